"""The aio auth classes, with box_sdk_gen's names and the sync classes' constructors.

Each builds its sync twin from the same arguments (so configs, storages and
every check are the sync class's own) and awaits what may block. Nothing that
only computes (``get_authorize_url``, ``with_user_subject``) is a coroutine.

Building a ``BoxJWTAuth`` decrypts the private key once per config, as the sync
class does (tens of milliseconds of CPU): build it at start-up, or with
``asyncio.to_thread``.
"""

from __future__ import annotations

from typing import ClassVar, Self, Unpack

from returns.result import Failure, Result, Success

from ..access_token import AccessToken
from ..errors import AuthError
from ..grants import CodeGrant
from ..lifecycle import AuthKind, SignInWanted
from .aio_auth import AsyncAuth, total
from .auth import AuthOptions, SubjectAuth, _token
from .ccg_auth import BoxCCGAuth as SyncCCGAuth
from .configs import CCGConfig, DeveloperTokenConfig, JWTConfig, OAuthConfig
from .developer_token_auth import BoxDeveloperTokenAuth as SyncDeveloperTokenAuth
from .jwt_auth import BoxJWTAuth as SyncJWTAuth
from .oauth import _UNSET, GetAuthorizeUrlOptions
from .oauth import BoxOAuth as SyncOAuth
from .raising import unwrap
from .sending import Call
from .storage import TokenStorage


class BoxDeveloperTokenAuth(AsyncAuth):
    """Use a token you already have (``boxauth.BoxDeveloperTokenAuth``, awaited)."""

    kind: ClassVar[AuthKind] = AuthKind.DEVELOPER
    _twin: SyncDeveloperTokenAuth

    def __init__(
        self,
        token: str | AccessToken,
        *,
        config: DeveloperTokenConfig | None = None,
        **options: Unpack[AuthOptions],
    ) -> None:
        self._bind(SyncDeveloperTokenAuth(token, config=config, **options))

    @property
    def token(self) -> str | None:
        """The token this object was given (box_sdk_gen's attribute)."""
        return self._twin.token

    @property
    def config(self) -> DeveloperTokenConfig | None:
        return self._twin.config


class _SubjectAuth(AsyncAuth):
    """JWT and CCG: the same app can act as the Service Account or as a user."""

    _twin: SubjectAuth

    @property
    def subject_type(self) -> str:
        """``enterprise`` or ``user`` (box_sdk_gen's attribute)."""
        return self._twin.subject_type

    @property
    def subject_id(self) -> str:
        """The enterprise or user id this object acts as (box_sdk_gen's attribute)."""
        return self._twin.subject_id

    def with_user_subject(self, user_id: str, *, token_storage: TokenStorage | None = None) -> Self:
        """A new auth object acting as ``user_id``; this one is left unchanged."""
        return self._around(self._twin.with_user_subject(user_id, token_storage=token_storage))

    def with_enterprise_subject(
        self, enterprise_id: str, *, token_storage: TokenStorage | None = None
    ) -> Self:
        """A new auth object acting as the enterprise's Service Account."""
        twin = self._twin.with_enterprise_subject(enterprise_id, token_storage=token_storage)
        return self._around(twin)


class BoxJWTAuth(_SubjectAuth):
    """Tokens by signed JWT assertion (``boxauth.BoxJWTAuth``, awaited); signed off the loop."""

    kind: ClassVar[AuthKind] = AuthKind.JWT
    _twin: SyncJWTAuth

    def __init__(self, config: JWTConfig, **options: Unpack[AuthOptions]) -> None:
        self._bind(SyncJWTAuth(config, **options))

    @property
    def config(self) -> JWTConfig:
        return self._twin.config


class BoxCCGAuth(_SubjectAuth):
    """Tokens by client id and secret (``boxauth.BoxCCGAuth``, awaited)."""

    kind: ClassVar[AuthKind] = AuthKind.CCG
    _twin: SyncCCGAuth

    def __init__(self, config: CCGConfig, **options: Unpack[AuthOptions]) -> None:
        self._bind(SyncCCGAuth(config, **options))

    @property
    def config(self) -> CCGConfig:
        return self._twin.config


class BoxOAuth(AsyncAuth):
    """OAuth 2.0 for a user who signed in (``boxauth.BoxOAuth``, awaited).

    The authorize requests made here (their ``state``) are the twin's, so a
    redirect is checked the same way whichever object made the URL.
    """

    kind: ClassVar[AuthKind] = AuthKind.OAUTH
    _twin: SyncOAuth

    def __init__(self, config: OAuthConfig, **options: Unpack[AuthOptions]) -> None:
        self._bind(SyncOAuth(config, **options))

    @property
    def config(self) -> OAuthConfig:
        return self._twin.config

    def get_authorize_url_result(
        self, options: GetAuthorizeUrlOptions | None = None
    ) -> Result[str, AuthError]:
        return self._twin.get_authorize_url_result(options)

    def get_authorize_url(
        self, *, options: GetAuthorizeUrlOptions | None = None, network_session: object = None
    ) -> str:
        """The URL to send the user to (no I/O: not a coroutine)."""
        return self._twin.get_authorize_url(options=options, network_session=network_session)

    async def _exchange(
        self, code: str, redirect_uri: str | None, network_session: object = None
    ) -> Result[AccessToken, AuthError]:
        """Exchange the code under the locks; a failed save is reported (the tokens are kept)."""
        twin = self._twin

        async def exchange(call: Call) -> Result[AccessToken, AuthError]:
            plan = CodeGrant(call.urls, twin.config.settings, redirect_uri, code)
            clock = twin.effects.clock
            return _token(await self._run(lambda s: SignInWanted(s, clock()), call, code=plan))

        return await self._called(network_session, exchange)

    async def get_tokens_authorization_code_grant_result(
        self, authorization_code: str, *, network_session: object = None
    ) -> Result[AccessToken, AuthError]:
        return await total(lambda: self._exchange(authorization_code, None, network_session))

    async def get_tokens_authorization_code_grant(
        self, authorization_code: str, *, network_session: object = None
    ) -> AccessToken:
        """Exchange the code from the redirect for tokens, and store them (no state check:
        prefer ``get_tokens_from_redirect``)."""
        return unwrap(
            await self.get_tokens_authorization_code_grant_result(
                authorization_code, network_session=network_session
            )
        )

    async def get_tokens_from_redirect_result(
        self, redirect: str, *, expected_state: str | None = _UNSET, network_session: object = None
    ) -> Result[AccessToken, AuthError]:
        async def redeem() -> Result[AccessToken, AuthError]:
            redeemed = self._twin._redeemed(redirect, expected_state)
            if not isinstance(redeemed, Success):
                return Failure(redeemed.failure())
            code, redirect_uri = redeemed.unwrap()
            return await self._exchange(code, redirect_uri, network_session)

        return await total(redeem)

    async def get_tokens_from_redirect(
        self, redirect: str, *, expected_state: str | None = _UNSET, network_session: object = None
    ) -> AccessToken:
        """Check the redirect's ``state`` (as ``boxauth.BoxOAuth.get_tokens_from_redirect``
        does), then exchange its code and store the tokens."""
        return unwrap(
            await self.get_tokens_from_redirect_result(
                redirect, expected_state=expected_state, network_session=network_session
            )
        )
