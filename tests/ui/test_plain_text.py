"""What a user typed is shown as text: no Markdown, and no link made of a bare address."""

from __future__ import annotations

import re

from screens._render import as_text


def _shown(escaped: str) -> str:
    """What Markdown displays of ``escaped``: each backslash escape stands for its character."""
    return re.sub(r"\\(.)", r"\1", escaped).replace("\u2060", "")


def test_bare_addresses_are_not_made_links_and_read_the_same():
    typed = "FY27 [x](http://a.b) see www.example.com or mail cfo@example.com **now**"
    out = as_text(typed)
    assert "://\u2060" in out.replace("\\", "") and "www\u2060" in out and "@\u2060" in out
    assert _shown(out) == typed                          # the reader sees exactly what was typed
    assert "**" not in out.replace("\\*", "")


def test_ordinary_text_is_unchanged_apart_from_escapes():
    assert _shown(as_text("Northwind Analytics, 12.5% (FY27)")) == "Northwind Analytics, 12.5% (FY27)"
    assert "\u2060" not in as_text("Northwind Analytics, 12.5% (FY27)")
