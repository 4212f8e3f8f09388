"""Get an access token with the configured credential and say which credential answered.

The credential is built as credential_from_config builds it (FILE, else AZAUTH_CONFIG, else AZAUTH_* variables;
--profile, else AZAUTH_PROFILE, else default_profile, else 'default'). The text output names the credential
that answered (for a chain, the member that succeeded) and the expiry, never the token; --json prints the
fields of `az account get-access-token`, the token included. Exit 1 when authentication fails or the
configuration is invalid.
"""

from __future__ import annotations

import argparse
import base64
import json
import logging
import sys
from datetime import datetime
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from azure.core.credentials import TokenRequestOptions


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the command's arguments."""
    parser.add_argument("file", nargs="?", metavar="FILE", help="configuration file (default: AZAUTH_CONFIG, ...)")
    parser.add_argument("--profile", help="the profile to use (default: AZAUTH_PROFILE, default_profile, default)")
    parser.add_argument(
        "--scope",
        action="append",
        required=True,
        metavar="S",
        help="a scope to request, e.g. https://management.azure.com/.default (repeat for several)",
    )
    parser.add_argument("--tenant", metavar="T", help="the tenant to request the token from")
    parser.add_argument(
        "--json", action="store_true", help="print az account get-access-token's fields, token included"
    )


def run(args: argparse.Namespace, out: TextIO) -> int:
    """Build the credential, get a token, report."""
    # the error is printed below: without logging configured, Python's last-resort handler would print it twice
    quiet = logging.NullHandler()
    logging.getLogger("azauth").addHandler(quiet)
    try:
        return _run(args, out)
    finally:
        logging.getLogger("azauth").removeHandler(quiet)


def _run(args: argparse.Namespace, out: TextIO) -> int:
    from azure.core.exceptions import ClientAuthenticationError

    from ..config import credential_from_config
    from ..errors import ConfigError

    try:
        credential = credential_from_config(args.file, profile=args.profile)
    except ConfigError as exc:
        sys.stderr.write(f"{exc}\n")
        return 1
    try:
        options: TokenRequestOptions = {"tenant_id": args.tenant} if args.tenant else {}
        info = credential.get_token_info(*args.scope, options=options)
        answered = answering_credential(credential)
    except ClientAuthenticationError as exc:
        sys.stderr.write(f"{exc.message}\n")
        return 1
    except ValueError as exc:  # a bad scope or tenant argument
        sys.stderr.write(f"{exc}\n")
        return 1
    finally:
        close = getattr(credential, "close", None)
        if close is not None:
            close()
    expires = datetime.fromtimestamp(info.expires_on)
    if args.json:
        report = {
            "accessToken": info.token,
            "expiresOn": expires.strftime("%Y-%m-%d %H:%M:%S.%f"),
            "expires_on": int(info.expires_on),
            "tenant": _tenant(info.token, args.tenant, answered),
            "tokenType": info.token_type or "Bearer",
        }
        out.write(json.dumps(report, indent=2) + "\n")
    else:
        name = _credential_name(answered)
        if answered is not credential:
            name += f" (in {_credential_name(credential)})"
        out.write(f"credential: {name}\n")
        out.write(f"expires: {expires.strftime('%Y-%m-%d %H:%M:%S')} local time ({int(info.expires_on)})\n")
    return 0


def answering_credential(credential: Any) -> Any:
    """The credential that provided the last token: for a chain, the member that succeeded (nested chains too)."""
    seen = 0
    while getattr(credential, "selected_credential", None) is not None and seen < 32:
        credential = credential.selected_credential
        seen += 1
    return credential


def _credential_name(credential: Any) -> str:
    return getattr(credential, "_credential_name", None) or type(credential).__name__


def _tenant(token: str, requested: str | None, credential: Any) -> str:
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
