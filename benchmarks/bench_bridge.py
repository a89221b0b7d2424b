"""Case 5: a 401 herd through box_sdk_gen's own BoxClient, bridge vs box_sdk_gen's auth.

Both sides run box_sdk_gen's ``BoxClient`` with the same ``NetworkSession``
settings; only the auth differs:
- boxauth: ``BoxSDKGenAuth(auth)`` over ``BoxJWTAuth`` / ``BoxOAuth``;
- box_sdk_gen: its own ``BoxJWTAuth`` / ``BoxOAuth``.

Each round: a new auth object gets its token (one ``users/me`` call), then
that token is made to fail at Box: a JWT token is revoked through
``/oauth2/revoke``; for OAuth the emulator's clock moves 3700 s forward
(the access token is expired at Box, its refresh token still live). Then 64
threads call ``client.users.get_user_me()`` together. A gate in the session's
requests hooks holds each thread at its first 401 until all 64 have one, so
every thread sent the failed token before any renewal: the worst case, the
same for both sides. box_sdk_gen then calls ``auth.refresh_token()`` and
retries; its wait before the retry (1-3 s by default) is set to about 2 ms
on both sides, so the wall time is the auth's, not the backoff's.

Counted at the emulator: grants of the renewal's type (JWT bearer or
refresh_token) and invalid_grant errors. Timed: from the 64 threads' release
to the last one done. The emulator's clock is put back to 0
before each round (a JWT's 'exp' is checked against it) and restored after.
"""

from __future__ import annotations

import threading
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

from bench_herd import invalid_grants, stampede
from bench_sides import (
    BoxauthSide,
    SdkSide,
    quiet_urllib3,
    sdk_available,
    sdk_jwt_available,
)
from bench_stats import NOT_INSTALLED, paired, summary

THREADS = 64
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
RENEWAL = {"jwt": JWT_GRANT, "oauth": "refresh_token"}
SIDES = ("boxauth", "box_sdk_gen")


class _Gate:
    """Holds each thread at its first 401 until every thread of the herd has one."""

    def __init__(self, parties: int) -> None:
        self.barrier = threading.Barrier(parties, timeout=60)
        self.seen = threading.local()

    def __call__(self, response: Any, *args: Any, **kwargs: Any) -> None:
        if response.status_code == 401 and not getattr(self.seen, "done", False):
            self.seen.done = True
            self.barrier.wait()


def _session(emu: Any, gate: _Gate) -> Any:
    import requests
    from box_sdk_gen import BaseUrls, BoxNetworkClient, BoxRetryStrategy, NetworkSession
    from requests.adapters import HTTPAdapter

    http = requests.Session()
    http.mount("http://", HTTPAdapter(pool_connections=4, pool_maxsize=THREADS))
    http.hooks["response"] = [gate]
    return NetworkSession(
        network_client=BoxNetworkClient(requests_session=http),
        retry_strategy=BoxRetryStrategy(retry_base_interval=0.001),
        base_urls=BaseUrls(base_url=emu.base_url, oauth_2_url=emu.oauth_2_url),
    )


def _revoke(emu: Any, fx: Any, token: str) -> None:
    form = {"client_id": fx.client_id, "client_secret": fx.client_secret, "token": token}
    request = urllib.request.Request(
        emu.base_url + "/oauth2/revoke", data=urllib.parse.urlencode(form).encode()
    )
    urllib.request.urlopen(request, timeout=10).close()


def _auth(side: str, case: str, emu: Any, fx: Any) -> tuple[Any, Callable[[], str]]:
    """The client's auth, and how to read the token it holds."""
    if side == "boxauth":
        from boxauth.adapters.box_sdk_gen_bridge import BoxSDKGenAuth

        ours = BoxauthSide(emu, fx)
        auth = ours.jwt() if case == "jwt" else ours.signed_in_oauth()
        return BoxSDKGenAuth(auth), lambda: str(auth.token_storage.get().access_token)
    sdk = SdkSide(emu, fx)
    theirs = sdk.jwt() if case == "jwt" else sdk.signed_in_oauth()
    return theirs, lambda: str(theirs.token_storage.get().access_token)


