"""The public config classes: a validated core settings value plus a storage.

Constructors validate at once and raise ``BoxConfigError`` naming the field;
they never echo a value. Attributes mirror box_sdk_gen's (``config.client_id``,
``config.enterprise_id``, ...) as read-only properties over the settings.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from returns.result import Failure, Result, Success

from ..config import (
    Algorithm,
    CCGSettings,
    DeveloperTokenSettings,
    JWTSettings,
    OAuthSettings,
    Subject,
    SubjectKind,
    ccg_settings,
    developer_token_settings,
    jwt_settings,
    jwt_settings_from_app,
    oauth_settings,
    parse_app_config,
    with_subject,
)
from ..errors import InvalidInput
from .auth import ok_or_raise
from .storage import InMemoryTokenStorage, TokenStorage

if TYPE_CHECKING:
    # jose and cryptography load when a key is first needed, not on import.
    from .signer import JoseSigner

MAX_CONFIG_FILE = 64 * 1024


def read_config_file(path: str | Path) -> Result[str, InvalidInput]:
    """Read a console config file, refusing anything implausibly large unread."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_CONFIG_FILE + 1)
    except (OSError, ValueError, TypeError) as exc:  # ValueError: a NUL byte in the path
        why = getattr(exc, "strerror", None) or type(exc).__name__
        return Failure(InvalidInput("config_file_path", f"cannot read {str(path)!r}: {why}"))
    if len(data) > MAX_CONFIG_FILE:
        return Failure(InvalidInput("config_file_path", "is larger than 64 KiB; not a Box config"))
    try:
        return Success(data.decode("utf-8"))
    except UnicodeDecodeError:
        return Failure(InvalidInput("config_file_path", "is not UTF-8 text"))


class _Config:
    """Shared: the settings value, the storage, redacted repr, no pickling."""

    __slots__ = ("settings", "token_storage")
    settings: Any

    def _set(self, settings: Any, storage: TokenStorage | None) -> None:
        self.settings = settings
        self.token_storage = storage if storage is not None else InMemoryTokenStorage()

    @property
    def client_id(self) -> str | None:
        value: str | None = self.settings.client_id
        return value

    @property
    def client_secret(self) -> str | None:
        value: str | None = self.settings.client_secret
        return value

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.settings!r})"

    def __reduce__(self) -> Any:
        raise TypeError(f"{type(self).__name__} holds secrets and cannot be pickled")


class _SubjectConfig(_Config):
    __slots__ = ()

    @property
    def enterprise_id(self) -> str | None:
        subject: Subject = self.settings.subject
        return subject.id if subject.kind is SubjectKind.ENTERPRISE else None

    @property
    def user_id(self) -> str | None:
        subject: Subject = self.settings.subject
        return subject.id if subject.kind is SubjectKind.USER else None


class JWTConfig(_SubjectConfig):
    """A JWT app's settings. The key is decrypted once, on first use, and kept."""

    __slots__ = ("_signer",)
    settings: JWTSettings

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        jwt_key_id: str,
        private_key: str,
        private_key_passphrase: str | None,
        *,
        enterprise_id: str | int | None = None,
        user_id: str | int | None = None,
        algorithm: Algorithm | str = Algorithm.RS256,
        token_storage: TokenStorage | None = None,
    ) -> None:
        settings = jwt_settings(
            client_id=client_id,
            client_secret=client_secret,
            jwt_key_id=jwt_key_id,
            private_key=private_key,
            private_key_passphrase=private_key_passphrase,
            enterprise_id=enterprise_id,
            user_id=user_id,
            algorithm=algorithm,
        )
        self._set(ok_or_raise(settings), token_storage)
        self._signer: JoseSigner | None = None

    @classmethod
    def _of(
        cls, settings: JWTSettings, storage: TokenStorage | None, signer: JoseSigner | None
    ) -> JWTConfig:
        config = cls.__new__(cls)
        config._set(settings, storage)
        config._signer = signer
        return config

    @classmethod
    def from_config_json_string(
        cls,
        config_json_string: str,
        token_storage: TokenStorage | None = None,
        *,
        algorithm: Algorithm | str = Algorithm.RS256,
    ) -> JWTConfig:
        """From the developer console's JSON text (protocol notes §4)."""
        app = ok_or_raise(parse_app_config(config_json_string))
        return cls._of(ok_or_raise(jwt_settings_from_app(app, algorithm)), token_storage, None)

    @classmethod
    def from_config_file(
        cls,
        config_file_path: str | Path,
        token_storage: TokenStorage | None = None,
        *,
        algorithm: Algorithm | str = Algorithm.RS256,
    ) -> JWTConfig:
        """From the JSON file the developer console downloads."""
        text = ok_or_raise(read_config_file(config_file_path))
        return cls.from_config_json_string(text, token_storage, algorithm=algorithm)

    @property
    def jwt_key_id(self) -> str:
        return self.settings.jwt_key_id

    @property
    def private_key(self) -> str:
        return self.settings.private_key

    @property
    def private_key_passphrase(self) -> str | None:
        return self.settings.private_key_passphrase

    @property
    def algorithm(self) -> Algorithm:
        return self.settings.algorithm

    def signer(self) -> JoseSigner:
        if self._signer is None:
            from .signer import signer_for  # noqa: PLC0415 - lazy, see the import block

            self._signer = ok_or_raise(signer_for(self.settings))
        return self._signer

    def with_subject(self, subject: Subject, token_storage: TokenStorage | None) -> JWTConfig:
        """A copy for another subject; every other setting (algorithm too) is kept."""
        return self._of(with_subject(self.settings, subject), token_storage, self._signer)


class CCGConfig(_SubjectConfig):
    """A Client Credentials Grant app's settings (protocol notes §1)."""

    __slots__ = ()
    settings: CCGSettings

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        enterprise_id: str | int | None = None,
        user_id: str | int | None = None,
        token_storage: TokenStorage | None = None,
    ) -> None:
        settings = ccg_settings(
            client_id=client_id,
            client_secret=client_secret,
            enterprise_id=enterprise_id,
            user_id=user_id,
        )
        self._set(ok_or_raise(settings), token_storage)

    def with_subject(self, subject: Subject, token_storage: TokenStorage | None) -> CCGConfig:
        config = type(self).__new__(type(self))
        config._set(with_subject(self.settings, subject), token_storage)
        return config


class OAuthConfig(_Config):
    """An OAuth 2.0 app's client credentials."""

    __slots__ = ()
    settings: OAuthSettings

    def __init__(
        self, client_id: str, client_secret: str, *, token_storage: TokenStorage | None = None
    ) -> None:
        settings = oauth_settings(client_id=client_id, client_secret=client_secret)
        self._set(ok_or_raise(settings), token_storage)


class DeveloperTokenConfig(_Config):
    """Optional client credentials; needed only to revoke a developer token."""

    __slots__ = ()
    settings: DeveloperTokenSettings

    def __init__(self, client_id: str | None = None, client_secret: str | None = None) -> None:
        settings = developer_token_settings(client_id=client_id, client_secret=client_secret)
        self._set(ok_or_raise(settings), None)
