"""The hedge designation memo: built from a frozen proposal, its numbers are the proposal's; versioned by
the workspace's approvals (v1, then v2 naming v1 and what changed); a PDF of its own and section 13 of
the board PDF; `hedging memo` on the command line; another workspace's proposal is not there."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import numpy as np
import pypdf
import pytest

from hedging import cli, fmt, service
from hedging.errors import InputError
from hedging.report.pdf import SECTIONS, build_pdf
from hedging.service import access, lifecycle
from hedging.service import workspaces as ws
from hedging.service.memo import Lineage, designation_memo, probability_verdict
from tests.conftest import settings_for

PETE, ALICE, ANN, VIC, GARY = ("pete@acme.example", "alice@acme.example", "ann@acme.example", "vic@acme.example",
                               "gary@globex.example")
AS_OF = dt.date(2026, 12, 6)
SHAPES = Path(__file__).resolve().parents[1] / "data" / "shapes"
MEMO_PARTS = ("Relationship, objective and strategy", "Hedged item", "Hedged risk", "Hedging instruments",
              "Hedge ratio and how it was set", "Effectiveness assessment", "Expected sources of ineffectiveness",
              "ASC 815 and IFRS 9 notes")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Workspace "acme" (ann admin, pete preparer, alice approver, vic viewer) holding the sample company,
    and workspace "globex" (gary admin) holding nothing."""
    tmp = tmp_path_factory.mktemp("memo")
    base = settings_for(f"sqlite:///{tmp / 'm.db'}", tmp)
    ws.create_workspace("acme", "Acme Corp", base.acting(ANN))
    for user, role in ((PETE, "preparer"), (ALICE, "approver"), (VIC, "viewer")):
        ws.set_member(user, role, base.acting(ANN, "acme"))
    ws.create_workspace("globex", "Globex", base.acting(GARY))
    service.load_sample_company(base.acting(PETE, "acme"))
    run = service.build_run(service.RunSpec(as_of=AS_OF, n_paths=400), base.acting(VIC, "acme"))
    # the rebalance: the same company with lots capped at the 2nd percentile of forecast volume
    low = service.build_run(service.RunSpec(as_of=AS_OF, n_paths=400, policy=service.Policy(volume_percentile=2.0)),
                            base.acting(VIC, "acme"))
    return base, run, low, tmp


def as_(world, user, where="acme"):
    return world[0].acting(user, where)


def _pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def _rows(memo: dict, section: str) -> list[dict]:
    part = next(s for s in memo["sections"] if s["title"] == section)
    return [r for t in part["tables"] for r in t["rows"]]


def _fact(memo: dict, label: str) -> str:
    return next(v for k, v in memo["facts"] if k == label)


def _independent_numbers(run) -> tuple[dict, dict, dict]:
    """Lots, designated units and hedge ratio per underlying from the Run itself (not from the document)."""
    c, lots = run.result.contracts, np.asarray(run.result.lots)
    out_lots, designated, ratio = {}, {}, {}
    for u in dict.fromkeys(c.table["underlying"]):
        mask = (c.table["underlying"] == u).to_numpy()
        traded = mask & (lots > 0)
        if not traded.any():
            continue
        out_lots[u] = int(lots[mask].sum())
        designated[u] = float((lots[mask] * c.lot_size[mask]).sum())
        # the months the proposal's ratio table lists: every contract month of the underlying
        ratio[u] = designated[u] / float(c.expected_volume[mask].sum())
    return out_lots, designated, ratio


