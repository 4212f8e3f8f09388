"""Run your app's Azure Storage code offline: Azurite (the Azure Storage emulator) plus azauth's Entra ID
emulator, with the real ``azure-storage-blob`` client authenticating through an azauth credential.

    npm install azurite        # or: (cd tests/e2e/azurite && npm ci), the version the tests pin
    python examples/azurite_storage.py [path/to/azurite]

The app code (``archive_report``) only sees an account URL and a credential, as in production; the harness in
``main`` points them at loopback: the emulator issues the v1.0 storage token Azurite's ``--oauth basic`` checks,
and Azurite serves HTTPS with a certificate from the emulator's CA, so one CA file trusts both.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

from azure.storage.blob import BlobServiceClient

import azauth
from azauth.emulator import Azurite, Emulator

PINNED = Path(__file__).resolve().parents[1] / "tests" / "e2e" / "azurite" / "node_modules" / ".bin" / "azurite"


def archive_report(account_url: str, credential: Any, report: bytes, **client_options: Any) -> list[str]:
    """The application code under test: store a report and list the archive."""
    with BlobServiceClient(account_url, credential=credential, **client_options) as service:
        container = service.get_container_client("reports")
        if not container.exists():
            container.create_container()
        container.upload_blob("2026/report.txt", report, overwrite=True)
        assert container.download_blob("2026/report.txt").readall() == report
        return [blob.name for blob in container.list_blobs()]


def main(argv: list[str]) -> int:
    executable = argv[1] if len(argv) > 1 else str(PINNED) if PINNED.exists() else shutil.which("azurite")
    if not executable or not os.path.exists(executable):
        print("Azurite not found: `npm install azurite`, then pass node_modules/.bin/azurite", file=sys.stderr)
        return 2
    with Emulator() as emu, Azurite(emu, executable=executable) as storage:
        credential = azauth.ClientSecretCredential(
            emu.tenant_id, emu.client_id, emu.client_secret, authority=emu.authority, connection_verify=emu.ca_path
        )
        with credential:
            names = archive_report(
                storage.url("blob"), credential, b"all systems nominal", connection_verify=emu.ca_path
            )
        print(f"archived to {storage.url('blob')}/reports: {', '.join(names)}")
        print(f"token requests to the Entra emulator: {emu.count('token')}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
