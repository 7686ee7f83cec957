"""The printable Kimberley Process certificate: one A4 page (more if the shipment has many lines).

The page is made for two readers. A customs officer looks for the number, the dates, the two
participants, the totals and the QR code; a clerk copies the parties and the lines. The QR code
carries the signed credential (see :mod:`kpcs.certificates.qr`), so the paper can be checked
offline against the trust list, whatever happens to the print.

Rendering is a pure function of a :class:`CertificateDocument`: no clock, no database. The same
document gives the same bytes (the PDF's creation date is the date of issue).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from fpdf import FPDF, FontFace
from fpdf.enums import Align, MethodReturnValue, TableBordersLayout, TableCellFillMode, XPos, YPos
from fpdf.fonts import TTFFont

from kpcs.certificates.document import STATEMENT, TITLE, CertificateDocument, Line, Party
from kpcs.certificates.qr import QRCapacityError, encode_qr_text, qr_svg

__all__ = ["FONT_DIR", "FONT_FAMILY", "long_date", "render_certificate_pdf"]

# DejaVu Sans, vendored (see fonts/LICENSE.txt): the PDF core fonts are Latin-1 only, and an
# importer in Zürich or an exporter in Berbérati must be printed as they are spelled. Only the
# regular and bold faces are shipped, so no text here is ever set in italics.
FONT_DIR = Path(__file__).parent / "fonts"
FONT_FAMILY = "DejaVuSans"

_INK = (20, 24, 31)
_MUTED = (90, 98, 110)
_ACCENT = (18, 52, 96)  # headings and rules: a dark blue that prints well in greyscale too
_RULE = (170, 178, 190)
_SHADE = (228, 233, 240)
_STRIPE = (245, 247, 250)
_RED = (196, 22, 28)

_MARGIN = 15.0  # mm, on every side: inside the printable area of any office printer
_GAP = 6.0  # mm between the two columns
# mm, quiet zone included: 0.55 mm a module for a typical credential (version 29), 0.42 mm for
# a 40-line one (version 38); phone cameras read both from paper at arm's length.
_QR_SIZE = 78.0
_ONE_CENT = Decimal("0.01")
_PT = 25.4 / 72  # mm in a typographic point


def _money(value: Decimal) -> str:
    """2 decimals and thousands separators, rounded half up as in accounting: 310,250.00."""
    return f"{value.quantize(_ONE_CENT, rounding=ROUND_HALF_UP):,.2f}"


def _named(name: str, code: str) -> str:
    """A participant or a country as printed: "Botswana (BW)"; the code alone if no name."""
    return f"{name} ({code})" if name and name != code else code


def _origin(line: Line) -> str:
    named = "Mixed" if line.origin.lower() == "mixed" else _named(line.origin_name, line.origin)
    if line.departed_origin_on is not None:
        # The exporter's statement that lets a line of a since-suspended origin through.
        return f"{named}; left origin {line.departed_origin_on.isoformat()}"
    return named


_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def long_date(value: date) -> str:
    # "3 March 2025": 03/03/2025 is read differently from one country to the next. The month
    # names are spelled out here because strftime("%B") follows the process locale.
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


class _CertificatePDF(FPDF):
    """An FPDF with the certificate's running header, footer and "CANCELLED" mark."""

    def __init__(self, doc: CertificateDocument) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.doc = doc
        self.add_font(FONT_FAMILY, "", FONT_DIR / "DejaVuSans.ttf")
        self.add_font(FONT_FAMILY, "B", FONT_DIR / "DejaVuSans-Bold.ttf")
        self.set_margins(_MARGIN, _MARGIN, _MARGIN)
        # Leaves room for the footer, which sits 10 mm above the bottom edge.
        self.set_auto_page_break(auto=True, margin=_MARGIN + 5)

    def header(self) -> None:
        """On the pages after the first: which certificate this page belongs to."""
        if self.page_no() == 1:
            return
        self.set_font(FONT_FAMILY, "B", 10)
        self.set_text_color(*_ACCENT)
        self.cell(0, 6, f"{TITLE} {self.doc.number} (continued)", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.rule()
        self.ln(3)

    def footer(self) -> None:
        """On every page: the number and the page count, and the CANCELLED mark if so."""
        self.set_y(-_MARGIN)
        self.set_font(FONT_FAMILY, "", 7.5)
        self.set_text_color(*_MUTED)
        # One left-aligned line: fpdf sizes a cell before "{nb}" becomes the page count, so
        # right-aligned text with it would stop short of the margin.
        self.cell(0, 5, f"{TITLE} {self.doc.number}   ·   Page {self.page_no()} of {{nb}}")
        if self.doc.status == "cancelled":
            self._cancelled_mark()

    def _cancelled_mark(self) -> None:
        # Drawn last (the footer closes the page) and translucent, so it is on top of everything
        # yet leaves the text under it readable. It crosses the lower part of the page, below
        # the QR code, so that the word itself stays whole and legible.
        size = 80.0
        self.set_font(FONT_FAMILY, "B", size)
        text = "CANCELLED"
        width = self.get_string_width(text)
        centre_x, centre_y = self.w / 2, self.h * 0.64
        with self.local_context(text_color=_RED, fill_opacity=0.35), self.rotation(30, centre_x, centre_y):
            # text() places the baseline; lower it by a third of the font size to centre it.
            self.text(centre_x - width / 2, centre_y + size * _PT / 3, text)

    def rule(self, colour: tuple[int, int, int] = _RULE, width: float = 0.3) -> None:
        """A horizontal line across the text width, at the current y."""
        with self.local_context(draw_color=colour, line_width=width):
            self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())


