"""token_requests: the exact fields of every request and the field each refusal names.

Written to close the gaps that mutation testing (``bash .ci/mutation``) found.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from returns.result import Failure

from boxauth.config import oauth_settings
from boxauth.downscope import DownscopeRequest
from boxauth.errors import InvalidInput
from boxauth.jwt import Assertion
from boxauth.token_requests import (
    Grant,
    authorization_code_request,
    body,
    jwt_request,
    refresh_request,
    revoke_request,
    token_exchange_request,
)
from boxauth.urls import BaseUrls

URLS = BaseUrls()
OAUTH = oauth_settings(client_id="cid", client_secret="SEC").unwrap()


def _bad(field: str, problem: str) -> Failure[InvalidInput]:
    return Failure(InvalidInput(field, problem))


def test_each_refusal_names_its_field() -> None:
    assert authorization_code_request(URLS, OAUTH, "") == _bad("authorization_code", "is empty")
    assert authorization_code_request(URLS, OAUTH, "c", "") == _bad("redirect_uri", "is empty")
    assert refresh_request(URLS, OAUTH, None) == _bad("refresh_token", "is missing")
    assert revoke_request(URLS, None, "s", "t") == _bad("client_id", "is missing")
    assert revoke_request(URLS, "c", None, "t") == _bad("client_secret", "is missing")
    assert revoke_request(URLS, "c", "s", None) == _bad("token", "is missing")
    scopes = DownscopeRequest(("item_preview",))
    assert token_exchange_request(URLS, "", scopes) == _bad("subject_token", "is empty")
    both = DownscopeRequest(
        ("item_preview",), "https://api.box.com/2.0/files/1", "https://app.box.com/s/x"
    )
    assert token_exchange_request(URLS, "T", both) == _bad(
        "resource/shared_link", "give at most one, not both"
    )


def test_fields() -> None:
    jwt = jwt_request(URLS, "cid", "SEC", Assertion(jti="j", exp=1, token="a.b.c"))
    assert jwt.grant is Grant.JWT
    assert jwt.fields == (
        ("grant_type", Grant.JWT.value),
        ("assertion", "a.b.c"),
        ("client_id", "cid"),
        ("client_secret", "SEC"),
    )
    down = token_exchange_request(
        URLS,
        "T",
        DownscopeRequest(("item_preview", "item_upload"), shared_link="https://app.box.com/s/x"),
    ).unwrap()
    assert down.fields == (
        ("grant_type", Grant.TOKEN_EXCHANGE.value),
        ("subject_token", "T"),
        ("subject_token_type", "urn:ietf:params:oauth:token-type:access_token"),
        ("scope", "item_preview item_upload"),
        ("box_shared_link", "https://app.box.com/s/x"),
    )
    code = authorization_code_request(URLS, OAUTH, "C", "https://app.example/cb").unwrap()
    assert parse_qsl(body(code).decode("ascii")) == list(code.fields)
    assert body(code) == (
        b"grant_type=authorization_code&code=C&client_id=cid&client_secret=SEC"
        b"&redirect_uri=https%3A%2F%2Fapp.example%2Fcb"
    )
