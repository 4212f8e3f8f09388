"""``azauth explain``: source and profile choice, the credential tree, inputs found or missed, no secret shown."""

from __future__ import annotations

import io
import json
import os
import socket
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest

from azauth.cli.main import main

LITERAL_SECRET = "Lit3ral~Secret~q8Zx"
ENV_SECRET = "Env~Secret~w4Ty"
FILE_SECRET = "File~Secret~p2Kv"
AZURE_SECRET = "Azure~Secret~m7Nb"
HEADER_SECRET = "Header~Secret~c9Jd"
SECRETS = (LITERAL_SECRET, ENV_SECRET, FILE_SECRET, AZURE_SECRET, HEADER_SECRET)

DOCUMENT = """\
version: 1
default_profile: app
profiles:
  app:
    type: chain
    credentials:
      - type: environment
      - type: profile
        name: ci
  ci:
    type: client_secret
    tenant_id: ${CI_TENANT:-contoso.onmicrosoft.com}
    client_id: 11111111-2222-3333-4444-555555555555
    client_secret: {env: CI_SECRET}
  literal:
    type: client_secret
    tenant_id: contoso.onmicrosoft.com
    client_id: c
    client_secret: LITERAL
  mounted:
    type: client_secret
    tenant_id: contoso.onmicrosoft.com
    client_id: c
    client_secret: {file: secret.txt}
  pod:
    type: workload_identity
  mi:
    type: managed_identity
  prod:
    type: profile
    name: ci
""".replace("LITERAL", LITERAL_SECRET)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("AZAUTH_", "AZURE_", "IDENTITY_", "MSI_", "CI_")) or name == "IMDS_ENDPOINT":
            monkeypatch.delenv(name)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "auth.yaml"
    path.write_text(DOCUMENT, encoding="utf-8")
    return path


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    status = main(["explain", *argv], out)
    return status, out.getvalue()


def report(*argv: str) -> tuple[int, dict[str, Any]]:
    status, out = run(*argv, "--format", "json")
    return status, json.loads(out)


