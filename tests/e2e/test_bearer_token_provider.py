"""``get_bearer_token_provider`` (sync and async) feeding plain ``requests`` / ``aiohttp`` calls and the
``openai`` client's ``azure_ad_token_provider``, against a loopback fake that validates the bearer tokens."""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator
from typing import Any

import aiohttp
import openai
import pytest
import requests

import azauth
from tests.e2e.conftest import CredentialFactory
from tests.e2e.e2e_support import App
from tests.e2e.fake_services import COGNITIVE, FakeServices
from tests.support import Mode


@pytest.fixture
def services(app: App) -> Iterator[FakeServices]:
    with FakeServices(app.emu) as fake:
        yield fake


def _provider(way: str, mode: Mode, credential: Any, scope: str) -> Callable[[], Any]:
    if way == "azure-identity":
        import azure.identity
        import azure.identity.aio

        module: Any = azure.identity.aio if mode.is_async else azure.identity
    else:
        module = mode.module
    provider: Callable[[], Any] = module.get_bearer_token_provider(credential, scope)
    return provider


def _whoami(mode: Mode, services: FakeServices, token: str) -> dict[str, Any]:
    """``GET /whoami`` with ``requests`` (sync) or ``aiohttp`` (async)."""
    url, headers = f"{services.url}/whoami", {"Authorization": f"Bearer {token}"}
    if not mode.is_async:
        reply = requests.get(url, headers=headers, verify=services.emu.ca_path, timeout=10)
        assert reply.status_code == 200, reply.text
        claims: dict[str, Any] = reply.json()
        return claims

    async def call() -> dict[str, Any]:
        context = ssl.create_default_context(cafile=services.emu.ca_path)
        async with aiohttp.ClientSession() as session, session.get(url, headers=headers, ssl=context) as reply:
            assert reply.status == 200, await reply.text()
            result: dict[str, Any] = await reply.json()
            return result

    return mode.wait(call())  # type: ignore[no-any-return]


def test_plain_http_calls(
    mode: Mode, services: FakeServices, app: App, way: str, make_credential: CredentialFactory
) -> None:
    provider = _provider(way, mode, make_credential(), f"{services.whoami_audience}/.default")
    for _ in range(3):
        claims = _whoami(mode, services, mode.wait(provider()))
        assert (claims["aud"], claims["ver"], claims["azp"]) == (services.whoami_audience, "2.0", app.client_id)
    assert services.outcomes() == ["ok"] * 3 and app.token_requests() == 1


def test_openai_client(
    mode: Mode, services: FakeServices, app: App, way: str, make_credential: CredentialFactory
) -> None:
    provider = _provider(way, mode, make_credential(), f"{COGNITIVE}/.default")
    verify = ssl.create_default_context(cafile=app.emu.ca_path)
    options: dict[str, Any] = {
        "azure_endpoint": services.url,
        "api_version": "2024-10-21",
        "azure_ad_token_provider": provider,
        "max_retries": 0,
    }
    if mode.is_async:
        client: Any = openai.AsyncAzureOpenAI(http_client=openai.DefaultAsyncHttpxClient(verify=verify), **options)
    else:
        client = openai.AzureOpenAI(http_client=openai.DefaultHttpxClient(verify=verify), **options)
    for _ in range(2):
        completion = mode.wait(
            client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
        )
        assert completion.choices[0].message.content == f"hello {app.client_id}"
    assert services.outcomes() == ["ok", "ok"] and app.token_requests() == 1
    seen = services.seen[-1].claims
    assert seen is not None and (seen["aud"], seen["ver"]) == (COGNITIVE, "1.0")
    mode.wait(client.close())


def test_the_fake_refuses_what_the_real_service_would(services: FakeServices, app: App) -> None:
    """The fake's checks can fail: wrong audience, a forged signature, a v2.0 token where Entra issues v1.0."""
    emu = app.emu
    credential = azauth.ClientSecretCredential(
        emu.tenant_id, app.client_id, app.secret, authority=emu.authority, connection_verify=emu.ca_path
    )
    other_token = credential.get_token(f"api://{app.client_id}/.default").token  # another API's token
    reply = requests.get(
        f"{services.url}/whoami", headers={"Authorization": f"Bearer {other_token}"}, verify=emu.ca_path, timeout=10
    )
    assert reply.status_code == 401 and "WWW-Authenticate" in reply.headers
    head, body, signature = credential.get_token(f"{services.whoami_audience}/.default").token.split(".")
    forged = f"{head}.{body}.{signature[::-1]}"
    assert (
        requests.get(
            f"{services.url}/whoami", headers={"Authorization": f"Bearer {forged}"}, verify=emu.ca_path, timeout=10
        ).status_code
        == 401
    )
    emu.access_token_version = "2.0"
    try:
        v2 = credential.get_token(f"{COGNITIVE}/.default").token
    finally:
        emu.access_token_version = None
    chat = f"{services.url}/openai/deployments/gpt/chat/completions?api-version=2024-10-21"
    assert (
        requests.post(
            chat, json={"model": "gpt"}, headers={"Authorization": f"Bearer {v2}"}, verify=emu.ca_path, timeout=10
        ).status_code
        == 401
    )
    assert [o.split(":")[0] for o in services.outcomes()] == ["rejected"] * 3
    assert "audience 'api://" in services.outcomes()[0] and "signature" in services.outcomes()[1]
    assert "issuer" in services.outcomes()[2]
    credential.close()