def _round(side: str, case: str, emu: Any, fx: Any) -> dict[str, Any]:
    from box_sdk_gen import BoxClient

    emu.clock_offset = 0.0
    gate = _Gate(THREADS)
    auth, held = _auth(side, case, emu, fx)
    client = BoxClient(auth=auth, network_session=_session(emu, gate))
    client.users.get_user_me()
    if case == "jwt":
        _revoke(emu, fx, held())
    else:
        emu.advance(3700)
    emu.reset_counters()
    wall, tally = stampede(client.users.get_user_me, THREADS)
    grants = dict(emu.grant_counts)
    return {
        "wall_s": wall,
        "threads": tally,
        "renewals": int(grants.get(RENEWAL[case], 0)),
        "token_requests": int(sum(grants.values())),
        "invalid_grant": invalid_grants(emu.error_counts),
    }


def _aggregate(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    keys = ("wall_s", "renewals", "token_requests", "invalid_grant")
    return {**{k: summary([r[k] for r in rounds]) for k in keys}, "rounds": rounds}


def run(emu: Any, fx: Any, rounds: int) -> dict[str, Any]:
    """Raw results: per case ("jwt", "oauth") and side, the rounds and their summaries."""
    quiet_urllib3()
    if not sdk_available():
        return {case: dict.fromkeys(SIDES, NOT_INSTALLED) for case in RENEWAL}
    offset = emu.clock_offset
    out: dict[str, Any] = {"threads": THREADS}
    try:
        for case in RENEWAL:
            sides = [s for s in SIDES if case != "jwt" or s == "boxauth" or sdk_jwt_available()]
            results: dict[str, list[dict[str, Any]]] = {s: [] for s in sides}
            for i in range(rounds):
                for side in sides if i % 2 == 0 else list(reversed(sides)):
                    results[side].append(_round(side, case, emu, fx))
            out[case] = {s: _aggregate(results[s]) if s in results else NOT_INSTALLED for s in SIDES}
            if len(results) == 2:
                out[case]["wall_ratio_per_round"] = paired(
                    [r["wall_s"] for r in results["boxauth"]],
                    [r["wall_s"] for r in results["box_sdk_gen"]],
                )
    finally:
        emu.clock_offset = offset
    return out


def measure(cfg: dict[str, Any], emu: Any, fx: Any) -> dict[str, Any]:
    """run.py's measure signature; as many rounds as the herd case."""
    return run(emu, fx, cfg["herd_rounds"])


NOTE = (
    "boxauth: BoxSDKGenAuth over its auth; box_sdk_gen: its own auth; both through "
    "box_sdk_gen's BoxClient, every thread's first attempt answered 401 before any "
    "renewal, retry wait after the 401 set to ~2 ms on both sides"
)


def rows(
    res: dict[str, Any], compare: Callable[..., Any], count_row: Callable[..., Any], wall: Any
) -> list[dict[str, Any]]:
    """README's rows, built with run.py's ``compare`` and ``count_row`` and its wall-time figure."""
    jwt, oauth = res["jwt"], res["oauth"]
    label = f"box_sdk_gen's BoxClient, {THREADS} threads"
    return [
        count_row("bridge_jwt_grants", f"{label}, JWT token revoked at Box: grants",
                  jwt["boxauth"], jwt["box_sdk_gen"], "renewals", 1, note=NOTE),
        compare("bridge_jwt_wall", "box_sdk_gen's BoxClient, JWT: wall time", jwt["boxauth"],
                jwt["box_sdk_gen"], wall, jwt.get("wall_ratio_per_round")),
        count_row("bridge_oauth_refreshes",
                  f"{label}, OAuth access token expired at Box: refreshes",
                  oauth["boxauth"], oauth["box_sdk_gen"], "renewals", 1),
        count_row("bridge_oauth_invalid_grant", "box_sdk_gen's BoxClient, OAuth: invalid_grant "
                  "failures", oauth["boxauth"], oauth["box_sdk_gen"], "invalid_grant", 0),
        compare("bridge_oauth_wall", "box_sdk_gen's BoxClient, OAuth: wall time",
                oauth["boxauth"], oauth["box_sdk_gen"], wall, oauth.get("wall_ratio_per_round")),
    ]  # fmt: skip
