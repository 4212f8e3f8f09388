"""UsernamePasswordCredential: a user signing in with a username and password (resource-owner password grant)."""

from __future__ import annotations

import logging
import warnings
from typing import Any

from azure.core.credentials import AccessTokenInfo
from azure.core.exceptions import ClientAuthenticationError
from typing_extensions import Unpack

from .._protocol import entra, user_grants
from .._protocol.msal_cache import UserTokenKey
from .._protocol.steps import Blocking, Flow
from ..params import (
    AdditionallyAllowedTenants,
    AuthorityHost,
    CachePersistence,
    ClientId,
    DisableInstanceDiscovery,
    EnableSupportLogging,
    Username,
    UserPassword,
    UserTenantId,
)
from .base import TokenRequest
from .interactive import UserSignInCore
from .persistence import PersistedKey, TokenStore
from .runtime import RuntimeOptions
from .secret import SecretValue

__all__ = ["UsernamePasswordCore"]

_LOGGER = logging.getLogger("azauth")

DEPRECATION = (
    "Username and password authentication is deprecated: it doesn't support multifactor authentication (MFA)."
    " For more details, see https://aka.ms/azsdk/identity/mfa."
)


class UsernamePasswordCore(UserSignInCore, config_type="username_password"):
    """Authenticates a user with a username and password.

    In general, Microsoft doesn't recommend this kind of authentication, because it's less secure than other
    authentication flows. It is not interactive, so it is not compatible with any form of multi-factor
    authentication or consent prompting, and it can only authenticate work and school accounts.

    :param str client_id: The application's client ID
    :param str username: The user's username (usually an email address)
    :param str password: The user's password

    :keyword str authority: Authority of a Microsoft Entra endpoint, for example "login.microsoftonline.com".
    :keyword str tenant_id: Tenant ID or a domain associated with a tenant. If not provided, defaults to the
        "organizations" tenant, which supports only Microsoft Entra work or school accounts.
    :keyword List[str] additionally_allowed_tenants: Specifies tenants in addition to the specified "tenant_id"
        for which the credential may acquire tokens. Add the wildcard value "*" to allow any tenant.
    :keyword cache_persistence_options: Configuration for persistent token caching. If unspecified, the credential
        will cache tokens in memory. The user's access, refresh and id tokens are persisted as msal persists them,
        so another credential for the same app, username and tenant uses them instead of the password.
    :paramtype cache_persistence_options: ~azauth.TokenCachePersistenceOptions
    """

    def __init__(
        self,
        client_id: ClientId,
        username: Username,
        password: UserPassword,
        *,
        tenant_id: UserTenantId = None,
        authority: AuthorityHost = None,
        additionally_allowed_tenants: AdditionallyAllowedTenants = (),
        disable_instance_discovery: DisableInstanceDiscovery = False,
        enable_support_logging: EnableSupportLogging = False,
        cache_persistence_options: CachePersistence = None,
        **kwargs: Unpack[RuntimeOptions],
    ) -> None:
        if not client_id:
            raise ValueError("client_id should be the id of a Microsoft Entra application")
        if not username:
            raise ValueError("username must be the user's username (usually an email address)")
        if not password:
            raise ValueError("password must be the user's password")
        warnings.warn(DEPRECATION, DeprecationWarning, stacklevel=2)
        self._username = username
        self._password = SecretValue(password)
        self._setup(
            tenant_id=tenant_id or "organizations",
            client_id=client_id,
            authority=authority,
            additionally_allowed_tenants=additionally_allowed_tenants,
            runtime=kwargs,
            cache_persistence_options=cache_persistence_options,
        )

    def _repr_fields(self) -> dict[str, object]:
        return {**super()._repr_fields(), "username": self._username}

    def _cache_scope(self) -> str:
        return f"user:{self._username.lower()}"

    def _persisted_key(self, scopes: tuple[str, ...], request: TokenRequest) -> PersistedKey | None:
        return UserTokenKey.for_request(self._authority, self._client_id or "", request.tenant, scopes, self._username)

    def token_flow(self, scopes: tuple[str, ...], request: TokenRequest) -> Flow[AccessTokenInfo]:
        info, _ = yield from self._persisted_token_flow(scopes, request, None, None)
        return info

    def _persisted_token_flow(
        self, scopes: tuple[str, ...], request: TokenRequest, store: TokenStore | None, key: PersistedKey | None
    ) -> Flow[tuple[AccessTokenInfo, Any]]:
        """A persisted refresh token of this user if there is one, else (or if it's refused) the password."""
        url = entra.token_url(self._authority, request.tenant)
        claims = entra.merge_claims(request.claims, request.enable_cae)
        refresh = None
        if store is not None and isinstance(key, UserTokenKey):
            refresh = yield Blocking(store.read, (key.refresh_token,))
        if refresh and not request.interactive:  # authenticate() signs in with the password
            try:
                reply = yield from user_grants.refresh_token(
                    url,
                    self._client_id or "",
                    scopes,
                    token=refresh,
                    client=user_grants.ClientAuth(),
                    now=self._clock,
                    claims=claims,
                )
            except ClientAuthenticationError as exc:  # revoked or expired: sign in again
                _LOGGER.debug(
                    "%s: the persisted refresh token was refused (%s); using the password",
                    type(self).__name__,
                    getattr(exc, "entra_error", None) or type(exc).__name__,
                )
            else:
                if reply.account.username is None or reply.account.username.lower() == self._username.lower():
                    return reply.info, reply
        reply = yield from user_grants.password(
            url,
            self._client_id or "",
            scopes,
            username=self._username,
            user_password=self._password.reveal(),
            now=self._clock,
            claims=claims,
        )
        self._remember(reply)
        return reply.info, reply
