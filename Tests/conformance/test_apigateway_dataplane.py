"""API Gateway's data plane: deployed stages called with requests, behind Cognito and Lambda authorizers.

Tutorial 004's project (a Cognito authorizer in front of a Lambda proxy integration, called with a token from
`moat user login`) and tutorial 001's two pools, two authorizers and two functions are built through boto3 and then
called over HTTP, as a browser or Postman would.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import http.server
import io
import json
import socketserver
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

from moat_support import (
    ACCOUNT_ID, POLICY_VERSION, REGION, ROOT, Creds, MoatServer, aws_client, isolated_environment, moat_binary, signing_clock, utc_now,
)

pytestmark = pytest.mark.apigateway

PASSWORD = "Correct-Horse-9"
LAMBDA_TRUST = {
    "Version": POLICY_VERSION,
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}

# Tutorial 004's function, as a proxy integration answers: the caller's claims come in requestContext.authorizer.
HELLO_PY = """
import json

def handler(event, context):
    claims = event["requestContext"]["authorizer"]["claims"]
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json", "X-Handled-By": "hello"},
        "body": json.dumps({"message": "Hello " + claims["email"], "path": event["path"], "resource": event["resource"],
                            "method": event["httpMethod"], "query": event["queryStringParameters"],
                            "stage": event["requestContext"]["stage"], "sub": claims["sub"]}),
    }
"""

# Tutorial 001's functions, behind non-proxy Lambda integrations: the JSON body is the event.
EXTERNAL_PY = """
import json

def handler(event, context):
    name = event["name"]
    return {"statusCode": 200, "body": json.dumps(f"Hello {name}. Greetings from %s! Message forwarded to InternalLambda.")}
"""

GARBAGE_PY = """
def handler(event, context):
    return {"statusCode": 200, "body": {"not": "a string"}, "extra": 1}
"""

FAILING_PY = """
def handler(event, context):
    raise ValueError("Bad Request: name is missing")
"""

TOKEN_AUTHORIZER_PY = """
import json, os

CALLS = "/tmp/moat-authorizer-calls-" + os.environ["AWS_LAMBDA_FUNCTION_NAME"]

def handler(event, context):
    with open(CALLS, "a") as calls:
        calls.write(event["authorizationToken"] + "\\n")
    token = event["authorizationToken"]
    if token == "fail":
        raise Exception("Unauthorized")
    effect = "Allow" if token.startswith("allow") else "Deny"
    return {
        "principalId": "user-" + token,
        "policyDocument": {"Version": "2012-10-17", "Statement": [
            {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}]},
        "context": {"tier": "gold", "count": 3, "admin": False},
    }
"""

REQUEST_AUTHORIZER_PY = """
def handler(event, context):
    allowed = event["queryStringParameters"].get("key") == "open-sesame" and event["headers"].get("X-Team") == "blue"
    resource = event["methodArn"].split("/")[0] + "/*"
    return {
        "principalId": "team-" + event["headers"].get("X-Team", "none"),
        "policyDocument": {"Version": "2012-10-17", "Statement": [
            {"Action": "execute-api:Invoke", "Effect": "Allow" if allowed else "Deny", "Resource": resource}]},
    }
"""

ECHO_CONTEXT_PY = """
import json

def handler(event, context):
    return {"statusCode": 200, "body": json.dumps(event["requestContext"]["authorizer"])}
