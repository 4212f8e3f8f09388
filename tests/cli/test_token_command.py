"""``azauth token``: a token from the configured credential against the loopback emulator."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from azauth.cli.main import main
from azauth.emulator import Emulator
from tests.support import SCOPE

SECRET_VARIABLE = "TOKEN_TEST_SECRET"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("AZAUTH_", "AZURE_", "IDENTITY_", "MSI_")) or name == "IMDS_ENDPOINT":
            monkeypatch.delenv(name)


def write_config(tmp_path: Path, emu: Emulator, profiles: str) -> Path:
    path = tmp_path / "auth.yaml"
    text = (
        "version: 1\n"
        "default_profile: app\n"
        f"defaults: {{authority: '{emu.authority}', http: {{verify: '{emu.ca_path}'}}}}\n"
        "profiles:\n" + profiles
    )
    path.write_text(text, encoding="utf-8")
    return path


def chain_config(tmp_path: Path, emu: Emulator) -> Path:
    return write_config(
        tmp_path,
        emu,
        f"""\
  app:
    type: chain
    credentials:
      - type: environment
      - type: profile
        name: sp
  sp:
    type: client_secret
    tenant_id: {emu.tenant_id}
    client_id: {emu.client_id}
    client_secret: {{env: {SECRET_VARIABLE}}}
