"""``azauth validate`` and ``azauth schema``, called through ``main()`` and once as a real process."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from azauth.cli.main import COMMANDS, main
from azauth.config.schema import render_schema

SECRET = "s3cr3t~DoNotEcho~7f3a9"

VALID = """\
version: 1
profiles:
  ci:
    type: client_secret
    tenant_id: ${AZURE_TENANT_ID}
    client_id: c
    client_secret: {env: CI_SECRET}
"""
LITERAL = f"type: client_secret\ntenant_id: t\nclient_id: c\nclient_secret: {SECRET}\n"
INVALID = "profiles:\n  app:\n    type: client_secret\n    tenant_id: t\n    client_id: 42\n    clientsecret: x\n"


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    status = main(list(argv), out)
    return status, out.getvalue()


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {}
    for name, text in {"valid.yaml": VALID, "literal.yaml": LITERAL, "invalid.yaml": INVALID}.items():
        paths[name] = tmp_path / name
        paths[name].write_text(text, encoding="utf-8")
    return paths


def test_valid_file_exits_0_with_notes(files: dict[str, Path]) -> None:
    status, out = run("validate", str(files["valid.yaml"]))
    assert status == 0
    assert f"{files['valid.yaml']}:5:16: note: profiles.ci.tenant_id: uses ${{AZURE_TENANT_ID}}" in out
    assert out.endswith("valid (2 notes)\n")


def test_invalid_file_exits_1_and_reports_every_problem(files: dict[str, Path]) -> None:
    status, out = run("validate", str(files["valid.yaml"]), str(files["invalid.yaml"]))
    assert status == 1
    assert f"{files['invalid.yaml']}:5:16: profiles.app.client_id: must be a string, not a number" in out
    assert "unknown key 'clientsecret' (did you mean 'client_secret'?)" in out
    assert "missing required key 'client_secret'" in out


def test_literal_secret_warns_and_strict_fails(files: dict[str, Path]) -> None:
    status, out = run("validate", str(files["literal.yaml"]))
    assert status == 0 and "warning: client_secret: a literal secret" in out
    status, out = run("validate", "--strict", str(files["literal.yaml"]))
    assert status == 1 and SECRET not in out


def test_resolve_reads_the_environment(files: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AZURE_TENANT_ID", raising=False)
    monkeypatch.delenv("CI_SECRET", raising=False)
    status, out = run("validate", "--resolve", str(files["valid.yaml"]))
    assert status == 1
    assert "AZURE_TENANT_ID is not set" in out
    monkeypatch.setenv("AZURE_TENANT_ID", "contoso.com")
    monkeypatch.setenv("CI_SECRET", SECRET)
    status, out = run("validate", "--resolve", str(files["valid.yaml"]))
    assert status == 0 and SECRET not in out


def test_json_format(files: dict[str, Path]) -> None:
    status, out = run("validate", "--format", "json", str(files["invalid.yaml"]), str(files["valid.yaml"]))
    report = json.loads(out)
    assert status == 1 and report["valid"] is False
    first = report["files"][0]
    assert first["valid"] is False
    assert {"file", "line", "column", "path", "severity", "message"} <= set(first["problems"][0])
    assert report["files"][1]["valid"] is True


def test_github_annotations(files: dict[str, Path]) -> None:
    status, out = run("validate", "--format", "github", str(files["invalid.yaml"]))
    assert status == 1
    line = next(x for x in out.splitlines() if "client_id" in x)
    assert line.startswith(f"::error file={files['invalid.yaml']},line=5,col=16,title=azauth profiles.app.client_id::")


def test_missing_file_is_invalid_not_a_crash(tmp_path: Path) -> None:
    status, out = run("validate", str(tmp_path / "nope.yaml"))
    assert status == 1 and "file not found" in out


def test_usage_errors_exit_2() -> None:
    assert run("validate")[0] == 2
    assert run("validate", "x.yaml", "--format", "xml")[0] == 2
    assert run("frobnicate")[0] == 2
    assert run()[0] == 2


def test_validate_writes_nothing_and_starts_nothing(
    files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("side effect")

    monkeypatch.setattr(socket.socket, "connect", forbidden)
    monkeypatch.setattr(subprocess.Popen, "__init__", forbidden)
    before = sorted(os.listdir(tmp_path))
    assert run("validate", "--resolve", *map(str, files.values()))[0] == 1
    assert sorted(os.listdir(tmp_path)) == before


def test_schema_prints_and_writes(tmp_path: Path) -> None:
    status, out = run("schema")
    assert status == 0 and out == render_schema()
    target = tmp_path / "schema.json"
    assert run("schema", "--output", str(target)) == (0, "")
    assert target.read_text(encoding="utf-8") == render_schema()


def test_every_command_module_has_the_interface() -> None:
    import importlib

    for module_name in COMMANDS.values():
        module = importlib.import_module(module_name)
        assert callable(module.configure) and callable(module.run) and module.__doc__


def test_real_process(files: dict[str, Path]) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    done = subprocess.run(
        [sys.executable, "-m", "azauth.cli.main", "validate", "--format", "json", str(files["invalid.yaml"])],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout)["valid"] is False
