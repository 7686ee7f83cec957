"""Anomaly detection for the DAQ, pinned down on small hand-made figures a reader can check
by eye, then measured on the project's noisy synthetic world (the one the thresholds were
chosen on; ``make bench`` reports them on an independently written one).

The hand-made world: Botswana (BW) and Namibia (NA) mine and export to the EU and the UAE
(AE); the EU and AE re-export to India (IN). Every flow is steady: 100,000 ct a quarter,
ten certificates, $150/ct from BW, $500/ct from NA, hubs re-exporting at 1.4× what they
pay; the importer books the same carats at CIF, 6 % above. Each test changes one thing.
"""

from __future__ import annotations

import math

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpcs.statistics.analysis.anomalies import TYPES, Anomaly, Thresholds, find_anomalies
from tests.factories.evaluation import noisy_case, score

SCHEMA = {"participant": pl.String, "period": pl.String, "flow": pl.String, "partner": pl.String,
          "hs_code": pl.String, "carats": pl.Float64, "value_usd": pl.Float64,
          "certificates": pl.Int64}  # fmt: skip
PRODUCTION = {"participant": pl.String, "period": pl.String, "mining_type": pl.String,
              "carats": pl.Float64, "value_usd": pl.Float64}  # fmt: skip
KEYS = {"type", "participant", "partner", "period", "hs_code", "reported", "reference", "deviation",
        "severity", "explanation"}  # fmt: skip
YEARS = range(2023, 2026)
YEAR = 2025
Row = list[object]


def flow(
    exporter: str, importer: str, uv: float, *, carats: float = 100_000.0, cif: float = 1.06
) -> list[Row]:
    """A steady flow, both sides' rows, every quarter of 2023–2025."""
    rows: list[Row] = []
    for y in YEARS:
        for q in range(1, 5):
            period = f"{y}-Q{q}"
            rows.append([exporter, period, "export", importer, "7102.31", carats, carats * uv, 10])
            rows.append([importer, period, "import", exporter, "7102.31", carats, carats * uv * cif, 10])
    return rows


def world() -> list[Row]:
    """The hand-made world's trade (see the module docstring)."""
    return (
        flow("BW", "EU", 150)
        + flow("BW", "AE", 150)
        + flow("NA", "EU", 500)
        + flow("NA", "AE", 500)
        + flow("EU", "IN", 1.4 * (150 + 500) / 2)
        + flow("AE", "IN", 1.4 * (150 + 500) / 2)
    )


def production(**factor: float) -> pl.DataFrame:
    """BW and NA mine what they export (and a little more): 420,000 ct a half-year each;
    ``factor`` scales a producer's 2025 production."""
    rows = [
        [code, f"{y}-H{h}", "LSM", 420_000 * scale, 420_000 * scale * uv]
        for code, uv in (("BW", 140.0), ("NA", 480.0))
        for y in YEARS
        for h in (1, 2)
        for scale in [factor.get(code, 1.0) if y == YEAR else 1.0]
    ]
    return pl.DataFrame(rows, schema=PRODUCTION, orient="row")


def edit(rows: list[Row], who: str, flow_: str, partner: str, period: str, **changes: float) -> list[Row]:
    """``rows`` with one side's rows of ``period`` (a year or a quarter) changed: ``carats``
    or ``value`` (the value follows the carats unless given), or ``certificates``."""
    out = []
    for r in rows:
        r = list(r)
        if r[0] == who and r[2] == flow_ and r[3] == partner and str(r[1]).startswith(period):
            old_c, old_v = float(r[5]), float(r[6])  # type: ignore[arg-type]
            r[5] = changes.get("carats", old_c)
            r[6] = changes.get("value", old_v * float(r[5]) / old_c if old_c else old_v)  # type: ignore[arg-type]
            r[7] = int(changes.get("certificates", r[7]))  # type: ignore[call-overload]
        out.append(r)
    return out


