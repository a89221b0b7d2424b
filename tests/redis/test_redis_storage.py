"""RedisTokenStorage against a real redis-server: the contract, one rule per test."""

from __future__ import annotations

import logging
import pickle
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
import redis
from boxauth.adapters.redis_records import names_of
from boxauth.adapters.redis_storage import RedisTokenStorage, check_redis_url, keys_from_text
from boxauth.adapters.storage import StorageLockTimeout

from boxauth import AccessToken, BoxConfigError
from boxauth.errors import StorageFailureKind
from boxauth.exceptions import BoxStorageError
from boxauth.identity import Owner

EXPIRES = time.time() + 36_000
ALICE = Owner("client-a", "oauth_user", "111")
BOB = Owner("client-a", "oauth_user", "222")


def token(access: str = "access-1", refresh: str | None = "refresh-1", **kw: Any) -> AccessToken:
    return AccessToken(
        access_token=access,
        refresh_token=refresh,
        expires_in=36_000,
        expires_at=EXPIRES,
        owner=kw.pop("owner", ALICE),
        **kw,
    )


def eventually(check: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


class Counting(redis.Redis):
    """A client that counts the commands it sends (the subscription has its own)."""

    commands = 0

    def execute_command(self, *args: Any, **options: Any) -> Any:
        self.commands += 1
        return super().execute_command(*args, **options)


@pytest.fixture
def make(redis_url: str, key: str, storages: list[Any]) -> Callable[..., RedisTokenStorage]:
    def build(**options: Any) -> RedisTokenStorage:
        name = options.pop("key", key)
        storage = RedisTokenStorage.from_url(redis_url, name, **options)
        storages.append(storage)
        return storage

    return build


def raw(redis_url: str, key: str) -> bytes | None:
    with redis.Redis.from_url(redis_url) as client:
        value = client.get(names_of(key).record)
    return value if isinstance(value, bytes) else None


# -- reads ---------------------------------------------------------------------------


def test_get_of_a_fresh_record_is_the_same_object_with_no_command(
    redis_url: str, key: str, storages: list[Any]
) -> None:
    client = Counting.from_url(redis_url)
    storage = RedisTokenStorage(client, key)
    storages.append(storage)
    stored = token()
    storage.store(stored)
    # Subscribed and vouched for (the first get() after subscribing reads once).
    eventually(lambda: storage.get() is stored and storage._view.fast() is not None)
    before = client.commands
    assert all(storage.get() is stored for _ in range(1000))
    assert client.commands == before


def test_a_write_elsewhere_reaches_every_copy(make: Callable[..., RedisTokenStorage]) -> None:
    mine, theirs = make(), make()
    first = token()
    mine.store(first)
    assert theirs.get() == first
    second = token("access-2", "refresh-2")
    theirs.store(second)
    eventually(lambda: mine.get() == second)
    theirs.clear()
    eventually(lambda: mine.get() is None)


def test_after_a_resubscription_a_reread_of_the_same_version_keeps_the_object(
    redis_url: str, key: str, storages: list[Any]
) -> None:
    client = Counting.from_url(redis_url)
    storage = RedisTokenStorage(client, key)
    storages.append(storage)
    held = token()
    storage.store(held)
    storage._view.subscribed()  # as after a reconnection: messages may have been missed
    before = client.commands
    assert storage.get() is held
    assert client.commands == before + 1  # it read Redis once, and kept the object


# -- compare-and-set -----------------------------------------------------------------


def _lapse(redis_url: str, key: str) -> None:
    """The holder's lease expires (a pause longer than the lease)."""
    with redis.Redis.from_url(redis_url) as client:
        client.delete(names_of(key).lease)


def test_a_late_writer_is_superseded_and_the_newer_token_stays(
    make: Callable[..., RedisTokenStorage], redis_url: str, key: str
) -> None:
    late, other = make(), make()
    late.store(token())
    newer = token("access-new", "refresh-new")
    with late.lock(5):
        assert late.get() == token()
        _lapse(redis_url, key)
        with other.lock(5):
            other.store(newer)
        with pytest.raises(BoxStorageError) as refused:
            late.store(token("access-late", "refresh-late"))
        assert refused.value.error.kind is StorageFailureKind.SUPERSEDED
        assert late.get() == newer  # the holder reads again and sees the newer token
    assert other.get() == newer
    assert b"access-late" not in (raw(redis_url, key) or b"")


def test_a_demotion_gives_way_to_the_successor_of_its_parent(
    make: Callable[..., RedisTokenStorage], redis_url: str, key: str
) -> None:
    renewer, refuser, third = make(), make(), make()
    parent = token()
    renewer.store(parent)
    successor = token("access-2", "refresh-2")
    with renewer.lock(5):
        assert renewer.get() == parent  # read v1, sends refresh-1 ... then pauses
        _lapse(redis_url, key)
        with refuser.lock(5):
            read = refuser.get()
            assert read == parent
            # Box said invalid_grant to refresh-1: the refuser drops the refresh token.
            demoted = AccessToken(
                access_token=parent.access_token,
                expires_in=parent.expires_in,
                expires_at=parent.expires_at,
                owner=parent.owner,
            )
            refuser.store(demoted)
        assert (raw(redis_url, key) or b"")[64:65] == b"d"
        eventually(lambda: third.get() == demoted)
        renewer.store(successor)  # over a demotion of what it read: allowed
    assert (raw(redis_url, key) or b"")[64:65] == b"t"
    eventually(lambda: third.get() == successor)


def test_a_demotion_never_replaces_a_demotion(
    make: Callable[..., RedisTokenStorage], redis_url: str, key: str
) -> None:
    first, second = make(), make()
    parent = token()
    first.store(parent)
    bare = AccessToken(
        access_token=parent.access_token, expires_at=parent.expires_at, owner=parent.owner
    )
    with first.lock(5):
        first.get()
        _lapse(redis_url, key)
        with second.lock(5):
            second.get()
            second.store(bare)
        with pytest.raises(BoxStorageError) as refused:
            first.store(bare)
        assert refused.value.error.kind is StorageFailureKind.SUPERSEDED


def test_a_clear_under_a_lapsed_lease_never_drops_a_newer_token(
    make: Callable[..., RedisTokenStorage], redis_url: str, key: str
) -> None:
    revoker, late = make(), make()
    revoker.store(token())
    newer = token("access-new", "refresh-new")
    with revoker.lock(5):
        revoker.get()  # it revokes what it read at Box ... and pauses
        _lapse(redis_url, key)
        with late.lock(5):
            late.store(newer)
        with pytest.raises(BoxStorageError) as refused:
            revoker.clear()
        assert refused.value.error.kind is StorageFailureKind.SUPERSEDED
        assert "not clearing" in refused.value.error.detail
    assert make().get() == newer  # kept, for the next revoke to revoke too


def test_a_holder_whose_lease_went_to_another_learns_it_before_reading_again(
    make: Callable[..., RedisTokenStorage], redis_url: str, key: str
) -> None:
    paused, other = make(), make()
    paused.store(token())
    newer = token("access-new", "refresh-new")
    with paused.lock(5):
        paused.get()
        _lapse(redis_url, key)
        with other.lock(5):
            other.store(newer)
            with pytest.raises(BoxStorageError) as superseded:
                paused.store(token("access-late", "refresh-late"))
            assert superseded.value.error.kind is StorageFailureKind.SUPERSEDED
            with pytest.raises(BoxStorageError) as lost:
                paused.get()  # reading again would let it renew behind the holder
            assert lost.value.error.kind is StorageFailureKind.LOCK
        assert paused.get() == newer  # the lease is free again: it regains it and reads


def test_store_outside_the_lock_writes_whatever_is_there(
    make: Callable[..., RedisTokenStorage],
) -> None:
    storage, other = make(), make()
    storage.store(token())
    seeded = token("seeded", "seeded-refresh")
    other.store(seeded)
    eventually(lambda: storage.get() == seeded)


# -- the lease -----------------------------------------------------------------------


def test_the_lease_excludes_every_other_storage(make: Callable[..., RedisTokenStorage]) -> None:
    holder, waiter = make(), make()
    with holder.lock(5):
        with pytest.raises(StorageLockTimeout), waiter.lock(0):
            pass
        started = time.monotonic()
        with pytest.raises(StorageLockTimeout), waiter.lock(0.3):
            pass
        assert time.monotonic() - started >= 0.3
    with waiter.lock(5):
        pass


def test_a_waiter_gets_the_lease_when_it_is_released(
    make: Callable[..., RedisTokenStorage],
) -> None:
    holder, waiter = make(), make()
    got = threading.Event()

    def wait() -> None:
        with waiter.lock(10):
            got.set()

    with holder.lock(5):
        thread = threading.Thread(target=wait)
        thread.start()
        time.sleep(0.2)
        assert not got.is_set()
    thread.join(10)
    assert got.is_set()


def test_a_dead_holders_lease_expires(
    make: Callable[..., RedisTokenStorage], redis_url: str, key: str
) -> None:
    with redis.Redis.from_url(redis_url) as client:
        client.set(names_of(key).lease, "a-holder-that-died", px=1000)
    storage = make()
    with pytest.raises(StorageLockTimeout), storage.lock(0):
        pass
    with storage.lock(5):
        pass


def test_the_keeper_extends_a_lease_held_past_its_length(
    make: Callable[..., RedisTokenStorage],
) -> None:
    holder, other = make(lease_s=2.0), make(lease_s=2.0)
    with holder.lock(5):
        ends = time.monotonic() + 4.5  # more than two lease lengths
        while time.monotonic() < ends:
            with pytest.raises(StorageLockTimeout), other.lock(0):
                pass
            time.sleep(0.2)
    with other.lock(5):
        pass


def test_the_lock_is_reentrant_in_one_thread(make: Callable[..., RedisTokenStorage]) -> None:
    storage, other = make(), make()
    with storage.lock(1), storage.lock(1):
        storage.store(token())
    with other.lock(0):  # fully released
        pass


def test_a_lease_released_by_someone_else_is_not_ours_to_release(
    make: Callable[..., RedisTokenStorage], redis_url: str, key: str
) -> None:
    first, second = make(), make()
    with first.lock(5):
        _lapse(redis_url, key)
        with second.lock(5):
            pass  # a release only deletes its own owner value
        with redis.Redis.from_url(redis_url) as client:
            assert client.get(names_of(key).lease) is None


# -- encryption and identity ------------------------------------------------------------

KEY1, KEY2, KEY3 = b"1" * 32, b"2" * 16, b"3" * 24


def test_a_sealed_record_shows_no_token_and_opens_with_any_listed_key(
    make: Callable[..., RedisTokenStorage], redis_url: str, key: str
) -> None:
    writer = make(encryption_keys=[KEY1])
    stored = token("visible-access-marker", "visible-refresh-marker")
    writer.store(stored)
    value = raw(redis_url, key) or b""
    assert b"visible-access-marker" not in value and b"visible-refresh-marker" not in value
    assert make(encryption_keys=[KEY2, KEY1]).get() == stored  # rotation: old key still opens


def test_records_that_do_not_open_read_as_empty_with_a_warning(
    make: Callable[..., RedisTokenStorage],
    redis_url: str,
    key: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="boxauth")
    make(encryption_keys=[KEY1]).store(token())
    assert make(encryption_keys=[KEY3]).get() is None  # not our key
    assert make().get() is None  # sealed, and this one has no keys
    texts = " ".join(r.getMessage() for r in caplog.records)
    assert "not in encryption_keys" in texts and "no encryption_keys are set" in texts


def test_a_record_copied_to_another_key_or_identity_does_not_open(
    make: Callable[..., RedisTokenStorage], redis_url: str, key: str
) -> None:
    make(encryption_keys=[KEY1]).store(token())
    value = raw(redis_url, key) or b""
    with redis.Redis.from_url(redis_url) as client:
        client.set(names_of(key + "-copy").record, value)
        relabelled = value.replace(b'"111"', b'"222"')
        assert relabelled != value
        client.set(names_of(key + "-bob").record, relabelled)
    assert make(key=key + "-copy", encryption_keys=[KEY1]).get() is None
    assert make(key=key + "-bob", encryption_keys=[KEY1]).get() is None
    assert make(encryption_keys=[KEY1]).get() == token()


def test_with_encryption_a_clear_record_is_never_used(
    make: Callable[..., RedisTokenStorage],
) -> None:
    make().store(token("planted", "planted-refresh", owner=BOB))
    assert make(encryption_keys=[KEY1]).get() is None


def test_a_corrupt_record_reads_as_empty_and_the_next_store_replaces_it(
    make: Callable[..., RedisTokenStorage],
    redis_url: str,
    key: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="boxauth")
    with redis.Redis.from_url(redis_url) as client:
        client.set(names_of(key).record, b"secret-looking-garbage" * 3)
    storage = make()
    assert storage.get() is None
    assert "not a boxauth record" in caplog.text and "garbage" not in caplog.text
    with storage.lock(5):
        storage.get()
        storage.store(token())
    assert make().get() == token()


def test_a_record_too_large_to_be_ours_is_not_read_whole(
    make: Callable[..., RedisTokenStorage], redis_url: str, key: str
) -> None:
    with redis.Redis.from_url(redis_url) as client:
        client.set(names_of(key).record, b"0" * 64 + b"t" + b"x" * 600_000)
    assert make().get() is None


# -- URLs, arguments, failures ----------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("redis://127.0.0.1:6379/0", True),
        ("redis://localhost", True),
        ("redis://[::1]:6379", True),
        ("rediss://cache.example.com:6380/1", True),
        ("rediss://user:pw@cache.example.com:6380/1", True),
        ("unix:///run/redis.sock", True),
        ("redis://cache.example.com:6379", False),
        ("http://127.0.0.1", False),
        ("redis://127.0.0.1:notaport", False),
        ("redis://", False),
        ("redis://127.0.0.1/0 x", False),
        ("redis://127.0.0.1:6379?db=2", True),  # the database, as redis-py reads it
        ("unix:///run/redis.sock?db=1", True),
        # redis-py takes query options over the storage's own: TLS checks, timeouts.
        ("rediss://u:pw@cache.example.com:6380/0?ssl_cert_reqs=none", False),
        ("rediss://cache.example.com:6380/0?ssl_check_hostname=false", False),
        ("redis://127.0.0.1:6379/0?socket_timeout=20", False),
        ("redis://127.0.0.1:6379/0?db=1&socket_connect_timeout=20", False),
        ("redis://127.0.0.1:6379/0?=x", False),
        ("redis://127.0.0.1:6379/0#frag", False),
    ],
)
def test_urls(url: str, ok: bool) -> None:
    checked = check_redis_url(url)
    assert checked.value_or(None) == (url if ok else None)


