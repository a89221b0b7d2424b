"""Fixtures for the emulator's own tests: a fresh emulator and app per test.

Everything goes over real loopback HTTP with plain urllib. JWTs are built here
with ``cryptography`` directly (no client code), so a bug in the client's JWT
code cannot hide a bug in the emulator's checks, or the other way round.
"""

from __future__ import annotations

import base64
import json
import secrets
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from typing import Any

import pytest
from boxauth.adapters.emulator import BoxEmulator
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

AUD = "https://api.box.com/oauth2/token"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TYPE = "urn:ietf:params:oauth:token-type:access_token"
FORM = "application/x-www-form-urlencoded"
CALLBACK = "http://127.0.0.1/callback"

_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
_OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
_HASH = {"RS256": hashes.SHA256, "RS384": hashes.SHA384, "RS512": hashes.SHA512}


def public_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def sign_jwt(
    header: dict[str, Any], claims: dict[str, Any], key: rsa.RSAPrivateKey, alg: str = "RS256"
) -> str:
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), _HASH[alg]())
    return signing_input + "." + b64url(signature)


@dataclass(frozen=True)
class Resp:
    status: int
    headers: Message
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def error(self) -> tuple[str, str]:
        data = self.json()
        return data["error"], data["error_description"]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def fetch(
    url: str, data: bytes | None = None, headers: dict[str, str] | None = None,
    method: str | None = None,
) -> Resp:
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with _OPENER.open(req, timeout=10) as answer:
            return Resp(answer.status, answer.headers, answer.read())
    except urllib.error.HTTPError as answer:
        with answer:
            return Resp(answer.code, answer.headers, answer.read())


class Env:
    """One emulator with one app (all grants), its key, users, a folder and a file.

    Test modules reach helpers and constants through this object rather than
    importing conftest (two conftest modules share that name).
    """

    AUD = AUD
    JWT_GRANT = JWT_GRANT
    EXCHANGE_GRANT = EXCHANGE_GRANT
    ACCESS_TYPE = ACCESS_TYPE
    FORM = FORM
    CALLBACK = CALLBACK
    b64url = staticmethod(b64url)
    sign_jwt = staticmethod(sign_jwt)
    public_pem = staticmethod(public_pem)
    fetch = staticmethod(fetch)

    def __init__(self, emu: BoxEmulator) -> None:
        self.emu = emu
        self.enterprise = emu.add_enterprise()
        self.app = emu.add_app(
            enterprise_id=self.enterprise, redirect_uris=[CALLBACK], allow_user_tokens=True
        )
        self.client_id = self.app.client_id
        self.secret = self.app.client_secret
        self.kid = "kid" + secrets.token_hex(4)
        self.key = _KEY
        self.other_key = _OTHER_KEY
        emu.add_public_key(self.client_id, self.kid, public_pem(_KEY))
        self.user = emu.add_user(enterprise_id=self.enterprise, name="Ada", login="ada@example.com")
        self.app_user = emu.add_user(enterprise_id=self.enterprise, name="Bot", kind="app_user")
        self.folder = emu.add_folder(self.user, "Reports")
        self.file = emu.add_file(self.user, "notes.txt")
        self.inner_file = emu.add_file(self.user, "q1.pdf", parent_id=self.folder)
        emu.set_authorize_user(self.user)

    # -- HTTP -------------------------------------------------------------------------
    def post(self, path: str, form: dict[str, str] | None = None, *, body: bytes | None = None,
             content_type: str = FORM) -> Resp:
        data = body if body is not None else urllib.parse.urlencode(form or {}).encode()
        return fetch(self.emu.base_url + path, data, {"Content-Type": content_type})

    def token(self, form: dict[str, str]) -> Resp:
        return self.post("/oauth2/token", form)

    def get(self, path: str, token: str | None = None) -> Resp:
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        return fetch(self.emu.base_url + path, headers=headers)

    def authorize(self, **params: str) -> Resp:
        query = {"response_type": "code", "client_id": self.client_id, **params}
        return fetch(self.emu.oauth_2_url + "/authorize?" + urllib.parse.urlencode(query))

    # -- JWT --------------------------------------------------------------------------
    def claims(self, **over: Any) -> dict[str, Any]:
        claims: dict[str, Any] = {
            "iss": self.client_id,
            "sub": self.enterprise,
            "box_sub_type": "enterprise",
            "aud": AUD,
            "jti": secrets.token_hex(16),
            "exp": int(self.emu.now()) + 30,
        }
        claims.update(over)
        return claims

    def assertion(self, *, header: dict[str, Any] | None = None, alg: str = "RS256",
                  key: rsa.RSAPrivateKey | None = None, **claims: Any) -> str:
        head = {"alg": alg, "typ": "JWT", "kid": self.kid, **(header or {})}
        return sign_jwt(head, self.claims(**claims), key or self.key, alg)

    def jwt_form(self, assertion: str, **over: str) -> dict[str, str]:
        form = {"grant_type": JWT_GRANT, "assertion": assertion, "client_id": self.client_id,
                "client_secret": self.secret}
        form.update(over)
        return form

    # -- shortcuts --------------------------------------------------------------------
    def ccg_form(self, **over: str) -> dict[str, str]:
        form = {"grant_type": "client_credentials", "client_id": self.client_id,
                "client_secret": self.secret, "box_subject_type": "user",
                "box_subject_id": self.user}
        form.update(over)
        return {k: v for k, v in form.items() if v is not None}

    def user_token(self) -> str:
        answer = self.token(self.ccg_form())
        assert answer.status == 200, answer.body
        return str(answer.json()["access_token"])

    def code(self, **params: str) -> str:
        answer = self.authorize(**params)
        assert answer.status == 302, answer.body
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(answer.headers["Location"]).query)
        return query["code"][0]

    def code_form(self, code: str, **over: str) -> dict[str, str]:
        form = {"grant_type": "authorization_code", "code": code, "client_id": self.client_id,
                "client_secret": self.secret}
        form.update(over)
        return form

    def pair(self) -> dict[str, Any]:
        answer = self.token(self.code_form(self.code()))
        assert answer.status == 200, answer.body
        return dict(answer.json())

    def exchange_form(self, subject: str, **over: str) -> dict[str, str]:
        form = {"grant_type": EXCHANGE_GRANT, "subject_token": subject,
                "subject_token_type": ACCESS_TYPE, "scope": "item_preview"}
        form.update(over)
        return form

    def file_url(self, item_id: str | None = None) -> str:
        return f"{self.emu.base_url}/2.0/files/{item_id or self.file}"

    def folder_url(self, item_id: str | None = None) -> str:
        return f"{self.emu.base_url}/2.0/folders/{item_id or self.folder}"


@pytest.fixture
def emulator() -> Iterator[BoxEmulator]:
    with BoxEmulator() as emu:
        yield emu


@pytest.fixture
def env(emulator: BoxEmulator) -> Env:
    return Env(emulator)
