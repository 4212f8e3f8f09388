"""The schema and docs are generated from the models and committed; the corpus and the examples are checked
against both the models and the published schema, and the two agree."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from azauth._core.base import CORE_TYPES
from azauth.config.docs import render_docs
from azauth.config.loader import check
from azauth.config.models import REGISTRY, UNCONFIGURABLE
from azauth.config.schema import SCHEMA_ID, json_schema, render_schema
from azauth.config.sources import read_file

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(__file__).resolve().parent / "corpus"
REGENERATE = "regenerate it: python -m azauth.config.schema && python -m azauth.config.docs docs/configuration.md"


def test_committed_schema_matches_the_models() -> None:
    committed = (ROOT / "schemas" / "azauth.schema.json").read_text(encoding="utf-8")
    assert committed == render_schema(), f"schemas/azauth.schema.json is out of date; {REGENERATE}"


def test_packaged_schema_matches_the_models_and_azauth_schema_prints_it() -> None:
    from azauth.config.schema import packaged_schema

    shipped = (ROOT / "azauth" / "config" / "azauth.schema.json").read_text(encoding="utf-8")
    assert shipped == render_schema() == packaged_schema(), f"the packaged schema is out of date; {REGENERATE}"


def test_committed_docs_match_the_models() -> None:
    committed = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert committed == render_docs(), f"docs/configuration.md is out of date; {REGENERATE}"


def test_schema_is_valid_2020_12_with_an_id() -> None:
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema" and schema["$id"] == SCHEMA_ID


def test_every_core_is_configurable_and_documented() -> None:
    assert UNCONFIGURABLE == {}
    assert set(CORE_TYPES) <= set(REGISTRY)
    schema, docs = json_schema(), render_docs()
    for name, kind in REGISTRY.items():
        assert kind.model.__name__ in schema["$defs"]
        assert f"`type: {name}`" in docs
        for item in kind.fields:
            assert f"| `{item.name}` |" in docs


def test_descriptions_come_from_the_parameter_types() -> None:
    from azauth import params

    tenant = json_schema()["$defs"]["ClientSecretConfig"]["properties"]["tenant_id"]
    assert tenant["description"] == params.TenantId.__metadata__[0].description


def _schema_errors(data: Any) -> list[str]:
    validator = jsonschema.Draft202012Validator(json_schema())
    return [error.message for error in validator.iter_errors(data)]


def _files(folder: str) -> list[Path]:
    return sorted((CORPUS / folder).iterdir())


@pytest.mark.parametrize("path", _files("good"), ids=lambda p: p.name)
def test_good_corpus_passes_models_and_schema(path: Path) -> None:
    raw = read_file(path)
    assert check(raw, resolve=False).errors == []
    assert _schema_errors(raw.data) == []


@pytest.mark.parametrize("path", _files("bad"), ids=lambda p: p.name)
def test_bad_corpus_fails_models_and_schema_agrees(path: Path) -> None:
    header = path.read_text(encoding="utf-8").splitlines()[0]
    match = re.fullmatch(r"# expect: (.+); schema: (rejects|accepts).*", header)
    assert match, f"{path.name} needs a '# expect: ...; schema: rejects|accepts' first line"
    expected, verdict = match[1], match[2]
    raw = read_file(path)
    errors = check(raw, resolve=False).errors
    assert errors, f"{path.name} should be invalid"
    assert any(expected in str(error) for error in errors), errors
    assert all(error.line is not None for error in errors)
    assert bool(_schema_errors(raw.data)) is (verdict == "rejects")


EXAMPLES = sorted(p for p in (ROOT / "examples").iterdir() if p.suffix in (".yaml", ".yml", ".toml", ".json"))


def test_examples_cover_the_scenarios() -> None:
    names = {p.stem for p in EXAMPLES}
    assert {"app-service-web-app", "aks-workload", "ci-pipeline", "developer-laptop", "multi-tenant-daemon"} <= names


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_is_valid_without_literal_secrets(path: Path) -> None:
    raw = read_file(path)
    result = check(raw, resolve=False)
    assert [p for p in result.problems if p.severity != "note"] == []
    assert _schema_errors(raw.data) == []


def test_example_resolves_where_its_variables_exist(tmp_path: Path) -> None:
    example = (ROOT / "examples" / "ci-pipeline.toml").read_text(encoding="utf-8")
    path = tmp_path / "ci.toml"
    path.write_text(example, encoding="utf-8")
    environ = {"AZURE_TENANT_ID": "contoso.com", "AZURE_CLIENT_ID": "c", "AZURE_CLIENT_SECRET": "s"}
    assert check(read_file(path), resolve=True, environ=environ).errors == []
    assert (
        json.loads(json.dumps(check(read_file(path), resolve=True, environ={}).errors[0].path))
        == "profiles.ci.tenant_id"
    )


def test_import_azauth_stays_light() -> None:
    import subprocess
    import sys

    code = (
        "import sys, azauth, azauth.aio; azauth.ConfigError; azauth.aio.ConfigError;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pydantic', 'yaml', 'pydantic_settings')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip() == "[]"
