"""Helpers for the box_sdk_gen bridge tests (tests/test_box_sdk_gen_bridge.py).

box_sdk_gen's own ``BoxClient`` is pointed at the emulator with a
``NetworkSession`` whose requests.Session can record what each API request
carried and hold a herd at a gate; boxauth's token requests are recorded by a
transport that keeps their header names.
"""

from __future__ import annotations

import threading
import urllib.parse
import urllib.request
from typing import Any

import requests
from box_sdk_gen import BaseUrls as GenBaseUrls
from box_sdk_gen import BoxNetworkClient, BoxRetryStrategy, NetworkSession
from requests.adapters import HTTPAdapter
from support import authorize_redirect

from boxauth import (
    BaseUrls,
    BoxCCGAuth,
    BoxDeveloperTokenAuth,
    BoxJWTAuth,
    BoxOAuth,
    CCGConfig,
    JWTConfig,
    OAuthConfig,
    Urllib3Transport,
)
from boxauth.wire import HttpRequest

THREADS = 64
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
KINDS = ("developer", "jwt", "ccg", "oauth")


class Gate:
    """Holds each thread at its first 401 until ``parties`` threads have one.

    Then every thread of the herd has sent the same rejected token before any
    of them asks for a new one: the worst case for single flight.
    """

    def __init__(self, parties: int) -> None:
        self.barrier = threading.Barrier(parties, timeout=60)
        self._seen = threading.local()
        self._lock = threading.Lock()
        self.rejected = 0

    def __call__(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        if response.status_code != 401 or getattr(self._seen, "done", False):
            return
        self._seen.done = True
        with self._lock:
            self.rejected += 1
        self.barrier.wait()


class ApiRecorder:
    """What every API request box_sdk_gen sent carried (header names lower-cased)."""

    def __init__(self) -> None:
        self.headers: list[dict[str, str]] = []
        self._lock = threading.Lock()

    def __call__(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        sent = {k.lower(): v for k, v in response.request.headers.items()}
        with self._lock:
            self.headers.append(sent)


def session(emu: Any, *hooks: Any, **kwargs: Any) -> NetworkSession:
    """box_sdk_gen's NetworkSession for the emulator: a pool for 64 threads, a
    2 ms retry wait (box_sdk_gen's default waits 1-3 s after a 401), ``hooks``
    called on every API response."""
    http = requests.Session()
    http.mount("http://", HTTPAdapter(pool_connections=4, pool_maxsize=THREADS))
    http.hooks["response"] = list(hooks)
    urls = GenBaseUrls(base_url=emu.base_url, oauth_2_url=emu.oauth_2_url)
    return NetworkSession(
        network_client=BoxNetworkClient(requests_session=http),
        retry_strategy=BoxRetryStrategy(retry_base_interval=0.001),
        base_urls=urls,
        **kwargs,
    )


class RecordingTransport(Urllib3Transport):
    """boxauth's real transport, keeping the header names of each token request."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, frozenset[str]]] = []

    def send(self, request: HttpRequest, *, timeout: float) -> Any:
        self.sent.append((request.url, frozenset(name.lower() for name, _ in request.headers)))
        return super().send(request, timeout=timeout)


def make_auth(kind: str, box: Any, urls: BaseUrls | None, **shell: Any) -> Any:
    """An auth object of ``kind`` acting as the fixture's managed user (Ada)."""
    fx, emu = box.fx, box.emu
    if urls is not None:
        shell["base_urls"] = urls
    if kind == "developer":
        token = emu.add_developer_token(fx.user_id, client_id=fx.client_id)
        return BoxDeveloperTokenAuth(token=token, **shell)
    if kind == "jwt":
        config = JWTConfig.from_config_json_string(fx.config_json)
        return BoxJWTAuth(config, **shell).with_user_subject(fx.user_id)
    if kind == "ccg":
        return BoxCCGAuth(CCGConfig(fx.client_id, fx.client_secret, user_id=fx.user_id), **shell)
    auth = BoxOAuth(OAuthConfig(fx.client_id, fx.client_secret), **shell)
    auth.get_tokens_from_redirect(authorize_redirect(auth.get_authorize_url()))
    return auth


def revoke_at_box(emu: Any, fx: Any, token: str) -> None:
    """Revoke ``token`` through the emulator's revoke endpoint, as another process would."""
    form = {"client_id": fx.client_id, "client_secret": fx.client_secret, "token": token}
    request = urllib.request.Request(
        emu.base_url + "/oauth2/revoke", data=urllib.parse.urlencode(form).encode()
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 200


def herd(call: Any, threads: int = THREADS) -> list[Any]:
    """``call()`` once in each of ``threads`` threads released together; results or exceptions."""
    start = threading.Barrier(threads)
    results: list[Any] = []
    lock = threading.Lock()

    def worker() -> None:
        start.wait()
        try:
            value: Any = call()
        except Exception as exc:
            value = exc
        with lock:
            results.append(value)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=120)
    return results
