"""pycognito's AWSSRP as an independent USER_SRP_AUTH client for MoatCognitoTests.

Reads JSON lines on stdin, answers one JSON line each:
  {"op": "begin", "username": U, "password": P, "pool_id": ID}      -> {"A": hex}      (pycognito draws `a`)
  {"op": "answer", "challenge": {...PASSWORD_VERIFIER parameters...},
   "now": "2026-11-02T03:04:05" | null}                              -> RespondToAuthChallenge's ChallengeResponses
  {"op": "timestamps", "seconds": [S, ...]}                           -> {"timestamps": [pycognito's format of each]}
`now` injects the clock: pycognito's own get_cognito_formatted_timestamp formats it.
"""
import datetime
import json
import sys

from pycognito.aws_srp import AWSSRP, long_to_hex

srp = None
for line in sys.stdin:
    request = json.loads(line)
    if request["op"] == "begin":
        # No boto3 client is needed: only the SRP math runs here.
        srp = AWSSRP(
            username=request["username"],
            password=request["password"],
            pool_id=request["pool_id"],
            client_id="moat-tests",
            client=object(),
        )
        reply = {"A": long_to_hex(srp.large_a_value)}
    elif request["op"] == "answer":
        if request.get("now"):
            fixed = datetime.datetime.fromisoformat(request["now"])
            srp.get_cognito_formatted_timestamp = lambda _utcnow: AWSSRP.get_cognito_formatted_timestamp(fixed)
        challenge = request["challenge"]
        reply = srp.process_challenge(challenge, {"USERNAME": challenge["USERNAME"]})
    elif request["op"] == "timestamps":
        # pycognito's formatter over instants given as seconds since 1970.
        reply = {
            "timestamps": [
                AWSSRP.get_cognito_formatted_timestamp(
                    datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc)
                )
                for seconds in request["seconds"]
            ]
        }
    else:
        reply = {"error": "unknown op"}
    sys.stdout.write(json.dumps(reply) + "\n")
    sys.stdout.flush()
