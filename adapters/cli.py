"""``boxauth``: the command line (argparse only, so it adds no dependency).

Commands: token, whoami, downscope, revoke, login, emulator, demo. Run
``boxauth COMMAND --help`` for each one's options. Which credentials a
command uses, options against the environment, is ``cli_settings``; the
login listener is ``login``; what is printed, ``cli_output``.

Every path ends with one line on stderr and an exit code from ``EXIT_CODES``
(a traceback never reaches the user), whatever the input, the environment,
the file system or the state of stdout. Nothing secret is printed, except
the token that ``token`` (or ``downscope``) was asked for; a value given for
a path is shown only when it reads as a path.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import io
import json
import logging
import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn, TextIO, cast

from returns.result import Success

from ..exceptions import (
    BoxAuthError,
    BoxConfigError,
    BoxNetworkError,
    BoxReauthRequiredError,
    BoxRefusedError,
    BoxStateMismatchError,
    BoxStorageError,
    exception_for,
)
from ..settings import shown_path
from ..unexpected import class_name
from ..urls import BaseUrls
from .cli_auth import Built, given_of, make_auth
from .cli_output import terminal_text, token_facts
from .cli_settings import Method, UsageError, base_urls, empty_refused
from .entry import run_emulator
from .login import LocalError, LoginTimeoutError

PROG = "boxauth"
DEFAULT_LOGIN_TOKEN_FILE = ".boxauth_token.json"  # noqa: S105  # nosec B105 - a file name

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_NETWORK = 3
EXIT_CSRF = 4
EXIT_OUTPUT = 5
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130

# Every exit code, as --help and README list them.
EXIT_CODES: tuple[tuple[int, str], ...] = (
    (EXIT_OK, "ok"),
    (EXIT_REFUSED, "Box refused, or a new sign-in is needed"),
    (EXIT_USAGE, "usage, configuration or local problem (a file, a port, the token storage)"),
    (EXIT_NETWORK, "network failure, or no redirect reached `login` in time"),
    (EXIT_CSRF, "`login` refused redirects with a state it did not issue (possible CSRF)"),
    (EXIT_OUTPUT, "the output could not be written (stdout closed, a broken pipe)"),
    (EXIT_INTERNAL, "a bug in boxauth (please report it)"),
    (EXIT_INTERRUPTED, "interrupted (Ctrl-C)"),
)
EXIT_HELP = "Exit codes: " + "; ".join(f"{code} {words}" for code, words in EXIT_CODES) + "."


class CommandError(Exception):
    """A command's own failure, with its exit code and one-line message."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


class OutputError(Exception):
    """stdout could not be written: closed, or its reader went away."""


# The exit code of each exception, found along its class's MRO, so a
# subclass (BoxAPIError under BoxRefusedError, say) gets its parent's code.
EXIT_FOR: dict[type[BaseException], int] = {
    UsageError: EXIT_USAGE,
    LocalError: EXIT_USAGE,
    BoxConfigError: EXIT_USAGE,
    BoxStorageError: EXIT_USAGE,
    BoxStateMismatchError: EXIT_CSRF,
    BoxNetworkError: EXIT_NETWORK,
    LoginTimeoutError: EXIT_NETWORK,
    BoxReauthRequiredError: EXIT_REFUSED,
    BoxRefusedError: EXIT_REFUSED,
    BoxAuthError: EXIT_REFUSED,
    OutputError: EXIT_OUTPUT,
}


def exit_code(exc: BaseException) -> int:
    if isinstance(exc, CommandError):
        return exc.code
    if isinstance(exc, LoginTimeoutError) and exc.unknown_states:
        return EXIT_CSRF
    for cls in type(exc).__mro__:
        if cls in EXIT_FOR:
            return EXIT_FOR[cls]
    return EXIT_INTERNAL


# -- the parser ------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """argparse, but an error is one line (no usage block), exit 2, and quotes
    no value that could be a secret."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {_without_values(message)} (see --help)")


_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")


