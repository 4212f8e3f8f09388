"""The user sign-in credentials in configuration: derived types, and ``authentication_record: {file: ...}``."""

from __future__ import annotations

from pathlib import Path

import pytest

from azauth import AuthenticationRecord
from azauth.config.models import REGISTRY
from azauth.emulator import Emulator
from azauth.emulator._user_grants import EmulatedUser
from azauth.errors import ConfigError
from tests.support import SCOPE, FakeClock, Mode, connect


def test_types_are_derived_from_the_constructors() -> None:
    for name, class_name in [
        ("interactive_browser", "InteractiveBrowserCredential"),
        ("device_code", "DeviceCodeCredential"),
        ("shared_token_cache", "SharedTokenCacheCredential"),
    ]:
        kind = REGISTRY[name]
        assert kind.class_name == class_name
        fields = {f.name for f in kind.fields}
        assert "prompt_callback" not in fields  # a callable can't be written in a file
        if name != "shared_token_cache":
            assert {"authentication_record", "disable_automatic_authentication", "client_id"} <= fields
    assert {"login_hint", "redirect_uri", "timeout"} <= {f.name for f in REGISTRY["interactive_browser"].fields}


def document(emu: Emulator, app: str, record: str) -> str:
    return f"""\
version: 1
defaults:
  http: {{verify: {emu.ca_path}}}
  cache: {{persist: true, name: cli-tool, allow_unencrypted_storage: true}}
profiles:
  me:
    type: device_code
    client_id: {app}
    disable_automatic_authentication: true
    authentication_record: {{file: {record}}}
"""


def test_a_cli_signs_in_once_and_stays_signed_in(
    mode: Mode, emu: Emulator, app: str, user: EmulatedUser, home: Path, tmp_path: Path, clock: FakeClock
) -> None:
    from azauth import TokenCachePersistenceOptions

    emu.clock = clock

    first = mode.module.DeviceCodeCredential(
        app,
        tenant_id=emu.tenant_id,
        prompt_callback=lambda uri, code, expires_on: emu.approve_device_code(code, user),
        cache_persistence_options=TokenCachePersistenceOptions(name="cli-tool", allow_unencrypted_storage=True),
        environ={"HOME": str(home)},
        **connect(emu),
    )
    record = mode.wait(first.authenticate(scopes=[SCOPE]))
    mode.close(first)
    (tmp_path / "record.json").write_text(record.serialize())
    config = tmp_path / "auth.yaml"
    config.write_text(document(emu, app, "record.json"))  # relative to the configuration file's folder
    before = emu.count("token")
    credential = mode.module.credential_from_config(config, profile="me", environ={"HOME": str(home)})
    assert type(credential) is mode.module.DeviceCodeCredential
    assert credential._record == AuthenticationRecord.deserialize(record.serialize())
    assert emu.decode_token(mode.wait(credential.get_token(SCOPE)).token)["oid"] == user.object_id
    assert emu.count("token") == before  # from the persistent cache, no prompt
    mode.close(credential)


def test_a_bad_record_file_is_a_located_error(emu: Emulator, app: str, tmp_path: Path) -> None:
    (tmp_path / "record.json").write_text('{"version": "1.0", "username": "ada@example.com"}')
    config = tmp_path / "auth.yaml"
    config.write_text(document(emu, app, "record.json"))
    with pytest.raises(ConfigError) as caught:
        Mode("sync").module.credential_from_config(config, profile="me", environ={})
    (problem,) = caught.value.problems
    assert problem.path == "profiles.me.authentication_record" and "authority" in problem.message
    assert "ada@example.com" not in str(caught.value)
    config.write_text(document(emu, app, "missing.json"))
    with pytest.raises(ConfigError, match="authentication_record"):
        Mode("sync").module.credential_from_config(config, profile="me", environ={})


def test_explain_reports_the_shared_cache_file(home: Path) -> None:
    from azauth.config.inputs import Finding, type_findings

    def cache_file() -> Finding:
        (found,) = [f for f in type_findings("shared_token_cache", {}, {"HOME": str(home)}) if f.source[:4] == "file"]
        return found

    assert cache_file().missing and cache_file().source.endswith("/.IdentityService/msal.cache.nocae")
    (home / ".IdentityService").mkdir()
    (home / ".IdentityService" / "msal.cache.nocae").write_text("{}")
    assert not cache_file().missing and cache_file().status == "exists"
