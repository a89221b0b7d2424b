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
returned. A 401's body is never read (``UNREAD``), and a 401 from a request
that did not carry the token (httpx dropped it on a redirect to another
origin) is returned as it is. The token goes only to the auth object's ``base_url`` and
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
from .client import Ask, NeedToken, SendWith, api_flow
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

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        steps = _Steps(self._sync, request)
        while steps.ask is not None:
            if isinstance(steps.ask, NeedToken):
                steps.got(_token(self._sync, steps.ask))
                continue
            response = yield steps.prepared(steps.ask)
            steps.answered(response)
            if steps.ask is not None:  # a retry follows: this 401's body is never read
                _drop_body(response).close()

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        steps = _Steps(self._sync, request)
        while steps.ask is not None:
            if isinstance(steps.ask, NeedToken):
                steps.got(await _atoken(self._async, steps.ask))
                continue
            response = yield steps.prepared(steps.ask)
            steps.answered(response)
            if steps.ask is not None:  # a retry follows: this 401's body is never read
                await _drop_body(response).aclose()


class _Steps:
    """One request's run of ``api_flow``, and what each step means for httpx; both
    flows above drive it, each with its own I/O. ``ask`` is None once it ended."""

    def __init__(self, auth: BaseAuth, request: httpx.Request) -> None:
        if not token_may_go_to(auth.base_urls, str(request.url)):
            raise BoxConfigError(
                InvalidInput(
                    "url",
                    "is not at the auth object's base_url or upload_url origin; "
                    "a Box token is sent nowhere else",
                )
            )
        self.request = request
        self.header = ""  # the Authorization value sent last
        self.flow = api_flow(auth.kind, auth.effects.clock)
        self.ask: Ask | None = next(self.flow)

    def got(self, token: Result[Any, AuthError]) -> None:
        """A token step's outcome. A renewal for a body that cannot be sent twice ends here."""
        if isinstance(self.ask, NeedToken) and self.ask.renew and not _resendable(self.request):
            unwrap(token)  # a failed renewal raises; a new token serves the next request
            self.ask = None
            return
        self._send(token)

    def prepared(self, ask: SendWith) -> httpx.Request:
        self.header = f"Bearer {ask.token.access_token}"
        self.request.headers["Authorization"] = self.header
        return self.request

    def answered(self, response: httpx.Response) -> None:
        if response.request.headers.get("authorization") != self.header:
            # httpx followed a redirect to another origin and dropped the header:
            # that origin's 401 says nothing about our token. Returned as it is.
            self.ask = None
            return
        self._send(Success(_answer(response)))

    def _send(self, outcome: Result[Any, AuthError]) -> None:
        try:
            self.ask = self.flow.send(outcome)
        except StopIteration as done:
            # After a token step, a failure is why no token could be had: raise it.
            # After a request, httpx returns the last response as it is.
            if isinstance(self.ask, NeedToken) and isinstance(done.value, Failure):
                raise_error(done.value.failure())
            self.ask = None


def _token(auth: BaseAuth, ask: NeedToken) -> Result[Any, AuthError]:
    if ask.renew:
        return auth.refresh_token_result(replacing=ask.replacing)
    return auth.retrieve_token_result()


async def _atoken(auth: AsyncAuth, ask: NeedToken) -> Result[Any, AuthError]:
    if ask.renew:
        return await auth.refresh_token_result(replacing=ask.replacing)
    return await auth.retrieve_token_result()


def _resendable(request: httpx.Request) -> bool:
    """A body held in memory can be sent again; a stream or a multipart upload cannot."""
    return isinstance(request.stream, httpx.ByteStream)


# A 401's body is never read here: a hostile or broken server could send one
# without end, slowly, or compressed many times over (httpx decompresses). The
# core's rule is shown an empty body only when the 401 declares one
# (``Content-Length: 0``), else a stand-in that is not blank; so a 401 is
# renewed for when its WWW-Authenticate says ``invalid_token`` (as Box's do)
# or its body is declared empty. A 401 not acted on is returned unread, for
# the caller to read under its own client's limits.
UNREAD = b"(not read)"


def _drop_body(response: httpx.Response) -> Any:
    """Swap a 401's body for an empty one before the retry (httpx reads each
    response it keeps in ``history``); return the original stream, to close."""
    stream = response.stream
    response.stream = httpx.ByteStream(b"")
    return stream


def _answer(response: httpx.Response) -> HttpResponse:
    """What the core's 401 rule reads: the status, the headers, and whether a 401's
    body is declared empty (it is never read)."""
    body = b""
    if response.status_code == 401 and response.headers.get("content-length") != "0":
        body = UNREAD
    return HttpResponse(response.status_code, tuple(response.headers.multi_items()), body)
