"""Sending one request and reading its reply within a size limit and a whole-attempt deadline.

Both senders call :func:`send` / :func:`asend`. The pipeline runs with ``stream=True`` and the body is read
here, chunk by chunk, so that:

- a reply larger than :data:`MAX_REPLY_BYTES` (a token reply is a few KB) stops at the limit instead of
  growing the process (:class:`ReplyTooLargeError`);
- a connection dropped mid-body is the transport failure it is (:class:`ReplyIncompleteError`, a
  ``ServiceResponseError``), not azure-core's bare ``IncompleteReadError``;
- ``Send.deadline`` covers the whole attempt, body included (:class:`AttemptTimeoutError`): a server that
  trickles one byte at a time within each read timeout cannot keep an attempt running. Async: the attempt
  runs under ``asyncio.wait_for``. Sync: a watchdog shuts the attempt's sockets down at the deadline; a
  socket joins it as it connects (an audit hook on ``socket.connect``, scoped to the attempt's thread), so
  connect, TLS handshake, status line, headers and body are all covered. A ``Send`` without a
  deadline gets :data:`DEFAULT_BODY_SECONDS` for its body.

Messages name sizes, limits and durations, never the body.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sys
import threading
import time
from collections.abc import Mapping
from typing import Any

from azure.core.exceptions import AzureError, ServiceResponseError
from azure.core.rest import AsyncHttpResponse as AsyncRestHttpResponse
from azure.core.rest import HttpResponse as RestHttpResponse

from .._protocol.steps import AttemptTimeoutError, Reply, ReplyIncompleteError, ReplyTooLargeError, Send
from .pipeline import response_body, send_options

__all__ = [
    "DEFAULT_BODY_SECONDS",
    "MAX_REPLY_BYTES",
    "AttemptTimeoutError",
    "ReplyIncompleteError",
    "ReplyTooLargeError",
    "asend",
    "send",
]

MAX_REPLY_BYTES = 256 * 1024
"""Largest reply body read (a token reply is a few KB; an Entra error page some more)."""
DEFAULT_BODY_SECONDS = 30.0
"""How long reading a body may take when the ``Send`` names no deadline."""

_monotonic = time.monotonic


def _too_large(size: int | str, limit: int) -> ReplyTooLargeError:
    return ReplyTooLargeError(f"the reply body is larger than {limit} bytes ({size} announced or read); refused")


def _timed_out(seconds: float) -> AttemptTimeoutError:
    return AttemptTimeoutError(f"the reply was not complete within {seconds:g} s")


def _announced_too_large(http: Any, limit: int) -> bool:
    length = http.headers.get("Content-Length") if hasattr(http, "headers") else None
    try:
        return length is not None and int(length) > limit
    except (TypeError, ValueError):
        return False


def _legacy_body(http: Any, limit: int) -> bytes:
    """The body of a response that is not an ``azure.core.rest`` one (a legacy ``HttpResponse``
    of a custom or mock transport), within ``limit``."""
    data = response_body(http)
    if len(data) > limit:
        raise _too_large(len(data), limit)
    return data


class _Body:
    """The chunks read so far; refuses to grow past the limit."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self.chunks: list[bytes] = []

    def add(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.limit:
            raise _too_large(self.size, self.limit)
        self.chunks.append(chunk)

    def incomplete(self, exc: BaseException) -> ReplyIncompleteError:
        return ReplyIncompleteError(
            f"the connection ended before the whole reply arrived ({self.size} bytes read; {type(exc).__name__})"
        )


def _reply(http: Any, body: bytes) -> Reply:
    headers = http.headers
    return Reply(status=int(http.status_code), headers=dict(headers.items()) if headers else {}, body=body)


# ---------------------------------------------------------------------------------------------- sync


class _Watchdog:
    """Shuts the attempt's sockets down at the deadline, so a blocked connect, handshake or read returns.

    Sockets join as they connect during the attempt (:func:`_on_audit`; a duplicate of the descriptor is
    kept, so a shutdown can never reach a descriptor number the OS has since reused) and the response's
    own socket joins once the reply exists (a pooled connection connected by an earlier attempt)."""

    def __init__(self, seconds: float) -> None:
        self.fired = False
        self._lock = threading.Lock()
        self._sockets: list[tuple[socket.socket, bool]] = []  # (socket, owned: a duplicate we must close)
        self._timer = threading.Timer(max(seconds, 0.0), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, sock: socket.socket, *, duplicate: bool) -> None:
        try:
            entry = (sock.dup(), True) if duplicate else (sock, False)
        except (OSError, NotImplementedError):
            return
        with self._lock:
            self._sockets.append(entry)
            fired = self.fired
        if fired:
            _shutdown(entry[0])

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            sockets = [sock for sock, _ in self._sockets]
        for sock in sockets:
            _shutdown(sock)

    def cancel(self) -> None:
        self._timer.cancel()
        with self._lock:
            owned = [sock for sock, mine in self._sockets if mine]
            self._sockets.clear()
        for sock in owned:
            with contextlib.suppress(OSError):
                sock.close()


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


_attempt = threading.local()
"""``watchdog``: the :class:`_Watchdog` of the sync attempt running on this thread, if any."""
_audit_installed = False
_audit_lock = threading.Lock()


def _on_audit(event: str, args: tuple[Any, ...]) -> None:
    """Audit hook: a socket connecting on a thread that runs a sync attempt joins that attempt's watchdog
    (the transport creates its connections itself; this is the one place every new socket passes)."""
    if event != "socket.connect":
        return
    watchdog = getattr(_attempt, "watchdog", None)
    if watchdog is None:
        return
    try:
        if isinstance(args[0], socket.socket):
            watchdog.watch(args[0], duplicate=True)
    except Exception:  # an audit hook must never break the connect it observes
        pass


def _install_audit_hook() -> None:
    global _audit_installed
    with _audit_lock:
        if not _audit_installed:
            sys.addaudithook(_on_audit)
            _audit_installed = True


def _socket_of(http: Any) -> socket.socket | None:
    """The socket under a requests response (urllib3), or ``None`` for other transports."""
    internal = getattr(http, "internal_response", None) or getattr(http, "_internal_response", None)
    raw = getattr(internal, "raw", None)
    connection = getattr(raw, "connection", None) or getattr(raw, "_connection", None)
    sock = getattr(connection, "sock", None)
    return sock if isinstance(sock, socket.socket) else None


def read_body(http: Any, seconds: float, limit: int = MAX_REPLY_BYTES, watchdog: _Watchdog | None = None) -> bytes:
    """Read ``http``'s body (a streamed azure-core response) within ``seconds`` and ``limit`` bytes;
    ``watchdog``: the attempt's, already armed (else one is armed here for ``seconds``)."""
    if not isinstance(http, RestHttpResponse):
        return _legacy_body(http, limit)
    if _announced_too_large(http, limit):
        _close(http)
        raise _too_large(http.headers.get("Content-Length") or "?", limit)
    if seconds <= 0:
        _close(http)
        raise _timed_out(0)
    own = watchdog is None
    dog = _Watchdog(seconds) if watchdog is None else watchdog
    sock = _socket_of(http)
    if sock is not None:
        dog.watch(sock, duplicate=False)
    started = _monotonic()
    body = _Body(limit)
    try:
        for chunk in http.iter_bytes():
            body.add(chunk)
            if _monotonic() - started > seconds:
                raise _timed_out(seconds)
    except ServiceResponseError:
        if dog.fired:
            raise _timed_out(seconds) from None
        raise
    except (AzureError, OSError, ValueError) as exc:
        if dog.fired:
            raise _timed_out(seconds) from None
        raise body.incomplete(exc) from None
    finally:
        if own:
            dog.cancel()
        _close(http)
    if dog.fired:
        raise _timed_out(seconds)
    return b"".join(body.chunks)


def _close(http: Any) -> None:
    close = getattr(http, "close", None)
    if callable(close):
        with contextlib.suppress(Exception):  # closing a broken connection
            close()


def send(pipeline: Any, step: Send, defaults: Mapping[str, Any] | None = None) -> Reply:
    """Run ``step``'s request through ``pipeline`` and read the reply within its limits; ``defaults``: the
    credential's own per-request options (its timeouts). With a deadline, one watchdog covers the whole
    attempt: every socket the attempt connects (connect, TLS handshake, status line, headers) and the body."""
    if step.deadline is None:
        response = pipeline.run(step.request, stream=True, **send_options(step, defaults))
        http = response.http_response
        return _reply(http, read_body(http, DEFAULT_BODY_SECONDS))
    started = _monotonic()
    _install_audit_hook()
    watchdog = _Watchdog(step.deadline)
    outer = getattr(_attempt, "watchdog", None)
    _attempt.watchdog = watchdog
    try:
        try:
            response = pipeline.run(step.request, stream=True, **send_options(step, defaults))
        except AzureError:
            if watchdog.fired:
                raise _timed_out(step.deadline) from None
            raise
        finally:
            _attempt.watchdog = outer
        if watchdog.fired:
            _close(response.http_response)
            raise _timed_out(step.deadline)
        http = response.http_response
        budget = step.deadline - (_monotonic() - started)
        return _reply(http, read_body(http, budget, watchdog=watchdog))
    finally:
        watchdog.cancel()


# --------------------------------------------------------------------------------------------- async


async def aread_body(http: Any, limit: int = MAX_REPLY_BYTES) -> bytes:
    """Read ``http``'s body (a streamed azure-core async response) within ``limit`` bytes; the caller bounds
    the time."""
    if not isinstance(http, AsyncRestHttpResponse):
        return _legacy_body(http, limit)
    if _announced_too_large(http, limit):
        await _aclose(http)
        raise _too_large(http.headers.get("Content-Length") or "?", limit)
    body = _Body(limit)
    try:
        async for chunk in http.iter_bytes():
            body.add(chunk)
    except ServiceResponseError:
        raise
    except (AzureError, OSError, ValueError) as exc:
        raise body.incomplete(exc) from None
    finally:
        await _aclose(http)
    return b"".join(body.chunks)


async def _aclose(http: Any) -> None:
    close = getattr(http, "close", None)
    if callable(close):
        try:
            result = close()
            if asyncio.iscoroutine(result):
                await result
        except Exception:  # closing a broken connection
            pass


async def asend(pipeline: Any, step: Send, defaults: Mapping[str, Any] | None = None) -> Reply:
    """Run ``step``'s request through ``pipeline`` and read the reply within its limits (the async twin of
    :func:`send`: the whole attempt runs under ``asyncio.wait_for`` when the step has a deadline)."""

    async def attempt() -> Reply:
        response = await pipeline.run(step.request, stream=True, **send_options(step, defaults))
        http = response.http_response
        if step.deadline is not None:
            return _reply(http, await aread_body(http))
        try:
            return _reply(http, await asyncio.wait_for(aread_body(http), DEFAULT_BODY_SECONDS))
        except asyncio.TimeoutError:
            raise _timed_out(DEFAULT_BODY_SECONDS) from None

    if step.deadline is None:
        return await attempt()
    try:
        return await asyncio.wait_for(attempt(), max(step.deadline, 0.0))
    except asyncio.TimeoutError:
        raise _timed_out(step.deadline) from None
