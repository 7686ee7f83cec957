"""The permission matrix, from the routes: every route of the app (API and pages) is declared
below with who may call it, and is called as every kind of caller.

A route missing from :data:`MATRIX` (or a row for a route that is gone) fails the test, so a
new route cannot be forgotten. For each route, a caller that may call it must not get 401 or
403 (it may get 404, 409 or 422: the records or the body decide those); a caller that may
not must get 401 or 403 — or 404 where the app hides from other participants that a record
exists (``hides``). Refused callers go first, so that what an allowed caller changes (a
certificate cancelled, a questionnaire sent) cannot make a refusal look right.

The records the routes are called on: a certificate from Botswana to Belgium (the EU), a
questionnaire sent to Botswana and a draft one, a fraud report with evidence. "Own" is
Botswana (the exporter, the participant asked), "partner" the EU (the importer), "other"
South Africa, concerned by none of them.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from PIL import Image
from starlette.routing import Mount

from kpcs.accounts import services as accounts
from kpcs.accounts.models import Role
from kpcs.annual_reports import services as annual_reports
from kpcs.annual_reports.domain import SECTIONS
from kpcs.assistance import services as assistance
from kpcs.certificates import fraud
from kpcs.certificates import services as certificates
from kpcs.certificates.schemas import CertificateCreate
from kpcs.clock import FixedClock
from kpcs.config import Settings
from kpcs.confiscations import services as confiscations
from kpcs.db import UnitOfWork, make_engine, make_session_factory
from kpcs.dossiers.domain import DossierStatus
from kpcs.dossiers.models import ExportDossier
from kpcs.exchange import services as exchange
from kpcs.exchange.models import Node
from kpcs.photos import services as photos
from kpcs.photos.store import PhotoStore
from kpcs.reviews import services as reviews
from kpcs.signing.keys import KeyFiles, KeyRing
from kpcs.statistics.analysis import daq
from kpcs.web.app import create_app
from tests.conftest import OPERATOR, TODAY, certificate_body
from tests.factories import photo_tuning

ANONYMOUS = "anonymous"
ADMIN = "admin"
STATISTICS = "statistics"
MONITORING = "monitoring"
OWN = "authority BW"
PARTNER = "authority EU"
OTHER = "authority ZA"
CUSTOMS = "customs BW"
CUSTOMS_OTHER = "customs ZA"
PEER = "exchange peer NA"  # Namibia's national node, with the token the hub gave it at enrollment
PEER_TOKEN = "kpcs-node-matrix-" + "n" * 32

CALLERS: dict[str, tuple[Role, str | None] | None] = {
    ANONYMOUS: None,
    ADMIN: (Role.ADMIN, None),
    STATISTICS: (Role.STATISTICS, None),
    MONITORING: (Role.MONITORING, None),
    OWN: (Role.AUTHORITY, "BW"),
    PARTNER: (Role.AUTHORITY, "EU"),
    OTHER: (Role.AUTHORITY, "ZA"),
    CUSTOMS: (Role.CUSTOMS, "BW"),
    CUSTOMS_OTHER: (Role.CUSTOMS, "ZA"),
    PEER: None,
}

# Every caller of the API and pages; an exchange peer's token opens the exchange's routes only
# (elsewhere it is a token the app does not know: 401).
EVERYONE = frozenset(CALLERS) - {PEER}
SIGNED_IN = EVERYONE - {ANONYMOUS}
WORKING_GROUPS = frozenset({ADMIN, STATISTICS, MONITORING})
AUTHORITIES = frozenset({OWN, PARTNER, OTHER})
CUSTOMS_OFFICES = frozenset({CUSTOMS, CUSTOMS_OTHER})
NOBODY: frozenset[str] = frozenset()
# Who sees the certificate: the scheme-wide roles and both ends of the shipment.
CERTIFICATE_READERS = WORKING_GROUPS | {OWN, PARTNER, CUSTOMS}
# Figures about Botswana: the working groups and Botswana's authority.
ABOUT_BOTSWANA = WORKING_GROUPS | {OWN}
WGS = frozenset({ADMIN, STATISTICS})


@dataclass(frozen=True)
class Access:
    """Who may call one route, and what to send it."""

    allowed: frozenset[str]
    hides: bool = False  # refused participant-bound callers get 404: the record is not theirs to know of
    # Callers who hold the permission but whom a rule of the record refuses with a 422 naming
    # the field and rule (an authority issuing for another participant's exports: the body's
    # exporting_country is what is wrong, rule "own-participant").
    rule_refuses: frozenset[str] = frozenset()
    params: dict[str, str] = field(default_factory=dict)
    json: Any = None
    data: dict[str, str] | None = None
    file: tuple[str, bytes, str] | None = None  # (field, content, media type) sent as multipart


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


TRADE_CSV = (
    b"participant,period,flow,partner,hs_code,carats,value_usd,certificates\n"
    b"BW,2024-Q1,export,EU,7102.31,1520.35,310250.00,1\n"
)
CERTIFICATE = certificate_body()
STATUS = {"status": "active", "reason": "matrix", "effective_on": "2025-03-03"}
FRAUD_FORM = {"number": "XX-FAKE-1", "claimed_participant": "BW", "notes": "forged seal"}
ESCALATION = {
    "participant": "BW",
    "kind": "trade",
    "period": "2024-Q1",
    "step": "reminder",
    "taken_on": "2025-03-03",
}
PASSWORD = "correct horse 42"
DOSSIER = {"exporting_country": "BW", "zone": "Jwaneng", "carats": 100.0, "value_usd": 20000.0}
PROPOSAL = {"exporter": "BW", "carats": 100.0, "value_usd": 20000.0, "hs_code": "7102.31", "origin": "BW"}

# Peer review: the Working Group on Monitoring and admins; a visit to Botswana for the routes below.
REVIEWERS = frozenset({ADMIN, MONITORING})
REVIEW_VISIT = {"kind": "visit", "participant": "BW", "terms_of_reference": "matrix"}
FOLLOW_UP = {"follow_up": "in progress", "note": "matrix"}

# Technical assistance and confiscations (issue 19, item 5): Botswana's need and case.
ASSISTANCE_NEED = {
    "kind": "need",
    "participant": "BW",
    "topic": "valuation",
    "region": "southern-africa",
    "title": "matrix",
    "description": "matrix",
    "contact": "matrix",
}
CONFISCATION = {
    "participant": "BW",
    "seized_on": "2025-01-02",
    "carats": 10.5,
    "value_usd": 1000.0,
    "circumstances": "matrix",
}
DISPOSITION = {"disposition": "forfeited", "disposition_on": "2025-03-01"}

# Footprints (issue 20, item 3): Botswana's Jwaneng.
FOOTPRINT_ZONE = {"participant": "BW", "zone": "Jwaneng"}
FOOTPRINT = FOOTPRINT_ZONE | {
    "sizes": {"+11": 1.0},
    "colours": {"white": 1.0},
    "qualities": {"gem": 1.0},
    "usd_per_carat": 150.0,
    "stones": 500,
}

# Every route: "METHOD path" as the app declares it -> who may call it.
MATRIX: dict[str, Access] = {
    # the framework's own, and static files: no caller is resolved, whatever it presents
    "GET /openapi.json": Access(frozenset(CALLERS)),
    "GET /docs": Access(frozenset(CALLERS)),
    "GET /static": Access(frozenset(CALLERS)),
    # verification (anyone at a border)
    "POST /api/v1/verify": Access(EVERYONE, json={"credential": "not-a-jws"}),
    "GET /api/v1/verify/number/{number}": Access(EVERYONE),
    "GET /api/v1/trust-list": Access(EVERYONE),
    "GET /api/v1/trust-list/signed": Access(EVERYONE),
    "GET /contexts/kpcs-v1.jsonld": Access(EVERYONE),
    "GET /verify": Access(EVERYONE),
    "POST /verify": Access(EVERYONE, data={"credential": "not-a-jws", "number": ""}),
    # certificates
    "POST /api/v1/certificates": Access(
        frozenset({OWN}), rule_refuses=frozenset({PARTNER, OTHER}), json=CERTIFICATE
    ),
    # A dry run of the issue: any authority, told what would be refused (another's exports).
    "POST /api/v1/certificates/check": Access(AUTHORITIES, json=CERTIFICATE),
    "GET /api/v1/certificates": Access(CERTIFICATE_READERS | AUTHORITIES | CUSTOMS_OFFICES),
    "GET /api/v1/certificates/unconfirmed": Access(CERTIFICATE_READERS | AUTHORITIES | CUSTOMS_OFFICES),
    "POST /api/v1/certificates/unconfirmed/reminders": Access(AUTHORITIES, json={"days": 0}),
    "POST /api/v1/certificates/{number}/reminders": Access(frozenset({OWN}), hides=True, json={}),
    "GET /api/v1/certificates/{number}": Access(CERTIFICATE_READERS, hides=True),
    "GET /api/v1/certificates/{number}/pdf": Access(CERTIFICATE_READERS, hides=True),
    "POST /api/v1/certificates/{number}/import-confirmation": Access(
        frozenset({PARTNER}), hides=True, json={"received_on": "2025-03-03"}
    ),
    "POST /api/v1/certificates/{number}/cancellation": Access(
        frozenset({OWN}), hides=True, json={"reason": "printing_error"}
    ),
    "POST /api/v1/certificates/{number}/loss-reports": Access(
        frozenset({OWN, PARTNER}), hides=True, json={"kind": "lost", "note": "matrix"}
    ),
    "GET /certificates": Access(CERTIFICATE_READERS | AUTHORITIES | CUSTOMS_OFFICES),
    "GET /inbox": Access(EVERYONE),  # a redirect to /certificates, which decides
    "GET /certificates/unconfirmed": Access(CERTIFICATE_READERS | AUTHORITIES | CUSTOMS_OFFICES),
    "POST /certificates/unconfirmed/remind": Access(AUTHORITIES, data={"days": "0"}),
    "GET /certificates/new": Access(AUTHORITIES),
    "GET /certificates/new/line": Access(EVERYONE),  # an empty line of the issue form: no data
    "POST /certificates/new/check": Access(AUTHORITIES),
    "POST /certificates/new": Access(AUTHORITIES),
    "GET /certificates/{number}": Access(CERTIFICATE_READERS, hides=True),
    "POST /certificates/{number}/confirm": Access(
        frozenset({PARTNER}), hides=True, data={"received_on": "2025-03-03"}
    ),
    "POST /certificates/{number}/remind": Access(frozenset({OWN}), hides=True),
    "POST /certificates/{number}/cancel": Access(
        frozenset({OWN}), hides=True, data={"reason": "printing_error", "confirm": "yes"}
    ),
    "POST /certificates/{number}/loss": Access(
        frozenset({OWN, PARTNER}), hides=True, data={"kind": "lost", "note": "matrix"}
    ),
    # the transparency log (public by design)
    "GET /api/v1/log/sth": Access(EVERYONE),
    "GET /api/v1/log/entries": Access(EVERYONE, params={"start": "0", "end": "1"}),
    "GET /api/v1/log/proof": Access(EVERYONE, params={"leaf_hash": "AAAA", "tree_size": "1"}),
    "GET /api/v1/log/consistency": Access(EVERYONE, params={"first": "1", "second": "1"}),
    "GET /api/v1/certificates/{number}/receipt": Access(EVERYONE),
    "GET /log": Access(EVERYONE),
    "GET /log/{part}": Access(EVERYONE),
    # the registry
    "GET /api/v1/participants": Access(EVERYONE),
    "GET /api/v1/participants/{code}": Access(EVERYONE),
    "POST /api/v1/participants/{code}/status": Access(frozenset({ADMIN}), json=STATUS),
    "GET /api/v1/working-bodies": Access(EVERYONE),
    "GET /api/v1/chairs": Access(EVERYONE),
    "GET /api/v1/registry-sources": Access(EVERYONE),
    "GET /participants": Access(EVERYONE),
    "GET /participants/{code}": Access(EVERYONE),
    "POST /participants/{code}/status": Access(frozenset({ADMIN}), data=STATUS | {"zones": ""}),
    "GET /working-bodies": Access(EVERYONE),
    "GET /chairs": Access(EVERYONE),
    "GET /sources": Access(EVERYONE),
    "GET /api/v1/health": Access(EVERYONE),
    "GET /": Access(EVERYONE),
    # the fraud register: public to read, filled by authorities and customs
    "POST /api/v1/fraud-reports": Access(AUTHORITIES | CUSTOMS_OFFICES, data=FRAUD_FORM),
    "GET /api/v1/fraud-reports": Access(EVERYONE),
    "GET /api/v1/fraud-reports/{report_id}/evidence": Access(
        AUTHORITIES | CUSTOMS_OFFICES | {ADMIN, MONITORING}
    ),
    "GET /fraud-register": Access(EVERYONE),
    "POST /fraud-register": Access(AUTHORITIES | CUSTOMS_OFFICES, data=FRAUD_FORM),
    # accounts
    "GET /api/v1/me": Access(EVERYONE),
    "GET /sign-in": Access(EVERYONE),
    "POST /sign-in": Access(EVERYONE, data={"username": "matrix", "password": PASSWORD, "next": "/"}),
    "POST /sign-out": Access(EVERYONE),
    "GET /account": Access(SIGNED_IN),
    # the audit log and the exchange's state: administrators
    "GET /api/v1/audit": Access(frozenset({ADMIN})),
    "GET /audit": Access(frozenset({ADMIN})),
    "GET /api/v1/exchange/status": Access(frozenset({ADMIN})),
    "GET /exchange": Access(frozenset({ADMIN})),
    # other kpcs systems, with their exchange tokens: no API token opens these. Enrolling is
    # opened by the one-time token in the body, not by a caller (test_exchange_enrollment.py).
    "POST /api/v1/exchange/enroll": Access(
        NOBODY, json={"enrollment_token": "x", "participant": "BW", "callback_token": "c" * 20, "keys": []}
    ),
    "POST /api/v1/exchange/messages": Access(frozenset({PEER}), json={"message": "x"}),
    "POST /api/v1/exchange/keys": Access(frozenset({PEER}), json={"keys": []}),
    # statistics: published figures for anyone, submissions by the WGS or the own authority
    # Another authority may submit, its own figures: rows about Botswana are refused row by row.
    "POST /api/v1/statistics/submissions": Access(
        frozenset({STATISTICS, OWN}),
        rule_refuses=frozenset({PARTNER, OTHER}),
        file=("file", TRADE_CSV, "text/csv"),
    ),
    "GET /api/v1/statistics/trade": Access(EVERYONE),
    "GET /api/v1/statistics/derived": Access(ABOUT_BOTSWANA, params={"participant": "BW"}),
    "GET /api/v1/statistics/production": Access(EVERYONE),
    "GET /api/v1/statistics/compliance": Access(EVERYONE, params={"year": "2024"}),
    "POST /api/v1/statistics/escalations": Access(WORKING_GROUPS, json=ESCALATION),
    "GET /api/v1/statistics/summary": Access(EVERYONE),
    "GET /api/v1/statistics/participants/{code}": Access(EVERYONE),
    "GET /api/v1/statistics/world": Access(EVERYONE),
    "GET /statistics/compliance": Access(EVERYONE),
    "GET /statistics": Access(EVERYONE),
    "GET /statistics/participants/{code}": Access(EVERYONE),
    "GET /statistics/world": Access(EVERYONE),
    # The page shows an authority its own participant, whichever is asked for.
    "GET /statistics/derived": Access(WORKING_GROUPS | AUTHORITIES, params={"participant": "BW"}),
    "GET /statistics/templates/{name}": Access(EVERYONE),
    "GET /statistics/submit": Access(frozenset({STATISTICS}) | AUTHORITIES),
    "POST /statistics/submit": Access(
        frozenset({STATISTICS, OWN}),
        rule_refuses=frozenset({PARTNER, OTHER}),
        file=("file", TRADE_CSV, "text/csv"),
    ),
    # analysis: the Working Group on Statistics, and an authority for its own figures
    "GET /api/v1/statistics/anomalies": Access(WGS, params={"year": "2024"}),
    "GET /api/v1/statistics/anomaly-thresholds": Access(WGS),
    "PUT /api/v1/statistics/anomaly-thresholds": Access(WGS, json={"values": {}, "note": "matrix"}),
    "GET /api/v1/statistics/reconciliation": Access(
        ABOUT_BOTSWANA, params={"year": "2024", "participant": "BW"}
    ),
    "POST /api/v1/statistics/export-assessments": Access(ABOUT_BOTSWANA, json=PROPOSAL),
    "GET /api/v1/statistics/analyses/{participant}": Access(ABOUT_BOTSWANA, params={"year": "2024"}),
    "GET /api/v1/statistics/analyses/{participant}/pdf": Access(ABOUT_BOTSWANA, params={"year": "2024"}),
    "GET /statistics/anomalies": Access(WGS),
    "POST /statistics/anomalies/questionnaires": Access(WGS, data={"year": "2024"}),
    "POST /statistics/anomalies/thresholds": Access(WGS, data={"year": "2024"}),
    "GET /statistics/reconciliation": Access(ABOUT_BOTSWANA, params={"participant": "BW"}),
    "GET /statistics/assess": Access(ABOUT_BOTSWANA, params={k: str(v) for k, v in PROPOSAL.items()}),
    "GET /statistics/analyses": Access(WORKING_GROUPS | AUTHORITIES),
    "GET /statistics/analyses/{participant}": Access(ABOUT_BOTSWANA),
    "GET /statistics/analyses/{participant}/pdf": Access(ABOUT_BOTSWANA),
    # questionnaires: drawn up by the WGS, answered by the authority asked
    "GET /api/v1/statistics/questionnaires": Access(WORKING_GROUPS | AUTHORITIES),
    "POST /api/v1/statistics/questionnaires": Access(WGS, json={"year": 2022, "participant": "BW"}),
    "GET /api/v1/statistics/questionnaires/{questionnaire_id}": Access(ABOUT_BOTSWANA, hides=True),
    "DELETE /api/v1/statistics/questionnaires/{questionnaire_id}": Access(WGS, hides=True),
    "POST /api/v1/statistics/questionnaires/{questionnaire_id}/send": Access(WGS, hides=True, json={}),
    "POST /api/v1/statistics/questionnaires/{questionnaire_id}/questions/{number}/answer": Access(
        frozenset({OWN}), hides=True, json={"answer": "a new mine opened"}
    ),
    "POST /api/v1/statistics/questionnaires/{questionnaire_id}/questions/{number}/review": Access(
        WGS, hides=True, json={"decision": "accept"}
    ),
    "GET /api/v1/statistics/questionnaires/{questionnaire_id}/pdf": Access(ABOUT_BOTSWANA, hides=True),
    "GET /api/v1/statistics/non-responders": Access(EVERYONE),
    "GET /statistics/questionnaires/{questionnaire_id}/pdf": Access(ABOUT_BOTSWANA, hides=True),
    "GET /statistics/questionnaires": Access(WORKING_GROUPS | AUTHORITIES),
    "POST /statistics/questionnaires": Access(WGS, data={"year": "2022", "participant": "BW"}),
    "GET /statistics/questionnaires/{questionnaire_id}": Access(ABOUT_BOTSWANA, hides=True),
    "POST /statistics/questionnaires/{questionnaire_id}/send": Access(WGS, hides=True),
    "POST /statistics/questionnaires/{questionnaire_id}/discard": Access(WGS, hides=True),
    "POST /statistics/questionnaires/{questionnaire_id}/questions/{number}/answer": Access(
        frozenset({OWN}), hides=True, data={"answer": "a new mine opened"}
    ),
    "POST /statistics/questionnaires/{questionnaire_id}/questions/{number}/review": Access(
        WGS, hides=True, data={"decision": "accept"}
    ),
    "GET /statistics/non-responders": Access(EVERYONE),
    # peer review (issue 18): the WGM runs reviews of Botswana's; its authority invites a visit,
    # comments on the draft and reports on the follow-up; other authorities are not told it exists
    "GET /api/v1/reviews": Access(REVIEWERS | AUTHORITIES),
    "POST /api/v1/reviews": Access(REVIEWERS | {OWN}, json=REVIEW_VISIT),
    "GET /api/v1/reviews/{review_id}": Access(REVIEWERS | {OWN}, hides=True),
    "POST /api/v1/reviews/{review_id}/members": Access(
        REVIEWERS, hides=True, json={"name": "M", "constituency": "industry", "affiliation": "WDC"}
    ),
    "POST /api/v1/reviews/{review_id}/visit": Access(
        REVIEWERS, hides=True, json={"starts": "2025-02-03", "ends": "2025-02-07"}
    ),
    "POST /api/v1/reviews/{review_id}/draft": Access(REVIEWERS, hides=True, json={"text": "draft"}),
    "POST /api/v1/reviews/{review_id}/comments": Access(frozenset({OWN}), hides=True, json={"text": "c"}),
    "POST /api/v1/reviews/{review_id}/final": Access(REVIEWERS, hides=True, json={"text": "final"}),
    "POST /api/v1/reviews/{review_id}/adopt": Access(REVIEWERS, hides=True, json={}),
    "POST /api/v1/reviews/{review_id}/recommendations": Access(
        REVIEWERS, hides=True, json={"text": "r", "owner": "BW"}
    ),
    "GET /api/v1/recommendations": Access(REVIEWERS | AUTHORITIES),
    "POST /api/v1/recommendations/{recommendation_id}/follow-up": Access(
        REVIEWERS | {OWN}, hides=True, json=FOLLOW_UP
    ),
    "GET /reviews": Access(REVIEWERS | AUTHORITIES),
    "POST /reviews": Access(REVIEWERS | {OWN}, data=REVIEW_VISIT),
    "GET /reviews/{review_id}": Access(REVIEWERS | {OWN}, hides=True),
    "POST /reviews/{review_id}/members": Access(
        REVIEWERS, hides=True, data={"name": "M", "constituency": "industry", "affiliation": "WDC"}
    ),
    "POST /reviews/{review_id}/visit": Access(
        REVIEWERS, hides=True, data={"visit_starts": "2025-02-03", "visit_ends": "2025-02-07"}
    ),
    "POST /reviews/{review_id}/draft": Access(REVIEWERS, hides=True, data={"draft_report": "d"}),
    "POST /reviews/{review_id}/comments": Access(frozenset({OWN}), hides=True, data={"comments": "c"}),
    "POST /reviews/{review_id}/final": Access(REVIEWERS, hides=True, data={"final_report": "f"}),
    "POST /reviews/{review_id}/adopt": Access(REVIEWERS, hides=True, data={}),
    "POST /reviews/{review_id}/recommendations": Access(
        REVIEWERS, hides=True, data={"text": "r", "owner": "BW"}
    ),
    "POST /recommendations/{recommendation_id}/follow-up": Access(
        REVIEWERS | {OWN}, hides=True, data=FOLLOW_UP
    ),
    # annual reports (issue 18): written and answered by the participant's authority, assessed
    # by the WGM; the report called on is Botswana's, submitted
    "GET /api/v1/annual-reports": Access(WORKING_GROUPS | AUTHORITIES),
    "POST /api/v1/annual-reports": Access(frozenset({OWN}), json={"participant": "BW", "year": 2023}),
    "GET /api/v1/annual-reports/late": Access(WORKING_GROUPS | AUTHORITIES, params={"year": "2023"}),
    "GET /api/v1/annual-reports/{annual_report_id}": Access(ABOUT_BOTSWANA, hides=True),
    "PATCH /api/v1/annual-reports/{annual_report_id}": Access(frozenset({OWN}), hides=True, json={}),
    "POST /api/v1/annual-reports/{annual_report_id}/submit": Access(frozenset({OWN}), hides=True),
    "POST /api/v1/annual-reports/{annual_report_id}/assessment": Access(
        frozenset({ADMIN, MONITORING}), hides=True, json={"feedback": {"trade": "matrix"}}
    ),
    "POST /api/v1/annual-reports/{annual_report_id}/response": Access(
        frozenset({OWN}), hides=True, json={"response": "matrix"}
    ),
    "GET /api/v1/annual-reports/{annual_report_id}/pdf": Access(ABOUT_BOTSWANA, hides=True),
    "GET /annual-reports": Access(WORKING_GROUPS | AUTHORITIES),
    "POST /annual-reports": Access(AUTHORITIES, data={"year": "2023"}),  # each its own participant's
    "GET /annual-reports/late": Access(WORKING_GROUPS | AUTHORITIES),
    "GET /annual-reports/{annual_report_id}": Access(ABOUT_BOTSWANA, hides=True),
    "GET /annual-reports/{annual_report_id}/pdf": Access(ABOUT_BOTSWANA, hides=True),
    "POST /annual-reports/{annual_report_id}/edit": Access(frozenset({OWN}), hides=True),
    "POST /annual-reports/{annual_report_id}/submit": Access(frozenset({OWN}), hides=True),
    "POST /annual-reports/{annual_report_id}/assess": Access(
        frozenset({ADMIN, MONITORING}), hides=True, data={"feedback.trade": "matrix"}
    ),
    "POST /annual-reports/{annual_report_id}/respond": Access(
        frozenset({OWN}), hides=True, data={"response": "x"}
    ),
    # issue 18, the restricted regime: export dossiers submitted by the authority, assessed by
    # the Diamond Expert Team (monitoring) and the statistics group, decided by monitoring.
    # Botswana is not restricted: its authority's dossier is a 422 (zone), not a refusal.
    "GET /api/v1/export-dossiers/cross-check": Access(frozenset({ADMIN, MONITORING})),
    "GET /api/v1/export-dossiers": Access(WORKING_GROUPS | AUTHORITIES),
    "POST /api/v1/export-dossiers": Access(frozenset({OWN}), json=DOSSIER),
    "GET /api/v1/export-dossiers/{dossier_id}": Access(ABOUT_BOTSWANA, hides=True),
    "POST /api/v1/export-dossiers/{dossier_id}/expert-assessment": Access(
        frozenset({MONITORING}), hides=True, json={"conclusion": "consistent", "notes": "matrix"}
    ),
    "POST /api/v1/export-dossiers/{dossier_id}/statistics-assessment": Access(
        frozenset({STATISTICS}), hides=True, json={"conclusion": "matrix"}
    ),
    "POST /api/v1/export-dossiers/{dossier_id}/decision": Access(
        frozenset({MONITORING}), hides=True, json={"decision": "rejected", "reason": "matrix"}
    ),
    "POST /api/v1/export-dossiers/{dossier_id}/information": Access(
        frozenset({OWN}), hides=True, json={"notes": "matrix"}
    ),
    "GET /export-dossiers/cross-check": Access(frozenset({ADMIN, MONITORING})),
    "GET /export-dossiers": Access(WORKING_GROUPS | AUTHORITIES),
    "POST /export-dossiers": Access(frozenset({OWN}), data={k: str(v) for k, v in DOSSIER.items()}),
    "GET /export-dossiers/{dossier_id}": Access(ABOUT_BOTSWANA, hides=True),
    "POST /export-dossiers/{dossier_id}/expert-assessment": Access(
        frozenset({MONITORING}), hides=True, data={"conclusion": "consistent", "notes": "matrix"}
    ),
    "POST /export-dossiers/{dossier_id}/statistics-assessment": Access(
        frozenset({STATISTICS}), hides=True, data={"conclusion": "matrix"}
    ),
    "POST /export-dossiers/{dossier_id}/decision": Access(
        frozenset({MONITORING}), hides=True, data={"decision": "rejected", "reason": "matrix"}
    ),
    "POST /export-dossiers/{dossier_id}/information": Access(
        frozenset({OWN}), hides=True, data={"notes": "matrix"}
    ),
    # issue 18, item 5: notifications (the inbox shows each caller what is addressed to it)
    "GET /api/v1/notifications": Access(SIGNED_IN),
    "GET /notifications": Access(SIGNED_IN),
    # a token has no address: refused with a 422 naming the field
    "POST /account/email": Access(NOBODY, rule_refuses=SIGNED_IN, data={"email": "kp@mines.example"}),
    # issue 18, item 4: the Chair's dashboard (an authority sees the lines of its own participant)
    "GET /api/v1/dashboard": Access(WORKING_GROUPS | AUTHORITIES),
    "GET /dashboard": Access(WORKING_GROUPS | AUTHORITIES),
    # issue 19, items 3 and 4: the register of administrative decisions (read by anyone, kept
    # by admins) and the plenary calendar
    "GET /api/v1/decisions": Access(EVERYONE),
    "GET /api/v1/decisions/{decision_id}": Access(EVERYONE),
    "POST /api/v1/decisions": Access(
        frozenset({ADMIN}),
        json={"title": "Matrix decision", "summary": "matrix", "sources": ["comm-2021 ¶6"]},
    ),
    "PATCH /api/v1/decisions/{decision_id}": Access(frozenset({ADMIN}), json={"status_note": "matrix"}),
    "POST /api/v1/decisions/{decision_id}/supersedes": Access(
        frozenset({ADMIN}), json={"superseded": 2, "source": "matrix"}
    ),
    "GET /api/v1/plenaries": Access(EVERYONE),
    "GET /decisions": Access(EVERYONE),
    "GET /decisions/{decision_id}": Access(EVERYONE),
    "GET /plenaries": Access(EVERYONE),
    # issue 18, monitoring's remaining pieces: the review's report as a PDF (Botswana's review)
    "GET /api/v1/reviews/{review_id}/pdf": Access(REVIEWERS | {OWN}, hides=True),
    "GET /reviews/{review_id}/pdf": Access(REVIEWERS | {OWN}, hides=True),
    # issue 19, item 5: technical assistance (public to read; recorded by the participant's own
    # authority or the WGM) and confiscations (Botswana's case: its authority and the WGM; the
    # public sees the yearly figures only). Entry 1 and case 1 are Botswana's.
    "GET /api/v1/assistance": Access(EVERYONE),
    "GET /api/v1/assistance.csv": Access(EVERYONE),
    "GET /api/v1/assistance/matches": Access(EVERYONE),
    "POST /api/v1/assistance": Access(REVIEWERS | {OWN}, json=ASSISTANCE_NEED),
    "GET /api/v1/assistance/{entry_id}": Access(EVERYONE),
    "POST /api/v1/assistance/{entry_id}/status": Access(REVIEWERS | {OWN}, json={"status": "closed"}),
    "GET /assistance": Access(EVERYONE),
    "POST /assistance": Access(REVIEWERS | {OWN}, data=ASSISTANCE_NEED),
    "GET /assistance/{entry_id}": Access(EVERYONE),
    "POST /assistance/{entry_id}/status": Access(REVIEWERS | {OWN}, data={"status": "closed"}),
    "GET /api/v1/confiscations": Access(REVIEWERS | AUTHORITIES),
    "GET /api/v1/confiscations.csv": Access(REVIEWERS | AUTHORITIES),
    "GET /api/v1/confiscations/statistics": Access(EVERYONE),
    "POST /api/v1/confiscations": Access(REVIEWERS | {OWN}, json=CONFISCATION),
    "GET /api/v1/confiscations/{confiscation_id}": Access(REVIEWERS | {OWN}, hides=True),
    "POST /api/v1/confiscations/{confiscation_id}/disposition": Access(
        REVIEWERS | {OWN}, hides=True, json=DISPOSITION
    ),
    "GET /confiscations": Access(EVERYONE),
    "POST /confiscations": Access(REVIEWERS | {OWN}, data={k: str(v) for k, v in CONFISCATION.items()}),
    "GET /confiscations/{confiscation_id}": Access(REVIEWERS | {OWN}, hides=True),
    "POST /confiscations/{confiscation_id}/disposition": Access(
        REVIEWERS | {OWN}, hides=True, data=DISPOSITION
    ),
    # issue 20, item 1: shipment photos. The world holds photo 1 on Botswana's dossier and
    # photo 2, the same picture, on the certificate (match 1). Either end of the certificate
    # adds photos, Botswana's authority to its dossier; whoever sees the shipment sees them.
    "POST /api/v1/certificates/{number}/photos": Access(
        frozenset({OWN, PARTNER}), hides=True, file=("file", _png(), "image/png")
    ),
    "GET /api/v1/certificates/{number}/photos": Access(CERTIFICATE_READERS, hides=True),
    "POST /api/v1/export-dossiers/{dossier_id}/photos": Access(
        frozenset({OWN}), hides=True, file=("file", _png(), "image/png")
    ),
    "GET /api/v1/export-dossiers/{dossier_id}/photos": Access(ABOUT_BOTSWANA, hides=True),
    "GET /api/v1/photos/{photo_id}": Access(CERTIFICATE_READERS, hides=True),
    "GET /api/v1/photos/{photo_id}/thumbnail": Access(CERTIFICATE_READERS, hides=True),
    "POST /certificates/{number}/photos": Access(
        frozenset({OWN, PARTNER}), hides=True, file=("file", _png(), "image/png")
    ),
    "POST /export-dossiers/{dossier_id}/photos": Access(
        frozenset({OWN}), hides=True, file=("file", _png(), "image/png")
    ),
    "GET /photo-matches/{match_id}": Access(CERTIFICATE_READERS, hides=True),
    # issue 20, item 2: valuation warnings, the Diamond Expert Team's list (the WGM stands for
    # the Team, with admins; authorities see the warnings on their certificates)
    "GET /api/v1/expertise/valuation-warnings": Access(REVIEWERS),
    "GET /expertise/valuation-warnings": Access(REVIEWERS),
    # issue 20, item 3: footprints of production zones, entered or computed by the Diamond
    # Expert Team (monitoring), read by the working groups; no authority reads them (it sees
    # only the verdict on its own dossier). Botswana's Jwaneng has no approved dossier, so a
    # computation is a 422 naming the zone.
    "GET /api/v1/footprints": Access(WORKING_GROUPS),
    "POST /api/v1/footprints": Access(frozenset({MONITORING}), json=FOOTPRINT),
    "POST /api/v1/footprints/compute": Access(frozenset({MONITORING}), json=FOOTPRINT_ZONE),
    "GET /footprints": Access(WORKING_GROUPS),
    "POST /footprints": Access(frozenset({MONITORING}), data=FOOTPRINT_ZONE),
    "POST /footprints/compute": Access(frozenset({MONITORING}), data=FOOTPRINT_ZONE),
    # issue 20, item 5: the experts' workbench. The Diamond Expert Team's list (the WGM stands
    # for the Team, with admins); a finding is the Team's word, recorded by the WGM only. The
    # world's match 1 (the certificate's photo re-used from the dossier) is the warning closed.
    "GET /api/v1/expertise/warnings": Access(REVIEWERS),
    "POST /api/v1/expertise/warnings/{kind}/{warning_id}/finding": Access(
        frozenset({MONITORING}), json={"conclusion": "confirmed", "finding": "matrix"}
    ),
    "GET /expertise": Access(REVIEWERS),
    "POST /expertise/warnings/{kind}/{warning_id}/finding": Access(
        frozenset({MONITORING}), data={"conclusion": "confirmed", "finding": "matrix"}
    ),
}


def app_routes() -> list[str]:
    """Every route of the app as "METHOD path" (a mount as GET)."""
    app = create_app(Settings(database_url="sqlite://"))
    found = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, Mount):
            found.append(f"GET {route.path}")
            continue
        for method in sorted(context.methods or ()):
            if method != "HEAD" or not isinstance(route, APIRoute):
                found.append(f"{method} {context.path}")
    return sorted(set(found) - {f"HEAD {p.split(' ', 1)[1]}" for p in found if p.startswith("GET ")})


ROUTES = app_routes()


def test_every_route_is_in_the_matrix() -> None:
    """A new route must say who may call it; a row for a route that is gone must go."""
    assert sorted(set(ROUTES) - set(MATRIX)) == [], "routes missing from the permission matrix"
    assert sorted(set(MATRIX) - set(ROUTES)) == [], "matrix rows for routes the app no longer has"


@dataclass(frozen=True)
class World:
    """A seeded database and data directory to copy for each route, and a token per caller."""

    database: Path
    data_dir: Path
    tokens: dict[str, str]
    number: str
    sent_questionnaire: int
    draft_questionnaire: int
    report_id: int
    dossier_id: int
    annual_report_id: int = 0


@pytest.fixture(scope="module")
def world(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> World:
    root = tmp_path_factory.mktemp("matrix")
    database = root / "kpcs.db"
    shutil.copyfile(sqlite_template, database)
    settings = Settings(data_dir=root / "data", database_url=f"sqlite:///{database}")
    clock = FixedClock(TODAY)
    engine = make_engine(settings.sqlalchemy_url)
    try:
        factory = make_session_factory(engine)
        tokens = {
            caller: accounts.create_token(
                UnitOfWork(factory), OPERATOR, clock, role=spec[0], participant=spec[1]
            ).secret
            for caller, spec in CALLERS.items()
            if spec is not None
        }
        keyring = KeyRing(factory, KeyFiles(settings.data_dir / "keys"), clock)
        issued = certificates.issue_certificate(
            UnitOfWork(factory),
            OPERATOR,
            clock,
            keyring,
            CertificateCreate.model_validate(certificate_body()),
        )
        sent = daq.draw_up(UnitOfWork(factory), OPERATOR, clock, year=2024, participant="BW")
        daq.send(UnitOfWork(factory), OPERATOR, clock, sent["id"])
        draft = daq.draw_up(UnitOfWork(factory), OPERATOR, clock, year=2023, participant="BW")
        accounts.create_user(
            UnitOfWork(factory),
            OPERATOR,
            clock,
            username="matrix",
            full_name="Matrix",
            password=PASSWORD,
            roles=[Role.STATISTICS],
            participant=None,
        )
        report = fraud.report_fraud(
            UnitOfWork(factory),
            OPERATOR,
            clock,
            fraud.EvidenceStore(settings.data_dir / "evidence"),
            number="BW-FAKE-1",
            claimed_participant="BW",
            notes="the seal is printed",
            evidence=fraud.Evidence(filename="seal.png", content=_png()),
        )
        visit = reviews.create(
            UnitOfWork(factory), OPERATOR, clock, kind="visit", participant="BW", terms_of_reference="matrix"
        )
        reviews.add_member(
            UnitOfWork(factory),
            OPERATOR,
            clock,
            visit["id"],
            name="L",
            constituency="participant",
            affiliation="EU",
            leader=True,
        )
        reviews.set_visit_dates(
            UnitOfWork(factory), OPERATOR, clock, visit["id"], starts=TODAY.date(), ends=TODAY.date()
        )
        reviews.send_draft(UnitOfWork(factory), OPERATOR, clock, visit["id"], "draft")
        reviews.add_recommendation(UnitOfWork(factory), OPERATOR, clock, visit["id"], text="r", owner="BW")
        annual_report = annual_reports.start(
            UnitOfWork(factory), OPERATOR, clock, participant="BW", year=2024
        )
        annual_reports.edit(
            UnitOfWork(factory),
            OPERATOR,
            clock,
            annual_report["id"],
            part_a=dict.fromkeys(SECTIONS, "matrix"),
        )
        annual_reports.submit(UnitOfWork(factory), OPERATOR, clock, annual_report["id"])
        assistance.create(UnitOfWork(factory), OPERATOR, clock, **ASSISTANCE_NEED)  # entry 1
        confiscations.create(  # case 1
            UnitOfWork(factory),
            OPERATOR,
            clock,
            **CONFISCATION | {"seized_on": TODAY.date().replace(month=1, day=2)},
        )
        with UnitOfWork(factory) as uow:
            uow.session.add(
                Node(
                    participant="NA",
                    url="http://na.node.invalid",
                    token_hash=exchange.token_hash(PEER_TOKEN),
                    callback_token="c" * 32,
                    enrolled_at=TODAY,
                    enrolled_with="0" * 64,
                )
            )
            # Botswana is not restricted here, so its dossier is written as a row, as if
            # from an earlier restriction (the routes' rules are tested in test_export_dossiers.py).
            dossier = ExportDossier(
                participant_code="BW",
                exporting_country="BW",
                zone="Jwaneng",
                carats=Decimal(100),
                value_usd=Decimal(20000),
                lines=[],
                parcel_count=None,
                parcels=[],
                notes="matrix",
                status=DossierStatus.SUBMITTED,
                submitted_at=TODAY,
                submitted_by="cli:tester",
                clock_started_at=TODAY,
                expert_assessment=None,
                statistics_assessment=None,
                decision=None,
                decided_at=None,
                certificate_number=None,
            )
            uow.session.add(dossier)
            uow.session.flush()
            dossier_id = dossier.id
            uow.commit()
        parcel = io.BytesIO()
        photo_tuning.parcel_photo("matrix", (240, 180)).save(parcel, format="JPEG")
        store = PhotoStore(settings.data_dir / "photos")
        photos.add_to_dossier(UnitOfWork(factory), OPERATOR, clock, store, dossier_id, parcel.getvalue())
        reused = photos.add_to_certificate(
            UnitOfWork(factory), OPERATOR, clock, store, issued.number, parcel.getvalue()
        )
        assert reused["similar"], "the certificate's photo is the dossier's, so it is match 1"
        tokens[PEER] = PEER_TOKEN
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        engine.dispose()
    return World(
        database,
        settings.data_dir,
        tokens,
        issued.number,
        sent["id"],
        draft["id"],
        report.id,
        dossier_id,
        annual_report["id"],
    )


@pytest.fixture
def app_on_copy(world: World, tmp_path: Path) -> Iterator[TestClient]:
    """The app on a fresh copy of the seeded world."""
    shutil.copyfile(world.database, tmp_path / "kpcs.db")
    shutil.copytree(world.data_dir, tmp_path / "data")
    settings = Settings(data_dir=tmp_path / "data", database_url=f"sqlite:///{tmp_path / 'kpcs.db'}")
    with TestClient(create_app(settings, clock=FixedClock(TODAY))) as client:
        yield client


def _path(route: str, world: World) -> str:
    method, path = route.split(" ", 1)
    draft = path.endswith(("/send", "/discard")) or method == "DELETE"
    values = {
        "{number}": world.number,
        "{questionnaire_id}": str(world.draft_questionnaire if draft else world.sent_questionnaire),
        "{report_id}": str(world.report_id),
        "{annual_report_id}": str(world.annual_report_id),
        "{dossier_id}": str(world.dossier_id),
        "{code}": "BW",
        "{participant}": "BW",
        "{part}": "sth",
        "{name}": "trade.csv",
        "{review_id}": "1",  # the review of Botswana the world holds, with recommendation 1
        "{recommendation_id}": "1",
        "{decision_id}": "1",  # a decision of the packaged register
        "{entry_id}": "1",  # Botswana's need for technical assistance
        "{confiscation_id}": "1",  # Botswana's case
        "{photo_id}": "2",  # the certificate's photo
        "{match_id}": "1",
        "{kind}": "photo-match",  # the experts' workbench: the world's match 1
        "{warning_id}": "1",
    }
    if "/questions/{number}" in path:
        path = path.replace("/questions/{number}", "/questions/1")
    if path == "/static":
        path = "/static/kpcs.css"
    for placeholder, value in values.items():
        path = path.replace(placeholder, value)
    return path


@pytest.mark.parametrize("route", ROUTES)
def test_route_answers_each_caller_as_the_matrix_says(
    app_on_copy: TestClient, world: World, route: str
) -> None:
    access = MATRIX[route]
    method = route.split(" ", 1)[0]
    path = _path(route, world)
    refused = [caller for caller in CALLERS if caller not in access.allowed]
    for caller in refused + sorted(access.allowed):
        app_on_copy.cookies.clear()  # a sign-in must not carry over to the next caller
        headers = {"Accept": "application/json"}
        if caller in world.tokens:
            headers["Authorization"] = f"Bearer {world.tokens[caller]}"
        files = {access.file[0]: ("upload", access.file[1], access.file[2])} if access.file else None
        response = app_on_copy.request(
            method,
            path,
            params=access.params,
            json=access.json,
            data=access.data,
            files=files,
            headers=headers,
            follow_redirects=False,
        )
        said = (
            f"{caller}: {response.status_code} {response.headers.get('location', '')} {response.text[:300]}"
        )
        if caller in access.allowed:
            assert response.status_code not in (401, 403), said
            assert response.status_code < 500, said
        elif caller in access.rule_refuses:
            assert response.status_code == 422, said
        elif caller == ANONYMOUS and response.status_code == 303:  # a page sends a browser to sign in
            assert response.headers["location"].startswith("/sign-in"), said
        else:
            expected = {401, 403, 404} if access.hides else {401, 403}
            assert response.status_code in expected, said
