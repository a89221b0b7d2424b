"""Every interleaving of the fleet protocol, explored whole (docs/fleet.md).

A breadth-first search over every state two processes sharing one OAuth
identity through Redis can reach. Each process decides with the real core
(``boxauth.lifecycle``: ``step``, ``fast_use``, ``while_busy``); Redis, Box
and the pub/sub channel are modelled here, as ``adapters/redis_scripts.py``
and ``adapters/redis_watch.py`` specify them:

- the lease: acquire (set if absent, reading the record in the same step),
  release by its owner; it *lapses* under a holder that is paused past it
  (the holder goes on unaware) and *expires* under a holder that died;
- the record: a versioned compare-and-set on the version read under the
  lease, which also replaces a demotion of that version (a refresh token Box
  refused, dropped by another process) unless the write is itself a demotion;
  a clear writes a new, empty version; every write is published;
- pub/sub: each message is delivered (at once or late: any time before the
  next step of that process, or after) or lost with the connection; a lost
  connection is detected (resubscribe) and the copy is read again;
- a process may be killed at any step: before sending a refresh, after Box
  spent the refresh token but before the answer was stored, mid-revoke;
- Box: a refresh token is single use; a refused one answers invalid_grant;
- the clock steps past every token's expiry, twice.

Invariants checked in every reachable state:

1. Box is asked to spend an already spent refresh token only after a lease
   lapsed or a holder was killed after sending, at most once for each;
2. no late writer succeeds: a write never replaces a token Box issued after
   the one written (the CAS refuses a writer whose lease lapsed);
3. no revoked token is handed out once the revoke cleared the record and the
   process has heard of it (its message delivered, or its lost connection
   detected): the propagation bound;
4. while no process was killed, the newest live refresh token is never lost:
   it is in Redis or held by a live process that will store it; except one
   that a late writer drops because a revoke cleared the record meanwhile
   (held by no one, but not revoked at Box: SECURITY.md states this limit).
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, replace
from functools import cache
from typing import Any, NamedTuple

import pytest
from returns.result import Failure, Success

from boxauth.access_token import AccessToken
from boxauth.errors import BoxRefused, ErrorKind, StorageFailure, StorageFailureKind
from boxauth.lifecycle import (
    AuthKind,
    Clear,
    Cleared,
    ClearFailed,
    Done,
    Fail,
    Failed,
    Machine,
    ReadAgain,
    Refresh,
    RevokeAt,
    RevokeDone,
    RevokeWanted,
    Store,
    Stored,
    StoreFailed,
    Succeeded,
    Use,
    Wanted,
    fast_use,
    step,
    while_busy,
)

PROCESSES = 2  # ``canonical`` assumes two
TICKS = 2  # the clock steps past every token's expiry this many times
MARGIN = 10.0
REFUSED = BoxRefused(ErrorKind.INVALID_GRANT, 400, "invalid_grant", "Invalid refresh token")
SUPERSEDED = StorageFailure(StorageFailureKind.SUPERSEDED, "a newer token was stored")


def now_of(epoch: int) -> float:
    return 1000.0 * epoch + 1.0


@cache
def minted(serial: int, epoch: int) -> AccessToken:
    """Box's pair number ``serial``, issued at ``epoch``: expired from the next epoch on."""
    return AccessToken(
        access_token=f"a{serial}",
        refresh_token=f"r{serial}",
        expires_in=100,
        expires_at=now_of(epoch) + 100,
        token_type="bearer",
    )


def serial_of(token: AccessToken | None) -> int:
    return int((token.access_token or "a0")[1:]) if token is not None else 0


class Rec(NamedTuple):
    version: int
    parent: int
    flag: str  # t token, d demotion, - cleared
    token: AccessToken | None


@dataclass(frozen=True, slots=True)
class Answer:
    """Box answered a refresh; the process has not fed the answer to its machine yet."""

    event: Succeeded | Failed


