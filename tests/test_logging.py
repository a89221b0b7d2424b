"""boxauth logs to the "boxauth" logger and never prints on its own.

Without a logging configuration, Python's last-resort handler prints every
WARNING and ERROR record to stderr; a library must not (a service's stderr is
its owner's). The adapters attach a NullHandler to "boxauth", so records reach
an application's handlers and nothing else.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap

import pytest
from returns.result import Failure

from boxauth import BoxCCGAuth, CCGConfig, Urllib3Transport


class Broken:
    """A user's transport whose ``settings`` breaks after the auth object is built."""

    def __init__(self) -> None:
        self.inner = Urllib3Transport()
        self.broken = False

    @property
    def settings(self) -> object:
        if self.broken:
            raise RuntimeError("a plug-in bug")
        return self.inner.settings

    def send(self, request: object, *, timeout: float) -> object:
        return self.inner.send(request, timeout=timeout)  # type: ignore[arg-type]


def test_a_failure_logged_by_the_library_prints_nothing_without_logging_configured() -> None:
    script = textwrap.dedent(
        """
        from boxauth import BoxCCGAuth, CCGConfig, Urllib3Transport

        class Broken:
            @property
            def settings(self):
                raise RuntimeError("a plug-in bug")

        config = CCGConfig("cid", "secret", enterprise_id="1")
        auth = BoxCCGAuth(config, transport=Urllib3Transport())
        auth.transport = Broken()
        print(type(auth.retrieve_token_result()).__name__)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Failure"
    assert done.stderr == ""


def test_the_same_failure_reaches_an_applications_handler(
    caplog: pytest.LogCaptureFixture,
) -> None:
    broken = Broken()
    auth = BoxCCGAuth(CCGConfig("cid", "secret", enterprise_id="1"), transport=broken)  # type: ignore[arg-type]
    broken.broken = True
    with caplog.at_level(logging.WARNING, logger="boxauth"):
        assert isinstance(auth.retrieve_token_result(), Failure)
    assert [r.name for r in caplog.records] == ["boxauth"]
    assert "RuntimeError" in caplog.text and "a plug-in bug" not in caplog.text
