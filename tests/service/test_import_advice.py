"""The import's warnings read as advice: message, consequence, and an action naming a control."""

from __future__ import annotations

import re
from pathlib import Path

from hedging.errors import HedgingWarning
from hedging.service import advice
from hedging.service.import_advice import IMPORT_CATALOGUE

ROOT = Path(__file__).resolve().parents[2] / "hedging"


def _import_codes() -> set[str]:
    codes = set()
    for sub in ("ingest", "store"):
        for path in (ROOT / sub).rglob("*.py"):
            codes |= set(re.findall(r'HedgingWarning\(\s*"([a-z_0-9]+)"', path.read_text()))
    codes |= set(re.findall(r'"(aws_unit_assumed[a-z_]*)"', (ROOT / "ingest" / "formats" / "aws_cur.py").read_text()))
    return codes


def test_every_import_warning_has_its_own_entry_naming_a_control():
    codes = _import_codes()
    assert len(codes) >= 25                                         # the readers' codes were found
    assert codes <= set(IMPORT_CATALOGUE), sorted(codes - set(IMPORT_CATALOGUE))
    for code in codes:
        message, consequence, action, page = advice.CATALOGUE[code]
        assert message.endswith(".") and consequence.endswith(".") and action.endswith("."), code
        assert re.search(r"“[^”]+”", action), f"{code}: the action names no control"
        assert page in ("Data", "Hedge program"), code


def test_an_import_warning_keeps_its_own_text_as_the_statistics():
    text = ("usage.csv: 12 Bedrock token line(s) have pricing_unit (blank), which does not name tokens; one unit of "
            "usage amount was taken as 1,000 tokens (thousands).")
    a = advice.advise(HedgingWarning("aws_unit_assumed", text))
    assert a.statistics == text and a.message != text
    assert "1,000 tokens" in a.message and "“Usage or cost exports”" in a.action and a.page == "Data"


def test_the_data_page_report_carries_the_advice(tmp_path):
    from hedging import service
    from hedging.config import Settings

    settings = Settings.from_env({"HEDGING_DATA_DIR": str(tmp_path)})
    csv = tmp_path / "usage.csv"
    csv.write_text("usage_date,billing_provider,model,input_tokens,output_tokens\n2026-01-05,openai,unheard-of-model-x,1000,500\n")
    outcomes = service.import_files([(csv.name, csv)], settings)
    item = service.import_report(outcomes)[0]
    assert item["warnings"], "a model without a list price warns"
    assert [a["statistics"] for a in item["advice"]] == item["warnings"]
    unpriced = next(a for a in item["advice"] if a["code"] == "unpriced_model")
    assert unpriced["message"] == advice.CATALOGUE["unpriced_model"][0]
    assert "“Usage or cost exports”" in unpriced["action"]
