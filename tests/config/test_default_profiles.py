"""``type: default`` and the built-in profiles ``default``, ``dev`` and ``prod``: the same member table as
DefaultAzureCredential and AZURE_TOKEN_CREDENTIALS; ``credential_from_config()`` without a file builds ``default``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from azauth._core.chained import credential_name
from azauth._core.default import GROUPS, MEMBERS
from azauth.config.factory import async_credential_from_config
from azauth.config.models import REGISTRY
from azauth.config.profiles import BUILTIN_PROFILES
from azauth.emulator import Emulator
from azauth.errors import ConfigError
from tests.support import SCOPE, Mode


def build(mode: Mode, source: Any, environ: dict[str, str], profile: str | None = None) -> Any:
    if mode.is_async:
        return async_credential_from_config(source, profile=profile, environ=environ)
    import azauth

    return azauth.credential_from_config(source, profile=profile, environ=environ)


def names(credential: Any) -> list[str]:
    return [credential_name(c) for c in credential.credentials]


@pytest.fixture(autouse=True)
def no_tools(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))


def test_no_file_builds_default_azure_credential(mode: Mode, emu: Emulator) -> None:
    environ = {
        "AZURE_TENANT_ID": emu.tenant_id,
        "AZURE_CLIENT_ID": emu.client_id,
        "AZURE_CLIENT_SECRET": emu.client_secret,
        "AZURE_AUTHORITY_HOST": emu.authority,
        "AZAUTH_DEFAULTS__HTTP__VERIFY": emu.ca_path,
    }
    credential = build(mode, None, environ)
    assert type(credential) is mode.module.DefaultAzureCredential
    token = mode.wait(credential.get_token(SCOPE))
    assert emu.decode_token(token.token)["appid"] == emu.client_id
    assert type(credential.selected_credential).__name__ == "EnvironmentCredential"
    mode.close(credential)
    assert type(build(mode, None, {})) is mode.module.DefaultAzureCredential


def test_builtin_dev_and_prod_are_the_groups_of_the_variable(mode: Mode) -> None:
    for group in ("dev", "prod"):
        from_profile = build(mode, None, {}, profile=group)
        from_variable = mode.module.DefaultAzureCredential(environ={"AZURE_TOKEN_CREDENTIALS": group})
        assert names(from_profile) == names(from_variable)
        assert {m.class_name for m in MEMBERS if m.type in GROUPS[group]} == set(names(from_profile))
    assert names(build(mode, None, {}, profile="prod")) == [
        "EnvironmentCredential",
        "WorkloadIdentityCredential",
        "ManagedIdentityCredential",
    ]
    # the profile writes every exclusion out: the variable does not change it
    narrowed = build(mode, None, {"AZURE_TOKEN_CREDENTIALS": "ManagedIdentityCredential"}, profile="prod")
    assert len(names(narrowed)) == 3
    assert BUILTIN_PROFILES["default"] == {"type": "default"}


def test_type_default_takes_every_keyword(mode: Mode, tmp_path: Path) -> None:
    fields = {f.name for f in REGISTRY["default"].fields}
    assert {m.exclude for m in MEMBERS} <= fields
    for keyword in (
        "managed_identity_client_id",
        "workload_identity_client_id",
        "workload_identity_tenant_id",
        "interactive_browser_tenant_id",
        "interactive_browser_client_id",
        "shared_cache_username",
        "shared_cache_tenant_id",
        "visual_studio_code_tenant_id",
        "process_timeout",
        "authority",
        "additionally_allowed_tenants",
        "require_envvar",
    ):
        assert keyword in fields
    config = tmp_path / "auth.yaml"
    config.write_text(
        "type: default\n"
        "exclude_environment_credential: true\n"
        "exclude_shared_token_cache_credential: true\n"
        "exclude_interactive_browser_credential: false\n"
        "interactive_browser_client_id: 11111111-2222-3333-4444-555555555555\n"
        "process_timeout: 3\n",
        encoding="utf-8",
    )
    credential = build(mode, str(config), {})
    assert names(credential) == [
        "WorkloadIdentityCredential",
        "ManagedIdentityCredential",
        "AzureCliCredential",
        "AzurePowerShellCredential",
        "AzureDeveloperCliCredential",
        "InteractiveBrowserCredential",
    ]
    cli, browser = credential.credentials[2], credential.credentials[-1]
    assert cli._process_timeout == 3 and browser._client_id == "11111111-2222-3333-4444-555555555555"


def test_a_bad_variable_is_a_config_error_naming_it(mode: Mode) -> None:
    with pytest.raises(ConfigError, match="Invalid value for AZURE_TOKEN_CREDENTIALS: 'nope'"):
        build(mode, None, {"AZURE_TOKEN_CREDENTIALS": "nope"})
