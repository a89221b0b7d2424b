"""HTTP over urllib3: the ``boxauth.wire.Transport`` protocol, one attempt per call.

``Urllib3Transport.send(request, *, timeout)`` sends one ``HttpRequest`` and
returns an ``HttpResponse`` or a ``TransportFailure``; it never raises. What it
guarantees (README "Transport"):

- ``timeout`` (what is left of the caller's deadline) bounds the whole
  exchange: name lookup, connect, proxy tunnel, TLS handshake, sending, status
  line, 1xx answers, headers, chunk framing, trailers and body
  (``deadline_io``). Past it the socket is shut down, never pooled again.
- Connect and read timeouts are always set (urllib3 has none by default).
- TLS verification is always on; no setting or environment variable turns it
  off. ``ca_certs`` ADDS a CA bundle to the system's trust store (for
  TLS-inspecting proxies). SSLKEYLOGFILE is ignored: it would write the keys
  that decrypt the client secret and tokens to a file.
- Plain http is refused unless the host is loopback (checked again here).
- Redirects are never followed: a token POST that follows one re-sends the
  client secret wherever it points (box_sdk_gen does this). A 3xx is
  ``REDIRECT_REFUSED``.
- Bodies are read up to 1 MiB (``TOO_LARGE`` beyond). ``Accept-Encoding:
  identity`` is always sent and other encodings are refused unread: a few
  KiB of gzip could inflate past the cap.
- Proxies: ``proxy_url``, else HTTPS_PROXY / https_proxy (respecting
  NO_PROXY), for https only and only as a CONNECT tunnel; HTTP_PROXY is never
  read. A user and password in the proxy URL are sent to the proxy as
  ``Proxy-Authorization: Basic`` (RFC 7617) and never shown.
- Failure texts say what happened and where (``net_failures``), never
  exception text, which can hold URLs, headers and tokens.
- One transport may serve several auth objects, a client and many threads
  (google-auth: credentials never own a transport): per-request state lives
  in a ContextVar, shared state behind a lock.

Retries are not done here: the caller decides with the core's
``boxauth.retry`` rules (a JWT retry needs a freshly signed assertion).
"""

from __future__ import annotations

import os
import re
import threading
import time
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import SplitResult, urlsplit

from returns.result import Failure, Result, Success

from ..errors import InvalidInput, TransportFailure, TransportFailureKind
from ..exceptions import BoxConfigError
from ..responses import MAX_BODY
from ..urls import BAD_URL_CHAR, check_secure_url
from ..wire import HttpRequest, HttpResponse, Stage, failed_at
from .transport_setup import (
    Proxy,
    env_proxy,
    proxy_problem,
    read_ca_bundle,
    split_proxy,
    tls_context,
    without_userinfo,
)

if TYPE_CHECKING:
    import urllib3

# urllib3, ssl and the deadline_io / net_failures modules (which import them)
# load on first use, not at import time: `import boxauth` stays cheap.

USER_AGENT = "boxauth/0.1.0"
MAX_TIMEOUT = 86400.0
MAX_ROUTES = 256

# What http.client would refuse with an exception whose text holds the whole
# header value (an access token): checked here first so that never happens.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110 §5.6.2 token
_BAD_HEADER_VALUE = re.compile(r"[^\t\x20-\x7e\x80-\xff]")  # CR, LF, controls, non-Latin-1


@dataclass(frozen=True, slots=True, repr=False)
class TransportSettings:
    """Timeouts in seconds. ``deadline``: the default budget of a whole call, retries included."""

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
            f"proxy_url={without_userinfo(self.proxy_url)!r}, "
            f"ca_certs={self.ca_certs!r}, pool_size={self.pool_size!r})"
        )

    __str__ = __repr__

    def __reduce__(self) -> Any:
        # The proxy URL may hold a password, which pickle would write in the
        # clear (as with every value holding a secret, boxauth.redaction).
        raise TypeError("TransportSettings may hold a proxy password and cannot be pickled")

    def __copy__(self) -> TransportSettings:
        return self  # immutable; and copy must not go through __reduce__

    def __deepcopy__(self, memo: dict[int, Any]) -> TransportSettings:
        return self


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
        problem = proxy_problem(settings.proxy_url)
        if problem is not None:
            return InvalidInput("proxy_url", problem)
    if settings.ca_certs is not None and (not isinstance(settings.ca_certs, str | os.PathLike)):
        return InvalidInput("ca_certs", "must be a path or None")
    return None


def _fail(stage: Stage, kind: TransportFailureKind, detail: str) -> Failure[TransportFailure]:
    return Failure(failed_at(stage, kind, detail))


def _budget(timeout: object) -> float | None:
    """Seconds to spend, or None when there is no time left (NaN, zero, negative)."""
    if isinstance(timeout, bool) or not isinstance(timeout, int | float):
        return None
    return min(float(timeout), MAX_TIMEOUT) if timeout > 0 else None


