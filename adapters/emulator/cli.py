"""``boxauth emulator``: run the emulator until SIGINT or SIGTERM.

The first stdout line is exactly ``listening on http://HOST:PORT``, flushed,
so a parent process can read the port before anything else.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from .fixtures import make_app_fixture
from .server import BoxEmulator


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="boxauth emulator", description="Run a strict Box auth emulator on loopback."
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
    parser.add_argument("--port", type=int, default=0, help="port; 0 picks a free one")
    parser.add_argument(
        "--fixture-out", type=Path, default=None,
        help="write a console-style app config JSON here (mode 0600) and print its ids",
    )
    parser.add_argument(
        "--allow-non-loopback", action="store_true", help="allow binding a non-loopback host"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with BoxEmulator(args.host, args.port, allow_non_loopback=args.allow_non_loopback) as emu:
            print(f"listening on {emu.base_url}", flush=True)
            if args.fixture_out is not None:
                fx = make_app_fixture(emu)
                args.fixture_out.touch(mode=0o600)
                args.fixture_out.write_text(fx.config_json)
                print(f"fixture written to {args.fixture_out}")
                print(f"enterprise_id {fx.enterprise_id}")
                print(f"client_id {fx.client_id}")
                print(f"user_id {fx.user_id}")
                print(f"app_user_id {fx.app_user_id}")
                print(f"service_account_id {fx.service_account_id}")
                print(f"folder_id {fx.folder_id}")
                print(f"file_id {fx.file_id}")
                print(f"redirect_uri {fx.redirect_uri}", flush=True)
            while not stop.wait(0.5):
                pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


if __name__ == "__main__":
    sys.exit(main())
