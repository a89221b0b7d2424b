"""The two /2.0 endpoints a client needs to prove a token works.

- ``GET /2.0/users/me``: any live token (downscoped or not) may call it.
- ``GET /2.0/folders/{id}/items``: the token must hold one of
  ``LIST_FOLDER_SCOPES`` (see scopes.py: root_readonly, root_readwrite,
  item_read, item_readwrite, base_explorer, base_picker), and a token
  restricted to an item may list only that folder. item_preview alone, or a
  token restricted to a file, gets 403.

A missing, unknown, expired or revoked token gets 401 with an empty body and
Box's ``WWW-Authenticate`` challenge (protocol notes §10, shape (a)); the same
text for every case, because Box's only observed text is that one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from . import texts
from .client_errors import INSUFFICIENT_SCOPE, client_error
from .records import AccessRecord, Reply
from .scopes import LIST_FOLDER_SCOPES
from .state import State

_FOLDER_ITEMS = re.compile(r"^/2\.0/folders/(?P<id>[0-9]+)/items$")
_JSON = ("Content-Type", "application/json")
MAX_LIMIT = 1000


def _ok(value: Any) -> Reply:
    return Reply(200, json.dumps(value).encode(), (_JSON,))


def _bearer(headers: Mapping[str, str]) -> str | None:
    value = headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _int(query: Mapping[str, str], name: str, default: int) -> int | None:
    raw = query.get(name)
    if raw is None:
        return default
    # ASCII digits only: "²".isdigit() is true, and int() refuses it.
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else None


def api_request(
    state: State, path: str, query: Mapping[str, str], headers: tuple[tuple[str, str], ...],
) -> Reply:
    token = _bearer(dict(headers))
    access = state.live_access(token) if token is not None else None
    if access is None:
        state.count_error(texts.TOKEN_INVALID_KEY)
        return Reply(401, b"", (("WWW-Authenticate", texts.WWW_AUTHENTICATE),))
    if path == "/2.0/users/me":
        with state.lock:
            user = state.users[access.user_id]
        return _ok({"type": "user", "id": user.user_id, "name": user.name, "login": user.login})
    match = _FOLDER_ITEMS.match(path)
    if match is None:
        return client_error(404)
    return _folder_items(state, access, match["id"], query)


def _folder_items(
    state: State, access: AccessRecord, folder_id: str, query: Mapping[str, str],
) -> Reply:
    # Scope before existence, so a narrow token learns nothing about items.
    restricted_elsewhere = access.restriction is not None and (
        access.restriction.item_type != "folder" or access.restriction.item_id != folder_id
    )
    if not access.scopes & LIST_FOLDER_SCOPES or restricted_elsewhere:
        state.count_error(("insufficient_scope", texts.INSUFFICIENT_SCOPE))
        return client_error(403, *INSUFFICIENT_SCOPE)
    if state.visible_item(access.user_id, "folder", folder_id) is None:
        state.count_error(("not_found", "Not Found"))
        return client_error(404)
    offset, limit = _int(query, "offset", 0), _int(query, "limit", 100)
    if offset is None or limit is None or not 1 <= limit <= MAX_LIMIT:
        state.count_error(("bad_request", "Bad Request"))
        return client_error(400)
    with state.lock:
        children = [
            item for item in state.items.values()
            if item.parent_id == folder_id and item.owner_id == access.user_id
        ]
    page = children[offset : offset + limit]
    return _ok({
        "total_count": len(children),
        "entries": [{"type": i.item_type, "id": i.item_id, "name": i.name} for i in page],
        "offset": offset,
        "limit": limit,
    })
