"""What happens to an annual report that other parts of kpcs act on (:mod:`kpcs.events`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kpcs.accounts.permissions import Principal
from kpcs.events import Event


@dataclass(frozen=True)
class AnnualReportSubmitted(Event):
    """A participant submitted its report on ``year``; ``part_b`` is what it says changed,
    per section; ``follow_ups`` what it reports on its peer-review recommendations
    (``{"recommendation", "follow_up", "note"}`` each), as ``submitted_by`` submitted it."""

    report_id: int
    participant: str
    year: int
    part_b: dict[str, str]
    follow_ups: tuple[dict[str, Any], ...]
    submitted_by: Principal
