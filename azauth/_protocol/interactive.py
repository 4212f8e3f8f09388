"""The interactive user sign-ins, sans-IO: the authorization-code flow with PKCE through a browser and a loopback
redirect, and the device-authorization grant; and the ``AuthenticationRecord`` a sign-in produces.

The browser, the redirect listener and the prompt are steps (:class:`OpenBrowser`, :class:`ListenForRedirect`,
:class:`Prompt`) the drivers perform; waiting is :class:`Sleep`, so an injected clock drives every timeout.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlencode, urlsplit

from azure.core.exceptions import ClientAuthenticationError

from ..authentication_record import AuthenticationRecord
from ..errors import CredentialUnavailableError
from .entra import token_request
from .steps import Flow, ListenForRedirect, OpenBrowser, Prompt, RedirectListener, Send, Sleep
from .token_reply import EntraError, check_reply
from .user_grants import USER_SCOPES, ClientAuth, UserTokenReply, _b64_json, _form, _user_reply, authorization_code

__all__ = [
    "DEVELOPER_SIGN_ON_CLIENT_ID",
    "DEVICE_CODE_GRANT",
    "RedirectTarget",
    "browser_sign_in",
    "device_code_sign_in",
    "pkce_pair",
    "record_from_reply",
    "redirect_target",
]

DEVELOPER_SIGN_ON_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
"""The Azure development application users sign in to when no ``client_id`` is given (as azure-identity)."""
DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
REDIRECT_POLL = 0.1
"""Seconds between looks at the redirect listener while the user signs in."""
DEFAULT_INTERVAL = 5
MAX_INTERVAL = 60
SLOW_DOWN_STEP = 5
MAX_DEVICE_CODE_LIFETIME = 24 * 3600


def pkce_pair() -> tuple[str, str]:
    """A PKCE ``code_verifier`` and its S256 ``code_challenge`` (RFC 7636)."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


class RedirectTarget:
    """Where the loopback listener binds and what the redirect URI says."""

    __slots__ = ("host", "path", "port", "redirect_host")

    def __init__(self, host: str, port: int, path: str, redirect_host: str) -> None:
        self.host, self.port, self.path, self.redirect_host = host, port, path, redirect_host


def redirect_target(redirect_uri: str | None) -> RedirectTarget:
    """The listener for ``redirect_uri`` (``http://localhost:<free port>`` when ``None``); ``ValueError`` for a URI
    that isn't ``http`` on a loopback host with a port."""
    if not redirect_uri:
        return RedirectTarget("127.0.0.1", 0, "/", "localhost")
    try:
        parts = urlsplit(redirect_uri)
        port = parts.port
    except ValueError:
        port = None
        parts = urlsplit("")
    if parts.scheme != "http" or not parts.hostname or not port:
        raise ValueError('"redirect_uri" must be a URL with port number, for example "http://localhost:8400"')
    host = parts.hostname.lower()
    if host not in ("localhost", "127.0.0.1", "::1"):
        raise ValueError(f'"redirect_uri" must name a loopback host (localhost, 127.0.0.1 or [::1]), not {host!r}')
    bind = "127.0.0.1" if host == "localhost" else host
    return RedirectTarget(bind, port, parts.path or "/", f"[{host}]" if ":" in host else host)


def _authorize_url(
    authority: str, tenant: str, client_id: str, scopes: Sequence[str], redirect_uri: str, **extra: str | None
) -> str:
    query = {
        "client_id": client_id,
        "response_type": "code",
        "redirect_uri": redirect_uri,
        "scope": " ".join([*scopes, *(s for s in USER_SCOPES if s not in scopes)]),
        "response_mode": "query",
        "client_info": "1",
        **{k: v for k, v in extra.items() if v},
    }
    return f"{authority}/{tenant}/oauth2/v2.0/authorize?{urlencode(query)}"


def browser_sign_in(
    authority: str,
    tenant: str,
    client_id: str,
    scopes: Sequence[str],
    *,
    target: RedirectTarget,
    timeout: float,
    now: Callable[[], float],
    login_hint: str | None = None,
    claims: str | None = None,
    browser: str | None = None,
) -> Flow[UserTokenReply]:
    """Sign a user in through the system browser: PKCE (S256), a ``state`` check, a loopback redirect, and the
    code's redemption. Waits at most ``timeout`` seconds for the redirect; the listener is closed either way."""
    verifier, challenge = pkce_pair()
    state = secrets.token_urlsafe(24)
    step = ListenForRedirect(target.host, target.port, target.path, state, target.redirect_host)
    try:
        listener: RedirectListener = yield step
    except OSError as exc:
        where = f"http://{target.redirect_host}:{target.port or '<any port>'}"
        raise CredentialUnavailableError(message=f"Couldn't start an HTTP server on {where}: {exc}") from None
    try:
        redirect_uri = listener.redirect_uri
        url = _authorize_url(
            authority,
            tenant,
            client_id,
            scopes,
            redirect_uri,
            state=state,
            code_challenge=challenge,
            code_challenge_method="S256",
            prompt="select_account",
            login_hint=login_hint,
            claims=claims,
        )
        opened = yield OpenBrowser(url, browser)
        if not opened:
            raise CredentialUnavailableError(message="Failed to open a browser")
        deadline = now() + timeout
        while (params := listener.result()) is None:
            if now() >= deadline:
                raise ClientAuthenticationError(
                    message=f"Timed out after waiting {timeout:g} seconds for the user to authenticate"
                )
            yield Sleep(REDIRECT_POLL)
    finally:
        listener.close()
    if "error" in params:
        description = (params.get("error_description") or "").split("\n", 1)[0].strip()
        raise ClientAuthenticationError(
            message=f"Authentication failed: {params['error']}" + (f": {description}" if description else "")
        )
    code = params.get("code")
    if not code:
        raise ClientAuthenticationError(message="Authentication failed: the redirect carried no authorization code")
    return (
        yield from authorization_code(
            f"{authority}/{tenant}/oauth2/v2.0/token",
            client_id,
            scopes,
            code=code,
            redirect_uri=redirect_uri,
            client=ClientAuth(),
            now=now,
            claims=claims,
            code_verifier=verifier,
        )
    )


