"""Which credentials the command line uses: options first, then the environment.

The rule, for every setting: an explicit option outranks every environment
variable, across options as well as within one. An option or a variable that
is given but empty (``--as-user "$USER_ID"`` with USER_ID unset) is refused
(exit 2) wherever it is read, never taken as "not given": read as absent, it
would fall back to another setting, which can be a more privileged identity
(the Service Account's). So a variable can fill in a
setting no option gave, but it can never change the method or the subject
that the options chose. Where the options and the environment together are
ambiguous, the command refuses (exit 2) and names the settings that conflict,
never their values.

How the method is chosen (``--auth auto``) is the literal table ``METHOD_RULES``
below; who the CCG subject is, ``SUBJECT_RULES``; where the client id and
secret come from, ``client_pair``. README "Command line and demo" has the same
tables in prose; tests/test_cli_settings.py tests every row.

Everything here is pure (options and environment in, a value or a
``UsageError`` out), so each rule is tested without running a command.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from ..settings import describe_value, shown_path
from ..urls import DEFAULT_BASE_URL, DEFAULT_OAUTH_2_URL


class UsageError(Exception):
    """A usage mistake found by argparse or by the command line: exit 2."""


# Every setting the command line reads. Its option is ``--`` and the name
# with dashes (``client_id``: ``--client-id``); its variable is ``BOX_`` and
# the name in capitals (``BOX_CLIENT_ID``), except for the two settings that
# have no variable. Messages name these, never the values.
SETTINGS = (
    "client_id", "client_secret", "enterprise_id", "user_id", "developer_token",
    "jwt_config", "app_config", "token_file", "base_url", "oauth2_url",
)  # fmt: skip
WITHOUT_VARIABLE = frozenset({"app_config", "token_file"})
OPTION = {name: "--" + name.replace("_", "-") for name in SETTINGS}
ENV = {name: "BOX_" + name.upper() for name in SETTINGS if name not in WITHOUT_VARIABLE}


class Method(enum.Enum):
    DEVELOPER = "developer"
    JWT = "jwt"
    CCG = "ccg"
    OAUTH = "oauth"


# The settings that name each method. --token-file is not among them: it is
# OAuth's tokens, or a token cache for JWT and CCG (see METHOD_RULES).
NAMED_BY: tuple[tuple[Method, tuple[str, ...]], ...] = (
    (Method.DEVELOPER, ("developer_token",)),
    (Method.JWT, ("jwt_config",)),
    (Method.CCG, ("enterprise_id", "user_id")),
)


@dataclass(frozen=True, slots=True)
class Setting:
    """One setting's value and where it came from (an option or a variable)."""

    name: str
    value: str
    source: str


def empty_refused(command: str, source: str) -> UsageError:
    """The refusal of an option or variable given as the empty string."""
    if source.startswith("--"):
        return UsageError(
            f"{command}: {source} is empty: give a value or leave the option out "
            "(an unset shell variable expands to nothing)"
        )
    return UsageError(f"{command}: {source} is set but empty: give it a value or unset it")


@dataclass(frozen=True, slots=True)
class Given:
    """The options a command was given (absent: None) and the environment.

    An option or variable given as the empty string is refused when read
    (``empty_refused``), never treated as absent.
    """

    options: Mapping[str, str | None]
    env: Mapping[str, str]
    command: str = "boxauth"

    def option(self, name: str) -> Setting | None:
        value = self.options.get(name)
        if value is None:
            return None
        if not value:
            raise empty_refused(self.command, OPTION[name])
        return Setting(name, value, OPTION[name])

    def variable(self, name: str) -> Setting | None:
        variable = ENV.get(name)
        value = self.env.get(variable) if variable else None
        if value is None or variable is None:
            return None
        if not value:
            raise empty_refused(self.command, variable)
        return Setting(name, value, variable)

    def setting(self, name: str) -> Setting | None:
        """The option if given, else its variable: within one setting."""
        return self.option(name) or self.variable(name)


# -- the method -------------------------------------------------------------------


class Rule(enum.Enum):
    FROM_OPTIONS = "the one method the options name"
    FROM_VARIABLES = "the one method the variables name"
    OAUTH = "OAuth, with the tokens in --token-file"
    REFUSE_OPTIONS = "refuse: the options name several methods"
    REFUSE_VARIABLES = "refuse: the variables name several methods"
    REFUSE_AMBIGUOUS_FILE = "refuse: --token-file could be OAuth's or the variable's method's cache"
    NO_CREDENTIALS = "refuse: no credentials"


