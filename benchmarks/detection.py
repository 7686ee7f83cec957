"""How well the anomaly detectors find what was planted (issue 16): recall and precision
per type, summed over many seeds of two generators of realistic KP statistics.

The thresholds were chosen on the project's own generator (``tests/factories/noisy_world``)
and are reported, unchanged, on one written apart from the detectors
(``tests/factories/independent_world``); the scoring rules are in
``tests/factories/evaluation.py`` and the story of the rounds in docs/anomaly-detection.md.
"""

from __future__ import annotations

import time

from tests.factories.evaluation import Scores, independent_case, noisy_case, score

from benchmarks.common import Result
from kpcs.statistics.analysis.anomalies import TYPES

SEEDS = 20
RECALL, PRECISION = 0.9, 0.8


def bench_detection(seeds: int = SEEDS) -> list[Result]:
    """Score both generators with two and three years of data each."""
    results = []
    for name, make, role in (
        ("noisy_world", noisy_case, "thresholds chosen on it"),
        ("independent_world", independent_case, "written apart, reported on"),
    ):
        for history in (2, 1):
            started = time.perf_counter()
            scores: Scores = score(make(seed, history_years=history) for seed in range(seeds))
            took = time.perf_counter() - started
            for kind in TYPES:
                recall, precision = scores.recall(kind), scores.precision(kind)
                met = recall >= RECALL and precision >= PRECISION
                results.append(
                    Result(
                        "detection",
                        f"`{kind}` on {name} ({role}), {history + 1} years of data, {seeds} seeds",
                        "—",
                        f"recall {recall:.2f} ({scores.found[kind]}/{scores.planted[kind]}), precision "
                        f"{precision:.2f} ({scores.right[kind]}/{scores.findings[kind]})"
                        + (f"; {seeds} worlds scored in {took:.1f} s" if kind == TYPES[0] else ""),
                        f"recall ≥ {RECALL}, precision ≥ {PRECISION} (issue 16)",
                        met,
                    )
                )
    return results
