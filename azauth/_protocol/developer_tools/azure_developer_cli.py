"""The Azure Developer CLI: ``azd auth token --output json --no-prompt --scope S... [--tenant-id T] [--claims C]``.

Success is ``{"token": ..., "expiresOn": "2024-05-01T12:00:00Z"}`` (UTC). Failures: "not logged in" without an
Entra error is unavailable, as is an azd too old for ``--claims``; anything else is an authentication error
whose message is azd's structured error (azd 1.23.7+ prints ``{"error": ...}`` lines, older versions a
``consoleMessage`` line), redacted.
"""

from __future__ import annotations

import json

from azure.core.credentials import AccessTokenInfo
from azure.core.exceptions import ClientAuthenticationError

from ...errors import CredentialUnavailableError
from ..steps import ProcessResult
from .common import Tool, ToolRequest, describe_output, encode_claims, parse_utc_time, redact, token_info

__all__ = ["AZURE_DEVELOPER_CLI", "NOT_LOGGED_IN", "structured_error"]

NAME = "Azure Developer CLI"
TROUBLESHOOT = "https://aka.ms/azsdk/python/identity/azdevclicredential/troubleshoot"
NOT_LOGGED_IN = "Please run 'azd auth login' from a command prompt to authenticate before using this credential."
UNKNOWN_CLAIMS_FLAG = (
    "Claims challenges are not supported by the Azure Developer CLI version you are using. Please update to"
    " version 1.18.1 or later."
)


def argv(executable: str, request: ToolRequest) -> list[str]:
    args = [executable, "auth", "token", "--output", "json", "--no-prompt"]
    for scope in request.scopes:
        args += ["--scope", scope]
    if request.tenant:
        args += ["--tenant-id", request.tenant]
    if request.claims:
        args += ["--claims", encode_claims(request.claims)]
    return args


def structured_error(output: str) -> str | None:
    """The message of azd's JSON error lines: the first ``error`` field, else the first ``consoleMessage``'s
    ``data.message``; redacted; ``None`` when there is neither."""
    fallback: str | None = None
    for line in output.splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if not isinstance(item, dict):
            continue
        error = item.get("error")
        if isinstance(error, str) and error.strip():
            return redact(error)
        data = item.get("data")
        if fallback is None and isinstance(data, dict):
            message = data.get("message")
            if isinstance(message, str) and message.strip():
                fallback = message
    return redact(fallback) if fallback else None


def parse(result: ProcessResult) -> AccessTokenInfo:
    try:
        reply = json.loads(result.stdout)
    except ValueError:
        reply = None
    if not isinstance(reply, dict) or "token" not in reply:
        message = structured_error(result.stdout) or (
            f"Unexpected output from {NAME}: {describe_output(result.stdout)} that is not a token reply. To"
            f" mitigate this issue, please refer to the troubleshooting guidelines here at {TROUBLESHOOT}."
        )
        raise ClientAuthenticationError(message=message)
    expires_on = parse_utc_time(reply.get("expiresOn"))
    if expires_on is None:
        raise ClientAuthenticationError(
            message=f"Unexpected output from {NAME}: no valid 'expiresOn' in its JSON reply. To mitigate this"
            f" issue, please refer to the troubleshooting guidelines here at {TROUBLESHOOT}."
        )
    return token_info(reply.get("token"), expires_on, NAME)


def classify(result: ProcessResult) -> Exception:
    combined = f"{result.stdout}\n{result.stderr}"
    if result.returncode == 127 or result.stderr.startswith("'azd' is not recognized"):
        return CredentialUnavailableError(message=AZURE_DEVELOPER_CLI.not_found)
    if "not logged in, run `azd auth login` to login" in combined and "AADSTS" not in combined:
        return CredentialUnavailableError(message=NOT_LOGGED_IN)
    if "unknown flag: --claims" in combined:
        return CredentialUnavailableError(message=UNKNOWN_CLAIMS_FLAG)
    message = (
        structured_error(result.stdout)
        or structured_error(result.stderr)
        or redact(result.stderr)
        or f"Failed to invoke {NAME} (exit code {result.returncode}, no error output)"
    )
    return ClientAuthenticationError(message=message)


AZURE_DEVELOPER_CLI = Tool(
    name=NAME,
    credential="AzureDeveloperCliCredential",
    executables=("azd",),
    windows_executables=("azd",),
    install_url="https://aka.ms/azure-dev",
    troubleshoot_url=TROUBLESHOOT,
    argv=argv,
    parse=parse,
    classify=classify,
    env={"NO_COLOR": "true"},
)
