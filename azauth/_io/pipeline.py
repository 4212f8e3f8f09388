"""azure-core pipelines for credentials: the same policies for both modes, built from runtime options."""

from __future__ import annotations

import platform
from collections.abc import Callable, Mapping
from typing import Any

from .._protocol.steps import Reply, Send
from .._version import VERSION

__all__ = ["USER_AGENT", "build_policies", "send_options", "split_transport_options", "to_reply"]

USER_AGENT = f"azsdk-python-azauth/{VERSION} Python/{platform.python_version()} ({platform.platform()})"

_TRANSPORT_KEYS = frozenset({"connection_verify", "connection_cert", "connection_timeout", "read_timeout"})


def split_transport_options(options: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Options for the transport's constructor, and options for the policies."""
    transport = {k: v for k, v in options.items() if k in _TRANSPORT_KEYS}
    policies = {k: v for k, v in options.items() if k not in _TRANSPORT_KEYS and k != "transport"}
    return transport, policies


def build_policies(
    options: Mapping[str, Any], *, asynchronous: bool, clock: Callable[[], float], sleep: Callable[[float], Any]
) -> list[Any]:
    """Request id, headers, user agent, proxy, retry and header logging: the policies azure-identity uses,
    without the network-trace policy, which would log request bodies and so secrets. The retry policy's waits
    are bounded (``azauth._io.retry``) and taken through the driver's ``sleep``, on its ``clock``."""
    from azure.core.pipeline import policies

    from .retry import BoundedAsyncRetryPolicy, BoundedRetryPolicy

    retry_type: Any = BoundedAsyncRetryPolicy if asynchronous else BoundedRetryPolicy
    retry = retry_type(clock=clock, sleep=sleep, **options)
    return [
        policies.RequestIdPolicy(**options),
        policies.HeadersPolicy(**options),
        policies.UserAgentPolicy(base_user_agent=USER_AGENT, **options),
        policies.ProxyPolicy(**options),
        retry,
        policies.HttpLoggingPolicy(**options),
    ]


def send_options(step: Send) -> dict[str, Any]:
    """Per-request keyword arguments for ``pipeline.run``."""
    options: dict[str, Any] = {}
    if not step.retry:
        options["retry_total"] = 0
    if step.connect_timeout is not None:
        options["connection_timeout"] = step.connect_timeout
    if step.read_timeout is not None:
        options["read_timeout"] = step.read_timeout
    if step.verify is not None:
        options["connection_verify"] = step.verify
    return options


def to_reply(response: Any) -> Reply:
    """A fully-read azure-core response as a :class:`Reply`."""
    http = response.http_response
    return Reply(status=http.status_code, headers=dict(http.headers), body=http.content)
