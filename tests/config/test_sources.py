"""Sources: YAML, TOML, pyproject.toml, JSON, mappings and AZAUTH_* variables; which document and profile."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from config_helpers import SECRET

from azauth.config import load_config
from azauth.config.profiles import select_profile
from azauth.config.values import SecretSource, interpolate, references
from azauth.errors import ConfigError

Write = Callable[..., Path]

YAML = """\
version: 1
default_profile: ci
defaults:
  authority: government
profiles:
  ci:
    type: client_secret
    tenant_id: contoso.com
    client_id: ${CLIENT_ID:-fallback-id}
    client_secret: {env: CI_SECRET}
"""


def test_yaml_document(write: Write) -> None:
    document = load_config(write("auth.yaml", YAML), environ={})
    ci = document.profiles["ci"]
    assert (ci.type, ci.tenant_id, ci.client_id) == ("client_secret", "contoso.com", "fallback-id")
    assert ci.client_secret == SecretSource(env="CI_SECRET")
    assert document.default_profile == "ci" and document.defaults.authority == "government"


def test_toml_document_and_positions(write: Write) -> None:
    text = (
        '[profiles.ci]\ntype = "client_secret"\ntenant_id = "contoso.com"\nclient_id = 5\nclient_secret = {env = "S"}\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_config(write("auth.toml", text), environ={})
    (problem,) = caught.value.problems
    assert (problem.line, problem.column, problem.path) == (4, 13, "profiles.ci.client_id")


def test_toml_array_of_tables_positions(write: Write) -> None:
    text = (
        '[profiles.app]\ntype = "chain"\n\n[[profiles.app.credentials]]\ntype = "profile"\nname = "ci"\n\n'
        '[[profiles.app.credentials]]\ntype = "profile"\nnme = "ci"\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_config(write("auth.toml", text), environ={})
    lines = {(p.line, p.path) for p in caught.value.problems}
    assert (10, "profiles.app.credentials[1].nme") in lines


def test_pyproject_tool_table(write: Write) -> None:
    text = '[project]\nname = "x"\n\n[tool.azauth]\nversion = 1\n\n'
    text += '[tool.azauth.profiles.ci]\ntype = "profile"\nname = "nope"\n'
    with pytest.raises(ConfigError) as caught:
        load_config(write("pyproject.toml", text), environ={})
    (problem,) = caught.value.problems
    assert (Path(problem.file).name, problem.line, problem.path) == ("pyproject.toml", 9, "profiles.ci.name")


def test_pyproject_without_table(write: Write) -> None:
    with pytest.raises(ConfigError, match=r"no \[tool.azauth\] table"):
        load_config(write("pyproject.toml", '[project]\nname = "x"\n'), environ={})


def test_json_document_and_positions(write: Write) -> None:
    text = '{\n  "profiles": {\n    "ci": {\n      "type": "client_secret",\n'
    text += '      "tenant_id": "t",\n      "client_id": true\n    }\n  }\n}\n'
    with pytest.raises(ConfigError) as caught:
        load_config(write("auth.json", text), environ={})
    by_path = {p.path: p.line for p in caught.value.problems}
    assert by_path == {"profiles.ci.client_id": 6, "profiles.ci.client_secret": 3}


def test_short_form_is_the_default_profile(write: Write) -> None:
    text = f"type: client_secret\ntenant_id: t\nclient_id: c\nclient_secret: {SECRET}\n"
    document = load_config(write("auth.yaml", text), environ={})
    assert list(document.profiles) == ["default"]
    assert SECRET not in repr(document) and SECRET not in str(document.model_dump())
    assert SECRET not in document.model_dump_json()


def test_short_form_rejects_document_keys(write: Write) -> None:
    with pytest.raises(ConfigError, match="short-form"):
        load_config(write("auth.yaml", "type: profile\nname: dev\ndefault_profile: x\n"), environ={})


def test_mapping_source() -> None:
    document = load_config(
        {
            "profiles": {
                "a": {"type": "profile", "name": "b"},
                "b": {"type": "profile", "name": "c"},
                "c": {
                    "type": "chain",
                    "credentials": [
                        {"type": "client_secret", "tenant_id": "t", "client_id": "c", "client_secret": "x"}
                    ],
                },
            }
        },
        environ={},
    )
    assert list(document.profiles) == ["a", "b", "c"]


def test_mapping_errors_name_the_field() -> None:
    with pytest.raises(ConfigError) as caught:
        load_config({"profiles": {"a": {"type": "client_secret", "tenant_id": "t"}}}, environ={})
    assert {p.path for p in caught.value.problems} == {"profiles.a.client_id", "profiles.a.client_secret"}
    assert all(p.file == "<mapping>" for p in caught.value.problems)


ENV_ONLY = {
    "AZAUTH_PROFILE": "app",
    "AZAUTH_PROFILES__APP__TYPE": "client_secret",
    "AZAUTH_PROFILES__APP__TENANT_ID": "contoso.com",
    "AZAUTH_PROFILES__APP__CLIENT_ID": "app-id",
    "AZAUTH_PROFILES__APP__CLIENT_SECRET": '{"env": "APP_SECRET"}',
    "AZAUTH_PROFILES__CI__TYPE": "chain",
    "AZAUTH_PROFILES__CI__CREDENTIALS": '[{"type": "profile", "name": "app"}]',
    "AZAUTH_DEFAULTS__HTTP__TIMEOUT": "7.5",
}


def test_environment_only() -> None:
    document = load_config(environ=ENV_ONLY)
    assert document.profiles["app"].client_secret == SecretSource(env="APP_SECRET")
    assert document.profiles["ci"].credentials[0].name == "app"
    assert document.defaults.http.timeout == 7.5
    assert select_profile(None, ENV_ONLY, document) == "app"
    assert select_profile("ci", ENV_ONLY, document) == "ci"


def test_environment_errors_name_the_variable() -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(
            environ={**ENV_ONLY, "AZAUTH_PROFILES__APP__CLIENT_ID": "", "AZAUTH_DEFAULTS__HTTP__RETRIES": "many"}
        )
    assert [p.file for p in caught.value.problems] == ["<env AZAUTH_DEFAULTS__HTTP__RETRIES>"]


def test_environment_overrides_file(write: Write) -> None:
    path = write("auth.yaml", YAML)
    environ = {"AZAUTH_CONFIG": str(path), "AZAUTH_PROFILES__CI__CLIENT_ID": "from-env", "CLIENT_ID": "unused"}
    document = load_config(environ=environ)
    assert document.profiles["ci"].client_id == "from-env"
    assert document.profiles["ci"].tenant_id == "contoso.com"


def test_environment_over_short_form_file(write: Write) -> None:
    path = write("auth.yaml", "type: client_secret\ntenant_id: t\nclient_id: c\nclient_secret: {env: S}\n")
    document = load_config(path, environ={"AZAUTH_PROFILES__DEFAULT__CLIENT_ID": "env-id", "S": "x"})
    assert document.profiles["default"].client_id == "env-id"


def test_explicit_path_beats_azauth_config(write: Write) -> None:
    chosen = write("chosen.yaml", "profiles:\n  chosen: {type: profile, name: nowhere}\n")
    other = write("other.yaml", "profiles:\n  other: {type: profile, name: nowhere}\n")
    with pytest.raises(ConfigError) as caught:  # 'nowhere' is no profile: the error names the file
        load_config(chosen, environ={"AZAUTH_CONFIG": str(other)})
    assert Path(caught.value.problems[0].file).name == "chosen.yaml"


def test_no_source_is_an_empty_document() -> None:
    document = load_config(environ={})
    assert document.profiles == {}
    assert select_profile(None, {}, document) == "default"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain", "plain"),
        ("${A}", "alpha"),
        ("x-${A}-${B:-b}-y", "x-alpha-b-y"),
        ("${EMPTY:-fb}", "fb"),
        ("$$A and $${A}", "$A and ${A}"),
        ("cost: $5", "cost: $5"),
        ("${A:-}", "alpha"),
    ],
)
def test_interpolation(text: str, expected: str) -> None:
    assert interpolate(text, {"A": "alpha", "EMPTY": ""}) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("${MISSING}", "MISSING is not set"),
        ("${A", "without a closing"),
        ("${A B}", "invalid reference"),
        ("${$(rm -rf /)}", "invalid reference"),
        ("${A:?err}", "invalid reference"),
    ],
)
def test_interpolation_errors(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        interpolate(text, {"A": "alpha"})


def test_interpolation_is_a_pure_lookup() -> None:
    assert interpolate("${A}", {"A": "${B}", "B": "no"}) == "${B}"
    assert references("${A}-${B:-x}-$${C}") == ["A", "B"]


def test_secret_source_never_shows_the_secret() -> None:
    from pydantic import SecretStr

    source = SecretSource(literal=SecretStr(SECRET))
    assert SECRET not in repr(source) and SECRET not in str(source)
    assert source.resolve({}, None).get_secret_value() == SECRET


def test_secret_file_relative_to_the_config_folder(write: Write) -> None:
    write("conf/secrets/ci.txt", f"{SECRET}\n")
    path = write("conf/auth.yaml", YAML.replace("{env: CI_SECRET}", "{file: secrets/ci.txt}"))
    document = load_config(path, environ={})
    source = document.profiles["ci"].client_secret
    assert source.resolve({}, str(path.parent)).get_secret_value() == SECRET
