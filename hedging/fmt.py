"""The product's one number format: pages, tables, charts, CSV headers and the PDF all call it.

A reader of a finance pack expects:

- money with thousands separators, whole dollars from $1,000 up and cents below (``$1,234,567``,
  ``$999.50``), negatives with the sign first (``-$1,234``);
- a share as a percentage (``12.3%``) and a change of a share in percentage points (``+4.1 pp``),
  never one for the other;
- a sign on every change (``+$1,234``, ``-2.0 pp``, ``+0.19``) and never ``-0.0%`` or ``+ -x``;
- ``—`` where a number does not apply (None, NaN, infinity);
- contract prices at the contract's tick precision, margins also as a share of notional;
- dates as ``6 Dec 2026`` and months as ``Dec 2026``; counts with separators.

Every function takes anything number-like (int, float, numpy scalar, numeric text) and returns
text; nothing here rounds a stored value (money stays a float until it is shown).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import ROUND_HALF_UP, Context, Decimal

DASH = "—"
MINUS = "-"
CENTS_BELOW = 1000.0     # money below this many dollars shows cents

__all__ = [
    "DASH", "as_number", "money", "money_change", "share", "share_change", "points", "number", "count", "ratio",
    "ratio_change", "tick_decimals", "price", "margin", "date", "month", "term", "multiple", "csv_header",
    "parse_amount", "runs_as_formula", "formula_safe", "UNDERLYING_NAMES", "underlying",
    "PLOTLY_MONEY", "PLOTLY_MONEY_AXIS", "PLOTLY_SHARE", "PLOTLY_SHARE_AXIS", "PLOTLY_COUNT", "PLOTLY_MONTH",
]


def as_number(value: object) -> float | None:
    """``value`` as a finite float, or None when it is not a number (None, NaN, text, a bool)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip().replace(",", "").replace("$", "")
        if not text:
            return None
        try:
            x = float(text)
        except ValueError:
            return None
    else:
        try:
            x = float(value)
        except (TypeError, ValueError):
            return None
    return x if math.isfinite(x) else None


def _round(x: float, places: int) -> Decimal:
    """``|x|`` rounded half up (as a finance reader rounds: $1,234.50 -> $1,235), from its shortest repr."""
    return abs(Decimal(repr(float(x)))).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP,
                                                 context=Context(prec=400))   # every float's digits


def _signed(text: str, negative: bool, signed: bool, zero: bool) -> str:
    """Put the sign in front: "-" for negatives, "+" for positive changes, none for zero."""
    if zero:
        return text
    if negative:
        return MINUS + text
    return ("+" + text) if signed else text


def money(value: object, signed: bool = False, cents: bool | None = None) -> str:
    """US dollars: ``money(1234567.4) == "$1,234,567"``, ``money(-1234) == "-$1,234"``,
    ``money(999.5) == "$999.50"``; cents from the amount (below $1,000) unless ``cents`` says."""
    x = as_number(value)
    if x is None:
        return DASH
    places = 2 if (cents if cents is not None else _round(x, 2) < CENTS_BELOW) else 0
    r = _round(x, places)
    return _signed(f"${r:,.{places}f}", x < 0, signed, r == 0)


def money_change(value: object, cents: bool | None = None) -> str:
    """A change in dollars, always signed: ``+$1,234``, ``-$57``, ``$0``."""
    return money(value, signed=True, cents=cents)


def share(value: object, decimals: int = 1, signed: bool = False) -> str:
    """A fraction as a percentage: ``share(0.123) == "12.3%"``; ``share(-0.0004) == "0.0%"``."""
    x = as_number(value)
    if x is None:
        return DASH
    r = _round(x * 100, decimals)
    return _signed(f"{r:,.{decimals}f}%", x < 0, signed, r == 0)


def share_change(value: object, decimals: int = 1) -> str:
    """A relative change as a signed percentage (``+12.3%``): for growth of an amount, not of a share."""
    return share(value, decimals, signed=True)


def points(value: object, decimals: int = 1) -> str:
    """The change of a share, a fraction, in percentage points: ``points(0.041) == "+4.1 pp"``."""
    x = as_number(value)
    if x is None:
        return DASH
    r = _round(x * 100, decimals)
    return _signed(f"{r:,.{decimals}f} pp", x < 0, True, r == 0)


def number(value: object, decimals: int = 0, signed: bool = False, unit: str = "") -> str:
    """A plain quantity with separators: ``number(1234567) == "1,234,567"``; ``unit`` follows a space."""
    x = as_number(value)
    if x is None:
        return DASH
    r = _round(x, decimals)
    text = _signed(f"{r:,.{decimals}f}", x < 0, signed, r == 0)
    return f"{text} {unit}" if unit else text


