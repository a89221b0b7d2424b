"""downscope: which scopes and targets a token exchange may ask for, checked before any
request, and how an unknown scope is shown.

Box's rules (developer.box.com/guides/authentication/tokens/downscope/): the scopes
of its downscoping table plus the standard scopes Box allows when downscoping
(developer.box.com/guides/api-calls/permissions-and-errors/scopes/); at most one
target, a file or folder API URL (``resource``) or a shared link. A value that does
not look like a scope name (an access token pasted by mistake) is never echoed.
"""

from __future__ import annotations

import itertools
import re
import string
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from returns.result import Failure, Result, Success
from strategies import any_text, json_values, refused

from boxauth.access_token import AccessToken
from boxauth.downscope import (
    KNOWN_SCOPES,
    MAX_SCOPES,
    MAX_SCOPES_READ,
    DownscopeRequest,
    as_downscoped,
    shown_scope,
    validate_downscope,
    validate_resource,
    validate_scopes,
    validate_shared_link,
)
from boxauth.errors import InvalidInput

# Box's two scope tables, written out here (not read from the module).
SCOPES = sorted(
    {
        "annotation_edit",
        "annotation_view_all",
        "annotation_view_self",
        "base_explorer",
        "base_picker",
        "base_preview",
        "base_sidebar",
        "base_upload",
        "item_delete",
        "item_download",
        "item_preview",
        "item_rename",
        "item_share",
        "item_upload",
        "item_read",
        "item_readwrite",
        "item_comment",
        "item_task",
        "item_execute_integration",
        "root_readonly",
        "root_readwrite",
        "ai.readwrite",
        "manage_managed_users",
        "manage_app_users",
        "manage_data_retention",
        "manage_enterprise_properties",
        "manage_groups",
        "manage_webhook",
        "manage_legal_hold",
        "manage_legal_holds",
        "sign_requests.readwrite",
        "manage_triggers",
        "enterprise_content",
    }
)
VALID = ", ".join(sorted(KNOWN_SCOPES))
FILE = "https://api.box.com/2.0/files/123"
LINK = "https://app.box.com/s/abc"
TARGET_FIELDS = {"scopes", "resource", "shared_link", "resource/shared_link"}

known = st.sampled_from(SCOPES)
unknown = st.from_regex(r"[a-z_]{1,20}", fullmatch=True).filter(lambda s: s not in SCOPES)
hosts = st.sampled_from(["api.box.com", "box.example.test", "127.0.0.1:8080"])
item_ids = st.integers(0, 10**12).map(str)


def _check(got: Result[Any, InvalidInput], expected: object) -> None:
    """``expected`` is the Success, or the name of the field the refusal names."""
    if isinstance(expected, str):
        refused(got, expected)
    else:
        assert got == expected


def test_scope_table_matches_boxs_documentation() -> None:
    assert set(SCOPES) == KNOWN_SCOPES


# -- Scopes --------------------------------------------------------------------------


@given(st.lists(known, min_size=1, max_size=12))
def test_known_scopes_deduplicated_in_order(scopes: list[str]) -> None:
    result = validate_downscope(scopes).unwrap()
    expected: list[str] = []
    for scope in scopes:
        if scope not in expected:
            expected.append(scope)
    assert list(result.scopes) == expected
    assert result.resource is None
    assert result.shared_link is None


@given(st.lists(known, max_size=5), unknown, st.lists(known, max_size=5))
def test_unknown_scope_rejected_with_the_valid_list(
    before: list[str], bad: str, after: list[str]
) -> None:
    error = refused(validate_downscope([*before, bad, *after]), "scopes")
    message = error.message()
    for scope in SCOPES:
        assert scope in message


def test_no_scopes_fails() -> None:
    for empty in ([], (), iter([])):
        refused(validate_downscope(empty), "scopes")


@pytest.mark.parametrize(
    ("scopes", "expected"),
    [
        ("item_preview", "scopes"),
        (5, "scopes"),
        ([], "scopes"),
        ([1], "scopes"),
        (["item_previw"], "scopes"),
        (["nope"], "scopes"),
        ([""], "scopes"),
        (itertools.repeat("item_preview"), "scopes"),
        (
            ["item_preview", "root_readonly", "item_preview"],
            Success(("item_preview", "root_readonly")),
        ),
    ],
)
def test_validate_scopes(scopes: object, expected: object) -> None:
    _check(validate_scopes(scopes), expected)


@pytest.mark.parametrize(
    ("scope", "echoed"),
    [
        ("item_previw", True),
        ("ai.read", True),
        ("a_" + "b" * 38, True),  # 40 characters: the longest echoed
        ("a_" + "b" * 39, False),
        ("nope", False),  # every scope name has a '_' or a '.'
        ("a" * 32, False),
        ("Item_preview", False),
        ("item_", False),
        ("_item", False),
        ("item__x", False),
        ("a b", False),
        ("a_b\n", False),
        ("", False),
    ],
)
def test_an_unknown_scope_is_quoted_only_when_it_looks_like_a_scope_name(
    scope: str, echoed: bool
) -> None:
    error = refused(validate_scopes([scope]), "scopes")
    shown = f"unknown scope {scope!r}" if echoed else f"an unknown scope of {len(scope)} characters"
    assert shown_scope(scope) == shown
    assert error.message().startswith(f"scopes: {shown}; valid: ")


