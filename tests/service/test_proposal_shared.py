"""Work that proposals of one run share is done once, however many sessions ask at the same moment:
the charts of a saved proposal (drawn from the run) and their PNGs for the PDF (by content)."""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict

import pytest

import hedging.report.pdf_figures as pdf_figures
import hedging.service.proposal as proposal_service
import hedging.service.pdf_worker as pdf_worker
from hedging import service
from hedging.config import Settings

AS_OF = dt.date(2026, 12, 6)
SESSIONS = 8


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    settings = Settings.from_env({"HEDGING_DATA_DIR": str(tmp_path_factory.mktemp("data"))})
    service.load_sample_company(settings)
    return settings, service.build_run(service.RunSpec(as_of=AS_OF, n_paths=2000), settings)


def at_once(fn, n: int = SESSIONS) -> list:
    """``fn(i)`` in n threads released together; results in thread order, errors re-raised."""
    start, out = threading.Barrier(n), [None] * n

    def call(i: int) -> None:
        start.wait()
        try:
            out[i] = fn(i)
        except BaseException as err:  # noqa: BLE001 - re-raised below, in the test's thread
            out[i] = err

    threads = [threading.Thread(target=call, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in out:
        if isinstance(r, BaseException):
            raise r
    return out


def test_proposals_saved_at_once_from_one_run_draw_its_charts_once(setup, monkeypatch):
    settings, run = setup
    calls = []
    draw = proposal_service._draw_figures
    monkeypatch.setattr(proposal_service, "_draw_figures", lambda *a: calls.append(1) or draw(*a))
    ids = at_once(lambda i: service.save_proposal(run, f"Session {i}", "Northwind Analytics", settings))
    assert len(set(ids)) == SESSIONS and len(calls) == 1
    saved = [service.load_proposal(i, settings) for i in ids]
    assert all(p["figures"] == saved[0]["figures"] for p in saved)
    assert {"spend_fan", "hedge_ratios", "distribution", "fan_compare", "margin"} <= set(saved[0]["figures"])
    # each document is still its own: names and fingerprints differ
    assert len({p["fingerprint"] for p in saved}) == SESSIONS


def test_pdfs_of_one_run_render_each_chart_once_and_report_their_steps(setup, monkeypatch):
    settings, run = setup
    ids = [service.save_proposal(run, f"Board pack {i}", "Northwind Analytics", settings) for i in range(SESSIONS)]
    rendered = []

    def render_all(figures):  # stands in for headless Chromium: one 1x1 PNG per chart
        rendered.append(sorted(figures))
        return {k: PNG_1x1 for k in figures}, {}

    laid_out = []
    monkeypatch.setattr(pdf_figures, "render_all", render_all)
    monkeypatch.setattr(proposal_service, "_IMAGES", OrderedDict())
    monkeypatch.setattr(pdf_worker, "warm", lambda: None)   # the layout runs in a worker process: stand in for it
    monkeypatch.setattr(pdf_worker, "build_pdf", lambda payload, images=None: laid_out.append(images) or b"%PDF-" +
                        payload["fingerprint"].encode())
    steps: list[list] = [[] for _ in ids]
    out = at_once(lambda i: service.proposal_pdf(ids[i], settings, progress=lambda f, t: steps[i].append((f, t))))
    assert len(rendered) == 1 and len(rendered[0]) == len(service.load_proposal(ids[0], settings)["figures"])
    assert len(laid_out) == SESSIONS and all(images == {k: PNG_1x1 for k in rendered[0]} for images in laid_out)
    assert [o[:5] for o in out] == [b"%PDF-"] * SESSIONS and len(set(out)) == SESSIONS
    for i, s in zip(ids, steps):
        assert [f for f, _ in s] == [0.0, 0.1, 0.6]
        assert s[0][1] == f"Reading proposal #{i} as it was saved" and s[2][1] == "Laying out the pages"


def test_a_chart_that_failed_is_drawn_again_and_its_reason_printed(setup, monkeypatch):
    """A failed chart is not remembered: build_pdf draws every chart itself and notes why one is missing."""
    settings, run = setup
    pid = service.save_proposal(run, "One chart fails", "Northwind Analytics", settings)
    monkeypatch.setattr(proposal_service, "_IMAGES", OrderedDict())
    monkeypatch.setattr(pdf_figures, "render_all",
                        lambda figures: ({k: PNG_1x1 for k in figures if k != "margin"},
                                         {"margin": "the chart renderer did not answer"} if "margin" in figures else {}))
    given = []
    monkeypatch.setattr(pdf_worker, "warm", lambda: None)   # the layout runs in a worker process: stand in for it
    monkeypatch.setattr(pdf_worker, "build_pdf", lambda payload, images=None: given.append(images) or b"%PDF-")
    assert service.proposal_pdf(pid, settings) == b"%PDF-"
    assert given == [None]
    assert "margin" not in proposal_service.chart_images({"margin": "{}"})[0]


#: The smallest valid PNG (1 x 1 px, grey), so that nothing here needs a browser.
PNG_1x1 = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010800000000"
                        "3a7e9b550000000a49444154789c63600000000200015e7c0f5e0000000049454e44ae426082")
