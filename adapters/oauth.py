"""OAuth 2.0 authorization code flow: ``BoxOAuth`` (protocol notes §1, §5, §7).

The refresh token is single use: each refresh burns it and returns a new pair.
That is why every refresh runs under the storage's lock and is never retried
once it may have reached Box (see ``boxauth.retry``): a retry, or a second
process refreshing with the same token, would get invalid_grant and strand the
user.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from returns.result import Failure, Result, Success

from ..access_token import AccessToken
from ..authorize import (
    AuthorizeRequest,
    authorize_url,
    code_from_redirect,
    parse_redirect_query,
    query_of_redirect,
    state_matches,
)
from ..errors import AuthError, InvalidInput
from ..grants import CodeGrant, Plan, RefreshGrant
from ..identity import Owner
from ..lifecycle import AuthKind, SignInWanted
from ..urls import BaseUrls
from .auth import BaseAuth, _token, _total
from .configs import OAuthConfig
from .raising import unwrap
from .sending import Call

# Authorize requests whose redirect has not come back yet, newest last.
MAX_PENDING = 64


@dataclass(frozen=True, slots=True, kw_only=True)
class GetAuthorizeUrlOptions:
    """box_sdk_gen's options for ``get_authorize_url``. ``scope`` may be a list."""

    client_id: str | None = None
    redirect_uri: str | None = None
    response_type: str | None = None
    state: str | None = None
    scope: str | Sequence[str] | None = None


def _scopes(scope: str | Sequence[str] | None) -> tuple[str, ...]:
    if scope is None:
        return ()
    if isinstance(scope, str):
        return tuple(scope.split())
    return tuple(scope)


class BoxOAuth(BaseAuth):
    """Tokens for a Box user who signed in and approved the app."""

    kind = AuthKind.OAUTH

    def __init__(self, config: OAuthConfig, **shell: Any) -> None:
        self.config = config
        super().__init__(token_storage=config.token_storage, **shell)
        self._pending: OrderedDict[str, str | None] = OrderedDict()
        # Its own lock: a state lookup must never wait behind a renewal.
        self._states_lock = threading.Lock()

    # -- authorize ---------------------------------------------------------------

    def get_authorize_url_result(
        self, options: GetAuthorizeUrlOptions | None = None
    ) -> Result[str, AuthError]:
        opts = options or GetAuthorizeUrlOptions()
        state = opts.state or self.effects.new_state()
        request = AuthorizeRequest(
            client_id=opts.client_id or self.config.settings.client_id,
            redirect_uri=opts.redirect_uri,
            state=state,
            scopes=_scopes(opts.scope),
            response_type=opts.response_type or "code",
        )
        url = authorize_url(self.base_urls, request)
        if isinstance(url, Success):
            with self._states_lock:
                self._pending[state] = opts.redirect_uri
                while len(self._pending) > MAX_PENDING:
                    self._pending.popitem(last=False)
        return url

    def get_authorize_url(
        self, *, options: GetAuthorizeUrlOptions | None = None, network_session: object = None
    ) -> str:
        """The URL to send the user to. A state is generated and remembered if none is given."""
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

    def get_tokens_from_redirect_result(self, redirect: str) -> Result[AccessToken, AuthError]:
        return self._redeemed(redirect).bind(lambda got: self._exchange(*got))

    def _redeemed(self, redirect: str) -> Result[tuple[str, str | None], AuthError]:
        """The code of a redirect whose state matches an authorize request made here
        (that request is forgotten), and that request's redirect_uri."""
        found = query_of_redirect(redirect)
        if not isinstance(found, Success):
            return Failure(found.failure())
        query = found.unwrap()
        parsed = parse_redirect_query(query)
        if not isinstance(parsed, Success):
            return Failure(parsed.failure())
        received = parsed.unwrap().state
        with self._states_lock:
            expected = next((s for s in self._pending if state_matches(s, received)), None)
            if expected is not None:
                redirect_uri = self._pending.pop(expected)
        if expected is None:
            return Failure(
                InvalidInput(
                    "state",
                    "is missing or matches no authorize request of this object (possible CSRF)",
                )
            )
        return code_from_redirect(query, expected).map(lambda code: (code, redirect_uri))

    def get_tokens_from_redirect(self, redirect: str) -> AccessToken:
        """Check the redirect's ``state`` against the authorize requests made here,
        then exchange its code. Refuses a missing or unknown state (CSRF)."""
        return unwrap(self.get_tokens_from_redirect_result(redirect))

    # -- renewal -----------------------------------------------------------------

    def _owner(self) -> Owner:
        # The user is not known until someone asks Box (users/me); None matches
        # any user of this app (boxauth.identity).
        return Owner(self.config.settings.client_id, "oauth_user", None)

    def _refresh(self, urls: BaseUrls, refresh_token: str) -> Result[Plan, AuthError]:
        return Success(RefreshGrant(urls, self.config.settings, refresh_token))
