"""Fixtures for the user sign-in tests: a public app, users, a scripted browser, caches under ``tmp_path``."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import azauth._io.persistence
from azauth.emulator import Emulator
from azauth.emulator._user_grants import EmulatedUser
from tests.persistence.persistence_helpers import no_encryption

SCRIPT = Path(__file__).with_name("scripted_browser.py")


@pytest.fixture(autouse=True)
def plaintext_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(azauth._io.persistence, "_encrypted_persistence", no_encryption)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def app(emu: Emulator) -> str:
    """A public client users sign in to."""
    return emu.add_public_app()


@pytest.fixture
def user(emu: Emulator) -> EmulatedUser:
    return emu.add_user(display_name="Ada Lovelace")


class ScriptedBrowser:
    """The ``BROWSER`` command for a credential's environment and what the script did."""

    def __init__(self, directory: Path, emu: Emulator) -> None:
        self._plan_path = directory / "plan.json"
        self._log = directory / "browser.log"
        self._emu = emu
        self.plan(None)

    def plan(self, user: EmulatedUser | None, behaviour: str = "sign-in", **extra: Any) -> None:
        plan = {"log": str(self._log), "ca": self._emu.ca_path, "behaviour": behaviour, **extra}
        if user is not None:
            plan.update(username=user.username, password=user.password, otp=user.mfa_code)
        self._plan_path.write_text(json.dumps(plan))

    @property
    def command(self) -> str:
        return f"{sys.executable} {SCRIPT} {self._plan_path} %s"

    @property
    def entries(self) -> list[dict[str, Any]]:
        if not self._log.exists():
            return []
        return [json.loads(line) for line in self._log.read_text().splitlines()]

    @property
    def launches(self) -> list[str]:
        return [e["url"] for e in self.entries if "url" in e]


@pytest.fixture
def browser(tmp_path: Path, emu: Emulator) -> Iterator[ScriptedBrowser]:
    yield ScriptedBrowser(tmp_path, emu)
