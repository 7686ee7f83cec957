"""How the valuation warnings do on realistic synthetic histories (issue 20, item 2).

A history generator is a module with ``history(seed: int) -> list[dict]``: rows in
issue-date order with ``exporter, hs_code, origin, issued_on, carats, value_usd, planted
(None | "under" | "over"), factor`` (declared ÷ true). Walking a history in order, each
shipment gets the warnings the reference of the shipments *before* it would give (the
exporter's certificates of the 365 days before its issue date, as
:mod:`kpcs.expertise.services` reads them), through the same pure functions the issue
uses. The figures: false alarms among ordinary shipments, recall of shipments declared at a
tenth of their value or less, recall per planted kind, and, for every ordinary shipment that
has a reference, whether the same shipment declared at a tenth *of the reference* is flagged.

The thresholds were chosen on ``tests.factories.valuation_tuning`` (``--sweep`` prints the
grid); ``tests.factories.certificate_history``, written apart, is reported on unchanged.
"""

from __future__ import annotations

import bisect
import importlib
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import ModuleType
from typing import Any

from benchmarks.common import Result
from kpcs.expertise import published
from kpcs.expertise.valuation import (
    DEFAULT,
    UNDERVALUATION,
    WINDOW_DAYS,
    Reference,
    Sample,
    Thresholds,
    choose_reference,
    judge,
)

SEEDS = 5
FALSE_ALARMS = 0.01
GENERATORS = (
    ("tests.factories.valuation_tuning", "thresholds chosen on it"),
    ("tests.factories.certificate_history", "written apart, reported on"),
)


@dataclass
class Scores:
    """Counts over one or more histories."""

    ordinary: int = 0
    false_alarms: int = 0
    planted: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    found: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    tenth: int = 0  # rows declared at a tenth of their value or less
    tenth_found: int = 0
    unjudged: int = 0  # rows with no reference at all
    by_basis: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    probes: int = 0  # ordinary rows with a reference, declared again at a tenth of it
    probes_flagged: int = 0

    def rate(self) -> float:
        """False alarms among ordinary shipments."""
        return self.false_alarms / self.ordinary if self.ordinary else 0.0


def evaluate(
    rows: list[dict[str, Any]], thresholds: Thresholds = DEFAULT, scores: Scores | None = None
) -> Scores:
    """Score one history, each shipment judged on the ones before it."""
    scores = scores or Scores()
    earlier: dict[tuple[str, str], tuple[list[date], list[Sample]]] = defaultdict(lambda: ([], []))
    cache: dict[tuple[str, str, str, date], Reference | None] = {}
    for row in rows:
        key = (row["exporter"], row["hs_code"])
        day: date = row["issued_on"]
        ref_key = (*key, row["origin"], day)
        if ref_key not in cache:
            dates, samples = earlier[key]
            start = bisect.bisect_left(dates, day - timedelta(days=WINDOW_DAYS))
            end = bisect.bisect_left(dates, day)
            cache[ref_key] = choose_reference(
                row["hs_code"],
                row["origin"],
                samples[start:end],
                published.stand_in(row["hs_code"], row["origin"]),
            )
        reference = cache[ref_key]
        unit = row["value_usd"] / row["carats"]
        verdict = judge(unit, reference, thresholds) if reference is not None else None
        kind = row["planted"]
        if reference is None:
            scores.unjudged += 1
        if kind is None:
            scores.ordinary += 1
            if verdict is not None and verdict.type is not None:
                scores.false_alarms += 1
            if reference is not None:
                counts = scores.by_basis[reference.basis.value]
                counts[0] += 1
                counts[1] += verdict is not None and verdict.type is not None
                scores.probes += 1
                probe = judge(reference.usd_per_carat * 0.1, reference, thresholds)
                scores.probes_flagged += probe.type == UNDERVALUATION
        else:
            scores.planted[kind] += 1
            wanted = UNDERVALUATION if kind == "under" else "overvaluation"
            scores.found[kind] += verdict is not None and verdict.type == wanted
        if row["factor"] <= 0.1:
            scores.tenth += 1
            scores.tenth_found += verdict is not None and verdict.type == UNDERVALUATION
        dates, samples = earlier[key]
        dates.append(day)
        samples.append(Sample(row["origin"], unit))
    return scores


