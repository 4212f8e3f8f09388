"""The CLI a new user meets: python -m azauth, plain --help, one-line errors, explain's value sources, the
emulator command's port, identities, state file, CA bundle and formats."""

from __future__ import annotations

import io
import json
import os
import ssl
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from azauth.cli.main import COMMANDS, main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("AZAUTH_", "AZURE_")) and name != "AZAUTH_TEST_REQUIRE_TOOLS":
            monkeypatch.delenv(name)


def test_python_dash_m_azauth_runs_the_command_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "azauth", "--version"], capture_output=True, text=True, timeout=60, check=False, cwd=ROOT
    )
    assert done.returncode == 0 and done.stdout.startswith("azauth ")


@pytest.mark.parametrize("command", list(COMMANDS))
def test_help_has_no_rest_markup(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, "--help"]) == 0
    text = capsys.readouterr().out
    assert "``" not in text and ":func:" not in text and ":class:" not in text and ":mod:" not in text


def test_a_user_error_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    out = io.StringIO()
    assert main(["demo", "--scope", "not a scope"], out) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1
    assert err.startswith("azauth demo: error: An invalid scope was provided")
    assert "troubleshooting: docs/troubleshooting.md#command-line-errors" in err


def test_explain_says_where_each_value_came_from(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "auth.yaml"
    path.write_text(
        "defaults:\n"
        "  authority: government\n"
        "profiles:\n"
        "  app:\n"
        "    type: client_secret\n"
        "    tenant_id: contoso.onmicrosoft.com\n"
        "    client_id: from-file\n"
        "    client_secret: {env: APP_SECRET}\n"
        "  mi:\n"
        "    type: managed_identity\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("AZAUTH_PROFILES__APP__CLIENT_ID", "from-env")
    out = io.StringIO()
    main(["explain", str(path), "--profile", "app"], out)
    text = out.getvalue()
    assert "- tenant_id (auth.yaml:6): contoso.onmicrosoft.com" in text
    assert "- client_id (env AZAUTH_PROFILES__APP__CLIENT_ID): from-env" in text
    assert "- client_secret (env APP_SECRET): unset" in text
    assert "- authority (defaults.authority, auth.yaml:2): government" in text
    out = io.StringIO()
    main(["explain", "--profile", "prod"], out)  # AZAUTH_* variables only: the built-in profile
    assert "built-in profile 'prod'" in out.getvalue()
    path.write_text("type: client_secret\ntenant_id: t\nclient_id: c\nclient_secret: {env: S}\n", encoding="utf-8")
    monkeypatch.delenv("AZAUTH_PROFILES__APP__CLIENT_ID")
    out = io.StringIO()
    main(["explain", str(path)], out)
    assert "- authority (default): login.microsoftonline.com (the public cloud)" in out.getvalue()


def test_emulator_keeps_identities_and_port_in_a_state_file(tmp_path: Path) -> None:
    state = tmp_path / "emulator.json"
    out = io.StringIO()
    assert main(["emulator", "--duration", "0", "--format", "json", "--state", str(state)], out) == 0
    first = json.loads(out.getvalue())
    saved = json.loads(state.read_text(encoding="utf-8"))
    assert saved["tenant_id"] == first["config"]["profiles"]["emulator"]["tenant_id"]
    assert first["authority"] == f"https://127.0.0.1:{saved['port']}"
    out = io.StringIO()
    assert main(["emulator", "--duration", "0", "--format", "json", "--state", str(state)], out) == 0
    second = json.loads(out.getvalue())
    assert second["config"] == first["config"] and second["environment"] == first["environment"]
    bundle = second["environment"]["REQUESTS_CA_BUNDLE"]
    assert bundle == str(tmp_path / "emulator-ca.pem") and os.path.isfile(bundle)


def test_emulator_identities_from_arguments_and_yaml_that_validates(tmp_path: Path) -> None:
    out = io.StringIO()
    argv = ["emulator", "--duration", "0", "--format", "yaml", "--tenant-id", "11111111-2222-3333-4444-555555555555"]
    argv += ["--client-id", "my-app", "--client-secret", "my-emulated-secret"]
    assert main(argv, out) == 0
    text = out.getvalue()
    document = yaml.safe_load(text)
    profile = document["profiles"]["emulator"]
    assert profile["tenant_id"] == "11111111-2222-3333-4444-555555555555" and profile["client_id"] == "my-app"
    assert "export AZURE_CLIENT_SECRET=my-emulated-secret" in text
    path = tmp_path / "auth.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["validate", str(path)], io.StringIO()) == 0


def test_emulator_port_and_env_format(capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    out = io.StringIO()
    assert main(["emulator", "--duration", "0", "--port", str(port)], out) == 0
    assert f"export AZURE_AUTHORITY_HOST=https://127.0.0.1:{port}\n" in out.getvalue()
    assert "#       type: client_secret\n" in out.getvalue()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        assert main(["emulator", "--duration", "0", "--port", str(taken)], io.StringIO()) == 2
    err = capsys.readouterr().err
    assert err.startswith("azauth emulator: error: ") and "Traceback" not in err


def test_the_ca_bundle_holds_the_system_cas_and_the_emulators(tmp_path: Path) -> None:
    from azauth.emulator import Emulator

    with Emulator() as emu:
        bundle = Path(emu.ca_bundle_path).read_text(encoding="ascii")
        own = Path(emu.ca_path).read_text(encoding="ascii")
        assert emu.environ()["REQUESTS_CA_BUNDLE"] == emu.environ()["SSL_CERT_FILE"] == emu.ca_bundle_path
        assert bundle.endswith(own) and bundle.count("BEGIN CERTIFICATE") > 10
        context = ssl.create_default_context(cafile=emu.ca_bundle_path)
        assert len(context.get_ca_certs()) == bundle.count("BEGIN CERTIFICATE")


def test_validate_github_format_can_leave_out_notes(tmp_path: Path) -> None:
    path = tmp_path / "auth.yaml"
    path.write_text(
        "type: client_secret\ntenant_id: ${TENANT}\nclient_id: c\nclient_secret: {env: S}\nauthority: http://insecure.example\n",
        encoding="utf-8",
    )
    out = io.StringIO()
    main(["validate", "--format", "github", str(path)], out)
    assert out.getvalue().count("::notice ") == 2
    out = io.StringIO()
    assert main(["validate", "--format", "github", "--quiet-notes", str(path)], out) == 1
    lines = out.getvalue().splitlines()
    assert len(lines) == 1 and lines[0].startswith("::error ") and "authority" in lines[0]
