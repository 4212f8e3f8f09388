"""Run the loopback Entra ID emulator and print the settings that point credentials at it.

--format env prints shell 'export' lines and the matching auth.yaml as comments; json prints the environment
and the configuration as JSON; yaml prints an auth.yaml for the emulator. The CA bundle the environment names
holds the system's CAs plus the emulator's, so other HTTPS calls made in that shell still verify.

Identities are random unless given with --tenant-id, --client-id and --client-secret, or kept in a --state
file (JSON, created on the first run, reused afterwards with its port), so one auth.yaml keeps working across
restarts. The state file holds the emulated client secret: it is for tests, not a real secret.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import threading
import uuid
from typing import Any, TextIO

STATE_KEYS = ("tenant_id", "client_id", "client_secret", "port", "imds_port")


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the command's arguments."""
    parser.add_argument(
        "--duration",
        type=float,
        default=None,
        metavar="SECONDS",
        help="stop after this many seconds (default: until interrupted)",
    )
    parser.add_argument(
        "--format", choices=("env", "json", "yaml"), default="env", help="how to print the settings (default: env)"
    )
    parser.add_argument("--port", type=int, default=None, metavar="N", help="HTTPS port (default: any free port)")
    parser.add_argument("--tenant-id", metavar="ID", help="the emulated tenant (default: random, or the state's)")
    parser.add_argument("--client-id", metavar="ID", help="the emulated app's client id (default: random)")
    parser.add_argument("--client-secret", metavar="SECRET", help="the emulated app's client secret (default: random)")
    parser.add_argument(
        "--state",
        metavar="PATH",
        help="keep tenant, client id, secret and port in this JSON file across restarts; the CA bundle is written"
        " next to it (PATH without its extension + '-ca.pem')",
    )


def _load_state(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            state = json.load(handle)
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise ValueError(
            f"the state file {path} cannot be read ({type(exc).__name__}): delete it to start anew"
        ) from None
    if not isinstance(state, dict):
        raise ValueError(f"the state file {path} does not hold a JSON object: delete it to start anew")
    return {key: state[key] for key in STATE_KEYS if key in state}


def _identities(args: argparse.Namespace) -> tuple[dict[str, Any], str | None]:
    state = _load_state(args.state) if args.state else {}
    chosen = {
        "tenant_id": args.tenant_id or state.get("tenant_id") or str(uuid.uuid4()),
        "client_id": args.client_id or state.get("client_id") or str(uuid.uuid4()),
        "client_secret": args.client_secret or state.get("client_secret") or "emu~" + uuid.uuid4().hex,
        "port": args.port if args.port is not None else int(state.get("port") or 0),
        "imds_port": int(state.get("imds_port") or 0),
    }
    return chosen, args.state


def run(args: argparse.Namespace, out: TextIO) -> int:
    """Start the emulator, print its settings, serve until interrupted or --duration ends."""
    from azauth.emulator import Emulator

    identities, state_path = _identities(args)
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        with Emulator(**identities) as emu:
            ca_bundle = emu.ca_bundle_path
            if state_path:
                ca_bundle = os.path.abspath(os.path.splitext(state_path)[0] + "-ca.pem")
                shutil.copyfile(emu.ca_bundle_path, ca_bundle)
                ports = {"port": emu.authority, "imds_port": emu.imds_endpoint}
                saved = {**identities, **{key: int(url.rsplit(":", 1)[1]) for key, url in ports.items()}}
                with open(state_path, "w", encoding="utf-8") as handle:
                    json.dump(saved, handle, indent=2)
            environment = {**emu.environ(), "REQUESTS_CA_BUNDLE": ca_bundle, "SSL_CERT_FILE": ca_bundle}
            out.write(render(args.format, emu, environment, ca_bundle))
            out.flush()
            with contextlib.suppress(KeyboardInterrupt):
                stop.wait(args.duration)
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0


def config_for(emu: Any, ca_bundle: str) -> dict[str, Any]:
    """The configuration document (as data) that points a client_secret credential at ``emu``."""
    return {
        "version": 1,
        "default_profile": "emulator",
        "defaults": {"authority": emu.authority, "http": {"verify": ca_bundle}},
        "profiles": {
            "emulator": {
                "type": "client_secret",
                "tenant_id": emu.tenant_id,
                "client_id": emu.client_id,
                "client_secret": {"env": "AZURE_CLIENT_SECRET"},
            }
        },
    }


def render(kind: str, emu: Any, environment: dict[str, str], ca_bundle: str) -> str:
    """The settings in the chosen format."""
    config = config_for(emu, ca_bundle)
    if kind == "json":
        payload = {"authority": emu.authority, "environment": environment, "config": config}
        return json.dumps(payload, indent=2) + "\n"
    import yaml

    document = yaml.safe_dump(config, sort_keys=False)
    if kind == "yaml":
        secret = environment["AZURE_CLIENT_SECRET"]
        return (
            "# auth.yaml for the azauth Entra ID emulator; the secret is read from AZURE_CLIENT_SECRET:\n"
            f"#   export AZURE_CLIENT_SECRET={secret}\n" + document
        )
    lines = ["# Entra ID emulator running; these settings point credentials at it:"]
    lines.extend(f"export {name}={value}" for name, value in environment.items())
    lines.append("# Config (auth.yaml):")
    lines.extend("#   " + line for line in document.splitlines())
    lines.append("# Press Ctrl-C to stop.")
    return "\n".join(lines) + "\n"
