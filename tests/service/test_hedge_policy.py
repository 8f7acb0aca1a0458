"""The workspace's hedge policy through the service layer and the command line: the default until an
admin adopts one; versions only ever added (an edit makes v2, v1 unchanged, the database refuses a
change); only admins save one (every role tried); a proposal is checked against the version in force
(after an edit, against v2); a breach is refused at approval unless an exception gives a reason, and
the exception is signed with the approval, stored beside it, audited, and printed in the PDF."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json

import pypdf
import pytest

from hedging import cli, service, store
from hedging.errors import InputError
from hedging.hedge.hedge_policy import DEFAULT_POLICY, HedgePolicy, TenorBand
from hedging.service import access, lifecycle
from hedging.service import hedge_policy as hp
from hedging.service import workspaces as ws
from tests.conftest import settings_for

PETE, ALICE, ANN, VIC = "pete@acme.example", "alice@acme.example", "ann@acme.example", "vic@acme.example"
ROLE_OF = {"viewer": VIC, "preparer": PETE, "approver": ALICE, "admin": ANN}
#: 50-75% in months 1-3 with no later band; the sample's minimum-variance programme leaves the token index
#: unhedged (0% in months 1-3), so a proposal built on it breaches this band.
NARROW = HedgePolicy(bands=(TenorBand(1, 3, 0.50, 0.75),), min_variance_reduction=None)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Workspace "acme" (ann admin, pete preparer, alice approver, vic viewer) with the sample company
    and one minimum-variance run; each test saves its own proposals and starts from its own workspace
    policy history (the policies are per workspace, so tests use fresh workspaces where it matters)."""
    tmp = tmp_path_factory.mktemp("hedge_policy")
    base = settings_for(f"sqlite:///{tmp / 'p.db'}", tmp)
    ws.create_workspace("acme", "Acme Corp", base.acting(ANN))
    for user, role in ((PETE, "preparer"), (ALICE, "approver"), (VIC, "viewer")):
        ws.set_member(user, role, base.acting(ANN, "acme"))
    service.load_sample_company(base.acting(PETE, "acme"))
    run = service.build_run(service.RunSpec(as_of=dt.date(2026, 12, 6), n_paths=300), base.acting(VIC, "acme"))
    return base, run


def as_(world, user, workspace="acme"):
    return world[0].acting(user, workspace)


def submitted(world, name="FY27 hedge") -> int:
    pid = service.save_proposal(world[1], name, "Acme", as_(world, PETE))
    lifecycle.submit(pid, as_(world, PETE))
    return pid


def test_a_new_workspace_has_the_labelled_default_and_only_admins_save_a_version(world, tmp_path):
    s = settings_for(f"sqlite:///{tmp_path / 'roles.db'}", tmp_path)
    ws.create_workspace("acme", "Acme Corp", s.acting(ANN))
    for user, role in ((PETE, "preparer"), (ALICE, "approver"), (VIC, "viewer")):
        ws.set_member(user, role, s.acting(ANN, "acme"))
    current = hp.policy_in_force(s.acting(VIC, "acme"))
    assert (current.version, current.adopted, current.policy) == (0, False, DEFAULT_POLICY)
    assert current.label() == "hedge policy: default — not yet adopted by an admin"
    for role, user in ROLE_OF.items():
        assert hp.may_edit_policy(s.acting(user, "acme")) == (role == "admin")
        if role == "admin":
            continue
        with pytest.raises(access.AccessDenied, match=f"cannot {access.POLICY}. Fix: ask an admin of the workspace "
                                                      "for the admin role"):
            hp.set_policy(NARROW, s.acting(user, "acme"), reason="try")
    assert hp.policy_versions(s.acting(VIC, "acme")) == []   # nothing was stored by the refused calls
    with pytest.raises(InputError, match="needs a reason"):
        hp.set_policy(NARROW, s.acting(ANN, "acme"), reason="  ")
    v1 = hp.set_policy(NARROW, s.acting(ANN, "acme"), reason="Board minute 12")
    assert (v1.version, v1.author, v1.reason, v1.fingerprint) == (1, ANN, "Board minute 12", NARROW.fingerprint())
    with pytest.raises(InputError, match="policy in force already .v1."):
        hp.set_policy(NARROW, s.acting(ANN, "acme"), reason="again")
    assert access.PERMISSIONS["admin"] >= {access.POLICY}
    assert all(access.POLICY not in access.PERMISSIONS[r] for r in ("viewer", "preparer", "approver"))


