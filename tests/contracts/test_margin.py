"""Margin: paper eq. 7, the SPAN-style 16-scenario scan, and the governing requirement."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from hedging.contracts.margin import (
    ONE_TRADING_DAY, initial_from_maintenance, initial_margin_paper, margin_requirement,
    realised_vol_20, span_scan,
)
from hedging.errors import InputError


def test_paper_formula_both_branches(sit, gpuh):
    """arXiv 2603.21690 eq. 7: max(alpha sigma_20 sqrt(T) V, floor), alpha = 3, floor 8% of V."""
    # coverage binds: GPUH $2.50, sigma 60%, 2 trading days
    v = 2.5 * 1000
    expected = 3 * 0.60 * math.sqrt(2 / 252) * v
    assert initial_margin_paper(2.5, gpuh, 0.60, 2 / 252) == pytest.approx(expected)
    assert expected == pytest.approx(400.89, abs=0.01)
    # floor binds: SIT $2.00, sigma 40% (paper Table 3), one trading day
    assert 3 * 0.40 * math.sqrt(1 / 252) * 2.0 < 0.08 * 2.0
    assert initial_margin_paper(2.0, sit, 0.40, ONE_TRADING_DAY) == pytest.approx(0.08 * 2.0)


def test_paper_formula_vectorised(gpuh):
    prices = np.array([2.0, 2.5, 3.0])
    sig = np.array([0.1, 0.6, 1.2])
    out = initial_margin_paper(prices, gpuh, sig, 1 / 252)
    for p, s, m in zip(prices, sig, out):
        assert m == pytest.approx(initial_margin_paper(float(p), gpuh, float(s), 1 / 252))
    with pytest.raises(InputError):
        initial_margin_paper(2.0, gpuh, -0.1, 1 / 252)


def test_realised_vol_20():
    prices = [100.0, 101.0] * 11  # 22 prices; the last 21 give 20 alternating returns
    r = math.log(101 / 100)
    expected = r * math.sqrt(20 / 19) * math.sqrt(252)
    assert realised_vol_20(prices, 252) == pytest.approx(expected)
    assert expected == pytest.approx(0.1621, abs=1e-4)
    rng = np.random.default_rng(1)
    paths = 2.0 * np.exp(np.cumsum(rng.normal(0, 0.02, size=(3, 40)), axis=1))
    batch = realised_vol_20(paths, 365)
    for row, v in zip(paths, batch):
        manual = np.std(np.diff(np.log(row[-21:])), ddof=1) * math.sqrt(365)
        assert v == pytest.approx(manual) == pytest.approx(realised_vol_20(row, 365))
    with pytest.raises(InputError, match="21 prices"):
        realised_vol_20([1.0] * 20, 252)
    with pytest.raises(InputError, match="positive"):
        realised_vol_20([1.0] * 20 + [0.0], 252)


def test_span_scan_table(gpuh):
    """CME SPAN: 16 scenarios, 0, +-1/3, +-2/3, +-3/3 of the range with volatility up/down, then
    two extreme moves of 3x the range counted at 35% (CME SPAN methodology, Risk Arrays report)."""
    scan = span_scan(2.5, gpuh, 300.0, vol_scan_range=0.35)
    assert len(scan.scenarios) == 16
    moves = [s.price_move for s in scan.scenarios]
    assert moves[:14] == pytest.approx([0, 0, 1/3, 1/3, -1/3, -1/3, 2/3, 2/3, -2/3, -2/3,
                                        1, 1, -1, -1])
    assert [s.volatility_move for s in scan.scenarios[:14]] == [1, -1] * 7
    assert moves[14:] == [3.0, -3.0] and [s.cover for s in scan.scenarios[14:]] == [0.35, 0.35]
    for a, b in zip(scan.scenarios[:14:2], scan.scenarios[1:14:2]):
        assert a.loss_long == b.loss_long  # volatility does not move a future
    assert scan.worst_loss == pytest.approx(3 * 0.35 * 300) and scan.worst_scenario == 16
    frame = scan.to_frame()
    assert len(frame) == 16 and frame["loss_long"].max() == pytest.approx(315.0)


@settings(max_examples=100, deadline=None)
@given(st.floats(min_value=0.0, max_value=1e6), st.sampled_from([2.0, 3.0]),
       st.sampled_from([0.30, 0.35]))
def test_span_worst_loss_of_a_long_future(R, multiple, cover):
    """Worst loss = max(full down-move of the range, extreme move x cover)."""
    from hedging.contracts.specs import load_specs

    scan = span_scan(2.5, load_specs()["GPUH"], R, extreme_multiple=multiple, extreme_cover=cover)
    assert scan.worst_loss == pytest.approx(max(R, multiple * cover * R))


def test_span_with_two_times_extreme_is_governed_by_full_range(gpuh):
    scan = span_scan(2.5, gpuh, 300.0, extreme_multiple=2.0)
    assert scan.worst_loss == pytest.approx(300.0) and scan.worst_scenario == 13
    with pytest.raises(InputError):
        span_scan(2.5, gpuh, -1.0)


def test_margin_requirement_paper_governs(sit):
    req = margin_requirement(2.0, sit, 0.40, lots=-50)
    assert req.method == "paper formula" and req.floor_binds
    assert req.initial_per_lot == pytest.approx(0.16)
    assert req.maintenance_per_lot == pytest.approx(0.75 * 0.16)
    assert (req.lots, req.initial, req.maintenance) == (50, pytest.approx(8.0), pytest.approx(6.0))
    assert req.span_per_lot is None
    assert "floor" in req.reason and req.reason.count(".") >= 1


def test_margin_requirement_span_governs(gpuh):
    paper = initial_margin_paper(2.5, gpuh, 0.60, 2 / 252)
    req = margin_requirement(2.5, gpuh, 0.60, 2 / 252, price_scan_range=500.0, lots=3)
    assert req.method == "SPAN scan"
    assert req.initial_per_lot == pytest.approx(1.05 * 500.0)
    assert req.initial_per_lot > paper
    assert req.maintenance == pytest.approx(0.75 * 1.05 * 500.0 * 3)
    assert req.paper_per_lot == pytest.approx(paper)
    assert "SPAN scan governs" in req.reason
    small = margin_requirement(2.5, gpuh, 0.60, 2 / 252, price_scan_range=100.0)
    assert small.method == "paper formula" and not small.floor_binds
    assert small.initial_per_lot == pytest.approx(paper)
    assert "SPAN" in small.reason


def test_cme_hrp_initial_is_110_percent_of_maintenance():
    """CME performance bonds page (markets.md A2): maintenance $1,400 -> HRP initial $1,540."""
    assert initial_from_maintenance(1400.0) == pytest.approx(1540.0)
    assert initial_from_maintenance(1400.0, ratio=1.0) == 1400.0
