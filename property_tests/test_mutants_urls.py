"""urls: exact refusals of each bad URL, limits, and the URL builders.

Written to close the gaps that mutation testing (``bash .ci/mutation``) found.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Success

from boxauth.errors import InvalidInput
from boxauth.urls import (
    MAX_URL,
    BaseUrls,
    api_url,
    authorize_endpoint,
    check_secure_url,
    is_loopback_host,
    revoke_url,
    token_url,
    validate_base_urls,
)


def _bad(problem: str, name: str = "u") -> Failure[InvalidInput]:
    return Failure(InvalidInput(name, problem))


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("", _bad("must be a non-empty URL string")),
        (None, _bad("must be a non-empty URL string")),
        ("https://a b", _bad("must be a URL without spaces or control characters")),
        ("https://a\x7f", _bad("must be a URL without spaces or control characters")),
        ("https://a:99999", _bad("is not a valid URL")),
        ("https://[::1", _bad("is not a valid URL")),
        ("/just/a/path", _bad("must be an absolute URL with a host")),
        ("https://user:pw@a.example", _bad("must not contain user credentials")),
        ("https://user@a.example", _bad("must not contain user credentials")),
        ("http://a.example", _bad("http:// is allowed only for loopback hosts; use https")),
        ("ftp://a.example", _bad("must use https")),
        ("HTTPS://a.example", Success("HTTPS://a.example")),
        ("http://127.0.0.1:8080/x", Success("http://127.0.0.1:8080/x")),
        ("http://LOCALHOST/x", Success("http://LOCALHOST/x")),
        ("http://[::1]/", Success("http://[::1]/")),
    ],
)
def test_check_secure_url(url: str, expected: object) -> None:
    assert check_secure_url(url, "u") == expected


@given(st.integers(0, 40))
def test_url_length_limit_is_inclusive(extra: int) -> None:
    head = "https://a.example/"
    exact = head + "p" * (MAX_URL - len(head))
    assert check_secure_url(exact, "u") == Success(exact)
    assert check_secure_url(exact + "p" * (extra + 1), "u") == _bad(
        "must be a URL without spaces or control characters"
    )


def test_loopback() -> None:
    assert is_loopback_host("localhost") and is_loopback_host("127.9.9.9")
    assert not is_loopback_host("example.com") and not is_loopback_host("10.0.0.1")


@pytest.mark.parametrize("field", ["base_url", "upload_url", "oauth_2_url"])
def test_validate_base_urls_names_the_bad_field(field: str) -> None:
    for bad, problem in [
        ("http://x.example", "http:// is allowed only for loopback hosts; use https"),
        ("https://x.example/?q=1", "must not have a query or fragment"),
        ("https://x.example/#f", "must not have a query or fragment"),
    ]:
        got = validate_base_urls(BaseUrls(**{field: bad}))
        assert got == Failure(InvalidInput(field, problem))


def test_validate_base_urls_drops_trailing_slashes_and_keeps_each_field() -> None:
    urls = BaseUrls("https://a.example//", "https://u.example/api/", "http://localhost:1/o/")
    assert validate_base_urls(urls) == Success(
        BaseUrls("https://a.example", "https://u.example/api", "http://localhost:1/o")
    )
    assert validate_base_urls(BaseUrls()) == Success(BaseUrls())


def test_builders() -> None:
    urls = BaseUrls("https://a.example", "https://u.example", "https://o.example/oauth2")
    assert token_url(urls) == "https://a.example/oauth2/token"
    assert revoke_url(urls) == "https://a.example/oauth2/revoke"
    assert authorize_endpoint(urls) == "https://o.example/oauth2/authorize"
    assert api_url(urls, "//users/me/") == "https://a.example/2.0/users/me/"
    assert api_url(urls, "files/1") == "https://a.example/2.0/files/1"


def test_only_slashes_are_trimmed() -> None:
    urls = BaseUrls("https://a.example/apiX/", "https://u.example/X", "https://o.example/oX//")
    assert validate_base_urls(urls) == Success(
        BaseUrls("https://a.example/apiX", "https://u.example/X", "https://o.example/oX")
    )
    assert api_url(BaseUrls(), "/Xfiles/1") == "https://api.box.com/2.0/Xfiles/1"
