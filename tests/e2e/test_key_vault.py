"""azure-keyvault-secrets (sync and async) against a loopback fake vault that challenges like Key Vault:
the ``WWW-Authenticate`` challenge → token → retry round trip, a CAE claims challenge after a revocation, and
a challenge naming a tenant the credential may not use."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import azure.keyvault.secrets
import azure.keyvault.secrets.aio
import pytest
from azure.core.exceptions import ClientAuthenticationError

from tests.e2e.conftest import CredentialFactory
from tests.e2e.e2e_support import App
from tests.e2e.fake_services import FakeServices
from tests.support import Mode


@pytest.fixture
def vault(app: App) -> Iterator[FakeServices]:
    with FakeServices(app.emu) as services:
        yield services


def _client(mode: Mode, vault: FakeServices, credential: Any) -> Any:
    module = azure.keyvault.secrets.aio if mode.is_async else azure.keyvault.secrets
    # the fake vault is 127.0.0.1, not *.vault.azure.net: the resource-domain check cannot pass
    return module.SecretClient(
        vault.url, credential, verify_challenge_resource=False, connection_verify=vault.emu.ca_path
    )


def test_challenge_then_claims_challenge_round_trip(
    mode: Mode, vault: FakeServices, app: App, make_credential: CredentialFactory
) -> None:
    client = _client(mode, vault, make_credential())
    assert mode.wait(client.set_secret("db-password", "s3cret")).value == "s3cret"
    assert vault.outcomes() == ["challenge", "ok"]  # the first request carries no token; the retry does
    assert mode.wait(client.get_secret("db-password")).value == "s3cret"
    assert vault.outcomes()[2:] == ["ok"] and app.token_requests() == 1
    first = vault.seen[1].claims
    assert first is not None and first["xms_cc"] == ["CP1"] and first["ver"] == "1.0"  # CAE-capable, v1.0

    vault.revoke()  # an administrator revokes the app's sessions
    assert mode.wait(client.get_secret("db-password")).value == "s3cret"
    assert vault.outcomes()[3:] == ["claims-challenge", "ok"]
    assert app.token_requests() == 2  # the claims challenge bypassed the cached token
    fresh = vault.seen[-1].claims
    assert fresh is not None and fresh["uti"] != first["uti"] and fresh["iat"] >= first["iat"]
    claims_request = [r for r in app.emu.requests if r.endpoint == "token" and r.form.get("client_id") == app.client_id]
    assert '"nbf"' in claims_request[-1].form["claims"]  # the challenge's claims reached Entra
    assert mode.wait(client.get_secret("db-password")).value == "s3cret"
    assert app.token_requests() == 2
    mode.wait(client.close())


def test_a_challenge_naming_a_foreign_tenant_is_refused(
    mode: Mode, app: App, make_credential: CredentialFactory
) -> None:
    other = app.emu.add_tenant()
    with FakeServices(app.emu, tenant_id=other) as vault:
        client = _client(mode, vault, make_credential())
        with pytest.raises(ClientAuthenticationError) as refused:
            mode.wait(client.get_secret("db-password"))
        message = str(refused.value)
        assert other in message and "additionally_allowed_tenants" in message
        assert vault.outcomes() == ["challenge"] and app.token_requests() == 0
        mode.wait(client.close())

        allowed = _client(mode, vault, make_credential(additionally_allowed_tenants=[other]))
        mode.wait(allowed.set_secret("db-password", "s3cret"))
        assert app.token_requests(other) == 1 and app.token_requests() == 1
        claims = vault.seen[-1].claims
        assert claims is not None and claims["iss"] == f"https://sts.windows.net/{other}/"
        mode.wait(allowed.close())
