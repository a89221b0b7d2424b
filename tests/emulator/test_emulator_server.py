"""Lifecycle, network, headers, faults, counters, concurrency, the fixture and the CLI."""

from __future__ import annotations

import http.client
import json
import threading
import time
from email.utils import parsedate_to_datetime

import pytest
from boxauth.adapters.emulator import BoxEmulator, make_app_fixture
from cryptography.hazmat.primitives.serialization import load_pem_private_key


# -- lifecycle and network ------------------------------------------------------------------
@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com", "::"])  # noqa: S104
def test_refuses_non_loopback_host(host) -> None:
    with pytest.raises(ValueError, match="loopback"):
        BoxEmulator(host=host)


def test_non_loopback_allowed_only_when_asked() -> None:
    emu = BoxEmulator(host="0.0.0.0", allow_non_loopback=True)  # noqa: S104 - never started
    assert emu.clock_offset == 0.0


def test_context_manager_and_urls() -> None:
    with BoxEmulator() as emu:
        assert emu.base_url == f"http://127.0.0.1:{emu.port}"
        assert emu.oauth_2_url == emu.base_url + "/api/oauth2"
        port = emu.port
    with pytest.raises(ConnectionRefusedError):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", "/2.0/users/me")


def test_stop_closes_idle_keepalive_connections(env) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", env.emu.port, timeout=5)
    conn.request("GET", "/2.0/users/me")
    assert conn.getresponse().read() == b""
    started = time.monotonic()
    env.emu.stop()
    assert time.monotonic() - started < 3


def test_keep_alive_serves_several_requests(env) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", env.emu.port, timeout=5)
    token = env.user_token()
    for _ in range(3):
        conn.request("GET", "/2.0/users/me", headers={"Authorization": f"Bearer {token}"})
        assert conn.getresponse().read()
    conn.close()


# -- headers ---------------------------------------------------------------------------
def test_date_header_is_the_server_clock(env) -> None:
    env.emu.clock_offset = -3600.0
    for answer in (env.token(env.ccg_form()), env.get("/2.0/users/me"), env.authorize()):
        server = parsedate_to_datetime(answer.headers["Date"]).timestamp()
        assert abs(server - (time.time() - 3600)) < 5
        assert answer.headers["Date"].endswith(" GMT")
        assert answer.headers["box-request-id"]


def test_advance_and_now(env) -> None:
    before = env.emu.now()
    env.emu.advance(100)
    assert env.emu.clock_offset == 100.0 and env.emu.now() - before >= 100


def test_request_ids_differ(env) -> None:
    ids = {env.get("/2.0/users/me").headers["box-request-id"] for _ in range(3)}
    assert len(ids) == 3


def test_unknown_path_is_404(env) -> None:
    assert env.get("/nothing").status == 404


# -- faults ------------------------------------------------------------------------------
def test_fault_status_with_retry_after_then_normal(env) -> None:
    env.emu.inject_fault(path="/oauth2/token", kind="status", count=2, status=429,
                         retry_after="1")
    for _ in range(2):
        answer = env.token(env.ccg_form())
        assert answer.status == 429 and answer.headers["Retry-After"] == "1"
        assert answer.json()["code"] == "rate_limit_exceeded"
        assert answer.headers["Date"] and answer.headers["box-request-id"]
    assert env.token(env.ccg_form()).status == 200
    assert env.emu.grant_counts["client_credentials"] == 3


@pytest.mark.parametrize("status", [500, 502, 503])
def test_fault_5xx(env, status) -> None:
    env.emu.inject_fault(path="/oauth2/token", kind="status", status=status)
    assert env.token(env.ccg_form()).status == status


def test_fault_custom_body(env) -> None:
    env.emu.inject_fault(path="/2.0/users/me", kind="status", status=503, body=b"busy")
    assert env.get("/2.0/users/me").body == b"busy"


def test_fault_delay(env) -> None:
    env.emu.inject_fault(path="/oauth2/token", kind="delay", count=1, seconds=0.4)
    started = time.monotonic()
    assert env.token(env.ccg_form()).status == 200
    assert time.monotonic() - started >= 0.4


def test_fault_drop(env) -> None:
    env.emu.inject_fault(path="/oauth2/token", kind="drop", count=1)
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        env.token(env.ccg_form())
    assert env.token(env.ccg_form()).status == 200
    assert env.emu.grant_counts["client_credentials"] == 2


def test_fault_malformed(env) -> None:
    env.emu.inject_fault(path="/oauth2/token", kind="malformed", count=1, body=b"not json",
                         status=200)
    answer = env.token(env.ccg_form())
    assert (answer.status, answer.body) == (200, b"not json")


def test_faults_queue_in_order_per_path(env) -> None:
    env.emu.inject_fault(path="/oauth2/token", kind="status", status=500)
    env.emu.inject_fault(path="/oauth2/token", kind="status", status=502, count=2)
    env.emu.inject_fault(path="/oauth2/revoke", kind="status", status=503)
    statuses = [env.token(env.ccg_form()).status for _ in range(4)]
    assert statuses == [500, 502, 502, 200]


def test_clear_faults(env) -> None:
    env.emu.inject_fault(path="/oauth2/token", kind="status", status=500, count=5)
    env.emu.clear_faults()
    assert env.token(env.ccg_form()).status == 200


