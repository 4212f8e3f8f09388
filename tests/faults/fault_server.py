"""A loopback HTTP(S) server that misbehaves on purpose, one scripted behaviour per connection.

Each accepted connection takes the next queued :class:`Fault` (or the default one) and acts it out: answer
normally, stay silent, trickle, stream without end, truncate, reset, redirect. The server counts what
matters to bounded-resource assertions: connections, requests and bytes sent. TLS uses a throwaway CA whose
certificate names ``127.0.0.1`` (or, with ``wrong_name=True``, only ``wrong.example``).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import ssl
import struct
import tempfile
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from azauth.emulator import _certs

__all__ = ["Fault", "FaultServer", "token_body"]


def token_body(token: str = "fault-server-token", **fields: Any) -> bytes:
    """A token-endpoint / managed-identity JSON reply; ``fields`` override or add (``expires_in=None`` drops)."""
    body: dict[str, Any] = {"access_token": token, "token_type": "Bearer", "expires_in": 3600}
    for key, value in fields.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    return json.dumps(body).encode()


@dataclass
class Fault:
    """What one connection does.

    ``kind``: ``reply`` (status/headers/body), ``silent`` (read the request, say nothing), ``trickle``
    (headers, then ``body`` one byte per ``interval`` s), ``trickle_head`` (the status line and headers
    themselves one byte per ``interval`` s, about 6 KB of them), ``endless`` (headers without a length, then bytes
    until the client leaves), ``huge`` (announce ``length`` bytes and stream them), ``truncated`` (announce
    more than is sent, then close), ``reset`` (RST after reading the request), ``close`` (close without a
    word).
    """

    kind: str = "reply"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    interval: float = 0.2
    length: int = 1 << 30


class FaultServer:
    """Serves :class:`Fault` behaviours on 127.0.0.1; use as a context manager."""

    def __init__(self, *, tls: bool = False, wrong_name: bool = False, default: Fault | None = None) -> None:
        self.tls = tls
        self.default = default or Fault(body=token_body(), headers={"Content-Type": "application/json"})
        self._queue: deque[Fault] = deque()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._conns: list[socket.socket] = []
        self.connections = 0
        self.requests: list[bytes] = []
        self.bytes_sent = 0
        self._dir = tempfile.mkdtemp(prefix="azauth-faults-")
        self.ca_path = os.path.join(self._dir, "ca.pem")
        self._context: ssl.SSLContext | None = self._tls_context(wrong_name) if tls else None
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]

    # -------------------------------------------------------------------------------- setup
    def _tls_context(self, wrong_name: bool) -> ssl.SSLContext:
        ca_key = _certs.cached_rsa_key("tls-ca")
        ca_cert = _certs.build_certificate("azauth fault CA", ca_key.public_key(), ca_key, ca=True)
        key = _certs.cached_rsa_key("tls-server")
        names = ("wrong.example",) if wrong_name else ("127.0.0.1", "localhost")
        cert = _certs.build_certificate(names[0], key.public_key(), ca_key, issuer_cert=ca_cert, server_names=names)
        cert_path, key_path = os.path.join(self._dir, "cert.pem"), os.path.join(self._dir, "key.pem")
        with open(self.ca_path, "wb") as f:
            f.write(_certs.pem(ca_cert))
        with open(cert_path, "wb") as f:
            f.write(_certs.pem(cert) + _certs.pem(ca_cert))
        with open(key_path, "wb") as f:
            f.write(_certs.key_pem(key))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_path, key_path)
        return context

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    @property
    def authority(self) -> str:
        return f"127.0.0.1:{self.port}"

    def push(self, *faults: Fault, times: int = 1) -> None:
        """Queue ``faults`` (each ``times`` times), used by the next connections in order."""
        with self._lock:
            for fault in faults:
                self._queue.extend([fault] * times)

    def _next(self) -> Fault:
        with self._lock:
            return self._queue.popleft() if self._queue else self.default

    # ------------------------------------------------------------------------------ serving
    def __enter__(self) -> FaultServer:
        thread = threading.Thread(target=self._accept, daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def __exit__(self, *args: Any) -> None:
        self._stop.set()
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()
        for thread in self._threads:
            thread.join(5)
        self._listener.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self.connections += 1
                self._conns.append(conn)
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            thread.start()
            with self._lock:
                self._threads.append(thread)

    def _serve(self, raw: socket.socket) -> None:
        conn: socket.socket = raw
        try:
            raw.settimeout(5)
            if self._context is not None:
                try:
                    conn = self._context.wrap_socket(raw, server_side=True)
                except (ssl.SSLError, OSError):
                    return
                with self._lock:
                    self._conns.append(conn)
            while not self._stop.is_set():
                if not self._read_request(conn):
                    return
                fault = self._next()
                if not self._act(conn, fault):
                    return
        except OSError:
            return
        finally:
            with contextlib.suppress(OSError):
                conn.close()

    def _read_request(self, conn: socket.socket) -> bool:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return False
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(rest) < length:
            chunk = conn.recv(65536)
            if not chunk:
                return False
            rest += chunk
        with self._lock:
            self.requests.append(head + b"\r\n\r\n" + rest)
        return True

    def _send(self, conn: socket.socket, data: bytes) -> None:
        conn.sendall(data)
        with self._lock:
            self.bytes_sent += len(data)

    def _head(self, status: int, headers: dict[str, str], length: int | None) -> bytes:
        lines = [f"HTTP/1.1 {status} Fault"]
        names = {k.lower() for k in headers}
        if length is not None and "content-length" not in names:
            lines.append(f"Content-Length: {length}")
        if "content-type" not in names:
            lines.append("Content-Type: application/json")
        lines.extend(f"{k}: {v}" for k, v in headers.items())
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _act(self, conn: socket.socket, fault: Fault) -> bool:
        """Perform ``fault``; True keeps the connection for another request."""
        kind = fault.kind
        if kind == "reply":
            self._send(conn, self._head(fault.status, fault.headers, len(fault.body)) + fault.body)
            return True
        if kind == "silent":
            self._stop.wait()
            return False
        if kind == "close":
            return False
        if kind == "reset":
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return False
        if kind == "truncated":
            body = fault.body or token_body()
            self._send(conn, self._head(fault.status, fault.headers, len(body) + 1000) + body[: len(body) // 2])
            return False
        if kind == "trickle":
            body = fault.body or b" " * 100_000
            self._send(conn, self._head(fault.status, fault.headers, len(body)))
            for byte in body:
                if self._stop.wait(fault.interval):
                    return False
                self._send(conn, bytes([byte]))
            return False
        if kind == "trickle_head":  # the status line and headers themselves, one byte per interval
            head = b"HTTP/1.1 200 Fault\r\n" + b"".join(b"X-Pad-%d: %s\r\n" % (i, b"p" * 60) for i in range(90))
            for byte in head:
                if self._stop.wait(fault.interval):
                    return False
                self._send(conn, bytes([byte]))
            return False
        if kind in ("endless", "huge"):
            length = None if kind == "endless" else fault.length
            headers = dict(fault.headers)
            if kind == "endless":
                headers.setdefault("Connection", "close")
            self._send(conn, self._head(fault.status, headers, length))
            chunk = b'{"access_token": "' + b"x" * 65536
            conn.settimeout(5)
            while not self._stop.is_set():
                self._send(conn, chunk)
            return False
        raise ValueError(f"unknown fault kind {kind!r}")
