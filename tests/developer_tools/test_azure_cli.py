"""AzureCliCredential against a fake ``az`` on PATH: argv, output formats, errors, tenants, cache, processes."""

from __future__ import annotations

import json
import os
import time
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from azure.core.exceptions import ClientAuthenticationError

from azauth import CredentialUnavailableError
from azauth._core.base import within_default_credential
from tests.developer_tools.fake_tools import Failure, FakeTool, FakeTools, assert_fails, timezone
from tests.support import SCOPE, Mode

CANARY = "eyJhbGciOi.CANARY-cli-token-1c2d3e.signature"
EXPIRES = int(time.time()) + 3 * 86_400  # a few days ahead: azauth shortens lifetimes over 7 days


def az_reply(token: str = CANARY, **fields: Any) -> str:
    return json.dumps({"accessToken": token, "tokenType": "Bearer", "expires_on": EXPIRES, **fields}, indent=2)


@pytest.fixture
def az(tools: FakeTools) -> FakeTool:
    tool = tools.add("az")
    tool.behave(stdout=az_reply())
    return tool


def test_argv_maps_the_scope_to_a_resource_and_adds_tenant_and_subscription(mode: Mode, az: FakeTool) -> None:
    cred = mode.module.AzureCliCredential(tenant_id="contoso.onmicrosoft.com", subscription="My Sub-1")
    token = mode.wait(cred.get_token(SCOPE))
    assert (token.token, token.expires_on) == (CANARY, EXPIRES)
    assert "CANARY" not in repr(token) + str(token) + repr(mode.wait(cred.get_token_info(SCOPE))) + repr(cred)
    assert az.argv == [
        "account",
        "get-access-token",
        "--output",
        "json",
        "--resource",
        "https://vault.azure.net",
        "--tenant",
        "contoso.onmicrosoft.com",
        "--subscription",
        "My Sub-1",
    ]
    run = az.runs[0]
    assert run["env"]["AZURE_CORE_NO_COLOR"] == "true"
    assert run["cwd"] == os.path.realpath("/bin")  # a directory the OS controls, not the application's


def test_without_tenant_or_subscription_az_uses_its_own(mode: Mode, az: FakeTool) -> None:
    info = mode.wait(mode.module.AzureCliCredential().get_token_info("https://management.azure.com//.default"))
    assert info.expires_on == EXPIRES
    assert az.argv == ["account", "get-access-token", "--output", "json", "--resource", "https://management.azure.com/"]


