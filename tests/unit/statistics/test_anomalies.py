"""Anomaly detection for the DAQ: measured against a noisy synthetic world with planted
anomalies, and pinned down detector by detector on tiny hand-made figures."""

from __future__ import annotations

import math

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpcs.statistics.anomalies import (
    TYPES,
    Thresholds,
    find_anomalies,
    find_certificate_counts,
    find_mirror_gaps,
    find_production_exports,
    find_sudden_changes,
    find_unit_values,
)
from tests.factories.noisy_world import make_world, matches, score

KEYS = {"type", "participant", "partner", "period", "hs_code", "reported", "reference", "deviation",
        "severity", "explanation"}  # fmt: skip
SCHEMA = {"participant": pl.String, "period": pl.String, "flow": pl.String, "partner": pl.String,
          "hs_code": pl.String, "carats": pl.Float64, "value_usd": pl.Float64,
          "certificates": pl.Int64}  # fmt: skip
PRODUCTION = {"participant": pl.String, "period": pl.String, "mining_type": pl.String,
              "carats": pl.Float64, "value_usd": pl.Float64}  # fmt: skip
Row = tuple[str, str, str, str, str, float, float, int]


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_planted_anomalies_are_found_and_little_else(seed: int) -> None:
    world = make_world(seed)
    planted = {(kind, who, other, (period or "")[:4]) for kind, who, other, period in world.planted}
    assert len(planted) >= 25 and len({k[0] for k in planted}) == len(TYPES)
    found = find_anomalies(world.trade, world.production, world.year, missing=world.missing)
    recall, precision = score(found, planted)
    print(f"\nseed {seed}: {len(planted)} planted, {len(found)} findings, "
          f"recall {recall:.2f}, precision {precision:.2f}")  # fmt: skip
    for a in found:
        if not matches(a, planted):
            print("  not planted:", a.type, a.participant, a.partner, a.period, a.explanation[:160])
    assert recall >= 0.9
    assert precision >= 0.8


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_world_of_noise_only_is_quiet(seed: int) -> None:
    world = make_world(seed, plant=False)
    found = find_anomalies(world.trade, world.production, world.year)
    print(f"\nseed {seed}, noise only: {len(found)} findings")
    assert len(found) <= 2  # for 30 participants in a year


def test_every_anomaly_has_the_contract_keys_and_one_of_six_types() -> None:
    world = make_world(7)
    found = find_anomalies(world.trade, world.production, world.year, missing=world.missing)
    assert {a.type for a in found} == set(TYPES)
    for a in found:
        assert set(a.as_dict()) == KEYS
        assert a.severity in ("low", "medium", "high")
        assert a.explanation and a.participant
    assert found == sorted(found, key=lambda a: (a.type, a.participant, a.partner or "", a.period or "",
                                                 a.hs_code or "", a.explanation))  # fmt: skip


# -- hand-made figures -------------------------------------------------------------------------


