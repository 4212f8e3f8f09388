"""The Azure CLI: ``az account get-access-token --output json --resource R [--tenant T] [--subscription S]``.

Success is a JSON object with ``accessToken`` and ``expires_on`` (epoch seconds, az 2.54+) or, from older
versions, ``expiresOn`` (a naive local date-time). A failure is classified from stderr as azure-identity does:
"run az login" without an Entra error means nobody is signed in (unavailable); anything else, including
Entra's AADSTS errors (expired sign-in, MFA required), is an authentication error.
"""

from __future__ import annotations

import json

from azure.core.credentials import AccessTokenInfo
from azure.core.exceptions import ClientAuthenticationError

from ...errors import CredentialUnavailableError
from ..steps import ProcessResult
from .common import (
    Tool,
    ToolRequest,
    describe_output,
    encode_claims,
    parse_epoch,
    parse_local_time,
    redact,
    scopes_to_resource,
    token_info,
)

__all__ = ["AZURE_CLI", "NOT_LOGGED_IN"]

NAME = "Azure CLI"
TROUBLESHOOT = "https://aka.ms/azsdk/python/identity/azclicredential/troubleshoot"
NOT_LOGGED_IN = "Please run 'az login' to set up an account"


def argv(executable: str, request: ToolRequest) -> list[str]:
    args = [executable, "account", "get-access-token", "--output", "json"]
    args += ["--resource", scopes_to_resource(request.scopes)]
    if request.tenant:
        args += ["--tenant", request.tenant]
    if request.subscription:
        args += ["--subscription", request.subscription]
    return args


def parse(result: ProcessResult) -> AccessTokenInfo:
    try:
        reply = json.loads(result.stdout)
    except ValueError:
        reply = None
    if not isinstance(reply, dict):
        raise ClientAuthenticationError(
            message=f"Unexpected output from {NAME}: {describe_output(result.stdout)} that is not a JSON object."
            f" To mitigate this issue, please refer to the troubleshooting guidelines here at {TROUBLESHOOT}."
        )
    if "expires_on" in reply:
        expires_on = parse_epoch(reply["expires_on"])
        field = "expires_on"
    else:
        expires_on = parse_local_time(reply.get("expiresOn"))
        field = "expiresOn"
    if expires_on is None:
        raise ClientAuthenticationError(
            message=f"Unexpected output from {NAME}: no valid '{field}' in its JSON reply. To mitigate this issue,"
            f" please refer to the troubleshooting guidelines here at {TROUBLESHOOT}."
        )
    return token_info(reply.get("accessToken"), expires_on, NAME)


def classify(result: ProcessResult) -> Exception:
    stderr = result.stderr
    if result.returncode == 127 or stderr.startswith("'az' is not recognized"):
        return CredentialUnavailableError(message=AZURE_CLI.not_found)
    if ("az login" in stderr or "az account set" in stderr) and "AADSTS" not in stderr:
        return CredentialUnavailableError(message=NOT_LOGGED_IN)
    detail = redact(stderr) or f"Failed to invoke {NAME} (exit code {result.returncode}, no error output)"
    return ClientAuthenticationError(message=detail)


def claims_hint(claims: str, request: ToolRequest) -> str:
    hint = (
        "This credential doesn't support claims challenges. To authenticate with the required claims, please run"
        " the following command (requires Azure CLI version 2.76.0 or later): az login --claims-challenge"
        f" {encode_claims(claims)}"
    )
    if request.tenant:
        hint += f" --tenant {request.tenant}"
    return hint + f" --scope {request.scopes[0]}"


AZURE_CLI = Tool(
    name=NAME,
    credential="AzureCliCredential",
    executables=("az",),
    windows_executables=("az.cmd", "az"),
    install_url="https://aka.ms/azure-cli",
    troubleshoot_url=TROUBLESHOOT,
    argv=argv,
    parse=parse,
    classify=classify,
    claims_hint=claims_hint,
    env={"AZURE_CORE_NO_COLOR": "true"},
)
