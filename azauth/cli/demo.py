"""``azauth demo``: start the bundled emulator, get a token sync and async, print its expiry and claims.

Runs offline: everything happens on loopback. The token itself is never printed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from datetime import datetime, timezone
from typing import Any, TextIO

SCOPE = "https://vault.azure.net/.default"
SHOWN_CLAIMS = ("aud", "iss", "tid", "appid", "oid", "iat", "nbf", "exp", "ver")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scope", default=SCOPE, help=f"scope to request (default: {SCOPE})")


def run(args: argparse.Namespace, out: TextIO) -> int:
    import azauth
    import azauth.aio
    from azauth.emulator import Emulator

    with Emulator() as emu:
        out.write(f"Entra ID emulator running at {emu.authority} (CA: {emu.ca_path})\n")
        options: dict[str, Any] = {"authority": emu.authority, "connection_verify": emu.ca_path}
        credential = azauth.ClientSecretCredential(emu.tenant_id, emu.client_id, emu.client_secret, **options)
        with credential:
            started = time.perf_counter()
            token = credential.get_token(args.scope)
            cold = time.perf_counter() - started
            started = time.perf_counter()
            credential.get_token(args.scope)
            cached = time.perf_counter() - started
        _describe(out, "azauth.ClientSecretCredential", token, emu.decode_token(token.token))
        out.write(f"  first token: {cold * 1000:.1f} ms; cached: {cached * 1e6:.1f} us\n")

        async def get_async() -> Any:
            async with azauth.aio.ClientSecretCredential(
                emu.tenant_id, emu.client_id, emu.client_secret, **options
            ) as async_credential:
                tokens = await asyncio.gather(*(async_credential.get_token(args.scope) for _ in range(50)))
                return tokens[0]

        async_token = asyncio.run(get_async())
        _describe(
            out,
            "azauth.aio.ClientSecretCredential (50 concurrent calls)",
            async_token,
            emu.decode_token(async_token.token),
        )
        out.write(f"Token requests the emulator received: {emu.count('token')}\n")
    return 0


def _describe(out: TextIO, title: str, token: Any, claims: dict[str, Any]) -> None:
    expires = datetime.fromtimestamp(token.expires_on, tz=timezone.utc)
    remaining = token.expires_on - int(time.time())
    shown = {k: claims[k] for k in SHOWN_CLAIMS if k in claims}
    out.write(f"{title}: token for {shown.get('aud')}\n")
    out.write(f"  expires_on: {expires.isoformat()} (in {remaining} s)\n")
    out.write("  claims: " + json.dumps(shown, indent=2).replace("\n", "\n  ") + "\n")