"""


def zip_of(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


class Project:
    """Clients of one server, and helpers that build what the tutorials build."""

    def __init__(self, server: MoatServer) -> None:
        self.server = server
        self.apigateway = aws_client("apigateway", server.endpoint, ROOT)
        self.lambda_ = aws_client("lambda", server.endpoint, ROOT)
        self.idp = aws_client("cognito-idp", server.endpoint, ROOT)
        self.iam = aws_client("iam", server.endpoint, ROOT)
        self._role: str | None = None

    # Lambda

    def role(self) -> str:
        if self._role is None:
            self._role = self.iam.create_role(RoleName="gateway-functions", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"]["Arn"]
        return self._role

    def function(self, name: str, code: str) -> str:
        created = self.lambda_.create_function(
            FunctionName=name, Runtime="python3.12", Role=self.role(), Handler="app.handler", Code={"ZipFile": zip_of({"app.py": code})},
        )
        return created["FunctionArn"]

    def allow_gateway(self, function: str, source_arn: str, sid: str = "apigateway") -> None:
        self.lambda_.add_permission(
            FunctionName=function, StatementId=sid, Action="lambda:InvokeFunction", Principal="apigateway.amazonaws.com", SourceArn=source_arn,
        )

    # Cognito

    def pool(self, name: str) -> tuple[str, str, str]:
        """A pool signing in with email, an app client that allows password sign-in, and the pool's ARN."""
        pool = self.idp.create_user_pool(PoolName=name, UsernameAttributes=["email"])["UserPool"]
        client = self.idp.create_user_pool_client(
            UserPoolId=pool["Id"], ClientName="app",
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]
        return pool["Id"], client["ClientId"], pool["Arn"]

    def user_tokens(self, pool_id: str, client_id: str, email: str) -> dict[str, str]:
        self.idp.admin_create_user(UserPoolId=pool_id, Username=email, MessageAction="SUPPRESS",
                                   UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}])
        self.idp.admin_set_user_password(UserPoolId=pool_id, Username=email, Password=PASSWORD, Permanent=True)
        return self.idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                      AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD})["AuthenticationResult"]

    # API Gateway

    def api(self, name: str) -> tuple[str, str]:
        api = self.apigateway.create_rest_api(name=name)
        return api["id"], api["rootResourceId"]

    def resource(self, api: str, parent: str, part: str) -> str:
        return self.apigateway.create_resource(restApiId=api, parentId=parent, pathPart=part)["id"]

    def lambda_uri(self, function_arn: str) -> str:
        return f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{function_arn}/invocations"

    def source_arn(self, api: str, method: str = "*", path: str = "*") -> str:
        return f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{api}/*/{method}/{path}"

    def url(self, api: str, stage: str, path: str = "") -> str:
        return f"{self.server.endpoint}/restapis/{api}/{stage}/_user_request_{path}"


@pytest.fixture
def project(moat: MoatServer) -> Project:
    return Project(moat)


def build_tutorial_004(project: Project, pool_arn: str) -> str:
    """GET /hello behind the pool's authorizer, proxied to the hello function, deployed to `dev`."""
    api, root = project.api("dev-serverless-api")
    hello = project.resource(api, root, "hello")
    authorizer = project.apigateway.create_authorizer(
        restApiId=api, name="cognito", type="COGNITO_USER_POOLS", providerARNs=[pool_arn], identitySource="method.request.header.Authorization",
    )["id"]
    project.apigateway.put_method(restApiId=api, resourceId=hello, httpMethod="GET", authorizationType="COGNITO_USER_POOLS", authorizerId=authorizer)
    function_arn = project.function("hello", HELLO_PY)
    project.apigateway.put_integration(restApiId=api, resourceId=hello, httpMethod="GET", type="AWS_PROXY",
                                       integrationHttpMethod="POST", uri=project.lambda_uri(function_arn))
    project.allow_gateway("hello", project.source_arn(api, "GET", "hello"))
    project.apigateway.create_deployment(restApiId=api, stageName="dev")
    return api


def moat_user(server: MoatServer, command: str, email: str, pool_id: str, client_id: str) -> str:
    """`moat user create|login`, the password on standard input; the ID token it prints."""
    import subprocess

    env = isolated_environment({
        "AWS_ACCESS_KEY_ID": ROOT.access_key_id, "AWS_SECRET_ACCESS_KEY": ROOT.secret_access_key,
        "AWS_ENDPOINT_URL": server.endpoint, "AWS_DEFAULT_REGION": REGION,
    })
    done = subprocess.run([str(moat_binary()), "user", command, email, pool_id, client_id], env=env, input=PASSWORD + "\n",
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()[0].removeprefix("Token: ")


# MARK: tutorial 004


def test_tutorial_004_token_from_moat_user_login(project: Project) -> None:
    pool_id, client_id, pool_arn = project.pool("serverless-users")
    api = build_tutorial_004(project, pool_arn)
    token = moat_user(project.server, "create", "mail@example.com", pool_id, client_id)
    url = project.url(api, "dev", "/hello")

    missing = requests.get(url, timeout=30)
    assert (missing.status_code, missing.text) == (401, '{"message":"Unauthorized"}')
    assert missing.headers["x-amzn-ErrorType"] == "UnauthorizedException" and missing.headers["x-amzn-RequestId"]

    answered = requests.get(url, params={"lang": "fr"}, headers={"Authorization": token}, timeout=60)
    assert answered.status_code == 200, answered.text
    assert answered.headers["X-Handled-By"] == "hello" and answered.headers["Content-Type"] == "application/json"
    body = answered.json()
    assert body["message"] == "Hello mail@example.com"
    assert (body["path"], body["resource"], body["method"], body["query"], body["stage"]) == ("/hello", "/hello", "GET", {"lang": "fr"}, "dev")

    # The same stage by its host name, as LocalStack users call it.
    by_host = requests.get(f"{project.server.endpoint}/dev/hello", headers={"Authorization": token, "Host": f"{api}.execute-api.localhost"}, timeout=60)
    assert by_host.status_code == 200 and by_host.json()["sub"] == body["sub"]

    logged_in = moat_user(project.server, "login", "mail@example.com", pool_id, client_id)
    assert requests.get(url, headers={"Authorization": logged_in}, timeout=60).status_code == 200

    unknown = requests.get(project.url(api, "dev", "/nowhere"), headers={"Authorization": token}, timeout=30)
    assert (unknown.status_code, unknown.text) == (403, '{"message":"Missing Authentication Token"}')
    wrong_verb = requests.delete(url, headers={"Authorization": token}, timeout=30)
    assert wrong_verb.status_code == 403
    no_stage = requests.get(project.url(api, "prod", "/hello"), headers={"Authorization": token}, timeout=30)
    assert (no_stage.status_code, no_stage.text) == (403, '{"message":"Forbidden"}')


def test_tokens_the_authorizer_refuses(project: Project) -> None:
    pool_id, client_id, pool_arn = project.pool("serverless-users")
    other_pool, other_client, _ = project.pool("other-users")
    api = build_tutorial_004(project, pool_arn)
    url = project.url(api, "dev", "/hello")
    tokens = project.user_tokens(pool_id, client_id, "ann@example.com")
    foreign = project.user_tokens(other_pool, other_client, "bob@example.com")

    assert requests.get(url, headers={"Authorization": tokens["IdToken"]}, timeout=60).status_code == 200
    assert requests.get(url, headers={"Authorization": "Bearer " + tokens["IdToken"]}, timeout=60).status_code == 200
    for refused in [foreign["IdToken"], tokens["AccessToken"], tokens["RefreshToken"], "garbage", "a.b.c"]:
        response = requests.get(url, headers={"Authorization": refused}, timeout=30)
        assert (response.status_code, response.text) == (401, '{"message":"Unauthorized"}'), refused[:20]


def jwt_parts(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    header, payload, signature = token.split(".")
    pad = lambda text: text + "=" * (-len(text) % 4)  # noqa: E731
    return json.loads(base64.urlsafe_b64decode(pad(header))), json.loads(base64.urlsafe_b64decode(pad(payload))), signature


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def encode(header: dict[str, Any], payload: dict[str, Any]) -> str:
    return b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(payload).encode())


def test_jwt_attack_set_is_refused(project: Project) -> None:
    """Forged tokens: no algorithm, HS256 keyed with the public key, a tampered payload, another issuer, another key."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    pool_id, client_id, pool_arn = project.pool("serverless-users")
    api = build_tutorial_004(project, pool_arn)
    url = project.url(api, "dev", "/hello")
    token = project.user_tokens(pool_id, client_id, "eve@example.com")["IdToken"]
    header, payload, signature = jwt_parts(token)
    assert requests.get(url, headers={"Authorization": token}, timeout=60).status_code == 200

    jwks = requests.get(f"{project.server.endpoint}/{pool_id}/.well-known/jwks.json", timeout=30).json()
    key = jwks["keys"][0]
    public = rsa.RSAPublicNumbers(int.from_bytes(base64.urlsafe_b64decode(key["e"] + "=="), "big"),
                                  int.from_bytes(base64.urlsafe_b64decode(key["n"] + "=="), "big")).public_key()
    pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    attacker = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def rs256(text: str, private: Any) -> str:
        return text + "." + b64url(private.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256()))

    def hs256(text: str, secret: bytes) -> str:
        return text + "." + b64url(hmac.new(secret, text.encode(), hashlib.sha256).digest())

    escalated = dict(payload, **{"cognito:groups": ["admins"]})
    forged = {
        "alg none": encode(dict(header, alg="none"), escalated) + ".",
        "alg none, signature kept": encode(dict(header, alg="none"), escalated) + "." + signature,
        "HS256 keyed with the PEM": hs256(encode(dict(header, alg="HS256"), escalated), pem),
        "HS256 keyed with the DER": hs256(encode(dict(header, alg="HS256"), escalated),
                                          public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)),
        "tampered payload": encode(header, escalated).split(".")[0] + "." + encode(header, escalated).split(".")[1] + "." + signature,
        "expired, re-signed by another key": rs256(encode(header, dict(payload, exp=int(time.time()) - 10)), attacker),
        "wrong issuer": rs256(encode(header, dict(payload, iss="https://evil.example.com/" + pool_id)), attacker),
        "another key, same kid": rs256(encode(header, payload), attacker),
        "kid not in the JWKS": rs256(encode(dict(header, kid="not-a-key"), payload), attacker),
        "no kid": rs256(encode({"alg": "RS256"}, payload), attacker),
    }
    for name, token in forged.items():
        response = requests.get(url, headers={"Authorization": token}, timeout=30)
        assert response.status_code == 401, name


def test_expired_id_token_is_refused_with_its_own_message(start_moat: Any, tmp_path: Path) -> None:
    server = start_moat(tmp_path / "data", extra_args=("--cognito-minimum-token-validity", "1"))
    project = Project(server)
    pool_id, _, pool_arn = project.pool("short-lived")
    client_id = project.idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="brief", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        IdTokenValidity=1, TokenValidityUnits={"IdToken": "seconds"},
    )["UserPoolClient"]["ClientId"]
    api = build_tutorial_004(project, pool_arn)
    token = project.user_tokens(pool_id, client_id, "tim@example.com")["IdToken"]
    time.sleep(2.1)
    response = requests.get(project.url(api, "dev", "/hello"), headers={"Authorization": token}, timeout=30)
    assert (response.status_code, response.text) == (401, '{"message":"The incoming token has expired"}')


def test_the_gateway_needs_the_functions_permission(project: Project) -> None:
    _, _, pool_arn = project.pool("users")
    api, root = project.api("unpermitted")
    open_ = project.resource(api, root, "open")
    project.apigateway.put_method(restApiId=api, resourceId=open_, httpMethod="GET", authorizationType="NONE")
    function_arn = project.function("unpermitted", GARBAGE_PY)
    project.apigateway.put_integration(restApiId=api, resourceId=open_, httpMethod="GET", type="AWS_PROXY",
                                       integrationHttpMethod="POST", uri=project.lambda_uri(function_arn))
    project.apigateway.create_deployment(restApiId=api, stageName="dev")
    response = requests.get(project.url(api, "dev", "/open"), timeout=60)
    assert (response.status_code, response.text) == (500, '{"message": "Internal server error"}')

    # A permission for another method's ARN does not help; one for this one does, and then the garbage answer is a 502.
    project.allow_gateway("unpermitted", project.source_arn(api, "POST", "open"), sid="post-only")
    assert requests.get(project.url(api, "dev", "/open"), timeout=60).status_code == 500
    project.allow_gateway("unpermitted", project.source_arn(api, "GET", "open"), sid="get")
    garbage = requests.get(project.url(api, "dev", "/open"), timeout=60)
    assert (garbage.status_code, garbage.text) == (502, '{"message": "Internal server error"}')


# MARK: tutorial 001


def test_tutorial_001_two_pools_two_authorizers(project: Project) -> None:
    pool1, client1, arn1 = project.pool("MyUserPool1")
    pool2, client2, arn2 = project.pool("MyUserPool2")
    api, root = project.api("secure-lambda")
    authorizers = [
        project.apigateway.create_authorizer(restApiId=api, name=name, type="COGNITO_USER_POOLS", providerARNs=[arn],
                                             identitySource="method.request.header.Authorization")["id"]
        for name, arn in [("AGAuthorizer1", arn1), ("AGAuthorizer2", arn2)]
    ]
    for index, authorizer in enumerate(authorizers, start=1):
        resource = project.resource(api, root, f"lambda{index}")
        function_arn = project.function(f"ExternalLambda{index}", EXTERNAL_PY % f"ExternalLambda{index}")
        project.apigateway.put_method(restApiId=api, resourceId=resource, httpMethod="POST",
                                      authorizationType="COGNITO_USER_POOLS", authorizerId=authorizer)
        project.apigateway.put_method_response(restApiId=api, resourceId=resource, httpMethod="POST", statusCode="200",
                                               responseModels={"application/json": "Empty"})
        project.apigateway.put_integration(restApiId=api, resourceId=resource, httpMethod="POST", type="AWS",
                                           integrationHttpMethod="POST", uri=project.lambda_uri(function_arn))
        project.apigateway.put_integration_response(restApiId=api, resourceId=resource, httpMethod="POST", statusCode="200",
                                                    responseTemplates={"application/json": ""})
        project.allow_gateway(f"ExternalLambda{index}", project.source_arn(api, "POST", f"lambda{index}"))
    project.apigateway.create_deployment(restApiId=api, stageName="development")
    project.apigateway.update_stage(restApiId=api, stageName="development", patchOperations=[
        {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "50"},
    ])
    stage = project.apigateway.get_stage(restApiId=api, stageName="development")
    assert stage["methodSettings"]["*/*"]["throttlingRateLimit"] == 50.0

    user1 = project.user_tokens(pool1, client1, "user1@example.com")["IdToken"]
    user2 = project.user_tokens(pool2, client2, "user2@example.com")["IdToken"]
    for index, (own, other) in enumerate([(user1, user2), (user2, user1)], start=1):
        url = project.url(api, "development", f"/lambda{index}")
        assert requests.post(url, json={"name": "Ada"}, timeout=30).status_code == 401
        answered = requests.post(url, json={"name": "Ada"}, headers={"Authorization": own}, timeout=60)
        assert answered.status_code == 200, answered.text
        assert answered.json() == {
            "statusCode": 200,
            "body": json.dumps(f"Hello Ada. Greetings from ExternalLambda{index}! Message forwarded to InternalLambda."),
        }
        refused = requests.post(url, json={"name": "Ada"}, headers={"Authorization": other}, timeout=30)
        assert (refused.status_code, refused.text) == (401, '{"message":"Unauthorized"}')


