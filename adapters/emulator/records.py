"""The emulator's values: registrations, tokens, codes and faults.

All frozen and slotted. The state module swaps whole records under its lock
(``dataclasses.replace``) instead of mutating fields, so a reader never sees a
half-updated token.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

# The emulator's names for the five grants an app may be allowed to use.
GRANT_NAMES = frozenset(
    {"jwt", "client_credentials", "authorization_code", "refresh_token", "token_exchange"}
)
USER_KINDS = frozenset({"managed", "app_user", "service_account"})
USER_ROLES = frozenset({"admin", "coadmin", "user"})
FAULT_KINDS = frozenset({"status", "delay", "drop", "malformed"})


@dataclass(frozen=True, slots=True)
class App:
    """A registered Box app. The secret is left out of the repr."""

    client_id: str
    client_secret: str = field(repr=False)
    enterprise_id: str
    service_account_id: str
    grants: frozenset[str] = frozenset(GRANT_NAMES)
    redirect_uris: tuple[str, ...] = ()
    allow_user_tokens: bool = True
    scopes: frozenset[str] = frozenset()
    authorized: bool = True  # an admin approved it (JWT and CCG need that)
    as_user: bool = False  # "Make API calls using the as-user header" is on


@dataclass(frozen=True, slots=True)
class User:
    """A Box user. ``role`` is User--Full's: "admin", "coadmin" or "user"."""

    user_id: str
    enterprise_id: str
    name: str
    login: str
    kind: str
    role: str = "user"
    created_at: float = 0.0


@dataclass(frozen=True, slots=True)
class Item:
    """A file or folder. ``parent_id`` "0" is the owner's root folder."""

    item_id: str
    item_type: str  # "file" or "folder"
    name: str
    owner_id: str
    parent_id: str
    created_at: float = 0.0
    version_id: str = ""  # a file's current version


@dataclass(frozen=True, slots=True)
class Restriction:
    """The one item a downscoped token is limited to."""

    item_type: str
    item_id: str


@dataclass(frozen=True, slots=True)
class AccessRecord:
    """An issued access token.

    ``downscoped`` tokens carry exactly the scopes they were exchanged for;
    other tokens carry the app's (or the authorize request's) standard scopes.
    """

    token: str = field(repr=False)
    client_id: str
    user_id: str
    scopes: frozenset[str]
    expires_at: float
    restriction: Restriction | None = None
    downscoped: bool = False
    revoked: bool = False
    refresh_token: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class RefreshRecord:
    token: str = field(repr=False)
    client_id: str
    user_id: str
    scopes: frozenset[str]
    expires_at: float
    access_token: str = field(repr=False)
    used: bool = False
    revoked: bool = False


@dataclass(frozen=True, slots=True)
class AuthCode:
    """An authorization code, bound to its client and the redirect_uri used."""

    code: str = field(repr=False)
    client_id: str
    user_id: str
    redirect_uri: str
    scopes: frozenset[str]
    expires_at: float
    used: bool = False


@dataclass(frozen=True, slots=True)
class Fault:
    """One injected misbehaviour, applied to the next ``count`` requests on ``path``."""

    path: str
    kind: str
    count: int = 1
    status: int | None = None
    retry_after: str | None = None
    body: bytes | None = None
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """What a test may ask about an access token (``BoxEmulator.token_info``)."""

    user_id: str
    client_id: str
    scopes: frozenset[str]
    restricted_to: Restriction | None
    expires_at: float
    revoked: bool
    downscoped: bool


@dataclass(frozen=True, slots=True)
class PublicKey:
    key_id: str
    key: RSAPublicKey = field(repr=False)


@dataclass(frozen=True, slots=True)
class Reply:
    """One HTTP answer, built by the endpoint logic and written by the handler."""

    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
