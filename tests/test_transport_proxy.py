"""Proxies that want a username and password (``Proxy-Authorization: Basic``, RFC 7617).

A loopback CONNECT proxy demands the header; the transport sends it from the
userinfo of the proxy URL, percent-decoded, and the password never shows up
in a repr, a str, a failure text or a log record.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import logging
import pickle
import time
from typing import Any

import pytest
from boxauth.adapters.transport_setup import split_proxy
from hostile_servers import OK_ANSWER, ConnectProxy, Pki, RawServer, answer, bytes_of, hostile
from returns.result import Failure, Success

from boxauth import TransportFailureKind, TransportSettings, Urllib3Transport
from boxauth.wire import HttpRequest

USER = "box-user"
PASSWORD = "p@ss:w/rd s3cr3t"  # '@', ':', '/' and a space: all must be percent-encoded
ENCODED = "p%40ss%3Aw%2Frd%20s3cr3t"
BASIC = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()


@pytest.fixture(scope="module")
def pki(tmp_path_factory: Any) -> Pki:
    return Pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def origin(pki: Pki) -> Any:
    with RawServer(answer(OK_ANSWER), tls=pki.server_context("127.0.0.1")) as server:
        yield server


def get(transport: Urllib3Transport, url: str) -> Any:
    return transport.send(HttpRequest("GET", f"{url}/2.0/users/me"), timeout=5)


def secrets_in(text: str) -> list[str]:
    marks = (PASSWORD, ENCODED, "s3cr3t", BASIC.split()[1], BASIC.split()[1][:16])
    return [mark for mark in marks if mark in text]


def test_the_proxy_gets_basic_credentials_from_the_url(pki: Pki, origin: RawServer) -> None:
    with ConnectProxy(expected=BASIC) as proxy:
        url = f"http://{USER}:{ENCODED}@127.0.0.1:{proxy.port}"
        transport = Urllib3Transport(TransportSettings(proxy_url=url, ca_certs=pki.ca_file))
        result = get(transport, origin.url)
        assert isinstance(result, Success), result
        assert result.unwrap().body == b"{}"
        assert proxy.seen[0].startswith(f"CONNECT 127.0.0.1:{origin.port} HTTP/1.".encode())
        assert f"Proxy-Authorization: {BASIC}".encode() in proxy.seen[0]
        # The origin got the request through the tunnel, without the proxy's header.
        assert origin.requests[0].startswith(b"GET /2.0/users/me HTTP/1.1")
        assert b"Proxy-Authorization" not in origin.requests[0]


def test_the_environment_proxy_gets_basic_credentials_too(
    pki: Pki, origin: RawServer, monkeypatch: Any
) -> None:
    with ConnectProxy(expected=BASIC) as proxy:
        monkeypatch.setenv("HTTPS_PROXY", f"http://{USER}:{ENCODED}@127.0.0.1:{proxy.port}")
        for name in ("NO_PROXY", "no_proxy", "https_proxy"):
            monkeypatch.delenv(name, raising=False)
        result = get(Urllib3Transport(TransportSettings(ca_certs=pki.ca_file)), origin.url)
        assert isinstance(result, Success), result
        assert len(proxy.seen) == 1


@pytest.mark.parametrize("userinfo", [f"{USER}:wrong", "", f"{USER}:{ENCODED}x"])
def test_a_refused_login_is_a_connect_failure_that_says_so(
    pki: Pki, origin: RawServer, userinfo: str
) -> None:
    with ConnectProxy(expected=BASIC) as proxy:
        at = f"{userinfo}@" if userinfo else ""
        url = f"http://{at}127.0.0.1:{proxy.port}"
        result = get(
            Urllib3Transport(TransportSettings(proxy_url=url, ca_certs=pki.ca_file)), origin.url
        )
        assert isinstance(result, Failure)
        failure = result.failure()
        assert failure.kind is TransportFailureKind.CONNECT
        assert failure.maybe_sent is False
        assert failure.detail == (
            f"the proxy 127.0.0.1:{proxy.port} answered 407 to CONNECT "
            "(it wants a username and password, or refused the ones given)"
        )
        assert "canary" not in failure.detail  # the proxy's reason phrase is not quoted
        assert origin.requests == []


def test_the_password_never_appears_in_reprs_failures_or_logs(
    pki: Pki, origin: RawServer, caplog: Any
) -> None:
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []
    with ConnectProxy(expected=BASIC) as proxy:
        for password in (ENCODED, ENCODED + "x"):
            url = f"http://{USER}:{password}@127.0.0.1:{proxy.port}"
            settings = TransportSettings(proxy_url=url, ca_certs=pki.ca_file)
            transport = Urllib3Transport(settings)
            result = get(transport, origin.url)
            texts += [repr(settings), str(settings), repr(transport), str(result)]
            if isinstance(result, Failure):
                texts += [result.failure().detail, result.failure().message()]
            texts += [repr(route) for route in transport._routes.values()]
    texts += [record.getMessage() for record in caplog.records]
    texts += [str(record.args) for record in caplog.records]
    assert any("urllib3" in record.name for record in caplog.records)  # logging was on
    leaks = [(text, secrets_in(text)) for text in texts if secrets_in(text)]
    assert leaks == []


def test_nothing_holding_the_proxy_password_can_be_pickled() -> None:
    # Values holding a secret refuse to be pickled: TransportSettings pickled the
    # password in the clear,
    # and the Proxy value its Basic header (Base64 is not encryption).
    url = f"http://{USER}:{ENCODED}@127.0.0.1:3128"
    settings = TransportSettings(proxy_url=url)
    values = [settings, split_proxy(url), Urllib3Transport(settings)]
    for value in values:
        for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
            with pytest.raises(TypeError, match="cannot be pickled"):
                pickle.dumps(value, protocol=protocol)
    # Copies are the (immutable) values themselves, as for every secret-holding value.
    assert copy.copy(values[0]) is values[0] and copy.deepcopy(values[1]) is values[1]
    assert dataclasses.replace(settings, deadline=5.0).proxy_url == url


def test_a_proxy_that_refuses_the_connection_is_named_as_the_proxy(origin: RawServer) -> None:
    transport = Urllib3Transport(TransportSettings(proxy_url="http://u:s3cr3t@127.0.0.1:1"))
    failure = get(transport, origin.url).failure()
    assert failure.kind is TransportFailureKind.CONNECT
    assert failure.detail == "connection refused by the proxy 127.0.0.1:1"
    assert failure.maybe_sent is False


def test_a_proxy_dripping_its_connect_answer_ends_at_the_deadline(origin: RawServer) -> None:
    script = hostile(b"HTTP/1.1 200 OK\r\n", lambda: bytes_of(b"X-Slow: a\r\n" * 10_000), 0.02)
    with RawServer(script) as proxy:
        transport = Urllib3Transport(TransportSettings(proxy_url=proxy.url))
        started = time.monotonic()
        failure = transport.send(HttpRequest("GET", f"{origin.url}/x"), timeout=1.0).failure()
        took = time.monotonic() - started
        assert failure.kind is TransportFailureKind.DEADLINE
        assert failure.maybe_sent is False  # nothing reached the origin
        where = f"while opening a tunnel through the proxy 127.0.0.1:{proxy.port}"
        assert failure.detail == f"deadline of 1 s passed {where}"
        assert took <= 2.0
        assert proxy.closed.wait(1.0)
    assert origin.requests == []
