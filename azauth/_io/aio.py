"""The async driver, sender and credential mixin."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Mapping
from typing import Any, TypeVar

from azure.core.credentials import AccessToken, AccessTokenInfo, TokenRequestOptions

from .._core.base import CredentialCore
from .._core.persistence import PersistenceSettings
from .._core.token_cache import CacheEntry, Flight, FlightKey
from .._protocol.steps import Blocking, Delegate, Flow, ProcessResult, RunProcess, Send, Sleep, Step
from . import bounded_read
from .persistence import FileTokenStore, open_token_store
from .pipeline import build_policies, split_transport_options
from .tls_pin import check_pinned_certificate

__all__ = ["AsyncCredential", "AsyncSender", "arun"]

T = TypeVar("T")
_time = time.time
_asleep = asyncio.sleep  # module-level so tests can inject a clock and a sleep


async def arun(flow: Flow[T], sender: AsyncSender) -> T:
    """Drive ``flow`` to its result, awaiting each step with ``sender``; the flow is closed on every exit,
    cancellation included, so its ``finally`` blocks (a chain's context flag) run in the caller's task."""
    outcome: Any = None
    try:
        while True:
            try:
                step = flow.throw(outcome) if isinstance(outcome, BaseException) else flow.send(outcome)
            except StopIteration as done:
                return done.value  # type: ignore[no-any-return]
            try:
                outcome = await sender.aperform(step)
            except Exception as exc:  # the flow decides what a failure means
                outcome = exc
    finally:
        flow.close()


class AsyncSender:
    """Performs steps on the running event loop; the azure-core pipeline is built on first use."""

    def __init__(self, options: Mapping[str, Any]) -> None:
        self._options = dict(options)
        self._pipeline: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _get_pipeline(self) -> Any:
        loop = asyncio.get_running_loop()
        if self._pipeline is not None and loop is not self._loop and "transport" not in self._options:
            # The session belongs to another (typically closed) loop, as after a second asyncio.run():
            # azure-identity fails with "Event loop is closed" here; a fresh session works. The old one
            # cannot be closed without its loop: aiohttp reports it when it is collected.
            self._pipeline = None
        if self._pipeline is None:
            from azure.core.pipeline import AsyncPipeline

            self._loop = loop
            transport_options, policy_options = split_transport_options(self._options)
            transport = self._options.get("transport")
            if transport is None:
                from azure.core.pipeline.transport import AioHttpTransport

                transport = AioHttpTransport(**transport_options)
            self._pipeline = AsyncPipeline(
                transport,
                policies=build_policies(
                    policy_options, asynchronous=True, clock=lambda: _time(), sleep=lambda s: _asleep(s)
                ),
            )
        return self._pipeline

    async def aperform(self, step: Step) -> Any:
        if isinstance(step, Send):
            if step.pinned_sha1:
                await asyncio.to_thread(
                    check_pinned_certificate, step.request.url, step.pinned_sha1, step.connect_timeout
                )
            return await bounded_read.asend(self._get_pipeline(), step)
        if isinstance(step, Delegate):
            return await adelegate(step)
        if isinstance(step, Blocking):
            return await asyncio.to_thread(step.func, *step.args)
        if isinstance(step, Sleep):
            await _asleep(step.seconds)
            return None
        if isinstance(step, RunProcess):
            return await arun_process(step)
        raise TypeError(f"unknown step {step!r}")

    async def open(self) -> None:
        await self._get_pipeline().__aenter__()

    async def close(self) -> None:
        pipeline, self._pipeline = self._pipeline, None
        if pipeline is not None:
            await pipeline.__aexit__(None, None, None)


async def adelegate(step: Delegate) -> AccessTokenInfo:
    credential = step.credential
    if hasattr(credential, "get_token_info"):
        return await credential.get_token_info(*step.scopes, options=step.options)  # type: ignore[no-any-return]
    token = await credential.get_token(*step.scopes, **step.options)
    return AccessTokenInfo(token.token, token.expires_on)


async def arun_process(step: RunProcess) -> ProcessResult:
    process = await asyncio.create_subprocess_exec(
        *step.argv,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=dict(step.env) if step.env is not None else None,
        cwd=step.cwd,
    )
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), step.timeout)
    except asyncio.TimeoutError:
        process.kill()
        await process.wait()
        raise TimeoutError(f"{step.argv[0]} did not finish within {step.timeout} seconds") from None
    return ProcessResult(process.returncode or 0, stdout.decode(errors="replace"), stderr.decode(errors="replace"))


class AsyncCredential(CredentialCore):
    """Async ``get_token`` / ``get_token_info`` over a core: cache hit path, per-key single flight, close."""

    _flights: dict[FlightKey, Flight]
    _flights_loop: asyncio.AbstractEventLoop | None = None

    def _clock(self) -> float:
        return _time()

    def _default_environ(self) -> Mapping[str, str]:
        return os.environ

    def _new_sender(self, options: Mapping[str, Any]) -> AsyncSender:
        self._flights = {}
        return AsyncSender(options)

    def _open_token_store(self, settings: PersistenceSettings, cae: bool) -> FileTokenStore:
        return open_token_store(settings, cae)

    async def get_token(
        self,
        *scopes: str,
        claims: str | None = None,
        tenant_id: str | None = None,
        enable_cae: bool = False,
        **kwargs: Any,
    ) -> AccessToken:
        """Asynchronously request an access token for `scopes`.

        This method is called automatically by Azure SDK clients.

        :param str scopes: desired scopes for the access token. This method requires at least one scope.
        :keyword str claims: additional claims required in the token, such as those returned in a resource
            provider's claims challenge following an authorization failure.
        :keyword str tenant_id: optional tenant to include in the token request.
        :keyword bool enable_cae: indicates whether to enable Continuous Access Evaluation (CAE) for the
            requested token. Defaults to False.
        :return: An access token with the desired scopes.
        :rtype: ~azure.core.credentials.AccessToken
        :raises CredentialUnavailableError: the credential is unable to attempt authentication
        :raises ~azure.core.exceptions.ClientAuthenticationError: authentication failed.
        """
        if not claims:
            entry = self._tokens.get((scopes, tenant_id, enable_cae))
            if entry is not None and _time() < entry.refresh_at:
                return entry.token
        return (await self._obtain(scopes, claims, tenant_id, enable_cae, "get_token")).token

    async def get_token_info(self, *scopes: str, options: TokenRequestOptions | None = None) -> AccessTokenInfo:
        """Asynchronously request an access token for `scopes`, with additional properties.

        :param str scopes: desired scopes for the access token. This method requires at least one scope.
        :keyword options: A dictionary of options for the token request (``claims``, ``tenant_id``,
            ``enable_cae``). Unknown options will be ignored.
        :rtype: ~azure.core.credentials.AccessTokenInfo
        """
        if options:
            claims, tenant_id = options.get("claims"), options.get("tenant_id")
            enable_cae = options.get("enable_cae", False)
        else:
            claims = tenant_id = None
            enable_cae = False
        if not claims:
            entry = self._tokens.get((scopes, tenant_id, enable_cae))
            if entry is not None and _time() < entry.refresh_at:
                return entry.info
        return (await self._obtain(scopes, claims, tenant_id, enable_cae, "get_token_info")).info

    async def _obtain(
        self,
        scopes: tuple[str, ...],
        claims: str | None,
        tenant_id: str | None,
        enable_cae: bool,
        method: str,
    ) -> CacheEntry:
        key = self._cache_key(scopes, tenant_id, enable_cae)
        if key is None:
            return await arun(self._acquire_flow(scopes, claims, tenant_id, enable_cae, None, method), self._sender)
        loop = asyncio.get_running_loop()
        if loop is not self._flights_loop:  # an asyncio.Event may be bound to the loop it was used in
            self._flights, self._flights_loop = {}, loop
        flight_key: FlightKey = (key, claims or None)
        while True:
            flight = self._flights.get(flight_key)
            if flight is None:
                flight = self._flights[flight_key] = Flight(asyncio.Event())
                break  # this task leads the flight
            entry = self._cached(key, claims, until_expiry=True)
            if entry is not None:  # a refresh is under way: a still-valid token is served meanwhile
                return entry
            await flight.done.wait()  # a waiter's cancellation cancels its wait only
            entry = flight.outcome()  # the leader's token, or its failure raised here too
            if entry is not None:
                return entry
        try:
            entry = self._cached(key, claims)
            if entry is None:
                entry = await arun(self._acquire_flow(scopes, claims, tenant_id, enable_cae, key, method), self._sender)
            flight.entry = entry
            return entry
        except Exception as exc:
            flight.error = exc
            raise
        finally:
            if self._flights.get(flight_key) is flight:
                del self._flights[flight_key]
            flight.done.set()

    async def close(self) -> None:
        """Close the credential's transport session (and, for a chain, every credential in it)."""
        errors: list[Exception] = []
        for member in self._members():  # each once, however often it is shared
            try:
                await (member._sender.close() if isinstance(member, AsyncCredential) else member.close())
            except Exception as exc:  # close the others anyway
                errors.append(exc)
        await self._sender.close()
        if errors:
            raise errors[0]

    async def __aenter__(self: T) -> T:
        for member in self._members():  # type: ignore[attr-defined]
            if not isinstance(member, AsyncCredential) and hasattr(member, "__aenter__"):
                await member.__aenter__()
        return self

    async def __aexit__(self, *args: Any) -> None:
        await self.close()
