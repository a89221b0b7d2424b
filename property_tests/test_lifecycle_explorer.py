"""Every interleaving, not a sample: the lifecycle machine explored whole.

``explorer_model`` runs a breadth-first search over every interleaving of up to
three callers in two processes that share one token storage, driving the REAL
``boxauth.lifecycle.step`` (and ``fast_use`` and ``while_busy``) exactly as
``boxauth.adapters.auth`` does. It interleaves every event: a token wanted, a
renewal that succeeds, fails, or whose answer is lost; a revoke call; a read,
store or clear that fails; the clock stepping past the refresh margin and past
expiry; an interrupt (``Abandoned``) before or after any effect, and the stale
answer such an abandoned renewal leaves behind. In every reachable world:

- at most one renewal is in flight for the identity, across both processes;
- a refresh token is sent to Box at most once (bar the exempt: its successor
  was lost on the wire or with an interrupted call, or another process holds
  it in memory because the storage refused it);
- no token is handed out at or after its expiry;
- a stale answer is refused whenever it arrives, and no store replaces the
  stored token with an older one;
- a token is never handed out by a process that Box told it was revoked, nor
  by anyone after a revoke that finished (the storage cleared);
- a machine is idle whenever no call runs, and no call can get stuck (a
  check of the model as much as of the machine).

The number of worlds explored is printed (``-s``) and written into the
terminal summary of the run. Tests at the end prove that each invariant check
catches a broken machine (or a storage with no lock), with a short trace.
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any

import pytest
from explorer_model import LIFE, MARGIN, OWNERS, T0, Config, Report, explore
from returns.result import Success

from boxauth.access_token import AccessToken
from boxauth.lifecycle import (
    Abandoned,
    AuthKind,
    Clear,
    Cleared,
    Done,
    Failed,
    Fetch,
    Machine,
    Phase,
    RevokeAt,
    RevokeDone,
    RevokeWanted,
    Salvaged,
    Store,
    Succeeded,
    Use,
    Wanted,
    step,
    while_busy,
)

# Two callers in process 0 and one in process 1; each makes one public call
# (retrieve, a forced refresh naming the token it last saw, or a revoke); one
# fault in all; the clock steps twice (a token goes fresh -> inside its margin
# -> expired). OAuth starts signed in (a0/r0 stored); JWT starts empty, so its
# tokens are fetched, age and are fetched again.
WHOLE = {
    "oauth": Config(AuthKind.OAUTH),
    "jwt": Config(AuthKind.JWT, initial=False),
}
# Wider bounds for a deliberate long run (minutes): HYPOTHESIS_PROFILE=exhaustive.
DEEP = {
    "oauth, 2 faults": Config(AuthKind.OAUTH, faults=2),
    "oauth, a sign-in": Config(AuthKind.OAUTH, sign_ins=1),
    "oauth, 2 calls in process 1": Config(AuthKind.OAUTH, calls=(1, 1, 2)),
    "jwt, a0 stored": Config(AuthKind.JWT),
    "jwt, 2 faults": Config(AuthKind.JWT, initial=False, faults=2),
}
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
if PROFILE == "exhaustive":
    WHOLE |= DEEP
if PROFILE == "mutation":
    # .ci/mutation runs this once per mutant: two callers of one process only
    # (a few thousand worlds each). Coverage is asserted at the CI bounds.
    WHOLE = {name: replace(cfg, processes=(0, 0), calls=(1, 1)) for name, cfg in WHOLE.items()}

_FIGURES: list[str] = []


class _Summary:
    """Writes the explorer's figures into pytest's terminal summary."""

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if _FIGURES:
            terminalreporter.section("lifecycle explorer")
            for line in _FIGURES:
                terminalreporter.write_line(line)


@pytest.fixture
def figures(request: pytest.FixtureRequest) -> list[str]:
    manager = request.config.pluginmanager
    if not manager.has_plugin("lifecycle-explorer"):
        manager.register(_Summary(), "lifecycle-explorer")
    return _FIGURES


def _describe(report: Report) -> str:
    lines = []
    for steps in report.violations.values():
        lines.append("VIOLATION " + steps[0])
        lines.extend(f"    {n:2d}. {s}" for n, s in enumerate(steps[1:], 1))
    return "\n".join(lines)


def _plain(kind: str) -> str:
    """A step kind without the clock it may have been preceded by."""
    return kind.split(") ", 1)[1] if kind.startswith("(+") else kind


# What the explorer must have done, so a passing run means something: each
# kind of step its model takes (module docstring), and the machine rows they
# lead to.
MUST_STEP = {
    "retrieve: fast path hands out {}",
    "lock-free read: while_busy hands out {}",
    "sends {}: Box issues {}",
    "sends {}: fails before Box acts",
    "sends {}: Box issues {}, the answer is lost",
    "store of {} fails",
    "read fails; {}",
    "revokes {}",
    "revoke of {} fails before Box acts",
    "revokes {}, the answer is lost",
    "clear fails",
    "is interrupted ({})",
}
MUST_ROW = {
    ("IDLE", "Wanted", "Use", "IDLE"),  # a token is used
    ("IDLE", "Wanted", "Fail", "IDLE"),  # a read failed
    ("RENEWING", "Succeeded", "Store", "STORING"),
    ("RENEWING", "Failed", "Use", "IDLE"),  # an early renewal failed: the old token
    ("RENEWING", "Failed", "Fail", "IDLE"),
    ("STORING", "Stored", "Use", "IDLE"),
    ("STORING", "StoreFailed", "Use", "IDLE"),  # kept in memory as unsaved
    ("IDLE", "Wanted", "Store", "STORING"),  # the unsaved token saved again
    ("RENEWING", "Abandoned", "Fail", "IDLE"),
    ("STORING", "Abandoned", "Fail", "IDLE"),
    ("REVOKING", "Abandoned", "Fail", "IDLE"),
    ("CLEARING", "Abandoned", "Fail", "IDLE"),
    ("IDLE", "RevokeWanted", "RevokeAt", "REVOKING"),
    ("REVOKING", "RevokeDone", "RevokeAt", "REVOKING"),
    ("REVOKING", "RevokeDone", "Clear", "CLEARING"),
    ("REVOKING", "RevokeFailed", "Fail", "IDLE"),
    ("CLEARING", "Cleared", "Done", "IDLE"),
    ("CLEARING", "ClearFailed", "Fail", "IDLE"),
}
MUST_OAUTH = {
    "sends {}: Box issues {}, answers only its refresh token",
    "sends Refresh({}): invalid_grant",  # the successor was lost: Box refuses the reuse
    "revokes {}: already dead, 400",
}
MUST_ROW_OAUTH = {
    ("RENEWING", "Salvaged", "Store", "STORING"),
    ("STORING", "Stored", "Fail", "IDLE"),  # saved, then the salvage or expiry reported
    ("REVOKING", "RevokeFailed", "Clear", "CLEARING"),  # the pair died with its refresh token
}
MUST_ROW_JWT = {
    ("RENEWING", "Succeeded", "Fail", "IDLE"),  # expired on arrival
    ("IDLE", "RevokeWanted", "Clear", "CLEARING"),  # nothing to revoke
}


@pytest.mark.parametrize("name", sorted(WHOLE))
def test_every_interleaving_keeps_every_invariant(name: str, figures: list[str]) -> None:
    cfg = WHOLE[name]
    report = explore(cfg)
    line = (
        f"{name}: {report.states:,} worlds, {report.transitions:,} steps between them, "
        f"{len(report.rows)} kinds of machine transition, {report.seconds:.1f} s "
        f"({report.cpu_seconds:.1f} s of CPU)"
        + (f", {len(report.violations)} VIOLATION(S)" if report.violations else "")
    )
    figures.append(line)
    print(line)
    assert not report.violations, _describe(report)
    assert report.stale_checks > 0  # abandoned renewals' answers were offered late
    if PROFILE == "mutation":
        return
    oauth = cfg.kind is AuthKind.OAUTH
    steps = {_plain(k) for k in report.steps}
    must = MUST_STEP | (MUST_OAUTH if oauth else set())
    assert must <= steps, sorted(must - steps)
    rows = MUST_ROW | (MUST_ROW_OAUTH if oauth else MUST_ROW_JWT)
    assert rows <= report.rows, sorted(rows - report.rows)


# -- findings: each a minimal reproduction (they fail until lifecycle.py is fixed) --------

OWNER = OWNERS[AuthKind.JWT]


def _token(name: str, rt: str | None = None, kind: AuthKind = AuthKind.JWT) -> AccessToken:
    return AccessToken(
        access_token=name,
        expires_in=LIFE,
        expires_at=T0 + LIFE,
        refresh_token=rt,
        owner=OWNERS[kind],
    )


def test_a_token_that_expires_while_it_is_being_saved_is_not_handed_out() -> None:
    """One caller, one process, no fault: a renewed token arrives valid, the clock
    passes its expiry while the storage saves it, and ``Stored`` hands it out."""
    report = explore(Config(AuthKind.JWT, processes=(0,), calls=(1,), faults=0, revokes=0))
    assert not report.violations, _describe(report)


def test_while_busy_never_hands_out_what_a_revoke_in_progress_had_confirmed() -> None:
    """Thread A revokes; Box confirms the refresh token revoked; thread B, finding
    the lock taken, must not be handed the pair from the storage."""
    pair = _token("a0", "r0", AuthKind.OAUTH)
    m = Machine(AuthKind.OAUTH, MARGIN, owner=OWNERS[AuthKind.OAUTH])
    m, action = step(m, RevokeWanted(Success(pair), T0)).unwrap()
    assert action == RevokeAt("r0")
    m, action = step(m, RevokeDone()).unwrap()  # Box: r0 (so the pair) is revoked
    assert m.phase is Phase.REVOKING
    assert while_busy(m, Wanted(Success(pair), T0)) is None


def test_a_token_revoked_elsewhere_is_not_resurrected_by_an_interrupted_save() -> None:
    """Process 1 fetches into an empty storage; its save lands, then the call is
    interrupted (it used to be kept as unsaved, replacing "nothing"). Process 2 revokes that
    token and clears the storage. The storage holds nothing again, which is what
    the unsaved token replaced: it must not be saved again nor handed out."""
    p1 = Machine(AuthKind.JWT, MARGIN, owner=OWNER)
    p1, fetch = step(p1, Wanted(Success(None), T0)).unwrap()
    assert isinstance(fetch, Fetch)
    p1, save = step(p1, Succeeded(fetch.ticket, _token("a1"), T0)).unwrap()
    assert isinstance(save, Store)
    storage: AccessToken | None = save.token  # the write landed...
    # ...and then the call was interrupted: the auth object reads the storage (still
    # under its locks) and tells the machine, which sees its save landed.
    p1, _ = step(p1, Abandoned(Success(storage))).unwrap()
    assert p1.unsaved is None

    p2 = Machine(AuthKind.JWT, MARGIN, owner=OWNER)
    p2, revoke = step(p2, RevokeWanted(Success(storage), T0)).unwrap()
    assert revoke == RevokeAt("a1")
    p2, clear = step(p2, RevokeDone()).unwrap()
    assert isinstance(clear, Clear)
    storage = None
    p2, _ = step(p2, Cleared()).unwrap()

    assert while_busy(p1, Wanted(Success(storage), T0)) is None
    _, action = step(p1, Wanted(Success(storage), T0)).unwrap()
    assert not (isinstance(action, Store | Use) and action.token.access_token == "a1"), action


# -- the checks can fail: each broken variant is caught, with a short trace ----------------

SMALL = Config(AuthKind.OAUTH, processes=(0, 1), calls=(1, 1), clock_steps=1, revokes=0)


def _caught(report: Report, words: str) -> tuple[str, ...]:
    found = [steps for steps in report.violations.values() if words in steps[0]]
    assert found, f"expected a violation with {words!r}; got {list(report.violations)}"
    return found[0]


def test_without_the_storage_lock_two_processes_renew_at_once_and_burn_the_refresh_token() -> None:
    report = explore(replace(SMALL, storage_lock=False, faults=0))
    _caught(report, "two renewals in flight")
    trace = _caught(report, "sent to Box a second time")
    assert len(trace) < 20  # BFS: a shortest trace, not a long one


def test_a_machine_that_hears_any_ticket_is_caught_accepting_a_stale_answer() -> None:
    def any_ticket(m: Machine, e: Any) -> Any:
        if isinstance(e, Succeeded | Salvaged | Failed):
            e = replace(e, ticket=m.ticket)
        return step(m, e)

    cfg = Config(AuthKind.JWT, processes=(0, 0), calls=(1, 1), revokes=0, step=any_ticket)
    _caught(explore(cfg), "accepted a stale answer")


def test_a_machine_whose_clock_stopped_is_caught_handing_out_an_expired_token() -> None:
    def stopped(m: Machine, e: Any) -> Any:
        return step(m, replace(e, now=T0) if isinstance(e, Wanted) else e)

    _caught(explore(replace(SMALL, clock_steps=2, step=stopped)), "at or after its expiry")


def test_a_machine_that_forgets_revokes_is_caught_handing_out_a_revoked_token() -> None:
    def forgetful(m: Machine, e: Any) -> Any:
        return step(replace(m, revoked=frozenset()), e)

    cfg = Config(AuthKind.OAUTH, processes=(0,), calls=(2,), clock_steps=0, step=forgetful)
    _caught(explore(cfg), "Box confirmed revoked")


def test_a_machine_that_never_clears_is_caught_when_another_process_hands_out_the_token() -> None:
    def uncleared(m: Machine, e: Any) -> Any:
        stepped = step(m, e)
        if isinstance(stepped, Success) and isinstance(stepped.unwrap()[1], Clear):
            idle, _ = step(stepped.unwrap()[0], Cleared()).unwrap()  # done, storage untouched
            return Success((idle, Done()))
        return stepped

    cfg = Config(AuthKind.OAUTH, processes=(0, 1), calls=(1, 1), clock_steps=0, step=uncleared)
    _caught(explore(cfg), "after a finished revoke")


def test_a_machine_that_ignores_newer_tokens_is_caught_storing_a_stale_one() -> None:
    def blind(m: Machine, e: Any) -> Any:
        if isinstance(e, Wanted) and m.unsaved is not None:
            e = replace(e, stored=Success(m.unsaved.replaced))  # "theirs" never wins
        return step(m, e)

    cfg = Config(AuthKind.JWT, processes=(0, 0, 1), clock_steps=0, revokes=0, step=blind)
    _caught(explore(cfg), "over the newer")


def test_a_machine_that_ignores_an_interrupt_is_caught_left_busy() -> None:
    def deaf(m: Machine, e: Any) -> Any:
        return Success((m, Use(_token("x")))) if isinstance(e, Abandoned) else step(m, e)

    cfg = Config(AuthKind.JWT, processes=(0,), calls=(1,), clock_steps=0, revokes=0, step=deaf)
    _caught(explore(cfg), "with no call running")
