"""Cognito user pools through boto3, the AWS CLI, pycognito (SRP) and PyJWT (tokens against the JWKS)."""

from __future__ import annotations

import datetime
import json
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from unittest import mock

import jwt
import pytest
import requests
from pycognito import aws_srp
from pycognito.aws_srp import AWSSRP

from moat_support import REGION, ROOT, MoatServer, allow, aws_client, aws_error, isolated_environment, moat_binary, policy, run_aws_cli

PASSWORD = "Correct-Horse-9"
NEW_PASSWORD = "Battery-Staple-42"


@pytest.fixture
def idp(moat: MoatServer) -> Any:
    return aws_client("cognito-idp", moat.endpoint, ROOT)


def make_pool(idp: Any, **settings: Any) -> str:
    return idp.create_user_pool(PoolName="moat-pool", **settings)["UserPool"]["Id"]


def make_client(idp: Any, pool_id: str, **settings: Any) -> dict[str, Any]:
    settings.setdefault(
        "ExplicitAuthFlows",
        ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )
    return idp.create_user_pool_client(UserPoolId=pool_id, ClientName="app", **settings)["UserPoolClient"]


def confirmed_user(idp: Any, pool_id: str, username: str = "alice", password: str = PASSWORD, **attributes: str) -> None:
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": name, "Value": value} for name, value in attributes.items()],
    )
    idp.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=password, Permanent=True)


def verify(token: str, endpoint: str, pool_id: str, audience: str | None = None) -> dict[str, Any]:
    """What the tutorials' backends do: fetch the pool's JWKS and verify the token's signature, issuer and expiry."""
    keys = jwt.PyJWKClient(f"{endpoint}/{pool_id}/.well-known/jwks.json")
    key = keys.get_signing_key_from_jwt(token)
    options = {"verify_aud": audience is not None}
    return jwt.decode(token, key.key, algorithms=["RS256"], issuer=f"{endpoint}/{pool_id}", audience=audience, options=options)


# MARK: tutorial 004


