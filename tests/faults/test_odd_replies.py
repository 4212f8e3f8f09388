"""Every odd ``Retry-After`` and every odd expiry, against the token endpoint and managed identity, both modes.

Issue 13, defects 2 (Retry-After bounded, malformed values harmless, the cached token still served) and
9 (expiries validated on every path). Waits are counted on the injected clock, never timed.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from azure.core.exceptions import ClientAuthenticationError

import azauth._io.persistence
from azauth import TokenCachePersistenceOptions
from azauth._io.retry import REQUEST_DEADLINE
from azauth._protocol.token_reply import MAX_TOKEN_LIFETIME
from tests.faults.fault_families import CANARY, assert_clean
from tests.faults.fault_server import Fault, FaultServer, token_body
from tests.persistence.persistence_helpers import no_encryption
from tests.support import SCOPE, FakeClock, Mode

ODD_RETRY_AFTER = [
    "3600",
    "soon",
    "inf",
    "-inf",
    "nan",
    "-5",
    "1e999",
    "99999999999999999999999",
    "Thu, 01 Jan 9999 00:00:00 GMT",
    "Mon, 99 Foo 2024 99:99:99 GMT",
    "",
    " ",
    "1.5",
]


def secret_credential(mode: Mode, server: FaultServer, **kwargs: Any) -> Any:
    return mode.module.ClientSecretCredential(
        "tenant", "client", CANARY, authority=server.authority, connection_verify=server.ca_path, **kwargs
    )


def imds_credential(mode: Mode, server: FaultServer, **kwargs: Any) -> Any:
    return mode.module.ManagedIdentityCredential(
        environ={"AZURE_POD_IDENTITY_AUTHORITY_HOST": server.url}, read_timeout=1, **kwargs
    )


@pytest.fixture(scope="module")
def tls_server() -> Any:
    with FaultServer(tls=True) as server:
        yield server


@pytest.fixture
def tls(tls_server: FaultServer) -> FaultServer:
    tls_server.requests.clear()
    tls_server._queue.clear()
    return tls_server


@pytest.mark.parametrize("value", ODD_RETRY_AFTER)
def test_token_endpoint_retry_after_is_bounded_and_never_raises_a_bare_error(
    mode: Mode, tls: FaultServer, clock: FakeClock, value: str
) -> None:
    tls.push(Fault(status=503, headers={"Retry-After": value}), times=4)
    credential = secret_credential(mode, tls, retry_total=3, retry_backoff_max=2)
    with pytest.raises(ClientAuthenticationError) as caught:
        mode.wait(credential.get_token(SCOPE))
    mode.close(credential)
    assert "HTTP 503" in str(caught.value)
    assert_clean(str(caught.value))
    assert len(tls.requests) == 4  # one attempt and three retries
    assert clock.sleeps and all(0 <= s <= 2 for s in clock.sleeps)  # never past retry_backoff_max


def test_token_endpoint_never_sleeps_past_the_request_deadline(mode: Mode, tls: FaultServer, clock: FakeClock) -> None:
    tls.push(Fault(status=503, headers={"Retry-After": "40"}), times=10)
    credential = secret_credential(mode, tls, retry_total=9, retry_backoff_max=60)
    with pytest.raises(ClientAuthenticationError):
        mode.wait(credential.get_token(SCOPE))
    mode.close(credential)
    assert sum(clock.sleeps) <= REQUEST_DEADLINE
    assert clock.sleeps == [40.0, 40.0]  # a third wait would cross the deadline: the last reply stands
    assert len(tls.requests) == 3


@pytest.mark.parametrize("value", ["soon", "inf", "1e999", "3600"])
def test_a_cached_token_is_still_served_when_a_refresh_meets_an_odd_retry_after(
    mode: Mode, tls: FaultServer, clock: FakeClock, value: str
) -> None:
    credential = secret_credential(mode, tls, retry_total=2, retry_backoff_max=1)
    first = mode.wait(credential.get_token(SCOPE))
    clock.advance(3600 - 200)  # inside the refresh window, still valid
    tls.push(Fault(status=503, headers={"Retry-After": value}), times=3)
    again = mode.wait(credential.get_token(SCOPE))
    mode.close(credential)
    assert again.token == first.token
    assert len(tls.requests) == 4  # the first token, then one attempt and two retries


@pytest.mark.parametrize("value", ODD_RETRY_AFTER)
def test_managed_identity_retry_after_is_bounded(mode: Mode, clock: FakeClock, value: str) -> None:
    with FaultServer() as server:
        server.push(Fault(status=429, headers={"Retry-After": value}), times=2)
        credential = imds_credential(mode, server, deadline=100)
        try:
            token = mode.wait(credential.get_token(SCOPE))
        except ClientAuthenticationError as exc:  # a wait that would cross the deadline fails at once
            assert "deadline" in str(exc)
            assert_clean(str(exc))
        else:
            assert token.token == "fault-server-token"
        mode.close(credential)
        assert sum(clock.sleeps) < 100
        assert len(server.requests) <= 3


# ----------------------------------------------------------------------------------------- expiries


def _reply(**fields: Any) -> Fault:
    return Fault(body=token_body(**fields), headers={"Content-Type": "application/json"})


@pytest.mark.parametrize(
    "fields",
    [
        {"expires_in": None, "expires_on": 1_000_000},  # absolute, long past
        {"expires_in": None, "expires_on": "1000000"},
        {"expires_in": -30},
        {"expires_in": 0},
        {"expires_in": "soon"},
        {"expires_in": "inf"},
        {"expires_in": "1e999"},
        {"expires_in": None},
        {"expires_in": True},
        {"expires_in": [3600]},
    ],
    ids=repr,
)
def test_token_endpoint_refuses_an_unusable_or_past_expiry(
    mode: Mode, tls: FaultServer, clock: FakeClock, fields: dict[str, Any]
) -> None:
    tls.push(_reply(**fields), times=2)
    credential = secret_credential(mode, tls)
    for _ in range(2):
        with pytest.raises(ClientAuthenticationError) as caught:
            mode.wait(credential.get_token(SCOPE))
        assert_clean(str(caught.value))
    mode.close(credential)
    assert len(tls.requests) == 2


@pytest.mark.parametrize("lifetime", [10**12, 1e300, "1e12"])
def test_absurd_lifetimes_are_cached_for_at_most_the_maximum(
    mode: Mode, tls: FaultServer, clock: FakeClock, lifetime: Any
) -> None:
    tls.push(_reply(expires_in=lifetime))
    credential = secret_credential(mode, tls)
    token = mode.wait(credential.get_token(SCOPE))
    assert clock() < token.expires_on <= clock() + MAX_TOKEN_LIFETIME
    assert mode.wait(credential.get_token(SCOPE)).token == token.token  # cached
    clock.advance(MAX_TOKEN_LIFETIME)
    mode.wait(credential.get_token(SCOPE))  # and renewed once the maximum has passed
    mode.close(credential)
    assert len(tls.requests) == 2


@pytest.mark.parametrize(
    "fields",
    [
        {"expires_in": None, "expires_on": "1000000"},
        {"expires_in": None, "expires_on": "01/01/1990 00:00:00 +00:00"},
        {"expires_in": "1e999"},
        {"expires_in": None, "expires_on": "1e999"},
    ],
    ids=repr,
)
def test_managed_identity_refuses_an_unusable_or_past_expiry(
    mode: Mode, clock: FakeClock, fields: dict[str, Any]
) -> None:
    with FaultServer() as server:
        server.default = _reply(**fields)
        credential = imds_credential(mode, server)
        with pytest.raises(ClientAuthenticationError) as caught:
            mode.wait(credential.get_token(SCOPE))
        mode.close(credential)
        assert_clean(str(caught.value))


def test_managed_identity_absurd_lifetime_is_shortened(mode: Mode, clock: FakeClock) -> None:
    with FaultServer() as server:
        server.default = _reply(expires_in=None, expires_on=str(10**15))
        credential = imds_credential(mode, server)
        token = mode.wait(credential.get_token(SCOPE))
        mode.close(credential)
        assert token.expires_on <= clock() + MAX_TOKEN_LIFETIME


@pytest.mark.parametrize("expires_on", ["1e999", 1e999, "NaN", "soon", None, -1, 10**30])
def test_a_persisted_entry_with_a_broken_expiry_is_no_token(
    mode: Mode, tls: FaultServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, expires_on: Any
) -> None:
    monkeypatch.setattr(azauth._io.persistence, "_encrypted_persistence", no_encryption)
    options = TokenCachePersistenceOptions(name="odd", allow_unencrypted_storage=True)

    def credential() -> Any:
        return secret_credential(mode, tls, cache_persistence_options=options, environ={"HOME": str(tmp_path)})

    first = credential()
    mode.wait(first.get_token(SCOPE))
    mode.close(first)
    path = tmp_path / ".IdentityService" / "odd.nocae"
    document = json.loads(path.read_text())
    for entry in document["AccessToken"].values():
        entry["expires_on"] = expires_on
    path.write_text(json.dumps(document))  # 1e999 is written as Infinity, which json (and msal) read back
    cold = credential()
    token = mode.wait(cold.get_token(SCOPE))  # no OverflowError: a new token replaces the entry
    mode.close(cold)
    assert token.expires_on <= time.time() + MAX_TOKEN_LIFETIME
    # an absurdly distant expiry is still a token (shortened); anything else is replaced by a new one
    assert len(tls.requests) == (1 if expires_on == 10**30 else 2)
