"""AzurePowerShellCredential against a fake ``pwsh``: the command line and script, output markers, errors."""

from __future__ import annotations

import base64
import time

import pytest
from azure.core.exceptions import ClientAuthenticationError

from azauth import CredentialUnavailableError
from tests.developer_tools.fake_tools import Failure, FakeTool, FakeTools, assert_fails
from tests.support import SCOPE, Mode

CANARY = "CANARY-pwsh-token-77aa"
EXPIRES = int(time.time()) + 3 * 86_400  # a few days ahead: azauth shortens lifetimes over 7 days


@pytest.fixture
def pwsh(tools: FakeTools) -> FakeTool:
    tool = tools.add("pwsh")
    tool.behave(stdout=f"WARNING: something\n\nazsdk%{CANARY}%{EXPIRES}\n\n")
    return tool


def script_of(argv: list[str]) -> str:
    assert argv[:3] == ["-NoProfile", "-NonInteractive", "-EncodedCommand"] and len(argv) == 4
    return base64.b64decode(argv[3]).decode("utf-16-le")


def test_pwsh_runs_directly_with_an_encoded_script(mode: Mode, pwsh: FakeTool) -> None:
    cred = mode.module.AzurePowerShellCredential(tenant_id="contoso.com")
    token = mode.wait(cred.get_token(SCOPE))
    assert (token.token, token.expires_on) == (CANARY, EXPIRES)
    script = script_of(pwsh.argv)
    assert "ResourceUrl = 'https://vault.azure.net'" in script
    assert "$arguments.TenantId = 'contoso.com'" in script
    assert "Import-Module Az.Accounts -MinimumVersion ([version]'2.2.0')" in script
    assert "ToUnixTimeSeconds()" in script


def test_without_a_tenant_the_script_passes_none(mode: Mode, pwsh: FakeTool) -> None:
    mode.wait(mode.module.AzurePowerShellCredential().get_token(SCOPE, tenant_id="fabrikam.com"))
    assert "$arguments.TenantId = 'fabrikam.com'" in script_of(pwsh.argv)
    pwsh2 = mode.module.AzurePowerShellCredential()
    mode.wait(pwsh2.get_token("https://storage.azure.com/.default"))
    assert "if ('') { $arguments.TenantId = '' }" in script_of(pwsh.runs[1]["argv"])


@pytest.mark.parametrize(
    "case",
    [
        ("NO_AZ_ACCOUNT_MODULE\n", "", 0, CredentialUnavailableError, "Az.Account module >= 2.2.0 is not installed"),
        (
            "",
            "Get-AzAccessToken: Run Connect-AzAccount to login.\n",
            1,
            CredentialUnavailableError,
            "Connect-AzAccount",
        ),
        ("", "AuthorizationManager check failed.\n", 1, CredentialUnavailableError, "Execution policy prevented"),
        ("", "Something odd happened\n", 1, CredentialUnavailableError, "Failed to invoke PowerShell (exit code 1)"),
        ("", "", 127, CredentialUnavailableError, "PowerShell is not installed"),
        (f"token: {CANARY}\n", "", 0, ClientAuthenticationError, "Unexpected output from Get-AzAccessToken"),
        (f"azsdk%{CANARY}%tomorrow\n", "", 0, ClientAuthenticationError, "Unexpected output from Get-AzAccessToken"),
    ],
    ids=["no-az-accounts", "not-connected", "execution-policy", "other-failure", "exit-127", "no-marker", "bad-expiry"],
)
def test_failures(mode: Mode, pwsh: FakeTool, caplog: pytest.LogCaptureFixture, case: Failure) -> None:
    assert_fails(mode, pwsh, mode.module.AzurePowerShellCredential(), case, caplog, CANARY)


def test_stderr_with_a_token_is_redacted(mode: Mode, pwsh: FakeTool) -> None:
    pwsh.behave(stdout=f"azsdk%{CANARY}%", stderr=f"Write-Output failed near azsdk%{CANARY}%123\n", exit=1)
    with pytest.raises(CredentialUnavailableError) as caught:
        mode.wait(mode.module.AzurePowerShellCredential().get_token(SCOPE))
    assert "azsdk%****%" in caught.value.message and CANARY not in caught.value.message


def test_claims_raise_the_connect_command(mode: Mode, pwsh: FakeTool) -> None:
    with pytest.raises(CredentialUnavailableError) as caught:
        mode.wait(mode.module.AzurePowerShellCredential().get_token(SCOPE, claims="{}", tenant_id="contoso.com"))
    assert caught.value.message.endswith("Connect-AzAccount -ClaimsChallenge e30= -Tenant contoso.com")
    assert pwsh.runs == []


def test_missing_pwsh(mode: Mode, tools: FakeTools) -> None:
    cred = mode.module.AzurePowerShellCredential()
    assert "Azure PowerShell not found on PATH (looked for pwsh)" in (cred.unavailable_reason() or "")
    with pytest.raises(CredentialUnavailableError, match="looked for pwsh"):
        mode.wait(cred.get_token(SCOPE))
