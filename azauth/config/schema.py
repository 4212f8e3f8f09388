"""The JSON schema (2020-12) of configuration documents, generated from the models.

``schemas/azauth.schema.json`` (for editors and CI) and ``azauth/config/azauth.schema.json`` (shipped in the package,
printed by ``azauth schema``) are this output, committed; a test fails when either differs. Regenerate both with
``python -m azauth.config.schema``. Wherever a number or
a boolean is expected, the schema also accepts a string holding a ``${VAR}`` reference, as the loader does.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from .models import DOCUMENT_ADAPTER

__all__ = ["PACKAGED_SCHEMA", "SCHEMA_ID", "json_schema", "packaged_schema", "render_schema"]

SCHEMA_ID = "https://azauth.dev/schemas/azauth.schema.json"
"""The schema's ``$id``: the same for every azauth release that reads version 1 documents."""
PACKAGED_SCHEMA = "azauth.schema.json"
"""The schema's file name inside the ``azauth.config`` package."""

_INTERPOLATED: dict[str, Any] = {
    "type": "string",
    "pattern": r"\$\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\}",
    "description": "A ${VAR} or ${VAR:-fallback} reference, resolved when the credential is built.",
}


class _Generator(GenerateJsonSchema):
    """Pydantic's generator, letting numbers and booleans be written as ``${VAR}`` references."""

    def int_schema(self, schema: core_schema.IntSchema) -> JsonSchemaValue:
        return {"anyOf": [super().int_schema(schema), _INTERPOLATED]}

    def float_schema(self, schema: core_schema.FloatSchema) -> JsonSchemaValue:
        return {"anyOf": [super().float_schema(schema), _INTERPOLATED]}

    def bool_schema(self, schema: core_schema.BoolSchema) -> JsonSchemaValue:
        return {"anyOf": [super().bool_schema(schema), _INTERPOLATED]}


def json_schema() -> dict[str, Any]:
    """The JSON schema of a configuration document (full form or short form).

    Pydantic describes the credential union as a ``oneOf`` with an OpenAPI ``discriminator``, which generic
    validators ignore: a misspelt key then fails every branch and is reported as "not valid under any of the
    given schemas" at the credential. Here the union is one ``if``/``then`` per ``type`` instead, so
    ``jsonschema`` and yaml-language-server report "additional properties are not allowed ('tenat_id' ...)" at
    the credential that holds the key, and an unknown ``type`` at the ``type`` key.
    """
    generated = DOCUMENT_ADAPTER.json_schema(schema_generator=_Generator)
    definitions: dict[str, Any] = generated.pop("$defs")
    document_ref = next(branch for branch in generated["oneOf"] if "$ref" in branch)
    union = next(branch for branch in generated["oneOf"] if "discriminator" in branch)
    mapping: dict[str, str] = dict(union["discriminator"]["mapping"])
    definitions = _replace_unions(definitions)
    definitions[CREDENTIAL_DEF] = _selector(mapping, "credential")
    header = {key: definitions["ConfigDocument"]["properties"][name] for key, name in _SHORT_HEADER.items()}
    short: dict[str, str] = {}
    for tag, ref in mapping.items():
        name = ref.rsplit("/", 1)[1]
        model = definitions[name]
        short[tag] = f"#/$defs/{SHORT_FORM_PREFIX}{name}"
        definitions[SHORT_FORM_PREFIX + name] = {
            **model,
            "properties": {**header, **model["properties"]},
            "description": model.get("description", "") + " (a short-form document: this credential alone)",
        }
    definitions[SHORT_FORM_DEF] = _selector(short, "short-form document: one credential")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "azauth configuration",
        "description": "Credentials for azauth (azure-identity compatible): named profiles, or one credential.",
        "type": "object",
        "if": {"required": ["type"], "not": {"required": ["profiles"]}},
        "then": {"$ref": f"#/$defs/{SHORT_FORM_DEF}"},
        "else": document_ref,
        "$defs": dict(sorted(definitions.items())),
    }


CREDENTIAL_DEF = "Credential"
"""The definition selecting a credential's model by its ``type``."""
SHORT_FORM_DEF = "ShortForm"
SHORT_FORM_PREFIX = "ShortForm"
_SHORT_HEADER = {"$schema": "$schema", "version": "version"}


def _selector(mapping: dict[str, str], what: str) -> dict[str, Any]:
    """An object whose ``type`` is one of ``mapping``'s tags, validated by the model that tag names."""
    return {
        "type": "object",
        "description": f"A {what}; its keys depend on its type.",
        "required": ["type"],
        "properties": {"type": {"enum": sorted(mapping), "description": "The credential type."}},
        "allOf": [
            {"if": {"properties": {"type": {"const": tag}}, "required": ["type"]}, "then": {"$ref": ref}}
            for tag, ref in sorted(mapping.items())
        ],
    }


def _replace_unions(value: Any) -> Any:
    """``value`` with every discriminated ``oneOf`` replaced by a reference to the ``type`` selector."""
    if isinstance(value, dict):
        if "discriminator" in value and "oneOf" in value:
            return {"$ref": f"#/$defs/{CREDENTIAL_DEF}"}
        return {key: _replace_unions(child) for key, child in value.items()}
    if isinstance(value, list):
        return [_replace_unions(child) for child in value]
    return value


def render_schema() -> str:
    """:func:`json_schema` as the text committed in ``schemas/azauth.schema.json``."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def packaged_schema() -> str:
    """The schema shipped inside the package (``azauth/config/azauth.schema.json``)."""
    from importlib.resources import files

    return files(__package__).joinpath(PACKAGED_SCHEMA).read_text(encoding="utf-8")


if __name__ == "__main__":  # python -m azauth.config.schema: regenerate both committed copies
    import os

    text = render_schema()
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    targets = (
        os.path.join(root, "schemas", "azauth.schema.json"),
        os.path.join(os.path.dirname(__file__), PACKAGED_SCHEMA),
    )
    for target in targets:
        with open(target, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
