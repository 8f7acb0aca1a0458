"""The hedge designation memo of a frozen proposal: one pure builder returning plain data.

Hedge accounting needs documentation written at inception (ASC 815-20-25-3; IFRS 9 §6.4.1(b)): the
relationship, the risk-management objective and strategy, the hedged item, the nature of the risk,
the instrument, how the hedge ratio was set, how effectiveness is assessed and the expected sources of
ineffectiveness. :func:`designation_memo` writes that from what a saved proposal froze (its tables and
statements, the hedged-item record of :mod:`hedging.service.memo_item`) and from where the proposal
stands in its workspace's approvals (:class:`Lineage`, derived from the lifecycle records by
:mod:`hedging.service.designation`). It reads no database and recomputes nothing, so the memo can never
drift from the proposal it documents. Citations follow the reference note on treasury practice
(``reference/treasury-and-instruments.md``, section A) that collects the sources.

Versions: in a workspace every approval after the first supersedes the approved proposal before it,
which rebalances the programme, so the approved proposals are the memo's versions 1, 2, ... in order
of approval; version n+1 names version n and what changed (ratio, lots, instruments). A proposal not
(yet) approved has no version: its memo is a draft that "would become version n+1 on approval".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from hedging import fmt
from hedging.service.memo_evidence import (  # noqa: F401  (the thresholds are part of the memo's contract)
    HIGHLY_PROBABLE,
    PROBABLE,
    hedged_item,
    probability_paragraphs,
    probability_verdict,
)
from hedging.service.memo_parts import (
    _list,
    _map,
    _num,
    _section,
    effectiveness,
    hedged_risk,
    ineffectiveness,
    instruments,
    notes,
    ratio,
)

TITLE = "Hedge designation memo"
DECIDED = ("approved", "superseded")


@dataclass(frozen=True)
class Lineage:
    """Where a proposal stands among its workspace's approved proposals (plain data).

    ``version``: its number among the workspace's approvals (None when not approved);
    ``approvals_before``: approvals before it (for a proposal not approved: all so far);
    ``replaces``: the approved proposal it replaces or would replace (``{"version", "proposal"}``,
    the proposal being its saved document); ``superseded_by``: ``{"version", "proposal_id", "name",
    "at"}`` once a later approval replaced it."""

    status: str
    version: int | None
    approvals_before: int
    workspace: str = ""
    replaces: Mapping | None = None
    superseded_by: Mapping | None = None


def programme_summary(p: Mapping) -> dict:
    """Lots, designated quantity and hedge ratio per underlying, contracts and policy of a saved proposal."""
    t = _map(p.get("tables"))
    lots: dict[str, int] = {}
    contracts: dict[str, int] = {}
    for row in _list(t.get("schedule")):
        u = str(row.get("underlying") or "")
        q = int(_num(row.get("lots")) or 0)
        lots[u] = lots.get(u, 0) + q
        contracts[str(row.get("contract"))] = contracts.get(str(row.get("contract")), 0) + q
    months = _list(t.get("hedged_item"))
    ratio_rows = _list(t.get("ratios"))
    ratio: dict[str, float | None] = {}
    designated: dict[str, float] = {}
    for u in dict.fromkeys(str(m.get("underlying")) for m in months):
        rows = [m for m in months if str(m.get("underlying")) == u]
        label = str(rows[0].get("label"))
        traded = {str(r.get("month"))[:7] for r in ratio_rows if str(r.get("underlying")) == label}
        base = sum(_num(m.get("price-exposed volume")) or 0.0 for m in rows if str(m.get("month"))[:7] in traded)
        designated[u] = sum(_num(m.get("designated")) or 0.0 for m in rows)
        ratio[u] = designated[u] / base if base > 0 else None
    if not months:   # saved before memos: the quarterly disclosure table gives hedged over expected consumption
        for row in _list(t.get("disclosure")):
            u = str(row.get("underlying"))
            designated[u] = designated.get(u, 0.0) + (_num(row.get("hedged")) or 0.0)
        for u in designated:
            base = sum(_num(r.get("expected consumption")) or 0.0 for r in _list(t.get("disclosure"))
                       if str(r.get("underlying")) == u)
            ratio[u] = designated[u] / base if base > 0 else None
    inputs = _map(p.get("inputs"))
    return {"lots": lots, "total_lots": sum(lots.values()), "contracts": contracts, "designated": designated,
            "ratio": ratio, "policy": str(inputs.get("policy_label") or inputs.get("policy") or fmt.DASH),
            "trades": len(_list(t.get("schedule")))}


def changes_between(before: Mapping, after: Mapping, labels: Mapping[str, str]) -> list[str]:
    """What changed from one version's programme to the next, in plain sentences."""
    out = []
    if before["policy"] != after["policy"]:
        out.append(f"Sizing rule: {before['policy']} → {after['policy']}.")
    for u in dict.fromkeys([*before["lots"], *after["lots"], *before["ratio"], *after["ratio"]]):
        name = labels.get(u, u)
        lb, la = before["lots"].get(u, 0), after["lots"].get(u, 0)
        if lb != la:
            out.append(f"{name}: {fmt.count(lb)} → {fmt.count(la)} lots ({fmt.count(la - lb, signed=True)}).")
        rb, ra = before["ratio"].get(u), after["ratio"].get(u)
        if rb is not None and ra is not None and abs(ra - rb) >= 0.0005:
            out.append(f"{name}: hedge ratio {fmt.share(rb)} → {fmt.share(ra)} ({fmt.points(ra - rb)}).")
        elif (rb is None) != (ra is None):
            out.append(f"{name}: hedge ratio {fmt.share(rb) if rb is not None else 'none'} → "
                       f"{fmt.share(ra) if ra is not None else 'none'}.")
    added = sorted(set(after["contracts"]) - set(before["contracts"]))
    removed = sorted(set(before["contracts"]) - set(after["contracts"]))
    if added:
        out.append(f"Instruments added: {', '.join(added)}.")
    if removed:
        out.append(f"Instruments no longer held: {', '.join(removed)}.")
    return out or ["No change in sizing rule, lots, hedge ratios or instruments (a re-approval of the same programme)."]


