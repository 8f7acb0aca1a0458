"""Natural hedges: what the company has already fixed, netted before any financial hedge is sized.

A treasurer nets what is already fixed first (a fuel supply contract at a fixed price needs no
swap). For compute the contracts that do so are entered per provider and period as
:class:`Commitment` rows, and each kind changes the month's spend on every simulated path as
follows (``V`` the provider's volume in the month, ``P`` the company's floating unit price on the
path, ``r`` what is still floating after the rows above it):

* ``reserved`` (a reserved GPU cluster at a fixed hourly rate, provisioned throughput at a fixed
  fee): ``Q`` units a month at ``p`` USD per unit, take-or-pay. The company pays ``Q p`` whatever
  it uses; the first ``min(V, Q)`` units cost nothing more, only ``max(V - Q, 0)`` floats. Price
  risk is removed on the hours it covers; unused capacity is still paid (a volume risk the
  contract creates, not a price risk).
* ``contracted`` (a contracted price per unit for a share of the provider's usage, no volume
  obligation): ``s V`` units at ``p``; the rest floats. Price risk on that share is removed;
  its volume risk stays.
* ``discount`` (a negotiated discount ``d`` off the floating price): the covered volume still
  pays the market price, times ``1 - d``. The *percentage* price risk is unchanged (the price
  still moves with the index); the dollar risk of that volume falls by ``d``, exactly as it would
  on ``(1 - d) V`` undiscounted units. So it is not fixed-price volume: it scales the
  price-exposed volume (in index units) by ``1 - d``, and the minimum-variance hedge of a spend
  ``(1 - d) V P`` is ``1 - d`` times that of ``V P``. A discount already in force in the imported
  history is already in the company's unit price and is not applied again.
* ``prepaid`` credits of ``A`` USD: with no fixed unit price (credits drawn down at list price),
  the draw-down removes cash outflow, not price risk: spend (the expense) and the hedge are
  unchanged, and the draw-down is reported as cash already paid. With a fixed unit price ``p``
  (a prepaid block of GPU-hours), the block of ``A / p`` units is fixed-price volume used first
  come, month by month, until it is spent.

Order within a month: rows naming a provider before rows on the whole underlying; within those,
reserved, contracted and fixed-price prepaid rows in the order given (each takes from what is
still floating), then discounts (compounding), then cash prepayments. A provider's volume is its
share of the underlying's volume in the last three reported months (the forecast is of the
total). The result per path and month: ``spend = exposed x P + fixed_cost`` where ``exposed`` is
the floating volume after discounts (index-equivalent units) — the quantity the hedge is sized on.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hedging import fmt
from hedging.errors import HedgingWarning, InputError

KINDS = {
    "reserved": "Reserved capacity or provisioned throughput at a fixed rate (take-or-pay)",
    "contracted": "Contracted fixed price on a share of usage",
    "discount": "Negotiated discount off the floating price",
    "prepaid": "Prepaid credits",
}
KIND_SHORT = {"reserved": "reserved at a fixed rate", "contracted": "contracted fixed price",
              "discount": "negotiated discount", "prepaid": "prepaid credits"}
UNDERLYINGS = ("token", "gpu")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _finite(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


@dataclass(frozen=True)
class Commitment:
    """One natural hedge: a contract with one provider (or all of an underlying) for a period.

    ``volume`` is units a month (M tokens or GPU-hours), ``price`` USD per unit, ``share`` and
    ``discount`` percent, ``amount`` USD; which apply depends on ``kind`` (see the module text).
    """

    kind: str
    underlying: str
    start: str                 # YYYY-MM, first month covered
    end: str                   # YYYY-MM, last month covered
    provider: str = ""         # "" = the whole underlying
    volume: float | None = None
    price: float | None = None
    share: float | None = None
    discount: float | None = None
    amount: float | None = None
    label: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise InputError(f"unknown kind of commitment {self.kind!r}.", column="kind", value=self.kind,
                             fix="use one of " + ", ".join(KINDS) + ".")
        if self.underlying not in UNDERLYINGS:
            raise InputError(f"unknown underlying {self.underlying!r}.", column="underlying", value=self.underlying,
                             fix="use token or gpu.")
        for name in ("start", "end"):
            if not _MONTH.match(str(getattr(self, name))):
                raise InputError("a month must read YYYY-MM.", column=f"{name} month", value=getattr(self, name),
                                 fix="e.g. 2027-01.")
        if self.end < self.start:
            raise InputError(f"the period ends ({self.end}) before it starts ({self.start}).", column="end month",
                             value=self.end, fix="give a last month on or after the first.")
        need = {"reserved": ("volume", "price"), "contracted": ("price", "share"), "discount": ("discount",),
                "prepaid": ("amount",)}[self.kind]
        for name in need:
            if getattr(self, name) is None:
                raise InputError(f"a {KIND_SHORT[self.kind]} row needs its {_COLUMN[name]}.", column=_COLUMN[name],
                                 fix=_FIX[name])
        for name in ("volume", "price", "share", "discount", "amount"):
            value = getattr(self, name)
            if value is None:
                continue
            if not _finite(value):
                raise InputError("this must be a finite number.", column=_COLUMN[name], value=value, fix=_FIX[name])
            if name in ("volume", "price", "amount") and value <= 0:
                raise InputError("this must be above zero.", column=_COLUMN[name], value=value, fix=_FIX[name])
            if name == "share" and not 0 < value <= 100:
                raise InputError("a share of usage must be above 0% and at most 100%.", column=_COLUMN[name],
                                 value=value, fix=_FIX[name])
            if name == "discount" and not 0 < value < 100:
                raise InputError("a discount must be above 0% and below 100%.", column=_COLUMN[name], value=value,
                                 fix=_FIX[name])

    @property
    def months(self) -> pd.DatetimeIndex:
        return pd.date_range(pd.Timestamp(self.start + "-01"), pd.Timestamp(self.end + "-01"), freq="MS")

    @property
    def fixes_price(self) -> bool:
        """True when the row turns floating volume into fixed-price volume."""
        return self.kind in ("reserved", "contracted") or (self.kind == "prepaid" and self.price is not None)

    def terms(self, unit: str = "unit") -> str:
        """The row's terms in words, in the product's number format."""
        per = f"{fmt.price(self.price) if self.price is not None else ''} per {_one(unit)}"
        if self.kind == "reserved":
            return f"{fmt.number(self.volume, unit=unit)} a month at {per}, take-or-pay"
        if self.kind == "contracted":
            return f"{fmt.share(self.share / 100.0, 0)} of usage at {per}"
        if self.kind == "discount":
            return f"{fmt.share(self.discount / 100.0)} off the floating price"
        if self.price is not None:
            return (f"{fmt.money(self.amount)} prepaid at {per} "
                    f"({fmt.number(self.amount / self.price, unit=unit)})")
        return f"{fmt.money(self.amount)} of credits drawn at the floating price"

    def price_effect(self) -> str:
        """What the row does to price risk, in one treasurer's sentence."""
        if self.kind == "reserved":
            return "removes price risk on the hours it covers; unused capacity is still paid"
        if self.kind == "contracted":
            return "removes price risk on the share it covers; volume still varies"
        if self.kind == "discount":
            return "lowers price and dollar risk by the discount; the percentage risk stays"
        if self.price is not None:
            return "removes price risk on the prepaid block until it is used up"
        return "removes cash outflow, not price risk (drawn at the floating price)"


