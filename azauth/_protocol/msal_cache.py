"""The msal token-cache document: the JSON msal and msal-extensions persist, for app-only access tokens.

An access token obtained with the client-credentials grant is stored as msal stores it, so msal,
msal-extensions, azure-identity and the Azure CLI read the tokens azauth writes and the other way round:

A user's tokens (from a password or refresh-token grant) are stored as msal's ``TokenCache.add`` stores them:
an ``Account`` (``<home_account_id>-<environment>-<realm>``), an ``AccessToken`` with the account's
``home_account_id`` (``<uid>.<utid>`` from ``client_info``), an ``IdToken`` and a ``RefreshToken``
(``<home_account_id>-<environment>-refreshtoken-<client_id>--<target>``, with msal's ``family_id``); see
:class:`UserTokenKey`. On-behalf-of tokens are a user's tokens bound to the user assertion they were
exchanged for (``user_assertion_hash``, MSAL.NET's field for it); see :class:`OnBehalfOfTokenKey`.

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
from .user_grants import UserTokenReply

__all__ = [
    "ACCESS_TOKEN",
    "APP_METADATA",
    "AccountTokenKey",
    "AppTokenKey",
    "OnBehalfOfTokenKey",
    "UserTokenKey",
    "add_app_token",
    "find_app_token",
    "parse_document",
    "serialize_document",
]

ACCESS_TOKEN = "AccessToken"
APP_METADATA = "AppMetadata"
ACCOUNT = "Account"
ID_TOKEN = "IdToken"
REFRESH_TOKEN = "RefreshToken"

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
        return cls(environment_of(authority), client_id, tenant, " ".join(sorted(scopes)))

    def find(self, document: Document, now: float) -> AccessTokenInfo | None:
        return find_app_token(document, self, now)

    def add(self, document: Document, record: AccessTokenInfo, now: float) -> None:
        add_app_token(document, self, record, now)

    @property
    def cache_key(self) -> str:
        """The entry's key in the document's ``AccessToken`` section, as msal computes it."""
        return "-".join(("", self.environment, ACCESS_TOKEN, self.client_id, self.realm, self.target)).lower()

    @property
    def app_metadata_key(self) -> str:
        return f"appmetadata-{self.environment}-{self.client_id}"


def environment_of(authority: str) -> str:
    """msal's ``environment`` of a normalized ``https://host[:port]`` authority: its host name, lowercased."""
    return (urlsplit(authority).hostname or "").lower()


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
    except (TypeError, ValueError, OverflowError):  # "soon", 1e999 (inf), NaN: not a time
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


