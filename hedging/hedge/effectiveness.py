"""Hedge-accounting effectiveness: the regression test and the dollar-offset (80-125%) test.

Sign convention. Both series are period-by-period changes in value TO THE COMPANY, gains
positive, in USD: ``hedged_item_changes`` is the change in value of the hedged item (for a buyer
of compute, a rise in the price of its forecast purchases is a LOSS, so a negative number) and
``hedge_changes`` is the hedge's gain or loss (the P&L of the long futures, positive when prices
rise). Callers that hold cost changes negate them first (``item = -(cost change)``). An
effective hedge moves AGAINST the item, and both tests require that direction:

* Regression test: the hedged item's changes are regressed on the hedge's changes,
  ``item_t = a + b hedge_t + e_t``. A perfect hedge has slope ``b = -1`` and R^2 = 1. The test
  passes when ``-1.25 <= b <= -0.80`` and ``R^2 >= 0.80``. A positive slope means the hedge
  gained when the item gained and lost when it lost: it amplifies the risk, whatever its size.
* Dollar offset (cumulative): ``offset = -sum(hedge) / sum(item)``, +100% for a perfect hedge.
  The test passes when ``0.80 <= offset <= 1.25`` (IAS 39 AG105(b)). A negative offset means the
  hedge's cumulative result had the same sign as the item's: it added to the loss (or the gain)
  instead of offsetting it.

Regressing the hedge on the item instead (``hedge_t = c + d item_t``) gives a slope of the same
sign, so "between -0.80 and -1.25" reads the same way in either orientation.

A caller who passes cost changes (positive when costs rise) without negating them would see a
real hedge fail with a positive slope; the explanation then names the sign so the mistake shows.

References: IAS 39 *Financial Instruments: Recognition and Measurement*, AG105; IFRS 9 §6.4.1(c);
FASB ASC 815-20-25 ("highly effective" criterion; in practice a regression slope between
-0.80 and -1.25 with R^2 of at least 0.80, or a dollar offset of 80-125% in the opposite
direction).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hedging import fmt
from hedging.errors import InputError

__all__ = ["Effectiveness", "IFRS9_NOTE", "hedge_effectiveness"]

OFFSET_LOW = 0.80
OFFSET_HIGH = 1.25
MIN_R_SQUARED = 0.80

IFRS9_NOTE = (
    "IFRS 9 removed the 80%-125% bright line of IAS 39. To qualify for hedge accounting under "
    "IFRS 9 there must be an economic relationship between the hedged item and the hedge, the "
    "hedge ratio must be the one used for risk management, and the effect of credit risk must "
    "not dominate the value changes; any ineffectiveness is still measured and reported in "
    "profit or loss. The 80%-125% regression and dollar-offset tests are shown here as the "
    "familiar quantitative evidence of an economic relationship. US GAAP (ASC 815) still "
    "requires a hedge to be \"highly effective\", which in practice means an offset of about "
    "80%-125%."
)


@dataclass(frozen=True)
class Effectiveness:
    """Result of the regression and dollar-offset tests (see the module docstring for signs).

    ``slope`` and ``intercept`` (USD per period) come from regressing the hedged item's changes
    on the hedge's changes; ``dollar_offset`` is ``-sum(hedge) / sum(item)`` as a fraction
    (1.0 = 100%), NaN when the hedged item's cumulative change is zero (the test then fails).
    Both tests require the hedging sign: ``passes_regression`` needs ``-1.25 <= slope <= -0.80``
    and ``passes_dollar_offset`` needs ``0.80 <= dollar_offset <= 1.25``.
    ``offsetting_direction`` is True when the slope is negative and the offset is positive
    (or undefined).
    """

    n: int
    slope: float
    intercept: float
    r_squared: float
    cumulative_item_change: float
    cumulative_hedge_change: float
    dollar_offset: float
    passes_regression: bool
    passes_dollar_offset: bool
    offsetting_direction: bool
    explanation: str
    ifrs9_note: str = IFRS9_NOTE

    @property
    def passes(self) -> bool:
        """Both quantitative tests pass."""
        return self.passes_regression and self.passes_dollar_offset


def _changes(values, name: str) -> np.ndarray:
    a = np.asarray(values, dtype=float)
    if a.ndim != 1:
        raise InputError(f"changes must be a 1-D array, got shape {a.shape}.", column=name,
                         fix="Pass one value change per period.")
    bad = ~np.isfinite(a)
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError(f"the change for period {i + 1} is not a finite number.", column=name,
                         value=a[i], fix="Fill or drop the period in both series.")
    return a


def _slope_meaning(slope: float) -> str:
    if slope < 0:
        return ("negative: the hedge paid out when the cost rose, so it offsets the cost")
    if slope > 0:
        return ("positive: the hedge lost money when the cost rose, so it adds to the cost "
                "instead of offsetting it")
    return "zero: the hedge does not move with the cost at all"


def _offset_meaning(offset: float) -> str:
    if offset > 0:
        return "positive: the hedge moved against the cost, offsetting it"
    if offset < 0:
        return ("negative: the hedge moved the same way as the cost's value, losing money "
                "while the cost rose or gaining while it fell, so it amplifies the exposure "
                "instead of offsetting it")
    return "zero: the hedge did not offset any of the cost's change"


def _explain(n, slope, r2, item_sum, hedge_sum, offset, pass_reg, pass_off, opposite,
             observations: str = "periods") -> str:
    verdict = {True: "passed", False: "failed"}
    per_path = observations != "periods"
    reg = (
        f"Regression test {verdict[pass_reg]}: over {fmt.count(n)} {observations}, each $1.00 the hedge gained "
        f"came on average with the hedged cost {'rising' if slope < 0 else 'falling'} by "
        f"{fmt.money(abs(slope))} (slope {fmt.ratio_change(slope)}, {_slope_meaning(slope)}), and the hedge explains "
        f"{fmt.share(r2)} of the variation in the hedged cost across the {observations} "
        f"(R\u00b2 {fmt.ratio(r2)}). To pass, the slope must be negative, between "
        f"{fmt.ratio(-OFFSET_HIGH)} and {fmt.ratio(-OFFSET_LOW)}, and R\u00b2 at least {fmt.share(MIN_R_SQUARED, 0)}."
    )
    if np.isnan(offset):
        off = ("Dollar-offset test failed: the hedged cost's cumulative change is zero, so the "
               "ratio of gains to losses is undefined; use the regression test for this period.")
    else:
        scale, lead = (1.0 / n, f"on average per {observations.rstrip('s')}") if per_path else (1.0, "cumulatively")
        cost_move = "rose" if item_sum < 0 else "fell"
        off = (
            f"Dollar-offset test {verdict[pass_off]}: {lead} the hedge "
            f"{'gained' if hedge_sum >= 0 else 'lost'} {fmt.money(abs(hedge_sum) * scale)} while the hedged "
            f"cost {cost_move} by {fmt.money(abs(item_sum) * scale)}, an offset of {fmt.share_change(offset, 0)} "
            f"({_offset_meaning(offset)}). To pass, the offset must be positive, between {fmt.share(OFFSET_LOW, 0)} "
            f"and {fmt.share(OFFSET_HIGH, 0)}."
        )
    text = reg + " " + off
    if not opposite:
        text += (" Warning: the hedge moved in the same direction as the hedged cost's value, "
                 "so it amplifies the exposure and cannot count as a hedge. If the hedged "
                 "item's series holds cost changes (positive when costs rise) rather than value "
                 "changes to the company, negate it and test again.")
    return text


def hedge_effectiveness(hedged_item_changes, hedge_changes, *, observations: str = "periods") -> Effectiveness:
    """Regression and cumulative dollar-offset effectiveness tests of a hedge relationship.

    Regression: OLS of item changes on hedge changes, ``b = Cov(h, i) / Var(h)``,
    ``a = mean(i) - b mean(h)``, ``R^2 = corr(h, i)^2``; passes when ``-1.25 <= b <= -0.80``
    and ``R^2 >= 0.80``. Dollar offset: ``-sum(hedge) / sum(item)``; passes when
    ``0.80 <= offset <= 1.25``. Both bounds carry a sign: a hedge whose gains move WITH the
    item's value (positive slope, negative offset) amplifies the exposure and fails, however
    well its size matches.

    Parameters
    ----------
    hedged_item_changes : array_like, 1-D (USD per period)
        Change in value of the hedged item to the company, gains positive (a cost rise is
        negative for a buyer of compute).
    hedge_changes : array_like, 1-D, same length, at least 3 periods (USD per period)
        Gain or loss of the hedging instrument over the same periods.

    Examples
    --------
    Hedge P&L 10, -5, 8 against item changes -9, 6, -8: sums 13 and -11, dollar offset
    13 / 11 = +118% (passes); slope -136.33 / 132.67 = -1.028 and R^2 0.996 (passes). The same
    hedge against item changes 9, -6, 8 (moving with it) has slope +1.028 and offset -118%:
    both tests fail.

    References
    ----------
    IAS 39 AG105 (80-125% range, dollar offset and regression methods); IFRS 9 §6.4.1(c)
    (qualifying criteria without a bright line); FASB ASC 815-20-25.
    """
    item = _changes(hedged_item_changes, "hedged_item_changes")
    hedge = _changes(hedge_changes, "hedge_changes")
    if item.size != hedge.size:
        raise InputError(f"the two series have different lengths ({item.size} vs "
                         f"{hedge.size}).", column="hedge_changes",
                         fix="Pair each hedged item change with the hedge change of the same "
                             "period.")
    n = int(item.size)
    if n < 3:
        raise InputError(f"need at least 3 periods for a regression, got {n}.",
                         column="hedged_item_changes", fix="Use a longer history.")
    dh, di = hedge - hedge.mean(), item - item.mean()
    sxx, syy, sxy = float(dh @ dh), float(di @ di), float(dh @ di)
    if not sxx > 0:
        raise InputError("the hedge's value changes are all equal, so no regression is possible.",
                         column="hedge_changes", fix="Check the hedge's P&L series.")
    if not syy > 0:
        raise InputError("the hedged item's value changes are all equal; there is no risk to "
                         "hedge.", column="hedged_item_changes",
                         fix="Check the hedged item's value changes.")
    slope = sxy / sxx
    intercept = float(item.mean() - slope * hedge.mean())
    r2 = min(sxy * sxy / (sxx * syy), 1.0)
    item_sum, hedge_sum = float(item.sum()), float(hedge.sum())
    offset = -hedge_sum / item_sum if item_sum != 0 else float("nan")
    pass_reg = bool(-OFFSET_HIGH <= slope <= -OFFSET_LOW and r2 >= MIN_R_SQUARED)
    pass_off = bool(not np.isnan(offset) and OFFSET_LOW <= offset <= OFFSET_HIGH)
    opposite = bool(slope < 0 and (np.isnan(offset) or offset > 0))
    return Effectiveness(
        n=n, slope=slope, intercept=intercept, r_squared=r2,
        cumulative_item_change=item_sum, cumulative_hedge_change=hedge_sum,
        dollar_offset=offset, passes_regression=pass_reg, passes_dollar_offset=pass_off,
        offsetting_direction=opposite,
        explanation=_explain(n, slope, r2, item_sum, hedge_sum, offset, pass_reg, pass_off,
                             opposite, observations),
    )
