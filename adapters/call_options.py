"""The keyword options of the public calls that take several, declared once.

The sync and asyncio auth objects, both clients and the box_sdk_gen bridge
take the same options with box_sdk_gen's names; each signature says
``**options: Unpack[...]`` so that the list, and its types, live here.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypedDict, TypeVar

from returns.result import Failure, Result

from ..downscope import DownscopeRequest, validate_downscope
from ..errors import InvalidInput


class DownscopeOptions(TypedDict, total=False):
    """``downscope_token``'s options besides ``scopes`` (box_sdk_gen's names)."""

    resource: str | None  # a file or folder URL (https://api.box.com/2.0/files/123)
    shared_link: str | None
    network_session: object  # box_sdk_gen's NetworkSession (``boxauth.sessions``)


class RequestOptions(TypedDict, total=False):
    """``BoxClient.request``'s options besides the method and the path."""

    params: dict[str, Any] | None
    headers: dict[str, str] | None
    body: bytes | None


def _downscope_token(
    self: object,
    scopes: Iterable[str],
    *,
    resource: str | None = None,
    shared_link: str | None = None,
    network_session: object = None,
) -> None:
    """box_sdk_gen's ``Authentication.downscope_token`` parameters."""


# Type checkers read ``**options: Unpack[DownscopeOptions]`` as these keyword
# parameters; ``inspect.signature``, ``help()`` and box_sdk_gen parity checks
# read ``__signature__``, so they see box_sdk_gen's list too.
_DOWNSCOPE_SIGNATURE = inspect.signature(_downscope_token).replace(
    return_annotation=inspect.Signature.empty
)
F = TypeVar("F", bound=Callable[..., Any])


def downscope_signature(method: F) -> F:
    """``method`` (a ``downscope_token*``), shown with box_sdk_gen's parameters."""
    method.__signature__ = _DOWNSCOPE_SIGNATURE  # type: ignore[attr-defined]
    return method


def unknown_option(options: Mapping[str, object], declared: Any, call: str) -> InvalidInput | None:
    """Why ``options`` holds one ``call`` does not take, or None.

    ``**options`` would otherwise swallow a misspelt one (``resorce=``) and
    the call would quietly do something else. The Result API returns it as a
    value and the raising API raises ``BoxConfigError``; the name is quoted
    only if it looks like a keyword (lower-case letters, digits, ``_``), never
    if it could be a token pasted in the wrong place.
    """
    for name in options:
        if name not in declared.__optional_keys__:
            plain = isinstance(name, str) and _KEYWORD.fullmatch(name) is not None
            shown = f"an option named {name!r}" if plain else "an option with an unexpected name"
            return InvalidInput(call, f"does not take {shown} (see its signature)")
    return None


_KEYWORD = re.compile(r"[a-z_][a-z0-9_]{0,39}")


def downscope_wanted(
    scopes: object, options: Mapping[str, object]
) -> Result[DownscopeRequest, InvalidInput]:
    """What ``downscope_token(scopes, **options)`` asks for, checked: no option
    it does not take, then the scopes and the resource or shared link."""
    unknown = unknown_option(options, DownscopeOptions, "downscope_token")
    if unknown is not None:
        return Failure(unknown)
    return validate_downscope(scopes, options.get("resource"), options.get("shared_link"))
