"""A model world for the exhaustive lifecycle explorer (``test_lifecycle_explorer.py``).

The world: one Box identity, one token storage shared by every caller, and
auth objects in two processes. Each process has its own ``Machine`` (the real
``boxauth.lifecycle`` value) and its own thread lock; the storage's lock is
shared by both processes (``fcntl.flock`` on a token file's lock file). Up to
three callers make public calls, each a sequence of *atomic steps* that
follows ``boxauth.adapters.auth`` line by line:

    retrieve:   lock-free read + ``fast_use``  (hand out, or go on)
    every call: try this process's lock; if it is taken, a lock-free read +
                ``while_busy`` (hand out, or wait for it); the same for the
                storage's lock; then, holding both: read + the first event +
                the REAL ``step``; then, until the action is terminal: carry
                out the action (against the model Box or the model storage),
                and feed its outcome to the REAL ``step``; release both locks.

Everything outside the machine is modelled, small and finite:
- Box issues token ``aN`` (with refresh token ``rN`` for OAuth), accepts a
  refresh token once (then ``invalid_grant``), and revokes a pair from either
  half.
- The clock has symbolic points ``at(k)``, one ``STEP`` apart: a token issued
  at point k is fresh there, inside its refresh margin at k + 1, expired at
  k + 2.
- Outcomes that each spend one unit of a *fault budget*: a read, store or
  clear that fails; a Box request that fails before Box acted; one whose
  answer is lost after Box acted (``maybe_sent``); a refresh answered with
  only a refresh token (``Salvaged``); an interrupt before or after any effect
  of a call's loop (the machine is fed ``Abandoned``; the abandoned renewal's
  answer, if Box gave one, is then offered to that machine in every later
  world and must be refused).
- Box's answer to revoking a credential that is already dead is not
  documented: 200 (RFC 7009 section 2.2) and 400 are both explored.

Tokens are values: the model storage hands back the very object stored (as
``InMemoryTokenStorage`` does), and equal tokens are one object throughout
(interned), so ``is`` and ``==`` agree. A file storage hands back a fresh copy
after each write, which only makes ``fast_use`` (it wants the same object)
fire less often: a subset of these behaviours.

``Explorer.run`` is a breadth-first search over every interleaving of every
caller's steps, the clock and the faults. Worlds are deduplicated by value,
after three reductions that lose no behaviour (each argued where it is made):
two callers of one process with the same budget are interchangeable; a
process's tickets are renumbered from 0 when no call runs in it; the clock
moves only right before a step that reads it. ``step`` is pure, so its answers
are memoized. BFS order makes the first trace found to each violation a
shortest one.

Not modelled: storages whose store is a compare-and-set (``SUPERSEDED``; the
Redis storage), a renewal's attempts one by one (``boxauth.attempts`` decides
them; here a renewal is one exchange with Box), JWT clock skew, and identities
other than one: those have their own tests.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

from returns.result import Failure, Result, Success

from boxauth.access_token import AccessToken
from boxauth.errors import (
    AuthError,
    BoxRefused,
    ErrorKind,
    StorageFailure,
    StorageFailureKind,
    TransportFailure,
    TransportFailureKind,
    malformed,
)
from boxauth.identity import Owner
from boxauth.lifecycle import (
    Abandoned,
    AuthKind,
    Clear,
    Cleared,
    ClearFailed,
    Done,
    ExchangeCode,
    Fail,
    Failed,
    Fetch,
    Fresh,
    Machine,
    Phase,
    ReadAgain,
    Refresh,
    RevokeAt,
    RevokeDone,
    RevokeFailed,
    RevokeWanted,
    Salvaged,
    SignInWanted,
    Store,
    Stored,
    StoreFailed,
    Succeeded,
    Unsaved,
    Use,
    Wanted,
    fast_use,
    step,
    while_busy,
)

T0 = 1_700_000_000.0
LIFE = 3600
MARGIN = 60.0
# One clock step: a token issued at point k is fresh at k, inside its 60 s
# margin at k + 1 (3570 s old) and expired at k + 2 (7140 s old).
STEP = LIFE - 30


def at(point: int) -> float:
    return T0 + point * STEP


OWNERS = {
    AuthKind.OAUTH: Owner("client", "oauth_user", None),
    AuthKind.JWT: Owner("client", "enterprise", "1"),
    AuthKind.CCG: Owner("client", "enterprise", "1"),
}

# The failures the model feeds back (values, so worlds stay hashable).
NOT_SENT = TransportFailure(TransportFailureKind.CONNECT, "model: refused", False)
ANSWER_LOST = TransportFailure(TransportFailureKind.PROTOCOL, "model: answer lost", True)
INVALID_GRANT = BoxRefused(ErrorKind.INVALID_GRANT, 400, "invalid_grant", "Invalid refresh token")
REVOKE_REFUSED = BoxRefused(ErrorKind.INVALID_GRANT, 400, "invalid_token", "Invalid token")
SALVAGE = malformed("'expires_in' is out of range")
READ_DOWN = StorageFailure(StorageFailureKind.READ, "model: read failed")
WRITE_DOWN = StorageFailure(StorageFailureKind.WRITE, "model: write failed")
CLEAR_DOWN = StorageFailure(StorageFailureKind.CLEAR, "model: clear failed")

StepFn = Callable[[Machine, Any], Result[tuple[Machine, Any], Any]]


@dataclass(frozen=True)
class Config:
    """The bounds of one exploration. Each bound is a budget in the world."""

    kind: AuthKind
    processes: tuple[int, ...] = (0, 0, 1)  # the process of each caller
    calls: tuple[int, ...] = (1, 1, 1)  # public calls per caller
    faults: int = 1  # failures, lost answers and interrupts, in all
    clock_steps: int = 2
    revokes: int = 1
    sign_ins: int = 0
    forced: bool = True  # callers may force a renewal (refresh_token(replacing=...))
    initial: bool = True  # the storage starts with token a0, issued at point 0
    step: StepFn = step  # the function under test: a broken one proves the checks bite
    storage_lock: bool = True  # False: a storage with no cross-process lock


# -- the world (every field hashes fast: tokens, machines and actions are ids) ----------

# Where in ``BaseAuth._run`` a caller is.
IDLE = "idle"  # between calls
TRY_T = "try thread lock"
EARLY_T = "lock-free read (thread lock taken)"
WAIT_T = "wait for thread lock"
EARLY_S = "lock-free read (storage lock taken)"
WAIT_S = "wait for storage lock"
LOCKED = "locked: read and step"
ACT = "carry out"
FEED = "feed the outcome"
IN_LOOP = (ACT, FEED)  # inside auth.py's try block: an interrupt feeds Abandoned

RETRIEVE, REFRESH, REVOKE, SIGN_IN = "retrieve", "refresh", "revoke", "sign in"
NONE = -1  # the id of "no token"


class Caller(NamedTuple):
    pc: str
    left: int  # public calls left
    call: str  # the public call in progress
    last: int  # the last token handed to this caller (what a 401 names)
    todo: int  # ACT: the action's id; FEED: the outcome's id
    got: frozenset[str]  # credentials Box confirmed revoked during this call


class Box(NamedTuple):
    issued: int  # tokens issued so far
    live: frozenset[str]  # refresh tokens Box accepts (unspent, unrevoked)
    spent: frozenset[str]
    dead: frozenset[str]  # revoked credentials (both halves of a pair)
    # Spent refresh tokens whose successor never reached the storage, so a
    # reuse is expected (and refused by Box): (rt, None) the answer was lost on
    # the wire or with an interrupted call, so any process may still hold rt;
    # (rt, p) process p holds the successor in memory (the storage refused it),
    # so any *other* process may still hold rt.
    exempt: frozenset[tuple[str, int | None]]
    successor: frozenset[tuple[str, str]]  # (new refresh token, the one spent for it)


class World(NamedTuple):
    clock: int
    stored: int  # token id
    storage_lock: int | None  # the caller holding it
    machines: tuple[int, ...]  # machine id per process
    thread_locks: tuple[int | None, ...]  # the caller holding each process's lock
    callers: tuple[Caller, ...]
    box: Box
    faults: int
    clock_steps: int
    revokes: int
    sign_ins: int
    # Renewal answers whose call was interrupted: (process, ticket, token id).
    late: frozenset[tuple[int, int, int]]
    # Per process: credentials Box confirmed revoked to that process's machine.
    learned: tuple[frozenset[str], ...]
    # Credentials revoked by a revoke call that ended Done (the storage cleared).
    revoked_done: frozenset[str]


_INDEX = {t: {n: i for i, n in enumerate(t._fields)} for t in (World, Caller, Box)}


def put(value: Any, **changes: Any) -> Any:
    """``NamedTuple._replace``, faster (it runs for every transition)."""
    kind = type(value)
    index = _INDEX[kind]
    values = list(value)
    for key, new in changes.items():
        values[index[key]] = new
    return tuple.__new__(kind, values)


def _set(t: tuple[Any, ...], i: int, v: Any) -> tuple[Any, ...]:
    return (*t[:i], v, *t[i + 1 :])


def _as(w: World, i: int, c: Caller, **changes: Any) -> World:
    """The world with caller i replaced by ``c`` (with ``changes``)."""
    return put(w, callers=_set(w.callers, i, put(c, **changes) if changes else c))


class Violation(Exception):  # noqa: N818  # it is what the explorer reports
    def __init__(self, what: str, where: str = "", caller: int = -1) -> None:
        super().__init__(what)
        self.what = what
        self.where = where
        self.caller = caller


def version(token: AccessToken | None) -> int:
    """Box's issue order: token aN / rN is version N."""
    if token is None:
        return -1
    text = token.access_token or token.refresh_token or "x-1"
    return int(text[1:])


