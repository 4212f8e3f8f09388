"""The sync driver, sender and credential mixin."""

from __future__ import annotations

import inspect
import os
import queue
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from types import TracebackType
from typing import IO, Any, TypeVar

from azure.core.credentials import AccessToken, AccessTokenInfo, TokenRequestOptions

from .._core.base import CredentialCore
from .._core.persistence import PersistenceSettings
from .._core.token_cache import CacheEntry, Flight, FlightKey
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
from .token_proxy import TokenProxyTransport, proxy_transport_options

__all__ = ["SyncCredential", "SyncSender", "SyncUserCredential", "run"]

T = TypeVar("T")
_time = time.time
_sleep = time.sleep  # module-level so tests can inject a clock and a sleep


def run(flow: Flow[T], sender: SyncSender) -> T:
    """Drive ``flow`` to its result, performing each step with ``sender``; the flow is closed on every exit,
    so its ``finally`` blocks (a chain's context flag) run in the caller's context."""
    outcome: Any = None
    try:
        while True:
            try:
                step = flow.throw(outcome) if isinstance(outcome, BaseException) else flow.send(outcome)
            except StopIteration as done:
                return done.value  # type: ignore[no-any-return]
            try:
                outcome = sender.perform(step)
            except Exception as exc:  # the flow decides what a failure means
                outcome = exc
    finally:
        flow.close()


class SyncSender:
    """Performs steps synchronously; the azure-core pipeline is built on first use."""

    def __init__(self, options: Mapping[str, Any]) -> None:
        self._options = dict(options)
        self._pipeline: Any = None
        self._lock = threading.Lock()

    def _get_pipeline(self) -> Any:
        if self._pipeline is None:
            with self._lock:
                if self._pipeline is None:
                    from azure.core.pipeline import Pipeline

                    transport_options, policy_options = split_transport_options(self._options)
                    transport = self._options.get("transport")
                    if transport is None:
                        from azure.core.pipeline.transport import RequestsTransport

                        transport = RequestsTransport(**transport_options)
                    self._pipeline = Pipeline(
                        transport,
                        policies=build_policies(
                            policy_options, asynchronous=False, clock=lambda: _time(), sleep=lambda s: _sleep(s)
                        ),
                    )
        return self._pipeline

    def perform(self, step: Step) -> Any:
        if isinstance(step, Send):
            if step.pinned_sha1:
                check_pinned_certificate(step.request.url, step.pinned_sha1, step.connect_timeout)
            return bounded_read.send(self._get_pipeline(), step, self._options)
        if isinstance(step, Delegate):
            return delegate(step)
        if isinstance(step, Blocking):
            return step.func(*step.args)
        if isinstance(step, Sleep):
            _sleep(step.seconds)
            return None
        if isinstance(step, RunProcess):
            return run_process(step)
        if isinstance(step, ListenForRedirect):
            return start_listener(step)
        if isinstance(step, OpenBrowser):
            return open_browser(step)
        if isinstance(step, Prompt):
            if inspect.isawaitable(result := print_prompt(step)):
                close = getattr(result, "close", None)
                if close is not None:
                    close()
                raise TypeError("prompt_callback of a sync credential returned an awaitable; pass a plain function")
            return None
        raise TypeError(f"unknown step {step!r}")

    def open(self) -> None:
        """Enter the pipeline and so the transport (a ``transport=`` given by the user included)."""
        self._get_pipeline().__enter__()

    def close(self) -> None:
        """Exit the pipeline and so close the transport; a user's transport is closed even if never used."""
        if self._pipeline is None and self._options.get("transport") is not None:
            self._get_pipeline()
        with self._lock:
            pipeline, self._pipeline = self._pipeline, None
        if pipeline is not None:
            pipeline.__exit__(None, None, None)

    def __getstate__(self) -> dict[str, Any]:
        return {"_options": self._options}  # the pipeline and the lock are rebuilt on the other side

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["_options"])  # type: ignore[misc]


def delegate(step: Delegate) -> Any:
    credential = step.credential
    if step.method == "get_token":
        return credential.get_token(*step.scopes, **step.options)
    if step.method == "get_token_info" or hasattr(credential, "get_token_info"):
        return credential.get_token_info(*step.scopes, options=step.options)
    token = credential.get_token(*step.scopes, **step.options)
    return AccessTokenInfo(token.token, token.expires_on)


def run_process(step: RunProcess) -> ProcessResult:
    """Run ``step``'s program in a process group of its own, reading at most ``max_output`` bytes of each
    stream; on timeout, excess output or any interruption the whole group is killed and the child reaped."""
    process = subprocess.Popen(
        list(step.argv),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=dict(step.env) if step.env is not None else None,
        cwd=step.cwd,
        **group_options(),
    )
    deadline = time.monotonic() + step.timeout
    finished: queue.Queue[bool] = queue.Queue()
    assert process.stdout is not None and process.stderr is not None
    readers = [_BoundedReader(pipe, step.max_output, finished) for pipe in (process.stdout, process.stderr)]
    try:
        for reader in readers:
            reader.start()
        for _ in readers:
            try:
                within_limit = finished.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise TimeoutError(timeout_message(step.argv[0], step.timeout)) from None
            if not within_limit:
                raise ProcessOutputTooLarge(f"{step.argv[0]} wrote more than {step.max_output} bytes")
        try:
            returncode = process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            raise TimeoutError(timeout_message(step.argv[0], step.timeout)) from None
    except BaseException:
        kill_group(process.pid)
        process.wait()
        for reader in readers:
            reader.join(1.0)
        raise
    finally:
        for reader in readers:
            if not reader.is_alive():  # a reader still blocked (a grandchild that left the group) keeps its pipe
                reader.close()
    return ProcessResult(returncode, readers[0].text(), readers[1].text())


