"""``docs/configuration.md``: the configuration reference, generated from the models (a test checks for drift).

The prose around the tables lives here, next to the generator, so the file is one output of one source.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from .models import CLOUDS, REGISTRY, CacheDefaults, ConfigField, Defaults, HttpDefaults
from .profiles import BUILTIN_PROFILES, MAX_CHAIN_DEPTH
from .sources import MAX_CONFIG_BYTES, MAX_DEPTH, MAX_VALUES

__all__ = ["render_docs"]

_INTRO = """\
# Configuration reference

<!-- Generated from the models by `python -m azauth.config.docs docs/configuration.md`; do not edit. -->

A configuration describes credentials in a file (YAML, TOML, `pyproject.toml` under `[tool.azauth]`, JSON),
a Python mapping, or `AZAUTH_*` environment variables, and builds them for sync or async code:

```python
from azauth import credential_from_config  # azauth.aio.credential_from_config: the async credential
from azauth.config import load_config

credential = credential_from_config("auth.yaml", profile="app")
document = load_config("auth.yaml")  # validated; nothing built yet
```

```yaml
# yaml-language-server: $schema=../schemas/azauth.schema.json
version: 1
default_profile: app
defaults:
  authority: public
  http: {timeout: 10, retries: 3}
profiles:
  app:
    type: chain
    credentials:
      - type: client_assertion
        tenant_id: ${AZURE_TENANT_ID}
        client_id: ${AZURE_CLIENT_ID}
        assertion: {file: /var/run/secrets/azure/tokens/azure-identity-token}
      - type: profile
        name: ci
  ci:
    type: client_secret
    tenant_id: ${AZURE_TENANT_ID}
    client_id: ${AZURE_CLIENT_ID}
    client_secret: {env: CI_CLIENT_SECRET}
```

**Short form.** A document whose top level has `type:` and no `profiles:` is one credential: the profile
`default`.

## Which configuration, which profile

- Source: an explicit path or mapping, else `AZAUTH_CONFIG` (a path), else `AZAUTH_*` variables, else none
  (the built-in `default` profile).
- `AZAUTH_*` variables are laid over a file and win where both speak. They nest with `__`
  (pydantic-settings): `AZAUTH_PROFILES__APP__TYPE=client_secret`; names are case-insensitive and become lower
  case; a value starting with `[` or `{` is JSON (`AZAUTH_PROFILES__CI__CREDENTIALS='[{"type": "profile",
  "name": "app"}]'`). They set `version`, `default_profile`, `defaults` and `profiles`. An explicit mapping
  is used as it is.
- Profile: the `profile=` argument, else `AZAUTH_PROFILE`, else `default_profile`, else `default`.

## Values and secrets

- Any string may use `${VAR}` or `${VAR:-fallback}` (used when `VAR` is unset or empty); `$$` is a literal
  `$`. It is a pure lookup: no shell, no commands, no nesting. Numbers and booleans may be written as a
  reference too (`timeout: ${HTTP_TIMEOUT:-10}`).