NONE, ONE, SEVERAL = "none", "one", "several"

# (methods the options name, methods the variables name, --token-file given) -> rule.
# With --auth METHOD the method is METHOD, and an option naming another method
# is refused (``choose_method``).
METHOD_RULES: dict[tuple[str, str, bool], Rule] = {
    (NONE, NONE, False): Rule.NO_CREDENTIALS,
    (NONE, NONE, True): Rule.OAUTH,
    (NONE, ONE, False): Rule.FROM_VARIABLES,
    (NONE, ONE, True): Rule.REFUSE_AMBIGUOUS_FILE,
    (NONE, SEVERAL, False): Rule.REFUSE_VARIABLES,
    (NONE, SEVERAL, True): Rule.REFUSE_VARIABLES,
    (ONE, NONE, False): Rule.FROM_OPTIONS,
    (ONE, NONE, True): Rule.FROM_OPTIONS,
    (ONE, ONE, False): Rule.FROM_OPTIONS,
    (ONE, ONE, True): Rule.FROM_OPTIONS,
    (ONE, SEVERAL, False): Rule.FROM_OPTIONS,
    (ONE, SEVERAL, True): Rule.FROM_OPTIONS,
    (SEVERAL, NONE, False): Rule.REFUSE_OPTIONS,
    (SEVERAL, NONE, True): Rule.REFUSE_OPTIONS,
    (SEVERAL, ONE, False): Rule.REFUSE_OPTIONS,
    (SEVERAL, ONE, True): Rule.REFUSE_OPTIONS,
    (SEVERAL, SEVERAL, False): Rule.REFUSE_OPTIONS,
    (SEVERAL, SEVERAL, True): Rule.REFUSE_OPTIONS,
}


def _count(found: Mapping[Method, list[Setting]]) -> str:
    return NONE if not found else ONE if len(found) == 1 else SEVERAL


def _names(settings: list[Setting]) -> str:
    sources = [s.source for s in settings]
    return ", ".join(sources[:-1]) + " and " + sources[-1] if len(sources) > 1 else sources[0]


def _named(given: Given, lookup: str) -> dict[Method, list[Setting]]:
    found: dict[Method, list[Setting]] = {}
    for method, names in NAMED_BY:
        for name in names:
            setting = given.option(name) if lookup == "option" else given.variable(name)
            if setting is not None:
                found.setdefault(method, []).append(setting)
    return found


def choose_method(given: Given, forced: str, command: str) -> Method:
    """The auth method: ``--auth`` if forced, else the row of ``METHOD_RULES``."""
    by_options = _named(given, "option")
    if forced != "auto":
        method = Method(forced)
        others = [s for m, found in by_options.items() if m is not method for s in found]
        if others:
            raise UsageError(
                f"{command}: --auth {forced} and {_names(others)} conflict: "
                "they name different methods"
            )
        return method
    by_variables = _named(given, "variable")
    token_file = given.option("token_file")
    rule = METHOD_RULES[(_count(by_options), _count(by_variables), token_file is not None)]
    if rule is Rule.FROM_OPTIONS:
        return next(iter(by_options))
    if rule is Rule.FROM_VARIABLES:
        return next(iter(by_variables))
    if rule is Rule.OAUTH:
        return Method.OAUTH
    if rule is Rule.REFUSE_OPTIONS:
        every = [s for found in by_options.values() for s in found]
        raise UsageError(f"{command}: {_names(every)} conflict: they name different methods")
    if rule is Rule.REFUSE_VARIABLES:
        every = [s for found in by_variables.values() for s in found]
        raise UsageError(
            f"{command}: {_names(every)} are set and name different methods; "
            "choose one with --auth (or an option)"
        )
    if rule is Rule.REFUSE_AMBIGUOUS_FILE:
        method, found = next(iter(by_variables.items()))
        raise UsageError(
            f"{command}: --token-file and {_names(found)} conflict: the file could hold "
            f"OAuth tokens or be a {method.value} token cache; add --auth oauth "
            f"or --auth {method.value}"
        )
    raise UsageError(
        f"{command}: no credentials: give --developer-token, --jwt-config, "
        "--enterprise-id or --user-id (CCG, with the client id and secret), "
        "or --token-file (OAuth, after `boxauth login`); or their variables"
    )


