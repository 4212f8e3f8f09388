"""Reading the Markdown documents whose examples the tests run."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


@dataclass(frozen=True)
class Block:
    """A fenced code block: its language, its text, the line it starts on and the section it is in."""

    language: str
    text: str
    line: int
    section: str


def anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as '-'."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def blocks(path: Path) -> list[Block]:
    """Every fenced block of ``path``, in order, with the anchor of the ``##`` section holding it."""
    found: list[Block] = []
    section = ""
    language: str | None = None
    lines: list[str] = []
    start = 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if language is None:
            if line.startswith("## "):
                section = anchor(line[3:])
            elif line.startswith("```"):
                language, lines, start = line[3:].strip(), [], number
        elif line.startswith("```"):
            found.append(Block(language, "\n".join(lines) + "\n", start, section))
            language = None
        else:
            lines.append(line)
    return found


def sections(path: Path) -> list[str]:
    """The anchors of the ``##`` sections of ``path``."""
    return [anchor(line[3:]) for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("## ")]
