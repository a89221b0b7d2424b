"""The JWT assertion for Box's jwt-bearer grant, as a value.

Box's rules: developer.box.com/guides/authentication/jwt/without-sdk/.

The core builds the header and claims and assembles the compact JWS
``b64url(header).b64url(claims).b64url(signature)``; the signature itself comes
from a *signer port*: any callable that takes the signing input bytes and
returns ``Result[bytes, AuthError]``. The adapter behind it holds the key.

Box's rules implemented here:
- header ``alg`` RS256/RS384/RS512, ``kid`` = the app's publicKeyID, ``typ`` "JWT"
  (``typ`` is not required by Box's guide: UNCONFIRMED, and sending it is safe);
- claims ``iss`` = client id, ``sub`` + ``box_sub_type`` = the subject,
  ``aud`` exactly ``https://api.box.com/oauth2/token`` (even when requests go
  to another base URL: Box checks this constant), a fresh ``jti`` of 16..128
  characters, ``exp`` an *integer* at most 60 s after "now", ``iat``.
- "now" is the local clock plus an optional correction (``skew``) learned from
  Box's Date header, so a shell can re-sign after Box's 'exp' errors.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Callable
from dataclasses import dataclass

from returns.result import Failure, Result, Success

from .errors import AuthError, InvalidInput, is_real_number
from .redaction import Redacted, secret_field
from .settings import Algorithm, JWTSettings, Subject, SubjectKind

AUDIENCE = "https://api.box.com/oauth2/token"
DEFAULT_LIFETIME = 30
MAX_LIFETIME = 60
MIN_JTI, MAX_JTI = 16, 128
# A correction larger than a day is not clock skew; refuse it rather than sign junk.
MAX_SKEW = 86_400.0

# Unix times past 2**53 are not exact as floats and are no real "now".
MAX_NOW = float(2**53)

Signer = Callable[[bytes], Result[bytes, AuthError]]


@dataclass(frozen=True, slots=True)
class JWTHeader:
    alg: Algorithm
    kid: str
    typ: str = "JWT"


@dataclass(frozen=True, slots=True)
class JWTClaims:
    iss: str
    sub: str
    box_sub_type: str
    aud: str
    jti: str
    exp: int
    iat: int


@dataclass(frozen=True, slots=True, repr=False)
class Assertion(Redacted):
    """A signed assertion. Single use: its jti must never be sent twice."""

    jti: str
    exp: int
    token: str = secret_field()


def build_claims(
    settings: JWTSettings,
    *,
    now: float,
    jti: str,
    lifetime: int = DEFAULT_LIFETIME,
    skew: float = 0.0,
) -> Result[tuple[JWTHeader, JWTClaims], InvalidInput]:
    """Header and claims for ``settings.subject`` at ``now + skew``.

    ``exp`` is ``floor(now + skew) + lifetime``, so ``exp - (now + skew)`` lies
    in ``(lifetime - 1, lifetime]`` and never exceeds Box's 60 s.
    """
    if isinstance(lifetime, bool) or not isinstance(lifetime, int):
        return Failure(InvalidInput("lifetime", "must be an integer number of seconds"))
    if not 0 < lifetime <= MAX_LIFETIME:
        return Failure(InvalidInput("lifetime", "must be in (0, 60] seconds (Box's limit)"))
    if not isinstance(jti, str) or not MIN_JTI <= len(jti) <= MAX_JTI:
        return Failure(InvalidInput("jti", "must be 16 to 128 characters (Box's rule)"))
    if not jti.isascii() or not jti.isprintable():
        return Failure(InvalidInput("jti", "must be printable ASCII"))
    if not isinstance(settings, JWTSettings):
        return Failure(InvalidInput("settings", "must be JWTSettings"))
    subject, algorithm = settings.subject, settings.algorithm
    if not isinstance(subject, Subject) or not isinstance(subject.kind, SubjectKind):
        return Failure(InvalidInput("settings", "has no valid subject"))
    if not isinstance(algorithm, Algorithm):
        return Failure(InvalidInput("settings", "has no valid algorithm"))
    if not is_real_number(now) or not 0 <= now <= MAX_NOW:
        return Failure(InvalidInput("now", "must be a finite, non-negative Unix time"))
    if not is_real_number(skew) or abs(skew) > MAX_SKEW:
        return Failure(InvalidInput("skew", "must be a finite correction of at most a day"))
    issued = math.floor(now + skew)
    header = JWTHeader(alg=settings.algorithm, kid=settings.jwt_key_id)
    claims = JWTClaims(
        iss=settings.client_id,
        sub=settings.subject.id,
        box_sub_type=settings.subject.kind.value,
        aud=AUDIENCE,
        jti=jti,
        exp=issued + lifetime,
        iat=issued,
    )
    return Success((header, claims))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _compact_json(obj: object) -> bytes:
    return json.dumps(obj, separators=(",", ":"), sort_keys=True).encode("utf-8")


def signing_input(header: JWTHeader, claims: JWTClaims) -> bytes:
    """``b64url(header) "." b64url(claims)``: the bytes the signer signs (RFC 7515 §5.1).

    ``b""`` (nothing to sign) for anything but a header and claims of JSON types.
    """
    if not isinstance(header, JWTHeader) or not isinstance(claims, JWTClaims):
        return b""
    if not isinstance(header.alg, Algorithm):
        return b""
    head = {"alg": header.alg.value, "kid": header.kid, "typ": header.typ}
    body = {
        "iss": claims.iss,
        "sub": claims.sub,
        "box_sub_type": claims.box_sub_type,
        "aud": claims.aud,
        "jti": claims.jti,
        "exp": claims.exp,
        "iat": claims.iat,
    }
    try:
        return f"{_b64url(_compact_json(head))}.{_b64url(_compact_json(body))}".encode("ascii")
    except (TypeError, ValueError):  # a field that is not a JSON value
        return b""


def assemble(header: JWTHeader, claims: JWTClaims, signer: Signer) -> Result[Assertion, AuthError]:
    """Sign and assemble the compact JWS."""
    if not callable(signer):
        return Failure(InvalidInput("signer", "must be a callable"))
    message = signing_input(header, claims)
    if not message:
        return Failure(InvalidInput("claims", "are not a JWT header and claims"))
    signed = signer(message)
    if not isinstance(signed, Success):
        if isinstance(signed, Failure):
            return Failure(signed.failure())
        return Failure(InvalidInput("signer", "returned no Result"))
    signature = signed.unwrap()
    if not isinstance(signature, bytes) or not signature:
        return Failure(InvalidInput("signer", "returned no signature"))
    token = f"{message.decode('ascii')}.{_b64url(signature)}"
    return Success(Assertion(jti=claims.jti, exp=claims.exp, token=token))


def make_assertion(
    settings: JWTSettings,
    signer: Signer,
    *,
    now: float,
    jti: str,
    lifetime: int = DEFAULT_LIFETIME,
    skew: float = 0.0,
) -> Result[Assertion, AuthError]:
    """Named steps: build the claims, then sign them."""
    parts = build_claims(settings, now=now, jti=jti, lifetime=lifetime, skew=skew)
    if not isinstance(parts, Success):
        return Failure(parts.failure())
    header, claims = parts.unwrap()
    return assemble(header, claims, signer)
