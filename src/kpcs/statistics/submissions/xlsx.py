"""The first sheet of an XLSX workbook, row by row, within :mod:`limits`.

An XLSX is a zip of XML files, and both can be made to explode: a megabyte that unpacks to
gigabytes, a sheet of millions of empty rows, one cell of hundreds of megabytes. So the zip
directory is measured first (members, unpacked size, compression ratio), then the sheet's
declared dimension, then its bytes are scanned (rows, cells, the last row holding a value)
without building any XML, and only then is the sheet's XML streamed, a chunk at a time, up
to that last row, counting the bytes of the row being read; nothing bigger than one row is
held besides the shared strings. openpyxl builds a Python object per cell and pads every row to
the declared width: a sheet of 1.5 million empty rows cost it 13 to 29 s of a server's CPU,
here under a second (benchmarks/uploads.py).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from datetime import datetime
from typing import IO
from xml.etree.ElementTree import Element, ParseError, XMLPullParser

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

from kpcs.statistics.submissions import limits

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELATIONSHIPS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_DOCUMENT_RELATIONSHIPS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_ROW, _CELL, _VALUE = f"{_MAIN}row", f"{_MAIN}c", f"{_MAIN}v"
_INLINE, _TEXT, _PHONETIC = f"{_MAIN}is", f"{_MAIN}t", f"{_MAIN}rPh"
_CHUNK = 8 * 1024
"""Bytes of XML parsed at a time. Small on purpose: the elements of a chunk live until its
rows are read, and the more of them live through Python's garbage collections the longer
each takes; 64 KB chunks made a 100,000-row sheet three times slower in a server."""
_SCAN_CHUNK = 1024 * 1024
"""Bytes scanned at a time for rows and values (no objects made: as large as is cheap)."""
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]*)([0-9]*)(?::([A-Z]*)([0-9]*))?\"")
_CELL_REFERENCE = re.compile(r"([A-Z]+)([0-9]+)")

Value = str | float | bool | datetime | None


class WorkbookRefused(ValueError):
    """The workbook is broken or over a limit; the message says which and what to do."""


def first_sheet_rows(source: IO[bytes]) -> Iterator[list[Value]]:
    """Each row of the workbook's first sheet, empty rows included, as a list of values
    (text, number, true/false, or a date for a cell formatted as one)."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        raise WorkbookRefused(f"the file is not a readable XLSX workbook: {exc}") from None
    with archive:
        _measure(archive)
        try:
            sheet = _first_sheet_path(archive)
            strings = _shared_strings(archive)
            dates, epoch = _date_styles(archive)
            _check_dimension(archive, sheet)
            last = _last_row_with_a_value(archive, sheet)
            yield from _rows(archive, sheet, strings, dates, epoch, last)
        except (KeyError, ParseError, zipfile.BadZipFile, EOFError) as exc:
            raise WorkbookRefused(f"the file is not a readable XLSX workbook: {exc}") from None


def _measure(archive: zipfile.ZipFile) -> None:
    """Refuse a zip bomb from its directory alone, before a byte is unpacked."""
    members = archive.infolist()
    if len(members) > limits.MAX_XLSX_MEMBERS:
        raise WorkbookRefused(
            f"the workbook holds {len(members):,} files; an XLSX may hold at most {limits.MAX_XLSX_MEMBERS:,}"
        )
    unpacked = sum(member.file_size for member in members)
    if unpacked > limits.MAX_XLSX_UNPACKED_BYTES:
        raise WorkbookRefused(
            f"the workbook unpacks to {unpacked / limits.MIB:,.0f} MB; an XLSX may unpack to at most "
            f"{limits.MAX_XLSX_UNPACKED_BYTES // limits.MIB} MB: split it, or send it as CSV"
        )
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > limits.MIB and ratio > limits.MAX_XLSX_RATIO:
            raise WorkbookRefused(
                f"{member.filename} in the workbook unpacks to {ratio:,.0f} times its packed size; "
                f"at most {limits.MAX_XLSX_RATIO} times is accepted (a sheet of figures packs about 10 times)"
            )