# --- the parts of the memo ------------------------------------------------------------------------------------

def _labels(p: Mapping) -> dict[str, str]:
    t = _map(p.get("tables"))
    out = {str(e.get("underlying")): str(e.get("label")) for e in _list(t.get("hedged_item_evidence"))}
    out.setdefault("token", "AI token price")
    out.setdefault("gpu", "GPU rental price")
    return out


def _version_facts(p: Mapping, lineage: Lineage, summary: Mapping, labels: Mapping[str, str]) -> tuple[dict, list]:
    approval = _map(p.get("approval"))
    draft = lineage.status not in DECIDED
    n = lineage.approvals_before
    ws = lineage.workspace or "the workspace"
    if draft:
        label = f"draft — would become version {n + 1} on approval"
    elif lineage.version == 1:
        label = "version 1 (first designation)"
    else:
        label = f"version {lineage.version} (rebalance)"
    facts = [("Memo", f"{TITLE}, {ws} hedge programme, {label}"),
             ("Proposal", f"#{p.get('id')} {p.get('name') or ''}".strip()),
             ("Fingerprint", str(p.get("fingerprint") or "not saved")),
             ("Status", str(approval.get("meaning") or lineage.status)),
             ("Prepared by", f"{approval.get('prepared_by') or fmt.DASH}, {approval.get('prepared_at') or fmt.DASH}"),
             ("Approved by", f"{approval.get('approved_by')}, {approval.get('approved_at')}" if not draft
              else "not approved"),
             ("Designation date", str(approval.get("approved_at")) if not draft else "on approval")]
    changes: list[str] = []
    rep = _map(lineage.replaces)
    if rep:
        old = _map(rep.get("proposal"))
        facts.append(("Replaces" if not draft else "Would replace",
                      f"version {rep.get('version')}: proposal #{old.get('id')} {old.get('name') or ''} "
                      f"(fingerprint {str(old.get('fingerprint') or '')[:12]}…)"))
        changes = ([f"What changed cannot be shown: {rep['problem']}"] if rep.get("problem")
                   else changes_between(programme_summary(old), summary, labels))
    sup = _map(lineage.superseded_by)
    if sup:
        facts.append(("Superseded by", f"version {sup.get('version')}: proposal #{sup.get('proposal_id')} "
                                       f"{sup.get('name') or ''}, {sup.get('at') or ''}".rstrip(", ")))
    return {"label": label, "draft": draft, "facts": facts}, changes


def _bought(summary: Mapping) -> str:
    caps = sum(1 for c in summary["contracts"] if c.startswith("Cap "))
    futures = len(summary["contracts"]) - caps
    return " and ".join(w for w in ("futures" if futures else "", "caps" if caps else "") if w) or "nothing"


