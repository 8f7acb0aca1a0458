"""Which export a file is, decided from its header alone (never from the file name).

Each format module registers a :class:`Format` with a *signature*: the few columns that together
identify it. The most specific signature contained in the header wins.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from hedging.errors import InputError

from .cells import Cells


@dataclass(frozen=True)
class Format:
    """An export format: how to recognise it and how to turn its rows into canonical columns.

    ``parse`` receives the validated :class:`Cells` and returns a frame aligned with the input rows
    holding any subset of the canonical columns; the rest get defaults. ``columns`` lists every
    column the parser may read (others are never loaded); ``text_columns`` are kept as strings.
    """

    name: str
    label: str
    signature: frozenset[str]
    parse: Callable[[Cells], pd.DataFrame]
    columns: frozenset[str]
    text_columns: frozenset[str] = frozenset()
    cost_basis: str = "computed"
    #: Alternative signatures (e.g. a legacy header of the same export).
    alternatives: tuple[frozenset[str], ...] = field(default_factory=tuple)
    #: Columns holding a request's id in a per-request log: two rows with one id are the same
    #: request. Without them, a row is identified by all of its cells.
    row_id: tuple[str, ...] = ()
    #: Parsed columns on which a file must not repeat itself (our template: one row per key),
    #: and the reason and fix a repeated key is refused with; the reason follows "repeats row N: ".
    unique_key: tuple[str, ...] = ()
    unique_key_message: tuple[str, str] = ("", "")

    def matches(self, header: frozenset[str]) -> int:
        """Size of the largest signature of this format contained in ``header`` (0: no match)."""
        best = 0
        for sig in (self.signature,) + self.alternatives:
            if sig <= header:
                best = max(best, len(sig))
        return best


_REGISTRY: dict[str, Format] = {}


def register(fmt: Format) -> Format:
    if fmt.name in _REGISTRY:
        raise ValueError(f"format {fmt.name} registered twice")
    _REGISTRY[fmt.name] = fmt
    return fmt


def all_formats() -> dict[str, Format]:
    """All registered formats by name (importing the format modules registers them)."""
    importlib.import_module("hedging.ingest.formats")  # registers every format module

    return dict(_REGISTRY)


def detect(header: tuple[str, ...], file_name: str) -> Format:
    """The format whose signature best matches ``header``; a clear error when none does."""
    cols = frozenset(c.strip() for c in header)
    lowered = frozenset(c.lower() for c in cols)
    ranked = sorted(((f.matches(cols), f.name, f) for f in all_formats().values()), key=lambda t: (-t[0], t[1]))
    if ranked and ranked[0][0] > 0:
        return ranked[0][2]
    # A header that matches only when case is ignored is a hand-edited export: say so.
    for f in all_formats().values():
        if any({c.lower() for c in sig} <= lowered for sig in (f.signature,) + f.alternatives):
            raise InputError(
                f"the column names look like the {f.label} but their capitals differ from the export.",
                file=file_name, row=1, fix="upload the file exactly as the provider exported it.")
    # A header holding most of one format's signature lacks a required column: name it.
    near = sorted((len(sig - cols), -len(sig), f.name, f, sig - cols)
                  for f in all_formats().values() for sig in (f.signature,) + f.alternatives
                  if len(sig) >= 3 and 0 < len(sig - cols) < len(sig) / 2)
    if near:
        *_, f, missing = near[0]
        raise InputError(
            f"looks like the {f.label} but required column(s) "
            f"{', '.join('`' + c + '`' for c in sorted(missing))} are missing.",
            file=file_name, row=1,
            fix="export the file again without removing columns; the columns each format needs are "
                "listed in the README.")
    shown = ", ".join(list(header)[:8]) + (" …" if len(header) > 8 else "")
    supported = "; ".join(sorted(f.label for f in all_formats().values()))
    raise InputError(
        f"the header ({shown}) is not one of the supported exports.",
        file=file_name, row=1,
        fix=f"upload one of: {supported}. Or rewrite the data in the canonical template described "
            "in the README (columns usage_date, billing_provider, model, token counts, cost_usd).")
