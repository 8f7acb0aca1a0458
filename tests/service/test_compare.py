"""Scenario comparison: saved proposals and an unsaved variant side by side, differences against the
first, the distribution each keeps (a proposal's read back from its frozen chart), and the limits."""

from __future__ import annotations

import numpy as np
import pytest

from hedging import service
from hedging.errors import InputError
from tests.conftest import settings_for
from tests.service.test_proposal import _run


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("compare")
    s = settings_for(f"sqlite:///{tmp / 'h.db'}", tmp)
    service.load_sample_company(s)
    runs = {"mv": _run(s), "layered": _run(s, name="layered")}
    ids = {k: service.save_proposal(r, k, "C", s) for k, r in runs.items()}
    return s, runs, ids


def test_three_scenarios_side_by_side_with_signed_differences_against_the_first(saved):
    s, runs, ids = saved
    a, b = (service.load_proposal(ids[k], s) for k in ("mv", "layered"))
    variant_run = service.build_run(runs["mv"].spec.with_(budget_annual=4_000_000.0), s)
    v = service.variant_document(variant_run, "Variant 1")
    table = service.compare_documents([("A", a), ("B", b), ("V", v)])
    assert list(table.columns) == ["", "A", "B", "V", "B − A", "V − A", "same", "section"]
    rows = table.set_index("")
    cost = rows.loc["Program cost (fees and half spreads)"]
    assert cost["B − A"] == service.fmt.money_change(b["headline"]["program_cost"] - a["headline"]["program_cost"])
    assert cost["V − A"] == "" and not cost["same"]          # the variant keeps A's program; B does not
    budget = rows.loc["Annual budget"]
    assert budget["V"] == "$4,000,000" and budget["V − A"] == service.fmt.money_change(4_000_000 - a["inputs"]["budget_annual"])
    assert rows.loc["Seed", "same"] and rows.loc["Policy", "B"] == "layered by tenor"
    # a variant is described exactly as a saved proposal of the same run would be
    assert v["inputs"] == service.proposal.run_inputs(variant_run)
    # the two-proposal table the Proposal page used is the same table
    pair = service.compare_proposals(a, b)
    assert list(pair.columns) == ["", f"#{ids['mv']}", f"#{ids['layered']}", "difference", "same", "section"]


def test_distributions_read_back_from_a_saved_proposal_match_the_run(saved):
    s, runs, ids = saved
    doc = service.load_proposal(ids["mv"], s)
    u, h = service.document_paths(doc)
    fresh_u, fresh_h = service.variant_document(runs["mv"], "x")["paths"]
    # the same 2,000 paths in the same order (the sample keeps them all below 3,000)
    np.testing.assert_allclose(u, fresh_u, rtol=1e-12)
    np.testing.assert_allclose(h, fresh_h, rtol=1e-12)
    assert u.std() > h.std()
    fig = service.scenario_figure([("A", doc), ("B", service.load_proposal(ids["layered"], s))])
    assert len(fig.data) == 4 and "12 months" in fig.layout.title.text
    for trace in fig.data:   # each curve is a distribution: shares of paths that add to one
        assert sum(trace.y) == pytest.approx(1.0, abs=1e-9)


def test_limits_are_said_in_words(saved):
    s, runs, ids = saved
    a = service.load_proposal(ids["mv"], s)
    with pytest.raises(InputError, match="between 2 and 4"):
        service.compare_documents([("A", a)])
    with pytest.raises(InputError, match="between 2 and 4"):
        service.compare_documents([(str(i), a) for i in range(5)])
    with pytest.raises(InputError, match="same name"):
        service.compare_documents([("A", a), ("A", a)])
    assert service.document_paths({"inputs": {}, "headline": {}, "figures": {}}) is None
