"""The Result API is total: no ``*_result()`` method raises, whatever a plug-in does.

A user's own ``TokenStorage``,
transport or signer can raise anything or return anything. Hypothesis picks,
for each of the storage's methods and for the transport, one behaviour
(work, raise an exception, return the wrong type), and then every public
``*_result()`` method of every auth kind is called: each must return a
``Result`` holding a token or an ``AuthError`` value, never raise. Failures must
name what failed, never quote a value (a token).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from returns.result import Failure, Result, Success

from boxauth import (
    AccessToken,
    BaseUrls,
    BoxCCGAuth,
    BoxClient,
    BoxDeveloperTokenAuth,
    BoxOAuth,
    BoxStorageError,
    CCGConfig,
    Effects,
    InMemoryTokenStorage,
    OAuthConfig,
    TokenStorage,
    Urllib3Transport,
)
from boxauth.errors import (
    AuthError,
    BoxRefused,
    InvalidInput,
    ReauthRequired,
    StateMismatch,
    StorageFailure,
    StorageFailureKind,
    TransportFailure,
)
from boxauth.wire import HttpRequest, HttpResponse

SECRET = "SeCrEt" + "x" * 26
BEHAVIOURS = ["work", "raise", "wrong type", "raise base"]
WRONG = [None, 42, "tok", b"bytes", object(), [AccessToken(access_token="a")], float("nan")]


class OddError(Exception):
    pass


class NameRaises(type):
    @property
    def __name__(cls) -> str:  # type: ignore[override]
        raise UnnameableError(SECRET)  # itself unnameable: a handler naming it fails again


class UnnameableError(Exception, metaclass=NameRaises):
    """An exception class whose name cannot be read: naming it must not raise."""


class ValueRaisesError(BoxStorageError):
    """A storage error whose value raises: reading it must not raise."""

    @property
    def value(self) -> Any:
        raise UnnameableError(SECRET)


class JunkValueError(BoxStorageError):
    """A storage error whose ``error`` is not an error value."""

    @property
    def error(self) -> Any:
        return SECRET

    @error.setter
    def error(self, _value: Any) -> None:
        pass


# What a hostile plug-in raises: any of these, with the secret in its text.
RAISED: list[Callable[[], Exception]] = [
    lambda: OddError(SECRET),
    lambda: UnnameableError(SECRET),
    lambda: ValueRaisesError(SECRET),
    lambda: JunkValueError(SECRET),
]


class HostileStorage(TokenStorage):
    """Each method does what ``plan`` says: work, raise, or return something of the wrong type."""

    def __init__(self, plan: dict[str, str], wrong: object, raised: int = 0) -> None:
        self.plan = plan
        self.wrong = wrong
        self.raised = RAISED[raised]
        self.token: AccessToken | None = AccessToken(access_token=SECRET, refresh_token=SECRET)

    def _misbehave(self, name: str) -> object:
        how = self.plan.get(name, "work")
        if how == "raise":
            raise self.raised()  # its text must never reach a message
        return self.wrong if how == "wrong type" else None

    def store(self, token: AccessToken) -> None:
        self._misbehave("store")
        self.token = token

    def get(self) -> AccessToken | None:
        if self.plan.get("get") == "wrong type":
            return self.wrong  # type: ignore[return-value]
        self._misbehave("get")
        return self.token

    def clear(self) -> None:
        self._misbehave("clear")
        self.token = None

    def lock(self, timeout: float = 30.0) -> Any:
        if self.plan.get("lock") == "raise":
            raise self.raised()
        if self.plan.get("lock") == "wrong type":
            return self.wrong  # not a context manager

        @contextmanager
        def held() -> Any:
            yield

        return held()


class HostileTransport(Urllib3Transport):
    def __init__(self, how: str, wrong: object, raised: int = 0) -> None:
        super().__init__()
        self.how = how
        self.wrong = wrong
        self.raised = RAISED[raised]

    def send(self, request: HttpRequest, *, timeout: float) -> Any:
        if self.how == "raise":
            raise self.raised()
        if self.how == "wrong type":
            return self.wrong
        if self.how == "wrong inside":
            return Success(self.wrong)
        return super().send(request, timeout=timeout)


def _texts(error: AuthError) -> str:
    return repr(error) + error.message()


KNOWN = (InvalidInput, BoxRefused, TransportFailure, ReauthRequired, StorageFailure, StateMismatch)


def _check(result: object) -> None:
    assert isinstance(result, Success | Failure), result
    if isinstance(result, Failure):
        error = result.failure()
        assert isinstance(error, KNOWN), error
        assert SECRET not in _texts(error)


plans = st.fixed_dictionaries(
    {name: st.sampled_from(BEHAVIOURS[:3]) for name in ("get", "store", "clear", "lock")}
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=40)
@given(
    plan=plans,
    wrong=st.sampled_from(WRONG),
    transport=st.sampled_from(["work", "raise", "wrong type", "wrong inside"]),
    kind=st.sampled_from(["ccg", "oauth", "developer"]),
    raised=st.sampled_from(range(len(RAISED))),
)
def test_no_result_method_raises_whatever_the_plugins_do(  # noqa: PLR0917
    box: Any,
    urls: BaseUrls,
    plan: dict[str, str],
    wrong: object,
    transport: str,
    kind: str,
    raised: int,
) -> None:
    storage = HostileStorage(plan, wrong, raised)
    shell: dict[str, Any] = {
        "base_urls": urls,
        "transport": HostileTransport(transport, wrong, raised),
        "effects": Effects(sleep=lambda _s: None),
    }
    auth: Any
    if kind == "ccg":
        auth = BoxCCGAuth(
            CCGConfig(
                box.fx.client_id,
                box.fx.client_secret,
                enterprise_id=box.fx.enterprise_id,
                token_storage=storage,
            ),
            **shell,
        )
    elif kind == "oauth":
        auth = BoxOAuth(
            OAuthConfig(box.fx.client_id, box.fx.client_secret, token_storage=storage), **shell
        )
    else:
        auth = BoxDeveloperTokenAuth(token=SECRET, **shell)
    calls: list[Result[Any, Any]] = [
        auth.retrieve_token_result(),
        auth.refresh_token_result(),
        auth.refresh_token_result(replacing=wrong),  # a caller passing junk
        auth.downscope_token_result(["item_preview"]),
        auth.downscope_token_result(wrong),  # type: ignore[arg-type]
        auth.revoke_token_result(),
        BoxClient(auth).request_result("GET", "users/me"),
    ]
    if isinstance(auth, BoxOAuth):
        calls.append(auth.get_tokens_from_redirect_result(wrong))  # type: ignore[arg-type]
        calls.append(auth.get_tokens_authorization_code_grant_result(wrong))  # type: ignore[arg-type]
    for result in calls:
        _check(result)


@pytest.mark.parametrize(
    ("raised", "named"),
    [
        (0, "OddError"),
        (1, "an exception"),  # its name cannot be read
        (2, "ValueRaisesError"),
        (3, "JunkValueError"),
    ],
)
def test_a_storage_that_raises_is_named_in_the_failure(
    box: Any, urls: BaseUrls, raised: int, named: str
) -> None:
    """Whatever the storage raises, the answer is a read failure naming its class
    (or describing it), never an internal error and never the exception's text."""
    storage = HostileStorage({"get": "raise"}, None, raised)
    auth = BoxCCGAuth(
        CCGConfig(
            box.fx.client_id,
            box.fx.client_secret,
            enterprise_id=box.fx.enterprise_id,
            token_storage=storage,
        ),
        base_urls=urls,
    )
    result = auth.retrieve_token_result()
    assert isinstance(result, Failure)
    assert result.failure() == StorageFailure(
        StorageFailureKind.READ, f"{named} while trying to read the token storage"
    )


