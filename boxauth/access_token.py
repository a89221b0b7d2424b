"""The token record: one immutable value, swapped whole, never edited in place.

Field names and the constructor follow box_sdk_gen's ``AccessToken`` so user
code ports unchanged, including the guide's camelCase spelling
``AccessToken(accessToken=..., refreshToken=...)``. We add ``expires_at``: the
absolute expiry (Unix seconds), computed from the moment the request was *sent*
(the conservative end; google-auth takes ``now`` before the request too).
Keeping token and expiry in one value means no reader can ever see a new token
with an old expiry (google-auth's two-assignment race).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from returns.result import Failure, Result, Success

from boxauth.errors import InvalidInput
from boxauth.redaction import Redacted, secret_field

ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"  # noqa: S105  # nosec B105
# A stored token file bigger than this is not ours: refuse before parsing.
MAX_SERIALIZED = 256 * 1024


@dataclass(frozen=True, slots=True)
class RestrictedTo:
    """One (scope, object) pair of a downscoped token (protocol notes §2)."""

    scope: str
    object_type: str | None = None
    object_id: str | None = None
    object_name: str | None = None


_CAMEL = {
    "accessToken": "access_token",
    "expiresIn": "expires_in",
    "tokenType": "token_type",
    "restrictedTo": "restricted_to",
    "refreshToken": "refresh_token",
    "issuedTokenType": "issued_token_type",
    "expiresAt": "expires_at",
}


@dataclass(frozen=True, slots=True, init=False, repr=False, eq=True)
class AccessToken(Redacted):
    """An access token and what Box said about it. Secrets print as ``<redacted>``."""

    access_token: str | None = secret_field(default=None)
    expires_in: int | None = None
    token_type: str | None = None
    restricted_to: tuple[RestrictedTo, ...] = field(default=())
    refresh_token: str | None = secret_field(default=None)
    issued_token_type: str | None = None
    expires_at: float | None = None

    def __init__(
        self,
        *,
        access_token: str | None = None,
        expires_in: int | None = None,
        token_type: str | None = None,
        restricted_to: Sequence[RestrictedTo] = (),
        refresh_token: str | None = None,
        issued_token_type: str | None = None,
        expires_at: float | None = None,
        **camel: Any,
    ) -> None:
        values: dict[str, Any] = {
            "access_token": access_token,
            "expires_in": expires_in,
            "token_type": token_type,
            "restricted_to": tuple(restricted_to),
            "refresh_token": refresh_token,
            "issued_token_type": issued_token_type,
            "expires_at": expires_at,
        }
        for name, value in camel.items():
            snake = _CAMEL.get(name)
            if snake is None:
                raise TypeError(f"AccessToken() got an unexpected keyword argument {name!r}")
            given = values[snake]
            if given not in (None, ()) and given != value:
                raise TypeError(f"AccessToken() got both {snake!r} and {name!r}")
            values[snake] = tuple(value) if snake == "restricted_to" else value
        for name, value in values.items():
            object.__setattr__(self, name, value)

    @property
    def is_restricted(self) -> bool:
        """True for a downscoped token (Box lists its (scope, object) pairs)."""
        return bool(self.restricted_to)


def token_to_json(token: AccessToken) -> str:
    """The storage form: plain JSON (never pickle), every field, stable order."""
    return json.dumps(
        {
            "access_token": token.access_token,
            "expires_in": token.expires_in,
            "token_type": token.token_type,
            "restricted_to": [
                {
                    "scope": r.scope,
                    "object_type": r.object_type,
                    "object_id": r.object_id,
                    "object_name": r.object_name,
                }
                for r in token.restricted_to
            ],
            "refresh_token": token.refresh_token,
            "issued_token_type": token.issued_token_type,
            "expires_at": token.expires_at,
        },
        sort_keys=True,
    )


def _opt(data: dict[str, Any], key: str, kind: type) -> Result[Any, InvalidInput]:
    value = data.get(key)
    if value is None or (isinstance(value, kind) and not isinstance(value, bool)):
        return Success(value)
    return Failure(InvalidInput(f"stored token: {key}", f"must be {kind.__name__} or null"))


def token_from_json(text: str) -> Result[AccessToken, InvalidInput]:
    """Parse the storage form back. Anything unexpected is a Failure, never a raise."""
    if len(text) > MAX_SERIALIZED:
        return Failure(InvalidInput("stored token", "is larger than 256 KiB"))
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return Failure(InvalidInput("stored token", "is not valid JSON"))
    if not isinstance(data, dict):
        return Failure(InvalidInput("stored token", "must be a JSON object"))
    out: dict[str, Any] = {}
    for key, kind in (
        ("access_token", str),
        ("token_type", str),
        ("refresh_token", str),
        ("issued_token_type", str),
        ("expires_in", int),
    ):
        checked = _opt(data, key, kind)
        if not isinstance(checked, Success):
            return checked
        out[key] = checked.unwrap()
    expires_at = data.get("expires_at")
    if expires_at is not None and (
        isinstance(expires_at, bool)
        or not isinstance(expires_at, int | float)
        or not math.isfinite(expires_at)
    ):
        return Failure(InvalidInput("stored token: expires_at", "must be a finite number or null"))
    restricted = _restricted_from_json(data.get("restricted_to") or [])
    if not isinstance(restricted, Success):
        return Failure(restricted.failure())
    return Success(AccessToken(expires_at=expires_at, restricted_to=restricted.unwrap(), **out))


def _restricted_from_json(items: Any) -> Result[tuple[RestrictedTo, ...], InvalidInput]:
    if not isinstance(items, list):
        return Failure(InvalidInput("stored token: restricted_to", "must be a list"))
    out: list[RestrictedTo] = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("scope"), str):
            return Failure(InvalidInput("stored token: restricted_to", "has a malformed entry"))
        parts = [item.get(k) for k in ("object_type", "object_id", "object_name")]
        if any(p is not None and not isinstance(p, str) for p in parts):
            return Failure(InvalidInput("stored token: restricted_to", "has a malformed entry"))
        out.append(RestrictedTo(item["scope"], parts[0], parts[1], parts[2]))
    return Success(tuple(out))
