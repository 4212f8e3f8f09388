"""azauth.aio: the async credentials, same names and keywords as the sync ones in ``azauth``.

Public names are loaded on first use, so ``import azauth.aio`` costs almost nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

_EXPORTS = {
    "AuthenticationRecord": ("azauth.authentication_record", "AuthenticationRecord"),
    "AuthenticationRequiredError": ("azauth.errors", "AuthenticationRequiredError"),
    "CertificateCredential": ("azauth.aio._credentials", "CertificateCredential"),
    "ChainedTokenCredential": ("azauth.aio._credentials", "ChainedTokenCredential"),
    "ClientAssertionCredential": ("azauth.aio._credentials", "ClientAssertionCredential"),
    "ClientSecretCredential": ("azauth.aio._credentials", "ClientSecretCredential"),
    "DefaultAzureCredential": ("azauth.aio._credentials", "DefaultAzureCredential"),
    "AuthorizationCodeCredential": ("azauth.aio._credentials", "AuthorizationCodeCredential"),
    "AzurePipelinesCredential": ("azauth.aio._credentials", "AzurePipelinesCredential"),
    "AzureCliCredential": ("azauth.aio._credentials", "AzureCliCredential"),
    "AzureDeveloperCliCredential": ("azauth.aio._credentials", "AzureDeveloperCliCredential"),
    "AzurePowerShellCredential": ("azauth.aio._credentials", "AzurePowerShellCredential"),
    "VisualStudioCodeCredential": ("azauth.aio._credentials", "VisualStudioCodeCredential"),
    "DeviceCodeCredential": ("azauth.aio._credentials", "DeviceCodeCredential"),
    "EnvironmentCredential": ("azauth.aio._credentials", "EnvironmentCredential"),
    "InteractiveBrowserCredential": ("azauth.aio._credentials", "InteractiveBrowserCredential"),
    "OnBehalfOfCredential": ("azauth.aio._credentials", "OnBehalfOfCredential"),
    "SharedTokenCacheCredential": ("azauth.aio._credentials", "SharedTokenCacheCredential"),
    "UsernamePasswordCredential": ("azauth.aio._credentials", "UsernamePasswordCredential"),
    "WorkloadIdentityCredential": ("azauth.aio._credentials", "WorkloadIdentityCredential"),
    "ManagedIdentityCredential": ("azauth.aio._credentials", "ManagedIdentityCredential"),
    "get_bearer_token_provider": ("azauth._io.token_provider", "get_async_bearer_token_provider"),
    "TokenCachePersistenceOptions": ("azauth.cache_options", "TokenCachePersistenceOptions"),
    "credential_from_config": ("azauth.config.factory", "async_credential_from_config"),
    "ConfigError": ("azauth.errors", "ConfigError"),
}

__all__ = [
    "AuthenticationRecord",
    "AuthenticationRequiredError",
    "AuthorizationCodeCredential",
    "AzureCliCredential",
    "AzureDeveloperCliCredential",
    "AzurePipelinesCredential",
    "AzurePowerShellCredential",
    "CertificateCredential",
    "ChainedTokenCredential",
    "ClientAssertionCredential",
    "ClientSecretCredential",
    "ConfigError",
    "DefaultAzureCredential",
    "DeviceCodeCredential",
    "EnvironmentCredential",
    "InteractiveBrowserCredential",
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
    from .._io.token_provider import get_async_bearer_token_provider as get_bearer_token_provider
    from ..authentication_record import AuthenticationRecord
    from ..cache_options import TokenCachePersistenceOptions
    from ..config.factory import async_credential_from_config as credential_from_config
    from ..errors import AuthenticationRequiredError, ConfigError
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
