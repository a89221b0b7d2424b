"""A small authenticated Box client: enough for the guide's snippets.

For the whole Box API, use box_sdk_gen's own ``BoxClient`` with our auth
through ``boxauth.adapters.box_sdk_gen_bridge``. This one sends ``Authorization:
Bearer`` and follows the core's rule for a 401 (``boxauth.api_calls``): renew
once, if a new token could help and the rejected one is still stored, and retry
once. One deadline bounds the whole call: the token, the request, the renewal
and the retry.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, Unpack

from returns.result import Failure, Result, Success

from ..access_token import AccessToken
from ..api_calls import Accept, Reject, RenewAndRetry, after_answer, api_request, item_path
from ..errors import AuthError, BoxRefused, malformed
from ..exceptions import BoxAPIError, BoxMalformedResponseError
from ..lifecycle import AuthKind
from ..urls import BaseUrls, validate_base_urls
from ..wire import HttpResponse
from . import plugins
from .auth import BaseAuth, _total
from .call_options import RequestOptions, unknown_option
from .raising import unwrap


@dataclass(frozen=True, slots=True)
class User:
    id: str
    type: str
    name: str | None = None
    login: str | None = None


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    type: str
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Items:
    entries: tuple[Item, ...]
    total_count: int | None = None


def _text(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) else None


@dataclass(frozen=True, slots=True)
class NeedToken:
    """The flow wants the current token, or with ``renew`` a new one to replace
    ``replacing`` (unless another caller already replaced it)."""

    renew: bool = False
    replacing: AccessToken | None = None


@dataclass(frozen=True, slots=True)
class SendWith:
    """The flow wants the request sent with this token; answer with the response."""

    token: AccessToken


Ask = NeedToken | SendWith
ApiFlow = Generator[Ask, Result[Any, AuthError], Result[HttpResponse, AuthError]]


def api_flow(kind: AuthKind, clock: Callable[[], float]) -> ApiFlow:
    """One API call by the core's 401 rule (``boxauth.api_calls.after_answer``).

    A generator of what to do next, so every shell (this client, the asyncio one,
    ``BoxHttpxAuth``) drives the same steps with its own effects: a token, the
    request, and on a 401 a new token could fix, one renewal and one retry.
    """
    got = yield NeedToken()
    retried = False
    while True:
        if not isinstance(got, Success):
            return Failure(got.failure())
        token: AccessToken = got.unwrap()
        sent = yield SendWith(token)
        if not isinstance(sent, Success):
            return Failure(sent.failure())
        resp: HttpResponse = sent.unwrap()
        match after_answer(resp, token, kind, retried=retried, now=clock()):
            case Accept():
                return Success(resp)
            case RenewAndRetry(rejected=rejected):
                got = yield NeedToken(renew=True, replacing=rejected)
                retried = True
                continue
            case Reject(error=error):
                return Failure(error)
        return Failure(malformed("no verdict"))


def drive(
    flow: ApiFlow, carry_out: Callable[[Ask], Result[Any, AuthError]]
) -> Result[HttpResponse, AuthError]:
    """Run ``flow`` to its end, carrying out each step it asks for."""
    try:
        ask = next(flow)
        while True:
            ask = flow.send(carry_out(ask))
    except StopIteration as done:
        result: Result[HttpResponse, AuthError] = done.value
        return result


def user_of(data: dict[str, Any]) -> User:
    """The answer of GET /2.0/users/me."""
    ident, kind = _text(data, "id"), _text(data, "type")
    if ident is None or kind is None:
        raise BoxMalformedResponseError(malformed("users/me answer lacks id or type"))
    return User(ident, kind, _text(data, "name"), _text(data, "login"))


def folder_items_call(folder_id: str, limit: int, offset: int) -> tuple[str, dict[str, Any]]:
    """The path and query of GET /2.0/folders/{id}/items (one page)."""
    return f"{item_path('folders', folder_id)}/items", {"limit": limit, "offset": offset}


def items_of(data: dict[str, Any]) -> Items:
    """The answer of GET /2.0/folders/{id}/items."""
    raw = data.get("entries")
    if not isinstance(raw, list):
        raise BoxMalformedResponseError(malformed("folder items answer lacks entries"))
    entries = tuple(
        Item(e["id"], e["type"], _text(e, "name"))
        for e in raw
        if isinstance(e, dict) and isinstance(e.get("id"), str) and isinstance(e.get("type"), str)
    )
    total = data.get("total_count")
    return Items(entries, total if isinstance(total, int) else None)


def json_object(resp: HttpResponse) -> dict[str, Any]:
    """An API answer's JSON object body (BoxMalformedResponseError if it is not one)."""
    try:
        data = json.loads(resp.body)
    except (ValueError, RecursionError):
        data = None
    if not isinstance(data, dict):
        raise BoxMalformedResponseError(malformed("API answer is not a JSON object", resp.status))
    return data


