"""OnBehalfOfCredential and AuthorizationCodeCredential take cache_persistence_options: tokens in msal's
format; on-behalf-of entries bound to the user assertion, never served across users."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from azauth._protocol.msal_cache import AppTokenKey, OnBehalfOfTokenKey, UserTokenKey
from azauth.emulator import Emulator
from tests.persistence.persistence_helpers import options, read_cache
from tests.support import SCOPE, Mode, connect


def obo(mode: Mode, emu: Emulator, home: Path, assertion: str) -> Any:
    return mode.module.OnBehalfOfCredential(
        emu.tenant_id,
        emu.client_id,
        client_secret=emu.client_secret,
        user_assertion=assertion,
        cache_persistence_options=options(),
        environ={"HOME": str(home)},
        **connect(emu),
    )


def test_on_behalf_of_tokens_persist_bound_to_the_assertion(mode: Mode, emu: Emulator, home: Path) -> None:
    alice, bob = emu.add_user(), emu.add_user()
    alice_assertion = emu.issue_user_token(alice, emu.client_id)
    bob_assertion = emu.issue_user_token(bob, emu.client_id)

    first = obo(mode, emu, home, alice_assertion)
    alice_token = mode.wait(first.get_token(SCOPE))
    assert emu.count("token") == 1

    again = obo(mode, emu, home, alice_assertion)  # another process, the same assertion: served from disk
    assert mode.wait(again.get_token(SCOPE)).token == alice_token.token
    assert emu.count("token") == 1

    other = obo(mode, emu, home, bob_assertion)  # another user on the same cache: never Alice's token
    bob_token = mode.wait(other.get_token(SCOPE))
    assert emu.count("token") == 2
    assert emu.decode_token(bob_token.token)["oid"] == bob.object_id
    assert emu.decode_token(alice_token.token)["oid"] == alice.object_id

    document = read_cache(home)
    entries = list(document["AccessToken"].values())
    assert len(entries) == 2
    assert {e["home_account_id"] for e in entries} == {
        f"{alice.object_id}.{alice.tenant_id}",
        f"{bob.object_id}.{bob.tenant_id}",
    }
    assert all(e["user_assertion_hash"] and e["credential_type"] == "AccessToken" for e in entries)
    assert len(document["RefreshToken"]) == 2
    # neither an app's token nor a password user's token to anyone else reading the cache
    app_key = AppTokenKey.for_request(emu.authority, emu.client_id, emu.tenant_id, (SCOPE,))
    user_key = UserTokenKey.for_request(emu.authority, emu.client_id, emu.tenant_id, (SCOPE,), alice.username)
    assert app_key.find(document, 0) is None and user_key.find(document, 0) is None
    for credential in (first, again, other):
        mode.close(credential)


def test_on_behalf_of_key_finds_only_its_assertion() -> None:
    from azure.core.credentials import AccessTokenInfo

    from azauth._protocol.user_grants import Account, UserTokenReply

    key = OnBehalfOfTokenKey.for_assertion(
        "https://login.example.com", "client", "tenant", ("https://x/.default",), "h1"
    )
    document: dict[str, Any] = {}
    reply = UserTokenReply(AccessTokenInfo("at", 2000), "rt", Account("oid.tid", None, "tid"))
    key.add(document, reply, 1000)
    assert key.find(document, 1500) is not None
    assert key.find(document, 2000) is None  # expired
    for other in (
        OnBehalfOfTokenKey(key.environment, key.client_id, key.realm, key.target, "", assertion_hash="h2"),
        OnBehalfOfTokenKey(key.environment, "client-2", key.realm, key.target, "", assertion_hash="h1"),
    ):
        assert other.find(document, 1500) is None and other.refresh_token(document) is None
    other_tenant = OnBehalfOfTokenKey(key.environment, key.client_id, "tenant-2", key.target, "", assertion_hash="h1")
    assert other_tenant.find(document, 1500) is None
    assert other_tenant.refresh_token(document) == "rt"  # refresh tokens are not bound to a tenant
    assert key.refresh_token(document) == "rt"
    user = UserTokenKey(key.environment, key.client_id, key.realm, key.target, "anyone")
    assert user.find(document, 1500) is None and user.refresh_token(document) is None  # not a password user's
    nobody = UserTokenReply(AccessTokenInfo("at", 2000), "rt", Account(None, None, None))
    empty: dict[str, Any] = {}
    key.add(empty, nobody, 1000)  # no account: nothing that could pass for an app's token
    assert empty == {}


REDIRECT = "http://localhost:8400/callback"
GRAPH = "https://graph.microsoft.com/User.Read"


def auth_code(mode: Mode, emu: Emulator, home: Path, user: Any) -> Any:
    return mode.module.AuthorizationCodeCredential(
        emu.tenant_id,
        emu.client_id,
        emu.authorize(emu.client_id, user=user, redirect_uri=REDIRECT),
        REDIRECT,
        client_secret=emu.client_secret,
        cache_persistence_options=options(),
        environ={"HOME": str(home)},
        **connect(emu),
    )


def test_authorization_code_tokens_persist_for_their_account_only(mode: Mode, emu: Emulator, home: Path) -> None:
    alice, bob = emu.add_user(), emu.add_user()
    first = auth_code(mode, emu, home, alice)
    mode.wait(first.get_token(GRAPH))
    vault = mode.wait(first.get_token(SCOPE))
    assert emu.count("token") == 2
    document = read_cache(home)
    home_id = f"{alice.object_id}.{alice.tenant_id}"
    assert {e["home_account_id"] for e in document["AccessToken"].values()} == {home_id}
    assert {e["username"] for e in document["Account"].values()} == {alice.username}
    assert len(document["RefreshToken"]) == 1

    second = auth_code(mode, emu, home, alice)  # another process, Alice again, with a new code
    mode.wait(second.get_token(GRAPH))  # the code is redeemed first: until then the account is unknown
    assert emu.count("token") == 3
    assert mode.wait(second.get_token(SCOPE)).token == vault.token  # Alice's token, from the shared cache
    assert emu.count("token") == 3

    other = auth_code(mode, emu, home, bob)  # Bob on the same cache: never one of Alice's tokens
    mode.wait(other.get_token(GRAPH))
    bob_vault = mode.wait(other.get_token(SCOPE))
    assert emu.count("token") == 5
    assert emu.decode_token(bob_vault.token)["oid"] == bob.object_id
    for credential in (first, second, other):
        mode.close(credential)
