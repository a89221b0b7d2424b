"""The TCP server on loopback, and the BoxEmulator facade.

The server is a ``socketserver.ThreadingTCPServer`` with a thread per
connection (``handler.Handler`` reads and answers requests). Two defaults are
changed: the listen backlog is a few hundred, so 64 clients connecting at once
are not reset (socketserver's default backlog is 5: the rest are refused); and at most
``MAX_CONNECTIONS`` connections are served at once, so a flood of idle or slow
clients cannot hold threads for long: a connection beyond that gets Box's 503
``unavailable`` at once and is closed (its thread lives for at most the
handler's lingering close). Its ``handle_error`` records instead
of printing a traceback.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import socketserver
import sys
import threading
from types import TracebackType

from .handler import Handler
from .registry import Registry
from .state import State

MAX_CONNECTIONS = 256
REQUEST_SECONDS = 10.0
IDLE_SECONDS = 60.0


class LoopbackError(ValueError):
    """The host is not a loopback address and non-loopback was not allowed."""


class EmulatorServer(socketserver.ThreadingTCPServer):
    request_queue_size = 512
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        state: State,
        family: int,
        *,
        request_seconds: float,
        idle_seconds: float,
        max_connections: int,
    ) -> None:
        self.address_family = family
        self.max_connections = max_connections
        self.state = state
        self.request_seconds = request_seconds
        self.idle_seconds = idle_seconds
        self.closing = False
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, Handler)
        host, port = address[0], self.server_address[1]
        self.base_url = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def track(self, conn: socket.socket, *, add: bool) -> bool:
        """Add or remove a connection; False if it cannot be added (at the cap)."""
        with self.connections_lock:
            if not add:
                self.connections.discard(conn)
            elif len(self.connections) >= self.max_connections:
                return False
            else:
                self.connections.add(conn)
            return True

    def handle_error(self, request: object, client_address: object) -> None:
        # socketserver would print a traceback to stderr; keep a record instead.
        error = sys.exc_info()[1]
        if error is not None and not isinstance(error, OSError):
            self.state.record_internal_error(error)

    def close_connections(self) -> None:
        """Idle keep-alive connections would otherwise hold their threads until they time out."""
        self.closing = True
        with self.connections_lock:
            for conn in list(self.connections):
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)


def _check_host(host: str, allow_non_loopback: bool) -> None:
    if allow_non_loopback or host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise LoopbackError(
            "refusing to bind a non-loopback address (pass allow_non_loopback=True)"
        )


class BoxEmulator(Registry):
    """A strict Box auth emulator. See the package docstring for the endpoints."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        allow_non_loopback: bool = False,
        *,
        request_seconds: float = REQUEST_SECONDS,
        idle_seconds: float = IDLE_SECONDS,
        max_connections: int = MAX_CONNECTIONS,
    ) -> None:
        """``request_seconds`` bounds how long a client may take to send one request
        (408 after); ``idle_seconds`` how long a kept-alive connection may sit idle;
        beyond ``max_connections`` open at once a new connection gets 503."""
        _check_host(host, allow_non_loopback)
        super().__init__(State())
        self._host = host
        self._requested_port = port
        self._timeouts = (request_seconds, idle_seconds)
        self._max_connections = max_connections
        self._server: EmulatorServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------
    def start(self) -> BoxEmulator:
        if self._server is not None:
            raise RuntimeError("the emulator is already running")
        family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
        request_seconds, idle_seconds = self._timeouts
        self._server = EmulatorServer(
            (self._host, self._requested_port),
            self._state,
            family,
            request_seconds=request_seconds,
            idle_seconds=idle_seconds,
            max_connections=self._max_connections,
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"box-emulator-{self.port}",
            daemon=True,
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
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- addresses --------------------------------------------------------------------
    def _running(self) -> EmulatorServer:
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
    def open_connections(self) -> int:
        """Connections being served now (each has its thread)."""
        server = self._running()
        with server.connections_lock:
            return len(server.connections)

    @property
    def oauth_2_url(self) -> str:
        return f"{self.base_url}/api/oauth2"
