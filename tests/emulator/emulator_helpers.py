"""Helpers for the emulator tests: token requests and independently signed client assertions."""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any

import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from azauth.emulator import CertificateBundle, Emulator

SCOPE = "https://vault.azure.net/.default"


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token_url(emu: Emulator, tenant: str | None = None) -> str:
    return f"{emu.authority}/{tenant or emu.tenant_id}/oauth2/v2.0/token"


def post_token(
    emu: Emulator, data: dict[str, str], *, tenant: str | None = None, headers: dict[str, str] | None = None
) -> requests.Response:
    return requests.post(token_url(emu, tenant), data=data, headers=headers, verify=emu.ca_path, timeout=10)


def secret_form(emu: Emulator, **overrides: str) -> dict[str, str]:
    form = {
        "grant_type": "client_credentials",
        "client_id": emu.client_id,
        "client_secret": emu.client_secret,
        "scope": SCOPE,
    }
    form.update(overrides)
    return form


def sign_assertion(
    bundle: CertificateBundle,
    claims: dict[str, Any],
    *,
    alg: str = "RS256",
    header: dict[str, Any] | None = None,
) -> str:
    """Sign a client assertion JWT with the bundle's key, independently of the emulator's signer."""
    key = serialization.load_pem_private_key(bundle.key_pem, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    hdr = {"alg": alg, "typ": "JWT", **(header or {})}
    signing_input = (
        b64url_encode(json.dumps(hdr).encode()) + "." + b64url_encode(json.dumps(claims).encode())
    ).encode()
    if alg == "RS256":
        sig = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    else:
        sig = key.sign(signing_input, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256())
    return signing_input.decode() + "." + b64url_encode(sig)


def assertion_claims(emu: Emulator, client_id: str, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "aud": token_url(emu),
        "iss": client_id,
        "sub": client_id,
        "jti": str(uuid.uuid4()),
        "nbf": now,
        "iat": now,
        "exp": now + 600,
    }
    claims.update(overrides)
    return claims


def assertion_form(client_id: str, assertion: str) -> dict[str, str]:
    return {
        "grant_type": "client_credentials",
        "client_id": client_id,
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion,
        "scope": SCOPE,
    }
