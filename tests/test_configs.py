"""adapters/configs.py: a user's ``PrivateKeyDecryptor`` that fails leaves nothing behind.

The decryptor's exception (its text, and its traceback's frames, may hold the
passphrase and the key) once stayed reachable as the
``BoxConfigError``'s ``__context__``, since ``raise ... from None`` inside an
``except`` block only hides the context from printed tracebacks.
"""

from __future__ import annotations

import traceback
from typing import Any

import pytest
from boxauth.adapters.configs import DefaultPrivateKeyDecryptor, PrivateKeyDecryptor

from boxauth import BoxConfigError, BoxJWTAuth, JWTConfig
from boxauth.errors import InvalidInput


class KmsDecryptor(PrivateKeyDecryptor):
    """Fails with the passphrase in its text, as a careless KMS client might."""

    def decrypt_private_key(self, encryptedPrivateKey: str, passphrase: str) -> Any:  # noqa: N803
        raise ValueError(f"KMS refused to decrypt with passphrase {passphrase!r}")


class WrappingDecryptor(PrivateKeyDecryptor):
    """Raises a BoxConfigError of its own while handling another error."""

    def decrypt_private_key(self, encryptedPrivateKey: str, passphrase: str) -> Any:  # noqa: N803
        try:
            raise ValueError(f"passphrase {passphrase!r} rejected")
        except ValueError:
            raise BoxConfigError(InvalidInput("private_key", "the KMS refused")) from None


class Subclassed(DefaultPrivateKeyDecryptor):
    """A working user decryptor (goes through the same path as a failing one)."""


def _frames_hold_another_exception(exc: BaseException) -> bool:
    tb = exc.__traceback__
    while tb is not None:
        for value in tb.tb_frame.f_locals.values():
            if isinstance(value, BaseException) and value is not exc:
                return True
        tb = tb.tb_next
    return False


class _NameRaises(type):
    @property
    def __name__(cls) -> str:  # type: ignore[override]
        raise _UnnameableError("its name cannot be read")


class _UnnameableError(Exception, metaclass=_NameRaises):
    pass


class UnnameableDecryptor(DefaultPrivateKeyDecryptor):
    def decrypt_private_key(self, encrypted_private_key: str, passphrase: str) -> Any:
        raise _UnnameableError(passphrase)


def test_a_decryptor_raising_an_unnameable_exception_gets_a_typed_error(box: Any) -> None:
    """Naming a user's exception class must not raise again: the class is described."""
    config = JWTConfig.from_config_json_string(
        box.fx.config_json, private_key_decryptor=UnnameableDecryptor()
    )
    with pytest.raises(BoxConfigError) as caught:
        config.signer()
    assert caught.value.field == "private_key_decryptor"
    assert "raised an exception while decrypting the private key" in str(caught.value)
    assert box.fx.passphrase not in str(caught.value) + repr(caught.value)


@pytest.mark.parametrize("build", ["signer", "auth"])
def test_a_failing_decryptor_leaves_no_context_and_no_passphrase(box: Any, build: str) -> None:
    config = JWTConfig.from_config_json_string(
        box.fx.config_json, private_key_decryptor=KmsDecryptor()
    )
    with pytest.raises(BoxConfigError) as caught:
        config.signer() if build == "signer" else BoxJWTAuth(config)
    exc = caught.value
    assert exc.field == "private_key_decryptor"
    assert "raised ValueError while decrypting the private key" in str(exc)
    assert exc.__context__ is None and exc.__cause__ is None
    assert not _frames_hold_another_exception(exc)
    printed = "".join(traceback.format_exception(exc))
    assert box.fx.passphrase not in printed + str(exc) + repr(exc)


def test_a_decryptors_own_box_config_error_keeps_its_words_but_not_its_chain(box: Any) -> None:
    config = JWTConfig.from_config_json_string(
        box.fx.config_json, private_key_decryptor=WrappingDecryptor()
    )
    with pytest.raises(BoxConfigError) as caught:
        config.signer()
    exc = caught.value
    assert (exc.field, str(exc)) == ("private_key", "private_key: the KMS refused")
    assert exc.__context__ is None and exc.__cause__ is None
    assert box.fx.passphrase not in "".join(traceback.format_exception(exc))


def test_a_working_decryptor_is_used(box: Any) -> None:
    config = JWTConfig.from_config_json_string(
        box.fx.config_json, private_key_decryptor=Subclassed()
    )
    assert config.signer() is config.signer()  # decrypted once, kept
