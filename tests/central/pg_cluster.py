"""A PostgreSQL server for the central tests: the machine's when one answers, else a private cluster.

On a fresh machine nothing listens on 127.0.0.1:5432, so the test session makes
its own cluster with ``initdb`` and ``pg_ctl`` (Debian's ``postgresql`` package,
which ``scripts/setup.sh`` installs) in a temporary folder: a free TCP port on
127.0.0.1, trust authentication, no fsync (a test database needs no
durability). It is stopped and removed at the end of the session. Each
pytest-xdist worker is its own session, so each gets its own cluster.

PostgreSQL refuses to run as root (CI runs as root): as root, ``initdb``,
``pg_ctl`` and the server run as the ``postgres`` user (``nobody`` when there is
none), through ``subprocess``'s ``user=``/``group=``.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import psycopg

#: The machine's server, as CI and a developer's machine may have it (trust auth for ``postgres``).
MACHINE_URL = "postgresql://postgres@127.0.0.1:5432"
#: Where Debian's ``postgresql-NN`` packages put the server programs (not on PATH).
DEBIAN_BIN_GLOB = "/usr/lib/postgresql/*/bin"
#: Attempts at a free port (another worker may take the port between choosing and binding it).
PORT_ATTEMPTS = 5


def answers(url: str, timeout: int = 3) -> bool:
    """Whether a superuser can connect to ``url`` (a server URL without a database) and run a query."""
    try:
        with psycopg.connect(f"{url}/postgres", connect_timeout=timeout) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


def server_program(name: str) -> Path:
    """``initdb`` or ``pg_ctl``: from PATH, else the newest Debian ``/usr/lib/postgresql/NN/bin``."""
    found = shutil.which(name)
    if found:
        return Path(found)

    def version(folder: str) -> int:
        match = re.search(r"/(\d+)/bin$", folder)
        return int(match.group(1)) if match else 0

    for folder in sorted(glob.glob(DEBIAN_BIN_GLOB), key=version, reverse=True):
        if (Path(folder) / name).is_file():
            return Path(folder) / name
    raise RuntimeError(
        f"no PostgreSQL server answers at {MACHINE_URL} and {name} was not found (PATH, {DEBIAN_BIN_GLOB}): "
        "run scripts/setup.sh, which installs Debian's postgresql package"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateCluster:
    """A throwaway PostgreSQL cluster in a temporary folder, on 127.0.0.1 and a free port."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="kiosk-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.port: int | None = None
        self._as: dict[str, Any] = {}
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            try:
                user = pwd.getpwnam("postgres")
            except KeyError:
                user = pwd.getpwnam("nobody")
            self._as = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
            os.chown(self.folder, user.pw_uid, user.pw_gid)

    @property
    def url(self) -> str:
        """The server URL (no database), e.g. ``postgresql://postgres@127.0.0.1:41234``."""
        return f"postgresql://postgres@127.0.0.1:{self.port}"

    def _run(self, *command: str | Path, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(c) for c in command], capture_output=True, text=True, check=check, cwd=self.folder,
            stdin=subprocess.DEVNULL, timeout=120, **self._as,
        )

    def start(self) -> str:
        """initdb, then start the server on a free port; return its URL."""
        try:
            self._run(server_program("initdb"), "-D", self.data, "-U", "postgres", "--auth=trust",
                      "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync")
        except subprocess.CalledProcessError as exc:
            self.remove()
            raise RuntimeError(f"initdb failed: {exc.stderr.strip() or exc.stdout.strip()}") from None
        problem = ""
        for _ in range(PORT_ATTEMPTS):
            self.port = _free_port()
            options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='{self.folder}' "
                       "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
            done = self._run(server_program("pg_ctl"), "-D", self.data, "-l", self.log, "-w", "-t", "60",
                             "-o", options, "start", check=False)
            if done.returncode == 0 and answers(self.url):
                return self.url
            problem = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else done.stderr
            self._run(server_program("pg_ctl"), "-D", self.data, "-m", "immediate", "stop", check=False)
        self.remove()
        raise RuntimeError(f"the private PostgreSQL cluster did not start: {problem}")

    def stop(self) -> None:
        """Stop the server and remove its folder."""
        if self.data.exists():
            self._run(server_program("pg_ctl"), "-D", self.data, "-m", "fast", "-w", "stop", check=False)
        self.remove()

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def find_or_start(url: str = MACHINE_URL) -> tuple[str, PrivateCluster | None]:
    """The server at ``url`` when it answers, else a private cluster (which the caller stops)."""
    if answers(url):
        return url, None
    cluster = PrivateCluster()
    return cluster.start(), cluster
