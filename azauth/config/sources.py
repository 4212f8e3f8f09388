"""Configuration sources: YAML, TOML (and ``pyproject.toml``), JSON files, mappings and ``AZAUTH_*`` variables.

Each source yields a :class:`RawDocument`: plain data (dicts, lists, scalars) and a :class:`Locator` that knows
where each value was written. Files are read with limits (size, nesting, YAML aliases) and strictness
(UTF-8 without BOM, no duplicate keys, no YAML tags beyond plain data) so that a hostile or broken file gives
one clear error instead of a crash, a hang or a surprise.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .._files import FileProblem, read_bounded
from ..errors import ConfigError, ConfigProblem
from ._locations import FieldPath, Locator, format_path

__all__ = [
    "MAX_CONFIG_BYTES",
    "MAX_DEPTH",
    "MAX_VALUES",
    "RawDocument",
    "env_overlay",
    "from_mapping",
    "read_file",
    "unknown_env_variables",
]

MAX_CONFIG_BYTES = 1 << 20
"""A configuration file larger than this (1 MiB) is refused."""
MAX_DEPTH = 32
"""Deepest nesting of mappings and lists a document may have."""
MAX_VALUES = 10_000
"""Most values a document may hold once YAML aliases are expanded (an alias bomb stops here)."""
MAX_YAML_ALIASES = 100

ENV_PREFIX = "AZAUTH_"
ENV_DOCUMENT_KEYS = ("version", "default_profile", "defaults", "profiles")
"""Top-level keys that ``AZAUTH_*`` variables can set (``AZAUTH_PROFILE`` and ``AZAUTH_CONFIG`` select)."""
ENV_SELECTORS = ("config", "profile")
"""``AZAUTH_CONFIG`` (a path) and ``AZAUTH_PROFILE`` (a profile name): they choose, they describe nothing."""
ENV_RESERVED = frozenset({"AZAUTH_TEST_REQUIRE_TOOLS"})
"""``AZAUTH_*`` variables that are not configuration (the test suite's)."""
SHORT_FORM_HEADER = ("$schema", "version")
"""Document keys a short-form document (one credential at the top level) may carry besides the credential's."""

_YAML_SUFFIXES = (".yaml", ".yml")
_PLAIN_YAML_TAGS = frozenset(
    "tag:yaml.org,2002:" + name for name in ("str", "int", "float", "bool", "null", "seq", "map", "timestamp")
)
_MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass
class RawDocument:
    """A document's plain data before validation, with where it came from."""

    data: Any
    locator: Locator
    base_dir: str | None
    """Folder that relative paths in the document (``{file: ...}``, ``*_path``) are resolved from."""


def _fail(file: str, message: str, line: int | None = None, column: int | None = None) -> ConfigError:
    return ConfigError([ConfigProblem(file, line, column, "", message)])


_LONG_NUMBER = re.compile(r"[0-9][0-9_]{4000,}")
_SEPARATORS = {
    "JSON": re.compile(r'"(?:[^"\\]|\\.)*"|[,:]'),
    "TOML": re.compile(r'"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|#[^\n]*|[,=]'),
}


def _refuse_many_values(text: str, file: str, language: str) -> None:
    """Refuse a document with more than :data:`MAX_VALUES` values *before* parsing it: each value but the
    first follows a separator (``,`` or ``:`` / ``=``, outside strings), so counting them is an upper bound
    found by one regular-expression scan, in bounded memory."""
    count = 0
    for match in _SEPARATORS[language].finditer(text):
        if len(match[0]) == 1:
            count += 1
            if count > MAX_VALUES:
                raise _fail(file, f"holds more than {MAX_VALUES} values: refused")


def _long_number(text: str, file: str, language: str) -> ConfigError:
    """The error for a number too long to convert, located at the first long run of digits."""
    match = _LONG_NUMBER.search(text)
    line = column = None
    if match is not None:
        line = text.count("\n", 0, match.start()) + 1
        column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
    return _fail(file, f"invalid {language}: a number with more than 4300 digits", line, column)


# --------------------------------------------------------------------------------------------- files


def read_file(path: str | os.PathLike[str]) -> RawDocument:
    """Read and parse a configuration file; the format follows the extension. Raises :class:`ConfigError`."""
    display = os.fspath(path)
    text = _read_text(display)
    name = os.path.basename(display).lower()
    base_dir = os.path.dirname(os.path.abspath(display))
    if name.endswith(_YAML_SUFFIXES):
        data, locator = _parse_yaml(text, display)
    elif name.endswith(".json"):
        data, locator = _parse_json(text, display)
    elif name.endswith(".toml"):
        data, locator = _parse_toml(text, display)
        if name == "pyproject.toml":
            data, locator = _tool_table(data, locator, display)
    else:
        raise _fail(display, "unknown file type: a configuration file ends in .yaml, .yml, .toml or .json")
    _check_shape(data, locator)
    return RawDocument(data, locator, base_dir)


def _read_text(path: str) -> str:
    try:
        raw = read_bounded(path, MAX_CONFIG_BYTES)
    except FileProblem as problem:
        raise _fail(path, f"{problem.reason}: not usable as a configuration file") from None
    if raw.startswith(b"\xef\xbb\xbf"):
        raise _fail(path, "starts with a byte order mark (BOM): save it as UTF-8 without BOM", 1, 1)
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _fail(path, "is UTF-16 encoded: save it as UTF-8 (without BOM)", 1, 1)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise _fail(path, f"is not valid UTF-8 (byte 0x{raw[exc.start]:02x}): save it as UTF-8", line, column) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise _fail(path, "contains a NUL character: it is not a text file", line)
    if not text.strip():
        raise _fail(path, "is empty")
    return text


def _check_shape(data: Any, locator: Locator) -> None:
    if data is None:
        raise _fail(locator.file, "is empty: it holds no configuration (only comments?)")
    if not isinstance(data, dict):
        raise _fail(locator.file, f"must hold a mapping at the top level, not a {_kind(data)}", 1, 1)
    _check_size(data, locator)


def _check_size(data: Any, locator: Locator) -> None:
    """``ConfigError`` when ``data`` nests deeper than :data:`MAX_DEPTH` or holds more than :data:`MAX_VALUES`
    values: the same limits for every format (YAML, JSON, TOML, mappings, ``AZAUTH_*`` variables)."""
    problem = _size_exceeded(data)
    if problem is not None:
        raise ConfigError([locator.problem(*problem)])


def _kind(value: Any) -> str:
    return {list: "list", str: "string", int: "number", float: "number", bool: "boolean"}.get(type(value), "value")


def _size_exceeded(data: Any) -> tuple[FieldPath, str] | None:
    """Where and how ``data`` is too deep or too large, or ``None`` (iterative: no recursion, stops at the
    first limit, so a self-referencing structure costs no more than the limits)."""
    stack: list[tuple[Any, FieldPath]] = [(data, ())]
    count = 0
    while stack:
        value, path = stack.pop()
        count += 1
        if count > MAX_VALUES:
            return (), f"holds more than {MAX_VALUES} values: refused"
        if len(path) > MAX_DEPTH:
            return path, f"nesting is deeper than {MAX_DEPTH} levels"
        if isinstance(value, dict):
            stack.extend((child, (*path, str(key))) for key, child in value.items())
        elif isinstance(value, list):
            stack.extend((child, (*path, index)) for index, child in enumerate(value))
    return None


# ---------------------------------------------------------------------------------------------- YAML


def _yaml_loader(text: str) -> Any:
    import yaml

    class Loader(yaml.SafeLoader):
        """A safe loader that counts nesting and aliases while composing."""

        depth = 0
        aliases = 0
        nodes = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                self.aliases += 1
                if self.aliases > MAX_YAML_ALIASES:
                    raise yaml.composer.ComposerError(
                        None,
                        None,
                        f"more than {MAX_YAML_ALIASES} YAML aliases",
                        self.peek_event().start_mark,  # type: ignore[no-untyped-call]
                    )
                return super().compose_node(parent, index)
            self.nodes += 1
            if self.nodes > MAX_VALUES:
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    f"more than {MAX_VALUES} values",
                    self.peek_event().start_mark,  # type: ignore[no-untyped-call]
                )
            self.depth += 1
            try:
                if self.depth > MAX_DEPTH + 1:
                    raise yaml.composer.ComposerError(
                        None,
                        None,
                        f"nesting is deeper than {MAX_DEPTH} levels",
                        self.peek_event().start_mark,  # type: ignore[no-untyped-call]
                    )
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

    return Loader(text)


