"""The rules of the Scheme for certificates, as pure functions."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpcs.certificates import rules
from kpcs.certificates.models import CancellationReason, CertificateStatus
from kpcs.participants.registry import ParticipantKind, ParticipantStatus, StatusEntry

TODAY = date(2025, 3, 3)
ACTIVE = StatusEntry(ParticipantStatus.ACTIVE, date(2003, 1, 1), "founding participant")
BW = rules.Standing("BW", "Botswana", ParticipantKind.PARTICIPANT, ACTIVE)
EU = rules.Standing("EU", "European Union", ParticipantKind.PARTICIPANT, ACTIVE)
DRAFT = rules.Draft(
    exporting_country="BW",
    importing_country="BE",
    exporter_name="Okavango Diamond Company",
    exporter_address="Gaborone",
    importer_name="Antwerp Rough NV",
    importer_address="Antwerp",
    parcel_count=2,
    lines=(rules.DraftLine("7102.31", "BW", Decimal("1520.35"), Decimal("310250.00")),),
)


def check(
    draft: rules.Draft = DRAFT,
    *,
    exporter: rules.Standing = BW,
    importer: rules.Standing = EU,
    issuer: str | None = "BW",
    max_days: int = 60,
) -> list[rules.Problem]:
    return rules.check_draft(
        draft,
        exporter=exporter,
        importer=importer,
        issuer_participant=issuer,
        today=TODAY,
        max_validity_days=max_days,
    )


def rules_of(problems: list[rules.Problem]) -> set[str]:
    return {p.rule for p in problems}


def test_a_valid_draft_has_no_problems() -> None:
    assert check() == []


@pytest.mark.parametrize("code", ["7102.10", "7102.21", "7102.31"])
def test_kp_hs_codes(code: str) -> None:
    assert rules.hs_code_problem(code) is None


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("7102.29", "worked industrial"),
        ("7102.39", "worked non-industrial (polished)"),
        ("7104.21", "synthetic"),
        ("7104.91", "synthetic"),
        ("710231", "write the HS code with a dot: 7102.31"),
        ("7103.10", "not an HS code of rough diamonds"),
    ],
)
def test_out_of_scope_hs_codes_say_why(code: str, words: str) -> None:
    problem = rules.hs_code_problem(code)
    assert problem is not None and words in problem


@pytest.mark.parametrize(
    ("status", "rule"),
    [
        (StatusEntry(ParticipantStatus.SUSPENDED, date(2013, 5, 23), "suspended"), "good-standing"),
        (StatusEntry(ParticipantStatus.WITHDRAWN, date(2020, 1, 1), "left"), "participants-only"),
        (None, "participants-only"),
        (
            StatusEntry(ParticipantStatus.RESTRICTED, date(2016, 5, 26), "zones", ("Berbérati",)),
            "restricted-exporter",
        ),
    ],
)
def test_exporter_must_be_in_good_standing(status: StatusEntry | None, rule: str) -> None:
    problems = check(exporter=replace(BW, status=status))
    assert rule in rules_of(problems)
    assert all(p.field == "exporting_country" for p in problems)


def test_suspended_importer_refused_restricted_importer_allowed() -> None:
    suspended = StatusEntry(ParticipantStatus.SUSPENDED, date(2013, 5, 23), "suspended")
    assert "good-standing" in rules_of(check(importer=replace(EU, status=suspended)))
    restricted = StatusEntry(ParticipantStatus.RESTRICTED, date(2016, 5, 26), "zones", ("Boda",))
    assert check(importer=replace(EU, status=restricted)) == []


@given(role=st.sampled_from(["exporter", "importer"]), status=st.sampled_from(list(ParticipantStatus)))
def test_each_status_blocks_exactly_what_it_says(role: str, status: ParticipantStatus) -> None:
    """Suspended and withdrawn block both sides; restricted and export-banned only exports."""
    entry = StatusEntry(
        status, date(2005, 12, 15), "test", ("Boda",) if status is ParticipantStatus.RESTRICTED else ()
    )
    problems = check(**{role: replace(BW if role == "exporter" else EU, status=entry)})  # type: ignore[arg-type]
    blocks_exports = status is not ParticipantStatus.ACTIVE
    blocks_imports = status in (ParticipantStatus.SUSPENDED, ParticipantStatus.WITHDRAWN)
    assert bool(problems) is (blocks_exports if role == "exporter" else blocks_imports)
    if status is ParticipantStatus.EXPORT_BANNED and role == "exporter":
        (problem,) = problems
        assert problem.rule == "export-banned" and problem.field == "exporting_country"
        assert "may still import" in problem.message


def test_a_trading_entity_trades_like_a_participant() -> None:
    taipei = rules.Standing("TW", "Chinese Taipei", ParticipantKind.TRADING_ENTITY, ACTIVE)
    assert check(importer=taipei) == []
    assert check(replace(DRAFT, exporting_country="TW"), exporter=taipei, issuer="TW") == []


def test_observer_is_not_a_trading_partner() -> None:
    wdc = rules.Standing("WDC", "World Diamond Council", ParticipantKind.OBSERVER, ACTIVE)
    assert "participants-only" in rules_of(check(importer=wdc))


def test_same_participant_on_both_sides() -> None:
    problems = check(
        replace(DRAFT, exporting_country="BE", importing_country="FR"), exporter=EU, importer=EU, issuer="EU"
    )
    assert rules_of(problems) == {"distinct-participants"}


def test_authority_issues_only_for_its_own_participant() -> None:
    assert rules_of(check(issuer="IN")) == {"own-participant"}
    assert check(issuer=None) == []  # the server's operator


@pytest.mark.parametrize(
    ("line", "field", "rule"),
    [
        (rules.DraftLine("7102.31", "XX", Decimal(1), Decimal(1)), "lines.0.origin", "origin-country"),
        (rules.DraftLine("7102.31", "mixed", Decimal(0), Decimal(1)), "lines.0.carats", "positive-quantity"),
        (rules.DraftLine("7102.31", "BW", Decimal("-5"), Decimal(1)), "lines.0.carats", "positive-quantity"),
        (
            rules.DraftLine("7102.31", "BW", Decimal("1.005"), Decimal(1)),
            "lines.0.carats",
            "positive-quantity",
        ),
        (
            rules.DraftLine("7102.31", "BW", Decimal(1), Decimal("0")),
            "lines.0.value_usd",
            "positive-quantity",
        ),
        (rules.DraftLine("7104.21", "BW", Decimal(1), Decimal(1)), "lines.0.hs_code", "hs-code-scope"),
    ],
)
def test_line_problems_name_field_and_rule(line: rules.DraftLine, field: str, rule: str) -> None:
    problems = check(replace(DRAFT, lines=(line,)))
    assert [(p.field, p.rule) for p in problems] == [(field, rule)]


def test_every_problem_is_reported_at_once() -> None:
    bad = replace(
        DRAFT,
        exporter_name=" ",
        parcel_count=0,
        lines=(rules.DraftLine("7102.39", "ZZ", Decimal(0), Decimal(0)),),
        expires_on=date(2026, 1, 1),
    )
    fields = {p.field for p in check(bad)}
    assert {
        "exporter.name",
        "parcel_count",
        "lines.0.hs_code",
        "lines.0.origin",
        "lines.0.carats",
        "lines.0.value_usd",
        "expires_on",
    } <= fields


def test_expiry_window() -> None:
    assert check(replace(DRAFT, expires_on=date(2025, 5, 2))) == []
    assert rules_of(check(replace(DRAFT, expires_on=date(2025, 5, 3)))) == {"validity"}
    assert rules_of(check(replace(DRAFT, expires_on=TODAY))) == {"validity"}
    assert check(replace(DRAFT, expires_on=date(2025, 6, 1)), max_days=90) == []
    assert rules.expiry_date(TODAY, None, 60) == date(2025, 5, 2)


def test_unknown_country_codes() -> None:
    problems = check(replace(DRAFT, importing_country="QQ"))
    assert "country-code" in rules_of(problems)


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1e9"), places=2))
def test_two_decimal_positive_amounts_pass(amount: Decimal) -> None:
    assert rules.decimals_problem(amount) is None


@given(st.decimals(min_value=Decimal("0.001"), max_value=Decimal("1e6"), places=3))
def test_three_decimals_refused_unless_they_are_zero(amount: Decimal) -> None:
    problem = rules.decimals_problem(amount)
    assert (problem is None) == (amount == amount.quantize(Decimal("0.01")))


def test_number_and_effective_status() -> None:
    assert rules.format_number("BW", 2025, 42) == "BW-2025-000042"
    assert rules.effective_status(CertificateStatus.ISSUED, date(2025, 3, 2), TODAY) == "expired"
    assert rules.effective_status(CertificateStatus.ISSUED, TODAY, TODAY) == "issued"
    assert rules.effective_status(CertificateStatus.CANCELLED, date(2020, 1, 1), TODAY) == "cancelled"


@pytest.mark.parametrize(
    ("status", "received", "rule"),
    [
        (CertificateStatus.CONFIRMED, date(2025, 3, 1), "confirmed-once"),
        (CertificateStatus.CANCELLED, date(2025, 3, 1), "cancelled"),
        (CertificateStatus.ISSUED, date(2025, 3, 4), "date"),
        (CertificateStatus.ISSUED, date(2025, 1, 1), "date"),
        (CertificateStatus.ISSUED, date(2025, 2, 20), "expired"),
    ],
)
def test_confirmation_refusals(status: CertificateStatus, received: date, rule: str) -> None:
    problems = rules.confirmation_problems(
        status, issued_on=date(2025, 2, 1), expires_on=date(2025, 2, 15), received_on=received, today=TODAY
    )
    assert rule in rules_of(problems)


def test_late_return_slip_for_goods_received_in_time() -> None:
    assert (
        rules.confirmation_problems(
            CertificateStatus.ISSUED,
            issued_on=date(2025, 1, 1),
            expires_on=date(2025, 2, 1),
            received_on=date(2025, 1, 20),
            today=TODAY,
        )
        == []
    )


def test_discrepancies() -> None:
    found = rules.discrepancies(
        carats=Decimal("100.00"),
        value_usd=Decimal("5000.00"),
        parcels=2,
        carats_received=Decimal("99.50"),
        value_usd_received=Decimal("5000.00"),
        parcels_received=3,
    )
    assert found == [
        {"field": "carats", "certificate": "100.00", "received": "99.50"},
        {"field": "parcel_count", "certificate": 2, "received": 3},
    ]
    assert (
        rules.discrepancies(
            carats=Decimal(1),
            value_usd=Decimal(1),
            parcels=1,
            carats_received=None,
            value_usd_received=None,
            parcels_received=None,
        )
        == []
    )


@pytest.mark.parametrize(
    ("text", "note", "expected"),
    [
        ("printing_error", None, (CancellationReason.PRINTING_ERROR, None)),
        ("Printing error", None, (CancellationReason.PRINTING_ERROR, None)),
        ("lost-in-transit", "courier", (CancellationReason.LOST_IN_TRANSIT, "courier")),
        ("Buyer went bankrupt", None, (CancellationReason.OTHER, "Buyer went bankrupt")),
        ("other", "details", (CancellationReason.OTHER, "details")),
    ],
)
def test_cancellation_reasons(
    text: str, note: str | None, expected: tuple[CancellationReason, str | None]
) -> None:
    assert rules.parse_cancellation_reason(text, note) == expected


def test_blank_cancellation_reason() -> None:
    with pytest.raises(ValueError, match="a reason is required"):
        rules.parse_cancellation_reason("  ")
