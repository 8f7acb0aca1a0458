"""A hedge policy breach in real browsers: Ann (admin of Acme) adopts the policy with the form on the
Hedge policy page; Alice (approver) opens the proposal Ann prepared, sees the breaches, is refused
when she approves without an exception, and approves it with one; the page then shows the exception
and the audit trail records it. Sign-in goes through the local OpenID provider, as in
test_workspaces_browser.py, with one browser per person."""

from __future__ import annotations

import datetime as dt

import pytest

from hedging import service
from hedging.config import Settings
from tests.e2e.conftest import ARTIFACTS, deployed_server
from tests.e2e.test_workspaces_browser import ALICE, ANN, _main_text, _signed_in, browser, on_page, provider  # noqa: F401

pytestmark = pytest.mark.browser
EXCEPTION = "Token futures are not yet liquid enough; the board accepts the gap until March."


def _seed(data_dir) -> int:
    """Acme (Ann admin, Alice approver) with the sample company and a minimum-variance proposal Ann
    saved and submitted: it leaves the token index unhedged, below the policy's 50% in months 1-3."""
    base = Settings.from_env({"HEDGING_DATA_DIR": str(data_dir)})
    service.create_workspace("acme", "Acme Corp", base.acting(ANN))
    ann = base.acting(ANN, "acme")
    service.set_member(ALICE, "approver", ann)
    service.load_sample_company(ann)
    run = service.build_run(service.RunSpec(as_of=dt.date(2026, 12, 6), n_paths=300), ann)
    pid = service.save_proposal(run, "Acme FY27 hedge", "Acme Corp", ann)
    service.submit_proposal(pid, ann)
    return pid


@pytest.fixture
def deployed(tmp_path, provider):  # noqa: F811
    pid = _seed(tmp_path / "data")
    with deployed_server(tmp_path, tmp_path / "data", provider) as url:
        yield url, pid, Settings.from_env({"HEDGING_DATA_DIR": str(tmp_path / "data")})


def test_a_breach_is_refused_then_approved_as_an_exception(deployed, browser):  # noqa: F811
    url, pid, settings = deployed
    # --- Ann, admin: adopts the policy shown (the default) as version 1 with the form
    ann = _signed_in(browser, url, "ann", ANN, "policy")
    ann.get_by_role("heading", name="Hedge policy").first.wait_for()
    ann.get_by_text("default — not yet adopted by an admin").first.wait_for()
    ann.get_by_label("Why this change (recorded with the version)").fill("Board minute 12: policy adopted")
    ann.get_by_role("button", name="Save as a new version").click()
    ann.get_by_text("it is in force from now").wait_for()
    ann.screenshot(path=str(ARTIFACTS / "policy_adopted.png"), full_page=True)
    assert service.policy_in_force(settings.acting(ANN, "acme")).version == 1

    # --- Alice, approver: the check shows the breach; approving without an exception is refused
    alice = _signed_in(browser, url, "alice", ALICE, "proposal")
    alice.get_by_text("Status: submitted: waiting for an approver").wait_for()
    alice.get_by_role("heading", name="Hedge policy check").wait_for()
    assert "Checked against hedge policy v1" in _main_text(alice)
    assert "breach" in _main_text(alice)
    alice.get_by_role("button", name="Approve").click()
    alice.get_by_text("A breach is approved only as an exception; nothing was approved.").wait_for()
    assert "Hedged share, months 1–3 (AI token price)" in _main_text(alice)
    assert service.proposal_lifecycle(pid, settings.acting(ALICE, "acme")).status == "submitted"
    alice.screenshot(path=str(ARTIFACTS / "policy_breach_refused.png"), full_page=True)

    # --- with the exception's reason, the approval goes through and the page shows the exception
    alice.get_by_label("Comment (required to reject)").fill("Board minute 14.")
    alice.get_by_role("textbox", name="Policy exception reason").fill(EXCEPTION)
    alice.get_by_role("button", name="Approve").click()
    alice.get_by_text(f"Status: approved: frozen and signed. Approved by {on_page(ALICE)}").wait_for()
    alice.get_by_text("Approved as an exception to hedge policy v1").wait_for()
    assert EXCEPTION.rstrip(".") in _main_text(alice)
    alice.screenshot(path=str(ARTIFACTS / "policy_exception_approved.png"), full_page=True)
    for pg in (ann, alice):
        assert pg.locator('[data-testid="stException"]').count() == 0
    state = service.proposal_lifecycle(pid, settings.acting(ALICE, "acme"))
    assert state.exception["reason"] == EXCEPTION and state.exception["policy_version"] == 1
    trail = service.audit_trail(settings.acting(ALICE, "acme"), action="policy exception")
    assert list(trail["who"]) == [ALICE] and EXCEPTION in trail["detail"].iloc[0]