def test_lambda_error_selects_integration_response(project: Project) -> None:
    api, root = project.api("errors")
    resource = project.resource(api, root, "fail")
    function_arn = project.function("failing", FAILING_PY)
    project.apigateway.put_method(restApiId=api, resourceId=resource, httpMethod="POST", authorizationType="NONE")
    project.apigateway.put_integration(restApiId=api, resourceId=resource, httpMethod="POST", type="AWS",
                                       integrationHttpMethod="POST", uri=project.lambda_uri(function_arn))
    for status, pattern in [("200", None), ("400", "Bad Request.*")]:
        project.apigateway.put_method_response(restApiId=api, resourceId=resource, httpMethod="POST", statusCode=status)
        extra = {"selectionPattern": pattern} if pattern else {}
        project.apigateway.put_integration_response(
            restApiId=api, resourceId=resource, httpMethod="POST", statusCode=status,
            responseTemplates={"application/json": '{"error": "$util.escapeJavaScript($input.path(\'$.errorMessage\'))"}'} if pattern else {},
            **extra,
        )
    project.allow_gateway("failing", project.source_arn(api))
    project.apigateway.create_deployment(restApiId=api, stageName="dev")
    response = requests.post(project.url(api, "dev", "/fail"), json={}, timeout=60)
    assert response.status_code == 400 and response.json() == {"error": "Bad Request: name is missing"}


