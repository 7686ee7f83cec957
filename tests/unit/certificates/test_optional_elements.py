"""The origin rule, the container and transit checks and the return slip's comparisons, as
pure functions; and the credential's optional elements, which an older credential lacks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from kpcs.certificates import rules
from kpcs.certificates.credential import (
    Container,
    CredentialData,
    CredentialLine,
    OptionalElements,
    build_payload,
    read_optional,
)
from kpcs.participants.registry import ParticipantKind, ParticipantStatus, StatusEntry

TODAY = date(2025, 3, 3)
JOINED = StatusEntry(ParticipantStatus.ACTIVE, date(2003, 1, 1), "founding participant")
SUSPENDED = StatusEntry(ParticipantStatus.SUSPENDED, date(2013, 5, 23), "AD of 23 May 2013")
RESTATED = StatusEntry(ParticipantStatus.SUSPENDED, date(2015, 7, 17), "AD restated")
RESTRICTED = StatusEntry(ParticipantStatus.RESTRICTED, date(2016, 5, 26), "compliant zones", ("Berbérati",))
CF = rules.OriginHistory("CF", "Central African Republic", (JOINED, SUSPENDED, RESTATED))


def line(origin: str = "CF", departed: date | None = None) -> rules.DraftLine:
    return rules.DraftLine("7102.31", origin, Decimal(10), Decimal(1000), departed)


def test_a_suspended_origin_is_refused_from_the_start_of_the_unbroken_suspension() -> None:
    problems = rules.origin_problems(line(), CF, field="lines.0", on=TODAY)
    assert [(p.field, p.rule) for p in problems] == [("lines.0.origin", "origin-barred")]
    # Suspended in 2013, restated in 2015: the bar began in 2013.
    assert "since 2013-05-23" in problems[0].message
    late = rules.origin_problems(line(departed=date(2014, 1, 1)), CF, field="lines.0", on=TODAY)
    assert [(p.field, p.rule) for p in late] == [("lines.0.departed_origin_on", "origin-barred")]
    assert rules.origin_problems(line(departed=date(2013, 5, 22)), CF, field="lines.0", on=TODAY) == []


def test_an_origin_no_longer_barred_and_a_mixed_line_are_not_refused() -> None:
    lifted = rules.OriginHistory("CF", "Central African Republic", (JOINED, SUSPENDED, RESTRICTED))
    assert rules.origin_problems(line(), lifted, field="lines.0", on=TODAY) == []
    assert rules.origin_problems(line("mixed"), CF, field="lines.0", on=TODAY) == []
    assert rules.origin_problems(line("BW"), None, field="lines.0", on=TODAY) == []
    # Before the suspension took effect, the origin was not barred.
    assert rules.origin_problems(line(), CF, field="lines.0", on=date(2013, 5, 22)) == []


def test_a_departure_after_the_date_of_issue_is_refused() -> None:
    problems = rules.origin_problems(line("BW", TODAY + timedelta(days=1)), None, field="lines.3", on=TODAY)
    assert [(p.field, p.rule) for p in problems] == [("lines.3.departed_origin_on", "departure-date")]


@given(
    start=st.dates(date(2004, 1, 1), TODAY),
    departed=st.none() | st.dates(date(2003, 1, 1), TODAY),
    issued=st.dates(date(2003, 1, 1), TODAY),
)
def test_the_origin_rule_refuses_exactly_what_left_after_the_bar_began(
    start: date, departed: date | None, issued: date
) -> None:
    origin = rules.OriginHistory(
        "ZW", "Zimbabwe", (JOINED, StatusEntry(ParticipantStatus.SUSPENDED, start, "test"))
    )
    problems = rules.origin_problems(line("ZW", departed), origin, field="lines.0", on=issued)
    barred = issued >= start and (departed is None or departed >= start)
    future = departed is not None and departed > issued
    assert ("origin-barred" in {p.rule for p in problems}) is barred
    assert ("departure-date" in {p.rule for p in problems}) is future
    assert len(problems) == barred + future


def test_containers_and_transit() -> None:
    active = StatusEntry(ParticipantStatus.ACTIVE, date(2003, 1, 1), "x")
    bw = rules.Standing("BW", "Botswana", ParticipantKind.PARTICIPANT, active)
    eu = rules.Standing("EU", "European Union", ParticipantKind.PARTICIPANT, active)
    ae = rules.Standing("AE", "United Arab Emirates", ParticipantKind.PARTICIPANT, active)
    known = {"AE": ae, "BW": bw, "EU": eu, "FR": eu}
    found = rules.transit_problems(["AE", "FR", "BW", "AE", "ZZ"], known, exporter=bw, importer=eu)
    assert [p.field for p in found] == ["transit.1", "transit.2", "transit.3", "transit.4"]
    assert rules.transit_problems(["AE"], known, exporter=bw, importer=eu) == []
    assert rules.container_problems(rules.DraftContainer("steel case")) == []
    assert [p.field for p in rules.container_problems(rules.DraftContainer(None, ("A", "B", "a")))] == [
        "container.seal_numbers.2"
    ]


@given(
    stated=st.lists(st.text("ABC123", min_size=1, max_size=3), max_size=5, unique_by=str.upper),
    found=st.dictionaries(st.text("ABC123", min_size=1, max_size=3), st.booleans(), max_size=5),
)
def test_every_seal_not_found_intact_is_a_discrepancy(stated: list[str], found: dict[str, bool]) -> None:
    found = {k: v for k, v in found.items() if k == k.upper()}
    result = rules.discrepancies(
        carats=Decimal(1),
        value_usd=Decimal(1),
        parcels=1,
        carats_received=None,
        value_usd_received=None,
        parcels_received=None,
        seal_numbers=stated,
        seals_received=found,
    )
    flagged = {(d["certificate"], d["received"]) for d in result}
    for seal in stated:
        intact = found.get(seal.upper())
        assert ((seal, "not found") in flagged) is (intact is None)
        assert ((seal, "broken") in flagged) is (intact is False)
    stated_keys = {seal.upper() for seal in stated}
    assert {r for c, r in flagged if c == "not stated"} == {s for s in found if s not in stated_keys}
    assert (
        rules.discrepancies(
            carats=Decimal(1),
            value_usd=Decimal(1),
            parcels=1,
            carats_received=None,
            value_usd_received=None,
            parcels_received=None,
            seal_numbers=stated,
        )
        == []
    )


def _data(optional: OptionalElements = OptionalElements(), departed: date | None = None) -> CredentialData:
    return CredentialData(
        number="BW-2025-000001",
        issuing_participant="BW",
        issuing_authority="Government Diamond Valuator",
        exporting_country="BW",
        importing_country="BE",
        importing_participant="EU",
        exporter_name="Okavango",
        exporter_address="Gaborone",
        importer_name="Antwerp Rough",
        importer_address="Antwerp",
        parcel_count=1,
        lines=(CredentialLine("7102.31", "BW", Decimal("1.50"), Decimal("300"), departed),),
        issued_on=TODAY,
        expires_on=TODAY + timedelta(days=60),
        issued_at=datetime(2025, 3, 3, 9, 30, tzinfo=UTC),
        optional=optional,
    )


def test_a_credential_states_optional_elements_only_when_present() -> None:
    plain = build_payload(_data())
    assert "container" not in plain["credentialSubject"] and "transit" not in plain["credentialSubject"]
    assert "departed_origin_on" not in plain["credentialSubject"]["lines"][0]
    assert read_optional(plain["credentialSubject"]) == OptionalElements()
    optional = OptionalElements(Container("case", ("S1",), True, False), ("AE",), "gem", "permit 7")
    full = build_payload(_data(optional, date(2025, 1, 1)))
    # The minimum elements are the same values in the same order; the optional ones follow.
    minimum = list(plain["credentialSubject"])
    assert list(full["credentialSubject"])[: len(minimum)] == minimum
    assert full["credentialSubject"]["lines"][0]["departed_origin_on"] == "2025-01-01"
    assert read_optional(full["credentialSubject"]) == optional
