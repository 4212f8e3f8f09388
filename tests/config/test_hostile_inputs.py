"""Issue 13: hostile configuration input ends in a located ``ConfigError`` in bounded work, counted (profile
scans, constructions, bytes allocated), never timed; a generous join timeout only turns a hang into a failure.

Defects 4 (exponential profile references), 5 (FIFOs), 7 (cheap input, costly refusal), 8 (over-long
integers), 11 (infinite numbers), 14 (a literal secret's ``${`` fragment), 16 (control characters in keys).
"""

from __future__ import annotations

import contextlib
import os
import threading
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from config_helpers import SECRET

import azauth
import azauth.config.profiles
from azauth.cli.main import main as cli
from azauth.config import load_config
from azauth.config.sources import MAX_VALUES
from azauth.errors import ConfigError

Write = Callable[..., Path]
SAFETY_TIMEOUT = 60.0


def bounded(call: Callable[[], Any]) -> Any:
    """``call()``'s result or exception, failing the test if it does not return (a hang)."""
    outcome: list[Any] = []

    def target() -> None:
        try:
            outcome.append(call())
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(SAFETY_TIMEOUT)
    if thread.is_alive():
        pytest.fail("did not return: a hang")
    return outcome[0]


def config_error(call: Callable[[], Any]) -> ConfigError:
    result = bounded(call)
    assert isinstance(result, ConfigError), repr(result)
    return result


def peak_bytes(call: Callable[[], Any]) -> int:
    """Peak memory allocated while ``call`` runs (tracemalloc): a count of bytes, not a duration."""
    tracemalloc.start()
    try:
        with contextlib.suppress(ConfigError):
            call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# ------------------------------------------------------------------------------- profile references


def chained_references(profiles: int, width: int) -> str:
    lines = ["version: 1", "profiles:"]
    for i in range(profiles):
        if i == profiles - 1:
            lines.append(f"  p{i}: {{type: managed_identity}}")
        else:
            refs = ", ".join(f"{{type: profile, name: p{i + 1}}}" for _ in range(width))
            lines.append(f"  p{i}: {{type: chain, credentials: [{refs}]}}")
    return "\n".join(lines) + "\n"


def test_profile_references_are_checked_once_per_profile(write: Write, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write("refs.yaml", chained_references(8, 30))  # 6 KB; 30**7 walks when followed naively
    scans: list[str] = []
    real = azauth.config.profiles._scan_profile

    def counting(value: Any, where: Any, report: Any) -> Any:
        scans.append(where[-1])
        return real(value, where, report)

    monkeypatch.setattr(azauth.config.profiles, "_scan_profile", counting)
    document = bounded(lambda: load_config(path, environ={}))
    assert not isinstance(document, BaseException), document
    assert sorted(scans) == sorted(f"p{i}" for i in range(8))


def test_a_profile_is_built_once_however_often_it_is_referenced(write: Write, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write("refs.yaml", chained_references(8, 30))
    built: list[int] = []
    real_init = azauth.ManagedIdentityCredential.__init__

    def counting(self: Any, *args: Any, **kwargs: Any) -> None:
        built.append(1)
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(azauth.ManagedIdentityCredential, "__init__", counting)
    credential = bounded(lambda: azauth.credential_from_config(path, profile="p0", environ={}))
    assert isinstance(credential, azauth.ChainedTokenCredential)
    assert len(built) == 1
    credential.close()


def test_a_thousand_chained_references_are_no_recursion_error(write: Write) -> None:
    lines = ["version: 1", "profiles:"]
    lines += [f"  p{i}: {{type: profile, name: p{i + 1}}}" for i in range(1100)]
    lines.append("  p1100: {type: managed_identity}")
    path = write("long.yaml", "\n".join(lines) + "\n")
    credential = bounded(lambda: azauth.credential_from_config(path, profile="p0", environ={}))
    assert isinstance(credential, azauth.ManagedIdentityCredential)
    credential.close()
    lines[-1] = "  p1100: {type: profile, name: p0}"
    error = config_error(lambda: load_config(write("cycle.yaml", "\n".join(lines) + "\n"), environ={}))
    assert all("cycle" in p.message for p in error.problems)
    assert len(error.problems) == 1101  # every reference of the cycle, each once


def test_too_deep_through_references_is_reported_once(write: Write) -> None:
    error = config_error(lambda: load_config(write("deep.yaml", chained_references(11, 2)), environ={}))
    # where the nesting crosses the limit (p1's references to p2, 1 + 8 levels), not again at every referrer
    assert sorted(p.path for p in error.problems) == [f"profiles.p1.credentials[{i}].name" for i in (0, 1)]
    assert all("nested more than 8 deep (through 'p2')" in p.message for p in error.problems)


# ------------------------------------------------------------------------------------- size limits


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("merge.yaml", "a: &a {<<: *a}\n"),
        ("list.yaml", "&a [*a]\n"),
        ("nested.yaml", "a: &a [*a, *a]\nb: *a\n"),
        ("merge2.yaml", "version: 1\nx-a: &a {<<: [*a, *a], b: 1}\n"),
    ],
)
def test_self_referencing_aliases_are_refused_cheaply(write: Write, name: str, text: str) -> None:
    path = write(name, text)
    config_error(lambda: load_config(path, environ={}))
    assert peak_bytes(lambda: load_config(path, environ={})) < 20 << 20


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("many.json", '{"version": 1, "x-a": [' + ",".join(["0"] * 400_000) + "]}"),
        ("many.toml", "version = 1\nx-a = [" + ",".join(["0"] * 400_000) + "]\n"),
        ("many.yaml", "version: 1\nx-a: [" + ",".join(["0"] * 200_000) + "]\n"),
        ("objects.json", '{"version": 1, "x-a": [' + ",".join(['{"k": 1}'] * 50_000) + "]}"),
    ],
)
def test_documents_with_too_many_values_are_refused_early(write: Write, name: str, text: str) -> None:
    path = write(name, text)
    error = config_error(lambda: load_config(path, environ={}))
    assert f"more than {MAX_VALUES} values" in str(error)
    assert peak_bytes(lambda: load_config(path, environ={})) < 40 << 20


