"""The Entra ID emulator: tenants, apps, token issuance, discovery documents and IMDS."""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import logging
import os
import re
import shutil
import ssl
import tempfile
import threading
import time
import uuid
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from . import _certs
from ._device_code import DeviceCodeMixin
from ._errors import EntraError, entra_timestamp, error_body, new_id
from ._http import ENDPOINT_KINDS, FaultSpec, LoggedRequest, Request, Response, Route, Server
from ._jwt import (
    SUPPORTED_ALGS,
    b64url_decode,
    b64url_encode,
    encode_jwt,
    int_b64,
    split_jwt,
    verify_signature,
)
from ._managed_identity import ManagedIdentityHosts
from ._sign_in import SignInMixin
from ._token_shapes import TOKEN_VERSIONS, access_token_claims, access_token_version, issuer_for, v1_issuer, v2_issuer
from ._user_grants import UserGrantsMixin

if TYPE_CHECKING:
    from ._token_proxy import TokenProxy

__all__ = ["Emulator"]

_log = logging.getLogger(__name__)

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
CLOCK_SKEW = 300
_TENANT_SEG = r"(?P<tenant>[^/]+)"
_META_TENANTS = ("common", "organizations", "consumers")
_OIDC_SCOPES = frozenset({"openid", "profile", "offline_access"})
_OID_NAMESPACE = uuid.UUID("6f0b7f43-5f4e-4d3e-9d7c-2b1f3c9a0e11")

_CLOUD_METADATA = {  # the public cloud's fields of both discovery documents
    "tenant_region_scope": "WW",
    "cloud_instance_name": "microsoftonline.com",
    "cloud_graph_host_name": "graph.windows.net",
    "msgraph_host": "graph.microsoft.com",
    "rbac_url": "https://pas.windows.net",
}

_signing_lock = threading.Lock()
_signing: tuple[rsa.RSAPrivateKey, x509.Certificate, str] | None = None


def _signing_material() -> tuple[rsa.RSAPrivateKey, x509.Certificate, str]:
    """Process-wide token signing key, its self-signed certificate and kid (= x5t)."""
    global _signing
    with _signing_lock:
        if _signing is None:
            key = _certs.cached_rsa_key("token-signing")
            cert = _certs.build_certificate("azauth emulator token signing", key.public_key(), key, days=365)
            _signing = (key, cert, b64url_encode(_certs.thumbprint(cert, "sha1")))
        return _signing


@dataclass
class _App:
    client_id: str
    tenant_id: str
    secrets: list[str] = field(default_factory=list)
    certificates: list[x509.Certificate] = field(default_factory=list)
    multi_tenant: bool = False


@dataclass
class _ManagedIdentity:
    client_id: str
    object_id: str
    resource_id: str
    system_assigned: bool


