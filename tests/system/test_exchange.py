"""The exchange with real processes on loopback: a hub and the national nodes of Botswana
and India, started with `kpcs serve`, enrolled with `kpcs nodes enroll`, killed with SIGKILL."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
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


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ExchangeCluster]:
    """One hub and two nodes for the whole module (starting them takes ~20 s); tests that
    kill a process restart it before they end."""
    started = ExchangeCluster(tmp_path_factory.mktemp("exchange")).start()
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


def test_a_reminder_reaches_the_importers_node(cluster: ExchangeCluster) -> None:
    bw, india = cluster["BW"], cluster["IN"]
    number = issue(bw, "BW", to_india())["number"]
    wait_for(lambda: certificate(india, "IN", number), timeout=10, what="the pre-notification")
    with bw.client("authority", "BW") as client:
        sent = client.post(f"/api/v1/certificates/{number}/reminders", json={"note": "Still no return slip"})
    assert sent.status_code == 201, sent.text
    assert sent.json()["route"] == "exchange"
    copy = wait_for(
        lambda: (c := certificate(india, "IN", number)) and c["reminders"] and c,
        timeout=10,
        what="the reminder at the importer's node",
    )
    assert copy["reminders"][0]["note"] == "Still no return slip"
    assert copy["reminders"][0]["route"] == "received" and copy["reminders"][0]["sent_by"] == "node:BW"
    assert "reminder received from the exporting authority" in [t["event"] for t in copy["timeline"]]
    # The importing authority finds it in its notifications, on its own node.
    with india.client("authority", "IN") as client:
        subjects = [n["subject"] for n in client.get("/api/v1/notifications").json()]
    assert f"Import confirmation requested for certificate {number}" in subjects
    wait_for(
        lambda: (
            "reminder delivered" in [t["event"] for t in (certificate(bw, "BW", number) or {})["timeline"]]
        ),
        timeout=10,
        what="the delivery on the exporter's timeline",
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


def arrived(instance: Instance, numbers: list[str]) -> int:
    """How many of ``numbers`` the instance holds."""
    if not numbers:
        return 0
    listed = ", ".join(f"'{n}'" for n in numbers)
    return int(instance.scalar(f"SELECT count(*) FROM certificates WHERE number IN ({listed})"))


def assert_exactly_once(instance: Instance, numbers: list[str]) -> None:
    """Each certificate arrived, and its pre-notification took effect once."""
    listed = ", ".join(f"'{n}'" for n in numbers)
    received = instance.scalar(
        f"SELECT count(*) FROM audit_events WHERE tag = 'certificate:received' AND object_id IN ({listed})"
    )
    inbox = instance.scalar(
        "SELECT count(*) FROM exchange_inbox WHERE kind = 'pre-notification' "
        f"AND certificate_number IN ({listed})"
    )
    assert (arrived(instance, numbers), received, inbox) == (len(numbers),) * 3


def issue_many(node: Instance, count: int, during: dict[int, Any] | None = None) -> list[str]:
    """Issue ``count`` certificates to India one after the other; ``during[i]`` runs before the i-th."""
    numbers = []
    with node.client("authority", "BW") as client:
        for i in range(count):
            if during and i in during:
                during[i]()
            response = client.post("/api/v1/certificates", json=to_india())
            assert response.status_code == 201, response.text
            numbers.append(response.json()["number"])
    return numbers


def test_importing_node_killed_while_certificates_are_issued(cluster: ExchangeCluster) -> None:
    india = cluster["IN"]
    numbers = issue_many(cluster["BW"], 30, during={10: india.kill})
    time.sleep(1.5)  # the hub keeps trying a dead node, with backoff
    assert cluster.hub.scalar("SELECT count(*) FROM exchange_outbox WHERE state = 'pending'") > 0
    india.start()
    wait_for(lambda: arrived(india, numbers) == len(numbers), timeout=90, what="every pre-notification")
    assert_exactly_once(india, numbers)


def test_hub_killed_while_certificates_are_issued(cluster: ExchangeCluster) -> None:
    india, hub = cluster["IN"], cluster.hub
    numbers = issue_many(cluster["BW"], 30, during={10: hub.kill})
    time.sleep(1.5)
    assert cluster["BW"].scalar("SELECT count(*) FROM exchange_outbox WHERE state = 'pending'") > 0
    hub.start()
    wait_for(lambda: arrived(india, numbers) == len(numbers), timeout=90, what="every pre-notification")
    assert_exactly_once(india, numbers)


def test_exporting_node_killed_in_the_middle_of_issuing(cluster: ExchangeCluster) -> None:
    bw, india = cluster["BW"], cluster["IN"]
    acknowledged: list[str] = []
    stop = threading.Event()

    def keep_issuing() -> None:
        with bw.client("authority", "BW") as client:
            while not stop.is_set():
                try:
                    response = client.post("/api/v1/certificates", json=to_india())
                except httpx.HTTPError:
                    return  # the server died under this request
                if response.status_code == 201:
                    acknowledged.append(response.json()["number"])

    threads = [threading.Thread(target=keep_issuing) for _ in range(2)]
    for thread in threads:
        thread.start()
    wait_for(lambda: len(acknowledged) >= 15, timeout=60, what="some certificates")
    bw.kill()
    stop.set()
    for thread in threads:
        thread.join(30)
    bw.start()
    # What the exporter's database holds is the truth: all of it, and only it, reaches India.
    issued = [n for (n,) in bw.rows("SELECT number FROM certificates WHERE importing_participant = 'IN'")]
    assert set(acknowledged) <= set(issued)
    wait_for(lambda: arrived(india, issued) == len(issued), timeout=90, what="every certificate BW committed")
    assert_exactly_once(india, issued)


def test_a_message_delivered_twice_has_its_effect_once(cluster: ExchangeCluster) -> None:
    india, hub = cluster["IN"], cluster.hub
    issued = issue(cluster["BW"], "BW", to_india())
    wait_for(lambda: arrived(india, [issued["number"]]), timeout=10, what="the pre-notification")
    ((signed,),) = hub.rows(
        "SELECT signed FROM exchange_outbox WHERE kind = 'pre-notification' "
        f"AND certificate_number = '{issued['number']}'",
    )
    ((callback,),) = hub.rows("SELECT callback_token FROM exchange_nodes WHERE participant = 'IN'")
    for _ in range(3):  # the hub's deliverer retrying after a lost answer
        again = httpx.post(
            f"{india.url}/api/v1/exchange/messages",
            json={"message": signed},
            headers={"Authorization": f"Bearer {callback}"},
        )
        assert again.status_code == 200 and again.json()["result"] == "duplicate"
    assert_exactly_once(india, [issued["number"]])
    forged = signed[:-6] + ("AAAAAA" if not signed.endswith("AAAAAA") else "BBBBBB")
    refused = httpx.post(
        f"{india.url}/api/v1/exchange/messages",
        json={"message": forged},
        headers={"Authorization": f"Bearer {callback}"},
    )
    assert refused.status_code == 422 and "signature" in refused.json()["detail"]
    stranger = httpx.post(
        f"{india.url}/api/v1/exchange/messages",
        json={"message": signed},
        headers={"Authorization": "Bearer not-the-hub"},
    )
    assert stranger.status_code == 403


def test_a_suspension_made_on_the_hub_stops_a_nodes_certificates(cluster: ExchangeCluster) -> None:
    """Issue 18, item 6: the node's registry is the shipped file's until the hub tells it."""
    bw, hub = cluster["BW"], cluster.hub
    to_japan = certificate_body(
        importing_country="JP", importer={"name": "Tokyo Gem Import KK", "address": "Okachimachi, Tokyo"}
    )
    issue(bw, "BW", to_japan)  # Japan is in good standing on BW's node today
    today = datetime.now(UTC).date().isoformat()  # the processes run on the real clock
    with hub.client("admin") as client:
        suspended = client.post(
            "/api/v1/participants/JP/status",
            json={"status": "suspended", "reason": "Plenary decision (system test)", "effective_on": today},
        )
    assert suspended.status_code == 201, suspended.text
    wait_for(
        lambda: bw.scalar(
            "SELECT count(*) FROM participant_status_changes WHERE participant_code = 'JP' "
            "AND recorded_by = 'node:hub'"
        ),
        timeout=15,
        what="the suspension at BW's node",
    )
    with bw.client("authority", "BW") as client:
        refused = client.post("/api/v1/certificates", json=to_japan)
    assert refused.status_code == 422, refused.text
    assert "suspended since " + today in refused.text
    # Every node heard it, once; the hub's log of what it sent says so.
    india = cluster["IN"]
    wait_for(
        lambda: india.scalar("SELECT count(*) FROM exchange_inbox WHERE kind = 'participant-status'"),
        timeout=15,
        what="the suspension at India's node",
    )
    for node in (bw, india):
        assert node.scalar("SELECT count(*) FROM exchange_inbox WHERE kind = 'participant-status'") == 1
        assert (
            node.scalar("SELECT count(*) FROM participant_status_changes WHERE recorded_by = 'node:hub'") == 1
        )
