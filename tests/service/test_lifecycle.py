"""The proposal lifecycle through the service layer: draft -> submitted -> approved or rejected (with a
comment) -> superseded; four eyes (nobody approves what they prepared or submitted); an approved
proposal is frozen and its approval signed; every step is in the audit trail; the PDF of a draft is
marked "Draft — not approved" on every page and an approved one carries the approval block."""

from __future__ import annotations

import datetime as dt
import io

import pypdf
import pytest
from sqlalchemy import create_engine

from hedging import service
from hedging.errors import InputError
from hedging.report.pdf import build_pdf
from hedging.service import access, lifecycle
from hedging.service import workspaces as ws
from tests.conftest import settings_for

PETE, ALICE, ANN, VIC = "pete@acme.example", "alice@acme.example", "ann@acme.example", "vic@acme.example"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Workspace "acme" (ann admin, pete preparer, alice approver, vic viewer) with the sample company
    and one run; proposals are saved from it as each test needs."""
    tmp = tmp_path_factory.mktemp("lifecycle")
    base = settings_for(f"sqlite:///{tmp / 'l.db'}", tmp)
    ws.create_workspace("acme", "Acme Corp", base.acting(ANN))
    for user, role in ((PETE, "preparer"), (ALICE, "approver"), (VIC, "viewer")):
        ws.set_member(user, role, base.acting(ANN, "acme"))
    service.load_sample_company(base.acting(PETE, "acme"))
    run = service.build_run(service.RunSpec(as_of=dt.date(2026, 12, 6), n_paths=300), base.acting(VIC, "acme"))
    return base, run


def as_(world, user):
    return world[0].acting(user, "acme")


def save(world, user=PETE, name="FY27 hedge"):
    return service.save_proposal(world[1], name, "Acme", as_(world, user))


def test_draft_submitted_approved_and_frozen(world):
    pid = save(world)
    state = lifecycle.lifecycle(pid, as_(world, VIC))
    assert (state.status, state.prepared_by, state.submitted_by) == ("draft", PETE, None)
    with pytest.raises(access.AccessDenied, match="a viewer cannot submit proposals"):
        lifecycle.submit(pid, as_(world, VIC))
    with pytest.raises(InputError, match="only a submitted proposal can be approved"):
        lifecycle.approve(pid, as_(world, ALICE))
    assert lifecycle.submit(pid, as_(world, PETE)).status == "submitted"
    with pytest.raises(access.AccessDenied, match="a preparer cannot approve or reject"):
        lifecycle.approve(pid, as_(world, PETE))
    with pytest.raises(InputError, match="is submitted: waiting for an approver, so it is kept"):
        service.delete_proposal(pid, as_(world, PETE))
    state = lifecycle.approve(pid, as_(world, ALICE), comment="Within policy.")
    assert (state.status, state.decided_by, state.comment, state.approval_verified) == (
        "approved", ALICE, "Within policy.", True)
    assert state.frozen
    with pytest.raises(InputError, match="approved: frozen and signed, so it is kept"):
        service.delete_proposal(pid, as_(world, ANN))
    with pytest.raises(InputError, match="only a draft proposal can be submitted"):
        lifecycle.submit(pid, as_(world, PETE))
    saved = service.load_proposal(pid, as_(world, VIC))
    assert saved["approval"]["approved_by"] == ALICE and saved["approval"]["fingerprint"] == saved["fingerprint"]
    trail = service.audit_trail(as_(world, VIC))
    mine = trail[(trail["id"] == str(pid)) & (trail["record"] == "proposal")]
    assert list(zip(mine["who"], mine["action"])) == [(ALICE, "proposal approve"), (PETE, "proposal submit"),
                                                      (PETE, "proposal save")]
    assert set(mine["fingerprint"]) == {saved["fingerprint"]}


@pytest.mark.parametrize("decide", [lifecycle.approve, lifecycle.reject])
def test_four_eyes_nobody_decides_what_they_prepared_or_submitted(world, decide):
    prepared_by_ann = save(world, ANN)                       # an admin may prepare, submit and approve...
    lifecycle.submit(prepared_by_ann, as_(world, ANN))
    with pytest.raises(access.AccessDenied, match=r"ann@acme.example prepared proposal #\d+, so ann@acme.example "
                                                  r"cannot (approve|reject) it: a second person must review it"):
        decide(prepared_by_ann, as_(world, ANN), comment="mine")
    submitted_by_ann = save(world, PETE)                     # ...but never what they prepared or submitted
    lifecycle.submit(submitted_by_ann, as_(world, ANN))
    with pytest.raises(access.AccessDenied, match="submitted proposal .* a second person"):
        decide(submitted_by_ann, as_(world, ANN), comment="mine")
    assert decide(submitted_by_ann, as_(world, ALICE), comment="checked").decided_by == ALICE


def test_local_mode_cannot_approve_its_own_proposal(tmp_path):
    s = settings_for(f"sqlite:///{tmp_path / 'local.db'}", tmp_path)
    service.load_sample_company(s)
    pid = service.save_proposal(service.build_run(service.RunSpec(as_of=dt.date(2026, 12, 6), n_paths=200), s),
                                "Local", "", s)
    lifecycle.submit(pid, s)
    with pytest.raises(access.AccessDenied, match="local user prepared proposal .* a second person"):
        lifecycle.approve(pid, s)


def test_a_rejection_needs_a_comment_and_is_final(world):
    pid = save(world)
    lifecycle.submit(pid, as_(world, PETE))
    with pytest.raises(InputError, match="a rejection needs a comment"):
        lifecycle.reject(pid, as_(world, ALICE), comment="  ")
    state = lifecycle.reject(pid, as_(world, ALICE), comment="Margin above the treasury's limit.")
    assert (state.status, state.comment, state.approval_verified) == ("rejected", "Margin above the treasury's limit.",
                                                                      None)
    with pytest.raises(InputError, match="only a submitted proposal can be approved"):
        lifecycle.approve(pid, as_(world, ALICE))
    service.delete_proposal(pid, as_(world, PETE))          # a rejected proposal may be deleted


def test_approving_a_new_proposal_supersedes_the_one_in_force(world):
    first, second = save(world, name="H1"), save(world, name="H2")
    for pid in (first, second):
        lifecycle.submit(pid, as_(world, PETE))
    lifecycle.approve(first, as_(world, ALICE))
    already = {p["id"] for p in service.list_proposals(as_(world, VIC)) if p["status"] == "approved"} - {first}
    lifecycle.approve(second, as_(world, ALICE))
    statuses = {p["id"]: p["status"] for p in service.list_proposals(as_(world, VIC))}
    assert statuses[first] == "superseded" and statuses[second] == "approved"
    assert all(statuses[p] == "superseded" for p in already)
    state = lifecycle.lifecycle(first, as_(world, VIC))
    assert state.steps[-1][0] == "superseded" and state.steps[-1][3] == f"superseded by proposal #{second}"
    assert state.decided_by == ALICE and state.frozen


def test_an_approval_changed_in_the_database_no_longer_verifies(world):
    pid = save(world)
    lifecycle.submit(pid, as_(world, PETE))
    lifecycle.approve(pid, as_(world, ALICE))
    engine = create_engine(world[0].database_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE proposal_reviews SET actor = 'mallory@acme.example' "
                             f"WHERE proposal_id = {pid} AND status = 'approved'")
    engine.dispose()
    state = lifecycle.lifecycle(pid, as_(world, VIC))
    assert (state.decided_by, state.approval_verified) == ("mallory@acme.example", False)
    assert "DOES NOT VERIFY" in service.load_proposal(pid, as_(world, VIC))["approval"]["signature"]


def test_another_workspace_cannot_see_or_move_a_proposal(world):
    pid = save(world)
    ws.create_workspace("globex", "Globex", world[0].acting("gary@globex.example"))
    gary = world[0].acting("gary@globex.example", "globex")
    for call in (lambda: lifecycle.lifecycle(pid, gary), lambda: lifecycle.submit(pid, gary),
                 lambda: service.load_proposal(pid, gary), lambda: service.delete_proposal(pid, gary),
                 lambda: service.record_pdf_export(pid, "0" * 64, gary)):
        with pytest.raises(InputError, match=f"there is no proposal #{pid}"):
            call()
    assert service.list_proposals(gary) == []
    assert lifecycle.lifecycle(pid, as_(world, VIC)).status == "draft"


def _pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def test_the_pdf_marks_a_draft_and_carries_the_approval_block(world):
    pid = save(world)
    draft = service.load_proposal(pid, as_(world, VIC))
    pages = _pages(build_pdf(draft, images={}))
    assert all("Draft — not approved" in text for text in pages)
    assert any("12. Approval" in t for t in pages)
    lifecycle.submit(pid, as_(world, PETE))
    lifecycle.approve(pid, as_(world, ALICE), comment="Board minute 14.")
    approved = service.load_proposal(pid, as_(world, VIC))
    pages = _pages(build_pdf(approved, images={}))
    assert not any("Draft — not approved" in text for text in pages)
    assert f"Approved by {ALICE}" in " ".join(pages[:2]).replace("\n", " ")  # the details follow the decision page
    body = " ".join(pages).replace("\n", " ")
    block = body[body.rindex("12. Approval"):body.rindex("13. Hedge designation memo")]
    for expected in (f"Prepared by {PETE}", f"Submitted by {PETE}", f"Approved by {ALICE}", "Board minute 14.",
                     "verified with this installation's key", approved["fingerprint"][:40]):
        assert expected in block, expected
