"""Developer tokens: ``BoxDeveloperTokenAuth`` (docs/protocol.md#token-lifetimes).

A developer token lives 60 minutes and cannot be refreshed by an API call.
Revoking one needs the app's client id and secret (``DeveloperTokenConfig``);
without them ``revoke_token`` says so (box_sdk_gen raises AttributeError).
"""

from __future__ import annotations

from typing import Unpack

from returns.result import Failure, Result, Success

from ..access_token import AccessToken, check_token
from ..errors import AuthError, InvalidInput
from ..lifecycle import AuthKind
from .auth import AuthOptions, BaseAuth
from .configs import DeveloperTokenConfig
from .raising import unwrap
from .storage import InMemoryTokenStorage


class BoxDeveloperTokenAuth(BaseAuth):
    """Use a token you already have: a developer token or a downscoped one.

    ``token`` may be the token string, or an ``AccessToken`` (then its expiry
    is known and honoured, e.g. for a downscoped token).
    """

    kind = AuthKind.DEVELOPER

    def __init__(
        self,
        token: str | AccessToken,
        *,
        config: DeveloperTokenConfig | None = None,
        **options: Unpack[AuthOptions],
    ) -> None:
        if isinstance(token, str):
            # A token pasted from a file or terminal often ends in a newline;
            # outer whitespace is never part of a token, anything else is checked.
            token = AccessToken(access_token=token.strip())
        record = unwrap(check_token(token, "token"))
        self.config = config
        self._token = record
        super().__init__(token_storage=InMemoryTokenStorage(token=record), **options)

    @property
    def token(self) -> str | None:
        """The token this object was given (box_sdk_gen's attribute)."""
        return self._token.access_token

    def _client_credentials(self) -> Result[tuple[str, str], AuthError]:
        settings = self.config.settings if self.config is not None else None
        if settings is None or not settings.client_id or not settings.client_secret:
            return Failure(
                InvalidInput(
                    "config",
                    "revoking a developer token needs "
                    "DeveloperTokenConfig(client_id=..., client_secret=...)",
                )
            )
        return Success((settings.client_id, settings.client_secret))
