"""Minimal JWS (compact JWT) encoding, signing and verification for RS256/PS256."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

__all__ = ["b64url_decode", "b64url_encode", "encode_jwt", "split_jwt", "verify_signature"]

SUPPORTED_ALGS = ("RS256", "PS256")


def b64url_encode(data: bytes) -> str:
    """Unpadded base64url."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode (un)padded base64url; raises ValueError on garbage."""
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as ex:
        raise ValueError("invalid base64url") from ex


def int_b64(value: int) -> str:
    """Big-endian unsigned integer as base64url (JWK ``n``/``e``)."""
    return b64url_encode(value.to_bytes((value.bit_length() + 7) // 8, "big"))


def _json_b64(obj: dict[str, Any]) -> str:
    return b64url_encode(json.dumps(obj, separators=(",", ":")).encode())


def encode_jwt(
    claims: dict[str, Any], key: rsa.RSAPrivateKey, headers: dict[str, Any] | None = None, alg: str = "RS256"
) -> str:
    """Sign ``claims`` into a compact JWT."""
    header: dict[str, Any] = {"alg": alg, "typ": "JWT", **(headers or {})}
    signing_input = f"{_json_b64(header)}.{_json_b64(claims)}".encode("ascii")
    if alg == "RS256":
        sig = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    elif alg == "PS256":
        pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
        sig = key.sign(signing_input, pss, hashes.SHA256())
    else:
        raise ValueError(f"unsupported alg {alg}")
    return f"{signing_input.decode('ascii')}.{b64url_encode(sig)}"


def split_jwt(token: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    """Parse a compact JWT without verifying it: (header, claims, signing_input, signature)."""
    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError("a JWT has three dot-separated parts")
    try:
        header = json.loads(b64url_decode(parts[0]))
        claims = json.loads(b64url_decode(parts[1]))
    except (ValueError, UnicodeDecodeError) as ex:
        raise ValueError("JWT header or payload is not base64url JSON") from ex
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise ValueError("JWT header and payload must be JSON objects")
    return header, claims, f"{parts[0]}.{parts[1]}".encode("ascii"), b64url_decode(parts[2])


def verify_signature(alg: str, public_key: Any, signing_input: bytes, signature: bytes) -> bool:
    """True when ``signature`` is a valid ``alg`` signature by the RSA ``public_key``."""
    if not isinstance(public_key, rsa.RSAPublicKey):
        return False
    try:
        if alg == "RS256":
            public_key.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
        elif alg == "PS256":
            pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.AUTO)
            public_key.verify(signature, signing_input, pss, hashes.SHA256())
        else:
            return False
    except InvalidSignature:
        return False
    return True
