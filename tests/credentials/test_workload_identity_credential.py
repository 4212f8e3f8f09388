"""WorkloadIdentityCredential over real HTTPS against the emulator's federated credentials."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import pytest
from azure.core.exceptions import ClientAuthenticationError

from azauth import CredentialUnavailableError
from azauth._core.workload_identity import MAX_TOKEN_FILE_BYTES, REREAD_AFTER
from azauth.emulator import Emulator
from tests.support import SCOPE, FakeClock, Mode, connect

ISSUER = "https://oidc.prod-aks.azure.com/00000000-0000-0000-0000-0000000000aa/"
SUBJECT = "system:serviceaccount:default:workload"


def federate(emu: Emulator) -> str:
    client_id = emu.add_app()
    emu.add_federation(client_id, issuer=ISSUER, subject=SUBJECT)
    return client_id


def write_token(path: Path, emu: Emulator, subject: str = SUBJECT, **kwargs: Any) -> str:
    token = emu.issue_federated_token(issuer=ISSUER, subject=subject, **kwargs)
    path.write_text(token + "\n")
    return token


def credential(mode: Mode, emu: Emulator, client_id: str, path: Path, **kwargs: Any) -> Any:
    return mode.module.WorkloadIdentityCredential(
        tenant_id=emu.tenant_id, client_id=client_id, token_file_path=str(path), **connect(emu), **kwargs
    )


def test_token_for_the_federated_app(mode: Mode, emu: Emulator, tmp_path: Path) -> None:
    client_id = federate(emu)
    path = tmp_path / "token"
    write_token(path, emu)
    cred = credential(mode, emu, client_id, path)
    token = mode.wait(cred.get_token(SCOPE))
    claims = emu.decode_token(token.token, audience="https://vault.azure.net")
    assert (claims["appid"], claims["tid"]) == (client_id, emu.tenant_id)
    assert mode.wait(cred.get_token(SCOPE)).token == token.token
    assert emu.count("token") == 1
    form = emu.requests[-1].form
    assert form["grant_type"] == "client_credentials"
    assert form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    mode.close(cred)


def test_environment_fallbacks(mode: Mode, emu: Emulator, tmp_path: Path) -> None:
    client_id = federate(emu)
    path = tmp_path / "token"
    write_token(path, emu)
    environ = {
        "AZURE_TENANT_ID": emu.tenant_id,
        "AZURE_CLIENT_ID": client_id,
        "AZURE_FEDERATED_TOKEN_FILE": str(path),
        "AZURE_AUTHORITY_HOST": emu.authority,
    }
    cred = mode.module.WorkloadIdentityCredential(environ=environ, connection_verify=emu.ca_path)
    assert emu.decode_token(mode.wait(cred.get_token(SCOPE)).token)["appid"] == client_id
    assert str(path) in repr(cred)
    mode.close(cred)


def test_missing_configuration_names_keywords_and_variables(mode: Mode) -> None:
    with pytest.raises(ValueError) as caught:
        mode.module.WorkloadIdentityCredential(environ={"AZURE_CLIENT_ID": "c"})
    message = str(caught.value)
    assert "'tenant_id' (or AZURE_TENANT_ID)" in message
    assert "'token_file_path' (or AZURE_FEDERATED_TOKEN_FILE)" in message
    assert "client_id" not in message.split("Missing required arguments:")[1]


def rewrite_keeping_signature(path: Path, content: str) -> None:
    """Replace the file's content without changing its inode, size or mtime: a rotation stat cannot see."""
    stat = os.stat(path)
    assert len(content.encode()) == stat.st_size
    with open(path, "r+") as file:
        file.write(content)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_rotated_file_is_read_again(mode: Mode, emu: Emulator, tmp_path: Path, clock: FakeClock) -> None:
    client_id = federate(emu)
    path = tmp_path / "token"
    write_token(path, emu)
    cred = credential(mode, emu, client_id, path, retry_total=0)
    mode.wait(cred.get_token(SCOPE))
    rotated = write_token(path, emu)  # the kubelet writes a new token: mtime changes
    mode.wait(cred.get_token("https://storage.azure.com/.default"))
    assert cred._token_file.assertion == rotated

    # a change stat cannot see is picked up once REREAD_AFTER has passed
    rewrite_keeping_signature(path, "x" * len(rotated) + "\n")
    mode.wait(cred.get_token("https://management.azure.com/.default"))  # the cached assertion is still used
    assert emu.count("token") == 3
    clock.advance(REREAD_AFTER + 1)
    with pytest.raises(ClientAuthenticationError, match="AADSTS50027"):
        mode.wait(cred.get_token("https://graph.microsoft.com/.default"))
    mode.close(cred)


def test_rejected_assertion_is_retried_once_with_a_fresh_read(mode: Mode, emu: Emulator, tmp_path: Path) -> None:
    client_id = federate(emu)
    path = tmp_path / "token"
    write_token(path, emu, lifetime=-60)  # already expired: Entra rejects it (AADSTS700024)
    cred = credential(mode, emu, client_id, path, retry_total=0)
    cred._read(False)  # as if read for an earlier token
    fresh = emu.issue_federated_token(issuer=ISSUER, subject=SUBJECT)
    rewrite_keeping_signature(path, fresh + "\n")  # rotated, but stat shows no change
    token = mode.wait(cred.get_token(SCOPE))
    assert emu.decode_token(token.token)["appid"] == client_id
    assert emu.count("token") == 2  # rejected once, then accepted with the fresh read
    assert cred._token_file.assertion == fresh
    mode.close(cred)


