"""Helpers for the fleet tests: start worker processes, talk to them in JSON lines."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from support import authorize_redirect

from boxauth import BaseUrls, BoxOAuth, OAuthConfig, RedisTokenStorage

WORKER = Path(__file__).with_name("fleet_worker.py")


class Worker:
    """One process; ``ask`` sends a command and waits for its one-line answer."""

    def __init__(self, setup_file: Path, hold: str = "", script: Path = WORKER) -> None:
        args = [sys.executable, str(script), str(setup_file)] + ([hold] if hold else [])
        self.proc = subprocess.Popen(
            args,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=str(setup_file.parent),
        )
        self._buffer = b""

    def send(self, command: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write((json.dumps(command) + "\n").encode())
        self.proc.stdin.flush()

    def line(self, timeout: float = 60.0) -> dict[str, Any]:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            assert left > 0, f"worker {self.proc.pid} did not answer: {self.stderr()}"
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                chunk = os.read(fd, 65536)
                assert chunk, f"worker {self.proc.pid} exited: {self.stderr()}"
                self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        answer: dict[str, Any] = json.loads(line)
        return answer

    def ask(self, command: dict[str, Any], timeout: float = 60.0) -> dict[str, Any]:
        self.send(command)
        return self.line(timeout)

    def signal(self, sig: int) -> None:
        self.proc.send_signal(sig)

    def stderr(self) -> str:
        if self.proc.poll() is None or self.proc.stderr is None:
            return "(still running)"
        return self.proc.stderr.read().decode(errors="replace")[-3000:]

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.kill()
        self.proc.wait(30)
        for pipe in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()


class Fleet:
    """The emulator, a shared setup file, and the workers of one test."""

    def __init__(self, box: Any, urls: BaseUrls, redis_url: str, directory: Path, **setup: Any):
        self.box = box
        self.urls = urls
        self.redis_url = redis_url
        self.directory = directory
        self.offset_file = directory / "offset"
        self.offset_file.write_text("0")
        tag = directory.name[-12:]
        self.setup = {
            "redis_url": redis_url,
            "base_url": urls.base_url,
            "oauth_2_url": urls.oauth_2_url,
            "client_id": box.fx.client_id,
            "client_secret": box.fx.client_secret,
            "config_json": box.fx.config_json,
            "user_id": box.fx.user_id,
            "oauth_key": f"oauth-{tag}",
            "jwt_key": f"jwt-{tag}",
            "ccg_key": f"ccg-{tag}",
            "offset_file": str(self.offset_file),
            **setup,
        }
        self.setup_file = directory / "setup.json"
        self.setup_file.write_text(json.dumps(self.setup))
        self.workers: list[Worker] = []

    def start(self, count: int, hold: str = "", script: Path = WORKER) -> list[Worker]:
        made = [Worker(self.setup_file, hold, script) for _ in range(count)]
        self.workers += made
        return made

    def advance(self, seconds: float) -> None:
        """Move the emulator's clock and every worker's with it (workers follow in 10 ms)."""
        self.box.emu.advance(seconds)
        staging = self.directory / "offset.tmp"
        staging.write_text(repr(self.box.emu.now() - time.time()))
        staging.replace(self.offset_file)
        time.sleep(0.1)

    def storage(self, name: str, **options: Any) -> RedisTokenStorage:
        keys = self.setup.get("encryption_key")
        if keys:
            options.setdefault("encryption_keys", [bytes.fromhex(keys)])
        return RedisTokenStorage.from_url(self.redis_url, name, **options)

    def oauth(self, storage: RedisTokenStorage, **shell: Any) -> BoxOAuth:
        config = OAuthConfig(
            self.box.fx.client_id, self.box.fx.client_secret, token_storage=storage
        )
        return BoxOAuth(config, base_urls=self.urls, **shell)

    def sign_in(self, auth: BoxOAuth) -> Any:
        return auth.get_tokens_from_redirect(authorize_redirect(auth.get_authorize_url()))

    def close(self) -> None:
        for worker in self.workers:
            worker.close()


def invalid_grants(box: Any) -> int:
    return sum(n for (error, _), n in box.emu.error_counts.items() if error == "invalid_grant")
