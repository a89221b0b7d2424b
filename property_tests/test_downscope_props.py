"""Properties of downscope validation (protocol notes §8)."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st
from returns.result import Failure, Success
from strategies import any_text, json_values

from boxauth.access_token import AccessToken
from boxauth.downscope import KNOWN_SCOPES, as_downscoped, validate_downscope

# The union table of the protocol notes §8, written out (not read from the module).
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
known = st.sampled_from(SCOPES)
unknown = st.from_regex(r"[a-z_]{1,20}", fullmatch=True).filter(lambda s: s not in SCOPES)
hosts = st.sampled_from(["api.box.com", "box.example.test", "127.0.0.1:8080"])
item_ids = st.integers(0, 10**12).map(str)


def test_scope_table_matches_the_notes() -> None:
    assert set(SCOPES) == KNOWN_SCOPES


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
    result = validate_downscope([*before, bad, *after])
    assert isinstance(result, Failure)
    message = result.failure().message()
    assert result.failure().field == "scopes"
    for scope in SCOPES:
        assert scope in message


def test_no_scopes_fails() -> None:
    for empty in ([], (), iter([])):
        assert isinstance(validate_downscope(empty), Failure)


@given(json_values | any_text, json_values, json_values)
def test_never_raises(scopes: Any, resource: Any, link: Any) -> None:
    result = validate_downscope(scopes, resource, link)
    assert isinstance(result, Success | Failure)


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
        assert isinstance(result, Failure)


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
    assert isinstance(result, Failure)
    assert result.failure().field == "resource"


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
    both = validate_downscope(scopes, resource=resource, shared_link=shared)
    assert isinstance(both, Failure)
    assert both.failure().field == "resource/shared_link"


def test_downscoped_token_has_no_refresh_token() -> None:
    token = AccessToken(access_token="a", refresh_token="r", expires_in=5)
    out = as_downscoped(token)
    assert out.refresh_token is None
    assert out.access_token == "a"
    assert out.expires_in == 5
