"""``RedisTokenStorage``: one Box identity shared by a fleet of machines.

The contract of ``storage.TokenStorage`` holds across every process on every
machine that names the same Redis key (docs/fleet.md gives the protocol and
its assumptions; SECURITY.md what each failure would break):

- ``lock(timeout)`` takes this process's lock, then the fleet's lease
  (``redis_lease``): one renewal per expiry across machines. Taking the lease
  reads the record in the same server-side step, so what the holder decides
  on is the record as of taking the lease. ``StorageLockTimeout`` when the
  lease is not had in time, including when Redis does not answer within what
  is left of ``timeout``. Every Redis command of the holder (taking the lease,
  ``get()``, ``store()``, ``clear()``, releasing it) waits at most what is
  left of ``timeout``, at least ``MIN_WAIT_S`` (a zero timeout is one try)
  and at most the socket timeout; the release, once the timeout is spent, at
  most ``RELEASE_WAIT_S``, and then goes on by itself (a lease it never
  reaches is taken over by this process's next ``lock()``, and otherwise
  expires within ``lease_s``: ``redis_lease.Owners``).
- ``store(token)`` under the lock is a compare-and-set on the version read
  under it (``redis_scripts.WRITE``). Refused (our lease lapsed and someone
  stored a newer token): ``BoxStorageError`` of kind SUPERSEDED, and the auth
  adopts the newer token. Outside ``lock()`` it writes whatever is there, as
  a user seeding the storage means to.
- ``get()`` answers from memory, with no network call and the very same
  object, while the pub/sub subscription vouches for the copy
  (``redis_watch``); otherwise it reads Redis. If Redis cannot be reached it
  keeps answering with the token it holds, with a warning: the auth uses it
  only until its renewal point, then reports the failure.
- ``clear()`` replaces the record with a cleared one (a new version), and
  tells every process, which drops its copy at once.
- Only ``BoxStorageError`` (kinds READ, WRITE, CLEAR, LOCK, SUPERSEDED),
  ``StorageLockTimeout`` and ``BoxConfigError`` are raised: never a ``redis``
  exception, and never a message that quotes a token, a key or a password.
  Outside ``lock()``, Redis commands are bounded by the client's socket
  timeout (``from_url``: ``socket_timeout``, 2 s by default); except that a
  ``get()`` holding a copy while the subscription hears nothing from Redis
  waits at most ``MIN_WAIT_S`` before answering with that copy.

The ``redis`` package (redis-py, ``pip install 'boxauth[redis]'``) is imported
only by ``from_url``; ``import boxauth`` never imports it.
"""

from __future__ import annotations

import base64
import binascii
import logging
import math
import os
import threading
import time
import weakref
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from functools import partial
from typing import Any, NoReturn
from urllib.parse import parse_qsl, urlsplit

from returns.result import Failure, Result, Success

from ..access_token import AccessToken
from ..errors import InvalidInput, StorageFailure, StorageFailureKind
from ..exceptions import BoxConfigError, BoxStorageError
from ..urls import is_loopback_host
from . import redis_scripts as lua
from .redis_lease import (
    MIN_WAIT_S,
    RELEASE_WAIT_S,
    Answer,
    Keeper,
    Owners,
    bounded,
)
from .redis_records import (
    MAX_RECORD,
    NO_VERSION,
    Names,
    Record,
    Sealer,
    body_of,
    build,
    check_key_name,
    check_keys,
    demotes,
    names_of,
    new_version,
    parse,
)
from .redis_watch import Entry, View, Watcher
from .storage import StorageLockTimeout, TokenStorage, _serialized, _wait_bound

log = logging.getLogger("boxauth")

MIN_LEASE_S, MAX_LEASE_S = 1.0, 3600.0
_POLL = 0.05  # longest wait between two tries for a held lease (an unlock wakes us sooner)
_RETRY_READ_S = 0.5  # after a failed read, serve the held copy this long before trying again
_REASONS = {  # redis-py exception class -> what to say (its own text may quote the URL)
    "AuthenticationError": "Redis refused the credentials",
    "AuthenticationWrongNumberOfArgsError": "Redis refused the credentials",
    "AuthorizationError": "the Redis user may not do this",
    "NoPermissionError": "the Redis user may not run this command",
    "TimeoutError": "Redis did not answer in time",
    "ConnectionError": "cannot reach Redis",
    "BusyLoadingError": "Redis is loading its data",
    "ReadOnlyError": "Redis is a read-only replica",
    "OutOfMemoryError": "Redis is out of memory",
    "ResponseError": "Redis refused the command",
}


