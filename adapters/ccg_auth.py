"""Client Credentials Grant: ``BoxCCGAuth`` (box_sdk_gen's name; protocol notes §1)."""

from __future__ import annotations

from returns.result import Result, Success

from ..errors import AuthError
from ..lifecycle import AuthKind
from ..token_requests import Grant, TokenRequest, client_credentials_request
from .auth import SubjectAuth
from .calls import Build
from .configs import CCGConfig


class BoxCCGAuth(SubjectAuth):
    """Tokens for a Service Account or a user, by client id and secret."""

    kind = AuthKind.CCG
    config: CCGConfig

    def _grant_request(self) -> tuple[Grant, Build]:
        settings = self.config.settings

        def build(_now: float, _skew: float) -> Result[TokenRequest, AuthError]:
            return Success(client_credentials_request(self.base_urls, settings))

        return Grant.CLIENT_CREDENTIALS, build
