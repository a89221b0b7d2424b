"""``boxauth``: the command line (argparse only, so the core stays dependency-light).

Commands: token, whoami, downscope, revoke, login, emulator, demo. Run
``boxauth COMMAND --help`` for each one's options.

Credentials come from options or, so secrets need not appear on a command
line, from the environment: BOX_CLIENT_ID, BOX_CLIENT_SECRET, BOX_ENTERPRISE_ID,
BOX_USER_ID, BOX_DEVELOPER_TOKEN, BOX_JWT_CONFIG. An option wins over its
variable. Which method is used (``--auth auto``) is the first that applies:

1. a developer token (``--developer-token``);
2. a JWT console config (``--jwt-config FILE``);
3. CCG: client id and secret with ``--enterprise-id`` or ``--user-id``;
4. OAuth: client id and secret with ``--token-file`` (tokens saved by ``login``).

``--token-file`` is also a token cache for JWT and CCG (that is what ``revoke``
revokes for them).

Errors are one line on stderr. Exit codes: 0 ok, 1 Box refused (or a new
sign-in is needed), 2 usage or configuration error, 3 network. Nothing secret
is printed, except the token that ``token`` (or ``downscope``) was asked for.
"""

from __future__ import annotations

import argparse
import http.server
import json
import logging
import os
import sys
import threading
import time
import webbrowser
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NoReturn, TextIO

from ..access_token import AccessToken
from ..exceptions import (
    BoxAuthError,
    BoxConfigError,
    BoxNetworkError,
)
from ..urls import DEFAULT_BASE_URL, DEFAULT_OAUTH_2_URL, BaseUrls
from .auth import BaseAuth, SubjectAuth

PROG = "boxauth"
EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_NETWORK = 0, 1, 2, 3
DEFAULT_LOGIN_TOKEN_FILE = ".boxauth_token.json"  # noqa: S105  # nosec B105

ENV = {
    "client_id": "BOX_CLIENT_ID",
    "client_secret": "BOX_CLIENT_SECRET",  # nosec B105
    "enterprise_id": "BOX_ENTERPRISE_ID",
    "user_id": "BOX_USER_ID",
    "developer_token": "BOX_DEVELOPER_TOKEN",  # nosec B105
    "jwt_config": "BOX_JWT_CONFIG",
}


class UsageError(Exception):
    """A usage mistake found by argparse or by this module: exit 2."""


class LoginTimeoutError(Exception):
    """No redirect reached the login listener in time: exit 3."""


