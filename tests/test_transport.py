"""The urllib3 adapter: redirects, plain http, TLS, size caps, timeouts, proxies."""

from __future__ import annotations

import gzip
import http.server
import os
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from returns.result import Failure, Success

from boxauth import BoxConfigError, TransportFailureKind, TransportSettings, Urllib3Transport
from boxauth.wire import HttpRequest


class Handler(http.server.BaseHTTPRequestHandler):
    disable_nagle_algorithm = True
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        return None

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        route = self.path
        if route == "/redirect":
            self.send_response(307)
            self.send_header("Location", "https://elsewhere.example/oauth2/token")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif route == "/huge":
            body = b"x" * (1024 * 1024 + 10)
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif route == "/gzip":
            body = gzip.compress(b"{}")
            self.send_response(200)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif route == "/echo-encoding":
            body = self.headers.get("Accept-Encoding", "").encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif route == "/slow":
            time.sleep(1.0)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")
        else:
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")


class QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        return None  # a client that hung up on a refused answer is expected here


@pytest.fixture
def server() -> Iterator[str]:
    srv = QuietServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def post(transport: Urllib3Transport, url: str, timeout: float = 30.0) -> Any:
    return transport.send(HttpRequest("POST", url, (), b"client_secret=s3cr3t"), timeout=timeout)


def test_redirects_are_never_followed(server: str) -> None:
    result = post(Urllib3Transport(), f"{server}/redirect")
    assert isinstance(result, Failure)
    assert result.failure().kind is TransportFailureKind.REDIRECT_REFUSED
    assert "elsewhere" not in result.failure().detail


def test_plain_http_to_a_remote_host_is_refused_before_connecting() -> None:
    result = post(Urllib3Transport(), "http://api.box.com/oauth2/token")
    assert isinstance(result, Failure)
    assert result.failure().kind is TransportFailureKind.INSECURE_URL
    assert result.failure().maybe_sent is False


def test_bodies_over_one_mib_are_refused(server: str) -> None:
    result = post(Urllib3Transport(), f"{server}/huge")
    assert isinstance(result, Failure)
    assert result.failure().kind is TransportFailureKind.TOO_LARGE


def test_read_timeout_is_enforced(server: str) -> None:
    transport = Urllib3Transport(TransportSettings(read_timeout=0.2))
    started = time.monotonic()
    result = post(transport, f"{server}/slow")
    assert isinstance(result, Failure)
    assert result.failure().kind is TransportFailureKind.TIMEOUT
    assert result.failure().maybe_sent is True
    assert time.monotonic() - started < 0.9


def test_remaining_deadline_caps_the_timeout(server: str) -> None:
    result = post(Urllib3Transport(), f"{server}/slow", timeout=0.2)
    assert isinstance(result, Failure)
    assert result.failure().kind is TransportFailureKind.DEADLINE


def test_connection_refused_is_a_typed_failure_not_sent() -> None:
    result = post(Urllib3Transport(TransportSettings(connect_timeout=1)), "http://127.0.0.1:1/x")
    assert isinstance(result, Failure)
    assert result.failure().kind is TransportFailureKind.CONNECT
    assert result.failure().maybe_sent is False


def test_success_returns_status_headers_and_body(server: str) -> None:
    result = post(Urllib3Transport(), f"{server}/ok")
    assert isinstance(result, Success)
    assert result.unwrap().status == 200
    assert result.unwrap().body == b"{}"


def test_tls_verification_cannot_be_disabled_by_the_environment(monkeypatch: Any) -> None:
    for name in ("PYTHONHTTPSVERIFY", "CURL_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"):
        monkeypatch.setenv(name, "0" if name == "PYTHONHTTPSVERIFY" else "")
    transport = Urllib3Transport()
    assert transport._direct.connection_pool_kw["cert_reqs"] == "CERT_REQUIRED"
    assert not hasattr(TransportSettings(), "verify")


def test_https_proxy_from_the_environment_is_used_and_no_proxy_respected(monkeypatch: Any) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:3128")
    monkeypatch.setenv("NO_PROXY", "internal.example")
    transport = Urllib3Transport()
    pool = transport._choose(urlsplit("https://api.box.com/oauth2/token")).unwrap().pool
    assert pool is not transport._direct
    assert (
        transport._choose(urlsplit("https://internal.example/x")).unwrap().pool is transport._direct
    )


