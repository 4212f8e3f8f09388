"""The token endpoint's retry policy: azure-core's, with every wait bounded.

azure-core's ``RetryPolicy`` sleeps for whatever ``Retry-After`` says (a proxy's ``503`` with
``Retry-After: 3600`` sleeps an hour, whatever ``retry_backoff_max`` says) and lets a malformed value
(``soon``, ``inf``) escape as ``ValueError`` / ``OverflowError``. Here a wait is the server's advice when it
is usable (:func:`azauth._protocol.retry_after.retry_after_seconds`), else the backoff; it never exceeds
``retry_backoff_max``; and no retry starts whose wait would cross the request's deadline
(:data:`REQUEST_DEADLINE`, or azure-core's ``timeout`` when smaller), measured on the injected clock: the
last reply (or error) is returned instead, and the flow reports it. Sleeping goes through the driver's
injectable sleep, so tests count waits instead of taking them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from azure.core.pipeline.policies import AsyncRetryPolicy, RetryPolicy

from .._protocol.retry_after import retry_after_seconds

__all__ = ["REQUEST_DEADLINE", "BoundedAsyncRetryPolicy", "BoundedRetryPolicy"]

REQUEST_DEADLINE = 100.0
"""Seconds one token request may spend retrying (the managed-identity flow's default deadline too)."""


class _Bounded:
    """What both modes share: the decision to retry and the length of the wait."""

    _clock: Callable[[], float]

    def configure_retries(self, options: dict[str, Any]) -> dict[str, Any]:
        settings: dict[str, Any] = super().configure_retries(options)  # type: ignore[misc]
        settings["azauth_started"] = self._clock()
        settings["azauth_delay"] = 0.0
        return settings

    def increment(self, settings: dict[str, Any], response: Any = None, error: Any = None) -> bool:
        if not super().increment(settings, response=response, error=error):  # type: ignore[misc]
            return False
        delay = None
        http = getattr(response, "http_response", None)
        if http is not None and error is None:
            headers = http.headers
            delay = retry_after_seconds(lambda name: headers.get(name), self._clock())
        if delay is None:
            delay = float(self.get_backoff_time(settings))  # type: ignore[attr-defined]
        delay = min(delay, float(settings["max_backoff"]))
        budget = min(float(settings["timeout"]), REQUEST_DEADLINE)
        if self._clock() - settings["azauth_started"] + delay > budget:
            return False  # the last reply or error stands; never sleep past the deadline
        settings["azauth_delay"] = delay
        return True


class BoundedRetryPolicy(_Bounded, RetryPolicy):  # type: ignore[type-arg]
    """azure-core's ``RetryPolicy`` with bounded waits, sleeping through ``sleep``."""

    def __init__(self, *, clock: Callable[[], float], sleep: Callable[[float], None], **options: Any) -> None:
        super().__init__(**options)
        self._clock = clock
        self._sleep = sleep

    def sleep(self, settings: dict[str, Any], transport: Any, response: Any = None) -> None:
        http = getattr(response, "http_response", None)
        if http is not None:
            http.close()  # the reply that is retried is not read (it was streamed)
        if settings["azauth_delay"] > 0:
            self._sleep(settings["azauth_delay"])


class BoundedAsyncRetryPolicy(_Bounded, AsyncRetryPolicy):  # type: ignore[type-arg]
    """azure-core's ``AsyncRetryPolicy`` with bounded waits, sleeping through ``sleep``."""

    def __init__(
        self, *, clock: Callable[[], float], sleep: Callable[[float], Awaitable[None]], **options: Any
    ) -> None:
        super().__init__(**options)
        self._clock = clock
        self._asleep = sleep

    async def sleep(self, settings: dict[str, Any], transport: Any, response: Any = None) -> None:
        http = getattr(response, "http_response", None)
        if http is not None:
            await http.close()
        if settings["azauth_delay"] > 0:
            await self._asleep(settings["azauth_delay"])
