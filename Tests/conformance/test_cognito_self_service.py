"""Tutorial 002's user flows with boto3: sign-up confirmed by a code mailed over SMTP, attributes, forgotten
passwords, sign-out, a session restored by its refresh token, and the backend's check of a token against the JWKS."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest

from moat_support import ROOT, MoatServer, aws_client, aws_error
from smtp_sink import SMTPSink

PASSWORD = "Correct-Horse-9"


@pytest.fixture
def mail_server(start_moat: Any, tmp_path: Path) -> Iterator[tuple[MoatServer, SMTPSink]]:
    with SMTPSink() as sink:
        server = start_moat(tmp_path / "data", extra_env={"MOAT_SMTP": f"127.0.0.1:{sink.port}"})
        yield server, sink


def setup_pool(server: MoatServer, **client: Any) -> tuple[Any, str, str]:
    idp = aws_client("cognito-idp", server.endpoint, ROOT)
    pool_id = idp.create_user_pool(
        PoolName="agents", UsernameAttributes=["email"], AutoVerifiedAttributes=["email"],
        Schema=[{"Name": "agentName", "AttributeDataType": "String"}],
    )["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="web", ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        **client,
    )["UserPoolClient"]["ClientId"]
    return idp, pool_id, client_id


def sign_in(idp: Any, client_id: str, email: str, password: str = PASSWORD) -> dict[str, Any]:
    return idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": email, "PASSWORD": password})[
        "AuthenticationResult"
    ]


def test_tutorial_002_sign_up_verify_and_backend_check(mail_server: tuple[MoatServer, SMTPSink]) -> None:
    server, sink = mail_server
    idp, pool_id, client_id = setup_pool(server)

    signed_up = idp.sign_up(
        ClientId=client_id, Username="agent@example.com", Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": "agent@example.com"}, {"Name": "custom:agentName", "Value": "Bond"}],
    )
    assert signed_up["UserConfirmed"] is False
    assert signed_up["CodeDeliveryDetails"] == {"Destination": "a***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    with aws_error("UserNotConfirmedException", 400, "User is not confirmed."):
        sign_in(idp, client_id, "agent@example.com")

    mail = sink.wait_for("agent@example.com")
    assert mail.subject == "Your verification code" and mail.sender == "no-reply@verificationemail.com"
    code = mail.code()
    wrong = "000000" if code != "000000" else "111111"
    with aws_error("CodeMismatchException", 400, "Invalid verification code provided, please try again."):
        idp.confirm_sign_up(ClientId=client_id, Username="agent@example.com", ConfirmationCode=wrong)
    idp.confirm_sign_up(ClientId=client_id, Username="agent@example.com", ConfirmationCode=code)
    with aws_error("NotAuthorizedException", 400, "Current status is CONFIRMED"):
        idp.confirm_sign_up(ClientId=client_id, Username="agent@example.com", ConfirmationCode=code)

    tokens = sign_in(idp, client_id, "agent@example.com")
    # The tutorial's backend: fetch the pool's keys, check iss and token_use, verify the signature.
    jwks = jwt.PyJWKClient(f"{server.endpoint}/{pool_id}/.well-known/jwks.json")
    access = tokens["AccessToken"]
    header = jwt.get_unverified_header(access)
    assert header["alg"] == "RS256" and header["kid"] in {key.key_id for key in jwks.get_signing_keys()}
    payload = jwt.decode(access, jwks.get_signing_key(header["kid"]).key, algorithms=["RS256"], issuer=f"{server.endpoint}/{pool_id}")
    assert payload["token_use"] == "access"
    id_claims = jwt.decode(tokens["IdToken"], jwks.get_signing_key_from_jwt(tokens["IdToken"]).key, algorithms=["RS256"], audience=client_id)
    assert id_claims["email_verified"] is True and id_claims["custom:agentName"] == "Bond"

    # updateUserInfo: the agent changes a custom attribute; getUserAttributes shows it.
    idp.update_user_attributes(AccessToken=access, UserAttributes=[{"Name": "custom:agentName", "Value": "007"}])
    attributes = {a["Name"]: a["Value"] for a in idp.get_user(AccessToken=access)["UserAttributes"]}
    assert attributes["custom:agentName"] == "007"
    # Codes travel by mail only: never in the server's log.
    assert code not in server.output() and PASSWORD not in server.output()


def test_tutorial_002_forgot_password_sign_out_and_restore(mail_server: tuple[MoatServer, SMTPSink]) -> None:
    server, sink = mail_server
    idp, pool_id, client_id = setup_pool(server)
    idp.sign_up(ClientId=client_id, Username="spy@example.com", Password=PASSWORD)
    idp.confirm_sign_up(ClientId=client_id, Username="spy@example.com", ConfirmationCode=sink.wait_for("spy@example.com").code())

    # forgotPassword → a PIN by mail → confirmPassword.
    sent = idp.forgot_password(ClientId=client_id, Username="spy@example.com")
    assert sent["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    pin = sink.wait_for("spy@example.com", count=2).code()
    with aws_error("InvalidPasswordException", 400, "Password does not conform to policy"):
        idp.confirm_forgot_password(ClientId=client_id, Username="spy@example.com", ConfirmationCode=pin, Password="short")
    idp.confirm_forgot_password(ClientId=client_id, Username="spy@example.com", ConfirmationCode=pin, Password="New-Secret-42")
    with aws_error("ExpiredCodeException", 400):
        idp.confirm_forgot_password(ClientId=client_id, Username="spy@example.com", ConfirmationCode=pin, Password="Other-Secret-42")
    with aws_error("NotAuthorizedException", 400, "Incorrect username or password."):
        sign_in(idp, client_id, "spy@example.com")
    tokens = sign_in(idp, client_id, "spy@example.com", "New-Secret-42")

    # retrieveUserFromLocalStorage: a stored session restored with its refresh token.
    restored = idp.initiate_auth(ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]})
    assert idp.get_user(AccessToken=restored["AuthenticationResult"]["AccessToken"])["Username"] == jwt.decode(
        tokens["IdToken"], options={"verify_signature": False})["sub"]

    # signOutUser, everywhere.
    idp.global_sign_out(AccessToken=restored["AuthenticationResult"]["AccessToken"])
    with aws_error("NotAuthorizedException", 400, "Refresh Token has been revoked"):
        idp.initiate_auth(ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]})


def test_codes_are_limited(mail_server: tuple[MoatServer, SMTPSink]) -> None:
    server, sink = mail_server
    idp, _, client_id = setup_pool(server)
    idp.sign_up(ClientId=client_id, Username="guess@example.com", Password=PASSWORD)
    code = sink.wait_for("guess@example.com").code()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(4):
        with aws_error("CodeMismatchException", 400):
            idp.confirm_sign_up(ClientId=client_id, Username="guess@example.com", ConfirmationCode=wrong)
    with aws_error("LimitExceededException", 400, "Attempt limit exceeded"):
        idp.confirm_sign_up(ClientId=client_id, Username="guess@example.com", ConfirmationCode=wrong)
    # Even the right code no longer works: the code is withdrawn, a new one must be asked for.
    with aws_error("LimitExceededException", 400):
        idp.confirm_sign_up(ClientId=client_id, Username="guess@example.com", ConfirmationCode=code)
    idp.resend_confirmation_code(ClientId=client_id, Username="guess@example.com")
    idp.confirm_sign_up(ClientId=client_id, Username="guess@example.com", ConfirmationCode=sink.wait_for("guess@example.com", count=2).code())


def test_codes_expire(start_moat: Any, tmp_path: Path) -> None:
    with SMTPSink() as sink:
        server = start_moat(tmp_path / "data", extra_env={"MOAT_SMTP": f"127.0.0.1:{sink.port}"}, extra_args=("--cognito-code-validity", "1"))
        idp, _, client_id = setup_pool(server)
        idp.sign_up(ClientId=client_id, Username="late@example.com", Password=PASSWORD)
        code = sink.wait_for("late@example.com").code()
        import time

        time.sleep(1.5)
        with aws_error("ExpiredCodeException", 400, "Invalid code provided, please request a code again."):
            idp.confirm_sign_up(ClientId=client_id, Username="late@example.com", ConfirmationCode=code)


def test_groups_appear_in_tokens(moat: MoatServer) -> None:
    idp = aws_client("cognito-idp", moat.endpoint, ROOT)
    pool_id = idp.create_user_pool(PoolName="g")["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="c", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])[
        "UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool_id, Username="gina", MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool_id, Username="gina", Password=PASSWORD, Permanent=True)
    idp.create_group(UserPoolId=pool_id, GroupName="readers", Precedence=5)
    idp.create_group(UserPoolId=pool_id, GroupName="admins", Precedence=1, RoleArn="arn:aws:iam::000000000000:role/admin")
    with aws_error("GroupExistsException", 400):
        idp.create_group(UserPoolId=pool_id, GroupName="admins")
    for group in ("readers", "admins"):
        idp.admin_add_user_to_group(UserPoolId=pool_id, Username="gina", GroupName=group)
    assert [g["GroupName"] for g in idp.admin_list_groups_for_user(UserPoolId=pool_id, Username="gina")["Groups"]] == ["admins", "readers"]
    assert [u["Username"] for u in idp.list_users_in_group(UserPoolId=pool_id, GroupName="admins")["Users"]] == ["gina"]

    tokens = sign_in(idp, client_id, "gina")
    claims = jwt.decode(tokens["IdToken"], options={"verify_signature": False})
    assert claims["cognito:groups"] == ["admins", "readers"]
    assert claims["cognito:preferred_role"] == "arn:aws:iam::000000000000:role/admin"
    assert jwt.decode(tokens["AccessToken"], options={"verify_signature": False})["cognito:groups"] == ["admins", "readers"]

    idp.admin_remove_user_from_group(UserPoolId=pool_id, Username="gina", GroupName="admins")
    idp.delete_group(UserPoolId=pool_id, GroupName="readers")
    assert "cognito:groups" not in jwt.decode(sign_in(idp, client_id, "gina")["IdToken"], options={"verify_signature": False})
    with aws_error("ResourceNotFoundException", 400, "Group not found."):
        idp.get_group(UserPoolId=pool_id, GroupName="readers")


def test_change_password_and_delete_user(moat: MoatServer) -> None:
    idp = aws_client("cognito-idp", moat.endpoint, ROOT)
    pool_id = idp.create_user_pool(PoolName="c")["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="c", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])[
        "UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool_id, Username="hank", MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool_id, Username="hank", Password=PASSWORD, Permanent=True)
    access = sign_in(idp, client_id, "hank")["AccessToken"]
    with aws_error("NotAuthorizedException", 400, "Incorrect username or password."):
        idp.change_password(AccessToken=access, PreviousPassword="Wrong-Horse-9", ProposedPassword="Better-Horse-10")
    idp.change_password(AccessToken=access, PreviousPassword=PASSWORD, ProposedPassword="Better Horse 10!")
    access = sign_in(idp, client_id, "hank", "Better Horse 10!")["AccessToken"]
    idp.delete_user(AccessToken=access)
    with aws_error("UserNotFoundException", 400):
        idp.admin_get_user(UserPoolId=pool_id, Username="hank")
