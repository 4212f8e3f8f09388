"""Checking a document: validation, every problem located and worded for people, warnings and notes.

Two depths: *structural* (``${VAR}`` left unresolved: what CI can check before deployment; a value that holds
a reference is checked once resolved and listed as a note) and *resolved* (references looked up in the
environment, secret files and variables read: what building a credential does).
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from .._troubleshooting import see
from ..errors import ConfigError, ConfigProblem, ConfigWarning
from ._locations import FieldPath, Locator, Severity, format_path
from .models import (
    CACHE_PARAMETER,
    DOCUMENT_ADAPTER,
    PLANNED_TYPES,
    REGISTRY,
    CacheDefaults,
    ConfigDocument,
    Defaults,
    HttpDefaults,
    _DocumentBase,
)
from .profiles import check_profiles, document_profiles, raw_credentials
from .sources import (
    SHORT_FORM_HEADER,
    RawDocument,
    env_overlay,
    from_mapping,
    overlay,
    read_file,
    unknown_env_message,
    unknown_env_variables,
)
from .values import SecretSource, has_reference, interpolate_tree, references

__all__ = ["CheckResult", "check", "load_config", "open_source", "unknown_env_problems"]

EXTENSION_PREFIX = "x-"
"""Top-level keys of a full document starting with this are ignored: a place for YAML anchors."""

ConfigSource = str | os.PathLike[str] | Mapping[str, Any] | None


@dataclass
class CheckResult:
    """The outcome of checking one document: the model (when valid) and every problem, warning and note."""

    document: Any | None
    problems: list[ConfigProblem] = field(default_factory=list)

    @property
    def errors(self) -> list[ConfigProblem]:
        """The problems that make the document invalid."""
        return [p for p in self.problems if p.severity == "error"]


# --------------------------------------------------------------------------------------------- sources


def open_source(source: ConfigSource, environ: Mapping[str, str], *, warn: bool = True) -> RawDocument | None:
    """The raw document to use: explicit path or mapping > ``AZAUTH_CONFIG`` > ``AZAUTH_*`` variables > none.

    ``AZAUTH_*`` variables are laid over a file (they win where both speak); an explicit mapping is used as it
    is. ``None`` means no configuration at all: the built-in ``default`` profile. With ``warn``, an ``AZAUTH_*``
    variable that matches no setting is a :class:`~azauth.ConfigWarning`.
    """
    if isinstance(source, Mapping):
        return from_mapping(source)
    if warn:
        warn_unknown_env_variables(environ)
    path = source if source is not None else environ.get("AZAUTH_CONFIG") or None
    env_data, env_names = env_overlay(environ)
    if path is not None:
        return overlay(read_file(path), env_data, env_names)
    if env_data:
        return RawDocument(env_data, Locator("<env>", env_names=dict(env_names)), None)
    return None


def unknown_env_problems(environ: Mapping[str, str], severity: Severity) -> list[ConfigProblem]:
    """A problem for each ``AZAUTH_*`` variable that matches no setting (an error under ``azauth validate``)."""
    return [
        ConfigProblem(f"<env {name}>", None, None, "", unknown_env_message(name, suggestion), severity)
        for name, suggestion in unknown_env_variables(environ)
    ]


def warn_unknown_env_variables(environ: Mapping[str, str]) -> None:
    """A :class:`~azauth.ConfigWarning` for each ``AZAUTH_*`` variable that matches no setting."""
    import warnings

    for name, suggestion in unknown_env_variables(environ):
        message = f"{unknown_env_message(name, suggestion)} ({see('unknown-azauth-variable')})"
        warnings.warn(message, ConfigWarning, stacklevel=4)


# -------------------------------------------------------------------------------------------- checking


def check(
    raw: RawDocument, *, resolve: bool, environ: Mapping[str, str] | None = None, read_secrets: bool | None = None
) -> CheckResult:
    """Validate ``raw``; with ``resolve``, interpolate ``${VAR}`` from ``environ`` and (unless ``read_secrets`` is
    false) read every ``{env:}`` / ``{file:}`` secret reference once to report those that cannot be read."""
    env = os.environ if environ is None else environ
    locator = raw.locator
    problems: list[ConfigProblem] = []
    data = raw.data
    unresolved: set[FieldPath] = set()
    if resolve:
        data, failures = interpolate_tree(raw.data, env, locator, _secret_keys_of_all_types())
        problems.extend(failures)
        unresolved = {_parse_path(p.path) for p in failures}
    short_form = isinstance(data, dict) and "type" in data and "profiles" not in data
    if isinstance(data, dict) and not short_form:  # a full document
        data = {k: v for k, v in data.items() if not str(k).startswith(EXTENSION_PREFIX)}
    validated = data
    if short_form:  # '$schema' and 'version' may head a short form too; the rest is the credential
        validated = {k: v for k, v in data.items() if k not in SHORT_FORM_HEADER}
        problems.extend(_check_short_form_header(data, raw.data, locator, structural=not resolve))
    try:
        model = DOCUMENT_ADAPTER.validate_python(validated)
    except ValidationError as exc:
        translated = _translate(exc, raw.data, locator, structural=not resolve)
        # a value whose reference failed to resolve is reported once, by the reference
        problems.extend(p for p in translated if _parse_path(p.path) not in unresolved)
        model = None
    problems.extend(check_profiles(data, locator))
    problems.extend(_advice(raw, structural=not resolve))
    if model is not None and not isinstance(model, _DocumentBase):  # the short form: one credential
        model = ConfigDocument(profiles={"default": model})
        raw = RawDocument({"profiles": {"default": raw.data}}, locator.rebased(("profiles", "default")), raw.base_dir)
    if resolve if read_secrets is None else read_secrets:
        problems.extend(_resolve_secrets(raw, env))  # every unreadable secret, even when something else failed
    if model is not None:
        model._origin = raw
    problems = _redact(problems, raw.data)
    problems.sort(key=lambda p: (p.file, p.line or 0, p.column or 0, p.path))
    valid = not any(p.severity == "error" for p in problems)
    return CheckResult(model if valid else None, problems)


def load_config(source: ConfigSource = None, *, environ: Mapping[str, str] | None = None) -> Any:
    """The validated configuration document (nothing built yet); raises :class:`~azauth.ConfigError`.

    :param source: a path (YAML, TOML, ``pyproject.toml`` with ``[tool.azauth]``, JSON), a mapping, or ``None``
        for ``AZAUTH_CONFIG``, then ``AZAUTH_*`` variables, then an empty document (built-in profiles only).
    :param environ: the environment to read (default ``os.environ``).
    :returns: a ``ConfigDocument``; a short-form document is the profile ``default``. ``${VAR}`` references are
        resolved; secrets stay references (``SecretSource``) until a credential is built.
    """
    env = os.environ if environ is None else environ
    raw = open_source(source, env)
    if raw is None:
        raw = RawDocument({}, Locator("<none>"), None)
    result = check(raw, resolve=True, environ=env, read_secrets=False)
    if result.document is None:
        raise ConfigError(result.errors)
    return result.document


# ------------------------------------------------------------------------------------- error wording


def _at(data: Any, part: Any) -> Any:
    if isinstance(data, dict):
        return data.get(part)
    if isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
        return data[part]
    return None


def _is_credential_position(path: list[str | int], data: Any) -> bool:
    if not path:
        return isinstance(data, dict) and "type" in data and "profiles" not in data
    if len(path) == 2 and path[0] == "profiles":
        return True
    return len(path) >= 2 and path[-2] == "credentials" and isinstance(path[-1], int)


def _clean_location(loc: tuple[Any, ...], data: Any) -> tuple[FieldPath, bool, Any]:
    """The document path of a pydantic error location (union tags removed), whether it is a key, and the raw value."""
    path: list[str | int] = []
    current = data
    is_key = False
    parts = list(loc)
    if parts and parts[0] in ("document", "credential"):
        parts.pop(0)
    tag_pending = _is_credential_position(path, data)
    for part in parts:
        if part == "[key]":
            is_key = True
            continue
        if tag_pending and isinstance(current, dict) and part == current.get("type"):
            tag_pending = False
            continue  # the tag pydantic adds after a discriminated union
        path.append(part)
        current = _at(current, part)
        tag_pending = _is_credential_position(path, data)
    return tuple(path), is_key, current


def _allowed_keys(parent: Any, path: FieldPath) -> list[str]:
    if isinstance(parent, dict) and isinstance(parent.get("type"), str) and parent["type"] in REGISTRY:
        return list(REGISTRY[parent["type"]].model.model_fields)
    models: dict[FieldPath, type[BaseModel]] = {
        (): ConfigDocument,
        ("defaults",): Defaults,
        ("defaults", "http"): HttpDefaults,
        ("defaults", "cache"): CacheDefaults,
    }
    model = models.get(path)
    if model is None:
        return []
    return [info.alias or name for name, info in model.model_fields.items()]


def _type_message(tag: str) -> str:
    available = ", ".join(sorted(REGISTRY))
    if tag in PLANNED_TYPES:
        implemented = f"credential type {tag!r} ({PLANNED_TYPES[tag]}) is not implemented yet in azauth"
        return f"{implemented}; available: {available}"
    close = difflib.get_close_matches(tag, [*REGISTRY, *PLANNED_TYPES], n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown credential type {tag!r}{hint}; available: {available}"


def _translate(exc: ValidationError, data: Any, locator: Locator, *, structural: bool) -> list[ConfigProblem]:
    problems: list[ConfigProblem] = []
    for error in exc.errors(include_url=False, include_input=False):
        kind = error["type"]
        path, is_key, value = _clean_location(error["loc"], data)
        if structural and _refers(data, path):
            continue  # a value holding ${VAR} is checked when resolved (a note says so)
        message = error["msg"].removeprefix("Value error, ")
        key = is_key
        if kind == "extra_forbidden":
            name = str(path[-1]) if path else ""
            allowed = _allowed_keys(_value_at(data, path[:-1]), path[:-1])
            close = difflib.get_close_matches(name, allowed, n=1)
            message = f"unknown key {name!r}" + (f" (did you mean {close[0]!r}?)" if close else "")
            if path[:-1] == () and isinstance(data, dict) and "type" in data and name in ConfigDocument.model_fields:
                message += "; a short-form document (a top-level 'type') holds one credential only"
            key = True
        elif kind == "union_tag_invalid":
            tag = str((error.get("ctx") or {}).get("tag", ""))
            raw_tag = _value_at(data, (*path, "type"))
            if isinstance(raw_tag, str) and len(raw_tag) <= 64:
                message = _type_message(tag)
            else:  # a mapping, a list or a long text: never echoed (it may hold anything, a secret too)
                message = "'type' must be the name of a credential type, one of " + ", ".join(sorted(REGISTRY))
            path, key = (*path, "type"), False
        elif kind == "union_tag_not_found":
            message = "missing key 'type': the credential type, one of " + ", ".join(sorted(REGISTRY))
        elif kind == "missing":
            message = f"missing required key {path[-1]!r}" if path else "missing required value"
            where = locator.problem(path[:-1], message)  # the mapping that lacks the key
            problems.append(ConfigProblem(where.file, where.line, where.column, format_path(path), message))
            continue
        elif kind in ("string_type", "str_type") and isinstance(value, (int, float, bool)):
            message = f"must be a string, not {'a boolean' if isinstance(value, bool) else 'a number'}: quote the value"
        elif kind == "literal_error" and path == ("version",):
            message = "unsupported version: this azauth reads version 1 documents"
        elif kind in ("dict_type", "model_type", "model_attributes_type"):
            message = "must be a mapping of keys and values"
        elif kind == "too_short" and path and path[-1] == "credentials":
            message = "a chain needs at least one credential"
        elif kind == "string_pattern_mismatch" and is_key:
            message = "invalid profile name: use letters, digits, '_', '-' and '.' (at most 64)"
        problems.append(locator.problem(path, message, key=key))
    return problems


def _value_at(data: Any, path: FieldPath) -> Any:
    current = data
    for part in path:
        current = _at(current, part)
    return current


def _refers(data: Any, path: FieldPath) -> bool:
    """Whether the raw value at ``path`` (or a value it holds) is a string with ``${...}``."""
    value = _value_at(data, path)
    return isinstance(value, str) and has_reference(value)


# -------------------------------------------------------------------------------- warnings and notes


def _credentials(model: Any, path: FieldPath) -> list[tuple[Any, FieldPath]]:
    """Every credential model inside ``model`` (itself, chain members, nested), with its path."""
    found = [(model, path)]
    if getattr(model, "type", None) == "chain":
        for index, child in enumerate(model.credentials):
            found.extend(_credentials(child, (*path, "credentials", index)))
    return found


def _secret_keys(kind: Any) -> set[str]:
    if not isinstance(kind, str) or kind not in REGISTRY:
        return set()
    return {f.name for f in REGISTRY[kind].fields if f.secret or f.adapter is not None}


def _advice(raw: RawDocument, *, structural: bool) -> list[ConfigProblem]:
    """Warnings (a literal secret) and, for a structural check, notes on what is resolved only when built."""
    problems: list[ConfigProblem] = []
    locator = raw.locator
    for _, (profile, profile_path) in document_profiles(raw.data).items():
        for credential, path in raw_credentials(profile, profile_path):
            for key in sorted(_secret_keys(credential.get("type")) & set(credential)):
                value = credential[key]
                if isinstance(value, str) and not has_reference(value):
                    message = "a literal secret in the file: use {env: NAME}, {file: PATH} or ${VAR}"
                    problems.append(locator.problem((*path, key), message, severity="warning"))
                elif isinstance(value, dict) and structural and len(value) == 1:
                    ((how, where),) = value.items()
                    if how in ("env", "file"):
                        note = f"read from {{{how}: {where}}} when built"
                        problems.append(locator.problem((*path, key), note, severity="note"))
    if structural:
        for path, text in _strings(raw.data, ()):
            names = references(text)
            if names:
                listed = ", ".join(f"${{{n}}}" for n in dict.fromkeys(names))
                problems.append(locator.problem(path, f"uses {listed}, resolved when built", severity="note"))
    defaults = _value_at(raw.data, ("defaults",))
    if isinstance(defaults, dict) and "cache" in defaults and not _takes_cache_options():
        problems.append(
            locator.problem(
                ("defaults", "cache"),
                "no credential type of this azauth takes cache options yet: they have no effect",
                severity="note",
            )
        )
    return problems


def _takes_cache_options() -> bool:
    return any(CACHE_PARAMETER in t.parameters for t in REGISTRY.values())


def _strings(value: Any, path: FieldPath) -> list[tuple[FieldPath, str]]:
    if isinstance(value, str):
        return [(path, value)]
    if isinstance(value, dict):
        return [item for key, child in value.items() for item in _strings(child, (*path, key))]
    if isinstance(value, list):
        return [item for index, child in enumerate(value) for item in _strings(child, (*path, index))]
    return []


def _resolve_secrets(raw: RawDocument, environ: Mapping[str, str]) -> list[ConfigProblem]:
    """Read every ``{env:}`` / ``{file:}`` secret reference once, so each missing one is reported with its place.

    Works on the raw document, so the secrets are listed in the same run as any other problem."""
    problems: list[ConfigProblem] = []
    for _, (profile, profile_path) in document_profiles(raw.data).items():
        for credential, path in raw_credentials(profile, profile_path):
            tag = credential.get("type")
            kind = REGISTRY.get(tag) if isinstance(tag, str) else None
            for item in kind.fields if kind is not None else ():
                value = credential.get(item.name)
                if not (item.secret or item.adapter is not None) or not isinstance(value, dict) or len(value) != 1:
                    continue
                ((how, where),) = value.items()
                if how not in ("env", "file") or not isinstance(where, str) or not where:
                    continue
                source = SecretSource(env=where) if how == "env" else SecretSource(file=where)
                try:
                    if item.binary:
                        source.resolve_bytes(environ, raw.base_dir)
                    else:
                        source.resolve(environ, raw.base_dir)
                except ValueError as exc:
                    problems.append(raw.locator.problem((*path, item.name), str(exc)))
    return problems


def _parse_path(text: str) -> FieldPath:
    """The field path ``format_path`` wrote as ``text``."""
    parts: list[str | int] = []
    for piece in text.replace("[", ".[").split("."):
        if piece.startswith("[") and piece.endswith("]") and piece[1:-1].isdigit():
            parts.append(int(piece[1:-1]))
        elif piece:
            parts.append(piece)
    return tuple(parts)


def _check_short_form_header(data: Any, raw_data: Any, locator: Locator, *, structural: bool) -> list[ConfigProblem]:
    """``version`` of a short-form document must be 1 (``$schema`` is any string)."""
    problems: list[ConfigProblem] = []
    version = data.get("version", 1)
    if version != 1 and not (structural and _refers(raw_data, ("version",))):
        message = "unsupported version: this azauth reads version 1 documents"
        problems.append(locator.problem(("version",), message))
    if "$schema" in data and not isinstance(data["$schema"], str):
        problems.append(locator.problem(("$schema",), "must be a string: the URL or path of the JSON schema"))
    return problems


def _secret_keys_of_all_types() -> frozenset[str]:
    return frozenset(f.name for t in REGISTRY.values() for f in t.fields if f.secret)


def _secret_strings(data: Any) -> set[str]:
    """Literal secrets written in the raw document (values of secret keys), to keep them out of messages."""
    secret_keys = _secret_keys_of_all_types()
    found: set[str] = set()
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            for key, child in value.items():
                if key in secret_keys and isinstance(child, str) and len(child) >= 4:
                    found.add(child)
                stack.append(child)
        elif isinstance(value, list):
            stack.extend(value)
    return found


def _redact(problems: list[ConfigProblem], data: Any) -> list[ConfigProblem]:
    secrets = _secret_strings(data)
    if not secrets:
        return problems
    cleaned = []
    for problem in problems:
        message = problem.message
        for secret in secrets:
            message = message.replace(secret, "***")
        cleaned.append(
            problem
            if message == problem.message
            else ConfigProblem(problem.file, problem.line, problem.column, problem.path, message, problem.severity)
        )
    return cleaned
