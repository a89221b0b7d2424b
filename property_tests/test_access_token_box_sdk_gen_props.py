"""access_token (issues 12 and 10): Box's visible-ASCII tokens, box_sdk_gen's access pattern
for ``restricted_to``, ``restricted_to=None``, ``to_dict()`` / ``from_dict()``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Success

from boxauth.access_token import (
    MAX_TOKEN,
    AccessToken,
    RestrictedObject,
    RestrictedTo,
    check_token,
    check_token_text,
    token_from_dict,
    token_from_json,
    token_to_json,
)
from boxauth.exceptions import BoxConfigError
from boxauth.identity import Owner

# Box's downscope guide: "access_token": "1!DgsZ6V9kMWZu2StrxwQDF5BudQNen-xUmU2cfcVKArE...."
DOWNSCOPED = "1!DgsZ6V9kMWZu2StrxwQDF5BudQNen-xUmU2cfcVKArE...."
visible = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=80)
opt = st.none() | st.text("abcdef0123", min_size=1, max_size=6)
restricted = st.builds(RestrictedTo, st.text("abc_", min_size=1, max_size=8), opt, opt, opt)
tokens = st.builds(
    AccessToken,
    access_token=st.none() | visible,
    expires_in=st.none() | st.integers(1, 10**6),
    token_type=st.none() | st.just("bearer"),
    restricted_to=st.none() | st.lists(restricted, max_size=3),
    refresh_token=st.none() | visible,
    issued_token_type=st.none() | st.just("urn:ietf:params:oauth:token-type:access_token"),
    expires_at=st.none() | st.floats(0, 1e10),
    owner=st.none() | st.just(Owner("cid", "enterprise", "42")),
)


@given(visible)
def test_every_visible_ascii_token_is_accepted(token: str) -> None:
    assert check_token_text(token, "access_token") == Success(token)


@pytest.mark.parametrize(
    "bad",
    ["", " ", "a b", "a\tb", "a\r\nb", "a\nb", "\x00", "a\x7f", "é", "a\u2028", "x" * 4097],
)
def test_only_empty_whitespace_control_non_ascii_and_absurd_lengths_are_refused(bad: str) -> None:
    got = check_token_text(bad, "access_token")
    assert isinstance(got, Failure)
    assert got.failure().field == "access_token"
    if len(bad) >= 8:
        assert bad not in got.failure().message()


def test_the_length_bound_is_inclusive() -> None:
    assert isinstance(check_token_text("!" * MAX_TOKEN, "t"), Success)
    assert isinstance(check_token_text("!" * (MAX_TOKEN + 1), "t"), Failure)


def test_a_downscoped_token_is_stored_and_read_back() -> None:
    token = AccessToken(access_token=DOWNSCOPED, expires_in=4175, expires_at=10.0)
    assert check_token(token) == Success(token)
    assert token_from_json(token_to_json(token)) == Success(token)


def test_restricted_to_allows_box_sdk_gens_access_pattern() -> None:
    item = RestrictedTo("item_preview", "folder", "12345", "Folder")
    assert item.scope == "item_preview"
    assert item.object == RestrictedObject(type="folder", id="12345", name="Folder")
    assert item.object is not None
    assert (item.object.id, item.object.type, item.object.name) == ("12345", "folder", "Folder")
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
        assert isinstance(got, Failure)
        assert got.failure().field == "token: restricted_to"


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
    got = token_from_dict(data)
    assert isinstance(got, Failure) and got.failure().field == field


def test_token_to_json_of_a_non_token_is_null_which_reads_back_as_a_failure() -> None:
    for junk in (None, 5, AccessToken(access_token="a b")):
        text = token_to_json(junk)  # type: ignore[arg-type]
        assert text == "null"
        assert isinstance(token_from_json(text), Failure)


def test_an_unexpected_keyword_is_quoted_only_when_it_looks_like_one() -> None:
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'accesstoken'$"):
        AccessToken(accesstoken="a")  # type: ignore[call-arg]
    pasted = "QXZJKVW" * 6
    with pytest.raises(TypeError) as caught:
        AccessToken(**{pasted: "a"})
    assert str(caught.value) == "AccessToken() got an unexpected keyword argument of 42 characters"
    assert pasted not in str(caught.value)
