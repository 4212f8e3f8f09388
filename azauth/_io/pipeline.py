"""azure-core pipelines for credentials: the same policies for both modes, built from runtime options."""

from __future__ import annotations

import logging
import platform
from collections.abc import Callable, Mapping
from typing import Any

from azure.core.exceptions import ResponseNotReadError
from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import HttpLoggingPolicy, SansIOHTTPPolicy

from .._protocol.steps import Send
from .._version import VERSION

__all__ = [
    "USER_AGENT",
    "RedactedTraceLoggingPolicy",
    "build_policies",
    "response_body",
    "send_options",
    "split_transport_options",
]

USER_AGENT = f"azsdk-python-azauth/{VERSION} Python/{platform.python_version()} ({platform.platform()})"

_TRANSPORT_KEYS = frozenset(
    {"connection_verify", "connection_cert", "connection_timeout", "read_timeout", "session", "session_owner"}
)
_PER_REQUEST_TIMEOUTS = ("connection_timeout", "read_timeout")
_TRACE_LOGGER = logging.getLogger("azure.core.pipeline.policies.http_logging_policy")


def split_transport_options(options: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Options for the transport's constructor, and options for the policies."""
    transport = {k: v for k, v in options.items() if k in _TRANSPORT_KEYS}
    policies = {k: v for k, v in options.items() if k not in _TRANSPORT_KEYS and k != "transport"}
    return transport, policies


class RedactedTraceLoggingPolicy(SansIOHTTPPolicy[Any, Any]):
    """What ``logging_enable`` (and ``enable_support_logging``) turn on: azure-core's network trace at DEBUG,
    without what azure-core's trace would print and a token request must not: bodies (client secrets,
    assertions, tokens) and the values of headers outside azure-core's allow-list (``Authorization``, managed
    identity's secret headers)."""

    def __init__(self, logging_enable: bool = False, enable_support_logging: bool = False, **kwargs: Any) -> None:
        self.enabled = bool(logging_enable or enable_support_logging)
        self.logger: logging.Logger = kwargs.get("logger") or _TRACE_LOGGER

    @staticmethod
    def _headers(headers: Mapping[str, str]) -> str:
        allowed = {h.lower() for h in HttpLoggingPolicy.DEFAULT_HEADERS_ALLOWLIST}
        return "".join(
            f"\n    '{name}': '{value if name.lower() in allowed else 'REDACTED'}'" for name, value in headers.items()
        )

    def on_request(self, request: PipelineRequest[Any]) -> None:
        enabled = request.context.options.pop("logging_enable", self.enabled)
        request.context["azauth_trace"] = enabled
        if not enabled or not self.logger.isEnabledFor(logging.DEBUG):
            return
        http = request.http_request
        url = str(http.url).split("?", 1)[0]
        self.logger.debug(
            "Request URL: '%s'\nRequest method: '%s'\nRequest headers:%s\nRequest body: not logged (it may carry"
            " secrets)",
            url,
            http.method,
            self._headers(http.headers),
        )

    def on_response(self, request: PipelineRequest[Any], response: PipelineResponse[Any, Any]) -> None:
        if not request.context.get("azauth_trace") or not self.logger.isEnabledFor(logging.DEBUG):
            return
        http = response.http_response
        self.logger.debug(
            "Response status: %s\nResponse headers:%s\nResponse body: not logged (it may carry tokens)",
            http.status_code,
            self._headers(http.headers),
        )


def build_policies(
    options: Mapping[str, Any], *, asynchronous: bool, clock: Callable[[], float], sleep: Callable[[float], Any]
) -> list[Any]:
    """The policies azure-identity's pipeline has, in its order, from the same keywords.

    ``policies`` replaces the whole list, as in azure-identity; ``per_call_policies`` run once per call (before
    the retry policy), ``per_retry_policies`` once per attempt, as in azure-core's clients; ``http_logging_policy``
    replaces the header-logging policy; ``raw_request_hook`` / ``raw_response_hook`` are azure-core's hooks.
    The retry policy's waits are bounded (``azauth._io.retry``) and taken through the driver's ``sleep``, on its
    ``clock``.
    """
    from azure.core.pipeline import policies

    from .retry import BoundedAsyncRetryPolicy, BoundedRetryPolicy

    given = options.get("policies")
    if given:
        return list(given)
    retry_type: Any = BoundedAsyncRetryPolicy if asynchronous else BoundedRetryPolicy
    retry = retry_type(clock=clock, sleep=sleep, **options)
    return [
        policies.RequestIdPolicy(**options),
        policies.HeadersPolicy(**options),
        policies.UserAgentPolicy(base_user_agent=USER_AGENT, **options),
        policies.ProxyPolicy(**options),
        *_policy_list(options, "per_call_policies"),
        retry,
        *_policy_list(options, "per_retry_policies"),
        policies.CustomHookPolicy(**options),
        RedactedTraceLoggingPolicy(**options),
        policies.DistributedTracingPolicy(**options),
        options.get("http_logging_policy") or policies.HttpLoggingPolicy(**options),
    ]


def _policy_list(options: Mapping[str, Any], name: str) -> list[Any]:
    value = options.get(name)
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def send_options(step: Send, defaults: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Per-request keyword arguments for ``pipeline.run``: the step's own, then the credential's timeouts
    (so a transport given with ``transport=`` honours ``connection_timeout`` / ``read_timeout`` too)."""
    options: dict[str, Any] = {}
    for name in _PER_REQUEST_TIMEOUTS:
        if defaults is not None and defaults.get(name) is not None:
            options[name] = defaults[name]
    if not step.retry:
        options["retry_total"] = 0
    if step.connect_timeout is not None:
        options["connection_timeout"] = step.connect_timeout
    if step.read_timeout is not None:
        options["read_timeout"] = step.read_timeout
    if step.verify is not None:
        options["connection_verify"] = step.verify
    return options


def response_body(http: Any) -> bytes:
    """The body of an azure-core response, whichever interface it has: ``azure.core.rest`` responses
    (``content``) or the legacy ``HttpResponse`` (``body()``, ``text()``) that custom and mock transports
    written for azure-identity return."""
    try:
        content = getattr(http, "content", None)
    except ResponseNotReadError:
        content = None
    if isinstance(content, (bytes, bytearray)):
        return bytes(content)
    body = getattr(http, "body", None)
    if callable(body):
        value = body()
        if isinstance(value, (bytes, bytearray)):
            return bytes(value)
    text = getattr(http, "text", None)
    value = text() if callable(text) else text
    if isinstance(value, str):
        return value.encode("utf-8")
    return b""
