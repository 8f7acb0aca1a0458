"""Chromium uploads the sample company's exports on the Data page; the report and the chart
appear and a screenshot is kept in test-artifacts/."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import ARTIFACTS

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.browser


def wait_idle(page, timeout=120_000):
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=timeout)


def test_upload_sample_exports_in_a_real_browser(app_url, page):
    page.goto(app_url, wait_until="domcontentloaded")
    page.get_by_role("heading", name="Data").wait_for(timeout=60_000)
    page.get_by_text("No usage stored yet").wait_for()
    files = sorted(str(p) for p in (ROOT / "sample_data" / "company").glob("*.csv"))
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(files)
    page.get_by_role("button", name="Import", exact=True).click()
    page.get_by_role("heading", name="Monthly spend").wait_for(timeout=180_000)
    wait_idle(page)
    page.get_by_role("heading", name="Import report").wait_for()
    for f in files:
        # one report per file (by its heading: the report's "The statistics" may quote the file's name)
        assert page.locator('[data-testid="stExpander"] summary').filter(has_text=Path(f).name).count() == 1
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0
    page.get_by_role("heading", name="Monthly spend").scroll_into_view_if_needed()
    page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
    page.locator(".js-plotly-plot").nth(1).scroll_into_view_if_needed()
    page.locator(".js-plotly-plot").nth(1).wait_for(timeout=60_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    page.get_by_role("heading", name="Import report").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "data_page_after_upload.png"))
    page.get_by_role("heading", name="Monthly spend").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "data_page_chart.png"))
    assert not page.errors, page.errors
