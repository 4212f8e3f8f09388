"""The in-memory token cache: entries keyed by (scopes, requested tenant, CAE), refresh deadlines precomputed."""

from __future__ import annotations

import copy
from typing import Any

from azure.core.credentials import AccessTokenInfo

from .._protocol.token_reply import RedactedAccessToken

__all__ = ["REFRESH_OFFSET", "RETRY_DELAY", "CacheEntry", "CacheKey", "Flight", "FlightKey", "refresh_due"]

REFRESH_OFFSET = 300
"""Seconds before expiry from which a token is refreshed proactively (azure-identity's window)."""
RETRY_DELAY = 30
"""Seconds between attempts to refresh a token that is still valid."""

CacheKey = tuple[tuple[str, ...], "str | None", bool] | tuple[tuple[str, ...], "str | None", bool, str]
"""(scopes, requested tenant, CAE) and, for credentials acting for a user, ``_cache_scope()``."""


def refresh_due(info: AccessTokenInfo) -> float:
    """When a token is due for a proactive refresh: Entra's ``refresh_on``, or five minutes before expiry."""
    due = float(info.expires_on - REFRESH_OFFSET)
    return due if info.refresh_on is None else min(due, float(info.refresh_on))


class CacheEntry:
    """A cached token and the time from which callers must look past the cache.

    ``refresh_at`` is the earliest of Entra's ``refresh_on`` and five minutes before expiry, but never
    sooner than ``RETRY_DELAY`` after the request that produced it, and never after expiry: the hit path
    compares one float.
    """

    __slots__ = ("expires_on", "info", "refresh_at", "token")

    def __init__(self, info: AccessTokenInfo, now: float) -> None:
        self.info = info
        self.token = RedactedAccessToken(info.token, info.expires_on)
        self.expires_on = info.expires_on
        self.refresh_at = min(max(refresh_due(info), now + RETRY_DELAY), float(info.expires_on))

    @classmethod
    def forwarded(cls, answer: Any) -> CacheEntry:
        """A member's answer (``AccessToken`` or ``AccessTokenInfo``) that a chain passes on untouched: both
        ``token`` and ``info`` are that object. Never cached."""
        entry = cls.__new__(cls)
        entry.info = entry.token = answer
        entry.expires_on = answer.expires_on
        entry.refresh_at = float("-inf")
        return entry

    def postpone_refresh(self, now: float) -> None:
        """After a failed refresh: keep serving this token, and try again in ``RETRY_DELAY`` seconds."""
        self.refresh_at = min(now + RETRY_DELAY, float(self.expires_on))

    def __repr__(self) -> str:
        return f"CacheEntry(expires_on={self.expires_on}, refresh_at={self.refresh_at:.0f})"


FlightKey = tuple[CacheKey, "str | None"]
"""A single flight is per cache key and claims: a claims challenge never shares another request's token."""


class Flight:
    """One token request in flight for a key; callers that missed the cache meanwhile wait for it and share
    its outcome, the token *or the failure*: waiters of a failed request don't each send their own in turn
    (N waiters behind a silent endpoint would otherwise wait N timeouts).

    ``done`` is the mode's event (``threading.Event`` / ``asyncio.Event``), set when the leader finishes. A
    leader interrupted by something that is not an ``Exception`` (cancellation, ``KeyboardInterrupt``)
    leaves no outcome: its waiters start a new flight.
    """

    __slots__ = ("done", "entry", "error")

    def __init__(self, done: Any) -> None:
        self.done = done
        self.entry: CacheEntry | None = None
        self.error: Exception | None = None

    def outcome(self) -> CacheEntry | None:
        """The shared token, ``None`` for an abandoned flight; raises (a copy of) the shared failure."""
        if self.error is not None:
            raise _copy_of(self.error) from self.error
        return self.entry


def _copy_of(error: Exception) -> Exception:
    """A copy of ``error`` for another caller (one exception object raised in many threads at once would
    share and grow one traceback); the error itself when it cannot be copied."""
    try:
        duplicate = copy.copy(error)
    except Exception:
        return error
    return duplicate if type(duplicate) is type(error) else error
