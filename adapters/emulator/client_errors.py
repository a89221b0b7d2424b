"""Box's ``ClientError`` body, used for every error outside the OAuth endpoints.

Shape (OpenAPI ``ClientError``, https://github.com/box/box-openapi, and the
example in https://developer.box.com/guides/api-calls/permissions-and-errors/common-errors/):
``{"type": "error", "status", "code", "help_url", "message", "request_id"}``,
plus ``context_info`` when there is something to add. The body's
``request_id`` is distinct from the ``box-request-id`` header, as Box's
"Request IDs" guide says
(https://developer.box.com/guides/api-calls/types-and-formats/).

Codes and messages per status are Box's where its common-errors guide gives
them; [own] marks the ones it does not list (the HTTP reason phrase,
lower-cased and joined with underscores, as Box's own codes are). A 429 is
the rate-limits guide's example exactly
(https://developer.box.com/guides/api-calls/permissions-and-errors/rate-limits/).
"""

from __future__ import annotations

import json
import secrets
from typing import Any, Final

from .records import Reply

HELP_URL: Final = "https://developer.box.com/guides/api-calls/permissions-and-errors/common-errors/"
RATE_LIMIT_HELP_URL: Final = "http://developers.box.com/docs/#errors"
JSON: Final = ("Content-Type", "application/json")

DEFAULTS: Final[dict[int, tuple[str, str]]] = {
    400: ("bad_request", "Bad Request"),
    401: ("unauthorized", "Unauthorized"),
    403: ("forbidden", "Forbidden"),
    404: ("not_found", "Not Found"),
    405: ("method_not_allowed", "Method Not Allowed"),
    408: ("request_timeout", "Request Timeout"),  # [own]
    411: ("length_required", "content-length header was required, but not provided."),
    413: ("request_entity_too_large", "Request Entity too Large"),
    414: ("uri_too_long", "URI Too Long"),  # [own]
    429: ("rate_limit_exceeded", "Request rate limit exceeded, please try again later"),
    431: ("request_header_fields_too_large", "Request Header Fields Too Large"),  # [own]
    500: ("internal_server_error", "Internal Server Error"),
    501: ("not_implemented", "Not Implemented"),  # [own]
    502: ("bad_gateway", "Bad Gateway"),
    503: ("unavailable", "Unavailable"),
    505: ("http_version_not_supported", "HTTP Version Not Supported"),  # [own]
}
INSUFFICIENT_SCOPE: Final = (
    "insufficient_scope",
    "The request requires higher privileges than provided by the access token.",
)
INVALID_LIMIT: Final = ("invalid_limit", "Limit is not a valid number")
INVALID_OFFSET: Final = ("invalid_offset", "Offset is not a valid number")


def body_request_id() -> str:
    """A body ``request_id``: 12 lower-case hex digits, like the docs' 'abcdef123456'."""
    return secrets.token_hex(6)


def client_error(
    status: int,
    code: str | None = None,
    message: str | None = None,
    *,
    context: dict[str, Any] | None = None,
    headers: tuple[tuple[str, str], ...] = (),
) -> Reply:
    default_code, default_message = DEFAULTS.get(status, ("error", "Error"))
    body: dict[str, Any] = {
        "type": "error",
        "status": status,
        "code": code or default_code,
        "help_url": RATE_LIMIT_HELP_URL if status == 429 else HELP_URL,
        "message": message or default_message,
        "request_id": body_request_id(),
    }
    if context is not None:
        body["context_info"] = context
    return Reply(status, json.dumps(body).encode(), (JSON, *headers))
