"""Technical assistance through the API, the pages and the CLI: needs and offers recorded by
their participants' authorities (an observer's by the WGM), listed with filters and as CSV,
matched by topic and region with a reason, matched with a counterpart and moved along their
course; bad input changes nothing, and the public sees no contacts."""

from __future__ import annotations

import csv
import io
import json

from fastapi.testclient import TestClient

from kpcs.accounts.models import Role
from tests.conftest import Cli, auth
from tests.functional.test_pages import sign_in


def _need(**changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "kind": "need",
        "participant": "SL",
        "topic": "valuation",
        "region": "west-africa",
        "title": "Training of government valuators",
        "description": "Two weeks of training in sorting and valuing rough diamonds for six officials.",
        "contact": "Ministry of Mines, Freetown",
        "starts_on": "2025-06-01",
        "ends_on": "2025-09-30",
    }
    body.update(changes)
    return body


def _offer(**changes: object) -> dict[str, object]:
    return (
        _need(
            kind="offer",
            participant="ZA",
            title="Valuation and sorting course",
            description="The State Diamond Trader's valuators teach sorting and valuation.",
            contact="SADPMR, Johannesburg",
        )
        | changes
    )


def test_needs_and_offers_are_recorded_matched_and_run_their_course(  # type: ignore[no-untyped-def]
    client: TestClient, make_token
) -> None:
    sierra_leone = auth(make_token(Role.AUTHORITY, "SL"))
    south_africa = auth(make_token(Role.AUTHORITY, "ZA"))
    wgm = auth(make_token(Role.MONITORING))

    need = client.post("/api/v1/assistance", json=_need(), headers=sierra_leone)
    assert need.status_code == 201, need.text
    assert need.json()["status"] == "open" and need.json()["candidates"] == []
    # an authority records for its own participant only
    refused = client.post("/api/v1/assistance", json=_offer(), headers=sierra_leone)
    assert refused.status_code == 403 and "assistance:record" in refused.text
    offer = client.post("/api/v1/assistance", json=_offer(), headers=south_africa).json()
    elsewhere = client.post(
        "/api/v1/assistance", json=_offer(region="asia", contact="x"), headers=south_africa
    ).json()
    other_topic = client.post(
        "/api/v1/assistance", json=_offer(topic="geology", contact="x"), headers=south_africa
    ).json()
    # the WGM records an observer's offer: DDI, the ASM focal point of 2014 §39, worldwide
    ddi = client.post(
        "/api/v1/assistance", json=_offer(participant="ddi", region="worldwide", contact="DDI"), headers=wgm
    )
    assert ddi.status_code == 201 and ddi.json()["participant"] == "DDI"
    ddi_id = ddi.json()["id"]

    detail = client.get(f"/api/v1/assistance/{need.json()['id']}").json()
    assert [(c["id"], c["reason"]) for c in detail["candidates"]] == [
        (
            ddi_id,
            "same topic (diamond valuation and sorting); the offer is worldwide, so it covers west-africa",
        ),
        (offer["id"], "same topic (diamond valuation and sorting) and same region (west-africa)"),
    ]
    assert elsewhere["id"] not in {c["id"] for c in detail["candidates"]}
    assert other_topic["id"] not in {c["id"] for c in detail["candidates"]}
    matches = client.get("/api/v1/assistance/matches").json()
    assert {(m["need"]["id"], m["offer"]["id"]) for m in matches} == {
        (need.json()["id"], offer["id"]),
        (need.json()["id"], ddi_id),
    }

    # the public reads the list, without whom to contact
    public = client.get("/api/v1/assistance", params={"kind": "need"})
    assert public.status_code == 200 and [e["id"] for e in public.json()] == [need.json()["id"]]
    assert public.json()[0]["contact"] is None
    assert client.get("/api/v1/assistance", params={"kind": "need"}, headers=wgm).json()[0]["contact"]
    filtered = client.get("/api/v1/assistance", params={"topic": "valuation", "region": "asia"}).json()
    assert [e["id"] for e in filtered] == [elsewhere["id"]]
    bad_filter = client.get("/api/v1/assistance", params={"region": "mars"})
    assert bad_filter.status_code == 422 and bad_filter.json()["detail"][0]["field"] == "region"

    nid = need.json()["id"]
    url = f"/api/v1/assistance/{nid}/status"
    # a match must fit: not an offer on another topic, not without a counterpart
    misfit = client.post(
        url, json={"status": "matched", "counterpart": other_topic["id"]}, headers=sierra_leone
    )
    assert misfit.status_code == 422 and misfit.json()["detail"][0]["field"] == "counterpart"
    alone = client.post(url, json={"status": "matched"}, headers=sierra_leone)
    assert alone.status_code == 422 and alone.json()["detail"][0]["field"] == "counterpart"
    assert client.post(url, json={"status": "closed"}, headers=south_africa).status_code == 403
    skipped = client.post(url, json={"status": "in progress"}, headers=sierra_leone)
    assert skipped.status_code == 409 and "open" in skipped.text
    assert client.get(f"/api/v1/assistance/{nid}").json()["status"] == "open"

    matched = client.post(
        url,
        json={"status": "matched", "counterpart": offer["id"], "note": "agreed in Antwerp"},
        headers=sierra_leone,
    )
    assert matched.status_code == 200, matched.text
    assert matched.json()["status"] == "matched" and matched.json()["counterpart"]["id"] == offer["id"]
    assert client.get(f"/api/v1/assistance/{offer['id']}").json()["matched_with"] == nid
    assert client.get("/api/v1/assistance/matches").json() == []  # neither is open any more
    taken = client.post(
        f"/api/v1/assistance/{ddi_id}/status", json={"status": "matched", "counterpart": nid}, headers=wgm
    )
    assert taken.status_code == 409

    # the match falls through: both are open again; then a second match runs to the end
    assert client.post(url, json={"status": "open"}, headers=sierra_leone).json()["matched_with"] is None
    assert client.get(f"/api/v1/assistance/{offer['id']}").json()["status"] == "open"
    client.post(url, json={"status": "matched", "counterpart": ddi_id}, headers=wgm)
    assert client.post(url, json={"status": "in progress"}, headers=sierra_leone).status_code == 200
    closed = client.post(
        url, json={"status": "closed", "note": "six officials trained"}, headers=sierra_leone
    )
    assert closed.json()["status"] == "closed" and closed.json()["matched_with"] == ddi_id
    assert client.post(url, json={"status": "open"}, headers=sierra_leone).status_code == 409

    audit = client.get("/api/v1/audit", params={"tag": "assistance:"}, headers=auth(make_token(Role.ADMIN)))
    assert audit.status_code == 200
    assert sorted({e["tag"] for e in audit.json()}) == [
        "assistance:recorded",
        "assistance:status-changed",
    ]


