"""All mutable emulator state, behind one lock.

Every method that reads or writes state takes ``self.lock`` (re-entrant, so
the grant handlers can hold it across several calls). Records are frozen and
replaced whole.
"""

from __future__ import annotations

import itertools
import secrets
import string
import threading
import time
import traceback
from collections import Counter, deque
from dataclasses import replace

from . import shapes
from .records import (
    AccessRecord,
    App,
    AuthCode,
    Fault,
    Item,
    PublicKey,
    RefreshRecord,
    Restriction,
    User,
)
from .shapes import DEFAULT_SHAPES, TOKEN_BODY_SHAPES, BodyShape

ACCESS_TOKEN_SECONDS = 3600
REFRESH_TOKEN_SECONDS = 60 * 24 * 3600
AUTH_CODE_SECONDS = 30
ROOT_FOLDER_ID = "0"
MAX_INTERNAL_ERRORS = 100

# The grant_type values Box knows; grant_counts always has these keys.
GRANT_TYPES = (
    "authorization_code",
    "refresh_token",
    "client_credentials",
    "urn:ietf:params:oauth:grant-type:jwt-bearer",
    "urn:ietf:params:oauth:grant-type:token-exchange",
)

_ALNUM = string.ascii_letters + string.digits


def random_token(length: int = 32) -> str:
    """Random letters and digits: client ids and secrets, codes, request ids.

    The OpenAPI examples of a client secret and of an authorization code are
    32 letters and digits ("hOzsTeFlT6ko0dme22uGbQal04SBPYc1"); a client id is
    the same, lower-cased ("ly1nj6n11vionaie65emwzk575hnnmrk"). Tokens are
    minted by shapes.py.
    """
    return "".join(secrets.choice(_ALNUM) for _ in range(length))


class State:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.clock_offset = 0.0
        # Ids are digit strings like Box's; one counter keeps them all distinct.
        self._ids = itertools.count(1_000_001 + secrets.randbelow(1_000_000) * 1000)
        self.enterprises: dict[str, str] = {}  # id -> name
        self.apps: dict[str, App] = {}
        self.keys: dict[str, dict[str, PublicKey]] = {}
        self.users: dict[str, User] = {}
        self.items: dict[str, Item] = {}
        self.shared_links: dict[str, str] = {}
        self.access: dict[str, AccessRecord] = {}
        self.refresh: dict[str, RefreshRecord] = {}
        self.codes: dict[str, AuthCode] = {}
        self.jtis: set[str] = set()
        self.authorize_user: str | None = None
        self.faults: dict[str, deque[Fault]] = {}
        self.grant_counts: Counter[str] = Counter()
        self.request_counts: Counter[str] = Counter()
        self.error_counts: Counter[tuple[str, str]] = Counter()
        self.internal_errors: list[str] = []
        self.token_shapes: dict[str, BodyShape] = {
            grant: TOKEN_BODY_SHAPES[name] for grant, name in DEFAULT_SHAPES.items()
        }

    # -- clock and ids ------------------------------------------------------------
    def now(self) -> float:
        return time.time() + self.clock_offset

    def new_id(self) -> str:
        with self.lock:
            return str(next(self._ids))

    # -- tokens ---------------------------------------------------------------------
    def issue_access(
        self,
        client_id: str,
        user_id: str,
        scopes: frozenset[str],
        *,
        restriction: Restriction | None = None,
        downscoped: bool = False,
        with_refresh: bool = False,
    ) -> tuple[AccessRecord, RefreshRecord | None]:
        with self.lock:
            now = self.now()
            token = shapes.downscoped_token() if downscoped else shapes.access_token()
            refresh: RefreshRecord | None = None
            if with_refresh:
                refresh = RefreshRecord(
                    token=shapes.refresh_token(),
                    client_id=client_id,
                    user_id=user_id,
                    scopes=scopes,
                    expires_at=now + REFRESH_TOKEN_SECONDS,
                    access_token=token,
                )
                self.refresh[refresh.token] = refresh
            access = AccessRecord(
                token=token,
                client_id=client_id,
                user_id=user_id,
                scopes=scopes,
                expires_at=now + ACCESS_TOKEN_SECONDS,
                restriction=restriction,
                downscoped=downscoped,
                refresh_token=refresh.token if refresh else None,
            )
            self.access[token] = access
            return access, refresh

    def live_access(self, token: str) -> AccessRecord | None:
        with self.lock:
            record = self.access.get(token)
            if record is None or record.revoked or record.expires_at <= self.now():
                return None
            return record

    def revoke(self, token: str, client_id: str) -> None:
        """Revoke an access or refresh token and its pair partner.

        A token of another client is left alone, silently: answering 200 either
        way tells the caller nothing about other apps' tokens.
        """
        with self.lock:
            access = self.access.get(token)
            refresh = self.refresh.get(token)
            if access is not None and access.client_id == client_id:
                self._revoke_access(access.token)
                if access.refresh_token is not None:
                    self._revoke_refresh(access.refresh_token)
            if refresh is not None and refresh.client_id == client_id:
                self._revoke_refresh(refresh.token)
                self._revoke_access(refresh.access_token)

    def _revoke_access(self, token: str) -> None:
        record = self.access.get(token)
        if record is not None:
            self.access[token] = replace(record, revoked=True)

    def _revoke_refresh(self, token: str) -> None:
        record = self.refresh.get(token)
        if record is not None:
            self.refresh[token] = replace(record, revoked=True)

    # -- faults -------------------------------------------------------------------
    def take_fault(self, path: str) -> Fault | None:
        """The fault for this request, if any; consumes one use of the first in line."""
        with self.lock:
            queue = self.faults.get(path)
            if not queue:
                return None
            fault = queue[0]
            if fault.count <= 1:
                queue.popleft()
            else:
                queue[0] = replace(fault, count=fault.count - 1)
            return fault

    # -- items --------------------------------------------------------------------
    def visible_item(self, user_id: str, item_type: str, item_id: str) -> Item | None:
        """The item, if this user can see it (owns it; folder "0" is their root)."""
        with self.lock:
            if item_type == "folder" and item_id == ROOT_FOLDER_ID:
                return Item(ROOT_FOLDER_ID, "folder", "All Files", user_id, "")
            item = self.items.get(item_id)
            if item is None or item.item_type != item_type or item.owner_id != user_id:
                return None
            return item

    # -- counters -------------------------------------------------------------------
    def count_error(self, key: tuple[str, str]) -> None:
        with self.lock:
            self.error_counts[key] += 1

    def record_internal_error(self, error: BaseException) -> None:
        """An exception in the emulator's own code: kept (class and place), never printed."""
        frames = traceback.extract_tb(error.__traceback__)
        where = f" at {frames[-1].name}:{frames[-1].lineno}" if frames else ""
        with self.lock:
            if len(self.internal_errors) < MAX_INTERNAL_ERRORS:
                self.internal_errors.append(f"{type(error).__name__}{where}")
