"""A real ``redis-server`` for the Redis tests: started on a free loopback port
in a temporary directory (append-only file on, fsync on every write), stopped
afterwards.

Where ``redis-server`` is missing it is installed with ``.ci/redis-setup``
when running as root (as CI does); otherwise every Redis test is skipped with
one line saying why. With ``BOXAUTH_REQUIRE_REDIS=1`` a missing server fails
the tests instead.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _missing(why: str) -> None:
    if os.environ.get("BOXAUTH_REQUIRE_REDIS") == "1":
        pytest.fail(f"BOXAUTH_REQUIRE_REDIS=1 and {why}", pytrace=False)
    pytest.skip(f"Redis tests skipped: {why}")


def _server_binary() -> str | None:
    found = shutil.which("redis-server")
    if found is None and os.geteuid() == 0:
        setup = ROOT / ".ci" / "redis-setup"
        subprocess.run([shutil.which("bash") or "/bin/bash", str(setup)], check=False, timeout=600)
        found = shutil.which("redis-server")
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """One redis-server process: start, SIGKILL and restart on the same data, freeze."""

    def __init__(self, binary: str, directory: Path) -> None:
        self.binary = binary
        self.directory = directory
        self.port = _free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        args = [
            self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
            "--dir", str(self.directory), "--appendonly", "yes", "--appendfsync", "always",
            "--save", "", "--daemonize", "no", "--logfile", str(self.directory / "redis.log"),
        ]  # fmt: skip
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while not self.ping():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                log = (self.directory / "redis.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"redis-server did not start:\n{log}")
            time.sleep(0.02)

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        """SIGKILL: what was acknowledged is in the append-only file (fsync always)."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def freeze(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def client(self, **options: Any) -> Any:
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5, **options)


@pytest.fixture(scope="session")
def redis_binary() -> str:
    try:
        import redis  # noqa: F401
    except ImportError:
        _missing("the redis package (redis-py) is not installed")
    found = _server_binary()
    if found is None:
        _missing("redis-server is not installed and this is not root, so it cannot be installed")
    assert found is not None
    return found


@pytest.fixture(scope="session")
def redis_server(
    redis_binary: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RedisServer]:
    server = RedisServer(redis_binary, tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The shared server, emptied: each test starts from no keys."""
    with redis_server.client() as client:
        client.flushall()
    return redis_server.url


@pytest.fixture
def own_redis(redis_binary: str, tmp_path: Path) -> Iterator[RedisServer]:
    """A server of this test's own, to kill, restart or freeze."""
    directory = tmp_path / "redis-data"
    directory.mkdir()
    server = RedisServer(redis_binary, directory)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def key() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def storages() -> Iterator[list[Any]]:
    """Storages a test makes; their subscription threads are stopped afterwards."""
    made: list[Any] = []
    yield made
    for storage in made:
        storage.close()