def test_an_edit_makes_version_2_leaves_version_1_unchanged_and_the_database_refuses_changes(world, tmp_path):
    s = settings_for(f"sqlite:///{tmp_path / 'versions.db'}", tmp_path)
    v1 = hp.set_policy(NARROW, s, reason="first")           # local mode: the local user is the admin
    wider = dataclasses.replace(NARROW, bands=(TenorBand(1, 3, 0.0, 1.0),), max_initial_margin=500_000.0)
    v2 = hp.set_policy(wider, s, reason="widen for Q1")
    assert (v1.version, v2.version) == (1, 2)
    assert hp.policy_in_force(s).version == 2 and hp.policy_in_force(s).policy == wider
    listed = hp.policy_versions(s)
    assert [v.version for v, _ in listed] == [2, 1]
    assert listed[1][0].policy == NARROW and listed[1][0].fingerprint == v1.fingerprint
    changes = {k: (a, b) for k, a, b in listed[0][1]}
    assert changes == {"Hedged share, months 1–3": ("50%–75%", "0%–100%"),
                       "Peak initial margin, at most": ("no limit", "$500,000")}
    trail = service.audit_trail(s, action="policy change")
    assert list(trail["id"]) == ["v2", "v1"] and list(trail["fingerprint"]) == [v2.fingerprint, v1.fingerprint]
    assert "reason: widen for Q1" in trail["detail"].iloc[0]
    for sql in ("UPDATE hedge_policies SET content = '{}'", "DELETE FROM hedge_policies"):
        with pytest.raises(Exception, match="only ever added"), store.transaction(s.database_url) as conn:
            conn.exec_driver_sql(sql)
    assert [v.policy for v, _ in hp.policy_versions(s)] == [wider, NARROW]


def test_a_proposal_is_checked_against_the_version_in_force_and_after_an_edit_against_v2(world):
    ws.create_workspace("checks", "Checks", as_(world, ANN))
    service.load_sample_company(as_(world, ANN, "checks"))
    pid = service.save_proposal(world[1], "check me", "Acme", as_(world, ANN, "checks"))
    default = service.load_proposal(pid, as_(world, ANN, "checks"))["policy_check"]
    assert default["version"] == 0 and "default — not yet adopted" in default["label"]
    hp.set_policy(NARROW, as_(world, ANN, "checks"), reason="v1")
    first = service.load_proposal(pid, as_(world, ANN, "checks"))["policy_check"]
    assert first["version"] == 1
    token = [c for c in first["checks"] if c["limit"].startswith("Hedged share, months 1–3 (AI token")][0]
    assert (token["result"], token["proposal"]) == ("breach", "0.0%")
    hp.set_policy(dataclasses.replace(NARROW, bands=(TenorBand(1, 3, 0.0, 0.75),)), as_(world, ANN, "checks"),
                  reason="no minimum")
    second = service.load_proposal(pid, as_(world, ANN, "checks"))["policy_check"]
    assert second["version"] == 2 and "hedge policy v2" in second["sentence"]
    token = [c for c in second["checks"] if c["limit"].startswith("Hedged share, months 1–3 (AI token")][0]
    assert token["result"] == "pass"
    # the live run gives the same verdicts as the saved document
    live = hp.check_run(world[1], as_(world, ANN, "checks")).to_dict()
    assert [(c["limit"], c["result"], c["proposal"]) for c in live["checks"]] == \
        [(c["limit"], c["result"], c["proposal"]) for c in second["checks"]]


def test_a_breach_is_refused_then_approved_with_an_exception_that_is_signed_audited_and_printed(world):
    hp.set_policy(NARROW, as_(world, ANN), reason="Board minute 12")
    pid = submitted(world)
    with pytest.raises(InputError, match=r"breaches hedge policy v1, saved by ann@acme.example .*Hedged share, "
                                         r"months 1–3 \(AI token price\) \(policy 50%–75%, proposal 0.0%\).* nothing "
                                         r"was approved"):
        lifecycle.approve(pid, as_(world, ALICE), comment="ok")
    assert lifecycle.lifecycle(pid, as_(world, VIC)).status == "submitted"       # nothing moved
    state = lifecycle.approve(pid, as_(world, ALICE), comment="Board minute 14.",
                              exception="Token futures not yet liquid; review in March.")
    assert (state.status, state.decided_by, state.approval_verified) == ("approved", ALICE, True)
    assert state.comment.startswith("Board minute 14.\nPolicy exception to hedge policy v1 (breached: Hedged share")
    assert state.comment.endswith(": Token futures not yet liquid; review in March.")   # inside the signed comment
    e = state.exception
    assert (e["reason"], e["approver"], e["policy_version"]) == ("Token futures not yet liquid; review in March.",
                                                                  ALICE, 1)
    assert e["policy_fingerprint"] == NARROW.fingerprint()
    assert [b["limit"] for b in e["breaches"]] == ["Hedged share, months 1–3 (AI token price)"]
    trail = service.audit_trail(as_(world, VIC))
    mine = trail[(trail["id"] == str(pid)) & (trail["record"] == "proposal")]
    assert list(mine["action"])[:2] == ["policy exception", "proposal approve"]
    assert "Token futures not yet liquid" in mine["detail"].iloc[0]
    saved = service.load_proposal(pid, as_(world, VIC))
    assert saved["approval"]["exception"]["policy_version"] == "v1"
    with pytest.raises(Exception, match="only ever added"), store.transaction(world[0].database_url) as conn:
        conn.exec_driver_sql("UPDATE policy_exceptions SET reason = 'nothing to see'")

    from hedging.report.pdf import build_pdf
    pages = [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(build_pdf(saved, images={}))).pages]
    body = " ".join(pages).replace("\n", " ")
    block = body[body.rindex("12. Approval and policy check"):body.rindex("13. Hedge designation memo")]
    for expected in ("Policy exception", "Token futures not yet liquid; review in March.", "Hedge policy check",
                     "Checked against hedge policy v1", "BREACH", "Hedged share, months 1–3 (AI token price)"):
        assert expected in block, expected


