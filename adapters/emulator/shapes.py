"""What a token is made of, and which fields a 200 from /oauth2/token carries.

Tokens, as Box's documents show them:
- access tokens: 32 letters and digits (the OpenAPI examples of a token sent
  to ``/oauth2/revoke`` and of an authorization code are 32, e.g.
  "n22JPxrh18m4Y0wIZPIqYZK7VRrsMTWW"; the ``AccessToken`` example is 64 and
  the tokens guide's JWT/CCG example 33, so 32 to 64 is the documented range);
- refresh tokens: 64 letters and digits (the ``AccessToken`` example);
- downscoped tokens begin with ``1!`` and go on in the base64url alphabet
  (the downscope guide: "1!DgsZ6V9kMWZu2StrxwQDF5BudQNen-xUmU2cfcVKArE....",
  https://developer.box.com/guides/authentication/tokens/downscope/). The
  guide cuts the example after 45 characters; the real length is UNCONFIRMED,
  so the emulator mints 128, longer than any other documented token, which
  tests that a client takes long tokens as well as the ``!``.

The body of a 200 (Box's documents disagree, so every variant is available):
- ``oauth_guide``: the tokens guide's OAuth 2.0 example: token_type "bearer",
  refresh_token, issued_token_type the URN, no restricted_to
  (https://developer.box.com/guides/authentication/tokens/access-tokens/);
- ``server_guide``: the same guide's JWT/CCG example: no token_type,
  ``"restricted_to": []`` and ``"issued_token_type": "bearer"``;
- ``downscope_guide``: the downscope guide's example, which is also the
  ``AccessToken`` reference example: every field, issued_token_type the URN;
- ``schema``: the ``AccessToken`` schema's descriptions: token_type "bearer",
  restricted_to, and issued_token_type (the URN) only for a downscoped token;
- ``minimal``: only access_token and expires_in (and refresh_token), what a
  client must accept at the least.
By default each grant answers as Box's guide for it shows: the code and
refresh grants ``oauth_guide``, JWT and CCG ``server_guide``, token exchange
``downscope_guide``. ``BoxEmulator.set_token_body`` picks another.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

ACCESS_TOKEN_TYPE: Final = "urn:ietf:params:oauth:token-type:access_token"  # noqa: S105
BEARER: Final = "bearer"
_ALNUM = string.ascii_letters + string.digits
_BASE64URL = _ALNUM + "-_"
ACCESS_LENGTH, REFRESH_LENGTH, DOWNSCOPED_LENGTH = 32, 64, 128
DOWNSCOPED_PREFIX: Final = "1!"


def _random(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def access_token() -> str:
    return _random(_ALNUM, ACCESS_LENGTH)


def refresh_token() -> str:
    return _random(_ALNUM, REFRESH_LENGTH)


def downscoped_token() -> str:
    return DOWNSCOPED_PREFIX + _random(_BASE64URL, DOWNSCOPED_LENGTH - len(DOWNSCOPED_PREFIX))


@dataclass(frozen=True, slots=True)
class BodyShape:
    """Which optional fields a token answer carries, and how.

    ``issued_token_type`` is the value sent (None: the field is left out);
    ``issued_only_when_downscoped`` leaves it out for a token that is not.
    """

    token_type: bool
    issued_token_type: str | None
    restricted_to: bool
    issued_only_when_downscoped: bool = False


TOKEN_BODY_SHAPES: Final = MappingProxyType(
    {
        "oauth_guide": BodyShape(
            token_type=True, issued_token_type=ACCESS_TOKEN_TYPE, restricted_to=False
        ),
        "server_guide": BodyShape(token_type=False, issued_token_type=BEARER, restricted_to=True),
        "downscope_guide": BodyShape(
            token_type=True, issued_token_type=ACCESS_TOKEN_TYPE, restricted_to=True
        ),
        "schema": BodyShape(
            token_type=True,
            issued_token_type=ACCESS_TOKEN_TYPE,
            restricted_to=True,
            issued_only_when_downscoped=True,
        ),
        "minimal": BodyShape(token_type=False, issued_token_type=None, restricted_to=False),
    }
)

# The emulator's grant names (records.GRANT_NAMES) -> the default shape.
# (Pairs rather than a dict display: bandit reads "token" keys as passwords.)
DEFAULT_SHAPES: Final = MappingProxyType(
    dict(
        (
            ("authorization_code", "oauth_guide"),
            ("refresh_token", "oauth_guide"),
            ("jwt", "server_guide"),
            ("client_credentials", "server_guide"),
            ("token_exchange", "downscope_guide"),
        )
    )
)
