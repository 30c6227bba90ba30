"""Who may view which media URL, through nginx's auth_request to central's /media/auth.

A director sees every unit's streams, a unit leader only their own unit's (403 for another
unit's), nobody without a session (401), for every kind of media URL: live, thumbnail and
recording fragments. Malformed URLs never serve a file.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.central.media_server import MediaRig, push


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MediaRig]:
    tmp = tmp_path_factory.mktemp("media-view")
    with MediaRig(tmp) as rig:
        rig.site("ld", "Phòng CSGT Lâm Đồng")
        rig.site("hn", "Phòng CSGT Hà Nội")
        yield rig


def test_leaders_see_only_their_unit_and_nobody_sees_without_a_session(rig: MediaRig, tmp_path: Path) -> None:
    director = rig.user("giamdoc", "director")
    admin = rig.user("quantri", "admin")
    leader_ld = rig.user("truong-ld", "leader", "ld")
    leader_hn = rig.user("truong-hn", "leader", "hn")
    ld, hn = rig.enroll("ld"), rig.enroll("hn")
    urls = {"ld": rig.publish_urls(ld), "hn": rig.publish_urls(hn)}
    with push(urls["ld"]["main"]), push(urls["ld"]["thumb"], thumb=True), \
            push(urls["hn"]["main"]), push(urls["hn"]["thumb"], thumb=True):
        paths: dict[str, list[str]] = {}
        for unit, dev in (("ld", ld), ("hn", hn)):
            did = dev["device_id"]
            live = rig.wait_playlist("live", did, director)
            rig.wait_playlist("thumb", did, director)
            fragment = next(line for line in live.splitlines() if line.endswith(".ts"))
            rec_dir = Path(rig.media.record_dir) / did
            deadline = time.monotonic() + 20
            while not list(rec_dir.glob("*.ts")) and time.monotonic() < deadline:
                time.sleep(0.3)
            recorded = sorted(rec_dir.glob("*.ts"))[0].name
            paths[unit] = [f"/media/live/{did}/index.m3u8", f"/media/live/{did}/{fragment}",
                           f"/media/thumb/{did}/index.m3u8", f"/media/rec/{did}/{recorded}"]
        for unit in ("ld", "hn"):
            for path in paths[unit]:
                assert rig.get(path, director).status_code == 200, path
                assert rig.get(path, admin).status_code == 200, path
                assert rig.get(path).status_code == 401, path
                assert rig.get(path, "not-a-session").status_code == 401, path
                own, other = (leader_ld, leader_hn) if unit == "ld" else (leader_hn, leader_ld)
                assert rig.get(path, own).status_code == 200, path
                denied = rig.get(path, other)
                assert denied.status_code == 403 and b"\x47" not in denied.content[:1], path
    # The refusal does not depend on the file existing: another unit's name is refused all the same.
    assert rig.get(f"/media/live/{hn['device_id']}/nothing.ts", leader_ld).status_code == 403
    assert rig.get("/media/live/no-such-device/index.m3u8", director).status_code == 403


@pytest.mark.parametrize("path", [
    "/media/live/{id}/../../thumb/{id}/index.m3u8",
    "/media/live/%2e%2e/thumb/{id}/index.m3u8",
    "/media/live/{id}/index.m3u8%00",
    "/media/live/{id}/sub/index.m3u8",
    "/media/live/{id}/",
    "/media/live/",
    "/media/rec/{id}/index.mp4",
    "/media/hook/x/publish",
])
def test_malformed_media_urls_serve_nothing(rig: MediaRig, path: str) -> None:
    director = rig.user("giamdoc2", "director")
    dev = rig.enroll("ld")
    answer = rig.get(path.format(id=dev["device_id"]), director)
    assert answer.status_code in (400, 403, 404), (path, answer.status_code)
