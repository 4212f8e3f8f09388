"""The persistent token cache end to end, in both modes, with real files under ``tmp_path``."""

from __future__ import annotations

import json
import logging
import os
import stat
from pathlib import Path
from typing import Any

import pytest

import azauth
import azauth._io.persistence
import azauth.aio
from azauth.emulator import Emulator, make_certificate
from tests.persistence.persistence_helpers import (
    access_tokens,
    cache_dir,
    options,
    read_cache,
    secret_credential,
)
from tests.support import SCOPE, FakeClock, Mode, connect

STORAGE = "https://storage.azure.com/.default"


def test_options_are_exported_from_both_modules() -> None:
    assert azauth.TokenCachePersistenceOptions is azauth.aio.TokenCachePersistenceOptions
    default = azauth.TokenCachePersistenceOptions()
    assert (default.name, default.allow_unencrypted_storage) == ("msal.cache", False)
    assert "TokenCachePersistenceOptions" in azauth.__all__ and "TokenCachePersistenceOptions" in azauth.aio.__all__


def test_second_credential_reuses_the_persisted_token(mode: Mode, emu: Emulator, home: Path) -> None:
    first = secret_credential(mode, emu, home)
    token = mode.wait(first.get_token(SCOPE))
    assert emu.count("token") == 1
    mode.close(first)

    second = secret_credential(mode, emu, home)
    again = mode.wait(second.get_token(SCOPE))
    info = mode.wait(second.get_token_info(SCOPE))
    assert again.token == token.token == info.token
    assert again.expires_on == token.expires_on
    assert emu.count("token") == 1  # the second credential made no request
    mode.close(second)


def test_entries_are_written_in_msal_format(mode: Mode, emu: Emulator, home: Path) -> None:
    credential = secret_credential(mode, emu, home)
    token = mode.wait(credential.get_token(SCOPE))
    tokens = access_tokens(home)
    assert len(tokens) == 1
    ((key, entry),) = tokens.items()
    assert key == f"-127.0.0.1-accesstoken-{emu.client_id}-{emu.tenant_id}-{SCOPE}".lower()
    assert entry == {
        "credential_type": "AccessToken",
        "secret": token.token,
        "home_account_id": None,
        "environment": "127.0.0.1",
        "client_id": emu.client_id,
        "target": SCOPE,
        "realm": emu.tenant_id,
        "token_type": "Bearer",
        "cached_at": entry["cached_at"],
        "expires_on": str(token.expires_on),
        "extended_expires_on": str(token.expires_on),
    }
    assert abs(int(entry["cached_at"]) - (token.expires_on - 3600)) <= 5
    assert read_cache(home)["AppMetadata"] == {
        f"appmetadata-127.0.0.1-{emu.client_id}": {"client_id": emu.client_id, "environment": "127.0.0.1"}
    }
    mode.close(credential)


def test_entries_are_isolated_by_client_tenant_and_scopes(mode: Mode, emu: Emulator, home: Path) -> None:
    other_tenant = emu.add_tenant()
    other_app = emu.add_app(other_tenant)
    emu.add_secret(other_app, "other-secret-value")
    first = secret_credential(mode, emu, home)
    mode.wait(first.get_token(SCOPE))
    mode.wait(first.get_token(STORAGE))
    other = secret_credential(
        mode, emu, home, tenant_id=other_tenant, client_id=other_app, client_secret="other-secret-value"
    )
    token = mode.wait(other.get_token(SCOPE))
    assert emu.decode_token(token.token)["appid"] == other_app
    assert emu.count("token") == 3  # nothing of the first app's was served to the other one
    assert len(access_tokens(home)) == 3
    assert {entry["realm"] for entry in access_tokens(home).values()} == {emu.tenant_id, other_tenant}
    mode.close(first)
    mode.close(other)


def test_certificate_and_assertion_credentials_persist(mode: Mode, emu: Emulator, home: Path) -> None:
    bundle = make_certificate()
    emu.add_certificate(emu.client_id, bundle.cert_pem)
    kwargs: dict[str, Any] = {
        "cache_persistence_options": options("certs"),
        "environ": {"HOME": str(home)},
        **connect(emu),
    }
    first = mode.module.CertificateCredential(emu.tenant_id, emu.client_id, certificate_data=bundle.pem, **kwargs)
    token = mode.wait(first.get_token(SCOPE))
    calls: list[int] = []

    def assertion() -> str:
        calls.append(1)
        raise AssertionError("not needed: the token is in the persistent cache")

    second = mode.module.ClientAssertionCredential(emu.tenant_id, emu.client_id, assertion, **kwargs)
    assert mode.wait(second.get_token(SCOPE)).token == token.token
    assert calls == [] and emu.count("token") == 1
    assert len(access_tokens(home, "certs.nocae")) == 1
    mode.close(first)
    mode.close(second)


