"""Box's JSON for users and items, as the OpenAPI schemas define them.

Schemas (https://github.com/box/box-openapi, ``components.schemas``):
- ``User--Mini``: type, id, name, login. ``User`` (the standard
  representation, what ``GET /2.0/users/me`` returns by default) adds
  created_at, modified_at, language, timezone, space_amount, space_used,
  max_upload_size, status, job_title, phone, address, avatar_url,
  notification_email. ``User--Full`` adds role, tracking_codes,
  can_see_managed_users, is_sync_enabled, is_external_collab_restricted,
  is_exempt_from_device_limits, is_exempt_from_login_verification,
  enterprise, my_tags, hostname, is_platform_access_only,
  external_app_user_id.
- ``fields=a,b`` returns the mini representation plus the named fields,
  unknown names ignored (``get_users_me``: "only fields for the mini
  representation are returned, additional to the fields requested").
- ``Folder--Mini``: type, id, sequence_id, etag, name; ``File--Mini`` adds
  sha1 and ``file_version`` (``FileVersion--Mini``: type, id, sha1). This is
  what a folder listing and ``restricted_to`` carry (the downscope guide's
  example object: type, id, sequence_id, etag, name,
  https://developer.box.com/guides/authentication/tokens/downscope/). With
  ``fields=``, an item has type, id and etag plus the named fields.
Dates are ISO 8601 with an offset, as Box's examples ("2012-12-12T10:53:43-08:00").
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from .records import Item, User

USER_MINI = ("type", "id", "name", "login")
ITEM_BASE = ("type", "id", "etag")
_SPACE_AMOUNT = 10 * 1024**3
_MAX_UPLOAD = 2 * 1024**3


def iso(timestamp: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(timestamp))


def user_full(user: User, enterprise_name: str) -> dict[str, Any]:
    """Every field of User--Full, in the schema's order."""
    created = iso(user.created_at)
    return {
        "type": "user",
        "id": user.user_id,
        "name": user.name,
        "login": user.login,
        "created_at": created,
        "modified_at": created,
        "language": "en",
        "timezone": "America/Los_Angeles",
        "space_amount": _SPACE_AMOUNT,
        "space_used": 0,
        "max_upload_size": _MAX_UPLOAD,
        "status": "active",
        "job_title": "",
        "phone": "",
        "address": "",
        "avatar_url": f"https://app.box.com/api/avatar/large/{user.user_id}",
        "notification_email": None,
        "role": user.role,
        "tracking_codes": [],
        "can_see_managed_users": True,
        "is_sync_enabled": True,
        "is_external_collab_restricted": False,
        "is_exempt_from_device_limits": False,
        "is_exempt_from_login_verification": False,
        "enterprise": {"type": "enterprise", "id": user.enterprise_id, "name": enterprise_name},
        "my_tags": [],
        "hostname": "https://app.box.com/",
        "is_platform_access_only": user.kind != "managed",
        "external_app_user_id": "",
    }


_USER_STANDARD = (
    *USER_MINI,
    "created_at",
    "modified_at",
    "language",
    "timezone",
    "space_amount",
    "space_used",
    "max_upload_size",
    "status",
    "job_title",
    "phone",
    "address",
    "avatar_url",
    "notification_email",
)


def user_json(user: User, enterprise_name: str, fields: list[str] | None) -> dict[str, Any]:
    """The standard representation, or mini plus ``fields``."""
    full = user_full(user, enterprise_name)
    wanted = _USER_STANDARD if fields is None else (*USER_MINI, *fields)
    return {k: full[k] for k in full if k in wanted}


def sha1_of(item: Item) -> str:
    # The emulator stores no content; a stable digest stands in for it.
    return hashlib.sha1(f"{item.item_id}:{item.name}".encode(), usedforsecurity=False).hexdigest()


def item_full(item: Item) -> dict[str, Any]:
    """What ``fields=`` may ask for about an item (a subset of File/Folder--Full)."""
    out: dict[str, Any] = {
        "type": item.item_type,
        "id": item.item_id,
        "etag": "0",
        "sequence_id": "0",
        "name": item.name,
    }
    if item.item_type == "file":
        sha1 = sha1_of(item)
        out["sha1"] = sha1
        out["file_version"] = {"type": "file_version", "id": item.version_id, "sha1": sha1}
    out.update(
        {
            "size": 0,
            "created_at": iso(item.created_at),
            "modified_at": iso(item.created_at),
            "description": "",
            "item_status": "active",
            "parent": {"type": "folder", "id": item.parent_id},
            "owned_by": {"type": "user", "id": item.owner_id},
        }
    )
    return out


def item_mini(item: Item) -> dict[str, Any]:
    full = item_full(item)
    mini = ("type", "id", "file_version", "sequence_id", "etag", "sha1", "name")
    return {k: full[k] for k in mini if k in full}


def item_json(item: Item, fields: list[str] | None) -> dict[str, Any]:
    if fields is None:
        return item_mini(item)
    full = item_full(item)
    wanted = (*ITEM_BASE, *fields)
    return {k: full[k] for k in full if k in wanted}


def split_fields(raw: str | None) -> list[str] | None:
    """``fields=a,b`` as a list; None when absent (the default representation)."""
    if raw is None:
        return None
    return [f.strip() for f in raw.split(",") if f.strip()]
