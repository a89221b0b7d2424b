"""Whose token it is: the app and the subject a token was issued to.

A storage can be shared (one token file for several CLI invocations, one
in-memory storage handed to two auth objects, one Redis key for a fleet).
A token fetched for the Service Account must never be handed to an auth
object acting as a user, or the reverse: that silently grants the wrong
privileges. So every token an auth object stores records its ``Owner``, and
an auth object treats a stored token owned by anyone else as no token.

Rules (ours; Box does not tag tokens with their subject):
- JWT and CCG tokens are owned by (client id, subject type, subject id).
- OAuth tokens are owned by (client id, ``oauth_user``, user id); the user id
  is ``None`` until it is known, and ``None`` on either side matches any user
  of the same app (the app cannot know who signed in until it asks Box).
- A token with no owner was put in the storage by the user (the guide's
  ``auth.token_storage.store(AccessToken(...))``); it is taken as theirs to use.
"""

from __future__ import annotations

from dataclasses import dataclass

from returns.result import Failure, Result, Success

from .errors import InvalidInput

# The subject types an Owner may name: Box's box_subject_type values, plus ours
# for an OAuth user (docs/protocol.md#grants, docs/protocol.md#jwt-claims).
SUBJECT_TYPES = frozenset({"enterprise", "user", "oauth_user"})
MAX_OWNER_FIELD = 256


@dataclass(frozen=True, slots=True)
class Owner:
    """The app (``client_id``) and subject a token was issued to. Holds no secret."""

    client_id: str
    subject_type: str
    subject_id: str | None = None


def owns(ours: Owner | None, stored: Owner | None) -> bool:
    """May an auth object whose owner is ``ours`` use a token owned by ``stored``?"""
    if stored is None or ours is None:
        return True
    if ours.client_id != stored.client_id or ours.subject_type != stored.subject_type:
        return False
    if ours.subject_type == "oauth_user" and (ours.subject_id is None or stored.subject_id is None):
        return True
    return ours.subject_id == stored.subject_id


def check_owner(value: object, field: str = "owner") -> Result[Owner | None, InvalidInput]:
    """An Owner (or None) whose fields have their declared types and sane sizes."""
    if value is None:
        return Success(None)
    if not isinstance(value, Owner):
        return Failure(InvalidInput(field, "must be an Owner or null"))
    for name in ("client_id", "subject_type", "subject_id"):
        text = getattr(value, name)
        if text is None and name == "subject_id":
            continue
        if not isinstance(text, str) or not text or len(text) > MAX_OWNER_FIELD:
            return Failure(InvalidInput(f"{field}.{name}", "must be a short non-empty string"))
    if value.subject_type not in SUBJECT_TYPES:
        return Failure(InvalidInput(f"{field}.subject_type", "is not a known subject type"))
    return Success(value)


def owner_to_dict(owner: Owner | None) -> dict[str, str | None] | None:
    if owner is None:
        return None
    return {
        "client_id": owner.client_id,
        "subject_type": owner.subject_type,
        "subject_id": owner.subject_id,
    }


def owner_from_dict(data: object, field: str = "owner") -> Result[Owner | None, InvalidInput]:
    """The storage form back; anything unexpected is a Failure, never a raise."""
    if data is None:
        return Success(None)
    if not isinstance(data, dict):
        return Failure(InvalidInput(field, "must be an object or null"))
    values = [data.get(k) for k in ("client_id", "subject_type", "subject_id")]
    if any(v is not None and not isinstance(v, str) for v in values):
        return Failure(InvalidInput(field, "has a field that is not a string"))
    client_id, subject_type, subject_id = values
    if client_id is None or subject_type is None:
        return Failure(InvalidInput(field, "lacks client_id or subject_type"))
    return check_owner(Owner(client_id, subject_type, subject_id), field)
