"""The async public credential classes: a core plus the async driver mixin, same names as azure-identity."""

from __future__ import annotations

from .._core.authorization_code import AuthorizationCodeCore
from .._core.azure_cli import AzureCliCore
from .._core.azure_developer_cli import AzureDeveloperCliCore
from .._core.azure_pipelines import AzurePipelinesCore
from .._core.azure_powershell import AzurePowerShellCore
from .._core.certificate import CertificateCore
from .._core.chained import ChainedCore
from .._core.client_assertion import ClientAssertionCore
from .._core.client_secret import ClientSecretCore
from .._core.default import DefaultCore
from .._core.device_code import DeviceCodeCore
from .._core.environment import EnvironmentCore
from .._core.interactive_browser import InteractiveBrowserCore
from .._core.managed_identity import ManagedIdentityCore
from .._core.on_behalf_of import OnBehalfOfCore
from .._core.shared_token_cache import SharedTokenCacheCore
from .._core.unavailable import UnavailableCore
from .._core.username_password import UsernamePasswordCore
from .._core.visual_studio_code import VisualStudioCodeCore
from .._core.workload_identity import WorkloadIdentityCore
from .._io.aio import AsyncCredential, AsyncUserCredential

__all__ = [
    "AuthorizationCodeCredential",
    "AzureCliCredential",
    "AzureDeveloperCliCredential",
    "AzurePipelinesCredential",
    "AzurePowerShellCredential",
    "CertificateCredential",
    "ChainedTokenCredential",
    "ClientAssertionCredential",
    "ClientSecretCredential",
    "DefaultAzureCredential",
    "DeviceCodeCredential",
    "EnvironmentCredential",
    "InteractiveBrowserCredential",
    "ManagedIdentityCredential",
    "OnBehalfOfCredential",
    "SharedTokenCacheCredential",
    "UsernamePasswordCredential",
    "VisualStudioCodeCredential",
    "WorkloadIdentityCredential",
]


class ClientSecretCredential(ClientSecretCore, AsyncCredential):
    __doc__ = ClientSecretCore.__doc__


class CertificateCredential(CertificateCore, AsyncCredential):
    __doc__ = CertificateCore.__doc__


class ClientAssertionCredential(ClientAssertionCore, AsyncCredential):
    __doc__ = ClientAssertionCore.__doc__


class ChainedTokenCredential(ChainedCore, AsyncCredential):
    __doc__ = ChainedCore.__doc__


class AuthorizationCodeCredential(AuthorizationCodeCore, AsyncCredential):
    __doc__ = AuthorizationCodeCore.__doc__


class AzurePipelinesCredential(AzurePipelinesCore, AsyncCredential):
    __doc__ = AzurePipelinesCore.__doc__


class AzureCliCredential(AzureCliCore, AsyncCredential):
    __doc__ = AzureCliCore.__doc__


class AzureDeveloperCliCredential(AzureDeveloperCliCore, AsyncCredential):
    __doc__ = AzureDeveloperCliCore.__doc__


class AzurePowerShellCredential(AzurePowerShellCore, AsyncCredential):
    __doc__ = AzurePowerShellCore.__doc__


class VisualStudioCodeCredential(VisualStudioCodeCore, AsyncCredential):
    __doc__ = VisualStudioCodeCore.__doc__


class EnvironmentCredential(EnvironmentCore, AsyncCredential):
    __doc__ = EnvironmentCore.__doc__


class OnBehalfOfCredential(OnBehalfOfCore, AsyncCredential):
    __doc__ = OnBehalfOfCore.__doc__


class UsernamePasswordCredential(UsernamePasswordCore, AsyncUserCredential):
    __doc__ = UsernamePasswordCore.__doc__


class WorkloadIdentityCredential(WorkloadIdentityCore, AsyncCredential):
    __doc__ = WorkloadIdentityCore.__doc__


class ManagedIdentityCredential(ManagedIdentityCore, AsyncCredential):
    __doc__ = ManagedIdentityCore.__doc__


class UnavailableCredential(UnavailableCore, AsyncCredential):
    __doc__ = UnavailableCore.__doc__


class DefaultAzureCredential(DefaultCore, AsyncCredential):
    __doc__ = DefaultCore.__doc__


class InteractiveBrowserCredential(InteractiveBrowserCore, AsyncUserCredential):
    __doc__ = InteractiveBrowserCore.__doc__


class DeviceCodeCredential(DeviceCodeCore, AsyncUserCredential):
    __doc__ = DeviceCodeCore.__doc__


class SharedTokenCacheCredential(SharedTokenCacheCore, AsyncCredential):
    __doc__ = SharedTokenCacheCore.__doc__
