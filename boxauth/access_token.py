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
from .exceptions import BoxConfigError
from .identity import Owner, check_owner, owner_from_dict, owner_to_dict
from .redaction import Redacted, secret_field

ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"  # noqa: S105  # nosec B105
# A stored token file bigger than this is not ours: refuse before parsing.
MAX_SERIALIZED = 256 * 1024
# Box's access tokens are 32 characters and its refresh tokens 64; a downscoped
# token is a little longer. 4 KiB is generous and still fits comfortably in one
# HTTP header line (servers commonly allow 8 KiB for the whole header section).
MAX_TOKEN = 4096
# Visible ASCII (RFC 5234 B.1 VCHAR, %x21-7E). Box does not promise RFC 6750's
# b64token alphabet: its downscoped tokens begin with "1!" (developer.box.com/
# guides/authentication/tokens/downscope/), so a stricter alphabet breaks
# downscoping against real Box. See check_token_text for why this is still safe.
_VISIBLE_ASCII = re.compile(r"[\x21-\x7e]+")
# Unix seconds (and lifetimes) beyond 2**53 are not exact as floats and are not
# a real expiry; refusing them also keeps ``expires_at - now`` from overflowing.
MAX_TIME = float(2**53)


@dataclass(frozen=True, slots=True)
class RestrictedObject:
    """The file or folder of a ``restricted_to`` entry, as box_sdk_gen shows it.

    box_sdk_gen code reads ``item.object.id`` and ``item.object.type``
    (``ResourceScope.object``, a ``FileMini`` or ``FolderMini``); these are the
    fields Box's example shows (developer.box.com/guides/authentication/tokens/
    downscope/) that a client acts on.
    """

    type: str | None = None
    id: str | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class RestrictedTo:
    """One (scope, object) pair of a downscoped token.

    Box's ``ResourceScope`` (developer.box.com/reference/resources/access-token/):
    ``{"scope": ..., "object": {"type": "folder", "id": ..., "name": ...}}``.
    Both spellings work: ours (``item.object_id``) and box_sdk_gen's
    (``item.object.id``).
    """

    scope: str
    object_type: str | None = None
    object_id: str | None = None
    object_name: str | None = None

    @property
    def object(self) -> RestrictedObject | None:
        """box_sdk_gen's ``ResourceScope.object``; None when Box named no object."""
        if self.object_type is None and self.object_id is None and self.object_name is None:
            return None
        return RestrictedObject(self.object_type, self.object_id, self.object_name)

    def to_dict(self) -> dict[str, Any]:
        """Box's wire shape: ``{"scope": ..., "object": {"type", "id", "name"}}``."""
        obj = self.object
        if obj is None:
            return {"scope": self.scope}
        shown = {"type": obj.type, "id": obj.id, "name": obj.name}
        return {"scope": self.scope, "object": {k: v for k, v in shown.items() if v is not None}}


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
    """An access token and what Box said about it. Secrets print as ``<redacted>``.

    ``restricted_to`` is always a tuple (``()`` when Box sent none, or when
    the caller passed ``None`` as box_sdk_gen allows); box_sdk_gen keeps None.
    """

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
        restricted_to: Sequence[RestrictedTo] | None = None,
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
            "restricted_to": _as_tuple(restricted_to),
            "refresh_token": refresh_token,
            "issued_token_type": issued_token_type,
            "expires_at": expires_at,
            "owner": owner,
        }
        for name, value in camel.items():
            snake = _CAMEL.get(name)
            if snake is None:
                # Quoted only if it looks like a keyword name: never echo a pasted value.
                plain = name.isidentifier() and len(name) <= 32
                shown = repr(name) if plain else f"of {len(name)} characters"
                raise TypeError(f"AccessToken() got an unexpected keyword argument {shown}")
            given = values[snake]
            if given not in (None, ()) and given != value:
                raise TypeError(f"AccessToken() got both {snake!r} and {name!r}")
            values[snake] = _as_tuple(value) if snake == "restricted_to" else value
        for name, value in values.items():
            object.__setattr__(self, name, value)

    @property
    def is_restricted(self) -> bool:
        """True for a downscoped token (Box lists its (scope, object) pairs)."""
        return bool(self.restricted_to)

    def to_dict(self) -> dict[str, Any]:
        """box_sdk_gen's ``to_dict()``: Box's field names, None fields left out.

        It HOLDS THE SECRETS (access and refresh token): storages need them. It
        adds our ``expires_at`` and ``owner``; ``restricted_to`` items take
        Box's wire shape (``{"scope", "object": {"type", "id", "name"}}``).
        """
        out: dict[str, Any] = {
            "access_token": self.access_token,
            "expires_in": self.expires_in,
            "token_type": self.token_type,
            "restricted_to": [r.to_dict() for r in self.restricted_to] or None,
            "refresh_token": self.refresh_token,
            "issued_token_type": self.issued_token_type,
            "expires_at": self.expires_at,
            "owner": owner_to_dict(self.owner),
        }
        return {k: v for k, v in out.items() if v is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AccessToken:
        """box_sdk_gen's ``from_dict``; raises ``BoxConfigError`` naming the bad field.

        Reads ``to_dict()`` of ours and of box_sdk_gen's ``AccessToken``, and
        our storage form. The Result-returning twin is ``token_from_dict``.
        """
        parsed: Result[AccessToken, InvalidInput] = token_from_dict(data, "token")
        if isinstance(parsed, Success):
            token: AccessToken = parsed.unwrap()
            return token
        raise BoxConfigError(parsed.failure())


def _as_tuple(items: object) -> Any:
    """``None`` (box_sdk_gen's "no restrictions") is ``()``; other sequences become tuples.

    Anything else is kept as given, for ``check_token`` to refuse by name
    rather than the constructor raising on it.
    """
    if items is None:
        return ()
    if isinstance(items, list | tuple):
        return tuple(items)
    return items


def check_token_text(value: object, field: str) -> Result[str, InvalidInput]:
    """An access or refresh token: 1 to ``MAX_TOKEN`` visible ASCII characters.

    Box's tokens are opaque strings (OAS ``AccessToken``: ``type: string``, no
    pattern) and its downscoped tokens begin with ``1!``, outside RFC 6750's
    ``b64token``; so we accept any visible ASCII (%x21-7E) and refuse empty
    text, whitespace, control characters, non-ASCII and absurd lengths.

    Why that is safe where tokens go:
    - The ``Authorization: Bearer <token>`` header: RFC 9110 §5.5 allows any
      VCHAR in a field value; with no SP, HTAB, CR, LF or NUL a token can
      neither end the header, start another, nor split the credential.
    - Token files: JSON escapes the quote and the backslash; nothing else needs it.
    - Form bodies (refresh, revoke, token exchange): ``urlencode`` escapes
      every reserved character.

    Reject, never strip: a token with a trailing newline is refused whole. The
    Failure names ``field`` and never echoes the value (it is a secret).
    """
    if not isinstance(value, str):
        return Failure(InvalidInput(field, "must be a string"))
    if not value:
        return Failure(InvalidInput(field, "is empty"))
    if len(value) > MAX_TOKEN:
        return Failure(InvalidInput(field, f"is longer than {MAX_TOKEN} characters"))
    if _VISIBLE_ASCII.fullmatch(value) is None:
        why = "is not a token: only visible ASCII, no spaces, control or non-ASCII characters"
        return Failure(InvalidInput(field, why))
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
    ``access_token`` and ``refresh_token`` (when present) pass
    ``check_token_text``, ``expires_in`` and ``expires_at`` (when present) are
    finite numbers, and the other fields have their declared types. Never raises.
    """
    if not isinstance(token, AccessToken):
        return Failure(InvalidInput(_label(where, "token"), "must be an AccessToken"))
    where = _label(where, "token")
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
    restricted = token.restricted_to
    if not isinstance(restricted, tuple) or not all(
        isinstance(r, RestrictedTo) and _restricted_fields_ok(r) for r in restricted
    ):
        return Failure(InvalidInput(f"{where}: restricted_to", "has a malformed entry"))
    owner = check_owner(token.owner, f"{where}: owner")
    if not isinstance(owner, Success):
        return Failure(owner.failure())
    return Success(token)


def _label(where: object, default: str) -> str:
    """A caller-given field label, if it is one; never raises on a wrongly typed label."""
    return where if isinstance(where, str) and 0 < len(where) <= 64 else default


def _restricted_fields_ok(item: RestrictedTo) -> bool:
    parts = (item.object_type, item.object_id, item.object_name)
    return isinstance(item.scope, str) and all(p is None or isinstance(p, str) for p in parts)


def token_to_json(token: AccessToken) -> str:
    """The storage form: plain JSON (never pickle), every field, stable order.

    Never raises: a value that fails ``check_token`` gives ``"null"``, which
    ``token_from_json`` refuses, so nothing half-valid is ever written.
    """
    if not isinstance(check_token(token), Success):
        return "null"
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


def _opt(data: dict[str, Any], key: str, kind: type, where: str) -> Result[Any, InvalidInput]:
    value = data.get(key)
    if value is None or (isinstance(value, kind) and not isinstance(value, bool)):
        return Success(value)
    return Failure(InvalidInput(f"{where}: {key}", f"must be {kind.__name__} or null"))


def token_from_json(text: str) -> Result[AccessToken, InvalidInput]:
    """Parse the storage form back. Anything unexpected is a Failure, never a raise.

    Tokens must pass ``check_token_text`` and times must be finite numbers
    (``check_time``), so what comes back passes ``check_token``.
    """
    if not isinstance(text, str | bytes):
        return Failure(InvalidInput("stored token", "must be JSON text"))
    if len(text) > MAX_SERIALIZED:
        return Failure(InvalidInput("stored token", "is larger than 256 KiB"))
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return Failure(InvalidInput("stored token", "is not valid JSON"))
    return token_from_dict(data, "stored token")


# Every key a token record may have: the storage form's (``_CAMEL``'s values, and
# the owner). box_sdk_gen's ``AccessToken.to_dict()`` uses the same snake_case
# names; camelCase ones are only keyword arguments, never a stored record's keys.
RECORD_KEYS = frozenset({*_CAMEL.values(), "owner"})


def is_foreign_file(data: object) -> bool:
    """Were these bytes never written by a token storage? Never raises.

    A token storage writes one JSON object of at most 256 KiB, atomically, so
    a file of anything else is someone else's: most likely a credential named
    as the token file by mistake (the app's JSON config, a PEM private key, a
    PKCS#12 keystore, another tool's OAuth cache). A storage refuses such a
    file instead of sending its secrets to Box or replacing it.

    A JSON object is a token record only if every key it has is one a record
    may have (``RECORD_KEYS``): gcloud's ``application_default_credentials.json``
    (``refresh_token`` beside ``client_secret``) and an AWS SSO cache
    (``accessToken`` beside ``clientSecret``) are not. What may be ours,
    damaged, is not foreign: an empty file, or one that begins with ``{``,
    does not parse, names a token field and no key a record cannot have. A
    UTF-8 byte order mark (an editor's) is ignored.
    """
    if not isinstance(data, bytes):
        return False
    if len(data) > MAX_SERIALIZED:
        return True
    stripped = data.removeprefix(_BOM).lstrip()
    if not stripped:
        return False
    if not stripped.startswith(b"{"):
        return True
    try:
        parsed = json.loads(stripped)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        keys = {match.decode("utf-8", "replace") for match in _QUOTED_KEY.findall(stripped)}
        return not (keys & _TOKEN_FIELDS) or not keys <= _DAMAGED_KEYS
    return not isinstance(parsed, dict) or not RECORD_KEYS.issuperset(parsed)


_BOM = b"\xef\xbb\xbf"
# The keys that name a credential in a record (ours, and box_sdk_gen's): a damaged
# file that names none of them was not a token record.
_TOKEN_FIELDS = frozenset({"access_token", "refresh_token"})
# Every key a damaged record of ours may show: the record's, its restrictions'
# (ours and box_sdk_gen's) and its owner's.
_DAMAGED_KEYS = RECORD_KEYS | {
    *("scope", "object_type", "object_id", "object_name", "object", "type", "id", "name"),
    *("client_id", "subject_type", "subject_id"),
}
# A JSON string followed by a colon: a key, even in a damaged document.
_QUOTED_KEY = re.compile(rb'"((?:[^"\\]|\\.)*)"\s*:')


def token_from_dict(data: object, where: str = "token") -> Result[AccessToken, InvalidInput]:
    """A token from a dict: our storage form, or ``to_dict()`` of ours or box_sdk_gen's."""
    where = _label(where, "token")
    if not isinstance(data, dict):
        return Failure(InvalidInput(where, "must be a JSON object"))
    out: dict[str, Any] = {}
    for key, kind in (("token_type", str), ("issued_token_type", str), ("expires_in", int)):
        checked = _opt(data, key, kind, where)
        if not isinstance(checked, Success):
            return checked
        out[key] = checked.unwrap()
    for key in ("access_token", "refresh_token"):
        value = data.get(key)
        if value is not None:
            shaped = check_token_text(value, f"{where}: {key}")
            if not isinstance(shaped, Success):
                return Failure(shaped.failure())
        out[key] = value
    for key in ("expires_in", "expires_at"):
        number = check_time(data.get(key), f"{where}: {key}")
        if not isinstance(number, Success):
            return Failure(number.failure())
        out[key] = number.unwrap()
    restricted = _restricted_from_dict(data.get("restricted_to") or [], where)
    if not isinstance(restricted, Success):
        return Failure(restricted.failure())
    owner = owner_from_dict(data.get("owner"), f"{where}: owner")
    if not isinstance(owner, Success):
        return Failure(owner.failure())
    return Success(AccessToken(restricted_to=restricted.unwrap(), owner=owner.unwrap(), **out))


_OBJECT_KEYS = (("object_type", "type"), ("object_id", "id"), ("object_name", "name"))


def _restricted_from_dict(items: Any, where: str) -> Result[tuple[RestrictedTo, ...], InvalidInput]:
    """Entries in our flat form (``object_id``) or Box's (``object: {"id"}``)."""
    bad = Failure(InvalidInput(f"{where}: restricted_to", "has a malformed entry"))
    if not isinstance(items, list):
        return Failure(InvalidInput(f"{where}: restricted_to", "must be a list"))
    out: list[RestrictedTo] = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("scope"), str):
            return bad
        obj = item.get("object")
        if obj is not None and not isinstance(obj, dict):
            return bad
        parts = [obj.get(box) if obj is not None else item.get(flat) for flat, box in _OBJECT_KEYS]
        if any(p is not None and not isinstance(p, str) for p in parts):
            return bad
        out.append(RestrictedTo(item["scope"], parts[0], parts[1], parts[2]))
    return Success(tuple(out))
