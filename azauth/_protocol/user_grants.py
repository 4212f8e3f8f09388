"""Token-endpoint grants that act for a user: on-behalf-of, authorization code, refresh token, password.

Each is a sans-IO flow like :func:`entra.client_credentials`. The confidential-client authentication they
share (a secret, or a client assertion for the token endpoint's audience) is :class:`ClientAuth`.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from azure.core.credentials import AccessTokenInfo

from .entra import ASSERTION_TYPE, token_request
from .steps import Flow, Send
from .token_reply import check_reply, parse_token_reply

__all__ = [
    "JWT_BEARER_GRANT",
    "Account",
    "ClientAuth",
    "UserTokenReply",
    "authorization_code",
    "on_behalf_of",
    "password",
    "refresh_token",
]

JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
USER_SCOPES = ("offline_access", "openid", "profile")
"""Scopes a user grant adds so that the reply carries a refresh token and the account (as msal sends)."""


@dataclass(frozen=True)
class ClientAuth:
    """How a confidential client authenticates: ``secret``, or ``assertion(audience)``; neither for a public
    client. Never shown in a repr."""

    secret: str | None = field(default=None, repr=False)
    assertion: Callable[[str], str] | None = field(default=None, repr=False)

    def apply(self, form: dict[str, str], url: str) -> None:
        if self.secret is not None:
            form["client_secret"] = self.secret
        elif self.assertion is not None:
            form["client_assertion_type"] = ASSERTION_TYPE
            form["client_assertion"] = self.assertion(url)


@dataclass(frozen=True)
class Account:
    """The signed-in account a user grant's reply names (no secrets): msal's home account id is
    ``{uid}.{utid}``."""

    home_account_id: str | None
    username: str | None
    tenant_id: str | None


@dataclass(frozen=True)
class UserTokenReply:
    """An access token, the refresh token that came with it (if any) and the account; with what an msal token
    cache records of the reply: the id token, the granted scopes (the reply's ``scope``, else those requested),
    the FOCI family, the account's local id (``oid``, else ``sub``) and whether the account came from
    ``client_info`` (msal records an account only then)."""

    info: AccessTokenInfo
    refresh_token: str | None = field(repr=False)
    account: Account
    id_token: str | None = field(default=None, repr=False)
    scopes: tuple[str, ...] = ()
    family_id: str | None = None
    local_account_id: str | None = None
    client_info: bool = False


def _with_user_scopes(scopes: Sequence[str]) -> str:
    return " ".join([*scopes, *(s for s in USER_SCOPES if s not in scopes)])


def _b64_json(segment: str) -> dict[str, Any]:
    try:
        value = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return {}
    return value if isinstance(value, dict) else {}


def account_from(body: Mapping[str, Any]) -> Account:
    """The account in a token reply, from ``client_info`` and the id token's claims (unverified: they only label
    the cache entry; the access token is what authorizes)."""
    client_info = _b64_json(body["client_info"]) if isinstance(body.get("client_info"), str) else {}
    id_token = body.get("id_token")
    claims = _b64_json(id_token.split(".")[1]) if isinstance(id_token, str) and id_token.count(".") == 2 else {}
    uid, utid = client_info.get("uid") or claims.get("oid"), client_info.get("utid") or claims.get("tid")
    username = claims.get("preferred_username") or claims.get("upn")
    return Account(
        home_account_id=f"{uid}.{utid}" if uid and utid else None,
        username=username if isinstance(username, str) else None,
        tenant_id=utid if isinstance(utid, str) else None,
    )


def _user_reply(url: str, form: dict[str, str], now: Callable[[], float]) -> Flow[UserTokenReply]:
    reply = yield Send(token_request(url, form))
    endpoint = f"The token endpoint {url}"
    info = parse_token_reply(reply, now(), endpoint=endpoint)
    body = check_reply(reply, endpoint)
    refresh, id_token, granted = body.get("refresh_token"), body.get("id_token"), body.get("scope")
    claims = _b64_json(id_token.split(".")[1]) if isinstance(id_token, str) and id_token.count(".") == 2 else {}
    local_id = claims.get("oid") or claims.get("sub")
    family = body.get("foci")
    client_info = _b64_json(body["client_info"]) if isinstance(body.get("client_info"), str) else {}
    return UserTokenReply(
        info,
        refresh if isinstance(refresh, str) and refresh else None,
        account_from(body),
        id_token=id_token if isinstance(id_token, str) and id_token else None,
        scopes=tuple((granted if isinstance(granted, str) else form["scope"]).split()),
        family_id=str(family) if isinstance(family, (str, int)) and not isinstance(family, bool) else None,
        local_account_id=local_id if isinstance(local_id, str) else None,
        client_info=bool(client_info.get("uid") and client_info.get("utid")),
    )


def _form(grant: str, client_id: str, scope: str, claims: str | None, **values: str) -> dict[str, str]:
    form = {"grant_type": grant, "client_id": client_id, "scope": scope, **values}
    if grant != JWT_BEARER_GRANT:
        form["client_info"] = "1"  # the reply names the account by client_info, as msal asks
    if claims:
        form["claims"] = claims
    return form


def on_behalf_of(
    url: str,
    client_id: str,
    scopes: Sequence[str],
    *,
    user_assertion: str,
    client: ClientAuth,
    now: Callable[[], float],
    claims: str | None = None,
) -> Flow[AccessTokenInfo]:
    """The on-behalf-of grant: exchange a user's access token (``user_assertion``) for a token to ``scopes``."""
    form = _form(
        JWT_BEARER_GRANT,
        client_id,
        " ".join(scopes),
        claims,
        assertion=user_assertion,
        requested_token_use="on_behalf_of",
    )
    client.apply(form, url)
    reply = yield Send(token_request(url, form))
    return parse_token_reply(reply, now(), endpoint=f"The token endpoint {url}")


def authorization_code(
    url: str,
    client_id: str,
    scopes: Sequence[str],
    *,
    code: str,
    redirect_uri: str,
    client: ClientAuth,
    now: Callable[[], float],
    claims: str | None = None,
    code_verifier: str | None = None,
) -> Flow[UserTokenReply]:
    """Redeem an authorization code (with ``offline_access``, so a refresh token comes back); ``code_verifier`` is
    the PKCE secret whose challenge the authorization request carried."""
    form = _form(
        "authorization_code", client_id, _with_user_scopes(scopes), claims, code=code, redirect_uri=redirect_uri
    )
    if code_verifier is not None:
        form["code_verifier"] = code_verifier
    client.apply(form, url)
    return (yield from _user_reply(url, form, now))


def refresh_token(
    url: str,
    client_id: str,
    scopes: Sequence[str],
    *,
    token: str,
    client: ClientAuth,
    now: Callable[[], float],
    claims: str | None = None,
) -> Flow[UserTokenReply]:
    """Redeem a refresh token for ``scopes``; Entra returns a new refresh token to use next time."""
    form = _form("refresh_token", client_id, _with_user_scopes(scopes), claims, refresh_token=token)
    client.apply(form, url)
    return (yield from _user_reply(url, form, now))


def password(
    url: str,
    client_id: str,
    scopes: Sequence[str],
    *,
    username: str,
    user_password: str,
    now: Callable[[], float],
    claims: str | None = None,
) -> Flow[UserTokenReply]:
    """The resource-owner password grant (public client; no multi-factor authentication possible)."""
    form = _form("password", client_id, _with_user_scopes(scopes), claims, username=username, password=user_password)
    return (yield from _user_reply(url, form, now))
