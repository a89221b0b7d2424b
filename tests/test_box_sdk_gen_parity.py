"""Signature parity with box_sdk_gen (README "Migrating from box_sdk_gen"): code that
changes only the import
must keep working, and every deliberate difference is listed here with its reason.

For every public authentication name of box_sdk_gen (auth classes, configs, storages,
AccessToken, BaseUrls, exceptions and their info classes...) the test compares, with
``inspect.signature``:
- that boxauth exports the name;
- every public method and property of box_sdk_gen's class: present in boxauth, with the
  same parameter names, kinds (positional, keyword-only...), order and defaults;
- our public additions (``*_result`` methods, keyword-only extras);
- the public attributes of an instance of each (``auth.token``, ``config.client_id``...).
Annotations are not compared: each package names its own types.

A difference fails the test unless ALLOWED lists it with its reason; an ALLOWED entry
that no longer occurs fails it too, so the list stays short and true.
"""

from __future__ import annotations

import enum
import inspect
from pathlib import Path
from typing import Any

import box_sdk_gen as gen
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

import boxauth as ours
from boxauth.errors import BoxRefused, ErrorKind

# box_sdk_gen's public authentication names (box_sdk_gen/box/*.py, networking/auth.py,
# networking/base_urls.py, box/errors.py, schemas/access_token.py, internal/utils.py).
NAMES = [
    "AccessToken",
    "Authentication",
    "BaseUrls",
    "BoxAPIError",
    "BoxCCGAuth",
    "BoxClient",
    "BoxDeveloperTokenAuth",
    "BoxJWTAuth",
    "BoxOAuth",
    "BoxSDKError",
    "CCGConfig",
    "DefaultPrivateKeyDecryptor",
    "DeveloperTokenConfig",
    "FileTokenStorage",
    "FileWithInMemoryCacheTokenStorage",
    "GetAuthorizeUrlOptions",
    "InMemoryTokenStorage",
    "JWTConfig",
    "JwtAlgorithm",
    "NetworkSession",
    "OAuthConfig",
    "PrivateKeyDecryptor",
    "RequestInfo",
    "ResponseInfo",
    "TokenStorage",
]

_BRIDGE = (
    "box_sdk_gen's networking is box_sdk_gen's: our auth methods take its NetworkSession "
    "(honoured or refused, boxauth.sessions) and the bridge plugs our auth into its client"
)
_RESULT = "ours: the functional twin that returns a Result instead of raising (README)"

