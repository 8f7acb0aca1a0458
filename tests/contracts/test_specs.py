"""Contract specs: the bundled data file and the validating loader."""

from __future__ import annotations

import json
import math
from importlib import resources

import pytest

from hedging.contracts.specs import ContractSpec, load_specs, parse_listing_rule
from hedging.errors import InputError


def _bundled() -> dict:
    return json.loads(resources.files("hedging.contracts").joinpath("specs.json").read_text())


def _write(tmp_path, data) -> str:
    path = tmp_path / "specs.json"
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return str(path)


def test_bundled_specs_follow_the_paper_and_markets_a2(specs):
    """Values of arXiv 2603.21690 §5 (SIT) and markets.md §A2 (GPU contract suggestion)."""
    sit, gpu = specs["SIT"], specs["GPUH"]
    assert isinstance(sit, ContractSpec)
    assert (sit.lot_size, sit.tick, sit.tick_value) == (1, 0.01, 0.01)
    assert (gpu.lot_size, gpu.tick, gpu.tick_value) == (1000, 0.005, 5.0)
    assert sit.listing_counts == (6, 4) and gpu.listing_counts == (12, 0)
    assert sit.last_trading_day_rule == "third_wednesday"
    assert gpu.last_trading_day_rule == "last_business_day"
    assert (sit.settlement, gpu.settlement) == ("point", "monthly_average")
    for s in (sit, gpu):
        assert (s.price_limit_tier1, s.price_limit_tier2) == (0.15, 0.25)
        assert (s.margin_alpha, s.maintenance_ratio) == (3.0, 0.75)
        assert (s.spread_front, s.spread_back) == (0.02, 0.05)
        assert "No exchange has published" in s.assumption_note
        assert "2603.21690" in s.assumption_note
        assert "assumption" in s.assumption_note and "fee" in s.assumption_note
        assert math.isclose(s.tick_value, s.tick * s.lot_size, rel_tol=0, abs_tol=1e-12)
    assert any("markets.md A2" in src for src in gpu.sources)
    assert gpu.notional(2.5) == pytest.approx(2500.0)


def test_specs_are_frozen(sit):
    with pytest.raises(AttributeError):
        sit.tick = 0.02  # type: ignore[misc]


def test_file_path_round_trip(tmp_path):
    assert load_specs(_write(tmp_path, _bundled())) == load_specs()


def test_listing_rule_parser():
    assert parse_listing_rule("6 monthly + 4 quarterly") == (6, 4)
    assert parse_listing_rule("12 consecutive monthly") == (12, 0)
    with pytest.raises(ValueError):
        parse_listing_rule("weekly")


def _bad(tmp_path, field, value, contract=0):
    data = _bundled()
    if value is _DELETE:
        del data["contracts"][contract][field]
    else:
        data["contracts"][contract][field] = value
    with pytest.raises(InputError) as err:
        load_specs(_write(tmp_path, data))
    return str(err.value)


_DELETE = object()


def test_tick_value_must_equal_tick_times_lot_size(tmp_path):
    msg = _bad(tmp_path, "tick_value", 0.5, contract=1)
    assert "`tick_value`" in msg and "'0.5'" in msg and "Fix:" in msg and "GPUH" in msg
    assert "5" in msg  # names the expected value 0.005 x 1000


def test_tick_value_tolerance_is_1e_12(tmp_path):
    data = _bundled()
    data["contracts"][1]["tick_value"] = 5.0 + 1e-13
    assert load_specs(_write(tmp_path, data))["GPUH"].tick_value == 5.0 + 1e-13
    data["contracts"][1]["tick_value"] = 5.0 + 1e-10
    with pytest.raises(InputError, match="tick_value"):
        load_specs(_write(tmp_path, data))


@pytest.mark.parametrize("field, value, words", [
    ("lot_size", -1, "positive"),
    ("lot_size", 0, "positive"),
    ("tick", 0, "positive"),
    ("lot_size", "1000", "finite number"),
    ("tick", True, "finite number"),
    ("last_trading_day_rule", "second_friday", "third_wednesday"),
    ("settlement", "physical", "monthly_average"),
    ("underlying", "oil", "token_index"),
    ("listing_rule", "weekly", "unknown listing rule"),
    ("price_limit_tier1", 0.3, "tier1 < tier2"),
    ("price_limit_tier2", 1.5, "tier1 < tier2"),
    ("maintenance_ratio", 1.2, "cannot exceed"),
    ("margin_floor_fraction", 8, "fraction"),
    ("spread_back", 0.01, "at least spread_front"),
    ("spread_front", 0, "(0, 1)"),
    ("fee_per_lot", -0.5, "negative"),
    ("root", "sit", "capital letters"),
    ("name", "", "non-empty"),
    ("sources", "paper", "list of text"),
    ("tick", _DELETE, "missing"),
    ("tick_size", 0.01, "unknown field"),
])
def test_bad_fields_are_named_with_value_and_fix(tmp_path, field, value, words):
    msg = _bad(tmp_path, field, value)
    assert f"`{field}`" in msg
    assert words in msg
    assert "Fix:" in msg


def test_invalid_json_names_line(tmp_path):
    with pytest.raises(InputError, match=r"not valid JSON at line \d+"):
        load_specs(_write(tmp_path, '{"contracts": [ {"root": "SIT",} ]}'))


def test_structure_errors(tmp_path):
    with pytest.raises(InputError, match="contracts"):
        load_specs(_write(tmp_path, [1, 2]))
    with pytest.raises(InputError, match="no contracts"):
        load_specs(_write(tmp_path, {"contracts": []}))
    with pytest.raises(InputError, match="not an object"):
        load_specs(_write(tmp_path, {"contracts": [3]}))
    data = _bundled()
    data["contracts"].append(data["contracts"][0])
    with pytest.raises(InputError, match="appears twice"):
        load_specs(_write(tmp_path, data))
    with pytest.raises(InputError, match="cannot read"):
        load_specs(tmp_path / "missing.json")