def test_cae_and_non_cae_tokens_live_in_separate_caches(mode: Mode, emu: Emulator, home: Path) -> None:
    credential = secret_credential(mode, emu, home)
    plain = mode.wait(credential.get_token(SCOPE))
    cae = mode.wait(credential.get_token(SCOPE, enable_cae=True))
    assert emu.decode_token(cae.token)["xms_cc"] == ["CP1"]
    assert [e["secret"] for e in access_tokens(home, "azauth-test.nocae").values()] == [plain.token]
    assert [e["secret"] for e in access_tokens(home, "azauth-test.cae").values()] == [cae.token]

    other = secret_credential(mode, emu, home)
    assert mode.wait(other.get_token(SCOPE, enable_cae=True)).token == cae.token
    assert mode.wait(other.get_token(SCOPE)).token == plain.token
    assert emu.count("token") == 2
    mode.close(credential)
    mode.close(other)


def test_claims_bypass_the_persistent_cache_and_replace_the_entry(mode: Mode, emu: Emulator, home: Path) -> None:
    first = secret_credential(mode, emu, home)
    old = mode.wait(first.get_token(SCOPE))
    second = secret_credential(mode, emu, home)
    claims = json.dumps({"access_token": {"nbf": {"essential": True, "value": "1"}}})
    new = mode.wait(second.get_token(SCOPE, claims=claims))
    assert new.token != old.token and emu.count("token") == 2
    assert [e["secret"] for e in access_tokens(home).values()] == [new.token]
    mode.close(first)
    mode.close(second)


