"""Benchmark of the app under eight users at once, in real browser sessions.

Run from the repository root: ``python bench/load.py [--sessions 8]``. Prints measured figures only.

Streamlit serves every browser session as a thread of one server process, so what one user's
page costs is shared with everyone else on the machine. This bench starts the app (as
``tests/e2e/conftest.py`` does) on a free port with a fresh ``HEDGING_DATA_DIR`` and drives
Debian's Chromium through Playwright's async API, one browser context per user:

1. Eight sessions press "Load sample company" at the same moment on an empty database. It must end
   with the sample stored once (the import list equals one lone load's) and nobody seeing a
   traceback.
2. One session loads the sample company into a second data directory.
3. One session alone walks Data, Market, Forecast, Hedge program, Before / after and Proposal,
   saves a proposal and downloads its PDF, on a freshly started server (cold caches).
4. Eight sessions do the same at once, on another freshly started server over the same data (cold
   caches again), all opening each page at the same moment.

Each page is timed from the click on its menu link to a specific element that only appears once the
page's results are drawn (never a sleep); the next page is opened once the script has finished.

The control: the server runs the app with one more page, "Control", which computes nothing (a title
and a sentence). It is opened like the others, right after Data and again after the PDF, so that
its max / lone in the same run is the floor the machine imposes on any page (eight Chromium
renderers and the server share the same cores); a page's ratio is read against it. The
save is timed from the click to "Saved as proposal #N.", the PDF from there to the PDF's bytes in
hand (checked to start with %PDF-).
Printed per page: the lone time, the eight sessions' median and maximum, and max / lone. The goal
(issue 10): under eight sessions, page times within twice a lone session's. Also printed: the
server's CPU seconds in each walk (its process group, Chromium for the PDF charts included), which
shows how much work eight users repeat rather than share, and per session.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hedging import service  # noqa: E402
from hedging.config import Settings  # noqa: E402

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                 "--disable-dev-shm-usage"]
TIMEOUT_MS = 900_000
#: (menu link, how the page's results are recognised): a role and name, or a text.
CONTROL = "Control"
PAGES = [
    ("Data", ("heading", "Imports")),
    (CONTROL, ("heading", "Control: nothing computed")),
    ("Market", ("heading", "Forward curve and contracts")),
    ("Forecast", ("metric", "P(spend > budget)")),
    ("Hedge program", ("text", re.compile(r"^Solver:"))),
    ("Before / after", ("heading", "Hedge effectiveness")),
    ("Proposal", ("button", "Save the current program as a proposal")),
]
ROWS = [name for name, _ in PAGES] + ["Proposal: save", "Proposal: PDF download", "Control, after the PDF"]

#: The app as app.py builds it plus the control page, written next to a link to screens/ (pages are
#: found relative to the main script) in the run's temporary directory; the product is unchanged.
CONTROL_APP = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
import streamlit as st
from screens import _auth as auth
from screens import _shared as sh


def control():
    st.title("Control: nothing computed")
    st.write("This page reads no data and computes nothing: its time is the floor of any page.")


sh.configure_app()
auth.signed_in_user()
st.navigation(sh.router_pages() + [st.Page(control, title="{CONTROL}", url_path="control")]).run()
"""


def control_app(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "screens").symlink_to(ROOT / "screens", target_is_directory=True)
    (folder / "app_with_control.py").write_text(CONTROL_APP)
    return folder / "app_with_control.py"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``streamlit run app.py`` on a free loopback port over ``data_dir``, in its own process group."""

    def __init__(self, data_dir: Path, log: Path, app: Path) -> None:
        self.port = _free_port()
        env = dict(os.environ, HEDGING_DATA_DIR=str(data_dir))
        env.pop("DATABASE_URL", None)
        self.log = open(log, "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(self.port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],  # code edited during a run is not reloaded mid-measurement
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.time() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if self.proc.poll() is not None or time.time() > deadline:
                self.stop()
                raise RuntimeError(f"the app did not start: {log.read_text()[-2000:]}")
            time.sleep(0.3)

    def cpu_seconds(self) -> float:
        """User + system CPU of every live process in the server's process group."""
        tick = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == self.proc.pid:  # field 5 of stat: the process group id
                total += (int(fields[11]) + int(fields[12])) / tick
        return total

    def stop(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=15)
        except ProcessLookupError:
            pass
        self.log.close()


def marker(page, kind: str, name):
    if kind == "heading":
        return page.get_by_role("heading", name=name, exact=True)
    if kind == "button":
        return page.get_by_role("button", name=name, exact=True)
    if kind == "metric":
        return page.get_by_test_id("stMetric").filter(has=page.get_by_text(name, exact=True))
    return page.get_by_text(name)


async def idle(page) -> None:
    """Wait until the session's script run has finished (Streamlit marks it on the app's root)."""
    await page.wait_for_function(
        "() => { const a = document.querySelector('[data-testid=stApp]');"
        " return a && !['running', 'rerunRequested', 'initial'].includes(a.getAttribute('data-test-script-state')); }",
        timeout=TIMEOUT_MS)


