"""Statistics files built to exhaust the server (zip bombs, a sheet of 1.5 million empty
rows, a CSV line of 10 MB...) are refused with a 422 naming the limit, through the API, the
page and the CLI, and nothing is stored; a legitimate file with empty rows under its
figures still goes in. How fast each is answered is in benchmarks/uploads.py."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from kpcs.accounts.models import Role
from kpcs.audit.models import AuditEvent
from kpcs.statistics.models import StatisticsSubmission, StatisticsUpload, TradeFigure
from tests.conftest import auth
from tests.factories import bombs

ROW = ["BW", "2024-Q1", "export", "EU", "7102.31", 152035.4, 31025000, 41]


def _stored(session_factory) -> list[int]:  # type: ignore[no-untyped-def]
    """Uploads, submissions, figures and the audit records of submissions."""
    with session_factory() as session:
        return [
            session.scalar(sa.select(sa.func.count()).select_from(table))
            for table in (StatisticsUpload, StatisticsSubmission, TradeFigure)
        ] + [session.scalar(sa.select(sa.func.count()).where(AuditEvent.object_type == "statistics"))]


def _post(
    client: TestClient, token: str, name: str, content: bytes, path: str = "/api/v1/statistics/submissions"
):  # type: ignore[no-untyped-def]
    return client.post(path, files={"file": (name, content)}, headers=auth(token))


BOMBS = {
    "1.5 M empty rows, declared": (
        "empty.xlsx",
        lambda: bombs.empty_rows_workbook(1_500_000),
        "the first sheet declares 1,500,001 rows; a sheet may have at most 1,048,576",
    ),
    "1.5 M empty rows, not declared": (
        "empty.xlsx",
        lambda: bombs.empty_rows_workbook(1_500_000, dimension=False),
        "the first sheet has more than 1,048,576 rows, the most a sheet may have",
    ),
    "unpacks to 340 MB": (
        "inflating.xlsx",
        lambda: bombs.inflating_workbook(340),
        "xl/worksheets/sheet1.xml in the workbook unpacks to 1,0",
    ),
    "1,001 members": (
        "members.xlsx",
        lambda: bombs.many_members_workbook(1001),
        "the workbook holds 1,0",
    ),
    "a 10 MB line": ("long.csv", lambda: bombs.long_line_csv(10), "the line is longer than 64 KB"),
    "100 cells on a line": ("wide.csv", lambda: bombs.wide_csv(100), "the line has more than 64 cells"),
    "1,048,577 lines": (
        "blank.csv",
        lambda: bombs.blank_lines_csv(1_048_576),
        "the file has more than 1,048,576 lines: split it",
    ),
}


@pytest.mark.parametrize("bomb", list(BOMBS))
def test_a_bomb_is_refused_naming_the_limit_and_nothing_is_stored(
    bomb: str, client: TestClient, make_token, session_factory
) -> None:  # type: ignore[no-untyped-def]
    name, build, message = BOMBS[bomb]
    token = make_token(Role.STATISTICS)
    before = _stored(session_factory)
    answer = _post(client, token, name, build())
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"]
    assert len(detail) == 1 and message in detail[0]["message"], detail
    assert _stored(session_factory) == before


def test_the_page_and_the_cli_refuse_a_bomb_too(
    client: TestClient, make_token, session_factory, cli, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    before = _stored(session_factory)
    page = _post(
        client,
        make_token(Role.STATISTICS),
        "inflating.xlsx",
        bombs.inflating_workbook(340),
        "/statistics/submit",
    )
    assert page.status_code == 422
    assert "times its packed size; at most 100 times is accepted" in page.text
    bomb = tmp_path / "empty.xlsx"
    bomb.write_bytes(bombs.empty_rows_workbook(1_500_000, dimension=False))
    refused = cli("statistics", "submit", str(bomb))
    assert refused.exit_code == 1
    assert "empty.xlsx refused, nothing stored" in refused.output
    assert "the first sheet has more than 1,048,576 rows" in refused.output
    assert _stored(session_factory) == before


def test_one_enormous_cell_is_refused_before_it_is_held(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    # Random text packs badly, so no ratio gives it away: the row's size does.
    workbook = bombs.inflating_workbook(3, packs=False)
    answer = _post(client, make_token(Role.STATISTICS), "cell.xlsx", workbook)
    assert answer.status_code == 422
    assert "has a row or text of more than 1 MB" in answer.json()["detail"][0]["message"]


def test_empty_rows_under_the_figures_are_no_reason_to_refuse(
    client: TestClient, make_token, session_factory
) -> None:  # type: ignore[no-untyped-def]
    workbook = bombs.trade_workbook([ROW, [None] * 8, ["BW", "2024-Q2", *ROW[2:]]])
    answer = _post(client, make_token(Role.STATISTICS), "trade.xlsx", workbook)
    assert answer.status_code == 201, answer.text
    assert answer.json()["rows"] == 2
    padded = bombs.empty_rows_workbook(500_000)
    answer = _post(client, make_token(Role.STATISTICS), "padded.xlsx", padded)
    assert answer.status_code == 422  # a header, then nothing but empty rows
    assert answer.json()["detail"][0]["message"] == "the file has a header but no figures"


def test_an_error_in_a_workbook_names_the_row_the_clerk_sees(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    workbook = bombs.trade_workbook([ROW, [None] * 8, [None] * 8, ["BW", "2024-Q9", *ROW[2:]]])
    answer = _post(client, make_token(Role.STATISTICS), "trade.xlsx", workbook)
    assert answer.status_code == 422
    assert [(d["row"], d["column"]) for d in answer.json()["detail"]] == [(5, "period")]


def test_a_file_over_the_size_limit_is_refused_unread(cli, tmp_path, session_factory) -> None:  # type: ignore[no-untyped-def]
    # A sparse file: 201 MB to the file system, nothing on disk or in memory.
    big = tmp_path / "huge.csv"
    with big.open("wb") as out:
        out.write(b",".join(name.encode() for name in bombs.TRADE_HEADER) + b"\n")
        out.truncate(201 * 1024 * 1024)
    before = _stored(session_factory)
    refused = cli("statistics", "submit", str(big))
    assert refused.exit_code != 0
    assert "the file is larger than 200 MB" in refused.output
    assert _stored(session_factory) == before


def test_the_last_line_needs_no_line_break(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    text = (
        ",".join(bombs.TRADE_HEADER)
        + "\nBW,2024-Q1,export,EU,7102.31,1.5,2,3\r\nBW,2024-Q2,export,EU,7102.31,1,2,3"
    )
    answer = _post(client, make_token(Role.STATISTICS), "trade.csv", text.encode())
    assert answer.status_code == 201, answer.text
    assert answer.json()["rows"] == 2
