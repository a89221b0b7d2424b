"""wire: HTTP as values (requests and responses that never print their secrets) and the
table that says whether a failed request may have reached Box.

Once any byte of a request may have left, Box may have acted on it (spent a refresh
token or an authorization code) even if its answer never arrived; so a failure at or
after sending is ``maybe_sent``, and a single-use grant is never repeated after it.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from strategies import SECRET_ALPHABET

from boxauth.errors import TransportFailure, TransportFailureKind
from boxauth.wire import MAYBE_SENT, HttpRequest, HttpResponse, Stage, failed_at

ORDER = [
    Stage.BEFORE_CONNECT,
    Stage.CONNECTING,
    Stage.SENDING,
    Stage.AWAITING_ANSWER,
    Stage.READING_BODY,
]
secret_text = st.text(SECRET_ALPHABET, min_size=8, max_size=24)
names = st.sampled_from(["Date", "date", "DATE", "Retry-After", "box-request-id", "X-Other"])
headers = st.lists(st.tuples(names, st.text(max_size=8)), max_size=6)


def test_maybe_sent_is_false_only_before_any_byte_can_leave() -> None:
    assert list(Stage) == ORDER
    assert MAYBE_SENT == {
        Stage.BEFORE_CONNECT: False,
        Stage.CONNECTING: False,
        Stage.SENDING: True,
        Stage.AWAITING_ANSWER: True,
        Stage.READING_BODY: True,
    }
    # Once a request may have been sent, every later stage may have been too.
    flags = [MAYBE_SENT[stage] for stage in ORDER]
    assert flags == sorted(flags)


@given(st.sampled_from(Stage), st.sampled_from(TransportFailureKind), st.text(max_size=20))
def test_failed_at_reads_the_table(stage: Stage, kind: TransportFailureKind, detail: str) -> None:
    assert failed_at(stage, kind, detail) == TransportFailure(kind, detail, MAYBE_SENT[stage])


def test_stage_repr() -> None:
    for stage in Stage:
        assert repr(stage) == f"Stage.{stage.name}"


@given(secret_text, secret_text, st.sampled_from(["GET", "POST"]))
def test_a_request_prints_its_method_url_and_body_size_only(
    token: str, body: str, method: str
) -> None:
    request = HttpRequest(
        method, "https://api.box.com/oauth2/token", (("Authorization", token),), body.encode()
    )
    shown = (
        f"HttpRequest(method={method!r}, url='https://api.box.com/oauth2/token', "
        f"body=<{len(body.encode())} bytes>)"
    )
    assert repr(request) == str(request) == shown
    assert repr(HttpRequest("GET", "u")) == "HttpRequest(method='GET', url='u', body=<0 bytes>)"


@given(st.integers(100, 599), secret_text)
def test_a_response_prints_its_status_and_body_size_only(status: int, body: str) -> None:
    response = HttpResponse(status, (("Set-Cookie", body),), body.encode())
    shown = f"HttpResponse(status={status}, body=<{len(body.encode())} bytes>)"
    assert repr(response) == str(response) == shown


@given(headers, names)
def test_header_lookup_ignores_case_and_takes_the_first(
    pairs: list[tuple[str, str]], name: str
) -> None:
    response = HttpResponse(200, tuple(pairs), b"")
    matches = [value for key, value in pairs if key.lower() == name.lower()]
    assert response.header(name) == (matches[0] if matches else None)
