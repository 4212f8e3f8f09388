"""Issue 13, defect 5: a FIFO (or any non-regular file) where a file is read is refused at once instead of
blocking: the workload-identity token file, the persistent cache file and the Azure Arc key file (the config
file and ``{file:}`` secrets are covered in tests/config/test_hostile_inputs.py)."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import pytest
from azure.core.exceptions import ClientAuthenticationError
from test_transport_faults import bounded_call

import azauth._io.persistence
from azauth import TokenCachePersistenceOptions
from azauth._core.managed_identity import read_arc_key
from tests.faults.fault_server import FaultServer
from tests.persistence.persistence_helpers import no_encryption
from tests.support import SCOPE, Mode

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")


def test_workload_identity_token_file_fifo(mode: Mode, tmp_path: Path) -> None:
    fifo = tmp_path / "token"
    os.mkfifo(fifo)
    with FaultServer(tls=True) as server:
        credential = mode.module.WorkloadIdentityCredential(
            tenant_id="tenant",
            client_id="client",
            token_file_path=str(fifo),
            authority=server.authority,
            connection_verify=server.ca_path,
        )
        error = bounded_call(mode, lambda: credential.get_token(SCOPE))
        mode.close(credential)
        assert isinstance(error, ClientAuthenticationError)
        assert "not a regular file" in str(error)
        assert server.requests == []


def test_persistent_cache_fifo_is_moved_aside(mode: Mode, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(azauth._io.persistence, "_encrypted_persistence", no_encryption)
    directory = tmp_path / ".IdentityService"
    directory.mkdir(mode=0o700)
    os.mkfifo(directory / "fifo.nocae")
    with FaultServer(tls=True) as server:
        credential = mode.module.ClientSecretCredential(
            "tenant",
            "client",
            "secret",
            authority=server.authority,
            connection_verify=server.ca_path,
            environ={"HOME": str(tmp_path)},
            cache_persistence_options=TokenCachePersistenceOptions(name="fifo", allow_unencrypted_storage=True),
        )
        error = bounded_call(mode, lambda: credential.get_token(SCOPE))
        mode.close(credential)
        assert error is None
        assert len(server.requests) == 1
    assert (directory / "fifo.nocae").is_file()  # replaced by a real cache file
    assert any(p.name.startswith("fifo.nocae.corrupt-") for p in directory.iterdir())


def test_azure_arc_key_fifo(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "id.key")
    with pytest.raises(ValueError, match="not a regular file"):
        read_arc_key(str(tmp_path / "id.key"), directory=str(tmp_path))


def test_encrypted_cache_fifo_degrades_to_no_persistence(
    mode: Mode, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """msal-extensions opens the encrypted cache's file itself (a real ``msal_extensions.FilePersistence`` here,
    as no keyring runs in tests): a FIFO there is refused by ``os.stat`` first and the request goes on without
    persistence, with a warning, instead of blocking in msal-extensions' ``open``."""
    import msal_extensions

    monkeypatch.setattr(
        azauth._io.persistence, "_encrypted_persistence", lambda path, name: msal_extensions.FilePersistence(path)
    )
    directory = tmp_path / ".IdentityService"
    directory.mkdir(mode=0o700)
    os.mkfifo(directory / "enc.nocae")
    with FaultServer(tls=True) as server:
        credential = mode.module.ClientSecretCredential(
            "tenant",
            "client",
            "secret",
            authority=server.authority,
            connection_verify=server.ca_path,
            environ={"HOME": str(tmp_path)},
            cache_persistence_options=TokenCachePersistenceOptions(name="enc"),
        )
        with caplog.at_level(logging.WARNING, logger="azauth"):
            error = bounded_call(mode, lambda: credential.get_token(SCOPE))
        mode.close(credential)
        assert error is None
        assert len(server.requests) == 1
    assert any(
        "continuing without it" in r.getMessage() and "not a regular file" in r.getMessage() for r in caplog.records
    )
    assert stat.S_ISFIFO(os.stat(directory / "enc.nocae").st_mode)  # left alone: not ours to replace
