"""The developer-tool specs driven by hand (no process): one RunProcess step, parsing, redaction, checks."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from azure.core.exceptions import ClientAuthenticationError

from azauth._protocol.developer_tools.azure_cli import AZURE_CLI
from azauth._protocol.developer_tools.azure_developer_cli import AZURE_DEVELOPER_CLI
from azauth._protocol.developer_tools.common import (
    ToolRequest,
    parse_local_time,
    parse_utc_time,
    redact,
    tool_flow,
    validate_argument,
    validate_subscription,
)
from azauth._protocol.steps import ProcessOutputTooLarge, ProcessResult, RunProcess
from azauth.errors import CredentialUnavailableError

REQUEST = ToolRequest(("https://vault.azure.net/.default",), "contoso.com", subscription="sub")


def test_the_flow_yields_one_run_process_step_and_parses_its_result() -> None:
    flow = tool_flow(AZURE_CLI, "/opt/az", REQUEST, timeout=7, environ={"PATH": "/opt", "HOME": "/h"}, cwd="/bin")
    step = next(flow)
    assert isinstance(step, RunProcess)
    assert list(step.argv) == [
        "/opt/az",
        *("account", "get-access-token", "--output", "json"),
        *("--resource", "https://vault.azure.net", "--tenant", "contoso.com", "--subscription", "sub"),
    ]
    assert (step.timeout, step.cwd, step.max_output) == (7, "/bin", 1 << 20)
    assert step.env == {"PATH": "/opt", "HOME": "/h", "AZURE_CORE_NO_COLOR": "true"}
    with pytest.raises(StopIteration) as done:
        flow.send(ProcessResult(0, '{"accessToken": "t", "expires_on": 1900000000}', ""))
    assert (done.value.value.token, done.value.value.expires_on) == ("t", 1900000000)
    assert "'***'" in repr(done.value.value)


@pytest.mark.parametrize(
    ("thrown", "error", "message"),
    [
        (TimeoutError("x"), CredentialUnavailableError, "did not answer within 7 seconds"),
        (FileNotFoundError("x"), CredentialUnavailableError, "Failed to execute '/opt/az'"),
        (PermissionError(13, "Permission denied"), CredentialUnavailableError, "Permission denied"),
        (ProcessOutputTooLarge("x"), ClientAuthenticationError, "more output than a token reply can be"),
    ],
)
def test_what_the_driver_throws_becomes_a_credential_error(thrown: Exception, error: type, message: str) -> None:
    flow = tool_flow(AZURE_CLI, "/opt/az", REQUEST, timeout=7, environ={}, cwd=None)
    next(flow)
    with pytest.raises(error, match=message):
        flow.throw(thrown)


def test_no_executable_and_claims_yield_nothing() -> None:
    with pytest.raises(CredentialUnavailableError, match="Azure CLI not found on PATH"):
        next(tool_flow(AZURE_CLI, None, REQUEST, timeout=1, environ={}, cwd=None))
    claims = ToolRequest(REQUEST.scopes, "", claims="{}")
    with pytest.raises(CredentialUnavailableError, match="az login --claims-challenge e30= --scope"):
        next(tool_flow(AZURE_CLI, "/opt/az", claims, timeout=1, environ={}, cwd=None))
    step = next(tool_flow(AZURE_DEVELOPER_CLI, "/opt/azd", claims, timeout=1, environ={}, cwd=None))
    assert list(step.argv)[-2:] == ["--claims", "e30="]


@pytest.mark.parametrize(
    ("text", "kept", "gone"),
    [
        ('{"accessToken": "abc.def"}', '"accessToken": "****"', "abc.def"),
        ('"refresh_token":"r-123"', '"refresh_token":"****"', "r-123"),
        ("token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln end", "token **** end", "eyJ"),
        ("azsdk%secret-value%123", "azsdk%****%123", "secret-value"),
        ("Authorization: Bearer opaque", "Bearer ****", "opaque"),
        ("key " + "Ab9+/" * 12 + " tail", "key **** tail", "Ab9+/"),
        ("\x1b[31mERROR\x1b[0m:\tbad\x00\n\n\nnext", "ERROR: bad\nnext", "\x1b"),
        ("see https://login.microsoftonline.com/contoso.com/oauth2/v2.0/token", "https://login.microsoftonline", "**"),
    ],
)
def test_redact(text: str, kept: str, gone: str) -> None:
    result = redact(text)
    assert kept in result and gone not in result


def test_redact_bounds_the_length() -> None:
    result = redact("word " * 500, limit=100)
    assert len(result) < 140 and result.endswith("more characters)")


@pytest.mark.parametrize(
    "value", ["-x", "--tenant", "a b", "a\tb", 'a"b', "a'b", "a;b", "a&b", "a|b", "$x", "a\nb", "é", ""]
)
def test_validate_argument_refuses(value: str) -> None:
    with pytest.raises(ValueError):
        validate_argument(value, "scope")


@pytest.mark.parametrize("value", ["https://vault.azure.net/.default", "api://app-1/.default", "contoso.com"])
def test_validate_argument_accepts(value: str) -> None:
    assert validate_argument(value, "scope") == value


def test_validate_subscription() -> None:
    assert validate_subscription("My Subscription 2") == "My Subscription 2"
    for bad in ("-s", " lead", "trail ", "a;b", "a'b", ""):
        with pytest.raises(ValueError, match="subscription"):
            validate_subscription(bad)


def test_time_parsers() -> None:
    assert parse_local_time("2031-03-04 05:06:07") == int(datetime(2031, 3, 4, 5, 6, 7).timestamp())
    assert parse_local_time("tomorrow") is None and parse_local_time(17) is None
    utc = int(datetime(2031, 3, 4, 5, 6, 7, tzinfo=timezone.utc).timestamp())
    assert parse_utc_time("2031-03-04T05:06:07Z") == utc
    assert parse_utc_time("2031-03-04T05:06:07.5Z") == utc
    assert parse_utc_time("2031-03-04T07:06:07+02:00") == utc
    assert parse_utc_time("2031-03-04T05:06:07") == utc
    plus = datetime(2031, 3, 4, 5, 6, 7, tzinfo=timezone(timedelta(hours=-5)))
    assert parse_utc_time(plus.isoformat()) == int(plus.timestamp())
    assert parse_utc_time("") is None and parse_utc_time(None) is None


def test_executables_are_found_on_the_given_path_only(tmp_path: Path) -> None:
    from azauth._core.developer_tool import find_executable
    from azauth._protocol.developer_tools.azure_powershell import AZURE_POWERSHELL

    assert AZURE_CLI.candidates(True) == ("az.cmd", "az") and AZURE_CLI.candidates(False) == ("az",)
    assert AZURE_POWERSHELL.candidates(True) == ("pwsh", "powershell")
    cmd = tmp_path / "az.cmd"
    cmd.write_text("@echo off\n", encoding="utf-8")
    cmd.chmod(0o755)
    assert find_executable(AZURE_CLI.candidates(True), str(tmp_path)) == str(cmd)  # az.cmd first, as on Windows
    assert find_executable(AZURE_CLI.candidates(False), str(tmp_path)) is None
    assert find_executable(("sh",), "") is None and find_executable(("sh",), None) is None  # no PATH: nothing
