"""``make province``: a simulated province on this machine, its operations room live.

Starts, as separate processes, what a province runs:

- central: ``kiosk-central serve`` on a SQLite file under ``--dir`` (migrated), and the media
  server ``kiosk-central media`` (nginx with the RTMP module: central's front door on the web
  port it prints, RTMP in, HLS out);
- three units (sites with Vietnamese names), a director and one leader per unit, each with a
  random password printed once (there are no default passwords);
- one simulated kiosk per unit: ``kiosk run --simulate`` with a generated config (every device
  simulated, the camera streamed to central with ``[stream]``, ``[sync]`` to central with an
  enrolment code from ``kiosk-central enrolment-code``, a heartbeat every few seconds);
- traffic, through each kiosk's ``/sim`` API (the simulated devices' own drivers): citizens take
  tickets, officers sign in and call, serve and complete on their keypads, citizens rate (now and
  then "Không hài lòng"), one office runs out of paper for a while, one leaves its violations
  counters unstaffed (the operations room's alerts).

Everything runs in real time on the system clock (central sets aside kiosk times far from its
own). Ctrl-C (or SIGTERM) stops every process it started. Each run starts afresh: ``--dir`` is
emptied first. Logs are in ``<dir>/logs/``; they hold no passwords or keys.

    .venv/bin/python scripts/province.py [--dir var/province] [--web-port 8080] [--listen 127.0.0.1]
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import hashlib
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kiosk.credentials import add_officer  # noqa: E402
from kiosk.demo import OFFICERS  # noqa: E402

#: The province's units: (site code, name). The first is the provincial division itself.
UNITS = (
    ("ld-csgt", "Phòng Cảnh sát giao thông - Công an tỉnh Lâm Đồng"),
    ("ld-baoloc", "Công an thành phố Bảo Lộc"),
    ("ld-ductrong", "Công an huyện Đức Trọng"),
)
PROVINCE = "Lâm Đồng"
DIRECTOR = "giamdoc"
#: The office whose printer runs out of paper now and then, and the one whose violations
#: counters nobody staffs (so citizens wait unattended): positions in UNITS.
PAPER_OUT_UNIT, UNSTAFFED_UNIT = 1, 2
UNSTAFFED_SERVICE = "vipham"
#: Citizens arriving per minute at each office, per service (the demo office's three).
ARRIVALS_PER_MINUTE = {"oto": 2.0, "xemay": 3.0, "vipham": 1.2}
PRIORITY_SHARE = 0.1
#: Seconds an officer serves a citizen (uniform), and a called citizen takes to reach the counter.
SERVE_SECONDS = (25.0, 90.0)
WALK_SECONDS = 4.0
#: Rating levels chosen (Rất hài lòng, Hài lòng, Bình thường, Không hài lòng) by the citizens who rate.
RATING_WEIGHTS = (0.5, 0.32, 0.1, 0.08)
RATING_SHARE = 0.85
HEARTBEAT_SECONDS = 5
#: The operations room's thresholds, short so that alerts show within minutes.
OPS = {"unattended_minutes": 3, "offline_minutes": 1, "stream_grace_seconds": 20, "rating_alert_minutes": 30}
STOP_WAIT_S = 15


def free_port() -> int:
    """A TCP port free on this machine now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def toml_text(document: dict[str, Any]) -> str:
    """``document`` as TOML: a ``[section]`` per table, ``[[name]]`` per item of a list of tables,
    everything deeper as inline values."""

    def key(name: str) -> str:
        return name if name.replace("_", "").replace("-", "").isalnum() and name.isascii() else json.dumps(name)

    def inline(value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return repr(value)
        if isinstance(value, str):
            return json.dumps(value, ensure_ascii=False)  # JSON's escapes are TOML's
        if isinstance(value, (list, tuple)):
            return "[" + ", ".join(inline(v) for v in value) + "]"
        if isinstance(value, dict):
            return "{ " + ", ".join(f"{key(k)} = {inline(v)}" for k, v in value.items()) + " }"
        raise TypeError(f"no TOML for {value!r}")

    lines: list[str] = []
    for name, value in document.items():
        tables = value if isinstance(value, list) else [value]
        for table in tables:
            lines.append(f"[[{name}]]" if isinstance(value, list) else f"[{name}]")
            lines += [f"{key(k)} = {inline(v)}" for k, v in table.items()]
            lines.append("")
    return "\n".join(lines)


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the launcher dies, even by SIGKILL (Linux), so nothing
    it started outlives it."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


@dataclass
class Child:
    """A process the launcher started, and where its output goes."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path


@dataclass
class Province:
    """What a run set up: its folder, ports, people and processes."""

    folder: Path
    listen: str
    web_port: int
    central_port: int = field(default_factory=free_port)
    rtmp_port: int = field(default_factory=free_port)
    live_dir: Path | None = None
    children: list[Child] = field(default_factory=list)
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # (user, password, who)
    kiosks: list[tuple[str, str, int]] = field(default_factory=list)  # (site code, name, sim port)

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.folder / 'central.db'}"

    @property
    def logs(self) -> Path:
        return self.folder / "logs"

    # -- processes --

    def start(self, name: str, command: list[str], env: dict[str, str] | None = None) -> Child:
        """Start ``command`` in its own session (a Ctrl-C reaches the launcher only, which stops
        the children in order), its output in ``logs/<name>.log``."""
        log = self.logs / f"{name}.log"
        out = open(log, "ab")
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                   cwd=ROOT, env=env, start_new_session=True, preexec_fn=_die_with_parent)
        out.close()
        child = Child(name, process, log)
        self.children.append(child)
        return child

    def stop(self) -> None:
        """Stop every child: the kiosks first (their streams end cleanly), then the media server and
        central; kill what lingers."""
        kiosks = [c for c in self.children if c.name.startswith("kiosk")]
        for group in (kiosks, [c for c in self.children if c not in kiosks]):
            for child in group:
                if child.process.poll() is None:
                    child.process.terminate()
            deadline = time.monotonic() + STOP_WAIT_S
            for child in group:
                try:
                    child.process.wait(max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    print(f"province: {child.name} did not stop within {STOP_WAIT_S} s; killed", file=sys.stderr)
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(child.process.pid, signal.SIGKILL)  # its session: nginx's too
                    child.process.wait(5)
        if self.live_dir is not None:
            shutil.rmtree(self.live_dir, ignore_errors=True)

    def died(self) -> Child | None:
        """A child that stopped by itself, if any."""
        return next((c for c in self.children if c.process.poll() is not None), None)


def tool(name: str) -> str:
    """The project's console script ``name`` beside this Python (the venv's)."""
    path = Path(sys.executable).parent / name
    if not path.exists():
        raise SystemExit(f"province: {path} is missing: run `make setup` (scripts/setup.sh) first")
    return str(path)


def central_cli(province: Province, *args: str, stdin: str | None = None) -> str:
    """Run ``kiosk-central ARGS --db <the province's>``; its output, or exit naming what failed."""
    command = [tool("kiosk-central"), *args, "--db", province.db_url]
    result = subprocess.run(command, input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=120)
    if result.returncode != 0:
        raise SystemExit(f"province: kiosk-central {args[0]} failed: {result.stderr.strip() or result.stdout.strip()}")
    return result.stdout.strip()


