"""A workspace's hedge policy (governance limits), its versions, and proposals checked against it.

- :func:`policy_in_force`: the newest version an admin saved, or the default policy, labelled
  "default — not yet adopted by an admin", when none was saved.
- :func:`set_policy`: admins only (``access.POLICY``); appends version n+1, in force from the
  moment it is saved, with who, when and why, and an audit entry "policy change" carrying the
  version's fingerprint, in one transaction. Versions are never changed or deleted.
- :func:`check_run` (the run or Hedge program view on screen) and :func:`check_document` (a saved
  proposal's frozen document) build the same :class:`~hedging.hedge.policy_check.PolicyFacts`
  from the same tables, and check them with the pure :func:`~hedging.hedge.policy_check.check_policy`.

The approval gate that refuses a breach without an exception is in :mod:`hedging.service.lifecycle`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy.engine import Connection, Engine

from hedging import fmt, store
from hedging.config import Settings
from hedging.errors import InputError
from hedging.hedge.effectiveness import OFFSET_HIGH, OFFSET_LOW
from hedging.hedge.hedge_policy import DEFAULT_POLICY, HedgePolicy, TenorBand, policy_diff
from hedging.hedge.policy_check import BREACH, MonthRatio, PolicyCheck, PolicyFacts, breaches, check_policy
from hedging.service import access, audit
from hedging.service.market import UNDERLYINGS
from hedging.store import hedge_policy as policy_store

DEFAULT_LABEL = "default — not yet adopted by an admin"
CHECK_COLUMNS = ("limit", "policy", "proposal", "result", "explanation")


@dataclass(frozen=True)
class PolicyVersion:
    """A version of the workspace's policy (``version`` 0: the default, not adopted)."""

    policy: HedgePolicy
    version: int = 0
    author: str = ""
    created_at: dt.datetime | None = None
    reason: str = ""
    fingerprint: str = ""

    @property
    def adopted(self) -> bool:
        return self.version > 0

    def label(self) -> str:
        if not self.adopted:
            return f"hedge policy: {DEFAULT_LABEL}"
        return (f"hedge policy v{self.version}, saved by {self.author} on {fmt.date(self.created_at)} "
                f"{self.created_at:%H:%M} UTC")

    def short(self) -> str:
        return f"v{self.version}" if self.adopted else "default (not adopted)"


