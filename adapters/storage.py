"""Token storages, with box_sdk_gen's names: in memory, in a file, or both.

The auth shell uses a storage like this::

    with storage.lock(timeout):
        token = storage.get()
        ...               # maybe fetch or refresh
        storage.store(new_token)

The contract every storage here keeps (and any other, e.g. a Redis storage,
must keep), because the shell turns what it raises into a Result:

- ``store(token)`` saves the token, or raises. It never swallows a failure:
  the shell reports the failed save and keeps the token in memory to save it
  again (its refresh token may be the only live one).
- ``get()`` returns the stored token, or None when nothing usable is stored.
  For the file storages: a missing file is None, silently; a damaged token
  record (empty, or beginning with ``{`` but not parsing) is None with one
  warning naming the file, never its contents, and the next ``store``
  replaces it; a file no token storage wrote (``is_foreign_file``: a key, an
  app config) is refused (UNTRUSTED) and never replaced.
- ``peek()`` (optional; default ``get()``) is what the storage holds without
  waiting on a network, read outside the locks for the lock-free fast path;
  None sends the caller to the locked path.
- ``writable()`` (optional; default True) says whether ``store`` could
  succeed; a refresh token is not spent when it says no.
- ``clear()`` removes the stored token; clearing nothing is not an error. For
  the file storages it leaves no file holding a token (leftover temp files
  included).
- ``lock(timeout)`` is a context manager, reentrant in one thread, that
  excludes every other holder of the same storage (other threads, and for the
  file storages other processes) until it exits. It waits at most ``timeout``
  seconds (a number; NaN or a non-number is a ``BoxConfigError``), then raises
  ``StorageLockTimeout``.
- The only exceptions: ``BoxStorageError`` (``.error`` is a ``StorageFailure``
  whose kind is READ, WRITE, CLEAR, LOCK or UNTRUSTED and whose detail names
  the file and the problem), ``StorageLockTimeout``, and ``BoxConfigError``
  for a bad argument. Never ``OSError`` or another library exception, and
  never a message that quotes a token.

File storages write JSON (never pickle) atomically: a 0600 temp file in the
same directory, fsync, rename, fsync of the directory. A reader sees the old
token or the new one, never a torn file, even after ``kill -9``. They refuse
(UNTRUSTED) a token file, lock file or temp file that is a symlink, is not a
regular file, is owned by another user, or is writable by group or others; see
``files`` for how each rule is enforced and why.
"""

from __future__ import annotations

import fcntl
import logging
import math
import os
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import NoReturn

from returns.result import Failure, Result, Success

from ..access_token import (
    MAX_SERIALIZED,
    AccessToken,
    check_token,
    is_foreign_file,
    token_from_json,
    token_to_json,
)
from ..errors import InvalidInput, StorageFailure, StorageFailureKind
from ..exceptions import BoxConfigError, BoxStorageError
from ..unexpected import class_name
from .files import (
    FileRead,
    Identity,
    can_write,
    close_quietly,
    distrust,
    entry,
    identity,
    open_folder,
    open_lock_file,
    read_trusted,
    remove,
    remove_stale_temps,
    resolve_filename,
    shown,
    sync_folder,
    write_atomically,
)

log = logging.getLogger("boxauth")

_POLL = 0.01  # seconds between flock attempts: short, next to a token request
# How long a store() or clear() called outside lock() waits for the lock.
_SELF_LOCK_TIMEOUT = 30.0


# One step done in the token file's directory, given a descriptor on it.
_Step = Callable[[int], Result[None, StorageFailure]]


class StorageLockTimeout(Exception):  # noqa: N818 - the public name the spec fixes
    """``lock()`` could not be taken within its timeout."""


def _wait_bound(timeout: object) -> float:
    """``timeout`` as seconds a lock may wait: negative is 0, huge is the platform's max."""
    if isinstance(timeout, bool) or not isinstance(timeout, int | float):
        raise BoxConfigError(InvalidInput("timeout", "must be a number of seconds"))
    if isinstance(timeout, float) and math.isnan(timeout):
        raise BoxConfigError(InvalidInput("timeout", "must be a number of seconds"))
    return float(min(max(timeout, 0.0), threading.TIMEOUT_MAX))


