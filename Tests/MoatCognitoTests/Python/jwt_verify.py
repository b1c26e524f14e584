"""Verifies an RS256 token with PyJWT against a JWKS document, as a backend does with Cognito's jwks.json.

stdin: {"token": T, "jwks": {...}, "audience": AUD | null}
stdout: {"header": {...}, "claims": {...}} or {"error": "ExceptionName: message"}
"""
import json
import sys

import jwt

request = json.load(sys.stdin)
try:
    header = jwt.get_unverified_header(request["token"])
    key = jwt.PyJWKSet.from_dict(request["jwks"])[header["kid"]]
    options = {"require": ["exp", "iat"]}
    if request.get("audience") is None:
        options["verify_aud"] = False
    claims = jwt.decode(
        request["token"], key=key, algorithms=["RS256"], audience=request.get("audience"), options=options
    )
    print(json.dumps({"header": header, "claims": claims}))
except Exception as error:  # report every failure to the Swift test
    print(json.dumps({"error": f"{type(error).__name__}: {error}"}))
