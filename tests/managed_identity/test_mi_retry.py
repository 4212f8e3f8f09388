"""Retries, backoff, Retry-After, the deadline and never hanging: asserted on the injected clock's sleeps."""

from __future__ import annotations

import time
from typing import Any

import pytest
from azure.core.exceptions import ClientAuthenticationError

from azauth import CredentialUnavailableError
from azauth.emulator import Emulator
from tests.support import SCOPE, FakeClock, Mode


def imds(mode: Mode, emu: Emulator, **kwargs: Any) -> Any:
    return mode.module.ManagedIdentityCredential(environ=emu.managed_identity_environ("imds"), **kwargs)


def test_imds_retries_410_for_at_least_70_seconds(mode: Mode, emu: Emulator, clock: FakeClock) -> None:
    emu.fault("imds", status=410, times=5)
    cred = imds(mode, emu)
    assert mode.wait(cred.get_token(SCOPE)).token
    assert emu.count("imds") == 6
    assert clock.sleeps == [2.5, 5.0, 10.0, 20.0, 40.0]
    assert sum(clock.sleeps) >= 70
    mode.close(cred)


def test_imds_gives_up_on_410_after_the_70_second_schedule(mode: Mode, emu: Emulator, clock: FakeClock) -> None:
    emu.fault("imds", status=410, times=50)
    cred = imds(mode, emu)
    with pytest.raises(ClientAuthenticationError, match=r"HTTP 410.*after 6 attempts"):
        mode.wait(cred.get_token(SCOPE))
    assert sum(clock.sleeps) >= 70 and len(clock.sleeps) == 5
    mode.close(cred)


@pytest.mark.parametrize("status", [404, 429, 500, 503])
def test_imds_transient_statuses_back_off_exponentially(
    mode: Mode, emu: Emulator, clock: FakeClock, status: int
) -> None:
    emu.fault("imds", status=status, times=3)
    cred = imds(mode, emu)
    assert mode.wait(cred.get_token(SCOPE)).token
    assert clock.sleeps == [0.8, 1.6, 3.2]
    mode.close(cred)


def test_retry_after_is_honoured(mode: Mode, emu: Emulator, clock: FakeClock) -> None:
    emu.fault("imds", status=429, headers={"Retry-After": "7"}, times=2)
    cred = imds(mode, emu)
    assert mode.wait(cred.get_token(SCOPE)).token
    assert clock.sleeps == [7.0, 7.0]
    mode.close(cred)


def test_retry_after_beyond_the_deadline_fails_at_once(mode: Mode, emu: Emulator, clock: FakeClock) -> None:
    emu.fault("imds", status=429, headers={"Retry-After": "3600"}, times=2)
    cred = imds(mode, emu)
    with pytest.raises(ClientAuthenticationError, match=r"HTTP 429.*asked to retry after 3600 s, past the 100 s"):
        mode.wait(cred.get_token(SCOPE))
    assert clock.sleeps == []
    mode.close(cred)


def test_deadline_bounds_all_retries(mode: Mode, emu: Emulator, clock: FakeClock) -> None:
    emu.fault("imds", status=503, times=50)
    cred = imds(mode, emu, deadline=3, retry_total=10)
    with pytest.raises(ClientAuthenticationError, match="past the 3 s deadline"):
        mode.wait(cred.get_token(SCOPE))
    assert sum(clock.sleeps) < 3
    mode.close(cred)


@pytest.mark.parametrize(("host", "kind"), [("app_service", "app-service"), ("cloud_shell", "cloud-shell")])
def test_other_hosts_retry_azure_core_transient_statuses(
    mode: Mode, emu: Emulator, clock: FakeClock, host: str, kind: str
) -> None:
    emu.fault(kind, status=503, times=2)
    cred = mode.module.ManagedIdentityCredential(environ=emu.managed_identity_environ(host))
    assert mode.wait(cred.get_token(SCOPE)).token
    assert clock.sleeps == [0.8, 1.6]
    emu.fault(kind, status=404)  # not transient outside IMDS
    with pytest.raises(ClientAuthenticationError, match="HTTP 404"):
        mode.wait(cred.get_token("https://storage.azure.com/.default"))
    mode.close(cred)


def test_retry_total_zero_makes_one_attempt(mode: Mode, emu: Emulator, clock: FakeClock) -> None:
    emu.fault("imds", status=500, times=5)
    cred = imds(mode, emu, retry_total=0)
    with pytest.raises(ClientAuthenticationError, match="after 1 attempt"):
        mode.wait(cred.get_token(SCOPE))
    assert emu.count("imds") == 1 and clock.sleeps == []
    mode.close(cred)


def test_silent_endpoint_fails_within_the_read_timeout(mode: Mode, emu: Emulator) -> None:
    """Accepts the connection, never answers: one read timeout, no retry, no hang."""
    environ = {"AZURE_POD_IDENTITY_AUTHORITY_HOST": emu.mi.silent_endpoint}
    cred = mode.module.ManagedIdentityCredential(environ=environ, read_timeout=0.5)
    started = time.monotonic()
    with pytest.raises(CredentialUnavailableError, match="accepted the connection but sent no reply within 0.5 s"):
        mode.wait(cred.get_token(SCOPE))
    assert time.monotonic() - started < 30  # generous: the point is that it ends
    mode.close(cred)


def test_emulator_delay_fault_is_bounded_by_the_read_timeout(mode: Mode, emu: Emulator) -> None:
    emu.fault("app-service", status=0, delay=60)
    cred = mode.module.ManagedIdentityCredential(environ=emu.managed_identity_environ("app_service"), read_timeout=0.5)
    with pytest.raises(ClientAuthenticationError, match="sent no reply"):
        mode.wait(cred.get_token(SCOPE))
    mode.close(cred)


def test_refused_port_is_retried_briefly_then_unavailable(mode: Mode, emu: Emulator, clock: FakeClock) -> None:
    environ = {"AZURE_POD_IDENTITY_AUTHORITY_HOST": emu.mi.refused_endpoint}
    cred = mode.module.ManagedIdentityCredential(environ=environ)
    with pytest.raises(CredentialUnavailableError, match=r"no response from the endpoint.*after 3 attempts"):
        mode.wait(cred.get_token(SCOPE))
    assert clock.sleeps == [0.8, 1.6]
    mode.close(cred)


def test_plain_http_to_a_routable_address_is_refused(mode: Mode) -> None:
    environ = {"IDENTITY_ENDPOINT": "http://10.1.2.3:8081/msi/token", "IDENTITY_HEADER": "secret-header-value"}
    cred = mode.module.ManagedIdentityCredential(environ=environ)
    with pytest.raises(ClientAuthenticationError, match="plain http is accepted only for loopback") as caught:
        mode.wait(cred.get_token(SCOPE))
    assert "secret-header-value" not in str(caught.value)
    mode.close(cred)
