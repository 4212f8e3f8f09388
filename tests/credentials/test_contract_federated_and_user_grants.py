"""Contract tests: for workload identity, Azure Pipelines, on-behalf-of and authorization code, azauth sends the
requests azure-identity (through msal or its own client) sends, to the same emulator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import azure.identity
import pytest

import azauth
from azauth.emulator import Emulator
from tests.support import SCOPE, connect

OIDC = {"offline_access", "openid", "profile"}
COMPARED = {
    "grant_type",
    "client_id",
    "client_secret",
    "client_assertion",
    "client_assertion_type",
    "assertion",
    "requested_token_use",
    "code",
    "redirect_uri",
}


def token_request(emu: Emulator) -> dict[str, Any]:
    (request,) = [r for r in emu.requests if r.endpoint == "token"]
    form = {k: v for k, v in request.form.items() if k in COMPARED}
    form["resource scopes"] = sorted(set(request.form["scope"].split()) - OIDC)
    return form


def compare(emu: Emulator, theirs: Any, ours: Any) -> None:
    reference = theirs()
    reference.get_token(SCOPE)
    expected = token_request(emu)
    emu.clear_requests()
    ours().get_token(SCOPE)
    assert token_request(emu) == expected


def test_workload_identity(emu: Emulator, tmp_path: Path) -> None:
    client_id = emu.add_app()
    emu.add_federation(client_id, issuer="https://issuer.example/", subject="sa")
    path = tmp_path / "token"
    path.write_text(emu.issue_federated_token(issuer="https://issuer.example/", subject="sa"))
    args = {"tenant_id": emu.tenant_id, "client_id": client_id, "token_file_path": str(path), **connect(emu)}
    compare(
        emu,
        lambda: azure.identity.WorkloadIdentityCredential(**args, disable_instance_discovery=True),
        lambda: azauth.WorkloadIdentityCredential(**args),
    )


def test_azure_pipelines(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    connection = emu.add_pipelines_service_connection(emu.add_app())
    monkeypatch.setenv("SYSTEM_OIDCREQUESTURI", emu.pipelines_oidc_request_uri)
    args = {
        "tenant_id": emu.tenant_id,
        "client_id": connection.client_id,
        "service_connection_id": connection.service_connection_id,
        "system_access_token": connection.system_access_token,
        **connect(emu),
    }
    azure.identity.AzurePipelinesCredential(**args, disable_instance_discovery=True).get_token(SCOPE)
    theirs = [(r.method, r.path, r.query, r.headers.get("authorization"), r.form) for r in emu.requests]
    emu.clear_requests()
    azauth.AzurePipelinesCredential(**args).get_token(SCOPE)
    ours = [(r.method, r.path, r.query, r.headers.get("authorization"), r.form) for r in emu.requests]
    assert ours == theirs


def test_on_behalf_of(emu: Emulator) -> None:
    assertion = emu.issue_user_token(emu.add_user(), emu.client_id)
    args = {"client_secret": emu.client_secret, "user_assertion": assertion, **connect(emu)}
    compare(
        emu,
        lambda: azure.identity.OnBehalfOfCredential(
            emu.tenant_id, emu.client_id, disable_instance_discovery=True, **args
        ),
        lambda: azauth.OnBehalfOfCredential(emu.tenant_id, emu.client_id, **args),
    )


def test_authorization_code(emu: Emulator) -> None:
    user = emu.add_user()
    redirect = "http://localhost:8400/cb"

    def build(module: Any) -> Any:
        code = emu.authorize(emu.client_id, user=user, redirect_uri=redirect)
        return module.AuthorizationCodeCredential(
            emu.tenant_id, emu.client_id, code, redirect, client_secret=emu.client_secret, **connect(emu)
        )

    compare(emu, lambda: build(azure.identity), lambda: build(azauth))
