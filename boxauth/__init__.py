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
    from boxauth.access_token import AccessToken, RestrictedTo
    from boxauth.adapters.calls import Effects
    from boxauth.adapters.ccg_auth import BoxCCGAuth
    from boxauth.adapters.client import BoxClient, Item, Items, User
    from boxauth.adapters.configs import CCGConfig, DeveloperTokenConfig, JWTConfig, OAuthConfig
    from boxauth.adapters.developer_token_auth import BoxDeveloperTokenAuth
    from boxauth.adapters.jwt_auth import BoxJWTAuth
    from boxauth.adapters.oauth import BoxOAuth, GetAuthorizeUrlOptions
    from boxauth.adapters.storage import (
        FileTokenStorage,
        FileWithInMemoryCacheTokenStorage,
        InMemoryTokenStorage,
        TokenStorage,
    )
    from boxauth.adapters.transport import TransportSettings, Urllib3Transport
    from boxauth.config import Algorithm
    from boxauth.config import Algorithm as JwtAlgorithm
    from boxauth.errors import (
        AuthError,
        BoxRefused,
        ErrorKind,
        InvalidInput,
        ReauthRequired,
        TransportFailure,
        TransportFailureKind,
    )
    from boxauth.exceptions import (
        BoxAPIError,
        BoxAuthError,
        BoxConfigError,
        BoxMalformedResponseError,
        BoxNetworkError,
        BoxRateLimitedError,
        BoxReauthRequiredError,
        BoxRefusedError,
        BoxSDKError,
    )
    from boxauth.retry import RetryPolicy
    from boxauth.urls import BaseUrls

# Name -> module. Loaded on first use, so `import boxauth` stays cheap and the
# core can be imported without urllib3, jose or cryptography (PEP 562).
_LAZY = {
    "AccessToken": "boxauth.access_token",
    "RestrictedTo": "boxauth.access_token",
    "Effects": "boxauth.adapters.calls",
    "BoxCCGAuth": "boxauth.adapters.ccg_auth",
    "BoxClient": "boxauth.adapters.client",
    "Item": "boxauth.adapters.client",
    "Items": "boxauth.adapters.client",
    "User": "boxauth.adapters.client",
    "CCGConfig": "boxauth.adapters.configs",
    "DeveloperTokenConfig": "boxauth.adapters.configs",
    "JWTConfig": "boxauth.adapters.configs",
    "OAuthConfig": "boxauth.adapters.configs",
    "BoxDeveloperTokenAuth": "boxauth.adapters.developer_token_auth",
    "BoxJWTAuth": "boxauth.adapters.jwt_auth",
    "BoxOAuth": "boxauth.adapters.oauth",
    "GetAuthorizeUrlOptions": "boxauth.adapters.oauth",
    "FileTokenStorage": "boxauth.adapters.storage",
    "FileWithInMemoryCacheTokenStorage": "boxauth.adapters.storage",
    "InMemoryTokenStorage": "boxauth.adapters.storage",
    "TokenStorage": "boxauth.adapters.storage",
    "TransportSettings": "boxauth.adapters.transport",
    "Urllib3Transport": "boxauth.adapters.transport",
    "Algorithm": "boxauth.config",
    "AuthError": "boxauth.errors",
    "BoxRefused": "boxauth.errors",
    "ErrorKind": "boxauth.errors",
    "InvalidInput": "boxauth.errors",
    "ReauthRequired": "boxauth.errors",
    "TransportFailure": "boxauth.errors",
    "TransportFailureKind": "boxauth.errors",
    "BoxAPIError": "boxauth.exceptions",
    "BoxAuthError": "boxauth.exceptions",
    "BoxConfigError": "boxauth.exceptions",
    "BoxMalformedResponseError": "boxauth.exceptions",
    "BoxNetworkError": "boxauth.exceptions",
    "BoxRateLimitedError": "boxauth.exceptions",
    "BoxReauthRequiredError": "boxauth.exceptions",
    "BoxRefusedError": "boxauth.exceptions",
    "BoxSDKError": "boxauth.exceptions",
    "RetryPolicy": "boxauth.retry",
    "BaseUrls": "boxauth.urls",
    "JwtAlgorithm": "boxauth.config",
}

__version__ = "0.1.0"

__all__ = [
    "AccessToken",
    "Algorithm",
    "AuthError",
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
    "CCGConfig",
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
    "ReauthRequired",
    "RestrictedTo",
    "RetryPolicy",
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
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
