"""Shared fixtures for example and integration tests.

Every test talks to a fresh in-process Box emulator on 127.0.0.1.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from typing import Any

import hypothesis_profiles  # property_tests/, on sys.path by pyproject's pytest pythonpath
import pytest

import boxauth

hypothesis_profiles.load()

# Several tests press Ctrl-C (SIGINT) in a child process. A runner started in the
# background by a shell without job control (`cmd &`, nohup) ignores SIGINT, and
# an ignored signal stays ignored across exec: the child's Python would never see
# the KeyboardInterrupt. A handler of our own is reset to the default on exec.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


def pytest_report_header() -> str:
    return f"boxauth under test: {os.path.dirname(boxauth.__file__)}"


class Box:
    """An emulator and a registered app fixture, for one test."""

    def __init__(self, emu: Any, fx: Any) -> None:
        self.emu = emu
        self.fx = fx


@pytest.fixture
def box() -> Iterator[Box]:
    from boxauth.adapters.emulator import BoxEmulator, make_app_fixture

    with BoxEmulator() as emu:
        yield Box(emu, make_app_fixture(emu))


@pytest.fixture
def urls(box: Box) -> boxauth.BaseUrls:
    return boxauth.BaseUrls(base_url=box.emu.base_url, oauth_2_url=box.emu.oauth_2_url)
