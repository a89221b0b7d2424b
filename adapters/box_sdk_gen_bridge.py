"""box_sdk_gen's own ``BoxClient`` (the whole Box API) on a boxauth auth object.

The recipe (README, "box_sdk_gen's full client (the bridge)")::

    from box_sdk_gen import BoxClient
    from boxauth.adapters.box_sdk_gen_bridge import BoxSDKGenAuth

    client = BoxClient(auth=BoxSDKGenAuth(auth))   # auth: any boxauth auth object

``BoxSDKGenAuth`` is a subclass of box_sdk_gen's ``Authentication``, so the
call type-checks, and it carries out box_sdk_gen's five auth methods with the
wrapped object's Result API. It decides nothing itself:

- renewal after a 401 (an expired or revoked token, developer.box.com/guides/
  api-calls/permissions-and-errors/common-errors/) is a compare-and-renew
  (``refresh_token_result(replacing=...)``, see ``refresh_token``), so a
  herd of threads hitting one rejected token makes one grant or refresh;
- box_sdk_gen's ``network_session`` goes through to the wrapped object, which
  honours it or refuses it (``boxauth.sessions``): its base URLs are used when
  the wrapped object has none of its own;
- an error value becomes box_sdk_gen's own exception type (``BoxAPIError``
  for an answer from Box, ``BoxSDKError`` for anything else), raised ``from``
  boxauth's exception for the same value (``boxauth.exceptions.exception_for``)
  and holding it as box_sdk_gen's ``.error``; built from values, never a secret;
- tokens are handed out as box_sdk_gen's ``AccessToken`` (a subclass whose
  repr shows no token).

box_sdk_gen is an optional dependency (``pip install 'boxauth[box-sdk-gen]'``);
only this module imports it, and ``import boxauth`` never imports this module.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any, NoReturn, Protocol, Unpack

from returns.result import Result, Success

try:
    from box_sdk_gen.box.errors import BoxAPIError, BoxSDKError, RequestInfo, ResponseInfo
    from box_sdk_gen.internal.logging import DataSanitizer
    from box_sdk_gen.networking.auth import Authentication
    from box_sdk_gen.networking.network import NetworkSession
    from box_sdk_gen.schemas.access_token import AccessToken as SdkAccessToken
except ImportError as missing:  # say which extra installs it
    raise ImportError(
        "the box_sdk_gen bridge needs box_sdk_gen: pip install 'boxauth[box-sdk-gen]'"
    ) from missing

from ..access_token import AccessToken
from ..errors import AuthError
from ..exceptions import BoxAPIError as OurAPIError
from ..exceptions import exception_for
from ..redaction import REDACTED
from ..sessions import call_settings
from ..urls import BaseUrls, revoke_url, token_url
from .call_options import DownscopeOptions

# The fields of box_sdk_gen's AccessToken (box_sdk_gen/schemas/access_token.py).
_SDK_FIELDS = (
    "access_token",
    "expires_in",
    "token_type",
    "restricted_to",
    "refresh_token",
    "issued_token_type",
)
_FORM = "application/x-www-form-urlencoded"


class ResultAuth(Protocol):
    """What the bridge needs of a boxauth auth object: its Result API.

    Every auth class (``BoxDeveloperTokenAuth``, ``BoxJWTAuth``,
    ``BoxCCGAuth``, ``BoxOAuth``) has it.
    """

    def retrieve_token_result(
        self, *, network_session: object = None
    ) -> Result[AccessToken, AuthError]: ...

    def refresh_token_result(
        self, *, replacing: AccessToken | None = None, network_session: object = None
    ) -> Result[AccessToken, AuthError]: ...

    def revoke_token_result(self, *, network_session: object = None) -> Result[None, AuthError]: ...

    def downscope_token_result(
        self, scopes: Iterable[str], **options: Unpack[DownscopeOptions]
    ) -> Result[AccessToken, AuthError]: ...


class BridgedAccessToken(SdkAccessToken):
    """box_sdk_gen's ``AccessToken``, whose repr (and str) shows no token.

    box_sdk_gen's repr prints ``to_dict()``, access and refresh token
    included; ours prints them as ``<redacted>``. ``to_dict()`` still holds
    both, as box_sdk_gen's does: token storages need them.
    """

    def __repr__(self) -> str:
        shown = {
            name: (REDACTED if name in ("access_token", "refresh_token") else value)
            for name, value in self.to_dict().items()
        }
        return f"{type(self).__name__}({shown})"


def sdk_token(token: AccessToken) -> SdkAccessToken:
    """Our token as box_sdk_gen's: its six fields, ``restricted_to`` as ``ResourceScope``s."""
    data = {k: v for k, v in token.to_dict().items() if k in _SDK_FIELDS}
    made: SdkAccessToken = BridgedAccessToken.from_dict(data)
    return made


