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


# ------------------------------------------------------- each member asked the way the caller asked the chain


class Recorder:
    """A third-party credential that records how it was asked and answers with an object of its own."""

    def __init__(self, mode: Mode, methods: tuple[str, ...] = ("get_token", "get_token_info")) -> None:
        self.mode = mode
        self.calls: list[tuple[str, tuple[str, ...], Any]] = []
        self.answers: list[Any] = []
        for method in methods:
            setattr(self, method, getattr(self, "_" + method))

    def _reply(self, value: Any) -> Any:
        self.answers.append(value)
        if self.mode.is_async:

            async def answer() -> Any:
                return value

            return answer()
        return value

    def _get_token(self, *scopes: str, **kwargs: Any) -> Any:
        self.calls.append(("get_token", scopes, kwargs))
        return self._reply(AccessToken("from-get-token", 4102444800))

    def _get_token_info(self, *scopes: str, options: Any = None) -> Any:
        self.calls.append(("get_token_info", scopes, options))
        return self._reply(AccessTokenInfo("from-get-token-info", 4102444800, refresh_on=4102440000))


class OnlyGetToken(Recorder):
    def __init__(self, mode: Mode) -> None:
        super().__init__(mode, ("get_token",))


class OnlyGetTokenInfo(Recorder):
    def __init__(self, mode: Mode) -> None:
        super().__init__(mode, ("get_token_info",))


def test_each_member_is_called_with_the_callers_method_and_its_answer_is_returned_untouched(mode: Mode) -> None:
    member = Recorder(mode)
    chain = mode.module.ChainedTokenCredential(member)
    token = mode.wait(chain.get_token(SCOPE, claims="c", tenant_id="t", enable_cae=True, custom="x"))
    assert member.calls == [
        ("get_token", (SCOPE,), {"claims": "c", "tenant_id": "t", "enable_cae": True, "custom": "x"})
    ]
    assert token is member.answers[0]
    options = {"tenant_id": "t", "enable_cae": False}
    info = mode.wait(chain.get_token_info(SCOPE, options=options))  # type: ignore[arg-type]
    assert member.calls[1][0] == "get_token_info" and member.calls[1][2] is options
    assert info is member.answers[1] and info.refresh_on == 4102440000
    assert chain.selected_credential is member


def test_a_member_lacking_the_callers_method_is_asked_with_the_other(mode: Mode) -> None:
    only_token, only_info = OnlyGetToken(mode), OnlyGetTokenInfo(mode)
    info = mode.wait(mode.module.ChainedTokenCredential(only_token).get_token_info(SCOPE, options={"claims": "c"}))
    assert only_token.calls == [("get_token", (SCOPE,), {"claims": "c"})]
    assert isinstance(info, AccessTokenInfo) and info.token == "from-get-token"
    token = mode.wait(mode.module.ChainedTokenCredential(only_info).get_token(SCOPE, tenant_id="t"))
    assert only_info.calls == [("get_token_info", (SCOPE,), {"tenant_id": "t", "enable_cae": False})]
    assert isinstance(token, AccessToken) and token.token == "from-get-token-info"


def test_proof_of_possession_skips_members_without_get_token_info(mode: Mode) -> None:
    legacy, modern = OnlyGetToken(mode), Recorder(mode)
    chain = mode.module.ChainedTokenCredential(legacy, modern)
    pop = {"resource_request_method": "GET", "resource_request_url": "https://example.com", "nonce": "n"}
    info = mode.wait(chain.get_token_info(SCOPE, options={"pop": pop}))  # type: ignore[typeddict-item]
    assert legacy.calls == [] and modern.calls[0][0] == "get_token_info"
    assert info is modern.answers[0] and chain.selected_credential is modern
    alone = mode.module.ChainedTokenCredential(legacy)
    with pytest.raises(ClientAuthenticationError, match="OnlyGetToken: Proof of possession arguments are not"):
        mode.wait(alone.get_token_info(SCOPE, options={"pop": pop}))  # type: ignore[typeddict-item]


def test_members_are_named_by_their_class(mode: Mode) -> None:
    from azauth import CredentialUnavailableError

    class Unconfigured(Member):
        pass

    chain = mode.module.ChainedTokenCredential(Unconfigured(mode, error=CredentialUnavailableError("nope")))
    with pytest.raises(ClientAuthenticationError, match="\n\tUnconfigured: nope"):
        mode.wait(chain.get_token(SCOPE))


def test_a_plain_chain_walks_from_the_start_and_shares_one_walk(mode: Mode, emu: Emulator) -> None:
    from azauth import CredentialUnavailableError

    first = Member(mode, error=CredentialUnavailableError("not yet"))
    real = mode.module.ClientSecretCredential(emu.tenant_id, emu.client_id, emu.client_secret, **connect(emu))
    chain = mode.module.ChainedTokenCredential(first, real)
    assert chain.selected_credential is None
    tokens = mode.concurrently(lambda: chain.get_token(SCOPE), 50 if mode.is_async else 16)
    assert len({t.token for t in tokens}) == 1 and emu.count("token") == 1
    assert chain.selected_credential is real
    calls = first.calls
    mode.wait(chain.get_token(SCOPE))
    assert first.calls == calls + 1  # as azure-identity's: a plain chain asks its members in order every time
    mode.close(chain)
