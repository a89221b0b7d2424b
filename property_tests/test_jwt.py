"""jwt: the JWT assertion Box's JWT grant takes: its header and claims, the exact bytes
signed, the signature's encoding, and the refusals of absurd input.

Box's rules (developer.box.com/guides/authentication/jwt/without-sdk/): ``iss`` the
client id, ``sub`` the enterprise or user id with ``box_sub_type``, ``aud`` the token
URL, a ``jti`` of 16 to 128 characters, and ``exp`` at most 60 s ahead. The signing
input is ``b64url(header) "." b64url(claims)`` (RFC 7515 §5.1).
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json
import math
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from returns.result import Failure, Result, Success
from strategies import jwt_settings, jwt_settings_with, refused, unicode_text

from boxauth.errors import AuthError, InvalidInput, TransportFailure, TransportFailureKind
from boxauth.jwt import MAX_NOW, assemble, build_claims, make_assertion, signing_input
from boxauth.settings import Algorithm, JWTSettings, SubjectKind

AUD = "https://api.box.com/oauth2/token"
PRINTABLE_ASCII = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
jtis = st.text(PRINTABLE_ASCII, min_size=16, max_size=128)
nows = st.floats(0, 1e11, allow_nan=False, allow_infinity=False)
skews = st.floats(-86_400, 86_400, allow_nan=False)
lifetimes = st.integers(1, 60)
settings_any_text = jwt_settings(text=unicode_text.filter(lambda s: s.strip() != ""))
SETTINGS = jwt_settings_with(algorithm=Algorithm.RS384)
JTI = "j" * 16


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


def _signs(signature: bytes) -> Any:
    def signer(message: bytes) -> Result[bytes, AuthError]:
        return Success(signature)

    return signer


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
def test_build_claims_succeeds_exactly_on_valid_input(
    settings: JWTSettings, now: float, jti: str, lifetime: int, skew: float
) -> None:
    """Box's rules, written out here: a Success exactly when every one holds, else a
    Failure naming one that does not."""
    broken = {
        "lifetime": isinstance(lifetime, bool) or not 0 < lifetime <= 60,
        "jti": not (16 <= len(jti) <= 128 and jti.isascii() and jti.isprintable()),
        "now": not (math.isfinite(now) and 0 <= now <= MAX_NOW),
        "skew": not (math.isfinite(skew) and abs(skew) <= 86_400),
    }
    result = build_claims(settings, now=now, jti=jti, lifetime=lifetime, skew=skew)
    if any(broken.values()):
        assert isinstance(result, Failure)
        assert broken[result.failure().field]
    else:
        assert isinstance(result, Success)


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
    settings = jwt_settings_with(user_id="1")
    for lifetime in (1, 30, 60):
        assert isinstance(build_claims(settings, now=5.0, jti="j" * 16, lifetime=lifetime), Success)
    for lifetime in (0, -1, 61, True):
        result = build_claims(settings, now=5.0, jti="j" * 16, lifetime=lifetime)
        assert isinstance(result, Failure), lifetime
    for jti in ("j" * 15, "j" * 129):
        assert isinstance(build_claims(settings, now=5.0, jti=jti), Failure)
    for jti in ("j" * 16, "j" * 128):
        assert isinstance(build_claims(settings, now=5.0, jti=jti), Success)


non_numbers: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.text(max_size=5),
    st.binary(max_size=4),
    st.lists(st.integers(), max_size=2),
    st.builds(object),
    st.sampled_from(["1", "1000.0", 10**400, -(10**400), 2**60, math.nan, math.inf, True]),
)


@given(st.sampled_from(["now", "skew"]), non_numbers)
def test_build_claims_refuses_non_numbers(name: str, value: Any) -> None:
    kwargs: dict[str, Any] = {"now": 1000.0, "skew": 0.0, name: value}
    refused(build_claims(jwt_settings_with(), jti="j" * 16, **kwargs), name)


# -- Exact claims, signing input and signature -----------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"lifetime": 1.0}, "lifetime"),
        ({"lifetime": 0}, "lifetime"),
        ({"lifetime": 61}, "lifetime"),
        ({"jti": "j" * 15}, "jti"),
        ({"jti": "j" * 129}, "jti"),
        ({"jti": "é" * 16}, "jti"),
        ({"jti": "j" * 15 + "\n"}, "jti"),
        ({"now": -1.0}, "now"),
        ({"now": float("inf")}, "now"),
        ({"skew": 86_401.0}, "skew"),
        ({"skew": float("nan")}, "skew"),
    ],
)
def test_build_claims_refusals(kwargs: dict[str, object], field: str) -> None:
    args: dict[str, object] = {"now": 1000.0, "jti": JTI, **kwargs}
    refused(build_claims(SETTINGS, **args), field)  # type: ignore[arg-type]


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_signing_input_is_sorted_compact_json() -> None:
    header, claims = build_claims(SETTINGS, now=1000.7, jti=JTI, lifetime=60).unwrap()
    head, body = signing_input(header, claims).decode("ascii").split(".")
    assert _unb64(head) == b'{"alg":"RS384","kid":"kid","typ":"JWT"}'
    assert _unb64(body) == (
        b'{"aud":"https://api.box.com/oauth2/token","box_sub_type":"enterprise","exp":1060,'
        b'"iat":1000,"iss":"cid","jti":"jjjjjjjjjjjjjjjj","sub":"7"}'
    )


@given(st.binary(min_size=1, max_size=64))
@example(b"\x00\x00\x17")  # encodes to "AAAX": a trailing X must survive
@example(b"\xff\xff\xfe")  # encodes to "___-"
def test_signature_is_unpadded_base64url_of_the_signers_bytes(signature: bytes) -> None:
    assertion = make_assertion(SETTINGS, _signs(signature), now=1000.0, jti=JTI).unwrap()
    message, sig = assertion.token.rsplit(".", 1)
    assert message.count(".") == 1
    assert "=" not in sig
    assert _unb64(sig) == signature


def test_default_skew_is_zero() -> None:
    a = make_assertion(SETTINGS, _signs(b"s"), now=1000.5, jti=JTI).unwrap()
    assert a.exp == 1000 + 30
    b = make_assertion(SETTINGS, _signs(b"s"), now=1000.5, jti=JTI, skew=1.0).unwrap()
    assert b.exp == 1001 + 30


def test_settings_type_and_largest_now() -> None:
    refused(build_claims(None, now=1000.0, jti=JTI), "settings")  # type: ignore[arg-type]
    _header, claims = build_claims(SETTINGS, now=2.0**53, jti=JTI).unwrap()
    assert claims.iat == 2**53


# -- Wording: the one test that pins this module's refusal texts -----------------------


def test_refusal_wording() -> None:
    """Every refusal text of this module, once; the other tests check the field."""
    header, claims = build_claims(SETTINGS, now=1000.0, jti=JTI).unwrap()
    cases: list[tuple[Result[Any, AuthError], str]] = [
        (
            build_claims(SETTINGS, now=1000.0, jti=JTI, lifetime=1.0),  # type: ignore[arg-type]
            "lifetime: must be an integer number of seconds",
        ),
        (
            build_claims(SETTINGS, now=1000.0, jti=JTI, lifetime=61),
            "lifetime: must be in (0, 60] seconds (Box's limit)",
        ),
        (
            build_claims(SETTINGS, now=1000.0, jti="j" * 15),
            "jti: must be 16 to 128 characters (Box's rule)",
        ),
        (build_claims(SETTINGS, now=1000.0, jti="é" * 16), "jti: must be printable ASCII"),
        (
            build_claims(None, now=1000.0, jti=JTI),  # type: ignore[arg-type]
            "settings: must be JWTSettings",
        ),
        (
            build_claims(dataclasses.replace(SETTINGS, subject=None), now=1000.0, jti=JTI),
            "settings: has no valid subject",
        ),
        (
            build_claims(dataclasses.replace(SETTINGS, algorithm="RS256"), now=1000.0, jti=JTI),
            "settings: has no valid algorithm",
        ),
        (
            build_claims(SETTINGS, now=-1.0, jti=JTI),
            "now: must be a finite, non-negative Unix time",
        ),
        (
            build_claims(SETTINGS, now=1000.0, jti=JTI, skew=86_401.0),
            "skew: must be a finite correction of at most a day",
        ),
        (assemble(header, claims, "not callable"), "signer: must be a callable"),  # type: ignore[arg-type]
        (
            assemble(None, claims, _signs(b"s")),  # type: ignore[arg-type]
            "claims: are not a JWT header and claims",
        ),
        (assemble(header, claims, lambda _m: b"raw"), "signer: returned no Result"),  # type: ignore[arg-type,return-value]
        (assemble(header, claims, _signs(b"")), "signer: returned no signature"),
    ]
    for result, message in cases:
        assert result.failure().message() == message


def test_edges_of_the_claims_and_of_the_signing_input() -> None:
    assert isinstance(build_claims(SETTINGS, now=1000.0, jti=JTI, skew=86_400.0), Success)
    assert isinstance(build_claims(SETTINGS, now=1000.0, jti=JTI, skew=-86_400.0), Success)
    header, claims = build_claims(SETTINGS, now=1000.0, jti=JTI).unwrap()
    assert signing_input(None, claims) == b""  # type: ignore[arg-type]
    assert signing_input(header, None) == b""  # type: ignore[arg-type]
    assert signing_input(dataclasses.replace(header, alg="RS256"), claims) == b""
    assert signing_input(header, dataclasses.replace(claims, iss=object())) == b""
