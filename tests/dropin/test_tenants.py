"""Tenant rules as azure-identity applies them: the kill switch read at each request, and the configured
tenant named per call being the same token as no tenant."""

from __future__ import annotations

from typing import Any

import pytest

from azauth.emulator import Emulator
from tests.support import SCOPE, Mode, connect


def on_behalf_of(mode: Mode, emu: Emulator) -> Any:
    assertion = emu.issue_user_token(emu.add_user(), emu.client_id)
    return mode.module.OnBehalfOfCredential(
        emu.tenant_id, emu.client_id, client_secret=emu.client_secret, user_assertion=assertion, **connect(emu)
    )


def client_secret(mode: Mode, emu: Emulator) -> Any:
    return mode.module.ClientSecretCredential(emu.tenant_id, emu.client_id, emu.client_secret, **connect(emu))


@pytest.mark.parametrize("build", [on_behalf_of, client_secret])
def test_configured_tenant_named_per_call_is_the_same_cache_entry(mode: Mode, emu: Emulator, build: Any) -> None:
    credential = build(mode, emu)
    first = mode.wait(credential.get_token(SCOPE))
    named = mode.wait(credential.get_token(SCOPE, tenant_id=emu.tenant_id))
    shouted = mode.wait(credential.get_token_info(SCOPE, options={"tenant_id": emu.tenant_id.upper()}))
    assert first.token == named.token == shouted.token
    assert emu.count("token") == 1
    mode.close(credential)


def test_disable_multitenant_auth_is_read_at_each_request(mode: Mode, emu: Emulator) -> None:
    other = emu.add_tenant()
    secret = "multi-tenant-app-secret-value"
    client_id = emu.add_app(multi_tenant=True, secrets=[secret])
    environ: dict[str, str] = {}
    credential = mode.module.ClientSecretCredential(
        emu.tenant_id, client_id, secret, additionally_allowed_tenants=["*"], environ=environ, **connect(emu)
    )
    mode.wait(credential.get_token(SCOPE, tenant_id=other))
    assert emu.requests[-1].path.startswith(f"/{other}/")

    environ["AZURE_IDENTITY_DISABLE_MULTITENANTAUTH"] = "true"  # set after construction, as in azure-identity
    token = mode.wait(credential.get_token("https://storage.azure.com/.default", tenant_id=other))
    assert emu.requests[-1].path.startswith(f"/{emu.tenant_id}/")  # the configured tenant, not the requested one
    assert emu.decode_token(token.token)["tid"] == emu.tenant_id
    mode.close(credential)
