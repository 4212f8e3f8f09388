"""A user's transport, policies and hooks, as azure-identity's users hand them to credentials in their tests."""

from __future__ import annotations

import logging
from typing import Any
from unittest import mock

import pytest
from azure.core.exceptions import ClientAuthenticationError
from azure.core.pipeline.policies import HttpLoggingPolicy, HTTPPolicy, SansIOHTTPPolicy
from dropin_helpers import legacy_response, mock_transport, token_payload

from azauth.emulator import Emulator
from tests.support import SCOPE, Mode, connect


def test_mock_transport_with_legacy_responses_authenticates(mode: Mode) -> None:
    transport = mock_transport(mode, legacy_response(payload=token_payload("first-token")))
    credential = mode.module.ClientSecretCredential("tenant", "client-id", "secret", transport=transport)
    token = mode.wait(credential.get_token(SCOPE))
    assert token.token == "first-token"
    assert transport.send.call_count == 1
    request = transport.sent[0]
    assert request.url.startswith("https://login.microsoftonline.com/tenant/oauth2/v2.0/token")
    mode.close(credential)


def test_legacy_response_with_only_body_authenticates(mode: Mode) -> None:
    response = mock.Mock(spec=["status_code", "headers", "body"], status_code=200, headers={})
    response.body = lambda: b'{"access_token": "from-body", "expires_in": 3600}'
    transport = mock_transport(mode, response)
    credential = mode.module.ClientSecretCredential("tenant", "client-id", "secret", transport=transport)
    assert mode.wait(credential.get_token(SCOPE)).token == "from-body"
    mode.close(credential)


def test_close_and_context_manager_exit_a_users_transport(mode: Mode) -> None:
    transport = mock_transport(mode, legacy_response(payload=token_payload()))
    credential = mode.module.ClientSecretCredential("tenant", "client-id", "secret", transport=transport)
    mode.close(credential)  # never used: the transport is closed all the same, as azure-identity does
    exit_name = "__aexit__" if mode.is_async else "__exit__"
    enter_name = "__aenter__" if mode.is_async else "__enter__"
    assert getattr(transport, exit_name).call_count == 1

    transport = mock_transport(mode, legacy_response(payload=token_payload()))
    credential = mode.module.ClientSecretCredential("tenant", "client-id", "secret", transport=transport)

    async def use_async() -> None:
        async with credential:
            assert transport.__aenter__.call_count == 1
            await credential.get_token(SCOPE)
        assert transport.__aexit__.call_count == 1

    if mode.is_async:
        mode.wait(use_async())
    else:
        with credential:
            assert getattr(transport, enter_name).call_count == 1
            credential.get_token(SCOPE)
        assert getattr(transport, exit_name).call_count == 1


class Recorder(SansIOHTTPPolicy[Any, Any]):
    def __init__(self) -> None:
        self.requests: list[str] = []
        self.responses: list[int] = []

    def on_request(self, request: Any) -> None:
        self.requests.append(request.http_request.url)

    def on_response(self, request: Any, response: Any) -> None:
        self.responses.append(response.http_response.status_code)


def test_policies_and_hooks_are_honoured(mode: Mode, emu: Emulator) -> None:
    per_call, per_retry = Recorder(), Recorder()
    request_hook, response_hook = mock.Mock(), mock.Mock()
    http_logging = HttpLoggingPolicy()
    http_logging.on_request = mock.Mock(wraps=http_logging.on_request)  # type: ignore[method-assign]
    emu.fault("token", status=503)
    credential = mode.module.ClientSecretCredential(
        emu.tenant_id,
        emu.client_id,
        emu.client_secret,
        **connect(emu),
        per_call_policies=[per_call],
        per_retry_policies=per_retry,
        raw_request_hook=request_hook,
        raw_response_hook=response_hook,
        http_logging_policy=http_logging,
        headers={"x-custom": "yes"},
        user_agent="myapp/1.0",
        retry_backoff_factor=0,
    )
    mode.wait(credential.get_token(SCOPE))
    assert len(per_call.requests) == 1 and per_call.responses == [200]  # once per call
    assert per_retry.responses == [503, 200]  # once per attempt
    assert request_hook.call_count == response_hook.call_count == 2
    assert http_logging.on_request.call_count == 2
    sent = emu.requests[-1].headers
    assert sent["x-custom"] == "yes"
    user_agent = sent["user-agent"]
    assert user_agent.startswith("myapp/1.0 azsdk-python-azauth/"), user_agent  # prepended, as azure-core does
    mode.close(credential)


def test_policies_keyword_replaces_the_pipeline(mode: Mode, emu: Emulator) -> None:
    class Only(HTTPPolicy[Any, Any]):
        calls = 0

        def send(self, request: Any) -> Any:
            Only.calls += 1
            return self.next.send(request)

    class AsyncOnly(Only):
        async def send(self, request: Any) -> Any:  # type: ignore[override]
            Only.calls += 1
            return await self.next.send(request)

    credential = mode.module.ClientSecretCredential(
        emu.tenant_id,
        emu.client_id,
        emu.client_secret,
        **connect(emu),
        policies=[AsyncOnly() if mode.is_async else Only()],
    )
    mode.wait(credential.get_token(SCOPE))
    assert Only.calls == 1
    assert "azauth" not in emu.requests[-1].headers.get("user-agent", "")  # no UserAgentPolicy: the list was replaced
    mode.close(credential)


def test_logging_enable_traces_without_secrets(mode: Mode, emu: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    credential = mode.module.ClientSecretCredential(
        emu.tenant_id, emu.client_id, emu.client_secret, **connect(emu), logging_enable=True
    )
    token = mode.wait(credential.get_token(SCOPE))
    trace = [r.getMessage() for r in caplog.records if "Request body: not logged" in r.getMessage()]
    assert len(trace) == 1 and emu.tenant_id in trace[0]
    everything = "\n".join(r.getMessage() for r in caplog.records)
    assert "Response status: 200" in everything
    assert emu.client_secret not in everything and token.token not in everything
    mode.close(credential)


def test_unknown_keyword_still_suggests(mode: Mode) -> None:
    with pytest.raises(TypeError, match="did you mean 'raw_request_hook'"):
        mode.module.ClientSecretCredential("tenant", "client-id", "secret", raw_requst_hook=print)


def test_proxies_and_timeouts_reach_a_users_transport(mode: Mode) -> None:
    transport = mock_transport(mode, legacy_response(payload=token_payload()))
    proxies = {"https": "http://proxy.example:3128"}
    credential = mode.module.ClientSecretCredential(
        "tenant", "client-id", "secret", transport=transport, proxies=proxies, connection_timeout=7, read_timeout=9
    )
    mode.wait(credential.get_token(SCOPE))
    options = transport.send.call_args.kwargs
    assert options["proxies"] == proxies
    assert (options["connection_timeout"], options["read_timeout"]) == (7, 9)
    mode.close(credential)


def test_retry_settings_are_honoured(mode: Mode, emu: Emulator) -> None:
    emu.fault("token", status=503, times=3)
    credential = mode.module.ClientSecretCredential(
        emu.tenant_id, emu.client_id, emu.client_secret, **connect(emu), retry_total=1, retry_backoff_factor=0
    )
    with pytest.raises(ClientAuthenticationError):
        mode.wait(credential.get_token(SCOPE))
    assert emu.count("token") == 2  # the first attempt and one retry
    mode.close(credential)
