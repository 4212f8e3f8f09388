"""Where each value of a document was written: file, line and column by field path, for error messages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from ..errors import ConfigProblem

__all__ = ["FieldPath", "Locator", "Severity", "format_path"]

FieldPath = tuple[str | int, ...]
Severity = Literal["error", "warning", "note"]


def format_path(path: Iterable[str | int]) -> str:
    """``profiles.app.credentials[1].client_id`` for ``("profiles", "app", "credentials", 1, "client_id")``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + part
    return text


@dataclass
class Locator:
    """Positions of a document's values and keys, by field path; the longest known prefix answers.

    ``values`` holds where a value starts, ``keys`` where the key naming it starts (1-based line, column).
    ``env_names`` marks paths that came from ``AZAUTH_*`` variables: those report the variable, not a line.
    """

    file: str
    values: dict[FieldPath, tuple[int, int]] = field(default_factory=dict)
    keys: dict[FieldPath, tuple[int, int]] = field(default_factory=dict)
    env_names: dict[FieldPath, str] = field(default_factory=dict)

    def position(self, path: FieldPath, *, key: bool = False) -> tuple[str, int | None, int | None]:
        """``(file, line, column)`` of the value (or key) at ``path``, or of its nearest located ancestor."""
        for end in range(len(path), -1, -1):
            prefix = path[:end]
            if prefix in self.env_names:
                return f"<env {self.env_names[prefix]}>", None, None
            table = self.keys if key and end == len(path) else self.values
            if prefix in table:
                line, column = table[prefix]
                return self.file, line, column
            if end == len(path) and key and prefix in self.values:
                line, column = self.values[prefix]
                return self.file, line, column
        return self.file, None, None

    def problem(
        self, path: FieldPath, message: str, *, key: bool = False, severity: Severity = "error"
    ) -> ConfigProblem:
        """A :class:`ConfigProblem` located at ``path``."""
        file, line, column = self.position(path, key=key)
        return ConfigProblem(file, line, column, format_path(path), message, severity)

    def rebased(self, prefix: FieldPath) -> Locator:
        """The same positions, with every path moved under ``prefix`` (a short form turned into a profile)."""
        return Locator(
            self.file,
            {prefix + p: v for p, v in self.values.items()},
            {prefix + p: v for p, v in self.keys.items()},
            {prefix + p: v for p, v in self.env_names.items()},
        )

    def merged(self, overlay: Mapping[FieldPath, str]) -> Locator:
        """A locator whose paths under ``overlay`` come from the named environment variables."""
        return Locator(self.file, dict(self.values), dict(self.keys), {**self.env_names, **overlay})
