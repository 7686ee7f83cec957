"""The exchange with real processes on loopback: a hub and the national nodes of Botswana
and India, started with `kpcs serve`, enrolled with `kpcs nodes enroll`, killed with SIGKILL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import certificate_body
from tests.exchange_cluster import ExchangeCluster, Instance, wait_for

pytestmark = pytest.mark.timeout(600)


def to_india(**changes: Any) -> dict[str, Any]:
    body = certificate_body(
        importing_country="IN",
        importer={"name": "Surat Rough Traders", "address": "Mahidharpura, Surat, Gujarat, India"},
    )
    body.update(changes)
    return body


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[ExchangeCluster]:
    started = ExchangeCluster(tmp_path).start()
    try:
        yield started
    except BaseException:
        print(started.logs())
        raise
    finally:
        started.stop()


def issue(node: Instance, participant: str, body: dict[str, Any]) -> dict[str, Any]:
    with node.client("authority", participant) as client:
        response = client.post("/api/v1/certificates", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def certificate(node: Instance, participant: str, number: str) -> dict[str, Any] | None:
    with node.client("authority", participant) as client:
        response = client.get(f"/api/v1/certificates/{number}")
    return dict(response.json()) if response.status_code == 200 else None


def test_issue_on_one_node_confirm_on_the_other(cluster: ExchangeCluster) -> None:
    bw, india = cluster["BW"], cluster["IN"]
    issued = issue(bw, "BW", to_india())
    number = issued["number"]
    copy = wait_for(lambda: certificate(india, "IN", number), timeout=10, what="the pre-notification")
    assert copy["credential"] == issued["credential"] and copy["status"] == "issued"
    assert copy["total_carats"] == issued["total_carats"]
    assert any(t["event"] == "received from the exporter's system" for t in copy["timeline"])
    with india.client("authority", "IN") as client:
        confirmed = client.post(
            f"/api/v1/certificates/{number}/import-confirmation", json={"received_on": issued["issued_on"]}
        )
    assert confirmed.status_code == 200, confirmed.text
    back = wait_for(
        lambda: (c := certificate(bw, "BW", number)) and c["status"] == "confirmed" and c,
        timeout=10,
        what="the return slip",
    )
    events = [t["event"] for t in back["timeline"]]
    assert events[0] == "issued and signed"
    assert "pre-notification delivered" in events and events[-1] == "import confirmed"
    # The hub only relays between nodes: it keeps no copy, but a record of both messages.
    assert cluster.hub.scalar("SELECT count(*) FROM certificates WHERE number = :n", n=number) == 0
    assert (
        cluster.hub.scalar("SELECT count(*) FROM exchange_inbox WHERE certificate_number = :n", n=number) == 2
    )


def test_participant_without_node_is_served_by_the_hub(cluster: ExchangeCluster) -> None:
    bw, hub = cluster["BW"], cluster.hub
    issued = issue(bw, "BW", certificate_body(importing_country="AE"))
    number = issued["number"]
    wait_for(
        lambda: certificate(hub, "AE", number), timeout=10, what="the certificate in the hub's inbox for AE"
    )
    with hub.client("authority", "AE") as client:
        incoming = client.get("/api/v1/certificates", params={"direction": "incoming"}).json()
        assert number in [c["number"] for c in incoming]
        confirmed = client.post(
            f"/api/v1/certificates/{number}/import-confirmation", json={"received_on": issued["issued_on"]}
        )
        assert confirmed.status_code == 200, confirmed.text
    wait_for(lambda: certificate(bw, "BW", number)["status"] == "confirmed", timeout=10, what="confirmation")
    # The other way: the hub issues for AE, the node of India receives and confirms.
    sent = issue(
        hub,
        "AE",
        to_india(
            exporting_country="AE",
            lines=[{"hs_code": "7102.21", "origin": "mixed", "carats": 50, "value_usd": 9000}],
        ),
    )
    wait_for(
        lambda: certificate(cluster["IN"], "IN", sent["number"]), timeout=10, what="AE's certificate at IN"
    )
    with cluster["IN"].client("authority", "IN") as client:
        assert (
            client.post(
                f"/api/v1/certificates/{sent['number']}/import-confirmation",
                json={"received_on": sent["issued_on"]},
            ).status_code
            == 200
        )
    wait_for(lambda: certificate(hub, "AE", sent["number"])["status"] == "confirmed", timeout=10, what="slip")


def test_cancellation_reaches_the_importer_and_the_hub_refuses_to_speak_for_a_node(
    cluster: ExchangeCluster,
) -> None:
    bw, india, hub = cluster["BW"], cluster["IN"], cluster.hub
    issued = issue(bw, "BW", to_india())
    with bw.client("authority", "BW") as client:
        cancelled = client.post(
            f"/api/v1/certificates/{issued['number']}/cancellation", json={"reason": "printing_error"}
        )
    assert cancelled.status_code == 200, cancelled.text
    wait_for(
        lambda: (c := certificate(india, "IN", issued["number"])) and c["status"] == "cancelled",
        timeout=10,
        what="the cancellation at the importer",
    )
    with hub.client("authority", "BW") as client:
        refused = client.post("/api/v1/certificates", json=to_india())
    assert refused.status_code == 409 and "own national node" in refused.json()["detail"]
    with india.client("authority", "IN") as client:
        late = client.post(
            f"/api/v1/certificates/{issued['number']}/import-confirmation",
            json={"received_on": issued["issued_on"]},
        )
    assert late.status_code == 422 and "cancelled" in late.text  # the importer's copy knows
    status = httpx.get(
        f"{hub.url}/api/v1/exchange/status", headers={"Authorization": f"Bearer {hub.token('admin')}"}
    ).json()
    assert {q["destination"] for q in status["queues"]} == {"BW", "IN"}
    assert all(q["last_contact_at"] for q in status["queues"])
