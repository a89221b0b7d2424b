"""What one process knows of one Redis record, and the pub/sub that keeps it true.

``View`` is the in-memory copy of the record that lets ``get()`` answer with
no network call, and the rule for when that copy may be used (its *trust*):

- every write publishes ``v <version>`` on the key's channel; a message naming
  a version other than ours (or than one we are writing) drops our copy;
- every (re)subscription, and every error of the subscription, withdraws
  trust: messages may have been missed, so the next ``get()`` reads again;
- the watcher sends ``PING`` on the subscribed connection every
  ``PING_EVERY`` seconds. Redis answers in order on one connection, so its
  ``PONG`` to a ping sent at ``s`` comes after every message published before
  ``s``. The copy is trusted only until ``s + VOUCH_S`` for the latest
  answered ping: a connection that silently stopped delivering (a partition,
  a frozen server) stops vouching within ``VOUCH_S``
  (https://redis.io/docs/latest/develop/interact/pubsub/: delivery is
  at-most-once, so loss must be detected, never assumed away).

``Watcher`` is the daemon thread that runs the subscription. It holds the
``View`` and the client, never the storage, so a storage nobody uses any more
is collected and its finalizer stops the thread.
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from ..access_token import AccessToken

log = logging.getLogger("boxauth")

PING_EVERY = 0.25  # seconds between pings on the subscribed connection
VOUCH_S = 1.0  # how long one answered ping vouches for the copy
_BACKOFF_MAX = 1.0  # longest wait before subscribing again


@dataclass(frozen=True, slots=True)
class Entry:
    """A record as this process read or wrote it. ``token`` is None when absent or cleared."""

    version: str
    token: AccessToken | None


class View:
    """The copy, its trust, and the lease waiters' wake-up. Thread-safe."""

    def __init__(self) -> None:
        self.mutex = threading.Lock()
        self.unlocked = threading.Condition(threading.Lock())
        self.entry: Entry | None = None
        # The entry ``get()`` may answer with, lock-free, while vouched for.
        self.trusted: Entry | None = None
        self.vouched_until = float("-inf")  # time.monotonic() seconds
        self.seq = 0  # bumped by everything that withdraws trust
        self.live = False  # subscribed, and no error since
        self.writing: set[str] = set()  # versions this process is writing now
        self.unlocks = 0  # lease releases heard of (under ``unlocked``)

    # -- lock-free read ---------------------------------------------------------------

    def fast(self) -> Entry | None:
        trusted = self.trusted
        if trusted is not None and time.monotonic() < self.vouched_until:
            return trusted
        return None

    def silent(self) -> bool:
        """Subscribed, yet no ping sent in the last ``VOUCH_S`` has been answered:
        Redis has stopped answering (frozen, or cut off), whatever its sockets say."""
        return self.live and time.monotonic() >= self.vouched_until

    # -- what reads and writes install ------------------------------------------------------

    def install(self, entry: Entry, seq: int) -> Entry:
        """Record what was read (or written) when ``seq`` was current; the entry kept.

        Same version as the copy: the copy's token object is kept, so callers
        that compare by identity (the auth's lock-free path) see no change.
        """
        with self.mutex:
            old = self.entry
            if old is not None and old.version == entry.version and old.token is not None:
                entry = old
            self.entry = entry
            self.trusted = entry if seq == self.seq and self.live else None
            return entry

    def forget(self) -> None:
        """The copy is known to be out of date (a write of ours was refused)."""
        with self.mutex:
            self.seq += 1
            self.entry = self.trusted = None

    # -- what the watcher reports ----------------------------------------------------------

    def changed(self, version: str) -> None:
        with self.mutex:
            entry = self.entry
            if (entry is not None and entry.version == version) or version in self.writing:
                return
            self.seq += 1
            self.entry = self.trusted = None

    def subscribed(self) -> None:
        with self.mutex:
            self.seq += 1
            self.live = True
            self.trusted = None

    def lost(self) -> None:
        with self.mutex:
            self.seq += 1
            self.live = False
            self.trusted = None
            self.vouched_until = float("-inf")

    def vouch(self, sent_at: float) -> None:
        with self.mutex:
            if self.live:
                self.vouched_until = max(self.vouched_until, sent_at + VOUCH_S)

    def wake_waiters(self) -> None:
        with self.unlocked:
            self.unlocks += 1
            self.unlocked.notify_all()

    def unlocks_seen(self) -> int:
        with self.unlocked:
            return self.unlocks

    def wait_unlock(self, seconds: float, seen: int) -> None:
        """Wait for a release heard after ``seen`` (one heard already: no wait)."""
        with self.unlocked:
            self.unlocked.wait_for(lambda: self.unlocks != seen, max(seconds, 0.0))


class Watcher:
    """The subscription, on a daemon thread, until ``stop()``."""

    def __init__(self, client: Any, channel: str, view: View, label: str) -> None:
        self._client = client
        self._channel = channel
        self._view = view
        self._label = label
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"boxauth-redis-watch {label}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)

    def _run(self) -> None:
        backoff = 0.05
        failing = False
        while not self._stop.is_set():
            pubsub: Any = None
            try:
                pubsub = self._client.pubsub()
                pubsub.subscribe(self._channel)
                self._listen(pubsub)
            except Exception as exc:  # any failure of the client: report, wait, resubscribe
                self._view.lost()
                if not failing and not self._stop.is_set():
                    log.warning(
                        "Redis subscription for key %s lost (%s); reading Redis on every "
                        "use until it is back",
                        self._label,
                        type(exc).__name__,
                    )
                failing = True
            else:
                failing = False
            finally:
                _close(pubsub)
            self._stop.wait(backoff)
            backoff = min(backoff * 2, _BACKOFF_MAX)
        self._view.lost()

    def _listen(self, pubsub: Any) -> None:
        pings: dict[str, float] = {}
        count = 0
        last = float("-inf")
        while not self._stop.is_set():
            now = time.monotonic()
            if now - last >= PING_EVERY:
                count += 1
                pings[f"boxauth-{count}"] = now
                pubsub.ping(f"boxauth-{count}")
                last = now
                for name in [n for n, at in pings.items() if now - at > VOUCH_S]:
                    del pings[name]
            message = pubsub.get_message(timeout=PING_EVERY)
            if message is not None:
                self._handle(message, pings)

    def _handle(self, message: dict[str, Any], pings: dict[str, float]) -> None:
        kind = _text(message.get("type"))
        data = _text(message.get("data"))
        if kind == "subscribe":
            self._view.subscribed()
        elif kind == "pong":
            sent = pings.pop(data, None)
            if sent is not None:
                self._view.vouch(sent)
        elif kind == "message":
            if data.startswith("v "):
                self._view.changed(data[2:])
            elif data == "unlock":
                self._view.wake_waiters()
        elif kind == "unsubscribe":
            self._view.lost()


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("ascii", errors="replace")
    return value if isinstance(value, str) else ""


def _close(pubsub: Any) -> None:
    if pubsub is not None:
        with suppress(Exception):  # closing a broken connection may fail; nothing to do
            pubsub.close()