def _parse_yaml(text: str, file: str) -> tuple[Any, Locator]:
    import yaml

    loader = _yaml_loader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            raise _yaml_error(exc, file) from None
        except RecursionError:
            raise _fail(file, f"nesting is deeper than {MAX_DEPTH} levels") from None
        if node is None:
            return None, Locator(file)
        locator = Locator(file)
        problems = _walk_yaml(node, locator)
        if problems:
            raise ConfigError(problems)
        try:
            return loader.construct_document(node), locator
        except yaml.MarkedYAMLError as exc:
            raise _yaml_error(exc, file) from None
        except ValueError:  # an integer longer than Python converts (4300 digits)
            raise _long_number(text, file, "YAML") from None
    finally:
        loader.dispose()


def _yaml_error(exc: Any, file: str) -> ConfigError:
    mark = exc.problem_mark or exc.context_mark
    problem = str(exc.problem or exc.context or "invalid YAML")
    if "expected a single document" in str(exc.context or ""):
        problem = "holds several YAML documents ('---'); a configuration is one document"
    elif exc.problem and "could not determine a constructor" in exc.problem:
        problem = "a YAML tag that is not plain data"
    line = mark.line + 1 if mark is not None else None
    column = mark.column + 1 if mark is not None else None
    return _fail(file, f"invalid YAML: {problem}", line, column)


