"""The jose signer: algorithms, key formats, typed key errors, no secret leaks."""

from __future__ import annotations

import base64
import copy
import pickle
import subprocess
import sys
from dataclasses import dataclass

import pytest
from boxauth.adapters.signer import (
    JoseSigner,
    assert_cryptography_backend,
    load_private_key,
    signer_for,
)
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from jose import jws
from returns.result import Failure, Success
from strategies import jwt_settings_with

from boxauth.errors import InvalidInput
from boxauth.jwt import make_assertion
from boxauth.settings import Algorithm

PASSPHRASE = "correct horse battery staple"
ENC = serialization.Encoding.PEM


@dataclass(frozen=True)
class Keys:
    key: rsa.RSAPrivateKey
    plain: str
    pkcs8: str  # encrypted PKCS#8: "BEGIN ENCRYPTED PRIVATE KEY"
    traditional: str  # encrypted traditional: "BEGIN RSA PRIVATE KEY" + DEK-Info
    ec: str
    small: str


def _pem(key: object, fmt: serialization.PrivateFormat, password: str | None = None) -> str:
    crypt: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password.encode())
        if password
        else serialization.NoEncryption()
    )
    return key.private_bytes(ENC, fmt, crypt).decode()  # type: ignore[attr-defined,no-any-return]


@pytest.fixture(scope="module")
def keys() -> Keys:
    # RSA key generation is slow: once per module.
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 - refused
    p8, trad = serialization.PrivateFormat.PKCS8, serialization.PrivateFormat.TraditionalOpenSSL
    return Keys(
        key=key,
        plain=_pem(key, p8),
        pkcs8=_pem(key, p8, PASSPHRASE),
        traditional=_pem(key, trad, PASSPHRASE),
        ec=_pem(ec.generate_private_key(ec.SECP256R1()), p8),
        small=_pem(small, p8),
    )


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


HASHES = {
    Algorithm.RS256: hashes.SHA256(),
    Algorithm.RS384: hashes.SHA384(),
    Algorithm.RS512: hashes.SHA512(),
}