class RedisTokenStorage(TokenStorage):
    """A token in Redis, shared by every process that names the same ``key``.

    ``redis``: a ``redis.Redis`` (or ``RedisCluster``) client you built; its
    socket timeout bounds every Redis call (under ``lock()``, what is left of
    the lock's timeout bounds it too). ``lease_s``: how long the fleet's
    lease lasts unless its holder extends it (a crashed holder blocks the
    fleet at most this long). ``encryption_keys``: AES keys (16, 24 or 32
    bytes); the first seals, every one opens. Without them tokens are stored
    in clear.
    """

    def __init__(
        self,
        redis: Any,
        key: str,
        *,
        lease_s: float = 45.0,
        encryption_keys: Sequence[bytes] | None = None,
    ) -> None:
        self._names: Names = names_of(_ok(check_key_name(key)))
        self._lease_s = _ok(_check_lease(lease_s))
        self._sealer: Sealer | None = _ok(check_keys(encryption_keys))
        if not callable(getattr(redis, "register_script", None)):
            raise BoxConfigError(InvalidInput("redis", "must be a redis.Redis or RedisCluster"))
        self._client = redis
        self._where = _where(redis)
        self._socket_s = _socket_timeout_of(redis)
        self._scripts = {
            name: redis.register_script(text)
            for name, text in (
                ("read", lua.READ),
                ("acquire", lua.ACQUIRE),
                ("extend", lua.EXTEND),
                ("release", lua.RELEASE),
                ("write", lua.WRITE),
            )
        }
        self._view = View()
        self._watchers: list[Watcher] = []
        self._start = threading.Lock()
        self._pid = os.getpid()
        # The lease, held by one thread of this process at a time (reentrant).
        self._hold = threading.RLock()
        self._depth = 0
        self._holder: int | None = None  # thread id of the holder
        self._owner: str | None = None
        self._owners = Owners()
        self._ends = 0.0  # time.monotonic() at which the holder's lock() timeout ends
        # The last command of the holder not answered in time; still on its thread.
        self._unfinished: threading.Event | None = None
        self._keeper: Keeper | None = None
        # What the holder last read: the version its compare-and-set names.
        self._basis: Entry | None = None
        self._basis_seq = -1
        self._retry_at = float("-inf")
        self._stale_warned = False
        self._problem_warned: str | None = None
        weakref.finalize(self, _stop_all, self._watchers)
        _LIVE.add(self)

    @classmethod
    def from_url(
        cls,
        url: str,
        key: str,
        *,
        allow_insecure: bool = False,
        lease_s: float = 45.0,
        encryption_keys: Sequence[bytes] | None = None,
        socket_timeout: float = 2.0,
    ) -> RedisTokenStorage:
        """A storage on a new client for ``url`` (``redis://``, ``rediss://``, ``unix://``).

        Plain ``redis://`` is refused unless the host is loopback or
        ``allow_insecure=True``: tokens (and the password) would cross the
        network in clear. The URL may carry ACL credentials
        (``rediss://user:password@host:6380/0``); they never appear in a repr,
        a log record or an error.
        """
        checked = check_redis_url(url, allow_insecure)
        if not isinstance(checked, Success):
            raise BoxConfigError(checked.failure())
        timeout = _ok(_check_socket_timeout(socket_timeout))
        client = _client_from_url(checked.unwrap(), timeout)
        return cls(client, key, lease_s=lease_s, encryption_keys=encryption_keys)

    def __repr__(self) -> str:
        sealed = self._sealer is not None
        return (
            f"RedisTokenStorage(key={self._names.key!r}, server={self._where!r}, "
            f"encrypted={sealed})"
        )

    def __reduce__(self) -> Any:
        raise TypeError("RedisTokenStorage holds a client and keys and cannot be pickled")

    @property
    def key(self) -> str:
        return self._names.key

    def close(self) -> None:
        """Stop the subscription thread (the client is yours to close)."""
        _stop_all(self._watchers)

    def __enter__(self) -> RedisTokenStorage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- get ------------------------------------------------------------------------------

    def get(self) -> AccessToken | None:
        if self._holder == threading.get_ident():
            return self._held_get()
        fast = self._view.fast()
        if fast is not None:
            return fast.token
        return self._slow_get()

    def peek(self) -> AccessToken | None:
        """The token held in memory while the subscription vouches for it, else
        None: never a Redis command, so a read outside the lease (an auth
        object's fast path) cannot wait on Redis past the call's deadline."""
        fast = self._view.fast()
        return fast.token if fast is not None else None

    def _slow_get(self) -> AccessToken | None:
        self._watching()
        view = self._view
        held = view.entry
        copy = held.token if held is not None else None
        if time.monotonic() < self._retry_at and copy is not None:
            return copy
        seq = view.seq
        # A copy to fall back on, and Redis not answering the subscription's
        # pings: waiting the socket timeout would only delay the same answer.
        wait = min(MIN_WAIT_S, self._socket_s) if copy is not None and view.silent() else None
        try:
            record = self._read(StorageFailureKind.READ, wait)
        except BoxStorageError:
            self._retry_at = time.monotonic() + _RETRY_READ_S
            held = view.entry
            if held is None or held.token is None:
                raise
            if not self._stale_warned:
                self._stale_warned = True
                log.warning(
                    "cannot read Redis key %s at %s; using the token held in memory until "
                    "its renewal point",
                    self._names.key,
                    self._where,
                )
            return held.token
        self._stale_warned = False
        return view.install(self._entry(record), seq).token

    def _held_get(self) -> AccessToken | None:
        """The holder's read: what it read under the lease, or a new read that
        first makes sure the lease is still (or again) ours."""
        basis = self._basis
        if basis is not None and self._basis_seq == self._view.seq:
            return basis.token
        seq = self._view.seq
        owner, reply = self._acquire(StorageFailureKind.READ)
        if not reply or reply[0] != 1:
            # Our lease lapsed (a pause) and another process holds it now: deciding
            # on anything read here could renew behind that holder's back.
            _raise(
                StorageFailure(
                    StorageFailureKind.LOCK,
                    f"the Redis lease of key {self._names.key} lapsed while held and another "
                    "process holds it now",
                )
            )
        if self._keeper is not None and self._keeper.lost:
            self._keeper = Keeper(partial(self._extend, owner), self._lease_s, self._names.key)
        self._basis = self._view.install(self._entry(self._record(reply[1:])), seq)
        self._basis_seq = seq
        return self._basis.token

    def _acquire(self, kind: StorageFailureKind) -> tuple[str, list[Any]]:
        owner, answer = self._ask_lease(self._wait())
        if not answer.answered or answer.error is not None:
            _raise(self._failure(kind, "take the lease", answer))
        return owner, answer.value if isinstance(answer.value, list) else []

    def _ask_lease(self, wait: float) -> tuple[str, Answer]:
        """One acquire with this process's owner value, waited for ``wait`` s."""
        names = self._names
        script = self._scripts["acquire"]
        owners = self._owners
        owner, stale = owners.asking()
        keys = [names.lease, names.record]
        args = [owner, int(self._lease_s * 1000), MAX_RECORD, stale]

        def attempt() -> Any:
            answered = False
            try:
                reply = script(keys=keys, args=args, client=self._client)
                answered = True
                return reply
            finally:
                owners.ended(stale if answered else None)

        answer = bounded(attempt, wait, names.key)
        if not answer.started:
            owners.ended(None)
        return owner, answer

    def _entry(self, record: Record) -> Entry:
        if record.problem is not None and self._problem_warned != record.version:
            self._problem_warned = record.version
            log.warning(
                "Redis key %s %s; ignoring it: the next save replaces it",
                self._names.record,
                record.problem,
            )
        return Entry(record.version, record.token)

    def _read(self, kind: StorageFailureKind, wait: float | None) -> Record:
        reply = self._call("read", kind, "read", [self._names.record], [MAX_RECORD], wait=wait)
        return self._record(reply if isinstance(reply, list) else [])

    def _record(self, reply: list[Any]) -> Record:
        """{0} absent | {1, value} | {2, version}: the read script's answer as a Record."""
        status = reply[0] if reply else None
        if status == 0:
            return Record("")
        if status == 1 and len(reply) > 1:
            return parse(reply[1], self._names.key, self._sealer)
        if status == 2 and len(reply) > 1:
            version = parse(reply[1], self._names.key, self._sealer).version
            return Record(version, None, f"is larger than {MAX_RECORD} bytes")
        return Record("", None, "answered in an unexpected shape")

    # -- store and clear ------------------------------------------------------------------

    def store(self, token: AccessToken) -> None:
        checked = _serialized(token)
        if not isinstance(checked, Success):
            raise BoxStorageError(
                StorageFailure(StorageFailureKind.WRITE, f"{checked.failure().detail}")
            )
        body = body_of(token, self._names.key, self._sealer)
        self._write(token, body, StorageFailureKind.WRITE)

    def clear(self) -> None:
        self._write(None, "", StorageFailureKind.CLEAR)

    def _write(self, token: AccessToken | None, body: str, kind: StorageFailureKind) -> None:
        self._watching()
        view = self._view
        # Under the lease, a save and a clear are both compare-and-sets: a clear
        # that raced a late writer's newer token must not drop that token
        # unrevoked (the revoke fails, and a second revoke revokes it too).
        holding = self._holder == threading.get_ident()
        basis = self._basis if holding else None
        if holding and basis is not None:
            expected = parent = basis.version
        else:
            expected, parent = "*", (view.entry.version if view.entry is not None else "")
        demoted = token is not None and basis is not None and demotes(basis.token, token)
        version = new_version()
        value = build(version, parent or NO_VERSION, token, body, demoted)
        seq = view.seq
        with view.mutex:
            view.writing.add(version)
        try:
            reply = self._call(
                "write",
                kind,
                "save" if token is not None else "clear",
                [self._names.record],
                [expected, value, self._names.channel, f"v {version}"],
                wait=self._wait() if holding else None,
            )
            written = isinstance(reply, list) and bool(reply) and reply[0] == 1
            if written:
                entry = view.install(Entry(version, token), seq)
                if holding:
                    self._basis, self._basis_seq = entry, seq
        finally:
            with view.mutex:
                view.writing.discard(version)
        if not written:
            view.forget()
            verb = "overwriting" if token is not None else "clearing"
            raise BoxStorageError(
                StorageFailure(
                    StorageFailureKind.SUPERSEDED,
                    f"Redis key {self._names.record}: a newer token was stored since this "
                    f"process read it (its lease lapsed); not {verb} it",
                )
            )

    # -- lock -----------------------------------------------------------------------------

    def lock(self, timeout: float = 30.0) -> AbstractContextManager[None]:
        """This process's lock, then the fleet's Redis lease (``redis_lease``)."""
        return self._locked(_wait_bound(timeout))

    @contextmanager
    def _locked(self, timeout: float) -> Iterator[None]:
        ends = time.monotonic() + timeout
        if not self._hold.acquire(timeout=timeout):
            raise StorageLockTimeout(
                f"timed out after {timeout:g}s waiting for the lock of Redis key {self._names.key}"
            )
        try:
            self._depth += 1
            try:
                if self._depth == 1:
                    self._ends = ends
                    self._take(ends, timeout)
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self._give_back()
        finally:
            self._hold.release()

    def _wait(self) -> float:
        """How long the holder waits for one command: what is left of its lock's
        timeout, at least MIN_WAIT_S, at most the socket timeout."""
        return min(max(self._ends - time.monotonic(), MIN_WAIT_S), self._socket_s)

    def _take(self, ends: float, timeout: float) -> None:
        self._watching()
        names = self._names
        while True:
            seq = self._view.seq
            unlocks = self._view.unlocks_seen()
            wait = self._wait()
            owner, answer = self._ask_lease(wait)
            if not answer.answered and wait < self._socket_s:
                # Cut short by the caller's time, not by Redis's: the lease was not
                # had in time. The request may still land; the next try asks with
                # the same owner value and takes it as ours.
                raise StorageLockTimeout(
                    f"Redis did not answer within {wait:g}s while taking the lease of key "
                    f"{names.key}"
                )
            if not answer.answered or answer.error is not None:
                _raise(self._failure(StorageFailureKind.LOCK, "take the lease", answer))
            reply = answer.value if isinstance(answer.value, list) else []
            if reply and reply[0] == 1:
                entry = self._view.install(self._entry(self._record(reply[1:])), seq)
                self._owner, self._holder = owner, threading.get_ident()
                self._basis, self._basis_seq = entry, seq
                self._keeper = Keeper(partial(self._extend, owner), self._lease_s, names.key)
                return
            left = ends - time.monotonic()
            if left <= 0:
                raise StorageLockTimeout(
                    f"timed out after {timeout:g}s waiting for the Redis lease of key {names.key}"
                )
            pttl = reply[1] / 1000 if len(reply) > 1 and isinstance(reply[1], int) else _POLL
            self._view.wait_unlock(min(left, _POLL, max(pttl, 0.001)), unlocks)

    def _extend(self, owner: str) -> bool:
        reply = self._call(
            "extend",
            StorageFailureKind.LOCK,
            "extend the lease",
            [self._names.lease],
            [owner, int(self._lease_s * 1000)],
        )
        return bool(reply == 1)

    def _give_back(self) -> None:
        keeper, owner = self._keeper, self._owner
        self._keeper = self._owner = self._holder = self._basis = None
        self._basis_seq = -1
        if keeper is not None:
            keeper.stop()
        if owner is not None:
            self._release(owner)

    def _release(self, owner: str) -> None:
        """Release the lease, waiting at most what is left of the lock's timeout
        (at least RELEASE_WAIT_S): past that the release goes on by itself.

        A save the caller stopped waiting for may still land (Redis slow, not
        gone): the release is sent after it has, so the next holder reads it.
        """
        wait = min(max(self._ends - time.monotonic(), RELEASE_WAIT_S), self._socket_s)
        script = self._scripts["release"]
        keys, args = [self._names.lease], [owner, self._names.channel]
        unfinished, self._unfinished = self._unfinished, None
        longest = self._socket_s if math.isfinite(self._socket_s) else self._lease_s

        def attempt() -> Any:
            if unfinished is not None:
                unfinished.wait(longest)
            return script(keys=keys, args=args, client=self._client)

        answer = bounded(attempt, wait, self._names.key)
        self._owners.released(owner, answer.answered and answer.error is None)
        if not answer.answered or _timed_out(answer.error):
            # Not a failure to report: the caller's time is spent, and the lease
            # needs none of it (redis_lease.Owners says what becomes of it).
            log.debug(
                "the release of the Redis lease of key %s was not answered in time; the "
                "lease expires by itself within %g s unless the release arrives first",
                self._names.key,
                self._lease_s,
            )
        elif answer.error is not None:
            failure = self._failure(StorageFailureKind.LOCK, "release the lease", answer)
            log.warning("%s; it expires by itself within %g s", failure.message(), self._lease_s)

    # -- plumbing ---------------------------------------------------------------------------

    def _watching(self) -> None:
        """Start the subscription on first use (and again in a forked child)."""
        if self._watchers and self._pid == os.getpid():
            return
        with self._start:
            if self._pid != os.getpid():
                self._after_fork()
            if not self._watchers:
                self._watchers.append(
                    Watcher(self._client, self._names.channel, self._view, self._names.key)
                )

    def _after_fork(self) -> None:
        """A child shares nothing with its parent's threads: start over, trusting nothing
        (and with an owner value of its own: the parent's may hold the lease)."""
        self._pid = os.getpid()
        self._view = View()
        self._watchers.clear()
        self._hold = threading.RLock()
        self._depth = 0
        self._owners = Owners()
        self._unfinished = None
        self._keeper = self._owner = self._holder = self._basis = None

    def _call(
        self,
        script: str,
        kind: StorageFailureKind,
        what: str,
        keys: list[str],
        args: list[Any],
        *,
        wait: float | None = None,
    ) -> Any:
        """Run one script, waiting at most ``wait`` s (None: the client's socket
        timeout alone); a failure is a BoxStorageError naming the key, never
        Redis's text."""
        run = partial(self._scripts[script], keys=keys, args=args, client=self._client)
        if wait is not None:
            answer = bounded(run, wait, self._names.key)
            if not answer.answered and self._holder == threading.get_ident():
                self._unfinished = answer.finished
        else:
            try:
                return run()
            except Exception as exc:  # whatever redis-py raises: a typed failure, never its text
                answer = Answer(True, None, type(exc))
        if answer.answered and answer.error is None:
            return answer.value
        _raise(self._failure(kind, what, answer))  # no redis exception chained as __context__

    def _failure(self, kind: StorageFailureKind, what: str, answer: Answer) -> StorageFailure:
        reason = _reason(answer.error) if answer.answered else "Redis did not answer in time"
        return StorageFailure(
            kind, f"could not {what}: Redis key {self._names.key} at {self._where} ({reason})"
        )


