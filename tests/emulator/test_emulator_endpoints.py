"""Discovery, JWKS and client-secret token issuance over real HTTPS."""

from __future__ import annotations

import base64
import json
import time

import pytest
import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from emulator_helpers import SCOPE, post_token, secret_form

from azauth.emulator import Emulator


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_openid_configuration(emu: Emulator) -> None:
    r = requests.get(f"{emu.authority}/{emu.tenant_id}/v2.0/.well-known/openid-configuration", verify=emu.ca_path)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/json; charset=utf-8"
    doc = r.json()
    assert doc["issuer"] == f"{emu.authority}/{emu.tenant_id}/v2.0"
    assert doc["token_endpoint"] == f"{emu.authority}/{emu.tenant_id}/oauth2/v2.0/token"
    assert doc["jwks_uri"] == f"{emu.authority}/{emu.tenant_id}/discovery/v2.0/keys"
    assert doc["authorization_endpoint"].endswith("/oauth2/v2.0/authorize")
    assert doc["device_authorization_endpoint"].endswith("/oauth2/v2.0/devicecode")
    assert emu.count("openid-configuration") == 1


def test_openid_configuration_domain_alias_and_meta_tenants(emu: Emulator) -> None:
    tid = emu.add_tenant(domain="contoso.onmicrosoft.com")
    doc = requests.get(
        f"{emu.authority}/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration", verify=emu.ca_path
    ).json()
    assert doc["issuer"] == f"{emu.authority}/{tid}/v2.0"
    assert doc["token_endpoint"] == f"{emu.authority}/{tid}/oauth2/v2.0/token"
    for meta in ("organizations", "common"):
        doc = requests.get(f"{emu.authority}/{meta}/v2.0/.well-known/openid-configuration", verify=emu.ca_path).json()
        assert doc["issuer"] == f"{emu.authority}/{{tenantid}}/v2.0"
        assert doc["token_endpoint"] == f"{emu.authority}/{meta}/oauth2/v2.0/token"


def test_openid_configuration_unknown_tenant(emu: Emulator) -> None:
    r = requests.get(f"{emu.authority}/nope.example/v2.0/.well-known/openid-configuration", verify=emu.ca_path)
    assert r.status_code == 400
    body = r.json()
    assert body["error_description"].startswith("AADSTS90002:")
    assert body["error_codes"] == [90002]


def test_instance_discovery(emu: Emulator) -> None:
    host = emu.authority.removeprefix("https://")
    r = requests.get(
        f"{emu.authority}/common/discovery/instance",
        params={
            "api-version": "1.1",
            "authorization_endpoint": f"{emu.authority}/{emu.tenant_id}/oauth2/v2.0/authorize",
        },
        verify=emu.ca_path,
    )
    doc = r.json()
    assert r.status_code == 200
    assert doc["tenant_discovery_endpoint"] == (
        f"{emu.authority}/{emu.tenant_id}/v2.0/.well-known/openid-configuration"
    )
    assert doc["api-version"] == "1.1"
    assert doc["metadata"] == [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}]
    bad = requests.get(
        f"{emu.authority}/common/discovery/instance",
        params={"api-version": "1.1", "authorization_endpoint": "https://elsewhere.example/x/oauth2/v2.0/authorize"},
        verify=emu.ca_path,
    )
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_instance"
    assert emu.count("instance-discovery") == 2


