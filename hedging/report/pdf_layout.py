"""The report's page: A4 portrait, DejaVu Sans, running header, "Page N of M" footer, and the text
primitives (headings, paragraphs, bullets, notes, figures) the sections are written with.

Every piece of text goes through :meth:`ReportPDF.clean` first: characters the embedded font has
no glyph for (emoji, CJK, ...) become "?", invisible format characters (bidi overrides,
zero-width joiners) are dropped, and long user-supplied text is cut with an ellipsis, so that a
hostile company or file name can neither break the layout nor make fpdf2 raise.
"""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos

from hedging.errors import HedgingError

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
FAMILY = "DejaVu"

NAVY = (31, 78, 121)
INK = (33, 37, 41)
GREY = (100, 106, 112)
RULE = (190, 198, 206)
TINT = (234, 241, 248)
AMBER = (255, 244, 222)

BODY_PT = 9.5
MIN_FIGURE_SCALE = 0.72
MARGIN = 15.0


class FontMissingError(HedgingError):
    """A font file the PDF report embeds is not installed."""


def font_paths() -> dict[str, Path]:
    """The regular and bold DejaVu Sans files, or :class:`FontMissingError` naming the missing one."""
    paths = {style: Path(FONT_DIR) / name for style, name in FONT_FILES.items()}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        raise FontMissingError(
            f"The PDF report needs the DejaVu Sans fonts, but {', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} missing. Fix: install fonts-dejavu-core "
            "(`apt-get install fonts-dejavu-core` on Debian or Ubuntu), then export the PDF again.")
    return paths


