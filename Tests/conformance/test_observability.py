"""Health and Prometheus metrics."""

from __future__ import annotations

import re

import pytest
import requests

from moat_support import HTTP_TIMEOUT_SECONDS, MoatServer

pytestmark = pytest.mark.observability

SAMPLE = re.compile(r"^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)\{(?P<labels>[^}]*)\}\s+(?P<value>\S+)")
LABEL = re.compile(r'(?P<key>[a-zA-Z_][a-zA-Z0-9_]*)="(?P<value>(?:[^"\\]|\\.)*)"')


def test_health(moat: MoatServer) -> None:
    response = requests.get(moat.url("/_moat/health"), timeout=HTTP_TIMEOUT_SECONDS)

    assert response.status_code == 200


def test_metrics_count_requests_by_service_and_operation(moat: MoatServer) -> None:
    moat.iam().list_users()
    moat.iam().list_users()

    response = requests.get(moat.url("/_moat/metrics"), timeout=HTTP_TIMEOUT_SECONDS)

    assert response.status_code == 200
    counted: list[str] = []
    for line in response.text.splitlines():
        match = SAMPLE.match(line)
        if not match:
            continue
        labels = {label["key"]: label["value"] for label in LABEL.finditer(match["labels"])}
        service = next((value for key, value in labels.items() if key.endswith("service")), None)
        operation = next((value for key, value in labels.items() if key.endswith("operation")), None)
        if (service or "").lower() == "iam" and operation == "ListUsers" and float(match["value"]) >= 2:
            if match["name"].endswith(("_total", "_count")) or "request" in match["name"]:
                counted.append(line)
    assert counted, f"no request counter labelled service=iam, operation=ListUsers in:\n{response.text[:2000]}"
