"""The independent synthetic world: deterministic, valid per the templates, realistic where it
should be clean, and planted as documented."""

from __future__ import annotations

import csv
import io
import math
import re
from collections import defaultdict
from functools import cache

import pytest

from kpcs.participants.datafile import load_registry_file
from tests.factories.independent_world import (
    ANOMALY_TYPES,
    HS_CODES,
    PRODUCTION_COLUMNS,
    SIDE_EFFECT,
    TRADE_COLUMNS,
    Planted,
    World,
    generate,
)

SEEDS = range(20)
AMOUNT = re.compile(r"^\d+(\.\d{1,2})?$")
HUBS = ("EU", "AE", "IN", "IL", "CN", "CH", "US")


def world(seed: int, history_years: int = 2) -> World:
    return _world(seed, history_years)


@cache
def _world(seed: int, history_years: int) -> World:
    return generate(seed, history_years=history_years)


@cache
def active_participants() -> frozenset[str]:
    registry = load_registry_file()
    return frozenset(
        p.code for p in registry.participants if p.kind == "participant" and p.history[-1].status == "active"
    )


def primary(w: World) -> list[Planted]:
    return [p for p in w.planted if not p.note.startswith(SIDE_EFFECT)]


def touched(w: World) -> set[str]:
    return {p.participant for p in w.planted} | {p.partner for p in w.planted if p.partner}


def clean_pair(w: World, a: str, b: str) -> bool:
    """No plant on the pair, and neither side the subject of a participant-level plant."""
    subjects = {p.participant for p in w.planted if p.partner is None}
    pairs = {frozenset((p.participant, p.partner)) for p in w.planted if p.partner}
    return a not in subjects and b not in subjects and frozenset((a, b)) not in pairs


def missing_periods(w: World, kind: str) -> dict[str, set[str]]:
    """participant -> periods it planted as missing, for ``kind`` (trade or production)."""
    out: dict[str, set[str]] = defaultdict(set)
    for p in w.planted:
        if p.type == "missing_submission" and p.note.startswith(kind):
            out[p.participant] |= set(re.findall(r"\d{4}-[QH]\d", p.note))
    return out


def test_same_seed_same_world_other_seed_other_world() -> None:
    a, b = generate(7), generate(7)
    assert a.trade_csv() == b.trade_csv()
    assert a.production_csv() == b.production_csv()
    assert a.planted == b.planted
    assert generate(8).trade_csv() != a.trade_csv()


@pytest.mark.parametrize("history_years", [1, 2])
def test_years_and_participants(history_years: int) -> None:
    w = world(3, history_years)
    assert w.year == 2025
    assert w.years == tuple(range(2025 - history_years, 2026))
    assert len(w.participants) == 25 == len(set(w.participants))
    assert set(w.participants) <= active_participants()
    assert w.producers < set(w.participants)
    assert set(HUBS) <= set(w.participants)


@pytest.mark.parametrize("seed", [0, 1, 2, 5, 11])
def test_trade_rows_follow_the_template(seed: int) -> None:
    w = world(seed)
    members = set(w.participants)
    periods = {f"{y}-Q{q}" for y in w.years for q in range(1, 5)}
    keys = set()
    for row in w.trade:
        assert tuple(row) == TRADE_COLUMNS
        assert row["participant"] in members and row["partner"] in members
        assert row["participant"] != row["partner"]
        assert row["period"] in periods
        assert row["flow"] in ("export", "import")
        assert row["hs_code"] in HS_CODES
        assert AMOUNT.match(row["carats"]) and AMOUNT.match(row["value_usd"]), row
        assert float(row["carats"]) > 0 and float(row["value_usd"]) > 0
        assert row["certificates"].isdigit() and int(row["certificates"]) >= 1
        key = (row["participant"], row["period"], row["flow"], row["partner"], row["hs_code"])
        assert key not in keys
        keys.add(key)
    parsed = list(csv.DictReader(io.StringIO(w.trade_csv())))
    assert parsed == w.trade


@pytest.mark.parametrize("seed", [0, 1, 2, 5, 11])
def test_production_rows_follow_the_template_and_only_producers_have_them(seed: int) -> None:
    w = world(seed)
    periods = {f"{y}-H{h}" for y in w.years for h in (1, 2)}
    keys = set()
    for row in w.production:
        assert tuple(row) == PRODUCTION_COLUMNS
        assert row["participant"] in w.producers
        assert row["period"] in periods
        assert row["mining_type"] in ("LSM", "ASM")
        assert AMOUNT.match(row["carats"]) and AMOUNT.match(row["value_usd"]), row
        key = (row["participant"], row["period"], row["mining_type"])
        assert key not in keys
        keys.add(key)
    assert list(csv.DictReader(io.StringIO(w.production_csv()))) == w.production
    missing = missing_periods(w, "production")
    for p in w.producers:
        for half in (f"{w.year}-H1", f"{w.year}-H2"):
            has = any(r["participant"] == p and r["period"] == half for r in w.production)
            assert has != (half in missing.get(p, set())), (p, half)


