"""Reading typed values from an environment mapping, strictly."""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["parse_bool"]

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})


def parse_bool(environ: Mapping[str, str], name: str, default: bool = False) -> bool:
    """The boolean value of environment variable ``name``: an unknown word is an error naming it."""
    raw = environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError(f"Environment variable {name} must be true or false (1/0, yes/no), not {raw.strip()!r}")
