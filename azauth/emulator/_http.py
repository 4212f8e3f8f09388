"""Threaded loopback HTTP(S) server with a route table, request logging and scripted faults."""

from __future__ import annotations

import contextlib
import json
import re
import selectors
import socket
import socketserver
import ssl
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

if TYPE_CHECKING:
    from ._emulator import Emulator

__all__ = ["ENDPOINT_KINDS", "FaultSpec", "LoggedRequest", "Request", "Response", "Route", "Server"]

ENDPOINT_KINDS = (
    "token",
    "openid-configuration",
    "instance-discovery",
    "jwks",
    "imds",
    "app-service",
    "service-fabric",
    "azure-arc",
    "azure-ml",
    "cloud-shell",
    "authorize",
    "devicecode",
    "devicelogin",
    "pipelines-oidc",
    "token-proxy",
    "other",
)

REDACTED_FIELDS = frozenset(
    {
        "client_secret",
        "client_assertion",
        "assertion",
        "password",
        "refresh_token",
        "code",
        "access_token",
        "code_verifier",
        "device_code",
        "otp",
    }
)
REDACTED_HEADERS = frozenset({"authorization"})


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the emulator saw it; secret form fields and headers are replaced by ``***``.

    Header names are lower-cased.
    """

    method: str
    path: str
    endpoint: str
    query: dict[str, str]
    form: dict[str, str]
    headers: dict[str, str]


@dataclass(frozen=True)
class FaultSpec:
    """A scripted fault queued for one endpoint kind (see ``Emulator.fault``)."""

    endpoint: str
    status: int = 500
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None
    delay: float = 0.0
    drop: bool = False
    times: int = 1


@dataclass
class Request:
    """A parsed incoming request handed to route handlers."""

    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    headers: dict[str, str]
    match: re.Match[str] | None = None

    @property
    def correlation_id(self) -> str | None:
        """The ``client-request-id`` header, if any."""
        return self.headers.get("client-request-id")


@dataclass
class Response:
    """A response produced by a route handler."""

    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def json(cls, status: int, payload: Mapping[str, Any], headers: list[tuple[str, str]] | None = None) -> Response:
        """JSON response with Entra's content type and no-cache headers."""
        hdrs = [
            ("Content-Type", "application/json; charset=utf-8"),
            ("Cache-Control", "no-store, no-cache"),
            ("Pragma", "no-cache"),
        ]
        return cls(status, json.dumps(payload).encode("utf-8"), hdrs + (headers or []))


Handler = Callable[[Request], Response]


@dataclass(frozen=True)
class Route:
    """Maps ``method`` + a full-match path regex to an endpoint kind and handler."""

    method: str
    pattern: re.Pattern[str]
    endpoint: str
    handler: Handler


def redact(values: Mapping[str, str], secret_names: frozenset[str]) -> dict[str, str]:
    """Copy of ``values`` with secret entries replaced by ``***``."""
    return {k: ("***" if k.lower() in secret_names else v) for k, v in values.items()}


class Server(ThreadingHTTPServer):
    """Threading HTTP server bound to 127.0.0.1 on ``port`` (0: an ephemeral one), optionally TLS."""

    daemon_threads = True
    block_on_close = False

    def __init__(
        self, emulator: Emulator, routes: list[Route], ssl_context: ssl.SSLContext | None, port: int = 0
    ) -> None:
        self.emulator = emulator
        self.routes = routes
        self.ssl_context = ssl_context
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()
        self._closing = threading.Event()
        self._wake_r, self._wake_w = socket.socketpair()
        try:
            super().__init__(("127.0.0.1", port), _Handler)
        except BaseException:
            self._wake_r.close()
            self._wake_w.close()
            raise

    def serve(self) -> None:
        """Accept connections until ``stop_serving`` is called (woken at once, no polling delay)."""
        with selectors.DefaultSelector() as selector:
            selector.register(self, selectors.EVENT_READ)
            selector.register(self._wake_r, selectors.EVENT_READ)
            while not self._closing.is_set():
                for key, _ in selector.select(1.0):
                    if key.fileobj is self and not self._closing.is_set():
                        self.handle_request()

    def stop_serving(self) -> None:
        """Make ``serve`` return promptly."""
        self._closing.set()
        with contextlib.suppress(OSError):
            self._wake_w.send(b"x")

    def server_close(self) -> None:
        """Close the listening socket and the wake-up pair."""
        super().server_close()
        self._wake_r.close()
        self._wake_w.close()

    def server_bind(self) -> None:
        """Bind without the reverse DNS lookup HTTPServer does."""
        socketserver.TCPServer.server_bind(self)
        self.server_name = "127.0.0.1"
        self.server_port = self.server_address[1]

    @property
    def port(self) -> int:
        """The bound port."""
        return int(self.server_address[1])

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet about broken client connections."""

    def track(self, sock: socket.socket, add: bool) -> None:
        """Remember (or forget) a live connection so ``close_connections`` can end it."""
        with self._conns_lock:
            if add:
                self._conns.add(sock)
            else:
                self._conns.discard(sock)

    def close_connections(self) -> None:
        """Shut down and close every live keep-alive connection (wakes handler threads, which then close theirs;
        a socket is closed twice harmlessly)."""
        with self._conns_lock:
            conns = list(self._conns)
            self._conns.clear()
        for sock in conns:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()

    def match(self, method: str, path: str) -> tuple[Route | None, re.Match[str] | None]:
        """First route matching ``path`` (and ``method`` when several do)."""
        fallback: tuple[Route | None, re.Match[str] | None] = (None, None)
        for route in self.routes:
            m = route.pattern.fullmatch(path)
            if m is None:
                continue
            if route.method == method:
                return route, m
            if fallback[0] is None:
                fallback = (route, None)
        return fallback


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30
    server: Server

    def setup(self) -> None:
        ctx = self.server.ssl_context
        if ctx is not None:
            self.request.settimeout(5)
            self.request = ctx.wrap_socket(self.request, server_side=True)
        self.server.track(self.request, True)
        super().setup()

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.request, False)
            # socketserver closes the socket it accepted, which wrap_socket detached: close the TLS socket here
            with contextlib.suppress(OSError):
                self.request.close()

    def log_message(self, format: str, *args: Any) -> None:
        """No stderr access log."""

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        emu = self.server.emulator
        split = urlsplit(self.path)
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        form = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)) if raw else {}
        headers = {k.lower(): v for k, v in self.headers.items()}
        route, match = self.server.match(self.command, split.path)
        endpoint = route.endpoint if route is not None else "other"
        emu._log(
            LoggedRequest(
                method=self.command,
                path=split.path,
                endpoint=endpoint,
                query=redact(query, REDACTED_FIELDS),
                form=redact(form, REDACTED_FIELDS),
                headers=redact(headers, REDACTED_HEADERS),
            )
        )
        request = Request(self.command, split.path, query, form, headers, match)
        fault = emu._take_fault(endpoint)
        if fault is not None:
            if fault.delay > 0 and not emu._sleep(fault.delay):
                self._drop()
                return
            if fault.drop:
                self._drop()
                return
            if fault.status:
                self._send(emu._fault_response(fault, request))
                return
        response: Response | None
        if route is None:
            response = emu._not_found(request)
        elif match is None:
            response = emu._method_not_allowed(request)
        else:
            response = emu._run(route, request)
        if response is None:
            self._drop()
            return
        self._send(response)

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        names = {k.lower() for k, _ in response.headers}
        for key, value in response.headers:
            self.send_header(key, value)
        if "content-length" not in names:
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)
        self.wfile.flush()
