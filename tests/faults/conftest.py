"""Fixtures of the fault-injection suite: the fault server and one builder per credential family.

Every builder makes a credential of its family whose every request goes to the fault server, and plants
:data:`CANARY` wherever the family holds a secret (client secret, assertion, identity header, access token),
so the tests can assert that no message repeats it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fault_server import FaultServer

from azauth.emulator import _certs
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


@pytest.fixture(params=FAMILIES, ids=repr)
def family(request: pytest.FixtureRequest) -> Family:
    """A credential family (parametrized over all of them, or chosen by indirect parametrization)."""
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def server(family: Family) -> Iterator[FaultServer]:
    with FaultServer(tls=family.tls) as fault_server:
        yield fault_server


@pytest.fixture
def build(mode: Mode, family: Family, server: FaultServer, tmp_path: Path) -> Callable[[], Any]:
    made: list[Any] = []

    def make() -> Any:
        credential = family.build(mode, server, tmp_path)
        made.append(credential)
        return credential

    yield make
    for credential in made:
        mode.close(credential)


def assert_clean(text: str) -> None:
    """No planted secret and no reply body in an error message."""
    assert CANARY not in text
    assert BODY_MARKER not in text
    assert "xxxxxxxx" not in text  # the streamed filler of huge/endless bodies