@contextmanager
def _acquired(lock: threading.RLock, timeout: float, what: str) -> Iterator[None]:
    # acquire() inside the try, and a release only of a lock this thread holds:
    # an interrupt that lands as acquire() returns cannot leave it held.
    try:
        if not lock.acquire(timeout=timeout):
            raise StorageLockTimeout(f"timed out after {timeout:g}s waiting for {what}")
        yield
    finally:
        if lock._is_owned():  # type: ignore[attr-defined]
            lock.release()


def _raise(failure: StorageFailure) -> NoReturn:
    raise BoxStorageError(failure)


class TokenStorage(ABC):
    """Where an auth object keeps its token. Subclass it to keep tokens elsewhere.

    Only store, get and clear are required. ``lock()`` defaults to a lock that
    is private to this instance; override it to coordinate across processes.
    """

    @abstractmethod
    def store(self, token: AccessToken) -> None: ...

    @abstractmethod
    def get(self) -> AccessToken | None: ...

    @abstractmethod
    def clear(self) -> None: ...

    def peek(self) -> AccessToken | None:
        """What the storage holds, if it can say without waiting on a network.

        An auth object asks this, outside its locks, for its lock-free fast
        path and for an early answer while another caller renews; a ``None``
        sends it to the locked path, whose reads are bounded by the call's
        deadline. The default is ``get()``. A storage whose ``get()`` may wait
        on a server (``RedisTokenStorage``) answers from memory, or ``None``.
        """
        return self.get()

    def writable(self) -> bool:
        """Could ``store`` succeed, as far as can be told without writing? An auth
        object asks before spending a single-use refresh token, whose successor
        must be saved. The default is True; a file storage checks its folder."""
        return True

    def lock(self, timeout: float = 30.0) -> AbstractContextManager[None]:
        """Hold this while reading, renewing and storing the token."""
        bound = _wait_bound(timeout)
        # Created on first use, so a subclass need not call super().__init__();
        # dict.setdefault is atomic, so two threads still get one lock.
        rlock = self.__dict__.setdefault("_boxauth_rlock", threading.RLock())
        return _acquired(rlock, bound, f"the lock of {type(self).__name__}")


class InMemoryTokenStorage(TokenStorage):
    """The default. Thread-safe: the token is one immutable value, swapped whole.

    ``token`` is an initial token, as box_sdk_gen's ``InMemoryTokenStorage(token=...)``.
    """

    def __init__(self, token: AccessToken | None = None) -> None:
        if token is not None and not isinstance(token, AccessToken):
            raise BoxConfigError(InvalidInput("token", "must be an AccessToken or None"))
        self._token: AccessToken | None = token

    def store(self, token: AccessToken) -> None:
        self._token = token

    def get(self) -> AccessToken | None:
        return self._token

    def peek(self) -> AccessToken | None:
        return self._token

    def clear(self) -> None:
        self._token = None

    def __repr__(self) -> str:
        return "InMemoryTokenStorage()"


def _current_directory() -> str | None:
    try:
        return os.getcwd()
    except OSError:  # the current directory was removed
        return None


