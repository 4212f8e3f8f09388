"""A loopback HTTPS resource server for the end-to-end tests: a small Key Vault (secrets), an Azure OpenAI
chat-completions endpoint and ``/whoami``. It authenticates callers as the real services do: bearer tokens
validated against the issuer and keys the emulator's discovery document publishes (fetched over HTTPS),
a ``WWW-Authenticate`` challenge naming the tenant, and CAE claims challenges for revoked tokens."""

from __future__ import annotations

import base64
import json
import re
import ssl
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from azauth.emulator import Emulator

VAULT = "https://vault.azure.net"
COGNITIVE = "https://cognitiveservices.azure.com"


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Rejected(Exception):
    """A bearer token the server does not accept; the message says why."""


@dataclass
class Seen:
    """One request as the fake service answered it."""

    method: str
    path: str
    outcome: str  # "challenge", "claims-challenge", "ok" or "rejected: <reason>"
    claims: dict[str, Any] | None = None


class FakeServices:
    """Key Vault, Azure OpenAI and ``/whoami`` on one loopback HTTPS port (certificate from the emulator's CA).

    :param tenant_id: the tenant the vault lives in (named in its challenge; tokens must come from it).
    :param whoami_audience: the audience ``/whoami`` accepts (a v2.0 resource by default: ``api://<client>``).
    """

    def __init__(self, emu: Emulator, *, tenant_id: str | None = None, whoami_audience: str | None = None) -> None:
        self.emu = emu
        self.tenant_id = tenant_id or emu.tenant_id
        self.whoami_audience = whoami_audience or f"api://{emu.client_id}"
        self.seen: list[Seen] = []
        self.secrets: dict[str, tuple[str, str]] = {}
        self._revoked: set[str] = set()
        self._revoked_at = 0
        self._known_tokens: set[str] = set()
        self._discovery: dict[str, tuple[str, dict[str, Any]]] = {}
        self._lock = threading.Lock()
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*emu.server_certificate_paths())
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True, name="fake-services"
        )  # a short poll interval: shutdown() returns promptly

    def __enter__(self) -> FakeServices:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self._server.server_address[1]}"

    def outcomes(self) -> list[str]:
        with self._lock:
            return [s.outcome for s in self.seen]

    def revoke(self) -> None:
        """An administrator revokes the caller's sessions: every token seen so far is refused from now on, with a
        claims challenge to CAE-capable clients."""
        with self._lock:
            self._revoked |= self._known_tokens
            self._revoked_at = int(time.time())

    # ------------------------------------------------------------------ token validation

    def _keys(self, version: str) -> tuple[str, dict[str, Any]]:
        """(issuer, JWKS) from the tenant's v1.0 or v2.0 discovery document, fetched once."""
        with self._lock:
            cached = self._discovery.get(version)
        if cached is None:
            path = ".well-known/openid-configuration" if version == "1.0" else "v2.0/.well-known/openid-configuration"
            doc = requests.get(f"{self.emu.authority}/{self.tenant_id}/{path}", verify=self.emu.ca_path, timeout=10)
            doc.raise_for_status()
            jwks = requests.get(doc.json()["jwks_uri"], verify=self.emu.ca_path, timeout=10).json()
            cached = (doc.json()["issuer"], jwks)
            with self._lock:
                self._discovery[version] = cached
        return cached

    def validate(self, token: str, audience: str) -> dict[str, Any]:
        """The token's claims when it is valid for ``audience``; :class:`Rejected` otherwise."""
        try:
            header_b64, payload_b64, sig_b64 = token.split(".")
            header, claims = json.loads(_b64d(header_b64)), json.loads(_b64d(payload_b64))
        except ValueError as exc:
            raise Rejected("malformed token") from exc
        version = "1.0" if audience in (VAULT, COGNITIVE) else "2.0"  # what Entra issues for each audience
        issuer, jwks = self._keys(version)
        jwk = next((k for k in jwks["keys"] if k.get("kid") == header.get("kid")), None)
        if header.get("alg") != "RS256" or jwk is None:
            raise Rejected(f"unknown signing key {header.get('kid')!r}")
        public = rsa.RSAPublicNumbers(int.from_bytes(_b64d(jwk["e"]), "big"), int.from_bytes(_b64d(jwk["n"]), "big"))
        try:
            public.public_key().verify(
                _b64d(sig_b64), f"{header_b64}.{payload_b64}".encode(), padding.PKCS1v15(), hashes.SHA256()
            )
        except InvalidSignature:
            raise Rejected("bad signature") from None
        now = time.time()
        if claims.get("iss") != issuer or claims.get("ver") != version:
            raise Rejected(f"issuer {claims.get('iss')!r} (v{claims.get('ver')}), expected {issuer!r}")
        if claims.get("aud") not in (audience, audience + "/"):
            raise Rejected(f"audience {claims.get('aud')!r}")
        if not claims.get("nbf", 0) - 300 <= now < claims.get("exp", 0):
            raise Rejected("expired or not yet valid")
        result: dict[str, Any] = claims
        return result

    # ------------------------------------------------------------------ request handling

    def handle(self, method: str, path: str, authorization: str, body: bytes) -> tuple[int, dict[str, str], Any]:
        route = path.split("?", 1)[0]
        audience = VAULT if route.startswith("/secrets/") else COGNITIVE if route.startswith("/openai/") else None
        if audience is None and route == "/whoami":
            audience = self.whoami_audience
        if audience is None:
            return 404, {}, {"error": "not found"}
        if not authorization.startswith("Bearer "):
            return self._record(method, path, "challenge", None, self._challenge(audience))
        token = authorization[len("Bearer ") :]
        try:
            claims = self.validate(token, audience)
        except Rejected as exc:
            return self._record(method, path, f"rejected: {exc}", None, self._challenge(audience))
        with self._lock:
            revoked = claims["uti"] in self._revoked
            if not revoked:
                self._known_tokens.add(claims["uti"])
        if revoked:
            if "CP1" in (claims.get("xms_cc") or []):  # only CAE-capable clients can answer a claims challenge
                return self._record(method, path, "claims-challenge", claims, self._claims_challenge())
            return self._record(method, path, "rejected: revoked", claims, self._challenge(audience))
        return self._record(method, path, "ok", claims, self._serve(method, route, body, claims))

    def _record(
        self,
        method: str,
        path: str,
        outcome: str,
        claims: dict[str, Any] | None,
        reply: tuple[int, dict[str, str], Any],
    ) -> tuple[int, dict[str, str], Any]:
        with self._lock:
            self.seen.append(Seen(method, path, outcome, claims))
        return reply

    def _challenge(self, audience: str) -> tuple[int, dict[str, str], Any]:
        if audience == VAULT:
            value = f'Bearer authorization="{self.emu.authority}/{self.tenant_id}", resource="{VAULT}"'
        else:
            value = f'Bearer authorization_uri="{self.emu.authority}/{self.tenant_id}/oauth2/authorize"'
        body = {"error": {"code": "Unauthorized", "message": "AKV10000: Request is missing a Bearer or PoP token."}}
        return 401, {"WWW-Authenticate": value}, body

    def _claims_challenge(self) -> tuple[int, dict[str, str], Any]:
        claims = {"access_token": {"nbf": {"essential": True, "value": str(self._revoked_at)}}}
        encoded = base64.b64encode(json.dumps(claims).encode()).decode()
        value = (
            f'Bearer realm="", authorization_uri="{self.emu.authority}/common/oauth2/authorize", '
            f'error="insufficient_claims", claims="{encoded}"'
        )
        return 401, {"WWW-Authenticate": value}, {"error": {"code": "Unauthorized", "message": "Token revoked"}}

    def _serve(self, method: str, route: str, body: bytes, claims: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        secret = re.fullmatch(r"/secrets/([\w-]+)(?:/(\w*))?", route)
        if secret and method == "PUT":
            version = uuid.uuid4().hex
            with self._lock:
                self.secrets[secret.group(1)] = (json.loads(body)["value"], version)
            return 200, {}, self._bundle(secret.group(1))
        if secret and method == "GET":
            if secret.group(1) not in self.secrets:
                return 404, {}, {"error": {"code": "SecretNotFound", "message": f"{secret.group(1)} not found"}}
            return 200, {}, self._bundle(secret.group(1))
        if route.startswith("/openai/deployments/") and route.endswith("/chat/completions") and method == "POST":
            request = json.loads(body)
            return 200, {}, _completion(request["model"], f"hello {claims['appid']}")
        if route == "/whoami" and method == "GET":
            return 200, {}, claims
        return 405, {}, {"error": "method not allowed"}

    def _bundle(self, name: str) -> dict[str, Any]:
        value, version = self.secrets[name]
        return {
            "value": value,
            "id": f"{self.url}/secrets/{name}/{version}",
            "attributes": {"enabled": True, "created": 1700000000, "updated": 1700000000, "recoveryLevel": "Purgeable"},
        }


def _completion(model: str, content: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-" + uuid.uuid4().hex,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
    }


def _handler(services: FakeServices) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(min(length, 1 << 20)) if length else b""
            status, headers, payload = services.handle(
                self.command, self.path, self.headers.get("Authorization", ""), body
            )
            data = json.dumps(payload).encode()
            self.send_response(status)
            for name, value in {
                **headers,
                "Content-Type": "application/json",
                "Content-Length": str(len(data)),
            }.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_PUT = do_POST = _answer

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

    return Handler
