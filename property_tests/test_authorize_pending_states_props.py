"""PendingStates (issue 10 item 14): remembered OAuth states are single use, expire after
ten minutes, are bounded in number, and are compared without a timing-dependent early exit.

The model is a plain list of (state, redirect_uri, issued_at), kept apart from
the implementation.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from returns.result import Failure, Success

from boxauth import authorize
from boxauth.authorize import (
    MAX_PENDING_STATES,
    MAX_STATE,
    MIN_STATE,
    STATE_LIFETIME,
    PendingState,
    PendingStates,
)
from boxauth.redaction import REDACTED

T0 = 1_000.0
states = st.text("abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=MIN_STATE, max_size=40)
uris = st.none() | st.sampled_from(["https://app.example/cb", "http://127.0.0.1:5000/cb"])


def _add(pending: PendingStates, state: str, uri: str | None = None, now: float = T0) -> Any:
    return pending.add(state, uri, now).unwrap()


@given(states, uris)
def test_a_state_is_taken_once(state: str, uri: str | None) -> None:
    pending = _add(PendingStates(), state, uri)
    after, match = pending.take(state, T0 + 1)
    assert match == PendingState(state, uri, T0)
    assert len(after) == 0
    again, second = after.take(state, T0 + 2)
    assert second is None
    assert len(again) == 0


@given(st.lists(states, min_size=2, max_size=8, unique=True), st.data())
def test_taking_one_state_leaves_the_others(many: list[str], data: st.DataObject) -> None:
    pending = PendingStates()
    for i, state in enumerate(many):
        pending = _add(pending, state, now=T0 + i)
    chosen = data.draw(st.sampled_from(many))
    after, match = pending.take(chosen, T0 + len(many))
    assert match is not None and match.state == chosen
    assert [e.state for e in after.entries] == [s for s in many if s != chosen]


@given(states, states)
def test_an_unknown_state_matches_nothing_and_changes_nothing(state: str, other: str) -> None:
    assume(state != other)
    pending = _add(PendingStates(), state)
    after, match = pending.take(other, T0 + 1)
    assert match is None
    assert after == pending


@given(states, st.floats(0, STATE_LIFETIME, exclude_max=True))
def test_a_state_is_live_for_ten_minutes(state: str, age: float) -> None:
    assume(T0 + age - T0 < STATE_LIFETIME)  # float rounding at the very edge
    _, match = _add(PendingStates(), state).take(state, T0 + age)
    assert match is not None


@given(states, st.floats(STATE_LIFETIME, 10 * STATE_LIFETIME))
def test_a_state_expires_after_ten_minutes(state: str, age: float) -> None:
    after, match = _add(PendingStates(), state).take(state, T0 + age)
    assert match is None
    assert len(after) == 0  # expired entries are dropped


def test_the_expiry_boundary_is_exact() -> None:
    pending = _add(PendingStates(), "s" * MIN_STATE)
    assert STATE_LIFETIME == 600.0
    assert pending.take("s" * MIN_STATE, T0 + 599.999)[1] is not None
    assert pending.take("s" * MIN_STATE, T0 + 600.0)[1] is None
    # A clock that went back past the issue time retires the state too.
    assert pending.take("s" * MIN_STATE, T0 - 0.001)[1] is None
    assert pending.take("s" * MIN_STATE, T0)[1] is not None


@given(st.integers(MAX_PENDING_STATES, MAX_PENDING_STATES + 40))
def test_the_number_of_states_is_bounded_and_the_oldest_go_first(count: int) -> None:
    pending = PendingStates()
    names = [f"state-{i:012d}" for i in range(count)]
    for i, name in enumerate(names):
        pending = _add(pending, name, now=T0 + i * 0.001)
    assert len(pending) == MAX_PENDING_STATES
    kept = [e.state for e in pending.entries]
    assert kept == names[-MAX_PENDING_STATES:]
    now = T0 + count * 0.001
    first_kept = count - MAX_PENDING_STATES
    assert pending.take(names[first_kept], now)[1] is not None
    if first_kept:
        assert pending.take(names[first_kept - 1], now)[1] is None
    assert pending.take(names[-1], now)[1] is not None


@given(states, uris, uris)
def test_adding_a_state_again_renews_it_once(state: str, one: str | None, two: str | None) -> None:
    pending = _add(_add(PendingStates(), state, one), state, two, T0 + 300)
    assert len(pending) == 1
    _, match = pending.take(state, T0 + 800)  # live from the second add
    assert match == PendingState(state, two, T0 + 300)


@given(st.lists(states, min_size=1, max_size=12, unique=True), st.data())
def test_take_compares_every_live_entry_wherever_the_match_is(
    many: list[str], data: st.DataObject
) -> None:
    """No early exit: as many constant-time comparisons for a match at the front, at
    the back, or no match at all, so the timing says nothing about which entry matched."""
    pending = PendingStates()
    for state in many:
        pending = _add(pending, state)
    received = data.draw(st.sampled_from([*many, "x" * MIN_STATE]))
    calls: list[tuple[str, object]] = []
    real = authorize._equal

    def counting(expected: str, got: object) -> bool:
        calls.append((expected, got))
        return real(expected, got)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(authorize, "_equal", counting)
        pending.take(received, T0 + 1)
    assert [expected for expected, _ in calls] == many
    assert all(got == received for _, got in calls)


def test_comparison_is_hmac_compare_digest(monkeypatch: pytest.MonkeyPatch) -> None:
    used: list[tuple[bytes, bytes]] = []

    def spy(a: bytes, b: bytes) -> bool:
        used.append((a, b))
        return a == b

    monkeypatch.setattr(authorize.hmac, "compare_digest", spy)
    pending = _add(PendingStates(), "a" * MIN_STATE)
    assert pending.take("a" * MIN_STATE, T0)[1] is not None
    assert used == [(b"a" * MIN_STATE, b"a" * MIN_STATE)]


@pytest.mark.parametrize(
    ("state", "uri", "now", "field"),
    [
        ("s" * (MIN_STATE - 1), None, T0, "state"),
        ("s" * (MAX_STATE + 1), None, T0, "state"),
        (5, None, T0, "state"),
        ("s\ud800" * MIN_STATE, None, T0, "state"),
        ("s" * MIN_STATE, 7, T0, "redirect_uri"),
        ("s" * MIN_STATE, None, float("nan"), "now"),
        ("s" * MIN_STATE, None, 2.0**54, "now"),
        ("s" * MIN_STATE, None, True, "now"),
    ],
)
def test_add_refuses_bad_input_by_name(state: Any, uri: Any, now: Any, field: str) -> None:
    got = PendingStates().add(state, uri, now)
    assert isinstance(got, Failure)
    assert got.failure().field == field


@pytest.mark.parametrize("received", [None, 5, b"s" * MIN_STATE, "", ["s" * MIN_STATE]])
def test_take_of_a_non_state_matches_nothing(received: object) -> None:
    pending = _add(PendingStates(), "s" * MIN_STATE)
    after, match = pending.take(received, T0)
    assert match is None and after == pending


def test_take_with_a_broken_clock_forgets_everything() -> None:
    pending = _add(PendingStates(), "s" * MIN_STATE)
    after, match = pending.take("s" * MIN_STATE, float("nan"))
    assert match is None and len(after) == 0


def test_states_never_print() -> None:
    secret = "Q" * 20
    pending = _add(PendingStates(), secret, "https://app.example/cb")
    for text in (repr(pending), str(pending), repr(pending.entries[0]), repr(Success(pending))):
        assert secret not in text
    assert repr(pending.entries[0]) == (
        f"PendingState(state={REDACTED}, redirect_uri='https://app.example/cb', issued_at={T0})"
    )
