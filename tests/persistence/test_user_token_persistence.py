"""UsernamePasswordCredential persists the user's tokens as msal does: reused by a second credential (access
token, then refresh token), readable by msal, and reading what msal wrote."""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path
from typing import Any

import msal
import pytest
import requests
from azure.core.credentials import AccessTokenInfo

from azauth._protocol.msal_cache import UserTokenKey, parse_document, serialize_document
from azauth._protocol.user_grants import Account, UserTokenReply
from azauth.emulator import Emulator
from tests.persistence.persistence_helpers import cache_dir, options, read_cache
from tests.support import SCOPE, FakeClock, Mode, connect

pytestmark = [
    pytest.mark.filterwarnings("ignore:Username and password authentication is deprecated"),
    pytest.mark.filterwarnings("ignore:This API has been deprecated:DeprecationWarning"),  # msal's, likewise
]

NOW = 1_800_000_000
PUBLIC: dict[Emulator, str] = {}
IMPERSONATION = "https://vault.azure.net/user_impersonation"


def b64(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


ID_TOKEN = (
    "h." + b64({"oid": "oid-1", "sub": "sub-1", "tid": "tenant-1", "preferred_username": "Alice@Example.com"}) + ".s"
)
RESPONSE = {
    "access_token": "at-1",
    "refresh_token": "rt-1",
    "id_token": ID_TOKEN,
    "client_info": b64({"uid": "oid-1", "utid": "tenant-1"}),
    "expires_in": 3600,
    "ext_expires_in": 3600,
    "token_type": "Bearer",
    "scope": "https://x/read https://x/.default",
}
KEY = UserTokenKey.for_request(
    "https://Login.Example.com:8443", "client-1", "tenant-1", ("https://x/.default",), "alice@example.com"
)


def our_reply(**changes: Any) -> UserTokenReply:
    values: dict[str, Any] = {
        "info": AccessTokenInfo("at-1", NOW + 3600),
        "refresh_token": "rt-1",
        "account": Account("oid-1.tenant-1", "Alice@Example.com", "tenant-1"),
        "id_token": ID_TOKEN,
        "scopes": ("https://x/read", "https://x/.default"),
        "local_account_id": "oid-1",
        "client_info": True,
        **changes,
    }
    return UserTokenReply(**values)


def msal_event(response: dict[str, Any]) -> dict[str, Any]:
    """A password grant as msal's PublicClientApplication records it."""
    return {
        "client_id": "client-1",
        "scope": response["scope"].split(),
        "token_endpoint": "https://login.example.com:8443/tenant-1/oauth2/v2.0/token",
        "environment": "login.example.com",
        "grant_type": "password",
        "response": response,
        "params": {},
        "data": {"client_id": "client-1", "scope": "https://x/.default offline_access openid profile"},
    }


def test_entries_are_msals_for_a_password_grant() -> None:
    cache = msal.TokenCache()
    cache.add(msal_event(RESPONSE), now=NOW)
    ours: dict[str, Any] = {}
    KEY.add(ours, our_reply(), NOW)
    assert ours == json.loads(json.dumps(cache._cache))  # entry for entry: Account, AccessToken, IdToken, ...


def test_foci_family_is_recorded_as_msal_does() -> None:
    cache = msal.TokenCache()
    cache.add(msal_event({**RESPONSE, "foci": "1"}), now=NOW)
    ours: dict[str, Any] = {}
    KEY.add(ours, our_reply(family_id="1"), NOW)
    assert ours == json.loads(json.dumps(cache._cache))


def test_found_by_username_realm_scopes_and_expiry() -> None:
    document: dict[str, Any] = {}
    KEY.add(document, our_reply(), NOW)
    found = KEY.find(document, NOW + 10)
    assert found is not None and found.token == "at-1" and "at-1" not in repr(found)
    assert KEY.refresh_token(document) == "rt-1"
    shout = UserTokenKey(KEY.environment, KEY.client_id, KEY.realm, KEY.target, "ALICE@example.COM")
    assert shout.find(document, NOW) is not None  # usernames compare case-insensitively, as msal's get_accounts
    narrower = UserTokenKey(KEY.environment, KEY.client_id, KEY.realm, "https://x/read", KEY.username)
    assert narrower.find(document, NOW) is not None  # the token's target covers it
    assert KEY.find(document, NOW + 3600) is None  # expired
    others = [
        UserTokenKey(KEY.environment, KEY.client_id, KEY.realm, KEY.target, "bob@example.com"),
        UserTokenKey(KEY.environment, KEY.client_id, "tenant-2", KEY.target, KEY.username),
        UserTokenKey(KEY.environment, "client-2", KEY.realm, KEY.target, KEY.username),
        UserTokenKey("elsewhere.example.com", KEY.client_id, KEY.realm, KEY.target, KEY.username),
        UserTokenKey(KEY.environment, KEY.client_id, KEY.realm, "https://y/.default", KEY.username),
    ]
    assert [k.find(document, NOW) for k in others] == [None] * 5
    assert [k.refresh_token(document) for k in others[:1] + others[2:4]] == [None] * 3
    assert others[1].refresh_token(document) == "rt-1"  # a refresh token is not bound to a tenant


def test_a_new_refresh_token_replaces_the_accounts_older_ones() -> None:
    document: dict[str, Any] = {}
    KEY.add(document, our_reply(), NOW)
    KEY.add(document, our_reply(refresh_token="rt-2", scopes=("https://x/.default",)), NOW + 60)
    assert [e["secret"] for e in document["RefreshToken"].values()] == ["rt-2"]
    assert KEY.refresh_token(document) == "rt-2"


def test_a_reply_without_client_info_is_not_persisted() -> None:
    document: dict[str, Any] = {}
    KEY.add(document, our_reply(client_info=False), NOW)
    assert document == {}  # msal names no account without client_info; nothing to find it by


def test_msal_finds_what_azauth_wrote() -> None:
    document: dict[str, Any] = {}
    KEY.add(document, our_reply(), NOW)
    cache = msal.SerializableTokenCache()
    cache.deserialize(serialize_document(document))
    accounts = list(cache.search(msal.TokenCache.CredentialType.ACCOUNT, query={"username": "Alice@Example.com"}))
    assert [a["home_account_id"] for a in accounts] == ["oid-1.tenant-1"]
    query = {
        "client_id": "client-1",
        "environment": "login.example.com",
        "realm": "tenant-1",
        "home_account_id": "oid-1.tenant-1",
    }
    found = list(cache.search(msal.TokenCache.CredentialType.ACCESS_TOKEN, target=["https://x/.default"], query=query))
    assert [e["secret"] for e in found] == ["at-1"]
    del query["realm"]
    assert [e["secret"] for e in cache.search(msal.TokenCache.CredentialType.REFRESH_TOKEN, query=query)] == ["rt-1"]


# end to end, both modes -------------------------------------------------------------------------------------------


@pytest.fixture
def public(emu: Emulator) -> str:
    """A public client app (no secret), as the password grant needs."""
    PUBLIC[emu] = emu.add_app(multi_tenant=True)
    return PUBLIC[emu]


def user_credential(mode: Mode, emu: Emulator, home: Path, username: str, password: str, **kwargs: Any) -> Any:
    kwargs.setdefault("cache_persistence_options", options())
    return mode.module.UsernamePasswordCredential(
        kwargs.pop("client_id", PUBLIC[emu]),
        username,
        password,
        tenant_id=kwargs.pop("tenant_id", emu.tenant_id),
        environ={"HOME": str(home)},
        **connect(emu),
        **kwargs,
    )


def grants(emu: Emulator) -> list[str]:
    return [r.form.get("grant_type", "") for r in emu.requests if r.endpoint == "token"]


def test_second_credential_reuses_the_users_access_token(mode: Mode, emu: Emulator, public: str, home: Path) -> None:
    user = emu.add_user()
    first = user_credential(mode, emu, home, user.username, user.password)
    token = mode.wait(first.get_token(SCOPE))
    mode.close(first)
    second = user_credential(mode, emu, home, user.username.upper(), "not-the-password")
    assert mode.wait(second.get_token(SCOPE)).token == token.token
    assert mode.wait(second.get_token_info(SCOPE)).token == token.token
    assert grants(emu) == ["password"]  # the second credential sent nothing
    mode.close(second)


def test_written_in_msal_format(mode: Mode, emu: Emulator, public: str, home: Path) -> None:
    user = emu.add_user()
    credential = user_credential(mode, emu, home, user.username, user.password)
    token = mode.wait(credential.get_token(SCOPE))
    mode.close(credential)
    document = read_cache(home)
    home_id = f"{user.object_id}.{user.tenant_id}"
    assert document["Account"] == {
        f"{home_id}-127.0.0.1-{emu.tenant_id}": {
            "home_account_id": home_id,
            "environment": "127.0.0.1",
            "realm": emu.tenant_id,
            "local_account_id": user.object_id,
            "username": user.username,
            "authority_type": "MSSTS",
            "account_source": "password",
        }
    }
    ((key, access),) = document["AccessToken"].items()
    target = " ".join(sorted((IMPERSONATION, SCOPE)))  # what Entra granted, and the scope requested
    assert key == f"{home_id}-127.0.0.1-accesstoken-{public}-{emu.tenant_id}-{target}".lower()
    assert (access["secret"], access["home_account_id"], access["realm"]) == (token.token, home_id, emu.tenant_id)
    ((key, refresh),) = document["RefreshToken"].items()
    assert key == f"{home_id}-127.0.0.1-refreshtoken-{public}--{target}".lower()
    assert refresh["secret"].startswith("rt~") and refresh["home_account_id"] == home_id
    assert list(document["IdToken"]) == [f"{home_id}-127.0.0.1-idtoken-{public}-{emu.tenant_id}-".lower()]
    assert list(document["AppMetadata"]) == [f"appmetadata-127.0.0.1-{public}"]


def test_an_expired_access_token_is_renewed_with_the_refresh_token(
    mode: Mode, emu: Emulator, public: str, home: Path, clock: FakeClock
) -> None:
    user = emu.add_user()
    first = user_credential(mode, emu, home, user.username, user.password)
    old = mode.wait(first.get_token(SCOPE))
    mode.close(first)
    clock.advance(old.expires_on - clock.now + 1)
    second = user_credential(mode, emu, home, user.username, "not-the-password")
    new = mode.wait(second.get_token(SCOPE))
    assert new.token != old.token and emu.decode_token(new.token)["oid"] == user.object_id
    assert grants(emu) == ["password", "refresh_token"]
    assert emu.requests[-1].form["refresh_token"] == "***"
    assert len(read_cache(home)["AccessToken"]) == 1  # the expired token was dropped
    mode.close(second)
    third = user_credential(mode, emu, home, user.username, "not-the-password")
    assert mode.wait(third.get_token(SCOPE)).token == new.token  # the renewed token was persisted
    assert len(grants(emu)) == 2
    mode.close(third)


def test_a_refused_refresh_token_falls_back_to_the_password(
    mode: Mode, emu: Emulator, public: str, home: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    user = emu.add_user()
    first = user_credential(mode, emu, home, user.username, user.password)
    old = mode.wait(first.get_token(SCOPE))
    mode.close(first)
    refresh = next(iter(read_cache(home)["RefreshToken"].values()))["secret"]
    emu.revoke_refresh_tokens(user)
    clock.advance(old.expires_on - clock.now + 1)
    caplog.set_level(logging.DEBUG, logger="azauth")
    second = user_credential(mode, emu, home, user.username, user.password)
    assert mode.wait(second.get_token(SCOPE)).token != old.token
    assert grants(emu) == ["password", "refresh_token", "password"]
    assert next(iter(read_cache(home)["RefreshToken"].values()))["secret"] != refresh
    logged = caplog.text
    assert "refresh token was refused" in logged
    for secret in (user.password, refresh, old.token):
        assert secret not in logged
    mode.close(second)


def test_tokens_are_not_shared_between_users_tenants_or_cae(mode: Mode, emu: Emulator, public: str, home: Path) -> None:
    alice, bob = emu.add_user(), emu.add_user()
    for user in (alice, bob):
        credential = user_credential(mode, emu, home, user.username, user.password)
        mode.wait(credential.get_token(SCOPE))
        mode.wait(credential.get_token(SCOPE, enable_cae=True))
        mode.close(credential)
    assert grants(emu) == ["password"] * 4
    assert len(read_cache(home)["Account"]) == 2 and len(read_cache(home, "azauth-test.cae")["Account"]) == 2
    other = emu.add_tenant()
    carol = emu.add_user(tenant_id=other)
    credential = user_credential(mode, emu, home, carol.username, carol.password, tenant_id=other)
    mode.wait(credential.get_token(SCOPE))
    assert grants(emu) == ["password"] * 5
    mode.close(credential)


def test_without_options_nothing_is_persisted(mode: Mode, emu: Emulator, public: str, home: Path) -> None:
    user = emu.add_user()
    credential = user_credential(mode, emu, home, user.username, user.password, cache_persistence_options=None)
    mode.wait(credential.get_token(SCOPE))
    assert not cache_dir(home).exists()
    mode.close(credential)


def test_nothing_secret_is_logged(
    mode: Mode, emu: Emulator, public: str, home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    user = emu.add_user()
    first = user_credential(mode, emu, home, user.username, user.password)
    token = mode.wait(first.get_token(SCOPE))
    second = user_credential(mode, emu, home, user.username, user.password)
    mode.wait(second.get_token(SCOPE))
    refresh = next(iter(read_cache(home)["RefreshToken"].values()))["secret"]
    for secret in (user.password, token.token, refresh):
        assert secret not in caplog.text
        assert secret not in repr(first) and secret not in repr(second)
    mode.close(first)
    mode.close(second)


# interoperation with msal ------------------------------------------------------------------------------------------


def msal_app(emu: Emulator, home: Path) -> tuple[msal.PublicClientApplication, msal.SerializableTokenCache]:
    session = requests.Session()
    session.verify = emu.ca_path
    session.trust_env = False  # a REQUESTS_CA_BUNDLE in the environment would override verify
    cache = msal.SerializableTokenCache()
    path = cache_dir(home) / "azauth-test.nocae"
    if path.exists():
        cache.deserialize(path.read_text())
    app = msal.PublicClientApplication(
        PUBLIC[emu],
        authority=f"{emu.authority}/{emu.tenant_id}",
        token_cache=cache,
        instance_discovery=False,
        http_client=session,
    )
    return app, cache


def test_msal_uses_the_tokens_azauth_persisted(mode: Mode, emu: Emulator, public: str, home: Path) -> None:
    user = emu.add_user()
    credential = user_credential(mode, emu, home, user.username, user.password)
    token = mode.wait(credential.get_token(SCOPE))
    mode.close(credential)
    app, _ = msal_app(emu, home)
    (account,) = app.get_accounts(username=user.username)
    result = app.acquire_token_silent([SCOPE], account=account)
    assert result is not None and result["access_token"] == token.token
    assert grants(emu) == ["password"]
    refreshed = app.acquire_token_silent([SCOPE], account=account, force_refresh=True)  # with azauth's refresh token
    assert refreshed is not None and "access_token" in refreshed and refreshed["access_token"] != token.token
    assert grants(emu) == ["password", "refresh_token"]


def test_azauth_uses_the_tokens_msal_persisted(mode: Mode, emu: Emulator, public: str, home: Path) -> None:
    user = emu.add_user()
    app, cache = msal_app(emu, home)
    app.authority.user_realm_discovery = lambda *args, **kwargs: {}  # msal asks port 443 of the host: a managed user
    result = app.acquire_token_by_username_password(user.username, user.password, scopes=[IMPERSONATION])
    assert "access_token" in result, result.get("error_description")
    cache_dir(home).mkdir(mode=0o700)
    (cache_dir(home) / "azauth-test.nocae").write_text(cache.serialize())
    assert grants(emu) == ["password"]
    credential = user_credential(mode, emu, home, user.username, "not-the-password")
    assert mode.wait(credential.get_token(IMPERSONATION)).token == result["access_token"]
    assert grants(emu) == ["password"]
    # msal recorded the access token for the scopes Entra granted: for another request, its refresh token serves
    assert mode.wait(credential.get_token(SCOPE)).token != result["access_token"]
    assert grants(emu) == ["password", "refresh_token"]
    mode.close(credential)
    assert parse_document((cache_dir(home) / "azauth-test.nocae").read_text())["Account"]
