"""The register of confiscated rough diamonds through the API, the pages and the CLI: an
authority records and reads its own cases only, the WGM every case; dispositions run their
course; amounts are validated; the CSV carries the register; the public sees yearly
scheme-wide figures only, with the carats and value of a thin year withheld."""

from __future__ import annotations

import csv
import io
import json

from fastapi.testclient import TestClient

from kpcs.accounts.models import Role
from tests.conftest import Cli, auth
from tests.functional.test_pages import sign_in


def _case(**changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "participant": "BW",
        "seized_on": "2024-11-20",
        "carats": 152.35,
        "value_usd": 30500.0,
        "circumstances": "Found in a courier's luggage at Sir Seretse Khama airport, no KP certificate.",
        "reference": "DCEC-2024-117",
    }
    body.update(changes)
    return body


def test_cases_are_recorded_seen_by_their_own_and_disposed(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    botswana = auth(make_token(Role.AUTHORITY, "BW"))
    south_africa = auth(make_token(Role.AUTHORITY, "ZA"))
    wgm = auth(make_token(Role.MONITORING))

    made = client.post("/api/v1/confiscations", json=_case(), headers=botswana)
    assert made.status_code == 201, made.text
    case = made.json()
    assert (case["carats"], case["value_usd"], case["disposition"]) == (152.35, 30500.0, "held")
    assert case["next_dispositions"] == ["auctioned", "destroyed", "forfeited", "returned"]
    assert client.post("/api/v1/confiscations", json=_case(), headers=south_africa).status_code == 403
    theirs = client.post(
        "/api/v1/confiscations", json=_case(participant="ZA", seized_on="2023-05-02"), headers=wgm
    )
    assert theirs.status_code == 201

    # each authority sees its own cases; another participant's case is not found
    assert [c["id"] for c in client.get("/api/v1/confiscations", headers=botswana).json()] == [case["id"]]
    assert client.get(f"/api/v1/confiscations/{theirs.json()['id']}", headers=botswana).status_code == 404
    assert [c["participant"] for c in client.get("/api/v1/confiscations", headers=wgm).json()] == ["BW", "ZA"]
    by_year = client.get("/api/v1/confiscations", params={"year": 2023}, headers=wgm).json()
    assert [c["participant"] for c in by_year] == ["ZA"]
    # the public and the other working groups see no case
    assert client.get("/api/v1/confiscations").status_code == 401
    assert client.get("/api/v1/confiscations", headers=auth(make_token(Role.STATISTICS))).status_code == 403
    assert client.get(f"/api/v1/confiscations/{case['id']}").status_code == 401

    url = f"/api/v1/confiscations/{case['id']}/disposition"
    early = client.post(
        url, json={"disposition": "forfeited", "disposition_on": "2024-11-01"}, headers=botswana
    )
    assert early.status_code == 422 and early.json()["detail"][0]["field"] == "disposition_on"
    future = client.post(
        url, json={"disposition": "forfeited", "disposition_on": "2025-04-01"}, headers=botswana
    )
    assert future.status_code == 422 and "future" in future.text
    assert (
        client.post(
            url, json={"disposition": "forfeited", "disposition_on": "2025-01-10"}, headers=south_africa
        )
    ).status_code == 404
    forfeited = client.post(
        url,
        json={"disposition": "forfeited", "disposition_on": "2025-01-10", "note": "High Court order 12/2025"},
        headers=botswana,
    )
    assert forfeited.status_code == 200 and forfeited.json()["next_dispositions"] == [
        "auctioned",
        "destroyed",
    ]
    back = client.post(
        url, json={"disposition": "returned", "disposition_on": "2025-02-01"}, headers=botswana
    )
    assert back.status_code == 409 and "forfeited" in back.text
    sold = client.post(url, json={"disposition": "auctioned", "disposition_on": "2025-02-20"}, headers=wgm)
    assert sold.json()["disposition"] == "auctioned" and sold.json()["next_dispositions"] == []
    final = client.post(url, json={"disposition": "destroyed", "disposition_on": "2025-03-01"}, headers=wgm)
    assert final.status_code == 409 and "nothing more" in final.text

    events = client.get(
        "/api/v1/audit", params={"tag": "confiscation:"}, headers=auth(make_token(Role.ADMIN))
    )
    assert [e["tag"] for e in events.json()].count("confiscation:disposed") == 2
    assert [e["tag"] for e in events.json()].count("confiscation:recorded") == 2


def test_amounts_and_dates_are_validated_and_a_refusal_changes_nothing(
    client: TestClient, make_token
) -> None:  # type: ignore[no-untyped-def]
    headers = auth(make_token(Role.AUTHORITY, "BW"))
    for changes, field in (
        ({"carats": -1}, "carats"),
        ({"carats": 0}, "carats"),
        ({"carats": 10_000_000.01}, "carats"),
        ({"carats": 1.234}, "carats"),
        ({"carats": "many"}, "carats"),
        ({"value_usd": -0.01}, "value_usd"),
        ({"value_usd": 1e11}, "value_usd"),
        ({"seized_on": "2025-03-04"}, "seized_on"),
        ({"seized_on": "1999-12-31"}, "seized_on"),
        ({"circumstances": " "}, "circumstances"),
        ({"disposition": "lost"}, "disposition"),
        ({"disposition_on": "2025-01-01"}, "disposition_on"),  # still held: no disposition date
        ({"disposition": "returned", "disposition_on": "2024-01-01"}, "disposition_on"),
        ({"reference": "x" * 101}, "reference"),
    ):
        response = client.post("/api/v1/confiscations", json=_case(**changes), headers=headers)
        assert response.status_code == 422, (changes, response.text)
        assert response.json()["detail"][0]["field"] == field, (changes, response.text)
    assert client.get("/api/v1/confiscations", headers=headers).json() == []
    # zero value is allowed (stones of no commercial value), the largest case too
    top = _case(carats=10_000_000, value_usd=0)
    assert client.post("/api/v1/confiscations", json=top, headers=headers).status_code == 201
    assert client.get("/api/v1/confiscations", params={"year": 1900}, headers=headers).status_code == 422


def test_the_public_sees_yearly_totals_only_and_thin_years_are_withheld(  # type: ignore[no-untyped-def]
    client: TestClient, make_token
) -> None:
    wgm = auth(make_token(Role.MONITORING))
    for participant, seized, carats, value in (
        ("BW", "2024-02-01", 10.5, 1000),
        ("ZA", "2024-06-01", 20.25, 2500.5),
        ("CD", "2024-09-01", 30, 3000),
        ("SL", "2023-03-01", 99.99, 12345.67),
    ):
        body = _case(participant=participant, seized_on=seized, carats=carats, value_usd=value)
        assert client.post("/api/v1/confiscations", json=body, headers=wgm).status_code == 201
    returned = {"disposition": "returned", "disposition_on": "2024-07-01"}
    assert client.post("/api/v1/confiscations/2/disposition", json=returned, headers=wgm).status_code == 200
    figures = client.get("/api/v1/confiscations/statistics").json()
    assert figures == [
        {
            "year": 2024,
            "cases": 3,
            "carats": 60.75,
            "value_usd": 6500.5,
            "withheld": False,
            "dispositions": {"held": 2, "returned": 1},
        },
        {
            "year": 2023,
            "cases": 1,
            "carats": None,
            "value_usd": None,
            "withheld": True,
            "dispositions": {"held": 1},
        },
    ]
    page = client.get("/confiscations")
    assert page.status_code == 200 and 'data-year="2023"' in page.text and "withheld" in page.text
    # nothing of a case reaches the public page
    assert (
        "luggage" not in page.text
        and "SL" not in page.text.split("<main")[1]
        and 'id="cases"' not in page.text
    )


def test_the_csv_export_carries_the_callers_register(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    wgm = auth(make_token(Role.MONITORING))
    client.post("/api/v1/confiscations", json=_case(circumstances='Hidden, "in" soap'), headers=wgm)
    client.post("/api/v1/confiscations", json=_case(participant="ZA", carats=5, value_usd=0.5), headers=wgm)
    every = client.get("/api/v1/confiscations.csv", headers=wgm)
    assert every.status_code == 200 and every.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(every.text)))
    assert [(r["id"], r["participant"], r["carats"], r["value_usd"], r["disposition"]) for r in rows] == [
        ("1", "BW", "152.35", "30500.00", "held"),
        ("2", "ZA", "5.00", "0.50", "held"),
    ]
    assert rows[0]["circumstances"] == 'Hidden, "in" soap' and rows[0]["reference"] == "DCEC-2024-117"
    own = client.get("/api/v1/confiscations.csv", headers=auth(make_token(Role.AUTHORITY, "ZA")))
    assert [r["participant"] for r in csv.DictReader(io.StringIO(own.text))] == ["ZA"]
    assert client.get("/api/v1/confiscations.csv").status_code == 401


