"""InteractiveBrowserCredential: a user signs in through the system browser (authorization code with PKCE)."""

from __future__ import annotations

from typing_extensions import Unpack

from .._protocol import user_grants
from .._protocol.interactive import DEVELOPER_SIGN_ON_CLIENT_ID, browser_sign_in, redirect_target
from .._protocol.steps import Flow
from ..params import (
    AdditionallyAllowedTenants,
    AuthorityHost,
    AuthRecord,
    CachePersistence,
    DisableAutomaticAuthentication,
    DisableInstanceDiscovery,
    EnableSupportLogging,
    InteractiveClientId,
    InteractiveRedirectUri,
    InteractiveTimeout,
    LoginHint,
    UserTenantId,
)
from .base import TokenRequest
from .interactive import InteractiveCore
from .runtime import RuntimeOptions

__all__ = ["InteractiveBrowserCore"]


class InteractiveBrowserCore(InteractiveCore, config_type="interactive_browser"):
    """Opens a browser to interactively authenticate a user.

    :func:`~get_token` opens a browser to a login URL provided by Microsoft Entra ID and authenticates a user
    there with the authorization code flow, using PKCE (Proof Key for Code Exchange) internally to protect the code.
    The browser is the system's (:mod:`webbrowser`, so the ``BROWSER`` environment variable is honoured); the
    redirect comes back to a listener on 127.0.0.1 that accepts only the expected path and ``state``.

    :keyword str authority: Authority of a Microsoft Entra endpoint, for example "login.microsoftonline.com",
        the authority for Azure Public Cloud (which is the default).
    :keyword str tenant_id: a Microsoft Entra tenant ID. Defaults to the "organizations" tenant, which can
        authenticate work or school accounts.
    :keyword str client_id: Client ID of the Microsoft Entra application that users will sign into. If not
        specified, users will authenticate to an Azure development application, which is not recommended for
        production scenarios.
    :keyword str login_hint: a username suggestion to pre-fill the login page's username/email address field. A user
        may still log in with a different username.
    :keyword str redirect_uri: a redirect URI for the application identified by `client_id` as configured in
        Microsoft Entra ID, for example "http://localhost:8400". The credential must be able to bind a socket to it.
    :keyword AuthenticationRecord authentication_record: :class:`AuthenticationRecord` returned by :func:`authenticate`
    :keyword bool disable_automatic_authentication: if True, :func:`get_token` will raise
        :class:`AuthenticationRequiredError` when user interaction is required to acquire a token. Defaults to False.
    :keyword cache_persistence_options: configuration for persistent token caching. If unspecified, the credential
        will cache tokens in memory.
    :paramtype cache_persistence_options: ~azauth.TokenCachePersistenceOptions
    :keyword int timeout: seconds to wait for the user to complete authentication. Defaults to 300 (5 minutes).
    :keyword List[str] additionally_allowed_tenants: Specifies tenants in addition to the specified "tenant_id"
        for which the credential may acquire tokens. Add the wildcard value "*" to allow any tenant.
    :raises ValueError: invalid **redirect_uri**
    """

    account_source = "authorization_code"

    def __init__(
        self,
        *,
        tenant_id: UserTenantId = None,
        client_id: InteractiveClientId = DEVELOPER_SIGN_ON_CLIENT_ID,
        login_hint: LoginHint = None,
        redirect_uri: InteractiveRedirectUri = None,
        timeout: InteractiveTimeout = 300,
        authentication_record: AuthRecord = None,
        disable_automatic_authentication: DisableAutomaticAuthentication = False,
        cache_persistence_options: CachePersistence = None,
        authority: AuthorityHost = None,
        additionally_allowed_tenants: AdditionallyAllowedTenants = (),
        disable_instance_discovery: DisableInstanceDiscovery = False,
        enable_support_logging: EnableSupportLogging = False,
        **kwargs: Unpack[RuntimeOptions],
    ) -> None:
        self._target = redirect_target(redirect_uri)
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
            raise ValueError(f"timeout must be a positive number of seconds, not {timeout!r}")
        self._timeout = float(timeout)
        self._login_hint = login_hint
        self._setup_user(
            client_id=client_id,
            tenant_id=tenant_id,
            authority=authority,
            authentication_record=authentication_record,
            disable_automatic_authentication=disable_automatic_authentication,
            additionally_allowed_tenants=additionally_allowed_tenants,
            cache_persistence_options=cache_persistence_options,
            runtime=kwargs,
        )

    def unavailable_reason(self) -> str | None:
        """Why this credential cannot answer, decided without network or interaction; ``None``: it might."""
        return None

    def sign_in_flow(
        self, scopes: tuple[str, ...], request: TokenRequest, claims: str | None
    ) -> Flow[user_grants.UserTokenReply]:
        return browser_sign_in(
            self._authority,
            request.tenant,
            self._client_id or "",
            scopes,
            target=self._target,
            timeout=self._timeout,
            now=self._clock,
            login_hint=self._login_hint or (self._record.username if self._record is not None else None),
            claims=claims,
            browser=self._environ.get("BROWSER") or None,
        )
