"""Futures contracts on compute price indices: specs (data), calendar, pricing, margin, settlement.

No exchange has listed these contracts; every spec is this app's assumption (see each
``ContractSpec.assumption_note``).
"""

from hedging.contracts.calendar import ListedContract, business_day_on_or_after, listed_contracts, year_fraction
from hedging.contracts.margin import (
    MarginRequirement, SpanScan, initial_margin_paper, margin_requirement, realised_vol_20,
    span_scan,
)
from hedging.contracts.pricing import ForwardCurve, PriceModel, forward_curve, round_to_tick
from hedging.contracts.settlement import (
    FinalSettlement, MarkToMarket, final_settlement, limit_breaches, limit_path, mark_to_market,
)
from hedging.contracts.specs import ContractSpec, load_specs

__all__ = [
    "ContractSpec", "FinalSettlement", "business_day_on_or_after", "ForwardCurve", "ListedContract", "MarginRequirement",
    "MarkToMarket", "PriceModel", "SpanScan", "final_settlement", "forward_curve",
    "initial_margin_paper", "limit_breaches", "limit_path", "listed_contracts", "load_specs",
    "margin_requirement", "mark_to_market", "realised_vol_20", "round_to_tick", "span_scan",
    "year_fraction",
]