_COLUMN = {"volume": "volume per month", "price": "price (USD per unit)", "share": "share of usage %",
           "discount": "discount %", "amount": "amount (USD)"}
_FIX = {"volume": "give the units reserved each month, e.g. 46080 GPU-hours for 64 GPUs all month.",
        "price": "give the fixed price in USD per unit, e.g. 2.10 per GPU-hour or 3.00 per M tokens.",
        "share": "give the percent of that provider's usage the price covers, e.g. 100.",
        "discount": "give the percent off the floating price, e.g. 15.",
        "amount": "give the prepaid amount in USD, e.g. 250000."}


def _one(unit: str) -> str:
    return {"GPU-hours": "GPU-hour", "M tokens": "M tokens"}.get(unit, unit)


@dataclass(frozen=True, eq=False)
class NaturalEffect:
    """The commitments applied to one underlying's paths; every array is (n_paths, months)."""

    exposed: np.ndarray        # floating volume after discounts, index-equivalent units (what a hedge is sized on)
    floating: np.ndarray       # floating volume, units (before discounts)
    fixed_volume: np.ndarray   # units used at a fixed price
    fixed_cost: np.ndarray     # USD paid at fixed prices (take-or-pay in full)
    unused: np.ndarray         # reserved units paid for and not used
    prepaid_cash: np.ndarray   # USD of floating spend paid from prepaid credits (no cash outflow in the month)
    spend: np.ndarray          # exposed x price + fixed_cost
    by_row: tuple              # per commitment: dict of (n_paths, months) arrays "volume", "cost", "cash"
    warnings: tuple[HedgingWarning, ...] = ()


