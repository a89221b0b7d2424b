"""The small Box client of ``boxauth.adapters.client``, awaited.

The same flow (``api_flow``: a token, the request, and on a 401 a new token
could fix, one renewal and one retry), driven here with awaits: the token
comes from the aio auth object, the request goes through the auth object's
transport in a thread. One deadline bounds the whole call.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Unpack

from returns.result import Failure, Result, Success

from ..api_calls import api_request
from ..errors import AuthError
from ..urls import BaseUrls, validate_base_urls
from ..wire import HttpResponse
from . import plugins
from .aio_auth import AsyncAuth, total
from .aio_threads import elsewhere
from .auth import BaseAuth
from .call_options import RequestOptions, unknown_option
from .client import (
    ApiFlow,
    Ask,
    Items,
    NeedToken,
    User,
    api_flow,
    folder_items_call,
    items_of,
    json_object,
    raised,
    user_of,
)
from .raising import unwrap


async def drive(
    flow: ApiFlow, carry_out: Callable[[Ask], Awaitable[Result[Any, AuthError]]]
) -> Result[HttpResponse, AuthError]:
    """Run ``flow`` to its end, awaiting each step it asks for."""
    try:
        ask = next(flow)
        while True:
            ask = flow.send(await carry_out(ask))
    except StopIteration as done:
        result: Result[HttpResponse, AuthError] = done.value
        return result


class UsersManager:
    def __init__(self, client: BoxClient) -> None:
        self._client = client

    async def get_user_me(self) -> User:
        """GET /2.0/users/me: who the token belongs to."""
        return user_of(await self._client.request_json("GET", "users/me"))


class FoldersManager:
    def __init__(self, client: BoxClient) -> None:
        self._client = client

    async def get_folder_items(self, folder_id: str, *, limit: int = 100, offset: int = 0) -> Items:
        """GET /2.0/folders/{id}/items (one page)."""
        path, params = folder_items_call(folder_id, limit, offset)
        return items_of(await self._client.request_json("GET", path, params=params))


class BoxClient:
    """``BoxClient(auth=...)`` over an aio auth object (a sync one is wrapped)."""

    def __init__(self, auth: AsyncAuth | BaseAuth, *, base_urls: BaseUrls | None = None) -> None:
        self.auth = auth if isinstance(auth, AsyncAuth) else AsyncAuth._around(auth)
        self.base_urls = unwrap(validate_base_urls(base_urls)) if base_urls else auth.base_urls
        self.users = UsersManager(self)
        self.folders = FoldersManager(self)

    def __repr__(self) -> str:
        return f"BoxClient(auth={self.auth!r})"

    async def request_result(
        self, method: str, path: str, **options: Unpack[RequestOptions]
    ) -> Result[HttpResponse, AuthError]:
        """``{base_url}/2.0/{path}``: the answer, or why not (a 4xx/5xx is a BoxRefused)."""
        auth = self.auth
        twin = auth._twin

        async def attempt() -> Result[HttpResponse, AuthError]:
            unknown = unknown_option(options, RequestOptions, "request")
            if unknown is not None:
                return Failure(unknown)
            begun = twin._begin()  # inside total: a user's transport or clock may raise here
            if not isinstance(begun, Success):
                return Failure(begun.failure())
            call = begun.unwrap()

            async def carry_out(ask: Ask) -> Result[Any, AuthError]:
                if isinstance(ask, NeedToken):
                    return await auth._obtain(call, forced=ask.renew, replacing=ask.replacing)
                request = api_request(self.base_urls, method, path, ask.token, **options)
                if not isinstance(request, Success):
                    return Failure(request.failure())
                job = elsewhere(lambda: plugins.send(twin.transport, request.unwrap(), call.left()))
                return await asyncio.wrap_future(job)

            return await drive(api_flow(twin.kind, twin.effects.clock), carry_out)

        return await total(attempt)

    async def request(
        self, method: str, path: str, **options: Unpack[RequestOptions]
    ) -> HttpResponse:
        """Call ``{base_url}/2.0/{path}``. Raises BoxAPIError on a non-2xx answer."""
        return raised(await self.request_result(method, path, **options))

    async def request_json(
        self, method: str, path: str, **options: Unpack[RequestOptions]
    ) -> dict[str, Any]:
        return json_object(await self.request(method, path, **options))
