"""The cache document is msal's: msal reads what azauth writes, azauth reads what msal (and azure-identity) write."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msal
import msal_extensions
import pytest
from azure.core.credentials import AccessTokenInfo

from azauth._protocol.msal_cache import (
    AppTokenKey,
    add_app_token,
    find_app_token,
    parse_document,
    serialize_document,
)
from azauth.emulator import Emulator
from tests.persistence.persistence_helpers import access_tokens, cache_dir, secret_credential
from tests.support import SCOPE, Mode

NOW = 1_800_000_000
KEY = AppTokenKey.for_request("https://Login.Example.com:8443", "client-1", "tenant-1", ("b/.default", "a/.default"))


def msal_event(token: str = "token-1", **response: Any) -> dict[str, Any]:
    """A client-credentials token event as msal's ConfidentialClientApplication records it."""
    return {
        "client_id": "client-1",
        "scope": ["b/.default", "a/.default"],
        "token_endpoint": "https://login.example.com:8443/tenant-1/oauth2/v2.0/token",
        "environment": "login.example.com",
        "grant_type": "client_credentials",
        "response": {
            "access_token": token,
            "expires_in": 3600,
            "ext_expires_in": 3600,
            "token_type": "Bearer",
            **response,
        },
        "data": {"client_id": "client-1", "scope": "a/.default b/.default"},
    }


def test_key_is_msals() -> None:
    assert KEY.environment == "login.example.com"  # host name without the port, as msal's authority.instance
    assert KEY.target == "a/.default b/.default"
    assert KEY.cache_key == "-login.example.com-accesstoken-client-1-tenant-1-a/.default b/.default"


def test_msal_writes_what_azauth_writes() -> None:
    cache = msal.TokenCache()
    cache.add(msal_event(refresh_in=1800), now=NOW)
    ours: dict[str, Any] = {}
    add_app_token(ours, KEY, AccessTokenInfo("token-1", NOW + 3600, refresh_on=NOW + 1800), NOW)
    assert ours == json.loads(json.dumps(cache._cache))  # the same document, entry for entry


def test_azauth_finds_what_msal_wrote() -> None:
    cache = msal.SerializableTokenCache()
    cache.add(msal_event(), now=NOW)
    document = parse_document(cache.serialize())
    found = find_app_token(document, KEY, NOW + 10)
    assert found is not None and found.token == "token-1" and found.expires_on == NOW + 3600
    assert "token-1" not in repr(found)
    assert find_app_token(document, KEY, NOW + 3600) is None  # expired
    other_tenant = AppTokenKey("login.example.com", "client-1", "tenant-2", KEY.target)
    other_client = AppTokenKey("login.example.com", "client-2", "tenant-1", KEY.target)
    other_scopes = AppTokenKey("login.example.com", "client-1", "tenant-1", "a/.default")
    assert all(find_app_token(document, k, NOW) is None for k in (other_tenant, other_client, other_scopes))


def test_msal_finds_what_azauth_wrote() -> None:
    document: dict[str, Any] = {}
    add_app_token(document, KEY, AccessTokenInfo("token-1", NOW + 3600), NOW)
    cache = msal.SerializableTokenCache()
    cache.deserialize(serialize_document(document))
    query = {"client_id": "client-1", "environment": "login.example.com", "realm": "tenant-1", "home_account_id": None}
    found = list(
        cache.search(
            msal.TokenCache.CredentialType.ACCESS_TOKEN, target=["a/.default", "b/.default"], query=query, now=NOW
        )
    )
    assert [entry["secret"] for entry in found] == ["token-1"]


def test_user_and_bound_tokens_are_not_served_as_app_tokens() -> None:
    document: dict[str, Any] = {}
    add_app_token(document, KEY, AccessTokenInfo("token-1", NOW + 3600), NOW)
    entry = document["AccessToken"][KEY.cache_key]
    for change in (
        {"home_account_id": "uid.utid"},
        {"ext_cache_key": "x"},
        {"key_id": "k"},
        {"token_type": "pop"},
        {"credential_type": "RefreshToken"},
        {"secret": ""},
        {"expires_on": "soon"},
    ):
        tampered = {**document, "AccessToken": {KEY.cache_key: {**entry, **change}}}
        assert find_app_token(tampered, KEY, NOW) is None, change


