"""The HTTP side: a ThreadingHTTPServer on loopback, and the BoxEmulator facade.

Two standard-library defaults are changed (engineering notes, last section):
the handler disables Nagle, since headers and body go out in two writes and a
kept-alive client would otherwise wait ~40 ms on delayed ACK per response; and
the listen backlog is a few hundred, so 64 clients connecting at once are not
reset.
"""

from __future__ import annotations

import contextlib
import hmac
import ipaddress
import json
import socket
import threading
import time
from collections.abc import Mapping
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from . import texts
from .api import api_request, client_error
from .authorize import authorize, error_page
from .grants import JWT_GRANT, token_request
from .jwtcheck import peek_jti
from .records import Fault, Reply
from .registry import Registry
from .state import State, random_token
from .texts import OAuthError

TOKEN_PATH = "/oauth2/token"  # noqa: S105  # nosec B105
REVOKE_PATH = "/oauth2/revoke"
AUTHORIZE_PATH = "/api/oauth2/authorize"
MAX_BODY = 1 << 20
FORM_TYPE = "application/x-www-form-urlencoded"
_JSON = ("Content-Type", "application/json")
_FAULT_CODES = {429: "rate_limit_exceeded", 500: "internal_server_error", 502: "bad_gateway",
                503: "unavailable"}


class _Server(ThreadingHTTPServer):
    request_queue_size = 512
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], state: State, family: int) -> None:
        self.address_family = family
        self.state = state
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)
        host, port = address[0], self.server_address[1]
        self.base_url = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def close_connections(self) -> None:
        """Idle keep-alive connections would otherwise hold their threads forever."""
        with self.connections_lock:
            for conn in list(self.connections):
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)


class _FormError(Exception):
    pass


def parse_form(body: bytes) -> dict[str, str]:
    """Form fields; a repeated field is an error (RFC 6749 §3.2)."""
    if not body:
        return {}
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True,
                          errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise _FormError(texts.BAD_GRANT_TYPE) from None
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:
            raise _FormError(texts.DUPLICATE_PARAMETER)
        form[name] = value
    return form


