"""``boxauth emulator``: run the emulator until SIGINT, SIGTERM or SIGHUP.

Output, printed once everything is ready, so a parent that reads the first
line knows the server answers and the config file exists:

- the first stdout line is exactly ``listening on http://HOST:PORT``;
- then shell lines a user can paste into another terminal to point the
  ``boxauth`` CLI at this emulator (every value shell-quoted)::

      export BOX_BASE_URL=http://127.0.0.1:PORT
      export BOX_OAUTH2_URL=http://127.0.0.1:PORT/api/oauth2

  and with ``--fixture-out FILE`` also ``export BOX_JWT_CONFIG=/abs/FILE`` and
  ``export BOX_EMULATOR_<NAME>=<id>`` for the client id, enterprise, managed
  user, app user, Service Account, folder, file and redirect URI (names the
  CLI never reads, so pasting them changes nothing else). The client secret
  is never printed: a ``#`` comment line says where it is. Every other line
  is a ``#`` comment, so the whole output is safe to paste.

Exit codes (README "The emulator"): 0 stopped by a signal; 1 stdout could
not be written; 2 a usage error or the config file could not be written;
3 the address could not be bound (port in use, not a local address).
Every error is one line on stderr, ``boxauth emulator: error: ...``, and
quotes no value that could be a secret (``fixture_file.shown``).

Signals: the handlers do nothing in Python; the C-level
handler writes the signal number to a pipe registered with
``signal.set_wakeup_fd``, and the main thread blocks in ``os.read`` on that
pipe. No lock is taken inside a handler, so a signal cannot deadlock the
main thread (an ``Event.set()`` in the handler could, against the
``Event.wait()`` it interrupted). A signal that arrives during start-up
stays in the pipe and ends the run as soon as start-up is done.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import shlex
import signal
import socket
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import NoReturn

from .fixture_file import FixtureFileError, reason, shown, write_private
from .server import BoxEmulator, LoopbackError

PROG = "boxauth emulator"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 0
EXIT_STOPPED, EXIT_STDOUT, EXIT_USAGE, EXIT_BIND = 0, 1, 2, 3
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_OPTION_NAME = frozenset("abcdefghijklmnopqrstuvwxyz-")


class UsageError(Exception):
    """A bad command line; the message is one line and echoes no value."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse's messages name options, and quote values only for bad
        # choices and types, which this parser does not use; refuse to echo
        # anything quoted anyway.
        raise UsageError(message if "'" not in message else "invalid arguments")


def _parser() -> _Parser:
    parser = _Parser(
        prog=PROG,
        allow_abbrev=False,  # exact option names: a typo is an error, not a guess
        description=(
            "Run a strict Box auth emulator on loopback until Ctrl-C or SIGTERM. The first "
            "line printed is 'listening on http://HOST:PORT'; then 'export' lines to paste "
            "into another terminal so that the boxauth CLI uses this emulator."
        ),
        epilog=(
            "Exit codes: 0 stopped by a signal, 1 stdout could not be written, 2 usage error "
            "or the fixture file could not be written, 3 the address could not be bound."
        ),
    )
    parser.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"loopback address to bind (default: {DEFAULT_HOST})",
    )
    parser.add_argument(
        "--port",
        default=str(DEFAULT_PORT),
        help=f"TCP port, 0 to 65535; 0 picks a free one (default: {DEFAULT_PORT})",
    )
    parser.add_argument(
        "--fixture-out",
        metavar="FILE",
        default=None,
        help=(
            "register an app (all grants, a key pair, a managed user, an app user, a folder "
            "and a file) and write its console-style JSON config to FILE, mode 0600, "
            "atomically, never through a symbolic link; print its ids but never its secret "
            "(default: no app is registered)"
        ),
    )
    parser.add_argument(
        "--allow-non-loopback",
        action="store_true",
        help="allow binding a non-loopback address (default: refused)",
    )
    return parser


def _describe_argument(arg: str) -> str:
    option = arg.split("=", 1)[0]
    if option.startswith("-") and len(option) <= 40 and set(option.lstrip("-")) <= _OPTION_NAME:
        return option
    return f"of {len(arg):,} characters"


def parse(argv: Sequence[str]) -> argparse.Namespace:
    """Parse and check the arguments; raise UsageError with one line."""
    args, extra = _parser().parse_known_args(list(argv))
    if extra:
        raise UsageError(f"unexpected argument {_describe_argument(extra[0])}")
    port = args.port
    if not (port.isascii() and port.isdigit() and len(port) <= 5 and int(port) <= 65535):
        raise UsageError("--port must be a whole number from 0 to 65535")
    args.port = int(port)
    if args.fixture_out is not None and not args.fixture_out:
        raise UsageError("--fixture-out needs a file name")
    return args


def _fail(code: int, message: str) -> int:
    line = " ".join(message.split())
    with _quiet():
        sys.stderr.write(f"{PROG}: error: {line}\n")
        sys.stderr.flush()
    return code


def _quiet() -> contextlib.suppress:
    """Writing to a closed stream: there is nobody left to tell."""
    return contextlib.suppress(OSError, ValueError)


