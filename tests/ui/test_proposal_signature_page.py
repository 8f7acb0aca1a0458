"""The Proposal page with a record changed outside the app: listed as one that cannot be opened,
refused with the plain message (no traceback), and deletable from the page."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from hedging import service, store
from hedging.config import Settings
from hedging.service.proposal import signing_key
from hedging.store.proposals import save_proposal
from tests.report.proposal_fixture import make_proposal

ROOT = Path(__file__).resolve().parents[2]


def test_a_tampered_proposal_is_refused_on_the_page_and_can_be_deleted(tmp_path, monkeypatch):
    monkeypatch.setenv("HEDGING_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("HEDGING_SIGNING_KEY_FILE", raising=False)
    monkeypatch.chdir(ROOT)
    settings = Settings.from_env({"HEDGING_DATA_DIR": str(tmp_path)})
    engine = store.get_engine(settings.database_url)
    document = {**make_proposal(figures=False), "schema_version": 2}
    pid = save_proposal(engine, "FY27 compute hedge", "Northwind", "0.2.0", document, key=signing_key(settings))
    forged = json.dumps({**document, "headline": {**document["headline"], "volatility_reduction": 0.99}})
    with engine.begin() as conn:
        conn.execute(text("UPDATE proposals SET payload = :p, payload_sha256 = :s WHERE id = :i"),
                     {"p": forged, "s": hashlib.sha256(forged.encode()).hexdigest(), "i": pid})

    at = AppTest.from_file(str(ROOT / "screens" / "proposal.py"), default_timeout=120)
    at.run()
    assert not at.exception
    assert at.selectbox(key="proposal_open").format_func(pid).endswith(" — cannot be opened")
    [error] = at.error
    assert error.value.replace("\\", "").startswith(  # shown as text: Markdown characters escaped
        f"Proposal 'FY27 compute hedge' (#{pid}) was changed outside the app after it was saved: its signature "
        "does not match. It cannot be opened or printed.")
    assert not [b for b in at.button if b.key == "proposal_pdf"]            # no download offered
    at.button(key="proposal_delete_refused").click().run()
    assert not at.exception and service.list_proposals(settings) == []