def test_tutorial_004_admin_flow_with_boto3(moat: MoatServer, idp: Any) -> None:
    pool_id = make_pool(idp, UsernameAttributes=["email"], AutoVerifiedAttributes=["email"])
    client_id = make_client(idp, pool_id, ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["ClientId"]

    # cognito_user.py --create: a temporary password, then NEW_PASSWORD_REQUIRED answered with the real one.
    created = idp.admin_create_user(UserPoolId=pool_id, Username="mail@example.com", TemporaryPassword="Temp-Pass-1", MessageAction="SUPPRESS")
    assert created["User"]["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    internal_username = created["User"]["Username"]
    started = idp.admin_initiate_auth(
        UserPoolId=pool_id, ClientId=client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "mail@example.com", "PASSWORD": "Temp-Pass-1"},
    )
    assert started["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    assert started["ChallengeParameters"]["USER_ID_FOR_SRP"] == internal_username
    answered = idp.admin_respond_to_auth_challenge(
        UserPoolId=pool_id, ClientId=client_id, ChallengeName="NEW_PASSWORD_REQUIRED", Session=started["Session"],
        ChallengeResponses={"USERNAME": "mail@example.com", "NEW_PASSWORD": NEW_PASSWORD},
    )
    tokens = answered["AuthenticationResult"]
    assert tokens["TokenType"] == "Bearer" and tokens["ExpiresIn"] == 3600

    claims = verify(tokens["IdToken"], moat.endpoint, pool_id, audience=client_id)
    assert claims["token_use"] == "id"
    assert claims["email"] == "mail@example.com"
    assert claims["cognito:username"] == internal_username == claims["sub"]
    access = verify(tokens["AccessToken"], moat.endpoint, pool_id)
    assert access["token_use"] == "access" and access["client_id"] == client_id and access["scope"] == "aws.cognito.signin.user.admin"
    assert access["origin_jti"] == claims["origin_jti"]

    # The session is single use.
    with aws_error("NotAuthorizedException", 400, "Invalid session"):
        idp.admin_respond_to_auth_challenge(
            UserPoolId=pool_id, ClientId=client_id, ChallengeName="NEW_PASSWORD_REQUIRED", Session=started["Session"],
            ChallengeResponses={"USERNAME": "mail@example.com", "NEW_PASSWORD": NEW_PASSWORD},
        )
    # cognito_user.py without --create: sign in with the new password.
    again = idp.admin_initiate_auth(
        UserPoolId=pool_id, ClientId=client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "MAIL@example.com".lower(), "PASSWORD": NEW_PASSWORD},
    )
    assert "IdToken" in again["AuthenticationResult"]
    assert idp.admin_get_user(UserPoolId=pool_id, Username="mail@example.com")["UserStatus"] == "CONFIRMED"


@pytest.mark.cli
def test_tutorial_004_admin_flow_with_the_cli(moat: MoatServer, idp: Any, tmp_path: Path) -> None:
    pool_id = make_pool(idp)
    client_id = make_client(idp, pool_id, ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["ClientId"]
    cli = lambda *args: run_aws_cli(moat.endpoint, ROOT, "cognito-idp", *args)  # noqa: E731

    cli("admin-create-user", "--user-pool-id", pool_id, "--username", "bob", "--temporary-password", "Temp-Pass-1")
    example_auth = tmp_path / "example-auth.json"
    example_auth.write_text(json.dumps({
        "UserPoolId": pool_id, "ClientId": client_id, "AuthFlow": "ADMIN_NO_SRP_AUTH",
        "AuthParameters": {"USERNAME": "bob", "PASSWORD": "Temp-Pass-1"},
    }))
    started = cli("admin-initiate-auth", "--cli-input-json", f"file://{example_auth}")
    assert started["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    answered = cli(
        "admin-respond-to-auth-challenge", "--user-pool-id", pool_id, "--client-id", client_id,
        "--challenge-name", "NEW_PASSWORD_REQUIRED", "--challenge-responses", f"NEW_PASSWORD={NEW_PASSWORD},USERNAME=bob",
        "--session", started["Session"],
    )
    assert verify(answered["AuthenticationResult"]["IdToken"], moat.endpoint, pool_id)["cognito:username"] == "bob"

    example_auth.write_text(json.dumps({
        "UserPoolId": pool_id, "ClientId": client_id, "AuthFlow": "ADMIN_NO_SRP_AUTH",
        "AuthParameters": {"USERNAME": "bob", "PASSWORD": NEW_PASSWORD},
    }))
    signed_in = cli("admin-initiate-auth", "--cli-input-json", f"file://{example_auth}")
    assert verify(signed_in["AuthenticationResult"]["IdToken"], moat.endpoint, pool_id, audience=client_id)["token_use"] == "id"


# MARK: SRP


def srp_client(moat: MoatServer) -> Any:
    # Unauthenticated calls: pycognito's client needs no credentials, but boto3 wants some to build a client.
    return aws_client("cognito-idp", moat.endpoint, ROOT)


def test_user_srp_auth_through_pycognito(moat: MoatServer, idp: Any) -> None:
    pool_id = make_pool(idp)
    client_id = make_client(idp, pool_id)["ClientId"]
    confirmed_user(idp, pool_id, "carol", email="carol@example.com")

    tokens = AWSSRP(username="carol", password=PASSWORD, pool_id=pool_id, client_id=client_id, client=srp_client(moat)).authenticate_user()
    claims = verify(tokens["AuthenticationResult"]["IdToken"], moat.endpoint, pool_id, audience=client_id)
    assert claims["cognito:username"] == "carol" and claims["email"] == "carol@example.com"

    with aws_error("NotAuthorizedException", 400, "Incorrect username or password."):
        AWSSRP(username="carol", password="Wrong-Pass-1", pool_id=pool_id, client_id=client_id, client=srp_client(moat)).authenticate_user()


def test_srp_claim_is_single_use(moat: MoatServer, idp: Any) -> None:
    pool_id = make_pool(idp)
    client_id = make_client(idp, pool_id)["ClientId"]
    confirmed_user(idp, pool_id, "dave")
    client = srp_client(moat)
    srp = AWSSRP(username="dave", password=PASSWORD, pool_id=pool_id, client_id=client_id, client=client)
    challenge = client.initiate_auth(AuthFlow="USER_SRP_AUTH", AuthParameters=srp.get_auth_params(), ClientId=client_id)
    responses = srp.process_challenge(challenge["ChallengeParameters"], srp.get_auth_params())
    first = client.respond_to_auth_challenge(ClientId=client_id, ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=responses)
    assert "AccessToken" in first["AuthenticationResult"]
    with aws_error("NotAuthorizedException", 400):
        client.respond_to_auth_challenge(ClientId=client_id, ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=responses)


class SecondOfNovember(datetime.datetime):
    """A clock stopped on a single-digit day, for pycognito's `datetime.datetime.utcnow()`."""

    @classmethod
    def utcnow(cls) -> datetime.datetime:  # type: ignore[override]
        return datetime.datetime(2026, 11, 2, 8, 5, 9)


@pytest.mark.parametrize("padded", [False, True])
def test_srp_timestamp_on_a_single_digit_day(moat: MoatServer, idp: Any, padded: bool) -> None:
    """Cognito's TIMESTAMP does not pad the day; a client that pads it is refused, on the first nine days of a month."""
    pool_id = make_pool(idp)
    client_id = make_client(idp, pool_id)["ClientId"]
    confirmed_user(idp, pool_id, "erin")
    srp = AWSSRP(username="erin", password=PASSWORD, pool_id=pool_id, client_id=client_id, client=srp_client(moat))
    with mock.patch.object(aws_srp, "datetime", SimpleNamespace(datetime=SecondOfNovember)):
        assert AWSSRP.get_cognito_formatted_timestamp(SecondOfNovember.utcnow()) == "Mon Nov 2 08:05:09 UTC 2026"
        if not padded:
            assert "IdToken" in srp.authenticate_user()["AuthenticationResult"]
            return
        with mock.patch.object(AWSSRP, "get_cognito_formatted_timestamp", staticmethod(lambda moment: moment.strftime("%a %b %d %H:%M:%S UTC %Y"))):
            with aws_error("NotAuthorizedException", 400, "Incorrect username or password."):
                srp.authenticate_user()


# MARK: tokens


def test_password_auth_get_user_refresh_and_sign_out(moat: MoatServer, idp: Any) -> None:
    pool_id = make_pool(idp)
    client_id = make_client(idp, pool_id)["ClientId"]
    confirmed_user(idp, pool_id, "frank", email="frank@example.com")
    public = srp_client(moat)

    signed_in = public.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "frank", "PASSWORD": PASSWORD})
    tokens = signed_in["AuthenticationResult"]
    user = public.get_user(AccessToken=tokens["AccessToken"])
    assert user["Username"] == "frank"
    assert {"Name": "email", "Value": "frank@example.com"} in user["UserAttributes"]

    refreshed = public.initiate_auth(ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]})
    new_tokens = refreshed["AuthenticationResult"]
    assert "RefreshToken" not in new_tokens
    new_claims = verify(new_tokens["IdToken"], moat.endpoint, pool_id, audience=client_id)
    assert new_claims["origin_jti"] == verify(tokens["IdToken"], moat.endpoint, pool_id, audience=client_id)["origin_jti"]

    public.global_sign_out(AccessToken=new_tokens["AccessToken"])
    for access_token in (tokens["AccessToken"], new_tokens["AccessToken"]):
        with aws_error("NotAuthorizedException", 400, "Access Token has been revoked"):
            public.get_user(AccessToken=access_token)
    with aws_error("NotAuthorizedException", 400, "Refresh Token has been revoked"):
        public.initiate_auth(ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]})