def count(value: object, signed: bool = False) -> str:
    """A whole count: lots, rows, paths (``count(12000) == "12,000"``)."""
    return number(value, 0, signed)


def duration(seconds: object) -> str:
    """A time span for a progress message, rounded to what a person reads.

    >>> [duration(s) for s in (0.4, 42, 80, 3725, None)]
    ['1 s', '42 s', '1 min 20 s', '1 h 02 min', '—']
    """
    x = as_number(seconds)
    if x is None or x < 0:
        return DASH
    s = max(1, round(x))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60} s" if s < 600 else f"{round(s / 60)} min"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


def ratio(value: object, decimals: int = 2, signed: bool = False) -> str:
    """A dimensionless statistic (slope, R², MASE): ``ratio(0.8764) == "0.88"``."""
    return number(value, decimals, signed)


def ratio_change(value: object, decimals: int = 2) -> str:
    return number(value, decimals, signed=True)


def term(value: object, decimals: int = 2) -> str:
    """A coefficient written after another term of a formula: ``term(-0.19) == "− 0.19"``,
    ``term(0.19) == "+ 0.19"`` (so a formula never reads "+ -0.19")."""
    x = as_number(value)
    if x is None:
        return f"+ {DASH}"
    r = _round(x, decimals)
    return f"{'−' if x < 0 and r != 0 else '+'} {r:,.{decimals}f}"


def multiple(value: object, decimals: int = 1) -> str:
    """A factor: ``multiple(1.79) == "1.8×"``."""
    x = as_number(value)
    return DASH if x is None else f"{number(x, decimals)}×"


def tick_decimals(tick: float) -> int:
    """Decimals that show every multiple of ``tick``: 0.01 -> 2, 0.005 -> 3, 0.25 -> 2, 1 -> 0."""
    t = as_number(tick)
    if t is None or t <= 0:
        return 2
    exponent = Decimal(repr(t)).normalize().as_tuple().exponent
    return max(0, -int(exponent))


def price(value: object, tick: float | None = None, decimals: int | None = None, currency: bool = True,
          signed: bool = False) -> str:
    """A contract or unit price at the tick's precision: ``price(2.4567, tick=0.005) == "$2.457"``;
    without a tick, 2 to 4 decimals, as many as the value needs (``price(0.6977) == "$0.6977"``)."""
    x = as_number(value)
    if x is None:
        return DASH
    if decimals is None:
        if tick is not None:
            decimals = tick_decimals(tick)
        else:
            frac = f"{abs(x):.4f}".split(".")[1].rstrip("0")
            decimals = max(2, len(frac))
    r = _round(x, decimals)
    return _signed(f"{'$' if currency else ''}{r:,.{decimals}f}", x < 0, signed, r == 0)


def margin(amount: object, notional: object, words: bool = True) -> str:
    """Margin in dollars and as a share of notional: ``margin(200, 2500) == "$200.00 (8.0% of notional)"``;
    in a table whose heading says so, ``words=False`` gives ``"$200.00 (8.0%)"``."""
    a, n = as_number(amount), as_number(notional)
    if a is None:
        return DASH
    if n is None or n == 0:
        return money(a)
    return f"{money(a)} ({share(a / n)}{' of notional' if words else ''})"


def _as_date(value: object) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.date) and not isinstance(getattr(value, "year", None), int):
        return None                              # pandas NaT passes for a datetime
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if hasattr(value, "to_pydatetime"):          # pandas Timestamp (NaT has no date)
        try:
            return value.to_pydatetime().date()
        except (ValueError, AttributeError):
            return None
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def date(value: object) -> str:
    """``date("2026-12-06") == "6 Dec 2026"``."""
    d = _as_date(value)
    return DASH if d is None else f"{d.day} {d:%b %Y}"


def month(value: object) -> str:
    """``month("2026-12-01") == "Dec 2026"``; also takes "2026-12"."""
    if isinstance(value, str) and len(value.strip()) == 7:
        value = value.strip() + "-01"
    d = _as_date(value)
    return DASH if d is None else f"{d:%b %Y}"


#: What a typed amount may end with: billions, millions, thousands (as powers of ten).
_SCALES = (("bn", 9), ("b", 9), ("mm", 6), ("m", 6), ("k", 3))


def _split_scale(t: str) -> tuple[str, int]:
    """``"4.9m"`` -> ``("4.9", 6)``: the number's text and the power of ten its suffix stands for."""
    for suffix, power in _SCALES:
        if t.endswith(suffix):
            return t[: -len(suffix)], power
    return t, 0


