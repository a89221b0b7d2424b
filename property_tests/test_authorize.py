"""authorize: the OAuth 2.0 authorize URL, the redirect that comes back (its query, the
code, the state, an error), and the states an app remembers between the two.

Box's authorize endpoint: developer.box.com/reference/get-authorize/ (only
``response_type=code``; ``client_id``, ``redirect_uri``, ``state``, space-separated
``scope``). ``state`` is the CSRF defence of the code flow (RFC 6749 §10.12): a
caller's state has at least 16 characters, a missing or different one is a
``StateMismatch``, and a remembered state (``PendingStates``) is single use, live
for ten minutes, bounded in number and compared without a timing-dependent early exit.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from returns.result import Failure, Result, Success
from strategies import ANY_CHAR, any_text, refused

from boxauth import authorize
from boxauth.authorize import (
    MAX_PENDING_STATES,
    MAX_QUERY,
    MAX_REDIRECT,
    MAX_STATE,
    MIN_STATE,
    STATE_LIFETIME,
    AuthorizeRequest,
    PendingState,
    PendingStates,
    Redirect,
    authorize_url,
    code_from_redirect,
    parse_redirect_query,
    query_of_redirect,
    state_matches,
)
from boxauth.errors import BoxRefused, ErrorKind, InvalidInput, StateMismatch
from boxauth.redaction import REDACTED
from boxauth.urls import BaseUrls

STATE = "s" * MIN_STATE
URLS = BaseUrls()
T0 = 1_000.0
REDIRECT_FIELDS = {"code", "state", "error", "error_description"}

nonempty = st.text(min_size=1, max_size=30)
# authorize_url refuses a caller state shorter than MIN_STATE.
states = st.text(min_size=MIN_STATE, max_size=40)
words = st.text(min_size=1, max_size=12).filter(lambda s: " " not in s)
redirects = st.none() | st.sampled_from(
    ["https://app.example.test/cb?x=1", "http://127.0.0.1:8765/callback", "http://localhost/cb"]
)
bases = st.sampled_from(
    [BaseUrls(), BaseUrls(oauth_2_url="https://ent.box.com/api/oauth2"), BaseUrls("https://x.test")]
)
# Anything that is not a str: what untyped callers can pass.
wrong_types: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.binary(max_size=8),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.builds(object),
)
non_str = wrong_types.filter(lambda v: not isinstance(v, str))
query_text = st.text(ANY_CHAR.filter(lambda c: c not in "#"), max_size=40)
prefixes = st.sampled_from(
    [
        "https://app.example.test/cb?",
        "http://127.0.0.1:8765/callback?",
        "https://[x/?",  # urlsplit raises "Invalid IPv6 URL" on this one
        "/callback?",
        "?",
        "",
    ]
)
# PendingStates: remembered states, kept apart from the model (a plain list).
state_names = st.text("abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=MIN_STATE, max_size=40)
uris = st.none() | st.sampled_from(["https://app.example/cb", "http://127.0.0.1:5000/cb"])


def _query(**params: str) -> str:
    return urlencode(params)


def _has_lone_surrogate(text: str) -> bool:
    return any(0xD800 <= ord(c) <= 0xDFFF for c in text)


# -- The authorize URL ---------------------------------------------------------------


@given(bases, nonempty, redirects, states, st.lists(words, max_size=4))
def test_query_parses_back_exactly(
    urls: BaseUrls, client_id: str, redirect: str | None, state: str, scopes: list[str]
) -> None:
    url = authorize_url(urls, AuthorizeRequest(client_id, redirect, state, tuple(scopes))).unwrap()
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{urls.oauth_2_url}/authorize"
    expected = [("response_type", "code"), ("client_id", client_id)]
    if redirect is not None:
        expected.append(("redirect_uri", redirect))
    expected.append(("state", state))
    if scopes:
        expected.append(("scope", " ".join(scopes)))
    assert parse_qsl(parts.query, keep_blank_values=True) == expected
    assert " " not in url
    assert "#" not in url


@given(
    st.text(ANY_CHAR, max_size=10),
    st.text(ANY_CHAR, max_size=10) | states,
    st.lists(any_text, max_size=3),
)
def test_any_text_gives_the_url_or_names_a_bad_field(
    client_id: str, state: str, scopes: list[str]
) -> None:
    result = authorize_url(BaseUrls(), AuthorizeRequest(client_id, None, state, tuple(scopes)))
    bad = set()
    if not client_id or _has_lone_surrogate(client_id):
        bad.add("client_id")
    if len(state) < MIN_STATE or _has_lone_surrogate(state):
        bad.add("state")
    if any(not s or " " in s or _has_lone_surrogate(s) for s in scopes):
        bad.add("scope")
    if bad:
        assert refused(result, result.failure().field).field in bad
    else:
        query = dict(parse_qsl(urlsplit(result.unwrap()).query, keep_blank_values=True))
        assert (query["client_id"], query["state"]) == (client_id, state)


@given(nonempty, nonempty, st.sampled_from(["token", "", "CODE", "code id_token"]))
def test_only_code_response_type(client_id: str, state: str, response_type: str) -> None:
    request = AuthorizeRequest(client_id, None, state, (), response_type)
    assert isinstance(authorize_url(BaseUrls(), request), Failure)


@given(nonempty, nonempty, st.sampled_from(["http://evil.test/cb", "ftp://x/", "https://u@h/"]))
def test_insecure_redirect_refused(client_id: str, state: str, redirect: str) -> None:
    assert isinstance(
        authorize_url(BaseUrls(), AuthorizeRequest(client_id, redirect, state)), Failure
    )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"response_type": "token"}, "response_type"),
        ({"client_id": ""}, "client_id"),
        ({"client_id": 5}, "client_id"),
        ({"client_id": "a\ud800"}, "client_id"),
        ({"state": ""}, "state"),
        (
            {"state": "s" * 15},
            "state",
        ),
        ({"redirect_uri": "http://example.com/cb"}, "redirect_uri"),
        ({"scopes": ("a b",)}, "scope"),
        ({"scopes": ("",)}, "scope"),
        ({"scopes": (1,)}, "scope"),
        ({"scopes": "root_readwrite"}, "scope"),
    ],
)
def test_each_bad_authorize_request_is_refused_naming_its_field(
    fields: dict[str, Any], field: str
) -> None:
    request = AuthorizeRequest(
        **{"client_id": "cid", "redirect_uri": None, "state": STATE, **fields}
    )
    refused(authorize_url(URLS, request), field)


def test_authorize_url_shape() -> None:
    request = AuthorizeRequest("cid", "https://app.example/cb", STATE, ("a", "b_c"))
    assert authorize_url(URLS, request) == Success(
        "https://account.box.com/api/oauth2/authorize?response_type=code&client_id=cid"
        "&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&state=" + STATE + "&scope=a+b_c"
    )
    assert authorize_url(URLS, AuthorizeRequest("cid", None, STATE)) == Success(
        "https://account.box.com/api/oauth2/authorize?response_type=code&client_id=cid"
        "&state=" + STATE
    )
    refused(authorize_url(None, request), "base_urls")  # type: ignore[arg-type]
    refused(authorize_url(URLS, None), "authorize request")  # type: ignore[arg-type]


def test_field_names_in_type_refusals() -> None:
    refused(authorize_url(URLS, AuthorizeRequest("cid", None, 5)), "state")  # type: ignore[arg-type]
    refused(
        authorize_url(URLS, AuthorizeRequest("cid", b"x", STATE)),  # type: ignore[arg-type]
        "redirect_uri",
    )


@st.composite
def authorize_requests(draw: st.DrawFn) -> AuthorizeRequest:
    """A valid request with one field (or one scope) replaced by a wrongly typed value."""
    fields: dict[str, Any] = {
        "client_id": "client",
        "redirect_uri": None,
        "state": "s" * MIN_STATE,
        "scopes": ("root_readonly",),
    }
    name = draw(st.sampled_from(["client_id", "redirect_uri", "state", "scopes", "scope"]))
    # (An empty list is a valid ``scopes``; every other value here is not.)
    bad = draw(non_str.filter(lambda v: v is not None and v != []))
    if name == "scope":
        fields["scopes"] = ("root_readonly", bad)
    else:
        fields[name] = bad
    return AuthorizeRequest(**fields)


@given(authorize_requests())
def test_authorize_url_never_raises_on_wrong_types(request: AuthorizeRequest) -> None:
    assert isinstance(authorize_url(BaseUrls(), request), Failure)


@given(wrong_types)
def test_authorize_url_refuses_non_requests(value: Any) -> None:
    assert isinstance(authorize_url(BaseUrls(), value), Failure)
    good = AuthorizeRequest("client", None, "s" * MIN_STATE)
    assert isinstance(authorize_url(value, good), Failure)


@given(st.text(ANY_CHAR.filter(str.isprintable), min_size=1, max_size=MIN_STATE - 1))
def test_short_caller_state_is_refused(state: str) -> None:
    result = authorize_url(BaseUrls(), AuthorizeRequest("client", None, state))
    assert isinstance(result, Failure)
    assert result.failure().field == "state"


@given(st.text(min_size=MIN_STATE, max_size=64))
def test_long_enough_state_is_accepted(state: str) -> None:
    url = authorize_url(BaseUrls(), AuthorizeRequest("client", None, state)).unwrap()
    assert ("state", state) in parse_qsl(urlsplit(url).query, keep_blank_values=True)


# -- Comparing states ----------------------------------------------------------------


@given(st.text(ANY_CHAR, max_size=30))
def test_state_matches_is_reflexive(state: str) -> None:
    assert state_matches(state, state) is bool(state)


@given(st.text(ANY_CHAR, max_size=30), st.text(ANY_CHAR, max_size=30))
def test_state_differs(expected: str, received: str) -> None:
    assume(expected != received)
    assert state_matches(expected, received) is False


@given(st.text(ANY_CHAR, max_size=30))
def test_missing_state_never_matches(expected: str) -> None:
    assert state_matches(expected, None) is False
    assert state_matches(expected, "") is False
    assert state_matches("", expected) is False


@given(st.text(min_size=1, max_size=20))
def test_state_matches_itself_even_with_lone_surrogates(state: str) -> None:
    assert state_matches(state, state)
    assert state_matches(state + "\ud800", state + "\ud800")
    assert not state_matches(state + "\ud800", state + "\ud801")
    assert not state_matches(state, state + "x")


def test_state_matches_refuses_missing_and_non_str() -> None:
    assert not state_matches("", "")
    assert not state_matches(None, None)
    assert not state_matches(b"x", b"x")


@given(wrong_types | st.text(max_size=5), wrong_types | st.text(max_size=5))
def test_state_matches_is_false_for_non_str(expected: Any, received: Any) -> None:
    matched = state_matches(expected, received)
    assert isinstance(matched, bool)
    if not isinstance(expected, str) or not isinstance(received, str):
        assert matched is False


# -- The redirect ---------------------------------------------------------------------


@given(prefixes, query_text, st.none() | st.text(ANY_CHAR, max_size=10))
def test_query_of_redirect_finds_the_query(prefix: str, query: str, fragment: str | None) -> None:
    if prefix == "":  # a bare query: it must not look like a URL or a path itself
        query = query.replace("?", "").replace("://", "")
        query = query.lstrip("/")  # a leading "/" would make it a path
    redirect = prefix + query + ("" if fragment is None else "#" + fragment)
    assert query_of_redirect(redirect) == Success(query)


@given(st.text(ANY_CHAR, max_size=60))
def test_query_of_redirect_never_raises_and_never_keeps_a_fragment(text: str) -> None:
    query = query_of_redirect(text).unwrap()
    assert "#" not in query
    assert query in text


@given(wrong_types)
def test_query_of_redirect_refuses_non_str(value: Any) -> None:
    assert isinstance(query_of_redirect(value), Failure)


def test_query_of_redirect_examples() -> None:
    assert query_of_redirect("https://[x/?code=a&state=b") == Success("code=a&state=b")
    assert query_of_redirect("https://app/cb#frag?code=a") == Success("")
    assert query_of_redirect("https://app/cb") == Success("")
    assert query_of_redirect("/cb") == Success("")
    assert query_of_redirect("code=a&state=b#x") == Success("code=a&state=b")
    assert isinstance(query_of_redirect("?" + "a" * 20_000), Failure)


def test_query_of_redirect() -> None:
    assert query_of_redirect("https://a/cb?code=a&state=b#f?x") == Success("code=a&state=b")
    assert query_of_redirect("/cb") == Success("")
    assert query_of_redirect("https://a/cb") == Success("")
    assert query_of_redirect("code=a") == Success("code=a")
    refused(query_of_redirect(1), "redirect")
    assert query_of_redirect("a" * MAX_REDIRECT) == Success("a" * MAX_REDIRECT)
    refused(query_of_redirect("a" * (MAX_REDIRECT + 1)), "redirect")


def test_query_is_everything_after_the_first_question_mark() -> None:
    assert query_of_redirect("https://a/cb?code=a&state=b?c") == Success("code=a&state=b?c")


def test_parse_redirect_query() -> None:
    got = parse_redirect_query("?code=c&state=s&error=e&error_description=d+x&other=1&other=2")
    assert got == Success(Redirect(code="c", state="s", error="e", error_description="d x"))
    assert parse_redirect_query("code=&state=s") == Success(Redirect(code="", state="s"))
    refused(parse_redirect_query(None), "redirect query")  # type: ignore[arg-type]
    refused(parse_redirect_query("code=a&code=b"), "redirect code")
    assert parse_redirect_query("a" * MAX_QUERY) == Success(Redirect())
    refused(parse_redirect_query("a" * (MAX_QUERY + 1)), "redirect query")
    fields32 = "&".join(["x=1"] * 31 + ["code=c"])
    assert parse_redirect_query(fields32) == Success(Redirect(code="c"))
    refused(parse_redirect_query(fields32 + "&y=2"), "redirect query")


def test_only_exact_parameter_names_are_taken() -> None:
    assert parse_redirect_query("Xcode=c&xstate=s") == Success(Redirect())
    assert parse_redirect_query("??code=c") == Success(Redirect(code="c"))


def test_code_from_redirect() -> None:
    assert code_from_redirect(f"code=c&state={STATE}", STATE) == Success("c")
    for query in ("code=c", "code=c&state=", "code=c&state=x"):
        got = code_from_redirect(query, STATE)
        assert isinstance(got, Failure) and type(got.failure()) is StateMismatch
    refused(code_from_redirect(f"state={STATE}", STATE), "code")
    refused(code_from_redirect(f"code=&state={STATE}", STATE), "code")
    denied = code_from_redirect(f"code=c&state={STATE}&error=access_denied", STATE)
    assert denied == Failure(
        BoxRefused(
            kind=ErrorKind.ACCESS_DENIED,
            status=302,
            error="access_denied",
            description="",
            redirect=True,
        )
    )
    long_error = "e" * 100
    got = code_from_redirect(
        f"state={STATE}&error={long_error}&error_description=a%0Ab", STATE
    ).failure()
    assert (got.error, got.description, got.kind) == (
        "e" * 61 + "...",
        "a b",
        ErrorKind.UNRECOGNIZED,
    )
    refused(code_from_redirect("code=a&code=b", STATE), "redirect code")


@given(nonempty, nonempty)
def test_code_returned_when_state_matches(code: str, state: str) -> None:
    assert code_from_redirect(_query(code=code, state=state), state).unwrap() == code
    assert code_from_redirect("?" + _query(state=state, code=code), state).unwrap() == code


@given(nonempty, nonempty, nonempty)
def test_wrong_or_missing_state_refused(code: str, state: str, other: str) -> None:
    assume(state != other)
    wrong = code_from_redirect(_query(code=code, state=other), state)
    assert isinstance(wrong, Failure)
    # A possible CSRF, not a configuration error.
    assert type(wrong.failure()) is StateMismatch
    for query in (_query(code=code), _query(code=code, state="")):
        missing = code_from_redirect(query, state)
        assert isinstance(missing, Failure)
        assert type(missing.failure()) is StateMismatch
    # A code short enough to occur in any sentence proves nothing; judge long ones.
    if len(code) >= 8:
        assert code not in wrong.failure().message()
    assert (
        wrong.failure().message()
        == code_from_redirect(_query(code="x" * 9, state=other), state).failure().message()
    )


@given(nonempty, st.none() | nonempty, nonempty, st.none() | nonempty)
def test_error_param_is_a_refusal(
    error: str, description: str | None, state: str, code: str | None
) -> None:
    params = {"error": error, "state": state}
    if description is not None:
        params["error_description"] = description
    if code is not None:
        params["code"] = code
    result = code_from_redirect(_query(**params), state)
    assert isinstance(result, Failure)
    refused = result.failure()
    assert isinstance(refused, BoxRefused)
    if error == "access_denied":
        assert refused.kind is ErrorKind.ACCESS_DENIED


@given(nonempty, nonempty, nonempty)
def test_repeated_parameters_refused(first: str, second: str, state: str) -> None:
    query = f"{_query(code=first, state=state)}&{_query(code=second)}"
    assert isinstance(code_from_redirect(query, state), Failure)


@given(nonempty)
def test_missing_code_refused(state: str) -> None:
    result = code_from_redirect(_query(state=state), state)
    assert isinstance(result, Failure)
    assert result.failure().field == "code"


@given(st.text(ANY_CHAR, max_size=200), st.text(ANY_CHAR, max_size=20))
def test_any_query_parses_as_the_standard_library_reads_it(query: str, state: str) -> None:
    """parse_qsl, limited to 32 fields, is the model: the four names we read, each at most
    once; a repeat, a query over the field limit or a too long one is refused by name."""
    parsed = parse_redirect_query(query)
    try:
        pairs = parse_qsl(query.lstrip("?"), keep_blank_values=True, max_num_fields=32)
    except ValueError:
        refused(parsed, "redirect query")
    else:
        ours = [(k, v) for k, v in pairs if k in REDIRECT_FIELDS]
        names = [k for k, _ in ours]
        if len(names) != len(set(names)):
            assert refused(parsed, parsed.failure().field).field.startswith("redirect ")
        else:
            assert parsed == Success(Redirect(**dict(ours)))
    result = code_from_redirect(query, state)
    if isinstance(result, Success):
        assert state_matches(state, parse_redirect_query(query).unwrap().state)


# -- Remembered states: PendingStates ---------------------------------------------------


def _add(pending: PendingStates, state: str, uri: str | None = None, now: float = T0) -> Any:
    return pending.add(state, uri, now).unwrap()


@given(state_names, uris)
def test_a_state_is_taken_once(state: str, uri: str | None) -> None:
    pending = _add(PendingStates(), state, uri)
    after, match = pending.take(state, T0 + 1)
    assert match == PendingState(state, uri, T0)
    assert len(after) == 0
    again, second = after.take(state, T0 + 2)
    assert second is None
    assert len(again) == 0


@given(st.lists(state_names, min_size=2, max_size=8, unique=True), st.data())
def test_taking_one_state_leaves_the_others(many: list[str], data: st.DataObject) -> None:
    pending = PendingStates()
    for i, state in enumerate(many):
        pending = _add(pending, state, now=T0 + i)
    chosen = data.draw(st.sampled_from(many))
    after, match = pending.take(chosen, T0 + len(many))
    assert match is not None and match.state == chosen
    assert [e.state for e in after.entries] == [s for s in many if s != chosen]


@given(state_names, state_names)
def test_an_unknown_state_matches_nothing_and_changes_nothing(state: str, other: str) -> None:
    assume(state != other)
    pending = _add(PendingStates(), state)
    after, match = pending.take(other, T0 + 1)
    assert match is None
    assert after == pending


@given(state_names, st.floats(0, STATE_LIFETIME, exclude_max=True))
def test_a_state_is_live_for_ten_minutes(state: str, age: float) -> None:
    assume(T0 + age - T0 < STATE_LIFETIME)  # float rounding at the very edge
    _, match = _add(PendingStates(), state).take(state, T0 + age)
    assert match is not None


@given(state_names, st.floats(STATE_LIFETIME, 10 * STATE_LIFETIME))
def test_a_state_expires_after_ten_minutes(state: str, age: float) -> None:
    after, match = _add(PendingStates(), state).take(state, T0 + age)
    assert match is None
    assert len(after) == 0  # expired entries are dropped


def test_the_expiry_boundary_is_exact() -> None:
    pending = _add(PendingStates(), "s" * MIN_STATE)
    assert STATE_LIFETIME == 600.0
    assert pending.take("s" * MIN_STATE, T0 + 599.999)[1] is not None
    assert pending.take("s" * MIN_STATE, T0 + 600.0)[1] is None
    # A clock that went back past the issue time retires the state too.
    assert pending.take("s" * MIN_STATE, T0 - 0.001)[1] is None
    assert pending.take("s" * MIN_STATE, T0)[1] is not None


@given(st.integers(MAX_PENDING_STATES, MAX_PENDING_STATES + 40))
def test_the_number_of_states_is_bounded_and_the_oldest_go_first(count: int) -> None:
    pending = PendingStates()
    names = [f"state-{i:012d}" for i in range(count)]
    for i, name in enumerate(names):
        pending = _add(pending, name, now=T0 + i * 0.001)
    assert len(pending) == MAX_PENDING_STATES
    kept = [e.state for e in pending.entries]
    assert kept == names[-MAX_PENDING_STATES:]
    now = T0 + count * 0.001
    first_kept = count - MAX_PENDING_STATES
    assert pending.take(names[first_kept], now)[1] is not None
    if first_kept:
        assert pending.take(names[first_kept - 1], now)[1] is None
    assert pending.take(names[-1], now)[1] is not None


@given(state_names, uris, uris)
def test_adding_a_state_again_renews_it_once(state: str, one: str | None, two: str | None) -> None:
    pending = _add(_add(PendingStates(), state, one), state, two, T0 + 300)
    assert len(pending) == 1
    _, match = pending.take(state, T0 + 800)  # live from the second add
    assert match == PendingState(state, two, T0 + 300)


@given(st.lists(state_names, min_size=1, max_size=12, unique=True), st.data())
def test_take_compares_every_live_entry_wherever_the_match_is(
    many: list[str], data: st.DataObject
) -> None:
    """No early exit: as many constant-time comparisons for a match at the front, at
    the back, or no match at all, so the timing says nothing about which entry matched."""
    pending = PendingStates()
    for state in many:
        pending = _add(pending, state)
    received = data.draw(st.sampled_from([*many, "x" * MIN_STATE]))
    calls: list[tuple[str, object]] = []
    real = authorize._equal

    def counting(expected: str, got: object) -> bool:
        calls.append((expected, got))
        return real(expected, got)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(authorize, "_equal", counting)
        pending.take(received, T0 + 1)
    assert [expected for expected, _ in calls] == many
    assert all(got == received for _, got in calls)


def test_comparison_is_hmac_compare_digest(monkeypatch: pytest.MonkeyPatch) -> None:
    used: list[tuple[bytes, bytes]] = []

    def spy(a: bytes, b: bytes) -> bool:
        used.append((a, b))
        return a == b

    monkeypatch.setattr(authorize.hmac, "compare_digest", spy)
    pending = _add(PendingStates(), "a" * MIN_STATE)
    assert pending.take("a" * MIN_STATE, T0)[1] is not None
    assert used == [(b"a" * MIN_STATE, b"a" * MIN_STATE)]


@pytest.mark.parametrize(
    ("state", "uri", "now", "field"),
    [
        ("s" * (MIN_STATE - 1), None, T0, "state"),
        ("s" * (MAX_STATE + 1), None, T0, "state"),
        (5, None, T0, "state"),
        ("s\ud800" * MIN_STATE, None, T0, "state"),
        ("s" * MIN_STATE, 7, T0, "redirect_uri"),
        ("s" * MIN_STATE, None, float("nan"), "now"),
        ("s" * MIN_STATE, None, 2.0**54, "now"),
        ("s" * MIN_STATE, None, True, "now"),
    ],
)
def test_add_refuses_bad_input_by_name(state: Any, uri: Any, now: Any, field: str) -> None:
    got = PendingStates().add(state, uri, now)
    assert isinstance(got, Failure)
    assert got.failure().field == field


@pytest.mark.parametrize("received", [None, 5, b"s" * MIN_STATE, "", ["s" * MIN_STATE]])
def test_take_of_a_non_state_matches_nothing(received: object) -> None:
    pending = _add(PendingStates(), "s" * MIN_STATE)
    after, match = pending.take(received, T0)
    assert match is None and after == pending


def test_take_with_a_broken_clock_forgets_everything() -> None:
    pending = _add(PendingStates(), "s" * MIN_STATE)
    after, match = pending.take("s" * MIN_STATE, float("nan"))
    assert match is None and len(after) == 0


def test_states_never_print() -> None:
    secret = "Q" * 20
    pending = _add(PendingStates(), secret, "https://app.example/cb")
    for text in (repr(pending), str(pending), repr(pending.entries[0]), repr(Success(pending))):
        assert secret not in text
    assert repr(pending.entries[0]) == (
        f"PendingState(state={REDACTED}, redirect_uri='https://app.example/cb', issued_at={T0})"
    )


# -- Wording: the one test that pins this module's refusal texts -----------------------


def test_refusal_wording() -> None:
    """Every refusal text of this module, once; the other tests check the field or type."""

    def request(**fields: Any) -> Result[str, InvalidInput]:
        return authorize_url(
            URLS,
            AuthorizeRequest(
                **{"client_id": "cid", "redirect_uri": None, "state": STATE, **fields}
            ),
        )

    cases: list[tuple[Result[Any, Any], str]] = [
        (request(response_type="token"), "response_type: Box supports only 'code'"),
        (request(client_id=5), "client_id: must be a string, not int"),
        (request(client_id="a\ud800"), "client_id: has text with a lone surrogate"),
        (request(client_id=""), "client_id: is empty"),
        (request(state=""), "state: is empty; it is the CSRF defence"),
        (
            request(state="s" * 15),
            "state: is shorter than 16 characters: too weak a CSRF defence",
        ),
        (request(state="s" * (MAX_STATE + 1)), "state: is longer than 512 characters"),
        (request(scopes="root_readwrite"), "scope: must be a list of scope names"),
        (request(scopes=("a b",)), "scope: each scope must be a non-empty word"),
        (
            authorize_url(None, AuthorizeRequest("cid", None, STATE)),
            "base_urls: must be a BaseUrls",
        ),  # type: ignore[arg-type]
        (authorize_url(URLS, None), "authorize request: must be an AuthorizeRequest"),  # type: ignore[arg-type]
        (
            authorize_url(BaseUrls(oauth_2_url=None), AuthorizeRequest("cid", None, STATE)),  # type: ignore[arg-type]
            "base_urls: oauth_2_url must be a URL string",
        ),
        (query_of_redirect(1), "redirect: must be a string"),
        (query_of_redirect("a" * (MAX_REDIRECT + 1)), "redirect: is too long"),
        (parse_redirect_query(None), "redirect query: must be a string"),  # type: ignore[arg-type]
        (parse_redirect_query("a" * (MAX_QUERY + 1)), "redirect query: is too long"),
        (parse_redirect_query("&".join(["x=1"] * 33)), "redirect query: is malformed"),
        (parse_redirect_query("code=a&code=b"), "redirect code: appears more than once"),
        (
            code_from_redirect("code=c", STATE),
            "possible login CSRF: the redirect's state is missing",
        ),
        (
            code_from_redirect("code=c&state=x", STATE),
            "possible login CSRF: the redirect's state does not match the one this sign-in sent",
        ),
        (code_from_redirect(f"state={STATE}", STATE), "code: is missing from the redirect"),
        (PendingStates().add("s" * 15, None, T0), "state: must be 16 to 512 characters"),
        (PendingStates().add(STATE, 7, T0), "redirect_uri: must be a string or None"),  # type: ignore[arg-type]
        (PendingStates().add(STATE, None, float("nan")), "now: must be a finite clock reading"),
    ]
    for result, message in cases:
        assert result.failure().message() == message
