"""Credentials pickle as azure-identity's do since 1.16 (users ship them to multiprocessing, dask and Spark
workers): the copy has its own locks, session and caches, and authenticates against the emulator; what a
credential read from the environment (a managed-identity header) is never written into the pickle."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from azauth.emulator import Emulator, make_certificate
from tests.support import SCOPE, Mode, connect

pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")

ISSUER = "https://oidc.prod-aks.azure.com/00000000-0000-0000-0000-0000000000aa/"
SUBJECT = "system:serviceaccount:default:workload"


def client_secret(mode: Mode, emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    return mode.module.ClientSecretCredential(emu.tenant_id, emu.client_id, emu.client_secret, **connect(emu))


def certificate(mode: Mode, emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    bundle = make_certificate()
    client_id = emu.add_app(certificates=[bundle.cert_pem])
    return mode.module.CertificateCredential(emu.tenant_id, client_id, certificate_data=bundle.pem, **connect(emu))


def on_behalf_of(mode: Mode, emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    assertion = emu.issue_user_token(emu.add_user(), emu.client_id)
    return mode.module.OnBehalfOfCredential(
        emu.tenant_id, emu.client_id, client_secret=emu.client_secret, user_assertion=assertion, **connect(emu)
    )


def workload_identity(mode: Mode, emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    client_id = emu.add_app()
    emu.add_federation(client_id, issuer=ISSUER, subject=SUBJECT)
    path = tmp_path / "token"
    path.write_text(emu.issue_federated_token(issuer=ISSUER, subject=SUBJECT))
    return mode.module.WorkloadIdentityCredential(
        tenant_id=emu.tenant_id, client_id=client_id, token_file_path=str(path), **connect(emu)
    )


def environment(mode: Mode, emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    for name, value in {
        "AZURE_TENANT_ID": emu.tenant_id,
        "AZURE_CLIENT_ID": emu.client_id,
        "AZURE_CLIENT_SECRET": emu.client_secret,
        "AZURE_AUTHORITY_HOST": emu.authority,
    }.items():
        monkeypatch.setenv(name, value)
    return mode.module.EnvironmentCredential(connection_verify=emu.ca_path)


def managed_identity(mode: Mode, emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    for name, value in emu.managed_identity_environ("app_service").items():
        monkeypatch.setenv(name, value)
    return mode.module.ManagedIdentityCredential()


def authorization_code(mode: Mode, emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    redirect = "http://localhost:8400/callback"
    code = emu.authorize(emu.client_id, user=emu.add_user(), redirect_uri=redirect)
    return mode.module.AuthorizationCodeCredential(
        emu.tenant_id, emu.client_id, code, redirect, client_secret=emu.client_secret, **connect(emu)
    )  # the copy goes on with the refresh token the redemption brought back


def chain(mode: Mode, emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    unavailable = mode.module.ManagedIdentityCredential(environ={"IDENTITY_ENDPOINT": "http://127.0.0.1:9"})
    return mode.module.ChainedTokenCredential(unavailable, client_secret(mode, emu, tmp_path, monkeypatch))


def default(mode: Mode, emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("AZURE_TENANT_ID", emu.tenant_id)
    monkeypatch.setenv("AZURE_CLIENT_ID", emu.client_id)
    monkeypatch.setenv("AZURE_CLIENT_SECRET", emu.client_secret)
    monkeypatch.setenv("AZURE_AUTHORITY_HOST", emu.authority)
    return mode.module.DefaultAzureCredential(connection_verify=emu.ca_path)


BUILDERS: dict[str, Callable[..., Any]] = {
    f.__name__: f
    for f in (
        client_secret,
        certificate,
        on_behalf_of,
        workload_identity,
        environment,
        managed_identity,
        authorization_code,
        chain,
        default,
    )
}


@pytest.mark.parametrize("kind", list(BUILDERS))
def test_pickled_copy_authenticates(
    mode: Mode, emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    original = BUILDERS[kind](mode, emu, tmp_path, monkeypatch)
    token = mode.wait(original.get_token(SCOPE))  # locks, a session and a cached token now exist
    before = len(emu.requests)

    data = pickle.dumps(original)
    copy = pickle.loads(data)

    assert type(copy) is type(original)
    again = mode.wait(copy.get_token(SCOPE))
    assert again.token != token.token  # the copy's cache started empty: it authenticated on its own
    assert emu.decode_token(again.token)["appid"] == emu.decode_token(token.token)["appid"]
    assert len(emu.requests) > before
    assert token.token.encode() not in data  # no cached token travels
    token_file = tmp_path / "token"
    if token_file.exists():  # nor the service account token read from the file: the copy reads it itself
        assert token_file.read_text().strip().encode() not in data
    assert mode.wait(copy.get_token(SCOPE)).token == again.token  # and caches again
    mode.close(copy)
    mode.close(original)


@pytest.mark.parametrize(("host", "variable"), [("app_service", "IDENTITY_HEADER"), ("azure_ml", "MSI_SECRET")])
def test_managed_identity_pickle_holds_no_environment_secret(
    mode: Mode, emu: Emulator, monkeypatch: pytest.MonkeyPatch, host: str, variable: str
) -> None:
    environ = emu.managed_identity_environ(host)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    credential = mode.module.ManagedIdentityCredential()
    mode.wait(credential.get_token(SCOPE))
    data = pickle.dumps(credential)
    assert environ[variable].encode() not in data
    assert b"PATH" not in data  # the process environment is referred to, never copied
    copy = pickle.loads(data)
    assert emu.decode_token(mode.wait(copy.get_token(SCOPE)).token)["appid"] == emu.managed_identity_client_id
    for shown in (repr(copy), repr(copy._host), *(repr(v) for v in vars(copy).values())):
        assert environ[variable] not in shown
    mode.close(copy)
    mode.close(credential)


@pytest.mark.parametrize("kind", list(BUILDERS))
def test_no_repr_shows_a_secret(
    mode: Mode, emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    credential = BUILDERS[kind](mode, emu, tmp_path, monkeypatch)
    token = mode.wait(credential.get_token(SCOPE))
    secrets = [emu.client_secret, token.token, *emu.managed_identity_environ("app_service").values()]
    secrets = [s for s in secrets if len(s) >= 16 and not s.startswith("http")]
    held = [credential, *vars(credential).values()]
    for value in held:
        shown = repr(value)
        assert not [s for s in secrets if s in shown], (kind, shown[:200])
    mode.close(credential)
