"""Fixtures of the developer-tool tests: a directory of fake tools first on PATH."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.developer_tools.fake_tools import FakeTools, tools_alone_on_path


@pytest.fixture
def tools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeTools:
    return tools_alone_on_path(tmp_path, monkeypatch)
