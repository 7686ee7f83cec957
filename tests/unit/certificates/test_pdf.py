"""The printable certificate: its text, its metadata, and a QR code that scans from the page."""

from __future__ import annotations

import base64
import io
import random
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import zxingcpp
from PIL import Image

from kpcs.certificates.document import STATEMENT, TITLE, CertificateDocument, Line, Party
from kpcs.certificates.pdf import render_certificate_pdf
from kpcs.certificates.qr import decode_qr_image, decode_qr_text
from tests.pdf import opened, page_texts
from tests.unit.certificates.test_qr import KID, sign_credential, vc_payload

ORIGINS = {"BW": "Botswana", "CF": "Central African Republic", "CI": "Côte d'Ivoire", "mixed": ""}


def make_lines(count: int) -> tuple[Line, ...]:
    rng = random.Random(count)
    codes = ("7102.31", "7102.21", "7102.10")
    origins = tuple(ORIGINS)
    lines = []
    for index in range(count):
        origin = origins[index % len(origins)]
        carats = Decimal(rng.randint(100, 999_999)) / 100
        value = Decimal(rng.randint(10_000, 99_999_999)) / 100
        lines.append(Line(codes[index % 3], origin, ORIGINS[origin], carats, value))
    return tuple(lines)


THREE = (
    Line("7102.31", "BW", "Botswana", Decimal("1520.35"), Decimal("310250.00")),
    Line("7102.21", "CF", "Central African Republic", Decimal("842.10"), Decimal("51200.50")),
    Line("7102.10", "mixed", "", Decimal("12.75"), Decimal("9800.00")),
)


def credential_for(number: str, lines: tuple[Line, ...]) -> str:
    payload_lines: list[dict[str, Any]] = [
        {
            "hs_code": li.hs_code,
            "origin": li.origin,
            "carats": float(li.carats),
            "value_usd": float(li.value_usd),
        }
        for li in lines
    ]
    return sign_credential(vc_payload(number, payload_lines))


def make_document(lines: tuple[Line, ...] = THREE, **changes: Any) -> CertificateDocument:
    number = changes.pop("number", "BW-2025-000123")
    doc = CertificateDocument(
        number=number,
        status="issued",
        issued_on=date(2025, 3, 3),
        expires_on=date(2025, 5, 2),
        issuing_authority="Government Diamond Valuator, Ministry of Minerals and Energy",
        exporting_participant="BW",
        exporting_participant_name="Botswana",
        exporting_country="BW",
        exporting_country_name="Botswana",
        importing_participant="EU",
        importing_participant_name="European Union",
        importing_country="BE",
        importing_country_name="Belgium",
        exporter=Party(
            "Sodiam Berbérati Export SARL", "Quartier Haoussa, BP 1234, Berbérati, République centrafricaine"
        ),
        importer=Party("Diamanthandel Zürich & Antwerpen NV", "Hoveniersstraat 30, 2018 Antwerpen, Belgique"),
        parcel_count=3,
        lines=lines,
        kid=KID,
        credential=credential_for(number, lines),
        notes=("Transit through Côte d'Ivoire: none.",),
    )
    return replace(doc, **changes)


def page_png(pdf: bytes, *, dpi: int, index: int = 0) -> bytes:
    with opened(pdf) as document:
        page = document[index]
        bitmap = page.render(scale=dpi / 72)
        image: Image.Image = bitmap.to_pil()
        out = io.BytesIO()
        image.save(out, format="PNG")
        bitmap.close()
        page.close()
    return out.getvalue()


@pytest.fixture(scope="module")
def document() -> CertificateDocument:
    return make_document()


@pytest.fixture(scope="module")
def pdf(document: CertificateDocument) -> bytes:
    return render_certificate_pdf(document)


def test_the_fixture_credential_is_realistic(document: CertificateDocument) -> None:
    assert 1800 <= len(document.credential) <= 2000
    header = document.credential.split(".")[0]
    assert b'"kid":"' + KID.encode() in base64.urlsafe_b64decode(header + "==")


def test_it_is_a_single_a4_page_pdf(pdf: bytes) -> None:
    assert pdf.startswith(b"%PDF-")
    with opened(pdf) as document:
        assert len(document) == 1
        width, height = document.get_page_size(0)
    # A4 in points: 595 x 842.
    assert (round(width), round(height)) == (595, 842)


def test_metadata_names_the_certificate(pdf: bytes) -> None:
    with opened(pdf) as document:
        metadata = document.get_metadata_dict()
    assert metadata["Title"] == "Kimberley Process Certificate BW-2025-000123"
    assert metadata["Creator"] == "kpcs"


def test_the_page_states_what_annex_i_requires(pdf: bytes) -> None:
    (text,) = page_texts(pdf)
    for expected in (
        TITLE,
        STATEMENT,
        "BW-2025-000123",
        "3 March 2025",
        "2 May 2025",
        "Government Diamond Valuator, Ministry of Minerals and Energy",
        "Botswana (BW)",
        "European Union (EU)",
        "Belgium (BE)",
        "Sodiam Berbérati Export SARL",
        "Quartier Haoussa, BP 1234, Berbérati, République centrafricaine",
        "Diamanthandel Zürich & Antwerpen NV",
        "Hoveniersstraat 30, 2018 Antwerpen, Belgique",
        "Number of parcels 3",
        "Transit through Côte d'Ivoire: none.",
    ):
        assert expected in text, expected