def shown_word(value: str) -> str:
    """A command-line word, quoted if it may be shown (an option name, a short
    lower-case word such as a command), else described by its length only."""
    if re.fullmatch(r"-{0,2}[a-z][a-z0-9_-]{0,24}", value):
        return repr(value)
    return f"a {len(value):,}-character value"


def _without_values(message: str) -> str:
    # argparse quotes the user's values with %r ("invalid choice: 'x'",
    # "ignored explicit argument 'x'"); option names and our choices are plain
    # words and stay.
    def replace(match: re.Match[str]) -> str:
        try:
            value = ast.literal_eval(match.group(0))
        except (ValueError, SyntaxError):
            return "a value"
        return shown_word(value) if isinstance(value, str) else "a value"

    return _QUOTED.sub(replace, message)


def _where() -> _Parser:
    common = _Parser(add_help=False, allow_abbrev=False)
    where = common.add_argument_group("where Box is (both options, else both variables)")
    where.add_argument(
        "--base-url",
        metavar="URL",
        help="Box API base: token, revoke and /2.0 calls (BOX_BASE_URL; "
        "default https://api.box.com)",
    )
    where.add_argument(
        "--oauth2-url",
        metavar="URL",
        help="Box OAuth 2.0 base, for the authorize page (BOX_OAUTH2_URL; "
        "default https://account.box.com/api/oauth2)",
    )
    common.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="log boxauth's requests (never their secrets) to stderr",
    )
    return common


# (option, metavar, help) for the plain options; each names its variable.
CLIENT_OPTIONS = (
    ("--client-id", "ID", "app client id (BOX_CLIENT_ID)"),
    ("--client-secret", "SECRET", "app client secret (BOX_CLIENT_SECRET; prefer the variable)"),
    (
        "--app-config",
        "FILE|JSON",
        "take the client id and secret from a developer console config's "
        "boxAppSettings (path or JSON); when neither is given by an option or "
        "variable, BOX_JWT_CONFIG's app is used",
    ),
)
CREDENTIAL_OPTIONS = (
    (
        "--jwt-config",
        "FILE|JSON",
        "JWT app config from the developer console (BOX_JWT_CONFIG); a value "
        "starting with { is the JSON itself",
    ),
    *CLIENT_OPTIONS,
    ("--enterprise-id", "ID", "CCG as the Service Account (BOX_ENTERPRISE_ID)"),
    ("--user-id", "ID", "CCG as a user (BOX_USER_ID)"),
    (
        "--developer-token",
        "TOKEN",
        "a developer token, or any access token (BOX_DEVELOPER_TOKEN; prefer the variable)",
    ),
    (
        "--token-file",
        "FILE",
        "token file (JSON, mode 0600): OAuth tokens saved by `login`, "
        "or a token cache for JWT and CCG",
    ),
)


def _add(group: Any, rows: tuple[tuple[str, str, str], ...]) -> None:
    for flag, metavar, words in rows:
        group.add_argument(flag, metavar=metavar, help=words)