def test_revoke_token(moat: MoatServer, idp: Any) -> None:
    pool_id = make_pool(idp)
    client_id = make_client(idp, pool_id)["ClientId"]
    confirmed_user(idp, pool_id, "grace")
    public = srp_client(moat)
    tokens = public.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "grace", "PASSWORD": PASSWORD})[
        "AuthenticationResult"
    ]
    public.revoke_token(Token=tokens["RefreshToken"], ClientId=client_id)
    with aws_error("NotAuthorizedException", 400, "Access Token has been revoked"):
        public.get_user(AccessToken=tokens["AccessToken"])
    with aws_error("NotAuthorizedException", 400, "Refresh Token has been revoked"):
        public.initiate_auth(ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]})


def test_forged_and_foreign_tokens_are_refused(moat: MoatServer, idp: Any) -> None:
    pool_a = make_pool(idp)
    pool_b = make_pool(idp)
    client_a = make_client(idp, pool_a)["ClientId"]
    confirmed_user(idp, pool_a, "heidi")
    public = srp_client(moat)
    token = public.initiate_auth(ClientId=client_a, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "heidi", "PASSWORD": PASSWORD})[
        "AuthenticationResult"
    ]["AccessToken"]
    header, payload, signature = token.split(".")
    forged_payload = jwt.utils.base64url_encode(json.dumps({**jwt.decode(token, options={"verify_signature": False}), "username": "root"}).encode())
    for bad in (f"{header}.{forged_payload.decode()}.{signature}", token[:-4] + "AAAA", "not-a-token"):
        with aws_error("NotAuthorizedException", 400, "Invalid Access Token"):
            public.get_user(AccessToken=bad)
    # Keys are per pool: pool B's JWKS does not verify pool A's token.
    with pytest.raises(jwt.PyJWKClientError):
        jwt.PyJWKClient(f"{moat.endpoint}/{pool_b}/.well-known/jwks.json").get_signing_key_from_jwt(token)
    discovery = requests.get(f"{moat.endpoint}/{pool_a}/.well-known/openid-configuration", timeout=5).json()
    assert discovery["issuer"] == f"{moat.endpoint}/{pool_a}"
    assert discovery["jwks_uri"] == f"{moat.endpoint}/{pool_a}/.well-known/jwks.json"
    assert requests.get(f"{moat.endpoint}/us-east-1_nothere/.well-known/jwks.json", timeout=5).status_code == 404