def _oauth_error(state: State, error: OAuthError) -> Reply:
    state.count_error((error.error, error.description))
    body = json.dumps({"error": error.error, "error_description": error.description})
    return Reply(error.status, body.encode(), (_JSON,))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = 120  # an idle keep-alive connection is closed after this
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        super().finish()

    def date_time_string(self, timestamp: float | None = None) -> str:
        # The Date header is the emulator's clock, offset included: clients use
        # it to recover from clock skew (protocol notes §3).
        return formatdate(self.server.state.now(), usegmt=True)

    def log_message(self, format: str, *args: Any) -> None:
        return  # quiet: tests and the CLI print nothing per request

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    # -- one request ------------------------------------------------------------------
    def _read_body(self) -> bytes | None:
        if "transfer-encoding" in self.headers:
            return None  # chunked bodies are not needed by any Box client
        length = self.headers.get("content-length", "0")
        if not length.isdigit() or int(length) > MAX_BODY:
            return None
        return self.rfile.read(int(length))

    def _handle(self, method: str) -> None:
        state = self.server.state
        url = urlsplit(self.path)
        path = url.path
        request_id = random_token(24).lower()
        body = self._read_body()
        with state.lock:
            state.request_counts[path] += 1
        if body is None:
            self.close_connection = True
            self._send(path, request_id, client_error(400, "bad_request", "Bad Request",
                                                      request_id))
            return
        form: dict[str, str] | None = None
        form_error: str | None = None
        if method == "POST" and path in (TOKEN_PATH, REVOKE_PATH):
            content_type = self.headers.get("content-type", "").split(";")[0].strip().lower()
            if content_type != FORM_TYPE:
                form_error = texts.BAD_GRANT_TYPE if path == TOKEN_PATH else texts.BAD_CONTENT_TYPE
            else:
                try:
                    form = parse_form(body)
                except _FormError as bad:
                    form_error = str(bad)
        if path == TOKEN_PATH and method == "POST":
            with state.lock:
                state.grant_counts[(form or {}).get("grant_type", "")] += 1
        fault = state.take_fault(path)
        if fault is not None:
            if fault.kind == "delay":
                time.sleep(fault.seconds)
            else:
                self._fault(fault, path, request_id, form)
                return
        self._send(path, request_id, self._route(method, path, url.query, form,
                                                 form_error=form_error, request_id=request_id))

    def _route(
        self, method: str, path: str, query: str, form: Mapping[str, str] | None,
        *, form_error: str | None, request_id: str,
    ) -> Reply:
        state = self.server.state
        if path in (TOKEN_PATH, REVOKE_PATH):
            if method != "POST":
                return client_error(405, "method_not_allowed", "Method Not Allowed", request_id)
            if form_error is not None or form is None:
                return _oauth_error(state, OAuthError("invalid_request",
                                                      form_error or texts.BAD_GRANT_TYPE))
            try:
                if path == TOKEN_PATH:
                    reply = token_request(state, form, self.server.base_url)
                    return Reply(200, json.dumps(reply).encode(), (_JSON,))
                return _revoke(state, form)
            except OAuthError as refused:
                return _oauth_error(state, refused)
        if path == AUTHORIZE_PATH:
            if method != "GET":
                return client_error(405, "method_not_allowed", "Method Not Allowed", request_id)
            try:
                return authorize(state, _query(query))
            except OAuthError as refused:
                state.count_error((refused.error, refused.description))
                return error_page(refused)
        if path.startswith("/2.0/"):
            if method != "GET":
                return client_error(405, "method_not_allowed", "Method Not Allowed", request_id)
            try:
                params = _query(query)
            except OAuthError:
                return client_error(400, "bad_request", "Bad Request", request_id)
            headers = {k.lower(): v for k, v in self.headers.items()}
            return api_request(state, path, params, headers, request_id)
        return client_error(404, "not_found", "Not Found", request_id)

    def _fault(
        self, fault: Fault, path: str, request_id: str, form: Mapping[str, str] | None
    ) -> None:
        # Box had already read the request: a JWT's jti is spent even though the
        # client never got an answer (box-python-sdk-gen#731).
        if form is not None and form.get("grant_type") == JWT_GRANT:
            jti = peek_jti(form.get("assertion", ""))
            if jti is not None:
                with self.server.state.lock:
                    self.server.state.jtis.add(jti)
        if fault.kind == "drop":
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        status = fault.status or (200 if fault.kind == "malformed" else 500)
        headers: list[tuple[str, str]] = [_JSON]
        if fault.retry_after is not None:
            headers.append(("Retry-After", fault.retry_after))
        if fault.body is not None:
            body = fault.body
        elif fault.kind == "malformed":
            body = b"not json"
        else:
            body = client_error(status, _FAULT_CODES.get(status, "error"),
                                "Injected fault", request_id).body
        self._send(path, request_id, Reply(status, body, tuple(headers)))

    def _send(self, path: str, request_id: str, reply: Reply) -> None:
        self.send_response(reply.status)
        self.send_header("box-request-id", request_id)
        if path.startswith("/oauth2/"):
            self.send_header("Cache-Control", "no-store")
        elif path.startswith("/2.0/"):
            self.send_header("Cache-Control", "no-cache, no-store")
        for name, value in reply.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(reply.body)


def _query(query: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name in out:
            raise OAuthError("invalid_request", texts.DUPLICATE_PARAMETER)
        out[name] = value
    return out


def _revoke(state: State, form: Mapping[str, str]) -> Reply:
    """200 and an empty body, also for an unknown token (RFC 7009 §2.2)."""
    with state.lock:
        app = state.apps.get(form.get("client_id", ""))
        secret = form.get("client_secret", "")
        if app is None or not secret or not hmac.compare_digest(secret, app.client_secret):
            raise OAuthError("invalid_client", texts.INVALID_CLIENT)
        token = form.get("token", "")
        if not token:
            raise OAuthError("invalid_request", texts.MISSING_PARAMETER.format(name="token"))
        state.revoke(token, app.client_id)
    return Reply(200)


def _check_host(host: str, allow_non_loopback: bool) -> None:
    if allow_non_loopback or host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(
            f"refusing to bind {host!r}: not a loopback address (pass allow_non_loopback=True)"
        )


class BoxEmulator(Registry):
    """A strict Box auth emulator. See the package docstring for the endpoints."""

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, allow_non_loopback: bool = False
    ) -> None:
        _check_host(host, allow_non_loopback)
        super().__init__(State())
        self._host = host
        self._requested_port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------
    def start(self) -> BoxEmulator:
        if self._server is not None:
            raise RuntimeError("the emulator is already running")
        family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
        self._server = _Server((self._host, self._requested_port), self._state, family)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
            name=f"box-emulator-{self.port}", daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> BoxEmulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- addresses --------------------------------------------------------------------
    def _running(self) -> _Server:
        if self._server is None:
            raise RuntimeError("the emulator is not running; call start()")
        return self._server

    @property
    def port(self) -> int:
        return int(self._running().server_address[1])

    @property
    def base_url(self) -> str:
        """``http://HOST:PORT``: serves /oauth2/token, /oauth2/revoke and /2.0/..."""
        return self._running().base_url

    @property
    def oauth_2_url(self) -> str:
        return f"{self.base_url}/api/oauth2"
