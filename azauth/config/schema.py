"""The JSON schema (2020-12) of configuration documents, generated from the models.

``schemas/azauth.schema.json`` is this output, committed; a test fails when the two differ. Wherever a number or
a boolean is expected, the schema also accepts a string holding a ``${VAR}`` reference, as the loader does.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from .models import DOCUMENT_ADAPTER

__all__ = ["SCHEMA_ID", "json_schema", "render_schema"]

SCHEMA_ID = "https://azauth.dev/schemas/azauth.schema.json"
"""The schema's ``$id``."""

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
    """The JSON schema of a configuration document (full form or short form)."""
    generated = DOCUMENT_ADAPTER.json_schema(schema_generator=_Generator)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "azauth configuration",
        "description": "Credentials for azauth (azure-identity compatible): named profiles, or one credential.",
        **generated,
    }


def render_schema() -> str:
    """:func:`json_schema` as the text committed in ``schemas/azauth.schema.json``."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
