"""Configuration values for each auth method, and Box's app JSON config.

Everything here is immutable and redacts its secrets. Builders return a
Result: a Failure names the field and what is wrong with it, and never echoes
the value (it may be a secret pasted into the wrong field).
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, replace
from typing import Any

from returns.result import Failure, Result, Success

from .errors import InvalidInput, is_unicode_text
from .redaction import Redacted, secret_field
from .unexpected import class_name

# Box's console config is a couple of KiB; refuse anything far larger unread.
MAX_CONFIG_TEXT = 64 * 1024
MAX_FIELD = 16 * 1024
# A Box id has at most 32 digits; 10**32 - 1 needs 107 bits.
MAX_ID_DIGITS = 32
MAX_ID_BITS = (10**MAX_ID_DIGITS - 1).bit_length()


class SubjectKind(enum.Enum):
    """The subject of a token: JWT ``box_sub_type``, CCG ``box_subject_type``.

    docs/protocol.md#jwt-claims and docs/protocol.md#grants.
    """

    ENTERPRISE = "enterprise"
    USER = "user"

    def __repr__(self) -> str:
        return f"SubjectKind.{self.name}"


class Algorithm(enum.StrEnum):
    """JWT ``alg``: Box accepts RS256, RS384 and RS512 only (docs/protocol.md#jwt-header)."""

    RS256 = "RS256"
    RS384 = "RS384"
    RS512 = "RS512"

    def __repr__(self) -> str:
        return f"Algorithm.{self.name}"


@dataclass(frozen=True, slots=True)
class Subject:
    """Who the token is for: an enterprise's Service Account, or one user."""

    kind: SubjectKind
    id: str


@dataclass(frozen=True, slots=True, repr=False)
class DeveloperTokenSettings(Redacted):
    """Client credentials for revoking a developer token; both optional."""

    client_id: str | None = None
    client_secret: str | None = secret_field(default=None)


@dataclass(frozen=True, slots=True, repr=False, kw_only=True)
class JWTSettings(Redacted):
    client_id: str
    client_secret: str = secret_field()
    jwt_key_id: str
    private_key: str = secret_field()
    private_key_passphrase: str | None = secret_field(default=None)
    subject: Subject
    algorithm: Algorithm = Algorithm.RS256


@dataclass(frozen=True, slots=True, repr=False, kw_only=True)
class CCGSettings(Redacted):
    client_id: str
    client_secret: str = secret_field()
    subject: Subject


@dataclass(frozen=True, slots=True, repr=False, kw_only=True)
class OAuthSettings(Redacted):
    client_id: str
    client_secret: str = secret_field()


@dataclass(frozen=True, slots=True, repr=False, kw_only=True)
class AppConfig(Redacted):
    """Box's developer-console JSON, parsed. ``appAuth`` is absent for CCG apps."""

    client_id: str
    client_secret: str = secret_field()
    jwt_key_id: str | None = None
    private_key: str | None = secret_field(default=None)
    private_key_passphrase: str | None = secret_field(default=None)
    enterprise_id: str | None = None
    user_id: str | None = None


def text_field(value: object, name: str, *, optional: bool = False) -> Result[Any, InvalidInput]:
    """A non-empty string of bounded size (or None when optional)."""
    if value is None:
        if optional:
            return Success(None)
        return Failure(InvalidInput(name, "is missing"))
    if not isinstance(value, str):
        kind = class_name(value, "an unnamed type")
        return Failure(InvalidInput(name, f"must be a string, not {kind}"))
    if not value.strip():
        return Failure(InvalidInput(name, "is empty"))
    if not is_unicode_text(value):
        return Failure(InvalidInput(name, "is not valid Unicode text (lone surrogate)"))
    if len(value) > MAX_FIELD:
        return Failure(InvalidInput(name, "is too long"))
    return Success(value)


def id_field(value: object, name: str) -> Result[str | None, InvalidInput]:
    """A Box id: digits, given as a string or an integer (normalised to a string)."""
    if value is None:
        return Success(None)
    if isinstance(value, bool) or not isinstance(value, int | str):
        return Failure(InvalidInput(name, "must be a string or an integer"))
    # Before str(): an int of more than 4300 digits makes str() raise ValueError,
    # and a huge one is slow to convert. 32 digits fit in 107 bits.
    if isinstance(value, int) and (value < 0 or value.bit_length() > MAX_ID_BITS):
        return Failure(InvalidInput(name, "must be a Box id (digits only)"))
    text = value.strip() if isinstance(value, str) else str(value)
    if not text:
        return Failure(InvalidInput(name, "is empty"))
    if not text.isascii() or not text.isdigit() or len(text) > MAX_ID_DIGITS:
        return Failure(InvalidInput(name, "must be a Box id (digits only)"))
    return Success(text)


def subject_of(enterprise_id: object, user_id: object) -> Result[Subject, InvalidInput]:
    """Exactly one of enterprise id and user id (box_sdk_gen silently prefers one)."""
    ent = id_field(enterprise_id, "enterprise_id")
    usr = id_field(user_id, "user_id")
    for checked in (ent, usr):
        if not isinstance(checked, Success):
            return Failure(checked.failure())
    e, u = ent.unwrap(), usr.unwrap()
    if e is not None and u is not None:
        return Failure(InvalidInput("enterprise_id/user_id", "give exactly one, not both"))
    if e is not None:
        return Success(Subject(SubjectKind.ENTERPRISE, e))
    if u is not None:
        return Success(Subject(SubjectKind.USER, u))
    return Failure(InvalidInput("enterprise_id/user_id", "give exactly one; neither was given"))


def algorithm_of(value: object) -> Result[Algorithm, InvalidInput]:
    if isinstance(value, Algorithm):
        return Success(value)
    for alg in Algorithm:
        # isinstance first: a caller's object with a raising __eq__ must not raise here.
        if isinstance(value, str) and value == alg.value:
            return Success(alg)
    return Failure(InvalidInput("algorithm", "must be RS256, RS384 or RS512"))


def _collect(**checks: Result[Any, InvalidInput]) -> Result[dict[str, Any], InvalidInput]:
    """The first Failure, else every value by name. Order of kwargs is report order."""
    out: dict[str, Any] = {}
    for name, checked in checks.items():
        if not isinstance(checked, Success):
            return Failure(checked.failure())
        out[name] = checked.unwrap()
    return Success(out)


def jwt_settings(
    *,
    client_id: object,
    client_secret: object,
    jwt_key_id: object,
    private_key: object,
    private_key_passphrase: object,
    enterprise_id: object = None,
    user_id: object = None,
    algorithm: object = Algorithm.RS256,
) -> Result[JWTSettings, InvalidInput]:
    """Validate a JWT app's settings (docs/protocol.md#jwt-claims, docs/protocol.md#app-config)."""
    got = _collect(
        client_id=text_field(client_id, "client_id"),
        client_secret=text_field(client_secret, "client_secret"),
        jwt_key_id=text_field(jwt_key_id, "jwt_key_id"),
        private_key=text_field(private_key, "private_key"),
        private_key_passphrase=text_field(
            private_key_passphrase, "private_key_passphrase", optional=True
        ),
        subject=subject_of(enterprise_id, user_id),
        algorithm=algorithm_of(algorithm),
    )
    return got.map(lambda v: JWTSettings(**v))


def ccg_settings(
    *,
    client_id: object,
    client_secret: object,
    enterprise_id: object = None,
    user_id: object = None,
) -> Result[CCGSettings, InvalidInput]:
    """Validate a Client Credentials Grant app's settings (docs/protocol.md#grants)."""
    got = _collect(
        client_id=text_field(client_id, "client_id"),
        client_secret=text_field(client_secret, "client_secret"),
        subject=subject_of(enterprise_id, user_id),
    )
    return got.map(lambda v: CCGSettings(**v))


def oauth_settings(
    *, client_id: object, client_secret: object
) -> Result[OAuthSettings, InvalidInput]:
    """Validate an OAuth 2.0 app's client credentials (docs/protocol.md#grants)."""
    got = _collect(
        client_id=text_field(client_id, "client_id"),
        client_secret=text_field(client_secret, "client_secret"),
    )
    return got.map(lambda v: OAuthSettings(**v))


def developer_token_settings(
    *, client_id: object = None, client_secret: object = None
) -> Result[DeveloperTokenSettings, InvalidInput]:
    got = _collect(
        client_id=text_field(client_id, "client_id", optional=True),
        client_secret=text_field(client_secret, "client_secret", optional=True),
    )
    return got.map(lambda v: DeveloperTokenSettings(**v))


def with_subject(settings: Any, subject: Subject) -> Any:
    """A copy with another subject; ``dataclasses.replace`` keeps every other field.

    Anything but JWT or CCG settings and a Subject is returned unchanged.
    """
    if not isinstance(settings, JWTSettings | CCGSettings) or not isinstance(subject, Subject):
        return settings
    return replace(settings, subject=subject)


def parse_app_config(text: object) -> Result[AppConfig, InvalidInput]:
    """Parse the developer console's JSON (docs/protocol.md#app-config).

    ``boxAppSettings.clientID`` and ``clientSecret`` are required;
    ``appAuth`` (publicKeyID, privateKey, passphrase) is optional here because
    CCG apps have none; JWT use checks it in ``jwt_settings_from_app``.
    ``enterpriseID`` and the non-standard top-level ``userID`` (box_sdk_gen
    reads it too) are optional, but not both.
    """
    if not isinstance(text, str | bytes):
        return Failure(InvalidInput("config", "must be JSON text"))
    if len(text) > MAX_CONFIG_TEXT:
        return Failure(InvalidInput("config", "is larger than 64 KiB; not a Box app config"))
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        # The position only: the message would quote the text, which holds secrets.
        return Failure(
            InvalidInput("config", f"is not valid JSON (line {exc.lineno}, column {exc.colno})")
        )
    except (ValueError, RecursionError):  # bytes that are not UTF-8; absurd nesting
        return Failure(InvalidInput("config", "is not valid JSON"))
    if not isinstance(data, dict):
        return Failure(InvalidInput("config", "must be a JSON object"))
    settings = data.get("boxAppSettings")
    if not isinstance(settings, dict):
        return Failure(InvalidInput("boxAppSettings", "is missing or not an object"))
    app_auth = settings.get("appAuth")
    if app_auth is not None and not isinstance(app_auth, dict):
        return Failure(InvalidInput("boxAppSettings.appAuth", "must be an object"))
    auth = app_auth or {}
    got = _collect(
        client_id=text_field(settings.get("clientID"), "boxAppSettings.clientID"),
        client_secret=text_field(settings.get("clientSecret"), "boxAppSettings.clientSecret"),
        jwt_key_id=text_field(
            auth.get("publicKeyID"), "boxAppSettings.appAuth.publicKeyID", optional=True
        ),
        private_key=text_field(
            auth.get("privateKey"), "boxAppSettings.appAuth.privateKey", optional=True
        ),
        private_key_passphrase=_passphrase(auth.get("passphrase")),
        enterprise_id=id_field(data.get("enterpriseID"), "enterpriseID"),
        user_id=id_field(data.get("userID"), "userID"),
    )
    if not isinstance(got, Success):
        return Failure(got.failure())
    values = got.unwrap()
    if values["enterprise_id"] is not None and values["user_id"] is not None:
        return Failure(InvalidInput("enterpriseID/userID", "give exactly one, not both"))
    return Success(AppConfig(**values))


def _passphrase(value: object) -> Result[str | None, InvalidInput]:
    # Box writes "" for a key without passphrase in some exports: treat as none.
    if value == "":
        return Success(None)
    return text_field(value, "boxAppSettings.appAuth.passphrase", optional=True)


def jwt_settings_from_app(
    app: AppConfig, algorithm: object = Algorithm.RS256
) -> Result[JWTSettings, InvalidInput]:
    """JWT settings from a parsed console config; names the missing appAuth field."""
    if not isinstance(app, AppConfig):
        return Failure(InvalidInput("config", "must be a parsed app config"))
    if app.jwt_key_id is None:
        return Failure(InvalidInput("boxAppSettings.appAuth.publicKeyID", "is missing"))
    if app.private_key is None:
        return Failure(InvalidInput("boxAppSettings.appAuth.privateKey", "is missing"))
    return jwt_settings(
        client_id=app.client_id,
        client_secret=app.client_secret,
        jwt_key_id=app.jwt_key_id,
        private_key=app.private_key,
        private_key_passphrase=app.private_key_passphrase,
        enterprise_id=app.enterprise_id,
        user_id=app.user_id,
        algorithm=algorithm,
    )


# -- showing a value that was meant to be a path ------------------------------------

# A path is shown in a message only when it is short and reads as a path: a
# value pasted into a path field is often the config JSON itself, a token or a
# secret (SECURITY.md, "a secret pasted into a path field"). Longer paths and
# bare names are described instead.
MAX_SHOWN_PATH = 256
MAX_PATH = 4096
_NOT_IN_PATHS = frozenset("{}\"'`<>|;$")


def is_plausible_path(value: object) -> bool:
    """Could ``value`` be a file path a person typed? One printable line, no
    braces, quotes or shell punctuation, no surrounding blanks, at most 4096
    characters. A value that fails is pasted content, never a path."""
    if not isinstance(value, str) or not 0 < len(value) <= MAX_PATH:
        return False
    if value != value.strip() or not is_unicode_text(value):
        return False
    return all(ch.isprintable() and ch not in _NOT_IN_PATHS for ch in value)


# Box's client ids and secrets and its tokens are runs of 32 or more letters
# and digits. A run of this many, mixing both, is taken for a secret pasted
# into a path ("./<client secret>"), never for a name someone typed.
SECRET_RUN = 20


def _secret_shaped_run(value: str) -> bool:
    run = letters = digits = 0
    for ch in value:
        if ch.isascii() and ch.isalnum():
            run, letters, digits = run + 1, letters + ch.isalpha(), digits + ch.isdigit()
            if run >= SECRET_RUN and letters and digits:
                return True
        else:
            run = letters = digits = 0
    return False


def _has_path_shape(value: str) -> bool:
    # A directory part, or a file name with a short extension ("app.json"):
    # random secrets and tokens have neither.
    name = value.rpartition("/")[2]
    stem, dot, extension = name.rpartition(".")
    has_extension = bool(dot) and 0 < len(extension) <= 8 and extension.isalnum()
    if "+" in value or "=" in value:  # base64 (a key line, a secret), not a path
        return False
    if _secret_shaped_run(value):
        return False
    return "/" in value or value.startswith("~") or (bool(stem) and has_extension)


def shown_path(value: object) -> str:
    """``value`` quoted when it may be shown, else a description that holds none of it."""
    shows = isinstance(value, str) and is_plausible_path(value) and len(value) <= MAX_SHOWN_PATH
    if shows and isinstance(value, str) and _has_path_shape(value):
        return repr(value)
    return describe_value(value)


def describe_value(value: object) -> str:
    """What a value looks like, without any of its characters.

    ``a 2,291-character value that looks like JSON, not a path``.
    """
    if not isinstance(value, str):
        return f"a {class_name(value, 'non-text')} value, not a path"
    size = f"a {len(value):,}-character value"
    stripped = value.strip()
    if stripped.startswith(("{", "[")):
        return f"{size} that looks like JSON, not a path"
    if not stripped:
        return f"{size} of blanks, not a path"
    if "\n" in value or "\r" in value:
        return f"{size} of several lines, not a path"
    if not is_plausible_path(value):
        return f"{size} that does not look like a path"
    if len(value) > MAX_SHOWN_PATH:
        return f"a {len(value):,}-character path (too long to show)"
    return f"{size} that does not read as a file name"
