"""Reconciliation of drill-down forecasts with their total."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from hedging.errors import InputError
from hedging.forecast.reconcile import reconcile


def projection(total, children):
    """OLS reconciliation written as the matrix formula S (S'S)^{-1} S' y_hat of Hyndman et al.
    (2011), eq. for the OLS combination, applied to every cell independently."""
    k = children.shape[0]
    s = np.vstack([np.ones((1, k)), np.eye(k)])
    p = s @ np.linalg.inv(s.T @ s) @ s.T
    stacked = np.concatenate([total[None], children]).reshape(k + 1, -1)
    out = (p @ stacked).reshape((k + 1,) + total.shape)
    return out[0], out[1:]


def test_worked_example():
    ols = reconcile(np.array([120.0]), [np.array([30.0]), np.array([50.0])])
    assert ols.children[:, 0] == pytest.approx([30 + 40 / 3, 50 + 40 / 3])
    assert ols.total == pytest.approx([80 + 2 * 40 / 3])
    prop = reconcile(np.array([120.0]), [np.array([30.0]), np.array([50.0])],
                     method="proportional")
    assert prop.children[:, 0] == pytest.approx([45.0, 75.0]) and prop.total[0] == 120.0


def test_ols_equals_the_projection_matrix_formula():
    rng = np.random.default_rng(1)
    children = rng.uniform(50, 150, size=(4, 300, 12))
    total = children.sum(axis=0) * rng.uniform(0.9, 1.1, size=(300, 12))
    got = reconcile(total, children)
    assert got.n_fallback == 0
    want_total, want_children = projection(total, children)
    assert got.children == pytest.approx(want_children, rel=1e-12)
    assert got.total == pytest.approx(want_total, rel=1e-12)


def test_coherent_forecasts_are_left_alone_and_means_reconcile():
    rng = np.random.default_rng(2)
    children = rng.lognormal(3, 0.3, size=(3, 1000, 6))
    total = children.sum(axis=0)
    assert reconcile(total, children).children == pytest.approx(children, rel=1e-12)
    noisy_total = total * rng.lognormal(0, 0.05, size=total.shape)
    paths = reconcile(noisy_total, children)
    means = reconcile(noisy_total.mean(axis=0), children.mean(axis=1))
    assert paths.children.mean(axis=1) == pytest.approx(means.children, rel=1e-10)


def test_negative_ols_children_fall_back_to_proportional():
    total = np.array([[10.0, 100.0]])
    children = np.array([[[1.0, 40.0]], [[60.0, 50.0]]])
    out = reconcile(total, children)
    # cell 0: gap (10 - 61) / 3 = -17 makes child 1 negative -> OLS total 10 + ... split pro rata
    assert out.n_fallback == 1 and out.warnings[0].code == "negative_children"
    ols_total0 = (2 * 10 + 61) / 3
    assert out.children[:, 0, 0] == pytest.approx([ols_total0 / 61, 60 * ols_total0 / 61])
    assert out.children[:, 0, 1] == pytest.approx([40 + 10 / 3, 50 + 10 / 3])
    assert np.all(out.children >= 0)


@settings(max_examples=60, deadline=None)
@given(k=st.integers(1, 6), method=st.sampled_from(["ols", "proportional"]),
       data=st.data())
def test_children_sum_exactly_to_the_total(k, method, data):
    shape = (data.draw(st.integers(1, 20)), data.draw(st.integers(1, 5)))
    values = st.floats(0, 1e9, allow_nan=False, allow_infinity=False)
    total = data.draw(arrays(float, shape, elements=values))
    children = data.draw(arrays(float, (k,) + shape, elements=values))
    out = reconcile(total, children, method=method)
    assert np.all(out.children >= 0)
    scale = np.maximum(np.abs(out.total), 1e-300)
    assert np.all(np.abs(out.children.sum(axis=0) - out.total) <= 1e-9 * scale)
    if method == "proportional":
        assert np.all(np.abs(out.total - total) <= 1e-9 * np.maximum(total, 1e-300))


def test_reconcile_input_errors():
    with pytest.raises(InputError, match="shape"):
        reconcile(np.ones((5, 3)), np.ones((2, 5, 4)))
    with pytest.raises(InputError, match=">= 0"):
        reconcile(np.ones(3), [np.ones(3), -np.ones(3)])
    with pytest.raises(InputError, match="unknown reconciliation method"):
        reconcile(np.ones(3), [np.ones(3)], method="mint")
