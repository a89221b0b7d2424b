"""The /2.0 endpoints a client (ours, or box_sdk_gen's BoxClient) needs to use a token.

- ``GET /2.0/users/me``: any live token (downscoped or not) may call it;
  ``fields=`` as the OpenAPI ``get_users_me`` says (objects.py).
- ``GET /2.0/folders/{id}/items``: the token must hold one of
  ``LIST_FOLDER_SCOPES`` (scopes.py), and a token restricted to an item may
  list only that folder. Offset paging (``offset`` up to 9,999, ``limit``
  1 to 1,000, a larger limit is cut to 1,000: the offset-based pagination
  guide), marker paging (``usemarker=true``), ``sort``/``direction``,
  ``fields=``. A folder id that is not a number answers 405, as the OpenAPI
  operation documents.
- ``As-User: USER_ID`` acts as that user
  (https://developer.box.com/guides/authentication/jwt/as-user/): only for an
  app with "Make API calls using the as-user header" on, only with a full
  (not downscoped) token of the Service Account or of an admin or co-admin,
  and never as a Service Account or as a user of another enterprise. Anything
  else is refused with 403 and the challenge Box was observed to send for a
  refused As-User (``Bearer realm="Service", error="insufficient_scope",
  ...``, support.box.com community posts 360049157874 and 26735203602323),
  with a ClientError body ``insufficient_scope``; whether Box tells an unknown
  user from a forbidden one is UNCONFIRMED, so the emulator does not.

A missing, unknown, expired or revoked token gets 401 with an empty body and
the ``WWW-Authenticate`` challenge Box sent in box/box-node-sdk#157; the same
text for every case, because Box's only observed text is that one.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from . import texts
from .client_errors import INSUFFICIENT_SCOPE, INVALID_LIMIT, INVALID_OFFSET, JSON, client_error
from .objects import item_json, split_fields, user_json
from .records import AccessRecord, Item, Reply
from .scopes import LIST_FOLDER_SCOPES
from .state import State

Headers = Sequence[tuple[str, str]]
_FOLDER_ITEMS = re.compile(r"/2\.0/folders/(?P<id>[^/]+)/items")
MAX_LIMIT, DEFAULT_LIMIT, MAX_OFFSET = 1000, 100, 9999
_SORT_KEYS = frozenset({"id", "name", "date", "size"})
_TYPE_RANK = {"folder": 0, "file": 1, "web_link": 2}
INSUFFICIENT_SCOPE_CHALLENGE = (
    'Bearer realm="Service", error="insufficient_scope", '
    f'error_description="{INSUFFICIENT_SCOPE[1]}"'
)


def _ok(value: Any) -> Reply:
    return Reply(200, json.dumps(value).encode(), (JSON,))


def _single(headers: Headers, name: str) -> str | None:
    values = [v for k, v in headers if k == name]
    return values[0] if len(values) == 1 else None


def _bearer(headers: Headers) -> str | None:
    scheme, _, token = (_single(headers, "authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _forbidden(state: State) -> Reply:
    state.count_error(INSUFFICIENT_SCOPE)
    return client_error(
        403, *INSUFFICIENT_SCOPE, headers=(("WWW-Authenticate", INSUFFICIENT_SCOPE_CHALLENGE),)
    )


def _acting_user(state: State, access: AccessRecord, headers: Headers) -> str | None:
    """The user the call acts as: the token's, or As-User's if allowed; None if refused."""
    sent = [v.strip() for k, v in headers if k == "as-user"]
    if not sent:
        return access.user_id
    if len(sent) > 1 or not (sent[0].isascii() and sent[0].isdigit()):
        return None
    with state.lock:
        app = state.apps.get(access.client_id)
        caller = state.users.get(access.user_id)
        target = state.users.get(sent[0])
    allowed = (
        app is not None
        and app.as_user
        and not access.downscoped
        and caller is not None
        and target is not None
        and (caller.kind == "service_account" or caller.role in ("admin", "coadmin"))
        and target.enterprise_id == caller.enterprise_id
        and target.kind != "service_account"
    )
    return sent[0] if allowed else None


def api_request(state: State, path: str, query: Mapping[str, str], headers: Headers) -> Reply:
    token = _bearer(headers)
    access = state.live_access(token) if token is not None else None
    if access is None:
        state.count_error(texts.TOKEN_INVALID_KEY)
        return Reply(401, b"", (("WWW-Authenticate", texts.WWW_AUTHENTICATE),))
    user_id = _acting_user(state, access, headers)
    if user_id is None:
        return _forbidden(state)
    if path == "/2.0/users/me":
        with state.lock:
            user = state.users[user_id]
            enterprise = state.enterprises.get(user.enterprise_id, "")
        return _ok(user_json(user, enterprise, split_fields(query.get("fields"))))
    match = _FOLDER_ITEMS.fullmatch(path)
    if match is None:
        return client_error(404)
    if not (match["id"].isascii() and match["id"].isdigit()):
        return client_error(405)
    return _folder_items(state, access, user_id, match["id"], query)


def _number(query: Mapping[str, str], name: str, default: int) -> int | None:
    raw = query.get(name)
    if raw is None:
        return default
    # ASCII digits only: "²".isdigit() is true, and int() refuses it.
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else None


def _page_bounds(query: Mapping[str, str]) -> tuple[int, int] | Reply:
    limit = _number(query, "limit", DEFAULT_LIMIT)
    if limit is None or limit < 1:
        return client_error(400, *INVALID_LIMIT)
    limit = min(limit, MAX_LIMIT)  # "If the value exceeds the maximum, then the maximum"
    usemarker = query.get("usemarker", "false").lower()
    if usemarker not in ("true", "false"):
        return client_error(400)
    if usemarker == "true":
        offset = _marker_offset(query.get("marker"))
        return client_error(400) if offset is None else (offset, limit)
    offset = _number(query, "offset", 0)
    if offset is None or offset > MAX_OFFSET:
        return client_error(400, *INVALID_OFFSET)
    return offset, limit


def _marker_offset(marker: str | None) -> int | None:
    if not marker:
        return 0
    try:
        decoded = base64.urlsafe_b64decode(marker.encode("ascii") + b"==").decode("ascii")
    except (UnicodeError, binascii.Error, ValueError):
        return None
    return int(decoded[2:]) if decoded.startswith("o:") and decoded[2:].isdigit() else None


def _marker(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


Order = list[dict[str, str]]


def _sorted(items: list[Item], query: Mapping[str, str]) -> tuple[list[Item], Order] | None:
    sort, direction = query.get("sort"), query.get("direction", "ASC").upper()
    if direction not in ("ASC", "DESC") or (sort is not None and sort not in _SORT_KEYS):
        return None
    reverse = direction == "DESC"
    if sort is None:  # Box's default order: folders, then files, each by name
        keyed = sorted(items, key=lambda i: (_TYPE_RANK.get(i.item_type, 3), i.name.lower()))
        return keyed, [{"by": "type", "direction": "ASC"}, {"by": "name", "direction": "ASC"}]
    keys = {
        "id": lambda i: int(i.item_id),
        "name": lambda i: i.name.lower(),
        "date": lambda i: i.created_at,
        "size": lambda i: 0,
    }
    return sorted(items, key=keys[sort], reverse=reverse), [{"by": sort, "direction": direction}]


def _folder_items(
    state: State, access: AccessRecord, user_id: str, folder_id: str, query: Mapping[str, str]
) -> Reply:
    # Scope before existence, so a narrow token learns nothing about items.
    restricted_elsewhere = access.restriction is not None and (
        access.restriction.item_type != "folder" or access.restriction.item_id != folder_id
    )
    if not access.scopes & LIST_FOLDER_SCOPES or restricted_elsewhere:
        return _forbidden(state)
    if state.visible_item(user_id, "folder", folder_id) is None:
        state.count_error(("not_found", "Not Found"))
        return client_error(404)
    bounds = _page_bounds(query)
    if isinstance(bounds, Reply):
        state.count_error(("bad_request", "Bad Request"))
        return bounds
    offset, limit = bounds
    with state.lock:
        children = [
            i for i in state.items.values() if i.parent_id == folder_id and i.owner_id == user_id
        ]
    ordered = _sorted(children, query)
    if ordered is None:
        return client_error(400)
    children, order = ordered
    fields = split_fields(query.get("fields"))
    entries = [item_json(i, fields) for i in children[offset : offset + limit]]
    if query.get("usemarker", "").lower() == "true":
        more = offset + limit < len(children)
        return _ok(
            {
                "entries": entries,
                "limit": limit,
                "next_marker": _marker(offset + limit) if more else None,
            }
        )
    return _ok(
        {
            "total_count": len(children),
            "entries": entries,
            "offset": offset,
            "limit": limit,
            "order": order,
        }
    )
