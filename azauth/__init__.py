"""azauth: drop-in azure-identity credentials, sync (here) and async (``azauth.aio``).

Public names are loaded on first use, so ``import azauth`` costs almost nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import lazy_exports
from ._version import VERSION

__version__ = VERSION

_EXPORTS = {
    "AuthenticationRecord": ("azauth.authentication_record", "AuthenticationRecord"),
    "AuthenticationRequiredError": ("azauth.errors", "AuthenticationRequiredError"),
    "CredentialUnavailableError": ("azauth.errors", "CredentialUnavailableError"),
    "ConfigError": ("azauth.errors", "ConfigError"),
    "ConfigWarning": ("azauth.errors", "ConfigWarning"),
    "credential_from_config": ("azauth.config.factory", "credential_from_config"),
    "AzureAuthorityHosts": ("azauth.authority_hosts", "AzureAuthorityHosts"),
    "KnownAuthorities": ("azauth.authority_hosts", "KnownAuthorities"),
    "CertificateCredential": ("azauth._credentials", "CertificateCredential"),
    "ChainedTokenCredential": ("azauth._credentials", "ChainedTokenCredential"),
    "ClientAssertionCredential": ("azauth._credentials", "ClientAssertionCredential"),
    "ClientSecretCredential": ("azauth._credentials", "ClientSecretCredential"),
    "DefaultAzureCredential": ("azauth._credentials", "DefaultAzureCredential"),
    "AuthorizationCodeCredential": ("azauth._credentials", "AuthorizationCodeCredential"),
    "AzurePipelinesCredential": ("azauth._credentials", "AzurePipelinesCredential"),
    "AzureCliCredential": ("azauth._credentials", "AzureCliCredential"),
    "AzureDeveloperCliCredential": ("azauth._credentials", "AzureDeveloperCliCredential"),
    "AzurePowerShellCredential": ("azauth._credentials", "AzurePowerShellCredential"),
    "VisualStudioCodeCredential": ("azauth._credentials", "VisualStudioCodeCredential"),
    "DeviceCodeCredential": ("azauth._credentials", "DeviceCodeCredential"),
    "EnvironmentCredential": ("azauth._credentials", "EnvironmentCredential"),
    "InteractiveBrowserCredential": ("azauth._credentials", "InteractiveBrowserCredential"),
    "OnBehalfOfCredential": ("azauth._credentials", "OnBehalfOfCredential"),
    "SharedTokenCacheCredential": ("azauth._credentials", "SharedTokenCacheCredential"),
    "UsernamePasswordCredential": ("azauth._credentials", "UsernamePasswordCredential"),
    "WorkloadIdentityCredential": ("azauth._credentials", "WorkloadIdentityCredential"),
    "ManagedIdentityCredential": ("azauth._credentials", "ManagedIdentityCredential"),
    "get_bearer_token_provider": ("azauth._io.token_provider", "get_bearer_token_provider"),
    "TokenCachePersistenceOptions": ("azauth.cache_options", "TokenCachePersistenceOptions"),
}

__all__ = [
    "AuthenticationRecord",
    "AuthenticationRequiredError",
    "AuthorizationCodeCredential",
    "AzureAuthorityHosts",
    "AzureCliCredential",
    "AzureDeveloperCliCredential",
    "AzurePipelinesCredential",
    "AzurePowerShellCredential",
    "CertificateCredential",
    "ChainedTokenCredential",
    "ClientAssertionCredential",
    "ClientSecretCredential",
    "ConfigError",
    "ConfigWarning",
    "CredentialUnavailableError",
    "DefaultAzureCredential",
    "DeviceCodeCredential",
    "EnvironmentCredential",
    "InteractiveBrowserCredential",
    "KnownAuthorities",
    "ManagedIdentityCredential",
    "OnBehalfOfCredential",
    "SharedTokenCacheCredential",
    "TokenCachePersistenceOptions",
    "UsernamePasswordCredential",
    "VisualStudioCodeCredential",
    "WorkloadIdentityCredential",
    "credential_from_config",
    "get_bearer_token_provider",
]
__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)

if TYPE_CHECKING:
    from ._credentials import (
        AuthorizationCodeCredential,
        AzureCliCredential,
        AzureDeveloperCliCredential,
        AzurePipelinesCredential,
        AzurePowerShellCredential,
        CertificateCredential,
        ChainedTokenCredential,
        ClientAssertionCredential,
        ClientSecretCredential,
        DefaultAzureCredential,
        DeviceCodeCredential,
        EnvironmentCredential,
        InteractiveBrowserCredential,
        ManagedIdentityCredential,
        OnBehalfOfCredential,
        SharedTokenCacheCredential,
        UsernamePasswordCredential,
        VisualStudioCodeCredential,
        WorkloadIdentityCredential,
    )
    from ._io.token_provider import get_bearer_token_provider
    from .authentication_record import AuthenticationRecord
    from .authority_hosts import AzureAuthorityHosts, KnownAuthorities
    from .cache_options import TokenCachePersistenceOptions
    from .config.factory import credential_from_config
    from .errors import AuthenticationRequiredError, ConfigError, ConfigWarning, CredentialUnavailableError
