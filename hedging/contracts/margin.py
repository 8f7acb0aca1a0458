"""Initial and maintenance margin: the paper's formula, a SPAN-style scan, and which governs.

* Paper formula (arXiv 2603.21690 §5.3, eq. 7):
  ``M_init = max(alpha x sigma_20 x sqrt(T) x V_contract, M_floor)`` with alpha = 3, sigma_20 the
  20-day annualised volatility, T the holding period in years and V_contract = price x lot_size.
  The paper gives no number for M_floor; this app uses ``spec.margin_floor_fraction`` x notional
  (8%, the low end of the paper's "8%-12% of contract value").
* SPAN-style scan (CME SPAN): 16 risk scenarios per contract - price unchanged, +-1/3, +-2/3 and
  +-3/3 of the price scan range, each with volatility up and down, plus two extreme moves of
  3 x the range of which 35% of the loss is counted. For a futures position volatility does not
  matter, so the worst loss per long lot is ``max(1, 3 x 0.35) x range = 1.05 x range``.
* Maintenance margin = ``spec.maintenance_ratio`` (75%) x initial (paper §5.3).

Units: prices in quote units, margins in USD (per lot unless a field says total). The holding
period is in years of 252 trading days, the same basis as ``sigma_20``: one trading day is
``1/252`` (the default, SPAN's usual one-day horizon). With the paper's sigma = 40% a one-day
holding gives 3 x 0.40 x sqrt(1/252) = 7.6% of notional, so the 8% floor binds - consistent with
the paper's 8%-12% range.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hedging.contracts.specs import ContractSpec
from hedging.errors import InputError

TRADING_DAYS_PER_YEAR = 252
ONE_TRADING_DAY = 1.0 / TRADING_DAYS_PER_YEAR
#: CME SPAN extreme scenarios: 3 x the price scan range, 35% of the loss counted.
EXTREME_MULTIPLE = 3.0
EXTREME_COVER = 0.35
#: CME Heightened Risk Profile accounts: initial margin = 110% of maintenance.
CME_HRP_INITIAL_RATIO = 1.10

PAPER = "paper formula"
SPAN = "SPAN scan"


def realised_vol_20(prices, periods_per_year: float, window: int = 20):
    """Annualised volatility of the last ``window`` log returns (sigma_20 of paper eq. 7).

    ``sigma = std(ln(P_t / P_{t-1}), ddof=1) x sqrt(periods_per_year)`` over the last ``window``
    returns (so ``window + 1`` prices). ``prices`` is 1-D, or 2-D (paths x days) along the last
    axis. Use ``periods_per_year = 252`` for a business-day index, 365 for a calendar-day one.

    Worked number: prices alternating 100, 101, 100, ... have returns +-0.00995, sample std
    0.00995 x sqrt(20/19) = 0.01021, annualised x sqrt(252) = 16.2%.
    """
    p = np.asarray(prices, dtype=float)
    if p.ndim not in (1, 2) or p.shape[-1] < window + 1:
        raise InputError(f"need at least {window + 1} prices for a {window}-day volatility.",
                         column="prices", value=p.shape[-1] if p.ndim else p,
                         fix="Provide a longer price history.")
    tail = p[..., -(window + 1):]
    if not np.all(np.isfinite(tail)) or np.any(tail <= 0):
        raise InputError("prices must be positive numbers.", column="prices",
                         fix="Remove zero, negative or missing prices from the history.")
    if not periods_per_year > 0:
        raise ValueError(f"periods_per_year must be positive, got {periods_per_year!r}")
    r = np.diff(np.log(tail), axis=-1)
    out = np.std(r, axis=-1, ddof=1) * math.sqrt(periods_per_year)
    return float(out) if np.ndim(out) == 0 else out


def initial_margin_paper(price, spec: ContractSpec, sigma20_annual, holding_years):
    """Initial margin per lot by paper eq. 7: ``max(alpha sigma_20 sqrt(T) V, floor x V)``.

    Parameters
    ----------
    price : float or array
        Futures price in quote units; ``V = price x lot_size`` USD.
    sigma20_annual : float or array
        20-day annualised volatility (e.g. 0.40).
    holding_years : float
        Holding period in years (one trading day = 1/252).

    Worked numbers: GPUH at $2.50 with sigma 60% over 2 trading days:
    3 x 0.60 x sqrt(2/252) x 2,500 = $400.9 > floor 0.08 x 2,500 = $200, so $400.9.
    SIT at $2.00 with sigma 40% over 1 day: 3 x 0.40 x 0.0630 x 2 = $0.151 < floor $0.16.

    References
    ----------
    arXiv 2603.21690 §5.3, eq. 7.
    """
    price = np.asarray(price, dtype=float)
    sigma = np.asarray(sigma20_annual, dtype=float)
    if np.any(sigma < 0) or not holding_years >= 0:
        raise InputError("volatility and holding period must not be negative.",
                         column="sigma20_annual", value=sigma20_annual,
                         fix="Pass an annualised volatility such as 0.4 and a period in years.")
    notional = price * spec.lot_size
    out = np.maximum(spec.margin_alpha * sigma * math.sqrt(holding_years) * notional,
                     spec.margin_floor_fraction * notional)
    return float(out) if out.ndim == 0 else out


def initial_from_maintenance(maintenance: float, ratio: float = CME_HRP_INITIAL_RATIO) -> float:
    """CME convention: initial = ratio x maintenance (110% for HRP accounts, 100% otherwise).

    Worked number (CME performance bonds page): maintenance $1,400 -> HRP initial $1,540.
    """
    if maintenance < 0 or ratio < 1:
        raise ValueError("maintenance must be >= 0 and the ratio >= 1")
    return maintenance * ratio


@dataclass(frozen=True)
class SpanScenario:
    """One SPAN risk scenario for one long lot (USD). Losses are positive."""

    number: int
    price_move: float
    volatility_move: int
    cover: float
    price_change: float
    loss_long: float


@dataclass(frozen=True)
class SpanScan:
    """The 16-scenario scan of one long lot; a short lot's losses are the mirror image."""

    price: float
    price_scan_range: float
    vol_scan_range: float | None
    scenarios: tuple[SpanScenario, ...]
    worst_loss: float
    worst_scenario: int

    def to_frame(self):
        """The scenario table as a pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame([s.__dict__ for s in self.scenarios])


def span_scan(price: float, spec: ContractSpec, price_scan_range: float,
              vol_scan_range: float | None = None, *, extreme_multiple: float = EXTREME_MULTIPLE,
              extreme_cover: float = EXTREME_COVER) -> SpanScan:
    """SPAN-style scanning risk of one long lot.

    Scenario ``k`` moves the futures price by ``m_k x R`` USD per lot (``R`` = price scan range)
    and counts ``c_k`` of the loss: ``loss_k = -m_k x R x c_k``. Scenarios 1-14 are
    m = 0, +1/3, -1/3, +2/3, -2/3, +1, -1 (each with volatility up, then down; c = 1); 15 and 16
    are m = +-``extreme_multiple`` with c = ``extreme_cover``. The worst loss of a long future is
    ``max(1, extreme_multiple x extreme_cover) x R``.

    Parameters
    ----------
    price : float
        Futures price, quote units (recorded; a future's P&L does not depend on the level).
    price_scan_range : float
        USD per lot, as exchanges publish it (CME sets it equal to the outright maintenance margin).
    vol_scan_range : float, optional
        Recorded in the table; a futures position has no volatility exposure.

    Worked number: R = $300 -> worst loss 1.05 x 300 = $315 (scenario 16, down 3 x R at 35%).
    With ``extreme_multiple = 2`` (used by some clearing houses) it is $300 (scenario 13).

    References
    ----------
    CME Group, "CME SPAN Methodology Overview" and the PC-SPAN "Risk Arrays" report (16
    scenarios; extreme moves counted at 35%).
    """
    if not (math.isfinite(price_scan_range) and price_scan_range >= 0):
        raise InputError("the price scan range must be a non-negative USD amount per lot.",
                         column="price_scan_range", value=price_scan_range,
                         fix="Pass e.g. the exchange maintenance margin per lot.")
    grid = [(0.0, +1), (0.0, -1)]
    for frac in (1 / 3, 2 / 3, 1.0):
        grid += [(frac, +1), (frac, -1), (-frac, +1), (-frac, -1)]
    rows = [(m, v, 1.0) for m, v in grid]
    rows += [(extreme_multiple, 0, extreme_cover), (-extreme_multiple, 0, extreme_cover)]
    scenarios = []
    for k, (m, v, cover) in enumerate(rows, start=1):
        change = m * price_scan_range
        scenarios.append(SpanScenario(number=k, price_move=m, volatility_move=v, cover=cover,
                                      price_change=change, loss_long=-change * cover + 0.0))
    losses = np.array([s.loss_long for s in scenarios])
    worst = int(np.argmax(losses))
    return SpanScan(price=float(price), price_scan_range=float(price_scan_range),
                    vol_scan_range=vol_scan_range, scenarios=tuple(scenarios),
                    worst_loss=float(losses[worst]), worst_scenario=worst + 1)


@dataclass(frozen=True)
class MarginRequirement:
    """Initial and maintenance margin of a position, with the governing method and why.

    ``initial`` and ``maintenance`` are USD totals for ``lots`` (absolute number of lots); the
    ``*_per_lot`` fields are per lot. ``span_per_lot`` is ``None`` when no scan range was given.
    """

    lots: int
    initial: float
    maintenance: float
    initial_per_lot: float
    maintenance_per_lot: float
    paper_per_lot: float
    span_per_lot: float | None
    floor_per_lot: float
    floor_binds: bool
    method: str
    reason: str


def margin_requirement(price: float, spec: ContractSpec, sigma20_annual: float,
                       holding_years: float = ONE_TRADING_DAY, *,
                       price_scan_range: float | None = None, lots: int = 1) -> MarginRequirement:
    """Initial margin = max(paper eq. 7, SPAN worst loss); maintenance = 75% of initial.

    Worked number: SIT at $2.00, sigma 40%, one day, no scan: coverage $0.151 < floor $0.16, so
    initial $0.16 and maintenance $0.12 per lot, method ``"paper formula"``.
    """
    if isinstance(lots, bool) or int(lots) != lots:
        raise InputError("the number of lots must be a whole number.", column="lots", value=lots,
                         fix="Round the position to whole lots.")
    paper = initial_margin_paper(price, spec, sigma20_annual, holding_years)
    notional = spec.notional(price)
    floor = spec.margin_floor_fraction * notional
    coverage = spec.margin_alpha * sigma20_annual * math.sqrt(holding_years) * notional
    floor_binds = floor >= coverage
    scan = None if price_scan_range is None else span_scan(price, spec, price_scan_range)
    days = holding_years * TRADING_DAYS_PER_YEAR
    if scan is not None and scan.worst_loss > paper:
        method, per_lot = SPAN, scan.worst_loss
        s = scan.scenarios[scan.worst_scenario - 1]
        reason = (f"The SPAN scan governs: its worst loss of ${scan.worst_loss:,.2f} per lot "
                  f"(scenario {s.number}, price {s.price_move:+.2f} x the ${price_scan_range:,.2f} "
                  f"scan range at {s.cover:.0%} cover) exceeds the paper formula's ${paper:,.2f}.")
    else:
        method, per_lot = PAPER, paper
        span_part = "" if scan is None else f" and the SPAN scan's worst loss ${scan.worst_loss:,.2f}"
        if floor_binds:
            reason = (f"The paper formula governs through its floor: "
                      f"{spec.margin_floor_fraction:.0%} of the ${notional:,.2f} notional "
                      f"(${floor:,.2f} per lot) exceeds {spec.margin_alpha:g} x "
                      f"{sigma20_annual:.0%} x sqrt({days:.3g}/252) x notional "
                      f"(${coverage:,.2f}){span_part}.")
        else:
            reason = (f"The paper formula governs: {spec.margin_alpha:g} x {sigma20_annual:.0%} "
                      f"x sqrt({days:.3g}/252) x the ${notional:,.2f} notional = "
                      f"${coverage:,.2f} per lot exceeds the {spec.margin_floor_fraction:.0%} "
                      f"floor (${floor:,.2f}){span_part}.")
    n = abs(int(lots))
    maintenance = spec.maintenance_ratio * per_lot
    return MarginRequirement(
        lots=n, initial=per_lot * n, maintenance=maintenance * n, initial_per_lot=per_lot,
        maintenance_per_lot=maintenance, paper_per_lot=paper,
        span_per_lot=None if scan is None else scan.worst_loss, floor_per_lot=floor,
        floor_binds=bool(floor_binds), method=method, reason=reason,
    )