def run(rows: list[Row], prod: pl.DataFrame | None = None, **kwargs: object) -> list[Anomaly]:
    trade = pl.DataFrame(rows, schema=SCHEMA, orient="row")
    return find_anomalies(trade, production() if prod is None else prod, YEAR, **kwargs)  # type: ignore[arg-type]


def kinds(found: list[Anomaly]) -> list[tuple[str, str, str | None, str | None]]:
    return [(a.type, a.participant, a.partner, a.period) for a in found]


# -- what clean figures carry, and a detector must not flag ---------------------------------------


def test_the_hand_made_world_is_quiet() -> None:
    assert run(world()) == []


def test_cif_values_from_two_to_eight_percent_above_fob_are_not_a_gap() -> None:
    rows = flow("BW", "EU", 150, cif=1.02) + flow("NA", "AE", 500, cif=1.08) + world()[96:]
    assert run(rows) == []


def test_a_third_of_a_quarter_arriving_in_the_next_is_not_a_gap() -> None:
    rows = world()
    # EU books a third of BW's second quarter in the third, and of the fourth in 2026
    rows = edit(rows, "EU", "import", "BW", "2025-Q2", carats=66_667)
    rows = edit(rows, "EU", "import", "BW", "2025-Q3", carats=133_333)
    rows = edit(rows, "EU", "import", "BW", "2025-Q4", carats=66_667)
    assert run(rows) == []


@settings(max_examples=40, deadline=None)
@given(
    late=st.lists(st.floats(0.0, 1 / 3), min_size=4, max_size=4),
    cif=st.floats(1.02, 1.08),
)
def test_any_timing_within_a_third_and_any_cif_is_never_a_mirror_gap(late: list[float], cif: float) -> None:
    rows = [r for r in world() if not (r[0] == "EU" and r[2] == "import" and r[3] == "BW")]
    carried = late_from_2024 = 1 / 3 * 100_000
    for q in range(4):
        arrived = 100_000 * (1 - late[q]) + (late_from_2024 if q == 0 else carried)
        carried = 100_000 * late[q]
        rows.append(["EU", f"2025-Q{q + 1}", "import", "BW", "7102.31", arrived, arrived * 150 * cif, 10])
    for y in (2023, 2024):
        for q in range(1, 5):
            rows.append(["EU", f"{y}-Q{q}", "import", "BW", "7102.31", 100_000, 100_000 * 150 * cif, 10])
    assert [a for a in run(rows) if a.type == "mirror_gap"] == []


def test_seasons_of_a_third_either_way_are_not_a_sudden_change() -> None:
    rows = world()
    for who, partner in (("BW", "EU"), ("BW", "AE")):
        for q, share in ((1, 1.33), (2, 0.67), (3, 1.33), (4, 0.67)):
            for side, other, flow_ in ((who, partner, "export"), (partner, who, "import")):
                rows = edit(rows, side, flow_, other, f"2025-Q{q}", carats=100_000 * share)
                rows = edit(rows, side, flow_, other, f"2024-Q{q}", carats=100_000 * (2 - share))
    assert run(rows) == []


def test_a_hub_re_exporting_at_its_usual_mark_up_is_not_a_unit_value_anomaly() -> None:
    # AE's re-exports to IN are 1.4 × its purchase price every year, as they always were
    assert [a for a in run(world()) if a.type == "unit_value"] == []


# -- one strong anomaly of each type --------------------------------------------------------------


def test_an_importer_booking_half_the_carats_is_a_mirror_gap() -> None:
    rows = world()
    for q in range(1, 5):
        rows = edit(rows, "IN", "import", "EU", f"2025-Q{q}", carats=50_000)
    found = run(rows)
    assert kinds(found) == [("mirror_gap", "EU", "IN", "2025")]
    gap = found[0]
    assert gap.reported == 400_000 and gap.reference == 200_000
    # 200,000 ct missing, less a transit allowance of 40 % of the last quarter (40,000 ct)
    assert gap.deviation == pytest.approx(160_000 / 600_000, abs=1e-4)
    assert "400,000 ct" in gap.explanation and "200,000 ct" in gap.explanation


