"""The published schema selects a credential's model by ``type`` (if/then), so generic validators report a
misspelt key at the credential that holds it, and accepts ``$schema`` and ``version`` in every document form."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from azauth.cli.main import main
from azauth.config.loader import check
from azauth.config.schema import SCHEMA_ID, json_schema
from azauth.config.sources import from_mapping, read_file

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
SECRET = {"env": "APP_SECRET"}


def errors(document: Any) -> list[tuple[list[Any], str]]:
    validator = jsonschema.Draft202012Validator(json_schema())
    return [(list(e.absolute_path), e.message) for e in validator.iter_errors(document)]


def test_misspelt_key_in_one_profile_is_reported_at_that_profile_not_at_the_root() -> None:
    document = {
        "profiles": {
            "ok": {"type": "managed_identity"},
            "app": {"type": "client_secret", "tenat_id": TENANT, "client_id": "c", "client_secret": SECRET},
        }
    }
    found = errors(document)
    assert len(found) == 2  # the unknown key, and the missing tenant_id it was meant to be
    assert (["profiles", "app"], "Additional properties are not allowed ('tenat_id' was unexpected)") in found
    assert not any("is not valid under any of the given schemas" in message for _, message in found)
    models = check(from_mapping(document), resolve=False).errors
    assert any(p.path == "profiles.app.tenat_id" and "unknown key 'tenat_id'" in p.message for p in models)


def test_misspelt_key_in_a_chain_member_and_an_unknown_type_each_at_their_place() -> None:
    chain = {"type": "chain", "credentials": [{"type": "clent_secret"}, {"type": "environment", "tenant": "x"}]}
    found = errors({"profiles": {"app": chain}})
    paths = {tuple(path): message for path, message in found}
    assert "'clent_secret' is not one of" in paths[("profiles", "app", "credentials", 0, "type")]
    assert "'tenant' was unexpected" in paths[("profiles", "app", "credentials", 1)]
    assert len(found) == 2


def test_short_form_takes_schema_and_version_and_reports_typos_at_the_top() -> None:
    good = {"$schema": SCHEMA_ID, "version": 1, "type": "client_secret", "tenant_id": TENANT, "client_id": "c"}
    good["client_secret"] = SECRET
    assert errors(good) == []
    assert check(from_mapping(good), resolve=False).errors == []
    bad = {**good, "tenat_id": TENANT}
    assert errors(bad) == [([], "Additional properties are not allowed ('tenat_id' was unexpected)")]
    assert errors({**good, "version": 2}) == [(["version"], "1 was expected")]
    problems = check(from_mapping({**good, "version": 2}), resolve=False).errors
    assert [(p.path, p.message) for p in problems] == [
        ("version", "unsupported version: this azauth reads version 1 documents")
    ]


def test_schema_and_version_accepted_in_a_full_document_but_not_inside_a_profile() -> None:
    profile = {"type": "managed_identity"}
    assert errors({"$schema": SCHEMA_ID, "version": 1, "profiles": {"app": profile}}) == []
    inside = {"profiles": {"app": {**profile, "version": 1}}}
    assert errors(inside) == [(["profiles", "app"], "Additional properties are not allowed ('version' was unexpected)")]
    assert check(from_mapping(inside), resolve=False).errors


def test_short_form_with_schema_and_version_is_built_with_azauth_variables_laid_over(tmp_path: Path) -> None:
    from azauth.config.loader import load_config

    path = tmp_path / "auth.yaml"
    path.write_text(
        f"$schema: {SCHEMA_ID}\nversion: 1\ntype: client_secret\ntenant_id: {TENANT}\nclient_id: c\n"
        "client_secret: {env: APP_SECRET}\n",
        encoding="utf-8",
    )
    document = load_config(path, environ={"AZAUTH_PROFILES__DEFAULT__CLIENT_ID": "from-env"})
    assert document.profiles["default"].client_id == "from-env"
    assert check(read_file(path), resolve=False).errors == []


def test_azauth_schema_prints_the_shipped_schema_with_a_stable_id() -> None:
    out = io.StringIO()
    assert main(["schema"], out) == 0
    printed = json.loads(out.getvalue())
    assert printed == json_schema() and printed["$id"] == SCHEMA_ID == "https://azauth.dev/schemas/azauth.schema.json"


@pytest.mark.parametrize("name", ["unknown-key.yaml", "unknown-type.yaml"])
def test_bad_corpus_errors_are_local(name: str) -> None:
    raw = read_file(Path(__file__).parent / "corpus" / "bad" / name)
    found = errors(raw.data)
    assert found and all(path for path, _ in found), found