def test_a_proposal_within_the_policy_is_approved_and_an_exception_without_a_breach_is_refused(world):
    hp.set_policy(dataclasses.replace(NARROW, bands=(TenorBand(1, 3, 0.0, 0.90),)), as_(world, ANN), reason="wider")
    pid = submitted(world, "within policy")
    with pytest.raises(InputError, match="no breach to make an exception for"):
        lifecycle.approve(pid, as_(world, ALICE), exception="just in case")
    state = lifecycle.approve(pid, as_(world, ALICE), comment="Within policy.")
    assert (state.status, state.comment, state.exception) == ("approved", "Within policy.", None)


def test_the_default_policy_guides_but_does_not_bind_an_approval(world, tmp_path):
    s = settings_for(f"sqlite:///{tmp_path / 'default.db'}", tmp_path)
    ws.create_workspace("acme", "Acme Corp", s.acting(ANN))
    for user, role in ((PETE, "preparer"), (ALICE, "approver")):
        ws.set_member(user, role, s.acting(ANN, "acme"))
    service.load_sample_company(s.acting(PETE, "acme"))
    pid = service.save_proposal(world[1], "default", "Acme", s.acting(PETE, "acme"))
    lifecycle.submit(pid, s.acting(PETE, "acme"))
    assert service.load_proposal(pid, s.acting(ALICE, "acme"))["policy_check"]["version"] == 0
    with pytest.raises(InputError, match="no hedge policy has been adopted"):
        lifecycle.approve(pid, s.acting(ALICE, "acme"), exception="why not")
    assert lifecycle.approve(pid, s.acting(ALICE, "acme")).status == "approved"


def test_cli_policy_show_set_and_approve_with_an_exception(world, tmp_path, capsys, monkeypatch):
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("HEDGING_DATA_DIR", str(tmp_path))
    assert cli.main(["policy", "show", "--db", db, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["version"], shown["adopted"]) == (0, False)
    assert cli.main(["policy", "set", "--db", db, "--band", "1-3:50-75", "--max-initial-margin", "$250k",
                     "--reason", "Board minute 12"]) == 0
    assert "Saved hedge policy v1" in capsys.readouterr().out
    assert cli.main(["policy", "show", "--db", db, "--versions"]) == 0
    out = capsys.readouterr().out
    assert "Peak initial margin, at most: $250,000" in out and "Hedged share, months 1–3: 50%–85% -> 50%–75%" in out
    assert cli.main(["policy", "set", "--db", db, "--band", "1-3:80-70", "--reason", "x"]) == 2
    assert "minimum (80%) is above the maximum (70%)" in capsys.readouterr().err
    assert cli.main(["policy", "set", "--db", db, "--user", "pete@acme.example", "--band", "1-3:0-100",
                     "--reason", "x"]) != 0
    assert "is not a member" in capsys.readouterr().err
    settings = settings_for(db, tmp_path)
    assert hp.policy_in_force(settings).version == 1
    trail = service.audit_trail(settings, action="policy change")
    assert trail["who"].iloc[0].startswith("cli:")
    # approve --exception: a proposal of the local workspace prepared by someone else
    ws.set_member(ALICE, "approver", settings)
    service.load_sample_company(settings)
    pid = service.save_proposal(world[1], "cli", "Acme", settings)
    lifecycle.submit(pid, settings)
    assert cli.main(["proposal", "approve", str(pid), "--db", db, "--user", ALICE, "--workspace", "default"]) == 2
    assert "breaches hedge policy v1" in capsys.readouterr().err
    assert cli.main(["proposal", "approve", str(pid), "--db", db, "--user", ALICE, "--workspace", "default",
                     "--exception", "Board accepts the token gap", "--json"]) == 0
    approved = json.loads(capsys.readouterr().out)
    assert approved["status"] == "approved" and "Board accepts the token gap" in approved["comment"]


def test_a_document_saved_before_the_policy_existed_is_checked_without_failing():
    """An early document (no spec, no ratio table, no statements): the limits it cannot speak to are
    not applicable, never passed; what it does report (the schedule's notionals) is checked."""
    old = {"inputs": {"horizon": 12}, "headline": {"initial_margin_peak": 300_000.0},
           "tables": {"schedule": [{"side": "buy", "notional (USD)": 10_000.0}]}}
    version = hp.PolicyVersion(dataclasses.replace(NARROW, max_initial_margin=250_000.0, min_notional=25_000.0), 1)
    checks = {c.limit: c for c in hp.check_document(old, version).checks}
    assert checks["Hedged share, months 1–3"].status == "n/a"
    assert checks["Peak initial margin"].status == "breach"          # $300,000 over $250,000
    assert checks["Materiality (smallest trade)"].status == "breach"  # $10,000 under $25,000
    assert checks["Liquidity use"].status == "n/a" and checks["Variance reduction"].status == "n/a"