ALLOWED: dict[str, str] = {
    # -- names box_sdk_gen exports that we do not --------------------------------------
    "Authentication: missing from boxauth": (
        "box_sdk_gen's abstract base of auth objects; the bridge subclasses it (README "
        "'the bridge'). Our auth objects share boxauth.adapters.auth.BaseAuth"
    ),
    "NetworkSession: missing from boxauth": _BRIDGE,
    # -- the auth classes -----------------------------------------------------------------
    **{
        f"{auth}.{method}: extra in boxauth": _RESULT
        for auth in ("BoxDeveloperTokenAuth", "BoxJWTAuth", "BoxCCGAuth", "BoxOAuth")
        for method in (
            "downscope_token_result",
            "refresh_token_result",
            "retrieve_token_result",
            "revoke_token_result",
        )
    },
    "BoxOAuth.get_authorize_url_result: extra in boxauth": _RESULT,
    "BoxOAuth.get_tokens_authorization_code_grant_result: extra in boxauth": _RESULT,
    "BoxOAuth.get_tokens_from_redirect: extra in boxauth": (
        "ours: checks the redirect's state before exchanging its code (login CSRF, "
        "RFC 6749 §10.12); box_sdk_gen has no state check"
    ),
    "BoxOAuth.get_tokens_from_redirect_result: extra in boxauth": _RESULT,
    **{
        f"{auth}.unsaved: extra in boxauth": (
            "ours: True while a renewed token the storage refused is held in memory, to be "
            "saved again on the next call (the CLI exits non-zero on it)"
        )
        for auth in ("BoxDeveloperTokenAuth", "BoxJWTAuth", "BoxCCGAuth", "BoxOAuth")
    },
    "BoxOAuth.get_authorize_url: extra parameter network_session (KEYWORD_ONLY)": (
        "accepted for symmetry; the authorize URL uses the auth object's own oauth_2_url"
    ),
    # -- configs ------------------------------------------------------------------------------
    "JWTConfig.from_config_file: extra parameter algorithm (KEYWORD_ONLY)": (
        "ours: box_sdk_gen's file constructors always sign RS256; ours let the caller choose"
    ),
    "JWTConfig.from_config_json_string: extra parameter algorithm (KEYWORD_ONLY)": (
        "ours: box_sdk_gen's file constructors always sign RS256; ours let the caller choose"
    ),
    "JWTConfig.signer: extra in boxauth": "ours: the signing adapter, built once per config",
    "JWTConfig.with_subject: extra in boxauth": "ours: used by with_user/enterprise_subject",
    "CCGConfig.with_subject: extra in boxauth": "ours: used by with_user/enterprise_subject",
    # -- storages -------------------------------------------------------------------------------
    **{
        f"{storage}.lock: extra in boxauth": (
            "ours: the cross-thread/cross-process lock that makes a renewal single-flight"
        )
        for storage in (
            "TokenStorage",
            "InMemoryTokenStorage",
            "FileTokenStorage",
            "FileWithInMemoryCacheTokenStorage",
        )
    },
    **{
        f"{storage}.{method}: extra in boxauth": why
        for storage in (
            "TokenStorage",
            "InMemoryTokenStorage",
            "FileTokenStorage",
            "FileWithInMemoryCacheTokenStorage",
        )
        for method, why in (
            ("peek", "ours: what the lock-free fast path reads (never a wait on a network)"),
            ("writable", "ours: asked before a single-use refresh token is spent"),
        )
    },
    "FileWithInMemoryCacheTokenStorage.reload: extra in boxauth": (
        "ours: re-read the file after another process wrote it"
    ),
    "FileTokenStorage.__init__: filename defaults to '.boxauth_token.json', box_sdk_gen "
    "'token_storage'": (
        "ours: a name that says what the file is and whose; a token file is a secret, and a "
        "bare 'token_storage' in the working directory is easily committed by mistake"
    ),
    "FileWithInMemoryCacheTokenStorage.__init__: filename defaults to '.boxauth_token.json', "
    "box_sdk_gen 'token_storage'": "the same reason as FileTokenStorage's default",
    "FileWithInMemoryCacheTokenStorage.cached_token: instance attribute missing": (
        "box_sdk_gen's cache field; ours caches inside the storage and exposes reload()"
    ),
    # -- values ------------------------------------------------------------------------------
    "AccessToken.__init__: extra parameter expires_at (KEYWORD_ONLY)": (
        "ours: the absolute expiry, so a stored token knows when it dies"
    ),
    "AccessToken.__init__: extra parameter owner (KEYWORD_ONLY)": (
        "ours: whose token it is, so a shared storage never serves another identity's token"
    ),
    "AccessToken.is_restricted: extra in boxauth": "ours: True for a downscoped token",
    "AccessToken.raw_data: missing from boxauth": (
        "box_sdk_gen keeps the raw JSON; ours never keeps a raw body (it holds the tokens)"
    ),
    "BaseUrls.raw_data: missing from boxauth": "BaseUrls is a plain frozen value in ours",
    "BaseUrls.from_dict: missing from boxauth": "BaseUrls is a plain frozen value in ours",
    "BaseUrls.to_dict: missing from boxauth": "BaseUrls is a plain frozen value in ours",
    "BaseUrls.__init__: base_url is POSITIONAL_OR_KEYWORD in boxauth, KEYWORD_ONLY in "
    "box_sdk_gen": "a dataclass; every box_sdk_gen call (by keyword) still works",
    "BaseUrls.__init__: upload_url is POSITIONAL_OR_KEYWORD in boxauth, KEYWORD_ONLY in "
    "box_sdk_gen": "a dataclass; every box_sdk_gen call (by keyword) still works",
    "BaseUrls.__init__: oauth_2_url is POSITIONAL_OR_KEYWORD in boxauth, KEYWORD_ONLY in "
    "box_sdk_gen": "a dataclass; every box_sdk_gen call (by keyword) still works",
    "BaseUrls.__init__: parameter kwargs missing": (
        "a frozen dataclass refuses unknown fields (a typo is an error, not ignored)"
    ),
    "JwtAlgorithm: members differ (box_sdk_gen has ES256, ES384, ES512, HS256, HS384, "
    "HS512, PS256, PS384, PS512, none)": (
        "Box accepts only RS256, RS384 and RS512 "
        "(developer.box.com/guides/authentication/jwt/without-sdk/)"
    ),
    # -- exceptions --------------------------------------------------------------------------
    **{
        f"{exc}.{prop}: extra in boxauth": "ours: read from the error value (README 'Errors')"
        for exc in ("BoxSDKError", "BoxAPIError")
        for prop in ("description", "error_code", "request_id", "retry_after", "status", "value")
    },
    **{
        f"BoxAPIError.__init__: {param} defaults to None, box_sdk_gen no default": (
            "ours also takes BoxAPIError(value) (our AuthError value), so box_sdk_gen's three "
            "required arguments become optional; every box_sdk_gen call still works"
        )
        for param in ("request_info", "response_info", "message")
    },
    # -- the client --------------------------------------------------------------------------
    "BoxClient: our BoxClient has two endpoints": (
        "ours covers users/me and folder items only; for the other managers use "
        "box_sdk_gen's own BoxClient with the bridge (README 'Migrating', 'the bridge')"
    ),
}


