"""Check configuration files: structure, keys, values and profile references; exit 1 when one is invalid.

Plain validation checks the structure and lists ${VAR}, {env:} and {file:} references as notes; --resolve
also resolves them from this environment (run it where the application runs). Nothing is built: no network,
no process, no file written. AZAUTH_* variables are not laid over the files, but one that matches no
setting (a typo such as AZAUTH_PROFILS__APP__TYPE) is an error.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from ..errors import ConfigProblem


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the command's arguments."""
    parser.add_argument("files", nargs="+", metavar="FILE", help="configuration files (.yaml, .yml, .toml, .json)")
    parser.add_argument("--strict", action="store_true", help="treat warnings (such as a literal secret) as errors")
    parser.add_argument(
        "--resolve", action="store_true", help="resolve ${VAR}, {env:} and {file:} references from this environment"
    )
    parser.add_argument(
        "--format",
        choices=("text", "json", "github"),
        default="text",
        help="text (default), json, or github (workflow annotations)",
    )
    parser.add_argument(
        "--quiet-notes",
        action="store_true",
        help="leave out notes (references resolved when built): errors and warnings only",
    )


def check_file(path: str, *, resolve: bool, strict: bool) -> list[ConfigProblem]:
    """Every problem, warning and note of one file; with ``strict``, warnings become errors."""
    from dataclasses import replace

    from ..config.loader import check
    from ..config.sources import read_file
    from ..errors import ConfigError

    try:
        problems = check(read_file(path), resolve=resolve, environ=os.environ).problems
    except ConfigError as exc:
        problems = list(exc.problems)
    if strict:
        problems = [replace(p, severity="error") if p.severity == "warning" else p for p in problems]
    return problems


def run(args: argparse.Namespace, out: TextIO) -> int:
    """Validate each file and report in the chosen format."""
    from ..config.loader import unknown_env_problems

    results = {path: check_file(path, resolve=args.resolve, strict=args.strict) for path in args.files}
    environment = unknown_env_problems(os.environ, "error")
    if environment:
        results = {"<environment>": environment, **results}
    if args.quiet_notes:
        results = {path: [p for p in problems if p.severity != "note"] for path, problems in results.items()}
    invalid = [path for path, problems in results.items() if any(p.severity == "error" for p in problems)]
    if args.format == "json":
        out.write(json.dumps(_as_json(results, invalid), indent=2) + "\n")
    else:
        for path, problems in results.items():
            for problem in problems:
                out.write((_github(problem) if args.format == "github" else str(problem)) + "\n")
            if args.format == "text":
                out.write(f"{path}: {_summary(problems, path in invalid)}\n")
    return 1 if invalid else 0


def _summary(problems: list[ConfigProblem], invalid: bool) -> str:
    counts = {kind: sum(p.severity == kind for p in problems) for kind in ("error", "warning", "note")}
    details = ", ".join(f"{n} {kind}{'s' if n != 1 else ''}" for kind, n in counts.items() if n)
    return ("invalid" if invalid else "valid") + (f" ({details})" if details else "")


def _as_json(results: dict[str, list[ConfigProblem]], invalid: list[str]) -> dict[str, Any]:
    return {
        "valid": not invalid,
        "files": [
            {
                "file": path,
                "valid": path not in invalid,
                "problems": [
                    {
                        "file": p.file,
                        "line": p.line,
                        "column": p.column,
                        "path": p.path,
                        "severity": p.severity,
                        "message": p.message,
                    }
                    for p in problems
                ],
            }
            for path, problems in results.items()
        ],
    }


def _escape(text: str, *, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def _github(problem: ConfigProblem) -> str:
    """A GitHub Actions workflow command: ``::error file=F,line=L,col=C,title=T::message``."""
    level = {"error": "error", "warning": "warning", "note": "notice"}[problem.severity]
    fields = [f"file={_escape(problem.file, property_value=True)}"]
    if problem.line is not None:
        fields.append(f"line={problem.line}")
    if problem.column is not None:
        fields.append(f"col={problem.column}")
    fields.append("title=" + _escape(f"azauth {problem.path or 'config'}", property_value=True))
    message = f"{problem.path}: {problem.message}" if problem.path else problem.message
    return f"::{level} {','.join(fields)}::{_escape(message)}"
