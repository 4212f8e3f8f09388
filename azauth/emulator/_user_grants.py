"""Emulator additions for users and federation: federated client assertions (workload identity, Azure
Pipelines), the Azure Pipelines OIDC endpoint, and the on-behalf-of, authorization-code, refresh-token and
password grants, with an authorize endpoint that issues codes.

``Emulator`` inherits :class:`UserGrantsMixin`; its token endpoint hands these grants to :meth:`_user_grant`
and asks :meth:`_verify_federated_assertion` before checking an assertion against the app's certificates.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import re
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import _certs
from ._device_code import DEVICE_CODE_GRANT
from ._errors import EntraError
from ._http import Request, Response, Route
from ._jwt import b64url_encode, encode_jwt, split_jwt, verify_signature

if TYPE_CHECKING:
    from ._emulator import _App

__all__ = ["EmulatedUser", "PipelinesServiceConnection", "UserGrantsMixin"]

TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
USER_GRANTS = frozenset({"password", "authorization_code", "refresh_token", JWT_BEARER, DEVICE_CODE_GRANT})
CODE_LIFETIME = 600
_OIDC_SCOPES = frozenset({"openid", "profile", "offline_access", "email"})
_META_TENANTS = ("common", "organizations", "consumers")
PIPELINES_ORG = "emulator-org"
PIPELINES_PROJECT = "emulator-project"
_AUTHORIZE_PATH = re.compile(r"/(?P<tenant>[^/]+)/oauth2/v2\.0/authorize")
_PIPELINES_PATH = re.compile(
    r"/(?P<org>[^/]+)/(?P<project>[^/]+)/_apis/distributedtask/hubs/build/plans/(?P<plan>[^/]+)/jobs/(?P<job>[^/]+)"
    r"/oidctoken"
)


@dataclass(frozen=True)
class EmulatedUser:
    """A user registered with :meth:`UserGrantsMixin.add_user`; ``tenant_id`` is the home tenant, ``mfa_code`` the
    one-time code the sign-in pages ask a user with ``mfa_required`` for."""

    username: str
    password: str = field(repr=False)
    object_id: str
    tenant_id: str
    mfa_required: bool = False
    display_name: str = ""
    mfa_code: str = field(default="", repr=False)


@dataclass(frozen=True)
class PipelinesServiceConnection:
    """An Azure DevOps service connection using workload identity federation for app ``client_id``."""

    service_connection_id: str
    system_access_token: str = field(repr=False)
    client_id: str
    issuer: str
    subject: str


@dataclass(frozen=True)
class _Federation:
    issuer: str
    subject: str
    audience: str


@dataclass
class _Code:
    client_id: str
    redirect_uri: str
    user: EmulatedUser
    tenant_id: str
    expires_at: float
    used: bool = False
    code_challenge: str | None = None
    code_challenge_method: str | None = None


@dataclass
class _Grant:
    """What a refresh token stands for."""

    client_id: str
    user: EmulatedUser
    revoked: bool = False


def _pkce_matches(code: _Code, verifier: str | None) -> bool:
    if not verifier or code.code_challenge is None:
        return False
    if code.code_challenge_method == "plain":
        expected = verifier
    else:
        expected = b64url_encode(hashlib.sha256(verifier.encode("ascii", "replace")).digest())
    return hmac.compare_digest(expected.encode(), code.code_challenge.encode())


def _invalid_grant(code: int, message: str) -> EntraError:
    return EntraError(400, "invalid_grant", code, message)


def _missing(name: str) -> EntraError:
    return EntraError(
        400, "invalid_request", 900144, f"The request body must contain the following parameter: '{name}'."
    )


def _b64_json(value: Mapping[str, Any]) -> str:
    return b64url_encode(json.dumps(value, separators=(",", ":")).encode())


class UserGrantsMixin:
    """Users, federated credentials, pipelines service connections, codes and refresh tokens."""

    if TYPE_CHECKING:
        _lock: Any
        _apps: dict[str, _App]
        tenant_id: str

        @property
        def authority(self) -> str: ...
        def _app(self, client_id: str) -> _App: ...
        def _resolve_tenant(self, segment: str) -> str | None: ...
        def _tenant_or_error(self, segment: str, error: str = ...) -> str: ...
        def _ok(self, request: Request, payload: Mapping[str, Any]) -> Response: ...
        def _issue(self, tid: str, client_id: str, oid: str, aud: str, extra: Mapping[str, Any]) -> tuple[str, int]: ...
        def _verify_assertion(self, assertion: str, app: _App, request: Request, segment: str, tid: str) -> None: ...
        def decode_token(self, token: str, *, audience: str | None = None) -> dict[str, Any]: ...
        def _in_family(self, *client_ids: str) -> bool: ...
        def _authorize_page(self, request: Request) -> Response: ...
        def _authorize_submit(self, request: Request) -> Response: ...
        def _redeem_device_code(self, request: Request, segment: str, path_tenant: str | None) -> Response: ...

    def _init_user_grants(self) -> None:
        self._users: dict[str, EmulatedUser] = {}
        self._federations: dict[str, list[_Federation]] = {}
        self._federation_issuers: set[str] = set()
        self._codes: dict[str, _Code] = {}
        self._refresh_tokens: dict[str, _Grant] = {}
        self._service_connections: dict[str, PipelinesServiceConnection] = {}
        self._pipelines_plan = str(uuid.uuid4())

    # ------------------------------------------------------------------ registration helpers (for tests)

    def add_user(
        self,
        username: str | None = None,
        password: str | None = None,
        *,
        tenant_id: str | None = None,
        mfa_required: bool = False,
        display_name: str | None = None,
    ) -> EmulatedUser:
        """Register a user (work account) in ``tenant_id`` (its home tenant; default tenant); returns it with its
        password (and, with ``mfa_required``, the one-time code the sign-in pages ask for)."""
        with self._lock:
            tid = self._resolve_tenant(tenant_id or self.tenant_id)
            if tid is None:
                raise ValueError(f"unknown tenant {tenant_id!r}")
            user = EmulatedUser(
                username=(username or f"user-{uuid.uuid4().hex[:8]}@emulator.test").lower(),
                password=password or "pw~" + uuid.uuid4().hex,
                object_id=str(uuid.uuid4()),
                tenant_id=tid,
                mfa_required=mfa_required,
                display_name=display_name or "",
                mfa_code=f"{uuid.uuid4().int % 1_000_000:06d}" if mfa_required else "",
            )
            self._users[user.username] = user
        return user

    def issue_user_token(self, user: EmulatedUser, audience: str, *, scope: str = "access_as_user") -> str:
        """An access token for ``user`` to the API ``audience`` (e.g. a middle-tier app's client id): what a
        client sends to that API, and what the API passes to ``OnBehalfOfCredential`` as ``user_assertion``."""
        token, _ = self._issue(
            user.tenant_id, str(uuid.uuid4()), user.object_id, audience, self._user_claims(user, scope)
        )
        return token

    def add_federation(
        self, client_id: str, *, issuer: str, subject: str, audience: str = TOKEN_EXCHANGE_AUDIENCE
    ) -> None:
        """Register a federated identity credential on an app: tokens from ``issuer`` about ``subject`` (for
        ``audience``) are accepted as its client assertions."""
        with self._lock:
            app = self._app(client_id)
            self._federations.setdefault(app.client_id, []).append(_Federation(issuer, subject, audience))

    def issue_federated_token(
        self, *, issuer: str, subject: str, audience: str = TOKEN_EXCHANGE_AUDIENCE, lifetime: int = 3600
    ) -> str:
        """A JWT from the external identity provider ``issuer`` (a Kubernetes cluster, Azure DevOps...),
        signed by a key the emulator trusts for that issuer."""
        now = int(time.time())
        with self._lock:
            self._federation_issuers.add(issuer)
        claims = {"iss": issuer, "sub": subject, "aud": audience, "iat": now, "nbf": now, "exp": now + lifetime}
        claims["jti"] = str(uuid.uuid4())
        return encode_jwt(claims, _certs.cached_rsa_key("federation-issuers"), {"kid": "federation"})

    def add_pipelines_service_connection(
        self, client_id: str, *, service_connection_id: str | None = None, system_access_token: str | None = None
    ) -> PipelinesServiceConnection:
        """An Azure DevOps service connection for app ``client_id``, with its federation registered."""
        connection_id = service_connection_id or str(uuid.uuid4())
        connection = PipelinesServiceConnection(
            service_connection_id=connection_id,
            system_access_token=system_access_token or "ado~" + uuid.uuid4().hex,
            client_id=client_id,
            issuer=f"https://vstoken.dev.azure.com/{uuid.uuid5(uuid.NAMESPACE_URL, PIPELINES_ORG)}",
            subject=f"sc://{PIPELINES_ORG}/{PIPELINES_PROJECT}/{connection_id}",
        )
        self.add_federation(client_id, issuer=connection.issuer, subject=connection.subject)
        with self._lock:
            self._service_connections[connection_id] = connection
        return connection

    @property
    def pipelines_oidc_request_uri(self) -> str:
        """The job's ``SYSTEM_OIDCREQUESTURI``."""
        return (
            f"{self.authority}/{PIPELINES_ORG}/{PIPELINES_PROJECT}/_apis/distributedtask/hubs/build/plans/"
            f"{self._pipelines_plan}/jobs/{self._pipelines_plan}/oidctoken"
        )

    def authorize(
        self,
        client_id: str,
        *,
        user: EmulatedUser,
        redirect_uri: str,
        tenant_id: str | None = None,
        code_challenge: str | None = None,
        code_challenge_method: str | None = None,
    ) -> str:
        """Sign ``user`` in to app ``client_id`` and return an authorization code (single use, 10 minutes); a PKCE
        ``code_challenge`` must be answered by the ``code_verifier`` at redemption."""
        with self._lock:
            app = self._app(client_id)
            code = "code~" + uuid.uuid4().hex
            self._codes[code] = _Code(
                app.client_id,
                redirect_uri,
                user,
                tenant_id or user.tenant_id,
                time.time() + CODE_LIFETIME,
                code_challenge=code_challenge,
                code_challenge_method=code_challenge_method,
            )
        return code

    def revoke_refresh_tokens(self, user: EmulatedUser) -> None:
        """Revoke every refresh token issued to ``user`` (as "revoke sessions" does)."""
        with self._lock:
            for grant in self._refresh_tokens.values():
                if grant.user.object_id == user.object_id:
                    grant.revoked = True

    # ------------------------------------------------------------------ routes

    def _user_grant_routes(self) -> list[Route]:
        return [
            Route("GET", _AUTHORIZE_PATH, "authorize", self._authorize_page),  # _sign_in.py
            Route("POST", _AUTHORIZE_PATH, "authorize", self._authorize_submit),
            Route("POST", _PIPELINES_PATH, "pipelines-oidc", self._pipelines_oidc),
        ]

    def _pipelines_oidc(self, request: Request) -> Response:
        """Azure DevOps' OIDC token endpoint for a pipeline job."""

        def failure(status: int, message: str) -> Response:
            body = {"$id": "1", "innerException": None, "message": message, "typeName": "EmulatorException"}
            return Response.json(status, body)

        if request.query.get("api-version") != "7.1":
            return failure(400, "The requested REST API version is not supported; use api-version=7.1.")
        authorization = request.headers.get("authorization", "")
        scheme, _, token = authorization.partition(" ")
        connection_id = request.query.get("serviceConnectionId", "")
        with self._lock:
            connection = self._service_connections.get(connection_id)
            known_tokens = [c.system_access_token for c in self._service_connections.values()]
        if scheme.lower() != "bearer" or not any(hmac.compare_digest(token, t) for t in known_tokens):
            return failure(401, "TF400813: The user is not authorized to access this resource.")
        if connection is None:
            return failure(404, f"Service connection with id '{connection_id}' was not found.")
        if not hmac.compare_digest(token, connection.system_access_token):
            return failure(403, "The pipeline is not authorized to use this service connection.")
        oidc_token = self.issue_federated_token(issuer=connection.issuer, subject=connection.subject)
        return Response.json(200, {"oidcToken": oidc_token})

    # ------------------------------------------------------------------ federated client assertions

    def _verify_federated_assertion(self, assertion: str, app: _App) -> bool:
        """True when ``assertion`` is a valid federated token for ``app``; False when it isn't a federated token
        (then it is checked against the app's certificates); raises when it is one and doesn't match."""
        try:
            header, claims, signing_input, signature = split_jwt(assertion)
        except ValueError:
            return False
        issuer, subject, audience = claims.get("iss"), claims.get("sub"), claims.get("aud")
        with self._lock:
            if issuer not in self._federation_issuers:
                return False
            federations = list(self._federations.get(app.client_id, ()))
        public_key = _certs.cached_rsa_key("federation-issuers").public_key()
        if header.get("alg") != "RS256" or not verify_signature("RS256", public_key, signing_input, signature):
            raise EntraError(401, "invalid_client", 50013, "Assertion failed signature validation.")
        exp = claims.get("exp")
        if not isinstance(exp, (int, float)) or exp <= time.time():
            raise EntraError(
                401,
                "invalid_client",
                700024,
                "Client assertion is not within its valid time range. Ensure that the federated token is fresh.",
            )
        candidates = [f for f in federations if f.issuer == issuer]
        if not candidates:
            raise EntraError(
                401,
                "invalid_client",
                700211,
                f"No matching federated identity record found for presented assertion issuer '{issuer}'. Please"
                " check your federated identity credential Subject, Audience and Issuer against the presented"
                " assertion.",
            )
        candidates = [f for f in candidates if f.subject == subject]
        if not candidates:
            raise EntraError(
                401,
                "invalid_client",
                700213,
                f"No matching federated identity record found for presented assertion subject '{subject}'. Please"
                " check your federated identity credential Subject, Audience and Issuer against the presented"
                " assertion.",
            )
        audiences = audience if isinstance(audience, list) else [audience]
        if not any(f.audience in audiences for f in candidates):
            raise EntraError(
                401,
                "invalid_client",
                700212,
                f"No matching federated identity record found for presented assertion audience '{audience}'.",
            )
        return True

    # ------------------------------------------------------------------ user grants

    def _user_grant(self, request: Request) -> Response | None:
        """Handle the user grants; None for other grants (the client-credentials path continues)."""
        form = request.form
        grant = form.get("grant_type")
        if grant not in USER_GRANTS:
            return None
        assert request.match is not None
        segment = request.match.group("tenant")
        meta = segment.lower() in _META_TENANTS
        path_tenant = None if meta else self._tenant_or_error(segment)
        if grant == JWT_BEARER:
            if path_tenant is None:
                raise EntraError(
                    400, "invalid_request", 50059, "No tenant-identifying information found in the request."
                )
            return self._on_behalf_of(request, segment, path_tenant)
        if grant == "authorization_code":
            return self._redeem_code(request, segment, path_tenant)
        if grant == "refresh_token":
            return self._redeem_refresh_token(request, segment, path_tenant)
        if grant == DEVICE_CODE_GRANT:
            return self._redeem_device_code(request, segment, path_tenant)  # _device_code.py
        return self._password(request, segment, path_tenant)

    def _find_client(self, request: Request, segment: str, tid: str) -> _App:
        """The app a token request names (``client_id``, else an assertion's ``sub``), registered in ``tid``."""
        form = request.form
        assertion = form.get("client_assertion")
        client_id = form.get("client_id")
        if not client_id and assertion:
            with contextlib.suppress(ValueError):
                client_id = str(split_jwt(assertion)[1].get("sub") or "") or None
        if not client_id:
            raise _missing("client_id")
        with self._lock:
            app = self._apps.get(client_id.lower())
        if app is None or (app.tenant_id != tid and not app.multi_tenant):
            raise EntraError(
                400,
                "unauthorized_client",
                700016,
                f"Application with identifier '{client_id}' was not found in the directory '{segment}'. This can"
                " happen if the application has not been installed by the administrator of the tenant or consented"
                " to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
            )
        return app

    def _authenticate_client(self, request: Request, app: _App, segment: str, tid: str, *, required: bool) -> str:
        """Check the client's secret or assertion; returns its ``appidacr`` ("0" public, "1" secret, "2"
        assertion). A confidential app (secrets, certificates or federations) must authenticate, and every app
        must when ``required`` (client credentials)."""
        form = request.form
        secret, assertion = form.get("client_secret"), form.get("client_assertion")
        if secret is not None:
            with self._lock:
                ok = any(hmac.compare_digest(secret.encode(), s.encode()) for s in app.secrets)
            if not ok:
                raise EntraError(
                    401,
                    "invalid_client",
                    7000215,
                    "Invalid client secret provided. Ensure the secret being sent in the request is the client"
                    f" secret value, not the client secret ID, for a secret added to app '{app.client_id}'.",
                )
            return "1"
        if assertion is not None:
            if form.get("client_assertion_type") != ASSERTION_TYPE:
                raise EntraError(
                    400, "invalid_request", 50027, f"Invalid client_assertion_type; expected '{ASSERTION_TYPE}'."
                )
            self._verify_assertion(assertion, app, request, segment, tid)
            return "2"
        if required:
            raise EntraError(
                401,
                "invalid_client",
                7000216,
                "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.",
            )
        with self._lock:
            confidential = bool(app.secrets or app.certificates or self._federations.get(app.client_id))
        if confidential:
            raise EntraError(
                401,
                "invalid_client",
                7000218,
                "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            )
        return "0"

    def _client(self, request: Request, segment: str, tid: str) -> _App:
        """The app making a user-grant request, authenticated when it sends credentials or must."""
        app = self._find_client(request, segment, tid)
        self._authenticate_client(request, app, segment, tid, required=False)
        return app

    @staticmethod
    def _scope(scope: str | None) -> tuple[str, str]:
        """(resource, scp) for a delegated scope string."""
        if not scope:
            raise _missing("scope")
        words = scope.split()
        resource_scopes = [s for s in words if s.lower() not in _OIDC_SCOPES]
        resources, permissions = set(), []
        for item in resource_scopes:
            resource, _, permission = item.rpartition("/")
            if not resource or not permission:
                raise EntraError(400, "invalid_scope", 70011, f"The provided value for scope {scope} is not valid.")
            resources.add(resource)
            permissions.append("user_impersonation" if permission == ".default" else permission)
        if len(resources) != 1:
            raise EntraError(
                400,
                "invalid_scope",
                28000,
                f"Provided value for the input parameter scope '{scope}' is not valid because it contains"
                f" {'no' if not resources else 'more than one'} resource.",
            )
        return resources.pop(), " ".join(dict.fromkeys(permissions))

    @staticmethod
    def _user_claims(user: EmulatedUser, scp: str) -> dict[str, Any]:
        return {"idtyp": "user", "scp": scp, "upn": user.username, "preferred_username": user.username}

    def _user_token_reply(
        self, request: Request, user: EmulatedUser, app: _App, tid: str, *, id_token: bool = True
    ) -> Response:
        from ._emulator import _signing_material, _wants_cae

        form = request.form
        resource, scp = self._scope(form.get("scope"))
        extra = self._user_claims(user, scp)
        if _wants_cae(form.get("claims")):
            extra["xms_cc"] = ["CP1"]
        token, lifetime = self._issue(tid, app.client_id, user.object_id, resource, extra)
        payload: dict[str, Any] = {
            "token_type": "Bearer",
            "scope": " ".join(f"{resource}/{p}" for p in scp.split()),
            "expires_in": lifetime,
            "ext_expires_in": lifetime,
            "access_token": token,
        }
        # the emulated sign-in consents to offline_access, so every user grant returns a refresh token
        refresh = "rt~" + uuid.uuid4().hex
        with self._lock:
            self._refresh_tokens[refresh] = _Grant(app.client_id, user)
        payload["refresh_token"] = refresh
        if self._in_family(app.client_id):
            payload["foci"] = "1"
        if id_token:
            now = int(time.time())
            key, _, kid = _signing_material()
            payload["id_token"] = encode_jwt(
                {
                    "aud": app.client_id,
                    "iss": f"{self.authority}/{tid}/v2.0",
                    "iat": now,
                    "nbf": now,
                    "exp": now + lifetime,
                    "oid": user.object_id,
                    "sub": user.object_id,
                    "tid": tid,
                    "preferred_username": user.username,
                    **({"name": user.display_name} if user.display_name else {}),
                    "ver": "2.0",
                },
                key,
                {"kid": kid},
            )
            payload["client_info"] = _b64_json({"uid": user.object_id, "utid": user.tenant_id})
        return self._ok(request, payload)

    def _on_behalf_of(self, request: Request, segment: str, tid: str) -> Response:
        form = request.form
        if form.get("requested_token_use") != "on_behalf_of":
            raise _missing("requested_token_use")
        assertion = form.get("assertion")
        if not assertion:
            raise _missing("assertion")
        app = self._client(request, segment, tid)
        try:
            claims = self.decode_token(assertion)
        except ValueError as exc:
            raise _invalid_grant(50013, f"Assertion failed signature validation. [Reason - {exc}]") from None
        if claims.get("aud") not in (app.client_id, f"api://{app.client_id}"):
            raise _invalid_grant(
                500131,
                f"Assertion audience does not match the Client app presenting the assertion. The audience in the"
                f" assertion was '{claims.get('aud')}' and the expected audience is '{app.client_id}'.",
            )
        with self._lock:
            user = next((u for u in self._users.values() if u.object_id == claims.get("oid")), None)
        if user is None or claims.get("idtyp") != "user":
            raise _invalid_grant(50013, "The assertion is not a user's access token.")
        return self._user_token_reply(request, user, app, tid, id_token=False)

    def _redeem_code(self, request: Request, segment: str, path_tenant: str | None) -> Response:
        form = request.form
        code_value = form.get("code")
        if not code_value:
            raise _missing("code")
        if not form.get("redirect_uri"):
            raise _missing("redirect_uri")
        with self._lock:
            code = self._codes.get(code_value)
        if code is None:
            raise _invalid_grant(9002313, "Invalid request. Request is malformed or invalid: unknown code.")
        tid = path_tenant or code.tenant_id
        app = self._client(request, segment, tid)
        with self._lock:
            if code.used:
                raise _invalid_grant(
                    54005,
                    "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an"
                    " existing refresh token.",
                )
            if time.time() > code.expires_at:
                raise _invalid_grant(70008, "The provided authorization code or refresh token has expired.")
            if code.client_id != app.client_id or code.tenant_id != tid:
                raise _invalid_grant(70000, "The provided value for the 'code' parameter is not valid for this client.")
            if code.redirect_uri != form["redirect_uri"]:
                raise _invalid_grant(
                    500112,
                    "The reply address does not match the reply address provided when requesting the authorization"
                    " code.",
                )
            if code.code_challenge is not None and not _pkce_matches(code, form.get("code_verifier")):
                raise _invalid_grant(
                    501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request."
                )
            code.used = True
        return self._user_token_reply(request, code.user, app, tid)

    def _redeem_refresh_token(self, request: Request, segment: str, path_tenant: str | None) -> Response:
        form = request.form
        token = form.get("refresh_token")
        if not token:
            raise _missing("refresh_token")
        with self._lock:
            grant = self._refresh_tokens.get(token)
        if grant is None:
            raise _invalid_grant(9002313, "Invalid request. Request is malformed or invalid: unknown refresh token.")
        tid = path_tenant or grant.user.tenant_id
        app = self._client(request, segment, tid)
        if grant.revoked:
            raise _invalid_grant(
                50173, "The provided grant has expired due to it being revoked, a fresh auth token is needed."
            )
        if grant.client_id != app.client_id and not self._in_family(grant.client_id, app.client_id):
            raise _invalid_grant(70000, "The refresh token was issued to a different client.")
        if tid != grant.user.tenant_id:
            raise _invalid_grant(50020, f"User account does not exist in tenant '{segment}'.")
        return self._user_token_reply(request, grant.user, app, tid)

    def _password(self, request: Request, segment: str, path_tenant: str | None) -> Response:
        form = request.form
        for name in ("username", "password"):
            if not form.get(name):
                raise _missing(name)
        with self._lock:
            user = self._users.get(form["username"].lower())
        if user is None or (path_tenant is not None and user.tenant_id != path_tenant):
            raise EntraError(400, "invalid_grant", 50034, "The user account does not exist in the directory.")
        app = self._client(request, segment, user.tenant_id)
        if not hmac.compare_digest(form["password"].encode(), user.password.encode()):
            raise _invalid_grant(50126, "Error validating credentials due to invalid username or password.")
        if user.mfa_required:
            raise _invalid_grant(
                50076,
                "Due to a configuration change made by your administrator, or because you moved to a new location,"
                " you must use multi-factor authentication to access this resource.",
            )
        return self._user_token_reply(request, user, app, user.tenant_id)
