"""Candidate indices per underlying, ranked by how well a hedge on each tracks the company's cost.

For every index the Market page offers for an underlying (the built-in ones, the company's own
basket and any upload) this fits the company's monthly unit price to the index and simulates a
minimum-variance hedge of the horizon's spend on it (:mod:`hedging.hedge.index_choice`), on the
price model the run itself would use for that index (:func:`hedging.service.market.price_model`),
with the run's seed, so the comparison is reproducible. Volume is held at its recent level, so
the ranking isolates price and basis risk; the run's own effectiveness (Before / after) adds
volume risk and lot rounding.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hedging import fmt
from hedging.config import Settings
from hedging.contracts import year_fraction
from hedging.errors import HedgingError, InputError
from hedging.hedge.index_choice import CandidateScore, rank_candidates, recommendation, score_candidate
from hedging.market.simulation import simulate_index
from hedging.service import market as market_service
from hedging.service.series import usage_series
from hedging.service.spec import RunSpec
from hedging.service.usage import default_settings, stored_usage

#: Paths per candidate: the effectiveness' standard error is about 2 rho (1 - rho^2) / sqrt(n),
#: under 0.01 at 5,000 paths.
CANDIDATE_PATHS = 5_000
#: Months of recent volume averaged into the flat volume profile.
RECENT_MONTHS = 3

#: Short names of the built-in candidates (tables, chart and the recommendation).
SHORT_NAMES = {
    ("token", "builtin"): "SIT token index (TPI method)",
    ("token", "builtin:frontier"): "Frontier-model basket",
    ("token", "builtin:company"): "Your usage basket at list prices",
    ("gpu", "builtin"): "Neocloud on-demand H100",
    ("gpu", "builtin:hyperscaler"): "Hyperscaler on-demand H100 (AWS p5)",
}

#: Where each built-in candidate comes from, in one line (the table's "sources" column).
SOURCES = {
    ("token", "builtin"): "dated list prices (markets.md B1), the paper's TPI method (arXiv 2603.21690)",
    ("token", "builtin:frontier"): "dated list prices (markets.md B1), a dated list of frontier models",
    ("token", "builtin:company"): "your imported usage (token mix) and dated list prices",
    ("gpu", "builtin"): "neocloud on-demand quotes (markets.md B3), bridged by SDH100RT moves",
    ("gpu", "builtin:hyperscaler"): "AWS p5 on-demand list prices (markets.md B3)",
}


def candidate_source(underlying: str, key: str) -> str:
    """Where a candidate index comes from, in one line."""
    return SOURCES.get((underlying, key), "your uploaded history")


@dataclass(frozen=True, eq=False)
class IndexCandidates:
    """The ranked candidates of one underlying, the recommendation and the index in use."""

    underlying: str
    unit: str
    ranked: tuple[CandidateScore, ...]
    chosen: str                  # the key of the index the run uses
    sentence: str                # the recommendation in one sentence
    horizon: int
    n_paths: int
    seed: int

    @property
    def recommended(self) -> str | None:
        usable = [s for s in self.ranked if s.available]
        return usable[0].key if usable else None

    def why_chosen(self) -> str:
        """Which index the run uses and how that relates to the ranking, in one sentence."""
        names = {s.key: s.name for s in self.ranked}
        chosen = names.get(self.chosen, self.chosen)
        if self.recommended is None:  # no candidate could be fitted: nothing is ranked or recommended
            return f"The run hedges on \u201c{chosen}\u201d, the index chosen on the Market page; none is ranked yet."
        if self.chosen == self.recommended:
            return f"The run hedges on \u201c{chosen}\u201d, the recommended index (it ranks first)."
        rank = next((i + 1 for i, s in enumerate(self.ranked) if s.key == self.chosen), None)
        where = f"ranked {rank} of {len(self.ranked)}" if rank else "not ranked"
        return (f"The run hedges on \u201c{chosen}\u201d ({where}), chosen on the Market page over the recommended "
                f"\u201c{names.get(self.recommended, 'index')}\u201d.")

    def table(self) -> pd.DataFrame:
        """One row per candidate, best first, with units in the headers (numbers unformatted)."""
        return pd.DataFrame([{
            "rank": i + 1 if s.available else None, "index": s.name, "key": s.key,
            "hedge effectiveness": s.effectiveness, "± s.e.": s.std_error, "basis R²": s.r_squared,
            "basis slope": s.slope, "residual vol (a year)": s.residual_vol, "months": s.months,
            "in use": "yes" if s.key == self.chosen else "",
            "sources": candidate_source(self.underlying, s.key), "note": s.note}
            for i, s in enumerate(self.ranked)])

    def records(self) -> dict:
        """JSON-friendly form for a saved proposal."""
        return {"underlying": self.underlying, "chosen": self.chosen, "recommended": self.recommended,
                "sentence": self.sentence, "why_chosen": self.why_chosen(), "horizon": self.horizon,
                "paths": self.n_paths, "seed": self.seed,
                "rows": [{"index": s.name, "key": s.key, "slope": s.slope, "r_squared": s.r_squared,
                          "residual_vol": s.residual_vol, "effectiveness": s.effectiveness,
                          "std_error": s.std_error, "months": s.months, "available": s.available,
                          "note": s.note, "chosen": s.key == self.chosen,
                          "source": candidate_source(self.underlying, s.key)} for s in self.ranked]}


def _score(underlying: str, key: str, name: str, series, spec: RunSpec, volume: np.ndarray,
           n_paths: int, settings: Settings) -> CandidateScore:
    try:
        pm = market_service.price_model(underlying, key, spec.model_choice(underlying), spec.as_of, settings)
    except HedgingError as err:
        return CandidateScore.unavailable(key, name, str(err))
    history = pm.data.history
    month = pd.to_datetime(history["date"]).dt.to_period("M").dt.to_timestamp()
    index_at = history.assign(month=month).groupby("month")["value"].mean().reindex(series.months)
    horizon = spec.horizon_months
    valuation_month = pd.Timestamp(pm.valuation).to_period("M").to_timestamp()
    sim_months = pd.date_range(valuation_month + pd.offsets.MonthBegin(1), horizon[-1], freq="MS")
    sim = simulate_index(pm.model, float(np.log(pm.spot)), year_fraction(pm.origin, pm.valuation), pm.valuation,
                         sim_months, n_paths, int(spec.seed), pm.origin)
    paths = sim.monthly[:, sim_months.get_indexer(horizon)]
    try:
        return score_candidate(key, name, series.unit_price, index_at.to_numpy(dtype=float), paths, volume,
                               seed=int(spec.seed) + 3)
    except InputError as err:
        return CandidateScore.unavailable(key, name, str(err))


def index_candidates(underlying: str, spec: RunSpec | None = None, settings: Settings | None = None,
                     n_paths: int = CANDIDATE_PATHS) -> IndexCandidates:
    """Rank every index offered for ``underlying`` for the company's stored usage, as of the spec."""
    settings = settings or default_settings()
    spec = spec or RunSpec()
    u = market_service._underlying(underlying)
    frame = stored_usage(settings)
    if frame.empty:
        raise InputError("there is no stored usage to fit the indices to.",
                         fix="import usage exports on the Data page first.")
    series = usage_series(frame, underlying, spec.by, as_of=pd.Timestamp(spec.as_of))
    if series is None:
        kind = "token usage" if underlying == "token" else "GPU-hour usage"
        raise InputError(f"the stored usage has no {kind} to fit the {u.label.lower()} indices to.",
                         fix="import exports with this kind of usage, or look at the other underlying.")
    recent = series.volume[-RECENT_MONTHS:]
    level = float(np.nanmean(recent[recent > 0])) if np.any(recent > 0) else 0.0
    if not level > 0:
        raise InputError(f"the last {RECENT_MONTHS} months of usage have no {u.label.lower()} volume.",
                         fix="import recent usage.")
    volume = np.full(int(spec.horizon), level)
    chosen = spec.index_key(underlying) or market_service.chosen_index(underlying, settings)
    scores = [_score(underlying, key, SHORT_NAMES.get((underlying, key), name), series, spec, volume, n_paths,
                     settings)
              for key, name in market_service.index_choices(underlying, settings)]
    ranked = rank_candidates(scores)
    return IndexCandidates(underlying, u.unit, ranked, chosen, recommendation(ranked), int(spec.horizon),
                           n_paths, int(spec.seed))