def test_a_query_option_is_refused_without_quoting_the_url() -> None:
    """A URL option would beat the storage's TLS verification or socket timeout in
    redis-py: refused as configuration, the password never shown."""
    with pytest.raises(BoxConfigError) as refused:
        RedisTokenStorage.from_url(
            "rediss://u:hunter2-pass@cache.example.com:6380/0?ssl_cert_reqs=none", "k"
        )
    assert refused.value.field == "url" and "query option" in str(refused.value)
    assert "hunter2" not in str(refused.value) and "ssl_cert_reqs" not in str(refused.value)


def test_plain_redis_to_a_remote_host_needs_allow_insecure() -> None:
    with pytest.raises(BoxConfigError) as refused:
        RedisTokenStorage.from_url("redis://u:hunter2-pass@cache.example.com:6379/0", "k")
    assert refused.value.field == "url" and "hunter2" not in str(refused.value)
    storage = RedisTokenStorage.from_url(
        "redis://u:hunter2-pass@cache.example.com:6379/0", "k", allow_insecure=True
    )
    assert "hunter2" not in repr(storage) and "cache.example.com" in repr(storage)
    storage.close()


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"key": "a{b}"}, "key"),
        ({"key": ""}, "key"),
        ({"key": "x" * 129}, "key"),
        ({"key": 7}, "key"),
        ({"lease_s": 0.5}, "lease_s"),
        ({"lease_s": float("nan")}, "lease_s"),
        ({"lease_s": True}, "lease_s"),
        ({"encryption_keys": b"k" * 32}, "encryption_keys"),
        ({"encryption_keys": []}, "encryption_keys"),
        ({"encryption_keys": [b"short"]}, "encryption_keys[0]"),
        ({"encryption_keys": [KEY1, KEY1]}, "encryption_keys"),
    ],
)
def test_bad_arguments_are_config_errors(options: dict[str, Any], field: str) -> None:
    client = redis.Redis(host="127.0.0.1", port=1)
    name = options.pop("key", "fine")
    with pytest.raises(BoxConfigError) as refused:
        RedisTokenStorage(client, name, **options)
    assert refused.value.field == field
    assert "kkkk" not in str(refused.value) and "1111" not in str(refused.value)


