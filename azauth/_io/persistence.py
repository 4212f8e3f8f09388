"""The persistent token cache on disk, shared by the sync and async credentials (its calls are ``Blocking`` steps).

- **Where**: ``<home>/.IdentityService/<name>.nocae`` (``.cae`` for CAE tokens), ``<home>`` being ``HOME`` (or
  ``%LOCALAPPDATA%`` on Windows) of the credential's environment — the location azure-identity and
  msal-extensions use. Tests and sandboxes redirect it with the credential's ``environ=`` keyword.
- **Encryption**: msal-extensions persistence — DPAPI on Windows, the Keychain on macOS, libsecret on Linux. Where
  that is impossible (Linux without libsecret or a session bus) opening the cache raises ``ValueError`` suggesting
  ``allow_unencrypted_storage=True``, which stores a plain file instead.
- **Files**: the directory is created 0700; a group- or world-readable one we own is tightened to 0700, a
  world-writable one or one owned by another user is refused. Files are written 0600, to a temporary file renamed
  over the cache, so a reader never sees half a cache.
- **Lock**: writers take ``<cache>.lockfile`` by exclusive creation, as msal-extensions does, so azauth, msal
  and azure-identity processes exclude each other; a writer reloads the cache under the lock and merges, so
  concurrent processes lose no entries. A lock held longer than :data:`LOCK_TIMEOUT` skips persisting with a
  warning; the token request itself never fails for it. Readers don't lock.
- **Corruption**: a cache that isn't an msal cache document (or can't be decrypted) is renamed
  ``<cache>.corrupt-<UTC timestamp>`` with a warning, and the credential carries on with an empty cache.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any, TypeVar

from azure.core.credentials import AccessTokenInfo

from .._core.persistence import NON_CAE_SUFFIX, PersistedKey, PersistenceSettings
from .._files import FileProblem, read_bounded
from .._protocol.msal_cache import parse_document, serialize_document
from .._troubleshooting import see
from ..cache_options import DEFAULT_CACHE_NAME

__all__ = ["LOCK_TIMEOUT", "FileTokenStore", "cache_directory", "open_token_store"]

_LOGGER = logging.getLogger("azauth")

MAX_CACHE_BYTES = 64 << 20
"""A plaintext cache file larger than this (64 MiB) is treated as corrupt (moved aside), not read."""
LOCK_TIMEOUT = 5.0
"""Seconds a writer waits for another process's lock before it skips persisting (msal-extensions waits 5 s)."""
LOCK_POLL = 0.05
"""Seconds between attempts to take the lock."""

T = TypeVar("T")

_KEYCHAIN_SERVICE = "Microsoft.Developer.IdentityService"
_ACCOUNT_NAME = "MSALCache"


class CorruptCache(Exception):
    """The cache's content is not an msal token cache; ``reason`` never quotes it."""


def cache_directory(environ: Mapping[str, str]) -> str:
    """``<home>/.IdentityService``: ``LOCALAPPDATA`` on Windows, else ``HOME`` (the user's home if unset)."""
    if sys.platform.startswith("win"):
        base = environ.get("LOCALAPPDATA") or os.path.join(os.path.expanduser("~"), "AppData", "Local")
    else:
        base = environ.get("HOME") or os.path.expanduser("~")
    return os.path.join(base, ".IdentityService")


def secure_directory(path: str) -> None:
    """Create ``path`` 0700, or check an existing one: tighten it when we own it, refuse it when others can write."""
    os.makedirs(path, mode=0o700, exist_ok=True)
    if os.name != "posix":
        return
    info = os.stat(path)
    if not stat.S_ISDIR(info.st_mode):
        raise ValueError(f"the token cache directory {path} is not a directory")
    mode = stat.S_IMODE(info.st_mode)
    if info.st_uid != os.getuid():
        raise ValueError(
            f"the token cache directory {path} belongs to another user (uid {info.st_uid}); azauth won't store"
            " tokens there. Remove it or give it to the current user with mode 0700."
        )
    if mode & stat.S_IWOTH:
        raise ValueError(
            f"the token cache directory {path} is writable by every user (mode {mode:04o}), so anyone could"
            f" replace the cache; azauth won't store tokens there. Run 'chmod 700 {path}' after checking its"
            " contents."
        )
    if mode & 0o077:
        os.chmod(path, 0o700)
        _LOGGER.info("Tightened the token cache directory %s from mode %04o to 0700", path, mode)


