"""Logins: no default password, hashed storage, wrong PINs, lockout, CSRF, sessions ended at logout,
the camera behind the login, and `kiosk users` (passwords asked at a terminal or read from a pipe)."""

from __future__ import annotations

import io
import json
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from drivers.camera import CameraConfig
from drivers.camera.simulated import SimulatedCamera
from kiosk import commands as cmd
from kiosk.credentials import (
    LOCK_SECONDS,
    MAX_TRIES,
    Credentials,
    add_officer,
    list_officers,
    remove_officer,
    set_leader_password,
)
from kiosk.users import users_command
from tests.conftest import DEMO, ROOT
from tests.web.conftest import LEADER_PASSWORD, OFFICERS, csrf_of, login_leader, login_officer


def test_no_default_leader_password(make_client, tmp_path: Path) -> None:
    client, _ = make_client(credentials_file=tmp_path / "none.json")
    assert client.get("/api/me").json()["leader_password_set"] is False
    token = csrf_of(client)
    for guess in ("", "admin", "password", "12345678"):
        response = client.post("/api/leader/login", json={"password": guess or "x"}, headers={"X-CSRF-Token": token})
        assert response.status_code == 403
        assert "kiosk users set-leader-password" in response.json()["vi"]
    assert client.get("/api/view").status_code == 401
    # The page itself tells how to set one.
    assert "kiosk users set-leader-password" in client.get("/leader").text


def test_credentials_file_is_private_and_hashed(credentials: Path) -> None:
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    text = credentials.read_text(encoding="utf-8")
    assert LEADER_PASSWORD not in text
    for name, pin in OFFICERS.values():
        assert f'"{pin}"' not in text
    doc = json.loads(text)
    assert set(doc["officers"]) == set(OFFICERS)
    assert doc["officers"]["1234"]["name"] == "Nguyễn Văn An"
    assert len(doc["secret"]) == 64


