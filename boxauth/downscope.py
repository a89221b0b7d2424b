"""Downscoping (token exchange) input, validated.

Box's rules: developer.box.com/guides/authentication/tokens/downscope/ and the
scope lists of developer.box.com/guides/api-calls/permissions-and-errors/scopes/
(plus OAS ``ResourceScope.scope``).

Scopes: the union of every source's downscope scopes, plus the standard
scopes Box's scopes guide says are accepted too. Whether Box accepts every
standard scope in an exchange is UNCONFIRMED; we accept the union and let Box
refuse, because refusing a scope Box accepts would block real uses.

``resource`` is the full API URL of one file or folder
(``https://api.box.com/2.0/files/ID`` or ``.../folders/ID``); ``box_shared_link``
is a shared-link URL. Box refuses both together, so we do too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from returns.result import Failure, Result, Success

from .access_token import AccessToken
from .errors import InvalidInput
from .urls import check_secure_url

DOWNSCOPE_SCOPES = frozenset(
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
STANDARD_SCOPES = frozenset(
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
KNOWN_SCOPES = DOWNSCOPE_SCOPES | STANDARD_SCOPES
MAX_SCOPES = 64
# Items read from the caller's iterable, duplicates included: an endless
# iterable must end in a Failure, not a hang.
MAX_SCOPES_READ = 256

# What a scope name looks like (every known one has a '_' or a '.'): only such
# a value is echoed back in an error. Anything else (an access token pasted
# into the scopes list, a secret) is described by its length, never shown.
_PLAUSIBLE_SCOPE = re.compile(r"[a-z][a-z0-9]*(?:[_.][a-z0-9]+)+")
MAX_SHOWN_SCOPE = 40

_RESOURCE_PATH = re.compile(r"/2\.0/(files|folders)/[0-9]{1,32}")
_SHARED_PATH = re.compile(r"/(s|v)/[A-Za-z0-9_.\-]{1,256}")


@dataclass(frozen=True, slots=True)
class DownscopeRequest:
    """What to ask for: scopes in the caller's order, and at most one of the targets."""

    scopes: tuple[str, ...]
    resource: str | None = None
    shared_link: str | None = None


def shown_scope(scope: str) -> str:
    """How an unknown scope appears in an error: quoted if it looks like a scope name,
    else only its length ("an unknown scope of 32 characters")."""
    if not isinstance(scope, str):
        return "an unknown scope that is not a string"
    if len(scope) <= MAX_SHOWN_SCOPE and _PLAUSIBLE_SCOPE.fullmatch(scope):
        return f"unknown scope {scope!r}"
    return f"an unknown scope of {len(scope)} characters"


def validate_scopes(scopes: object) -> Result[tuple[str, ...], InvalidInput]:
    """Non-empty, each known; duplicates dropped, first occurrence's order kept."""
    if isinstance(scopes, str | bytes) or not isinstance(scopes, Iterable):
        return Failure(InvalidInput("scopes", "must be a list of scope names"))
    try:
        items = iter(scopes)
    except Exception:  # an __iter__ that raises or returns no iterator
        return Failure(InvalidInput("scopes", "must be a list of scope names"))
    seen: dict[str, None] = {}
    try:
        for read, scope in enumerate(items, 1):
            if read > MAX_SCOPES_READ:
                # Counting only distinct scopes would never stop on itertools.repeat(...).
                return Failure(InvalidInput("scopes", "too many scopes"))
            if not isinstance(scope, str):
                return Failure(InvalidInput("scopes", "every scope must be a string"))
            if scope not in KNOWN_SCOPES:
                valid = ", ".join(sorted(KNOWN_SCOPES))
                return Failure(InvalidInput("scopes", f"{shown_scope(scope)}; valid: {valid}"))
            seen.setdefault(scope, None)
            if len(seen) > MAX_SCOPES:
                return Failure(InvalidInput("scopes", "too many scopes"))
    except Exception:  # a caller's iterable that raises while iterated: bad input
        return Failure(InvalidInput("scopes", "could not be read as a list of scope names"))
    if not seen:
        return Failure(InvalidInput("scopes", "must name at least one scope"))
    return Success(tuple(seen))


def validate_resource(resource: object) -> Result[str, InvalidInput]:
    """A full API URL of a file or folder, e.g. ``https://api.box.com/2.0/files/123``."""
    shape = "must be .../2.0/files/ID or .../2.0/folders/ID"
    return _box_url(resource, "resource", _RESOURCE_PATH, shape)


def validate_shared_link(link: object) -> Result[str, InvalidInput]:
    """A Box shared link: ``https://<host>/s/<id>`` (or a vanity ``/v/<name>``)."""
    shape = "must look like https://app.box.com/s/ID"
    return _box_url(link, "shared_link", _SHARED_PATH, shape)


def _box_url(
    value: object, field: str, path: re.Pattern[str], shape: str
) -> Result[str, InvalidInput]:
    """A secure URL whose path matches ``path``, with no query or fragment."""
    if not isinstance(value, str):
        return Failure(InvalidInput(field, "must be a URL string"))
    checked = check_secure_url(value, field)
    if not isinstance(checked, Success):
        return checked
    parts = urlsplit(value)
    if parts.query or parts.fragment or not path.fullmatch(parts.path):
        return Failure(InvalidInput(field, shape))
    return Success(value)


def validate_downscope(
    scopes: object, resource: object = None, shared_link: object = None
) -> Result[DownscopeRequest, InvalidInput]:
    """All three checks, and "never both a resource and a shared link"."""
    if resource is not None and shared_link is not None:
        return Failure(InvalidInput("resource/shared_link", "give at most one, not both"))
    checked_scopes = validate_scopes(scopes)
    if not isinstance(checked_scopes, Success):
        return Failure(checked_scopes.failure())
    target_resource: str | None = None
    target_link: str | None = None
    if resource is not None:
        res = validate_resource(resource)
        if not isinstance(res, Success):
            return Failure(res.failure())
        target_resource = res.unwrap()
    if shared_link is not None:
        link = validate_shared_link(shared_link)
        if not isinstance(link, Success):
            return Failure(link.failure())
        target_link = link.unwrap()
    return Success(DownscopeRequest(checked_scopes.unwrap(), target_resource, target_link))


def as_downscoped(token: AccessToken) -> AccessToken:
    """A downscoped token never carries a refresh token, whatever the server sent.

    developer.box.com/guides/authentication/tokens/downscope/: "A downscoped
    token does not include a refresh token". Anything but an AccessToken is
    returned unchanged (never raises).
    """
    if not isinstance(token, AccessToken):
        return token
    return replace(token, refresh_token=None)