""",
    )


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    status = main(["token", *argv], out)
    return status, out.getvalue()


def test_chain_names_the_member_that_answered_and_never_prints_the_token(
    emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(SECRET_VARIABLE, emu.client_secret)
    status, out = run(str(chain_config(tmp_path, emu)), "--scope", SCOPE)
    assert status == 0, capsys.readouterr().err
    assert "credential: ClientSecretCredential (in ChainedTokenCredential)\n" in out
    assert re.search(r"expires: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d local time \(\d+\)", out)
    assert "eyJ" not in out and emu.client_secret not in out
    assert emu.count("token") == 1


def test_json_gives_az_account_get_access_token_fields(
    emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SECRET_VARIABLE, emu.client_secret)
    status, out = run(str(chain_config(tmp_path, emu)), "--scope", SCOPE, "--json")
    report = json.loads(out)
    assert status == 0
    assert set(report) == {"expiresOn", "expires_on", "tenant", "tokenType"}  # the token only with --output tsv
    assert report["tokenType"] == "Bearer" and "eyJ" not in out
    assert isinstance(report["expires_on"], int) and report["tenant"] == emu.tenant_id
    local = datetime.fromtimestamp(report["expires_on"]).strftime("%Y-%m-%d %H:%M:%S.%f")
    assert report["expiresOn"] == local
    assert emu.client_secret not in out
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", "0b1f6471-1bf0-4dda-aec3-cb9272f09590")
    report = json.loads(run(str(chain_config(tmp_path, emu)), "--scope", SCOPE, "-o", "json")[1])
    assert report["subscription"] == "0b1f6471-1bf0-4dda-aec3-cb9272f09590"
    status, out = run(str(chain_config(tmp_path, emu)), "--json", "--subscription", "given")
    assert status == 0 and json.loads(out)["subscription"] == "given"


def test_tsv_prints_the_token_alone(emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_VARIABLE, emu.client_secret)
    status, out = run(str(chain_config(tmp_path, emu)), "--scope", SCOPE, "--output", "tsv")
    assert status == 0 and out.count("\n") == 1
    assert emu.decode_token(out.strip())["aud"] == "https://vault.azure.net"


def test_default_scope_is_arm_and_resource_becomes_a_scope(
    emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SECRET_VARIABLE, emu.client_secret)
    config = str(chain_config(tmp_path, emu))
    status, out = run(config)
    assert status == 0 and "scope: https://management.core.windows.net//.default\n" in out
    status, out = run(config, "--resource", "https://vault.azure.net", "-o", "tsv")
    assert status == 0 and emu.decode_token(out.strip())["aud"] == "https://vault.azure.net"
    scopes = [r.form.get("scope") for r in emu.requests if r.endpoint == "token"]
    assert scopes == ["https://management.core.windows.net//.default", "https://vault.azure.net/.default"]


def test_profile_and_tenant_arguments(
    emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(SECRET_VARIABLE, emu.client_secret)
    config = str(chain_config(tmp_path, emu))
    status, out = run(config, "--profile", "sp", "--scope", SCOPE, "--tenant", emu.tenant_id)
    assert status == 0 and out.startswith("credential: ClientSecretCredential\n")
    status, out = run(config, "--profile", "sp", "--scope", SCOPE, "--tenant", "other-tenant")
    err = capsys.readouterr().err
    assert status == 1 and out == "" and "additionally_allowed_tenants" in err and "Traceback" not in err


def test_authentication_failure_prints_the_message_and_exits_1(
    emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = "Wrong~Secret~h5Rq"
    monkeypatch.setenv(SECRET_VARIABLE, wrong)
    status, out = run(str(chain_config(tmp_path, emu)), "--scope", SCOPE)
    err = capsys.readouterr().err
    assert status == 1 and out == ""
    assert err.count("ChainedTokenCredential failed to retrieve a token") == 1 and "AADSTS" in err
    assert "Traceback" not in err and wrong not in err


def test_configuration_errors_exit_1(tmp_path: Path, emu: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    status, _ = run(str(chain_config(tmp_path, emu)), "--scope", SCOPE)  # TOKEN_TEST_SECRET unset
    err = capsys.readouterr().err
    assert status == 1 and "profiles.sp.client_secret: environment variable TOKEN_TEST_SECRET is not set" in err
    status, _ = run(str(tmp_path / "nope.yaml"), "--scope", SCOPE)
    assert status == 1 and "file not found" in capsys.readouterr().err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["token", "--scope", "a", "--resource", "b"], io.StringIO()) == 2  # one or the other
    assert main(["token", "--scope"], io.StringIO()) == 2
    assert main(["token", "--output", "yaml"], io.StringIO()) == 2


def test_a_bad_scope_is_one_line_and_exit_2(
    emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(SECRET_VARIABLE, emu.client_secret)
    status, out = run(str(chain_config(tmp_path, emu)), "--scope", "not a scope")
    err = capsys.readouterr().err
    assert status == 2 and out == "" and "Traceback" not in err
    assert err.startswith("azauth token: error: ") and err.count("\n") == 1 and "invalid scope" in err


def test_real_process_with_the_environment_pointing_at_the_emulator(emu: Emulator, tmp_path: Path) -> None:
    config = tmp_path / "auth.toml"
    config.write_text(
        'type = "client_secret"\ntenant_id = "${AZURE_TENANT_ID}"\nclient_id = "${AZURE_CLIENT_ID}"\n'
        'client_secret = {env = "AZURE_CLIENT_SECRET"}\nauthority = "${AZURE_AUTHORITY_HOST}"\n',
        encoding="utf-8",
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AZAUTH_", "AZURE_"))},
        **emu.environ(),
        "AZAUTH_CONFIG": str(config),
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }
    done = subprocess.run(
        [sys.executable, "-m", "azauth.cli.main", "token", "--scope", SCOPE, "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["tenant"] == emu.tenant_id and "eyJ" not in done.stdout
    assert emu.client_secret not in done.stdout + done.stderr
    text = subprocess.run(
        [sys.executable, "-m", "azauth.cli.main", "token", "--scope", SCOPE],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert text.returncode == 0, text.stderr
    assert text.stdout.startswith("credential: ClientSecretCredential\n") and "eyJ" not in text.stdout


def test_explain_and_token_agree_on_a_chain_with_an_unbuildable_member(
    emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """WorkloadIdentityCredential cannot be built outside Kubernetes: in the chain it is unavailable, so
    explain says ready (exit 0), and token gets a token through the next member."""
    monkeypatch.setenv(SECRET_VARIABLE, emu.client_secret)
    config = write_config(
        tmp_path,
        emu,
        f"""\
  app:
    type: chain
    credentials:
      - type: workload_identity
      - type: client_secret
        tenant_id: {emu.tenant_id}
        client_id: {emu.client_id}
        client_secret: {{env: {SECRET_VARIABLE}}}
""",
    )
    explained = io.StringIO()
    assert main(["explain", str(config)], explained) == 0, explained.getvalue()
    assert "(first ready member: ClientSecretCredential)" in explained.getvalue()
    status, out = run(str(config), "--scope", SCOPE)
    assert status == 0 and "credential: ClientSecretCredential (in ChainedTokenCredential)\n" in out
    probed = io.StringIO()
    assert main(["explain", str(config), "--probe", "--scope", SCOPE], probed) == 0
    assert "answered by ClientSecretCredential (through ChainedTokenCredential)" in probed.getvalue()
