"""``azauth``: the command line entry point.

Each command is a module registered in :data:`COMMANDS`, with a docstring whose first line is its help, a
``configure(parser)`` that adds its arguments, and a ``run(args, out) -> int`` that does the work. Command
modules import anything heavy inside ``run``, so ``azauth --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import re
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
        doc = plain_text(module.__doc__ or "")
        summary = doc.splitlines()[0] if doc else ""
        sub = commands.add_parser(
            name, help=summary, description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
        )
        module.configure(sub)
    return parser


def plain_text(doc: str) -> str:
    """A docstring without reST markup, for ``--help``: ``literal`` and :role:`~a.b` become plain words."""
    text = re.sub(r":[a-z]+:`~?(?:[\w.]+\.)?([^`]+)`", r"\1", doc.strip())
    return text.replace("``", "")


USER_ERRORS: tuple[type[BaseException], ...] = (ValueError, TypeError, OSError, LookupError)
"""What a command raising means a bad argument, file or environment: one line on stderr and exit 2."""


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run the command line; returns the exit status (2 for a usage error or any other user error)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits on --help (0) and on usage errors (2)
        return exc.code if isinstance(exc.code, int) else 2
    # errors are printed once, here: without logging configured, Python's last-resort handler would print
    # azauth's WARNING records too
    quiet = logging.NullHandler()
    logging.getLogger("azauth").addHandler(quiet)
    try:
        status: int = _command(args.command).run(args, out or sys.stdout)
    except KeyboardInterrupt:
        return 130
    except USER_ERRORS as exc:
        sys.stderr.write(f"azauth {args.command}: error: {one_line(exc)}\n")
        return 2
    finally:
        logging.getLogger("azauth").removeHandler(quiet)
    return status


def one_line(exc: BaseException) -> str:
    """An exception as one line of text, for a user: its message (joined) or, without one, its type."""
    from .._troubleshooting import see

    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    text = " ".join(part.strip() for part in str(message).splitlines() if part.strip())
    if "troubleshooting:" not in text:
        text += f" ({see('command-line-errors')})"
    return text


if __name__ == "__main__":
    raise SystemExit(main())
