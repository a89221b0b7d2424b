"""The auth object a command's settings describe (see ``cli_settings`` for the rules).

Also ``whose``: a description of whose token a command works with, for hints
such as the one after a downscope refused with ``invalid_resource``.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

from returns.result import Success

from ..errors import InvalidInput
from ..exceptions import BoxConfigError
from ..urls import BaseUrls
from .auth import BaseAuth, SubjectAuth
from .cli_settings import (
    SETTINGS,
    ClientPair,
    Given,
    Method,
    Setting,
    UsageError,
    ccg_subject,
    checked_path,
    choose_method,
    client_pair,
    empty_refused,
)
from .configs import app_config_from
from .storage import FileTokenStorage, TokenStorage


@dataclass(frozen=True, slots=True)
class Built:
    """An auth object, how it was chosen, and whose token it gets."""

    auth: BaseAuth
    method: Method
    whose: str
    token_file: str | None


def given_of(args: argparse.Namespace, env: dict[str, str], command: str = "boxauth") -> Given:
    return Given({name: getattr(args, name, None) for name in SETTINGS}, env, command)


def storage_for(path: str | None) -> TokenStorage | None:
    return FileTokenStorage(filename=path) if path else None


def credentials(pair: ClientPair) -> tuple[str | None, str | None]:
    """The client id and secret of a ``ClientPair`` (reading its app config, if that)."""
    if pair.app_config is not None:
        source = pair.app_config
        app = app_config_from(source.value)
        if not isinstance(app, Success):
            error = app.failure()
            raise BoxConfigError(InvalidInput(error.field, f"{error.problem} ({source.source})"))
        config = app.unwrap()
        return config.client_id, config.client_secret
    return (
        pair.client_id.value if pair.client_id else None,
        pair.client_secret.value if pair.client_secret else None,
    )


def _subject_words(auth: SubjectAuth) -> str:
    user_id = auth.config.user_id
    if user_id is not None:
        return f"user {user_id}'s"
    return f"the Service Account's (enterprise {auth.config.enterprise_id})"


def make_auth(args: argparse.Namespace, env: dict[str, str], urls: BaseUrls, command: str) -> Built:
    """The auth object the options and environment describe."""
    given = given_of(args, env, command)
    method = choose_method(given, args.auth, command)
    token_file = checked_path(given.option("token_file"), command)
    if method is Method.DEVELOPER and token_file is not None:
        # A developer token is never stored: the file would be silently
        # ignored, and `revoke` would then report on a file it never touched.
        raise UsageError(
            f"{command}: --token-file cannot be used with a developer token "
            "(it is never stored); leave --token-file out"
        )
    as_user = _subject_option(args, "as_user", command)
    as_enterprise = _subject_option(args, "as_enterprise", command)
    storage = storage_for(token_file)
    shell: dict[str, Any] = {"base_urls": urls}
    auth: BaseAuth
    if method is Method.DEVELOPER:
        auth = _developer(given, command, shell)
        whose = "the developer token's user's"
    elif method is Method.JWT:
        auth = _jwt(given, command, storage, shell)
    elif method is Method.CCG:
        auth = _ccg(given, ccg_subject(given, command), command, storage, shell)
    else:
        if token_file is None:
            raise UsageError(
                f"{command}: OAuth needs --token-file (the file `boxauth login` saves)"
            )
        from .configs import OAuthConfig  # noqa: PLC0415 - loaded when needed
        from .oauth import BoxOAuth  # noqa: PLC0415

        client_id, client_secret = credentials(client_pair(given, command, "OAuth"))
        config = OAuthConfig(client_id or "", client_secret or "", token_storage=storage)
        auth = BoxOAuth(config, **shell)
        whose = "the signed-in OAuth user's"
    if as_user is not None or as_enterprise is not None:
        if not isinstance(auth, SubjectAuth):
            raise UsageError(f"{command}: --as-user and --as-enterprise need JWT or CCG")
        if as_user is not None:
            auth = auth.with_user_subject(as_user, token_storage=storage)
        elif as_enterprise is not None:
            auth = auth.with_enterprise_subject(as_enterprise, token_storage=storage)
    if isinstance(auth, SubjectAuth):
        whose = _subject_words(auth)
    return Built(auth, method, whose, token_file)


def _subject_option(args: argparse.Namespace, name: str, command: str) -> str | None:
    """``--as-user`` / ``--as-enterprise``: absent is None, empty is refused.

    Read as absent, ``--as-user ""`` would act as the Service Account: the
    most privileged identity the credentials reach.
    """
    value: str | None = getattr(args, name, None)
    if value is not None and not value:
        raise empty_refused(command, "--" + name.replace("_", "-"))
    return value


def _developer(given: Given, command: str, shell: dict[str, Any]) -> BaseAuth:
    from .configs import DeveloperTokenConfig  # noqa: PLC0415
    from .developer_token_auth import BoxDeveloperTokenAuth  # noqa: PLC0415

    token = given.setting("developer_token")
    if token is None:
        raise UsageError(f"{command}: --auth developer needs --developer-token")
    client_id, client_secret = credentials(
        client_pair(given, command, "revoking a developer token", required=False)
    )
    config = DeveloperTokenConfig(client_id=client_id, client_secret=client_secret)
    return BoxDeveloperTokenAuth(token.value, config=config, **shell)


def _jwt(
    given: Given, command: str, storage: TokenStorage | None, shell: dict[str, Any]
) -> BaseAuth:
    from .configs import JWTConfig  # noqa: PLC0415
    from .jwt_auth import BoxJWTAuth  # noqa: PLC0415

    source = given.setting("jwt_config")
    if source is None:
        raise UsageError(f"{command}: --auth jwt needs --jwt-config FILE (or BOX_JWT_CONFIG)")
    return BoxJWTAuth(JWTConfig.from_config_file(source.value, token_storage=storage), **shell)


def _ccg(
    given: Given,
    subject: Setting,
    command: str,
    storage: TokenStorage | None,
    shell: dict[str, Any],
) -> BaseAuth:
    from .ccg_auth import BoxCCGAuth  # noqa: PLC0415
    from .configs import CCGConfig  # noqa: PLC0415

    client_id, client_secret = credentials(client_pair(given, command, "CCG"))
    ids = {subject.name: subject.value}
    config = CCGConfig(client_id or "", client_secret or "", token_storage=storage, **ids)
    return BoxCCGAuth(config, **shell)
