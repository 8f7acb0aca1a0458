"""Rebuild the shipped index histories from the inputs in ``sample_data/``.

    cd <repo> && python sample_data/indices/build.py

Writes, next to this script:

* ``token_index_monthly.csv``: the token price index (USD per 1M tokens), ``date,value,source``;
* ``token_index_constituents.csv``: each month's provider quotes and weights behind it;
* ``gpu_h100_index_monthly.csv``: the illustrative H100 rental index (USD per GPU-hour);
* ``frontier_basket_monthly.csv``: the frontier-model basket (USD per 1M tokens);
* ``gpu_h100_hyperscaler_monthly.csv``: hyperscaler on-demand H100 (AWS p5 list, USD per GPU-hour).

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

from hedging.market import baskets  # noqa: E402
from hedging.market import index as ix  # noqa: E402

FIRST_MONTH = "2023-01-01"
LAST_MONTH = "2026-11-01"
INPUTS = REPO / "sample_data" / "index_inputs"
LIST_PRICES = REPO / "sample_data" / "list_prices.csv"
HYPERSCALER_SEGMENT = "hyperscaler_on_demand_aws_p5"


def months() -> pd.DatetimeIndex:
    return pd.date_range(FIRST_MONTH, LAST_MONTH, freq="MS")


def list_prices() -> pd.DataFrame:
    """The list prices with the retirement dates of ``index_inputs/retired_models.csv`` merged in."""
    prices = ix.load_list_prices(LIST_PRICES)
    retired = pd.read_csv(INPUTS / "retired_models.csv", parse_dates=["retired_date"])
    dates = prices["model"].map(retired.set_index("model")["retired_date"])
    return prices.assign(retired_date=dates.astype("datetime64[ns]"))


def build_series() -> tuple[ix.IndexSeries, pd.DataFrame, ix.IndexSeries]:
    """The token index, its constituents and the GPU index, from the shipped inputs."""
    prices = list_prices()
    capability = ix.load_capability(INPUTS / "capability.csv")
    shares = ix.load_provider_volumes(INPUTS / "provider_shares.csv")
    token = ix.token_price_index(prices, capability, shares, months(), carry_back=True)
    parts, _ = ix.token_index_constituents(prices, capability, shares, months())
    gpu = ix.gpu_rental_index(ix.load_anchors(INPUTS / "gpu_anchors.csv"), months(),
                              segment=ix.DEFAULT_GPU_SEGMENT)
    return token, parts, gpu


def build_candidates() -> tuple[ix.IndexSeries, ix.IndexSeries]:
    """The other built-in candidates: the frontier-model basket and hyperscaler on-demand H100."""
    members = pd.read_csv(INPUTS / "frontier_members.csv", dtype=str)
    shares = ix.load_provider_volumes(INPUTS / "provider_shares.csv")
    frontier = baskets.frontier_basket_index(ix.load_list_prices(LIST_PRICES), members, shares, months())
    hyperscaler = ix.gpu_rental_index(ix.load_anchors(INPUTS / "gpu_anchors.csv"), months(),
                                      segment=HYPERSCALER_SEGMENT,
                                      name="H100 on-demand, hyperscaler (AWS p5 list price)")
    return frontier, hyperscaler


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
    frontier, hyperscaler = build_candidates()
    return [
        _write(token.frame(), out_dir / "token_index_monthly.csv"),
        _write(parts, out_dir / "token_index_constituents.csv"),
        _write(gpu.frame(), out_dir / "gpu_h100_index_monthly.csv"),
        _write(frontier.frame(), out_dir / "frontier_basket_monthly.csv"),
        _write(hyperscaler.frame(), out_dir / "gpu_h100_hyperscaler_monthly.csv"),
    ]


def main() -> None:
    token, _, gpu = build_series()
    for path in build():
        print(f"wrote {path.relative_to(REPO)}")
    for series in (token, gpu, *build_candidates()):
        for warning in series.warnings:
            print(f"note ({series.name}): {warning.message}")


if __name__ == "__main__":
    main()
