"""What the credentials a person signs in with share: ``authenticate()``, the ``AuthenticationRecord``, silent
sign-in (the signed-in account's refresh token, in memory or in the persistent cache) before any interaction,
and ``disable_automatic_authentication``.

``UserSignInCore`` is the part UsernamePasswordCredential shares too (``authenticate()`` and the record);
``InteractiveCore`` adds the silent-then-interactive token flow of InteractiveBrowser and DeviceCode, which
implement :meth:`InteractiveCore.sign_in_flow`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from azure.core.credentials import AccessTokenInfo
from azure.core.exceptions import ClientAuthenticationError

from .._protocol import entra, user_grants
from .._protocol.interactive import record_from_reply
from .._protocol.msal_cache import UserTokenKey
from .._protocol.steps import Blocking, Flow
from .._protocol.token_reply import EntraError
from ..authentication_record import AuthenticationRecord
from ..authority_hosts import AzureAuthorityHosts
from ..errors import AuthenticationRequiredError, CredentialUnavailableError
from .base import CredentialCore, TokenRequest
from .persistence import PersistedKey, TokenStore
from .secret import SecretValue

__all__ = ["InteractiveCore", "UserSignInCore", "as_record"]

_LOGGER = logging.getLogger("azauth")

DEFAULT_AUTHENTICATE_SCOPES = {
    "https://" + AzureAuthorityHosts.AZURE_CHINA: ("https://management.core.chinacloudapi.cn//.default",),
    "https://" + AzureAuthorityHosts.AZURE_GOVERNMENT: ("https://management.core.usgovcloudapi.net//.default",),
    "https://" + AzureAuthorityHosts.AZURE_PUBLIC_CLOUD: ("https://management.core.windows.net//.default",),
}
"""What ``authenticate()`` asks for without ``scopes``: Azure Resource Manager of the credential's cloud."""


def as_record(value: Any) -> AuthenticationRecord | None:
    """``value`` as an azauth ``AuthenticationRecord``: azure-identity's record (same properties) is accepted."""
    if value is None or isinstance(value, AuthenticationRecord):
        return value
    names = ("tenant_id", "client_id", "authority", "home_account_id", "username")
    if all(isinstance(getattr(value, name, None), str) for name in names):
        return AuthenticationRecord(**{name: getattr(value, name) for name in names})
    raise TypeError(f"authentication_record must be an AuthenticationRecord, not {type(value).__name__}")


class UserSignInCore(CredentialCore):
    """Base of the credentials with ``authenticate()``: keeps the signed-in account's ``AuthenticationRecord``."""

    _record: AuthenticationRecord | None = None

    def _default_scopes(self, scopes: Iterable[str] | None) -> tuple[str, ...]:
        if scopes:
            return tuple([scopes] if isinstance(scopes, str) else scopes)
        default = DEFAULT_AUTHENTICATE_SCOPES.get(self._authority)
        if default is None:  # the credential's cloud has no Resource Manager scope we know
            raise CredentialUnavailableError(
                message="Authenticating in this environment requires a value for the 'scopes' keyword argument."
            )
        return default

    def _authenticate_flow(
        self, scopes: Iterable[str] | None, claims: str | None, tenant_id: str | None, enable_cae: bool
    ) -> Flow[AuthenticationRecord]:
        """Sign the user in (always asking them, for the interactive credentials), cache the token for ``scopes``,
        and return the account's record."""
        wanted = self._default_scopes(scopes)
        key = self._cache_key(wanted, tenant_id, enable_cae)
        yield from self._acquire_flow(wanted, claims, tenant_id, enable_cae, key, "authenticate")
        if self._record is None:
            raise CredentialUnavailableError(
                message=f"{type(self).__name__}: Microsoft Entra ID's reply didn't name the account (no id token)"
            )
        return self._record

    def _remember(self, reply: user_grants.UserTokenReply) -> None:
        """Record the account a reply names (the first sign-in, or another account the user chose)."""
        try:
            self._record = record_from_reply(reply, self._client_id or "")
        except ClientAuthenticationError:  # no usable id token: keep what we know (authenticate() reports it)
            _LOGGER.debug("%s: the reply's id token doesn't name the account", type(self).__name__)


