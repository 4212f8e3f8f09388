"""Values in a document: ``${VAR}`` interpolation and secret references (``{env: NAME}``, ``{file: PATH}``).

Interpolation is a pure lookup in an environment mapping: ``${VAR}``, ``${VAR:-fallback}`` (the fallback when
``VAR`` is unset or empty) and ``$$`` for a literal ``$``; a fallback may hold references (``${A:-${B}}``), as in
POSIX shells. No shell, no commands: a variable's value is used as it is, never interpolated again.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import SecretBytes, SecretStr

from .._files import FileProblem, read_bounded
from ._locations import FieldPath, Locator

__all__ = [
    "MAX_SECRET_FILE_BYTES",
    "SecretSource",
    "interpolate",
    "interpolate_tree",
    "read_reference",
    "references",
]

MAX_SECRET_FILE_BYTES = 1 << 20
"""A ``{file: PATH}`` larger than this (1 MiB) is refused."""

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
MAX_NESTING = 8
"""Deepest ``${A:-${B:-...}}`` nesting accepted in a fallback."""
_WHOLE_REFERENCE = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}")


@dataclass(frozen=True)
class _Reference:
    """``${name}`` or ``${name:-fallback}``; the fallback is itself text with references (as in POSIX shells)."""

    name: str
    fallback: tuple[str | _Reference, ...] | None


def _parse(text: str, position: int, depth: int, *, inside: bool) -> tuple[list[str | _Reference], int]:
    """Parts of ``text`` from ``position`` up to the end (or, ``inside`` a fallback, its closing ``}``)."""
    parts: list[str | _Reference] = []
    literal: list[str] = []
    while position < len(text):
        char = text[position]
        if inside and char == "}":
            break
        if char != "$" or position + 1 >= len(text) or text[position + 1] not in "${":
            literal.append(char)  # a lone '$' is itself
            position += 1
            continue
        if text[position + 1] == "$":
            literal.append("$")
            position += 2
            continue
        if literal:
            parts.append("".join(literal))
            literal = []
        reference, position = _parse_reference(text, position + 2, depth)
        parts.append(reference)
    if literal:
        parts.append("".join(literal))
    return parts, position


def _parse_reference(text: str, position: int, depth: int) -> tuple[_Reference, int]:
    """The reference whose name starts at ``position`` (just after ``${``), and where it ends."""
    match = _NAME.match(text, position)
    end = match.end() if match else position
    if match is None or end >= len(text) or text[end] not in "}:":
        close = text.find("}", position)
        if close < 0:
            raise ValueError("'${' without a closing '}' (write '$$' for a literal '$')")
        raise ValueError(  # the text is not quoted: it may be part of a literal secret
            f"invalid reference at character {position - 1}: use ${{NAME}} or ${{NAME:-fallback}}"
            " (write '$$' for a literal '$')"
        )
    name = match[0]
    if text[end] == "}":
        return _Reference(name, None), end + 1
    if not text.startswith(":-", end):
        raise ValueError(
            f"invalid reference to {name} ('${{{name}:' must be followed by '-'): use ${{NAME}} or"
            " ${NAME:-fallback} (write '$$' for a literal '$')"
        )
    if depth >= MAX_NESTING:
        raise ValueError(f"references nested more than {MAX_NESTING} deep in a fallback")
    fallback, close = _parse(text, end + 2, depth + 1, inside=True)
    if close >= len(text):
        raise ValueError("'${' without a closing '}' (write '$$' for a literal '$')")
    return _Reference(name, tuple(fallback)), close + 1


def _parts(text: str) -> list[str | _Reference]:
    """``text`` split into literal text and references; raises ``ValueError`` for invalid syntax."""
    return _parse(text, 0, 0, inside=False)[0]


def _names(parts: tuple[str | _Reference, ...] | list[str | _Reference]) -> Iterator[str]:
    for part in parts:
        if isinstance(part, _Reference):
            yield part.name
            if part.fallback is not None:
                yield from _names(part.fallback)


def references(text: str) -> list[str]:
    """Names of the variables ``text`` refers to, fallbacks included (``[]`` if none, or if its syntax is
    invalid)."""
    if "$" not in text:
        return []
    try:
        return list(_names(_parts(text)))
    except ValueError:
        return []


def has_reference(text: str) -> bool:
    """Whether ``text`` contains ``${...}`` (valid or not): its value is known only once resolved."""
    return "${" in text.replace("$$", "")


def _expand(parts: tuple[str | _Reference, ...] | list[str | _Reference], environ: Mapping[str, str]) -> str:
    out: list[str] = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
            continue
        value = environ.get(part.name)
        if not value:
            if part.fallback is None:
                raise ValueError(f"environment variable {part.name} is not set (referenced as ${{{part.name}}})")
            value = _expand(part.fallback, environ)
        out.append(value)
    return "".join(out)


def interpolate(text: str, environ: Mapping[str, str]) -> str:
    """``text`` with every reference replaced; ``ValueError`` names an unset variable or a syntax error.

    A fallback may itself hold references, expanded only when it is used: ``${A:-${B:-x}}`` is A, else B,
    else ``x``, as in POSIX shells. A variable's value is used as it is, never interpolated again.
    """
    if "$" not in text:
        return text
    return _expand(_parts(text), environ)


def interpolate_tree(
    data: Any, environ: Mapping[str, str], locator: Locator, secret_keys: frozenset[str] = frozenset()
) -> tuple[Any, list[Any]]:
    """``data`` with every string interpolated, and a problem for each reference that failed. Under a key of
    ``secret_keys`` a failure names a variable only when the whole value is that one reference (otherwise
    the "name" may be a fragment of a literal secret)."""
    problems: list[Any] = []

    def walk(value: Any, path: FieldPath) -> Any:
        if isinstance(value, str):
            try:
                return interpolate(value, environ)
            except ValueError as exc:
                message = str(exc)
                if path and path[-1] in secret_keys and not _WHOLE_REFERENCE.fullmatch(value.strip()):
                    message = "a variable this value references is not set, or '${' is not a valid reference"
                    message += " (write '$$' for a literal '$')"
                problems.append(locator.problem(path, message))
                return value
        if isinstance(value, dict):
            return {key: walk(child, (*path, key)) for key, child in value.items()}
        if isinstance(value, list):
            return [walk(child, (*path, index)) for index, child in enumerate(value)]
        return value

    return walk(data, ()), problems


@dataclass(frozen=True)
class SecretSource:
    """Where a secret comes from: a literal (held as ``SecretStr``), an environment variable, or a file."""

    literal: SecretStr | None = None
    env: str | None = None
    file: str | None = None

    def __repr__(self) -> str:
        if self.env is not None:
            return f"SecretSource(env={self.env!r})"
        if self.file is not None:
            return f"SecretSource(file={self.file!r})"
        return "SecretSource('**********')"

    __str__ = __repr__

    @property
    def is_literal(self) -> bool:
        """True when the secret is written in the document itself."""
        return self.literal is not None

    def describe(self) -> str:
        """A secret-free description: ``{env: NAME}``, ``{file: PATH}`` or ``a literal value``."""
        if self.env is not None:
            return f"{{env: {self.env}}}"
        if self.file is not None:
            return f"{{file: {self.file}}}"
        return "a literal value"

    def resolve(self, environ: Mapping[str, str], base_dir: str | None) -> SecretStr:
        """The secret as text; ``ValueError`` (with no secret in it) when it cannot be read."""
        if self.literal is not None:
            return self.literal
        return SecretStr(read_reference(self, environ, base_dir).decode("utf-8", errors="strict"))

    def resolve_bytes(self, environ: Mapping[str, str], base_dir: str | None) -> SecretBytes:
        """The secret as bytes: a file is read as it is (e.g. PKCS12), text is encoded as UTF-8."""
        if self.literal is not None:
            return SecretBytes(self.literal.get_secret_value().encode("utf-8"))
        return SecretBytes(read_reference(self, environ, base_dir, binary=True))


def read_reference(
    source: SecretSource, environ: Mapping[str, str], base_dir: str | None, *, binary: bool = False
) -> bytes:
    """Read an ``{env:}`` or ``{file:}`` reference; a text file loses one trailing newline."""
    if source.env is not None:
        value = environ.get(source.env)
        if value is None:
            raise ValueError(f"environment variable {source.env} is not set")
        if not value:
            raise ValueError(f"environment variable {source.env} is empty")
        return value.encode("utf-8")
    assert source.file is not None
    path = source.file
    if base_dir is not None and not os.path.isabs(path):
        path = os.path.join(base_dir, path)
    try:
        data = read_bounded(path, MAX_SECRET_FILE_BYTES)
    except FileProblem as problem:
        raise ValueError(f"secret file {source.file!r} {problem.reason}") from None
    if not binary:
        if data.endswith(b"\r\n"):
            data = data[:-2]
        elif data.endswith(b"\n"):
            data = data[:-1]
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError(f"secret file {source.file!r} is not UTF-8 text") from None
    if not data:
        raise ValueError(f"secret file {source.file!r} is empty")
    return data