class ReportPDF(FPDF):
    """An A4 portrait document with the report's fonts, running header and footer."""

    def __init__(self, proposal_label: str, running_title: str, running_company: str, name: str = "",
                 fingerprint: str = "", signature: str = "") -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.set_margins(MARGIN, 19, MARGIN)
        self.set_auto_page_break(True, margin=17)
        try:
            for style, path in font_paths().items():
                self.add_font(FAMILY, style, str(path))
        except (OSError, RuntimeError, ValueError) as err:
            raise FontMissingError(f"The DejaVu Sans fonts in {FONT_DIR} could not be read ({err}). Fix: "
                                   "reinstall fonts-dejavu-core, then export the PDF again.") from None
        fonts = [f for f in self.fonts.values() if getattr(f, "cmap", None)]
        coverage = frozenset(fonts[0].cmap)
        for font in fonts[1:]:
            coverage &= frozenset(font.cmap)
        self._coverage = coverage
        self.label = self.clean(proposal_label, 80)
        self._running_title = self.clean(running_title, 200)
        self._running_company = self.clean(running_company, 200)
        self._name = self.clean(name, 200)
        self._stamp = " · ".join(part for part in (f"Fingerprint {self.clean(fingerprint, 64)}"
                                                   if fingerprint else "", self.clean(signature, 60)) if part)
        self.set_text_color(*INK)
        self.set_font(FAMILY, "", BODY_PT)

    def multi_cell(self, *args, align="LEFT", **kwargs):
        """fpdf2's ``multi_cell``, left-aligned unless told otherwise (justified text leaves gaps)."""
        return super().multi_cell(*args, align=align, **kwargs)

    # ---- text hygiene -------------------------------------------------------------------------

    def clean(self, value: object, limit: int | None = None, multiline: bool = False) -> str:
        """``value`` as text the embedded font can draw: unknown glyphs as "?", no control or format
        characters, whitespace collapsed (newlines kept when ``multiline``), at most ``limit`` characters."""
        text = unicodedata.normalize("NFC", "" if value is None else str(value))
        out = []
        for ch in text:
            if ch == "\n" and multiline:
                out.append("\n")
                continue
            cat = unicodedata.category(ch)
            if cat == "Cf" or "\ufe00" <= ch <= "\ufe0f":
                continue
            if cat in ("Cc", "Zl", "Zp"):
                out.append(" ")
            else:
                out.append(ch if ord(ch) in self._coverage else "?")
        text = "".join(out)
        if multiline:
            text = "\n".join(" ".join(line.split()) for line in text.split("\n")).strip()
        else:
            text = " ".join(text.split())
        if limit is not None and len(text) > limit:
            text = text[: max(limit - 1, 1)].rstrip() + "…"
        return text

    def fit_lines(self, text: str, width: float, max_lines: int, line_height: float = 5.0) -> str:
        """``text`` (already clean) cut with an ellipsis so that it wraps to at most ``max_lines`` lines."""
        lines = self.multi_cell(width, line_height, text, dry_run=True, output=MethodReturnValue.LINES)
        if len(lines) <= max_lines:
            return text
        head = " ".join(line.strip() for line in lines[:max_lines])
        while head and len(self.multi_cell(width, line_height, head + "…", dry_run=True,
                                           output=MethodReturnValue.LINES)) > max_lines:
            head = head[:-2]
        return head.rstrip() + "…"

    def fit_width(self, text: str, width: float) -> str:
        """``text`` cut with an ellipsis to fit ``width`` mm on one line in the current font."""
        if self.get_string_width(text) <= width:
            return text
        while text and self.get_string_width(text + "…") > width:
            text = text[:-1]
        return text.rstrip() + "…"

    # ---- page furniture -----------------------------------------------------------------------

    #: Drawn across every page, under its content ("" for none): a draft's "Draft — not approved".
    watermark = ""

    def header(self) -> None:
        if self.watermark:
            self._draw_watermark()
        if self.page_no() == 1:
            return
        self.set_font(FAMILY, "", 7.5)
        self.set_text_color(*GREY)
        self.set_xy(self.l_margin, 9)
        half = self.epw / 2 - 2
        self.cell(half, 4, self.fit_width(self._running_title, half), align="L")
        self.set_x(self.l_margin + self.epw / 2 + 2)
        self.cell(half, 4, self.fit_width(self._running_company, half), align="R")
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        self.line(self.l_margin, 14, self.w - self.r_margin, 14)
        self.set_xy(self.l_margin, self.t_margin)
        self.set_text_color(*INK)
        self.set_font(FAMILY, "", BODY_PT)

    def footer(self) -> None:
        """On every page: the proposal's number, name (as plain text, cut to fit), the page, and
        the stored document's fingerprint with its signature status."""
        self.set_y(-14 if self._stamp else -12)
        self.set_font(FAMILY, "", 7.5)
        self.set_text_color(*GREY)
        page = f" · Page {self.page_no()} of {{nb}}"
        room = self.epw - self.get_string_width(f"{self.label} ·  {page}") - 2
        named = f"{self.label} · {self.fit_width(self._name, room)}" if self._name else self.label
        self.cell(0, 3.6, f"{named}{page}", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if self._stamp:
            self.cell(0, 3.6, self.fit_width(self._stamp, self.epw), align="C")
        self.set_text_color(*INK)

    def _draw_watermark(self) -> None:
        """:attr:`watermark` large, pale and diagonal across the page, under what the page then draws."""
        x, y = self.x, self.y
        self.set_font(FAMILY, "B", 44)
        self.set_text_color(222, 226, 230)
        width = self.get_string_width(self.watermark)
        cx, cy = self.w / 2, self.h / 2
        with self.rotation(angle=52, x=cx, y=cy):
            self.text(cx - width / 2, cy + 6, self.watermark)
        self.set_text_color(*INK)
        self.set_font(FAMILY, "", BODY_PT)
        self.set_xy(x, y)

    # ---- flow ---------------------------------------------------------------------------------

    def ensure_space(self, height: float) -> None:
        """Start a new page unless ``height`` mm fit below the cursor (keeps headings with their content)."""
        if self.y + height > self.page_break_trigger:
            self.add_page()

    def section(self, title: str, keep_with: float = 50) -> None:
        """A numbered top-level heading, also a bookmark and a contents entry."""
        self.ensure_space(keep_with + 14)
        if self.y > self.t_margin + 1:
            self.ln(4)
        self.start_section(title, level=0)
        self.set_font(FAMILY, "B", 14)
        self.set_text_color(*NAVY)
        self.multi_cell(0, 7, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(*NAVY)
        self.set_line_width(0.4)
        self.line(self.l_margin, self.y + 0.5, self.w - self.r_margin, self.y + 0.5)
        self.ln(3.5)
        self.set_text_color(*INK)
        self.set_font(FAMILY, "", BODY_PT)

    def subsection(self, title: str, keep_with: float = 30) -> None:
        self.ensure_space(keep_with + 8)
        self.ln(1.5)
        self.start_section(title, level=1)
        self.set_font(FAMILY, "B", 10.5)
        self.set_text_color(*NAVY)
        self.multi_cell(0, 5.5, self.clean(title, 160), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)
        self.set_text_color(*INK)
        self.set_font(FAMILY, "", BODY_PT)

    def paragraph(self, text: object, size: float = BODY_PT, limit: int = 4000, color=INK, bold: bool = False) -> None:
        body = self.clean(text, limit, multiline=True)
        if not body:
            return
        self.set_font(FAMILY, "B" if bold else "", size)
        self.set_text_color(*color)
        self.multi_cell(0, size * 0.5, body, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1.8)
        self.set_text_color(*INK)
        self.set_font(FAMILY, "", BODY_PT)

    def bullets(self, items, size: float = BODY_PT, limit: int = 2000) -> None:
        self.set_font(FAMILY, "", size)
        for item in items:
            body = self.clean(item, limit, multiline=True)
            if not body:
                continue
            self.ensure_space(size * 0.5 * 2)
            self.set_x(self.l_margin + 1.5)
            self.cell(4, size * 0.5, "•")
            self.multi_cell(self.epw - 5.5, size * 0.5, body, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.ln(1)
        self.ln(1)

    def note(self, text: str, fill=AMBER) -> None:
        """A shaded one-paragraph box: chart unavailable, tests not run."""
        body = self.clean(text, 600)
        self.set_font(FAMILY, "", 8.5)
        self.ensure_space(12)
        self.set_fill_color(*fill)
        self.multi_cell(0, 4.4, body, fill=True, padding=(2, 3), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2.5)
        self.set_font(FAMILY, "", BODY_PT)

    def figure(self, png: bytes, caption: str, size_px: tuple[int, int]) -> None:
        """The chart at the full text width, kept on one page with its caption below.

        When less than the full height is left on the page but at least ``MIN_FIGURE_SCALE`` of
        it, the chart is drawn that much smaller (centred) instead of leaving the space blank.
        """
        caption = self.clean(caption, 400)
        self.set_font(FAMILY, "", 8)
        caption_h = 4 * len(self.multi_cell(self.epw, 4, caption, dry_run=True, output=MethodReturnValue.LINES)) + 4
        width = self.epw
        height = width * size_px[1] / size_px[0]
        room = self.page_break_trigger - self.y - caption_h - 1
        if room < height:
            if room >= MIN_FIGURE_SCALE * height:
                width, height = width * room / height, room
            else:
                self.add_page()
        self.image(io.BytesIO(png), x=self.l_margin + (self.epw - width) / 2, y=self.y, w=width, h=height)
        self.set_y(self.y + height + 1)
        self.set_font(FAMILY, "", 8)
        self.set_text_color(*GREY)
        self.multi_cell(0, 4, caption, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(3)
        self.set_text_color(*INK)
        self.set_font(FAMILY, "", BODY_PT)
