"""``boxauth.aio`` has the sync classes' names, constructors and
public attributes; what may do I/O is a coroutine, the rest is not; importing it
(or ``boxauth``) imports neither httpx nor any heavy library."""

from __future__ import annotations

import inspect
import subprocess
import sys
from typing import Any

import pytest

import boxauth
from boxauth import aio

CLASSES = ["BoxDeveloperTokenAuth", "BoxJWTAuth", "BoxCCGAuth", "BoxOAuth", "BoxClient"]
# Every method that may do I/O, and its *_result variant, is a coroutine in aio.
AWAITED = {
    "retrieve_token",
    "refresh_token",
    "revoke_token",
    "downscope_token",
    "retrieve_authorization_header",
    "get_tokens_authorization_code_grant",
    "get_tokens_from_redirect",
    "request",
    "request_json",
}
AWAITED |= {f"{name}_result" for name in AWAITED}


def _public(obj: object) -> set[str]:
    return {name for name in dir(obj) if not name.startswith("_")}


def _pair(name: str, box: Any, urls: boxauth.BaseUrls) -> tuple[Any, Any]:
    """One sync object and its aio namesake, built with the same arguments."""
    if name == "BoxClient":
        sync_auth, aio_auth = _pair("BoxCCGAuth", box, urls)
        return boxauth.BoxClient(sync_auth), aio.BoxClient(aio_auth)
    if name == "BoxDeveloperTokenAuth":
        args: tuple[Any, ...] = ("developer-token",)
    elif name == "BoxJWTAuth":
        args = (boxauth.JWTConfig.from_config_json_string(box.fx.config_json),)
    elif name == "BoxCCGAuth":
        args = (boxauth.CCGConfig(box.fx.client_id, box.fx.client_secret, enterprise_id="1"),)
    else:
        args = (boxauth.OAuthConfig(box.fx.client_id, box.fx.client_secret),)
    return getattr(boxauth, name)(*args, base_urls=urls), getattr(aio, name)(*args, base_urls=urls)


@pytest.mark.parametrize("name", CLASSES)
def test_the_sync_and_async_classes_expose_the_same_public_names(
    name: str, box: Any, urls: boxauth.BaseUrls
) -> None:
    sync, async_ = _pair(name, box, urls)
    assert type(sync) is getattr(boxauth, name) and type(async_) is getattr(aio, name)
    assert _public(async_) == _public(sync)
    if name == "BoxClient":
        assert _public(async_.users) == _public(sync.users)
        assert _public(async_.folders) == _public(sync.folders)


@pytest.mark.parametrize("name", CLASSES)
def test_what_may_do_io_is_a_coroutine_and_nothing_else_is(name: str) -> None:
    cls = getattr(aio, name)
    for attr in {a for a in dir(cls) if not a.startswith("_")}:
        member = inspect.getattr_static(cls, attr)
        if not callable(member) or isinstance(member, property | type):
            continue
        assert inspect.iscoroutinefunction(member) is (attr in AWAITED), attr


@pytest.mark.parametrize("name", CLASSES)
def test_the_constructors_take_the_same_arguments(name: str) -> None:
    sync, async_ = getattr(boxauth, name), getattr(aio, name)
    sync_params = list(inspect.signature(sync).parameters.values())
    async_params = list(inspect.signature(async_).parameters.values())
    assert [(p.name, p.kind, p.default) for p in async_params] == [
        (p.name, p.kind, p.default) for p in sync_params
    ]


@pytest.mark.parametrize("name", ["BoxCCGAuth", "BoxJWTAuth"])
def test_with_subject_copies_are_aio_objects_of_the_same_class(box: Any, name: str) -> None:
    config = boxauth.CCGConfig(box.fx.client_id, box.fx.client_secret, enterprise_id="1")
    if name == "BoxJWTAuth":
        config = boxauth.JWTConfig.from_config_json_string(box.fx.config_json)
    auth = getattr(aio, name)(config)
    user = auth.with_user_subject("42")
    assert type(user) is type(auth) and user.subject_id == "42" and user.subject_type == "user"
    assert auth.subject_type == "enterprise"


def test_every_name_of_boxauth_is_in_boxauth_aio() -> None:
    assert set(aio.__all__) == set(boxauth.__all__)
    for name in boxauth.__all__:
        value = getattr(aio, name)
        assert value is getattr(boxauth, name) or name in CLASSES


HEAVY = ("httpx", "asyncio", "urllib3", "jose", "cryptography", "ssl")


def _loaded(statement: str) -> list[str]:
    code = f"import sys; {statement}; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd="/"
    )
    return [m for m in out.stdout.strip().split(",") if m]


def test_importing_boxauth_aio_loads_nothing_until_a_name_is_used() -> None:
    assert _loaded("import boxauth, boxauth.aio") == []


def test_the_aio_classes_load_what_the_sync_ones_do_plus_asyncio_and_never_httpx() -> None:
    sync = _loaded("from boxauth import BoxCCGAuth, BoxClient")
    async_ = _loaded("from boxauth.aio import BoxCCGAuth, BoxClient")
    assert "httpx" not in async_
    assert set(async_) - set(sync) <= {"asyncio", "ssl"}  # asyncio imports ssl


def test_an_aio_auth_object_keeps_its_secrets(box: Any) -> None:
    config = boxauth.CCGConfig(box.fx.client_id, box.fx.client_secret, enterprise_id="1")
    auth = aio.BoxCCGAuth(config)
    assert box.fx.client_secret not in repr(auth) + str(auth)
    with pytest.raises(TypeError):
        import pickle

        pickle.dumps(auth)
