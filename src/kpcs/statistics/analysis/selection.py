"""Which anomalies an analyst looks at: the filters of the workbench and of the API (type,
participant, partner, period, severity), the order findings are read in, and the key that
names one finding when it is picked for a questionnaire.

Pure: anomalies in, anomalies out; the use cases that read them are in ``daq`` and
``workbench``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from kpcs.errors import FieldProblem, InvalidInput
from kpcs.statistics.analysis.anomalies import SEVERITIES, TYPES, Anomaly

_PART = re.compile(r"^(?:(?P<year>\d{4})-)?(?P<part>[HQ][1-4])$")
_QUARTERS_OF = {"H1": ("Q1", "Q2"), "H2": ("Q3", "Q4")}
PERIOD_CHOICES = ("H1", "H2", "Q1", "Q2", "Q3", "Q4")
"""The parts of a year a finding's period can be narrowed to (quarters of trade,
half-years of production)."""


@dataclass(frozen=True)
class FindingFilter:
    """The findings an analyst asked for; a field left ``None`` does not filter.

    ``participant`` keeps the findings concerning it on either side of a pair (as reporter
    or as partner), ``partner`` those whose partner it is; ``period`` is a half-year or a
    quarter of the year (``2024-H1``), and keeps the findings on that period or a part of
    it (a half-year keeps its quarters too)."""

    type: str | None = None
    participant: str | None = None
    partner: str | None = None
    period: str | None = None
    severity: str | None = None

    def matches(self, a: Anomaly, *, ignoring: str | None = None) -> bool:
        """True if ``a`` passes every filter (but the one named ``ignoring``, for counts of
        what choosing another value of that filter would show)."""
        return (
            (ignoring == "type" or self.type is None or a.type == self.type)
            and (
                ignoring == "participant"
                or self.participant is None
                or self.participant in (a.participant, a.partner)
            )
            and (ignoring == "partner" or self.partner is None or a.partner == self.partner)
            and (ignoring == "period" or self.period is None or within(a.period, self.period))
            and (ignoring == "severity" or self.severity is None or a.severity == self.severity)
        )

    def is_empty(self) -> bool:
        """True when nothing is filtered."""
        return not any((self.type, self.participant, self.partner, self.period, self.severity))


def parse_filter(
    year: int,
    *,
    type: str | None = None,
    participant: str | None = None,
    partner: str | None = None,
    period: str | None = None,
    severity: str | None = None,
) -> FindingFilter:
    """The filter as typed in a form or a query (codes in any case, blanks ignored, a period
    as ``Q2``, ``H1`` or ``2024-Q2``; the year itself is no filter), or InvalidInput naming
    every field that is wrong."""
    problems: list[tuple[str, str]] = []
    type_, participant_, partner_, period_, severity_ = (
        (v or "").strip() or None for v in (type, participant, partner, period, severity)
    )
    if type_ is not None and type_ not in TYPES:
        problems.append(("type", f"must be one of {', '.join(TYPES)}"))
    if severity_ is not None and severity_ not in SEVERITIES:
        problems.append(("severity", "must be high, medium or low"))
    chosen = None
    if period_ is not None and period_ != str(year):
        found = _PART.match(period_.upper())
        if found is None or found["part"] not in PERIOD_CHOICES:
            problems.append(("period", f"the year {year}, a half-year (H1, H2) or a quarter (Q1 to Q4)"))
        elif found["year"] is not None and int(found["year"]) != year:
            problems.append(("period", f"{period_} is not in {year}"))
        else:
            chosen = f"{year}-{found['part']}"
    if problems:
        raise InvalidInput(
            "; ".join(f"{name}: {message}" for name, message in problems),
            problems=[FieldProblem(name, message) for name, message in problems],
        )
    return FindingFilter(
        type=type_,
        participant=participant_.upper() if participant_ else None,
        partner=partner_.upper() if partner_ else None,
        period=chosen,
        severity=severity_,
    )


def within(period: str | None, chosen: str) -> bool:
    """True if ``period`` (``2024``, ``2024-H1``, ``2024-Q2``) is ``chosen`` or a part of it."""
    if period is None:
        return False
    if period == chosen:
        return True
    year, _, part = chosen.partition("-")
    return any(period == f"{year}-{quarter}" for quarter in _QUARTERS_OF.get(part, ()))


_SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}
_TYPE_RANK = {t: i for i, t in enumerate(TYPES)}


def by_severity(found: Iterable[Anomaly]) -> list[Anomaly]:
    """Findings in the order an analyst reads them: the most severe first, then by type (in
    the DAQ's order), participant, partner, period and HS code."""
    return sorted(
        found,
        key=lambda a: (
            _SEVERITY_RANK.get(a.severity, len(SEVERITIES)),
            _TYPE_RANK.get(a.type, len(TYPES)),
            a.participant,
            a.partner or "",
            a.period or "",
            a.hs_code or "",
            a.explanation,
        ),
    )


def finding_key(a: Anomaly) -> str:
    """A finding's name in a selection: ``type|participant|partner|period|hs_code|digest``.

    The five fields do not always tell two findings apart (a participant's exports and its
    imports can both change suddenly over the same year), so a digest of the explanation
    ends the key; it also makes a selection made before the figures or the thresholds
    changed refer to nothing, rather than to a finding that now says something else."""
    digest = hashlib.sha256(a.explanation.encode()).hexdigest()[:10]
    return "|".join((a.type, a.participant, a.partner or "", a.period or "", a.hs_code or "", digest))