def _field(pdf: _CertificatePDF, x: float, w: float, label: str, value: str, *, size: float = 10) -> None:
    """A small grey label with its value under it, at the current y; leaves y after the value."""
    pdf.set_x(x)
    pdf.set_font(FONT_FAMILY, "", 7.5)
    pdf.set_text_color(*_MUTED)
    pdf.multi_cell(w, 3.6, label, align=Align.L, new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FONT_FAMILY, "", size)
    pdf.set_text_color(*_INK)
    pdf.multi_cell(w, size * 0.46, value, align=Align.L, new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_y(pdf.get_y() + 1.8)


def _section_heading(pdf: _CertificatePDF, text: str) -> None:
    pdf.set_font(FONT_FAMILY, "B", 10.5)
    pdf.set_text_color(*_ACCENT)
    pdf.cell(0, 6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*_INK)


def _title_block(pdf: _CertificatePDF, doc: CertificateDocument) -> None:
    pdf.set_font(FONT_FAMILY, "B", 22)
    pdf.set_text_color(*_ACCENT)
    pdf.cell(0, 10, TITLE, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT_FAMILY, "", 8.5)
    pdf.set_text_color(*_MUTED)
    pdf.cell(
        0,
        4.5,
        "Kimberley Process Certification Scheme for rough diamonds",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(1.5)
    pdf.rule(_ACCENT, 0.6)
    pdf.ln(2.5)
    # The statement Annex I requires, word for word.
    pdf.set_font(FONT_FAMILY, "B", 9.5)
    pdf.set_text_color(*_INK)
    pdf.multi_cell(0, 4.6, STATEMENT + ".", align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if doc.status == "cancelled":
        pdf.ln(2)
        pdf.set_font(FONT_FAMILY, "B", 11)
        pdf.set_text_color(*_RED)
        pdf.multi_cell(
            0,
            5.5,
            "CANCELLED by the issuing authority: not valid for any shipment.",
            align=Align.L,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        pdf.set_text_color(*_INK)
    pdf.ln(3)


def _qr_image(credential: str) -> str | None:
    """The SVG of the credential's QR code; None if the credential is too large for one.

    Raises ValueError if the credential is not a compact JWS.
    """
    try:
        return qr_svg(encode_qr_text(credential))
    except QRCapacityError:
        return None


def _summary_and_qr(pdf: _CertificatePDF, doc: CertificateDocument, qr_image: str | None) -> None:
    """Left: number, dates, authority, participants. Right: the QR code and how to verify."""
    top = pdf.get_y()
    left_x = pdf.l_margin
    qr_x = pdf.w - pdf.r_margin - _QR_SIZE
    left_w = qr_x - _GAP - left_x
    half_w = (left_w - _GAP) / 2

    # The number, boxed: it is what everyone quotes on the phone and types into a search field.
    pdf.set_xy(left_x, top)
    pdf.set_font(FONT_FAMILY, "", 7.5)
    pdf.set_text_color(*_MUTED)
    pdf.set_fill_color(*_SHADE)
    pdf.cell(left_w, 5, "  Certificate number", fill=True, new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FONT_FAMILY, "B", 18)
    pdf.set_text_color(*_INK)
    pdf.cell(left_w, 10, " " + doc.number, fill=True, new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_fill_color(255, 255, 255)
    pdf.ln(3)

    row = pdf.get_y()
    _field(pdf, left_x, half_w, "Date of issue", long_date(doc.issued_on), size=10.5)
    after_left = pdf.get_y()
    pdf.set_y(row)
    _field(pdf, left_x + half_w + _GAP, half_w, "Date of expiry", long_date(doc.expires_on), size=10.5)
    pdf.set_y(max(after_left, pdf.get_y()))

    _field(pdf, left_x, left_w, "Issuing authority", doc.issuing_authority)
    for label, value in (
        ("Exporting participant", _named(doc.exporting_participant_name, doc.exporting_participant)),
        ("Country of export", _named(doc.exporting_country_name, doc.exporting_country)),
        ("Importing participant", _named(doc.importing_participant_name, doc.importing_participant)),
        ("Country of destination", _named(doc.importing_country_name, doc.importing_country)),
    ):
        _field(pdf, left_x, left_w, label, value)
    _field(pdf, left_x, left_w, "Number of parcels", str(doc.parcel_count))
    bottom_left = pdf.get_y()

    # The QR code, as vector graphics: sharp at any printer resolution.
    if qr_image is not None:
        pdf.image(io.BytesIO(qr_image.encode("ascii")), x=qr_x, y=top, w=_QR_SIZE, h=_QR_SIZE)
    else:
        # Not expected for a real shipment (a 40-line credential fits), but a certificate must
        # still print: say why there is no code rather than fail.
        pdf.set_xy(qr_x, top)
        pdf.set_font(FONT_FAMILY, "", 9)
        pdf.set_text_color(*_RED)
        pdf.multi_cell(
            _QR_SIZE,
            4.5,
            "No QR code: the signed credential is too large to fit in one. "
            "Verify this certificate by its number.",
            border=1,
            align=Align.C,
            new_x=XPos.LEFT,
            new_y=YPos.NEXT,
            padding=4,
        )
    pdf.set_xy(qr_x + 2, top + _QR_SIZE)
    pdf.set_font(FONT_FAMILY, "B", 8)
    pdf.set_text_color(*_INK)
    pdf.multi_cell(
        _QR_SIZE - 4,
        4,
        "Signed credential of this certificate",
        align=Align.C,
        new_x=XPos.LEFT,
        new_y=YPos.NEXT,
    )
    pdf.set_font(FONT_FAMILY, "", 8)
    pdf.multi_cell(_QR_SIZE - 4, 3.8, doc.verification_hint, align=Align.C, new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_y(max(bottom_left, pdf.get_y()) + 1)


def _parties(pdf: _CertificatePDF, doc: CertificateDocument) -> None:
    """Exporter and importer side by side, each framed, as on a paper certificate."""
    top = pdf.get_y()
    width = (pdf.epw - _GAP) / 2
    bottoms = []
    for index, (label, party) in enumerate((("Exporter", doc.exporter), ("Importer", doc.importer))):
        x = pdf.l_margin + index * (width + _GAP)
        bottoms.append(_party(pdf, x, top, width, label, party))
    bottom = max(bottoms)
    with pdf.local_context(draw_color=_RULE, line_width=0.3):
        for index in range(2):
            pdf.rect(pdf.l_margin + index * (width + _GAP), top, width, bottom - top)
    pdf.set_y(bottom + 4)


def _party(pdf: _CertificatePDF, x: float, top: float, w: float, label: str, party: Party) -> float:
    pad = 2.5
    pdf.set_xy(x + pad, top + pad)
    pdf.set_font(FONT_FAMILY, "B", 8)
    pdf.set_text_color(*_ACCENT)
    pdf.cell(w - 2 * pad, 4.5, label, new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FONT_FAMILY, "B", 10)
    pdf.set_text_color(*_INK)
    pdf.multi_cell(w - 2 * pad, 4.8, party.name, align=Align.L, new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FONT_FAMILY, "", 9.5)
    pdf.multi_cell(w - 2 * pad, 4.5, party.address, align=Align.L, new_x=XPos.LEFT, new_y=YPos.NEXT)
    return pdf.get_y() + pad


def _lines_table(pdf: _CertificatePDF, doc: CertificateDocument) -> None:
    _section_heading(pdf, "Shipment")
    pdf.set_font(FONT_FAMILY, "", 9.5)
    pdf.set_text_color(*_INK)
    headings = FontFace(emphasis="BOLD", color=_INK, fill_color=_SHADE)
    bold = FontFace(emphasis="BOLD")
    with pdf.table(
        col_widths=(8, 18, 40, 24, 30),
        text_align=("RIGHT", "LEFT", "LEFT", "RIGHT", "RIGHT"),
        headings_style=headings,
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
        # Every other row shaded: the eye keeps its line across a 40-line shipment.
        cell_fill_mode=TableCellFillMode.ROWS,
        cell_fill_color=_STRIPE,
        line_height=4.6,
        padding=(0.9, 1.5),
        # A long shipment continues on the next page, under the same column headings.
        repeat_headings=1,
    ) as table:
        table.row(("#", "HS code", "Country of origin", "Carats", "Value (US$)"))
        for number, line in enumerate(doc.lines, start=1):
            table.row((str(number), line.hs_code, _origin(line), _money(line.carats), _money(line.value_usd)))
        total = table.row(style=bold)
        total.cell("Total", colspan=3, align=Align.L)
        total.cell(_money(doc.total_carats))
        total.cell(_money(doc.total_value_usd))
    pdf.ln(4)


@dataclass(frozen=True)
class _Paragraph:
    text: str
    style: str = ""
    size: float = 9.0
    line_height: float = 4.4
    colour: tuple[int, int, int] = _INK
    space_after: float = 0.0


def _paragraph_height(pdf: _CertificatePDF, width: float, paragraph: _Paragraph) -> float:
    pdf.set_font(FONT_FAMILY, paragraph.style, paragraph.size)
    height = pdf.multi_cell(
        width,
        paragraph.line_height,
        paragraph.text,
        align=Align.L,
        dry_run=True,
        output=MethodReturnValue.HEIGHT,
    )
    if not isinstance(height, float | int):  # output=HEIGHT returns a number; this tells mypy
        raise TypeError(f"fpdf returned {type(height).__name__} for a height")
    return float(height) + paragraph.space_after


def _boxed(pdf: _CertificatePDF, paragraphs: list[_Paragraph], *, frame: tuple[int, int, int]) -> None:
    """Paragraphs in a frame across the page, kept on one page (a new page if need be)."""
    pad = 3.0
    inner = pdf.epw - 2 * pad
    height = 2 * pad + sum(_paragraph_height(pdf, inner, paragraph) for paragraph in paragraphs)
    # A frame split over two pages would read as two documents; move it whole to the next page.
    if pdf.get_y() + height > pdf.page_break_trigger:
        pdf.add_page()
    top = pdf.get_y()
    pdf.set_xy(pdf.l_margin + pad, top + pad)
    for paragraph in paragraphs:
        pdf.set_font(FONT_FAMILY, paragraph.style, paragraph.size)
        pdf.set_text_color(*paragraph.colour)
        pdf.multi_cell(
            inner, paragraph.line_height, paragraph.text, align=Align.L, new_x=XPos.LEFT, new_y=YPos.NEXT
        )
        pdf.set_y(pdf.get_y() + paragraph.space_after)
        pdf.set_x(pdf.l_margin + pad)
    with pdf.local_context(draw_color=frame, line_width=0.5):
        pdf.rect(pdf.l_margin, top, pdf.epw, height)
    pdf.set_xy(pdf.l_margin, top + height + 3)
    pdf.set_text_color(*_INK)


def _validation(pdf: _CertificatePDF, doc: CertificateDocument) -> None:
    """The box that tells the reader what makes this paper authentic, and how to check it."""
    explanation = (
        f"This certificate is validated by the digital signature (Ed25519) of the issuing authority, "
        f"{doc.issuing_authority}. The QR code holds the signed credential: the certificate is "
        f"authentic if that signature verifies with the authority's key in the Kimberley Process "
        f"trust list and the credential's content matches this page."
    )
    _boxed(
        pdf,
        [
            _Paragraph("Validation", "B", 10.5, 5.5, _ACCENT, 0.5),
            _Paragraph(explanation, space_after=1.5),
            _Paragraph("Signing key id (kid)", size=7.5, line_height=3.6, colour=_MUTED),
            _Paragraph(doc.kid, "B", 10, 4.8),
        ],
        frame=_ACCENT,
    )


def _optional_elements(pdf: _CertificatePDF, doc: CertificateDocument) -> None:
    """The optional elements the certificate states (Annex I, B and C; Sections III(d), IV(c))."""
    if not doc.has_optional_elements:
        return
    paragraphs = [_Paragraph("Optional elements (Core Document, Annex I)", "B", 10.5, 5.5, _ACCENT, 0.5)]

    def item(label: str, value: str) -> None:
        paragraphs.append(_Paragraph(label, size=7.5, line_height=3.6, colour=_MUTED))
        paragraphs.append(_Paragraph(value, size=9.5, line_height=4.6, space_after=1.0))

    if doc.container_description or doc.seal_numbers:
        item("Tamper-resistant container (Section IV(c))", doc.container_description or "—")
        item("Seal numbers", ", ".join(doc.seal_numbers) if doc.seal_numbers else "none stated")
    procedures = []
    if doc.transparent_security_bags:
        procedures.append("shipped in transparent security bags")
    if doc.number_on_container:
        procedures.append(f"certificate number {doc.number} replicated on the container")
    if procedures:
        item("Optional procedures (Annex I, C)", "; ".join(procedures))
    if doc.transit:
        item(
            "In transit through (Section III(d): to leave each unopened)",
            ", ".join(_named(name, code) for code, name in doc.transit),
        )
    if doc.quality_characteristics:
        item("Quality characteristics of the rough diamonds", doc.quality_characteristics)
    if doc.additional_information:
        item("Additional information", doc.additional_information)
    _boxed(pdf, paragraphs, frame=_RULE)


def _return_slip(pdf: _CertificatePDF, doc: CertificateDocument) -> None:
    """The import confirmation part (Annex I, B), once the importing authority has sent it."""
    slip = doc.return_slip
    if slip is None:
        return
    paragraphs = [
        _Paragraph("Import confirmation (return slip)", "B", 10.5, 5.5, _ACCENT, 0.5),
        _Paragraph(
            f"Country of destination: {_named(doc.importing_country_name, doc.importing_country)}. "
            f"Importer: {doc.importer.name}. Received by the importing authority on "
            f"{long_date(slip.received_on)}; authenticated by {slip.confirmed_by}.",
            space_after=1.0,
        ),
    ]
    if slip.hs_codes_received is not None:
        paragraphs.append(
            _Paragraph(f"HS codes received: {', '.join(slip.hs_codes_received) or 'none'}", space_after=1.0)
        )
    if slip.seals is not None:
        seals = ", ".join(f"{number} ({'intact' if intact else 'BROKEN'})" for number, intact in slip.seals)
        paragraphs.append(_Paragraph(f"Seals found: {seals or 'none'}", space_after=1.0))
    if slip.discrepancies:
        paragraphs.append(_Paragraph("Differences from the certificate:", "B", colour=_RED))
        paragraphs += [_Paragraph(f"• {text}", colour=_RED) for text in slip.discrepancies]
    else:
        paragraphs.append(_Paragraph("The goods received match the certificate."))
    _boxed(pdf, paragraphs, frame=_RED if slip.discrepancies else _RULE)


def _notes(pdf: _CertificatePDF, doc: CertificateDocument) -> None:
    if not doc.notes:
        return
    indent = 5.0
    notes = [_Paragraph(note) for note in doc.notes]
    # Never leave the heading alone at the foot of a page.
    if pdf.get_y() + 6 + _paragraph_height(pdf, pdf.epw - indent, notes[0]) > pdf.page_break_trigger:
        pdf.add_page()
    _section_heading(pdf, "Notes")
    pdf.set_text_color(*_INK)
    for note in notes:
        pdf.set_font(FONT_FAMILY, note.style, note.size)
        pdf.set_x(pdf.l_margin)
        pdf.cell(indent, note.line_height, "•")
        pdf.multi_cell(
            pdf.epw - indent, note.line_height, note.text, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        pdf.ln(0.8)


def render_certificate_pdf(doc: CertificateDocument) -> bytes:
    """The printable certificate as PDF bytes: A4, English, with the credential's QR code.

    Raises ValueError if ``doc.credential`` is not a compact JWS.
    """
    # First, before any font file is opened: a credential that is not a JWS fails here.
    qr_image = _qr_image(doc.credential)
    pdf = _CertificatePDF(doc)
    try:
        pdf.set_title(f"{TITLE} {doc.number}")
        pdf.set_subject(STATEMENT)
        pdf.set_author(doc.issuing_authority)
        pdf.set_creator("kpcs")
        pdf.set_lang("en")
        # The date of issue, not "now": the same certificate renders to the same bytes, which
        # makes the PDF cacheable and its tests exact.
        pdf.set_creation_date(datetime.combine(doc.issued_on, time(0, 0), tzinfo=UTC))
        pdf.add_page()
        _title_block(pdf, doc)
        _summary_and_qr(pdf, doc, qr_image)
        _parties(pdf, doc)
        _lines_table(pdf, doc)
        _optional_elements(pdf, doc)
        _validation(pdf, doc)
        _return_slip(pdf, doc)
        _notes(pdf, doc)
        return bytes(pdf.output())
    finally:
        # fpdf2 reads fonts lazily and keeps their files open until output() closes them; close
        # them on every path, or a render that fails half-way leaks two file handles.
        for font in pdf.fonts.values():
            if isinstance(font, TTFFont):
                font.close()