def write_central_settings(province: Province) -> Path:
    """central.toml: the operations room's short thresholds and the media server on the chosen ports."""
    ram = Path("/dev/shm")
    # Live HLS in RAM, as in production (a full disk never stops live viewing); removed at the end,
    # and at the next run's start if a killed launcher left it (its name follows the folder's).
    name = "kiosk-province-" + hashlib.sha1(str(province.folder).encode()).hexdigest()[:10]
    province.live_dir = (ram if ram.is_dir() else Path(tempfile.gettempdir())) / name
    shutil.rmtree(province.live_dir, ignore_errors=True)
    province.live_dir.mkdir(mode=0o700)
    media = {
        "enabled": True, "public_host": "127.0.0.1", "web_listen": province.listen,
        "web_port": province.web_port, "central_port": province.central_port, "rtmp_port": province.rtmp_port,
        "runtime_dir": "media-run", "live_dir": str(province.live_dir), "record_dir": "recordings",
        "record_days": 1, "record_quota_gb": 2.0, "secret_file": "media.secret",
    }
    path = province.folder / "central.toml"
    path.write_text("# Written by scripts/province.py (make province); see docs/central.md.\n"
                    + toml_text({"ops": OPS, "media": media}), encoding="utf-8")
    return path


def office_document(name: str) -> dict[str, Any]:
    """The office's configuration as central pushes it: the demo office's services, counters and
    simulated devices under the unit's name, open around the clock (the demo works at any hour)."""
    document = tomllib.loads((ROOT / "config" / "demo.toml").read_text(encoding="utf-8"))
    document["site"]["unit_name"] = {"vi": name}
    every_day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    for service in document["services"]:
        service["opening"] = {"days": every_day, "hours": [["00:00", "23:59"]]}
        service.pop("results_later", None)  # results handed over at once: the traffic rates them
        service.pop("daily_cap", None)
    for section in ("store", "web"):  # each kiosk's own
        document.pop(section, None)
    for section in ("printer", "board", "speaker", "keypads", "camera"):
        document[section] = {k: v for k, v in document[section].items() if not k.endswith(("_dir", "_file"))}
    document["camera"] = {"enabled": True, "backend": "simulated"}
    document["stream"] = {"enabled": True}
    document["sync"] = {"interval_seconds": 2.0, "heartbeat_seconds": float(HEARTBEAT_SECONDS)}
    return document


