"""Choosing the account of the msal cache that Microsoft developer tools share (``SharedTokenCacheCredential``).

Pure functions over the cache document, with azure-identity's rules: without an ``AuthenticationRecord`` the
candidates are the accounts with a family (FOCI) refresh token, narrowed by username and home tenant; with a
record, the record's account and app. Messages are azure-identity's, with the cached usernames listed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from azure.core.credentials import AccessTokenInfo

from ..authority_hosts import AzureAuthorityHosts
from .msal_cache import ACCESS_TOKEN, ACCOUNT, REFRESH_TOKEN, _int
from .token_reply import RedactedAccessTokenInfo

__all__ = ["CacheQuery", "SharedAccount", "environment_aliases", "select_account"]

NO_ACCOUNTS = "SharedTokenCacheCredential authentication unavailable. No accounts were found in the cache."
MULTIPLE_ACCOUNTS = (
    "SharedTokenCacheCredential authentication unavailable. Multiple accounts were found in the cache. Use username"
    " and tenant id to disambiguate. Cached accounts: {}"
)
MULTIPLE_MATCHING = (
    "SharedTokenCacheCredential authentication unavailable. Multiple accounts matching the specified{}{} were found"
    " in the cache."
)
NO_MATCHING = (
    "SharedTokenCacheCredential authentication unavailable. No account matching the specified{}{} was found in the"
    " cache."
)
REFRESH_MARGIN = 300
"""A cached access token is used only while it has more than five minutes to live (as azure-identity)."""

_ALIASES = (
    frozenset((AzureAuthorityHosts.AZURE_CHINA, "login.partner.microsoftonline.cn")),
    frozenset((AzureAuthorityHosts.AZURE_PUBLIC_CLOUD, "login.windows.net", "login.microsoft.com", "sts.windows.net")),
    frozenset((AzureAuthorityHosts.AZURE_GOVERNMENT, "login.usgovcloudapi.net")),
)


def environment_aliases(environment: str) -> frozenset[str]:
    """The host names under which the same cloud's entries may be cached."""
    return next((aliases for aliases in _ALIASES if environment in aliases), frozenset((environment,)))


@dataclass(frozen=True)
class CacheQuery:
    """What to look for: the cloud, the hints, and (with a record) the account and app."""

    environments: frozenset[str]
    scopes: tuple[str, ...]
    now: float
    username: str | None = None
    tenant_id: str | None = None
    home_account_id: str | None = None
    client_id: str | None = None
    realm: str | None = None


@dataclass(frozen=True)
class SharedAccount:
    """The chosen account, its usable cached access token (if any) and its refresh tokens (newest first)."""

    home_account_id: str
    username: str
    access_token: AccessTokenInfo | None
    refresh_tokens: tuple[str, ...] = field(repr=False)


def _entries(document: Mapping[str, Any], section: str, query: CacheQuery) -> list[dict[str, Any]]:
    items = document.get(section, {})
    return [
        e
        for e in (items.values() if isinstance(items, dict) else ())
        if isinstance(e, dict)
        and isinstance(e.get("home_account_id"), str)
        and e["home_account_id"]
        and str(e.get("environment", "")).lower() in query.environments
    ]


def _describe(account: Mapping[str, Any]) -> str:
    parts = str(account.get("home_account_id", "")).split(".")
    return f"(username: {account.get('username')}, tenant: {parts[-1] if len(parts) == 2 else ''})"


def select_account(document: Mapping[str, Any], query: CacheQuery) -> SharedAccount | str:
    """The one account ``query`` designates, or why there is none (a ``CredentialUnavailableError`` message)."""
    refresh = _entries(document, REFRESH_TOKEN, query)
    if query.client_id is not None:  # a record names the app
        refresh = [e for e in refresh if str(e.get("client_id", "")).lower() == query.client_id.lower()]
    else:  # the developer tools' family of apps
        refresh = [e for e in refresh if "family_id" in e]
    homes = {e["home_account_id"] for e in refresh}
    accounts: dict[str, dict[str, Any]] = {}
    for account in _entries(document, ACCOUNT, query):
        if account["home_account_id"] in homes:
            accounts.setdefault(account["home_account_id"], account)
    if not accounts:
        return NO_ACCOUNTS
    candidates = list(accounts.values())
    if query.home_account_id is not None:
        candidates = [a for a in candidates if a["home_account_id"] == query.home_account_id]
    if query.username:
        candidates = [a for a in candidates if str(a.get("username", "")).lower() == query.username.lower()]
    if query.tenant_id:
        candidates = [a for a in candidates if str(a["home_account_id"]).split(".")[-1] == query.tenant_id]
    if len(candidates) != 1:
        if query.username or query.tenant_id or query.home_account_id:
            user = f" username: {query.username}" if query.username else ""
            tenant = f" tenant: {query.tenant_id}" if query.tenant_id else ""
            return (MULTIPLE_MATCHING if candidates else NO_MATCHING).format(user, tenant)
        return MULTIPLE_ACCOUNTS.format(", ".join(_describe(a) for a in accounts.values()))
    chosen = candidates[0]
    home = chosen["home_account_id"]
    mine = sorted(
        (e for e in refresh if e["home_account_id"] == home and isinstance(e.get("secret"), str) and e["secret"]),
        key=lambda e: _int(e.get("last_modification_time")) or 0,
        reverse=True,
    )
    return SharedAccount(
        home, str(chosen.get("username", "")), _access_token(document, query, home), tuple(e["secret"] for e in mine)
    )


def _access_token(document: Mapping[str, Any], query: CacheQuery, home: str) -> AccessTokenInfo | None:
    wanted = set(query.scopes)
    best: dict[str, Any] | None = None
    for entry in _entries(document, ACCESS_TOKEN, query):
        expires_on = _int(entry.get("expires_on"))
        if (
            entry["home_account_id"] != home
            or entry.get("credential_type") != ACCESS_TOKEN
            or not isinstance(entry.get("secret"), str)
            or not entry["secret"]
            or "ext_cache_key" in entry
            or "key_id" in entry
            or str(entry.get("token_type", "Bearer")).lower() != "bearer"
            or not wanted <= set(str(entry.get("target", "")).split())
            or (query.client_id is not None and str(entry.get("client_id", "")).lower() != query.client_id.lower())
            or (query.realm is not None and str(entry.get("realm", "")).lower() != query.realm.lower())
            or expires_on is None
            or expires_on - REFRESH_MARGIN <= query.now
        ):
            continue
        if best is None or expires_on > (_int(best.get("expires_on")) or 0):
            best = entry
    if best is None:
        return None
    refresh_on = _int(best.get("refresh_on")) if "refresh_on" in best else None
    return RedactedAccessTokenInfo(best["secret"], _int(best["expires_on"]) or 0, refresh_on=refresh_on)