class Held:
    """A machine with its hash computed once (states are hashed many times)."""

    __slots__ = ("h", "m")

    def __init__(self, m: Machine) -> None:
        self.m = m
        self.h = hash(m)

    def __hash__(self) -> int:
        return self.h

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Held) and (self.m is other.m or self.m == other.m)


class Proc(NamedTuple):
    machine: Held
    alive: bool = True
    cache: Rec | None = None
    trusted: bool = False
    basis: Rec | None = None  # what it read under the lease (it believes it holds it)
    pc: Any = None  # the action (or Answer) in progress; None when idle
    queue: tuple[int, ...] = ()  # versions published to it, not delivered yet
    broken: bool = False  # its connection dropped messages; not yet detected


class World(NamedTuple):
    procs: tuple[Proc, ...]
    record: Rec | None
    lease: int | None = None
    epoch: int = 0
    ticks: int = 0
    versions: int = 1
    serial: int = 1
    live: frozenset[str] = frozenset({"r1"})
    spent: frozenset[str] = frozenset()
    revoked: frozenset[str] = frozenset()
    # Failure budget, one of each per run, and what they allow.
    lapsed: bool = False
    killed: bool = False
    killed_after_send: bool = False
    lost: bool = False
    revoke_called: bool = False
    double_sends: int = 0
    # Refresh tokens a late writer dropped because a revoke had cleared the
    # record meanwhile: never stored, held by no one, but not revoked at Box
    # either (SECURITY.md, "Fleet failure assumptions").
    orphans: frozenset[str] = frozenset()


class Violation(AssertionError):  # noqa: N818 - it reads best in a counterexample
    pass


@dataclass(frozen=True, slots=True)
class Protocol:
    """The protocol's rules, each switchable, to show the explorer catches its absence."""

    compare_and_set: bool = True  # writes under the lease name the version read
    regain: bool = True  # a holder's re-read first makes sure the lease is still its own
    invalidate: bool = True  # a delivered message drops the copy it names as old


RULES = [Protocol()]


def _proc(w: World, pid: int, **changes: Any) -> World:
    procs = list(w.procs)
    procs[pid] = procs[pid]._replace(**changes)
    return w._replace(procs=tuple(procs))


_STEPS: dict[tuple[Held, Any], tuple[Machine, Any]] = {}


def _step(m: Machine, event: Any) -> tuple[Machine, Any]:
    """The real ``lifecycle.step`` (a pure function: each answer is computed once)."""
    key = (Held(m), event)
    known = _STEPS.get(key)
    if known is None:
        stepped = step(m, event)
        assert isinstance(stepped, Success), stepped
        known = _STEPS[key] = stepped.unwrap()
    return known


def _read(w: World, pid: int) -> tuple[World, Rec | None]:
    """get() without the lease: the trusted copy, else Redis (and trust the new copy)."""
    p = w.procs[pid]
    if p.trusted:
        return w, p.cache
    rec = w.record
    if rec is not None and p.cache is not None and p.cache.version == rec.version:
        rec = p.cache  # same version: the same object (the fast path compares identity)
    return _proc(w, pid, cache=rec, trusted=True), rec


def _token(rec: Rec | None) -> AccessToken | None:
    return rec.token if rec is not None else None


def _serve(w: World, pid: int, token: AccessToken) -> None:
    """Invariant 3: a revoked token only before the bound (record not yet cleared, or unheard)."""
    if token.access_token not in w.revoked and token.refresh_token not in w.revoked:
        return
    p = w.procs[pid]
    still_stored = w.record is not None and w.record.token == token
    if not (still_stored or p.queue or p.broken):
        raise Violation(f"process {pid} handed out a revoked token after the bound")


def _publish(w: World, writer: int, version: int) -> World:
    procs = tuple(
        p._replace(queue=(*p.queue, version)) if i != writer and p.alive and not p.broken else p
        for i, p in enumerate(w.procs)
    )
    return w._replace(procs=procs)


def _demotes(read: AccessToken | None, token: AccessToken) -> bool:
    """As ``redis_records.demotes``: the token read, less its refresh token."""
    return (
        read is not None
        and bool(read.refresh_token)
        and not token.refresh_token
        and token.access_token == read.access_token
    )


