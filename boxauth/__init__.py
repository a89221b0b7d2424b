"""boxauth: Box API authentication by every method Box offers.

This module is the public facade and the composition root: it wires the pure
core (every other module of ``boxauth``) to the adapters (``boxauth.adapters``)
and re-exports the names of box_sdk_gen's authentication guide, so code ports
by changing only the import.

Two styles:
- box_sdk_gen's: ``auth.retrieve_token()`` returns a token or raises a
  ``BoxAuthError`` subclass (also exported as ``BoxSDKError``);
- functional: ``auth.retrieve_token_result()`` (and ``refresh_token_result``,
  ``revoke_token_result``, ``downscope_token_result``) return a ``returns``
  ``Result`` whose failure is one of the ``AuthError`` values.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .access_token import AccessToken, RestrictedTo
    from .adapters.ccg_auth import BoxCCGAuth
    from .adapters.client import BoxClient, Item, Items, User
    from .adapters.configs import (
        CCGConfig,
        DefaultPrivateKeyDecryptor,
        DeveloperTokenConfig,
        JWTConfig,
        OAuthConfig,
        PrivateKeyDecryptor,
    )
    from .adapters.developer_token_auth import BoxDeveloperTokenAuth
    from .adapters.jwt_auth import BoxJWTAuth
    from .adapters.oauth import AuthorizeUrl, BoxOAuth, GetAuthorizeUrlOptions
    from .adapters.redis_storage import RedisTokenStorage
    from .adapters.storage import (
        FileTokenStorage,
        FileWithInMemoryCacheTokenStorage,
        InMemoryTokenStorage,
        TokenStorage,
    )
    from .adapters.system import Effects
    from .adapters.transport import TransportSettings, Urllib3Transport
    from .errors import (
        AuthError,
        BoxRefused,
        ErrorKind,
        InvalidInput,
        ReauthRequired,
        StateMismatch,
        TransportFailure,
        TransportFailureKind,
    )
    from .exceptions import (
        BoxAPIError,
        BoxAuthError,
        BoxConfigError,
        BoxMalformedResponseError,
        BoxNetworkError,
        BoxRateLimitedError,
        BoxReauthRequiredError,
        BoxRefusedError,
        BoxSDKError,
        BoxServerError,
        BoxStateMismatchError,
        BoxStorageError,
        RequestInfo,
        ResponseInfo,
    )
    from .retry import RetryPolicy
    from .settings import Algorithm
    from .settings import Algorithm as JwtAlgorithm
    from .urls import BaseUrls

# Name -> module, relative to this package, so a copy vendored under another
# package name works unchanged. Loaded on first use, so `import boxauth` stays cheap and the
# core can be imported without urllib3, jose or cryptography (PEP 562).
_LAZY = {
    "AccessToken": ".access_token",
    "RestrictedTo": ".access_token",
    "Effects": ".adapters.system",
    "BoxCCGAuth": ".adapters.ccg_auth",
    "BoxClient": ".adapters.client",
    "Item": ".adapters.client",
    "Items": ".adapters.client",
    "User": ".adapters.client",
    "CCGConfig": ".adapters.configs",
    "PrivateKeyDecryptor": ".adapters.configs",
    "DefaultPrivateKeyDecryptor": ".adapters.configs",
    "AuthorizeUrl": ".adapters.oauth",
    "DeveloperTokenConfig": ".adapters.configs",
    "JWTConfig": ".adapters.configs",
    "OAuthConfig": ".adapters.configs",
    "BoxDeveloperTokenAuth": ".adapters.developer_token_auth",
    "BoxJWTAuth": ".adapters.jwt_auth",
    "BoxOAuth": ".adapters.oauth",
    "GetAuthorizeUrlOptions": ".adapters.oauth",
    "RedisTokenStorage": ".adapters.redis_storage",
    "FileTokenStorage": ".adapters.storage",
    "FileWithInMemoryCacheTokenStorage": ".adapters.storage",
    "InMemoryTokenStorage": ".adapters.storage",
    "TokenStorage": ".adapters.storage",
    "TransportSettings": ".adapters.transport",
    "Urllib3Transport": ".adapters.transport",
    "Algorithm": ".settings",
    "AuthError": ".errors",
    "BoxRefused": ".errors",
    "ErrorKind": ".errors",
    "InvalidInput": ".errors",
    "ReauthRequired": ".errors",
    "StateMismatch": ".errors",
    "TransportFailure": ".errors",
    "TransportFailureKind": ".errors",
    "BoxAPIError": ".exceptions",
    "BoxAuthError": ".exceptions",
    "BoxConfigError": ".exceptions",
    "BoxMalformedResponseError": ".exceptions",
    "BoxNetworkError": ".exceptions",
    "BoxRateLimitedError": ".exceptions",
    "BoxReauthRequiredError": ".exceptions",
    "BoxRefusedError": ".exceptions",
    "BoxSDKError": ".exceptions",
    "BoxServerError": ".exceptions",
    "BoxStateMismatchError": ".exceptions",
    "BoxStorageError": ".exceptions",
    "RequestInfo": ".exceptions",
    "ResponseInfo": ".exceptions",
    "RetryPolicy": ".retry",
    "BaseUrls": ".urls",
    "JwtAlgorithm": ".settings",
}

__version__ = "0.1.0"

__all__ = [
    "AccessToken",
    "Algorithm",
    "AuthError",
    "AuthorizeUrl",
    "BaseUrls",
    "BoxAPIError",
    "BoxAuthError",
    "BoxCCGAuth",
    "BoxClient",
    "BoxConfigError",
    "BoxDeveloperTokenAuth",
    "BoxJWTAuth",
    "BoxMalformedResponseError",
    "BoxNetworkError",
    "BoxOAuth",
    "BoxRateLimitedError",
    "BoxReauthRequiredError",
    "BoxRefused",
    "BoxRefusedError",
    "BoxSDKError",
    "BoxServerError",
    "BoxStateMismatchError",
    "BoxStorageError",
    "CCGConfig",
    "DefaultPrivateKeyDecryptor",
    "DeveloperTokenConfig",
    "Effects",
    "ErrorKind",
    "FileTokenStorage",
    "FileWithInMemoryCacheTokenStorage",
    "GetAuthorizeUrlOptions",
    "InMemoryTokenStorage",
    "InvalidInput",
    "Item",
    "Items",
    "JWTConfig",
    "JwtAlgorithm",
    "OAuthConfig",
    "PrivateKeyDecryptor",
    "ReauthRequired",
    "RedisTokenStorage",
    "RequestInfo",
    "ResponseInfo",
    "RestrictedTo",
    "RetryPolicy",
    "StateMismatch",
    "TokenStorage",
    "TransportFailure",
    "TransportFailureKind",
    "TransportSettings",
    "Urllib3Transport",
    "User",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'boxauth' has no attribute {name!r}")
    attr = "Algorithm" if name == "JwtAlgorithm" else name
    value = getattr(importlib.import_module(module, __name__), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
