"""access_token: the storage form, its parser's exact refusals, the camelCase constructor.

Written to close the gaps that mutation testing (``bash .ci/mutation``) found:
every assertion is about behaviour a user or a stored file relies on.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Success

from boxauth.access_token import (
    MAX_SERIALIZED,
    MAX_TOKEN,
    AccessToken,
    RestrictedTo,
    check_time,
    check_token,
    check_token_text,
    token_from_json,
    token_to_json,
)
from boxauth.errors import InvalidInput

B64 = "ABCabcxyz0189-._~+/"
bearer = st.text(B64, min_size=1, max_size=24)
opt_text = st.none() | st.text("abcdef", min_size=1, max_size=6)
restricted = st.builds(
    RestrictedTo, st.text("abc", min_size=1, max_size=5), opt_text, opt_text, opt_text
)
times = st.none() | st.integers(-(2**53), 2**53) | st.floats(-1e15, 1e15, allow_nan=False)
tokens = st.builds(
    AccessToken,
    access_token=st.none() | bearer,
    expires_in=st.none() | st.integers(0, 10**9),
    token_type=st.none() | st.sampled_from(["bearer", "Bearer"]),
    restricted_to=st.lists(restricted, max_size=3),
    refresh_token=st.none() | bearer,
    issued_token_type=st.none() | st.just("urn:ietf:params:oauth:token-type:access_token"),
    expires_at=times,
)
STORED_KEYS = {
    "access_token",
    "expires_in",
    "token_type",
    "restricted_to",
    "refresh_token",
    "issued_token_type",
    "expires_at",
    "owner",
}


@given(tokens)
def test_storage_form_round_trips_every_field(token: AccessToken) -> None:
    assert token_from_json(token_to_json(token)) == Success(token)


@given(tokens)
def test_storage_form_is_sorted_json_with_the_documented_keys(token: AccessToken) -> None:
    text = token_to_json(token)
    data = json.loads(text)
    assert list(data) == sorted(STORED_KEYS)
    assert data["access_token"] == token.access_token
    assert data["refresh_token"] == token.refresh_token
    assert data["expires_at"] == token.expires_at
    assert data["restricted_to"] == [
        {
            "scope": r.scope,
            "object_type": r.object_type,
            "object_id": r.object_id,
            "object_name": r.object_name,
        }
        for r in token.restricted_to
    ]


def test_a_hand_written_stored_token_parses_field_by_field() -> None:
    text = json.dumps(
        {
            "access_token": "AT1",
            "refresh_token": "RT2",
            "expires_in": 3600,
            "token_type": "bearer",
            "issued_token_type": "urn:x",
            "expires_at": 12.5,
            "restricted_to": [
                {
                    "scope": "item_preview",
                    "object_type": "file",
                    "object_id": "42",
                    "object_name": "a.txt",
                },
                {"scope": "s2"},
            ],
        }
    )
    assert token_from_json(text) == Success(
        AccessToken(
            access_token="AT1",
            refresh_token="RT2",
            expires_in=3600,
            token_type="bearer",
            issued_token_type="urn:x",
            expires_at=12.5,
            restricted_to=(RestrictedTo("item_preview", "file", "42", "a.txt"), RestrictedTo("s2")),
        )
    )


def _bad(field: str, problem: str) -> Failure[InvalidInput]:
    return Failure(InvalidInput(field, problem))


ST = "stored token"
RESTRICTED_BAD = _bad(f"{ST}: restricted_to", "has a malformed entry")


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ("[]", _bad(ST, "must be a JSON object")),
        ('"x"', _bad(ST, "must be a JSON object")),
        ("{", _bad(ST, "is not valid JSON")),
        ("[" * 100_000, _bad(ST, "is not valid JSON")),
        ('{"token_type": 1}', _bad(f"{ST}: token_type", "must be str or null")),
        ('{"issued_token_type": []}', _bad(f"{ST}: issued_token_type", "must be str or null")),
        ('{"expires_in": "1"}', _bad(f"{ST}: expires_in", "must be int or null")),
        ('{"expires_in": true}', _bad(f"{ST}: expires_in", "must be int or null")),
        ('{"access_token": ""}', _bad(f"{ST}: access_token", "is empty")),
        (
            '{"refresh_token": "a b"}',
            _bad(
                f"{ST}: refresh_token",
                "is not a token: only visible ASCII, no spaces, control or non-ASCII characters",
            ),
        ),
        ('{"access_token": 5}', _bad(f"{ST}: access_token", "must be a string")),
        ('{"expires_at": "1"}', _bad(f"{ST}: expires_at", "must be a number or null")),
        ('{"expires_at": false}', _bad(f"{ST}: expires_at", "must be a number or null")),
        ('{"expires_at": 1e400}', _bad(f"{ST}: expires_at", "must be a finite number")),
        ('{"expires_at": NaN}', _bad(f"{ST}: expires_at", "must be a finite number")),
        ('{"expires_at": 9007199254740993}', _bad(f"{ST}: expires_at", "is out of range")),
        ('{"restricted_to": {"a": 1}}', _bad(f"{ST}: restricted_to", "must be a list")),
        ('{"restricted_to": [1]}', RESTRICTED_BAD),
        ('{"restricted_to": [{}]}', RESTRICTED_BAD),
        ('{"restricted_to": [{"scope": 1}]}', RESTRICTED_BAD),
        ('{"restricted_to": [{"scope": "s", "object_type": 1}]}', RESTRICTED_BAD),
        ('{"restricted_to": [{"scope": "s", "object_id": 1}]}', RESTRICTED_BAD),
        ('{"restricted_to": [{"scope": "s", "object_name": []}]}', RESTRICTED_BAD),
    ],
)
def test_each_malformed_stored_token_is_refused_with_its_reason(
    stored: str, expected: Failure[InvalidInput]
) -> None:
    assert token_from_json(stored) == expected


def test_absent_and_empty_restricted_to_mean_unrestricted() -> None:
    assert token_from_json('{"restricted_to": null}') == Success(AccessToken())
    assert token_from_json('{"restricted_to": []}') == Success(AccessToken())
    assert token_from_json("{}") == Success(AccessToken())


@given(st.integers(0, 64))
def test_size_limit_is_inclusive(pad: int) -> None:
    # A stored token of exactly MAX_SERIALIZED characters is read; one more is not.
    body = "{}"
    exact = body + " " * (MAX_SERIALIZED - len(body))
    assert token_from_json(exact) == Success(AccessToken())
    over = exact + " " * (pad + 1)
    assert token_from_json(over) == _bad(ST, "is larger than 256 KiB")
    assert token_from_json(over.encode()) == _bad(ST, "is larger than 256 KiB")


def test_non_text_is_refused() -> None:
    assert token_from_json(None) == _bad(ST, "must be JSON text")  # type: ignore[arg-type]
    assert token_from_json(b"{}") == Success(AccessToken())


@given(bearer, st.lists(restricted, max_size=3))
def test_camel_case_constructor_matches_snake_case(text: str, rs: list[RestrictedTo]) -> None:
    camel: dict[str, Any] = {
        "accessToken": text,
        "refreshToken": text,
        "expiresIn": 5,
        "tokenType": "bearer",
        "issuedTokenType": "t",
        "expiresAt": 7.0,
        "restrictedTo": rs,
    }
    snake = AccessToken(
        access_token=text,
        refresh_token=text,
        expires_in=5,
        token_type="bearer",
        issued_token_type="t",
        expires_at=7.0,
        restricted_to=tuple(rs),
    )
    made = AccessToken(**camel)
    assert made == snake
    assert isinstance(made.restricted_to, tuple)
    assert made.is_restricted == bool(rs)
    # Giving the same value both ways is allowed; different values are not.
    assert AccessToken(access_token=text, accessToken=text) == AccessToken(access_token=text)
    with pytest.raises(TypeError, match="got both 'access_token' and 'accessToken'"):
        AccessToken(access_token=text, accessToken=text + "x")


def test_camel_case_constructor_refuses_unknown_names() -> None:
    with pytest.raises(TypeError, match="unexpected keyword argument 'accesstoken'"):
        AccessToken(accesstoken="x")


def test_check_token_text_limits() -> None:
    assert check_token_text("a" * MAX_TOKEN, "f") == Success("a" * MAX_TOKEN)
    assert check_token_text("a" * (MAX_TOKEN + 1), "f") == _bad(
        "f", f"is longer than {MAX_TOKEN} characters"
    )
    assert check_token_text("abc==", "f") == Success("abc==")
    assert check_token_text("abc\n", "f").failure().field == "f"


@pytest.mark.parametrize("value", [0, -1, 1.5, 2**53, -(2**53), float(2**53)])
def test_check_time_accepts_finite_numbers_within_range(value: float) -> None:
    assert check_time(value, "f") == Success(value)


def test_check_token_refusals_name_the_field() -> None:
    assert check_token("x") == _bad("token", "must be an AccessToken")
    assert check_token(AccessToken(refresh_token=""), "t") == _bad("t: refresh_token", "is empty")
    assert check_token(AccessToken(expires_at=float("inf")), "t") == _bad(
        "t: expires_at", "must be a finite number"
    )
    assert check_token(AccessToken(token_type=1), "t") == _bad(  # type: ignore[arg-type]
        "t: token_type", "must be a string or null"
    )
    assert check_token(AccessToken(restricted_to=["s"]), "t") == _bad(  # type: ignore[list-item]
        "t: restricted_to", "has a malformed entry"
    )
    good = AccessToken(
        access_token="A",
        refresh_token="R",
        expires_in=1,
        expires_at=2.0,
        token_type="bearer",
        restricted_to=(RestrictedTo("s"),),
    )
    assert check_token(good) == Success(good)
