"""The keyword options of the public calls that take several, declared once.

The sync and asyncio auth objects, both clients and the box_sdk_gen bridge
take the same options with box_sdk_gen's names; each signature says
``**options: Unpack[...]`` so that the list, and its types, live here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict


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


def refuse_unknown(options: Mapping[str, object], declared: Any, call: str) -> None:
    """Raise TypeError for an option ``call`` does not take, as Python does for
    an unknown keyword: ``**options`` would otherwise swallow a misspelt one
    (``resorce=``) and the call would quietly do something else."""
    for name in options:
        if name not in declared.__optional_keys__:
            raise TypeError(f"{call}() got an unexpected keyword argument {name!r}")