def _target(parts: SplitResult) -> str:
    """host:port of a URL, for messages (never its path or query: they may hold secrets)."""
    host = parts.hostname or "?"
    shown = f"[{host}]" if ":" in host else host
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{shown}:{port}"


def _request_problem(request: object) -> TransportFailure | None:
    """A request http.client would refuse, or choke on, refused first without quoting it."""
    if not isinstance(request, HttpRequest):
        return failed_at(Stage.BEFORE_CONNECT, TransportFailureKind.PROTOCOL, "not an HttpRequest")
    if not isinstance(request.method, str) or not _TOKEN.fullmatch(request.method):
        detail = "the method is not an HTTP token"
        return failed_at(Stage.BEFORE_CONNECT, TransportFailureKind.PROTOCOL, detail)
    if request.body is not None and not isinstance(request.body, bytes):
        return failed_at(Stage.BEFORE_CONNECT, TransportFailureKind.PROTOCOL, "body: must be bytes")
    headers = request.headers
    if not isinstance(headers, tuple | list) or not all(
        isinstance(pair, tuple) and len(pair) == 2 for pair in headers
    ):
        detail = "headers: must be (name, value) pairs"
        return failed_at(Stage.BEFORE_CONNECT, TransportFailureKind.PROTOCOL, detail)
    for name, value in headers:
        if not isinstance(name, str) or not _TOKEN.fullmatch(name):
            detail = "an invalid header name"
            return failed_at(Stage.BEFORE_CONNECT, TransportFailureKind.PROTOCOL, detail)
        if not isinstance(value, str) or _BAD_HEADER_VALUE.search(value):
            detail = f"header {name} has a control or non-Latin-1 character"
            return failed_at(Stage.BEFORE_CONNECT, TransportFailureKind.PROTOCOL, detail)
    return None


