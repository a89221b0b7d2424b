"""redaction: ``Redacted`` and ``secret_field``, and what they buy across the core: no
secret in any repr or str of any core value, every core value immutable, and no value
holding a secret can be pickled or copied into a second object.

Lessons from h11, oauthlib and google-auth (google-auth's signer once pickled its key):
never put a raw secret in a container, and test immutability explicitly.
"""

from __future__ import annotations

import copy
import dataclasses
import importlib
import inspect
import json
import pickle
import pkgutil
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from returns.result import Failure, Success
from strategies import (
    SECRET_ALPHABET,
    ccg_settings_with,
    jwt_settings_with,
    oauth_settings_with,
    plain,
)

import boxauth
from boxauth import (
    access_token,
    api_calls,
    attempts,
    authorize,
    downscope,
    errors,
    exceptions,
    grants,
    identity,
    jwt,
    lifecycle,
    responses,
    retry,
    sessions,
    settings,
    token_requests,
    urls,
    wire,
)
from boxauth.access_token import AccessToken, RestrictedTo
from boxauth.redaction import (
    _SECRET_KEY,
    REDACTED,
    Redacted,
    is_secret,
    redacted_repr,
    secret_field,
)

# Every module of the core, found rather than listed, so a module renamed or
# added is covered without anyone remembering to add it here.
CORE = sorted(
    info.name
    for info in pkgutil.iter_modules(boxauth.__path__)
    if not info.ispkg and info.name not in {"__init__", "__main__"}
)
T0 = 1_700_000_000.0


def _texts(value: object) -> list[str]:
    """Every way a value gets printed, directly and through returns' containers."""
    out = [repr(value), str(value), repr(Success(value)), str(Success(value))]
    out += [repr(Failure(value)), str(Failure(value)), repr([value]), repr((value,))]
    message = getattr(value, "message", None)
    if callable(message):
        out.append(message())
    return out


def _signer(message: bytes) -> Any:
    return Success(b"sig:" + message[:8])


