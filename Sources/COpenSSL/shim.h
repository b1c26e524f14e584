// OpenSSL's libcrypto (Debian: libssl-dev), for the constant-time modular exponentiation of Cognito's SRP
// (BN_mod_exp_mont_consttime) and RS256 token signatures (EVP_DigestSign: about twice as fast as swift-crypto's
// here). TLS stays with swift-nio-ssl.
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
