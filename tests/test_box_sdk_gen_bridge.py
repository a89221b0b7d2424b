"""box_sdk_gen's own BoxClient on boxauth auth objects, through ``BoxSDKGenAuth``
(README "box_sdk_gen's full client (the bridge)").

Every test drives box_sdk_gen's real ``BoxClient`` (its managers, network
client and retry strategy) against the emulator on 127.0.0.1.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import threading
import traceback
from pathlib import Path
from typing import Any

import box_sdk_gen
import pytest
from box_sdk_gen import BoxAPIError as GenBoxAPIError
from box_sdk_gen import BoxClient, ProxyConfig
from box_sdk_gen import BoxSDKError as GenBoxSDKError
from box_sdk_gen.internal.logging import DataSanitizer
from boxauth.adapters.box_sdk_gen_bridge import BoxSDKGenAuth, BridgedAccessToken
from bridge_support import (
    JWT_GRANT,
    KINDS,
    THREADS,
    ApiRecorder,
    Gate,
    RecordingTransport,
    herd,
    make_auth,
    revoke_at_box,
    session,
)

import boxauth
from boxauth import (
    AccessToken,
    BaseUrls,
    BoxCCGAuth,
    BoxDeveloperTokenAuth,
    CCGConfig,
    Effects,
    TokenStorage,
)
from boxauth.errors import StorageFailure, StorageFailureKind
from boxauth.exceptions import BoxStorageError

ROOT = Path(__file__).resolve().parent.parent
RENEWAL = {"jwt": JWT_GRANT, "ccg": "client_credentials", "oauth": "refresh_token"}


def client_for(auth: Any, emu: Any, *hooks: Any, **kwargs: Any) -> BoxClient:
    return BoxClient(auth=BoxSDKGenAuth(auth), network_session=session(emu, *hooks, **kwargs))


def renderings(exc: BaseException) -> str:
    """Every way an exception is shown: str, repr, traceback (causes too), attributes, infos."""
    parts = [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
    for err in (exc, exc.__cause__, exc.__context__):
        if err is not None:
            parts += [repr(vars(err)), str(err), repr(err)]
    for name in ("request_info", "response_info"):
        info = getattr(exc, name, None)
        if info is not None:
            parts += [info.print(DataSanitizer()), repr(vars(info))]
    return "\n".join(parts)


# -- the Box API through box_sdk_gen's client -------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_users_me_and_folder_items_work_for_every_auth_kind(
    box: Any, urls: BaseUrls, kind: str
) -> None:
    auth = make_auth(kind, box, urls)
    client = client_for(auth, box.emu)
    me = client.users.get_user_me()
    assert (me.id, me.name) == (box.fx.user_id, "Ada Lovelace")
    listing = client.folders.get_folder_items("0")
    assert {(e.id, e.name) for e in listing.entries or []} == {
        (box.fx.folder_id, box.fx.folder_name),
        (box.fx.file_id, box.fx.file_name),
    }
    token = client.auth.retrieve_token()
    assert isinstance(token, box_sdk_gen.AccessToken)
    assert token.access_token == auth.token_storage.get().access_token
    assert token.access_token not in repr(token) and token.access_token not in str(token)
    assert token.to_dict()["access_token"] == token.access_token  # storages need it


def test_with_as_user_header_goes_on_api_calls_and_never_on_token_requests(
    box: Any, urls: BaseUrls
) -> None:
    transport = RecordingTransport()
    config = CCGConfig(box.fx.client_id, box.fx.client_secret, enterprise_id=box.fx.enterprise_id)
    api = ApiRecorder()
    client = client_for(BoxCCGAuth(config, base_urls=urls, transport=transport), box.emu, api)
    as_ada = client.with_as_user_header(box.fx.user_id)
    as_ada.users.get_user_me()
    client.users.get_user_me()
    assert [h.get("as-user") for h in api.headers] == [box.fx.user_id, None]
    assert len({h["authorization"] for h in api.headers}) == 1  # one token for both clients
    assert [url for url, _ in transport.sent] == [f"{urls.base_url}/oauth2/token"]
    assert "as-user" not in transport.sent[0][1]
    assert box.emu.grant_counts["client_credentials"] == 1


# -- single flight -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["jwt", "ccg", "oauth"])
def test_a_401_herd_of_64_threads_makes_exactly_one_grant_or_refresh(
    box: Any, urls: BaseUrls, kind: str
) -> None:
    auth = make_auth(kind, box, urls)
    gate = Gate(THREADS)
    client = client_for(auth, box.emu, gate)
    first = auth.retrieve_token()
    if kind == "oauth":
        box.emu.advance(3700)  # expired at Box, still valid by our clock; refresh token live
    else:
        revoke_at_box(box.emu, box.fx, first.access_token)
    box.emu.reset_counters()
    results = herd(client.users.get_user_me)
    failed = [r for r in results if isinstance(r, Exception)]
    assert not failed, failed[:1]
    assert len(results) == THREADS and {r.id for r in results} == {box.fx.user_id}
    assert gate.rejected == THREADS  # every thread sent the rejected token and got 401
    assert box.emu.grant_counts[RENEWAL[kind]] == 1
    assert sum(box.emu.grant_counts.values()) == 1
    assert not [k for k in box.emu.error_counts if "invalid_grant" in k]
    assert auth.token_storage.get().access_token != first.access_token


def test_a_thread_renews_only_the_token_it_was_last_handed(box: Any, urls: BaseUrls) -> None:
    bridge = BoxSDKGenAuth(make_auth("ccg", box, urls))
    first = bridge.retrieve_authorization_header()
    renewed: list[str | None] = []

    def other_thread() -> None:
        assert bridge.retrieve_authorization_header() == first
        renewed.append(bridge.refresh_token().access_token)

    box.emu.reset_counters()
    worker = threading.Thread(target=other_thread)
    worker.start()
    worker.join()
    assert box.emu.grant_counts["client_credentials"] == 1
    # This thread was handed the first token too: the other thread already replaced it.
    assert bridge.refresh_token().access_token == renewed[0]
    assert box.emu.grant_counts["client_credentials"] == 1
    # Now this thread holds the renewed token: refreshing it renews.
    third = bridge.refresh_token().access_token
    assert third != renewed[0]
    assert box.emu.grant_counts["client_credentials"] == 2
    # A thread never handed a token renews unconditionally, as box_sdk_gen does.
    fresh = threading.Thread(target=lambda: renewed.append(bridge.refresh_token().access_token))
    fresh.start()
    fresh.join()
    assert renewed[-1] not in (renewed[0], third)
    assert box.emu.grant_counts["client_credentials"] == 3


# -- downscope, revoke, base URLs ----------------------------------------------------------


def test_downscope_and_revoke_through_the_client(box: Any, urls: BaseUrls) -> None:
    auth = make_auth("oauth", box, urls)
    client = client_for(auth, box.emu)
    parent = auth.token_storage.get()
    folder = f"{urls.base_url}/2.0/folders/{box.fx.folder_id}"
    child = client.auth.downscope_token(["item_read"], resource=folder)
    assert isinstance(child, box_sdk_gen.AccessToken)
    assert child.refresh_token is None and child.access_token != parent.access_token
    assert [(r.scope, r.object.type, r.object.id) for r in child.restricted_to or []] == [
        ("item_read", "folder", box.fx.folder_id)
    ]
    assert child.access_token not in repr(child)
    assert auth.token_storage.get() == parent  # a downscoped token is never stored
    narrow = client_for(BoxDeveloperTokenAuth(token=child.access_token, base_urls=urls), box.emu)
    assert narrow.folders.get_folder_items(box.fx.folder_id).total_count == 0
    with pytest.raises(GenBoxAPIError) as refused:
        narrow.folders.get_folder_items("0")
    assert refused.value.response_info.status_code == 403

    client.auth.revoke_token()
    assert box.emu.token_info(parent.access_token).revoked
    assert not box.emu.refresh_token_is_live(parent.refresh_token)
    assert auth.token_storage.get() is None
    with pytest.raises(GenBoxSDKError) as caught:
        client.users.get_user_me()
    assert isinstance(caught.value.__cause__, boxauth.BoxReauthRequiredError)


def test_revoke_through_the_client_then_the_next_call_fetches(box: Any, urls: BaseUrls) -> None:
    auth = make_auth("jwt", box, urls)
    client = client_for(auth, box.emu)
    client.users.get_user_me()
    revoked = auth.token_storage.get().access_token
    client.auth.revoke_token()
    assert box.emu.token_info(revoked).revoked
    box.emu.reset_counters()
    assert client.users.get_user_me().id == box.fx.user_id
    assert box.emu.grant_counts[JWT_GRANT] == 1


def test_the_sessions_base_urls_are_used_when_the_auth_has_none(box: Any) -> None:
    auth = make_auth("ccg", box, None)  # no base_urls: alone, it would call api.box.com
    client = client_for(auth, box.emu)
    box.emu.reset_counters()
    assert client.users.get_user_me().id == box.fx.user_id
    assert box.emu.grant_counts["client_credentials"] == 1
    child = client.auth.downscope_token(["item_preview"], network_session=client.network_session)
    assert box.emu.token_info(child.access_token or "").downscoped


# -- errors --------------------------------------------------------------------------------


def test_a_refusal_from_box_is_box_sdk_gens_box_api_error(box: Any) -> None:
    wrong = "wrongSecret" + box.fx.client_secret[:8]
    auth = BoxCCGAuth(CCGConfig(box.fx.client_id, wrong, enterprise_id=box.fx.enterprise_id))
    client = client_for(auth, box.emu)  # the session's base URLs
    with pytest.raises(GenBoxAPIError) as caught:
        client.users.get_user_me()
    error = caught.value
    ours = error.__cause__
    assert isinstance(ours, boxauth.BoxAPIError) and error.error is ours
    assert error.message == str(ours)
    info = error.response_info
    assert (info.status_code, info.code) == (400, "invalid_grant")
    assert info.body == {"error": "invalid_grant", "error_description": ours.description}
    assert info.request_id == ours.request_id and info.request_id
    assert info.raw_body is None
    assert (error.request_info.method, error.request_info.url) == (
        "POST",
        f"{box.emu.base_url}/oauth2/token",
    )
    assert box.emu.request_count("/2.0/users/me") == 0
    shown = renderings(error)
    assert wrong not in shown and box.fx.client_secret not in shown


def test_a_rate_limit_that_outlasts_the_retries_is_a_box_api_error_with_retry_after(
    box: Any, urls: BaseUrls
) -> None:
    box.emu.inject_fault("/oauth2/token", "status", status=429, retry_after="600")
    client = client_for(make_auth("ccg", box, urls), box.emu)
    with pytest.raises(GenBoxAPIError) as caught:
        client.users.get_user_me()
    assert isinstance(caught.value.__cause__, boxauth.BoxRateLimitedError)
    assert caught.value.response_info.status_code == 429
    assert caught.value.response_info.headers.get("retry-after") == "600"


class _BrokenStorage(TokenStorage):
    def store(self, token: AccessToken) -> None:
        raise BoxStorageError(StorageFailure(StorageFailureKind.WRITE, "the disk is full"))

    def get(self) -> AccessToken | None:
        raise BoxStorageError(StorageFailure(StorageFailureKind.READ, "the disk is gone"))

    def clear(self) -> None:
        raise BoxStorageError(StorageFailure(StorageFailureKind.CLEAR, "the disk is gone"))


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _no_answer(box: Any, urls: BaseUrls) -> tuple[BoxClient, type]:
    dead = BaseUrls(base_url=f"http://127.0.0.1:{_closed_port()}")
    auth = make_auth("ccg", box, dead, effects=Effects(sleep=lambda s: None))
    return client_for(auth, box.emu), boxauth.BoxNetworkError


def _developer_token_revoked(box: Any, urls: BaseUrls) -> tuple[BoxClient, type]:
    auth = make_auth("developer", box, urls)
    revoke_at_box(box.emu, box.fx, auth.token)
    return client_for(auth, box.emu), boxauth.BoxReauthRequiredError


def _session_proxy(box: Any, urls: BaseUrls) -> tuple[BoxClient, type]:
    proxy = ProxyConfig(url="http://127.0.0.1:3128", username="u", password="pr0xyPa55")
    client = client_for(make_auth("ccg", box, urls), box.emu)
    return client.with_proxy(proxy), boxauth.BoxConfigError


def _storage(box: Any, urls: BaseUrls) -> tuple[BoxClient, type]:
    fx = box.fx
    config = CCGConfig(
        fx.client_id, fx.client_secret, user_id=fx.user_id, token_storage=_BrokenStorage()
    )
    return client_for(BoxCCGAuth(config, base_urls=urls), box.emu), BoxStorageError


@pytest.mark.parametrize(
    "situation", [_no_answer, _developer_token_revoked, _session_proxy, _storage]
)
def test_every_other_failure_is_box_sdk_gens_box_sdk_error_raised_from_ours(
    box: Any, urls: BaseUrls, situation: Any
) -> None:
    client, ours = situation(box, urls)
    with pytest.raises(GenBoxSDKError) as caught:
        client.users.get_user_me()
    error = caught.value
    assert type(error) is GenBoxSDKError  # not a BoxAPIError: Box refused nothing
    assert type(error.__cause__) is ours and error.error is error.__cause__
    assert error.message == str(error.__cause__)
    shown = renderings(error)
    for secret in (box.fx.client_secret, box.fx.passphrase, "pr0xyPa55"):
        assert secret not in shown


# -- optional, and typed -------------------------------------------------------------------


def test_import_boxauth_never_imports_box_sdk_gen(tmp_path: Path) -> None:
    code = (
        "import sys, boxauth\n"
        "for name in boxauth.__all__: getattr(boxauth, name)\n"
        "import boxauth.adapters.cli, boxauth.adapters.emulator\n"
        "print(sorted(m for m in sys.modules if 'box_sdk_gen' in m))\n"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_without_box_sdk_gen_the_bridge_names_the_extra(tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['box_sdk_gen'] = None\n"
        "import boxauth\n"
        "try:\n"
        "    import boxauth.adapters.box_sdk_gen_bridge\n"
        "except ImportError as missing:\n"
        "    print(missing)\n"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert done.stdout.strip() == (
        "the box_sdk_gen bridge needs box_sdk_gen: pip install 'boxauth[box-sdk-gen]'"
    ), done.stderr


def readme_recipe() -> str:
    """The first Python block of README's bridge section."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index("### box_sdk_gen's full client (the bridge)") :]
    found = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert found is not None
    return found.group(1)


