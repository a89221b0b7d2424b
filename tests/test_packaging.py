"""The suite tests the installed wheel, and the wheel has one import name."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
from pathlib import Path

import boxauth

ROOT = Path(__file__).resolve().parent.parent
CORE = ROOT / "boxauth"


def test_tests_run_against_the_installed_package() -> None:
    if os.environ.get("BOXAUTH_ALLOW_SOURCE_TREE"):
        return
    assert "site-packages" in boxauth.__file__, boxauth.__file__


def test_wheel_installs_a_single_top_level_package() -> None:
    dist = importlib.metadata.distribution("boxauth")
    files = [str(f) for f in dist.files or []]
    tops = {f.split("/")[0] for f in files if f.endswith(".py")}
    assert tops == {"boxauth"}, tops
    assert any(f.startswith("boxauth/adapters/") for f in files)


def test_every_core_module_is_under_the_import_contract() -> None:
    """A new core module must be added to the import-linter contract."""
    text = (ROOT / "pyproject.toml").read_text()
    contract = text[text.index("[[tool.importlinter.contracts]]") :]
    for module in sorted(CORE.glob("*.py")):
        if module.name in ("__init__.py", "__main__.py", "aio.py"):  # facades, not core
            continue
        assert f'"boxauth.{module.stem}"' in contract, module.name


def test_importing_the_core_loads_no_effectful_library() -> None:
    code = (
        "import sys, boxauth.lifecycle, boxauth.responses, boxauth.jwt, boxauth.token_requests;"
        "bad = [m for m in ('urllib3', 'jose', 'cryptography', 'socket', 'threading', 'ssl')"
        " if m in sys.modules]; print(','.join(bad))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd="/"
    )
    assert out.stdout.strip() == ""
