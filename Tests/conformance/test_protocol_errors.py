"""Malformed awsQuery input: unknown or missing actions, bad parameters, unimplemented operations, huge bodies."""

from __future__ import annotations

import socket
import time
from typing import Any, Callable

import pytest
import requests

from moat_support import (
    FORM_CONTENT_TYPE,
    HTTP_TIMEOUT_SECONDS,
    IAM_VERSION,
    ROOT,
    MoatServer,
    assert_query_error,
    aws_error,
    parse_query_error,
    query_body,
    query_call,
    signed_request,
)

pytestmark = pytest.mark.protocol

TEN_MEGABYTES = 10 * 1024 * 1024


def test_unknown_action_is_invalid_action(moat: MoatServer) -> None:
    response = query_call(moat.endpoint, ROOT, "iam", "Nope")

    assert_query_error(response, "InvalidAction", 400)


def test_missing_action_is_a_400_error_response(moat: MoatServer) -> None:
    response = signed_request(moat.endpoint, ROOT, "iam", f"Version={IAM_VERSION}")

    assert_query_error(response, None, 400)


def test_missing_required_parameter_is_validation_error(moat: MoatServer) -> None:
    response = query_call(moat.endpoint, ROOT, "iam", "CreateUser")

    assert_query_error(response, "ValidationError", 400, "userName")


def test_wrongly_typed_parameter_is_validation_error(moat: MoatServer) -> None:
    response = query_call(moat.endpoint, ROOT, "iam", "ListUsers", {"MaxItems": "abc"})

    assert_query_error(response, "ValidationError", 400)


def test_modelled_but_unimplemented_operation_is_not_implemented(iam_client: Callable[..., Any]) -> None:
    with aws_error("NotImplemented", 501) as info:
        iam_client().create_group(GroupName="admins")

    message = info.value.response["Error"]["Message"]
    assert "iam" in message.lower() and "CreateGroup" in message, message


def test_body_over_ten_megabytes_is_413(moat: MoatServer) -> None:
    body = query_body("ListUsers", IAM_VERSION, {"Padding": "a" * (TEN_MEGABYTES + 1024)})

    try:
        response = requests.post(
            moat.url("/"), data=body, headers={"Content-Type": FORM_CONTENT_TYPE}, timeout=HTTP_TIMEOUT_SECONDS
        )
    except requests.ConnectionError as error:
        pytest.fail(f"the server dropped the connection instead of answering 413: {error}")

    assert response.status_code == 413, f"{response.status_code}: {response.text[:300]}"


ERROR_CASES = {
    "unknown-action": lambda moat: query_call(moat.endpoint, ROOT, "iam", "Nope"),
    "missing-auth": lambda moat: query_call(moat.endpoint, None, "sts", "GetCallerIdentity"),
    "bad-signature": lambda moat: query_call(moat.endpoint, ROOT.with_secret("W" * 40), "sts", "GetCallerIdentity"),
    "no-such-entity": lambda moat: query_call(moat.endpoint, ROOT, "iam", "GetUser", {"UserName": "absent"}),
    "validation": lambda moat: query_call(moat.endpoint, ROOT, "iam", "CreateUser"),
    "not-implemented": lambda moat: query_call(moat.endpoint, ROOT, "iam", "CreateGroup", {"GroupName": "g"}),
}


@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_every_error_response_carries_a_request_id(moat: MoatServer, case: str) -> None:
    response = ERROR_CASES[case](moat)

    assert response.status_code >= 400, response.text
    error = parse_query_error(response)
    assert error.root_tag == "ErrorResponse"
    assert error.code, "an error response names its code"
    assert error.request_id, "RequestId missing from the XML body"
    assert error.header_request_id, "x-amzn-RequestId header missing"
    assert error.request_id == error.header_request_id


def test_request_ids_differ_between_requests(moat: MoatServer) -> None:
    first = parse_query_error(query_call(moat.endpoint, ROOT, "iam", "Nope"))
    second = parse_query_error(query_call(moat.endpoint, ROOT, "iam", "Nope"))

    assert first.request_id and second.request_id and first.request_id != second.request_id


def test_successful_response_carries_a_request_id(moat: MoatServer) -> None:
    response = query_call(moat.endpoint, ROOT, "sts", "GetCallerIdentity")

    assert response.status_code == 200, response.text
    assert response.headers.get("x-amzn-RequestId")
    assert moat.sts().get_caller_identity()["ResponseMetadata"]["RequestId"]


def test_a_stalled_connection_is_closed_after_the_idle_timeout(start_moat: Callable[..., MoatServer]) -> None:
    server = start_moat(extra_args=("--idle-timeout", "1"))
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as stalled:
        stalled.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\nAction=")
        started = time.monotonic()
        assert stalled.recv(4096) == b"", "the server should close the connection without answering"
        assert time.monotonic() - started < 8
    # Other clients were served meanwhile and still are.
    assert requests.get(server.url("/_moat/health"), timeout=HTTP_TIMEOUT_SECONDS).status_code == 200


def test_an_unknown_json_target_is_answered_in_the_json_error_shape(moat: MoatServer) -> None:
    response = requests.post(
        moat.url("/"),
        data=b"{}",
        headers={"X-Amz-Target": "AWSCognitoIdentityProviderService.NoSuchOperation", "Content-Type": "application/x-amz-json-1.1"},
        timeout=HTTP_TIMEOUT_SECONDS,
    )
    assert response.status_code == 400
    assert response.headers["x-amzn-ErrorType"] == "UnknownOperationException"
    assert response.headers["Content-Type"] == "application/x-amz-json-1.1"
    body = response.json()
    assert body["__type"] == "UnknownOperationException"
    assert "NoSuchOperation" in body["message"]
    assert response.headers.get("x-amzn-RequestId")


def test_an_unknown_rest_path_is_answered_in_the_rest_json_error_shape(moat: MoatServer) -> None:
    response = requests.get(moat.url("/2099-01-01/nothing-here"), timeout=HTTP_TIMEOUT_SECONDS)
    assert response.status_code == 404
    assert response.headers["x-amzn-ErrorType"] == "UnknownOperationException"
    assert "message" in response.json()
    assert response.headers.get("x-amzn-RequestId")


def test_an_oversized_header_is_refused(moat: MoatServer) -> None:
    response = requests.post(moat.url("/"), headers={"X-Padding": "p" * 70_000}, data=b"", timeout=HTTP_TIMEOUT_SECONDS)
    assert response.status_code == 431
