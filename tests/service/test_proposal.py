"""Proposals: frozen on save, reopened exactly, compared, deleted; the store refuses tampering."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from hedging import service, store
from hedging.errors import InputError
from tests.conftest import settings_for


@pytest.fixture
def loaded(db_url, tmp_path):
    s = settings_for(db_url, tmp_path)
    service.load_sample_company(s)
    return s


def test_saved_proposal_is_frozen_against_later_data_changes(loaded):
    pid = service.save_proposal("FY27 hedge", "Northwind", n_paths=2000, settings=loaded)
    before = service.load_proposal(pid, loaded)
    assert before["inputs"]["paths"] == 2000 and len(before["provenance"]["imports"]) == 6
    assert {"spend_fan", "distribution", "hedge_ratios"} <= set(before["figures"])
    assert before["tables"]["schedule"] and before["headline"]["summary"].startswith("The minimum-variance programme")
    # the data changes afterwards: the saved proposal does not
    service.delete_import(before["provenance"]["imports"][0]["id"], loaded)
    assert service.load_proposal(pid, loaded) == before


def test_tampering_is_detected(loaded):
    pid = service.save_proposal("P", "C", n_paths=2000, settings=loaded)
    engine = store.get_engine(loaded.database_url)
    with engine.begin() as conn:
        payload = json.loads(conn.execute(text("SELECT payload FROM proposals WHERE id = :i"), {"i": pid}).scalar())
        payload["headline"]["volatility_reduction"] = 0.99
        conn.execute(text("UPDATE proposals SET payload = :p WHERE id = :i"), {"p": json.dumps(payload), "i": pid})
    with pytest.raises(InputError, match="fingerprint"):
        service.load_proposal(pid, loaded)


def test_compare_and_delete(settings):
    service.load_sample_company(settings)
    a = service.save_proposal("Min variance", "C", n_paths=2000, settings=settings)
    b = service.save_proposal("Layered", "C", n_paths=2000, policy=service.Policy(name="layered"), settings=settings)
    table = service.compare_proposals(service.load_proposal(a, settings), service.load_proposal(b, settings))
    changed = set(table.loc[~table["same"], "item"])
    assert {"policy", "volatility_reduction", "program_cost"} <= changed
    assert "seed" not in changed
    service.delete_proposal(a, settings)
    assert [p["id"] for p in service.list_proposals(settings)] == [b]
    with pytest.raises(InputError):
        service.load_proposal(a, settings)
