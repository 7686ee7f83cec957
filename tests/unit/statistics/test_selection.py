"""The workbench's filters, order and finding keys (pure)."""

from __future__ import annotations

import pytest

from kpcs.errors import InvalidInput
from kpcs.statistics.analysis.anomalies import Anomaly
from kpcs.statistics.analysis.selection import FindingFilter, by_severity, finding_key, parse_filter, within


def anomaly(
    type: str = "mirror_gap",
    participant: str = "BW",
    partner: str | None = "BE",
    period: str | None = "2024",
    severity: str = "high",
    explanation: str = "BW reported exporting more than BE importing.",
) -> Anomaly:
    return Anomaly(type, participant, partner, period, "7102.31", 10.0, 5.0, 0.3, severity, explanation)


@pytest.mark.parametrize(
    ("period", "chosen", "kept"),
    [
        ("2024-Q2", "2024-Q2", True),
        ("2024-Q2", "2024-H1", True),  # a half-year keeps its quarters
        ("2024-H1", "2024-H1", True),
        ("2024-Q3", "2024-H1", False),
        ("2024-H1", "2024-Q1", False),  # a quarter does not keep the half-year around it
        ("2024", "2024-Q1", False),  # nor the year
        (None, "2024-Q1", False),
    ],
)
def test_a_period_keeps_itself_and_its_parts(period: str | None, chosen: str, kept: bool) -> None:
    assert within(period, chosen) is kept


@pytest.mark.parametrize(
    ("typed", "period"),
    [
        ("Q2", "2024-Q2"),
        ("q2", "2024-Q2"),
        ("2024-H1", "2024-H1"),
        ("h2", "2024-H2"),
        ("2024", None),
        ("", None),
    ],
)
def test_a_period_is_typed_as_a_part_of_the_year(typed: str, period: str | None) -> None:
    assert parse_filter(2024, period=typed).period == period


@pytest.mark.parametrize(
    ("field", "value"),
    [("period", "Q5"), ("period", "2023-Q1"), ("period", "summer"), ("severity", "dire"), ("type", "hunch")],
)
def test_a_filter_that_cannot_be_used_is_named(field: str, value: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_filter(2024, **{field: value})
    assert [p.field for p in refused.value.problems] == [field]


def test_codes_in_any_case_and_blanks_ignored() -> None:
    where = parse_filter(2024, type=" ", participant=" bw ", partner="be", severity="")
    assert where == FindingFilter(participant="BW", partner="BE")
    assert parse_filter(2024).is_empty()


def test_participant_on_either_side_partner_as_partner() -> None:
    gap = anomaly()
    assert FindingFilter(participant="BE").matches(gap)
    assert FindingFilter(participant="BW", partner="BE").matches(gap)
    assert not FindingFilter(partner="BW").matches(gap)
    assert not FindingFilter(severity="low").matches(gap)
    assert FindingFilter(severity="low").matches(gap, ignoring="severity")


def test_the_most_severe_first_then_by_type_in_the_daqs_order() -> None:
    found = [
        anomaly("sudden_change", "ZA", None, severity="low"),
        anomaly("unit_value", "AE", "IN", severity="high"),
        anomaly("mirror_gap", "IN", "AE", severity="high"),
        anomaly("certificate_count", "BW", "BE", severity="medium"),
    ]
    assert [(a.severity, a.type) for a in by_severity(found)] == [
        ("high", "mirror_gap"),
        ("high", "unit_value"),
        ("medium", "certificate_count"),
        ("low", "sudden_change"),
    ]


def test_a_key_tells_apart_findings_the_five_fields_do_not() -> None:
    exports = anomaly("sudden_change", "AU", None, explanation="AU's exports over the whole year …")
    imports = anomaly("sudden_change", "AU", None, explanation="AU's imports over the whole year …")
    assert finding_key(exports) != finding_key(imports)
    assert finding_key(exports).startswith("sudden_change|AU||2024|7102.31|")
    assert finding_key(exports) == finding_key(
        anomaly("sudden_change", "AU", None, explanation=exports.explanation)
    )
