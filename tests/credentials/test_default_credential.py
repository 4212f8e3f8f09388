"""DefaultAzureCredential: its members and their order, AZURE_TOKEN_CREDENTIALS, the chain contract, fast
failure, single flight across the chain, and the public "which credential answered"; against the emulator, with
a closed or silent loopback port for an absent IMDS."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from azure.core.credentials import AccessTokenInfo
from azure.core.exceptions import ClientAuthenticationError

from azauth._core.chained import credential_name
from azauth._core.default import GROUPS, MEMBERS
from azauth.emulator import Emulator
from tests.support import SCOPE, Mode

STORAGE = "https://storage.azure.com/.default"
TROUBLESHOOTING = "https://aka.ms/azsdk/python/identity/defaultazurecredential/troubleshoot"
ISSUER = "https://oidc.prod-aks.azure.com/00000000-0000-0000-0000-0000000000aa/"
SUBJECT = "system:serviceaccount:default:workload"


@pytest.fixture
def connects(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, int]]]:
    """Every TCP connection attempt of this process (sync and async transports both call ``socket.connect``)."""
    seen: list[tuple[str, int]] = []
    real = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> None:
        if isinstance(address, tuple):
            seen.append((address[0], address[1]))
        real(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    yield seen


def port(url: str) -> int:
    return urlparse(url).port or 0


def names(credential: Any) -> list[str]:
    return [credential_name(c) for c in credential.credentials]


def nothing(tmp_path: Path, imds: str) -> dict[str, str]:
    """An environment with nothing configured: no variables, no tools on PATH, IMDS at ``imds``."""
    empty = tmp_path / "empty-bin"
    empty.mkdir(exist_ok=True)
    return {"PATH": str(empty), "AZURE_POD_IDENTITY_AUTHORITY_HOST": imds}


def service_principal(emu: Emulator, **extra: str) -> dict[str, str]:
    return {
        "AZURE_TENANT_ID": emu.tenant_id,
        "AZURE_CLIENT_ID": emu.client_id,
        "AZURE_CLIENT_SECRET": emu.client_secret,
        "AZURE_AUTHORITY_HOST": emu.authority,
        "AZURE_POD_IDENTITY_AUTHORITY_HOST": emu.mi.refused_endpoint,
        **extra,
    }


# ------------------------------------------------------------------------------------------ fast failure


def test_nothing_configured_fails_at_once_listing_every_member(
    mode: Mode, emu: Emulator, tmp_path: Path, connects: list[tuple[str, int]]
) -> None:
    imds = emu.mi.refused_endpoint
    credential = mode.module.DefaultAzureCredential(environ=nothing(tmp_path, imds))
    with pytest.raises(ClientAuthenticationError) as caught:
        mode.wait(credential.get_token(SCOPE))
    message = caught.value.message
    assert message.startswith("DefaultAzureCredential failed to retrieve a token from the included credentials.")
    for name in names(credential):
        assert f"\n\t{name}: " in message
    assert "EnvironmentCredential authentication unavailable" in message
    assert "WorkloadIdentityCredential could not be created" in message and "AZURE_FEDERATED_TOKEN_FILE" in message
    assert "no response from the IMDS endpoint" in message and TROUBLESHOOTING in message
    # the members that cannot apply were decided without a connection: the IMDS probe is the only one
    assert connects == [("127.0.0.1", port(imds))]
    with pytest.raises(ClientAuthenticationError, match="not probed again"):
        mode.wait(credential.get_token_info(SCOPE))
    assert len(connects) == 1  # the second walk costs no request at all
    assert credential.selected_credential is None
    mode.close(credential)


def test_a_silent_imds_costs_one_bounded_probe(
    mode: Mode, emu: Emulator, tmp_path: Path, connects: list[tuple[str, int]]
) -> None:
    imds = emu.mi.silent_endpoint
    credential = mode.module.DefaultAzureCredential(environ=nothing(tmp_path, imds))
    for _ in range(3):
        with pytest.raises(ClientAuthenticationError, match=r"no response from the IMDS endpoint within 1 s"):
            mode.wait(credential.get_token(SCOPE))
    assert [c for c in connects if c[1] == port(imds)] == [("127.0.0.1", port(imds))]
    mode.close(credential)


# --------------------------------------------------------------------------------- who answers, and how


def test_environment_answers_and_is_the_selected_credential(
    mode: Mode, emu: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="azauth")
    credential = mode.module.DefaultAzureCredential(environ=service_principal(emu), connection_verify=emu.ca_path)
    assert credential.selected_credential is None
    token = mode.wait(credential.get_token(SCOPE))
    assert emu.decode_token(token.token)["appid"] == emu.client_id
    selected = credential.selected_credential
    assert type(selected).__name__ == "EnvironmentCredential" and selected is credential.credentials[0]
    # the member's token object itself, from the member's cache: no second request, no copy
    assert mode.wait(credential.get_token(SCOPE)) is mode.wait(selected.get_token(SCOPE))
    info = mode.wait(credential.get_token_info(SCOPE))
    assert isinstance(info, AccessTokenInfo) and info is mode.wait(selected.get_token_info(SCOPE))
    mode.wait(credential.get_token(STORAGE))
    assert emu.count("token") == 2
    answered = [r for r in caplog.records if "acquired a token from" in r.getMessage()]
    assert [(r.levelno, r.getMessage()) for r in answered] == [
        (logging.INFO, "DefaultAzureCredential acquired a token from EnvironmentCredential")
    ]
    mode.close(credential)


def test_after_a_success_the_selected_member_answers_alone(mode: Mode, emu: Emulator) -> None:
    """azure-identity's contract: the next calls go to the member that answered, and its errors are its own."""
    credential = mode.module.DefaultAzureCredential(environ=service_principal(emu), connection_verify=emu.ca_path)
    mode.wait(credential.get_token(SCOPE))
    emu.fault("token", status=400, body={"error": "invalid_request", "error_description": "AADSTS90000: no."})
    with pytest.raises(ClientAuthenticationError) as caught:
        mode.wait(credential.get_token(STORAGE))
    assert "AADSTS90000" in caught.value.message
    assert "failed to retrieve a token from the included credentials" not in caught.value.message
    assert type(credential.selected_credential).__name__ == "EnvironmentCredential"
    mode.close(credential)


