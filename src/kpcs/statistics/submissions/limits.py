"""How large a statistics file may be, in one place, each limit with why.

A file is measured against these before it is parsed (the body size, an XLSX's zip
directory and declared dimension) and again while it is read (rows, cells, line and row
lengths), so that no upload, however it is built, costs more than reading a legitimate
file of the largest size: a few seconds and a bounded amount of memory. Each limit is
named in the refusal, so that a clerk knows what to change.
"""

from __future__ import annotations

MIB = 1024 * 1024

MAX_FILE_BYTES = 200 * MIB
"""The file as sent: a million-row trade CSV is about 60 MB, an XLSX of as many rows
about 40 MB."""

MAX_ROWS = 1_048_576
"""Rows of a file, the header and empty rows included: the rows of an Excel sheet, so
every workbook a clerk can save fits, and so does a million-row trade CSV."""

MAX_COLUMNS = 64
"""Cells of one row: the templates have 8 columns; a sheet or CSV saved with a few stray
formatted columns to their right still fits, one with thousands of empty cells per row
does not."""

MAX_CELLS = MAX_ROWS * 16
"""Cells of a whole XLSX sheet, as its dimension declares them or as they are read:
room for every template row with its columns twice over."""

MAX_LINE_BYTES = 64 * 1024
"""One CSV line: a template row is under 100 bytes, the template's notes under 300."""

MAX_XLSX_UNPACKED_BYTES = 512 * MIB
"""An XLSX's members unpacked together: a 1,048,576-row trade sheet written with inline
strings (openpyxl's way) is about 415 MB of XML, with Excel's shared strings about 250 MB."""

MAX_XLSX_RATIO = 100
"""How many times larger than its compressed size any member over 1 MB may unpack to:
sheets of figures deflate about 10 times; a zip bomb, of one repeated byte, about 1,000."""

MAX_XLSX_MEMBERS = 1000
"""Files inside an XLSX: a workbook of a few sheets has about 15."""

MAX_XLSX_ROW_BYTES = 1 * MIB
"""The XML of one sheet row (or one shared string): a template row is under 1 KB, so only
a row of an enormous cell comes near, and it is refused before it is held in memory."""

MAX_XLSX_PART_BYTES = 16 * MIB
"""Each of the workbook's small parts that are read whole (its list of sheets, their
links, its styles): a few kilobytes in a clerk's workbook."""
