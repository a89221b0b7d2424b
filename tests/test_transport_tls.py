"""TLS: ``ca_certs`` adds to the system's trust; the handshake ends by the deadline."""

from __future__ import annotations

import os
import socket
import ssl
import time
from typing import Any

import pytest
from hostile_servers import OK_ANSWER, Pki, RawServer, answer, read_request
from returns.result import Failure, Success

from boxauth import BoxConfigError, TransportFailureKind, TransportSettings, Urllib3Transport
from boxauth.wire import HttpRequest


@pytest.fixture(scope="module")
def pki(tmp_path_factory: Any) -> Pki:
    return Pki(tmp_path_factory.mktemp("pki"))


def get(transport: Urllib3Transport, url: str, timeout: float = 5.0) -> Any:
    return transport.send(HttpRequest("GET", f"{url}/2.0/users/me"), timeout=timeout)


def test_a_server_signed_by_the_added_ca_is_trusted(pki: Pki) -> None:
    with RawServer(answer(OK_ANSWER), tls=pki.server_context("127.0.0.1", "localhost")) as server:
        result = get(Urllib3Transport(TransportSettings(ca_certs=pki.ca_file)), server.url)
        assert isinstance(result, Success), result
        assert result.unwrap().body == b"{}"
        assert server.requests[0].startswith(b"GET /2.0/users/me HTTP/1.1")


def test_without_the_ca_the_certificate_is_refused_and_nothing_is_sent(pki: Pki) -> None:
    with RawServer(answer(OK_ANSWER), tls=pki.server_context("127.0.0.1")) as server:
        result = get(Urllib3Transport(), server.url)
        assert isinstance(result, Failure)
        failure = result.failure()
        assert failure.kind is TransportFailureKind.TLS
        assert failure.maybe_sent is False
        assert failure.detail == (
            "TLS certificate of 127.0.0.1 refused (signed by a CA that is not trusted)"
        )
        assert server.requests == []


def test_a_certificate_for_another_name_is_refused(pki: Pki) -> None:
    with RawServer(answer(OK_ANSWER), tls=pki.server_context("elsewhere.example")) as server:
        result = get(Urllib3Transport(TransportSettings(ca_certs=pki.ca_file)), server.url)
        failure = result.failure()
        assert failure.kind is TransportFailureKind.TLS
        why = "not issued for this IP address"
        assert failure.detail == f"TLS certificate of 127.0.0.1 refused ({why})"
        assert failure.maybe_sent is False
        assert server.requests == []


def ca_subjects(context: ssl.SSLContext) -> set[Any]:
    return {tuple(cert["subject"]) for cert in context.get_ca_certs()}


def test_the_added_ca_joins_the_default_trust_store(pki: Pki) -> None:
    """Before, ca_certs replaced the system's CAs, so public hosts failed once it was set."""
    default = ssl.create_default_context()
    ours = Urllib3Transport(TransportSettings(ca_certs=pki.ca_file))._tls
    baseline = default.cert_store_stats()["x509_ca"]
    assert ours.cert_store_stats()["x509_ca"] == baseline + 1
    assert ca_subjects(default) <= ca_subjects(ours)
    assert ((("commonName", "boxauth test CA"),),) in ca_subjects(ours)
    # Without ca_certs, exactly the system's CAs.
    assert ca_subjects(Urllib3Transport()._tls) == ca_subjects(default)
    assert ours.verify_mode is ssl.CERT_REQUIRED
    assert ours.check_hostname is True


def test_a_bundle_with_non_ascii_comments_loads(pki: Pki, tmp_path: Any) -> None:
    """Mozilla's bundle (certifi) has comments such as 'Főtanúsítvány' between certificates."""
    bundle = tmp_path / "bundle.pem"
    with open(pki.ca_file, "rb") as ca:
        bundle.write_bytes("# Issuer: CN=Főtanúsítvány\n".encode() + ca.read())
    with RawServer(answer(OK_ANSWER), tls=pki.server_context("127.0.0.1")) as server:
        result = get(Urllib3Transport(TransportSettings(ca_certs=str(bundle))), server.url)
        assert isinstance(result, Success), result


