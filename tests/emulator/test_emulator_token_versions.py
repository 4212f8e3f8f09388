"""Access tokens shaped per resource as Entra issues them (v1.0 for first-party resources, v2.0 otherwise),
a switch to force either, and discovery documents / JWKS that agree with both."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from emulator_helpers import post_token, secret_form

from azauth.emulator import Emulator
from azauth.emulator._emulator import _signing_material
from azauth.emulator._jwt import encode_jwt
from azauth.emulator._token_shapes import access_token_version


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _token(emu: Emulator, scope: str) -> str:
    reply = post_token(emu, secret_form(emu, scope=scope))
    assert reply.status_code == 200, reply.text
    return str(reply.json()["access_token"])


def _verify_with(jwks: dict[str, Any], token: str) -> dict[str, Any]:
    """Validate ``token``'s signature as a resource server does: the JWK named by its ``kid``."""
    header_b64, payload_b64, sig_b64 = token.split(".")
    kid = json.loads(_b64d(header_b64))["kid"]
    (jwk,) = [k for k in jwks["keys"] if k["kid"] == kid]
    public = rsa.RSAPublicNumbers(int.from_bytes(_b64d(jwk["e"]), "big"), int.from_bytes(_b64d(jwk["n"]), "big"))
    public.public_key().verify(
        _b64d(sig_b64), f"{header_b64}.{payload_b64}".encode(), padding.PKCS1v15(), hashes.SHA256()
    )
    claims: dict[str, Any] = json.loads(_b64d(payload_b64))
    return claims


@pytest.mark.parametrize(
    ("resource", "version"),
    [
        ("https://storage.azure.com", "1.0"),
        ("https://storage.azure.com/", "1.0"),
        ("https://myaccount.blob.core.windows.net", "1.0"),
        ("https://vault.azure.net", "1.0"),
        ("https://myvault.vault.azure.net", "1.0"),
        ("https://management.azure.com", "1.0"),
        ("https://management.core.windows.net/", "1.0"),
        ("https://graph.microsoft.com", "1.0"),
        ("https://cognitiveservices.azure.com", "1.0"),
        ("https://vault.azure.cn", "1.0"),
        ("00000003-0000-0000-c000-000000000000", "1.0"),
        ("E406A681-F3D4-42A8-90B6-C2B029497AF1", "1.0"),
        ("11111111-2222-3333-4444-555555555555", "2.0"),
        ("api://11111111-2222-3333-4444-555555555555", "2.0"),
        ("https://api.contoso.com", "2.0"),
        ("https://notazure.com", "2.0"),
        ("https://myapi.azurewebsites.net", "2.0"),
        ("http://storage.azure.com", "2.0"),
    ],
)
def test_version_follows_the_resource(resource: str, version: str) -> None:
    assert access_token_version(resource) == version
    assert access_token_version(resource, "1.0") == "1.0" and access_token_version(resource, "2.0") == "2.0"


def test_storage_gets_a_v1_token_that_azurite_accepts(emu: Emulator) -> None:
    claims = emu.decode_token(_token(emu, "https://storage.azure.com/.default"), audience="https://storage.azure.com")
    assert claims["iss"] == f"https://sts.windows.net/{emu.tenant_id}/" and claims["ver"] == "1.0"
    assert claims["idp"] == claims["iss"] and claims["idtyp"] == "app"
    assert (claims["appid"], claims["appidacr"]) == (emu.client_id, "1")
    assert "azp" not in claims and "azpacr" not in claims
    assert claims["nbf"] == claims["iat"] < claims["exp"]


def test_a_custom_api_gets_a_v2_token(emu: Emulator) -> None:
    api = emu.add_app()
    claims = emu.decode_token(_token(emu, f"api://{api}/.default"), audience=f"api://{api}")
    assert claims["iss"] == f"{emu.authority}/{emu.tenant_id}/v2.0" and claims["ver"] == "2.0"
    assert (claims["azp"], claims["azpacr"]) == (emu.client_id, "1")
    assert "appid" not in claims and "appidacr" not in claims and "idp" not in claims


