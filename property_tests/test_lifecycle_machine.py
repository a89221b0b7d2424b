"""The lifecycle machine (``boxauth.lifecycle``'s TRANSITIONS) against an independent model.

A tiny shell in this file drives the machine exactly as an auth object does:
read the storage, feed an event, carry out the action against a fake Box and
a fake storage (whose every outcome hypothesis chooses: success, a refused or
lost answer, a salvaged refresh token, a storage that fails, an interrupt at
any step), and feed back the outcome. The model keeps its own books: which
refresh tokens Box considers live, which credentials were revoked, what was
handed out. Invariants checked after every call:

- no token is handed out at or after its expiry, or after it was revoked;
- a refresh token Box sent us is never lost: it is in the storage or held by
  the machine as unsaved, until it is spent, revoked or replaced by a sign-in
  (a refresh whose answer was lost is the one exception: Box spent it and its
  successor never arrived);
- a stale renewal answer is refused and changes nothing;
- the machine is idle after every call, however it ended.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from returns.result import Failure, Result, Success

from boxauth.access_token import MAX_TIME, AccessToken, RestrictedTo
from boxauth.errors import (
    AuthError,
    BoxRefused,
    ErrorKind,
    ReauthRequired,
    StorageFailure,
    StorageFailureKind,
    TransportFailure,
    TransportFailureKind,
    malformed,
)
from boxauth.identity import Owner
from boxauth.lifecycle import (
    BUILD,
    GUARDS,
    TRANSITIONS,
    Abandoned,
    Act,
    AuthKind,
    Clear,
    Cleared,
    ClearFailed,
    Do,
    Done,
    ExchangeCode,
    Fail,
    Failed,
    Fetch,
    Guard,
    IllegalEvent,
    Level,
    Machine,
    Note,
    Phase,
    Purpose,
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
    Use,
    Wanted,
    asks_savable,
    decide,
    fast_use,
    step,
    usable,
    wanted_act,
    while_busy,
)

T0 = 1_700_000_000.0
LIFE = 3600
OWNER = Owner("client", "oauth_user", None)
GONE = TransportFailure(TransportFailureKind.PROTOCOL, "answer lost", True)
REFUSED = BoxRefused(ErrorKind.INVALID_GRANT, 400, "invalid_grant", "Invalid refresh token")
DOWN = StorageFailure(StorageFailureKind.WRITE, "disk full")


# -- the table itself -------------------------------------------------------------------


def test_every_guard_and_every_do_has_its_function_and_is_used() -> None:
    assert set(GUARDS) == set(Guard)
    assert set(BUILD) == set(Do)
    used_guards = {g for rows in TRANSITIONS.values() for g, _, _ in rows}
    used_dos = {d for rows in TRANSITIONS.values() for _, _, d in rows}
    assert used_guards == set(Guard)
    assert used_dos == set(Do)


def test_every_list_of_rows_ends_with_a_row_that_always_matches_or_is_exhaustive() -> None:
    # A (phase, event) pair with rows must never fall through to "no row".
    for (phase, event), rows in TRANSITIONS.items():
        assert rows, (phase, event)
        assert rows[-1][0] is Guard.ALWAYS, (phase, event)


EVENTS: list[Any] = [
    Wanted(Success(None), T0),
    SignInWanted(Success(None), T0),
    RevokeWanted(Success(None), T0),
    Succeeded(0, AccessToken(access_token="a", expires_at=T0 + 10), T0),
    Salvaged(0, AccessToken(refresh_token="r"), malformed("x")),
    Failed(0, GONE, T0),
    Stored(),
    StoreFailed(DOWN),
    RevokeDone(),
    RevokeFailed(REFUSED),
    Cleared(),
    ClearFailed(DOWN),
    Abandoned(),
]


@given(st.sampled_from(list(Phase)), st.sampled_from(EVENTS), st.sampled_from(list(AuthKind)))
def test_a_pair_without_rows_is_refused_and_changes_nothing(
    phase: Phase, event: Any, kind: AuthKind
) -> None:
    machine = Machine(kind, phase=phase)
    result = step(machine, event)
    if (phase, type(event)) not in TRANSITIONS:
        assert isinstance(result, Failure)
        assert isinstance(result.failure(), IllegalEvent)


@given(st.integers(-3, 3))
def test_only_the_current_ticket_is_heard(offset: int) -> None:
    m0 = Machine(AuthKind.JWT, owner=Owner("c", "enterprise", "1"))
    m1, action = step(m0, Wanted(Success(None), T0)).unwrap()
    assert isinstance(action, Fetch)
    token = AccessToken(access_token="a", expires_in=LIFE, expires_at=T0 + LIFE)
    for event in (
        Succeeded(action.ticket + offset, token, T0),
        Failed(action.ticket + offset, GONE, T0),
    ):
        result = step(m1, event)
        assert isinstance(result, Failure) == (offset != 0)


# -- behaviours, one by one ---------------------------------------------------------------


def _token(
    name: str, at: float = T0, rt: str | None = None, owner: Owner | None = OWNER
) -> AccessToken:
    return AccessToken(
        access_token=name, expires_in=LIFE, expires_at=at + LIFE, refresh_token=rt, owner=owner
    )


def test_a_superseded_forced_renewal_that_fails_uses_the_valid_replacement() -> None:
    """Forced for a token someone already replaced is not forced."""
    old, new = _token("old", T0 - LIFE + 30), _token("new", T0 - LIFE + 30)  # both stale, valid
    m = Machine(AuthKind.JWT, owner=OWNER)
    m, action = step(m, Wanted(Success(new), T0, forced=True, replacing=old)).unwrap()
    assert isinstance(action, Fetch)  # early renewal of the replacement (stale), not forced
    _, after = step(m, Failed(action.ticket, GONE, T0)).unwrap()
    assert isinstance(after, Use) and after.token == new


def test_a_forced_renewal_of_the_stored_token_reports_its_failure() -> None:
    token = _token("tok")
    m, action = step(
        Machine(AuthKind.JWT, owner=OWNER), Wanted(Success(token), T0, True, token)
    ).unwrap()
    assert isinstance(action, Fetch)
    _, after = step(m, Failed(action.ticket, GONE, T0)).unwrap()
    assert after == Fail(GONE)


def test_an_unsaved_token_is_saved_again_while_the_storage_holds_what_it_replaced() -> None:
    """The freshly issued pair wins over the older stored one."""
    older, fresh = _token("older", rt="r1"), _token("fresh", rt="r2")
    m = Machine(AuthKind.OAUTH, owner=OWNER)
    m, action = step(m, SignInWanted(Success(older), T0)).unwrap()
    assert isinstance(action, ExchangeCode)
    m, action = step(m, Succeeded(action.ticket, fresh, T0)).unwrap()
    assert isinstance(action, Store)
    m, failed = step(m, StoreFailed(DOWN)).unwrap()
    assert isinstance(failed, Fail) and failed.error == DOWN  # the caller learns it
    assert m.unsaved is not None and m.unsaved.token.access_token == "fresh"
    m, again = step(m, Wanted(Success(older), T0)).unwrap()  # storage unchanged since
    assert isinstance(again, Store) and again.token.access_token == "fresh"
    m, used = step(m, Stored()).unwrap()
    assert isinstance(used, Use) and used.token.access_token == "fresh" and m.unsaved is None


def test_an_unsaved_token_yields_to_a_newer_record_written_by_someone_else() -> None:
    older, ours, theirs = (
        _token("older", rt="r1"),
        _token("ours", T0 + LIFE, rt="r2"),
        _token("theirs", T0 + LIFE, rt="r3"),
    )
    m = Machine(AuthKind.OAUTH, owner=OWNER)
    m, action = step(m, Wanted(Success(older), T0 + LIFE)).unwrap()
    assert isinstance(action, Refresh)
    m, action = step(m, Succeeded(action.ticket, ours, T0 + LIFE)).unwrap()
    m, used = step(m, StoreFailed(DOWN)).unwrap()
    assert isinstance(used, Use) and m.unsaved is not None
    m, action = step(m, Wanted(Success(theirs), T0 + LIFE)).unwrap()
    assert isinstance(action, Use) and action.token == theirs and m.unsaved is None


def test_a_late_writer_adopts_the_newer_token_instead_of_overwriting_it() -> None:
    """A compare-and-set store that lost means a newer token exists: use it."""
    m = Machine(AuthKind.JWT, owner=OWNER)
    m, action = step(m, Wanted(Success(None), T0)).unwrap()
    m, action = step(m, Succeeded(action.ticket, _token("late"), T0)).unwrap()
    assert isinstance(action, Store)
    lost = StorageFailure(StorageFailureKind.SUPERSEDED, "a newer token is stored")
    m, action = step(m, StoreFailed(lost)).unwrap()
    assert isinstance(action, ReadAgain) and m.unsaved is None and m.phase is Phase.IDLE
    assert [n.text for n in action.notes] == [
        "a newer token was stored while this one was being renewed; using that one"
    ]
    newer = _token("newer")
    _, used = step(m, Wanted(Success(newer), T0)).unwrap()
    assert isinstance(used, Use) and used.token == newer


def test_a_salvaged_refresh_token_is_stored_and_the_answer_reported() -> None:
    """A refresh answer is never thrown away."""
    m = Machine(AuthKind.OAUTH, owner=OWNER)
    m, action = step(m, Wanted(Success(_token("t", T0 - LIFE, rt="r1")), T0)).unwrap()
    assert isinstance(action, Refresh) and action.refresh_token == "r1"
    error = malformed("'expires_in' is out of range")
    m, action = step(m, Salvaged(action.ticket, AccessToken(refresh_token="r2"), error)).unwrap()
    assert isinstance(action, Store) and action.token.refresh_token == "r2"
    m, done = step(m, Stored()).unwrap()
    assert done == Fail(error)
    # The next call refreshes with the kept refresh token.
    _, action = step(m, Wanted(Success(action.token), T0)).unwrap()
    assert isinstance(action, Refresh) and action.refresh_token == "r2"


@given(st.floats(0, 3 * LIFE))
def test_revoke_sends_the_refresh_token_and_the_access_token_while_it_is_unexpired(
    age: float,
) -> None:
    """Every refresh token, and the access token while unexpired: Box revokes a pair from
    either half (developer.box.com/guides/authentication/tokens/revoke/)."""
    token = _token("at", T0, rt="rt")
    m, action = step(
        Machine(AuthKind.OAUTH, owner=OWNER), RevokeWanted(Success(token), T0 + age)
    ).unwrap()
    assert isinstance(action, RevokeAt) and action.credential == "rt"
    m, action = step(m, RevokeDone()).unwrap()
    if age < LIFE:
        assert isinstance(action, RevokeAt) and action.credential == "at"
        m, action = step(m, RevokeDone()).unwrap()
    assert isinstance(action, Clear)
    m, done = step(m, Cleared()).unwrap()
    assert isinstance(done, Done)
    # Even if the storage still handed it back, it is never used again.
    _, again = step(m, Wanted(Success(token), T0)).unwrap()
    assert isinstance(again, Fail)


def test_a_refused_access_token_revoke_after_its_refresh_token_still_clears() -> None:
    token = _token("at", T0, rt="rt")
    m, _ = step(Machine(AuthKind.OAUTH, owner=OWNER), RevokeWanted(Success(token), T0)).unwrap()
    m, action = step(m, RevokeDone()).unwrap()
    assert isinstance(action, RevokeAt) and action.credential == "at"
    _, action = step(m, RevokeFailed(REFUSED)).unwrap()
    assert isinstance(action, Clear)


def test_a_failed_revoke_leaves_the_storage_alone() -> None:
    token = _token("at", T0, rt="rt")
    m, _ = step(Machine(AuthKind.OAUTH, owner=OWNER), RevokeWanted(Success(token), T0)).unwrap()
    _, action = step(m, RevokeFailed(GONE)).unwrap()
    assert action == Fail(GONE)


@given(st.sampled_from([AuthKind.JWT, AuthKind.CCG]))
def test_another_identitys_token_reads_as_none_and_is_replaced_with_a_warning(
    kind: AuthKind,
) -> None:
    """A token is used only by the identity it was issued to (``boxauth.identity``)."""
    ours = Owner("client", "user", "42")
    theirs = _token("sa", owner=Owner("client", "enterprise", "7"))
    m, action = step(Machine(kind, owner=ours), Wanted(Success(theirs), T0)).unwrap()
    assert isinstance(action, Fetch)
    assert any("another identity" in n.text for n in action.notes)
    m, action = step(m, Succeeded(action.ticket, _token("user", owner=None), T0)).unwrap()
    assert isinstance(action, Store) and action.token.owner == ours
    assert any("replacing another identity" in n.text for n in action.notes)
    assert while_busy(Machine(kind, owner=ours), Wanted(Success(theirs), T0)) is None


def test_another_identitys_sign_in_is_never_overwritten() -> None:
    theirs = _token("x", rt="their-refresh", owner=Owner("other-app", "oauth_user", None))
    _, action = step(
        Machine(AuthKind.CCG, owner=Owner("client", "enterprise", "1")), Wanted(Success(theirs), T0)
    ).unwrap()
    assert isinstance(action, Fail) and isinstance(action.error, StorageFailure)
    assert action.error.detail == (
        "the storage holds another identity's sign-in (a refresh token); "
        "refusing to overwrite it: use another storage for this identity"
    )


def test_a_revoke_never_clears_another_identitys_token() -> None:
    theirs = _token("x", rt="r", owner=Owner("client", "enterprise", "7"))
    _, action = step(
        Machine(AuthKind.JWT, owner=Owner("client", "user", "1")), RevokeWanted(Success(theirs), T0)
    ).unwrap()
    # Nothing is revoked and nothing cleared: the caller is told that the
    # storage holds someone else's token (a revoke that "succeeds" over it
    # would claim a revocation that never happened).
    assert isinstance(action, Fail) and isinstance(action.error, StorageFailure)
    assert action.error.kind is StorageFailureKind.UNTRUSTED
    assert "left alone" in action.error.detail


def test_an_interrupted_save_keeps_the_token_to_save_again() -> None:
    """Whatever ends a renewal, no refresh token is lost."""
    m = Machine(AuthKind.OAUTH, owner=OWNER)
    m, action = step(m, Wanted(Success(_token("t", T0 - LIFE, rt="r1")), T0)).unwrap()
    m, action = step(m, Succeeded(action.ticket, _token("n", T0, rt="r2"), T0)).unwrap()
    assert isinstance(action, Store)
    m, _ = step(m, Abandoned()).unwrap()
    assert m.phase is Phase.IDLE and m.unsaved is not None
    assert m.unsaved.token.refresh_token == "r2"


def test_an_interrupted_renewal_frees_the_machine_and_voids_the_late_answer() -> None:
    m = Machine(AuthKind.JWT, owner=OWNER)
    m, action = step(m, Wanted(Success(None), T0)).unwrap()
    assert isinstance(action, Fetch)
    m, _ = step(m, Abandoned()).unwrap()
    assert m.phase is Phase.IDLE
    assert isinstance(step(m, Succeeded(action.ticket, _token("late"), T0)), Failure)
    _, again = step(m, Wanted(Success(None), T0)).unwrap()
    assert isinstance(again, Fetch)


@given(st.floats(0, 2 * LIFE), st.booleans())
def test_while_busy_hands_out_a_valid_stored_token_unless_forced(age: float, forced: bool) -> None:
    """A caller never waits for someone else's renewal of a valid token."""
    token = _token("t", T0)
    m = Machine(AuthKind.OAUTH, owner=OWNER)
    got = while_busy(m, Wanted(Success(token), T0 + age, forced, token if forced else None))
    assert (got == token) == (not forced and age < LIFE)


