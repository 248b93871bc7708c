"""A throwaway PostgreSQL server on 127.0.0.1 for the test session.

``initdb`` + ``pg_ctl`` in a temporary directory (fsync off: 0.6 s to start).
As root, the server runs as the ``postgres`` system user, since PostgreSQL
refuses to run as root.  ``CONGDOAN_TEST_PG_URL`` points the tests at an
existing server instead.  When no server can be had, the PostgreSQL tests are
skipped with the reason (``.ci/run`` installs PostgreSQL, so CI runs them).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path


class PostgresUnavailable(Exception):
    pass


def _pg_bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    if candidates:
        return candidates[0]
    raise PostgresUnavailable(f"{name} not found (install PostgreSQL: apt-get install postgresql)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(cmd: list[str], user: str | None) -> None:
    if user:
        cmd = ["runuser", "-u", user, "--", *cmd]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise PostgresUnavailable(f"{' '.join(cmd[:3])}... failed: {result.stderr.strip()[-400:]}")


@contextmanager
def postgres_server() -> Iterator[str]:
    """Yield a SQLAlchemy URL of a fresh, empty PostgreSQL database."""
    existing = os.environ.get("CONGDOAN_TEST_PG_URL")
    if existing:
        yield existing
        return
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    user = "postgres" if os.geteuid() == 0 else None
    tmp = Path(tempfile.mkdtemp(prefix="congdoan-pg-"))
    if user:
        shutil.chown(tmp, user)
    data, port = tmp / "data", _free_port()
    try:
        _run([initdb, "-D", str(data), "-U", "app", "--auth=trust", "-E", "UTF8",
              "--locale=C.UTF-8", "--no-sync"], user)  # fmt: skip
        _run([pg_ctl, "-D", str(data), "-l", str(tmp / "log"), "-w", "-o",
              f"-c listen_addresses=127.0.0.1 -p {port} -k {tmp} -c fsync=off "
              "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
              "start"], user)  # fmt: skip
        yield f"postgresql+psycopg://app@127.0.0.1:{port}/postgres"
    finally:
        if (data / "postmaster.pid").exists():
            with suppress(PostgresUnavailable):
                _run([pg_ctl, "-D", str(data), "-m", "immediate", "stop"], user)
        shutil.rmtree(tmp, ignore_errors=True)
