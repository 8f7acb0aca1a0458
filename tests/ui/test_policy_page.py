"""The Hedge policy page through AppTest: the default is labelled as not adopted; the local user (an
admin) saves a version with the form (a reason is required, a bad band is refused with the field
named and nothing stored); every version is listed with what it changed; a member without the admin
role sees no form; typed text is shown as text."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from hedging import service
from hedging.config import Settings
from hedging.service import workspaces as ws
from screens._workspace import WORKSPACE

ROOT = Path(__file__).resolve().parents[2]
TYPED = "**Board** [minute](http://203.0.113.9/x) <b>12</b>"


def _page() -> AppTest:
    return AppTest.from_file(str(ROOT / "screens" / "policy.py"), default_timeout=120)


def test_policy_page_adopts_edits_and_lists_versions(tmp_path, monkeypatch):
    monkeypatch.setenv("HEDGING_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.chdir(ROOT)
    settings = Settings.from_env({"HEDGING_DATA_DIR": str(tmp_path)})

    page = _page()
    page.run()
    assert not page.exception
    assert any("default — not yet adopted by an admin" in w.value for w in page.warning)
    assert any("No version saved yet" in c.value for c in page.caption)

    # no reason: refused, nothing stored
    page.button[0].click().run()
    assert not page.exception and any("needs a reason" in e.value for e in page.error)
    assert service.policy_versions(settings) == []

    # adopt with a narrower first band and a margin cap
    page.text_input(key="policy_margin").set_value("$250k")
    page.text_input(key="policy_reason").set_value(TYPED)
    page.button[0].click().run()
    assert not page.exception, page.exception
    assert any("Saved hedge policy v1" in s.value for s in page.success)
    current = service.policy_in_force(settings)
    assert (current.version, current.policy.max_initial_margin, current.reason) == (1, 250_000.0, TYPED)
    assert any("hedge policy v1, saved by local user" in i.value for i in page.info)   # (escaped Markdown)
    assert any(TYPED in t.value for t in page.text)                     # the reason, shown as text
    diff = next(d for d in page.dataframe if "before" in d.value.columns)
    assert ("Peak initial margin, at most", "no limit", "$250,000") in list(diff.value.itertuples(index=False))

    # a bad amount is refused with the field named; v1 stays in force
    page.text_input(key="policy_liquidity").set_value("lots")
    page.text_input(key="policy_reason").set_value("try")
    page.button[0].click().run()
    assert any("liquidity use, at most" in e.value and "is not an amount in USD" in e.value for e in page.error)
    assert service.policy_in_force(settings).version == 1

    # in a workspace where the same user is only a viewer: the policy (Acme's default), no form
    ws.create_workspace("acme", "Acme Corp", settings.acting("ann@acme.example"))
    ws.set_member(service.LOCAL_USER, "viewer", settings.acting("ann@acme.example", "acme"))
    viewer = _page()
    viewer.session_state[WORKSPACE] = "acme"
    viewer.run()
    assert not viewer.exception
    assert any("default — not yet adopted" in w.value for w in viewer.warning)   # Acme's own, not Default's v1
    assert any("Only an admin of the workspace" in c.value for c in viewer.caption)
    assert not viewer.button