def test_the_memo_of_a_draft_carries_the_proposals_numbers(world):
    _base, run, _low, _tmp = world
    pid = service.save_proposal(run, "FY27 hedge", "Acme", as_(world, PETE))
    saved = service.load_proposal(pid, as_(world, VIC))
    memo = service.designation_memo_of(pid, as_(world, VIC))
    assert [s["title"] for s in memo["sections"]] == list(MEMO_PARTS)
    # the hedge policy the proposal is checked against is referenced, as the Proposal page checks it
    assert f"Policy reference, as checked when this memo was made: {saved['policy_check']['sentence']}" in " ".join(memo["sections"][0]["paragraphs"])
    assert (memo["version"], memo["draft"], memo["status"]) == (None, True, "draft")
    assert memo["version_label"] == "draft — would become version 1 on approval"
    assert _fact(memo, "Fingerprint") == saved["fingerprint"] and _fact(memo, "Approved by") == "not approved"
    # lots, designated quantities and hedge ratios: the proposal's, and the run's own numbers independently
    lots, designated, ratio = _independent_numbers(run)
    n = memo["numbers"]
    assert n["total_lots"] == saved["headline"]["lots"] == sum(r["lots"] for r in saved["tables"]["schedule"])
    assert {u: v for u, v in n["lots"].items() if v} == lots
    assert {u: v for u, v in n["designated"].items() if v} == pytest.approx(designated)
    assert {u: n["hedge_ratio"][u] for u in ratio} == pytest.approx(ratio, rel=1e-9)
    assert n["effectiveness"] == {k: saved["statements"]["effectiveness"][k]
                                  for k in ("slope", "r_squared", "dollar_offset", "passes")}
    # the instrument table is the trade schedule; the monthly ratios are the proposal's ratio table
    schedule = saved["tables"]["schedule"]
    assert [(r["contract"], r["lots"], r["price"]) for r in _rows(memo, "Hedging instruments")] == \
        [(r["contract"], r["lots"], fmt.price(r["price"], service.contract_tick(r["underlying"]), currency=False))
         for r in schedule]                                          # at the contract's tick, as the schedule shows it
    assert [(r["month"], r["hedge ratio"]) for r in _rows(memo, "Hedge ratio and how it was set")] == \
        [(r["month"][:10], r["hedge ratio"]) for r in saved["tables"]["ratios"] if r["hedge ratio"] > 0]
    # the hedged item: per month, the designated units are the lots of that delivery month times the lot
    for row in _rows(memo, "Hedged item"):
        month = dt.date.fromisoformat(row["month"]).strftime("%b %Y")
        units = [c for c in row if c.startswith("designated (")][0]
        lot = 1000.0 if "GPU" in units else 1.0
        assert row[units] == sum(r["lots"] for r in schedule if r["delivery month"] == month
                                 and (r["underlying"] == "gpu") == (lot == 1000.0)) * lot
        assert 0.0 <= row["P(volume ≥ designated)"] <= 1.0
    # the effectiveness numbers are printed as the proposal holds them
    facts = dict(next(s for s in memo["sections"] if s["title"] == "Effectiveness assessment")["facts"])
    eff = saved["statements"]["effectiveness"]
    assert facts["Regression slope (hedged item on hedge)"].startswith(service.fmt.ratio(eff["slope"]))
    assert facts["R²"].startswith(service.fmt.ratio(eff["r_squared"]))


def test_the_memo_says_highly_probable_only_when_the_evidence_supports_it():
    strong = {"history months": 24, "estimated history months": 0}
    backtest = {"80% coverage": 0.85, "forecasts": 39}
    verdict, why = probability_verdict(strong, {**backtest, "MASE": 0.73}, 0.975)
    assert verdict == "highly probable"
    assert "24 reported months" in why and "97.5% of simulated paths" in why and "held 85.0%" in why
    assert "MASE) of 0.73" in why
    assert probability_verdict(strong, backtest, 0.92)[0] == "probable"
    assert probability_verdict(strong, backtest, 0.75)[0] == "not shown"
    assert probability_verdict(strong, {"80% coverage": 0.5, "forecasts": 39}, 0.99)[0] == "probable"
    short = {"history months": 6, "estimated history months": 0}
    verdict, why = probability_verdict(short, None, 0.99)
    assert verdict == "not shown" and "6 reported months" in why and "no backtest" in why
    assert probability_verdict(None, None, None)[0] == "not shown"


def test_rebalancing_versions_the_memo_v1_then_v2_naming_v1(world):
    _base, run, low, _tmp = world
    first = service.save_proposal(run, "FY27 hedge", "Acme", as_(world, PETE))
    lifecycle.submit(first, as_(world, PETE))
    approvals_before = len([p for p in service.list_proposals(as_(world, VIC)) if p["status"] == "approved"])
    assert approvals_before == 0
    lifecycle.approve(first, as_(world, ALICE), comment="Within policy.")
    v1 = service.designation_memo_of(first, as_(world, VIC))
    assert (v1["version"], v1["draft"], v1["version_label"]) == (1, False, "version 1 (first designation)")
    assert _fact(v1, "Approved by").startswith(ALICE) and v1["changes"] == []
    assert "Replaces" not in dict(v1["facts"])

    second = service.save_proposal(low, "FY27 hedge, rebalanced", "Acme", as_(world, PETE))
    draft = service.designation_memo_of(second, as_(world, VIC))
    assert draft["version_label"] == "draft — would become version 2 on approval"
    assert _fact(draft, "Would replace").startswith(f"version 1: proposal #{first} FY27 hedge")
    lifecycle.submit(second, as_(world, PETE))
    lifecycle.approve(second, as_(world, ALICE), comment="Rebalanced to the 2nd percentile.")
    v2 = service.designation_memo_of(second, as_(world, VIC))
    assert (v2["version"], v2["version_label"]) == (2, "version 2 (rebalance)")
    assert _fact(v2, "Replaces").startswith(f"version 1: proposal #{first} FY27 hedge")
    # what changed, from the two runs' own lots and ratios
    lots1, _d1, ratio1 = _independent_numbers(run)
    lots2, _d2, ratio2 = _independent_numbers(low)
    changed = " ".join(v2["changes"])
    for u in lots1:
        if lots1[u] != lots2.get(u, 0):
            assert f"{service.fmt.count(lots1[u])} → {service.fmt.count(lots2.get(u, 0))} lots" in changed
        if u in ratio2:
            assert f"{service.fmt.share(ratio1[u])} → {service.fmt.share(ratio2[u])}" in changed
    # the first memo now says it was superseded, and stays version 1
    again = service.designation_memo_of(first, as_(world, VIC))
    assert again["version"] == 1 and _fact(again, "Superseded by").startswith(f"version 2: proposal #{second}")
    # lots capped at the 2nd percentile: volume reaches the designated quantity on >= 97.5% of paths, and the
    # GPU forecast has 24 months and a backtest, so the memo may say "highly probable"
    assert v2["probability"]["gpu"] == "highly probable"
    assert v1["probability"]["gpu"] == "not shown"     # lots at the 25th percentile: ~75% of paths
    # a later draft would become version 3
    third = service.save_proposal(run, "Another", "Acme", as_(world, PETE))
    assert service.designation_memo_of(third, as_(world, VIC))["version_label"] == \
        "draft — would become version 3 on approval"


