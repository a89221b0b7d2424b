"""``boxauth login``: OAuth 2.0 sign-in through a loopback redirect listener.

The flow (RFC 8252 §7.3, loopback redirect; Box's guide
https://developer.box.com/guides/authentication/oauth2/without-sdk/):
listen on 127.0.0.1, print the authorize URL, wait for Box's redirect, let
the auth object check its ``state`` and exchange the code, and report what
the exchange's Result says, the save included (never by reading the storage
back: a planted file would read as success).

The listener trusts no local client:

- every connection is served by a thread of its own with its own read
  deadline (``CONNECTION_SECONDS``), and at most ``MAX_CONNECTIONS`` at once,
  so a client that drips its request line delays nobody, and ``--timeout``
  is a hard bound on the wait;
- a request that is not the awaited redirect (another path, no state, a
  state this login did not issue: RFC 6749 §10.12) is answered 400 and
  ignored, with one line in the terminal, and login keeps waiting;
- a client that hangs up early is forgotten without a word.

``--open`` opens the browser from a thread that is never waited for, after
the listener is serving: a console browser (``BROWSER=lynx``) waits until
it exits, and the redirect it delivers must still be served meanwhile. The
browser is given a local page (0600, in a 0700 directory, removed when
login ends) that redirects to the authorize URL, never the URL itself: a
program's arguments are readable by every local user, and the URL holds the
state (``write_browser_page``).

After the exchange, login asks Box whose account the tokens are for
(``users/me``) and prints it, so a sign-in to the wrong account is noticed.
"""

from __future__ import annotations

import argparse
import contextlib
import enum
import html
import os
import queue
import socket
import tempfile
import threading
import time
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO
from urllib.parse import parse_qsl, urlsplit

from returns.result import Result, Success

from ..access_token import AccessToken
from ..authorize import parse_redirect_query, query_of_redirect, state_matches
from ..errors import AuthError, StorageFailure, StorageFailureKind, TransportFailureKind
from ..exceptions import BoxAuthError, exception_for
from ..settings import shown_path
from ..urls import BaseUrls
from ..wire import HttpRequest, Transport
from .auth import BaseAuth
from .cli_auth import credentials, given_of, storage_for
from .cli_output import terminal_text
from .cli_settings import UsageError, checked_path, client_pair

CONNECTION_SECONDS = 10.0  # one request's whole read, and its answer
MAX_CONNECTIONS = 128  # each holds a thread for at most CONNECTION_SECONDS
MAX_HEAD = 16 * 1024  # a redirect's request head; Box's is well under 2 KiB
PAGE_WAIT_SECONDS = 2.0  # for the browser to receive the last page before exit
EXCHANGE_WAIT_SECONDS = 120.0  # the code exchange's own deadline is shorter
PREFLIGHT_SECONDS = 10.0


class LoginTimeoutError(Exception):
    """No redirect with this login's state arrived in time."""

    def __init__(self, message: str, *, unknown_states: int) -> None:
        super().__init__(message)
        self.unknown_states = unknown_states


class LocalError(Exception):
    """A local failure (a port in use, an unwritable file): exit 2."""


# -- what arrives ----------------------------------------------------------------------


class Kind(enum.Enum):
    REDIRECT = "the redirect"
    WRONG_PATH = "another path"
    NO_STATE = "no state"
    UNKNOWN_STATE = "an unknown state"
    USED_STATE = "a state already used"
    NOT_GET = "not a GET"
    MALFORMED = "malformed"
    FAVICON = "favicon"


