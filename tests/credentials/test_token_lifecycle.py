"""Caching, proactive refresh, single flight and tenant rules, over real HTTPS with an injected clock."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import ClientAuthenticationError

from azauth.emulator import Emulator
from tests.support import SCOPE, FakeClock, Mode, connect


def credential(mode: Mode, emu: Emulator, **kwargs: Any) -> Any:
    return mode.module.ClientSecretCredential(
        emu.tenant_id, emu.client_id, emu.client_secret, retry_total=0, **connect(emu), **kwargs
    )


def test_token_is_served_from_cache_until_five_minutes_before_expiry(
    mode: Mode, emu: Emulator, clock: FakeClock
) -> None:
    emu.token_lifetime = 3600
    cred = credential(mode, emu)
    first = mode.wait(cred.get_token(SCOPE))
    clock.advance(3600 - 300 - 5)
    assert mode.wait(cred.get_token(SCOPE)).token == first.token
    assert emu.count("token") == 1
    clock.advance(10)  # inside the refresh window: a new token is requested
    second = mode.wait(cred.get_token(SCOPE))
    assert second.token != first.token
    assert emu.count("token") == 2
    mode.close(cred)


def test_refresh_on_from_entra_refresh_in(mode: Mode, emu: Emulator, clock: FakeClock) -> None:
    emu.refresh_in = 600
    cred = credential(mode, emu)
    info = mode.wait(cred.get_token_info(SCOPE))
    assert info.refresh_on is not None and abs(info.refresh_on - (clock.now + 600)) <= 2
    clock.advance(599)
    mode.wait(cred.get_token_info(SCOPE))
    assert emu.count("token") == 1
    clock.advance(2)
    mode.wait(cred.get_token_info(SCOPE))
    assert emu.count("token") == 2
    mode.close(cred)


def test_long_lived_tokens_refresh_at_half_life(mode: Mode, emu: Emulator, clock: FakeClock) -> None:
    emu.token_lifetime = 4 * 3600
    cred = credential(mode, emu)
    info = mode.wait(cred.get_token_info(SCOPE))
    assert info.refresh_on is not None and abs(info.refresh_on - (clock.now + 2 * 3600)) <= 2
    mode.close(cred)


def test_failed_refresh_serves_cached_token_and_waits_before_retrying(
    mode: Mode, emu: Emulator, clock: FakeClock
) -> None:
    cred = credential(mode, emu)
    first = mode.wait(cred.get_token(SCOPE))
    clock.advance(3600 - 200)  # in the refresh window, still valid
    emu.fault("token", status=503, times=5)
    assert mode.wait(cred.get_token(SCOPE)).token == first.token
    assert emu.count("token") == 2  # one refresh attempt
    clock.advance(20)  # within the retry delay: no new attempt
    assert mode.wait(cred.get_token(SCOPE)).token == first.token
    assert emu.count("token") == 2
    clock.advance(11)  # retry delay over: another attempt, still failing, still served
    assert mode.wait(cred.get_token(SCOPE)).token == first.token
    assert emu.count("token") == 3
    mode.close(cred)


def test_expired_token_and_failing_endpoint_raise(mode: Mode, emu: Emulator, clock: FakeClock) -> None:
    cred = credential(mode, emu)
    mode.wait(cred.get_token(SCOPE))
    clock.advance(3601)
    emu.fault("token", status=503, body={"error": "temporarily_unavailable", "error_description": "AADSTS90033"})
    with pytest.raises(ClientAuthenticationError, match="temporarily_unavailable"):
        mode.wait(cred.get_token(SCOPE))
    mode.close(cred)


def test_short_lived_tokens_do_not_cause_a_request_storm(mode: Mode, emu: Emulator, clock: FakeClock) -> None:
    emu.token_lifetime = 120  # already inside the 5-minute window when issued
    cred = credential(mode, emu)
    for _ in range(5):
        mode.wait(cred.get_token(SCOPE))
    assert emu.count("token") == 1
    clock.advance(31)
    mode.wait(cred.get_token(SCOPE))
    assert emu.count("token") == 2
    mode.close(cred)


def test_concurrent_cold_callers_share_one_request(mode: Mode, emu: Emulator) -> None:
    emu.token_delay = 0.3
    cred = credential(mode, emu)
    count = 200 if mode.is_async else 32
    tokens = mode.concurrently(lambda: cred.get_token(SCOPE), count)
    assert len({t.token for t in tokens}) == 1
    assert emu.count("token") == 1
    mode.close(cred)


def test_callers_during_a_refresh_get_the_valid_token_at_once(mode: Mode, emu: Emulator, clock: FakeClock) -> None:
    cred = credential(mode, emu)
    first = mode.wait(cred.get_token(SCOPE))
    clock.advance(3600 - 100)
    emu.token_delay = 0.3
    count = 50 if mode.is_async else 16
    tokens = mode.concurrently(lambda: cred.get_token(SCOPE), count)
    assert emu.count("token") == 2  # exactly one refresh
    fresh = {t.token for t in tokens} - {first.token}
    assert len(fresh) <= 1
    assert mode.wait(cred.get_token(SCOPE)).token != first.token
    mode.close(cred)


def test_tenant_not_allowed_names_the_keyword(mode: Mode, emu: Emulator) -> None:
    other = emu.add_tenant()
    cred = credential(mode, emu)
    with pytest.raises(ClientAuthenticationError, match="additionally_allowed_tenants"):
        mode.wait(cred.get_token(SCOPE, tenant_id=other))
    assert emu.count("token") == 0
    mode.close(cred)


@pytest.mark.parametrize("allowed", [["*"], ["listed"]])
def test_additionally_allowed_tenants(mode: Mode, emu: Emulator, allowed: list[str]) -> None:
    other = emu.add_tenant()
    client_id = emu.add_app(secrets=["s3cret-value"], multi_tenant=True)
    allowed = [other if a == "listed" else a for a in allowed]
    cred = mode.module.ClientSecretCredential(
        emu.tenant_id, client_id, "s3cret-value", additionally_allowed_tenants=allowed, **connect(emu)
    )
    home = mode.wait(cred.get_token(SCOPE))
    away = mode.wait(cred.get_token(SCOPE, tenant_id=other))
    assert emu.decode_token(home.token)["tid"] == emu.tenant_id
    assert emu.decode_token(away.token)["tid"] == other
    info = mode.wait(cred.get_token_info(SCOPE, options={"tenant_id": other}))
    assert info.token == away.token
    assert emu.count("token") == 2
    mode.close(cred)


def test_disable_multitenant_auth_pins_the_configured_tenant(mode: Mode, emu: Emulator) -> None:
    other = emu.add_tenant()
    cred = credential(mode, emu, environ={"AZURE_IDENTITY_DISABLE_MULTITENANTAUTH": "true"})
    token = mode.wait(cred.get_token(SCOPE, tenant_id=other))
    assert emu.decode_token(token.token)["tid"] == emu.tenant_id
    mode.close(cred)


def test_bad_boolean_environment_variable_is_named(mode: Mode) -> None:
    with pytest.raises(ValueError, match="AZURE_IDENTITY_DISABLE_MULTITENANTAUTH"):
        mode.module.ClientSecretCredential(
            "tenant", "client", "secret", environ={"AZURE_IDENTITY_DISABLE_MULTITENANTAUTH": "perhaps"}
        )


def test_authority_from_environment(mode: Mode, emu: Emulator) -> None:
    cred = mode.module.ClientSecretCredential(
        emu.tenant_id,
        emu.client_id,
        emu.client_secret,
        connection_verify=emu.ca_path,
        environ={"AZURE_AUTHORITY_HOST": emu.authority},
    )
    assert mode.wait(cred.get_token(SCOPE)).token
    mode.close(cred)


def test_dropped_connection_is_an_authentication_error(mode: Mode, emu: Emulator) -> None:
    emu.fault("token", drop=True)
    cred = credential(mode, emu)
    with pytest.raises(ClientAuthenticationError, match="could not reach Microsoft Entra ID"):
        mode.wait(cred.get_token(SCOPE))
    mode.close(cred)


def test_transient_failures_are_retried_by_the_pipeline(mode: Mode, emu: Emulator) -> None:
    emu.fault("token", status=500, times=1)
    cred = mode.module.ClientSecretCredential(
        emu.tenant_id, emu.client_id, emu.client_secret, retry_backoff_factor=0.01, **connect(emu)
    )
    assert mode.wait(cred.get_token(SCOPE)).token
    assert emu.count("token") == 2
    mode.close(cred)


@pytest.mark.parametrize(
    ("body", "status", "expected"),
    [
        (b"<html>bad gateway</html>", 200, "not a JSON object"),
        ({"token_type": "Bearer", "expires_in": 3600}, 200, "without an access_token"),
        ({"access_token": "abc", "expires_in": "soon"}, 200, "without a valid expires_in"),
        (b"<html>oops</html>", 502, "HTTP 502"),
    ],
)
def test_malformed_responses_are_described(mode: Mode, emu: Emulator, body: Any, status: int, expected: str) -> None:
    emu.fault(
        "token", status=status, body=body, headers={"Content-Type": "text/html"} if isinstance(body, bytes) else None
    )
    cred = credential(mode, emu)
    with pytest.raises(ClientAuthenticationError, match=expected) as caught:
        mode.wait(cred.get_token(SCOPE))
    assert "oops" not in str(caught.value) and "bad gateway" not in str(caught.value)
    mode.close(cred)


def test_async_credential_survives_a_new_event_loop(emu: Emulator) -> None:
    import asyncio

    import azauth.aio

    cred = azauth.aio.ClientSecretCredential(emu.tenant_id, emu.client_id, emu.client_secret, **connect(emu))
    first = asyncio.run(cred.get_token(SCOPE))
    second = asyncio.run(cred.get_token("https://storage.azure.com/.default"))  # azure-identity: loop is closed
    assert first.token != second.token
    assert asyncio.run(cred.get_token(SCOPE)).token == first.token
    asyncio.run(cred.close())