# MARK: clients, secrets and refusals


def secret_hash(username: str, client_id: str, secret: str) -> str:
    import base64
    import hashlib
    import hmac

    return base64.b64encode(hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()).decode()


def test_client_with_a_secret_requires_secret_hash(moat: MoatServer, idp: Any) -> None:
    pool_id = make_pool(idp)
    client = make_client(idp, pool_id, GenerateSecret=True)
    client_id, secret = client["ClientId"], client["ClientSecret"]
    assert idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)["UserPoolClient"]["ClientSecret"] == secret
    confirmed_user(idp, pool_id, "ivan")
    public = srp_client(moat)
    parameters = {"USERNAME": "ivan", "PASSWORD": PASSWORD}
    with aws_error("NotAuthorizedException", 400, f"Unable to verify secret hash for client {client_id}"):
        public.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters=parameters)
    with aws_error("NotAuthorizedException", 400, "Unable to verify secret hash"):
        public.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={**parameters, "SECRET_HASH": secret_hash("ivan", client_id, "nope")})
    tokens = public.initiate_auth(
        ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={**parameters, "SECRET_HASH": secret_hash("ivan", client_id, secret)}
    )["AuthenticationResult"]
    srp = AWSSRP(username="ivan", password=PASSWORD, pool_id=pool_id, client_id=client_id, client_secret=secret, client=public)
    assert "IdToken" in srp.authenticate_user()["AuthenticationResult"]
    refreshed = public.initiate_auth(
        ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"], "SECRET_HASH": secret_hash("ivan", client_id, secret)},
    )
    assert "AccessToken" in refreshed["AuthenticationResult"]