def _credentials() -> _Parser:
    creds = _Parser(add_help=False, allow_abbrev=False)
    group = creds.add_argument_group(
        "credentials",
        "each falls back to its environment variable (shown); an option always "
        "outranks every variable, and a conflict is refused (exit 2)",
    )
    group.add_argument(
        "--auth",
        choices=("auto", "developer", "jwt", "ccg", "oauth"),
        default="auto",
        help="which method (default auto: the one the options name, else the one the "
        "variables name, else oauth with --token-file)",
    )
    _add(group, CREDENTIAL_OPTIONS)
    subject = group.add_mutually_exclusive_group()
    subject.add_argument(
        "--as-user", metavar="ID", help="JWT or CCG: act as this user (with_user_subject)"
    )
    subject.add_argument(
        "--as-enterprise",
        metavar="ID",
        help="JWT or CCG: act as this enterprise's Service Account (with_enterprise_subject)",
    )
    return creds


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        allow_abbrev=False,
        description="Authenticate to the Box API: developer token, JWT, CCG and OAuth 2.0. "
        "Errors are one line on stderr.",
        epilog=EXIT_HELP + " Run `boxauth COMMAND --help` for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    common, creds = _where(), _credentials()

    def command(name: str, **kwargs: Any) -> argparse.ArgumentParser:
        made: argparse.ArgumentParser = sub.add_parser(
            name, allow_abbrev=False, epilog=EXIT_HELP, **kwargs
        )
        return made

    token = command(
        "token",
        parents=[common, creds],
        help="print an access token",
        description="Get an access token and print it (with --json: and its expiry "
        "and restrictions). The refresh token is never printed.",
    )
    token.add_argument(
        "--json", action="store_true", help="print JSON with expiry and restrictions"
    )
    whoami = command(
        "whoami",
        parents=[common, creds],
        help="show whose token it is (users/me)",
        description="Call GET /2.0/users/me and print the user's id, name and login "
        "(control characters in them are shown escaped).",
    )
    whoami.add_argument("--json", action="store_true", help="print JSON")
    down = command(
        "downscope",
        parents=[common, creds],
        help="print a downscoped token",
        description="Exchange the current token for a narrower one and print it. "
        "The parent token is not printed.",
    )
    down.add_argument(
        "--scope",
        action="append",
        required=True,
        metavar="S",
        help="a scope to keep, e.g. item_preview (repeat for several)",
    )
    target = down.add_mutually_exclusive_group()
    target.add_argument(
        "--resource", metavar="URL", help="restrict to one item: https://api.box.com/2.0/files/ID"
    )
    target.add_argument("--shared-link", metavar="URL", help="restrict to a shared link's item")
    down.add_argument("--json", action="store_true", help="print JSON with expiry and restrictions")
    command(
        "revoke",
        parents=[common, creds],
        help="revoke the stored token",
        description="Revoke the token at Box and delete --token-file. For a developer "
        "token (or any access token passed as one), the client id and secret are "
        "needed too.",
    )
    _login_parser(command, common)
    sub.add_parser(
        "emulator", add_help=False, help="run the Box emulator on loopback (see emulator --help)"
    )
    command(
        "demo",
        help="walk through every auth flow against a built-in emulator",
        description="Start the emulator in-process and walk through every flow of the "
        "guide. Exits 0 only if every step succeeded.",
    )
    return parser


def _login_parser(command: Callable[..., argparse.ArgumentParser], common: _Parser) -> None:
    login = command(
        "login",
        parents=[common],
        help="OAuth 2.0 sign-in; saves tokens to --token-file",
        description="Print the authorize URL, wait for Box's redirect on a loopback "
        "port, check its state, exchange the code and save the tokens (mode 0600). "
        "Requests that are not the redirect are refused and reported, and login keeps "
        "waiting. Later commands use the tokens with --token-file and the same app.",
    )
    _add(login.add_argument_group("credentials (or their variables)"), CLIENT_OPTIONS)
    login.add_argument(
        "--token-file",
        default=DEFAULT_LOGIN_TOKEN_FILE,
        metavar="FILE",
        help=f"where to save the tokens (default {DEFAULT_LOGIN_TOKEN_FILE})",
    )
    login.add_argument(
        "--redirect-port",
        type=_port,
        default=0,
        metavar="PORT",
        help="loopback port to listen on (default 0: a free one)",
    )
    login.add_argument(
        "--redirect-path",
        default="/callback",
        metavar="PATH",
        help="path of the redirect URI (default /callback); the URI is "
        "http://127.0.0.1:PORT/PATH and must be registered for the app",
    )
    login.add_argument("--scope", action="append", metavar="S", help="an OAuth scope to ask for")
    browser = login.add_mutually_exclusive_group()
    browser.add_argument(
        "--open", action="store_true", help="also open the URL in a web browser (not waited for)"
    )
    browser.add_argument(
        "--no-browser", dest="open", action="store_false", help="only print the URL (default)"
    )
    login.add_argument(
        "--timeout",
        type=_seconds,
        default=300.0,
        metavar="SECONDS",
        help="how long to wait for the redirect, at most (default 300)",
    )


def _version() -> str:
    from .. import __version__  # noqa: PLC0415 - only for --version

    return __version__


