"""What went wrong on the network, said in words a user can act on.

Rules (README "Transport" and "Errors"):
- a failure says what happened and where: "connection refused by
  127.0.0.1:1", "deadline of 3 s passed while reading the headers from
  api.box.com:443", "TLS certificate of api.box.com refused (...)";
- exception text is never used: urllib3 and http.client put URLs, header
  values and server-sent bytes in it (a token, a proxy password). Only
  exception classes, errno names, status codes and verify codes are read;
- where it failed (``Step``) decides, through ``boxauth.wire.MAYBE_SENT``,
  whether the request may have reached the server.
"""

from __future__ import annotations

import errno
import http.client
import socket
import ssl

from urllib3 import exceptions as u3

from ..errors import TransportFailure, TransportFailureKind
from ..wire import failed_at
from .deadline_io import STAGE_OF, DeadlinePassed, Exchange, Step

# Where a failure happened, as the end of a sentence. {peer}: the socket being
# opened (the proxy's, through one); {target}: the server the request is for.
_WHERE: dict[Step, str] = {
    Step.START: "before anything was sent to {target}",
    Step.RESOLVE: "while looking up {peer_host}",
    Step.CONNECT: "while connecting to {peer}",
    Step.TUNNEL: "while opening a tunnel through {peer}",
    Step.HANDSHAKE: "during the TLS handshake with {target}",
    Step.SEND: "while sending the request to {target}",
    Step.HEADERS: "while reading the headers from {target}",
    Step.BODY: "while reading the body from {target}",
}

_CONNECTING = frozenset({Step.RESOLVE, Step.CONNECT, Step.TUNNEL, Step.HANDSHAKE})

# OpenSSL verify codes (X509_V_ERR_*) a user can act on; any other is "not trusted".
_VERIFY: dict[int, str] = {
    9: "not valid yet",
    10: "expired",
    18: "self-signed and not trusted",
    19: "signed by a CA that is not trusted",
    20: "signed by a CA that is not trusted",
    21: "signed by a CA that is not trusted",
    62: "not issued for this host name",
    64: "not issued for this IP address",
}

# What a proxy's refusal of CONNECT means, for the statuses users meet.
_PROXY_STATUS: dict[int, str] = {
    403: " (it forbids this destination)",
    407: " (it wants a username and password, or refused the ones given)",
}

# Only the socket's own timeout: urllib3's NewConnectionError (a refused
# connection) subclasses its TimeoutError, for backwards compatibility.
_TIMEOUTS = (TimeoutError, socket.timeout)
_RESETS = (ConnectionResetError, ConnectionAbortedError, BrokenPipeError)


