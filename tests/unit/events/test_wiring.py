"""Issuing records what happened; the log and the exchange take it from there (issue 17.13).

The certificates import neither the log's nor the exchange's use cases (they import the
certificates: a ring, before); every event a use case records has a subscriber; and one
that nothing takes is refused, never dropped.
"""

from __future__ import annotations

import dataclasses
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

from kpcs import events, wiring
from kpcs.certificates import events as certificate_events
from kpcs.clock import FixedClock

SRC = Path(__file__).parents[3] / "src"


def test_the_certificates_load_neither_the_log_nor_the_exchange_services() -> None:
    probe = (
        "import sys\n"
        "import kpcs.certificates.services, kpcs.certificates.reminders, kpcs.certificates.verifying\n"
        "print('\\n'.join(sorted(sys.modules)))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"},
    ).stdout.split()
    assert "kpcs.certificates.services" in loaded
    for ring in ("kpcs.translog.services", "kpcs.exchange.services", "kpcs.exchange.delivery", "kpcs.wiring"):
        assert ring not in loaded, ring


def test_every_certificate_event_has_a_subscriber_and_issuing_is_logged_last() -> None:
    recorded = {
        cls
        for _, cls in inspect.getmembers(certificate_events, inspect.isclass)
        if issubclass(cls, events.Event) and cls is not events.Event
    }
    assert recorded and recorded <= set(wiring.SUBSCRIBERS)
    issued = wiring.SUBSCRIBERS[certificate_events.CertificateIssued]
    assert issued[-1].__module__ == "kpcs.translog.services"  # its append lock, held only to the commit


@dataclasses.dataclass(frozen=True)
class NobodyListens(events.Event):
    """An event the wiring does not know."""


def test_an_event_nothing_takes_is_refused(clock: FixedClock) -> None:
    with pytest.raises(events.NoSubscriber, match="nothing takes NobodyListens"):
        events.publish(None, clock, NobodyListens())  # type: ignore[arg-type]
