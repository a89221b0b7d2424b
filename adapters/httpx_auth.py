"""``BoxHttpxAuth``: Box tokens for httpx, with the core's 401 rule.

    import httpx
    from boxauth.adapters.httpx_auth import BoxHttpxAuth

    async with httpx.AsyncClient(auth=BoxHttpxAuth(aio_auth)) as http:
        me = (await http.get("https://api.box.com/2.0/users/me")).json()

One object works with ``httpx.Client`` and ``httpx.AsyncClient`` (asyncio),
for a ``boxauth`` or a ``boxauth.aio`` auth object: an aio object and its
sync twin share the machine and the lock, so renewals are single flight
whichever client asks. Each request runs ``api_flow`` (the flow of
``BoxClient``): it gets the ``Authorization: Bearer`` header; on a 401 that a
new token could fix (``boxauth.api_calls.after_answer``), the token is renewed
once, only if the rejected token is still the stored one, and the request is
sent once more. A request whose body cannot be sent twice (a stream, a
multipart upload) is not resent: the token is renewed and the 401 is
returned. The token goes only to the auth object's ``base_url`` and
``upload_url`` origins (``token_may_go_to``); a request elsewhere raises
``BoxConfigError`` and is not sent. A token that cannot be had raises the
typed error (``BoxAuthError``) from the request call.

httpx is an optional extra (``pip install 'boxauth[httpx]'``); ``import
boxauth`` never imports it.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from typing import Any

import httpx
from returns.result import Failure, Result, Success

from ..api_calls import token_may_go_to
from ..errors import AuthError, InvalidInput
from ..exceptions import BoxConfigError
from ..wire import HttpResponse
from .aio_auth import AsyncAuth
from .auth import BaseAuth
from .client import Ask, NeedToken, api_flow
from .raising import raise_error, unwrap


class BoxHttpxAuth(httpx.Auth):
    """An ``httpx.Auth`` over a ``boxauth`` or ``boxauth.aio`` auth object."""

    def __init__(self, auth: BaseAuth | AsyncAuth) -> None:
        if isinstance(auth, AsyncAuth):
            self._sync, self._async = auth._twin, auth
        elif isinstance(auth, BaseAuth):
            self._sync, self._async = auth, AsyncAuth._around(auth)
        else:
            raise BoxConfigError(
                InvalidInput("auth", "must be an auth object of boxauth or boxauth.aio")
            )
        self.auth = auth

    def __repr__(self) -> str:
        return f"BoxHttpxAuth({self.auth!r})"

    def __reduce__(self) -> Any:
        raise TypeError("BoxHttpxAuth holds secrets and cannot be pickled")

    def _checked(self, request: httpx.Request) -> None:
        if not token_may_go_to(self._sync.base_urls, str(request.url)):
            raise BoxConfigError(
                InvalidInput(
                    "url",
                    "is not at the auth object's base_url or upload_url origin; "
                    "a Box token is sent nowhere else",
                )
            )

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        self._checked(request)
        flow = api_flow(self._sync.kind, self._sync.effects.clock)
        ask: Ask = next(flow)
        try:
            while True:
                if isinstance(ask, NeedToken):
                    got = _token(self._sync, ask)
                    if ask.renew and not _resendable(request):
                        unwrap(got)
                        return
                    ask = flow.send(got)
                    continue
                _authorize(request, ask.token.access_token)
                response = yield request
                if response.status_code == 401:
                    response.read()
                ask = flow.send(Success(_answer(response)))
        except StopIteration as done:
            _raise_token_failure(ask, done.value)

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        self._checked(request)
        flow = api_flow(self._sync.kind, self._sync.effects.clock)
        ask: Ask = next(flow)
        try:
            while True:
                if isinstance(ask, NeedToken):
                    got = await _atoken(self._async, ask)
                    if ask.renew and not _resendable(request):
                        unwrap(got)
                        return
                    ask = flow.send(got)
                    continue
                _authorize(request, ask.token.access_token)
                response = yield request
                if response.status_code == 401:
                    await response.aread()
                ask = flow.send(Success(_answer(response)))
        except StopIteration as done:
            _raise_token_failure(ask, done.value)


def _token(auth: BaseAuth, ask: NeedToken) -> Result[Any, AuthError]:
    if ask.renew:
        return auth.refresh_token_result(replacing=ask.replacing)
    return auth.retrieve_token_result()


async def _atoken(auth: AsyncAuth, ask: NeedToken) -> Result[Any, AuthError]:
    if ask.renew:
        return await auth.refresh_token_result(replacing=ask.replacing)
    return await auth.retrieve_token_result()


def _authorize(request: httpx.Request, access_token: str | None) -> None:
    request.headers["Authorization"] = f"Bearer {access_token}"


def _resendable(request: httpx.Request) -> bool:
    """A body held in memory can be sent again; a stream or a multipart upload cannot."""
    return isinstance(request.stream, httpx.ByteStream)


def _answer(response: httpx.Response) -> HttpResponse:
    """What the core's 401 rule reads: the status, the headers, and a 401's body."""
    body = response.content if response.status_code == 401 else b""
    return HttpResponse(response.status_code, tuple(response.headers.multi_items()), body)


def _raise_token_failure(ask: Ask, result: Result[Any, AuthError]) -> None:
    """The flow ended. After a token step, a failure is why no token could be had:
    raise it. After a request, httpx returns the last response as it is."""
    if isinstance(ask, NeedToken) and isinstance(result, Failure):
        raise_error(result.failure())
