"""Candidate indices ranked for the stored usage: the sample company, a short history, one provider."""

import datetime as dt
import math

import pandas as pd
import pytest

from hedging import service
from hedging.config import Settings
from hedging.errors import InputError

AS_OF = dt.date(2026, 12, 6)


@pytest.fixture(scope="module")
def company(tmp_path_factory):
    path = tmp_path_factory.mktemp("candidates")
    s = Settings(database_url=f"sqlite:///{path / 'c.db'}", data_dir=path)
    service.load_sample_company(s)
    return s


def test_sample_company_ranks_every_offered_index_and_marks_the_one_in_use(company):
    spec = service.RunSpec(as_of=AS_OF, horizon=12, seed=7)
    tokens = service.index_candidates("token", spec, company, n_paths=1_000)
    assert {s.key for s in tokens.ranked} == {"builtin", "builtin:frontier", "builtin:company"}
    assert all(s.available and s.months >= 12 for s in tokens.ranked)
    effs = [s.effectiveness for s in tokens.ranked]
    assert effs == sorted(effs, reverse=True)
    assert tokens.chosen == "builtin" and tokens.recommended == tokens.ranked[0].key
    assert tokens.ranked[0].name in tokens.sentence
    rec = tokens.records()
    assert [r["chosen"] for r in rec["rows"]].count(True) == 1
    gpu = service.index_candidates("gpu", spec, company, n_paths=1_000)
    assert {s.key for s in gpu.ranked} == {"builtin", "builtin:hyperscaler"}
    # the same spec and seed give the same numbers
    again = service.index_candidates("token", spec, company, n_paths=1_000)
    assert [s.effectiveness for s in again.ranked] == effs


def test_the_choice_in_the_spec_is_the_index_in_use(company):
    spec = service.RunSpec(as_of=AS_OF, seed=7, index=(("token", "builtin:frontier"),))
    c = service.index_candidates("token", spec, company, n_paths=500)
    assert c.chosen == "builtin:frontier"
    assert "Frontier-model basket" in c.why_chosen()
    table = service.candidate_summary(c)
    assert table.loc[table["in use"] == "✓", "index"].tolist() == ["Frontier-model basket"]


def test_company_basket_is_built_from_the_stored_usage(company):
    data = service.index_history("token", "builtin:company", company)
    values = data.history["value"].to_numpy(dtype=float)
    assert len(values) >= 24 and (values > 0).all() and all(math.isfinite(v) for v in values)
    assert data.unit == "USD per million tokens"
    assert ("builtin:company", data.name) in service.index_choices("token", company)


def test_a_short_history_lists_the_candidates_as_unavailable_with_the_reason(tmp_path):
    s = Settings(database_url=f"sqlite:///{tmp_path / 'h.db'}", data_dir=tmp_path)
    days = pd.date_range("2026-07-01", "2026-10-31", freq="D")
    rows = "".join(f"{d:%Y-%m-%d},openai,gpt-5,search,{1_000_000 + 5000 * i},{200_000},\n" for i, d in enumerate(days))
    service.import_files([("short.csv", ("usage_date,billing_provider,model,team,input_tokens,output_tokens,"
                                         "cost_usd\n" + rows).encode())], s)
    c = service.index_candidates("token", service.RunSpec(as_of=dt.date(2026, 11, 15)), s, n_paths=200)
    assert not any(x.available for x in c.ranked)
    assert all("at least 6 are needed" in x.note for x in c.ranked)
    assert c.sentence.startswith("No candidate index could be fitted")
    # nothing is ranked, so nothing is said to be ranked or recommended (it read "ranked 1 of 3, chosen
    # over the recommended “index”")
    assert c.recommended is None
    assert c.why_chosen() == (f"The run hedges on \u201c{c.ranked[[x.key for x in c.ranked].index(c.chosen)].name}"
                              "\u201d, the index chosen on the Market page; none is ranked yet.")
    with pytest.raises(InputError, match="no GPU-hour usage"):
        service.index_candidates("gpu", service.RunSpec(as_of=dt.date(2026, 11, 15)), s, n_paths=200)


def test_an_unknown_index_key_is_refused(company):
    with pytest.raises(InputError, match="no index 'builtin:nope'"):
        service.index_history("token", "builtin:nope", company)


def test_the_command_line_ranks_and_chooses(company, capsys):
    import json

    from hedging.cli import main

    assert main(["index", "rank", "gpu", "--db", company.database_url, "--as-of", "2026-12-06", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["recommended"] == out["rows"][0]["key"] and out["chosen"] == "builtin"
    assert main(["index", "rank", "gpu", "--db", company.database_url, "--as-of", "2026-13-01"]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err
    assert main(["index", "choose", "gpu", "builtin:hyperscaler", "--db", company.database_url]) == 0
    assert service.chosen_index("gpu", company) == "builtin:hyperscaler"
    service.choose_index("gpu", "builtin", company)


def test_an_uploaded_history_is_a_candidate_too(company):
    from tests.service.test_market import _history

    new_id, _, _ = service.upload_index("gpu", "Licensed H100", _history().encode(), "h100.csv", company)
    c = service.index_candidates("gpu", service.RunSpec(as_of=AS_OF, seed=7), company, n_paths=500)
    upload = next(s for s in c.ranked if s.key == f"upload:{new_id}")
    # an unrelated simulated history: it is fitted on the 24 paired months and ranked like the others
    assert upload.available and upload.name.startswith("Licensed H100 (uploaded h100.csv") and upload.months == 24
    assert 0.0 <= upload.effectiveness <= 1.0
    assert service.candidate_source("gpu", upload.key) == "your uploaded history"
