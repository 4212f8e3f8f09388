"""OnBehalfOfCredential against the emulator's on-behalf-of grant: secret, certificate, assertion function."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from azure.core.exceptions import ClientAuthenticationError

from azauth.emulator import Emulator, make_certificate
from tests.support import SCOPE, Mode, connect

GRAPH = "https://graph.microsoft.com/.default"


def user_assertion(emu: Emulator, audience: str | None = None) -> tuple[Any, str]:
    user = emu.add_user()
    return user, emu.issue_user_token(user, audience or emu.client_id)


def credential(mode: Mode, emu: Emulator, assertion: str, **kwargs: Any) -> Any:
    if not {"client_certificate", "client_assertion_func", "client_secret"} & set(kwargs):
        kwargs["client_secret"] = emu.client_secret
    return mode.module.OnBehalfOfCredential(
        emu.tenant_id, kwargs.pop("client_id", emu.client_id), user_assertion=assertion, **connect(emu), **kwargs
    )


def test_token_on_behalf_of_the_user(mode: Mode, emu: Emulator) -> None:
    user, assertion = user_assertion(emu)
    cred = credential(mode, emu, assertion)
    token = mode.wait(cred.get_token(GRAPH))
    claims = emu.decode_token(token.token, audience="https://graph.microsoft.com")
    assert (claims["oid"], claims["upn"], claims["appid"], claims["idtyp"]) == (
        user.object_id,
        user.username,
        emu.client_id,
        "user",
    )
    assert mode.wait(cred.get_token(GRAPH)).token == token.token
    assert emu.count("token") == 1
    form = emu.requests[-1].form
    assert form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    assert form["requested_token_use"] == "on_behalf_of"
    assert form["assertion"] == "***"
    mode.close(cred)


def test_two_users_never_share_a_token(mode: Mode, emu: Emulator) -> None:
    alice, alice_assertion = user_assertion(emu)
    bob, bob_assertion = user_assertion(emu)
    for_alice = credential(mode, emu, alice_assertion)
    for_bob = credential(mode, emu, bob_assertion)
    a = mode.wait(for_alice.get_token(GRAPH))
    b = mode.wait(for_bob.get_token(GRAPH))
    assert a.token != b.token
    assert emu.decode_token(a.token)["oid"] == alice.object_id
    assert emu.decode_token(b.token)["oid"] == bob.object_id
    assert mode.wait(for_alice.get_token(GRAPH)).token == a.token
    assert mode.wait(for_bob.get_token(GRAPH)).token == b.token
    # cache entries carry the user assertion's hash, never the assertion itself
    (key,) = for_alice._tokens
    (other_key,) = for_bob._tokens
    assert key[:3] == other_key[:3] and key[3] != other_key[3]
    assert alice_assertion not in repr(key)
    mode.close(for_alice)
    mode.close(for_bob)


def test_certificate_authentication(mode: Mode, emu: Emulator) -> None:
    bundle = make_certificate(password=b"pw")
    emu.add_certificate(emu.client_id, bundle.cert_pem)
    _, assertion = user_assertion(emu)
    cred = credential(
        mode, emu, assertion, client_certificate=bundle.pkcs12, password="pw", send_certificate_chain=True
    )
    token = mode.wait(cred.get_token(GRAPH))
    assert emu.decode_token(token.token)["appid"] == emu.client_id
    form = emu.requests[-1].form
    assert form["client_assertion"] == "***" and "client_secret" not in form
    mode.close(cred)


def test_client_assertion_func(mode: Mode, emu: Emulator) -> None:
    client_id = emu.add_app()
    emu.add_federation(client_id, issuer="https://issuer.example/", subject="middle-tier")
    calls = []

    def func() -> str:
        calls.append(1)
        return emu.issue_federated_token(issuer="https://issuer.example/", subject="middle-tier")

    _, assertion = user_assertion(emu, audience=f"api://{client_id}")
    cred = credential(mode, emu, assertion, client_id=client_id, client_assertion_func=func)
    mode.wait(cred.get_token(GRAPH))
    mode.wait(cred.get_token(SCOPE))
    assert len(calls) == 2
    mode.close(cred)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"client_secret": "s", "client_certificate": b"c"},
        {"client_secret": "s", "client_assertion_func": lambda: "a"},
    ],
)
def test_exactly_one_client_credential(mode: Mode, kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="exactly one of client_secret, client_certificate or client_assertion_func"):
        mode.module.OnBehalfOfCredential("tenant", "client", user_assertion="a", **kwargs)


def test_no_client_credential_is_a_type_error_worded_as_azure_identity(mode: Mode) -> None:
    with pytest.raises(TypeError) as caught:
        mode.module.OnBehalfOfCredential("tenant", "client", user_assertion="a")
    assert str(caught.value) == (
        'Either "client_certificate", "client_secret", or "client_assertion_func" must be provided'
    )


def test_password_without_certificate_and_empty_assertion(mode: Mode) -> None:
    with pytest.raises(ValueError, match="password"):
        mode.module.OnBehalfOfCredential("tenant", "client", client_secret="s", user_assertion="a", password="p")
    with pytest.raises(ValueError, match="user_assertion"):
        mode.module.OnBehalfOfCredential("tenant", "client", client_secret="s", user_assertion="")


def test_bad_secret(mode: Mode, emu: Emulator) -> None:
    _, assertion = user_assertion(emu)
    cred = credential(mode, emu, assertion, client_secret="wrong-secret-value")
    with pytest.raises(ClientAuthenticationError, match="AADSTS7000215") as caught:
        mode.wait(cred.get_token(GRAPH))
    assert "wrong-secret-value" not in str(caught.value)
    mode.close(cred)


def test_assertion_for_another_api_is_rejected(mode: Mode, emu: Emulator) -> None:
    _, assertion = user_assertion(emu, audience="api://someone-else")
    cred = credential(mode, emu, assertion)
    with pytest.raises(ClientAuthenticationError, match="AADSTS500131"):
        mode.wait(cred.get_token(GRAPH))
    mode.close(cred)


def test_tenant_rules(mode: Mode, emu: Emulator) -> None:
    _, assertion = user_assertion(emu)
    other = emu.add_tenant()
    cred = credential(mode, emu, assertion)
    with pytest.raises(ClientAuthenticationError, match="additionally_allowed_tenants"):
        mode.wait(cred.get_token(GRAPH, tenant_id=other))
    assert emu.requests == []
    mode.close(cred)


def test_cae_and_claims(mode: Mode, emu: Emulator) -> None:
    _, assertion = user_assertion(emu)
    cred = credential(mode, emu, assertion)
    plain = mode.wait(cred.get_token(GRAPH))
    cae = mode.wait(cred.get_token(GRAPH, enable_cae=True))
    assert plain.token != cae.token and emu.decode_token(cae.token)["xms_cc"] == ["CP1"]
    challenged = mode.wait(cred.get_token(GRAPH, enable_cae=True, claims='{"access_token":{"nbf":{"essential":true}}}'))
    assert challenged.token != cae.token
    assert emu.count("token") == 3
    mode.close(cred)


def test_nothing_secret_in_messages_reprs_or_logs(mode: Mode, emu: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    _, assertion = user_assertion(emu)
    cred = credential(mode, emu, assertion, logging_enable=True)
    token = mode.wait(cred.get_token(GRAPH))
    bad = credential(mode, emu, assertion, client_secret="bad-secret-1234")
    with pytest.raises(ClientAuthenticationError) as caught:
        mode.wait(bad.get_token(GRAPH))
    for text in (repr(cred), str(cred), repr(bad), repr(token), str(caught.value), repr(cred._tokens), caplog.text):
        for secret in (assertion, token.token, emu.client_secret, "bad-secret-1234"):
            assert secret not in text
    mode.close(cred)
    mode.close(bad)
