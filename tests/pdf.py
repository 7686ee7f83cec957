"""Reading the PDFs kpcs makes, as a reader's PDF viewer would (pdfium)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pypdfium2 as pdfium  # type: ignore[import-untyped]


@contextmanager
def opened(pdf: bytes) -> Iterator[pdfium.PdfDocument]:
    """The PDF open in pdfium, closed afterwards."""
    document = pdfium.PdfDocument(pdf)
    try:
        yield document
    finally:
        document.close()


def page_texts(pdf: bytes) -> list[str]:
    """The text of every page, with runs of whitespace (line breaks included) made one space."""
    texts = []
    with opened(pdf) as document:
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            texts.append(" ".join(textpage.get_text_range().split()))
            textpage.close()
            page.close()
    return texts