class WritableRaises(InMemoryTokenStorage):
    """A storage whose ``writable`` is a property that raises on access."""

    @property
    def writable(self) -> Any:  # type: ignore[override]
        raise OddError(SECRET)


def test_a_writable_check_that_raises_leaves_the_save_to_report(
    box: Any, urls: BaseUrls, caplog: pytest.LogCaptureFixture
) -> None:
    """A ``writable`` that raises, even on attribute access, is taken as "can
    save" (its ``store`` says what is wrong): the refresh goes ahead, and no
    "unexpected error" is logged."""
    expired = AccessToken(access_token="a" * 32, refresh_token="r" * 64, expires_at=0.0)
    storage = WritableRaises(expired)
    auth = BoxOAuth(
        OAuthConfig(box.fx.client_id, box.fx.client_secret, token_storage=storage),
        base_urls=urls,
    )
    with caplog.at_level(logging.DEBUG, logger="boxauth"):
        result = auth.retrieve_token_result()
    assert isinstance(result, Failure)  # Box does not know this refresh token
    assert box.emu.grant_counts["refresh_token"] == 1
    assert not [r for r in caplog.records if "unexpected" in r.getMessage()]


def test_a_transport_answering_the_wrong_type_is_a_protocol_failure(
    box: Any, urls: BaseUrls
) -> None:
    auth = BoxCCGAuth(
        CCGConfig(box.fx.client_id, box.fx.client_secret, enterprise_id=box.fx.enterprise_id),
        base_urls=urls,
        transport=HostileTransport("wrong inside", HttpResponse),
        effects=Effects(sleep=lambda _s: None),
    )
    result = auth.retrieve_token_result()
    assert isinstance(result, Failure)
    assert isinstance(result.failure(), TransportFailure)
    assert "returned a value of the wrong type" in result.failure().message()


