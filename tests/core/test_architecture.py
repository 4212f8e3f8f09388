"""Guards for the layering in ARCHITECTURE.md and for the public surface."""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys

import pytest

import azauth
import azauth.aio
from azauth._core.base import CORE_TYPES

PACKAGE = pathlib.Path(azauth.__file__).parent
FORBIDDEN_MODULES = {"requests", "aiohttp", "asyncio", "subprocess", "socket", "threading", "http", "urllib3", "ssl"}
FORBIDDEN_ATTRIBUTES = {("os", "environ"), ("os", "getenv"), ("time", "sleep"), ("time", "time"), ("time", "monotonic")}


def layer_files(layer: str) -> list[pathlib.Path]:
    return sorted((PACKAGE / layer).rglob("*.py"))


@pytest.mark.parametrize("path", layer_files("_protocol") + layer_files("_core"), ids=lambda p: p.name)
def test_protocol_and_core_do_no_io(path: pathlib.Path) -> None:
    tree = ast.parse(path.read_text(), str(path))
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            names = []
        problems += [n for n in names if n.split(".")[0] in FORBIDDEN_MODULES or n.startswith("azure.core.pipeline")]
        if isinstance(node, ast.ImportFrom) and node.level and node.module and node.module.startswith("_io"):
            problems.append(f"imports from _io (line {node.lineno})")
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and (node.value.id, node.attr) in FORBIDDEN_ATTRIBUTES
        ):
            problems.append(f"{node.value.id}.{node.attr} (line {node.lineno})")
    assert not problems, f"{path.relative_to(PACKAGE)} does I/O: {problems}"


def test_every_core_has_a_sync_and_an_async_class() -> None:
    for config_type, core in CORE_TYPES.items():
        public_name = core.__name__.replace("Core", "Credential")
        renamed = {"ChainedCredential": "ChainedTokenCredential", "DefaultCredential": "DefaultAzureCredential"}
        public_name = renamed.get(public_name, public_name)
        sync_cls = getattr(azauth, public_name)
        async_cls = getattr(azauth.aio, public_name)
        assert issubclass(sync_cls, core) and issubclass(async_cls, core), config_type
        assert sync_cls is not async_cls
        assert public_name in azauth.__all__ and public_name in azauth.aio.__all__


def test_public_names_resolve() -> None:
    for module in (azauth, azauth.aio):
        for name in module.__all__:
            assert getattr(module, name) is not None, f"{module.__name__}.{name}"
    with pytest.raises(AttributeError):
        azauth.NoSuchCredential  # noqa: B018


def test_import_is_lazy() -> None:
    code = (
        "import sys, azauth, azauth.aio\n"
        "heavy = [m for m in ('msal', 'aiohttp', 'cryptography', 'pydantic', 'yaml', 'requests', 'azure.core')"
        " if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "", f"import azauth pulled in: {out}"


def test_exceptions_match_azure_identity_contract() -> None:
    from azure.core.exceptions import ClientAuthenticationError

    from azauth import AuthenticationRequiredError, CredentialUnavailableError

    assert issubclass(CredentialUnavailableError, ClientAuthenticationError)
    error = AuthenticationRequiredError(["scope"], claims="c")
    assert isinstance(error, CredentialUnavailableError)
    assert (list(error.scopes), error.claims) == (["scope"], "c")
    assert "authenticate" in str(error)


def test_authority_hosts() -> None:
    from azauth import AzureAuthorityHosts, KnownAuthorities

    assert AzureAuthorityHosts.AZURE_PUBLIC_CLOUD == "login.microsoftonline.com"
    assert KnownAuthorities.AZURE_GOVERNMENT == "login.microsoftonline.us"
    assert AzureAuthorityHosts.AZURE_CHINA == "login.chinacloudapi.cn"
    with pytest.warns(DeprecationWarning):
        assert AzureAuthorityHosts.AZURE_GERMANY == "login.microsoftonline.de"
