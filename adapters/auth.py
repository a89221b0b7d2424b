"""The auth object's loop: take the locks, read, step, carry out, feed back.

Every public call runs the same short loop over the core's machine
(``boxauth.lifecycle``): take this object's lock (single flight within a
process) and the storage's lock (across processes, for storages that have
one), read the stored token, feed the machine an event, carry out the action
it answers with, and feed back the outcome, until the action is terminal.
Sending a token request to its answer is a second loop over the core's
``boxauth.attempts``. Nothing here decides: each ``if`` below either carries
out an action or turns a misbehaving plug-in (a user's storage, transport or
signer that raises) into the value ``boxauth.unexpected`` names for it.

One deadline bounds a whole public call: both lock waits, every attempt and
every wait between attempts. A caller that finds the locks taken (someone is
renewing) and a still-valid token stored gets it at once (``while_busy``).

Whatever ends a call early (an exception, Ctrl-C, a gevent timeout), the
machine is told (``Abandoned``), every lock is released by its ``with``, and
the exception goes on: the next call works, and a token that was being saved
is kept to save again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import replace
from typing import Any, ClassVar, Self, TypedDict, Unpack

from returns.result import Failure, Result, Success

from ..access_token import AccessToken
from ..attempts import GaveUp, GotToken, Next
from ..downscope import DownscopeRequest, as_downscoped
from ..errors import AuthError, InvalidInput
from ..grants import ExchangeGrant, Plan, RevokeCall
from ..identity import Owner
from ..lifecycle import (
    Abandoned,
    Action,
    AuthKind,
    Clear,
    Done,
    Event,
    ExchangeCode,
    Fail,
    Fetch,
    Level,
    Machine,
    Note,
    Phase,
    ReadAgain,
    Refresh,
    RevokeAt,
    RevokeWanted,
    Store,
    Use,
    Wanted,
    asks_savable,
    check_margin,
    fast_use,
    step,
    while_busy,
)
from ..retry import RetryPolicy, check_deadline, check_policy
from ..settings import Subject, SubjectKind, id_field
from ..unexpected import class_name
from ..urls import BaseUrls, validate_base_urls
from ..wire import Transport
from . import plugins
from .call_options import DownscopeOptions, downscope_signature, downscope_wanted
from .locks import take_locks
from .raising import raise_error, unwrap
from .sending import Call, Sender, internal
from .storage import TokenStorage
from .system import Effects
from .transport import Urllib3Transport

log = logging.getLogger("boxauth")
ok_or_raise = unwrap  # constructors: bad configuration raises BoxConfigError at once

_LEVELS = {Level.DEBUG: logging.DEBUG, Level.WARNING: logging.WARNING, Level.ERROR: logging.ERROR}
Stored_ = Result[AccessToken | None, AuthError]
Terminal = Use | Fail | Done


class AuthOptions(TypedDict, total=False):
    """The keyword options every auth class takes besides its config (README
    "Every auth object"); a ``with_*`` copy keeps all of them."""

    base_urls: BaseUrls | None
    transport: Transport | None
    effects: Effects | None
    retry_policy: RetryPolicy | None
    refresh_margin: float
    deadline: float | None


class BaseAuth:
    """Shared machinery. Subclasses set ``kind`` and say how to renew."""

    kind: ClassVar[AuthKind]

    def __init__(
        self,
        *,
        token_storage: TokenStorage,
        base_urls: BaseUrls | None = None,
        transport: Transport | None = None,
        effects: Effects | None = None,
        retry_policy: RetryPolicy | None = None,
        refresh_margin: float = 60.0,
        deadline: float | None = None,
    ) -> None:
        self.base_urls = unwrap(validate_base_urls(base_urls or BaseUrls()))
        # Told where Box is: a box_sdk_gen network_session's base URLs never override it.
        self._own_urls = base_urls is not None
        self.token_storage = token_storage
        self.transport: Transport = transport if transport is not None else Urllib3Transport()
        self.effects = effects or Effects()
        self._policy = unwrap(check_policy(retry_policy or RetryPolicy()))
        settings = getattr(self.transport, "settings", None)
        default = getattr(settings, "deadline", 30.0)
        self._deadline = unwrap(check_deadline(default if deadline is None else deadline))
        margin = unwrap(check_margin(refresh_margin))
        self._machine = Machine(self.kind, margin, owner=self._owner())
        self._lock = threading.RLock()  # a plain lock; see ``locks.take_locks``
        self._sender = Sender(self.transport, self.effects, self._policy, self._signer())

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_urls.base_url!r})"

    def __reduce__(self) -> Any:
        raise TypeError(f"{type(self).__name__} holds secrets and cannot be pickled")

    def _options(self) -> AuthOptions:
        """Everything a ``with_*`` copy must keep (it shares the transport)."""
        return {
            "base_urls": self.base_urls,
            "transport": self.transport,
            "effects": self.effects,
            "retry_policy": self._policy,
            "refresh_margin": self._machine.margin,
            "deadline": self._deadline,
        }

    # -- what a subclass supplies -----------------------------------------------------

    def _owner(self) -> Owner | None:
        return None

    def _grant(self, urls: BaseUrls) -> Result[Plan, AuthError]:
        return Failure(internal("this auth object has no grant"))

    def _refresh(self, urls: BaseUrls, refresh_token: str) -> Result[Plan, AuthError]:
        return Failure(internal("this auth object cannot refresh"))

    def _signer(self) -> Callable[[bytes], object] | None:
        return None

    def _client_credentials(self) -> Result[tuple[str, str], AuthError]:
        """client_id and client_secret, for revoking (JWT, CCG and OAuth configs)."""
        settings = self.config.settings  # type: ignore[attr-defined]
        return Success((settings.client_id, settings.client_secret))

    @property
    def unsaved(self) -> bool:
        """A renewed token the storage refused is held in memory (saved again next call)."""
        return self._machine.unsaved is not None

    # -- the loop ------------------------------------------------------------------------

    def _begin(self, network_session: object = None) -> Result[Call, AuthError]:
        return Call.begun(
            network_session,
            urls=self.base_urls,
            own_urls=self._own_urls,
            deadline=self._deadline,
            transport=self.transport,
            monotonic=self.effects.monotonic,
        )

    def _step(self, event: Event) -> Action:
        stepped = step(self._machine, event)
        if not isinstance(stepped, Success):  # only a bug here can feed an illegal event
            return Fail(internal(f"the lifecycle machine refused {stepped.failure()}"))
        machine: Machine
        action: Action
        machine, action = stepped.unwrap()
        self._machine = machine
        return action

    def _carry_out(self, action: Action, call: Call, code: Plan | None) -> Action:
        """Do what ``action`` says, feed the machine what happened: its next action.

        A renewal is fed by the sender, so that an interrupt after Box answered
        still hands the machine the token Box sent (``Sender.renew``).
        """
        _log(getattr(action, "notes", ()))
        storage, renew, step = self.token_storage, self._sender.renew, self._step
        match action:
            case Fetch(ticket=ticket, skew=skew):
                return renew(ticket, self._grant(call.urls), skew, call, step)
            case Refresh(ticket=ticket, refresh_token=token):
                return renew(ticket, self._refresh(call.urls, token), 0.0, call, step)
            case ExchangeCode(ticket=ticket):
                plan = Failure(internal("no code")) if code is None else Success(code)
                return renew(ticket, plan, 0.0, call, step)
            case Store(token=token):
                return step(plugins.save(storage, token, self.effects.clock))
            case RevokeAt(credential=credential):
                revoke = self._client_credentials().map(
                    lambda c: RevokeCall(call.urls, c[0], c[1], credential)
                )
                return step(self._sender.revoke(revoke, call))
            case Clear():
                return step(plugins.clear(storage))
            case ReadAgain():
                return step(self._savable(Wanted(plugins.read(storage), self.effects.clock())))
        return step(Abandoned())

    def _run(
        self,
        first: Callable[[Stored_], Event],
        call: Call,
        *,
        early: Callable[[], AccessToken | None] = lambda: None,
        code: Plan | None = None,
    ) -> Terminal:
        """Run one public call to its terminal action."""
        with ExitStack() as held:
            locked = take_locks(self._lock, self.token_storage, held, call, early)
            if not isinstance(locked, Success):
                return Fail(locked.failure())
            answered = locked.unwrap()
            if answered is not None:
                return Use(answered)
            try:
                action = self._step(first(plugins.read(self.token_storage)))
                while not isinstance(action, Use | Fail | Done):
                    action = self._carry_out(action, call, code)
            except BaseException:
                if self._machine.phase is not Phase.IDLE:
                    self._abandon()
                raise
        _log(action.notes)
        return action

    def _abandon(self) -> None:
        """Tell the machine the call ended early, with what the storage holds now
        (the locks are still held), so it knows whether a save under way landed."""
        stored = None
        try:
            stored = plugins.read(self.token_storage)
        finally:  # even if a second interrupt strikes while reading
            self._step(Abandoned(stored))

    def _obtain(
        self, call: Call, forced: bool, replacing: object = None
    ) -> Result[AccessToken, AuthError]:
        if not forced:
            fast = self._fast()
            if fast is not None:
                return Success(fast)

        def wanted(stored: Stored_) -> Wanted:
            return Wanted(stored, self.effects.clock(), forced, replacing)  # type: ignore[arg-type]

        def early() -> AccessToken | None:
            return while_busy(self._machine, wanted(plugins.peek(self.token_storage)))

        return _token(self._run(lambda s: self._savable(wanted(s)), call, early=early))

    def _savable(self, wanted: Wanted) -> Wanted:
        """``wanted``, with whether the storage can save, when the core asks
        (``asks_savable``: only before spending a refresh token; a probe writes)."""
        if not asks_savable(self._machine, wanted):
            return wanted
        return replace(wanted, savable=plugins.writable(self.token_storage))

    def _fast(self) -> AccessToken | None:
        """The lock-free path: a fresh token the storage has at hand (``peek``).

        Inline rather than through ``plugins.peek``: it runs on every call, and
        a Result and a call more cost a tenth of its time. A failed read is
        None: the locked path reads again and reports why."""
        storage = self.token_storage
        try:
            try:
                look = storage.peek
            except AttributeError:  # not derived from TokenStorage: its get
                look = storage.get
            current = look()
        except Exception:
            return None
        return fast_use(self._machine, current, self.effects.clock())

    # -- Result API --------------------------------------------------------------------
    # ``network_session``: box_sdk_gen's NetworkSession, honoured or refused as
    # ``boxauth.sessions`` says (never ignored).

    def retrieve_token_result(
        self, *, network_session: object = None
    ) -> Result[AccessToken, AuthError]:
        """The current token, renewed first if the lifecycle rules say so."""
        return _total(
            lambda: self._begin(network_session).bind(lambda c: self._obtain(c, forced=False))
        )

    def refresh_token_result(
        self, *, replacing: AccessToken | None = None, network_session: object = None
    ) -> Result[AccessToken, AuthError]:
        """A new token now. With ``replacing``: only if the storage still holds it."""
        return _total(
            lambda: self._begin(network_session).bind(
                lambda c: self._obtain(c, forced=True, replacing=replacing)
            )
        )

    def revoke_token_result(self, *, network_session: object = None) -> Result[None, AuthError]:
        """Revoke what this object holds at Box, then clear the storage."""

        def revoke(call: Call) -> Result[None, AuthError]:
            done = self._run(lambda stored: RevokeWanted(stored, self.effects.clock()), call)
            return Failure(done.error) if isinstance(done, Fail) else Success(None)

        return _total(lambda: self._begin(network_session).bind(revoke))

    @downscope_signature
    def downscope_token_result(
        self, scopes: Iterable[str], **options: Unpack[DownscopeOptions]
    ) -> Result[AccessToken, AuthError]:
        """Exchange the current token for a narrower one. Nothing is stored."""

        def downscope(call: Call) -> Result[AccessToken, AuthError]:
            wanted = downscope_wanted(scopes, options)
            if not isinstance(wanted, Success):
                return Failure(wanted.failure())
            plan = exchange_plan(call, wanted.unwrap(), self._obtain(call, forced=False))
            return downscoped(self._sender.carry(plan, 0.0, call, [])[0])

        return _total(lambda: self._begin(options.get("network_session")).bind(downscope))

    # -- box_sdk_gen's raising API --------------------------------------------------------

    def retrieve_token(self, *, network_session: object = None) -> AccessToken:
        fast = self._fast() if network_session is None else None  # the common case
        if fast is not None:
            return fast
        return unwrap(self.retrieve_token_result(network_session=network_session))

    def refresh_token(self, *, network_session: object = None) -> AccessToken:
        return unwrap(self.refresh_token_result(network_session=network_session))

    def revoke_token(self, *, network_session: object = None) -> None:
        unwrap(self.revoke_token_result(network_session=network_session))

    @downscope_signature
    def downscope_token(
        self, scopes: Iterable[str], **options: Unpack[DownscopeOptions]
    ) -> AccessToken:
        return unwrap(self.downscope_token_result(scopes, **options))

    def retrieve_authorization_header(self, *, network_session: object = None) -> str:
        return f"Bearer {self.retrieve_token(network_session=network_session).access_token}"


def exchange_plan(
    call: Call, wanted: DownscopeRequest, parent: Result[AccessToken, AuthError]
) -> Result[Plan, AuthError]:
    """The token exchange that downscopes ``parent`` (or why there is none)."""
    return parent.map(lambda p: ExchangeGrant(call.urls, wanted, p.access_token or ""))


def downscoped(answer: Next) -> Result[AccessToken, AuthError]:
    """The downscoped token Box's answer to ``exchange_plan`` carries, or why not."""
    if isinstance(answer, GotToken):
        return Success(as_downscoped(answer.token))
    return Failure(answer.error if isinstance(answer, GaveUp) else internal("downscope"))