# MARK: stages


def mock_route(project: Project, api: str, parent: str, part: str, template: str, method: str = "GET", **method_args: Any) -> str:
    resource = project.resource(api, parent, part)
    project.apigateway.put_method(restApiId=api, resourceId=resource, httpMethod=method, authorizationType=method_args.pop("authorizationType", "NONE"),
                                  **method_args)
    project.apigateway.put_integration(restApiId=api, resourceId=resource, httpMethod=method, type="MOCK",
                                       requestTemplates={"application/json": '{"statusCode": 200}'})
    project.apigateway.put_method_response(restApiId=api, resourceId=resource, httpMethod=method, statusCode="200")
    project.apigateway.put_integration_response(restApiId=api, resourceId=resource, httpMethod=method, statusCode="200",
                                                responseTemplates={"application/json": template})
    return resource


def test_redeployment_changes_what_a_stage_serves(project: Project) -> None:
    api, root = project.api("versions")
    resource = mock_route(project, api, root, "version", '{"version": 1}')
    project.apigateway.create_deployment(restApiId=api, stageName="dev")
    url = project.url(api, "dev", "/version")
    assert requests.get(url, timeout=30).json() == {"version": 1}

    project.apigateway.put_integration_response(restApiId=api, resourceId=resource, httpMethod="GET", statusCode="200",
                                                responseTemplates={"application/json": '{"version": 2}'})
    mock_route(project, api, root, "added", "{}")
    assert requests.get(url, timeout=30).json() == {"version": 1}
    assert requests.get(project.url(api, "dev", "/added"), timeout=30).status_code == 403

    project.apigateway.create_deployment(restApiId=api, stageName="dev")
    assert requests.get(url, timeout=30).json() == {"version": 2}
    assert requests.get(project.url(api, "dev", "/added"), timeout=30).status_code == 200


def test_throttled_stage_returns_429(project: Project) -> None:
    api, root = project.api("throttled")
    mock_route(project, api, root, "busy", '{"ok": true}')
    project.apigateway.create_deployment(restApiId=api, stageName="dev")
    project.apigateway.update_stage(restApiId=api, stageName="dev", patchOperations=[
        {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "1"},
        {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "3"},
    ])
    statuses = [requests.get(project.url(api, "dev", "/busy"), timeout=30) for _ in range(8)]
    assert [response.status_code for response in statuses[:3]] == [200, 200, 200]
    throttled = [response for response in statuses if response.status_code == 429]
    assert len(throttled) >= 4
    assert throttled[0].text == '{"message":"Too Many Requests"}'


