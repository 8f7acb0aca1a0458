"""The PDF proposal, read back with pypdf: sections in order, headline numbers as formatted, long
tables that repeat their heading row, hostile user text, missing charts and missing fonts.

Charts are rendered once for the module (one warm Chromium) and reused by every build.
"""

from __future__ import annotations

import io
import logging
import re
import shutil
import struct
import subprocess

import pypdf
import pytest

from hedging.errors import HedgingError
from hedging.report import pdf_layout
from hedging.report.pdf import SECTIONS, FontMissingError, build_pdf, render_figures, stop_renderer
from hedging.report.pdf_tables import count, money, price, share

from .proposal_fixture import HOSTILE_COMPANY, make_proposal

SCHEDULE_HEADING = re.compile(r"contract\s+underlying\s+delivery\s+month\s+trade\s+date")
SCHEDULE_ROW = re.compile(r"\b(?:SIT|GPUH)\d{4}\b")


def _pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def images() -> dict[str, bytes]:
    rendered = render_figures(make_proposal()["figures"])
    yield rendered
    stop_renderer()


@pytest.fixture(scope="module")
def report(images) -> bytes:
    return build_pdf(make_proposal(), images=images)


@pytest.fixture(scope="module")
def pages(report) -> list[str]:
    return _pages(report)


def test_render_figures_gives_every_chart_at_scale_two(images):
    assert set(images) == set(make_proposal()["figures"])
    for key, png in images.items():
        assert png[:8] == b"\x89PNG\r\n\x1a\n", key
    width, height = struct.unpack(">II", images["spend_fan"][16:24])      # IHDR: 900 x 450 layout px, scale 2
    assert (width, height) == (1800, 900)


def test_render_figures_skips_an_invalid_figure():
    assert render_figures({"broken": "{not json", "empty": ""}) == {}


def test_page_count_within_expected_range(pages):
    assert 8 <= len(pages) <= 16


def test_cover_names_company_proposal_date_and_tool(pages):
    cover = _flat(pages[0])
    for text in ("Northwind Analytics", "FY27 compute hedge", "24 November 2026", "Proposal #3",
                 "Prepared with the compute-cost hedging desk", "Contents"):
        assert text in cover


def test_section_headings_in_order_after_the_cover(pages):
    body = "\n".join(pages[1:])
    position = -1
    for title in SECTIONS:
        found = body.find(title, position + 1)
        assert found > position, f"{title!r} missing or out of order"
        position = found


def test_contents_on_the_cover_give_the_pages_where_sections_start(pages):
    cover = pages[0]
    for title in SECTIONS:
        match = re.search(re.escape(title) + r"\s+(\d+)", cover)
        assert match, title
        assert title in pages[int(match.group(1)) - 1]


def test_every_page_has_the_footer_with_name_and_page_n_of_m(pages):
    for n, text in enumerate(pages, start=1):
        assert f"Proposal #3 · FY27 compute hedge · Page {n} of {len(pages)}" in text


def test_every_page_names_the_stored_document_by_its_whole_fingerprint(images):
    fingerprint = "9f2c41d07be35a86" + "0123456789abcdef" * 3
    pages = _pages(build_pdf({**make_proposal(), "fingerprint": fingerprint, "signature": "signed"}, images=images))
    for n, text in enumerate(pages, start=1):
        assert f"Proposal #3 · FY27 compute hedge · Page {n} of {len(pages)}" in text
        assert f"Fingerprint {fingerprint} · signature verified" in text
    assert f"Fingerprint {fingerprint}" in pages[0].split("Contents")[0]  # and on the cover, with the check
    assert "Signature verified: unchanged since it was saved (HMAC-SHA256)" in _flat(pages[0])


def test_headline_numbers_appear_exactly_as_formatted(pages):
    summary = _flat(pages[1])
    h = make_proposal()["headline"]
    expected = [
        f"{money(h['bar_before'])} → {money(h['bar_after'])}",                      # budget at risk
        share(h["volatility_reduction"]),                                           # volatility reduction
        f"{share(h['prob_over_before'])} → {share(h['prob_over_after'])}",          # P(spend > budget)
        money(h["program_cost"]),
        money(h["initial_margin_peak"] + h["vm_p95"]),                              # margin needed
        money(h["initial_margin_peak"]), money(h["vm_p95"]), money(h["expected_spend"]),
    ]
    assert expected == ["$600,814 → $543,339", "9.9%", "44.0% → 46.0%", "$17,333", "$361,051", "$126,698",
                        "$234,353", "$4,864,846"]
    for text in expected:
        assert text in summary


def test_number_formats():
    assert money(1234567.4) == "$1,234,567"
    assert money(-1234) == "-$1,234"
    assert money(57475, signed=True) == "+$57,475"
    assert money(None) == "—" and money(float("nan")) == "—"   # the product's one dash for "not applicable"
    assert share(0.123) == "12.3%"
    assert share(0.02, signed=True) == "+2.0 pp"
    assert share(-0.0001) == "0.0%"
    assert count(7_100_000.4) == "7,100,000"
    assert money(0.005, decimals=3) == "$0.005" and money(2, decimals=2) == "$2.00"
    assert price(0.6977) == "0.6977" and price(2.15) == "2.15" and price(0.7, decimals=3) == "0.700"


def test_tables_right_align_money_and_format_shares(pages):
    text = _flat("\n".join(pages))
    assert "Dec 2026 $360,421" in text or "$360,421" in text
    assert re.search(r"P\(spend > budget\) 44\.0% 46\.0% \+2\.0 pp", text)
    assert "Standard deviation $379,324 $253,584 -$125,740" in text


