"""One connection: read requests, answer each, never print.

Every request gets an HTTP answer with a status line, even a malformed one
(``reader.HttpError`` -> Box's ``ClientError`` body, then the connection is
closed) or a slow one (408 once its deadline passes). The only connections
closed without an answer are those on which no byte of a request arrived
(idle keep-alive, or the client went away first) and an injected "drop"
fault. An exception in the emulator's own code answers 500, is recorded in
``BoxEmulator.internal_errors`` and is never printed: tests and the CLI keep
a clean stderr.

Each answer is written in one ``sendall``, with Nagle off: a kept-alive
client would otherwise wait ~40 ms on delayed ACK per response (Nagle's
algorithm meets the peer's delayed ACK: RFC 896 and RFC 1122 §4.2.3.2).
"""

from __future__ import annotations

import socket
import socketserver
import time
from email.utils import formatdate
from http import HTTPStatus
from typing import TYPE_CHECKING

from .client_errors import client_error
from .reader import ClientTimeoutError, DeadlineReader, HttpError, Request, read_request
from .records import Reply
from .routes import respond
from .state import random_token

if TYPE_CHECKING:
    from .server import EmulatorServer

WRITE_SECONDS = 10.0
LINGER_SECONDS = 1.0
LINGER_BYTES = 2 * 1024 * 1024


def reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _header_safe(text: str) -> bool:
    return all(" " <= c <= "~" for c in text)


class Handler(socketserver.BaseRequestHandler):
    server: EmulatorServer
    request: socket.socket

    def setup(self) -> None:
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.reader = DeadlineReader(self.request)
        self.admitted = self.server.track(self.request, add=True)

    def finish(self) -> None:
        try:
            self._linger()
        finally:
            if self.admitted:
                self.server.track(self.request, add=False)

    def _linger(self) -> None:
        """Half-close, then read what the client still sends, for a moment.

        Closing a socket with unread input makes the kernel send RST, and a
        client that gets RST may lose our answer before reading it (a 413 or
        400 is usually sent before the body is read): drain up to
        ``LINGER_BYTES`` for at most ``LINGER_SECONDS`` first, as servers'
        "lingering close" does.
        """
        deadline = time.monotonic() + LINGER_SECONDS
        drained = 0
        try:
            self.request.shutdown(socket.SHUT_WR)
            while drained < LINGER_BYTES:
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                self.request.settimeout(left)
                data = self.request.recv(65536)
                if not data:
                    return
                drained += len(data)
        except OSError:
            return

    def handle(self) -> None:
        if not self.admitted:  # over the connection cap: Box's 503, then close
            self.write(client_error(503), head=False, close=True)
            return
        while self._one():
            pass

    def _one(self) -> bool:
        """Serve one request; True to keep the connection for another."""
        server = self.server
        self.reader.begin(server.idle_seconds, server.request_seconds)
        try:
            request = read_request(self.reader, self._send_continue)
        except ClientTimeoutError:
            if self.reader.started:
                self.write(client_error(408), head=False, close=True)
            return False
        except HttpError as refused:
            self.write(client_error(refused.status), head=False, close=True)
            return False
        except OSError:  # reset by the client: nobody left to answer
            return False
        if request is None:
            return False
        try:
            reply = respond(server.state, server.base_url, request)
        except Exception as bug:
            server.state.record_internal_error(bug)
            self.write(client_error(500), head=request.method == "HEAD", close=True)
            return False
        if reply is None:  # a "drop" fault
            return False
        close = not request.keep_alive or server.closing
        return self.write(reply, head=request.method == "HEAD", close=close, request=request)

    def _send_continue(self) -> None:
        self.request.settimeout(WRITE_SECONDS)
        self.request.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")

    def write(
        self, reply: Reply, *, head: bool, close: bool, request: Request | None = None
    ) -> bool:
        """Send ``reply``; True if the connection stays open."""
        if not all(_header_safe(name) and _header_safe(value) for name, value in reply.headers):
            # Never let a value reach the wire that could split the response.
            self.server.state.record_internal_error(ValueError("unsafe header value"))
            reply, close = client_error(500), True
        path = request.target.split("?", 1)[0] if request is not None else ""
        cache = "no-cache, no-store" if path.startswith("/2.0/") else "no-store"
        lines = [
            f"HTTP/1.1 {reply.status} {reason_phrase(reply.status)}",
            f"Date: {formatdate(self.server.state.now(), usegmt=True)}",
            f"box-request-id: {random_token(27).lower()}",
            f"Cache-Control: {cache}",
            *(f"{name}: {value}" for name, value in reply.headers),
            f"Content-Length: {len(reply.body)}",
        ]
        if close:
            lines.append("Connection: close")
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if not head:
            data += reply.body
        try:
            self.request.settimeout(WRITE_SECONDS)
            self.request.sendall(data)
        except OSError:
            return False
        return not close
