"""The built-in ``prod`` profile works where some of its members cannot be built, as DefaultAzureCredential
does: a member whose constructor refuses its environment becomes "unavailable" in the chain."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import ClientAuthenticationError

from azauth.config.factory import async_credential_from_config
from azauth.emulator import Emulator
from tests.support import Mode

RESOURCE = "https://management.azure.com/.default"


def build(mode: Mode, source: Any, environ: dict[str, str], profile: str | None = None) -> Any:
    if mode.is_async:
        return async_credential_from_config(source, profile=profile, environ=environ)
    import azauth

    return azauth.credential_from_config(source, profile=profile, environ=environ)


def test_prod_profile_falls_through_to_managed_identity(mode: Mode, emu: Emulator) -> None:
    environ = {"AZURE_POD_IDENTITY_AUTHORITY_HOST": emu.imds_endpoint}  # no AZURE_FEDERATED_TOKEN_FILE
    credential = build(mode, None, environ, profile="prod")
    token = mode.wait(credential.get_token(RESOURCE))
    assert emu.decode_token(token.token)["aud"] == "https://management.azure.com"
    mode.close(credential)


def test_unbuildable_member_is_reported_by_the_chain(mode: Mode, tmp_path: Any) -> None:
    config = tmp_path / "auth.yaml"
    config.write_text("type: chain\ncredentials:\n  - type: workload_identity\n  - type: environment\n")
    credential = build(mode, str(config), {})
    with pytest.raises(ClientAuthenticationError) as caught:
        mode.wait(credential.get_token(RESOURCE))
    message = str(caught.value)
    assert "WorkloadIdentityCredential could not be created" in message
    assert "AZURE_FEDERATED_TOKEN_FILE" in message
    assert "EnvironmentCredential" in message
    mode.close(credential)


def test_a_standalone_credential_that_cannot_be_built_is_a_config_error(mode: Mode, tmp_path: Any) -> None:
    from azauth import ConfigError

    config = tmp_path / "auth.yaml"
    config.write_text("type: workload_identity\n")
    with pytest.raises(ConfigError, match="auth.yaml"):
        build(mode, str(config), {})