class _BoundedReader(threading.Thread):
    """Reads one pipe to its end, or until more than ``limit`` bytes came; then reports on ``finished``."""

    def __init__(self, pipe: IO[bytes], limit: int, finished: queue.Queue[bool]) -> None:
        super().__init__(daemon=True)
        self._pipe, self._limit, self._finished = pipe, limit, finished
        self._chunks: list[bytes] = []

    def run(self) -> None:
        size = 0
        try:
            while size <= self._limit:
                chunk = self._pipe.read1(65536)  # type: ignore[attr-defined]
                if not chunk:
                    break
                self._chunks.append(chunk)
                size += len(chunk)
        except (OSError, ValueError):  # the pipe was closed under us: the process is being killed
            pass
        self._finished.put(size <= self._limit)

    def text(self) -> str:
        return b"".join(self._chunks).decode("utf-8", errors="replace")

    def close(self) -> None:
        self._pipe.close()


class SyncCredential(CredentialCore):
    """Sync ``get_token`` / ``get_token_info`` over a core: cache hit path, per-key single flight, close."""

    _credentials_module = "azauth._credentials"

    _flights: dict[FlightKey, Flight]
    _flights_lock: threading.Lock

    def _clock(self) -> float:
        return _time()

    def _default_environ(self) -> Mapping[str, str]:
        return os.environ

    def _new_sender(self, options: Mapping[str, Any]) -> SyncSender:
        self._flights, self._flights_lock = {}, threading.Lock()
        return SyncSender(options)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        self._flights_lock = threading.Lock()

    def _open_token_store(self, settings: PersistenceSettings, cae: bool) -> FileTokenStore:
        return open_token_store(settings, cae)

    def _token_proxy_transport(self, settings: TokenProxySettings, options: Mapping[str, Any]) -> TokenProxyTransport:
        return TokenProxyTransport(settings, **proxy_transport_options(options))

    def get_token(
        self,
        *scopes: str,
        claims: str | None = None,
        tenant_id: str | None = None,
        enable_cae: bool = False,
        **kwargs: Any,
    ) -> AccessToken:
        """Request an access token for `scopes`.

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
        return self._obtain(scopes, claims, tenant_id, enable_cae, "get_token", kwargs).token

    def get_token_info(self, *scopes: str, options: TokenRequestOptions | None = None) -> AccessTokenInfo:
        """Request an access token for `scopes`, with additional properties such as ``refresh_on``.

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
        return self._obtain(scopes, claims, tenant_id, enable_cae, "get_token_info", options).info

    def _obtain(
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
            return run(self._request_flow(scopes, claims, tenant_id, enable_cae, None, method, extra), self._sender)
        flight_key: FlightKey = (key, claims or None)
        while True:
            with self._flights_lock:
                flight = self._flights.get(flight_key)
                if flight is None:
                    flight = self._flights[flight_key] = Flight(threading.Event())
                    break  # this caller leads the flight
            entry = self._cached(key, claims, until_expiry=True)
            if entry is not None:  # a refresh is under way: a still-valid token is served meanwhile
                return entry
            flight.done.wait()
            entry = flight.outcome()  # the leader's token, or its failure raised here too
            if entry is not None:
                return entry
        try:
            entry = self._cached(key, claims)
            if entry is None:
                entry = run(self._request_flow(scopes, claims, tenant_id, enable_cae, key, method, extra), self._sender)
            flight.entry = entry
            return entry
        except Exception as exc:
            flight.error = exc
            raise
        finally:
            with self._flights_lock:
                del self._flights[flight_key]
            flight.done.set()

    def close(self) -> None:
        """Close the credential's transport session (and, for a chain, every credential in it)."""
        errors: list[Exception] = []
        for member in self._members():  # each once, however often it is shared
            try:
                member._sender.close() if isinstance(member, SyncCredential) else member.close()
            except Exception as exc:  # close the others anyway
                errors.append(exc)
        self._sender.close()
        if errors:
            raise errors[0]

    def __enter__(self: T) -> T:
        for member in self._members():  # type: ignore[attr-defined]
            if isinstance(member, SyncCredential):
                member._sender.open()
            elif hasattr(member, "__enter__"):
                member.__enter__()
        self._sender.open()  # type: ignore[attr-defined]
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        self.close()


class SyncUserCredential(SyncCredential):
    """SyncCredential plus ``authenticate()``, for the credentials a user signs in with."""

    _authenticate_flow: Callable[..., Flow[AuthenticationRecord]]

    def authenticate(
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
        return run(flow, self._sender)