class FileTokenStorage(TokenStorage):
    """A JSON file, mode 0600, replaced atomically on every store.

    ``filename`` is resolved once, here: a relative name is joined to the
    current directory now (a later ``os.chdir`` does not move the file), and a
    leading ``~`` is the user's home directory.
    """

    def __init__(self, filename: str | os.PathLike[str] = ".boxauth_token.json") -> None:
        text: object = filename
        if isinstance(text, os.PathLike):
            try:
                text = os.fspath(text)
            except TypeError:  # its __fspath__ returned neither str nor bytes
                text = None
        # Printable first: expanduser looks "~name" up, and a NUL would make that raise.
        if isinstance(text, str) and text.startswith("~") and text.isprintable():
            text = os.path.expanduser(text)
        resolved = resolve_filename(text, _current_directory())
        if not isinstance(resolved, Success):
            raise BoxConfigError(resolved.failure())
        self._filename: str = resolved.unwrap()
        self._thread_lock = threading.RLock()
        self._depth = 0  # nesting of lock() in the thread that holds it
        self._lock_fd: int | None = None
        # (file identity, what get() made of it): a store replaces the file (a
        # new inode), so an unchanged identity means unchanged contents, owner
        # and mode, and get() can skip the open, the read and the parse.
        self._seen: tuple[Identity, AccessToken | None] | None = None

    @property
    def filename(self) -> str:
        """The absolute path of the token file (read-only: it was resolved once)."""
        return self._filename

    def __repr__(self) -> str:
        return f"{type(self).__name__}(filename={shown(self._filename)!r})"

    # -- get --------------------------------------------------------------------------

    def get(self) -> AccessToken | None:
        try:
            info = os.stat(self._filename, follow_symlinks=False)
        except FileNotFoundError:
            self._seen = None
            return None
        except OSError:
            info = None  # the open below reports what is wrong
        seen = self._seen
        if info is not None and seen is not None and seen[0] == identity(info):
            return seen[1]
        read = read_trusted(self._filename, MAX_SERIALIZED)
        if not isinstance(read, Success):
            self._seen = None
            _raise(read.failure())
        found = read.unwrap()
        if found is None:
            self._seen = None
            return None
        token = self._parse(found)
        self._seen = (found.identity, token)
        return token

    def _parse(self, found: FileRead) -> AccessToken | None:
        """The token in a trusted file, or None; one warning at most, never the contents."""
        where = shown(self._filename)
        shared = " (it is also readable by other users)" if found.shared else ""
        problem = ""
        if is_foreign_file(found.data):
            _raise(
                StorageFailure(
                    StorageFailureKind.UNTRUSTED,
                    f"token file {where} holds something other than a token record (a key "
                    "or an app config?); refusing to use or replace it: name another token file",
                )
            )
        if len(found.data) > MAX_SERIALIZED:
            problem = "is too large to be a token"
        else:
            try:
                # An editor's byte order mark is not ours to refuse. (Not the
                # utf-8-sig codec: imported on first use, it can fail after a
                # process dropped privileges or chroot'ed.)
                text = found.data.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
            except UnicodeDecodeError:
                problem = "is not UTF-8 text"
            else:
                parsed = token_from_json(text)
                if isinstance(parsed, Success):
                    if found.shared:
                        log.warning(
                            "token file %s is readable by other users; using it, and the next "
                            "save replaces it with a file only you can read (mode 0600)",
                            where,
                        )
                    token: AccessToken = parsed.unwrap()
                    return token
                problem = f"is corrupt ({parsed.failure().message()})"
        log.warning(
            "token file %s %s%s; ignoring it: the next save replaces it", where, problem, shared
        )
        return None

    # -- store and clear --------------------------------------------------------------

    def writable(self) -> bool:
        """Can a save succeed now? A probe (``files.can_write``) writes and fsyncs
        a small temp file beside the token file and removes it: a read-only file
        system, a missing permission, a full disk, a quota or a file size limit
        each says no. Asked only on the locked path, before a renewal."""
        folder = open_folder(self._filename, StorageFailureKind.WRITE, "write")
        if not isinstance(folder, Success):
            return False
        fd: int = folder.unwrap()
        try:
            return can_write(fd, self._filename)
        finally:
            close_quietly(fd)

    def store(self, token: AccessToken) -> None:
        data = _serialized(token)
        if not isinstance(data, Success):
            _raise(data.failure())
        with self._locked(_SELF_LOCK_TIMEOUT):
            self._in_folder(
                StorageFailureKind.WRITE, "write", lambda fd: self._write(fd, data.unwrap())
            )

    def clear(self) -> None:
        with self._locked(_SELF_LOCK_TIMEOUT):
            self._in_folder(StorageFailureKind.CLEAR, "remove", self._remove)
        self._seen = None

    def _in_folder(self, kind: StorageFailureKind, verb: str, step: _Step) -> None:
        """Run ``step`` on a descriptor of the token file's directory; raise its failure."""
        folder = open_folder(self._filename, kind, verb)
        if not isinstance(folder, Success):
            _raise(folder.failure())
        fd: int = folder.unwrap()
        try:
            outcome = step(fd)
        finally:
            close_quietly(fd)
        if not isinstance(outcome, Success):
            _raise(outcome.failure())

    def _trusted_entry(
        self, fd: int, kind: StorageFailureKind
    ) -> Result[os.stat_result | None, StorageFailure]:
        """What is at the token path now, if we may replace or remove it.

        Judged with lstat: the rename or unlink that follows acts on the name,
        never through it, so nothing is gained by swapping the file in between.
        """
        found = entry(fd, self._filename, kind)
        if not isinstance(found, Success):
            return found
        info = found.unwrap()
        removing = kind is StorageFailureKind.CLEAR
        problem = None if info is None else distrust(info, self._filename, removing=removing)
        return found if problem is None else Failure(problem)

    def _write(self, fd: int, data: bytes) -> Result[None, StorageFailure]:
        current = self._trusted_entry(fd, StorageFailureKind.WRITE)
        if not isinstance(current, Success):
            return Failure(current.failure())
        # A crash between fsync and rename left a temp file with a live refresh
        # token: remove it. Failing to is worth a warning, not a failed save.
        cleaned = remove_stale_temps(fd, self._filename, StorageFailureKind.WRITE)
        if not isinstance(cleaned, Success):
            log.warning("%s", cleaned.failure().detail)
        return write_atomically(fd, self._filename, data)

    def _remove(self, fd: int) -> Result[None, StorageFailure]:
        cleaned = remove_stale_temps(fd, self._filename, StorageFailureKind.CLEAR)
        if not isinstance(cleaned, Success):
            return Failure(cleaned.failure())
        current = self._trusted_entry(fd, StorageFailureKind.CLEAR)
        if not isinstance(current, Success):
            return Failure(current.failure())
        removed = remove(fd, self._filename) if current.unwrap() else Success(False)
        if not isinstance(removed, Success):
            return Failure(removed.failure())
        if removed.unwrap() or cleaned.unwrap():
            return sync_folder(fd, self._filename, StorageFailureKind.CLEAR)
        return Success(None)

    # -- lock -------------------------------------------------------------------------

    def lock(self, timeout: float = 30.0) -> AbstractContextManager[None]:
        """Exclusive across threads and processes: ``fcntl.flock`` on ``<filename>.lock``.

        Why flock: the kernel releases it when the holding process dies, even by
        ``kill -9``, so there is never a stale lock to clean up; and it is in the
        standard library, so no new dependency. The lock file is never deleted
        (deleting it would let two processes lock two different files).
        """
        return self._locked(_wait_bound(timeout))

    def _keep_lock_fd(self, fd: int) -> None:
        self._lock_fd = fd

    @contextmanager
    def _locked(self, timeout: float) -> Iterator[None]:
        deadline = time.monotonic() + timeout
        lock_path = self._filename + ".lock"
        with _acquired(self._thread_lock, timeout, shown(lock_path)):
            # The count goes up before flock is tried and down in the same
            # finally, so whatever ends this (a failure, Ctrl-C during the wait
            # or the body), the count and the flock are released together.
            self._depth += 1
            try:
                if self._depth == 1:  # only the outermost lock() in this thread takes flock
                    _flock(lock_path, deadline, timeout, self._keep_lock_fd)
                yield
            finally:
                self._depth -= 1
                if self._depth == 0 and self._lock_fd is not None:
                    fd, self._lock_fd = self._lock_fd, None
                    close_quietly(fd)  # closing releases the flock


