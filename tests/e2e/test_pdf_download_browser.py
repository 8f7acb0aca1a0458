"""The proposal's PDF in a real browser: every click on the download button gives a PDF or a message.

The PDF is built (with its steps shown) before the download button is drawn, so a click only fetches
finished bytes; there is no file rendered on the click that can be gone by the time the browser asks.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from hedging import service
from hedging.config import Settings
from tests.e2e.conftest import ARTIFACTS

pytestmark = pytest.mark.browser
AS_OF = dt.date(2026, 12, 6)
CLICKS = 5


def saved_proposal(data_dir: Path, name: str) -> int:
    """A proposal stored the way the Proposal page stores one, before the browser opens the app."""
    settings = Settings.from_env({"HEDGING_DATA_DIR": str(data_dir)})
    if not service.list_imports(settings):
        service.load_sample_company(settings)
    run = service.build_run(service.RunSpec(as_of=AS_OF, n_paths=2000), settings)
    return service.save_proposal(run, name, "Northwind Analytics", settings)


def open_proposal(page, url: str, number: int) -> None:
    page.goto(f"{url}/proposal?as_of={AS_OF.isoformat()}", wait_until="domcontentloaded")
    page.get_by_role("heading", name="Proposal", exact=True).wait_for(timeout=60_000)
    page.get_by_text(f"#{number} ").first.wait_for(timeout=120_000)


def download_five_times(page) -> list[bytes]:
    """Click the download button CLICKS times in a row; each click must deliver a file."""
    button = page.get_by_role("button", name="Download the PDF proposal")
    button.wait_for(timeout=240_000)
    files = []
    for _ in range(CLICKS):
        with page.expect_download(timeout=60_000) as download:
            button.click()
        files.append(Path(download.value.path()).read_bytes())
    return files


def test_prepare_shows_each_step_and_every_click_downloads_the_pdf(app_url, page, tmp_path):
    number = saved_proposal(tmp_path / "data", "FY27 compute hedge")
    open_proposal(page, app_url, number)
    page.get_by_role("button", name="Prepare the PDF proposal").click()
    # progress while it builds: the status names the step it is on
    page.get_by_text("Building the PDF proposal…").wait_for(timeout=60_000)
    page.get_by_text(f"Reading proposal #{number} as it was saved").first.wait_for(timeout=60_000)
    page.get_by_text("PDF ready").wait_for(timeout=240_000)
    page.screenshot(path=str(ARTIFACTS / "proposal_pdf_ready.png"))
    files = download_five_times(page)
    assert [f[:5] for f in files] == [b"%PDF-"] * CLICKS
    assert len(set(files)) == 1  # the same document every time
    assert page.locator('[data-testid="stException"]').count() == 0
    assert not page.errors, page.errors


def test_a_proposal_saved_on_the_page_downloads_without_a_second_button(app_url, page):
    page.goto(f"{app_url}/?as_of={AS_OF.isoformat()}", wait_until="domcontentloaded")
    page.get_by_role("button", name="Load sample company").click()
    page.get_by_role("heading", name="Monthly spend").wait_for(timeout=180_000)
    page.get_by_role("link", name="Proposal").click()
    page.get_by_role("button", name="Save the current program as a proposal").click()
    page.get_by_text("Saved as proposal #1.").wait_for(timeout=240_000)
    page.get_by_text("Building the PDF proposal…").wait_for(timeout=60_000)  # built right after the save
    files = download_five_times(page)
    assert [f[:5] for f in files] == [b"%PDF-"] * CLICKS
    assert page.get_by_role("button", name="Prepare the PDF proposal").count() == 0
    assert page.locator('[data-testid="stException"]').count() == 0
    assert not page.errors, page.errors