def test_bad_input_names_the_field_and_changes_nothing(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    headers = auth(make_token(Role.MONITORING))
    for changes, field in (
        ({"topic": "cooking"}, "topic"),
        ({"region": "mars"}, "region"),
        ({"kind": "gift"}, "kind"),
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"contact": "x" * 201}, "contact"),
        ({"participant": "XX"}, "participant"),
        ({"starts_on": "2025-09-30", "ends_on": "2025-06-01"}, "ends_on"),
        ({"starts_on": "soon"}, "starts_on"),
    ):
        response = client.post("/api/v1/assistance", json=_need(**changes), headers=headers)
        assert response.status_code == 422, (changes, response.text)
        assert response.json()["detail"][0]["field"] == field, (changes, response.text)
    assert client.get("/api/v1/assistance").json() == []
    assert client.get("/api/v1/assistance/2147483647").status_code == 404
    assert client.get("/api/v1/assistance/2147483648").status_code == 422


def test_the_csv_export_has_the_list_and_hides_contacts_from_the_public(  # type: ignore[no-untyped-def]
    client: TestClient, make_token
) -> None:
    headers = auth(make_token(Role.MONITORING))
    client.post("/api/v1/assistance", json=_need(title='Valuers, "sorting"'), headers=headers)
    client.post("/api/v1/assistance", json=_offer(region="asia"), headers=headers)
    signed_in = client.get("/api/v1/assistance.csv", headers=headers)
    assert signed_in.status_code == 200 and signed_in.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(signed_in.text)))
    assert [(r["id"], r["kind"], r["participant"], r["region"], r["status"]) for r in rows] == [
        ("1", "need", "SL", "west-africa", "open"),
        ("2", "offer", "ZA", "asia", "open"),
    ]
    assert rows[0]["title"] == 'Valuers, "sorting"' and rows[0]["contact"] == "Ministry of Mines, Freetown"
    assert rows[0]["starts_on"] == "2025-06-01" and rows[0]["matched_with"] == ""
    public = list(
        csv.DictReader(io.StringIO(client.get("/api/v1/assistance.csv", params={"kind": "offer"}).text))
    )
    assert [(r["id"], r["contact"]) for r in public] == [("2", "")]


