"""Files built to exhaust a server that parses uploads naively: workbooks that unpack to
hundreds of megabytes or declare millions of rows, and CSVs with monstrous lines. Built
here, in a few hundred milliseconds, so that tests and benchmarks need no stored files."""

from __future__ import annotations

import base64
import io
import os
import zipfile
from collections.abc import Iterable, Iterator

from openpyxl import Workbook

TRADE_HEADER = ("participant", "period", "flow", "partner", "hs_code", "carats", "value_usd", "certificates")
_SHEET = "xl/worksheets/sheet1.xml"
_OPEN = '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def trade_workbook(rows: Iterable[Iterable[object]] = ()) -> bytes:
    """A genuine XLSX (written by openpyxl) with the trade header and ``rows``."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(TRADE_HEADER))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_sheet(chunks: Iterable[bytes], *, extra_members: int = 0) -> bytes:
    """A genuine workbook whose first sheet's XML is replaced by ``chunks`` (streamed into
    the zip, so the bomb is never whole in memory)."""
    source = zipfile.ZipFile(io.BytesIO(trade_workbook()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        for info in source.infolist():
            if info.filename == _SHEET:
                with bomb.open(_SHEET, "w", force_zip64=True) as sheet:
                    for chunk in chunks:
                        sheet.write(chunk)
            else:
                bomb.writestr(info, source.read(info))
        for n in range(extra_members):
            bomb.writestr(f"customXml/item{n}.xml", "<a/>")
    return out.getvalue()


def _header_row() -> str:
    cells = "".join(
        f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{name}</t></is></c>'
        for i, name in enumerate(TRADE_HEADER)
    )
    return f'<row r="1">{cells}</row>'


def empty_rows_workbook(rows: int, *, dimension: bool = True) -> bytes:
    """The trade header, then ``rows`` empty rows (each a formatted, valueless cell, as a
    sheet gets when a column is formatted to its end); ``dimension`` declares them too."""

    def chunks() -> Iterator[bytes]:
        declared = f'<dimension ref="A1:H{rows + 1}"/>' if dimension else ""
        yield f"{_OPEN}{declared}<sheetData>{_header_row()}".encode()
        for start in range(2, rows + 2, 10_000):
            yield "".join(
                f'<row r="{r}"><c r="A{r}" s="0"/></row>' for r in range(start, min(start + 10_000, rows + 2))
            ).encode()
        yield b"</sheetData></worksheet>"

    return with_sheet(chunks())


def inflating_workbook(megabytes: int, *, packs: bool = True) -> bytes:
    """An XLSX of one cell of ``megabytes`` MB: of one repeated letter (the workbook is
    small and unpacks to hundreds of times its size), or random text that hardly packs
    (``packs=False``: no compression ratio gives it away)."""

    def chunks() -> Iterator[bytes]:
        yield f'{_OPEN}<sheetData>{_header_row()}<row r="2"><c r="A2" t="inlineStr"><is><t>'.encode()
        for _ in range(megabytes):
            yield b"A" * (1024 * 1024) if packs else base64.b64encode(os.urandom(768 * 1024))
        yield b"</t></is></c></row></sheetData></worksheet>"

    return with_sheet(chunks())


def many_members_workbook(members: int) -> bytes:
    """A genuine XLSX padded with ``members`` tiny extra files."""
    return with_sheet(
        [f"{_OPEN}<sheetData>{_header_row()}</sheetData></worksheet>".encode()], extra_members=members
    )


def long_line_csv(megabytes: int) -> bytes:
    """The trade header, then a single line of ``megabytes`` MB."""
    return (",".join(TRADE_HEADER) + "\n" + "B" * (megabytes * 1024 * 1024) + "\n").encode()


def wide_csv(cells: int) -> bytes:
    """The trade header, then one line of ``cells`` empty cells (a line short enough, but
    with far more cells than the template's columns)."""
    return (",".join(TRADE_HEADER) + "\n" + "," * (cells - 1) + "\n").encode()


def blank_lines_csv(lines: int) -> bytes:
    """The trade header, then ``lines`` blank lines."""
    return (",".join(TRADE_HEADER) + "\n").encode() + b"\n" * lines
