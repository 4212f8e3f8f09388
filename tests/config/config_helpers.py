"""Constants and helpers shared by the configuration and CLI tests."""

from __future__ import annotations

from pathlib import Path

from azauth.errors import ConfigError

SECRET = "s3cr3t~DoNotEcho~7f3a9"
"""A secret-looking value: no message may contain it."""


def problems_of(error: ConfigError) -> list[tuple[str, int | None, str, str]]:
    """``(file name, line, path, message)`` of each problem of ``error``."""
    return [(Path(p.file).name, p.line, p.path, p.message) for p in error.problems]