def values_holding(s: list[str], cid: str) -> list[object]:
    """Every kind of value, each built with the secrets ``s`` in its secret fields."""
    ent = {"enterprise_id": "1"}
    jwt_s = jwt_settings_with(
        client_id=cid,
        client_secret=s[0],
        jwt_key_id=cid,
        private_key=s[1],
        private_key_passphrase=s[2],
    )
    ccg = ccg_settings_with(client_id=cid, client_secret=s[0])
    oauth = oauth_settings_with(client_id=cid, client_secret=s[0])
    dev = settings.developer_token_settings(client_id=cid, client_secret=s[0]).unwrap()
    app_json = json.dumps(
        {
            "boxAppSettings": {
                "clientID": cid,
                "clientSecret": s[0],
                "appAuth": {"publicKeyID": cid, "privateKey": s[1], "passphrase": s[2]},
            },
            "enterpriseID": "42",
        }
    )
    app = settings.parse_app_config(app_json).unwrap()
    token = AccessToken(access_token=s[0], refresh_token=s[1], expires_in=60, expires_at=T0 + 60)
    camel = AccessToken(accessToken=s[0], refreshToken=s[1])  # the guide's spelling
    assertion = jwt.make_assertion(jwt_s, _signer, now=T0, jti="j" * 20).unwrap()
    base = urls.BaseUrls()
    requests: list[object] = [
        token_requests.authorization_code_request(base, oauth, s[1]).unwrap(),
        token_requests.refresh_request(base, oauth, s[1]).unwrap(),
        token_requests.client_credentials_request(base, ccg),
        token_requests.jwt_request(base, cid, s[0], assertion),
        token_requests.token_exchange_request(
            base, s[1], downscope.validate_downscope(["item_preview"]).unwrap()
        ).unwrap(),
        token_requests.revoke_request(base, cid, s[0], s[1]).unwrap(),
    ]
    redirect = authorize.parse_redirect_query(f"code={s[1]}&state=abc").unwrap()
    body = json.dumps({"access_token": s[0], "refresh_token": s[1], "expires_in": 60}).encode()
    bad_body = json.dumps({"access_token": s[0], "expires_in": "soon"}).encode()
    http = responses.response(200, [("x", "y")], body)
    failures: list[object] = [
        settings.jwt_settings(
            client_id=cid,
            client_secret=s[0],
            jwt_key_id="",
            private_key=s[1],
            private_key_passphrase=s[2],
            **ent,
        ),
        settings.jwt_settings(
            client_id=s[0],
            client_secret=s[0],
            jwt_key_id=cid,
            private_key=s[1],
            private_key_passphrase=s[2],
            enterprise_id=s[1],
        ),
        settings.parse_app_config(app_json.replace('"42"', "[1]")),
        settings.parse_app_config(
            json.dumps({"boxAppSettings": {"clientID": s[0], "clientSecret": 7}})
        ),
        settings.parse_app_config(s[0]),
        token_requests.revoke_request(base, "", s[0], s[1]),
        token_requests.refresh_request(base, oauth, 12),
        token_requests.token_exchange_request(
            base, s[1], downscope.DownscopeRequest(("item_preview",), "r", "l")
        ),
        authorize.code_from_redirect(f"code={s[1]}&state=wrong", "right-state-1234"),
        authorize.code_from_redirect(f"code={s[1]}", "right-state-1234"),
        responses.parse_token_response(
            responses.response(200, [], bad_body), sent_at=T0, received_at=T0
        ),
        responses.parse_token_response(
            responses.response(400, [], bad_body), sent_at=T0, received_at=T0
        ),
        jwt.make_assertion(jwt_s, _signer, now=T0, jti="short"),
        downscope.validate_downscope(["item_preview"], resource=s[0]),
        downscope.validate_downscope(["item_preview"], shared_link=s[0]),
        access_token.token_from_json(json.dumps({"access_token": s[0], "expires_in": "x"})),
    ]
    failures += [
        downscope.validate_scopes([s[0]]),
        downscope.validate_scopes(["item_preview", s[0].lower() + "_" + s[1]]),
        authorize.PendingStates().add(s[0][:4], None, T0),
    ]
    errors_: list[object] = [f.failure() for f in failures if isinstance(f, Failure)]
    assert len(errors_) == len(failures), "every case above must fail"
    sent = wire.HttpRequest(
        "POST", f"https://api.box.com/oauth2/token?code={s[1]}", (("authorization", s[0]),), b"x"
    )
    raised: list[object] = [
        exceptions.exception_for(e, request=sent)  # type: ignore[arg-type]
        for e in errors_
        if not isinstance(e, str)
    ]
    raised_parts: list[object] = [
        part
        for exc in raised
        for part in (exc.request_info, exc.response_info, exc.extra)  # type: ignore[attr-defined]
    ]
    pending = authorize.PendingStates().add(s[0] * 2, None, T0).unwrap()
    actions: list[object] = [
        lifecycle.Use(token),
        lifecycle.Refresh(1, s[0]),
        lifecycle.Store(token),
        lifecycle.RevokeAt(s[1]),
        lifecycle.Wanted(Success(token), T0, True, token),
        lifecycle.Succeeded(1, token, T0),
        lifecycle.Salvaged(1, token, errors.InvalidInput("a", "b")),
        lifecycle.step(
            lifecycle.Machine(lifecycle.AuthKind.OAUTH), lifecycle.Wanted(Success(token), T0)
        ),
        lifecycle.step(
            lifecycle.Machine(lifecycle.AuthKind.OAUTH),
            lifecycle.RevokeWanted(Success(token), T0),
        ),
        lifecycle.Machine(lifecycle.AuthKind.OAUTH, revoked=frozenset(s), to_revoke=tuple(s)),
        grants.RefreshGrant(urls.BaseUrls(), oauth, s[0]),
        grants.CodeGrant(urls.BaseUrls(), oauth, None, s[1]),
        grants.ExchangeGrant(urls.BaseUrls(), downscope.DownscopeRequest(("item_preview",)), s[2]),
        grants.RevokeCall(urls.BaseUrls(), "cid", s[0], s[1]),
        grants.prepare(grants.RefreshGrant(urls.BaseUrls(), oauth, s[0]), now=T0, skew=0, jti="j"),
        attempts.GotToken(token),
        attempts.Salvage(token, errors.InvalidInput("a", "b")),
    ]
    stored = access_token.token_from_json(access_token.token_to_json(token)).unwrap()
    return [
        jwt_s,
        ccg,
        oauth,
        dev,
        app,
        token,
        camel,
        stored,
        assertion,
        redirect,
        http,
        *requests,
        *failures,
        *errors_,
        *actions,
        *raised,
        *raised_parts,
        pending,
        *pending.entries,
        pending.take(s[0] * 2, T0),
    ]


