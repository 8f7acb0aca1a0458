"""Every page in a real browser at 1400x1000: no exception, charts drawn, screenshots kept."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import ARTIFACTS

pytestmark = pytest.mark.browser


def test_market_page_in_a_real_browser(app_url, page):
    page.goto(f"{app_url}/market", wait_until="domcontentloaded")
    page.get_by_role("heading", name="Market").wait_for(timeout=60_000)
    page.get_by_text("Last index print", exact=True).wait_for(timeout=120_000)
    page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    # a bookmarked page URL on a fresh server still gets the app's menu, not a file list
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert "Data" in nav and "Market" in nav and "shared" not in nav.lower()
    page.screenshot(path=str(ARTIFACTS / "market_top.png"))
    page.get_by_role("heading", name="Forward curve and contracts").scroll_into_view_if_needed()
    page.locator(".js-plotly-plot").nth(2).wait_for(timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "market_curve.png"))
    page.get_by_role("heading", name="Price model").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "market_model.png"))
    assert not page.errors, page.errors


def test_forecast_page_in_a_real_browser(app_url, page):
    page.goto(app_url, wait_until="domcontentloaded")
    page.get_by_role("button", name="Load sample company").click()
    page.get_by_role("heading", name="Monthly spend").wait_for(timeout=180_000)
    page.get_by_role("link", name="Forecast").click()
    page.get_by_text("P(spend > budget)", exact=True).wait_for(timeout=180_000)
    page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(ARTIFACTS / "forecast_top.png"))
    page.get_by_text("Volume model:").first.scroll_into_view_if_needed()
    page.wait_for_timeout(1500)
    page.screenshot(path=str(ARTIFACTS / "forecast_volume.png"))
    page.mouse.wheel(0, 700)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(ARTIFACTS / "forecast_basis.png"))
    assert not page.errors, page.errors


def test_hedge_pages_in_a_real_browser(app_url, page):
    page.goto(app_url, wait_until="domcontentloaded")
    page.get_by_role("button", name="Load sample company").click()
    page.get_by_role("heading", name="Monthly spend").wait_for(timeout=180_000)
    page.get_by_role("link", name="Hedge program").click()
    page.get_by_role("heading", name="Trade schedule").wait_for(timeout=180_000)
    page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(ARTIFACTS / "hedge_top.png"))
    page.get_by_role("heading", name="Trade schedule").scroll_into_view_if_needed()
    page.wait_for_timeout(1500)
    page.screenshot(path=str(ARTIFACTS / "hedge_schedule.png"))
    # the position limit reads with thousands separators, takes 2.5k, and names itself when mistyped
    limit = page.get_by_test_id("stTextInput").filter(has_text="Position limit").locator("input")
    assert limit.input_value() == "1,000,000"
    limit.fill("2.5k")
    limit.press("Enter")
    page.wait_for_function("() => [...document.querySelectorAll('[data-testid=stTextInput] input')]"
                           ".some(i => i.value === '2,500')", timeout=120_000)
    limit.fill("abc")
    limit.press("Enter")
    page.get_by_text("Position limit (lots per contract): 'abc' is not a whole number of lots",
                     exact=False).wait_for(timeout=120_000)
    assert limit.input_value() == "2,500"
    # the instrument table is turned sideways and does not scroll
    instruments = page.locator(".st-key-hedge_instruments [data-testid=stTable]")
    instruments.scroll_into_view_if_needed()
    assert instruments.evaluate("e => e.scrollWidth <= e.clientWidth + 2")
    page.screenshot(path=str(ARTIFACTS / "hedge_instruments.png"))
    assert page.locator('[data-testid="stException"]').count() == 0
    page.get_by_role("link", name="Before / after").click()
    page.get_by_role("heading", name="Hedge effectiveness").wait_for(timeout=180_000)
    page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(ARTIFACTS / "outcome_top.png"))
    page.get_by_role("heading", name="Liquidity").scroll_into_view_if_needed()
    page.wait_for_timeout(1500)
    page.screenshot(path=str(ARTIFACTS / "outcome_liquidity.png"))
    page.get_by_role("heading", name="Stress scenarios").scroll_into_view_if_needed()
    page.wait_for_timeout(1500)
    page.screenshot(path=str(ARTIFACTS / "outcome_stress.png"))
    page.get_by_role("heading", name="Hedge effectiveness").scroll_into_view_if_needed()
    page.wait_for_timeout(1500)
    page.screenshot(path=str(ARTIFACTS / "outcome_effectiveness.png"))
    assert not page.errors, page.errors
