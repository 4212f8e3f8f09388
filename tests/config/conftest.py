"""Helpers for the configuration tests: real files in a temporary folder, and a sandbox that fails the test on
any network connection, process start or file write."""

from __future__ import annotations

import builtins
import socket
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """Write a file (text, or bytes as they are) into ``tmp_path`` and return its path."""

    def write_file(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return write_file


@pytest.fixture
def sandbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail on any socket connection, subprocess or file opened for writing while the test runs."""

    def no_connect(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a network connection was attempted")

    def no_process(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a process was started")

    real_open = builtins.open

    def read_only_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if any(flag in mode for flag in "wax+"):
            raise AssertionError(f"a file was opened for writing: {file}")
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", no_connect)
    monkeypatch.setattr(subprocess.Popen, "__init__", no_process)
    monkeypatch.setattr(builtins, "open", read_only_open)
    yield
