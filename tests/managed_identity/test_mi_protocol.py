"""The sans-IO managed-identity protocol driven by hand: detection order, reply shapes, endpoint rules, the flow."""

from __future__ import annotations

import json
from typing import Any

import pytest
from azure.core.exceptions import ServiceRequestError

from azauth._protocol.managed_identity import EndpointState, Policy, detect_host, select_identity, token_flow
from azauth._protocol.managed_identity.flow import retry_after
from azauth._protocol.managed_identity.hosts import endpoint_problem, token_request
from azauth._protocol.managed_identity.replies import parse_expires_on
from azauth._protocol.steps import Reply, Send, Sleep
from azauth.errors import CredentialUnavailableError

ALL = {
    "IDENTITY_ENDPOINT": "http://127.0.0.1:1/a",
    "IDENTITY_HEADER": "h",
    "IDENTITY_SERVER_THUMBPRINT": "t",
    "IMDS_ENDPOINT": "http://127.0.0.1:2",
    "MSI_ENDPOINT": "http://127.0.0.1:3/b",
    "MSI_SECRET": "s",
    "AZURE_AUTHORITY_HOST": "https://login.example",
    "AZURE_TENANT_ID": "t",
    "AZURE_FEDERATED_TOKEN_FILE": "/f",
}


@pytest.mark.parametrize(
    ("drop", "kind"),
    [
        ((), "service_fabric"),
        (("IDENTITY_SERVER_THUMBPRINT",), "app_service"),
        (("IDENTITY_SERVER_THUMBPRINT", "IDENTITY_HEADER"), "azure_arc"),
        (("IDENTITY_ENDPOINT",), "azure_ml"),
        (("IDENTITY_ENDPOINT", "MSI_SECRET"), "cloud_shell"),
        (("IDENTITY_ENDPOINT", "MSI_ENDPOINT"), "workload_identity"),
        (("IDENTITY_ENDPOINT", "MSI_ENDPOINT", "AZURE_FEDERATED_TOKEN_FILE"), "imds"),
    ],
)
def test_detection_follows_azure_identity_order(drop: tuple[str, ...], kind: str) -> None:
    environ = {k: v for k, v in ALL.items() if k not in drop}
    host = detect_host(environ)
    assert host is not None and host.kind == kind


def test_imds_address_and_pod_identity_override() -> None:
    host = detect_host({})
    assert host is not None and host.endpoint == "http://169.254.169.254/metadata/identity/oauth2/token"
    assert not host.pod_identity
    host = detect_host({"AZURE_POD_IDENTITY_AUTHORITY_HOST": "http://127.0.0.1:9/"})
    assert host is not None and host.endpoint == "http://127.0.0.1:9/metadata/identity/oauth2/token"
    assert host.pod_identity


@pytest.mark.parametrize(
    ("kind", "selector", "param"),
    [
        ("imds", "resource_id", "msi_res_id"),
        ("app_service", "resource_id", "mi_res_id"),
        ("azure_arc", "resource_id", "msi_res_id"),
        ("app_service", "object_id", "object_id"),
        ("azure_ml", "client_id", "clientid"),
    ],
)
def test_identity_parameter_names_per_host(kind: str, selector: str, param: str) -> None:
    environ = {
        "imds": {},
        "app_service": {"IDENTITY_ENDPOINT": "http://127.0.0.1/x", "IDENTITY_HEADER": "h"},
        "azure_arc": {"IDENTITY_ENDPOINT": "http://127.0.0.1/x", "IMDS_ENDPOINT": "http://127.0.0.1"},
        "azure_ml": {"MSI_ENDPOINT": "http://127.0.0.1/x", "MSI_SECRET": "s"},
    }[kind]
    host = detect_host(environ)
    assert host is not None
    identity = select_identity(None, {selector: "value"})
    request = token_request(host, identity, "https://r")
    assert f"{param}=value" in request.url


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1700000000, 1700000000),
        ("1700000000", 1700000000),
        ("06/20/2019 02:57:58 +00:00", 1560999478),
        ("1/16/2020 5:24:12 AM +00:00", 1579152252),
        ("1/16/2020 5:24:12 PM +00:00", 1579195452),
        ("tomorrow", None),
        (True, None),
        (-5, None),
    ],
)
def test_expires_on_shapes(value: Any, expected: int | None) -> None:
    assert parse_expires_on(value) == expected


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://169.254.169.254/metadata/identity/oauth2/token", True),
        ("http://127.0.0.1:41741/msi/token", True),
        ("http://localhost:40342/metadata/identity/oauth2/token", True),
        ("http://[::1]:8080/token", True),
        ("http://[fe80::1]/token", True),
        ("https://10.0.0.4:2377/metadata/identity/oauth2/token", True),
        ("http://10.0.0.4:8081/msi/token", False),
        ("http://metadata.example/token", False),
        ("ftp://127.0.0.1/token", False),
        ("http://user:pw@127.0.0.1/token", False),
    ],
)
def test_plain_http_only_on_loopback_and_link_local(url: str, allowed: bool) -> None:
    assert (endpoint_problem(url) is None) is allowed


def test_retry_after_seconds_and_http_date() -> None:
    assert retry_after(Reply(429, {"Retry-After": "12"}, b""), 0) == 12
    assert retry_after(Reply(429, {"retry-after-ms": "1500"}, b""), 0) == 1.5
    assert retry_after(Reply(429, {"Retry-After": "Thu, 01 Jan 1970 00:01:40 GMT"}, b""), 40) == 60
    assert retry_after(Reply(429, {}, b""), 0) is None


def drive(flow: Any, replies: list[Any]) -> tuple[list[Any], Any]:
    """Feed ``replies`` (a Reply, or an exception to throw) to the flow; return its steps and result."""
    steps = [next(flow)]
    for outcome in replies:
        try:
            step = flow.throw(outcome) if isinstance(outcome, BaseException) else flow.send(outcome)
        except StopIteration as done:
            return steps, done.value
        steps.append(step)
    raise AssertionError(f"flow still running after {len(replies)} replies: {steps[-1]!r}")


def imds_flow(*, now: float = 0.0, policy: Policy | None = None, probe: bool = False) -> Any:
    host = detect_host({})
    assert host is not None
    return token_flow(
        host,
        select_identity(None, None),
        "https://r",
        clock=lambda: now,
        policy=policy or Policy(),
        state=EndpointState(),
        probe=probe,
        read_key=lambda path: "",
        key_directory=None,
    )


def test_flow_attempts_carry_timeouts_and_backoff_uses_the_clock() -> None:
    flow = imds_flow(now=1000.0, policy=Policy(connect_timeout=2, read_timeout=5, deadline=60))
    ok = Reply(200, {}, json.dumps({"access_token": "t", "expires_in": "3600"}).encode())
    steps, info = drive(flow, [Reply(503, {}, b""), None, ok])
    send, sleep, again = steps
    assert isinstance(send, Send) and not send.retry and (send.connect_timeout, send.read_timeout) == (2, 5)
    assert sleep == Sleep(0.8) and isinstance(again, Send)
    assert info.expires_on == 1000 + 3600


def test_probe_failure_is_unavailable_without_retry() -> None:
    flow = imds_flow(probe=True)
    probe = next(flow)
    assert isinstance(probe, Send) and probe.connect_timeout == 1 and probe.read_timeout == 1
    assert "Metadata" not in probe.request.headers
    with pytest.raises(CredentialUnavailableError, match="no response from the IMDS endpoint within 1 s"):
        flow.throw(ServiceRequestError("refused"))
