"""HTTP over urllib3: one attempt per call, every failure a typed value.

What this adapter guarantees (engineering notes, "urllib3 facts"):
- Connect and read timeouts are always set (urllib3 has none by default), and
  never exceed what is left of the caller's deadline. The body is read in
  chunks against the absolute deadline (past it: ``DEADLINE``, connection
  closed), since a socket timeout restarts on every byte. (Not yet for the
  status line and headers, which http.client reads under the per-recv
  timeout: a server dripping its headers can still overrun the deadline.)
- TLS verification is always on. There is no switch to turn it off, and no
  environment variable is read for it. ``ca_certs`` may name a CA bundle (for
  TLS-inspecting proxies); it adds trust, it cannot remove verification.
- Plain http is refused unless the host is loopback (checked again here, so a
  URL that did not come from ``BaseUrls`` cannot slip through).
- Redirects are never followed: a token POST that follows a redirect re-sends
  the client secret to wherever the redirect points (box_sdk_gen does this).
  A 3xx is returned as ``REDIRECT_REFUSED``.
- Bodies are read up to 1 MiB; a larger body is ``TOO_LARGE``, unread.
  ``Accept-Encoding: identity`` is always sent and any other Content-Encoding
  is refused unread: a few KiB of gzip could otherwise inflate past the cap.
- ``send`` never raises for what urllib3 or http.client raise (ValueError and
  HTTPException included); headers http.client would refuse are refused
  first, without quoting them (a header value is usually a token).
- Proxies: an explicit ``proxy_url``, else HTTPS_PROXY / https_proxy
  (respecting NO_PROXY), for https targets only and only as a CONNECT tunnel.
  Plain http (loopback) always goes direct; HTTP_PROXY is never read.
- Exception text from urllib3 is never passed on (it can contain URLs and
  headers); only the exception's class name and the host are reported.

Retries are not done here: the caller (``adapters.calls``) decides with the
core's ``boxauth.retry`` rules, because a JWT retry needs a freshly signed
assertion, which only the caller can make.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING
from urllib.parse import SplitResult, urlsplit

from returns.result import Failure, Result, Success

from ..errors import InvalidInput, TransportFailure, TransportFailureKind
from ..exceptions import BoxConfigError
from ..redaction import REDACTED
from ..responses import MAX_BODY
from ..urls import check_secure_url
from ..wire import HttpRequest, HttpResponse

if TYPE_CHECKING:
    import urllib3

# urllib3 (and urllib.request, for proxies) are imported on first use, not at
# import time: `from boxauth import BoxJWTAuth` stays cheap (issue: cold import).

USER_AGENT = "boxauth/0.1.0"
MAX_TIMEOUT = 86400.0
CHUNK = 64 * 1024
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")
_BAD_URL_CHAR = re.compile(r"[^\x21-\x7e]")  # spaces, controls, non-ASCII

# What http.client would refuse with an exception whose text holds the whole
# header value (an access token): checked here first so that never happens.
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_BAD_HEADER_VALUE = re.compile(r"[^\t\x20-\x7e\x80-\xff]")  # CR, LF, controls, non-Latin-1


@dataclass(frozen=True, slots=True, repr=False)
class TransportSettings:
    """Timeouts in seconds. ``deadline`` bounds a whole call, retries included."""

    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    deadline: float = 30.0
    proxy_url: str | None = None
    ca_certs: str | None = None
    pool_size: int = 8

    def __repr__(self) -> str:
        # The proxy URL may carry a user and password: they are never shown.
        return (
            f"TransportSettings(connect_timeout={self.connect_timeout!r}, "
            f"read_timeout={self.read_timeout!r}, deadline={self.deadline!r}, "
            f"proxy_url={_without_userinfo(self.proxy_url)!r}, "
            f"ca_certs={self.ca_certs!r}, pool_size={self.pool_size!r})"
        )

    __str__ = __repr__


def _without_userinfo(url: str | None) -> str | None:
    """``scheme://<redacted>@host:port`` for a URL with userinfo; fails closed.

    Everything up to the last '@' goes, so a password holding '/', '?' or '@'
    cannot escape; only a plain scheme is kept from it.
    """
    if not isinstance(url, str) or "@" not in url:
        return url
    head, _, tail = url.rpartition("@")
    scheme = head.split("://", 1)[0] if "://" in head else ""
    prefix = f"{scheme}://" if _SCHEME.fullmatch(scheme) else ""
    return f"{prefix}{REDACTED}@{tail}"


def _split(url: str) -> Result[SplitResult, TransportFailure]:
    try:
        return Success(urlsplit(url))
    except ValueError:  # e.g. "https://[x/"
        detail = "url: is not a valid URL"
        return Failure(TransportFailure(TransportFailureKind.INSECURE_URL, detail, False))


def _proxy_problem(url: object) -> str | None:
    """Why ``url`` is not a usable proxy URL (http or https, with a host), or None."""
    if not isinstance(url, str) or not url or _BAD_URL_CHAR.search(url):
        return "must be an http:// or https:// URL without spaces or control characters"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return "is not a valid URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be an http:// or https:// URL with a host"
    return None


def _settings_problem(settings: TransportSettings) -> InvalidInput | None:
    for name in ("connect_timeout", "read_timeout", "deadline"):
        value = getattr(settings, name)
        number = isinstance(value, int | float) and not isinstance(value, bool)
        # An upper bound keeps socket.settimeout() from overflowing.
        if not number or not 0 < value <= MAX_TIMEOUT:
            return InvalidInput(name, f"must be a number of seconds above 0, at most {MAX_TIMEOUT}")
    size = settings.pool_size
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        return InvalidInput("pool_size", "must be an integer of at least 1")
    if settings.proxy_url is not None:
        problem = _proxy_problem(settings.proxy_url)
        if problem is not None:
            return InvalidInput("proxy_url", problem)
    if settings.ca_certs is not None and not isinstance(settings.ca_certs, str):
        return InvalidInput("ca_certs", "must be a path or None")
    return None


def _env_proxy(host: str) -> str | None:
    """HTTPS_PROXY / https_proxy unless NO_PROXY exempts ``host``. HTTP_PROXY is never read."""
    import urllib.request  # noqa: PLC0415 - lazy, see above

    if urllib.request.proxy_bypass(host):
        return None
    return urllib.request.getproxies_environment().get("https")


def _past_deadline(host: str) -> TransportFailure:
    return TransportFailure(
        TransportFailureKind.DEADLINE, f"deadline passed while reading from {host}", True
    )


def _failure(
    kind: TransportFailureKind, exc: BaseException, host: str, sent: bool
) -> Failure[TransportFailure]:
    return Failure(TransportFailure(kind, f"{type(exc).__name__} talking to {host}", sent))


def _header_problem(headers: Mapping[str, str], host: str) -> TransportFailure | None:
    """A header http.client would refuse; the value is never quoted (it may be a token)."""
    for name, value in headers.items():
        if not isinstance(name, str) or not _HEADER_NAME.fullmatch(name):
            return TransportFailure(
                TransportFailureKind.PROTOCOL, f"invalid header name for {host}", False
            )
        if not isinstance(value, str) or _BAD_HEADER_VALUE.search(value):
            detail = f"header {name} for {host} has a control or non-Latin-1 character"
            return TransportFailure(TransportFailureKind.PROTOCOL, detail, False)
    return None


@cache
def _caught() -> tuple[type[BaseException], ...]:
    """What urllib3 and http.client raise; all of it is caught so send() never raises.

    Besides urllib3's HTTPError and OSError, http.client raises ValueError
    (UnicodeError is one) and HTTPException while building a request; their
    text can hold a header value, so like the others only the class name is kept.
    """
    import http.client  # noqa: PLC0415 - lazy, see above

    from urllib3.exceptions import HTTPError  # noqa: PLC0415 - lazy, see above

    return (HTTPError, OSError, ValueError, http.client.HTTPException)


def _certificate_refused(exc: BaseException) -> bool:
    """The server's certificate was refused: the handshake failed, nothing was sent."""
    import ssl  # noqa: PLC0415 - lazy, see above

    causes = (exc, exc.__cause__, exc.__context__, *exc.args)
    return any(isinstance(c, ssl.SSLCertVerificationError) for c in causes)


