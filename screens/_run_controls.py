"""The Run button: inputs that need a new simulation apply only when the user presses it.

A change of the as-of date, horizon, paths, seed, correlation, drill-down, fiscal year, announced
price changes or price model means simulating every path again (seconds). Those inputs are drafts:
editing one reruns only the small fragment that holds it, which compares the drafts with the inputs
of the results on screen (``APPLIED``) and, when they differ, says "Results are out of date — press
Run" and which inputs changed. "Run" copies the drafts into ``APPLIED`` and reruns the whole page,
so every page, the proposal saved and the variants compared read the run on screen
(``screens/_state.py:spec_from_state``). Policy, hedge ratios, limits, margin budget and the annual
budget need no new simulation and apply at once.
"""

from __future__ import annotations

import copy

import streamlit as st

from hedging import service
from screens._render import as_text
from screens._state import (
    AS_OF,
    CHANGE_ROWS,
    FC_BY,
    FC_FISCAL_START,
    FC_HORIZON,
    FC_PATHS,
    FC_RHO,
    FC_SEED,
    HG_DEFAULTS,
    MARKET_MODEL,
    _as_of_from_url,
)

APPLIED = "run_applied"   # simulation input key -> the value the results on screen were computed with
#: The inputs that need a new simulation, with the label of the control that sets each.
LABELS = {AS_OF: "As of", FC_HORIZON: "Horizon", FC_PATHS: "Simulated paths", FC_SEED: "Seed",
          FC_RHO: "Volume-price correlation", FC_BY: "Drill down by", FC_FISCAL_START: "Fiscal year starts in",
          CHANGE_ROWS: "Announced price changes",
          **{f"{MARKET_MODEL}_{u}": f"Model parameters ({p.label}, Market page)" for u, p in service.UNDERLYINGS.items()}}
SIMULATION_KEYS = tuple(LABELS)


def _draft(key: str):
    """What the control of ``key`` holds now (its default when it was never shown)."""
    value = st.session_state.get(key)
    if key == AS_OF:
        return value or _as_of_from_url() or service.today_utc()
    if key == CHANGE_ROWS:
        return copy.deepcopy(list(value or []))
    return HG_DEFAULTS.get(key) if value is None else value


def applied() -> dict:
    """The simulation inputs of the results on screen (the drafts of a new session, until a Run)."""
    done = st.session_state.setdefault(APPLIED, {})
    for key in SIMULATION_KEYS:
        if key not in done:
            done[key] = _draft(key)
    return done


def pending() -> list[str]:
    """The labels of the inputs whose drafts differ from the results on screen (empty: up to date)."""
    done = applied()
    return [LABELS[k] for k in SIMULATION_KEYS if _draft(k) != done[k]]


def apply() -> None:
    """Make the drafts the inputs of the next run (the "Run" button)."""
    st.session_state[APPLIED] = {key: _draft(key) for key in SIMULATION_KEYS}


def run_bar(where: str, always: bool = False) -> None:
    """The marker and the Run button: shown while a draft differs from the results on screen (with
    ``always``, the button also stays, disabled, when they are up to date)."""
    changed = pending()
    if changed:
        st.warning(as_text("Results are out of date — press Run. Changed since the results shown: "
                           + ", ".join(changed) + "."), icon=":material/update:")
    elif not always:
        return
    if st.button("Run", key=f"run_button_{where}", type="primary", disabled=not changed, icon=":material/play_arrow:",
                 help="Simulate volume, prices and spend again with these inputs (a few seconds); every page then "
                      "shows the new run." if changed else "The results shown use these inputs."):
        apply()
        st.rerun()   # the whole page: every result on it reads the new run


@st.fragment
def _sidebar_controls() -> None:
    st.date_input("As of", key=AS_OF, format="YYYY-MM-DD",
                  help="The day the analysis stands on: contracts are listed and priced on it, the hedge covers the "
                       "months after it. Today (UTC) by default. A new date applies when you press Run.")
    done = applied()[AS_OF]
    if done != _draft(AS_OF):
        st.caption(as_text(f"Results shown are as of {service.fmt.date(done)}."))
    run_bar("sidebar")


def sidebar() -> None:
    """The as-of date, the marker and the Run button in the sidebar of every analysis page."""
    with st.sidebar:
        _sidebar_controls()
