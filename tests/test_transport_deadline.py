"""The deadline bounds every phase of an exchange (README "Transport").

Hostile loopback servers drip or flood each part of an answer (status line,
headers, ``100 Continue`` answers, chunk framing, trailers) without ever
pausing long enough for a read timeout. Each call must end with a DEADLINE
failure within the deadline + 1 s, with the socket closed (the server sees it),
both through the transport and through a real auth object.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest
from hostile_servers import SHAPES, RawServer, answer, hostile, silent
from returns.result import Failure, Success

from boxauth import (
    BaseUrls,
    BoxCCGAuth,
    CCGConfig,
    TransportFailureKind,
    TransportSettings,
    Urllib3Transport,
)
from boxauth.wire import HttpRequest

DEADLINE = 3.0
SLACK = 1.0  # what a call may take beyond the deadline on a loaded machine
TOKEN_FORM = b"grant_type=client_credentials&client_id=c&client_secret=s3cr3t"
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"
# For ``answer``, which closes the connection after one answer, as it says here:
# without it the pool keeps the connection, and a thread that picks it up as the
# server closes it reads nothing back (1 stress run in 5).
ONE_SHOT = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}"


def post(url: str) -> HttpRequest:
    return HttpRequest("POST", f"{url}/oauth2/token", (), TOKEN_FORM)


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_each_hostile_shape_ends_at_the_deadline_and_closes_the_socket(shape: str) -> None:
    script, phase = SHAPES[shape]
    transport = Urllib3Transport()  # read timeout 15 s: only the deadline can stop these
    with RawServer(script) as server:
        started = time.monotonic()
        result = transport.send(post(server.url), timeout=DEADLINE)
        took = time.monotonic() - started
        assert isinstance(result, Failure), result
        failure = result.failure()
        assert failure.kind is TransportFailureKind.DEADLINE
        assert failure.maybe_sent is True
        assert (
            failure.detail == f"deadline of 3 s passed while {phase} from 127.0.0.1:{server.port}"
        )
        assert took <= DEADLINE + SLACK, took
        assert server.closed.wait(1.0), "the server never saw the socket closed"


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_a_ccg_auth_with_a_3_s_deadline_returns_within_4_s_from_each_shape(shape: str) -> None:
    script, _ = SHAPES[shape]
    with RawServer(script) as server:
        urls = BaseUrls(base_url=server.url, oauth_2_url=server.url)
        auth = BoxCCGAuth(
            CCGConfig("client-id", "client-s3cr3t", enterprise_id="1"),
            base_urls=urls,
            transport=Urllib3Transport(TransportSettings(deadline=DEADLINE)),
        )
        started = time.monotonic()
        result = auth.retrieve_token_result()
        took = time.monotonic() - started
        assert isinstance(result, Failure), result
        assert took <= DEADLINE + SLACK, took
        assert server.closed.wait(1.0)


def test_a_connection_stopped_at_the_deadline_is_never_reused() -> None:
    script, _ = SHAPES["dripped headers"]
    transport = Urllib3Transport()
    with RawServer(script) as server:
        for _ in range(2):
            result = transport.send(post(server.url), timeout=0.5)
            assert isinstance(result, Failure)
            assert result.failure().kind is TransportFailureKind.DEADLINE
        # A pooled, half-read connection would have been picked up again.
        assert server.connections == 2


def test_the_same_connection_is_reused_after_a_complete_answer() -> None:
    def keep_alive(conn: Any, server: RawServer) -> None:
        from hostile_servers import read_request

        while read_request(conn, server):
            conn.sendall(OK)

    transport = Urllib3Transport()
    with RawServer(keep_alive) as server:
        for _ in range(3):
            assert isinstance(transport.send(post(server.url), timeout=DEADLINE), Success)
        assert server.connections == 1


def test_threads_sharing_one_transport_each_keep_their_own_deadline() -> None:
    """Per-request state is per thread: a slow call never shortens or stretches another's."""
    script, _ = SHAPES["dripped headers"]
    transport = Urllib3Transport()
    outcomes: dict[str, tuple[Any, float]] = {}

    def run(name: str, url: str, timeout: float) -> None:
        started = time.monotonic()
        result = transport.send(post(url), timeout=timeout)
        outcomes[name] = (result, time.monotonic() - started)

    with RawServer(script) as slow, RawServer(answer(ONE_SHOT)) as fast:
        jobs = [("slow-1", slow.url, 1.0), ("slow-2", slow.url, 2.0)]
        jobs += [(f"fast-{i}", fast.url, 0.3) for i in range(4)]
        threads = [threading.Thread(target=run, args=job) for job in jobs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
    for name, timeout in (("slow-1", 1.0), ("slow-2", 2.0)):
        result, took = outcomes[name]
        assert result.failure().kind is TransportFailureKind.DEADLINE
        assert result.failure().detail.startswith(f"deadline of {timeout:g} s passed")
        assert timeout - 0.05 <= took <= timeout + SLACK
    for i in range(4):
        result, _ = outcomes[f"fast-{i}"]
        assert isinstance(result, Success), result


def test_the_deadline_holds_in_a_worker_thread_started_by_asyncio() -> None:
    script, _ = SHAPES["100 Continue flood"]
    transport = Urllib3Transport()
    with RawServer(script) as server:

        async def main() -> tuple[Any, float]:
            started = time.monotonic()
            result = await asyncio.to_thread(transport.send, post(server.url), timeout=1.0)
            return result, time.monotonic() - started

        result, took = asyncio.run(main())
    assert result.failure().kind is TransportFailureKind.DEADLINE
    assert took <= 1.0 + SLACK


def test_no_deadline_state_is_left_behind_after_send() -> None:
    from boxauth.adapters import deadline_io

    transport = Urllib3Transport()
    with RawServer(answer(ONE_SHOT)) as server:
        assert isinstance(transport.send(post(server.url), timeout=DEADLINE), Success)
    assert deadline_io.current() is None


def test_a_silent_server_stops_at_the_deadline_when_it_is_shorter_than_the_read_timeout() -> None:
    transport = Urllib3Transport(TransportSettings(read_timeout=10))
    with RawServer(silent) as server:
        started = time.monotonic()
        result = transport.send(post(server.url), timeout=0.5)
        assert time.monotonic() - started <= 0.5 + SLACK
        assert result.failure().kind is TransportFailureKind.DEADLINE
        assert result.failure().detail == (
            f"deadline of 0.5 s passed while reading the headers from 127.0.0.1:{server.port}"
        )
        assert server.closed.wait(1.0)


def test_a_silent_server_is_a_read_timeout_when_that_is_shorter() -> None:
    transport = Urllib3Transport(TransportSettings(read_timeout=0.3))
    with RawServer(silent) as server:
        result = transport.send(post(server.url), timeout=DEADLINE)
        assert result.failure().kind is TransportFailureKind.TIMEOUT
        assert result.failure().maybe_sent is True
        assert result.failure().detail == (
            f"nothing received for 0.3 s while reading the headers from 127.0.0.1:{server.port}"
        )


def test_a_body_dripped_under_the_read_timeout_stops_at_the_deadline() -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 4000\r\n\r\n"
    script = hostile(head, lambda: iter([b"x"] * 4000), 0.1)
    transport = Urllib3Transport(TransportSettings(read_timeout=0.5))
    with RawServer(script) as server:
        started = time.monotonic()
        result = transport.send(post(server.url), timeout=1.0)
        assert time.monotonic() - started <= 1.0 + SLACK
        assert result.failure().kind is TransportFailureKind.DEADLINE
        assert "while reading the body from" in result.failure().detail
        assert server.closed.wait(1.0)


def test_name_lookup_is_bounded_by_the_deadline(monkeypatch: Any) -> None:
    """getaddrinfo cannot be interrupted: the call stops waiting for it at the deadline."""
    import socket

    release = threading.Event()
    real = socket.getaddrinfo

    def stuck(host: str, *args: Any, **kwargs: Any) -> Any:
        if host == "stuck.example":
            release.wait(10)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", stuck)
    started = time.monotonic()
    result = Urllib3Transport().send(HttpRequest("GET", "https://stuck.example/x"), timeout=0.5)
    took = time.monotonic() - started
    release.set()
    assert took <= 0.5 + SLACK
    failure = result.failure()
    assert failure.kind is TransportFailureKind.DEADLINE
    assert failure.maybe_sent is False
    assert failure.detail == "deadline of 0.5 s passed while looking up stuck.example"


def test_sending_a_body_the_server_never_reads_ends_at_the_deadline() -> None:
    """sendall() is bounded as a whole by the socket timeout, set to what is left."""

    def never_reads(conn: Any, server: RawServer) -> None:
        while not server.stop.is_set():
            time.sleep(0.05)

    transport = Urllib3Transport(TransportSettings(read_timeout=10))
    with RawServer(never_reads) as server:
        started = time.monotonic()
        request = HttpRequest("POST", f"{server.url}/upload", (), b"x" * (64 * 1024 * 1024))
        result = transport.send(request, timeout=1.0)
        took = time.monotonic() - started
    failure = result.failure()
    assert failure.kind is TransportFailureKind.DEADLINE
    assert failure.maybe_sent is True
    assert failure.detail == f"deadline of 1 s passed while sending the request to {server.url[7:]}"
    assert took <= 1.0 + SLACK


def test_one_transport_serves_auth_objects_of_different_subjects_in_many_threads(box: Any) -> None:
    """google-auth's rule: credentials never own a transport, so sharing one must be safe."""
    transport = Urllib3Transport()
    urls = BaseUrls(base_url=box.emu.base_url, oauth_2_url=box.emu.oauth_2_url)
    fx = box.fx
    auths = [
        BoxCCGAuth(
            CCGConfig(fx.client_id, fx.client_secret, enterprise_id=fx.enterprise_id),
            base_urls=urls,
            transport=transport,
        ),
        BoxCCGAuth(
            CCGConfig(fx.client_id, fx.client_secret, user_id=fx.user_id),
            base_urls=urls,
            transport=transport,
        ),
    ]
    results: list[Any] = []

    def run(auth: BoxCCGAuth) -> None:
        for _ in range(3):
            results.append((auth, auth.refresh_token_result()))

    threads = [threading.Thread(target=run, args=(auths[i % 2],)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(results) == 18
    assert all(isinstance(result, Success) for _, result in results), results
    service = {r.unwrap().access_token for a, r in results if a is auths[0]}
    user = {r.unwrap().access_token for a, r in results if a is auths[1]}
    assert service.isdisjoint(user)