@pytest.mark.parametrize("alg", list(Algorithm))
def test_signatures_verify_with_cryptography_and_jose(keys: Keys, alg: Algorithm) -> None:
    settings = jwt_settings_with(
        jwt_key_id="kid-1", private_key=keys.pkcs8, private_key_passphrase=PASSPHRASE, algorithm=alg
    )
    signer = signer_for(settings).unwrap()
    token = make_assertion(settings, signer, now=1_700_000_000.0, jti="j" * 64).unwrap().token
    head, body, sig = token.split(".")
    # cryptography directly: an independent check of the RSA PKCS#1 v1.5 signature.
    keys.key.public_key().verify(
        _b64url_decode(sig), f"{head}.{body}".encode(), padding.PKCS1v15(), HASHES[alg]
    )
    # jose, always with an explicit algorithms list (the DER key-confusion advisory).
    public_pem = keys.key.public_key().public_bytes(
        ENC, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert jws.verify(token, public_pem.decode(), algorithms=[alg.value]) == _b64url_decode(body)
    assert jws.get_unverified_header(token) == {"alg": alg.value, "kid": "kid-1", "typ": "JWT"}


def test_signature_of_a_wrong_message_does_not_verify(keys: Keys) -> None:
    sig = JoseSigner(keys.key, Algorithm.RS256)(b"message").unwrap()
    with pytest.raises(InvalidSignature):
        keys.key.public_key().verify(sig, b"other", padding.PKCS1v15(), hashes.SHA256())


@pytest.mark.parametrize("which", ["plain", "pkcs8", "traditional"])
def test_key_formats_load(keys: Keys, which: str) -> None:
    pem = getattr(keys, which)
    loaded = load_private_key(pem, None if which == "plain" else PASSPHRASE)
    assert isinstance(loaded, Success)
    assert loaded.unwrap().private_numbers() == keys.key.private_numbers()


def test_traditional_pem_really_is_the_legacy_format(keys: Keys) -> None:
    assert keys.traditional.startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert "DEK-Info:" in keys.traditional
    assert keys.pkcs8.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")


def test_empty_passphrase_means_none(keys: Keys) -> None:
    assert isinstance(load_private_key(keys.plain, ""), Success)


def _error(pem: str, passphrase: str | None) -> InvalidInput:
    result = load_private_key(pem, passphrase)
    assert isinstance(result, Failure)
    error = result.failure()
    assert isinstance(error, InvalidInput)
    return error


def _assert_no_secret(error: InvalidInput, pem: str, passphrase: str | None) -> None:
    text = f"{error.message()} {error!r}"
    if passphrase:
        assert passphrase not in text
    body_lines = [line for line in pem.splitlines() if line and not line.startswith("-----")]
    for line in body_lines:
        assert line[:16] not in text


@pytest.mark.parametrize(
    ("which", "passphrase", "expected"),
    [
        ("pkcs8", "wrong passphrase!", "private_key: wrong passphrase or corrupt key"),
        ("traditional", "wrong passphrase!", "private_key: wrong passphrase or corrupt key"),
        (
            "pkcs8",
            None,
            "private_key_passphrase: the key is encrypted but no passphrase was given",
        ),
        (
            "traditional",
            None,
            "private_key_passphrase: the key is encrypted but no passphrase was given",
        ),
        ("plain", PASSPHRASE, "private_key_passphrase: was given but the key is not encrypted"),
        ("ec", None, "private_key: is not an RSA key (Box requires RSA)"),
        ("small", None, "private_key: RSA key shorter than 2048 bits"),
    ],
)
def test_key_errors_are_typed_and_leak_nothing(
    keys: Keys, which: str, passphrase: str | None, expected: str
) -> None:
    pem = getattr(keys, which)
    error = _error(pem, passphrase)
    assert error.message() == expected
    _assert_no_secret(error, pem, passphrase)


@pytest.mark.parametrize(
    "pem",
    [
        "garbage",
        "",
        "-----BEGIN PUBLIC KEY-----\nMIIBIjAN\n-----END PUBLIC KEY-----\n",
        "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5IGF0IGFsbA==\n-----END PRIVATE KEY-----\n",
        "\udcff not encodable",
    ],
)
def test_malformed_pem_is_a_typed_error(pem: str) -> None:
    error = _error(pem, None)
    assert error.field == "private_key"
    assert error.problem in ("not a PEM private key", "wrong passphrase or corrupt key")
    _assert_no_secret(error, pem, None)


def test_truncated_pem_is_corrupt(keys: Keys) -> None:
    lines = keys.pkcs8.splitlines()
    truncated = "\n".join([*lines[:5], lines[-1]]) + "\n"
    # The same refusal as a wrong passphrase: the two cannot be told apart.
    assert _error(truncated, PASSPHRASE) == _error(keys.pkcs8, "wrong passphrase!")


def test_signer_for_reports_key_errors(keys: Keys) -> None:
    settings = jwt_settings_with(private_key=keys.pkcs8, private_key_passphrase="not it")
    assert signer_for(settings) == Failure(_error(keys.pkcs8, "not it"))
    assert _error(keys.pkcs8, "not it").field == "private_key"


def test_signing_failure_is_a_value_not_an_exception(keys: Keys) -> None:
    signer = JoseSigner(keys.key, Algorithm.RS256)
    result = signer("not bytes")  # type: ignore[arg-type]
    assert result == Failure(InvalidInput("signer", "signing failed"))


def test_signer_repr_pickle_copy(keys: Keys) -> None:
    signer = JoseSigner(keys.key, Algorithm.RS384)
    assert repr(signer) == "JoseSigner(algorithm=RS384, key_size=2048)"
    assert str(signer) == repr(signer)
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(signer)
    assert copy.copy(signer) is signer
    assert copy.deepcopy(signer) is signer
    assert signer.algorithm is Algorithm.RS384
    assert not hasattr(signer, "__dict__")


def test_jose_uses_the_cryptography_backend() -> None:
    from jose import backends
    from jose.backends.cryptography_backend import CryptographyRSAKey

    assert backends.RSAKey is CryptographyRSAKey
    assert_cryptography_backend()  # does not raise


def test_a_different_backend_fails_closed(keys: Keys, monkeypatch: pytest.MonkeyPatch) -> None:
    from jose import backends

    monkeypatch.setattr(backends, "RSAKey", object)
    with pytest.raises(RuntimeError, match="cryptography backend"):
        assert_cryptography_backend()
    with pytest.raises(RuntimeError):
        JoseSigner(keys.key, Algorithm.RS256)


def test_signing_never_imports_ecdsa_rsa_or_pyasn1() -> None:
    # A fresh interpreter: other tests in this process may have imported anything.
    code = """
import sys
from cryptography.hazmat.primitives.asymmetric import rsa
from boxauth.adapters.signer import JoseSigner
from boxauth.settings import Algorithm
key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
assert JoseSigner(key, Algorithm.RS512)(b"message").unwrap()
print(sorted(m for m in ("ecdsa", "rsa", "pyasn1") if m in sys.modules))
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "[]"
