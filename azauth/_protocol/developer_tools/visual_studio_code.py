"""Visual Studio Code: the Azure Resources extension's authentication record, and what the broker needs.

The extension (``ms-azuretools.vscode-azureresourcegroups``) signs the user in through the platform's
authentication broker and writes an authentication record (JSON: ``authority``, ``clientId``,
``homeAccountId``, ``tenantId``, ``username``) to ``~/.azure/ms-azuretools.vscode-azureresourcegroups/
authRecord.json``. azure-identity 1.27 reads that record and asks the broker, as the extension's client
application, for a token for the recorded account, without any interaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..validation import validate_tenant_id

__all__ = [
    "AUTH_RECORD_PATHS",
    "BROKER_MODULE",
    "MAX_AUTH_RECORD_BYTES",
    "VSCODE_CLIENT_ID",
    "VSCodeAccount",
    "parse_auth_record",
]

VSCODE_CLIENT_ID = "aebc6443-996d-45c2-90f0-388ff96faa56"
"""The Azure Resources extension's application (client) ID."""
AUTH_RECORD_PATHS = (
    (".azure", "ms-azuretools.vscode-azureresourcegroups", "authRecord.json"),
    (".Azure", "ms-azuretools.vscode-azureresourcegroups", "authRecord.json"),
)
"""Where the record lives, relative to the home directory, in the order they are tried."""
MAX_AUTH_RECORD_BYTES = 10 * 1024
BROKER_MODULE = "pymsalruntime"
"""The broker runtime msal uses (installed by ``pip install azure-identity-broker`` or ``msal[broker]``)."""
SIGN_IN_HINT = "Please ensure you have the Azure Resources extension installed and have signed in to Azure in it."


@dataclass(frozen=True, slots=True)
class VSCodeAccount:
    """The account the extension signed in, from its authentication record."""

    authority: str
    client_id: str
    home_account_id: str
    tenant_id: str
    username: str


def parse_auth_record(data: bytes, where: str) -> VSCodeAccount:
    """The account in the record at ``where``; ``ValueError`` listing every problem (never the file's content)."""
    try:
        record = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ValueError(f"the authentication record {where} is not JSON. {SIGN_IN_HINT}") from None
    if not isinstance(record, dict):
        raise ValueError(f"the authentication record {where} is not a JSON object. {SIGN_IN_HINT}")
    problems: list[str] = []
    values: dict[str, str] = {}
    for key in ("authority", "clientId", "homeAccountId", "tenantId", "username"):
        value = record.get(key)
        if key not in record:
            problems.append(f"{key} is missing")
        elif not isinstance(value, str) or not value.strip():
            problems.append(f"{key} must be a non-empty string")
        else:
            values[key] = value
    if "tenantId" in values:
        try:
            validate_tenant_id(values["tenantId"], role="tenantId")
        except ValueError as exc:
            problems.append(str(exc))
    if "clientId" in values and values["clientId"] != VSCODE_CLIENT_ID:
        problems.append(f"clientId must be the Azure Resources extension's client ID {VSCODE_CLIENT_ID}")
    if problems:
        raise ValueError(f"the authentication record {where} is invalid: {'; '.join(problems)}. {SIGN_IN_HINT}")
    return VSCodeAccount(
        authority=values["authority"],
        client_id=values["clientId"],
        home_account_id=values["homeAccountId"],
        tenant_id=values["tenantId"],
        username=values["username"],
    )