def push_site_config(province: Province, code: str, name: str) -> None:
    """``kiosk-central set-config``: the unit's configuration, as a province keeps it (central reads
    which counters serve which service from it: the unattended-counter alert)."""
    document = office_document(name)
    document["sync"]["server_url"] = province.web_url
    path = province.folder / f"site-{code}.toml"
    path.write_text("# Written by scripts/province.py (make province).\n" + toml_text(document), encoding="utf-8")
    central_cli(province, "set-config", code, str(path), "--server-url", province.web_url)


def kiosk_config(province: Province, name: str, enrolment: str, folder: Path, simulate: bool = True,
                 stream: bool = True) -> Path:
    """The kiosk's config file: :func:`office_document` and what is the kiosk's own (its files, pages,
    the link to central with an enrolment code). ``simulate``: for ``kiosk run --simulate`` (which puts
    the devices' files under ``--out`` and draws the camera small); else for ``kiosk run`` (the camera
    as configured, 720p). ``stream``: ``[stream] enabled``."""
    document = office_document(name)
    document["stream"]["enabled"] = stream
    document["store"] = {"path": str(folder / "kiosk.db")}
    document["web"] = {"bind": "127.0.0.1", "port": 8080 if simulate else free_port(),
                       "credentials_file": str(folder / "credentials.json")}
    document["camera"]["snapshot_dir"] = str(folder / "snapshots")
    document["sync"].update({
        "server_url": province.web_url, "enrolment_code": enrolment, "token_file": str(folder / "token"),
        "config_cache": str(folder / "central-config.toml"),
    })
    files = {"printer": "output_dir", "board": "frames_dir", "speaker": "output_dir", "keypads": "pairings_file"}
    for section, key in files.items():
        document[section][key] = str(folder / ("keypads.json" if section == "keypads" else section))
    path = folder / "kiosk.toml"
    path.write_text("# Written by scripts/province.py (make province).\n" + toml_text(document), encoding="utf-8")
    return path


def prepare_central(province: Province) -> Path:
    """Write central's settings and migrate its database; return the settings file."""
    settings = write_central_settings(province)
    central_cli(province, "migrate")
    return settings


def add_units_and_people(province: Province) -> None:
    """The province's units, its director and one leader per unit, each with a random password."""
    for code, name in UNITS:
        central_cli(province, "add-site", code, name, "--province", PROVINCE, "--department", "Công an")
    people = [(DIRECTOR, "director", None, "Giám đốc (mọi đơn vị) / director (every unit)")]
    people += [(f"truong-{code.split('-', 1)[1]}", "leader", code, f"Lãnh đạo {name} / leader") for code, name in UNITS]
    for user, role, site, who in people:
        password = secrets.token_urlsafe(12)
        central_cli(province, "add-user", user, "--role", role, *(["--site", site] if site else []),
                    "--password-stdin", stdin=password + "\n")
        province.logins.append((user, password, who))


def start_central(province: Province, settings: Path) -> None:
    """Start ``kiosk-central serve`` and ``kiosk-central media``; return once the front door answers."""
    province.start("central", [tool("kiosk-central"), "serve", "--db", province.db_url, "--host", "127.0.0.1",
                               "--port", str(province.central_port), "--config", str(settings)])
    province.start("media", [tool("kiosk-central"), "media", "--config", str(settings)])
    wait_for(lambda: httpx.get(f"{province.web_url}/login", timeout=2).status_code == 200,
             "central behind its media server", province)


