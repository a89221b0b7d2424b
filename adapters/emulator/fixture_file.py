"""Write the app config file (it holds the client secret and the private key) safely.

``boxauth emulator --fixture-out FILE`` follows the rules the token files
follow (SECURITY.md, "Defences"):

- the text goes to a temporary file in FILE's own directory, created with
  ``O_CREAT | O_EXCL | O_NOFOLLOW`` and mode 0600 (so it is never readable by
  anyone else, not even for a moment, and a link planted at the temporary name
  is refused), then fsync, then ``os.replace`` over FILE, then fsync of the
  directory: a reader sees the old file or the whole new one;
- ``rename(2)`` replaces the directory entry and never follows a symbolic link
  at FILE (POSIX ``rename``), and an existing FILE that is a symbolic link, is
  not a regular file (a directory, a FIFO, a device) or belongs to another
  user is refused before anything is written: the config never lands in
  another user's file or behind a link;
- an existing FILE with a wider mode (0644) is replaced by the new 0600 file,
  so the secret is never left world-readable.

Errors are ``FixtureFileError`` with one line that names the path (when it
looks like a path, see ``shown``) and the reason, never the file's content.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from pathlib import Path

_REASONS = {
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOENT: "its directory does not exist",
    errno.ENOTDIR: "a part of the path is not a directory",
    errno.EROFS: "the file system is read-only",
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "the disk quota is exhausted",
    errno.ENAMETOOLONG: "the name is too long",
    errno.ELOOP: "too many symbolic links in the path",
    errno.EISDIR: "it is a directory",
    errno.EEXIST: "a file appeared at the temporary name; try again",
}
MAX_SHOWN = 200


class FixtureFileError(Exception):
    """The config file could not be written; the message is one line and holds no secret."""


def shown(value: str) -> str:
    """``value`` quoted if it looks like a path, else a description of it.

    A value pasted into a path option may be a secret (a config JSON, a
    token), so only short, printable, one-line values without braces or
    quotes are echoed.
    """
    plausible = (
        0 < len(value) <= MAX_SHOWN and value.isprintable() and not any(c in value for c in "{}\"'")
    )
    if plausible:
        return f"'{value}'"
    return f"a {len(value):,}-character value that does not look like a path"


def reason(exc: OSError) -> str:
    """A fixed text for an OSError (``strerror`` is the C library's, never user data)."""
    if exc.errno in _REASONS:
        return _REASONS[exc.errno]
    return (exc.strerror or type(exc).__name__).lower()


def _check_existing(target: Path, name: str) -> None:
    # Each error is raised outside the except block, so it chains no OSError.
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        return
    except OSError as exc:
        info, why = None, reason(exc)
    if info is None:
        raise FixtureFileError(f"cannot write {name}: {why}")
    if stat.S_ISLNK(info.st_mode):
        raise FixtureFileError(f"refusing to write {name}: it is a symbolic link")
    if not stat.S_ISREG(info.st_mode):
        raise FixtureFileError(f"refusing to write {name}: it is not a regular file")
    if info.st_uid != os.geteuid():
        raise FixtureFileError(f"refusing to write {name}: it belongs to another user")


def _fsync_directory(directory: Path) -> None:
    # Best effort: the rename is already visible; this makes it survive a crash.
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_private(path: str, text: str) -> Path:
    """Write ``text`` to ``path`` as described above; return the absolute path written."""
    name = shown(path)
    if not path or not path.isprintable():
        raise FixtureFileError(f"refusing to write {name}: not a usable file name")
    target = Path(os.path.abspath(path))
    _check_existing(target, name)
    temporary = target.parent / f".{target.name}.{secrets.token_hex(8)}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    why = ""
    try:
        fd = os.open(temporary, flags, 0o600)
    except OSError as exc:
        why = reason(exc)
    if why:
        raise FixtureFileError(f"cannot write {name}: {why}")
    try:
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                os.fchmod(out.fileno(), 0o600)  # the umask can only narrow 0600; be explicit
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
    except OSError as exc:
        why = reason(exc)
    if why:
        raise FixtureFileError(f"cannot write {name}: {why}")
    _fsync_directory(target.parent)
    return target
