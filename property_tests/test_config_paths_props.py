"""Properties of how a value meant as a path is shown (issue 10 item 1).

A value pasted into a path field may be the config JSON, a token or a
secret: ``shown_path`` quotes it only when it reads as a path, and otherwise
describes it without any of its characters. ``parse_app_config`` reports
malformed JSON by line and column, never by its text.
"""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure
from strategies import ANY_CHAR

from boxauth.config import describe_value, is_plausible_path, parse_app_config, shown_path

# A secret-like marker: 16 letters and digits, as a client secret or token has.
MARKER = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=16,
                 max_size=16)  # fmt: skip
AROUND = st.text(ANY_CHAR, max_size=60)


@given(AROUND, MARKER, AROUND)
def test_a_value_is_quoted_whole_or_not_at_all(before: str, marker: str, after: str) -> None:
    value = before + marker + after
    shown = shown_path(value)
    if shown == repr(value):
        # Quoted only when it reads as a path: one printable line, a directory
        # or an extension, no braces, quotes, base64 padding or plus signs.
        assert is_plausible_path(value)
        assert "/" in value or "." in value or value.startswith("~")
        assert not set(value) & set("{}\"'`+=\n\r")
    else:
        assert marker not in shown
        assert shown == describe_value(value)
    assert "\n" not in shown and "\r" not in shown


@given(st.dictionaries(st.text(max_size=10), st.text(max_size=40), max_size=5), MARKER)
def test_config_json_is_never_shown(data: dict[str, str], marker: str) -> None:
    text = json.dumps({"boxAppSettings": {"clientSecret": marker, **data}})
    assert shown_path(text) == f"a {len(text):,}-character value that looks like JSON, not a path"
    assert shown_path("  \n" + text) == describe_value("  \n" + text)
    assert marker not in shown_path("  \n" + text)


@given(st.one_of(st.none(), st.integers(), st.binary(max_size=20), st.lists(st.text(max_size=3))))
def test_anything_that_is_not_text_is_described(value: object) -> None:
    assert not is_plausible_path(value)
    assert shown_path(value) == f"a {type(value).__name__} value, not a path"


@given(AROUND, MARKER, AROUND)
def test_malformed_json_is_reported_by_position_only(
    before: str, marker: str, after: str
) -> None:
    text = "{" + before + '"' + marker + after  # never valid JSON: an unclosed string
    result = parse_app_config(text)
    assert isinstance(result, Failure)
    error = result.failure()
    assert marker not in error.message()
    if error.field == "config":
        assert error.problem.startswith("is not valid JSON")
