"""How each library is set up against the emulator, kept in one place.

boxauth is pointed at the emulator with ``base_urls=BaseUrls(...)``; box_sdk_gen
with a ``NetworkSession(base_urls=BaseUrls(...))`` passed to every call, since
its auth classes build a fresh NetworkSession (and a fresh requests.Session, so
no connection reuse) whenever none is passed.
"""

from __future__ import annotations

import importlib.util
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import parse_qs, urlsplit

BOX_OAUTH_2_URL = "https://account.box.com/api/oauth2"


def sdk_available() -> bool:
    return importlib.util.find_spec("box_sdk_gen") is not None


def sdk_jwt_available() -> bool:
    """box_sdk_gen signs with PyJWT, installed by the ``boxsdk[jwt]`` extra."""
    return sdk_available() and importlib.util.find_spec("jwt") is not None


def quiet_urllib3() -> None:
    """64 threads on one requests.Session overflow its pool; that warning is noise here."""
    import logging

    logging.getLogger("urllib3").setLevel(logging.ERROR)
    logging.getLogger("urllib3.connectionpool").setLevel(logging.ERROR)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def browser_redirect(authorize_url: str) -> str:
    """Play the user's browser: GET the authorize URL, return the 302's Location."""
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        opener.open(authorize_url, timeout=10)
    except urllib.error.HTTPError as answer:
        if answer.code in (301, 302, 303, 307):
            return str(answer.headers["Location"])
        raise
    raise RuntimeError("the authorize endpoint did not redirect")


# -- boxauth ---------------------------------------------------------------------


class BoxauthSide:
    name = "boxauth"

    def __init__(self, emu: Any, fx: Any) -> None:
        import boxauth

        self.b = boxauth
        self.emu = emu
        self.fx = fx
        self.urls = boxauth.BaseUrls(base_url=emu.base_url, oauth_2_url=emu.oauth_2_url)

    def ccg(self, storage: Any = None, **shell: Any) -> Any:
        b = self.b
        config = b.CCGConfig(
            self.fx.client_id,
            self.fx.client_secret,
            enterprise_id=self.fx.enterprise_id,
            token_storage=storage,
        )
        return b.BoxCCGAuth(config, base_urls=self.urls, **shell)

    def jwt(self, storage: Any = None, **shell: Any) -> Any:
        b = self.b
        config = b.JWTConfig.from_config_json_string(self.fx.config_json, token_storage=storage)
        return b.BoxJWTAuth(config, base_urls=self.urls, **shell)

    def signed_in_oauth(self, **shell: Any) -> Any:
        b = self.b
        auth = b.BoxOAuth(
            b.OAuthConfig(self.fx.client_id, self.fx.client_secret), base_urls=self.urls, **shell
        )
        auth.get_tokens_from_redirect(browser_redirect(auth.get_authorize_url()))
        return auth

    def fetch(self, auth: Any) -> Any:
        return auth.refresh_token()

    def retrieve(self, auth: Any) -> Any:
        return auth.retrieve_token()


# -- box_sdk_gen -------------------------------------------------------------------


class SdkSide:
    name = "box_sdk_gen"

    def __init__(self, emu: Any, fx: Any) -> None:
        import box_sdk_gen as g
        from box_sdk_gen.networking.base_urls import BaseUrls
        from box_sdk_gen.networking.network import NetworkSession

        self.g = g
        self.emu = emu
        self.fx = fx
        self.urls = BaseUrls(base_url=emu.base_url, oauth_2_url=emu.oauth_2_url)
        self._NetworkSession = NetworkSession
        self.session = NetworkSession(base_urls=self.urls)

    def new_session(self) -> Any:
        return self._NetworkSession(base_urls=self.urls)

    def ccg(self, storage: Any = None) -> Any:
        g = self.g
        config = g.CCGConfig(
            self.fx.client_id,
            self.fx.client_secret,
            enterprise_id=str(self.fx.enterprise_id),
            token_storage=storage,
        )
        return g.BoxCCGAuth(config)

    def jwt(self, storage: Any = None) -> Any:
        g = self.g
        config = g.JWTConfig.from_config_json_string(self.fx.config_json, token_storage=storage)
        return g.BoxJWTAuth(config)

    def signed_in_oauth(self) -> Any:
        """Authorize at the emulator, then exchange the code with box_sdk_gen."""
        g = self.g
        auth = g.BoxOAuth(g.OAuthConfig(self.fx.client_id, self.fx.client_secret))
        url = auth.get_authorize_url(options=g.GetAuthorizeUrlOptions(state="bench-state"))
        # box_sdk_gen hard-codes Box's authorize host; send the "browser" to the emulator.
        url = self.emu.oauth_2_url + url[len(BOX_OAUTH_2_URL) :]
        location = browser_redirect(url)
        code = parse_qs(urlsplit(location).query)["code"][0]
        auth.get_tokens_authorization_code_grant(code, network_session=self.session)
        return auth

    def fetch(self, auth: Any) -> Any:
        return auth.refresh_token(network_session=self.session)

    def retrieve(self, auth: Any) -> Any:
        return auth.retrieve_token(network_session=self.session)

    def client(self, auth: Any) -> Any:
        return self.g.BoxClient(auth, network_session=self.session)
