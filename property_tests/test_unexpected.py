"""unexpected: what it means when a user's storage, transport or signer raises, or returns
something of the wrong type.

Only the exception's class name is kept (its text may hold a token or a file's
contents), and only when it looks like a class name. A send that raised may have
reached Box, so it counts as sent: a single-use grant is never repeated after it.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import ANY_CHAR

from boxauth.authorize import _text
from boxauth.errors import (
    InvalidInput,
    StorageFailure,
    StorageFailureKind,
    TransportFailure,
    TransportFailureKind,
)
from boxauth.settings import describe_value, shown_path, text_field
from boxauth.unexpected import STORAGE_KIND, Effect, class_name, unexpected, wrong_type

names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,63}", fullmatch=True)


def named(name: object) -> Exception:
    """An exception whose class's ``__name__`` is ``name``, whatever ``name`` is
    (a metaclass property: the only way a class name can be a non-string)."""

    class Named(type):
        @property
        def __name__(cls) -> object:  # type: ignore[override]
            return name

    made: Exception = Named("E", (Exception,), {})()
    return made


class RaisedError(Exception):
    pass


class RaisingName(type):
    @property
    def __name__(cls) -> str:  # type: ignore[override]
        raise RaisedError("the class's own code")


class HostileStr(str):
    """A str subclass whose every method a message would use raises."""

    def __str__(self) -> str:
        raise RaisedError("str")

    def __format__(self, spec: str) -> str:
        raise RaisedError("format")

    def isidentifier(self) -> bool:
        raise RaisedError("isidentifier")

    def __len__(self) -> int:
        raise RaisedError("len")


def test_each_storage_effect_has_its_failure_kind() -> None:
    assert STORAGE_KIND == {
        Effect.READ: StorageFailureKind.READ,
        Effect.STORE: StorageFailureKind.WRITE,
        Effect.CLEAR: StorageFailureKind.CLEAR,
        Effect.LOCK: StorageFailureKind.LOCK,
    }
    assert set(STORAGE_KIND) | {Effect.SIGN, Effect.SEND} == set(Effect)


@given(st.sampled_from(Effect), names)
def test_each_effect_gives_its_error_type_naming_the_exception_class(
    effect: Effect, name: str
) -> None:
    error = unexpected(effect, named(name))
    text = f"{name} while trying to {effect.value}"
    if effect is Effect.SEND:
        assert error == TransportFailure(TransportFailureKind.PROTOCOL, text, True)
    elif effect is Effect.SIGN:
        assert error == InvalidInput("signer", text)
    else:
        assert error == StorageFailure(STORAGE_KIND[effect], text)


@given(st.sampled_from(Effect), st.text(ANY_CHAR, max_size=80) | st.none() | st.integers())
def test_a_name_is_kept_only_when_it_reads_as_a_class_name(effect: Effect, name: object) -> None:
    error = unexpected(effect, named(name))
    text = error.message()
    kept = isinstance(name, str) and name.isidentifier() and len(name) <= 64
    if kept:
        assert f"{name} while trying to" in text
    else:
        replaced = f"an exception while trying to {effect.value}"
        assert replaced in text
        if isinstance(name, str) and len(name) >= 8 and name not in replaced:
            assert name not in text


def test_the_class_name_bound_is_inclusive() -> None:
    assert (
        unexpected(Effect.READ, named("E" * 64))
        .message()
        .endswith(f"{'E' * 64} while trying to read the token storage")
    )
    assert "an exception while" in unexpected(Effect.READ, named("E" * 65)).message()


def test_a_class_whose_name_raises_is_described_not_named() -> None:
    """A user's exception class can make ``__name__`` raise: the error is still a value."""
    hostile = RaisingName("E", (Exception,), {})()
    assert class_name(hostile) == "an exception"
    for effect in Effect:
        assert "an exception while trying to" in unexpected(effect, hostile).message()


def test_a_str_subclass_name_is_read_as_a_plain_string() -> None:
    """Its overridden methods never run: the name is copied to a plain str first."""
    assert class_name(named(HostileStr("Evil"))) == "Evil"
    assert class_name(named(HostileStr("not a name"))) == "an exception"


def test_a_name_that_is_not_a_string_is_described() -> None:
    for name in (None, 7, b"Bytes", ["E"]):
        assert class_name(named(name)) == "an exception"


@pytest.mark.parametrize("effect", list(Effect))
def test_a_wrong_type_is_reported_like_an_exception_of_the_same_effect(effect: Effect) -> None:
    error = wrong_type(effect)
    raised = unexpected(effect, named("E"))
    assert type(error) is type(raised)
    if isinstance(error, TransportFailure):
        assert (error.kind, error.maybe_sent) == (TransportFailureKind.PROTOCOL, True)
    elif isinstance(error, StorageFailure):
        assert error.kind is STORAGE_KIND[effect]
    else:
        assert error.field == "signer"


def test_effect_repr() -> None:
    for effect in Effect:
        assert repr(effect) == f"Effect.{effect.name}"


def test_wording() -> None:
    """Every text of this module, once; the other tests check the types and kinds."""
    assert [unexpected(effect, OSError("a secret")).message() for effect in Effect] == [
        "token storage failure (read): OSError while trying to read the token storage",
        "token storage failure (write): OSError while trying to save to the token storage",
        "token storage failure (clear): OSError while trying to clear the token storage",
        "token storage failure (lock): OSError while trying to lock the token storage",
        "signer: OSError while trying to sign the JWT assertion",
        "network failure (protocol): OSError while trying to send the request",
    ]
    assert wrong_type(Effect.READ).message() == (
        "token storage failure (read): the plug-in asked to read the token storage "
        "returned a value of the wrong type"
    )
    assert wrong_type(Effect.SIGN).message() == (
        "signer: the plug-in asked to sign the JWT assertion returned a value of the wrong type"
    )
    assert wrong_type(Effect.SEND).message() == (
        "network failure (protocol): the plug-in asked to send the request "
        "returned a value of the wrong type"
    )


def test_core_checks_that_name_a_values_type_never_raise_for_an_unnameable_one() -> None:
    """The same rule where the core names the type of a value it refuses."""
    hostile = RaisingName("E", (), {})()
    refused = text_field(hostile, "f").failure()
    assert refused.message() == "f: must be a string, not an unnamed type"
    assert describe_value(hostile) == "a non-text value, not a path"
    assert shown_path(hostile) == "a non-text value, not a path"
    assert _text(hostile, "state").failure().message() == (
        "state: must be a string, not an unnamed type"
    )
