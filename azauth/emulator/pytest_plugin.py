"""pytest plugin (entry point ``azauth_emulator``): ``entra_emulator`` fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ._emulator import Emulator


@pytest.fixture
def entra_emulator() -> Iterator[Emulator]:
    """A fresh, started emulator per test; stopped afterwards."""
    with Emulator() as emu:
        yield emu


@pytest.fixture(scope="session")
def entra_emulator_session() -> Iterator[Emulator]:
    """One started emulator shared by the whole session."""
    with Emulator() as emu:
        yield emu