class _PlainFile:
    """An unencrypted cache file, replaced atomically on each write."""

    encrypted = False

    def __init__(self, path: str) -> None:
        self.path = path

    def load(self) -> str | None:
        try:
            data = read_bounded(self.path, MAX_CACHE_BYTES)
        except FileProblem as problem:
            if problem.kind == "missing":
                return None
            if problem.kind in ("special", "too_large"):
                raise CorruptCache(problem.reason) from None
            raise OSError(problem.reason) from None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise CorruptCache("not UTF-8 text") from None

    def save(self, text: str) -> None:
        directory, name = os.path.split(self.path)
        handle, temporary = tempfile.mkstemp(prefix=name + ".", suffix=".tmp", dir=directory)  # created 0600
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(text)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.remove(temporary)
            raise

    def quarantine(self, target: str) -> bool:
        os.replace(self.path, target)
        return True


class _Extensions:
    """An msal-extensions persistence (encrypted): the data may live in a keyring, the file is then a signal."""

    encrypted = True

    def __init__(self, persistence: Any) -> None:
        self._persistence = persistence
        self.path: str = persistence.get_location()

    def load(self) -> str | None:
        from msal_extensions.persistence import PersistenceDecryptionError, PersistenceNotFound

        try:
            text = self._persistence.load()
        except PersistenceNotFound:
            return None
        except PersistenceDecryptionError:
            raise CorruptCache("it cannot be decrypted") from None
        return text if isinstance(text, str) else None

    def save(self, text: str) -> None:
        self._persistence.save(text)

    def quarantine(self, target: str) -> bool:
        if sys.platform.startswith("win"):  # DPAPI: the encrypted data is the file
            os.replace(self.path, target)
            return True
        return False  # a keyring entry: the next write replaces it


def _encrypted_persistence(path: str, file_name: str) -> Any:
    """The platform's encrypted msal-extensions persistence at ``path``; raises where encryption is impossible."""
    import msal_extensions

    if sys.platform.startswith("win"):
        return msal_extensions.FilePersistenceWithDataProtection(path)
    if sys.platform.startswith("darwin"):
        account = _ACCOUNT_NAME if file_name == DEFAULT_CACHE_NAME + NON_CAE_SUFFIX else file_name
        return msal_extensions.KeychainPersistence(path, _KEYCHAIN_SERVICE, account)
    if sys.platform.startswith("linux"):
        return msal_extensions.LibsecretPersistence(
            path, file_name, {"MsalClientID": _KEYCHAIN_SERVICE}, label=_ACCOUNT_NAME
        )
    raise NotImplementedError(f"no encrypted token cache on {sys.platform}")