def test_flows_the_client_does_not_enable_are_refused(moat: MoatServer, idp: Any) -> None:
    pool_id = make_pool(idp)
    client_id = make_client(idp, pool_id, ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["ClientId"]
    confirmed_user(idp, pool_id, "judy")
    with aws_error("InvalidParameterException", 400, "USER_PASSWORD_AUTH flow not enabled for this client"):
        srp_client(moat).initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "judy", "PASSWORD": PASSWORD})
    with aws_error("InvalidParameterException", 400, "flow not enabled for this client"):
        idp.admin_initiate_auth(
            UserPoolId=pool_id, ClientId=client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "judy", "PASSWORD": PASSWORD}
        )


def test_lockout_after_repeated_failures(moat: MoatServer, idp: Any) -> None:
    pool_id = make_pool(idp)
    client_id = make_client(idp, pool_id)["ClientId"]
    confirmed_user(idp, pool_id, "mallory")
    public = srp_client(moat)

    def sign_in(password: str) -> Any:
        return public.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "mallory", "PASSWORD": password})

    for _ in range(5):
        with aws_error("NotAuthorizedException", 400, "Incorrect username or password."):
            sign_in("Wrong-Pass-1")
    # Locked: even the right password is refused until the lockout (1 s after the fifth failure) ends.
    with aws_error("NotAuthorizedException", 400, "Password attempts exceeded"):
        sign_in(PASSWORD)
    time.sleep(1.2)
    assert "AccessToken" in sign_in(PASSWORD)["AuthenticationResult"]


def test_user_existence_errors(moat: MoatServer, idp: Any) -> None:
    pool_id = make_pool(idp)
    hiding = make_client(idp, pool_id, PreventUserExistenceErrors="ENABLED")["ClientId"]
    telling = make_client(idp, pool_id)["ClientId"]  # LEGACY, the API's default
    assert idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=telling)["UserPoolClient"]["PreventUserExistenceErrors"] == "LEGACY"
    confirmed_user(idp, pool_id, "oscar")
    public = srp_client(moat)

    def sign_in(client_id: str, username: str, password: str) -> Any:
        return public.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": username, "PASSWORD": password})

    with aws_error("NotAuthorizedException", 400, "Incorrect username or password.") as unknown:
        sign_in(hiding, "nobody", PASSWORD)
    with aws_error("NotAuthorizedException", 400, "Incorrect username or password.") as wrong:
        sign_in(hiding, "oscar", "Wrong-Pass-1")
    assert unknown.value.response["Error"]["Message"] == wrong.value.response["Error"]["Message"]
    with aws_error("UserNotFoundException", 400, "User does not exist."):
        sign_in(telling, "nobody", PASSWORD)

    # SRP answers an unknown user with a challenge like a real one's, the same salt every time.
    def srp_salt(username: str) -> str:
        srp = AWSSRP(username=username, password=PASSWORD, pool_id=pool_id, client_id=hiding, client=public)
        return public.initiate_auth(ClientId=hiding, AuthFlow="USER_SRP_AUTH", AuthParameters=srp.get_auth_params())["ChallengeParameters"]["SALT"]

    assert srp_salt("nobody") == srp_salt("nobody")
    with aws_error("NotAuthorizedException", 400, "Incorrect username or password."):
        AWSSRP(username="nobody", password=PASSWORD, pool_id=pool_id, client_id=hiding, client=public).authenticate_user()


