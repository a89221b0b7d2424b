"""Safe-file primitives for the token storages: resolve, open, check, write, remove.

Every function returns a ``Result`` and never raises ``OSError``: a failure is
a ``StorageFailure`` whose detail names the file and the problem (the OS's own
short text, ``strerror``), never the file's contents and never ``str(OSError)``,
which quotes the path verbatim. The rules, and why:

- A symlink at the final path component is never followed: ``O_NOFOLLOW`` on
  every open, ``lstat`` for the entries we rename over or remove. A link in a
  shared directory could point at another user's file, or make us create one
  (open(2), O_NOFOLLOW).
- A special file never blocks us: every open has ``O_NONBLOCK`` (a FIFO opened
  for reading would otherwise wait for a writer forever), and anything that
  ``fstat`` says is not a regular file is refused (open(2), O_NONBLOCK;
  fifo(7)).
- Only files owned by our effective uid and writable by no one else are
  trusted, judged with ``fstat`` on the descriptor we then read, so nothing can
  be swapped in between the check and the use. Ownership, not EPERM, decides:
  root may open anything, and root must still refuse a token another user
  planted in /tmp.
- A file is written as a new 0600 inode (``O_CREAT | O_EXCL`` in the same
  directory, fsync, rename, fsync of the directory), so a reader sees the old
  token or the new one, never a torn or wider file (rename(2); fsync(2) on
  directories).

README.md ("Storage") states these rules for users; SECURITY.md lists the
tests that prove each.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import secrets
import stat
import struct
import sys
from contextlib import suppress
from dataclasses import dataclass

from returns.result import Failure, Result, Success

from ..access_token import MAX_SERIALIZED
from ..errors import InvalidInput, StorageFailure, StorageFailureKind

# Open flags shared by every open: never through a final symlink, never blocking
# on a FIFO or device, never inherited by a child process, and a terminal device
# named by mistake never becomes our controlling terminal (open(2), O_NOCTTY).
SAFE_OPEN = os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY
# Paths longer than this (or holding braces, or on several lines) are described
# in messages, never printed: such a value is more likely a pasted secret than a path.
MAX_SHOWN = 512
# Errors from fsync of a directory that mean "this file system cannot", not "it failed".
_FSYNC_UNSUPPORTED = frozenset({errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EBADF})

Identity = tuple[int, int, int, int, int, int, int]


def shown(path: str) -> str:
    """``path`` as it may appear in a message or log record.

    Paths are shown only when they look like paths (short, one printable line,
    no braces); anything else is described by its length: a secret pasted
    where a path belongs must not reach a log (SECURITY.md).
    """
    if len(path) <= MAX_SHOWN and path.isprintable() and "{" not in path and "}" not in path:
        return path
    return f"<a path of {len(path):,} characters, not shown>"


def _described(value: str) -> str:
    looks = "looks like JSON" if value.lstrip().startswith("{") else "is not a plausible path"
    return f"is a value of {len(value):,} characters that {looks}, not a path"


def resolve_filename(value: object, cwd: str | None) -> Result[str, InvalidInput]:
    """The absolute path a token-file name means, resolved once.

    ``value`` is what the caller was given, after ``os.fspath``. Relative
    names are joined to ``cwd`` (the caller passes ``os.getcwd()``, or None if
    it has none); a leading ``~`` is the caller's to expand. The value is never
    echoed in the Failure: it could be a pasted secret.
    """
    if not isinstance(value, str):
        return Failure(InvalidInput("filename", "must be a str or os.PathLike path"))
    text = value
    if not text:
        return Failure(InvalidInput("filename", "is empty"))
    if "\x00" in text or not text.isprintable() or text.lstrip().startswith("{"):
        return Failure(InvalidInput("filename", _described(text)))
    name = text.rstrip(os.sep).rsplit(os.sep, 1)[-1]
    if text.endswith(os.sep) or name in ("", ".", ".."):
        return Failure(InvalidInput("filename", "names a directory, not a file"))
    if os.path.isabs(text):
        return Success(text)
    if cwd is None:
        return Failure(
            InvalidInput("filename", "is relative, and the current directory no longer exists")
        )
    # Only "." and empty components are dropped: ".." stays, since "link/.." is
    # not the same place as "." when "link" is a symlink.
    parts = [part for part in text.split(os.sep) if part not in ("", ".")]
    return Success(os.path.join(cwd, *parts))


def identity(info: os.stat_result) -> Identity:
    """What changes whenever a file's contents, owner or mode may have changed.

    A store makes a new inode; an in-place write moves mtime; chmod and chown
    move ctime.
    """
    return (
        info.st_dev,
        info.st_ino,
        info.st_mtime_ns,
        info.st_ctime_ns,
        info.st_size,
        info.st_mode,
        info.st_uid,
    )


_TYPES = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISLNK, "a symbolic link"),
)


def _kind_of_file(mode: int) -> str:
    return next((name for test, name in _TYPES if test(mode)), "an unknown kind of file")


def distrust(info: os.stat_result, path: str, *, removing: bool = False) -> StorageFailure | None:
    """Why a file (its ``fstat`` or ``lstat``) must not be trusted, or None.

    ``removing``: a regular file of ours may be removed whatever its mode
    (it may hold our token); only its contents are untrusted.
    """
    mode = info.st_mode
    where = shown(path)
    if stat.S_ISLNK(mode):
        return _untrusted(f"{where} is a symbolic link; refusing to follow it")
    if not stat.S_ISREG(mode):
        return _untrusted(f"{where} is {_kind_of_file(mode)}, not a regular file")
    euid = os.geteuid()
    if info.st_uid != euid:
        return _untrusted(
            f"{where} is owned by another user (uid {info.st_uid}, not {euid}); "
            "refusing to use it: remove it or choose another file"
        )
    if stat.S_IMODE(mode) & 0o022 and not removing:
        return _untrusted(
            f"{where} is writable by other users (mode {stat.S_IMODE(mode):04o}); "
            "refusing to use it: remove it or chmod it to 600"
        )
    return None


def readable_by_others(info: os.stat_result) -> bool:
    return bool(stat.S_IMODE(info.st_mode) & 0o044)


def _untrusted(detail: str) -> StorageFailure:
    return StorageFailure(StorageFailureKind.UNTRUSTED, detail)


def _os_failure(kind: StorageFailureKind, what: str, exc: OSError) -> StorageFailure:
    # strerror is the OS's fixed text ("Permission denied"); str(exc) would add the path.
    return StorageFailure(kind, f"{what} ({exc.strerror or type(exc).__name__})")


def _refused_open(kind: StorageFailureKind, path: str, verb: str, exc: OSError) -> StorageFailure:
    """Why opening ``path`` failed, judged from the errno and from lstat of the path."""
    where = shown(path)
    if exc.errno == errno.ENOENT:
        folder = shown(os.path.dirname(path))
        return StorageFailure(kind, f"cannot {verb} {where}: the directory {folder} does not exist")
    # A symlink (ELOOP), a directory (EISDIR), a socket (ENXIO), another user's
    # file (EACCES): lstat says which, in the same words a successful open would.
    try:
        info = os.stat(path, follow_symlinks=False)
    except OSError:
        info = None
    problem = distrust(info, path) if info is not None else None
    if problem is not None:
        return problem
    return _os_failure(kind, f"cannot {verb} {where}", exc)


def close_quietly(fd: int) -> None:
    """Close ``fd``. The descriptor is released even when close reports an error."""
    try:
        os.close(fd)
    except OSError:
        return


# -- reading ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FileRead:
    """A trusted regular file's contents (at most ``limit + 1`` bytes) and identity."""

    data: bytes
    identity: Identity
    shared: bool  # readable by group or others: the next store narrows it to 0600


