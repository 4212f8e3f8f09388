"""DeviceCodeCredential against the emulator's device-code endpoint, both modes, on the injected clock (the
emulator's device codes share it, so intervals and expiry are real without waiting)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from azure.core.exceptions import ClientAuthenticationError

import azauth._io.aio
import azauth._io.sync
from azauth import AuthenticationRecord, AuthenticationRequiredError
from azauth.emulator import Emulator
from azauth.emulator._user_grants import EmulatedUser
from tests.persistence.persistence_helpers import options
from tests.support import SCOPE, FakeClock, Mode, connect


class Prompts:
    """A prompt_callback recording what the user was told, and optionally acting as the user."""

    def __init__(self, act: Callable[[str], None] | None = None) -> None:
        self.seen: list[tuple[str, str, datetime]] = []
        self.act = act

    def __call__(self, uri: str, user_code: str, expires_on: datetime) -> None:
        self.seen.append((uri, user_code, expires_on))
        if self.act is not None:
            self.act(user_code)


def credential(mode: Mode, emu: Emulator, app: str, home: Path, **kwargs: Any) -> Any:
    return mode.module.DeviceCodeCredential(
        app, tenant_id=kwargs.pop("tenant_id", emu.tenant_id), environ={"HOME": str(home)}, **connect(emu), **kwargs
    )


def after_polls(monkeypatch: pytest.MonkeyPatch, clock: FakeClock, count: int, action: Callable[[], None]) -> None:
    """Run ``action`` (the user signing in) during the flow's ``count``-th wait."""

    def sleep(seconds: float) -> None:
        clock.sleep(seconds)
        if len(clock.sleeps) == count:
            action()

    async def asleep(seconds: float) -> None:
        sleep(seconds)

    monkeypatch.setattr(azauth._io.sync, "_sleep", sleep)
    monkeypatch.setattr(azauth._io.aio, "_asleep", asleep)


@pytest.fixture(autouse=True)
def shared_clock(emu: Emulator, clock: FakeClock) -> None:
    emu.clock = clock


def test_user_approves_after_pending_polls(
    mode: Mode,
    emu: Emulator,
    app: str,
    user: EmulatedUser,
    home: Path,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    prompts = Prompts()
    after_polls(monkeypatch, clock, 3, lambda: emu.approve_device_code(prompts.seen[0][1], user))
    cred = credential(mode, emu, app, home, prompt_callback=prompts)
    start = clock()
    token = mode.wait(cred.get_token(SCOPE))
    assert emu.decode_token(token.token)["oid"] == user.object_id
    ((uri, user_code, expires_on),) = prompts.seen
    assert uri == emu.device_login_uri and len(user_code) == 9
    assert expires_on.tzinfo is timezone.utc and round(expires_on.timestamp() - start) == 900
    assert clock.sleeps == [5, 5, 5]  # Entra's interval; two answers were authorization_pending
    polls = [r for r in emu.requests if r.form.get("grant_type", "").endswith("device_code")]
    assert len(polls) == 3 and all(p.form["device_code"] == "***" for p in polls)
    mode.wait(cred.get_token("https://graph.microsoft.com/.default"))  # silently, with the refresh token
    assert len(prompts.seen) == 1
    mode.close(cred)


def test_slow_down_lengthens_the_interval(
    mode: Mode,
    emu: Emulator,
    app: str,
    user: EmulatedUser,
    home: Path,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    emu.device_code_interval, emu.device_code_min_poll = 1, 4
    prompts = Prompts()
    after_polls(monkeypatch, clock, 3, lambda: emu.approve_device_code(prompts.seen[0][1], user))
    cred = credential(mode, emu, app, home, prompt_callback=prompts)
    mode.wait(cred.get_token(SCOPE))
    assert clock.sleeps == [1, 1, 6]  # pending, slow_down (+5 s), then signed in
    mode.close(cred)


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("decline", "declined"),
        ("expire", "expired"),
        ("timeout", "Timed out waiting for user to authenticate"),
    ],
)
def test_failures(mode: Mode, emu: Emulator, app: str, home: Path, clock: FakeClock, setup: str, message: str) -> None:
    prompts = Prompts(emu.decline_device_code if setup == "decline" else None)
    kwargs: dict[str, Any] = {"timeout": 12} if setup == "timeout" else {}
    if setup == "expire":
        emu.device_code_lifetime = 20
    cred = credential(mode, emu, app, home, prompt_callback=prompts, **kwargs)
    with pytest.raises(ClientAuthenticationError, match=message):
        mode.wait(cred.get_token(SCOPE))
    expected = {"decline": 5, "expire": 20, "timeout": 15}[setup]
    assert sum(clock.sleeps) == expected
    mode.close(cred)


def test_printed_prompt_and_async_coroutine_callback(
    mode: Mode,
    emu: Emulator,
    app: str,
    user: EmulatedUser,
    home: Path,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    printed: list[str] = []

    def approve_printed() -> None:
        printed.append(capsys.readouterr().out)
        emu.approve_device_code(printed[0].rsplit("enter the code ", 1)[1].split()[0], user)

    after_polls(monkeypatch, clock, 1, approve_printed)
    cred = credential(mode, emu, app, home)
    mode.wait(cred.get_token(SCOPE))
    assert printed[0].startswith(f"To sign in, use a web browser to open the page {emu.device_login_uri}")
    mode.close(cred)
    if mode.is_async:  # the async credential awaits a coroutine function

        async def callback(uri: str, user_code: str, expires_on: datetime) -> None:
            await asyncio.sleep(0)
            emu.approve_device_code(user_code, user)

        cred = credential(mode, emu, app, home, prompt_callback=callback)
        mode.wait(cred.get_token(SCOPE))
        mode.close(cred)


def test_sync_credential_rejects_a_coroutine_callback(emu: Emulator, app: str, home: Path) -> None:
    async def callback(uri: str, user_code: str, expires_on: datetime) -> None:
        return None

    cred = credential(Mode("sync"), emu, app, home, prompt_callback=callback)
    with pytest.raises(TypeError, match="plain function"):
        cred.get_token(SCOPE)
    cred.close()


def test_authenticate_record_and_persistent_cache(
    mode: Mode, emu: Emulator, app: str, user: EmulatedUser, home: Path
) -> None:
    prompts = Prompts(lambda code: emu.approve_device_code(code, user))
    first = credential(mode, emu, app, home, prompt_callback=prompts, cache_persistence_options=options())
    record = mode.wait(first.authenticate(scopes=[SCOPE]))
    assert isinstance(record, AuthenticationRecord) and record.username == user.username
    mode.close(first)
    second = mode.module.DeviceCodeCredential(
        authentication_record=AuthenticationRecord.deserialize(record.serialize()),
        cache_persistence_options=options(),
        disable_automatic_authentication=True,
        prompt_callback=prompts,
        environ={"HOME": str(home)},
        connection_verify=emu.ca_path,
    )
    mode.wait(second.get_token(SCOPE))
    mode.wait(second.get_token("https://storage.azure.com/.default"))
    assert len(prompts.seen) == 1
    fresh = credential(mode, emu, app, home, disable_automatic_authentication=True)
    with pytest.raises(AuthenticationRequiredError):
        mode.wait(fresh.get_token(SCOPE))
    mode.close(second)
    mode.close(fresh)


def test_bad_arguments(mode: Mode) -> None:
    with pytest.raises(ValueError, match="timeout"):
        mode.module.DeviceCodeCredential(timeout=0)
    with pytest.raises(TypeError, match="prompt_callback"):
        mode.module.DeviceCodeCredential(prompt_callback="print")
