"""The emulator's sign-in page, PKCE at redemption, and the device-code endpoint, spoken to directly."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from azauth.emulator import Emulator
from azauth.emulator._user_grants import EmulatedUser

SCOPE = "https://vault.azure.net/.default"
REDIRECT = "http://localhost:8400/cb"
HIDDEN = re.compile(r"<input type='hidden' name='([^']*)' value='([^']*)'>")


def authorize_url(emu: Emulator) -> str:
    return f"{emu.authority}/organizations/oauth2/v2.0/authorize"


def sign_in_page(emu: Emulator, app: str, **params: str) -> requests.Response:
    query = {"client_id": app, "redirect_uri": REDIRECT, "response_type": "code", "scope": SCOPE, **params}
    return requests.get(authorize_url(emu), params=query, verify=emu.ca_path, timeout=10, allow_redirects=False)


def submit(emu: Emulator, page: requests.Response, **fields: str) -> requests.Response:
    data = dict(HIDDEN.findall(page.text)) | fields
    return requests.post(authorize_url(emu), data=data, verify=emu.ca_path, timeout=10, allow_redirects=False)


def challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


def redeem(emu: Emulator, app: str, code: str, **extra: str) -> requests.Response:
    form = {"grant_type": "authorization_code", "client_id": app, "code": code, "redirect_uri": REDIRECT}
    form["scope"] = SCOPE
    return requests.post(
        f"{emu.authority}/organizations/oauth2/v2.0/token", data=form | extra, verify=emu.ca_path, timeout=10
    )


@pytest.fixture
def app(emu: Emulator) -> str:
    return emu.add_public_app()


@pytest.fixture
def user(emu: Emulator) -> EmulatedUser:
    return emu.add_user(display_name="Grace Hopper")


def test_sign_in_page_consent_and_pkce(emu: Emulator, app: str, user: EmulatedUser) -> None:
    verifier = "v" * 50
    page = sign_in_page(
        emu, app, state="s1", prompt="select_account", code_challenge=challenge(verifier), code_challenge_method="S256"
    )
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "id='username'" in page.text and "id='accept'" in page.text and "vault.azure.net" in page.text
    wrong = submit(emu, page, username=user.username, password="nope", action="accept")
    assert wrong.status_code == 200 and "incorrect" in wrong.text
    done = submit(emu, page, username=user.username, password=user.password, action="accept")
    assert done.status_code == 302
    location = urlsplit(done.headers["Location"])
    query = parse_qs(location.query)
    assert f"http://{location.netloc}{location.path}" == REDIRECT and query["state"] == ["s1"]
    code = query["code"][0]
    mismatch = redeem(emu, app, code, code_verifier="w" * 50)
    assert mismatch.status_code == 400 and mismatch.json()["error_codes"] == [501481]
    assert redeem(emu, app, code).json()["error_codes"] == [501481]  # a challenge needs its verifier
    reply = redeem(emu, app, code, code_verifier=verifier)
    assert reply.status_code == 200, reply.text
    claims = emu.decode_token(reply.json()["id_token"], audience=app)
    assert claims["name"] == "Grace Hopper" and claims["preferred_username"] == user.username
    assert redeem(emu, app, code, code_verifier=verifier).json()["error_codes"] == [54005]  # used once


def test_decline_mfa_and_form_post(emu: Emulator, app: str) -> None:
    user = emu.add_user(mfa_required=True)
    page = sign_in_page(emu, app, state="s2", prompt="login")
    declined = submit(emu, page, action="decline")
    query = parse_qs(urlsplit(declined.headers["Location"]).query)
    assert query["error"] == ["access_denied"] and "AADSTS65004" in query["error_description"][0]
    mfa = submit(emu, page, username=user.username, password=user.password, action="accept")
    assert mfa.status_code == 200 and "id='otp'" in mfa.text
    assert "id='otp'" in submit(emu, mfa, otp="000000x", action="accept").text  # wrong code: asked again
    again = submit(emu, page, username=user.username, password=user.password, action="accept")
    done = submit(emu, again, otp=user.mfa_code, action="accept")
    assert done.status_code == 302 and "code=" in done.headers["Location"]
    hinted = sign_in_page(emu, app, login_hint=user.username)  # an MFA user is never signed in silently
    assert hinted.status_code == 200 and f"value='{user.username}'" in hinted.text
    posted = submit(
        emu,
        sign_in_page(emu, app, state="s3", prompt="login", response_mode="form_post"),
        username=emu.add_user(password="pw-1").username,
        password="pw-1",
        action="accept",
    )
    assert posted.status_code == 200 and f"action='{REDIRECT}'" in posted.text
    fields = dict(HIDDEN.findall(posted.text))
    assert fields["state"] == "s3" and fields["code"].startswith("code~")


@pytest.mark.parametrize(
    ("params", "code"),
    [({"code_challenge": "x", "code_challenge_method": "S512"}, 501491), ({"client_id": "nope"}, 700016)],
)
def test_authorize_rejects(emu: Emulator, app: str, params: dict[str, str], code: int) -> None:
    reply = sign_in_page(emu, app, **params)
    assert reply.status_code == 400 and reply.json()["error_codes"] == [code]


def device_code(emu: Emulator, app: str) -> dict[str, Any]:
    reply = requests.post(
        f"{emu.authority}/{emu.tenant_id}/oauth2/v2.0/devicecode",
        data={"client_id": app, "scope": f"{SCOPE} offline_access"},
        verify=emu.ca_path,
        timeout=10,
    )
    assert reply.status_code == 200, reply.text
    return reply.json()  # type: ignore[no-any-return]


def poll(emu: Emulator, app: str, code: str) -> requests.Response:
    form = {"grant_type": "urn:ietf:params:oauth:grant-type:device_code", "client_id": app, "device_code": code}
    return requests.post(
        f"{emu.authority}/{emu.tenant_id}/oauth2/v2.0/token", data=form, verify=emu.ca_path, timeout=10
    )


def test_device_code_lifecycle(emu: Emulator, app: str, user: EmulatedUser) -> None:
    now = [1_000.0]
    emu.clock = lambda: now[0]
    issued = device_code(emu, app)
    assert issued["verification_uri"] == emu.device_login_uri and issued["interval"] == 5
    assert issued["user_code"] in issued["message"] and issued["expires_in"] == 900
    assert poll(emu, app, issued["device_code"]).json()["error"] == "authorization_pending"
    now[0] += 1
    assert poll(emu, app, issued["device_code"]).json()["error"] == "slow_down"
    assert poll(emu, app, "dc~unknown").json()["error"] == "bad_verification_code"
    # the verification page: enter the code, sign in
    page = requests.get(emu.device_login_uri, verify=emu.ca_path, timeout=10)
    assert "id='user_code'" in page.text
    login = emu.device_login_uri
    wrong = requests.post(login, data={"user_code": "NOPE"}, verify=emu.ca_path, timeout=10)
    assert "That code didn&#x27;t work" in wrong.text
    form = requests.post(login, data={"user_code": issued["user_code"]}, verify=emu.ca_path, timeout=10)
    assert "id='username'" in form.text
    fields = dict(HIDDEN.findall(form.text)) | {"username": user.username, "password": user.password}
    done = requests.post(login, data=fields | {"action": "accept"}, verify=emu.ca_path, timeout=10)
    assert "You have signed in" in done.text
    now[0] += 10
    reply = poll(emu, app, issued["device_code"])
    assert reply.status_code == 200 and emu.decode_token(reply.json()["access_token"])["oid"] == user.object_id
    assert poll(emu, app, issued["device_code"]).json()["error"] == "bad_verification_code"  # redeemed once
    declined = device_code(emu, app)
    emu.decline_device_code(declined["user_code"])
    assert poll(emu, app, declined["device_code"]).json()["error"] == "authorization_declined"
    expired = device_code(emu, app)
    now[0] += 900
    assert poll(emu, app, expired["device_code"]).json()["error"] == "expired_token"


def test_family_apps_share_refresh_tokens(emu: Emulator, user: EmulatedUser) -> None:
    first, second, outsider = emu.add_public_app(family=True), emu.add_public_app(family=True), emu.add_public_app()
    code = emu.authorize(first, user=user, redirect_uri=REDIRECT)
    reply = redeem(emu, first, code).json()
    assert reply["foci"] == "1"
    url = f"{emu.authority}/organizations/oauth2/v2.0/token"
    form = {"grant_type": "refresh_token", "refresh_token": reply["refresh_token"], "scope": SCOPE}
    shared = requests.post(url, data=form | {"client_id": second}, verify=emu.ca_path, timeout=10)
    assert shared.status_code == 200, shared.text
    refused = requests.post(url, data=form | {"client_id": outsider}, verify=emu.ca_path, timeout=10)
    assert refused.json()["error_codes"] == [70000]
