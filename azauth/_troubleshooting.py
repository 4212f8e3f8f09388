"""Links from error messages to ``docs/troubleshooting.md``: one helper, so every message words the link the same
way (a test checks that each anchor passed to :func:`see` is a section of the guide)."""

from __future__ import annotations

__all__ = ["TROUBLESHOOTING", "see"]

TROUBLESHOOTING = "docs/troubleshooting.md"
"""Where the troubleshooting guide lives (in the azauth repository)."""


def see(anchor: str) -> str:
    """``troubleshooting: docs/troubleshooting.md#<anchor>``, to end an error message with."""
    return f"troubleshooting: {TROUBLESHOOTING}#{anchor}"
