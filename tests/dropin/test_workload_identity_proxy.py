"""WorkloadIdentityCredential(enable_azure_proxy=True): AKS identity binding through the Kubernetes token proxy,
played by the emulator (its own CA, a certificate only for the SNI name)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from azure.core.exceptions import ClientAuthenticationError

from azauth.emulator import Emulator
from tests.support import SCOPE, Mode

ISSUER = "https://oidc.prod-aks.azure.com/00000000-0000-0000-0000-0000000000aa/"
SUBJECT = "system:serviceaccount:default:workload"


def workload(mode: Mode, emu: Emulator, tmp_path: Path, environ: dict[str, str], **kwargs: Any) -> Any:
    client_id = emu.add_app()
    emu.add_federation(client_id, issuer=ISSUER, subject=SUBJECT)
    token_file = tmp_path / "token"
    token_file.write_text(emu.issue_federated_token(issuer=ISSUER, subject=SUBJECT))
    return mode.module.WorkloadIdentityCredential(
        tenant_id=emu.tenant_id,
        client_id=client_id,
        token_file_path=str(token_file),
        authority=emu.authority,
        environ=environ,
        **kwargs,
    )


@pytest.mark.parametrize("ca", ["data", "file"])
def test_token_requests_go_through_the_proxy(mode: Mode, emu: Emulator, tmp_path: Path, ca: str) -> None:
    proxy = emu.token_proxy()
    credential = workload(mode, emu, tmp_path, proxy.environ(ca=ca), enable_azure_proxy=True)
    token = mode.wait(credential.get_token(SCOPE))
    assert emu.decode_token(token.token, audience="https://vault.azure.net")["tid"] == emu.tenant_id
    assert [r.endpoint for r in emu.requests] == ["token-proxy"]
    assert emu.requests[0].path == f"/identity-binding/{emu.tenant_id}/oauth2/v2.0/token"
    assert proxy.server_names and set(proxy.server_names) == {proxy.sni_name}  # the SNI name was asked for
    mode.close(credential)


def test_without_enable_azure_proxy_the_proxy_is_not_used(mode: Mode, emu: Emulator, tmp_path: Path) -> None:
    proxy = emu.token_proxy()
    credential = workload(mode, emu, tmp_path, proxy.environ(), connection_verify=emu.ca_path)
    mode.wait(credential.get_token(SCOPE))
    assert [r.endpoint for r in emu.requests] == ["token"]
    mode.close(credential)


def test_the_proxy_is_verified_with_its_ca(mode: Mode, emu: Emulator, tmp_path: Path) -> None:
    proxy = emu.token_proxy()
    environ = proxy.environ()
    environ["AZURE_KUBERNETES_CA_DATA"] = Path(emu.ca_path).read_text()  # the wrong CA: not the proxy's
    credential = workload(mode, emu, tmp_path, environ, enable_azure_proxy=True, retry_total=0)
    with pytest.raises(ClientAuthenticationError):
        mode.wait(credential.get_token(SCOPE))
    assert emu.requests == []  # the handshake failed: nothing was sent
    mode.close(credential)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"AZURE_KUBERNETES_SNI_NAME": "x"}, "AZURE_KUBERNETES_TOKEN_PROXY is not set but other"),
        (
            {
                "AZURE_KUBERNETES_TOKEN_PROXY": "https://127.0.0.1:1/p",
                "AZURE_KUBERNETES_CA_FILE": "/ca.pem",
                "AZURE_KUBERNETES_CA_DATA": "pem",
            },
            "Both AZURE_KUBERNETES_CA_FILE and AZURE_KUBERNETES_CA_DATA are set",
        ),
        ({"AZURE_KUBERNETES_TOKEN_PROXY": "http://127.0.0.1:1/p"}, "must use the 'https' scheme"),
        ({"AZURE_KUBERNETES_TOKEN_PROXY": "https://127.0.0.1:1/p?x=1"}, "must not contain query"),
    ],
)
def test_bad_proxy_configuration_is_refused_at_construction(
    mode: Mode, emu: Emulator, tmp_path: Path, environ: dict[str, str], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        workload(mode, emu, tmp_path, environ, enable_azure_proxy=True)


def test_a_rotated_ca_file_is_read_again(mode: Mode, emu: Emulator, tmp_path: Path) -> None:
    proxy = emu.token_proxy()
    ca_file = tmp_path / "ca.pem"
    ca_file.write_text(Path(emu.ca_path).read_text())  # not (yet) the proxy's CA
    environ = {**proxy.environ(ca="file"), "AZURE_KUBERNETES_CA_FILE": str(ca_file)}
    credential = workload(mode, emu, tmp_path, environ, enable_azure_proxy=True, retry_total=0)
    with pytest.raises(ClientAuthenticationError):
        mode.wait(credential.get_token(SCOPE))
    ca_file.write_bytes(proxy.ca_pem)  # the CA is rotated in place, as a projected volume is updated
    token = mode.wait(credential.get_token(SCOPE))
    assert emu.decode_token(token.token)["tid"] == emu.tenant_id
    assert [r.endpoint for r in emu.requests] == ["token-proxy"]
    mode.close(credential)
