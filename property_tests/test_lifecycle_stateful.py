"""A stateful test of ``lifecycle.step`` against a small independent model.

The model keeps its own phase, ticket counter and "storage" (what the shell
would hold after carrying out each action), and decides use / renew / reauth
from the protocol rules directly, without calling the module's helpers.
Tickets live in a Bundle and are *consumed* when completed, so an old ticket
that survives a revoke is later completed against a newer renewal: the machine
must refuse it (IllegalEvent) and the stored token must not change.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import event as event_note
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
)
from returns.result import Failure

from boxauth.access_token import AccessToken, RestrictedTo
from boxauth.errors import (
    BoxRefused,
    ErrorKind,
    InvalidInput,
    ReauthRequired,
    TransportFailure,
    TransportFailureKind,
)
from boxauth.lifecycle import (
    AuthKind,
    Clear,
    Event,
    Fail,
    Failed,
    Fetch,
    IllegalEvent,
    Machine,
    Phase,
    Refresh,
    Revoked,
    StoreAndFail,
    StoreAndUse,
    Succeeded,
    Use,
    Wanted,
    step,
)

T0 = 1_700_000_000.0


@dataclass
class Model:
    kind: AuthKind
    margin: float
    now: float = T0
    stored: AccessToken | None = None
    renewing: bool = False
    counter: int = 0
    forced: bool = False
    previous: AccessToken | None = None

    def valid(self, token: AccessToken | None) -> bool:
        if token is None or not token.access_token:
            return False
        return token.expires_at is None or self.now < token.expires_at

    def expected(self, token: AccessToken | None, forced: bool) -> str:
        """'use', 'fetch', 'refresh' or 'reauth', from the rules as written."""
        if self.kind in (AuthKind.JWT, AuthKind.CCG):
            renew = "fetch"
        elif self.kind is AuthKind.OAUTH and token is not None and token.refresh_token:
            renew = "refresh"
        else:
            renew = "reauth"
        if forced:
            return renew
        if token is None or not token.access_token:
            return renew
        if token.expires_at is None:
            return "use"
        if self.now >= token.expires_at:
            return renew
        lead = self.margin
        if token.expires_in is not None and token.expires_in > 0:
            lead = min(lead, token.expires_in / 2)
        if self.now >= token.expires_at - lead and renew != "reauth":
            return renew
        return "use"


initial_tokens = st.one_of(
    st.none(),
    st.builds(
        lambda at, life, known, refresh, scoped: AccessToken(
            access_token="stored",
            expires_in=life if known else None,
            expires_at=None if at is None else T0 + at,
            refresh_token=refresh,
            restricted_to=(RestrictedTo("item_preview"),) if scoped else (),
        ),
        st.none() | st.floats(-4000, 4000),
        st.integers(1, 4000),
        st.booleans(),
        st.sampled_from([None, "", "r0"]),
        st.booleans(),
    ),
    st.just(AccessToken(refresh_token="r-only")),
)
errors = st.one_of(
    st.builds(InvalidInput, st.just("f"), st.just("p")),
    st.builds(TransportFailure, st.sampled_from(TransportFailureKind), st.just("d"), st.booleans()),
    st.builds(
        BoxRefused,
        st.sampled_from(ErrorKind),
        st.sampled_from([400, 429, 503]),
        st.just("e"),
        st.just(""),
    ),
)


class LifecycleMachine(RuleBasedStateMachine):
    tickets = Bundle("tickets")

    def __init__(self) -> None:
        super().__init__()
        self.model = Model(AuthKind.JWT, 60.0)
        self.machine = Machine(AuthKind.JWT)
        self.issued = 0
        self.last_use: tuple[AccessToken, float] | None = None
        self.stale_refused = 0

    @initialize(
        kind=st.sampled_from(AuthKind),
        margin=st.sampled_from([0.0, 60.0]) | st.floats(0, 3600),
        stored=initial_tokens,
    )
    def setup(self, kind: AuthKind, margin: float, stored: AccessToken | None) -> None:
        self.model = Model(kind, margin, stored=stored)
        self.machine = Machine(kind, margin)

    def _step(self, event: Event) -> object:
        stepped = step(self.machine, event)
        if isinstance(stepped, Failure):
            assert isinstance(stepped.failure(), IllegalEvent)
            return stepped.failure()
        self.machine, action = stepped.unwrap()
        if isinstance(action, Use):
            self.last_use = (action.token, self.model.now)
        return action

    def _refused(self, event: Event) -> None:
        before = self.machine
        got = self._step(event)
        assert isinstance(got, IllegalEvent), got
        assert self.machine == before

    @rule(seconds=st.floats(0, 5000) | st.sampled_from([0.0, 1.0, 30.0, 1800.0]))
    def advance(self, seconds: float) -> None:
        self.model.now += seconds

    @rule(target=tickets, forced=st.booleans())
    def want(self, forced: bool) -> object:
        m = self.model
        event = Wanted(m.stored, m.now, forced)
        if m.renewing:
            self._refused(event)
            return multiple()
        expected = m.expected(m.stored, forced)
        action = self._step(event)
        if expected == "use":
            assert action == Use(m.stored) if m.stored is not None else False
            return multiple()
        if expected == "reauth":
            assert isinstance(action, Fail)
            assert isinstance(action.error, ReauthRequired)
            return multiple()
        m.counter += 1
        m.renewing, m.forced, m.previous = True, forced, m.stored
        if expected == "fetch":
            assert action == Fetch(m.counter)
        else:
            assert action == Refresh(m.counter, m.stored) if m.stored is not None else False
        return m.counter

    @rule(
        ticket=consumes(tickets),
        lifetime=st.integers(1, 7200),
        late=st.sampled_from([0, 0, 0, 10_000]),
        with_refresh=st.booleans(),
    )
    def succeed(self, ticket: int, lifetime: int, late: int, with_refresh: bool) -> None:
        m = self.model
        self.issued += 1
        token = AccessToken(
            access_token=f"new{self.issued}",
            expires_in=lifetime,
            expires_at=m.now + lifetime - late,
            refresh_token=f"r{self.issued}" if with_refresh else None,
        )
        event = Succeeded(ticket, token, m.now)
        if not (m.renewing and ticket == m.counter):
            self.stale_refused += 1
            event_note(f"refused {'stale' if ticket < m.counter else 'idle'} ticket")
            before = m.stored
            self._refused(event)
            assert m.stored is before  # an old renewal never overwrites the token
            return
        action = self._step(event)
        m.renewing = False
        if m.valid(token):
            assert action == StoreAndUse(token)
            m.stored = token
            self.last_use = (token, m.now)
        elif token.refresh_token:
            # Dead on arrival, but its refresh token is the live credential: kept.
            assert action == StoreAndFail(token, action.error)
            assert isinstance(action.error, BoxRefused)
            assert action.error.kind is ErrorKind.MALFORMED_RESPONSE
            m.stored = token
        else:
            assert isinstance(action, Fail)
            assert action.error.kind is ErrorKind.MALFORMED_RESPONSE

    @rule(ticket=consumes(tickets), error=errors)
    def fail(self, ticket: int, error: InvalidInput | TransportFailure | BoxRefused) -> None:
        m = self.model
        event = Failed(ticket, error, m.previous, m.now)
        if not (m.renewing and ticket == m.counter):
            self.stale_refused += 1
            event_note(f"refused {'stale' if ticket < m.counter else 'idle'} ticket")
            self._refused(event)
            return
        action = self._step(event)
        m.renewing = False
        if not m.forced and m.previous is not None and m.valid(m.previous):
            assert action == Use(m.previous, renewal_error=error)
        else:
            assert action == Fail(error)

    @rule()
    def revoke(self) -> None:
        action = self._step(Revoked())
        assert isinstance(action, Clear)
        m = self.model
        m.counter += 1
        m.renewing = False
        m.stored = None

    @precondition(lambda self: self.model.renewing)
    @rule(target=tickets)
    def revoke_mid_renewal_and_renew(self) -> object:
        """The ticket in flight goes stale; a new renewal starts behind it."""
        self.revoke()
        return self.want(forced=True)

    @rule(token=initial_tokens)
    def user_stores(self, token: AccessToken | None) -> None:
        """The storage changes under the machine (another process wrote it)."""
        self.model.stored = token

    @invariant()
    def phase_matches(self) -> None:
        expected = Phase.RENEWING if self.model.renewing else Phase.IDLE
        assert self.machine.phase is expected
        assert self.machine.ticket == self.model.counter
        assert self.machine.kind is self.model.kind

    @invariant()
    def never_uses_an_expired_token(self) -> None:
        if self.last_use is None:
            return
        token, at = self.last_use
        assert token.access_token
        assert token.expires_at is None or at < token.expires_at


TestLifecycle = LifecycleMachine.TestCase


def test_stale_ticket_cannot_overwrite_a_newer_token() -> None:
    """The scenario the Bundle explores, spelt out once."""
    m = Machine(AuthKind.CCG)
    m, first = step(m, Wanted(None, T0)).unwrap()
    assert isinstance(first, Fetch)
    m, cleared = step(m, Revoked()).unwrap()
    assert isinstance(cleared, Clear)
    m, second = step(m, Wanted(None, T0)).unwrap()
    assert isinstance(second, Fetch)
    assert second.ticket != first.ticket
    old = AccessToken(access_token="old", expires_in=3600, expires_at=T0 + 3600)
    refused = step(m, Succeeded(first.ticket, old, T0))
    assert isinstance(refused, Failure)
    assert isinstance(refused.failure(), IllegalEvent)
    new = AccessToken(access_token="new", expires_in=3600, expires_at=T0 + 3600)
    m2, stored = step(m, Succeeded(second.ticket, new, T0)).unwrap()
    assert stored == StoreAndUse(new)
    assert m2.phase is Phase.IDLE
    again = step(m2, Succeeded(second.ticket, old, T0))
    assert isinstance(again, Failure)
