// OpenSSL's libcrypto (Debian: libssl-dev), for the constant-time modular exponentiation of Cognito's SRP
// (BN_mod_exp_mont_consttime). Only the big-number API is exposed; TLS and RSA stay with swift-crypto.
#include <openssl/bn.h>
