"""Robust statistics the yardsticks are made of: medians and scaled median absolute
deviations, which one wrong figure cannot move."""

from __future__ import annotations

from collections.abc import Iterable

MAD_SCALE = 1.4826
"""Median absolute deviation × this estimates a normal standard deviation."""

MIN_FOR_SPREAD = 5
"""Fewer values than this say nothing about a spread: the fences' floors apply alone."""


def median(values: Iterable[float]) -> float:
    """The median (0 for no values)."""
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return 0.0
    return ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2


def robust_centre_spread(values: Iterable[float]) -> tuple[float, float]:
    """Median and scaled MAD of ``values``; (0, 0) when there are too few to tell."""
    values = list(values)
    if len(values) < MIN_FOR_SPREAD:
        return 0.0, 0.0
    centre = median(values)
    return centre, MAD_SCALE * median(abs(v - centre) for v in values)
