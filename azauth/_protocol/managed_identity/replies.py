"""Managed-identity replies: tokens in each host's shape, identity echoes, and errors that say what happened.

Hosts disagree on the shape of a token reply: ``expires_in`` and ``expires_on`` as numbers or strings,
``expires_on`` as a date string (Azure ML, App Service 2017-09-01), ``expires_in`` missing (App Service,
Service Fabric). Errors come as ``{"error", "error_description"}`` (IMDS, Azure Arc), ``{"error": {"code",
"message"}}`` (Service Fabric) or ``{"statusCode", "message"}`` (App Service). Messages never include a token.
"""

from __future__ import annotations

import calendar
import math
import time
from dataclasses import dataclass
from typing import Any

from azure.core.credentials import AccessTokenInfo
from azure.core.exceptions import ClientAuthenticationError

from ...errors import CredentialUnavailableError
from ..steps import Reply
from ..token_reply import RedactedAccessTokenInfo, _json_object, refresh_on_for
from .hosts import Host, Identity

__all__ = ["Context", "ManagedIdentityError", "describe_reply", "parse_expires_on", "parse_token"]

_MAX_DETAIL = 400


class ManagedIdentityError(ClientAuthenticationError):
    """A managed-identity endpoint refused or failed a token request.

    ``status_code`` is the endpoint's HTTP status and ``error_code`` its error code, when it answered.
    """

    def __init__(self, message: str, *, status: int | None = None, error: str | None = None) -> None:
        super().__init__(message=message)
        self.status_code = status
        self.error_code = error


@dataclass(frozen=True, slots=True)
class Context:
    """What every message names: the host detected, its endpoint and the identity requested."""

    host: Host
    identity: Identity
    resource: str

    def prefix(self) -> str:
        return f"ManagedIdentityCredential ({self.host.name} at {self.host.endpoint}, {self.identity.describe()})"

    def failed(self, detail: str, *, reply: Reply | None = None, unavailable: bool = False) -> Exception:
        message = f"{self.prefix()}: {detail}"
        if unavailable:
            return CredentialUnavailableError(message=message)
        if reply is not None:
            error, _ = _error_fields(reply)
            return ManagedIdentityError(message, status=reply.status, error=error)
        return ManagedIdentityError(message)


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_DETAIL else text[: _MAX_DETAIL - 3] + "..."


def _error_fields(reply: Reply) -> tuple[str | None, str | None]:
    """(error code, description) in whichever shape the host uses."""
    body = _json_object(reply)
    if body is None or "access_token" in body:
        return None, None
    error = body.get("error")
    if isinstance(error, dict):  # Service Fabric
        code, message = error.get("code"), error.get("message")
        return (code if isinstance(code, str) else None), (message if isinstance(message, str) else None)
    description = body.get("error_description")
    if not isinstance(description, str):
        description = body.get("message") if isinstance(body.get("message"), str) else body.get("Message")
    code = error if isinstance(error, str) else None
    if code is None and isinstance(body.get("statusCode"), (int, str)):  # App Service
        code = f"statusCode {body['statusCode']}"
    return code, (description if isinstance(description, str) else None)


def describe_reply(reply: Reply) -> str:
    """``HTTP 400, invalid_request: Identity not found``; a non-JSON body by type and size, never echoed."""
    code, description = _error_fields(reply)
    if code or description:
        if code and description:
            return f"HTTP {reply.status}, {code}: {_clip(description)}"
        return f"HTTP {reply.status}, {code or _clip(description or '')}"
    content_type = reply.header("content-type") or "no content type"
    return f"HTTP {reply.status} ({content_type}, {len(reply.body)} bytes)"


_DATE_FORMATS = ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %I:%M:%S %p")  # Linux, Windows


def parse_expires_on(value: Any) -> int | None:
    """``expires_on`` as epoch seconds: a number, a numeric string, or ``"06/20/2019 02:57:58 +00:00"``."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return int(value) if math.isfinite(value) and value > 0 else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        number = float(text)
    except ValueError:
        pass
    else:
        return int(number) if math.isfinite(number) and number > 0 else None
    if text.endswith(" +00:00"):
        text = text[: -len(" +00:00")]
        for fmt in _DATE_FORMATS:
            try:
                return calendar.timegm(time.strptime(text, fmt))
            except ValueError:
                continue
    return None


def _positive(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number > 0 else None


_ECHO_FIELDS = {
    "client_id": ("client_id", "clientid"),
    "object_id": ("object_id",),
    "resource_id": ("msi_res_id", "mi_res_id"),
}


def _check_echo(context: Context, body: dict[str, Any], *, required: bool) -> None:
    """Refuse a token for another identity: compare the identity the host echoes with the one requested."""
    identity = context.identity
    if not identity.user_assigned:
        return
    echoed = next((body[f] for f in _ECHO_FIELDS[identity.kind] if isinstance(body.get(f), str) and body[f]), None)
    if echoed is None:
        if required:
            raise context.failed(
                f"the reply does not confirm {identity.describe()}; the agent likely does not support"
                " user-assigned identities and returned the system-assigned identity's token, which was discarded"
            )
        return
    if echoed.lower() != identity.value.lower():
        raise context.failed(
            f"the endpoint returned a token for {identity.kind} '{echoed}' instead of {identity.describe()};"
            " the token was discarded"
        )


def parse_token(reply: Reply, now: float, context: Context) -> AccessTokenInfo:
    """A successful reply's token (``expires_on`` from ``expires_on`` or ``expires_in``), after the echo check."""
    body = _json_object(reply)
    if body is None:
        content_type = reply.header("content-type") or "no content type"
        raise context.failed(
            f"the endpoint answered HTTP {reply.status} with {content_type} ({len(reply.body)} bytes), not JSON",
            unavailable=True,
        )
    token = body.get("access_token")
    if not isinstance(token, str) or not token:
        raise context.failed(f"the reply (HTTP {reply.status}) has no access_token")
    _check_echo(context, body, required=context.host.kind == "azure_arc")
    expires_in = _positive(body.get("expires_in"))
    expires_on = parse_expires_on(body.get("expires_on"))
    if expires_on is None and expires_in is not None:
        expires_on = int(now + expires_in)
    if expires_on is None:
        raise context.failed(f"the reply (HTTP {reply.status}) has no valid expires_on or expires_in")
    lifetime = expires_in if expires_in is not None else expires_on - now
    token_type = body.get("token_type")
    return RedactedAccessTokenInfo(
        token,
        expires_on,
        token_type=token_type if isinstance(token_type, str) and token_type else "Bearer",
        refresh_on=refresh_on_for(lifetime, expires_on, now, body.get("refresh_in")),
    )
