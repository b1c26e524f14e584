"""Handlers of the python bootstrap tests: one function per behaviour."""

import decimal
import logging
import os
import sys

INVOCATIONS = 0


def echo(event, context):
    return {"event": event}


def nothing(event, context):
    return None


def boom(event, context):
    raise ValueError("boom")


def explode(message):
    raise ValueError(message)


def boom_in_helper(event, context):
    return 1 + explode("deep boom")


def fails_then_succeeds(event, context):
    if event.get("fail"):
        raise KeyError("asked to fail")
    return "recovered"


def count(event, context):
    global INVOCATIONS
    INVOCATIONS += 1
    return {"invocations": INVOCATIONS, "pid": os.getpid()}


def describe_context(event, context):
    identity = context.identity
    client_context = context.client_context
    return {
        "function_name": context.function_name,
        "function_version": context.function_version,
        "invoked_function_arn": context.invoked_function_arn,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "memory_limit_is_int": isinstance(context.memory_limit_in_mb, int),
        "aws_request_id": context.aws_request_id,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "identity": None
        if identity is None
        else {"id": identity.cognito_identity_id, "pool_id": identity.cognito_identity_pool_id},
        "client_context": None
        if client_context is None
        else {
            "custom": client_context.custom,
            "env": client_context.env,
            "installation_id": None if client_context.client is None else client_context.client.installation_id,
            "app_title": None if client_context.client is None else client_context.client.app_title,
        },
        "remaining_ms": context.get_remaining_time_in_millis(),
    }


def trace_id(event, context):
    return os.environ.get("_X_AMZN_TRACE_ID")


def returns_set(event, context):
    return {1, 2}


async def coroutine(event, context):
    return "never awaited"


def returns_decimals(event, context):
    return {"price": decimal.Decimal("12.5"), "count": decimal.Decimal("3")}


def returns_bytes(event, context):
    return b"raw \x00 bytes"


def logs(event, context):
    print("printed " + event["tag"])
    logging.getLogger().warning("warned %s", event["tag"])
    logging.getLogger().info("informed %s", event["tag"])
    return "logged"


def writes_without_newline(event, context):
    sys.stdout.write("partial-" + event["tag"])
    return "written"


def search_path(event, context):
    return sys.path[:3]


def event_type(event, context):
    return type(event).__name__
