"""urls: which base URLs are safe to send credentials to, and the URLs built from them.

Ours, stricter than Box's SDKs: https anywhere, http only on a loopback host (for
tests and emulators), never user credentials in the URL, no query or fragment in a
base URL. The endpoints: ``{base_url}/oauth2/token``, ``{base_url}/oauth2/revoke``,
``{oauth_2_url}/authorize`` and ``{base_url}/2.0/...`` (developer.box.com/reference/).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Result, Success
from strategies import any_text, refused

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


def _check(got: Result[str, InvalidInput], expected: object) -> None:
    """``expected`` is the Success, or the name of the field the refusal names."""
    if isinstance(expected, str):
        refused(got, expected)
    else:
        assert got == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("", "u"),
        (None, "u"),
        ("https://a b", "u"),
        ("https://a\x7f", "u"),
        ("https://a:99999", "u"),
        ("https://[::1", "u"),
        ("/just/a/path", "u"),
        ("https://user:pw@a.example", "u"),
        ("https://user@a.example", "u"),
        ("http://a.example", "u"),
        ("ftp://a.example", "u"),
        ("HTTPS://a.example", Success("HTTPS://a.example")),
        ("http://127.0.0.1:8080/x", Success("http://127.0.0.1:8080/x")),
        ("http://LOCALHOST/x", Success("http://LOCALHOST/x")),
        ("http://[::1]/", Success("http://[::1]/")),
    ],
)
def test_check_secure_url(url: str, expected: object) -> None:
    _check(check_secure_url(url, "u"), expected)


@given(st.integers(0, 40))
def test_url_length_limit_is_inclusive(extra: int) -> None:
    head = "https://a.example/"
    exact = head + "p" * (MAX_URL - len(head))
    assert check_secure_url(exact, "u") == Success(exact)
    refused(check_secure_url(exact + "p" * (extra + 1), "u"), "u")


def test_loopback() -> None:
    assert is_loopback_host("localhost") and is_loopback_host("127.9.9.9")
    assert not is_loopback_host("example.com") and not is_loopback_host("10.0.0.1")


@pytest.mark.parametrize("field", ["base_url", "upload_url", "oauth_2_url"])
def test_validate_base_urls_names_the_bad_field(field: str) -> None:
    for bad in ("http://x.example", "https://x.example/?q=1", "https://x.example/#f"):
        refused(validate_base_urls(BaseUrls(**{field: bad})), field)


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


# -- Properties over hosts, schemes and any text -----------------------------------------

octets = st.integers(0, 255)
loopback_hosts = st.one_of(
    st.just("localhost"),
    st.just("LOCALHOST"),
    st.just("[::1]"),
    st.tuples(octets, octets, octets).map(lambda t: ".".join(map(str, (127, *t)))),
)
other_ipv4 = st.tuples(st.integers(0, 255).filter(lambda o: o != 127), octets, octets, octets)
other_hosts = st.one_of(
    other_ipv4.map(lambda t: ".".join(map(str, t))),
    st.sampled_from(
        [
            "api.box.com",
            "localhost.evil.test",
            "127.0.0.1.nip.io",
            "evil-localhost",
            "[::2]",
            "[2001:db8::1]",
            "0.0.0.0",  # noqa: S104 - a host string, nothing binds
            "example.com",
        ]
    ),
    st.from_regex(r"[a-z][a-z0-9-]{0,10}(\.[a-z]{2,5}){1,2}", fullmatch=True),
)
ports = st.none() | st.integers(1, 65535)
paths = st.sampled_from(["", "/", "/api", "/a/b"])


def _url(scheme: str, host: str, port: int | None, path: str) -> str:
    return f"{scheme}://{host}{'' if port is None else f':{port}'}{path}"


@given(loopback_hosts | other_hosts, ports, paths)
def test_https_accepted_everywhere(host: str, port: int | None, path: str) -> None:
    url = _url("https", host, port, path)
    assert check_secure_url(url, "u").unwrap() == url


@given(loopback_hosts, ports, paths)
def test_http_accepted_on_loopback(host: str, port: int | None, path: str) -> None:
    url = _url("http", host, port, path)
    assert check_secure_url(url, "u").unwrap() == url


@given(other_hosts, ports, paths)
def test_http_refused_elsewhere(host: str, port: int | None, path: str) -> None:
    refused(check_secure_url(_url("http", host, port, path), "base_url"), "base_url")
    refused(validate_base_urls(BaseUrls(base_url=_url("http", host, port, path))), "base_url")


@given(
    st.sampled_from(["http", "https"]),
    loopback_hosts | other_hosts,
    st.from_regex(r"[a-z0-9]{1,8}(:[a-z0-9]{0,8})?", fullmatch=True),
    paths,
)
def test_userinfo_refused(scheme: str, host: str, userinfo: str, path: str) -> None:
    refused(check_secure_url(f"{scheme}://{userinfo}@{host}{path}", "u"), "u")


@given(st.sampled_from(["ftp", "file", "ws", "javascript", "HTTPX"]), loopback_hosts | other_hosts)
def test_other_schemes_refused(scheme: str, host: str) -> None:
    refused(check_secure_url(f"{scheme}://{host}/", "u"), "u")


@given(any_text)
def test_any_text_is_an_http_url_kept_whole_or_refused_by_name(text: str) -> None:
    result = check_secure_url(text, "u")
    if isinstance(result, Success):
        assert result.unwrap() == text
        assert text.lower().startswith(("https://", "http://"))
    else:
        refused(result, "u")


@given(loopback_hosts | other_hosts, paths)
def test_base_urls_drop_trailing_slash(host: str, path: str) -> None:
    url = _url("https", host, None, path)
    checked = validate_base_urls(BaseUrls(base_url=url + "/")).unwrap()
    assert checked.base_url == (url + "/").rstrip("/")
    assert not checked.base_url.endswith("/")


@given(st.text(max_size=40), st.text(max_size=40))
def test_a_passing_url_holds_only_visible_ascii(host: str, path: str) -> None:
    """What passes here is what the transport will send: a URL of visible ASCII
    (RFC 3986 §2). A non-ASCII host or path is refused as configuration."""
    result = check_secure_url(f"https://{host}/{path}", "u")
    if isinstance(result, Success):
        assert all("\x21" <= ch <= "\x7e" for ch in result.unwrap())
    elif any(not "\x21" <= ch <= "\x7e" for ch in host + path):
        refused(result, "u")


def test_an_international_host_is_refused_unless_in_its_xn_form() -> None:
    refused(check_secure_url("https://\u0130.example", "u"), "u")
    refused(validate_base_urls(BaseUrls(base_url="https://b\u00fccher.example")), "base_url")
    assert check_secure_url("https://xn--bcher-kva.example", "u") == Success(
        "https://xn--bcher-kva.example"
    )


# -- Wording: the one test that pins this module's refusal texts -----------------------


def test_refusal_wording() -> None:
    """Every refusal text of this module, once; the other tests check the field."""
    cases: list[tuple[Result[Any, InvalidInput], str]] = [
        (check_secure_url("", "u"), "u: must be a non-empty URL string"),
        (
            check_secure_url("https://a b", "u"),
            "u: must be a URL without spaces, control or non-ASCII characters "
            "(an international host name goes in its xn-- form)",
        ),
        (check_secure_url("https://a:99999", "u"), "u: is not a valid URL"),
        (check_secure_url("/just/a/path", "u"), "u: must be an absolute URL with a host"),
        (check_secure_url("https://user@a.example", "u"), "u: must not contain user credentials"),
        (
            check_secure_url("http://a.example", "u"),
            "u: http:// is allowed only for loopback hosts; use https",
        ),
        (check_secure_url("ftp://a.example", "u"), "u: must use https"),
        (
            validate_base_urls(BaseUrls(base_url="https://x.example/?q=1")),
            "base_url: must not have a query or fragment",
        ),
        (validate_base_urls(None), "base_urls: must be a BaseUrls"),  # type: ignore[arg-type]
    ]
    for result, message in cases:
        assert result.failure().message() == message


def test_builders_and_checks_of_malformed_values() -> None:
    refused(check_secure_url("ftp://a.example", 5), "url")  # type: ignore[arg-type]
    assert revoke_url(BaseUrls(base_url=None)) == ""  # type: ignore[arg-type]
    assert token_url(object()) == ""  # type: ignore[arg-type]
    assert api_url(BaseUrls(), 5) == ""  # type: ignore[arg-type]
    assert api_url(BaseUrls(base_url=None), "x") == ""  # type: ignore[arg-type]
    assert authorize_endpoint(BaseUrls(oauth_2_url=7)) == ""  # type: ignore[arg-type]
    assert is_loopback_host(5) is False  # type: ignore[arg-type]