def test_a_flow_one_side_does_not_report_is_asked_of_that_side() -> None:
    lost = [r for r in world() if not (r[0] == "IN" and r[2] == "import" and r[3] == "AE" and r[1] >= "2025")]
    assert kinds(run(lost)) == [("mirror_gap", "IN", "AE", "2025")]
    orphan = [
        r for r in world() if not (r[0] == "AE" and r[2] == "export" and r[3] == "IN" and r[1] >= "2025")
    ]
    assert kinds(run(orphan)) == [("mirror_gap", "AE", "IN", "2025")]


def test_a_quarter_lost_on_one_side_is_named_in_the_gap() -> None:
    rows = edit(world(), "IN", "import", "AE", "2025-Q2", carats=0, certificates=0)
    found = run(rows)
    assert kinds(found) == [("mirror_gap", "AE", "IN", "2025")]
    assert "The gap sits in 2025-Q2" in found[0].explanation


def test_at_the_biggest_pairs_a_small_share_worth_a_fortune_is_a_mirror_gap() -> None:
    """5,000,000 ct a quarter at $180/ct, and the importer books 40 % of one quarter: after
    the transit allowance 1,000,000 ct ($180 M) are unexplained, only 3 % of the year's flow
    but far beyond ``severity_high_usd``. The same shortfall at a small pair is timing."""
    big = [r for r in world() if {r[0], r[3]} != {"BW", "EU"}] + flow("BW", "EU", 180, carats=5_000_000)
    found = [
        a for a in run(edit(big, "EU", "import", "BW", "2025-Q3", carats=2_000_000)) if a.type == "mirror_gap"
    ]
    assert kinds(found) == [("mirror_gap", "BW", "EU", "2025")]
    assert found[0].severity == "high" and "The gap sits in 2025-Q3" in found[0].explanation
    small = edit(world(), "EU", "import", "BW", "2025-Q3", carats=40_000, certificates=4)
    assert [a for a in run(small) if a.type == "mirror_gap"] == []


def test_an_exporter_declaring_forty_percent_of_the_value_is_asked_twice() -> None:
    """The two sides value the same goods differently (a mirror gap in value), and the
    exporter's valuation moved against its own history (a unit value)."""
    rows = edit(world(), "NA", "export", "EU", "2025", value=100_000 * 200)  # $200/ct instead of $500
    found = run(rows)
    assert kinds(found) == [("mirror_gap", "NA", "EU", "2025"), ("unit_value", "NA", "EU", "2025")]
    gap, value = found
    assert gap.reported == 200 and gap.reference == pytest.approx(500, rel=0.01)  # $/ct of each side
    assert "$200.00/ct" in gap.explanation and "$500.00/ct" in gap.explanation
    assert value.reported == 200 and value.reference == pytest.approx(500, rel=0.01)
    assert value.deviation == pytest.approx(math.log(200 / 500), abs=0.01)
    assert "low" in value.explanation and "previous 2 years" in value.explanation


def test_both_sides_undervaluing_is_caught_by_the_flows_own_history() -> None:
    rows = edit(world(), "NA", "export", "AE", "2025", value=100_000 * 250)
    rows = edit(rows, "AE", "import", "NA", "2025", value=100_000 * 250 * 1.06)
    found = run(rows)
    assert [k[0] for k in kinds(found)] == ["unit_value"]
    assert {found[0].participant, found[0].partner} == {"NA", "AE"}
    assert "previous 2 years" in found[0].explanation


def test_a_producer_exporting_more_than_it_mined_is_a_production_export_anomaly() -> None:
    found = run(world(), production(BW=0.5))  # 420,000 ct mined, 800,000 ct exported
    assert kinds(found) == [("production_export", "BW", None, "2025")]
    assert found[0].reported == 800_000 and found[0].reference == 420_000


def test_certificates_that_do_not_match_the_mirror_are_a_certificate_count_anomaly() -> None:
    rows = world()
    for q in range(1, 5):
        rows = edit(rows, "EU", "import", "NA", f"2025-Q{q}", certificates=4)
    found = run(rows)
    assert kinds(found) == [("certificate_count", "EU", "NA", "2025")]
    assert "40 certificates" in found[0].explanation and "16" in found[0].explanation


