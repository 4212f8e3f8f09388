"""``azauth``: the command line entry point.

Each command is a module registered in :data:`COMMANDS`, with a docstring whose first line is its help, a
``configure(parser)`` that adds its arguments, and a ``run(args, out) -> int`` that does the work. Command
modules import anything heavy inside ``run``, so ``azauth --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import TextIO

__all__ = ["COMMANDS", "build_parser", "main"]

COMMANDS: dict[str, str] = {
    "validate": "azauth.cli.validate",
    "schema": "azauth.cli.schema",
    "explain": "azauth.cli.explain",
    "token": "azauth.cli.token",
    "demo": "azauth.cli.demo",
    "emulator": "azauth.cli.emulator_cmd",
}
"""Command name -> module implementing it."""


def _command(name: str) -> ModuleType:
    return importlib.import_module(COMMANDS[name])


def build_parser() -> argparse.ArgumentParser:
    """The parser of every registered command."""
    from .._version import VERSION

    parser = argparse.ArgumentParser(prog="azauth", description="azauth: Azure credentials, configured.")
    parser.add_argument("--version", action="version", version=f"azauth {VERSION}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        module = _command(name)
        summary = (module.__doc__ or "").strip().splitlines()[0] if module.__doc__ else ""
        sub = commands.add_parser(name, help=summary, description=(module.__doc__ or "").strip())
        module.configure(sub)
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run the command line; returns the exit status (2 for a usage error)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits on --help (0) and on usage errors (2)
        return exc.code if isinstance(exc.code, int) else 2
    status: int = _command(args.command).run(args, out or sys.stdout)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
