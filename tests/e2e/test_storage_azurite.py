"""Real Azure Storage SDK clients (blob, queue, table; sync and aio) against Azurite with ``--oauth basic``,
authenticated by azauth credentials built three ways and by azure-identity's, all with emulator tokens."""

from __future__ import annotations

import itertools
from typing import Any

import azure.data.tables
import azure.data.tables.aio
import azure.storage.blob
import azure.storage.blob.aio
import azure.storage.queue
import azure.storage.queue.aio
import pytest
from azure.core.exceptions import HttpResponseError

from azauth.emulator import Azurite
from tests.e2e.conftest import CredentialFactory
from tests.e2e.e2e_support import STORAGE, VAULT_SCOPE, App, collect, unique
from tests.support import Mode

SERVICES = ("blob", "queue", "table")


def _module(mode: Mode, sync: Any, aio: Any) -> Any:
    return aio if mode.is_async else sync


def blob_round_trip(mode: Mode, azurite: Azurite, credential: Any, ca: str) -> None:
    module = _module(mode, azure.storage.blob, azure.storage.blob.aio)
    service = module.BlobServiceClient(azurite.url("blob"), credential=credential, connection_verify=ca)
    try:
        name = unique("c")
        container = mode.wait(service.create_container(name))
        mode.wait(container.upload_blob("hello.txt", b"hello, offline world"))
        downloader = mode.wait(container.download_blob("hello.txt"))
        assert mode.wait(downloader.readall()) == b"hello, offline world"
        assert [b.name for b in collect(mode, container.list_blobs())] == ["hello.txt"]
        assert [c.name for c in collect(mode, service.list_containers(name_starts_with=name))] == [name]
    finally:
        mode.wait(service.close())


def queue_round_trip(mode: Mode, azurite: Azurite, credential: Any, ca: str) -> None:
    module = _module(mode, azure.storage.queue, azure.storage.queue.aio)
    service = module.QueueServiceClient(azurite.url("queue"), credential=credential, connection_verify=ca)
    try:
        name = unique("q")
        queue = mode.wait(service.create_queue(name))
        mode.wait(queue.send_message("hello, offline world"))
        assert [m.content for m in collect(mode, queue.receive_messages())] == ["hello, offline world"]
        assert [q.name for q in collect(mode, service.list_queues(name_starts_with=name))] == [name]
    finally:
        mode.wait(service.close())


def table_round_trip(mode: Mode, azurite: Azurite, credential: Any, ca: str) -> None:
    module = _module(mode, azure.data.tables, azure.data.tables.aio)
    service = module.TableServiceClient(endpoint=azurite.url("table"), credential=credential, connection_verify=ca)
    try:
        name = unique("t")
        table = mode.wait(service.create_table(name))
        mode.wait(table.create_entity({"PartitionKey": "p", "RowKey": "r1", "greeting": "hello"}))
        assert mode.wait(table.get_entity("p", "r1"))["greeting"] == "hello"
        assert [e["RowKey"] for e in collect(mode, table.query_entities("PartitionKey eq 'p'"))] == ["r1"]
        assert name in [t.name for t in collect(mode, service.list_tables())]
        mode.wait(table.close())
    finally:
        mode.wait(service.close())


ROUND_TRIPS = {"blob": blob_round_trip, "queue": queue_round_trip, "table": table_round_trip}


@pytest.mark.parametrize("service", SERVICES)
def test_round_trip(service: str, mode: Mode, azurite: Azurite, app: App, make_credential: CredentialFactory) -> None:
    """Create, write, read and list through the SDK client; the credential asked the emulator once."""
    ROUND_TRIPS[service](mode, azurite, make_credential(), app.emu.ca_path)
    assert app.token_requests() == 1


def test_one_token_per_credential_and_scope(
    mode: Mode, azurite: Azurite, app: App, make_credential: CredentialFactory
) -> None:
    credential = make_credential()
    for service in SERVICES:  # three services, one scope: one token
        ROUND_TRIPS[service](mode, azurite, credential, app.emu.ca_path)
    assert app.token_requests() == 1
    mode.wait(credential.get_token(VAULT_SCOPE))  # another scope: another token
    mode.wait(credential.get_token(STORAGE))
    assert app.token_requests() == 2


def test_concurrent_calls_through_one_client_need_one_token(
    mode: Mode, azurite: Azurite, app: App, make_credential: CredentialFactory, way: str
) -> None:
    """8 threads (sync) or 50 tasks (async) share one container client from its first call on: azauth's
    single flight asks the emulator once; azure-identity's sync credentials let every thread ask."""
    module = _module(mode, azure.storage.blob, azure.storage.blob.aio)
    container = module.ContainerClient(
        azurite.url("blob"), unique("c"), credential=make_credential(), connection_verify=app.emu.ca_path
    )
    counter = itertools.count()
    creator = module.ContainerClient(
        azurite.url("blob"), container.container_name, credential=make_credential(), connection_verify=app.emu.ca_path
    )
    mode.wait(creator.create_container())
    mode.wait(creator.close())
    before = app.token_requests()
    width = 50 if mode.is_async else 8
    mode.concurrently(lambda: container.upload_blob(f"b{next(counter)}", b"x"), width)
    assert len(collect(mode, container.list_blobs())) == width
    herd = app.token_requests() - before
    if way.startswith("azauth") or mode.is_async:  # azure-core's async policy serializes its tasks
        assert herd == 1
    else:
        assert 1 <= herd <= width  # one request per thread that found the cache empty (docs/decisions.md)
    mode.wait(container.close())


def test_azurite_refuses_a_v2_token(mode: Mode, azurite: Azurite, app: App) -> None:
    """The negative control: storage receives v1.0 tokens from Entra, and Azurite checks the issuer."""
    emu = app.emu
    emu.access_token_version = "2.0"
    try:
        credential = mode.module.ClientSecretCredential(
            emu.tenant_id, app.client_id, app.secret, authority=emu.authority, connection_verify=emu.ca_path
        )
        with pytest.raises(HttpResponseError) as refused:
            blob_round_trip(mode, azurite, credential, emu.ca_path)
        assert refused.value.status_code == 403 and "issuer" in str(refused.value).lower()
        mode.close(credential)
    finally:
        emu.access_token_version = None