def inputs(node: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {i["name"]: i for i in node["inputs"]}


def assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


# ----------------------------------------------------------------------------------- source and profile


def test_source_order_argument_then_azauth_config_then_variables_then_builtin(
    config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, r = report("--profile", "prod")
    assert r["source"]["kind"] == "built-in" and r["credential"]["builtin"] is True
    status, r = report("--profile", "mi")
    assert status == 1 and r["credential"]["note"].startswith("no profile named 'mi'")
    monkeypatch.setenv("AZAUTH_PROFILES__MI__TYPE", "managed_identity")
    _, r = report("--profile", "mi")
    assert r["source"]["kind"] == "AZAUTH_*" and r["overlay"] == ["AZAUTH_PROFILES__MI__TYPE"]
    assert r["credential"]["where"] == "profiles.mi" and r["credential"]["builtin"] is False
    monkeypatch.setenv("AZAUTH_CONFIG", str(config))
    _, r = report("--profile", "mi")
    assert r["source"] == {"kind": "AZAUTH_CONFIG", "path": str(config), "reason": r["source"]["reason"]}
    other = tmp_path / "other.yaml"
    other.write_text("type: managed_identity\n", encoding="utf-8")
    status, text = run(str(other))
    assert status == 0
    assert f"source: {other} (the FILE argument; AZAUTH_CONFIG={config} is not used)" in text
    assert "AZAUTH_* variables laid over it: AZAUTH_PROFILES__MI__TYPE" in text


def test_profile_order_argument_then_azauth_profile_then_default_profile_then_default(
    config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, r = report(str(config))
    assert r["profile"] == {"name": "app", "reason": "the document's default_profile"}
    monkeypatch.setenv("AZAUTH_PROFILE", "mi")
    _, r = report(str(config))
    assert r["profile"] == {"name": "mi", "reason": "AZAUTH_PROFILE is set"}
    _, r = report(str(config), "--profile", "pod")
    assert r["profile"] == {"name": "pod", "reason": "the --profile argument"}
    monkeypatch.delenv("AZAUTH_PROFILE")
    short = tmp_path / "short.json"
    short.write_text('{"type": "managed_identity"}', encoding="utf-8")
    _, r = report(str(short))
    assert r["profile"]["name"] == "default" and r["credential"]["where"] == "(top level)"


# --------------------------------------------------------------------------------------------- the tree


def test_chain_expanded_and_profile_reference_followed(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI_SECRET", ENV_SECRET)
    status, r = report(str(config))
    root = r["credential"]
    assert status == 0 and r["ready"] is True
    assert (root["type"], root["class"], root["profile"]) == ("chain", "ChainedTokenCredential", "app")
    environment, reference = root["members"]
    assert environment["class"] == "EnvironmentCredential" and environment["ready"] is False
    assert environment["buildable"] is True  # unavailable at token time: the chain moves on
    assert reference["type"] == "profile" and reference["note"] == "uses profile 'ci'"
    (target,) = reference["members"]
    assert (target["class"], target["profile"], target["where"]) == ("ClientSecretCredential", "ci", "profiles.ci")
    found = inputs(target)
    assert found["tenant_id"] == {**found["tenant_id"], "source": "${CI_TENANT}", "status": "contoso.onmicrosoft.com"}
    assert found["client_secret"]["source"] == "env CI_SECRET" and found["client_secret"]["status"] == "set"
    status, text = run(str(config))
    assert "ChainedTokenCredential [chain, profile 'app'] at profiles.app: ready" in text
    assert "(first ready member: ClientSecretCredential)" in text
    assert_no_secret(text)


def test_builtin_profiles_are_marked_and_shadowing_is_reported(config: Path) -> None:
    _, r = report(str(config), "--profile", "prod")
    assert r["shadowed_builtin_profiles"] == ["prod"]
    assert r["credential"]["builtin"] is False and r["credential"]["where"] == "profiles.prod"
    _, text = run(str(config), "--profile", "prod")
    assert "the document's profile 'prod' replaces the built-in profile 'prod'" in text
    status, r = report("--profile", "prod")
    root = r["credential"]
    assert status == 0 and root["builtin"] is True and root["where"] == "built-in prod"
    assert (root["type"], root["class"]) == ("default", "DefaultAzureCredential")
    assert [m["class"] for m in root["members"]] == [
        "EnvironmentCredential",
        "WorkloadIdentityCredential",
        "ManagedIdentityCredential",
    ]
    assert all(m["builtin"] for m in root["members"])
    # WorkloadIdentityCredential refuses to be built without its variables: in the chain it is unavailable, so
    # the profile is ready as long as another member is (IMDS may answer), as azauth token finds
    assert root["buildable"] is True and root["members"][1]["buildable"] is False and root["ready"] is True
    assert [e["class"] for e in root["excluded"]][:2] == ["SharedTokenCacheCredential", "AzureCliCredential"]


def test_developer_tools_are_looked_up_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tools = tmp_path / "bin"
    tools.mkdir()
    az = tools / "az"
    az.write_text("#!/bin/sh\n", encoding="utf-8")
    az.chmod(az.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", str(tools))
    _, r = report("--profile", "dev")
    members = {m["type"]: m for m in r["credential"]["members"]}
    assert inputs(members["azure_cli"])["az"] == {**inputs(members["azure_cli"])["az"], "status": str(az), "ok": True}
    assert members["azure_cli"]["ready"] is True and members["azure_cli"]["note"] is None
    azd = members["azure_developer_cli"]
    assert inputs(azd)["azd"]["status"].startswith("not found (install: https://aka.ms/azure-dev)")
    assert (azd["ready"], azd["buildable"]) == (False, True)  # unavailable, not "cannot be built"
    assert (members["azure_powershell"]["ready"], members["azure_powershell"]["buildable"]) == (False, True)
    text = run("--profile", "dev")[1]
    assert "AzureDeveloperCliCredential [azure_developer_cli, built-in] at built-in dev member 4: unavailable" in text
    assert "ManagedIdentityCredential" in [e["class"] for e in r["credential"]["excluded"]]


# ------------------------------------------------------------------------------ inputs from the environment


def test_environment_credential_variables(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, r = report(str(config), "--profile", "app")
    environment = r["credential"]["members"][0]
    assert inputs(environment)["configuration"]["status"] == "no complete set of variables"
    monkeypatch.setenv("AZURE_TENANT_ID", "contoso.onmicrosoft.com")
    monkeypatch.setenv("AZURE_CLIENT_ID", "app-id")
    monkeypatch.setenv("AZURE_CLIENT_SECRET", AZURE_SECRET)
    status, text = run(str(config), "--profile", "app")
    assert status == 1  # CI_SECRET, used by the profile 'ci', is unset: the chain cannot be built
    assert "EnvironmentCredential [environment] at profiles.app.credentials[0]: ready" in text
    assert "- a service principal with a secret (env): used" in text
    assert "- AZURE_CLIENT_SECRET (env): set" in text and "- AZURE_CLIENT_ID (env): app-id" in text
    assert_no_secret(text)


def test_workload_identity_token_file(config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    status, r = report(str(config), "--profile", "pod")
    assert status == 1 and r["credential"]["buildable"] is False
    assert inputs(r["credential"])["AZURE_FEDERATED_TOKEN_FILE"]["status"] == "unset"
    token_file = tmp_path / "token"
    monkeypatch.setenv("AZURE_TENANT_ID", "contoso.onmicrosoft.com")
    monkeypatch.setenv("AZURE_CLIENT_ID", "app-id")
    monkeypatch.setenv("AZURE_FEDERATED_TOKEN_FILE", str(token_file))
    status, r = report(str(config), "--profile", "pod")
    found = inputs(r["credential"])["AZURE_FEDERATED_TOKEN_FILE"]
    assert status == 1 and found["status"] == f"{token_file} (missing)" and r["credential"]["buildable"] is True
    token_file.write_text("a.b.c", encoding="utf-8")
    status, r = report(str(config), "--profile", "pod")
    assert status == 0 and inputs(r["credential"])["AZURE_FEDERATED_TOKEN_FILE"]["status"].endswith("(exists)")


def test_managed_identity_host_detection(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    status, text = run(str(config), "--profile", "mi")
    assert status == 0 and "- host (env): IMDS at http://169.254.169.254" in text
    monkeypatch.setenv("IDENTITY_ENDPOINT", "http://127.0.0.1:41741/msi/token")
    status, text = run(str(config), "--profile", "mi")
    assert status == 1 and "IDENTITY_ENDPOINT is set without IDENTITY_HEADER or IMDS_ENDPOINT  <- missing" in text
    monkeypatch.setenv("IDENTITY_HEADER", HEADER_SECRET)
    status, text = run(str(config), "--profile", "mi")
    assert status == 0
    assert "- host (env IDENTITY_ENDPOINT, IDENTITY_HEADER): App Service at http://127.0.0.1:41741/msi/token" in text
    assert_no_secret(text)


# ----------------------------------------------------------------------------------------- missing inputs


def test_missing_secret_sources_exit_1(config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    status, text = run(str(config), "--profile", "ci")
    assert status == 1
    assert "- client_secret (env CI_SECRET): unset  <- missing, the credential cannot be built" in text
    status, text = run(str(config), "--profile", "mounted")
    assert status == 1 and "- client_secret (file secret.txt): missing" in text
    (tmp_path / "secret.txt").write_text(FILE_SECRET + "\n", encoding="utf-8")
    status, text = run(str(config), "--profile", "mounted")
    assert status == 0 and "- client_secret (file secret.txt): exists" in text
    assert_no_secret(text)


def test_unset_variable_is_reported_with_the_config_error_rendering(tmp_path: Path) -> None:
    path = tmp_path / "ref.yaml"
    path.write_text("type: managed_identity\nclient_id: ${APP_IDENTITY_CLIENT_ID}\n", encoding="utf-8")
    status, text = run(str(path))
    assert status == 1
    assert "- client_id (${APP_IDENTITY_CLIENT_ID}): unset  <- missing" in text
    assert "invalid configuration:" in text
    assert f"{path}:2:12: client_id: environment variable APP_IDENTITY_CLIENT_ID is not set" in text


def test_invalid_or_missing_file_exits_1(tmp_path: Path) -> None:
    status, text = run(str(tmp_path / "nope.yaml"))
    assert status == 1 and "file not found" in text
    bad = tmp_path / "bad.yaml"
    bad.write_text("profiles:\n  a:\n    type: client_secrt\n", encoding="utf-8")
    status, r = report(str(bad), "--profile", "a")
    assert status == 1 and "did you mean 'client_secret'" in r["problems"][0]["message"]
    assert r["credential"]["note"] == "unknown credential type 'client_secrt'"


def test_usage_errors_exit_2() -> None:
    assert main(["explain", "--format", "xml"], io.StringIO()) == 2
    assert main(["explain", "a.yaml", "b.yaml"], io.StringIO()) == 2


# ------------------------------------------------------------------------------------------ no secrets


def test_no_secret_value_in_any_output(config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "secret.txt").write_text(FILE_SECRET, encoding="utf-8")
    monkeypatch.setenv("CI_SECRET", ENV_SECRET)
    monkeypatch.setenv("AZURE_CLIENT_SECRET", AZURE_SECRET)
    monkeypatch.setenv("AZURE_TENANT_ID", "t")
    monkeypatch.setenv("AZURE_CLIENT_ID", "c")
    monkeypatch.setenv("MSI_ENDPOINT", "http://127.0.0.1:1/token")
    monkeypatch.setenv("MSI_SECRET", HEADER_SECRET)
    for profile in ("app", "ci", "literal", "mounted", "pod", "mi", "prod", "default", "dev"):
        for output in ("text", "json"):
            _, text = run(str(config), "--profile", profile, "--format", output)
            assert_no_secret(text)
    _, text = run(str(config), "--profile", "literal")
    assert "- client_secret (auth.yaml:19): set (literal)" in text
    assert "warning: profiles.literal.client_secret: a literal secret" in text


def test_explain_makes_no_request_starts_no_process_writes_nothing(
    config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("side effect")

    monkeypatch.setattr(socket.socket, "connect", forbidden)
    monkeypatch.setattr(subprocess.Popen, "__init__", forbidden)
    before = sorted(os.listdir(tmp_path))
    for profile in ("app", "mi", "pod", "prod", "dev"):
        run(str(config), "--profile", profile)
    assert sorted(os.listdir(tmp_path)) == before


# ------------------------------------------------------------------- DefaultAzureCredential: predict, probe


def test_default_credential_prediction_makes_no_request(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no developer tool
    monkeypatch.setenv("AZURE_TOKEN_CREDENTIALS", "prod")
    monkeypatch.setenv("AZURE_TENANT_ID", "contoso.onmicrosoft.com")
    monkeypatch.setenv("AZURE_CLIENT_ID", "app-id")
    monkeypatch.setenv("AZURE_CLIENT_SECRET", AZURE_SECRET)

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("side effect")

    monkeypatch.setattr(socket.socket, "connect", forbidden)
    monkeypatch.setattr(subprocess.Popen, "__init__", forbidden)
    status, r = report()
    root = r["credential"]
    assert status == 0 and (root["type"], root["profile"]) == ("default", "default")
    assert [m["class"] for m in root["members"]] == [
        "EnvironmentCredential",
        "WorkloadIdentityCredential",
        "ManagedIdentityCredential",
    ]
    assert {e["class"]: e["reason"] for e in root["excluded"]}["AzureCliCredential"] == "AZURE_TOKEN_CREDENTIALS=prod"
    workload = root["members"][1]
    assert workload["ready"] is False and "ruled out without a request or process" in workload["note"]
    _, text = run()
    assert "DefaultAzureCredential [default, built-in profile 'default'] at built-in default: ready" in text
    assert "(first ready member: EnvironmentCredential)" in text
    assert "AzureCliCredential: excluded (AZURE_TOKEN_CREDENTIALS=prod)" in text
    assert_no_secret(text)
    monkeypatch.setenv("AZURE_TOKEN_CREDENTIALS", "nonsense")
    status, text = run()
    assert status == 1 and "Invalid value for AZURE_TOKEN_CREDENTIALS: 'nonsense'" in text


def test_probe_asks_and_says_who_answered(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from azauth.emulator import Emulator

    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))
    with Emulator() as emu:
        monkeypatch.setenv("AZURE_POD_IDENTITY_AUTHORITY_HOST", emu.mi.refused_endpoint)
        status, text = run("--probe")
        assert status == 1 and "probe (https://management.azure.com/.default):\n  no token:" in text
        assert "DefaultAzureCredential failed to retrieve a token" in text
        monkeypatch.setenv("AZURE_TENANT_ID", emu.tenant_id)
        monkeypatch.setenv("AZURE_CLIENT_ID", emu.client_id)
        monkeypatch.setenv("AZURE_CLIENT_SECRET", emu.client_secret)
        monkeypatch.setenv("AZURE_AUTHORITY_HOST", emu.authority)
        monkeypatch.setenv("AZAUTH_DEFAULTS__HTTP__VERIFY", emu.ca_path)
        status, text = run("--probe")
        assert status == 0, text
        assert "answered by EnvironmentCredential (through DefaultAzureCredential)" in text
        status, r = report("--probe", "--scope", "https://vault.azure.net/.default")
        assert status == 0 and r["probe"]["ok"] is True and r["probe"]["answered"] == "EnvironmentCredential"
        assert r["probe"]["via"] == ["DefaultAzureCredential"]
        assert emu.count("token") == 2
        assert emu.client_secret not in text and "accessToken" not in json.dumps(r)