@pytest.mark.parametrize("seed", [0, 4, 9])
def test_everyone_submits_trade_every_review_quarter_unless_planted_missing(seed: int) -> None:
    w = world(seed)
    missing = missing_periods(w, "trade")
    reported = {(r["participant"], r["period"]) for r in w.trade}
    for code in w.participants:
        for q in range(1, 5):
            period = f"{w.year}-Q{q}"
            assert ((code, period) in reported) != (period in missing.get(code, set())), (code, period)
    for code, gone in missing.items():  # partners still report their side
        assert any(r["partner"] == code and r["period"] in gone for r in w.trade)


def test_missing_submission_plants_are_one_per_participant_and_kind() -> None:
    for seed in SEEDS:
        w = world(seed)
        plants = [p for p in w.planted if p.type == "missing_submission"]
        kinds = [(p.participant, p.note.split(":")[0]) for p in plants]
        assert len(kinds) == len(set(kinds))
        for p in plants:
            assert p.period == str(w.year) and p.partner is None and p.hs_code is None
            assert p.note.split(":")[0] in ("trade", "production")
            if p.note.startswith("production"):
                assert p.participant in w.producers


def _annual(w: World, year: int) -> dict[tuple[str, str, str, str], list[float]]:
    out: dict[tuple[str, str, str, str], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
    for r in w.trade:
        if r["period"].startswith(str(year)):
            acc = out[(r["participant"], r["flow"], r["partner"], r["hs_code"])]
            acc[0] += float(r["carats"])
            acc[1] += float(r["value_usd"])
            acc[2] += int(r["certificates"])
            acc[3] = max(acc[3], float(r["carats"]))  # the largest quarter
    return out


@pytest.mark.parametrize("history_years", [1, 2])
def test_clean_pairs_mirror_within_timing_and_cif(history_years: int) -> None:
    ratios = []
    checked = 0
    for seed in range(5):
        w = world(seed, history_years)
        now, before = _annual(w, w.year), _annual(w, w.year - 1)
        for (exporter, flow, importer, hs), x in now.items():
            if flow != "export" or not clean_pair(w, exporter, importer) or x[0] < 1000:
                continue
            m = now.get((importer, "import", exporter, hs))
            assert m is not None, (exporter, importer, hs)
            # at most a third of a quarter's shipments cross a year end, either way
            last_year = before.get((exporter, "export", importer, hs), [0.0, 0.0, 0.0, 0.0])
            slack = 0.35 * max(x[3], last_year[3]) + 0.01 * x[0] + 2
            assert abs(m[0] - x[0]) <= slack, (seed, exporter, importer, hs, x, m)
            if x[2] >= 40:
                uv = (m[1] / m[0]) / (x[1] / x[0])
                assert 0.97 <= uv <= 1.15, (seed, exporter, importer, hs, uv)
                ratios.append(m[1] / x[1])
            checked += 1
    assert checked > 100
    ratios.sort()
    assert 1.01 <= ratios[len(ratios) // 2] <= 1.06  # CIF: imports a few per cent above exports


def test_hubs_re_export_at_a_mark_up() -> None:
    for seed in range(5):
        w = world(seed)
        now = _annual(w, w.year - 1)
        for hub in HUBS:
            if hub in touched(w):
                continue
            out = [v for k, v in now.items() if k[0] == hub and k[1] == "export"]
            inn = [v for k, v in now.items() if k[0] == hub and k[1] == "import"]
            mark_up = (sum(v[1] for v in out) / sum(v[0] for v in out)) / (
                sum(v[1] for v in inn) / sum(v[0] for v in inn)
            )
            assert 0.95 <= mark_up <= 1.9, (seed, hub, mark_up)


def test_producers_value_per_carat_spans_artisanal_to_marine() -> None:
    w = world(0)
    output: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for r in w.production:
        if r["period"].startswith(str(w.year - 1)):
            output[r["participant"]][0] += float(r["carats"])
            output[r["participant"]][1] += float(r["value_usd"])
    per_carat = {p: v / c for p, (c, v) in output.items()}
    assert per_carat["CD"] < 15 < 400 < per_carat["NA"]
    assert 15e6 < output["BW"][0] < 40e6


def test_clean_producers_export_less_than_they_produce() -> None:
    for seed in SEEDS:
        w = world(seed)
        made: dict[tuple[str, str], float] = defaultdict(float)
        halves: dict[tuple[str, str], set[str]] = defaultdict(set)
        for r in w.production:
            made[(r["participant"], r["period"][:4])] += float(r["carats"])
            halves[(r["participant"], r["period"][:4])].add(r["period"])
        moved: dict[tuple[str, str, str], float] = defaultdict(float)
        for r in w.trade:
            if r["participant"] in w.producers:
                moved[(r["participant"], r["period"][:4], r["flow"])] += float(r["carats"])
        for p in w.producers - touched(w):
            for y in map(str, w.years):
                if len(halves[(p, y)]) < 2:
                    continue  # a gap in history (a late or partial submitter)
                sent, got = moved[(p, y, "export")], moved[(p, y, "import")]
                assert sent <= 0.96 * (made[(p, y)] + got), (seed, p, y, sent, made[(p, y)], got)


@pytest.mark.parametrize("history_years", [1, 2])
def test_plants_are_in_the_review_year_on_members_and_apart(history_years: int) -> None:
    for seed in SEEDS:
        w = world(seed, history_years)
        members = set(w.participants)
        by_place: dict[frozenset[str], set[str]] = defaultdict(set)
        for p in w.planted:
            assert p.type in ANOMALY_TYPES and p.strength in ("strong", "subtle")
            assert p.participant in members and (p.partner is None or p.partner in members)
            assert p.period == str(w.year) or re.fullmatch(rf"{w.year}-(Q[1-4]|H[12])", p.period)
            assert p.hs_code is None or p.hs_code in HS_CODES
            assert p.note
            if not p.note.startswith(SIDE_EFFECT):
                by_place[frozenset(x for x in (p.participant, p.partner) if x)].add(p.type)
        # no two primary plants of different types on one participant or pair; a participant-level
        # plant's subject takes part in no other plant at all
        for place, types in by_place.items():
            assert len(types) == 1, (seed, place, types)
            if len(place) == 1:
                (who,) = place
                others = [q for q in primary(w) if who in (q.participant, q.partner) and q.type not in types]
                assert not others, (seed, who, others)
        # side effects are documented and sit exactly where a primary plant of another type is
        for p in w.planted:
            if p.note.startswith(SIDE_EFFECT):
                cause = p.note[len(SIDE_EFFECT) :].split()[1]
                assert cause in ANOMALY_TYPES and cause != p.type
                assert any(
                    q.type == cause
                    and (q.participant, q.partner, q.period, q.hs_code)
                    == (p.participant, p.partner, p.period, p.hs_code)
                    for q in primary(w)
                ), p
        assert len(members - touched(w)) >= 4  # a few participants carry nothing


@pytest.mark.parametrize("history_years", [1, 2])
def test_every_type_in_both_strengths_across_twenty_seeds(history_years: int) -> None:
    seen = {(p.type, p.strength) for seed in SEEDS for p in primary(world(seed, history_years))}
    assert seen == {(t, s) for t in ANOMALY_TYPES for s in ("strong", "subtle")}


def _log_change(now: float, before: float) -> float:
    return abs(math.log(now / before))


def test_planted_figures_show_in_the_rows() -> None:
    """A few plants measured the way a reviewer would, against the noise of clean flows."""
    for seed in range(10):
        w = world(seed)
        rows = {(r["participant"], r["period"], r["flow"], r["partner"], r["hs_code"]): r for r in w.trade}
        last_year = str(w.year - 1)
        for p in primary(w):
            if p.type == "unit_value" and p.note.startswith("The ") and p.partner and p.hs_code:
                # both sides copied a mis-valued certificate: the exporter's $/ct against last year
                now = rows[(p.participant, p.period, "export", p.partner, p.hs_code)]
                before = rows.get((p.participant, last_year + p.period[4:], "export", p.partner, p.hs_code))
                if before is not None:
                    uv_now = float(now["value_usd"]) / float(now["carats"])
                    uv_before = float(before["value_usd"]) / float(before["carats"])
                    assert _log_change(uv_now, uv_before) > 0.4, (seed, p)
            if p.type == "production_export":
                halves = [p.period] if "-H" in p.period else [f"{w.year}-H1", f"{w.year}-H2"]
                quarters = {f"{h[:4]}-Q{q}" for h in halves for q in ((1, 2) if h.endswith("1") else (3, 4))}
                made = sum(
                    float(r["carats"])
                    for r in w.production
                    if r["participant"] == p.participant and r["period"] in halves
                )
                moved: dict[str, float] = defaultdict(float)
                for key, r in rows.items():
                    if key[0] == p.participant and key[1] in quarters:
                        moved[key[2]] += float(r["carats"])
                assert moved["export"] > 1.1 * (made + moved["import"]), (seed, p)


def test_small_and_large_worlds_and_other_years() -> None:
    for n in (10, 15, 40):
        w = generate(1, participants=n, history_years=3, year=2024)
        assert len(w.participants) == n
        assert w.years == (2021, 2022, 2023, 2024)
        assert all(r["period"] < "2025" for r in w.trade + w.production)
        assert {p.type for p in primary(w)} == set(ANOMALY_TYPES)
    with pytest.raises(ValueError):
        generate(0, participants=5)
    with pytest.raises(ValueError):
        generate(0, history_years=0)
