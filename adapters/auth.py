"""The stateful shell every auth class shares: decide, act, decide.

Each public call takes this object's lock (single flight within a process)
and the storage's lock (coordination across processes, for storages that
provide one), reads the stored token, asks the core's lifecycle machine what
to do, does it, and feeds the outcome back. The machine's answer is carried
out literally; no decision is made here.

Two APIs over the same code:
- ``*_result()`` methods return ``Result[..., AuthError]`` for functional callers;
- box_sdk_gen's names (``retrieve_token`` ...) return values or raise a
  ``BoxAuthError`` subclass. ``_unwrap`` is the one place that raises.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import Any, ClassVar, NoReturn, Self, TypeVar

from returns.result import Failure, Result, Success

from ..access_token import AccessToken, check_token
from ..config import Subject, SubjectKind, id_field
from ..downscope import as_downscoped, validate_downscope
from ..errors import (
    AuthError,
    BoxRefused,
    InvalidInput,
    TransportFailure,
    TransportFailureKind,
)
from ..exceptions import exception_for
from ..lifecycle import (
    Action,
    AuthKind,
    Clear,
    Event,
    Fail,
    Failed,
    Fetch,
    Machine,
    Refresh,
    Revoked,
    StoreAndFail,
    StoreAndUse,
    Succeeded,
    Use,
    Wanted,
    check_margin,
    fresh_until,
    step,
    tokens_to_revoke,
)
from ..responses import parse_empty_success, parse_token_response
from ..retry import RetryPolicy, check_policy
from ..token_requests import Grant, TokenRequest, revoke_request, token_exchange_request
from ..urls import BaseUrls, validate_base_urls
from ..wire import HttpResponse
from .calls import Build, Effects, call
from .storage import StorageLockTimeout, TokenStorage
from .transport import Urllib3Transport

log = logging.getLogger("boxauth")
T = TypeVar("T")


def unwrap(result: Result[T, AuthError]) -> T:
    """The one place a Result becomes a value or a typed exception."""
    if isinstance(result, Success):
        value: T = result.unwrap()
        return value
    raise_error(result.failure())


def raise_error(error: AuthError) -> NoReturn:
    raise exception_for(error) from None


def ok_or_raise(result: Result[T, InvalidInput]) -> T:
    """For constructors: bad configuration raises BoxConfigError at once."""
    if isinstance(result, Success):
        value: T = result.unwrap()
        return value
    raise_error(result.failure())


def interpret_token(
    resp: HttpResponse, sent_at: float, received_at: float
) -> Result[AccessToken, BoxRefused]:
    return parse_token_response(resp, sent_at=sent_at, received_at=received_at)


def interpret_empty(
    resp: HttpResponse, _sent_at: float, received_at: float
) -> Result[None, BoxRefused]:
    return parse_empty_success(resp, received_at)


class BaseAuth:
    """Shared machinery. Subclasses set ``kind`` and supply ``_grant_request``."""

    kind: ClassVar[AuthKind]

    def __init__(
        self,
        *,
        token_storage: TokenStorage,
        base_urls: BaseUrls | None = None,
        transport: Urllib3Transport | None = None,
        effects: Effects | None = None,
        retry_policy: RetryPolicy | None = None,
        refresh_margin: float = 60.0,
    ) -> None:
        self.base_urls = ok_or_raise(validate_base_urls(base_urls or BaseUrls()))
        self.token_storage = token_storage
        self.transport = transport or Urllib3Transport()
        self.effects = effects or Effects()
        self._policy = ok_or_raise(check_policy(retry_policy or RetryPolicy()))
        self._margin = ok_or_raise(check_margin(refresh_margin))
        self._machine = Machine(self.kind, self._margin)
        self._lock = threading.Lock()
        self._skew = 0.0
        # (token, until): the last token handed out and until when the core
        # says it stays usable. Replaced as one tuple, never edited.
        self._fresh: tuple[AccessToken, float] | None = None
        # A renewed token the storage failed to save. Kept so it is not lost
        # (its refresh token may be the only live one), and saved again on the
        # next call. Only touched under self._lock.
        self._unsaved: tuple[AccessToken, AccessToken | None] | None = None
        # Access tokens revoked at Box whose record the storage failed to clear.
        self._revoked: set[str | None] = set()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_urls.base_url!r})"

    def __reduce__(self) -> Any:
        raise TypeError(f"{type(self).__name__} holds secrets and cannot be pickled")

    def _shell_kwargs(self) -> dict[str, Any]:
        """Everything a ``with_*`` copy must keep."""
        return {
            "base_urls": self.base_urls,
            "transport": self.transport,
            "effects": self.effects,
            "retry_policy": self._policy,
            "refresh_margin": self._margin,
        }

    # -- what a subclass supplies -------------------------------------------------

    def _grant_request(self) -> tuple[Grant, Build]:
        """The request that gets a brand-new token (JWT, CCG)."""
        raise NotImplementedError

    def _refresh_request(self, token: AccessToken) -> Build:
        """The request that spends ``token``'s refresh token (OAuth)."""
        raise NotImplementedError

    def _client_credentials(self) -> Result[tuple[str, str], AuthError]:
        """client_id and client_secret, for revoking (JWT, CCG and OAuth configs)."""
        settings = self.config.settings  # type: ignore[attr-defined]
        return Success((settings.client_id, settings.client_secret))

    # -- plumbing ---------------------------------------------------------------

    def _step(self, event: Event) -> Action:
        stepped = step(self._machine, event)
        if not isinstance(stepped, Success):
            # Only a bug in this shell can feed an illegal event: the lock is held.
            raise RuntimeError(f"lifecycle machine refused {stepped.failure()}")
        machine: Machine
        action: Action
        machine, action = stepped.unwrap()
        self._machine = machine
        return action

    def _call(self, grant: Grant, build: Build) -> Result[AccessToken, AuthError]:
        result, skew = call(
            self.transport,
            self.effects,
            self._policy,
            grant=grant,
            build=build,
            interpret=interpret_token,
            skew=self._skew,
        )
        if grant is Grant.JWT:  # only JWT grants learn Box's clock, and only under the lock
            self._skew = skew
        return result

    def _renew(self, action: Fetch | Refresh) -> Result[AccessToken, AuthError]:
        """Carry out a renewal. Never raises: the machine must always hear back,
        or it would stay RENEWING and refuse every later call."""
        try:
            if isinstance(action, Fetch):
                grant, build = self._grant_request()
                log.debug("fetching a new token (%s)", grant.value)
                return self._call(grant, build)
            log.debug("refreshing the token with its refresh token")
            return self._call(Grant.REFRESH_TOKEN, self._refresh_request(action.token))
        except Exception as exc:  # any bug or plug-in failure becomes a value
            log.error("token renewal failed unexpectedly: %s", type(exc).__name__)
            return Failure(
                TransportFailure(
                    TransportFailureKind.PROTOCOL,
                    f"unexpected {type(exc).__name__} during token renewal",
                    True,
                )
            )

    def _locked(self, body: Any) -> Any:
        """Run ``body()`` under this object's lock and the storage's lock.

        Both waits are bounded by the transport's deadline; a timeout is a
        DEADLINE failure, never an endless wait behind a stuck call.
        """
        deadline = self.transport.settings.deadline
        if not self._lock.acquire(timeout=deadline):
            return _lock_timeout("this auth object")
        try:
            with self.token_storage.lock(deadline):
                return body()
        except StorageLockTimeout:
            return _lock_timeout("the token storage")
        finally:
            self._lock.release()

    def _stored(self) -> AccessToken | None:
        """What the storage holds, if it is a well-formed token we did not revoke.

        A user's storage can return anything; a malformed record (bad token
        characters, a NaN expiry) is treated as no token, with a warning.
        """
        token = self.token_storage.get()
        if token is None or token.access_token in self._revoked:
            return None
        checked = check_token(token)
        if not isinstance(checked, Success):
            log.warning("ignoring a malformed token from storage: %s", checked.failure().message())
            return None
        return token

    def _fast(self) -> AccessToken | None:
        """Lock-free path: the stored token is the one the core already judged
        fresh, and its fresh-until time has not come. Renewals always take the
        locks, so single flight is kept."""
        cached = self._fresh
        if (
            cached is not None
            and self.token_storage.get() is cached[0]
            and self.effects.clock() < cached[1]
        ):
            return cached[0]
        return None

    def _remember(self, token: AccessToken) -> None:
        until = fresh_until(self.kind, token, self._margin)
        self._fresh = None if until is None else (token, until)

    def _obtain(
        self, forced: bool, replacing: AccessToken | None = None
    ) -> Result[AccessToken, AuthError]:
        if not forced:
            fast = self._fast()
            if fast is not None:
                return Success(fast)

        def body() -> Result[AccessToken, AuthError]:
            previous = self._save_unsaved() or self._stored()
            action = self._step(Wanted(previous, self.effects.clock(), forced, replacing))
            if isinstance(action, Fetch | Refresh):
                renewed = self._renew(action)
                now = self.effects.clock()
                if isinstance(renewed, Success):
                    action = self._step(Succeeded(action.ticket, renewed.unwrap(), now))
                else:
                    action = self._step(Failed(action.ticket, renewed.failure(), previous, now))
            return self._finish(action, previous)

        result: Result[AccessToken, AuthError] = self._locked(body)
        return result

    def _store(self, token: AccessToken, replaced: AccessToken | None) -> None:
        """Save a renewed token. If the storage fails (disk full, a Redis outage,
        a bug in a custom storage), keep the token in memory and use it, rather
        than lose it: its refresh token may be the only live one."""
        try:
            self.token_storage.store(token)
        except Exception as exc:  # any storage failure is survivable here
            log.error(
                "could not save the new token to %r (%s); keeping it in memory and "
                "saving again on the next call",
                self.token_storage,
                getattr(exc, "strerror", None) or type(exc).__name__,
            )
            self._unsaved = (token, replaced)
            self._fresh = None  # the storage still holds the replaced token: not it
            return
        self._unsaved = None
        self._remember(token)

    def _save_unsaved(self) -> AccessToken | None:
        """Try again to save a token the storage refused; return it if still unsaved.

        If the storage meanwhile holds something other than what our token
        replaced, someone else (another process) wrote a newer record: theirs wins.
        """
        if self._unsaved is None:
            return None
        token, replaced = self._unsaved
        try:
            current = self.token_storage.get()
        except Exception:  # still failing: keep using ours
            return token
        if current is not None and current != replaced:
            log.warning("storage now holds a newer token than the unsaved one; using it")
            self._unsaved = None
            return None
        self._store(token, replaced)
        return token if self._unsaved is not None else None

    def _finish(
        self, action: Action, previous: AccessToken | None
    ) -> Result[AccessToken, AuthError]:
        match action:
            case Use(token=token, renewal_error=None):
                self._remember(token)
                return Success(token)
            case Use(token=token, renewal_error=error):
                log.warning(
                    "early token renewal failed; using the still-valid token: %s",
                    error.message() if error else "",
                )
                return Success(token)
            case StoreAndUse(token=token):
                self._store(token, previous)
                return Success(token)
            case StoreAndFail(token=token, error=error):
                self._store(token, previous)
                self._fresh = None
                return Failure(error)
            case Fail(error=error):
                return Failure(error)
            case _:
                raise RuntimeError(f"unexpected lifecycle action {type(action).__name__}")

    # -- Result API ---------------------------------------------------------------

    def retrieve_token_result(self) -> Result[AccessToken, AuthError]:
        """The current token, renewed first if the lifecycle rules say so."""
        return self._obtain(forced=False)

    def refresh_token_result(
        self, *, replacing: AccessToken | None = None
    ) -> Result[AccessToken, AuthError]:
        """A new token now, whatever the stored one's age.

        With ``replacing``: only if the storage still holds that token (it was
        just rejected by the API); if another thread already replaced it, the
        replacement is returned instead of renewing again.
        """
        return self._obtain(forced=True, replacing=replacing)

    def revoke_token_result(self) -> Result[None, AuthError]:
        """Revoke every token this object holds at Box, then clear the storage.

        If Box cannot be reached or refuses, the storage is left as it was, so
        nothing is lost and the caller may try again. If Box revoked but the
        storage cannot be cleared, the revoked token is never handed out again
        and the failure is reported.
        """

        def body() -> Result[None, AuthError]:
            unsaved = self._unsaved[0] if self._unsaved else None
            secrets = tokens_to_revoke(unsaved, self.token_storage.get())
            if secrets:
                creds = self._client_credentials()
                if not isinstance(creds, Success):
                    return Failure(creds.failure())
                client_id, client_secret = creds.unwrap()
                for secret in secrets:
                    revoked = self._revoke_one(client_id, client_secret, secret)
                    if not isinstance(revoked, Success):
                        return revoked
                    self._revoked.add(secret)
            self._fresh = None
            self._unsaved = None
            if not isinstance(self._step(Revoked()), Clear):
                raise RuntimeError("lifecycle machine did not clear on revoke")
            try:
                self.token_storage.clear()
            except Exception as exc:  # reported as a value below
                why = getattr(exc, "strerror", None) or type(exc).__name__
                return Failure(
                    InvalidInput("token_storage", f"revoked at Box, but clearing failed ({why})")
                )
            log.debug("token revoked and storage cleared")
            return Success(None)

        result: Result[None, AuthError] = self._locked(body)
        return result

    def _revoke_one(
        self, client_id: str, client_secret: str, secret: str
    ) -> Result[None, AuthError]:
        def build(_now: float, _skew: float) -> Result[TokenRequest, AuthError]:
            return revoke_request(self.base_urls, client_id, client_secret, secret)

        result, _ = call(
            self.transport,
            self.effects,
            self._policy,
            grant=Grant.REVOKE,
            build=build,
            interpret=interpret_empty,
        )
        return result

    def downscope_token_result(
        self, scopes: Iterable[str], *, resource: str | None = None, shared_link: str | None = None
    ) -> Result[AccessToken, AuthError]:
        """Exchange the current token for a narrower one. Nothing is stored."""
        wanted = validate_downscope(scopes, resource, shared_link)
        if not isinstance(wanted, Success):
            return Failure(wanted.failure())
        parent = self.retrieve_token_result()
        if not isinstance(parent, Success):
            return parent
        subject = parent.unwrap().access_token

        def build(_now: float, _skew: float) -> Result[TokenRequest, AuthError]:
            return token_exchange_request(self.base_urls, subject, wanted.unwrap())

        return self._call(Grant.TOKEN_EXCHANGE, build).map(as_downscoped)

    # -- box_sdk_gen's raising API ------------------------------------------------

    def retrieve_token(self, network_session: object = None) -> AccessToken:
        fast = self._fast()  # the common case, without building a Result
        return fast if fast is not None else unwrap(self.retrieve_token_result())

    def refresh_token(self, network_session: object = None) -> AccessToken:
        return unwrap(self.refresh_token_result())

    def revoke_token(self, network_session: object = None) -> None:
        unwrap(self.revoke_token_result())

    def downscope_token(
        self,
        scopes: Iterable[str],
        *,
        resource: str | None = None,
        shared_link: str | None = None,
        network_session: object = None,
    ) -> AccessToken:
        return unwrap(
            self.downscope_token_result(scopes, resource=resource, shared_link=shared_link)
        )

    def retrieve_authorization_header(self, network_session: object = None) -> str:
        return f"Bearer {self.retrieve_token().access_token}"


class SubjectAuth(BaseAuth):
    """JWT and CCG: the same app can act as the Service Account or as a user."""

    config: Any  # a config with ``with_subject`` and ``token_storage``

    def __init__(self, config: Any, **shell: Any) -> None:
        self.config = config
        super().__init__(token_storage=config.token_storage, **shell)

    def _with(self, kind: SubjectKind, ident: object, storage: TokenStorage | None) -> Self:
        field = "user_id" if kind is SubjectKind.USER else "enterprise_id"
        checked = ok_or_raise(id_field(ident, field))
        if checked is None:
            raise_error(InvalidInput(field, "is missing"))
        config = self.config.with_subject(Subject(kind, checked), storage)
        return type(self)(config, **self._shell_kwargs())

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


def _lock_timeout(what: str) -> Failure[TransportFailure]:
    return Failure(
        TransportFailure(TransportFailureKind.DEADLINE, f"timed out waiting for {what}", False)
    )