@dataclass(frozen=True, slots=True)
class UserTokenKey:
    """What identifies a user's tokens in an msal cache: the account (by ``username``, as azure-identity's
    ``get_accounts(username=...)``), the app, the tenant the token comes from (``realm``) and the scopes.

    ``home_account_id`` narrows the account to the one an ``AuthenticationRecord`` names; ``account_source`` is
    the grant msal records the account was added by."""

    environment: str
    client_id: str
    realm: str
    target: str
    username: str
    home_account_id: str | None = None
    account_source: str = "password"

    @classmethod
    def for_request(
        cls,
        authority: str,
        client_id: str,
        tenant: str,
        scopes: tuple[str, ...],
        username: str,
        *,
        home_account_id: str | None = None,
        account_source: str = "password",
    ) -> UserTokenKey:
        target = " ".join(sorted(scopes))
        return cls(environment_of(authority), client_id, tenant, target, username, home_account_id, account_source)

    def _accounts(self, document: Document) -> set[str] | None:
        """The home account ids of this key's username (and home account id, if given) in this environment
        (``None``: any account)."""
        if not self.username:  # nobody signed in yet: the key only saves
            return set()
        wanted = self.username.lower()
        return {
            str(entry["home_account_id"])
            for entry in document.get(ACCOUNT, {}).values()
            if isinstance(entry, dict)
            and entry.get("home_account_id")
            and str(entry.get("username", "")).lower() == wanted
            and str(entry.get("environment", "")).lower() == self.environment
            and (self.home_account_id is None or entry.get("home_account_id") == self.home_account_id)
        }

    def _bound_fields(self) -> dict[str, str]:
        """Fields an entry must carry, and which key it: none for a plain user (entries with any are bound)."""
        return {}

    def _accepts(self, record: UserTokenReply) -> bool:
        """Whether a reply is persisted: msal records a user's tokens only with ``client_info``."""
        return bool(record.client_info and record.account.home_account_id)

    def _mine(self, entry: Any, kind: str, accounts: set[str] | None) -> bool:
        bound = self._bound_fields()
        return (
            isinstance(entry, dict)
            and entry.get("credential_type") == kind
            and bool(entry.get("home_account_id"))
            and (accounts is None or entry.get("home_account_id") in accounts)
            and all(entry.get(name) == value for name, value in bound.items())
            and ("user_assertion_hash" in entry) == ("user_assertion_hash" in bound)
            and str(entry.get("environment", "")).lower() == self.environment
            and str(entry.get("client_id", "")).lower() == self.client_id.lower()
            and isinstance(entry.get("secret"), str)
            and bool(entry["secret"])
        )

    def find(self, document: Document, now: float) -> AccessTokenInfo | None:
        """The unexpired access token of this user for (at least) these scopes from this realm, as msal's silent
        search finds it; bound tokens (extended cache key, proof of possession) are ignored."""
        accounts = self._accounts(document)
        wanted = set(self.target.split())
        best: dict[str, Any] | None = None
        for entry in document.get(ACCESS_TOKEN, {}).values():
            expires_on = _int(entry.get("expires_on")) if isinstance(entry, dict) else None
            if (
                self._mine(entry, ACCESS_TOKEN, accounts)
                and str(entry.get("realm", "")).lower() == self.realm.lower()
                and wanted <= set(str(entry.get("target", "")).split())
                and "ext_cache_key" not in entry
                and "key_id" not in entry
                and str(entry.get("token_type", "Bearer")).lower() == "bearer"
                and expires_on is not None
                and expires_on > now
                and (best is None or expires_on > (_int(best.get("expires_on")) or 0))
            ):
                best = entry
        if best is None:
            return None
        refresh_on = _int(best.get("refresh_on")) if "refresh_on" in best else None
        return RedactedAccessTokenInfo(
            best["secret"], _int(best["expires_on"]) or 0, token_type="Bearer", refresh_on=refresh_on
        )

    def refresh_token(self, document: Document) -> str | None:
        """This user's most recent refresh token for this app (refresh tokens are not bound to a realm)."""
        accounts = self._accounts(document)
        found = [e for e in document.get(REFRESH_TOKEN, {}).values() if self._mine(e, REFRESH_TOKEN, accounts)]
        if not found:
            return None
        newest = max(found, key=lambda e: _int(e.get("last_modification_time")) or 0)
        return str(newest["secret"])

    def add(self, document: Document, record: UserTokenReply, now: float) -> None:
        """Store a user grant's reply as msal's ``TokenCache.add`` does (nothing without ``client_info``, with
        which msal names the account); drops expired access tokens and the account's older refresh tokens."""
        home = record.account.home_account_id
        if not home or not self._accepts(record):
            return
        bound = self._bound_fields()
        suffix = tuple(bound.values())
        env, client, realm = self.environment, self.client_id, self.realm
        target = " ".join(sorted(set(record.scopes) | set(self.target.split())))
        cached_at = int(now)
        tokens = document.setdefault(ACCESS_TOKEN, {})
        for name in [
            k for k, v in tokens.items() if isinstance(v, dict) and (_int(v.get("expires_on")) or 0) < cached_at
        ]:
            del tokens[name]
        info = record.info
        access: dict[str, Any] = {
            "credential_type": ACCESS_TOKEN,
            "secret": info.token,
            "home_account_id": home,
            "environment": env,
            "client_id": client,
            "target": target,
            "realm": realm,
            "token_type": info.token_type or "Bearer",
            "cached_at": str(cached_at),
            "expires_on": str(int(info.expires_on)),
            "extended_expires_on": str(int(info.expires_on)),
        }
        if info.refresh_on is not None:
            access["refresh_on"] = str(int(info.refresh_on))
        access.update(bound)
        tokens["-".join((home, env, ACCESS_TOKEN, client, realm, target, *suffix)).lower()] = access
        if not bound:
            self._add_account(document, record, home)
        if record.refresh_token:
            refresh_tokens = document.setdefault(REFRESH_TOKEN, {})
            for name in [k for k, v in refresh_tokens.items() if self._mine(v, REFRESH_TOKEN, {home})]:
                del refresh_tokens[name]  # superseded: the newest refresh token replaces the account's others
            refresh: dict[str, Any] = {
                "credential_type": REFRESH_TOKEN,
                "secret": record.refresh_token,
                "home_account_id": home,
                "environment": env,
                "client_id": client,
                "target": target,
                "last_modification_time": str(cached_at),
            }
            if record.family_id is not None:
                refresh["family_id"] = record.family_id
            refresh.update(bound)
            refresh_tokens["-".join((home, env, REFRESH_TOKEN, client, "", target, *suffix)).lower()] = refresh
        metadata = document.setdefault(APP_METADATA, {})
        key = f"appmetadata-{env}-{client}"
        existing = metadata.get(key)
        entry: dict[str, Any] = {
            **(existing if isinstance(existing, dict) else {}),
            "client_id": client,
            "environment": env,
        }
        if record.family_id is not None:
            entry["family_id"] = record.family_id
        metadata[key] = entry

    def _add_account(self, document: Document, record: UserTokenReply, home: str) -> None:
        """The ``Account`` and ``IdToken`` entries msal writes for a signed-in user."""
        env, client, realm = self.environment, self.client_id, self.realm
        document.setdefault(ACCOUNT, {})["-".join((home, env, realm)).lower()] = {
            "home_account_id": home,
            "environment": env,
            "realm": realm,
            "local_account_id": record.local_account_id,
            "username": record.account.username or self.username,
            "authority_type": "ADFS" if realm == "adfs" else "MSSTS",
            "account_source": self.account_source,
        }
        if record.id_token:
            document.setdefault(ID_TOKEN, {})["-".join((home, env, ID_TOKEN, client, realm, "")).lower()] = {
                "credential_type": ID_TOKEN,
                "secret": record.id_token,
                "home_account_id": home,
                "environment": env,
                "realm": realm,
                "client_id": client,
            }


