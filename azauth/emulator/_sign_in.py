"""Emulator sign-in pages: the authorize endpoint's HTML sign-in form (username, password, a one-time code for
users with MFA, consent) and the redirect back to the app with ``code`` and ``state`` (query or form_post);
public and FOCI-family apps. PKCE challenges are recorded with the code and verified at redemption
(``_user_grants``).

``Emulator`` inherits :class:`SignInMixin`; the device-code verification page (``_device_code``) reuses its
form and credential check.
"""

from __future__ import annotations

import hmac
import html
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from ._errors import EntraError
from ._http import Request, Response

if TYPE_CHECKING:
    from ._emulator import _App
    from ._user_grants import EmulatedUser

__all__ = ["SignInMixin", "SignInOutcome", "html_page"]

_META_TENANTS = ("common", "organizations", "consumers")
_FORWARDED = (
    "client_id",
    "redirect_uri",
    "response_type",
    "response_mode",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "claims",
    "login_hint",
    "prompt",
)
DECLINED = "AADSTS65004: User declined to consent to access the app."


def html_page(title: str, body: str, status: int = 200) -> Response:
    """An HTML response (the emulator's pages are plain forms: a test browser or a person fills them)."""
    document = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title></head><body><main><h1>{html.escape(title)}</h1>{body}</main></body></html>"
    )
    headers = [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store")]
    return Response(status, document.encode("utf-8"), headers)


def _hidden(values: Mapping[str, str]) -> str:
    return "".join(
        f"<input type='hidden' name='{html.escape(k)}' value='{html.escape(v)}'>" for k, v in values.items() if v
    )


@dataclass(frozen=True)
class SignInOutcome:
    """The result of a submitted sign-in form: a user, a page to show again, or a refusal."""

    user: EmulatedUser | None = None
    page: Response | None = None
    declined: bool = False


class SignInMixin:
    """The authorize endpoint's sign-in page, public and family apps, and the form both sign-in pages share."""

    if TYPE_CHECKING:
        _lock: Any
        _apps: dict[str, _App]
        _users: dict[str, EmulatedUser]

        def add_app(
            self, tenant_id: str | None = None, *, client_id: str | None = None, multi_tenant: bool = ...
        ) -> str: ...
        def _tenant_or_error(self, segment: str, error: str = ...) -> str: ...
        def authorize(
            self,
            client_id: str,
            *,
            user: EmulatedUser,
            redirect_uri: str,
            tenant_id: str | None = None,
            code_challenge: str | None = None,
            code_challenge_method: str | None = None,
        ) -> str: ...

    def _init_sign_in(self) -> None:
        self._family_apps: set[str] = set()
        self._mfa_pending: dict[str, EmulatedUser] = {}

    def add_public_app(
        self, client_id: str | None = None, *, tenant_id: str | None = None, family: bool = False
    ) -> str:
        """Register a public client (no secret; any tenant's users may sign in, as for a multi-tenant app).

        ``family``: a member of the Microsoft developer tools' FOCI family (like the Azure CLI's
        04b07795-8ddb-461a-bbee-02f9e1bf7b46): its replies carry ``foci: "1"`` and its refresh tokens are redeemed
        by any other family app, as ``SharedTokenCacheCredential`` relies on.
        """
        cid = self.add_app(tenant_id, client_id=client_id, multi_tenant=True)
        if family:
            with self._lock:
                self._family_apps.add(cid)
        return cid

    def _in_family(self, *client_ids: str) -> bool:
        with self._lock:
            return all(c in self._family_apps for c in client_ids)

    # ------------------------------------------------------------------ the shared form

    def sign_in_form(
        self, action: str, hidden: Mapping[str, str], *, app: str, scopes: str, username: str = "", error: str = ""
    ) -> Response:
        """The username/password form with the consent the app asks for (Accept / Cancel)."""
        notice = f"<p role='alert' id='error'>{html.escape(error)}</p>" if error else ""
        wanted = "".join(f"<li>{html.escape(s)}</li>" for s in scopes.split()) or "<li>Sign you in</li>"
        body = (
            f"{notice}<form method='post' action='{html.escape(action)}' id='sign-in'>{_hidden(hidden)}"
            "<p><label for='username'>Email or username</label>"
            "<input id='username' name='username' type='email' autocomplete='username'"
            f" value='{html.escape(username)}'>"
            "</p><p><label for='password'>Password</label>"
            "<input id='password' name='password' type='password' autocomplete='current-password'></p>"
            f"<section id='consent'><p>Application <b>{html.escape(app)}</b> wants to:</p><ul>{wanted}</ul></section>"
            "<p><button id='accept' type='submit' name='action' value='accept'>Accept</button>"
            "<button id='decline' type='submit' name='action' value='decline'>Cancel</button></p></form>"
        )
        return html_page("Sign in to your account", body)

    def _mfa_form(self, action: str, hidden: Mapping[str, str], user: EmulatedUser, error: str = "") -> Response:
        pending = "mfa~" + uuid.uuid4().hex
        with self._lock:
            self._mfa_pending[pending] = user
        notice = f"<p role='alert' id='error'>{html.escape(error)}</p>" if error else ""
        body = (
            f"{notice}<p>Enter the code from your authenticator app for {html.escape(user.username)}.</p>"
            f"<form method='post' action='{html.escape(action)}' id='mfa'>{_hidden({**hidden, 'mfa_session': pending})}"
            "<p><label for='otp'>Code</label>"
            "<input id='otp' name='otp' inputmode='numeric' autocomplete='one-time-code'>"
            "</p><p><button id='verify' type='submit' name='action' value='accept'>Verify</button></p></form>"
        )
        return html_page("Verify your identity", body)

    def check_sign_in(self, form: Mapping[str, str], action: str, hidden: Mapping[str, str], app: str) -> SignInOutcome:
        """A submitted sign-in (or MFA) form: the signed-in user, the page to show next, or the user's refusal."""
        if form.get("action") == "decline":
            return SignInOutcome(declined=True)
        scopes = hidden.get("scope", "")
        session = form.get("mfa_session")
        if session:
            with self._lock:
                user = self._mfa_pending.pop(session, None)
            if user is None:
                return SignInOutcome(
                    page=self.sign_in_form(action, hidden, app=app, scopes=scopes, error="Sign in again.")
                )
            if not hmac.compare_digest(form.get("otp", "").strip().encode(), user.mfa_code.encode()):
                return SignInOutcome(page=self._mfa_form(action, hidden, user, "That code didn't work. Try again."))
            return SignInOutcome(user=user)
        username = form.get("username", "").strip().lower()
        with self._lock:
            user = self._users.get(username)
        if user is None or not hmac.compare_digest(form.get("password", "").encode(), user.password.encode()):
            message = "Your account or password is incorrect."
            page = self.sign_in_form(action, hidden, app=app, scopes=scopes, username=username, error=message)
            return SignInOutcome(page=page)
        if user.mfa_required:
            return SignInOutcome(page=self._mfa_form(action, hidden, user))
        return SignInOutcome(user=user)

    # ------------------------------------------------------------------ the authorize endpoint

    def _authorize_request(self, request: Request) -> tuple[dict[str, str], _App, str | None]:
        """The authorization request's parameters (query, or the form's hidden fields), app and tenant."""
        values = request.query if request.method == "GET" else request.form
        query = {k: values[k] for k in _FORWARDED if values.get(k)}
        for name in ("client_id", "redirect_uri", "response_type"):
            if not query.get(name):
                raise EntraError(
                    400, "invalid_request", 900144, f"The request body must contain the following parameter: '{name}'."
                )
        if query["response_type"] != "code":
            raise EntraError(400, "unsupported_response_type", 900021, "Only response_type=code is supported.")
        method = query.get("code_challenge_method")
        if query.get("code_challenge") and method not in (None, "S256", "plain"):
            raise EntraError(400, "invalid_request", 501491, f"Invalid code_challenge_method '{method}'.")
        with self._lock:
            app = self._apps.get(query["client_id"].lower())
        if app is None:
            raise EntraError(
                400, "unauthorized_client", 700016, f"Application with identifier '{query['client_id']}' was not found."
            )
        assert request.match is not None
        segment = request.match.group("tenant")
        tenant = None if segment.lower() in _META_TENANTS else self._tenant_or_error(segment)
        return query, app, tenant

    def _authorize_page(self, request: Request) -> Response:
        """``GET /{tenant}/oauth2/v2.0/authorize``: the sign-in page. With ``login_hint`` naming a registered user
        who needs no MFA and no ``prompt``, the user is signed in at once (as with an Entra single-sign-on
        session); an unknown ``login_hint`` without ``prompt`` is an error."""
        query, app, tenant = self._authorize_request(request)
        hint = query.get("login_hint", "").lower()
        if hint and not query.get("prompt"):
            with self._lock:
                user = self._users.get(hint)
            if user is None:
                raise EntraError(400, "invalid_request", 50034, "The user account does not exist in the directory.")
            if not user.mfa_required:
                return self._redirect_with_code(query, user, tenant)
        return self.sign_in_form(request.path, query, app=app.client_id, scopes=query.get("scope", ""), username=hint)

    def _authorize_submit(self, request: Request) -> Response:
        """``POST /{tenant}/oauth2/v2.0/authorize``: the submitted sign-in form."""
        query, app, tenant = self._authorize_request(request)
        outcome = self.check_sign_in(request.form, request.path, query, app.client_id)
        if outcome.declined:
            return self._redirect(query, {"error": "access_denied", "error_description": DECLINED})
        if outcome.user is None:
            assert outcome.page is not None
            return outcome.page
        return self._redirect_with_code(query, outcome.user, tenant)

    def _redirect_with_code(self, query: Mapping[str, str], user: EmulatedUser, tenant: str | None) -> Response:
        code = self.authorize(
            query["client_id"],
            user=user,
            redirect_uri=query["redirect_uri"],
            tenant_id=tenant or user.tenant_id,
            code_challenge=query.get("code_challenge"),
            code_challenge_method=query.get("code_challenge_method"),
        )
        return self._redirect(query, {"code": code})

    @staticmethod
    def _redirect(query: Mapping[str, str], params: dict[str, str]) -> Response:
        if "state" in query:
            params["state"] = query["state"]
        uri = query["redirect_uri"]
        if query.get("response_mode") == "form_post":
            script = "document.getElementById('redirect').submit()"
            body = (
                f"<form method='post' action='{html.escape(uri)}' id='redirect'>{_hidden(params)}"
                "<noscript><button type='submit'>Continue</button></noscript></form>"
                f"<script>{script}</script>"
            )
            return html_page("Signing you in", body)
        separator = "&" if urlsplit(uri).query else "?"
        return Response(302, b"", [("Location", uri + separator + urlencode(params))])