def test_inject_fault_checks_its_arguments(env) -> None:
    with pytest.raises(ValueError):
        env.emu.inject_fault(path="/oauth2/token", kind="explode")
    with pytest.raises(ValueError):
        env.emu.inject_fault(path="/oauth2/token", kind="drop", count=0)


# -- counters ------------------------------------------------------------------------------
def test_counters_and_reset(env) -> None:
    env.emu.reset_counters()
    env.token(env.ccg_form())
    env.token(env.ccg_form(client_secret="bad"))
    env.get("/2.0/users/me")
    assert env.emu.request_count() == 3
    assert env.emu.request_count(path="/oauth2/token") == 2
    assert env.emu.grant_counts["client_credentials"] == 2
    assert env.emu.grant_counts[env.JWT_GRANT] == 0
    assert env.emu.error_counts == {
        ("invalid_grant", "Grant credentials are invalid"): 1,
        ("invalid_token", "The access token provided is invalid."): 1,
    }
    env.emu.reset_counters()
    assert env.emu.request_count() == 0 and env.emu.error_counts == {}
    assert env.emu.grant_counts["client_credentials"] == 0


def test_token_info(env) -> None:
    token = env.user_token()
    info = env.emu.token_info(token)
    assert info.user_id == env.user and not info.revoked and info.restricted_to is None
    assert abs(info.expires_at - (env.emu.now() + 3600)) < 5
    assert env.emu.token_info("nope") is None


# -- concurrency ---------------------------------------------------------------------------
def test_64_clients_at_once(env) -> None:
    barrier = threading.Barrier(64)
    results: list[int] = []
    lock = threading.Lock()

    def one() -> None:
        barrier.wait()
        status = env.token(env.jwt_form(env.assertion())).status
        with lock:
            results.append(status)

    threads = [threading.Thread(target=one) for _ in range(64)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results == [200] * 64
    assert env.emu.grant_counts[env.JWT_GRANT] == 64


def test_one_refresh_token_raced_by_many_wins_once(env) -> None:
    token = env.pair()["refresh_token"]
    form = {"grant_type": "refresh_token", "refresh_token": token, "client_id": env.client_id,
            "client_secret": env.secret}
    statuses: list[int] = []
    barrier = threading.Barrier(16)

    def one() -> None:
        barrier.wait()
        statuses.append(env.token(form).status)

    threads = [threading.Thread(target=one) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(statuses) == [200] + [400] * 15


# -- fixture ---------------------------------------------------------------------------------
def test_make_app_fixture(emulator) -> None:
    fx = make_app_fixture(emulator, passphrase="correct horse")
    config = json.loads(fx.config_json)
    assert list(config) == ["boxAppSettings", "enterpriseID"]
    assert list(config["boxAppSettings"]) == ["clientID", "clientSecret", "appAuth"]
    assert list(config["boxAppSettings"]["appAuth"]) == ["publicKeyID", "privateKey", "passphrase"]
    assert config["enterpriseID"] == fx.enterprise_id
    assert config["boxAppSettings"]["appAuth"]["publicKeyID"] == fx.key_id
    assert fx.private_key_pem.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    key = load_pem_private_key(fx.private_key_pem.encode(), b"correct horse")
    assert key.key_size == 2048  # type: ignore[union-attr]
    assert fx.redirect_uri == "http://127.0.0.1/callback"
    assert fx.enterprise_id.isdigit() and fx.user_id.isdigit() and fx.file_id.isdigit()


def test_fixture_repr_hides_secrets(emulator) -> None:
    fx = make_app_fixture(emulator)
    shown = repr(fx)
    for secret in (fx.client_secret, fx.passphrase, "PRIVATE KEY", fx.config_json):
        assert secret not in shown
    assert fx.client_secret not in repr(emulator.add_app(enterprise_id=fx.enterprise_id))


def test_fixture_key_signs_a_working_jwt(emulator, env) -> None:
    fx = make_app_fixture(emulator)
    key = load_pem_private_key(fx.private_key_pem.encode(), fx.passphrase.encode())
    claims = {"iss": fx.client_id, "sub": fx.user_id, "box_sub_type": "user", "aud": env.AUD,
              "jti": "f" * 32, "exp": int(emulator.now()) + 30}
    assertion = env.sign_jwt({"alg": "RS512", "typ": "JWT", "kid": fx.key_id}, claims, key,
                             "RS512")
    form = env.jwt_form(assertion, client_id=fx.client_id, client_secret=fx.client_secret)
    answer = env.token(form)
    assert answer.status == 200, answer.body
    me = env.get("/2.0/users/me", answer.json()["access_token"]).json()
    assert me["id"] == fx.user_id
    items = env.get("/2.0/folders/0/items", answer.json()["access_token"]).json()
    assert {e["id"] for e in items["entries"]} == {fx.folder_id, fx.file_id}


def test_fixture_without_user_tokens(emulator, env) -> None:
    fx = make_app_fixture(emulator, user_tokens=False)
    form = env.ccg_form(client_id=fx.client_id, client_secret=fx.client_secret,
                        box_subject_id=fx.user_id)
    assert env.token(form).status == 400
