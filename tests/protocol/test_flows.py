"""Protocol flows driven by hand: no I/O, replies fed in."""

from __future__ import annotations

import json

import pytest
from azure.core.exceptions import ClientAuthenticationError

from azauth._protocol import entra
from azauth._protocol.steps import Reply, Send
from azauth._protocol.token_reply import EntraError, parse_token_reply


def reply(status: int, body: object, content_type: str = "application/json") -> Reply:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Reply(status, {"Content-Type": content_type}, data)


def test_client_credentials_flow_yields_one_request_and_parses_the_reply() -> None:
    flow = entra.client_credentials(
        "https://login.example/tenant/oauth2/v2.0/token",
        "client",
        ["https://x/.default"],
        now=lambda: 1000.0,
        secret="s",
        claims='{"a":1}',
    )
    step = next(flow)
    assert isinstance(step, Send)
    assert step.request.method == "POST"
    assert step.request.url == "https://login.example/tenant/oauth2/v2.0/token"
    assert step.request.content == {
        "grant_type": "client_credentials",
        "client_id": "client",
        "client_secret": "s",
        "scope": "https://x/.default",
        "claims": '{"a":1}',
    }
    with pytest.raises(StopIteration) as done:
        flow.send(reply(200, {"access_token": "tok", "expires_in": 3599, "token_type": "Bearer"}))
    info = done.value.value
    assert (info.token, info.expires_on, info.refresh_on) == ("tok", 4599, None)


def test_assertion_gets_the_token_endpoint_as_audience() -> None:
    audiences: list[str] = []
    flow = entra.client_credentials(
        "https://h/t/oauth2/v2.0/token",
        "c",
        ["s/.default"],
        now=lambda: 0.0,
        assertion=lambda aud: audiences.append(aud) or "jwt",
    )
    next(flow)
    assert audiences == ["https://h/t/oauth2/v2.0/token"]


def test_entra_error_keeps_entra_fields() -> None:
    body = {
        "error": "invalid_client",
        "error_description": "AADSTS7000215: Invalid client secret provided.\r\nTrace ID: t\r\nCorrelation ID: c",
        "error_codes": [7000215],
        "trace_id": "t",
        "correlation_id": "c",
    }
    with pytest.raises(EntraError) as caught:
        parse_token_reply(reply(401, body), 0)
    error = caught.value
    assert error.entra_error == "invalid_client"
    assert error.error_codes == (7000215,)
    assert error.status_code == 401
    assert "Trace ID" not in str(error)  # the summary keeps the first line only


@pytest.mark.parametrize(
    ("body", "now", "expires_on", "refresh_on"),
    [
        ({"access_token": "t", "expires_in": 7200}, 100, 7300, 3700),
        ({"access_token": "t", "expires_in": "3600"}, 100, 3700, None),
        ({"access_token": "t", "expires_in": 3600, "refresh_in": 1800}, 100, 3700, 1900),
        ({"access_token": "t", "expires_on": 5000}, 100, 5000, None),
        ({"access_token": "t", "expires_in": 3600, "refresh_in": -5}, 0, 3600, None),
    ],
)
def test_expiry_and_refresh_on(body: dict[str, object], now: float, expires_on: int, refresh_on: int | None) -> None:
    info = parse_token_reply(reply(200, body), now)
    assert (info.expires_on, info.refresh_on) == (expires_on, refresh_on)


def test_non_json_error_does_not_echo_the_body() -> None:
    with pytest.raises(ClientAuthenticationError, match="HTTP 503") as caught:
        parse_token_reply(reply(503, b"<html>secret-ish proxy page</html>", "text/html"), 0)
    assert "proxy page" not in str(caught.value)


@pytest.mark.parametrize(
    ("claims", "cae", "expected"),
    [
        (None, False, None),
        ('{"a":1}', False, '{"a":1}'),
        (None, True, {"access_token": {"xms_cc": {"values": ["CP1"]}}}),
        (
            '{"access_token":{"nbf":{"essential":true}}}',
            True,
            {"access_token": {"nbf": {"essential": True}, "xms_cc": {"values": ["CP1"]}}},
        ),
    ],
)
def test_merge_claims(claims: str | None, cae: bool, expected: object) -> None:
    merged = entra.merge_claims(claims, cae)
    assert (json.loads(merged) if isinstance(expected, dict) and merged else merged) == expected


def test_merge_claims_rejects_non_json_with_cae() -> None:
    with pytest.raises(ValueError, match="JSON object"):
        entra.merge_claims("not json", True)