def test_the_lines_and_their_totals_are_printed(pdf: bytes) -> None:
    (text,) = page_texts(pdf)
    assert "7102.31 Botswana (BW) 1,520.35 310,250.00" in text
    assert "7102.21 Central African Republic (CF) 842.10 51,200.50" in text
    assert "7102.10 Mixed 12.75 9,800.00" in text
    assert "Total 2,375.20 371,250.50" in text


def test_the_validation_box_names_the_signature_and_key(pdf: bytes, document: CertificateDocument) -> None:
    (text,) = page_texts(pdf)
    assert "Validation" in text
    assert "digital signature (Ed25519)" in text
    assert f"Signing key id (kid) {KID}" in text
    assert " ".join(document.verification_hint.split()) in text
    assert "CANCELLED" not in text


@pytest.mark.parametrize("dpi", [150, 200])
def test_the_printed_qr_code_scans_back_to_the_exact_credential(
    pdf: bytes, document: CertificateDocument, dpi: int
) -> None:
    texts = decode_qr_image(page_png(pdf, dpi=dpi))
    assert len(texts) == 1
    assert decode_qr_text(texts[0]) == document.credential


def test_the_qr_code_is_at_least_70_mm_wide(pdf: bytes) -> None:
    dpi = 150
    with Image.open(io.BytesIO(page_png(pdf, dpi=dpi))) as page:
        (found,) = zxingcpp.read_barcodes(page.convert("L"))
    # The corners zxing reports are those of the symbol itself, quiet zone excluded.
    corners = found.position
    width_mm = (corners.top_right.x - corners.top_left.x) / dpi * 25.4
    height_mm = (corners.bottom_left.y - corners.top_left.y) / dpi * 25.4
    assert width_mm >= 70, width_mm
    assert height_mm >= 70, height_mm
    # In the top right-hand corner, clear of the text: its left edge is right of the page's middle.
    assert corners.top_left.x / dpi * 25.4 > 105


def test_rendering_is_deterministic(document: CertificateDocument, pdf: bytes) -> None:
    assert render_certificate_pdf(document) == pdf


def test_a_cancelled_certificate_says_so(document: CertificateDocument) -> None:
    cancelled = render_certificate_pdf(replace(document, status="cancelled"))
    texts = page_texts(cancelled)
    assert all("CANCELLED" in text for text in texts)
    assert "CANCELLED by the issuing authority" in texts[0]
    # The mark must not stop the code from scanning: /verify then tells the status.
    (qr_text,) = decode_qr_image(page_png(cancelled, dpi=150))
    assert decode_qr_text(qr_text) == document.credential


def test_forty_lines_run_onto_a_second_page_with_headings_and_totals() -> None:
    lines = make_lines(40)
    doc = make_document(lines, number="BW-2025-004040")
    pdf = render_certificate_pdf(doc)
    texts = page_texts(pdf)
    assert len(texts) == 2
    assert "Page 1 of 2" in texts[0]
    assert "Page 2 of 2" in texts[1]
    assert "BW-2025-004040 (continued)" in texts[1]
    assert "HS code Country of origin Carats Value (US$)" in texts[1]
    everything = " ".join(texts)
    for number, line in enumerate(lines, start=1):
        origin = "Mixed" if line.origin == "mixed" else f"{line.origin_name} ({line.origin})"
        assert f"{number} {line.hs_code} {origin} {line.carats:,.2f} {line.value_usd:,.2f}" in everything
    assert f"Total {doc.total_carats:,.2f} {doc.total_value_usd:,.2f}" in everything
    assert f"Signing key id (kid) {KID}" in everything
    # The bigger credential still fits and scans from page 1.
    (qr_text,) = decode_qr_image(page_png(pdf, dpi=150))
    assert decode_qr_text(qr_text) == doc.credential


def test_a_credential_too_large_for_a_qr_code_still_prints(document: CertificateDocument) -> None:
    part = base64.urlsafe_b64encode(random.Random(1).randbytes(4000)).rstrip(b"=").decode()
    pdf = render_certificate_pdf(replace(document, credential=f"{part}.{part}.{part}"))
    (text,) = page_texts(pdf)
    assert "No QR code: the signed credential is too large" in text
    assert decode_qr_image(page_png(pdf, dpi=150)) == []


def test_a_credential_that_is_not_a_jws_is_refused(document: CertificateDocument) -> None:
    with pytest.raises(ValueError, match="not a signed credential"):
        render_certificate_pdf(replace(document, credential="not a credential"))


def test_no_notes_no_notes_heading(document: CertificateDocument) -> None:
    (text,) = page_texts(render_certificate_pdf(replace(document, notes=())))
    assert "Notes" not in text
