"""Parsing token-endpoint replies into ``AccessTokenInfo`` and Entra errors into exceptions."""

from __future__ import annotations

import json
import math
from typing import Any

from azure.core.credentials import AccessToken, AccessTokenInfo
from azure.core.exceptions import ClientAuthenticationError

from .steps import Reply

__all__ = [
    "EntraError",
    "RedactedAccessToken",
    "RedactedAccessTokenInfo",
    "check_expiry",
    "check_reply",
    "parse_token_reply",
    "refresh_on_for",
]

HALF_LIFE_THRESHOLD = 7200  # tokens living this long or longer are refreshed at half-life (as msal does)
MAX_TOKEN_LIFETIME = 7 * 24 * 3600
"""Longest a token is trusted for: Entra's tokens live hours (a managed identity's up to a day); a longer
lifetime is a broken reply or cache entry, and the token is kept only this long."""


class RedactedAccessToken(AccessToken):
    """``AccessToken`` whose repr never shows the token."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"AccessToken(token='***', expires_on={self.expires_on})"

    __str__ = __repr__


class RedactedAccessTokenInfo(AccessTokenInfo):
    """``AccessTokenInfo`` whose repr never shows the token."""

    def __repr__(self) -> str:
        return (
            f"AccessTokenInfo(token='***', expires_on={self.expires_on}, token_type='{self.token_type}',"
            f" refresh_on={self.refresh_on})"
        )

    __str__ = __repr__


class EntraError(ClientAuthenticationError):
    """Microsoft Entra ID refused a token request.

    ``entra_error`` is Entra's ``error``; ``error_codes``, ``error_description``, ``correlation_id`` and
    ``trace_id`` are Entra's fields of the same names.
    """

    def __init__(
        self,
        message: str,
        *,
        error: str | None = None,
        error_description: str | None = None,
        error_codes: tuple[int, ...] = (),
        status: int | None = None,
        correlation_id: str | None = None,
        trace_id: str | None = None,
    ) -> None:
        super().__init__(message=message)
        self.entra_error = error
        self.error_description = error_description
        self.error_codes = error_codes
        self.status_code = status
        self.correlation_id = correlation_id
        self.trace_id = trace_id


def refresh_on_for(lifetime: float, expires_on: int, now: float, refresh_in: Any = None) -> int | None:
    """Entra's ``refresh_in`` when given, else half-life for long-lived tokens, else ``None``."""
    if isinstance(refresh_in, (int, float, str)) and not isinstance(refresh_in, bool):
        try:
            seconds = float(refresh_in)
        except ValueError:
            seconds = math.nan
        if math.isfinite(seconds) and seconds > 0:
            return min(int(now + seconds), expires_on)
    if lifetime >= HALF_LIFE_THRESHOLD:
        return int(now + lifetime / 2)
    return None


def check_expiry(info: AccessTokenInfo, now: float, source: str) -> AccessTokenInfo:
    """``info`` when its expiry is sane: ``ClientAuthenticationError`` naming ``source`` when it has none or
    is already past; a lifetime over :data:`MAX_TOKEN_LIFETIME` is shortened to it (``refresh_on`` too).

    Every token a credential caches passes here (replies, managed identity, the persistent cache, tools).
    """
    expires_on: Any = info.expires_on
    if isinstance(expires_on, bool) or not isinstance(expires_on, (int, float)) or not math.isfinite(expires_on):
        raise ClientAuthenticationError(message=f"{source} returned a token without a usable expiry time")
    if expires_on <= now:
        raise ClientAuthenticationError(
            message=f"{source} returned a token that had already expired ({int(now - expires_on)} s before it"
            " was received); check the clocks of this machine and the server"
        )
    refresh_on: Any = info.refresh_on
    refresh_ok = refresh_on is None or (
        isinstance(refresh_on, (int, float)) and math.isfinite(refresh_on) and refresh_on <= expires_on
    )
    if expires_on <= now + MAX_TOKEN_LIFETIME and refresh_ok and isinstance(expires_on, int):
        return info
    expires = int(min(expires_on, now + MAX_TOKEN_LIFETIME))
    refresh = int(min(refresh_on, expires)) if refresh_ok and refresh_on is not None else None
    return RedactedAccessTokenInfo(info.token, expires, token_type=info.token_type, refresh_on=refresh)


def _describe(endpoint: str, reply: Reply) -> str:
    content_type = reply.header("content-type") or "no content type"
    return f"{endpoint} answered HTTP {reply.status} ({content_type}, {len(reply.body)} bytes)"


def _json_object(reply: Reply) -> dict[str, Any] | None:
    try:
        body = json.loads(reply.body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


def check_reply(reply: Reply, endpoint: str) -> dict[str, Any]:
    """Return the JSON object of a successful reply; raise a clear ``ClientAuthenticationError`` otherwise.

    Entra errors keep Entra's ``error`` and AADSTS description; anything else (HTML from a proxy, an empty
    body) is described by status and content type without echoing the body.
    """
    body = _json_object(reply)
    if 200 <= reply.status < 300 and body is not None and "error" not in body:
        return body
    if body is not None and isinstance(body.get("error"), str):
        description = body.get("error_description")
        description = description if isinstance(description, str) else ""
        # Entra appends trace/correlation ids and a timestamp on separate lines; keep the first line.
        summary = description.split("\r\n", 1)[0].split("\n", 1)[0].strip()
        codes = body.get("error_codes")
        raise EntraError(
            f"{endpoint} returned error '{body['error']}' (HTTP {reply.status}): {summary or 'no description'}",
            error=body["error"],
            error_description=description or None,
            error_codes=tuple(c for c in codes if isinstance(c, int)) if isinstance(codes, list) else (),
            status=reply.status,
            correlation_id=body.get("correlation_id") if isinstance(body.get("correlation_id"), str) else None,
            trace_id=body.get("trace_id") if isinstance(body.get("trace_id"), str) else None,
        )
    if 200 <= reply.status < 300:
        raise ClientAuthenticationError(message=f"Unexpected response: {_describe(endpoint, reply)}, not a JSON object")
    raise ClientAuthenticationError(message=f"Authentication failed: {_describe(endpoint, reply)}")


def parse_token_reply(reply: Reply, now: float, *, endpoint: str = "The token endpoint") -> AccessTokenInfo:
    """Turn a token-endpoint reply into ``AccessTokenInfo`` (``expires_on`` from ``expires_in``/``expires_on``)."""
    body = check_reply(reply, endpoint)
    token = body.get("access_token")
    if not isinstance(token, str) or not token:
        raise ClientAuthenticationError(
            message=f"Unexpected response: {_describe(endpoint, reply)} without an access_token"
        )
    expires_on = _expiry(body, now)
    if expires_on is None:
        raise ClientAuthenticationError(
            message=f"Unexpected response: {_describe(endpoint, reply)} without a valid expires_in or expires_on"
        )
    token_type = body.get("token_type")
    return RedactedAccessTokenInfo(
        token,
        expires_on,
        token_type=token_type if isinstance(token_type, str) and token_type else "Bearer",
        refresh_on=refresh_on_for(expires_on - now, expires_on, now, body.get("refresh_in")),
    )


def _expiry(body: dict[str, Any], now: float) -> int | None:
    for field_name, relative in (("expires_in", True), ("expires_on", False)):
        value = body.get(field_name)
        if isinstance(value, bool) or value is None:
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            continue
        if not math.isfinite(number) or number <= 0:
            continue
        return int(now + number) if relative else int(number)
    return None
