"""The async driver, sender and credential mixin."""

from __future__ import annotations

import asyncio
import inspect
import os
import time
from collections.abc import Callable, Iterable, Mapping
from types import TracebackType
from typing import Any, TypeVar

from azure.core.credentials import AccessToken, AccessTokenInfo, TokenRequestOptions

from .._core.base import CredentialCore
from .._core.persistence import PersistenceSettings
from .._core.token_cache import CacheEntry, Flight, FlightKey
from .._protocol.certificates import AssertionAlgorithm
from .._protocol.steps import (
    Blocking,
    Delegate,
    Flow,
    ListenForRedirect,
    OpenBrowser,
    ProcessOutputTooLarge,
    ProcessResult,
    Prompt,
    RunProcess,
    Send,
    Sleep,
    Step,
)
from .._protocol.token_proxy import TokenProxySettings
from ..authentication_record import AuthenticationRecord
from . import bounded_read
from .interactive import open_browser, print_prompt, start_listener
from .persistence import FileTokenStore, open_token_store
from .pipeline import build_policies, split_transport_options
from .processes import group_options, kill_group, timeout_message
from .tls_pin import check_pinned_certificate
from .token_proxy import AsyncTokenProxyTransport, proxy_transport_options

__all__ = ["AsyncCredential", "AsyncSender", "AsyncUserCredential", "arun"]

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
            return await bounded_read.asend(self._get_pipeline(), step, self._options)
        if isinstance(step, Delegate):
            return await adelegate(step)
        if isinstance(step, Blocking):
            return await asyncio.to_thread(step.func, *step.args)
        if isinstance(step, Sleep):
            await _asleep(step.seconds)
            return None
        if isinstance(step, RunProcess):
            return await arun_process(step)
        if isinstance(step, ListenForRedirect):
            return await asyncio.to_thread(start_listener, step)
        if isinstance(step, OpenBrowser):
            return await asyncio.to_thread(open_browser, step)
        if isinstance(step, Prompt):
            result = print_prompt(step)  # a plain function or a coroutine function
            if inspect.isawaitable(result):
                await result
            return None
        raise TypeError(f"unknown step {step!r}")

    async def open(self) -> None:
        """Enter the pipeline and so the transport (a ``transport=`` given by the user included)."""
        await self._get_pipeline().__aenter__()

    async def close(self) -> None:
        """Exit the pipeline and so close the transport; a user's transport is closed even if never used."""
        if self._pipeline is None and self._options.get("transport") is not None:
            self._get_pipeline()
        pipeline, self._pipeline = self._pipeline, None
        if pipeline is not None:
            await pipeline.__aexit__(None, None, None)

    def __getstate__(self) -> dict[str, Any]:
        return {"_options": self._options}  # the pipeline (bound to a loop) is rebuilt on the other side

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["_options"])  # type: ignore[misc]


async def adelegate(step: Delegate) -> Any:
    credential = step.credential
    if step.method == "get_token":
        return await credential.get_token(*step.scopes, **step.options)
    if step.method == "get_token_info" or hasattr(credential, "get_token_info"):
        return await credential.get_token_info(*step.scopes, options=step.options)
    token = await credential.get_token(*step.scopes, **step.options)
    return AccessTokenInfo(token.token, token.expires_on)


async def arun_process(step: RunProcess) -> ProcessResult:
    """Run ``step``'s program under asyncio in a process group of its own, reading at most ``max_output`` bytes
    of each stream; on timeout, excess output or cancellation the whole group is killed and the child reaped."""
    process = await asyncio.create_subprocess_exec(
        *step.argv,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=dict(step.env) if step.env is not None else None,
        cwd=step.cwd,
        **group_options(),
    )
    assert process.stdout is not None and process.stderr is not None
    program = step.argv[0]
    readers = [
        asyncio.ensure_future(_read_bounded(stream, step.max_output, program))
        for stream in (process.stdout, process.stderr)
    ]

    async def communicate() -> tuple[bytes, bytes, int]:
        stdout, stderr = await asyncio.gather(*readers)
        return stdout, stderr, await process.wait()

    try:
        stdout, stderr, returncode = await asyncio.wait_for(communicate(), step.timeout)
    except BaseException as exc:
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        await asyncio.shield(_stop(process))
        if isinstance(exc, asyncio.TimeoutError):
            raise TimeoutError(timeout_message(program, step.timeout)) from None
        raise
    return ProcessResult(returncode, stdout.decode("utf-8", errors="replace"), stderr.decode("utf-8", errors="replace"))


