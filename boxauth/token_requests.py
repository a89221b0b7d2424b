"""Token and revoke requests as values: a URL and ordered form fields.

Nothing is sent here. An adapter POSTs ``body(request)`` as
``application/x-www-form-urlencoded`` to ``request.url``
(developer.box.com/reference/post-oauth2-token/).
The form holds secrets, so it prints as ``<redacted>``; only the URL and the
grant type show.

Per grant, exactly the fields Box documents and no more: in particular the
token exchange carries no client secret (OAS lists none for it, box_sdk_gen
sends none), and no request carries ``redirect_uri`` except an authorization
code exchange whose authorize request used one.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from urllib.parse import urlencode

from returns.result import Failure, Result, Success

from .downscope import DownscopeRequest
from .errors import InvalidInput
from .jwt import Assertion
from .redaction import Redacted, secret_field
from .settings import CCGSettings, OAuthSettings, Subject, SubjectKind, text_field
from .urls import BaseUrls, revoke_url, token_url


class Grant(enum.Enum):
    """``grant_type`` values (OAS ``PostOAuth2Token``), plus REVOKE for /oauth2/revoke."""

    AUTHORIZATION_CODE = "authorization_code"
    REFRESH_TOKEN = "refresh_token"  # noqa: S105  # nosec B105
    CLIENT_CREDENTIALS = "client_credentials"
    JWT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
    TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"  # noqa: S105  # nosec B105
    REVOKE = "revoke"

    def __repr__(self) -> str:
        return f"Grant.{self.name}"

    @property
    def single_use(self) -> bool:
        """Repeating it after it may have reached Box can burn a one-time credential."""
        return self in (Grant.AUTHORIZATION_CODE, Grant.REFRESH_TOKEN)


SUBJECT_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"  # noqa: S105  # nosec B105


@dataclass(frozen=True, slots=True, repr=False)
class TokenRequest(Redacted):
    grant: Grant
    url: str
    fields: tuple[tuple[str, str], ...] = secret_field()


# Form fields that carry no secret; every other field's value is one (the client
# secret, a refresh token, a code, an assertion, a subject token, a revoked token).
PUBLIC_FIELDS = frozenset(
    {
        "grant_type",
        "client_id",
        "box_subject_type",
        "box_subject_id",
        "subject_token_type",
        "scope",
        "resource",
        "box_shared_link",
        "redirect_uri",
    }
)


def secrets_of(request: object) -> tuple[str, ...]:
    """The secret values a request carries (to keep out of whatever echoes them back)."""
    if not isinstance(request, TokenRequest):
        return ()
    return tuple(v for k, v in request.fields if k not in PUBLIC_FIELDS and isinstance(v, str))


def body(request: TokenRequest) -> bytes:
    """The form body; ``b""`` for anything but a TokenRequest of (str, str) fields."""
    if not isinstance(request, TokenRequest) or not isinstance(request.fields, tuple):
        return b""
    for pair in request.fields:
        if not (
            isinstance(pair, tuple) and len(pair) == 2 and all(isinstance(p, str) for p in pair)
        ):
            return b""
    try:
        return urlencode(request.fields).encode("ascii")
    except UnicodeError:  # a lone surrogate has no UTF-8 form to percent-encode
        return b""


def _unsendable(grant: Grant) -> TokenRequest:
    """What the plain-value builders return for wrongly typed input: an empty URL
    and no fields, which every transport refuses before sending anything."""
    return TokenRequest(grant, "", ())


def _bad_base(urls: object) -> Failure[InvalidInput] | None:
    if not token_url(urls):  # type: ignore[arg-type]
        return Failure(InvalidInput("base_urls", "must be a BaseUrls"))
    return None


def _oauth_checked(
    urls: object, settings: object, value: object, field: str
) -> Result[str, InvalidInput]:
    """What both OAuth token requests check: the base URLs, the settings' type,
    and the single-use ``field`` (the code or the refresh token) as text."""
    if (bad := _bad_base(urls)) is not None:
        return bad
    if not isinstance(settings, OAuthSettings):
        return Failure(InvalidInput("settings", "must be OAuthSettings"))
    return text_field(value, field)


def authorization_code_request(
    urls: BaseUrls, settings: OAuthSettings, code: object, redirect_uri: str | None = None
) -> Result[TokenRequest, InvalidInput]:
    """grant_type=authorization_code, code, client_id, client_secret.

    developer.box.com/guides/authentication/oauth2/without-sdk/ (step 4).

    ``redirect_uri`` is not in Box's documented token request; whether Box
    checks it is UNCONFIRMED. We send it only when the authorize request used
    one, which is what RFC 6749 §4.1.3 requires and is harmless otherwise.
    """
    checked = _oauth_checked(urls, settings, code, "authorization_code")
    if not isinstance(checked, Success):
        return Failure(checked.failure())
    fields = [
        ("grant_type", Grant.AUTHORIZATION_CODE.value),
        ("code", checked.unwrap()),
        ("client_id", settings.client_id),
        ("client_secret", settings.client_secret),
    ]
    if redirect_uri is not None:
        uri = text_field(redirect_uri, "redirect_uri")
        if not isinstance(uri, Success):
            return uri
        fields.append(("redirect_uri", uri.unwrap()))
    return Success(TokenRequest(Grant.AUTHORIZATION_CODE, token_url(urls), tuple(fields)))


def refresh_request(
    urls: BaseUrls, settings: OAuthSettings, refresh_token: object
) -> Result[TokenRequest, InvalidInput]:
    """All four fields are required by OAS ``PostOAuth2Token--RefreshAccessToken``."""
    checked = _oauth_checked(urls, settings, refresh_token, "refresh_token")
    if not isinstance(checked, Success):
        return Failure(checked.failure())
    fields = (
        ("grant_type", Grant.REFRESH_TOKEN.value),
        ("refresh_token", checked.unwrap()),
        ("client_id", settings.client_id),
        ("client_secret", settings.client_secret),
    )
    return Success(TokenRequest(Grant.REFRESH_TOKEN, token_url(urls), fields))


def client_credentials_request(urls: BaseUrls, settings: CCGSettings) -> TokenRequest:
    """CCG: always send box_subject_type and box_subject_id, as the guide says.

    developer.box.com/guides/authentication/client-credentials/. Wrongly typed
    input gives an unsendable request (empty URL), never an exception.
    """
    if not isinstance(settings, CCGSettings) or not token_url(urls):
        return _unsendable(Grant.CLIENT_CREDENTIALS)
    subject = settings.subject
    if not isinstance(subject, Subject) or not isinstance(subject.kind, SubjectKind):
        return _unsendable(Grant.CLIENT_CREDENTIALS)
    fields = (
        ("grant_type", Grant.CLIENT_CREDENTIALS.value),
        ("client_id", settings.client_id),
        ("client_secret", settings.client_secret),
        ("box_subject_type", settings.subject.kind.value),
        ("box_subject_id", settings.subject.id),
    )
    return TokenRequest(Grant.CLIENT_CREDENTIALS, token_url(urls), fields)


def jwt_request(
    urls: BaseUrls, client_id: str, client_secret: str, assertion: Assertion
) -> TokenRequest:
    """jwt-bearer: grant_type, assertion, client_id, client_secret.

    developer.box.com/guides/authentication/jwt/without-sdk/. Wrongly typed
    input gives an unsendable request (empty URL), never an exception.
    """
    if not isinstance(assertion, Assertion) or not token_url(urls):
        return _unsendable(Grant.JWT)
    fields = (
        ("grant_type", Grant.JWT.value),
        ("assertion", assertion.token),
        ("client_id", client_id),
        ("client_secret", client_secret),
    )
    return TokenRequest(Grant.JWT, token_url(urls), fields)


def token_exchange_request(
    urls: BaseUrls, subject_token: object, downscope: DownscopeRequest
) -> Result[TokenRequest, InvalidInput]:
    """Downscope: subject_token, subject_token_type, space-joined scope, one target.

    developer.box.com/guides/authentication/tokens/downscope/.
    """
    if (bad := _bad_base(urls)) is not None:
        return bad
    if not isinstance(downscope, DownscopeRequest) or not isinstance(downscope.scopes, tuple):
        return Failure(InvalidInput("downscope", "must be a DownscopeRequest"))
    if not all(isinstance(scope, str) for scope in downscope.scopes):
        return Failure(InvalidInput("downscope", "every scope must be a string"))
    for target in (downscope.resource, downscope.shared_link):
        if target is not None and not isinstance(target, str):
            return Failure(InvalidInput("downscope", "resource and shared_link must be URLs"))
    checked = text_field(subject_token, "subject_token")
    if not isinstance(checked, Success):
        return checked
    if downscope.resource is not None and downscope.shared_link is not None:
        return Failure(InvalidInput("resource/shared_link", "give at most one, not both"))
    fields = [
        ("grant_type", Grant.TOKEN_EXCHANGE.value),
        ("subject_token", checked.unwrap()),
        ("subject_token_type", SUBJECT_TOKEN_TYPE),
        ("scope", " ".join(downscope.scopes)),
    ]
    if downscope.resource is not None:
        fields.append(("resource", downscope.resource))
    if downscope.shared_link is not None:
        fields.append(("box_shared_link", downscope.shared_link))
    return Success(TokenRequest(Grant.TOKEN_EXCHANGE, token_url(urls), tuple(fields)))


def revoke_request(
    urls: BaseUrls, client_id: object, client_secret: object, token: object
) -> Result[TokenRequest, InvalidInput]:
    """client_id, client_secret, token; no grant_type despite OAS's schema defect.

    OAS ``PostOAuth2Revoke`` requires a ``grant_type`` it does not define; no
    Box sample or SDK sends one (developer.box.com/reference/post-oauth2-revoke/).
    """
    if (bad := _bad_base(urls)) is not None:
        return bad
    checks = (
        text_field(client_id, "client_id"),
        text_field(client_secret, "client_secret"),
        text_field(token, "token"),
    )
    for checked in checks:
        if not isinstance(checked, Success):
            return checked
    cid, secret, tok = (c.unwrap() for c in checks)
    fields = (("client_id", cid), ("client_secret", secret), ("token", tok))
    return Success(TokenRequest(Grant.REVOKE, revoke_url(urls), fields))
