"""Entra-shaped error responses and client-assertion validation."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import pytest
import requests
from emulator_helpers import (
    assertion_claims,
    assertion_form,
    b64url_encode,
    post_token,
    secret_form,
    sign_assertion,
    token_url,
)

from azauth.emulator import Emulator, make_certificate

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$")


def check_error(r: requests.Response, status: int, error: str, code: int, correlation_id: str | None = None) -> None:
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"] == "application/json; charset=utf-8"
    body = r.json()
    assert body["error"] == error
    assert body["error_codes"] == [code]
    desc = body["error_description"]
    assert desc.startswith(f"AADSTS{code}: ")
    assert f"\r\nTrace ID: {body['trace_id']}\r\n" in desc
    assert f"\r\nCorrelation ID: {body['correlation_id']}\r\n" in desc
    assert desc.endswith(f"\r\nTimestamp: {body['timestamp']}")
    assert TIMESTAMP.match(body["timestamp"])
    uuid.UUID(body["trace_id"])
    assert body["error_uri"].endswith(f"?code={code}")
    if correlation_id:
        assert body["correlation_id"] == correlation_id
        assert r.headers["client-request-id"] == correlation_id
    else:
        uuid.UUID(body["correlation_id"])


@pytest.mark.parametrize(
    ("overrides", "tenant", "status", "error", "code"),
    [
        ({"client_secret": "wrong-secret-value"}, None, 401, "invalid_client", 7000215),
        ({"client_id": "11111111-2222-3333-4444-555555555555"}, None, 400, "unauthorized_client", 700016),
        ({}, "99999999-9999-9999-9999-999999999999", 400, "invalid_request", 90002),
        ({"scope": "https://vault.azure.net/user_impersonation"}, None, 400, "invalid_scope", 1002012),
        ({"scope": ""}, None, 400, "invalid_scope", 1002012),
        (
            {"scope": "https://vault.azure.net/.default https://storage.azure.com/.default"},
            None,
            400,
            "invalid_scope",
            28000,
        ),
        ({"grant_type": "urn:ietf:params:oauth:grant-type:saml1_1-bearer"}, None, 400, "unsupported_grant_type", 70003),
        ({"client_secret": ""}, None, 401, "invalid_client", 7000215),
    ],
)
def test_token_errors(
    emu: Emulator, overrides: dict[str, str], tenant: str | None, status: int, error: str, code: int
) -> None:
    corr = str(uuid.uuid4())
    r = post_token(emu, secret_form(emu, **overrides), tenant=tenant, headers={"client-request-id": corr})
    check_error(r, status, error, code, corr)
    # secrets are never echoed, and redacted in the request log
    assert emu.client_secret not in r.text
    assert "wrong-secret-value" not in r.text
    (logged,) = emu.requests
    assert logged.endpoint == "token"
    assert logged.form["client_secret"] == "***"
    assert emu.client_secret not in repr(emu.requests)


def test_missing_client_auth(emu: Emulator) -> None:
    form = secret_form(emu)
    del form["client_secret"]
    check_error(post_token(emu, form), 401, "invalid_client", 7000216)
    del form["grant_type"]
    check_error(post_token(emu, form), 400, "invalid_request", 900144)


def test_common_tenant_rejected_for_client_credentials(emu: Emulator) -> None:
    check_error(post_token(emu, secret_form(emu), tenant="organizations"), 400, "invalid_request", 50059)


def test_unknown_path(emu: Emulator) -> None:
    r = requests.get(f"{emu.authority}/nothing/here", verify=emu.ca_path)
    assert r.status_code == 404
    assert emu.requests[-1].endpoint == "other"


@pytest.fixture
def cert_app(emu: Emulator) -> tuple[str, Any]:
    bundle = make_certificate()
    client_id = emu.add_app(certificates=[bundle.cert_pem])
    return client_id, bundle


def _x5t(bundle: Any, sha256: bool = False) -> dict[str, str]:
    if sha256:
        return {"x5t#S256": b64url_encode(bytes.fromhex(bundle.thumbprint_sha256))}
    return {"x5t": b64url_encode(bytes.fromhex(bundle.thumbprint_sha1))}


def test_assertion_valid(emu: Emulator, cert_app: tuple[str, Any]) -> None:
    client_id, bundle = cert_app
    for alg, header in (("RS256", _x5t(bundle)), ("PS256", _x5t(bundle, sha256=True)), ("RS256", {})):
        assertion = sign_assertion(bundle, assertion_claims(emu, client_id), alg=alg, header=header)
        r = post_token(emu, assertion_form(client_id, assertion))
        assert r.status_code == 200, r.text
        claims = emu.decode_token(r.json()["access_token"], audience="https://vault.azure.net")
        assert claims["appid"] == client_id and claims["appidacr"] == "2"
    assert emu.requests[-1].form["client_assertion"] == "***"
    # client_id may be omitted from the form: it comes from the assertion
    form = assertion_form(client_id, sign_assertion(bundle, assertion_claims(emu, client_id), header=_x5t(bundle)))
    del form["client_id"]
    assert post_token(emu, form).status_code == 200


def test_assertion_x5c(emu: Emulator, cert_app: tuple[str, Any]) -> None:
    client_id, bundle = cert_app
    der_b64 = "".join(bundle.cert_pem.decode().strip().splitlines()[1:-1])
    ok = sign_assertion(bundle, assertion_claims(emu, client_id), header={**_x5t(bundle), "x5c": [der_b64]})
    assert post_token(emu, assertion_form(client_id, ok)).status_code == 200
    other = make_certificate()
    other_der = "".join(other.cert_pem.decode().strip().splitlines()[1:-1])
    bad = sign_assertion(bundle, assertion_claims(emu, client_id), header={"x5c": [other_der]})
    check_error(post_token(emu, assertion_form(client_id, bad)), 401, "invalid_client", 700027)


def test_assertion_wrong_key(emu: Emulator, cert_app: tuple[str, Any]) -> None:
    client_id, bundle = cert_app
    other = make_certificate()
    # claims to be the registered cert, but signed with another key
    forged = sign_assertion(other, assertion_claims(emu, client_id), header=_x5t(bundle))
    check_error(post_token(emu, assertion_form(client_id, forged)), 401, "invalid_client", 700027)
    # unregistered thumbprint
    unknown = sign_assertion(other, assertion_claims(emu, client_id), header=_x5t(other))
    r = post_token(emu, assertion_form(client_id, unknown))
    check_error(r, 401, "invalid_client", 700027)
    assert other.thumbprint_sha1 in r.json()["error_description"]


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"exp": int(time.time()) - 60}, 700024),
        ({"nbf": int(time.time()) + 3600, "exp": int(time.time()) + 7200}, 700024),
        ({"aud": "https://login.microsoftonline.com/x/oauth2/v2.0/token"}, 700212),
        ({"iss": "someone-else"}, 700021),
        ({"jti": ""}, 50027),
    ],
)
def test_assertion_invalid_claims(
    emu: Emulator, cert_app: tuple[str, Any], overrides: dict[str, Any], code: int
) -> None:
    client_id, bundle = cert_app
    assertion = sign_assertion(bundle, assertion_claims(emu, client_id, **overrides), header=_x5t(bundle))
    check_error(post_token(emu, assertion_form(client_id, assertion)), 401, "invalid_client", code)


def test_assertion_replay_and_malformed(emu: Emulator, cert_app: tuple[str, Any]) -> None:
    client_id, bundle = cert_app
    assertion = sign_assertion(bundle, assertion_claims(emu, client_id), header=_x5t(bundle))
    assert post_token(emu, assertion_form(client_id, assertion)).status_code == 200
    check_error(post_token(emu, assertion_form(client_id, assertion)), 401, "invalid_client", 700024)
    check_error(post_token(emu, assertion_form(client_id, "not.a.jwt")), 401, "invalid_client", 50027)
    # aud with the tenant as used in the request path (domain alias) is accepted too
    emu.add_tenant(domain="alias.example")
    app2 = emu.add_app(certificates=[bundle.cert_pem], multi_tenant=True)
    claims = assertion_claims(emu, app2, aud=token_url(emu, "alias.example"))
    r = post_token(emu, assertion_form(app2, sign_assertion(bundle, claims)), tenant="alias.example")
    assert r.status_code == 200, r.text
