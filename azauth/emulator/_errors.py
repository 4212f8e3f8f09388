"""Entra ID (AADSTS) shaped error responses."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

__all__ = ["EntraError", "error_body"]


class EntraError(Exception):
    """Raised inside handlers; rendered as an Entra-shaped JSON error response."""

    def __init__(self, status: int, error: str, code: int, message: str) -> None:
        super().__init__(f"AADSTS{code}: {message}")
        self.status = status
        self.error = error
        self.code = code
        self.message = message


def entra_timestamp(now: datetime.datetime | None = None) -> str:
    """Timestamp in Entra's ``YYYY-MM-DD HH:MM:SSZ`` format."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return now.strftime("%Y-%m-%d %H:%M:%SZ")


def error_body(authority: str, err: EntraError, *, trace_id: str, correlation_id: str) -> dict[str, Any]:
    """The JSON body Entra sends for ``err``."""
    timestamp = entra_timestamp()
    description = (
        f"AADSTS{err.code}: {err.message}\r\nTrace ID: {trace_id}\r\n"
        f"Correlation ID: {correlation_id}\r\nTimestamp: {timestamp}"
    )
    return {
        "error": err.error,
        "error_description": description,
        "error_codes": [err.code],
        "timestamp": timestamp,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
        "error_uri": f"{authority}/error?code={err.code}",
    }


def new_id() -> str:
    """A fresh random GUID string."""
    return str(uuid.uuid4())
