"""Every credential family, both modes, against every transport fault: a public error type, bounded work
(counted: connections, requests, bytes), and no secret or body in the message.

Issue 13, defects 3 (deadline covers the body), 6 (bounded body), 10 (a body cut short is a transport
failure). Time is never asserted: a generous outer timeout only turns a hang into a failure.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import pytest
from azure.core.exceptions import ClientAuthenticationError

import azauth._io.bounded_read
from tests.faults import fault_families
from tests.faults.fault_families import CANARY, FAMILIES, Family, assert_clean
from tests.faults.fault_server import Fault, FaultServer
from tests.support import SCOPE, Mode

SAFETY_TIMEOUT = 90.0
"""Only to turn a hang into a failure; never a timing assertion."""


def bounded_call(mode: Mode, call: Callable[[], Any]) -> BaseException | None:
    """Run ``call`` (awaited in async mode) under the safety timeout; the exception it raised, or None."""
    if mode.is_async:

        async def guarded() -> Any:
            return await asyncio.wait_for(call(), SAFETY_TIMEOUT)

        try:
            mode.wait(guarded())
        except asyncio.TimeoutError:
            pytest.fail("the call did not return: a hang")
        except Exception as exc:
            return exc
        return None
    outcome: list[BaseException | None] = []

    def target() -> None:
        try:
            call()
            outcome.append(None)
        except Exception as exc:
            outcome.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(SAFETY_TIMEOUT)
    if thread.is_alive():
        pytest.fail("the call did not return: a hang")
    return outcome[0]


FAULTS = {
    "silent": Fault(kind="silent"),
    "trickle": Fault(kind="trickle", interval=0.25),
    "endless": Fault(kind="endless"),
    "huge": Fault(kind="huge"),
    "truncated": Fault(kind="truncated"),
    "reset": Fault(kind="reset"),
    "close": Fault(kind="close"),
    "redirect": Fault(status=302, headers={"Location": "http://127.0.0.1:9/elsewhere"}),
}


SLOW_FAULTS = {"silent", "trickle"}
"""Faults that cost a read timeout or a deadline in real time: they run against every family with small ones
(0.5 s per read, 0.75 s managed-identity deadline and token-endpoint body bound; the trickle's 0.25 s interval
stays within each read timeout, so only the deadline or body bound can end it)."""

CASES = [pytest.param(family, fault, id=f"{family.name}-{fault}") for family in FAMILIES for fault in sorted(FAULTS)]


@pytest.mark.parametrize(("family", "fault"), CASES, indirect=["family"])
def test_fault_ends_in_a_clean_authentication_error(
    mode: Mode,
    family: Family,
    server: FaultServer,
    build: Callable[[], Any],
    fault: str,
    monkeypatch: pytest.MonkeyPatch,
    clock: Any,
) -> None:
    monkeypatch.setattr(azauth._io.bounded_read, "DEFAULT_BODY_SECONDS", 1.5)  # token endpoints' body bound
    if fault in SLOW_FAULTS:
        monkeypatch.setattr(azauth._io.bounded_read, "DEFAULT_BODY_SECONDS", 0.75)
        monkeypatch.setitem(fault_families.TIMEOUTS, "read_timeout", 0.5)
        monkeypatch.setitem(fault_families.TIMEOUTS, "deadline", 0.75)
    server.default = FAULTS[fault]
    credential = build()  # token endpoints get read_timeout=1 (azure-core's default is 300 s)
    error = bounded_call(mode, lambda: credential.get_token(SCOPE))
    assert isinstance(error, ClientAuthenticationError), repr(error)
    assert_clean(str(error))
    # bounded work, counted: a few connections at most, never the endless body
    assert 1 <= server.connections <= 8
    assert server.bytes_sent < 64 << 20
    if fault == "redirect":  # never followed: the secret header or form is not sent elsewhere
        assert server.connections == len(server.requests) <= 4


def test_managed_identity_deadline_covers_a_trickled_body(mode: Mode) -> None:
    """Defect 3: a reply trickled one byte at a time within each read timeout stops at the deadline."""
    with FaultServer() as server:
        server.default = Fault(kind="trickle", interval=0.2)
        credential = mode.module.ManagedIdentityCredential(
            environ={"AZURE_POD_IDENTITY_AUTHORITY_HOST": server.url}, deadline=1.5, read_timeout=1
        )
        error = bounded_call(mode, lambda: credential.get_token(SCOPE))
        mode.close(credential)
        assert isinstance(error, ClientAuthenticationError)
        assert "did not complete its reply within the 1.5 s deadline" in str(error)
        assert server.connections == 1  # a trickle is not retried
        assert server.bytes_sent < 200  # of a 100,000-byte body


def test_deadline_covers_trickled_status_line_and_headers(mode: Mode) -> None:
    """The per-attempt deadline covers the head too, in both drivers: a server that trickles its status line
    and headers one byte per 0.2 s (within every 1 s read timeout) cannot hold an attempt past it."""
    with FaultServer() as server:
        server.default = Fault(kind="trickle_head", interval=0.2)
        credential = mode.module.ManagedIdentityCredential(
            environ={"AZURE_POD_IDENTITY_AUTHORITY_HOST": server.url}, deadline=1.5, read_timeout=1
        )
        error = bounded_call(mode, lambda: credential.get_token(SCOPE))
        mode.close(credential)
        assert isinstance(error, ClientAuthenticationError), repr(error)
        assert "did not complete its reply within the 1.5 s deadline" in str(error)
        assert server.connections == 1  # a timed-out attempt is not retried
        assert server.bytes_sent < 200  # of a ~6,000-byte head: stopped at the deadline, not the head's end


def test_chain_probe_covers_a_trickled_body(mode: Mode) -> None:
    """Defect 3, the chain's 1 s probe: a trickle makes managed identity unavailable, the chain moves on."""
    with FaultServer() as server:
        server.default = Fault(kind="trickle", interval=0.2)
        probe = mode.module.ManagedIdentityCredential(
            environ={"AZURE_POD_IDENTITY_AUTHORITY_HOST": server.url}, imds_probe=True
        )
        chain = mode.module.ChainedTokenCredential(probe)
        error = bounded_call(mode, lambda: chain.get_token(SCOPE))
        mode.close(chain)
        assert isinstance(error, ClientAuthenticationError)
        assert "ManagedIdentityCredential" in str(error)
        assert server.connections == 1 and server.bytes_sent < 100


