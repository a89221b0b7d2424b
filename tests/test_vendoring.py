"""A copy of the installed package under another name works unchanged (README "Architecture": every
self-reference is relative).

SDK authors vendor boxauth: they copy it under their own package (e.g.
``othersdk/_vendor/boxauth/``) and import it from there. Every self-reference in
boxauth is relative (imports and the facade's lazy-export table), so such a copy
needs no rewrite. This test copies the installed package to a new top-level
name, makes the original unimportable, and fetches a CCG token through the copy
from the emulator, in a fresh interpreter.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import boxauth

SCRIPT = textwrap.dedent(
    """
    import importlib.abc, sys

    class HideTheOriginal(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name == "boxauth" or name.startswith("boxauth."):
                raise ImportError("the original boxauth must not be used")
            return None

    sys.meta_path.insert(0, HideTheOriginal())
    from othersdk._vendor import boxauth as vendored
    from othersdk._vendor.boxauth.adapters import emulator  # a submodule, relatively

    config = vendored.CCGConfig(sys.argv[1], sys.argv[2], enterprise_id=sys.argv[3])
    urls = vendored.BaseUrls(base_url=sys.argv[4], oauth_2_url=sys.argv[4] + "/api/oauth2")
    auth = vendored.BoxCCGAuth(config, base_urls=urls)
    token = auth.retrieve_token()
    me = vendored.BoxClient(auth).users.get_user_me()
    assert all(not m.startswith("boxauth") for m in sys.modules), "the original was imported"
    assert type(token).__module__ == "othersdk._vendor.boxauth.access_token"
    print(me.id)
    """
)


def test_a_copy_under_another_package_fetches_a_token(box: Any, tmp_path: Path) -> None:
    vendor = tmp_path / "othersdk" / "_vendor"
    vendor.mkdir(parents=True)
    (tmp_path / "othersdk" / "__init__.py").write_text("")
    (vendor / "__init__.py").write_text("")
    shutil.copytree(Path(boxauth.__file__).parent, vendor / "boxauth")
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            SCRIPT,
            box.fx.client_id,
            box.fx.client_secret,
            box.fx.enterprise_id,
            box.emu.base_url,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == box.fx.service_account_id


def test_no_library_module_names_boxauth_by_an_absolute_string() -> None:
    """The rule behind the copy: no absolute ``boxauth`` import, and no string that is
    the absolute name of one of its modules (an import_module or lazy-export target)."""
    root = Path(boxauth.__file__).parent
    modules = {
        "boxauth." + ".".join(p.relative_to(root).with_suffix("").parts)
        for p in root.rglob("*.py")
    }
    offenders = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            absolute = (
                isinstance(node, ast.ImportFrom)
                and node.level == 0
                and (node.module or "").split(".")[0] == "boxauth"
            ) or (
                isinstance(node, ast.Import)
                and any(a.name.split(".")[0] == "boxauth" for a in node.names)
            )
            named = isinstance(node, ast.Constant) and node.value in modules
            if absolute or named:
                offenders.append(f"{path.relative_to(root)}:{node.lineno}")  # type: ignore[attr-defined]
    assert offenders == []
