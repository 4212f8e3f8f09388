"""Property-based fuzzing of the configuration loader (Hypothesis): random documents and mutations of the
examples, in YAML, TOML, JSON and ``AZAUTH_*`` form, end in a document or a ``ConfigError`` with a location,
never another exception and never a secret. Example counts are bounded so the suite stays fast; a hang
would be caught by the bounded-work assertions of test_hostile_inputs.py, not by timing here.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from azauth.config import load_config
from azauth.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p for p in (ROOT / "examples").glob("*") if p.suffix in (".yaml", ".yml", ".json", ".toml"))
CANARY = "fuzz-s3cret-c4n4ry"
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

KEYS = st.sampled_from(
    [
        "version",
        "profiles",
        "default_profile",
        "defaults",
        "http",
        "timeout",
        "type",
        "credentials",
        "name",
        "tenant_id",
        "client_id",
        "client_secret",
        "authority",
        "deadline",
        "x-a",
        "env",
        "file",
        "a\nb",
        "\x1b[31m",
        "<<",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(
        [
            "chain",
            "profile",
            "managed_identity",
            "client_secret",
            "${X}",
            "${",
            "$${Y}",
            "${A:-b}",
            "[::1]junk",
            "",
            "default",
            "1",
        ]
    ),
    st.text(max_size=20),
)
VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=4),
    max_leaves=25,
)


def plant(value: Any) -> Any:
    """The canary wherever a secret lives: every ``client_secret`` value, and the password of every
    ``authority`` (``https://user:<canary>@host``)."""
    if isinstance(value, dict):
        planted = {k: plant(v) for k, v in value.items()}
        if "client_secret" in planted:
            planted["client_secret"] = CANARY + "${" + CANARY
        if "authority" in planted:
            planted["authority"] = "https://u:" + CANARY + "@h"
        return planted
    if isinstance(value, list):
        return [plant(v) for v in value]
    return value


DOCUMENTS = st.dictionaries(KEYS, VALUES, max_size=5).map(plant)


def check(call: Any) -> None:
    """``call()`` returns a document or raises a located ConfigError without the canary; nothing else."""
    try:
        call()
    except ConfigError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.file
            assert CANARY not in problem.message and CANARY not in str(problem)
            assert problem.message.isprintable()


def write(text: str | bytes, suffix: str) -> Path:
    with tempfile.NamedTemporaryFile("wb", suffix=suffix, delete=False) as handle:
        handle.write(text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text)
    return Path(handle.name)


def _load(path: Path) -> None:
    try:
        load_config(path, environ={"X": "1"})
    finally:
        path.unlink()


@FUZZ
@given(DOCUMENTS)
def test_random_mappings(document: dict[str, Any]) -> None:
    check(lambda: load_config(document, environ={"X": "1"}))


@FUZZ
@given(DOCUMENTS)
def test_random_yaml_documents(document: dict[str, Any]) -> None:
    text = yaml.safe_dump(document, allow_unicode=True)
    check(lambda: _load(write(text, ".yaml")))


@FUZZ
@given(DOCUMENTS)
def test_random_json_documents(document: dict[str, Any]) -> None:
    text = json.dumps(document, allow_nan=True)
    check(lambda: _load(write(text, ".json")))


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if value == value and abs(value) != float("inf") else ("nan" if value != value else "inf")
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value if v is not None) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items() if v is not None) + "}"
    return '""'


@FUZZ
@given(DOCUMENTS)
def test_random_toml_documents(document: dict[str, Any]) -> None:
    text = "\n".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in document.items() if v is not None)
    check(lambda: _load(write(text, ".toml")))


ENV_NAMES = st.sampled_from(
    [
        "AZAUTH_VERSION",
        "AZAUTH_DEFAULT_PROFILE",
        "AZAUTH_DEFAULTS__HTTP__TIMEOUT",
        "AZAUTH_DEFAULTS__HTTP__RETRIES",
        "AZAUTH_PROFILES__APP__TYPE",
        "AZAUTH_PROFILES__APP__CLIENT_SECRET",
        "AZAUTH_PROFILES__APP__CREDENTIALS",
        "AZAUTH_PROFILES__APP__DEADLINE",
        "AZAUTH_PROFILES",
    ]
)
ENV_VALUES = st.one_of(
    st.text(max_size=30),
    VALUES.map(lambda v: json.dumps(v)),
    st.integers(min_value=1, max_value=3000).map(lambda n: "[" * n + "]" * n),
    st.sampled_from(["inf", "nan", "1e999", "-1", "9" * 5000]),
)


@FUZZ
@given(st.dictionaries(ENV_NAMES, ENV_VALUES, max_size=4))
def test_random_azauth_variables(environ: dict[str, str]) -> None:
    environ = {k: v.replace("\x00", "") for k, v in environ.items()}
    check(lambda: load_config(None, environ=environ))


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(EXAMPLES),
    st.lists(st.tuples(st.integers(min_value=0), st.sampled_from(["delete", "insert", "replace"])), max_size=6),
    st.text(alphabet=st.sampled_from(list(":{}[]&*!|>-#'\"$\n\t ,=9a\\")), min_size=1, max_size=8),
)
def test_mutations_of_the_examples(example: Path, edits: list[tuple[int, str]], fragment: str) -> None:
    text = example.read_text(encoding="utf-8")
    for position, how in edits:
        at = position % (len(text) + 1)
        if how == "delete":
            text = text[:at] + text[at + len(fragment) :]
        elif how == "insert":
            text = text[:at] + fragment + text[at:]
        else:
            text = text[:at] + fragment + text[at + len(fragment) :]
    check(lambda: _load(write(text, example.suffix)))
