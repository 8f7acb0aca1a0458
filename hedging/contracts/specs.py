"""Contract specifications: the bundled data file ``specs.json`` and its validating loader.

Specs are data, not code. No exchange has listed futures on an AI-token or GPU-hour price index,
so every value here is this app's assumption, after the SIT design of arXiv 2603.21690 §5
(token contract) and the suggested local GPU contract of ``markets.md`` §A2. Each spec carries an
``assumption_note`` that the UI shows next to any number computed from it.

Units
-----
``lot_size`` is the contract size in *quote units*: a price quoted in USD per million tokens times
``lot_size = 1`` gives USD per lot (1 lot = 1M tokens); a price in USD per GPU-hour times
``lot_size = 1000`` gives USD per lot (1 lot = 1,000 GPU-hours). Hence

    notional per lot = price x lot_size,    tick_value = tick x lot_size.

Worked number: GPUH at $2.50/GPU-hour has a notional of 2.50 x 1000 = $2,500 per lot and a tick
value of 0.005 x 1000 = $5.00.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Mapping

from hedging.errors import InputError

BUNDLED_FILE = "specs.json"

UNDERLYINGS: tuple[str, ...] = ("token_index", "gpu_index")
LAST_TRADING_DAY_RULES: tuple[str, ...] = ("third_wednesday", "last_business_day")
SETTLEMENTS: tuple[str, ...] = ("point", "monthly_average")

_MONTHLY_QUARTERLY = re.compile(r"^\s*(\d+)\s+monthly\s*\+\s*(\d+)\s+quarterly\s*$")
_CONSECUTIVE = re.compile(r"^\s*(\d+)\s+consecutive\s+monthly\s*$")
_ROOT = re.compile(r"^[A-Z]{2,6}$")

#: Relative tolerance of the ``tick_value == tick x lot_size`` check (absolute below $1).
TICK_VALUE_TOLERANCE = 1e-12


@dataclass(frozen=True)
class ContractSpec:
    """One futures contract design. Every field is an assumption of this app (see ``assumption_note``).

    Attributes
    ----------
    root : str
        Symbol root, e.g. ``"SIT"``; listed symbols append a CME month code and a 2-digit year.
    lot_size : float
        Contract size in quote units (1 for 1M tokens quoted per million; 1000 GPU-hours).
    tick, tick_value : float
        Minimum price step in quote units, and its value in USD per lot (= tick x lot_size).
    listing_rule : str
        ``"<m> monthly + <q> quarterly"`` or ``"<n> consecutive monthly"``.
    last_trading_day_rule : str
        ``"third_wednesday"`` or ``"last_business_day"`` of the delivery month.
    settlement : str
        ``"point"`` (index on the last trading day) or ``"monthly_average"`` (arithmetic mean of
        the daily index over the delivery month).
    price_limit_tier1, price_limit_tier2 : float
        Daily move limits as fractions of the previous settlement (0.15 halt, 0.25 close).
    margin_alpha, margin_floor_fraction, maintenance_ratio : float
        Paper eq. 7 coverage coefficient, the initial-margin floor as a fraction of notional,
        and maintenance as a fraction of initial.
    spread_front, spread_back : float
        Market-maker bid-ask width as a fraction of mid, front month and back month.
    fee_per_lot : float
        Assumed all-in exchange and clearing fee, USD per lot per side.
    """

    root: str
    name: str
    underlying: str
    unit: str
    lot_size: float
    quote_unit: str
    tick: float
    tick_value: float
    listing_rule: str
    last_trading_day_rule: str
    settlement: str
    price_limit_tier1: float
    price_limit_tier2: float
    margin_alpha: float
    margin_floor_fraction: float
    maintenance_ratio: float
    spread_front: float
    spread_back: float
    fee_per_lot: float
    assumption_note: str
    sources: tuple[str, ...] = ()

    @property
    def listing_counts(self) -> tuple[int, int]:
        """(consecutive monthly contracts, quarterly contracts after them), e.g. ``(6, 4)``."""
        return parse_listing_rule(self.listing_rule)

    def notional(self, price: float) -> float:
        """USD value of one lot at ``price`` (quote units): ``price x lot_size``."""
        return price * self.lot_size


def parse_listing_rule(rule: str) -> tuple[int, int]:
    """Read a listing rule into ``(monthly, quarterly)`` counts.

    >>> parse_listing_rule("6 monthly + 4 quarterly")
    (6, 4)
    >>> parse_listing_rule("12 consecutive monthly")
    (12, 0)
    """
    text = str(rule)
    m = _MONTHLY_QUARTERLY.match(text)
    if m:
        return int(m.group(1)), int(m.group(2))
    m = _CONSECUTIVE.match(text)
    if m:
        return int(m.group(1)), 0
    raise ValueError(f"unknown listing rule {rule!r}")


# --- loading --------------------------------------------------------------------------------

_TEXT_FIELDS = ("root", "name", "underlying", "unit", "quote_unit", "listing_rule",
                "last_trading_day_rule", "settlement", "assumption_note")
_NUMBER_FIELDS = ("lot_size", "tick", "tick_value", "price_limit_tier1", "price_limit_tier2",
                  "margin_alpha", "margin_floor_fraction", "maintenance_ratio", "spread_front",
                  "spread_back", "fee_per_lot")
_OPTIONAL_FIELDS = ("sources",)
_ALL_FIELDS = frozenset(_TEXT_FIELDS + _NUMBER_FIELDS + _OPTIONAL_FIELDS)


def load_specs(path: str | Path | None = None) -> dict[str, ContractSpec]:
    """Load and validate contract specs, keyed by symbol root.

    Parameters
    ----------
    path : str or Path, optional
        A JSON file shaped like the bundled ``hedging/contracts/specs.json``. ``None`` reads the
        bundled file.

    Returns
    -------
    dict[str, ContractSpec]
        e.g. ``{"SIT": ContractSpec(...), "GPUH": ContractSpec(...)}``.

    Raises
    ------
    InputError
        On unreadable JSON or any invalid field; the message names the contract, the field, the
        value and the fix.
    """
    if path is None:
        source = f"hedging/contracts/{BUNDLED_FILE}"
        text = resources.files("hedging.contracts").joinpath(BUNDLED_FILE).read_text("utf-8")
    else:
        source = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot read the spec file ({exc.strerror}).", file=source,
                             fix="Check the path, or pass no path to use the bundled specs.") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}.",
                         file=source, fix="Correct the JSON syntax (a validator shows the spot).") from exc
    return parse_specs(data, source=source)


def parse_specs(data: Any, *, source: str = "specs") -> dict[str, ContractSpec]:
    """Validate an already-decoded spec document (``{"contracts": [ {...}, ... ]}``)."""
    if not isinstance(data, Mapping) or not isinstance(data.get("contracts"), list):
        raise InputError("expected an object with a list under `contracts`.", file=source,
                         column="contracts", value=type(data).__name__,
                         fix='Write {"contracts": [{...}, ...]} as the bundled specs.json does.')
    if not data["contracts"]:
        raise InputError("the spec file lists no contracts.", file=source, column="contracts",
                         fix="Add at least one contract.")
    specs: dict[str, ContractSpec] = {}
    for i, entry in enumerate(data["contracts"]):
        spec = _parse_contract(entry, i, source)
        if spec.root in specs:
            raise InputError(f"contract root {spec.root!r} appears twice.", file=source,
                             column="root", value=spec.root, fix="Give every contract its own root.")
        specs[spec.root] = spec
    return specs


def _parse_contract(entry: Any, index: int, source: str) -> ContractSpec:
    label = f"contract #{index + 1}"
    if not isinstance(entry, Mapping):
        raise InputError(f"{label} is not an object.", file=source, column="contracts",
                         value=entry, fix="Write each contract as a JSON object of fields.")
    if isinstance(entry.get("root"), str) and entry["root"]:
        label = f"contract {entry['root']}"

    def fail(field: str, value: object, problem: str, fix: str) -> InputError:
        return InputError(f"{label}: {problem}", file=source, column=field, value=value, fix=fix)

    unknown = sorted(set(entry) - _ALL_FIELDS)
    if unknown:
        raise fail(unknown[0], entry[unknown[0]], "unknown field.",
                   f"Remove it or correct the spelling; known fields: {', '.join(sorted(_ALL_FIELDS))}.")
    for field in _TEXT_FIELDS + _NUMBER_FIELDS:
        if field not in entry:
            raise fail(field, None, "required field is missing.", f"Add `{field}`.")
    for field in _TEXT_FIELDS:
        if not isinstance(entry[field], str) or not entry[field].strip():
            raise fail(field, entry[field], "must be non-empty text.", f"Write `{field}` as text.")
    values: dict[str, float] = {}
    for field in _NUMBER_FIELDS:
        v = entry[field]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise fail(field, v, "must be a finite number.", f"Write `{field}` as a plain number.")
        values[field] = float(v)

    root = entry["root"]
    if not _ROOT.match(root):
        raise fail("root", root, "must be 2-6 capital letters.", "Use a root such as SIT or GPUH.")
    _check_choice(fail, entry, "underlying", UNDERLYINGS)
    _check_choice(fail, entry, "last_trading_day_rule", LAST_TRADING_DAY_RULES)
    _check_choice(fail, entry, "settlement", SETTLEMENTS)
    try:
        monthly, quarterly = parse_listing_rule(entry["listing_rule"])
    except ValueError:
        raise fail("listing_rule", entry["listing_rule"], "unknown listing rule.",
                   'Write "<m> monthly + <q> quarterly" or "<n> consecutive monthly".') from None
    if monthly < 1 or monthly + quarterly > 60:
        raise fail("listing_rule", entry["listing_rule"], "needs 1 to 60 listed months.",
                   "List at least one monthly contract and at most 60 in all.")

    for field in ("lot_size", "tick", "margin_alpha"):
        if values[field] <= 0:
            raise fail(field, entry[field], "must be positive.", f"Set `{field}` above zero.")
    expected = values["tick"] * values["lot_size"]
    if abs(values["tick_value"] - expected) > TICK_VALUE_TOLERANCE * max(1.0, abs(expected)):
        raise fail("tick_value", entry["tick_value"],
                   f"must equal tick x lot_size = {values['tick']:g} x {values['lot_size']:g} "
                   f"= {expected:g}.", f"Set `tick_value` to {expected:g} or correct tick/lot_size.")
    t1, t2 = values["price_limit_tier1"], values["price_limit_tier2"]
    if not 0 < t1 < t2 < 1:
        field = "price_limit_tier2" if 0 < t1 < 1 and not 0 < t2 < 1 else "price_limit_tier1"
        raise fail(field, entry[field],
                   f"price limits must satisfy 0 < tier1 < tier2 < 1 (got {t1:g}, {t2:g}).",
                   "Write limits as fractions, e.g. 0.15 and 0.25.")
    if not 0 <= values["margin_floor_fraction"] < 1:
        raise fail("margin_floor_fraction", entry["margin_floor_fraction"],
                   "must be a fraction of notional in [0, 1).", "Write e.g. 0.08 for 8%.")
    if not 0 < values["maintenance_ratio"] <= 1:
        raise fail("maintenance_ratio", entry["maintenance_ratio"],
                   "must be in (0, 1]: maintenance cannot exceed initial margin.",
                   "Write e.g. 0.75 for 75% of initial.")
    front, back = values["spread_front"], values["spread_back"]
    if not 0 < front < 1:
        raise fail("spread_front", entry["spread_front"], "must be a fraction of mid in (0, 1).",
                   "Write e.g. 0.02 for 2%.")
    if not front <= back < 1:
        raise fail("spread_back", entry["spread_back"],
                   f"must be at least spread_front ({front:g}) and below 1.", "Write e.g. 0.05 for 5%.")
    if values["fee_per_lot"] < 0:
        raise fail("fee_per_lot", entry["fee_per_lot"], "must not be negative.", "Write 0 for no fee.")

    sources = entry.get("sources", [])
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        raise fail("sources", sources, "must be a list of text.", 'Write ["source 1", ...].')

    return ContractSpec(
        root=root, name=entry["name"].strip(), underlying=entry["underlying"],
        unit=entry["unit"].strip(), quote_unit=entry["quote_unit"].strip(),
        listing_rule=entry["listing_rule"].strip(),
        last_trading_day_rule=entry["last_trading_day_rule"], settlement=entry["settlement"],
        assumption_note=entry["assumption_note"].strip(), sources=tuple(sources), **values,
    )


def _check_choice(fail, entry: Mapping, field: str, choices: tuple[str, ...]) -> None:
    if entry[field] not in choices:
        raise fail(field, entry[field], f"must be one of {', '.join(choices)}.",
                   f"Use one of: {', '.join(choices)}.")