def _log(notes: tuple[Note, ...]) -> None:
    for note in notes:
        log.log(_LEVELS[note.level], "%s", note.text)


def _token(done: Terminal) -> Result[AccessToken, AuthError]:
    if isinstance(done, Use):
        return Success(done.token)
    return Failure(done.error) if isinstance(done, Fail) else Failure(internal("no token"))


def _total(call: Callable[[], Result[Any, AuthError]]) -> Result[Any, AuthError]:
    """The Result API never raises (an interrupt still propagates, after cleanup)."""
    try:
        return call()
    except Exception as exc:  # a bug here or in a plug-in: still a value
        name = class_name(exc)
        log.error("unexpected %s in boxauth; please report it", name)
        return Failure(internal(name))


class SubjectAuth(BaseAuth):
    """JWT and CCG: the same app can act as the Service Account or as a user."""

    config: Any  # a config with ``settings``, ``with_subject`` and ``token_storage``

    def __init__(self, config: Any, **options: Unpack[AuthOptions]) -> None:
        self.config = config
        super().__init__(token_storage=config.token_storage, **options)

    def _owner(self) -> Owner:
        subject: Subject = self.config.settings.subject
        return Owner(self.config.settings.client_id, subject.kind.value, subject.id)

    @property
    def subject_type(self) -> str:
        """``enterprise`` or ``user`` (box_sdk_gen's attribute)."""
        kind: SubjectKind = self.config.settings.subject.kind
        return kind.value

    @property
    def subject_id(self) -> str:
        """The enterprise or user id this object acts as (box_sdk_gen's attribute)."""
        ident: str = self.config.settings.subject.id
        return ident

    def _with(self, kind: SubjectKind, ident: object, storage: TokenStorage | None) -> Self:
        field = "user_id" if kind is SubjectKind.USER else "enterprise_id"
        checked = unwrap(id_field(ident, field))
        if checked is None:
            raise_error(InvalidInput(field, "is missing"))
        config = self.config.with_subject(Subject(kind, checked), storage)
        return type(self)(config, **self._options())

    def with_user_subject(self, user_id: str, *, token_storage: TokenStorage | None = None) -> Self:
        """A new auth object acting as ``user_id``; this one is left unchanged.

        Every setting is kept (box_sdk_gen drops the JWT algorithm here); the
        new object has its own storage (in memory unless one is given).
        """
        return self._with(SubjectKind.USER, user_id, token_storage)

    def with_enterprise_subject(
        self, enterprise_id: str, *, token_storage: TokenStorage | None = None
    ) -> Self:
        """A new auth object acting as the enterprise's Service Account."""
        return self._with(SubjectKind.ENTERPRISE, enterprise_id, token_storage)
