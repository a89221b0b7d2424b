"""Properties of base URL checks (ours: https anywhere, http only on loopback, no userinfo)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Success
from strategies import any_text

from boxauth.urls import BaseUrls, check_secure_url, validate_base_urls

# URLs: https anywhere; http only on loopback; never userinfo.

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
    result = check_secure_url(_url("http", host, port, path), "base_url")
    assert isinstance(result, Failure)
    assert result.failure().field == "base_url"
    assert isinstance(
        validate_base_urls(BaseUrls(base_url=_url("http", host, port, path))), Failure
    )


@given(
    st.sampled_from(["http", "https"]),
    loopback_hosts | other_hosts,
    st.from_regex(r"[a-z0-9]{1,8}(:[a-z0-9]{0,8})?", fullmatch=True),
    paths,
)
def test_userinfo_refused(scheme: str, host: str, userinfo: str, path: str) -> None:
    result = check_secure_url(f"{scheme}://{userinfo}@{host}{path}", "u")
    assert isinstance(result, Failure)


@given(st.sampled_from(["ftp", "file", "ws", "javascript", "HTTPX"]), loopback_hosts | other_hosts)
def test_other_schemes_refused(scheme: str, host: str) -> None:
    assert isinstance(check_secure_url(f"{scheme}://{host}/", "u"), Failure)


@given(any_text)
def test_check_never_raises(text: str) -> None:
    result = check_secure_url(text, "u")
    if isinstance(result, Success):
        assert text.startswith(("https://", "http://"))


@given(loopback_hosts | other_hosts, paths)
def test_base_urls_drop_trailing_slash(host: str, path: str) -> None:
    url = _url("https", host, None, path)
    checked = validate_base_urls(BaseUrls(base_url=url + "/")).unwrap()
    assert checked.base_url == (url + "/").rstrip("/")
    assert not checked.base_url.endswith("/")