def test_user_state_refusals(moat: MoatServer, idp: Any) -> None:
    pool_id = make_pool(idp, Policies={"PasswordPolicy": {"MinimumLength": 10, "RequireSymbols": True}})
    client_id = make_client(idp, pool_id)["ClientId"]
    public = srp_client(moat)
    with aws_error("InvalidPasswordException", 400, "Password did not conform with policy: Password not long enough"):
        idp.admin_create_user(UserPoolId=pool_id, Username="peggy", TemporaryPassword="Short-1")
    confirmed_user(idp, pool_id, "peggy")
    with aws_error("UsernameExistsException", 400, "User account already exists"):
        idp.admin_create_user(UserPoolId=pool_id, Username="peggy")
    idp.admin_disable_user(UserPoolId=pool_id, Username="peggy")
    with aws_error("NotAuthorizedException", 400, "User is disabled."):
        public.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "peggy", "PASSWORD": PASSWORD})
    idp.admin_enable_user(UserPoolId=pool_id, Username="peggy")
    assert "AccessToken" in public.initiate_auth(
        ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "peggy", "PASSWORD": PASSWORD}
    )["AuthenticationResult"]
    with aws_error("UserNotFoundException", 400, "User does not exist."):
        idp.admin_get_user(UserPoolId=pool_id, Username="nobody")
    with aws_error("ResourceNotFoundException", 400, "User pool us-east-1_missing00 does not exist."):
        idp.admin_get_user(UserPoolId="us-east-1_missing00", Username="peggy")
    with aws_error("ResourceNotFoundException", 400, "User pool client"):
        public.initiate_auth(ClientId="nosuchclient", AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "peggy", "PASSWORD": PASSWORD})


# MARK: management


def test_pools_clients_and_users_are_managed(moat: MoatServer, idp: Any) -> None:
    pool_id = make_pool(idp, Schema=[{"Name": "tier", "AttributeDataType": "String"}], UsernameConfiguration={"CaseSensitive": False})
    described = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert described["Arn"].endswith(f":userpool/{pool_id}")
    assert any(attribute["Name"] == "custom:tier" for attribute in described["SchemaAttributes"])
    assert [pool["Id"] for pool in idp.list_user_pools(MaxResults=10)["UserPools"]] == [pool_id]
    client_id = make_client(idp, pool_id)["ClientId"]
    assert [client["ClientId"] for client in idp.list_user_pool_clients(UserPoolId=pool_id)["UserPoolClients"]] == [client_id]

    confirmed_user(idp, pool_id, "Rupert", password=PASSWORD, email="rupert@example.com", **{"custom:tier": "gold"})
    assert idp.admin_get_user(UserPoolId=pool_id, Username="rupert")["Username"] == "Rupert"
    idp.admin_update_user_attributes(UserPoolId=pool_id, Username="RUPERT", UserAttributes=[{"Name": "given_name", "Value": "Rupe"}])
    attributes = {a["Name"]: a["Value"] for a in idp.admin_get_user(UserPoolId=pool_id, Username="rupert")["UserAttributes"]}
    assert attributes["given_name"] == "Rupe" and attributes["custom:tier"] == "gold"
    listed = idp.list_users(UserPoolId=pool_id, Filter='email ^= "rupert"', AttributesToGet=["email"])["Users"]
    assert [user["Username"] for user in listed] == ["Rupert"] and listed[0]["Attributes"] == [{"Name": "email", "Value": "rupert@example.com"}]
    tokens = srp_client(moat).initiate_auth(
        ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "rupert", "PASSWORD": PASSWORD}
    )["AuthenticationResult"]
    assert verify(tokens["IdToken"], moat.endpoint, pool_id, audience=client_id)["custom:tier"] == "gold"

    idp.admin_delete_user(UserPoolId=pool_id, Username="rupert")
    assert idp.list_users(UserPoolId=pool_id)["Users"] == []
    idp.update_user_pool(UserPoolId=pool_id, DeletionProtection="ACTIVE")
    with aws_error("InvalidParameterException", 400, "deletion protection is activated"):
        idp.delete_user_pool(UserPoolId=pool_id)
    idp.update_user_pool(UserPoolId=pool_id, DeletionProtection="INACTIVE")
    idp.delete_user_pool(UserPoolId=pool_id)
    assert idp.list_user_pools(MaxResults=10)["UserPools"] == []


