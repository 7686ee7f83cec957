"""The two Annex III templates and the checks every uploaded row must pass.

Pure (no database): a file is read into a Polars frame of text columns, and every rule is
one vectorised expression over the whole frame, so a million rows are checked in about a
second and every broken row is named at once. Row numbers are the spreadsheet's: the
header is row 1, the first figures row 2.
"""

from __future__ import annotations

import io
import re
import tempfile
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from operator import methodcaller
from typing import IO

import polars as pl

from kpcs.statistics.domain import StatisticsKind
from kpcs.statistics.submissions import limits

TRADE_COLUMNS = ("participant", "period", "flow", "partner", "hs_code", "carats", "value_usd", "certificates")
PRODUCTION_COLUMNS = ("participant", "period", "mining_type", "carats", "value_usd")
COLUMNS = {StatisticsKind.TRADE: TRADE_COLUMNS, StatisticsKind.PRODUCTION: PRODUCTION_COLUMNS}
KEYS = {
    StatisticsKind.TRADE: ("participant", "period", "flow", "partner", "hs_code"),
    StatisticsKind.PRODUCTION: ("participant", "period", "mining_type"),
}
HS_CODES = ("7102.10", "7102.21", "7102.31")
FLOWS = ("export", "import")
MINING_TYPES = ("LSM", "ASM")
FIRST_YEAR = 2003
"""The Scheme's first full year of statistics."""
MAX_ERRORS = 1000
"""Errors listed in one answer; a file with more is refused with a count of the rest."""

AMOUNT = r"^[0-9]{1,16}(\.[0-9]{1,2})?$"
COUNT = r"^[0-9]{1,9}$"


@dataclass(frozen=True)
class RowError:
    """What is wrong with one cell (``row`` and ``column`` are None for the whole file)."""

    row: int | None
    column: str | None
    message: str


