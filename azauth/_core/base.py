"""What every credential shares: parameters common to all, tenant rules, the token cache and its refresh
policy, and logging. Mode-specific parts (the lock, the driver, the clock) come from ``azauth._io``."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from contextvars import ContextVar
from typing import Any, ClassVar

from azure.core.credentials import AccessTokenInfo
from azure.core.exceptions import ClientAuthenticationError, ServiceRequestError, ServiceResponseError

from .._protocol import entra
from .._protocol.msal_cache import AppTokenKey
from .._protocol.steps import Blocking, Flow
from .._protocol.tenants import resolve_tenant
from .._protocol.token_reply import check_expiry
from .._protocol.validation import normalize_authority, validate_scopes, validate_tenant_id
from ..authority_hosts import AzureAuthorityHosts
from ..errors import CredentialUnavailableError
from .env_values import parse_bool
from .persistence import PersistedKey, PersistenceSettings, TokenStore, persistence_settings
from .runtime import check_runtime_options
from .token_cache import CacheEntry, CacheKey, refresh_due

__all__ = ["CORE_TYPES", "CredentialCore", "TokenRequest", "within_credential_chain"]

_LOGGER = logging.getLogger("azauth")

within_credential_chain: ContextVar[bool] = ContextVar("within_credential_chain", default=False)
"""True while a chain asks its members: their failures are logged at DEBUG, the chain reports them."""

CORE_TYPES: dict[str, type[CredentialCore]] = {}
"""Every credential core by its configuration ``type`` name; the config layer derives its models from it."""


class TokenRequest:
    """One token request's options, with the tenant already resolved."""

    __slots__ = ("claims", "enable_cae", "tenant")

    def __init__(self, tenant: str, claims: str | None, enable_cae: bool) -> None:
        self.tenant = tenant
        self.claims = claims
        self.enable_cae = enable_cae