def _headers(pairs: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """The caller's headers, plus a User-Agent, with ``Accept-Encoding: identity`` forced.

    identity only: a compressed body could inflate past the 1 MiB cap
    (urllib3 < 2.6 decompresses before counting; see SECURITY.md).
    """
    given = {name: value for name, value in pairs if name.lower() != "accept-encoding"}
    agent = {} if any(n.lower() == "user-agent" for n in given) else {"User-Agent": USER_AGENT}
    return {**agent, **given, "Accept-Encoding": "identity"}


def _declared_length(value: str | None) -> int | None:
    """Content-Length as a number, or None when absent or not plain ASCII digits.

    ``str.isdigit`` is true for '²' and int() refuses 5,000 digits: both
    once made send() raise. urllib3 judges the rest.
    """
    if value is None:
        return None
    lengths = {v.strip() for v in value.split(",")}
    if len(lengths) != 1:
        return None
    (only,) = lengths
    return int(only) if re.fullmatch(r"[0-9]{1,19}", only, re.ASCII) else None


@dataclass(frozen=True, slots=True)
class _Route:
    pool: urllib3.PoolManager
    proxy: str | None  # the proxy's host:port, when there is one


class Urllib3Transport:
    """A ``boxauth.wire.Transport`` over urllib3 pools; safe to share between threads."""

    def __init__(self, settings: TransportSettings | None = None) -> None:
        """Raises ``BoxConfigError`` for settings that could never work."""
        import urllib3  # noqa: PLC0415 - lazy, see above

        from .deadline_io import POOL_CLASSES  # noqa: PLC0415 - lazy, see above

        self._urllib3 = urllib3
        self._pool_classes = POOL_CLASSES
        self.settings = settings or TransportSettings()
        problem = _settings_problem(self.settings)
        bundle: bytes | None = None
        if problem is None and self.settings.ca_certs is not None:
            read = read_ca_bundle(self.settings.ca_certs)
            problem, bundle = (read, None) if isinstance(read, InvalidInput) else (None, read)
        if problem is not None:
            raise BoxConfigError(problem)
        import ssl  # noqa: PLC0415 - lazy, see above

        try:
            tls: ssl.SSLContext | None = tls_context(bundle)
        except (ssl.SSLError, ValueError):
            tls = None
        if tls is None:
            # The bundle's certificates could not be parsed. Raised outside the
            # except: no chained exception, so OpenSSL's text is not passed on.
            raise BoxConfigError(InvalidInput("ca_certs", "holds a certificate ssl cannot load"))
        self._tls = tls
        self._lock = threading.Lock()
        self._direct = self._manager(None)
        self._proxies: dict[str, urllib3.PoolManager] = {}
        # (scheme, netloc) -> its route, after the URL rule passed. Environment
        # proxies are read once per host, not on every request.
        self._routes: dict[tuple[str, str], _Route] = {}

    def __repr__(self) -> str:
        return f"Urllib3Transport({self.settings!r})"

    def __reduce__(self) -> Any:
        raise TypeError("Urllib3Transport may hold a proxy password and cannot be pickled")

    def _manager(self, proxy: Proxy | None) -> urllib3.PoolManager:
        common: dict[str, Any] = {
            "maxsize": self.settings.pool_size,
            "cert_reqs": "CERT_REQUIRED",
            "ssl_context": self._tls,
            "retries": False,
        }
        manager: urllib3.PoolManager
        if proxy is None:
            manager = self._urllib3.PoolManager(num_pools=4, **common)
        else:
            manager = self._urllib3.ProxyManager(
                proxy.url,
                proxy_headers=dict(proxy.headers),
                proxy_ssl_context=self._tls,
                use_forwarding_for_https=False,  # CONNECT, never a forwarded request
                **common,
            )
        manager.pool_classes_by_scheme = self._pool_classes
        return manager

    def _route(self, parts: SplitResult, url: str) -> Result[_Route, TransportFailure]:
        """The direct pool or a proxy's, chosen once per (scheme, host). Never raises."""
        key = (parts.scheme, parts.netloc)
        with self._lock:
            route = self._routes.get(key)
            if route is not None:
                return Success(route)
            secure = check_secure_url(url, "url")
            if not isinstance(secure, Success):
                detail = secure.failure().message()
                return _fail(Stage.BEFORE_CONNECT, TransportFailureKind.INSECURE_URL, detail)
            chosen = self._choose(parts)
            if isinstance(chosen, Success):
                # A failure is not cached: the environment may be fixed.
                if len(self._routes) >= MAX_ROUTES:  # many hosts: forget, never grow
                    self._routes.clear()
                self._routes[key] = chosen.unwrap()
            return chosen

    def _choose(self, parts: SplitResult) -> Result[_Route, TransportFailure]:
        host = parts.hostname or "?"
        if parts.scheme != "https":
            # Plain http (loopback only, by check_secure_url) always goes direct:
            # a proxy would see the client secret and tokens in clear text.
            return Success(_Route(self._direct, None))
        # https goes through a proxy only as a CONNECT tunnel, so the proxy sees
        # the host name and nothing else.
        url = self.settings.proxy_url or env_proxy(host)
        if url is None:
            return Success(_Route(self._direct, None))
        # proxy_url was checked in __init__; the environment's is checked here,
        # on first use (its text may hold a password: never quoted).
        if self.settings.proxy_url is None and proxy_problem(url) is not None:
            detail = f"the proxy for {host} in the environment is not an http(s) URL"
            return _fail(Stage.BEFORE_CONNECT, TransportFailureKind.CONNECT, detail)
        proxy = split_proxy(url)
        if url not in self._proxies:
            self._proxies[url] = self._manager(proxy)
        return Success(_Route(self._proxies[url], proxy.where))

    def send(
        self, request: HttpRequest, *, timeout: float
    ) -> Result[HttpResponse, TransportFailure]:
        """One request, one answer, within ``timeout`` seconds. Never raises."""
        started = time.monotonic()
        try:
            return self._send(request, timeout, started)
        except Exception as exc:
            # Reached only through a bug; how far it got is unknown, so it may have been sent.
            detail = f"unexpected {type(exc).__name__} in the transport"
            return _fail(Stage.SENDING, TransportFailureKind.PROTOCOL, detail)

    def _send(
        self, request: HttpRequest, timeout: float, started: float
    ) -> Result[HttpResponse, TransportFailure]:
        budget = _budget(timeout)
        if budget is None:
            number = isinstance(timeout, int | float)
            detail = "no time left of the deadline" if number else "timeout: must be seconds"
            return _fail(Stage.BEFORE_CONNECT, TransportFailureKind.DEADLINE, detail)
        problem = _request_problem(request)
        if problem is not None:
            return Failure(problem)
        if not isinstance(request.url, str) or BAD_URL_CHAR.search(request.url):
            detail = "url: must be a URL without spaces, control or non-ASCII characters"
            return _fail(Stage.BEFORE_CONNECT, TransportFailureKind.INSECURE_URL, detail)
        try:
            parts = urlsplit(request.url)
            parts.port  # noqa: B018 - raises ValueError on a bad port
        except ValueError:  # e.g. "https://[x/"
            return _fail(
                Stage.BEFORE_CONNECT, TransportFailureKind.INSECURE_URL, "url: is not a valid URL"
            )
        routed = self._route(parts, request.url)
        if not isinstance(routed, Success):
            return Failure(routed.failure())
        from . import deadline_io  # noqa: PLC0415 - lazy, see above

        settings = self.settings
        exchange = deadline_io.Exchange(
            deadline_at=started + budget,
            connect_timeout=min(settings.connect_timeout, budget),
            read_timeout=min(settings.read_timeout, budget),
        )
        call = _Call(routed.unwrap(), _target(parts), budget, exchange)
        token = deadline_io.begin(exchange)
        try:
            return self._exchange(request, call)
        finally:
            deadline_io.end(token)

    def _exchange(
        self, request: HttpRequest, call: _Call
    ) -> Result[HttpResponse, TransportFailure]:
        """Runs inside the request's deadline context (``deadline_io``)."""
        from . import deadline_io  # noqa: PLC0415 - lazy, see above

        timeouts = self._urllib3.Timeout(
            connect=call.start.connect_timeout, read=call.start.read_timeout
        )
        try:
            raw = call.route.pool.urlopen(
                request.method,
                request.url,
                body=request.body,
                headers=_headers(request.headers),
                timeout=timeouts,
                retries=False,
                redirect=False,
                preload_content=False,
                decode_content=False,
            )
        except _caught() as exc:
            return Failure(_describe(exc, call))
        deadline_io.note_step(deadline_io.Step.BODY)
        try:
            result = self._read(raw, call)
            if not isinstance(result, Success):
                # Unread or half read: closed, never drained (draining is
                # unbounded in size). The closed connection goes back only as
                # a free slot; urllib3 opens a new socket for it.
                raw.close()
        finally:
            raw.release_conn()
        return result

    @staticmethod
    def _read(raw: urllib3.BaseHTTPResponse, call: _Call) -> Result[HttpResponse, TransportFailure]:
        """The body, up to 1 MiB. Every wait in it is bounded by ``deadline_io``."""
        target = call.target
        if 300 <= raw.status < 400:
            detail = f"{target} answered {raw.status} (a redirect); redirects are never followed"
            return _fail(Stage.READING_BODY, TransportFailureKind.REDIRECT_REFUSED, detail)
        encoding = raw.headers.get("content-encoding", "identity").strip().lower()
        if encoding not in ("", "identity"):
            # We asked for identity; a compressed body is refused unread.
            detail = f"{target} sent an unexpected Content-Encoding"
            return _fail(Stage.READING_BODY, TransportFailureKind.PROTOCOL, detail)
        declared = _declared_length(raw.headers.get("content-length"))
        if declared is not None and declared > MAX_BODY:
            detail = f"{target} sent over 1 MiB"
            return _fail(Stage.READING_BODY, TransportFailureKind.TOO_LARGE, detail)
        parts: list[bytes] = []
        size = 0
        try:
            # Until an empty read: only that one makes urllib3 check the body
            # against Content-Length (a short body is IncompleteRead, not a success).
            while size <= MAX_BODY:
                part = raw.read(MAX_BODY + 1 - size, decode_content=False)
                if not part:
                    break
                parts.append(part)
                size += len(part)
        except _caught() as exc:
            return Failure(_describe(exc, call))
        body = b"".join(parts)
        if len(body) > MAX_BODY:
            detail = f"{target} sent over 1 MiB"
            return _fail(Stage.READING_BODY, TransportFailureKind.TOO_LARGE, detail)
        headers = tuple((k, v) for k, v in raw.headers.items())
        return Success(HttpResponse(raw.status, headers, body))

    def close(self) -> None:
        """Closes idle pooled connections. The transport stays usable."""
        with self._lock:
            managers = [self._direct, *self._proxies.values()]
        for manager in managers:
            manager.clear()


@dataclass(frozen=True, slots=True)
class _Call:
    """One send()'s fixed facts: where it goes, its budget, and its exchange as it began."""

    route: _Route
    target: str  # host:port, for messages
    budget: float  # seconds this send() was given
    start: Any  # deadline_io.Exchange (typed loosely: that module loads lazily)


def _describe(exc: BaseException, call: _Call) -> TransportFailure:
    """The failure for ``exc``, from how far the exchange got (``net_failures``)."""
    from . import deadline_io, net_failures  # noqa: PLC0415 - lazy, see above

    exchange = deadline_io.current() or call.start
    return net_failures.describe(
        exc,
        exchange,
        target=call.target,
        proxy=call.route.proxy,
        now=time.monotonic(),
        budget=call.budget,
    )


@cache
def _caught() -> tuple[type[BaseException], ...]:
    """What urllib3 and http.client raise; all of it is caught so send() never raises.

    Besides urllib3's HTTPError and OSError, http.client raises ValueError
    (UnicodeError is one) and HTTPException; their text can hold a header
    value, so it is never used (``net_failures``).
    """
    import http.client  # noqa: PLC0415 - lazy, see above

    from urllib3.exceptions import HTTPError  # noqa: PLC0415 - lazy, see above

    return (HTTPError, OSError, ValueError, http.client.HTTPException)


if TYPE_CHECKING:
    from ..wire import Transport

    def _conforms(transport: Urllib3Transport) -> Transport:
        return transport  # mypy --strict checks that the protocol is implemented