def _walk_yaml(root: Any, locator: Locator) -> list[ConfigProblem]:
    """Record positions, refuse tags that are not plain data and duplicate keys, bound the expanded size."""
    import yaml

    problems: list[ConfigProblem] = []
    count = 0
    stack: list[tuple[Any, FieldPath]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        count += 1
        if count > MAX_VALUES:
            return [locator.problem((), f"expands to more than {MAX_VALUES} values (YAML aliases?): refused")]
        if len(path) > MAX_DEPTH:  # a self-referencing alias or merge nests without end
            return [locator.problem((), f"nesting is deeper than {MAX_DEPTH} levels (YAML aliases?): refused")]
        locator.values.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if node.tag not in _PLAIN_YAML_TAGS:
            problems.append(
                locator.problem(path, f"the YAML tag {node.tag!r} is not allowed: a configuration holds plain data")
            )
            continue
        if isinstance(node, yaml.SequenceNode):
            stack.extend((child, (*path, index)) for index, child in enumerate(node.value))
        elif isinstance(node, yaml.MappingNode):
            seen: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == _MERGE_TAG:
                    merged = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                    for source in merged:
                        if isinstance(source, yaml.MappingNode):
                            stack.extend(
                                (v, (*path, str(k.value))) for k, v in source.value if isinstance(k, yaml.ScalarNode)
                            )
                    continue
                if not isinstance(key_node, yaml.ScalarNode):
                    mark = key_node.start_mark
                    problems.append(
                        ConfigProblem(locator.file, mark.line + 1, mark.column + 1, "", "keys must be plain names")
                    )
                    continue
                key_node.tag = "tag:yaml.org,2002:str"  # 'on:', 'yes:' or '1:' stay names
                name = str(key_node.value)
                key_mark = key_node.start_mark
                if name in seen:
                    first = seen[name].start_mark.line + 1
                    problems.append(
                        ConfigProblem(
                            locator.file,
                            key_mark.line + 1,
                            key_mark.column + 1,
                            format_path((*path, name)),
                            f"duplicate key {name!r} (first written on line {first})",
                        )
                    )
                    continue
                seen[name] = key_node
                child: FieldPath = (*path, name)
                locator.keys[child] = (key_mark.line + 1, key_mark.column + 1)
                locator.values[child] = (value_node.start_mark.line + 1, value_node.start_mark.column + 1)
                stack.append((value_node, child))
    return problems


# ---------------------------------------------------------------------------------------------- JSON


def _parse_json(text: str, file: str) -> tuple[Any, Locator]:
    duplicates: list[str] = []

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                duplicates.append(key)
            result[key] = value
        return result

    _refuse_many_values(text, file, "JSON")
    try:
        data = json.loads(text, object_pairs_hook=pairs_hook)
    except json.JSONDecodeError as exc:
        raise _fail(file, f"invalid JSON: {exc.msg}", exc.lineno, exc.colno) from None
    except RecursionError:
        raise _fail(file, f"nesting is deeper than {MAX_DEPTH} levels") from None
    except ValueError:  # an integer longer than Python converts (4300 digits)
        raise _long_number(text, file, "JSON") from None
    _check_size(data, Locator(file))  # before composing it again for positions, which costs more
    # JSON is (nearly) YAML flow syntax: the YAML composer gives positions and locates duplicate keys.
    locator = Locator(file)
    try:
        loader = _yaml_loader(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
        problems = _walk_yaml(node, locator) if node is not None else []
    except Exception:
        locator, problems = Locator(file), []
    problems = [p for p in problems if p.message.startswith("duplicate key")]
    if duplicates:
        raise ConfigError(problems or [ConfigProblem(file, None, None, "", f"duplicate key {duplicates[0]!r}")])
    return data, locator


# ---------------------------------------------------------------------------------------------- TOML

_TOML_ERROR_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_TOML_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\[\]]+?)\s*\]\]?\s*(?:#.*)?$")
_TOML_PART_TEXT = r"""(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')"""
_TOML_KEY = re.compile(rf"^(\s*)({_TOML_PART_TEXT}(?:\s*\.\s*{_TOML_PART_TEXT})*)\s*=")
_TOML_PART = re.compile(_TOML_PART_TEXT)


def _parse_toml(text: str, file: str) -> tuple[Any, Locator]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

    _refuse_many_values(text, file, "TOML")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _TOML_ERROR_AT.search(message)
        line, column = (int(match[1]), int(match[2])) if match else (None, None)
        message = _TOML_ERROR_AT.sub("", message)
        if message.startswith("Cannot overwrite a value") or message.startswith("Cannot declare"):
            message = "duplicate key (a key or table is defined twice)"
        raise _fail(file, f"invalid TOML: {message}", line, column) from None
    except RecursionError:
        raise _fail(file, f"nesting is deeper than {MAX_DEPTH} levels") from None
    except ValueError:  # an integer longer than Python converts (4300 digits)
        raise _long_number(text, file, "TOML") from None
    _check_size(data, Locator(file))
    return data, _locate_toml(text, file)


def _toml_parts(text: str) -> list[str]:
    return [part.strip("\"'") for part in _TOML_PART.findall(text)]


def _locate_toml(text: str, file: str) -> Locator:
    """Best-effort positions of TOML keys and tables (tomllib keeps none): headers and ``key =`` lines."""
    locator = Locator(file)
    table: FieldPath = ()
    array_counts: dict[FieldPath, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        header = _TOML_HEADER.match(line)
        if header:
            path: FieldPath = ()
            parts = _toml_parts(header[2])
            for position, part in enumerate(parts):
                path = (*path, part)
                if position < len(parts) - 1 and path in array_counts:
                    path = (*path, array_counts[path] - 1)
            if header[1] == "[[":
                array_counts[path] = array_counts.get(path, 0) + 1
                locator.keys.setdefault(path, (number, line.index("[") + 1))
                path = (*path, array_counts[path] - 1)
            locator.keys.setdefault(path, (number, line.index("[") + 1))
            locator.values.setdefault(path, (number, line.index("[") + 1))
            table = path
            continue
        key = _TOML_KEY.match(line)
        if key:
            full = (*table, *_toml_parts(key[2]))
            column = len(key[1]) + 1
            locator.keys.setdefault(full, (number, column))
            value_column = key.end() + len(line[key.end() :]) - len(line[key.end() :].lstrip()) + 1
            locator.values.setdefault(full, (number, value_column))
    return locator


def _tool_table(data: Any, locator: Locator, file: str) -> tuple[Any, Locator]:
    tool = data.get("tool") if isinstance(data, dict) else None
    if not isinstance(tool, dict) or "azauth" not in tool:
        raise _fail(file, "has no [tool.azauth] table")
    prefix: FieldPath = ("tool", "azauth")
    strip = len(prefix)
    inner = Locator(
        file,
        {p[strip:]: v for p, v in locator.values.items() if p[:strip] == prefix},
        {p[strip:]: v for p, v in locator.keys.items() if p[:strip] == prefix},
    )
    return tool["azauth"], inner


# ----------------------------------------------------------------------------------- mappings, environment


def from_mapping(mapping: Mapping[str, Any]) -> RawDocument:
    """A document given as a Python mapping (positions are field paths only)."""
    locator = Locator("<mapping>")
    try:
        data = _plain(mapping)
    except RecursionError:
        raise _fail(locator.file, f"nesting is deeper than {MAX_DEPTH} levels") from None
    _check_shape(data, locator)
    return RawDocument(data, locator, None)


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _plain(child) for key, child in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(child) for child in value]
    return value


def env_overlay(environ: Mapping[str, str]) -> tuple[dict[str, Any], dict[FieldPath, str]]:
    """The document ``AZAUTH_*`` variables describe, and the variable behind each path they set.

    Variables nest with ``__`` (pydantic-settings): ``AZAUTH_PROFILES__APP__TYPE=managed_identity``. Names are
    case-insensitive and become lower case. A value starting with ``[`` or ``{`` is JSON, e.g.
    ``AZAUTH_PROFILES__CI__CREDENTIALS='[{"type": "azure_cli"}]'``.
    """
    from pydantic_settings import BaseSettings, EnvSettingsSource, SettingsConfigDict

    class _Environment(BaseSettings):
        model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="ignore")
        version: Any = None
        default_profile: Any = None
        defaults: dict[str, Any] | None = None
        profiles: dict[str, Any] | None = None

    source = EnvSettingsSource(_Environment, env_prefix=ENV_PREFIX, env_nested_delimiter="__", case_sensitive=False)
    source.env_vars = {name.lower(): value for name, value in environ.items() if name.upper().startswith(ENV_PREFIX)}
    try:
        exploded = source()
    except Exception as exc:  # a malformed JSON value in a variable
        raise _fail("<env AZAUTH_*>", f"cannot read AZAUTH_* variables: {type(exc).__name__}") from None
    try:
        data = {key: _decode_json_leaves(exploded[key]) for key in ENV_DOCUMENT_KEYS if exploded.get(key) is not None}
    except RecursionError:
        raise _fail("<env AZAUTH_*>", f"a JSON value nests deeper than {MAX_DEPTH} levels") from None
    problem = _size_exceeded(data)
    if problem is not None:  # before anything walks it recursively
        where, message = problem
        variable = ENV_PREFIX + "__".join(str(part).upper() for part in where[:3] if isinstance(part, str))
        raise _fail(f"<env {variable}>" if where else "<env AZAUTH_*>", message)
    names: dict[FieldPath, str] = {}
    for path in _leaf_paths(data, ()):
        names[path] = ENV_PREFIX + "__".join(str(part).upper() for part in path)
    return data, names


