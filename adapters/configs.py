"""The public config classes: a validated core settings value plus a storage.

Constructors validate at once and raise ``BoxConfigError`` naming the field;
they never echo a value. Attributes mirror box_sdk_gen's (``config.client_id``,
``config.enterprise_id``, ...) as read-only properties over the settings.
"""

from __future__ import annotations

import os
import stat
from abc import ABC, abstractmethod
from pathlib import Path
from typing import TYPE_CHECKING, Any

from returns.result import Failure, Result, Success

from ..errors import InvalidInput
from ..exceptions import BoxConfigError
from ..settings import (
    Algorithm,
    AppConfig,
    CCGSettings,
    DeveloperTokenSettings,
    JWTSettings,
    OAuthSettings,
    Subject,
    SubjectKind,
    ccg_settings,
    describe_value,
    developer_token_settings,
    is_plausible_path,
    jwt_settings,
    jwt_settings_from_app,
    oauth_settings,
    parse_app_config,
    shown_path,
    with_subject,
)
from ..unexpected import class_name
from .raising import unwrap as ok_or_raise
from .storage import InMemoryTokenStorage, TokenStorage

if TYPE_CHECKING:
    # jose and cryptography load when a key is first needed, not on import.
    from .signer import JoseSigner

MAX_CONFIG_FILE = 64 * 1024
FIELD = "config_file_path"


def read_config_file(path: str | Path) -> Result[str, InvalidInput]:
    """Read a console config file: a regular file of at most 64 KiB of UTF-8.

    Opened with O_NONBLOCK, so a FIFO or a device at the path cannot block
    the caller, and refused unless it is a regular file. Messages show the
    path only when it reads as one (``boxauth.settings.shown_path``): a value
    pasted here by mistake may be the config JSON itself, or a secret.
    """
    name = str(path) if isinstance(path, Path) else path
    if not is_plausible_path(name):
        return Failure(InvalidInput(FIELD, describe_value(name)))
    shown = shown_path(name)
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY
    try:
        fd = os.open(name, flags)
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte (refused above anyway)
        return Failure(InvalidInput(FIELD, f"cannot read {shown}: {_why(exc)}"))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return Failure(InvalidInput(FIELD, f"{shown} is not a regular file"))
        data = b""
        while len(data) <= MAX_CONFIG_FILE:
            chunk = os.read(fd, MAX_CONFIG_FILE + 1 - len(data))
            if not chunk:
                break
            data += chunk
    except OSError as exc:
        return Failure(InvalidInput(FIELD, f"cannot read {shown}: {_why(exc)}"))
    finally:
        os.close(fd)
    if len(data) > MAX_CONFIG_FILE:
        return Failure(InvalidInput(FIELD, f"{shown} is larger than 64 KiB; not a Box config"))
    try:
        return Success(data.decode("utf-8"))
    except UnicodeDecodeError:
        return Failure(InvalidInput(FIELD, f"{shown} is not UTF-8 text"))


def _why(exc: BaseException) -> str:
    # strerror only: str(exc) repeats the file name, which may not be showable.
    strerror = getattr(exc, "strerror", None)
    return strerror if isinstance(strerror, str) and strerror else type(exc).__name__


def is_config_json(value: object) -> bool:
    """A value given where a config path is expected that is the JSON itself.

    CI systems keep the console's JSON in a variable (BOX_JWT_CONFIG), so a
    value whose first non-blank character is ``{`` is read as the config.
    """
    return isinstance(value, str) and value.lstrip().startswith("{")


def app_config_from(path_or_json: str | Path) -> Result[AppConfig, InvalidInput]:
    """The console config at a path, or given as JSON (``is_config_json``).

    A refusal names the field and where the config came from (the path when
    it may be shown), and for malformed JSON the line and column.
    """
    if is_config_json(path_or_json):
        text: Result[str, InvalidInput] = Success(str(path_or_json))
        where = "in the config JSON given in place of a path"
    else:
        text = read_config_file(path_or_json)
        shown = str(path_or_json) if isinstance(path_or_json, Path) else path_or_json
        where = f"in {shown_path(shown)}"
    if not isinstance(text, Success):
        return Failure(text.failure())
    parsed = parse_app_config(text.unwrap())
    if isinstance(parsed, Success):
        return parsed
    error = parsed.failure()
    return Failure(InvalidInput(error.field, f"{error.problem}, {where}"))


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


class PrivateKeyDecryptor(ABC):
    """box_sdk_gen's hook for decrypting the app's private key (e.g. from a KMS).

    ``decrypt_private_key`` returns a ``cryptography`` RSA private key object.
    Whatever it raises is reported as ``BoxConfigError`` on ``private_key_decryptor``,
    by class name only (its text may hold key material).
    """

    @abstractmethod
    def decrypt_private_key(self, encryptedPrivateKey: str, passphrase: str) -> Any:  # noqa: N803 - box_sdk_gen's name
        """Decrypt ``encryptedPrivateKey`` (PEM) with ``passphrase``."""