def _port(text: str) -> int:
    if not text.isascii() or not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError("must be a port number 0..65535")
    return int(text)


def _seconds(text: str) -> float:
    # float()'s ValueError quotes the text: it is dropped, never chained.
    try:
        value: float | None = float(text)
    except ValueError:
        value = None
    if value is None:
        raise argparse.ArgumentTypeError("must be a number of seconds")
    if not 0 < value <= 86400:
        raise argparse.ArgumentTypeError("must be between 0 and 86400 seconds")
    return value


# -- commands ----------------------------------------------------------------------


def _print_token(token: Any, as_json: bool, out: TextIO) -> None:
    if as_json:
        record = {"access_token": token.access_token, **token_facts(token)}
        out.write(json.dumps(record, indent=2) + "\n")
    else:
        out.write(f"{token.access_token}\n")


def _signed_out(built: Built, exc: BoxReauthRequiredError, command: str) -> CommandError:
    """A re-auth error for OAuth, saying what the token file has to do with it."""
    shown = shown_path(built.token_file)
    if built.token_file is not None and not os.path.lexists(built.token_file):
        return CommandError(
            EXIT_REFUSED,
            f"{command}: the token file {shown} does not exist: `boxauth login` "
            "with the same --token-file signs in and creates it",
        )
    return CommandError(
        EXIT_REFUSED,
        f"{command}: {exc}; `boxauth login` with the same --token-file signs in again",
    )


def _run_auth(built: Built, command: str, call: Callable[[], Any]) -> Any:
    try:
        return call()
    except BoxReauthRequiredError as exc:
        if built.method is not Method.OAUTH:
            raise
        signed_out = _signed_out(built, exc, command)
    raise signed_out  # outside the except: nothing chained


def _saved(built: Built, command: str) -> int:
    """EXIT_OK, unless a renewed token could not be saved: it dies with this process."""
    if not built.auth.unsaved:
        return EXIT_OK
    where = shown_path(built.token_file) if built.token_file else "the token storage"
    raise CommandError(
        EXIT_USAGE,
        f"{command}: the renewed token could not be saved to {where} (see the error above); "
        "it is lost when this command ends",
    )


def cmd_token(args: argparse.Namespace, env: dict[str, str], urls: BaseUrls, out: TextIO) -> int:
    command = f"{PROG} token"
    built = make_auth(args, env, urls, command)
    token = _run_auth(built, command, built.auth.retrieve_token)
    _print_token(token, args.json, out)
    return _saved(built, command)


def cmd_whoami(args: argparse.Namespace, env: dict[str, str], urls: BaseUrls, out: TextIO) -> int:
    from .client import BoxClient  # noqa: PLC0415

    command = f"{PROG} whoami"
    built = make_auth(args, env, urls, command)
    me = _run_auth(built, command, BoxClient(built.auth).users.get_user_me)
    if args.json:  # json.dumps escapes every control character
        record = {"id": me.id, "type": me.type, "name": me.name, "login": me.login}
        out.write(json.dumps(record, indent=2) + "\n")
    else:  # Box's text, so escaped: a name may hold escape sequences or newlines
        lines = (("id", me.id), ("name", me.name or ""), ("login", me.login or ""))
        out.write("".join(f"{key}: {terminal_text(value)}\n" for key, value in lines))
    return _saved(built, command)


def cmd_downscope(
    args: argparse.Namespace, env: dict[str, str], urls: BaseUrls, out: TextIO
) -> int:
    command = f"{PROG} downscope"
    built = make_auth(args, env, urls, command)

    def downscope() -> Any:
        return built.auth.downscope_token(
            args.scope, resource=args.resource, shared_link=args.shared_link
        )

    try:
        token = _run_auth(built, command, downscope)
    except BoxRefusedError as exc:
        if exc.error_code != "invalid_resource":
            raise
        hint = f"the token is {built.whose}, and the item may not be visible to it"
        if built.method in (Method.JWT, Method.CCG):
            hint += "; --as-user ID acts as a user who can see it"
        message = f"{command}: {type(exc).__name__}: {exc} ({hint})"
    else:
        _print_token(token, args.json, out)
        return _saved(built, command)
    raise CommandError(EXIT_REFUSED, message)  # outside the except: nothing chained


