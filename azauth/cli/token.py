"""Get an access token with the configured credential and say which credential answered (az-compatible).

The credential is built as credential_from_config builds it (FILE, else AZAUTH_CONFIG, else AZAUTH_* variables;
--profile, else AZAUTH_PROFILE, else default_profile, else 'default'). The scope is --scope, else --resource
plus '/.default', else Azure Resource Manager's, as az does. The text output names the credential that
answered (for a chain, the member that succeeded), the tenant and the expiry; --json (or --output json) prints
az's fields except the token; --output tsv prints the token alone, for scripts, and is the only output that
shows it. Exit 1 when authentication fails or the configuration is invalid, 2 for a usage error.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
from datetime import datetime
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from azure.core.credentials import TokenRequestOptions

ARM_RESOURCE = "https://management.core.windows.net/"
"""The resource az account get-access-token asks for when given none (Azure Resource Manager, public cloud)."""


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the command's arguments."""
    parser.add_argument("file", nargs="?", metavar="FILE", help="configuration file (default: AZAUTH_CONFIG, ...)")
    parser.add_argument("--profile", help="the profile to use (default: AZAUTH_PROFILE, default_profile, default)")
    target = parser.add_mutually_exclusive_group()
    target.add_argument(
        "--scope",
        action="append",
        metavar="S",
        help="a scope to request, e.g. https://vault.azure.net/.default (repeat for several)",
    )
    target.add_argument(
        "--resource", metavar="R", help=f"a resource; the scope is R + '/.default' (default: {ARM_RESOURCE})"
    )
    parser.add_argument("--tenant", "-t", metavar="T", help="the tenant to request the token from")
    parser.add_argument(
        "--subscription", metavar="ID", help="the subscription to report in --json (default: AZURE_SUBSCRIPTION_ID)"
    )
    parser.add_argument(
        "--output",
        "-o",
        choices=("text", "json", "tsv"),
        default="text",
        help="text (default: which credential answered, tenant, expiry), json (az's fields but the token),"
        " tsv (the token alone)",
    )
    parser.add_argument("--json", action="store_const", const="json", dest="output", help="the same as --output json")


def scopes_of(args: argparse.Namespace) -> list[str]:
    """The scopes to request, as az chooses them: --scope, else --resource + '/.default', else ARM's."""
    if args.scope:
        return list(args.scope)
    return [(args.resource or ARM_RESOURCE) + "/.default"]


def run(args: argparse.Namespace, out: TextIO) -> int:
    """Build the credential, get a token, report."""
    from azure.core.exceptions import ClientAuthenticationError

    from ..config import credential_from_config
    from ..errors import ConfigError

    scopes = scopes_of(args)
    try:
        credential = credential_from_config(args.file, profile=args.profile)
    except ConfigError as exc:
        sys.stderr.write(f"{exc}\n")
        return 1
    try:
        options: TokenRequestOptions = {"tenant_id": args.tenant} if args.tenant else {}
        info = credential.get_token_info(*scopes, options=options)
        answered = answering_credential(credential)
    except ClientAuthenticationError as exc:
        sys.stderr.write(f"{exc.message}\n")
        return 1
    finally:
        close = getattr(credential, "close", None)
        if close is not None:
            close()
    if args.output == "tsv":
        out.write(info.token + "\n")
        return 0
    tenant = token_tenant(info.token, args.tenant, answered)
    if args.output == "json":
        expires = datetime.fromtimestamp(info.expires_on)
        report: dict[str, Any] = {
            "expiresOn": expires.strftime("%Y-%m-%d %H:%M:%S.%f"),
            "expires_on": int(info.expires_on),
        }
        subscription = args.subscription or os.environ.get("AZURE_SUBSCRIPTION_ID")
        if subscription:
            report["subscription"] = subscription
        report.update({"tenant": tenant, "tokenType": info.token_type or "Bearer"})
        out.write(json.dumps(report, indent=2) + "\n")
        return 0
    out.write(f"credential: {describe_answer(credential, answered)}\n")
    out.write(f"scope: {' '.join(scopes)}\n")
    if tenant:
        out.write(f"tenant: {tenant}\n")
    expires_at = datetime.fromtimestamp(info.expires_on).strftime("%Y-%m-%d %H:%M:%S")
    out.write(f"expires: {expires_at} local time ({int(info.expires_on)})\n")
    return 0


def answering_credential(credential: Any) -> Any:
    """The credential that provided the last token: for a chain (or DefaultAzureCredential) the member that
    succeeded, nested chains followed. Reads the chains' public ``selected_credential``, else the private
    attribute chains had before it."""
    seen = 0
    while seen < 32:
        member = getattr(credential, "selected_credential", None)
        if member is None:
            break
        credential = member
        seen += 1
    return credential


def credential_name(credential: Any) -> str:
    """The public class name of ``credential`` (the one it stands for, for a member that could not be built)."""
    return getattr(credential, "_credential_name", None) or type(credential).__name__


def describe_answer(credential: Any, answered: Any) -> str:
    """``ClientSecretCredential`` or ``ClientSecretCredential (in ChainedTokenCredential)``."""
    name = credential_name(answered)
    if answered is not credential:
        name += f" (in {credential_name(credential)})"
    return name


def token_tenant(token: str, requested: str | None, credential: Any) -> str:
    """The token's tenant: its ``tid`` claim when it is a JWT, else the tenant asked for or configured."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        tid = claims.get("tid") if isinstance(claims, dict) else None
        if isinstance(tid, str) and tid:
            return tid
    except (IndexError, ValueError):
        pass
    return requested or getattr(credential, "_tenant_id", None) or ""