def test_validate_refuses_a_json_document_over_the_documented_limit(write: Write) -> None:
    path = write("big.json", '{"version": 1, "x-a": [' + ",".join(["0"] * (MAX_VALUES + 10)) + "]}")
    assert cli(["validate", str(path)]) == 1


@pytest.mark.parametrize("depth", [40, 5_000, 100_000])
def test_deep_json_in_an_azauth_variable_is_a_config_error(depth: int) -> None:
    environ = {"AZAUTH_DEFAULTS__HTTP__PROXIES": "[" * depth + "]" * depth}
    error = config_error(lambda: load_config(None, environ=environ))
    assert "nest" in str(error)


def test_too_many_values_in_azauth_variables(write: Write) -> None:
    environ = {"AZAUTH_PROFILES__A__CREDENTIALS": "[" + ",".join(['{"type": "azure_cli"}'] * 20_000) + "]"}
    assert "values" in str(config_error(lambda: load_config(None, environ=environ)))


def test_a_deep_python_mapping_is_a_config_error() -> None:
    data: dict[str, Any] = {}
    inner = data
    for _ in range(5_000):
        inner["a"] = {}
        inner = inner["a"]
    assert "nest" in str(config_error(lambda: load_config(data, environ={})))


@pytest.mark.parametrize(
    ("name", "text", "line"),
    [
        ("n.json", '{\n"version": 1,\n"x-n": ' + "9" * 5000 + "}", 3),
        ("n.toml", "version = 1\nx-n = " + "9" * 5000 + "\n", 2),
        ("n.yaml", "version: 1\nx-n: " + "9" * 5000 + "\n", 2),
    ],
)
def test_integers_longer_than_python_converts_are_located(write: Write, name: str, text: str, line: int) -> None:
    error = config_error(lambda: load_config(write(name, text), environ={}))
    assert "more than 4300 digits" in str(error)
    assert error.problems[0].line == line


def test_validate_keeps_checking_after_an_over_long_integer(write: Write, capsys: pytest.CaptureFixture[str]) -> None:
    bad = write("bad.json", '{"version": ' + "9" * 5000 + "}")
    good = write("good.yaml", "version: 1\nprofiles:\n  a: {type: managed_identity}\n")
    assert cli(["validate", str(bad), str(good)]) == 1
    out = capsys.readouterr().out
    assert "good.yaml: valid" in out and "Traceback" not in out


# ------------------------------------------------------------------------------------------ numbers


@pytest.mark.parametrize("value", [".inf", "-.inf", ".nan", "1e999", "86401", "0"])
def test_http_timeout_is_finite_and_bounded(write: Write, value: str) -> None:
    path = write("t.yaml", f"version: 1\ndefaults:\n  http:\n    timeout: {value}\n")
    error = config_error(lambda: load_config(path, environ={}))
    assert error.problems[0].path == "defaults.http.timeout" and error.problems[0].line == 4


