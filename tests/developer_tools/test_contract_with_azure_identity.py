"""azauth and azure-identity 1.27 against the same fake tools: the same command lines, the same tokens and
expiry, the same kind of error."""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Any

import azure.identity
import pytest
from azure.core.exceptions import ClientAuthenticationError

import azauth
from azauth import CredentialUnavailableError
from tests.developer_tools.fake_tools import FakeTools
from tests.support import SCOPE

EXPIRES = int(time.time()) + 3 * 86_400  # a few days ahead: azauth shortens lifetimes over 7 days
SOON = datetime.fromtimestamp(EXPIRES).date()

AZ_CASES = [
    ({}, (SCOPE,), {}),
    ({"tenant_id": "contoso.com"}, (SCOPE,), {}),
    ({"subscription": "sub-1"}, ("https://management.azure.com//.default",), {}),
    ({"tenant_id": "contoso.com", "additionally_allowed_tenants": ["*"]}, (SCOPE,), {"tenant_id": "fabrikam.com"}),
]


def both(name: str, **kwargs: Any) -> list[Any]:
    return [getattr(azure.identity, name)(**kwargs), getattr(azauth, name)(**kwargs)]


@pytest.mark.parametrize(("kwargs", "scopes", "call"), AZ_CASES)
def test_az_command_line_and_token_match(
    tools: FakeTools, kwargs: dict[str, Any], scopes: tuple[str, ...], call: dict[str, Any]
) -> None:
    az = tools.add("az")
    for reply in (
        {"accessToken": "t1", "expires_on": EXPIRES},
        {"accessToken": "t2", "expiresOn": f"{SOON:%Y-%m-%d} 05:06:07.000000"},
    ):
        az.behave(stdout=json.dumps(reply))
        tokens = [
            (t.token, t.expires_on)
            for t in (c.get_token(*scopes, **call) for c in both("AzureCliCredential", **kwargs))
        ]
        assert tokens[0] == tokens[1]
    argv = [run["argv"] for run in az.runs]
    assert argv[0] == argv[1] and argv[2] == argv[3]


def test_azd_command_line_matches(tools: FakeTools) -> None:
    azd = tools.add("azd")
    azd.behave(stdout=json.dumps({"token": "t", "expiresOn": f"{SOON:%Y-%m-%d}T05:06:07Z"}))
    for cred in both("AzureDeveloperCliCredential", tenant_id="contoso.com"):
        cred.get_token(SCOPE, "https://storage.azure.com/.default", claims='{"a":1}')
    first, second = (run["argv"] for run in azd.runs)
    assert first == second


def test_pwsh_flags_match(tools: FakeTools) -> None:
    pwsh = tools.add("pwsh")
    pwsh.behave(stdout=f"azsdk%t%{EXPIRES}\n")
    tools.only_on_path("/bin", "/usr/bin")  # azure-identity runs /bin/sh -c "pwsh ..."
    tokens = [(t.token, t.expires_on) for t in (c.get_token(SCOPE) for c in both("AzurePowerShellCredential"))]
    assert tokens[0] == tokens[1] == ("t", EXPIRES)
    first, second = (run["argv"][:3] for run in pwsh.runs)
    assert first == second == ["-NoProfile", "-NonInteractive", "-EncodedCommand"]


@pytest.mark.parametrize(
    ("stderr", "error"),
    [
        ("ERROR: Please run 'az login' to setup account.\n", CredentialUnavailableError),
        ("ERROR: AADSTS50076: MFA required. Please run:\naz login --scope x\n", ClientAuthenticationError),
        ("ERROR: something else\n", ClientAuthenticationError),
    ],
)
def test_az_errors_are_of_the_same_kind(tools: FakeTools, stderr: str, error: type[Exception]) -> None:
    az = tools.add("az")
    az.behave(stderr=stderr, exit=1)
    kinds = []
    for cred in both("AzureCliCredential"):
        with pytest.raises(ClientAuthenticationError) as caught:
            cred.get_token(SCOPE)
        kinds.append(type(caught.value).__name__)  # each library raises its own CredentialUnavailableError
    assert kinds == [error.__name__] * 2
