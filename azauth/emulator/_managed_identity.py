"""Managed-identity hosts other than IMDS: App Service, Service Fabric, Azure Arc, Azure ML and Cloud Shell.

Each host validates requests as the real one does (method, api-version, its secret header, the identity
parameter names it knows) and answers in its own shape: App Service and Service Fabric give ``expires_on``
without ``expires_in``, Azure ML gives ``expires_on`` as a date string, Azure Arc challenges first with
``401 WWW-Authenticate: Basic realm=<key file>`` and echoes the identity it used. Identities are the
emulator's managed identities (``Emulator.add_managed_identity``).

Besides the servers there is a *silent* endpoint (accepts connections, never answers) and a *refused*
endpoint (nothing listens), for timeout tests. ``Emulator.managed_identity_environ(host)`` gives the
environment variables that select each host.
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import secrets
import socket
import ssl
import threading
import time
import uuid
from typing import TYPE_CHECKING, Any

from . import _certs
from ._http import Request, Response, Route, Server
from ._jwt import encode_jwt

if TYPE_CHECKING:
    from ._emulator import Emulator, _ManagedIdentity

__all__ = ["MANAGED_IDENTITY_HOSTS", "ManagedIdentityHosts"]

MANAGED_IDENTITY_HOSTS = (
    "imds",
    "app_service",
    "service_fabric",
    "azure_arc",
    "azure_ml",
    "cloud_shell",
    "workload_identity",
)

APP_SERVICE_PATH = "/msi/token"
ARC_PATH = "/arc/metadata/identity/oauth2/token"
AZURE_ML_PATH = "/azureml/msi/token"
CLOUD_SHELL_PATH = "/cloudshell/oauth2/token"
SERVICE_FABRIC_PATH = "/metadata/identity/oauth2/token"


class ManagedIdentityHosts:
    """The emulator's per-host managed-identity endpoints; reach it as ``emu.mi``.

    Knobs: ``arc_supports_user_assigned`` (a legacy Azure Arc agent ignores the identity parameters and
    answers with the system-assigned identity, without echoing it), ``arc_realm`` (override the key file
    path the challenge names), ``azure_ml_date_expiry`` (``expires_on`` as a date string, else epoch).
    """

    def __init__(self, emulator: Emulator) -> None:
        self._emu = emulator
        self._lock = threading.Lock()
        self.app_service_header = "emu-identity-header-" + secrets.token_hex(8)
        self.service_fabric_secret = "emu-sf-secret-" + secrets.token_hex(8)
        self.azure_ml_secret = "emu-ml-secret-" + secrets.token_hex(8)
        self.arc_supports_user_assigned = True
        self.arc_realm: str | None = None
        self.azure_ml_date_expiry = True
        self._arc_keys: set[str] = set()
        self._arc_key_directory: str | None = None
        self._http: Server | None = None
        self._https: Server | None = None
        self._thumbprint = ""
        self._silent: socket.socket | None = None
        self._refused_port = 0
        self._tmpdir: str | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self, tmpdir: str) -> list[Server]:
        """Create the servers (the emulator runs them) and the silent and refused endpoints."""
        self._tmpdir = tmpdir
        self._arc_key_directory = os.path.join(tmpdir, "azcmagent", "tokens")
        os.makedirs(self._arc_key_directory, mode=0o700)
        self._http = Server(self._emu, self._http_routes(), None)
        key = _certs.cached_rsa_key("service-fabric")
        cert = _certs.build_certificate("service fabric managed identity", key.public_key(), key)
        self._thumbprint = _certs.thumbprint(cert, "sha1").hex().upper()
        cert_path = os.path.join(tmpdir, "service-fabric.pem")
        with open(cert_path, "wb") as f:
            f.write(_certs.pem(cert) + _certs.key_pem(key))
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert_path)
        self._https = Server(
            self._emu,
            [Route("GET", re.compile(SERVICE_FABRIC_PATH), "service-fabric", self._service_fabric)],
            ctx,
        )
        self._silent = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._silent.bind(("127.0.0.1", 0))
        self._silent.listen(64)  # connections complete in the backlog; nobody ever reads them
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind(("127.0.0.1", 0))
            self._refused_port = probe.getsockname()[1]
        return [self._http, self._https]

    def stop(self) -> None:
        if self._silent is not None:
            with contextlib.suppress(OSError):
                self._silent.close()
            self._silent = None

    def _server(self, server: Server | None) -> Server:
        if server is None:
            raise RuntimeError("emulator is not running; call start() or use it as a context manager")
        return server

    # ------------------------------------------------------------------ public properties

    @property
    def endpoint(self) -> str:
        """``http://127.0.0.1:<port>`` of the plain-HTTP server (App Service, Arc, Azure ML, Cloud Shell)."""
        return f"http://127.0.0.1:{self._server(self._http).port}"

    @property
    def service_fabric_endpoint(self) -> str:
        return f"https://127.0.0.1:{self._server(self._https).port}{SERVICE_FABRIC_PATH}"

    @property
    def service_fabric_thumbprint(self) -> str:
        """SHA-1 thumbprint (hex) of the Service Fabric endpoint's self-signed certificate."""
        return self._thumbprint

    @property
    def arc_key_directory(self) -> str:
        """The Azure Arc agent's token directory, where challenge key files are written."""
        if self._arc_key_directory is None:
            raise RuntimeError("emulator is not running")
        return self._arc_key_directory

    @property
    def silent_endpoint(self) -> str:
        """``http://127.0.0.1:<port>``: accepts connections and never answers."""
        if self._silent is None:
            raise RuntimeError("emulator is not running")
        return f"http://127.0.0.1:{self._silent.getsockname()[1]}"

    @property
    def refused_endpoint(self) -> str:
        """``http://127.0.0.1:<port>`` where nothing listens: connections are refused."""
        return f"http://127.0.0.1:{self._refused_port}"

    def environ(self, host: str = "imds") -> dict[str, str]:
        """The environment variables that select ``host`` (one of ``MANAGED_IDENTITY_HOSTS``)."""
        if host == "imds":
            return {"AZURE_POD_IDENTITY_AUTHORITY_HOST": self._emu.imds_endpoint}
        if host == "app_service":
            return {"IDENTITY_ENDPOINT": self.endpoint + APP_SERVICE_PATH, "IDENTITY_HEADER": self.app_service_header}
        if host == "service_fabric":
            return {
                "IDENTITY_ENDPOINT": self.service_fabric_endpoint,
                "IDENTITY_HEADER": self.service_fabric_secret,
                "IDENTITY_SERVER_THUMBPRINT": self.service_fabric_thumbprint,
            }
        if host == "azure_arc":
            return {"IDENTITY_ENDPOINT": self.endpoint + ARC_PATH, "IMDS_ENDPOINT": self.endpoint + "/arc"}
        if host == "azure_ml":
            return {"MSI_ENDPOINT": self.endpoint + AZURE_ML_PATH, "MSI_SECRET": self.azure_ml_secret}
        if host == "cloud_shell":
            return {"MSI_ENDPOINT": self.endpoint + CLOUD_SHELL_PATH}
        if host == "workload_identity":
            return self._workload_identity_environ()
        raise ValueError(f"unknown managed identity host {host!r}; expected one of {MANAGED_IDENTITY_HOSTS}")

    def _workload_identity_environ(self) -> dict[str, str]:
        """An app with a certificate, and a token file holding a client assertion signed by it (the token
        endpoint validates it as any client assertion; each file is good for one exchange: ``jti`` replay)."""
        emu = self._emu
        bundle = _certs.make_certificate("workload identity")
        client_id = emu.add_app(certificates=[bundle.cert_pem])
        from cryptography.hazmat.primitives import serialization

        key: Any = serialization.load_pem_private_key(bundle.key_pem, None)
        now = int(time.time())
        claims = {
            "iss": client_id,
            "sub": client_id,
            "aud": f"{emu.authority}/{emu.tenant_id}/oauth2/v2.0/token",
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
            "jti": str(uuid.uuid4()),
        }
        assertion = encode_jwt(claims, key, {"x5t": _b64_thumb(bundle.thumbprint_sha1)})
        assert self._tmpdir is not None
        path = os.path.join(self._tmpdir, f"federated-token-{uuid.uuid4().hex[:8]}")
        with open(path, "w", encoding="utf-8") as f:
            f.write(assertion)
        return {
            "AZURE_AUTHORITY_HOST": emu.authority,
            "AZURE_TENANT_ID": emu.tenant_id,
            "AZURE_FEDERATED_TOKEN_FILE": path,
            "AZURE_CLIENT_ID": client_id,
        }

    # ------------------------------------------------------------------ routes

    def _http_routes(self) -> list[Route]:
        return [
            Route("GET", re.compile(APP_SERVICE_PATH), "app-service", self._app_service),
            Route("GET", re.compile(ARC_PATH), "azure-arc", self._azure_arc),
            Route("GET", re.compile(AZURE_ML_PATH), "azure-ml", self._azure_ml),
            Route("POST", re.compile(CLOUD_SHELL_PATH), "cloud-shell", self._cloud_shell),
        ]

    def _issue(self, identity: _ManagedIdentity, resource: str) -> tuple[str, int, int]:
        extra = {"idtyp": "app", "xms_mirid": identity.resource_id}
        emu = self._emu
        token, lifetime = emu._issue(emu.tenant_id, identity.client_id, identity.object_id, resource, extra)
        return token, lifetime, int(time.time()) + lifetime

    def _app_service(self, request: Request) -> Response:
        def bad(status: int, message: str) -> Response:
            return Response.json(status, {"statusCode": status, "message": message, "correlationId": str(uuid.uuid4())})

        header = request.headers.get("x-identity-header")
        if not header:
            return bad(400, "Missing X-IDENTITY-HEADER header.")
        if not secrets.compare_digest(header, self.app_service_header):
            return bad(401, "The X-IDENTITY-HEADER header is invalid.")
        query = request.query
        if query.get("api-version") != "2019-08-01":
            return bad(400, f"Unsupported api-version '{query.get('api-version', '')}'; expected 2019-08-01.")
        resource = query.get("resource")
        if not resource:
            return bad(400, "Missing 'resource' query parameter.")
        identity = self._emu._find_identity(
            query.get("client_id"), query.get("object_id") or query.get("principal_id"), query.get("mi_res_id")
        )
        if identity is None:
            return bad(400, "No managed identity found for the specified ClientId/ResourceId/PrincipalId.")
        token, _, expires_on = self._issue(identity, resource)
        return Response.json(
            200,
            {
                "access_token": token,
                "expires_on": str(expires_on),
                "resource": resource,
                "token_type": "Bearer",
                "client_id": identity.client_id,
            },
        )

    def _service_fabric(self, request: Request) -> Response:
        def bad(status: int, code: str, message: str) -> Response:
            return Response.json(
                status, {"error": {"correlationId": str(uuid.uuid4()), "code": code, "message": message}}
            )

        secret = request.headers.get("secret")
        if not secret:
            return bad(400, "SecretHeaderNotFound", "Secret is not found in the request headers.")
        if not secrets.compare_digest(secret, self.service_fabric_secret):
            return bad(401, "ManagedIdentityNotFound", "Managed identity not found for the specified application.")
        query = request.query
        if query.get("api-version") != "2019-07-01-preview":
            return bad(400, "InvalidApiVersion", f"The api-version '{query.get('api-version', '')}' is invalid.")
        resource = query.get("resource")
        if not resource:
            return bad(400, "ArgumentNullOrEmpty", "Value cannot be null or empty. Parameter name: resource")
        identity = self._emu._find_identity(None, None, None)  # the application's identity, set by the cluster
        assert identity is not None
        token, _, expires_on = self._issue(identity, resource)
        return Response.json(
            200, {"token_type": "Bearer", "access_token": token, "expires_on": expires_on, "resource": resource}
        )

    def _azure_arc(self, request: Request) -> Response:
        def bad(status: int, description: str, headers: list[tuple[str, str]] | None = None) -> Response:
            body = {"error": "invalid_request", "error_description": description}
            return Response.json(status, body, headers)

        if request.headers.get("metadata", "").lower() != "true":
            return bad(400, "Required metadata header not specified")
        query = request.query
        if query.get("api-version") != "2020-06-01":
            return bad(400, "Invalid or missing api-version")
        resource = query.get("resource")
        if not resource:
            return bad(400, "Required query variable 'resource' is missing")
        authorization = request.headers.get("authorization", "")
        scheme, _, presented = authorization.partition(" ")
        with self._lock:
            valid = scheme.lower() == "basic" and presented in self._arc_keys
            if valid:
                self._arc_keys.discard(presented)
        if not valid:
            key = secrets.token_hex(16)
            path = os.path.join(self.arc_key_directory, f"{uuid.uuid4()}.key")
            with open(path, "w", encoding="utf-8") as f:
                f.write(key)
            with self._lock:
                self._arc_keys.add(key)
            realm = self.arc_realm or path
            return bad(401, "Unauthorized", [("WWW-Authenticate", f"Basic realm={realm}")])
        ids = (query.get("client_id"), query.get("object_id"), query.get("msi_res_id"))
        honour = self.arc_supports_user_assigned
        identity = self._emu._find_identity(*ids) if honour else self._emu._find_identity(None, None, None)
        if identity is None:
            return bad(400, "Identity not found")
        token, lifetime, expires_on = self._issue(identity, resource)
        payload: dict[str, Any] = {
            "access_token": token,
            "expires_in": str(lifetime),
            "expires_on": str(expires_on),
            "not_before": str(expires_on - lifetime),
            "resource": resource,
            "token_type": "Bearer",
        }
        if honour and any(ids):
            payload.update(client_id=identity.client_id, object_id=identity.object_id, msi_res_id=identity.resource_id)
        return Response.json(200, payload)

    def _azure_ml(self, request: Request) -> Response:
        secret = request.headers.get("secret")
        if not secret or not secrets.compare_digest(secret, self.azure_ml_secret):
            return Response.json(401, {"error": "unauthorized", "error_description": "Invalid or missing secret"})
        query = request.query
        if query.get("api-version") != "2017-09-01":
            return Response.json(400, {"error": "invalid_request", "error_description": "Invalid api-version"})
        resource = query.get("resource")
        if not resource:
            return Response.json(400, {"error": "invalid_request", "error_description": "resource is required"})
        identity = self._emu._find_identity(query.get("clientid"), None, None)
        if identity is None:
            return Response.json(400, {"error": "invalid_request", "error_description": "Identity not found"})
        token, _, expires_on = self._issue(identity, resource)
        expiry: str = (
            time.strftime("%m/%d/%Y %H:%M:%S +00:00", time.gmtime(expires_on))
            if self.azure_ml_date_expiry
            else str(expires_on)
        )
        return Response.json(
            200, {"access_token": token, "expires_on": expiry, "resource": resource, "token_type": "Bearer"}
        )

    def _cloud_shell(self, request: Request) -> Response:
        if request.headers.get("metadata", "").lower() != "true":
            return Response.json(
                400, {"error": "invalid_request", "error_description": "Required metadata header not specified"}
            )
        resource = request.form.get("resource")
        if not resource:
            return Response.json(400, {"error": "invalid_request", "error_description": "resource is required"})
        identity = self._emu._find_identity(None, None, None)
        assert identity is not None
        token, lifetime, expires_on = self._issue(identity, resource)
        return Response.json(
            200,
            {
                "access_token": token,
                "refresh_token": "",
                "expires_in": str(lifetime),
                "expires_on": str(expires_on),
                "not_before": str(expires_on - lifetime),
                "resource": resource,
                "token_type": "Bearer",
            },
        )


def _b64_thumb(hex_thumbprint: str) -> str:
    return base64.urlsafe_b64encode(bytes.fromhex(hex_thumbprint)).decode().rstrip("=")