def name(token: AccessToken | None) -> str:
    if token is None:
        return "nothing"
    if token.refresh_token:
        return f"{token.access_token or '-'}/{token.refresh_token}"
    return token.access_token or "-"


# (caller or -1, what, arguments): formatted only for a trace.
Label = tuple[int, str, tuple[Any, ...]]


@dataclass(frozen=True)
class Report:
    states: int
    transitions: int
    seconds: float
    cpu_seconds: float  # this process's CPU time: the machine may be shared
    # Each kind of violation found, with a shortest trace to it (BFS order).
    violations: dict[str, tuple[str, ...]]
    steps: frozenset[str]  # every kind of step taken (for coverage checks)
    # Every (phase, event, action, next phase) the machine went through.
    rows: frozenset[tuple[str, str, str, str]]
    steps_computed: int  # calls of the real step (the rest were memoized)
    stale_checks: int  # late answers offered to a machine (each must be refused)


class Explorer:
    """One exploration of one ``Config``."""

    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self.kind = cfg.kind
        self._ids: dict[Any, int] = {}
        self._objects: list[Any] = []
        self._tokens: dict[AccessToken, AccessToken] = {}
        self._memo: dict[tuple[int, Any], Any] = {}
        self.rows: set[tuple[str, str, str, str]] = set()
        self.computed = 0
        self.stale_checks = 0

    # -- interning ----------------------------------------------------------------------

    def id(self, value: Any) -> int:
        found = self._ids.get(value)
        if found is None:
            found = self._ids[value] = len(self._objects)
            self._objects.append(value)
        return found

    def obj(self, ident: int) -> Any:
        return None if ident == NONE else self._objects[ident]

    def tid(self, token: AccessToken | None) -> int:
        return NONE if token is None else self.id(self.canon(token))

    def canon(self, token: AccessToken) -> AccessToken:
        return self._tokens.setdefault(token, token)

    def _canon_machine(self, m: Machine) -> Machine:
        """The machine with every token replaced by the one interned object of its value."""

        def c(t: AccessToken | None) -> AccessToken | None:
            return None if t is None else self.canon(t)

        changes: dict[str, Any] = {}
        for field in ("stored_raw", "previous", "pending"):
            t = getattr(m, field)
            if t is not None and c(t) is not t:
                changes[field] = c(t)
        u = m.unsaved
        if u is not None and (c(u.token) is not u.token or c(u.replaced) is not u.replaced):
            changes["unsaved"] = Unsaved(self.canon(u.token), c(u.replaced))
        f = m.fresh
        if f is not None and c(f.token) is not f.token:
            changes["fresh"] = Fresh(self.canon(f.token), f.until)
        return replace(m, **changes) if changes else m

    def _canon_action(self, action: Any) -> Any:
        if isinstance(action, Use | Store) and self.canon(action.token) is not action.token:
            return replace(action, token=self.canon(action.token))
        return action

    # -- the machine under test ------------------------------------------------------------

    def step(self, mid: int, event: Any) -> Any:
        """The real step, memoized (it is pure): (machine id, action) or a Failure."""
        key = (mid, event)
        found = self._memo.get(key)
        if found is None:
            self.computed += 1
            before: Machine = self.obj(mid)
            stepped = self.cfg.step(before, event)
            if isinstance(stepped, Success):
                after, action = stepped.unwrap()
                row = (before.phase.name, type(event).__name__, type(action).__name__)
                self.rows.add((*row, after.phase.name))
                found = (self.id(self._canon_machine(after)), self._canon_action(action))
            else:
                found = stepped
            self._memo[key] = found
        return found

    def busy(self, mid: int, event: Wanted) -> AccessToken | None:
        """The real ``while_busy``, memoized (it is pure)."""
        key = ("busy", mid, event)
        if key not in self._memo:
            token = while_busy(self.obj(mid), event)
            self._memo[key] = None if token is None else self.canon(token)
        found: AccessToken | None = self._memo[key]
        return found

    def machine(self, w: World, p: int) -> Machine:
        m: Machine = self.obj(w.machines[p])
        return m

    # -- the start ------------------------------------------------------------------------

    def initial(self) -> World:
        cfg = self.cfg
        owner = OWNERS[cfg.kind]
        live: frozenset[str] = frozenset()
        stored = NONE  # also what each caller was handed last (a 401 names it)
        if cfg.initial:
            rt = "r0" if cfg.kind is AuthKind.OAUTH else None
            a0 = AccessToken(
                access_token="a0",
                expires_in=LIFE,
                expires_at=at(0) + LIFE,
                refresh_token=rt,
                owner=owner,
            )
            stored = self.tid(a0)
            live = frozenset({rt}) if rt else live
        count = max(cfg.processes) + 1
        fresh = self.id(Machine(cfg.kind, MARGIN, owner=owner))
        empty: frozenset[Any] = frozenset()
        return World(
            clock=0,
            stored=stored,
            storage_lock=None,
            machines=(fresh,) * count,
            thread_locks=(None,) * count,
            callers=tuple(Caller(IDLE, n, "", stored, NONE, empty) for n in cfg.calls),
            box=Box(0, live, empty, empty, empty, empty),
            faults=cfg.faults,
            clock_steps=cfg.clock_steps,
            revokes=cfg.revokes,
            sign_ins=cfg.sign_ins if cfg.kind is AuthKind.OAUTH else 0,
            late=empty,
            learned=(empty,) * count,
            revoked_done=empty,
        )

    # -- invariants ------------------------------------------------------------------------

    def check_handout(self, w: World, p: int, token: object, how: str) -> None:
        """No token at or after its expiry; none Box confirmed revoked to this
        process; none that a finished revoke removed from the storage."""
        if not isinstance(token, AccessToken) or not token.access_token:
            raise Violation(f"{how} handed out something that is not an access token")
        now = at(w.clock)
        if token.expires_at is None or now >= token.expires_at:
            raise Violation(f"{how} handed out {name(token)} at or after its expiry")
        held = {token.access_token, token.refresh_token}
        if held & w.learned[p]:
            raise Violation(f"{how} handed out {name(token)}, which Box confirmed revoked")
        if held & w.revoked_done:
            raise Violation(f"{how} handed out {name(token)} after a finished revoke of it")

    @staticmethod
    def check_refresh(w: World, p: int, rt: str) -> None:
        """A refresh token is spent at most once (bar the exempt), never after its revoke."""
        box = w.box
        exempt = (rt, None) in box.exempt or any(
            old == rt and q != p for old, q in box.exempt if q is not None
        )
        if rt in box.spent and not exempt:
            raise Violation(f"refresh token {rt} sent to Box a second time")
        if rt in w.learned[p]:
            raise Violation(f"refresh token {rt} sent after Box confirmed it revoked")

    def check_store(self, w: World, token: AccessToken) -> None:
        """A stale token never overwrites a newer one (the same one again is harmless)."""
        stored = self.obj(w.stored)
        if stored is not None and version(token) < version(stored):
            raise Violation(f"stored {name(token)} over the newer {name(stored)}")

    def renewing(self, c: Caller) -> bool:
        if c.pc == ACT:
            return isinstance(self.obj(c.todo), Fetch | Refresh | ExchangeCode)
        return c.pc == FEED and self.obj(c.todo)[0] in ("ok", "failed", "salvaged")

    def check_world(self, w: World) -> None:
        if sum(1 for c in w.callers if self.renewing(c)) > 1:
            raise Violation("two renewals in flight for one identity")
        machines = [self.machine(w, p) for p in range(len(w.machines))]
        if sum(1 for m in machines if m.phase is Phase.RENEWING) > 1:
            raise Violation("two machines renewing for one identity")
        for p, m in enumerate(machines):
            if w.thread_locks[p] is None and m.phase is not Phase.IDLE:
                raise Violation(f"process {p}'s machine is {m.phase.name} with no call running")
        now = at(w.clock)
        for p, ticket, tid in w.late:
            self.stale_checks += 1
            token = self.obj(tid)
            for event in (
                Succeeded(ticket, token, now),
                Salvaged(ticket, token, SALVAGE),
                Failed(ticket, ANSWER_LOST, now),
            ):
                if not isinstance(self.step(w.machines[p], event), Failure):
                    raise Violation(f"process {p} accepted a stale answer ({name(token)})")

    # -- steps ---------------------------------------------------------------------------

    def successors(self, w: World, found: Callable[[Violation], None]) -> Iterator[Any]:
        """Every next world: (label, world, optional).

        Optional steps (faults) are not progress: a world whose calls can move
        only by them is stuck. A step that breaks an invariant goes to
        ``found``; that caller's other steps from this world are then left out.

        The clock moves only just before a step that reads it (each such step
        also runs one and two clock steps later, ``ticked``). This loses no
        behaviour: a clock step commutes with every step that does not read
        the clock, so any trace can be reordered to put each clock step right
        before the next step that reads it, with every observation unchanged.
        """
        later = [w]
        for n in range(1, w.clock_steps + 1):
            later.append(put(w, clock=w.clock + n, clock_steps=w.clock_steps - n))
        for i, c in enumerate(w.callers):
            worlds = later if self._reads_clock(c) else later[:1]
            for ticks, world in enumerate(worlds):
                prefix = f"(+{ticks} clock) " if ticks else ""
                try:
                    for (what, args), nxt, optional in self._caller(world, i, c, ticks > 0):
                        yield (i, prefix + what, args), nxt, optional
                except Violation as v:
                    found(Violation(v.what, f"{prefix}{self._doing(c)}: VIOLATION", i))

    def _doing(self, c: Caller) -> str:
        """What caller c's next step is, for a trace."""
        if c.pc == ACT:
            return f"carries out {type(self.obj(c.todo)).__name__}"
        if c.pc == FEED:
            return f"feeds the outcome '{self.obj(c.todo)[0]}'"
        return c.pc

    def _reads_clock(self, c: Caller) -> bool:
        """Does this caller's next step read the clock (or hand out a token)?"""
        if c.pc in (IDLE, EARLY_T, EARLY_S, LOCKED, FEED):
            return True
        return c.pc == ACT and isinstance(self.obj(c.todo), Fetch | Refresh | ExchangeCode)

    def _caller(self, w: World, i: int, c: Caller, ticked: bool) -> Iterator[Any]:
        """Caller i's next steps; ``ticked``: only those that read the clock."""
        p = self.cfg.processes[i]
        if c.pc == IDLE:
            if c.left:
                yield from self._start(w, i, c, ticked)
            return
        # An interrupt (Ctrl-C, a gevent timeout) can end a call inside the loop,
        # before or after any effect (the machine is fed Abandoned). Before the
        # loop (waiting for or holding the locks, the machine untouched) an
        # interrupt only ends the call: every world that reaches is also reached,
        # with more calls left, by a caller that never began it.
        if w.faults and c.pc in IN_LOOP and not ticked:
            yield from self._interrupt(put(w, faults=w.faults - 1), i, c)
        if c.pc in (TRY_T, WAIT_T):
            if w.thread_locks[p] is None:
                nxt = put(w, thread_locks=_set(w.thread_locks, p, i))
                yield self._try_storage(nxt, i, c, "takes its thread lock, ")
            elif c.pc == TRY_T:
                pc = EARLY_T if c.call in (RETRIEVE, REFRESH) else WAIT_T
                yield ("finds its thread lock taken", ()), self._to(w, i, c, pc), False
        elif c.pc == WAIT_S:
            if w.storage_lock is None:
                nxt = put(w, storage_lock=i)
                yield ("takes the storage lock", ()), self._to(nxt, i, c, LOCKED), False
        elif c.pc in (EARLY_T, EARLY_S):
            yield from self._early(w, i, c)
        elif c.pc == LOCKED:
            for fails, nxt in self._reads(w):
                event = self._wanted(nxt, c, self._read(nxt, fails))
                what = "read fails; {}" if fails else "reads {}; {}"
                args = (
                    (type(event).__name__,)
                    if fails
                    else (self._stored_name(w), type(event).__name__)
                )
                yield (what, args), self._fed(nxt, i, event), fails
        elif c.pc == ACT:
            yield from self._act(w, i, c, ticked)
        elif c.pc == FEED:
            event = self._event(w, c)
            if ticked and not hasattr(event, "now"):
                # Only a handout reads the clock here (the expiry check).
                stepped = self.step(w.machines[p], event)
                if isinstance(stepped, Failure) or not isinstance(stepped[1], Use):
                    return
            yield ("feeds {}", (_event_name(event),)), self._fed(self._learn(w, i), i, event), False

    def _try_storage(self, w: World, i: int, c: Caller, then: str) -> Any:
        """Taking the thread lock and trying the storage's lock are one step: no
        other step depends on both (this process's lock was free, so no caller
        of it holds the storage's lock), so nothing is lost by it."""
        if not self.cfg.storage_lock:
            return (then + "has no storage lock to take", ()), self._to(w, i, c, LOCKED), False
        if w.storage_lock is None:
            nxt = put(w, storage_lock=i)
            return (then + "takes the storage lock", ()), self._to(nxt, i, c, LOCKED), False
        pc = EARLY_S if c.call in (RETRIEVE, REFRESH) else WAIT_S
        return (then + "finds the storage lock taken", ()), self._to(w, i, c, pc), False

    def _to(self, w: World, i: int, c: Caller, pc: str) -> World:
        return _as(w, i, c, pc=pc)

    def _stored_name(self, w: World) -> str:
        return name(self.obj(w.stored))

    def _reads(self, w: World) -> Iterator[tuple[bool, World]]:
        """A read that works, and (spending a fault) one that fails."""
        yield False, w
        if w.faults:
            yield True, put(w, faults=w.faults - 1)

    def _read(self, w: World, fails: bool) -> Result[AccessToken | None, AuthError]:
        return Failure(READ_DOWN) if fails else Success(self.obj(w.stored))

    def _wanted(self, w: World, c: Caller, stored: Result[AccessToken | None, AuthError]) -> Any:
        now = at(w.clock)
        if c.call == REVOKE:
            return RevokeWanted(stored, now)
        if c.call == SIGN_IN:
            return SignInWanted(stored, now)
        forced = c.call == REFRESH
        return Wanted(stored, now, forced, self.obj(c.last) if forced else None)

    def _start(self, w: World, i: int, c: Caller, ticked: bool) -> Iterator[Any]:
        p = self.cfg.processes[i]
        begun = put(c, call=RETRIEVE, got=frozenset())
        # retrieve_token(): the lock-free fast path first.
        token = fast_use(self.machine(w, p), self.obj(w.stored), at(w.clock))
        if token is None:
            nxt = _as(w, i, begun, pc=TRY_T)
            yield ("retrieve: fast path says no", ()), nxt, False
        else:
            nxt = _as(w, i, begun)
            yield (
                ("retrieve: fast path hands out {}", (name(token),)),
                self._handed(nxt, i, token, "fast_use"),
                False,
            )
            if w.faults:  # a failed read only matters where it would have handed out
                nxt = _as(put(w, faults=w.faults - 1), i, begun, pc=TRY_T)
                yield ("retrieve: fast path read fails", ()), nxt, True
        # refresh_token(replacing=last), revoke_token(), a sign-in: to the locks.
        if ticked:  # these do not read the clock
            return
        starts: list[tuple[str, World]] = []
        if self.cfg.forced:
            starts.append((REFRESH, w))
        if w.revokes:
            starts.append((REVOKE, put(w, revokes=w.revokes - 1)))
        if w.sign_ins:
            starts.append((SIGN_IN, put(w, sign_ins=w.sign_ins - 1)))
        for call, nxt in starts:
            begun = put(c, pc=TRY_T, call=call, got=frozenset())
            yield (f"{call}: begins", ()), _as(nxt, i, begun), False

    def _early(self, w: World, i: int, c: Caller) -> Iterator[Any]:
        """auth.py's ``early()``: someone holds a lock; use a valid stored token now?"""
        p = self.cfg.processes[i]
        wait = WAIT_T if c.pc == EARLY_T else WAIT_S
        token = self.busy(w.machines[p], self._wanted(w, c, self._read(w, False)))
        if token is None:
            yield (
                ("lock-free read of {}: waits", (self._stored_name(w),)),
                self._to(w, i, c, wait),
                False,
            )
            return
        yield (
            ("lock-free read: while_busy hands out {}", (name(token),)),
            self._handed(w, i, token, "while_busy"),
            False,
        )
        if w.faults:  # a failed read only matters where it would have handed out
            failing = put(w, faults=w.faults - 1)
            if self.busy(w.machines[p], self._wanted(failing, c, self._read(failing, True))):
                raise Violation("while_busy handed out a token from a failed read")
            yield ("lock-free read fails: waits", ()), self._to(failing, i, c, wait), True

    def _fed(self, w: World, i: int, event: Any) -> World:
        """Step caller i's machine with ``event``; go on with the action it answers."""
        p = self.cfg.processes[i]
        stepped = self.step(w.machines[p], event)
        if isinstance(stepped, Failure):
            raise Violation(f"the machine refused {type(event).__name__}: {stepped.failure()}")
        mid, action = stepped
        w = put(w, machines=_set(w.machines, p, mid))
        c = w.callers[i]
        if isinstance(action, Use):
            self.check_handout(w, p, action.token, "a call")
            c = put(c, last=self.tid(action.token))
        if isinstance(action, Done):
            w = put(w, revoked_done=w.revoked_done | c.got)
        if isinstance(action, Use | Fail | Done):
            return self._end(w, i, c)
        return _as(w, i, c, pc=ACT, todo=self.id(action))

    def _end(self, w: World, i: int, c: Caller) -> World:
        """The call is over: release whatever locks caller i holds."""
        p = self.cfg.processes[i]
        locks = w.thread_locks
        if locks[p] == i:
            locks = _set(locks, p, None)
        held = None if w.storage_lock == i else w.storage_lock
        # The last token matters only to a later call (a 401 names it).
        last = c.last if c.left > 1 else NONE
        done = Caller(IDLE, c.left - 1, "", last, NONE, frozenset())
        w = put(w, thread_locks=locks, storage_lock=held, callers=_set(w.callers, i, done))
        return self._rebase(w, p) if locks[p] is None else w

    def _rebase(self, w: World, p: int) -> World:
        """Number process p's tickets from 0 (its machine's, and its late answers').

        Tickets are only ever compared with each other, so worlds that differ by
        a shift of them behave alike. Done when process p's thread lock is free:
        then no answer is in flight in it (only the lock's holder has one).
        """
        mid = w.machines[p]
        base = min((t for q, t, _ in w.late if q == p), default=None)
        key = ("rebase", mid, base)
        found = self._memo.get(key)
        if found is None:
            m = self.machine(w, p)
            shift = m.ticket if base is None else base
            found = self._memo[key] = (self.id(replace(m, ticket=m.ticket - shift)), shift)
        moved, shift = found
        if not shift:
            return w
        late = frozenset((q, t - shift if q == p else t, tid) for q, t, tid in w.late)
        return put(w, machines=_set(w.machines, p, moved), late=late)

    def _handed(self, w: World, i: int, token: AccessToken, how: str) -> World:
        self.check_handout(w, self.cfg.processes[i], token, how)
        c = w.callers[i]
        return self._end(w, i, put(c, last=self.tid(token)))

    def _interrupt(self, w: World, i: int, c: Caller) -> Iterator[Any]:
        p = self.cfg.processes[i]
        if c.pc == ACT and isinstance(self.obj(c.todo), Store):
            w = self._store_lost(w, p, self.obj(c.todo).token)  # never written
        if c.pc == FEED:
            w = self._answer_lost(w, p, self.obj(c.todo))
        # Only a caller inside the loop has told the machine anything; one that
        # waits for a lock leaves it alone (auth.py's try block).
        if self.machine(w, p).phase is not Phase.IDLE:
            # auth.py reads the storage (still under its locks) and tells the machine.
            stepped = self.step(w.machines[p], Abandoned(self._read(w, False)))
            if isinstance(stepped, Failure):
                raise Violation(f"the machine refused Abandoned: {stepped.failure()}")
            w = put(w, machines=_set(w.machines, p, stepped[0]))
        yield ("is interrupted ({})", (c.pc,)), self._end(w, i, c), True

    def _answer_lost(self, w: World, p: int, outcome: tuple[Any, ...]) -> World:
        """An interrupt after Box answered: the answer dies with the call."""
        if outcome[0] in ("ok", "salvaged"):
            _, ticket, tid, spent = outcome
            w = put(w, late=w.late | {(p, ticket, tid)})
            if spent:
                w = put(w, box=put(w.box, exempt=w.box.exempt | {(spent, None)}))
        return w

    def _store_lost(self, w: World, p: int, token: AccessToken) -> World:
        """``token`` never reached the storage: only process p holds its refresh token."""
        old = next((o for n, o in w.box.successor if n == token.refresh_token), None)
        if old is None:
            return w
        return put(w, box=put(w.box, exempt=w.box.exempt | {(old, p)}))

    def _issue(self, box: Box, sent: float, refresh: bool) -> tuple[Box, AccessToken]:
        n = box.issued + 1
        rt = f"r{n}" if refresh or self.kind is AuthKind.OAUTH else None
        token = AccessToken(
            access_token=f"a{n}", expires_in=LIFE, expires_at=sent + LIFE, refresh_token=rt
        )
        live = box.live | {rt} if rt else box.live
        return put(box, issued=n, live=live), self.canon(token)

    def _act(self, w: World, i: int, c: Caller, ticked: bool) -> Iterator[Any]:
        """Carry out caller i's action: every outcome, faults spending the budget."""
        action = self.obj(c.todo)

        def feed(outcome: tuple[Any, ...], nxt: World) -> World:
            return _as(nxt, i, c, pc=FEED, todo=self.id(outcome))

        faulty = put(w, faults=w.faults - 1) if w.faults else None
        if isinstance(action, Fetch | ExchangeCode | Refresh):
            yield from self._renew(w, self.cfg.processes[i], action, feed, faulty, ticked=ticked)
        elif isinstance(action, Store):
            token = action.token
            self.check_store(w, token)
            nxt = feed(("stored",), put(w, stored=self.tid(token)))
            yield ("stores {}", (name(token),)), nxt, False
            if faulty is not None:
                lost = self._store_lost(faulty, self.cfg.processes[i], token)
                yield ("store of {} fails", (name(token),)), feed(("store_failed",), lost), True
        elif isinstance(action, Clear):
            yield ("clears the storage", ()), feed(("cleared",), put(w, stored=NONE)), False
            if faulty is not None:
                yield ("clear fails", ()), feed(("clear_failed",), faulty), True
        elif isinstance(action, RevokeAt):
            yield from self._revoke(w, action.credential, feed, faulty)
        elif isinstance(action, ReadAgain):
            for fails, nxt in self._reads(w):
                yield ("reads again", ()), feed(("read", self._read(nxt, fails)), nxt), fails
        else:
            raise Violation(f"the machine asked for an unknown action {type(action).__name__}")

    def _renew(
        self,
        w: World,
        p: int,
        action: Fetch | ExchangeCode | Refresh,
        feed: Callable[[tuple[Any, ...], World], World],
        faulty: World | None,
        *,
        ticked: bool,
    ) -> Iterator[Any]:
        """A grant, a refresh or a code exchange at Box (``ticked``: only the
        outcomes that read the clock, those where Box issues a token)."""
        box = w.box
        ticket = action.ticket
        what = type(action).__name__
        spent = None
        if isinstance(action, Refresh):
            spent = action.refresh_token
            self.check_refresh(w, p, spent)
            if spent not in box.live:
                if ticked:
                    return
                nxt = feed(("failed", ticket, INVALID_GRANT), w)
                yield ("sends Refresh({}): invalid_grant", (spent,)), nxt, False
                return
            box = put(box, live=box.live - {spent}, spent=box.spent | {spent})
        box, token = self._issue(box, at(w.clock), isinstance(action, ExchangeCode))
        if spent and token.refresh_token:
            box = put(box, successor=box.successor | {(token.refresh_token, spent)})
        issued = (what, name(token))
        ok = ("ok", ticket, self.tid(token), spent)
        yield ("sends {}: Box issues {}", issued), feed(ok, put(w, box=box)), False
        if faulty is None:
            return
        if not ticked:
            failed = ("failed", ticket, NOT_SENT)
            yield ("sends {}: fails before Box acts", (what,)), feed(failed, faulty), True
        lost = put(faulty, box=box)
        if spent:
            lost = put(lost, box=put(box, exempt=box.exempt | {(spent, None)}))
        nxt = feed(("failed", ticket, ANSWER_LOST), lost)
        yield ("sends {}: Box issues {}, the answer is lost", issued), nxt, True
        if spent:
            only = self.tid(AccessToken(refresh_token=token.refresh_token))
            nxt = feed(("salvaged", ticket, only, spent), put(faulty, box=box))
            yield ("sends {}: Box issues {}, answers only its refresh token", issued), nxt, True

    def _revoke(
        self,
        w: World,
        cred: str,
        feed: Callable[[tuple[Any, ...], World], World],
        faulty: World | None,
    ) -> Iterator[Any]:
        """One credential revoked at Box, which kills the pair it belongs to."""
        box = w.box
        pair = {cred, f"r{cred[1:]}", f"a{cred[1:]}"}
        killed = put(box, dead=box.dead | pair, live=box.live - pair)
        if cred in box.dead or cred in box.spent:
            # RFC 7009 section 2.2 answers 200 for an invalid token; Box's
            # answer is unconfirmed, so both are explored.
            yield ("revokes {}: already dead, 200", (cred,)), feed(("revoked", cred), w), False
            yield ("revokes {}: already dead, 400", (cred,)), feed(("refused", cred), w), False
        else:
            yield ("revokes {}", (cred,)), feed(("revoked", cred), put(w, box=killed)), False
        if faulty is not None:
            nxt = feed(("revoke_failed", cred), faulty)
            yield ("revoke of {} fails before Box acts", (cred,)), nxt, True
            nxt = feed(("revoke_lost", cred), put(faulty, box=killed))
            yield ("revokes {}, the answer is lost", (cred,)), nxt, True

    def _event(self, w: World, c: Caller) -> Any:
        """The event an outcome becomes (the clock is read as the answer arrives)."""
        now = at(w.clock)
        o = self.obj(c.todo)
        kind = o[0]
        if kind == "ok":
            return Succeeded(o[1], self.obj(o[2]), now)
        if kind == "failed":
            return Failed(o[1], o[2], now)
        if kind == "salvaged":
            return Salvaged(o[1], self.obj(o[2]), SALVAGE)
        simple = {
            "stored": Stored(now),
            "store_failed": StoreFailed(WRITE_DOWN, now),
            "cleared": Cleared(),
            "clear_failed": ClearFailed(CLEAR_DOWN),
            "revoked": RevokeDone(),
            "refused": RevokeFailed(REVOKE_REFUSED),
            "revoke_failed": RevokeFailed(NOT_SENT),
            "revoke_lost": RevokeFailed(ANSWER_LOST),
        }
        if kind in simple:
            return simple[kind]
        return self._wanted(w, c, o[1])  # read again

    def _learn(self, w: World, i: int) -> World:
        """Box confirmed a revoke to caller i's process (its machine is fed RevokeDone)."""
        c = w.callers[i]
        outcome = self.obj(c.todo)
        if outcome[0] != "revoked":
            return w
        cred = outcome[1]
        p = self.cfg.processes[i]
        w = put(w, learned=_set(w.learned, p, w.learned[p] | {cred}))
        return _as(w, i, c, got=c.got | {cred})

    # -- the search ----------------------------------------------------------------------

    def _groups(self) -> list[tuple[int, ...]]:
        """Callers that are interchangeable: one process, the same budget."""
        by: dict[tuple[int, int], list[int]] = {}
        for i, (p, n) in enumerate(zip(self.cfg.processes, self.cfg.calls, strict=True)):
            by.setdefault((p, n), []).append(i)
        return [tuple(g) for g in by.values() if len(g) > 1]

    def canonical(self, w: World) -> tuple[World, tuple[int, ...] | None]:
        """One world per class of worlds that differ only by swapping interchangeable
        callers (and the locks they hold); and the swap (old index -> new index)."""
        callers = w.callers
        perm: list[int] | None = None
        for group in self.groups:
            if len(group) == 2:  # the usual case, without sorting
                a, b = group
                if callers[a] == callers[b] or _sort_key(callers[a]) <= _sort_key(callers[b]):
                    continue
            order = sorted(group, key=lambda j: _sort_key(callers[j]))
            if list(order) != list(group):
                perm = perm or list(range(len(callers)))
                for new, old in zip(group, order, strict=True):
                    perm[old] = new
        if perm is None:
            return w, None
        moved = [callers[0]] * len(callers)
        for old, new in enumerate(perm):
            moved[new] = callers[old]
        locks = tuple(None if h is None else perm[h] for h in w.thread_locks)
        held = None if w.storage_lock is None else perm[w.storage_lock]
        return put(w, callers=tuple(moved), thread_locks=locks, storage_lock=held), tuple(perm)

    def _trace(self, parent: dict[World, Any], w: World, last: Violation) -> tuple[str, ...]:
        """The steps from the first world to ``w`` and the one that broke, with each
        caller named as in the first world (canonical worlds may swap callers)."""
        links = []
        link = parent[w]
        while link is not None:
            links.append(link)
            link = parent[link[0]]
        names = list(range(len(self.cfg.processes)))

        def who(i: int) -> str:
            return f"C{names[i]}@P{self.cfg.processes[i]}: " if i >= 0 else ""

        steps = []
        for _, (i, what, args), perm in reversed(links):
            steps.append(who(i) + what.format(*args))
            if perm is not None:
                renamed = names[:]
                for old, new in enumerate(perm):
                    renamed[new] = names[old]
                names = renamed
        return (who(last.caller) + last.what, *steps, who(last.caller) + last.where)

    def run(self, limit: int = 3_000_000) -> Report:
        """Breadth-first search over every reachable world."""
        began, cpu = time.perf_counter(), time.process_time()
        self.groups = self._groups()
        start = self.initial()
        parent: dict[World, tuple[World, Label, tuple[int, ...] | None] | None] = {start: None}
        queue = deque([start])
        transitions = 0
        kinds: set[str] = set()
        violations: dict[str, tuple[str, ...]] = {}

        def found(w: World, v: Violation) -> None:
            """Keep the first (so a shortest) trace of each kind of violation."""
            key = "".join(ch for ch in v.what if not ch.isdigit())
            if key not in violations:
                violations[key] = self._trace(parent, w, v)

        while queue and len(parent) <= limit:
            w = queue.popleft()
            try:
                self.check_world(w)
            except Violation as v:
                found(w, Violation(v.what, "(in this world)"))
                continue
            progress = False
            broke: list[Violation] = []
            for label, raw, optional in self.successors(w, broke.append):
                transitions += 1
                progress = progress or not optional
                kinds.add(label[1])
                nxt, perm = self.canonical(raw)
                if nxt not in parent:
                    parent[nxt] = (w, label, perm)
                    queue.append(nxt)
            for v in broke:
                found(w, v)
            if not progress and not broke and any(c.pc != IDLE for c in w.callers):
                found(w, Violation("stuck: a call can never finish", "(no step)"))
        if queue:
            found(start, Violation(f"more than {limit} worlds: the bounds are too wide"))
        self.worlds = parent  # for a look after the run
        return Report(
            states=len(parent),
            transitions=transitions,
            seconds=time.perf_counter() - began,
            cpu_seconds=time.process_time() - cpu,
            violations=violations,
            steps=frozenset(kinds),
            rows=frozenset(self.rows),
            steps_computed=self.computed,
            stale_checks=self.stale_checks,
        )


def _sort_key(c: Caller) -> tuple[Any, ...]:
    return (c.pc, c.left, c.call, c.last, c.todo, tuple(sorted(c.got)) if c.got else ())


def _event_name(event: Any) -> str:
    kind = type(event).__name__
    token = getattr(event, "token", None)
    if token is not None:
        return f"{kind}({name(token)})"
    error = getattr(event, "error", None)
    kind_of_error = getattr(error, "kind", None)
    return f"{kind}({kind_of_error.name})" if kind_of_error is not None else kind


def explore(cfg: Config, limit: int = 3_000_000) -> Report:
    return Explorer(cfg).run(limit)
