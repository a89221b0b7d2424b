"""The fleet's lock: a Redis lease, kept alive while its holder works.

A lease is the key ``boxauth:{key}:lease`` holding a random owner value, set
only if absent and with an expiry (``SET NX PX``), so a crashed holder blocks
the fleet for at most ``lease_s`` (the legacy SDK's Redis lock never expired:
one crash stopped every machine). Only the owner extends or releases it, each
a server-side script that first checks the owner value
(https://redis.io/docs/latest/develop/use/patterns/distributed-locks/, "Correct
implementation with a single instance").

While the lease is held, a daemon thread (``Keeper``) extends it every third
of its length, so a renewal that takes longer than the lease (a slow Box, a
long retry) keeps it. A holder paused longer than the lease (a GC pause, a
frozen VM) loses it; its Keeper was paused too. That is what the versioned
compare-and-set is for: such a holder can no longer overwrite a newer token
(``redis_scripts.WRITE``). The Keeper stops after ``MAX_HOLDS`` lease lengths
whatever happens, so a holder that hangs forever does not hold the fleet
forever.

Every command sent while taking, holding or giving back the lease is waited
for at most what is left of ``lock(timeout)`` (``bounded``): it runs on a
short-lived daemon thread, and a command that has not answered in time is
reported as such while its thread finishes on its own, within the client's
socket timeout. An unanswered command may still land: Redis runs what it had
received when it wakes (a frozen server does). So an owner value is kept for
every later try (``Owners``) until a release naming it has been sent and no
request for it is still on its way: a request that lands late gives the lease
to this process, whose next ``lock()`` takes it as its own (the acquire script
keeps a lease whose owner value it is given). If this process never asks
again, the lease expires by itself within ``lease_s``, as a crashed holder's.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("boxauth")

MAX_HOLDS = 8  # a Keeper extends a lease for at most this many lease lengths
# The least time a command under lock() is given to answer, even when the
# lock's timeout is spent or zero (a zero timeout is a try: one request, whose
# answer must be waited for). Loopback and LAN round trips are well under it.
MIN_WAIT_S = 0.25
# The least time the release is waited for once the timeout is spent: enough
# for a healthy Redis; past it the release goes on by itself (see Owners for
# a lease it never reaches).
RELEASE_WAIT_S = 0.05


def new_owner() -> str:
    """128 random bits: no other holder, past or future, has the same value."""
    return secrets.token_hex(16)


@dataclass(frozen=True, slots=True)
class Answer:
    """What one bounded command came to: its value, its error, or no answer in time."""

    answered: bool
    value: Any = None
    error: type[BaseException] | None = None
    started: bool = True  # False: no thread could be started, nothing was sent
    finished: threading.Event = field(default_factory=threading.Event, compare=False)


def bounded(call: Callable[[], Any], seconds: float, label: str) -> Answer:
    """Run ``call`` on a daemon thread and wait at most ``seconds`` for it.

    A redis-py command cannot be given a timeout of its own (its socket
    timeout is the client's), so the wait is bounded here; a command not
    answered in time keeps running on its thread until the socket timeout
    ends it. Only the error's class is kept: its text may quote the URL.
    """
    done = threading.Event()
    outcome: list[Answer] = []

    def run() -> None:
        try:
            outcome.append(Answer(True, call()))
        except BaseException as exc:  # reported, by its class, to the waiting thread
            outcome.append(Answer(True, None, type(exc)))
        finally:
            done.set()

    try:
        threading.Thread(target=run, name=f"boxauth-redis-call {label}", daemon=True).start()
    except RuntimeError as exc:  # no thread to be had: the command was never sent
        done.set()
        return Answer(True, None, type(exc), started=False, finished=done)
    if not done.wait(max(seconds, 0.0)):
        return Answer(False, finished=done)
    return outcome[0]


class Owners:
    """The owner value this process's ``lock()`` asks with, and when it may change.

    A new value is drawn only after a release naming the current one, sent
    while no acquire naming it is still on its thread (such a thread may send
    it late: a frozen Redis that wakes finishes the connection's handshake,
    then gets the acquire). An acquire that was already sent ran before the
    answer that let this process hold the lease: Redis answers only after
    running everything it read in the same pass of its event loop, and a
    frozen server's backlog is read in its first pass. So a late acquire finds
    the lease free, or gives it to a value still in use.

    The last value whose release got no answer is kept as ``stale``: the
    release may never have reached Redis, and the acquire script takes over a
    lease that still holds it, so this process is not locked out of its own
    lease until it expires. A late release of that value changes nothing once
    the lease is replaced (only the owner releases).
    """

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._value = new_owner()
        self._stale = ""
        self._flying = 0  # acquires naming the current value whose thread has not ended

    def asking(self) -> tuple[str, str]:
        """The value and the stale value to send in one acquire, counted until ``ended``."""
        with self._mutex:
            self._flying += 1
            return self._value, self._stale

    def ended(self, answered_with: str | None) -> None:
        """An acquire's thread ended; ``answered_with``: the stale value it sent, if
        Redis answered it (that value holds no lease of ours any more)."""
        with self._mutex:
            self._flying -= 1
            if answered_with and answered_with == self._stale:
                self._stale = ""

    def released(self, owner: str, confirmed: bool) -> None:
        with self._mutex:
            if owner == self._value and self._flying == 0:
                self._value = new_owner()
                if not confirmed:
                    self._stale = owner


class Keeper:
    """Extends one held lease every ``lease_s / 3`` until stopped or refused."""

    def __init__(self, extend: Callable[[], bool], lease_s: float, label: str) -> None:
        self._extend = extend
        self._every = lease_s / 3
        self._until = time.monotonic() + MAX_HOLDS * lease_s
        self._label = label
        self._stop = threading.Event()
        self.lost = False
        self._thread = threading.Thread(
            target=self._run, name=f"boxauth-redis-lease {label}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            if time.monotonic() >= self._until:
                log.warning(
                    "the Redis lease for key %s was held for %d lease lengths; "
                    "no longer extending it",
                    self._label,
                    MAX_HOLDS,
                )
                return
            try:
                kept = self._extend()
            except Exception:  # Redis unreachable: try again at the next tick  # noqa: S112  # nosec B112
                continue
            if not kept:
                # Someone else may hold it now: our writes will be refused if a
                # newer token was stored, never silently overwrite it.
                self.lost = True
                log.warning("the Redis lease for key %s lapsed while held", self._label)
                return
