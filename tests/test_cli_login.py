"""`boxauth login`: the loopback listener trusts no local client.

A dripping client cannot stall it; requests that are not the redirect are
refused with 400 and login keeps waiting; a client that hangs up prints
nothing; it says at once what arrived, or that the authorize page is not
there; a failed save is a failure; ``--open`` with a console browser does not
deadlock (README "Command line and demo", `login`).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
from cli_support import TIMEOUT, app, assert_error, deliver, free_port, run, start_login
from support import authorize_redirect

from boxauth import BoxOAuth, FileTokenStorage, OAuthConfig
from boxauth.access_token import AccessToken, token_to_json

__all__ = ["app"]


def finish(proc: subprocess.Popen[str], timeout: float = TIMEOUT) -> tuple[str, str]:
    try:
        return proc.communicate(timeout=timeout)
    finally:
        proc.kill()


def state_of(url: str) -> str:
    return dict(parse_qsl(urlsplit(url).query))["state"]


def with_query(location: str, **changes: str | None) -> str:
    parts = urlsplit(location)
    query = dict(parse_qsl(parts.query))
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return urlunsplit(parts._replace(query=urlencode(query)))


def read_line(proc: subprocess.Popen[str], within: float = 10.0) -> str:
    """The next stdout line, or fail if none comes within ``within`` seconds."""
    assert proc.stdout is not None
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(proc.stdout.readline()))  # type: ignore[union-attr]
    reader.start()
    reader.join(within)
    assert got, f"no line within {within} s"
    return got[0]


def test_requests_that_are_not_the_redirect_are_refused_and_login_keeps_waiting(
    box: Any, app: dict[str, Any]
) -> None:
    token_file = app["dir"] / "oauth.json"
    proc, url, port = start_login(app, token_file)
    assert read_line(proc).startswith("Waiting up to 300 s")
    location = authorize_redirect(url)
    code, state = dict(parse_qsl(urlsplit(location).query))["code"], state_of(url)
    base = f"http://127.0.0.1:{port}"
    notices = []
    try:
        # Each one: 400, one line at once (naming no query value), still waiting.
        assert deliver(f"{base}/wrong?code={code}&state={state}") == 400
        notices.append(read_line(proc))
        assert "a request for /wrong arrived, but the redirect path is /callback" in notices[-1]
        assert deliver(with_query(location, state=None)) == 400
        notices.append(read_line(proc))
        assert "without a state was refused" in notices[-1]
        assert deliver(with_query(location, state="forged-" + state)) == 400
        notices.append(read_line(proc))
        assert "possible CSRF" in notices[-1]
        assert not token_file.exists()
        # The real redirect still works.
        assert deliver(location) == 200
        out, err = finish(proc)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert err == ""
    assert out.startswith("Signed in")
    assert json.loads(token_file.read_text())["refresh_token"]
    for secret in (code, state):
        assert secret not in "".join(notices) + out


def test_a_dripping_client_neither_stalls_login_nor_outlives_the_timeout(
    box: Any, app: dict[str, Any]
) -> None:
    token_file = app["dir"] / "oauth.json"
    proc, _url, port = start_login(app, token_file, "--timeout", "2")
    stop = threading.Event()

    def drip() -> None:
        with socket.create_connection(("127.0.0.1", port)) as sock:
            for byte in b"GET /callback?code=x HTTP/1.1\r\n" * 100:
                if stop.wait(0.2):
                    return
                try:
                    sock.sendall(bytes([byte]))
                except OSError:
                    return

    drippers = [threading.Thread(target=drip, daemon=True) for _ in range(3)]
    started = time.monotonic()
    for dripper in drippers:
        dripper.start()
    try:
        _out, err = finish(proc)
    finally:
        stop.set()
    elapsed = time.monotonic() - started
    assert proc.returncode == 3
    assert err == "boxauth login: no redirect arrived within 2 s\n"
    assert elapsed < 2 + 1.5, elapsed  # --timeout is a hard bound


def test_the_redirect_is_served_while_40_clients_stall(box: Any, app: dict[str, Any]) -> None:
    token_file = app["dir"] / "oauth.json"
    proc, url, port = start_login(app, token_file)
    socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(40)]
    try:
        for sock in socks:
            sock.sendall(b"GET /callback?st")  # and then nothing
        # Served at once: were the listener serial, the stalled clients would
        # hold it for 40 x 10 s, far past deliver's own 10 s timeout.
        assert deliver(authorize_redirect(url)) == 200
        _out, err = finish(proc)
    finally:
        for sock in socks:
            sock.close()
        proc.kill()
    assert proc.returncode == 0, err


def test_a_client_that_hangs_up_early_prints_nothing(box: Any, app: dict[str, Any]) -> None:
    token_file = app["dir"] / "oauth.json"
    proc, url, port = start_login(app, token_file)
    try:
        for partial in (b"", b"GET /call", b"GET /callback?state=x HTTP/1.1\r\n"):
            with socket.create_connection(("127.0.0.1", port)) as sock:
                sock.sendall(partial)
            # A reset, not a close: the rudest way to hang up.
            with socket.create_connection(("127.0.0.1", port)) as sock:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
                sock.sendall(partial)
        assert deliver(authorize_redirect(url)) == 200
        out, err = finish(proc)
    finally:
        proc.kill()
    assert proc.returncode == 0
    assert err == ""
    assert "Traceback" not in out


def test_an_oauth_error_on_the_redirect_ends_login_with_one_line(
    box: Any, app: dict[str, Any]
) -> None:
    token_file = app["dir"] / "oauth.json"
    proc, url, port = start_login(app, token_file)
    try:
        denied = f"http://127.0.0.1:{port}/callback?" + urlencode(
            {"error": "access_denied", "error_description": "no", "state": state_of(url)}
        )
        assert deliver(denied) == 400
        _out, err = finish(proc)
    finally:
        proc.kill()
    line = assert_error(
        subprocess.CompletedProcess([], proc.returncode, "", err), 1, "access_denied"
    )
    assert state_of(url) not in line
    assert not token_file.exists()


def test_a_state_this_login_did_not_issue_then_the_timeout_is_exit_4(
    box: Any, app: dict[str, Any]
) -> None:
    token_file = app["dir"] / "oauth.json"
    proc, url, _port = start_login(app, token_file, "--timeout", "5")
    try:
        forged = with_query(authorize_redirect(url), state="f" * 32)
        assert deliver(forged) == 400
        _out, err = finish(proc)
    finally:
        proc.kill()
    assert proc.returncode == 4
    assert err == (
        "boxauth login: no redirect arrived within 5 s; 1 other request(s) were refused, "
        "1 of them with a state this login did not issue (possible CSRF)\n"
    )


def test_a_wrong_oauth2_url_is_reported_at_once(box: Any, app: dict[str, Any]) -> None:
    token_file = app["dir"] / "oauth.json"
    where = ["--base-url", box.emu.base_url, "--oauth2-url", box.emu.base_url + "/nowhere"]
    proc, _url, _port = start_login({**app, "where": where}, token_file)
    try:
        assert read_line(proc).startswith("Waiting")
        line = read_line(proc)
    finally:
        proc.kill()
    assert line.startswith("boxauth login: the authorize page answered 404: check --oauth2-url")

    where = ["--base-url", box.emu.base_url, "--oauth2-url", "http://127.0.0.1:1/api/oauth2"]
    proc, _url, _port = start_login({**app, "where": where}, token_file)
    try:
        read_line(proc)
        line = read_line(proc)
    finally:
        proc.kill()
    assert "the authorize page at 127.0.0.1:1 could not be reached" in line


def console_browser(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A "browser" that loads the page it is given, records what it saw, follows the
    page's link (as a browser follows its meta refresh) through the authorize page to
    the listener, and then stays open, as lynx does until you quit it.

    Returns the program, its pid file and its record (JSON).
    """
    pid_file, record = tmp_path / "browser.pid", tmp_path / "browser.json"
    browser = tmp_path / "console-browser"
    browser.write_text(
        f"#!{sys.executable}\n"
        "import html, json, os, re, stat, sys, time, urllib.request\n"
        f"open({str(pid_file)!r}, 'w').write(str(os.getpid()))\n"
        # Off the test's pipes, so that only login's own exit ends its output.
        "null = os.open(os.devnull, os.O_RDWR)\n"
        "os.dup2(null, 1)\n"
        "os.dup2(null, 2)\n"
        "path = urllib.request.url2pathname(sys.argv[1].removeprefix('file://'))\n"
        "text = open(path).read()\n"
        'link = html.unescape(re.search(r\'href="([^"]+)"\', text).group(1))\n'
        'refresh = html.unescape(re.search(r\'content="0;url=([^"]+)"\', text).group(1))\n'
        "modes = [stat.S_IMODE(os.stat(p).st_mode) for p in (path, os.path.dirname(path))]\n"
        "record = {'argv': sys.argv, 'path': path, 'modes': modes, 'link': link,\n"
        "          'refresh': refresh}\n"
        f"json.dump(record, open({str(record)!r}, 'w'))\n"
        "urllib.request.urlopen(link, timeout=10).read()\n"
        "time.sleep(60)\n"
    )
    browser.chmod(0o700)
    return browser, pid_file, record


