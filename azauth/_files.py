"""Reading a small file (a certificate, a token, a secret, a config) with a size bound and a clear reason
when it cannot be read. Callers put the reason after their own name for the file."""

from __future__ import annotations

import os
from typing import Literal

__all__ = ["FileProblem", "read_bounded"]

ProblemKind = Literal["missing", "directory", "too_large", "permission", "unreadable"]


class FileProblem(Exception):
    """Why a file could not be read; ``reason`` completes a sentence that starts with the file's name."""

    def __init__(self, kind: ProblemKind, reason: str) -> None:
        super().__init__(reason)
        self.kind: ProblemKind = kind
        self.reason = reason


def read_bounded(path: str, limit: int) -> bytes:
    """The bytes of ``path``, at most ``limit`` of them; :class:`FileProblem` when that is not possible."""
    try:
        if os.path.isdir(path):
            raise FileProblem("directory", "is a directory")
        size = os.path.getsize(path)
        if size > limit:
            raise FileProblem("too_large", f"is too large: {size} bytes, larger than {limit} bytes")
        with open(path, "rb") as file:
            data = file.read(limit + 1)
    except FileNotFoundError:
        raise FileProblem("missing", "does not exist (file not found)") from None
    except IsADirectoryError:
        raise FileProblem("directory", "is a directory") from None
    except PermissionError:
        raise FileProblem("permission", "is not readable (permission denied)") from None
    except OSError as exc:
        raise FileProblem("unreadable", f"cannot be read: {exc.strerror or type(exc).__name__}") from None
    if len(data) > limit:  # grew while being read
        raise FileProblem("too_large", f"is too large: larger than {limit} bytes")
    return data
