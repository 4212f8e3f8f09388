"""pytest plugin (entry point ``azauth_emulator``): ``entra_emulator`` fixtures.

Test your app's Azure SDK code offline against Azurite and the emulator
-----------------------------------------------------------------------

Azurite, the Azure Storage emulator (``npm install azurite``; pin it with a ``package.json`` +
``package-lock.json`` and ``npm ci``), accepts OAuth tokens with ``--oauth basic`` over HTTPS. The emulator
issues the v1.0 storage tokens it checks (issuer ``https://sts.windows.net/{tenant}/``, audience
``https://storage.azure.com``) and :class:`azauth.emulator.Azurite` starts Azurite on loopback with the
emulator's TLS certificate, so one CA file (``ca_path``) trusts both. Start both once per session::

    import pytest
    from azure.storage.blob import BlobServiceClient
    from azauth import ClientSecretCredential
    from azauth.emulator import Azurite

    @pytest.fixture(scope="session")
    def azurite(entra_emulator_session):
        with Azurite(entra_emulator_session, executable="node_modules/.bin/azurite") as storage:
            yield storage                      # stopped by its pid at the end of the session

    def test_archive(entra_emulator_session, azurite):
        emu = entra_emulator_session
        credential = ClientSecretCredential(emu.tenant_id, emu.client_id, emu.client_secret,
                                            authority=emu.authority, connection_verify=emu.ca_path)
        service = BlobServiceClient(azurite.url("blob"), credential=credential, connection_verify=emu.ca_path)
        service.create_container("reports").upload_blob("a.txt", b"hello")   # your app's code
        assert emu.count("token") >= 1

``azurite.url("queue")`` and ``azurite.url("table")`` serve ``azure-storage-queue`` and ``azure-data-tables``
the same way. For a service with no emulator (Key Vault, Azure OpenAI...), serve a small loopback fake with
``emu.server_certificate_paths()`` and validate bearer tokens against the keys behind the discovery
documents (``{authority}/{tenant}/.well-known/openid-configuration`` for v1.0 tokens, ``.../v2.0/...`` for
v2.0). ``examples/azurite_storage.py`` is a runnable version; ``tests/e2e/`` runs the SDK clients, Key Vault
and ``openai`` this way.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ._emulator import Emulator


@pytest.fixture
def entra_emulator() -> Iterator[Emulator]:
    """A fresh, started emulator per test; stopped afterwards (see the module docs for the Azurite pattern)."""
    with Emulator() as emu:
        yield emu


@pytest.fixture(scope="session")
def entra_emulator_session() -> Iterator[Emulator]:
    """One started emulator shared by the whole session: the one to pair with a session-wide Azurite, whose
    certificate comes from this emulator's CA."""
    with Emulator() as emu:
        yield emu
