"""access_token: the token value, the checks every token passes, its storage form, and
box_sdk_gen's shapes (camelCase names, ``restricted_to`` objects, ``to_dict``/``from_dict``).

Token text is any visible ASCII (RFC 5234 VCHAR, %x21-7E), 1 to 4096 characters:
Box's downscoped tokens begin with "1!" (developer.box.com/guides/authentication/
tokens/downscope/), and nothing that could break an HTTP header line (space, CR,
LF, other controls, non-ASCII) is ever accepted.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Result, Success
from strategies import ANY_CHAR, refused

import boxauth.access_token as access_token_module
from boxauth.access_token import (
    MAX_SERIALIZED,
    MAX_TOKEN,
    AccessToken,
    RestrictedObject,
    RestrictedTo,
    check_time,
    check_token,
    check_token_text,
    is_foreign_file,
    token_from_dict,
    token_from_json,
    token_to_json,
)
from boxauth.errors import InvalidInput
from boxauth.exceptions import BoxConfigError
from boxauth.identity import Owner

# Box's downscope guide: "access_token": "1!DgsZ6V9kMWZu2StrxwQDF5BudQNen-xUmU2cfcVKArE...."
DOWNSCOPED = "1!DgsZ6V9kMWZu2StrxwQDF5BudQNen-xUmU2cfcVKArE...."
VISIBLE_ASCII = re.compile(r"[\x21-\x7e]+")
ST = "stored token"

visible = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=80)
opt_text = st.none() | st.text("abcdef0123_", min_size=1, max_size=6)
restricted = st.builds(
    RestrictedTo, st.text("abc_", min_size=1, max_size=8), opt_text, opt_text, opt_text
)
times = st.none() | st.integers(-(2**53), 2**53) | st.floats(-1e15, 1e15, allow_nan=False)
tokens = st.builds(
    AccessToken,
    access_token=st.none() | visible,
    expires_in=st.none() | st.integers(0, 10**9),
    token_type=st.none() | st.sampled_from(["bearer", "Bearer"]),
    restricted_to=st.none() | st.lists(restricted, max_size=3),
    refresh_token=st.none() | visible,
    issued_token_type=st.none() | st.just("urn:ietf:params:oauth:token-type:access_token"),
    expires_at=times,
    owner=st.none() | st.just(Owner("cid", "enterprise", "42")),
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

# Good tokens: visible ASCII, sometimes in the downscoped "1!" form.
TOKEN_CHARS = "ABCXYZabcxyz0189-._~+/=!\"#$%&'()*,:;<>?@[\\]^`{|}"
good_tokens: st.SearchStrategy[str] = st.text(TOKEN_CHARS, min_size=1, max_size=64) | st.builds(
    lambda body: "1!" + body, st.text(TOKEN_CHARS, max_size=62)
)
# Characters a token may never hold: CR, LF, space, other controls, DEL, non-ASCII...
bad_chars = st.sampled_from(
    ["\r", "\n", "\r\n", " ", "\t", "\0", "\x7f", "\x1b", "€", "é", "\x85", "\u2028", "\ufeff"]
)
# Anything that is not a str: what untyped callers can pass.
wrong_types: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.binary(max_size=8),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.builds(object),
)
non_str = wrong_types.filter(lambda v: not isinstance(v, str))
token_fields = st.sampled_from(["access_token", "refresh_token"])


@st.composite
def broken_tokens(draw: st.DrawFn) -> str:
    """A good token with one bad character put somewhere."""
    token = draw(good_tokens)
    bad = draw(bad_chars)
    at = draw(st.integers(0, len(token)))
    return token[:at] + bad + token[at:]


def _refused_without_echo(result: object, field: str, value: str) -> None:
    error = refused(result, field)
    if len(value) >= 8:  # a short value can occur in any sentence by chance
        assert value not in error.message()


# -- Token text ------------------------------------------------------------------------


@given(visible)
def test_every_visible_ascii_token_is_accepted(token: str) -> None:
    assert check_token_text(token, "access_token") == Success(token)


@given(st.text(ANY_CHAR, max_size=50))
def test_token_check_agrees_with_visible_ascii(text: str) -> None:
    ok = isinstance(check_token_text(text, "access_token"), Success)
    assert ok is bool(VISIBLE_ASCII.fullmatch(text) and len(text) <= MAX_TOKEN)


@pytest.mark.parametrize(
    "bad",
    ["", " ", "a b", "a\tb", "a\r\nb", "a\nb", "\x00", "a\x7f", "é", "a\u2028", "x" * 4097],
)
def test_only_empty_whitespace_control_non_ascii_and_absurd_lengths_are_refused(bad: str) -> None:
    _refused_without_echo(check_token_text(bad, "access_token"), "access_token", bad)


@given(broken_tokens())
def test_header_breaking_tokens_refused_without_echo(token: str) -> None:
    _refused_without_echo(check_token_text(token, "access_token"), "access_token", token)


@given(non_str)
def test_token_check_never_raises_on_wrong_type(value: Any) -> None:
    refused(check_token_text(value, "refresh_token"), "refresh_token")


def test_the_length_bound_is_inclusive() -> None:
    for char in "a!":
        assert check_token_text(char * MAX_TOKEN, "f") == Success(char * MAX_TOKEN)
        refused(check_token_text(char * (MAX_TOKEN + 1), "f"), "f")
    refused(check_token_text("", "t"), "t")
    assert check_token_text("abc==", "f") == Success("abc==")
    refused(check_token_text("abc\n", "f"), "f")


# -- Times -----------------------------------------------------------------------------


@pytest.mark.parametrize("value", [0, -1, 1.5, 2**53, -(2**53), float(2**53)])
def test_check_time_accepts_finite_numbers_within_range(value: float) -> None:
    assert check_time(value, "f") == Success(value)


# -- check_token: a token a shell did not parse itself ---------------------------------


def test_check_token_refusals_name_the_field() -> None:
    refused(check_token("x"), "token")
    refused(check_token(AccessToken(refresh_token=""), "t"), "t: refresh_token")
    refused(check_token(AccessToken(expires_at=float("inf")), "t"), "t: expires_at")
    refused(check_token(AccessToken(token_type=1), "t"), "t: token_type")  # type: ignore[arg-type]
    refused(
        check_token(AccessToken(restricted_to=["s"]), "t"),  # type: ignore[list-item]
        "t: restricted_to",
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


bad_times: st.SearchStrategy[Any] = st.one_of(
    st.sampled_from([math.nan, math.inf, -math.inf, True, False, "2030", b"1"]),
    st.sampled_from([10**400, -(10**400), 2**60, 1e300]),
    st.floats(allow_nan=True, allow_infinity=True).filter(lambda f: not math.isfinite(f)),
    st.text(max_size=5),
    st.builds(object),
)


@given(bad_times, st.sampled_from(["expires_at", "expires_in"]))
def test_check_token_refuses_non_numbers_and_non_finite(value: Any, field: str) -> None:
    token = AccessToken(access_token="tok", **{field: value})
    refused(check_token(token), f"token: {field}")


@given(broken_tokens(), token_fields)
def test_check_token_refuses_bad_token_text(token: str, field: str) -> None:
    fields: dict[str, Any] = {field: token}
    _refused_without_echo(check_token(AccessToken(**fields)), f"token: {field}", token)


@given(wrong_types)
def test_check_token_never_raises_on_non_tokens(value: Any) -> None:
    refused(check_token(value), "token")


@given(non_str.filter(lambda v: v is not None), token_fields)
def test_check_token_refuses_non_str_tokens(value: Any, field: str) -> None:
    refused(check_token(AccessToken(**{field: value})), f"token: {field}")


def test_a_downscoped_token_is_stored_and_read_back() -> None:
    token = AccessToken(access_token=DOWNSCOPED, expires_in=4175, expires_at=10.0)
    assert check_token(token) == Success(token)
    assert token_from_json(token_to_json(token)) == Success(token)


# -- The storage form: token_to_json / token_from_json ---------------------------------


@given(tokens)
def test_storage_form_round_trips_every_field(token: AccessToken) -> None:
    assert token_from_json(token_to_json(token)) == Success(token)


@given(good_tokens, st.none() | good_tokens, st.none() | st.floats(0, 1e10))
def test_stored_form_round_trips_and_passes_check(
    token: str, refresh: str | None, expires_at: float | None
) -> None:
    original = AccessToken(access_token=token, refresh_token=refresh, expires_at=expires_at)
    back = token_from_json(token_to_json(original)).unwrap()
    assert back == original
    assert check_token(back) == Success(back)


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


@pytest.mark.parametrize(
    ("stored", "field"),
    [
        ("[]", ST),
        ('"x"', ST),
        ("{", ST),
        ("[" * 100_000, ST),
        ('{"token_type": 1}', f"{ST}: token_type"),
        ('{"issued_token_type": []}', f"{ST}: issued_token_type"),
        ('{"expires_in": "1"}', f"{ST}: expires_in"),
        ('{"expires_in": true}', f"{ST}: expires_in"),
        ('{"access_token": ""}', f"{ST}: access_token"),
        ('{"refresh_token": "a b"}', f"{ST}: refresh_token"),
        ('{"access_token": 5}', f"{ST}: access_token"),
        ('{"expires_at": "1"}', f"{ST}: expires_at"),
        ('{"expires_at": false}', f"{ST}: expires_at"),
        ('{"expires_at": 1e400}', f"{ST}: expires_at"),
        ('{"expires_at": NaN}', f"{ST}: expires_at"),
        ('{"expires_at": 9007199254740993}', f"{ST}: expires_at"),
        ('{"restricted_to": {"a": 1}}', f"{ST}: restricted_to"),
        ('{"restricted_to": [1]}', f"{ST}: restricted_to"),
        ('{"restricted_to": [{}]}', f"{ST}: restricted_to"),
        ('{"restricted_to": [{"scope": 1}]}', f"{ST}: restricted_to"),
        ('{"restricted_to": [{"scope": "s", "object_type": 1}]}', f"{ST}: restricted_to"),
        ('{"restricted_to": [{"scope": "s", "object_id": 1}]}', f"{ST}: restricted_to"),
        ('{"restricted_to": [{"scope": "s", "object_name": []}]}', f"{ST}: restricted_to"),
    ],
)
def test_each_malformed_stored_token_is_refused_naming_its_field(stored: str, field: str) -> None:
    refused(token_from_json(stored), field)


@given(broken_tokens(), token_fields)
def test_stored_token_with_bad_token_is_refused(token: str, field: str) -> None:
    text = json.dumps({field: token, "expires_at": 5.0})
    _refused_without_echo(token_from_json(text), f"{ST}: {field}", token)


@given(st.integers(400, 4000), st.sampled_from(["expires_at", "expires_in"]))
def test_stored_huge_number_is_a_failure_not_a_raise(digits: int, key: str) -> None:
    text = '{"access_token": "t", "' + key + '": 1' + "0" * digits + "}"
    assert isinstance(token_from_json(text), Failure)


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
    refused(token_from_json(over), ST)
    refused(token_from_json(over.encode()), ST)


def test_non_text_is_refused() -> None:
    refused(token_from_json(None), ST)  # type: ignore[arg-type]
    assert token_from_json(b"{}") == Success(AccessToken())


@given(wrong_types)
def test_token_from_json_of_a_non_str_is_a_refusal_or_the_bytes_parsed(value: Any) -> None:
    got = token_from_json(value)
    if not isinstance(value, bytes):
        refused(got, ST)
        return
    try:
        data = json.loads(value)
    except (ValueError, RecursionError):
        refused(got, ST)
    else:
        assert got == token_from_dict(data, ST)


def test_token_to_json_of_a_non_token_is_null_which_reads_back_as_a_failure() -> None:
    for junk in (None, 5, AccessToken(access_token="a b")):
        text = token_to_json(junk)  # type: ignore[arg-type]
        assert text == "null"
        refused(token_from_json(text), ST)


# -- box_sdk_gen's shapes --------------------------------------------------------------


@given(visible, st.lists(restricted, max_size=3))
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


def test_an_unexpected_keyword_is_quoted_only_when_it_looks_like_one() -> None:
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'accesstoken'$"):
        AccessToken(accesstoken="a")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match=r"unexpected keyword argument '" + "a" * 32 + "'$"):
        AccessToken(**{"a" * 32: "a"})
    with pytest.raises(TypeError, match=r"unexpected keyword argument of 33 characters$"):
        AccessToken(**{"a" * 33: "a"})
    pasted = "QXZJKVW" * 6
    with pytest.raises(TypeError) as caught:
        AccessToken(**{pasted: "a"})
    assert str(caught.value) == "AccessToken() got an unexpected keyword argument of 42 characters"
    assert pasted not in str(caught.value)


def test_restricted_to_allows_box_sdk_gens_access_pattern() -> None:
    item = RestrictedTo("item_preview", "folder", "12345", "Folder")
    assert item.scope == "item_preview"
    assert item.object == RestrictedObject(type="folder", id="12345", name="Folder")
    assert (item.object.id, item.object.type, item.object.name) == ("12345", "folder", "Folder")  # type: ignore[union-attr]
    assert (item.object_id, item.object_type) == ("12345", "folder")  # ours still works
    assert RestrictedTo("item_preview").object is None
    assert RestrictedTo("s", object_id="1").object == RestrictedObject(id="1")


def test_restricted_to_none_is_accepted_as_box_sdk_gen_allows() -> None:
    token = AccessToken(access_token="a", restricted_to=None)
    assert token.restricted_to == ()
    assert not token.is_restricted
    assert AccessToken(accessToken="a", restrictedTo=None).restricted_to == ()
    assert check_token(token) == Success(token)


def test_a_restricted_to_that_is_not_a_list_is_refused_by_check_token() -> None:
    for junk in ("item_preview", 5, [1], [RestrictedTo(5)]):  # type: ignore[arg-type]
        got = check_token(AccessToken(access_token="a", restricted_to=junk))  # type: ignore[arg-type]
        refused(got, "token: restricted_to")


@given(tokens)
def test_to_dict_from_dict_round_trips_every_field(token: AccessToken) -> None:
    data = token.to_dict()
    assert AccessToken.from_dict(data) == token
    assert token_from_dict(data) == Success(token)
    assert json.loads(json.dumps(data)) == data  # plain JSON types only


def test_to_dict_has_boxs_shape_and_keeps_secrets_for_storages() -> None:
    token = AccessToken(
        access_token="AT!1",
        refresh_token="RT!2",
        expires_in=3600,
        restricted_to=[RestrictedTo("item_preview", "file", "9", None)],
        expires_at=5.0,
        owner=Owner("cid", "user", "7"),
    )
    assert token.to_dict() == {
        "access_token": "AT!1",
        "refresh_token": "RT!2",
        "expires_in": 3600,
        "restricted_to": [{"scope": "item_preview", "object": {"type": "file", "id": "9"}}],
        "expires_at": 5.0,
        "owner": {"client_id": "cid", "subject_type": "user", "subject_id": "7"},
    }
    assert AccessToken().to_dict() == {}


def test_from_dict_reads_box_sdk_gens_shape_and_our_storage_shape() -> None:
    box_shaped = {
        "access_token": DOWNSCOPED,
        "expires_in": 4175,
        "token_type": "bearer",
        "restricted_to": [
            {
                "scope": "item_preview",
                "object": {
                    "type": "folder",
                    "id": "42",
                    "sequence_id": "3",
                    "etag": "3",
                    "name": "Contracts",
                },
            }
        ],
        "issued_token_type": "urn:ietf:params:oauth:token-type:access_token",
    }
    token = AccessToken.from_dict(box_shaped)
    assert token.restricted_to == (RestrictedTo("item_preview", "folder", "42", "Contracts"),)
    flat = json.loads(token_to_json(token))
    assert AccessToken.from_dict(flat) == token


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"access_token": "a b"}, "token: access_token"),
        ({"refresh_token": 5}, "token: refresh_token"),
        ({"expires_in": "3600"}, "token: expires_in"),
        ({"restricted_to": [{"scope": "s", "object": "folder"}]}, "token: restricted_to"),
        ({"restricted_to": [{"scope": "s", "object": {"id": 5}}]}, "token: restricted_to"),
        ({"owner": {"client_id": "c"}}, "token: owner"),
        ([], "token"),
    ],
)
def test_from_dict_raises_a_config_error_naming_the_field(data: Any, field: str) -> None:
    with pytest.raises(BoxConfigError) as caught:
        AccessToken.from_dict(data)
    assert caught.value.field == field
    refused(token_from_dict(data), field)


# -- Wording: the one test that pins this module's refusal texts -----------------------


def test_refusal_wording() -> None:
    """Every refusal text of this module, once; the other tests check the field."""
    cases: list[tuple[Result[Any, InvalidInput], str]] = [
        (token_from_json(None), "stored token: must be JSON text"),  # type: ignore[arg-type]
        (token_from_json(" " * (MAX_SERIALIZED + 1)), "stored token: is larger than 256 KiB"),
        (token_from_json("{"), "stored token: is not valid JSON"),
        (token_from_json("[]"), "stored token: must be a JSON object"),
        (token_from_json('{"token_type": 1}'), "stored token: token_type: must be str or null"),
        (token_from_json('{"expires_in": "1"}'), "stored token: expires_in: must be int or null"),
        (token_from_json('{"access_token": 5}'), "stored token: access_token: must be a string"),
        (token_from_json('{"access_token": ""}'), "stored token: access_token: is empty"),
        (
            token_from_json('{"refresh_token": "a b"}'),
            "stored token: refresh_token: is not a token: only visible ASCII, no spaces, "
            "control or non-ASCII characters",
        ),
        (check_token_text("a" * (MAX_TOKEN + 1), "f"), "f: is longer than 4096 characters"),
        (
            token_from_json('{"expires_at": "1"}'),
            "stored token: expires_at: must be a number or null",
        ),
        (
            token_from_json('{"expires_at": 1e400}'),
            "stored token: expires_at: must be a finite number",
        ),
        (
            token_from_json('{"expires_at": 9007199254740993}'),
            "stored token: expires_at: is out of range",
        ),
        (
            token_from_json('{"restricted_to": {"a": 1}}'),
            "stored token: restricted_to: must be a list",
        ),
        (
            token_from_json('{"restricted_to": [1]}'),
            "stored token: restricted_to: has a malformed entry",
        ),
        (check_token("x"), "token: must be an AccessToken"),
        (
            check_token(AccessToken(restricted_to=["s"]), "t"),  # type: ignore[list-item]
            "t: restricted_to: has a malformed entry",
        ),
        (
            check_token(AccessToken(token_type=1), "t"),  # type: ignore[arg-type]
            "t: token_type: must be a string or null",
        ),
    ]
    for result, message in cases:
        assert result.failure().message() == message


def test_check_token_labels_a_missing_where_token_and_checks_the_owner() -> None:
    refused(check_token("x", None), "token")  # type: ignore[arg-type]
    refused(check_token(AccessToken(refresh_token=""), None), "token: refresh_token")  # type: ignore[arg-type]
    refused(check_token(AccessToken(owner=Owner("", "user")), "t"), "t: owner.client_id")
    owned = AccessToken(access_token="a", owner=Owner("cid", "user", "7"))
    assert check_token(owned, "t") == Success(owned)


# -- A file a token storage never wrote ------------------------------------------------

PEM = b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkq\n"
CONFIG = b'{"boxAppSettings": {"clientID": "c", "clientSecret": "s"}, "enterpriseID": "1"}'


@pytest.mark.parametrize(
    ("data", "foreign"),
    [
        (CONFIG, True),  # the app's config named as the token file
        (b'{"tokens": {}}', True),
        (PEM, True),  # a private key
        (b"\x30\x82\x0a\x01\x02\x01\x03", True),  # a PKCS#12 keystore's DER
        (b"not json", True),
        (b'["a"]', True),
        (b"{" + b" " * MAX_SERIALIZED + b"}", True),  # larger than any record written
        (b"", False),  # empty: nothing to lose
        (b"  \n", False),
        (b"{}", False),  # AccessToken()'s record
        (b'{"access_token": "a", "issued_token_type": "x"}', False),  # box_sdk_gen's form
        (b'{"accessToken": "a", "expiresAt": 1}', True),  # camelCase: no storage's form
        (b'{"access_token": "a', False),  # ours, damaged
        (b'{"access_token": "\xff"}', False),
        (b'{"refresh_token": "r",,}', False),
        (b'{"refreshToken": "r",,}', True),
        (CONFIG[:-1] + b",}", True),  # a hand-edited config with a stray comma
        (b"{ not json", True),
        # Another tool's OAuth credentials, sharing a key or two with a record:
        (b'{"client_id": "c", "client_secret": "s", "refresh_token": "r", "type": "u"}', True),
        (b'{"accessToken": "a", "clientSecret": "s", "refreshToken": "r"}', True),
        (b'{"refresh_token": "r", "client_secret": "s",', True),  # ... damaged
        (b'{"owner": null, "id_token": "t"}', True),
        (b"\xef\xbb\xbf" + b'{"access_token": "a"}', False),  # an editor's BOM
        (b"\xef\xbb\xbf", False),
        (b'{"access_token": "a", "restricted_to": [{"scope": "s", "object_id": "1"', False),
        (b' \n\t{"access_token": "a"}', False),  # leading white space
        (b'{"access_token": "a", "\xff\xfe": 1', True),  # damaged, a key no record has
        (b'{"access_token": "a"' + b" " * (MAX_SERIALIZED - 21) + b"}", False),  # 256 KiB exactly
    ],
)
def test_what_a_storage_never_wrote_is_foreign(data: bytes, foreign: bool) -> None:
    """A storage refuses such a file instead of replacing a credential with tokens."""
    assert is_foreign_file(data) is foreign


def test_a_damaged_record_may_name_every_key_a_record_has() -> None:
    """All of them at once is still ours, damaged; one more is not."""
    keys = sorted(access_token_module._DAMAGED_KEYS)
    damaged = b"{" + b", ".join(b'"%s": 1' % key.encode() for key in keys) + b","
    assert not is_foreign_file(damaged)
    assert is_foreign_file(damaged + b' "client_secret": 1,')


def test_foreign_is_total() -> None:
    for value in (None, "text", 1, bytearray(b"{}")):
        assert is_foreign_file(value) is False


@given(
    st.builds(
        AccessToken,
        access_token=st.none() | st.just("a" * 20),
        refresh_token=st.none() | st.just("r" * 20),
        expires_in=st.none() | st.integers(0, 10**6),
        token_type=st.none() | st.just("bearer"),
    )
)
def test_nothing_a_storage_writes_is_foreign(token: AccessToken) -> None:
    """Our storage form and box_sdk_gen's ``to_dict()`` are never taken for a foreign file."""
    assert not is_foreign_file(token_to_json(token).encode())
    assert not is_foreign_file(json.dumps(token.to_dict()).encode())
