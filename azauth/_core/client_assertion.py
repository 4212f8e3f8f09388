"""ClientAssertionCredential: a service principal authenticating with a JWT assertion from a callable."""

from __future__ import annotations

from collections.abc import Callable

from azure.core.credentials import AccessTokenInfo
from azure.core.exceptions import ClientAuthenticationError
from typing_extensions import Unpack

from .._protocol.steps import Blocking, Flow
from ..params import (
    AdditionallyAllowedTenants,
    AssertionFunc,
    AuthorityHost,
    CachePersistence,
    ClientId,
    DisableInstanceDiscovery,
    TenantId,
)
from .base import CredentialCore, TokenRequest
from .runtime import RuntimeOptions

__all__ = ["ClientAssertionCore"]


class ClientAssertionCore(CredentialCore, config_type="client_assertion"):
    """Authenticates a service principal with a JWT assertion.

    This credential is for advanced scenarios. :class:`CertificateCredential` has a more convenient API for
    the most common assertion scenario, authenticating a service principal with a certificate.

    :param str tenant_id: ID of the principal's tenant. Also called its "directory" ID.
    :param str client_id: The principal's client ID
    :param func: A callable that returns a string assertion. The credential will call this every time it
        acquires a new token (from a worker thread in async code, so it may block).

    :keyword str authority: Authority of a Microsoft Entra endpoint, for example "login.microsoftonline.com".
    :keyword List[str] additionally_allowed_tenants: Specifies tenants in addition to the specified "tenant_id"
        for which the credential may acquire tokens. Add the wildcard value "*" to allow any tenant.
    :keyword cache_persistence_options: Configuration for persistent token caching. If unspecified, the credential
        will cache tokens in memory.
    :paramtype cache_persistence_options: ~azauth.TokenCachePersistenceOptions
    """

    def __init__(
        self,
        tenant_id: TenantId,
        client_id: ClientId,
        func: AssertionFunc,
        *,
        authority: AuthorityHost = None,
        additionally_allowed_tenants: AdditionallyAllowedTenants = (),
        disable_instance_discovery: DisableInstanceDiscovery = False,
        cache_persistence_options: CachePersistence = None,
        **kwargs: Unpack[RuntimeOptions],
    ) -> None:
        if not client_id:
            raise ValueError("client_id should be the id of a Microsoft Entra application")
        if not callable(func):
            raise TypeError("func must be a callable returning a client assertion (a JWT string)")
        self._func: Callable[[], str] = func
        self._setup(
            tenant_id=tenant_id,
            client_id=client_id,
            authority=authority,
            additionally_allowed_tenants=additionally_allowed_tenants,
            runtime=kwargs,
            cache_persistence_options=cache_persistence_options,
        )

    def token_flow(self, scopes: tuple[str, ...], request: TokenRequest) -> Flow[AccessTokenInfo]:
        assertion = yield Blocking(self._func)
        if not isinstance(assertion, str) or not assertion.strip():
            raise ClientAuthenticationError(
                message=f"{type(self).__name__}: the assertion callable returned"
                f" {'an empty string' if isinstance(assertion, str) else type(assertion).__name__},"
                " not a JWT string"
            )
        return (yield from self.client_credentials_flow(scopes, request, assertion=lambda _audience: assertion.strip()))
