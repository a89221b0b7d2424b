"""The hostile-server shapes of tests/test_transport_deadline.py
(endless trailers, dripped chunk size, ``100 Continue`` flood, dripped headers,
dripped status line) are bounded by the deadline in the async shell too: the
caller that started the renewal and a caller waiting on it each get a failure
within the deadline (+1 s for a loaded machine), the server sees the socket
closed, and the loop keeps turning meanwhile. The same for an API call of the
aio ``BoxClient``.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from aio_support import Heartbeat, run
from hostile_servers import SHAPES, RawServer
from returns.result import Failure

from boxauth import BaseUrls, CCGConfig, TransportSettings, Urllib3Transport, aio

DEADLINE = 2.0
SLACK = 1.0


async def _timed(call: Any) -> tuple[Any, float]:
    started = time.monotonic()
    result = await call
    return result, time.monotonic() - started


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_each_hostile_shape_ends_at_the_deadline_for_the_initiator_and_a_waiter(
    shape: str,
) -> None:
    script, _ = SHAPES[shape]
    with RawServer(script) as server:
        auth = aio.BoxCCGAuth(
            CCGConfig("client-id", "client-s3cr3t", enterprise_id="1"),
            base_urls=BaseUrls(base_url=server.url, oauth_2_url=server.url),
            transport=Urllib3Transport(TransportSettings(deadline=DEADLINE)),
        )

        async def scenario() -> tuple[list[tuple[Any, float]], Heartbeat]:
            async with Heartbeat() as beat:
                first = asyncio.ensure_future(_timed(auth.retrieve_token_result()))
                await asyncio.sleep(0.3)  # the grant is on the wire by now
                second = asyncio.ensure_future(_timed(auth.retrieve_token_result()))
                timed = await asyncio.gather(first, second)
            return list(timed), beat

        timed, beat = run(scenario())
        print(f"{shape}: initiator {timed[0][1]:.2f} s, waiter {timed[1][1]:.2f} s")
        for result, took in timed:
            assert isinstance(result, Failure), result
            assert took <= DEADLINE + SLACK, took
        assert beat.worst < 0.5  # the loop turned all along
        assert server.closed.wait(1.0)


def test_an_api_call_to_a_hostile_server_ends_at_the_deadline() -> None:
    script, _ = SHAPES["dripped headers"]
    with RawServer(script) as server:
        auth = aio.BoxDeveloperTokenAuth(
            "developer-token",
            base_urls=BaseUrls(base_url=server.url, oauth_2_url=server.url),
            transport=Urllib3Transport(TransportSettings(deadline=DEADLINE)),
        )
        result, took = run(_timed(aio.BoxClient(auth).request_result("GET", "users/me")))
        assert isinstance(result, Failure), result
        assert took <= DEADLINE + SLACK, took
        assert server.closed.wait(1.0)
