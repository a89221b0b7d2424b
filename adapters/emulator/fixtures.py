"""make_app_fixture: one call gives a fully registered app, as Box's console would.

The key pair is generated here; Box only ever holds the public key. The
private key is written the way the console writes it: encrypted PKCS#8 PEM
with a passphrase, inside the console's JSON config.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import Protocol

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from .records import App
from .registry import DEFAULT_REDIRECT_URI


class _Registrar(Protocol):
    def add_enterprise(self) -> str: ...
    def add_app(
        self,
        enterprise_id: str,
        grants: set[str] | frozenset[str] | None = ...,
        redirect_uris: list[str] | tuple[str, ...] | None = ...,
        allow_user_tokens: bool = ...,
        scopes: set[str] | frozenset[str] | None = ...,
        *,
        as_user: bool = ...,
        authorized: bool = ...,
    ) -> App: ...
    def add_public_key(self, client_id: str, key_id: str, public_key_pem: bytes) -> None: ...
    def add_user(
        self,
        enterprise_id: str,
        name: str = ...,
        login: str | None = ...,
        kind: str = ...,
        role: str = ...,
    ) -> str: ...
    def add_folder(self, owner_user_id: str, name: str, parent_id: str = ...) -> str: ...
    def add_file(self, owner_user_id: str, name: str, parent_id: str = ...) -> str: ...
    def set_authorize_user(self, user_id: str) -> None: ...


@dataclass(frozen=True, slots=True)
class AppFixture:
    """A registered app with everything a client needs. Secrets stay out of the repr."""

    client_id: str
    client_secret: str = field(repr=False)
    enterprise_id: str
    user_id: str
    user_name: str
    user_login: str
    app_user_id: str
    service_account_id: str
    key_id: str
    private_key_pem: str = field(repr=False)
    passphrase: str = field(repr=False)
    config_json: str = field(repr=False)
    redirect_uri: str
    file_id: str
    file_name: str
    folder_id: str
    folder_name: str


def console_config(
    *,
    client_id: str,
    client_secret: str,
    key_id: str,
    private_key_pem: str,
    passphrase: str,
    enterprise_id: str,
) -> str:
    """The JSON config exactly as Box's developer console writes it
    (https://developer.box.com/guides/authentication/jwt/without-sdk/, step 1)."""
    return json.dumps(
        {
            "boxAppSettings": {
                "clientID": client_id,
                "clientSecret": client_secret,
                "appAuth": {
                    "publicKeyID": key_id,
                    "privateKey": private_key_pem,
                    "passphrase": passphrase,
                },
            },
            "enterpriseID": enterprise_id,
        },
        indent=2,
    )


def make_app_fixture(
    emu: _Registrar, passphrase: str | None = None, user_tokens: bool = True
) -> AppFixture:
    """Generate an RSA 2048 key pair and register an enterprise, an app with all
    grants and As-User enabled, its public key, a managed user (an admin, and the
    authorize user), an app user, and a folder and a file in the managed user's
    root folder."""
    # ASCII passphrase: Box's generated SDK refuses anything else.
    phrase = passphrase if passphrase is not None else secrets.token_hex(16)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(phrase.encode()),
    ).decode("ascii")
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    enterprise_id = emu.add_enterprise()
    app = emu.add_app(
        enterprise_id,
        redirect_uris=[DEFAULT_REDIRECT_URI],
        allow_user_tokens=user_tokens,
        as_user=True,
    )
    key_id = secrets.token_hex(4)  # the console's publicKeyID is 8 characters
    emu.add_public_key(app.client_id, key_id, public_pem)
    user_name, user_login = "Ada Lovelace", "ada@example.com"
    # An admin, as the person who sets up an app usually is: As-User works
    # for her tokens too (https://developer.box.com/guides/authentication/oauth2/as-user/).
    user_id = emu.add_user(enterprise_id, name=user_name, login=user_login, role="admin")
    app_user_id = emu.add_user(
        enterprise_id,
        name="Charles Babbage",
        login=f"AppUser_{app.client_id[:8]}@boxdevedition.com",
        kind="app_user",
    )
    folder_name, file_name = "Analytical Engine", "notes.txt"
    folder_id = emu.add_folder(user_id, folder_name)
    file_id = emu.add_file(user_id, file_name)
    emu.set_authorize_user(user_id)
    return AppFixture(
        client_id=app.client_id,
        client_secret=app.client_secret,
        enterprise_id=enterprise_id,
        user_id=user_id,
        user_name=user_name,
        user_login=user_login,
        app_user_id=app_user_id,
        service_account_id=app.service_account_id,
        key_id=key_id,
        private_key_pem=private_pem,
        passphrase=phrase,
        config_json=console_config(
            client_id=app.client_id,
            client_secret=app.client_secret,
            key_id=key_id,
            private_key_pem=private_pem,
            passphrase=phrase,
            enterprise_id=enterprise_id,
        ),
        redirect_uri=DEFAULT_REDIRECT_URI,
        file_id=file_id,
        file_name=file_name,
        folder_id=folder_id,
        folder_name=folder_name,
    )
