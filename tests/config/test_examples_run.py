"""The examples are not only valid: the AKS one runs, against the emulator's federated credentials."""

from __future__ import annotations

from pathlib import Path

from azauth.config.factory import async_credential_from_config
from azauth.emulator import Emulator
from tests.support import Mode

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_aks_example_gets_a_token_with_workload_identity(mode: Mode, emu: Emulator) -> None:
    environ = emu.managed_identity_environ("workload_identity")  # what the AKS webhook sets in the pod
    environ["AZAUTH_DEFAULTS__HTTP__VERIFY"] = emu.ca_path  # the container's override: trust the emulator's CA
    source = str(EXAMPLES / "aks-workload.yaml")
    if mode.is_async:
        credential = async_credential_from_config(source, environ=environ)
    else:
        import azauth

        credential = azauth.credential_from_config(source, environ=environ)
    token = mode.wait(credential.get_token("https://storage.azure.com/.default"))
    claims = emu.decode_token(token.token, audience="https://storage.azure.com")
    assert claims["appid"] == environ["AZURE_CLIENT_ID"]
    (request,) = [r for r in emu.requests if r.endpoint == "token"]
    assert request.form["client_assertion_type"].endswith("jwt-bearer")
    assert emu.count("imds") == 0  # the chain stopped at workload identity
    mode.close(credential)