@given(st.floats(0, 2 * LIFE))
def test_the_fast_path_serves_only_the_very_token_last_judged_fresh(age: float) -> None:
    token = _token("t", T0)
    m = Machine(AuthKind.JWT, owner=OWNER)
    m, action = step(m, Wanted(Success(token), T0)).unwrap()
    assert isinstance(action, Use)
    assert fast_use(m, token, T0 + age) == (token if age < LIFE - 60 else None)
    assert fast_use(m, replace(token), T0) is None  # an equal copy is not the same object


# -- the model ---------------------------------------------------------------------------


@dataclass
class FakeBox:
    """Box's side: which refresh tokens are live, and what was revoked."""

    live: set[str] = field(default_factory=set)
    revoked: set[str] = field(default_factory=set)
    counter: int = 0
    lost: set[str] = field(default_factory=set)  # issued, but the answer never arrived

    def issue(self, now: float, refresh: bool) -> AccessToken:
        self.counter += 1
        rt = f"rt{self.counter}" if refresh else None
        if rt:
            self.live.add(rt)
        return AccessToken(
            access_token=f"at{self.counter}",
            expires_in=LIFE,
            expires_at=now + LIFE,
            refresh_token=rt,
        )


class MachineModel(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.kind = AuthKind.OAUTH
        self.machine = Machine(self.kind, owner=OWNER)
        self.box = FakeBox()
        self.stored: AccessToken | None = None
        self.now = T0
        self.handed: list[tuple[AccessToken, float]] = []
        self.revoking: set[str] = set()
        self.newest: str | None = None  # the last refresh token whose answer reached us
        self.signed_in = False

    # One call, driven to its end; ``plan`` chooses every outcome.
    def _call(self, first: Any, plan: list[str]) -> Any:
        choices = iter(plan)

        def pick(*options: str) -> str:
            wanted = next(choices, options[0])
            return wanted if wanted in options else options[0]

        m, action = step(self.machine, first).unwrap()
        self.machine = m
        while not isinstance(action, Use | Fail | Done):
            if pick("go", "interrupt") == "interrupt" and m.phase is not Phase.IDLE:
                self.machine, _ = step(self.machine, Abandoned()).unwrap()
                return None
            event = self._outcome(action, pick)
            m, action = step(self.machine, event).unwrap()
            self.machine = m
        if isinstance(action, Use):
            token = action.token
            assert usable(token, self.now), "handed out at or after its expiry"
            assert token.access_token not in self.box.revoked, "handed out after a revoke"
            assert token.refresh_token not in self.box.revoked, "handed out after a revoke"
            self.handed.append((token, self.now))
        return action

    def _outcome(self, action: Any, pick: Any) -> Any:
        event = self._box_answer(action, pick)
        if isinstance(event, Succeeded | Salvaged) and event.token.refresh_token:
            self.newest = event.token.refresh_token
        return event

    def _box_answer(self, action: Any, pick: Any) -> Any:
        match action:
            case Fetch() | ExchangeCode():
                token = self.box.issue(
                    self.now,
                    refresh=isinstance(action, ExchangeCode) or self.kind is AuthKind.OAUTH,
                )
                return Succeeded(action.ticket, token, self.now)
            case Refresh(refresh_token=rt):
                if rt not in self.box.live:
                    return Failed(action.ticket, REFUSED, self.now)
                how = pick("ok", "lost", "salvage", "refused")
                if how == "refused":
                    return Failed(action.ticket, GONE, self.now)  # a 5xx before spending
                self.box.live.discard(rt)  # spent
                token = self.box.issue(self.now, refresh=True)
                if how == "lost":
                    assert token.refresh_token
                    self.box.lost.add(token.refresh_token)
                    return Failed(action.ticket, GONE, self.now)
                if how == "salvage":
                    return Salvaged(
                        action.ticket,
                        AccessToken(refresh_token=token.refresh_token),
                        malformed("x"),
                    )
                return Succeeded(action.ticket, token, self.now)
            case Store(token=token):
                if pick("ok", "fail") == "fail":
                    return StoreFailed(DOWN)
                self.stored = token
                return Stored()
            case ReadAgain():
                return Wanted(self._read(False), self.now)
            case RevokeAt(credential=credential):
                self.revoking.add(credential)  # from here on it may be revoked
                if pick("ok", "fail") == "fail":
                    return RevokeFailed(GONE)
                self.box.revoked.add(credential)
                self.box.live.discard(credential)
                return RevokeDone()
            case Clear():
                if pick("ok", "fail") == "fail":
                    return ClearFailed(DOWN)
                self.stored = None
                return Cleared()
        raise AssertionError(f"unexpected action {action}")

    def _read(self, fails: bool) -> Result[AccessToken | None, AuthError]:
        return (
            Failure(StorageFailure(StorageFailureKind.READ, "x")) if fails else Success(self.stored)
        )

    plans = st.lists(
        st.sampled_from(["go", "ok", "fail", "lost", "salvage", "refused", "interrupt"]), max_size=8
    )

    @rule(plan=plans)
    def sign_in(self, plan: list[str]) -> None:
        self._call(SignInWanted(self._read(False), self.now), plan)

    @rule(plan=plans, forced=st.booleans(), read_fails=st.booleans())
    def retrieve(self, plan: list[str], forced: bool, read_fails: bool) -> None:
        self._call(Wanted(self._read(read_fails), self.now, forced), plan)

    @rule(plan=plans)
    def revoke(self, plan: list[str]) -> None:
        self._call(RevokeWanted(self._read(False), self.now), plan)

    @rule(seconds=st.sampled_from([1, 59, 61, 1800, 3539, 3541, 3599, 3600, 3601, 7200]))
    def time_passes(self, seconds: int) -> None:
        self.now += seconds

    @invariant()
    def idle_between_calls(self) -> None:
        assert self.machine.phase is Phase.IDLE

    @invariant()
    def the_newest_refresh_token_is_never_lost(self) -> None:
        unsaved = self.machine.unsaved.token if self.machine.unsaved else None
        held = {t.refresh_token for t in (self.stored, unsaved) if t is not None}
        rt = self.newest
        if rt is None or rt not in self.box.live:
            return
        # A credential whose revoke was started (maybe interrupted) is meant to die.
        assert rt in held or rt in self.revoking, (rt, held)


MachineModel.TestCase.settings = settings(stateful_step_count=30, deadline=None)
TestMachineModel = MachineModel.TestCase


def test_wanted_act_agrees_with_the_table_for_the_stored_token() -> None:
    token = _token("t", T0)
    assert wanted_act(Machine(AuthKind.JWT, owner=OWNER), Wanted(Success(token), T0)) is Act.USE


@given(
    status=st.sampled_from([400, 429, 500, 502, 503, 504]),
    second=st.booleans(),
)
def test_a_refused_revoke_is_never_taken_for_a_revoked_pair(status: int, second: bool) -> None:
    """The refresh token is revoked first. If Box refuses it, the call fails and
    nothing is cleared or marked revoked; only once Box confirmed the refresh
    token may a refusal of the access token count as "the pair is gone"."""
    held = _token("acc", rt="ref")
    refused = BoxRefused(ErrorKind.SERVER_ERROR, status, "boom", "")
    m, action = step(Machine(AuthKind.OAUTH, owner=OWNER), RevokeWanted(Success(held), T0)).unwrap()
    assert isinstance(action, RevokeAt) and action.credential == "ref"
    if not second:
        m, action = step(m, RevokeFailed(refused)).unwrap()
        assert isinstance(action, Fail) and action.error == refused
        assert "ref" not in m.revoked and "acc" not in m.revoked
        assert m.phase is Phase.IDLE
        return
    m, action = step(m, RevokeDone()).unwrap()
    assert isinstance(action, RevokeAt) and action.credential == "acc"
    m, action = step(m, RevokeFailed(refused)).unwrap()
    assert isinstance(action, Clear)  # the pair died with its refresh token
    assert "ref" in m.revoked


def test_a_sign_in_whose_save_is_superseded_is_reported_never_swapped() -> None:
    """A shared storage may refuse a save because another process stored a newer
    token meanwhile. A renewal adopts that token; a sign-in must not (the person
    who just signed in would be handed whatever someone else stored): it fails,
    and its own pair is kept to be saved again."""
    oauth = Owner("client", "oauth_user", None)
    m, action = step(Machine(AuthKind.OAUTH, owner=oauth), SignInWanted(Success(None), T0)).unwrap()
    assert isinstance(action, ExchangeCode)
    mine = _token("mine", rt="my-refresh", owner=None)
    m, action = step(m, Succeeded(action.ticket, mine, T0)).unwrap()
    assert isinstance(action, Store)
    newer = StorageFailure(StorageFailureKind.SUPERSEDED, "a newer token was stored")
    m, action = step(m, StoreFailed(newer, T0)).unwrap()
    assert isinstance(action, Fail) and action.error == newer
    assert m.unsaved is not None and m.unsaved.token.access_token == "mine"
    # A renewal in the same situation adopts the newer token instead.
    assert TRANSITIONS[(Phase.STORING, StoreFailed)][0][0] is Guard.SIGNING_IN


# -- Single steps at the edges ------------------------------------------------------------

NET = TransportFailure(TransportFailureKind.TIMEOUT, "t", False)


def _tok(**kw: object) -> AccessToken:
    return AccessToken(access_token="A", **kw)  # type: ignore[arg-type]


def test_reauth_reasons() -> None:
    """An expired token that cannot be renewed asks for a new sign-in and changes nothing.
    (The reasons' wording: test_lifecycle.py::test_refusal_wording.)"""
    expired_down = _tok(expires_at=T0 - 1, restricted_to=(RestrictedTo("item_preview"),))
    expired = _tok(expires_at=T0 - 1)
    reasons = set()
    for kind, token in [
        (AuthKind.DEVELOPER, expired_down),
        (AuthKind.OAUTH, expired_down),
        (AuthKind.DEVELOPER, expired),
    ]:
        machine, act = step(Machine(kind), Wanted(Success(token), T0)).unwrap()
        assert machine == Machine(kind)
        assert isinstance(act, Fail) and type(act.error) is ReauthRequired
        reasons.add(act.error.reason)
    assert len(reasons) == 3  # each case says why in its own words


def test_illegal_events_are_named() -> None:
    idle = Machine(AuthKind.JWT)
    assert step(idle, Succeeded(1, _tok(), T0)) == Failure(IllegalEvent(Phase.IDLE, "Succeeded"))
    assert step(idle, Failed(1, NET, T0)) == Failure(IllegalEvent(Phase.IDLE, "Failed"))
    renewing, act = step(idle, Wanted(Success(None), T0)).unwrap()
    assert act == Fetch(1)
    assert step(renewing, Wanted(Success(None), T0)) == Failure(
        IllegalEvent(Phase.RENEWING, "Wanted")
    )
    assert step(renewing, Succeeded(0, _tok(), T0)) == Failure(
        IllegalEvent(Phase.RENEWING, "Succeeded with a stale ticket")
    )
    assert step(renewing, Failed(0, NET, T0)) == Failure(
        IllegalEvent(Phase.RENEWING, "Failed with a stale ticket")
    )


def test_every_way_out_of_a_forced_renewal_clears_forced() -> None:
    held = _tok(expires_at=T0 + 3600, expires_in=3600, refresh_token="R")
    m0 = Machine(AuthKind.OAUTH)
    started, act = step(m0, Wanted(Success(held), T0, forced=True)).unwrap()
    assert act == Refresh(1, "R")
    assert started.phase is Phase.RENEWING and started.forced and started.ticket == 1
    new = _tok(expires_at=T0 + 7200, refresh_token="R2")
    saving, act = step(started, Succeeded(1, new, T0)).unwrap()
    assert act == Store(new)
    idle, used = step(saving, Stored()).unwrap()
    assert used == Use(new) and not idle.forced and idle.phase is Phase.IDLE
    failed, act = step(started, Failed(1, NET, T0)).unwrap()
    assert act == Fail(NET) and not failed.forced
    # Not forced: a failed early renewal falls back to the still-valid token.
    stale = _tok(expires_at=T0 + 30, expires_in=3600, refresh_token="R")
    started2, _ = step(m0, Wanted(Success(stale), T0)).unwrap()
    _, act = step(started2, Failed(1, NET, T0)).unwrap()
    assert isinstance(act, Use) and act.token == stale and len(act.notes) == 1


def test_a_dead_on_arrival_token_without_refresh_token_fails() -> None:
    started, _ = step(Machine(AuthKind.JWT), Wanted(Success(None), T0)).unwrap()
    dead = _tok(expires_at=T0 - 1)
    after, act = step(started, Succeeded(1, dead, T0)).unwrap()
    assert isinstance(act, Fail) and act.error.kind is ErrorKind.MALFORMED_RESPONSE
    assert after.phase is Phase.IDLE and after.ticket == 1


@given(st.sampled_from([AuthKind.JWT, AuthKind.CCG, AuthKind.OAUTH]), st.booleans())
def test_forced_renewal_replacing_a_token_only_renews_that_token(
    kind: AuthKind, same: bool
) -> None:
    stored = AccessToken(
        access_token="current", refresh_token="r", expires_in=3600, expires_at=T0 + 3600
    )
    rejected = stored if same else AccessToken(access_token="older", refresh_token="r0")
    stepped = step(Machine(kind), Wanted(Success(stored), T0, forced=True, replacing=rejected))
    action = stepped.unwrap()[1]
    if same:
        assert isinstance(action, Fetch | Refresh)
    else:
        # Another thread already replaced the rejected token: use its replacement.
        assert action == Use(stored)


def test_step_refuses_what_is_not_a_machine_and_an_event() -> None:
    for machine, event in [(None, Wanted(Success(None), T0)), (Machine(AuthKind.JWT), "x")]:
        refused = step(machine, event)  # type: ignore[arg-type]
        assert isinstance(refused, Failure)
        assert type(refused.failure()) is IllegalEvent
        assert refused.failure().phase is Phase.IDLE


PER_CALL_CLEARED = {
    "phase": Phase.IDLE,
    "forced": False,
    "stored_raw": None,
    "previous": None,
    "pending": None,
    "failing": None,
    "to_revoke": (),
    "revoked_now": (),
}


def _per_call(m: Machine) -> dict[str, Any]:
    return {name: getattr(m, name) for name in PER_CALL_CLEARED}


def test_every_finished_call_forgets_what_it_read() -> None:
    held = _token("held", T0, rt="R")
    m, act = step(Machine(AuthKind.OAUTH), Wanted(Success(held), T0, forced=True)).unwrap()
    assert _per_call(m) != PER_CALL_CLEARED  # mid-call, it remembers
    new = _token("new", T0, rt="R2")
    m, act = step(m, Succeeded(act.ticket, new, T0)).unwrap()  # type: ignore[union-attr]
    m, act = step(m, Stored()).unwrap()
    assert isinstance(act, Use)
    assert _per_call(m) == PER_CALL_CLEARED
    assert m.purpose.name == "RETRIEVE"
    m, act = step(m, RevokeWanted(Success(new), T0)).unwrap()
    while isinstance(act, RevokeAt):
        m, act = step(m, RevokeDone()).unwrap()
    m, act = step(m, Cleared()).unwrap()
    assert isinstance(act, Done)
    assert _per_call(m) == PER_CALL_CLEARED


def test_an_interrupted_call_moves_the_ticket_on_by_one_and_forgets_the_fast_path() -> None:
    m, act = step(Machine(AuthKind.JWT), Wanted(Success(None), T0)).unwrap()
    assert isinstance(act, Fetch)
    gone, failed = step(m, Abandoned()).unwrap()
    assert gone.ticket == m.ticket + 1
    assert (gone.phase, gone.fresh, gone.unsaved) == (Phase.IDLE, None, None)
    assert isinstance(failed, Fail) and type(failed.error) is ReauthRequired
    # Interrupted while saving: the token is kept to be saved again.
    token = _token("t", T0, owner=None)
    m, _ = step(m, Succeeded(act.ticket, token, T0)).unwrap()
    kept, _ = step(m, Abandoned()).unwrap()
    assert kept.unsaved is not None and kept.unsaved.token == token
    assert kept.ticket == m.ticket + 1


def test_an_interrupted_revoke_remembers_only_what_box_confirmed() -> None:
    held = _token("at", T0, rt="rt", owner=None)
    m, act = step(Machine(AuthKind.OAUTH), RevokeWanted(Success(held), T0)).unwrap()
    assert isinstance(act, RevokeAt)
    m, act = step(m, RevokeDone()).unwrap()  # the first credential is confirmed
    gone, failed = step(m, Abandoned()).unwrap()
    assert isinstance(failed, Fail)
    assert gone.revoked == frozenset({"rt"})
    assert gone.phase is Phase.IDLE


def test_a_sign_in_is_forced_and_warns_when_it_replaces_another_identitys_token() -> None:
    ours = Owner("client", "oauth_user", None)
    m, act = step(Machine(AuthKind.OAUTH, owner=ours), SignInWanted(Success(None), T0)).unwrap()
    assert act == ExchangeCode(1)
    assert (m.phase, m.forced, m.purpose.name, m.ticket) == (Phase.RENEWING, True, "SIGN_IN", 1)
    theirs = _token("x", T0, owner=Owner("other", "oauth_user", "1"))
    _, act = step(Machine(AuthKind.OAUTH, owner=ours), SignInWanted(Success(theirs), T0)).unwrap()
    assert isinstance(act, ExchangeCode) and len(act.notes) == 1


def test_a_renewed_oauth_token_keeps_the_user_the_old_one_named() -> None:
    unknown_user = Owner("client", "oauth_user", None)
    known = _token("a", T0, rt="R", owner=Owner("client", "oauth_user", "9"))
    m, act = step(
        Machine(AuthKind.OAUTH, owner=unknown_user), Wanted(Success(known), T0, forced=True)
    ).unwrap()
    assert isinstance(act, Refresh)
    new = _token("b", T0, rt="R2", owner=None)
    _, stored = step(m, Succeeded(act.ticket, new, T0)).unwrap()
    assert isinstance(stored, Store)
    assert stored.token.owner == Owner("client", "oauth_user", "9")
    # No earlier token: the new one is stamped with this auth object's own owner.
    m, act = step(
        Machine(AuthKind.OAUTH, owner=unknown_user), SignInWanted(Success(None), T0)
    ).unwrap()
    _, stored = step(m, Succeeded(act.ticket, new, T0)).unwrap()  # type: ignore[union-attr]
    assert isinstance(stored, Store) and stored.token.owner == unknown_user


def test_note_wording() -> None:
    """The warnings the machine hands the shell to log, each once (the other tests check
    where notes appear, not their words)."""
    ours = Owner("client", "user", "42")
    theirs = _token("sa", owner=Owner("client", "enterprise", "7"))
    notes: list[str] = []
    m, act = step(Machine(AuthKind.JWT, owner=ours), Wanted(Success(theirs), T0)).unwrap()
    notes += [n.text for n in act.notes]
    _, act = step(m, Succeeded(act.ticket, _token("user", owner=None), T0)).unwrap()  # type: ignore[union-attr]
    notes += [n.text for n in act.notes]
    _, act = step(
        Machine(AuthKind.JWT, owner=ours), Wanted(Success(AccessToken(access_token="")), T0)
    ).unwrap()
    notes += [n.text for n in act.notes]
    _, act = step(Machine(AuthKind.JWT, owner=ours), RevokeWanted(Success(theirs), T0)).unwrap()
    assert isinstance(act, Fail) and isinstance(act.error, StorageFailure)
    notes += [act.error.detail]  # a revoke over another identity's token fails, with this text
    # A refresh answer whose rest is unusable: its refresh token is kept.
    m, act = step(
        Machine(AuthKind.OAUTH, owner=OWNER), Wanted(Success(_token("t", T0 - LIFE, rt="r1")), T0)
    ).unwrap()
    _, act = step(m, Salvaged(act.ticket, AccessToken(refresh_token="r2"), malformed("x"))).unwrap()  # type: ignore[union-attr]
    notes += [n.text for n in act.notes]
    # A save that failed, then a newer record written by someone else.
    m, act = step(
        Machine(AuthKind.OAUTH, owner=OWNER), Wanted(Success(_token("o", rt="r1")), T0 + LIFE)
    ).unwrap()
    m, act = step(m, Succeeded(act.ticket, _token("n", T0 + LIFE, rt="r2"), T0 + LIFE)).unwrap()  # type: ignore[union-attr]
    m, act = step(m, StoreFailed(DOWN)).unwrap()
    notes += [n.text for n in act.notes]
    _, act = step(m, Wanted(Success(_token("x", T0 + LIFE, rt="r3")), T0 + LIFE)).unwrap()
    notes += [n.text for n in act.notes]
    assert notes == [
        "the storage holds another identity's token; not using it",
        "replacing another identity's token in the storage",
        "ignoring a malformed token from the storage",
        "the storage holds another identity's token: nothing of this identity's was revoked, "
        "and that token was left alone",
        "kept the new refresh token of an unusable answer; the next call refreshes",
        "could not save the new token (token storage failure (write): disk full); it is held "
        "only in this auth object's memory, and saved again on its next call (lost if the "
        "process ends first)",
        "the storage holds a newer token than the one it failed to save; using it",
    ]


@given(st.sampled_from(list(AuthKind)), st.floats(-86_400, 86_400) | st.just(float("nan")))
def test_only_a_jwt_machine_learns_boxs_clock_and_only_a_sane_one(
    kind: AuthKind, skew: float
) -> None:
    m, act = step(Machine(kind), Wanted(Success(None), T0, forced=True)).unwrap()
    if not isinstance(act, Fetch):
        return
    token = _token("t", T0, owner=None)
    for event in (Succeeded(act.ticket, token, T0, skew), Failed(act.ticket, GONE, T0, skew)):
        learned, _ = step(m, event).unwrap()
        sane = math.isfinite(skew)
        assert learned.skew == (skew if kind is AuthKind.JWT and sane else 0.0)
    # The next grant is signed on the learned clock.
    learned, _ = step(m, Failed(act.ticket, GONE, T0, skew)).unwrap()
    _, again = step(learned, Wanted(Success(None), T0, forced=True)).unwrap()
    assert isinstance(again, Fetch) and again.skew == learned.skew


def test_a_saved_token_is_remembered_for_the_fast_path_and_a_revoke_forgets_it() -> None:
    m, act = step(Machine(AuthKind.JWT), Wanted(Success(None), T0)).unwrap()
    token = _token("t", T0, owner=None)
    m, _ = step(m, Succeeded(act.ticket, token, T0)).unwrap()  # type: ignore[union-attr]
    m, used = step(m, Stored()).unwrap()
    assert used == Use(token)
    assert m.fresh is not None and m.fresh.token == token
    m, act = step(m, RevokeWanted(Success(token), T0)).unwrap()
    while isinstance(act, RevokeAt):
        m, act = step(m, RevokeDone()).unwrap()
    assert isinstance(act, Clear)
    assert (m.fresh, m.unsaved, m.to_revoke) == (None, None, ())
    assert m.revoked == frozenset({"t"})


# -- A refresh token is never spent when its successor could not be saved -------------


@given(
    left=st.sampled_from([-10.0, 30.0, float(LIFE)]),  # expired, inside the margin, fresh
    forced=st.booleans(),
    savable=st.booleans(),
)
def test_a_refresh_token_is_spent_only_when_the_storage_can_save_the_answer(
    left: float, forced: bool, savable: bool
) -> None:
    token = AccessToken(
        access_token="at", refresh_token="rt", expires_in=LIFE, expires_at=T0 + left, owner=OWNER
    )
    m = Machine(AuthKind.OAUTH, owner=OWNER)
    after, action = step(m, Wanted(Success(token), T0, forced, None, savable)).unwrap()
    due = forced or left < 60  # the default margin
    if savable or not due:
        assert isinstance(action, Refresh) == due
        return
    # Not savable and due: nothing is sent; a still-valid token serves an unforced call.
    assert not isinstance(action, Refresh) and after.phase is Phase.IDLE
    if left > 0 and not forced:
        assert isinstance(action, Use) and action.token == token
        assert "cannot be written" in action.notes[0].text
    else:
        assert action == Fail(
            StorageFailure(
                StorageFailureKind.WRITE,
                "the token storage cannot be written (read-only, full, not permitted, or a file "
                "that cannot be replaced, such as a bind mount): the "
                "refresh token was not spent, since the new one could not be saved",
            )
        )


@given(
    left=st.sampled_from([-10.0, 30.0, float(LIFE)]),
    forced=st.booleans(),
    refresh=st.booleans(),
    kind=st.sampled_from(list(AuthKind)),
    read_failed=st.booleans(),
)
def test_the_storage_is_asked_whether_it_can_save_only_before_a_refresh(
    left: float, forced: bool, refresh: bool, kind: AuthKind, read_failed: bool
) -> None:
    """``asks_savable`` is true exactly when the call, told the storage can save,
    would spend a refresh token (the question costs the shell a write)."""
    token = AccessToken(
        access_token="at",
        refresh_token="rt" if refresh else None,
        expires_in=LIFE,
        expires_at=T0 + left,
        owner=OWNER,
    )
    m = Machine(kind, owner=OWNER)
    stored: Any = Failure(DOWN) if read_failed else Success(token)
    wanted = Wanted(stored, T0, forced)
    _, action = step(m, wanted).unwrap()
    assert asks_savable(m, wanted) is isinstance(action, Refresh)


def test_asks_savable_is_false_for_anything_else() -> None:
    m = Machine(AuthKind.OAUTH, owner=OWNER)
    for junk in (None, 1, "x", RevokeWanted(Success(None), T0)):
        assert asks_savable(m, junk) is False  # type: ignore[arg-type]
        assert asks_savable(junk, Wanted(Success(None), T0)) is False  # type: ignore[arg-type]


# -- Rules the table's builders keep ------------------------------------------------------


def test_a_builder_outside_its_guard_refuses_and_changes_nothing() -> None:
    """A builder needs what its row's guard promised (a token to use, an unsaved token, a
    refresh token, a credential to revoke, a token being saved). Called without it, it
    refuses with an internal error and leaves the machine as it was: it never guesses."""
    idle = Machine(AuthKind.OAUTH, owner=OWNER)
    nothing = Wanted(Success(None), T0)
    cases: list[tuple[Do, Machine, Any, str]] = [
        (Do.STORE_UNSAVED, idle, nothing, "no unsaved token"),
        (Do.USE, idle, nothing, "nothing to use"),
        (Do.REFRESH, idle, nothing, "no refresh token"),
        (Do.REVOKE_NEXT, replace(idle, phase=Phase.REVOKING), RevokeDone(), "nothing to revoke"),
        (Do.USE_SAVED, replace(idle, phase=Phase.STORING), Stored(), "nothing was being saved"),
    ]
    for do, machine, event, reason in cases:
        after, action = BUILD[do](machine, event)
        assert after is machine, do
        assert action == Fail(ReauthRequired(f"internal error: {reason}")), do


def _edges(until: float) -> list[object]:
    """Clock readings around the fresh-until time and the ends of the usable time range
    (±2**53), as floats and ints, and readings that are no time at all."""
    return [
        until,
        int(until),
        math.nextafter(until, -math.inf),
        int(until) - 1,
        T0,
        int(T0),
        -MAX_TIME,
        math.nextafter(-MAX_TIME, -math.inf),
        -int(MAX_TIME),
        -int(MAX_TIME) - 1,
        MAX_TIME,
        math.nan,
        math.inf,
        -math.inf,
        None,
        "1700000000",
        True,
    ]


def test_the_fast_path_answers_as_decide_would_for_any_clock_reading() -> None:
    """The lock-free path checks a float inline and anything else the long way; both end
    exactly where ``decide`` stops saying USE (exclusive), and a reading that is not a
    usable time never hands out a token (and never raises)."""
    token = _token("t", T0)
    m, action = step(Machine(AuthKind.JWT, owner=OWNER), Wanted(Success(token), T0)).unwrap()
    assert isinstance(action, Use) and m.fresh is not None
    until = m.fresh.until
    assert until == T0 + LIFE - 60 and until.is_integer()
    for now in _edges(until):
        used = decide(AuthKind.JWT, token, now, m.margin) is Act.USE  # type: ignore[arg-type]
        assert (fast_use(m, token, now) is token) == used, now  # type: ignore[arg-type]
    assert fast_use(m, token, T0) is token
    assert fast_use(m, token, until) is None


def test_a_forced_renewal_ends_the_fast_path_even_when_it_fails() -> None:
    """A caller that saw the token rejected (an API 401) forces a renewal; whatever its
    outcome, that token is never again handed out without the locks."""
    token = _token("t", T0)
    m, used = step(Machine(AuthKind.JWT, owner=OWNER), Wanted(Success(token), T0)).unwrap()
    assert isinstance(used, Use) and fast_use(m, token, T0) is token
    m, action = step(m, Wanted(Success(token), T0, forced=True, replacing=token)).unwrap()
    assert isinstance(action, Fetch)
    m, failed = step(m, Failed(action.ticket, GONE, T0)).unwrap()
    assert failed == Fail(GONE)
    assert fast_use(m, token, T0) is None


def test_a_revoke_ends_the_fast_path_even_when_it_is_refused() -> None:
    """A revoke's caller wants the credentials gone: after it, nothing is handed out
    without the locks, even if it revoked nothing (another identity's token stored)."""
    token = _token("t", T0)
    m, _ = step(Machine(AuthKind.JWT, owner=OWNER), Wanted(Success(token), T0)).unwrap()
    theirs = _token("x", T0, owner=Owner("client", "enterprise", "7"))
    m, action = step(m, RevokeWanted(Success(theirs), T0)).unwrap()
    assert isinstance(action, Fail)
    assert fast_use(m, token, T0) is None


def test_a_refresh_answer_without_a_refresh_token_keeps_the_old_one_and_nothing_else_does() -> None:
    """RFC 6749 §6: the client discards its refresh token only when a new one is issued.
    A sign-in replaces the stored sign-in (the user may have chosen another account), so
    it never inherits the old refresh token; nor does a grant (JWT, CCG)."""
    held = _token("old", T0 - LIFE, rt="r1")  # expired at T0: renewed
    new = _token("new", T0, owner=None)
    m, action = step(Machine(AuthKind.OAUTH, owner=OWNER), Wanted(Success(held), T0)).unwrap()
    assert isinstance(action, Refresh)
    _, store = step(m, Succeeded(action.ticket, new, T0)).unwrap()
    assert isinstance(store, Store) and store.token.access_token == "new"
    assert store.token.refresh_token == "r1"
    m, action = step(Machine(AuthKind.OAUTH, owner=OWNER), SignInWanted(Success(held), T0)).unwrap()
    assert isinstance(action, ExchangeCode)
    _, store = step(m, Succeeded(action.ticket, new, T0)).unwrap()
    assert isinstance(store, Store) and store.token.refresh_token is None
    for kind in (AuthKind.JWT, AuthKind.CCG):
        m, action = step(Machine(kind, owner=OWNER), Wanted(Success(held), T0)).unwrap()
        assert isinstance(action, Fetch)
        _, store = step(m, Succeeded(action.ticket, new, T0)).unwrap()
        assert isinstance(store, Store) and store.token.refresh_token is None


def _unsaved() -> tuple[Machine, AccessToken, AccessToken]:
    """An OAuth machine whose refreshed token the storage refused: ``(machine, stored,
    unsaved)``; the storage still holds ``stored``, which the unsaved token replaced."""
    stored = _token("s", T0 - LIFE, rt="r1")  # expired at T0
    m, action = step(Machine(AuthKind.OAUTH, owner=OWNER), Wanted(Success(stored), T0)).unwrap()
    assert isinstance(action, Refresh)
    m, action = step(m, Succeeded(action.ticket, _token("n", T0, rt="r2"), T0)).unwrap()
    m, used = step(m, StoreFailed(DOWN)).unwrap()
    assert isinstance(used, Use) and m.unsaved is not None
    return m, stored, m.unsaved.token


def test_an_unsaved_token_whose_revoke_box_confirmed_is_never_handed_out() -> None:
    """Credentials Box confirmed revoked are never handed out again, even held in memory as
    unsaved; those whose revoke failed are sent again by the next revoke."""
    m, stored, unsaved = _unsaved()
    m, action = step(m, RevokeWanted(Success(stored), T0)).unwrap()
    assert action == RevokeAt("r2")
    m, action = step(m, RevokeDone()).unwrap()
    assert action == RevokeAt("r1")
    m, action = step(m, RevokeFailed(GONE)).unwrap()
    assert action == Fail(GONE) and m.unsaved is not None and m.unsaved.token == unsaved
    wanted = Wanted(Success(stored), T0)
    assert while_busy(m, wanted) is None
    _, action = step(m, wanted).unwrap()
    assert isinstance(action, Fail) and type(action.error) is ReauthRequired
    _, action = step(m, RevokeWanted(Success(stored), T0)).unwrap()
    assert action == RevokeAt("r1")


def test_a_revoke_forgets_the_unsaved_token() -> None:
    """The unsaved token's credentials are revoked with the rest; nothing of it is kept."""
    m, stored, _ = _unsaved()
    m, action = step(m, RevokeWanted(Success(stored), T0)).unwrap()
    while isinstance(action, RevokeAt):
        m, action = step(m, RevokeDone()).unwrap()
    m, done = step(m, Cleared()).unwrap()
    assert isinstance(done, Done)
    assert m.unsaved is None and {"r1", "r2", "n"} <= m.revoked


def test_a_failed_read_matches_no_unsaved_token() -> None:
    """A storage that could not be read says nothing about what it holds: a sign-in's
    unsaved tokens (which replaced an empty storage) are not handed out on its word."""
    m, action = step(Machine(AuthKind.OAUTH, owner=OWNER), SignInWanted(Success(None), T0)).unwrap()
    assert isinstance(action, ExchangeCode)
    m, action = step(m, Succeeded(action.ticket, _token("n", T0, rt="r2"), T0)).unwrap()
    m, failed = step(m, StoreFailed(DOWN)).unwrap()
    assert isinstance(failed, Fail) and failed.error == DOWN
    assert [n.level for n in failed.notes] == [Level.ERROR]  # the caller's log says it
    assert m.unsaved is not None and m.unsaved.replaced is None
    unread = Failure(StorageFailure(StorageFailureKind.READ, "EIO"))
    assert while_busy(m, Wanted(unread, T0)) is None
    assert while_busy(m, Wanted(Success(None), T0)) == m.unsaved.token


def test_a_caller_may_pass_anything_as_the_rejected_token() -> None:
    """Bad input never raises: a ``replacing`` that is not a token is not the stored
    token, so the forced renewal is superseded and the stored token is used."""
    token = _token("t", T0)
    for junk in (object(), "t", 3):
        m = Machine(AuthKind.JWT, owner=OWNER)
        _, action = step(m, Wanted(Success(token), T0, True, junk)).unwrap()  # type: ignore[arg-type]
        assert action == Use(token)


def test_a_refused_refresh_token_stays_dropped_until_the_storage_takes_the_drop() -> None:
    """Box refused the refresh token (invalid_grant, RFC 6749 §5.2): the caller that forced
    the refresh is told (with Box's description); the token without its refresh token is
    saved again on every call until the storage takes it, and meanwhile its still-valid
    access token is used. The refused refresh token is never used again."""
    held = _token("s", T0, rt="r1")
    dropped = replace(held, refresh_token=None)
    m = Machine(AuthKind.OAUTH, owner=OWNER)
    m, action = step(m, Wanted(Success(held), T0, forced=True, replacing=held)).unwrap()
    assert action == Refresh(1, "r1")
    m, store = step(m, Failed(action.ticket, REFUSED, T0)).unwrap()
    assert store == Store(
        dropped,
        (
            Note(
                Level.WARNING,
                "Box refused the refresh token (invalid_grant); removed it from the storage",
            ),
        ),
    )
    m, failed = step(m, StoreFailed(DOWN)).unwrap()
    assert isinstance(failed, Fail) and [n.level for n in failed.notes] == [Level.ERROR]
    assert failed.error == ReauthRequired(
        "Box refused the refresh token (invalid_grant: Invalid refresh token): it was "
        "spent or revoked; the user must authorize again"
    )
    for _ in range(2):  # the storage still holds the refused refresh token
        m, action = step(m, Wanted(Success(held), T0)).unwrap()
        assert action == Store(dropped)
        m, used = step(m, StoreFailed(DOWN)).unwrap()
        assert isinstance(used, Use) and used.token == dropped
    m, action = step(m, Wanted(Success(held), T0)).unwrap()
    assert action == Store(dropped)
    m, used = step(m, Stored()).unwrap()
    assert used == Use(dropped) and m.unsaved is None


def test_a_refusal_without_a_description_says_so_plainly() -> None:
    held = _token("s", T0, rt="r1")
    bare = BoxRefused(ErrorKind.INVALID_GRANT, 400, "invalid_grant", "")
    m, action = step(
        Machine(AuthKind.OAUTH, owner=OWNER), Wanted(Success(held), T0, True, held)
    ).unwrap()
    m, _ = step(m, Failed(action.ticket, bare, T0)).unwrap()  # type: ignore[union-attr]
    _, failed = step(m, Stored()).unwrap()
    assert failed == Fail(
        ReauthRequired(
            "Box refused the refresh token (invalid_grant): it was spent or revoked; "
            "the user must authorize again"
        )
    )


def test_why_a_stored_token_was_passed_over_is_logged_whatever_comes_next() -> None:
    """The note saying why the stored token was not used goes with the call's outcome:
    a re-auth failure, or a refresh of a token another process stored."""
    theirs = _token("x", T0, owner=Owner("client", "enterprise", "7"))
    ours = Owner("client", "user", "42")
    _, action = step(Machine(AuthKind.DEVELOPER, owner=ours), Wanted(Success(theirs), T0)).unwrap()
    assert isinstance(action, Fail) and type(action.error) is ReauthRequired
    assert [n.text for n in action.notes] == [
        "the storage holds another identity's token; not using it"
    ]
    m, _, _ = _unsaved()
    newer = _token("x", T0 - LIFE, rt="r3")  # another process's, expired by now
    _, action = step(m, Wanted(Success(newer), T0)).unwrap()
    assert isinstance(action, Refresh) and action.refresh_token == "r3"
    assert [n.text for n in action.notes] == [
        "the storage holds a newer token than the one it failed to save; using it"
    ]


@given(st.sampled_from([AuthKind.JWT, AuthKind.CCG]), st.sampled_from(range(4)))
def test_a_jwt_grant_learns_boxs_clock_from_any_answer_that_reports_it(
    kind: AuthKind, which: int
) -> None:
    """Dead on arrival, salvaged, failed while the old token is still usable: each answer
    that reports Box's clock teaches it (JWT only), so the next grant is signed on it."""
    stale = _token("old", T0 - LIFE + 30)  # inside the margin, still valid
    m, action = step(Machine(kind, owner=OWNER), Wanted(Success(stale), T0)).unwrap()
    assert isinstance(action, Fetch)
    dead = _token("d", T0 - LIFE)
    events: list[Any] = [
        Succeeded(action.ticket, dead, T0, 5.0),
        Succeeded(action.ticket, replace(dead, refresh_token="r"), T0, 5.0),
        Salvaged(action.ticket, AccessToken(refresh_token="r"), malformed("x"), 5.0),
        Failed(action.ticket, GONE, T0, 5.0),
    ]
    learned, _ = step(m, events[which]).unwrap()
    assert learned.skew == (5.0 if kind is AuthKind.JWT else 0.0)


def test_only_a_refused_save_keeps_a_token_unsaved() -> None:
    """A token that expired while being saved is read again and renewed; it is kept as
    unsaved only if the storage refused it (it may hold the only live refresh token)."""
    for outcome in (Stored(T0 + LIFE), StoreFailed(DOWN, T0 + LIFE)):
        m, action = step(Machine(AuthKind.JWT, owner=OWNER), Wanted(Success(None), T0)).unwrap()
        m, action = step(m, Succeeded(action.ticket, _token("t", T0), T0)).unwrap()  # type: ignore[union-attr]
        m, again = step(m, outcome).unwrap()
        assert isinstance(again, ReadAgain)
        assert (m.unsaved is not None) == isinstance(outcome, StoreFailed)


@given(st.booleans())
def test_a_save_that_landed_or_lost_to_a_newer_token_leaves_nothing_to_save_again(
    salvaged: bool,
) -> None:
    """Renewing the unsaved token: once its replacement is stored, or the storage holds a
    newer token than both, the older unsaved token is dropped, never saved over them."""
    m, stored, _ = _unsaved()
    later = T0 + LIFE - 30  # the unsaved token is inside its margin: refreshed
    m, action = step(m, Wanted(Success(stored), later)).unwrap()
    assert isinstance(action, Refresh) and action.refresh_token == "r2"
    assert m.unsaved is not None
    if salvaged:
        answer: Any = Salvaged(action.ticket, AccessToken(refresh_token="r3"), malformed("x"))
        m, _ = step(m, answer).unwrap()
        m, failed = step(m, Stored()).unwrap()
        assert isinstance(failed, Fail)
    else:
        m, _ = step(m, Succeeded(action.ticket, _token("n2", later, rt="r3"), later)).unwrap()
        lost = StorageFailure(StorageFailureKind.SUPERSEDED, "a newer token is stored")
        m, again = step(m, StoreFailed(lost)).unwrap()
        assert isinstance(again, ReadAgain)
    assert m.unsaved is None


def test_every_way_a_call_ends_forgets_the_call() -> None:
    """Back to idle, a machine keeps only what outlives a call (the unsaved token, the
    revoked credentials, the skew, the fast path): a sign-in whose save failed, a refused
    refresh token reported after its drop failed to save, a revoke that failed half-way."""
    ends: list[Machine] = []
    m, action = step(Machine(AuthKind.OAUTH, owner=OWNER), SignInWanted(Success(None), T0)).unwrap()
    m, _ = step(m, Succeeded(action.ticket, _token("n", T0, rt="r2"), T0)).unwrap()  # type: ignore[union-attr]
    ends.append(step(m, StoreFailed(DOWN)).unwrap()[0])
    held = _token("s", T0, rt="r1")
    m, action = step(
        Machine(AuthKind.OAUTH, owner=OWNER), Wanted(Success(held), T0, True, held)
    ).unwrap()
    m, _ = step(m, Failed(action.ticket, REFUSED, T0)).unwrap()  # type: ignore[union-attr]
    ends.append(step(m, StoreFailed(DOWN)).unwrap()[0])
    m, action = step(Machine(AuthKind.OAUTH, owner=OWNER), RevokeWanted(Success(held), T0)).unwrap()
    assert action == RevokeAt("r1")
    ends.append(step(m, RevokeFailed(GONE)).unwrap()[0])
    for end in ends:
        assert _per_call(end) == PER_CALL_CLEARED
        assert end.purpose is Purpose.RETRIEVE
