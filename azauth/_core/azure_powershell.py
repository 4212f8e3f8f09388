"""AzurePowerShellCredential: a token from Azure PowerShell's ``Get-AzAccessToken``."""

from __future__ import annotations

from .._protocol.developer_tools.azure_powershell import AZURE_POWERSHELL
from .developer_tool import DeveloperToolCore

__all__ = ["AzurePowerShellCore"]


class AzurePowerShellCore(DeveloperToolCore, config_type="azure_powershell"):
    """Authenticates by requesting a token from Azure PowerShell.

    This requires previously logging in to Azure via "Connect-AzAccount", and will use the currently logged in
    identity. PowerShell 7 (``pwsh``) runs with ``-NoProfile -NonInteractive``; on Windows, Windows PowerShell
    (``powershell``) is used when ``pwsh`` is not installed. Az.Accounts 2.2.0 or later is required. Tokens are
    cached in memory.

    :keyword str tenant_id: Optional tenant to include in the token request.
    :keyword List[str] additionally_allowed_tenants: Specifies tenants in addition to the specified "tenant_id"
        for which the credential may acquire tokens. Add the wildcard value "*" to allow the credential to
        acquire tokens for any tenant the application can access.
    :keyword int process_timeout: Seconds to wait for the Azure PowerShell process to respond. Defaults to 10
        seconds.
    """

    tool = AZURE_POWERSHELL
