"""What the references say GPU rental and token prices have done: bounds a fitted trend and season
must respect before the app uses them.

A maximum-likelihood trend fitted to a few years of a constructed or trending index can be far
outside anything observed (a fit to the built-in H100 index once gave +170% a year), and a
mean-reverting model then carries that trend into every simulated month. The bounds below come
from /work/shared/reference/markets.md (sections A7, B1, B3) and the paper's Table 3; each range
says in one sentence what it rests on, so the warning can tell a treasurer why a fit was refused.

Trends are stated as the yearly change of the long-run price level, ``exp(beta) - 1``; the
seasonal amplitude ``gamma`` moves the long-run level by ``exp(+/- gamma) - 1`` over a year.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class PlausibleRange:
    """Bounds on the fitted trend (``beta``, log per year) and seasonal amplitude (``gamma``, log)."""

    what: str                  # "GPU rental prices"
    trend_low: float           # yearly change of the price level, e.g. -0.50 for -50% a year
    trend_high: float
    trend_evidence: str        # one sentence, cited
    season_max: float          # largest seasonal swing of the level, e.g. 0.16 for +/-16%
    season_evidence: str

    @property
    def beta_range(self) -> tuple[float, float]:
        return math.log1p(self.trend_low), math.log1p(self.trend_high)

    @property
    def gamma_max(self) -> float:
        return math.log1p(self.season_max)

    def trend_ok(self, beta: float) -> bool:
        low, high = self.beta_range
        return low <= beta <= high

    def season_ok(self, gamma: float) -> bool:
        return abs(gamma) <= self.gamma_max


_SEASON = ("no reference documents a yearly cycle in these prices; the paper assumes a swing of "
           "about 8% (arXiv 2603.21690, Table 3) and the app allows up to twice that")

GPU_RENTAL = PlausibleRange(
    what="GPU rental prices",
    trend_low=-0.50, trend_high=0.40,
    trend_evidence=("the steepest documented moves were a cut of up to 45% at once (AWS P5, June "
                    "2025), -23% over a year (SDH100RT, Sep 2024 to Sep 2025) and a rise of 38-40% "
                    "in five months (one-year H100 contracts, Oct 2025 to Mar 2026); the app allows "
                    "-50% to +40% a year"),
    season_max=0.16, season_evidence=_SEASON,
)

TOKEN_PRICES = PlausibleRange(
    what="AI token prices",
    trend_low=-0.85, trend_high=0.50,
    trend_evidence=("GPT-4-level list prices fell from $37.50 to $4.38 per million tokens between "
                    "Mar 2023 and Aug 2024, about -78% a year, and single models have been cut by "
                    "80% at once; rises have been one-off (DeepSeek V4-Flash, x3.1 in Aug 2026), "
                    "never a sustained trend; the app allows -85% to +50% a year"),
    season_max=0.16, season_evidence=_SEASON,
)


def percent_a_year(beta: float) -> str:
    """``beta`` (log per year) as a signed yearly change of the price level, e.g. ``+171% a year``."""
    return f"{math.expm1(beta):+.0%} a year"


__all__ = ["GPU_RENTAL", "TOKEN_PRICES", "PlausibleRange", "percent_a_year"]
