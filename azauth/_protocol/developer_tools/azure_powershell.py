"""Azure PowerShell: ``pwsh -NoProfile -NonInteractive -EncodedCommand <script>`` (``powershell`` on Windows
when PowerShell 7 is absent), run directly: no ``/bin/sh -c`` or ``cmd /c`` around it.

The script imports Az.Accounts (2.2.0 or later; it prints ``NO_AZ_ACCOUNT_MODULE`` when there is none), asks
``Get-AzAccessToken`` for the resource (and tenant), turns a ``SecureString`` token into text and prints one line
``azsdk%<token>%<expires_on epoch>``. The resource and tenant are validated (no quotes) before they are put
between the script's single quotes.
"""

from __future__ import annotations

import base64

from azure.core.credentials import AccessTokenInfo
from azure.core.exceptions import ClientAuthenticationError

from ...errors import CredentialUnavailableError
from ..steps import ProcessResult
from .common import (
    Tool,
    ToolRequest,
    describe_output,
    encode_claims,
    parse_epoch,
    redact,
    scopes_to_resource,
    token_info,
)

__all__ = ["AZURE_POWERSHELL", "MARKER", "NO_AZ_ACCOUNT_MODULE", "script"]

NAME = "Azure PowerShell"
TROUBLESHOOT = "https://aka.ms/azsdk/python/identity/powershellcredential/troubleshoot"
MARKER = "azsdk%"
NO_AZ_ACCOUNT_MODULE = "NO_AZ_ACCOUNT_MODULE"
AZ_ACCOUNT_NOT_INSTALLED = "Az.Account module >= 2.2.0 is not installed"
BLOCKED_BY_EXECUTION_POLICY = "Execution policy prevented invoking Azure PowerShell"
POWERSHELL_NOT_INSTALLED = "PowerShell is not installed"
RUN_CONNECT_AZ_ACCOUNT = 'Please run "Connect-AzAccount" to set up account'

_SCRIPT = """$ErrorActionPreference = 'Stop'
$module = Import-Module Az.Accounts -MinimumVersion ([version]'2.2.0') -PassThru -ErrorAction SilentlyContinue
if (-not $module) { Write-Output 'NO_AZ_ACCOUNT_MODULE'; exit }
$arguments = @{ ResourceUrl = '@RESOURCE@'; WarningAction = 'Ignore' }
if ('@TENANT@') { $arguments.TenantId = '@TENANT@' }
if ($module.Version -ge [version]'2.17.0' -and $module.Version -lt [version]'5.0.0') {
    $arguments.AsSecureString = $true
}
$result = Get-AzAccessToken @arguments
$value = $result.Token
if ($value -is [System.Security.SecureString]) {
    if ($PSVersionTable.PSVersion.Major -ge 7) {
        $value = ConvertFrom-SecureString -SecureString $value -AsPlainText
    } else {
        $pointer = [System.Runtime.InteropServices.Marshal]::SecureStringToBSTR($value)
        try { $value = [System.Runtime.InteropServices.Marshal]::PtrToStringBSTR($pointer) }
        finally { [System.Runtime.InteropServices.Marshal]::ZeroFreeBSTR($pointer) }
    }
}
Write-Output ("`nazsdk%" + $value + '%' + $result.ExpiresOn.ToUnixTimeSeconds() + "`n")
"""


def script(resource: str, tenant: str) -> str:
    """The PowerShell script for ``resource`` and ``tenant`` (both already validated: no quotes)."""
    return _SCRIPT.replace("@RESOURCE@", resource).replace("@TENANT@", tenant)


def argv(executable: str, request: ToolRequest) -> list[str]:
    encoded = base64.b64encode(script(scopes_to_resource(request.scopes), request.tenant).encode("utf-16-le"))
    return [executable, "-NoProfile", "-NonInteractive", "-EncodedCommand", encoded.decode("ascii")]


def parse(result: ProcessResult) -> AccessTokenInfo:
    if NO_AZ_ACCOUNT_MODULE in result.stdout:
        raise CredentialUnavailableError(message=AZ_ACCOUNT_NOT_INSTALLED)
    for word in result.stdout.split():
        if word.startswith(MARKER):
            parts = word.split("%")
            expires_on = parse_epoch(parts[2]) if len(parts) == 3 else None
            if expires_on is not None:
                return token_info(parts[1], expires_on, "Get-AzAccessToken")
    raise ClientAuthenticationError(
        message=f"Unexpected output from Get-AzAccessToken: {describe_output(result.stdout)} without the"
        f" '{MARKER}<token>%<expires_on>' line. See {TROUBLESHOOT}"
    )


def classify(result: ProcessResult) -> Exception:
    stderr = result.stderr
    if result.returncode in (127, 9009) or "' is not recognized" in stderr:
        return CredentialUnavailableError(message=POWERSHELL_NOT_INSTALLED)
    if "Run Connect-AzAccount to login" in stderr:
        return CredentialUnavailableError(message=RUN_CONNECT_AZ_ACCOUNT)
    if "AuthorizationManager check failed" in stderr:
        return CredentialUnavailableError(message=BLOCKED_BY_EXECUTION_POLICY)
    detail = redact(stderr)
    return CredentialUnavailableError(
        message=f"Failed to invoke PowerShell (exit code {result.returncode})"
        + (f": {detail}" if detail else ".")
        + f" To mitigate this issue, please refer to the troubleshooting guidelines here at {TROUBLESHOOT}."
    )


def claims_hint(claims: str, request: ToolRequest) -> str:
    hint = (
        "This credential doesn't support claims challenges. To authenticate with the required claims, please run"
        " the following command (requires Az.Accounts module version 5.2.0 or later): Connect-AzAccount"
        f" -ClaimsChallenge {encode_claims(claims)}"
    )
    return hint + (f" -Tenant {request.tenant}" if request.tenant else "")


AZURE_POWERSHELL = Tool(
    name=NAME,
    credential="AzurePowerShellCredential",
    executables=("pwsh",),
    windows_executables=("pwsh", "powershell"),
    install_url="https://aka.ms/install-powershell",
    troubleshoot_url=TROUBLESHOOT,
    argv=argv,
    parse=parse,
    classify=classify,
    claims_hint=claims_hint,
)