DIRECT = """\
from box_sdk_gen import BoxClient
from boxauth import BoxCCGAuth, CCGConfig

client = BoxClient(auth=BoxCCGAuth(CCGConfig("id", "secret", enterprise_id="1")))
"""


def test_readmes_recipe_type_checks_with_mypy_strict(tmp_path: Path) -> None:
    (tmp_path / "recipe.py").write_text(readme_recipe())
    (tmp_path / "direct.py").write_text(DIRECT)  # the control: without the bridge
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / ".mypy_cache"),
         "recipe.py", "direct.py"],
        capture_output=True, text=True, cwd=tmp_path, check=False, timeout=300,
    )  # fmt: skip
    assert "recipe.py" not in done.stdout, done.stdout
    assert re.search(r"direct\.py:4: error: Argument \"auth\" to \"BoxClient\"", done.stdout), (
        done.stdout + done.stderr
    )
    assert "BoxClient(auth=BoxSDKGenAuth(" in readme_recipe()


def test_the_bridged_token_keeps_box_sdk_gens_fields_and_hides_its_secrets() -> None:
    from boxauth.adapters.box_sdk_gen_bridge import sdk_token

    from boxauth.access_token import RestrictedTo

    ours = AccessToken(
        access_token="1!AccessSecret",
        refresh_token="RefreshSecret",
        expires_in=3600,
        token_type="bearer",
        restricted_to=(RestrictedTo("item_preview", "file", "123", "notes.txt"),),
        issued_token_type="urn:ietf:params:oauth:token-type:access_token",
        expires_at=1e9,
    )
    theirs = sdk_token(ours)
    assert isinstance(theirs, BridgedAccessToken)
    assert (theirs.access_token, theirs.refresh_token, theirs.expires_in) == (
        "1!AccessSecret",
        "RefreshSecret",
        3600,
    )
    assert theirs.token_type == "bearer" and theirs.issued_token_type == ours.issued_token_type
    scope = (theirs.restricted_to or [])[0]
    assert (scope.scope, scope.object.type, scope.object.id) == ("item_preview", "file", "123")
    for shown in (repr(theirs), str(theirs), repr([theirs])):
        assert "AccessSecret" not in shown and "RefreshSecret" not in shown
        assert "<redacted>" in shown and "3600" in shown
    assert "expires_at" not in theirs.to_dict()  # box_sdk_gen's six fields only
