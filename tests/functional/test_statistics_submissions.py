"""Submitting statistics through the API and the CLI, on SQLite and PostgreSQL: stored
whole or refused whole, revisions kept, authorities limited to their own participant."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi.testclient import TestClient

from kpcs.accounts.models import Role
from kpcs.audit.models import AuditEvent
from kpcs.statistics.models import StatisticsSubmission, TradeFigure
from tests.conftest import auth

HEADER = "participant,period,flow,partner,hs_code,carats,value_usd,certificates\n"
FIRST = HEADER + (
    "BW,2024-Q1,export,EU,7102.31,152035.40,31025000.00,41\n"
    "BW,2024-Q1,export,IN,7102.21,1000,20000,3\n"
    "BW,2024-Q2,import,EU,7102.10,5.5,100,1\n"
)
REVISED = HEADER + "BW,2024-Q1,export,EU,7102.31,150000,30000000,40\n"


def upload(client: TestClient, token: str, text: str, name: str = "trade.csv"):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/v1/statistics/submissions",
        files={"file": (name, text.encode(), "text/csv")},
        headers=auth(token),
    )


def test_submit_then_revise_keeps_the_history(client: TestClient, make_token, session_factory) -> None:  # type: ignore[no-untyped-def]
    botswana = make_token(Role.AUTHORITY, "BW")
    first = upload(client, botswana, FIRST)
    assert first.status_code == 201, first.text
    assert first.json()["rows"] == 3
    trade = client.get("/api/v1/statistics/trade", params={"year": 2024}).json()
    assert len(trade) == 3 and trade[0]["participant"] == "BW" and trade[0]["period"] == "2024-Q1"
    assert {
        "participant",
        "period",
        "flow",
        "partner",
        "hs_code",
        "carats",
        "value_usd",
        "certificates",
    } == set(trade[0])
    revised = upload(client, botswana, REVISED)
    assert revised.status_code == 201
    assert revised.json()["submissions"] == [{"participant": "BW", "period": "2024-Q1", "revision": 2}]
    now = client.get("/api/v1/statistics/trade", params={"year": 2024}).json()
    q1 = [row for row in now if row["period"] == "2024-Q1"]
    assert q1 == [
        {
            "participant": "BW",
            "period": "2024-Q1",
            "flow": "export",
            "partner": "EU",
            "hs_code": "7102.31",
            "carats": 150000.0,
            "value_usd": 30000000.0,
            "certificates": 40,
        }
    ]
    assert len(now) == 2  # Q2 untouched by a file that did not mention it
    with session_factory() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(TradeFigure)) == 4  # nothing deleted
        revisions = session.scalars(
            sa.select(StatisticsSubmission.revision).where(StatisticsSubmission.period == "2024-Q1")
        ).all()
        assert sorted(revisions) == [1, 2]
        audit = session.scalars(
            sa.select(AuditEvent).where(AuditEvent.object_id == "trade:BW:2024-Q1").order_by(AuditEvent.id)
        ).all()
        assert [a.after["revision"] for a in audit] == [1, 2]
        assert audit[1].before is not None and audit[1].before["carats"] == "153035.40"


def test_a_bad_file_is_refused_whole_with_every_row_named(
    client: TestClient, make_token, session_factory
) -> None:  # type: ignore[no-untyped-def]
    bad = FIRST + "BW,2024-Q9,export,XX,7102.31,-1,5,2\n"
    refused = upload(client, make_token(Role.STATISTICS), bad)
    assert refused.status_code == 422
    detail = refused.json()["detail"]
    assert {(d["row"], d["column"]) for d in detail} == {(5, "period"), (5, "partner"), (5, "carats")}
    with session_factory() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(TradeFigure)) == 0
    other = upload(client, make_token(Role.AUTHORITY, "IN"), FIRST)
    assert other.status_code == 422
    assert {d["row"] for d in other.json()["detail"]} == {2, 3, 4}
    assert upload(client, make_token(Role.CUSTOMS, "BW"), FIRST).status_code == 403
    assert (
        client.post("/api/v1/statistics/submissions", files={"file": ("x.csv", FIRST.encode())}).status_code
        == 401
    )


def test_production_through_the_cli(cli, tmp_path, client: TestClient) -> None:  # type: ignore[no-untyped-def]
    good = tmp_path / "production.csv"
    good.write_text("participant,period,mining_type,carats,value_usd\nBW,2024-H1,LSM,11250000,1850000000\n")
    done = cli("statistics", "submit", str(good))
    assert done.exit_code == 0, done.output
    assert "1 production row(s) stored: BW 2024-H1 (revision 1)" in done.output
    assert client.get("/api/v1/statistics/production", params={"year": 2024}).json() == [
        {
            "participant": "BW",
            "period": "2024-H1",
            "mining_type": "LSM",
            "carats": 11250000.0,
            "value_usd": 1850000000.0,
        }
    ]
    bad = tmp_path / "bad.csv"
    bad.write_text("participant,period,mining_type,carats,value_usd\nBW,2024-H1,OPEN,1,1\n")
    refused = cli("statistics", "submit", str(bad))
    assert refused.exit_code == 1 and "row 2, mining_type: 'OPEN' must be LSM or ASM" in refused.output


def test_templates_download_with_code_lists(client: TestClient) -> None:
    import io

    from openpyxl import load_workbook

    trade = client.get("/statistics/templates/trade.csv").text
    assert trade.startswith(HEADER)
    assert "# BW,2025-Q1,export,EU,7102.31,152035.40,31025000.00,41\n" in trade  # an example row
    assert "YYYY-Q1 to YYYY-Q4" in trade  # and the period format
    production = client.get("/statistics/templates/production.csv").text
    assert production.startswith("participant,period,mining_type,carats,value_usd\n")
    assert "YYYY-H1 or YYYY-H2" in production and "# BW,2025-H1,LSM,11250000,1850000000\n" in production
    xlsx = client.get("/statistics/templates/trade.xlsx")
    assert xlsx.status_code == 200 and xlsx.headers["content-type"].startswith(
        "application/vnd.openxmlformats"
    )
    book = load_workbook(io.BytesIO(xlsx.content))
    guide = [row[0] for row in book["how to fill in"].iter_rows(values_only=True)]
    assert any("YYYY-Q1 to YYYY-Q4" in str(line) for line in guide) and "BW" in guide[-1]
    sheet = book["trade"]
    assert [c.value for c in sheet[1]] == HEADER.strip().split(",")
    codes = [row[0] for row in book["codes"].iter_rows(min_row=2, values_only=True) if row[0]]
    assert {"BW", "EU", "IN"} <= set(codes) and "WDC" not in codes  # participants only, not observers
    listed = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    assert listed["A2:A1048576"].startswith("=codes!$A$2")
    assert listed["E2:E1048576"] == "=codes!$C$2:$C$4"  # the three HS codes
    assert client.get("/statistics/templates/anything.xlsx").status_code == 404


def test_the_template_comes_back_as_its_notes_say(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    token = make_token(Role.STATISTICS)
    template = client.get("/statistics/templates/trade.csv").text.replace("2025-", "2024-")
    untouched = upload(client, token, template)
    assert untouched.status_code == 422  # the example is a note, never figures by mistake
    assert untouched.json()["detail"][0]["message"] == "the file has a header but no figures"
    kept = template.replace("# BW,2024-Q1", "BW,2024-Q1")
    assert upload(client, token, kept).status_code == 201


def test_csv_as_excel_writes_it_in_europe(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    token = make_token(Role.STATISTICS)
    european = (
        "sep=;\r\n"
        "participant;period;flow;partner;hs_code;carats;value_usd;certificates\r\n"
        "BW;2024-Q1;export;EU;7102.31;152035,40;31.025.000,00;41\r\n"
        "\r\n"
        "BW;2024-Q1;export;IN;7102.21;1 000;20000,5;3\r\n"
    ).encode("cp1252")
    stored = client.post(
        "/api/v1/statistics/submissions",
        files={"file": ("export.csv", european, "text/csv")},
        headers=auth(token),
    )
    assert stored.status_code == 201, stored.text
    rows = {r["partner"]: r for r in client.get("/api/v1/statistics/trade", params={"year": 2024}).json()}
    assert rows["EU"]["carats"] == 152035.40 and rows["EU"]["value_usd"] == 31025000.00
    assert rows["IN"]["carats"] == 1000 and rows["IN"]["value_usd"] == 20000.5
    # A mistake is still named at the line where the clerk sees it.
    broken = european.replace(b"BW;2024-Q1;export;IN", b"BW;2024-Q9;export;IN")
    refused = client.post(
        "/api/v1/statistics/submissions",
        files={"file": ("export.csv", broken, "text/csv")},
        headers=auth(token),
    )
    assert refused.status_code == 422
    assert [(d["row"], d["column"]) for d in refused.json()["detail"]] == [(5, "period")]
