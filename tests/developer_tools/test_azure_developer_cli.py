"""AzureDeveloperCliCredential against a fake ``azd``: argv, UTC expiry, structured errors, claims."""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone

import pytest
from azure.core.exceptions import ClientAuthenticationError

from azauth import CredentialUnavailableError
from tests.developer_tools.fake_tools import Failure, FakeTool, FakeTools, assert_fails
from tests.developer_tools.fake_tools import timezone as local_zone
from tests.support import SCOPE, Mode

CANARY = "eyJ0eXAi.CANARY-azd-token-5f6a.sig"
EXPIRES = int(time.time()) + 3 * 86_400  # a few days ahead: azauth shortens lifetimes over 7 days
EXPIRES_ON = datetime.fromtimestamp(EXPIRES, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def azd(tools: FakeTools) -> FakeTool:
    tool = tools.add("azd")
    tool.behave(stdout=json.dumps({"token": CANARY, "expiresOn": EXPIRES_ON}))
    return tool


def test_argv_passes_every_scope_the_tenant_and_no_prompt(mode: Mode, azd: FakeTool) -> None:
    cred = mode.module.AzureDeveloperCliCredential(tenant_id="contoso.com")
    token = mode.wait(cred.get_token(SCOPE, "https://storage.azure.com/.default"))
    assert (token.token, token.expires_on) == (CANARY, EXPIRES)
    assert azd.argv == [
        "auth",
        "token",
        "--output",
        "json",
        "--no-prompt",
        "--scope",
        SCOPE,
        "--scope",
        "https://storage.azure.com/.default",
        "--tenant-id",
        "contoso.com",
    ]
    assert azd.runs[0]["env"]["NO_COLOR"] == "true"


@pytest.mark.parametrize("zone", ["UTC", "America/Los_Angeles", "Australia/Adelaide"])
def test_expires_on_is_utc_whatever_the_local_zone(mode: Mode, azd: FakeTool, zone: str) -> None:
    with local_zone(zone):
        assert mode.wait(mode.module.AzureDeveloperCliCredential().get_token(SCOPE)).expires_on == EXPIRES


def test_claims_are_passed_to_azd_base64(mode: Mode, azd: FakeTool) -> None:
    cred = mode.module.AzureDeveloperCliCredential()
    mode.wait(cred.get_token(SCOPE, claims='{"access_token":{"nbf":{"essential":true}}}'))
    assert azd.argv[-2:] == ["--claims", "eyJhY2Nlc3NfdG9rZW4iOnsibmJmIjp7ImVzc2VudGlhbCI6dHJ1ZX19fQ=="]


def test_an_azd_without_claims_support_says_to_update(mode: Mode, azd: FakeTool) -> None:
    azd.behave(stderr="Error: unknown flag: --claims\n", exit=1)
    with pytest.raises(CredentialUnavailableError, match="update to version 1.18.1 or later"):
        mode.wait(mode.module.AzureDeveloperCliCredential().get_token(SCOPE, claims="{}"))


STRUCTURED_124 = json.dumps(
    {"error": "AADSTS70043: The refresh token has expired.", "message": "m", "suggestion": "azd auth login"}
)
STRUCTURED_123 = (
    json.dumps({"type": "consoleMessage", "data": {"message": ""}})
    + "\n"
    + json.dumps({"error": "AADSTS50173: The provided grant has expired."})
)
LEGACY = json.dumps({"type": "consoleMessage", "data": {"message": "\nERROR: fetching token: AADSTS50076: MFA\n"}})


@pytest.mark.parametrize(
    "case",
    [
        ("", "ERROR: not logged in, run `azd auth login` to login\n", 1, CredentialUnavailableError, "azd auth login"),
        ("", STRUCTURED_124, 1, ClientAuthenticationError, "AADSTS70043: The refresh token has expired."),
        ("", STRUCTURED_123, 1, ClientAuthenticationError, "AADSTS50173: The provided grant has expired."),
        (LEGACY, "", 1, ClientAuthenticationError, "ERROR: fetching token: AADSTS50076: MFA"),
        ("", "plain failure\n", 1, ClientAuthenticationError, "plain failure"),
        ("", "", 1, ClientAuthenticationError, "Failed to invoke Azure Developer CLI (exit code 1"),
        (f'{{"token": "{CANARY}"', "", 0, ClientAuthenticationError, "that is not a token reply"),
        (json.dumps({"token": CANARY, "expiresOn": "tomorrow"}), "", 0, ClientAuthenticationError, "'expiresOn'"),
        (STRUCTURED_124, "", 0, ClientAuthenticationError, "AADSTS70043"),
    ],
    ids=[
        "not-logged-in",
        "azd-1.24",
        "azd-1.23",
        "legacy",
        "plain",
        "silent",
        "bad-json",
        "bad-expiry",
        "exit-0-error",
    ],
)
def test_failures(mode: Mode, azd: FakeTool, caplog: pytest.LogCaptureFixture, case: Failure) -> None:
    assert_fails(mode, azd, mode.module.AzureDeveloperCliCredential(), case, caplog, "CANARY")


def test_a_structured_error_carrying_a_token_is_redacted(mode: Mode, azd: FakeTool) -> None:
    azd.behave(stderr=json.dumps({"error": f'failed: {{"token": "{CANARY}"}}'}), exit=1)
    with pytest.raises(ClientAuthenticationError) as caught:
        mode.wait(mode.module.AzureDeveloperCliCredential().get_token(SCOPE))
    assert caught.value.message == 'failed: {"token": "****"}'


def test_missing_azd(mode: Mode, tools: FakeTools) -> None:
    cred = mode.module.AzureDeveloperCliCredential()
    assert cred.unavailable_reason() == (
        "Azure Developer CLI not found on PATH (looked for azd); install it: https://aka.ms/azure-dev"
    )
    with pytest.raises(CredentialUnavailableError, match="https://aka.ms/azure-dev"):
        mode.wait(cred.get_token(SCOPE))
