"""The emulator's user grants, federation, authorize and Azure Pipelines endpoints, spoken to directly."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from azauth.emulator import Emulator
from tests.emulator.emulator_helpers import SCOPE, post_token

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def error(response: requests.Response) -> tuple[int, str, int]:
    body = response.json()
    return response.status_code, body["error"], body["error_codes"][0]


def test_password_grant(emu: Emulator) -> None:
    user = emu.add_user(password="correct horse")
    public = emu.add_app()
    form = {"grant_type": "password", "client_id": public, "scope": SCOPE, "username": user.username}
    ok = post_token(emu, {**form, "password": "correct horse"}, tenant="organizations")
    assert ok.status_code == 200
    body = ok.json()
    assert emu.decode_token(body["access_token"])["upn"] == user.username
    assert body["refresh_token"] and body["client_info"] and body["id_token"]
    assert error(post_token(emu, {**form, "password": "wrong"})) == (400, "invalid_grant", 50126)
    assert error(post_token(emu, {**form, "username": "nobody@x", "password": "p"})) == (400, "invalid_grant", 50034)
    other = emu.add_tenant()
    assert error(post_token(emu, {**form, "password": "correct horse"}, tenant=other))[2] == 50034


def test_confidential_client_must_authenticate_in_user_grants(emu: Emulator) -> None:
    user = emu.add_user()
    form = {
        "grant_type": "password",
        "client_id": emu.client_id,
        "scope": SCOPE,
        "username": user.username,
        "password": user.password,
    }
    assert error(post_token(emu, form)) == (401, "invalid_client", 7000218)
    assert post_token(emu, {**form, "client_secret": emu.client_secret}).status_code == 200


def test_on_behalf_of_grant_checks(emu: Emulator) -> None:
    user = emu.add_user()
    form = {
        "grant_type": JWT_BEARER,
        "client_id": emu.client_id,
        "client_secret": emu.client_secret,
        "scope": "https://graph.microsoft.com/User.Read",
        "assertion": emu.issue_user_token(user, emu.client_id),
    }
    assert error(post_token(emu, form)) == (400, "invalid_request", 900144)  # requested_token_use missing
    form["requested_token_use"] = "on_behalf_of"
    ok = post_token(emu, form)
    assert ok.status_code == 200
    claims = emu.decode_token(ok.json()["access_token"], audience="https://graph.microsoft.com")
    assert (claims["scp"], claims["oid"]) == ("User.Read", user.object_id)
    assert error(post_token(emu, {**form, "assertion": "not-a-jwt"}))[2] == 50013
    assert error(post_token(emu, form, tenant="organizations"))[2] == 50059


def test_refresh_token_is_bound_to_its_client(emu: Emulator) -> None:
    user = emu.add_user()
    code = emu.authorize(emu.client_id, user=user, redirect_uri="http://localhost/cb")
    redeemed = post_token(
        emu,
        {
            "grant_type": "authorization_code",
            "client_id": emu.client_id,
            "client_secret": emu.client_secret,
            "code": code,
            "redirect_uri": "http://localhost/cb",
            "scope": SCOPE,
        },
    )
    refresh = redeemed.json()["refresh_token"]
    other = emu.add_app()
    form = {"grant_type": "refresh_token", "client_id": other, "refresh_token": refresh, "scope": SCOPE}
    assert error(post_token(emu, form)) == (400, "invalid_grant", 70000)
    assert error(post_token(emu, {**form, "refresh_token": "rt~unknown"}))[2] == 9002313


@pytest.mark.parametrize(
    ("params", "code"),
    [({"response_type": "token"}, 900021), ({"login_hint": "nobody@x"}, 50034), ({"client_id": None}, 900144)],
)
def test_authorize_endpoint_errors(emu: Emulator, params: dict[str, Any], code: int) -> None:
    user = emu.add_user()
    query: dict[str, Any] = {
        "client_id": emu.client_id,
        "redirect_uri": "http://localhost/cb",
        "response_type": "code",
        "login_hint": user.username,
        **params,
    }
    reply = requests.get(
        f"{emu.authority}/organizations/oauth2/v2.0/authorize",
        params={k: v for k, v in query.items() if v is not None},
        allow_redirects=False,
        verify=emu.ca_path,
        timeout=10,
    )
    assert error(reply)[2] == code
    assert emu.requests[-1].endpoint == "authorize"


def test_pipelines_endpoint(emu: Emulator) -> None:
    connection = emu.add_pipelines_service_connection(emu.add_app())
    url = emu.pipelines_oidc_request_uri

    def post(api_version: str = "7.1", token: str = connection.system_access_token) -> requests.Response:
        return requests.post(
            url,
            params={"api-version": api_version, "serviceConnectionId": connection.service_connection_id},
            headers={"Authorization": f"Bearer {token}"},
            verify=emu.ca_path,
            timeout=10,
        )

    ok = post()
    assert ok.status_code == 200
    oidc = ok.json()["oidcToken"]
    assert emu.requests[-1].headers["authorization"] == "***"
    assert post(api_version="6.0").status_code == 400
    assert post(token="wrong").status_code == 401
    # the OIDC token is a client assertion for the service connection's app
    form = {
        "grant_type": "client_credentials",
        "client_id": connection.client_id,
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": oidc,
        "scope": SCOPE,
    }
    assert post_token(emu, form).status_code == 200
    expired = emu.issue_federated_token(issuer=connection.issuer, subject=connection.subject, lifetime=-60)
    assert error(post_token(emu, {**form, "client_assertion": expired}))[2] == 700024