def candidate_summary(c: IndexCandidates) -> pd.DataFrame:
    """The table as the Market page and the PDF show it: formatted text, best first."""
    rows = []
    for i, s in enumerate(c.ranked):
        rows.append({"rank": str(i + 1) if s.available else "—", "index": s.name,
                     "in use": "✓" if s.key == c.chosen else "",
                     "basis slope": fmt.ratio(s.slope) if s.available else "—",
                     "basis R²": fmt.ratio(s.r_squared) if s.available else "—",
                     "residual vol (a year)": fmt.share(s.residual_vol) if s.available else "—",
                     "hedge effectiveness": ("—" if not s.available else fmt.share(s.effectiveness)
                                             + (f" ± {fmt.share(s.std_error)}" if s.std_error == s.std_error else "")),
                     "months": fmt.count(s.months) if s.available else "—",
                     "note": s.note})
    return pd.DataFrame(rows)


def candidates_figure(c: IndexCandidates):
    """The ranking as a chart (the same figure the PDF draws)."""
    from hedging.report.index_charts import candidates_chart

    label = "AI token" if c.underlying == "token" else "GPU rental"
    return candidates_chart(c.records()["rows"], f"{label}: candidate indices, {c.horizon}-month hedge")


def candidate_records(run, settings: Settings | None = None) -> dict:
    """The ranked candidates of every underlying of ``run`` (as run: its own index choices), for a
    saved proposal; an underlying whose candidates cannot be ranked is left out."""
    out = {}
    for underlying in run.forecast.underlyings:
        try:
            out[underlying] = index_candidates(underlying, run.spec, settings).records()
        except HedgingError:
            continue
    return out