class Emulator(UserGrantsMixin, SignInMixin, DeviceCodeMixin):
    """A loopback Microsoft Entra ID: HTTPS token/discovery server plus a plain-HTTP IMDS server.

    Access tokens are RS256 JWTs shaped per resource as Entra issues them: v1.0 (``iss`` =
    ``https://sts.windows.net/{tenant_id}/``, ``appid``/``appidacr``) for Microsoft's first-party resources
    (storage, Key Vault, ARM, Graph...), v2.0 (``iss`` = ``{authority}/{tenant_id}/v2.0``, ``azp``/``azpacr``)
    for every other resource; set ``access_token_version`` to "1.0" or "2.0" to force one shape.
    """

    def __init__(
        self,
        *,
        port: int = 0,
        imds_port: int = 0,
        tenant_id: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
    ) -> None:
        """``port``: the HTTPS (Entra ID) port, ``imds_port`` the managed-identity (IMDS) one, 0 for any free
        one. ``tenant_id``, ``client_id`` and ``client_secret`` name the default tenant and app (random when not
        given), so a configuration written for one run keeps working in the next."""
        for value in (port, imds_port):
            if not 0 <= value <= 65535:
                raise ValueError(f"a port is between 0 and 65535, not {value}")
        self._port, self._imds_port = port, imds_port
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._servers: list[tuple[Server, threading.Thread]] = []
        self._https: Server | None = None
        self._imds: Server | None = None
        self._tmpdir: str | None = None
        self._ca_path: str | None = None
        self._token_proxy: TokenProxy | None = None
        self._ca_bundle_path: str | None = None
        self._tenants: set[str] = set()
        self._aliases: dict[str, str] = {}
        self._apps: dict[str, _App] = {}
        self._identities: list[_ManagedIdentity] = []
        self._used_jti: dict[str, float] = {}
        self._faults: dict[str, deque[list[Any]]] = {}
        self._log_entries: list[LoggedRequest] = []
        self.token_lifetime: int = 3600
        self.refresh_in: int | None = None
        self.token_delay: float = 0.0
        self._access_token_version: str | None = None
        self._init_user_grants()
        self._init_sign_in()
        self._init_device_codes()
        self.tenant_id: str = self.add_tenant(tenant_id)
        self.client_secret: str = client_secret or "emu~" + uuid.uuid4().hex
        self.client_id: str = self.add_app(client_id=client_id, secrets=[self.client_secret])
        self.managed_identity_client_id: str = self._add_identity(system_assigned=True)
        self.mi = ManagedIdentityHosts(self)
        """Managed-identity hosts besides IMDS (App Service, Service Fabric, Azure Arc, Azure ML, Cloud Shell)."""

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> Emulator:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> Emulator:
        """Generate TLS material and start both servers in daemon threads."""
        with self._lock:
            if self._servers:
                raise RuntimeError("emulator already started")
            self._stopping.clear()
            self._tmpdir = tempfile.mkdtemp(prefix="azauth-emulator-")
            try:
                ctx = self._make_tls()
                self._https = Server(self, self._https_routes(), ctx, self._port)
                self._imds = Server(self, self._imds_routes(), None, self._imds_port)
                extra = self.mi.start(self._tmpdir)
            except BaseException:
                shutil.rmtree(self._tmpdir, ignore_errors=True)
                self._tmpdir = None
                raise
            for srv in (self._https, self._imds, *extra):
                thread = threading.Thread(
                    target=srv.serve,
                    daemon=True,
                    name="azauth-emulator",
                )
                thread.start()
                self._servers.append((srv, thread))
        return self

    def stop(self) -> None:
        """Stop servers, end live connections and delete the TLS files; idempotent."""
        with self._lock:
            servers, self._servers = self._servers, []
            self._token_proxy = None
            tmpdir, self._tmpdir = self._tmpdir, None
        self._stopping.set()
        self.mi.stop()
        for srv, _ in servers:
            srv.stop_serving()
        for srv, thread in servers:
            thread.join(timeout=2)
            srv.close_connections()
            srv.server_close()
        if tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)

    def _make_tls(self) -> ssl.SSLContext:
        assert self._tmpdir is not None
        ca_key = _certs.cached_rsa_key("tls-ca")
        ca_cert = _certs.build_certificate("azauth emulator CA", ca_key.public_key(), ca_key, ca=True)
        server_key = _certs.cached_rsa_key("tls-server")
        server_cert = _certs.build_certificate(
            "127.0.0.1",
            server_key.public_key(),
            ca_key,
            issuer_cert=ca_cert,
            server_names=("127.0.0.1", "localhost"),
        )
        self._ca_path = os.path.join(self._tmpdir, "ca.pem")
        cert_path = os.path.join(self._tmpdir, "server.pem")
        key_path = os.path.join(self._tmpdir, "server-key.pem")
        with open(self._ca_path, "wb") as f:
            f.write(_certs.pem(ca_cert))
        self._ca_bundle_path = os.path.join(self._tmpdir, "ca-bundle.pem")
        with open(self._ca_bundle_path, "wb") as f:
            f.write(_certs.system_ca_pem() + _certs.pem(ca_cert))
        with open(cert_path, "wb") as f:
            f.write(_certs.pem(server_cert) + _certs.pem(ca_cert))
        with open(key_path, "wb") as f:
            f.write(_certs.key_pem(server_key))
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(cert_path, key_path)
        return ctx

    def token_proxy(self, *, sni_name: str | None = None) -> TokenProxy:
        """Start (once) and return the AKS identity-binding token proxy in front of the token endpoint; its
        ``environ()`` gives the ``AZURE_KUBERNETES_*`` variables that point a workload at it."""
        from ._token_proxy import DEFAULT_SNI_NAME, TokenProxy

        with self._lock:
            if self._token_proxy is None:
                if not self._servers or self._tmpdir is None:
                    raise RuntimeError("emulator is not running; call start() or use it as a context manager")
                proxy = TokenProxy(self, self._tmpdir, sni_name=sni_name or DEFAULT_SNI_NAME)
                thread = threading.Thread(target=proxy.server.serve, daemon=True, name="azauth-emulator")
                thread.start()
                self._servers.append((proxy.server, thread))
                self._token_proxy = proxy
            return self._token_proxy

    def _require(self, server: Server | None) -> Server:
        if server is None or not self._servers:
            raise RuntimeError("emulator is not running; call start() or use it as a context manager")
        return server

    # ------------------------------------------------------------------ public properties

    @property
    def authority(self) -> str:
        """``https://127.0.0.1:<port>``."""
        return f"https://127.0.0.1:{self._require(self._https).port}"

    @property
    def imds_endpoint(self) -> str:
        """``http://127.0.0.1:<port>`` of the managed-identity (IMDS) server."""
        return f"http://127.0.0.1:{self._require(self._imds).port}"

    @property
    def ca_path(self) -> str:
        """Path of the PEM CA certificate that signed the HTTPS server certificate."""
        self._require(self._https)
        assert self._ca_path is not None
        return self._ca_path

    @property
    def ca_bundle_path(self) -> str:
        """Path of a PEM bundle of the system's CA certificates plus the emulator's CA: what ``environ()`` tells
        clients to trust, so that other HTTPS connections made with that environment still verify."""
        self._require(self._https)
        assert self._ca_bundle_path is not None
        return self._ca_bundle_path

    def environ(self) -> dict[str, str]:
        """Environment variables pointing azure-identity style clients at the emulator.

        ``REQUESTS_CA_BUNDLE`` and ``SSL_CERT_FILE`` name :attr:`ca_bundle_path` (system CAs plus the emulator's);
        an azauth credential given ``environ=emu.environ()`` trusts it from that mapping."""
        return {
            "AZURE_AUTHORITY_HOST": self.authority,
            "AZURE_TENANT_ID": self.tenant_id,
            "AZURE_CLIENT_ID": self.client_id,
            "AZURE_CLIENT_SECRET": self.client_secret,
            "REQUESTS_CA_BUNDLE": self.ca_bundle_path,
            "SSL_CERT_FILE": self.ca_bundle_path,
            "AZURE_POD_IDENTITY_AUTHORITY_HOST": self.imds_endpoint,
        }

    def managed_identity_environ(self, host: str = "imds") -> dict[str, str]:
        """Environment variables selecting a managed-identity ``host``: imds, app_service, service_fabric,
        azure_arc, azure_ml, cloud_shell or workload_identity (see ``emu.mi`` for its knobs)."""
        return self.mi.environ(host)

    @property
    def access_token_version(self) -> str | None:
        """None (the default): each access token has the version Entra issues for its resource (see
        ``_token_shapes.access_token_version``); "1.0" or "2.0": every access token has that version."""
        return self._access_token_version

    @access_token_version.setter
    def access_token_version(self, version: str | None) -> None:
        if version is not None and version not in TOKEN_VERSIONS:
            raise ValueError(f"access_token_version must be None, '1.0' or '2.0', not {version!r}")
        self._access_token_version = version

    def server_certificate_paths(self) -> tuple[str, str]:
        """(certificate chain PEM, private key PEM) of the emulator's loopback TLS server certificate, signed
        by the CA at ``ca_path`` and valid for 127.0.0.1 and localhost: serve other loopback HTTPS fakes
        (Azurite, a fake Key Vault) with it and one CA file trusts them all. The files live until ``stop()``."""
        self._require(self._https)
        assert self._tmpdir is not None
        return os.path.join(self._tmpdir, "server.pem"), os.path.join(self._tmpdir, "server-key.pem")

    @property
    def jwks(self) -> dict[str, Any]:
        """The published JSON Web Key Set (one RSA signing key)."""
        return {"keys": [self._jwk()]}

    # ------------------------------------------------------------------ registration

    def add_tenant(self, tenant_id: str | None = None, *, domain: str | None = None) -> str:
        """Register a tenant (random GUID when ``tenant_id`` is None); ``domain`` becomes a URL alias."""
        tid = (tenant_id or str(uuid.uuid4())).lower()
        if not tid or "/" in tid or tid in _META_TENANTS:
            raise ValueError(f"invalid tenant id {tenant_id!r}")
        with self._lock:
            self._tenants.add(tid)
            if domain:
                self._aliases[domain.lower()] = tid
        return tid

    def add_app(
        self,
        tenant_id: str | None = None,
        *,
        client_id: str | None = None,
        secrets: Sequence[str] = (),
        certificates: Sequence[bytes] = (),
        multi_tenant: bool = False,
    ) -> str:
        """Register an app (confidential client) in ``tenant_id`` (default tenant); returns its client id."""
        with self._lock:
            tid = self._resolve_tenant(tenant_id or self.tenant_id)
            if tid is None:
                raise ValueError(f"unknown tenant {tenant_id!r}")
            cid = (client_id or str(uuid.uuid4())).lower()
            self._apps[cid] = _App(cid, tid, multi_tenant=multi_tenant)
        for secret in secrets:
            self.add_secret(cid, secret)
        for cert in certificates:
            self.add_certificate(cid, cert)
        return cid

    def add_secret(self, client_id: str, secret: str) -> None:
        """Add a client secret to a registered app."""
        with self._lock:
            self._app(client_id).secrets.append(secret)

    def add_certificate(self, client_id: str, pem_cert: bytes) -> None:
        """Add a PEM public certificate (first one in ``pem_cert``) to a registered app."""
        cert = x509.load_pem_x509_certificate(pem_cert)
        with self._lock:
            self._app(client_id).certificates.append(cert)

    def add_managed_identity(
        self, *, client_id: str | None = None, object_id: str | None = None, resource_id: str | None = None
    ) -> str:
        """Register a user-assigned managed identity for the IMDS server; returns its client id."""
        return self._add_identity(
            system_assigned=False, client_id=client_id, object_id=object_id, resource_id=resource_id
        )

    def _add_identity(
        self,
        *,
        system_assigned: bool,
        client_id: str | None = None,
        object_id: str | None = None,
        resource_id: str | None = None,
    ) -> str:
        cid = client_id or str(uuid.uuid4())
        name = "system" if system_assigned else cid[:8]
        rid = resource_id or (
            f"/subscriptions/{uuid.UUID(int=0)}/resourceGroups/emulator/providers/"
            f"Microsoft.ManagedIdentity/userAssignedIdentities/{name}"
        )
        with self._lock:
            self._identities.append(_ManagedIdentity(cid, object_id or str(uuid.uuid4()), rid, system_assigned))
        return cid

    def _app(self, client_id: str) -> _App:
        app = self._apps.get(client_id.lower())
        if app is None:
            raise KeyError(f"unknown client id {client_id!r}")
        return app

    def _resolve_tenant(self, segment: str) -> str | None:
        key = segment.lower()
        with self._lock:
            if key in self._tenants:
                return key
            return self._aliases.get(key)

    # ------------------------------------------------------------------ request log and faults

    @property
    def requests(self) -> list[LoggedRequest]:
        """Snapshot of the request log."""
        with self._lock:
            return list(self._log_entries)

    def clear_requests(self) -> None:
        """Empty the request log."""
        with self._lock:
            self._log_entries.clear()

    def count(self, endpoint: str = "token") -> int:
        """Number of logged requests to ``endpoint`` kind."""
        with self._lock:
            return sum(1 for r in self._log_entries if r.endpoint == endpoint)

    def fault(
        self,
        endpoint: str,
        *,
        status: int = 500,
        headers: Mapping[str, str] | None = None,
        body: bytes | str | dict[str, Any] | None = None,
        delay: float = 0.0,
        drop: bool = False,
        times: int = 1,
    ) -> None:
        """Queue a fault for ``endpoint`` kind, used ``times`` times (FIFO) before normal behaviour resumes.

        ``drop`` closes the connection unanswered; ``status=0`` with ``delay`` delays a normal answer.
        """
        if endpoint not in ENDPOINT_KINDS:
            raise ValueError(f"unknown endpoint kind {endpoint!r}; expected one of {ENDPOINT_KINDS}")
        if times < 1:
            raise ValueError("times must be >= 1")
        if isinstance(body, dict):
            raw: bytes | None = json.dumps(body).encode()
        elif isinstance(body, str):
            raw = body.encode()
        else:
            raw = body
        spec = FaultSpec(endpoint, status, tuple((headers or {}).items()), raw, delay, drop, times)
        with self._lock:
            self._faults.setdefault(endpoint, deque()).append([spec, times])

    def _take_fault(self, endpoint: str) -> FaultSpec | None:
        with self._lock:
            queue = self._faults.get(endpoint)
            if not queue:
                return None
            entry = queue[0]
            entry[1] -= 1
            if entry[1] <= 0:
                queue.popleft()
            spec: FaultSpec = entry[0]
            return spec

    def _log(self, entry: LoggedRequest) -> None:
        with self._lock:
            self._log_entries.append(entry)

    def _sleep(self, seconds: float) -> bool:
        """Sleep unless the emulator stops meanwhile; False when stopping."""
        return not self._stopping.wait(seconds)

    def _fault_response(self, fault: FaultSpec, request: Request) -> Response:
        if fault.body is None and fault.status >= 400:
            err = EntraError(
                fault.status,
                "temporarily_unavailable" if fault.status in (429, 503) else "server_error",
                90033 if fault.status in (429, 503) else 50000,
                "A transient error has occurred. Please try again."
                if fault.status in (429, 503)
                else "There was an error issuing a token or an issue with our sign-in service.",
            )
            response = self._error(request, err)
        else:
            response = Response(fault.status, fault.body or b"", [("Content-Type", "application/json; charset=utf-8")])
        override = {k.lower() for k, _ in fault.headers}
        response.headers = [h for h in response.headers if h[0].lower() not in override] + list(fault.headers)
        return response

    # ------------------------------------------------------------------ dispatch helpers

    def _run(self, route: Route, request: Request) -> Response | None:
        if route.endpoint in ("token", "imds") and self.token_delay > 0 and not self._sleep(self.token_delay):
            return None
        try:
            return route.handler(request)
        except EntraError as err:
            return self._error(request, err)
        except Exception:  # an emulator bug: answer 500 rather than dropping the connection
            _log.exception("emulator handler for %s failed", request.path)
            return self._error(
                request, EntraError(500, "server_error", 50000, "The emulator failed to handle the request.")
            )

    def _ids(self, request: Request) -> tuple[str, str, list[tuple[str, str]]]:
        trace_id = new_id()
        corr = request.correlation_id or new_id()
        headers = [("x-ms-request-id", trace_id), ("x-ms-ests-server", "azauth-emulator")]
        if request.correlation_id:
            headers.append(("client-request-id", request.correlation_id))
        return trace_id, corr, headers

    def _ok(self, request: Request, payload: Mapping[str, Any]) -> Response:
        _, _, headers = self._ids(request)
        return Response.json(200, payload, headers)

    def _error(self, request: Request, err: EntraError) -> Response:
        trace_id, corr, headers = self._ids(request)
        authority = f"https://127.0.0.1:{self._https.port}" if self._https else "https://127.0.0.1"
        body = error_body(authority, err, trace_id=trace_id, correlation_id=corr)
        return Response.json(err.status, body, headers)

    def _not_found(self, request: Request) -> Response:
        return self._error(request, EntraError(404, "not_found", 90010, f"The path '{request.path}' is not supported."))

    def _method_not_allowed(self, request: Request) -> Response:
        return self._error(
            request,
            EntraError(405, "invalid_request", 90056, f"The method '{request.method}' is not supported here."),
        )

    # ------------------------------------------------------------------ HTTPS routes

    def _https_routes(self) -> list[Route]:
        t = _TENANT_SEG
        return [
            Route(
                "GET",
                re.compile(rf"/{t}/v2\.0/\.well-known/openid-configuration"),
                "openid-configuration",
                self._openid_configuration,
            ),
            Route(
                "GET",
                re.compile(rf"/{t}/\.well-known/openid-configuration"),
                "openid-configuration",
                self._openid_configuration_v1,
            ),
            Route(
                "GET",
                re.compile(r"/common/discovery/instance"),
                "instance-discovery",
                self._instance_discovery,
            ),
            Route("GET", re.compile(rf"/{t}/discovery/(?:v2\.0/)?keys"), "jwks", self._keys),
            Route("POST", re.compile(rf"/{t}/oauth2/v2\.0/token"), "token", self._token),
            *self._user_grant_routes(),
            *self._device_code_routes(),
        ]

    def _tenant_or_error(self, segment: str, error: str = "invalid_request") -> str:
        tid = self._resolve_tenant(segment)
        if tid is None:
            raise EntraError(
                400,
                error,
                90002,
                f"Tenant '{segment}' not found. Check to make sure you have the correct tenant ID and are "
                "signing "
                "into the correct cloud. Check with your subscription administrator, this may happen if "
                "there "
                "are no active subscriptions for the tenant.",
            )
        return tid

    def _path_tenant(self, request: Request, error: str) -> tuple[str, str]:
        """(tenant id or '{tenantid}' placeholder for meta tenants, tenant path segment)."""
        assert request.match is not None
        segment = request.match.group("tenant")
        if segment.lower() in _META_TENANTS:
            return "{tenantid}", segment.lower()
        tid = self._tenant_or_error(segment, error)
        return tid, tid

    def _openid_configuration(self, request: Request) -> Response:
        tid, seg = self._path_tenant(request, "invalid_tenant")
        base = f"{self.authority}/{seg}"
        doc = {
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": [
                "client_secret_post",
                "private_key_jwt",
                "client_secret_basic",
            ],
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": v2_issuer(self.authority, tid),
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": f"{self.authority}/oidc/userinfo",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
            "claims_supported": [
                "sub",
                "iss",
                "cloud_instance_name",
                "cloud_instance_host_name",
                "cloud_graph_host_name",
                "msgraph_host",
                "aud",
                "exp",
                "iat",
                "auth_time",
                "acr",
                "nonce",
                "preferred_username",
                "name",
                "tid",
                "ver",
                "at_hash",
                "c_hash",
                "email",
            ],
            "kerberos_endpoint": f"{base}/kerberos",
            **_CLOUD_METADATA,
        }
        return self._ok(request, doc)

    def _openid_configuration_v1(self, request: Request) -> Response:
        """``/{tenant}/.well-known/openid-configuration``: the v1.0 document, whose issuer is that of the v1.0
        access tokens (``https://sts.windows.net/{tenant}/``); both documents' keys validate both versions."""
        tid, seg = self._path_tenant(request, "invalid_tenant")
        base = f"{self.authority}/{seg}"
        doc = {
            "token_endpoint": f"{base}/oauth2/token",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": f"{base}/discovery/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "token id_token", "token"],
            "scopes_supported": ["openid"],
            "issuer": v1_issuer(tid),
            "microsoft_multi_refresh_token": True,
            "authorization_endpoint": f"{base}/oauth2/authorize",
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "end_session_endpoint": f"{base}/oauth2/logout",
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "acr", "amr", "nonce", "tid", "ver"],
            **_CLOUD_METADATA,
        }
        return self._ok(request, doc)

    def _instance_discovery(self, request: Request) -> Response:
        host = urlsplit(self.authority).netloc
        auth_endpoint = request.query.get("authorization_endpoint", "")
        tenant = "common"
        if auth_endpoint:
            parts = urlsplit(auth_endpoint)
            if parts.netloc.lower() != host:
                trace_id, corr, headers = self._ids(request)
                body = error_body(
                    self.authority,
                    EntraError(400, "invalid_instance", 50049, "Unknown or invalid instance."),
                    trace_id=trace_id,
                    correlation_id=corr,
                )
                return Response.json(400, body, headers)
            segments = [s for s in parts.path.split("/") if s]
            if segments:
                tenant = segments[0]
        doc = {
            "tenant_discovery_endpoint": f"{self.authority}/{tenant}/v2.0/.well-known/openid-configuration",
            "api-version": request.query.get("api-version", "1.1"),
            "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}],
        }
        return self._ok(request, doc)

    def _jwk(self, issuer_tenant: str | None = None) -> dict[str, Any]:
        _, cert, kid = _signing_material()
        public = cert.public_key()
        assert isinstance(public, rsa.RSAPublicKey)
        numbers = public.public_numbers()
        jwk: dict[str, Any] = {
            "kty": "RSA",
            "use": "sig",
            "kid": kid,
            "x5t": kid,
            "n": int_b64(numbers.n),
            "e": int_b64(numbers.e),
            "x5c": [_x5c_entry(cert)],
        }
        if issuer_tenant is not None and self._https is not None:
            jwk["issuer"] = v2_issuer(self.authority, issuer_tenant)
        return jwk

    def _keys(self, request: Request) -> Response:
        tid, _ = self._path_tenant(request, "invalid_tenant")
        return self._ok(request, {"keys": [self._jwk(tid)]})

    # ------------------------------------------------------------------ token endpoint

    def _token(self, request: Request) -> Response:
        assert request.match is not None
        handled = self._user_grant(request)  # OBO, authorization code, refresh token, password: _user_grants.py
        if handled is not None:
            return handled
        segment = request.match.group("tenant")
        if segment.lower() in _META_TENANTS:
            raise EntraError(
                400,
                "invalid_request",
                50059,
                "No tenant-identifying information found in either the request or implied by any provided credentials.",
            )
        tid = self._tenant_or_error(segment)
        form = request.form
        grant = form.get("grant_type")
        if not grant:
            raise _missing("grant_type")
        if grant != "client_credentials":
            raise EntraError(
                400,
                "unsupported_grant_type",
                70003,
                f"The app requested an unsupported grant type '{grant}'.",
            )
        app = self._find_client(request, segment, tid)  # _user_grants.py: shared with the user grants
        resource = self._resource_from_scope(form.get("scope"))
        acr = self._authenticate_client(request, app, segment, tid, required=True)
        cae = _wants_cae(form.get("claims"))
        token, lifetime = self._issue(
            tid,
            app.client_id,
            _oid(tid, app.client_id),
            resource,
            {"appidacr": acr, "azpacr": acr, "idtyp": "app", **({"xms_cc": ["CP1"]} if cae else {})},
        )
        payload: dict[str, Any] = {
            "token_type": "Bearer",
            "expires_in": lifetime,
            "ext_expires_in": lifetime,
            "access_token": token,
        }
        if self.refresh_in is not None:
            payload["refresh_in"] = self.refresh_in
        return self._ok(request, payload)

    def _resource_from_scope(self, scope: str | None) -> str:
        if scope is None:
            raise _missing("scope")
        scopes = [s for s in scope.split() if s.lower() not in _OIDC_SCOPES]
        bad = [s for s in scopes if not s.endswith("/.default") or len(s) <= len("/.default")]
        if not scopes or bad:
            raise EntraError(
                400,
                "invalid_scope",
                1002012,
                f"The provided value for scope {scope} is not valid. Client credential flows must have a "
                "scope "
                "value with /.default suffixed to the resource identifier (application ID URI).",
            )
        resources = {s[: -len("/.default")] for s in scopes}
        if len(resources) > 1:
            raise EntraError(
                400,
                "invalid_scope",
                28000,
                f"Provided value for the input parameter scope '{scope}' is not valid because it contains "
                "more than one resource. Scope " + " ".join(sorted(scopes)) + " is not valid.",
            )
        return resources.pop()

    def _verify_assertion(self, assertion: str, app: _App, request: Request, segment: str, tid: str) -> None:
        if self._verify_federated_assertion(assertion, app):  # workload identity, pipelines: _user_grants.py
            return
        try:
            header, claims, signing_input, signature = split_jwt(assertion)
        except ValueError as ex:
            raise EntraError(
                401, "invalid_client", 50027, f"JWT token is invalid or malformed. [Reason - {ex}]"
            ) from ex
        alg = header.get("alg")
        if alg not in SUPPORTED_ALGS:
            raise EntraError(401, "invalid_client", 50027, f"Invalid JWT token. Unsupported signing algorithm '{alg}'.")
        with self._lock:
            certs = list(app.certificates)
        candidates = _select_certificates(header, certs)
        if not candidates or not any(
            verify_signature(str(alg), c.public_key(), signing_input, signature) for c in candidates
        ):
            reason = "The key was not found." if not candidates else "Signature validation failed."
            raise EntraError(
                401,
                "invalid_client",
                700027,
                f"Client assertion failed signature validation. [Reason - {reason}, Thumbprint of key "
                "used by "
                f"client: '{_thumb_header(header)}', Please visit the Azure Portal, Graph Explorer or "
                "directly use "
                f"MS Graph to see configured keys for app Id '{app.client_id}'.]",
            )
        iss, sub = claims.get("iss"), claims.get("sub")
        if iss != sub or str(sub).lower() != app.client_id:
            raise EntraError(
                401,
                "invalid_client",
                700021,
                "Client assertion application identifier doesn't match 'client_id' parameter (iss and "
                "sub must "
                "both be the client id).",
            )
        auds = {f"{self.authority}/{s}/oauth2/v2.0/token".lower() for s in (segment, tid, *self._domains(tid))}
        aud = claims.get("aud")
        if not isinstance(aud, str) or aud.lower() not in auds:
            raise EntraError(
                401,
                "invalid_client",
                700212,
                f"Client assertion audience claim does not match Realm issuer. Review the documentation at "
                "https://learn.microsoft.com/entra/identity-platform/certificate-credentials . Provided "
                "value "
                f"'{aud}' does not match the token endpoint '{self.authority}/{tid}/oauth2/v2.0/token'.",
            )
        now = time.time()
        exp, nbf = claims.get("exp"), claims.get("nbf")
        if not isinstance(exp, (int, float)) or exp <= now:
            raise EntraError(
                401,
                "invalid_client",
                700024,
                f"Client assertion is not within its valid time range. Current time: {entra_timestamp()}, "
                f"assertion valid until: {exp}.",
            )
        if nbf is not None and (not isinstance(nbf, (int, float)) or nbf > now + CLOCK_SKEW):
            raise EntraError(
                401,
                "invalid_client",
                700024,
                f"Client assertion is not within its valid time range. Current time: {entra_timestamp()}, "
                f"assertion valid from: {nbf}.",
            )
        jti = claims.get("jti")
        if not isinstance(jti, str) or not jti:
            raise EntraError(401, "invalid_client", 50027, "Invalid JWT token. The 'jti' claim is required.")
        key = f"{app.client_id}:{jti}"
        with self._lock:
            self._used_jti = {k: v for k, v in self._used_jti.items() if v > now}
            if key in self._used_jti:
                raise EntraError(
                    401,
                    "invalid_client",
                    700024,
                    "Client assertion contains a 'jti' that was already used (replayed assertion).",
                )
            self._used_jti[key] = float(exp) + CLOCK_SKEW

    def _domains(self, tid: str) -> list[str]:
        with self._lock:
            return [d for d, t in self._aliases.items() if t == tid]

    def _issue(self, tid: str, client_id: str, oid: str, aud: str, extra: Mapping[str, Any]) -> tuple[str, int]:
        """Mint an access token for ``aud``, shaped as the version Entra issues for it (``_token_shapes``)."""
        key, _, kid = _signing_material()
        lifetime = int(self.token_lifetime)
        claims = access_token_claims(
            access_token_version(aud, self._access_token_version),
            authority=self.authority,
            tenant_id=tid,
            client_id=client_id,
            object_id=oid,
            audience=aud,
            issued_at=int(time.time()),
            lifetime=lifetime,
            token_id=b64url_encode(uuid.uuid4().bytes),
            extra=extra,
        )
        return encode_jwt(claims, key, {"kid": kid, "x5t": kid}), lifetime

    def decode_token(self, token: str, *, audience: str | None = None) -> dict[str, Any]:
        """Verify an emulator-issued v1.0 or v2.0 token (RS256 signature, exp, nbf, the issuer its ``ver``
        implies, optional aud); return its claims.

        Raises ValueError when the token is invalid.
        """
        header, claims, signing_input, signature = split_jwt(token)
        _, cert, kid = _signing_material()
        if header.get("alg") != "RS256" or header.get("kid") != kid:
            raise ValueError("token not signed by the emulator key")
        if not verify_signature("RS256", cert.public_key(), signing_input, signature):
            raise ValueError("invalid token signature")
        now = time.time()
        if not isinstance(claims.get("exp"), (int, float)) or claims["exp"] <= now:
            raise ValueError("token expired")
        if isinstance(claims.get("nbf"), (int, float)) and claims["nbf"] > now + CLOCK_SKEW:
            raise ValueError("token not yet valid")
        tid, version = str(claims.get("tid", "")), claims.get("ver")
        if version not in TOKEN_VERSIONS:
            raise ValueError(f"unexpected token version {version!r}")
        if self._resolve_tenant(tid) is None or claims.get("iss") != issuer_for(str(version), self.authority, tid):
            raise ValueError(f"unexpected issuer {claims.get('iss')!r} for a v{version} token")
        if audience is not None and claims.get("aud") != audience:
            raise ValueError(f"audience {claims.get('aud')!r} != {audience!r}")
        return claims

    # ------------------------------------------------------------------ managed identity (IMDS)

    def _imds_routes(self) -> list[Route]:
        """Routes of the plain-HTTP managed identity server; other MI hosts can be added here."""
        return [Route("GET", re.compile(r"/metadata/identity/oauth2/token"), "imds", self._imds_token)]

    def _imds_token(self, request: Request) -> Response:
        def bad(description: str) -> Response:
            return Response.json(400, {"error": "invalid_request", "error_description": description})

        if request.headers.get("metadata", "").lower() != "true":
            return bad("Required metadata header not specified")
        query = request.query
        if not query.get("api-version"):
            return bad("Required query variable 'api-version' is missing")
        resource = query.get("resource")
        if not resource:
            return bad("Required query variable 'resource' is missing")
        identity = self._find_identity(query.get("client_id"), query.get("object_id"), query.get("msi_res_id"))
        if identity is None:
            return bad("Identity not found")
        now = int(time.time())
        extra = {"idtyp": "app", "xms_mirid": identity.resource_id}
        token, lifetime = self._issue(self.tenant_id, identity.client_id, identity.object_id, resource, extra)
        payload = {
            "access_token": token,
            "client_id": identity.client_id,
            "expires_in": str(lifetime),
            "expires_on": str(now + lifetime),
            "ext_expires_in": str(lifetime),
            "not_before": str(now),
            "resource": resource,
            "token_type": "Bearer",
        }
        return Response.json(200, payload)

    def _find_identity(
        self, client_id: str | None, object_id: str | None, resource_id: str | None
    ) -> _ManagedIdentity | None:
        with self._lock:
            for mi in self._identities:
                if client_id and mi.client_id.lower() == client_id.lower():
                    return mi
                if object_id and mi.object_id.lower() == object_id.lower():
                    return mi
                if resource_id and mi.resource_id.lower() == resource_id.lower():
                    return mi
                if not (client_id or object_id or resource_id) and mi.system_assigned:
                    return mi
        return None