def _write(w: World, pid: int, token: AccessToken | None) -> tuple[World, bool]:
    """As ``redis_scripts.WRITE``: compare-and-set under the lease, plain outside it."""
    p = w.procs[pid]
    cur, basis = w.record, p.basis
    demoted = token is not None and basis is not None and _demotes(basis.token, token)
    if basis is not None and RULES[0].compare_and_set:
        same = cur.version if cur is not None else 0
        over_demotion = (
            cur is not None and cur.flag == "d" and cur.parent == basis.version and not demoted
        )
        if same != basis.version and not over_demotion:
            return w, False
    # Invariant 2: never replace a token Box issued after the one written.
    if token is not None and cur is not None and cur.token is not None and cur.flag != "-":
        old, new = serial_of(cur.token), serial_of(token)
        if not (new > old or (demoted and new == old)):
            raise Violation(f"process {pid} overwrote a newer token (a late writer)")
    version = w.versions + 1
    flag = "-" if token is None else "d" if demoted else "t"
    rec = Rec(version, basis.version if basis is not None else 0, flag, token)
    w = w._replace(record=rec, versions=version)
    w = _publish(w, pid, version)
    w = _proc(w, pid, cache=rec, trusted=True, basis=rec if basis is not None else None)
    return w, True


def _finish(w: World, pid: int, action: Any) -> World:
    """A terminal action: hand out (checked), release the lease, go idle."""
    if isinstance(action, Use):
        _serve(w, pid, action.token)
    if w.lease == pid:
        w = w._replace(lease=None)
    return _proc(w, pid, pc=None, basis=None)


def _continue(w: World, pid: int, machine: Machine, action: Any) -> World:
    w = _proc(w, pid, machine=Held(machine), pc=action)
    if isinstance(action, Use | Fail | Done):
        return _finish(w, pid, action)
    return w


def _call(w: World, pid: int, revoke: bool) -> World:
    p = w.procs[pid]
    now = now_of(w.epoch)
    if not revoke:
        w, rec = _read(w, pid)
        fast = fast_use(p.machine.m, _token(rec), now)
        if fast is not None:
            _serve(w, pid, fast)
            return w
    if w.lease is not None:  # another holds the lease: use a valid stored token, or wait
        if not revoke:
            w, rec = _read(w, pid)
            early = while_busy(p.machine.m, Wanted(Success(_token(rec)), now))
            if early is not None:
                _serve(w, pid, early)
        return w
    rec = w.record
    w = w._replace(lease=pid)
    w = _proc(w, pid, cache=rec, trusted=True, basis=rec or Rec(0, 0, "-", None))
    stored = Success(_token(rec))
    event = RevokeWanted(stored, now) if revoke else Wanted(stored, now)
    if revoke:
        w = w._replace(revoke_called=True)
    machine, action = _step(p.machine.m, event)
    return _continue(w, pid, machine, action)