def classify(head: bytes, path: str, state: str) -> tuple[Kind, str]:
    """What a request head is, and its target (path and query) if it is the redirect."""
    line = head.split(b"\n", 1)[0].rstrip(b"\r").decode("latin-1")
    parts = line.split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/"):
        return Kind.MALFORMED, ""
    method, target, _version = parts
    if method != "GET":
        return Kind.NOT_GET, ""
    target_path = target.split("?", 1)[0]
    if target_path == "/favicon.ico":
        return Kind.FAVICON, ""
    if target_path != path:
        return Kind.WRONG_PATH, target_path
    query = query_of_redirect(target)
    parsed = parse_redirect_query(query.unwrap()) if isinstance(query, Success) else query
    if not isinstance(parsed, Success):
        return Kind.MALFORMED, ""
    received = parsed.unwrap().state
    if not received:
        return Kind.NO_STATE, ""
    if not state_matches(state, received):
        return Kind.UNKNOWN_STATE, ""
    return Kind.REDIRECT, target


def _shown_path(path: str) -> str:
    # Only a short plain path is echoed to the terminal; anything else could be
    # a forged line or someone's secret.
    plain = all(ch.isascii() and (ch.isalnum() or ch in "/._~-") for ch in path)
    return path if plain and 0 < len(path) <= 64 else "another path"


def notice_for(kind: Kind, target_path: str, path: str) -> str:
    """The one line the terminal gets for a request that is not the redirect."""
    if kind is Kind.WRONG_PATH:
        return (
            f"a request for {_shown_path(target_path)} arrived, but the redirect path is "
            f"{path}: answered 400. If it was Box's redirect, the redirect URI registered "
            "for the app differs from --redirect-path. Still waiting."
        )
    if kind is Kind.NO_STATE:
        return f"a request for {path} without a state was refused (400). Still waiting."
    if kind is Kind.UNKNOWN_STATE:
        return (
            f"a redirect to {path} with a state this login did not issue was refused "
            "(400; possible CSRF, or an older sign-in's page). Still waiting."
        )
    if kind is Kind.USED_STATE:
        return "a second redirect with this login's state was refused (400)."
    return "a request that is not a redirect was refused (400). Still waiting."


# -- the listener ------------------------------------------------------------------------


@dataclass
class Page:
    """The answer for the redirect's browser, set once the exchange is done."""

    ok: bool = False
    ready: threading.Event = field(default_factory=threading.Event)
    sent: threading.Event = field(default_factory=threading.Event)


@dataclass(frozen=True, slots=True)
class Arrived:
    target: str
    page: Page


@dataclass(frozen=True, slots=True)
class Notice:
    text: str
    kind: Kind | None = None


Event = Arrived | Notice


def _html(text: str) -> bytes:
    return f"<!doctype html><title>boxauth</title><p>{text}</p>".encode()


def _answer(conn: socket.socket, status: int, body: bytes, deadline: float) -> None:
    reason = {200: "OK", 400: "Bad Request", 404: "Not Found"}[status]
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "Content-Type: text/html; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Cache-Control: no-store\r\n"
        "Referrer-Policy: no-referrer\r\n"
        "Connection: close\r\n\r\n"
    ).encode("ascii")
    conn.settimeout(max(0.01, deadline - time.monotonic()))
    conn.sendall(head + body)


def _read_head(conn: socket.socket, deadline: float) -> bytes | None:
    """The request head, or None if the client is too slow, too long, or gone."""
    data = b""
    while b"\r\n\r\n" not in data and b"\n\n" not in data:
        left = deadline - time.monotonic()
        if left <= 0 or len(data) > MAX_HEAD:
            return None
        conn.settimeout(left)
        chunk = conn.recv(4096)
        if not chunk:
            return None
        data += chunk
    return data


