"""The hedge policy check against hand-computed cases: every expected value below is worked out by hand
from the facts given (a share of forecast volume, a dollar amount), not by the code under test."""

from __future__ import annotations

import pytest

from hedging.errors import InputError
from hedging.hedge.hedge_policy import DEFAULT_POLICY, HedgePolicy, TenorBand, policy_diff
from hedging.hedge.policy_check import BREACH, NA, PASS, MonthRatio, PolicyFacts, breaches, check_policy

TOKENS = "LLM tokens"
BAND_1_3 = TenorBand(1, 3, 0.50, 0.75)


def facts(ratios=(0.60, 0.60, 0.60), **changes) -> PolicyFacts:
    """A 3-month programme on one underlying: ``ratios`` of forecast volume hedged in months 1, 2, 3."""
    months = ("Jan 2027", "Feb 2027", "Mar 2027")
    rows = tuple(r if isinstance(r, MonthRatio) else MonthRatio(TOKENS, t + 1, months[t], r)
                 for t, r in enumerate(ratios))
    base = dict(horizon=3, ratios=rows,
                instruments=("futures",), initial_margin_peak=100_000.0, liquidity_need=250_000.0,
                variance_reduction=0.40, prospective_offset=1.0, prospective_passes=True,
                trade_notionals=(50_000.0, 120_000.0))
    return PolicyFacts(**(base | changes))


def policy(**changes) -> HedgePolicy:
    return HedgePolicy(**({"bands": (BAND_1_3,)} | changes))


def by_limit(checks, start: str):
    found = [c for c in checks if c.limit.startswith(start)]
    assert len(found) == 1, [c.limit for c in checks]
    return found[0]


def test_ninety_percent_in_months_1_to_3_breaches_a_50_to_75_band():
    checks = check_policy(facts((0.90, 0.90, 0.90)), policy())
    band = by_limit(checks, "Hedged share, months 1–3")
    assert band.status == BREACH
    assert (band.policy_value, band.proposal_value) == ("50%–75%", "90.0%")
    assert "above the maximum of 75% in Jan 2027 (90.0%), Feb 2027 (90.0%), Mar 2027 (90.0%)" in band.sentence
    assert [c.limit for c in breaches(checks)] == [f"Hedged share, months 1–3 ({TOKENS})"]


def test_sixty_percent_passes_the_same_band():
    checks = check_policy(facts((0.60, 0.60, 0.60)), policy())
    band = by_limit(checks, "Hedged share, months 1–3")
    assert (band.status, band.proposal_value) == (PASS, "60.0%")
    assert breaches(checks) == []


def test_one_month_below_the_minimum_breaches_and_is_named():
    band = by_limit(check_policy(facts((0.60, 0.40, 0.70)), policy()), "Hedged share")
    assert band.status == BREACH and band.proposal_value == "40.0%–70.0%"
    assert "below the minimum of 50% in Feb 2027 (40.0%)" in band.sentence and "Jan 2027" not in band.sentence


def test_lot_rounding_that_shows_as_the_maximum_passes_but_a_tenth_of_a_point_more_breaches():
    # 75.04% displays as 75.0%, within the 75% maximum; 75.1% is above it
    assert by_limit(check_policy(facts((0.7504, 0.7, 0.7)), policy()), "Hedged").status == PASS
    assert by_limit(check_policy(facts((0.751, 0.7, 0.7)), policy()), "Hedged").status == BREACH


def test_margin_over_the_cap_breaches_and_under_it_passes():
    over = by_limit(check_policy(facts(initial_margin_peak=260_000.0), policy(max_initial_margin=250_000.0)),
                    "Peak initial margin")
    assert over.status == BREACH and over.proposal_value == "$260,000"
    assert "$10,000 more than the policy's limit of $250,000" in over.sentence   # 260,000 - 250,000
    under = by_limit(check_policy(facts(initial_margin_peak=240_000.0), policy(max_initial_margin=250_000.0)),
                     "Peak initial margin")
    assert under.status == PASS


def test_liquidity_over_the_cap_breaches_and_an_unmeasured_figure_is_not_a_pass():
    over = by_limit(check_policy(facts(liquidity_need=300_000.0), policy(max_liquidity=250_000.0)), "Liquidity use")
    assert over.status == BREACH and "$50,000 more" in over.sentence
    missing = by_limit(check_policy(facts(liquidity_need=None, where_missing="not simulated on this page"),
                                    policy(max_liquidity=250_000.0)), "Liquidity use")
    assert missing.status == NA and "not simulated on this page" in missing.sentence


def test_no_limit_set_is_not_applicable():
    checks = check_policy(facts(initial_margin_peak=9e9), policy(max_initial_margin=None, max_liquidity=None))
    assert by_limit(checks, "Peak initial margin").status == NA
    assert by_limit(checks, "Liquidity use").status == NA


