"""AuthorizationCodeCredential: the code is redeemed once, then the refresh token is used; bound to the account."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from azure.core.exceptions import ClientAuthenticationError

from azauth.emulator import Emulator
from tests.support import SCOPE, Mode, connect

REDIRECT = "http://localhost:8400/callback"
GRAPH = "https://graph.microsoft.com/User.Read"


def credential(mode: Mode, emu: Emulator, code: str, **kwargs: Any) -> Any:
    kwargs.setdefault("client_secret", emu.client_secret)
    return mode.module.AuthorizationCodeCredential(
        emu.tenant_id, kwargs.pop("client_id", emu.client_id), code, kwargs.pop("redirect_uri", REDIRECT),
        retry_total=0, **connect(emu), **kwargs,
    )  # fmt: skip


def grants(emu: Emulator) -> list[str]:
    return [r.form["grant_type"] for r in emu.requests if r.endpoint == "token"]


def test_code_is_redeemed_once_then_the_refresh_token_is_used(mode: Mode, emu: Emulator) -> None:
    user = emu.add_user()
    cred = credential(mode, emu, emu.authorize(emu.client_id, user=user, redirect_uri=REDIRECT))
    first = mode.wait(cred.get_token(GRAPH))
    claims = emu.decode_token(first.token, audience="https://graph.microsoft.com")
    assert (claims["oid"], claims["scp"]) == (user.object_id, "User.Read")
    assert mode.wait(cred.get_token(GRAPH)).token == first.token  # cached
    vault = mode.wait(cred.get_token(SCOPE))  # another resource: the refresh token
    assert emu.decode_token(vault.token, audience="https://vault.azure.net")["oid"] == user.object_id
    mode.wait(cred.get_token("https://storage.azure.com/.default"))
    assert grants(emu) == ["authorization_code", "refresh_token", "refresh_token"]
    redeem = emu.requests[0].form
    assert redeem["redirect_uri"] == REDIRECT and redeem["code"] == "***"
    assert set(redeem["scope"].split()) == {GRAPH, "offline_access", "openid", "profile"}
    assert user.username in repr(cred)
    mode.close(cred)


def test_cache_entries_belong_to_the_account(mode: Mode, emu: Emulator) -> None:
    alice, bob = emu.add_user(), emu.add_user()
    for_alice = credential(mode, emu, emu.authorize(emu.client_id, user=alice, redirect_uri=REDIRECT))
    for_bob = credential(mode, emu, emu.authorize(emu.client_id, user=bob, redirect_uri=REDIRECT))
    a, b = mode.wait(for_alice.get_token(GRAPH)), mode.wait(for_bob.get_token(GRAPH))
    assert emu.decode_token(a.token)["oid"] == alice.object_id
    assert emu.decode_token(b.token)["oid"] == bob.object_id
    (alice_key,) = for_alice._tokens
    assert alice_key[3] == f"account:{alice.object_id}.{alice.tenant_id}"
    (bob_key,) = for_bob._tokens
    assert bob_key[3] == f"account:{bob.object_id}.{bob.tenant_id}"
    mode.close(for_alice)
    mode.close(for_bob)


def test_authorize_endpoint_issues_a_code(mode: Mode, emu: Emulator) -> None:
    user = emu.add_user()
    reply = requests.get(
        f"{emu.authority}/{emu.tenant_id}/oauth2/v2.0/authorize",
        params={
            "client_id": emu.client_id,
            "redirect_uri": REDIRECT,
            "response_type": "code",
            "scope": f"{GRAPH} offline_access",
            "login_hint": user.username,
            "state": "xyz",
        },
        allow_redirects=False,
        verify=emu.ca_path,
        timeout=10,
    )
    assert reply.status_code == 302
    location = urlsplit(reply.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    query = parse_qs(location.query)
    assert query["state"] == ["xyz"]
    cred = credential(mode, emu, query["code"][0])
    assert emu.decode_token(mode.wait(cred.get_token(GRAPH)).token)["oid"] == user.object_id
    mode.close(cred)


def test_public_client_needs_no_secret(mode: Mode, emu: Emulator) -> None:
    public = emu.add_app()
    user = emu.add_user()
    cred = credential(
        mode, emu, emu.authorize(public, user=user, redirect_uri=REDIRECT), client_id=public, client_secret=None
    )
    assert emu.decode_token(mode.wait(cred.get_token(GRAPH)).token)["appid"] == public
    assert "client_secret" not in emu.requests[-1].form
    mode.close(cred)


def test_a_code_redeemed_elsewhere_is_refused(mode: Mode, emu: Emulator) -> None:
    code = emu.authorize(emu.client_id, user=emu.add_user(), redirect_uri=REDIRECT)
    first, second = credential(mode, emu, code), credential(mode, emu, code)
    mode.wait(first.get_token(GRAPH))
    with pytest.raises(ClientAuthenticationError, match="AADSTS54005"):
        mode.wait(second.get_token(GRAPH))
    mode.close(first)
    mode.close(second)


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [({"redirect_uri": "http://localhost:9999/other"}, "AADSTS500112"), ({"client_secret": "nope"}, "AADSTS7000215")],
)
def test_redemption_errors(mode: Mode, emu: Emulator, kwargs: dict[str, Any], code: str) -> None:
    cred = credential(mode, emu, emu.authorize(emu.client_id, user=emu.add_user(), redirect_uri=REDIRECT), **kwargs)
    with pytest.raises(ClientAuthenticationError, match=code) as caught:
        mode.wait(cred.get_token(GRAPH))
    assert "nope" not in str(caught.value)
    mode.close(cred)


def test_failed_redemption_keeps_the_code(mode: Mode, emu: Emulator) -> None:
    cred = credential(mode, emu, emu.authorize(emu.client_id, user=emu.add_user(), redirect_uri=REDIRECT))
    emu.fault("token", status=503)
    with pytest.raises(ClientAuthenticationError):
        mode.wait(cred.get_token(GRAPH))
    mode.wait(cred.get_token(GRAPH))
    assert grants(emu) == ["authorization_code", "authorization_code"]
    mode.close(cred)


def test_revoked_refresh_token(mode: Mode, emu: Emulator) -> None:
    user = emu.add_user()
    cred = credential(mode, emu, emu.authorize(emu.client_id, user=user, redirect_uri=REDIRECT))
    mode.wait(cred.get_token(GRAPH))
    emu.revoke_refresh_tokens(user)
    with pytest.raises(ClientAuthenticationError, match="AADSTS50173"):
        mode.wait(cred.get_token(SCOPE))
    mode.close(cred)


def test_tenant_not_allowed(mode: Mode, emu: Emulator) -> None:
    other = emu.add_tenant()
    cred = credential(mode, emu, emu.authorize(emu.client_id, user=emu.add_user(), redirect_uri=REDIRECT))
    with pytest.raises(ClientAuthenticationError, match="additionally_allowed_tenants"):
        mode.wait(cred.get_token(GRAPH, tenant_id=other))
    assert emu.requests == []
    mode.close(cred)


def test_cae(mode: Mode, emu: Emulator) -> None:
    cred = credential(mode, emu, emu.authorize(emu.client_id, user=emu.add_user(), redirect_uri=REDIRECT))
    plain = mode.wait(cred.get_token(GRAPH))
    cae = mode.wait(cred.get_token(GRAPH, enable_cae=True))
    assert emu.decode_token(cae.token)["xms_cc"] == ["CP1"] and "xms_cc" not in emu.decode_token(plain.token)
    assert grants(emu) == ["authorization_code", "refresh_token"]
    mode.close(cred)


def test_nothing_secret_in_messages_reprs_or_logs(mode: Mode, emu: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    user = emu.add_user()
    code = emu.authorize(emu.client_id, user=user, redirect_uri=REDIRECT)
    cred = credential(mode, emu, code, logging_enable=True)
    token = mode.wait(cred.get_token(GRAPH))
    mode.wait(cred.get_token(SCOPE))
    refresh = cred._refresh_token.reveal()
    again = credential(mode, emu, code)
    with pytest.raises(ClientAuthenticationError) as caught:
        mode.wait(again.get_token(GRAPH))
    for text in (repr(cred), str(cred), repr(token), str(caught.value), repr(cred._tokens), caplog.text):
        for secret in (code, refresh, token.token, emu.client_secret):
            assert secret not in text
    mode.close(cred)
    mode.close(again)


def test_concurrent_first_requests_redeem_the_code_once(mode: Mode, emu: Emulator) -> None:
    user = emu.add_user()
    cred = credential(mode, emu, emu.authorize(emu.client_id, user=user, redirect_uri=REDIRECT))
    emu.token_delay = 0.3  # the redemption is still under way when the second request starts
    scopes = iter([GRAPH, SCOPE])
    tokens = mode.concurrently(lambda: cred.get_token(next(scopes)), 2)
    assert {emu.decode_token(t.token)["oid"] for t in tokens} == {user.object_id}
    assert sorted(grants(emu)) == ["authorization_code", "refresh_token"]
    mode.close(cred)


def test_a_code_without_refresh_token_is_a_clear_error_later(mode: Mode, emu: Emulator) -> None:
    cred = credential(mode, emu, emu.authorize(emu.client_id, user=emu.add_user(), redirect_uri=REDIRECT))
    mode.wait(cred.get_token(GRAPH))
    cred._refresh_token = None  # as if Entra had returned no refresh token
    with pytest.raises(ClientAuthenticationError, match="no authorization code or refresh token available"):
        mode.wait(cred.get_token(SCOPE))
    mode.close(cred)
