"""Contract calendar: last trading days, the listed months on a date, and the day count.

Rules (this app's assumptions, see :mod:`hedging.contracts.specs`):

* Token contract (SIT): last trading day is the third Wednesday of the delivery month
  (arXiv 2603.21690 §5); listed are the 6 consecutive monthly contracts whose last trading day is
  on or after the as-of date, then the next 4 quarterly months (Mar, Jun, Sep, Dec) after them.
* GPU contract (GPUH): last trading day is the last business day of the delivery month
  (``markets.md`` §A2, after CME index-settled contracts); 12 consecutive monthly contracts.

Business days are Monday to Friday. **Exchange holidays are ignored**: a holiday on a last
trading day would move it in a real rulebook, not here.

Day count: :func:`year_fraction` is actual days / 365.25 (ACT/365.25), the time unit of the price
model (years).
"""

from __future__ import annotations

import calendar as _stdlib_calendar
import datetime as dt
from dataclasses import dataclass

from hedging.contracts.specs import ContractSpec

#: CME month codes, January..December.
MONTH_CODES: str = "FGHJKMNQUVXZ"
QUARTERLY_MONTHS: tuple[int, ...] = (3, 6, 9, 12)
DAYS_PER_YEAR: float = 365.25


def month_code(month: int) -> str:
    """CME month code: ``month_code(1) == "F"``, ``month_code(12) == "Z"``."""
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1..12, got {month}")
    return MONTH_CODES[month - 1]


def third_wednesday(year: int, month: int) -> dt.date:
    """Third Wednesday of a month.

    The first Wednesday falls on day ``1 + (2 - weekday(1st)) mod 7`` (Monday = 0); add 14 days.

    Examples
    --------
    >>> third_wednesday(2026, 1)
    datetime.date(2026, 1, 21)
    >>> third_wednesday(2027, 6)
    datetime.date(2027, 6, 16)
    """
    first = dt.date(year, month, 1)
    first_wednesday = 1 + (2 - first.weekday()) % 7
    return dt.date(year, month, first_wednesday + 14)


def last_business_day(year: int, month: int) -> dt.date:
    """Last Monday-to-Friday day of a month (holidays ignored).

    Examples
    --------
    >>> last_business_day(2026, 1)   # 31 Jan 2026 is a Saturday
    datetime.date(2026, 1, 30)
    """
    day = dt.date(year, month, _stdlib_calendar.monthrange(year, month)[1])
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def business_day_on_or_after(day: dt.date) -> dt.date:
    """The first Monday-to-Friday day on or after ``day`` (holidays ignored).

    >>> business_day_on_or_after(dt.date(2026, 12, 5))   # a Saturday
    datetime.date(2026, 12, 7)
    """
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def last_trading_day(spec: ContractSpec, year: int, month: int) -> dt.date:
    """Last trading day of the ``year``-``month`` contract under ``spec.last_trading_day_rule``."""
    if spec.last_trading_day_rule == "third_wednesday":
        return third_wednesday(year, month)
    if spec.last_trading_day_rule == "last_business_day":
        return last_business_day(year, month)
    raise ValueError(f"unknown last trading day rule {spec.last_trading_day_rule!r}")


def year_fraction(d0: dt.date, d1: dt.date) -> float:
    """Time between two dates in years, ACT/365.25: ``(d1 - d0).days / 365.25``.

    Negative when ``d1`` is before ``d0``. Worked number: 2026-01-01 to 2027-01-01 is
    365 / 365.25 = 0.99932 years.
    """
    return (_as_date(d1) - _as_date(d0)).days / DAYS_PER_YEAR


@dataclass(frozen=True)
class ListedContract:
    """One listed delivery month of a contract.

    ``settlement_start``..``settlement_end`` (inclusive) is the window of daily index values the
    final settlement uses: the last trading day alone for ``"point"`` contracts, the whole
    delivery month for ``"monthly_average"`` contracts.
    """

    root: str
    symbol: str
    year: int
    month: int
    first_day: dt.date
    last_day: dt.date
    last_trading_day: dt.date
    settlement: str
    settlement_start: dt.date
    settlement_end: dt.date
    quarterly_listing: bool = False

    @property
    def delivery_month(self) -> dt.date:
        """First day of the delivery month (a convenient sortable key)."""
        return self.first_day

    @property
    def label(self) -> str:
        """Delivery month as ``YYYY-MM``."""
        return f"{self.year:04d}-{self.month:02d}"


def contract_for_month(spec: ContractSpec, year: int, month: int, *,
                       quarterly_listing: bool = False) -> ListedContract:
    """The contract of ``spec`` delivering in ``year``-``month``, e.g. SIT Jan 2027 = ``SITF27``."""
    first = dt.date(year, month, 1)
    last = dt.date(year, month, _stdlib_calendar.monthrange(year, month)[1])
    ltd = last_trading_day(spec, year, month)
    if spec.settlement == "monthly_average":
        window = (first, last)
    else:
        window = (ltd, ltd)
    return ListedContract(
        root=spec.root, symbol=f"{spec.root}{month_code(month)}{year % 100:02d}", year=year,
        month=month, first_day=first, last_day=last, last_trading_day=ltd,
        settlement=spec.settlement, settlement_start=window[0], settlement_end=window[1],
        quarterly_listing=quarterly_listing,
    )


def listed_contracts(spec: ContractSpec, as_of: dt.date) -> list[ListedContract]:
    """Contracts listed on ``as_of``, front first.

    A contract is listed while its last trading day is on or after ``as_of`` (it still trades on
    its last day). ``spec.listing_rule`` ``"m monthly + q quarterly"`` lists the first ``m``
    consecutive such months, then the next ``q`` quarterly months (Mar/Jun/Sep/Dec) strictly after
    the last monthly one.

    Examples
    --------
    On 2026-01-21 (the SIT January last trading day) the front SIT contract is still ``SITF26``;
    on 2026-01-22 the six monthlies are Feb-Jul 2026 and the quarterlies Sep 2026, Dec 2026,
    Mar 2027, Jun 2027.
    """
    as_of = _as_date(as_of)
    monthly, quarterly = spec.listing_counts
    year, month = as_of.year, as_of.month
    if last_trading_day(spec, year, month) < as_of:
        year, month = _next_month(year, month)
    out = []
    for _ in range(monthly):
        out.append(contract_for_month(spec, year, month))
        year, month = _next_month(year, month)
    while len(out) < monthly + quarterly:
        if month in QUARTERLY_MONTHS:
            out.append(contract_for_month(spec, year, month, quarterly_listing=True))
        year, month = _next_month(year, month)
    return out


def find_contract(spec: ContractSpec, symbol: str) -> ListedContract:
    """Parse a symbol such as ``"SITF27"`` back into its contract (years read as 20YY)."""
    text = symbol.strip().upper()
    if not text.startswith(spec.root) or len(text) != len(spec.root) + 3:
        raise ValueError(f"{symbol!r} is not a {spec.root} symbol like {spec.root}F27")
    code, yy = text[len(spec.root)], text[len(spec.root) + 1:]
    if code not in MONTH_CODES or not yy.isdigit():
        raise ValueError(f"{symbol!r}: month code must be one of {MONTH_CODES} and year two digits")
    return contract_for_month(spec, 2000 + int(yy), MONTH_CODES.index(code) + 1)


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def _as_date(value: dt.date) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raise TypeError(f"expected a date, got {type(value).__name__}")
