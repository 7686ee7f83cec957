"""What happens to an annual report that other parts of kpcs act on (:mod:`kpcs.events`)."""

from __future__ import annotations

from dataclasses import dataclass

from kpcs.events import Event


@dataclass(frozen=True)
class AnnualReportSubmitted(Event):
    """A participant submitted its report on ``year``; ``part_b`` is what it says changed,
    per section (where follow-up of peer-review recommendations is reported)."""

    report_id: int
    participant: str
    year: int
    part_b: dict[str, str]
