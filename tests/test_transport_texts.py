"""Network failure texts say what happened and where, never exception text
(README "Transport")."""

from __future__ import annotations

import contextlib
import socket
import time
from typing import Any

import pytest
from hostile_servers import RawServer, answer, hang_up, reset
from returns.result import Failure

from boxauth import (
    BaseUrls,
    BoxCCGAuth,
    BoxNetworkError,
    CCGConfig,
    RetryPolicy,
    TransportFailureKind,
    TransportSettings,
    Urllib3Transport,
)
from boxauth.wire import HttpRequest

CANARY = "s3cr3t-canary"


def post(transport: Urllib3Transport, url: str, timeout: float = 5.0) -> Any:
    form = b"client_secret=" + CANARY.encode()
    request = HttpRequest("POST", f"{url}/oauth2/token?x={CANARY}", (), form)
    result = transport.send(request, timeout=timeout)
    assert isinstance(result, Failure), result
    assert CANARY not in result.failure().detail
    return result.failure()


def test_connection_refused() -> None:
    failure = post(Urllib3Transport(), "http://127.0.0.1:1")
    assert failure.kind is TransportFailureKind.CONNECT
    assert failure.detail == "connection refused by 127.0.0.1:1"
    assert failure.maybe_sent is False


@pytest.fixture
def full_backlog() -> Any:
    """A listener whose accept queue is full: the kernel drops new SYNs, so connect waits."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    fillers = []
    for _ in range(4):
        filler = socket.socket()
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            filler.connect(listener.getsockname())
        fillers.append(filler)
    time.sleep(0.1)
    yield listener.getsockname()[1]
    for filler in fillers:
        filler.close()
    listener.close()


def test_no_answer_to_connect_within_the_connect_timeout(full_backlog: int) -> None:
    transport = Urllib3Transport(TransportSettings(connect_timeout=0.5))
    failure = post(transport, f"http://127.0.0.1:{full_backlog}")
    assert failure.kind is TransportFailureKind.TIMEOUT
    assert failure.detail == f"no answer from 127.0.0.1:{full_backlog} within 0.5 s"
    assert failure.maybe_sent is False


def test_no_answer_to_connect_within_the_deadline(full_backlog: int) -> None:
    failure = post(Urllib3Transport(), f"http://127.0.0.1:{full_backlog}", timeout=0.5)
    assert failure.kind is TransportFailureKind.DEADLINE
    where = f"while connecting to 127.0.0.1:{full_backlog}"
    assert failure.detail == f"deadline of 0.5 s passed {where}"
    assert failure.maybe_sent is False


def test_connection_reset_after_the_request() -> None:
    with RawServer(reset) as server:
        failure = post(Urllib3Transport(), server.url)
    assert failure.kind is TransportFailureKind.PROTOCOL
    where = f"while reading the headers from 127.0.0.1:{server.port}"
    assert failure.detail == f"connection reset {where}"
    assert failure.maybe_sent is True


def test_connection_closed_without_an_answer() -> None:
    with RawServer(hang_up) as server:
        failure = post(Urllib3Transport(), server.url)
    assert failure.kind is TransportFailureKind.PROTOCOL
    assert failure.detail == (
        f"the connection was closed while reading the headers from 127.0.0.1:{server.port}"
    )
    assert failure.maybe_sent is True


def test_a_body_cut_short() -> None:
    cut = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{" + CANARY.encode()
    with RawServer(answer(cut)) as server:
        failure = post(Urllib3Transport(), server.url)
    assert failure.kind is TransportFailureKind.PROTOCOL
    assert failure.detail == (
        f"the connection was closed while reading the body from 127.0.0.1:{server.port}"
        " (incomplete body)"
    )


def test_a_status_line_that_is_not_http_is_not_quoted() -> None:
    with RawServer(answer(f"SSH-2.0 {CANARY}\r\n\r\n".encode())) as server:
        failure = post(Urllib3Transport(), server.url)
    assert failure.kind is TransportFailureKind.PROTOCOL
    where = f"while reading the headers from 127.0.0.1:{server.port}"
    assert failure.detail == f"an invalid status line {where}"


def test_a_name_that_does_not_resolve(monkeypatch: Any) -> None:
    def nowhere(host: str, *args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, f"no such host {CANARY}")

    monkeypatch.setattr(socket, "getaddrinfo", nowhere)
    failure = post(Urllib3Transport(), "https://nowhere.example")
    assert failure.kind is TransportFailureKind.CONNECT
    assert failure.detail == "cannot resolve nowhere.example (name lookup failed)"
    assert failure.maybe_sent is False


def test_the_auth_error_a_user_sees_names_the_place() -> None:
    auth = BoxCCGAuth(
        CCGConfig("client-id", "client-s3cr3t", enterprise_id="1"),
        base_urls=BaseUrls(base_url="http://127.0.0.1:1", oauth_2_url="http://127.0.0.1:1"),
        retry_policy=RetryPolicy(max_attempts=1),
    )
    with pytest.raises(BoxNetworkError) as caught:
        auth.retrieve_token()
    assert "connection refused by 127.0.0.1:1" in str(caught.value)
    assert "s3cr3t" not in str(caught.value)
