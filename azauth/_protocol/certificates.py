"""Loading a client certificate (PEM or PKCS12) and signing client assertions with it."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

__all__ = ["AssertionAlgorithm", "ClientCertificate", "load_certificate", "sign_assertion"]

AssertionAlgorithm = Literal["RS256", "PS256"]

ASSERTION_LIFETIME = 600


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class ClientCertificate:
    """An RSA private key with its certificate (and optional chain), ready to sign assertions."""

    key: RSAPrivateKey = field(repr=False)
    thumbprint_sha1: bytes
    thumbprint_sha256: bytes
    chain_der: tuple[bytes, ...] = field(repr=False)  # leaf first

    def __repr__(self) -> str:
        return f"ClientCertificate(thumbprint_sha1={self.thumbprint_sha1.hex().upper()})"

    def __reduce__(self) -> tuple[Any, ...]:
        # A key object does not pickle: the key travels as PKCS8 DER, as the certificate bytes did when the
        # user handed them to the constructor (see "Pickling" in docs/decisions.md).
        from cryptography.hazmat.primitives import serialization

        der = self.key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return (_rebuild_certificate, (der, self.thumbprint_sha1, self.thumbprint_sha256, self.chain_der))


def _rebuild_certificate(key_der: bytes, sha1: bytes, sha256: bytes, chain: tuple[bytes, ...]) -> ClientCertificate:
    from cryptography.hazmat.primitives import serialization

    key: Any = serialization.load_der_private_key(key_der, password=None)
    return ClientCertificate(key, sha1, sha256, chain)


def load_certificate(data: bytes, password: str | bytes | None, *, source: str) -> ClientCertificate:
    """Parse ``data`` (PEM with key and certificate, or PKCS12) into a :class:`ClientCertificate`.

    ``source`` names where the bytes came from in error messages; the password never appears in them.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12

    secret = password.encode("utf-8") if isinstance(password, str) else password
    if b"-----BEGIN" in data:
        certs = x509.load_pem_x509_certificates(data) if b"CERTIFICATE-----" in data else []
        if b"PRIVATE KEY-----" not in data:
            raise ValueError(f"{source} contains no private key; the certificate must include its private key")
        try:
            key: Any = serialization.load_pem_private_key(data, password=secret)
        except TypeError as exc:  # password missing, or given for an unencrypted key
            hint = "requires a password" if secret is None else "is not encrypted: omit the password"
            raise ValueError(f"The private key in {source} {hint}") from exc
        except ValueError as exc:
            raise ValueError(
                f"Could not load the private key in {source}: it is malformed or the password is wrong"
            ) from exc
    else:
        try:
            key, leaf, extra = pkcs12.load_key_and_certificates(data, secret)
        except ValueError as exc:
            raise ValueError(
                f"Could not load {source} as PEM or PKCS12: it is malformed or the password is wrong"
            ) from exc
        certs = ([leaf] if leaf is not None else []) + list(extra or [])
    if key is None:
        raise ValueError(f"{source} contains no private key; the certificate must include its private key")
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(
            f"The private key in {source} is {type(key).__name__.lstrip('_')}, not RSA: Microsoft Entra ID client"
            " assertions are signed with RS256, so the certificate must have an RSA key"
        )
    public_numbers = key.public_key().public_numbers()
    leaf_index = next((i for i, c in enumerate(certs) if _matches(c, public_numbers)), None)
    if leaf_index is None:
        raise ValueError(f"{source} contains no certificate matching its private key")
    ordered = [certs[leaf_index]] + [c for i, c in enumerate(certs) if i != leaf_index]
    chain = tuple(c.public_bytes(serialization.Encoding.DER) for c in ordered)
    return ClientCertificate(
        key=key,
        thumbprint_sha1=hashlib.sha1(chain[0]).digest(),
        thumbprint_sha256=hashlib.sha256(chain[0]).digest(),
        chain_der=chain,
    )


def _matches(cert: Any, public_numbers: Any) -> bool:
    public_key = cert.public_key()
    return hasattr(public_key, "public_numbers") and public_key.public_numbers() == public_numbers


def sign_assertion(
    certificate: ClientCertificate,
    client_id: str,
    audience: str,
    *,
    now: float,
    send_chain: bool,
    algorithm: AssertionAlgorithm = "RS256",
) -> str:
    """A JWT client assertion for ``client_id`` at the token endpoint ``audience``.

    ``RS256`` names the certificate by its SHA-1 thumbprint (``x5t``), as msal does for azure-identity's sync
    credentials (and everyone does for ADFS); ``PS256`` by its SHA-256 thumbprint (``x5t#S256``), as
    azure-identity's async credentials do.
    """
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    header: dict[str, Any] = {"alg": algorithm, "typ": "JWT"}
    if algorithm == "PS256":
        header["x5t#S256"] = _b64url(certificate.thumbprint_sha256)
    else:
        header["x5t"] = _b64url(certificate.thumbprint_sha1)
    if send_chain:
        header["x5c"] = [base64.b64encode(der).decode("ascii") for der in certificate.chain_der]
    issued = int(now)
    payload = {
        "aud": audience,
        "iss": client_id,
        "sub": client_id,
        "jti": str(uuid.uuid4()),
        "iat": issued,
        "nbf": issued,
        "exp": issued + ASSERTION_LIFETIME,
    }
    signing_input = (
        _b64url(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + _b64url(json.dumps(payload, separators=(",", ":")).encode())
    )
    scheme: Any = (
        padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=hashes.SHA256.digest_size)
        if algorithm == "PS256"
        else padding.PKCS1v15()
    )
    signature = certificate.key.sign(signing_input.encode("ascii"), scheme, hashes.SHA256())
    return signing_input + "." + _b64url(signature)
