"""Helpers for the persistent-cache tests: credentials whose cache lives under ``tmp_path``, file inspection."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import azauth._io.persistence
from azauth import TokenCachePersistenceOptions
from azauth.emulator import Emulator
from tests.support import Mode, connect

WORKER = Path(__file__).with_name("persistence_worker.py")
ROOT = Path(__file__).resolve().parents[2]


def no_encryption(path: str, file_name: str) -> Any:
    """Stands in for the platform's encrypted persistence: as on Linux without libsecret."""
    raise ImportError("libsecret is not available (test)")


def force_plaintext() -> None:
    """Make every cache a plain file, whatever the machine offers, so tests can read it."""
    azauth._io.persistence._encrypted_persistence = no_encryption


def options(name: str = "azauth-test", *, allow_unencrypted_storage: bool = True) -> TokenCachePersistenceOptions:
    return TokenCachePersistenceOptions(name=name, allow_unencrypted_storage=allow_unencrypted_storage)


def secret_credential(mode: Mode, emu: Emulator, home: Path, **kwargs: Any) -> Any:
    """A ClientSecretCredential for the emulator whose persistent cache lives under ``home``."""
    kwargs.setdefault("cache_persistence_options", options())
    return mode.module.ClientSecretCredential(
        kwargs.pop("tenant_id", emu.tenant_id),
        kwargs.pop("client_id", emu.client_id),
        kwargs.pop("client_secret", emu.client_secret),
        environ={"HOME": str(home)},
        **connect(emu),
        **kwargs,
    )


def cache_dir(home: Path) -> Path:
    return home / ".IdentityService"


def read_cache(home: Path, file_name: str = "azauth-test.nocae") -> dict[str, Any]:
    return json.loads((cache_dir(home) / file_name).read_text())  # type: ignore[no-any-return]


def access_tokens(home: Path, file_name: str = "azauth-test.nocae") -> dict[str, Any]:
    return read_cache(home, file_name).get("AccessToken", {})  # type: ignore[no-any-return]


def worker_env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["HOME"] = str(home)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def start_worker(*args: str, home: Path) -> subprocess.Popen[str]:
    """Run ``persistence_worker.py`` with ``args`` in a new process whose home is ``home``."""
    return subprocess.Popen(
        [sys.executable, str(WORKER), *args],
        env=worker_env(home),
        cwd=str(ROOT),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def emulator_args(emu: Emulator) -> list[str]:
    return [emu.authority, emu.ca_path, emu.tenant_id, emu.client_id, emu.client_secret]
