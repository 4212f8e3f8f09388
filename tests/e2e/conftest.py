"""End-to-end fixtures: real Azure SDK clients against Azurite and fake services, authenticated by credentials
(azauth's, built three ways, and azure-identity's) that get their tokens from the loopback Entra emulator.

Azurite comes from npm, pinned by ``tests/e2e/azurite/package.json`` + ``package-lock.json``. ``.ci/run`` runs
``npm ci`` there; locally, when ``node_modules`` is missing but npm is on PATH, the ``azurite`` fixture runs
``npm ci`` itself once (bounded by ``NPM_CI_TIMEOUT``); without node or npm the Azurite tests skip (fail in CI).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from azauth.emulator import Azurite, Emulator
from tests.e2e.e2e_support import App
from tests.support import Mode, require_tool

AZURITE_DIR = Path(__file__).resolve().parent / "azurite"
AZURITE_BIN = AZURITE_DIR / "node_modules" / ".bin" / "azurite"
NPM_CI_TIMEOUT = 300

# How a credential is built: azauth three ways, and azure-identity's own class (the emulator is faithful).
WAYS = ("azauth-constructor", "azauth-config-file", "azauth-env", "azure-identity")


def _azurite_launcher() -> tuple[Path | None, str]:
    """(the pinned Azurite launcher, "") or (None, why it is unavailable); runs ``npm ci`` when only that is missing."""
    if shutil.which("node") is None:
        return None, "node is not installed (the Azurite tests need node >= 20 and npm)"
    if not AZURITE_BIN.exists():
        npm = shutil.which("npm")
        if npm is None:
            return None, f"npm is not installed and {AZURITE_BIN.parent.parent} is missing (run `npm ci` there)"
        try:
            done = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=AZURITE_DIR,
                capture_output=True,
                text=True,
                timeout=NPM_CI_TIMEOUT,
            )
        except subprocess.TimeoutExpired:
            return None, f"`npm ci` in {AZURITE_DIR} did not finish within {NPM_CI_TIMEOUT} s"
        if done.returncode != 0 or not AZURITE_BIN.exists():
            return None, f"`npm ci` in {AZURITE_DIR} failed: {done.stderr.strip()[-500:]}"
    return AZURITE_BIN, ""


@pytest.fixture(scope="session")
def e2e_emu(entra_emulator_session: Emulator) -> Emulator:
    """The session's emulator: Azurite's certificate comes from its CA, so it must outlive Azurite."""
    return entra_emulator_session


@pytest.fixture(scope="session")
def azurite_launcher() -> tuple[Path | None, str]:
    return _azurite_launcher()


@pytest.fixture(scope="session")
def azurite_process(e2e_emu: Emulator, azurite_launcher: tuple[Path | None, str]) -> Iterator[Azurite | None]:
    launcher, _ = azurite_launcher
    if launcher is None:
        yield None
        return
    with Azurite(e2e_emu, executable=str(launcher)) as storage:
        yield storage


@pytest.fixture
def azurite(azurite_process: Azurite | None, azurite_launcher: tuple[Path | None, str]) -> Azurite:
    """Azurite for this test (one process per session), or a skip (a failure in CI) saying what is missing."""
    require_tool(azurite_process is not None, f"Azurite unavailable: {azurite_launcher[1]}")
    assert azurite_process is not None
    return azurite_process


@pytest.fixture
def app(e2e_emu: Emulator) -> App:
    secret = "e2e~" + uuid.uuid4().hex
    return App(e2e_emu, e2e_emu.add_app(secrets=[secret], multi_tenant=True), secret)


CredentialFactory = Callable[..., Any]


@pytest.fixture(params=WAYS)
def way(request: pytest.FixtureRequest) -> str:
    """How the test's credentials are built: one of ``WAYS``."""
    return str(request.param)


@pytest.fixture
def make_credential(
    way: str, mode: Mode, app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[CredentialFactory]:
    """``make_credential(**options)``: a sync or async client-secret credential for ``app``, built the
    parametrized ``way``; ``options`` (e.g. ``additionally_allowed_tenants``) are passed through each way."""
    emu = app.emu
    made: list[Any] = []

    def build(**options: Any) -> Any:
        if way == "azure-identity":
            import azure.identity
            import azure.identity.aio

            module: Any = azure.identity.aio if mode.is_async else azure.identity
            credential = module.ClientSecretCredential(
                emu.tenant_id,
                app.client_id,
                app.secret,
                authority=emu.authority,
                connection_verify=emu.ca_path,
                disable_instance_discovery=True,  # msal would ask login.microsoftonline.com about the authority
                **options,
            )
        elif way == "azauth-constructor":
            credential = mode.module.ClientSecretCredential(
                emu.tenant_id,
                app.client_id,
                app.secret,
                authority=emu.authority,
                connection_verify=emu.ca_path,
                **options,
            )
        elif way == "azauth-config-file":
            allowed = options.get("additionally_allowed_tenants", [])
            (tmp_path / "auth.yaml").write_text(
                "version: 1\n"
                "default_profile: app\n"
                f"defaults:\n  http:\n    verify: {emu.ca_path}\n"
                "profiles:\n"
                "  app:\n"
                "    type: client_secret\n"
                f"    tenant_id: {emu.tenant_id}\n"
                f"    client_id: {app.client_id}\n"
                "    client_secret: ${APP_SECRET}\n"
                f"    authority: {emu.authority}\n"
                f"    additionally_allowed_tenants: {json.dumps(list(allowed))}\n"
            )
            monkeypatch.chdir(tmp_path)
            monkeypatch.setenv("APP_SECRET", app.secret)
            credential = mode.module.credential_from_config("auth.yaml")
        else:  # azauth-env: nothing but AZAUTH_* variables, as in a container
            variables = {
                "AZAUTH_PROFILE": "app",
                "AZAUTH_PROFILES__APP__TYPE": "client_secret",
                "AZAUTH_PROFILES__APP__TENANT_ID": emu.tenant_id,
                "AZAUTH_PROFILES__APP__CLIENT_ID": app.client_id,
                "AZAUTH_PROFILES__APP__CLIENT_SECRET": app.secret,
                "AZAUTH_PROFILES__APP__AUTHORITY": emu.authority,
                "AZAUTH_DEFAULTS__HTTP__VERIFY": emu.ca_path,
            }
            if options.get("additionally_allowed_tenants"):
                allowed_json = json.dumps(list(options["additionally_allowed_tenants"]))
                variables["AZAUTH_PROFILES__APP__ADDITIONALLY_ALLOWED_TENANTS"] = allowed_json
            for name, value in variables.items():
                monkeypatch.setenv(name, value)
            credential = mode.module.credential_from_config()
        made.append(credential)
        return credential

    yield build
    for credential in made:
        mode.close(credential)
