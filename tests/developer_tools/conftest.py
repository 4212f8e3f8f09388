"""Fixtures of the developer-tool tests: a directory of fake tools first on PATH."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.developer_tools.fake_tools import FakeTools


@pytest.fixture
def tools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeTools:
    directory = tmp_path / "bin"
    directory.mkdir()
    fake = FakeTools(directory, monkeypatch)
    fake.only_on_path()
    return fake
