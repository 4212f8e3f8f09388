"""Claims challenges and CAE for the user credentials that had no test of their own (DeviceCodeCredential,
UsernamePasswordCredential), one body for both and for both modes, against the emulator's request log: a
challenge bypasses the cached token and reaches Entra with the claims; ``enable_cae=True`` sends the ``cp1``
client capability (``xms_cc``) and its tokens are cached apart from the plain ones."""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from azauth.emulator import Emulator
from azauth.emulator._user_grants import EmulatedUser
from tests.support import SCOPE, FakeClock, Mode, connect

CHALLENGE = '{"access_token": {"nbf": {"essential": true, "value": "1700000000"}}}'


@pytest.fixture(autouse=True)
def shared_clock(emu: Emulator, clock: FakeClock) -> None:
    emu.clock = clock


def device_code(mode: Mode, emu: Emulator, app: str, user: EmulatedUser, home: Path, prompts: list[str]) -> Any:
    def prompt(uri: str, user_code: str, expires_on: datetime) -> None:
        prompts.append(user_code)
        emu.approve_device_code(user_code, user)

    return mode.module.DeviceCodeCredential(
        app, tenant_id=emu.tenant_id, prompt_callback=prompt, environ={"HOME": str(home)}, **connect(emu)
    )


def username_password(mode: Mode, emu: Emulator, app: str, user: EmulatedUser, home: Path, prompts: list[str]) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return mode.module.UsernamePasswordCredential(
            app, user.username, user.password, tenant_id=emu.tenant_id, environ={"HOME": str(home)}, **connect(emu)
        )


KINDS: dict[str, tuple[Callable[..., Any], str]] = {
    "device_code": (device_code, "urn:ietf:params:oauth:grant-type:device_code"),
    "username_password": (username_password, "password"),
}


def token_requests(emu: Emulator) -> list[dict[str, str]]:
    return [dict(r.form) for r in emu.requests if r.endpoint == "token"]


def sent_claims(form: dict[str, str]) -> dict[str, Any]:
    return json.loads(form["claims"]) if "claims" in form else {}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_claims_challenge_and_cae(
    mode: Mode, emu: Emulator, app: str, user: EmulatedUser, home: Path, kind: str
) -> None:
    make = KINDS[kind][0]
    prompts: list[str] = []
    cred = make(mode, emu, app, user, home, prompts)

    plain = mode.wait(cred.get_token(SCOPE))
    assert "xms_cc" not in emu.decode_token(plain.token)
    assert mode.wait(cred.get_token(SCOPE)).token == plain.token
    before = len(token_requests(emu))
    assert "claims" not in token_requests(emu)[-1]

    # a claims challenge: the cached token is not served; Entra sees the claims
    challenged = mode.wait(cred.get_token(SCOPE, claims=CHALLENGE))
    assert challenged.token != plain.token
    forms = token_requests(emu)
    assert len(forms) == before + 1
    assert sent_claims(forms[-1]) == json.loads(CHALLENGE)
    assert "xms_cc" not in sent_claims(forms[-1])["access_token"]

    # CAE: the cp1 capability goes out, the token carries xms_cc and is cached apart from the plain one
    cae = mode.wait(cred.get_token(SCOPE, enable_cae=True))
    forms = token_requests(emu)
    assert len(forms) == before + 2
    assert sent_claims(forms[-1]) == {"access_token": {"xms_cc": {"values": ["CP1"]}}}
    assert emu.decode_token(cae.token)["xms_cc"] == ["CP1"]
    assert mode.wait(cred.get_token(SCOPE, enable_cae=True)).token == cae.token
    again = mode.wait(cred.get_token(SCOPE))
    assert again.token != cae.token and "xms_cc" not in emu.decode_token(again.token)
    assert len(token_requests(emu)) == before + 2  # both served from their own caches

    # a challenge with CAE merges the two
    mode.wait(cred.get_token(SCOPE, claims=CHALLENGE, enable_cae=True))
    merged = sent_claims(token_requests(emu)[-1])["access_token"]
    assert merged["nbf"]["value"] == "1700000000" and merged["xms_cc"]["values"] == ["CP1"]
    assert len(token_requests(emu)) == before + 3
    assert len(prompts) == (1 if kind == "device_code" else 0)  # the refresh token met every challenge
    mode.close(cred)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_first_sign_in_carries_claims_and_cae(
    mode: Mode, emu: Emulator, app: str, user: EmulatedUser, home: Path, kind: str
) -> None:
    make, sign_in_grant = KINDS[kind]
    prompts: list[str] = []
    cred = make(mode, emu, app, user, home, prompts)
    token = mode.wait(cred.get_token(SCOPE, claims=CHALLENGE, enable_cae=True))
    assert emu.decode_token(token.token)["xms_cc"] == ["CP1"]
    sign_ins = [r for r in emu.requests if r.form.get("grant_type") == sign_in_grant]
    assert sign_ins
    for request in sign_ins:
        sent = sent_claims(dict(request.form))["access_token"]
        assert sent["nbf"]["value"] == "1700000000" and sent["xms_cc"]["values"] == ["CP1"]
    if kind == "device_code":
        (start,) = [r for r in emu.requests if r.endpoint != "token" and "devicecode" in r.path]
        assert sent_claims(dict(start.form))["access_token"]["xms_cc"]["values"] == ["CP1"]
    assert all(r.form.get("grant_type") != "refresh_token" for r in emu.requests)
    mode.close(cred)
