"""In a real browser: the assumptions a user sets on their pages reach every page, the saved
proposal and its PDF, and the proposal's expected spend is the Forecast page's (one run)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout, expect
from pypdf import PdfReader

from hedging import service
from hedging.config import Settings
from tests.e2e.conftest import ARTIFACTS

pytestmark = pytest.mark.browser
AS_OF = "2026-12-06"


def choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the Streamlit selectbox labelled ``label``: type it to filter the list and
    take the one match (a rerun that closes the list meanwhile is retried)."""
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text=label).first
    box.wait_for(timeout=240_000)
    for attempt in range(3):
        box.locator("input").click()
        box.locator("input").fill(option)
        match = page.get_by_role("option", name=option, exact=True)
        try:
            match.wait_for(timeout=15_000)
            match.click()
            return
        except PlaywrightTimeout:  # the list closed under a rerun: open it again
            page.keyboard.press("Escape")
            page.wait_for_timeout(1000)
    raise AssertionError(f"could not choose {option!r} in {label!r}")


def metric_value(page, label: str) -> str:
    box = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return box.locator('[data-testid="stMetricValue"]').inner_text().strip()


def spec_locator(page):
    return page.locator('[data-testid="stCaptionContainer"]').filter(has_text=re.compile(r"^As of 6 Dec 2026")).first


def spec_line(page) -> str:
    return spec_locator(page).inner_text()


def shows(page, *parts: str) -> None:
    """Wait until the page's spec line (rerun after a change) says every one of ``parts`` and the
    script run has finished."""
    for part in parts:
        expect(spec_locator(page)).to_contain_text(part, timeout=240_000)
    page.wait_for_function("() => { const w = document.querySelector('[data-testid=\"stStatusWidget\"]');"
                           " return !w || !w.innerText.includes('Running'); }", timeout=240_000)
    page.wait_for_timeout(500)


def settle(page) -> None:
    """Give the rerun that a change started time to begin (the spec line then says when it is done)."""
    page.wait_for_timeout(1500)


def press_run(page) -> None:
    """The inputs that need a new simulation wait for "Run": the page first says the results are out
    of date, then Run simulates again."""
    page.get_by_text("Results are out of date — press Run", exact=False).first.wait_for(timeout=240_000)
    page.locator(".st-key-run_button_forecast button").first.click()


def test_assumptions_reach_every_page_the_proposal_and_the_pdf(app_url, page, tmp_path):
    service.load_sample_company(Settings.from_env({"HEDGING_DATA_DIR": str(tmp_path / "data")}))
    page.goto(f"{app_url}/?as_of={AS_OF}", wait_until="domcontentloaded")
    page.get_by_role("heading", name="Data").wait_for(timeout=60_000)

    page.get_by_role("link", name="Market").click()
    page.get_by_text("Forward curve and contracts", exact=True).wait_for(timeout=240_000)
    page.get_by_text("GPU rental price (USD per GPU-hour)").click()
    settle(page)
    choose(page, "Model parameters", "Calibrated to the index (maximum likelihood)")
    page.get_by_text("Calibrated to this index by maximum likelihood", exact=False).first.wait_for(timeout=240_000)

    page.get_by_role("link", name="Forecast").click()
    page.get_by_text("P(spend > budget)", exact=True).wait_for(timeout=240_000)
    assert "calibrated model" not in spec_line(page)    # the model chosen on the Market page waits for Run
    press_run(page)
    shows(page, "H100 rental index (calibrated model")
    choose(page, "Horizon (months after the as-of month)", "18")
    press_run(page)
    shows(page, "horizon Jan 2027 – Jun 2028")
    budget = page.get_by_role("textbox", name="Annual budget for AI compute")
    budget.fill("6000000")
    budget.press("Enter")
    shows(page, "budget $6,000,000")
    assert budget.input_value() == "$6,000,000"      # the box reads as an amount, not 6000000
    page.get_by_text("Announced price changes").click()
    page.locator('[data-testid="stSelectbox"]').filter(has_text="From month").first.wait_for(timeout=60_000)
    choose(page, "From month", "Mar 2027")
    change = page.get_by_role("spinbutton", name="Change (%)")
    change.fill("50")
    change.press("Enter")
    settle(page)
    page.get_by_role("button", name="Add price change").click()
    press_run(page)
    shows(page, "token +50% from Mar 2027")
    page.wait_for_timeout(1000)
    page.get_by_text("P(spend > budget)", exact=True).wait_for(timeout=240_000)
    line = spec_line(page)
    for part in ("horizon Jan 2027 – Jun 2028", "budget $6,000,000", "token +50% from Mar 2027",
                 "H100 rental index (calibrated model"):
        assert part in line, (part, line)
    expected = metric_value(page, "Expected spend, next 18 months")
    assert page.get_by_text("Results are out of date", exact=False).count() == 0   # the run shown is up to date
    page.screenshot(path=str(ARTIFACTS / "e2e_spec_forecast.png"))

    for link, marker in (("Hedge program", "Trade schedule"), ("Before / after", "Hedge effectiveness")):
        page.get_by_role("link", name=link).click()
        page.get_by_text(marker, exact=True).first.wait_for(timeout=240_000)
        expect(spec_locator(page)).to_have_text(line, timeout=240_000)
        assert page.locator('[data-testid="stException"]').count() == 0, link

    page.get_by_role("link", name="Proposal").click()
    page.get_by_role("heading", name="Proposal", exact=True).wait_for(timeout=60_000)
    page.get_by_role("button", name="Save the current program as a proposal").click()
    page.get_by_text("Saved as proposal #1.").wait_for(timeout=240_000)
    expect(spec_locator(page)).to_have_text(line, timeout=60_000)
    with page.expect_download(timeout=240_000) as download:
        page.get_by_role("button", name="Download the PDF proposal").click()
    pdf = Path(download.value.path()).read_bytes()
    (ARTIFACTS / "e2e_spec_proposal.pdf").write_bytes(pdf)
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "$6,000,000" in text and "token +50% from Mar 2027" in text and "calibrated model" in text
    assert expected in text, f"the Forecast page's expected spend {expected} is not in the PDF"
    saved = service.load_proposal(1, Settings.from_env({"HEDGING_DATA_DIR": str(tmp_path / "data")}))
    assert saved["spec"]["horizon"] == 18 and saved["spec"]["budget_annual"] == 6_000_000
    assert saved["spec"]["price_changes"] == [{"underlying": "token", "provider": "", "month": "2027-03",
                                              "pct": 50.0}]
    assert saved["spec"]["model"]["gpu"] == "calibrated" and saved["spec"]["as_of"] == AS_OF
    assert not page.errors, page.errors