def frame(rows: list[Row]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


def flow(
    exporter: str,
    importer: str,
    years: range,
    carats: float = 100_000.0,
    uv: float = 150.0,
    *,
    cif: float = 1.06,
    hs: str = "7102.31",
    certificates: int = 10,
) -> list[Row]:
    """A steady flow reported alike by both sides, quarter by quarter."""
    rows: list[Row] = []
    for y in years:
        for q in range(1, 5):
            p = f"{y}-Q{q}"
            rows.append((exporter, p, "export", importer, hs, carats, carats * uv, certificates))
            rows.append((importer, p, "import", exporter, hs, carats, carats * uv * cif, certificates))
    return rows


def replace(rows: list[Row], who: str, period: str, flow_: str, **changes: float) -> list[Row]:
    """The rows with the figures of one participant's row(s) for a period changed."""
    out = []
    for r in rows:
        if r[0] == who and r[1].startswith(period) and r[2] == flow_:
            carats = changes.get("carats", r[5])
            value = changes.get("value", r[6] * carats / r[5] if r[5] else r[6])
            r = (*r[:5], carats, value, int(changes.get("certificates", r[7])))
        out.append(r)
    return out


NO_PRODUCTION = pl.DataFrame(schema=PRODUCTION)


def test_a_cif_fob_difference_of_six_percent_is_not_an_anomaly() -> None:
    rows = flow("BW", "EU", range(2019, 2025), cif=1.06) + flow("NA", "EU", range(2019, 2025), cif=1.08)
    assert find_anomalies(frame(rows), NO_PRODUCTION, 2024) == []


def test_a_quarter_shift_is_not_a_mirror_gap() -> None:
    rows = flow("BW", "EU", range(2023, 2025))
    # 40 % of the second quarter's carats arrive in the third; a Q4 parcel arrives next year
    rows = replace(rows, "EU", "2024-Q2", "import", carats=60_000)
    rows = replace(rows, "EU", "2024-Q3", "import", carats=140_000)
    rows = replace(rows, "EU", "2024-Q4", "import", carats=70_000)
    rows = replace(rows, "EU", "2024-Q1", "import", carats=130_000)  # last year's Q4 arrivals
    assert find_mirror_gaps(frame(rows), 2024, Thresholds()) == []


def test_a_quarter_that_never_arrives_is_a_gap_in_its_quarter_and_year() -> None:
    rows = replace(flow("BW", "EU", range(2023, 2025)), "EU", "2024-Q2", "import", carats=10_000)
    found = find_mirror_gaps(frame(rows), 2024, Thresholds())
    assert [(a.participant, a.partner, a.period) for a in found] == [
        ("BW", "EU", "2024"),
        ("BW", "EU", "2024-Q2"),
    ]
    assert found[0].reported == 400_000 and found[0].reference == 310_000
    assert "400,000 ct" in found[0].explanation and "310,000 ct" in found[0].explanation


def test_lost_and_orphan_flows_are_put_to_the_silent_side() -> None:
    rows = flow("BW", "EU", range(2023, 2025)) + flow("AO", "AE", range(2023, 2025))
    rows += flow("RU", "IN", range(2023, 2025))
    rows = [r for r in rows if not (r[0] == "EU" and r[3] == "BW" and r[1].startswith("2024"))]  # lost
    rows = [r for r in rows if not (r[0] == "AO" and r[3] == "AE" and r[1].startswith("2024"))]  # orphan
    # IN submitted nothing at all for 2024: a missing submission, not a mirror gap
    rows = [r for r in rows if not (r[0] == "IN" and r[1].startswith("2024"))]
    rows += flow("SL", "EU", range(2024, 2025)) + flow("SL", "AO", range(2024, 2025))  # other trade
    found = find_mirror_gaps(frame(rows), 2024, Thresholds())
    assert {(a.participant, a.partner, a.reported) for a in found} == {("EU", "BW", 0.0), ("AO", "AE", 0.0)}
    assert all(a.severity in ("medium", "high") and a.period == "2024" for a in found)


def test_an_undervaluation_by_sixty_percent_is_flagged_with_its_figures() -> None:
    rows = flow("AO", "EU", range(2018, 2025), uv=150.0)
    rows = replace(rows, "AO", "2024", "export", value=100_000 * 60.0)  # $60/ct declared
    found = find_unit_values(frame(rows), 2024, Thresholds())
    assert len(found) == 1
    a = found[0]
    assert (a.type, a.participant, a.partner, a.hs_code) == ("unit_value", "AO", "EU", "7102.31")
    assert a.reported == 60.0 and a.reference == pytest.approx(150.0)
    assert a.deviation == pytest.approx(math.log(60 / 150), abs=1e-3)
    assert "$60.00/ct" in a.explanation and "$150.00/ct" in a.explanation and "EU" in a.explanation
    assert a.severity == "high"


def test_an_undervaluation_on_both_sides_is_caught_by_the_exporters_history() -> None:
    rows = flow("AO", "EU", range(2018, 2025), uv=150.0)
    rows = replace(rows, "AO", "2024", "export", value=100_000 * 60.0)
    rows = replace(rows, "EU", "2024", "import", value=100_000 * 60.0 * 1.06)
    found = find_unit_values(frame(rows), 2024, Thresholds())
    assert len(found) == 1 and "own 7102.31 exports to EU" in found[0].explanation


def test_a_hub_marking_up_as_it_always_does_is_not_an_anomaly() -> None:
    years = range(2018, 2025)
    rows = flow("BW", "AE", years, uv=100.0, carats=300_000)
    for k, y in enumerate(years):  # AE re-exports at 1.6–1.7× what it pays, year after year
        rows += flow("AE", "IN", range(y, y + 1), uv=100.0 * (1.6 + 0.02 * (k % 3)), carats=290_000)
    assert find_unit_values(frame(rows), 2024, Thresholds()) == []
    assert find_anomalies(frame(rows), NO_PRODUCTION, 2024) == []


def production(who: str, years: range, carats: float) -> pl.DataFrame:
    rows = [(who, f"{y}-H{h}", "LSM", carats / 2, carats * 50.0) for y in years for h in (1, 2)]
    return pl.DataFrame(rows, schema=PRODUCTION, orient="row")


def test_a_producer_exporting_more_than_it_mined_and_imported_is_flagged() -> None:
    rows = flow("ZW", "AE", range(2023, 2025), carats=250_000)  # 1,000,000 ct a year
    rows = replace(rows, "ZW", "2024", "export", carats=400_000)  # 1,600,000 ct exported
    rows = replace(rows, "AE", "2024", "import", carats=400_000)
    found = find_production_exports(
        frame(rows), production("ZW", range(2023, 2025), 1_000_000), 2024, Thresholds()
    )
    assert [(a.participant, a.reported, a.reference) for a in found] == [("ZW", 1_600_000, 1_000_000)]
    assert "1,600,000 ct" in found[0].explanation and found[0].deviation == pytest.approx(0.6)


def test_thresholds_from_a_mapping_change_the_result() -> None:
    rows = flow("ZW", "AE", range(2023, 2025), carats=250_000)
    rows = replace(rows, "ZW", "2024", "export", carats=300_000)  # 20 % over supply
    mined = production("ZW", range(2023, 2025), 1_000_000)
    assert len(find_anomalies(frame(rows), mined, 2024)) >= 1
    tolerant = Thresholds.from_mapping({"production_tolerance": "0.3", "mirror_carat_di": 0.5})
    assert tolerant.production_tolerance == 0.3 and tolerant.history_years == 5
    assert find_anomalies(frame(rows), mined, 2024, thresholds=tolerant) == []


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"no_such_threshold": 1}, "no_such_threshold"),
        ({"mirror_carat_di": "abc"}, "mirror_carat_di"),
        ({"mirror_carat_di": -0.1}, "mirror_carat_di"),
        ({"unit_value_z": float("nan")}, "unit_value_z"),
        ({"history_years": 2.5}, "history_years"),
        ({"history_years": True}, "history_years"),
        ({"min_history_years": 9}, "min_history_years"),
    ],
)
def test_from_mapping_refuses_unknown_names_and_bad_values(values: dict[str, object], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        Thresholds.from_mapping(values)


def test_certificate_counts_that_do_not_match_or_fit_are_flagged() -> None:
    rows = flow("BW", "EU", range(2019, 2025), certificates=10) + flow("NA", "AE", range(2019, 2025))
    rows += flow("CA", "IN", range(2019, 2025), certificates=10)
    rows = replace(rows, "EU", "2024", "import", certificates=4)  # 16 against 40 a year
    rows = replace(rows, "AE", "2024-Q3", "import", certificates=0)  # goods without a certificate
    rows = replace(rows, "CA", "2024", "export", certificates=60)  # 1,667 ct a certificate, was 10,000
    rows = replace(rows, "IN", "2024", "import", certificates=60)
    found = find_certificate_counts(frame(rows), 2024, Thresholds())
    assert {(a.participant, a.partner, a.period) for a in found} == {
        ("BW", "EU", "2024"),  # the mirror
        ("EU", "BW", "2024"),  # EU's own carats per certificate: 2.5 times its history
        ("AE", "NA", "2024-Q3"),
        ("NA", "AE", "2024"),  # the mirror misses the certificates AE did not count
        ("CA", "IN", "2024"),
        ("IN", "CA", "2024"),
    }
    zero = next(a for a in found if a.period == "2024-Q3")
    assert "without any certificate" in zero.explanation and zero.severity in ("medium", "high")


def test_a_collapse_is_a_sudden_change_but_seasons_are_not() -> None:
    rows: list[Row] = []
    for y in range(2018, 2025):
        for q, season in zip(range(1, 5), (0.7, 1.3, 0.75, 1.25), strict=True):  # ±30 % seasons
            c = 100_000 * season
            rows += [("RU", f"{y}-Q{q}", "export", "EU", "7102.31", c, c * 90, 10)]
            rows += [("EU", f"{y}-Q{q}", "import", "RU", "7102.31", c, c * 95, 10)]
    assert find_sudden_changes(frame(rows), 2024, Thresholds()) == []
    collapsed = replace(
        replace(rows, "RU", "2024", "export", carats=30_000), "EU", "2024", "import", carats=30_000
    )
    found = find_sudden_changes(frame(collapsed), 2024, Thresholds())
    assert {(a.participant, a.period) for a in found} == {("RU", "2024"), ("EU", "2024")}
    assert all(a.deviation == pytest.approx(-0.7) for a in found)


def test_missing_submissions_are_high_for_a_whole_year_and_medium_for_a_period() -> None:
    missing = [("SG", "trade", f"2024-Q{q}") for q in range(1, 5)] + [("BW", "production", "2024-H2")]
    missing.append(("BW", "trade", "2023-Q1"))  # another year: not this review's business
    found = find_anomalies(frame([]), NO_PRODUCTION, 2024, missing=missing)
    assert [(a.participant, a.period, a.severity) for a in found] == [
        ("BW", "2024-H2", "medium"),
        *[("SG", f"2024-Q{q}", "high") for q in range(1, 5)],
    ]


# -- properties --------------------------------------------------------------------------------

quarter = st.tuples(
    st.floats(0, 2_000_000),  # carats exported in the quarter
    st.floats(5, 1_000),  # $/ct
    st.floats(0, 0.5),  # share of them still in transit at the quarter's end
)


@settings(max_examples=25, deadline=None)
@given(quarters=st.lists(quarter, min_size=8, max_size=8), cif=st.floats(1.0, 1.12))
def test_shipments_that_arrive_late_or_at_cif_are_never_a_mirror_gap(
    quarters: list[tuple[float, float, float]], cif: float
) -> None:
    """However the exports fall over two years, whatever share (up to transit_share) of each
    quarter's shipments arrives in the next, and whatever CIF mark-up from 0 to 12 %, the
    importer's returns never show a mirror gap."""
    rows: list[Row] = []
    carried, carried_value = 0.0, 0.0
    for k, (carats, uv, late) in enumerate(quarters):
        period = f"{2023 + k // 4}-Q{k % 4 + 1}"
        rows.append(("BW", period, "export", "EU", "7102.31", carats, carats * uv, 1))
        arrived = carats * (1 - late) + carried
        arrived_value = (carats * (1 - late) * uv + carried_value) * cif
        rows.append(("EU", period, "import", "BW", "7102.31", arrived, arrived_value, 1))
        carried, carried_value = carats * late, carats * late * uv
    assert find_mirror_gaps(frame(rows), 2024, Thresholds()) == []
