"""``azauth emulator``: run the loopback Entra ID emulator and print what points credentials at it."""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import threading
from typing import Any, TextIO


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--duration",
        type=float,
        default=None,
        metavar="SECONDS",
        help="stop after this many seconds (default: until interrupted)",
    )
    parser.add_argument("--format", choices=("env", "json"), default="env", help="how to print the settings")


def run(args: argparse.Namespace, out: TextIO) -> int:
    from azauth.emulator import Emulator

    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        with Emulator() as emu:
            settings: dict[str, Any] = dict(emu.environ())
            if args.format == "json":
                out.write(json.dumps({"environment": settings, "authority": emu.authority}, indent=2) + "\n")
            else:
                out.write("# Entra ID emulator running; these settings point credentials at it:\n")
                for name, value in settings.items():
                    out.write(f"export {name}={value}\n")
                out.write("# Config (auth.yaml):\n")
                out.write(
                    "#   type: client_secret\n"
                    f"#   tenant_id: {emu.tenant_id}\n"
                    f"#   client_id: {emu.client_id}\n"
                    "#   client_secret: {env: AZURE_CLIENT_SECRET}\n"
                    f"#   authority: {emu.authority}\n"
                )
                out.write("# Press Ctrl-C to stop.\n")
            out.flush()
            with contextlib.suppress(KeyboardInterrupt):
                stop.wait(args.duration)
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0