def test_no_exception_text_leaks(server: str) -> None:
    os.environ.pop("HTTPS_PROXY", None)
    result = post(Urllib3Transport(), "http://127.0.0.1:1/?token=abc")
    assert isinstance(result, Failure)
    assert "abc" not in result.failure().detail


@pytest.mark.parametrize(
    "value", ["Bearer abc\r\nX-Injected: 1", "Bearer abc\n", "Bearer tok\u20ac", "Bearer a\x00b"]
)
def test_a_header_http_client_would_refuse_is_a_failure_without_its_value(
    server: str, value: str
) -> None:
    result = Urllib3Transport().send(
        HttpRequest("GET", f"{server}/ok", (("Authorization", value),)), timeout=30
    )
    assert isinstance(result, Failure)
    failure = result.failure()
    assert failure.kind is TransportFailureKind.PROTOCOL
    assert failure.maybe_sent is False
    assert "abc" not in failure.detail and "tok" not in failure.detail
    assert "Authorization" in failure.detail


def test_errors_raised_inside_http_client_are_caught_with_the_class_name_only(
    server: str, monkeypatch: Any
) -> None:
    import http.client

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise ValueError("Invalid header value b'Bearer s3cr3t'")

    monkeypatch.setattr(http.client.HTTPConnection, "putheader", refuse)
    result = post(Urllib3Transport(), f"{server}/ok")
    assert isinstance(result, Failure)
    assert result.failure().kind is TransportFailureKind.PROTOCOL
    assert "s3cr3t" not in result.failure().detail
    assert result.failure().detail.startswith("ValueError before anything was sent to 127.0.0.1:")
    assert result.failure().maybe_sent is False


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("connect_timeout", 0),
        ("read_timeout", -1.0),
        ("read_timeout", None),
        ("deadline", float("nan")),
        ("deadline", float("inf")),
        ("connect_timeout", True),
        ("pool_size", 0),
        ("pool_size", 2.5),
        ("proxy_url", "socks5://127.0.0.1:1080"),
        ("proxy_url", "ftp://x"),
        ("proxy_url", "http://"),
        ("proxy_url", "http://proxy:notaport"),
        ("proxy_url", "http://[::1"),
        ("proxy_url", "http://user:pa ss@proxy:3128"),
    ],
)
def test_settings_that_could_never_work_are_refused_when_the_transport_is_built(
    field: str, value: Any
) -> None:
    with pytest.raises(BoxConfigError) as caught:
        Urllib3Transport(TransportSettings(**{field: value}))
    assert caught.value.field == field
    assert "pa ss" not in str(caught.value)