def test_not_a_client_is_a_config_error() -> None:
    with pytest.raises(BoxConfigError) as refused:
        RedisTokenStorage("redis://127.0.0.1", "k")
    assert refused.value.field == "redis"


def test_keys_from_text() -> None:
    import base64

    text = ",".join(base64.b64encode(k).decode() for k in (KEY1, KEY2))
    assert keys_from_text(text).unwrap() == (KEY1, KEY2)
    assert keys_from_text("not base64!").value_or(None) is None
    assert keys_from_text(base64.b64encode(b"short").decode()).value_or(None) is None


def test_storage_cannot_be_pickled(make: Callable[..., RedisTokenStorage]) -> None:
    with pytest.raises(TypeError):
        pickle.dumps(make(encryption_keys=[KEY1]))


def _no_chain(exc: BaseException) -> None:
    assert exc.__cause__ is None and exc.__context__ is None


def test_redis_unreachable_is_a_typed_failure_never_a_redis_exception(
    storages: list[Any],
) -> None:
    storage = RedisTokenStorage.from_url("redis://127.0.0.1:1/0", "down", socket_timeout=0.5)
    storages.append(storage)
    for call, kind in (
        (storage.get, StorageFailureKind.READ),
        (lambda: storage.store(token()), StorageFailureKind.WRITE),
        (storage.clear, StorageFailureKind.CLEAR),
        (lambda: storage.lock(1).__enter__(), StorageFailureKind.LOCK),
    ):
        with pytest.raises(BoxStorageError) as failed:
            call()
        assert failed.value.error.kind is kind
        assert "down" in failed.value.error.detail and "cannot reach Redis" in str(failed.value)
        _no_chain(failed.value)


