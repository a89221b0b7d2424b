"""A small authenticated Box client: enough for the guide's snippets.

It sends ``Authorization: Bearer``. On a 401 that a new token could fix
(empty body or ``error="invalid_token"``; protocol notes §10) it refreshes
once and retries once, except for developer and downscoped tokens, which
cannot be refreshed. A second 401 is reported, not retried again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from returns.result import Success

from ..access_token import AccessToken
from ..errors import malformed
from ..exceptions import BoxAPIError, BoxMalformedResponseError
from ..lifecycle import Renewal, renewal_of
from ..responses import parse_error, refresh_may_help
from ..urls import BaseUrls, api_url, validate_base_urls
from ..wire import HttpRequest, HttpResponse
from .auth import BaseAuth, ok_or_raise, raise_error, unwrap


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
        path = f"folders/{quote(str(folder_id), safe='')}/items"
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
        self.base_urls = ok_or_raise(validate_base_urls(base_urls)) if base_urls else auth.base_urls
        self.users = UsersManager(self)
        self.folders = FoldersManager(self)

    def __repr__(self) -> str:
        return f"BoxClient(auth={self.auth!r})"

    def _send(
        self, method: str, url: str, body: bytes | None, headers: dict[str, str], token: AccessToken
    ) -> HttpResponse:
        sent = self.auth.transport.send(
            HttpRequest(
                method,
                url,
                (*headers.items(), ("Authorization", f"Bearer {token.access_token}")),
                body,
            ),
            timeout=self.auth.transport.settings.deadline,
        )
        if not isinstance(sent, Success):
            raise_error(sent.failure())
        resp: HttpResponse = sent.unwrap()
        return resp

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
        url = api_url(self.base_urls, path)
        if params:
            url = f"{url}?{urlencode(params)}"
        extra = {"Accept": "application/json", **(headers or {})}
        token = self.auth.retrieve_token()
        resp = self._send(method, url, body, extra, token)
        if refresh_may_help(resp) and renewal_of(self.auth.kind, token) is not Renewal.NONE:
            # Renew only if no other thread already replaced the rejected token.
            fresh = unwrap(self.auth.refresh_token_result(replacing=token))
            resp = self._send(method, url, body, extra, fresh)
        if not 200 <= resp.status < 300:
            raise BoxAPIError(parse_error(resp, self.auth.effects.clock()))
        return resp

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
