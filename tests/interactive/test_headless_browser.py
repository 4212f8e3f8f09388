"""One test in a real headless browser: chromium fills the emulator's sign-in page for InteractiveBrowserCredential
and the device-code verification page for DeviceCodeCredential."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import azauth
from azauth.emulator import Emulator
from azauth.emulator._user_grants import EmulatedUser
from tests.support import SCOPE, connect, require_tool

SCRIPT = Path(__file__).with_name("headless_browser.py")


def test_chromium_signs_in_through_both_pages(emu: Emulator, app: str, tmp_path: Path) -> None:
    require_tool(os.path.exists("/usr/bin/chromium"), "Debian's chromium (/usr/bin/chromium) is not installed")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        require_tool(False, "Playwright for Python is not installed (the dev extra)")
    user: EmulatedUser = emu.add_user(mfa_required=True)
    log = tmp_path / "browser.log"
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"log": str(log), **_person(user)}))

    browser = azauth.InteractiveBrowserCredential(
        client_id=app, environ={"BROWSER": f"{sys.executable} {SCRIPT} {plan} %s"}, **connect(emu)
    )
    token = browser.get_token(SCOPE)
    assert emu.decode_token(token.token)["oid"] == user.object_id
    assert "Authentication complete" in json.loads(log.read_text().splitlines()[-1])["page"]
    browser.close()

    def prompt(uri: str, user_code: str, expires_on: datetime) -> None:
        device_plan = tmp_path / "device.json"
        device_plan.write_text(json.dumps({"log": str(log), "user_code": user_code, **_person(user)}))
        subprocess.run([sys.executable, str(SCRIPT), str(device_plan), uri], check=True, timeout=120)

    emu.device_code_interval = 1
    device = azauth.DeviceCodeCredential(app, prompt_callback=prompt, **connect(emu))
    assert emu.decode_token(device.get_token(SCOPE).token)["oid"] == user.object_id
    last = json.loads(log.read_text().splitlines()[-1])
    assert last["url"] == emu.device_login_uri and f"as {user.username}" in last["page"]
    device.close()


def _person(user: EmulatedUser) -> dict[str, str]:
    return {"username": user.username, "password": user.password, "otp": user.mfa_code}