def test_a_wrong_password_is_typed_and_never_shown(
    redis_server: Any, redis_url: str, storages: list[Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with redis_server.client() as admin:
        admin.execute_command(
            "ACL", "SETUSER", "fleet", "on", ">right-pass-7731", "~*", "&*", "+@all"
        )
    base = f"127.0.0.1:{redis_server.port}/0"
    wrong = RedisTokenStorage.from_url(f"redis://fleet:wrong-pass-9982@{base}", "acl")
    right = RedisTokenStorage.from_url(f"redis://fleet:right-pass-7731@{base}", "acl")
    storages += [wrong, right]
    with pytest.raises(BoxStorageError) as failed:
        wrong.get()
    assert "refused the credentials" in str(failed.value)
    _no_chain(failed.value)
    right.store(token())
    assert right.get() == token()
    for text in (
        repr(wrong),
        repr(right),
        str(failed.value),
        repr(failed.value.error),
        caplog.text,
    ):
        assert "wrong-pass-9982" not in text and "right-pass-7731" not in text


def test_while_redis_is_down_the_held_token_is_served_with_one_warning(
    own_redis: Any, storages: list[Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="boxauth")
    storage = RedisTokenStorage.from_url(own_redis.url, "outage", socket_timeout=0.5)
    storages.append(storage)
    held = token()
    storage.store(held)
    own_redis.kill()
    eventually(lambda: storage._view.fast() is None)  # the subscription stops vouching
    assert all(storage.get() is held for _ in range(20))
    assert caplog.text.count("using the token held in memory") == 1
    with pytest.raises(BoxStorageError) as failed:
        storage.lock(1).__enter__()
    assert failed.value.error.kind is StorageFailureKind.LOCK
    own_redis.start()
    eventually(lambda: storage.get() == held and storage._view.fast() is not None, timeout=10)


def test_import_boxauth_never_imports_redis() -> None:
    code = (
        "import sys, boxauth\n"
        "boxauth.RedisTokenStorage\n"
        "from boxauth.adapters import redis_storage\n"
        "assert 'redis' not in sys.modules, 'imported redis'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_lease_record_and_channel_share_one_cluster_slot() -> None:
    from redis.crc import key_slot

    for name in ("a", "prod-ccg", "user:42/x"):
        names = names_of(name)
        slots = {key_slot(n.encode()) for n in (names.record, names.lease, names.channel)}
        assert len(slots) == 1