# -- building instances of both packages ----------------------------------------------------


def _pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"passphrase"),
    ).decode()


def _instances(pkg: Any, tmp: Path, pem: str) -> dict[str, Any]:
    """One instance of each constructible name, built the same way in both packages."""
    jwt = pkg.JWTConfig("cid", "secret", "kid", pem, "passphrase", enterprise_id="1")
    ccg = pkg.CCGConfig("cid", "secret", enterprise_id="1")
    oauth = pkg.OAuthConfig("cid", "secret")
    built: dict[str, Any] = {
        "AccessToken": pkg.AccessToken(access_token="a", refresh_token="r", expires_in=1),
        "BaseUrls": pkg.BaseUrls(),
        "BoxSDKError": pkg.BoxSDKError("x"),
        "JWTConfig": jwt,
        "CCGConfig": ccg,
        "OAuthConfig": oauth,
        "DeveloperTokenConfig": pkg.DeveloperTokenConfig(),
        "GetAuthorizeUrlOptions": pkg.GetAuthorizeUrlOptions(),
        "InMemoryTokenStorage": pkg.InMemoryTokenStorage(),
        "FileTokenStorage": pkg.FileTokenStorage(filename=str(tmp / f"{pkg.__name__}-a")),
        "FileWithInMemoryCacheTokenStorage": pkg.FileWithInMemoryCacheTokenStorage(
            filename=str(tmp / f"{pkg.__name__}-b")
        ),
        "BoxDeveloperTokenAuth": pkg.BoxDeveloperTokenAuth(token="a-developer-token"),
        "BoxJWTAuth": pkg.BoxJWTAuth(jwt),
        "BoxCCGAuth": pkg.BoxCCGAuth(ccg),
        "BoxOAuth": pkg.BoxOAuth(oauth),
    }
    if pkg is gen:
        request = gen.RequestInfo("GET", "https://api.box.com/2.0/users/me", {}, {})
        answer = gen.ResponseInfo(401, {})
        built["BoxAPIError"] = gen.BoxAPIError(request, answer, "refused")
    else:
        refused = BoxRefused(ErrorKind.INVALID_TOKEN, 401, "invalid_token", "")
        built["BoxAPIError"] = ours.BoxAPIError(refused)
    return built


# -- the comparison -----------------------------------------------------------------------


def _ours(name: str) -> Any:
    try:
        return getattr(ours, name)
    except AttributeError:
        return None


_INHERITED = set(dir(object)) | set(dir(BaseException)) | set(dir(str)) | set(dir(enum.Enum))


def _members(cls: type) -> dict[str, Any]:
    """Public methods, classmethods, staticmethods and properties (and __init__)."""
    out: dict[str, Any] = {}
    for attr in dir(cls):
        if attr != "__init__" and (attr.startswith("_") or attr in _INHERITED):
            continue
        static = inspect.getattr_static(cls, attr)
        if isinstance(static, property):
            out[attr] = static
        elif isinstance(static, staticmethod | classmethod) or inspect.isfunction(static):
            out[attr] = getattr(cls, attr)
    return out


def _default(value: Any) -> Any:
    if value is inspect.Parameter.empty:
        return value
    return value.value if isinstance(value, enum.Enum) else value


def _shown(default: Any) -> str:
    value = _default(default)
    return "no default" if value is inspect.Parameter.empty else repr(value)


def _params(func: Any) -> list[inspect.Parameter]:
    params = list(inspect.signature(func).parameters.values())
    if params and params[0].name in ("self", "cls"):
        params = params[1:]
    return params


def _signature_differences(where: str, theirs: Any, mine: Any) -> list[str]:
    out: list[str] = []
    gen_params = {p.name: p for p in _params(theirs)}
    our_params = {p.name: p for p in _params(mine)}
    for name, param in gen_params.items():
        if name not in our_params:
            if param.kind is param.VAR_KEYWORD and any(
                p.kind is p.VAR_KEYWORD for p in our_params.values()
            ):
                continue  # **kwargs under another name
            out.append(f"{where}: parameter {name} missing")
            continue
        other = our_params[name]
        if other.kind is not param.kind:
            out.append(
                f"{where}: {name} is {other.kind.name} in boxauth, {param.kind.name} in box_sdk_gen"
            )
        if _default(other.default) != _default(param.default):
            out.append(
                f"{where}: {name} defaults to {_shown(other.default)}, box_sdk_gen "
                f"{_shown(param.default)}"
            )
    for name, param in our_params.items():
        # Our own **kwargs (the shells' keyword extras) accept more, never less.
        if name in gen_params or param.kind is param.VAR_KEYWORD:
            continue
        out.append(f"{where}: extra parameter {name} ({param.kind.name})")
    positional = [
        p.name
        for p in _params(theirs)
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.name in our_params
    ]
    our_positional = [
        p.name
        for p in _params(mine)
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.name in gen_params
    ]
    shared = [n for n in positional if n in our_positional]
    if shared != [n for n in our_positional if n in positional]:
        out.append(f"{where}: positional order {our_positional} in boxauth, {positional}")
    return out


