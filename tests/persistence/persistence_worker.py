"""A separate process for the persistent-cache tests (run with ``python persistence_worker.py COMMAND ...``).

``hold-lock CACHE_PATH SECONDS``: take the cache's lock the way msal-extensions does, print ``locked``, hold it.
``tokens MODE AUTHORITY CA TENANT CLIENT SECRET GO_FILE SCOPE...``: wait until GO_FILE exists, then get a token
for each scope with a persistent cache named ``azauth-test`` (``HOME`` decides where it lives); print ``done``.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time


def hold_lock(cache_path: str, seconds: float) -> None:
    from msal_extensions import CrossPlatLock

    with CrossPlatLock(cache_path + ".lockfile"):
        print("locked", flush=True)
        time.sleep(seconds)
    print("released", flush=True)


def tokens(
    mode: str, authority: str, ca: str, tenant: str, client: str, secret: str, go: str, scopes: list[str]
) -> None:
    sys.path.insert(0, os.path.dirname(__file__))
    from persistence_helpers import force_plaintext

    import azauth
    import azauth.aio

    force_plaintext()
    options = azauth.TokenCachePersistenceOptions(name="azauth-test", allow_unencrypted_storage=True)
    kwargs = {"authority": authority, "connection_verify": ca, "cache_persistence_options": options}
    deadline = time.monotonic() + 30
    while not os.path.exists(go) and time.monotonic() < deadline:
        time.sleep(0.01)
    if mode == "async":

        async def main() -> None:
            async with azauth.aio.ClientSecretCredential(tenant, client, secret, **kwargs) as credential:
                for scope in scopes:
                    await credential.get_token(scope)

        asyncio.run(main())
    else:
        with azauth.ClientSecretCredential(tenant, client, secret, **kwargs) as credential:
            for scope in scopes:
                credential.get_token(scope)
    print("done", flush=True)


if __name__ == "__main__":
    command, *rest = sys.argv[1:]
    if command == "hold-lock":
        hold_lock(rest[0], float(rest[1]))
    elif command == "tokens":
        tokens(*rest[:7], scopes=rest[7:])
    else:
        raise SystemExit(f"unknown command {command!r}")
