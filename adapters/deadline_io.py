"""urllib3 connections whose every wait is bounded by the caller's deadline.

Why: a socket timeout bounds one ``recv`` and restarts with every byte, so a
server that drips its status line, its headers, endless ``100 Continue``
answers, a chunk-size line or trailers just under the read timeout could hold
a call (and the locks its caller holds) for as long as it likes. Here the
deadline bounds every phase (README "Transport"):

- name lookup: ``getaddrinfo`` cannot be interrupted, so it runs in a daemon
  thread that the caller stops waiting for at the deadline;
- TCP connect: each address gets at most what is left;
- TLS handshake: CPython bounds the whole handshake by the socket timeout
  (``ssl`` docs, "Changed in version 3.5"), set to what is left just before it;
- sending: ``sendall`` is bounded as a whole by the socket timeout (``socket``
  docs, 3.5), set to what is left before every ``send``;
- the answer: http.client reads the status line, 1xx answers, headers, chunk
  framing, trailers and body through ``HTTPResponse.fp``, a buffered reader it
  makes with ``sock.makefile("rb")``. The response class here builds that
  reader over a raw stream that, before EVERY ``readinto``, sets the socket
  timeout to what is left (at most the read timeout) and, past the deadline,
  shuts the socket down and raises ``TimeoutError`` instead of waiting.

The deadline travels in a ContextVar that the transport sets around one
request. Context variables are per thread (and ``asyncio.to_thread`` copies
them), so one transport serves many threads at once, each with its own
deadline. The same variable records how far the request got (``Step``): the
transport reports where it failed, and ``boxauth.wire.MAYBE_SENT`` decides
whether the request may have reached the server.
"""

from __future__ import annotations

import contextlib
import enum
import http.client
import io
import ipaddress
import queue
import socket
import ssl
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar, Token
from dataclasses import dataclass, replace
from typing import Any

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util.connection import allowed_gai_family

from ..wire import Stage


class Step(enum.Enum):
    """How far one request got, finer than ``wire.Stage`` so failures can say where."""

    START = "start"  # nothing opened, nothing sent (e.g. a pooled connection is being checked out)
    RESOLVE = "resolve"  # looking the host name up
    CONNECT = "connect"  # TCP connect
    TUNNEL = "tunnel"  # the proxy's CONNECT request and its answer
    HANDSHAKE = "handshake"  # TLS handshake (certificate checked here)
    SEND = "send"  # writing the request: bytes may have left
    HEADERS = "headers"  # status line, 1xx answers, headers
    BODY = "body"  # body, chunk framing, trailers

    def __repr__(self) -> str:
        return f"Step.{self.name}"


