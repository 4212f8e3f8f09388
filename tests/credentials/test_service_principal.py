"""ClientSecret, Certificate and ClientAssertion credentials over real HTTPS against the emulator."""

from __future__ import annotations

import json
from typing import Any

import pytest
from azure.core.credentials import AccessToken, AccessTokenInfo
from azure.core.exceptions import ClientAuthenticationError

from azauth.emulator import Emulator, make_certificate
from tests.support import SCOPE, Mode, connect


def secret_credential(mode: Mode, emu: Emulator, **kwargs: Any) -> Any:
    return mode.module.ClientSecretCredential(
        emu.tenant_id, emu.client_id, kwargs.pop("client_secret", emu.client_secret), **connect(emu), **kwargs
    )


def test_client_secret_token_is_valid_and_cached(mode: Mode, emu: Emulator) -> None:
    credential = secret_credential(mode, emu)
    token = mode.wait(credential.get_token(SCOPE))
    assert isinstance(token, AccessToken)
    claims = emu.decode_token(token.token, audience="https://vault.azure.net")
    assert claims["tid"] == emu.tenant_id
    assert claims["appid"] == emu.client_id
    assert abs(token.expires_on - claims["exp"]) <= 2

    again = mode.wait(credential.get_token(SCOPE))
    info = mode.wait(credential.get_token_info(SCOPE))
    assert again.token == token.token == info.token
    assert isinstance(info, AccessTokenInfo)
    assert emu.count("token") == 1
    form = emu.requests[-1].form
    assert form["grant_type"] == "client_credentials"
    assert form["scope"] == SCOPE
    assert form["client_secret"] == "***"  # the emulator's log redacts it
    mode.close(credential)


def test_token_reprs_hide_the_token(mode: Mode, emu: Emulator) -> None:
    credential = secret_credential(mode, emu)
    token = mode.wait(credential.get_token(SCOPE))
    info = mode.wait(credential.get_token_info(SCOPE))
    for shown in (repr(token), str(token), repr(info), repr(credential)):
        assert token.token not in shown
        assert emu.client_secret not in shown
    mode.close(credential)


def test_different_scopes_are_cached_separately(mode: Mode, emu: Emulator) -> None:
    credential = secret_credential(mode, emu)
    vault = mode.wait(credential.get_token(SCOPE))
    storage = mode.wait(credential.get_token("https://storage.azure.com/.default"))
    assert emu.decode_token(storage.token)["aud"] == "https://storage.azure.com"
    assert vault.token != storage.token
    mode.wait(credential.get_token(SCOPE))
    mode.wait(credential.get_token("https://storage.azure.com/.default"))
    assert emu.count("token") == 2
    mode.close(credential)


def test_wrong_secret_is_a_clear_error_without_the_secret(mode: Mode, emu: Emulator) -> None:
    wrong = "wrong-secret-value-12345"
    credential = secret_credential(mode, emu, client_secret=wrong)
    with pytest.raises(ClientAuthenticationError) as caught:
        mode.wait(credential.get_token(SCOPE))
    message = str(caught.value)
    assert "AADSTS7000215" in message
    assert "invalid_client" in message
    assert "oauth2/v2.0/token" in message
    assert wrong not in message
    assert caught.value.error_codes == (7000215,)  # type: ignore[attr-defined]
    assert caught.value.correlation_id  # type: ignore[attr-defined]
    mode.close(credential)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"client_id": "00000000-0000-0000-0000-00000000beef"}, "AADSTS700016"),
        ({"tenant_id": "00000000-0000-0000-0000-00000000cafe"}, "AADSTS90002"),
    ],
)
def test_unknown_client_or_tenant(mode: Mode, emu: Emulator, change: dict[str, str], code: str) -> None:
    args = {"tenant_id": emu.tenant_id, "client_id": emu.client_id, "client_secret": emu.client_secret, **change}
    credential = mode.module.ClientSecretCredential(**args, **connect(emu))
    with pytest.raises(ClientAuthenticationError, match=code):
        mode.wait(credential.get_token(SCOPE))
    mode.close(credential)


