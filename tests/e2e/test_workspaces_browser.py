"""Workspaces and four eyes in real browsers: three people sign in through a local OpenID provider
(oidc-provider-mock, as in test_sign_in_browser.py), each in a browser of their own.

- Gary (admin of Globex) sees only Globex's import and no proposal; Acme's files, proposal and
  audit entries appear nowhere, and naming Acme in the address shows a refusal and nothing else.
- Ann (admin of Acme) prepared and submitted Acme's proposal: the Approve button refuses her (four
  eyes). Alice (approver of Acme) approves it; the page then says it is frozen and signed.
"""

from __future__ import annotations

import datetime as dt
import shutil
import threading
import warnings

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from hedging import service
from hedging.config import Settings
from tests.conftest import DATA
from tests.e2e.conftest import ARTIFACTS, CHROMIUM_ARGS, deployed_server

pytestmark = pytest.mark.browser

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import oidc_provider_mock
    import werkzeug.serving

ANN, ALICE, GARY = "ann@acme.example", "alice@acme.example", "gary@globex.example"


def on_page(address: str) -> str:
    """An e-mail address as the pages print it: shown as text, with an invisible word joiner after
    the "@" so that Markdown does not turn it into a mail link."""
    return address.replace("@", "@\u2060")
GLOBEX_FILE = DATA / "openai" / "completions_usage_2025-10-06_2025-10-07.csv"


@pytest.fixture
def provider():
    users = [oidc_provider_mock.User(sub=email.split("@")[0], claims={"email": email, "name": email})
             for email in (ANN, ALICE, GARY)]
    app = oidc_provider_mock.app(user_claims=users)
    server = werkzeug.serving.make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.1,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


def _seed(data_dir) -> tuple[int, int]:
    """Acme (Ann admin, Alice approver) with the sample company and a proposal Ann saved and
    submitted; Globex (Gary admin) with one OpenAI export. Returns the proposal's and the export's ids."""
    base = Settings.from_env({"HEDGING_DATA_DIR": str(data_dir)})
    service.create_workspace("acme", "Acme Corp", base.acting(ANN))
    ann = base.acting(ANN, "acme")
    service.set_member(ALICE, "approver", ann)
    service.load_sample_company(ann)
    run = service.build_run(service.RunSpec(as_of=dt.date(2026, 12, 6), n_paths=300), ann)
    pid = service.save_proposal(run, "Acme FY27 hedge", "Acme Corp", ann)
    service.submit_proposal(pid, ann)
    service.create_workspace("globex", "Globex", base.acting(GARY))
    [globex] = service.import_files([(None, GLOBEX_FILE)], base.acting(GARY, "globex"))
    return pid, globex.import_id


@pytest.fixture
def deployed(tmp_path, provider):
    pid, import_id = _seed(tmp_path / "data")
    with deployed_server(tmp_path, tmp_path / "data", provider) as url:
        yield url, pid, import_id


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                                     args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _signed_in(browser, url: str, sub: str, email: str, path: str = ""):
    """A browser of the user's own (cookies not shared), signed in and on ``path``."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(90_000)
    page.goto(url, wait_until="domcontentloaded")
    page.get_by_role("button", name="Sign in").click()
    page.locator('input[name="sub"]').first.wait_for()
    page.get_by_role("button", name=sub, exact=True).click()
    page.get_by_text(f"Signed in as {email}").wait_for()
    if path:  # the provider sends the browser back to the app's first page
        page.goto(f"{url}/{path}", wait_until="domcontentloaded")
    return page


def _main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def test_two_workspaces_see_nothing_of_each_other_and_four_eyes_holds(deployed, browser):
    url, pid, import_id = deployed
    assert pid == 1 and import_id > 1  # Acme's proposal; Globex's export, stored after Acme's
    # --- Gary, Globex's admin: Globex's import only; nothing of Acme by the pages or by the address
    gary = _signed_in(browser, url, "gary", GARY)
    gary.get_by_text("Workspace: Globex (admin)").wait_for()
    gary.get_by_role("heading", name="Imports").wait_for()
    gary.get_by_text("Delete an import").wait_for()
    gary.screenshot(path=str(ARTIFACTS / "workspaces_gary_data.png"), full_page=True)
    # the imports Gary could open or delete (a rerun that closes the list meanwhile is retried)
    box = gary.locator('[data-testid="stSelectbox"]').filter(has_text="Delete an import").first
    for _ in range(4):
        box.locator("input").click()
        try:
            gary.get_by_role("option").first.wait_for(timeout=15_000)
            break
        except PlaywrightTimeout:
            gary.keyboard.press("Escape")
            gary.wait_for_timeout(1000)
    assert [o.strip() for o in gary.get_by_role("option").all_inner_texts()] == [
        f"#{import_id} completions_usage_2025-10-06_2025-10-07.csv"]   # none of Acme's imports
    gary.keyboard.press("Escape")
    gary.goto(f"{url}/proposal", wait_until="domcontentloaded")
    gary.get_by_text("No proposal saved yet.").wait_for()
    assert "Acme FY27 hedge" not in _main_text(gary)
    gary.goto(f"{url}/audit", wait_until="domcontentloaded")
    gary.get_by_role("heading", name="Audit trail").wait_for()
    with gary.expect_download() as download:
        gary.get_by_role("button", name="Download these entries (CSV)").click()
    trail = open(download.value.path(), encoding="utf-8").read()
    assert GARY in trail and "completions_usage_2025-10-06_2025-10-07.csv" in trail
    assert ANN not in trail and ALICE not in trail and "Acme" not in trail and "anthropic" not in trail
    gary.goto(f"{url}/proposal?workspace=acme", wait_until="domcontentloaded")
    gary.get_by_text("is not a member of workspace 'acme'").wait_for()
    assert "Acme FY27 hedge" not in _main_text(gary)
    assert gary.get_by_role("button", name="Download the PDF proposal").count() == 0
    gary.screenshot(path=str(ARTIFACTS / "workspaces_gary_refused.png"), full_page=True)

    # --- Ann prepared and submitted the proposal: she may not approve it
    ann = _signed_in(browser, url, "ann", ANN, "proposal")
    ann.get_by_role("heading", name="Approval").wait_for()
    ann.get_by_text("Status: submitted: waiting for an approver").wait_for()
    ann.get_by_role("button", name="Approve").click()
    ann.get_by_text("a second person must review it").wait_for()
    assert "approved: frozen and signed" not in _main_text(ann)
    ann.screenshot(path=str(ARTIFACTS / "workspaces_four_eyes_refused.png"), full_page=True)

    # --- Alice, an approver who neither prepared nor submitted it, approves it
    alice = _signed_in(browser, url, "alice", ALICE, "proposal")
    alice.get_by_text("Status: submitted: waiting for an approver").wait_for()
    alice.get_by_label("Comment (required to reject)").fill("Within the treasury's limits.")
    alice.get_by_role("button", name="Approve").click()
    alice.get_by_text(f"Status: approved: frozen and signed. Approved by {on_page(ALICE)}").wait_for()
    alice.screenshot(path=str(ARTIFACTS / "workspaces_approved.png"), full_page=True)
    for pg in (gary, ann, alice):
        assert pg.locator('[data-testid="stException"]').count() == 0
    # and Gary still sees none of it
    gary.goto(f"{url}/proposal", wait_until="domcontentloaded")
    gary.get_by_text("No proposal saved yet.").wait_for()
