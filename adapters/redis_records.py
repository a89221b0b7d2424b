"""The Redis record of one token: its layout, its versions, and its seal.

One Redis string holds one token record (docs/fleet.md, "The record")::

    VERSION (32 hex) | PARENT (32 chars) | FLAG (1) | BODY

- ``VERSION`` is 128 random bits, new on every write. A compare-and-set names
  the version it read; a random version never comes back (no ABA), not even
  after Redis lost data and counted again from zero.
- ``PARENT`` is the version the writer read (``-`` x 32 when there was none).
- ``FLAG``: ``t`` a token; ``d`` a *demotion*, a token whose refresh token was
  dropped because Box refused it (RFC 6749 §5.2, ``invalid_grant``); ``-``
  cleared (no body). A demotion may be replaced by any writer that read its
  parent: a process that renewed from that parent holds the true successor.
- ``BODY``: ``p`` + the token's JSON (``token_to_json``), in clear; or ``g`` +
  a sealed envelope: AES-GCM (NIST SP 800-38D) with a random 96-bit nonce,
  whose associated data is the key name and the token's identity, so a record
  copied to another key or relabelled with another identity does not open.

Nothing here talks to Redis; the Lua scripts in ``redis_scripts`` read only
the header. Every parse returns a value or a problem text that never quotes
the record (it may hold a token).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from returns.result import Failure, Result, Success

from ..access_token import MAX_SERIALIZED, AccessToken, token_from_json, token_to_json
from ..errors import InvalidInput
from ..identity import Owner, owner_from_dict, owner_to_dict

VERSION_LEN = 32
HEADER_LEN = 2 * VERSION_LEN + 1
NO_VERSION = "-" * VERSION_LEN
TOKEN, DEMOTED, CLEARED = "t", "d", "-"
PLAIN, SEALED = "p", "g"
# A record is a token (a few hundred bytes) in JSON, sealed at most: anything
# larger is not ours and is not read whole (the read script checks STRLEN first).
MAX_RECORD = 2 * MAX_SERIALIZED
# AES key sizes (FIPS 197): 128, 192 or 256 bits.
KEY_SIZES = frozenset({16, 24, 32})
MAX_KEYS = 16
NONCE_LEN = 12  # 96 bits, the size SP 800-38D recommends for random nonces
# A key name: short, printable, no braces (they are the Redis Cluster hash tag).
_KEY_NAME = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")
_HEX = re.compile(r"[0-9a-f]{32}")


def new_version() -> str:
    """128 random bits as hex: never equal to any earlier version."""
    return secrets.token_hex(VERSION_LEN // 2)


def check_key_name(key: object) -> Result[str, InvalidInput]:
    """The user's name for a token record (never quoted back: it was refused)."""
    if not isinstance(key, str):
        return Failure(InvalidInput("key", "must be a string"))
    if _KEY_NAME.fullmatch(key) is None:
        return Failure(
            InvalidInput("key", "must be 1 to 128 of A-Z a-z 0-9 . _ : @ / + = - (no braces)")
        )
    return Success(key)


@dataclass(frozen=True, slots=True)
class Names:
    """The Redis names of one key. The ``{key}`` hash tag puts all three in one
    Redis Cluster slot, so one script may touch the lease and the record
    (https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/,
    "Hash tags")."""

    key: str
    record: str
    lease: str
    channel: str


def names_of(key: str) -> Names:
    base = f"boxauth:{{{key}}}"
    return Names(key, f"{base}:record", f"{base}:lease", f"{base}:events")


# -- the seal ----------------------------------------------------------------------------


def key_id(key: bytes) -> str:
    """A short public name for an encryption key, so a record says which key sealed it."""
    return hashlib.sha256(b"boxauth redis key id\x00" + key).hexdigest()[:16]


@dataclass(frozen=True, slots=True, repr=False)
class Sealer:
    """AES-GCM keys: the first seals, every one opens (rotation). Never printed."""

    keys: tuple[tuple[str, bytes], ...]

    def __repr__(self) -> str:
        return f"Sealer(<{len(self.keys)} keys>)"

    def __reduce__(self) -> str:
        raise TypeError("Sealer holds keys and cannot be pickled")


def check_keys(keys: object) -> Result[Sealer | None, InvalidInput]:
    """None (no encryption) or a non-empty list of 16, 24 or 32-byte keys."""
    if keys is None:
        return Success(None)
    if isinstance(keys, bytes | bytearray | str) or not isinstance(keys, Sequence):
        return Failure(InvalidInput("encryption_keys", "must be a list of keys (bytes)"))
    if not keys or len(keys) > MAX_KEYS:
        return Failure(InvalidInput("encryption_keys", f"must hold 1 to {MAX_KEYS} keys"))
    out: list[tuple[str, bytes]] = []
    for i, key in enumerate(keys):
        if not isinstance(key, bytes | bytearray) or len(key) not in KEY_SIZES:
            return Failure(
                InvalidInput(f"encryption_keys[{i}]", "must be 16, 24 or 32 bytes (AES)")
            )
        out.append((key_id(bytes(key)), bytes(key)))
    if len({kid for kid, _ in out}) != len(out):
        return Failure(InvalidInput("encryption_keys", "holds the same key twice"))
    return Success(Sealer(tuple(out)))


def _aad(key: str, who: dict[str, str | None] | None) -> bytes:
    return json.dumps({"key": key, "who": who}, sort_keys=True, separators=(",", ":")).encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii")


