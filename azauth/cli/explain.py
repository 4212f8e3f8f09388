"""Explain which configuration and profile are used, and what each credential finds or misses.

The source is the FILE argument, else AZAUTH_CONFIG, else AZAUTH_* variables, else the built-in profiles; the
profile is --profile, else AZAUTH_PROFILE, else the document's default_profile, else 'default'. For each
credential of the profile (chains expanded, profile references followed) it lists the keys written in the file,
the ${VAR} references, the environment variables, files and programs the credential reads, and the
managed-identity host the environment selects. Nothing is built: no network, no process, no file written;
secrets are shown only as set or unset. A chain is ready when every member can be built and one is ready. Exit 1 when
the profile's credential lacks an input or the configuration is invalid.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from ..config.explain import CredentialNode, Explanation


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the command's arguments."""
    parser.add_argument("file", nargs="?", metavar="FILE", help="configuration file (default: AZAUTH_CONFIG, ...)")
    parser.add_argument("--profile", help="the profile to explain (default: AZAUTH_PROFILE, default_profile, default)")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or json")


def run(args: argparse.Namespace, out: TextIO) -> int:
    """Explain the configuration; 0 when the profile's credential has its inputs, 1 otherwise."""
    from ..config.explain import explain

    explanation = explain(args.file, profile=args.profile)
    if args.format == "json":
        out.write(json.dumps(explanation.as_dict(), indent=2) + "\n")
    else:
        out.write(render(explanation))
    return 0 if explanation.ready else 1


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
    if node.type == "chain" and node.ready:
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


def _name(node: CredentialNode) -> str:
    while node.type == "profile" and node.members:
        node = node.members[0]
    return node.class_name
