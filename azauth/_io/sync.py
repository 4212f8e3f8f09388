"""The sync driver, sender and credential mixin."""

from __future__ import annotations

import os
import subprocess
import threading
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

__all__ = ["SyncCredential", "SyncSender", "run"]

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
            return bounded_read.send(self._get_pipeline(), step)
        if isinstance(step, Delegate):
            return delegate(step)
        if isinstance(step, Blocking):
            return step.func(*step.args)
        if isinstance(step, Sleep):
            _sleep(step.seconds)
            return None
        if isinstance(step, RunProcess):
            return run_process(step)
        raise TypeError(f"unknown step {step!r}")

    def open(self) -> None:
        self._get_pipeline().__enter__()

    def close(self) -> None:
        with self._lock:
            pipeline, self._pipeline = self._pipeline, None
        if pipeline is not None:
            pipeline.__exit__(None, None, None)


def delegate(step: Delegate) -> AccessTokenInfo:
    credential = step.credential
    if hasattr(credential, "get_token_info"):
        return credential.get_token_info(*step.scopes, options=step.options)  # type: ignore[no-any-return]
    token = credential.get_token(*step.scopes, **step.options)
    return AccessTokenInfo(token.token, token.expires_on)


def run_process(step: RunProcess) -> ProcessResult:
    try:
        done = subprocess.run(
            list(step.argv),
            capture_output=True,
            text=True,
            timeout=step.timeout,
            env=dict(step.env) if step.env is not None else None,
            cwd=step.cwd,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise TimeoutError(f"{step.argv[0]} did not finish within {step.timeout} seconds") from None
    return ProcessResult(done.returncode, done.stdout, done.stderr)


class SyncCredential(CredentialCore):
    """Sync ``get_token`` / ``get_token_info`` over a core: cache hit path, per-key single flight, close."""

    _flights: dict[FlightKey, Flight]
    _flights_lock: threading.Lock

    def _clock(self) -> float:
        return _time()

    def _default_environ(self) -> Mapping[str, str]:
        return os.environ

    def _new_sender(self, options: Mapping[str, Any]) -> SyncSender:
        self._flights, self._flights_lock = {}, threading.Lock()
        return SyncSender(options)

    def _open_token_store(self, settings: PersistenceSettings, cae: bool) -> FileTokenStore:
        return open_token_store(settings, cae)

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
        return self._obtain(scopes, claims, tenant_id, enable_cae, "get_token").token

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
        return self._obtain(scopes, claims, tenant_id, enable_cae, "get_token_info").info

    def _obtain(
        self,
        scopes: tuple[str, ...],
        claims: str | None,
        tenant_id: str | None,
        enable_cae: bool,
        method: str,
    ) -> CacheEntry:
        key = self._cache_key(scopes, tenant_id, enable_cae)
        if key is None:
            return run(self._acquire_flow(scopes, claims, tenant_id, enable_cae, None, method), self._sender)
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
                entry = run(self._acquire_flow(scopes, claims, tenant_id, enable_cae, key, method), self._sender)
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
            if not isinstance(member, SyncCredential) and hasattr(member, "__enter__"):
                member.__enter__()
        return self

    def __exit__(self, *args: Any) -> None:
        self.close()