def read_trusted(path: str, limit: int) -> Result[FileRead | None, StorageFailure]:
    """Read a file we may trust; Success(None) if there is none.

    Reads at most ``limit + 1`` bytes, so the caller can tell "too large"
    without the file being read whole.
    """
    try:
        fd = os.open(path, os.O_RDONLY | SAFE_OPEN)
    except FileNotFoundError:
        return Success(None)
    except OSError as exc:
        return Failure(_refused_open(StorageFailureKind.READ, path, "read", exc))
    try:
        return _read_open(fd, path, limit)
    finally:
        close_quietly(fd)


def _read_open(fd: int, path: str, limit: int) -> Result[FileRead | None, StorageFailure]:
    try:
        info = os.fstat(fd)
    except OSError as exc:
        return Failure(_os_failure(StorageFailureKind.READ, f"cannot read {shown(path)}", exc))
    problem = distrust(info, path)
    if problem is not None:
        return Failure(problem)
    chunks: list[bytes] = []
    left = limit + 1
    try:
        while left > 0:
            chunk = os.read(fd, left)
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as exc:
        return Failure(_os_failure(StorageFailureKind.READ, f"cannot read {shown(path)}", exc))
    return Success(FileRead(b"".join(chunks), identity(info), readable_by_others(info)))