# Some secrets here are used as access/refresh tokens, which must be visible
# ASCII: only the ASCII letters of the secret alphabet.
token_secrets = st.text(SECRET_ALPHABET.encode("ascii", "ignore").decode(), min_size=8, max_size=32)


@given(st.lists(token_secrets, min_size=3, max_size=3, unique=True), plain)
def test_no_secret_is_ever_printed(s: list[str], cid: str) -> None:
    assume(all(a not in b for a in s for b in s if a != b))
    for value in values_holding(s, cid):
        for text in _texts(value):
            for secret in s:
                assert secret not in text, (type(value).__name__, text)


# Short and awkward secrets: substrings of field names, of "None", of the marker.
awkward = st.one_of(
    st.sampled_from(
        ["client", "secret", "token", "id", "None", "redacted", REDACTED, "'", "=", ")", "a", "0"]
    ),
    st.text(min_size=1, max_size=6).filter(lambda t: t.strip() != ""),
)


@given(awkward, awkward, plain)
def test_secret_fields_are_replaced_by_the_marker(one: str, two: str, cid: str) -> None:
    """Whatever the secret, the printed form is exactly the one with ``<redacted>``."""
    oauth = oauth_settings_with(client_id=cid, client_secret=one)
    assert repr(oauth) == f"OAuthSettings(client_id={cid!r}, client_secret={REDACTED})"
    assert str(oauth) == repr(oauth)
    assert repr(Success(oauth)) == f"<Success: {oauth!r}>"
    token = AccessToken(access_token=one, refresh_token=two, expires_in=5)
    assert repr(token) == (
        f"AccessToken(access_token={REDACTED}, expires_in=5, token_type=None, "
        f"restricted_to=(), refresh_token={REDACTED}, issued_token_type=None, expires_at=None, "
        "owner=None)"
    )
    no_refresh = AccessToken(access_token=one)
    assert "refresh_token=None" in repr(no_refresh)
    jwt_s = jwt_settings_with(
        client_id=cid,
        client_secret=one,
        jwt_key_id=cid,
        private_key=two,
        private_key_passphrase=one,
        user_id=7,
    )
    assert repr(jwt_s) == (
        f"JWTSettings(client_id={cid!r}, client_secret={REDACTED}, jwt_key_id={cid!r}, "
        f"private_key={REDACTED}, private_key_passphrase={REDACTED}, "
        f"subject={jwt_s.subject!r}, algorithm=Algorithm.RS256)"
    )
    request = token_requests.revoke_request(urls.BaseUrls(), cid, one, two).unwrap()
    assert repr(request) == (
        f"TokenRequest(grant=Grant.REVOKE, url='https://api.box.com/oauth2/revoke', "
        f"fields={REDACTED})"
    )
    assertion = jwt.Assertion(jti="j" * 16, exp=3, token=one)
    assert repr(assertion) == f"Assertion(jti={'j' * 16!r}, exp=3, token={REDACTED})"
    redirect = authorize.Redirect(code=one, state="s")
    assert repr(redirect) == (
        f"Redirect(code={REDACTED}, state='s', error=None, error_description=None)"
    )


# ---------------------------------------------------------------------------
# Immutability: every dataclass of the core, one instance each.