def designation_memo(proposal: Mapping, lineage: Lineage) -> dict:
    """The designation memo of a saved proposal ``proposal`` (its document, as
    :func:`hedging.service.proposal.load_proposal` returns it) standing where ``lineage`` says.

    Returns plain data: ``title``, ``version`` (None for a draft), ``version_label``, ``draft``,
    ``facts`` (label, value pairs for the header), ``changes`` (sentences: what changed from the version
    it replaces), ``sections`` (each with ``title``, ``paragraphs``, ``facts``, ``tables`` and
    ``bullets``; a table is ``title``, ``columns``, ``kinds``, ``rows`` of raw numbers) and ``numbers``
    (lots, designated quantities and hedge ratios per underlying, the effectiveness figures)."""
    p = _map(proposal)
    labels = _labels(p)
    summary = programme_summary(p)
    hedged = [u for u, q in summary["designated"].items() if q > 0]
    if not hedged:
        hedged = [u for u, n in summary["lots"].items() if n > 0]
    head, changes = _version_facts(p, lineage, summary, labels)
    item, verdicts = hedged_item(p, labels)
    inputs, h = _map(p.get("inputs")), _map(p.get("headline"))
    months = _map(p.get("spec")).get("horizon_months") or []
    period = f"{fmt.month(months[0] + '-01')} – {fmt.month(months[-1] + '-01')}" if months else "the horizon"
    relationship = [
        f"Hedge type: cash-flow hedge of forecast purchases of compute ({', '.join(labels.get(u, u) for u in hedged) or 'none'}) "
        f"in {period}.",
        f"Risk-management objective and strategy: reduce the variability of the company's AI compute spend over the "
        f"next {fmt.count(inputs.get('horizon'))} months by buying {_bought(summary)} on compute price indices, "
        f"sized by the rule “{summary['policy'][:1].lower() + summary['policy'][1:]}”; on the proposal's "
        f"simulation this {'lowers' if (_num(h.get('volatility_reduction')) or 0) >= 0 else 'raises'} the standard "
        f"deviation of spend by {fmt.share(abs(_num(h.get('volatility_reduction')) or 0))} "
        f"(from {fmt.money(_num(h.get('sd_before')))} to "
        f"{fmt.money(_num(h.get('sd_after')))}). Speculation is not an objective: the programme is judged on the "
        "variability removed, not on whether the futures make money.",
    ]
    policy = _map(p.get("policy_check"))
    if policy.get("sentence"):   # the hedge policy in force when the memo is made (the Proposal page's check)
        relationship.append(f"Policy reference, as checked when this memo was made: {policy['sentence']} An "
                            "approval's policy exception, if any, is in the approval's comment.")
    if changes:
        relationship.append("Rebalance: this version replaces the one before it, adjusting the designated quantities "
                            "within the same objective (what changed is listed above)." if not head["draft"] else
                            "On approval this would rebalance the programme, replacing the approved version (what "
                            "would change is listed above).")
    e = _map(_map(p.get("statements")).get("effectiveness"))
    if not hedged:   # nothing bought: no relationship to designate, and the memo says so instead
        relationship = ["No hedging relationship is designated: the programme buys no instrument, so no forecast "
                        "purchases are hedged and nothing is accounted for as a hedge. The parts below record the "
                        f"inputs (sizing rule “{summary['policy']}”) and the risk left, for the file."]
    sections = [
        _section("Relationship, objective and strategy", relationship),
        _section("Hedged item", probability_paragraphs(verdicts, labels) if hedged else
                 ["No purchases are designated: the programme holds no instrument."], tables=item["tables"],
                 bullets=item["bullets"]),
        _section("Hedged risk", hedged_risk(p, labels, hedged) if hedged else
                 ["No risk is designated: nothing is hedged."]),
        _section("Hedging instruments", **instruments(p)),
        _section("Hedge ratio and how it was set", **ratio(p, summary, labels)),
        _section("Effectiveness assessment", **effectiveness(p, labels)),
        _section("Expected sources of ineffectiveness", bullets=ineffectiveness(p, labels, hedged)),
        _section("ASC 815 and IFRS 9 notes", bullets=notes() + [
            "Sources as collected in the reference note on treasury practice (treasury-and-instruments.md, §A1–A8); "
            "check the Codification and IFRS wording before relying on a paraphrase."]),
    ]
    return {
        "title": TITLE, "version": None if head["draft"] else lineage.version, "version_label": head["label"],
        "draft": head["draft"], "status": lineage.status, "proposal_id": p.get("id"),
        "fingerprint": p.get("fingerprint"), "facts": [list(f) for f in head["facts"]], "changes": changes,
        "sections": sections,
        "probability": {u: v for u, (v, _why) in verdicts.items()},
        "numbers": {"lots": summary["lots"], "total_lots": summary["total_lots"],
                    "designated": summary["designated"], "hedge_ratio": summary["ratio"],
                    "effectiveness": {k: e.get(k) for k in ("slope", "r_squared", "dollar_offset", "passes")} if e
                    else None},
    }