def provider_key(name: str, shares: dict[str, float]) -> str:
    """The provider as the imports name it (case-insensitive match), or an error listing them."""
    if name == "":
        return ""
    for p in shares:
        if p.strip().lower() == name.strip().lower():
            return p
    raise InputError(f"no recent usage from a provider called {name!r}.", column="provider", value=name,
                     fix="use one of " + ", ".join(sorted(shares)) + ", or leave it empty for the whole underlying.")


def apply_commitments(commitments, months: pd.DatetimeIndex, volume: np.ndarray, price: np.ndarray,
                      provider_share: dict[str, float], history_end: pd.Timestamp | None = None) -> NaturalEffect:
    """Apply ``commitments`` (all on one underlying) to ``volume`` and ``price`` paths over ``months``.

    ``provider_share`` maps each provider to its share of the underlying's volume (summing to 1);
    ``history_end`` is the last reported month (a discount starting on or before it is already in
    the unit price and is left out, with a warning).
    """
    volume = np.asarray(volume, float)
    price = np.asarray(price, float)
    n, k = volume.shape
    shares = {p: float(s) for p, s in provider_share.items() if s > 0} or {"": 1.0}
    total_share = sum(shares.values())
    shares = {p: s / total_share for p, s in shares.items()}
    rows = list(commitments)
    keys = [provider_key(c.provider, shares) for c in rows]
    warnings: list[HedgingWarning] = []
    skip = set()
    for i, c in enumerate(rows):
        if c.kind == "discount" and history_end is not None and pd.Timestamp(c.start + "-01") <= history_end:
            skip.add(i)
            warnings.append(HedgingWarning("discount_in_history", (
                f"The {c.discount:g}% discount{' with ' + c.provider if c.provider else ''} starts in {c.start}, "
                f"within the imported history (to {history_end:%b %Y}): the invoices already carry it, so the "
                "forecast price already includes it and it is not applied again.")))
    order = sorted(range(len(rows)), key=lambda i: (keys[i] == "", 0 if rows[i].fixes_price else
                                                    (1 if rows[i].kind == "discount" else 2), i))
    pool_units = {i: np.full(n, rows[i].amount / rows[i].price) for i in order
                  if rows[i].kind == "prepaid" and rows[i].price is not None}
    pool_cash = {i: np.full(n, rows[i].amount) for i in order if rows[i].kind == "prepaid" and rows[i].price is None}
    exposed = np.empty((n, k))
    floating = np.empty((n, k))
    fixed_volume = np.zeros((n, k))
    fixed_cost = np.zeros((n, k))
    unused = np.zeros((n, k))
    cash = np.zeros((n, k))
    by_row = [{"volume": np.zeros((n, k)), "cost": np.zeros((n, k)), "cash": np.zeros((n, k)),
               "unused": np.zeros((n, k))} for _ in rows]
    for j, month in enumerate(pd.DatetimeIndex(months)):
        base = {p: s * volume[:, j] for p, s in shares.items()}
        left = {p: v.copy() for p, v in base.items()}
        factor = {p: np.ones(n) for p in shares}
        for i in order:
            c = rows[i]
            if i in skip or not (c.start <= f"{month:%Y-%m}" <= c.end):
                continue
            targets = [keys[i]] if keys[i] else list(shares)
            avail = sum(left[p] for p in targets)
            if c.fixes_price:
                if c.kind == "reserved":
                    take = np.minimum(c.volume, avail)
                    paid = np.full(n, c.volume * c.price)
                    unused[:, j] += c.volume - take
                    by_row[i]["unused"][:, j] = c.volume - take
                elif c.kind == "contracted":
                    take = np.minimum(c.share / 100.0 * sum(base[p] for p in targets), avail)
                    paid = take * c.price
                else:
                    take = np.minimum(pool_units[i], avail)
                    pool_units[i] = pool_units[i] - take
                    paid = take * c.price
                with np.errstate(divide="ignore", invalid="ignore"):
                    keep = np.where(avail > 0, 1.0 - take / avail, 0.0)
                for p in targets:
                    left[p] = left[p] * keep
                fixed_volume[:, j] += take
                fixed_cost[:, j] += paid
                by_row[i]["volume"][:, j] = take
                by_row[i]["cost"][:, j] = paid
            elif c.kind == "discount":
                by_row[i]["volume"][:, j] = avail
                by_row[i]["cost"][:, j] = -c.discount / 100.0 * sum(left[p] * factor[p] for p in targets) * price[:, j]
                for p in targets:
                    factor[p] = factor[p] * (1.0 - c.discount / 100.0)
            else:  # cash prepayment at the floating price
                due = sum(left[p] * factor[p] for p in targets) * price[:, j]
                drawn = np.minimum(pool_cash[i], due)
                pool_cash[i] = pool_cash[i] - drawn
                cash[:, j] += drawn
                by_row[i]["cash"][:, j] = drawn
        floating[:, j] = sum(left.values())
        exposed[:, j] = sum(left[p] * factor[p] for p in shares)
    for i, c in enumerate(rows):
        idle = float(by_row[i]["unused"].mean(axis=0).sum())
        if c.kind == "reserved" and idle > 0.05 * c.volume:
            warnings.append(HedgingWarning("reserved_unused", (
                f"The reserved capacity {('with ' + c.provider + ' ') if c.provider else ''}({c.start} – {c.end}) "
                f"exceeds the forecast usage: on average {fmt.count(idle)} units over the period are paid for and "
                "not used (take-or-pay). That is volume risk the commitment adds; no hedge removes it.")))
    spend = exposed * price + fixed_cost
    return NaturalEffect(exposed, floating, fixed_volume, fixed_cost, unused, cash, spend, tuple(by_row),
                         tuple(warnings))


