"""Hostile input at the public surface: never an unhandled exception, never a secret.

Hypothesis feeds arbitrary config text, PEM blobs, token files and redirect
URLs through the same entry points users call, and a few hand-picked values
(a NaN expiry, a NUL byte in a path, a token with a header injected) go through
the auth objects. The only exception allowed out is a ``BoxAuthError``
subclass, and its message must not contain the secret values that were part of
the input.
"""

from __future__ import annotations

import contextlib
import json
import math
from pathlib import Path
from typing import Any

import pytest
from boxauth.adapters.signer import load_private_key
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Success

from boxauth import (
    AccessToken,
    BaseUrls,
    BoxAuthError,
    BoxClient,
    BoxConfigError,
    BoxDeveloperTokenAuth,
    BoxOAuth,
    BoxReauthRequiredError,
    FileTokenStorage,
    InMemoryTokenStorage,
    JWTConfig,
    OAuthConfig,
)
from boxauth.access_token import is_foreign_file, token_from_json
from boxauth.errors import StorageFailureKind
from boxauth.exceptions import BoxStorageError

SECRET = "S3CRET-sentinel-value-XYZ"

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)


def _config_like(data: object) -> str:
    """Arbitrary JSON, often shaped like Box's config, with the secret planted in it."""
    if isinstance(data, dict):
        data = {
            "boxAppSettings": {
                "clientID": data.get("a", "id"),
                "clientSecret": SECRET,
                "appAuth": {
                    "publicKeyID": data.get("b"),
                    "privateKey": data.get("c", SECRET),
                    "passphrase": SECRET,
                },
            },
            "enterpriseID": data.get("d"),
            **({"userID": data["e"]} if "e" in data else {}),
        }
    return json.dumps(data)


@given(json_values)
def test_config_json_never_raises_anything_but_a_config_error(data: object) -> None:
    text = _config_like(data)
    try:
        JWTConfig.from_config_json_string(text).signer()
    except BoxConfigError as exc:
        assert SECRET not in str(exc)
        assert exc.field


@given(st.text(max_size=300) | st.binary(max_size=300).map(lambda b: b.decode("latin-1")))
def test_arbitrary_text_as_a_config_file(text: str) -> None:
    with contextlib.suppress(BoxConfigError):
        JWTConfig.from_config_json_string(text)


PEM_PIECES = st.sampled_from(
    [
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\n",
        "-----END ENCRYPTED PRIVATE KEY-----\n",
        "-----BEGIN RSA PRIVATE KEY-----\n",
        "-----END RSA PRIVATE KEY-----\n",
        "Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,00112233445566778899AABBCCDDEEFF\n\n",
        "-----BEGIN PRIVATE KEY-----\n",
        "-----END PRIVATE KEY-----\n",
        "MIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7AgEAAkEA\n",
        "\x00",
        "",
    ]
)


@given(
    st.lists(PEM_PIECES | st.text(max_size=40), max_size=8).map("".join),
    st.one_of(st.none(), st.just(SECRET)),
)
def test_pem_blobs_give_typed_errors_without_secrets(pem: str, passphrase: str | None) -> None:
    result = load_private_key(pem, passphrase)
    if isinstance(result, Success):  # only a real RSA key of 2048 bits or more
        assert result.unwrap().key_size >= 2048
        return
    error = result.failure()
    assert error.field in ("private_key", "private_key_passphrase")
    assert SECRET not in error.message()
    assert "BEGIN" not in error.message()


@given(st.binary(max_size=2000) | st.binary(max_size=200).map(lambda b: b"{" + b))
def test_any_token_file_reads_as_a_token_nothing_or_untrusted(
    tmp_path_factory: object, blob: bytes
) -> None:
    """The token the storage format describes; None for a damaged record; a
    refusal (untrusted, nothing quoted) for a file no token storage wrote."""
    path = Path(tmp_path_factory.mktemp("tok")) / "token.json"  # type: ignore[attr-defined]
    path.write_bytes(blob)
    try:
        token = FileTokenStorage(filename=str(path)).get()
    except BoxStorageError as exc:
        assert is_foreign_file(blob)
        assert exc.value is not None
        assert exc.value.kind is StorageFailureKind.UNTRUSTED  # type: ignore[union-attr]
        return
    assert not is_foreign_file(blob)
    try:
        text = blob.decode("utf-8")
    except UnicodeDecodeError:
        assert token is None
    else:
        assert token == token_from_json(text).value_or(None)


@given(st.text(max_size=400))
def test_arbitrary_redirects_are_refused_before_any_request(redirect: str) -> None:
    auth = BoxOAuth(OAuthConfig("client", SECRET))
    auth.get_authorize_url()
    try:
        auth.get_tokens_from_redirect(redirect)
    except BoxAuthError as exc:
        assert SECRET not in str(exc)
    else:  # pragma: no cover - a random string cannot carry the generated state
        raise AssertionError("a random redirect was accepted")


def test_oversized_config_is_refused_early() -> None:
    huge = "{" + " " * (1024 * 1024) + "}"
    with pytest.raises(BoxConfigError) as caught:
        JWTConfig.from_config_json_string(huge)
    assert caught.value.field == "config"


def test_a_nan_expiry_is_never_used(box: Any, urls: BaseUrls) -> None:
    token = box.emu.add_developer_token(box.fx.user_id, client_id=box.fx.client_id)
    with pytest.raises(BoxConfigError) as caught:
        BoxDeveloperTokenAuth(token=AccessToken(access_token=token, expires_at=math.nan))
    assert caught.value.field == "token: expires_at"
    # A user's storage can hand back anything; a NaN expiry counts as no token.
    storage = InMemoryTokenStorage()
    storage.store(AccessToken(access_token=token, expires_at=math.nan))
    auth = BoxOAuth(
        OAuthConfig(box.fx.client_id, box.fx.client_secret, token_storage=storage), base_urls=urls
    )
    with pytest.raises(BoxReauthRequiredError):
        auth.retrieve_token()


def test_a_nul_byte_in_the_config_path_is_a_config_error() -> None:
    with pytest.raises(BoxConfigError) as caught:
        JWTConfig.from_config_file("a\0b")
    assert caught.value.field == "config_file_path"


def test_a_developer_token_with_a_trailing_newline_works_and_a_broken_one_is_refused(
    box: Any, urls: BaseUrls
) -> None:
    token = box.emu.add_developer_token(box.fx.user_id, client_id=box.fx.client_id)
    auth = BoxDeveloperTokenAuth(token=token + "\n", base_urls=urls)
    assert BoxClient(auth).users.get_user_me().id == box.fx.user_id
    with pytest.raises(BoxConfigError) as caught:
        BoxDeveloperTokenAuth(token=token + "\r\nX-Injected: 1", base_urls=urls)
    assert caught.value.field == "token: access_token"
    assert token not in str(caught.value)
