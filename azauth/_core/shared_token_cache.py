"""SharedTokenCacheCredential: silent sign-in from the msal token cache Microsoft developer tools share."""

from __future__ import annotations

import logging
import sys
from functools import partial
from typing import Any

from azure.core.credentials import AccessTokenInfo
from azure.core.exceptions import ClientAuthenticationError
from typing_extensions import Unpack

from .._protocol import entra, user_grants
from .._protocol.interactive import DEVELOPER_SIGN_ON_CLIENT_ID
from .._protocol.msal_cache import UserTokenKey, environment_of
from .._protocol.shared_cache import CacheQuery, SharedAccount, environment_aliases, select_account
from .._protocol.steps import Blocking, Flow
from ..authentication_record import AuthenticationRecord
from ..cache_options import TokenCachePersistenceOptions
from ..params import (
    AdditionallyAllowedTenants,
    AuthorityHost,
    AuthRecord,
    CachePersistence,
    SharedCacheTenantId,
    SharedCacheUsername,
)
from .base import CredentialCore, TokenRequest, unavailable
from .interactive import as_record
from .persistence import PersistedKey
from .runtime import RuntimeOptions

__all__ = ["SharedTokenCacheCore"]

_LOGGER = logging.getLogger("azauth")
_META_TENANTS = frozenset({"organizations", "common", "consumers"})
NO_TOKEN = (
    "Token acquisition failed for user '{}'. To fix, re-authenticate through developer tooling supporting Azure"
    " single sign on"
)


class SharedTokenCacheCore(CredentialCore, config_type="shared_token_cache"):
    """Authenticates using tokens in the local cache shared between Microsoft applications.

    :param str username: Username (typically an email address) of the user to authenticate as. This is used when the
        local cache contains tokens for multiple identities.

    :keyword str authority: Authority of a Microsoft Entra endpoint, for example 'login.microsoftonline.com',
        the authority for Azure Public Cloud (which is the default).
    :keyword str tenant_id: a Microsoft Entra tenant ID. Used to select an account when the cache contains tokens for
        multiple identities.
    :keyword AuthenticationRecord authentication_record: an authentication record returned by a user credential
        such as :class:`DeviceCodeCredential` or :class:`InteractiveBrowserCredential`
    :keyword cache_persistence_options: configuration for persistent token caching. If not provided, the credential
        will use the persistent cache shared by Microsoft development applications
    :paramtype cache_persistence_options: ~azauth.TokenCachePersistenceOptions
    """

    def __init__(
        self,
        username: SharedCacheUsername = None,
        *,
        authority: AuthorityHost = None,
        tenant_id: SharedCacheTenantId = None,
        authentication_record: AuthRecord = None,
        cache_persistence_options: CachePersistence = None,
        additionally_allowed_tenants: AdditionallyAllowedTenants = (),
        **kwargs: Unpack[RuntimeOptions],
    ) -> None:
        record = as_record(authentication_record)
        self._record: AuthenticationRecord | None = record
        self._username = record.username if record is not None else username
        self._account_tenant = None if record is not None else tenant_id
        self._setup(
            tenant_id=record.tenant_id if record is not None else (tenant_id or "organizations"),
            client_id=record.client_id if record is not None else DEVELOPER_SIGN_ON_CLIENT_ID,
            authority=record.authority if record is not None else authority,
            additionally_allowed_tenants=additionally_allowed_tenants,
            runtime=kwargs,
            cache_persistence_options=cache_persistence_options
            or TokenCachePersistenceOptions(allow_unencrypted_storage=True),
        )
        if record is None and tenant_id:  # the tenant narrows the account; tokens come from "organizations"
            self._tenant_id = "organizations"
        self._aliases = environment_aliases(environment_of(self._authority))

    @staticmethod
    def supported() -> bool:
        """Whether the shared token cache is supported on the current platform.

        :return: True if the shared token cache is supported on the current platform.
        :rtype: bool
        """
        return sys.platform.startswith(("linux", "darwin", "win"))

    def _repr_fields(self) -> dict[str, object]:
        return {**super()._repr_fields(), "username": self._username}

    def _cache_scope(self) -> str:
        return f"shared:{(self._username or '').lower()}:{(self._account_tenant or '').lower()}"

    def _persisted_key(self, scopes: tuple[str, ...], request: TokenRequest) -> PersistedKey | None:
        return None  # the shared cache is read and written by token_flow itself: it chooses the account first

    def _query(self, scopes: tuple[str, ...], tenant: str, now: float) -> CacheQuery:
        record = self._record
        return CacheQuery(
            environments=self._aliases,
            scopes=scopes,
            now=now,
            username=self._username,
            tenant_id=self._account_tenant,
            home_account_id=record.home_account_id if record is not None else None,
            client_id=record.client_id if record is not None else None,
            realm=None if tenant.lower() in _META_TENANTS else tenant,
        )

    def unavailable_reason(self) -> str | None:
        """Why this credential cannot answer, decided without network: no persistent cache, or no (single) account
        in it; ``None`` when it might answer. Reads the cache file (blocking)."""
        if not self.supported():
            return "Shared token cache is not supported on this platform."
        assert self._persistence is not None
        try:
            store = self._open_token_store(self._persistence, False)
        except (OSError, ValueError) as exc:
            return f"SharedTokenCacheCredential: the shared token cache could not be opened ({type(exc).__name__})"
        found = store.read(partial(select_account, query=self._query(("openid",), self._tenant_id, self._clock())))
        if found is None:
            return "SharedTokenCacheCredential: the shared token cache could not be read"
        return found if isinstance(found, str) else None

    def token_flow(self, scopes: tuple[str, ...], request: TokenRequest) -> Flow[AccessTokenInfo]:
        if not self.supported():
            raise unavailable("Shared token cache is not supported on this platform.")
        store = yield from self._token_store(request.enable_cae)
        if store is None:
            raise unavailable("Shared token cache unavailable")
        query = self._query(scopes, request.tenant, self._clock())
        found: SharedAccount | str | None = yield Blocking(store.read, (partial(select_account, query=query),))
        if found is None:
            raise unavailable("Shared token cache unavailable")
        if isinstance(found, str):
            raise unavailable(found)
        if found.access_token is not None and not request.claims:
            return found.access_token
        url = entra.token_url(self._authority, request.tenant)
        claims = entra.merge_claims(request.claims, request.enable_cae)
        for refresh in found.refresh_tokens[:1]:  # the newest: older ones of the same account were superseded
            reply = yield from user_grants.refresh_token(
                url,
                self._client_id or "",
                scopes,
                token=refresh,
                client=user_grants.ClientAuth(),
                now=self._clock,
                claims=claims,
            )
            yield from self._save(store, scopes, request, found, reply)
            return reply.info
        raise unavailable(NO_TOKEN.format(found.username))

    def _save(
        self, store: Any, scopes: tuple[str, ...], request: TokenRequest, account: SharedAccount, reply: Any
    ) -> Flow[None]:
        realm = request.tenant if request.tenant.lower() not in _META_TENANTS else reply.account.tenant_id
        key = UserTokenKey.for_request(
            self._authority,
            self._client_id or "",
            realm or request.tenant,
            scopes,
            account.username,
            home_account_id=account.home_account_id,
            account_source="refresh_token",
        )
        try:
            yield Blocking(store.save, (key, reply, self._clock()))
        except (OSError, ClientAuthenticationError) as exc:  # best effort, as for every persisted token
            _LOGGER.warning("SharedTokenCacheCredential could not persist the token: %s", type(exc).__name__)