# -- the CCG subject ----------------------------------------------------------------

SUBJECTS = ("enterprise_id", "user_id")


def ccg_subject(given: Given, command: str) -> Setting:
    """Who a CCG token is for: the one subject option, else the one subject variable.

    Both options: refused (box_sdk_gen silently prefers the user; we do not
    guess). Both variables and no option: refused. Either way the message
    names the two settings.
    """
    options = [s for s in (given.option(n) for n in SUBJECTS) if s is not None]
    variables = [s for s in (given.variable(n) for n in SUBJECTS) if s is not None]
    for found in (options, variables):
        if len(found) == 2:
            raise UsageError(
                f"{command}: {_names(found)} conflict: a token is for the enterprise's "
                "Service Account or for one user; give one"
            )
        if found:
            return found[0]
    raise UsageError(f"{command}: CCG needs --enterprise-id or --user-id")


# -- the client id and secret ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClientPair:
    """Where the client id and secret are: both as settings, or an app config."""

    client_id: Setting | None = None
    client_secret: Setting | None = None
    app_config: Setting | None = None


def client_pair(given: Given, command: str, why: str, *, required: bool = True) -> ClientPair:
    """The client id and secret: options, then variables, then an app config.

    1. ``--app-config`` (a console config, path or JSON) gives both; it may not
       be combined with ``--client-id`` or ``--client-secret``.
    2. Else each of ``--client-id`` / ``--client-secret`` falls back to its
       variable (``BOX_CLIENT_ID`` / ``BOX_CLIENT_SECRET``).
    3. If neither was found that way, ``BOX_JWT_CONFIG``'s ``boxAppSettings``
       gives both (the app the emulator's ``--fixture-out`` writes).
    Half a pair is refused: an id from one place and a secret from another
    would belong to different apps.
    """
    app_config = given.option("app_config")
    explicit = [s for s in (given.option("client_id"), given.option("client_secret")) if s]
    if app_config is not None:
        if explicit:
            raise UsageError(
                f"{command}: --app-config and {_names(explicit)} conflict: "
                "give the client id and secret one way"
            )
        return ClientPair(app_config=app_config)
    client_id, client_secret = given.setting("client_id"), given.setting("client_secret")
    if client_id is not None and client_secret is not None:
        return ClientPair(client_id, client_secret)
    if client_id is None and client_secret is None:
        fallback = given.variable("jwt_config")
        if fallback is not None:
            return ClientPair(app_config=fallback)
        if not required:
            return ClientPair()
    raise UsageError(
        f"{command}: {why} needs the client id and secret: --client-id and "
        "--client-secret (or BOX_CLIENT_ID and BOX_CLIENT_SECRET), or --app-config FILE"
    )


# -- paths and URLs ------------------------------------------------------------------


def reads_as_file_name(value: str) -> bool:
    """Whether ``value`` reads as a file name: exactly when the CLI may show it.

    ``boxauth.settings.shown_path`` quotes a value only if it is one plausible
    line with a directory part or a short extension (``tokens.json``,
    ``./tokens``), and not base64-like; a pasted secret or token has neither.
    """
    return shown_path(value) == repr(value)


def checked_path(setting: Setting | None, command: str) -> str | None:
    """A file setting's value, refused (described by its length, never quoted) unless it
    reads as a file name, before anything is created under that name: a secret
    pasted here would otherwise become a file name (``<secret>.lock``) that any
    user who can list the directory reads."""
    if setting is None:
        return None
    if not reads_as_file_name(setting.value):
        raise UsageError(
            f"{command}: {setting.source}: {describe_value(setting.value)}; give a file "
            "name with an extension or a directory part (tokens.json, ./tokens)"
        )
    return setting.value


def base_urls(given: Given) -> tuple[str, str]:
    """Where Box is: ``--base-url`` / ``--oauth2-url``, else BOX_BASE_URL /
    BOX_OAUTH2_URL, else Box's own URLs.

    The two go together: once either option is given, neither variable is
    read, so an option can never be paired with a variable meant for another
    server (an emulator's, say).
    """
    options = (given.option("base_url"), given.option("oauth2_url"))
    base, oauth2 = (
        options if any(options) else (given.variable("base_url"), given.variable("oauth2_url"))
    )
    return (
        base.value if base else DEFAULT_BASE_URL,
        oauth2.value if oauth2 else DEFAULT_OAUTH_2_URL,
    )
