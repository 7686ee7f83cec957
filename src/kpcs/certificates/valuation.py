"""The valuation checks of an issue (issue 20): the exporter's recent certificates, read
here, judged by the pure rules of :mod:`kpcs.expertise.valuation`.

The reference window is the 365 days *before* the issue date, so a day's references do not
move while the day's certificates are issued: they are read once per exporter, HS code and
day in each process and kept (one indexed read of a year of the exporter's lines of that
code; the reading of later certificates is then free, however few there were). A
certificate stored with an earlier date than a kept day's (one received from another node,
or a clock set back) drops what this process kept for its exporter after that date; a
cancellation, or a certificate another process stores, counts from the next day.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from kpcs.certificates.credential import CredentialLine
from kpcs.certificates.models import Certificate, CertificateLine, CertificateStatus
from kpcs.expertise import published
from kpcs.expertise.valuation import (
    WINDOW_DAYS,
    Finding,
    Line,
    Reference,
    Sample,
    choose_reference,
)
from kpcs.expertise.valuation import valuation_warnings as judge_lines

_samples: dict[tuple[str, str, str, date], list[Sample]] = {}
"""(database, exporter, HS code, day) -> the samples of the day's window."""
_samples_lock = threading.Lock()
_CACHE_LIMIT = 10_000


def earlier_samples(session: Session, participant: str, hs_code: str, today: date) -> list[Sample]:
    """The $/ct of each of ``participant``'s certificates of ``hs_code`` (per origin) issued
    in the 365 days before ``today``, cancelled ones left out."""
    database = session.get_bind().engine.url.render_as_string(hide_password=True)
    key = (database, participant, hs_code, today)
    cached = _samples.get(key)
    if cached is not None:
        return cached
    rows = session.execute(
        sa.select(
            CertificateLine.origin,
            sa.func.sum(CertificateLine.value_usd),
            sa.func.sum(CertificateLine.carats),
        )
        .join(Certificate, Certificate.id == CertificateLine.certificate_id)
        .where(
            Certificate.exporting_participant == participant,
            Certificate.status != CertificateStatus.CANCELLED,
            Certificate.issued_on >= today - timedelta(days=WINDOW_DAYS),
            Certificate.issued_on < today,
            CertificateLine.hs_code == hs_code,
        )
        .group_by(CertificateLine.certificate_id, CertificateLine.origin)
    ).all()
    found = [
        Sample(origin, float(value) / float(carats)) for origin, value, carats in rows if carats and value
    ]
    with _samples_lock:
        if len(_samples) > _CACHE_LIMIT:
            _samples.clear()
        _samples[key] = found
    return found


def forget_after(session: Session, participant: str, issued_on: date) -> None:
    """A certificate of ``participant`` dated ``issued_on`` is being stored: drop the samples
    kept for its later days, whose windows it falls in."""
    database = session.get_bind().engine.url.render_as_string(hide_password=True)
    with _samples_lock:
        for key in [k for k in _samples if k[0] == database and k[1] == participant and k[3] > issued_on]:
            del _samples[key]


def valuation_findings(
    session: Session, participant: str, lines: Sequence[CredentialLine], today: date
) -> list[Finding]:
    """The under- and over-valuation warnings of an issue's lines (they never block it)."""
    references: dict[tuple[str, str], Reference] = {}
    for hs_code in sorted({line.hs_code for line in lines}):
        samples = earlier_samples(session, participant, hs_code, today)
        for origin in sorted({line.origin for line in lines if line.hs_code == hs_code}):
            reference = choose_reference(hs_code, origin, samples, published.stand_in(hs_code, origin))
            if reference is not None:
                references[(hs_code, origin)] = reference
    return judge_lines(
        (Line(line.hs_code, line.origin, float(line.carats), float(line.value_usd)) for line in lines),
        references,
    )
