"""The Working Group on Statistics' workbench: the findings of a year an analyst reads first
(questions about figures, the most severe first, filtered and a page at a time) and, apart
from them, the returns that are missing, one line per participant and kind of return.

The anomalies are the DAQ's (``daq.find_year_anomalies``, with the thresholds in force);
this module only chooses, orders and summarises them for reading.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from kpcs.accounts.permissions import Action, Principal, require
from kpcs.participants.snapshot import registry_snapshot
from kpcs.statistics.analysis import daq
from kpcs.statistics.analysis.anomalies import FINDING_TYPES, SEVERITIES, TYPES, Anomaly
from kpcs.statistics.analysis.anomalies.missing import PERIODS
from kpcs.statistics.analysis.selection import FindingFilter, by_severity, finding_key

PAGE_SIZE = 50
"""Findings on one page: a realistic year's fit on one or two screens; more is a list
nobody reads, and the filters are there to narrow it."""


@dataclass(frozen=True)
class Finding:
    """One row of the findings table: the anomaly and the key that selects it."""

    anomaly: Anomaly
    key: str

    @property
    def figures(self) -> str:
        """The figures in a few words: "1,658,755 vs 1,113,435 (+49%)" (what they count,
        carats, dollars or certificates, the explanation says)."""
        a = self.anomaly
        if a.reported is None:
            return ""
        if a.reference is None:
            return _number(a.reported)
        change = f" ({a.reported / a.reference - 1:+.0%})".replace("-", "−") if a.reference else ""
        return f"{_number(a.reported)} vs {_number(a.reference)}{change}"


def _number(x: float) -> str:
    """A figure for the table: whole numbers without decimals, others with two."""
    return f"{x:,.0f}" if abs(x) >= 1000 or x == int(x) else f"{x:,.2f}"


@dataclass(frozen=True)
class MissingReturns:
    """The returns of one kind (trade or production) a participant owes for the year and
    has not submitted."""

    participant: str
    name: str
    kind: str
    periods: tuple[str, ...]
    whole: bool
    """Every period of the year is missing."""

    @property
    def severity(self) -> str:
        """As the detectors rate it: high for the whole year, medium for part of it."""
        return "high" if self.whole else "medium"

    def shown_by(self, where: FindingFilter) -> bool:
        """True if ``where`` keeps this line (it has no partner, and its period is the year)."""
        return (
            where.type in (None, "missing_submission")
            and where.participant in (None, self.participant)
            and where.partner is None
            and where.period is None
            and where.severity in (None, self.severity)
        )


@dataclass(frozen=True)
class Workbench:
    """What the workbench shows for a year and a filter."""

    year: int
    where: FindingFilter
    rows: list[Finding]
    """The findings of this page."""
    matched: int
    """Findings that pass the filter, on every page."""
    page: int
    pages: int
    page_size: int
    total: int
    """Findings of the year (the questions about figures), whatever the filter."""
    by_type: dict[str, int]
    """Anomalies of the year per type (missing submissions counted one per participant and kind)."""
    by_severity: dict[str, int]
    """Findings of the year per severity."""
    matched_by_severity: dict[str, int]
    missing: list[MissingReturns]
    """The lines of missing returns the filter keeps."""
    missing_total: int
    """Lines of missing returns of the year, whatever the filter."""
    names: dict[str, str]
    """Participants' names by code, for the codes on the page."""
    codes: list[str]
    """Participants and partners named by the year's findings, for the filter's suggestions."""

    @property
    def first(self) -> int:
        """The number of this page's first finding (0 when none match)."""
        return (self.page - 1) * self.page_size + 1 if self.rows else 0

    @property
    def last(self) -> int:
        """The number of this page's last finding."""
        return (self.page - 1) * self.page_size + len(self.rows)

    @property
    def missing_participants(self) -> int:
        """Participants with a return missing, among the lines shown."""
        return len({m.participant for m in self.missing})


def workbench(
    session: Session,
    principal: Principal,
    year: int,
    today: date,
    where: FindingFilter,
    *,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> Workbench:
    """The findings of ``year`` that ``where`` keeps, most severe first, page ``page`` of
    them (the last page if there are fewer), with counts, and the missing returns apart."""
    require(principal, Action.VIEW_ANOMALIES)
    found, missing = _read(session, year, today)
    findings = [a for a in found if a.type in FINDING_TYPES]
    matched = by_severity(a for a in findings if where.matches(a))
    pages = max(1, math.ceil(len(matched) / page_size))
    page = min(max(page, 1), pages)
    shown = matched[(page - 1) * page_size : page * page_size]
    names = {code: facts.name for code, facts in registry_snapshot(session).participants.items()}
    lines = _missing_lines(missing, year, names)
    return Workbench(
        year=year,
        where=where,
        rows=[Finding(a, finding_key(a)) for a in shown],
        matched=len(matched),
        page=page,
        pages=pages,
        page_size=page_size,
        total=len(findings),
        by_type={t: sum(a.type == t for a in found) for t in TYPES},
        by_severity={s: sum(a.severity == s for a in findings) for s in SEVERITIES},
        matched_by_severity={s: sum(a.severity == s for a in matched) for s in SEVERITIES},
        missing=[m for m in lines if m.shown_by(where)],
        missing_total=len(lines),
        names=names,
        codes=sorted({a.participant for a in findings} | {a.partner for a in findings if a.partner}),
    )


def matching(
    session: Session, principal: Principal, year: int, today: date, where: FindingFilter
) -> list[Anomaly]:
    """Every anomaly the workbench shows for ``where``, on all its pages: the findings in the
    page's order, then the missing submissions (the rows of its CSV)."""
    require(principal, Action.VIEW_ANOMALIES)
    found, _ = _read(session, year, today)
    findings = by_severity(a for a in found if a.type in FINDING_TYPES and where.matches(a))
    return findings + [a for a in found if a.type == "missing_submission" and where.matches(a)]


def _read(session: Session, year: int, today: date) -> tuple[list[Anomaly], list[tuple[str, str, str]]]:
    """The anomalies of the year with the thresholds in force, and the missing returns
    they were found from (read once, for both)."""
    thresholds, _ = daq.thresholds_in_force(session)
    missing = daq.missing_returns(session, year, today)
    return daq.find_year_anomalies(session, year, today, thresholds, missing=missing), missing


def _missing_lines(
    missing: list[tuple[str, str, str]], year: int, names: dict[str, str]
) -> list[MissingReturns]:
    """One line per participant and kind of return, as the detectors summarise them."""
    owed: dict[tuple[str, str], set[str]] = defaultdict(set)
    for participant, kind, period in missing:
        if kind in PERIODS and period.startswith(str(year)):
            owed[(participant, kind)].add(period)
    return [
        MissingReturns(
            participant=participant,
            name=names.get(participant, participant),
            kind=kind,
            periods=tuple(sorted(periods)),
            whole=len(periods) >= PERIODS[kind],
        )
        for (participant, kind), periods in sorted(
            owed.items(), key=lambda item: (item[0][0], item[0][1] != "trade")
        )
    ]
