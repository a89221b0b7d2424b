"""The ``boxauth`` console script's entry point: pick the program, import only it.

``boxauth emulator`` runs the emulator, which imports nothing from the client
side; importing the command line's auth stack first would only slow every start
(tests start it hundreds of times). Everything else is the command line.
"""

from __future__ import annotations

import sys

EXIT_USAGE = 2


def run_emulator(argv: list[str]) -> int:
    """``boxauth emulator ARGS``; its exit code (2 for a usage error argparse raised)."""
    from .emulator.cli import main as emulator_main  # noqa: PLC0415 - only this one

    try:
        return emulator_main(argv)
    except SystemExit as done:  # its own argparse: --help or a usage error
        return done.code if isinstance(done.code, int) else EXIT_USAGE


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["emulator"]:
        return run_emulator(args[1:])
    from .cli import main as cli_main  # noqa: PLC0415 - only this one

    return cli_main(args)