def _number(body: Mapping[str, Any], name: str, default: int | None) -> int | None:
    value = body.get(name, default)
    if isinstance(value, bool):
        return None
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def device_code_sign_in(
    authority: str,
    tenant: str,
    client_id: str,
    scopes: Sequence[str],
    *,
    now: Callable[[], float],
    timeout: float | None = None,
    prompt_callback: Callable[..., Any] | None = None,
    claims: str | None = None,
) -> Flow[UserTokenReply]:
    """The device-authorization grant: ask for a code, show it (``prompt_callback(verification_uri, user_code,
    expires_on)`` or print Entra's message), then poll at Entra's ``interval`` (``slow_down`` adds 5 seconds)
    until the user signs in, declines, the code expires or ``timeout`` passes."""
    endpoint = f"{authority}/{tenant}/oauth2/v2.0/devicecode"
    form = {"client_id": client_id, "scope": " ".join([*scopes, *(s for s in USER_SCOPES if s not in scopes)])}
    if claims:
        form["claims"] = claims
    body = check_reply((yield Send(token_request(endpoint, form))), f"The device code endpoint {endpoint}")
    device_code, user_code, uri = body.get("device_code"), body.get("user_code"), body.get("verification_uri")
    lifetime = _number(body, "expires_in", None)
    interval = _number(body, "interval", DEFAULT_INTERVAL)
    if not all(isinstance(v, str) and v for v in (device_code, user_code, uri)) or not lifetime or lifetime <= 0:
        raise ClientAuthenticationError(
            message=f"Couldn't begin authentication: the device code endpoint {endpoint} answered without a"
            " device_code, user_code, verification_uri or positive expires_in"
        )
    assert isinstance(device_code, str) and isinstance(user_code, str) and isinstance(uri, str)
    interval = min(max(interval or DEFAULT_INTERVAL, 1), MAX_INTERVAL)
    start = now()
    expires_at = start + min(lifetime, MAX_DEVICE_CODE_LIFETIME)
    message = body.get("message")
    if not isinstance(message, str) or not message:
        message = (
            f"To sign in, use a web browser to open the page {uri} and enter the code {user_code} to authenticate."
        )
    expires_on = datetime.fromtimestamp(expires_at, timezone.utc)
    yield Prompt(prompt_callback, (uri, user_code, expires_on), message)
    timed = timeout is not None and start + timeout < expires_at
    deadline = start + timeout if timeout is not None and timed else expires_at
    token_url = f"{authority}/{tenant}/oauth2/v2.0/token"
    poll = _form(DEVICE_CODE_GRANT, client_id, form["scope"], claims, device_code=device_code)
    while True:
        yield Sleep(interval)
        try:
            return (yield from _user_reply(token_url, poll, now))
        except EntraError as exc:
            error = exc.entra_error
            if error == "slow_down":
                interval = min(interval + SLOW_DOWN_STEP, MAX_INTERVAL)
            elif error == "expired_token":
                raise ClientAuthenticationError(
                    message="The device code expired before the user authenticated; request a new one"
                ) from None
            elif error == "authorization_declined":
                raise ClientAuthenticationError(message="The user declined the device code sign-in") from None
            elif error == "bad_verification_code":
                raise ClientAuthenticationError(
                    message="Microsoft Entra ID doesn't recognize the device code (bad_verification_code)"
                ) from None
            elif error != "authorization_pending":
                raise
        if now() >= deadline:
            if timed:
                raise ClientAuthenticationError(
                    message=f"Timed out waiting for user to authenticate (timeout={timeout:g} seconds)"
                )
            raise ClientAuthenticationError(
                message="The device code expired before the user authenticated; request a new one"
            )


def record_from_reply(reply: UserTokenReply, client_id: str) -> AuthenticationRecord:
    """The ``AuthenticationRecord`` of a user sign-in's reply, built as azure-identity builds it: the id token's
    issuer host, audience, tenant and username, and ``{uid}.{utid}`` from ``client_info`` (else ``sub``)."""
    token = reply.id_token
    claims = _b64_json(token.split(".")[1]) if token and token.count(".") == 2 else {}
    issuer = claims.get("iss")
    home = reply.account.home_account_id if reply.client_info else claims.get("sub")
    username = claims.get("preferred_username") or claims.get("upn")
    tenant = claims.get("tid") or (urlsplit(issuer).path.strip("/").split("/")[0] if isinstance(issuer, str) else "")
    authority = urlsplit(issuer).netloc if isinstance(issuer, str) else ""
    audience = claims.get("aud") or client_id
    values = (tenant, audience, authority, home, username)
    if not all(isinstance(v, str) and v for v in values):
        raise ClientAuthenticationError(message="Failed to build AuthenticationRecord from unexpected identity token")
    return AuthenticationRecord(
        tenant_id=str(tenant),
        client_id=str(audience),
        authority=authority,
        home_account_id=str(home),
        username=str(username),
    )