_TOKEN = AccessToken(access_token="a", expires_in=1, expires_at=1.0)
_OAUTH = settings.OAuthSettings(client_id="c", client_secret="s")
_JWT = jwt_settings_with()
_SUBJECT = settings.Subject(settings.SubjectKind.USER, "1")
INSTANCES: dict[type, object] = {
    errors.InvalidInput: errors.InvalidInput("f", "p"),
    errors.BoxRefused: errors.malformed("x"),
    errors.TransportFailure: errors.TransportFailure(
        errors.TransportFailureKind.CONNECT, "d", False
    ),
    errors.ReauthRequired: errors.ReauthRequired("r"),
    errors.StorageFailure: errors.StorageFailure(errors.StorageFailureKind.READ, "d"),
    errors.StateMismatch: errors.StateMismatch("is missing"),
    exceptions.RequestInfo: exceptions.RequestInfo("POST", "https://x", {}, {}),
    exceptions.ResponseInfo: exceptions.ResponseInfo(400, {}),
    access_token.RestrictedObject: access_token.RestrictedObject("file", "1", "n"),
    authorize.PendingState: authorize.PendingState("s" * 16, None, 0.0),
    authorize.PendingStates: authorize.PendingStates(),
    identity.Owner: identity.Owner("c", "user", "1"),
    wire.HttpRequest: wire.HttpRequest("POST", "https://x", (), b""),
    RestrictedTo: RestrictedTo("item_preview"),
    AccessToken: _TOKEN,
    settings.Subject: _SUBJECT,
    settings.DeveloperTokenSettings: settings.DeveloperTokenSettings("c", "s"),
    settings.JWTSettings: _JWT,
    settings.CCGSettings: settings.CCGSettings(client_id="c", client_secret="s", subject=_SUBJECT),
    settings.OAuthSettings: settings.OAuthSettings(client_id="c", client_secret="s"),
    settings.AppConfig: settings.AppConfig(client_id="c", client_secret="s"),
    urls.BaseUrls: urls.BaseUrls(),
    jwt.JWTHeader: jwt.JWTHeader(settings.Algorithm.RS256, "k"),
    jwt.JWTClaims: jwt.JWTClaims("i", "s", "user", jwt.AUDIENCE, "j" * 16, 2, 1),
    jwt.Assertion: jwt.Assertion("j" * 16, 2, "t"),
    token_requests.TokenRequest: token_requests.TokenRequest(
        token_requests.Grant.REVOKE, "u", (("a", "b"),)
    ),
    authorize.AuthorizeRequest: authorize.AuthorizeRequest("c", None, "s"),
    authorize.Redirect: authorize.Redirect(code="c"),
    wire.HttpResponse: wire.HttpResponse(200, (), b""),
    responses.Challenge: responses.Challenge("bearer", ()),
    downscope.DownscopeRequest: downscope.DownscopeRequest(("item_preview",)),
    retry.RetryPolicy: retry.RetryPolicy(),
    retry.Retry: retry.Retry(1.0),
    retry.GiveUp: retry.GiveUp(),
    lifecycle.Wanted: lifecycle.Wanted(Success(_TOKEN), 0.0),
    lifecycle.SignInWanted: lifecycle.SignInWanted(Success(_TOKEN), 0.0),
    lifecycle.RevokeWanted: lifecycle.RevokeWanted(Success(_TOKEN), 0.0),
    lifecycle.Succeeded: lifecycle.Succeeded(1, _TOKEN, 0.0),
    lifecycle.Salvaged: lifecycle.Salvaged(1, _TOKEN, errors.ReauthRequired("r")),
    lifecycle.Failed: lifecycle.Failed(1, errors.ReauthRequired("r"), 0.0),
    lifecycle.Stored: lifecycle.Stored(),
    lifecycle.StoreFailed: lifecycle.StoreFailed(errors.ReauthRequired("r")),
    lifecycle.RevokeDone: lifecycle.RevokeDone(),
    lifecycle.RevokeFailed: lifecycle.RevokeFailed(errors.ReauthRequired("r")),
    lifecycle.Cleared: lifecycle.Cleared(),
    lifecycle.ClearFailed: lifecycle.ClearFailed(errors.ReauthRequired("r")),
    lifecycle.Abandoned: lifecycle.Abandoned(),
    lifecycle.Use: lifecycle.Use(_TOKEN),
    lifecycle.Done: lifecycle.Done(),
    lifecycle.Fetch: lifecycle.Fetch(1),
    lifecycle.Refresh: lifecycle.Refresh(1, "r"),
    lifecycle.ExchangeCode: lifecycle.ExchangeCode(1),
    lifecycle.Store: lifecycle.Store(_TOKEN),
    lifecycle.RevokeAt: lifecycle.RevokeAt("r"),
    lifecycle.Fail: lifecycle.Fail(errors.ReauthRequired("r")),
    lifecycle.Clear: lifecycle.Clear(),
    lifecycle.ReadAgain: lifecycle.ReadAgain(),
    lifecycle.Note: lifecycle.Note(lifecycle.Level.WARNING, "n"),
    lifecycle.Unsaved: lifecycle.Unsaved(_TOKEN, None),
    lifecycle.Fresh: lifecycle.Fresh(_TOKEN, 1.0),
    grants.JwtGrant: grants.JwtGrant(urls.BaseUrls(), _JWT),
    grants.CcgGrant: grants.CcgGrant(
        urls.BaseUrls(), settings.CCGSettings(client_id="c", client_secret="s", subject=_SUBJECT)
    ),
    grants.RefreshGrant: grants.RefreshGrant(urls.BaseUrls(), _OAUTH, "r"),
    grants.CodeGrant: grants.CodeGrant(urls.BaseUrls(), _OAUTH, None, "c"),
    grants.ExchangeGrant: grants.ExchangeGrant(
        urls.BaseUrls(), downscope.DownscopeRequest(("item_preview",)), "t"
    ),
    grants.RevokeCall: grants.RevokeCall(urls.BaseUrls(), "c", "s", "t"),
    grants.Ready: grants.Ready(
        token_requests.TokenRequest(token_requests.Grant.REVOKE, "u", (("a", "b"),))
    ),
    grants.SignFirst: grants.SignFirst(
        jwt.JWTHeader(settings.Algorithm.RS256, "k"),
        jwt.JWTClaims("i", "s", "user", jwt.AUDIENCE, "j" * 16, 2, 1),
        b"m",
    ),
    attempts.Attempts: attempts.Attempts(token_requests.Grant.JWT, attempts.Expect.TOKEN),
    attempts.Again: attempts.Again(),
    attempts.Wait: attempts.Wait(1.0),
    attempts.GotToken: attempts.GotToken(_TOKEN),
    attempts.GotNothing: attempts.GotNothing(),
    attempts.Salvage: attempts.Salvage(_TOKEN, errors.ReauthRequired("r")),
    attempts.GaveUp: attempts.GaveUp(errors.ReauthRequired("r")),
    sessions.CallSettings: sessions.CallSettings(urls.BaseUrls(), 1.0),
    api_calls.Accept: api_calls.Accept(),
    api_calls.RenewAndRetry: api_calls.RenewAndRetry(_TOKEN),
    api_calls.Reject: api_calls.Reject(errors.malformed("x")),
    lifecycle.Machine: lifecycle.Machine(lifecycle.AuthKind.JWT),
    lifecycle.IllegalEvent: lifecycle.IllegalEvent(lifecycle.Phase.IDLE, "e"),
}


