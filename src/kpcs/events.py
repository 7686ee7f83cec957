"""What happened, told to whoever takes it from there, in the same transaction.

A use case publishes what happened (``CertificateIssued``) in its transaction just before
it commits; the subscribers (the transparency log appends the certificate, the exchange
writes the pre-notification to its outbox) add their rows to the same transaction, so
the certificate, its log entry and its message commit together or not at all. The use
case does not know them, and they import it, not the other way round: that is what keeps
the certificates apart from the log and the exchange (cosmicpython's message bus, run
before the commit rather than after it).

Who takes what is written in one place, :mod:`kpcs.wiring`. An event that nothing takes
is refused rather than dropped: a certificate that no log takes must not be issued.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from kpcs.clock import Clock


class Event:
    """Something that happened in a use case; subclasses are frozen dataclasses named in the
    past tense."""


Subscriber = Callable[[Session, Clock, Any], None]
"""Takes an event in the caller's transaction: adds rows, never commits."""


class NoSubscriber(RuntimeError):
    """An event was recorded that nothing takes: the wiring is incomplete (a bug, not bad input)."""


def _subscribers() -> Mapping[type[Event], tuple[Subscriber, ...]]:
    # Imported when first needed: the wiring imports the subscribers, which import the
    # use cases that record events; importing it at the top would close that ring again.
    from kpcs.wiring import SUBSCRIBERS

    return SUBSCRIBERS


def publish(session: Session, clock: Clock, event: Event) -> None:
    """Hand ``event`` to each of its subscribers, in order, in the caller's transaction."""
    subscribers = _subscribers().get(type(event), ())
    if not subscribers:
        raise NoSubscriber(f"nothing takes {type(event).__name__}: add it to kpcs.wiring.SUBSCRIBERS")
    for subscriber in subscribers:
        subscriber(session, clock, event)