def raised(result: Result[HttpResponse, AuthError]) -> HttpResponse:
    """The answer, or the exception: BoxAPIError for Box's non-2xx answer."""
    if isinstance(result, Failure) and _is_api_refusal(result.failure()):
        raise BoxAPIError(result.failure()) from None
    return unwrap(result)


class UsersManager:
    def __init__(self, client: BoxClient) -> None:
        self._client = client

    def get_user_me(self) -> User:
        """GET /2.0/users/me: who the token belongs to."""
        return user_of(self._client.request_json("GET", "users/me"))


class FoldersManager:
    def __init__(self, client: BoxClient) -> None:
        self._client = client

    def get_folder_items(self, folder_id: str, *, limit: int = 100, offset: int = 0) -> Items:
        """GET /2.0/folders/{id}/items (one page)."""
        path, params = folder_items_call(folder_id, limit, offset)
        return items_of(self._client.request_json("GET", path, params=params))


class BoxClient:
    """``BoxClient(auth=...)``; ``base_urls`` defaults to the auth object's."""

    def __init__(self, auth: BaseAuth, *, base_urls: BaseUrls | None = None) -> None:
        self.auth = auth
        self.base_urls = unwrap(validate_base_urls(base_urls)) if base_urls else auth.base_urls
        self.users = UsersManager(self)
        self.folders = FoldersManager(self)

    def __repr__(self) -> str:
        return f"BoxClient(auth={self.auth!r})"

    def request_result(
        self, method: str, path: str, **options: Unpack[RequestOptions]
    ) -> Result[HttpResponse, AuthError]:
        """``{base_url}/2.0/{path}``: the answer, or why not (a 4xx/5xx is a BoxRefused)."""
        auth = self.auth

        def attempt() -> Result[HttpResponse, AuthError]:
            unknown = unknown_option(options, RequestOptions, "request")
            if unknown is not None:
                return Failure(unknown)
            begun = auth._begin()  # inside _total: a user's transport or clock may raise here
            if not isinstance(begun, Success):
                return Failure(begun.failure())
            call = begun.unwrap()

            def carry_out(ask: Ask) -> Result[Any, AuthError]:
                if isinstance(ask, NeedToken):
                    return auth._obtain(call, forced=ask.renew, replacing=ask.replacing)
                request = api_request(self.base_urls, method, path, ask.token, **options)
                if not isinstance(request, Success):
                    return Failure(request.failure())
                return plugins.send(auth.transport, request.unwrap(), call.left())

            return drive(api_flow(auth.kind, auth.effects.clock), carry_out)

        return _total(attempt)

    def request(self, method: str, path: str, **options: Unpack[RequestOptions]) -> HttpResponse:
        """Call ``{base_url}/2.0/{path}``. Raises BoxAPIError on a non-2xx answer."""
        return raised(self.request_result(method, path, **options))

    def request_json(
        self, method: str, path: str, **options: Unpack[RequestOptions]
    ) -> dict[str, Any]:
        return json_object(self.request(method, path, **options))


def _is_api_refusal(error: AuthError) -> bool:
    return isinstance(error, BoxRefused) and error.status >= 400