class LocalError(Exception):
    """A local failure (a port in use, an unwritable file): exit 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but an error is one line on stderr (no usage block) and exit 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see --help)")


# -- the parser ------------------------------------------------------------------


def _common() -> _Parser:
    common = _Parser(add_help=False)
    where = common.add_argument_group("where Box is")
    where.add_argument(
        "--base-url",
        default=DEFAULT_BASE_URL,
        metavar="URL",
        help=f"Box API base: token, revoke and /2.0 calls (default {DEFAULT_BASE_URL})",
    )
    where.add_argument(
        "--oauth2-url",
        default=DEFAULT_OAUTH_2_URL,
        metavar="URL",
        help=f"Box OAuth 2.0 base, for the authorize page (default {DEFAULT_OAUTH_2_URL})",
    )
    common.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="log boxauth's requests (never their secrets) to stderr",
    )
    return common


def _credentials() -> _Parser:
    creds = _Parser(add_help=False)
    group = creds.add_argument_group(
        "credentials", "each option falls back to its environment variable (shown)"
    )
    group.add_argument(
        "--auth",
        choices=("auto", "developer", "jwt", "ccg", "oauth"),
        default="auto",
        help="which method to use (default auto: the first that applies, in this order: "
        "developer, jwt, ccg, oauth)",
    )
    group.add_argument("--jwt-config", metavar="FILE", help="JWT app config JSON (BOX_JWT_CONFIG)")
    group.add_argument("--client-id", metavar="ID", help="app client id (BOX_CLIENT_ID)")
    group.add_argument(
        "--client-secret",
        metavar="SECRET",
        help="app client secret (BOX_CLIENT_SECRET; prefer the variable)",
    )
    group.add_argument(
        "--enterprise-id", metavar="ID", help="CCG as the enterprise (BOX_ENTERPRISE_ID)"
    )
    group.add_argument("--user-id", metavar="ID", help="CCG as a user (BOX_USER_ID)")
    group.add_argument(
        "--developer-token",
        metavar="TOKEN",
        help="a developer token, or any access token (BOX_DEVELOPER_TOKEN; prefer the variable)",
    )
    group.add_argument(
        "--token-file",
        metavar="FILE",
        help="token file (JSON, mode 0600): OAuth tokens saved by `login`, "
        "or a token cache for JWT and CCG",
    )
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
        description="Authenticate to the Box API: developer token, JWT, CCG and OAuth 2.0.",
        epilog="Exit codes: 0 ok, 1 Box refused, 2 usage or config error, 3 network. "
        "Run `boxauth COMMAND --help` for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    common, creds = _common(), _credentials()

    token = sub.add_parser(
        "token",
        parents=[common, creds],
        help="print an access token",
        description="Get an access token and print it (with --json: and its expiry "
        "and restrictions). The refresh token is never printed.",
    )
    token.add_argument(
        "--json", action="store_true", help="print JSON with expiry and restrictions"
    )

    whoami = sub.add_parser(
        "whoami",
        parents=[common, creds],
        help="show whose token it is (users/me)",
        description="Call GET /2.0/users/me and print the user's id, name and login.",
    )
    whoami.add_argument("--json", action="store_true", help="print JSON")

    down = sub.add_parser(
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

    sub.add_parser(
        "revoke",
        parents=[common, creds],
        help="revoke the stored token",
        description="Revoke the token at Box and clear it from --token-file. For a "
        "developer token (or any access token passed as one), --client-id and "
        "--client-secret are needed too.",
    )

    login = sub.add_parser(
        "login",
        parents=[common],
        help="OAuth 2.0 sign-in; saves tokens to --token-file",
        description="Print the authorize URL, wait for Box's redirect on a loopback "
        "port, check its state, exchange the code and save the tokens (mode 0600). "
        "Later commands use them with --token-file and the same client id and secret.",
    )
    login_creds = login.add_argument_group("credentials")
    login_creds.add_argument("--client-id", metavar="ID", help="app client id (BOX_CLIENT_ID)")
    login_creds.add_argument(
        "--client-secret",
        metavar="SECRET",
        help="app client secret (BOX_CLIENT_SECRET; prefer the variable)",
    )
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
    browser.add_argument("--open", action="store_true", help="open the URL in a web browser")
    browser.add_argument(
        "--no-browser", dest="open", action="store_false", help="only print the URL (default)"
    )
    login.add_argument(
        "--timeout",
        type=_seconds,
        default=300.0,
        metavar="SECONDS",
        help="how long to wait for the redirect (default 300)",
    )

    sub.add_parser(
        "emulator", add_help=False, help="run the Box emulator on loopback (see emulator --help)"
    )
    sub.add_parser(
        "demo",
        help="walk through every auth flow against a built-in emulator",
        description="Start the emulator in-process and walk through every flow of the "
        "guide. Exits 0 only if every step succeeded.",
    )
    return parser


def _version() -> str:
    from .. import __version__  # noqa: PLC0415 - only for --version

    return __version__


def _port(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError("must be a port number 0..65535")
    return int(text)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a number of seconds") from None
    if not 0 < value <= 86400:
        raise argparse.ArgumentTypeError("must be between 0 and 86400 seconds")
    return value


# -- credentials ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Shell:
    """What every auth object gets: where Box is."""

    base_urls: BaseUrls

    def kwargs(self) -> dict[str, Any]:
        return {"base_urls": self.base_urls}


def _value(args: argparse.Namespace, name: str, env: dict[str, str]) -> str | None:
    given: str | None = getattr(args, name, None)
    if given:
        return given
    variable = ENV.get(name)
    found = env.get(variable) if variable else None
    return found or None


def _storage(path: str | None) -> Any:
    from .storage import FileTokenStorage  # noqa: PLC0415 - loaded only when needed

    return FileTokenStorage(filename=path) if path else None


def _pick(args: argparse.Namespace, env: dict[str, str]) -> str:
    if args.auth != "auto":
        chosen: str = args.auth
        return chosen
    if _value(args, "developer_token", env):
        return "developer"
    if _value(args, "jwt_config", env):
        return "jwt"
    if _value(args, "enterprise_id", env) or _value(args, "user_id", env):
        return "ccg"
    if args.token_file:
        return "oauth"
    raise UsageError(
        f"{PROG} {args.command}: no credentials: give --developer-token, --jwt-config, "
        "--client-id/--client-secret with --enterprise-id or --user-id (CCG), "
        "or --client-id/--client-secret with --token-file (OAuth, after `boxauth login`)"
    )


def _client_pair(args: argparse.Namespace, env: dict[str, str], why: str) -> tuple[str, str]:
    client_id = _value(args, "client_id", env)
    client_secret = _value(args, "client_secret", env)
    if not client_id or not client_secret:
        raise UsageError(
            f"{PROG} {args.command}: {why} needs --client-id and --client-secret "
            "(or BOX_CLIENT_ID and BOX_CLIENT_SECRET)"
        )
    return client_id, client_secret


def make_auth(args: argparse.Namespace, env: dict[str, str], shell: Shell) -> BaseAuth:
    """The auth object the options and environment describe."""
    method = _pick(args, env)
    storage = _storage(args.token_file)
    auth: BaseAuth
    if method == "developer":
        from .configs import DeveloperTokenConfig  # noqa: PLC0415
        from .developer_token_auth import BoxDeveloperTokenAuth  # noqa: PLC0415

        token = _value(args, "developer_token", env)
        if not token:
            raise UsageError(f"{PROG} {args.command}: --auth developer needs --developer-token")
        dev_config = DeveloperTokenConfig(
            client_id=_value(args, "client_id", env),
            client_secret=_value(args, "client_secret", env),
        )
        auth = BoxDeveloperTokenAuth(token, config=dev_config, **shell.kwargs())
    elif method == "jwt":
        from .configs import JWTConfig  # noqa: PLC0415
        from .jwt_auth import BoxJWTAuth  # noqa: PLC0415

        path = _value(args, "jwt_config", env)
        if not path:
            raise UsageError(f"{PROG} {args.command}: --auth jwt needs --jwt-config FILE")
        auth = BoxJWTAuth(JWTConfig.from_config_file(path, storage), **shell.kwargs())
    elif method == "ccg":
        from .ccg_auth import BoxCCGAuth  # noqa: PLC0415
        from .configs import CCGConfig  # noqa: PLC0415

        client_id, client_secret = _client_pair(args, env, "CCG")
        user_id = _value(args, "user_id", env)
        enterprise_id = None if user_id else _value(args, "enterprise_id", env)
        if not user_id and not enterprise_id:
            raise UsageError(f"{PROG} {args.command}: CCG needs --enterprise-id or --user-id")
        config = CCGConfig(
            client_id,
            client_secret,
            enterprise_id=enterprise_id,
            user_id=user_id,
            token_storage=storage,
        )
        auth = BoxCCGAuth(config, **shell.kwargs())
    else:
        from .configs import OAuthConfig  # noqa: PLC0415
        from .oauth import BoxOAuth  # noqa: PLC0415

        if not args.token_file:
            raise UsageError(
                f"{PROG} {args.command}: OAuth needs --token-file (run `boxauth login` first)"
            )
        client_id, client_secret = _client_pair(args, env, "OAuth")
        auth = BoxOAuth(
            OAuthConfig(client_id, client_secret, token_storage=storage), **shell.kwargs()
        )
    if args.as_user or args.as_enterprise:
        if not isinstance(auth, SubjectAuth):
            raise UsageError(
                f"{PROG} {args.command}: --as-user and --as-enterprise need JWT or CCG"
            )
        if args.as_user:
            auth = auth.with_user_subject(args.as_user, token_storage=storage)
        else:
            auth = auth.with_enterprise_subject(args.as_enterprise, token_storage=storage)
    return auth


# -- output ------------------------------------------------------------------------


def iso(when: float | None) -> str | None:
    if when is None:
        return None
    return datetime.fromtimestamp(when, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def token_facts(token: AccessToken) -> dict[str, Any]:
    """What may be shown about a token besides the token itself."""
    return {
        "token_type": token.token_type,
        "expires_in": token.expires_in,
        "expires_at": token.expires_at,
        "expires_at_utc": iso(token.expires_at),
        "restricted_to": [
            {
                k: v
                for k, v in (
                    ("scope", r.scope),
                    ("object_type", r.object_type),
                    ("object_id", r.object_id),
                    ("object_name", r.object_name),
                )
                if v is not None
            }
            for r in token.restricted_to
        ],
    }


def _print_token(token: AccessToken, as_json: bool, out: TextIO) -> None:
    if as_json:
        record = {"access_token": token.access_token, **token_facts(token)}
        out.write(json.dumps(record, indent=2) + "\n")
    else:
        out.write(f"{token.access_token}\n")


# -- commands ----------------------------------------------------------------------


def cmd_token(args: argparse.Namespace, env: dict[str, str], shell: Shell, out: TextIO) -> int:
    _print_token(make_auth(args, env, shell).retrieve_token(), args.json, out)
    return EXIT_OK


def cmd_whoami(args: argparse.Namespace, env: dict[str, str], shell: Shell, out: TextIO) -> int:
    from .client import BoxClient  # noqa: PLC0415

    me = BoxClient(make_auth(args, env, shell)).users.get_user_me()
    if args.json:
        record = {"id": me.id, "type": me.type, "name": me.name, "login": me.login}
        out.write(json.dumps(record, indent=2) + "\n")
    else:
        out.write(f"id: {me.id}\nname: {me.name or ''}\nlogin: {me.login or ''}\n")
    return EXIT_OK


def cmd_downscope(args: argparse.Namespace, env: dict[str, str], shell: Shell, out: TextIO) -> int:
    auth = make_auth(args, env, shell)
    token = auth.downscope_token(args.scope, resource=args.resource, shared_link=args.shared_link)
    _print_token(token, args.json, out)
    return EXIT_OK


def cmd_revoke(args: argparse.Namespace, env: dict[str, str], shell: Shell, out: TextIO) -> int:
    auth = make_auth(args, env, shell)
    from .developer_token_auth import BoxDeveloperTokenAuth  # noqa: PLC0415

    if not isinstance(auth, BoxDeveloperTokenAuth) and not args.token_file:
        raise UsageError(
            f"{PROG} revoke: nothing to revoke: give --token-file (the stored token), or the "
            "token itself with --developer-token and --client-id/--client-secret"
        )
    if auth.token_storage.get() is None:
        out.write("no stored token; nothing to revoke\n")
        return EXIT_OK
    auth.revoke_token()
    out.write("token revoked" + (f"; {args.token_file} cleared\n" if args.token_file else "\n"))
    return EXIT_OK


class _Redirect:
    """What the login listener received: the redirect's path and query, once."""

    def __init__(self) -> None:
        self.target: str | None = None
        self.outcome: str = ""
        self.done = threading.Event()