def _missing(name: str) -> EntraError:
    return EntraError(
        400, "invalid_request", 900144, f"The request body must contain the following parameter: '{name}'."
    )


def _oid(tid: str, client_id: str) -> str:
    """Stable object id of the app's service principal in ``tid``."""
    return str(uuid.uuid5(_OID_NAMESPACE, f"{tid}/{client_id}"))


def _wants_cae(claims: str | None) -> bool:
    if not claims:
        return False
    try:
        parsed = json.loads(claims)
    except ValueError as ex:
        raise EntraError(400, "invalid_request", 90014, "The 'claims' parameter is not valid JSON.") from ex
    values = ((parsed if isinstance(parsed, dict) else {}).get("access_token") or {}).get("xms_cc") or {}
    return isinstance(values, dict) and "CP1" in (values.get("values") or [])


def _thumb_header(header: Mapping[str, Any]) -> str:
    for name in ("x5t#S256", "x5t"):
        value = header.get(name)
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                return b64url_decode(value).hex().upper()
    return ""


def _select_certificates(header: Mapping[str, Any], certs: list[x509.Certificate]) -> list[x509.Certificate]:
    """Registered certificates the assertion may be signed with.

    Matches ``x5t#S256`` / ``x5t`` thumbprints when present; an ``x5c`` leaf must itself be a registered
    certificate (no chain building to a registered CA).
    """
    selected = certs
    for name, algorithm in (("x5t#S256", "sha256"), ("x5t", "sha1")):
        value = header.get(name)
        if isinstance(value, str):
            try:
                digest = b64url_decode(value)
            except ValueError:
                return []
            selected = [c for c in selected if _certs.thumbprint(c, algorithm) == digest]
    x5c = header.get("x5c")
    if x5c is not None:
        if not isinstance(x5c, list) or not x5c or not isinstance(x5c[0], str):
            return []
        try:
            leaf_der = _std_b64decode("".join(x5c[0].split()))
        except ValueError:
            return []
        selected = [c for c in selected if c.public_bytes(serialization.Encoding.DER) == leaf_der]
    return selected


def _std_b64decode(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as ex:
        raise ValueError("invalid base64") from ex


def _x5c_entry(cert: x509.Certificate) -> str:
    """Standard base64 of a certificate DER (JWK ``x5c`` entry)."""
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode("ascii")