def test_mapping_templates_with_set_if_and_foreach(project: Project) -> None:
    """A response template reshapes a document passed in the query: `#set`, `#if`/`#else`, `#foreach`, `$util`."""
    template = """#set($inputRoot = $util.parseJson($input.params('doc')))
#set($total = 0)
{
  "greeting": "Hello $util.escapeJavaScript($inputRoot.name)",
  "stage": "$context.stage",
  "lang": "$input.params('lang')",
#if($inputRoot.items.size() > 2)
  "size": "large",
#else
  "size": "small",
#end
  "items": [
#foreach($item in $inputRoot.items)
#set($total = $total + $item.price)
    {"id": "$item.id", "more": $foreach.hasNext}#if($foreach.hasNext),#end
#end
  ],
  "total": $total
}"""
    api, root = project.api("templates")
    mock_route(project, api, root, "shape", template, method="POST")
    project.apigateway.create_deployment(restApiId=api, stageName="dev")

    document = {"name": 'Ada "the" Countess', "items": [{"id": "a", "price": 2}, {"id": "b", "price": 3}, {"id": "c", "price": 5}]}
    shaped = requests.post(project.url(api, "dev", "/shape"), params={"lang": "fr", "doc": json.dumps(document)}, json={}, timeout=30)
    assert shaped.status_code == 200, shaped.text
    assert json.loads(shaped.text) == {
        "greeting": 'Hello Ada "the" Countess', "stage": "dev", "lang": "fr", "size": "large",
        "items": [{"id": "a", "more": True}, {"id": "b", "more": True}, {"id": "c", "more": False}], "total": 10,
    }
    document["items"] = document["items"][:1]
    small = requests.post(project.url(api, "dev", "/shape"), params={"doc": json.dumps(document)}, json={}, timeout=30)
    assert json.loads(small.text)["size"] == "small" and json.loads(small.text)["lang"] == ""


def test_cors_preflight_through_a_mock_options_method(project: Project) -> None:
    api, root = project.api("cors")
    resource = project.resource(api, root, "items")
    project.apigateway.put_method(restApiId=api, resourceId=resource, httpMethod="OPTIONS", authorizationType="NONE")
    project.apigateway.put_integration(restApiId=api, resourceId=resource, httpMethod="OPTIONS", type="MOCK",
                                       requestTemplates={"application/json": '{"statusCode": 200}'})
    headers = {
        "method.response.header.Access-Control-Allow-Origin": False,
        "method.response.header.Access-Control-Allow-Methods": False,
        "method.response.header.Access-Control-Allow-Headers": False,
    }
    project.apigateway.put_method_response(restApiId=api, resourceId=resource, httpMethod="OPTIONS", statusCode="200",
                                           responseParameters=headers)
    project.apigateway.put_integration_response(restApiId=api, resourceId=resource, httpMethod="OPTIONS", statusCode="200", responseParameters={
        "method.response.header.Access-Control-Allow-Origin": "'https://app.example.com'",
        "method.response.header.Access-Control-Allow-Methods": "'GET,POST,OPTIONS'",
        "method.response.header.Access-Control-Allow-Headers": "'Content-Type,Authorization'",
    })
    project.apigateway.create_deployment(restApiId=api, stageName="dev")
    preflight = requests.options(project.url(api, "dev", "/items"), headers={
        "Origin": "https://app.example.com", "Access-Control-Request-Method": "POST", "Content-Type": "application/json",
    }, timeout=30)
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert preflight.headers["Access-Control-Allow-Methods"] == "GET,POST,OPTIONS"
    assert preflight.headers["Access-Control-Allow-Headers"] == "Content-Type,Authorization"


def test_request_over_10_mb_is_refused(project: Project) -> None:
    api, root = project.api("large")
    mock_route(project, api, root, "upload", "{}", method="POST")
    project.apigateway.create_deployment(restApiId=api, stageName="dev")
    url = project.url(api, "dev", "/upload")
    assert requests.post(url, data=b"x" * 1024, headers={"Content-Type": "application/json"}, timeout=30).status_code == 200
    try:
        response = requests.post(url, data=b"x" * (10 * 1024 * 1024 + 1), headers={"Content-Type": "application/json"}, timeout=60)
        assert (response.status_code, response.text) == (413, '{"message":"Request Too Long"}')
    except requests.ConnectionError:
        pass  # The server may close the connection before the client finishes sending, as AWS's edge does.
    assert requests.post(url, data=b"{}", headers={"Content-Type": "application/json"}, timeout=30).status_code == 200


# MARK: Lambda authorizers


def calls_of(name: str) -> list[str]:
    path = Path(f"/tmp/moat-authorizer-calls-{name}")
    return path.read_text().splitlines() if path.exists() else []