@given(st.text(string.ascii_letters + string.digits + "-_=!.", min_size=20, max_size=64))
def test_a_token_pasted_as_a_scope_is_never_echoed(token: str) -> None:
    """A Box access token (mixed case, 32+ characters) is never shown."""
    assume(token not in KNOWN_SCOPES)  # a known scope is no mistake: nothing is refused
    message = refused(validate_scopes(["item_preview", token]), "scopes").message()
    if not (
        token.islower() and len(token) <= 40 and ("_" in token or "." in token)
    ):
        assert token not in message
        assert f"an unknown scope of {len(token)} characters" in message


def test_distinct_scope_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    # Only MAX_SCOPES distinct scopes are allowed; there are fewer known ones,
    # so widen the known set for this check.
    import boxauth.downscope as d

    names = [f"s{i}" for i in range(MAX_SCOPES + 1)]
    monkeypatch.setattr(d, "KNOWN_SCOPES", frozenset(names))
    assert d.validate_scopes(names[:MAX_SCOPES]) == Success(tuple(names[:MAX_SCOPES]))
    refused(d.validate_scopes(names), "scopes")


def test_read_limit_counts_every_item_read() -> None:
    assert validate_scopes(["item_preview"] * MAX_SCOPES_READ) == Success(("item_preview",))
    refused(validate_scopes(["item_preview"] * (MAX_SCOPES_READ + 1)), "scopes")


@given(st.sampled_from(sorted(KNOWN_SCOPES)), st.integers(1, 3))
def test_validate_scopes_ends_on_an_endless_iterable(scope: str, variety: int) -> None:
    known_few = sorted(KNOWN_SCOPES)[:variety]
    for endless in (itertools.repeat(scope), itertools.cycle([scope, *known_few])):
        refused(validate_scopes(endless), "scopes")


@given(st.lists(st.sampled_from(sorted(KNOWN_SCOPES)), min_size=1, max_size=256))
def test_validate_scopes_accepts_repeats_up_to_the_bound(scopes: list[str]) -> None:
    assert validate_scopes(scopes) == Success(tuple(dict.fromkeys(scopes)))


def test_an_iterable_whose_iter_is_broken_is_refused() -> None:
    class Broken:
        def __iter__(self) -> int:  # type: ignore[misc]
            return 5

    refused(validate_scopes(Broken()), "scopes")


def test_an_iterable_that_raises_while_read_is_refused() -> None:
    def scopes() -> Iterator[str]:
        yield "item_preview"
        raise RuntimeError("a caller's generator failed")

    refused(validate_scopes(scopes()), "scopes")


# -- Targets -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        (FILE, Success(FILE)),
        ("https://api.box.com/2.0/folders/0", Success("https://api.box.com/2.0/folders/0")),
        (1, "resource"),
        ("http://api.box.com/2.0/files/1", "resource"),
        (FILE + "?x=1", "resource"),
        (FILE + "#x", "resource"),
        ("https://api.box.com/2.0/users/1", "resource"),
    ],
)
def test_validate_resource(resource: object, expected: object) -> None:
    _check(validate_resource(resource), expected)


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        (LINK, Success(LINK)),
        ("https://x.app.box.com/v/Name_1", Success("https://x.app.box.com/v/Name_1")),
        (None, "shared_link"),
        ("ftp://app.box.com/s/abc", "shared_link"),
        (LINK + "?a=1", "shared_link"),
        (LINK + "#a", "shared_link"),
        ("https://app.box.com/x/abc", "shared_link"),
    ],
)
def test_validate_shared_link(link: object, expected: object) -> None:
    _check(validate_shared_link(link), expected)


def test_validate_downscope() -> None:
    refused(validate_downscope(["item_preview"], FILE, LINK), "resource/shared_link")
    assert validate_downscope(["item_preview"], FILE) == Success(
        DownscopeRequest(("item_preview",), FILE, None)
    )
    assert validate_downscope(["item_preview"], shared_link=LINK) == Success(
        DownscopeRequest(("item_preview",), None, LINK)
    )
    refused(validate_downscope([], FILE), "scopes")
    refused(validate_downscope(["item_preview"], "x"), "resource")
    refused(validate_downscope(["item_preview"], shared_link="x"), "shared_link")


@given(json_values | any_text, json_values, json_values)
def test_any_input_is_a_request_of_known_scopes_or_names_a_field(
    scopes: Any, resource: Any, link: Any
) -> None:
    result = validate_downscope(scopes, resource, link)
    if isinstance(result, Success):
        request = result.unwrap()
        assert request.scopes and set(request.scopes) <= KNOWN_SCOPES
        assert len(set(request.scopes)) == len(request.scopes)
        assert (request.resource, request.shared_link) == (resource, link)
    else:
        assert isinstance(result, Failure)
        assert result.failure().field in TARGET_FIELDS


