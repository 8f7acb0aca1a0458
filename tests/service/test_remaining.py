"""What the hedge did not remove, on the sample company: the parts add up to the variance of the
run's own hedged spend, the sentence names the largest part, and the PDF shows it when the
document holds it and skips it (no error) for documents saved before it existed."""

from __future__ import annotations

import copy
import io

import numpy as np
import pypdf
import pytest

from hedging import service
from hedging.report.pdf import build_pdf
from hedging.service.hedge import build_program
from hedging.service.outcome import SOURCE_LABELS, remaining_risk
from tests.report.proposal_fixture import make_proposal
from tests.service.test_forecast import AS_OF, company  # noqa: F401  (module fixture: the sample company)


@pytest.fixture(scope="module")
def view(company):  # noqa: F811
    return service.forecast(service.RunSpec(as_of=AS_OF, horizon=12, n_paths=2000, seed=7, rho=0.3), company)


@pytest.mark.parametrize("policy", [service.Policy(), service.Policy(name="layered", excluded=("token",))])
def test_parts_add_up_to_the_variance_of_the_runs_hedged_spend(view, policy):
    result = build_program(view, policy)
    rem = remaining_risk(view, result)
    a = rem.attribution
    assert a.total == pytest.approx(float(np.var(result.hedged.sum(axis=1), ddof=1)), rel=1e-9)
    assert sum(a.parts.values()) == pytest.approx(a.total, rel=1e-9)
    table = rem.table()
    assert list(table["source"]) == list(SOURCE_LABELS.values())
    assert table["part of the sd (USD)"].sum() == pytest.approx(a.sd, rel=1e-9)
    if not policy.excluded:
        assert a.parts["exclusions"] == 0.0
    else:
        assert a.parts["exclusions"] != 0.0


def test_sample_company_remaining_risk_is_volume_then_basis(view):
    # the sample company's token price moves against its index (slope about -0.19): what the
    # minimum-variance program leaves is mostly volume, then the token basis; timing and rounding are small
    rem = remaining_risk(view, build_program(view, service.Policy()))
    a = rem.attribution
    assert a.largest() == "volume"
    assert a.share("basis") > 0.2
    assert abs(a.share("timing")) < 0.02 and abs(a.share("rounding")) < 0.02
    assert max(rem.basis_by, key=rem.basis_by.get) == "token"
    assert rem.sentence().startswith(f"Most of what remains ({a.share('volume'):.0%}) is volume")


def _text(proposal) -> str:
    pages = pypdf.PdfReader(io.BytesIO(build_pdf(proposal))).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def test_pdf_shows_the_sentence_and_table_and_skips_them_in_older_documents():
    p = make_proposal(figures=False, schedule_rows=3)
    old = _text(p)
    assert "What the hedge did not remove" not in old
    new = copy.deepcopy(p)
    new["statements"]["remaining"] = ("Most of what remains (62%) is volume: how much compute you will use is "
                                      "uncertain.")
    new["tables"]["remaining"] = [{"source": label, "share of what remains": 0.1,
                                   "part of the sd (USD)": 1000.0} for label in SOURCE_LABELS.values()]
    text = _text(new)
    assert "What the hedge did not remove" in text and "Most of what remains (62%) is volume" in text
    assert "Basis: your price against the index" in text and "10.0%" in text