class FileWithInMemoryCacheTokenStorage(FileTokenStorage):
    """A file storage that reads the file once and then serves from memory.

    Writes go through to the file. Because another process may have changed the
    file, taking ``lock()`` re-reads it (``reload()``): so ``with storage.lock():
    storage.get()`` always sees the latest token, while a bare ``get()`` is
    served from memory. Every rule of ``FileTokenStorage`` applies to each read
    and write of the file.
    """

    def __init__(self, filename: str | os.PathLike[str] = ".boxauth_token.json") -> None:
        super().__init__(filename)
        self._cache: AccessToken | None = None
        self._loaded = False
        self._load_lock = threading.Lock()

    def reload(self) -> AccessToken | None:
        """Read the file again and cache what it holds."""
        with self._load_lock:
            self._cache = super().get()
            self._loaded = True
            return self._cache

    def get(self) -> AccessToken | None:
        if not self._loaded:
            with self._load_lock:
                if not self._loaded:
                    self._cache = super().get()
                    self._loaded = True
        return self._cache

    def store(self, token: AccessToken) -> None:
        super().store(token)  # the file first: if it fails, memory stays as the file is
        self._cache, self._loaded = token, True

    def clear(self) -> None:
        super().clear()
        self._cache, self._loaded = None, True

    def lock(self, timeout: float = 30.0) -> AbstractContextManager[None]:
        return self._locked_and_reloaded(_wait_bound(timeout))

    @contextmanager
    def _locked_and_reloaded(self, timeout: float) -> Iterator[None]:
        with self._locked(timeout):
            self.reload()
            yield