def _listener(
    path: str, port: int, seen: _Redirect, exchange: Callable[[str], str]
) -> http.server.HTTPServer:
    class Handler(http.server.BaseHTTPRequestHandler):
        timeout = 15  # per connection: a silent client cannot hold the listener

        def do_GET(self) -> None:
            if self.path.split("?", 1)[0] != path or seen.target is not None:
                self.send_error(404)
                return
            seen.target = self.path
            seen.outcome = exchange(f"http://127.0.0.1:{server.server_port}{self.path}")
            page = (
                "<!doctype html><title>boxauth</title><p>"
                + (
                    "Signed in. You may close this window."
                    if seen.outcome == ""
                    else "Sign-in failed; see the terminal."
                )
                + "</p>"
            ).encode()
            self.send_response(200 if seen.outcome == "" else 400)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(page)
            seen.done.set()

        def log_message(self, format: str, *args: Any) -> None:
            return  # the request line holds the code and state: never log it

    server = http.server.HTTPServer(("127.0.0.1", port), Handler)
    return server


def cmd_login(args: argparse.Namespace, env: dict[str, str], shell: Shell, out: TextIO) -> int:
    from .configs import OAuthConfig  # noqa: PLC0415
    from .oauth import BoxOAuth, GetAuthorizeUrlOptions  # noqa: PLC0415

    client_id, client_secret = _client_pair(args, env, "login")
    path = args.redirect_path if args.redirect_path.startswith("/") else "/" + args.redirect_path
    auth = BoxOAuth(
        OAuthConfig(client_id, client_secret, token_storage=_storage(args.token_file)),
        **shell.kwargs(),
    )
    failure: list[BaseException] = []

    def exchange(target: str) -> str:
        # Runs in the listener; any failure is carried back to the main thread.
        try:
            auth.get_tokens_from_redirect(target)
            if auth.token_storage.get() is None:
                raise LocalError(f"could not save the tokens to {args.token_file}")
        except Exception as exc:
            failure.append(exc)
            return type(exc).__name__
        return ""

    seen = _Redirect()
    try:
        server = _listener(path, args.redirect_port, seen, exchange)
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        raise LocalError(f"cannot listen on 127.0.0.1:{args.redirect_port}: {why}") from None
    with server:
        port = server.server_address[1]
        redirect_uri = f"http://127.0.0.1:{port}{path}"
        url = auth.get_authorize_url(
            options=GetAuthorizeUrlOptions(redirect_uri=redirect_uri, scope=args.scope)
        )
        out.write(f"Open this URL to sign in to Box:\n{url}\n")
        out.write(f"Waiting up to {args.timeout:g} s for the redirect to {redirect_uri} ...\n")
        out.flush()
        if args.open:
            webbrowser.open(url)
        deadline = time.monotonic() + args.timeout
        while not seen.done.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                raise LoginTimeoutError(
                    f"{PROG} login: no redirect arrived within {args.timeout:g} s"
                )
            server.timeout = left
            server.handle_request()
    if failure:
        raise failure[0]
    out.write(f"Signed in; tokens saved to {args.token_file} (mode 0600)\n")
    return EXIT_OK