def test_variance_reduction_below_the_minimum_breaches():
    low = by_limit(check_policy(facts(variance_reduction=0.25), policy(min_variance_reduction=0.30)), "Variance")
    assert (low.status, low.proposal_value, low.policy_value) == (BREACH, "25.0%", "at least 30.0%")
    adds = by_limit(check_policy(facts(variance_reduction=-0.05), policy(min_variance_reduction=0.0)), "Variance")
    assert adds.status == BREACH and "raises the variance of total spend by 5.0%" in adds.sentence
    ok = by_limit(check_policy(facts(variance_reduction=0.31), policy(min_variance_reduction=0.30)), "Variance")
    assert ok.status == PASS


def test_prospective_test_outside_80_to_125_breaches_when_required():
    failed = by_limit(check_policy(facts(prospective_offset=1.40, prospective_passes=False),
                                   policy(require_prospective_test=True)), "Prospective")
    assert (failed.status, failed.proposal_value) == (BREACH, "140.0%")
    passed = by_limit(check_policy(facts(), policy(require_prospective_test=True)), "Prospective")
    assert passed.status == PASS
    nothing = by_limit(check_policy(facts(holds_position=False, prospective_passes=None, prospective_offset=None),
                                    policy(require_prospective_test=True)), "Prospective")
    assert nothing.status == PASS  # no position, no hedge relationship to test
    assert by_limit(check_policy(facts(prospective_passes=False), policy()), "Prospective").status == NA


def test_instrument_not_authorised_breaches():
    caps = by_limit(check_policy(facts(instruments=("futures", "cap")), policy(instruments=("futures",))),
                    "Authorised")
    assert caps.status == BREACH and "bought caps" in caps.sentence
    assert by_limit(check_policy(facts(instruments=("cap",)), policy()), "Authorised").status == PASS


def test_trade_under_the_materiality_threshold_breaches():
    small = by_limit(check_policy(facts(trade_notionals=(20_000.0, 30_000.0, 200_000.0)),
                                  policy(min_notional=25_000.0)), "Materiality")
    assert (small.status, small.proposal_value) == (BREACH, "$20,000")
    assert small.sentence.startswith("1 trade is under")
    assert by_limit(check_policy(facts(), policy(min_notional=25_000.0)), "Materiality").status == PASS


def test_an_underlying_left_out_counts_zero_and_months_without_contracts_are_not_counted():
    f = facts(unhedged=("GPU-hours",), horizon=6,
              ratios=(MonthRatio(TOKENS, 1, "Jan 2027", 0.6), MonthRatio(TOKENS, 3, "Mar 2027", 0.6)))
    checks = check_policy(f, policy(bands=(BAND_1_3, TenorBand(4, 6, 0.25, 0.5))))
    token = by_limit(checks, f"Hedged share, months 1–3 ({TOKENS})")
    assert token.status == PASS and "Month 2 ahead has no listed contract" in token.sentence
    gpu = by_limit(checks, "Hedged share, months 1–3 (GPU-hours)")
    assert (gpu.status, gpu.proposal_value) == (BREACH, "0.0%")
    assert by_limit(checks, f"Hedged share, months 4–6 ({TOKENS})").status == NA  # nothing listed there


def test_a_band_beyond_the_horizon_is_not_applicable():
    checks = check_policy(facts(), policy(bands=(BAND_1_3, TenorBand(7, 12, 0.0, 0.5))))
    far = by_limit(checks, "Hedged share, months 7–12")
    assert far.status == NA and "horizon is 3 months" in far.sentence


def test_policy_validation_names_the_field_and_the_fix():
    with pytest.raises(InputError, match="minimum .80%. is above the maximum .75%."):
        HedgePolicy(bands=(TenorBand(1, 3, 0.8, 0.75),))
    with pytest.raises(InputError, match="overlap"):
        HedgePolicy(bands=(TenorBand(1, 3, 0.5, 0.75), TenorBand(3, 6, 0.2, 0.5)))
    with pytest.raises(InputError, match="unknown instrument 'forward'"):
        HedgePolicy(instruments=("forward",))
    with pytest.raises(InputError, match="positive amount"):
        HedgePolicy(max_initial_margin=-5.0)


def test_round_trip_fingerprint_and_diff():
    p = policy(max_initial_margin=250_000.0, instruments=("futures", "cap"))
    again = HedgePolicy.from_dict(p.to_dict())
    assert again == p and again.fingerprint() == p.fingerprint() and len(p.fingerprint()) == 64
    assert p.fingerprint() != DEFAULT_POLICY.fingerprint()
    diff = dict((k, (a, b)) for k, a, b in policy_diff(DEFAULT_POLICY, p))
    assert diff["Peak initial margin, at most"] == ("no limit", "$250,000")
    assert diff["Hedged share, months 1–3"] == ("50%–85%", "50%–75%")
    assert diff["Hedged share, months 4–6"] == ("25%–65%", "—")
    assert policy_diff(p, again) == []
