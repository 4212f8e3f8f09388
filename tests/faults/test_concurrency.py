"""Many callers at once (32 threads / 200 tasks) x failure, expiry, cancellation and close in flight.

Issue 13, defects 1 (waiters of a failed single flight share its failure: one request, not one per caller)
and 12 (a cancelled async ``get_token`` on a chain leaves no context flag behind). Requests are counted;
time is never asserted.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from azure.core.exceptions import ClientAuthenticationError

import azauth.aio
from azauth._core.base import within_credential_chain
from tests.faults.fault_families import CANARY, assert_clean
from tests.faults.fault_server import Fault, FaultServer
from tests.support import SCOPE, FakeClock, Mode


def callers(mode: Mode) -> int:
    return 200 if mode.is_async else 32


def outcomes(mode: Mode, call: Any) -> list[Any]:
    """Run ``call`` from every caller at once; each caller's token or exception."""

    def one() -> Any:
        if mode.is_async:

            async def guarded() -> Any:
                try:
                    return await call()
                except Exception as exc:
                    return exc

            return guarded()
        try:
            return call()
        except Exception as exc:
            return exc

    return mode.concurrently(one, callers(mode))


def test_waiters_of_a_failed_flight_share_its_failure_silent_imds(mode: Mode, clock: FakeClock) -> None:
    with FaultServer() as server:
        server.default = Fault(kind="silent")
        credential = mode.module.ManagedIdentityCredential(
            environ={"AZURE_POD_IDENTITY_AUTHORITY_HOST": server.url}, read_timeout=1
        )
        results = outcomes(mode, lambda: credential.get_token(SCOPE))
        mode.close(credential)
    assert all(isinstance(r, ClientAuthenticationError) for r in results)
    assert len({str(r) for r in results}) == 1  # the leader's error, shared
    assert server.connections == 1  # one request for every caller, not one each in turn


def test_waiters_of_a_failed_flight_share_its_failure_token_endpoint(mode: Mode, clock: FakeClock) -> None:
    with FaultServer(tls=True) as server:
        server.default = Fault(kind="silent")
        credential = mode.module.ClientSecretCredential(
            "tenant",
            "client",
            CANARY,
            authority=server.authority,
            connection_verify=server.ca_path,
            read_timeout=1,
            retry_total=0,
        )
        results = outcomes(mode, lambda: credential.get_token(SCOPE))
        mode.close(credential)
    assert all(isinstance(r, ClientAuthenticationError) for r in results)
    for result in results:
        assert_clean(str(result))
    assert server.connections == 1


def test_a_failure_is_not_cached_the_next_call_tries_again(mode: Mode, clock: FakeClock) -> None:
    with FaultServer() as server:
        server.push(Fault(status=400, body=b'{"error": "invalid_request"}'))
        credential = mode.module.ManagedIdentityCredential(environ={"AZURE_POD_IDENTITY_AUTHORITY_HOST": server.url})
        results = outcomes(mode, lambda: credential.get_token(SCOPE))
        assert all(isinstance(r, ClientAuthenticationError) for r in results)
        assert mode.wait(credential.get_token(SCOPE)).token == "fault-server-token"
        mode.close(credential)
        assert len(server.requests) == 2


def test_expiry_under_load_makes_one_request(mode: Mode, clock: FakeClock) -> None:
    with FaultServer() as server:
        credential = mode.module.ManagedIdentityCredential(environ={"AZURE_POD_IDENTITY_AUTHORITY_HOST": server.url})
        mode.wait(credential.get_token(SCOPE))
        clock.advance(3600 + 1)  # expired: every caller misses the cache at once
        results = outcomes(mode, lambda: credential.get_token(SCOPE))
        mode.close(credential)
        assert all(getattr(r, "token", None) == "fault-server-token" for r in results)
        assert len(server.requests) == 2


def test_close_in_flight_ends_every_caller(mode: Mode, clock: FakeClock) -> None:
    with FaultServer() as server:
        server.default = Fault(kind="silent")
        credential = mode.module.ManagedIdentityCredential(
            environ={"AZURE_POD_IDENTITY_AUTHORITY_HOST": server.url}, read_timeout=1
        )
        if mode.is_async:

            async def scenario() -> list[Any]:
                tasks = [asyncio.ensure_future(credential.get_token(SCOPE)) for _ in range(callers(mode))]
                while server.connections == 0:
                    await asyncio.sleep(0.01)
                await credential.close()
                return list(await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 60))

            results = mode.wait(scenario())
        else:
            results = []
            lock = threading.Lock()

            def call() -> None:
                try:
                    outcome: Any = credential.get_token(SCOPE)
                except Exception as exc:
                    outcome = exc
                with lock:
                    results.append(outcome)

            threads = [threading.Thread(target=call, daemon=True) for _ in range(callers(mode))]
            for thread in threads:
                thread.start()
            while server.connections == 0:
                threading.Event().wait(0.01)
            credential.close()
            for thread in threads:
                thread.join(60)
            assert not any(thread.is_alive() for thread in threads), "a caller hung after close"
        assert len(results) == callers(mode)
        assert all(isinstance(r, Exception) and not isinstance(r, asyncio.CancelledError) for r in results)
        assert server.connections <= 2


def test_a_cancelled_leader_hands_the_flight_to_a_waiter(clock: FakeClock) -> None:
    """Async only (cancellation): the waiters neither hang nor see the leader's CancelledError."""

    async def scenario() -> tuple[list[Any], int]:
        with FaultServer() as server:
            server.push(Fault(kind="silent"))  # the leader's request never answers; later ones do
            credential = azauth.aio.ManagedIdentityCredential(
                environ={"AZURE_POD_IDENTITY_AUTHORITY_HOST": server.url}, read_timeout=5
            )
            leader = asyncio.ensure_future(credential.get_token(SCOPE))
            while server.connections == 0:
                await asyncio.sleep(0.01)
            waiters = [asyncio.ensure_future(credential.get_token(SCOPE)) for _ in range(199)]
            await asyncio.sleep(0.05)
            leader.cancel()
            results = await asyncio.wait_for(asyncio.gather(*waiters, return_exceptions=True), 60)
            await credential.close()
            with pytest.raises(asyncio.CancelledError):
                await leader
            return list(results), len(server.requests)

    results, requests = asyncio.run(scenario())
    assert all(getattr(r, "token", None) == "fault-server-token" for r in results)
    assert requests == 2  # the cancelled one, then one for all 199 waiters


def test_a_cancelled_chain_leaves_no_context_flag_in_the_callers_task(clock: FakeClock) -> None:
    """Defect 12: the chain's flow is closed when the task is cancelled, in the task's own context."""

    async def scenario() -> tuple[bool, bool]:
        with FaultServer() as server:
            server.default = Fault(kind="silent")
            member = azauth.aio.ManagedIdentityCredential(
                environ={"AZURE_POD_IDENTITY_AUTHORITY_HOST": server.url}, read_timeout=5
            )
            chain = azauth.aio.ChainedTokenCredential(member)

            async def caller() -> tuple[bool, bool]:
                try:
                    await chain.get_token(SCOPE)
                except asyncio.CancelledError:
                    return True, within_credential_chain.get()
                return False, within_credential_chain.get()

            task = asyncio.ensure_future(caller())
            while server.connections == 0:
                await asyncio.sleep(0.01)
            task.cancel()
            outcome = await asyncio.wait_for(task, 30)
            await chain.close()
            return outcome

    cancelled, flag = asyncio.run(scenario())
    assert cancelled
    assert flag is False
