"""Read one HTTP/1.1 request from a socket, strictly, under a deadline.

The emulator answers every request, however malformed, with an HTTP error and
a status line, so it parses
requests itself instead of through ``http.server``, whose parser answers
HTTP/0.9-looking lines without a status line, sends nothing for a blank
request line, and lets a client drip bytes for ever.

Rules (RFC 9112, "HTTP/1.1"; section numbers in the comments):
- request line ``METHOD SP target SP HTTP/1.x CRLF`` (RFC 9112 §3); method a token,
  target visible ASCII in origin form or absolute form (RFC 9112 §3.2); HTTP/1.0 and
  1.1 only, any other version answers 505;
- at most 8 KiB per line (414 for the request line, 431 for a header line),
  100 header lines and 64 KiB of head in all (431);
- a header is ``name: value`` with a token name and no space before the colon
  (RFC 9112 §5.1), no obs-fold (RFC 9112 §5.2), no control character in the value but tab;
  an HTTP/1.1 request has exactly one Host (RFC 9112 §3.2);
- the body is framed by one Content-Length of ASCII digits, or by
  ``Transfer-Encoding: chunked`` (RFC 9112 §7.1); both at once is refused (RFC 9112 §6.1), as is
  any other transfer coding (501), a body over ``MAX_BODY`` (413) or a POST
  with neither (411, Box's ``length_required``);
- one deadline bounds the whole request from its first byte
  (``request_seconds``), and an idle keep-alive connection is closed after
  ``idle_seconds``: a slow client gets 408 and cannot hold a thread for longer.
"""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass

MAX_LINE = 8 * 1024
MAX_HEAD = 64 * 1024
MAX_HEADERS = 100
MAX_BODY = 1 << 20
MAX_BLANK_LINES = 8  # RFC 9112 §2.2: ignore at least one empty line before a request
_RECV = 64 * 1024