def test_az_reads_its_own_config_directory(mode: Mode, az: FakeTool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_CONFIG_DIR", "/srv/ci/azure-config")
    mode.wait(mode.module.AzureCliCredential().get_token(SCOPE))
    assert az.runs[0]["env"]["AZURE_CONFIG_DIR"] == "/srv/ci/azure-config"


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Kolkata", "Pacific/Chatham"])
def test_expires_on_falls_back_to_local_time_expiresOn(mode: Mode, az: FakeTool, zone: str) -> None:
    day = datetime.fromtimestamp(EXPIRES).date()  # a naive local time a few days ahead, as az prints it
    az.behave(stdout=json.dumps({"accessToken": CANARY, "expiresOn": f"{day:%Y-%m-%d} 05:06:07.123456"}))
    with timezone(zone):
        token = mode.wait(mode.module.AzureCliCredential().get_token(SCOPE))
    expected = datetime(day.year, day.month, day.day, 5, 6, 7, tzinfo=ZoneInfo(zone))
    assert token.expires_on == int(expected.timestamp())


def test_epoch_expires_on_wins_over_expiresOn(mode: Mode, az: FakeTool) -> None:
    az.behave(stdout=az_reply(expiresOn="2020-01-01 00:00:00.000000", expires_on=str(EXPIRES)))
    assert mode.wait(mode.module.AzureCliCredential().get_token(SCOPE)).expires_on == EXPIRES


# ------------------------------------------------------------------------------------------ failures

NOT_LOGGED_IN = "ERROR: Please run 'az login' to setup account.\n"
EXPIRED = (
    "ERROR: AADSTS700082: The refresh token has expired due to inactivity. The token was issued on"
    " 2024-01-01T00:00:00Z and was inactive for 90.00:00:00. Trace ID: 1 Correlation ID: 2\n"
    "To re-authenticate, please run:\naz login\n"
)
MFA = (
    "ERROR: AADSTS50076: Due to a configuration change made by your administrator, or because you moved to a new"
    " location, you must use multi-factor authentication to access 'https://vault.azure.net'.\n"
    "Interactive authentication is needed. Please run:\naz login --scope https://vault.azure.net/.default\n"
)


@pytest.mark.parametrize(
    "case",
    [
        ("", NOT_LOGGED_IN, 1, CredentialUnavailableError, "Please run 'az login' to set up an account"),
        (
            "",
            "ERROR: Please run 'az account set' to select a subscription\n",
            1,
            CredentialUnavailableError,
            "az login",
        ),
        ("", EXPIRED, 1, ClientAuthenticationError, "AADSTS700082: The refresh token has expired"),
        ("", MFA, 1, ClientAuthenticationError, "AADSTS50076"),
        ("", "", 2, ClientAuthenticationError, "Failed to invoke Azure CLI (exit code 2"),
        ("", "/bin/sh: az: not found\n", 127, CredentialUnavailableError, "install it: https://aka.ms/azure-cli"),
        (f'{{"accessToken": "{CANARY}", "expires_', "", 0, ClientAuthenticationError, "not a JSON object"),
        (f'["{CANARY}"]', "", 0, ClientAuthenticationError, "not a JSON object"),
        (json.dumps({"accessToken": CANARY}), "", 0, ClientAuthenticationError, "no valid 'expiresOn'"),
        (az_reply(expires_on="soon"), "", 0, ClientAuthenticationError, "no valid 'expires_on'"),
        (json.dumps({"token": CANARY, "expires_on": EXPIRES}), "", 0, ClientAuthenticationError, "token is missing"),
    ],
    ids=[
        "not-logged-in",
        "no-subscription",
        "expired-login",
        "mfa-required",
        "silent-failure",
        "exit-127",
        "truncated-json",
        "json-array",
        "no-expiry",
        "bad-expiry",
        "no-token",
    ],
)
def test_failures_are_classified_as_azure_identity_does(
    mode: Mode, az: FakeTool, caplog: pytest.LogCaptureFixture, case: Failure
) -> None:
    assert_fails(mode, az, mode.module.AzureCliCredential(), case, caplog, "CANARY")


def test_stderr_is_redacted_and_bounded(mode: Mode, az: FakeTool) -> None:
    leaked = (
        f'ERROR: AADSTS50000: something broke {{"accessToken": "{CANARY}"}} Authorization: Bearer opaque-canary\n'
        + "\x1b[31mred\x1b[0m "
        + "word " * 1000
    )
    az.behave(stderr=leaked, exit=1)
    with pytest.raises(ClientAuthenticationError) as caught:
        mode.wait(mode.module.AzureCliCredential().get_token(SCOPE))
    text = caught.value.message
    assert "AADSTS50000: something broke" in text and "CANARY" not in text and "opaque-canary" not in text
    assert "\x1b" not in text and len(text) < 800 and "more characters" in text


def test_missing_az_names_itself_and_the_install_page(mode: Mode, tools: FakeTools) -> None:
    cred = mode.module.AzureCliCredential()
    assert (
        cred.unavailable_reason() == "Azure CLI not found on PATH (looked for az); install it: https://aka.ms/azure-cli"
    )
    with pytest.raises(CredentialUnavailableError, match="Azure CLI not found on PATH"):
        mode.wait(cred.get_token(SCOPE))


def test_unavailable_reason_is_none_when_az_is_on_path_and_starts_nothing(mode: Mode, az: FakeTool) -> None:
    assert mode.module.AzureCliCredential().unavailable_reason() is None
    assert az.runs == []


def test_inside_default_credential_an_authentication_failure_is_unavailable(mode: Mode, az: FakeTool) -> None:
    az.behave(stderr=MFA, exit=1)
    marker = within_default_credential.set(True)
    try:
        with pytest.raises(CredentialUnavailableError, match="AADSTS50076"):
            mode.wait(mode.module.AzureCliCredential().get_token(SCOPE))
    finally:
        within_default_credential.reset(marker)


# ------------------------------------------------------------------------------------------ claims and tenants


def test_claims_raise_the_relogin_command_and_run_nothing(mode: Mode, az: FakeTool) -> None:
    claims = '{"access_token":{"acrs":{"essential":true,"value":"c1"}}}'
    cred = mode.module.AzureCliCredential(tenant_id="contoso.com")
    with pytest.raises(CredentialUnavailableError) as caught:
        mode.wait(cred.get_token(SCOPE, claims=claims))
    assert caught.value.message.endswith(
        "az login --claims-challenge eyJhY2Nlc3NfdG9rZW4iOnsiYWNycyI6eyJlc3NlbnRpYWwiOnRydWUsInZhbHVlIjoiYzEifX19"
        " --tenant contoso.com --scope https://vault.azure.net/.default"
    )
    assert "requires Azure CLI version 2.76.0 or later" in caught.value.message
    with pytest.raises(CredentialUnavailableError, match="--claims-challenge"):
        mode.wait(cred.get_token_info(SCOPE, options={"claims": claims}))
    assert az.runs == []


def test_per_call_tenant_follows_the_multitenant_rules(mode: Mode, az: FakeTool) -> None:
    open_cred = mode.module.AzureCliCredential()
    mode.wait(open_cred.get_token(SCOPE, tenant_id="fabrikam.com"))
    assert az.runs[-1]["argv"][-2:] == ["--tenant", "fabrikam.com"]

    pinned = mode.module.AzureCliCredential(tenant_id="contoso.com")
    with pytest.raises(ClientAuthenticationError, match="not configured to acquire tokens for tenant fabrikam.com"):
        mode.wait(pinned.get_token(SCOPE, tenant_id="fabrikam.com"))
    assert len(az.runs) == 1

    allowed = mode.module.AzureCliCredential(tenant_id="contoso.com", additionally_allowed_tenants=["fabrikam.com"])
    mode.wait(allowed.get_token_info(SCOPE, options={"tenant_id": "fabrikam.com"}))
    assert az.runs[-1]["argv"][-2:] == ["--tenant", "fabrikam.com"]
    anyone = mode.module.AzureCliCredential(tenant_id="contoso.com", additionally_allowed_tenants=["*"])
    mode.wait(anyone.get_token(SCOPE, tenant_id="northwind.com"))
    assert az.runs[-1]["argv"][-2:] == ["--tenant", "northwind.com"]


def test_disabled_multitenant_auth_pins_the_configured_tenant(
    mode: Mode, az: FakeTool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AZURE_IDENTITY_DISABLE_MULTITENANTAUTH", "true")
    cred = mode.module.AzureCliCredential(tenant_id="contoso.com")
    mode.wait(cred.get_token(SCOPE, tenant_id="fabrikam.com"))
    assert az.runs[-1]["argv"][-2:] == ["--tenant", "contoso.com"]


# ------------------------------------------------------------------------------------------ argument validation


@pytest.mark.parametrize(
    ("call", "match"),
    [
        ({"scopes": ("--debug",)}, "scope must not start with '-'"),
        ({"scopes": ("https://vault.azure.net/.default", "https://storage.azure.com/.default")}, "exactly one scope"),
        ({"scopes": ("https://vault.azure.net/.default x",)}, "invalid scope"),
        ({"scopes": ('https://vault"x',)}, "invalid scope"),
        ({"tenant_id": "-contoso"}, "tenant_id"),
        ({"tenant_id": "contoso com"}, "tenant_id"),
        ({"tenant_id": "contoso'"}, "tenant_id"),
    ],
)
def test_arguments_that_could_change_the_command_line_are_refused(
    mode: Mode, az: FakeTool, call: dict[str, Any], match: str
) -> None:
    cred = mode.module.AzureCliCredential(additionally_allowed_tenants=["*"])
    scopes = call.get("scopes", (SCOPE,))
    with pytest.raises(ValueError, match=match):
        mode.wait(cred.get_token(*scopes, tenant_id=call.get("tenant_id")))
    assert az.runs == []


@pytest.mark.parametrize(
    "kwargs",
    [
        {"tenant_id": "--tenant"},
        {"tenant_id": "a b"},
        {"subscription": "--subscription"},
        {"subscription": 'sub"; rm -rf /'},
        {"subscription": "sub\n"},
        {"process_timeout": 0},
        {"process_timeout": "10"},
    ],
)
def test_constructor_refuses_bad_values(mode: Mode, kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        mode.module.AzureCliCredential(**kwargs)


def test_constructor_keywords_are_azure_identity_s(mode: Mode) -> None:
    with pytest.raises(TypeError):
        mode.module.AzureCliCredential(connection_verify=False)  # type: ignore[call-arg]
    cred = mode.module.AzureCliCredential(tenant_id="contoso.com", subscription="sub-1", process_timeout=3)
    assert (cred.tenant_id, cred.subscription) == ("contoso.com", "sub-1")
    assert repr(cred) == "AzureCliCredential(tenant_id='contoso.com', subscription='sub-1')"