def _generator(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError:
        return None


def score(generator: ModuleType, seeds: int = SEEDS, thresholds: Thresholds = DEFAULT) -> Scores:
    """Scores summed over ``seeds`` histories of ``generator``."""
    scores = Scores()
    for seed in range(seeds):
        evaluate(generator.history(seed), thresholds, scores)
    return scores


def bench_valuation(seeds: int = SEEDS) -> list[Result]:
    """The issue's figures on each generator there is."""
    results = []
    for name, role in GENERATORS:
        generator = _generator(name)
        if generator is None:
            results.append(Result("valuation", f"`{name}` ({role})", "—", "not in this tree", "—", None))
            continue
        started = time.perf_counter()
        s = score(generator, seeds)
        took = time.perf_counter() - started
        short = name.rsplit(".", 1)[-1]
        rows = s.ordinary + sum(s.planted.values())
        bases = ", ".join(f"{b} {alarms}/{n}" for b, (n, alarms) in sorted(s.by_basis.items()))
        results += [
            Result(
                "valuation",
                f"false alarms among ordinary shipments, {short} ({role}), {seeds} seeds",
                "—",
                f"{s.rate():.2%} ({s.false_alarms}/{s.ordinary}; by basis {bases}; "
                f"{s.unjudged} of {rows} rows had no reference; {rows} rows judged in {took:.1f} s)",
                f"≤ {FALSE_ALARMS:.0%} (issue 20)",
                s.rate() <= FALSE_ALARMS,
            ),
            Result(
                "valuation",
                f"shipments declared at a tenth of the reference flagged, {short}",
                "—",
                f"{s.probes_flagged / max(s.probes, 1):.2%} ({s.probes_flagged}/{s.probes})",
                "every one (issue 20)",
                s.probes_flagged == s.probes,
            ),
            Result(
                "valuation",
                f"shipments declared at ≤ 0.1 of their true value flagged, {short}",
                "—",
                f"{s.tenth_found / max(s.tenth, 1):.2%} ({s.tenth_found}/{s.tenth})",
                "reported (a parcel worth 10× its group's median, declared at a tenth, looks ordinary)",
                None,
            ),
        ]
        for kind in sorted(s.planted):
            results.append(
                Result(
                    "valuation",
                    f"planted `{kind}` flagged as such, {short}",
                    "—",
                    f"{s.found[kind] / s.planted[kind]:.2%} ({s.found[kind]}/{s.planted[kind]})",
                    "reported",
                    None,
                )
            )
    return results


def sweep(seeds: int = SEEDS) -> None:
    """Print false alarms and recall on the tuning history over a grid of thresholds."""
    from tests.factories import valuation_tuning

    histories = [valuation_tuning.history(seed) for seed in range(seeds)]
    for under in (2.5, 3.0, 3.5):
        for over, widest_over in ((3.0, 10.0), (3.5, 10.0), (3.5, 20.0), (4.0, 20.0), (3.5, 50.0)):
            thresholds = Thresholds(under_distance=under, over_distance=over, widest_over_factor=widest_over)
            s = Scores()
            for rows in histories:
                evaluate(rows, thresholds, s)
            print(
                f"under {under:.1f} over {over:.1f} (at most ×{widest_over:.0f}): "
                f"false alarms {s.rate():.3%}, "
                f"≤0.1 {s.tenth_found / s.tenth:.1%}, under {s.found['under'] / s.planted['under']:.1%}, "
                f"over {s.found['over'] / s.planted['over']:.1%}"
            )


if __name__ == "__main__":
    if sys.argv[1:] == ["--sweep"]:
        sweep()
    else:
        for r in bench_valuation():
            print(f"{r.what}: {r.value}  [{r.target}]")
