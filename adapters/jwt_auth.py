"""JWT server auth: ``BoxJWTAuth`` (box_sdk_gen's name).

The private key is decrypted once per config, when the first auth object is
built from it, and shared by ``with_*`` copies (box_sdk_gen decrypts it on
every token fetch, about 50 ms each).
"""

from __future__ import annotations

from typing import Any

from returns.result import Result

from ..errors import AuthError
from ..jwt import make_assertion
from ..lifecycle import AuthKind
from ..token_requests import Grant, TokenRequest, jwt_request
from .auth import SubjectAuth
from .calls import Build
from .configs import JWTConfig


class BoxJWTAuth(SubjectAuth):
    """Tokens for a Service Account or a user, by signed JWT assertion (§3)."""

    kind = AuthKind.JWT
    config: JWTConfig

    def __init__(self, config: JWTConfig, **shell: Any) -> None:
        super().__init__(config, **shell)
        self._sign = config.signer()

    def _grant_request(self) -> tuple[Grant, Build]:
        settings = self.config.settings

        def build(now: float, skew: float) -> Result[TokenRequest, AuthError]:
            jti = self.effects.new_jti()
            assertion = make_assertion(settings, self._sign, now=now, jti=jti, skew=skew)
            return assertion.map(
                lambda a: jwt_request(self.base_urls, settings.client_id, settings.client_secret, a)
            )

        return Grant.JWT, build