@cache
def _exceptions() -> tuple[tuple[type[BaseException], TransportFailureKind, bool], ...]:
    """Which urllib3 exception means what, and whether the request may have been sent.

    Order matters: subclasses first (NewConnectionError is a ConnectTimeoutError).
    """
    from urllib3 import exceptions as u3  # noqa: PLC0415 - lazy, see above

    return (
        (u3.NewConnectionError, TransportFailureKind.CONNECT, False),
        (u3.ConnectTimeoutError, TransportFailureKind.TIMEOUT, False),
        (u3.ProxyError, TransportFailureKind.CONNECT, False),
        # urllib3 raises SSLError both for the handshake and for a TLS failure
        # while reading the answer (request sent); only a refused certificate
        # proves nothing was sent (see _certificate_refused).
        (u3.SSLError, TransportFailureKind.TLS, True),
        (u3.ReadTimeoutError, TransportFailureKind.TIMEOUT, True),
        (u3.ProtocolError, TransportFailureKind.PROTOCOL, True),
        (u3.HTTPError, TransportFailureKind.PROTOCOL, True),
    )


class Urllib3Transport:
    """One connection pool per auth object, so connections are reused."""

    def __init__(self, settings: TransportSettings | None = None) -> None:
        """Raises ``BoxConfigError`` for settings that could never work."""
        import urllib3  # noqa: PLC0415 - lazy, see above

        self._urllib3 = urllib3
        self.settings = settings or TransportSettings()
        problem = _settings_problem(self.settings)
        if problem is not None:
            raise BoxConfigError(problem)
        self._direct = urllib3.PoolManager(
            num_pools=4,
            maxsize=self.settings.pool_size,
            cert_reqs="CERT_REQUIRED",
            ca_certs=self.settings.ca_certs,
            retries=False,
        )
        self._proxies: dict[str, urllib3.ProxyManager] = {}
        # (scheme, netloc) -> its pool, after the URL rule passed. Environment
        # proxies are read once per host, not on every request.
        self._routes: dict[tuple[str, str], urllib3.PoolManager] = {}

    def __repr__(self) -> str:
        return f"Urllib3Transport({self.settings!r})"

    def _pool_for(self, url: str) -> Result[urllib3.PoolManager, TransportFailure]:
        """The direct pool or a proxy's. Never raises: a bad proxy is a Failure."""
        parts = urlsplit(url)
        host = parts.hostname or "?"
        if parts.scheme != "https":
            # Plain http (loopback only, by check_secure_url) always goes direct:
            # a proxy would see the client secret and tokens in clear text.
            return Success(self._direct)
        try:
            # https goes through a proxy only as a CONNECT tunnel (urllib3's
            # default), so the proxy sees the host name and nothing else.
            proxy = self.settings.proxy_url or _env_proxy(host)
            if proxy is None:
                return Success(self._direct)
            # proxy_url was checked in __init__; the environment's is checked
            # here, on first use (its text may hold a password: never quoted).
            if self.settings.proxy_url is None and _proxy_problem(proxy) is not None:
                detail = f"the proxy for {host} in the environment is not an http(s) URL"
                return Failure(TransportFailure(TransportFailureKind.CONNECT, detail, False))
            if proxy not in self._proxies:
                self._proxies[proxy] = self._urllib3.ProxyManager(
                    proxy,
                    maxsize=self.settings.pool_size,
                    cert_reqs="CERT_REQUIRED",
                    ca_certs=self.settings.ca_certs,
                    retries=False,
                    use_forwarding_for_https=False,  # CONNECT, never a forwarded request
                )
            return Success(self._proxies[proxy])
        except _caught() as exc:
            return _failure(TransportFailureKind.CONNECT, exc, host, False)

    def send(
        self, request: HttpRequest, *, timeout: float
    ) -> Result[HttpResponse, TransportFailure]:
        """One request, one answer within ``timeout`` seconds (boxauth.wire.Transport)."""
        return self._send(
            request.method,
            request.url,
            headers=dict(request.headers),
            body=request.body,
            remaining=timeout,
        )

    def _send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        body: bytes | None = None,
        remaining: float | None = None,
    ) -> Result[HttpResponse, TransportFailure]:
        """One request, one answer. ``remaining``: seconds left of the call's deadline."""
        checked = _split(url)
        if not isinstance(checked, Success):
            return Failure(checked.failure())
        parts = checked.unwrap()
        route = (parts.scheme, parts.netloc)
        pool = self._routes.get(route)
        if pool is None:
            secure = check_secure_url(url, "url")
            if not isinstance(secure, Success):
                detail = secure.failure().message()
                return Failure(TransportFailure(TransportFailureKind.INSECURE_URL, detail, False))
            routed = self._pool_for(url)
            if not isinstance(routed, Success):
                return Failure(routed.failure())  # not cached: a fixed environment is used

            pool = self._routes.setdefault(route, routed.unwrap())
        host = parts.hostname or "?"
        started = time.monotonic()
        budget = self.settings.deadline if remaining is None else remaining
        if not budget > 0:  # also NaN
            return Failure(
                TransportFailure(TransportFailureKind.DEADLINE, "deadline passed", False)
            )
        timeout = self._urllib3.Timeout(
            connect=min(self.settings.connect_timeout, budget),
            read=min(self.settings.read_timeout, budget),
        )
        # identity only: a compressed body could inflate past the 1 MiB cap
        # (urllib3 < 2.6 decompresses before counting; see SECURITY.md).
        all_headers = {
            "User-Agent": USER_AGENT,
            **{k: v for k, v in headers.items() if str(k).lower() != "accept-encoding"},
            "Accept-Encoding": "identity",
        }
        bad_header = _header_problem(all_headers, host)
        if bad_header is not None:
            return Failure(bad_header)
        try:
            raw = pool.request(
                method,
                url,
                body=body,
                headers=all_headers,
                timeout=timeout,
                retries=False,
                redirect=False,
                preload_content=False,
                decode_content=False,
            )
        except _caught() as exc:
            # Headers were checked above, so a ValueError/HTTPException here is
            # unexpected: we cannot tell how far it got, so it counts as sent.
            return self._map(exc, host)
        try:
            result = self._read(raw, host, started + budget)
            if not isinstance(result, Success):
                # Unread or half read: closed, never drained (draining is
                # unbounded in time and size). The closed connection goes back
                # only as a free slot; urllib3 opens a new socket for it.
                raw.close()
        finally:
            raw.release_conn()
        return result

    def _read(
        self, raw: urllib3.BaseHTTPResponse, host: str, deadline_at: float
    ) -> Result[HttpResponse, TransportFailure]:
        """The body, in chunks, each read bounded by what is left of the deadline.

        Socket timeouts restart on every byte, so a server dripping a byte
        just under the read timeout would otherwise hold the call (and the
        auth object's locks) for as long as it likes.
        """
        if 300 <= raw.status < 400:
            return Failure(
                TransportFailure(
                    TransportFailureKind.REDIRECT_REFUSED,
                    f"{host} answered {raw.status} (a redirect); redirects are never followed",
                    True,
                )
            )
        encoding = raw.headers.get("content-encoding", "identity").strip().lower()
        if encoding not in ("", "identity"):
            # We asked for identity; a compressed body is refused unread.
            return Failure(
                TransportFailure(
                    TransportFailureKind.PROTOCOL,
                    f"{host} sent an unexpected Content-Encoding",
                    True,
                )
            )
        declared = raw.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > MAX_BODY:
            return Failure(
                TransportFailure(TransportFailureKind.TOO_LARGE, f"{host} sent over 1 MiB", True)
            )
        sock = getattr(raw.connection, "sock", None)
        chunks: list[bytes] = []
        size = 0
        try:
            while size <= MAX_BODY:
                left = deadline_at - time.monotonic()
                if left <= 0:
                    return Failure(_past_deadline(host))
                if sock is not None and sock.fileno() != -1:
                    # Closed already (e.g. "Connection: close" on an empty body):
                    # nothing left to bound; read1 below just returns b"".
                    sock.settimeout(min(self.settings.read_timeout, left))
                # read1: at most one recv, so the timeout above bounds it.
                chunk = raw.read1(CHUNK, decode_content=False)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
        except _caught() as exc:
            if time.monotonic() >= deadline_at:
                return Failure(_past_deadline(host))
            return self._map(exc, host, reading=True)
        if size > MAX_BODY:
            return Failure(
                TransportFailure(TransportFailureKind.TOO_LARGE, f"{host} sent over 1 MiB", True)
            )
        headers = tuple((k, v) for k, v in raw.headers.items())
        return Success(HttpResponse(raw.status, headers, b"".join(chunks)))

    @staticmethod
    def _map(
        exc: BaseException, host: str, *, reading: bool = False
    ) -> Result[HttpResponse, TransportFailure]:
        """``reading``: raised while reading the body, so the request was sent."""
        for kind_of, kind, sent in _exceptions():
            if isinstance(exc, kind_of):
                return _failure(
                    kind, exc, host, reading or (sent and not _certificate_refused(exc))
                )
        # A bare OSError mid-exchange (e.g. a reset): it may have been sent.
        return _failure(TransportFailureKind.PROTOCOL, exc, host, True)

    def close(self) -> None:
        self._direct.clear()
        for pool in self._proxies.values():
            pool.clear()
