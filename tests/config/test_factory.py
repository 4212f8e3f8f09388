"""Building credentials: sync and async from one implementation, against the loopback emulator."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from config_helpers import SECRET

import azauth
import azauth.aio
from azauth.emulator import Emulator
from azauth.errors import ConfigError

Write = Callable[..., Path]
SCOPE = "https://vault.azure.net/.default"


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator() as emulator:
        yield emulator


@pytest.fixture(params=["sync", "async"])
def namespace(request: pytest.FixtureRequest) -> ModuleType:
    return azauth.aio if request.param == "async" else azauth


def token(credential: Any) -> Any:
    """A token from ``credential``, sync or async; the credential is closed afterwards."""
    if inspect.iscoroutinefunction(credential.get_token):

        async def get() -> Any:
            async with credential:
                return await credential.get_token(SCOPE)

        return asyncio.run(get())
    with credential:
        return credential.get_token(SCOPE)


def emulator_yaml(emu: Emulator) -> str:
    return f"""\
version: 1
default_profile: app
defaults:
  authority: {emu.authority}
  http: {{verify: {emu.ca_path}, timeout: 5, retries: 1}}
profiles:
  app:
    type: client_secret
    tenant_id: {emu.tenant_id}
    client_id: ${{APP_CLIENT_ID}}
    client_secret: {{env: APP_SECRET}}
  chained:
    type: chain
    credentials:
      - type: profile
        name: app
"""


def test_client_secret_from_yaml_gets_a_token(emu: Emulator, write: Write, namespace: ModuleType) -> None:
    path = write("auth.yaml", emulator_yaml(emu))
    environ = {"APP_CLIENT_ID": emu.client_id, "APP_SECRET": emu.client_secret}
    credential = namespace.credential_from_config(path, environ=environ)
    assert type(credential) is namespace.ClientSecretCredential
    assert emu.decode_token(token(credential).token)["appid"] == emu.client_id


def test_chain_with_profile_reference(emu: Emulator, write: Write, namespace: ModuleType) -> None:
    path = write("auth.yaml", emulator_yaml(emu))
    environ = {"APP_CLIENT_ID": emu.client_id, "APP_SECRET": emu.client_secret, "AZAUTH_PROFILE": "chained"}
    credential = namespace.credential_from_config(path, environ=environ)
    assert type(credential) is namespace.ChainedTokenCredential
    assert type(credential.credentials[0]) is namespace.ClientSecretCredential
    assert token(credential).token


def test_client_assertion_is_read_again_for_each_token(emu: Emulator, write: Write, tmp_path: Path) -> None:
    assertion_file = write("assertion.jwt", "first")
    config = {
        "type": "client_assertion",
        "tenant_id": emu.tenant_id,
        "client_id": emu.client_id,
        "assertion": {"file": str(assertion_file)},
    }
    credential = azauth.credential_from_config(config, environ={})
    func = credential._func
    assert func() == "first"
    assertion_file.write_text("second\n")
    assert func() == "second"
    assertion_file.unlink()
    with pytest.raises(azauth.CredentialUnavailableError, match="does not exist"):
        func()


def test_defaults_apply_where_the_constructor_takes_them(write: Write) -> None:
    path = write(
        "auth.yaml",
        """\
defaults:
  authority: china
  additionally_allowed_tenants: ["*"]
  http: {timeout: 3, retries: 2, proxies: {https: "http://proxy:3128"}, verify: ca.pem}
profiles:
  a: {type: client_secret, tenant_id: t1, client_id: c, client_secret: {env: S}}
  b: {type: client_secret, tenant_id: t2, client_id: c, client_secret: {env: S}, authority: government,
      additionally_allowed_tenants: []}
""",
    )
    seen: dict[str, dict[str, Any]] = {}

    class Spy(azauth.ClientSecretCredential):
        def __init__(self, tenant_id: str, *args: Any, **kwargs: Any) -> None:
            seen[tenant_id] = kwargs
            super().__init__(tenant_id, *args, **kwargs)

    from azauth.config import factory

    spy_namespace = ModuleType("spy")
    spy_namespace.__all__ = ["ClientSecretCredential"]  # type: ignore[attr-defined]
    spy_namespace.ClientSecretCredential = Spy  # type: ignore[attr-defined]
    for profile in ("a", "b"):
        factory.build_credential(spy_namespace, path, profile=profile, environ={"S": "x"})
    a, b = seen["t1"], seen["t2"]
    assert (a["authority"], a["additionally_allowed_tenants"]) == ("login.chinacloudapi.cn", ["*"])
    assert (b["authority"], b["additionally_allowed_tenants"]) == ("login.microsoftonline.us", [])
    assert a["connection_timeout"] == a["read_timeout"] == 3 and a["retry_total"] == 2
    assert a["proxies"] == {"https": "http://proxy:3128"}
    assert a["connection_verify"] == str(path.parent / "ca.pem")
    assert a["client_secret"] == "x" and a["environ"] == {"S": "x"}


def test_build_errors_are_located_and_secret_free(write: Write) -> None:
    path = write(
        "auth.yaml",
        f"profiles:\n  app:\n    type: certificate\n    tenant_id: t\n    client_id: c\n    password: {SECRET}\n",
    )
    with pytest.raises(ConfigError) as caught:
        azauth.credential_from_config(path, profile="app", environ={})
    (problem,) = caught.value.problems
    assert (problem.line, problem.path) == (3, "profiles.app")
    assert "certificate_path or certificate_data" in problem.message
    assert SECRET not in str(caught.value)


def test_unknown_profile(write: Write) -> None:
    path = write("auth.yaml", "profiles:\n  app: {type: client_secret, tenant_id: t, client_id: c, client_secret: x}\n")
    with pytest.raises(ConfigError, match="no profile named 'ap' \\(did you mean 'app'\\?\\)"):
        azauth.credential_from_config(path, profile="ap", environ={})
