"""Helpers shared by the tests: one test body for both modes, an injected clock, emulator wiring."""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from types import ModuleType
from typing import Any

import azauth
import azauth.aio
from azauth.emulator import Emulator

SCOPE = "https://vault.azure.net/.default"


class Mode:
    """Runs the same test body against the sync (``azauth``) or async (``azauth.aio``) credentials."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.is_async = name == "async"
        self.module: ModuleType = azauth.aio if self.is_async else azauth
        self._loop = asyncio.new_event_loop() if self.is_async else None

    def wait(self, value: Any) -> Any:
        """The result of a call: awaited in async mode."""
        if inspect.isawaitable(value):
            assert self._loop is not None, "a sync credential returned an awaitable"
            return self._loop.run_until_complete(value)
        return value

    def concurrently(self, call: Callable[[], Any], count: int) -> list[Any]:
        """``count`` simultaneous calls: tasks on one loop (async) or threads behind a barrier (sync)."""
        if self.is_async:

            async def gather() -> list[Any]:
                return list(await asyncio.gather(*(call() for _ in range(count))))

            return self.wait(gather())  # type: ignore[no-any-return]
        barrier = threading.Barrier(count)

        def one() -> Any:
            barrier.wait()
            return call()

        with ThreadPoolExecutor(count) as pool:
            return list(pool.map(lambda _: one(), range(count)))

    def close(self, credential: Any) -> None:
        self.wait(credential.close())

    def shutdown(self) -> None:
        if self._loop is not None:
            self._loop.run_until_complete(self._loop.shutdown_asyncgens())
            self._loop.close()

    def __repr__(self) -> str:
        return self.name


class FakeClock:
    """An injected clock for the drivers: tests move time instead of waiting."""

    def __init__(self, start: float) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        """Stands in for ``time.sleep``: records the wait and moves time on."""
        self.sleeps.append(seconds)
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        """Stands in for ``asyncio.sleep``."""
        self.sleep(seconds)

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def connect(emu: Emulator) -> dict[str, Any]:
    """Keyword arguments that point a credential at the emulator."""
    return {"authority": emu.authority, "connection_verify": emu.ca_path}


STRICT_TOOLS_VARIABLE = "AZAUTH_TEST_REQUIRE_TOOLS"
"""Set (to 1) by ``.ci/run``: a test whose tool is missing fails instead of skipping, so CI cannot pass by skipping."""


def require_tool(available: bool, reason: str) -> None:
    """Skip the calling test with ``reason`` when a tool it needs (a browser, node, Azurite) is missing;
    under ``AZAUTH_TEST_REQUIRE_TOOLS=1`` (CI) the same situation is a failure."""
    import os

    import pytest

    if available:
        return
    if os.environ.get(STRICT_TOOLS_VARIABLE, "") not in ("", "0"):
        pytest.fail(f"{reason} ({STRICT_TOOLS_VARIABLE} is set, so a missing tool fails the run)")
    pytest.skip(reason)
