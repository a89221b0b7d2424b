"""jwt: exact refusals, the exact signing input bytes, signature encoding, default skew.

Written to close the gaps that mutation testing (``bash .ci/mutation``) found.
"""

from __future__ import annotations

import base64

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from returns.result import Failure, Result, Success

from boxauth.config import Algorithm, jwt_settings
from boxauth.errors import AuthError, InvalidInput
from boxauth.jwt import build_claims, make_assertion, signing_input

SETTINGS = jwt_settings(
    client_id="cid",
    client_secret="S",
    jwt_key_id="kid",
    private_key="PEM",
    private_key_passphrase=None,
    enterprise_id="7",
    algorithm=Algorithm.RS384,
).unwrap()
JTI = "j" * 16


def _bad(field: str, problem: str) -> Failure[InvalidInput]:
    return Failure(InvalidInput(field, problem))


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"lifetime": 1.0}, _bad("lifetime", "must be an integer number of seconds")),
        ({"lifetime": 0}, _bad("lifetime", "must be in (0, 60] seconds (Box's limit)")),
        ({"lifetime": 61}, _bad("lifetime", "must be in (0, 60] seconds (Box's limit)")),
        ({"jti": "j" * 15}, _bad("jti", "must be 16 to 128 characters (Box's rule)")),
        ({"jti": "j" * 129}, _bad("jti", "must be 16 to 128 characters (Box's rule)")),
        ({"jti": "é" * 16}, _bad("jti", "must be printable ASCII")),
        ({"jti": "j" * 15 + "\n"}, _bad("jti", "must be printable ASCII")),
        ({"now": -1.0}, _bad("now", "must be a finite, non-negative Unix time")),
        ({"now": float("inf")}, _bad("now", "must be a finite, non-negative Unix time")),
        ({"skew": 86_401.0}, _bad("skew", "must be a finite correction of at most a day")),
        ({"skew": float("nan")}, _bad("skew", "must be a finite correction of at most a day")),
    ],
)
def test_build_claims_refusals(kwargs: dict[str, object], expected: object) -> None:
    args: dict[str, object] = {"now": 1000.0, "jti": JTI, **kwargs}
    assert build_claims(SETTINGS, **args) == expected  # type: ignore[arg-type]


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
    def signer(message: bytes) -> Result[bytes, AuthError]:
        return Success(signature)

    assertion = make_assertion(SETTINGS, signer, now=1000.0, jti=JTI).unwrap()
    message, sig = assertion.token.rsplit(".", 1)
    assert message.count(".") == 1
    assert "=" not in sig
    assert _unb64(sig) == signature


def test_signer_returning_nothing_is_refused() -> None:
    def empty(message: bytes) -> Result[bytes, AuthError]:
        return Success(b"")

    assert make_assertion(SETTINGS, empty, now=1000.0, jti=JTI) == _bad(
        "signer", "returned no signature"
    )


def test_default_skew_is_zero() -> None:
    def signer(message: bytes) -> Result[bytes, AuthError]:
        return Success(b"s")

    a = make_assertion(SETTINGS, signer, now=1000.5, jti=JTI).unwrap()
    assert a.exp == 1000 + 30
    b = make_assertion(SETTINGS, signer, now=1000.5, jti=JTI, skew=1.0).unwrap()
    assert b.exp == 1001 + 30


def test_settings_type_and_largest_now() -> None:
    assert build_claims(None, now=1000.0, jti=JTI) == _bad(  # type: ignore[arg-type]
        "settings", "must be JWTSettings"
    )
    _header, claims = build_claims(SETTINGS, now=2.0**53, jti=JTI).unwrap()
    assert claims.iat == 2**53
