"""SharedTokenCacheCredential, and interop with azure-identity: a persistent cache and an AuthenticationRecord
written by either library are read by the other."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import azure.identity
import pytest

import azauth
from azauth import AuthenticationRecord, CredentialUnavailableError, TokenCachePersistenceOptions
from azauth._protocol.interactive import DEVELOPER_SIGN_ON_CLIENT_ID
from azauth.emulator import Emulator
from azauth.emulator._user_grants import EmulatedUser
from tests.support import SCOPE, Mode, connect

pytestmark = [
    pytest.mark.filterwarnings("ignore:Username and password authentication is deprecated"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),  # msal's and azure-identity's, likewise
]
GRAPH = "https://graph.microsoft.com/.default"
STORAGE = "https://storage.azure.com/.default"
IMPERSONATION = "https://vault.azure.net/user_impersonation"


@pytest.fixture
def dev_app(emu: Emulator) -> str:
    """The Azure development application, a member of the developer tools' FOCI family."""
    return emu.add_public_app(DEVELOPER_SIGN_ON_CLIENT_ID, family=True)


@pytest.fixture
def same_home(monkeypatch: pytest.MonkeyPatch, home: Path) -> Path:
    """azure-identity finds its cache through the process's HOME; azauth is told through environ=."""
    monkeypatch.setenv("HOME", str(home))
    return home


def shared_cache_options() -> TokenCachePersistenceOptions:
    return TokenCachePersistenceOptions(allow_unencrypted_storage=True)  # msal.cache, shared with dev tools


def azure_identity_signs_in(emu: Emulator, user: EmulatedUser, client_id: str, **kwargs: Any) -> Any:
    """azure-identity's DeviceCodeCredential signs the user in (the emulator approves at the prompt) and persists
    the tokens; returns its AuthenticationRecord."""
    cred = azure.identity.DeviceCodeCredential(
        client_id,
        tenant_id=emu.tenant_id,
        authority=emu.authority,
        connection_verify=emu.ca_path,
        disable_instance_discovery=True,
        prompt_callback=lambda uri, code, expires_on: emu.approve_device_code(code, user),
        cache_persistence_options=azure.identity.TokenCachePersistenceOptions(allow_unencrypted_storage=True, **kwargs),
    )
    return cred.authenticate(scopes=[SCOPE])


def azauth_signs_in(mode: Mode, emu: Emulator, user: EmulatedUser, client_id: str, home: Path) -> AuthenticationRecord:
    cred = mode.module.UsernamePasswordCredential(
        client_id,
        user.username,
        user.password,
        tenant_id=emu.tenant_id,
        cache_persistence_options=shared_cache_options(),
        environ={"HOME": str(home)},
        **connect(emu),
    )
    record = mode.wait(cred.authenticate(scopes=[SCOPE]))
    mode.close(cred)
    assert isinstance(record, AuthenticationRecord)
    return record


def test_shared_token_cache_reads_what_azure_identity_wrote(
    mode: Mode, emu: Emulator, user: EmulatedUser, dev_app: str, same_home: Path
) -> None:
    azure_identity_signs_in(emu, user, dev_app)
    cred = mode.module.SharedTokenCacheCredential(environ={"HOME": str(same_home)}, **connect(emu))
    assert cred.unavailable_reason() is None and cred.supported()
    before = emu.count("token")
    # azure-identity's cached access token (msal records the scope Entra granted)
    assert emu.decode_token(mode.wait(cred.get_token(IMPERSONATION)).token)["oid"] == user.object_id
    assert emu.count("token") == before
    assert emu.decode_token(mode.wait(cred.get_token(GRAPH)).token)["aud"] == "https://graph.microsoft.com"
    assert emu.count("token") == before + 1  # its refresh token, redeemed by the development app
    mode.close(cred)
    # what azauth wrote back is read by a second process' credential without a request
    again = mode.module.SharedTokenCacheCredential(user.username, environ={"HOME": str(same_home)}, **connect(emu))
    mode.wait(again.get_token(GRAPH))
    assert emu.count("token") == before + 1
    mode.close(again)


def test_record_and_cache_from_azure_identity_sign_in_azauth_silently(
    mode: Mode, emu: Emulator, user: EmulatedUser, app: str, same_home: Path
) -> None:
    theirs = azure_identity_signs_in(emu, user, app, name="interop")
    record = AuthenticationRecord.deserialize(theirs.serialize())
    assert (record.username, record.home_account_id) == (theirs.username, theirs.home_account_id)
    for given in (record, theirs):  # azure-identity's record object is accepted as it is
        cred = mode.module.InteractiveBrowserCredential(
            authentication_record=given,
            cache_persistence_options=TokenCachePersistenceOptions(name="interop", allow_unencrypted_storage=True),
            disable_automatic_authentication=True,
            environ={"HOME": str(same_home)},
            connection_verify=emu.ca_path,
        )
        assert emu.decode_token(mode.wait(cred.get_token(STORAGE)).token)["oid"] == user.object_id
        mode.close(cred)