def _bind_error(host: str, port: int, exc: OSError) -> str:
    where = f"{shown(host)} port {port}"
    if exc.errno == errno.EADDRINUSE:
        return f"cannot listen on {where}: the address is already in use (pick another --port)"
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"cannot listen on {where}: not an address of this machine"
    if isinstance(exc, socket.gaierror):
        return f"cannot listen on {where}: the host name does not resolve"
    return f"cannot listen on {where}: {reason(exc)}"


def _lines(emu: BoxEmulator, fixture_out: str | None) -> list[str]:
    lines = [
        f"listening on {emu.base_url}",
        f"export BOX_BASE_URL={shlex.quote(emu.base_url)}",
        f"export BOX_OAUTH2_URL={shlex.quote(emu.oauth_2_url)}",
    ]
    if fixture_out is None:
        lines.append("# no app registered: pass --fixture-out FILE to register one")
    else:
        lines += _fixture_lines(emu, fixture_out)
    lines.append("# stop with Ctrl-C or SIGTERM")
    return lines


def _fixture_lines(emu: BoxEmulator, fixture_out: str) -> list[str]:
    from .fixtures import make_app_fixture  # noqa: PLC0415 - RSA key generation, only when asked

    fx = make_app_fixture(emu)
    path = write_private(fixture_out, fx.config_json)
    ids = {
        "CLIENT_ID": fx.client_id,
        "ENTERPRISE_ID": fx.enterprise_id,
        "USER_ID": fx.user_id,
        "APP_USER_ID": fx.app_user_id,
        "SERVICE_ACCOUNT_ID": fx.service_account_id,
        "FOLDER_ID": fx.folder_id,
        "FILE_ID": fx.file_id,
        "REDIRECT_URI": fx.redirect_uri,
    }
    return [
        f"export BOX_JWT_CONFIG={shlex.quote(str(path))}",
        *(f"export BOX_EMULATOR_{name}={shlex.quote(value)}" for name, value in ids.items()),
        f"# client secret: in {path} (boxAppSettings.clientSecret)",
        f"# BOX_EMULATOR_USER_ID is {fx.user_name} <{fx.user_login}>, an admin; it approves "
        "every OAuth sign-in and owns the folder and the file",
        "# the redirect URI matches any port on 127.0.0.1, as Box's loopback rule does",
    ]


def _print(lines: list[str]) -> bool:
    try:
        sys.stdout.write("".join(f"{line}\n" for line in lines))
        sys.stdout.flush()
    except (OSError, ValueError):
        # Python would report the unflushed buffer again at exit: point
        # stdout at /dev/null so the only message is ours (Python docs, "Note
        # on SIGPIPE").
        with _quiet():
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
        return False
    return True


class _Stop:
    """The read end of a pipe that receives one byte per signal, and whether one stopped us."""

    def __init__(self, read_end: int) -> None:
        self.read_end = read_end
        self.signalled = False

    def wait(self) -> None:
        stops = {int(sig) for sig in STOP_SIGNALS}
        while not stops.intersection(os.read(self.read_end, 64)):
            pass
        self.signalled = True


@contextmanager
def _stop_signals() -> Iterator[_Stop]:
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    previous_fd = signal.set_wakeup_fd(write_end)
    previous = {sig: signal.signal(sig, _ignore) for sig in STOP_SIGNALS}
    stop = _Stop(read_end)
    try:
        yield stop
    finally:
        signal.set_wakeup_fd(previous_fd)
        # After a stop signal the process is about to exit: keep ignoring the
        # stop signals, so a second Ctrl-C cannot raise KeyboardInterrupt
        # (and print a traceback) on the way out.
        if not stop.signalled:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        os.close(read_end)
        os.close(write_end)


def _ignore(signum: int, frame: object) -> None:
    """The Python-level handler does nothing: the wakeup fd already woke the main thread."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``boxauth emulator``; return the exit code."""
    if threading.current_thread() is not threading.main_thread():
        return _fail(EXIT_USAGE, "must run in the main thread (it handles signals)")
    with _stop_signals() as stop:
        try:
            args = parse(sys.argv[1:] if argv is None else argv)
        except UsageError as exc:
            return _fail(EXIT_USAGE, f"{exc} (see {PROG} --help)")
        except SystemExit as done:  # --help
            return done.code if isinstance(done.code, int) else EXIT_STOPPED
        try:
            emu = BoxEmulator(args.host, args.port, allow_non_loopback=args.allow_non_loopback)
            emu.start()
        except LoopbackError:
            return _fail(
                EXIT_USAGE,
                f"refusing to bind {shown(args.host)}: not a loopback "
                "address (pass --allow-non-loopback)",
            )
        except OSError as exc:
            return _fail(EXIT_BIND, _bind_error(args.host, args.port, exc))
        try:
            try:
                lines = _lines(emu, args.fixture_out)
            except FixtureFileError as exc:
                return _fail(EXIT_USAGE, str(exc))
            if not _print(lines):
                return _fail(EXIT_STDOUT, "cannot write to stdout")
            stop.wait()
        finally:
            emu.stop()
    return EXIT_STOPPED
