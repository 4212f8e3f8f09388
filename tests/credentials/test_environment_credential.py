"""EnvironmentCredential (secret, then certificate, then username/password) and UsernamePasswordCredential."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from azure.core.exceptions import ClientAuthenticationError

from azauth import CredentialUnavailableError
from azauth.emulator import Emulator, make_certificate
from tests.support import SCOPE, Mode

DEPRECATED = pytest.mark.filterwarnings("ignore:Username and password authentication is deprecated")


def base_env(emu: Emulator, **extra: str) -> dict[str, str]:
    return {
        "AZURE_AUTHORITY_HOST": emu.authority,
        "AZURE_TENANT_ID": emu.tenant_id,
        "AZURE_CLIENT_ID": emu.client_id,
        **extra,
    }


def environment(mode: Mode, emu: Emulator, environ: dict[str, str], **kwargs: Any) -> Any:
    return mode.module.EnvironmentCredential(environ=environ, connection_verify=emu.ca_path, retry_total=0, **kwargs)


def certificate_file(emu: Emulator, tmp_path: Path, password: bytes | None = None) -> Path:
    bundle = make_certificate(password=password)
    emu.add_certificate(emu.client_id, bundle.cert_pem)
    path = tmp_path / "cert.pem"
    path.write_bytes(bundle.pem)
    return path


def test_service_principal_with_secret(mode: Mode, emu: Emulator) -> None:
    cred = environment(mode, emu, base_env(emu, AZURE_CLIENT_SECRET=emu.client_secret))
    assert cred.configured_for == "ClientSecretCredential"
    token = mode.wait(cred.get_token(SCOPE))
    assert emu.decode_token(token.token, audience="https://vault.azure.net")["appid"] == emu.client_id
    assert mode.wait(cred.get_token(SCOPE)).token == token.token
    assert emu.count("token") == 1
    assert emu.requests[-1].form["client_secret"] == "***"
    mode.close(cred)


@pytest.mark.parametrize(("chain", "sent"), [("true", True), ("1", True), ("no", False), ("FALSE", False), ("", False)])
def test_service_principal_with_certificate(mode: Mode, emu: Emulator, tmp_path: Path, chain: str, sent: bool) -> None:
    path = certificate_file(emu, tmp_path, password=b"pw")
    environ = base_env(
        emu,
        AZURE_CLIENT_CERTIFICATE_PATH=str(path),
        AZURE_CLIENT_CERTIFICATE_PASSWORD="pw",
        AZURE_CLIENT_SEND_CERTIFICATE_CHAIN=chain,
    )
    cred = environment(mode, emu, environ)
    assert cred.configured_for == "CertificateCredential"
    assert cred._inner._send_chain is sent
    assert emu.decode_token(mode.wait(cred.get_token(SCOPE)).token)["appid"] == emu.client_id
    assert "client_assertion" in emu.requests[-1].form
    mode.close(cred)


def test_unknown_boolean_word_names_the_variable(mode: Mode, emu: Emulator, tmp_path: Path) -> None:
    path = certificate_file(emu, tmp_path)
    environ = base_env(emu, AZURE_CLIENT_CERTIFICATE_PATH=str(path), AZURE_CLIENT_SEND_CERTIFICATE_CHAIN="maybe")
    with pytest.raises(ValueError, match="AZURE_CLIENT_SEND_CERTIFICATE_CHAIN"):
        environment(mode, emu, environ)


def test_missing_certificate_file_names_the_variable(mode: Mode, emu: Emulator, tmp_path: Path) -> None:
    environ = base_env(emu, AZURE_CLIENT_CERTIFICATE_PATH=str(tmp_path / "absent.pem"))
    with pytest.raises(ValueError, match="AZURE_CLIENT_CERTIFICATE_PATH.*does not exist"):
        environment(mode, emu, environ)


def test_secret_comes_before_certificate(mode: Mode, emu: Emulator, tmp_path: Path) -> None:
    environ = base_env(
        emu, AZURE_CLIENT_SECRET=emu.client_secret, AZURE_CLIENT_CERTIFICATE_PATH=str(tmp_path / "absent.pem")
    )
    cred = environment(mode, emu, environ)
    assert cred.configured_for == "ClientSecretCredential"
    mode.close(cred)


@DEPRECATED
def test_user_with_username_and_password(mode: Mode, emu: Emulator) -> None:
    user = emu.add_user()
    public = emu.add_app()
    environ = {
        "AZURE_AUTHORITY_HOST": emu.authority,
        "AZURE_CLIENT_ID": public,
        "AZURE_USERNAME": user.username,
        "AZURE_PASSWORD": user.password,
    }
    with pytest.warns(DeprecationWarning, match="multifactor"):
        cred = environment(mode, emu, environ)
    assert cred.configured_for == "UsernamePasswordCredential"
    token = mode.wait(cred.get_token(SCOPE))
    claims = emu.decode_token(token.token)
    assert (claims["oid"], claims["tid"], claims["appid"]) == (user.object_id, user.tenant_id, public)
    request = emu.requests[-1]
    assert request.path.startswith("/organizations/")
    assert request.form["grant_type"] == "password" and request.form["password"] == "***"
    mode.close(cred)


@DEPRECATED
@pytest.mark.parametrize(("mfa", "password", "code"), [(False, "wrong", "AADSTS50126"), (True, None, "AADSTS50076")])
def test_username_password_failures(mode: Mode, emu: Emulator, mfa: bool, password: str | None, code: str) -> None:
    user = emu.add_user(mfa_required=mfa)
    cred = mode.module.UsernamePasswordCredential(
        emu.add_app(), user.username, password or user.password, tenant_id=emu.tenant_id,
        authority=emu.authority, connection_verify=emu.ca_path, enable_support_logging=True,
    )  # fmt: skip
    with pytest.raises(ClientAuthenticationError, match=code) as caught:
        mode.wait(cred.get_token(SCOPE))
    assert user.password not in str(caught.value)
    mode.close(cred)


@pytest.mark.parametrize(
    ("environ", "missing", "present"),
    [
        ({}, ["AZURE_CLIENT_SECRET", "AZURE_USERNAME"], "None of these variables is set"),
        (
            {"AZURE_TENANT_ID": "tenant-value-1", "AZURE_CLIENT_ID": "client-value-2"},
            ["AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_USERNAME, AZURE_PASSWORD"],
            "These variables are set: AZURE_CLIENT_ID, AZURE_TENANT_ID",
        ),
        (
            {"AZURE_CLIENT_ID": "client-value-3", "AZURE_USERNAME": "someone@example.test", "AZURE_PASSWORD": ""},
            ["(missing: AZURE_PASSWORD)"],
            "AZURE_USERNAME",
        ),
    ],
)
def test_incomplete_configuration_names_missing_variables(
    mode: Mode, environ: dict[str, str], missing: list[str], present: str
) -> None:
    cred = mode.module.EnvironmentCredential(environ=environ)
    assert cred.configured_for is None
    with pytest.raises(CredentialUnavailableError) as caught:
        mode.wait(cred.get_token(SCOPE))
    message = str(caught.value)
    for name in missing:
        assert name in message
    assert present in message
    for value in environ.values():
        if value:
            assert value not in message
    mode.close(cred)


def test_unavailable_environment_lets_a_chain_move_on(mode: Mode, emu: Emulator) -> None:
    empty = mode.module.EnvironmentCredential(environ={})
    real = environment(mode, emu, base_env(emu, AZURE_CLIENT_SECRET=emu.client_secret))
    chain = mode.module.ChainedTokenCredential(empty, real)
    assert emu.decode_token(mode.wait(chain.get_token(SCOPE)).token)["appid"] == emu.client_id
    mode.close(chain)


def test_bad_secret(mode: Mode, emu: Emulator) -> None:
    cred = environment(mode, emu, base_env(emu, AZURE_CLIENT_SECRET="wrong-secret-987"))
    with pytest.raises(ClientAuthenticationError, match="AADSTS7000215") as caught:
        mode.wait(cred.get_token(SCOPE))
    assert "wrong-secret-987" not in str(caught.value)
    mode.close(cred)


def test_tenant_rules(mode: Mode, emu: Emulator) -> None:
    other = emu.add_tenant()
    emu_app = emu.add_app(multi_tenant=True, secrets=["multi-secret"])
    environ = base_env(emu, AZURE_CLIENT_ID=emu_app, AZURE_CLIENT_SECRET="multi-secret")
    cred = environment(mode, emu, environ)
    with pytest.raises(ClientAuthenticationError, match="additionally_allowed_tenants"):
        mode.wait(cred.get_token(SCOPE, tenant_id=other))
    allowed = environment(mode, emu, environ, additionally_allowed_tenants=[other])
    assert emu.decode_token(mode.wait(allowed.get_token(SCOPE, tenant_id=other)).token)["tid"] == other
    pinned = environment(mode, emu, {**environ, "AZURE_IDENTITY_DISABLE_MULTITENANTAUTH": "1"})
    assert emu.decode_token(mode.wait(pinned.get_token(SCOPE, tenant_id=other)).token)["tid"] == emu.tenant_id
    for c in (cred, allowed, pinned):
        mode.close(c)


def test_cae_tokens_are_separate(mode: Mode, emu: Emulator) -> None:
    cred = environment(mode, emu, base_env(emu, AZURE_CLIENT_SECRET=emu.client_secret))
    plain, cae = mode.wait(cred.get_token(SCOPE)), mode.wait(cred.get_token(SCOPE, enable_cae=True))
    assert plain.token != cae.token and emu.decode_token(cae.token)["xms_cc"] == ["CP1"]
    mode.close(cred)


@DEPRECATED
def test_nothing_secret_in_messages_reprs_or_logs(mode: Mode, emu: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    cred = environment(mode, emu, base_env(emu, AZURE_CLIENT_SECRET=emu.client_secret), logging_enable=True)
    token = mode.wait(cred.get_token(SCOPE))
    user = emu.add_user()
    bad = environment(
        mode, emu, {"AZURE_AUTHORITY_HOST": emu.authority, "AZURE_CLIENT_ID": emu.add_app(),
                    "AZURE_USERNAME": user.username, "AZURE_PASSWORD": "not-the-password-42"},
    )  # fmt: skip
    with pytest.raises(ClientAuthenticationError) as caught:
        mode.wait(bad.get_token(SCOPE))
    for text in (repr(cred), str(cred), repr(bad), repr(token), str(caught.value), caplog.text):
        for secret in (emu.client_secret, token.token, "not-the-password-42", user.password):
            assert secret not in text
    assert "ClientSecretCredential" in repr(cred)
    mode.close(cred)
    mode.close(bad)
