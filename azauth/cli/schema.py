"""Print the JSON schema of configuration documents (or write it with --output).

The schema ships inside the package (azauth/config/azauth.schema.json, generated from the models); editors and
generic validators (jsonschema, yaml-language-server) can use it. Its $id is stable.
"""

from __future__ import annotations

import argparse
from typing import TextIO


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the command's arguments."""
    parser.add_argument("--output", "-o", metavar="PATH", help="write the schema to PATH instead of printing it")


def run(args: argparse.Namespace, out: TextIO) -> int:
    """Print or write the schema."""
    from ..config.schema import packaged_schema, render_schema

    text = render_schema() if args.output else packaged_schema()
    if args.output:
        with open(args.output, "w", encoding="utf-8", newline="\n") as file:
            file.write(text)
    else:
        out.write(text)
    return 0
