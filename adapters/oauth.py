"""OAuth 2.0 authorization code flow: ``BoxOAuth``.

https://developer.box.com/guides/authentication/oauth2/without-sdk/

The refresh token is single use: each refresh burns it and returns a new pair.
That is why every refresh runs under the storage's lock and is never retried
once it may have reached Box (see ``boxauth.retry``): a retry, or a second
process refreshing with the same token, would get invalid_grant and strand the
user.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Unpack

from returns.result import Failure, Result, Success

from ..access_token import AccessToken
from ..authorize import (
    AuthorizeRequest,
    PendingStates,
    authorize_url,
    code_from_redirect,
    parse_redirect_query,
    query_of_redirect,
)
from ..errors import AuthError, InvalidInput, StateMismatch
from ..grants import CodeGrant, Plan, RefreshGrant
from ..identity import Owner
from ..lifecycle import AuthKind, SignInWanted
from ..urls import BaseUrls
from .auth import AuthOptions, BaseAuth, _token, _total
from .configs import OAuthConfig
from .raising import unwrap
from .sending import Call

# "expected_state was not passed": distinct from an explicit None, which is refused.
_UNSET: Any = object()


class AuthorizeUrl(str):
    """The authorize URL, a ``str`` as box_sdk_gen returns, that also carries its ``state``."""

    state: str

    def __new__(cls, url: str, state: str) -> AuthorizeUrl:
        made = super().__new__(cls, url)
        made.state = state
        return made

    def __reduce__(self) -> Any:
        return (str, (str(self),))  # a plain str when pickled: the state stays here


@dataclass(frozen=True, slots=True, kw_only=True)
class GetAuthorizeUrlOptions:
    """box_sdk_gen's options for ``get_authorize_url``. ``scope`` may be a list."""

    client_id: str | None = None
    redirect_uri: str | None = None
    response_type: str | None = None
    state: str | None = None
    scope: str | Sequence[str] | None = None


def _scopes(scope: object) -> Result[tuple[str, ...], AuthError]:
    """``scope`` as box_sdk_gen takes it: a space-separated string or a list of strings."""
    if scope is None:
        return Success(())
    if isinstance(scope, str):
        return Success(tuple(scope.split()))
    if isinstance(scope, list | tuple) and all(isinstance(s, str) for s in scope):
        return Success(tuple(scope))
    return Failure(InvalidInput("scope", "must be a string or a list of strings"))


