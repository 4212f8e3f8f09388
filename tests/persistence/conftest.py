"""Persistent-cache tests: caches are plain files under ``tmp_path`` (whatever encryption the machine offers)."""

from __future__ import annotations

from pathlib import Path

import pytest

import azauth._io.persistence
from tests.persistence.persistence_helpers import no_encryption


@pytest.fixture(autouse=True)
def plaintext_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(azauth._io.persistence, "_encrypted_persistence", no_encryption)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """The home directory of the credentials under test: their cache is ``home/.IdentityService``."""
    path = tmp_path / "home"
    path.mkdir()
    return path
