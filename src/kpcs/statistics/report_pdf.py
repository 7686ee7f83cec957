"""The printed look of the Working Group on Statistics' documents (questionnaires, country
analyses): A4, the certificate's fonts and colours, a running title and page numbers.

Pure rendering helpers over fpdf2: text in, PDF bytes out, no clock and no database.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time

from fpdf import FPDF, FontFace
from fpdf.enums import Align, TableBordersLayout, TableCellFillMode, XPos, YPos
from fpdf.fonts import TTFFont

from kpcs.certificates.pdf import FONT_DIR, FONT_FAMILY, long_date

__all__ = ["ReportPDF", "long_date", "render"]

INK = (20, 24, 31)
MUTED = (90, 98, 110)
ACCENT = (18, 52, 96)
RULE = (170, 178, 190)
SHADE = (228, 233, 240)
STRIPE = (245, 247, 250)
MARGIN = 15.0  # mm


class ReportPDF(FPDF):
    """An A4 report with a running title on every page after the first and "page n of m"."""

    def __init__(self, running_title: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.running_title = running_title
        self.add_font(FONT_FAMILY, "", FONT_DIR / "DejaVuSans.ttf")
        self.add_font(FONT_FAMILY, "B", FONT_DIR / "DejaVuSans-Bold.ttf")
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(auto=True, margin=MARGIN + 5)
        self.set_creator("kpcs")
        self.set_lang("en")

    def header(self) -> None:
        """On the pages after the first: which document this page belongs to."""
        if self.page_no() == 1:
            return
        self.set_font(FONT_FAMILY, "", 8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, self.running_title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.rule()
        self.ln(3)

    def footer(self) -> None:
        """On every page: the title and the page count."""
        self.set_y(-MARGIN)
        self.set_font(FONT_FAMILY, "", 7.5)
        self.set_text_color(*MUTED)
        self.cell(0, 5, f"{self.running_title}   ·   Page {self.page_no()} of {{nb}}")

    def rule(self, colour: tuple[int, int, int] = RULE, width: float = 0.3) -> None:
        """A horizontal line across the text width, at the current y."""
        with self.local_context(draw_color=colour, line_width=width):
            self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())

    def title_block(self, title: str, subtitle: str) -> None:
        """The document's title and what it is about, with a rule under them."""
        self.set_font(FONT_FAMILY, "B", 16)
        self.set_text_color(*ACCENT)
        self.multi_cell(0, 8, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT_FAMILY, "", 11)
        self.set_text_color(*INK)
        self.multi_cell(0, 6, subtitle, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1.5)
        self.rule(ACCENT, 0.6)
        self.ln(3)

    def heading(self, text: str, size: float = 11.5) -> None:
        """A section heading, kept on the same page as the first lines after it."""
        if self.will_page_break(size * 2.2):
            self.add_page()
        self.ln(1.5)
        self.set_font(FONT_FAMILY, "B", size)
        self.set_text_color(*ACCENT)
        self.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)
        self.ln(1)

    def paragraph(self, text: str, size: float = 9.5, colour: tuple[int, int, int] = INK) -> None:
        """Running text across the page."""
        self.set_font(FONT_FAMILY, "", size)
        self.set_text_color(*colour)
        self.multi_cell(0, size * 0.5, text, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)
        self.ln(1.2)

    def facts(self, pairs: Sequence[tuple[str, str]], label_width: float = 42) -> None:
        """Label and value pairs, one per line: "Deadline   3 March 2026"."""
        for label, value in pairs:
            self.set_font(FONT_FAMILY, "", 8.5)
            self.set_text_color(*MUTED)
            self.cell(label_width, 5, label)
            self.set_font(FONT_FAMILY, "", 9.5)
            self.set_text_color(*INK)
            self.multi_cell(0, 5, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    def data_table(
        self,
        headings: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        *,
        numeric: Sequence[bool] | None = None,
        size: float = 8.5,
    ) -> None:
        """A striped table with a shaded heading row; ``numeric`` columns are right-aligned."""
        aligns = ["R" if n else "L" for n in (numeric or [False] * len(headings))]
        self.set_font(FONT_FAMILY, "", size)
        self.set_text_color(*INK)
        with self.table(
            col_widths=tuple(widths),
            width=sum(widths),
            align=Align.L,
            text_align=tuple(aligns),
            borders_layout=TableBordersLayout.HORIZONTAL_LINES,
            cell_fill_color=STRIPE,
            cell_fill_mode=TableCellFillMode.ROWS,
            headings_style=FontFace(emphasis="BOLD", color=ACCENT, fill_color=SHADE),
            line_height=size * 0.55,
            padding=(0.8, 1.2),
        ) as table:
            for cells in [headings, *rows]:
                row = table.row()
                for cell in cells:
                    row.cell(cell)
        self.ln(2)


def render(running_title: str, made_on: date, build: Callable[[ReportPDF], None]) -> bytes:
    """The PDF that ``build`` draws, as bytes; dated ``made_on`` (not "now"), so the same
    content gives the same bytes."""
    pdf = ReportPDF(running_title)
    try:
        pdf.set_title(running_title)
        pdf.set_creation_date(datetime.combine(made_on, time(0, 0), tzinfo=UTC))
        pdf.add_page()
        build(pdf)
        return bytes(pdf.output())
    finally:
        # fpdf2 keeps font files open until output(); close them on every path.
        for font in pdf.fonts.values():
            if isinstance(font, TTFFont):
                font.close()