def test_writing_keeps_others_entries_and_drops_expired_tokens() -> None:
    cache = msal.SerializableTokenCache()
    cache.add(msal_event("old"), now=NOW - 7200)  # expired by NOW
    document = parse_document(cache.serialize())
    document["RefreshToken"] = {"rt": {"credential_type": "RefreshToken", "secret": "keep"}}
    document["AppMetadata"]["appmetadata-login.example.com-client-1"]["family_id"] = "1"
    other = AppTokenKey("login.example.com", "client-9", "tenant-1", "c/.default")
    add_app_token(document, other, AccessTokenInfo("new", NOW + 60), NOW)
    assert [e["secret"] for e in document["AccessToken"].values()] == ["new"]
    assert document["RefreshToken"]["rt"]["secret"] == "keep"
    assert document["AppMetadata"]["appmetadata-login.example.com-client-1"]["family_id"] == "1"


@pytest.mark.parametrize("text", ["[]", '{"AccessToken": 3}', "{", "null"])
def test_corrupt_documents_are_refused_without_quoting_them(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_document(text + ' "secret-token-text"' if text == "{" else text)
    assert "secret-token-text" not in str(caught.value)


def test_empty_document_is_an_empty_cache() -> None:
    assert parse_document("") == {} and parse_document("  \n") == {}


def test_msal_extensions_reads_the_cache_azauth_writes(mode: Mode, emu: Emulator, home: Path) -> None:
    credential = secret_credential(mode, emu, home)
    token = mode.wait(credential.get_token(SCOPE))
    mode.close(credential)
    persistence = msal_extensions.FilePersistence(str(cache_dir(home) / "azauth-test.nocae"))
    cache = msal_extensions.PersistedTokenCache(persistence)
    query = {"client_id": emu.client_id, "environment": "127.0.0.1", "realm": emu.tenant_id, "home_account_id": None}
    found = list(cache.search(msal.TokenCache.CredentialType.ACCESS_TOKEN, target=[SCOPE], query=query))
    assert [entry["secret"] for entry in found] == [token.token]


def _azure_identity_credential(emu: Emulator, home: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    from azure.identity import ClientSecretCredential, TokenCachePersistenceOptions

    monkeypatch.setenv("HOME", str(home))  # azure-identity finds ~/.IdentityService through the process's HOME
    monkeypatch.setattr(msal_extensions, "LibsecretPersistence", _no_libsecret)
    return ClientSecretCredential(
        emu.tenant_id,
        emu.client_id,
        emu.client_secret,
        authority=emu.authority,
        connection_verify=emu.ca_path,
        disable_instance_discovery=True,
        cache_persistence_options=TokenCachePersistenceOptions(name="azauth-test", allow_unencrypted_storage=True),
    )


def _no_libsecret(*args: Any, **kwargs: Any) -> Any:
    raise ImportError("libsecret is not available (test)")


def test_azure_identity_reuses_the_token_azauth_persisted(
    mode: Mode, emu: Emulator, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    credential = secret_credential(mode, emu, home)
    token = mode.wait(credential.get_token(SCOPE))
    mode.close(credential)
    theirs = _azure_identity_credential(emu, home, monkeypatch)
    assert theirs.get_token(SCOPE).token == token.token
    assert emu.count("token") == 1  # azure-identity sent no token request


def test_azauth_reuses_the_token_azure_identity_persisted(
    mode: Mode, emu: Emulator, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    theirs = _azure_identity_credential(emu, home, monkeypatch)
    token = theirs.get_token(SCOPE)
    assert len(access_tokens(home)) == 1
    credential = secret_credential(mode, emu, home)
    assert mode.wait(credential.get_token(SCOPE)).token == token.token
    assert emu.count("token") == 1
    mode.close(credential)
