"""OnBehalfOfCredential: a middle-tier service exchanging a user's token for a token to another API."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from azure.core.credentials import AccessTokenInfo
from azure.core.exceptions import ClientAuthenticationError
from typing_extensions import Unpack

from .._protocol import entra, user_grants
from .._protocol.certificates import ClientCertificate, load_certificate, sign_assertion
from .._protocol.msal_cache import OnBehalfOfTokenKey
from .._protocol.steps import Blocking, Flow
from .._secret import SecretValue
from ..params import (
    AdditionallyAllowedTenants,
    AuthorityHost,
    CachePersistence,
    CertificateData,
    CertificatePassword,
    ClientAssertionFunc,
    ClientId,
    DisableInstanceDiscovery,
    OptionalClientSecret,
    SendCertificateChain,
    TenantId,
    UserAssertion,
)
from .base import CredentialCore, TokenRequest
from .persistence import PersistedKey, TokenStore
from .runtime import RuntimeOptions

__all__ = ["OnBehalfOfCore"]


class OnBehalfOfCore(CredentialCore, config_type="on_behalf_of"):
    """Authenticates a service principal via the on-behalf-of flow.

    This flow is typically used by middle-tier services that authorize requests to other services with a
    delegated user identity. Because this is not an interactive authentication flow, an application using it
    must have admin consent for any delegated permissions before requesting tokens for them. Tokens are cached
    per user assertion: two users never share a token.

    :param str tenant_id: ID of the service principal's tenant. Also called its "directory" ID.
    :param str client_id: The service principal's client ID.

    :keyword str client_secret: A client secret to authenticate the service principal.
    :keyword bytes client_certificate: The bytes of a certificate in PEM or PKCS12 format including the private
        key to authenticate the service principal.
    :keyword client_assertion_func: Function that returns client assertions that authenticate the application to
        Microsoft Entra ID. Called each time the credential requests a token.
    :keyword str user_assertion: Required. The access token the credential will use as the user assertion when
        requesting on-behalf-of tokens.
    :keyword password: A certificate password, used only with client_certificate; a str is encoded as UTF-8.
    :keyword bool send_certificate_chain: If True when client_certificate is provided, send the public
        certificate chain in the x5c header of each token request's JWT (Subject Name/Issuer authentication).
    :keyword str authority: Authority of a Microsoft Entra endpoint, for example "login.microsoftonline.com".
    :keyword List[str] additionally_allowed_tenants: Specifies tenants in addition to the specified "tenant_id"
        for which the credential may acquire tokens. Add the wildcard value "*" to allow any tenant.
    :keyword cache_persistence_options: Configuration for persistent token caching. If unspecified, the credential
        will cache tokens in memory. Persisted tokens are bound to the user assertion they were exchanged for.
    :paramtype cache_persistence_options: ~azauth.TokenCachePersistenceOptions

    Exactly one of client_secret, client_certificate or client_assertion_func must be provided.
    """

    def __init__(
        self,
        tenant_id: TenantId,
        client_id: ClientId,
        *,
        client_certificate: CertificateData = None,
        client_secret: OptionalClientSecret = None,
        client_assertion_func: ClientAssertionFunc = None,
        user_assertion: UserAssertion,
        password: CertificatePassword = None,
        send_certificate_chain: SendCertificateChain = False,
        authority: AuthorityHost = None,
        additionally_allowed_tenants: AdditionallyAllowedTenants = (),
        disable_instance_discovery: DisableInstanceDiscovery = False,
        cache_persistence_options: CachePersistence = None,
        **kwargs: Unpack[RuntimeOptions],
    ) -> None:
        if not client_id:
            raise ValueError("client_id should be the id of a Microsoft Entra application")
        given = [
            name
            for name, value in (
                ("client_secret", client_secret),
                ("client_certificate", client_certificate),
                ("client_assertion_func", client_assertion_func),
            )
            if value
        ]
        if not given:  # azure-identity's wording and type
            raise TypeError('Either "client_certificate", "client_secret", or "client_assertion_func" must be provided')
        if len(given) != 1:
            found = f"got {' and '.join(given)}"
            raise ValueError(
                "OnBehalfOfCredential requires exactly one of client_secret, client_certificate or"
                f" client_assertion_func ({found})"
            )
        if password is not None and client_certificate is None:
            raise ValueError("password is the client_certificate's password; it is used only with client_certificate")
        if not user_assertion or not isinstance(user_assertion, str):
            raise ValueError("user_assertion must be the access token the user presented to this service")
        self._secret = SecretValue(client_secret) if client_secret else None
        self._certificate: ClientCertificate | None = None
        if client_certificate:
            if not isinstance(client_certificate, (bytes, bytearray)):
                raise TypeError("client_certificate must be bytes (PEM or PKCS12)")
            self._certificate = load_certificate(bytes(client_certificate), password, source="client_certificate")
        if client_assertion_func is not None and not callable(client_assertion_func):
            raise TypeError("client_assertion_func must be a callable returning a client assertion (a JWT string)")
        self._assertion_func: Callable[[], str] | None = client_assertion_func
        self._send_chain = bool(send_certificate_chain)
        self._user_assertion = SecretValue(user_assertion)
        self._assertion_hash = hashlib.sha256(user_assertion.encode("utf-8")).hexdigest()
        self._setup(
            tenant_id=tenant_id,
            client_id=client_id,
            authority=authority,
            additionally_allowed_tenants=additionally_allowed_tenants,
            runtime=kwargs,
            cache_persistence_options=cache_persistence_options,
        )

    def _cache_scope(self) -> str:
        return f"user_assertion:{self._assertion_hash}"

    def _persisted_key(self, scopes: tuple[str, ...], request: TokenRequest) -> PersistedKey | None:
        return OnBehalfOfTokenKey.for_assertion(
            self._authority, self._client_id or "", request.tenant, scopes, self._assertion_hash
        )

    def _client_auth(self, tenant: str) -> Flow[user_grants.ClientAuth]:
        if self._secret is not None:
            return user_grants.ClientAuth(secret=self._secret.reveal())
        certificate = self._certificate
        if certificate is not None:
            client_id = self._client_id or ""
            algorithm = self.assertion_algorithm(tenant)
            return user_grants.ClientAuth(
                assertion=lambda audience: sign_assertion(
                    certificate,
                    client_id,
                    audience,
                    now=self._clock(),
                    send_chain=self._send_chain,
                    algorithm=algorithm,
                )
            )
        assert self._assertion_func is not None
        assertion = yield Blocking(self._assertion_func)
        if not isinstance(assertion, str) or not assertion.strip():
            raise ClientAuthenticationError(
                message="OnBehalfOfCredential: client_assertion_func returned"
                f" {'an empty string' if isinstance(assertion, str) else type(assertion).__name__}, not a JWT string"
            )
        return user_grants.ClientAuth(assertion=lambda _audience: assertion.strip())

    def token_flow(self, scopes: tuple[str, ...], request: TokenRequest) -> Flow[AccessTokenInfo]:
        info, _ = yield from self._persisted_token_flow(scopes, request, None, None)
        return info

    def _persisted_token_flow(
        self, scopes: tuple[str, ...], request: TokenRequest, store: TokenStore | None, key: PersistedKey | None
    ) -> Flow[tuple[AccessTokenInfo, Any]]:
        """The exchange; its whole reply (refresh token, account) is what a persistent cache records."""
        client = yield from self._client_auth(request.tenant)
        reply = yield from user_grants.on_behalf_of(
            entra.token_url(self._authority, request.tenant),
            self._client_id or "",
            scopes,
            user_assertion=self._user_assertion.reveal(),
            client=client,
            now=self._clock,
            claims=entra.merge_claims(request.claims, request.enable_cae),
        )
        return reply.info, reply
