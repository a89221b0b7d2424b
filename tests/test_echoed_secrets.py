"""A server that echoes what we sent never gets a secret into a message.

A token endpoint (a gateway, a proxy's error page, a hostile server at Box's
address) may quote the request in ``error_description``: the refresh token,
the client secret. The core knows which secrets each request carried and
removes them from every text of the error value, so they reach no exception
message, ``response_info``, log record or CLI line. The same for an API call
whose error echoes the access token.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import pytest
from cli_support import clean_env

from boxauth import (
    AccessToken,
    BaseUrls,
    BoxCCGAuth,
    BoxClient,
    BoxDeveloperTokenAuth,
    BoxOAuth,
    CCGConfig,
    InMemoryTokenStorage,
    OAuthConfig,
    RetryPolicy,
)

SECRET_RT = "RTsecret" + "r" * 56
SECRET_CS = "CSsecret" + "c" * 24
SECRET_AT = "ATsecret" + "a" * 24


class Echo(BaseHTTPRequestHandler):
    """Answers every request with an error that quotes what it was sent."""

    def _answer(self, status: int, echoed: str) -> None:
        said = f"bad value {echoed}"
        fields = {"error": "invalid_grant", "error_description": said, "message": said}
        body = json.dumps({**fields, "code": f"x{echoed}"}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("box-request-id", echoed[:20])
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        form = dict(parse_qsl(self.rfile.read(int(self.headers["Content-Length"])).decode()))
        self._answer(400, f"{form.get('refresh_token', '')} {form.get('client_secret', '')}")

    def do_GET(self) -> None:
        self._answer(403, self.headers.get("Authorization", ""))

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def echo() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _texts(exc: BaseException) -> str:
    return " ".join(
        [str(exc), repr(exc), repr(getattr(exc, "response_info", None)), repr(vars(exc))]
    )


def test_a_refresh_refusal_that_echoes_the_secrets_names_none_of_them(
    echo: str, caplog: pytest.LogCaptureFixture
) -> None:
    storage = InMemoryTokenStorage(token=AccessToken(refresh_token=SECRET_RT))
    auth = BoxOAuth(
        OAuthConfig("client-id", SECRET_CS, token_storage=storage),
        base_urls=BaseUrls(base_url=echo, oauth_2_url=echo),
    )
    with caplog.at_level(logging.DEBUG, logger="boxauth"), pytest.raises(Exception) as caught:
        auth.retrieve_token()
    text = _texts(caught.value) + caplog.text
    assert "bad value" in str(caught.value)  # Box's text is kept ...
    assert SECRET_RT not in text and SECRET_CS not in text  # ... without what we sent


def test_an_api_error_that_echoes_the_access_token_names_it_nowhere(echo: str) -> None:
    auth = BoxDeveloperTokenAuth(token=SECRET_AT, base_urls=BaseUrls(base_url=echo))
    with pytest.raises(Exception) as caught:
        BoxClient(auth).users.get_user_me()
    assert "bad value" in str(caught.value)
    assert SECRET_AT not in _texts(caught.value)


def test_the_cli_prints_no_echoed_secret(echo: str, tmp_path: Any) -> None:
    args = ["token", "--client-id", "cid", "--enterprise-id", "1"]
    proc = subprocess.run(
        [sys.executable, "-m", "boxauth", *args, "--base-url", echo, "--oauth2-url", echo],
        cwd=tmp_path,
        env=clean_env({"BOX_CLIENT_SECRET": SECRET_CS}),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    assert "bad value" in proc.stderr
    assert SECRET_CS not in proc.stderr and SECRET_CS not in proc.stdout


class EchoAtTheCut(BaseHTTPRequestHandler):
    """Quotes the client secret so that the 300-character cut of an error text
    falls ``inside`` characters into it (the rest of the text is lost)."""

    inside = 0

    def do_POST(self) -> None:
        form = dict(parse_qsl(self.rfile.read(int(self.headers["Content-Length"])).decode()))
        lead = "refused; client_secret="
        # clean_text keeps 297 characters and appends "...".
        pad = "x" * (297 - len(lead) - self.inside)
        said = f"{pad}{lead}{form['client_secret']} and more"
        body = json.dumps({"error": "invalid_request", "error_description": said}).encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return


RANDOM_CS = "S3cr3tCl13ntV4lu3XYZ987654qwerty"  # 32 letters and digits, as Box's


@pytest.mark.parametrize("inside", [4, 5, 8, 16, 31, 32])
def test_a_secret_cut_by_the_length_limit_is_removed_too(inside: int) -> None:
    """Texts are cut to 300 characters before the scrub sees them: the part of a
    secret left before the "..." is removed as well, down to 4 characters."""
    handler = type("Cut", (EchoAtTheCut,), {"inside": inside})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        auth = BoxCCGAuth(
            CCGConfig("client-id", RANDOM_CS, enterprise_id="1"),
            base_urls=BaseUrls(base_url=url, oauth_2_url=url),
            retry_policy=RetryPolicy(max_attempts=1),
        )
        with pytest.raises(Exception) as caught:
            auth.retrieve_token()
    finally:
        server.shutdown()
        server.server_close()
    text = _texts(caught.value)
    assert "refused; client_secret=" in text  # the text is Box's, cut where expected
    pieces = {RANDOM_CS[i : i + 4] for i in range(len(RANDOM_CS) - 3)}
    assert not [p for p in pieces if p in text]
