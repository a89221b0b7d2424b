"""The emulator keeps its own scope tables (independence rule); they must agree with the core's."""

from __future__ import annotations

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