def test_the_switch_forces_either_version(emu: Emulator) -> None:
    emu.access_token_version = "2.0"
    forced_v2 = emu.decode_token(_token(emu, "https://storage.azure.com/.default"))
    assert forced_v2["ver"] == "2.0" and forced_v2["iss"].endswith("/v2.0")
    emu.access_token_version = "1.0"
    forced_v1 = emu.decode_token(_token(emu, f"api://{emu.client_id}/.default"))
    assert forced_v1["ver"] == "1.0" and forced_v1["iss"].startswith("https://sts.windows.net/")
    emu.access_token_version = None
    assert emu.decode_token(_token(emu, f"api://{emu.client_id}/.default"))["ver"] == "2.0"
    with pytest.raises(ValueError, match="access_token_version must be None, '1.0' or '2.0'"):
        emu.access_token_version = "3.0"


def test_managed_identity_and_user_tokens_are_shaped_too(emu: Emulator) -> None:
    reply = requests.get(
        f"{emu.imds_endpoint}/metadata/identity/oauth2/token",
        params={"api-version": "2018-02-01", "resource": "https://storage.azure.com"},
        headers={"Metadata": "true"},
        timeout=10,
    ).json()
    mi = emu.decode_token(reply["access_token"], audience="https://storage.azure.com")
    assert (mi["ver"], mi["appid"], mi["appidacr"]) == ("1.0", emu.managed_identity_client_id, "2")
    assert mi["xms_mirid"].endswith("/system")
    user = emu.add_user()
    assertion = emu.decode_token(emu.issue_user_token(user, emu.client_id), audience=emu.client_id)
    assert (assertion["ver"], assertion["preferred_username"], assertion["idtyp"]) == ("2.0", user.username, "user")
    assert "upn" not in assertion and "appid" not in assertion and assertion["azp"]


def test_discovery_documents_agree_with_what_is_issued(emu: Emulator) -> None:
    v1_token = _token(emu, "https://vault.azure.net/.default")
    v2_token = _token(emu, f"api://{emu.client_id}/.default")
    for path, token in (
        (".well-known/openid-configuration", v1_token),
        ("v2.0/.well-known/openid-configuration", v2_token),
    ):
        doc = requests.get(f"{emu.authority}/{emu.tenant_id}/{path}", verify=emu.ca_path, timeout=10).json()
        jwks = requests.get(doc["jwks_uri"], verify=emu.ca_path, timeout=10).json()
        assert _verify_with(jwks, token)["iss"] == doc["issuer"]  # each document names its tokens' issuer
        assert _verify_with(jwks, v1_token)["ver"] == "1.0" and _verify_with(jwks, v2_token)["ver"] == "2.0"
    v1_doc = requests.get(f"{emu.authority}/{emu.tenant_id}/.well-known/openid-configuration", verify=emu.ca_path)
    assert v1_doc.json()["jwks_uri"] == f"{emu.authority}/{emu.tenant_id}/discovery/keys"
    assert v1_doc.json()["token_endpoint"] == f"{emu.authority}/{emu.tenant_id}/oauth2/token"
    common = requests.get(f"{emu.authority}/common/.well-known/openid-configuration", verify=emu.ca_path).json()
    assert common["issuer"] == "https://sts.windows.net/{tenantid}/"
    unknown = requests.get(f"{emu.authority}/nope.example/.well-known/openid-configuration", verify=emu.ca_path)
    assert unknown.status_code == 400 and unknown.json()["error_codes"] == [90002]


def test_decode_token_insists_on_the_issuer_its_version_implies(emu: Emulator) -> None:
    claims = emu.decode_token(_token(emu, "https://vault.azure.net/.default"))
    key, _, kid = _signing_material()
    for forged in (
        {**claims, "ver": "2.0"},  # a v1.0 issuer on a v2.0 token
        {**claims, "iss": f"{emu.authority}/{emu.tenant_id}/v2.0"},  # a v2.0 issuer on a v1.0 token
        {**claims, "ver": "3.0"},
        {**claims, "iss": "https://sts.windows.net/someone-else/"},
    ):
        with pytest.raises(ValueError, match="unexpected"):
            emu.decode_token(encode_jwt(forged, key, {"kid": kid}))
