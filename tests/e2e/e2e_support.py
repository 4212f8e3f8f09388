"""Helpers for the end-to-end tests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from azauth.emulator import Emulator
from tests.support import Mode

STORAGE = "https://storage.azure.com/.default"
VAULT_SCOPE = "https://vault.azure.net/.default"


@dataclass
class App:
    """A fresh app registration per test, so its token requests can be counted on the shared emulator."""

    emu: Emulator
    client_id: str
    secret: str

    def token_requests(self, tenant_id: str | None = None) -> int:
        """Token requests this app made (to ``tenant_id`` only, when given)."""
        return sum(
            1
            for r in self.emu.requests
            if r.endpoint == "token"
            and r.form.get("client_id") == self.client_id
            and (tenant_id is None or f"/{tenant_id}/" in r.path)
        )


def collect(mode: Mode, pager: Any) -> list[Any]:
    """The items of a sync pager or an async one."""
    if not mode.is_async:
        return list(pager)

    async def gather() -> list[Any]:
        return [item async for item in pager]

    return mode.wait(gather())  # type: ignore[no-any-return]


def unique(prefix: str) -> str:
    """A storage-safe name (lower-case letters and digits) unique to the test."""
    return prefix + uuid.uuid4().hex[:12]
