"""Parse and check a JWT assertion, written for the emulator alone.

Independence rule: nothing here is shared with the client side. The JWT is
split and base64url-decoded by hand and the RSA signature is checked with
``cryptography`` directly, against the public key registered under ``kid``.

The rules are Box's JWT guide's
(https://developer.box.com/guides/authentication/jwt/without-sdk/). Strict
readings where it is silent or contradicts itself (UNCONFIRMED):
- ``kid`` is required (the guide calls it required and optional at once).
- ``typ`` is required and must be "JWT" (every signing library sends it).
- ``nbf``, when present, must be an integer not after server now; ``iat``,
  when present, must be an integer.
- The 60-second limit on ``exp`` is measured against the server's clock,
  which is what Box's two 'exp' error texts imply.
The signature is checked before any claim, so an unsigned assertion learns
nothing about which claim is wrong.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from . import texts
from .texts import OAuthError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

AUDIENCE = "https://api.box.com/oauth2/token"
MAX_EXP_AHEAD = 60
JTI_MIN, JTI_MAX = 16, 128

_HASHES = {"RS256": "SHA256", "RS384": "SHA384", "RS512": "SHA512"}  # names in hashes


def _grant_error(description: str) -> OAuthError:
    return OAuthError("invalid_grant", description)


def _b64(part: str) -> bytes:
    # base64url without padding (RFC 7515 §2); refuse padding and stray bytes.
    if "=" in part:
        raise ValueError("padded")
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _json_object(part: str) -> dict[str, Any]:
    # json.loads raises RecursionError, not ValueError, on deeply nested input.
    value = json.loads(_b64(part))
    if not isinstance(value, dict):
        raise ValueError("not an object")
    return value


def _is_int(value: object) -> bool:
    # bool is an int in Python, but true/false is not a NumericDate.
    return isinstance(value, int) and not isinstance(value, bool)


def check_signed(
    assertion: str, client_id: str, keys: Mapping[str, RSAPublicKey]
) -> dict[str, Any]:
    """Header, signature and issuer; returns the claims."""
    parts = assertion.split(".")
    if len(parts) != 3:
        raise _grant_error(texts.JWT_MALFORMED)
    try:
        header = _json_object(parts[0])
        claims = _json_object(parts[1])
        signature = _b64(parts[2])
    except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError):
        raise _grant_error(texts.JWT_MALFORMED) from None
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in _HASHES:
        raise _grant_error(texts.ALGORITHM_NOT_ALLOWED)
    if header.get("typ") != "JWT":
        raise _grant_error(texts.TYP_INVALID)
    kid = header.get("kid")
    key = keys.get(kid) if isinstance(kid, str) else None
    if key is None:
        raise _grant_error(texts.KID_INVALID)
    signed = f"{parts[0]}.{parts[1]}".encode("ascii")
    if not _verifies(key, signature, signed, _HASHES[alg]):
        raise _grant_error(texts.SIGNATURE_INVALID)
    if claims.get("iss") != client_id:
        raise _grant_error(texts.ISS_INVALID)
    if claims.get("aud") != AUDIENCE:
        raise _grant_error(texts.AUD_INVALID)
    return claims


def _verifies(key: RSAPublicKey, signature: bytes, signed: bytes, hash_name: str) -> bool:
    # Imported here: cryptography costs ~60 ms to import, and most runs of
    # ``boxauth emulator`` never verify a JWT.
    from cryptography.exceptions import InvalidSignature  # noqa: PLC0415
    from cryptography.hazmat.primitives import hashes  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric import padding  # noqa: PLC0415

    algorithm: hashes.HashAlgorithm = getattr(hashes, hash_name)()
    try:
        key.verify(signature, signed, padding.PKCS1v15(), algorithm)
    except InvalidSignature:
        return False
    return True


def check_times(claims: Mapping[str, Any], now: float) -> None:
    """exp, nbf and iat against the server clock."""
    exp = claims.get("exp")
    if not isinstance(exp, int) or isinstance(exp, bool):
        raise _grant_error(texts.EXP_NOT_INTEGER)
    if exp <= now:
        raise _grant_error(texts.EXP_PASSED)
    if exp > now + MAX_EXP_AHEAD:
        raise _grant_error(texts.EXP_TOO_FAR)
    if "nbf" in claims:
        nbf = claims["nbf"]
        if not _is_int(nbf) or nbf > now:
            raise _grant_error(texts.NBF_INVALID)
    if "iat" in claims and not _is_int(claims["iat"]):
        raise _grant_error(texts.IAT_INVALID)


def check_jti(claims: Mapping[str, Any]) -> str:
    jti = claims.get("jti")
    if not isinstance(jti, str) or not JTI_MIN <= len(jti) <= JTI_MAX:
        raise _grant_error(texts.JTI_LENGTH)
    return jti


def peek_jti(assertion: str) -> str | None:
    """The jti of an assertion without checking anything (for the fault path)."""
    parts = assertion.split(".")
    if len(parts) != 3:
        return None
    try:
        jti = _json_object(parts[1]).get("jti")
    except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError):
        return None
    return jti if isinstance(jti, str) else None
