"""Inside a chain, IMDS is probed once, quickly and without retries; nothing answering means "unavailable"."""

from __future__ import annotations

import time
from typing import Any

import pytest
from azure.core.exceptions import ClientAuthenticationError

from azauth.emulator import Emulator
from tests.support import SCOPE, FakeClock, Mode, connect


def fallback(mode: Mode, emu: Emulator) -> Any:
    return mode.module.ClientSecretCredential(emu.tenant_id, emu.client_id, emu.client_secret, **connect(emu))


def mi_at(mode: Mode, address: str, **kwargs: Any) -> Any:
    """A credential for IMDS at ``address``; the probe is forced on because the test points IMDS elsewhere
    with AZURE_POD_IDENTITY_AUTHORITY_HOST, which (as in azure-identity) otherwise skips it."""
    environ = {"AZURE_POD_IDENTITY_AUTHORITY_HOST": address}
    return mode.module.ManagedIdentityCredential(environ=environ, **kwargs)


@pytest.mark.parametrize("where", ["refused", "silent"])
def test_chain_moves_on_when_imds_does_not_answer_the_probe(
    mode: Mode, emu: Emulator, clock: FakeClock, where: str
) -> None:
    address = emu.mi.refused_endpoint if where == "refused" else emu.mi.silent_endpoint
    chain = mode.module.ChainedTokenCredential(mi_at(mode, address, imds_probe=True), fallback(mode, emu))
    started = time.monotonic()
    token = mode.wait(chain.get_token(SCOPE))
    assert emu.decode_token(token.token)["appid"] == emu.client_id
    assert time.monotonic() - started < 20  # one ~1 s probe, not minutes
    assert clock.sleeps == []  # no retries, no backoff
    mode.close(chain)


def test_probe_failure_message_names_imds_and_the_timeout(mode: Mode, emu: Emulator) -> None:
    chain = mode.module.ChainedTokenCredential(mi_at(mode, emu.mi.refused_endpoint, imds_probe=True))
    with pytest.raises(ClientAuthenticationError, match=r"ManagedIdentityCredential.*IMDS.*no response .* within 1 s"):
        mode.wait(chain.get_token(SCOPE))
    mode.close(chain)


def test_probe_then_token_when_imds_answers_and_probe_runs_once(mode: Mode, emu: Emulator) -> None:
    cred = mi_at(mode, emu.imds_endpoint, imds_probe=True)
    chain = mode.module.ChainedTokenCredential(cred, fallback(mode, emu))
    token = mode.wait(chain.get_token(SCOPE))
    assert emu.decode_token(token.token)["appid"] == emu.managed_identity_client_id
    probe, request = [r for r in emu.requests if r.endpoint == "imds"]
    assert "metadata" not in probe.headers  # answered at once by IMDS, without fetching a token
    assert request.headers["metadata"] == "true"
    mode.wait(chain.get_token("https://storage.azure.com/.default"))
    assert emu.count("imds") == 3  # no second probe
    assert emu.count("token") == 0
    mode.close(chain)


def test_probe_is_skipped_standalone_and_with_pod_identity(mode: Mode, emu: Emulator) -> None:
    cred = mi_at(mode, emu.imds_endpoint)
    mode.wait(cred.get_token(SCOPE))
    chain = mode.module.ChainedTokenCredential(mi_at(mode, emu.imds_endpoint))
    mode.wait(chain.get_token(SCOPE))
    assert all(r.headers.get("metadata") == "true" for r in emu.requests if r.endpoint == "imds")
    mode.close(cred)
    mode.close(chain)


def test_imds_without_an_identity_is_unavailable_in_a_chain(mode: Mode, emu: Emulator) -> None:
    mi = mi_at(mode, emu.imds_endpoint, client_id="not-assigned-here")
    chain = mode.module.ChainedTokenCredential(mi, fallback(mode, emu))
    token = mode.wait(chain.get_token(SCOPE))
    assert emu.decode_token(token.token)["appid"] == emu.client_id
    mode.close(chain)


def test_an_answering_host_error_stops_the_chain(mode: Mode, emu: Emulator) -> None:
    """Not IMDS: the environment selected this host, so its refusal is an error, not "try the next one"."""
    environ = emu.managed_identity_environ("app_service")
    mi = mode.module.ManagedIdentityCredential(environ=environ, client_id="unknown")
    chain = mode.module.ChainedTokenCredential(mi, fallback(mode, emu))
    with pytest.raises(ClientAuthenticationError, match="App Service"):
        mode.wait(chain.get_token(SCOPE))
    assert emu.count("token") == 0
    mode.close(chain)
