"""What the interactive flows ask of the drivers: a loopback redirect listener, opening a browser, a prompt.

These are shared by both drivers; the async driver runs the blocking ones (opening a browser waits for the
``BROWSER`` command to exit) in a worker thread.
"""

from __future__ import annotations

import html
import threading
import webbrowser
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .._protocol.steps import ListenForRedirect, OpenBrowser, Prompt

__all__ = ["LoopbackListener", "open_browser", "print_prompt", "start_listener"]

MAX_BODY = 64 * 1024
"""The largest form-post redirect body the listener reads."""
POLL_INTERVAL = 0.05

_DONE_PAGE = (
    "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Signed in</title></head><body>"
    "<h1>Authentication complete</h1><p>You can close this window and return to the application.</p></body></html>"
)
_FAILED_PAGE = (
    "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Sign-in failed</title></head><body>"
    "<h1>Sign-in failed</h1><p>{}</p><p>You can close this window.</p></body></html>"
)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = False

    def __init__(self, address: tuple[str, int], path: str, state: str) -> None:
        self.expected_path = path
        self.expected_state = state
        self.params: dict[str, str] | None = None
        self.lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:  # no reverse DNS lookup of the bound address
        import socketserver

        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), int(self.server_address[1])


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    timeout = 10  # a browser's idle pre-connection doesn't hold a thread for long

    def log_message(self, format: str, *args: Any) -> None:
        """No access log."""

    def do_GET(self) -> None:
        split = urlsplit(self.path)
        self._handle(split.path, dict(parse_qsl(split.query, keep_blank_values=True)))

    def do_POST(self) -> None:  # response_mode=form_post
        split = urlsplit(self.path)
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            self._answer(400, "The request body is missing or too large.")
            return
        body = self.rfile.read(length).decode("utf-8", "replace")
        self._handle(split.path, dict(parse_qsl(body, keep_blank_values=True)))

    def _handle(self, path: str, params: dict[str, str]) -> None:
        server = self.server
        if path != server.expected_path:
            self._answer(404 if path.endswith("/favicon.ico") else 400, "This is not the sign-in redirect.")
            return
        if params.get("state") != server.expected_state:
            self._answer(400, "The redirect's state doesn't match the sign-in this application started.")
            return
        with server.lock:
            if server.params is None:
                server.params = params
        if "error" in params:
            self._answer(200, params.get("error_description") or params["error"], failed=True)
        else:
            self._answer(200, "")

    def _answer(self, status: int, message: str, *, failed: bool = False) -> None:
        page = _DONE_PAGE if status == 200 and not failed else _FAILED_PAGE.format(html.escape(message))
        body = page.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True


class LoopbackListener:
    """Serves one OAuth redirect on a loopback address in a daemon thread (see ``ListenForRedirect``)."""

    def __init__(self, step: ListenForRedirect) -> None:
        self._server = _Server((step.host, step.port), step.path, step.state)
        port = self._server.server_port
        path = "" if step.path == "/" else step.path
        self._redirect_uri = f"http://{step.redirect_host}:{port}{path}"
        self._closed = False
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(POLL_INTERVAL,), daemon=True, name="azauth-redirect"
        )
        self._thread.start()

    @property
    def redirect_uri(self) -> str:
        return self._redirect_uri

    @property
    def port(self) -> int:
        return self._server.server_port

    def result(self) -> Mapping[str, str] | None:
        with self._server.lock:
            return None if self._server.params is None else dict(self._server.params)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._server.shutdown()  # returns once the serving loop has seen the request (within POLL_INTERVAL)
        self._server.server_close()


def start_listener(step: ListenForRedirect) -> LoopbackListener:
    """Bind the listener; ``OSError`` when the address is taken (the flow reports it)."""
    return LoopbackListener(step)


def open_browser(step: OpenBrowser) -> bool:
    """Open the URL with the ``BROWSER`` the credential's environment names, else :mod:`webbrowser`'s choice."""
    try:
        if step.browser:
            return bool(webbrowser.get(step.browser).open(step.url))
        return bool(webbrowser.open(step.url))
    except webbrowser.Error:
        return False


def print_prompt(step: Prompt) -> Any:
    """Call the prompt callback (its result is returned: the async driver awaits an awaitable), else print."""
    if step.callback is not None:
        return step.callback(*step.args)
    print(step.message, flush=True)
    return None
