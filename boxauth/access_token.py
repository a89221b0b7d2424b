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
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from returns.result import Failure, Result, Success

from .errors import InvalidInput, is_real_number
from .identity import Owner, check_owner, owner_from_dict, owner_to_dict
from .redaction import Redacted, secret_field

ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"  # noqa: S105  # nosec B105
# A stored token file bigger than this is not ours: refuse before parsing.
MAX_SERIALIZED = 256 * 1024
# Box's access tokens are 32 characters and its refresh tokens 64; a downscoped
# token is a little longer. 4 KiB is generous and still fits comfortably in one
# HTTP header line (servers commonly allow 8 KiB for the whole header section).
MAX_TOKEN = 4096
# RFC 6750 §2.1 b64token: the only characters a Bearer credential may hold. No
# space, CR, LF, quote, comma or non-ASCII, so a token can never break or
# extend the Authorization header it is put in.
_B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
# Unix seconds (and lifetimes) beyond 2**53 are not exact as floats and are not
# a real expiry; refusing them also keeps ``expires_at - now`` from overflowing.
MAX_TIME = float(2**53)


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
    # Whose token it is (``boxauth.identity``); None for a token the user built.
    owner: Owner | None = None

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
        owner: Owner | None = None,
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
            "owner": owner,
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


def check_token_text(value: object, field: str) -> Result[str, InvalidInput]:
    """An access or refresh token as RFC 6750 ``b64token``, 1 to ``MAX_TOKEN`` characters.

    Reject, never strip: a token with a trailing newline is refused whole. The
    Failure names ``field`` and never echoes the value (it is a secret).
    """
    if not isinstance(value, str):
        return Failure(InvalidInput(field, "must be a string"))
    if not value:
        return Failure(InvalidInput(field, "is empty"))
    if len(value) > MAX_TOKEN:
        return Failure(InvalidInput(field, f"is longer than {MAX_TOKEN} characters"))
    if _B64TOKEN.fullmatch(value) is None:
        return Failure(
            InvalidInput(field, "is not a bearer token (RFC 6750: A-Z a-z 0-9 - . _ ~ + / =)")
        )
    return Success(value)


def check_time(value: object, field: str) -> Result[float | int | None, InvalidInput]:
    """None, or a finite real number (int or float, not bool) of at most 2**53 in size."""
    if value is None:
        return Success(None)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return Failure(InvalidInput(field, "must be a number or null"))
    if not is_real_number(value):
        return Failure(InvalidInput(field, "must be a finite number"))
    if not -MAX_TIME <= value <= MAX_TIME:
        return Failure(InvalidInput(field, "is out of range"))
    return Success(value)


def check_token(token: object, where: str = "token") -> Result[AccessToken, InvalidInput]:
    """Everything a shell must know before using a token it did not parse itself.

    For developer tokens and for whatever a user's ``TokenStorage`` returns:
    ``access_token`` and ``refresh_token`` (when present) are bearer tokens,
    ``expires_in`` and ``expires_at`` (when present) are finite numbers, and
    the other fields have their declared types. Never raises.
    """
    if not isinstance(token, AccessToken):
        return Failure(InvalidInput(where, "must be an AccessToken"))
    for name in ("access_token", "refresh_token"):
        value = getattr(token, name)
        if value is not None:
            text = check_token_text(value, f"{where}: {name}")
            if not isinstance(text, Success):
                return Failure(text.failure())
    for name in ("expires_in", "expires_at"):
        number = check_time(getattr(token, name), f"{where}: {name}")
        if not isinstance(number, Success):
            return Failure(number.failure())
    for name in ("token_type", "issued_token_type"):
        value = getattr(token, name)
        if value is not None and not isinstance(value, str):
            return Failure(InvalidInput(f"{where}: {name}", "must be a string or null"))
    if not all(isinstance(r, RestrictedTo) for r in token.restricted_to):
        return Failure(InvalidInput(f"{where}: restricted_to", "has a malformed entry"))
    owner = check_owner(token.owner, f"{where}: owner")
    if not isinstance(owner, Success):
        return Failure(owner.failure())
    return Success(token)


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
            "owner": owner_to_dict(token.owner),
        },
        sort_keys=True,
    )


def _opt(data: dict[str, Any], key: str, kind: type) -> Result[Any, InvalidInput]:
    value = data.get(key)
    if value is None or (isinstance(value, kind) and not isinstance(value, bool)):
        return Success(value)
    return Failure(InvalidInput(f"stored token: {key}", f"must be {kind.__name__} or null"))


def token_from_json(text: str) -> Result[AccessToken, InvalidInput]:
    """Parse the storage form back. Anything unexpected is a Failure, never a raise.

    Tokens must be RFC 6750 bearer tokens (``check_token_text``) and times
    finite numbers (``check_time``), so what comes back passes ``check_token``.
    """
    if not isinstance(text, str | bytes):
        return Failure(InvalidInput("stored token", "must be JSON text"))
    if len(text) > MAX_SERIALIZED:
        return Failure(InvalidInput("stored token", "is larger than 256 KiB"))
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return Failure(InvalidInput("stored token", "is not valid JSON"))
    if not isinstance(data, dict):
        return Failure(InvalidInput("stored token", "must be a JSON object"))
    out: dict[str, Any] = {}
    for key, kind in (("token_type", str), ("issued_token_type", str), ("expires_in", int)):
        checked = _opt(data, key, kind)
        if not isinstance(checked, Success):
            return checked
        out[key] = checked.unwrap()
    for key in ("access_token", "refresh_token"):
        value = data.get(key)
        if value is not None:
            shaped = check_token_text(value, f"stored token: {key}")
            if not isinstance(shaped, Success):
                return Failure(shaped.failure())
        out[key] = value
    for key in ("expires_in", "expires_at"):
        number = check_time(data.get(key), f"stored token: {key}")
        if not isinstance(number, Success):
            return Failure(number.failure())
        out[key] = number.unwrap()
    restricted = _restricted_from_json(data.get("restricted_to") or [])
    if not isinstance(restricted, Success):
        return Failure(restricted.failure())
    owner = owner_from_dict(data.get("owner"), "stored token: owner")
    if not isinstance(owner, Success):
        return Failure(owner.failure())
    return Success(AccessToken(restricted_to=restricted.unwrap(), owner=owner.unwrap(), **out))


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
