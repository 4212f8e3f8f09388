"""ChainedTokenCredential: continuation on unavailable, stop on failure, attempts listed, members closed."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.credentials import AccessToken, AccessTokenInfo
from azure.core.exceptions import ClientAuthenticationError

from azauth.emulator import Emulator
from tests.support import SCOPE, Mode, connect


class Member:
    """A minimal third-party credential: the chain accepts any TokenCredential, not only azauth's."""

    def __init__(self, mode: Mode, *, error: Exception | None = None, token: str = "member-token") -> None:
        self.mode, self.error, self.token, self.calls, self.closed = mode, error, token, 0, 0

    def _answer(self) -> AccessToken:
        self.calls += 1
        if self.error is not None:
            raise self.error
        return AccessToken(self.token, 4102444800)

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        if self.mode.is_async:

            async def answer() -> AccessToken:
                return self._answer()

            return answer()
        return self._answer()

    def close(self) -> Any:
        self.closed += 1
        if self.mode.is_async:

            async def done() -> None:
                return None

            return done()
        return None


def test_unavailable_members_are_skipped(mode: Mode, emu: Emulator) -> None:
    unavailable = Member(
        mode,
        error=mode.module.CredentialUnavailableError("no environment")
        if hasattr(mode.module, "CredentialUnavailableError")
        else __import__("azauth").CredentialUnavailableError("no environment"),
    )
    real = mode.module.ClientSecretCredential(emu.tenant_id, emu.client_id, emu.client_secret, **connect(emu))
    chain = mode.module.ChainedTokenCredential(unavailable, real)
    token = mode.wait(chain.get_token(SCOPE))
    assert emu.decode_token(token.token)["appid"] == emu.client_id
    info = mode.wait(chain.get_token_info(SCOPE))
    assert isinstance(info, AccessTokenInfo) and info.token == token.token
    assert unavailable.calls == 2  # tried every time, as azure-identity does
    assert emu.count("token") == 1  # the member's cache answered the second time
    mode.close(chain)


def test_a_failing_member_stops_the_chain_and_every_attempt_is_listed(mode: Mode, emu: Emulator) -> None:
    from azauth import CredentialUnavailableError

    first = Member(mode, error=CredentialUnavailableError("EnvironmentCredential: AZURE_CLIENT_ID is not set"))
    failing = mode.module.ClientSecretCredential(emu.tenant_id, emu.client_id, "wrong-secret-xyz", **connect(emu))
    never = Member(mode)
    chain = mode.module.ChainedTokenCredential(first, failing, never)
    with pytest.raises(ClientAuthenticationError) as caught:
        mode.wait(chain.get_token(SCOPE))
    message = str(caught.value)
    assert "Member: EnvironmentCredential: AZURE_CLIENT_ID is not set" in message
    assert "ClientSecretCredential: " in message and "AADSTS7000215" in message
    assert "wrong-secret-xyz" not in message
    assert never.calls == 0
    assert not isinstance(caught.value, CredentialUnavailableError)
    mode.close(chain)


def test_all_unavailable(mode: Mode) -> None:
    from azauth import CredentialUnavailableError

    chain = mode.module.ChainedTokenCredential(
        Member(mode, error=CredentialUnavailableError("first is missing")),
        Member(mode, error=CredentialUnavailableError("second is missing")),
    )
    with pytest.raises(ClientAuthenticationError, match="(?s)first is missing.*second is missing"):
        mode.wait(chain.get_token(SCOPE))


def test_close_closes_every_member(mode: Mode) -> None:
    members = [Member(mode), Member(mode)]
    chain = mode.module.ChainedTokenCredential(*members)
    mode.close(chain)
    assert [m.closed for m in members] == [1, 1]


def test_chain_validation(mode: Mode) -> None:
    with pytest.raises(ValueError, match="at least one credential"):
        mode.module.ChainedTokenCredential()
    with pytest.raises(TypeError, match="neither get_token nor get_token_info"):
        mode.module.ChainedTokenCredential(object())
    chain = mode.module.ChainedTokenCredential(Member(mode))
    with pytest.raises(ValueError, match="at least one scope"):
        mode.wait(chain.get_token())
    assert "Member" in repr(chain)


def test_bearer_token_provider(mode: Mode, emu: Emulator) -> None:
    cred = mode.module.ClientSecretCredential(emu.tenant_id, emu.client_id, emu.client_secret, **connect(emu))
    provider = mode.module.get_bearer_token_provider(cred, SCOPE)
    token = mode.wait(provider())
    assert emu.decode_token(token)["aud"] == "https://vault.azure.net"
    assert mode.wait(provider()) == token
    assert emu.count("token") == 1
    with pytest.raises(ValueError, match="at least one scope"):
        mode.module.get_bearer_token_provider(cred)
    mode.close(cred)
