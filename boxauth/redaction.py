"""One redaction mechanism for every value that holds a secret.

A field is secret when its dataclass metadata says so (``secret_field()``).
``Redacted`` gives such dataclasses a ``__repr__`` and ``__str__`` that show
every other field and replace each secret with a fixed marker. The marker does
not depend on the secret: not its length, not a prefix, not a hash, so nothing
about the secret can be learned from a log line.

``returns`` containers print ``str()`` of what they hold (``<Success: ...>``),
so this also keeps ``repr(Success(token))`` clean.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

REDACTED = "<redacted>"

# Named after this module, so a vendored copy keys its own fields (no absolute name).
_SECRET_KEY = f"{__name__}.secret"  # nosec B105


def secret_field(*, default: Any = dataclasses.MISSING) -> Any:
    """A dataclass field whose value never appears in repr or str."""
    if default is dataclasses.MISSING:
        return dataclasses.field(metadata={_SECRET_KEY: True})
    return dataclasses.field(default=default, metadata={_SECRET_KEY: True})


def is_secret(field: dataclasses.Field[Any]) -> bool:
    """True for a field declared with ``secret_field()``; False for anything else."""
    metadata = getattr(field, "metadata", None)
    if not isinstance(metadata, Mapping):
        return False
    return metadata.get(_SECRET_KEY, False) is True


def _shown(value: Any, secret: bool) -> str:
    if not secret:
        try:
            return repr(value)
        except Exception:  # a caller's value whose __repr__ raises: a repr must not
            return f"<{type(value).__name__}>"
    # An absent secret is shown as absent: "no refresh token" is not a secret.
    return "None" if value is None else REDACTED


def redacted_repr(obj: Any) -> str:
    """``Name(field=value, secret=<redacted>)`` for any dataclass instance.

    Not a dataclass instance: only the type name, ``Name(...)``.
    """
    if not dataclasses.is_dataclass(obj) or isinstance(obj, type):
        return f"{type(obj).__name__}(...)"
    parts = [
        f"{f.name}={_shown(getattr(obj, f.name, None), is_secret(f))}"
        for f in dataclasses.fields(obj)
        if f.repr
    ]
    return f"{type(obj).__name__}({', '.join(parts)})"


class Redacted:
    """Mixin: dataclasses that inherit it print their secrets as ``<redacted>``.

    Declare the dataclass with ``repr=False`` so this ``__repr__`` is kept.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return redacted_repr(self)

    def __str__(self) -> str:
        return redacted_repr(self)

    def __reduce__(self) -> Any:
        # Pickle writes secrets in the clear to wherever the bytes go (google-auth's
        # signer did exactly that). Values that hold secrets refuse to be pickled.
        raise TypeError(f"{type(self).__name__} holds secrets and cannot be pickled")

    def __copy__(self) -> Any:
        # Immutable values: a copy is the value itself (and copy must not go
        # through __reduce__, which refuses).
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        return self
