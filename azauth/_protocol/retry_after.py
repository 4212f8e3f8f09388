"""Reading a ``Retry-After`` (or ``retry-after-ms`` / ``x-ms-retry-after-ms``) header, whatever it holds.

One parser for the managed-identity flow and the token endpoint's retry policy: seconds, milliseconds or an
HTTP date become a finite, non-negative number of seconds; anything else (``soon``, ``inf``, ``-1``, a date
out of range) is ``None``, "no usable advice", never an exception.
"""

from __future__ import annotations

import email.utils
import math
from collections.abc import Callable

__all__ = ["retry_after_seconds"]


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) and value >= 0 else None


def retry_after_seconds(header: Callable[[str], str | None], now: float) -> float | None:
    """Seconds the server asks to wait, from ``header(name)`` (a case-insensitive lookup); ``None`` without
    usable advice. ``now`` (epoch seconds) turns an HTTP date into a delay."""
    millis = header("retry-after-ms") or header("x-ms-retry-after-ms")
    if millis:
        try:
            value = _finite(float(millis) / 1000)
        except (TypeError, ValueError):
            value = None
        if value is not None:
            return value
    text = header("retry-after")
    if not text or not isinstance(text, str):
        return None
    try:
        return _finite(float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
        return max(0.0, when.timestamp() - now)
    except (TypeError, ValueError, OverflowError, IndexError):
        return None
