"""Shared fixtures: the bundled specs and small stand-in price models (no market model import)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hedging.contracts.specs import load_specs


class GeometricForward:
    """Stand-in model with a forward growing at a constant rate: F(t, T) = x0 exp(g (T - t)).

    The average over [T1, T2] is the integral of the forward divided by the window length:
    x0 (exp(g (T2 - t)) - exp(g (T1 - t))) / (g (T2 - T1)), and x0 exp(g (T1 - t)) when T1 = T2.
    """

    def __init__(self, growth: float = 0.0) -> None:
        self.g = growth

    def futures_price(self, x0, t, T):
        return x0 * np.exp(self.g * (np.asarray(T, dtype=float) - t))

    def average_futures_price(self, x0, t, T1, T2):
        a, b = T1 - t, T2 - t
        if abs(b - a) < 1e-15:
            return x0 * math.exp(self.g * a)
        if self.g == 0:
            return float(x0)
        return x0 * (math.exp(self.g * b) - math.exp(self.g * a)) / (self.g * (b - a))


@pytest.fixture(scope="session")
def specs():
    return load_specs()


@pytest.fixture(scope="session")
def sit(specs):
    return specs["SIT"]


@pytest.fixture(scope="session")
def gpuh(specs):
    return specs["GPUH"]
