"""identity: whose token it is, and who may use it.

A token fetched for one identity (a service account, a user, an OAuth user) must never
be handed to an auth object acting as another: that silently grants the wrong
privileges. JWT and CCG tokens belong to (client id, subject type, subject id); an
OAuth token's user id may be unknown (None), which matches any user of the same app;
a token with no owner was stored by the user and is theirs to use.

(Not test_identity.py: tests/test_identity.py, the shared-storage integration test,
has that name, and pytest needs test module names unique across both folders.)
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Result, Success
from strategies import refused

from boxauth.access_token import AccessToken
from boxauth.errors import InvalidInput, StorageFailure, StorageFailureKind
from boxauth.identity import (
    MAX_OWNER_FIELD,
    SUBJECT_TYPES,
    Owner,
    check_owner,
    owner_from_dict,
    owner_to_dict,
    owns,
)
from boxauth.lifecycle import AuthKind, ExchangeCode, Fail, Machine, Phase, SignInWanted, step

owners = st.builds(
    Owner,
    st.sampled_from(["app1", "app2"]),
    st.sampled_from(sorted(SUBJECT_TYPES)),
    st.none() | st.sampled_from(["1", "2"]),
)


@given(owners)
def test_an_owner_may_use_its_own_token_and_anyone_may_use_an_unowned_one(owner: Owner) -> None:
    assert owns(owner, owner)
    assert owns(owner, None)
    assert owns(None, owner)


@given(owners, owners)
def test_ownership_is_symmetric(one: Owner, two: Owner) -> None:
    assert owns(one, two) is owns(two, one)


@given(owners, owners)
def test_the_rule(one: Owner, two: Owner) -> None:
    """Same app and subject type; then the same subject id, except that an unknown OAuth
    user matches any user of the app."""
    same_kind = (one.client_id, one.subject_type) == (two.client_id, two.subject_type)
    unknown_user = one.subject_type == "oauth_user" and None in (one.subject_id, two.subject_id)
    expected = same_kind and (unknown_user or one.subject_id == two.subject_id)
    assert owns(one, two) is expected


def test_examples() -> None:
    sa = Owner("app", "enterprise", "7")
    assert not owns(sa, Owner("app", "user", "7"))  # same id, other subject type
    assert not owns(sa, Owner("other", "enterprise", "7"))
    assert not owns(Owner("app", "user", None), Owner("app", "user", "9"))
    assert owns(Owner("app", "oauth_user", None), Owner("app", "oauth_user", "9"))
    assert not owns(Owner("app", "oauth_user", "8"), Owner("app", "oauth_user", "9"))


@given(owners)
def test_the_storage_form_round_trips(owner: Owner) -> None:
    data = owner_to_dict(owner)
    assert data == {
        "client_id": owner.client_id,
        "subject_type": owner.subject_type,
        "subject_id": owner.subject_id,
    }
    assert owner_from_dict(data) == Success(owner)
    assert owner_to_dict(None) is None
    assert owner_from_dict(None) == Success(None)


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ("app", "owner"),
        (Owner("", "user", "1"), "owner.client_id"),
        (Owner(5, "user", "1"), "owner.client_id"),  # type: ignore[arg-type]
        (Owner("app", "x" * (MAX_OWNER_FIELD + 1), "1"), "owner.subject_type"),
        (Owner("app", "user", ""), "owner.subject_id"),
        (Owner("app", "user", 1), "owner.subject_id"),  # type: ignore[arg-type]
        (Owner("app", "service", "1"), "owner.subject_type"),
    ],
)
def test_check_owner_names_the_bad_field(value: object, field: str) -> None:
    refused(check_owner(value), field)


def test_check_owner_accepts_none_and_bounded_fields() -> None:
    assert check_owner(None) == Success(None)
    longest = Owner("a" * MAX_OWNER_FIELD, "user", "1" * MAX_OWNER_FIELD)
    assert check_owner(longest) == Success(longest)
    assert check_owner(Owner("app", "enterprise")) == Success(Owner("app", "enterprise"))
    refused(check_owner("x", "token: owner"), "token: owner")


@pytest.mark.parametrize(
    "data",
    [
        [],
        "owner",
        {"client_id": 1, "subject_type": "user"},
        {"client_id": "app", "subject_type": "user", "subject_id": 7},
        {"client_id": "app"},
        {"subject_type": "user"},
    ],
)
def test_owner_from_dict_refuses_malformed_records(data: Any) -> None:
    refused(owner_from_dict(data, "stored token: owner"), "stored token: owner")


def test_owner_from_dict_checks_the_owner_it_builds() -> None:
    refused(owner_from_dict({"client_id": "app", "subject_type": "robot"}), "owner.subject_type")


def test_refusal_wording() -> None:
    """Every refusal text of this module, once; the other tests check the field."""
    cases: list[tuple[Result[Any, InvalidInput], str]] = [
        (check_owner("x"), "owner: must be an Owner or null"),
        (check_owner(Owner("", "user")), "owner.client_id: must be a short non-empty string"),
        (check_owner(Owner("app", "robot")), "owner.subject_type: is not a known subject type"),
        (owner_from_dict([]), "owner: must be an object or null"),
        (owner_from_dict({"client_id": 1}), "owner: has a field that is not a string"),
        (owner_from_dict({"client_id": "app"}), "owner: lacks client_id or subject_type"),
    ]
    for result, message in cases:
        assert result.failure().message() == message


def test_owner_from_dict_names_the_field_it_was_given() -> None:
    data = {"client_id": "app", "subject_type": "robot"}
    refused(owner_from_dict(data, "stored token: owner"), "stored token: owner.subject_type")


# -- The lifecycle machine keeps the rule at sign-in ---------------------------------------


@given(owners, owners, st.booleans())
def test_a_sign_in_never_replaces_another_identitys_sign_in(
    ours: Owner, theirs: Owner, with_refresh: bool
) -> None:
    """A sign-in over another identity's refresh token fails before the code is
    exchanged (that refresh token may be the only live one; replaced, it would be
    stranded, unrevoked, held by no one). Over anything else it goes ahead."""
    stored = AccessToken(
        access_token="at-theirs",
        refresh_token="rt-theirs" if with_refresh else None,
        expires_in=3600,
        owner=theirs,
    )
    machine = Machine(AuthKind.OAUTH, owner=ours)
    after, action = step(machine, SignInWanted(Success(stored), 1_700_000_000.0)).unwrap()
    if with_refresh and not owns(ours, theirs):
        assert isinstance(action, Fail)
        assert action.error == StorageFailure(
            StorageFailureKind.UNTRUSTED,
            "the storage holds another identity's sign-in (a refresh token); "
            "refusing to overwrite it: use another storage for this identity",
        )
        assert after.phase is Phase.IDLE
    else:
        assert isinstance(action, ExchangeCode)
        assert after.phase is Phase.RENEWING