def test_goods_without_a_certificate_are_a_certificate_count_anomaly() -> None:
    rows = edit(world(), "BW", "export", "AE", "2025-Q3", certificates=0)
    rows = edit(rows, "AE", "import", "BW", "2025-Q3", certificates=0)
    found = run(rows)
    assert ("certificate_count", "BW", "AE", "2025-Q3") in kinds(found)
    assert ("certificate_count", "AE", "BW", "2025-Q3") in kinds(found)


def test_exports_falling_to_a_third_are_a_sudden_change() -> None:
    rows = world()
    for partner in ("EU", "AE"):  # both sides report the collapse: no gap, just less trade
        for q in range(1, 5):
            rows = edit(rows, "NA", "export", partner, f"2025-Q{q}", carats=33_000, certificates=3)
            rows = edit(rows, partner, "import", "NA", f"2025-Q{q}", carats=33_000, certificates=3)
    found = run(rows, production(NA=0.33))
    # Asked of NA, not of the hubs that bought less from it (their imports fell by half in value)
    assert kinds(found) == [("sudden_change", "NA", None, "2025")] * 2  # its exports and its production
    assert "exports" in found[0].explanation and "production" in found[1].explanation


def test_missing_returns_are_one_line_per_participant_and_kind_and_no_gap() -> None:
    rows = [r for r in world() if not (r[0] == "IN" and r[1] == "2025-Q3")]
    missing = [("IN", "trade", "2025-Q3"), ("NA", "production", "2025-H1"), ("NA", "production", "2025-H2")]
    found = run(rows, missing=missing)
    # IN's partners' third quarter is not compared with nothing: the return is missing
    assert kinds(found) == [
        ("missing_submission", "IN", None, "2025"),
        ("missing_submission", "NA", None, "2025"),
    ]
    assert [a.severity for a in found] == ["medium", "high"]
    assert "2025-Q3" in found[0].explanation


# -- the contract, and the noisy world -----------------------------------------------------------


def test_every_anomaly_has_the_contract_keys() -> None:
    case = noisy_case(3)
    found = find_anomalies(case.trade, case.production, case.year, missing=case.missing())
    assert {a.type for a in found} == set(TYPES)
    for a in found:
        assert set(a.as_dict()) == KEYS and a.severity in ("low", "medium", "high") and a.explanation
    assert found == sorted(found, key=lambda a: (a.type, a.participant, a.partner or "", a.period or "",
                                                 a.hs_code or "", a.explanation))  # fmt: skip


@pytest.mark.parametrize("history", [1, 2])
def test_the_noisy_world_scores_on_every_type(history: int) -> None:
    scores = score(noisy_case(seed, history_years=history) for seed in range(4))
    for kind, recall, precision, planted, findings in scores.table():
        print(
            f"{kind:20s} recall {recall:.2f} precision {precision:.2f} ({planted} planted, {findings} found)"
        )
        assert recall >= 0.85, kind
        assert precision >= 0.85, kind


def test_thresholds_from_a_mapping_change_the_result() -> None:
    rows = edit(world(), "NA", "export", "EU", "2025", value=100_000 * 430)  # −14 %
    assert run(rows) == []
    looser = Thresholds.from_mapping({"mirror_value_log": "0.1"})
    assert [a.type for a in run(rows, thresholds=looser)] == ["mirror_gap"]


@pytest.mark.parametrize(
    ("values", "field"),
    [({"nonsense": 1}, "nonsense"), ({"transit_share": 2}, "transit_share"),
     ({"certificate_min_count": 1.5}, "certificate_min_count"), ({"cif_fob_factor": "x"}, "cif_fob_factor")],
)  # fmt: skip
def test_from_mapping_refuses_unknown_names_and_bad_values(values: dict[str, object], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        Thresholds.from_mapping(values)
