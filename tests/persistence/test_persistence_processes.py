"""The persistent cache across processes: lock contention with msal-extensions' own lock, concurrent writers."""

from __future__ import annotations

import logging
import subprocess
import time
from pathlib import Path

import pytest

import azauth._io.persistence
from azauth.emulator import Emulator
from tests.persistence.persistence_helpers import (
    access_tokens,
    cache_dir,
    emulator_args,
    secret_credential,
    start_worker,
)
from tests.support import SCOPE, Mode


def hold_lock(home: Path, seconds: float) -> subprocess.Popen[str]:
    cache_dir(home).mkdir(mode=0o700, exist_ok=True)
    holder = start_worker("hold-lock", str(cache_dir(home) / "azauth-test.nocae"), str(seconds), home=home)
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "locked", holder.stderr.read() if holder.stderr else ""
    return holder


def test_a_lock_held_briefly_by_another_process_delays_the_write(mode: Mode, emu: Emulator, home: Path) -> None:
    holder = hold_lock(home, 0.8)
    credential = secret_credential(mode, emu, home)
    started = time.monotonic()
    token = mode.wait(credential.get_token(SCOPE))
    elapsed = time.monotonic() - started
    assert holder.wait(10) == 0
    assert elapsed >= 0.4  # waited for the other process
    assert [e["secret"] for e in access_tokens(home).values()] == [token.token]
    mode.close(credential)


def test_a_lock_held_too_long_skips_persisting_with_a_warning(
    mode: Mode, emu: Emulator, home: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(azauth._io.persistence, "LOCK_TIMEOUT", 0.3)
    holder = hold_lock(home, 30)
    try:
        credential = secret_credential(mode, emu, home)
        started = time.monotonic()
        with caplog.at_level(logging.WARNING, logger="azauth"):
            token = mode.wait(credential.get_token(SCOPE))
        elapsed = time.monotonic() - started
        assert token.token and 0.3 <= elapsed < 5
        warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert any("Did not persist" in w and "azauth-test.nocae.lockfile" in w for w in warnings)
        assert all(token.token not in w for w in warnings)
        assert not (cache_dir(home) / "azauth-test.nocae").exists()
        assert mode.wait(credential.get_token(SCOPE)).token == token.token  # the in-memory cache still works
    finally:
        holder.kill()
        holder.wait()
    mode.close(credential)


def test_several_processes_writing_one_cache_lose_no_entries(mode: Mode, emu: Emulator, home: Path) -> None:
    go = home / "go"
    processes, per_process = 4, 5
    scopes = [[f"https://app{p}-res{s}.example.com/.default" for s in range(per_process)] for p in range(processes)]
    workers = [start_worker("tokens", mode.name, *emulator_args(emu), str(go), *batch, home=home) for batch in scopes]
    time.sleep(0.3)
    go.touch()  # all start at once
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0 and out.strip() == "done", err[-2000:]
        assert "Did not persist" not in err, err[-2000:]
    entries = access_tokens(home)
    assert sorted(e["target"] for e in entries.values()) == sorted(s for batch in scopes for s in batch)
    assert emu.count("token") == processes * per_process

    reader = secret_credential(mode, emu, home)
    for batch in scopes:
        for scope in batch:
            mode.wait(reader.get_token(scope))
    assert emu.count("token") == processes * per_process  # every token came from the shared cache
    assert not (cache_dir(home) / "azauth-test.nocae.lockfile").exists()
    mode.close(reader)