def test_azure_identity_reads_what_azauth_wrote(
    mode: Mode, emu: Emulator, user: EmulatedUser, app: str, same_home: Path
) -> None:
    record = azauth_signs_in(mode, emu, user, app, same_home)
    theirs = azure.identity.AuthenticationRecord.deserialize(record.serialize())
    cred = azure.identity.InteractiveBrowserCredential(
        authentication_record=theirs,
        cache_persistence_options=azure.identity.TokenCachePersistenceOptions(allow_unencrypted_storage=True),
        disable_automatic_authentication=True,
        connection_verify=emu.ca_path,
        disable_instance_discovery=True,
    )
    before = emu.count("token")
    assert emu.decode_token(cred.get_token(SCOPE).token)["oid"] == user.object_id
    assert emu.decode_token(cred.get_token(GRAPH).token)["oid"] == user.object_id
    assert emu.count("token") == before + 1  # azauth's access token, then azauth's refresh token


def test_account_selection(mode: Mode, emu: Emulator, dev_app: str, home: Path) -> None:
    cred = mode.module.SharedTokenCacheCredential(environ={"HOME": str(home)}, **connect(emu))
    assert "No accounts were found in the cache" in (cred.unavailable_reason() or "")
    with pytest.raises(CredentialUnavailableError, match="No accounts were found"):
        mode.wait(cred.get_token(SCOPE))
    other_tenant = emu.add_tenant()
    alice = emu.add_user("alice@emulator.test")
    bob = emu.add_user("bob@emulator.test", tenant_id=other_tenant)
    for person in (alice, bob):
        cache = mode.module.UsernamePasswordCredential(
            dev_app,
            person.username,
            person.password,
            tenant_id=person.tenant_id,
            cache_persistence_options=shared_cache_options(),
            environ={"HOME": str(home)},
            **connect(emu),
        )
        mode.wait(cache.get_token(SCOPE))
        mode.close(cache)
    several = mode.module.SharedTokenCacheCredential(environ={"HOME": str(home)}, **connect(emu))
    reason = several.unavailable_reason() or ""
    assert "Multiple accounts" in reason and alice.username in reason and bob.username in reason
    with pytest.raises(CredentialUnavailableError, match="Multiple accounts"):
        mode.wait(several.get_token(SCOPE))
    by_name = mode.module.SharedTokenCacheCredential("BOB@emulator.test", environ={"HOME": str(home)}, **connect(emu))
    assert emu.decode_token(mode.wait(by_name.get_token(SCOPE)).token)["oid"] == bob.object_id
    by_tenant = mode.module.SharedTokenCacheCredential(
        tenant_id=alice.tenant_id, environ={"HOME": str(home)}, **connect(emu)
    )
    assert emu.decode_token(mode.wait(by_tenant.get_token(SCOPE)).token)["oid"] == alice.object_id
    nobody = mode.module.SharedTokenCacheCredential("carol@x", environ={"HOME": str(home)}, **connect(emu))
    with pytest.raises(CredentialUnavailableError, match="No account matching the specified username: carol@x"):
        mode.wait(nobody.get_token(SCOPE))
    emu.revoke_refresh_tokens(bob)
    with pytest.raises(azauth.errors.ClientAuthenticationError) as refused:
        mode.wait(by_name.get_token(STORAGE))
    assert not isinstance(refused.value, CredentialUnavailableError)  # it tried: the chain stops here
    for cred in (several, by_name, by_tenant, nobody):
        mode.close(cred)


def test_record_serialization_is_azure_identitys(tmp_path: Path) -> None:
    ours = AuthenticationRecord("tenant", "client", "login.example.com", "uid.utid", "ada@example.com")
    theirs = azure.identity.AuthenticationRecord.deserialize(ours.serialize())
    assert (theirs.tenant_id, theirs.client_id, theirs.authority, theirs.home_account_id, theirs.username) == (
        "tenant",
        "client",
        "login.example.com",
        "uid.utid",
        "ada@example.com",
    )
    assert AuthenticationRecord.deserialize(theirs.serialize()) == ours
    assert json.loads(ours.serialize())["version"] == "1.0"
    for bad, message in [
        ("[]", "not an object"),
        ("{", "not JSON"),
        ('{"version": "2.0"}', "Unexpected version"),
        ('{"version": "1.0", "authority": "x"}', "'clientId' is missing"),
    ]:
        with pytest.raises(ValueError, match=message):
            AuthenticationRecord.deserialize(bad)
    assert "uid.utid" not in repr(ours) and "ada@example.com" in repr(ours)
