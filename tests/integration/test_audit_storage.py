"""The audit log read back from the database, on SQLite and PostgreSQL: the CSV export
reads in batches and loses or repeats nothing between them."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from kpcs.audit.services import AuditFilter, export_csv, page_events
from tests.conftest import OPERATOR
from tests.factories.audit import Event, add_events

START = datetime(2024, 1, 1, tzinfo=UTC)


def test_csv_export_reads_in_batches(session_factory: sessionmaker[Session]) -> None:
    ids = add_events(
        session_factory,
        [
            Event(START + timedelta(hours=i), "cli:batch", "registry:loaded", "registry", str(i))
            for i in range(23)
        ],
    )
    chunks = export_csv(session_factory, OPERATOR, AuditFilter(actor="cli:batch"), batch_size=5)
    first = next(chunks)
    # Events recorded once the download has begun are not part of it.
    add_events(session_factory, [Event(START, "cli:batch", "registry:loaded", "registry", "late")])
    text = first + "".join(chunks)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [int(r["id"]) for r in rows] == sorted(ids, reverse=True)
    assert rows[-1]["occurred_at"] == "2024-01-01T00:00:00+00:00"


def test_paging_back_and_forth_by_keyset(session_factory: sessionmaker[Session]) -> None:
    ids = add_events(
        session_factory,
        [
            Event(START + timedelta(hours=i), "cli:pages", "registry:loaded", "registry", str(i))
            for i in range(12)
        ],
    )
    newest_first = sorted(ids, reverse=True)
    where = AuditFilter(actor="cli:pages")
    with session_factory() as session:
        first = page_events(session, OPERATOR, where, size=5)
        assert [e.id for e in first.events] == newest_first[:5] and (first.first, first.last) == (1, 5)
        assert first.newer is None and first.older == newest_first[4]
        last = page_events(session, OPERATOR, where, before_id=newest_first[9], size=5)
        assert [e.id for e in last.events] == newest_first[10:]
        assert (last.first, last.last, last.total) == (11, 12, 12)
        assert last.older is None and last.newer == newest_first[10]
        middle = page_events(session, OPERATOR, where, after_id=last.newer, size=5)
        assert [e.id for e in middle.events] == newest_first[5:10]
        # Fewer than a page left above: "newer" shows the newest page whole.
        top = page_events(session, OPERATOR, where, after_id=newest_first[3], size=5)
        assert [e.id for e in top.events] == newest_first[:5]
        # The time filter and the keyset together.
        day = AuditFilter(actor="cli:pages", since=START.date(), until=START.date())
        assert page_events(session, OPERATOR, day, size=5).total == 12
