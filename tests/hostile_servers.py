"""Loopback servers that misbehave on purpose, for the transport's tests.

Each is a raw TCP listener on 127.0.0.1 run in threads that the test starts
and stops (``with RawServer(script) as server``). A script gets each accepted
connection; the helpers here write to it until the client hangs up, and
record that it did (``server.closed``), so a test can check that the client
closed the socket rather than leaving it open.
"""

from __future__ import annotations

import contextlib
import select
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

Script = Callable[[socket.socket, "RawServer"], None]


class RawServer:
    """Runs ``script(conn, server)`` in a thread for every connection."""

    def __init__(self, script: Script, *, tls: ssl.SSLContext | None = None) -> None:
        self.script = script
        self.tls = tls
        self.closed = threading.Event()  # a client hung up (FIN or RST) while we wrote
        self.stop = threading.Event()
        self.requests: list[bytes] = []  # what each connection sent before the script wrote
        self.connections = 0
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self._listener.settimeout(0.1)
        self._port = int(self._listener.getsockname()[1])
        self._threads: list[threading.Thread] = []
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def __enter__(self) -> RawServer:
        thread = threading.Thread(target=self._accept, daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.close()
        for thread in list(self._threads):
            thread.join(timeout=5)
        self._listener.close()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(5)
            with self._lock:
                self.connections += 1
                self._conns.append(conn)
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve(self, conn: socket.socket) -> None:
        try:
            if self.tls is not None:
                conn = self.tls.wrap_socket(conn, server_side=True)
                with self._lock:
                    self._conns.append(conn)
            self.script(conn, self)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                conn.close()


def read_request(conn: socket.socket, server: RawServer | None = None) -> bytes:
    """The request head and its Content-Length body (empty on EOF)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(rest) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        rest += chunk
    if server is not None:
        server.requests.append(head + b"\r\n\r\n" + rest)
    return head + b"\r\n\r\n" + rest


def peer_closed(conn: socket.socket) -> bool:
    """The client shut the connection down (or reset it). Never blocks."""
    try:
        readable, _, _ = select.select([conn], [], [], 0)
        if not readable:
            return False
        return conn.recv(65536, socket.MSG_PEEK) == b""
    except (OSError, ValueError):
        return True


def write_until_closed(
    conn: socket.socket, server: RawServer, pieces: Iterator[bytes], every: float
) -> None:
    """Write each piece, ``every`` seconds apart, until the client hangs up or the test ends."""
    try:
        for piece in pieces:
            if server.stop.is_set():
                return
            if peer_closed(conn):
                server.closed.set()
                return
            conn.sendall(piece)
            if every:
                time.sleep(every)
    except OSError:  # EPIPE / ECONNRESET: the client closed it
        server.closed.set()


def forever(piece: bytes) -> Iterator[bytes]:
    while True:
        yield piece


def then_forever(first: bytes, piece: bytes) -> Iterator[bytes]:
    yield first
    yield from forever(piece)


def bytes_of(data: bytes) -> Iterator[bytes]:
    return (bytes([b]) for b in data)


def hostile(first: bytes, then: Callable[[], Iterator[bytes]], every: float) -> Script:
    """Read the request, write ``first``, then ``then()``'s pieces ``every`` s apart."""

    def script(conn: socket.socket, server: RawServer) -> None:
        read_request(conn, server)
        conn.sendall(first)
        write_until_closed(conn, server, then(), every)

    return script


CHUNKED_200 = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"

# Four hostile shapes (endless trailers, a dripped chunk size, a 100 Continue flood,
# dripped headers), plus a dripped status line: each keeps a connection busy forever
# while never waiting long enough for a read timeout.
SHAPES: dict[str, tuple[Script, str]] = {
    # 200, chunked, the last chunk, then trailer lines without end.
    "endless trailers": (
        hostile(CHUNKED_200 + b"0\r\n", lambda: forever(b"X-Trailer: more\r\n"), 0.05),
        "reading the body",
    ),
    # The chunk-size line, a byte at a time, never ending.
    "dripped chunk size": (hostile(CHUNKED_200, lambda: forever(b"0"), 0.05), "reading the body"),
    # '100 Continue' answers, as fast as the client takes them.
    "100 Continue flood": (
        hostile(b"", lambda: forever(b"HTTP/1.1 100 Continue\r\n\r\n" * 50), 0.0),
        "reading the headers",
    ),
    # Header lines, a byte at a time, never ending.
    "dripped headers": (
        hostile(b"HTTP/1.1 200 OK\r\n", lambda: bytes_of(b"X-Slow: aaaa\r\n" * 10_000), 0.02),
        "reading the headers",
    ),
    # The status line itself, a byte at a time.
    "dripped status line": (
        hostile(b"", lambda: bytes_of(b"HTTP/1.1 200 OK" + b" " * 10_000), 0.05),
        "reading the headers",
    ),
}


def answer(response: bytes) -> Script:
    """Read the request, write ``response``, close."""

    def script(conn: socket.socket, server: RawServer) -> None:
        read_request(conn, server)
        conn.sendall(response)
        with contextlib.suppress(OSError):
            conn.shutdown(socket.SHUT_WR)
        # Let the client read everything before the socket goes away.
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline and not server.stop.is_set():
            if peer_closed(conn):
                return
            time.sleep(0.01)

    return script


def silent(conn: socket.socket, server: RawServer) -> None:
    """Read the request and never answer."""
    read_request(conn, server)
    while not server.stop.is_set() and not peer_closed(conn):
        time.sleep(0.02)
    server.closed.set()


def reset(conn: socket.socket, server: RawServer) -> None:
    """Read the request, then reset the connection (RST, not FIN)."""
    read_request(conn, server)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def hang_up(conn: socket.socket, server: RawServer) -> None:
    """Read the request, then close without a word."""
    read_request(conn, server)
    conn.close()


def any_of(*scripts: Script) -> Any:
    """Run scripts in turn, one per connection (for tests that reconnect)."""
    order = iter(scripts)

    def script(conn: socket.socket, server: RawServer) -> None:
        next(order)(conn, server)

    return script


class Pki:
    """A CA made for one test session, and server certificates it signs (PEM files)."""

    def __init__(self, folder: Any) -> None:
        import datetime

        from cryptography import x509
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        self.folder = folder
        self._x509, self._hashes, self._ec, self._oid = x509, hashes, ec, NameOID
        self._now = datetime.datetime.now(datetime.UTC)
        self._delta = datetime.timedelta
        self.key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "boxauth test CA")])
        self.name = name
        self.cert = (
            self._builder(name, self.key.public_key())
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .sign(self.key, hashes.SHA256())
        )
        self.ca_file = str(folder / "ca.pem")
        self._write(self.ca_file, self.cert)

    def _builder(self, subject: Any, public_key: Any) -> Any:
        return (
            self._x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.name if hasattr(self, "name") else subject)
            .public_key(public_key)
            .serial_number(self._x509.random_serial_number())
            .not_valid_before(self._now - self._delta(minutes=5))
            .not_valid_after(self._now + self._delta(hours=2))
        )

    @staticmethod
    def _write(path: str, cert: Any) -> None:
        from cryptography.hazmat.primitives import serialization

        with open(path, "wb") as out:
            out.write(cert.public_bytes(serialization.Encoding.PEM))

    def server_context(self, *names: str) -> ssl.SSLContext:
        """A server context whose certificate (signed by this CA) names ``names``."""
        import ipaddress

        from cryptography.hazmat.primitives import serialization

        x509 = self._x509
        key = self._ec.generate_private_key(self._ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(self._oid.COMMON_NAME, names[0])])
        alt: list[Any] = []
        for name in names:
            try:
                alt.append(x509.IPAddress(ipaddress.ip_address(name)))
            except ValueError:
                alt.append(x509.DNSName(name))
        cert = (
            self._builder(subject, key.public_key())
            .add_extension(x509.SubjectAlternativeName(alt), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(self.key, self._hashes.SHA256())
        )
        stem = self.folder / f"server-{len(list(self.folder.iterdir()))}"
        cert_file, key_file = f"{stem}.pem", f"{stem}.key"
        self._write(cert_file, cert)
        with open(key_file, "wb") as out:
            out.write(
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_file, key_file)
        return context


class ConnectProxy:
    """A CONNECT-only proxy on 127.0.0.1 that wants ``Proxy-Authorization: <expected>``.

    ``seen`` keeps each CONNECT request head it received. Tunnels only to loopback.
    """

    def __init__(self, expected: str | None) -> None:
        self.expected = expected
        self.seen: list[bytes] = []
        self.server = RawServer(self.script)

    @property
    def port(self) -> int:
        return self.server.port

    def __enter__(self) -> ConnectProxy:
        self.server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.__exit__(*exc)

    def script(self, conn: socket.socket, server: RawServer) -> None:
        head = read_request(conn)
        self.seen.append(head)
        lines = head.split(b"\r\n")
        method, target, _ = [*lines[0].split(b" "), b"", b""][:3]
        given = None
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"proxy-authorization":
                given = value.strip().decode("latin-1")
        if self.expected is not None and given != self.expected:
            conn.sendall(
                b"HTTP/1.1 407 Proxy Authentication Required s3cr3t-canary\r\n"
                b'Proxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n'
            )
            return
        host, _, port = target.decode().rpartition(":")
        if method != b"CONNECT" or host not in ("127.0.0.1", "localhost"):
            conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return
        upstream = socket.create_connection((host, int(port)), timeout=5)
        conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        relay(conn, upstream, server)


def relay(a: socket.socket, b: socket.socket, server: RawServer) -> None:
    """Copy bytes both ways until either side closes."""
    try:
        while not server.stop.is_set():
            readable, _, _ = select.select([a, b], [], [], 0.1)
            for source in readable:
                data = source.recv(65536)
                if not data:
                    return
                (b if source is a else a).sendall(data)
    except OSError:
        return
    finally:
        b.close()


OK_ANSWER = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"
