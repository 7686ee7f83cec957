"""Missing submissions: one finding per participant and kind of return (trade, production),
naming the periods that are missing.

Who owes what is the compliance calendar's to say (trade from every participant in the
Scheme, production from producers); the detectors are handed the unmet obligations and
summarise them, so that an analyst reads one line per participant and not one per quarter.
"""

from __future__ import annotations

from collections import defaultdict

from kpcs.statistics.analysis.anomalies.findings import Anomaly, anomaly

PERIODS = {"trade": 4, "production": 2}


def summarise_missing(
    missing: tuple[tuple[str, str, str], ...] | list[tuple[str, str, str]], year: int
) -> list[Anomaly]:
    """One anomaly per participant and kind for the unmet obligations of ``year``: high when
    the whole year of that kind is missing, medium for part of it."""
    owed: dict[tuple[str, str], list[str]] = defaultdict(list)
    for participant, kind, period in missing:
        if kind not in PERIODS:
            raise ValueError(f"missing: kind {kind!r} is neither trade nor production")
        if period.startswith(str(year)):
            owed[(participant, kind)].append(period)
    out = []
    for (participant, kind), periods in sorted(owed.items()):
        periods = sorted(set(periods))
        whole = len(periods) >= PERIODS[kind]
        listed = "any period" if whole else ", ".join(periods)
        what = (
            f"{participant} has not submitted its {kind} statistics of {year} for {listed}. "
            + (
                "Mirror comparisons with its partners cannot be made until it does"
                if kind == "trade"
                else "Its production cannot be compared with its exports until it does"
            )
            + "; ask for the submission (Annex III: due two months after the period)."
        )
        out.append(
            anomaly(
                "missing_submission",
                participant,
                None,
                str(year),
                None,
                float(len(periods)),
                float(PERIODS[kind]),
                None,
                "high" if whole else "medium",
                what,
            )
        )
    return out
