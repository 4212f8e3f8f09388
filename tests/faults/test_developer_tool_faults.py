"""The developer-tool credentials (Azure CLI, Azure Developer CLI, Azure PowerShell) in the fault matrix: a
tool that floods its output, prints garbage or a huge JSON reply, or fails with a token on stderr ends in a
public error type, with no planted secret in the message, repr or log, and with no process left (by pid).

Covered in tests/developer_tools and not repeated here: a tool that hangs (with a child) is killed with its
process group at ``process_timeout`` (test_tool_processes.py::test_timeout_kills_the_tool_and_its_children,
all three tools, both modes), an async call cancelled mid-run kills the tool
(test_tool_processes.py::test_cancelling_an_async_call_kills_the_tool), a child holding stdout open
(test_tool_processes.py::test_a_child_holding_the_output_open_is_bounded_and_killed), and each tool's own
error classification (test_azure_cli.py, test_azure_developer_cli.py, test_azure_powershell.py).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from azure.core.exceptions import ClientAuthenticationError

from tests.developer_tools.fake_tools import FakeTools, tools_alone_on_path, wait_until_dead
from tests.faults.fault_families import CANARY
from tests.support import SCOPE, Mode

CREDENTIALS = {"az": "AzureCliCredential", "azd": "AzureDeveloperCliCredential", "pwsh": "AzurePowerShellCredential"}
OUTPUT_LIMIT = 1 << 20
"""The most output a tool run may produce (1 MiB)."""


def _flood() -> dict[str, Any]:  # several times the limit, and the tool never exits on its own
    return {"stdout": CANARY * (4 * OUTPUT_LIMIT // len(CANARY)), "hang": True}


def _huge_json(tool: str) -> dict[str, Any]:  # a well-formed reply padded past the limit, then a clean exit
    pad = "x" * (2 * OUTPUT_LIMIT)
    if tool == "az":
        return {"stdout": json.dumps({"accessToken": CANARY, "expires_on": 4102444800, "pad": pad})}
    if tool == "azd":
        return {"stdout": json.dumps({"token": CANARY, "expiresOn": "2100-01-01T00:00:00Z", "pad": pad})}
    return {"stdout": f"\nazsdk%{CANARY}%4102444800%{pad}\n"}


FAULTS: dict[str, Any] = {
    "flood": lambda tool: _flood(),
    "huge-json": _huge_json,
    "garbage": lambda tool: {"stdout": f"\x00\xff<html>{CANARY}{{]not json\n" * 50},
    "token-on-stderr": lambda tool: {
        "stderr": f'ERROR: failed {{"accessToken": "{CANARY}", "token": "{CANARY}"}}\nAuthorization: Bearer {CANARY}\n',
        "exit": 1,
    },
}


@pytest.fixture
def tools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeTools:
    return tools_alone_on_path(tmp_path, monkeypatch)


@pytest.mark.parametrize("fault", sorted(FAULTS))
@pytest.mark.parametrize("tool", sorted(CREDENTIALS))
def test_tool_fault_ends_in_a_clean_error_and_leaves_no_process(
    mode: Mode, tools: FakeTools, tool: str, fault: str, caplog: pytest.LogCaptureFixture
) -> None:
    fake = tools.add(tool)
    fake.behave(**FAULTS[fault](tool))
    credential = getattr(mode.module, CREDENTIALS[tool])(process_timeout=10)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ClientAuthenticationError) as caught:
        mode.wait(credential.get_token(SCOPE))
    error = caught.value
    text = "\n".join([str(error), repr(error), repr(credential), caplog.text])
    assert CANARY not in text
    assert len(str(error)) < 4000  # bounded: never the tool's output
    if fault in ("flood", "huge-json"):
        assert "more output than a token reply can be" in str(error)
    elif fault == "garbage":
        assert "Unexpected output from" in str(error) and "bytes" in str(error)  # its size, not its text
    else:  # the tool's stderr is shown, with the token-like parts masked
        assert "Authorization: Bearer ****" in str(error)
    (run,) = fake.runs
    assert wait_until_dead(run["pid"])
    mode.close(credential)
