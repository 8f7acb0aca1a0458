"""Work on distinct values: exports repeat a handful of meters, SKUs and names over many rows, so
classifying each distinct value once and mapping the answer back is both simpler and fast."""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd

from .cells import Cells


def table(func: Callable[[str], object], values) -> tuple[list, np.ndarray]:
    """``func`` of each distinct value (blank last) and the row codes into that list."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object))
    return [func(str(u)) for u in uniques] + [func("")], codes


def each(func: Callable[[str], object], values) -> np.ndarray:
    """``func`` applied once per distinct value, as an object array aligned with ``values``."""
    results, codes = table(func, values)
    out = np.empty(len(results), dtype=object)
    for i, value in enumerate(results):
        out[i] = value
    return out[codes]


def unzip(func: Callable[[str], tuple], values) -> list[np.ndarray]:
    """Like :func:`each` for a ``func`` returning a tuple: one array per tuple position."""
    results, codes = table(func, values)
    return [np.array(part, dtype=object)[codes] for part in zip(*results)]


def has_pattern(values, pattern: str) -> np.ndarray:
    """Whether each value contains the regular expression ``pattern``."""
    results, codes = table(lambda v: re.search(pattern, v) is not None, values)
    return np.array(results, dtype=bool)[codes]


def lowered(c: Cells, column: str) -> np.ndarray:
    """Lower-cased text of a column for classification only (no validation; blank -> "")."""
    if not c.has(column):
        return np.full(c.n, "", dtype=object)
    return each(lambda v: v.strip().lower(), c.raw(column))


def optional_amount(c: Cells, column: str) -> np.ndarray:
    """An amount column whose blank cells stay NaN, so "not given" differs from 0."""
    if not c.has(column):
        return np.full(c.n, np.nan)
    return np.where(c.frame[column].isna().to_numpy(), np.nan, c.amount(column))


def checked(c: Cells, column: str, values) -> np.ndarray:
    """Validate values derived from ``column`` (a tag, a name) with the same rules as ``c.text``."""
    c.frame[column] = pd.Series(list(values), index=c.frame.index, dtype=object)
    return c.text(column)
