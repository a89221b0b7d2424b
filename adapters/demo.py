"""``boxauth demo``: every flow of the guide, against an emulator started here.

Setup: a Box emulator on a free loopback port, a registered app (key pair,
encrypted key, console-style JSON config written to a temporary directory).
Then, in order: developer token; CCG for the enterprise, then for a user; JWT
from the config file, then with_user_subject; OAuth (authorize URL, redirect,
code exchange, automatic refresh once the clock passes expiry); downscope to
item_preview on one file, with a folder listing refused; revoke.

Each step says what it did, whose token it is (users/me), the expiry and the
restrictions. Tokens are printed as ``<redacted>``. ``run_demo`` returns 0 only
if every step succeeded; on the first failing step it names it and returns 1.

Every auth object reads the emulator's clock (``Effects(clock=emu.now)``), so
moving that clock past expiry is seen by the client as well as by "Box".
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import urllib3

from ..access_token import AccessToken
from ..exceptions import BoxAPIError, BoxAuthError, BoxReauthRequiredError
from ..redaction import REDACTED
from ..urls import BaseUrls
from .auth import AuthOptions, BaseAuth
from .ccg_auth import BoxCCGAuth
from .cli_output import iso, terminal_text
from .client import BoxClient
from .configs import CCGConfig, DeveloperTokenConfig, JWTConfig, OAuthConfig
from .developer_token_auth import BoxDeveloperTokenAuth
from .jwt_auth import BoxJWTAuth
from .oauth import BoxOAuth, GetAuthorizeUrlOptions
from .storage import FileTokenStorage
from .system import Effects

_SECRET_PARAMS = frozenset({"code", "state"})


class DemoStepError(Exception):
    """A step ran but did not show what it should have."""


@dataclass
class Context:
    """What the steps share. ``seen`` collects every secret the demo handled,
    so a test can check that none of them was printed."""

    emu: Any
    fx: Any
    urls: BaseUrls
    effects: Effects
    workdir: str
    config_path: str
    seen: list[str]
    auths: dict[str, BaseAuth] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)

    def auth_options(self) -> AuthOptions:
        return {"base_urls": self.urls, "effects": self.effects}

    def keep(self, token: AccessToken) -> AccessToken:
        for secret in (token.access_token, token.refresh_token):
            if secret:
                self.seen.append(secret)
        return token


# -- describing, with secrets redacted ----------------------------------------------


def redact_url(url: str) -> str:
    """The URL with its code and state values replaced by <redacted>."""
    parts = urlsplit(url)
    query = [
        (k, REDACTED if k in _SECRET_PARAMS else v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit(parts._replace(query=urlencode(query, safe="<>")))


def expiry(token: AccessToken) -> str:
    if token.expires_at is None:
        return "expiry not known to the client"
    return f"expires in {token.expires_in} s (at {iso(token.expires_at)}, emulator clock)"


def restrictions(token: AccessToken) -> str:
    if not token.restricted_to:
        return "no restrictions"
    parts = []
    for r in token.restricted_to:
        target = " ".join(
            x
            for x in (
                r.object_type,
                repr(r.object_name) if r.object_name else None,
                f"({r.object_id})" if r.object_id else None,
            )
            if x
        )
        parts.append(f"{r.scope} on {target}" if target else r.scope)
    return "restricted to " + ", ".join(parts)


def whose(auth: BaseAuth) -> str:
    me = BoxClient(auth).users.get_user_me()
    login = f" <{me.login}>" if me.login else ""
    return terminal_text(f"{me.name or '(no name)'}{login}, user {me.id}")


def token_line(token: AccessToken) -> str:
    return f"token {REDACTED}, {expiry(token)}, {restrictions(token)}"


def follow_authorize(url: str) -> str:
    """Play the user's browser: GET the authorize URL, don't follow, read Location."""
    with urllib3.PoolManager() as http:
        resp = http.request("GET", url, redirect=False, timeout=10.0, retries=False)
    location = resp.headers.get("Location")
    if resp.status not in (301, 302, 303, 307) or not location:
        raise DemoStepError(f"the authorize page answered {resp.status} without a redirect")
    return str(location)


# -- the steps --------------------------------------------------------------------


def developer_token(ctx: Context) -> list[str]:
    raw = ctx.emu.add_developer_token(ctx.fx.user_id, client_id=ctx.fx.client_id)
    ctx.seen.append(raw)
    config = DeveloperTokenConfig(client_id=ctx.fx.client_id, client_secret=ctx.fx.client_secret)
    auth = BoxDeveloperTokenAuth(raw, config=config, **ctx.auth_options())
    ctx.auths["developer"] = auth
    token = auth.retrieve_token()
    return [
        f"BoxDeveloperTokenAuth(token={REDACTED}): users/me is {whose(auth)}",
        f"{token_line(token)} (a developer token lives 60 minutes and cannot be refreshed)",
    ]


def _subject_step(ctx: Context, name: str, auth: BaseAuth, what: str) -> list[str]:
    ctx.auths[name] = auth
    token = ctx.keep(auth.retrieve_token())
    return [f"{what}: users/me is {whose(auth)}", token_line(token)]


def ccg_enterprise(ctx: Context) -> list[str]:
    fx = ctx.fx
    config = CCGConfig(fx.client_id, fx.client_secret, enterprise_id=fx.enterprise_id)
    return _subject_step(
        ctx,
        "ccg",
        BoxCCGAuth(config, **ctx.auth_options()),
        f"BoxCCGAuth(CCGConfig(..., enterprise_id={fx.enterprise_id!r}))",
    )


def ccg_user(ctx: Context) -> list[str]:
    fx = ctx.fx
    config = CCGConfig(fx.client_id, fx.client_secret, user_id=fx.user_id)
    return _subject_step(
        ctx,
        "ccg_user",
        BoxCCGAuth(config, **ctx.auth_options()),
        f"BoxCCGAuth(CCGConfig(..., user_id={fx.user_id!r}))",
    )


def jwt_config_file(ctx: Context) -> list[str]:
    config = JWTConfig.from_config_file(ctx.config_path)
    return _subject_step(
        ctx,
        "jwt",
        BoxJWTAuth(config, **ctx.auth_options()),
        "BoxJWTAuth(JWTConfig.from_config_file(<the temporary config file>))",
    )


def jwt_user_subject(ctx: Context) -> list[str]:
    parent = ctx.auths["jwt"]
    if not isinstance(parent, BoxJWTAuth):
        raise DemoStepError("the JWT step did not run")
    user = parent.with_user_subject(ctx.fx.app_user_id)
    return _subject_step(ctx, "jwt_user", user, f"auth.with_user_subject({ctx.fx.app_user_id!r})")


def oauth_authorize_url(ctx: Context) -> list[str]:
    fx = ctx.fx
    path = os.path.join(ctx.workdir, "oauth_tokens.json")
    storage = FileTokenStorage(filename=path)
    auth = BoxOAuth(
        OAuthConfig(fx.client_id, fx.client_secret, token_storage=storage), **ctx.auth_options()
    )
    ctx.auths["oauth"] = auth
    ctx.values["oauth_file"] = path
    url = auth.get_authorize_url(options=GetAuthorizeUrlOptions(redirect_uri=fx.redirect_uri))
    state = dict(parse_qsl(urlsplit(url).query)).get("state")
    if state:
        ctx.seen.append(state)
    ctx.values["authorize_url"] = url
    return [
        f"auth.get_authorize_url(): {redact_url(url)}",
        "a random state (CSRF guard) is remembered by the auth object",
    ]


def oauth_redirect(ctx: Context) -> list[str]:
    auth = ctx.auths["oauth"]
    if not isinstance(auth, BoxOAuth):
        raise DemoStepError("the authorize step did not run")
    location = follow_authorize(ctx.values["authorize_url"])
    code = dict(parse_qsl(urlsplit(location).query)).get("code")
    if code:
        ctx.seen.append(code)
    token = ctx.keep(auth.get_tokens_from_redirect(location))
    path = ctx.values["oauth_file"]
    mode = stat.S_IMODE(os.stat(path).st_mode)
    if mode != 0o600:
        raise DemoStepError(f"the token file has mode {mode:o}, not 600")
    return [
        f"the user approved; Box redirected to {redact_url(location)}; "
        "get_tokens_from_redirect() checked the state and exchanged the code",
        f"users/me is {whose(auth)}; {token_line(token)}; access and refresh tokens "
        "saved to a temporary token file (mode 600)",
    ]


def oauth_refresh(ctx: Context) -> list[str]:
    auth = ctx.auths["oauth"]
    before = auth.token_storage.get()
    if before is None:
        raise DemoStepError("no OAuth token is stored")
    refreshes = ctx.emu.grant_counts.get("refresh_token", 0)
    ctx.emu.advance(3700)
    who = whose(auth)  # the call that finds the token expired and refreshes it
    after = auth.token_storage.get()
    if after is None:
        raise DemoStepError("the storage is empty after the refresh")
    ctx.keep(after)
    if ctx.emu.grant_counts.get("refresh_token", 0) != refreshes + 1:
        raise DemoStepError("no refresh_token grant reached Box")
    if after.access_token == before.access_token:
        raise DemoStepError("the access token did not change")
    if after.refresh_token == before.refresh_token:
        raise DemoStepError("the refresh token was not rotated")
    return [
        f"emulator clock moved 3700 s, past expiry; the next users/me call refreshed "
        f"the token by itself and answered {who}",
        f"new access token {REDACTED} and new refresh token {REDACTED} (the old one is spent) "
        f"now in the storage; {expiry(after)}",
    ]


def downscope(ctx: Context) -> list[str]:
    auth = ctx.auths["oauth"]
    fx = ctx.fx
    resource = f"{ctx.emu.base_url}/2.0/files/{fx.file_id}"
    token = ctx.keep(auth.downscope_token(["item_preview"], resource=resource))
    narrow = BoxClient(BoxDeveloperTokenAuth(token, **ctx.auth_options()))
    try:
        narrow.folders.get_folder_items(fx.folder_id)
    except BoxAPIError as refused:
        if refused.status != 403:
            raise
        outcome = f"refused: {refused.status} {refused.error_code} (as expected)"
    else:
        raise DemoStepError("the downscoped token could list a folder")
    if token.refresh_token:
        raise DemoStepError("a downscoped token came with a refresh token")
    return [
        f"auth.downscope_token(['item_preview'], resource=.../2.0/files/{fx.file_id}): "
        f"{token_line(token)}, no refresh token",
        f"listing folder {fx.folder_name!r} ({fx.folder_id}) with it: {outcome}",
    ]


def _needs_sign_in(auth: BaseAuth) -> str:
    try:
        auth.retrieve_token()
    except BoxReauthRequiredError as exc:
        return f"BoxReauthRequiredError ({exc})"
    raise DemoStepError(f"{type(auth).__name__} still had a token after revoke")


def revoke_oauth_and_developer(ctx: Context) -> list[str]:
    oauth, dev = ctx.auths["oauth"], ctx.auths["developer"]
    oauth.revoke_token()
    if os.path.exists(ctx.values["oauth_file"]):
        raise DemoStepError("the OAuth token file is still there after revoke")
    lines = [f"BoxOAuth.revoke_token(): storage cleared; next call: {_needs_sign_in(oauth)}"]
    dev.revoke_token()
    lines.append(f"BoxDeveloperTokenAuth.revoke_token(): next call: {_needs_sign_in(dev)}")
    return lines


def revoke_jwt_and_ccg(ctx: Context) -> list[str]:
    done = []
    for name, label in (("jwt", "BoxJWTAuth"), ("ccg", "BoxCCGAuth")):
        auth = ctx.auths[name]
        old = ctx.keep(auth.retrieve_token())
        auth.revoke_token()
        info = ctx.emu.token_info(old.access_token)
        if info is None or not info.revoked:
            raise DemoStepError(f"{label}: Box does not show the token as revoked")
        new = ctx.keep(auth.retrieve_token())
        if new.access_token == old.access_token:
            raise DemoStepError(f"{label}: the next call reused the revoked token")
        done.append(label)
    return [
        f"{' and '.join(done)}.revoke_token(): revoked at Box; the next call "
        f"fetched a new token {REDACTED} by itself"
    ]


STEPS: tuple[tuple[str, Callable[[Context], list[str]]], ...] = (
    ("Developer token", developer_token),
    ("CCG for the enterprise", ccg_enterprise),
    ("CCG for a user", ccg_user),
    ("JWT from the config file", jwt_config_file),
    ("JWT with_user_subject", jwt_user_subject),
    ("OAuth: authorize URL", oauth_authorize_url),
    ("OAuth: redirect and code exchange", oauth_redirect),
    ("OAuth: automatic refresh after expiry", oauth_refresh),
    ("Downscope to item_preview on one file", downscope),
    ("Revoke: OAuth and developer token", revoke_oauth_and_developer),
    ("Revoke: JWT and CCG", revoke_jwt_and_ccg),
)


def _write_private(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def run_demo(out: TextIO, *, seen: list[str] | None = None) -> int:
    """Run every step; 0 if all succeeded, else 1. ``seen``, if given, receives
    every secret the demo handled (for tests that check none was printed)."""
    from .emulator import BoxEmulator, make_app_fixture  # noqa: PLC0415 - needs cryptography

    secrets_seen: list[str] = seen if seen is not None else []
    total = len(STEPS)
    with tempfile.TemporaryDirectory(prefix="boxauth-demo-") as workdir, BoxEmulator() as emu:
        fx = make_app_fixture(emu)
        secrets_seen.extend([fx.client_secret, fx.passphrase, fx.private_key_pem])
        config_path = os.path.join(workdir, "box_config.json")
        _write_private(config_path, fx.config_json)
        ctx = Context(
            emu=emu,
            fx=fx,
            urls=BaseUrls(base_url=emu.base_url, oauth_2_url=emu.oauth_2_url),
            effects=Effects(clock=emu.now),
            workdir=workdir,
            config_path=config_path,
            seen=secrets_seen,
        )
        out.write("boxauth demo: every auth flow against a local Box emulator\n")
        out.write(f"[setup] emulator listening on {emu.base_url}\n")
        out.write(
            f"        app registered in enterprise {fx.enterprise_id} (RSA key pair, encrypted "
            "key); console config written to a temporary file (mode 600), deleted when "
            "the demo ends\n"
        )
        for number, (title, step) in enumerate(STEPS, start=1):
            header = f"[{number}/{total}] {title}"
            try:
                lines = step(ctx)
            except (BoxAuthError, DemoStepError) as exc:
                out.write(f"{header}: FAILED: {type(exc).__name__}: {exc}\n")
                out.flush()
                return 1
            except Exception as exc:  # a bug or a local failure: still name the step
                # The class only: a library exception's text may hold anything.
                out.write(f"{header}: FAILED: unexpected {type(exc).__name__}\n")
                out.flush()
                return 1
            out.write(header + "\n")
            for line in lines:
                out.write(f"        {line}\n")
            out.flush()
    out.write(f"demo finished: all {total} steps succeeded\n")
    return 0