class Listener:
    """The loopback listener: accepts in a thread, serves each connection in its own."""

    def __init__(self, port: int, path: str) -> None:
        self.path = path
        self.state = ""  # set once the authorize URL (and so the state) exists
        self.events: queue.Queue[Event] = queue.Queue()
        self._claimed = False
        self._claim = threading.Lock()
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        self._stop = threading.Event()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        why = ""
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", port))
            sock.listen(16)
            sock.settimeout(0.2)  # so the accept loop sees _stop
        except OSError as exc:
            sock.close()
            why = exc.strerror or type(exc).__name__
        if why:  # raised here, not in the except: no chained OSError
            raise LocalError(f"{COMMAND}: cannot listen on 127.0.0.1:{port}: {why}")
        self._sock = sock
        self.port: int = sock.getsockname()[1]

    def start(self) -> None:
        threading.Thread(target=self._accept_loop, name="login-accept", daemon=True).start()

    def close(self) -> None:
        self._stop.set()
        self._sock.close()

    def __enter__(self) -> Listener:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:  # closed: login is over
                return
            if not self._slots.acquire(blocking=False):
                conn.close()  # too many at once: one more would wait for nobody
                continue
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        deadline = time.monotonic() + CONNECTION_SECONDS
        try:
            head = _read_head(conn, deadline)
            if head is None:
                return  # slow, oversized or gone: nothing to say to it or about it
            kind, target = classify(head, self.path, self.state)
            if kind is Kind.REDIRECT:
                with self._claim:
                    first, self._claimed = not self._claimed, True
                if first:
                    self._deliver(conn, target)
                    return
                kind = Kind.USED_STATE
            if kind is Kind.FAVICON:
                _answer(conn, 404, b"", deadline)
                return
            self.events.put(Notice(notice_for(kind, target, self.path), kind))
            page = _html("This is not the sign-in redirect boxauth waits for.")
            _answer(conn, 400, page, deadline)
        except Exception:  # a client's failure is never the user's error: drop it
            return
        finally:
            conn.close()
            self._slots.release()

    def _deliver(self, conn: socket.socket, target: str) -> None:
        page = Page()
        self.events.put(Arrived(target, page))
        # The exchange runs in the main thread; the page waits for its outcome.
        page.ready.wait(EXCHANGE_WAIT_SECONDS)
        try:
            text = (
                "Signed in. You may close this window."
                if page.ok
                else "Sign-in failed; see the terminal."
            )
            _answer(conn, 200 if page.ok else 400, _html(text), time.monotonic() + 5.0)
        finally:
            page.sent.set()


# -- side tasks: the browser and a check of the authorize URL ---------------------------------

PAGE_NAME = "sign-in.html"


def _page_html(url: str) -> str:
    """A page that sends the browser on to ``url``: a meta refresh, and a link for a browser
    that ignores it (HTML Living Standard, "refresh" pragma)."""
    quoted = html.escape(url, quote=True)
    return (
        '<!doctype html><html><head><meta charset="utf-8">'
        '<meta name="referrer" content="no-referrer">'
        f'<meta http-equiv="refresh" content="0;url={quoted}">'
        "<title>boxauth login</title></head><body>"
        f'<p><a href="{quoted}">Continue to Box to sign in</a></p></body></html>\n'
    )


