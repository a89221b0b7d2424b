"""JWT server auth: ``BoxJWTAuth`` (box_sdk_gen's name).

The private key is decrypted once per config, when the first auth object is
built from it, and shared by ``with_*`` copies (box_sdk_gen decrypts it on
every token fetch, about 50 ms each).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Unpack

from returns.result import Result, Success

from ..errors import AuthError
from ..grants import JwtGrant, Plan
from ..lifecycle import AuthKind
from ..urls import BaseUrls
from .auth import AuthOptions, SubjectAuth
from .configs import JWTConfig


class BoxJWTAuth(SubjectAuth):
    """Tokens for a Service Account or a user, by signed JWT assertion.

    https://developer.box.com/guides/authentication/jwt/without-sdk/
    """

    kind = AuthKind.JWT
    config: JWTConfig

    def __init__(self, config: JWTConfig, **options: Unpack[AuthOptions]) -> None:
        self._key = config.signer()  # decrypted once per config; fails fast on a bad key
        super().__init__(config, **options)

    def _grant(self, urls: BaseUrls) -> Result[Plan, AuthError]:
        return Success(JwtGrant(urls, self.config.settings))

    def _signer(self) -> Callable[[bytes], object]:
        return self._key