# --- the CSV template ---------------------------------------------------------------------------
CSV_COLUMNS = ("kind", "underlying", "provider", "start month", "end month", "volume per month",
               "price (USD per unit)", "share of usage %", "discount %", "amount (USD)", "label")
_FIELDS = {"volume per month": "volume", "price (USD per unit)": "price", "share of usage %": "share",
           "discount %": "discount", "amount (USD)": "amount"}
TEMPLATE_ROWS = (
    ("reserved", "gpu", "", "2027-01", "2027-12", "46080", "2.10", "", "", "", "64 H100s reserved for a year"),
    ("contracted", "token", "", "2027-01", "2027-06", "", "2.50", "50", "", "", "enterprise agreement"),
    ("discount", "token", "", "2027-07", "2027-12", "", "", "", "15", "", "volume discount from July"),
    ("prepaid", "token", "", "2027-01", "2027-12", "", "", "", "", "250000", "prepaid credits"),
)


def _cell_number(text: str, file: str, row: int, column: str) -> float | None:
    t = text.strip().replace(",", "").replace("$", "").replace("%", "")
    if t == "":
        return None
    try:
        value = float(t)
    except ValueError:
        raise InputError("this is not a number.", file=file, row=row, column=column, value=text,
                         fix="write a plain number such as 2.10 or 46080 (no units in the cell).") from None
    if not math.isfinite(value):
        raise InputError("this must be a finite number.", file=file, row=row, column=column, value=text,
                         fix="write a plain number such as 2.10.")
    return value