_LIVE: weakref.WeakSet[RedisTokenStorage] = weakref.WeakSet()


def _forked() -> None:
    for storage in list(_LIVE):
        storage._after_fork()


os.register_at_fork(after_in_child=_forked)


def _raise(failure: StorageFailure) -> NoReturn:
    raise BoxStorageError(failure)


def _stop_all(watchers: list[Watcher]) -> None:
    for watcher in watchers:
        watcher.stop()
    watchers.clear()


def _reason(error: type[BaseException] | None) -> str:
    for cls in (error or Exception).__mro__:
        reason = _REASONS.get(cls.__name__)
        if reason is not None and cls.__module__.startswith("redis"):
            return reason
    return (error or Exception).__name__


def _timed_out(error: type[BaseException] | None) -> bool:
    return error is not None and any(
        cls.__name__ == "TimeoutError" and cls.__module__.startswith("redis")
        for cls in error.__mro__
    )


def _socket_timeout_of(client: Any) -> float:
    """The client's socket timeout in seconds (infinite if it has none, or is a cluster)."""
    try:
        seconds = client.connection_pool.connection_kwargs.get("socket_timeout")
    except AttributeError:
        return math.inf
    if isinstance(seconds, int | float) and not isinstance(seconds, bool) and seconds > 0:
        return float(seconds)
    return math.inf


