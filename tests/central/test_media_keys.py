"""Publish keys, the media secret file, the [media] settings, the publish route and the recordings' files
(no nginx here: tests/central/test_media_stream.py and test_media_recordings.py run the real one)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from central.app import create_app
from central.media import keys, nginx, recordings
from central.settings import Media, Settings, SettingsError, load_settings

SECRET = b"k" * 32


def test_a_key_opens_only_its_device_and_app_until_it_expires() -> None:
    key = keys.make_key(SECRET, "dev-1", "live", 300, now=1_000_000)
    assert keys.check_key(SECRET, "dev-1", "live", key, now=1_000_100) is None
    assert keys.check_key(SECRET, "dev-2", "live", key, now=1_000_100) == "wrong key"
    assert keys.check_key(SECRET, "dev-1", "thumb", key, now=1_000_100) == "wrong key"
    assert keys.check_key(b"x" * 32, "dev-1", "live", key, now=1_000_100) == "wrong key"
    assert keys.check_key(SECRET, "dev-1", "live", key, now=1_000_301) == "expired key"
    expiry, sig = key.split(".")
    # A longer expiry with the old signature is not accepted.
    assert keys.check_key(SECRET, "dev-1", "live", f"{int(expiry) + 3600}.{sig}", now=1_000_100) == "wrong key"
    for bad in ("", "abc", "123.", ".sig", "-5.sig", "1" * 20 + ".sig"):
        assert keys.check_key(SECRET, "dev-1", "live", bad, now=1_000_100) == "malformed key"


def test_the_secret_file_is_made_once_private_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "media.secret"
    first = keys.load_secrets(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first.publish) == 32 and len(first.hook) >= 24
    assert keys.load_secrets(path) == first
    assert keys.load_secrets(tmp_path / "other.secret") != first  # no default secret: each install its own
    path.write_text("garbage")
    with pytest.raises(keys.SecretError, match="not a media secret file"):
        keys.load_secrets(path)


def test_media_settings_name_the_wrong_key_and_resolve_folders(tmp_path: Path) -> None:
    config = tmp_path / "central.toml"
    config.write_text('[media]\nenabled = true\nrtmp_port = 70000\n', encoding="utf-8")
    with pytest.raises(SettingsError, match=r"media\.rtmp_port"):
        load_settings(config)
    config.write_text('[media]\nenabled = true\ntls_certificate = "/x.pem"\n', encoding="utf-8")
    with pytest.raises(SettingsError, match=r"media: .*both tls_certificate and tls_certificate_key"):
        load_settings(config)
    config.write_text('[media]\nenable = true\n', encoding="utf-8")
    with pytest.raises(SettingsError, match=r"media\.enable"):
        load_settings(config)
    config.write_text('[media]\nenabled = true\nrecord_dir = "rec"\nnot_recorded = ["hn"]\n', encoding="utf-8")
    media = load_settings(config).media
    assert media.record_dir == str(tmp_path / "rec") and media.not_recorded == ["hn"]
    assert media.secret_file == str(tmp_path / "media.secret")


def test_the_rendered_config_keeps_keys_out_of_logs_and_hooks_behind_the_front(tmp_path: Path) -> None:
    media = Media(enabled=True, runtime_dir=str(tmp_path / "run"), live_dir=str(tmp_path / "live"),
                  record_dir=str(tmp_path / "rec"))
    conf = nginx.render(media, "HOOKSECRET")
    fmt = next(line for line in conf.splitlines() if "log_format keyless" in line)
    assert "$args" not in fmt and "$tcurl" not in fmt
    assert "location ^~ /media/hook/ {\n            return 404;" in conf
    assert conf.count("/media/hook/HOOKSECRET/") == 8
    with pytest.raises(ValueError):
        nginx.render(media.model_copy(update={"record_dir": str(tmp_path / 'a";b')}), "S")


def test_publish_route_without_media_or_token(tmp_path: Path) -> None:
    app = create_app(f"sqlite:///{tmp_path / 'c.db'}", settings=Settings())
    with TestClient(app) as client:
        assert client.post("/api/v1/media/publish", json={}).status_code == 401
        assert client.post("/api/v1/media/publish", json={}, headers={"Authorization": "Bearer nope"}).status_code == 401
        from central import core

        with app.state.engine.begin() as conn:
            core.add_site(conn, "ld", "Phòng CSGT Lâm Đồng")
            code = core.new_enrolment_code(conn, "ld", 600)
        dev = client.post("/api/v1/enroll", json={"code": code, "serial": "pi-1"}).json()
        auth = {"Authorization": f"Bearer {dev['token']}"}
        answer = client.post("/api/v1/media/publish", json={}, headers=auth)
        assert answer.status_code == 503 and "media is not enabled" in answer.json()["detail"]
        assert client.post("/api/v1/media/publish", json={"x": 1}, headers=auth).status_code == 422
        assert client.post("/api/v1/media/publish", content=b"{", headers=auth).status_code == 422
    app.state.engine.dispose()


def _fragment(folder: Path, start_ms: int, size: int = 1000) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{start_ms}.ts"
    path.write_bytes(b"\0" * size)
    return path


def test_retention_deletes_the_oldest_first_at_the_quota_and_past_the_days(tmp_path: Path) -> None:
    now_ms = 1_800_000_000_000
    media = Media(record_dir=str(tmp_path), record_days=2, record_quota_gb=3500 / 1024**3)
    old = _fragment(tmp_path / "a", now_ms - 3 * 86_400_000)  # past record_days
    a1 = _fragment(tmp_path / "a", now_ms - 60_000)
    b1 = _fragment(tmp_path / "b", now_ms - 54_000)
    a2 = _fragment(tmp_path / "a", now_ms - 48_000)
    b2 = _fragment(tmp_path / "b", now_ms - 42_000)
    (tmp_path / "a" / "index.m3u8").write_text("#EXTM3U\n")
    removed = recordings.enforce(media, now=now_ms / 1000)
    # 5 files of 1000 bytes, quota 3500: the old one (days) and then the oldest of all devices (a1).
    assert (removed.files, removed.bytes) == (2, 2000)
    assert not old.exists() and not a1.exists()
    assert b1.exists() and a2.exists() and b2.exists() and (tmp_path / "a" / "index.m3u8").exists()
    assert recordings.enforce(media, now=now_ms / 1000).files == 0
    # Over the quota with only each device's newest left (maybe still being written): those stay.
    tiny = media.model_copy(update={"record_quota_gb": 100 / 1024**3})
    assert recordings.enforce(tiny, now=now_ms / 1000).files == 1  # b1
    assert not b1.exists() and a2.exists() and b2.exists()


def test_a_playback_playlist_lists_the_range_with_a_break_between_spans(tmp_path: Path) -> None:
    t0 = 1_800_000_000_000
    starts = [t0, t0 + 6000, t0 + 12_000, t0 + 300_000, t0 + 306_000, t0 + 312_000]
    for s in starts:
        _fragment(tmp_path, s)
    # The newest fragment may still be being written: left out until nginx lists it in its index.m3u8.
    assert recordings.spans(tmp_path, t0, t0 + 400_000) == [(t0, t0 + 18_000), (t0 + 300_000, t0 + 312_000)]
    (tmp_path / "index.m3u8").write_text(f"#EXTM3U\n#EXTINF:6.000,\n{starts[4]}.ts\n#EXTINF:2.5,\n{starts[5]}.ts\n")
    assert recordings.spans(tmp_path, t0, t0 + 400_000) == [(t0, t0 + 18_000), (t0 + 300_000, t0 + 314_500)]
    text = recordings.playlist(tmp_path, "/media/rec/d/", t0 + 7000, t0 + 310_000)
    assert text is not None
    lines = text.splitlines()
    assert lines[:3] == ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-PLAYLIST-TYPE:VOD"]
    assert [x for x in lines if x.startswith("/media/")] == [f"/media/rec/d/{s}.ts" for s in starts[1:5]]
    assert "#EXTINF:6.000," in lines and "#EXT-X-TARGETDURATION:6" in lines
    assert lines.count("#EXT-X-DISCONTINUITY") == 1 and lines[-1] == "#EXT-X-ENDLIST"
    assert recordings.playlist(tmp_path, "/x/", t0 - 100_000, t0 - 50_000) is None


def test_the_hook_secret_never_reaches_the_access_log() -> None:
    import logging

    from central.media.routes import _redact_hook_secret

    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d', (
        "127.0.0.1:5000", "POST", "/media/hook/S3CRET-value/publish", "1.0", 204), None)
    assert _redact_hook_secret(record)
    assert record.getMessage() == '127.0.0.1:5000 - "POST /media/hook/***/publish HTTP/1.0" 204'
