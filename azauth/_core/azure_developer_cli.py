"""AzureDeveloperCliCredential: a token from ``azd auth token``."""

from __future__ import annotations

from .._protocol.developer_tools.azure_developer_cli import AZURE_DEVELOPER_CLI
from .developer_tool import DeveloperToolCore

__all__ = ["AzureDeveloperCliCore"]


class AzureDeveloperCliCore(DeveloperToolCore, config_type="azure_developer_cli"):
    """Authenticates by requesting a token from the Azure Developer CLI.

    Azure Developer CLI is a command-line interface tool that allows developers to create, manage, and deploy
    resources in Azure. The AzureDeveloperCliCredential acquires a token on behalf of the user or service
    principal logged in to it. To use this credential, authenticate locally with one of:

      * ``azd auth login`` to authenticate interactively as a user;
      * ``azd auth login --client-id 'client_id' --client-secret 'client_secret' --tenant-id 'tenant_id'`` to
        authenticate as a service principal.

    You may need to repeat this after a while, depending on the refresh token validity in your organization.
    Claims challenges are passed to azd (``--claims``, azd 1.18.1 or later). Tokens are cached in memory.

    :keyword str tenant_id: Optional tenant to include in the token request.
    :keyword List[str] additionally_allowed_tenants: Specifies tenants in addition to the specified "tenant_id"
        for which the credential may acquire tokens. Add the wildcard value "*" to allow the credential to
        acquire tokens for any tenant the application can access.
    :keyword int process_timeout: Seconds to wait for the Azure Developer CLI process to respond. Defaults
        to 10 seconds.
    """

    tool = AZURE_DEVELOPER_CLI
