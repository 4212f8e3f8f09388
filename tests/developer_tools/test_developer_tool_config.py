"""The four developer-tool types in configuration: derived models, building (sync and async), explain."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

import azauth
import azauth.aio
from azauth.cli.main import main
from azauth.config.models import REGISTRY
from azauth.errors import ConfigError
from tests.developer_tools.fake_tools import FakeTools
from tests.support import SCOPE, Mode

DOCUMENT = {
    "version": 1,
    "default_profile": "tools",
    "profiles": {
        "tools": {
            "type": "chain",
            "credentials": [
                {"type": "visual_studio_code", "tenant_id": "contoso.com"},
                {"type": "azure_powershell", "process_timeout": 4},
                {"type": "azure_developer_cli", "additionally_allowed_tenants": ["*"]},
                {"type": "azure_cli", "tenant_id": "contoso.com", "subscription": "sub-1", "process_timeout": 3},
            ],
        }
    },
}


def test_the_models_carry_azure_identity_s_keywords() -> None:
    fields = {name: [f.name for f in REGISTRY[name].fields] for name in DOCUMENT_TYPES}
    assert fields == {
        "azure_cli": ["tenant_id", "subscription", "additionally_allowed_tenants", "process_timeout"],
        "azure_developer_cli": ["tenant_id", "additionally_allowed_tenants", "process_timeout"],
        "azure_powershell": ["tenant_id", "additionally_allowed_tenants", "process_timeout"],
        "visual_studio_code": ["authority", "tenant_id", "additionally_allowed_tenants"],
    }
    schema = json.loads(Path("schemas/azauth.schema.json").read_text(encoding="utf-8"))
    text = json.dumps(schema)
    for name in DOCUMENT_TYPES:
        assert f'"{name}"' in text


DOCUMENT_TYPES = ("azure_cli", "azure_developer_cli", "azure_powershell", "visual_studio_code")


def test_a_chain_of_developer_tools_is_built_and_answers(mode: Mode, tools: FakeTools, tmp_path: Path) -> None:
    az = tools.add("az")
    az.behave(stdout=json.dumps({"accessToken": "from-az", "expires_on": 1_900_000_000}))
    chain: Any = mode.module.credential_from_config(DOCUMENT)
    members = chain.credentials
    assert [type(m).__name__ for m in members] == [
        "VisualStudioCodeCredential",
        "AzurePowerShellCredential",
        "AzureDeveloperCliCredential",
        "AzureCliCredential",
    ]
    assert all(type(m).__module__ == mode.module._credentials.__name__ for m in members)
    cli = members[3]
    assert (cli.tenant_id, cli.subscription, cli._process_timeout) == ("contoso.com", "sub-1", 3.0)
    assert members[1]._process_timeout == 4.0
    assert mode.wait(chain.get_token(SCOPE)).token == "from-az"
    assert az.argv[-4:] == ["--tenant", "contoso.com", "--subscription", "sub-1"]


@pytest.mark.parametrize(
    ("member", "problem"),
    [
        ({"type": "azure_cli", "process_timeout": "soon"}, "process_timeout"),
        ({"type": "azure_cli", "subscription": "--all"}, "subscription"),
        ({"type": "azure_cli", "timeout": 3}, "timeout"),
    ],
)
def test_bad_values_are_reported_with_their_place(member: dict[str, Any], problem: str) -> None:
    document = {"version": 1, "profiles": {"default": member}}
    with pytest.raises(ConfigError) as caught:
        azauth.credential_from_config(document)
    assert problem in str(caught.value)


def test_explain_says_which_tools_are_on_path(tools: FakeTools, tmp_path: Path) -> None:
    az = tools.add("az")
    path = tmp_path / "auth.json"
    path.write_text(json.dumps(DOCUMENT), encoding="utf-8")
    out = io.StringIO()
    main(["explain", str(path), "--format", "json"], out)
    members = {m["type"]: m for m in json.loads(out.getvalue())["credential"]["members"]}
    assert members["azure_cli"]["ready"] and members["azure_cli"]["inputs"][-1]["status"] == str(tools.directory / "az")
    for name in ("azure_developer_cli", "azure_powershell"):
        assert (members[name]["ready"], members[name]["buildable"]) == (False, True), name
    vscode = {i["name"]: i for i in members["visual_studio_code"]["inputs"]}
    assert vscode["authentication record"]["status"].endswith("(missing)")
    assert "pymsalruntime" in vscode
    out = io.StringIO()
    assert main(["explain", str(path)], out) == 0  # ready: the chain's azure_cli member can answer
    assert "AzureDeveloperCliCredential [azure_developer_cli] at profiles.tools.credentials[2]: unavailable" in (
        out.getvalue()
    )
    assert az.runs == []  # explain started nothing


def test_async_chain_of_tools_uses_the_async_classes() -> None:
    chain: Any = azauth.aio.credential_from_config(DOCUMENT)
    assert isinstance(chain.credentials[3], azauth.aio.AzureCliCredential)