def cmd_revoke(args: argparse.Namespace, env: dict[str, str], urls: BaseUrls, out: TextIO) -> int:
    command = f"{PROG} revoke"
    built = make_auth(args, env, urls, command)
    token_file = built.token_file
    if built.method is not Method.DEVELOPER and token_file is None:
        raise UsageError(
            f"{command}: nothing to revoke: give --token-file (the stored token), or the "
            "token itself with --developer-token and the client id and secret"
        )
    shown = shown_path(token_file)
    if token_file is not None and built.auth.token_storage.get() is None:
        out.write(f"{shown} holds no token; nothing to revoke\n")
        return EXIT_OK
    result = built.auth.revoke_token_result()
    if not isinstance(result, Success):
        raise exception_for(result.failure())
    if token_file is None:
        out.write("token revoked at Box\n")
    elif os.path.lexists(token_file):
        out.write(f"token revoked at Box; {shown} no longer holds it\n")
    else:
        out.write(f"token revoked at Box; {shown} deleted\n")
    return EXIT_OK


def cmd_login(args: argparse.Namespace, env: dict[str, str], urls: BaseUrls, out: TextIO) -> int:
    from .login import run_login  # noqa: PLC0415

    return run_login(args, env, urls, out)


def cmd_emulator(argv: Sequence[str]) -> int:
    return run_emulator(list(argv))


COMMANDS: dict[str, Callable[[argparse.Namespace, dict[str, str], BaseUrls, TextIO], int]] = {
    "token": cmd_token,
    "whoami": cmd_whoami,
    "downscope": cmd_downscope,
    "revoke": cmd_revoke,
    "login": cmd_login,
}


# -- output and errors -------------------------------------------------------------------


class Output(io.TextIOBase):
    """stdout, with its failures (closed, broken pipe, EIO) as ``OutputError``."""

    def __init__(self, stream: TextIO | None) -> None:
        super().__init__()
        self._stream = stream

    def write(self, text: str) -> int:
        return int(self._do(lambda s: s.write(text)))

    def flush(self) -> None:
        self._do(lambda s: s.flush())

    def _do(self, action: Callable[[TextIO], Any]) -> Any:
        if self._stream is None:
            raise OutputError("stdout is closed")
        try:
            return action(self._stream)
        except BrokenPipeError:
            problem = "stdout was closed by its reader (broken pipe)"
        except (OSError, ValueError) as exc:
            problem = f"cannot write to stdout: {getattr(exc, 'strerror', None) or 'it is closed'}"
        raise OutputError(problem)  # outside the except: nothing chained


def _silence_stdout() -> None:
    # After EPIPE, the interpreter's own flush at exit would print a traceback:
    # point fd 1 at /dev/null so there is nothing left to fail.
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def _fail(code: int, message: str) -> int:
    # One line, whatever the message holds, and nothing a terminal acts on.
    line = terminal_text(" ".join(message.split()))
    with contextlib.suppress(Exception):  # stderr itself closed: the code still tells
        sys.stderr.write(f"{line}\n")
        sys.stderr.flush()
    return code


def _message(exc: BaseException, command: str) -> str:
    if isinstance(exc, UsageError | CommandError | LocalError):
        return str(exc)
    if isinstance(exc, LoginTimeoutError):
        return f"{PROG} login: {exc}"
    if isinstance(exc, OutputError):
        return f"{PROG}: {exc}"
    if isinstance(exc, BoxConfigError):
        return f"{command}: configuration error: {exc}"
    if isinstance(exc, BoxNetworkError):
        return f"{command}: network error: {exc}"
    if isinstance(exc, BoxStorageError):
        return f"{command}: {exc}"
    return f"{command}: {type(exc).__name__}: {exc}"


