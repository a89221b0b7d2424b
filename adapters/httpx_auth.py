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
            if response.status_code == 401:  # the core's rule reads a 401's body
                response.stream = _Bounded(response.stream, _ends(self._sync))
                try:
                    response.read()
                except _LeftUnreadError:
                    response.close()
            steps.answered(response)

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        steps = _Steps(self._sync, request)
        while steps.ask is not None:
            if isinstance(steps.ask, NeedToken):
                steps.got(await _atoken(self._async, steps.ask))
                continue
            response = yield steps.prepared(steps.ask)
            if response.status_code == 401:  # the core's rule reads a 401's body
                response.stream = _ABounded(response.stream, _ends(self._sync))
                try:
                    await response.aread()
                except _LeftUnreadError:
                    await response.aclose()
            steps.answered(response)


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
        self.request.headers["Authorization"] = f"Bearer {ask.token.access_token}"
        return self.request

    def answered(self, response: httpx.Response) -> None:
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


# A 401's body is read for the core's rule (is it blank?), at most this much
# and only until the auth object's deadline: past either, it is left unread
# and the response is returned closed, status and headers intact. Box's 401s
# are empty or a short JSON error.
MAX_401_BODY = 64 * 1024
# What the rule is shown for a body left unread: not blank, since it was not
# seen to be (only a 401 whose WWW-Authenticate says invalid_token is renewed).
UNREAD = b"(not read: over 64 KiB, or still arriving at the deadline)"


class _LeftUnreadError(Exception):
    """A 401's body went past MAX_401_BODY or the deadline while being read."""


def _ends(auth: BaseAuth) -> tuple[float, Any]:
    """When reading a 401's body must stop (the auth object's deadline from now)."""
    monotonic = auth.effects.monotonic
    return monotonic() + auth._deadline, monotonic


class _Bounded(httpx.SyncByteStream):
    """A response stream that stops (``_LeftUnreadError``) past MAX_401_BODY or the deadline."""

    def __init__(self, inner: Any, ends: tuple[float, Any]) -> None:
        self.inner, (self.ends, self.monotonic) = inner, ends

    def __iter__(self) -> Any:
        seen = 0
        for chunk in self.inner:
            seen += len(chunk)
            if seen > MAX_401_BODY or self.monotonic() > self.ends:
                raise _LeftUnreadError
            yield chunk

    def close(self) -> None:
        self.inner.close()


class _ABounded(httpx.AsyncByteStream):
    """``_Bounded`` for ``httpx.AsyncClient``."""

    def __init__(self, inner: Any, ends: tuple[float, Any]) -> None:
        self.inner, (self.ends, self.monotonic) = inner, ends

    async def __aiter__(self) -> Any:
        seen = 0
        async for chunk in self.inner:
            seen += len(chunk)
            if seen > MAX_401_BODY or self.monotonic() > self.ends:
                raise _LeftUnreadError
            yield chunk

    async def aclose(self) -> None:
        await self.inner.aclose()


def _answer(response: httpx.Response) -> HttpResponse:
    """What the core's 401 rule reads: the status, the headers, and a 401's body."""
    body = b""
    if response.status_code == 401:
        body = response.content if _was_read(response) else UNREAD
    return HttpResponse(response.status_code, tuple(response.headers.multi_items()), body)


def _was_read(response: httpx.Response) -> bool:
    try:
        response.content  # noqa: B018 - raises ResponseNotRead if it was left unread
    except httpx.ResponseNotRead:
        return False
    return True