def test_hits_do_not_touch_the_persistent_cache(
    mode: Mode, emu: Emulator, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lookups: list[object] = []
    real = azauth._io.persistence.FileTokenStore.lookup

    def counting(self: Any, *args: Any) -> Any:
        lookups.append(args)
        return real(self, *args)

    monkeypatch.setattr(azauth._io.persistence.FileTokenStore, "lookup", counting)
    credential = secret_credential(mode, emu, home)
    for _ in range(5):
        mode.wait(credential.get_token(SCOPE))
    assert len(lookups) == 1  # the first call's miss only
    mode.close(credential)


def test_a_persisted_token_due_for_refresh_is_refreshed_and_kept_as_fallback(
    mode: Mode, emu: Emulator, home: Path, clock: FakeClock
) -> None:
    first = secret_credential(mode, emu, home)
    old = mode.wait(first.get_token(SCOPE))
    clock.advance(old.expires_on - clock.now - 120)  # inside the five-minute refresh window
    second = secret_credential(mode, emu, home)
    emu.fault("token", status=400, body={"error": "temporarily_unavailable", "error_description": "try later"})
    assert mode.wait(second.get_token(SCOPE)).token == old.token  # refresh failed: the valid token is served
    assert emu.count("token") == 2
    fresh = secret_credential(mode, emu, home)
    assert mode.wait(fresh.get_token(SCOPE)).token != old.token  # no fault now: the due token is refreshed
    assert emu.count("token") == 3
    mode.close(fresh)
    mode.close(first)
    mode.close(second)


def test_an_expired_persisted_token_is_not_used(mode: Mode, emu: Emulator, home: Path, clock: FakeClock) -> None:
    first = secret_credential(mode, emu, home)
    old = mode.wait(first.get_token(SCOPE))
    clock.advance(old.expires_on - clock.now + 1)
    second = secret_credential(mode, emu, home)
    assert mode.wait(second.get_token(SCOPE)).token != old.token
    assert emu.count("token") == 2
    assert len(access_tokens(home)) == 1  # the expired entry was dropped when the new one was written
    mode.close(first)
    mode.close(second)


# files and permissions ---------------------------------------------------------------------------------------


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_directory_is_created_0700_and_file_0600(mode: Mode, emu: Emulator, home: Path) -> None:
    old_umask = os.umask(0o022)  # a common umask: the directory must still come out 0700
    try:
        credential = secret_credential(mode, emu, home)
        mode.wait(credential.get_token(SCOPE))
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(cache_dir(home).stat().st_mode) == 0o700
    assert stat.S_IMODE((cache_dir(home) / "azauth-test.nocae").stat().st_mode) == 0o600
    assert sorted(p.name for p in cache_dir(home).iterdir()) == ["azauth-test.nocae"]  # no temp or lock file left
    mode.close(credential)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_a_readable_directory_is_tightened(
    mode: Mode, emu: Emulator, home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache_dir(home).mkdir(mode=0o755)
    os.chmod(cache_dir(home), 0o755)  # as azure-identity creates it
    credential = secret_credential(mode, emu, home)
    with caplog.at_level(logging.INFO, logger="azauth"):
        mode.wait(credential.get_token(SCOPE))
    assert stat.S_IMODE(cache_dir(home).stat().st_mode) == 0o700
    assert any("0755 to 0700" in r.getMessage() for r in caplog.records)
    mode.close(credential)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_a_world_writable_directory_is_refused(mode: Mode, emu: Emulator, home: Path) -> None:
    cache_dir(home).mkdir()
    os.chmod(cache_dir(home), 0o777)
    credential = secret_credential(mode, emu, home)
    with pytest.raises(ValueError, match="writable by every user") as caught:
        mode.wait(credential.get_token(SCOPE))
    assert "chmod 700" in str(caught.value) and str(cache_dir(home)) in str(caught.value)
    assert emu.count("token") == 0
    assert list(cache_dir(home).iterdir()) == []
    mode.close(credential)


def test_without_encryption_the_first_request_explains_allow_unencrypted_storage(
    mode: Mode, emu: Emulator, home: Path
) -> None:
    credential = secret_credential(mode, emu, home, cache_persistence_options=options(allow_unencrypted_storage=False))
    with pytest.raises(ValueError, match="allow_unencrypted_storage=True") as caught:
        mode.wait(credential.get_token(SCOPE))
    assert "libsecret" in str(caught.value)
    assert emu.count("token") == 0
    assert not (cache_dir(home) / "azauth-test.nocae").exists()
    mode.close(credential)


def test_corrupt_cache_is_moved_aside_and_work_goes_on(
    mode: Mode, emu: Emulator, home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache_dir(home).mkdir(mode=0o700)
    garbage = '{"AccessToken": {"k": {"secret": "not-a-real-token-but-secret"'  # truncated JSON
    (cache_dir(home) / "azauth-test.nocae").write_text(garbage)
    credential = secret_credential(mode, emu, home)
    with caplog.at_level(logging.DEBUG, logger="azauth"):
        token = mode.wait(credential.get_token(SCOPE))
    moved = [p for p in cache_dir(home).iterdir() if p.name.startswith("azauth-test.nocae.corrupt-")]
    assert len(moved) == 1 and moved[0].read_text() == garbage
    assert [e["secret"] for e in access_tokens(home).values()] == [token.token]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("corrupt" in w and moved[0].name in w for w in warnings)
    assert all("not-a-real-token" not in r.getMessage() for r in caplog.records)
    mode.close(credential)


@pytest.mark.parametrize("content", ["[1, 2]", '{"AccessToken": []}', "\udcff"[:0] + "\x00\x01binary"])
def test_other_kinds_of_corruption(mode: Mode, emu: Emulator, home: Path, content: str) -> None:
    cache_dir(home).mkdir(mode=0o700)
    (cache_dir(home) / "azauth-test.nocae").write_text(content)
    credential = secret_credential(mode, emu, home)
    mode.wait(credential.get_token(SCOPE))
    assert len(access_tokens(home)) == 1
    assert any(p.name.startswith("azauth-test.nocae.corrupt-") for p in cache_dir(home).iterdir())
    mode.close(credential)


def test_an_unwritable_cache_does_not_fail_the_request(
    mode: Mode, emu: Emulator, home: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def refuse(self: Any, text: str) -> None:
        raise PermissionError(13, "Permission denied", self.path)

    monkeypatch.setattr(azauth._io.persistence._PlainFile, "save", refuse)
    credential = secret_credential(mode, emu, home)
    with caplog.at_level(logging.WARNING, logger="azauth"):
        token = mode.wait(credential.get_token(SCOPE))
    assert token.token
    assert any("Did not persist" in r.getMessage() and "Permission denied" in r.getMessage() for r in caplog.records)
    mode.close(credential)


def test_nothing_secret_is_logged(mode: Mode, emu: Emulator, home: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        first = secret_credential(mode, emu, home)
        token = mode.wait(first.get_token(SCOPE))
        second = secret_credential(mode, emu, home)
        mode.wait(second.get_token(SCOPE))
        (cache_dir(home) / "azauth-test.nocae").write_text("{broken " + token.token)
        third = secret_credential(mode, emu, home)
        mode.wait(third.get_token(STORAGE))
    assert caplog.records
    for record in caplog.records:
        text = record.getMessage() + str(record.exc_info or "")
        assert token.token not in text and emu.client_secret not in text
    for credential in (first, second, third):
        assert token.token not in repr(credential) and emu.client_secret not in repr(credential)
        mode.close(credential)


# options ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["", "a/b", "..", " padded", "a\\b", "c:x"])
def test_a_bad_cache_name_is_refused_at_construction(mode: Mode, emu: Emulator, home: Path, name: str) -> None:
    with pytest.raises(ValueError, match="name"):
        secret_credential(mode, emu, home, cache_persistence_options=options(name))


def test_a_wrong_options_type_is_refused(mode: Mode, emu: Emulator, home: Path) -> None:
    with pytest.raises(TypeError, match="TokenCachePersistenceOptions"):
        secret_credential(mode, emu, home, cache_persistence_options={"name": "x"})


def test_azure_identity_options_are_accepted(mode: Mode, emu: Emulator, home: Path) -> None:
    from azure.identity import TokenCachePersistenceOptions as AzureIdentityOptions

    credential = secret_credential(
        mode, emu, home, cache_persistence_options=AzureIdentityOptions(name="from-ai", allow_unencrypted_storage=True)
    )
    mode.wait(credential.get_token(SCOPE))
    assert len(access_tokens(home, "from-ai.nocae")) == 1
    mode.close(credential)


def test_default_location_is_the_identity_service_directory(mode: Mode, emu: Emulator, home: Path) -> None:
    credential = secret_credential(
        mode, emu, home, cache_persistence_options=azauth.TokenCachePersistenceOptions(allow_unencrypted_storage=True)
    )
    mode.wait(credential.get_token(SCOPE))
    assert (home / ".IdentityService" / "msal.cache.nocae").is_file()
    mode.close(credential)


def test_configuration_defaults_turn_persistence_on(mode: Mode, emu: Emulator, home: Path) -> None:
    config = {
        "defaults": {
            "authority": emu.authority,
            "http": {"verify": emu.ca_path},
            "cache": {"persist": True, "name": "from-config", "allow_unencrypted_storage": True},
        },
        "profiles": {
            "default": {
                "type": "client_secret",
                "tenant_id": emu.tenant_id,
                "client_id": emu.client_id,
                "client_secret": {"env": "APP_SECRET"},
            }
        },
    }
    environ = {"APP_SECRET": emu.client_secret, "HOME": str(home)}
    first = mode.module.credential_from_config(config, environ=environ)
    token = mode.wait(first.get_token(SCOPE))
    second = mode.module.credential_from_config(config, environ=environ)
    assert mode.wait(second.get_token(SCOPE)).token == token.token
    assert emu.count("token") == 1
    assert len(access_tokens(home, "from-config.nocae")) == 1
    mode.close(first)
    mode.close(second)


def test_an_unusable_cache_directory_does_not_fail_the_request(
    mode: Mode, emu: Emulator, home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache_dir(home).write_text("a file where the directory should be")
    credential = secret_credential(mode, emu, home)
    with caplog.at_level(logging.WARNING, logger="azauth"):
        token = mode.wait(credential.get_token(SCOPE))
    assert token.token
    assert any("continuing without it" in r.getMessage() for r in caplog.records)
    mode.close(credential)


def test_user_bound_tokens_are_never_persisted_as_app_tokens(mode: Mode, emu: Emulator, home: Path) -> None:
    credential = secret_credential(mode, emu, home)
    credential._cache_scope = lambda: "user:someone"  # as a credential acting for a user keys its tokens
    mode.wait(credential.get_token(SCOPE))
    assert not cache_dir(home).exists()
    mode.close(credential)


def test_without_encryption_a_configured_credential_names_the_configuration_key(
    mode: Mode, emu: Emulator, home: Path, tmp_path: Path
) -> None:
    path = tmp_path / "auth.yaml"
    path.write_text(
        f"defaults:\n  authority: {emu.authority}\n  http: {{verify: {emu.ca_path}}}\n"
        "  cache: {persist: true, name: azauth-test}\n"
        "profiles:\n  default:\n    type: client_secret\n"
        f"    tenant_id: {emu.tenant_id}\n    client_id: {emu.client_id}\n    client_secret: {{env: APP_SECRET}}\n",
        encoding="utf-8",
    )
    environ = {"APP_SECRET": emu.client_secret, "HOME": str(home)}
    credential = mode.module.credential_from_config(str(path), environ=environ)
    with pytest.raises(ValueError) as caught:
        mode.wait(credential.get_token(SCOPE))
    message = str(caught.value)
    assert f"Specify defaults.cache.allow_unencrypted_storage: true in {path} to store" in message
    assert "TokenCachePersistenceOptions" not in message
    assert "troubleshooting: docs/troubleshooting.md#cache-encryption-is-impossible" in message
    assert emu.count("token") == 0
    mode.close(credential)
