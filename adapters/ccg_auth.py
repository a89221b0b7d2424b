"""Client Credentials Grant: ``BoxCCGAuth`` (box_sdk_gen's name).

https://developer.box.com/guides/authentication/client-credentials/
"""

from __future__ import annotations

from returns.result import Result, Success

from ..errors import AuthError
from ..grants import CcgGrant, Plan
from ..lifecycle import AuthKind
from ..urls import BaseUrls
from .auth import SubjectAuth
from .configs import CCGConfig


class BoxCCGAuth(SubjectAuth):
    """Tokens for a Service Account or a user, by client id and secret."""

    kind = AuthKind.CCG
    config: CCGConfig

    def _grant(self, urls: BaseUrls) -> Result[Plan, AuthError]:
        return Success(CcgGrant(urls, self.config.settings))
