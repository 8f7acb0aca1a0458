"""Session keys of the run's controls and the RunSpec they describe (no caching here: screens/_shared.py)."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from hedging import service
from hedging.errors import HedgingError

MARKET_MODEL = "market_model"
DEFAULT = service.RunSpec()   # the only home of defaults; widgets start from it
AS_OF = "run_as_of"
FC_HORIZON, FC_PATHS, FC_SEED, FC_RHO = "forecast_horizon", "forecast_paths", "forecast_seed", "forecast_rho"
FC_BY, FC_BUDGET, FC_FISCAL_START, FC_CHANGES = "forecast_by", "forecast_budget", "forecast_fiscal_start", "forecast_changes"
HG_POLICY, HG_PERCENTILE, HG_LIMIT = "hedge_policy", "hedge_volume_percentile", "hedge_position_limit"
HG_MARGIN, HG_EXCLUDE = "hedge_margin_budget", "hedge_exclude"
HG_BANDS = ("hedge_band_1_3", "hedge_band_4_6", "hedge_band_7_12")
HG_CAP_STRIKE, HG_TAIL = "hedge_cap_strike", "hedge_tail_ceiling"
HG_MIN_NOTIONAL = "hedge_min_notional"
CHANGE_COLUMNS = ("underlying", "provider", "from month", "change %")
CHANGE_ROWS = FC_CHANGES + "_rows"   # the announced price changes as entered (a list of dicts, not a widget)
NATURAL_ROWS = "natural_hedge_rows"   # the commitments applied to the run (checked rows of the page's table)
HG_DEFAULTS = {
    FC_HORIZON: DEFAULT.horizon, FC_PATHS: DEFAULT.n_paths, FC_SEED: DEFAULT.seed, FC_RHO: DEFAULT.rho,
    FC_BY: DEFAULT.by, FC_BUDGET: DEFAULT.budget_annual, FC_FISCAL_START: DEFAULT.fiscal_start,
    HG_POLICY: DEFAULT.policy.name, HG_PERCENTILE: int(DEFAULT.policy.volume_percentile),
    HG_LIMIT: DEFAULT.policy.position_limit, HG_MARGIN: 0.0, HG_EXCLUDE: [], HG_CAP_STRIKE: int(DEFAULT.policy.cap_strike),
    HG_TAIL: int(DEFAULT.policy.tail_ceiling), HG_MIN_NOTIONAL: DEFAULT.policy.min_notional,
    **{k: int(round(r * 100)) for k, (_, r) in zip(HG_BANDS, DEFAULT.policy.bands)},
    **{f"{MARKET_MODEL}_{u}": DEFAULT.model_choice(u) for u in service.UNDERLYINGS},
}
RUN_KEYS = tuple(HG_DEFAULTS) + (AS_OF,)


def remember(*keys: str) -> None:
    """Keep widget values when the user moves between pages (Streamlit drops unrendered widget state)."""
    for key in keys or RUN_KEYS:
        if key == AS_OF:
            st.session_state.setdefault(AS_OF, _as_of_from_url() or service.today_utc())
        else:
            st.session_state.setdefault(key, HG_DEFAULTS.get(key))
        st.session_state[key] = st.session_state[key]


#: The as-of date the address pinned, kept for the session (not a widget: it survives page changes).
URL_AS_OF = "as_of_from_address"


def _as_of_from_url():
    """``?as_of=YYYY-MM-DD`` in the address pins the as-of date (bookmarks, demos, browser tests).
    The pin is kept for the session: opening another page drops the address's query, and the
    as-of date would otherwise fall back to today on the next page (seen when today was not the
    pinned day). None when no address of the session pinned one."""
    try:
        st.session_state[URL_AS_OF] = dt.date.fromisoformat(st.query_params.get("as_of", ""))
    except ValueError:
        pass
    return st.session_state.get(URL_AS_OF)


def pin_as_of_from_address() -> None:
    """Read the address's ``?as_of=`` on every page run, the first page included (the Data page has
    no as-of control), so that the analysis pages opened from it start at that date."""
    _as_of_from_url()


def as_of_control() -> None:
    """The as-of date in the sidebar of every analysis page, with the Run button and the "results are
    out of date" marker when a simulation input differs from the run shown (screens/_run_controls.py)."""
    from screens import _run_controls

    _run_controls.sidebar()


def price_changes(rows: list | None = None) -> tuple:
    """The announced price changes of ``rows`` (the run's applied rows by default: what the results show)."""
    if rows is None:
        from screens._run_controls import applied

        rows = applied()[CHANGE_ROWS]
    return tuple(service.PriceChange(r["underlying"], r["from month"], float(r["change %"]), r.get("provider") or "")
                 for r in rows if r.get("underlying") and r.get("from month") and r.get("change %") not in (None, ""))


def commitments() -> tuple:
    """The natural hedges applied to the run (rows were checked when they were applied)."""
    try:
        return service.commitments_from_rows(st.session_state.get(NATURAL_ROWS) or [])
    except HedgingError:
        return ()


def spec_from_state():
    """The RunSpec of the results shown: the policy, budget and limits as the widgets hold them (they
    need no new simulation and apply at once), and the simulation inputs (as-of, horizon, paths, seed,
    correlation, drill-down, fiscal year, price changes, price model) as last applied with "Run"
    (screens/_run_controls.py; defaults for anything not set yet)."""
    from screens._run_controls import applied

    done = applied()

    def g(key, default=None):
        return done[key] if key in done else st.session_state.get(key, default)

    bands = tuple((last, g(k, HG_DEFAULTS[k]) / 100) for (last, _), k in zip(DEFAULT.policy.bands, HG_BANDS))
    policy = service.Policy(name=g(HG_POLICY, DEFAULT.policy.name), volume_percentile=float(g(HG_PERCENTILE, 25)),
                            position_limit=int(g(HG_LIMIT, DEFAULT.policy.position_limit)),
                            margin_budget=float(g(HG_MARGIN) or 0) or None, excluded=tuple(g(HG_EXCLUDE, ())),
                            bands=bands, cap_strike=float(g(HG_CAP_STRIKE, DEFAULT.policy.cap_strike)),
                            tail_ceiling=float(g(HG_TAIL, DEFAULT.policy.tail_ceiling)),
                            min_notional=float(g(HG_MIN_NOTIONAL) or 0.0))
    models = tuple((u, g(f"{MARKET_MODEL}_{u}", "auto")) for u in service.UNDERLYINGS)
    budget = g(FC_BUDGET)
    return service.RunSpec(as_of=done[AS_OF], horizon=int(g(FC_HORIZON, DEFAULT.horizon)),
                           fiscal_start=int(g(FC_FISCAL_START, DEFAULT.fiscal_start)),
                           budget_annual=float(budget) if budget else None, n_paths=int(g(FC_PATHS, DEFAULT.n_paths)),
                           seed=int(g(FC_SEED, DEFAULT.seed)), rho=float(g(FC_RHO, DEFAULT.rho)),
                           by=g(FC_BY, DEFAULT.by), price_changes=price_changes(), model=models, policy=policy,
                           commitments=commitments())