# -- helpers -------------------------------------------------------------------------


def _serialized(token: object) -> Result[bytes, StorageFailure]:
    """The bytes to store, only if ``get()`` would read them back as this token.

    Writing a file we would then read as corrupt would lose the token with a
    warning later; refusing now lets the shell keep it in memory and say so.
    """
    kind = StorageFailureKind.WRITE
    if not isinstance(token, AccessToken):
        return Failure(
            StorageFailure(kind, f"store() needs an AccessToken, not a {class_name(token)}")
        )
    checked = check_token(token, "stored token")
    if not isinstance(checked, Success):
        problem = f"refusing to save a malformed token ({checked.failure().message()})"
        return Failure(StorageFailure(kind, problem))
    try:
        text = token_to_json(token)
    except (TypeError, ValueError, AttributeError, RecursionError):
        return Failure(StorageFailure(kind, "the token has a field that cannot be saved as JSON"))
    back = token_from_json(text)
    if not isinstance(back, Success):
        return Failure(
            StorageFailure(kind, f"refusing to save a malformed token ({back.failure().message()})")
        )
    return Success(text.encode("utf-8"))


def _flock(path: str, deadline: float, timeout: float, keep: Callable[[int], None]) -> None:
    """An exclusive flock on ``path``, or StorageLockTimeout.

    The open fd is handed to ``keep`` before flock is tried, and the caller
    closes it however the lock ends: an interrupt that lands as flock returns
    (Python runs signal handlers right after a call) cannot leave the file
    locked with no one to close it.
    """
    opened = open_lock_file(path)
    if not isinstance(opened, Success):
        _raise(opened.failure())
    fd: int = opened.unwrap()
    keep(fd)
    while True:
        taken = _try_flock(fd, path)
        if not isinstance(taken, Success):
            _raise(taken.failure())
        if taken.unwrap():
            return
        left = deadline - time.monotonic()
        if left <= 0:
            raise StorageLockTimeout(
                f"timed out after {timeout:g}s waiting for the lock file {shown(path)}"
            )
        time.sleep(min(_POLL, left))


def _try_flock(fd: int, path: str) -> Result[bool, StorageFailure]:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return Success(False)
    except OSError as exc:
        detail = f"cannot lock {shown(path)} ({exc.strerror or type(exc).__name__})"
        return Failure(StorageFailure(StorageFailureKind.LOCK, detail))
    return Success(True)
