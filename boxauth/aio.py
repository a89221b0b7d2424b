"""boxauth for asyncio: the same classes, with every method that may do I/O awaited.

    from boxauth import CCGConfig
    from boxauth.aio import BoxCCGAuth, BoxClient

    auth = BoxCCGAuth(config=CCGConfig(...))
    token = await auth.retrieve_token()
    me = await BoxClient(auth=auth).users.get_user_me()

``BoxDeveloperTokenAuth``, ``BoxJWTAuth``, ``BoxCCGAuth``, ``BoxOAuth`` and
``BoxClient`` take the constructor arguments of their ``boxauth`` namesakes
(configs, storages, transport, ...). ``retrieve_token``, ``refresh_token``,
``revoke_token``, ``downscope_token``, ``retrieve_authorization_header``,
``get_tokens_authorization_code_grant``, ``get_tokens_from_redirect`` and
their ``*_result`` variants are coroutines; the ``*_result`` ones return the
same ``Result`` values. Every other name of ``boxauth`` is available here too,
so code ports by changing the import. See README "Async (asyncio) and httpx".

Like ``boxauth/__init__.py``, this facade loads nothing until a name is used
(relative module names only, so a vendored copy works unchanged).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from . import __all__ as _every_name

if TYPE_CHECKING:
    from .adapters.aio_client import BoxClient
    from .adapters.aio_kinds import BoxCCGAuth, BoxDeveloperTokenAuth, BoxJWTAuth, BoxOAuth

_ASYNC = {
    "BoxCCGAuth": ".adapters.aio_kinds",
    "BoxDeveloperTokenAuth": ".adapters.aio_kinds",
    "BoxJWTAuth": ".adapters.aio_kinds",
    "BoxOAuth": ".adapters.aio_kinds",
    "BoxClient": ".adapters.aio_client",
}


__all__ = ["BoxCCGAuth", "BoxClient", "BoxDeveloperTokenAuth", "BoxJWTAuth", "BoxOAuth"]
# Every other name is boxauth's own (configs, storages, tokens, errors, ...).
__all__ += [name for name in _every_name if name not in _ASYNC]


def __getattr__(name: str) -> Any:
    module = _ASYNC.get(name)
    if module is not None:
        value = getattr(importlib.import_module(module, __package__), name)
    elif name in _every_name:
        value = getattr(importlib.import_module(__package__ or ""), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
