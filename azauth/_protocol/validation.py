"""Validation of what ends up in a URL or a request: authorities, tenant ids and scopes.

Every rule raises ``ValueError`` with a message that names the offending value's role and, where safe,
the value itself (none of these are secrets).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

__all__ = ["normalize_authority", "validate_scopes", "validate_tenant_id"]

_HOST = re.compile(r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$")
_IPV6 = re.compile(r"^\[[0-9a-f:.]+\]$")
_IPV6_NETLOC = re.compile(r"^\[[0-9a-f:.]+\](?::[0-9]+)?$")
"""A bracketed address and an optional port, nothing else: ``[::1]junk`` is refused, not shortened."""
_USER_INFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)?[^/?#]*@")
_TENANT = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$")
_SCOPE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.:/")


def _printable_ascii(value: str) -> bool:
    return all(" " < ch < "\x7f" for ch in value)


def _shown(authority: str) -> str:
    """``authority`` as messages may quote it: any user info (``user:password@``) replaced by ``***@``."""
    return _USER_INFO.sub(r"\1***@", authority)


def normalize_authority(authority: str) -> str:
    """Return ``https://host[:port]`` for an authority given as a host or an https URL.

    Accepts ``login.microsoftonline.com``, ``host:port`` or ``https://host[:port][/]``; rejects any other
    scheme, user info, a path, query or fragment, backslashes, whitespace and non-ASCII characters. Messages
    quote the authority without its user info (it may hold a password).
    """
    if not isinstance(authority, str):
        raise ValueError(f"authority must be a string, not {type(authority).__name__}")
    raw = authority.strip()
    if not raw:
        raise ValueError("authority must not be empty")
    shown = _shown(authority)
    if not _printable_ascii(raw) or "\\" in raw:
        raise ValueError(
            f"authority {shown!r} contains whitespace, a backslash, a control or a non-ASCII character;"
            " use the host name (punycode for international names), e.g. 'login.microsoftonline.com'"
        )
    if "://" not in raw:
        raw = "https://" + raw
    parts = urlsplit(raw)
    if parts.scheme.lower() != "https":
        raise ValueError(f"authority {shown!r} must use https: Microsoft Entra ID is only reachable over TLS")
    if "@" in parts.netloc:
        raise ValueError(f"authority {shown!r} must not contain user info ('user@')")
    if parts.path not in ("", "/") or parts.query or parts.fragment or raw.endswith(("?", "#")):
        raise ValueError(
            f"authority {shown!r} must be a host with an optional port, without a path, query or"
            " fragment; the tenant is given separately (tenant_id)"
        )
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"authority {shown!r} has an invalid port") from None
    host = (parts.hostname or "").lower()
    bracketed = parts.netloc.startswith("[")
    if bracketed and not (_IPV6.fullmatch("[" + host + "]") and _IPV6_NETLOC.fullmatch(parts.netloc.lower())):
        raise ValueError(f"authority {shown!r} has an invalid IPv6 address")
    if not bracketed and not _HOST.fullmatch(host):
        raise ValueError(f"authority {shown!r} does not have a valid host name")
    if port == 0:
        raise ValueError(f"authority {shown!r} has an invalid port")
    netloc = f"[{host}]" if bracketed else host
    return f"https://{netloc}" + (f":{port}" if port not in (None, 443) else "")


def validate_tenant_id(tenant_id: str, *, role: str = "tenant_id") -> str:
    """Return ``tenant_id`` when it is a GUID, a domain-like name or a special tenant; else raise."""
    if not isinstance(tenant_id, str) or not tenant_id:
        raise ValueError(f"{role} must be a non-empty string (a tenant GUID or domain such as contoso.com)")
    if ".." in tenant_id or not _TENANT.fullmatch(tenant_id):
        raise ValueError(
            f"{role} {tenant_id!r} is invalid: a tenant id is a GUID or a domain name (letters, digits, '-'"
            " and single '.'), or one of 'organizations', 'common', 'consumers'. See"
            " https://learn.microsoft.com/partner-center/find-ids-and-domain-names"
            if _printable_ascii(tenant_id)
            else f"{role} is invalid: it contains whitespace, a control or a non-ASCII character"
        )
    return tenant_id


def validate_scopes(scopes: Iterable[str], *, method: str = "get_token") -> tuple[str, ...]:
    """Return ``scopes`` as a tuple when there is at least one and each uses only allowed characters."""
    result = tuple(scopes)
    if not result:
        raise ValueError(f'"{method}" requires at least one scope')
    for scope in result:
        if not isinstance(scope, str) or not scope or not _SCOPE_CHARS.issuperset(scope):
            raise ValueError(
                f"An invalid scope was provided: {scope!r}. Only alphanumeric characters, '.', '-', '_', ':',"
                " and '/' are allowed."
                if isinstance(scope, str) and _printable_ascii(scope)
                else "An invalid scope was provided. Only alphanumeric characters, '.', '-', '_', ':', and '/'"
                " are allowed."
            )
    return result
