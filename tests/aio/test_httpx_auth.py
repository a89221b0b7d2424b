"""``BoxHttpxAuth`` with ``httpx.AsyncClient`` and ``httpx.Client``.

Against the emulator: users/me; a 401 herd of 64 concurrent requests on a token
Box already expired (boxauth still thinks it fresh) makes exactly one renewal
and every request succeeds on its retry; the rule's other branches (a 401 a new
token cannot fix, a developer token, a body that cannot be sent twice); the
token never goes to another origin; a token that cannot be had raises.
"""

from __future__ import annotations

import asyncio
import gzip
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


# -- A 401's body is never read; a 401 for a request without the token is not ours --------

CHUNKED_401 = b"HTTP/1.1 401 Unauthorized\r\nTransfer-Encoding: chunked\r\n"
INVALID_TOKEN = b'WWW-Authenticate: Bearer realm="Service", error="invalid_token"\r\n'
ENDLESS = (lambda: forever(b"10000\r\n" + b"x" * 0x10000 + b"\r\n"), 0.0)
DRIPPED = (lambda: forever(b"1\r\nx\r\n"), 0.05)
# A gzip bomb: gzip of gzip of 256 MiB of zeros is a few hundred bytes on the wire.
BOMB = gzip.compress(gzip.compress(b"\0" * (256 << 20)))


def _api_urls(base: str, box: Any) -> boxauth.BaseUrls:
    """Tokens from the emulator (base_url); the hostile server is the upload origin,
    one of the two a token may go to."""
    return boxauth.BaseUrls(
        base_url=box.emu.base_url, oauth_2_url=box.emu.oauth_2_url, upload_url=base
    )


def _ccg(box: Any, base: str) -> Any:
    return boxauth.BoxCCGAuth(
        boxauth.CCGConfig(
            box.fx.client_id, box.fx.client_secret, enterprise_id=box.fx.enterprise_id
        ),
        base_urls=_api_urls(base, box),
        deadline=5,
    )


def _stream(auth: Any, url: str, client: str) -> tuple[httpx.Response, int]:
    """GET ``url`` with ``client.stream``: the response as the auth hands it back,
    and how many body bytes had been read by then."""
    if client == "sync":
        with (
            httpx.Client(auth=BoxHttpxAuth(auth), timeout=5) as http,
            http.stream("GET", url) as response,
        ):
            return response, response.num_bytes_downloaded

    async def main() -> tuple[httpx.Response, int]:
        async with (
            httpx.AsyncClient(auth=BoxHttpxAuth(auth), timeout=5) as http,
            http.stream("GET", url) as response,
        ):
            return response, response.num_bytes_downloaded

    return run(main())


@pytest.mark.parametrize(
    "script",
    [
        hostile(CHUNKED_401 + b"\r\n", *ENDLESS),
        hostile(CHUNKED_401 + b"\r\n", *DRIPPED),
        answer(
            b"HTTP/1.1 401 Unauthorized\r\nContent-Encoding: gzip, gzip\r\n"
            + b"Content-Length: %d\r\n\r\n" % len(BOMB)
            + BOMB
        ),
    ],
    ids=["endless", "dripped", "gzip bomb"],
)
@pytest.mark.parametrize("client", ["sync", "async"])
def test_a_401_the_rule_cannot_fix_is_returned_at_once_unread(
    box: Any, script: Any, client: str
) -> None:
    """Without ``invalid_token`` and without a declared empty body, a 401 is not
    renewed for, and its body is not read: the caller gets it at once."""
    with RawServer(script) as server:
        auth = _ccg(box, server.url)
        box.emu.reset_counters()
        response, read = _stream(auth, server.url + "/2.0/users/me", client)
    assert response.status_code == 401
    assert read == 0
    assert len(server.requests) == 1
    assert box.emu.grant_counts["client_credentials"] == 1  # the first token only


@pytest.mark.parametrize("client", ["sync", "async"])
def test_a_renewed_for_401_has_its_body_dropped_unread(box: Any, client: str) -> None:
    """Box's 401 (``invalid_token``) with a body without end: one renewal, one
    retry, and the 401's body is never read (httpx reads each response it keeps
    in ``history``; the auth empties it first)."""

    def script(conn: Any, server: RawServer) -> None:
        if server.connections == 1:
            hostile(CHUNKED_401 + INVALID_TOKEN + b"\r\n", *ENDLESS)(conn, server)
        else:
            answer(OK_ANSWER)(conn, server)

    with RawServer(script) as server:
        auth = _ccg(box, server.url)
        box.emu.reset_counters()
        response, _read = _stream(auth, server.url + "/2.0/users/me", client)
    assert response.status_code == 200
    assert [r.status_code for r in response.history] == [401]
    assert response.history[0].num_bytes_downloaded == 0
    assert box.emu.grant_counts["client_credentials"] == 2  # the first token, one renewal


def test_a_401_after_a_redirect_to_another_origin_renews_nothing(box: Any) -> None:
    """httpx drops the Authorization header on a redirect to another origin; that
    origin's 401 says nothing about our token: no renewal, returned as it is."""
    # Connection: close on both answers: each script serves one request per
    # connection, so httpx must not send the next one on a connection it kept.
    closing = CHUNKED_401 + b"Connection: close\r\n" + INVALID_TOKEN + b"\r\n0\r\n\r\n"
    with RawServer(answer(closing)) as other:
        moved = (
            b"HTTP/1.1 302 Found\r\nLocation: %s/x\r\nContent-Length: 0\r\n"
            b"Connection: close\r\n\r\n"
        )
        with RawServer(answer(moved % other.url.encode())) as server:
            auth = _ccg(box, server.url)
            box.emu.reset_counters()
            with httpx.Client(auth=BoxHttpxAuth(auth), follow_redirects=True, timeout=5) as http:
                responses = [http.get(server.url + "/2.0/users/me") for _ in range(3)]
    assert [r.status_code for r in responses] == [401, 401, 401]
    assert box.emu.grant_counts["client_credentials"] == 1  # the first token only
    assert all(b"authorization" not in r.lower() for r in other.requests)
