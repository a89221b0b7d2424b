"""The one place a Result becomes a value or a typed exception.

box_sdk_gen's API raises; the core returns Results. Every raising method and
constructor goes through ``unwrap``, so the mapping from error values to
exceptions (``boxauth.exceptions.exception_for``) is applied in one place,
and an exception never chains a library exception that could hold a secret.
"""

from __future__ import annotations

from typing import NoReturn, TypeVar

from returns.result import Result, Success

from ..errors import AuthError
from ..exceptions import exception_for

T = TypeVar("T")


def unwrap(result: Result[T, AuthError]) -> T:
    """The value, or the typed exception for the error (``from None``)."""
    if isinstance(result, Success):
        value: T = result.unwrap()
        return value
    raise_error(result.failure())


def raise_error(error: AuthError) -> NoReturn:
    raise exception_for(error) from None
