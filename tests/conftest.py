"""Shared fixtures: temporary SQLite databases and a throwaway PostgreSQL server.

The PostgreSQL server is started by the tests themselves (initdb + pg_ctl on 127.0.0.1 and a
free port, as the ``postgres`` user when running as root) and stopped afterwards by PID.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from hedging.config import Settings

# Property tests are judged on their examples, not on wall-clock time (CI machines are shared), and
# run from a fixed derivation of each test's name so a failure reproduces exactly.
hypothesis_settings.register_profile("project", deadline=None, derandomize=True, print_blob=True)
hypothesis_settings.load_profile("project")

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SHARED = ROOT.parent / "shared"


def _pg_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", "postgres", "--"] + cmd


@pytest.fixture(scope="session")
def postgres_url():
    """URL of a fresh PostgreSQL database on 127.0.0.1, served for the whole test session."""
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.fail("PostgreSQL is not installed; `make test` installs Debian's postgresql package.")
    base = Path(tempfile.mkdtemp(prefix="hedging-pg-"))
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        shutil.chown(sock, "postgres")
    port = _free_port()
    subprocess.run(_as_postgres([initdb, "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync",
                                 "-E", "UTF8"]), check=True, capture_output=True)
    subprocess.run(_as_postgres([pg_ctl, "-D", str(data), "-l", str(base / "log.txt"), "-w", "-o",
                                 f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off",
                                 "start"]), check=True, capture_output=True)
    pid = int((data / "postmaster.pid").read_text().splitlines()[0])
    try:
        url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
        deadline = time.time() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
        yield url
    finally:
        subprocess.run(_as_postgres([pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"]), capture_output=True)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        shutil.rmtree(base, ignore_errors=True)


def _reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public;"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path):
    """A clean database URL: SQLite file, then the throwaway PostgreSQL server."""
    from hedging.store.engine import clear_engines, get_engine

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
        _reset_postgres(url)
        clear_engines()
    yield url
    if request.param == "postgres":
        get_engine(url).dispose()
        clear_engines()


@pytest.fixture
def settings(tmp_path) -> Settings:
    """Settings with a private SQLite database and data directory."""
    return Settings(database_url=f"sqlite:///{tmp_path / 'hedging.db'}", data_dir=tmp_path)


def settings_for(url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=url, data_dir=tmp_path)
