"""Where requests go: Box's base URLs, and the rule for overriding them.

Field names follow box_sdk_gen's ``BaseUrls`` (``base_url``, ``upload_url``,
``oauth_2_url``), so ``BaseUrls(base_url=..., oauth_2_url=...)`` ports as is.

Rule (ours, defensive): an override must be https, or http to a loopback host
(127.0.0.0/8, ::1, localhost) so tests and the emulator work. Plain http to
anything else would send client secrets and tokens in the clear, so it is
refused here, once, for every request built from these values.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from returns.result import Failure, Result, Success

from .errors import InvalidInput

DEFAULT_BASE_URL = "https://api.box.com"
DEFAULT_UPLOAD_URL = "https://upload.box.com/api"
DEFAULT_OAUTH_2_URL = "https://account.box.com/api/oauth2"
MAX_URL = 2048
# What a URL may not hold: spaces, controls and non-ASCII characters (RFC 3986
# §2: a URI is ASCII; an international host name is written in its xn-- form,
# RFC 5891). The transport refuses the same characters, so a URL that passes
# here is one it will send.
BAD_URL_CHAR = re.compile(r"[^\x21-\x7e]")


@dataclass(frozen=True, slots=True)
class BaseUrls:
    """Box's three bases. Token and revoke go to ``base_url``; authorize to ``oauth_2_url``."""

    base_url: str = DEFAULT_BASE_URL
    upload_url: str = DEFAULT_UPLOAD_URL
    oauth_2_url: str = DEFAULT_OAUTH_2_URL


def is_loopback_host(host: str) -> bool:
    """127.0.0.0/8, ::1 or ``localhost``; False for anything else, whatever its type."""
    if not isinstance(host, str):
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _split(url: str, name: str) -> Result[SplitResult, InvalidInput]:
    if not isinstance(url, str) or not url:
        return Failure(InvalidInput(name, "must be a non-empty URL string"))
    if len(url) > MAX_URL or BAD_URL_CHAR.search(url):
        return Failure(
            InvalidInput(
                name,
                "must be a URL without spaces, control or non-ASCII characters "
                "(an international host name goes in its xn-- form)",
            )
        )
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return Failure(InvalidInput(name, "is not a valid URL"))
    return Success(parts)


def check_secure_url(url: str, name: str) -> Result[str, InvalidInput]:
    """https anywhere, http only to loopback; no credentials in the URL."""
    name = name if isinstance(name, str) else "url"
    split = _split(url, name)
    if not isinstance(split, Success):
        return Failure(split.failure())
    parts = split.unwrap()
    host = parts.hostname or ""
    if not host:
        return Failure(InvalidInput(name, "must be an absolute URL with a host"))
    if parts.username is not None or parts.password is not None:
        return Failure(InvalidInput(name, "must not contain user credentials"))
    if parts.scheme == "https":
        return Success(url)
    if parts.scheme == "http" and is_loopback_host(host):
        return Success(url)
    if parts.scheme == "http":
        return Failure(InvalidInput(name, "http:// is allowed only for loopback hosts; use https"))
    return Failure(InvalidInput(name, "must use https"))


def _base(url: str, name: str) -> Result[str, InvalidInput]:
    checked = check_secure_url(url, name)
    if not isinstance(checked, Success):
        return checked
    parts = urlsplit(url)
    if parts.query or parts.fragment:
        return Failure(InvalidInput(name, "must not have a query or fragment"))
    return Success(url.rstrip("/"))


def validate_base_urls(urls: BaseUrls) -> Result[BaseUrls, InvalidInput]:
    """Every base passes ``check_secure_url``; trailing slashes are dropped."""
    if not isinstance(urls, BaseUrls):
        return Failure(InvalidInput("base_urls", "must be a BaseUrls"))
    base = _base(urls.base_url, "base_url")
    upload = _base(urls.upload_url, "upload_url")
    oauth = _base(urls.oauth_2_url, "oauth_2_url")
    for checked in (base, upload, oauth):
        if not isinstance(checked, Success):
            return Failure(checked.failure())
    return Success(BaseUrls(base.unwrap(), upload.unwrap(), oauth.unwrap()))


def _field(urls: object, name: str) -> str | None:
    value = getattr(urls, name, None) if isinstance(urls, BaseUrls) else None
    return value if isinstance(value, str) else None


# The builders below never raise. Given anything but a BaseUrls with str fields
# they return "": an empty URL, which every transport refuses before sending.


def token_url(urls: BaseUrls) -> str:
    """``POST {base_url}/oauth2/token``: not under /2.0.

    developer.box.com/reference/post-oauth2-token/.
    """
    base = _field(urls, "base_url")
    return "" if base is None else f"{base}/oauth2/token"


def revoke_url(urls: BaseUrls) -> str:
    """``POST {base_url}/oauth2/revoke`` (developer.box.com/reference/post-oauth2-revoke/)."""
    base = _field(urls, "base_url")
    return "" if base is None else f"{base}/oauth2/revoke"


def authorize_endpoint(urls: BaseUrls) -> str:
    """``GET {oauth_2_url}/authorize`` (developer.box.com/reference/get-authorize/)."""
    base = _field(urls, "oauth_2_url")
    return "" if base is None else f"{base}/authorize"


def api_url(urls: BaseUrls, path: str) -> str:
    """An API call: ``{base_url}/2.0/<path>``."""
    base = _field(urls, "base_url")
    if base is None or not isinstance(path, str):
        return ""
    return f"{base}/2.0/{path.lstrip('/')}"
