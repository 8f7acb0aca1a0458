"""A real app server and a real browser: Streamlit on a free port with a temporary database,
driven by Playwright through Debian's Chromium (no browser download)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                 "--disable-dev-shm-usage"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def deployment_site(tmp_path: Path, url: str, provider: str) -> Path:
    """A folder to start the app from in deployment mode: its .streamlit/ holds the repository's
    config.toml and a secrets.toml whose [auth] section points at the local OpenID provider."""
    import secrets

    site = tmp_path / "site" / ".streamlit"
    site.mkdir(parents=True)
    shutil.copy(ROOT / ".streamlit" / "config.toml", site / "config.toml")
    (site / "secrets.toml").write_text(
        "[auth]\n"
        f'redirect_uri = "{url}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(32)}"\n'
        'client_id = "hedging-desk"\n'
        'client_secret = "not-checked-by-the-local-provider"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n')
    return site.parent


def wait_until_healthy(url: str, proc: subprocess.Popen, log: Path) -> None:
    """Wait (up to 90 s) until the Streamlit server at ``url`` answers its health check."""
    deadline = time.time() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            raise RuntimeError(f"the app did not start: {log.read_text()}")
        time.sleep(0.3)


@contextlib.contextmanager
def app_server(data_dir: Path, log_path: Path, cwd: Path = ROOT, port: int | None = None):
    """The app on a free port of 127.0.0.1 with its data in ``data_dir``, started from ``cwd`` (whose
    .streamlit/ it reads), with no database URL, user or workspace from the environment; yields its
    address and stops it (the whole process group) afterwards."""
    port = port or _free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, HEDGING_DATA_DIR=str(data_dir))
    for name in ("DATABASE_URL", "HEDGING_USER", "HEDGING_WORKSPACE"):
        env.pop(name, None)
    log = open(log_path, "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until_healthy(url, proc, log_path)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


@contextlib.contextmanager
def deployed_server(tmp_path: Path, data_dir: Path, provider: str):
    """The app in deployment mode (sign-in through the local OpenID ``provider``): started from a
    :func:`deployment_site` made for its own address; yields that address."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    site = deployment_site(tmp_path, url, provider)
    with app_server(data_dir, tmp_path / "streamlit.log", cwd=site, port=port) as served:
        yield served


@pytest.fixture
def app_url(tmp_path):
    with app_server(tmp_path / "data", tmp_path / "streamlit.log") as url:
        yield url


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        pg = context.new_page()
        errors: list[str] = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.errors = errors
        yield pg
        context.close()
        browser.close()
