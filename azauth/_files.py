"""Reading a small file (a certificate, a token, a secret, a config) with a size bound and a clear reason
when it cannot be read. Callers put the reason after their own name for the file."""

from __future__ import annotations

import os
import stat
from typing import Literal

__all__ = ["FileProblem", "read_bounded"]

ProblemKind = Literal["missing", "directory", "special", "too_large", "permission", "unreadable"]

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
"""Opening never blocks: a FIFO (or a device) opened for reading without a writer would wait forever."""


class FileProblem(Exception):
    """Why a file could not be read; ``reason`` completes a sentence that starts with the file's name."""

    def __init__(self, kind: ProblemKind, reason: str) -> None:
        super().__init__(reason)
        self.kind: ProblemKind = kind
        self.reason = reason


def read_bounded(path: str, limit: int) -> bytes:
    """The bytes of ``path``, at most ``limit`` of them; :class:`FileProblem` when that is not possible.

    The file is opened without blocking and checked on the open descriptor (``fstat``): a directory, a FIFO,
    a socket or a device is refused before anything is read, and nothing can be swapped in between.
    """
    try:
        descriptor = os.open(path, _OPEN_FLAGS)
    except FileNotFoundError:
        raise FileProblem("missing", "does not exist (file not found)") from None
    except IsADirectoryError:
        raise FileProblem("directory", "is a directory") from None
    except PermissionError:
        raise FileProblem("permission", "is not readable (permission denied)") from None
    except OSError as exc:
        raise FileProblem("unreadable", f"cannot be read: {exc.strerror or type(exc).__name__}") from None
    try:
        info = os.fstat(descriptor)
        if stat.S_ISDIR(info.st_mode):
            raise FileProblem("directory", "is a directory")
        if not stat.S_ISREG(info.st_mode):
            raise FileProblem("special", "is not a regular file (a FIFO, socket or device)")
        if info.st_size > limit:
            raise FileProblem("too_large", f"is too large: {info.st_size} bytes, larger than {limit} bytes")
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(descriptor, min(limit + 1 - size, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except PermissionError:
        raise FileProblem("permission", "is not readable (permission denied)") from None
    except IsADirectoryError:
        raise FileProblem("directory", "is a directory") from None
    except OSError as exc:
        raise FileProblem("unreadable", f"cannot be read: {exc.strerror or type(exc).__name__}") from None
    finally:
        os.close(descriptor)
    if size > limit:  # grew while being read
        raise FileProblem("too_large", f"is too large: larger than {limit} bytes")
    return b"".join(chunks)
