"""Key and certificate helpers: cached emulator keys, TLS CA/server certs, test client certificates."""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import threading
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["CertificateBundle", "cached_rsa_key", "make_certificate"]

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

_key_lock = threading.Lock()
_key_cache: dict[str, rsa.RSAPrivateKey] = {}


def cached_rsa_key(purpose: str) -> rsa.RSAPrivateKey:
    """Return a process-wide 2048-bit RSA key for ``purpose`` (generated once, then reused)."""
    with _key_lock:
        key = _key_cache.get(purpose)
        if key is None:
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            _key_cache[purpose] = key
        return key


def system_ca_pem() -> bytes:
    """The PEM certificates this system trusts (OpenSSL's default CA file, else certifi's), or ``b""``."""
    import os
    import ssl

    candidates = [ssl.get_default_verify_paths().cafile, ssl.get_default_verify_paths().openssl_cafile]
    try:
        import certifi

        candidates.append(certifi.where())
    except ImportError:  # pragma: no cover - certifi comes with requests
        pass
    for path in candidates:
        if path and os.path.isfile(path):
            with open(path, "rb") as handle:
                data = handle.read()
            if b"-----BEGIN CERTIFICATE-----" in data:
                return data if data.endswith(b"\n") else data + b"\n"
    return b""


def _new_key(key_type: str, key_size: int) -> PrivateKey:
    if key_type == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    if key_type == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    raise ValueError(f"unsupported key_type {key_type!r} (use 'rsa' or 'ec')")


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "azauth emulator"),
        ]
    )


def build_certificate(
    subject_cn: str,
    public_key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey,
    issuer_key: PrivateKey,
    *,
    issuer_cert: x509.Certificate | None = None,
    ca: bool = False,
    server_names: tuple[str, ...] = (),
    days: int = 30,
) -> x509.Certificate:
    """Build a certificate for ``public_key``, self-signed unless ``issuer_cert`` is given."""
    now = datetime.datetime.now(datetime.timezone.utc)
    subject = _name(subject_cn)
    issuer = issuer_cert.subject if issuer_cert is not None else subject
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    else:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=isinstance(public_key, rsa.RSAPublicKey),
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    if server_names:
        sans: list[x509.GeneralName] = []
        for name in server_names:
            try:
                sans.append(x509.IPAddress(ipaddress.ip_address(name)))
            except ValueError:
                sans.append(x509.DNSName(name))
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def pem(cert: x509.Certificate) -> bytes:
    """PEM encoding of ``cert``."""
    return cert.public_bytes(serialization.Encoding.PEM)


def key_pem(key: PrivateKey, password: bytes | None = None) -> bytes:
    """PKCS#8 PEM of ``key``, encrypted when ``password`` is given."""
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    )
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def thumbprint(cert: x509.Certificate, algorithm: str = "sha1") -> bytes:
    """Raw digest of the certificate DER (``sha1`` or ``sha256``)."""
    return hashlib.new(algorithm, cert.public_bytes(serialization.Encoding.DER)).digest()


@dataclass(frozen=True)
class CertificateBundle:
    """A generated client certificate in every shape azure-identity accepts."""

    cert_pem: bytes
    key_pem: bytes
    pem: bytes
    pkcs12: bytes
    chain_pem: tuple[bytes, ...]
    thumbprint_sha1: str
    thumbprint_sha256: str


def make_certificate(
    common_name: str = "azauth-test",
    *,
    key_type: str = "rsa",
    key_size: int = 2048,
    password: bytes | None = None,
    chain: bool = False,
) -> CertificateBundle:
    """Generate a fresh key and certificate (self-signed, or signed by a new intermediate if ``chain``)."""
    key = _new_key(key_type, key_size)
    intermediate: x509.Certificate | None = None
    if chain:
        root_key = cached_rsa_key("client-root-ca")
        root = build_certificate("azauth test root CA", root_key.public_key(), root_key, ca=True)
        inter_key = cached_rsa_key("client-intermediate-ca")
        intermediate = build_certificate(
            "azauth test intermediate CA", inter_key.public_key(), root_key, issuer_cert=root, ca=True
        )
        leaf = build_certificate(common_name, key.public_key(), inter_key, issuer_cert=intermediate)
    else:
        leaf = build_certificate(common_name, key.public_key(), key)
    chain_certs = (leaf,) if intermediate is None else (leaf, intermediate)
    chain_pems = tuple(pem(c) for c in chain_certs)
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    )
    p12 = pkcs12.serialize_key_and_certificates(
        common_name.encode(), key, leaf, list(chain_certs[1:]) or None, encryption
    )
    private_pem = key_pem(key, password)
    return CertificateBundle(
        cert_pem=chain_pems[0],
        key_pem=private_pem,
        pem=private_pem + b"".join(chain_pems),
        pkcs12=p12,
        chain_pem=chain_pems,
        thumbprint_sha1=thumbprint(leaf, "sha1").hex().upper(),
        thumbprint_sha256=thumbprint(leaf, "sha256").hex().upper(),
    )
