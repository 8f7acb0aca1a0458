"""Rebuild the shipped index histories from the inputs in ``sample_data/``.

    cd <repo> && python sample_data/indices/build.py

Writes, next to this script:

* ``token_index_monthly.csv``: the token price index (USD per 1M tokens), ``date,value,source``;
* ``token_index_constituents.csv``: each month's provider quotes and weights behind it;
* ``gpu_h100_index_monthly.csv``: the illustrative H100 rental index (USD per GPU-hour).

The output depends only on the input files, so running it twice gives identical files.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import pandas as pd  # noqa: E402

from hedging.market import index as ix  # noqa: E402

FIRST_MONTH = "2023-01-01"
LAST_MONTH = "2026-11-01"
INPUTS = REPO / "sample_data" / "index_inputs"
LIST_PRICES = REPO / "sample_data" / "list_prices.csv"


def months() -> pd.DatetimeIndex:
    return pd.date_range(FIRST_MONTH, LAST_MONTH, freq="MS")


def build_series() -> tuple[ix.IndexSeries, pd.DataFrame, ix.IndexSeries]:
    """The token index, its constituents and the GPU index, from the shipped inputs."""
    prices = ix.load_list_prices(LIST_PRICES)
    capability = ix.load_capability(INPUTS / "capability.csv")
    shares = ix.load_provider_volumes(INPUTS / "provider_shares.csv")
    token = ix.token_price_index(prices, capability, shares, months(), carry_back=True)
    parts, _ = ix.token_index_constituents(prices, capability, shares, months())
    gpu = ix.gpu_rental_index(ix.load_anchors(INPUTS / "gpu_anchors.csv"), months(),
                              segment=ix.DEFAULT_GPU_SEGMENT)
    return token, parts, gpu


def _write(frame: pd.DataFrame, path: Path) -> Path:
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
    out.to_csv(path, index=False, float_format="%.6f", lineterminator="\n")
    return path


def build(out_dir: Path = HERE) -> list[Path]:
    """Write the three CSV files into ``out_dir`` and return their paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    token, parts, gpu = build_series()
    return [
        _write(token.frame(), out_dir / "token_index_monthly.csv"),
        _write(parts, out_dir / "token_index_constituents.csv"),
        _write(gpu.frame(), out_dir / "gpu_h100_index_monthly.csv"),
    ]


def main() -> None:
    token, _, gpu = build_series()
    for path in build():
        print(f"wrote {path.relative_to(REPO)}")
    for series in (token, gpu):
        for warning in series.warnings:
            print(f"note ({series.name}): {warning.message}")


if __name__ == "__main__":
    main()