def test_managed_identity_answers_after_the_probe(mode: Mode, emu: Emulator, tmp_path: Path) -> None:
    credential = mode.module.DefaultAzureCredential(environ=nothing(tmp_path, emu.imds_endpoint))
    token = mode.wait(credential.get_token(SCOPE))
    assert emu.decode_token(token.token)["appid"] == emu.managed_identity_client_id
    probe, request = [r for r in emu.requests if r.endpoint == "imds"]
    assert "metadata" not in probe.headers and request.headers["metadata"] == "true"
    assert type(credential.selected_credential).__name__ == "ManagedIdentityCredential"
    mode.close(credential)


def test_managed_identity_named_by_the_variable_is_not_probed(mode: Mode, emu: Emulator, tmp_path: Path) -> None:
    environ = {**nothing(tmp_path, emu.imds_endpoint), "AZURE_TOKEN_CREDENTIALS": "ManagedIdentityCredential"}
    credential = mode.module.DefaultAzureCredential(environ=environ)
    assert names(credential) == ["ManagedIdentityCredential"]
    emu.fault("imds", status=503, times=1)  # full retries: a transient failure is retried, not "unavailable"
    token = mode.wait(credential.get_token(SCOPE))
    assert emu.decode_token(token.token)["appid"] == emu.managed_identity_client_id
    imds = [r for r in emu.requests if r.endpoint == "imds"]
    assert len(imds) == 2 and all(r.headers.get("metadata") == "true" for r in imds)
    mode.close(credential)


def test_workload_identity_answers_with_its_variables(mode: Mode, emu: Emulator, tmp_path: Path) -> None:
    client_id = emu.add_app()
    emu.add_federation(client_id, issuer=ISSUER, subject=SUBJECT)
    token_file = tmp_path / "token"
    token_file.write_text(emu.issue_federated_token(issuer=ISSUER, subject=SUBJECT))
    environ = {
        **nothing(tmp_path, emu.mi.refused_endpoint),
        "AZURE_TENANT_ID": emu.tenant_id,
        "AZURE_CLIENT_ID": "not-this-one",
        "AZURE_FEDERATED_TOKEN_FILE": str(token_file),
        "AZURE_AUTHORITY_HOST": emu.authority,
    }
    credential = mode.module.DefaultAzureCredential(
        environ=environ, workload_identity_client_id=client_id, connection_verify=emu.ca_path
    )
    token = mode.wait(credential.get_token(SCOPE))
    assert emu.decode_token(token.token)["appid"] == client_id
    assert type(credential.selected_credential).__name__ == "WorkloadIdentityCredential"
    mode.close(credential)


def test_single_flight_across_the_whole_chain(mode: Mode, emu: Emulator, tmp_path: Path) -> None:
    credential = mode.module.DefaultAzureCredential(environ=nothing(tmp_path, emu.imds_endpoint))
    count = 200 if mode.is_async else 32
    tokens = mode.concurrently(lambda: credential.get_token(SCOPE), count)
    assert len({t.token for t in tokens}) == 1
    assert emu.count("imds") == 2  # one walk: one probe, one token request, for every caller
    mode.close(credential)