# -- the lock file --------------------------------------------------------------------


def open_lock_file(path: str) -> Result[int, StorageFailure]:
    """An open descriptor on the lock file, created 0600 if missing, trusted, and 0600.

    Opened read-only: flock(2) needs no write access, and a lock file created
    under a narrow umask (0400) must still open the next time. For the same
    reason any user who can open it can flock it and make every save wait:
    so a lock file of ours readable by others (made by an older version, a
    copy, a chmod) is narrowed to 0600 with fchmod on the descriptor we hold,
    before we lock it. A lock file we do not own is refused (``distrust``).
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CREAT | SAFE_OPEN, 0o600)
    except OSError as exc:
        return Failure(_refused_open(StorageFailureKind.LOCK, path, "create the lock file", exc))
    try:
        info = os.fstat(fd)
    except OSError as exc:
        close_quietly(fd)
        return Failure(_os_failure(StorageFailureKind.LOCK, f"cannot lock {shown(path)}", exc))
    problem = distrust(info, path)
    if problem is None and stat.S_IMODE(info.st_mode) & ~0o600:
        problem = _narrowed(fd, path)
    if problem is not None:
        close_quietly(fd)
        return Failure(problem)
    return Success(fd)


def _narrowed(fd: int, path: str) -> StorageFailure | None:
    """chmod 0600 the lock file open at ``fd`` (ours, checked by the caller); why not, or None."""
    try:
        os.fchmod(fd, 0o600)
    except OSError as exc:
        what = f"cannot make the lock file {shown(path)} private (chmod 600)"
        return _os_failure(StorageFailureKind.LOCK, what, exc)
    return None


# -- the directory, temp files, atomic writes ----------------------------------------


def open_folder(path: str, kind: StorageFailureKind, verb: str) -> Result[int, StorageFailure]:
    """A descriptor on the directory of ``path``: every later step happens in it."""
    folder = os.path.dirname(path)
    try:
        return Success(os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NONBLOCK | os.O_CLOEXEC))
    except OSError as exc:
        where, there = shown(path), shown(folder)
        if exc.errno == errno.ENOENT:
            return Failure(
                StorageFailure(kind, f"cannot {verb} {where}: the directory {there} does not exist")
            )
        return Failure(_os_failure(kind, f"cannot {verb} {where}: cannot open {there}", exc))


def temp_pattern(name: str) -> re.Pattern[str]:
    """The exact names ``write_atomically`` gives its temp files for ``name``."""
    return re.compile(re.escape(f".{name}.") + r"[0-9a-f]{16}\.tmp")


def _temp_name(name: str) -> str:
    return f".{name}.{secrets.token_hex(8)}.tmp"


def entry(
    folder_fd: int, path: str, kind: StorageFailureKind
) -> Result[os.stat_result | None, StorageFailure]:
    """``lstat`` of the entry at ``path`` (in the folder); Success(None) if there is none."""
    try:
        return Success(os.stat(os.path.basename(path), dir_fd=folder_fd, follow_symlinks=False))
    except FileNotFoundError:
        return Success(None)
    except OSError as exc:
        return Failure(_os_failure(kind, f"cannot examine {shown(path)}", exc))


def remove_stale_temps(
    folder_fd: int, path: str, kind: StorageFailureKind
) -> Result[int, StorageFailure]:
    """Remove temp files a crashed ``write_atomically`` left for ``path``; how many.

    Only under the storage's lock, so no live writer's temp file is touched.
    Only names that match the exact pattern, only regular files, only ours:
    a file another user planted under such a name is not ours to delete.
    """
    pattern = temp_pattern(os.path.basename(path))
    try:
        names = [n for n in os.listdir(folder_fd) if pattern.fullmatch(n)]
    except OSError as exc:
        return Failure(
            _os_failure(kind, f"cannot list the directory of {shown(path)} for temp files", exc)
        )
    removed = 0
    euid = os.geteuid()
    for temp in names:
        try:
            info = os.stat(temp, dir_fd=folder_fd, follow_symlinks=False)
            if not stat.S_ISREG(info.st_mode) or info.st_uid != euid:
                continue
            os.unlink(temp, dir_fd=folder_fd)
        except FileNotFoundError:
            continue
        except OSError as exc:
            where = f"{shown(path)} (a leftover temp file, {len(temp)} characters)"
            return Failure(_os_failure(kind, f"cannot remove a temp file of {where}", exc))
        removed += 1
    return Success(removed)


def sync_folder(
    folder_fd: int, path: str, kind: StorageFailureKind
) -> Result[None, StorageFailure]:
    """Make a rename or unlink in the directory of ``path`` durable (where the file system can)."""
    try:
        os.fsync(folder_fd)
    except OSError as exc:
        if exc.errno in _FSYNC_UNSUPPORTED:
            return Success(None)
        return Failure(_os_failure(kind, f"cannot sync the directory of {shown(path)}", exc))
    return Success(None)


def write_atomically(folder_fd: int, path: str, data: bytes) -> Result[None, StorageFailure]:
    """Replace the file at ``path`` (in the folder) with a new 0600 file holding ``data``.

    The temp file is removed on any failure, a ``BaseException`` (Ctrl-C)
    included; only a crash (kill -9, power loss) can leave one behind, and the
    next store or clear under the lock removes it (``remove_stale_temps``).
    """
    kind = StorageFailureKind.WRITE
    name = os.path.basename(path)
    temp = _temp_name(name)
    try:
        # O_EXCL + 0600 at creation: never wider than 0600, whatever the umask;
        # O_EXCL also refuses to create through a symlink planted at the name.
        fd = os.open(
            temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | SAFE_OPEN, 0o600, dir_fd=folder_fd
        )
    except OSError as exc:
        return Failure(_os_failure(kind, f"cannot create a temp file next to {shown(path)}", exc))
    result: Result[None, StorageFailure] = Failure(StorageFailure(kind, "interrupted"))
    try:
        try:
            result = _fill(fd, data, path)
        finally:
            close_quietly(fd)
        if isinstance(result, Success):
            result = _rename(folder_fd, temp, name, path)
    finally:
        if not isinstance(result, Success):
            # Any failure, a BaseException (Ctrl-C) included: no temp file stays behind.
            with suppress(OSError):
                os.unlink(temp, dir_fd=folder_fd)
    if not isinstance(result, Success):
        return result
    return sync_folder(folder_fd, path, kind)


# What a save may need beyond the size of the record it replaces: a record is a
# few hundred bytes (Box's tokens are under 100 characters each).
PROBE_HEADROOM = 1024


def can_write(folder_fd: int, path: str) -> bool:
    """Could a save of ``path`` succeed now? Never raises an OSError; never
    changes the token file.

    A save writes a temp file beside ``path`` and renames it over ``path``
    (``write_atomically``); the probe tries each step on files of its own. The
    folder must not be immutable or append-only (``chattr +i``/``+a``: a new
    name could be made there but never renamed or removed); then a temp file as
    large as the current record plus PROBE_HEADROOM is created, written,
    fsync'd, renamed and removed: a read-only file system, a missing permission
    (for the effective user), a full disk or a quota, or a file size limit each
    fails it, where ``access(2)`` sees only the first two. Last, ``replaceable``
    asks whether the rename over ``path`` itself could land.
    """
    name = os.path.basename(path)
    try:
        current: os.stat_result | None = os.stat(name, dir_fd=folder_fd, follow_symlinks=False)
    except FileNotFoundError:
        current = None
    except OSError:
        return False
    if attributes(folder_fd) & _FIXED:
        return False
    size = PROBE_HEADROOM + (current.st_size if current is not None else 0)
    if not _probe_write(folder_fd, name, min(size, PROBE_HEADROOM + MAX_SERIALIZED)):
        return False
    return current is None or replaceable(folder_fd, path, current)


def _probe_write(folder_fd: int, name: str, size: int) -> bool:
    """Create, write, fsync, rename and remove a temp file of ``size`` zero bytes."""
    temp, moved = _temp_name(name), _temp_name(name)
    try:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | SAFE_OPEN
        fd = os.open(temp, flags, 0o600, dir_fd=folder_fd)
    except OSError:
        return False
    try:
        try:
            os.fchmod(fd, 0o600)  # as a save does: some file systems (vfat) refuse it
            view = memoryview(bytes(size))
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            close_quietly(fd)
        os.rename(temp, moved, src_dir_fd=folder_fd, dst_dir_fd=folder_fd)
        os.unlink(moved, dir_fd=folder_fd)
    except OSError:
        return False
    finally:
        # Whatever happened (Ctrl-C included), neither name stays behind.
        for left in (temp, moved):
            with suppress(OSError):
                os.unlink(left, dir_fd=folder_fd)
    return True


def replaceable(folder_fd: int, path: str, current: os.stat_result) -> bool:
    """Could a rename replace the file at ``path`` (whose lstat is ``current``)?
    Never raises; changes nothing but the file's ctime.

    Not if it is a mount point, as a file bind-mounted into a container is
    (``docker run -v ./token.json:/app/token.json``: rename(2) fails with
    EBUSY): a hard link to it beside it then fails with EXDEV (the link, under
    a temp name, is removed at once). Neither the mount table (it may be
    missing without /proc, huge, or list a mount a later one hides) nor the
    device numbers (an overlayfs whose layers are on different file systems
    gives a file and its folder different ones) can tell. Not if it is
    immutable or append-only (its chattr flags: EPERM). Not, in a sticky
    folder such as /tmp, if someone else owns it and the folder.
    """
    try:
        folder = os.fstat(folder_fd)
    except OSError:
        return False
    euid = os.geteuid()
    if folder.st_mode & stat.S_ISVTX and euid not in (0, current.st_uid, folder.st_uid):
        return False
    name = os.path.basename(path)
    link = _temp_name(name)
    try:
        os.link(name, link, src_dir_fd=folder_fd, dst_dir_fd=folder_fd, follow_symlinks=False)
    except OSError as exc:
        if exc.errno == errno.EXDEV:
            return False  # another mount: the rename would fail too
        # No hard links here (some file systems), or a flag (checked below).
    finally:
        # Whatever happened (Ctrl-C included), the second name does not stay;
        # after a crash the next store or clear removes it (``remove_stale_temps``).
        with suppress(OSError):
            os.unlink(link, dir_fd=folder_fd)
    if not stat.S_ISREG(current.st_mode):
        return True  # the read path refuses it anyway
    try:
        fd = os.open(name, os.O_RDONLY | SAFE_OPEN, dir_fd=folder_fd)
    except OSError:
        return True  # unreadable: the flags cannot be read; the save will say
    try:
        return not attributes(fd) & _FIXED
    finally:
        close_quietly(fd)


# chattr's immutable (i) and append-only (a) flags (linux/fs.h FS_IMMUTABLE_FL,
# FS_APPEND_FL), read with FS_IOC_GETFLAGS, which is _IOR('f', 1, long).
_FIXED = 0x10 | 0x20
_FS_IOC_GETFLAGS = (2 << 30) | (struct.calcsize("l") << 16) | (ord("f") << 8) | 1


def attributes(fd: int) -> int:
    """The file's chattr flags, or 0 where they cannot be read (not Linux, or a
    file system without them): then the probe's own writes are the only test."""
    if sys.platform != "linux":
        return 0
    buffer = bytearray(8)
    try:
        fcntl.ioctl(fd, _FS_IOC_GETFLAGS, buffer)
    except (OSError, ValueError, OverflowError):
        return 0
    return int.from_bytes(buffer[:4], sys.byteorder)


def _rename(folder_fd: int, temp: str, name: str, path: str) -> Result[None, StorageFailure]:
    try:
        # A new inode replaces the old name: a wider mode or another owner goes with it.
        os.replace(temp, name, src_dir_fd=folder_fd, dst_dir_fd=folder_fd)
    except OSError as exc:
        return Failure(_os_failure(StorageFailureKind.WRITE, f"cannot replace {shown(path)}", exc))
    return Success(None)


def _fill(fd: int, data: bytes, path: str) -> Result[None, StorageFailure]:
    try:
        os.fchmod(fd, 0o600)  # a umask like 0o277 would have made it narrower
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    except OSError as exc:
        where = shown(path)
        return Failure(_os_failure(StorageFailureKind.WRITE, f"cannot write {where}", exc))
    return Success(None)


def remove(folder_fd: int, path: str) -> Result[bool, StorageFailure]:
    """Remove the file at ``path`` (in the folder); Success(False) if it was not there."""
    try:
        os.unlink(os.path.basename(path), dir_fd=folder_fd)
    except FileNotFoundError:
        return Success(False)
    except OSError as exc:
        return Failure(_os_failure(StorageFailureKind.CLEAR, f"cannot remove {shown(path)}", exc))
    return Success(True)
