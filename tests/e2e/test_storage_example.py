"""examples/azurite_storage.py runs as a user runs it: its own emulator and Azurite, the real blob client."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.support import require_tool

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "azurite_storage.py"


def test_storage_example_runs(azurite_launcher: tuple[Path | None, str]) -> None:
    launcher, why = azurite_launcher
    require_tool(launcher is not None, f"Azurite unavailable: {why}")
    done = subprocess.run(
        [sys.executable, str(EXAMPLE), str(launcher)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert re.search(r"archived to https://127\.0\.0\.1:\d+/devstoreaccount1/reports: 2026/report\.txt", done.stdout)
    assert "token requests to the Entra emulator: 1" in done.stdout


def test_storage_example_says_when_azurite_is_missing(tmp_path: Path) -> None:
    missing = tmp_path / "no-azurite"
    done = subprocess.run(
        [sys.executable, str(EXAMPLE), str(missing)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2 and "Azurite not found" in done.stderr and not done.stdout
