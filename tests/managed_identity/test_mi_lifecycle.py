"""Managed-identity tokens in the cache: half-life refresh, serving through failed refreshes, argument checks,
and errors that never show a token."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from azure.core.exceptions import ClientAuthenticationError

from azauth.emulator import Emulator
from tests.support import SCOPE, FakeClock, Mode


def imds(mode: Mode, emu: Emulator, **kwargs: Any) -> Any:
    return mode.module.ManagedIdentityCredential(environ=emu.managed_identity_environ("imds"), **kwargs)


@pytest.mark.parametrize("host", ["imds", "app_service", "cloud_shell"])
def test_long_lived_tokens_refresh_at_half_life(mode: Mode, emu: Emulator, clock: FakeClock, host: str) -> None:
    emu.token_lifetime = 24 * 3600
    cred = mode.module.ManagedIdentityCredential(environ=emu.managed_identity_environ(host))
    info = mode.wait(cred.get_token_info(SCOPE))
    assert info.refresh_on is not None and abs(info.refresh_on - (clock.now + 12 * 3600)) <= 2
    clock.advance(12 * 3600 - 10)
    assert mode.wait(cred.get_token(SCOPE)).token == info.token
    clock.advance(20)
    assert mode.wait(cred.get_token(SCOPE)).token != info.token
    mode.close(cred)


def test_short_tokens_refresh_five_minutes_before_expiry(mode: Mode, emu: Emulator, clock: FakeClock) -> None:
    emu.token_lifetime = 3600
    cred = imds(mode, emu)
    info = mode.wait(cred.get_token_info(SCOPE))
    assert info.refresh_on is None
    clock.advance(3600 - 305)
    assert mode.wait(cred.get_token(SCOPE)).token == info.token
    clock.advance(10)
    assert mode.wait(cred.get_token(SCOPE)).token != info.token
    mode.close(cred)


def test_failed_refresh_keeps_serving_the_cached_token(mode: Mode, emu: Emulator, clock: FakeClock) -> None:
    emu.token_lifetime = 4 * 3600
    cred = imds(mode, emu, retry_total=0)
    first = mode.wait(cred.get_token(SCOPE))
    clock.advance(2 * 3600 + 5)  # past half-life, still valid
    emu.fault("imds", status=500, times=10)
    assert mode.wait(cred.get_token(SCOPE)).token == first.token
    assert emu.count("imds") == 2
    clock.advance(4 * 3600)  # expired: the failure surfaces
    with pytest.raises(ClientAuthenticationError, match="HTTP 500"):
        mode.wait(cred.get_token(SCOPE))
    mode.close(cred)


def test_tenant_id_is_ignored_and_shares_the_cache(mode: Mode, emu: Emulator) -> None:
    cred = imds(mode, emu)
    first = mode.wait(cred.get_token(SCOPE))
    assert mode.wait(cred.get_token(SCOPE, tenant_id="other-tenant")).token == first.token
    assert emu.count("imds") == 1
    mode.close(cred)


def test_one_scope_per_request(mode: Mode, emu: Emulator) -> None:
    cred = imds(mode, emu)
    with pytest.raises(ValueError, match="one scope at a time"):
        mode.wait(cred.get_token(SCOPE, "https://storage.azure.com/.default"))
    with pytest.raises(ValueError, match="at least one scope"):
        mode.wait(cred.get_token())
    mode.wait(cred.get_token("https://storage.azure.com"))  # a bare resource works too
    assert [r.query["resource"] for r in emu.requests if r.endpoint == "imds"] == ["https://storage.azure.com"]
    mode.close(cred)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"client_id": "a", "identity_config": {"object_id": "b"}}, "Specify one user-assigned identity"),
        ({"identity_config": {"object_id": "a", "resource_id": "b"}}, "Specify one user-assigned identity"),
        ({"identity_config": {"mi_res_id": "a b&c=d"}}, "identity_config\\['mi_res_id'\\] must be"),
        ({"identity_config": {"bad name": "a"}}, "not a usable query parameter name"),
        ({"identity_config": {"object_id": ""}}, "non-empty"),
        ({"deadline": 0}, "deadline must be a positive"),
    ],
)
def test_ambiguous_identity_is_a_value_error(mode: Mode, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        mode.module.ManagedIdentityCredential(environ={}, **kwargs)


def test_unknown_keyword_is_a_type_error(mode: Mode) -> None:
    with pytest.raises(TypeError, match="did you mean 'read_timeout'"):
        mode.module.ManagedIdentityCredential(environ={}, read_timout=3)


def test_errors_and_logs_never_contain_a_token(mode: Mode, emu: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    secret_token = "eyJTHISISASECRETTOKEN.payload.signature"
    body = {"access_token": secret_token, "expires_on": "not-a-date"}
    emu.fault("imds", status=200, body=body)
    cred = imds(mode, emu)
    with caplog.at_level(logging.DEBUG, logger="azauth"), pytest.raises(ClientAuthenticationError) as caught:
        mode.wait(cred.get_token(SCOPE))
    assert "no valid expires_on" in str(caught.value)
    emu.fault("imds", status=400, body={"error": "invalid_request", "access_token": secret_token})
    with caplog.at_level(logging.DEBUG, logger="azauth"), pytest.raises(ClientAuthenticationError) as second:
        mode.wait(cred.get_token(SCOPE))
    for text in (str(caught.value), str(second.value), caplog.text):
        assert secret_token not in text
    assert "HTTP 400" in str(second.value)
    mode.close(cred)


def test_non_json_reply_is_described_not_echoed(mode: Mode, emu: Emulator) -> None:
    emu.fault("imds", status=502, body="<html>gateway secret-ish page</html>", headers={"Content-Type": "text/html"})
    cred = imds(mode, emu, retry_total=0)
    with pytest.raises(ClientAuthenticationError, match=r"HTTP 502 \(text/html, \d+ bytes\)") as caught:
        mode.wait(cred.get_token(SCOPE))
    assert "gateway" not in str(caught.value)
    mode.close(cred)


def test_concurrent_requests_share_one_token_request(mode: Mode, emu: Emulator) -> None:
    cred = imds(mode, emu)
    tokens = mode.concurrently(lambda: cred.get_token(SCOPE), 8)
    assert len({t.token for t in tokens}) == 1
    assert emu.count("imds") == 1
    mode.close(cred)