def test_admin_operations_are_authorized_by_iam(moat: MoatServer, idp: Any, root_iam: Any) -> None:
    pool_id = make_pool(idp)
    root_iam.create_user(UserName="operator")
    key = root_iam.create_access_key(UserName="operator")["AccessKey"]
    from moat_support import Creds

    operator = aws_client("cognito-idp", moat.endpoint, Creds(key["AccessKeyId"], key["SecretAccessKey"]))
    with aws_error("AccessDeniedException", 400, "cognito-idp:AdminCreateUser", f"userpool/{pool_id}"):
        operator.admin_create_user(UserPoolId=pool_id, Username="x", MessageAction="SUPPRESS")
    root_iam.put_user_policy(
        UserName="operator", PolicyName="create", PolicyDocument=policy(allow("cognito-idp:AdminCreateUser", f"arn:aws:cognito-idp:*:*:userpool/{pool_id}"))
    )
    operator.admin_create_user(UserPoolId=pool_id, Username="x", MessageAction="SUPPRESS")
    with aws_error("AccessDeniedException", 400, "cognito-idp:AdminDeleteUser"):
        operator.admin_delete_user(UserPoolId=pool_id, Username="x")


def test_tokens_and_keys_survive_a_restart(start_moat: Any, tmp_path: Path) -> None:
    # The issuer is the public URL, so the restarted server (on another port) must keep it.
    public_url = ("--public-url", "http://moat.invalid")
    server = start_moat(tmp_path / "data", extra_args=public_url)
    idp = aws_client("cognito-idp", server.endpoint, ROOT)
    pool_id = make_pool(idp)
    client_id = make_client(idp, pool_id)["ClientId"]
    confirmed_user(idp, pool_id, "sybil")
    tokens = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "sybil", "PASSWORD": PASSWORD})[
        "AuthenticationResult"
    ]
    jwks = requests.get(f"{server.endpoint}/{pool_id}/.well-known/jwks.json", timeout=5).json()
    server.kill()

    server = start_moat(tmp_path / "data", extra_args=public_url)
    assert requests.get(f"{server.endpoint}/{pool_id}/.well-known/jwks.json", timeout=5).json() == jwks
    idp = aws_client("cognito-idp", server.endpoint, ROOT)
    assert idp.get_user(AccessToken=tokens["AccessToken"])["Username"] == "sybil"
    refreshed = idp.initiate_auth(ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]})
    id_token = refreshed["AuthenticationResult"]["IdToken"]
    key = jwt.PyJWKClient(f"{server.endpoint}/{pool_id}/.well-known/jwks.json").get_signing_key_from_jwt(id_token)
    claims = jwt.decode(id_token, key.key, algorithms=["RS256"], audience=client_id, issuer=f"http://moat.invalid/{pool_id}")
    assert claims["cognito:username"] == "sybil"


# MARK: command line


