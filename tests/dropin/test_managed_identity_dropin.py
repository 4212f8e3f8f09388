"""ManagedIdentityCredential as azure-identity users configure it: identity_config passed through, an empty
client_id, a probe failing in a chain, the INFO line naming the host, Cloud Shell and Service Fabric limits."""

from __future__ import annotations

import logging
from typing import Any
from unittest import mock

import pytest

from azauth.emulator import Emulator
from tests.support import SCOPE, Mode

pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")


def test_identity_config_passes_other_keys_through_as_query_parameters(mode: Mode, emu: Emulator) -> None:
    object_id = "11111111-2222-3333-4444-555555555555"
    client_id = emu.add_managed_identity(object_id=object_id)
    credential = mode.module.ManagedIdentityCredential(
        identity_config={"principal_id": object_id}, environ=emu.managed_identity_environ("app_service")
    )
    token = mode.wait(credential.get_token(SCOPE))
    assert emu.decode_token(token.token)["appid"] == client_id  # App Service selected the identity by it
    assert emu.requests[-1].query["principal_id"] == object_id
    mode.close(credential)


def test_empty_client_id_means_not_given(mode: Mode, emu: Emulator) -> None:
    credential = mode.module.ManagedIdentityCredential(client_id="", environ=emu.managed_identity_environ("imds"))
    token = mode.wait(credential.get_token(SCOPE))
    assert emu.decode_token(token.token)["appid"] == emu.managed_identity_client_id  # the system-assigned one
    assert "client_id" not in emu.requests[-1].query
    mode.close(credential)


def test_any_probe_failure_in_a_chain_means_unavailable(mode: Mode, emu: Emulator) -> None:
    transport = mock.MagicMock()
    transport.send = mock.Mock(side_effect=RuntimeError("a transport bug, not a network error"))
    managed = mode.module.ManagedIdentityCredential(environ={}, transport=transport)
    secret = mode.module.ClientSecretCredential(
        emu.tenant_id, emu.client_id, emu.client_secret, authority=emu.authority, connection_verify=emu.ca_path
    )
    chain = mode.module.ChainedTokenCredential(managed, secret)
    token = mode.wait(chain.get_token(SCOPE))
    assert emu.decode_token(token.token)["appid"] == emu.client_id  # the chain moved on
    assert transport.send.call_count == 1  # the probe, once
    mode.close(chain)


def test_selected_host_is_logged_at_info(mode: Mode, emu: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    mode.module.ManagedIdentityCredential(environ=emu.managed_identity_environ("imds"))
    mode.module.ManagedIdentityCredential(client_id="abc", environ=emu.managed_identity_environ("app_service"))
    messages = [r.getMessage() for r in caplog.records]
    assert "ManagedIdentityCredential will use IMDS" in messages
    assert "ManagedIdentityCredential will use App Service managed identity with client_id: abc" in messages


@pytest.mark.parametrize("kwargs", [{"client_id": "abc"}, {"identity_config": {"object_id": "abc"}}])
def test_user_assigned_identity_in_cloud_shell_is_refused_at_construction(
    mode: Mode, emu: Emulator, kwargs: dict[str, Any]
) -> None:
    with pytest.raises(ValueError, match="Cloud Shell provides only the signed-in user's identity"):
        mode.module.ManagedIdentityCredential(environ=emu.managed_identity_environ("cloud_shell"), **kwargs)


def test_service_fabric_warns_of_options_that_cannot_take_effect(mode: Mode, emu: Emulator) -> None:
    environ = emu.managed_identity_environ("service_fabric")
    with pytest.warns(UserWarning, match="cannot take effect for Service Fabric.*proxies"):
        mode.module.ManagedIdentityCredential(environ=environ, proxies={"https": "http://127.0.0.1:9"})
    credential = mode.module.ManagedIdentityCredential(environ=environ)  # nothing to warn of
    token = mode.wait(credential.get_token(SCOPE))
    assert emu.decode_token(token.token)["appid"] == emu.managed_identity_client_id
    mode.close(credential)


def test_host_secret_is_in_no_repr(mode: Mode, emu: Emulator) -> None:
    for host, variable in (("app_service", "IDENTITY_HEADER"), ("azure_ml", "MSI_SECRET")):
        environ = emu.managed_identity_environ(host)
        credential = mode.module.ManagedIdentityCredential(environ=environ)
        secret = environ[variable]
        shown = [repr(credential), repr(credential._host), repr(vars(credential))]
        assert all(secret not in text for text in shown)