def _exec(w: World, pid: int) -> World:
    p = w.procs[pid]
    action, now = p.pc, now_of(w.epoch)
    m = p.machine.m
    if isinstance(action, Refresh):  # send: Box decides now
        spend = action.refresh_token
        if spend in w.live:
            serial = w.serial + 1
            token = minted(serial, w.epoch)
            w = w._replace(
                serial=serial,
                live=(w.live - {spend}) | {token.refresh_token or ""},
                spent=w.spent | {spend},
            )
            return _proc(w, pid, pc=Answer(Succeeded(action.ticket, token, now)))
        if spend in w.spent:
            w = w._replace(double_sends=w.double_sends + 1)
            allowed = int(w.lapsed) + int(w.killed_after_send)
            if w.double_sends > allowed:
                raise Violation("a spent refresh token was sent again with no lapse or kill")
        return _proc(w, pid, pc=Answer(Failed(action.ticket, REFUSED, now)))
    if isinstance(action, Answer):
        machine, following = _step(m, action.event)
        return _continue(w, pid, machine, following)
    if isinstance(action, Store):
        w, written = _write(w, pid, action.token)
        if not written:
            if w.record is not None and w.record.flag == "-" and action.token.refresh_token:
                w = w._replace(orphans=w.orphans | {action.token.refresh_token})
            w = _proc(w, pid, cache=None, trusted=False)
        machine, following = _step(m, Stored() if written else StoreFailed(SUPERSEDED))
        return _continue(w, pid, machine, following)
    if isinstance(action, ReadAgain):  # a holder's read first makes sure of the lease
        if w.lease not in (None, pid) and RULES[0].regain:
            lost = Failure(StorageFailure(StorageFailureKind.LOCK, "the lease lapsed"))
            machine, following = _step(m, Wanted(lost, now))
            return _continue(w, pid, machine, following)
        rec = w.record
        w = w._replace(lease=pid)
        w = _proc(w, pid, cache=rec, trusted=True, basis=rec or Rec(0, 0, "-", None))
        machine, following = _step(m, Wanted(Success(_token(rec)), now))
        return _continue(w, pid, machine, following)
    if isinstance(action, RevokeAt):
        cred = action.credential
        pair = {cred, "a" + cred[1:], "r" + cred[1:]}
        w = w._replace(revoked=w.revoked | pair, live=w.live - pair)
        machine, following = _step(m, RevokeDone())
        return _continue(w, pid, machine, following)
    if isinstance(action, Clear):  # under the lease: a compare-and-set too
        w, cleared = _write(w, pid, None)
        machine, following = _step(m, Cleared() if cleared else ClearFailed(SUPERSEDED))
        return _continue(w, pid, machine, following)
    raise AssertionError(f"unexpected action {action!r}")


def _kill(w: World, pid: int) -> World:
    p = w.procs[pid]
    after_send = isinstance(p.pc, Answer) and isinstance(p.pc.event, Succeeded)
    after_send = after_send or isinstance(p.pc, Store)
    w = w._replace(killed=True, killed_after_send=w.killed_after_send or after_send)
    return _proc(w, pid, alive=False, pc=None, queue=(), trusted=False)


def successors(w: World) -> list[tuple[str, World]]:
    """Every event that can happen next, each with a label for a counterexample."""
    out: list[tuple[str, World]] = []
    for pid, p in enumerate(w.procs):
        if not p.alive:
            continue
        if p.pc is None:
            out.append((f"{pid} calls", _call(w, pid, revoke=False)))
            if not w.revoke_called:
                out.append((f"{pid} revokes", _call(w, pid, revoke=True)))
        else:
            out.append((f"{pid} carries out {type(p.pc).__name__}", _exec(w, pid)))
        if p.queue:  # deliver the oldest message (late: some other step went first)
            version, rest = p.queue[0], p.queue[1:]
            stale = RULES[0].invalidate and (p.cache is None or p.cache.version != version)
            changes: dict[str, Any] = {"queue": rest}
            if stale:
                changes.update(cache=None, trusted=False)
            out.append((f"{pid} hears v{version}", _proc(w, pid, **changes)))
        if not w.lost and not p.broken:
            lost = _proc(w, pid, queue=(), broken=True)._replace(lost=True)
            out.append((f"{pid} loses its messages", lost))
        if p.broken:  # detected: resubscribe, read again before trusting the copy
            out.append((f"{pid} resubscribes", _proc(w, pid, broken=False, trusted=False)))
        if not w.killed:
            out.append((f"{pid} is killed", _kill(w, pid)))
    if w.lease is not None:
        if w.procs[w.lease].alive and not w.lapsed:  # its holder paused past it
            out.append((f"{w.lease}'s lease lapses", w._replace(lease=None, lapsed=True)))
        if not w.procs[w.lease].alive:
            out.append(("the dead holder's lease expires", w._replace(lease=None)))
    if w.ticks < TICKS:
        out.append(("the clock passes expiry", w._replace(epoch=w.epoch + 1, ticks=w.ticks + 1)))
    return out