@dataclass(frozen=True, slots=True)
class AccountTokenKey(UserTokenKey):
    """A user's tokens found by the account's ``home_account_id`` rather than a username: what a credential that
    learns its account from its first reply (an authorization code's redemption) may be served, as
    azure-identity's ``get_cached_access_token(home_account_id=...)``; nothing is found before that account is
    known (``home_account_id`` ``None``), so a shared cache never serves another account's token."""

    def _accounts(self, document: Document) -> set[str]:
        return {self.home_account_id} if self.home_account_id else set()


@dataclass(frozen=True, slots=True)
class OnBehalfOfTokenKey(UserTokenKey):
    """What identifies on-behalf-of tokens in an msal cache: the app, the tenant (``realm``), the scopes and the
    user assertion they were exchanged for, by its SHA-256 hash (``user_assertion_hash``, the field MSAL.NET gives
    on-behalf-of entries).

    Entries are a user's entries as msal writes them (``home_account_id`` of the user, so msal never serves them
    as an app's token; no ``Account`` entry, so no username lookup finds them) and are found only by the same
    assertion: two users, or one user's two assertions, never share a token, in this process or another.
    """

    assertion_hash: str = ""

    @classmethod
    def for_assertion(
        cls, authority: str, client_id: str, tenant: str, scopes: tuple[str, ...], assertion_hash: str
    ) -> OnBehalfOfTokenKey:
        target = " ".join(sorted(scopes))
        return cls(environment_of(authority), client_id, tenant, target, "", assertion_hash=assertion_hash)

    def _accounts(self, document: Document) -> set[str] | None:
        return None  # any account: the assertion is what binds

    def _bound_fields(self) -> dict[str, str]:
        return {"user_assertion_hash": self.assertion_hash}

    def _accepts(self, record: UserTokenReply) -> bool:
        return bool(record.account.home_account_id)  # from client_info or the assertion's own oid.tid