def test_cli_functions_check_their_input(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    code, text = set_leader_password(path, "short")
    assert code == 2 and "ít nhất 8 ký tự" in text and not path.exists()
    assert add_officer(path, "12ab", "An", "1234")[0] == 2
    assert add_officer(path, "123456789", "An", "1234")[0] == 2
    assert add_officer(path, "12", "An", "12")[0] == 2  # PIN too short
    assert add_officer(path, "12", "   ", "1234")[0] == 2
    assert add_officer(path, "12", "Lê  Văn   Cường", "123456") == (0, "Đã thêm cán bộ 12 (Lê Văn Cường).\n"
                                                                      "Officer 12 (Lê Văn Cường) added.")
    code, text = list_officers(path)
    assert code == 0 and "12\tLê Văn Cường" in text and "CHƯA ĐẶT" in text and "123456" not in text
    assert remove_officer(path, "99")[0] == 1
    assert remove_officer(path, "12")[0] == 0
    assert "Chưa có cán bộ nào" in list_officers(path)[1]


def test_unreadable_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text("{not json", encoding="utf-8")
    code, text = set_leader_password(path, "long enough")
    assert code == 1 and "damaged" in text
    assert path.read_text(encoding="utf-8") == "{not json"  # nothing overwritten


def test_officer_login_signs_in_at_the_counter(make_client) -> None:
    client, office = make_client()
    login_officer(client, counter=3, code="5678")
    assert office.last(cmd.SignIn) == cmd.SignIn(3, "5678")
    assert office.view().counters[2].officer == "5678"
    me = client.get("/api/me").json()
    assert me["officer"] == {"code": "5678", "counter": 3} and me["officer_name"] == "Trần Thị Bình"


def test_wrong_pin_and_unknown_officer_are_refused(make_client) -> None:
    client, office = make_client()
    token = csrf_of(client, "/counter/1")
    for body in ({"code": "1234", "pin": "0000"}, {"code": "9999", "pin": "4321"}):
        response = client.post("/api/counter/1/login", json=body, headers={"X-CSRF-Token": token})
        assert response.status_code == 401
        assert response.json()["vi"] == "Mã cán bộ hoặc mã PIN không đúng."
    assert not any(isinstance(c, cmd.SignIn) for c in office.commands)
    assert client.get("/api/view").status_code == 401


def test_officer_removed_cannot_log_in_and_loses_session(make_client, credentials: Path) -> None:
    client, _ = make_client()
    headers = login_officer(client, counter=1, code="1234")
    assert client.post("/api/counter/1/pause", headers=headers).status_code == 200
    assert remove_officer(credentials, "1234")[0] == 0
    assert client.post("/api/counter/1/resume", headers=headers).status_code in (401, 403)
    token = csrf_of(client, "/counter/1")
    response = client.post("/api/counter/1/login", json={"code": "1234", "pin": "4321"}, headers={"X-CSRF-Token": token})
    assert response.status_code == 401


def test_lockout_after_five_wrong_tries(make_client) -> None:
    now = [1000.0]
    client, office = make_client()
    client.app.state.credentials.clock = lambda: now[0]
    token = csrf_of(client, "/counter/1")

    def attempt(pin: str) -> int:
        return client.post("/api/counter/1/login", json={"code": "1234", "pin": pin},
                           headers={"X-CSRF-Token": token}).status_code

    assert [attempt("1111") for _ in range(MAX_TRIES)] == [401] * MAX_TRIES
    response = client.post("/api/counter/1/login", json={"code": "1234", "pin": "4321"}, headers={"X-CSRF-Token": token})
    assert response.status_code == 429 and "khóa" in response.json()["vi"]
    # Another officer is not locked.
    assert client.post("/api/counter/2/login", json={"code": "5678", "pin": "8765"},
                       headers={"X-CSRF-Token": token}).status_code == 200
    now[0] += LOCK_SECONDS + 1
    token = csrf_of(client, "/counter/1")
    assert attempt("4321") == 200


def test_leader_lockout_and_password_change(make_client, credentials: Path) -> None:
    now = [0.0]
    client, _ = make_client()
    client.app.state.credentials.clock = lambda: now[0]
    token = csrf_of(client)
    for _ in range(MAX_TRIES):
        assert client.post("/api/leader/login", json={"password": "wrong-password"},
                           headers={"X-CSRF-Token": token}).status_code == 401
    assert client.post("/api/leader/login", json={"password": LEADER_PASSWORD},
                       headers={"X-CSRF-Token": token}).status_code == 429
    now[0] += LOCK_SECONDS + 1
    login_leader(client)
    assert client.get("/api/view").status_code == 200
    # A new password ends the session.
    assert set_leader_password(credentials, "another password")[0] == 0
    assert client.get("/api/view").status_code == 401


@pytest.mark.parametrize("headers", [{}, {"X-CSRF-Token": "forged"}])
def test_post_without_the_csrf_token_is_refused(make_client, headers: dict[str, str]) -> None:
    client, office = make_client()
    csrf_of(client, "/counter/1")
    response = client.post("/api/counter/1/login", json={"code": "1234", "pin": "4321"}, headers=headers)
    assert response.status_code == 403 and response.json()["error"] == "csrf"
    good = login_officer(client)
    before = len(office.commands)
    for h in (headers, {**good, "Origin": "http://evil.example"}, {**good, "Sec-Fetch-Site": "cross-site"}):
        assert client.post("/api/counter/1/pause", headers=h).status_code == 403
    assert len(office.commands) == before  # nothing reached the engine
    assert client.post("/api/counter/1/pause", headers={**good, "Origin": "http://testserver"}).status_code == 200


def test_token_of_another_session_is_refused(make_client) -> None:
    client, _ = make_client()
    other, _ = make_client()
    stolen = csrf_of(other, "/counter/1")
    csrf_of(client, "/counter/1")
    response = client.post("/api/counter/1/login", json={"code": "1234", "pin": "4321"},
                           headers={"X-CSRF-Token": stolen})
    assert response.status_code == 403


def test_tampered_cookie_is_not_a_login(make_client) -> None:
    client, _ = make_client()
    login_leader(client)
    cookie = client.cookies.get("kiosk_session")
    body, mac = cookie.rsplit(".", 1)
    client.cookies.set("kiosk_session", body + "." + ("0" * len(mac)))
    assert client.get("/api/view").status_code == 401


def test_session_expires(make_client) -> None:
    now = [1_000_000.0]
    client, _ = make_client(clock=lambda: now[0], session_minutes=30)
    login_leader(client)
    assert client.get("/api/view").status_code == 200
    now[0] += 31 * 60
    assert client.get("/api/view").status_code == 401


def test_cookie_flags(make_client) -> None:
    client, _ = make_client()
    header = client.get("/leader").headers["set-cookie"].lower()
    assert "httponly" in header and "samesite=strict" in header


def test_camera_stream_needs_the_leader_login(make_client, tmp_path: Path) -> None:
    camera = SimulatedCamera(CameraConfig(enabled=True, backend="simulated", resolution=(320, 240),
                                          snapshot_dir=str(tmp_path)), [1, 2])
    try:
        client, _ = make_client(camera=camera)
        response = client.get("/leader/camera.mjpg")
        assert response.status_code == 401 and b"\xff\xd8" not in response.content
        login_officer(client)  # an officer is not the leader
        assert client.get("/leader/camera.mjpg").status_code == 401
    finally:
        camera.close()


def test_no_camera_gives_404_with_a_message(make_client) -> None:
    client, _ = make_client()
    login_leader(client)
    response = client.get("/leader/camera.mjpg")
    assert response.status_code == 404 and "không có camera" in response.json()["vi"]


def test_users_command(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    printed: list[str] = []
    answers = iter(["mật khẩu mới 1", "mật khẩu mới 1", "2468", "1357"])
    assert users_command(["set-leader-password"], path, ask=lambda _: next(answers), out=printed.append) == 0
    assert users_command(["add-officer", "77", "Phạm Thị Dung"], path, ask=lambda _: next(answers),
                         out=printed.append) == 1  # the PIN typed twice differently
    assert "không khớp" in printed[-1]
    assert users_command(["list"], path, out=printed.append) == 0
    assert "đã đặt / set" in printed[-1] and "77" not in printed[-1]
    assert users_command(["bogus"], path, out=printed.append) == 2


def test_one_device_guessing_across_codes_is_locked(make_client, credentials: Path) -> None:
    from kiosk.credentials import MAX_CLIENT_TRIES

    now = [0.0]
    client, _ = make_client()
    client.app.state.credentials.clock = lambda: now[0]
    token = csrf_of(client, "/counter/1")
    statuses = [
        client.post("/api/counter/1/login", json={"code": str(100 + i), "pin": "0000"},
                    headers={"X-CSRF-Token": token}).status_code
        for i in range(MAX_CLIENT_TRIES)
    ]
    assert statuses == [401] * MAX_CLIENT_TRIES  # each code only once: no account lock
    response = client.post("/api/counter/1/login", json={"code": "1234", "pin": "4321"},
                           headers={"X-CSRF-Token": token})
    assert response.status_code == 429 and "Máy này nhập sai quá nhiều lần" in response.json()["vi"]
    now[0] += LOCK_SECONDS + 1
    assert client.post("/api/counter/1/login", json={"code": "1234", "pin": "4321"},
                       headers={"X-CSRF-Token": token}).status_code == 200


# -- sessions end at logout, on the server (a copied cookie stops working) -----


def test_officer_logout_ends_the_session_for_a_copied_cookie_too(make_client) -> None:
    client, office = make_client()
    headers = login_officer(client, counter=2, code="5678")
    thief = TestClient(client.app)  # another browser on the same server, with a copy of the cookie
    thief.cookies.set("kiosk_session", client.cookies.get("kiosk_session"))
    # The copy works while the officer is logged in (it is the same cookie) ...
    assert thief.get("/api/view").status_code == 200
    assert client.post("/api/counter/2/logout", headers=headers).status_code == 200
    # ... and not after the logout, although it is signed and has not expired.
    assert thief.get("/api/view").status_code == 401
    assert thief.post("/api/counter/2/pause", headers=headers).status_code == 401
    assert thief.get("/api/me").json()["officer"] is None
    assert client.get("/api/view").status_code == 401
    assert len(client.app.state.sessions) == 0


def test_leader_logout_ends_the_session_for_a_copied_cookie_too(make_client) -> None:
    client, _ = make_client()
    headers = login_leader(client)
    copied = client.cookies.get("kiosk_session")
    assert client.post("/api/leader/logout", headers=headers).status_code == 200
    client.cookies.set("kiosk_session", copied)  # the cookie as it was before the logout
    assert client.get("/api/view").status_code == 401
    assert client.get("/api/me").json()["leader"] is False


def test_a_new_login_does_not_revive_an_old_cookie(make_client) -> None:
    client, _ = make_client()
    login_leader(client)
    before = client.cookies.get("kiosk_session")
    login_leader(client)  # logging in again gives a new session id
    client.cookies.set("kiosk_session", before)
    assert client.get("/api/view").status_code == 401


def test_signing_out_on_the_keypad_ends_the_officers_page_session(make_client) -> None:
    client, office = make_client()
    headers = login_officer(client, counter=1)
    copied = client.cookies.get("kiosk_session")
    office.submit(cmd.SignOut(1))  # `* * Enter` on counter 1's keypad
    response = client.post("/api/counter/1/pause", headers=headers)
    assert response.status_code == 401 and response.json()["error"] == "signed_out"
    # The officer signs in again on the keypad: the old page session stays ended.
    office.submit(cmd.SignIn(1, "1234"))
    client.cookies.set("kiosk_session", copied)
    assert client.get("/api/view").status_code == 401
    assert client.post("/api/counter/1/pause", headers=headers).status_code == 401


def test_a_restarted_kiosk_knows_no_old_session(make_client) -> None:
    client, _ = make_client()
    login_leader(client)
    restarted, _ = make_client()  # a new app: its sessions are in memory
    restarted.cookies.set("kiosk_session", client.cookies.get("kiosk_session"))
    assert restarted.get("/api/view").status_code == 401


# -- `kiosk users`: passwords from a pipe --------------------------------------


def test_users_command_reads_a_pipe_with_or_without_stdin_flag(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    printed: list[str] = []
    # Not a terminal: one line, asked once, no flag needed (`echo PASSWORD | kiosk users set-leader-password`).
    assert users_command(["set-leader-password"], path, out=printed.append,
                         stdin=io.StringIO("mật khẩu lãnh đạo\n")) == 0
    assert users_command(["--stdin", "add-officer", "77", "Phạm Thị Dung"], path, out=printed.append,
                         stdin=io.StringIO("1357\n")) == 0
    credentials = Credentials(path)
    assert credentials.check_leader("mật khẩu lãnh đạo") and credentials.check_officer("77", "1357")
    # Nothing on the pipe: a sentence and exit 2, nothing changed.
    assert users_command(["add-officer", "78", "Lê Văn Cường"], path, out=printed.append,
                         stdin=io.StringIO("")) == 2
    assert "No password or PIN on standard input" in printed[-1] and "78" not in credentials.officer_names()

    # At a terminal, Ctrl-D or Ctrl-C cancels with a sentence.
    def eof(_: str) -> str:
        raise EOFError

    assert users_command(["set-leader-password"], path, ask=eof, out=printed.append) == 1
    assert "Đã hủy, không thay đổi gì." in printed[-1]


def test_users_command_from_a_shell_pipe(tmp_path: Path) -> None:
    """`echo ... | kiosk users ...` as the docs show it: with --stdin before or after, and without it."""
    (tmp_path / "config").mkdir()
    config = tmp_path / "config" / "demo.toml"
    shutil.copy(DEMO, config)  # its credentials_file, ../var/simulate/credentials.json, lands under tmp_path

    def users(*args: str, stdin: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "kiosk", "users", "--config", str(config), *args],
                              input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=60)

    runs = [
        users("set-leader-password", stdin="mật khẩu lãnh đạo\n"),
        users("--stdin", "add-officer", "1234", "Nguyễn Văn An", stdin="2468\n"),  # docs/web.md's example
        users("add-officer", "5678", "Trần Thị Bình", "--stdin", stdin="8642\n"),
    ]
    for result in runs:
        assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    empty = users("set-leader-password", stdin="")
    assert empty.returncode == 2 and "Traceback" not in empty.stderr
    credentials = Credentials(tmp_path / "var" / "simulate" / "credentials.json")
    credentials.check_leader("mật khẩu lãnh đạo")
    credentials.check_officer("1234", "2468")
    credentials.check_officer("5678", "8642")


# -- the tests leave no passwords in the checkout ------------------------------


def test_the_checkout_guard_sees_credentials_written_into_a_checkout(tmp_path: Path) -> None:
    """tests/conftest.py's session fixture compares these snapshots of the real checkout."""
    from tests.conftest import checkout_files

    (tmp_path / "kiosk").mkdir()
    (tmp_path / "kiosk" / "credentials.py").write_text("# source, not a credentials file\n", encoding="utf-8")
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "credentials.json").write_text("{}", encoding="utf-8")
    before = checkout_files(tmp_path)
    assert before == {}
    # What test_office_web.py used to do: the demo config's credentials file, in the checkout's var/.
    assert set_leader_password(tmp_path / "var" / "simulate" / "credentials.json", LEADER_PASSWORD)[0] == 0
    assert add_officer(tmp_path / "config" / "office-credentials.json", "1234", "Nguyễn Văn An", "4321")[0] == 0
    (tmp_path / "kiosk" / "credentials.py").write_text("# edited\n", encoding="utf-8")
    assert sorted(checkout_files(tmp_path)) == ["config/office-credentials.json", "var/simulate/credentials.json"]
