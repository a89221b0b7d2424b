"""A strict Box auth emulator on loopback, for tests, demos and users' own suites.

It serves, on 127.0.0.1 by default:

- ``POST /oauth2/token``: all five grants (authorization_code, refresh_token,
  client_credentials, JWT bearer, token exchange) with Box's errors and texts;
- ``POST /oauth2/revoke``: revokes a token and its pair partner;
- ``GET /api/oauth2/authorize``: auto-approves as a configured user, 302 with a code;
- ``GET /2.0/users/me`` and ``GET /2.0/folders/{id}/items``: Bearer-checked.

It follows the project's protocol notes; where Box's behaviour is UNCONFIRMED
the stricter reading is taken, and each such choice is documented in the
module that makes it (grants.py, jwtcheck.py, authorize.py, api.py, texts.py).

Independence rule: nothing here imports from the client side of ``boxauth``.
JWTs are parsed here and verified with ``cryptography`` directly.

Usage::

    from boxauth.adapters.emulator import BoxEmulator, make_app_fixture

    with BoxEmulator() as emu:
        fx = make_app_fixture(emu)
        # point a client at emu.base_url and emu.oauth_2_url

Run standalone with ``python -m boxauth.adapters.emulator --port 0`` (or the
project CLI's ``boxauth emulator``); see ``cli.main``.
"""

from .fixtures import AppFixture, make_app_fixture
from .records import App, TokenInfo
from .server import BoxEmulator
from .shapes import TOKEN_BODY_SHAPES, BodyShape

__all__ = [
    "TOKEN_BODY_SHAPES",
    "App",
    "AppFixture",
    "BodyShape",
    "BoxEmulator",
    "TokenInfo",
    "make_app_fixture",
]
