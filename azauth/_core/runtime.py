"""Runtime options every credential accepts: azure-core's HTTP pipeline keywords, and an environment."""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from typing import Any, TypedDict

__all__ = [
    "MAX_COUNT",
    "MAX_SECONDS",
    "RUNTIME_OPTION_NAMES",
    "PipelineOptions",
    "RuntimeOptions",
    "check_runtime_options",
    "check_seconds",
]

MAX_SECONDS = 86_400.0
"""Longest timeout, deadline or backoff azauth accepts (a day): ``inf`` would hang or overflow a sleep."""
MAX_COUNT = 1_000
"""Largest retry count azauth accepts."""

_SECONDS_OPTIONS = ("connection_timeout", "read_timeout", "timeout", "retry_backoff_factor", "retry_backoff_max")
_COUNT_OPTIONS = ("retry_total", "retry_connect", "retry_read", "retry_status")


class PipelineOptions(TypedDict, total=False):
    """azure-core keyword arguments accepted by every credential that sends HTTP requests, but ``timeout``
    (which the interactive credentials take as the time a user has to sign in, as azure-identity's do)."""

    transport: Any
    """An azure-core transport (``HttpTransport`` for sync credentials, ``AsyncHttpTransport`` for async)."""
    connection_verify: bool | str
    """Verify the server's TLS certificate (``True``), don't (``False``), or verify it with this CA bundle."""
    connection_cert: str | tuple[str, str]
    """A client certificate for the TLS connection."""
    connection_timeout: float
    """Seconds to wait for a connection."""
    read_timeout: float
    """Seconds to wait between bytes of a response."""
    proxies: Mapping[str, str]
    """Proxy URLs by scheme, e.g. ``{"https": "http://proxy:3128"}``."""
    retry_total: int
    retry_connect: int
    retry_read: int
    retry_status: int
    retry_backoff_factor: float
    retry_backoff_max: float
    retry_on_status_codes: list[int]
    user_agent: str
    """Text added to the User-Agent header."""
    user_agent_use_env: bool
    headers: Mapping[str, str]
    """Headers sent with every request."""
    logging_enable: bool
    """Log each request and response at DEBUG (azure-core's network trace) without bodies or secret headers."""
    enable_support_logging: bool
    """The same trace as ``logging_enable`` (azure-identity's switch for msal's support logging)."""
    logger: Any
    """The ``logging.Logger`` the trace and header-logging policies write to."""
    policies: list[Any]
    """azure-core policies replacing the credential's whole pipeline policy list (as in azure-identity)."""
    per_call_policies: Any
    """azure-core policies run once per request, before the retry policy."""
    per_retry_policies: Any
    """azure-core policies run on every attempt, after the retry policy."""
    http_logging_policy: Any
    """An ``HttpLoggingPolicy`` replacing the default one."""
    raw_request_hook: Any
    """Called with each ``PipelineRequest`` before it is sent (azure-core's ``CustomHookPolicy``)."""
    raw_response_hook: Any
    """Called with each ``PipelineResponse`` (azure-core's ``CustomHookPolicy``)."""
    retry_mode: Any
    """azure-core's ``RetryMode`` (exponential or fixed backoff)."""
    request_id: str
    auto_request_id: bool
    request_id_header_name: str
    sdk_moniker: str
    user_agent_overwrite: bool
    tracing_attributes: Any
    network_span_namer: Any
    session: Any
    """A ``requests.Session`` / ``aiohttp.ClientSession`` for the default transport."""
    session_owner: bool
    environ: Mapping[str, str]
    """The environment variables the credential reads (default: ``os.environ``); for tests and sandboxes."""


class RuntimeOptions(PipelineOptions, total=False):
    """azure-core keyword arguments accepted by every credential that sends HTTP requests."""

    timeout: float
    """azure-core's retry policy: seconds all attempts of one request may take."""


RUNTIME_OPTION_NAMES = frozenset(RuntimeOptions.__annotations__)


def check_seconds(name: str, value: Any, *, allow_zero: bool = False) -> None:
    """``ValueError`` naming ``name`` unless ``value`` is a finite number of seconds, positive (or zero with
    ``allow_zero``) and at most :data:`MAX_SECONDS`."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a number of seconds, not {type(value).__name__}")
    low_ok = value >= 0 if allow_zero else value > 0
    if not (math.isfinite(value) and low_ok and value <= MAX_SECONDS):
        sign = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{name} must be a {sign}, finite number of seconds, at most {MAX_SECONDS:g}")


def check_runtime_options(owner: str, options: Mapping[str, Any]) -> None:
    """Raise ``TypeError`` naming any keyword that no credential option or runtime option matches, and
    ``ValueError`` for a timeout, backoff or retry count that is not a finite number in range (``inf``
    would hang or overflow a sleep)."""
    for name in _SECONDS_OPTIONS:
        value = options.get(name)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            check_seconds(f"{owner}: {name}", value, allow_zero=name.startswith("retry_"))
    for name in _COUNT_OPTIONS:
        value = options.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and not 0 <= value <= MAX_COUNT:
            raise ValueError(f"{owner}: {name} must be between 0 and {MAX_COUNT}")
    unknown = sorted(set(options) - RUNTIME_OPTION_NAMES)
    if not unknown:
        return
    hints = []
    for name in unknown:
        close = difflib.get_close_matches(name, RUNTIME_OPTION_NAMES, n=1)
        hints.append(f"'{name}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
    raise TypeError(f"{owner} got unexpected keyword argument(s): {', '.join(hints)}")
