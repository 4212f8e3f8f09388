"""AzurePipelinesCredential: the pipeline job's OIDC token exchanged as a federated client assertion."""

from __future__ import annotations

from azure.core.credentials import AccessTokenInfo
from typing_extensions import Unpack

from .._protocol import pipelines
from .._protocol.steps import Flow
from .._secret import SecretValue
from ..params import (
    AdditionallyAllowedTenants,
    AuthorityHost,
    ClientId,
    DisableInstanceDiscovery,
    ServiceConnectionId,
    SystemAccessToken,
    TenantId,
)
from .base import CredentialCore, TokenRequest, unavailable
from .runtime import RuntimeOptions

__all__ = ["AzurePipelinesCore"]


class AzurePipelinesCore(CredentialCore, config_type="azure_pipelines"):
    """Authenticates using Microsoft Entra Workload ID in Azure Pipelines.

    This credential enables authentication in Azure Pipelines using workload identity federation for Azure
    service connections: it requests the job's OIDC token from ``SYSTEM_OIDCREQUESTURI`` and exchanges it for a
    Microsoft Entra token.

    :keyword str tenant_id: The tenant ID for the service connection. Required.
    :keyword str client_id: The client ID for the service connection. Required.
    :keyword str service_connection_id: The service connection ID for the service connection associated with the
        pipeline. From the service connection's configuration page URL in the Azure DevOps web portal, the ID is
        the value of the "resourceId" query parameter. Required.
    :keyword str system_access_token: The pipeline's System.AccessToken value. It is recommended to assign the
        value of System.AccessToken to a secure variable in the Azure Pipelines environment. Required.
    :keyword str authority: Authority of a Microsoft Entra endpoint, for example "login.microsoftonline.com".
    :keyword List[str] additionally_allowed_tenants: Specifies tenants in addition to the specified "tenant_id"
        for which the credential may acquire tokens. Add the wildcard value "*" to allow any tenant.
    """

    def __init__(
        self,
        *,
        tenant_id: TenantId,
        client_id: ClientId,
        service_connection_id: ServiceConnectionId,
        system_access_token: SystemAccessToken,
        authority: AuthorityHost = None,
        additionally_allowed_tenants: AdditionallyAllowedTenants = (),
        disable_instance_discovery: DisableInstanceDiscovery = False,
        **kwargs: Unpack[RuntimeOptions],
    ) -> None:
        missing = [
            f"'{name}'"
            for name, value in (
                ("tenant_id", tenant_id),
                ("client_id", client_id),
                ("service_connection_id", service_connection_id),
                ("system_access_token", system_access_token),
            )
            if not value
        ]
        if missing:
            raise ValueError(
                f"AzurePipelinesCredential requires {', '.join(missing)} as keyword arguments. See"
                f" {pipelines.TROUBLESHOOTING}"
            )
        self._service_connection_id = service_connection_id
        self._system_access_token = SecretValue(system_access_token)
        self._setup(
            tenant_id=tenant_id,
            client_id=client_id,
            authority=authority,
            additionally_allowed_tenants=additionally_allowed_tenants,
            runtime=kwargs,
        )

    def _repr_fields(self) -> dict[str, object]:
        return {**super()._repr_fields(), "service_connection_id": self._service_connection_id}

    def token_flow(self, scopes: tuple[str, ...], request: TokenRequest) -> Flow[AccessTokenInfo]:
        request_uri = self._environ.get(pipelines.OIDC_REQUEST_URI_VARIABLE)
        if not request_uri:
            raise unavailable(
                f"Missing value for the {pipelines.OIDC_REQUEST_URI_VARIABLE} environment variable."
                " AzurePipelinesCredential is intended for use in Azure Pipelines where the"
                f" {pipelines.OIDC_REQUEST_URI_VARIABLE} environment variable is set. Please refer to the"
                f" troubleshooting guide at {pipelines.TROUBLESHOOTING}."
            )
        assertion = yield from pipelines.oidc_token(
            request_uri, self._service_connection_id, self._system_access_token.reveal()
        )
        return (yield from self.client_credentials_flow(scopes, request, assertion=lambda _audience: assertion))