def _ok(result: Result[Any, InvalidInput]) -> Any:
    if isinstance(result, Success):
        return result.unwrap()
    raise BoxConfigError(result.failure())


def _seconds(value: object, field: str, low: float, high: float) -> Result[float, InvalidInput]:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return Failure(InvalidInput(field, "must be a number of seconds"))
    if not math.isfinite(value) or not low <= value <= high:
        return Failure(InvalidInput(field, f"must be between {low:g} and {high:g} seconds"))
    return Success(float(value))


def _check_lease(lease_s: object) -> Result[float, InvalidInput]:
    return _seconds(lease_s, "lease_s", MIN_LEASE_S, MAX_LEASE_S)


def _check_socket_timeout(seconds: object) -> Result[float, InvalidInput]:
    return _seconds(seconds, "socket_timeout", 0.01, 300.0)


def check_redis_url(url: object, allow_insecure: bool = False) -> Result[str, InvalidInput]:
    """``rediss://`` anywhere; ``redis://`` only to loopback unless ``allow_insecure``.

    Problems name the part that is wrong and never quote the URL (it may hold
    a password).
    """
    if not isinstance(url, str):
        return Failure(InvalidInput("url", "must be a string"))
    if not url or len(url) > 2048 or not url.isprintable() or any(c.isspace() for c in url):
        return Failure(InvalidInput("url", "must be one line of printable text, no spaces"))
    try:
        parts = urlsplit(url)
        host, _port = parts.hostname, parts.port  # .port raises on a bad port
    except ValueError:
        return Failure(InvalidInput("url", "is not a valid URL"))
    # redis-py turns query options into connection settings that beat the
    # keywords (ssl_cert_reqs=none turns TLS verification off; socket_timeout
    # overrides ours). Only the database may be chosen there.
    try:
        options = parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError:
        return Failure(InvalidInput("url", "has a malformed query"))
    if any(name != "db" for name, _value in options) or parts.fragment:
        return Failure(
            InvalidInput(
                "url",
                "may have no query option but db (one there would override this storage's TLS "
                "checks or timeouts); for other options build a redis.Redis client yourself",
            )
        )
    scheme = parts.scheme.lower()
    if scheme == "unix":
        return Success(url) if parts.path else Failure(InvalidInput("url", "names no socket"))
    if scheme not in ("redis", "rediss"):
        return Failure(InvalidInput("url", "must start with redis://, rediss:// or unix://"))
    if not host:
        return Failure(InvalidInput("url", "names no host"))
    if scheme == "redis" and not allow_insecure and not is_loopback_host(host):
        return Failure(
            InvalidInput(
                "url",
                "redis:// to a host that is not loopback sends tokens in clear; use rediss:// "
                "(or allow_insecure=True)",
            )
        )
    return Success(url)