def test_bad_scope_is_reported_by_entra(mode: Mode, emu: Emulator) -> None:
    credential = secret_credential(mode, emu)
    with pytest.raises(ClientAuthenticationError, match="invalid_scope"):
        mode.wait(credential.get_token("https://vault.azure.net/user_impersonation"))
    mode.close(credential)


@pytest.mark.parametrize("scopes", [(), ("",), ("https://vault.azure.net/.default?x=1",), ("a b",)])
def test_invalid_scopes_are_rejected_before_any_request(mode: Mode, emu: Emulator, scopes: tuple[str, ...]) -> None:
    credential = secret_credential(mode, emu)
    with pytest.raises(ValueError, match="scope"):
        mode.wait(credential.get_token(*scopes))
    assert emu.count("token") == 0
    mode.close(credential)


@pytest.mark.parametrize("fmt", ["pem", "pkcs12"])
@pytest.mark.parametrize("password", [None, "p@ss wörd", b"bytes-password"])
def test_certificate_credential(mode: Mode, emu: Emulator, tmp_path: Any, fmt: str, password: Any) -> None:
    raw_password = password.encode() if isinstance(password, str) else password
    bundle = make_certificate(password=raw_password)
    emu.add_certificate(emu.client_id, bundle.cert_pem)
    path = tmp_path / f"cert.{fmt}"
    path.write_bytes(bundle.pem if fmt == "pem" else bundle.pkcs12)
    credential = mode.module.CertificateCredential(
        emu.tenant_id, emu.client_id, str(path), password=password, **connect(emu)
    )
    token = mode.wait(credential.get_token(SCOPE))
    assert emu.decode_token(token.token)["appid"] == emu.client_id
    assert emu.requests[-1].form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    mode.close(credential)


def test_certificate_data_with_chain_sends_x5c(mode: Mode, emu: Emulator) -> None:
    bundle = make_certificate(chain=True)
    emu.add_certificate(emu.client_id, bundle.cert_pem)
    credential = mode.module.CertificateCredential(
        emu.tenant_id, emu.client_id, certificate_data=bundle.pem, send_certificate_chain=True, **connect(emu)
    )
    mode.wait(credential.get_token(SCOPE))
    assert emu.count("token") == 1
    mode.close(credential)


def test_unregistered_certificate_is_rejected(mode: Mode, emu: Emulator) -> None:
    credential = mode.module.CertificateCredential(
        emu.tenant_id, emu.client_id, certificate_data=make_certificate().pem, **connect(emu)
    )
    with pytest.raises(ClientAuthenticationError, match="invalid_client"):
        mode.wait(credential.get_token(SCOPE))
    mode.close(credential)


def test_certificate_errors_are_clear(mode: Mode, tmp_path: Any) -> None:
    ec = make_certificate(key_type="ec")
    with pytest.raises(ValueError, match="not RSA"):
        mode.module.CertificateCredential("tenant", "client", certificate_data=ec.pem)
    encrypted = make_certificate(password=b"right-password")
    with pytest.raises(ValueError, match="password is wrong") as caught:
        mode.module.CertificateCredential("tenant", "client", certificate_data=encrypted.pkcs12, password="nope-x")
    assert "nope-x" not in str(caught.value)
    with pytest.raises(ValueError, match="requires a password"):
        mode.module.CertificateCredential("tenant", "client", certificate_data=encrypted.pem)
    with pytest.raises(ValueError, match="does not exist"):
        mode.module.CertificateCredential("tenant", "client", str(tmp_path / "missing.pem"))
    with pytest.raises(ValueError, match="is a directory"):
        mode.module.CertificateCredential("tenant", "client", str(tmp_path))
    with pytest.raises(ValueError, match="certificate_path or certificate_data"):
        mode.module.CertificateCredential("tenant", "client")
    with pytest.raises(ValueError, match="no private key|PEM or PKCS12"):
        mode.module.CertificateCredential("tenant", "client", certificate_data=ec.cert_pem)