def _check_dimension(archive: zipfile.ZipFile, sheet: str) -> None:
    """Refuse a sheet whose declared dimension (at its start) is over the row or cell limit."""
    with archive.open(sheet) as stream:
        head = stream.read(4096)
    found = _DIMENSION.search(head)
    if found is None:
        return
    first_column, first_row, last_column, last_row = (
        part.decode() if part else "" for part in found.groups()
    )
    rows = int(last_row or first_row or 0)
    columns = _column_number(last_column or first_column or "A")
    if rows > limits.MAX_ROWS:
        raise WorkbookRefused(
            f"the first sheet declares {rows:,} rows; a sheet may have at most {limits.MAX_ROWS:,} "
            "(delete the empty rows under the figures, or split the file)"
        )
    if rows * columns > limits.MAX_CELLS:
        raise WorkbookRefused(
            f"the first sheet declares {rows:,} rows of {columns:,} columns; a sheet may have at most "
            f"{limits.MAX_CELLS:,} cells (delete the empty columns right of the figures)"
        )


_ROW_START = re.compile(rb"<(?:\w+:)?row\b[^>]*>")
_ROW_NUMBER = re.compile(rb"\sr=\"([0-9]+)\"")
_VALUE_START = re.compile(rb"<(?:\w+:)?(?:v|is)\b")


def _last_row_with_a_value(archive: zipfile.ZipFile, sheet: str) -> int:
    """The number of the sheet's last row that holds a value, found by scanning its bytes
    (no XML is built: about the speed of unpacking). On the way the rows, empty ones too,
    and the cells are counted against the limits, so a sheet of 1.5 million empty rows is
    refused in about a second; and the empty rows under the last value are never parsed."""
    rows = cells = last_valued = 0
    pending = b""
    with archive.open(sheet) as stream:
        while True:
            chunk = stream.read(_SCAN_CHUNK)
            pending += chunk
            cut = pending.rfind(b"<") if chunk else len(pending)
            if cut <= 0:  # no tag ends here: text goes on
                if len(pending) > limits.MAX_XLSX_ROW_BYTES:
                    raise WorkbookRefused(
                        f"{sheet} in the workbook has a row or text of more than "
                        f"{limits.MAX_XLSX_ROW_BYTES // limits.MIB} MB; a row of the template is under 1 KB"
                    )
                continue
            whole, pending = pending[:cut], pending[cut:]  # never a tag cut in two
            starts = [match.start() for match in _ROW_START.finditer(whole)]
            numbers = _row_numbers(whole, starts, rows)
            if _VALUE_START.search(whole):
                last_valued = _last_valued(whole, starts, numbers, rows, last_valued)
            rows = max(rows, numbers[-1]) if numbers else rows
            cells += whole.count(b"<c ") + whole.count(b"<c>") + whole.count(b":c ")
            if rows > limits.MAX_ROWS:
                raise WorkbookRefused(
                    f"the first sheet has more than {limits.MAX_ROWS:,} rows, the most a sheet may have "
                    "(delete the empty rows under the figures, or split the file)"
                )
            if cells > limits.MAX_CELLS:
                raise WorkbookRefused(f"the first sheet has more than {limits.MAX_CELLS:,} cells")
            if not chunk:
                return last_valued


def _row_numbers(whole: bytes, starts: list[int], before: int) -> list[int]:
    """The number of each row starting in ``whole``: its ``r``, else the one after."""
    if not starts:
        return []
    last = _ROW_NUMBER.search(whole, starts[-1], whole.find(b">", starts[-1]) + 1)
    if last is not None and int(last.group(1)) == before + len(starts):
        return list(range(before + 1, before + len(starts) + 1))  # the usual case: one after another
    numbers: list[int] = []
    for start in starts:
        found = _ROW_NUMBER.search(whole, start, whole.find(b">", start) + 1)
        numbers.append(int(found.group(1)) if found else (numbers[-1] if numbers else before) + 1)
    return numbers