@given(
    st.lists(known, min_size=1, max_size=3),
    st.sampled_from(["https", "http"]),
    hosts,
    st.sampled_from(["files", "folders"]),
    item_ids,
)
def test_resource_urls(scopes: list[str], scheme: str, host: str, kind: str, item: str) -> None:
    url = f"{scheme}://{host}/2.0/{kind}/{item}"
    result = validate_downscope(scopes, resource=url)
    loopback = host.startswith("127.")
    if scheme == "https" or loopback:
        assert result.unwrap().resource == url
    else:
        refused(result, "resource")


bad_paths = st.one_of(
    st.sampled_from(
        [
            "/2.0/files/",
            "/2.0/files/abc",
            "/2.0/file/1",
            "/2.0/folders/1/items",
            "/files/1",
            "/2.0/users/1",
            "/2.0/files/1?x=1",
            "/2.0/files/1#f",
            "/2.0/files/-1",
            "",
        ]
    ),
    any_text.map(lambda t: "/" + t),
)


@given(st.lists(known, min_size=1, max_size=3), hosts, bad_paths)
def test_other_resources_rejected(scopes: list[str], host: str, path: str) -> None:
    url = f"https://{host}{path}"
    result = validate_downscope(scopes, resource=url)
    plausible = re.fullmatch(r"/2\.0/(files|folders)/[0-9]{1,32}", path)
    assume(not plausible)
    refused(result, "resource")


@given(
    st.lists(known, min_size=1, max_size=3),
    item_ids,
    st.from_regex(r"[a-z0-9]{1,30}", fullmatch=True),
)
def test_both_targets_fail(scopes: list[str], item: str, link: str) -> None:
    resource = f"https://api.box.com/2.0/files/{item}"
    shared = f"https://app.box.com/s/{link}"
    assert validate_downscope(scopes, resource=resource).unwrap().resource == resource
    assert validate_downscope(scopes, shared_link=shared).unwrap().shared_link == shared
    refused(
        validate_downscope(scopes, resource=resource, shared_link=shared), "resource/shared_link"
    )


def test_downscoped_token_has_no_refresh_token() -> None:
    token = AccessToken(access_token="a", refresh_token="r", expires_in=5)
    out = as_downscoped(token)
    assert out.refresh_token is None
    assert out.access_token == "a"
    assert out.expires_in == 5


# -- Wording: the one test that pins this module's refusal texts -----------------------


def test_refusal_wording(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every refusal text of this module, once per place that says it; the other tests
    check the field."""
    import boxauth.downscope as d

    def failing() -> Iterator[str]:
        yield "item_preview"
        raise RuntimeError("a caller's generator failed")

    class Broken:
        def __iter__(self) -> int:  # type: ignore[misc]
            return 5

    names = [f"s{i}" for i in range(MAX_SCOPES + 1)]
    with monkeypatch.context() as patch:
        patch.setattr(d, "KNOWN_SCOPES", frozenset(names))
        distinct = d.validate_scopes(names)

    cases: list[tuple[Result[Any, InvalidInput], str]] = [
        (validate_scopes("item_preview"), "scopes: must be a list of scope names"),
        (validate_scopes([]), "scopes: must name at least one scope"),
        (validate_scopes([1]), "scopes: every scope must be a string"),
        (
            validate_scopes(["item_previw"]),
            f"scopes: unknown scope 'item_previw'; valid: {VALID}",
        ),
        (
            validate_scopes(["nope"]),
            f"scopes: an unknown scope of 4 characters; valid: {VALID}",
        ),
        (validate_scopes(itertools.repeat("item_preview")), "scopes: too many scopes"),
        (distinct, "scopes: too many scopes"),
        (validate_scopes(Broken()), "scopes: must be a list of scope names"),
        (validate_scopes(failing()), "scopes: could not be read as a list of scope names"),
        (validate_resource(1), "resource: must be a URL string"),
        (
            validate_resource("http://api.box.com/2.0/files/1"),
            "resource: http:// is allowed only for loopback hosts; use https",
        ),
        (
            validate_resource(FILE + "?x=1"),
            "resource: must be .../2.0/files/ID or .../2.0/folders/ID",
        ),
        (validate_shared_link(None), "shared_link: must be a URL string"),
        (validate_shared_link("ftp://app.box.com/s/abc"), "shared_link: must use https"),
        (
            validate_shared_link(LINK + "?a=1"),
            "shared_link: must look like https://app.box.com/s/ID",
        ),
        (
            validate_downscope(["item_preview"], FILE, LINK),
            "resource/shared_link: give at most one, not both",
        ),
    ]
    assert shown_scope(5) == "an unknown scope that is not a string"  # type: ignore[arg-type]
    for result, message in cases:
        assert result.failure().message() == message
