"""Explain which configuration and profile are used, and what each credential finds or misses.

The source is the FILE argument, else AZAUTH_CONFIG, else AZAUTH_* variables, else the built-in profiles; the
profile is --profile, else AZAUTH_PROFILE, else the document's default_profile, else 'default'. For each
credential of the profile (chains expanded, profile references followed) it lists the keys written in the file,
the ${VAR} references, the environment variables, files and programs the credential reads, and the
managed-identity host the environment selects. Nothing is built: no network, no process, no file written;
secrets are shown only as set or unset. A chain (and DefaultAzureCredential) is ready when one member is ready: a
member that cannot be built is unavailable in the chain. For DefaultAzureCredential it predicts which member is tried
first and which are ruled out or excluded, and why. --probe then builds the credential and asks for a token, and
reports which credential answered. Exit 1 when the profile's credential lacks an input or the configuration is
invalid (with --probe: when no token was obtained).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from ..config.explain import CredentialNode, Explanation


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the command's arguments."""
    parser.add_argument("file", nargs="?", metavar="FILE", help="configuration file (default: AZAUTH_CONFIG, ...)")
    parser.add_argument("--profile", help="the profile to explain (default: AZAUTH_PROFILE, default_profile, default)")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or json")
    parser.add_argument(
        "--probe",
        action="store_true",
        help="also build the credential and ask it for a token (network, processes): report who answered",
    )
    parser.add_argument(
        "--scope",
        default=PROBE_SCOPE,
        metavar="S",
        help=f"the scope --probe requests (default {PROBE_SCOPE})",
    )


PROBE_SCOPE = "https://management.azure.com/.default"


def run(args: argparse.Namespace, out: TextIO) -> int:
    """Explain the configuration; 0 when the profile's credential has its inputs (with --probe: when it got
    a token), 1 otherwise."""
    from ..config.explain import explain

    explanation = explain(args.file, profile=args.profile)
    probed = probe(args.file, args.profile, args.scope) if args.probe else None
    if args.format == "json":
        report = explanation.as_dict()
        if probed is not None:
            report["probe"] = probed
        out.write(json.dumps(report, indent=2) + "\n")
    else:
        out.write(render(explanation))
        if probed is not None:
            out.write(render_probe(probed))
    if probed is not None:
        return 0 if probed["ok"] else 1
    return 0 if explanation.ready else 1


def probe(file: str | None, profile: str | None, scope: str) -> dict[str, Any]:
    """Build the credential and ask it for a token: who answered (``answered``, the chain of classes that led
    there in ``via``) or why it failed. The token itself is never part of the result."""
    import logging

    from azure.core.exceptions import ClientAuthenticationError

    from ..config import credential_from_config
    from ..errors import ConfigError
    from .token import answering_credential

    result: dict[str, Any] = {"scope": scope, "ok": False, "answered": None, "via": [], "expires_on": None}
    quiet = logging.NullHandler()  # the failure is reported below, once
    logging.getLogger("azauth").addHandler(quiet)
    try:
        try:
            credential = credential_from_config(file, profile=profile)
        except ConfigError as exc:
            result["error"] = str(exc)
            return result
        try:
            info = credential.get_token_info(scope)  # type: ignore[attr-defined]
        except (ClientAuthenticationError, ValueError) as exc:
            result["error"] = getattr(exc, "message", None) or str(exc)
            return result
        finally:
            credential.close()  # type: ignore[attr-defined]
    finally:
        logging.getLogger("azauth").removeHandler(quiet)
    answered = answering_credential(credential)
    via: list[str] = []
    node: Any = credential
    while node is not answered and len(via) < 32:
        via.append(_credential_name(node))
        node = getattr(node, "selected_credential", None)
    result.update(ok=True, answered=_credential_name(answered), via=via, expires_on=int(info.expires_on))
    return result


def _credential_name(credential: Any) -> str:
    return getattr(credential, "_credential_name", None) or type(credential).__name__


def render_probe(probed: Mapping[str, Any]) -> str:
    """The text report of :func:`probe`."""
    lines = ["", f"probe ({probed['scope']}):"]
    if probed["ok"]:
        via = f" (through {' > '.join(probed['via'])})" if probed["via"] else ""
        lines.append(f"  answered by {probed['answered']}{via}; the token expires at {probed['expires_on']}")
    else:
        lines.append("  no token:")
        lines.extend(f"    {line}" for line in str(probed.get("error", "")).splitlines())
    return "\n".join(lines) + "\n"


def render(explanation: Explanation) -> str:
    """The text report."""
    lines: list[str] = []
    where = f"{explanation.source_path} " if explanation.source_path else ""
    lines.append(f"source: {where}({explanation.source_reason})")
    if explanation.overlay:
        lines.append(f"  AZAUTH_* variables laid over it: {', '.join(explanation.overlay)}")
    lines.append(f"profile: {explanation.profile} ({explanation.profile_reason})")
    for name in explanation.shadowed:
        lines.append(f"  the document's profile {name!r} replaces the built-in profile {name!r}")
    if explanation.root is not None:
        lines.append("")
        _node(explanation.root, 0, lines)
    errors = [p for p in explanation.problems if p.severity == "error"]
    others = [p for p in explanation.problems if p.severity != "error"]
    if errors or others:
        lines.append("")
        if errors:
            header = "invalid configuration" + (f" ({len(errors)} problems)" if len(errors) > 1 else "")
        else:
            header = "warnings"
        lines.append(header + ":")
        lines.extend(f"  {p}" for p in [*errors, *others])
    lines.append("")
    lines.append(
        "ready" if explanation.ready else "not ready: a required input is missing or the configuration is invalid"
    )
    return "\n".join(lines) + "\n"


def _node(node: CredentialNode, depth: int, lines: list[str]) -> None:
    indent = "  " * depth
    title = node.class_name if node.type != "profile" else "profile reference"
    labels = [node.type] if node.type != "profile" else []
    if node.profile is not None:
        labels.append(f"built-in profile {node.profile!r}" if node.builtin else f"profile {node.profile!r}")
    elif node.builtin:
        labels.append("built-in")
    state = "ready" if node.ready else "unavailable" if node.buildable else "cannot be built"
    if node.type in ("chain", "default") and node.ready:
        first = next(m for m in node.members if m.ready)
        state += f" (first ready member: {_name(first)})"
    head = f"{indent}{title} [{', '.join(labels)}]" if labels else f"{indent}{title}"
    lines.append(f"{head} at {node.where}: {state}")
    if node.note:
        lines.append(f"{indent}  ! {node.note}" if not node.ready and not node.members else f"{indent}  {node.note}")
    for finding in node.findings:
        mark = "  <- missing, the credential cannot be built" if finding.blocks_build else ""
        mark = mark or ("  <- missing" if finding.missing else "")
        nested = "  " if finding.group is not None else ""
        lines.append(f"{indent}  {nested}- {finding.name} ({finding.source}): {finding.status}{mark}")
    for member in node.members:
        _node(member, depth + 1, lines)
    for class_name, reason in node.excluded:
        lines.append(f"{indent}  {class_name}: excluded ({reason})")


def _name(node: CredentialNode) -> str:
    while node.type == "profile" and node.members:
        node = node.members[0]
    return node.class_name