def parse_amount(text: object) -> float | None:
    """What a person types for an amount, read back: ``"$4,900,000"``, ``"4900000"``, ``"4.9m"``,
    ``"250k"``, ``"1.2bn"`` (None when empty). Raises ValueError, naming the text, when it is not an amount."""
    raw = "" if text is None else str(text)
    t = raw.strip().lower().replace(",", "").replace("$", "").replace("usd", "").replace(" ", "").replace("_", "")
    if not t:
        return None
    t, power = _split_scale(t)
    try:
        x = float(t) * 10.0**power
    except ValueError:
        raise ValueError(f"'{raw.strip()}' is not an amount; type it as 4900000, 4,900,000, $4.9m or 250k.") from None
    if not math.isfinite(x):
        raise ValueError(f"'{raw.strip()}' is not an amount; type it as 4900000, 4,900,000, $4.9m or 250k.")
    return x


def parse_count(text: object, what: str = "lots") -> int | None:
    """A whole count as a person types it (lots of a position limit): ``"1,000,000"``, ``"1000000"``,
    ``"1m"``, ``"250k"``, ``"1.5k"`` (None when empty). Raises ValueError, naming the text, when it
    is not a whole number (``"abc"``, ``"2.5"``, a dollar amount such as ``"$5,000"``)."""
    raw = "" if text is None else str(text)
    t = raw.strip().lower().replace(",", "").replace(" ", "").replace("_", "")
    if not t:
        return None
    problem = (f"'{raw.strip()}' is not a whole number of {what}; type it as 1000000, 1,000,000, 1m or 250k"
               + (" (a count, not a dollar amount)." if "$" in t or "usd" in t else "."))
    t, power = _split_scale(t)
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", t):
        raise ValueError(problem)
    x = Decimal(t) * 10**power        # exact: 1.1k is 1,100 lots, not 1,100.0000000000002
    if x != x.to_integral_value():
        raise ValueError(problem)
    return int(x)


#: What a reader calls each hedged underlying (the contract specs and the trade schedule hold the key).
UNDERLYING_NAMES = {"token": "LLM tokens", "gpu": "GPU hours"}


def underlying(key: object) -> str:
    """The plain name of an underlying: ``LLM tokens`` for ``token``, ``GPU hours`` for ``gpu``;
    a name already plain (or unknown) is returned as given, ``—`` for none."""
    if key is None or (isinstance(key, float) and key != key):
        return DASH
    return UNDERLYING_NAMES.get(str(key), str(key))


#: Volume models as a reader knows them (the backtest tables of the Forecast page and the PDF).
VOLUME_MODEL_NAMES = {"ets": "ETS (exponential smoothing)", "arima": "seasonal ARIMA", "theta": "Theta",
                      "stl": "STL + ETS", "seasonal_naive": "seasonal naive", "damped_trend": "damped trend",
                      "loglinear": "log-linear trend", "drift": "drift", "combination": "combination"}


def volume_model(key: object) -> str:
    """The plain name of a volume model: ``damped trend`` for ``damped_trend`` (unknown keys with
    their underscores as spaces, ``—`` for none)."""
    if key is None or (isinstance(key, float) and key != key):
        return DASH
    return VOLUME_MODEL_NAMES.get(str(key), str(key).replace("_", " "))


def csv_header(name: str, unit: str) -> str:
    """A CSV column heading that carries its unit: ``csv_header("notional", "USD") == "notional (USD)"``."""
    return name if not unit or name.endswith(f"({unit})") else f"{name} ({unit})"


# Plotly (d3-format) equivalents of the formats above, for hover templates and axes.
PLOTLY_MONEY = ":$,.0f"           # "%{y" + PLOTLY_MONEY + "}" -> -$1,234
PLOTLY_SHARE = ":.1%"
PLOTLY_COUNT = ":,.0f"
PLOTLY_MONTH = "|%b %Y"
PLOTLY_MONEY_AXIS = {"tickformat": "$,.0f"}   # axis ticks: $600,000, -$20,000
PLOTLY_SHARE_AXIS = {"tickformat": ".0%"}


#: What a spreadsheet runs as a formula instead of showing as text: a cell that starts, as written
#: or after trimming its white space, with = + - @, a tab or a carriage return.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def runs_as_formula(value: object) -> bool:
    """Whether a spreadsheet would evaluate the text ``value`` (``"=HYPERLINK(...)"``, ``" +1+cmd|x"``,
    ``"\t=1"``, ``"@SUM(A1)"``) rather than show it. Every export of text to CSV or Excel asks this."""
    return isinstance(value, str) and (value[:1] in FORMULA_STARTS or value.strip()[:1] in FORMULA_STARTS)


def formula_safe(value: object) -> object:
    """``value`` for a CSV cell: text a spreadsheet would run gets a leading apostrophe (shown as text)."""
    return "'" + value if runs_as_formula(value) else value
