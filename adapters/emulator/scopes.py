"""Scope tables: which scopes exist, what a full token implies, what an endpoint needs.

Downscope scopes are the union of every Box source: the OpenAPI
``ResourceScope`` enum (https://github.com/box/box-openapi), the "Scopes for
downscoping" table (https://developer.box.com/guides/api-calls/permissions-and-errors/scopes/),
and the scopes the UI Elements and Open With guides add
(https://developer.box.com/guides/embed/ui-elements/). Standard scopes are the
ones the scopes guide says a token exchange accepts too, plus the OpenAPI
security scheme's; both spellings of the legal-hold scope are accepted because
the sources disagree.

The tables are the emulator's own (it imports nothing from the client side);
``tests/emulator/test_emulator_scopes.py`` checks that they agree with
``boxauth.downscope``.
"""

from __future__ import annotations

from typing import Final

DOWNSCOPE_SCOPES: Final = frozenset(
    {
        "annotation_edit",
        "annotation_view_all",
        "annotation_view_self",
        "base_explorer",
        "base_picker",
        "base_preview",
        "base_sidebar",
        "base_upload",
        "item_delete",
        "item_download",
        "item_preview",
        "item_rename",
        "item_share",
        "item_upload",
        "item_read",
        "item_readwrite",
        "item_comment",
        "item_task",
        "item_execute_integration",
    }
)
STANDARD_SCOPES: Final = frozenset(
    {
        "root_readonly",
        "root_readwrite",
        "ai.readwrite",
        "manage_managed_users",
        "manage_app_users",
        "manage_data_retention",
        "manage_enterprise_properties",
        "manage_groups",
        "manage_webhook",
        "manage_legal_hold",
        "manage_legal_holds",
        "sign_requests.readwrite",
        "manage_triggers",
        "enterprise_content",
    }
)
KNOWN_SCOPES: Final = DOWNSCOPE_SCOPES | STANDARD_SCOPES

# What a new app is configured with when add_app(scopes=None).
DEFAULT_APP_SCOPES: Final = frozenset(
    {
        "root_readwrite",
        "manage_managed_users",
        "manage_app_users",
        "manage_groups",
        "manage_webhook",
        "manage_enterprise_properties",
        "manage_data_retention",
    }
)

# Read-only content scopes: what root_readonly covers when narrowing.
_READ_SCOPES: Final = frozenset(
    {
        "item_preview",
        "item_download",
        "item_read",
        "base_preview",
        "base_explorer",
        "base_picker",
        "base_sidebar",
        "annotation_view_all",
        "annotation_view_self",
    }
)

# Listing a folder's items needs one of these (our table; Box documents none).
# item_preview/item_download alone are about one file's content, not a listing.
LIST_FOLDER_SCOPES: Final = frozenset(
    {
        "root_readonly",
        "root_readwrite",
        "item_read",
        "item_readwrite",
        "base_explorer",
        "base_picker",
    }
)


def implied(scopes: frozenset[str]) -> frozenset[str]:
    """Everything a token holding ``scopes`` may narrow to.

    root_readwrite covers every content scope; root_readonly the read-only ones.
    A downscoped token holds exactly what it was given, so it is passed in as is
    and only the root_* scopes expand.
    """
    out = set(scopes)
    if "root_readwrite" in scopes:
        out |= DOWNSCOPE_SCOPES | {"root_readonly"}
    if "root_readonly" in scopes:
        out |= _READ_SCOPES
    return frozenset(out)