class _StderrHandler(logging.StreamHandler[TextIO]):
    """The CLI's log handler: one escaped line per record, silent if stderr fails."""

    def format(self, record: logging.LogRecord) -> str:
        return terminal_text(" ".join(super().format(record).split()))

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        return  # a closed stderr must not turn into a traceback


def _logging(verbose: bool) -> None:
    log = logging.getLogger("boxauth")
    if not any(isinstance(h, _StderrHandler) for h in log.handlers):
        handler = _StderrHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(f"{PROG}: %(levelname)s: %(message)s"))
        log.addHandler(handler)
    log.setLevel(logging.DEBUG if verbose else logging.WARNING)


def _tolerant_streams() -> None:
    # A locale that cannot encode a name (LANG=C on an old system, a latin-1
    # terminal) must not turn printing into a UnicodeEncodeError.
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError, OSError):
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]


def _parse(args_list: list[str]) -> argparse.Namespace:
    parser = build_parser()
    try:
        args, extras = parser.parse_known_args(args_list)
    except UsageError as exc:
        # _Parser.error raises inside argparse's except blocks, so the error
        # would keep argparse's own (whose text quotes the value) as its
        # context: a fresh one is raised outside.
        refused: UsageError | None = UsageError(str(exc))
    else:
        refused = None
    if refused is not None:
        raise refused
    if extras:
        words = ", ".join(shown_word(word) for word in extras[:5])
        more = f" and {len(extras) - 5} more" if len(extras) > 5 else ""
        raise UsageError(f"{PROG}: unrecognized arguments: {words}{more} (see --help)")
    _refuse_empty(args)
    return args


def _refuse_empty(args: argparse.Namespace) -> None:
    """Every option given as the empty string is refused, never taken as "not given".

    ``--as-user "$USER_ID"`` with USER_ID unset is ``--as-user ""``: read as
    absent, it would act as the Service Account. Each option's name is its
    destination's (``as_user``: ``--as-user``).
    """
    for dest, value in sorted(vars(args).items()):
        values = value if isinstance(value, list) else [value]
        if any(isinstance(v, str) and not v for v in values):
            raise empty_refused(f"{PROG} {args.command}", "--" + dest.replace("_", "-"))


def main(argv: list[str] | None = None) -> int:
    """The ``boxauth`` console script. Returns the exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["emulator"]:
        return cmd_emulator(args_list[1:])
    if sys.stdout is None:  # started with fd 1 closed: do nothing that needs output
        return _fail(EXIT_OUTPUT, f"{PROG}: stdout is closed")
    _tolerant_streams()
    out = cast(TextIO, Output(sys.stdout))
    command = PROG
    try:
        try:
            args = _parse(args_list)
        except SystemExit as done:  # --help and --version
            return done.code if isinstance(done.code, int) else EXIT_OK
        command = f"{PROG} {args.command}"
        if args.command == "demo":
            from .demo import run_demo  # noqa: PLC0415

            code = run_demo(out)
        else:
            _logging(args.verbose)
            base, oauth2 = base_urls(given_of(args, dict(os.environ), command))
            urls = BaseUrls(base_url=base, oauth_2_url=oauth2)
            code = COMMANDS[args.command](args, dict(os.environ), urls, out)
        out.flush()
        return code
    except KeyboardInterrupt:
        return _fail(EXIT_INTERRUPTED, f"{command}: interrupted")
    except OutputError as exc:
        _silence_stdout()
        return _fail(EXIT_OUTPUT, _message(exc, command))
    except (UsageError, CommandError, LocalError, LoginTimeoutError, BoxAuthError) as exc:
        return _fail(exit_code(exc), _message(exc, command))
    except OSError as exc:  # a local file or socket: strerror only, the path if showable
        where = f"{shown_path(exc.filename)}: " if exc.filename else ""
        return _fail(EXIT_USAGE, f"{command}: {where}{exc.strerror or type(exc).__name__}")
    except Exception as exc:  # a bug: its text might hold anything, so the class only
        return _fail(EXIT_INTERNAL, f"{command}: internal error ({class_name(exc)}); "
                     "please report it with the command that caused it")  # fmt: skip
