"""What every developer-tool credential promises about processes: one per token (cached, single flight), and
a timeout, cancellation or flood of output that leaves nothing running."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from azure.core.exceptions import ClientAuthenticationError

import azauth.aio
from azauth import CredentialUnavailableError
from tests.developer_tools.fake_tools import FakeTool, FakeTools, wait_until_dead
from tests.support import SCOPE, FakeClock, Mode

TOKEN = "canary-process-token"


def reply(tool: str, expires_on: int) -> str:
    if tool == "az":
        return json.dumps({"accessToken": TOKEN, "expires_on": expires_on})
    if tool == "azd":
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(expires_on))
        return json.dumps({"token": TOKEN, "expiresOn": stamp})
    return f"\nazsdk%{TOKEN}%{expires_on}\n"


CREDENTIALS = {"az": "AzureCliCredential", "azd": "AzureDeveloperCliCredential", "pwsh": "AzurePowerShellCredential"}


@pytest.fixture(params=sorted(CREDENTIALS))
def tool(request: pytest.FixtureRequest, tools: FakeTools) -> tuple[str, FakeTool]:
    fake = tools.add(request.param)
    fake.behave(stdout=reply(request.param, int(time.time()) + 3600))
    return request.param, fake


def credential(mode: Mode, name: str, **kwargs: Any) -> Any:
    return getattr(mode.module, CREDENTIALS[name])(**kwargs)


def test_a_second_call_starts_no_process(mode: Mode, tool: tuple[str, FakeTool]) -> None:
    name, fake = tool
    cred = credential(mode, name)
    first = mode.wait(cred.get_token(SCOPE))
    assert mode.wait(cred.get_token(SCOPE)).token == first.token == TOKEN
    assert mode.wait(cred.get_token_info(SCOPE)).token == TOKEN
    assert len(fake.runs) == 1
    mode.wait(cred.get_token("https://storage.azure.com/.default"))  # another scope is another token
    assert len(fake.runs) == 2
    mode.close(cred)


def test_concurrent_cold_callers_start_one_process(mode: Mode, tool: tuple[str, FakeTool]) -> None:
    name, fake = tool
    fake.behave(stdout=reply(name, int(time.time()) + 3600), sleep=0.2)  # callers pile up behind the first
    cred = credential(mode, name)
    callers = 200 if mode.is_async else 32
    tokens = mode.concurrently(lambda: cred.get_token(SCOPE), callers)
    assert len(tokens) == callers and {t.token for t in tokens} == {TOKEN}
    assert len(fake.runs) == 1


def test_a_token_due_for_refresh_runs_the_tool_again(mode: Mode, tools: FakeTools, clock: FakeClock) -> None:
    az = tools.add("az")
    az.behave(stdout=reply("az", int(clock.now) + 3600))
    cred = mode.module.AzureCliCredential()
    mode.wait(cred.get_token(SCOPE))
    clock.advance(3000)
    mode.wait(cred.get_token(SCOPE))
    assert len(az.runs) == 1
    clock.advance(400)  # within five minutes of expiry
    mode.wait(cred.get_token(SCOPE))
    assert len(az.runs) == 2


def test_timeout_kills_the_tool_and_its_children(mode: Mode, tool: tuple[str, FakeTool]) -> None:
    name, fake = tool
    fake.behave(child=True, hang=True)
    cred = credential(mode, name, process_timeout=0.5)
    with pytest.raises(CredentialUnavailableError) as caught:
        mode.wait(cred.get_token(SCOPE))
    message = caught.value.message
    assert "did not answer within 0.5 seconds" in message
    assert f"{CREDENTIALS[name]}(process_timeout=...)" in message and "'process_timeout'" in message
    (run,) = fake.runs
    assert run["pgid"] == run["pid"]  # the tool led a process group of its own
    assert wait_until_dead(run["pid"]) and wait_until_dead(run["child"])


def test_a_child_holding_the_output_open_is_bounded_and_killed(mode: Mode, tools: FakeTools) -> None:
    az = tools.add("az")
    az.behave(stdout=reply("az", int(time.time()) + 3600), child=True)  # az exits, its child keeps stdout
    with pytest.raises(CredentialUnavailableError, match="did not answer within 0.5 seconds"):
        mode.wait(mode.module.AzureCliCredential(process_timeout=0.5).get_token(SCOPE))
    assert wait_until_dead(az.runs[0]["child"])


def test_a_flood_of_output_is_cut_off_and_the_tool_killed(mode: Mode, tools: FakeTools) -> None:
    az = tools.add("az")
    az.behave(stdout=TOKEN * 200_000, hang=True)
    with pytest.raises(ClientAuthenticationError, match="more output than a token reply can be") as caught:
        mode.wait(mode.module.AzureCliCredential().get_token(SCOPE))
    assert TOKEN not in str(caught.value)
    assert wait_until_dead(az.runs[0]["pid"])


def test_cancelling_an_async_call_kills_the_tool(tools: FakeTools) -> None:
    az = tools.add("az")
    az.behave(child=True, hang=True)

    async def scenario() -> None:
        cred = azauth.aio.AzureCliCredential(process_timeout=60)
        task = asyncio.ensure_future(cred.get_token(SCOPE))
        for _ in range(500):  # until the fake az has started its child (bounded)
            if az.runs and "child" in az.runs[0]:
                break
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(scenario())
    (run,) = az.runs
    assert wait_until_dead(run["pid"]) and wait_until_dead(run["child"])


def test_an_unrunnable_tool_is_unavailable(mode: Mode, tools: FakeTools) -> None:
    az = tools.add("az")
    az.path.write_text("#!/nonexistent/interpreter\n", encoding="utf-8")
    with pytest.raises(CredentialUnavailableError, match=f"Failed to execute '{az.path}': it or the interpreter"):
        mode.wait(mode.module.AzureCliCredential().get_token(SCOPE))
    az.path.chmod(0o600)  # no longer executable: not found on PATH at all
    with pytest.raises(CredentialUnavailableError, match="Azure CLI not found on PATH"):
        mode.wait(mode.module.AzureCliCredential().get_token(SCOPE))
