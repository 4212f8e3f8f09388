"""AzurePipelinesCredential against the emulator's Azure DevOps OIDC endpoint and federated credentials."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from azure.core.exceptions import ClientAuthenticationError

from azauth import CredentialUnavailableError
from azauth.emulator import Emulator
from tests.support import SCOPE, Mode, connect


def setup(emu: Emulator) -> tuple[Any, dict[str, str]]:
    client_id = emu.add_app()
    connection = emu.add_pipelines_service_connection(client_id)
    return connection, {"SYSTEM_OIDCREQUESTURI": emu.pipelines_oidc_request_uri}


def credential(mode: Mode, emu: Emulator, connection: Any, environ: dict[str, str], **kwargs: Any) -> Any:
    options: dict[str, Any] = {
        "tenant_id": emu.tenant_id,
        "client_id": connection.client_id,
        "service_connection_id": connection.service_connection_id,
        "system_access_token": connection.system_access_token,
        "environ": environ,
        "retry_total": 0,
        **connect(emu),
    }
    options.update(kwargs)
    return mode.module.AzurePipelinesCredential(**options)


def test_oidc_token_is_exchanged_for_an_entra_token(mode: Mode, emu: Emulator) -> None:
    connection, environ = setup(emu)
    cred = credential(mode, emu, connection, environ)
    token = mode.wait(cred.get_token(SCOPE))
    assert emu.decode_token(token.token, audience="https://vault.azure.net")["appid"] == connection.client_id
    assert mode.wait(cred.get_token(SCOPE)).token == token.token
    oidc = [r for r in emu.requests if r.endpoint == "pipelines-oidc"]
    assert len(oidc) == 1 and emu.count("token") == 1
    assert oidc[0].method == "POST"
    assert oidc[0].query == {"api-version": "7.1", "serviceConnectionId": connection.service_connection_id}
    assert oidc[0].headers["authorization"] == "***"
    assert oidc[0].headers["x-tfs-fedauthredirect"] == "Suppress"
    mode.close(cred)


def test_missing_oidc_request_uri_is_unavailable(mode: Mode, emu: Emulator) -> None:
    connection, _ = setup(emu)
    cred = credential(mode, emu, connection, {})
    with pytest.raises(CredentialUnavailableError, match="SYSTEM_OIDCREQUESTURI"):
        mode.wait(cred.get_token(SCOPE))
    assert emu.requests == []
    mode.close(cred)


def test_missing_arguments_are_named(mode: Mode) -> None:
    with pytest.raises(ValueError, match="'service_connection_id', 'system_access_token'"):
        mode.module.AzurePipelinesCredential(
            tenant_id="t", client_id="c", service_connection_id="", system_access_token=""
        )


@pytest.mark.parametrize(
    ("change", "status", "hint"),
    [
        ({"system_access_token": "ado~not-the-token"}, 401, "System.AccessToken was rejected"),
        ({"service_connection_id": "00000000-0000-0000-0000-000000000404"}, 404, "service_connection_id"),
    ],
)
def test_oidc_endpoint_errors_are_explained(
    mode: Mode, emu: Emulator, change: dict[str, str], status: int, hint: str
) -> None:
    connection, environ = setup(emu)
    cred = credential(mode, emu, connection, environ, **change)
    with pytest.raises(ClientAuthenticationError) as caught:
        mode.wait(cred.get_token(SCOPE))
    message = str(caught.value)
    assert f"HTTP {status}" in message and hint in message
    assert emu.pipelines_oidc_request_uri in message and "troubleshoot" in message
    assert connection.system_access_token not in message
    assert change.get("system_access_token", connection.system_access_token) not in message
    assert emu.count("token") == 0
    mode.close(cred)


def test_another_pipelines_token_is_forbidden(mode: Mode, emu: Emulator) -> None:
    connection, environ = setup(emu)
    other, _ = setup(emu)
    cred = credential(mode, emu, connection, environ, system_access_token=other.system_access_token)
    with pytest.raises(ClientAuthenticationError, match="HTTP 403.*not authorized to use this service connection"):
        mode.wait(cred.get_token(SCOPE))
    mode.close(cred)


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (500, None, "server error"),
        (200, {"something": "else"}, "without an oidcToken"),
        (200, "<html>sign in</html>", "without an oidcToken"),
        (302, b"", "sign-in redirect"),
    ],
)
def test_odd_oidc_replies(mode: Mode, emu: Emulator, status: int, body: Any, expected: str) -> None:
    connection, environ = setup(emu)
    emu.fault("pipelines-oidc", status=status, body=body, headers={"Location": "https://x/signin"})
    cred = credential(mode, emu, connection, environ)
    with pytest.raises(ClientAuthenticationError, match=expected):
        mode.wait(cred.get_token(SCOPE))
    mode.close(cred)


def test_federation_mismatch_is_reported_by_entra(mode: Mode, emu: Emulator) -> None:
    connection, environ = setup(emu)
    unfederated = emu.add_app()
    cred = credential(mode, emu, connection, environ, client_id=unfederated)
    with pytest.raises(ClientAuthenticationError, match="AADSTS700211"):
        mode.wait(cred.get_token(SCOPE))
    mode.close(cred)


def test_tenant_not_allowed(mode: Mode, emu: Emulator) -> None:
    connection, environ = setup(emu)
    cred = credential(mode, emu, connection, environ)
    with pytest.raises(ClientAuthenticationError, match="additionally_allowed_tenants"):
        mode.wait(cred.get_token(SCOPE, tenant_id=emu.add_tenant()))
    assert emu.requests == []
    mode.close(cred)


def test_nothing_secret_in_messages_reprs_or_logs(mode: Mode, emu: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    connection, environ = setup(emu)
    cred = credential(mode, emu, connection, environ, logging_enable=True)
    token = mode.wait(cred.get_token(SCOPE))
    bad = credential(mode, emu, connection, environ, service_connection_id="nope")
    with pytest.raises(ClientAuthenticationError) as caught:
        mode.wait(bad.get_token(SCOPE))
    for text in (repr(cred), str(cred), repr(token), str(caught.value), caplog.text):
        assert connection.system_access_token not in text
        assert token.token not in text
    assert connection.service_connection_id in repr(cred)
    mode.close(cred)
    mode.close(bad)