class TemplateError(ValueError):
    """The file is refused; ``errors`` names every broken row, column and reason."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} problem(s) in the file")
        self.errors = errors


def kind_of(header: Iterable[str]) -> StatisticsKind:
    """Which template a header row belongs to."""
    names = tuple(name.strip().lower() for name in header)
    for kind, columns in COLUMNS.items():
        if names == columns:
            return kind
    raise TemplateError(
        [
            RowError(
                1,
                None,
                "the header row must be exactly "
                + " or ".join(",".join(columns) for columns in COLUMNS.values())
                + f"; found {','.join(names) or 'nothing'}",
            )
        ]
    )


def read_table(source: bytes | IO[bytes], filename: str) -> pl.DataFrame:
    """A CSV or XLSX file as a frame of text columns (no type guessing: the checks decide).

    CSV comes as the contract writes it (commas, decimal points) or as Excel writes it in
    much of Europe: semicolons, decimal commas, perhaps a ``sep=;`` first line and the
    Windows code page. Lines that begin with ``#`` are notes (the template's example row).
    ``source`` is read as a stream, within :mod:`limits`: a file over one is refused,
    naming it, before it is held in memory.
    """
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    stream.seek(0)
    start = stream.read(4)
    stream.seek(0)
    if filename.lower().endswith(".xlsx") or start == b"PK\x03\x04":
        return _read_xlsx(stream)
    with tempfile.NamedTemporaryFile(prefix="kpcs-statistics-", suffix=".csv") as kept:
        separator, lines = _copy_figures(stream, kept)
        kept.flush()
        try:
            frame = pl.read_csv(
                kept.name, separator=separator, infer_schema=False, truncate_ragged_lines=False
            )
        except pl.exceptions.NoDataError:
            frame = pl.DataFrame()
        except pl.exceptions.PolarsError as exc:
            raise TemplateError([RowError(None, None, f"the file is not a readable CSV: {exc}")]) from None
    if frame.height == len(lines) - 1 and LINE not in frame.columns:
        frame = frame.with_columns(pl.Series(LINE, lines[1:], dtype=pl.Int64))
    if separator == ";":
        frame = _decimal_commas(frame)
    return frame


LINE = "__line"
"""The column that carries each row's line number in the file (notes and blank lines are
left out, yet an error names the row the clerk sees)."""


def _copy_figures(source: IO[bytes], kept: IO[bytes]) -> tuple[str, array[int]]:
    """Copy the header and figure lines of a CSV to ``kept`` as UTF-8, a block at a time,
    leaving out notes, blank lines and a ``sep=`` line; return the separator and the line
    number of each line kept."""
    try:
        return _copy_lines(source, kept, "utf-8")
    except UnicodeDecodeError:
        # Excel's plain "CSV" is written in the Windows code page; every valid value is
        # ASCII, so anything else is named by the row checks with the value as written.
        source.seek(0)
        kept.seek(0)
        kept.truncate()
        return _copy_lines(source, kept, "cp1252")


def _copy_lines(source: IO[bytes], kept: IO[bytes], encoding: str) -> tuple[str, array[int]]:
    """One pass over the file a block of whole lines at a time, refusing the first line
    over a limit of :mod:`limits` (no line is read whole past :data:`_BLOCK`). A block
    without notes or blank lines is copied as it is: per-line Python work would double
    the time of a million-row file."""
    lines = array("q")
    separator = ""
    number = 0
    rest = b""
    while True:
        chunk = source.read(_BLOCK)
        block = rest + chunk
        if chunk:
            end = block.rfind(b"\n") + 1
            if end == 0:
                _check_line_length([block], number)
                rest = block
                continue
            block, rest = block[:end], block[end:]
        else:
            rest = b""  # the end of the file: its last line may have no line break
        if not block:
            return separator or ",", lines
        raws = block.split(b"\n")
        if raws[-1] == b"":
            raws.pop()
        _check_line_length(raws, number)
        if number + len(raws) > limits.MAX_ROWS:
            raise TemplateError(
                [RowError(None, None, f"the file has more than {limits.MAX_ROWS:,} lines: split it")]
            )
        if b"\x00" in block:
            at = number + next(index for index, raw in enumerate(raws, start=1) if b"\x00" in raw)
            not_text = f"the file is not text (a NUL byte on line {at}): save it as CSV or XLSX"
            raise TemplateError([RowError(None, None, not_text)])
        text = block.decode(encoding, errors="strict" if encoding == "utf-8" else "replace")
        if number == 0:
            text = text.removeprefix("\ufeff")
        if separator and not _NOTES_OR_BLANKS.search(text.removesuffix("\n")):
            _check_cells(raws, separator, number)
            kept.write(text.encode())
            lines.extend(range(number + 1, number + len(raws) + 1))
        else:
            for index, line in enumerate(text.removesuffix("\n").split("\n"), start=number + 1):
                stripped = line.strip()
                if not separator:
                    if stripped.lower().startswith("sep=") and len(stripped) == 5:
                        separator = stripped[4]
                        continue
                    if not stripped or stripped.startswith("#"):
                        continue
                    separator = ";" if ";" in stripped and "," not in stripped else ","
                if not stripped or stripped.startswith("#"):
                    continue
                _check_cells([line.encode()], separator, index - 1)
                kept.write(line.rstrip("\r").encode() + b"\n")
                lines.append(index)
        number += len(raws)


_BLOCK = 1024 * 1024
"""Bytes of a CSV read at a time (then cut after its last whole line)."""
_NOTES_OR_BLANKS = re.compile(r"(?m)^[ \t]*(#|\r?$)")


def _check_line_length(raws: list[bytes], before: int) -> None:
    longest = max(map(len, raws))
    if longest > limits.MAX_LINE_BYTES:
        at = before + 1 + next(index for index, raw in enumerate(raws) if len(raw) == longest)
        too_long = f"the line is longer than {limits.MAX_LINE_BYTES // 1024} KB (a template row: 100 bytes)"
        raise TemplateError([RowError(at, None, too_long)])


def _check_cells(raws: list[bytes], separator: str, before: int) -> None:
    """Refuse a line of more than :data:`limits.MAX_COLUMNS` cells (an upper bound: a
    separator inside quotes counts too, and no template value has one)."""
    counts = list(map(methodcaller("count", separator.encode()), raws))
    widest = max(counts)
    if widest >= limits.MAX_COLUMNS:
        at = before + 1 + counts.index(widest)
        too_wide = f"the line has more than {limits.MAX_COLUMNS} cells; a template row has 5 or 8"
        raise TemplateError([RowError(at, None, too_wide)])


_AMOUNT_COLUMNS = ("carats", "value_usd")
_GROUPED = r"^[0-9]{1,3}(\.[0-9]{3})+(,[0-9]*)?$"


def _decimal_commas(frame: pl.DataFrame) -> pl.DataFrame:
    """Amounts as Excel writes them with a decimal comma (``152035,40``, ``31.025.000,00``,
    ``1 520,35``) in the contract's form (``152035.40``). A dot in such a file is only ever
    a thousands separator, but one that does not group thousands is left for the checks."""
    names = {name.strip().lower(): name for name in frame.columns}
    fixes = []
    for column in _AMOUNT_COLUMNS:
        if column not in names:
            continue
        value = pl.col(names[column]).str.replace_all(r"[\s\u00a0\u202f]", "")
        ungrouped = pl.when(value.str.contains(_GROUPED)).then(value.str.replace_all(".", "", literal=True))
        fixes.append(ungrouped.otherwise(value).str.replace(",", ".", literal=True).alias(names[column]))
    return frame.with_columns(fixes) if fixes else frame


def _read_xlsx(stream: IO[bytes]) -> pl.DataFrame:
    """The first sheet as text columns, rows that are entirely empty left out."""
    from kpcs.statistics.submissions.xlsx import WorkbookRefused, first_sheet_rows

    try:
        rows = first_sheet_rows(stream)
        header = [str(cell).strip() if cell is not None else "" for cell in next(rows, [])]
        while header and header[-1] == "":
            header.pop()
        data: list[list[str | None]] = [[] for _ in header]
        lines = array("q")
        for number, values in enumerate(rows, start=2):
            if all(v is None or str(v).strip() == "" for v in values):
                continue
            lines.append(number)
            for index in range(len(header)):
                value = values[index] if index < len(values) else None
                data[index].append(None if value is None else _cell_text(value))
    except WorkbookRefused as exc:
        raise TemplateError([RowError(None, None, str(exc))]) from None
    frame = pl.DataFrame(
        {name: column for name, column in zip(header, data, strict=True)},
        schema=dict.fromkeys(header, pl.String),
    )
    if header and LINE not in frame.columns:
        frame = frame.with_columns(pl.Series(LINE, lines, dtype=pl.Int64))
    return frame


def _cell_text(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
    return str(value).strip()


def validate(
    frame: pl.DataFrame,
    *,
    participants: Iterable[str],
    today: date,
    only_participant: str | None = None,
) -> tuple[StatisticsKind, pl.DataFrame]:
    """Check every row; return the template and the clean frame, or raise with every error.

    ``only_participant``: an authority may submit for its own participant only.
    """
    kind = kind_of(name for name in frame.columns if name != LINE)
    frame = frame.rename({name: name.strip().lower() for name in frame.columns if name != LINE})
    if frame.height == 0:
        raise TemplateError([RowError(None, None, "the file has a header but no figures")])
    codes = sorted(set(participants))
    figures = [c for c in frame.columns if c != LINE]
    text = frame.with_columns(pl.col(c).fill_null("").str.strip_chars() for c in figures)
    text = (
        text.rename({LINE: "row"}).select("row", *figures)
        if LINE in text.columns
        else text.with_row_index("row", offset=2)
    )
    latest_year = today.year
    period_pattern = r"^([0-9]{4})-Q([1-4])$" if kind is StatisticsKind.TRADE else r"^([0-9]{4})-H([12])$"
    period_example = "2025-Q1 … 2025-Q4" if kind is StatisticsKind.TRADE else "2025-H1 or 2025-H2"
    year = pl.col("period").str.extract(period_pattern, 1).cast(pl.Int32, strict=False)
    part = pl.col("period").str.extract(period_pattern, 2).cast(pl.Int32, strict=False)
    months = 3 if kind is StatisticsKind.TRADE else 6
    current_part = (today.month - 1) // months + 1
    checks: list[tuple[str, pl.Expr, pl.Expr]] = [
        (
            "participant",
            ~pl.col("participant").is_in(codes),
            _say("is not a KP participant code", "participant"),
        ),
        (
            "period",
            ~pl.col("period").str.contains(period_pattern),
            _say(f"is not a period such as {period_example}", "period"),
        ),
        (
            "period",
            pl.col("period").str.contains(period_pattern) & ((year < FIRST_YEAR) | (year > latest_year)),
            _say(f"is outside {FIRST_YEAR}–{latest_year}", "period"),
        ),
        (
            "period",
            pl.col("period").str.contains(period_pattern) & (year == latest_year) & (part > current_part),
            _say("has not begun yet", "period"),
        ),
    ]
    if kind is StatisticsKind.TRADE:
        checks += [
            ("flow", ~pl.col("flow").is_in(FLOWS), _say("must be export or import", "flow")),
            ("partner", ~pl.col("partner").is_in(codes), _say("is not a KP participant code", "partner")),
            (
                "partner",
                pl.col("partner") == pl.col("participant"),
                pl.lit("a participant does not trade with itself"),
            ),
            (
                "hs_code",
                ~pl.col("hs_code").is_in(HS_CODES),
                _say(f"must be one of {', '.join(HS_CODES)}", "hs_code"),
            ),
            ("certificates", ~pl.col("certificates").str.contains(COUNT), _count_problem("certificates")),
        ]
    else:
        checks.append(
            (
                "mining_type",
                ~pl.col("mining_type").is_in(MINING_TYPES),
                _say("must be LSM or ASM", "mining_type"),
            )
        )
    checks += [
        ("carats", ~pl.col("carats").str.contains(AMOUNT), _amount_problem("carats")),
        ("value_usd", ~pl.col("value_usd").str.contains(AMOUNT), _amount_problem("value_usd")),
        (
            ",".join(KEYS[kind]),
            pl.struct(list(KEYS[kind])).is_duplicated(),
            pl.lit("the same ") + pl.lit(", ".join(KEYS[kind])) + pl.lit(" appears on more than one row"),
        ),
    ]
    if only_participant is not None:
        checks.append(
            (
                "participant",
                pl.col("participant").is_in(codes) & (pl.col("participant") != only_participant),
                pl.lit(f"an authority submits for its own participant ({only_participant}) only"),
            )
        )
    found = pl.concat(
        [
            text.filter(broken).select(
                pl.col("row").cast(pl.Int64), pl.lit(column).alias("column"), message.alias("message")
            )
            for column, broken, message in checks
        ]
    ).sort("row", "column", maintain_order=True)
    if found.height:
        errors = [RowError(int(r), c, m) for r, c, m in found.head(MAX_ERRORS).iter_rows()]
        if found.height > MAX_ERRORS:
            errors.append(RowError(None, None, f"and {found.height - MAX_ERRORS:,} more problems not listed"))
        raise TemplateError(errors)
    return kind, text


# Messages are built with concat_str: pl.format panics in Polars 2.1 on frames of a
# hundred thousand filtered rows ("assertion failed: i < self.len()").


def _say(reason: str, column: str) -> pl.Expr:
    """``'XX' is not a KP participant code``: the value as written, then why."""
    return pl.concat_str([pl.lit("'"), pl.col(column), pl.lit("' " + reason)])


def _amount_problem(column: str) -> pl.Expr:
    value = pl.col(column)
    return (
        pl.when(value == "")
        .then(pl.lit("is empty: write 0 for none"))
        .when(value.str.starts_with("-"))
        .then(pl.concat_str([value, pl.lit(" is negative")]))
        .otherwise(
            pl.concat_str(
                [value, pl.lit(" is not an amount (digits, at most 2 decimals, no thousands separators)")]
            )
        )
    )


def _count_problem(column: str) -> pl.Expr:
    value = pl.col(column)
    return (
        pl.when(value == "")
        .then(pl.lit("is empty: write 0 for none"))
        .otherwise(pl.concat_str([value, pl.lit(" is not a whole number of certificates")]))
    )


def period_year(period: str) -> int:
    """The year of a period (``2025-Q3`` → 2025)."""
    return int(period[:4])


EXAMPLES = {
    StatisticsKind.TRADE: "BW,2025-Q1,export,EU,7102.31,152035.40,31025000.00,41",
    StatisticsKind.PRODUCTION: "BW,2025-H1,LSM,11250000,1850000000",
}
"""A valid row of each template, as CONTRACT.md shows it."""

GUIDANCE = {
    StatisticsKind.TRADE: (
        "One row per participant, quarter, flow, partner and HS code.",
        "participant and partner: KP participant codes (BW, EU, IN…); partner is the destination "
        "of an export or the provenance of an import.",
        "period: a quarter, YYYY-Q1 to YYYY-Q4 (e.g. 2025-Q1). flow: export or import.",
        "hs_code: 7102.10, 7102.21 or 7102.31.",
        "carats and value_usd (US dollars): at most 2 decimals, no thousands separators; "
        "certificates: the number of KP certificates, a whole number. Write 0 for none.",
    ),
    StatisticsKind.PRODUCTION: (
        "One row per participant, half-year and mining type.",
        "participant: a KP participant code (BW, EU, IN…).",
        "period: a half-year, YYYY-H1 or YYYY-H2 (e.g. 2025-H1).",
        "mining_type: LSM (large-scale mining) or ASM (artisanal and small-scale mining).",
        "carats and value_usd (US dollars): at most 2 decimals, no thousands separators. Write 0 for none.",
    ),
}


def template_csv(kind: StatisticsKind) -> str:
    """The CSV template: the header, how to fill it in, and an example row, as notes (lines
    that begin with ``#`` are ignored when the file comes back)."""
    notes = [
        *GUIDANCE[kind],
        "Semicolons and decimal commas, as Excel writes them in Europe, are accepted too.",
    ]
    return (
        "\n".join(
            [
                ",".join(COLUMNS[kind]),
                *(f"# {line}" for line in notes),
                "# Lines that begin with # are notes and are ignored."
                " An example row (remove the # to keep it):",
                f"# {EXAMPLES[kind]}",
            ]
        )
        + "\n"
    )


def template_workbook(kind: StatisticsKind, participants: list[tuple[str, str]]) -> bytes:
    """An XLSX of the template: the header row, a sheet of valid codes, and validation on
    the coded columns, so that a clerk picks codes from lists instead of typing them."""
    from openpyxl import Workbook
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = kind.value
    columns = COLUMNS[kind]
    sheet.append(list(columns))
    guide = book.create_sheet("how to fill in")
    guide.append([f"The {kind.value} template: fill in the first sheet, one row per line, under its header."])
    for line in GUIDANCE[kind]:
        guide.append([line])
    guide.append(["An example row:"])
    guide.append(list(columns))
    guide.append(EXAMPLES[kind].split(","))
    codes = book.create_sheet("codes")
    codes.append(["participant", "name", "hs_code", "flow", "mining_type"])
    lists = [
        [code for code, _ in participants],
        [name for _, name in participants],
        list(HS_CODES),
        list(FLOWS),
        list(MINING_TYPES),
    ]
    for index in range(max(len(values) for values in lists)):
        codes.append([values[index] if index < len(values) else None for values in lists])

    def allow(column: str, source_column: str, count: int, prompt: str) -> None:
        letter = chr(ord("A") + columns.index(column))
        rule = DataValidation(
            type="list", formula1=f"=codes!${source_column}$2:${source_column}${count + 1}", allow_blank=False
        )
        rule.error = prompt
        rule.errorTitle = "Not a valid code"
        rule.prompt = prompt
        rule.showErrorMessage = True
        sheet.add_data_validation(rule)
        rule.add(f"{letter}2:{letter}1048576")

    period = DataValidation(type="textLength", operator="equal", formula1="7")
    period.prompt = (
        "A quarter, YYYY-Q1 to YYYY-Q4" if kind is StatisticsKind.TRADE else "A half-year, YYYY-H1 or YYYY-H2"
    )
    period.error = period.prompt
    period.showInputMessage = True
    period.showErrorMessage = True
    sheet.add_data_validation(period)
    period.add(f"{chr(ord('A') + columns.index('period'))}2:{chr(ord('A') + columns.index('period'))}1048576")
    allow("participant", "A", len(participants), "Pick the participant's code from the list")
    if kind is StatisticsKind.TRADE:
        allow("partner", "A", len(participants), "Pick the partner's participant code from the list")
        allow("hs_code", "C", len(HS_CODES), "7102.10, 7102.21 or 7102.31")
        allow("flow", "D", len(FLOWS), "export or import")
    else:
        allow("mining_type", "E", len(MINING_TYPES), "LSM (large-scale) or ASM (artisanal and small-scale)")
    for column in ("carats", "value_usd", *(("certificates",) if kind is StatisticsKind.TRADE else ())):
        letter = chr(ord("A") + columns.index(column))
        rule = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0")
        rule.error = "a number, 0 or more"
        rule.showErrorMessage = True
        sheet.add_data_validation(rule)
        rule.add(f"{letter}2:{letter}1048576")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