def parse_commitments_csv(data: bytes, file: str = "commitments.csv") -> tuple[Commitment, ...]:
    """Commitments from the CSV template (header row 1); every row is checked and the first bad
    one is reported by row, column and value. Nothing is returned unless every row is valid."""
    import csv
    import io

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("the file is not UTF-8 text.", file=file,
                         fix="save it as CSV (UTF-8) from your spreadsheet.") from None
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise InputError("the file is empty.", file=file, fix="start from the template's header row.") from None
    except csv.Error as err:
        raise InputError(f"the file is not readable CSV ({err}).", file=file, fix="save it as CSV.") from None
    canonical = {c.lower(): c for c in CSV_COLUMNS}
    names = [canonical.get(h.strip().lower(), h.strip()) for h in header]
    missing = [c for c in CSV_COLUMNS if c != "label" and c not in names]
    if missing:
        raise InputError("the header lacks column(s) " + ", ".join(f"`{m}`" for m in missing) + ".", file=file, row=1,
                         fix="use the template's header: " + ", ".join(CSV_COLUMNS) + ".")
    unknown = [h for h in names if h and h not in CSV_COLUMNS]
    repeated = sorted({h for h in names if h and names.count(h) > 1})
    if repeated:
        raise InputError("column(s) " + ", ".join(f"`{h}`" for h in repeated) + " appear more than once.",
                         file=file, row=1, fix="keep one of each column.")
    if unknown:
        raise InputError("unknown column(s) " + ", ".join(f"`{u}`" for u in unknown) + ".", file=file, row=1,
                         fix="use only the template's columns: " + ", ".join(CSV_COLUMNS) + ".")
    out = []
    try:
        for r, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            if len(cells) > len(names):
                raise InputError(f"the row has {len(cells)} cells for {len(names)} columns.", file=file, row=r,
                                 fix="quote cells that contain commas, or remove the extra cells.")
            cell = dict(zip(names, cells + [""] * (len(names) - len(cells))))
            numbers = {f: _cell_number(cell[col], file, r, col) for col, f in _FIELDS.items()}
            try:
                out.append(Commitment(kind=cell["kind"].strip().lower(), underlying=cell["underlying"].strip().lower(),
                                      start=cell["start month"].strip(), end=cell["end month"].strip(),
                                      provider=cell["provider"].strip(), label=cell.get("label", "").strip(),
                                      **numbers))
            except InputError as err:
                raise InputError(err.problem, file=file, row=r, column=err.column, value=err.value,
                                 fix=err.fix) from None
    except csv.Error as err:
        raise InputError(f"the file is not readable CSV ({err}).", file=file, fix="save it as CSV.") from None
    if not out:
        raise InputError("the file has a header but no commitments.", file=file, row=2,
                         fix="add one row per contract, as in the template.")
    return tuple(out)


def template_csv() -> bytes:
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    w.writerows(TEMPLATE_ROWS)
    return buf.getvalue().encode()