def cmd_demo(out: TextIO) -> int:
    from .demo import run_demo  # noqa: PLC0415

    return run_demo(out)


def cmd_emulator(argv: Sequence[str]) -> int:
    from .emulator.cli import main as emulator_main  # noqa: PLC0415

    try:
        return emulator_main(list(argv))
    except SystemExit as done:  # its own argparse: --help or a usage error
        return done.code if isinstance(done.code, int) else EXIT_USAGE


COMMANDS: dict[str, Callable[[argparse.Namespace, dict[str, str], Shell, TextIO], int]] = {
    "token": cmd_token,
    "whoami": cmd_whoami,
    "downscope": cmd_downscope,
    "revoke": cmd_revoke,
    "login": cmd_login,
}


# -- main ------------------------------------------------------------------------


def _fail(code: int, message: str) -> int:
    line = " ".join(message.split())  # one line, whatever the message holds
    sys.stderr.write(f"{line}\n")
    sys.stderr.flush()
    return code


class _StderrHandler(logging.StreamHandler[TextIO]):
    """The CLI's log handler (a class of its own, so it is added once)."""


def _logging(verbose: bool) -> None:
    log = logging.getLogger("boxauth")
    if not any(isinstance(h, _StderrHandler) for h in log.handlers):
        handler = _StderrHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(f"{PROG}: %(levelname)s: %(message)s"))
        log.addHandler(handler)
    log.setLevel(logging.DEBUG if verbose else logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    """The ``boxauth`` console script. Returns the exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["emulator"]:
        return cmd_emulator(args_list[1:])
    out = sys.stdout
    try:
        try:
            args = build_parser().parse_args(args_list)
        except SystemExit as done:  # --help and --version
            return done.code if isinstance(done.code, int) else EXIT_OK
        if args.command == "demo":
            return cmd_demo(out)
        _logging(args.verbose)
        shell = Shell(BaseUrls(base_url=args.base_url, oauth_2_url=args.oauth2_url))
        return COMMANDS[args.command](args, dict(os.environ), shell, out)
    except UsageError as exc:
        return _fail(EXIT_USAGE, str(exc))
    except BoxConfigError as exc:
        return _fail(EXIT_USAGE, f"{PROG}: configuration error: {exc}")
    except BoxNetworkError as exc:
        return _fail(EXIT_NETWORK, f"{PROG}: network error: {exc}")
    except LoginTimeoutError as exc:
        return _fail(EXIT_NETWORK, str(exc))
    except BoxAuthError as exc:  # refused, rate limited, malformed, re-auth needed
        return _fail(EXIT_REFUSED, f"{PROG}: {type(exc).__name__}: {exc}")
    except LocalError as exc:
        return _fail(EXIT_USAGE, f"{PROG}: {exc}")
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        return _fail(EXIT_USAGE, f"{PROG}: {where}{exc.strerror or type(exc).__name__}")
    except KeyboardInterrupt:
        return _fail(130, f"{PROG}: interrupted")