def _core_dataclasses() -> set[type]:
    found = set()
    for name in CORE:
        module = importlib.import_module(f"boxauth.{name}")
        for obj in vars(module).values():
            if (
                inspect.isclass(obj)
                and dataclasses.is_dataclass(obj)
                and obj.__module__ == module.__name__
            ):
                found.add(obj)
    return found


def test_every_core_dataclass_is_covered() -> None:
    assert _core_dataclasses() == set(INSTANCES)


@pytest.mark.parametrize("cls", list(INSTANCES), ids=lambda c: c.__name__)
def test_assigning_a_field_raises(cls: type) -> None:
    value = INSTANCES[cls]
    assert cls.__dataclass_params__.frozen  # type: ignore[attr-defined]
    names = [f.name for f in dataclasses.fields(value)]  # type: ignore[arg-type]
    if not names:
        # No fields: CPython 3.11's frozen+slots __setattr__ raises TypeError here
        # (its super() names the pre-slots class); any refusal will do.
        with pytest.raises((dataclasses.FrozenInstanceError, TypeError, AttributeError)):
            value.anything = None  # type: ignore[attr-defined]
    for name in names:
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(value, name, None)
        with pytest.raises(dataclasses.FrozenInstanceError):
            delattr(value, name)


SECRET_HOLDERS = [cls for cls in INSTANCES if issubclass(cls, Redacted)]