def test_the_memo_pdf_renders_on_its_own_and_as_section_13(world):
    _base, run, _low, _tmp = world
    pid = service.save_proposal(run, "FY27 hedge", "Acme", as_(world, PETE))
    pages = _pages(service.memo_pdf(pid, as_(world, VIC)))
    text = " ".join(pages).replace("\n", " ")
    assert "Hedge designation memo" in text and "draft — would become version" in text
    for number, title in enumerate(MEMO_PARTS, start=1):
        assert f"{number}. {title}" in text, title
    assert all("Draft — not approved" in page for page in pages)
    fingerprint = service.load_proposal(pid, as_(world, VIC))["fingerprint"]
    assert all(fingerprint in page.replace("\n", "") for page in pages)
    # the board PDF: section 13 holds the memo, the appendix is 14
    payload = service.load_proposal(pid, as_(world, VIC))
    payload["memo"] = service.designation_memo_of(pid, as_(world, VIC))
    payload["figures"] = {}
    body = " ".join(_pages(build_pdf(payload, images={}))).replace("\n", " ")
    assert SECTIONS[12] == "13. Hedge designation memo" and SECTIONS[13].startswith("14. Appendix")
    memo = body[body.rindex("13. Hedge designation memo"):body.rindex("14. Appendix")]
    for number, title in enumerate(MEMO_PARTS, start=1):
        assert f"13.{number} {title}" in memo, title


def test_another_workspaces_proposal_has_no_memo(world):
    _base, run, _low, _tmp = world
    pid = service.save_proposal(run, "FY27 hedge", "Acme", as_(world, PETE))
    gary = as_(world, GARY, "globex")
    for call in (lambda: service.designation_memo_of(pid, gary), lambda: service.memo_pdf(pid, gary),
                 lambda: service.memo_state(pid, gary),
                 lambda: service.record_memo_export(pid, "0" * 64, gary)):
        with pytest.raises(InputError, match=f"there is no proposal #{pid}"):
            call()
    with pytest.raises(access.AccessDenied, match="not a member of workspace"):
        service.designation_memo_of(pid, as_(world, GARY, "acme"))


def test_hedging_memo_writes_the_pdf_and_an_audit_entry(world, capsys, monkeypatch):
    base, run, _low, tmp = world
    monkeypatch.setenv("HEDGING_DATA_DIR", str(tmp))   # the installation's signing key is the saving one
    pid = service.save_proposal(run, "FY27 hedge", "Acme", as_(world, PETE))
    out = tmp / f"memo_{pid}.pdf"
    args = ["--db", base.database_url, "--workspace", "acme", "--user", VIC]
    code = cli.main(["memo", str(pid), "--out", str(out), *args, "--json"])
    printed = json.loads(capsys.readouterr().out)
    assert code == 0 and out.read_bytes().startswith(b"%PDF")
    assert printed["version"] is None and printed["version_label"].startswith("draft — would become version")
    assert "Hedge designation memo" in " ".join(_pages(out.read_bytes()))
    trail = service.audit_trail(as_(world, VIC), action="memo export")
    assert str(trail.iloc[0]["id"]) == str(pid) and trail.iloc[0]["who"] == VIC   # --user names who acts
    assert out.name in trail.iloc[0]["detail"]
    code = cli.main(["memo", str(pid), "--out", str(tmp / "x.pdf"), "--db", base.database_url, "--workspace",
                     "globex", "--user", GARY])
    assert code == 2 and f"there is no proposal #{pid}" in capsys.readouterr().err
    assert not (tmp / "x.pdf").exists()