def test_rejection_with_an_unchanged_file_is_not_retried(mode: Mode, emu: Emulator, tmp_path: Path) -> None:
    client_id = federate(emu)
    path = tmp_path / "token"
    write_token(path, emu, subject="system:serviceaccount:other:intruder")
    cred = credential(mode, emu, client_id, path, retry_total=0)
    with pytest.raises(ClientAuthenticationError) as caught:
        mode.wait(cred.get_token(SCOPE))
    assert "AADSTS700213" in str(caught.value)
    assert emu.count("token") == 1
    mode.close(cred)


@pytest.mark.parametrize(
    ("content", "expected"),
    [(None, "does not exist"), ("", "is empty"), ("  \n", "is empty"), ("x" * (MAX_TOKEN_FILE_BYTES + 1), "larger")],
)
def test_unusable_token_file_is_unavailable_and_named(
    mode: Mode, emu: Emulator, tmp_path: Path, content: str | None, expected: str
) -> None:
    path = tmp_path / "token"
    if content is not None:
        path.write_text(content)
    cred = credential(mode, emu, emu.client_id, path)
    with pytest.raises(CredentialUnavailableError) as caught:
        mode.wait(cred.get_token(SCOPE))
    assert expected in str(caught.value)
    assert str(path) in str(caught.value)
    assert emu.count("token") == 0
    mode.close(cred)


def test_directory_instead_of_file(mode: Mode, emu: Emulator, tmp_path: Path) -> None:
    cred = credential(mode, emu, emu.client_id, tmp_path)
    with pytest.raises(CredentialUnavailableError, match="directory"):
        mode.wait(cred.get_token(SCOPE))
    mode.close(cred)


def test_token_from_an_unregistered_issuer_is_rejected(mode: Mode, emu: Emulator, tmp_path: Path) -> None:
    client_id = emu.add_app()
    emu.add_federation(client_id, issuer="https://other-issuer.example/", subject=SUBJECT)
    path = tmp_path / "token"
    write_token(path, emu)
    cred = credential(mode, emu, client_id, path, retry_total=0)
    with pytest.raises(ClientAuthenticationError, match="AADSTS700211"):
        mode.wait(cred.get_token(SCOPE))
    mode.close(cred)


def test_wrong_audience_is_rejected(mode: Mode, emu: Emulator, tmp_path: Path) -> None:
    client_id = federate(emu)
    path = tmp_path / "token"
    write_token(path, emu, audience="api://SomethingElse")
    cred = credential(mode, emu, client_id, path, retry_total=0)
    with pytest.raises(ClientAuthenticationError, match="AADSTS700212"):
        mode.wait(cred.get_token(SCOPE))
    mode.close(cred)


def test_tenant_rules(mode: Mode, emu: Emulator, tmp_path: Path) -> None:
    client_id = federate(emu)
    path = tmp_path / "token"
    write_token(path, emu)
    other = emu.add_tenant()
    cred = credential(mode, emu, client_id, path)
    with pytest.raises(ClientAuthenticationError, match="additionally_allowed_tenants"):
        mode.wait(cred.get_token(SCOPE, tenant_id=other))
    assert emu.count("token") == 0
    pinned = credential(mode, emu, client_id, path, environ={"AZURE_IDENTITY_DISABLE_MULTITENANTAUTH": "true"})
    token = mode.wait(pinned.get_token(SCOPE, tenant_id=other))
    assert emu.decode_token(token.token)["tid"] == emu.tenant_id
    mode.close(cred)
    mode.close(pinned)


def test_cae_tokens_are_separate(mode: Mode, emu: Emulator, tmp_path: Path) -> None:
    client_id = federate(emu)
    path = tmp_path / "token"
    write_token(path, emu)
    cred = credential(mode, emu, client_id, path)
    plain = mode.wait(cred.get_token(SCOPE))
    cae = mode.wait(cred.get_token(SCOPE, enable_cae=True))
    assert plain.token != cae.token
    assert emu.decode_token(cae.token)["xms_cc"] == ["CP1"]
    assert "xms_cc" not in emu.decode_token(plain.token)
    mode.close(cred)


def test_nothing_secret_in_messages_reprs_or_logs(
    mode: Mode, emu: Emulator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client_id = federate(emu)
    path = tmp_path / "token"
    assertion = write_token(path, emu)
    cred = credential(mode, emu, client_id, path, logging_enable=True)
    token = mode.wait(cred.get_token(SCOPE))
    bad = mode.module.WorkloadIdentityCredential(
        tenant_id=emu.tenant_id, client_id=emu.add_app(), token_file_path=str(path), retry_total=0, **connect(emu)
    )
    with pytest.raises(ClientAuthenticationError) as caught:
        mode.wait(bad.get_token(SCOPE))
    shown = [repr(cred), str(cred), repr(token), str(caught.value), repr(cred._token_file), caplog.text]
    for text in shown:
        assert assertion not in text
        assert token.token not in text
    mode.close(cred)
    mode.close(bad)
