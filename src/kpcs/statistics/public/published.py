"""The KP's published figures, loaded from the data files kpcs ships (``statistics/data/``,
described in its README): production by participant with an ``OTHERS`` row where the source
gives the remainder, and the world totals by year with the other sources' figures where
they disagree. Every row keeps its source and note. Loading is idempotent: a second load
of the same files changes nothing and records nothing.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from kpcs.accounts.permissions import SYSTEM
from kpcs.audit import tags
from kpcs.audit.services import record
from kpcs.clock import Clock
from kpcs.statistics.models import PublishedProduction, PublishedWorldTotal

DATA = Path(__file__).parent.parent / "data"
PRODUCTION_FILE = DATA / "kp-production-by-participant.csv"
WORLD_TOTALS_FILE = DATA / "kp-world-totals.csv"
DISAGREEMENTS_FILE = DATA / "kp-world-totals-disagreements.csv"

WORLD_MEASURES = (
    "production_carats",
    "production_value_usd",
    "export_carats",
    "export_value_usd",
    "import_carats",
    "import_value_usd",
)
"""The world figures, named as in the API (the file says ``exports_carats``)."""


def _amount(text: str | None) -> Decimal | None:
    text = (text or "").strip()
    return Decimal(text) if text else None


def _count(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if text else None


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@dataclass(frozen=True)
class LoadReport:
    """How many published rows a load added or changed."""

    production: int
    world_totals: int

    @property
    def changed(self) -> int:
        """Rows added or changed, of both kinds."""
        return self.production + self.world_totals


def load_published_production(session: Session, clock: Clock, path: Path = PRODUCTION_FILE) -> int:
    """Load (or refresh) production by participant from ``path`` (columns ``year,
    participant, carats, value_usd`` and ``source_url`` and ``note``, or the first file's
    ``source``, where ``same`` repeats the one above); returns rows added or changed."""
    changed = 0
    now = clock.now()
    existing = {(p.year, p.participant): p for p in session.scalars(sa.select(PublishedProduction))}
    source = ""
    for row in _rows(path):
        given = (row.get("source_url") or row.get("source") or "").strip()
        if given and given != "same":
            source = given
        key = (int(row["year"]), row["participant"].strip().upper())
        values: dict[str, Any] = {
            "carats": _amount(row["carats"]),
            "value_usd": _amount(row["value_usd"]),
            "source": source,
            "note": (row.get("note") or "").strip() or None,
        }
        found = existing.get(key)
        if found is None:
            found = PublishedProduction(year=key[0], participant=key[1], loaded_at=now, **values)
            session.add(found)
            existing[key] = found
            changed += 1
        elif any(getattr(found, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(found, name, value)
            found.loaded_at = now
            changed += 1
    return changed


def read_disagreements(path: Path = DISAGREEMENTS_FILE) -> dict[int, list[dict[str, Any]]]:
    """The other sources' world figures, by year: ``{"measure", "value", "source", "note"}``."""
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in _rows(path):
        found[int(row["year"])].append(
            {
                "measure": row["measure"],
                "value": float(Decimal(row["value"])),
                "source": row["source"],
                "note": row["note"] or None,
            }
        )
    return dict(found)


def load_world_totals(
    session: Session, clock: Clock, path: Path = WORLD_TOTALS_FILE, disagreements: Path = DISAGREEMENTS_FILE
) -> int:
    """Load (or refresh) the published world totals by year; returns rows added or changed."""
    changed = 0
    now = clock.now()
    others = read_disagreements(disagreements)
    existing = {t.year: t for t in session.scalars(sa.select(PublishedWorldTotal))}
    for row in _rows(path):
        year = int(row["year"])
        values: dict[str, Any] = {
            "production_carats": _amount(row["production_carats"]),
            "production_value_usd": _amount(row["production_value_usd"]),
            "export_carats": _amount(row["exports_carats"]),
            "export_value_usd": _amount(row["exports_value_usd"]),
            "import_carats": _amount(row["imports_carats"]),
            "import_value_usd": _amount(row["imports_value_usd"]),
            "export_certificates": _count(row["certificates_exports"]),
            "import_certificates": _count(row["certificates_imports"]),
            "source": row["source_url"].strip(),
            "note": row["retrieved_note"].strip() or None,
            "disagreements": others.get(year, []),
        }
        found = existing.get(year)
        if found is None:
            session.add(PublishedWorldTotal(year=year, loaded_at=now, **values))
            changed += 1
        elif any(getattr(found, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(found, name, value)
            found.loaded_at = now
            changed += 1
    return changed


def load_published_figures(session: Session, clock: Clock) -> LoadReport:
    """Load the published figures kpcs ships (``kpcs db upgrade`` does), recording in the
    audit log a load that added or changed anything."""
    report = LoadReport(
        production=load_published_production(session, clock),
        world_totals=load_world_totals(session, clock),
    )
    if report.changed:
        record(
            session,
            actor=SYSTEM,
            clock=clock,
            tag=tags.STATISTICS_PUBLISHED_LOADED,
            object_type="published-statistics",
            object_id=PRODUCTION_FILE.parent.name,
            after={"production": report.production, "world_totals": report.world_totals},
            note=f"published figures: {report.production} production row(s) and "
            f"{report.world_totals} world total(s) added or changed",
        )
    return report
