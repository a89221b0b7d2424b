"""``BoxHttpxAuth`` with ``httpx.AsyncClient`` and ``httpx.Client``.

Against the emulator: users/me; a 401 herd of 64 concurrent requests on a token
Box already expired (boxauth still thinks it fresh) makes exactly one renewal
and every request succeeds on its retry; the rule's other branches (a 401 a new
token cannot fix, a developer token, a body that cannot be sent twice); the
token never goes to another origin; a token that cannot be had raises.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from aio_support import oauth, run, signed_in
from boxauth.adapters.httpx_auth import BoxHttpxAuth
from hostile_servers import OK_ANSWER, RawServer, answer, forever, hostile
from support import authorize_redirect

import boxauth
from boxauth import BoxConfigError, BoxReauthRequiredError
from boxauth.aio import BoxDeveloperTokenAuth


def _me(box: Any) -> str:
    return f"{box.emu.base_url}/2.0/users/me"


def _expired_at_box(box: Any, urls: boxauth.BaseUrls) -> Any:
    """A signed-in aio OAuth whose token Box expired; boxauth (real clock) thinks it fresh."""
    auth = oauth(box, urls)
    run(signed_in(auth))
    box.emu.advance(3700)
    box.emu.reset_counters()
    return auth


def test_async_client_gets_users_me(box: Any, urls: boxauth.BaseUrls) -> None:
    auth = oauth(box, urls)

    async def main() -> httpx.Response:
        await signed_in(auth)
        async with httpx.AsyncClient(auth=BoxHttpxAuth(auth)) as http:
            return await http.get(_me(box))

    response = run(main())
    assert response.status_code == 200
    assert response.json()["id"] == box.fx.user_id


def test_a_401_herd_of_64_concurrent_requests_makes_one_renewal(
    box: Any, urls: boxauth.BaseUrls
) -> None:
    auth = _expired_at_box(box, urls)
    old = auth.token_storage.get()

    async def main() -> list[httpx.Response]:
        async with httpx.AsyncClient(auth=BoxHttpxAuth(auth)) as http:
            return await asyncio.gather(*(http.get(_me(box)) for _ in range(64)))

    responses = run(main())
    assert [r.status_code for r in responses] == [200] * 64
    assert box.emu.grant_counts["refresh_token"] == 1
    assert sum(n for key, n in box.emu.error_counts.items() if "invalid_grant" in key) == 0
    new = auth.token_storage.get()
    assert new.refresh_token != old.refresh_token
    assert box.emu.refresh_token_is_live(new.refresh_token)


def test_sync_client_with_a_sync_auth_object_renews_once_on_a_401(
    box: Any, urls: boxauth.BaseUrls
) -> None:
    sync = boxauth.BoxOAuth(boxauth.OAuthConfig(box.fx.client_id, box.fx.client_secret),
                            base_urls=urls)  # fmt: skip
    sync.get_tokens_from_redirect(authorize_redirect(sync.get_authorize_url()))
    box.emu.advance(3700)
    box.emu.reset_counters()
    with httpx.Client(auth=BoxHttpxAuth(sync)) as http:
        first = http.get(_me(box))
        second = http.get(_me(box))
    assert (first.status_code, second.status_code) == (200, 200)
    assert box.emu.grant_counts["refresh_token"] == 1
    assert box.emu.request_count("/2.0/users/me") == 3  # 401, retry, then the new token at once


def test_one_object_serves_both_clients_with_one_renewal(box: Any, urls: boxauth.BaseUrls) -> None:
    auth = _expired_at_box(box, urls)
    both = BoxHttpxAuth(auth)

    async def main() -> list[int]:
        async with httpx.AsyncClient(auth=both) as http:
            with httpx.Client(auth=both) as blocking:
                in_thread = asyncio.to_thread(lambda: blocking.get(_me(box)).status_code)
                answers = await asyncio.gather(in_thread, *(http.get(_me(box)) for _ in range(8)))
        return [a if isinstance(a, int) else a.status_code for a in answers]

    assert run(main()) == [200] * 9
    assert box.emu.grant_counts["refresh_token"] == 1


def test_a_401_a_new_token_cannot_fix_is_returned_without_a_renewal(
    box: Any, urls: boxauth.BaseUrls
) -> None:
    auth = oauth(box, urls)
    run(signed_in(auth))
    box.emu.reset_counters()
    refusal = b'{"type":"error","code":"unauthorized","message":"app not enabled"}'
    box.emu.inject_fault(path="/2.0/users/me", kind="status", status=401, body=refusal)

    async def main() -> httpx.Response:
        async with httpx.AsyncClient(auth=BoxHttpxAuth(auth)) as http:
            return await http.get(_me(box))

    response = run(main())
    assert response.status_code == 401
    assert box.emu.grant_counts["refresh_token"] == 0
    assert box.emu.request_count("/2.0/users/me") == 1


def test_a_developer_tokens_401_is_returned_as_it_is(box: Any, urls: boxauth.BaseUrls) -> None:
    auth = BoxDeveloperTokenAuth("not-a-live-token", base_urls=urls)

    async def main() -> httpx.Response:
        async with httpx.AsyncClient(auth=BoxHttpxAuth(auth)) as http:
            return await http.get(_me(box))

    assert run(main()).status_code == 401
    assert box.emu.request_count("/2.0/users/me") == 1


def test_a_body_that_cannot_be_sent_twice_is_not_resent(box: Any, urls: boxauth.BaseUrls) -> None:
    auth = _expired_at_box(box, urls)

    async def main() -> httpx.Response:
        async with httpx.AsyncClient(auth=BoxHttpxAuth(auth)) as http:
            # A multipart stream (the emulator serves GET only; a body is allowed).
            return await http.request("GET", _me(box), files={"file": b"contents"})

    response = run(main())
    assert response.status_code == 401  # the token was renewed; the stream is not replayed
    assert box.emu.grant_counts["refresh_token"] == 1
    assert box.emu.request_count("/2.0/users/me") == 1


def test_the_token_never_goes_to_another_origin(box: Any, urls: boxauth.BaseUrls) -> None:
    auth = oauth(box, urls)
    run(signed_in(auth))
    with RawServer(answer(OK_ANSWER)) as elsewhere:

        async def main() -> None:
            async with httpx.AsyncClient(auth=BoxHttpxAuth(auth)) as http:
                await http.get(f"{elsewhere.url}/2.0/users/me")

        with pytest.raises(BoxConfigError, match="base_url or upload_url"):
            run(main())
        with (
            httpx.Client(auth=BoxHttpxAuth(auth)) as http,
            pytest.raises(BoxConfigError),
        ):
            http.get(f"{elsewhere.url}/2.0/users/me")
        assert elsewhere.requests == []


def test_a_token_that_cannot_be_had_raises_the_typed_error(
    box: Any, urls: boxauth.BaseUrls
) -> None:
    auth = oauth(box, urls)  # nobody signed in

    async def main() -> None:
        async with httpx.AsyncClient(auth=BoxHttpxAuth(auth)) as http:
            await http.get(_me(box))

    with pytest.raises(BoxReauthRequiredError):
        run(main())
    assert box.emu.request_count("/2.0/users/me") == 0


def test_only_auth_objects_are_accepted() -> None:
    with pytest.raises(BoxConfigError):
        BoxHttpxAuth("a token")  # type: ignore[arg-type]


# -- A 401's body is read within bounds --------------------------------------------------

CHUNKED_401 = b"HTTP/1.1 401 Unauthorized\r\nTransfer-Encoding: chunked\r\n\r\n"


def _dev_auth(base: str) -> Any:
    urls = boxauth.BaseUrls(base_url=base, oauth_2_url=base + "/oauth2", upload_url=base)
    return boxauth.BoxDeveloperTokenAuth(token="D" * 32, deadline=1, base_urls=urls)


@pytest.mark.parametrize(
    ("first", "then", "every"),
    [
        # 3 MiB at once: reading stops past 64 KiB.
        (CHUNKED_401, lambda: forever(b"10000\r\n" + b"x" * 0x10000 + b"\r\n"), 0.0),
        # A byte every 0.05 s, without end: reading stops at the auth object's deadline.
        (CHUNKED_401, lambda: forever(b"1\r\nx\r\n"), 0.05),
    ],
    ids=["huge", "dripped"],
)
@pytest.mark.parametrize("client", ["sync", "async"])
def test_a_401_body_is_read_only_within_64_kib_and_the_deadline(
    first: bytes, then: Any, every: float, client: str
) -> None:
    """The core's 401 rule reads the body (is it blank?); a body past 64 KiB, or
    still arriving at the deadline, is left unread and the 401 returned closed,
    status and headers intact, and nothing is renewed."""
    with RawServer(hostile(first, then, every)) as server:
        auth = _dev_auth(server.url)
        url = server.url + "/2.0/users/me"
        if client == "sync":
            with (
                httpx.Client(auth=BoxHttpxAuth(auth), timeout=5) as http,
                http.stream("GET", url) as response,
            ):
                got = response.num_bytes_downloaded
        else:

            async def main() -> tuple[httpx.Response, int]:
                async with (
                    httpx.AsyncClient(auth=BoxHttpxAuth(auth), timeout=5) as http,
                    http.stream("GET", url) as response,
                ):
                    return response, response.num_bytes_downloaded

            response, got = run(main())
    assert response.status_code == 401
    assert response.is_closed
    assert got <= 64 * 1024 + 0x10000 + 16  # at most one chunk past the cap
    assert len(server.requests) == 1  # a 401 we did not read through is not resent


def test_a_short_401_body_is_read_whole_and_kept_for_the_caller() -> None:
    body = b'{"type": "error", "status": 401, "code": "unauthorized"}'
    head = b"HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\n"
    raw = head + b"Content-Length: %d\r\n\r\n" % len(body) + body
    with RawServer(answer(raw)) as server:
        auth = _dev_auth(server.url)
        with httpx.Client(auth=BoxHttpxAuth(auth), timeout=5) as http:
            response = http.get(server.url + "/2.0/users/me")
    assert response.status_code == 401
    assert response.content == body