def write_browser_page(url: str) -> Path:
    """A 0600 page in a fresh 0700 directory that redirects to ``url``; its path.

    The browser is started with this file's path, never with ``url``: a
    program's arguments are readable by every local user (/proc/PID/cmdline,
    ``ps``), and ``url`` holds the state, with which another user could send
    this login a redirect carrying a code for their own account (login CSRF,
    RFC 6749 §10.12). The directory keeps other users from reading the page.
    Raises OSError; ``remove_browser_page`` removes both.
    """
    folder = Path(tempfile.mkdtemp(prefix="boxauth-login-"))  # 0700 (tempfile docs)
    page = folder / PAGE_NAME
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(page, flags, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(_page_html(url))
    except BaseException:
        remove_browser_page(page)
        raise
    return page


def remove_browser_page(page: Path) -> None:
    """Remove the page and its directory; a failure leaves nothing worse than a 0700 dir."""
    with contextlib.suppress(OSError):
        page.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        page.parent.rmdir()


def open_browser(page: str, events: queue.Queue[Event]) -> None:
    """Run in a thread nobody waits for: a console browser returns only when it exits."""
    try:
        opened = webbrowser.open(page)
    except Exception:  # webbrowser.Error, or a browser program that failed to start
        opened = False
    if not opened:
        events.put(Notice("no web browser could be opened; open the URL above yourself."))


# Box's authorize page answers 200 (its sign-in form) or a redirect (to a sign-in
# page); the transport refuses to follow a redirect, and that refusal means "there".
_PAGE_IS_THERE = frozenset({TransportFailureKind.REDIRECT_REFUSED})


def check_authorize_url(url: str, events: queue.Queue[Event], transport: Transport) -> None:
    """Tell the user at once if the authorize page is not there (a wrong --oauth2-url).

    One GET through the command's own transport (so its proxy, TLS and
    SSLKEYLOGFILE rules apply to it too), redirects not followed; only the
    status is looked at.
    """
    answer = transport.send(HttpRequest("GET", url), timeout=PREFLIGHT_SECONDS)
    if not isinstance(answer, Success):
        failure = answer.failure()
        if failure.kind in _PAGE_IS_THERE:
            return
        # host:port only (never a user:password@), and the failure's detail,
        # which says what happened and where, never the URL's query (the state).
        where = urlsplit(url).netloc.rpartition("@")[2]
        events.put(
            Notice(
                f"the authorize page at {where} could not be reached ({failure.kind.value}: "
                f"{failure.detail}): check --oauth2-url. Still waiting."
            )
        )
        return
    status = answer.unwrap().status
    if status >= 400:
        events.put(
            Notice(
                f"the authorize page answered {status}: check --oauth2-url, the client id "
                "and the redirect URI registered for the app. Still waiting."
            )
        )


# -- the wait --------------------------------------------------------------------------------------


Exchange = Callable[[str], Result[AccessToken, AuthError]]


def wait_for_redirect(
    listener: Listener, exchange: Exchange, timeout: float, out: TextIO
) -> Result[AccessToken, AuthError]:
    """Serve until the redirect arrives and is exchanged, or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    unknown = refused = 0
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            words = f"no redirect arrived within {timeout:g} s"
            if refused:
                words += f"; {refused} other request(s) were refused"
            if unknown:
                words += f", {unknown} of them with a state this login did not issue"
                words += " (possible CSRF)"
            raise LoginTimeoutError(words, unknown_states=unknown)
        try:
            event = listener.events.get(timeout=left)
        except queue.Empty:
            continue
        if isinstance(event, Notice):
            if event.kind is not None:
                refused += 1
                unknown += event.kind is Kind.UNKNOWN_STATE
            out.write(f"boxauth login: {event.text}\n")
            out.flush()
            continue
        page = event.page
        try:
            result = exchange(f"http://127.0.0.1:{listener.port}{event.target}")
        except BaseException:
            page.ready.set()  # the browser gets "failed" rather than a hung page
            page.sent.wait(PAGE_WAIT_SECONDS)
            raise
        page.ok = isinstance(result, Success)
        page.ready.set()
        page.sent.wait(PAGE_WAIT_SECONDS)
        return result


# -- the command -----------------------------------------------------------------------------

COMMAND = "boxauth login"
_PATH_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._~-%")


def redirect_path(value: str) -> str:
    """``--redirect-path``: a plain path (a leading ``/`` is added if missing)."""
    path = value if value.startswith("/") else "/" + value
    if len(path) > 200 or not set(path) <= _PATH_CHARS:
        raise UsageError(
            f"{COMMAND}: --redirect-path must be a path such as /callback "
            "(letters, digits and / . _ ~ - %)"
        )
    return path


def run_login(args: argparse.Namespace, env: dict[str, str], urls: BaseUrls, out: TextIO) -> int:
    """Sign in; 0 only when the exchange succeeded and the tokens were saved."""
    from .configs import OAuthConfig  # noqa: PLC0415 - loaded when needed
    from .oauth import BoxOAuth, GetAuthorizeUrlOptions  # noqa: PLC0415
    from .transport import TransportSettings, Urllib3Transport  # noqa: PLC0415

    given = given_of(args, env, COMMAND)
    client_id, client_secret = credentials(client_pair(given, COMMAND, "login"))
    token_file = checked_path(given.option("token_file"), COMMAND)
    path = redirect_path(args.redirect_path)
    config = OAuthConfig(
        client_id or "", client_secret or "", token_storage=storage_for(token_file)
    )
    # One transport for every request login makes: the check of the authorize
    # page, the code exchange and users/me follow the same proxy and TLS rules.
    transport = Urllib3Transport(TransportSettings())
    auth = BoxOAuth(config, base_urls=urls, transport=transport)
    page: Path | None = None
    try:
        with Listener(args.redirect_port, path) as listener:
            redirect_uri = f"http://127.0.0.1:{listener.port}{path}"
            options = GetAuthorizeUrlOptions(redirect_uri=redirect_uri, scope=args.scope)
            url = auth.get_authorize_url(options=options)
            # The state the auth object generated and remembered: the listener
            # refuses any redirect without it before the auth object sees it.
            listener.state = dict(parse_qsl(urlsplit(url).query)).get("state", "")
            listener.start()
            out.write(f"Open this URL to sign in to Box:\n{url}\n")
            out.write(f"Waiting up to {args.timeout:g} s for the redirect to {redirect_uri} ...\n")
            out.flush()
            tasks: list[tuple[Callable[..., None], tuple[object, ...]]] = [
                (check_authorize_url, (url, listener.events, transport))
            ]
            if args.open:
                page = _page_for_browser(url, listener.events)
                if page is not None:
                    tasks.append((open_browser, (page.as_uri(), listener.events)))
            for task, task_args in tasks:
                threading.Thread(target=task, args=task_args, daemon=True).start()
            result = wait_for_redirect(
                listener, auth.get_tokens_from_redirect_result, args.timeout, out
            )
    finally:
        if page is not None:
            remove_browser_page(page)
    shown = shown_path(token_file)
    if not isinstance(result, Success):
        error = result.failure()
        if isinstance(error, StorageFailure):
            # Untrusted: refused before the code was exchanged, so nothing was spent.
            untrusted = error.kind is StorageFailureKind.UNTRUSTED
            what = "did not sign in, for" if untrusted else "the tokens were not saved to"
            raise LocalError(
                f"{COMMAND}: {what} {shown} ({error.message()}): "
                "run login again with another --token-file"
            )
        raise exception_for(error)
    out.write(f"Signed in; tokens saved to {shown} (mode 0600)\n")
    out.write(_whose_account(auth, shown))
    return 0


def _page_for_browser(url: str, events: queue.Queue[Event]) -> Path | None:
    """The page ``--open`` hands the browser, or None (with a notice) if it cannot be written."""
    try:
        return write_browser_page(url)
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        events.put(Notice(f"cannot write the page for the browser ({why}); open the URL above "
                          "yourself."))  # fmt: skip
        return None


def _whose_account(auth: BaseAuth, shown: str) -> str:
    """The line naming the account signed in to (GET /2.0/users/me), so a wrong one is noticed.

    A redirect can carry a code for someone else's account (login CSRF, RFC
    6749 §10.12); the state check stops a forged one unless the state leaked,
    and this line is the last check. Box's text is escaped for the terminal.
    A failure of the call does not fail the sign-in: the tokens are saved.
    """
    from .client import BoxClient  # noqa: PLC0415 - loaded when needed

    try:
        me = BoxClient(auth).users.get_user_me()
    except BoxAuthError as exc:
        return (
            f"Whose account it is could not be checked ({type(exc).__name__}: {exc}); "
            f"`boxauth whoami --token-file {shown}` shows it.\n"
        )
    name, login = terminal_text(me.name or "?"), terminal_text(me.login or "?")
    return (
        f"Signed in as {name} <{login}> (user {terminal_text(me.id)}). Not your account? "
        f"`boxauth revoke --token-file {shown}` revokes these tokens.\n"
    )
