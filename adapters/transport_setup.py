"""What a transport is built from: its TLS context and its proxies.

- ``tls_context``: the system's CAs plus an optional bundle (``ca_certs``
  adds trust, never replaces it), with urllib3 2.8's hardening,
  and without SSLKEYLOGFILE.
- ``split_proxy``: a proxy URL's user and password become a
  ``Proxy-Authorization: Basic`` header (RFC 7617), never shown anywhere.
- ``env_proxy``: HTTPS_PROXY / https_proxy unless NO_PROXY exempts the host.
"""

from __future__ import annotations

import base64
import os
import re
import stat
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_to_bytes, urlsplit

from ..errors import InvalidInput
from ..redaction import REDACTED
from ..urls import BAD_URL_CHAR

if TYPE_CHECKING:
    import ssl

MAX_CA_BUNDLE = 16 * 1024 * 1024
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")
_PEM_CERT = re.compile(rb"-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+-----END CERTIFICATE-----")


def without_userinfo(url: str | None) -> str | None:
    """``scheme://<redacted>@host:port`` for a URL with userinfo; fails closed.

    Everything up to the last '@' goes, so a password holding '/', '?' or '@'
    cannot escape; only a plain scheme is kept from it.
    """
    if not isinstance(url, str) or "@" not in url:
        return url
    head, _, tail = url.rpartition("@")
    scheme = head.split("://", 1)[0] if "://" in head else ""
    prefix = f"{scheme}://" if _SCHEME.fullmatch(scheme) else ""
    return f"{prefix}{REDACTED}@{tail}"


def proxy_problem(url: object) -> str | None:
    """Why ``url`` is not a usable proxy URL (http or https, with a host), or None."""
    if not isinstance(url, str) or not url or BAD_URL_CHAR.search(url):
        return "must be an http:// or https:// URL without spaces or control characters"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return "is not a valid URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be an http:// or https:// URL with a host"
    return None


@dataclass(frozen=True, slots=True, repr=False)
class Proxy:
    """A proxy URL split for urllib3: where it is, and the header that logs in (RFC 7617)."""

    url: str  # scheme://host:port, no userinfo
    where: str  # host:port, for messages
    headers: tuple[tuple[str, str], ...]

    def __repr__(self) -> str:
        return f"Proxy(url={self.url!r})"

    def __reduce__(self) -> Any:
        # headers hold the password (Base64 is not encryption): pickle would write it.
        raise TypeError("Proxy holds a proxy password and cannot be pickled")

    def __copy__(self) -> Proxy:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Proxy:
        return self


def split_proxy(url: str) -> Proxy:
    """Userinfo, percent-decoded to bytes as the user wrote it, becomes Proxy-Authorization.

    urllib3 never sends it from the URL (so such proxies used to answer 407).
    """
    parts = urlsplit(url)
    userinfo, at, hostport = parts.netloc.rpartition("@")
    default = 443 if parts.scheme == "https" else 80
    where = hostport if parts.port is not None else f"{hostport}:{default}"
    headers: tuple[tuple[str, str], ...] = ()
    if at:
        user, _, password = userinfo.partition(":")
        pair = unquote_to_bytes(user) + b":" + unquote_to_bytes(password)
        headers = (("Proxy-Authorization", "Basic " + base64.b64encode(pair).decode("ascii")),)
    return Proxy(f"{parts.scheme}://{hostport}", where, headers)


def read_ca_bundle(path: str | os.PathLike[str]) -> bytes | InvalidInput:
    """The certificates of a CA bundle file (PEM, or one DER certificate).

    Opened non-blocking, and only a regular file is read: a FIFO or a device
    named by mistake cannot hang the constructor. The path is never quoted.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY)
    except (OSError, ValueError, TypeError):
        return InvalidInput("ca_certs", "cannot be opened (no such file, or not readable)")
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return InvalidInput("ca_certs", "must be a CA bundle file, not a directory or device")
        data = os.read(fd, MAX_CA_BUNDLE + 1)
    except OSError:
        return InvalidInput("ca_certs", "cannot be read")
    finally:
        os.close(fd)
    if len(data) > MAX_CA_BUNDLE:
        return InvalidInput("ca_certs", "is over 16 MiB: not a CA bundle")
    pems = _PEM_CERT.findall(data)
    if pems:  # comments (often non-ASCII) dropped: ssl takes ASCII PEM text only
        return b"\n".join(pems)
    if data[:1] == b"\x30":  # a DER certificate is an ASN.1 SEQUENCE
        return data
    return InvalidInput("ca_certs", "holds no PEM certificate")


def tls_context(bundle: bytes | None) -> ssl.SSLContext:
    """The client context: the system's CAs plus ``bundle``, with urllib3's hardening.

    urllib3 loads the system's CAs only into contexts it makes itself, and its
    ``ca_certs=`` *replaced* them; this context has both. It is built here
    rather than by ``urllib3.util.ssl_.create_urllib3_context`` because that
    opens the file named by SSLKEYLOGFILE and writes the session keys to it,
    which would decrypt the client secret and every token sent. The settings
    are urllib3 2.8's: TLS 1.2 at least, no compression, no session tickets,
    hostname checked by OpenSSL without falling back to the common name.
    """
    import ssl  # noqa: PLC0415 - lazy, see above
    import sys  # noqa: PLC0415 - lazy, see above

    from .deadline_io import BoundedSSLSocket  # noqa: PLC0415 - lazy

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # CERT_REQUIRED, check_hostname
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.options |= ssl.OP_NO_SSLv2 | ssl.OP_NO_SSLv3 | ssl.OP_NO_COMPRESSION | ssl.OP_NO_TICKET
    if sys.version_info >= (3, 13):  # as urllib3 and ssl.create_default_context do there
        context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN | ssl.VERIFY_X509_STRICT
    context.post_handshake_auth = True
    context.hostname_checks_common_name = False
    context.load_default_certs()
    if bundle is not None:
        pem = bundle[:1] == b"-"
        context.load_verify_locations(cadata=bundle.decode("ascii") if pem else bundle)
    context.sslsocket_class = BoundedSSLSocket  # the handshake ends by the deadline
    return context


def env_proxy(host: str) -> str | None:
    """HTTPS_PROXY / https_proxy unless NO_PROXY exempts ``host``. HTTP_PROXY is never read."""
    import urllib.request  # noqa: PLC0415 - lazy, see above

    # proxy_bypass_environment, not proxy_bypass: on macOS and Windows the
    # latter reads the system settings and may look host names up (unbounded).
    if urllib.request.proxy_bypass_environment(host):  # type: ignore[attr-defined]
        return None
    return urllib.request.getproxies_environment().get("https")