def wait_for(check: Any, what: str, province: Province, timeout_s: float = 60) -> None:
    """Poll ``check()`` until true; exit naming ``what`` and the log to read when it is not."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        dead = province.died()
        if dead is not None:
            raise SystemExit(f"province: {dead.name} stopped (status {dead.process.returncode}); see {dead.log}")
        try:
            if check():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"province: {what} not ready within {timeout_s:g} s; see {province.logs}/")


class Office:
    """Citizens and officers of one simulated office, acting through its kiosk's ``/sim`` API."""

    def __init__(self, name: str, port: int, index: int, stop: threading.Event, seed: int) -> None:
        self.name = name
        self.url = f"http://127.0.0.1:{port}"
        self.index = index
        self.stop = stop
        self.rng = random.Random(seed)
        self.client = httpx.Client(base_url=self.url, timeout=10)
        self.busy_until: dict[int, float] = {}
        self.holding: dict[int, str | None] = {}
        self.staffed: list[int] = []
        self.services: list[str] = []
        self.paper_out_until = 0.0
        self.next_paper_out = time.monotonic() + 90

    def post(self, path: str, **kw: Any) -> httpx.Response:
        return self.client.post(path, **kw)

    def sign_in(self, layout: dict[str, Any]) -> None:
        """The officers sign in on their keypads (one counter's officer each, as in the demo)."""
        for counter, (_, code, pin) in zip(layout["counters"], OFFICERS):
            if self.index == UNSTAFFED_UNIT and counter["number"] in (5, 6):
                continue  # nobody at the violations counters today: its citizens wait unattended
            self.post(f"/sim/keypad/{counter['number']}", content=f"**{code}*{pin}E")
            self.staffed.append(counter["number"])
            self.busy_until[counter["number"]] = 0.0

    def run(self) -> None:
        try:
            layout = self.client.get("/sim/layout").json()
            self.sign_in(layout)
            self.services = [s["id"] for s in layout["services"]]
            while not self.stop.wait(1.0):
                try:
                    self.tick()
                except httpx.HTTPError:
                    pass  # the kiosk is stopping or busy: try again next second
        finally:
            self.client.close()

    def tick(self) -> None:
        now = time.monotonic()
        for service in self.services:
            if self.rng.random() < ARRIVALS_PER_MINUTE.get(service, 1.0) / 60:
                self.post(f"/sim/press/{service}", params={"priority": str(self.rng.random() < PRIORITY_SHARE).lower()})
        if self.index == PAPER_OUT_UNIT:
            self.paper(now)
        view = self.client.get("/sim/view").json()
        waiting = {s["id"]: s["waiting"] for s in view["services"]}
        for counter in view["counters"]:
            number = counter["number"]
            if number not in self.staffed or now < self.busy_until[number]:
                continue
            if counter["ticket"] is None:
                service = next((s for s in counter["services"] if waiting.get(s)), None)
                if service is not None:
                    waiting[service] -= 1  # so that two idle counters do not both call the last citizen
                    self.post(f"/sim/keypad/{number}", content="E")  # next
                    self.busy_until[number] = now + WALK_SECONDS
            elif self.holding.get(number) != counter["ticket"]:
                self.holding[number] = counter["ticket"]  # the citizen arrived: serving
                self.busy_until[number] = now + self.rng.uniform(*SERVE_SECONDS)
            else:
                self.post(f"/sim/keypad/{number}", content="+")  # complete
                self.holding[number] = None
                self.busy_until[number] = now + 3
                if counter["rating_buttons"] and self.rng.random() < RATING_SHARE:
                    threading.Timer(2.0, self.rate, args=(number,)).start()

    def rate(self, counter: int) -> None:
        """The citizen presses a rating button; a dissatisfied one then presses the button of a reason."""
        if self.stop.is_set():
            return
        level = self.rng.choices(range(1, len(RATING_WEIGHTS) + 1), RATING_WEIGHTS)[0]
        try:
            with httpx.Client(base_url=self.url, timeout=10) as client:
                client.post(f"/sim/rate/{counter}/{level}")
                if level == len(RATING_WEIGHTS) and not self.stop.wait(2.0):
                    client.post(f"/sim/rate/{counter}/{self.rng.randint(1, len(RATING_WEIGHTS))}")
        except httpx.HTTPError:
            pass

    def paper(self, now: float) -> None:
        """Out of paper for a minute every ten (the operations room's printer alert)."""
        if self.paper_out_until and now >= self.paper_out_until:
            self.post("/sim/paper", params={"present": "true"})
            self.paper_out_until = 0.0
            self.next_paper_out = now + 600
        elif not self.paper_out_until and now >= self.next_paper_out:
            self.post("/sim/paper", params={"present": "false"})
            self.paper_out_until = now + 60


