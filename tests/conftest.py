"""Shared fixtures: one test body runs in both modes, against the loopback emulator."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

import azauth._io.aio
import azauth._io.sync
from azauth.emulator import Emulator
from tests.support import FakeClock, Mode


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> Iterator[Mode]:
    m = Mode(request.param)
    yield m
    m.shutdown()


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator() as emulator:
        yield emulator


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """Replaces the drivers' clock and sleep: tests move time instead of waiting; ``clock.sleeps`` records
    every ``Sleep`` step a flow took."""
    fake = FakeClock(time.time())
    monkeypatch.setattr(azauth._io.sync, "_time", fake)
    monkeypatch.setattr(azauth._io.aio, "_time", fake)
    monkeypatch.setattr(azauth._io.sync, "_sleep", fake.sleep)
    monkeypatch.setattr(azauth._io.aio, "_asleep", fake.asleep)
    return fake
