"""What the command line prints: token facts, and text made safe for a terminal.

Every text a server supplies (a user's name or login, an error description)
passes through ``terminal_text`` before it is printed in plain-text mode, so
a Box user or a hostile server cannot retitle the terminal, write the
clipboard (OSC 52), move the cursor or forge output lines. JSON output needs
nothing more: ``json.dumps`` escapes every control character (RFC 8259 §7).
"""

from __future__ import annotations

import math
import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Any

from ..access_token import AccessToken

# Unicode categories a terminal may act on rather than show: controls (C0,
# DEL, C1 and so ESC and CSI), format characters (bidi overrides and
# isolates, zero-width marks: they reorder or hide what is shown), line and
# paragraph separators, lone surrogates, unassigned and private-use code
# points. https://www.unicode.org/reports/tr9/ (bidi), ECMA-48 (C0, C1).
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def _escaped(ch: str) -> str:
    code = ord(ch)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def terminal_text(text: str) -> str:
    """``text`` with every character a terminal could act on written as an escape.

    ``"Ada\\x1b]52;c;...\\x07"`` prints as ``Ada\\x1b]52;c;...\\x07``: visible,
    inert, and on one line.
    """
    return "".join(
        _escaped(ch) if unicodedata.category(ch) in _UNSAFE_CATEGORIES else ch for ch in text
    )


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# The whole seconds datetime can show: years 1 to 9999. A stored time may lie
# far outside (the storage accepts any finite number up to 2**53 in size).
_FIRST = int((datetime.min.replace(tzinfo=UTC) - _EPOCH).total_seconds())
_LAST = int((datetime.max.replace(tzinfo=UTC, microsecond=0) - _EPOCH).total_seconds())


def iso(when: object) -> str | None:
    """A POSIX time as ISO 8601 UTC (``2026-11-28T12:00:00Z``); never raises.

    None for None, for anything that is not a finite number, and for a time
    outside years 1..9999, which ISO 8601's four-digit years cannot write.
    ``datetime.fromtimestamp`` is not used: it raises ValueError, OverflowError
    or OSError for such times, depending on the platform's C library.
    """
    if isinstance(when, bool) or not isinstance(when, int | float):
        return None
    if isinstance(when, float) and not math.isfinite(when):
        return None
    seconds = math.floor(when)  # whole seconds, as fromtimestamp(...).isoformat("seconds")
    if not _FIRST <= seconds <= _LAST:
        return None
    moment = _EPOCH + timedelta(seconds=seconds)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def token_facts(token: AccessToken) -> dict[str, Any]:
    """What may be shown about a token besides the token itself."""
    return {
        "token_type": token.token_type,
        "expires_in": token.expires_in,
        "expires_at": token.expires_at,
        "expires_at_utc": iso(token.expires_at),
        "restricted_to": [
            {
                k: v
                for k, v in (
                    ("scope", r.scope),
                    ("object_type", r.object_type),
                    ("object_id", r.object_id),
                    ("object_name", r.object_name),
                )
                if v is not None
            }
            for r in token.restricted_to
        ],
    }