def _client_from_url(url: str, socket_timeout: float) -> Any:
    failure: InvalidInput | None = None
    try:
        import redis  # noqa: PLC0415 - optional: boxauth[redis]
        from redis.backoff import NoBackoff  # noqa: PLC0415
        from redis.retry import Retry  # noqa: PLC0415
    except ImportError:
        failure = InvalidInput(
            "redis", "the redis package is missing: pip install 'boxauth[redis]'"
        )
    else:
        try:
            # One retry, at once, on a dropped connection (Redis restarted): the
            # pool's idle connection is dead and a fresh one works. Never on a
            # timeout: that would double the wait the deadline allows.
            return redis.Redis.from_url(
                url,
                socket_timeout=socket_timeout,
                socket_connect_timeout=socket_timeout,
                retry=Retry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,)),
            )
        except Exception:  # redis-py's text may quote the URL: say only what failed
            failure = InvalidInput("url", "is not a Redis URL redis-py accepts")
    raise BoxConfigError(failure)


def _where(client: Any) -> str:
    """Host, port and database of a client, for messages: never its credentials."""
    try:
        kwargs = client.connection_pool.connection_kwargs
    except AttributeError:
        return "a Redis cluster" if hasattr(client, "get_nodes") else "a Redis client"
    if kwargs.get("path"):
        return "a unix socket"
    return f"{kwargs.get('host', '?')}:{kwargs.get('port', '?')}/{kwargs.get('db', 0)}"


