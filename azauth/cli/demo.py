"""Show the configuration workflow offline: write an auth.yaml, start the emulator, validate, explain, get tokens.

It writes auth.yaml (a chain: EnvironmentCredential, then a client secret read from an environment variable)
into --dir (default: a temporary folder), starts the bundled Entra ID emulator on loopback, runs
'azauth validate', 'azauth explain' and 'azauth token' against it, then gets tokens through
credential_from_config, sync and async (50 concurrent calls), and prints which credential answered, the
expiry and the claims. Everything happens on loopback; the token itself is never printed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import tempfile
import time
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from typing import Any, TextIO

SCOPE = "https://vault.azure.net/.default"
SHOWN_CLAIMS = ("aud", "iss", "tid", "appid", "oid", "iat", "nbf", "exp", "ver")
SECRET_VARIABLE = "EMULATOR_CLIENT_SECRET"
"""Where the demo's auth.yaml reads the client secret from."""


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the command's arguments."""
    parser.add_argument("--scope", default=SCOPE, help=f"scope to request (default: {SCOPE})")
    parser.add_argument("--dir", metavar="PATH", help="write auth.yaml here and keep it (default: a temporary folder)")


def auth_yaml(emu: Any, ca_path: str) -> str:
    """The demo's configuration: a chain whose first member finds nothing and whose second answers."""
    return f"""\
# yaml-language-server: $schema=https://azauth.dev/schemas/azauth.schema.json
version: 1
default_profile: app
defaults:
  authority: {emu.authority}        # the emulator; a cloud name (public, government, china) in real life
  http: {{verify: {json.dumps(ca_path)}}}
profiles:
  app:
    type: chain
    credentials:
      - type: environment            # AZURE_TENANT_ID/AZURE_CLIENT_ID/... are not set: unavailable, next
      - type: profile
        name: service-principal
  service-principal:
    type: client_secret
    tenant_id: {emu.tenant_id}
    client_id: {emu.client_id}
    client_secret: {{env: {SECRET_VARIABLE}}}
"""


@contextlib.contextmanager
def _environment(values: Mapping[str, str | None]) -> Iterator[None]:
    """``os.environ`` with ``values`` set (``None``: removed) for the duration, as a shell would export them."""
    saved = {name: os.environ.get(name) for name in values}
    try:
        for name, value in values.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run(args: argparse.Namespace, out: TextIO) -> int:
    """Run the walk-through."""
    from azauth.emulator import Emulator

    from .._protocol.validation import validate_scopes

    validate_scopes([args.scope])  # a bad scope is a one-line error before anything starts
    with Emulator() as emu, _folder(args.dir) as folder:
        path = os.path.join(folder, "auth.yaml")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(auth_yaml(emu, emu.ca_path))
        out.write(f"Entra ID emulator running at {emu.authority}\n")
        out.write(f"\n# {path}\n{auth_yaml(emu, emu.ca_path)}")
        cleared = {name: None for name in os.environ if name.startswith(("AZAUTH_", "AZURE_"))}
        cleared.pop("AZAUTH_TEST_REQUIRE_TOOLS", None)
        with _environment({**cleared, SECRET_VARIABLE: emu.client_secret}):
            out.write(f"\n$ export {SECRET_VARIABLE}=...   # the emulator's client secret\n")
            for command in (["validate", path], ["explain", path], ["token", path, "--scope", args.scope]):
                status = _command(command, out)
                if status != 0:
                    out.write(f"azauth {command[0]} exited with {status}\n")
                    return status
            before = emu.count("token")
            _sync(path, args.scope, emu, out)
            _async(path, args.scope, emu, out)
            out.write(
                f"\nToken requests the emulator received for the two credentials: {emu.count('token') - before}\n"
            )
    return 0


@contextlib.contextmanager
def _folder(keep: str | None) -> Iterator[str]:
    if keep:
        os.makedirs(keep, exist_ok=True)
        yield keep
        return
    with tempfile.TemporaryDirectory(prefix="azauth-demo-") as folder:
        yield folder


def _command(argv: list[str], out: TextIO) -> int:
    from .main import main

    out.write(f"\n$ azauth {' '.join(argv)}\n")
    captured = io.StringIO()
    status = main(argv, captured)
    out.write(captured.getvalue())
    return status


def _sync(path: str, scope: str, emu: Any, out: TextIO) -> None:
    import azauth

    from .token import answering_credential, describe_answer

    out.write(f'\n>>> credential = azauth.credential_from_config("{os.path.basename(path)}")\n')
    credential = azauth.credential_from_config(path)
    with credential:
        started = time.perf_counter()
        info = credential.get_token_info(scope)
        cold = time.perf_counter() - started
        started = time.perf_counter()
        credential.get_token_info(scope)
        cached = time.perf_counter() - started
        answered = describe_answer(credential, answering_credential(credential))
    _describe(out, f"sync: {answered}", info, emu.decode_token(info.token))
    out.write(f"  first token: {cold * 1000:.1f} ms; cached: {cached * 1e6:.1f} us\n")


def _async(path: str, scope: str, emu: Any, out: TextIO) -> None:
    import azauth.aio

    from .token import answering_credential, describe_answer

    out.write(f'\n>>> credential = azauth.aio.credential_from_config("{os.path.basename(path)}")\n')

    async def get() -> tuple[Any, str]:
        credential: Any = azauth.aio.credential_from_config(path)
        async with credential:
            infos = await asyncio.gather(*(credential.get_token_info(scope) for _ in range(50)))
            return infos[0], describe_answer(credential, answering_credential(credential))

    info, answered = asyncio.run(get())
    _describe(out, f"async, 50 concurrent calls: {answered}", info, emu.decode_token(info.token))


def _describe(out: TextIO, title: str, token: Any, claims: dict[str, Any]) -> None:
    expires = datetime.fromtimestamp(token.expires_on, tz=timezone.utc)
    remaining = token.expires_on - int(time.time())
    shown = {k: claims[k] for k in SHOWN_CLAIMS if k in claims}
    out.write(f"{title}\n")
    out.write(f"  token for {shown.get('aud')}, expires_on: {expires.isoformat()} (in {remaining} s)\n")
    out.write("  claims: " + json.dumps(shown, indent=2).replace("\n", "\n  ") + "\n")
