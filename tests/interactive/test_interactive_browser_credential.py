"""InteractiveBrowserCredential against the emulator's sign-in page, with a scripted browser (BROWSER), both modes."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from azure.core.exceptions import ClientAuthenticationError

from azauth import AuthenticationRecord, AuthenticationRequiredError, CredentialUnavailableError
from azauth.emulator import Emulator
from azauth.emulator._user_grants import EmulatedUser
from tests.interactive.conftest import ScriptedBrowser
from tests.persistence.persistence_helpers import options
from tests.support import SCOPE, FakeClock, Mode, connect

GRAPH = "https://graph.microsoft.com/.default"


def credential(mode: Mode, emu: Emulator, app: str, browser: ScriptedBrowser, home: Path, **kwargs: Any) -> Any:
    kwargs.setdefault("tenant_id", emu.tenant_id)
    return mode.module.InteractiveBrowserCredential(
        client_id=app,
        environ={"BROWSER": browser.command, "HOME": str(home)},
        **connect(emu),
        **kwargs,
    )


def test_signs_in_through_the_browser_with_pkce(
    mode: Mode, emu: Emulator, app: str, user: EmulatedUser, browser: ScriptedBrowser, home: Path
) -> None:
    browser.plan(user)
    cred = credential(mode, emu, app, browser, home)
    token = mode.wait(cred.get_token(SCOPE))
    claims = emu.decode_token(token.token)
    assert (claims["oid"], claims["tid"], claims["scp"]) == (user.object_id, user.tenant_id, "user_impersonation")
    (url,) = browser.launches
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["prompt"] == "select_account" and query["state"]
    assert urlsplit(query["redirect_uri"]).hostname == "localhost"
    redemption = [r for r in emu.requests if r.form.get("grant_type") == "authorization_code"]
    assert len(redemption) == 1 and redemption[0].form["code_verifier"] == "***"
    assert browser.entries[-1]["redirect"] == 200 and "close this window" in browser.entries[-1]["page"]
    # the same token from the cache; another scope through the refresh token, without the browser
    assert mode.wait(cred.get_token(SCOPE)).token == token.token
    other = mode.wait(cred.get_token(GRAPH))
    assert emu.decode_token(other.token)["aud"] == "https://graph.microsoft.com"
    assert len(browser.launches) == 1
    mode.close(cred)


def test_authenticate_returns_the_record_and_disable_automatic_authentication(
    mode: Mode, emu: Emulator, app: str, user: EmulatedUser, browser: ScriptedBrowser, home: Path
) -> None:
    browser.plan(user)
    cred = credential(mode, emu, app, browser, home, disable_automatic_authentication=True)
    with pytest.raises(AuthenticationRequiredError) as raised:
        mode.wait(cred.get_token(SCOPE, claims='{"access_token": {"acrs": {"essential": true}}}'))
    assert list(raised.value.scopes) == [SCOPE] and raised.value.claims
    assert browser.launches == []
    record = mode.wait(cred.authenticate(scopes=[SCOPE]))
    assert isinstance(record, AuthenticationRecord)
    assert (record.username, record.tenant_id, record.client_id) == (user.username, user.tenant_id, app)
    assert record.home_account_id == f"{user.object_id}.{user.tenant_id}"
    assert record.authority == urlsplit(emu.authority).netloc
    assert len(browser.launches) == 1
    mode.wait(cred.get_token(SCOPE))  # cached by authenticate()
    mode.wait(cred.get_token(GRAPH))  # silently, with the refresh token
    assert len(browser.launches) == 1
    mode.wait(cred.authenticate(scopes=[SCOPE]))  # authenticate always asks the user
    assert len(browser.launches) == 2
    mode.close(cred)


def test_record_and_persistent_cache_sign_in_silently_across_credentials(
    mode: Mode, emu: Emulator, app: str, user: EmulatedUser, browser: ScriptedBrowser, home: Path
) -> None:
    browser.plan(user)
    first = credential(mode, emu, app, browser, home, cache_persistence_options=options())
    serialized = mode.wait(first.authenticate(scopes=[SCOPE])).serialize()
    mode.close(first)
    assert len(browser.launches) == 1
    record = AuthenticationRecord.deserialize(serialized)
    # a later run: the record names the account, the persistent cache has its tokens
    second = mode.module.InteractiveBrowserCredential(
        authentication_record=record,
        cache_persistence_options=options(),
        disable_automatic_authentication=True,
        environ={"BROWSER": browser.command, "HOME": str(home)},
        connection_verify=emu.ca_path,
    )
    before = emu.count("token")
    assert emu.decode_token(mode.wait(second.get_token(SCOPE)).token)["oid"] == user.object_id
    assert emu.count("token") == before  # the persisted access token
    mode.wait(second.get_token(GRAPH))  # the persisted refresh token
    assert emu.count("token") == before + 1
    assert len(browser.launches) == 1
    emu.revoke_refresh_tokens(user)
    with pytest.raises(AuthenticationRequiredError):
        mode.wait(second.get_token("https://storage.azure.com/.default"))
    mode.close(second)


def test_claims_challenge_and_cae_go_to_entra(
    mode: Mode, emu: Emulator, app: str, user: EmulatedUser, browser: ScriptedBrowser, home: Path
) -> None:
    browser.plan(user)
    cred = credential(mode, emu, app, browser, home)
    mode.wait(cred.get_token(SCOPE))
    challenge = '{"access_token": {"nbf": {"essential": true, "value": "1700000000"}}}'
    token = mode.wait(cred.get_token(SCOPE, claims=challenge, enable_cae=True))
    assert emu.decode_token(token.token)["xms_cc"] == ["CP1"]
    refresh = [r for r in emu.requests if r.form.get("grant_type") == "refresh_token"][-1]
    sent = json.loads(refresh.form["claims"])
    assert sent["access_token"]["nbf"]["value"] == "1700000000" and sent["access_token"]["xms_cc"]["values"] == ["CP1"]
    assert len(browser.launches) == 1  # the refresh token satisfied the challenge
    mode.close(cred)


def test_mfa_user_signs_in_with_a_code(
    mode: Mode, emu: Emulator, app: str, browser: ScriptedBrowser, home: Path
) -> None:
    user = emu.add_user(mfa_required=True)
    browser.plan(user)
    cred = credential(mode, emu, app, browser, home)
    assert emu.decode_token(mode.wait(cred.get_token(SCOPE)).token)["oid"] == user.object_id
    mode.close(cred)


def test_decline_and_forged_redirects(
    mode: Mode, emu: Emulator, app: str, user: EmulatedUser, browser: ScriptedBrowser, home: Path
) -> None:
    browser.plan(user, "tamper")
    cred = credential(mode, emu, app, browser, home)
    mode.wait(cred.get_token(SCOPE))  # the forged requests got a 400 and the listener kept waiting
    entries = browser.entries
    assert [e.get("forged_state") for e in entries if "forged_state" in e] == [400]
    assert [e.get("forged_path") for e in entries if "forged_path" in e] == [400]
    browser.plan(user, "decline")
    with pytest.raises(ClientAuthenticationError, match="access_denied.*declined"):
        mode.wait(cred.authenticate(scopes=[SCOPE]))
    mode.close(cred)


def test_times_out_and_closes_the_listener(
    mode: Mode, emu: Emulator, app: str, browser: ScriptedBrowser, home: Path, clock: FakeClock
) -> None:
    browser.plan(None, "ignore")
    cred = credential(mode, emu, app, browser, home, timeout=30)
    with pytest.raises(ClientAuthenticationError, match="Timed out after waiting 30 seconds"):
        mode.wait(cred.get_token(SCOPE))
    assert round(sum(clock.sleeps)) == 30 and emu.count("token") == 0
    port = urlsplit(parse_qs(urlsplit(browser.launches[0]).query)["redirect_uri"][0]).port
    assert port is not None
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass
    mode.close(cred)


def test_given_redirect_uri_and_no_browser(
    mode: Mode, emu: Emulator, app: str, user: EmulatedUser, browser: ScriptedBrowser, home: Path
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    browser.plan(user)
    cred = credential(mode, emu, app, browser, home, redirect_uri=f"http://localhost:{port}/callback")
    mode.wait(cred.get_token(SCOPE))
    query = parse_qs(urlsplit(browser.launches[0]).query)
    assert query["redirect_uri"] == [f"http://localhost:{port}/callback"]
    mode.close(cred)
    missing = mode.module.InteractiveBrowserCredential(
        client_id=app, environ={"BROWSER": "/nonexistent/browser %s"}, **connect(emu)
    )
    with pytest.raises(CredentialUnavailableError, match="Failed to open a browser"):
        mode.wait(missing.get_token(SCOPE))
    mode.close(missing)


@pytest.mark.parametrize("uri", ["http://localhost", "https://localhost:8400", "http://example.com:8400"])
def test_bad_redirect_uri(mode: Mode, uri: str) -> None:
    with pytest.raises(ValueError, match="redirect_uri"):
        mode.module.InteractiveBrowserCredential(redirect_uri=uri)
