"""Fake ``az``, ``azd`` and ``pwsh`` executables: small Python scripts written into a directory put first on
``PATH``. Each run appends one JSON line to its log (argv, pid, cwd, the variables the tools care about) and
then does what its behaviour file says: print, sleep, start a child that hangs, exit with a code."""

from __future__ import annotations

import json
import logging
import os
import stat
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support import SCOPE, Mode

Failure = tuple[str, str, int, type[Exception], str]
"""A failing run: (stdout, stderr, exit code, the error expected, a part of its message)."""

SCRIPT = """#!{python}
import json, os, subprocess, sys, time
here = os.path.dirname(os.path.abspath(__file__))
name = os.path.basename(__file__)
with open(os.path.join(here, name + ".behaviour.json"), encoding="utf-8") as f:
    behaviour = json.load(f)
entry = {{
    "argv": sys.argv[1:],
    "pid": os.getpid(),
    "pgid": os.getpgid(0),
    "cwd": os.getcwd(),
    "env": {{k: os.environ.get(k) for k in ("AZURE_CONFIG_DIR", "AZURE_CORE_NO_COLOR", "NO_COLOR", "CANARY_ENV")}},
}}
if behaviour.get("child"):
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    entry["child"] = child.pid
with open(os.path.join(here, name + ".log"), "a", encoding="utf-8") as f:
    f.write(json.dumps(entry) + "\\n")
if behaviour.get("sleep"):
    time.sleep(behaviour["sleep"])
sys.stdout.write(behaviour.get("stdout", ""))
sys.stderr.write(behaviour.get("stderr", ""))
sys.stdout.flush()
sys.stderr.flush()
if behaviour.get("hang"):
    time.sleep(600)
sys.exit(behaviour.get("exit", 0))
"""


@dataclass
class FakeTool:
    """One fake executable: set what it does with :meth:`behave`, read its runs with :attr:`runs`."""

    path: Path

    def behave(
        self,
        *,
        stdout: str = "",
        stderr: str = "",
        exit: int = 0,
        sleep: float = 0,
        hang: bool = False,
        child: bool = False,
    ) -> None:
        behaviour = {"stdout": stdout, "stderr": stderr, "exit": exit, "sleep": sleep, "hang": hang, "child": child}
        Path(f"{self.path}.behaviour.json").write_text(json.dumps(behaviour), encoding="utf-8")

    @property
    def runs(self) -> list[dict[str, Any]]:
        log = Path(f"{self.path}.log")
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]

    @property
    def argv(self) -> list[str]:
        """The arguments of the only run so far."""
        runs = self.runs
        assert len(runs) == 1, f"expected one run of {self.path.name}, got {len(runs)}"
        return runs[0]["argv"]  # type: ignore[no-any-return]


class FakeTools:
    """The directory of fake tools, first (and with ``only=True``, alone) on ``PATH``."""

    def __init__(self, directory: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.directory = directory
        self._monkeypatch = monkeypatch
        monkeypatch.setenv("PATH", f"{directory}{os.pathsep}{os.environ.get('PATH', '')}")

    def add(self, name: str) -> FakeTool:
        path = self.directory / name
        path.write_text(SCRIPT.format(python=sys.executable), encoding="utf-8")
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        tool = FakeTool(path)
        tool.behave()
        return tool

    def only_on_path(self, *also: str) -> None:
        """Make the fake directory the whole ``PATH`` (with ``also`` after it): a real tool installed on the
        machine is not found."""
        self._monkeypatch.setenv("PATH", os.pathsep.join((str(self.directory), *also)))


def tools_alone_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeTools:
    """A fresh directory of fake tools (``tmp_path/bin``), the whole ``PATH``."""
    directory = tmp_path / "bin"
    directory.mkdir()
    fake = FakeTools(directory, monkeypatch)
    fake.only_on_path()
    return fake


def alive(pid: int) -> bool:
    """Whether ``pid`` is a running (not zombie) process."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


def wait_until_dead(pid: int, attempts: int = 200) -> bool:
    """Poll (bounded) until ``pid`` is gone: a killed process may take a moment to be reaped by init."""
    for _ in range(attempts):
        if not alive(pid):
            return True
        time.sleep(0.01)
    return False


@contextmanager
def timezone(name: str) -> Iterator[None]:
    """Run with local time in ``name`` (POSIX ``TZ``)."""
    previous = os.environ.get("TZ")
    os.environ["TZ"] = name
    time.tzset()
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = previous
        time.tzset()


def assert_fails(
    mode: Mode, tool: FakeTool, credential: Any, case: Failure, caplog: pytest.LogCaptureFixture, canary: str
) -> None:
    """``tool`` run as ``case`` says makes ``credential.get_token`` raise exactly the expected error, and
    ``canary`` (the token the tool printed) is in no message, repr or log record."""
    stdout, stderr, exit, error, message = case
    caplog.set_level(logging.DEBUG)
    tool.behave(stdout=stdout, stderr=stderr, exit=exit)
    with pytest.raises(error) as caught:
        mode.wait(credential.get_token(SCOPE))
    assert type(caught.value) is error
    assert message in caught.value.message  # type: ignore[attr-defined]
    assert canary not in "\n".join([str(caught.value), repr(caught.value), repr(credential), caplog.text])