def storage_from_url(
    url: str, key: str, *, keys: str | None = None, allow_insecure: bool = False
) -> RedisTokenStorage:
    """For the CLI: ``--token-store URL --token-key NAME`` (URL also from BOX_TOKEN_STORE).

    ``keys``: encryption keys as text, comma-separated base64 (the CLI reads
    it from BOX_TOKEN_STORE_KEYS, never from an argument, which other users
    can see in the process list).
    """
    parsed = keys_from_text(keys) if keys else Success(None)
    if not isinstance(parsed, Success):
        raise BoxConfigError(parsed.failure())
    return RedisTokenStorage.from_url(
        url, key, allow_insecure=allow_insecure, encryption_keys=parsed.unwrap()
    )


def keys_from_text(text: str) -> Result[tuple[bytes, ...], InvalidInput]:
    """Comma-separated base64 keys (standard or URL-safe alphabet) as bytes."""
    out: list[bytes] = []
    for i, part in enumerate(text.split(",")):
        cleaned = part.strip().replace("-", "+").replace("_", "/")
        try:
            out.append(base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), validate=True))
        except (ValueError, binascii.Error):
            return Failure(InvalidInput(f"encryption key {i + 1}", "is not base64"))
    return check_keys(out).map(lambda sealer: tuple(k for _, k in sealer.keys) if sealer else ())
