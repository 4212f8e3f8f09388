"""Emulator device-authorization grant: the ``devicecode`` endpoint, the ``device_code`` grant on the token
endpoint (``authorization_pending``, ``slow_down``, ``expired_token``, ``authorization_declined``,
``bad_verification_code``) and the ``/devicelogin`` verification page where a user enters the code and signs in.

Time is :attr:`DeviceCodeMixin.clock` (``time.time`` unless a test injects the clock its credential uses), so
expiry and polling intervals are testable without waiting.
"""

from __future__ import annotations

import html
import re
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._errors import EntraError
from ._http import Request, Response, Route
from ._sign_in import html_page

if TYPE_CHECKING:
    from ._emulator import _App
    from ._sign_in import SignInOutcome
    from ._user_grants import EmulatedUser

__all__ = ["DEVICE_CODE_GRANT", "DeviceCodeMixin"]

DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
_META_TENANTS = ("common", "organizations", "consumers")
_USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ23456789"


@dataclass
class _DeviceCode:
    device_code: str
    user_code: str
    client_id: str
    tenant_id: str | None
    scope: str
    expires_at: float
    last_poll: float | None = None
    user: EmulatedUser | None = None
    declined: bool = False
    redeemed: bool = False


def _device_error(error: str, code: int, message: str) -> EntraError:
    return EntraError(400, error, code, message)


