"""The Python-side API of the emulator: registration and test controls.

``BoxEmulator`` (server.py) inherits this; it is split out so the HTTP code
and the registration code each stay short. Every method takes the state lock.
"""

from __future__ import annotations

from collections import deque
from dataclasses import replace

from .records import (
    FAULT_KINDS,
    GRANT_NAMES,
    USER_KINDS,
    USER_ROLES,
    App,
    Fault,
    Item,
    PublicKey,
    TokenInfo,
    User,
)
from .scopes import DEFAULT_APP_SCOPES, KNOWN_SCOPES
from .shapes import DEFAULT_SHAPES, TOKEN_BODY_SHAPES, BodyShape
from .state import GRANT_TYPES, ROOT_FOLDER_ID, State, random_token

DEFAULT_REDIRECT_URI = "http://127.0.0.1/callback"


class Registry:
    def __init__(self, state: State) -> None:
        self._state = state

    # -- registration ---------------------------------------------------------------
    def add_enterprise(self, name: str = "Emulated Enterprise") -> str:
        with self._state.lock:
            enterprise_id = self._state.new_id()
            self._state.enterprises[enterprise_id] = name
            return enterprise_id

    def add_app(
        self,
        enterprise_id: str,
        grants: set[str] | frozenset[str] | None = None,
        redirect_uris: list[str] | tuple[str, ...] | None = None,
        allow_user_tokens: bool = True,
        scopes: set[str] | frozenset[str] | None = None,
        *,
        as_user: bool = False,
        authorized: bool = True,
    ) -> App:
        """Register an app and its Service Account. ``grants`` defaults to all five
        (jwt, client_credentials, authorization_code, refresh_token, token_exchange);
        ``scopes`` to the standard scopes in ``scopes.DEFAULT_APP_SCOPES``.
        ``as_user`` is the console's "Make API calls using the as-user header"
        (off by default, as in Box); ``authorized`` whether an admin approved the
        app (JWT and CCG grants are refused until then)."""
        grant_set = frozenset(GRANT_NAMES if grants is None else grants)
        if not grant_set <= GRANT_NAMES:
            raise ValueError(f"unknown grants: {sorted(grant_set - GRANT_NAMES)}")
        scope_set = frozenset(DEFAULT_APP_SCOPES if scopes is None else scopes)
        if not scope_set <= KNOWN_SCOPES:
            raise ValueError(f"unknown scopes: {sorted(scope_set - KNOWN_SCOPES)}")
        uris = tuple([DEFAULT_REDIRECT_URI] if redirect_uris is None else redirect_uris)
        with self._state.lock:
            self._enterprise(enterprise_id)
            client_id = random_token().lower()
            service_account = self.add_user(
                enterprise_id,
                name="Service Account",
                login=f"AutomationUser_{client_id[:8]}@boxdevedition.com",
                kind="service_account",
            )
            app = App(
                client_id=client_id,
                client_secret=random_token(),
                enterprise_id=enterprise_id,
                service_account_id=service_account,
                grants=grant_set,
                redirect_uris=uris,
                allow_user_tokens=allow_user_tokens,
                scopes=scope_set,
                authorized=authorized,
                as_user=as_user,
            )
            self._state.apps[client_id] = app
            return app

    def set_app_authorized(self, client_id: str, authorized: bool) -> None:
        """An admin approves (or revokes approval of) a JWT or CCG app."""
        with self._state.lock:
            app = self._app(client_id)
            self._state.apps[client_id] = replace(app, authorized=authorized)

    def add_public_key(self, client_id: str, key_id: str, public_key_pem: bytes) -> None:
        # Imported here: cryptography is slow to import and a standalone
        # emulator without --fixture-out never needs it.
        from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey  # noqa: PLC0415
        from cryptography.hazmat.primitives.serialization import (  # noqa: PLC0415
            load_pem_public_key,
        )

        key = load_pem_public_key(public_key_pem)
        if not isinstance(key, RSAPublicKey):
            raise ValueError("Box app keys are RSA keys")
        with self._state.lock:
            self._app(client_id)
            self._state.keys.setdefault(client_id, {})[key_id] = PublicKey(key_id, key)

    def add_user(
        self,
        enterprise_id: str,
        name: str = "User",
        login: str | None = None,
        kind: str = "managed",
        role: str = "user",
    ) -> str:
        """A managed user or an app user (kind "managed" or "app_user"); ``role`` is
        "admin", "coadmin" or "user" (an admin's token may use As-User)."""
        if kind not in USER_KINDS:
            raise ValueError(f"unknown user kind {kind!r}")
        if role not in USER_ROLES:
            raise ValueError(f"unknown user role {role!r}")
        with self._state.lock:
            self._enterprise(enterprise_id)
            user_id = self._state.new_id()
            if login is None:
                login = f"user{user_id}@example.com"
            self._state.users[user_id] = User(
                user_id, enterprise_id, name, login, kind, role, self._state.now()
            )
            return user_id

    def add_developer_token(self, user_id: str, client_id: str) -> str:
        """An access token for ``user_id`` through ``client_id``; 3600 s, no refresh."""
        with self._state.lock:
            self._user(user_id)
            app = self._app(client_id)
            access, _ = self._state.issue_access(client_id, user_id, app.scopes)
            return access.token

    def add_folder(self, owner_user_id: str, name: str, parent_id: str = ROOT_FOLDER_ID) -> str:
        return self._add_item("folder", owner_user_id, name, parent_id)

    def add_file(self, owner_user_id: str, name: str, parent_id: str = ROOT_FOLDER_ID) -> str:
        return self._add_item("file", owner_user_id, name, parent_id)

    def add_shared_link(self, item_id: str) -> str:
        """An open shared link to a file or folder, usable as ``box_shared_link``."""
        with self._state.lock:
            if item_id not in self._state.items:
                raise KeyError(f"no item {item_id}")
            url = f"https://app.box.com/s/{random_token().lower()}"
            self._state.shared_links[url] = item_id
            return url

    def set_authorize_user(self, user_id: str) -> None:
        """The user who approves every GET /api/oauth2/authorize."""
        with self._state.lock:
            self._user(user_id)
            self._state.authorize_user = user_id

    def _add_item(self, item_type: str, owner: str, name: str, parent_id: str) -> str:
        with self._state.lock:
            self._user(owner)
            if parent_id != ROOT_FOLDER_ID:
                parent = self._state.items.get(parent_id)
                if parent is None or parent.item_type != "folder" or parent.owner_id != owner:
                    raise KeyError(f"no folder {parent_id} owned by {owner}")
            item_id = self._state.new_id()
            version = self._state.new_id() if item_type == "file" else ""
            self._state.items[item_id] = Item(
                item_id, item_type, name, owner, parent_id, self._state.now(), version
            )
            return item_id

    def _enterprise(self, enterprise_id: str) -> None:
        if enterprise_id not in self._state.enterprises:
            raise KeyError(f"no enterprise {enterprise_id}")

    def _app(self, client_id: str) -> App:
        app = self._state.apps.get(client_id)
        if app is None:
            raise KeyError("no app with that client_id")
        return app

    def _user(self, user_id: str) -> User:
        user = self._state.users.get(user_id)
        if user is None:
            raise KeyError(f"no user {user_id}")
        return user

    # -- clock ----------------------------------------------------------------------
    @property
    def clock_offset(self) -> float:
        """Seconds added to time.time() to get the emulator's clock."""
        with self._state.lock:
            return self._state.clock_offset

    @clock_offset.setter
    def clock_offset(self, seconds: float) -> None:
        with self._state.lock:
            self._state.clock_offset = float(seconds)

    def advance(self, seconds: float) -> None:
        with self._state.lock:
            self._state.clock_offset += seconds

    def now(self) -> float:
        return self._state.now()

    # -- token answers -------------------------------------------------------------
    def set_token_body(self, shape: str | BodyShape, *, grant: str | None = None) -> None:
        """Answer token requests in another documented shape (shapes.py).

        ``shape`` is a name in ``TOKEN_BODY_SHAPES`` ("oauth_guide",
        "server_guide", "downscope_guide", "schema", "minimal") or a
        ``BodyShape``; ``grant`` one of the grant names ("jwt",
        "client_credentials", "authorization_code", "refresh_token",
        "token_exchange"), or None for all five.
        """
        chosen = TOKEN_BODY_SHAPES.get(shape) if isinstance(shape, str) else shape
        if not isinstance(chosen, BodyShape):
            raise ValueError(f"unknown token body shape; one of {sorted(TOKEN_BODY_SHAPES)}")
        if grant is not None and grant not in GRANT_NAMES:
            raise ValueError(f"unknown grant; one of {sorted(GRANT_NAMES)}")
        with self._state.lock:
            for name in [grant] if grant is not None else sorted(GRANT_NAMES):
                self._state.token_shapes[name] = chosen

    def reset_token_body(self) -> None:
        """Back to each grant's default shape (``shapes.DEFAULT_SHAPES``)."""
        with self._state.lock:
            for name, preset in DEFAULT_SHAPES.items():
                self._state.token_shapes[name] = TOKEN_BODY_SHAPES[preset]

    # -- faults ---------------------------------------------------------------------
    def inject_fault(
        self,
        path: str,
        kind: str,
        *,
        count: int = 1,
        status: int | None = None,
        retry_after: str | None = None,
        body: bytes | str | None = None,
        seconds: float = 0.0,
    ) -> None:
        """Misbehave on the next ``count`` requests to ``path`` (faults queue in order).

        kind "status": answer ``status`` (default 500) with ``body`` or a Box
        ClientError JSON, plus Retry-After if given. "delay": wait ``seconds``,
        then answer normally. "drop": close the connection without answering.
        "malformed": answer ``status`` (default 200) with ``body`` (default
        b"not json"). Counters still count a faulted request.
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}")
        if count < 1:
            raise ValueError("count must be at least 1")
        raw = body.encode() if isinstance(body, str) else body
        fault = Fault(path, kind, count, status, retry_after, raw, seconds)
        with self._state.lock:
            self._state.faults.setdefault(path, deque()).append(fault)

    def clear_faults(self) -> None:
        with self._state.lock:
            self._state.faults.clear()

    # -- counters -------------------------------------------------------------------
    @property
    def grant_counts(self) -> dict[str, int]:
        """Token requests by grant_type received, accepted or not ("" = none sent)."""
        with self._state.lock:
            counts = dict.fromkeys(GRANT_TYPES, 0)
            counts.update(self._state.grant_counts)
            return counts

    def request_count(self, path: str | None = None) -> int:
        with self._state.lock:
            if path is None:
                return sum(self._state.request_counts.values())
            return self._state.request_counts[path]

    @property
    def error_counts(self) -> dict[tuple[str, str], int]:
        """Errors answered by rule, keyed by (error, error_description).

        API errors use (code, message), e.g. ("invalid_token", ...) for a 401.
        Injected faults are not counted here.
        """
        with self._state.lock:
            return dict(self._state.error_counts)

    @property
    def internal_errors(self) -> list[str]:
        """Exceptions in the emulator's own code (class and function:line), each answered
        500 and never printed. A test can assert this is empty."""
        with self._state.lock:
            return list(self._state.internal_errors)

    def reset_counters(self) -> None:
        with self._state.lock:
            self._state.grant_counts.clear()
            self._state.request_counts.clear()
            self._state.error_counts.clear()

    # -- inspection -----------------------------------------------------------------
    def token_info(self, access_token: str) -> TokenInfo | None:
        with self._state.lock:
            record = self._state.access.get(access_token)
            if record is None:
                return None
            return TokenInfo(
                user_id=record.user_id,
                client_id=record.client_id,
                scopes=record.scopes,
                restricted_to=record.restriction,
                expires_at=record.expires_at,
                revoked=record.revoked,
                downscoped=record.downscoped,
            )

    def refresh_token_is_live(self, refresh_token: str) -> bool:
        with self._state.lock:
            record = self._state.refresh.get(refresh_token)
            return (
                record is not None
                and not record.used
                and not record.revoked
                and record.expires_at > self._state.now()
            )


__all__ = ["DEFAULT_REDIRECT_URI", "Registry"]
