"""Print the JSON schema of configuration documents (or write it with --output).

The schema is generated from the models; ``schemas/azauth.schema.json`` holds a copy for editors and CI.
"""

from __future__ import annotations

import argparse
from typing import TextIO


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the command's arguments."""
    parser.add_argument("--output", "-o", metavar="PATH", help="write the schema to PATH instead of printing it")


def run(args: argparse.Namespace, out: TextIO) -> int:
    """Print or write the schema."""
    from ..config.schema import render_schema

    text = render_schema()
    if args.output:
        with open(args.output, "w", encoding="utf-8", newline="\n") as file:
            file.write(text)
    else:
        out.write(text)
    return 0
