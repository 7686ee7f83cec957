"""A participant's first certificate verifies at once, everywhere: through the API and the
page of a fresh `kpcs serve --workers 2` (each worker holding a trust list cached before the
participant's key existed), and with `kpcs verify` against a trust list saved just after."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import certificate_body
from tests.exchange_cluster import Instance

pytestmark = pytest.mark.timeout(300)

# Each request on a new connection: the kernel spreads connections over the workers
# (SO_REUSEPORT), so a dozen of them reach both.
TRIES = 12


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Instance]:
    instance = Instance("hub", tmp_path_factory.mktemp("first"), env={"KPCS_NODE": "hub"})
    instance.run("db", "upgrade")
    instance.start("--workers", "2")
    try:
        yield instance
    except BaseException:
        print(instance.log_tail())
        raise
    finally:
        instance.stop()


def verify_api(instance: Instance, credential: str) -> dict[str, object]:
    response = httpx.post(f"{instance.url}/api/v1/verify", json={"credential": credential}, timeout=30)
    assert response.status_code == 200, response.text
    return dict(response.json())


def first_certificate(instance: Instance, participant: str) -> str:
    body = certificate_body(
        exporting_country=participant,
        lines=[{"hs_code": "7102.31", "origin": participant, "carats": 120.5, "value_usd": 24100.0}],
    )
    with instance.client("authority", participant) as client:
        response = client.post("/api/v1/certificates", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["number"].endswith("-000001"), "the participant's first certificate"
    return str(response.json()["credential"])


def test_a_first_certificate_verifies_at_once_in_every_worker(hub: Instance, tmp_path: Path) -> None:
    # Every worker verifies something first, so each holds a trust list without India's key.
    warm = first_certificate(hub, "BW")
    for _ in range(TRIES):
        assert verify_api(hub, warm)["valid"] is True

    before = httpx.get(f"{hub.url}/api/v1/trust-list", timeout=30)
    assert before.headers["cache-control"] == "no-cache"
    credential = first_certificate(hub, "IN")
    # A cache holding the list from before India's key must not be told it is still good.
    after = httpx.get(
        f"{hub.url}/api/v1/trust-list", headers={"If-None-Match": before.headers["etag"]}, timeout=30
    )
    assert after.status_code == 200 and "IN" in {k["participant"] for k in after.json()["keys"]}
    again = httpx.get(
        f"{hub.url}/api/v1/trust-list", headers={"If-None-Match": after.headers["etag"]}, timeout=30
    )
    assert again.status_code == 304

    for attempt in range(TRIES):
        result = verify_api(hub, credential)
        assert result["valid"] is True, f"request {attempt + 1}: {result['problems']}"
        assert result["issuing_participant"] == "IN"

    for attempt in range(TRIES):
        page = httpx.post(f"{hub.url}/verify", data={"credential": credential}, timeout=30)
        assert page.status_code == 200, f"request {attempt + 1}: {page.text[:500]}"
        assert "not in the trust list" not in page.text
        assert "verdict-valid" in page.text and "IN-" in page.text

    signed = httpx.get(f"{hub.url}/api/v1/trust-list/signed", timeout=30).text.strip()
    header = json.loads(base64.urlsafe_b64decode(signed.split(".")[0] + "=="))
    saved = tmp_path / "trust-list.jws"
    hub.run("trust-list", "fetch", hub.url, "--out", str(saved), "--pin", header["kid"])
    out = hub.run("verify", credential, "--trust-list", str(saved), "--pin", header["kid"], "--json")
    assert json.loads(out)["valid"] is True
