"""The steps a flow yields, the replies it receives, and the ``Flow`` type itself.

A flow is a generator: it yields a step, the driver performs it and sends back the outcome (or throws
the exception the step raised into the flow), and the flow finally returns its result.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from azure.core.exceptions import ServiceResponseError, ServiceResponseTimeoutError

if TYPE_CHECKING:
    from azure.core.credentials import TokenRequestOptions
    from azure.core.rest import HttpRequest

__all__ = [
    "AttemptTimeoutError",
    "Blocking",
    "Delegate",
    "Flow",
    "ListenForRedirect",
    "OpenBrowser",
    "ProcessOutputTooLarge",
    "ProcessResult",
    "Prompt",
    "RedirectListener",
    "Reply",
    "ReplyIncompleteError",
    "ReplyTooLargeError",
    "RunProcess",
    "Send",
    "Sleep",
    "Step",
]


@dataclass(frozen=True, slots=True)
class Send:
    """Send one HTTP request through the credential's pipeline; the reply is a :class:`Reply`.

    ``retry=False`` makes a single attempt (no retry policy); the timeouts bound connecting and each read.
    ``verify=False`` skips TLS chain verification for this request only; ``pinned_sha1`` then requires the
    server's certificate to have that SHA-1 thumbprint, checked before the request is sent (Service Fabric's
    endpoint presents a self-signed certificate named by ``IDENTITY_SERVER_THUMBPRINT``). ``deadline`` bounds
    the whole attempt, body included, in seconds (the senders read every body within a size limit).
    """

    request: HttpRequest
    retry: bool = True
    connect_timeout: float | None = None
    read_timeout: float | None = None
    verify: bool | None = None
    pinned_sha1: str | None = None
    deadline: float | None = None


# What a Send step may throw into its flow besides azure-core's transport errors (the senders raise them).


class ReplyTooLargeError(ServiceResponseError):
    """The reply body is larger than the senders' limit (``azauth._io.bounded_read.MAX_REPLY_BYTES``); reading
    stopped there."""


class ReplyIncompleteError(ServiceResponseError):
    """The connection ended before the whole reply body arrived."""


class AttemptTimeoutError(ServiceResponseTimeoutError):
    """The attempt (connect, headers and body) did not finish within its deadline."""


@dataclass(frozen=True, slots=True)
class Reply:
    """An HTTP response, fully read."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        """A header's value, looked up case-insensitively."""
        value = self.headers.get(name)
        if value is not None:
            return value
        lowered = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lowered), None)

    def json(self) -> Any:
        """The body parsed as JSON; ``ValueError`` when it is not JSON."""
        return json.loads(self.body.decode("utf-8"))


@dataclass(frozen=True, slots=True)
class Sleep:
    """Wait ``seconds``; the reply is ``None``."""

    seconds: float


@dataclass(frozen=True, slots=True)
class ProcessResult:
    """What a finished subprocess left behind."""

    returncode: int
    stdout: str
    stderr: str


@dataclass(frozen=True, slots=True)
class RunProcess:
    """Run a program (no shell, stdin closed, in a process group of its own); the reply is a
    :class:`ProcessResult`.

    ``TimeoutError`` is thrown into the flow when it runs past ``timeout`` seconds, ``FileNotFoundError`` when
    the executable does not exist and :class:`ProcessOutputTooLarge` when it writes more than ``max_output``
    bytes to stdout or stderr. In each of these cases (and on cancellation) the driver kills the program's
    whole process group and reaps it before the exception reaches the flow: nothing is left running.
    """

    argv: Sequence[str]
    timeout: float
    env: Mapping[str, str] | None = None
    cwd: str | None = None
    max_output: int = 1 << 20


class ProcessOutputTooLarge(Exception):
    """A program run by :class:`RunProcess` wrote more than its ``max_output`` bytes (it has been killed)."""


@dataclass(frozen=True, slots=True)
class Blocking:
    """Call a blocking function (the async driver runs it in a worker thread); the reply is its result."""

    func: Callable[..., Any]
    args: tuple[Any, ...] = ()


@dataclass(frozen=True, slots=True)
class Delegate:
    """Ask another credential for a token; the async driver awaits the credential, the sync driver calls it.

    With ``method=None`` the reply is an ``AccessTokenInfo`` (``get_token_info``, else ``get_token``, converted).
    With ``method="get_token"`` the driver calls ``get_token(*scopes, **options)``, with ``"get_token_info"``
    ``get_token_info(*scopes, options=options)``, and the reply is what the credential returned, untouched.
    """

    credential: Any
    scopes: tuple[str, ...]
    options: TokenRequestOptions = field(default_factory=dict)  # type: ignore[assignment]
    method: str | None = None


@dataclass(frozen=True, slots=True)
class OpenBrowser:
    """Open ``url`` in the user's web browser through :mod:`webbrowser`; the reply is True when one was started.

    ``browser`` is the ``BROWSER`` value of the credential's environment (``webbrowser.get`` syntax: a command with
    ``%s``, a browser name, or several separated by ``os.pathsep``); ``None`` lets :mod:`webbrowser` choose.
    """

    url: str
    browser: str | None = None


class RedirectListener(Protocol):
    """A loopback HTTP listener waiting for one OAuth redirect (the reply to :class:`ListenForRedirect`).

    Neither method blocks: the listener serves requests in its own thread.
    """

    @property
    def redirect_uri(self) -> str:
        """The URI to give the authorization endpoint."""

    def result(self) -> Mapping[str, str] | None:
        """The redirect's parameters (``code`` and ``state``, or ``error``), or ``None`` while still waiting."""

    def close(self) -> None:
        """Stop listening (idempotent)."""


@dataclass(frozen=True, slots=True)
class ListenForRedirect:
    """Listen on ``host:port`` (``0``: a free port) for one redirect to ``path`` carrying ``state``; the reply is a
    :class:`RedirectListener`. A request for another path, or with another state, gets a 400 and the listener
    keeps waiting. ``redirect_host`` is the host name the redirect URI names (``localhost`` by default)."""

    host: str
    port: int
    path: str
    state: str
    redirect_host: str = "localhost"


@dataclass(frozen=True, slots=True)
class Prompt:
    """Tell the user how to sign in: ``callback(*args)`` (the async driver awaits it when it returns an awaitable),
    or, without a callback, print ``message``; the reply is ``None``."""

    callback: Callable[..., Any] | None
    args: tuple[Any, ...]
    message: str


Step = Send | Sleep | RunProcess | Blocking | Delegate | OpenBrowser | ListenForRedirect | Prompt
T = TypeVar("T")
Flow = Generator[Step, Any, T]