class InteractiveCore(UserSignInCore):
    """Silent sign-in first (the account's refresh token), then the user, unless automatic authentication is off."""

    _refresh_token: SecretValue[str] | None = None
    _disable_automatic_authentication: bool = False
    account_source: str = "authorization_code"

    def _setup_user(
        self,
        *,
        client_id: str,
        tenant_id: str | None,
        authority: str | None,
        authentication_record: Any,
        disable_automatic_authentication: bool,
        additionally_allowed_tenants: Sequence[str] | None,
        cache_persistence_options: Any,
        runtime: Any,
    ) -> None:
        """``_setup`` for a user's credential: a record overrides ``client_id`` and ``authority`` and supplies the
        default tenant, as in azure-identity."""
        record = as_record(authentication_record)
        if record is not None:
            client_id = record.client_id
            authority = record.authority
            tenant_id = tenant_id or record.tenant_id
        if not client_id:
            raise ValueError("client_id should be the id of a Microsoft Entra application")
        self._record = record
        self._disable_automatic_authentication = bool(disable_automatic_authentication)
        self._setup(
            tenant_id=tenant_id or "organizations",
            client_id=client_id,
            authority=authority,
            additionally_allowed_tenants=additionally_allowed_tenants,
            runtime=runtime,
            cache_persistence_options=cache_persistence_options,
        )

    def _repr_fields(self) -> dict[str, object]:
        username = self._record.username if self._record is not None else None
        return {**super()._repr_fields(), "username": username}

    def _cache_scope(self) -> str | None:
        return f"account:{self._record.home_account_id}" if self._record is not None else None

    def _persisted_key(self, scopes: tuple[str, ...], request: TokenRequest) -> PersistedKey | None:
        record = self._record  # before anyone signed in, the key finds nothing but still saves the sign-in
        return UserTokenKey.for_request(
            self._authority,
            self._client_id or "",
            request.tenant,
            scopes,
            record.username if record is not None else "",
            home_account_id=record.home_account_id if record is not None else None,
            account_source=self.account_source,
        )

    def sign_in_flow(
        self, scopes: tuple[str, ...], request: TokenRequest, claims: str | None
    ) -> Flow[user_grants.UserTokenReply]:
        """Ask the user to sign in (browser, device code); implemented by each interactive credential."""
        raise NotImplementedError

    def token_flow(self, scopes: tuple[str, ...], request: TokenRequest) -> Flow[AccessTokenInfo]:
        info, _ = yield from self._persisted_token_flow(scopes, request, None, None)
        return info

    def _persisted_token_flow(
        self, scopes: tuple[str, ...], request: TokenRequest, store: TokenStore | None, key: PersistedKey | None
    ) -> Flow[tuple[AccessTokenInfo, Any]]:
        claims = entra.merge_claims(request.claims, request.enable_cae)
        if not request.interactive:
            reply = yield from self._silent_flow(scopes, request, claims, store, key)
            if reply is not None:
                return reply.info, reply
            if self._disable_automatic_authentication:
                raise AuthenticationRequiredError(scopes, claims=request.claims)
        reply = yield from self.sign_in_flow(scopes, request, claims)
        self._remember(reply)
        if reply.refresh_token:
            self._refresh_token = SecretValue(reply.refresh_token)
        return reply.info, reply

    def _silent_flow(
        self,
        scopes: tuple[str, ...],
        request: TokenRequest,
        claims: str | None,
        store: TokenStore | None,
        key: PersistedKey | None,
    ) -> Flow[user_grants.UserTokenReply | None]:
        """A token from the signed-in account's refresh token (this process's, else the persistent cache's);
        ``None`` when there is none or Entra refuses it (interaction required)."""
        record = self._record
        if record is None:
            return None
        refresh = self._refresh_token.reveal() if self._refresh_token is not None else None
        if refresh is None and store is not None and isinstance(key, UserTokenKey) and key.username:
            refresh = yield Blocking(store.read, (key.refresh_token,))
        if not refresh:
            return None
        try:
            reply = yield from user_grants.refresh_token(
                entra.token_url(self._authority, request.tenant),
                self._client_id or "",
                scopes,
                token=refresh,
                client=user_grants.ClientAuth(),
                now=self._clock,
                claims=claims,
            )
        except EntraError as exc:  # expired, revoked, or a claims challenge needing interaction
            _LOGGER.debug(
                "%s: silent authentication failed (%s); the user must sign in",
                type(self).__name__,
                exc.entra_error or "error",
            )
            self._refresh_token = None
            return None
        if reply.account.home_account_id and reply.account.home_account_id != record.home_account_id:
            _LOGGER.debug("%s: the refresh token belongs to another account; ignored", type(self).__name__)
            return None
        if reply.refresh_token:
            self._refresh_token = SecretValue(reply.refresh_token)
        return reply
