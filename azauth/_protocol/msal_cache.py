"""The msal token-cache document: the JSON msal and msal-extensions persist, for app-only access tokens.

An access token obtained with the client-credentials grant is stored as msal stores it, so msal,
msal-extensions, azure-identity and the Azure CLI read the tokens azauth writes and the other way round:

``{"AccessToken": {"-<environment>-accesstoken-<client_id>-<realm>-<target>": {"credential_type": "AccessToken",
"secret": ..., "home_account_id": null, "environment": ..., "client_id": ..., "target": ..., "realm": ...,
"token_type": "Bearer", "cached_at": "<unix time>", "expires_on": "...", "extended_expires_on": "..."[,
"refresh_on": "..."]}}, "AppMetadata": {"appmetadata-<environment>-<client_id>": {...}}}``

The key is lowercased; ``environment`` is the authority's host name (without a port, as msal has it), ``realm``
the tenant the token was issued for, ``target`` the scopes sorted and joined by spaces; times are strings.
Pure functions over plain data: no file, no lock, no clock.
"""

from __future__ import annotations

import json
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from azure.core.credentials import AccessTokenInfo

from .token_reply import RedactedAccessTokenInfo

__all__ = [
    "ACCESS_TOKEN",
    "APP_METADATA",
    "AppTokenKey",
    "add_app_token",
    "find_app_token",
    "parse_document",
    "serialize_document",
]

ACCESS_TOKEN = "AccessToken"
APP_METADATA = "AppMetadata"

Document = MutableMapping[str, Any]


@dataclass(frozen=True, slots=True)
class AppTokenKey:
    """What identifies an app-only access token in an msal cache."""

    environment: str
    client_id: str
    realm: str
    target: str

    @classmethod
    def for_request(cls, authority: str, client_id: str, tenant: str, scopes: tuple[str, ...]) -> AppTokenKey:
        """The key of a token for ``scopes`` from ``tenant`` at a normalized ``https://host[:port]`` authority."""
        return cls((urlsplit(authority).hostname or "").lower(), client_id, tenant, " ".join(sorted(scopes)))

    @property
    def cache_key(self) -> str:
        """The entry's key in the document's ``AccessToken`` section, as msal computes it."""
        return "-".join(("", self.environment, ACCESS_TOKEN, self.client_id, self.realm, self.target)).lower()

    @property
    def app_metadata_key(self) -> str:
        return f"appmetadata-{self.environment}-{self.client_id}"


def parse_document(text: str) -> dict[str, Any]:
    """The cache document in ``text`` (empty text is an empty cache).

    Raises ``ValueError`` when ``text`` is not a JSON object whose sections are objects: the cache is corrupt.
    The message never quotes the text (it holds tokens).
    """
    if not text.strip():
        return {}
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"not JSON ({type(exc).__name__} at character {getattr(exc, 'pos', '?')})") from None
    if not isinstance(document, dict):
        raise ValueError(f"a JSON {type(document).__name__}, not an object")
    for section, entries in document.items():
        if not isinstance(entries, dict):
            raise ValueError(f"section {section!r} is a JSON {type(entries).__name__}, not an object")
    return document


def serialize_document(document: Document) -> str:
    """The document as msal serializes it (indented JSON)."""
    return json.dumps(document, indent=4)


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def find_app_token(document: Document, key: AppTokenKey, now: float) -> AccessTokenInfo | None:
    """The unexpired app-only access token stored under ``key``, or ``None``.

    Entries msal would not serve for a client-credentials request (a user's token, one bound to an extended
    cache key or a proof-of-possession key, a non-Bearer token) are ignored, as are malformed ones.
    """
    entry = document.get(ACCESS_TOKEN, {}).get(key.cache_key)
    if not isinstance(entry, dict):
        return None
    secret = entry.get("secret")
    expires_on = _int(entry.get("expires_on"))
    if (
        entry.get("credential_type") != ACCESS_TOKEN
        or entry.get("home_account_id")
        or "ext_cache_key" in entry
        or "key_id" in entry
        or str(entry.get("token_type", "Bearer")).lower() != "bearer"
        or str(entry.get("client_id", "")).lower() != key.client_id.lower()
        or str(entry.get("realm", "")).lower() != key.realm.lower()
        or set(str(entry.get("target", "")).split()) != set(key.target.split())
        or not isinstance(secret, str)
        or not secret
        or expires_on is None
        or expires_on <= now
    ):
        return None
    refresh_on = _int(entry.get("refresh_on")) if "refresh_on" in entry else None
    return RedactedAccessTokenInfo(secret, expires_on, token_type="Bearer", refresh_on=refresh_on)


def add_app_token(document: Document, key: AppTokenKey, info: AccessTokenInfo, now: float) -> None:
    """Store ``info`` under ``key`` as msal does, and drop expired access tokens as msal's searches do."""
    tokens = document.setdefault(ACCESS_TOKEN, {})
    cached_at = int(now)
    for name in [k for k, v in tokens.items() if isinstance(v, dict) and (_int(v.get("expires_on")) or 0) < cached_at]:
        del tokens[name]
    entry: dict[str, Any] = {
        "credential_type": ACCESS_TOKEN,
        "secret": info.token,
        "home_account_id": None,
        "environment": key.environment,
        "client_id": key.client_id,
        "target": key.target,
        "realm": key.realm,
        "token_type": info.token_type or "Bearer",
        "cached_at": str(cached_at),
        "expires_on": str(int(info.expires_on)),
        "extended_expires_on": str(int(info.expires_on)),
    }
    if info.refresh_on is not None:
        entry["refresh_on"] = str(int(info.refresh_on))
    tokens[key.cache_key] = entry
    metadata = document.setdefault(APP_METADATA, {})
    existing = metadata.get(key.app_metadata_key)
    metadata[key.app_metadata_key] = {
        **(existing if isinstance(existing, dict) else {}),  # keeps a family_id an interactive app recorded
        "client_id": key.client_id,
        "environment": key.environment,
    }
