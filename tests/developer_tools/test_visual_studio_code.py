"""VisualStudioCodeCredential: the Azure Resources extension's authentication record, read from real files,
and the broker runtime it needs (not installed here: the error must say so)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from azauth import CredentialUnavailableError
from azauth._core.visual_studio_code import broker_available, read_auth_record
from tests.support import SCOPE, Mode

CLIENT_ID = "aebc6443-996d-45c2-90f0-388ff96faa56"
USERNAME = "canary.user@contoso.com"
RECORD = {
    "authority": "login.microsoftonline.com",
    "clientId": CLIENT_ID,
    "homeAccountId": "canary-oid.canary-tid",
    "tenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47",
    "username": USERNAME,
    "version": "1.0",
}


def write_record(home: Path, content: Any, folder: str = ".azure") -> Path:
    path = home / folder / "ms-azuretools.vscode-azureresourcegroups" / "authRecord.json"
    path.parent.mkdir(parents=True)
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


def credential(mode: Mode, home: Path, **kwargs: Any) -> Any:
    return mode.module.VisualStudioCodeCredential(environ={"HOME": str(home)}, **kwargs)


def unavailable(mode: Mode, cred: Any) -> str:
    with pytest.raises(CredentialUnavailableError) as caught:
        mode.wait(cred.get_token(SCOPE))
    message: str = caught.value.message
    assert USERNAME not in message and "canary-oid" not in message
    return message


def test_no_record_means_not_signed_in(mode: Mode, tmp_path: Path) -> None:
    cred = credential(mode, tmp_path)
    message = unavailable(mode, cred)
    assert message.startswith("VisualStudioCodeCredential requires the user to be signed in to Azure via Visual Studio")
    assert str(tmp_path / ".azure" / "ms-azuretools.vscode-azureresourcegroups" / "authRecord.json") in message
    assert cred.unavailable_reason() == message


def test_a_valid_record_without_the_broker_names_what_is_missing(mode: Mode, tmp_path: Path) -> None:
    if broker_available():
        pytest.skip("pymsalruntime is installed: the broker path is taken instead")
    write_record(tmp_path, RECORD)
    cred = credential(mode, tmp_path)
    message = unavailable(mode, cred)
    assert "'pymsalruntime' package; it is not installed" in message
    assert "pip install azure-identity-broker" in message
    assert cred.unavailable_reason() == message


def test_the_record_is_read_from_the_second_location_too(tmp_path: Path) -> None:
    write_record(tmp_path, RECORD, folder=".Azure")
    account = read_auth_record(str(tmp_path))
    assert account is not None
    assert (account.client_id, account.tenant_id, account.username) == (CLIENT_ID, RECORD["tenantId"], USERNAME)
    assert account.home_account_id == "canary-oid.canary-tid" and account.authority == "login.microsoftonline.com"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "is not JSON"),
        ("[1, 2]", "is not a JSON object"),
        ({**RECORD, "clientId": "11111111-1111-1111-1111-111111111111"}, "clientId must be the Azure Resources"),
        ({k: v for k, v in RECORD.items() if k != "homeAccountId"}, "homeAccountId is missing"),
        ({**RECORD, "username": ""}, "username must be a non-empty string"),
        ({**RECORD, "tenantId": "bad tenant"}, "tenantId is invalid"),
        ({**RECORD, "padding": "x" * 11_000}, "is too large"),
        ("\udcff", "is not JSON"),
    ],
    ids=["not-json", "array", "wrong-client", "missing-field", "empty-username", "bad-tenant", "too-large", "not-utf8"],
)
def test_a_bad_record_is_explained_without_its_content(mode: Mode, tmp_path: Path, content: Any, problem: str) -> None:
    if content == "\udcff":
        path = write_record(tmp_path, "")
        path.write_bytes(b"\xff\xfe{" + USERNAME.encode())
    else:
        path = write_record(tmp_path, content)
    message = unavailable(mode, credential(mode, tmp_path))
    assert message.startswith("Failed to load authentication record from Visual Studio Code: ")
    assert str(path) in message and problem in message


def test_an_unreadable_record_is_explained(mode: Mode, tmp_path: Path) -> None:
    path = write_record(tmp_path, "")
    path.unlink()
    path.mkdir()
    assert "is a directory" in unavailable(mode, credential(mode, tmp_path))


def test_constructor_keywords(mode: Mode, tmp_path: Path) -> None:
    cred = credential(
        mode,
        tmp_path,
        tenant_id="contoso.com",
        additionally_allowed_tenants=["*"],
        authority="login.microsoftonline.us",
    )
    assert repr(cred) == "VisualStudioCodeCredential(tenant_id='contoso.com')"
    with pytest.raises(ValueError, match="tenant_id"):
        mode.module.VisualStudioCodeCredential(tenant_id="not a tenant")
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        mode.module.VisualStudioCodeCredential(tenant="contoso.com")


# ------------------------------------------------------------------------------------------ the broker call
# The broker (pymsalruntime and the OS broker service) cannot run on this machine, so msal's
# PublicClientApplication is replaced by a recording stand-in: these tests check what azauth asks of msal and
# how it reads the answers, not the broker itself.


class FakeApp:
    made: list[FakeApp] = []
    accounts: list[dict[str, str]] = []
    silent: dict[str, Any] | None = None
    interactive: dict[str, Any] | None = None
    broker = True

    def __init__(self, client_id: str, **kwargs: Any) -> None:
        self.client_id, self.kwargs = client_id, kwargs
        self.calls: list[tuple[str, Any]] = []
        self._enable_broker = self.broker
        FakeApp.made.append(self)

    CONSOLE_WINDOW_HANDLE = object()

    def get_accounts(self, username: str | None = None) -> list[dict[str, str]]:
        self.calls.append(("get_accounts", username))
        return self.accounts

    def acquire_token_silent_with_error(self, scopes: list[str], account: Any, **kwargs: Any) -> Any:
        self.calls.append(("silent", (scopes, account, kwargs)))
        return self.silent

    def acquire_token_interactive(self, scopes: list[str], **kwargs: Any) -> Any:
        self.calls.append(("interactive", (scopes, kwargs)))
        return self.interactive


@pytest.fixture
def fake_msal(monkeypatch: pytest.MonkeyPatch) -> type[FakeApp]:
    import msal

    import azauth._core.visual_studio_code as vscode

    monkeypatch.setattr(msal, "PublicClientApplication", FakeApp)
    monkeypatch.setattr(vscode, "broker_available", lambda: True)
    FakeApp.made, FakeApp.accounts, FakeApp.silent, FakeApp.interactive, FakeApp.broker = [], [], None, None, True
    return FakeApp


def test_the_broker_is_asked_silently_for_the_recorded_account(
    mode: Mode, tmp_path: Path, fake_msal: type[FakeApp]
) -> None:
    write_record(tmp_path, RECORD)
    fake_msal.interactive = {"access_token": "broker-token", "expires_in": 3600}
    cred = credential(mode, tmp_path)
    assert cred.unavailable_reason() is None
    token = mode.wait(cred.get_token(SCOPE, claims='{"x":1}'))
    assert token.token == "broker-token"
    (app,) = fake_msal.made
    assert app.client_id == CLIENT_ID
    assert app.kwargs["authority"] == f"https://login.microsoftonline.com/{RECORD['tenantId']}"
    assert all(app.kwargs[f"enable_broker_on_{p}"] for p in ("windows", "mac", "linux", "wsl"))
    (name, (scopes, options)) = app.calls[-1]
    assert name == "interactive" and scopes == [SCOPE]
    assert (
        options["prompt"] == "none" and options["login_hint"] == USERNAME and options["claims_challenge"] == '{"x":1}'
    )


def test_a_cached_account_is_used_and_the_tenant_can_change(
    mode: Mode, tmp_path: Path, fake_msal: type[FakeApp]
) -> None:
    write_record(tmp_path, RECORD)
    fake_msal.accounts = [{"home_account_id": "other"}, {"home_account_id": RECORD["homeAccountId"]}]
    fake_msal.silent = {"access_token": "silent-token", "expires_in": 60}
    cred = credential(mode, tmp_path, additionally_allowed_tenants=["*"])
    assert mode.wait(cred.get_token(SCOPE, tenant_id="fabrikam.com")).token == "silent-token"
    (app,) = fake_msal.made
    assert app.kwargs["authority"] == "https://login.microsoftonline.com/fabrikam.com"
    assert [c[0] for c in app.calls] == ["get_accounts", "silent"]
    assert app.calls[1][1][1] == {"home_account_id": RECORD["homeAccountId"]}


def test_broker_errors(mode: Mode, tmp_path: Path, fake_msal: type[FakeApp]) -> None:
    from azure.core.exceptions import ClientAuthenticationError

    from azauth._core.base import within_default_credential

    write_record(tmp_path, RECORD)
    fake_msal.interactive = {"error": "interaction_required", "error_description": "AADSTS50076: MFA canary-oid"}
    cred = credential(mode, tmp_path)
    with pytest.raises(ClientAuthenticationError) as caught:
        mode.wait(cred.get_token(SCOPE))
    assert type(caught.value) is ClientAuthenticationError
    assert "interaction_required" in caught.value.message and "AADSTS50076" in caught.value.message
    marker = within_default_credential.set(True)
    try:
        with pytest.raises(CredentialUnavailableError, match="interaction_required"):
            mode.wait(cred.get_token(SCOPE))
    finally:
        within_default_credential.reset(marker)
    fake_msal.broker = False  # msal found no usable broker: never a browser, unavailable
    with pytest.raises(CredentialUnavailableError, match="cannot use the authentication broker"):
        mode.wait(cred.get_token(SCOPE))
    assert all(c[0] != "interactive" for c in fake_msal.made[-1].calls)