class CredentialCore:
    """Base of every credential core.

    Subclasses call :meth:`_setup` from their constructor and implement :meth:`token_flow`. The driver
    mixin provides ``_default_environ``, ``_clock`` and ``_new_sender``.
    """

    config_type: ClassVar[str | None] = None
    caches_tokens: ClassVar[bool] = True

    _tokens: dict[CacheKey, CacheEntry]
    _authority: str
    _tenant_id: str
    _client_id: str | None
    _allowed_tenants: frozenset[str]
    _multitenant_disabled: bool
    _environ: Mapping[str, str]
    _sender: Any
    _persistence: PersistenceSettings | None = None
    _token_stores: dict[bool, TokenStore]

    def __init_subclass__(cls, config_type: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if config_type is not None:
            cls.config_type = config_type
            CORE_TYPES[config_type] = cls

    # provided by the driver mixin -------------------------------------------------------------
    _clock: Callable[[], float]

    def _default_environ(self) -> Mapping[str, str]:
        raise NotImplementedError

    def _new_sender(self, options: Mapping[str, Any]) -> Any:
        raise NotImplementedError

    def _open_token_store(self, settings: PersistenceSettings, cae: bool) -> TokenStore:
        """Open the persistent token cache (blocking: called through a ``Blocking`` step)."""
        raise NotImplementedError

    # shared construction ----------------------------------------------------------------------
    def _setup(
        self,
        *,
        tenant_id: str,
        client_id: str | None = None,
        authority: str | None = None,
        additionally_allowed_tenants: Sequence[str] | None = (),
        runtime: Mapping[str, Any],
        tenant_required: bool = True,
        cache_persistence_options: Any = None,
    ) -> None:
        name = type(self).__name__
        check_runtime_options(name, runtime)
        environ = runtime.get("environ")
        self._environ = environ if environ is not None else self._default_environ()
        if tenant_required or tenant_id:
            validate_tenant_id(tenant_id)
        self._tenant_id = tenant_id
        self._client_id = client_id
        self._authority = normalize_authority(
            authority or self._environ.get("AZURE_AUTHORITY_HOST") or AzureAuthorityHosts.AZURE_PUBLIC_CLOUD
        )
        if isinstance(additionally_allowed_tenants, str):
            raise TypeError("additionally_allowed_tenants must be a list of tenant ids, not a string")
        self._allowed_tenants = frozenset(additionally_allowed_tenants or ())
        self._multitenant_disabled = parse_bool(self._environ, "AZURE_IDENTITY_DISABLE_MULTITENANTAUTH")
        self._tokens = {}
        self._persistence = persistence_settings(cache_persistence_options, self._environ)
        self._token_stores = {}
        self._sender = self._new_sender({k: v for k, v in runtime.items() if k != "environ"})

    def __repr__(self) -> str:
        fields = [f"{k}={v!r}" for k, v in self._repr_fields().items() if v]
        return f"{type(self).__name__}({', '.join(fields)})"

    def _repr_fields(self) -> dict[str, object]:
        return {
            "tenant_id": getattr(self, "_tenant_id", None),
            "client_id": getattr(self, "_client_id", None),
        }

    # the token flow -------------------------------------------------------------------------
    def token_flow(self, scopes: tuple[str, ...], request: TokenRequest) -> Flow[AccessTokenInfo]:
        """The flow that obtains a new token for ``scopes``; implemented by each credential."""
        raise NotImplementedError

    def resolve_tenant(self, requested: str | None) -> str:
        """The tenant a request for ``requested`` goes to (``ClientAuthenticationError`` if not allowed)."""
        return resolve_tenant(
            self._tenant_id,
            requested or None,
            additionally_allowed=self._allowed_tenants,
            multitenant_disabled=self._multitenant_disabled,
        )

    def client_credentials_flow(
        self,
        scopes: tuple[str, ...],
        request: TokenRequest,
        *,
        secret: str | None = None,
        assertion: Callable[[str], str] | None = None,
    ) -> Flow[AccessTokenInfo]:
        """The client-credentials grant for ``request`` (tenant, claims, CAE) at this credential's authority,
        authenticated by ``secret`` or ``assertion(audience)``."""
        return entra.client_credentials(
            entra.token_url(self._authority, request.tenant),
            self._client_id or "",
            scopes,
            now=self._clock,
            secret=secret,
            assertion=assertion,
            claims=entra.merge_claims(request.claims, request.enable_cae),
        )

    def _cache_scope(self) -> str | None:
        """Whom cached tokens belong to beyond (scopes, tenant, CAE), e.g. the hash of an on-behalf-of user
        assertion or the account that redeemed an authorization code; part of the cache key when not None."""
        return None

    def _cache_key(self, scopes: tuple[str, ...], tenant_id: str | None, enable_cae: bool) -> CacheKey | None:
        if not self.caches_tokens:
            return None
        scope = self._cache_scope()
        return (scopes, tenant_id, enable_cae) if scope is None else (scopes, tenant_id, enable_cae, scope)

    def _cached(self, key: CacheKey | None, claims: str | None, *, until_expiry: bool = False) -> CacheEntry | None:
        """The cache entry for ``key`` while it needs no refresh or, with ``until_expiry``, while it is valid."""
        if key is None or claims:
            return None
        entry = self._tokens.get(key)
        if entry is None or self._clock() >= (entry.expires_on if until_expiry else entry.refresh_at):
            return None
        return entry

    def _acquire_flow(
        self,
        scopes: tuple[str, ...],
        claims: str | None,
        tenant_id: str | None,
        enable_cae: bool,
        key: CacheKey | None,
        method: str,
    ) -> Flow[CacheEntry]:
        """Request a new token, cache it, and keep serving a still-valid token when a refresh fails."""
        name = type(self).__name__
        in_chain = within_credential_chain.get()
        stale = self._cached(key, claims, until_expiry=True)
        store: TokenStore | None = None
        try:
            validate_scopes(scopes, method=method)
            request = TokenRequest(self.resolve_tenant(tenant_id), claims or None, bool(enable_cae))
            stored_key = None if self._persistence is None or key is None else self._persisted_key(scopes, request)
            if stored_key is not None:
                store = yield from self._token_store(request.enable_cae)  # consulted on a miss only
            if store is not None and stored_key is not None and key is not None:
                found = None if request.claims else (yield Blocking(store.lookup, (stored_key, self._clock())))
                if found is not None:
                    try:
                        found = check_expiry(found, self._clock(), "the persistent token cache")
                    except ClientAuthenticationError:
                        found = None  # an entry with a broken expiry is no token: a new one replaces it
                if found is not None:
                    entry = CacheEntry(found, self._clock())
                    self._tokens[key] = entry
                    if self._clock() < refresh_due(found):
                        _LOGGER.debug("%s.%s: token found in the persistent cache", name, method)
                        return entry
                    stale = stale or entry  # due for refresh, still valid: served if the refresh fails
            info, record = yield from self._persisted_token_flow(scopes, request, store, stored_key)
            info = check_expiry(info, self._clock(), name)
        except Exception as exc:
            error = _explain_transport_error(exc, name)
            if stale is not None and not isinstance(exc, ValueError):
                stale.postpone_refresh(self._clock())
                _LOGGER.warning(
                    "%s.%s could not refresh a token; the cached token remains valid: %s", name, method, error
                )
                return stale
            _LOGGER.log(logging.DEBUG if in_chain else logging.WARNING, "%s.%s failed: %s", name, method, error)
            if error is exc:
                raise
            raise error from exc
        entry = CacheEntry(info, self._clock())
        if key is not None:  # keyed again: the flow may have learned whom the token belongs to (_cache_scope)
            self._tokens[self._cache_key(scopes, tenant_id, enable_cae) or key] = entry
        if store is not None and stored_key is not None:
            try:
                yield Blocking(store.save, (stored_key, record, self._clock()))
            except Exception as exc:  # persisting is best effort: the token request has succeeded
                _LOGGER.warning("%s.%s could not persist the token: %s", name, method, type(exc).__name__)
        _LOGGER.log(logging.DEBUG if in_chain else logging.INFO, "%s.%s succeeded", name, method)
        return entry

    def _persisted_key(self, scopes: tuple[str, ...], request: TokenRequest) -> PersistedKey | None:
        """Where this request's token lives in the persistent cache; ``None``: the token isn't persisted.

        An app-only access token by default; tokens bound to someone (:meth:`_cache_scope`) are not persisted
        unless the core names their kind (a user's tokens, for instance).
        """
        if self._cache_scope() is not None:
            return None
        return AppTokenKey.for_request(self._authority, self._client_id or "", request.tenant, scopes)

    def _persisted_token_flow(
        self, scopes: tuple[str, ...], request: TokenRequest, store: TokenStore | None, key: PersistedKey | None
    ) -> Flow[tuple[AccessTokenInfo, Any]]:
        """:meth:`token_flow`, and the record ``key.add`` persists (the token itself, by default). Cores whose
        persisted tokens include more (a refresh token) override it; ``store`` lets them read the cache."""
        info = yield from self.token_flow(scopes, request)
        return info, info

    def _token_store(self, cae: bool) -> Flow[TokenStore | None]:
        """The persistent cache for CAE or non-CAE tokens, opened on first use (where encryption errors surface).

        ``None`` (with a warning, and another try on the next miss) when the disk refuses: the token request
        goes on without persistence. Encryption and permission problems raise ``ValueError``.
        """
        store = self._token_stores.get(cae)
        if store is None:
            assert self._persistence is not None
            try:
                store = yield Blocking(self._open_token_store, (self._persistence, cae))
            except OSError as exc:
                _LOGGER.warning(
                    "%s could not open its persistent token cache, continuing without it: %s: %s",
                    type(self).__name__,
                    type(exc).__name__,
                    exc,
                )
                return None
            store = self._token_stores.setdefault(cae, store)
        return store

    def _child_credentials(self) -> Collection[Any]:
        return ()

    def _members(self) -> list[Any]:
        """Every credential under this one (chain members, nested), each once: a profile referenced from many
        chain positions is one shared credential, so walking the tree per position would be exponential.
        azauth credentials are walked through; any other credential is a leaf."""
        found: dict[int, Any] = {}
        stack = list(self._child_credentials())
        while stack:
            member = stack.pop()
            if id(member) in found or member is self:
                continue
            found[id(member)] = member
            if isinstance(member, CredentialCore):
                stack.extend(member._child_credentials())
        return list(found.values())


def _explain_transport_error(exc: Exception, name: str) -> Exception:
    """Network failures become authentication errors naming the credential; others pass through."""
    if isinstance(exc, (ServiceRequestError, ServiceResponseError)) and not isinstance(exc, ClientAuthenticationError):
        return ClientAuthenticationError(message=f"{name} could not reach Microsoft Entra ID: {exc.message}")
    return exc


def unavailable(message: str) -> CredentialUnavailableError:
    """A ``CredentialUnavailableError`` (the chain moves on to the next credential)."""
    return CredentialUnavailableError(message=message)
