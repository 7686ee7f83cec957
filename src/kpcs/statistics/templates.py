"""The two Annex III templates and the checks every uploaded row must pass.

Pure (no database): a file is read into a Polars frame of text columns, and every rule is
one vectorised expression over the whole frame, so a million rows are checked in about a
second and every broken row is named at once. Row numbers are the spreadsheet's: the
header is row 1, the first figures row 2.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import polars as pl

from kpcs.statistics.models import StatisticsKind

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


def read_table(content: bytes, filename: str) -> pl.DataFrame:
    """A CSV or XLSX file as a frame of text columns (no type guessing: the checks decide)."""
    if filename.lower().endswith(".xlsx") or content[:4] == b"PK\x03\x04":
        return _read_xlsx(content)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TemplateError(
            [RowError(None, None, f"the file is not UTF-8 text (byte {exc.start})")]
        ) from None
    try:
        frame = pl.read_csv(io.StringIO(text), infer_schema=False, truncate_ragged_lines=False)
    except pl.exceptions.PolarsError as exc:
        raise TemplateError([RowError(None, None, f"the file is not a readable CSV: {exc}")]) from None
    return frame


def _read_xlsx(content: bytes) -> pl.DataFrame:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise TemplateError(
            [RowError(None, None, f"the file is not a readable XLSX workbook: {exc}")]
        ) from None
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [str(cell).strip() if cell is not None else "" for cell in next(rows, ())]
    while header and header[-1] == "":
        header.pop()
    data: list[list[str | None]] = [[] for _ in header]
    for values in rows:
        if values is None or all(v is None or str(v).strip() == "" for v in values):
            continue
        for index in range(len(header)):
            value = values[index] if index < len(values) else None
            data[index].append(None if value is None else _cell_text(value))
    workbook.close()
    return pl.DataFrame(
        {name: column for name, column in zip(header, data, strict=True)},
        schema=dict.fromkeys(header, pl.String),
    )


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
    kind = kind_of(frame.columns)
    frame = frame.rename({name: name.strip().lower() for name in frame.columns})
    if frame.height == 0:
        raise TemplateError([RowError(None, None, "the file has a header but no figures")])
    codes = sorted(set(participants))
    text = frame.with_columns(
        pl.col(c).fill_null("").str.strip_chars() for c in frame.columns
    ).with_row_index("row", offset=2)
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