def seconds(value: float) -> str:
    """3.0 -> '3', 0.25 -> '0.25', 2.99993 -> '3'."""
    return f"{round(value, 2):g}"


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and what it wraps (causes, contexts, exceptions in its args)."""
    seen: set[int] = set()
    found: list[BaseException] = []
    todo: list[BaseException] = [exc]
    while todo and len(found) < 32:
        item = todo.pop(0)
        if id(item) in seen:
            continue
        seen.add(id(item))
        found.append(item)
        linked = (item.__cause__, item.__context__, *item.args, getattr(item, "reason", None))
        todo.extend(x for x in linked if isinstance(x, BaseException))
    return found


def _first(
    chain: list[BaseException], kinds: type[BaseException] | tuple[type[BaseException], ...]
) -> BaseException | None:
    return next((e for e in chain if isinstance(e, kinds)), None)


def describe(
    exc: BaseException,
    exchange: Exchange,
    *,
    target: str,
    proxy: str | None,
    now: float,
    budget: float,
) -> TransportFailure:
    """The failure value for ``exc``, raised at ``exchange.step`` of a request to ``target``."""
    step = exchange.step
    stage = STAGE_OF[step]
    peer = exchange.peer or target
    peer_label = f"the proxy {peer}" if proxy is not None and peer == proxy else peer
    where = _WHERE[step].format(
        peer=peer_label, peer_host=peer.rpartition(":")[0] or peer, target=target
    )
    chain = _chain(exc)
    timed_out = _first(chain, _TIMEOUTS) is not None
    if (
        now >= exchange.deadline_at
        or _first(chain, DeadlinePassed) is not None
        or (timed_out and exchange.deadline_bound)
    ):
        detail = f"deadline of {seconds(budget)} s passed {where}"
        return failed_at(stage, TransportFailureKind.DEADLINE, detail)
    kind, detail = _what(
        chain, exchange, peer=peer_label, target=target, where=where, timed_out=timed_out
    )
    return failed_at(stage, kind, detail)


def _what(
    chain: list[BaseException],
    exchange: Exchange,
    *,
    peer: str,
    target: str,
    where: str,
    timed_out: bool,
) -> tuple[TransportFailureKind, str]:
    step = exchange.step
    connecting = step in _CONNECTING
    cert = _first(chain, ssl.SSLCertVerificationError)
    if cert is not None:
        code = getattr(cert, "verify_code", None)
        why = _VERIFY.get(code, "not trusted") if isinstance(code, int) else "not for this host"
        host = target.rpartition(":")[0] or target
        return TransportFailureKind.TLS, f"TLS certificate of {host} refused ({why})"
    status = exchange.proxy_status
    if connecting and status is not None and status != 200:
        hint = _PROXY_STATUS.get(status, "")
        return TransportFailureKind.CONNECT, f"{peer} answered {status} to CONNECT{hint}"
    if _first(chain, (socket.gaierror, u3.NameResolutionError)) is not None:
        host = peer.rpartition(":")[0] or peer
        return TransportFailureKind.CONNECT, f"cannot resolve {host} (name lookup failed)"
    if _first(chain, ConnectionRefusedError) is not None:
        return TransportFailureKind.CONNECT, f"connection refused by {peer}"
    if timed_out:
        if connecting:
            wait = seconds(exchange.connect_timeout)
            return TransportFailureKind.TIMEOUT, f"no answer from {peer} within {wait} s"
        wait = seconds(exchange.read_timeout)
        return TransportFailureKind.TIMEOUT, f"nothing received for {wait} s {where}"
    if _first(chain, http.client.RemoteDisconnected) is not None:
        return TransportFailureKind.PROTOCOL, f"the connection was closed {where}"
    reset = _first(chain, _RESETS)
    if reset is not None:
        kind = TransportFailureKind.CONNECT if connecting else TransportFailureKind.PROTOCOL
        return kind, f"connection reset {where}"
    if _first(chain, (http.client.IncompleteRead, u3.IncompleteRead)) is not None:
        return TransportFailureKind.PROTOCOL, f"the connection was closed {where} (incomplete body)"
    if _first(chain, ssl.SSLError) is not None:
        return TransportFailureKind.TLS, f"TLS failure {where}"
    return _protocol(chain, connecting, peer, where)


def _protocol(
    chain: list[BaseException], connecting: bool, peer: str, where: str
) -> tuple[TransportFailureKind, str]:
    """The peer sent something that is not HTTP, or the OS refused the connection."""
    if _first(chain, http.client.LineTooLong) is not None:
        return TransportFailureKind.PROTOCOL, f"a line over 64 KiB {where}"
    if _first(chain, u3.InvalidChunkLength) is not None:
        return TransportFailureKind.PROTOCOL, f"an invalid chunk size {where}"
    if _first(chain, http.client.BadStatusLine) is not None:
        return TransportFailureKind.PROTOCOL, f"an invalid status line {where}"
    if _first(chain, u3.InvalidHeader) is not None:
        return TransportFailureKind.PROTOCOL, f"invalid or conflicting headers {where}"
    if _first(chain, http.client.HTTPException) is not None:
        return TransportFailureKind.PROTOCOL, f"an answer that is not valid HTTP {where}"
    os_error = _first(chain, OSError)
    code = getattr(os_error, "errno", None)
    if connecting and isinstance(code, int) and code in errno.errorcode:
        return TransportFailureKind.CONNECT, f"cannot connect to {peer} ({errno.errorcode[code]})"
    name = type(os_error or chain[0]).__name__
    kind = TransportFailureKind.CONNECT if connecting else TransportFailureKind.PROTOCOL
    return kind, f"{name} {where}"