def command_lines() -> list[bytes]:
    """Every process's command line, as any local user can read it."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                found.append(Path(f"/proc/{entry}/cmdline").read_bytes())
            except OSError:
                continue
    return found


def test_open_with_a_console_browser_that_waits_does_not_deadlock(
    box: Any, app: dict[str, Any], tmp_path: Path
) -> None:
    browser, pid_file, _record = console_browser(tmp_path)
    token_file = app["dir"] / "oauth.json"
    proc, _url, _port = start_login(app, token_file, "--open", env={"BROWSER": str(browser)})
    try:
        out, err = finish(proc, timeout=30)
    finally:
        proc.kill()
        if pid_file.exists():
            os.kill(int(pid_file.read_text()), signal.SIGKILL)
    # finish() allows 30 s; the browser stays open for 60 s.
    assert proc.returncode == 0, err
    assert "Signed in" in out
    assert json.loads(token_file.read_text())["refresh_token"]


def test_open_never_puts_the_state_on_a_command_line(
    box: Any, app: dict[str, Any], tmp_path: Path
) -> None:
    # The browser was once started with the authorize URL as its
    # argument, so any local user read the state from /proc/PID/cmdline and
    # could complete a login CSRF. Now it is given a private page that
    # redirects to the URL; the page is gone when login ends.
    browser, pid_file, record = console_browser(tmp_path)
    token_file = app["dir"] / "oauth.json"
    proc, url, _port = start_login(app, token_file, "--open", env={"BROWSER": str(browser)})
    state = state_of(url)
    try:
        _out, err = finish(proc, timeout=30)
        seen = json.loads(record.read_text())
        everyone_sees = command_lines()  # the browser is still open
    finally:
        proc.kill()
        if pid_file.exists():
            os.kill(int(pid_file.read_text()), signal.SIGKILL)
    assert proc.returncode == 0, err
    assert seen["link"] == seen["refresh"] == url  # the page leads to the authorize URL
    assert all(state not in arg for arg in seen["argv"])
    assert seen["argv"][1:] == [Path(seen["path"]).as_uri()]
    assert not any(state.encode() in line for line in everyone_sees)
    assert seen["modes"] == [0o600, 0o700]
    assert not Path(seen["path"]).exists() and not Path(seen["path"]).parent.exists()
    assert json.loads(token_file.read_text())["refresh_token"]


def test_login_names_the_account_it_signed_in_to(box: Any, app: dict[str, Any]) -> None:
    # A forged redirect with a leaked state could sign the victim
    # in to the attacker's account without a word. Login now asks users/me.
    token_file = app["dir"] / "oauth.json"
    proc, url, _port = start_login(app, token_file)
    try:
        assert deliver(authorize_redirect(url)) == 200
        out, err = finish(proc)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    named = f"Signed in as {box.fx.user_name} <{box.fx.user_login}> (user {box.fx.user_id})."
    assert named in out.splitlines()[-1]
    assert box.emu.request_count("/2.0/users/me") == 1


def test_login_still_succeeds_when_the_account_cannot_be_checked(
    box: Any, app: dict[str, Any]
) -> None:
    box.emu.inject_fault(path="/2.0/users/me", kind="status", status=403, count=5)
    token_file = app["dir"] / "oauth.json"
    proc, url, _port = start_login(app, token_file)
    try:
        assert deliver(authorize_redirect(url)) == 200
        out, err = finish(proc)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    lines = out.splitlines()
    assert lines[-2].startswith("Signed in; tokens saved to")
    assert lines[-1].startswith("Whose account it is could not be checked (BoxAPIError")
    assert "boxauth whoami --token-file" in lines[-1]
    assert json.loads(token_file.read_text())["refresh_token"]


def test_the_authorize_page_check_goes_through_the_transport(
    app: dict[str, Any], tmp_path: Path
) -> None:
    # The check once used a bare urllib3.PoolManager, which went
    # around HTTPS_PROXY and wrote TLS session keys to SSLKEYLOGFILE.
    seen: list[bytes] = []
    with socket.socket() as proxy, socket.socket() as origin:
        for sock in (proxy, origin):
            sock.bind(("127.0.0.1", 0))
            sock.listen(4)
        origin.settimeout(0.1)

        def serve_proxy() -> None:
            conn, _ = proxy.accept()
            with conn:
                seen.append(conn.recv(4096))  # CONNECT ...; then hang up

        threading.Thread(target=serve_proxy, daemon=True).start()
        base = f"https://127.0.0.1:{origin.getsockname()[1]}"
        keylog = tmp_path / "keys.log"
        env = {"SSLKEYLOGFILE": str(keylog),
               "HTTPS_PROXY": f"http://127.0.0.1:{proxy.getsockname()[1]}",
               "NO_PROXY": "", "no_proxy": ""}  # fmt: skip
        proc, _url, _port = start_login(
            {**app, "where": ["--base-url", base, "--oauth2-url", f"{base}/api/oauth2"]},
            tmp_path / "t.json", "--timeout", "3", env=env,
        )  # fmt: skip
        try:
            read_line(proc)  # Waiting ...
            line = read_line(proc)
            _out, _err = finish(proc)
        finally:
            proc.kill()
        try:
            origin.accept()[0].close()
            direct = True
        except TimeoutError:
            direct = False
    assert seen and seen[0].startswith(b"CONNECT 127.0.0.1:"), seen
    assert not direct
    assert not keylog.exists()
    assert f"the authorize page at 127.0.0.1:{base.rsplit(':', 1)[1]} could not be reached" in line
    assert "proxy" in line


def test_open_with_no_browser_says_so(box: Any, app: dict[str, Any], tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    env = {"BROWSER": str(tmp_path / "no-such-browser"), "PATH": str(empty)}
    env.update({"DISPLAY": "", "WAYLAND_DISPLAY": ""})
    token_file = app["dir"] / "oauth.json"
    proc, url, _port = start_login(app, token_file, "--open", env=env)
    try:
        read_line(proc)  # Waiting ...
        line = read_line(proc)
        expected = "boxauth login: no web browser could be opened; open the URL above yourself."
        assert line == expected + "\n"
        assert deliver(authorize_redirect(url)) == 200  # and login still works
        _out, err = finish(proc)
    finally:
        proc.kill()
    assert proc.returncode == 0, err


def test_a_failed_save_is_reported_even_when_the_file_holds_a_token(
    box: Any, app: dict[str, Any], tmp_path: Path
) -> None:
    # In a shared sticky directory another user planted the
    # token file. Our save fails, but the file holds *a* token, so a success
    # check that reads the storage back would say "Signed in".
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    planted = shared / ".boxauth_token.json"
    token = AccessToken(access_token="P" * 32, refresh_token="Q" * 64, expires_in=3600)
    planted.write_text(token_to_json(token))
    planted.chmod(0o644)
    os.chown(planted, 65534, 65534)  # tests run as root: "another user" is nobody
    proc, url, _port = start_login(app, planted)
    try:
        assert deliver(authorize_redirect(url)) == 400
        out, err = finish(proc)
    finally:
        proc.kill()
    assert proc.returncode == 2, (out, err)
    assert "Signed in" not in out
    # Refused on reading the file, before the code was exchanged: nothing was spent.
    assert "did not sign in, for" in err.splitlines()[-1]
    assert json.loads(planted.read_text())["access_token"] == "P" * 32


def test_login_over_another_apps_sign_in_is_refused_and_keeps_it(
    box: Any, app: dict[str, Any], urls: Any
) -> None:
    """Signing in to a second app from the directory of the first (the default
    token file) is refused, exit 2, and the first app's sign-in stays intact."""
    token_file = app["dir"] / ".boxauth_token.json"
    other = box.emu.add_app(box.fx.enterprise_id, redirect_uris=["http://127.0.0.1/callback"])
    first = BoxOAuth(
        OAuthConfig(
            other.client_id, other.client_secret, token_storage=FileTokenStorage(str(token_file))
        ),
        base_urls=urls,
    )
    theirs = first.get_tokens_from_redirect(authorize_redirect(first.get_authorize_url()))
    proc, url, _port = start_login(app, token_file)
    try:
        deliver(authorize_redirect(url))
        out, err = finish(proc)
    finally:
        proc.kill()
    assert proc.returncode == 2, (out, err)
    assert "Signed in" not in out
    assert "another identity's sign-in" in err, err
    assert json.loads(token_file.read_text())["refresh_token"] == theirs.refresh_token
    assert box.emu.refresh_token_is_live(theirs.refresh_token)


