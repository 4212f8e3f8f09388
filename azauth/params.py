"""Parameter types shared by credential constructors and the configuration layer.

Each type is an ``Annotated`` alias carrying one :class:`Param`: the description shown in docs and
JSON schemas, and whether the value is a secret. Constructors are annotated with these types; the
configuration models are derived from those signatures, so a parameter is described exactly once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated

from .authentication_record import AuthenticationRecord
from .cache_options import TokenCachePersistenceOptions

__all__ = [
    "AdditionallyAllowedTenants",
    "AssertionFunc",
    "AuthRecord",
    "AuthorityHost",
    "AuthorizationCode",
    "AzureArcKeyDirectory",
    "CachePersistence",
    "CertificateData",
    "CertificatePassword",
    "CertificatePath",
    "ClientAssertionFunc",
    "ClientId",
    "ClientSecret",
    "DefaultInteractiveBrowserClientId",
    "DefaultInteractiveBrowserTenantId",
    "DefaultManagedIdentityClientId",
    "DefaultSharedCacheTenantId",
    "DefaultSharedCacheUsername",
    "DefaultVisualStudioCodeTenantId",
    "DefaultWorkloadIdentityClientId",
    "DefaultWorkloadIdentityTenantId",
    "DeveloperProcessTimeout",
    "DeviceCodeTimeout",
    "DisableAutomaticAuthentication",
    "DisableInstanceDiscovery",
    "EnableSupportLogging",
    "ExcludeAzureCli",
    "ExcludeAzureDeveloperCli",
    "ExcludeAzurePowerShell",
    "ExcludeEnvironment",
    "ExcludeInteractiveBrowser",
    "ExcludeManagedIdentity",
    "ExcludeSharedTokenCache",
    "ExcludeVisualStudioCode",
    "ExcludeWorkloadIdentity",
    "ImdsProbe",
    "ImdsProbeTimeout",
    "InteractiveClientId",
    "InteractiveRedirectUri",
    "InteractiveTimeout",
    "LoginHint",
    "ManagedIdentityClientId",
    "ManagedIdentityConfig",
    "ManagedIdentityDeadline",
    "OptionalClientId",
    "OptionalClientSecret",
    "OptionalTenantId",
    "Param",
    "ProcessTimeout",
    "PromptCallback",
    "RedirectUri",
    "RequireTokenCredentialsVariable",
    "SendCertificateChain",
    "ServiceConnectionId",
    "SharedCacheTenantId",
    "SharedCacheUsername",
    "Subscription",
    "SystemAccessToken",
    "TenantId",
    "TokenFilePath",
    "ToolTenantId",
    "UserAssertion",
    "UserPassword",
    "UserTenantId",
    "Username",
    "VisualStudioCodeTenantId",
]


@dataclass(frozen=True)
class Param:
    """Metadata of a constructor parameter."""

    description: str
    secret: bool = False


TenantId = Annotated[str, Param("ID of the principal's tenant, also called its 'directory' ID (a GUID or domain).")]
ClientId = Annotated[str, Param("The client (application) ID of the app registration or service principal.")]
ClientSecret = Annotated[str, Param("One of the service principal's client secrets.", secret=True)]
AuthorityHost = Annotated[
    str | None,
    Param(
        "Authority of a Microsoft Entra endpoint, e.g. 'login.microsoftonline.com' (the default, Azure Public"
        " Cloud). Defaults to AZURE_AUTHORITY_HOST when set."
    ),
]
AdditionallyAllowedTenants = Annotated[
    Sequence[str],
    Param(
        "Tenants in addition to tenant_id for which the credential may acquire tokens; '*' allows any tenant"
        " the application can access."
    ),
]
DisableInstanceDiscovery = Annotated[
    bool,
    Param(
        "Accepted for compatibility with azure-identity. azauth never sends instance-discovery requests: it"
        " validates the authority locally and builds the token endpoint from it."
    ),
]
CertificatePath = Annotated[
    str | None, Param("Path to a certificate file in PEM or PKCS12 format, including the private key.")
]
CertificateData = Annotated[
    bytes | None,
    Param("The bytes of a certificate in PEM or PKCS12 format, including the private key.", secret=True),
]
CertificatePassword = Annotated[
    str | bytes | None,
    Param("The certificate's password; a str is encoded as UTF-8.", secret=True),
]
SendCertificateChain = Annotated[
    bool,
    Param(
        "Send the public certificate chain in the x5c header of each assertion; required for Subject"
        " Name/Issuer (SNI) authentication."
    ),
]
AssertionFunc = Annotated[
    Callable[[], str], Param("A callable returning a client assertion (JWT); called for every new token.")
]
OptionalTenantId = Annotated[
    str | None,
    Param("ID of the principal's tenant (a GUID or domain). Defaults to the AZURE_TENANT_ID environment variable."),
]
OptionalClientId = Annotated[
    str | None,
    Param("The client (application) ID of the app registration. Defaults to the AZURE_CLIENT_ID environment variable."),
]
TokenFilePath = Annotated[
    str | None,
    Param(
        "Path to a file holding a Kubernetes service account token (a federated credential). Defaults to the"
        " AZURE_FEDERATED_TOKEN_FILE environment variable. Read again whenever it may have been rotated."
    ),
]
ServiceConnectionId = Annotated[
    str,
    Param(
        "The Azure DevOps service connection's ID: the 'resourceId' query parameter in the URL of the service"
        " connection's configuration page."
    ),
]
SystemAccessToken = Annotated[
    str, Param("The pipeline's System.AccessToken; assign it to a secret variable in the pipeline.", secret=True)
]
UserAssertion = Annotated[
    str, Param("The user's access token (sent to this service) to exchange on the user's behalf.", secret=True)
]
OptionalClientSecret = Annotated[
    str | None, Param("One of the application's client secrets (web apps and web APIs).", secret=True)
]
ClientAssertionFunc = Annotated[
    Callable[[], str] | None,
    Param("A callable returning a client assertion (JWT) that authenticates the application; called per token."),
]
AuthorizationCode = Annotated[str, Param("The authorization code from the user's sign-in; redeemed once.", secret=True)]
RedirectUri = Annotated[
    str, Param("The application's redirect URI; must match the URI used to request the authorization code.")
]
Username = Annotated[str, Param("The user's username (usually an email address).")]
EnableSupportLogging = Annotated[
    bool,
    Param(
        "Accepted for compatibility with azure-identity, where it enables msal's support logging; azauth sends"
        " these grants itself and never logs personal data."
    ),
]
UserPassword = Annotated[str, Param("The user's password.", secret=True)]
CachePersistence = Annotated[
    TokenCachePersistenceOptions | None,
    Param(
        "Configuration for persistent token caching (msal token-cache format, encrypted where the platform allows)."
        " If unspecified, the credential caches tokens in memory."
    ),
]
UserTenantId = Annotated[
    str | None,
    Param(
        "Tenant ID or a domain associated with the user's tenant. Defaults to 'organizations' (work or school"
        " accounts in any tenant)."
    ),
]
ManagedIdentityClientId = Annotated[
    str | None,
    Param(
        "Client ID of a user-assigned managed identity (or, with pod identity / workload identity, of the app"
        " registration). Default: the system-assigned identity."
    ),
]
ManagedIdentityConfig = Annotated[
    Mapping[str, str] | None,
    Param(
        "A user-assigned managed identity by exactly one of its IDs: {'client_id': ...}, {'object_id': ...} or"
        " {'resource_id': ...}. Not together with client_id."
    ),
]
ManagedIdentityDeadline = Annotated[
    float,
    Param(
        "Seconds one get_token may take in all, retries and waits included (default 100: enough for IMDS's 410"
        " retries, which last at least 70 s). connection_timeout (default 2) and read_timeout (default 10)"
        " bound each attempt."
    ),
]
ImdsProbe = Annotated[
    bool | None,
    Param(
        "Probe IMDS with one quick request (probe_timeout, no retries) before the first token request, and be"
        " unavailable when nothing answers. Default: probe inside a credential chain, unless"
        " AZURE_POD_IDENTITY_AUTHORITY_HOST is set."
    ),
]
ImdsProbeTimeout = Annotated[float, Param("Seconds the IMDS probe waits to connect and for an answer (default 1).")]
AzureArcKeyDirectory = Annotated[
    str | None,
    Param(
        "The Azure Arc agent's token directory: the only place a challenge's key file is read from. Default:"
        " /var/opt/azcmagent/tokens on Linux, %ProgramData%\\AzureConnectedMachineAgent\\Tokens on Windows."
    ),
]


def _exclude(what: str, default: bool) -> Param:
    return Param(
        f"Whether to exclude {what} from DefaultAzureCredential. Default: {str(default).lower()}, unless"
        " AZURE_TOKEN_CREDENTIALS selects otherwise (an explicit value wins over the variable)."
    )


ExcludeEnvironment = Annotated[bool | None, _exclude("a service principal configured by environment variables", False)]
ExcludeWorkloadIdentity = Annotated[bool | None, _exclude("the workload identity", False)]
ExcludeManagedIdentity = Annotated[bool | None, _exclude("managed identity", False)]
ExcludeSharedTokenCache = Annotated[bool | None, _exclude("the shared token cache", False)]
ExcludeAzureCli = Annotated[bool | None, _exclude("the Azure CLI", False)]
ExcludeAzurePowerShell = Annotated[bool | None, _exclude("Azure PowerShell", False)]
ExcludeAzureDeveloperCli = Annotated[bool | None, _exclude("the Azure Developer CLI", False)]
ExcludeVisualStudioCode = Annotated[bool | None, _exclude("the stored credential from VS Code", True)]
ExcludeInteractiveBrowser = Annotated[bool | None, _exclude("interactive browser authentication", True)]
DefaultManagedIdentityClientId = Annotated[
    str | None,
    Param(
        "The client ID of a user-assigned managed identity. Defaults to the AZURE_CLIENT_ID environment variable;"
        " without either, the system-assigned identity is used."
    ),
]
DefaultWorkloadIdentityClientId = Annotated[
    str | None,
    Param(
        "The client ID of an identity assigned to the pod. Defaults to managed_identity_client_id when given,"
        " else the AZURE_CLIENT_ID environment variable."
    ),
]
DefaultWorkloadIdentityTenantId = Annotated[
    str | None,
    Param("Preferred tenant for WorkloadIdentityCredential. Defaults to the AZURE_TENANT_ID environment variable."),
]
DefaultInteractiveBrowserTenantId = Annotated[
    str | None,
    Param(
        "Tenant ID to use when authenticating a user through InteractiveBrowserCredential. Defaults to the"
        " AZURE_TENANT_ID environment variable; if unspecified, users authenticate in their home tenants."
    ),
]
DefaultInteractiveBrowserClientId = Annotated[
    str | None,
    Param(
        "The client ID used by InteractiveBrowserCredential. If not specified, users authenticate to an Azure"
        " development application."
    ),
]
DefaultSharedCacheUsername = Annotated[
    str | None,
    Param("Preferred username for SharedTokenCacheCredential. Defaults to the AZURE_USERNAME environment variable."),
]
DefaultSharedCacheTenantId = Annotated[
    str | None,
    Param("Preferred tenant for SharedTokenCacheCredential. Defaults to the AZURE_TENANT_ID environment variable."),
]
DefaultVisualStudioCodeTenantId = Annotated[
    str | None,
    Param(
        "Tenant ID to use when authenticating with VisualStudioCodeCredential. Defaults to the tenant of the VS"
        " Code Azure Resources extension's sign-in, else 'organizations'."
    ),
]
DeveloperProcessTimeout = Annotated[
    float,
    Param(
        "Seconds the developer credentials that run a program (Azure CLI, Azure PowerShell, Azure Developer CLI)"
        " may wait for it (default 10)."
    ),
]
RequireTokenCredentialsVariable = Annotated[
    bool,
    Param(
        "Require the AZURE_TOKEN_CREDENTIALS environment variable (dev, prod or a credential's name); without it"
        " DefaultAzureCredential raises ValueError."
    ),
]
ToolTenantId = Annotated[
    str,
    Param(
        "Optional tenant to include in the token request; by default the tool's own (the signed-in account's) tenant."
    ),
]
Subscription = Annotated[
    str | None,
    Param(
        "The name or ID of a subscription (Azure CLI's --subscription). Set this to acquire tokens for an account"
        " other than the Azure CLI's current account."
    ),
]
ProcessTimeout = Annotated[
    float,
    Param(
        "Seconds to wait for the tool to answer (default 10). After that the tool and every process it started"
        " are stopped and the credential is unavailable."
    ),
]
VisualStudioCodeTenantId = Annotated[
    str | None,
    Param(
        "A Microsoft Entra tenant ID. Defaults to the tenant in the authentication record of VS Code's Azure"
        " Resources extension."
    ),
]
InteractiveClientId = Annotated[
    str,
    Param(
        "Client ID of the Microsoft Entra application users sign in to. Default: the Azure development application"
        " (04b07795-8ddb-461a-bbee-02f9e1bf7b46); register your own for production."
    ),
]
LoginHint = Annotated[
    str | None, Param("A username suggestion to pre-fill the sign-in page's username field; the user may pick another.")
]
InteractiveRedirectUri = Annotated[
    str | None,
    Param(
        "The redirect URI registered for client_id, e.g. 'http://localhost:8400' (a loopback URL with a port); the"
        " credential listens there. Default: http://localhost on a free port."
    ),
]
InteractiveTimeout = Annotated[float, Param("Seconds to wait for the user to complete authentication (default 300).")]
DeviceCodeTimeout = Annotated[
    float | None,
    Param("Seconds to wait for the user to authenticate. Default: the device code's lifetime (about 15 minutes)."),
]
PromptCallback = Annotated[
    Callable[..., object] | None,
    Param(
        "Called with (verification_uri, user_code, expires_on) to tell the user how to sign in; the async credential"
        " also accepts a coroutine function. Default: print Microsoft Entra ID's message."
    ),
]
AuthRecord = Annotated[
    AuthenticationRecord | None,
    Param(
        "The AuthenticationRecord a previous authenticate() returned: the account the credential signs in silently"
        " (from the persistent cache) before asking the user."
    ),
]
DisableAutomaticAuthentication = Annotated[
    bool,
    Param(
        "Raise AuthenticationRequiredError instead of asking the user when interaction would be needed; call"
        " authenticate() to sign in."
    ),
]
SharedCacheUsername = Annotated[
    str | None,
    Param("Username (typically an email address) of the cached account to use, when the cache holds several."),
]
SharedCacheTenantId = Annotated[
    str | None,
    Param("Home tenant of the cached account to use, when the cache holds several; tokens come from 'organizations'."),
]
