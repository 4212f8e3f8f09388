"""azure-identity itself authenticates against the emulator (only authority, CA and instance discovery differ)."""

from __future__ import annotations

import pytest
from azure.identity import CertificateCredential, ClientSecretCredential
from azure.identity.aio import CertificateCredential as AsyncCertificateCredential
from azure.identity.aio import ClientSecretCredential as AsyncClientSecretCredential
from cryptography.hazmat.primitives.serialization import pkcs12

from azauth.emulator import Emulator, make_certificate

SCOPE = "https://vault.azure.net/.default"


def test_client_secret_credential(emu: Emulator) -> None:
    cred = ClientSecretCredential(
        emu.tenant_id,
        emu.client_id,
        emu.client_secret,
        authority=emu.authority,
        connection_verify=emu.ca_path,
        disable_instance_discovery=True,
    )
    token = cred.get_token(SCOPE)
    claims = emu.decode_token(token.token, audience="https://vault.azure.net")
    assert claims["appid"] == emu.client_id
    assert cred.get_token(SCOPE).token == token.token  # served from msal's cache
    assert emu.count("token") == 1 and emu.count("openid-configuration") == 1
    assert emu.count("instance-discovery") == 0
    assert all(r.form.get("client_secret") in (None, "***") for r in emu.requests)


def test_client_secret_credential_cae(emu: Emulator) -> None:
    cred = ClientSecretCredential(
        emu.tenant_id,
        emu.client_id,
        emu.client_secret,
        authority=emu.authority,
        connection_verify=emu.ca_path,
        disable_instance_discovery=True,
    )
    token = cred.get_token(SCOPE, enable_cae=True)
    assert emu.decode_token(token.token)["xms_cc"] == ["CP1"]


@pytest.mark.parametrize("shape", ["pem", "pkcs12-password"])
def test_certificate_credential(emu: Emulator, shape: str) -> None:
    bundle = make_certificate(password=b"pw" if shape != "pem" else None)
    client_id = emu.add_app()
    emu.add_certificate(client_id, bundle.cert_pem)
    kwargs = (
        {"certificate_data": bundle.pem} if shape == "pem" else {"certificate_data": bundle.pkcs12, "password": "pw"}
    )
    cred = CertificateCredential(
        emu.tenant_id,
        client_id,
        authority=emu.authority,
        connection_verify=emu.ca_path,
        disable_instance_discovery=True,
        **kwargs,
    )
    token = cred.get_token(SCOPE)
    claims = emu.decode_token(token.token, audience="https://vault.azure.net")
    assert claims["appid"] == client_id and claims["appidacr"] == "2"
    assert emu.requests[-1].form["client_assertion"] == "***"


def test_certificate_credential_with_chain(emu: Emulator) -> None:
    bundle = make_certificate(chain=True)
    client_id = emu.add_app(certificates=[bundle.cert_pem])
    cred = CertificateCredential(
        emu.tenant_id,
        client_id,
        certificate_data=bundle.pem,
        send_certificate_chain=True,
        authority=emu.authority,
        connection_verify=emu.ca_path,
        disable_instance_discovery=True,
    )
    assert emu.decode_token(cred.get_token(SCOPE).token)["appid"] == client_id


def test_certificate_credential_unregistered_cert_fails(emu: Emulator) -> None:
    from azure.core.exceptions import ClientAuthenticationError

    client_id = emu.add_app(certificates=[make_certificate().cert_pem])
    cred = CertificateCredential(
        emu.tenant_id,
        client_id,
        certificate_data=make_certificate().pem,
        authority=emu.authority,
        connection_verify=emu.ca_path,
        disable_instance_discovery=True,
    )
    with pytest.raises(ClientAuthenticationError, match="AADSTS700027"):
        cred.get_token(SCOPE)


async def _async_secret(emu: Emulator) -> str:
    async with AsyncClientSecretCredential(
        emu.tenant_id,
        emu.client_id,
        emu.client_secret,
        authority=emu.authority,
        connection_verify=emu.ca_path,
        disable_instance_discovery=True,
    ) as cred:
        return (await cred.get_token(SCOPE)).token


@pytest.mark.asyncio
async def test_async_client_secret_credential(emu: Emulator) -> None:
    token = await _async_secret(emu)
    assert emu.decode_token(token, audience="https://vault.azure.net")["appid"] == emu.client_id


@pytest.mark.asyncio
async def test_async_certificate_credential(emu: Emulator) -> None:
    bundle = make_certificate()
    client_id = emu.add_app(certificates=[bundle.cert_pem])
    async with AsyncCertificateCredential(
        emu.tenant_id,
        client_id,
        certificate_data=bundle.pem,
        authority=emu.authority,
        connection_verify=emu.ca_path,
        disable_instance_discovery=True,
    ) as cred:
        token = (await cred.get_token(SCOPE)).token
    assert emu.decode_token(token)["appid"] == client_id


def test_make_certificate_shapes() -> None:
    plain = make_certificate("plain")
    assert plain.chain_pem == (plain.cert_pem,)
    assert plain.pem.startswith(b"-----BEGIN PRIVATE KEY-----") and plain.pem.endswith(plain.cert_pem)
    assert len(plain.thumbprint_sha1) == 40 and plain.thumbprint_sha1 == plain.thumbprint_sha1.upper()
    assert len(plain.thumbprint_sha256) == 64
    key, cert, extra = pkcs12.load_key_and_certificates(plain.pkcs12, None)
    assert key is not None and cert is not None and extra == []

    locked = make_certificate(password=b"secret", chain=True)
    assert b"ENCRYPTED PRIVATE KEY" in locked.key_pem
    assert len(locked.chain_pem) == 2 and locked.pem.endswith(locked.chain_pem[0] + locked.chain_pem[1])
    with pytest.raises(ValueError):
        pkcs12.load_key_and_certificates(locked.pkcs12, b"wrong")
    key, cert, extra = pkcs12.load_key_and_certificates(locked.pkcs12, b"secret")
    assert key is not None and len(extra) == 1

    ec_bundle = make_certificate(key_type="ec")
    client_id = "x"
    with pytest.raises(ValueError, match="RSA"):
        CertificateCredential("tenant", client_id, certificate_data=ec_bundle.pem)


def test_managed_identity_credential_via_pod_identity_host(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    from azure.identity import ManagedIdentityCredential

    for name in ("IDENTITY_ENDPOINT", "MSI_ENDPOINT", "IDENTITY_HEADER", "IMDS_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AZURE_POD_IDENTITY_AUTHORITY_HOST", emu.imds_endpoint)
    token = ManagedIdentityCredential().get_token(SCOPE)
    assert emu.decode_token(token.token, audience="https://vault.azure.net")["appid"] == emu.managed_identity_client_id
    assert emu.requests[-1].endpoint == "imds"