async def tracebacks(page) -> int:
    return await page.locator('[data-testid="stException"]').count()


class Session:
    def __init__(self, number: int, context, page) -> None:
        self.number, self.context, self.page = number, context, page
        self.times: dict[str, float] = {}
        self.problems: list[str] = []

    async def timed(self, row: str, action, done) -> None:
        t = time.perf_counter()
        try:
            await action()
            await done()
            self.times[row] = time.perf_counter() - t
        except Exception as err:  # noqa: BLE001 - every failure is counted and printed, the others carry on
            self.problems.append(f"{row}: {type(err).__name__}: {str(err).splitlines()[0][:160]}")
        if await tracebacks(self.page):
            text = (await self.page.get_by_test_id("stException").first.inner_text()).replace("\n", " ")
            self.problems.append(f"{row}: a traceback is on the page: {text[:300]}")


async def open_session(browser, url: str, number: int) -> Session:
    context = await browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = await context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    session = Session(number, context, page)
    page.on("pageerror", lambda e: session.problems.append(f"browser error: {str(e)[:160]}"))
    return session


async def walk(session: Session, url: str, barrier: asyncio.Barrier | None) -> None:
    """Every page in menu order, then save a proposal and download its PDF."""
    page = session.page
    for name, (kind, label) in PAGES:
        if barrier is not None:
            await barrier.wait()
        if name == "Data":
            action = lambda: page.goto(url, wait_until="domcontentloaded")  # noqa: E731
        else:
            action = page.get_by_role("link", name=name, exact=True).click
        await session.timed(name, action, lambda kind=kind, label=label: marker(page, kind, label).first.wait_for())
        await idle(page)

    async def save():
        await page.get_by_label("Company").fill(f"Session {session.number}")
        await page.get_by_role("button", name="Save the current program as a proposal").click()

    if barrier is not None:
        await barrier.wait()
    saved = page.get_by_text(re.compile(r"^Saved as proposal #\d+\.$"))
    await session.timed("Proposal: save", save, lambda: saved.wait_for())
    # from the saved proposal on screen to its PDF in hand: the build (where the app does it before
    # the click, as it does now, or on the click) and the download
    pdf: dict[str, bytes] = {}

    async def download():
        button = page.get_by_role("button", name="Download the PDF proposal")
        await button.wait_for()
        async with page.expect_download(timeout=300_000) as info:
            await button.click()
        path = await (await info.value).path()
        pdf["bytes"] = Path(path).read_bytes()

    async def is_pdf():
        if not pdf.get("bytes", b"").startswith(b"%PDF-"):
            raise RuntimeError(f"the download is not a PDF ({pdf.get('bytes', b'')[:20]!r})")

    await session.timed("Proposal: PDF download", download, is_pdf)
    await idle(page)
    if barrier is not None:
        await barrier.wait()
    await session.timed("Control, after the PDF", page.get_by_role("link", name=CONTROL, exact=True).click,
                        lambda: marker(page, "heading", "Control: nothing computed").first.wait_for())
    await idle(page)


async def browse(url: str, n: int, job) -> list[Session]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                                          args=CHROMIUM_ARGS)
        sessions = [await open_session(browser, url, i + 1) for i in range(n)]
        barrier = asyncio.Barrier(n) if n > 1 else None
        await asyncio.gather(*(job(s, url, barrier) for s in sessions))
        for s in sessions:
            await s.context.close()
        await browser.close()
    return sessions


async def press_load_sample(session: Session, url: str, barrier: asyncio.Barrier | None) -> None:
    page = session.page
    await page.goto(url, wait_until="domcontentloaded")
    button = page.get_by_role("button", name="Load sample company")
    await button.wait_for()
    await idle(page)
    if barrier is not None:
        await barrier.wait()
    result = (page.get_by_role("heading", name="Import report", exact=True).or_(page.get_by_test_id("stException"))
              .or_(page.get_by_test_id("stAlert").filter(has_not_text="No usage stored yet")).first)
    await session.timed("Load sample company", button.click, lambda: result.wait_for())
    await idle(page)
    alerts = await page.get_by_test_id("stAlert").all_inner_texts()
    session.problems += [f"message: {a[:200]}" for a in alerts if "rror" in a or "could not" in a.lower()]


def imports_of(data_dir: Path) -> list[tuple[str, int]]:
    settings = Settings.from_env({"HEDGING_DATA_DIR": str(data_dir)})
    return sorted((i.file_name, i.rows_stored) for i in service.list_imports(settings))


LOADS: list[float] = []  # the machine's 1-minute load average after each phase (other work competes too)
APP: list[Path] = []  # the app with the control page (set in main)


