"""Fixtures for the emulator tests (real HTTPS over loopback)."""

from __future__ import annotations

import pytest

from azauth.emulator import Emulator


@pytest.fixture
def emu(entra_emulator: Emulator) -> Emulator:
    """Short alias for the plugin's per-test emulator."""
    return entra_emulator
