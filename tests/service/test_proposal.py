"""Proposals: frozen on save, reopened exactly, compared, deleted; the store refuses tampering."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import text

from hedging import service, store
from hedging.errors import InputError
from tests.conftest import settings_for

AS_OF = dt.date(2026, 12, 6)  # the sample company's usage ends on 31 Oct 2026


def _run(settings, **policy) -> service.Run:
    spec = service.RunSpec(as_of=AS_OF, n_paths=2000, policy=service.Policy(**policy))
    return service.build_run(spec, settings)


@pytest.fixture
def loaded(db_url, tmp_path):
    s = settings_for(db_url, tmp_path)
    service.load_sample_company(s)
    return s


def test_saved_proposal_is_frozen_against_later_data_changes(loaded):
    run = _run(loaded)
    pid = service.save_proposal(run, "FY27 hedge", "Northwind", loaded)
    before = service.load_proposal(pid, loaded)
    assert before["id"] == pid and before["fingerprint"]
    assert before["inputs"]["paths"] == 2000 and len(before["provenance"]["imports"]) == 6
    # the run on screen is what is saved: its spec and its headline, not a recomputation
    assert before["spec"] == run.spec.to_dict() and before["spec_line"] == run.spec_line()
    assert {k: v for k, v in before["headline"].items() if k != "summary"} == run.headline()
    assert {"spend_fan", "distribution", "hedge_ratios"} <= set(before["figures"])
    assert before["tables"]["schedule"] and before["headline"]["summary"].startswith("The minimum-variance programme")
    # the data changes afterwards: the saved proposal does not
    service.delete_import(before["provenance"]["imports"][0]["id"], loaded)
    assert service.load_proposal(pid, loaded) == before


def test_tampering_is_detected(loaded):
    pid = service.save_proposal(_run(loaded), "P", "C", loaded)
    engine = store.get_engine(loaded.database_url)
    with engine.begin() as conn:
        payload = json.loads(conn.execute(text("SELECT payload FROM proposals WHERE id = :i"), {"i": pid}).scalar())
        payload["headline"]["volatility_reduction"] = 0.99
        conn.execute(text("UPDATE proposals SET payload = :p WHERE id = :i"), {"p": json.dumps(payload), "i": pid})
    with pytest.raises(InputError, match="fingerprint"):
        service.load_proposal(pid, loaded)


def test_pdf_is_asked_for_by_fingerprint(loaded, monkeypatch):
    """A caller that caches PDFs by fingerprint never gets another document's PDF for an id."""
    from collections import OrderedDict

    import hedging.report.pdf as pdf
    import hedging.report.pdf_figures as pdf_figures
    import hedging.service.proposal as proposal_service

    pid = service.save_proposal(_run(loaded), "P", "C", loaded)
    fingerprint = service.load_proposal(pid, loaded)["fingerprint"]
    import hedging.service.pdf_worker as pdf_worker

    monkeypatch.setattr(pdf, "build_pdf", lambda payload, images=None: payload["fingerprint"].encode())
    # the service lays pages out in a worker process; the stand-in replaces that call, as pdf.build_pdf above
    # replaces it for anything laid out in this process
    monkeypatch.setattr(pdf_worker, "warm", lambda: None)
    monkeypatch.setattr(pdf_worker, "build_pdf", lambda payload, images=None: payload["fingerprint"].encode())
    monkeypatch.setattr(pdf_figures, "render_all", lambda figures: ({k: b"png" for k in figures}, {}))
    monkeypatch.setattr(proposal_service, "_IMAGES", OrderedDict())  # no stand-in image outlives this test
    assert service.proposal_pdf(pid, loaded, fingerprint=fingerprint) == fingerprint.encode()
    with pytest.raises(InputError, match="no longer the document that was opened"):
        service.proposal_pdf(pid, loaded, fingerprint="0" * 64)


def test_compare_and_delete(settings):
    service.load_sample_company(settings)
    a = service.save_proposal(_run(settings), "Min variance", "C", settings)
    b = service.save_proposal(_run(settings, name="layered"), "Layered", "C", settings)
    table = service.compare_proposals(service.load_proposal(a, settings), service.load_proposal(b, settings))
    changed = set(table.loc[~table["same"], ""])
    assert {"Policy", "Volatility reduction", "Program cost (fees and half spreads)"} <= changed
    assert "Seed" not in changed
    # plain words and the product's number format: no field names, no scientific notation
    shown = " ".join(table.astype(str).to_numpy().ravel())
    assert "_" not in " ".join(table[""]) and "e+" not in shown and "e-0" not in shown
    row = table.set_index("").loc["Program cost (fees and half spreads)"]
    a_cost = service.load_proposal(a, settings)["headline"]["program_cost"]
    b_cost = service.load_proposal(b, settings)["headline"]["program_cost"]
    assert row[f"#{a}"] == service.fmt.money(a_cost) and row["difference"] == service.fmt.money_change(b_cost - a_cost)
    assert row["difference"][0] in "+-"
    assert table.set_index("").loc["Volatility reduction", "difference"].endswith(" pp")
    service.delete_proposal(a, settings)
    assert [p["id"] for p in service.list_proposals(settings)] == [b]
    with pytest.raises(InputError):
        service.load_proposal(a, settings)