def moat_command(moat: MoatServer, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = isolated_environment({
        "AWS_ACCESS_KEY_ID": ROOT.access_key_id,
        "AWS_SECRET_ACCESS_KEY": ROOT.secret_access_key,
        "AWS_ENDPOINT_URL": moat.endpoint,
        "AWS_DEFAULT_REGION": REGION,
    })
    return subprocess.run([str(moat_binary()), *args], env=env, input=stdin, capture_output=True, text=True, timeout=60)


def test_moat_user_create_and_login(moat: MoatServer, idp: Any) -> None:
    """Tutorial 004's cognito_user.py as `moat user create` / `moat user login`, the password on standard input."""
    pool_id = make_pool(idp, UsernameAttributes=["email"])
    client_id = make_client(idp, pool_id, ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["ClientId"]

    created = moat_command(moat, "user", "create", "mail@example.com", pool_id, client_id, stdin=NEW_PASSWORD + "\n")
    assert created.returncode == 0, created.stderr
    token = created.stdout.splitlines()[0].removeprefix("Token: ")
    claims = verify(token, moat.endpoint, pool_id, audience=client_id)
    assert claims["email"] == "mail@example.com" and claims["email_verified"] is True
    assert NEW_PASSWORD not in created.stdout + created.stderr

    logged_in = moat_command(moat, "user", "login", "mail@example.com", pool_id, client_id, stdin=NEW_PASSWORD + "\n")
    assert logged_in.returncode == 0, logged_in.stderr
    assert verify(logged_in.stdout.splitlines()[0].removeprefix("Token: "), moat.endpoint, pool_id)["sub"] == claims["sub"]

    refused = moat_command(moat, "user", "login", "mail@example.com", pool_id, client_id, stdin="Wrong-Pass-1\n")
    assert refused.returncode != 0 and "NotAuthorizedException" in refused.stderr


def test_moat_mail_lists_invitations(start_moat: Any, tmp_path: Path) -> None:
    server = start_moat(tmp_path / "data")
    idp = aws_client("cognito-idp", server.endpoint, ROOT)
    pool_id = make_pool(idp)
    idp.admin_create_user(
        UserPoolId=pool_id, Username="walter", TemporaryPassword="Temp-Pass-1", DesiredDeliveryMediums=["EMAIL"],
        UserAttributes=[{"Name": "email", "Value": "walter@example.com"}],
    )
    listed = subprocess.run(
        [str(moat_binary()), "mail", "--data-dir", str(tmp_path / "data"), "--json"],
        env=isolated_environment({}), capture_output=True, text=True, timeout=60,
    )
    assert listed.returncode == 0, listed.stderr
    messages = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [(m["destination"], m["subject"]) for m in messages] == [("walter@example.com", "Your temporary password")]
    assert "walter" in messages[0]["body"] and "Temp-Pass-1" in messages[0]["body"]
    # The server's log says a message waits in the outbox, never what it says.
    assert "Temp-Pass-1" not in server.output()


def test_expired_access_tokens_are_refused(start_moat: Any, tmp_path: Path) -> None:
    server = start_moat(tmp_path / "data", extra_args=("--cognito-minimum-token-validity", "1"))
    idp = aws_client("cognito-idp", server.endpoint, ROOT)
    pool_id = make_pool(idp)
    with aws_error("InvalidParameterException", 400, "Invalid range for token validity."):
        make_client(idp, pool_id, AccessTokenValidity=2, TokenValidityUnits={"AccessToken": "days"})
    client_id = make_client(idp, pool_id, AccessTokenValidity=1, TokenValidityUnits={"AccessToken": "seconds"})["ClientId"]
    confirmed_user(idp, pool_id, "tina")
    tokens = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "tina", "PASSWORD": PASSWORD})[
        "AuthenticationResult"
    ]
    assert tokens["ExpiresIn"] == 1
    time.sleep(2.1)
    with aws_error("NotAuthorizedException", 400, "Access Token has expired"):
        idp.get_user(AccessToken=tokens["AccessToken"])
    # The refresh token outlives it and gets a new one, valid as long as the client now says (an hour: a token of
    # one second issued late in a second could expire before the next call on a busy machine).
    idp.update_user_pool_client(
        UserPoolId=pool_id, ClientId=client_id, ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        AccessTokenValidity=1, TokenValidityUnits={"AccessToken": "hours"},
    )
    fresh = idp.initiate_auth(ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]})
    assert idp.get_user(AccessToken=fresh["AuthenticationResult"]["AccessToken"])["Username"] == "tina"
    # Nothing secret reached the log: neither the password nor any token.
    log = server.output()
    assert PASSWORD not in log and tokens["RefreshToken"] not in log and tokens["AccessToken"] not in log