def test_endless_body_stops_at_the_limit(mode: Mode) -> None:
    """Defect 6: a streaming reply is read up to the limit, then refused."""
    with FaultServer() as server:
        server.default = Fault(kind="endless")
        credential = mode.module.ManagedIdentityCredential(environ={"AZURE_POD_IDENTITY_AUTHORITY_HOST": server.url})
        error = bounded_call(mode, lambda: credential.get_token(SCOPE))
        mode.close(credential)
        assert isinstance(error, ClientAuthenticationError)
        assert f"larger than {azauth._io.bounded_read.MAX_REPLY_BYTES} bytes" in str(error)
        assert server.connections == 1  # not retried: it would stream again


def test_announced_huge_body_is_refused_before_reading(mode: Mode) -> None:
    with FaultServer(tls=True) as server:
        server.default = Fault(kind="huge")
        credential = mode.module.ClientSecretCredential(
            "tenant", "client", CANARY, authority=server.authority, connection_verify=server.ca_path
        )
        error = bounded_call(mode, lambda: credential.get_token(SCOPE))
        mode.close(credential)
        assert isinstance(error, ClientAuthenticationError)
        assert "1073741824 announced" in str(error)
        assert_clean(str(error))


def test_truncated_body_is_a_transport_failure_that_managed_identity_retries(mode: Mode, clock: Any) -> None:
    """Defect 10: a connection dropped mid-body is not azure-core's bare IncompleteReadError."""
    with FaultServer() as server:
        server.push(Fault(kind="truncated"))  # then the default: a good token
        credential = mode.module.ManagedIdentityCredential(environ={"AZURE_POD_IDENTITY_AUTHORITY_HOST": server.url})
        token = mode.wait(credential.get_token(SCOPE))
        mode.close(credential)
        assert token.token == "fault-server-token"
        assert len(server.requests) == 2 and len(clock.sleeps) == 1


def test_truncated_body_names_the_credential(mode: Mode) -> None:
    with FaultServer(tls=True) as server:
        server.default = Fault(kind="truncated")
        credential = mode.module.ClientSecretCredential(
            "tenant", "client", CANARY, authority=server.authority, connection_verify=server.ca_path, retry_total=0
        )
        error = bounded_call(mode, lambda: credential.get_token(SCOPE))
        mode.close(credential)
        assert type(error) is ClientAuthenticationError
        assert "ClientSecretCredential could not reach Microsoft Entra ID" in str(error)
        assert "ended before the whole reply arrived" in str(error)


@pytest.mark.parametrize("family", [f for f in FAMILIES if f.tls], indirect=True, ids=repr)
def test_wrong_name_tls_is_refused_before_anything_is_sent(
    mode: Mode, family: Family, tmp_path: Any, clock: Any
) -> None:
    with FaultServer(tls=True, wrong_name=True) as server:
        credential = family.build(mode, server, tmp_path)
        error = bounded_call(mode, lambda: credential.get_token(SCOPE))
        mode.close(credential)
        assert isinstance(error, ClientAuthenticationError)
        assert_clean(str(error))
        assert server.requests == []  # the handshake failed: no request (no secret) reached the server