def start_kiosks(province: Province, stop: threading.Event) -> list[Office]:
    """One simulated kiosk per unit, enrolled with a fresh code; their offices' traffic, not started."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}  # headless boards
    offices = []
    for index, (code, name) in enumerate(UNITS):
        folder = province.folder / f"kiosk-{code}"
        folder.mkdir(parents=True)
        for officer, number, pin in OFFICERS[:6]:
            status, text = add_officer(folder / "credentials.json", number, officer, pin)
            if status != 0:
                raise SystemExit(f"province: {text}")
        push_site_config(province, code, name)
        enrolment = central_cli(province, "enrolment-code", code, "--hours", "1")
        config = kiosk_config(province, name, enrolment, folder)
        # Enrolled here with a serial of its own: three kiosks on one computer share its machine id.
        enrolled = subprocess.run([tool("kiosk"), "enroll", "--config", str(config), "--serial", f"sim-{code}"],
                                  capture_output=True, text=True, cwd=ROOT, timeout=120)
        if enrolled.returncode != 0:
            raise SystemExit(f"province: kiosk enroll for {code} failed: {enrolled.stderr.strip()}")
        port = free_port()
        province.start(f"kiosk-{code}", [tool("kiosk"), "run", "--simulate", "--config", str(config),
                                         "--out", str(folder), "--port", str(port)], env=env)
        province.kiosks.append((code, name, port))
        offices.append(Office(name, port, index, stop, seed=index + 1))
    for code, _, port in province.kiosks:
        wait_for(lambda p=port: httpx.get(f"http://127.0.0.1:{p}/sim/layout", timeout=2).status_code == 200,
                 f"the kiosk of {code}", province)
    return offices


def banner(province: Province) -> str:
    host = province.listen if province.listen not in ("", "0.0.0.0") else socket.gethostname()
    lines = [
        "",
        "=== Tỉnh mô phỏng / Simulated province ===",
        f"Phòng điều hành / Operations room: http://{host}:{province.web_port}/ops",
        f"Trang chủ trung tâm / Central:     http://{host}:{province.web_port}/",
        "Đăng nhập / Logins (mật khẩu ngẫu nhiên, chỉ in một lần / random passwords, printed once):",
        *[f"  {user:<16} {password}   {who}" for user, password, who in province.logins],
        "Ki-ốt mô phỏng / Simulated kiosks:",
        *[f"  {name}: http://127.0.0.1:{port}/sim" for _, name, port in province.kiosks],
        f"Nhật ký / Logs: {province.logs}/",
        "Ctrl-C để dừng / to stop.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run a simulated province: central, its media server, "
                                     "three units' kiosks with traffic, and the operations room.")
    parser.add_argument("--dir", default=str(ROOT / "var" / "province"),
                        help="the province's folder, emptied first (default var/province)")
    parser.add_argument("--web-port", type=int, default=0,
                        help="central's front door (nginx) port; 0 (default): a free one, printed")
    parser.add_argument("--listen", default="127.0.0.1",
                        help="address the front door listens on (default %(default)s; 0.0.0.0 for the LAN)")
    args = parser.parse_args(argv)
    if not 0 <= args.web_port <= 65535:
        parser.error(f"--web-port {args.web_port} is not a port (1-65535, or 0 for a free one)")
    folder = Path(args.dir).resolve()
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "logs").mkdir(parents=True)
    province = Province(folder, args.listen, args.web_port or free_port())
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        settings = prepare_central(province)
        add_units_and_people(province)
        print(f"province: central on {province.db_url}, starting the media server and the kiosks...", flush=True)
        start_central(province, settings)
        for office in start_kiosks(province, stop):
            threading.Thread(target=office.run, name=f"traffic-{office.index}", daemon=True).start()
        print(banner(province), flush=True)
        while not stop.wait(1.0):
            dead = province.died()
            if dead is not None:
                print(f"province: {dead.name} stopped (status {dead.process.returncode}); see {dead.log}",
                      file=sys.stderr)
                return 1
        return 0
    except SystemExit as exc:
        print(exc, file=sys.stderr)
        return 1
    finally:
        stop.set()
        print("province: stopping...", flush=True)
        province.stop()
        print("province: stopped", flush=True)


if __name__ == "__main__":
    sys.exit(main())
