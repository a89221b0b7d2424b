"""``boxauth.api_calls.token_may_go_to``: a bearer token goes to Box's API origins only
(RFC 6750 section 5.3), the rule ``BoxHttpxAuth`` follows before adding the header."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from boxauth.api_calls import token_may_go_to
from boxauth.urls import BaseUrls

URLS = BaseUrls()  # https://api.box.com, https://upload.box.com/api
LOCAL = BaseUrls(base_url="http://127.0.0.1:8080", upload_url="http://127.0.0.1:8081/api")


@given(path=st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=40))
def test_any_path_at_a_box_origin_may_carry_the_token(path: str) -> None:
    path = path.replace("#", "").replace("?", "")
    assert token_may_go_to(URLS, f"https://api.box.com/2.0/{path}")
    assert token_may_go_to(URLS, f"https://upload.box.com/api/2.0/{path}")
    assert token_may_go_to(URLS, f"https://API.box.com:443/{path}")  # the same origin


@given(value=st.one_of(st.none(), st.integers(), st.binary(), st.text(max_size=60)))
def test_nothing_but_a_box_origin_url_may_carry_it(value: object) -> None:
    if isinstance(value, str) and value.lower().startswith(
        ("https://api.box.com/", "https://upload.box.com/")
    ):
        return  # generated text that happens to be a Box URL
    assert not token_may_go_to(URLS, value)


def test_other_origins_never_carry_it() -> None:
    refused = [
        "https://api.box.com.evil.example/2.0/users/me",  # a longer host
        "https://evil.example/https://api.box.com/",
        "http://api.box.com/2.0/users/me",  # plain http
        "https://api.box.com:8443/2.0/users/me",  # another port
        "https://account.box.com/api/oauth2/authorize",  # oauth_2_url is not an API origin
        "https://user:pw@api.box.com/2.0/users/me",  # credentials in the URL
        "https://api.box.com:99999/",  # not a port
        "http://127.0.0.1:8082/2.0/users/me",
    ]
    for url in refused:
        assert not token_may_go_to(URLS, url), url
        assert not token_may_go_to(LOCAL, url), url
    assert token_may_go_to(LOCAL, "http://127.0.0.1:8080/2.0/users/me")
    assert token_may_go_to(LOCAL, "http://127.0.0.1:8081/api/2.0/files/content")
