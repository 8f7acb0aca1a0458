"""Natural hedges: each kind of commitment against spend computed independently, path by path."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hedging.errors import InputError
from hedging.hedge.natural import Commitment, apply_commitments, parse_commitments_csv, template_csv

MONTHS = pd.date_range("2027-01-01", periods=4, freq="MS")
SHARES = {"alpha": 0.4, "beta": 0.6}


@pytest.fixture(scope="module")
def paths():
    rng = np.random.default_rng(11)
    volume = rng.lognormal(np.log(1000), 0.2, (20_000, 4))
    price = rng.lognormal(np.log(2.5), 0.3, (20_000, 4))
    return volume, price


def _min_var_ratio(spend, price):
    """The minimum-variance hedge of ``spend`` with the price, in price units: Cov(S, P) / Var(P)."""
    return np.cov(spend, price)[0, 1] / price.var(ddof=1)


def test_no_commitment_leaves_spend_as_volume_times_price(paths):
    volume, price = paths
    e = apply_commitments((), MONTHS, volume, price, SHARES)
    np.testing.assert_allclose(e.spend, volume * price)
    np.testing.assert_allclose(e.exposed, volume)


def test_a_fixed_price_on_all_of_a_month_leaves_no_price_risk(paths):
    volume, price = paths
    c = Commitment("contracted", "gpu", "2027-02", "2027-02", price=2.0, share=100)
    e = apply_commitments((c,), MONTHS, volume, price, SHARES)
    np.testing.assert_allclose(e.spend[:, 1], volume[:, 1] * 2.0)       # the price does not enter
    assert np.all(e.exposed[:, 1] == 0)                                  # nothing left to hedge
    # the month's spend is the same whatever the price does: doubling or halving it changes nothing
    for move in (2.0, 0.5):
        moved = apply_commitments((c,), MONTHS, volume, price * move, SHARES)
        np.testing.assert_array_equal(moved.spend[:, 1], e.spend[:, 1])
    np.testing.assert_allclose(e.spend[:, [0, 2, 3]], (volume * price)[:, [0, 2, 3]])   # other months untouched


def test_half_the_volume_at_a_fixed_price_halves_the_hedged_volume(paths):
    volume, price = paths
    c = Commitment("contracted", "gpu", "2027-01", "2027-04", price=2.0, share=50)
    e = apply_commitments((c,), MONTHS, volume, price, SHARES)
    np.testing.assert_allclose(e.exposed, 0.5 * volume)
    np.testing.assert_allclose(e.spend, 0.5 * volume * price + 0.5 * volume * 2.0)
    # with a known volume the minimum-variance hedge is the price-exposed volume: 1,000 units -> 500
    known = np.full_like(volume, 1000.0)
    fixed = apply_commitments((c,), MONTHS, known, price, SHARES)
    assert _min_var_ratio(known[:, 0] * price[:, 0], price[:, 0]) == pytest.approx(1000.0, rel=1e-9)
    assert _min_var_ratio(fixed.spend[:, 0], price[:, 0]) == pytest.approx(500.0, rel=1e-9)


def test_reserved_capacity_is_take_or_pay(paths):
    volume, price = paths
    q, p = 900.0, 2.1
    c = Commitment("reserved", "gpu", "2027-01", "2027-04", volume=q, price=p)
    e = apply_commitments((c,), MONTHS, volume, price, SHARES)
    np.testing.assert_allclose(e.spend, q * p + np.maximum(volume - q, 0) * price)
    np.testing.assert_allclose(e.unused, np.maximum(q - volume, 0))
    np.testing.assert_allclose(e.exposed, np.maximum(volume - q, 0))


def test_a_provider_commitment_covers_that_providers_share_only(paths):
    volume, price = paths
    c = Commitment("contracted", "gpu", "2027-01", "2027-04", provider="ALPHA", price=2.0, share=100)
    e = apply_commitments((c,), MONTHS, volume, price, SHARES)
    np.testing.assert_allclose(e.exposed, 0.6 * volume)
    np.testing.assert_allclose(e.fixed_cost, 0.4 * volume * 2.0)


def test_a_discount_scales_price_and_dollar_risk_not_percentage_risk(paths):
    volume, price = paths
    c = Commitment("discount", "token", "2027-01", "2027-04", discount=20)
    e = apply_commitments((c,), MONTHS, volume, price, SHARES)
    np.testing.assert_allclose(e.spend, 0.8 * volume * price)
    np.testing.assert_allclose(e.exposed, 0.8 * volume)
    # the coefficient of variation (percentage risk) is unchanged; the min-variance hedge is 80%
    def cv(x):
        return x.std() / x.mean()

    assert cv(e.spend[:, 0]) == pytest.approx(cv(volume[:, 0] * price[:, 0]), rel=1e-12)
    assert _min_var_ratio(e.spend[:, 0], price[:, 0]) == pytest.approx(
        0.8 * _min_var_ratio(volume[:, 0] * price[:, 0], price[:, 0]), rel=1e-9)
    assert e.fixed_volume.sum() == 0


def test_a_discount_already_in_the_history_is_not_applied_again(paths):
    volume, price = paths
    c = Commitment("discount", "token", "2026-06", "2027-04", discount=20)
    e = apply_commitments((c,), MONTHS, volume, price, SHARES, history_end=pd.Timestamp("2026-11-01"))
    np.testing.assert_allclose(e.spend, volume * price)
    assert [w.code for w in e.warnings] == ["discount_in_history"]


def test_prepaid_credits_at_the_floating_price_move_cash_not_risk(paths):
    volume, price = paths
    amount = 6_000.0
    c = Commitment("prepaid", "token", "2027-01", "2027-04", amount=amount)
    e = apply_commitments((c,), MONTHS, volume, price, SHARES)
    np.testing.assert_allclose(e.spend, volume * price)               # the expense and its risk are unchanged
    cumulative = np.cumsum(volume * price, axis=1)
    drawn = np.diff(np.minimum(cumulative, amount), axis=1, prepend=0.0)   # drawn first come, month by month
    np.testing.assert_allclose(e.prepaid_cash, drawn)


def test_a_prepaid_block_at_a_fixed_price_is_fixed_price_volume_until_used(paths):
    volume, price = paths
    c = Commitment("prepaid", "gpu", "2027-01", "2027-04", amount=3_000.0, price=2.0)   # 1,500 units
    e = apply_commitments((c,), MONTHS, volume, price, SHARES)
    used = np.diff(np.minimum(np.cumsum(volume, axis=1), 1_500.0), axis=1, prepend=0.0)
    np.testing.assert_allclose(e.fixed_volume, used)
    np.testing.assert_allclose(e.spend, (volume - used) * price + used * 2.0)


def test_an_unknown_provider_is_named_with_the_ones_there_are(paths):
    volume, price = paths
    c = Commitment("contracted", "gpu", "2027-01", "2027-04", provider="gamma", price=2.0, share=100)
    with pytest.raises(InputError, match="gamma.*alpha, beta"):
        apply_commitments((c,), MONTHS, volume, price, SHARES)


@pytest.mark.parametrize("kwargs, column", [
    (dict(kind="swap", underlying="gpu", start="2027-01", end="2027-02"), "kind"),
    (dict(kind="reserved", underlying="gpu", start="2027-01", end="2027-02", price=2.0), "volume per month"),
    (dict(kind="contracted", underlying="gpu", start="2027-01", end="2027-02", price=2.0, share=120), "share of usage %"),
    (dict(kind="discount", underlying="gpu", start="2027-03", end="2027-02", discount=10), "end month"),
    (dict(kind="prepaid", underlying="gpu", start="2027-01", end="2027-02", amount=-5), "amount (USD)"),
])
def test_bad_rows_name_the_column(kwargs, column):
    with pytest.raises(InputError) as err:
        Commitment(**kwargs)
    assert err.value.column == column and err.value.fix


def test_the_template_reads_back_and_a_bad_row_is_named_by_row_and_column():
    rows = parse_commitments_csv(template_csv())
    assert [c.kind for c in rows] == ["reserved", "contracted", "discount", "prepaid"]
    bad = template_csv().decode().replace("2.50,50", "2.50,150").encode()
    with pytest.raises(InputError, match=r"commitments.csv, row 3, column `share of usage %`: value '150.0'"):
        parse_commitments_csv(bad)
    with pytest.raises(InputError, match="row 1.*lacks column"):
        parse_commitments_csv(b"kind,underlying\nreserved,gpu\n")
    with pytest.raises(InputError, match="row 2, column `price \\(USD per unit\\)`.*not a number"):
        parse_commitments_csv(template_csv().decode().replace("2.10", "two").encode())