async def _read_bounded(stream: asyncio.StreamReader, limit: int, program: str) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = await stream.read(65536)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            raise ProcessOutputTooLarge(f"{program} wrote more than {limit} bytes")
        chunks.append(chunk)


async def _stop(process: asyncio.subprocess.Process) -> None:
    """Kill the process group, drain the pipes to their end (asyncio wakes ``wait()`` only once they are
    closed) and reap the child. A process that left the group and keeps a pipe open gets 5 seconds, then the
    pipes are closed under it."""
    kill_group(process.pid)
    streams = [s for s in (process.stdout, process.stderr) if s is not None]
    try:
        await asyncio.wait_for(asyncio.gather(*(_drain(s) for s in streams), process.wait()), 5)
    except asyncio.TimeoutError:
        transport = getattr(process, "_transport", None)
        if transport is not None:
            transport.close()
        await process.wait()


async def _drain(stream: asyncio.StreamReader) -> None:
    while await stream.read(65536):
        pass


class AsyncCredential(CredentialCore):
    """Async ``get_token`` / ``get_token_info`` over a core: cache hit path, per-key single flight, close."""

    _credentials_module = "azauth.aio._credentials"

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

    def _token_proxy_transport(
        self, settings: TokenProxySettings, options: Mapping[str, Any]
    ) -> AsyncTokenProxyTransport:
        return AsyncTokenProxyTransport(settings, **proxy_transport_options(options))

    def _mode_assertion_algorithm(self) -> AssertionAlgorithm:
        return "PS256"  # azure-identity's async client: PS256 with x5t#S256 (sync goes through msal: RS256)

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
        return (await self._obtain(scopes, claims, tenant_id, enable_cae, "get_token", kwargs)).token

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
        return (await self._obtain(scopes, claims, tenant_id, enable_cae, "get_token_info", options)).info

    async def _obtain(
        self,
        scopes: tuple[str, ...],
        claims: str | None,
        tenant_id: str | None,
        enable_cae: bool,
        method: str,
        extra: Mapping[str, Any] | None = None,
    ) -> CacheEntry:
        key = self._cache_key(scopes, tenant_id, enable_cae)
        if key is None:
            return await arun(
                self._request_flow(scopes, claims, tenant_id, enable_cae, None, method, extra), self._sender
            )
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
                entry = await arun(
                    self._request_flow(scopes, claims, tenant_id, enable_cae, key, method, extra), self._sender
                )
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
            if isinstance(member, AsyncCredential):
                await member._sender.open()
            elif hasattr(member, "__aenter__"):
                await member.__aenter__()
        await self._sender.open()  # type: ignore[attr-defined]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        await self.close()


class AsyncUserCredential(AsyncCredential):
    """AsyncCredential plus ``authenticate()``, for the credentials a user signs in with."""

    _authenticate_flow: Callable[..., Flow[AuthenticationRecord]]

    async def authenticate(
        self,
        *,
        scopes: Iterable[str] | None = None,
        claims: str | None = None,
        tenant_id: str | None = None,
        enable_cae: bool = False,
        **kwargs: Any,
    ) -> AuthenticationRecord:
        """Interactively authenticate a user. This method will always generate a challenge to the user.

        :keyword Iterable[str] scopes: scopes to request during authentication, such as those provided by
          :func:`AuthenticationRequiredError.scopes`. If provided, successful authentication will cache an access token
          for these scopes.
        :keyword str claims: additional claims required in the token, such as those provided by
          :func:`AuthenticationRequiredError.claims`
        :keyword str tenant_id: optional tenant to include in the token request.
        :keyword bool enable_cae: indicates whether to enable Continuous Access Evaluation (CAE) for the requested
            token. Access tokens retrieved with CAE enabled will be cached separately from other tokens.
            Defaults to False.
        :return: An AuthenticationRecord containing the authenticated user's information.
        :rtype: ~azauth.AuthenticationRecord
        :raises ~azure.core.exceptions.ClientAuthenticationError: authentication failed. The error's ``message``
          attribute gives a reason.
        """
        flow = self._authenticate_flow(scopes, claims, tenant_id, enable_cae)
        return await arun(flow, self._sender)