def test_a_proposal_saved_before_memos_gets_a_memo_from_what_it_holds(world):
    _base, run, _low, _tmp = world
    pid = service.save_proposal(run, "FY27 hedge", "Acme", as_(world, PETE))
    old = service.load_proposal(pid, as_(world, VIC))
    for key in ("hedged_item", "hedged_item_evidence"):
        old["tables"].pop(key)
    memo = designation_memo(old, Lineage(status="draft", version=None, approvals_before=0, workspace="Acme Corp"))
    assert set(memo["probability"].values()) == {"not shown"}
    quarterly = _rows(memo, "Hedged item")
    assert sum(r["designated (hedged)"] for r in quarterly) == \
        sum(r["hedged"] for r in old["tables"]["disclosure"] if r["hedged"])
    assert memo["numbers"]["total_lots"] == old["headline"]["lots"]


@pytest.mark.parametrize("shape", ["three_months", "openai_only"])
def test_memo_of_a_short_history_and_a_one_provider_company(shape, tmp_path):
    s = settings_for(f"sqlite:///{tmp_path / 'h.db'}", tmp_path)
    files = sorted((SHAPES / shape).glob("*.csv"))
    service.import_files([(f.name, f.read_bytes()) for f in files], s)
    run = service.build_run(service.RunSpec(as_of=AS_OF, n_paths=400), s)
    pid = service.save_proposal(run, shape, "Shape", s)
    memo = service.designation_memo_of(pid, s)
    lots, designated, ratio = _independent_numbers(run)
    assert {u: v for u, v in memo["numbers"]["lots"].items() if v} == lots
    assert {u: memo["numbers"]["hedge_ratio"][u] for u in ratio} == pytest.approx(ratio, rel=1e-9)
    item = next(p for p in memo["sections"] if p["title"] == "Hedged item")
    evidence = " ".join(item["paragraphs"])
    if shape == "three_months":   # three months of usage cannot show that purchases are probable
        assert set(memo["probability"].values()) == {"not shown"}
        assert "3 reported months of usage history" in evidence and "no backtest" in evidence
    else:                         # one provider, tokens only
        assert set(memo["probability"]) == {"token"} and "GPU rental price" not in evidence
    first = _pages(service.memo_pdf(pid, s))[0]
    assert "Hedge designation memo" in first and shape in first


def test_a_caps_programme_lists_its_caps_and_what_their_price_is(world):
    base, _run, _low, _tmp = world
    caps = service.build_run(service.RunSpec(as_of=AS_OF, n_paths=300, policy=service.Policy(name="cap_tail")),
                             as_(world, VIC))
    pid = service.save_proposal(caps, "Caps", "Acme", as_(world, PETE))
    saved = service.load_proposal(pid, as_(world, VIC))
    memo = service.designation_memo_of(pid, as_(world, VIC))
    part = next(s for s in memo["sections"] if s["title"] == "Hedging instruments")
    rows = part["tables"][0]["rows"]
    assert [(r["contract"], r["lots"], r["price is"]) for r in rows] == \
        [(r["contract"], r["lots"], r["price is"]) for r in saved["tables"]["schedule"]]
    n_caps = sum(r["side"] == "buy cap" for r in saved["tables"]["schedule"])
    assert n_caps and f"{n_caps} caps (monthly-average calls" in part["paragraphs"][0]
    assert "price is" in part["tables"][0]["columns"]           # caps: each row says what its price is
    assert all(r["lot"] == "1,000 GPU-hours" for r in rows if "gpu" in r["contract"])


def test_a_programme_that_buys_nothing_designates_nothing(world):
    nothing = service.build_run(service.RunSpec(as_of=AS_OF, n_paths=300, policy=service.Policy(position_limit=0)),
                                as_(world, VIC))
    pid = service.save_proposal(nothing, "No hedge", "Acme", as_(world, PETE))
    memo = service.designation_memo_of(pid, as_(world, VIC))
    assert memo["numbers"]["total_lots"] == 0 and memo["probability"] == {}
    assert memo["sections"][0]["paragraphs"][0].startswith("No hedging relationship is designated")
    assert _rows(memo, "Hedged item") == [] and _rows(memo, "Hedging instruments") == []
    assert "Hedge designation memo" in " ".join(_pages(service.memo_pdf(pid, as_(world, VIC))))


def test_a_lot_stored_already_formatted_reads_the_same_as_a_plain_one():
    """Proposals of the previous release store the lot as "1,000 GPU-hours": it must not break the memo."""
    from hedging.service.memo_parts import _lot
    assert _lot("1,000 GPU-hours") == _lot("1000 GPU-hours") == "1,000 GPU-hours"
    assert _lot(None) == "—" and _lot("by arrangement") == "by arrangement"