def test_a_clerk_records_a_case_and_its_disposition_on_the_pages(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    csrf = sign_in(client, "gaborone", make_user("gaborone", [Role.AUTHORITY], "BW"))
    page = client.get("/confiscations")
    assert 'id="record"' in page.text and 'id="cases"' in page.text
    form = {k: str(v) for k, v in _case().items()} | {"csrf_token": csrf}
    wrong = client.post("/confiscations", data=form | {"carats": "-3"})
    assert wrong.status_code == 200 and "Carats" in wrong.text and "more than 0" in wrong.text
    made = client.post("/confiscations", data=form | {"carats": "1,520.35"})
    assert made.status_code == 200 and str(made.url).endswith("/confiscations/1")
    assert "1,520.35" in made.text and "luggage" in made.text
    done = client.post(
        "/confiscations/1/disposition",
        data={"disposition": "returned", "disposition_on": "2025-01-15", "csrf_token": csrf},
    )
    assert 'id="disposition-status">returned' in done.text and 'id="disposition"' not in done.text
    listed = client.get("/confiscations", params={"disposition": "returned"})
    assert listed.text.count('data-disposition="returned"') == 1
    assert client.get("/confiscations", params={"year": "nineteen"}).status_code == 422


def test_the_cli_adds_lists_disposes_and_exports(cli: Cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    added = cli(
        "confiscations", "add", "--participant", "bw", "--seized-on", "2024-11-20", "--carats", "152.35",
        "--value-usd", "30500", "--circumstances", "courier", "--reference", "C-1",
    )  # fmt: skip
    assert added.exit_code == 0, added.output  # type: ignore[attr-defined]
    assert "confiscation 1 recorded for BW: 152.35 ct" in added.output  # type: ignore[attr-defined]
    bad = cli(
        "confiscations", "add", "--participant", "BW", "--seized-on", "2024-11-20", "--carats", "-1",
        "--value-usd", "1", "--circumstances", "x",
    )  # fmt: skip
    assert bad.exit_code == 1 and "carats" in bad.output  # type: ignore[attr-defined]
    disposed = cli("confiscations", "dispose", "1", "--disposition", "forfeited", "--on", "2025-01-10")
    assert disposed.exit_code == 0 and "forfeited on 2025-01-10" in disposed.output  # type: ignore[attr-defined]
    listed = json.loads(cli("confiscations", "list", "--json").output)  # type: ignore[attr-defined]
    assert [(c["id"], c["disposition"], c["carats"]) for c in listed] == [(1, "forfeited", 152.35)]
    out = tmp_path / "c.csv"
    assert cli("confiscations", "export", "--output", str(out)).exit_code == 0  # type: ignore[attr-defined]
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [(r["participant"], r["reference"], r["disposition_on"]) for r in rows] == [
        ("BW", "C-1", "2025-01-10")
    ]
    stats = json.loads(cli("confiscations", "statistics", "--json").output)  # type: ignore[attr-defined]
    assert stats == [
        {
            "year": 2024,
            "cases": 1,
            "carats": None,
            "value_usd": None,
            "withheld": True,
            "dispositions": {"forfeited": 1},
        }
    ]
