"""Typed code an azure-identity user writes, with azauth swapped in: checked by ``mypy --strict`` in
test_typing.py (never run; it would need Azure)."""

from __future__ import annotations

from azure.core.credentials import AccessToken, AccessTokenInfo, SupportsTokenInfo, TokenCredential
from azure.core.credentials_async import AsyncSupportsTokenInfo, AsyncTokenCredential
from typing_extensions import assert_type

import azauth
import azauth.aio

SCOPE = "https://vault.azure.net/.default"


def sync_token(credential: TokenCredential) -> AccessToken:
    return credential.get_token(SCOPE, tenant_id=None, enable_cae=True)


def sync_info(credential: SupportsTokenInfo) -> AccessTokenInfo:
    with credential:
        return credential.get_token_info(SCOPE, options={"enable_cae": True})


async def async_token(credential: AsyncTokenCredential) -> AccessToken:
    async with credential:
        return await credential.get_token(SCOPE)


async def async_info(credential: AsyncSupportsTokenInfo) -> AccessTokenInfo:
    async with credential:
        return await credential.get_token_info(SCOPE)


def sync_credentials() -> None:
    secret = azauth.ClientSecretCredential("tenant", "client", "secret")
    certificate = azauth.CertificateCredential("tenant", "client", "cert.pem")
    managed = azauth.ManagedIdentityCredential(client_id="client")
    chain = azauth.ChainedTokenCredential(secret, managed)
    for credential in (secret, certificate, managed, chain, azauth.EnvironmentCredential()):
        sync_token(credential)
        sync_info(credential)
    with secret as entered:
        assert_type(entered, azauth.ClientSecretCredential)
    secret.close()

    configured = azauth.credential_from_config("azauth.yaml")  # no cast needed
    info: AccessTokenInfo = configured.get_token_info(SCOPE)
    token: AccessToken = configured.get_token(SCOPE)
    assert info.token and token.token
    with configured:
        pass
    configured.close()


async def async_credentials() -> None:
    secret = azauth.aio.ClientSecretCredential("tenant", "client", "secret")
    managed = azauth.aio.ManagedIdentityCredential()
    workload = azauth.aio.WorkloadIdentityCredential(tenant_id="t", client_id="c", token_file_path="/t")
    chain = azauth.aio.ChainedTokenCredential(secret, managed)
    for credential in (secret, managed, workload, chain, azauth.aio.EnvironmentCredential()):
        await async_token(credential)
        await async_info(credential)
    async with secret as entered:
        assert_type(entered, azauth.aio.ClientSecretCredential)
    await secret.close()

    configured = azauth.aio.credential_from_config("azauth.yaml")
    info: AccessTokenInfo = await configured.get_token_info(SCOPE)
    assert info.token
    async with configured:
        pass
    await configured.close()