def test_token_authorizer_allows_denies_and_caches(project: Project) -> None:
    name = f"token-authorizer-{int(time.time() * 1000)}"
    api, root = project.api("custom")
    authorizer_arn = project.function(name, TOKEN_AUTHORIZER_PY)
    authorizer = project.apigateway.create_authorizer(
        restApiId=api, name="token", type="TOKEN", authorizerUri=project.lambda_uri(authorizer_arn),
        identitySource="method.request.header.Authorization", identityValidationExpression="(allow|deny|fail).*",
        authorizerResultTtlInSeconds=300,
    )["id"]
    project.allow_gateway(name, f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{api}/authorizers/{authorizer}")
    resource = project.resource(api, root, "secret")
    echo_arn = project.function("echo-context", ECHO_CONTEXT_PY)
    project.apigateway.put_method(restApiId=api, resourceId=resource, httpMethod="GET", authorizationType="CUSTOM", authorizerId=authorizer)
    project.apigateway.put_integration(restApiId=api, resourceId=resource, httpMethod="GET", type="AWS_PROXY",
                                       integrationHttpMethod="POST", uri=project.lambda_uri(echo_arn))
    project.allow_gateway("echo-context", project.source_arn(api))
    project.apigateway.create_deployment(restApiId=api, stageName="dev")
    url = project.url(api, "dev", "/secret")

    allowed = requests.get(url, headers={"Authorization": "allow-1"}, timeout=60)
    assert allowed.status_code == 200, allowed.text
    assert allowed.json()["principalId"] == "user-allow-1"
    assert (allowed.json()["tier"], allowed.json()["count"], allowed.json()["admin"]) == ("gold", "3", "false")
    assert requests.get(url, headers={"Authorization": "allow-1"}, timeout=60).status_code == 200
    assert calls_of(name).count("allow-1") == 1  # the second call used the cached policy

    denied = requests.get(url, headers={"Authorization": "deny-1"}, timeout=60)
    assert (denied.status_code, denied.text) == (403, '{"Message":"User is not authorized to access this resource with an explicit deny"}')
    failed = requests.get(url, headers={"Authorization": "fail"}, timeout=60)
    assert (failed.status_code, failed.text) == (401, '{"message":"Unauthorized"}')
    assert requests.get(url, timeout=30).status_code == 401
    # A token the validation expression refuses never reaches the function.
    before = len(calls_of(name))
    assert requests.get(url, headers={"Authorization": "other"}, timeout=30).status_code == 401
    assert len(calls_of(name)) == before


def test_request_authorizer(project: Project) -> None:
    api, root = project.api("request-auth")
    authorizer_arn = project.function("request-authorizer", REQUEST_AUTHORIZER_PY)
    authorizer = project.apigateway.create_authorizer(
        restApiId=api, name="request", type="REQUEST", authorizerUri=project.lambda_uri(authorizer_arn),
        identitySource="method.request.header.X-Team,method.request.querystring.key", authorizerResultTtlInSeconds=0,
    )["id"]
    project.allow_gateway("request-authorizer", f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{api}/authorizers/{authorizer}")
    mock_route(project, api, root, "vault", '{"open": true}', authorizationType="CUSTOM", authorizerId=authorizer)
    project.apigateway.create_deployment(restApiId=api, stageName="dev")
    url = project.url(api, "dev", "/vault")
    assert requests.get(url, params={"key": "open-sesame"}, headers={"X-Team": "blue"}, timeout=60).json() == {"open": True}
    denied = requests.get(url, params={"key": "wrong"}, headers={"X-Team": "blue"}, timeout=60)
    assert denied.status_code == 403
    missing = requests.get(url, params={"key": "open-sesame"}, timeout=60)
    assert (missing.status_code, missing.text) == (401, '{"message":"Unauthorized"}')


# MARK: HTTP integrations


class Upstream(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        if self.path.startswith("/slow"):
            time.sleep(5)
        body = json.dumps({"path": self.path, "team": self.headers.get("X-Team"), "host": self.headers.get("Host")}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Upstream", "yes")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def upstream() -> Iterator[str]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Upstream)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_http_proxy_and_integration_timeout(project: Project, upstream: str) -> None:
    api, root = project.api("proxy")
    proxy = project.resource(api, root, "{proxy+}")
    project.apigateway.put_method(restApiId=api, resourceId=proxy, httpMethod="ANY", authorizationType="NONE",
                                  requestParameters={"method.request.path.proxy": True})
    project.apigateway.put_integration(restApiId=api, resourceId=proxy, httpMethod="ANY", type="HTTP_PROXY", integrationHttpMethod="ANY",
                                       uri=upstream + "/{proxy}", requestParameters={"integration.request.path.proxy": "method.request.path.proxy"},
                                       timeoutInMillis=1000)
    project.apigateway.create_deployment(restApiId=api, stageName="dev")

    forwarded = requests.get(project.url(api, "dev", "/pets/42"), params={"q": "1"}, headers={"X-Team": "blue"}, timeout=30)
    assert forwarded.status_code == 201 and forwarded.headers["X-Upstream"] == "yes"
    assert forwarded.json()["path"] == "/pets/42?q=1" and forwarded.json()["team"] == "blue"

    results: dict[str, Any] = {}
    slow = threading.Thread(target=lambda: results.update(slow=requests.get(project.url(api, "dev", "/slow"), timeout=30)))
    started = time.monotonic()
    slow.start()
    time.sleep(0.2)
    # Other requests are served while the slow one waits.
    assert requests.get(project.url(api, "dev", "/fast"), timeout=30).status_code == 201
    slow.join()
    assert (results["slow"].status_code, results["slow"].text) == (504, '{"message": "Endpoint request timed out"}')
    assert time.monotonic() - started < 4


# MARK: access logs


def test_stage_access_log(project: Project) -> None:
    logs = aws_client("logs", project.server.endpoint, ROOT)
    logs.create_log_group(logGroupName="api-access")
    api, root = project.api("logged")
    mock_route(project, api, root, "ping", '{"pong": true}')
    project.apigateway.create_deployment(restApiId=api, stageName="dev")
    project.apigateway.update_stage(restApiId=api, stageName="dev", patchOperations=[
        {"op": "replace", "path": "/accessLogSettings/destinationArn", "value": f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:api-access"},
        {"op": "replace", "path": "/accessLogSettings/format", "value": "$context.requestId $context.httpMethod $context.resourcePath $context.status"},
    ])
    response = requests.get(project.url(api, "dev", "/ping"), timeout=30)
    request_id = response.headers["x-amzn-RequestId"]
    deadline = time.monotonic() + 10
    messages: list[str] = []
    while time.monotonic() < deadline and not messages:
        time.sleep(0.3)
        messages = [event["message"] for event in logs.filter_log_events(logGroupName="api-access")["events"]]
    assert messages == [f"{request_id} GET /ping 200"]


# MARK: the console's Test button


def test_test_invoke_method_runs_the_current_definition(project: Project) -> None:
    """Tutorial 001 tests `/lambda1` from the console before deploying: TestInvokeMethod, no authorizer, real function."""
    _, _, pool_arn = project.pool("MyUserPool1")
    api, root = project.api("test-button")
    authorizer = project.apigateway.create_authorizer(restApiId=api, name="AGAuthorizer1", type="COGNITO_USER_POOLS", providerARNs=[pool_arn],
                                                      identitySource="method.request.header.Authorization")["id"]
    resource = project.resource(api, root, "lambda1")
    function_arn = project.function("ExternalLambda1", EXTERNAL_PY % "ExternalLambda1")
    project.apigateway.put_method(restApiId=api, resourceId=resource, httpMethod="POST", authorizationType="COGNITO_USER_POOLS", authorizerId=authorizer)
    project.apigateway.put_method_response(restApiId=api, resourceId=resource, httpMethod="POST", statusCode="200")
    project.apigateway.put_integration(restApiId=api, resourceId=resource, httpMethod="POST", type="AWS",
                                       integrationHttpMethod="POST", uri=project.lambda_uri(function_arn))
    project.apigateway.put_integration_response(restApiId=api, resourceId=resource, httpMethod="POST", statusCode="200",
                                                responseTemplates={"application/json": ""})
    project.allow_gateway("ExternalLambda1", project.source_arn(api, "POST", "lambda1"))

    tested = project.apigateway.test_invoke_method(restApiId=api, resourceId=resource, httpMethod="POST", body='{"name": "Ada"}',
                                                   pathWithQueryString="/lambda1?debug=yes+please")
    assert tested["status"] == 200
    assert json.loads(tested["body"]) == {
        "statusCode": 200, "body": json.dumps("Hello Ada. Greetings from ExternalLambda1! Message forwarded to InternalLambda."),
    }
    assert tested["headers"]["Content-Type"] == "application/json"
    assert "Method request query string: {debug=yes please}" in tested["log"]
    assert "Method completed with status: 200" in tested["log"]
    assert tested["latency"] >= 0

    # Nothing was deployed, so the stage URL knows no such API stage yet.
    assert requests.post(project.url(api, "dev", "/lambda1"), json={"name": "Ada"}, timeout=30).status_code == 403

    # A function error that no selection pattern matches takes the default integration response, as on AWS.
    missing = project.apigateway.test_invoke_method(restApiId=api, resourceId=resource, httpMethod="POST", body='{}')
    assert missing["status"] == 200 and json.loads(missing["body"])["errorType"] == "KeyError"
    with pytest.raises(project.apigateway.exceptions.NotFoundException):
        project.apigateway.test_invoke_method(restApiId=api, resourceId=resource, httpMethod="GET")


# MARK: gateway responses


def test_gateway_responses_are_customised_per_api(project: Project) -> None:
    _, _, pool_arn = project.pool("users")
    api, root = project.api("customised")
    authorizer = project.apigateway.create_authorizer(restApiId=api, name="cognito", type="COGNITO_USER_POOLS", providerARNs=[pool_arn],
                                                      identitySource="method.request.header.Authorization")["id"]
    mock_route(project, api, root, "secure", '{"ok": true}', authorizationType="COGNITO_USER_POOLS", authorizerId=authorizer)

    defaults = project.apigateway.get_gateway_responses(restApiId=api)["items"]
    assert len(defaults) == 21 and all(item["defaultResponse"] for item in defaults)
    unauthorized = project.apigateway.get_gateway_response(restApiId=api, responseType="UNAUTHORIZED")
    assert unauthorized["statusCode"] == "401"
    assert unauthorized["responseTemplates"] == {"application/json": '{"message":$context.error.messageString}'}

    project.apigateway.put_gateway_response(
        restApiId=api, responseType="UNAUTHORIZED", statusCode="401",
        responseParameters={"gatewayresponse.header.WWW-Authenticate": "'Bearer realm=\"moat\"'"},
        responseTemplates={"application/json": '{"error": "$context.error.responseType", "detail": $context.error.messageString}'},
    )
    project.apigateway.put_gateway_response(
        restApiId=api, responseType="DEFAULT_4XX", responseParameters={"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"},
    )
    project.apigateway.create_deployment(restApiId=api, stageName="dev")

    refused = requests.get(project.url(api, "dev", "/secure"), timeout=30)
    assert refused.status_code == 401
    assert refused.json() == {"error": "UNAUTHORIZED", "detail": "Unauthorized"}
    assert refused.headers["WWW-Authenticate"] == 'Bearer realm="moat"'
    # A customised type is whole: DEFAULT_4XX's header reaches only the 4XX responses that are not customised.
    assert "Access-Control-Allow-Origin" not in refused.headers
    unknown = requests.get(project.url(api, "dev", "/nowhere"), timeout=30)
    assert (unknown.status_code, unknown.json()) == (403, {"message": "Missing Authentication Token"})
    assert unknown.headers["Access-Control-Allow-Origin"] == "*"

    # Customisations are part of the definition: deleting one changes a stage only at its next deployment.
    project.apigateway.delete_gateway_response(restApiId=api, responseType="UNAUTHORIZED")
    assert project.apigateway.get_gateway_response(restApiId=api, responseType="UNAUTHORIZED")["defaultResponse"] is True
    assert requests.get(project.url(api, "dev", "/secure"), timeout=30).json()["error"] == "UNAUTHORIZED"
    project.apigateway.create_deployment(restApiId=api, stageName="dev")
    assert requests.get(project.url(api, "dev", "/secure"), timeout=30).text == '{"message":"Unauthorized"}'

    with pytest.raises(project.apigateway.exceptions.BadRequestException):
        project.apigateway.put_gateway_response(restApiId=api, responseType="UNAUTHORIZED", statusCode="99")


# MARK: binary media types

BINARY_ECHO_PY = """
import base64

def handler(event, context):
    body = base64.b64decode(event["body"]) if event["isBase64Encoded"] else event["body"].encode()
    return {"statusCode": 200, "headers": {"Content-Type": "image/png"}, "isBase64Encoded": True,
            "body": base64.b64encode(body[::-1]).decode()}
"""


def test_binary_media_types_reach_the_function_as_base64_and_come_back_as_bytes(project: Project) -> None:
    api = project.apigateway.create_rest_api(name="images", binaryMediaTypes=["image/png"])
    resource = project.resource(api["id"], api["rootResourceId"], "flip")
    function_arn = project.function("flip", BINARY_ECHO_PY)
    project.apigateway.put_method(restApiId=api["id"], resourceId=resource, httpMethod="POST", authorizationType="NONE")
    project.apigateway.put_integration(restApiId=api["id"], resourceId=resource, httpMethod="POST", type="AWS_PROXY",
                                       integrationHttpMethod="POST", uri=project.lambda_uri(function_arn))
    project.allow_gateway("flip", project.source_arn(api["id"], "POST", "flip"))
    project.apigateway.create_deployment(restApiId=api["id"], stageName="dev")

    payload = bytes(range(256))
    flipped = requests.post(project.url(api["id"], "dev", "/flip"), data=payload,
                            headers={"Content-Type": "image/png", "Accept": "image/png"}, timeout=60)
    assert flipped.status_code == 200 and flipped.content == payload[::-1]
    # Without an Accept naming a binary type, the function's base64 text comes back as it was answered.
    as_text = requests.post(project.url(api["id"], "dev", "/flip"), data=payload, headers={"Content-Type": "image/png"}, timeout=60)
    assert base64.b64decode(as_text.content) == payload[::-1]


# MARK: AWS_IAM methods, called with requests + SigV4


def signed_call(method: str, url: str, creds: Creds | None, *, body: bytes = b"", tamper: bytes | None = None,
                signing_time: Any = None, host: str | None = None) -> requests.Response:
    """A call signed as the AWS SDKs sign execute-api calls (botocore's SigV4Auth, signing name `execute-api`)."""
    headers = {"Content-Type": "application/json"}
    if host:
        headers["Host"] = host
    request = AWSRequest(method=method, url=url, data=body, headers=headers)
    if creds is not None:
        with signing_clock(signing_time):
            SigV4Auth(creds.botocore(), "execute-api", REGION).add_auth(request)
    prepared = request.prepare()
    return requests.request(method, prepared.url, headers=dict(prepared.headers.items()),
                            data=prepared.body if tamper is None else tamper, timeout=30)


def iam_user(project: Project, name: str, policy: dict[str, Any] | None) -> Creds:
    project.iam.create_user(UserName=name)
    if policy is not None:
        project.iam.put_user_policy(UserName=name, PolicyName="invoke", PolicyDocument=json.dumps(policy))
    return Creds.from_access_key(project.iam.create_access_key(UserName=name)["AccessKey"])


def test_aws_iam_methods_verify_the_signature_and_the_callers_policy(project: Project) -> None:
    api, root = project.api("internal")
    template = '{"caller": "$context.identity.userArn", "key": "$context.identity.accessKey", "account": "$context.identity.accountId"}'
    for part in ["orders", "admin"]:
        mock_route(project, api, root, part, template, method="POST", authorizationType="AWS_IAM")
    project.apigateway.create_deployment(restApiId=api, stageName="dev")
    orders_arn = f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{api}/dev/POST/orders"
    caller = iam_user(project, "orders-service", {"Version": POLICY_VERSION, "Statement": [
        {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{api}/*"},
        {"Effect": "Deny", "Action": "execute-api:Invoke", "Resource": f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{api}/*/*/admin"},
    ]})
    stranger = iam_user(project, "stranger", None)
    orders = project.url(api, "dev", "/orders")
    body = b'{"item": 1}'

    allowed = signed_call("POST", orders, caller, body=body)
    assert allowed.status_code == 200, allowed.text
    assert allowed.json() == {"caller": f"arn:aws:iam::{ACCOUNT_ID}:user/orders-service", "key": caller.access_key_id, "account": ACCOUNT_ID}
    # The Host form signs another path (/dev/orders) and host; both verify.
    host = f"{api}.execute-api.localhost:{project.server.port}"
    by_host = signed_call("POST", f"{project.server.endpoint}/dev/orders", caller, body=body, host=host)
    assert by_host.status_code == 200, by_host.text

    unsigned = requests.post(orders, data=body, timeout=30)
    assert (unsigned.status_code, unsigned.text) == (403, '{"message":"Missing Authentication Token"}')

    tampered = signed_call("POST", orders, caller, body=body, tamper=b'{"item": 2}')
    assert tampered.status_code == 403 and tampered.headers["x-amzn-ErrorType"] == "InvalidSignatureException"
    wrong_secret = signed_call("POST", orders, caller.with_secret("x" * 40), body=body)
    assert wrong_secret.status_code == 403 and "signature we calculated does not match" in wrong_secret.json()["message"]
    skewed = signed_call("POST", orders, caller, body=body, signing_time=utc_now() - dt.timedelta(minutes=10))
    assert skewed.status_code == 403 and skewed.headers["x-amzn-ErrorType"] == "InvalidSignatureException"
    unknown = signed_call("POST", orders, Creds("AKIAUNKNOWNKEY000000", "y" * 40), body=body)
    assert (unknown.status_code, unknown.text) == (403, '{"message":"The security token included in the request is invalid."}')

    denied = signed_call("POST", project.url(api, "dev", "/admin"), caller, body=body)
    admin_arn = f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{api}/dev/POST/admin"
    assert (denied.status_code, denied.json()) == (403, {
        "Message": f"User: arn:aws:iam::{ACCOUNT_ID}:user/orders-service is not authorized to perform: execute-api:Invoke "
                   f"on resource: {admin_arn} with an explicit deny",
    })
    refused = signed_call("POST", orders, stranger, body=body)
    assert (refused.status_code, refused.json()) == (403, {
        "Message": f"User: arn:aws:iam::{ACCOUNT_ID}:user/stranger is not authorized to perform: execute-api:Invoke on resource: {orders_arn}",
    })

    # Temporary credentials of an assumed role (the stranger may assume it) are accepted while they last.
    role = project.iam.create_role(RoleName="invoker", AssumeRolePolicyDocument=json.dumps({"Version": POLICY_VERSION, "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:user/stranger"}, "Action": "sts:AssumeRole"}]}))["Role"]
    project.iam.put_role_policy(RoleName="invoker", PolicyName="invoke", PolicyDocument=json.dumps({"Version": POLICY_VERSION, "Statement": [
        {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": orders_arn}]}))
    session = aws_client("sts", project.server.endpoint, stranger).assume_role(RoleArn=role["Arn"], RoleSessionName="worker")["Credentials"]
    assumed = signed_call("POST", orders, Creds.from_sts(session), body=body)
    assert assumed.status_code == 200, assumed.text
    assert assumed.json()["caller"] == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/invoker/worker"
