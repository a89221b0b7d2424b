"""Shared strategies, fixed values and checks for the property tests of the pure core.

- Strategies (hypothesis): settings, secrets, any text, any JSON value.
- Fixed values (``jwt_settings_with`` and friends): valid settings for example
  tests, with only the fields a test cares about changed.
- ``refused``: a refusal checked by its structure (error type and field). Each
  test module pins the wording of its messages in one test of its own, so a
  reworded message changes one test, not every test that meets it.

Secrets are drawn from an alphabet that no non-secret value uses (and that no
field name, class name or fixed message contains), so "the secret does not
appear in the repr" can never pass or fail by accident.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st
from returns.result import Failure

from boxauth import settings
from boxauth.errors import InvalidInput
from boxauth.settings import Subject, SubjectKind

# Every unicode character, lone surrogates included (st.text() leaves them out).
ANY_CHAR = st.characters(exclude_categories=())
any_text = st.text(ANY_CHAR, max_size=40)
# Valid unicode (no surrogates): what a well-formed JSON string or form value can hold.
unicode_text = st.text(max_size=40)
nonblank_unicode = st.text(min_size=1, max_size=40).filter(lambda s: s.strip() != "")

# Non-secret values: lower-case letters, digits and a few marks only.
PLAIN = "abcdefghijklmnop0123456789-_."
plain = st.text(PLAIN, min_size=1, max_size=16)
# Secrets: upper-case Q/X/Z/J/K/V/W and two non-ASCII letters; never in PLAIN,
# never in a field name ("client_secret"), class name or message we emit.
SECRET_ALPHABET = "QXZJKVWЖЯ"
secrets = st.text(SECRET_ALPHABET, min_size=8, max_size=32)

box_ids = st.one_of(st.integers(0, 10**15).map(str), st.just("0"))
subjects = st.builds(Subject, st.sampled_from(SubjectKind), box_ids)
algorithms = st.sampled_from(settings.Algorithm)

pem_like = secrets.map(lambda s: f"-----BEGIN ENCRYPTED PRIVATE KEY-----\n{s}\n-----END-----\n")


@st.composite
def jwt_settings(draw: st.DrawFn, text: st.SearchStrategy[str] = plain) -> settings.JWTSettings:
    subject = draw(subjects)
    return settings.jwt_settings(
        client_id=draw(text),
        client_secret=draw(secrets),
        jwt_key_id=draw(text),
        private_key=draw(pem_like),
        private_key_passphrase=draw(st.none() | secrets),
        enterprise_id=subject.id if subject.kind is SubjectKind.ENTERPRISE else None,
        user_id=subject.id if subject.kind is SubjectKind.USER else None,
        algorithm=draw(algorithms),
    ).unwrap()


@st.composite
def ccg_settings(draw: st.DrawFn, text: st.SearchStrategy[str] = plain) -> settings.CCGSettings:
    subject = draw(subjects)
    return settings.ccg_settings(
        client_id=draw(text),
        client_secret=draw(secrets),
        enterprise_id=subject.id if subject.kind is SubjectKind.ENTERPRISE else None,
        user_id=subject.id if subject.kind is SubjectKind.USER else None,
    ).unwrap()


@st.composite
def oauth_settings(draw: st.DrawFn, text: st.SearchStrategy[str] = plain) -> settings.OAuthSettings:
    return settings.oauth_settings(client_id=draw(text), client_secret=draw(secrets)).unwrap()


# JSON values of any shape, for "never raises" properties.
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
)
json_values: st.SearchStrategy[Any] = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=20,
)
non_strings = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.lists(json_scalars, max_size=2),
    st.dictionaries(st.text(max_size=3), json_scalars, max_size=2),
)


def dumps(value: Any) -> str:
    return json.dumps(value)


# -- Fixed values ------------------------------------------------------------------

JWT_FIELDS: dict[str, Any] = {
    "client_id": "cid",
    "client_secret": "SEC",
    "jwt_key_id": "kid",
    "private_key": "PEM",
    "private_key_passphrase": None,
    "enterprise_id": "7",
}


def _subject_changed(changes: dict[str, Any]) -> dict[str, Any]:
    """Giving ``user_id`` alone replaces the default enterprise subject."""
    if "user_id" in changes and "enterprise_id" not in changes:
        return {"enterprise_id": None, **changes}
    return changes


def jwt_settings_with(**changes: Any) -> settings.JWTSettings:
    """Valid JWTSettings (client "cid", key "kid", enterprise 7, RS256) with ``changes``."""
    return settings.jwt_settings(**{**JWT_FIELDS, **_subject_changed(changes)}).unwrap()


def ccg_settings_with(**changes: Any) -> settings.CCGSettings:
    """Valid CCGSettings (client "cid", enterprise 7) with ``changes``."""
    fields = {"client_id": "cid", "client_secret": "SEC", "enterprise_id": "7"}
    return settings.ccg_settings(**{**fields, **_subject_changed(changes)}).unwrap()


def oauth_settings_with(**changes: Any) -> settings.OAuthSettings:
    """Valid OAuthSettings (client "cid") with ``changes``."""
    fields = {"client_id": "cid", "client_secret": "SEC", **changes}
    return settings.oauth_settings(**fields).unwrap()


# -- Checks ------------------------------------------------------------------------


def refused(result: object, field: str, error_type: type = InvalidInput) -> Any:
    """The error of ``result``, checked to be a Failure holding an ``error_type`` for ``field``."""
    assert isinstance(result, Failure), result
    error = result.failure()
    assert type(error) is error_type, error
    assert error.field == field, (error.field, field)
    return error