def _class_differences(
    name: str, theirs: type, mine: type, their_attrs: frozenset[str] = frozenset()
) -> list[str]:
    if issubclass(theirs, enum.Enum):
        out = []
        if issubclass(theirs, str) and not issubclass(mine, str):
            out.append(f"{name}: is not a str Enum in boxauth")
        extra = sorted(set(theirs.__members__) - set(mine.__members__))
        if extra:
            out.append(f"{name}: members differ (box_sdk_gen has {', '.join(extra)})")
        return out
    out = []
    gen_members, our_members = _members(theirs), _members(mine)
    for attr, member in gen_members.items():
        if attr not in our_members:
            out.append(f"{name}.{attr}: missing from boxauth")
        elif not isinstance(member, property) and not isinstance(our_members[attr], property):
            out += _signature_differences(f"{name}.{attr}", member, our_members[attr])
    # A property of ours that box_sdk_gen sets as an instance attribute is the same name.
    out += [
        f"{name}.{attr}: extra in boxauth"
        for attr in our_members
        if attr not in gen_members and attr not in their_attrs
    ]
    return out


def _instance_differences(name: str, theirs: Any, mine: Any) -> list[str]:
    attrs = {a for a in vars(theirs) if not a.startswith("_")}
    return [
        f"{name}.{attr}: instance attribute missing"
        for attr in sorted(attrs)
        if not hasattr(mine, attr)
    ]


def _all_differences(tmp: Path) -> list[str]:
    out: list[str] = []
    pem = _pem()
    theirs_built, ours_built = _instances(gen, tmp, pem), _instances(ours, tmp, pem)
    for name in NAMES:
        theirs, mine = getattr(gen, name), _ours(name)
        their_attrs = frozenset(vars(theirs_built[name])) if name in theirs_built else frozenset()
        if mine is None:
            out.append(f"{name}: missing from boxauth")
        elif name == "BoxClient":
            out.append("BoxClient: our BoxClient has two endpoints")
        else:
            out += _class_differences(name, theirs, mine, their_attrs)
    for name, instance in theirs_built.items():
        out += _instance_differences(name, instance, ours_built[name])
    return out


@pytest.fixture(scope="module")
def differences(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    return _all_differences(tmp_path_factory.mktemp("parity"))


def test_every_difference_from_box_sdk_gen_is_allowed_with_a_reason(
    differences: list[str],
) -> None:
    unexplained = [d for d in differences if d not in ALLOWED]
    assert not unexplained, "differences from box_sdk_gen not in ALLOWED:\n" + "\n".join(
        unexplained
    )


def test_every_allowed_difference_still_occurs(differences: list[str]) -> None:
    stale = sorted(set(ALLOWED) - set(differences))
    assert not stale, "fixed: remove these from ALLOWED:\n" + "\n".join(stale)


def test_every_allowed_difference_has_a_reason() -> None:
    assert all(reason.strip() for reason in ALLOWED.values())


def test_the_comparison_sees_what_it_should(differences: list[str]) -> None:
    """Not vacuous: the comparer finds a planted difference of each kind."""

    class Theirs:
        def __init__(self, a: int, *, b: int = 1, network_session: object = None) -> None: ...

        def gone(self) -> None: ...

    class Mine:
        def __init__(self, a: int, b: int = 2, c: int = 0) -> None: ...

        def extra_result(self) -> None: ...

    assert sorted(_class_differences("X", Theirs, Mine)) == sorted(
        [
            "X.__init__: b is POSITIONAL_OR_KEYWORD in boxauth, KEYWORD_ONLY in box_sdk_gen",
            "X.__init__: b defaults to 2, box_sdk_gen 1",
            "X.__init__: parameter network_session missing",
            "X.__init__: extra parameter c (POSITIONAL_OR_KEYWORD)",
            "X.gone: missing from boxauth",
            "X.extra_result: extra in boxauth",
        ]
    )
    assert len(differences) >= 40  # the real comparison ran over every name
