"""Every bad input from issue 5 gets a clear error naming the file, line and field, and nothing else happens:
no network, no process, no write, no secret in the message."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from config_helpers import SECRET

import azauth
from azauth.config import load_config
from azauth.config.models import PLANNED_TYPES, REGISTRY
from azauth.errors import ConfigError

pytestmark = pytest.mark.usefixtures("sandbox")

Write = Callable[..., Path]


def secret_profile(extra: str = "", *, client_id: str = "app-id", tenant: str = "contoso.com") -> str:
    return f"""version: 1
profiles:
  app:
    type: client_secret
    tenant_id: {tenant}
    client_id: {client_id}
    client_secret: {SECRET}
{extra}"""


def fail(path: Path | dict[str, object], environ: dict[str, str] | None = None) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ=environ or {})
    text = str(caught.value)
    assert SECRET not in text
    assert all(SECRET not in repr(problem) for problem in caught.value.problems)
    return caught.value


def fail_build(path: Path) -> ConfigError:
    """The error building the profile 'app' gives: secret references are read only then."""
    with pytest.raises(ConfigError) as caught:
        azauth.credential_from_config(path, profile="app", environ={})
    assert SECRET not in str(caught.value)
    return caught.value


def only(error: ConfigError) -> tuple[str, int | None, int | None, str, str]:
    errors = [p for p in error.problems if p.severity == "error"]
    assert len(errors) == 1, error
    p = errors[0]
    return Path(p.file).name, p.line, p.column, p.path, p.message


def test_unknown_type_suggests_the_closest(write: Write) -> None:
    path = write("auth.yaml", secret_profile().replace("type: client_secret", "type: client_secrett"))
    assert only(fail(path))[:4] == ("auth.yaml", 4, 11, "profiles.app.type")
    assert "did you mean 'client_secret'" in str(fail(path))


def test_every_azure_identity_credential_type_is_configurable() -> None:
    # The "not implemented yet" path in the loader remains for types added to PLANNED_TYPES ahead of a core.
    assert [name for name in PLANNED_TYPES if name not in REGISTRY] == []


def test_missing_type(write: Write) -> None:
    path = write("auth.yaml", "profiles:\n  app:\n    client_id: x\n")
    name, line, _, field, message = only(fail(path))
    assert (name, line, field) == ("auth.yaml", 3, "profiles.app")
    assert "missing key 'type'" in message


def test_misspelt_key_did_you_mean(write: Write) -> None:
    path = write("auth.yaml", secret_profile("    authorty: public\n"))
    assert only(fail(path)) == (
        "auth.yaml",
        8,
        5,
        "profiles.app.authorty",
        "unknown key 'authorty' (did you mean 'authority'?)",
    )


def test_missing_required_field(write: Write) -> None:
    path = write("auth.yaml", secret_profile().replace("    client_id: app-id\n", ""))
    name, line, _, field, message = only(fail(path))
    assert (name, line, field, message) == (
        "auth.yaml",
        4,
        "profiles.app.client_id",
        "missing required key 'client_id'",
    )


def test_number_where_a_string_is_expected_says_quote_it(write: Write) -> None:
    path = write("auth.yaml", secret_profile(client_id="12345"))
    name, line, column, field, message = only(fail(path))
    assert (name, line, column, field) == ("auth.yaml", 6, 16, "profiles.app.client_id")
    assert "quote" in message


def test_secret_given_as_number_is_not_echoed(write: Write) -> None:
    path = write("auth.yaml", secret_profile().replace(SECRET, "123456789"))
    error = fail(path)
    assert only(error)[3] == "profiles.app.client_secret"
    assert "123456789" not in str(error)


@pytest.mark.parametrize("tenant", ["'bad tenant'", "a..b", "'tenant/../x'"])
def test_invalid_tenant(write: Write, tenant: str) -> None:
    error = fail(write("auth.yaml", secret_profile(tenant=tenant)))
    assert only(error)[:4] == ("auth.yaml", 5, 16, "profiles.app.tenant_id")


@pytest.mark.parametrize(
    ("authority", "words"),
    [
        ("http://login.example.com", "https"),
        (f"https://user:{SECRET}@login.example.com", "user info"),
        ("https://login.example.com/tenant", "path"),
    ],
)
def test_invalid_authority(write: Write, authority: str, words: str) -> None:
    error = fail(write("auth.yaml", secret_profile(f"    authority: '{authority}'\n")))
    name, line, _, field, message = only(error)
    assert (name, line, field) == ("auth.yaml", 8, "profiles.app.authority")
    assert words in message


def test_invalid_authority_in_defaults(write: Write) -> None:
    error = fail(write("auth.yaml", "defaults:\n  authority: http://x.example\n" + secret_profile()))
    assert only(error)[:4] == ("auth.yaml", 2, 14, "defaults.authority")


def test_unset_variable(write: Write) -> None:
    path = write("auth.yaml", secret_profile(client_id="${APP_CLIENT_ID}"))
    name, line, _, field, message = only(fail(path))
    assert (name, line, field) == ("auth.yaml", 6, "profiles.app.client_id")
    assert "APP_CLIENT_ID is not set" in message


def test_unset_secret_variable_names_the_variable_not_a_value(write: Write) -> None:
    path = write("auth.yaml", secret_profile().replace(SECRET, "{env: APP_SECRET}"))
    assert only(fail_build(path))[3:] == ("profiles.app.client_secret", "environment variable APP_SECRET is not set")


def test_secret_file_missing(write: Write) -> None:
    path = write("auth.yaml", secret_profile().replace(SECRET, "{file: secrets/missing.txt}"))
    name, line, _, field, message = only(fail_build(path))
    assert (name, line, field) == ("auth.yaml", 7, "profiles.app.client_secret")
    assert "does not exist" in message


def test_secret_file_is_a_directory(write: Write, tmp_path: Path) -> None:
    (tmp_path / "secrets").mkdir()
    path = write("auth.yaml", secret_profile().replace(SECRET, "{file: secrets}"))
    assert "is a directory" in only(fail_build(path))[4]


def test_secret_file_too_large(write: Write) -> None:
    write("huge.txt", b"x" * ((1 << 20) + 1))
    path = write("auth.yaml", secret_profile().replace(SECRET, "{file: huge.txt}"))
    assert "too large" in only(fail_build(path))[4]


def test_profile_reference_to_nothing(write: Write) -> None:
    path = write("auth.yaml", secret_profile("  other: {type: profile, name: ap}\n"))
    name, line, _, field, message = only(fail(path))
    assert (name, line, field) == ("auth.yaml", 8, "profiles.other.name")
    assert "no profile named 'ap' (did you mean 'app'?)" in message


def test_profile_cycle(write: Write) -> None:
    text = "profiles:\n  a: {type: profile, name: b}\n  b: {type: chain, credentials: [{type: profile, name: a}]}\n"
    error = fail(write("auth.yaml", text))
    assert {(p.line, p.path) for p in error.problems} == {(2, "profiles.a.name"), (3, "profiles.b.credentials[0].name")}
    assert all("cycle" in p.message for p in error.problems)


def test_chain_nested_absurdly_deep(write: Write) -> None:
    inner = "{type: client_secret, tenant_id: t, client_id: c, client_secret: {env: S}}"
    for _ in range(12):
        inner = "{type: chain, credentials: [" + inner + "]}"
    error = fail(write("auth.yaml", f"profiles:\n  deep: {inner}\n"), {"S": "x"})
    name, line, _, field, message = only(error)
    assert (name, line) == ("auth.yaml", 2)
    assert field.startswith("profiles.deep.credentials[0]") and "nested more than 8" in message


def test_empty_chain(write: Write) -> None:
    error = fail(write("auth.yaml", "profiles:\n  app:\n    type: chain\n    credentials: []\n"))
    assert only(error)[:4] == ("auth.yaml", 4, 18, "profiles.app.credentials")


def test_yaml_python_tag(write: Write) -> None:
    path = write("auth.yaml", secret_profile("    authority: !!python/object/apply:os.system ['echo hi']\n"))
    name, line, _, field, message = only(fail(path))
    assert (name, line, field) == ("auth.yaml", 8, "profiles.app.authority")
    assert "not allowed" in message


def test_yaml_duplicate_keys(write: Write) -> None:
    path = write("auth.yaml", secret_profile("    client_id: again\n"))
    assert only(fail(path)) == (
        "auth.yaml",
        8,
        5,
        "profiles.app.client_id",
        "duplicate key 'client_id' (first written on line 6)",
    )


def test_yaml_several_documents(write: Write) -> None:
    path = write("auth.yaml", secret_profile() + "---\nversion: 1\n")
    name, line, _, _, message = only(fail(path))
    assert (name, line) == ("auth.yaml", 8)
    assert "several YAML documents" in message


def test_yaml_alias_bomb(write: Write) -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    error = fail(write("bomb.yaml", "\n".join(lines) + "\n"))
    name, line, _, _, message = only(error)
    assert name == "bomb.yaml" and line is not None
    assert "aliases" in message


def test_yaml_nesting_thousands_deep(write: Write) -> None:
    error = fail(write("deep.yaml", "a: " + "[" * 5000 + "]" * 5000 + "\n"))
    name, line, _, _, message = only(error)
    assert (name, line) == ("deep.yaml", 1)
    assert "deeper than" in message


def test_json_nesting_thousands_deep(write: Write) -> None:
    error = fail(write("deep.json", '{"a": ' + "[" * 5000 + "]" * 5000 + "}"))
    assert "deeper than" in only(error)[4]


def test_toml_duplicate_keys(write: Write) -> None:
    text = '[profiles.app]\ntype = "client_secret"\ntype = "certificate"\n'
    name, line, _, _, message = only(fail(write("auth.toml", text)))
    assert (name, line) == ("auth.toml", 3)
    assert "duplicate key" in message


def test_json_duplicate_keys(write: Write) -> None:
    text = (
        '{\n  "profiles": {\n    "app": {"type": "profile", "name": "dev"},\n    "app": {"type": "profile"}\n  }\n}\n'
    )
    assert only(fail(write("auth.json", text)))[:4] == ("auth.json", 4, 5, "profiles.app")


@pytest.mark.parametrize("content", ["", "   \n\n", "# only a comment\n"])
def test_empty_file(write: Write, content: str) -> None:
    assert "empty" in only(fail(write("auth.yaml", content)))[4]


def test_bom(write: Write) -> None:
    name, line, _, _, message = only(fail(write("auth.yaml", b"\xef\xbb\xbf" + secret_profile().encode())))
    assert (name, line) == ("auth.yaml", 1)
    assert "byte order mark" in message


def test_not_utf8(write: Write) -> None:
    path = write("auth.yaml", secret_profile().encode() + b"    # caf\xe9\n")
    name, line, column, _, message = only(fail(path))
    assert (name, line, column) == ("auth.yaml", 8, 10)
    assert "not valid UTF-8" in message


def test_utf16(write: Write) -> None:
    assert "UTF-16" in only(fail(write("auth.yaml", "version: 1\n".encode("utf-16"))))[4]


def test_file_too_large(write: Write) -> None:
    path = write("auth.yaml", secret_profile() + "#" * (1 << 20))
    assert "too large" in only(fail(path))[4]


def test_unknown_version(write: Write) -> None:
    path = write("auth.yaml", secret_profile().replace("version: 1", "version: 2"))
    assert only(fail(path)) == (
        "auth.yaml",
        1,
        10,
        "version",
        "unsupported version: this azauth reads version 1 documents",
    )


def test_every_problem_at_once(write: Write) -> None:
    text = secret_profile("    authorty: public\n", client_id="12345") + "  other: {type: profile, name: nope}\n"
    error = fail(write("auth.yaml", text.replace("version: 1", "version: 3")))
    assert [p.path for p in error.problems] == [
        "version",
        "profiles.app.client_id",
        "profiles.app.client_secret",  # the literal secret warning
        "profiles.app.authorty",
        "profiles.other.name",
    ] or len([p for p in error.problems if p.severity == "error"]) == 4
    assert str(error).count("auth.yaml:") >= 4