def unknown_env_variables(environ: Mapping[str, str]) -> list[tuple[str, str | None]]:
    """``AZAUTH_*`` variables that match no setting, each with the name it was probably meant to be (or ``None``).

    ``AZAUTH_CONFIG``, ``AZAUTH_PROFILE`` and ``AZAUTH_<KEY>[__...]`` for a document key are known; keys below
    those are checked by the document's validation (an unknown key there is an error at its variable).
    """
    import difflib

    known = [*ENV_SELECTORS, *ENV_DOCUMENT_KEYS]
    found: list[tuple[str, str | None]] = []
    for name in sorted(environ):
        upper = name.upper()
        if not upper.startswith(ENV_PREFIX) or upper in ENV_RESERVED:
            continue
        head, separator, rest = upper[len(ENV_PREFIX) :].partition("__")
        if head.lower() in known:
            continue
        close = [k for k in ("profiles", "defaults") if head.lower().startswith(k + "_")][:1]
        if close:  # AZAUTH_PROFILES_APP__TYPE: '__' written as '_'
            rest = head[len(close[0]) + 1 :] + separator + rest
            separator = "__"
        else:
            close = difflib.get_close_matches(head.lower(), known, n=1, cutoff=0.6)
        suggestion = ENV_PREFIX + close[0].upper() + (separator + rest if separator else "") if close else None
        found.append((name, suggestion))
    return found


