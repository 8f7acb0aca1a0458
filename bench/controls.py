"""Benchmark: how long the pages take to answer a control change in a real browser.

Run from the repository root: ``python bench/controls.py [--port 8641] [--paths 10000]``. Prints
measured figures only.

The sample company is imported into a temporary SQLite database, the app is started on the given
port (the next free one up to +8 if taken), and Chromium (Playwright, Debian's /usr/bin/chromium)
opens it as of 6 Dec 2026. After the first run has filled the caches, every figure is the time
from the change to the end of the page's script run (the app's ``data-test-script-state`` going
back to ``notRunning``), the median of three changes to values not seen before, so no answer comes
from an earlier identical run:

* baseline: a no-op rerun of the same page (the "R" key), which redraws the page and reads every
  result from the cache; what no change can beat;
* changes that need no new simulation (goal: under 1.5 s): the policy, a layered hedge ratio, the
  volume percentile cap, the position limit, the margin budget and the materiality threshold
  (Hedge program page), and the annual budget (Forecast page). The Hedge program page builds the
  other policies and one notch either way of its sliders in the background while it is read
  (``service.compute_ahead``); the changes follow each other as fast as the page allows (0.3 s
  after a run ends), so a program not finished by then is waited for and counted;
* a change that does need a new simulation (the volume-price correlation): the edit alone, which
  only marks the results out of date and shows the Run button, then the press of "Run" (the new
  simulation), each pair on a value not seen before.

Each is printed in seconds and as a multiple of the baseline measured in the same run. Then, in
one process without the browser, what the Hedge program page computes for such a change now
against the full program stage it computed before, and the page's whole script for a hedge-ratio
change against a no-op rerun (AppTest). The load average is printed at the start and the end: the
machine may be shared, and every figure moves with it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
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

AS_OF = dt.date(2026, 12, 6)
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage"]
#: Records every change of the app's script state with the page's clock, so that a run too short
#: to be seen by polling is still counted.
WATCH = """() => {
  window.__runs = [];
  const app = document.querySelector('[data-testid=stApp]');
  new MutationObserver(() => window.__runs.push([performance.now(), app.dataset.testScriptState]))
    .observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""


def _port(first: int) -> int:
    for port in range(first, first + 9):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    raise SystemExit(f"no free port in {first}-{first + 8}")


def settled(page, started: float, timeout: float = 240.0) -> float:
    """Seconds from ``started`` (page clock, ms) until a script run that began after it finished."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        runs = page.evaluate("() => window.__runs")
        began = [t for t, s in runs if t >= started and s == "running"]
        if began:
            done = [t for t, s in runs if t > began[0] and s == "notRunning"]
            if done:
                return (done[-1] if _quiet(page, done[-1]) else _wait_quiet(page, deadline)) / 1000 - started / 1000
        time.sleep(0.05)
    raise TimeoutError("the page did not finish its run")


def _quiet(page, t: float) -> bool:
    """True when no run started after ``t`` (a widget's callback can ask for a second run)."""
    time.sleep(0.3)
    runs = page.evaluate("() => window.__runs")
    return not any(time_ > t and s == "running" for time_, s in runs)


def _wait_quiet(page, deadline: float) -> float:
    while time.time() < deadline:
        runs = page.evaluate("() => window.__runs")
        if runs and runs[-1][1] == "notRunning" and _quiet(page, runs[-1][0]):
            return runs[-1][0]
        time.sleep(0.05)
    raise TimeoutError("the page kept rerunning")


def timed(page, action) -> float:
    started = page.evaluate("() => performance.now()")
    started = action() or started     # an action may say when it really started (a repeated key press)
    return settled(page, started)


def open_page(page, url: str, path: str) -> None:
    page.goto(f"{url}/{path}?as_of={AS_OF.isoformat()}")
    page.get_by_test_id("stApp").wait_for()
    page.evaluate(WATCH)
    page.wait_for_function("() => document.querySelector('[data-testid=stApp]').dataset.testScriptState === "
                           "'notRunning' && document.querySelectorAll('[data-testid=stMetric]').length > 0",
                           timeout=600_000)
    time.sleep(1.0)


def navigate(page, title: str) -> None:
    """Move to another page inside the app (the session, and its widget values, stay)."""
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title).click()
    page.wait_for_function("() => document.querySelector('[data-testid=stApp]').dataset.testScriptState === "
                           "'notRunning' && document.querySelectorAll('[data-testid=stMetric]').length > 0",
                           timeout=600_000)
    time.sleep(1.0)
    page.evaluate(WATCH)


def select(page, label: str, option: str):
    def act():
        page.get_by_test_id("stSelectbox").filter(has_text=label).first.locator("input").click()
        page.get_by_role("option", name=option, exact=True).click()
    return act


def slider_step(page, label: str, key: str):
    def act():
        page.get_by_test_id("stSlider").filter(has_text=label).first.get_by_role("slider").press(key)
    return act


def type_into(page, label: str, value: str):
    def act():
        box = page.get_by_test_id("stTextInput").filter(has_text=label).first.locator("input")
        box.fill(value)
        box.press("Enter")
    return act


def rerun(page):
    """The "R" key; pressed again when no run started within 3 s (the key is sometimes lost while the
    page settles), timed from the press that started the run."""
    def act():
        for _ in range(5):
            page.evaluate("() => document.activeElement && document.activeElement.blur()")
            pressed = page.evaluate("() => performance.now()")
            page.keyboard.press("r")
            deadline = time.time() + 3
            while time.time() < deadline:
                if any(t >= pressed and s == "running" for t, s in page.evaluate("() => window.__runs")):
                    return pressed
                time.sleep(0.05)
        raise TimeoutError("the R key started no run")
    return act


def run_pressed(page) -> float:
    """Seconds from pressing "Run" until the new run is on screen: the button disabled again (the
    results match the inputs) and the page's script finished. The click first reruns the button's
    fragment, which asks for the whole page: the end of that short run is not the end."""
    button = page.locator(".st-key-run_button_forecast button").first
    started = page.evaluate("() => performance.now()")
    button.click()
    page.wait_for_function("() => { const b = document.querySelector('.st-key-run_button_forecast button'); "
                           "return b && b.disabled && document.querySelector('[data-testid=stApp]').dataset"
                           ".testScriptState === 'notRunning'; }", timeout=600_000, polling=50)
    return (page.evaluate("() => performance.now()") - started) / 1000


def measure(page, name: str, actions: list, baseline: float | None) -> float:
    return report(name, [timed(page, a) for a in actions], baseline)


def report(name: str, times: list, baseline: float | None) -> float:
    med = statistics.median(times)
    ratio = f"{med / baseline:5.1f} x baseline" if baseline else ""
    print(f"  {name:<58} {med:6.2f} s  ({', '.join(f'{t:.2f}' for t in times)})  {ratio}", flush=True)
    return med


def browser(url: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=ARGS)
        page = b.new_page(viewport={"width": 1400, "height": 1000})
        open_page(page, url, "hedge")
        base = measure(page, "baseline: no-op rerun, Hedge program page", [rerun(page)] * 3, None)
        measure(page, "policy -> layered, CVaR, variance (Hedge program)",
                [select(page, "Policy", service.POLICIES[n]) for n in ("layered", "min_cvar", "min_variance")], base)
        timed(page, select(page, "Policy", service.POLICIES["layered"]))
        measure(page, "layered hedge ratio, months 1-3, -5 pp (Hedge program)",
                [slider_step(page, "months 1-3", "ArrowLeft")] * 3, base)
        measure(page, "volume percentile cap +5 (Hedge program)",
                [slider_step(page, "percentile of forecast volume", "ArrowRight")] * 3, base)
        measure(page, "position limit typed (Hedge program)",
                [type_into(page, "Position limit (lots per contract)", v) for v in ("900,000", "800k", "700000")], base)
        measure(page, "margin budget typed (Hedge program)",
                [type_into(page, "Margin budget (USD)", v) for v in ("900000", "800000", "700000")], base)
        measure(page, "materiality threshold typed (Hedge program)",
                [type_into(page, "Materiality threshold (USD)", v) for v in ("$25k", "50,000", "75000")], base)
        navigate(page, "Before / after")
        measure(page, "baseline: no-op rerun, Before / after page", [rerun(page)] * 3, None)
        navigate(page, "Forecast")
        base3 = measure(page, "baseline: no-op rerun, Forecast page", [rerun(page)] * 3, None)
        measure(page, "annual budget typed (Forecast)",
                [type_into(page, "Annual budget for AI compute (USD)", v) for v in ("4100000", "6100000", "8100000")],
                base3)
        marks, runs = [], []
        for _ in range(3):
            marks.append(timed(page, slider_step(page, "Volume-price correlation", "ArrowRight")))
            page.locator(".st-key-run_button_forecast button").first.wait_for()
            runs.append(run_pressed(page))
        report("volume-price correlation +0.05: marked out of date", marks, base3)
        report("... then Run (new simulation)", runs, base3)
        b.close()


def library(settings: Settings) -> None:
    """The same changes in one process, without the browser: what the Hedge program page computes
    now (the program alone, its headline and instrument table) against the full program stage it
    computed before (program, stress, variation margin, backtest, attribution, budget), each the
    best of three on one cached forecast."""
    spec = service.RunSpec(as_of=AS_OF, policy=service.Policy(name="layered"))
    view = service.forecast(spec, settings)
    service.build_run(spec, settings)       # the stress and regret worlds of this forecast, built once

    def best(fn) -> float:
        times = []
        for _ in range(3):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        return min(times)

    def page_path(s):
        result = service.hedge_result(view, s)
        service.hedge_view(s, view, result)
        service.instrument_comparison(view, result)

    def full_path(s):
        service.finish_run(s, view, service.build_program_stage(view, s))

    def kept_path(s, stored):
        result = service.kept_hedge_result(view, s, stored)
        service.hedge_view(s, view, result)
        service.kept_instrument_comparison(view, result, stored)

    bands = ((3, 0.70), (6, 0.50), (12, 0.25))
    changes = {"layered hedge ratio 75% -> 70% (months 1-3)": spec.with_(policy=service.Policy(name="layered", bands=bands)),
               "policy -> minimum variance": spec.with_(policy=service.Policy(name="min_variance")),
               "margin budget $700,000 (layered)": spec.with_(policy=service.Policy(name="layered", margin_budget=7e5))}
    print("Library, one process, 10,000 paths (seconds, best of 3):")
    for name, s in changes.items():
        new, old = best(lambda: page_path(s)), best(lambda: full_path(s))
        print(f"  {name:<48} Hedge page now {new:6.2f} s   full stage (before) {old:6.2f} s   ratio {old / new:5.1f}")
    print("Library, one process: a policy change when the program was built ahead, against building it then "
          "(seconds, median of the four other policies, each under keys not used before):")
    ahead, cold = [], []
    for n, name in enumerate(service.POLICIES):
        if name == spec.policy.name:
            continue
        s = spec.with_(policy=service.Policy(name=name))
        stored = f"bench-cold-{n}"
        t = time.perf_counter()
        kept_path(s, stored)
        cold.append(time.perf_counter() - t)
        stored = f"bench-ahead-{n}"
        service.compute_ahead(view, spec, stored)
        service.wait_ahead(120)
        t = time.perf_counter()
        kept_path(s, stored)
        ahead.append(time.perf_counter() - t)
    a, c = statistics.median(ahead), statistics.median(cold)
    print(f"  built ahead {a:.3f} s ({', '.join(f'{x:.3f}' for x in ahead)}); built then {c:.3f} s "
          f"({', '.join(f'{x:.3f}' for x in cold)}); ratio {c / a:.0f}")


def page_script(data_dir: str) -> None:
    """The Hedge program page's script alone, in this process (Streamlit's AppTest, no browser): the
    median of six no-op reruns against six layered-ratio changes to values not seen before. AppTest
    runs the whole page on every change (it does not run fragments alone), so this is the script's
    own cost of a change; the browser figures above add what only the fragment saves."""
    from streamlit.testing.v1 import AppTest

    os.environ["HEDGING_DATA_DIR"] = data_dir
    os.environ.pop("DATABASE_URL", None)
    at = AppTest.from_file(str(ROOT / "screens" / "hedge.py"), default_timeout=600)
    at.session_state["run_as_of"] = AS_OF
    at.session_state["hedge_policy"] = "layered"
    at.run()
    noop, change = [], []
    for value in (70, 65, 60, 55, 50, 45):
        t = time.perf_counter()
        at.run()
        noop.append(time.perf_counter() - t)
        t = time.perf_counter()
        at.slider(key="hedge_band_1_3").set_value(value).run()
        change.append(time.perf_counter() - t)
    if at.exception:
        raise SystemExit(f"the Hedge program page failed: {at.exception[0].message}")
    base, med = statistics.median(noop), statistics.median(change)
    print("Hedge program page script in this process (AppTest, whole page, median of 6):")
    print(f"  no-op rerun {base:.2f} s; layered hedge ratio change {med:.2f} s ({', '.join(f'{x:.2f}' for x in change)})"
          f"  {med / base:.1f} x the no-op rerun")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8641)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.from_env({"HEDGING_DATA_DIR": tmp})
        service.load_sample_company(settings)
        port = _port(args.port)
        env = dict(os.environ, HEDGING_DATA_DIR=tmp, PYTHONPATH=str(ROOT))
        env.pop("DATABASE_URL", None)
        log = open(Path(tmp) / "streamlit.log", "w")
        proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port",
                                 str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
                                 "--browser.gatherUsageStats", "false"], cwd=ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.time() + 90
            while time.time() < deadline:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                        break
                except OSError:
                    time.sleep(0.3)
            print(f"Sample company, the app's default 10,000 paths, as of {AS_OF}; Chromium at 1400 px; port {port}; "
                  f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min)")
            browser(url)
            library(settings)
            page_script(tmp)
            print(f"Load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min)")
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
            log.close()


if __name__ == "__main__":
    main()