class DeviceCodeMixin:
    """Device codes: issued, approved or declined on the verification page (or by a test), polled for."""

    if TYPE_CHECKING:
        _lock: Any
        _apps: dict[str, _App]

        @property
        def authority(self) -> str: ...
        def _tenant_or_error(self, segment: str, error: str = ...) -> str: ...
        def _client(self, request: Request, segment: str, tid: str) -> _App: ...
        def _find_client(self, request: Request, segment: str, tid: str) -> _App: ...
        def _ok(self, request: Request, payload: dict[str, Any]) -> Response: ...
        def _user_token_reply(self, request: Request, user: EmulatedUser, app: _App, tid: str) -> Response: ...
        def sign_in_form(
            self, action: str, hidden: dict[str, str], *, app: str, scopes: str, username: str = "", error: str = ""
        ) -> Response: ...
        def check_sign_in(
            self, form: dict[str, str], action: str, hidden: dict[str, str], app: str
        ) -> SignInOutcome: ...

    def _init_device_codes(self) -> None:
        self._device_codes: dict[str, _DeviceCode] = {}
        self.clock: Callable[[], float] = time.time
        """The emulator's time for device codes (expiry, poll spacing); tests may inject their credential's clock."""
        self.device_code_lifetime: int = 900
        self.device_code_interval: int = 5
        """The ``interval`` the devicecode endpoint advertises."""
        self.device_code_min_poll: float | None = None
        """Polls closer together than this many seconds get ``slow_down`` (``None``: the advertised interval)."""

    # ------------------------------------------------------------------ helpers for tests

    def _by_user_code(self, user_code: str) -> _DeviceCode:
        wanted = user_code.strip().upper().replace("-", "")
        with self._lock:
            found = next((c for c in self._device_codes.values() if c.user_code == wanted), None)
        if found is None:
            raise KeyError(f"no device code with user code {user_code!r}")
        return found

    def approve_device_code(self, user_code: str, user: EmulatedUser) -> None:
        """``user`` enters ``user_code`` and signs in (what the verification page does)."""
        code = self._by_user_code(user_code)
        with self._lock:
            code.user = user

    def decline_device_code(self, user_code: str) -> None:
        """The user enters ``user_code`` and declines the sign-in."""
        code = self._by_user_code(user_code)
        with self._lock:
            code.declined = True

    @property
    def device_login_uri(self) -> str:
        """The verification page users open."""
        return f"{self.authority}/devicelogin"

    # ------------------------------------------------------------------ routes

    def _device_code_routes(self) -> list[Route]:
        return [
            Route("POST", re.compile(r"/(?P<tenant>[^/]+)/oauth2/v2\.0/devicecode"), "devicecode", self._devicecode),
            Route("GET", re.compile(r"/devicelogin"), "devicelogin", self._device_login_page),
            Route("POST", re.compile(r"/devicelogin"), "devicelogin", self._device_login_submit),
        ]

    def _devicecode(self, request: Request) -> Response:
        """``POST /{tenant}/oauth2/v2.0/devicecode`` with ``client_id`` and ``scope``."""
        form = request.form
        for name in ("client_id", "scope"):
            if not form.get(name):
                raise EntraError(
                    400, "invalid_request", 900144, f"The request body must contain the following parameter: '{name}'."
                )
        assert request.match is not None
        segment = request.match.group("tenant")
        tenant = None if segment.lower() in _META_TENANTS else self._tenant_or_error(segment)
        app = self._find_client(request, segment, tenant) if tenant else self._any_app(form["client_id"])
        user_code = "".join(secrets.choice(_USER_CODE_ALPHABET) for _ in range(9))
        device = _DeviceCode(
            device_code="dc~" + uuid.uuid4().hex,
            user_code=user_code,
            client_id=app.client_id,
            tenant_id=tenant,
            scope=form["scope"],
            expires_at=self.clock() + self.device_code_lifetime,
        )
        with self._lock:
            self._device_codes[device.device_code] = device
        uri = self.device_login_uri
        return self._ok(
            request,
            {
                "device_code": device.device_code,
                "user_code": user_code,
                "verification_uri": uri,
                "expires_in": self.device_code_lifetime,
                "interval": self.device_code_interval,
                "message": f"To sign in, use a web browser to open the page {uri} and enter the code {user_code} to"
                " authenticate.",
            },
        )

    def _any_app(self, client_id: str) -> _App:
        with self._lock:
            app = self._apps.get(client_id.lower())
        if app is None:
            raise EntraError(
                400, "unauthorized_client", 700016, f"Application with identifier '{client_id}' was not found."
            )
        return app

    def _redeem_device_code(self, request: Request, segment: str, path_tenant: str | None) -> Response:
        """The ``device_code`` grant: pending until the user signs in; each code is redeemed once."""
        value = request.form.get("device_code")
        if not value:
            raise EntraError(
                400, "invalid_request", 900144, "The request body must contain the following parameter: 'device_code'."
            )
        now = self.clock()
        with self._lock:
            device = self._device_codes.get(value)
            if device is None or device.redeemed:
                raise _device_error(
                    "bad_verification_code", 70000, "The provided value for 'device_code' is not valid."
                )
            if now >= device.expires_at:
                raise _device_error(
                    "expired_token", 70020, "The provided code has expired. The user did not sign in in time."
                )
            if device.declined:
                raise _device_error("authorization_declined", 70021, "The user declined to sign in on the device.")
            spacing = self.device_code_min_poll if self.device_code_min_poll is not None else self.device_code_interval
            too_soon = device.last_poll is not None and now - device.last_poll < spacing
            device.last_poll = now
            if device.user is None:
                if too_soon:
                    raise _device_error("slow_down", 70016, "OAuth 2.0 device flow error. Poll less often.")
                raise _device_error(
                    "authorization_pending",
                    70016,
                    "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
                )
            device.redeemed = True
            user = device.user
        tid = path_tenant or device.tenant_id or user.tenant_id
        app = self._client(request, segment, tid)
        if app.client_id != device.client_id:
            raise _device_error("bad_verification_code", 70000, "The device code was issued to another application.")
        request.form.setdefault("scope", device.scope)  # the grant needn't repeat the scope it was asked for
        return self._user_token_reply(request, user, app, tid)

    # ------------------------------------------------------------------ the verification page

    def _device_login_page(self, request: Request) -> Response:
        return self._code_entry_page()

    @staticmethod
    def _code_entry_page(error: str = "") -> Response:
        notice = f"<p role='alert' id='error'>{html.escape(error)}</p>" if error else ""
        body = (
            f"{notice}<p>Enter the code displayed on your app or device.</p>"
            "<form method='post' action='/devicelogin' id='enter-code'><p><label for='user_code'>Code</label>"
            "<input id='user_code' name='user_code' autocomplete='off'></p>"
            "<p><button id='next' type='submit'>Next</button></p></form>"
        )
        return html_page("Enter code", body)

    def _device_login_submit(self, request: Request) -> Response:
        form = request.form
        try:
            device = self._by_user_code(form.get("user_code", ""))
        except KeyError:
            return self._code_entry_page("That code didn't work. Check the code and try again.")
        if self.clock() >= device.expires_at or device.redeemed or device.declined or device.user is not None:
            return self._code_entry_page("That code has expired or was already used.")
        hidden = {"user_code": device.user_code, "scope": device.scope}
        if "username" not in form and "mfa_session" not in form and "action" not in form:
            return self.sign_in_form("/devicelogin", hidden, app=device.client_id, scopes=device.scope)
        outcome = self.check_sign_in(form, "/devicelogin", hidden, device.client_id)
        if outcome.declined:
            with self._lock:
                device.declined = True
            return html_page("Sign-in declined", "<p id='done'>You declined to sign in. You may close this window.</p>")
        if outcome.user is None:
            assert outcome.page is not None
            return outcome.page
        with self._lock:
            device.user = outcome.user
        return html_page(
            "You're signed in",
            f"<p id='done'>You have signed in to {html.escape(device.client_id)} on your device as"
            f" {html.escape(outcome.user.username)}. You may now close this window.</p>",
        )