@pytest.mark.parametrize("value", ["inf", "nan", "-inf", "1e999"])
def test_timeout_from_a_variable_is_finite(value: str) -> None:
    error = config_error(lambda: load_config(None, environ={"AZAUTH_DEFAULTS__HTTP__TIMEOUT": value}))
    assert "AZAUTH_DEFAULTS__HTTP__TIMEOUT" in str(error)


@pytest.mark.parametrize("value", [".inf", ".nan", "1e12"])
def test_a_derived_seconds_parameter_is_finite_and_bounded(write: Write, value: str) -> None:
    path = write("d.yaml", f"version: 1\nprofiles:\n  mi: {{type: managed_identity, deadline: {value}}}\n")
    assert config_error(lambda: load_config(path, environ={})).problems[0].path == "profiles.mi.deadline"


@pytest.mark.parametrize("name", ["connection_timeout", "read_timeout", "retry_backoff_max"])
@pytest.mark.parametrize("value", [float("inf"), float("nan"), -1.0, 1e9])
def test_keyword_numbers_are_finite_and_bounded(name: str, value: float) -> None:
    with pytest.raises(ValueError, match=name):
        azauth.ClientSecretCredential("tenant", "client", "secret", **{name: value})
    with pytest.raises(ValueError, match=name):
        azauth.ManagedIdentityCredential(environ={}, **{name: value})


@pytest.mark.parametrize("name", ["deadline", "probe_timeout"])
def test_managed_identity_seconds_are_finite(name: str) -> None:
    with pytest.raises(ValueError, match=f"{name} must be a positive, finite"):
        azauth.ManagedIdentityCredential(environ={}, **{name: float("inf")})


# ------------------------------------------------------------------------------------ secrets, output


@pytest.mark.parametrize("fragment", ["${Tail Of The Secret", "${not a name}", "${X:?boom}", "x${abc def}y"])
def test_a_literal_secret_with_a_dollar_brace_is_not_echoed(write: Write, fragment: str) -> None:
    secret = "Zq" + fragment + "9w"
    text = (
        "version: 1\nprofiles:\n  app:\n    type: client_secret\n    tenant_id: t\n    client_id: c\n"
        f"    client_secret: '{secret}'\n"
    )
    error = config_error(lambda: load_config(write("s.yaml", text), environ={}))
    message = str(error)
    assert error.problems[0].path == "profiles.app.client_secret"
    for piece in (secret, fragment, fragment.strip("${}xy"), "Tail Of", "abc def", "boom"):
        assert piece not in message


def test_a_whole_reference_in_a_secret_field_still_names_its_variable(write: Write) -> None:
    text = "profiles:\n  app: {type: client_secret, tenant_id: t, client_id: c, client_secret: '${APP_SECRET}'}\n"
    assert "APP_SECRET is not set" in str(config_error(lambda: load_config(write("s.yaml", text), environ={})))


@pytest.mark.parametrize("key", ['"evil\\nline"', '"\\e[31mred"', '"bidi\\u202ename"', '"a\\rb"'])
def test_control_characters_in_key_names_cannot_forge_output(
    write: Write, capsys: pytest.CaptureFixture[str], key: str
) -> None:
    path = write("k.yaml", f"version: 1\nprofiles:\n  app:\n    type: managed_identity\n    {key}: 1\n")
    for output_format in ("text", "github"):
        assert cli(["validate", "--format", output_format, str(path)]) == 1
        out = capsys.readouterr().out
        assert "\x1b" not in out and "\r" not in out and "\u202e" not in out
        problem_lines = [line for line in out.splitlines() if "unknown key" in line]
        assert len(problem_lines) == 1  # one line per problem: no forged second line
        if output_format == "github":
            assert all(line.startswith(("::", f"{path}")) for line in out.splitlines() if line)


# ------------------------------------------------------------------------------------------- FIFOs


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_fifo_as_the_configuration_file_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "auth.yaml"
    os.mkfifo(fifo)
    error = config_error(lambda: load_config(fifo, environ={}))
    assert "not a regular file" in str(error)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_fifo_as_a_secret_file_is_refused(write: Write, tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "secret.txt")
    path = write(
        "auth.yaml",
        "profiles:\n  app: {type: client_secret, tenant_id: t, client_id: c, client_secret: {file: secret.txt}}\n",
    )
    error = config_error(lambda: azauth.credential_from_config(path, profile="app", environ={}))
    assert "not a regular file" in str(error) and SECRET not in str(error)