@pytest.mark.parametrize(
    "proxy", ["socks5://user:s3cret@127.0.0.1:1", "proxy.example:3128", "http://[::1", "http://"]
)
def test_a_bad_proxy_in_the_environment_is_a_failure_each_time_not_an_exception(
    monkeypatch: Any, proxy: str
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    transport = Urllib3Transport()
    for _ in range(2):
        result = post(transport, "https://api.box.com/oauth2/token")
        assert isinstance(result, Failure)
        assert result.failure().kind is TransportFailureKind.CONNECT
        assert result.failure().maybe_sent is False
        assert "s3cret" not in result.failure().detail


def test_an_unparsable_url_is_a_failure(server: str) -> None:
    result = post(Urllib3Transport(), "https://[x/oauth2/token")
    assert isinstance(result, Failure)
    assert result.failure().kind is TransportFailureKind.INSECURE_URL


@pytest.fixture
def recorder() -> Iterator[tuple[str, list[bytes]]]:
    """A 'proxy' that records whatever reaches it and answers nothing."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    seen: list[bytes] = []
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            conn.settimeout(0.3)
            data = b""
            try:
                while chunk := conn.recv(65536):
                    data += chunk
            except OSError:
                pass
            seen.append(data)
            conn.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield f"http://user:pw@127.0.0.1:{listener.getsockname()[1]}", seen
    stop.set()
    thread.join()
    listener.close()


def test_plain_http_never_goes_through_a_proxy(
    server: str, recorder: tuple[str, list[bytes]], monkeypatch: Any
) -> None:
    proxy, seen = recorder
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, proxy)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    for settings in (TransportSettings(), TransportSettings(proxy_url=proxy)):
        result = post(Urllib3Transport(settings), f"{server}/ok")
        assert isinstance(result, Success)
    time.sleep(0.4)
    assert seen == []


def test_https_uses_only_https_proxy_and_only_as_a_connect_tunnel(
    recorder: tuple[str, list[bytes]], monkeypatch: Any
) -> None:
    proxy, seen = recorder
    for name in ("HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", proxy)
    transport = Urllib3Transport(TransportSettings(read_timeout=0.5))
    route = transport._choose(urlsplit("https://api.box.com/oauth2/token")).unwrap()
    assert route.pool is transport._direct
    monkeypatch.setenv("HTTPS_PROXY", proxy)
    result = post(Urllib3Transport(TransportSettings(read_timeout=0.5)), "https://api.box.com/x")
    assert isinstance(result, Failure)
    time.sleep(0.4)
    assert len(seen) == 1
    assert seen[0].startswith(b"CONNECT api.box.com:443 HTTP/1.")
    assert b"s3cr3t" not in seen[0]


@pytest.mark.parametrize(
    "proxy",
    [
        "http://user:s3cretpass@proxy.example:3128",
        "https://s3cretpass@proxy.example",
        "http://user:s3cret/pass@proxy.example:3128",
        "http://user:s3cret@pass@proxy.example:3128",
    ],
)
def test_proxy_credentials_never_appear_in_repr(proxy: str) -> None:
    settings = TransportSettings(proxy_url=proxy)
    texts = [repr(settings), str(settings)]
    try:
        texts.append(repr(Urllib3Transport(settings)))
    except BoxConfigError as exc:  # a '/' in the password makes it an invalid URL
        texts.append(str(exc))
    for text in texts:
        assert "s3cret" not in text
    assert all("<redacted>@proxy.example" in text for text in texts[:2])


def test_repr_without_a_proxy_shows_every_setting() -> None:
    text = repr(TransportSettings())
    assert text == (
        "TransportSettings(connect_timeout=5.0, read_timeout=15.0, deadline=30.0, "
        "proxy_url=None, ca_certs=None, pool_size=8)"
    )


def test_identity_encoding_is_asked_for_whatever_the_caller_says(server: str) -> None:
    result = Urllib3Transport().send(
        HttpRequest("POST", f"{server}/echo-encoding", (("accept-encoding", "gzip, br"),), b""),
        timeout=30,
    )
    assert isinstance(result, Success)
    assert result.unwrap().body == b"identity"


def test_a_compressed_answer_is_refused(server: str) -> None:
    result = post(Urllib3Transport(), f"{server}/gzip")
    assert isinstance(result, Failure)
    assert result.failure().kind is TransportFailureKind.PROTOCOL
    assert "Content-Encoding" in result.failure().detail
    assert result.failure().maybe_sent is True


def drip_server(head: bytes, body: bytes, every: float) -> tuple[str, threading.Event]:
    """One connection: ``head`` at once, then ``body`` a byte every ``every`` s."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    done = threading.Event()

    def run() -> None:
        conn, _ = listener.accept()
        conn.recv(65536)
        try:
            conn.sendall(head)
            for byte in body:
                if done.wait(every):
                    break
                conn.sendall(bytes([byte]))
        except OSError:
            pass
        finally:
            conn.close()
            listener.close()

    threading.Thread(target=run, daemon=True).start()
    return f"http://127.0.0.1:{listener.getsockname()[1]}", done


def test_a_body_dripped_under_the_read_timeout_stops_at_the_deadline() -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n"
    url, done = drip_server(head, b"x" * 40, every=0.3)
    transport = Urllib3Transport(TransportSettings(read_timeout=0.5, deadline=1.0))
    started = time.monotonic()
    result = transport.send(HttpRequest("POST", f"{url}/oauth2/token", (), b"x"), timeout=1.0)
    took = time.monotonic() - started
    done.set()
    assert isinstance(result, Failure)
    assert result.failure().kind is TransportFailureKind.DEADLINE
    assert result.failure().maybe_sent is True
    assert took < 1.0 + 0.25


def test_a_redirect_body_is_not_drained() -> None:
    head = b"HTTP/1.1 302 Found\r\nLocation: /x\r\nContent-Length: 100000\r\n\r\n"
    url, done = drip_server(head, b"x" * 100000, every=0.2)
    started = time.monotonic()
    result = post(Urllib3Transport(TransportSettings(read_timeout=0.5)), f"{url}/oauth2/token")
    done.set()
    assert isinstance(result, Failure)
    assert result.failure().kind is TransportFailureKind.REDIRECT_REFUSED
    assert time.monotonic() - started < 0.5


def test_the_connection_is_usable_after_a_refused_answer(server: str) -> None:
    transport = Urllib3Transport()
    for route in ("/huge", "/gzip", "/redirect", "/ok", "/ok"):
        post(transport, f"{server}{route}")
    result = post(transport, f"{server}/ok")
    assert isinstance(result, Success)
    assert result.unwrap().body == b"{}"


@pytest.fixture(scope="module")
def cert_files(tmp_path_factory: Any) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1 (cert file, key file)."""
    import datetime
    import ipaddress

    x509 = pytest.importorskip("cryptography.x509")
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_file), str(key_file)


def tls_server(cert_files: tuple[str, str], then: bytes) -> str:
    """One TLS connection: read the request, then write ``then`` *outside* TLS."""
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*cert_files)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def run() -> None:
        conn, _ = listener.accept()
        try:
            tls = context.wrap_socket(conn, server_side=True)
            tls.recv(65536)
            plain = socket.socket(fileno=os.dup(tls.fileno()))
            plain.sendall(then)
            time.sleep(0.3)
            plain.close()
            tls.close()
        except OSError:
            conn.close()
        finally:
            listener.close()

    threading.Thread(target=run, daemon=True).start()
    return f"https://127.0.0.1:{listener.getsockname()[1]}"


def test_a_refused_certificate_was_not_sent(cert_files: tuple[str, str]) -> None:
    url = tls_server(cert_files, b"")
    result = post(Urllib3Transport(TransportSettings(read_timeout=1)), f"{url}/oauth2/token")
    assert isinstance(result, Failure)
    assert result.failure().kind is TransportFailureKind.TLS
    assert result.failure().maybe_sent is False


def test_a_tls_failure_after_the_request_may_have_been_sent(cert_files: tuple[str, str]) -> None:
    url = tls_server(cert_files, b"not a TLS record at all, just bytes" * 4)
    settings = TransportSettings(read_timeout=1, ca_certs=cert_files[0])
    result = post(Urllib3Transport(settings), f"{url}/oauth2/token")
    assert isinstance(result, Failure)
    assert result.failure().kind is TransportFailureKind.TLS
    assert result.failure().maybe_sent is True


def test_any_failure_while_reading_the_body_may_have_been_sent() -> None:
    from boxauth.adapters.deadline_io import Exchange, Step
    from boxauth.adapters.net_failures import describe
    from urllib3.exceptions import SSLError

    reading = Exchange(time.monotonic() + 60, 5.0, 15.0, step=Step.BODY)
    for error in (SSLError("read failed"), OSError()):
        failure = describe(error, reading, target="h:443", proxy=None, now=0.0, budget=60)
        assert failure.maybe_sent is True


@pytest.mark.parametrize(
    ("answer_bytes", "body"),
    [
        (b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}", b"{}"),
        (b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n", b""),
        (b'HTTP/1.0 200 OK\r\n\r\n{"a":1}', b'{"a":1}'),  # no length: read to the end
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            b"2\r\n{}\r\n0\r\nX-Trailer: 1\r\n\r\n",
            b"{}",
        ),
        (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", b"{}"),
    ],
)
def test_ordinary_answer_shapes_read_whole(answer_bytes: bytes, body: bytes) -> None:
    """The deadline-bounded reader changes no ordinary answer."""
    from hostile_servers import RawServer, answer

    with RawServer(answer(answer_bytes)) as server:
        result = post(Urllib3Transport(), f"{server.url}/oauth2/token")
    assert isinstance(result, Success), result
    assert result.unwrap().body == body
