"""The credential families the fault suites drive, the planted secret and the check that an error echoes
neither it nor a reply body (fixtures in conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from azauth.emulator import _certs
from tests.faults.fault_server import FaultServer
from tests.support import Mode

CANARY = "canary-s3cret-8d1f"
"""A secret planted in every credential: no error message or log may contain it."""
BODY_MARKER = "fault-server-token"
"""Text of the fault server's reply bodies: no error message may echo a body."""


@dataclass(frozen=True)
class Family:
    """A credential family: its name, whether it talks to a token endpoint over TLS or a plain-http managed
    identity endpoint, and how to build it against a fault server."""

    name: str
    tls: bool
    build: Callable[[Mode, FaultServer, Path], Any]

    def __repr__(self) -> str:
        return self.name


TIMEOUTS = {"read_timeout": 1.0, "deadline": 1.5}
"""Every family's per-read timeout (token endpoints and managed identity) and managed identity's deadline; the
silent and trickle cases lower them (each such case costs about one of them in real time)."""


def _tls(server: FaultServer) -> dict[str, Any]:
    return {
        "authority": server.authority,
        "connection_verify": server.ca_path,
        "retry_total": 1,
        "read_timeout": TIMEOUTS["read_timeout"],
    }


def _secret(mode: Mode, server: FaultServer, tmp: Path) -> Any:
    return mode.module.ClientSecretCredential("tenant", "client", CANARY, **_tls(server))


def _certificate(mode: Mode, server: FaultServer, tmp: Path) -> Any:
    bundle = _certs.make_certificate()
    path = tmp / "cert.pem"
    path.write_bytes(bundle.pem)
    return mode.module.CertificateCredential("tenant", "client", str(path), **_tls(server))


def _assertion(mode: Mode, server: FaultServer, tmp: Path) -> Any:
    return mode.module.ClientAssertionCredential("tenant", "client", lambda: CANARY, **_tls(server))


def _workload(mode: Mode, server: FaultServer, tmp: Path) -> Any:
    path = tmp / "token"
    path.write_text(CANARY)
    return mode.module.WorkloadIdentityCredential(
        tenant_id="tenant", client_id="client", token_file_path=str(path), **_tls(server)
    )


def _on_behalf_of(mode: Mode, server: FaultServer, tmp: Path) -> Any:
    return mode.module.OnBehalfOfCredential(
        "tenant", "client", client_secret=CANARY, user_assertion="user." + CANARY, **_tls(server)
    )


def _pipelines(mode: Mode, server: FaultServer, tmp: Path) -> Any:
    environ = {"SYSTEM_OIDCREQUESTURI": server.url + "/oidc"}
    return mode.module.AzurePipelinesCredential(
        tenant_id="tenant",
        client_id="client",
        service_connection_id="connection",
        system_access_token=CANARY,
        environ=environ,
        **_tls(server),
    )


def _imds(mode: Mode, server: FaultServer, tmp: Path) -> Any:
    environ = {"AZURE_POD_IDENTITY_AUTHORITY_HOST": server.url}
    return mode.module.ManagedIdentityCredential(
        environ=environ, deadline=TIMEOUTS["deadline"], read_timeout=TIMEOUTS["read_timeout"]
    )


def _app_service(mode: Mode, server: FaultServer, tmp: Path) -> Any:
    environ = {"IDENTITY_ENDPOINT": server.url + "/msi/token", "IDENTITY_HEADER": CANARY}
    return mode.module.ManagedIdentityCredential(
        environ=environ, deadline=TIMEOUTS["deadline"], read_timeout=TIMEOUTS["read_timeout"]
    )


def _chain(mode: Mode, server: FaultServer, tmp: Path) -> Any:
    return mode.module.ChainedTokenCredential(_imds(mode, server, tmp))


FAMILIES = [
    Family("client_secret", True, _secret),
    Family("certificate", True, _certificate),
    Family("client_assertion", True, _assertion),
    Family("workload_identity", True, _workload),
    Family("on_behalf_of", True, _on_behalf_of),
    Family("azure_pipelines", True, _pipelines),
    Family("managed_identity_imds", False, _imds),
    Family("managed_identity_app_service", False, _app_service),
    Family("chain_probe", False, _chain),
]


def assert_clean(text: str) -> None:
    """No planted secret and no reply body in an error message."""
    assert CANARY not in text
    assert BODY_MARKER not in text
    assert "xxxxxxxx" not in text  # the streamed filler of huge/endless bodies