- Secret fields (marked *secret* below) take a literal string, `{env: NAME}` or `{file: PATH}` (a mounted
  secret, relative to the configuration file's folder, one trailing newline removed). A literal secret is
  accepted, but `azauth validate` warns and `--strict` makes that an error. Secrets are held as secret types
  and never appear in a repr, a log line or an error message.
- References are resolved when a credential is built (and by `azauth validate --resolve`). Plain
  `azauth validate` checks the structure and lists references as notes, so CI can validate a configuration
  whose variables and secrets exist only where it is deployed.
- `*_path` values and `defaults.http.verify` paths are relative to the configuration file's folder.

## Errors

A bad configuration raises `azauth.ConfigError` (a `ValueError`) listing every problem at once, one per
line: `auth.yaml:12:9: profiles.app.credentials[1].client_id: must be a string, not a number: quote the value`.
Unknown keys are errors, with a "did you mean" for misspelt keys and types. Files are limited to
{max_bytes} bytes, {max_depth} levels of nesting and {max_values} values after YAML aliases; YAML tags beyond
plain data, duplicate keys, several YAML documents, a byte order mark and non-UTF-8 text are refused.

## Command line

- `azauth validate FILE... [--strict] [--resolve] [--format text|json|github]`: exit 0 when valid, 1 when
  not, 2 on a usage error; `github` prints workflow annotations. No network, no process, no writes.
- `azauth schema [--output PATH]`: the JSON schema, also committed as `schemas/azauth.schema.json`.
"""


def _type_text(item: ConfigField, schema: dict[str, Any]) -> str:
    if item.adapter is not None:
        return "`{env: NAME}` or `{file: PATH}`"
    if item.secret:
        return "*secret*: string, `{env: NAME}` or `{file: PATH}`"
    return _schema_text(schema)


def _schema_text(schema: dict[str, Any]) -> str:
    if "anyOf" in schema:
        parts = [_schema_text(s) for s in schema["anyOf"] if s.get("type") != "null" and "pattern" not in s]
        return " or ".join(dict.fromkeys(p for p in parts if p))
    kind = schema.get("type")
    if kind == "array":
        return f"list of {_schema_text(schema.get('items', {}))}"
    if kind == "object":
        return f"mapping of {_schema_text(schema.get('additionalProperties', {}))}"
    if "const" in schema:
        return f"`{schema['const']}`"
    return str(kind or "any")


def _default_text(value: Any) -> str:
    return f"`{json.dumps(value)}`"


def _fields_table(model: type[BaseModel], fields: dict[str, ConfigField] | None = None) -> list[str]:
    schema = model.model_json_schema()
    properties = schema.get("properties") or schema["$defs"][model.__name__]["properties"]
    rows = ["| key | type | default | description |", "| --- | --- | --- | --- |"]
    for name, info in model.model_fields.items():
        key = info.alias or name
        if key == "type":
            continue
        schema = properties.get(key, {})
        item = (fields or {}).get(name)
        type_text = _type_text(item, schema) if item else _schema_text(schema)
        if "$ref" in schema:
            type_text = "mapping (below)"
        if info.is_required():
            default = "**required**"
        elif isinstance(info.default, BaseModel):
            default = ""
        else:
            default = _default_text(info.default) if info.default is not None else ""
        description = (info.description or "").replace("|", "\\|").replace("\n", " ")
        rows.append(f"| `{key}` | {type_text} | {default} | {description} |")
    return rows


def render_docs() -> str:
    """The text of ``docs/configuration.md``."""
    lines = [
        _INTRO.replace("{max_bytes}", str(MAX_CONFIG_BYTES))
        .replace("{max_depth}", str(MAX_DEPTH))
        .replace("{max_values}", str(MAX_VALUES)),
        "## Document",
        "",
        "| key | description |",
        "| --- | --- |",
        "| `version` | `1`, the format version (optional). |",
        "| `default_profile` | The profile used when none is asked for; else `default`. |",
        "| `defaults` | Options applied to every credential that takes them (below). |",
        "| `profiles` | Named credentials: letters, digits, `_`, `-` and `.`. |",
        "",
        "## Defaults",
        "",
        Defaults.__doc__ or "",
        "Cloud names for `authority`: " + ", ".join(f"`{name}` ({host})" for name, host in CLOUDS.items()) + ".",
        "",
        *_fields_table(Defaults),
        "",
        "### `defaults.http`",
        "",
        (HttpDefaults.__doc__ or "")
        + " `timeout` sets `connection_timeout` and `read_timeout`, `retries` sets `retry_total`, `proxies` sets"
        " `proxies` and `verify` sets `connection_verify`; they apply to every credential that sends requests.",
        "",
        *_fields_table(HttpDefaults),
        "",
        "### `defaults.cache`",
        "",
        (CacheDefaults.__doc__ or "")
        + " With `persist: true`, each credential that takes `cache_persistence_options` gets one built from"
        " these keys.",
        "",
        *_fields_table(CacheDefaults),
        "",
        "## Credential types",
        "",
        "Every type below is derived from its credential's constructor; the keys are the constructor's keywords.",
        "",
        "| type | class |",
        "| --- | --- |",
        *(f"| [`{name}`](#{name.replace('_', '-')}) | {kind.class_name} |" for name, kind in REGISTRY.items()),
        "",
    ]
    for name, kind in REGISTRY.items():
        lines += [f"### {name.replace('_', '-')}", "", f"`type: {name}`: {kind.class_name}. {kind.summary}", ""]
        if name == "chain":
            lines += [
                "A chain tries its credentials in order: 'unavailable' moves on, any other error stops it. Its",
                f"members may be chains and profile references, nested up to {MAX_CHAIN_DEPTH} deep.",
                "",
            ]
        elif name == "profile":
            lines += ["Cycles between profiles are an error.", ""]
        lines += [*_fields_table(kind.model, {f.name: f for f in kind.fields}), ""]
    lines += [
        "## Built-in profiles",
        "",
        "Present unless the document defines a profile of the same name. A built-in profile whose credential",
        "types are not implemented yet exists by name, and building it says what is missing.",
        "",
        "| profile | credential |",
        "| --- | --- |",
    ]
    for name, data in BUILTIN_PROFILES.items():
        members = [c["type"] for c in data.get("credentials", [])] or [data["type"]]
        shape = "chain of " if data["type"] == "chain" else ""
        lines.append(f"| `{name}` | {shape}{', '.join(f'`{m}`' for m in members)} |")
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":  # python -m azauth.config.docs [PATH]
    import sys

    if len(sys.argv) > 1:
        with open(sys.argv[1], "w", encoding="utf-8", newline="\n") as output:
            output.write(render_docs())
    else:
        sys.stdout.write(render_docs())