def test_keywords_reach_their_members(mode: Mode, emu: Emulator, tmp_path: Path) -> None:
    user_assigned = emu.add_managed_identity()
    environ = {**nothing(tmp_path, emu.imds_endpoint), "AZURE_CLIENT_ID": "not-assigned-here"}
    credential = mode.module.DefaultAzureCredential(environ=environ, managed_identity_client_id=user_assigned)
    token = mode.wait(credential.get_token(SCOPE))
    assert emu.decode_token(token.token)["appid"] == user_assigned
    mode.close(credential)
    # without the keyword, AZURE_CLIENT_ID is the managed identity's client id
    credential = mode.module.DefaultAzureCredential(environ=environ)
    with pytest.raises(ClientAuthenticationError, match="not-assigned-here"):
        mode.wait(credential.get_token(SCOPE))
    mode.close(credential)
    other = emu.add_tenant()
    credential = mode.module.DefaultAzureCredential(
        environ=service_principal(emu), connection_verify=emu.ca_path, additionally_allowed_tenants=[other]
    )
    with pytest.raises(ClientAuthenticationError, match="AADSTS700016"):  # allowed: Entra is asked (no such app)
        mode.wait(credential.get_token(SCOPE, tenant_id=other))
    assert emu.count("token") == 1
    with pytest.raises(ClientAuthenticationError, match="not-allowed"):
        mode.wait(credential.get_token(SCOPE, tenant_id="not-allowed"))
    assert emu.count("token") == 1  # refused before any request
    mode.close(credential)


def test_tenant_id_is_refused(mode: Mode) -> None:
    with pytest.raises(TypeError, match="tenant_id"):
        mode.module.DefaultAzureCredential(tenant_id="t", environ={})


# ------------------------------------------------------------------------------ AZURE_TOKEN_CREDENTIALS


def test_default_members_and_order(mode: Mode) -> None:
    credential = mode.module.DefaultAzureCredential(environ={})
    expected = [m.class_name for m in MEMBERS if not m.excluded_by_default and m.type in _implemented()]
    assert names(credential) == expected
    assert expected[:3] == ["EnvironmentCredential", "WorkloadIdentityCredential", "ManagedIdentityCredential"]


def _implemented() -> set[str]:
    from azauth._core.base import CORE_TYPES

    return set(CORE_TYPES)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("prod", ["EnvironmentCredential", "WorkloadIdentityCredential", "ManagedIdentityCredential"]),
        ("PROD", ["EnvironmentCredential", "WorkloadIdentityCredential", "ManagedIdentityCredential"]),
        ("ManagedIdentityCredential", ["ManagedIdentityCredential"]),
        (" managedidentity ", ["ManagedIdentityCredential"]),
        ("environmentcredential", ["EnvironmentCredential"]),
        ("WorkloadIdentity", ["WorkloadIdentityCredential"]),
    ],
)
def test_token_credentials_variable_narrows_the_chain(mode: Mode, value: str, expected: list[str]) -> None:
    credential = mode.module.DefaultAzureCredential(environ={"AZURE_TOKEN_CREDENTIALS": value})
    assert names(credential) == expected


def test_dev_keeps_only_developer_credentials(mode: Mode) -> None:
    try:
        credential = mode.module.DefaultAzureCredential(environ={"AZURE_TOKEN_CREDENTIALS": "dev"})
    except ValueError as exc:  # before the developer credentials exist, there is nothing to try
        assert "not implemented yet" in str(exc)
        return
    dev = {m.class_name for m in MEMBERS if m.type in GROUPS["dev"]}
    assert names(credential) and set(names(credential)) <= dev


def test_explicit_exclusions_win_over_the_variable(mode: Mode) -> None:
    environ = {"AZURE_TOKEN_CREDENTIALS": "prod"}
    credential = mode.module.DefaultAzureCredential(environ=environ, exclude_environment_credential=True)
    assert names(credential) == ["WorkloadIdentityCredential", "ManagedIdentityCredential"]
    environ = {"AZURE_TOKEN_CREDENTIALS": "ManagedIdentityCredential"}
    credential = mode.module.DefaultAzureCredential(environ=environ, exclude_environment_credential=False)
    assert names(credential) == ["EnvironmentCredential", "ManagedIdentityCredential"]


@pytest.mark.parametrize("value", ["nonsense", "SharedTokenCacheCredential", "dev,prod"])
def test_unknown_value_names_the_variable_and_the_valid_values(mode: Mode, value: str) -> None:
    with pytest.raises(ValueError) as caught:
        mode.module.DefaultAzureCredential(environ={"AZURE_TOKEN_CREDENTIALS": value})
    message = str(caught.value)
    assert f"Invalid value for AZURE_TOKEN_CREDENTIALS: {value!r}" in message
    assert "dev, prod, EnvironmentCredential, WorkloadIdentityCredential, ManagedIdentityCredential" in message


def test_require_envvar(mode: Mode) -> None:
    with pytest.raises(ValueError, match="AZURE_TOKEN_CREDENTIALS environment variable is required"):
        mode.module.DefaultAzureCredential(environ={}, require_envvar=True)
    credential = mode.module.DefaultAzureCredential(environ={"AZURE_TOKEN_CREDENTIALS": "prod"}, require_envvar=True)
    assert len(names(credential)) == 3
