"""The interactive flows driven by hand: replies and listener results fed in, no I/O."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest
from azure.core.credentials import AccessTokenInfo
from azure.core.exceptions import ClientAuthenticationError

from azauth._protocol.interactive import (
    browser_sign_in,
    device_code_sign_in,
    pkce_pair,
    record_from_reply,
    redirect_target,
)
from azauth._protocol.steps import ListenForRedirect, OpenBrowser, Prompt, Reply, Send, Sleep
from azauth._protocol.user_grants import Account, UserTokenReply
from azauth.errors import CredentialUnavailableError

AUTHORITY = "https://login.example.com"


class Listener:
    def __init__(self, results: list[Mapping[str, str] | None]) -> None:
        self.results = results
        self.closed = False

    @property
    def redirect_uri(self) -> str:
        return "http://localhost:50000"

    def result(self) -> Mapping[str, str] | None:
        return self.results.pop(0) if self.results else None

    def close(self) -> None:
        self.closed = True


def json_reply(status: int, body: Any) -> Reply:
    return Reply(status, {"Content-Type": "application/json"}, json.dumps(body).encode())


def browser_flow(now: list[float]) -> Any:
    return browser_sign_in(
        AUTHORITY,
        "organizations",
        "client",
        ["scope/.default"],
        target=redirect_target(None),
        timeout=1,
        now=lambda: now[0],
    )


def test_browser_flow_steps_and_redirect_errors() -> None:
    now = [0.0]
    flow = browser_flow(now)
    step = next(flow)
    assert isinstance(step, ListenForRedirect) and (step.host, step.port, step.path) == ("127.0.0.1", 0, "/")
    listener = Listener([None, {"state": step.state, "error": "access_denied", "error_description": "no\nmore"}])
    opened = flow.send(listener)
    assert isinstance(opened, OpenBrowser) and f"state={step.state}" in opened.url
    assert isinstance(flow.send(True), Sleep)
    with pytest.raises(ClientAuthenticationError, match="access_denied: no$"):
        flow.send(None)
    assert listener.closed


def test_browser_flow_bind_failure_no_browser_and_no_code() -> None:
    flow = browser_flow([0.0])
    next(flow)
    with pytest.raises(CredentialUnavailableError, match="Couldn't start an HTTP server"):
        flow.throw(OSError("address in use"))
    flow = browser_flow([0.0])
    listener = Listener([])
    next(flow)
    flow.send(listener)
    with pytest.raises(CredentialUnavailableError, match="Failed to open a browser"):
        flow.send(False)
    assert listener.closed
    flow = browser_flow([0.0])
    step = next(flow)
    flow.send(Listener([{"state": step.state}]))
    with pytest.raises(ClientAuthenticationError, match="no authorization code"):
        flow.send(True)


def device_flow(now: list[float], **kwargs: Any) -> Any:
    return device_code_sign_in(AUTHORITY, "tenant", "client", ["scope/.default"], now=lambda: now[0], **kwargs)


@pytest.mark.parametrize(
    "reply",
    [
        json_reply(200, {"device_code": "d", "verification_uri": "https://x", "expires_in": 900}),
        json_reply(200, {"device_code": "d", "user_code": "u", "verification_uri": "https://x", "expires_in": "x"}),
        Reply(200, {"Content-Type": "text/html"}, b"<html>secret-ish</html>"),
    ],
)
def test_device_code_rejects_malformed_replies(reply: Reply) -> None:
    flow = device_flow([0.0])
    assert isinstance(next(flow), Send)
    with pytest.raises(ClientAuthenticationError) as raised:
        flow.send(reply)
    assert "secret-ish" not in str(raised.value)


def test_device_code_polling_is_bounded() -> None:
    now = [0.0]
    flow = device_flow(now, timeout=1000)
    next(flow)
    body = {"device_code": "d", "user_code": "u", "verification_uri": "https://x", "expires_in": 3000, "interval": 0}
    prompt = flow.send(json_reply(200, body))
    assert isinstance(prompt, Prompt) and "enter the code u" in prompt.message
    waits = []
    step = flow.send(None)
    with pytest.raises(ClientAuthenticationError, match="Timed out"):
        while True:
            assert isinstance(step, Sleep)
            waits.append(step.seconds)
            now[0] += step.seconds
            assert isinstance(flow.send(None), Send)
            error = "slow_down" if len(waits) < 20 else "authorization_pending"
            step = flow.send(json_reply(400, {"error": error}))
    assert waits[:2] == [5, 10] and max(waits) == 60  # no interval: 5 s; slow_down adds 5 s, up to a minute


def test_record_needs_an_identity_token() -> None:
    reply = UserTokenReply(AccessTokenInfo("t", 1), None, Account("u.t", "a@b", "t"), client_info=True)
    with pytest.raises(ClientAuthenticationError, match="unexpected identity token"):
        record_from_reply(reply, "client")


def test_pkce_and_redirect_targets() -> None:
    verifier, challenge = pkce_pair()
    assert len(verifier) >= 43 and len(challenge) == 43 and pkce_pair()[0] != verifier
    target = redirect_target("http://127.0.0.1:8400/callback")
    assert (target.host, target.port, target.path, target.redirect_host) == (
        "127.0.0.1",
        8400,
        "/callback",
        "127.0.0.1",
    )
    assert redirect_target("http://localhost:8400").host == "127.0.0.1"
