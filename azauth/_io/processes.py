"""What both drivers need to run a program cleanly: a process group of its own, and killing that group.

A developer tool is often a tree of processes (``az`` is a shell script starting Python, which may start
more): killing only the direct child leaves the rest running and holding the output pipes open. Each program
therefore starts a new session (POSIX) or process group (Windows), and on timeout, cancellation or excess
output the whole group is killed before the driver reaps the child.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from typing import Any

__all__ = ["group_options", "kill_group", "timeout_message"]

WINDOWS = sys.platform.startswith("win")


def group_options() -> dict[str, Any]:
    """``Popen`` keywords that put the program in a process group of its own."""
    if WINDOWS:
        return {"creationflags": getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0x200)}
    return {"start_new_session": True}


def kill_group(pid: int) -> None:
    """Kill every process of the group led by ``pid`` (best effort: the group may already be gone)."""
    if WINDOWS:
        subprocess.run(
            ["taskkill", "/F", "/T", "/PID", str(pid)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
            timeout=10,
        )
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def timeout_message(program: str, timeout: float) -> str:
    return f"{os.path.basename(program)} did not finish within {timeout:g} seconds"