# Each step's stage; MAYBE_SENT (in the core) turns a stage into "may have been sent".
STAGE_OF: dict[Step, Stage] = {
    Step.START: Stage.BEFORE_CONNECT,
    Step.RESOLVE: Stage.CONNECTING,
    Step.CONNECT: Stage.CONNECTING,
    Step.TUNNEL: Stage.CONNECTING,
    Step.HANDSHAKE: Stage.CONNECTING,
    Step.SEND: Stage.SENDING,
    Step.HEADERS: Stage.AWAITING_ANSWER,
    Step.BODY: Stage.READING_BODY,
}


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request's budget and progress. Replaced (never mutated) as it advances.

    ``deadline_at`` is a ``time.monotonic()`` value. ``deadline_bound``: the
    last wait was cut short to end at the deadline (so a timeout of that wait
    means the deadline passed). ``peer``: ``host:port`` of the socket being
    opened (the proxy's, through a proxy). ``proxy_status``: the status the
    proxy answered to CONNECT, once read.
    """

    deadline_at: float
    connect_timeout: float
    read_timeout: float
    step: Step = Step.START
    connecting: bool = False
    deadline_bound: bool = False
    peer: str = ""
    proxy_status: int | None = None


class DeadlinePassed(TimeoutError):  # noqa: N818 - it is a TimeoutError, named for what happened
    """Raised instead of starting a wait once the deadline has passed."""


_CURRENT: ContextVar[Exchange | None] = ContextVar("boxauth_exchange", default=None)


def begin(exchange: Exchange) -> Token[Exchange | None]:
    return _CURRENT.set(exchange)


def end(token: Token[Exchange | None]) -> Exchange | None:
    """The exchange as it ended; the variable goes back to what it was before ``begin``."""
    last = _CURRENT.get()
    _CURRENT.reset(token)
    return last


def current() -> Exchange | None:
    return _CURRENT.get()


def note_step(step: Step) -> None:
    exchange = _CURRENT.get()
    if exchange is not None and exchange.step is not step:
        _CURRENT.set(replace(exchange, step=step))


def _note(exchange: Exchange, **changes: Any) -> None:
    _CURRENT.set(replace(exchange, **changes))


def _wait(exchange: Exchange, sock: Any) -> float:
    """What this wait may take: the connect or read timeout, cut to what is left.

    Past the deadline nothing more is waited for: the socket is shut down (the
    peer sees it closed, and it can never go back to the pool) and
    ``DeadlinePassed`` is raised.
    """
    left = exchange.deadline_at - time.monotonic()
    if left <= 0:
        shut(sock)
        raise DeadlinePassed("deadline passed")
    limit = exchange.connect_timeout if exchange.connecting else exchange.read_timeout
    bound = left <= limit
    if bound is not exchange.deadline_bound:
        _note(exchange, deadline_bound=bound)
    return min(left, limit)


def shut(sock: Any) -> None:
    """Shut a socket down now, whoever else holds it (its file objects included)."""
    if sock is None:
        return
    with contextlib.suppress(OSError, ValueError, AttributeError):
        sock.shutdown(socket.SHUT_RDWR)


class _BoundedRaw(io.RawIOBase):
    """The socket's raw stream, with every ``readinto`` bounded by the deadline."""

    def __init__(self, sock: Any) -> None:
        super().__init__()
        self._sock = sock
        # makefile keeps the socket open until this stream is closed, as
        # http.client expects (it may close the connection before the body is read).
        self._raw: io.RawIOBase = sock.makefile("rb", buffering=0)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int | None:
        exchange = _CURRENT.get()
        if exchange is not None:
            if not exchange.connecting and exchange.step in (Step.START, Step.SEND):
                exchange = replace(exchange, step=Step.HEADERS)
                _CURRENT.set(exchange)
            self._sock.settimeout(_wait(exchange, self._sock))
        try:
            return self._raw.readinto(buffer)
        except TimeoutError:
            shut(self._sock)  # a connection that timed out mid-answer is never reused
            raise

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


class _SocketView:
    """What http.client's HTTPResponse needs from its socket: ``makefile("rb")``."""

    __slots__ = ("_sock",)

    def __init__(self, sock: Any) -> None:
        self._sock = sock

    def makefile(self, mode: str) -> io.BufferedReader:
        return io.BufferedReader(_BoundedRaw(self._sock))


class BoundedResponse(http.client.HTTPResponse):
    """http.client's response, reading through a deadline-bounded stream."""

    def __init__(
        self, sock: Any, debuglevel: int = 0, method: str | None = None, url: str | None = None
    ) -> None:
        super().__init__(_SocketView(sock), debuglevel, method, url)  # type: ignore[arg-type]

    def _read_status(self) -> tuple[str, int, str]:
        # Read by urllib3's tunnel code too; the proxy's status makes a better message.
        status: tuple[str, int, str] = super()._read_status()  # type: ignore[misc]
        exchange = _CURRENT.get()
        if exchange is not None and exchange.connecting:
            _note(exchange, proxy_status=status[1])
        return status


class BoundedSSLSocket(ssl.SSLSocket):
    """An SSLSocket whose handshake ends by the deadline (set as ``sslsocket_class``)."""

    def do_handshake(self, block: bool = False) -> None:
        exchange = _CURRENT.get()
        if exchange is not None:
            note_step(Step.HANDSHAKE)
            self.settimeout(_wait(_CURRENT.get() or exchange, self))
        super().do_handshake(block)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    return True


AddrInfo = list[tuple[Any, ...]]


def _resolve(host: str, port: int, sock_type: int = socket.SOCK_STREAM) -> AddrInfo:
    """getaddrinfo, given up on at the deadline (the lookup thread ends on its own)."""
    family = allowed_gai_family()
    if _is_ip(host):
        return socket.getaddrinfo(host.strip("[]"), port, family, sock_type)
    exchange = _CURRENT.get()
    if exchange is None:
        return socket.getaddrinfo(host, port, family, sock_type)
    answers: queue.SimpleQueue[AddrInfo | Exception] = queue.SimpleQueue()

    def lookup() -> None:
        try:
            answers.put(socket.getaddrinfo(host, port, family, sock_type))
        except Exception as exc:
            answers.put(exc)

    threading.Thread(target=lookup, name="boxauth-dns", daemon=True).start()
    try:
        answer = answers.get(timeout=_wait(exchange, None))
    except queue.Empty:
        raise DeadlinePassed("name lookup not answered in time") from None
    if isinstance(answer, Exception):
        raise answer
    return answer


def _open(conn: HTTPConnection, fallback: Callable[[], socket.socket]) -> socket.socket:
    """urllib3's ``_new_conn``, with the lookup and each connect bounded by the deadline."""
    exchange = _CURRENT.get()
    if exchange is None:  # used outside the transport's send(): urllib3's own way
        return fallback()
    host: str = getattr(conn, "_dns_host", conn.host)  # keeps a trailing dot, like urllib3
    port = int(conn.port or 0)
    shown = f"[{host}]" if ":" in host else host
    _note(exchange, step=Step.RESOLVE, peer=f"{shown.rstrip('.')}:{port}")
    try:
        addresses = _resolve(host, port)
    except socket.gaierror as exc:
        raise NameResolutionError(conn.host, conn, exc) from exc
    except TimeoutError as exc:
        raise ConnectTimeoutError(conn, "name lookup timed out") from exc
    except (OSError, UnicodeError) as exc:
        raise NewConnectionError(conn, "name lookup failed") from exc
    note_step(Step.CONNECT)
    last: OSError = OSError("no address to connect to")
    for family, sock_type, proto, _, address in addresses:
        sock = None
        try:
            sock = socket.socket(family, sock_type, proto)
            for option in conn.socket_options or ():
                sock.setsockopt(*option)
            if conn.source_address:
                sock.bind(conn.source_address)
            sock.settimeout(_wait(_CURRENT.get() or exchange, sock))
            sock.connect(address)
        except OSError as exc:
            last = exc
            if sock is not None:
                sock.close()
            continue
        sys.audit("http.client.connect", conn, conn.host, conn.port)
        return sock
    if isinstance(last, TimeoutError):
        raise ConnectTimeoutError(conn, "connect timed out") from last
    raise NewConnectionError(conn, "could not connect") from last


@contextlib.contextmanager
def _connecting() -> Iterator[None]:
    exchange = _CURRENT.get()
    if exchange is None:
        yield
        return
    _note(exchange, connecting=True)
    try:
        yield
    except BaseException:
        _note(_CURRENT.get() or exchange, connecting=False)
        raise
    # Connected, nothing sent yet (http.client buffers the head until the first send).
    _note(_CURRENT.get() or exchange, connecting=False, step=Step.START)


def _before_send(conn: HTTPConnection) -> None:
    exchange = _CURRENT.get()
    if exchange is None or conn.sock is None:
        return
    exchange = replace(exchange, step=Step.TUNNEL if exchange.connecting else Step.SEND)
    _CURRENT.set(exchange)
    conn.sock.settimeout(_wait(exchange, conn.sock))


class BoundedHTTPConnection(HTTPConnection):
    response_class = BoundedResponse

    def _new_conn(self) -> socket.socket:
        return _open(self, super()._new_conn)

    def connect(self) -> None:
        with _connecting():
            super().connect()

    def send(self, data: Any) -> None:
        _before_send(self)
        super().send(data)


class BoundedHTTPSConnection(BoundedHTTPConnection, HTTPSConnection):
    """The same bounds over TLS: ``super()`` in the methods above reaches
    HTTPSConnection first (the MRO), so TLS is set up as urllib3 does it."""


class BoundedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = BoundedHTTPConnection


class BoundedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = BoundedHTTPSConnection


POOL_CLASSES: dict[str, type[HTTPConnectionPool]] = {
    "http": BoundedHTTPConnectionPool,
    "https": BoundedHTTPSConnectionPool,
}
