"""Configuration UX: nested fallbacks, AZAUTH_* typos, one report per unset variable, every unset secret."""

from __future__ import annotations

import io
import os
import warnings
from pathlib import Path

import pytest

from azauth import ConfigWarning, credential_from_config
from azauth.cli.main import main
from azauth.config.loader import check
from azauth.config.sources import from_mapping, unknown_env_variables
from azauth.config.values import interpolate, references

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("AZAUTH_", "AZURE_")) and name != "AZAUTH_TEST_REQUIRE_TOOLS":
            monkeypatch.delenv(name)


@pytest.mark.parametrize(
    ("text", "environ", "expected"),
    [
        ("${A:-${B}}", {"B": "b"}, "b"),
        ("${A:-${B}}", {"A": "a", "B": "b"}, "a"),
        ("${A:-${B:-${C:-last}}}", {}, "last"),
        ("x${A:-pre-${B:-y}-post}z", {}, "xpre-y-postz"),
        ("${A:-$${B}}", {}, "${B}"),  # '$$' stays a literal '$' inside a fallback
        ("${A:-${B}}", {"A": "${B}", "B": "no"}, "${B}"),  # a value is never interpolated again
    ],
)
def test_a_reference_inside_a_fallback_resolves_as_in_posix_shells(
    text: str, environ: dict[str, str], expected: str
) -> None:
    assert interpolate(text, environ) == expected


def test_nested_references_are_listed_and_an_unset_inner_one_is_an_error() -> None:
    assert references("${A:-${B:-${C}}}") == ["A", "B", "C"]
    with pytest.raises(ValueError, match=r"environment variable B is not set \(referenced as \$\{B\}\)"):
        interpolate("${A:-${B}}", {})
    with pytest.raises(ValueError, match="without a closing"):
        interpolate("${A:-${B}", {"A": "a"})


def test_validate_resolve_never_builds_a_half_reference_into_a_value() -> None:
    document = {"type": "managed_identity", "client_id": "${A:-${B}}"}
    result = check(from_mapping(document), resolve=True, environ={})
    assert [(p.path, p.message) for p in result.errors] == [
        ("client_id", "environment variable B is not set (referenced as ${B})")
    ]
    resolved = check(from_mapping(document), resolve=True, environ={"B": "from-b"})
    assert resolved.errors == [] and resolved.document.profiles["default"].client_id == "from-b"


def test_unknown_azauth_variables_get_did_you_mean() -> None:
    found = dict(
        unknown_env_variables(
            {
                "AZAUTH_PROFILS__X__TYPE": "managed_identity",
                "AZAUTH_DEFAULTPROFILE": "x",
                "AZAUTH_PROFILES_APP__TYPE": "x",
                "AZAUTH_NOTHING_LIKE_IT": "x",
                "AZAUTH_PROFILES__X__TYPE": "known",
                "AZAUTH_DEFAULT_PROFILE": "known",
                "AZAUTH_CONFIG": "known",
                "AZAUTH_PROFILE": "known",
            }
        )
    )
    assert found == {
        "AZAUTH_PROFILS__X__TYPE": "AZAUTH_PROFILES__X__TYPE",
        "AZAUTH_DEFAULTPROFILE": "AZAUTH_DEFAULT_PROFILE",
        "AZAUTH_PROFILES_APP__TYPE": "AZAUTH_PROFILES__APP__TYPE",
        "AZAUTH_NOTHING_LIKE_IT": None,
    }


def test_an_unknown_azauth_variable_is_a_warning_when_building() -> None:
    environ = {"AZAUTH_PROFILES__APP__TYPE": "managed_identity", "AZAUTH_PROFILE": "app", "AZAUTH_DEFAULTPROFILE": "x"}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        credential = credential_from_config(environ=environ)
    assert type(credential).__name__ == "ManagedIdentityCredential"
    messages = [str(w.message) for w in caught if issubclass(w.category, ConfigWarning)]
    assert messages == [
        "AZAUTH_DEFAULTPROFILE matches no azauth setting (did you mean AZAUTH_DEFAULT_PROFILE?); it is ignored."
        " Known: AZAUTH_CONFIG, AZAUTH_PROFILE, AZAUTH_VERSION, AZAUTH_DEFAULT_PROFILE, AZAUTH_DEFAULTS__*,"
        " AZAUTH_PROFILES__* (troubleshooting: docs/troubleshooting.md#unknown-azauth-variable)"
    ]


def test_an_unknown_azauth_variable_is_an_error_under_validate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "auth.yaml"
    path.write_text("type: managed_identity\n", encoding="utf-8")
    out = io.StringIO()
    assert main(["validate", str(path)], out) == 0
    monkeypatch.setenv("AZAUTH_PROFILS__X__TYPE", "managed_identity")
    out = io.StringIO()
    assert main(["validate", str(path)], out) == 1
    expected = "AZAUTH_PROFILS__X__TYPE matches no azauth setting (did you mean AZAUTH_PROFILES__X__TYPE?)"
    assert f"<env AZAUTH_PROFILS__X__TYPE>: {expected}" in out.getvalue()
    assert f"{path}: valid" in out.getvalue()


def test_validate_resolve_reports_an_unset_variable_once_and_every_unset_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "auth.yaml"
    path.write_text(
        "profiles:\n"
        "  a:\n"
        "    type: client_secret\n"
        "    tenant_id: ${TENANT}\n"
        "    client_id: c\n"
        "    client_secret: {env: SECRET_A}\n"
        "  b:\n"
        "    type: client_secret\n"
        f"    tenant_id: {TENANT}\n"
        "    client_id: c\n"
        "    client_secret: {env: SECRET_B}\n"
        "  c:\n"
        "    type: certificate\n"
        f"    tenant_id: {TENANT}\n"
        "    client_id: c\n"
        "    certificate_path: cert.pem\n"
        "    password: {file: missing-password.txt}\n",
        encoding="utf-8",
    )
    out = io.StringIO()
    assert main(["validate", "--resolve", str(path)], out) == 1
    lines = [line for line in out.getvalue().splitlines() if line.startswith(str(path) + ":")]
    assert lines == [
        f"{path}:4:16: profiles.a.tenant_id: environment variable TENANT is not set (referenced as ${{TENANT}})",
        f"{path}:6:20: profiles.a.client_secret: environment variable SECRET_A is not set",
        f"{path}:11:20: profiles.b.client_secret: environment variable SECRET_B is not set",
        f"{path}:17:15: profiles.c.password: secret file 'missing-password.txt' does not exist (file not found)",
        f"{path}: invalid (4 errors)",
    ]