def test_a_clerk_records_a_need_and_matches_it_on_the_pages(  # type: ignore[no-untyped-def]
    client: TestClient, make_user, make_token
) -> None:
    offer = client.post("/api/v1/assistance", json=_offer(), headers=auth(make_token(Role.AUTHORITY, "ZA")))
    assert offer.status_code == 201
    csrf = sign_in(client, "freetown", make_user("freetown", [Role.AUTHORITY], "SL"))
    page = client.get("/assistance")
    assert page.status_code == 200 and 'id="record"' in page.text and "/assistance" in page.text
    wrong = client.post("/assistance", data=_need(title=" ") | {"csrf_token": csrf})
    assert wrong.status_code == 200 and "Title" in wrong.text and "must not be empty" in wrong.text
    made = client.post("/assistance", data={k: str(v) for k, v in _need().items()} | {"csrf_token": csrf})
    assert made.status_code == 200 and str(made.url).endswith("/assistance/2")
    assert "Match with 1" in made.text and "same region (west-africa)" in made.text
    done = client.post(
        "/assistance/2/status", data={"status": "matched", "counterpart": "1", "csrf_token": csrf}
    )
    assert done.status_code == 200 and 'id="entry-status">matched' in done.text
    listed = client.get("/assistance", params={"status": "matched"})
    assert listed.text.count('data-status="matched"') == 2
    # an authority of another participant may read the entry but not move it
    client.post("/sign-out", data={"csrf_token": csrf})
    csrf = sign_in(client, "pretoria2", make_user("pretoria2", [Role.AUTHORITY], "BW"))
    refused = client.post("/assistance/2/status", data={"status": "closed", "csrf_token": csrf})
    assert refused.status_code == 403
    # the public sees the entry, not whom to contact
    client.post("/sign-out", data={"csrf_token": csrf})
    public = client.get("/assistance/2")
    assert (
        public.status_code == 200
        and "Ministry of Mines" not in public.text
        and 'id="record"' not in public.text
    )


def test_the_cli_adds_lists_matches_and_exports(cli: Cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    base = ["assistance", "add", "--topic", "geology", "--region", "west-africa", "--contact", "GSD"]
    added = cli(*base, "--kind", "need", "--participant", "gn", "--title", "Survey", "--description", "Maps")
    assert added.exit_code == 0, added.output  # type: ignore[attr-defined]
    assert "need 1" in added.output  # type: ignore[attr-defined]
    cli(*base, "--kind", "offer", "--participant", "US", "--title", "USGS", "--description", "Mapping")
    bad = cli(
        *base, "--kind", "offer", "--participant", "US", "--title", "x", "--description", "y", "--until", "x"
    )
    assert bad.exit_code != 0  # type: ignore[attr-defined]
    wrong = cli("assistance", "add", "--kind", "offer", "--participant", "US", "--topic", "poetry",
                "--region", "asia", "--title", "t", "--description", "d", "--contact", "c")  # fmt: skip
    assert wrong.exit_code == 1 and "topic" in wrong.output  # type: ignore[attr-defined]
    listed = cli("assistance", "list", "--kind", "offer", "--json")
    assert [e["participant"] for e in json.loads(listed.output)] == ["US"]  # type: ignore[attr-defined]
    matched = cli("assistance", "matches", "--json")
    found = json.loads(matched.output)  # type: ignore[attr-defined]
    assert [(m["need"]["id"], m["offer"]["id"]) for m in found] == [(1, 2)]
    moved = cli("assistance", "status", "1", "--status", "matched", "--counterpart", "2")
    assert moved.exit_code == 0 and "matched" in moved.output  # type: ignore[attr-defined]
    out = tmp_path / "ta.csv"
    exported = cli("assistance", "export", "--output", str(out))
    assert exported.exit_code == 0, exported.output  # type: ignore[attr-defined]
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [(r["id"], r["status"], r["matched_with"], r["contact"]) for r in rows] == [
        ("1", "matched", "2", "GSD"),
        ("2", "matched", "1", "GSD"),
    ]