def test_client_assertion_calls_func_for_each_new_token(mode: Mode, emu: Emulator) -> None:
    bundle = make_certificate()
    emu.add_certificate(emu.client_id, bundle.cert_pem)
    signer = mode.module.CertificateCredential(emu.tenant_id, emu.client_id, certificate_data=bundle.pem)
    calls: list[int] = []
    audience = f"{emu.authority}/{emu.tenant_id}/oauth2/v2.0/token"

    def assertion() -> str:
        from azauth._protocol.certificates import sign_assertion

        calls.append(1)
        return sign_assertion(
            signer._certificate, emu.client_id, audience, now=__import__("time").time(), send_chain=False
        )

    credential = mode.module.ClientAssertionCredential(emu.tenant_id, emu.client_id, assertion, **connect(emu))
    mode.wait(credential.get_token(SCOPE))
    mode.wait(credential.get_token(SCOPE))
    mode.wait(credential.get_token("https://storage.azure.com/.default"))
    assert len(calls) == 2
    mode.close(credential)


def test_client_assertion_func_returning_garbage(mode: Mode, emu: Emulator) -> None:
    credential = mode.module.ClientAssertionCredential(emu.tenant_id, emu.client_id, lambda: "", **connect(emu))
    with pytest.raises(ClientAuthenticationError, match="empty string"):
        mode.wait(credential.get_token(SCOPE))
    assert emu.count("token") == 0
    mode.close(credential)


def test_cae_tokens_are_cached_apart_and_carry_xms_cc(mode: Mode, emu: Emulator) -> None:
    credential = secret_credential(mode, emu)
    plain = mode.wait(credential.get_token(SCOPE))
    cae = mode.wait(credential.get_token(SCOPE, enable_cae=True))
    assert plain.token != cae.token
    assert "xms_cc" not in emu.decode_token(plain.token)
    assert emu.decode_token(cae.token)["xms_cc"] == ["CP1"]
    claims = json.loads(emu.requests[-1].form["claims"])
    assert claims == {"access_token": {"xms_cc": {"values": ["CP1"]}}}
    mode.wait(credential.get_token_info(SCOPE, options={"enable_cae": True}))
    assert emu.count("token") == 2
    mode.close(credential)


def test_claims_bypass_the_cache_and_replace_the_entry(mode: Mode, emu: Emulator) -> None:
    credential = secret_credential(mode, emu)
    first = mode.wait(credential.get_token(SCOPE))
    challenge = '{"access_token":{"nbf":{"essential":true,"value":"1700000000"}}}'
    second = mode.wait(credential.get_token(SCOPE, claims=challenge))
    assert emu.count("token") == 2
    assert second.token != first.token
    assert emu.requests[-1].form["claims"] == challenge
    assert mode.wait(credential.get_token(SCOPE)).token == second.token
    assert emu.count("token") == 2
    mode.close(credential)


def test_context_managers(mode: Mode, emu: Emulator) -> None:
    credential = secret_credential(mode, emu)
    if mode.is_async:

        async def use() -> AccessToken:
            async with credential as entered:
                assert entered is credential
                return await credential.get_token(SCOPE)  # type: ignore[no-any-return]

        token = mode.wait(use())
    else:
        with credential as entered:
            assert entered is credential
            token = credential.get_token(SCOPE)
    assert token.token
    # a closed credential opens a new session when used again
    assert mode.wait(credential.get_token("https://storage.azure.com/.default")).token
    mode.close(credential)


def test_unknown_keyword_is_a_type_error_with_a_hint(mode: Mode) -> None:
    with pytest.raises(TypeError, match="did you mean 'connection_verify'"):
        mode.module.ClientSecretCredential("tenant", "client", "secret", connection_verfy=False)
