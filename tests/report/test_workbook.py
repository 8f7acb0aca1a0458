"""The proposal workbook, opened with openpyxl and checked cell by cell against the saved proposal."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from hedging import fmt, service
from hedging.errors import InputError
from hedging.report import workbook as wbm
from hedging.report.workbook import build_workbook
from hedging.service.workbook import proposal_xlsx
from tests.conftest import settings_for
from tests.report.proposal_fixture import make_proposal

AS_OF = dt.date(2026, 12, 6)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """One proposal of the sample company, saved and reopened, and its workbook."""
    tmp = tmp_path_factory.mktemp("xlsx")
    s = settings_for(f"sqlite:///{tmp / 'h.db'}", tmp)
    service.load_sample_company(s)
    run = service.build_run(service.RunSpec(as_of=AS_OF, n_paths=2000, budget_annual=5_000_000.0), s)
    pid = service.save_proposal(run, "FY27 hedge", "Northwind", s)
    payload = service.load_proposal(pid, s)
    data = proposal_xlsx(pid, s, fingerprint=payload["fingerprint"])
    return s, pid, payload, openpyxl.load_workbook(io.BytesIO(data))


def _day(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%d %b %Y")


def _rows(ws):
    header = [c.value for c in ws[1]]
    return header, [dict(zip(header, r)) for r in ws.iter_rows(min_row=2)]


def test_sheets_and_frozen_headers(saved):
    *_, wb = saved
    assert wb.sheetnames[:7] == ["Assumptions", "Headline", "Trade schedule", "Monthly spend", "Metrics", "Stress",
                                 "Policy check"]
    for ws in wb:
        assert ws.freeze_panes == "A2", ws.title
        assert all(c.font.bold for c in ws[1] if c.value is not None), ws.title
        widths = [ws.column_dimensions[openpyxl.utils.get_column_letter(j)].width for j in range(1, ws.max_column + 1)]
        assert all(w and 8 <= w <= wbm.MAX_WIDTH for w in widths), (ws.title, widths)
    # the workbook holds values only: no formulas anywhere
    assert not [c.coordinate for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "f"]


def test_trade_schedule_cell_by_cell_with_real_dates_and_totals(saved):
    _, _, payload, wb = saved
    schedule = payload["tables"]["schedule"]
    assert schedule, "the sample company's programme trades"
    header, rows = _rows(wb["Trade schedule"])
    assert header == list(schedule[0])
    assert len(rows) == len(schedule) + 1
    ticks = {c["root"]: c["tick"] for c in payload["provenance"]["contracts"]}
    for trade, cells in zip(schedule, rows):
        for key, value in trade.items():
            cell = cells[key]
            if key in ("trade date", "last trading day"):
                assert isinstance(cell.value, dt.datetime) and cell.value == _day(value)
                assert cell.number_format == "d mmm yyyy"
            elif key == "delivery month":
                assert cell.value == dt.datetime.strptime(value, "%b %Y") and cell.number_format == "mmm yyyy"
            elif key in ("notional (USD)", "initial margin (USD)", "cost (USD)"):
                assert cell.value == pytest.approx(value, rel=1e-12) and cell.number_format == "$#,##0"
            elif key == "price":
                root = "GPUH" if trade["contract"].startswith("GPUH") else "SIT"
                decimals = fmt.tick_decimals(ticks[root])
                assert cell.value == pytest.approx(value, rel=1e-12)
                assert cell.number_format == "$#,##0." + "0" * max(decimals, 2)
            elif key == "lots":
                assert cell.value == value and cell.number_format == "#,##0"
            elif key == "underlying":   # the plain name, never the key
                assert cell.value == {"token": "LLM tokens", "gpu": "GPU hours"}[value]
            else:
                assert cell.value == value and cell.data_type == "s"
    total = rows[-1]
    assert total["contract"].value == "Total" and total["contract"].font.bold
    assert total["lots"].value == sum(t["lots"] for t in schedule) == payload["headline"]["lots"]
    for key in ("notional (USD)", "initial margin (USD)", "cost (USD)"):
        assert total[key].value == pytest.approx(sum(t[key] for t in schedule), rel=1e-12)
        assert total[key].number_format == "$#,##0"
    # the cost column adds up to the headline's programme cost
    assert total["cost (USD)"].value == pytest.approx(payload["headline"]["program_cost"], rel=1e-9)


def test_monthly_spend_metrics_and_stress_cell_by_cell(saved):
    _, _, payload, wb = saved
    header, rows = _rows(wb["Monthly spend"])
    monthly = payload["tables"]["monthly_budget"]
    assert header == list(monthly[0]) and len(rows) == len(monthly)
    for month, cells in zip(monthly, rows):
        assert cells["month"].value == dt.datetime.strptime(month["month"], "%b %Y")
        for key, value in month.items():
            if key.endswith("(USD)"):
                assert cells[key].value == pytest.approx(value, rel=1e-12) and cells[key].number_format == "$#,##0"
            elif key != "month":
                assert cells[key].value == value

    _, rows = _rows(wb["Metrics"])
    metrics = payload["tables"]["metrics"]
    assert len(rows) == len(metrics)
    for m, r in zip(metrics, (list(r.values()) for r in rows)):
        label, before, after, change = r
        assert label.value == m["metric"]
        share = m["metric"].startswith(("P(", "Coefficient"))
        assert before.value == pytest.approx(m["unhedged"]) and after.value == pytest.approx(m["hedged"])
        assert before.number_format == after.number_format == ("0.0%" if share else "$#,##0")
        if share:  # a change of a share is in percentage points: value x 100, "pp" format
            assert change.value == pytest.approx(m["change"] * 100) and change.number_format == wbm.POINTS
        else:
            assert change.value == pytest.approx(m["change"]) and change.number_format == "$#,##0"

    header, rows = _rows(wb["Stress"])
    stress = payload["tables"]["stress"]
    assert header == list(stress[0]) and len(rows) == len(stress)
    for s, cells in zip(stress, rows):
        assert cells["scenario"].value == s["scenario"] and cells["what it assumes"].alignment.wrap_text
        for key in header[2:]:
            assert cells[key].value == pytest.approx(s[key], rel=1e-12) and cells[key].number_format == "$#,##0"


def test_assumptions_hold_every_input_of_the_run_spec(saved):
    _, pid, payload, wb = saved
    rows = {r[0].value: (r[1], r[2].value) for r in wb["Assumptions"].iter_rows(min_row=2)}
    spec = payload["spec"]
    for key in spec:
        if key != "policy":
            assert wbm.SPEC_ROWS[key][0] in rows, key
    for key in spec["policy"]:
        assert wbm.POLICY_ROWS[key][0] in rows, key
    as_of, unit = rows["As-of date"]
    assert as_of.value == dt.datetime(2026, 12, 6) and as_of.number_format == "d mmm yyyy"
    budget, unit = rows["Annual budget"]
    assert budget.value == 5_000_000.0 and budget.number_format == "$#,##0" and unit == "USD"
    assert rows["Simulated paths"][0].value == 2000 and rows["Random seed"][0].value == spec["seed"]
    assert rows["Volume-price correlation"][0].value == spec["rho"]
    assert rows["Proposal"][0].value == "FY27 hedge" and rows["Proposal"][1] == f"#{pid}"
    assert rows["Fingerprint"][0].value == payload["fingerprint"]
    assert rows["Layered ratios by tenor"][0].value == "75% to month 3; 50% to month 6; 25% to month 12"

    head = {r[0].value: r[1] for r in wb["Headline"].iter_rows(min_row=2)}
    h = payload["headline"]
    assert head["Volatility reduction (1 - sd ratio)"].value == pytest.approx(h["volatility_reduction"])
    assert head["Volatility reduction (1 - sd ratio)"].number_format == "0.0%"
    assert head["Margin cash needed"].value == pytest.approx(h["margin_needed"])
    assert head["Summary"].value == h["summary"]

    policy = {r[0].value: r[1] for r in wb["Policy check"].iter_rows(min_row=2)}
    eff = payload["statements"]["effectiveness"]
    assert policy["Hedge effectiveness: dollar offset"].value == pytest.approx(eff["dollar_offset"])
    assert policy["Hedge effectiveness: passes"].value == ("yes" if eff["passes"] else "no")
    assert [r[1].value for r in wb["Policy check"].iter_rows(min_row=2) if r[0].value == "Warning"] == \
        payload["statements"]["warnings"]


def test_a_workbook_is_only_served_for_the_document_opened(saved):
    s, pid, payload, _ = saved
    with pytest.raises(InputError, match="no longer the document that was opened"):
        proposal_xlsx(pid, s, fingerprint="0" * 64)


@pytest.mark.parametrize("text", ['=HYPERLINK("http://evil.example","click")', "+1+cmd|' /C calc'!A0",
                                  "-2+3+cmd|' /C calc'!A0", "@SUM(A1)", "\t=1+1", "\r=1+1", "  =1+1", " @x"])
def test_text_that_would_run_as_a_formula_is_written_as_quoted_text(text):
    p = make_proposal(hostile=True)
    p["company"] = text
    p["tables"]["schedule"][0]["contract"] = text
    p["statements"]["warnings"] = [text]
    wb = openpyxl.load_workbook(io.BytesIO(build_workbook(p)))
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    hits = [c for c in cells if c.value in (text, text.replace("\r", "\n"))]  # XML reads a CR back as LF
    assert len(hits) >= 3
    for c in cells:
        assert c.data_type == "s"
        assert c.quotePrefix == fmt.runs_as_formula(c.value), (c.parent.title, c.coordinate, c.value)
    # the fixture's own hostile names (HTML, a formula team name, a formula file name) too
    formula_like = [c.value for c in cells if fmt.runs_as_formula(c.value)]
    assert any(v.startswith("=HYPERLINK") for v in formula_like)


def test_control_characters_and_overlong_text_do_not_break_the_file():
    p = make_proposal()
    p["company"] = "Acme\x00\x07 Corp"
    p["statements"]["warnings"] = ["x" * 40_000]
    wb = openpyxl.load_workbook(io.BytesIO(build_workbook(p)))
    values = [c.value for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "Acme Corp" in values and max(len(v) for v in values) == wbm.MAX_TEXT


def test_formula_rule_shared_with_the_csv_exports():
    assert [fmt.runs_as_formula(v) for v in ("=1", "+1", "-1", "@A", "\t1", "\r1", "  =1", "gpt-4o", "", 5)] == \
        [True] * 7 + [False] * 3
    import pandas as pd

    out = service.safe_csv(pd.DataFrame({"a": ["\t=1+1", " =2", "ok"]})).decode()
    assert out.splitlines()[1:] == ["'\t=1+1", "' =2", "ok"]


def test_cli_writes_the_workbook(saved, tmp_path, capsys, monkeypatch):
    from hedging.cli import main

    s, pid, payload, _ = saved
    monkeypatch.setenv("HEDGING_DATA_DIR", str(s.data_dir))
    out = tmp_path / "p.xlsx"
    assert main(["report", "--db", s.database_url, "--proposal", str(pid), "--xlsx", str(out)]) == 0
    assert f"Wrote the workbook of proposal #{pid}" in capsys.readouterr().out
    wb = openpyxl.load_workbook(out)
    assert wb["Assumptions"]["B2"].value == "FY27 hedge"
    assert wb["Trade schedule"].max_row == len(payload["tables"]["schedule"]) + 2
    assert main(["report", "--db", s.database_url, "--proposal", str(pid)]) == 2
    assert "nothing to write" in capsys.readouterr().err


def test_trades_dropped_as_immaterial_have_their_sheet_and_count_in_the_policy_check():
    p = make_proposal()
    dropped = p["tables"]["schedule"][-2:]
    p["tables"]["schedule"] = p["tables"]["schedule"][:-2]
    p["tables"]["dropped"] = dropped
    p["inputs"]["min_notional"] = 25_000.0
    wb = openpyxl.load_workbook(io.BytesIO(build_workbook(p)))
    header, rows = _rows(wb["Dropped trades"])
    assert len(rows) == 3 and rows[-1]["contract"].value == "Total"
    assert rows[-1]["notional (USD)"].value == pytest.approx(sum(r["notional (USD)"] for r in dropped))
    policy = {r[0].value: r[1] for r in wb["Policy check"].iter_rows(min_row=2)}
    assert policy["Materiality threshold"].value == 25_000.0 and policy["Materiality threshold"].number_format == "$#,##0"
    assert policy["Trades dropped as immaterial"].value == 2
    assert policy["Notional dropped"].value == pytest.approx(sum(r["notional (USD)"] for r in dropped))


def test_tables_a_newer_document_adds_are_written_whatever_their_shape():
    p = make_proposal()
    p["tables"]["index_candidates"] = {"token": {"chosen": "builtin", "rows": [
        {"index": "=SUM(A1)", "r_squared": 0.7, "months": 24, "tags": ["a", "b"], "extra": {"k": 1}}]}}
    p["tables"]["by_quarter"] = [{"quarter": "Q1 2027", "hedged share": 0.42, "notional (USD)": 1_234_567.0}]
    wb = openpyxl.load_workbook(io.BytesIO(build_workbook(p)))
    header, rows = _rows(wb["Index candidates"])
    assert rows[0]["series"].value == "token" and rows[0]["index"].quotePrefix
    assert rows[0]["r_squared"].number_format == "0.0%" and rows[0]["tags"].value == "a; b"
    assert rows[0]["extra"].value == "k: 1"
    _, rows = _rows(wb["By quarter"])
    assert rows[0]["hedged share"].number_format == "0.0%" and rows[0]["notional (USD)"].number_format == "$#,##0"
