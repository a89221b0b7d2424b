"""downscope: exact refusals of scopes and targets, limits, how an unknown scope is shown.

Written to close the gaps that mutation testing (``bash .ci/mutation``) found.
"""

from __future__ import annotations

import itertools
import string
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Success

from boxauth.downscope import (
    KNOWN_SCOPES,
    MAX_SCOPES,
    DownscopeRequest,
    validate_downscope,
    validate_resource,
    validate_scopes,
    validate_shared_link,
)
from boxauth.errors import InvalidInput

VALID = ", ".join(sorted(KNOWN_SCOPES))
FILE = "https://api.box.com/2.0/files/123"
LINK = "https://app.box.com/s/abc"


def _bad(field: str, problem: str) -> Failure[InvalidInput]:
    return Failure(InvalidInput(field, problem))


@pytest.mark.parametrize(
    ("scopes", "expected"),
    [
        ("item_preview", _bad("scopes", "must be a list of scope names")),
        (5, _bad("scopes", "must be a list of scope names")),
        ([], _bad("scopes", "must name at least one scope")),
        ([1], _bad("scopes", "every scope must be a string")),
        # Issue 10 item 8: only a plausible scope name is echoed; anything else
        # (an access token pasted by mistake) is described by its length.
        (["item_previw"], _bad("scopes", f"unknown scope 'item_previw'; valid: {VALID}")),
        (["ai.read"], _bad("scopes", f"unknown scope 'ai.read'; valid: {VALID}")),
        (["a_" + "b" * 38], _bad("scopes", f"unknown scope {'a_' + 'b' * 38!r}; valid: {VALID}")),
        (["a_" + "b" * 39], _bad("scopes", f"an unknown scope of 41 characters; valid: {VALID}")),
        (["nope"], _bad("scopes", f"an unknown scope of 4 characters; valid: {VALID}")),
        (["a" * 32], _bad("scopes", f"an unknown scope of 32 characters; valid: {VALID}")),
        (["Item_preview"], _bad("scopes", f"an unknown scope of 12 characters; valid: {VALID}")),
        (["item_"], _bad("scopes", f"an unknown scope of 5 characters; valid: {VALID}")),
        (["_item"], _bad("scopes", f"an unknown scope of 5 characters; valid: {VALID}")),
        (["item__x"], _bad("scopes", f"an unknown scope of 7 characters; valid: {VALID}")),
        (["a b"], _bad("scopes", f"an unknown scope of 3 characters; valid: {VALID}")),
        (["a_b\n"], _bad("scopes", f"an unknown scope of 4 characters; valid: {VALID}")),
        ([""], _bad("scopes", f"an unknown scope of 0 characters; valid: {VALID}")),
        (itertools.repeat("item_preview"), _bad("scopes", "too many scopes")),
        (
            ["item_preview", "root_readonly", "item_preview"],
            Success(("item_preview", "root_readonly")),
        ),
    ],
)
def test_validate_scopes(scopes: object, expected: object) -> None:
    assert validate_scopes(scopes) == expected


def test_distinct_scope_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    # Only MAX_SCOPES distinct scopes are allowed; there are fewer known ones,
    # so widen the known set for this check.
    import boxauth.downscope as d

    names = [f"s{i}" for i in range(MAX_SCOPES + 1)]
    monkeypatch.setattr(d, "KNOWN_SCOPES", frozenset(names))
    assert d.validate_scopes(names[:MAX_SCOPES]) == Success(tuple(names[:MAX_SCOPES]))
    assert d.validate_scopes(names) == _bad("scopes", "too many scopes")


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        (FILE, Success(FILE)),
        ("https://api.box.com/2.0/folders/0", Success("https://api.box.com/2.0/folders/0")),
        (1, _bad("resource", "must be a URL string")),
        (
            "http://api.box.com/2.0/files/1",
            _bad("resource", "http:// is allowed only for loopback hosts; use https"),
        ),
        (FILE + "?x=1", _bad("resource", "must be .../2.0/files/ID or .../2.0/folders/ID")),
        (FILE + "#x", _bad("resource", "must be .../2.0/files/ID or .../2.0/folders/ID")),
        (
            "https://api.box.com/2.0/users/1",
            _bad("resource", "must be .../2.0/files/ID or .../2.0/folders/ID"),
        ),
    ],
)
def test_validate_resource(resource: object, expected: object) -> None:
    assert validate_resource(resource) == expected


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        (LINK, Success(LINK)),
        ("https://x.app.box.com/v/Name_1", Success("https://x.app.box.com/v/Name_1")),
        (None, _bad("shared_link", "must be a URL string")),
        ("ftp://app.box.com/s/abc", _bad("shared_link", "must use https")),
        (LINK + "?a=1", _bad("shared_link", "must look like https://app.box.com/s/ID")),
        (LINK + "#a", _bad("shared_link", "must look like https://app.box.com/s/ID")),
        (
            "https://app.box.com/x/abc",
            _bad("shared_link", "must look like https://app.box.com/s/ID"),
        ),
    ],
)
def test_validate_shared_link(link: object, expected: object) -> None:
    assert validate_shared_link(link) == expected


def test_validate_downscope() -> None:
    assert validate_downscope(["item_preview"], FILE, LINK) == _bad(
        "resource/shared_link", "give at most one, not both"
    )
    assert validate_downscope(["item_preview"], FILE) == Success(
        DownscopeRequest(("item_preview",), FILE, None)
    )
    assert validate_downscope(["item_preview"], shared_link=LINK) == Success(
        DownscopeRequest(("item_preview",), None, LINK)
    )
    assert validate_downscope([], FILE) == _bad("scopes", "must name at least one scope")
    assert validate_downscope(["item_preview"], "x").failure().field == "resource"
    assert validate_downscope(["item_preview"], shared_link="x").failure().field == "shared_link"


def test_an_iterable_whose_iter_is_broken_is_refused() -> None:
    class Broken:
        def __iter__(self) -> int:  # type: ignore[misc]
            return 5

    assert validate_scopes(Broken()) == _bad("scopes", "must be a list of scope names")


def test_read_limit_counts_every_item_read() -> None:
    from boxauth.downscope import MAX_SCOPES_READ

    assert validate_scopes(["item_preview"] * MAX_SCOPES_READ) == Success(("item_preview",))
    assert validate_scopes(["item_preview"] * (MAX_SCOPES_READ + 1)) == _bad(
        "scopes", "too many scopes"
    )


def test_an_iterable_that_raises_while_read_is_refused() -> None:
    def scopes() -> Iterator[str]:
        yield "item_preview"
        raise RuntimeError("a caller's generator failed")

    assert validate_scopes(scopes()) == _bad("scopes", "could not be read as a list of scope names")


@given(st.text(string.ascii_letters + string.digits + "-_=!.", min_size=20, max_size=64))
def test_a_token_pasted_as_a_scope_is_never_echoed(token: str) -> None:
    """Issue 10 item 8: a Box access token (mixed case, 32+ characters) is never shown."""
    got = validate_scopes(["item_preview", token])
    assert isinstance(got, Failure)
    message = got.failure().message()
    if token not in KNOWN_SCOPES and not (
        token.islower() and len(token) <= 40 and ("_" in token or "." in token)
    ):
        assert token not in message
        assert f"an unknown scope of {len(token)} characters" in message