@dataclass(frozen=True)
class PolicyReport:
    """A proposal (or the run on screen) checked against a policy version."""

    version: PolicyVersion
    checks: tuple[PolicyCheck, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def breaches(self) -> list[PolicyCheck]:
        return breaches(self.checks)

    def table(self) -> pd.DataFrame:
        return pd.DataFrame([c.to_dict() for c in self.checks], columns=list(CHECK_COLUMNS))

    def sentence(self) -> str:
        """One line: which version, how many limits pass, which are breached."""
        n_pass = sum(c.status == "pass" for c in self.checks)
        head = f"Checked against {self.version.label()}: "
        if not self.breaches:
            return head + f"no breach ({n_pass} limits pass; the others are not set or not measured)."
        return head + (f"{len(self.breaches)} breach{'es' if len(self.breaches) > 1 else ''} — "
                       + "; ".join(c.limit for c in self.breaches)
                       + ". A breach is approved only as an exception, with its reason.")

    def to_dict(self) -> dict:
        return {"version": self.version.version, "label": self.version.label(), "fingerprint": self.version.fingerprint,
                "checks": [c.to_dict() for c in self.checks], "sentence": self.sentence()}


def _settings(settings: Settings | None) -> Settings:
    return audit._settings(settings)


def _version_of(row: dict | None) -> PolicyVersion:
    if row is None:
        return PolicyVersion(DEFAULT_POLICY, fingerprint=DEFAULT_POLICY.fingerprint())
    return PolicyVersion(HedgePolicy.from_dict(row["content"]), int(row["version"]), row["author"], row["created_at"],
                         row["reason"], row["fingerprint"])


def in_force_on(bind: Engine | Connection, workspace_id: int) -> PolicyVersion:
    """The version in force in a workspace already checked (the approval reads it in its transaction)."""
    return _version_of(policy_store.latest(bind, workspace_id))


def policy_in_force(settings: Settings | None = None) -> PolicyVersion:
    """The workspace's policy in force now (the default, labelled so, until an admin saves one)."""
    settings = _settings(settings)
    me = access.authorize(settings, access.READ)
    return in_force_on(store.get_engine(settings.database_url), me.workspace_id)


def policy_versions(settings: Settings | None = None) -> list[tuple[PolicyVersion, list[tuple[str, str, str]]]]:
    """Every saved version, newest first, each with its differences from the version before
    (limit, before, after); version 1 is compared with the default policy."""
    settings = _settings(settings)
    me = access.authorize(settings, access.READ)
    rows = [_version_of(r) for r in policy_store.versions(store.get_engine(settings.database_url), me.workspace_id)]
    out, previous = [], DEFAULT_POLICY
    for v in rows:
        out.append((v, policy_diff(previous, v.policy)))
        previous = v.policy
    return out[::-1]


def set_policy(policy: HedgePolicy, settings: Settings | None = None, *, actor: str | None = None,
               reason: str = "") -> PolicyVersion:
    """Save ``policy`` as the workspace's next version (admins only), in force from now; recorded
    in the audit trail as a "policy change" with the version's fingerprint and what changed."""
    settings = _settings(settings)
    me = access.authorize(settings, access.POLICY)
    reason = (reason or "").strip()
    if not reason:
        raise InputError("a policy change needs a reason.", column="reason",
                         fix="say why, e.g. 'Board meeting of 4 Dec 2026 narrowed the 1–3 month band'.")
    who = audit.who(access.audit_name(settings, actor))
    with audit.audited(settings) as conn:
        current = in_force_on(conn, me.workspace_id)
        changes = policy_diff(current.policy, policy)
        if current.adopted and not changes:
            raise InputError(f"this is the policy in force already ({current.short()}); nothing was saved.",
                             fix="change at least one limit, or leave the policy as it is.")
        row = policy_store.add_version(conn, workspace_id=me.workspace_id, content=policy.to_dict(),
                                       fingerprint=policy.fingerprint(), author=who, reason=reason)
        detail = f"reason: {reason}; " + ("changed: " + "; ".join(f"{k}: {a} -> {b}" for k, a, b in changes)
                                         if changes else "adopts the default policy unchanged")
        audit.record(conn, who, audit.POLICY_CHANGE, "hedge policy", f"v{row['version']}",
                     f"hedge policy v{row['version']}", row["fingerprint"], detail, workspace_id=me.workspace_id)
        return _version_of(row)


# --- facts: one reading of a run's or a saved proposal's tables -------------------------------------

def _label(key: str) -> str:
    return UNDERLYINGS[key].label if key in UNDERLYINGS else str(key)


def _month_index(value) -> int:
    t = pd.Timestamp(value)
    return t.year * 12 + t.month


def facts_from_document(doc: dict, where_missing: str = "") -> PolicyFacts:
    """The facts a proposal document (saved, or built from the run on screen) reports: its spec's
    as-of date and horizon, the underlyings it forecast, the hedge ratio table, the trade schedule,
    the headline margin and variance figures and the prospective effectiveness statement."""
    spec, inputs = doc.get("spec") or {}, doc.get("inputs") or {}
    start = spec.get("as_of") or inputs.get("as_of")
    as_of = _month_index(start) if start else None      # a document without one: no band can be placed
    horizon = int(spec.get("horizon") or inputs.get("horizon") or len(spec.get("horizon_months") or ()) or 12)
    ratios: dict[tuple[str, int], list] = {}
    for row in ((doc.get("tables") or {}).get("ratios") or []) if as_of is not None else []:
        if not isinstance(row, dict) or row.get("month") is None or row.get("underlying") is None:
            continue
        tenor = _month_index(row["month"]) - as_of
        if 1 <= tenor <= horizon:
            key = (str(row["underlying"]), tenor)
            entry = ratios.setdefault(key, [pd.Timestamp(row["month"]), 0.0])
            entry[1] += float(row.get("hedge ratio") or 0.0)
    month_ratios = tuple(MonthRatio(u, t, fmt.month(m), r) for (u, t), (m, r) in sorted(ratios.items(),
                                                                                          key=lambda kv: kv[0][::-1]))
    hedged = {u for u, _ in ratios}
    unhedged = tuple(_label(k) for k in (doc.get("data") or {}) if _label(k) not in hedged) if as_of is not None else ()
    schedule = [r for r in (doc.get("tables") or {}).get("schedule") or [] if isinstance(r, dict)]
    instruments = tuple(dict.fromkeys("cap" if "cap" in str(r.get("side", "")) else "futures" for r in schedule))
    headline = doc.get("headline") or {}
    effect = (doc.get("statements") or {}).get("effectiveness")
    offset = None if not effect or effect.get("dollar_offset") is None else float(effect["dollar_offset"])
    holds = bool(schedule)
    measured = "statements" in doc
    return PolicyFacts(
        horizon=horizon, ratios=month_ratios, unhedged=unhedged, instruments=instruments,
        initial_margin_peak=_number(headline.get("initial_margin_peak")),
        liquidity_need=_number(headline.get("margin_needed")),
        variance_reduction=_number(headline.get("variance_reduction")),
        prospective_offset=offset,
        prospective_passes=(None if not measured or offset is None else OFFSET_LOW <= offset <= OFFSET_HIGH),
        holds_position=holds,
        trade_notionals=tuple(v for v in (_number(r.get("notional (USD)")) for r in schedule) if v is not None),
        where_missing=where_missing)


def _number(value) -> float | None:
    v = fmt.as_number(value)
    return None if v is None or v != v else float(v)


def run_document(run) -> dict:
    """The parts of a proposal document the policy check reads, built from a :class:`~hedging.service.run.Run`
    or the Hedge program page's :class:`~hedging.service.hedge_view.HedgeView` (which measures no
    variation margin and no prospective test: those facts stay missing)."""
    from hedging.service.disclosure import ratios_by_name
    from hedging.service.hedge import schedule_table

    view, result = run.forecast, run.result
    ratios = ratios_by_name(result, view)
    schedule = schedule_table(result, view)
    doc = {"spec": {"as_of": run.spec.as_of.isoformat(), "horizon": view.horizon},
           "data": {k: {} for k in view.underlyings},
           "tables": {"ratios": [{"month": m, "underlying": u, "hedge ratio": float(r)}
                                 for m, u, r in zip(ratios["month"], ratios["underlying"], ratios["hedge ratio"])]
                      if len(ratios) else [],
                      "schedule": schedule.to_dict("records") if len(schedule) else []}}
    outcome = getattr(run, "outcome", None)
    if outcome is not None:
        e = outcome.effectiveness
        doc["headline"] = run.headline()
        doc["statements"] = {"effectiveness": None if e is None else {"dollar_offset": e.dollar_offset}}
    else:
        vr = 1.0 - (1.0 - float(run.sd_reduction)) ** 2
        doc["headline"] = {"initial_margin_peak": float(max(run.initial_margin)) if len(run.initial_margin) else 0.0,
                           "variance_reduction": vr}
    return doc


HEDGE_PAGE_MISSING = ("the Hedge program page simulates no variation margin or price-doubling test; Before / after, "
                      "the Proposal page and the approval check them")


def check_run(run, settings: Settings | None = None) -> PolicyReport:
    """The run (or Hedge program view) on screen against the workspace's policy in force now."""
    version = policy_in_force(settings)
    where = "" if getattr(run, "outcome", None) is not None else HEDGE_PAGE_MISSING
    return PolicyReport(version, check_policy(facts_from_document(run_document(run), where), version.policy))


def check_document(doc: dict, version: PolicyVersion) -> PolicyReport:
    """A saved proposal's frozen document against ``version`` (pure apart from reading ``doc``)."""
    return PolicyReport(version, check_policy(facts_from_document(doc), version.policy))


def policy_from_form(objectives: str, instruments, bands, max_initial_margin, max_liquidity, min_variance_reduction,
                     require_prospective_test: bool, min_notional) -> HedgePolicy:
    """A policy from what a form or the command line gives: shares in percent (50 = 50%), amounts in
    USD as typed (``$250k``, ``250,000``; empty = no limit), bands as (first, last, min %, max %)."""
    def amount(value, column):
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        try:
            parsed = value if isinstance(value, (int, float)) else fmt.parse_amount(value)
        except ValueError:
            parsed = None
        if parsed is None:
            raise InputError(f"{value!r} is not an amount in USD.", column=column, value=value,
                             fix="type e.g. 250000, 250,000 or $250k, or leave it empty for no limit.")
        return float(parsed)
    rows = []
    for band in bands:
        first, last, low, high = band
        if any(v is None or v != v for v in band):
            continue   # an empty editor row
        rows.append(TenorBand(int(first), int(last), float(low) / 100.0, float(high) / 100.0))
    floor = amount(min_variance_reduction, "variance reduction, at least (%)")
    return HedgePolicy(objectives=objectives, instruments=tuple(instruments), bands=tuple(rows),
                       max_initial_margin=amount(max_initial_margin, "peak initial margin, at most (USD)"),
                       max_liquidity=amount(max_liquidity, "liquidity use, at most (USD)"),
                       min_variance_reduction=None if floor is None else floor / 100.0,
                       require_prospective_test=bool(require_prospective_test),
                       min_notional=amount(min_notional, "materiality threshold (USD notional)") or 0.0)


def lines_table(version: PolicyVersion) -> pd.DataFrame:
    return pd.DataFrame(version.policy.lines(), columns=["limit", "value"])


def breach_names(report: PolicyReport) -> str:
    return "; ".join(f"{c.limit} (policy {c.policy_value}, proposal {c.proposal_value})" for c in report.breaches)


__all__ = ["BREACH", "DEFAULT_LABEL", "PolicyReport", "PolicyVersion", "check_document", "check_run",
           "facts_from_document", "in_force_on", "lines_table", "policy_from_form", "policy_in_force",
           "policy_versions", "run_document", "set_policy"]


def may_edit_policy(settings: Settings | None = None) -> bool:
    """Whether the acting user may save a new version here (the page shows the form only then;
    :func:`set_policy` checks again)."""
    try:
        access.authorize(settings, access.POLICY)
    except access.AccessDenied:
        return False
    return True