def _refuse_special_file(path: str) -> None:
    """Raise ``OSError`` (the unusable cache the caller degrades from, with a warning) when something other than
    a regular file is at ``path``: a FIFO would block the opener, a device never end. ``os.stat`` never blocks."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISREG(info.st_mode):
        raise OSError(f"the token cache {path} is not a regular file")


def open_token_store(settings: PersistenceSettings, cae: bool) -> FileTokenStore:
    """Open (creating its directory) the persistent cache ``settings`` names, CAE or not. Blocking."""
    directory = cache_directory(settings.environ)
    secure_directory(directory)
    file_name = settings.file_name(cae)
    path = os.path.join(directory, file_name)
    backend: _PlainFile | _Extensions
    try:
        persistence = _encrypted_persistence(path, file_name)
    except Exception as exc:
        if not settings.allow_unencrypted_storage:
            cause = (str(exc).strip().splitlines() or [""])[0]
            raise ValueError(
                f"Cache encryption is impossible on this system ({type(exc).__name__}: {cause}), for example because"
                " libsecret is not installed or no session bus is available (as in an SSH session or a"
                f" container). Specify {settings.setting} to store the cache unencrypted (readable by this user"
                f" only) instead of raising this exception. {see('cache-encryption-is-impossible')}"
            ) from exc
        _LOGGER.debug("Token cache %s is stored unencrypted: %s", path, type(exc).__name__)
        backend = _PlainFile(path)
    else:
        backend = _Extensions(persistence)
        _refuse_special_file(backend.path)  # msal-extensions opens the file itself: a FIFO would block it
    return FileTokenStore(backend)


class _CacheLock:
    """msal-extensions' cross-process lock: the exclusive creation of ``<cache>.lockfile``, bounded."""

    def __init__(self, path: str) -> None:
        self.path = path + ".lockfile"

    def acquire(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            try:
                handle = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            except FileExistsError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(LOCK_POLL)
                continue
            with os.fdopen(handle, "w") as file:
                file.write(f"{os.getpid()} {sys.argv[0] if sys.argv else ''}")
            return True

    def release(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.remove(self.path)


class FileTokenStore:
    """One persistent msal token cache: a parsed copy reloaded when the file changes, merged on every write."""

    def __init__(self, backend: _PlainFile | _Extensions) -> None:
        self._backend = backend
        self._lock = _CacheLock(backend.path)
        self._document: dict[str, Any] = {}
        self._version: tuple[int, int, int] | None = None
        self._mutex = threading.Lock()  # one credential, many threads (or worker threads of an event loop)

    @property
    def path(self) -> str:
        return self._backend.path

    @property
    def encrypted(self) -> bool:
        return self._backend.encrypted

    def _stat(self) -> tuple[int, int, int] | None:
        try:
            info = os.stat(self._backend.path)
        except FileNotFoundError:
            return None
        return (info.st_mtime_ns, info.st_size, info.st_ino)

    def _load(self) -> None:
        """Read the cache if it changed since the last read; ``CorruptCache`` when it isn't a cache."""
        version = self._stat()
        if version is not None and version == self._version:
            return
        text = self._backend.load()
        try:
            self._document = parse_document(text or "")
        except ValueError as exc:
            raise CorruptCache(str(exc)) from None
        self._version = version

    def _quarantine(self, reason: str) -> None:
        target = f"{self.path}.corrupt-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}"
        if os.path.exists(target):
            target += f"-{os.getpid()}-{time.monotonic_ns()}"
        try:
            moved = self._backend.quarantine(target)
        except FileNotFoundError:
            moved = False
        self._document, self._version = {}, None
        if moved:
            _LOGGER.warning(
                "The token cache %s is corrupt (%s); moved it to %s and continuing with an empty cache",
                self.path,
                reason,
                target,
            )
        else:
            _LOGGER.warning("The token cache %s is corrupt (%s); it will be overwritten", self.path, reason)

    def lookup(self, key: PersistedKey, now: float) -> AccessTokenInfo | None:
        return self.read(lambda document: key.find(document, now))

    def read(self, query: Callable[[MutableMapping[str, Any]], T]) -> T | None:
        with self._mutex:
            try:
                self._load()
            except CorruptCache:  # perhaps a writer that doesn't replace atomically: look again under the lock
                if not self._locked(self._recover):
                    return None
            except OSError as exc:
                _LOGGER.warning("Could not read the token cache %s: %s", self.path, _describe(exc))
                return None
            return query(self._document)

    def _recover(self) -> None:
        try:
            self._load()
        except CorruptCache as exc:
            self._quarantine(str(exc))

    def save(self, key: PersistedKey, record: Any, now: float) -> None:
        with self._mutex:

            def merge() -> None:
                self._version = None  # always re-read under the lock: other processes may have written
                self._recover()
                key.add(self._document, record, now)
                self._backend.save(serialize_document(self._document))
                self._version = self._stat()

            try:
                if not self._locked(merge):
                    _LOGGER.warning(
                        "Did not persist a token to %s: another process has held its lock %s for more than %s"
                        " seconds (if no process is using the cache, delete the lock file)",
                        self.path,
                        self._lock.path,
                        LOCK_TIMEOUT,
                    )
            except OSError as exc:
                _LOGGER.warning("Did not persist a token to %s: %s", self.path, _describe(exc))

    def _locked(self, action: Callable[[], None]) -> bool:
        if not self._lock.acquire(LOCK_TIMEOUT):
            return False
        try:
            action()
        finally:
            self._lock.release()
        return True


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"