def unknown_env_message(name: str, suggestion: str | None) -> str:
    """The words for an ``AZAUTH_*`` variable that matches no setting."""
    hint = f" (did you mean {suggestion}?)" if suggestion else ""
    known = "AZAUTH_CONFIG, AZAUTH_PROFILE, AZAUTH_VERSION, AZAUTH_DEFAULT_PROFILE, AZAUTH_DEFAULTS__*"
    known += ", AZAUTH_PROFILES__*"
    return f"{name} matches no azauth setting{hint}; it is ignored. Known: {known}"


def _decode_json_leaves(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _decode_json_leaves(child) for key, child in value.items()}
    if isinstance(value, str) and value.lstrip().startswith(("[", "{")):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _leaf_paths(value: Any, path: FieldPath) -> Iterator[FieldPath]:
    if isinstance(value, dict) and value:
        for key, child in value.items():
            yield from _leaf_paths(child, (*path, key))
    else:
        yield path


def overlay(base: RawDocument, env_data: Mapping[str, Any], env_names: Mapping[FieldPath, str]) -> RawDocument:
    """``base`` with ``AZAUTH_*`` values laid over it: variables win where both speak (lists are replaced)."""
    if not env_data:
        return base
    data, locator = base.data, base.locator
    if isinstance(data, dict) and "type" in data and "profiles" not in data:  # short form becomes a profile
        header = {k: v for k, v in data.items() if k in SHORT_FORM_HEADER}
        credential = {k: v for k, v in data.items() if k not in SHORT_FORM_HEADER}
        moved = locator.rebased(("profiles", "default"))
        for key in header:  # the header stays at the top level, and so do its positions
            for table, source in ((moved.values, locator.values), (moved.keys, locator.keys)):
                if (key,) in source:
                    table[(key,)] = source[(key,)]
        data, locator = {**header, "profiles": {"default": credential}}, moved
    return RawDocument(_deep_merge(data, env_data), locator.merged(env_names), base.base_dir)


def _deep_merge(base: Any, top: Any) -> Any:
    if isinstance(base, dict) and isinstance(top, Mapping):
        merged = dict(base)
        for key, value in top.items():
            merged[key] = _deep_merge(base.get(key), value)
        return merged
    return top
