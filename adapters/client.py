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
from dataclasses import dataclass
from typing import Any

from returns.result import Failure, Result, Success

from ..api_calls import Accept, Reject, RenewAndRetry, after_answer, api_request, item_path
from ..errors import AuthError, BoxRefused, malformed
from ..exceptions import BoxAPIError, BoxMalformedResponseError
from ..urls import BaseUrls, validate_base_urls
from ..wire import HttpResponse
from . import plugins
from .auth import BaseAuth, _total
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


class UsersManager:
    def __init__(self, client: BoxClient) -> None:
        self._client = client

    def get_user_me(self) -> User:
        """GET /2.0/users/me: who the token belongs to."""
        data = self._client.request_json("GET", "users/me")
        ident, kind = _text(data, "id"), _text(data, "type")
        if ident is None or kind is None:
            raise BoxMalformedResponseError(malformed("users/me answer lacks id or type"))
        return User(ident, kind, _text(data, "name"), _text(data, "login"))


class FoldersManager:
    def __init__(self, client: BoxClient) -> None:
        self._client = client

    def get_folder_items(self, folder_id: str, *, limit: int = 100, offset: int = 0) -> Items:
        """GET /2.0/folders/{id}/items (one page)."""
        path = f"{item_path('folders', folder_id)}/items"
        data = self._client.request_json("GET", path, params={"limit": limit, "offset": offset})
        raw = data.get("entries")
        if not isinstance(raw, list):
            raise BoxMalformedResponseError(malformed("folder items answer lacks entries"))
        entries = tuple(
            Item(e["id"], e["type"], _text(e, "name"))
            for e in raw
            if isinstance(e, dict)
            and isinstance(e.get("id"), str)
            and isinstance(e.get("type"), str)
        )
        total = data.get("total_count")
        return Items(entries, total if isinstance(total, int) else None)


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
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
    ) -> Result[HttpResponse, AuthError]:
        """``{base_url}/2.0/{path}``: the answer, or why not (a 4xx/5xx is a BoxRefused)."""
        auth = self.auth
        begun = auth._begin()
        if not isinstance(begun, Success):
            return Failure(begun.failure())
        call = begun.unwrap()

        def attempt(
            token_result: Result[Any, AuthError], retried: bool
        ) -> Result[HttpResponse, AuthError]:
            if not isinstance(token_result, Success):
                return Failure(token_result.failure())
            token = token_result.unwrap()
            request = api_request(
                self.base_urls, method, path, token, params=params, headers=headers, body=body
            )
            if not isinstance(request, Success):
                return Failure(request.failure())
            sent = plugins.send(auth.transport, request.unwrap(), call.left())
            if not isinstance(sent, Success):
                return sent
            resp = sent.unwrap()
            verdict = after_answer(
                resp, token, auth.kind, retried=retried, now=auth.effects.clock()
            )
            match verdict:
                case Accept():
                    return Success(resp)
                case RenewAndRetry(rejected=rejected):
                    renewed = auth._obtain(call, forced=True, replacing=rejected)
                    return attempt(renewed, True)
                case Reject(error=error):
                    return Failure(error)
            return Failure(malformed("no verdict"))

        return _total(lambda: attempt(auth._obtain(call, forced=False), False))

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
    ) -> HttpResponse:
        """Call ``{base_url}/2.0/{path}``. Raises BoxAPIError on a non-2xx answer."""
        result = self.request_result(method, path, params=params, headers=headers, body=body)
        if isinstance(result, Failure) and _is_api_refusal(result.failure()):
            raise BoxAPIError(result.failure()) from None
        return unwrap(result)

    def request_json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        resp = self.request(method, path, **kwargs)
        try:
            data = json.loads(resp.body)
        except (ValueError, RecursionError):
            data = None
        if not isinstance(data, dict):
            raise BoxMalformedResponseError(
                malformed("API answer is not a JSON object", resp.status)
            )
        return data


def _is_api_refusal(error: AuthError) -> bool:
    return isinstance(error, BoxRefused) and error.status >= 400
