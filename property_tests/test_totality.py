"""The core is total: every public function of the core, given any Python value, returns.

The functions are found by introspection over the core's modules, so a new
one is covered the day it is written:

- every public function that returns a ``Result`` must return a ``Success``
  or a ``Failure`` whatever it is given;
- every other public function of the modules listed in ``PLAIN_MUST_NOT_RAISE``
  must return its documented plain value (None, False, "", b"", an unsendable
  request...) rather than raise.

The values are what an untyped caller can pass: None, bools, ints (huge
ones too), floats (nan, inf), bytes, str with lone surrogates, lists, dicts,
objects whose ``__str__``/``__eq__``/``__hash__``/``__bool__``/``__iter__``
raise, and core values (responses, tokens, base URLs) whose fields hold any
of those.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Result

import boxauth
from boxauth.access_token import AccessToken
from boxauth.urls import BaseUrls
from boxauth.wire import HttpRequest, HttpResponse

# Not core: the facade and the console entry point.
NOT_CORE = {"__init__", "__main__"}
# Modules whose plain-value (non-Result) functions must not raise either.
PLAIN_MUST_NOT_RAISE = {
    "access_token",
    "authorize",
    "downscope",
    "errors",
    "exceptions",
    "jwt",
    "redaction",
    "responses",
    "settings",
    "token_requests",
    "urls",
}


class Hostile:
    """An object every implicit conversion or comparison of which raises."""

    def __repr__(self) -> str:  # hypothesis prints examples: keep repr working
        return "Hostile()"

    def _boom(self, *args: object, **kwargs: object) -> Any:
        raise RuntimeError("hostile value touched")

    __str__ = __format__ = __bytes__ = _boom
    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = _boom  # type: ignore[assignment]
    __hash__ = __bool__ = __len__ = __iter__ = __contains__ = _boom  # type: ignore[assignment]
    __int__ = __float__ = __index__ = __abs__ = __neg__ = _boom
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _boom
    __getitem__ = __call__ = _boom


# A fixed corpus, sampled: cheap to draw, so every function gets its full
# example budget on a loaded machine.
SCALARS: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    7,
    2**53 + 1,
    2**64,
    10**400,
    -(10**400),
    0.5,
    -0.0,
    1e308,
    float("nan"),
    float("inf"),
    float("-inf"),
    b"",
    b"\xff\xfe",
    b'{"a": 1}',
    "",
    " ",
    "\ud800",
    "a\x00b",
    "{",
    "1!abc",
    "https://api.box.com",
    "x" * 5000,
    Hostile(),
    object(),
]
CONTAINERS: list[Any] = [
    [],
    [None],
    [Hostile()],
    ["item_preview", 1],
    (),
    ("a", "b"),
    (("a", 1),),
    {},
    {"a": Hostile()},
    {"access_token": "\ud800", "expires_in": float("nan")},
    {"boxAppSettings": []},
]
_fields = SCALARS[::3] + CONTAINERS[::2]
GARBAGE_VALUES: list[Any] = [
    *(HttpResponse(a, b, c) for a, b, c in zip(_fields, _fields[1:], _fields[2:], strict=False)),
    HttpResponse(200, (("date", Hostile()),), b"{}"),  # type: ignore[arg-type]
    HttpResponse(401, (("www-authenticate", 1),), b""),  # type: ignore[arg-type]
    *(
        AccessToken(access_token=a, expires_in=b, restricted_to=c, owner=a, expires_at=b)
        for a, b, c in zip(_fields, _fields[1:], _fields[2:], strict=False)
    ),
    *(BaseUrls(a, b, c) for a, b, c in zip(_fields, _fields[1:], _fields[2:], strict=False)),
    *(
        HttpRequest(a, b, c, d)
        for a, b, c, d in zip(_fields, _fields[1:], _fields[2:], _fields[3:], strict=False)
    ),
    HttpRequest("GET", "https://[x/", (("a", 1), "junk", ("b",)), b""),  # type: ignore[arg-type]
]


class _Corpus:
    """A corpus entry by index; hypothesis sees and prints only the index."""

    def __init__(self, index: int) -> None:
        self.index = index

    def __repr__(self) -> str:
        return f"CORPUS[{self.index}]"


CORPUS: list[Any] = SCALARS + CONTAINERS + GARBAGE_VALUES
# An index into the corpus rather than the value itself: hypothesis must never
# touch a Hostile value (it compares and prints what it draws).
anything: st.SearchStrategy[Any] = st.one_of(
    st.integers(0, len(CORPUS) - 1).map(_Corpus),
    st.text(st.characters(exclude_categories=()), max_size=12),  # lone surrogates too
    st.binary(max_size=8),
    st.floats(),
    st.integers(),
)


def _real(value: Any) -> Any:
    return CORPUS[value.index] if isinstance(value, _Corpus) else value


def _core_modules() -> list[str]:
    return sorted(
        info.name
        for info in pkgutil.iter_modules(boxauth.__path__)
        if not info.ispkg and info.name not in NOT_CORE
    )


def _public_functions() -> list[tuple[str, Callable[..., Any], bool]]:
    """(qualified name, function, returns a Result?) for every public core function."""
    found = []
    for name in _core_modules():
        module = importlib.import_module(f"boxauth.{name}")
        for attr, obj in vars(module).items():
            if attr.startswith("_") or not inspect.isfunction(obj):
                continue
            if "__mutmut_" in attr:
                continue  # a mutant mutmut added (bash .ci/mutation), not the core's own
            if obj.__module__ != module.__name__:
                continue  # imported from elsewhere: judged in its own module
            returns_result = "Result[" in str(inspect.signature(obj).return_annotation)
            if returns_result or name in PLAIN_MUST_NOT_RAISE:
                found.append((f"{name}.{attr}", obj, returns_result))
    return found


FUNCTIONS = _public_functions()


def test_discovery_finds_the_functions_it_should() -> None:
    """The introspection is not vacuous: it sees both kinds, in every core module."""
    names = {name for name, _, _ in FUNCTIONS}
    for expected in (
        "responses.parse_www_authenticate",
        "urls.validate_base_urls",
        "access_token.token_from_json",
        "authorize.authorize_url",
        "lifecycle.check_margin",
        "responses.salvage_refresh_token",
        "urls.token_url",
    ):
        assert expected in names
    assert sum(1 for _, _, r in FUNCTIONS if r) >= 30
    modules = {name.split(".")[0] for name in names}
    assert modules >= PLAIN_MUST_NOT_RAISE


def _arguments(
    data: st.DataObject, function: Callable[..., Any]
) -> tuple[list[Any], dict[str, Any]]:
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for param in inspect.signature(function).parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        required = param.default is param.empty
        if not required and not data.draw(st.booleans(), label=f"give {param.name}"):
            continue
        value = _real(data.draw(anything, label=param.name))
        if param.kind is param.POSITIONAL_ONLY:
            args.append(value)
        elif param.kind is param.KEYWORD_ONLY or not required:
            kwargs[param.name] = value
        else:
            args.append(value)
    return args, kwargs


@pytest.mark.parametrize(
    ("name", "function", "returns_result"), FUNCTIONS, ids=[n for n, _, _ in FUNCTIONS]
)
@given(data=st.data())
def test_never_raises_on_any_python_value(
    name: str, function: Callable[..., Any], returns_result: bool, data: st.DataObject
) -> None:
    args, kwargs = _arguments(data, function)
    got = function(*args, **kwargs)
    if returns_result:
        assert isinstance(got, Result), (name, type(got))


def test_two_functions_that_once_raised_now_refuse_by_name() -> None:
    """They raised TypeError and AttributeError on these before they checked types first."""
    from boxauth.responses import parse_www_authenticate
    from boxauth.urls import validate_base_urls

    assert parse_www_authenticate(1).failure().field == "WWW-Authenticate"  # type: ignore[arg-type]
    assert validate_base_urls(None).failure().field == "base_urls"  # type: ignore[arg-type]
