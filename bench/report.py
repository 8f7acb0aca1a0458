"""Benchmark of the PDF proposal: cold and warm build time for the test fixture's proposal.

Run from the repository root: ``python bench/report.py``. Prints measured figures only.

The proposal is ``tests/report/proposal_fixture.make_proposal()``: nine plotly charts (one a
20,000-sample histogram), a 36-trade schedule and every table of a saved proposal.

Cold: a new Python process, from interpreter start to the first PDF's bytes (imports, Chromium
start, rendering the nine charts, layout). Warm: further builds in the same process, with the
chart renderer (one headless Chromium tab) already running; best of 3, split into chart
rendering and PDF layout. Goal: warm < 5 s.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_WARM_S = 5.0


def _child() -> None:
    """Runs in a fresh interpreter; prints one JSON line of measured times."""
    spawned = float(sys.argv[sys.argv.index("--child") + 1])
    interpreter = time.time() - spawned
    start = time.perf_counter()
    sys.path.insert(0, str(ROOT))
    from hedging.report.pdf import build_pdf, render_figures, stop_renderer
    from tests.report.proposal_fixture import make_proposal

    imported = time.perf_counter()
    proposal = make_proposal()
    made = time.perf_counter()
    first = build_pdf(proposal)
    cold_done = time.perf_counter()

    warm, render, layout = [], [], []
    for _ in range(3):
        t0 = time.perf_counter()
        data = build_pdf(proposal)
        warm.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        images = render_figures(proposal["figures"])
        render.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        build_pdf(proposal, images=images)
        layout.append(time.perf_counter() - t0)
    stop_renderer()

    import io

    import pypdf

    pages = len(pypdf.PdfReader(io.BytesIO(data)).pages)
    print(json.dumps({"interpreter": interpreter, "imports": imported - start, "fixture": made - imported,
                      "first_build": cold_done - made,
                      "warm": min(warm), "render": min(render), "layout": min(layout), "pages": pages,
                      "bytes": len(first), "charts": len(images)}))


def main() -> None:
    out = subprocess.run([sys.executable, __file__, "--child", repr(time.time())], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout
    m = json.loads(out.strip().splitlines()[-1])
    cold = m["interpreter"] + m["imports"] + m["first_build"]
    print(f"PDF proposal: {m['pages']} pages, {m['bytes'] / 1e6:.2f} MB, {m['charts']} charts")
    print(f"cold (new process: interpreter {m['interpreter']:.2f} s + imports {m['imports']:.2f} s + first build "
          f"{m['first_build']:.2f} s, building the fixture not counted): {cold:.2f} s")
    print(f"warm (second build, renderer running; best of 3): {m['warm']:.2f} s"
          f"   = charts {m['render']:.2f} s + layout {m['layout']:.2f} s"
          f"   goal < {GOAL_WARM_S:.0f} s: {'met' if m['warm'] < GOAL_WARM_S else 'NOT met'}")


if __name__ == "__main__":
    if "--child" in sys.argv:
        _child()
    else:
        main()
