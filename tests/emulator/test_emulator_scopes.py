"""The emulator keeps its own scope tables (independence rule); they must agree with the core's."""

from __future__ import annotations

import sys

from boxauth.adapters.emulator import scopes

from boxauth import downscope


def test_downscope_scopes_agree_with_the_core() -> None:
    assert scopes.DOWNSCOPE_SCOPES == downscope.DOWNSCOPE_SCOPES


def test_standard_scopes_agree_with_the_core() -> None:
    assert scopes.STANDARD_SCOPES == downscope.STANDARD_SCOPES


def test_known_scopes_agree_with_the_core() -> None:
    assert scopes.KNOWN_SCOPES == downscope.KNOWN_SCOPES


def test_every_scope_a_token_can_list_with_is_known() -> None:
    # An endpoint rule naming a scope nobody can hold would be dead code.
    assert scopes.LIST_FOLDER_SCOPES <= scopes.KNOWN_SCOPES
    assert scopes.DEFAULT_APP_SCOPES <= scopes.STANDARD_SCOPES


def test_the_emulator_imports_nothing_from_the_client_side() -> None:
    # Independence rule: the emulator must not share our client's assumptions,
    # so its modules import only each other (one-dot relative imports), the
    # standard library and cryptography.
    import ast
    from pathlib import Path

    import boxauth.adapters.emulator as package

    allowed_top = {"cryptography", "__future__"}
    offenders = []
    for module in sorted(Path(package.__file__).parent.glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.ImportFrom):
                if node.level > 1 or (node.level == 0 and node.module is not None
                                      and node.module.split(".")[0] == "boxauth"):
                    offenders.append(f"{module.name}: from {'.' * node.level}{node.module}")
                elif node.level == 0 and node.module is not None:
                    top = node.module.split(".")[0]
                    if top not in allowed_top and top not in sys.stdlib_module_names:
                        offenders.append(f"{module.name}: from {node.module}")
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    top = alias.name.split(".")[0]
                    if top not in allowed_top and top not in sys.stdlib_module_names:
                        offenders.append(f"{module.name}: import {alias.name}")
    assert offenders == []
    assert len(list(Path(package.__file__).parent.glob("*.py"))) > 10  # it looked