_TOKEN = rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_REQUEST_LINE = re.compile(rb"(" + _TOKEN + rb") ([\x21-\x7e]+) HTTP/([0-9])\.([0-9])\r?\n")
_HEADER = re.compile(rb"(" + _TOKEN + rb"):[ \t]*([^\x00-\x08\x0a-\x1f\x7f]*?)[ \t]*\r?\n")
_ABSOLUTE = re.compile(r"https?://[^/?#]+(?P<rest>[/?].*)?", re.IGNORECASE)
_DIGITS = re.compile(r"[0-9]{1,19}")
_HEX = re.compile(rb"([0-9A-Fa-f]{1,8})(;[^\r\n]*)?\r?\n")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class HttpError(Exception):
    """A request the emulator refuses; answered with ``status`` and the connection closed."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class ClientTimeoutError(Exception):
    """The client did not send its request within the deadline."""


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    target: str  # origin form: path and query
    version: tuple[int, int]
    headers: tuple[tuple[str, str], ...]  # (lower-case name, value) in order
    body: bytes

    def header(self, name: str) -> str | None:
        """The value of a header sent once, else None (absent or repeated)."""
        values = [v for k, v in self.headers if k == name]
        return values[0] if len(values) == 1 else None

    def count(self, name: str) -> int:
        return sum(1 for k, _ in self.headers if k == name)

    @property
    def keep_alive(self) -> bool:
        tokens = {t.strip().lower() for t in (self.header("connection") or "").split(",")}
        if self.version >= (1, 1):
            return "close" not in tokens
        return "keep-alive" in tokens


class DeadlineReader:
    """A buffered reader over a socket whose reads share one deadline per request.

    A socket timeout bounds each ``recv``, so a client dripping a byte just
    under it would never time out; here every ``recv`` gets only what is left
    of the request's deadline.
    """

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._buf = bytearray()
        self._idle_deadline = 0.0
        self._deadline: float | None = None
        self._seconds = 0.0
        self.started = False  # a byte of the current request has arrived

    def begin(self, idle_seconds: float, request_seconds: float) -> None:
        now = time.monotonic()
        self._idle_deadline = now + idle_seconds
        self._seconds = request_seconds
        self.started = bool(self._buf)
        self._deadline = now + request_seconds if self.started else None

    def _fill(self) -> bool:
        deadline = self._deadline if self._deadline is not None else self._idle_deadline
        left = deadline - time.monotonic()
        if left <= 0:
            raise ClientTimeoutError
        self._sock.settimeout(left)
        try:
            data = self._sock.recv(_RECV)
        except TimeoutError:
            raise ClientTimeoutError from None
        if not data:
            return False
        if self._deadline is None:
            self._deadline = time.monotonic() + self._seconds
        self.started = True
        self._buf += data
        return True

    def readline(self, limit: int) -> bytes:
        """Up to and including the next LF, at most ``limit`` bytes; b"" at EOF."""
        while True:
            end = self._buf.find(b"\n", 0, limit)
            if end >= 0:
                return self._take(end + 1)
            if len(self._buf) >= limit or not self._fill():
                return self._take(min(limit, len(self._buf)))

    def read(self, size: int) -> bytes:
        """Exactly ``size`` bytes, or fewer at EOF."""
        while len(self._buf) < size and self._fill():
            pass
        return self._take(min(size, len(self._buf)))

    def _take(self, size: int) -> bytes:
        out = bytes(self._buf[:size])
        del self._buf[:size]
        return out


def read_request(
    reader: DeadlineReader, send_continue: Callable[[], None] | None = None
) -> Request | None:
    """The next request, or None when the client closed an idle connection.

    ``send_continue`` is called before a body is read when an HTTP/1.1 client
    sent ``Expect: 100-continue`` and the framing is acceptable (RFC 9110
    RFC 9110 §10.1.1: answer 100 or a final status before reading the body).
    """
    line = reader.readline(MAX_LINE + 1)
    for _ in range(MAX_BLANK_LINES):
        if line not in (b"\r\n", b"\n"):
            break
        line = reader.readline(MAX_LINE + 1)
    if not line:
        return None
    if len(line) > MAX_LINE:
        raise HttpError(414)
    match = _REQUEST_LINE.fullmatch(line)
    if match is None:
        raise HttpError(400)
    method, raw_target, major, minor = match.groups()
    version = (int(major), int(minor))
    if version not in ((1, 0), (1, 1)):
        raise HttpError(505)
    headers = _read_headers(reader, len(line))
    request = Request(
        method.decode("ascii"), _origin_form(raw_target.decode("ascii")), version, headers, b""
    )
    if version >= (1, 1) and request.count("host") != 1:
        raise HttpError(400)
    expects = (request.header("expect") or "").strip().lower() == "100-continue"
    continue_ = send_continue if expects and version >= (1, 1) else None
    body = _read_body(reader, request, continue_)
    return Request(request.method, request.target, version, headers, body)


def _origin_form(target: str) -> str:
    if target.startswith("/"):
        return target
    absolute = _ABSOLUTE.fullmatch(target)
    if absolute is None:
        raise HttpError(400)  # authority form, asterisk form or junk
    rest = absolute["rest"] or "/"
    return rest if rest.startswith("/") else "/" + rest


def _read_headers(reader: DeadlineReader, used: int) -> tuple[tuple[str, str], ...]:
    headers: list[tuple[str, str]] = []
    while True:
        line = reader.readline(MAX_LINE + 1)
        used += len(line)
        if not line:
            raise HttpError(400)  # the connection ended inside the head
        if len(line) > MAX_LINE or used > MAX_HEAD:
            raise HttpError(431)
        if line in (b"\r\n", b"\n"):
            return tuple(headers)
        if len(headers) >= MAX_HEADERS:
            raise HttpError(431)
        match = _HEADER.fullmatch(line)
        if match is None:
            raise HttpError(400)
        name, value = match.groups()
        headers.append((name.decode("ascii").lower(), value.decode("latin-1")))


def _content_length(request: Request) -> int | None:
    values = [
        v.strip() for k, raw in request.headers if k == "content-length" for v in raw.split(",")
    ]
    if not values:
        return None
    if len(set(values)) != 1 or not _DIGITS.fullmatch(values[0]):
        raise HttpError(400)
    return int(values[0])


def _read_body(
    reader: DeadlineReader, request: Request, send_continue: Callable[[], None] | None
) -> bytes:
    length = _content_length(request)
    if request.count("transfer-encoding"):
        if length is not None:
            raise HttpError(400)  # RFC 9112 §6.1: both framings at once is a smuggling attempt
        codings = [
            c.strip().lower()
            for k, v in request.headers
            if k == "transfer-encoding"
            for c in v.split(",")
        ]
        if codings != ["chunked"]:
            raise HttpError(501)
        if send_continue is not None:
            send_continue()
        return _read_chunked(reader)
    if length is None:
        if request.method in _BODY_METHODS:
            raise HttpError(411)
        return b""
    if length > MAX_BODY:
        raise HttpError(413)
    if send_continue is not None and length:
        send_continue()
    body = reader.read(length)
    if len(body) < length:
        raise HttpError(400)  # the connection ended inside the body
    return body


def _read_chunked(reader: DeadlineReader) -> bytes:
    body = bytearray()
    while True:
        match = _HEX.fullmatch(reader.readline(MAX_LINE + 1))
        if match is None:
            raise HttpError(400)
        size = int(match[1], 16)
        if len(body) + size > MAX_BODY:
            raise HttpError(413)
        if size == 0:
            break
        chunk = reader.read(size)
        if len(chunk) < size or reader.readline(3) not in (b"\r\n", b"\n"):
            raise HttpError(400)
        body += chunk
    _read_trailers(reader)
    return bytes(body)


def _read_trailers(reader: DeadlineReader) -> None:
    for _ in range(MAX_HEADERS + 1):
        line = reader.readline(MAX_LINE + 1)
        if line in (b"\r\n", b"\n"):
            return
        if len(line) > MAX_LINE or not _HEADER.fullmatch(line):
            raise HttpError(400 if len(line) <= MAX_LINE else 431)
    raise HttpError(431)
