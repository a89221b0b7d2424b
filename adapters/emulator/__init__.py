"""A strict Box emulator on loopback, for tests, demos and users' own suites.

It serves, on 127.0.0.1 by default:

- ``POST /oauth2/token``: all five grants (authorization_code, refresh_token,
  client_credentials, JWT bearer, token exchange) with Box's errors and texts;
- ``POST /oauth2/revoke``: revokes a token and its pair partner;
- ``GET /api/oauth2/authorize``: auto-approves as a configured user, 302 with a code;
- ``GET /2.0/users/me`` and ``GET /2.0/folders/{id}/items``: Bearer-checked,
  with ``As-User`` and ``fields=``.

It follows Box's documents (the OpenAPI spec at https://github.com/box/box-openapi
and the guides at https://developer.box.com/guides/), each rule cited in the
module that applies it; where Box's behaviour is UNCONFIRMED the stricter
reading is taken and said so. Tokens and token answers are Box-shaped
(shapes.py), errors are Box's (texts.py, client_errors.py), and every
request, however malformed, gets an HTTP answer (reader.py, handler.py).

Independence rule: nothing here imports from the client side of ``boxauth``.
JWTs are parsed here and verified with ``cryptography`` directly.

Usage::

    from boxauth.adapters.emulator import BoxEmulator, make_app_fixture

    with BoxEmulator() as emu:
        fx = make_app_fixture(emu)
        # point a client at emu.base_url and emu.oauth_2_url

Run standalone with ``boxauth emulator`` (or ``python -m
boxauth.adapters.emulator``); see ``cli``.
"""

from typing import TYPE_CHECKING, Any

from .records import App, TokenInfo
from .server import BoxEmulator
from .shapes import TOKEN_BODY_SHAPES, BodyShape

if TYPE_CHECKING:
    from .fixtures import AppFixture, make_app_fixture


def __getattr__(name: str) -> Any:
    # fixtures imports cryptography (~60 ms); load it on first use only.
    if name in ("AppFixture", "make_app_fixture"):
        from . import fixtures  # noqa: PLC0415

        return getattr(fixtures, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "TOKEN_BODY_SHAPES",
    "App",
    "AppFixture",
    "BodyShape",
    "BoxEmulator",
    "TokenInfo",
    "make_app_fixture",
]
