"""Azure Arc: the 401 challenge, and the key file read only from the agent's token directory."""

from __future__ import annotations

import os
import sys
from typing import Any

import pytest
from azure.core.exceptions import ClientAuthenticationError

from azauth.emulator import Emulator
from tests.support import SCOPE, Mode


def arc(mode: Mode, emu: Emulator, **kwargs: Any) -> Any:
    kwargs.setdefault("azure_arc_key_directory", emu.mi.arc_key_directory)
    return mode.module.ManagedIdentityCredential(environ=emu.managed_identity_environ("azure_arc"), **kwargs)


def test_challenge_then_basic_authorization_with_the_key(mode: Mode, emu: Emulator) -> None:
    cred = arc(mode, emu)
    mode.wait(cred.get_token(SCOPE))
    challenge, answer = [r for r in emu.requests if r.endpoint == "azure-arc"]
    assert "authorization" not in challenge.headers and challenge.headers["metadata"] == "true"
    assert answer.headers["authorization"] == "***"  # the emulator's log redacts it; it was sent
    assert answer.query == challenge.query
    mode.close(cred)


def test_key_file_outside_the_token_directory_is_not_read(mode: Mode, emu: Emulator, tmp_path: Any) -> None:
    outside = tmp_path / "stolen.key"
    outside.write_text("not-for-you")
    emu.mi.arc_realm = str(outside)
    cred = arc(mode, emu)
    with pytest.raises(ClientAuthenticationError, match="outside the agent's token directory"):
        mode.wait(cred.get_token(SCOPE))
    assert emu.count("azure-arc") == 1  # no second request
    mode.close(cred)


def test_traversal_out_of_the_token_directory_is_refused(mode: Mode, emu: Emulator) -> None:
    emu.mi.arc_realm = os.path.join(emu.mi.arc_key_directory, "..", "..", "etc.key")
    cred = arc(mode, emu)
    with pytest.raises(ClientAuthenticationError, match="outside the agent's token directory"):
        mode.wait(cred.get_token(SCOPE))
    mode.close(cred)


def test_only_key_files_are_read(mode: Mode, emu: Emulator) -> None:
    path = os.path.join(emu.mi.arc_key_directory, "secret.txt")
    with open(path, "w") as f:
        f.write("x")
    emu.mi.arc_realm = path
    cred = arc(mode, emu)
    with pytest.raises(ClientAuthenticationError, match="without the '.key' suffix"):
        mode.wait(cred.get_token(SCOPE))
    mode.close(cred)


def test_key_file_size_is_bounded(mode: Mode, emu: Emulator) -> None:
    path = os.path.join(emu.mi.arc_key_directory, "big.key")
    with open(path, "w") as f:
        f.write("k" * 4097)
    emu.mi.arc_realm = path
    cred = arc(mode, emu)
    with pytest.raises(ClientAuthenticationError, match="larger than 4096 bytes"):
        mode.wait(cred.get_token(SCOPE))
    mode.close(cred)


@pytest.mark.skipif(sys.platform.startswith("win"), reason="symlinks need privileges on Windows")
def test_symlink_escaping_the_token_directory_is_refused(mode: Mode, emu: Emulator, tmp_path: Any) -> None:
    target = tmp_path / "elsewhere.key"
    target.write_text("secret")
    link = os.path.join(emu.mi.arc_key_directory, "link.key")
    os.symlink(target, link)
    emu.mi.arc_realm = link
    cred = arc(mode, emu)
    with pytest.raises(ClientAuthenticationError, match="resolves outside"):
        mode.wait(cred.get_token(SCOPE))
    mode.close(cred)


def test_default_token_directory_refuses_a_key_elsewhere(mode: Mode, emu: Emulator) -> None:
    cred = mode.module.ManagedIdentityCredential(environ=emu.managed_identity_environ("azure_arc"))
    with pytest.raises(ClientAuthenticationError, match="outside the agent's token directory|Linux and Windows only"):
        mode.wait(cred.get_token(SCOPE))
    mode.close(cred)


def test_malformed_challenge_is_an_error(mode: Mode, emu: Emulator) -> None:
    emu.fault("azure-arc", status=401, headers={"WWW-Authenticate": "Bearer"})
    cred = arc(mode, emu)
    with pytest.raises(ClientAuthenticationError, match="without a 'WWW-Authenticate: Basic realm"):
        mode.wait(cred.get_token(SCOPE))
    mode.close(cred)


def test_missing_key_file_is_an_error(mode: Mode, emu: Emulator) -> None:
    cred = arc(mode, emu)
    emu.fault("azure-arc", status=401, headers={"WWW-Authenticate": f"Basic realm={emu.mi.arc_key_directory}/a.key"})
    with pytest.raises(ClientAuthenticationError, match="could not read Azure Arc's key file"):
        mode.wait(cred.get_token(SCOPE))
    assert emu.count("azure-arc") == 1
    mode.close(cred)


def test_legacy_agent_returning_the_system_identity_is_refused(mode: Mode, emu: Emulator) -> None:
    """An agent without user-assigned support ignores client_id and answers for the system identity."""
    emu.mi.arc_supports_user_assigned = False
    user = emu.add_managed_identity()
    cred = arc(mode, emu, client_id=user)
    with pytest.raises(ClientAuthenticationError, match="does not confirm the user-assigned identity") as caught:
        mode.wait(cred.get_token(SCOPE))
    assert "which was discarded" in str(caught.value)
    system = arc(mode, emu)
    assert emu.decode_token(mode.wait(system.get_token(SCOPE)).token)["appid"] == emu.managed_identity_client_id
    mode.close(cred)
    mode.close(system)
