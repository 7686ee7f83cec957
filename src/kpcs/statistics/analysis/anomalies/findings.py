"""What a detector reports: an :class:`Anomaly` with the contract's fields, its severity,
and the figures written for a reader."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from kpcs.statistics.analysis.anomalies.thresholds import Thresholds

TYPES = (
    "mirror_gap",
    "unit_value",
    "production_export",
    "certificate_count",
    "sudden_change",
    "missing_submission",
)
"""The six kinds of anomaly, in the order the DAQ lists them."""

FINDING_TYPES = TYPES[:-1]
"""The kinds that are questions about figures; ``missing_submission`` is about a return
that is not there, and is kept apart from them."""

SEVERITIES = ("high", "medium", "low")


@dataclass(frozen=True)
class Anomaly:
    """One question for the DAQ: what looks wrong, about whom, against what, how far off."""

    type: str
    participant: str
    partner: str | None
    period: str | None
    hs_code: str | None
    reported: float | None
    reference: float | None
    deviation: float | None
    severity: str
    explanation: str

    def as_dict(self) -> dict[str, Any]:
        """The anomaly as a plain dict with exactly the contract's keys."""
        return asdict(self)


def anomaly(
    kind: str,
    who: str,
    other: str | None,
    period: str,
    hs: str | None,
    reported: float | None,
    reference: float | None,
    deviation: float | None,
    severity: str,
    what: str,
) -> Anomaly:
    """An Anomaly with figures rounded for reading (cents; four decimals for measures)."""

    def fix(x: float | None, digits: int) -> float | None:
        return None if x is None or not math.isfinite(x) else round(x, digits)

    return Anomaly(
        kind, who, other, period, hs, fix(reported, 2), fix(reference, 2), fix(deviation, 4), severity, what
    )


def severity(ratio: float, usd: float, t: Thresholds) -> str:
    """Severity by how many times its threshold the measure is (``ratio``) or by the money
    at stake (``usd``), whichever is worse."""
    if ratio >= t.severity_high_factor or usd >= t.severity_high_usd:
        return "high"
    if ratio >= t.severity_medium_factor or usd >= t.severity_medium_usd:
        return "medium"
    return "low"


def at_least_medium(level: str) -> str:
    """A level raised to medium (a whole flow on one side only is never a small matter)."""
    return "medium" if level == "low" else level


def ct(x: float) -> str:
    """Carats for a sentence."""
    return f"{x:,.0f} ct"


def usd(x: float) -> str:
    """US dollars for a sentence: millions from a million."""
    return f"${x / 1e6:,.1f} M" if abs(x) >= 1e6 else f"${x:,.0f}"


def per_ct(x: float) -> str:
    """A unit value for a sentence."""
    return f"${x:,.2f}/ct"


def times(log_ratio: float) -> str:
    """A log ratio as a factor a reader understands: ×2.4 or ÷1.8 (i.e. −44 %)."""
    factor = math.exp(log_ratio)
    return f"{factor - 1:+.0%}"