def test_ctrl_c_while_waiting_is_one_line_and_exit_130(box: Any, app: dict[str, Any]) -> None:
    proc, _url, _port = start_login(app, app["dir"] / "oauth.json")
    try:
        read_line(proc)
        proc.send_signal(signal.SIGINT)
        _out, err = finish(proc)
    finally:
        proc.kill()
    assert proc.returncode == 130
    assert err == "boxauth login: interrupted\n"


def test_a_port_in_use_is_one_line_and_exit_2(box: Any, app: dict[str, Any]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        proc = run(["login", "--redirect-port", str(port), *app["where"]], app["dir"], app["creds"])
    assert_error(proc, 2, f"cannot listen on 127.0.0.1:{port}")


@pytest.mark.parametrize("path", ["/cb?x", "/{x}", "/a b", "/\u202eevil"])
def test_a_redirect_path_that_is_not_a_plain_path_is_refused(
    box: Any, app: dict[str, Any], path: str
) -> None:
    args = ["login", "--redirect-path", path, "--redirect-port", str(free_port())]
    proc = run([*args, *app["where"]], app["dir"], app["creds"])
    assert_error(proc, 2, "--redirect-path must be a path such as /callback")


def test_login_takes_the_client_pair_from_box_jwt_config_or_app_config(
    box: Any, app: dict[str, Any]
) -> None:
    # The walkthrough's case: no client id or secret but the emulator's app config.
    for how, extra, env in (
        ("variable", [], {"BOX_JWT_CONFIG": app["config"]}),
        ("option", ["--app-config", app["config"]], {}),
    ):
        token_file = app["dir"] / f"oauth-{how}.json"
        proc, url, _port = start_login({**app, "creds": {}}, token_file, *extra, env=env)
        try:
            assert f"client_id={box.fx.client_id}" in url
            assert deliver(authorize_redirect(url)) == 200
            out, err = finish(proc)
        finally:
            proc.kill()
        assert proc.returncode == 0, (how, err)
        assert "\nSigned in; tokens saved to" in "\n" + out, how
        # ... and the OAuth commands after it find the pair the same way.
        args = ["whoami", "--auth", "oauth", "--token-file", str(token_file), *extra]
        who = run([*args, *app["where"]], app["dir"], env)
        assert "login: ada@example.com" in who.stdout, (how, who.stderr)


def test_a_redirect_path_the_app_did_not_register_is_reported_at_once(
    box: Any, app: dict[str, Any]
) -> None:
    # The emulator, like Box, refuses an unregistered redirect URI on its page.
    proc, _url, _port = start_login(app, app["dir"] / "o.json", "--redirect-path", "/other")
    try:
        assert read_line(proc).startswith("Waiting")
        line = read_line(proc)
    finally:
        proc.kill()
    assert line == (
        "boxauth login: the authorize page answered 400: check --oauth2-url, the client id "
        "and the redirect URI registered for the app. Still waiting.\n"
    )
