"""The examples of docs/quickstart.md and docs/migration.md, run for real against the emulator.

A block whose first line is ``# file: NAME`` is written to NAME in a scratch folder (an azauth configuration,
``auth*.yaml``/``.toml``/``.json``, is also validated); a ``bash`` block is run there with ``bash -euo
pipefail``, in an environment pointing at the emulator (what ``azauth emulator`` prints); a ``text`` block
right after a ``bash`` block is output that must appear, line by line, in order (``<...>`` is any text); a
``python`` block without a file name is run with this Python; a ``yaml`` block without one is a configuration
that must be valid.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from docs_helpers import DOCS, Block, blocks

from azauth.config.loader import check
from azauth.config.sources import from_mapping, read_file
from azauth.emulator import Emulator
from azauth.errors import ConfigProblem

DOCUMENTS = ["quickstart.md", "migration.md", "../README.md"]
"""README's shell blocks are CI's install and test commands (``.ci/run`` runs them): not run here."""
CONFIG_NAME = re.compile(r"auth[\w.-]*\.(ya?ml|toml|json)$")


def expected_lines(block: Block) -> list[re.Pattern[str]]:
    patterns = []
    for line in block.text.splitlines():
        if line.strip():
            parts = re.split(r"<[^<>]+>", line.strip())
            patterns.append(re.compile(".+?".join(re.escape(part) for part in parts)))
    return patterns


def assert_in_order(output: str, block: Block) -> None:
    position = 0
    for expected in expected_lines(block):
        found = expected.search(output, position)
        assert found, f"line {block.line}: {expected.pattern!r} not found (in order) in:\n{output}"
        position = found.end()


def environment(emu: Emulator, home: Path) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("AZAUTH_", "AZURE_", "IDENTITY_", "MSI_"))}
    for name in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE", "IMDS_ENDPOINT", "PYTEST_ADDOPTS"):
        keep.pop(name, None)
    keep.update(emu.environ())
    keep["PATH"] = os.path.dirname(sys.executable) + os.pathsep + keep.get("PATH", "")
    keep["HOME"] = str(home)
    return keep


def run_in(folder: Path, env: dict[str, str], argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=folder, env=env, capture_output=True, text=True, timeout=120, check=False)


def errors_and_warnings(problems: list[ConfigProblem]) -> list[str]:
    return [str(p) for p in problems if p.severity != "note"]


@pytest.mark.parametrize("name", DOCUMENTS)
def test_document_examples_run(name: str, emu: Emulator, tmp_path: Path) -> None:
    scratch = tmp_path / "work"
    scratch.mkdir()
    env = environment(emu, tmp_path)
    previous: tuple[Block, str] | None = None
    ran = 0
    for block in blocks(DOCS / name):
        lines = block.text.splitlines()
        first = lines[0] if lines else ""
        if first.startswith("# file: "):
            target = scratch / first.removeprefix("# file: ").strip()
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(block.text, encoding="utf-8")
            if target.parent == scratch and CONFIG_NAME.match(target.name):
                problems = check(read_file(target), resolve=False).problems
                assert errors_and_warnings(problems) == [], f"{name}:{block.line}"
        elif block.language == "bash" and name != "../README.md":
            done = run_in(scratch, env, ["bash", "-euo", "pipefail", "-c", block.text])
            assert done.returncode == 0, f"{name}:{block.line}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
            previous = (block, done.stdout + done.stderr)
            ran += 1
            continue
        elif block.language == "text" and previous is not None:
            assert_in_order(previous[1], block)
        elif block.language == "python":
            done = run_in(scratch, env, [sys.executable, "-c", block.text])
            assert done.returncode == 0, f"{name}:{block.line}:\n{done.stdout}\n{done.stderr}"
            ran += 1
        elif block.language == "yaml" and name != "../README.md":
            import yaml

            problems = check(from_mapping(yaml.safe_load(block.text)), resolve=False).problems
            assert errors_and_warnings(problems) == [], f"{name}:{block.line}"
        previous = None
    assert ran, f"{name} has no example that runs"
