"""SigV4 verification: every way a signature can be wrong is refused with AWS's error; valid forms are accepted."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any, Callable

import pytest
import requests
from botocore.exceptions import ClientError

from moat_support import (
    ACCOUNT_ID,
    FORM_CONTENT_TYPE,
    HTTP_TIMEOUT_SECONDS,
    IAM_VERSION,
    ROOT,
    ROOT_ARN,
    STS_VERSION,
    Creds,
    MoatServer,
    UnsignedPayloadSigV4Auth,
    assert_query_error,
    assume,
    aws_error,
    make_role,
    make_user,
    presigned_url,
    query_body,
    query_call,
    signed_request,
    utc_now,
    xml_find_text,
)

pytestmark = pytest.mark.sigv4

CALLS = {
    "sts": lambda client: client.get_caller_identity(),
    "iam": lambda client: client.list_users(),
}
GET_CALLER_IDENTITY = {"Action": "GetCallerIdentity", "Version": STS_VERSION}


def client_for(moat: MoatServer, service: str, creds: Creds) -> Any:
    return moat.sts(creds) if service == "sts" else moat.iam(creds)


@pytest.mark.parametrize("service", ["sts", "iam"])
def test_wrong_secret_is_signature_does_not_match(moat: MoatServer, service: str) -> None:
    wrong = ROOT.with_secret("W" * 40)

    with aws_error("SignatureDoesNotMatch", 403):
        CALLS[service](client_for(moat, service, wrong))


@pytest.mark.parametrize("service", ["sts", "iam"])
def test_unknown_access_key_is_invalid_client_token_id(moat: MoatServer, service: str) -> None:
    unknown = Creds("AKIAUNKNOWNKEY000000", "U" * 40)

    with aws_error("InvalidClientTokenId", 403):
        CALLS[service](client_for(moat, service, unknown))


def test_signature_ten_minutes_old_is_expired(moat: MoatServer) -> None:
    response = query_call(moat.endpoint, ROOT, "sts", "GetCallerIdentity", signing_time=utc_now() - dt.timedelta(minutes=10))

    assert_query_error(response, "SignatureDoesNotMatch", 403, "Signature expired")


def test_signature_ten_minutes_ahead_is_refused(moat: MoatServer) -> None:
    response = query_call(moat.endpoint, ROOT, "sts", "GetCallerIdentity", signing_time=utc_now() + dt.timedelta(minutes=10))

    assert_query_error(response, "SignatureDoesNotMatch", 403)


def test_signature_within_five_minutes_of_skew_is_accepted(moat: MoatServer) -> None:
    response = query_call(moat.endpoint, ROOT, "sts", "GetCallerIdentity", signing_time=utc_now() - dt.timedelta(minutes=4))

    assert response.status_code == 200, response.text
    assert xml_find_text(response.content, "Arn") == ROOT_ARN


def test_tampered_body_is_signature_does_not_match(moat: MoatServer) -> None:
    signed = query_body("ListUsers", IAM_VERSION)
    sent = query_body("ListRoles", IAM_VERSION)

    response = signed_request(moat.endpoint, ROOT, "iam", signed, send_body=sent)

    assert_query_error(response, "SignatureDoesNotMatch", 403)


def test_unsigned_payload_header_is_accepted(moat: MoatServer) -> None:
    response = signed_request(
        moat.endpoint, ROOT, "sts", query_body("GetCallerIdentity", STS_VERSION), signer=UnsignedPayloadSigV4Auth
    )

    assert response.request.headers["X-Amz-Content-SHA256"] == "UNSIGNED-PAYLOAD"
    assert response.status_code == 200, response.text
    assert xml_find_text(response.content, "Arn") == ROOT_ARN


def test_presigned_url_within_its_expiry_is_accepted(moat: MoatServer) -> None:
    url = presigned_url(moat.endpoint, ROOT, "sts", GET_CALLER_IDENTITY, expires=60)

    response = requests.get(url, timeout=HTTP_TIMEOUT_SECONDS)

    assert response.status_code == 200, response.text
    assert xml_find_text(response.content, "Account") == ACCOUNT_ID


def test_expired_presigned_url_is_refused(moat: MoatServer) -> None:
    url = presigned_url(
        moat.endpoint, ROOT, "sts", GET_CALLER_IDENTITY, expires=1, signing_time=utc_now() - dt.timedelta(seconds=10)
    )

    response = requests.get(url, timeout=HTTP_TIMEOUT_SECONDS)

    assert_query_error(response, None, 403)


def test_presigned_url_with_a_changed_query_is_refused(moat: MoatServer) -> None:
    url = presigned_url(moat.endpoint, ROOT, "iam", {"Action": "ListUsers", "Version": IAM_VERSION}, expires=60)

    response = requests.get(url.replace("Action=ListUsers", "Action=ListRoles"), timeout=HTTP_TIMEOUT_SECONDS)

    assert_query_error(response, "SignatureDoesNotMatch", 403)


@pytest.mark.parametrize(
    ("service", "action"), [("sts", "GetCallerIdentity"), ("iam", "ListUsers")], ids=["sts", "iam"]
)
def test_missing_authentication_is_missing_authentication_token(moat: MoatServer, service: str, action: str) -> None:
    response = query_call(moat.endpoint, None, service, action)

    assert_query_error(response, "MissingAuthenticationToken", 403)


@pytest.mark.parametrize(
    "authorization",
    [
        "AWS4-HMAC-SHA256",
        "AWS4-HMAC-SHA256 Credential=AKIAMOATROOTTEST0001",
        f"AWS4-HMAC-SHA256 Credential={ROOT.access_key_id}/20200101/us-east-1/sts/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=nothex",
        "Bearer abc",
        "AWS4-HMAC-SHA256 Credential=/, SignedHeaders=, Signature=",
    ],
    ids=["algorithm-only", "credential-only", "bad-signature", "other-scheme", "empty-parts"],
)
def test_garbled_authorization_header_is_a_client_error(moat: MoatServer, authorization: str) -> None:
    response = requests.post(
        moat.url("/"),
        data=query_body("GetCallerIdentity", STS_VERSION),
        headers={"Content-Type": FORM_CONTENT_TYPE, "Authorization": authorization, "X-Amz-Date": "20200101T000000Z"},
        timeout=HTTP_TIMEOUT_SECONDS,
    )

    assert 400 <= response.status_code < 500, f"{response.status_code}: {response.text[:300]}"
    assert_query_error(response, None, response.status_code)


def test_temporary_credentials_without_their_session_token_are_refused(
    root_iam: Any, sts_client: Callable[..., Any]
) -> None:
    me = make_user(root_iam, "token-holder")
    creds = assume(sts_client(me.creds), make_role(root_iam, "token-role", me.arn), "session")

    with aws_error("InvalidClientTokenId", 403):
        sts_client(Creds(creds.access_key_id, creds.secret_access_key)).get_caller_identity()


def test_temporary_credentials_with_a_forged_session_token_are_refused(
    root_iam: Any, sts_client: Callable[..., Any]
) -> None:
    me = make_user(root_iam, "token-holder")
    creds = assume(sts_client(me.creds), make_role(root_iam, "token-role", me.arn), "session")
    forged_token = creds.session_token[:-4] + ("AAAA" if not creds.session_token.endswith("AAAA") else "BBBB")

    with pytest.raises(ClientError) as info:
        sts_client(Creds(creds.access_key_id, creds.secret_access_key, forged_token)).get_caller_identity()
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403, info.value.response


def test_expired_session_token_is_expired_token(start_moat: Callable[..., MoatServer]) -> None:
    # AWS's shortest session is 900 s; `--minimum-session-duration` lowers it so that a test can outlive one.
    server = start_moat(extra_args=("--minimum-session-duration", "1"))
    root_iam = server.iam(ROOT)
    me = make_user(root_iam, "expiring")
    role = make_role(root_iam, "expiring-role", me.arn)
    creds = assume(server.sts(me.creds, validate=False), role, "expired", DurationSeconds=1)
    assert server.sts(creds).get_caller_identity()["Arn"].endswith(":assumed-role/expiring-role/expired")
    time.sleep(1.5)
    with aws_error("ExpiredToken", 403, "expired"):
        server.sts(creds).get_caller_identity()
