"""Properties of the JWT assertion (protocol notes §3)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Result, Success
from strategies import jwt_settings, unicode_text

from boxauth.config import JWTSettings, SubjectKind
from boxauth.errors import AuthError, InvalidInput, TransportFailure, TransportFailureKind
from boxauth.jwt import build_claims, make_assertion, signing_input

AUD = "https://api.box.com/oauth2/token"
PRINTABLE_ASCII = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
jtis = st.text(PRINTABLE_ASCII, min_size=16, max_size=128)
nows = st.floats(0, 1e11, allow_nan=False, allow_infinity=False)
skews = st.floats(-86_400, 86_400, allow_nan=False)
lifetimes = st.integers(1, 60)
settings_any_text = jwt_settings(text=unicode_text.filter(lambda s: s.strip() != ""))


class RecordingSigner:
    """A fake signer: remembers what it was asked to sign, answers an HMAC of it."""

    def __init__(self) -> None:
        self.inputs: list[bytes] = []

    def __call__(self, message: bytes) -> Result[bytes, AuthError]:
        self.inputs.append(message)
        return Success(hmac.new(b"k", message, hashlib.sha256).digest())


def _b64decode(part: str) -> bytes:
    assert set(part) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


@given(jwt_settings(), nows, skews, lifetimes, jtis)
def test_claims_follow_box_rules(
    settings: JWTSettings, now: float, skew: float, lifetime: int, jti: str
) -> None:
    header, claims = build_claims(settings, now=now, jti=jti, lifetime=lifetime, skew=skew).unwrap()
    assert type(claims.exp) is int
    assert type(claims.iat) is int
    ahead = Fraction(claims.exp) - Fraction(now + skew)
    assert 0 < ahead <= 60
    assert lifetime - 1 < ahead <= lifetime
    assert claims.aud == AUD
    assert claims.iss == settings.client_id
    assert claims.sub == settings.subject.id
    expected_type = {SubjectKind.ENTERPRISE: "enterprise", SubjectKind.USER: "user"}
    assert claims.box_sub_type == expected_type[settings.subject.kind]
    assert claims.jti == jti
    assert header.alg is settings.algorithm
    assert header.kid == settings.jwt_key_id
    assert header.typ == "JWT"


@given(jwt_settings(), nows, jtis)
def test_default_lifetime_without_skew(settings: JWTSettings, now: float, jti: str) -> None:
    _, claims = build_claims(settings, now=now, jti=jti).unwrap()
    assert 0 < Fraction(claims.exp) - Fraction(now) <= 30


bad_lifetimes = st.one_of(
    st.sampled_from([0, -1, 61, 62, 3600]),
    st.integers().filter(lambda n: not 0 < n <= 60),
    st.booleans(),
    st.floats(0.1, 60),
)


@given(jwt_settings(), nows, jtis, bad_lifetimes)
def test_lifetime_out_of_range_fails(
    settings: JWTSettings, now: float, jti: str, lifetime: object
) -> None:
    result = build_claims(settings, now=now, jti=jti, lifetime=lifetime)  # type: ignore[arg-type]
    assert isinstance(result, Failure)
    assert result.failure().field == "lifetime"


bad_jtis = st.one_of(
    st.text(PRINTABLE_ASCII, max_size=15),
    st.text(PRINTABLE_ASCII, min_size=129, max_size=300),
    # right length, but not printable ASCII
    st.text(min_size=16, max_size=40).filter(lambda s: not (s.isascii() and s.isprintable())),
)


@given(jwt_settings(), nows, bad_jtis)
def test_bad_jti_fails(settings: JWTSettings, now: float, jti: str) -> None:
    result = build_claims(settings, now=now, jti=jti)
    assert isinstance(result, Failure)
    assert result.failure().field == "jti"


non_finite = st.sampled_from([math.nan, math.inf, -math.inf])


@given(jwt_settings(), non_finite, jtis)
def test_non_finite_now_fails(settings: JWTSettings, now: float, jti: str) -> None:
    result = build_claims(settings, now=now, jti=jti)
    assert isinstance(result, Failure)
    assert result.failure().field == "now"
    assert isinstance(make_assertion(settings, RecordingSigner(), now=now, jti=jti), Failure)


absurd_skews = non_finite | st.floats(86_400.001, 1e12) | st.floats(-1e12, -86_400.001)


@given(jwt_settings(), nows, jtis, absurd_skews)
def test_absurd_skew_fails(settings: JWTSettings, now: float, jti: str, skew: float) -> None:
    result = build_claims(settings, now=now, jti=jti, skew=skew)
    assert isinstance(result, Failure)
    assert result.failure().field == "skew"


@given(
    jwt_settings(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=200),
    st.integers(-100, 100) | st.booleans(),
    st.floats(allow_nan=True, allow_infinity=True),
)
def test_build_claims_never_raises(
    settings: JWTSettings, now: float, jti: str, lifetime: int, skew: float
) -> None:
    result = build_claims(settings, now=now, jti=jti, lifetime=lifetime, skew=skew)
    assert isinstance(result, Success | Failure)


@given(settings_any_text, nows, skews, lifetimes, jtis)
def test_assembled_token_is_the_signed_claims(
    settings: JWTSettings, now: float, skew: float, lifetime: int, jti: str
) -> None:
    signer = RecordingSigner()
    assertion = make_assertion(
        settings, signer, now=now, jti=jti, lifetime=lifetime, skew=skew
    ).unwrap()
    header, claims = build_claims(settings, now=now, jti=jti, lifetime=lifetime, skew=skew).unwrap()
    message = signing_input(header, claims)
    assert signer.inputs == [message]

    parts = assertion.token.split(".")
    assert len(parts) == 3
    assert all(parts)
    assert f"{parts[0]}.{parts[1]}".encode("ascii") == message
    assert _b64decode(parts[2]) == hmac.new(b"k", message, hashlib.sha256).digest()
    assert json.loads(_b64decode(parts[0])) == {
        "alg": settings.algorithm.value,
        "kid": settings.jwt_key_id,
        "typ": "JWT",
    }
    decoded = json.loads(_b64decode(parts[1]))
    issued = math.floor(now + skew)
    assert decoded == {
        "iss": settings.client_id,
        "sub": settings.subject.id,
        "box_sub_type": settings.subject.kind.value,
        "aud": AUD,
        "jti": jti,
        "exp": issued + lifetime,
        "iat": issued,
    }
    assert type(decoded["exp"]) is int
    assert assertion.jti == jti
    assert assertion.exp == decoded["exp"]


errors = st.one_of(
    st.builds(InvalidInput, st.text(max_size=5), st.text(max_size=5)),
    st.builds(
        TransportFailure, st.sampled_from(TransportFailureKind), st.text(max_size=5), st.booleans()
    ),
)


@given(jwt_settings(), nows, jtis, errors)
def test_signer_failure_propagates(
    settings: JWTSettings, now: float, jti: str, error: AuthError
) -> None:
    seen: list[bytes] = []

    def failing(message: bytes) -> Result[bytes, AuthError]:
        seen.append(message)
        return Failure(error)

    result = make_assertion(settings, failing, now=now, jti=jti)
    assert isinstance(result, Failure)
    assert result.failure() is error
    assert len(seen) == 1


@given(jwt_settings(), nows, jtis)
def test_empty_signature_fails(settings: JWTSettings, now: float, jti: str) -> None:
    result = make_assertion(settings, lambda _m: Success(b""), now=now, jti=jti)
    assert isinstance(result, Failure)
    assert result.failure().field == "signer"


@given(jwt_settings(), nows, bad_jtis)
def test_invalid_claims_never_reach_the_signer(settings: JWTSettings, now: float, jti: str) -> None:
    signer = RecordingSigner()
    assert isinstance(make_assertion(settings, signer, now=now, jti=jti), Failure)
    assert signer.inputs == []


def test_lifetime_boundaries() -> None:
    settings = _fixed_settings()
    for lifetime in (1, 30, 60):
        assert isinstance(build_claims(settings, now=5.0, jti="j" * 16, lifetime=lifetime), Success)
    for lifetime in (0, -1, 61, True):
        result = build_claims(settings, now=5.0, jti="j" * 16, lifetime=lifetime)
        assert isinstance(result, Failure), lifetime
    for jti in ("j" * 15, "j" * 129):
        assert isinstance(build_claims(settings, now=5.0, jti=jti), Failure)
    for jti in ("j" * 16, "j" * 128):
        assert isinstance(build_claims(settings, now=5.0, jti=jti), Success)


def _fixed_settings() -> JWTSettings:
    from boxauth import config

    return config.jwt_settings(
        client_id="c",
        client_secret="s",
        jwt_key_id="k",
        private_key="p",
        private_key_passphrase=None,
        user_id="1",
    ).unwrap()