class DefaultPrivateKeyDecryptor(PrivateKeyDecryptor):
    """Box's console key: encrypted PKCS#8 or traditional PEM, decrypted by ``cryptography``."""

    def decrypt_private_key(self, encryptedPrivateKey: str, passphrase: str) -> Any:  # noqa: N803
        from .signer import load_private_key  # noqa: PLC0415 - lazy, see the import block

        return ok_or_raise(load_private_key(encryptedPrivateKey, passphrase or None))


def _decrypted(decryptor: PrivateKeyDecryptor, settings: JWTSettings) -> Any:
    """The key a user's decryptor returns; what it raises becomes a ``BoxConfigError``.

    The error is raised after the except block has ended, so it has no
    ``__context__`` (nor ``__cause__``): the decryptor's exception, whose text
    and traceback frames may hold the passphrase and the key, is released
    here, not kept reachable from what the caller catches (PEP 3134: an
    exception raised inside an except block keeps the one being handled).
    """
    error: InvalidInput
    try:
        return decryptor.decrypt_private_key(
            settings.private_key, settings.private_key_passphrase or ""
        )
    except BoxConfigError as exc:  # e.g. from load_private_key: its value, not its chain
        error = _invalid_input(exc)
    except Exception as exc:  # a user's decryptor: reported by class name only
        problem = f"raised {class_name(exc)} while decrypting the private key"
        error = InvalidInput("private_key_decryptor", problem)
    raise BoxConfigError(error)


def _invalid_input(exc: BoxConfigError) -> InvalidInput:
    value = getattr(exc, "error", None)
    if isinstance(value, InvalidInput):
        return value
    return InvalidInput("private_key_decryptor", "raised BoxConfigError while decrypting the key")


class JWTConfig(_SubjectConfig):
    """A JWT app's settings. The key is decrypted once, on first use, and kept."""

    __slots__ = ("_signer", "private_key_decryptor")
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
        private_key_decryptor: PrivateKeyDecryptor | None = None,
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
        self.private_key_decryptor = private_key_decryptor or DefaultPrivateKeyDecryptor()

    @classmethod
    def _of(
        cls,
        settings: JWTSettings,
        storage: TokenStorage | None,
        signer: JoseSigner | None,
        decryptor: PrivateKeyDecryptor | None,
    ) -> JWTConfig:
        config = cls.__new__(cls)
        config._set(settings, storage)
        config._signer = signer
        config.private_key_decryptor = decryptor or DefaultPrivateKeyDecryptor()
        return config

    @classmethod
    def from_config_json_string(
        cls,
        config_json_string: str,
        *,
        token_storage: TokenStorage | None = None,
        private_key_decryptor: PrivateKeyDecryptor | None = None,
        algorithm: Algorithm | str = Algorithm.RS256,
    ) -> JWTConfig:
        """From the developer console's JSON text: the ``config.json`` of
        https://developer.box.com/guides/authentication/jwt/with-sdk
        """
        app = ok_or_raise(parse_app_config(config_json_string))
        settings = ok_or_raise(jwt_settings_from_app(app, algorithm))
        return cls._of(settings, token_storage, None, private_key_decryptor)

    @classmethod
    def from_config_file(
        cls,
        config_file_path: str | Path,
        *,
        token_storage: TokenStorage | None = None,
        private_key_decryptor: PrivateKeyDecryptor | None = None,
        algorithm: Algorithm | str = Algorithm.RS256,
    ) -> JWTConfig:
        """From the JSON file the developer console downloads.

        Also accepts the JSON itself where the path goes (a value starting
        with ``{``), as CI systems keep it in a variable; box_sdk_gen takes
        only a path. Errors never quote the value (it may hold the secrets).
        """
        app = ok_or_raise(app_config_from(config_file_path))
        settings = ok_or_raise(jwt_settings_from_app(app, algorithm))
        return cls._of(settings, token_storage, None, private_key_decryptor)

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
        """The signer, decrypting the key on first use (by the decryptor, if one was given)."""
        if self._signer is None:
            from .signer import signer_for  # noqa: PLC0415 - lazy, see the import block

            decryptor = self.private_key_decryptor
            key = None
            if type(decryptor) is not DefaultPrivateKeyDecryptor:
                key = _decrypted(decryptor, self.settings)
            self._signer = ok_or_raise(signer_for(self.settings, key))
        return self._signer

    def with_subject(self, subject: Subject, token_storage: TokenStorage | None) -> JWTConfig:
        """A copy for another subject; every other setting (algorithm too) is kept."""
        settings = with_subject(self.settings, subject)
        return self._of(settings, token_storage, self._signer, self.private_key_decryptor)


class CCGConfig(_SubjectConfig):
    """A Client Credentials Grant app's settings.

    https://developer.box.com/guides/authentication/client-credentials/
    """

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

    def __init__(self, *, client_id: str | None = None, client_secret: str | None = None) -> None:
        settings = developer_token_settings(client_id=client_id, client_secret=client_secret)
        self._set(ok_or_raise(settings), None)
