"""downscope: exact refusals of scopes and targets, limits, how an unknown scope is shown.

Written to close the gaps that mutation testing (``bash .ci/mutation``) found.
"""

from __future__ import annotations

import itertools

import pytest
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
        (["nope"], _bad("scopes", f"unknown scope 'nope'; valid: {VALID}")),
        (["a" * 64], _bad("scopes", f"unknown scope {'a' * 64!r}; valid: {VALID}")),
        (["a" * 65], _bad("scopes", f"unknown scope '(unprintable)'; valid: {VALID}")),
        (["a b"], _bad("scopes", f"unknown scope '(unprintable)'; valid: {VALID}")),
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
