"""ClientSecretCredential: a service principal authenticating with a client secret."""

from __future__ import annotations

from azure.core.credentials import AccessTokenInfo
from typing_extensions import Unpack

from .._protocol.steps import Flow
from .._secret import SecretValue
from ..params import (
    AdditionallyAllowedTenants,
    AuthorityHost,
    CachePersistence,
    ClientId,
    ClientSecret,
    DisableInstanceDiscovery,
    TenantId,
)
from .base import CredentialCore, TokenRequest
from .runtime import RuntimeOptions

__all__ = ["ClientSecretCore"]


class ClientSecretCore(CredentialCore, config_type="client_secret"):
    """Authenticates as a service principal using a client secret.

    :param str tenant_id: ID of the service principal's tenant. Also called its "directory" ID.
    :param str client_id: The service principal's client ID
    :param str client_secret: One of the service principal's client secrets

    :keyword str authority: Authority of a Microsoft Entra endpoint, for example "login.microsoftonline.com",
        the authority for Azure Public Cloud (which is the default). :class:`AzureAuthorityHosts` defines
        authorities for other clouds.
    :keyword bool disable_instance_discovery: accepted for compatibility; azauth never performs instance
        discovery.
    :keyword List[str] additionally_allowed_tenants: Specifies tenants in addition to the specified "tenant_id"
        for which the credential may acquire tokens. Add the wildcard value "*" to allow the credential to
        acquire tokens for any tenant the application can access.
    :keyword cache_persistence_options: Configuration for persistent token caching. If unspecified, the credential
        will cache tokens in memory.
    :paramtype cache_persistence_options: ~azauth.TokenCachePersistenceOptions
    """

    def __init__(
        self,
        tenant_id: TenantId,
        client_id: ClientId,
        client_secret: ClientSecret,
        *,
        authority: AuthorityHost = None,
        additionally_allowed_tenants: AdditionallyAllowedTenants = (),
        disable_instance_discovery: DisableInstanceDiscovery = False,
        cache_persistence_options: CachePersistence = None,
        **kwargs: Unpack[RuntimeOptions],
    ) -> None:
        if not client_id:
            raise ValueError("client_id should be the id of a Microsoft Entra application")
        if not client_secret:
            raise ValueError("secret should be a Microsoft Entra application's client secret")
        self._secret = SecretValue(client_secret)
        self._setup(
            tenant_id=tenant_id,
            client_id=client_id,
            authority=authority,
            additionally_allowed_tenants=additionally_allowed_tenants,
            runtime=kwargs,
            cache_persistence_options=cache_persistence_options,
        )

    def token_flow(self, scopes: tuple[str, ...], request: TokenRequest) -> Flow[AccessTokenInfo]:
        return self.client_credentials_flow(scopes, request, secret=self._secret.reveal())