def test_secret_token_validates_with_jwks(emu: Emulator) -> None:
    r = post_token(emu, secret_form(emu), headers={"client-request-id": "corr-123"})
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "application/json; charset=utf-8"
    assert r.headers["Cache-Control"] == "no-store, no-cache"
    assert r.headers["client-request-id"] == "corr-123"
    assert r.headers["x-ms-request-id"]
    body = r.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == body["ext_expires_in"] == 3600
    assert "refresh_in" not in body
    token = body["access_token"]

    claims = emu.decode_token(token, audience="https://vault.azure.net")
    assert claims["iss"] == f"https://sts.windows.net/{emu.tenant_id}/"  # Key Vault receives v1.0 tokens
    assert claims["tid"] == emu.tenant_id
    assert claims["appid"] == emu.client_id and claims["appidacr"] == "1" and "azp" not in claims
    assert claims["ver"] == "1.0" and claims["uti"] and claims["oid"] == claims["sub"]
    assert "xms_cc" not in claims
    assert claims["nbf"] <= time.time() < claims["exp"]
    with pytest.raises(ValueError):
        emu.decode_token(token, audience="https://storage.azure.com")
    with pytest.raises(ValueError):
        emu.decode_token(token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"))

    # Independent validation, as an application would do it: fetch JWKS, rebuild the RSA key from n/e.
    jwks = requests.get(f"{emu.authority}/{emu.tenant_id}/discovery/v2.0/keys", verify=emu.ca_path).json()
    assert jwks["keys"][0]["issuer"] == f"{emu.authority}/{emu.tenant_id}/v2.0"
    assert {k: v for k, v in jwks["keys"][0].items() if k != "issuer"} == emu.jwks["keys"][0]
    header_b64, payload_b64, sig_b64 = token.split(".")
    header = json.loads(_b64d(header_b64))
    (jwk,) = [k for k in jwks["keys"] if k["kid"] == header["kid"]]
    assert jwk["kty"] == "RSA" and jwk["use"] == "sig" and jwk["x5c"]
    public = rsa.RSAPublicNumbers(
        int.from_bytes(_b64d(jwk["e"]), "big"), int.from_bytes(_b64d(jwk["n"]), "big")
    ).public_key()
    public.verify(_b64d(sig_b64), f"{header_b64}.{payload_b64}".encode(), padding.PKCS1v15(), hashes.SHA256())
    assert json.loads(_b64d(payload_b64)) == claims

    common = requests.get(f"{emu.authority}/common/discovery/v2.0/keys", verify=emu.ca_path)
    assert common.status_code == 200 and common.json()["keys"][0]["kid"] == header["kid"]
    assert emu.count("jwks") == 2 and emu.count("token") == 1


def test_lifetime_refresh_in_and_cae(emu: Emulator) -> None:
    emu.token_lifetime = 120
    emu.refresh_in = 60
    claims_param = json.dumps({"access_token": {"xms_cc": {"values": ["CP1"]}}})
    body = post_token(emu, secret_form(emu, claims=claims_param)).json()
    assert body["expires_in"] == 120 and body["refresh_in"] == 60
    claims = emu.decode_token(body["access_token"])
    assert claims["exp"] - claims["iat"] == 120
    assert claims["xms_cc"] == ["CP1"]


def test_multi_tenant_app_and_domain_token_path(emu: Emulator) -> None:
    other = emu.add_tenant(domain="fabrikam.onmicrosoft.com")
    single = emu.add_app(other, secrets=["s1"])
    multi = emu.add_app(client_id="00000000-0000-0000-0000-0000000000aa", secrets=["s2"], multi_tenant=True)
    assert multi == "00000000-0000-0000-0000-0000000000aa"
    r = post_token(emu, secret_form(emu, client_id=single, client_secret="s1"), tenant="fabrikam.onmicrosoft.com")
    assert r.status_code == 200 and emu.decode_token(r.json()["access_token"])["tid"] == other
    r = post_token(emu, secret_form(emu, client_id=multi, client_secret="s2"), tenant=other)
    assert r.status_code == 200, r.text
    # single-tenant app is unknown in the default tenant
    r = post_token(emu, secret_form(emu, client_id=single, client_secret="s1"))
    assert r.status_code == 400 and r.json()["error_codes"] == [700016]
    emu.add_secret(single, "s3")
    r = post_token(emu, secret_form(emu, client_id=single, client_secret="s3"), tenant=other)
    assert r.status_code == 200


def test_imds(emu: Emulator) -> None:
    url = f"{emu.imds_endpoint}/metadata/identity/oauth2/token"
    params = {"api-version": "2018-02-01", "resource": "https://management.azure.com/"}
    r = requests.get(url, params=params, timeout=10)
    assert r.status_code == 400
    assert r.json() == {"error": "invalid_request", "error_description": "Required metadata header not specified"}
    r = requests.get(url, params=params, headers={"Metadata": "true"}, timeout=10)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {
        "access_token",
        "client_id",
        "expires_in",
        "expires_on",
        "ext_expires_in",
        "not_before",
        "resource",
        "token_type",
    }
    assert body["token_type"] == "Bearer" and body["resource"] == params["resource"]
    assert body["expires_in"] == "3600" and int(body["expires_on"]) > time.time()
    assert body["client_id"] == emu.managed_identity_client_id
    assert emu.decode_token(body["access_token"], audience=params["resource"])["appid"] == body["client_id"]
    user_assigned = emu.add_managed_identity()
    r = requests.get(url, params={**params, "client_id": user_assigned}, headers={"Metadata": "true"}, timeout=10)
    assert r.json()["client_id"] == user_assigned
    r = requests.get(url, params={**params, "client_id": "unknown"}, headers={"Metadata": "true"}, timeout=10)
    assert r.status_code == 400
    assert emu.count("imds") == 4


def test_environ(emu: Emulator) -> None:
    env = emu.environ()
    assert env["AZURE_AUTHORITY_HOST"] == emu.authority
    assert env["AZURE_TENANT_ID"] == emu.tenant_id
    assert env["AZURE_CLIENT_ID"] == emu.client_id
    assert env["AZURE_CLIENT_SECRET"] == emu.client_secret
    assert env["REQUESTS_CA_BUNDLE"] == env["SSL_CERT_FILE"] == emu.ca_bundle_path  # system CAs + the emulator's
    assert env["AZURE_POD_IDENTITY_AUTHORITY_HOST"] == emu.imds_endpoint


def test_lifecycle_and_scope_helper() -> None:
    emu = Emulator()
    with pytest.raises(RuntimeError):
        _ = emu.authority
    emu.start()
    ca_path = emu.ca_path
    try:
        r = post_token(emu, secret_form(emu, scope=SCOPE))
        assert r.status_code == 200
    finally:
        emu.stop()
        emu.stop()  # idempotent
    import os

    assert not os.path.exists(ca_path)
