"""Reading a workbook's first sheet without openpyxl's reader: values as openpyxl gives them
(shared and inline texts, rich text, numbers, dates), rows as the clerk sees them, and
the limits of a single row."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from openpyxl import Workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from kpcs.statistics.submissions.templates import TemplateError, read_table
from kpcs.statistics.submissions.xlsx import WorkbookRefused, first_sheet_rows
from tests.factories import bombs


def _saved(book: Workbook) -> io.BytesIO:
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def test_values_come_as_openpyxl_gives_them() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["text", CellRichText(TextBlock(InlineFont(b=True), "B"), "W"), 152035.4, 41, True])
    sheet["A2"] = datetime(2025, 1, 1)
    sheet["C3"] = "far"
    rows = list(first_sheet_rows(_saved(book)))
    assert rows == [["text", "BW", 152035.4, 41.0, True], [datetime(2025, 1, 1)], [None, None, "far"]]


def test_a_period_typed_as_a_date_is_named_as_the_clerk_sees_it() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(bombs.TRADE_HEADER))
    sheet.append(["BW", datetime(2025, 1, 1), "export", "EU", "7102.31", 1, 2, 3])
    frame = read_table(_saved(book).getvalue(), "trade.xlsx")
    assert frame["period"].to_list() == ["2025-01-01 00:00:00"]


def test_rows_and_cells_without_references_are_read_in_order() -> None:
    cells = "".join(f'<c t="inlineStr"><is><t>{name}</t></is></c>' for name in bombs.TRADE_HEADER)
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        f'<row>{cells}</row><row><c><v>7</v></c></row><row r="4"><c r="B4"><v>8</v></c></row>'
        "</sheetData></worksheet>"
    )
    workbook = bombs.with_sheet([sheet.encode()])
    assert list(first_sheet_rows(io.BytesIO(workbook)))[1:] == [[7.0], [], [None, 8.0]]


def test_a_value_beyond_the_column_limit_is_refused_but_formatting_is_not() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(bombs.TRADE_HEADER))
    sheet.cell(row=2, column=1, value="BW")
    sheet.cell(row=2, column=200).style = "Comma"  # formatted, empty: ignored
    assert list(first_sheet_rows(_saved(book)))[1] == ["BW"]
    sheet.cell(row=3, column=65, value="x")
    with pytest.raises(WorkbookRefused, match="row 3 of the first sheet has a value in column 65"):
        list(first_sheet_rows(_saved(book)))


def test_a_broken_workbook_is_named_not_a_traceback() -> None:
    with pytest.raises(TemplateError) as refused:
        read_table(b"PK\x03\x04 but not a zip", "trade.xlsx")
    assert refused.value.errors[0].message.startswith("the file is not a readable XLSX workbook")
