"""The Chair's dashboard over 60 participants × 20 years of annual reports, reviews and
recommendations, and 5,000 export dossiers (issue 18: under 300 ms on SQLite and PostgreSQL).

The history is mostly settled, as it would be: reports assessed and answered, reviews adopted,
most recommendations implemented, dossiers decided; what is still open is what the dashboard
lists. Timed through HTTP on a running `kpcs serve` (the figure a user waits for) and in-process
(the use case alone)."""

from __future__ import annotations

import os
import random
import subprocess
import tempfile
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import httpx
import sqlalchemy as sa
from tests.conftest import build_database

from benchmarks.common import KPCS, Result, latency, served, timed
from kpcs.accounts.permissions import operator
from kpcs.annual_reports.domain import SECTIONS
from kpcs.annual_reports.models import AnnualReport
from kpcs.db import make_engine, make_session_factory
from kpcs.dossiers.domain import DossierStatus
from kpcs.dossiers.models import ExportDossier
from kpcs.oversight import services as oversight
from kpcs.participants.registry import ParticipantKind
from kpcs.participants.snapshot import registry_snapshot
from kpcs.reviews.models import Recommendation, Review
from kpcs.statistics.models import Questionnaire

PARTICIPANTS = 60
YEARS = 20
DOSSIERS = 5000
RECOMMENDATIONS_PER_REVIEW = 10
TARGET_MS = 300.0