def seal(sealer: Sealer, key: str, token: AccessToken) -> str:
    """The sealed body for ``token`` under the first key."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: PLC0415 - lazy

    kid, secret = sealer.keys[0]
    who = owner_to_dict(token.owner)
    nonce = secrets.token_bytes(NONCE_LEN)
    sealed = AESGCM(secret).encrypt(nonce, token_to_json(token).encode(), _aad(key, who))
    envelope = {"kid": kid, "who": who, "nonce": _b64(nonce), "ct": _b64(sealed)}
    return SEALED + json.dumps(envelope, sort_keys=True, separators=(",", ":"))


def _unseal(sealer: Sealer, key: str, text: str) -> Result[AccessToken, str]:
    from cryptography.exceptions import InvalidTag  # noqa: PLC0415 - lazy
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: PLC0415 - lazy

    try:
        envelope = json.loads(text)
    except (ValueError, RecursionError):
        return Failure("has a sealed body that is not JSON")
    if not isinstance(envelope, dict):
        return Failure("has a sealed body that is not a JSON object")
    parts = [envelope.get(k) for k in ("kid", "nonce", "ct")]
    if not all(isinstance(p, str) for p in parts):
        return Failure("has a sealed body without kid, nonce or ct")
    kid, nonce_text, ct_text = (str(p) for p in parts)
    who = owner_from_dict(envelope.get("who"), "who")
    if not isinstance(who, Success):
        return Failure("has a sealed body with a malformed identity")
    secret = dict(sealer.keys).get(kid)
    if secret is None:
        return Failure("was sealed with a key that is not in encryption_keys")
    try:
        nonce = base64.urlsafe_b64decode(nonce_text.encode("ascii"))
        sealed = base64.urlsafe_b64decode(ct_text.encode("ascii"))
    except (ValueError, binascii.Error):
        return Failure("has a sealed body that is not base64")
    if len(nonce) != NONCE_LEN:
        return Failure("has a sealed body with a malformed nonce")
    try:
        plain = AESGCM(secret).decrypt(nonce, sealed, _aad(key, owner_to_dict(who.unwrap())))
    except InvalidTag:
        return Failure("does not authenticate (altered, or copied from another key or identity)")
    return _token(plain.decode("utf-8", errors="replace")).bind(
        lambda token: _same_owner(token, who.unwrap())
    )


def _same_owner(token: AccessToken, who: Owner | None) -> Result[AccessToken, str]:
    return Success(token) if token.owner == who else Failure("names another identity inside")


def _token(text: str) -> Result[AccessToken, str]:
    parsed = token_from_json(text)
    if isinstance(parsed, Success):
        return Success(parsed.unwrap())
    return Failure(f"holds a malformed token ({parsed.failure().message()})")


# -- the record ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Record:
    """One record as read: ``version`` ("" when the key is absent) and what it holds."""

    version: str
    token: AccessToken | None = None
    # Why a present record holds no usable token (None when it does, or was cleared).
    problem: str | None = None


ABSENT = Record("")


def build(
    version: str, parent: str, token: AccessToken | None, body: str, demoted: bool = False
) -> str:
    """The stored string: header, then body (empty when clearing)."""
    flag = CLEARED if token is None else DEMOTED if demoted else TOKEN
    return f"{version}{parent or NO_VERSION}{flag}{body}"


def body_of(token: AccessToken, key: str, sealer: Sealer | None) -> str:
    return seal(sealer, key, token) if sealer is not None else PLAIN + token_to_json(token)


def version_of(raw: str) -> str:
    """The version the Lua scripts compare: the first 32 characters, whatever they are."""
    return raw[:VERSION_LEN]


def parse(raw: object, key: str, sealer: Sealer | None) -> Record:
    """What a stored string holds. Never raises; a problem never quotes the record."""
    if raw is None:
        return ABSENT
    if isinstance(raw, bytes | bytearray):
        data = bytes(raw)
        try:
            raw = data.decode("ascii")
        except UnicodeDecodeError:
            return Record(data[:VERSION_LEN].decode("latin-1"), None, "is not ASCII text")
    if not isinstance(raw, str):
        return Record("", None, "is not a string")
    version = version_of(raw)
    if len(raw) < HEADER_LEN or _HEX.fullmatch(version) is None:
        return Record(version, None, "is not a boxauth record")
    flag, body = raw[HEADER_LEN - 1], raw[HEADER_LEN:]
    if flag == CLEARED:
        return Record(version)
    if flag not in (TOKEN, DEMOTED):
        return Record(version, None, "is not a boxauth record")
    opened = _open(body, key, sealer)
    if isinstance(opened, Success):
        return Record(version, opened.unwrap())
    return Record(version, None, opened.failure())


def _open(body: str, key: str, sealer: Sealer | None) -> Result[AccessToken, str]:
    kind, rest = body[:1], body[1:]
    if kind == PLAIN:
        if sealer is not None:
            # With encryption on, a clear record may have been planted by whoever
            # can write to Redis (another account's token): never use it.
            return Failure("is not encrypted, and encryption_keys are set")
        return _token(rest)
    if kind == SEALED:
        if sealer is None:
            return Failure("is encrypted, and no encryption_keys are set")
        return _unseal(sealer, key, rest)
    return Failure("has a body of an unknown kind")


def demotes(read: AccessToken | None, token: AccessToken) -> bool:
    """``token`` is ``read`` less its refresh token (Box refused it): a demotion."""
    return (
        read is not None
        and bool(read.refresh_token)
        and not token.refresh_token
        and token.access_token == read.access_token
        and token.owner == read.owner
    )