def _newest_kept(w: World) -> None:
    """Invariant 4: with no kill, a live refresh token is stored or about to be."""
    if w.killed:
        return
    for rt in w.live - w.revoked - w.orphans:
        stored = w.record.token if w.record is not None else None
        if stored is not None and stored.refresh_token == rt:
            continue
        held = False
        for p in w.procs:
            m = p.machine.m
            tokens = [m.pending, m.unsaved.token if m.unsaved else None]
            if isinstance(p.pc, Answer) and isinstance(p.pc.event, Succeeded):
                tokens.append(p.pc.event.token)
            if isinstance(p.pc, Store):
                tokens.append(p.pc.token)
            held = held or any(t is not None and t.refresh_token == rt for t in tokens)
        if not held:
            raise Violation(f"the live refresh token {rt} is neither stored nor held")


def initial() -> World:
    pair = minted(1, 0)
    machine = Machine(AuthKind.OAUTH, MARGIN)
    return World(
        procs=tuple(Proc(Held(machine)) for _ in range(PROCESSES)),
        record=Rec(1, 0, "t", pair),
    )


def canonical(w: World) -> World:
    """The two processes are alike: a state and its mirror image are one state."""
    first, second = w.procs
    if hash(second) >= hash(first):
        return w
    lease = None if w.lease is None else 1 - w.lease
    return w._replace(procs=(second, first), lease=lease)


def explore() -> tuple[int, int]:
    """(states, transitions): every reachable state, each checked.

    A violation is reported with the shortest sequence of events that leads to it
    (process numbers in it may be swapped: see ``canonical``).
    """
    start = initial()
    parent: dict[World, tuple[World, str] | None] = {start: None}
    todo = deque([start])
    transitions = 0

    def trace(w: World, last: str) -> str:
        steps = [last]
        link = parent[w]
        while link is not None:
            w, label = link
            steps.append(label)
            link = parent[w]
        return " -> ".join(reversed(steps))

    while todo:
        w = todo.popleft()
        try:
            _newest_kept(w)
        except Violation as found:
            raise Violation(f"{found}: {trace(w, 'check')}") from None
        try:
            following = successors(w)
        except Violation as found:
            raise Violation(f"{found}: after {trace(w, 'next')}") from None
        for label, found in following:
            transitions += 1
            nxt = canonical(found)
            if nxt not in parent:
                parent[nxt] = (w, label)
                todo.append(nxt)
    LAST_SEEN.clear()
    LAST_SEEN.update(parent)
    return len(parent), transitions


LAST_SEEN: set[World] = set()


def coverage(states: list[World]) -> dict[str, int]:
    """How many reachable states show each failure the protocol must survive."""
    return {
        "lapsed": sum(w.lapsed for w in states),
        "killed after send": sum(w.killed_after_send for w in states),
        "spent token sent again": sum(w.double_sends > 0 for w in states),
        "messages lost": sum(w.lost for w in states),
        "revoked": sum(bool(w.revoked) for w in states),
        "demotion stored": sum(w.record is not None and w.record.flag == "d" for w in states),
        "orphaned by a revoke": sum(bool(w.orphans) for w in states),
    }


def test_the_fleet_protocol_explored_whole() -> None:
    started = time.monotonic()
    states, transitions = explore()
    took = time.monotonic() - started
    # It should take well under 30 s; the figure is printed, not asserted
    # (a timing on a shared machine is not a property of the protocol).
    print(f"fleet explorer: {states} states, {transitions} transitions, {took:.1f} s")
    seen = coverage(list(LAST_SEEN))
    print(f"fleet explorer coverage: {seen}")
    assert all(count > 0 for count in seen.values()), seen  # every failure was reached


@pytest.mark.parametrize(
    ("rule", "found"),
    [
        ("compare_and_set", "late writer"),
        ("regain", "sent again"),
        ("invalidate", "revoked token"),
    ],
)
def test_without_each_rule_the_explorer_finds_the_flaw(rule: str, found: str) -> None:
    RULES[0] = replace(Protocol(), **{rule: False})
    try:
        with pytest.raises(Violation, match=found):
            explore()
    finally:
        RULES[0] = Protocol()