def _history(url: str, today: date) -> dict[str, int]:
    """Write the synthetic history straight into the tables; return how many rows of each."""
    rng = random.Random(18)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    text = {key: "Standing information. " * 25 for key in SECTIONS}
    counts = {"annual_reports": 0, "reviews": 0, "recommendations": 0, "dossiers": 0, "questionnaires": 0}
    try:
        with factory() as session:
            codes = sorted(
                c
                for c, f in registry_snapshot(session).participants.items()
                if f.kind is ParticipantKind.PARTICIPANT
            )[:PARTICIPANTS]
            years = range(today.year - YEARS, today.year)
            at = datetime.combine(today, datetime.min.time(), tzinfo=UTC)
            reports, questionnaires = [], []
            for code in codes:
                for year in years:
                    if rng.random() < 0.05 and year >= today.year - 3:
                        continue  # missing
                    status = "responded" if year < today.year - 2 else rng.choice(["submitted", "assessed"])
                    submitted = datetime(year + 1, 3, rng.randint(1, 28), tzinfo=UTC)
                    reports.append(
                        {
                            "participant": code,
                            "year": year,
                            "status": status,
                            "part_a": text,
                            "part_b": text,
                            "figures": {"certificates_issued": {"count": rng.randint(0, 900)}},
                            "feedback": text if status != "submitted" else None,
                            "created_at": submitted,
                            "created_by": "bench",
                            "updated_at": submitted,
                            "updated_by": "bench",
                            "submitted_at": submitted,
                            "submitted_by": "bench",
                            "assessed_at": submitted + timedelta(days=60) if status != "submitted" else None,
                            "assessed_by": "wgm" if status != "submitted" else None,
                            "responded_at": submitted + timedelta(days=90) if status == "responded" else None,
                            "responded_by": "bench" if status == "responded" else None,
                        }
                    )
                    questionnaires.append(
                        {
                            "year": year,
                            "participant": code,
                            "status": "sent" if year == today.year - 1 and rng.random() < 0.2 else "closed",
                            "deadline": date(min(year + 1, today.year), 6, 30),
                            "created_at": at,
                            "created_by": "wgs",
                            "sent_at": at,
                            "sent_by": "wgs",
                        }
                    )
            session.execute(sa.insert(AnnualReport), reports)
            session.execute(sa.insert(Questionnaire), questionnaires)
            counts["annual_reports"], counts["questionnaires"] = len(reports), len(questionnaires)

            # A review of each participant every five years: all adopted but the last few.
            review_rows = []
            for code in codes:
                for year in range(today.year - YEARS, today.year, 5):
                    recent = year >= today.year - 5
                    stage = rng.choice(["planned", "draft", "final"]) if recent else "adopted"
                    ends = date(year, 5, 20)
                    review_rows.append(
                        {
                            "kind": rng.choice(["visit", "mission"]),
                            "participant": code,
                            "stage": stage,
                            "terms_of_reference": "Review of the implementation of the KPCS. " * 10,
                            "visit_starts": ends - timedelta(days=5),
                            "visit_ends": ends,
                            "draft_report": "Draft. " * 200 if stage != "planned" else None,
                            "draft_sent_on": ends + timedelta(days=20) if stage != "planned" else None,
                            "final_report": "Final. " * 200 if stage in ("final", "adopted") else None,
                            "final_on": ends + timedelta(days=45) if stage in ("final", "adopted") else None,
                            "adopted_on": ends + timedelta(days=160) if stage == "adopted" else None,
                            "created_at": datetime(year, 1, 10, tzinfo=UTC),
                            "created_by": "wgm",
                        }
                    )
            session.execute(sa.insert(Review), review_rows)
            counts["reviews"] = len(review_rows)
            review_ids = list(session.scalars(sa.select(Review.id)))
            states = ["implemented"] * 6 + ["open", "in progress", "not implemented", "no longer relevant"]
            recommendation_rows = [
                {
                    "review_id": review_id,
                    "number": n,
                    "text": "Strengthen the controls at the point of export. " * 3,
                    "owner": "the KP authority",
                    "follow_up": rng.choice(states),
                }
                for review_id in review_ids
                for n in range(1, RECOMMENDATIONS_PER_REVIEW + 1)
            ]
            session.execute(sa.insert(Recommendation), recommendation_rows)
            counts["recommendations"] = len(recommendation_rows)

            # 5,000 dossiers over the years of the restricted regime; the last hundred still open.
            dossier_rows = []
            for n in range(DOSSIERS):
                started = at - timedelta(days=(DOSSIERS - n) // 2, hours=rng.randint(0, 23))
                open_ = n >= DOSSIERS - 100
                status = (
                    rng.choice([DossierStatus.SUBMITTED, DossierStatus.MORE_INFORMATION])
                    if open_
                    else rng.choice([DossierStatus.APPROVED] * 9 + [DossierStatus.REJECTED])
                )
                waiting = status is DossierStatus.SUBMITTED
                line = {"hs_code": "7102.31", "origin": "CF", "carats": "1200.50", "value_usd": "96040"}
                assessed = {"conclusion": "consistent", "notes": "As declared.", "by": "wgm", "at": "x"}
                dossier_rows.append(
                    {
                        "participant_code": rng.choice(codes[:3]),
                        "exporting_country": "CF",
                        "zone": rng.choice(["Berbérati", "Boda", "Carnot", "Nola"]),
                        "carats": Decimal("1200.50"),
                        "value_usd": Decimal("96040.00"),
                        "lines": [line],
                        "parcel_count": 2,
                        "parcels": ["Parcel A", "Parcel B"],
                        "notes": "Run-of-mine.",
                        "status": status,
                        "submitted_at": started,
                        "submitted_by": "bench",
                        "clock_started_at": started,
                        "expert_assessment": assessed if not open_ or rng.random() < 0.5 else None,
                        "statistics_assessment": assessed if not open_ or rng.random() < 0.5 else None,
                        "decision": None if waiting else {"decision": status.value},
                        "decided_at": None if waiting else started + timedelta(days=5),
                        "certificate_number": None,
                    }
                )
            session.execute(sa.insert(ExportDossier), dossier_rows)
            counts["dossiers"] = len(dossier_rows)
            session.commit()
    finally:
        engine.dispose()
    return counts


def bench_dashboard(url: str, database: str) -> list[Result]:
    """Seed the history, then time the dashboard in-process and through HTTP."""
    today = date.today()
    build_database(url)
    counts = _history(url, today)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    principal = operator("bench")

    def run() -> int:
        with factory() as session:
            return int(oversight.dashboard(session, principal, today)["total"])

    try:
        lines = run()
        in_process = timed(run, 10)
    finally:
        engine.dispose()
    with tempfile.TemporaryDirectory() as data_dir:
        env = os.environ | {"KPCS_DATABASE_URL": url, "KPCS_DATA_DIR": data_dir}
        made = subprocess.run(
            [*KPCS, "tokens", "create", "--role", "monitoring", "--name", "bench"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        token = made.stdout.strip().splitlines()[-1]
        with served(env, workers=1) as (_, base):
            headers = {"Authorization": f"Bearer {token}"}
            with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
                first = http.get("/api/v1/dashboard")
                first.raise_for_status()
                api = timed(lambda: http.get("/api/v1/dashboard").raise_for_status(), 20)
                page = timed(lambda: http.get("/dashboard").raise_for_status(), 10)
    history = (
        f"{counts['annual_reports']} annual reports, {counts['reviews']} reviews, "
        f"{counts['recommendations']} recommendations, {counts['dossiers']} dossiers, "
        f"{counts['questionnaires']} questionnaires; {lines} lines listed"
    )
    target = f"< {TARGET_MS:.0f} ms (issue 18)"

    def met(samples: list[float]) -> bool:
        return sorted(samples)[len(samples) // 2] * 1000 < TARGET_MS

    return [
        Result(
            "dashboard", f"GET /api/v1/dashboard over {history}", database, latency(api), target, met(api)
        ),
        Result(
            "dashboard", "GET /dashboard (the page, same data)", database, latency(page), target, met(page)
        ),
        Result(
            "dashboard", "the use case in-process", database, latency(in_process), target, met(in_process)
        ),
    ]