def _last_valued(whole: bytes, starts: list[int], numbers: list[int], before: int, known: int) -> int:
    """The number of the last row holding a value in ``whole`` (text continuing row
    ``before`` may come first), or ``known`` when none does."""
    for index in range(len(starts) - 1, -1, -1):
        end = starts[index + 1] if index + 1 < len(starts) else len(whole)
        if _VALUE_START.search(whole, starts[index], end):
            return max(known, numbers[index])
    if _VALUE_START.search(whole, 0, starts[0] if starts else len(whole)):
        return max(known, before)
    return known


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _elements(archive: zipfile.ZipFile, member: str, item: str | None) -> Iterator[tuple[str, Element]]:
    """The start and end events of ``member``'s XML, fed a chunk at a time; refused when
    more than :data:`limits.MAX_XLSX_ROW_BYTES` go by without an ``item`` ending, so that
    one enormous row or string is never held whole."""
    parser: XMLPullParser[Element] = XMLPullParser(events=("start", "end"))
    since_item = 0
    with archive.open(member) as stream:
        while chunk := stream.read(_CHUNK):
            parser.feed(chunk)
            since_item += len(chunk)
            for event, element in parser.read_events():  # type: ignore[misc]
                if event == "end" and element.tag == item:  # type: ignore[union-attr]
                    since_item = 0
                yield event, element  # type: ignore[misc]
            if item is not None and since_item > limits.MAX_XLSX_ROW_BYTES:
                raise WorkbookRefused(
                    f"{member} in the workbook has a row or text of more than "
                    f"{limits.MAX_XLSX_ROW_BYTES // limits.MIB} MB; a row of the template is under 1 KB"
                )
        parser.close()
        yield from parser.read_events()  # type: ignore[misc]


def _first_sheet_path(archive: zipfile.ZipFile) -> str:
    workbook = _small_xml(archive, "xl/workbook.xml")
    sheet = workbook.find(f"{_MAIN}sheets/{_MAIN}sheet")
    if sheet is None:
        raise WorkbookRefused("the workbook has no sheet")
    relation = sheet.get(f"{_DOCUMENT_RELATIONSHIPS}id")
    for link in _small_xml(archive, "xl/_rels/workbook.xml.rels").iter(f"{_RELATIONSHIPS}Relationship"):
        if link.get("Id") == relation:
            target = link.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
    raise WorkbookRefused("the workbook does not say where its first sheet is")


def _small_xml(archive: zipfile.ZipFile, member: str) -> Element:
    """A workbook part that is small by nature, read whole once its size is known to be."""
    size = archive.getinfo(member).file_size
    if size > limits.MAX_XLSX_PART_BYTES:
        raise WorkbookRefused(
            f"{member} in the workbook unpacks to {size / limits.MIB:,.0f} MB; "
            f"at most {limits.MAX_XLSX_PART_BYTES // limits.MIB} MB is accepted"
        )
    root = None
    for event, element in _elements(archive, member, None):
        if event == "start" and root is None:
            root = element
    assert root is not None
    return root


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    """The workbook's table of strings (cells of type ``s`` point into it)."""
    if "xl/sharedStrings.xml" not in archive.NameToInfo:
        return []
    strings: list[str] = []
    item = f"{_MAIN}si"
    root = None
    for event, element in _elements(archive, "xl/sharedStrings.xml", item):
        if root is None:
            root = element
        if event == "end" and element.tag == item:
            strings.append(_text(element))
            if len(strings) > limits.MAX_CELLS:
                raise WorkbookRefused(f"the workbook has more than {limits.MAX_CELLS:,} distinct texts")
            root.clear()
    return strings


def _text(element: Element) -> str:
    """A string item's text, its rich-text runs joined, its phonetic guides left out."""
    parts = []
    for child in element.iter():
        if child.tag == _PHONETIC:
            break
        if child.tag == _TEXT and child.text:
            parts.append(child.text)
    return "".join(parts)


