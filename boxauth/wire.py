"""HTTP as values: what to send, what came back, and the transport's contract.

The core never sends anything. It builds an ``HttpRequest``; a transport (any
object with the ``Transport`` shape; ``boxauth.adapters.transport`` has the
urllib3 one) sends it within a time budget and hands back an ``HttpResponse``
or a ``TransportFailure``. Following google-auth, an auth object never owns
its transport: one transport can serve several auth objects and a client.

Whether a failed request may have reached Box decides whether a single-use
grant (a refresh token, an authorization code) may be tried again. The
transport reports only *where* it failed (a ``Stage``); the rule that turns a
stage into "maybe sent" is the table ``MAYBE_SENT`` below.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol

from returns.result import Result

from .errors import TransportFailure, TransportFailureKind


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """One HTTP request. Headers and body are kept out of repr: they hold secrets."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None

    def __repr__(self) -> str:
        size = 0 if self.body is None else len(self.body)
        return f"HttpRequest(method={self.method!r}, url={self.url!r}, body=<{size} bytes>)"

    __str__ = __repr__


@dataclass(frozen=True, slots=True)
class HttpResponse:
    """What came back, as data. Header names compare case-insensitively.

    The body is kept out of repr: a token response body holds the token.
    """

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def __repr__(self) -> str:
        return f"HttpResponse(status={self.status}, body=<{len(self.body)} bytes>)"

    __str__ = __repr__

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None


class Transport(Protocol):
    """Sends one request and returns within ``timeout`` seconds, whatever the peer does.

    ``timeout`` is what is left of the caller's deadline: a hard bound on the
    whole exchange (connect, send, status line, headers, body, trailers).
    ``send`` never raises; every failure is a ``TransportFailure`` value.
    """

    def send(
        self, request: HttpRequest, *, timeout: float
    ) -> Result[HttpResponse, TransportFailure]: ...


class Stage(enum.Enum):
    """How far a failed request got."""

    BEFORE_CONNECT = "before_connect"  # refused by us: bad URL, bad header, no budget
    CONNECTING = "connecting"  # TCP connect, proxy CONNECT, TLS handshake (cert refused)
    SENDING = "sending"  # writing the request: some bytes may have left
    AWAITING_ANSWER = "awaiting_answer"  # sent; waiting for the status line and headers
    READING_BODY = "reading_body"  # headers arrived; the body did not (whole)

    def __repr__(self) -> str:
        return f"Stage.{self.name}"


# Could the server have acted on the request? Once any byte may have left, yes:
# Box may have spent a refresh token even if its answer never arrived.
MAYBE_SENT: dict[Stage, bool] = {
    Stage.BEFORE_CONNECT: False,
    Stage.CONNECTING: False,
    Stage.SENDING: True,
    Stage.AWAITING_ANSWER: True,
    Stage.READING_BODY: True,
}


def failed_at(stage: Stage, kind: TransportFailureKind, detail: str) -> TransportFailure:
    """The failure value for a request that stopped at ``stage``."""
    return TransportFailure(kind, detail, MAYBE_SENT[stage])
