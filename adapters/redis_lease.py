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
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable

log = logging.getLogger("boxauth")

MAX_HOLDS = 8  # a Keeper extends a lease for at most this many lease lengths


def new_owner() -> str:
    """128 random bits: no other holder, past or future, has the same value."""
    return secrets.token_hex(16)


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
