"""What every credential shares: parameters common to all, tenant rules, the token cache and its refresh
policy, and logging. Mode-specific parts (the lock, the driver, the clock) come from ``azauth._io``."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from contextvars import ContextVar
from typing import Any, ClassVar

from azure.core.credentials import AccessTokenInfo
from azure.core.exceptions import ClientAuthenticationError, ServiceRequestError, ServiceResponseError

from .._protocol import entra
from .._protocol.certificates import AssertionAlgorithm
from .._protocol.msal_cache import AppTokenKey
from .._protocol.steps import Blocking, Flow
from .._protocol.tenants import resolve_tenant
from .._protocol.token_reply import check_expiry
from .._protocol.validation import normalize_authority, validate_scopes, validate_tenant_id
from .._secret import EnvironmentView, SecretValue
from ..authority_hosts import AzureAuthorityHosts
from ..errors import CredentialUnavailableError
from .env_values import parse_bool
from .persistence import PersistedKey, PersistenceSettings, TokenStore, persistence_settings
from .runtime import check_runtime_options
from .token_cache import CacheEntry, CacheKey, refresh_due

__all__ = ["CORE_TYPES", "CredentialCore", "TokenRequest", "within_credential_chain", "within_default_credential"]

_LOGGER = logging.getLogger("azauth")

within_credential_chain: ContextVar[bool] = ContextVar("within_credential_chain", default=False)
"""True while a chain asks its members: their failures are logged at DEBUG, the chain reports them."""

within_default_credential: ContextVar[bool] = ContextVar("within_default_credential", default=False)
"""True while DefaultAzureCredential asks its members: a developer tool that ran but gave no token is then
unavailable (the chain moves on) rather than an authentication error, as in azure-identity."""

CORE_TYPES: dict[str, type[CredentialCore]] = {}
"""Every credential core by its configuration ``type`` name; the config layer derives its models from it."""


class TokenRequest:
    """One token request's options, with the tenant already resolved; ``interactive``: the user asked to sign in
    (``authenticate()``), so no cached or silently refreshed token will do."""

    __slots__ = ("claims", "enable_cae", "interactive", "tenant")

    def __init__(self, tenant: str, claims: str | None, enable_cae: bool, interactive: bool = False) -> None:
        self.tenant = tenant
        self.claims = claims
        self.enable_cae = enable_cae
        self.interactive = interactive


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
    _credentials_module: ClassVar[str]
    """The module holding this mode's public classes (a chain builds its members from it)."""

    def _default_environ(self) -> Mapping[str, str]:
        raise NotImplementedError

    def _new_sender(self, options: Mapping[str, Any]) -> Any:
        raise NotImplementedError

    def _open_token_store(self, settings: PersistenceSettings, cae: bool) -> TokenStore:
        """Open the persistent token cache (blocking: called through a ``Blocking`` step)."""
        raise NotImplementedError

    def _token_proxy_transport(self, settings: Any, options: Mapping[str, Any]) -> Any:
        """A transport to the AKS token proxy ``settings`` names (requests or aiohttp)."""
        raise NotImplementedError

    def _mode_assertion_algorithm(self) -> AssertionAlgorithm:
        """How this mode's azure-identity counterpart signs certificate assertions (sync: msal's RS256)."""
        return "RS256"

    def assertion_algorithm(self, tenant: str) -> AssertionAlgorithm:
        """The algorithm of a certificate assertion for ``tenant``: the mode's, but RS256 for ADFS."""
        return "RS256" if tenant.lower() == "adfs" else self._mode_assertion_algorithm()

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
        self._environ = EnvironmentView(environ if environ is not None else self._default_environ())
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
        parse_bool(self._environ, "AZURE_IDENTITY_DISABLE_MULTITENANTAUTH")  # a bad value fails here; read per request
        self._tokens = {}
        self._persistence = persistence_settings(cache_persistence_options, self._environ)
        self._token_stores = {}
        self._sender = self._new_sender(_transport_options(runtime))

    def __repr__(self) -> str:
        fields = [f"{k}={v!r}" for k, v in self._repr_fields().items() if v]
        return f"{type(self).__name__}({', '.join(fields)})"

    # pickling, as azure-identity's credentials pickle since 1.16 -------------------------------
    _arguments: SecretValue[dict[str, Any]] | None = None
    """Set by credentials the environment configures (EnvironmentCredential, ManagedIdentityCredential): they
    pickle as these constructor arguments and are built again, from the environment where they are unpickled,
    so nothing they read from the environment (a managed-identity header) is written into the pickle."""

    def __reduce_ex__(self, protocol: Any) -> Any:
        arguments = self._arguments
        if arguments is not None:
            default = self._default_environ()
            portable = {k: v for k, v in arguments.reveal().items() if not (k == "environ" and v is default)}
            return (_rebuild, (type(self), portable))
        return super().__reduce_ex__(protocol)

    def __getstate__(self) -> dict[str, Any]:
        """The credential without what belongs to this process: tokens, locks, open caches and the pipeline
        (the sender keeps only its options); the process environment is referred to, not copied."""
        state = dict(self.__dict__)
        state["_tokens"] = {}
        state["_token_stores"] = {}
        if "_flights" in state:  # the mode's single-flight table: rebuilt empty (the sync mixin adds its lock)
            state["_flights"] = {}
        state.pop("_flights_lock", None)
        state.pop("_flights_loop", None)
        environ = state.get("_environ")
        if isinstance(environ, EnvironmentView) and environ.source is self._default_environ():
            state["_environ"] = _PROCESS_ENVIRONMENT
            persistence = state.get("_persistence")
            if persistence is not None and persistence.environ is environ:  # read it again on the other side
                state["_persistence"] = dataclasses.replace(persistence, environ={})
                state["_persistence_environ"] = _PROCESS_ENVIRONMENT
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        persistence_environ = state.pop("_persistence_environ", None)
        self.__dict__.update(state)
        if isinstance(state.get("_environ"), str):  # _PROCESS_ENVIRONMENT
            self._environ = EnvironmentView(self._default_environ())
        if persistence_environ is not None and self._persistence is not None:
            self._persistence = dataclasses.replace(self._persistence, environ=self._environ)

    def _repr_fields(self) -> dict[str, object]:
        return {
            "tenant_id": getattr(self, "_tenant_id", None),
            "client_id": getattr(self, "_client_id", None),
        }

    def unavailable_reason(self) -> str | None:
        """Why this credential cannot answer a token request, decided without network or process (a one-line
        reason), or ``None`` when it might answer. A chain skips a member that gives a reason."""
        return None

    # the token flow -------------------------------------------------------------------------
    def token_flow(self, scopes: tuple[str, ...], request: TokenRequest) -> Flow[AccessTokenInfo]:
        """The flow that obtains a new token for ``scopes``; implemented by each credential."""
        raise NotImplementedError

    def resolve_tenant(self, requested: str | None) -> str:
        """The tenant a request for ``requested`` goes to (``ClientAuthenticationError`` if not allowed).

        ``AZURE_IDENTITY_DISABLE_MULTITENANTAUTH`` is read at each request, as azure-identity does. The configured
        tenant named in another case is the configured tenant (tenant ids are case-insensitive).
        """
        if requested and self._tenant_id and requested.lower() == self._tenant_id.lower():
            requested = None
        return resolve_tenant(
            self._tenant_id,
            requested or None,
            additionally_allowed=self._allowed_tenants,
            multitenant_disabled=parse_bool(self._environ, "AZURE_IDENTITY_DISABLE_MULTITENANTAUTH"),
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
        if tenant_id and tenant_id.lower() == (self._tenant_id or "").lower():
            tenant_id = None  # the configured tenant, named: the same token as no tenant_id
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
        """Request a new token, cache it, and keep serving a still-valid token when a refresh fails.

        ``method`` ``"authenticate"`` is a user's request to sign in: no cached token will do
        (``TokenRequest.interactive``).
        """
        name = type(self).__name__
        interactive = method == "authenticate"
        in_chain = within_credential_chain.get()
        stale = None if interactive else self._cached(key, claims, until_expiry=True)
        store: TokenStore | None = None
        try:
            validate_scopes(scopes, method=method)
            request = TokenRequest(self.resolve_tenant(tenant_id), claims or None, bool(enable_cae), interactive)
            stored_key = None if self._persistence is None or key is None else self._persisted_key(scopes, request)
            if stored_key is not None:
                store = yield from self._token_store(request.enable_cae)  # consulted on a miss only
            if store is not None and stored_key is not None and key is not None:
                skip = request.claims or request.interactive
                found = None if skip else (yield Blocking(store.lookup, (stored_key, self._clock())))
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

    def _request_flow(
        self,
        scopes: tuple[str, ...],
        claims: str | None,
        tenant_id: str | None,
        enable_cae: bool,
        key: CacheKey | None,
        method: str,
        extra: Mapping[str, Any] | None,
    ) -> Flow[CacheEntry]:
        """The flow behind one ``get_token`` (``extra``: its other keywords) or ``get_token_info`` (``extra``: its
        ``options``) that the cache could not answer; :meth:`_acquire_flow` unless the credential passes the
        caller's arguments on (a chain)."""
        return self._acquire_flow(scopes, claims, tenant_id, enable_cae, key, method)

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


_PROCESS_ENVIRONMENT = "<the process environment>"


def _rebuild(cls: type[CredentialCore], arguments: dict[str, Any]) -> CredentialCore:
    """Unpickling a credential the environment configures: its constructor, run again where it is unpickled."""
    return cls(**arguments)


def _explain_transport_error(exc: Exception, name: str) -> Exception:
    """Network failures become authentication errors naming the credential; others pass through."""
    if isinstance(exc, (ServiceRequestError, ServiceResponseError)) and not isinstance(exc, ClientAuthenticationError):
        return ClientAuthenticationError(message=f"{name} could not reach Microsoft Entra ID: {exc.message}")
    return exc


def unavailable(message: str) -> CredentialUnavailableError:
    """A ``CredentialUnavailableError`` (the chain moves on to the next credential)."""
    return CredentialUnavailableError(message=message)


CA_BUNDLE_VARIABLES = ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE")
"""Variables naming the CA bundle to trust, in the order requests reads them."""


def _transport_options(runtime: Mapping[str, Any]) -> dict[str, Any]:
    """The runtime options for the sender. A credential given ``environ=`` reads every variable from it, the CA
    bundle too: ``REQUESTS_CA_BUNDLE`` (or ``SSL_CERT_FILE``, ``CURL_CA_BUNDLE``) of that mapping becomes
    ``connection_verify`` unless that is given, in both modes (requests would read ``os.environ``, aiohttp
    neither)."""
    options = {k: v for k, v in runtime.items() if k != "environ"}
    environ = runtime.get("environ")
    if environ is not None and "connection_verify" not in runtime and "transport" not in runtime:
        bundle = next((environ[name] for name in CA_BUNDLE_VARIABLES if environ.get(name)), None)
        if bundle is not None:
            options["connection_verify"] = bundle
    return options
