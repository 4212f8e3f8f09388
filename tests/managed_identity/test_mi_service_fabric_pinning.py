"""Service Fabric: the endpoint's self-signed certificate must match IDENTITY_SERVER_THUMBPRINT before the
identity header is sent to it."""

from __future__ import annotations

import pytest
from azure.core.exceptions import ClientAuthenticationError

from azauth.emulator import Emulator
from tests.support import Mode

SCOPE = "https://vault.azure.net/.default"


def test_matching_thumbprint_in_any_spelling(mode: Mode, emu: Emulator) -> None:
    environ = emu.managed_identity_environ("service_fabric")
    thumbprint = environ["IDENTITY_SERVER_THUMBPRINT"]
    environ["IDENTITY_SERVER_THUMBPRINT"] = ":".join(
        thumbprint[i : i + 2] for i in range(0, len(thumbprint), 2)
    ).lower()
    cred = mode.module.ManagedIdentityCredential(environ=environ)
    assert emu.decode_token(mode.wait(cred.get_token(SCOPE)).token)["aud"] == "https://vault.azure.net"
    mode.close(cred)


def test_wrong_thumbprint_sends_nothing(mode: Mode, emu: Emulator) -> None:
    environ = dict(emu.managed_identity_environ("service_fabric"), IDENTITY_SERVER_THUMBPRINT="AB" * 20)
    cred = mode.module.ManagedIdentityCredential(environ=environ)
    with pytest.raises(ClientAuthenticationError, match="IDENTITY_SERVER_THUMBPRINT") as caught:
        mode.wait(cred.get_token(SCOPE))
    assert "refusing to send" in str(caught.value)
    assert environ["IDENTITY_HEADER"] not in str(caught.value)
    assert emu.count("service-fabric") == 0  # the identity header never reached the endpoint
    mode.close(cred)