class BoxOAuth(BaseAuth):
    """Tokens for a Box user who signed in and approved the app."""

    kind = AuthKind.OAUTH

    def __init__(self, config: OAuthConfig, **options: Unpack[AuthOptions]) -> None:
        self.config = config
        super().__init__(token_storage=config.token_storage, **options)
        # States issued by this object and not yet used (single use, 10 minutes,
        # at most 256): one immutable value, swapped under its own small lock, so
        # a state lookup never waits behind a renewal.
        self._pending = PendingStates()
        self._states_lock = threading.Lock()

    # -- authorize ---------------------------------------------------------------

    def get_authorize_url_result(
        self, options: GetAuthorizeUrlOptions | None = None
    ) -> Result[AuthorizeUrl, AuthError]:
        return _total(lambda: self._authorize_url(options))

    def _authorize_url(
        self, options: GetAuthorizeUrlOptions | None
    ) -> Result[AuthorizeUrl, AuthError]:
        opts = options if isinstance(options, GetAuthorizeUrlOptions) else GetAuthorizeUrlOptions()
        scopes = _scopes(opts.scope)
        if not isinstance(scopes, Success):
            return Failure(scopes.failure())
        state = opts.state or self.effects.new_state()
        request = AuthorizeRequest(
            client_id=opts.client_id or self.config.settings.client_id,
            redirect_uri=opts.redirect_uri,
            state=state,
            scopes=scopes.unwrap(),
            response_type=opts.response_type or "code",
        )
        built = authorize_url(self.base_urls, request)
        if not isinstance(built, Success):
            return Failure(built.failure())
        with self._states_lock:
            remembered = self._pending.add(state, opts.redirect_uri, self.effects.monotonic())
            if not isinstance(remembered, Success):
                return Failure(remembered.failure())
            self._pending = remembered.unwrap()
        return Success(AuthorizeUrl(built.unwrap(), state))

    def get_authorize_url(
        self, *, options: GetAuthorizeUrlOptions | None = None, network_session: object = None
    ) -> AuthorizeUrl:
        """The URL to send the user to (a ``str``), with the ``state`` it carries as ``.state``.

        A state is generated (from ``secrets``) unless one is given, and
        remembered here for 10 minutes, single use. A web app keeps ``.state``
        in the user's own session and passes it back as ``expected_state`` to
        ``get_tokens_from_redirect``: then only that user's browser can finish
        that sign-in (a state remembered by a shared object alone cannot tell
        one user's browser from another's).
        """
        return unwrap(self.get_authorize_url_result(options))

    # -- code exchange -------------------------------------------------------------

    def _exchange(
        self, code: str, redirect_uri: str | None, network_session: object = None
    ) -> Result[AccessToken, AuthError]:
        """Exchange the code under the locks; a failed save is reported (the tokens are kept)."""

        def exchange(call: Call) -> Result[AccessToken, AuthError]:
            plan = CodeGrant(call.urls, self.config.settings, redirect_uri, code)
            done = self._run(
                lambda stored: SignInWanted(stored, self.effects.clock()), call, code=plan
            )
            return _token(done)

        return self._begin(network_session).bind(exchange)

    def get_tokens_authorization_code_grant_result(
        self, authorization_code: str, *, network_session: object = None
    ) -> Result[AccessToken, AuthError]:
        return _total(lambda: self._exchange(authorization_code, None, network_session))

    def get_tokens_authorization_code_grant(
        self, authorization_code: str, *, network_session: object = None
    ) -> AccessToken:
        """Exchange the code from the redirect for tokens, and store them.

        This box_sdk_gen-compatible call cannot check ``state``; prefer
        ``get_tokens_from_redirect`` when you have the whole redirect URL.
        """
        return unwrap(
            self.get_tokens_authorization_code_grant_result(
                authorization_code, network_session=network_session
            )
        )

    def get_tokens_from_redirect_result(
        self, redirect: str, *, expected_state: str | None = _UNSET, network_session: object = None
    ) -> Result[AccessToken, AuthError]:
        """Check the redirect's state, then exchange its code (see ``get_tokens_from_redirect``)."""
        return _total(
            lambda: self._redeemed(redirect, expected_state).bind(
                lambda got: self._exchange(got[0], got[1], network_session)
            )
        )

    def _redeemed(
        self, redirect: object, expected_state: object = _UNSET
    ) -> Result[tuple[str, str | None], AuthError]:
        """The code of a redirect whose state is the expected one, and the redirect URI
        its authorize request used (that request is forgotten: single use)."""
        found = query_of_redirect(redirect)
        if not isinstance(found, Success):
            return Failure(found.failure())
        query = found.unwrap()
        parsed = parse_redirect_query(query)
        if not isinstance(parsed, Success):
            return Failure(parsed.failure())
        received = parsed.unwrap().state
        with self._states_lock:
            self._pending, pending = self._pending.take(received, self.effects.monotonic())
        if expected_state is not _UNSET:
            # The app's own record (the user's session) decides; ours only adds
            # single use and the redirect URI when this object issued the state.
            # An explicit None or "" (no sign-in started in this session: the
            # natural session.get("box_state")) never falls back to our memory.
            if not expected_state:
                return Failure(StateMismatch("is not expected: no sign-in was started here"))
            check: object = expected_state
        elif pending is not None:
            check = pending.state
        else:
            return Failure(
                StateMismatch("matches no sign-in this object started (or it expired, or was used)")
            )
        redirect_uri = pending.redirect_uri if pending is not None else None
        return code_from_redirect(query, check).map(  # type: ignore[arg-type]
            lambda code: (code, redirect_uri)
        )

    def get_tokens_from_redirect(
        self, redirect: str, *, expected_state: str | None = _UNSET, network_session: object = None
    ) -> AccessToken:
        """Check the redirect's ``state``, then exchange its code and store the tokens.

        Without ``expected_state`` the state must be one this object issued and
        has not seen used (single use, 10 minutes). A web app passes the state
        it kept in the user's session as ``expected_state``: the redirect must
        carry exactly that one; ``expected_state=None`` (no sign-in started in
        that session) is refused, never a fallback to this object's memory. A
        missing or different state raises ``BoxStateMismatchError`` (a possible
        login CSRF) before any request.
        """
        return unwrap(
            self.get_tokens_from_redirect_result(
                redirect, expected_state=expected_state, network_session=network_session
            )
        )

    # -- renewal -----------------------------------------------------------------

    def _owner(self) -> Owner:
        # The user is not known until someone asks Box (users/me); None matches
        # any user of this app (boxauth.identity).
        return Owner(self.config.settings.client_id, "oauth_user", None)

    def _refresh(self, urls: BaseUrls, refresh_token: str) -> Result[Plan, AuthError]:
        return Success(RefreshGrant(urls, self.config.settings, refresh_token))
