"""Values in a document: ``${VAR}`` interpolation and secret references (``{env: NAME}``, ``{file: PATH}``).

Interpolation is a pure lookup in an environment mapping: ``${VAR}``, ``${VAR:-fallback}`` (the fallback when
``VAR`` is unset or empty) and ``$$`` for a literal ``$``. No shell, no commands, no nesting: a variable's value
is used as it is, never interpolated again.
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
_TOKEN = re.compile(r"\$(\$|\{)?")
_WHOLE_REFERENCE = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}")


def _scan(text: str) -> Iterator[tuple[int, int, str | None, str | None]]:
    """``(start, end, name, fallback)`` per reference; ``name`` is ``None`` for ``$$``. Raises ``ValueError``."""
    for match in _TOKEN.finditer(text):
        if match[1] is None:
            continue  # a lone '$' is itself
        if match[1] == "$":
            yield match.start(), match.end(), None, None
            continue
        close = text.find("}", match.end())
        if close < 0:
            raise ValueError("'${' without a closing '}' (write '$$' for a literal '$')")
        body = text[match.end() : close]
        name, separator, fallback = body.partition(":-")
        if not _NAME.fullmatch(name):  # the text is not quoted: it may be part of a literal secret
            raise ValueError(
                f"invalid reference at character {match.start() + 1}: use ${{NAME}} or ${{NAME:-fallback}}"
                " (write '$$' for a literal '$')"
            )
        yield match.start(), close + 1, name, fallback if separator else None


def references(text: str) -> list[str]:
    """Names of the variables ``text`` refers to (``[]`` if none, or if its syntax is invalid)."""
    try:
        return [name for _, _, name, _ in _scan(text) if name is not None]
    except ValueError:
        return []


def has_reference(text: str) -> bool:
    """Whether ``text`` contains ``${...}`` (valid or not): its value is known only once resolved."""
    return "${" in text.replace("$$", "")


def interpolate(text: str, environ: Mapping[str, str]) -> str:
    """``text`` with every reference replaced; ``ValueError`` names an unset variable or a syntax error."""
    if "$" not in text:
        return text
    parts: list[str] = []
    position = 0
    for start, end, name, fallback in _scan(text):
        parts.append(text[position:start])
        if name is None:
            parts.append("$")
        else:
            value = environ.get(name)
            if not value:
                if fallback is None:
                    raise ValueError(f"environment variable {name} is not set (referenced as ${{{name}}})")
                value = fallback
            parts.append(value)
        position = end
    parts.append(text[position:])
    return "".join(parts)


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