def _date_styles(archive: zipfile.ZipFile) -> tuple[set[int], datetime]:
    """Which cell styles show a date, and the workbook's day zero."""
    workbook = _small_xml(archive, "xl/workbook.xml")
    properties = workbook.find(f"{_MAIN}workbookPr")
    epoch = (
        CALENDAR_MAC_1904
        if properties is not None and properties.get("date1904", "").lower() in ("1", "true")
        else CALENDAR_WINDOWS_1900
    )
    if "xl/styles.xml" not in archive.NameToInfo:
        return set(), epoch
    styles = _small_xml(archive, "xl/styles.xml")
    formats: dict[int, str] = dict(BUILTIN_FORMATS)
    for custom in styles.iter(f"{_MAIN}numFmt"):
        formats[int(custom.get("numFmtId", "0"))] = custom.get("formatCode", "")
    dates = set()
    cell_styles = styles.find(f"{_MAIN}cellXfs")
    for index, style in enumerate(cell_styles if cell_styles is not None else []):
        if is_date_format(formats.get(int(style.get("numFmtId", "0")), "")):
            dates.add(index)
    return dates, epoch


def _rows(
    archive: zipfile.ZipFile, sheet: str, strings: list[str], dates: set[int], epoch: datetime, last: int
) -> Iterator[list[Value]]:
    """The sheet's rows in order up to row ``last`` (the last holding a value), missing
    rows filled in as empty ones, each counted against :data:`limits.MAX_ROWS` and its
    cells against :data:`limits.MAX_CELLS` (the scan has counted them, but the XML may
    say otherwise than its bytes seemed to)."""
    rows = cells = 0
    sheet_data = None
    for event, element in _elements(archive, sheet, _ROW):
        if event == "start":
            if sheet_data is None and element.tag == f"{_MAIN}sheetData":
                sheet_data = element
            continue
        if element.tag != _ROW:
            continue
        number = int(element.get("r") or rows + 1)
        if number > last:
            return
        if number > limits.MAX_ROWS:
            raise WorkbookRefused(
                f"the first sheet has more than {limits.MAX_ROWS:,} rows, the most a sheet may have "
                "(delete the empty rows under the figures, or split the file)"
            )
        while rows + 1 < number:  # rows the sheet leaves out are empty
            rows += 1
            yield []
        rows = max(rows + 1, number)
        values: list[Value] = []
        for cell in element.iter(_CELL):
            cells += 1
            column = len(values) + 1
            reference = cell.get("r")
            if reference is not None and (found := _CELL_REFERENCE.fullmatch(reference)):
                column = _column_number(found.group(1))
            if column > limits.MAX_COLUMNS:
                if cell.find(_VALUE) is None and cell.find(_INLINE) is None:
                    continue  # an empty cell far to the right: formatting, not figures
                raise WorkbookRefused(
                    f"row {number:,} of the first sheet has a value in column {column:,}; "
                    f"a row may have at most {limits.MAX_COLUMNS} columns"
                )
            values.extend([None] * (column - 1 - len(values)))
            values.append(_value(cell, strings, dates, epoch))
        if cells > limits.MAX_CELLS:
            raise WorkbookRefused(f"the first sheet has more than {limits.MAX_CELLS:,} cells")
        if sheet_data is not None:
            sheet_data.clear()  # the rows read so far: nothing but the current row is kept
        yield values


def _value(cell: Element, strings: list[str], dates: set[int], epoch: datetime) -> Value:
    """A cell's value as openpyxl would give it (``data_only``: a formula's cached result)."""
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        inline = cell.find(_INLINE)
        return None if inline is None else _text(inline)
    raw = cell.findtext(_VALUE)
    if raw is None:
        return None
    if kind == "s":
        index = int(raw)
        if not 0 <= index < len(strings):
            raise WorkbookRefused(f"cell {cell.get('r')} points to a text the workbook does not have")
        return strings[index]
    if kind == "b":
        return raw.strip() == "1"
    if kind in ("str", "e", "d"):
        return raw
    try:
        number = float(raw)
    except ValueError:
        return raw
    if int(cell.get("s", "0")) in dates:
        try:
            return from_excel(number, epoch)  # type: ignore[no-any-return]
        except (OverflowError, ValueError):
            return number
    return number