def test_the_secret_holders_are_the_expected_ones() -> None:
    assert set(SECRET_HOLDERS) == {
        AccessToken,
        settings.DeveloperTokenSettings,
        settings.JWTSettings,
        settings.CCGSettings,
        settings.OAuthSettings,
        settings.AppConfig,
        jwt.Assertion,
        token_requests.TokenRequest,
        authorize.Redirect,
        lifecycle.Machine,
        lifecycle.Refresh,
        lifecycle.RevokeAt,
        grants.RefreshGrant,
        grants.CodeGrant,
        grants.ExchangeGrant,
        grants.RevokeCall,
        authorize.PendingState,
        authorize.PendingStates,
    }


@pytest.mark.parametrize("cls", SECRET_HOLDERS, ids=lambda c: c.__name__)
def test_secret_holders_refuse_pickle(cls: type) -> None:
    value = INSTANCES[cls]
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        with pytest.raises(TypeError):
            pickle.dumps(value, protocol=protocol)
    with pytest.raises(TypeError):
        pickle.dumps(Success(value))
    assert copy.copy(value) is value
    assert copy.deepcopy(value) is value


def test_secret_alphabet_is_not_in_anything_we_print() -> None:
    """The premise of the long-secret test: no printed form uses the secret alphabet."""
    printed = "".join(repr(v) for v in INSTANCES.values())
    for value in values_holding(["Q" * 8, "X" * 8, "Z" * 8], "abc"):
        printed += "".join(_texts(value))
    run = 0
    for ch in printed:
        run = run + 1 if ch in SECRET_ALPHABET else 0
        assert run < 8


# ---------------------------------------------------------------------------
# secret_field itself.


def _holder_class() -> type:
    # Defined when the test runs, not at import, so the field specs are built
    # by the code under test at test time.
    @dataclasses.dataclass(frozen=True, repr=False)
    class _Holder(Redacted):
        required: str = secret_field()
        plain: str = "p"
        optional: str | None = secret_field(default="DEFAULTSECRET")

    return _Holder


def test_secret_field_with_and_without_default() -> None:
    _Holder = _holder_class()  # noqa: N806
    with pytest.raises(TypeError):
        _Holder()  # type: ignore[call-arg]
    held = _Holder("REQ")
    assert held.optional == "DEFAULTSECRET"
    assert [is_secret(f) for f in dataclasses.fields(_Holder)] == [True, False, True]
    assert repr(held) == f"_Holder(required={REDACTED}, plain='p', optional={REDACTED})"
    assert str(_Holder("R", optional=None)) == (
        f"_Holder(required={REDACTED}, plain='p', optional=None)"
    )


def test_pickling_names_the_class() -> None:
    _Holder = _holder_class()  # noqa: N806
    with pytest.raises(TypeError, match=r"^_Holder holds secrets and cannot be pickled$"):
        pickle.dumps(_Holder("R"))


def test_is_secret_needs_the_marker_set_to_true() -> None:
    @dataclasses.dataclass(frozen=True)
    class Marked:
        plain: str = "p"
        flagged: str = dataclasses.field(default="f", metadata={_SECRET_KEY: "yes"})
        other: str = dataclasses.field(default="o", metadata={"another.key": True})

    assert [is_secret(f) for f in dataclasses.fields(Marked)] == [False, False, False]
    assert is_secret("not a field") is False  # type: ignore[arg-type]


def test_redacted_repr_of_odd_values_never_raises_and_names_the_type() -> None:
    class Loud:
        def __repr__(self) -> str:
            raise RuntimeError("no repr")

    @dataclasses.dataclass(frozen=True, repr=False)
    class Holder(Redacted):
        value: object = None

    assert repr(Holder(Loud())) == "Holder(value=<Loud>)"
    assert redacted_repr(5) == "int(...)"
    assert redacted_repr(Holder) == "type(...)"
