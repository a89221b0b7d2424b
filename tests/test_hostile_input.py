"""Hostile input at the public surface: never an unhandled exception, never a secret.

Hypothesis feeds arbitrary config text, PEM blobs, token files and redirect
URLs through the same entry points users call. The only exception allowed out
is a ``BoxAuthError`` subclass, and its message must not contain the secret
values that were part of the input.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

from boxauth.adapters.signer import load_private_key
from hypothesis import given
from hypothesis import strategies as st

from boxauth import BoxAuthError, BoxConfigError, BoxOAuth, FileTokenStorage, JWTConfig, OAuthConfig

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
    if not hasattr(result, "failure"):
        return
    try:
        error = result.failure()
    except Exception:
        return
    assert SECRET not in error.message()
    assert "BEGIN" not in error.message()


@given(st.binary(max_size=2000))
def test_any_token_file_reads_as_a_token_or_nothing(tmp_path_factory: object, blob: bytes) -> None:
    path = Path(tmp_path_factory.mktemp("tok")) / "token.json"  # type: ignore[attr-defined]
    path.write_bytes(blob)
    token = FileTokenStorage(filename=str(path)).get()
    assert token is None or token.access_token is None or isinstance(token.access_token, str)


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
    try:
        JWTConfig.from_config_json_string(huge)
    except BoxConfigError as exc:
        assert "64 KiB" in str(exc)
    else:
        raise AssertionError("a 1 MiB config was accepted")
