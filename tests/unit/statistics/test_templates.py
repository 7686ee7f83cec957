"""The Annex III templates: every broken cell named by row, column and reason, all at once."""

from __future__ import annotations

import io
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from kpcs.statistics.models import StatisticsKind
from kpcs.statistics.submissions.templates import MAX_ERRORS, TemplateError, read_table, validate

TODAY = date(2025, 9, 15)
CODES = ["BW", "EU", "IN", "AE", "RU", "ZA"]
HEADER = "participant,period,flow,partner,hs_code,carats,value_usd,certificates\n"
GOOD = "BW,2025-Q1,export,EU,7102.31,152035.40,31025000.00,41\n"


def check(text: str, **kwargs: object) -> list[tuple[int | None, str | None, str]]:
    try:
        validate(read_table(text.encode(), "trade.csv"), participants=CODES, today=TODAY, **kwargs)  # type: ignore[arg-type]
    except TemplateError as exc:
        return [(e.row, e.column, e.message) for e in exc.errors]
    return []


def test_a_good_trade_file_passes() -> None:
    kind, frame = validate(read_table((HEADER + GOOD).encode(), "t.csv"), participants=CODES, today=TODAY)
    assert kind is StatisticsKind.TRADE and frame.height == 1


def test_every_broken_cell_is_named_at_once() -> None:
    rows = (
        GOOD
        + "XX,2025-Q5,exported,BW,7102.99,-3,1e5,many\n"  # row 3: everything wrong
        + "BW,2026-Q1,import,ZA,7102.10,10,100,1\n"  # row 4: a period in the future
        + "BW,2025-Q4,import,ZA,7102.10,10,100,1\n"  # row 5: a quarter not begun yet
        + GOOD  # row 6: the same key as row 2
        + "RU,2002-Q1,export,RU,7102.21,,5.123,\n"  # row 7
    )
    found = check(HEADER + rows)
    by_row: dict[int | None, set[str | None]] = {}
    for row, column, _ in found:
        by_row.setdefault(row, set()).add(column)
    assert by_row[3] == {"participant", "period", "flow", "hs_code", "carats", "value_usd", "certificates"}
    assert by_row[4] == {"period"} and by_row[5] == {"period"}
    assert "participant,period,flow,partner,hs_code" in by_row[2] and by_row[6] == by_row[2]
    assert by_row[7] == {"period", "partner", "carats", "value_usd", "certificates"}
    messages = {(row, column): message for row, column, message in found}
    assert messages[(3, "participant")] == "'XX' is not a KP participant code"
    assert messages[(3, "carats")] == "-3 is negative"
    assert "not begun" in messages[(5, "period")] and "outside 2003" in messages[(7, "period")]
    assert "empty" in messages[(7, "carats")]


def test_an_authority_submits_only_for_itself() -> None:
    found = check(HEADER + GOOD + "IN,2025-Q1,import,BW,7102.31,1,1,1\n", only_participant="BW")
    assert found == [(3, "participant", "an authority submits for its own participant (BW) only")]


def test_wrong_header_and_empty_file() -> None:
    assert "header row must be exactly" in check("a,b,c\n1,2,3\n")[0][2]
    assert check(HEADER) == [(None, None, "the file has a header but no figures")]


def test_production_template_and_xlsx() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["participant", "period", "mining_type", "carats", "value_usd"])
    sheet.append(["BW", "2025-H1", "LSM", 11250000, 1850000000])
    sheet.append(["BW", "2025-H1", "ASM", 1200.5, 99.25])
    sheet.append(["BW", "2025-H3", "OPEN", -1, "x"])
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(TemplateError) as refused:
        validate(read_table(buffer.getvalue(), "p.xlsx"), participants=CODES, today=TODAY)
    assert {(e.row, e.column) for e in refused.value.errors} == {
        (4, "period"),
        (4, "mining_type"),
        (4, "carats"),
        (4, "value_usd"),
    }


def test_a_very_bad_file_lists_a_thousand_problems_and_counts_the_rest() -> None:
    found = check(HEADER + "XX,2025-Q1,export,EU,7102.31,1,1,1\n" * 1500)
    assert (
        len(found) == MAX_ERRORS + 1 and found[-1][2] == "and 2,000 more problems not listed"
    )  # two per row


@settings(max_examples=60, deadline=None)
@given(
    carats=st.decimals(min_value=0, max_value=10**12, places=2, allow_nan=False, allow_infinity=False),
    certificates=st.integers(min_value=0, max_value=10**6),
)
def test_any_non_negative_amount_with_two_decimals_passes(carats: object, certificates: int) -> None:
    assert check(HEADER + f"BW,2025-Q2,export,EU,7102.31,{carats},{carats},{certificates}\n") == []


@settings(max_examples=60, deadline=None)
@given(text=st.text(alphabet="0123456789.-e, x", min_size=1, max_size=12))
def test_an_amount_passes_only_if_it_is_a_plain_decimal(text: str) -> None:
    value = text.replace(",", "")
    ok_value = value.strip()  # spaces around a value are forgiven
    value, raw = ok_value, value
    ok = value.count(".") <= 1 and value.replace(".", "").isdigit() and not value.startswith(".")
    ok = ok and (("." not in value) or 1 <= len(value.split(".")[1]) <= 2) and len(value.split(".")[0]) <= 16
    found = check(HEADER + f'BW,2025-Q2,export,EU,7102.31,"{raw}",1,1\n')
    assert (found == []) == ok, (raw, found)


def test_a_large_file_full_of_errors_is_answered_not_crashed() -> None:
    """Regression: Polars' pl.format panicked on ~100,000 filtered rows."""
    rows = "".join(
        f"{'XX' if n % 3 == 0 else 'BW'},2025-Q1,export,EU,7102.31,{n},1,1\n" for n in range(120_000)
    )
    found = check(HEADER + rows)
    assert len(found) == MAX_ERRORS + 1 and found[0] == (
        2,
        "participant",
        "'XX' is not a KP participant code",
    )
