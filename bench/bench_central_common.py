"""Shared by the central benchmarks: scratch PostgreSQL databases, a server subprocess, synthetic events."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg

from kiosk.ids import time_ordered_uuid

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


def scratch_pg() -> tuple[str, str]:
    """Create a scratch database; return its URL and name."""
    name = f"central_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql://postgres@127.0.0.1:5432/{name}", name


def drop_pg(name: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db_url: str, workers: int = 1) -> tuple[subprocess.Popen, str]:
    """``kiosk-central serve`` in a subprocess; waits until it answers."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "central", "serve", "--db", db_url, "--port", str(port), "--workers", str(workers)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start: " + (proc.stderr.read().decode() if proc.stderr else ""))


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def cli(db_url: str, *args: str) -> str:
    return subprocess.run([sys.executable, "-m", "central", *args, "--db", db_url], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout.strip()


def enroll(url: str, db_url: str, site: str, serial: str) -> dict:
    code = cli(db_url, "enrolment-code", site)
    answer = httpx.post(f"{url}/api/v1/enroll", json={"code": code, "serial": serial}, timeout=30)
    answer.raise_for_status()
    return answer.json()


def synthetic_event(seq: int, boot: str = "boot-1") -> dict:
    """An event shaped like a real ``ticket_issued`` of the kiosk."""
    return {
        "seq": seq,
        "uuid": time_ordered_uuid(),
        "type": "ticket_issued",
        "payload": {"ahead": 3, "at": "2026-11-24T08:00:00+07:00", "day": "2026-11-24", "display": f"{1000 + seq % 999}",
                    "number": 1000 + seq % 999, "priority": False, "queue_seq": seq, "service": "oto",
                    "ticket_id": time_ordered_uuid(), "wait_minutes": 20},
        "wall_time": "2026-11-24T08:00:00+07:00",
        "mono_ns": seq * 1_000_000,
        "boot_id": boot,
        "clock_synced": True,
    }


def prepared_central(db: str, folder: Path) -> tuple[str, str | None]:
    """A migrated central database with the site "bench": SQLite in ``folder``, or a scratch PostgreSQL one.

    Returns the database URL and the scratch PostgreSQL database's name (None for SQLite), for drop_pg.
    """
    name = None
    if db == "postgresql":
        db_url, name = scratch_pg()
    else:
        db_url = f"sqlite:///{folder / 'central.db'}"
    cli(db_url, "migrate")
    cli(db_url, "add-site", "bench", "Bench site")
    return db_url, name


@contextmanager
def served_central(db: str, folder: Path, workers: int = 1) -> Iterator[tuple[str, str, subprocess.Popen]]:
    """A prepared central database (see prepared_central) served on loopback: yields ``(url, db_url, server)``.

    Stops the server and drops a scratch PostgreSQL database afterwards, however the benchmark ends.
    """
    db_url, name = prepared_central(db, folder)
    proc = None
    try:
        proc, url = start_server(db_url, workers)
        yield url, db_url, proc
    finally:
        if proc is not None:
            stop_server(proc)
        if name:
            drop_pg(name)


@contextmanager
def running_central(db: str, folder: Path, workers: int = 1) -> Iterator[tuple[str, str]]:
    """As :func:`served_central`, yielding ``(url, db_url)``."""
    with served_central(db, folder, workers) as (url, db_url, _):
        yield url, db_url


def process_tree(pid: int) -> list[int]:
    """``pid`` and every process under it (from /proc)."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        parents.setdefault(ppid, []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(parents.get(p, []))
    return found


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """CPU time (user + system) each of these processes has used so far; a process gone is left out."""
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / tick
    return found


def peak_rss_mb(pids: list[int]) -> dict[int, float]:
    """Each of these processes' peak resident memory (``VmHWM``) in MB; a process gone is left out."""
    found = {}
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        found[pid] = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0) / 1024
    return found


def pg_backends(db_url: str) -> list[int]:
    """The server processes of PostgreSQL serving this database now (on this machine)."""
    with psycopg.connect(db_url) as conn:
        return [pid for (pid,) in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")]


def add_user(db_url: str, username: str, password: str, role: str, site: str | None = None) -> None:
    """``kiosk-central add-user`` with the password on standard input (a leader needs ``site``)."""
    args = ["add-user", username, "--role", role, "--password-stdin", "--db", db_url]
    subprocess.run([sys.executable, "-m", "central", *args, *(["--site", site] if site else [])], cwd=ROOT,
                   check=True, input=password + "\n", capture_output=True, text=True)