def run_phase(data_dir: Path, log: Path, n: int, job) -> tuple[list[Session], float, float]:
    server = Server(data_dir, log, APP[0])
    try:
        cpu0, t = server.cpu_seconds(), time.perf_counter()
        sessions = asyncio.run(browse(server.url, n, job))
        return sessions, time.perf_counter() - t, server.cpu_seconds() - cpu0
    finally:
        LOADS.append(os.getloadavg()[0])
        server.stop()


def report_problems(label: str, sessions: list[Session]) -> int:
    count = 0
    for s in sessions:
        for p in s.problems:
            print(f"    {label}, session {s.number}: {p}")
            count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--walk-only", action="store_true", help="skip the concurrent 'Load sample company'")
    args = parser.parse_args()
    n = args.sessions
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the servers on the way out
    print(f"Machine: {os.cpu_count()} CPU cores; {n} sessions are {n} browser contexts of one headless Chromium "
          "on the same machine as the server.")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        APP.append(control_app(tmp / "app"))
        # 1. n sessions press "Load sample company" at once on an empty database.
        race_dir, data_dir = tmp / "race", tmp / "data"
        racers = [] if args.walk_only else run_phase(race_dir, tmp / "race.log", n, press_load_sample)[0]
        # 2. one session loads the sample company (the reference for what "loaded once" means).
        loaders, _, _ = run_phase(data_dir, tmp / "load.log", 1, press_load_sample)
        reference, raced = imports_of(data_dir), imports_of(race_dir) if racers else []
        loaded = sorted(s.times.get("Load sample company", float("nan")) for s in racers) or [float("nan")]
        print(f"\n{n} sessions press 'Load sample company' at once on an empty database:")
        print(f"  one session alone: {loaders[0].times.get('Load sample company', float('nan')):.1f} s; "
              f"{n} at once: median {statistics.median(loaded):.1f} s, max {max(loaded):.1f} s")
        print(f"  stored: {len(raced)} imports, {sum(r for _, r in raced):,} rows; a lone load stores "
              f"{len(reference)} imports, {sum(r for _, r in reference):,} rows -> "
              f"{'loaded once' if raced == reference else 'NOT the same as one load'}")
        bad = report_problems("load race", racers) + report_problems("lone load", loaders)
        print(f"  sessions with a traceback or an error message: "
              f"{sum(1 for s in racers if s.problems)} of {n}")

        # 3. and 4. the walk, alone and with n sessions, each on a freshly started server.
        # each walk starts from the same copy of the data: the sample loaded, no proposal saved yet
        shutil.copytree(data_dir, tmp / "data_lone")
        shutil.copytree(data_dir, tmp / "data_many")
        lone, lone_wall, lone_cpu = run_phase(tmp / "data_lone", tmp / "lone.log", 1, walk)
        many, many_wall, many_cpu = run_phase(tmp / "data_many", tmp / "many.log", n, walk)
        print(f"\nPage walk, time to results shown (s); lone session vs {n} concurrent sessions:")
        print(f"  {'page':<24}{'lone':>8}{'median':>9}{'max':>8}{'max/lone':>10}{'done':>7}")
        worst = 0.0
        for row in ROWS:
            alone = lone[0].times.get(row)
            got = [s.times[row] for s in many if row in s.times]
            med = statistics.median(got) if got else float("nan")
            top = max(got) if got else float("nan")
            ratio = top / alone if alone and got else float("nan")
            if not math.isnan(ratio) and not row.startswith(CONTROL):
                worst = max(worst, ratio)
            print(f"  {row:<24}{alone if alone is not None else float('nan'):8.1f}{med:9.1f}{top:8.1f}"
                  f"{ratio:10.1f}{len(got):>5}/{n}")
        lone_total = sum(lone[0].times.values())
        print(f"  whole walk: lone {lone_wall:.0f} s wall, {lone_cpu:.0f} s server CPU; {n} sessions {many_wall:.0f} s "
              f"wall, {many_cpu:.0f} s server CPU ({many_cpu / max(lone_cpu, 1e-9):.1f}x the lone CPU for {n}x the "
              f"users); sum of lone page times {lone_total:.0f} s")
        print(f"  server CPU per session: lone {lone_cpu:.0f} s; {n} sessions {many_cpu / n:.1f} s each")
        floor = [max((s.times[r] for s in many if r in s.times), default=float("nan")) / lone[0].times[r]
                 for r in (CONTROL, "Control, after the PDF") if r in lone[0].times]
        print(f"  control (a page that computes nothing) max/lone: {', '.join(f'{x:.1f}' for x in floor)} "
              "(the floor this machine imposes on every page)")
        print(f"  worst page max/lone: {worst:.1f} (goal: 2.0 or less)")
        bad += report_problems("lone walk", lone) + report_problems(f"{n}-session walk", many)
        print(f"  problems seen (tracebacks, failed waits, bad downloads, messages): {bad}")
        print(f"Machine load (1-minute average) after each phase: {', '.join(f'{x:.1f}' for x in LOADS)} "
              f"on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
