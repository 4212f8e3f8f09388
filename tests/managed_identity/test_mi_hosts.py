"""ManagedIdentityCredential on every host, one body for sync and async, against the emulator's endpoints."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import ClientAuthenticationError

from azauth import CredentialUnavailableError
from azauth.emulator import Emulator
from tests.support import SCOPE, Mode

RESOURCE = "https://vault.azure.net"
ENDPOINT_KIND = {
    "imds": "imds",
    "app_service": "app-service",
    "service_fabric": "service-fabric",
    "azure_arc": "azure-arc",
    "azure_ml": "azure-ml",
    "cloud_shell": "cloud-shell",
}
pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")


def credential(mode: Mode, emu: Emulator, host: str, **kwargs: Any) -> Any:
    extra = {"azure_arc_key_directory": emu.mi.arc_key_directory} if host == "azure_arc" else {}
    environ = emu.managed_identity_environ(host)
    return mode.module.ManagedIdentityCredential(environ=environ, **extra, **kwargs)


@pytest.mark.parametrize("host", list(ENDPOINT_KIND))
def test_system_assigned_token_from_each_host(mode: Mode, emu: Emulator, host: str) -> None:
    cred = credential(mode, emu, host)
    info = mode.wait(cred.get_token_info(SCOPE))
    claims = emu.decode_token(info.token, audience=RESOURCE)
    assert claims["appid"] == emu.managed_identity_client_id
    assert info.expires_on - claims["exp"] in (-1, 0, 1)
    assert mode.wait(cred.get_token(SCOPE)).token == info.token  # cached
    requests = [r for r in emu.requests if r.endpoint == ENDPOINT_KIND[host]]
    assert len(requests) == (2 if host == "azure_arc" else 1)  # Arc: the challenge, then the answer
    assert host in repr(cred).lower().replace(" ", "_") or host == "imds"
    mode.close(cred)


@pytest.mark.parametrize(
    ("host", "header", "api_version"),
    [
        ("imds", "metadata", "2018-02-01"),
        ("app_service", "x-identity-header", "2019-08-01"),
        ("service_fabric", "secret", "2019-07-01-preview"),
        ("azure_arc", "authorization", "2020-06-01"),
        ("azure_ml", "secret", "2017-09-01"),
    ],
)
def test_requests_carry_each_hosts_header_and_api_version(
    mode: Mode, emu: Emulator, host: str, header: str, api_version: str
) -> None:
    cred = credential(mode, emu, host)
    mode.wait(cred.get_token(SCOPE))
    last = [r for r in emu.requests if r.endpoint == ENDPOINT_KIND[host]][-1]
    assert last.method == "GET"
    assert last.query["api-version"] == api_version
    assert last.query["resource"] == RESOURCE
    assert header in last.headers
    mode.close(cred)


def test_cloud_shell_posts_a_form_with_metadata_header(mode: Mode, emu: Emulator) -> None:
    cred = credential(mode, emu, "cloud_shell")
    mode.wait(cred.get_token(SCOPE))
    (request,) = [r for r in emu.requests if r.endpoint == "cloud-shell"]
    assert request.method == "POST" and request.form == {"resource": RESOURCE}
    assert request.headers["metadata"] == "true"
    mode.close(cred)


@pytest.mark.parametrize("host", ["imds", "app_service", "azure_arc"])
@pytest.mark.parametrize("selector", ["client_id", "object_id", "resource_id"])
def test_user_assigned_identity_by_each_id(mode: Mode, emu: Emulator, host: str, selector: str) -> None:
    ids = {"client_id": "11111111-2222-3333-4444-555555555555", "object_id": "oid-" + host, "resource_id": ""}
    ids["resource_id"] = (
        f"/subscriptions/x/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{host}"
    )
    client_id = emu.add_managed_identity(**ids)
    kwargs: dict[str, Any] = (
        {"client_id": client_id} if selector == "client_id" else {"identity_config": {selector: ids[selector]}}
    )
    cred = credential(mode, emu, host, **kwargs)
    token = mode.wait(cred.get_token(SCOPE)).token
    assert emu.decode_token(token)["appid"] == client_id
    mode.close(cred)


def test_azure_ml_user_assigned_by_client_id_uses_clientid_parameter(mode: Mode, emu: Emulator) -> None:
    client_id = emu.add_managed_identity()
    cred = credential(mode, emu, "azure_ml", client_id=client_id)
    token = mode.wait(cred.get_token(SCOPE)).token
    assert emu.decode_token(token)["appid"] == client_id
    (request,) = [r for r in emu.requests if r.endpoint == "azure-ml"]
    assert request.query["clientid"] == client_id and "client_id" not in request.query
    mode.close(cred)


@pytest.mark.parametrize("epoch", [True, False])
def test_azure_ml_expires_on_as_date_string_or_epoch(mode: Mode, emu: Emulator, epoch: bool) -> None:
    emu.mi.azure_ml_date_expiry = not epoch
    cred = credential(mode, emu, "azure_ml")
    info = mode.wait(cred.get_token_info(SCOPE))
    assert abs(info.expires_on - emu.decode_token(info.token)["exp"]) <= 1
    mode.close(cred)


@pytest.mark.parametrize(
    ("host", "kwargs", "message"),
    [
        ("service_fabric", {"client_id": "abc"}, "Service Fabric does not accept a user-assigned identity"),
        ("azure_ml", {"identity_config": {"resource_id": "/x"}}, "Azure ML cannot select .* by resource_id"),
    ],
)
def test_hosts_that_cannot_honour_a_user_assigned_identity_say_so(
    mode: Mode, emu: Emulator, host: str, kwargs: dict[str, Any], message: str
) -> None:
    cred = credential(mode, emu, host, **kwargs)
    with pytest.raises(ClientAuthenticationError, match=message) as caught:
        mode.wait(cred.get_token(SCOPE))
    assert not isinstance(caught.value, CredentialUnavailableError)
    assert emu.count(ENDPOINT_KIND[host]) == 0  # nothing was sent
    mode.close(cred)


def test_unknown_user_assigned_identity_names_host_identity_and_answer(mode: Mode, emu: Emulator) -> None:
    cred = credential(mode, emu, "app_service", client_id="00000000-0000-0000-0000-00000000abcd")
    with pytest.raises(ClientAuthenticationError) as caught:
        mode.wait(cred.get_token(SCOPE))
    message = str(caught.value)
    assert "App Service" in message and "client_id '00000000-0000-0000-0000-00000000abcd'" in message
    assert "HTTP 400" in message and "No managed identity found" in message
    mode.close(cred)


def test_wrong_secret_gets_the_hosts_error(mode: Mode, emu: Emulator) -> None:
    environ = dict(emu.managed_identity_environ("service_fabric"), IDENTITY_HEADER="wrong")
    cred = mode.module.ManagedIdentityCredential(environ=environ)
    with pytest.raises(ClientAuthenticationError, match="HTTP 401, ManagedIdentityNotFound: Managed identity"):
        mode.wait(cred.get_token(SCOPE))
    mode.close(cred)


def test_echo_of_another_identity_is_refused(mode: Mode, emu: Emulator) -> None:
    """A host that echoes the identity must echo the one requested; otherwise the token is discarded."""
    other = emu.add_managed_identity()
    requested = emu.add_managed_identity()
    emu.fault("app-service", status=200, body={"access_token": "tok", "expires_on": "9999999999", "client_id": other})
    cred = credential(mode, emu, "app_service", client_id=requested)
    with pytest.raises(ClientAuthenticationError, match=f"client_id '{other}' instead of") as caught:
        mode.wait(cred.get_token(SCOPE))
    assert "tok" not in str(caught.value).replace("token", "")
    mode.close(cred)


def test_workload_identity_exchanges_the_federated_token(mode: Mode, emu: Emulator) -> None:
    environ = emu.managed_identity_environ("workload_identity")
    cred = mode.module.ManagedIdentityCredential(environ=environ, connection_verify=emu.ca_path)
    token = mode.wait(cred.get_token(SCOPE)).token
    assert emu.decode_token(token, audience=RESOURCE)["appid"] == environ["AZURE_CLIENT_ID"]
    (request,) = [r for r in emu.requests if r.endpoint == "token"]
    assert request.form["client_assertion"] == "***" and request.form["scope"] == SCOPE
    mode.close(cred)


def test_workload_identity_needs_a_client_id(mode: Mode, emu: Emulator) -> None:
    environ = emu.managed_identity_environ("workload_identity")
    del environ["AZURE_CLIENT_ID"]
    with pytest.raises(ValueError, match="no client ID"):
        mode.module.ManagedIdentityCredential(environ=environ)


def test_partial_environment_is_unavailable(mode: Mode) -> None:
    cred = mode.module.ManagedIdentityCredential(environ={"IDENTITY_ENDPOINT": "http://127.0.0.1:1/token"})
    with pytest.raises(CredentialUnavailableError, match="no managed identity endpoint found"):
        mode.wait(cred.get_token(SCOPE))
    mode.close(cred)