def test_sslkeylogfile_is_ignored(pki: Pki, tmp_path: Any, monkeypatch: Any) -> None:
    """urllib3 would write the TLS session keys (which decrypt every secret sent) there."""
    keylog = tmp_path / "keys.log"
    monkeypatch.setenv("SSLKEYLOGFILE", str(keylog))
    transport = Urllib3Transport(TransportSettings(ca_certs=pki.ca_file))
    with RawServer(answer(OK_ANSWER), tls=pki.server_context("127.0.0.1")) as server:
        assert isinstance(get(transport, server.url), Success)
    assert transport._tls.keylog_filename is None
    assert not keylog.exists()


@pytest.mark.parametrize("kind", ["missing", "directory", "fifo", "empty", "not pem"])
def test_an_unusable_ca_bundle_is_refused_when_the_transport_is_built(
    tmp_path: Any, kind: str
) -> None:
    path = tmp_path / "s3cr3t-looking-name"
    if kind == "directory":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)  # would block a plain open() forever
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "not pem":
        path.write_bytes(b'{"boxAppSettings": {"clientSecret": "s3cr3t"}}')
    started = time.monotonic()
    with pytest.raises(BoxConfigError) as caught:
        Urllib3Transport(TransportSettings(ca_certs=str(path)))
    assert time.monotonic() - started < 2
    assert caught.value.field == "ca_certs"
    assert "s3cr3t" not in str(caught.value)


def test_a_corrupt_certificate_in_the_bundle_is_refused(tmp_path: Any) -> None:
    path = tmp_path / "bad.pem"
    path.write_bytes(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    with pytest.raises(BoxConfigError) as caught:
        Urllib3Transport(TransportSettings(ca_certs=str(path)))
    assert caught.value.field == "ca_certs"
    # OpenSSL's error is neither the cause nor the
    # context of ours (it was raised `from exc` inside the except block).
    assert caught.value.__cause__ is None and caught.value.__context__ is None


def stalled_handshake(conn: socket.socket, server: RawServer) -> None:
    """Read the ClientHello, then drip a TLS record header and its body forever."""
    conn.recv(65536)
    try:
        conn.sendall(b"\x16\x03\x03\x40\x00")  # a 16 KiB handshake record follows...
        while not server.stop.is_set():
            conn.sendall(b"\x00")  # ...a byte at a time, under any connect timeout
            time.sleep(0.05)
    except OSError:
        server.closed.set()


def test_the_tls_handshake_ends_at_the_deadline() -> None:
    transport = Urllib3Transport(TransportSettings(connect_timeout=10))
    with RawServer(stalled_handshake) as server:
        started = time.monotonic()
        result = get(transport, f"https://127.0.0.1:{server.port}", timeout=1.0)
        took = time.monotonic() - started
        failure = result.failure()
        assert failure.kind is TransportFailureKind.DEADLINE
        assert failure.maybe_sent is False
        assert failure.detail == (
            f"deadline of 1 s passed during the TLS handshake with 127.0.0.1:{server.port}"
        )
        assert took <= 1.0 + 1.0


def test_a_tls_answer_cut_by_garbage_may_have_been_sent(pki: Pki) -> None:
    def garbage_after_request(conn: Any, server: RawServer) -> None:
        read_request(conn, server)
        plain = socket.socket(fileno=os.dup(conn.fileno()))
        plain.sendall(b"not a TLS record at all, just bytes" * 4)
        time.sleep(0.3)
        plain.close()

    with RawServer(garbage_after_request, tls=pki.server_context("127.0.0.1")) as server:
        result = get(Urllib3Transport(TransportSettings(ca_certs=pki.ca_file)), server.url)
        failure = result.failure()
        assert failure.kind is TransportFailureKind.TLS
        assert failure.maybe_sent is True
        assert failure.detail == (
            f"TLS failure while reading the headers from 127.0.0.1:{server.port}"
        )