class CallingBack(InMemoryTokenStorage):
    """A storage that calls back into the auth object that is using it."""

    def __init__(self) -> None:
        super().__init__()
        self.auth: Any = None
        self.answers: list[object] = []

    def store(self, token: AccessToken) -> None:
        self.answers.append(self.auth.refresh_token_result())
        super().store(token)


def test_a_storage_that_calls_back_into_its_auth_object_gets_a_typed_failure(
    box: Any, urls: Any
) -> None:
    """Re-entry from the same thread is refused at once (it used to wait out the
    deadline on the object's own lock), and the outer call still completes."""
    storage = CallingBack()
    config = CCGConfig(
        box.fx.client_id, box.fx.client_secret, enterprise_id=box.fx.enterprise_id,
        token_storage=storage,
    )  # fmt: skip
    auth = BoxCCGAuth(config, base_urls=urls, deadline=30)
    storage.auth = auth
    token = auth.retrieve_token()
    (inner,) = storage.answers
    assert isinstance(inner, Failure) and isinstance(inner.failure(), InvalidInput)
    assert inner.failure().field == "auth object"
    assert storage.get() == token


class SettingsBreakLater:
    """A user's transport whose ``settings`` attribute breaks after set-up."""

    def __init__(self) -> None:
        self.inner = Urllib3Transport()
        self.broken = False

    @property
    def settings(self) -> object:
        if self.broken:
            raise OddError(SECRET)
        return self.inner.settings

    def send(self, request: HttpRequest, *, timeout: float) -> Any:
        return self.inner.send(request, timeout=timeout)


def test_box_client_request_result_never_raises_for_a_broken_plug_in(urls: Any) -> None:
    import asyncio

    from boxauth import aio

    for module in ("sync", "aio"):
        transport = SettingsBreakLater()
        config = CCGConfig("cid", SECRET, enterprise_id="1")
        if module == "sync":
            auth: Any = BoxCCGAuth(config, base_urls=urls, transport=transport)  # type: ignore[arg-type]
            transport.broken = True
            result = BoxClient(auth).request_result("GET", "users/me")
        else:
            auth = aio.BoxCCGAuth(config, base_urls=urls, transport=transport)  # type: ignore[arg-type]
            transport.broken = True
            result = asyncio.run(aio.BoxClient(auth).request_result("GET", "users/me"))
        assert isinstance(result, Failure), module
        assert SECRET not in _texts(result.failure())