class BoxSDKGenAuth(Authentication):
    """A boxauth auth object as box_sdk_gen's ``Authentication``.

    ``auth`` is any boxauth auth object (``BoxDeveloperTokenAuth``,
    ``BoxJWTAuth``, ``BoxCCGAuth``, ``BoxOAuth``); it is kept as ``.auth``
    for boxauth's own methods (sign-in, ``with_user_subject``, the Result API).
    A call made without ``network_session`` uses the wrapped object's own
    settings, as box_sdk_gen's auth classes use their defaults.
    """

    def __init__(self, auth: ResultAuth) -> None:
        # Authentication.__init__ does nothing (and is untyped): not called.
        self.auth = auth
        # The token this thread was last handed (see refresh_token).
        self._handed = threading.local()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.auth!r})"

    def __reduce__(self) -> Any:
        raise TypeError(f"{type(self).__name__} holds secrets and cannot be pickled")

    def _hand_out(self, result: Result[AccessToken, AuthError], session: object) -> AccessToken:
        if not isinstance(result, Success):
            _raise(result.failure(), self.auth, session, token_url)
        token: AccessToken = result.unwrap()
        self._handed.token = token
        return token

    def retrieve_token(self, *, network_session: NetworkSession | None = None) -> SdkAccessToken:
        """The current token, renewed first if boxauth's lifecycle rules say so."""
        found = self.auth.retrieve_token_result(network_session=network_session)
        return sdk_token(self._hand_out(found, network_session))

    def retrieve_authorization_header(
        self, *, network_session: NetworkSession | None = None
    ) -> str:
        """``Bearer <token>``: what box_sdk_gen puts on every API request."""
        found = self.auth.retrieve_token_result(network_session=network_session)
        return f"Bearer {self._hand_out(found, network_session).access_token}"

    def refresh_token(self, *, network_session: NetworkSession | None = None) -> SdkAccessToken:
        """A new token, unless another thread already replaced the one that failed.

        box_sdk_gen calls this after an API call answered 401, without saying
        which token failed. It is the token this thread was last handed: a
        box_sdk_gen ``BoxClient`` call runs on one thread, and each attempt
        asks for ``retrieve_authorization_header`` just before it is sent
        (``BoxNetworkClient._prepare_headers``) and calls ``refresh_token``
        from ``BoxRetryStrategy.should_retry`` right after its answer, before
        the next attempt asks again. So it is passed as ``replacing``: the
        wrapped object renews only if its storage still holds that token, and
        otherwise hands out the one another thread stored (64 threads, one
        rejected token: one grant). A thread that was never handed a token
        (``refresh_token()`` called directly) renews unconditionally, as
        box_sdk_gen does.
        """
        rejected: AccessToken | None = getattr(self._handed, "token", None)
        renewed = self.auth.refresh_token_result(
            replacing=rejected, network_session=network_session
        )
        return sdk_token(self._hand_out(renewed, network_session))

    def revoke_token(self, *, network_session: NetworkSession | None = None) -> None:
        """Revoke the wrapped object's token at Box, then clear its storage."""
        done = self.auth.revoke_token_result(network_session=network_session)
        if not isinstance(done, Success):
            _raise(done.failure(), self.auth, network_session, revoke_url)

    def downscope_token(
        self,
        scopes: list[str],
        *,
        resource: str | None = None,
        shared_link: str | None = None,
        network_session: NetworkSession | None = None,
    ) -> SdkAccessToken:
        """A narrower token for ``scopes`` (and ``resource`` or ``shared_link``); not stored.

        developer.box.com/guides/authentication/tokens/downscope/
        """
        narrowed = self.auth.downscope_token_result(
            scopes, resource=resource, shared_link=shared_link, network_session=network_session
        )
        if not isinstance(narrowed, Success):
            _raise(narrowed.failure(), self.auth, network_session, token_url)
        return sdk_token(narrowed.unwrap())


def _raise(
    error: AuthError, auth: object, session: object, endpoint: Callable[[BaseUrls], str]
) -> NoReturn:
    """box_sdk_gen's exception for ``error``, raised from boxauth's."""
    ours = exception_for(error)
    raise as_sdk_error(ours, lambda: _endpoint_url(auth, session, endpoint), session) from ours


def as_sdk_error(
    ours: Exception, url: Callable[[], str] = str, session: object = None
) -> BoxSDKError:
    """box_sdk_gen's exception for ours: ``BoxAPIError`` for Box's answer, else ``BoxSDKError``.

    ``BoxAPIError`` when ours is one (Box answered with an error status, our
    ``response_info`` set): box_sdk_gen's ``request_info`` names the token
    or revoke request (``url()``) without headers or body (they hold the
    client secret or a token), and its ``response_info`` is ours (five named
    headers, Box's documented error fields, no raw body). Anything else (no
    answer, an answer we cannot use, a bad setting, the storage, a sign-in
    needed) is a ``BoxSDKError``, as box_sdk_gen raises for a request that
    got no answer. The message is ours: built from values, it holds no secret.
    """
    message = str(ours)
    info = getattr(ours, "response_info", None)
    if not isinstance(ours, OurAPIError) or info is None:
        return BoxSDKError(message=message, error=ours)
    sanitizer = getattr(session, "data_sanitizer", None)
    return BoxAPIError(
        request_info=RequestInfo(
            method="POST", url=url(), query_params={}, headers={}, body=None, content_type=_FORM
        ),
        response_info=ResponseInfo(
            status_code=info.status_code,
            headers=dict(info.headers),
            body=dict(info.body) if info.body else None,
            raw_body=None,
            code=info.code,
            context_info=None,
            request_id=info.request_id,
            help_url=info.help_url,
        ),
        message=message,
        error=ours,
        data_sanitizer=sanitizer if isinstance(sanitizer, DataSanitizer) else None,
    )


def _endpoint_url(auth: object, session: object, endpoint: Callable[[BaseUrls], str]) -> str:
    """Where the failed request went: the core's rule for a session's base URLs, applied."""
    urls = getattr(auth, "base_urls", None)
    if not isinstance(urls, BaseUrls):
        return ""
    # The shell records whether it was given base_urls (BaseAuth._own_urls);
    # without that record, its own URLs are the ones it used.
    own = getattr(auth, "_own_urls", True) is not False
    chosen = call_settings(session, urls=urls, own_urls=own, deadline=1.0, proxy_url=None)
    return endpoint(chosen.unwrap().urls if isinstance(chosen, Success) else urls)
