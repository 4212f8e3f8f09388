"""Public classes are what azure-core's protocols say, for mypy --strict and at runtime."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from azure.core.credentials import SupportsTokenInfo, TokenCredential
from azure.core.credentials_async import AsyncSupportsTokenInfo, AsyncTokenCredential

import azauth
import azauth.aio
from azauth.protocols import AsyncCredential, Credential

SAMPLE = Path(__file__).with_name("typed_usage.py")
ROOT = Path(__file__).parents[2]
CREDENTIALS = [name for name in azauth.__all__ if name.endswith("Credential")]


def test_typed_sample_passes_mypy_strict() -> None:
    from mypy import api

    cwd = os.getcwd()
    os.chdir(ROOT)  # the project's [tool.mypy] (strict) applies
    try:
        out, err, status = api.run([str(SAMPLE.relative_to(ROOT))])
    finally:
        os.chdir(cwd)
    assert status == 0, out + err


def test_sample_would_catch_a_wrong_type(tmp_path: Path) -> None:
    from mypy import api

    bad = tmp_path / "typed_wrong.py"
    bad.write_text(
        "import azauth\n"
        "def f() -> None:\n"
        "    c = azauth.credential_from_config('x.yaml')\n"
        "    n: int = c.get_token_info('scope')\n"
    )
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        out, _, status = api.run([str(bad)])
    finally:
        os.chdir(cwd)
    assert status == 1 and "AccessTokenInfo" in out


def instances(module: Any) -> list[Any]:
    secret = module.ClientSecretCredential("tenant", "client", "secret")
    return [
        secret,
        module.ManagedIdentityCredential(environ={}),
        module.EnvironmentCredential(environ={}),
        module.WorkloadIdentityCredential(tenant_id="tenant", client_id="client", token_file_path="/t", environ={}),
        module.ChainedTokenCredential(secret),
    ]


def test_runtime_protocols() -> None:
    for credential in instances(azauth):
        for protocol in (TokenCredential, SupportsTokenInfo, Credential):
            assert isinstance(credential, protocol), (credential, protocol)
    for credential in instances(azauth.aio):
        for protocol in (AsyncTokenCredential, AsyncSupportsTokenInfo, AsyncCredential):
            assert isinstance(credential, protocol), (credential, protocol)
    for name in CREDENTIALS:
        assert all(hasattr(getattr(azauth, name), m) for m in ("close", "__enter__", "__exit__"))
        assert all(hasattr(getattr(azauth.aio, name), m) for m in ("close", "__aenter__", "__aexit__"))
