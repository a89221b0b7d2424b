"""The JWT signer: python-jose with its cryptography backend, behind the core's port.

The core (``boxauth.jwt``) builds the signing input; this module only turns
bytes into an RSA signature. jose is kept to this one file so it can be swapped.

- The private key is decrypted once, by ``cryptography`` (jose has no passphrase
  parameter), in ``signer_for``; box_sdk_gen decrypts it on every fetch (~50 ms).
- No exception text from cryptography or jose ever leaves this module: some of
  jose's messages interpolate the key. Failures are ``InvalidInput`` values
  whose wording is ours alone.
- We fail closed if jose picked any backend but cryptography (its pure-Python
  fallbacks pull in ``ecdsa``, whose timing leak will not be fixed upstream).
"""

from __future__ import annotations

import re
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from jose import backends as jose_backends
from jose import jwk
from jose.backends.cryptography_backend import CryptographyRSAKey
from jose.exceptions import JOSEError
from returns.result import Failure, Result, Success

from ..errors import AuthError, InvalidInput
from ..settings import Algorithm, JWTSettings

MIN_RSA_BITS = 2048
# PEM armor of a private key: PKCS#8 ("PRIVATE KEY", "ENCRYPTED PRIVATE KEY") or
# traditional ("RSA PRIVATE KEY", "EC PRIVATE KEY", ...). Public keys and certs don't match.
_PEM_PRIVATE = re.compile(rb"-----BEGIN ([A-Z0-9 ]+ )?PRIVATE KEY-----.+-----END ", re.DOTALL)

_KEY_ERRORS = (ValueError, TypeError, UnsupportedAlgorithm)


def _bad(field: str, problem: str) -> Failure[InvalidInput]:
    return Failure(InvalidInput(field, problem))


def load_private_key(pem: str, passphrase: str | None) -> Result[RSAPrivateKey, InvalidInput]:
    """Decrypt and check the app's private key: RSA, at least 2048 bits."""
    try:
        data = pem.encode("utf-8")
        # Box writes "" for "no passphrase" in some exports; cryptography agrees.
        password = passphrase.encode("utf-8") if passphrase else None
    except (UnicodeError, AttributeError):
        return _bad("private_key", "not a PEM private key")
    if not _PEM_PRIVATE.search(data):
        return _bad("private_key", "not a PEM private key")
    try:
        key = load_pem_private_key(data, password)
    except TypeError:
        # cryptography's only TypeErrors here: a password missing, or one too many.
        if password is None:
            return _bad(
                "private_key_passphrase", "the key is encrypted but no passphrase was given"
            )
        return _bad("private_key_passphrase", "was given but the key is not encrypted")
    except _KEY_ERRORS:
        return _bad("private_key", "wrong passphrase or corrupt key")
    if not isinstance(key, RSAPrivateKey):
        return _bad("private_key", "is not an RSA key (Box requires RSA)")
    if key.key_size < MIN_RSA_BITS:
        return _bad("private_key", "RSA key shorter than 2048 bits")
    return Success(key)


def assert_cryptography_backend() -> None:
    """Raise RuntimeError unless jose signs RSA with the cryptography backend."""
    if jose_backends.RSAKey is not CryptographyRSAKey:
        raise RuntimeError("python-jose is not using its cryptography backend; refusing to sign")


class JoseSigner:
    """``boxauth.jwt.Signer``: signs bytes with one decrypted RSA key.

    It holds the key, so it prints only the algorithm and key size, refuses to
    be pickled (pickle would write the key in the clear), and copies are itself.
    """

    __slots__ = ("_algorithm", "_jwk", "_key_size")

    def __init__(self, key: RSAPrivateKey, algorithm: Algorithm) -> None:
        assert_cryptography_backend()  # fail closed before the key touches jose
        self._algorithm = algorithm
        self._key_size = key.key_size
        self._jwk: Any = jwk.construct(key, algorithm.value)

    @property
    def algorithm(self) -> Algorithm:
        return self._algorithm

    def __call__(self, message: bytes) -> Result[bytes, AuthError]:
        try:
            signature = self._jwk.sign(message)
        except (JOSEError, *_KEY_ERRORS):
            return Failure(InvalidInput("signer", "signing failed"))
        if not isinstance(signature, bytes) or not signature:
            return Failure(InvalidInput("signer", "signing failed"))
        return Success(signature)

    def __repr__(self) -> str:
        return f"JoseSigner(algorithm={self._algorithm.value}, key_size={self._key_size})"

    __str__ = __repr__

    def __reduce__(self) -> Any:
        raise TypeError("JoseSigner holds a private key and cannot be pickled")

    def __copy__(self) -> JoseSigner:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> JoseSigner:
        return self


def checked_key(key: object) -> Result[RSAPrivateKey, InvalidInput]:
    """A key a user's ``PrivateKeyDecryptor`` returned: RSA, at least 2048 bits."""
    if not isinstance(key, RSAPrivateKey):
        return _bad("private_key_decryptor", "did not return an RSA private key (Box requires RSA)")
    if key.key_size < MIN_RSA_BITS:
        return _bad("private_key_decryptor", "returned an RSA key shorter than 2048 bits")
    return Success(key)


def signer_for(
    settings: JWTSettings, key: RSAPrivateKey | None = None
) -> Result[JoseSigner, InvalidInput]:
    """The signer for a JWT app: decrypts the key once (unless given); keep it per config."""
    loaded = (
        load_private_key(settings.private_key, settings.private_key_passphrase)
        if key is None
        else checked_key(key)
    )
    if not isinstance(loaded, Success):
        return Failure(loaded.failure())
    try:
        return Success(JoseSigner(loaded.unwrap(), settings.algorithm))
    except (JOSEError, *_KEY_ERRORS):
        return _bad("private_key", "cannot be used for signing")
