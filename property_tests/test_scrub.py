"""``errors.without_secrets``: a secret we sent never comes back in an error's text.

A token endpoint (or anything answering at its address) may quote the request back:
a refresh token or a client secret in ``error_description``. Every text field of a
``BoxRefused`` loses any run of at least ``MIN_SCRUBBED`` characters found in a
secret we sent, and a secret's beginning cut short by ``clean_text``'s "..." (down
to ``MIN_CUT`` characters); nothing else changes. Integration tests over loopback:
tests/test_echoed_secrets.py.

Secrets and the server's own words are drawn from disjoint alphabets here, so the
exact expected text is known: what is not an echo must survive unchanged.
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from boxauth.errors import (
    MIN_CUT,
    MIN_SCRUBBED,
    BoxRefused,
    ErrorKind,
    InvalidInput,
    without_secrets,
)

R = "<redacted>"
secrets = st.text("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", min_size=MIN_SCRUBBED, max_size=40)
words = st.text("abcdefghijklmnop ,:-", max_size=30)  # Box's own words: never a secret


def _refused(text: str, **kw: object) -> BoxRefused:
    return BoxRefused(ErrorKind.INVALID_GRANT, 400, text, text, **kw)  # type: ignore[arg-type]


@st.composite
def echoes(draw: st.DrawFn) -> tuple[str, str]:
    """A secret and a run of it at least MIN_SCRUBBED long: the whole or a part."""
    secret = draw(secrets)
    start = draw(st.integers(0, len(secret) - MIN_SCRUBBED))
    end = draw(st.integers(start + MIN_SCRUBBED, len(secret)))
    return secret, secret[start:end]


@given(echoes(), words, words, st.booleans())
def test_an_echo_of_a_sent_secret_is_replaced_in_every_text_field(
    echo: tuple[str, str], before: str, after: str, listed: bool
) -> None:
    secret, piece = echo
    text = before + piece + after
    error = _refused(
        text,
        request_id=text,
        headers=(("box-request-id", text),),
        details=(("message", text), ("status", 400)),
    )
    sent: object = [secret] if listed else (secret,)
    clean = before + R + after
    assert without_secrets(error, sent) == _refused(
        clean,
        request_id=clean,
        headers=(("box-request-id", clean),),
        details=(("message", clean), ("status", 400)),
    )


@given(
    st.text("ABCDEFGHJK", min_size=MIN_SCRUBBED + 1, max_size=20),
    st.text("LMNPQRSTUV", min_size=MIN_SCRUBBED + 1, max_size=20),
    words,
)
def test_partial_echoes_side_by_side_become_one_mark(one: str, two: str, before: str) -> None:
    got = without_secrets(_refused(before + one[1:] + two[1:]), (one, two))
    assert isinstance(got, BoxRefused) and got.description == before + R


@given(secrets, words, st.data())
def test_a_secret_cut_by_the_length_limit_is_replaced_down_to_its_first_characters(
    secret: str, before: str, data: st.DataObject
) -> None:
    """``clean_text`` ends a clipped text with "...": the secret's beginning before it is
    an echo from ``MIN_CUT`` characters on; a shorter stub is left (it could be any word)."""
    cut = data.draw(st.integers(MIN_CUT, len(secret)))
    got = without_secrets(_refused(before + secret[:cut] + "..."), (secret,))
    assert isinstance(got, BoxRefused) and got.description == before + R + "..."
    stub = before + secret[: MIN_CUT - 1] + "..."
    assert without_secrets(_refused(stub), (secret,)) == _refused(stub)


@given(secrets, words)
def test_text_without_an_echo_is_left_alone(secret: str, text: str) -> None:
    error = _refused(text, request_id=None, headers=(("retry-after", "5"),))
    assert without_secrets(error, (secret,)) == error
    assert without_secrets(error, (secret,)).request_id is None  # type: ignore[union-attr]


@given(secrets, words)
def test_only_strings_of_at_least_min_scrubbed_characters_are_looked_for(
    secret: str, before: str
) -> None:
    """Replacing every short string would garble the text and hide nothing of value."""
    short = secret[: MIN_SCRUBBED - 1]
    error = _refused(before + short)
    assert without_secrets(error, (short, 12345678, None, b"ABCDEFGHJK")) is error
    exact = secret[:MIN_SCRUBBED]
    got = without_secrets(_refused(before + exact), (exact,))
    assert isinstance(got, BoxRefused) and got.description == before + R


@given(secrets)
def test_anything_else_is_returned_as_it_came(secret: str) -> None:
    """Never raises: only a ``BoxRefused`` carries server text, and only a tuple or list
    of the secrets sent is looked at."""
    error = _refused(secret)
    for sent in (secret, {secret}, None, 3):
        assert without_secrets(error, sent) is error
    other = InvalidInput("client_secret", "must be text")
    assert without_secrets(other, (secret,)) is other
    assert without_secrets(replace(error, request_id=None), (secret,)) == replace(
        _refused(R), request_id=None
    )