def test_long_schedule_spans_pages_and_repeats_its_heading(images):
    data = build_pdf(make_proposal(schedule_rows=300), images=images)
    pages = _pages(data)
    schedule_pages = [t for t in pages if SCHEDULE_ROW.search(t)]
    assert len(schedule_pages) >= 5
    headings = [len(SCHEDULE_HEADING.findall(t)) for t in schedule_pages]
    assert headings == [1] * len(schedule_pages)
    rows = sum(len(SCHEDULE_ROW.findall(t)) for t in schedule_pages)
    assert rows == 300


def test_hostile_user_text_renders_without_overflow(images, caplog, tmp_path):
    with caplog.at_level(logging.WARNING):
        data = build_pdf(make_proposal(hostile=True, schedule_rows=40), images=images)
    assert not [r for r in caplog.records if "missing the following glyphs" in r.getMessage()]
    pages = _pages(data)
    text = "\n".join(pages)
    assert "<script>alert('x')</script>" in text                   # shown as text, never interpreted
    assert '=HYPERLINK("http://evil.example"' in _flat(text).replace('" ,', '",')
    assert "研" not in text and "🚀" not in text                    # glyphs DejaVu lacks became "?"
    assert "Northwind" in pages[0] and "…" in pages[0]              # 500-character name cut on the cover
    assert HOSTILE_COMPANY not in text.replace("\n", "")
    assert max(len(line) for t in pages for line in t.splitlines()) < 200
    if shutil.which("pdftotext"):
        path = tmp_path / "hostile.pdf"
        path.write_bytes(data)
        html = subprocess.run(["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True,
                              text=True).stdout
        page_w = float(re.search(r'<page width="([\d.]+)"', html).group(1))
        right_edges = [float(x) for x in re.findall(r'xMax="([\d.]+)"', html)]
        left_edges = [float(x) for x in re.findall(r'xMin="([\d.]+)"', html)]
        assert right_edges and max(right_edges) <= page_w - 40    # 15 mm margin is 42.5 pt
        assert min(left_edges) >= 40


def test_missing_and_invalid_figures_are_noted_not_fatal():
    proposal = make_proposal(figures=False)
    proposal["figures"] = {"spend_fan": "{not json"}
    text = _flat("\n".join(_pages(build_pdf(proposal))))
    assert ("Chart unavailable: Forecast monthly spend (spend_fan); the stored chart is not a valid plotly figure"
            in text)
    assert "Chart unavailable: Initial margin (margin); it was not stored with this proposal." in text
    assert "Figure 1." not in text


def test_a_company_without_gpu_hours_gets_no_note_about_missing_gpu_charts(images):
    """The run draws volume and basis charts for the underlyings the company buys; one that buys
    only tokens has none for GPU-hours, and its PDF does not call them unavailable. A chart the
    run should have stored and did not is still noted."""
    proposal = make_proposal()
    proposal["figures"] = {k: v for k, v in proposal["figures"].items() if not k.endswith("_gpu")}
    text = _flat("\n".join(_pages(build_pdf(proposal, images={k: v for k, v in images.items()
                                                              if not k.endswith("_gpu")}))))
    assert "GPU-hour volume forecast" not in text and "GPU-hour basis" not in text
    assert "Token volume forecast" in text and "Token basis" in text and "Chart unavailable" not in text
    del proposal["figures"]["basis_token"]
    text = _flat("\n".join(_pages(build_pdf(proposal))))
    assert "Chart unavailable: Token basis (basis_token); it was not stored with this proposal." in text
    assert "Chart unavailable: GPU-hour" not in text


def test_an_empty_or_malformed_proposal_still_builds():
    for proposal in ({}, {"inputs": None, "headline": "x", "tables": {"schedule": "oops", "metrics": [1, 2]},
                          "statements": {"effectiveness": None, "warnings": "not a list"}, "figures": None}):
        text = "\n".join(_pages(build_pdf(proposal)))
        assert "11. Disclaimer" in text and "Proposal (not saved)" in text
        assert "The effectiveness tests could not run" in text


def test_a_table_too_wide_for_the_page_is_split_and_absurd_values_do_not_crash():
    proposal = make_proposal(figures=False)
    proposal["tables"]["stress"] = [{"scenario": f"s{k}", **{f"column {i} (USD)": 12_345_678.9 * i for i in range(40)}}
                                    for k in range(3)]
    proposal["tables"]["metrics"] = [{"metric": "Expected spend", "unhedged": 1e300, "hedged": float("inf"),
                                      "change": -1e200}]
    proposal["statements"]["warnings"] = ["w" * 10_000]
    text = _flat("\n".join(_pages(build_pdf(proposal))))
    assert "column 0 (USD)" in text and "column 39 (USD)" in text
    parts = set(re.findall(r"scenario column \d+ \(USD\)", text))   # each part starts with the key column
    assert len(parts) >= 4
    assert "$1e+300" in text and "-$1e+200" in text


def test_missing_fonts_raise_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(pdf_layout, "FONT_DIR", tmp_path)
    with pytest.raises(FontMissingError, match="install fonts-dejavu-core") as err:
        build_pdf(make_proposal(figures=False))
    assert isinstance(err.value, HedgingError)
    assert "DejaVuSans.ttf" in str(err.value)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (pdftoppm) is not installed")
def test_pages_render_to_png_for_a_visual_check(report, pages, tmp_path):
    path = tmp_path / "proposal.pdf"
    path.write_bytes(report)
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(path), str(tmp_path / "page")], check=True, timeout=120)
    pngs = sorted(tmp_path.glob("page-*.png"))
    assert len(pngs) == len(pages)
    assert all(p.stat().st_size > 5_000 for p in pngs)
