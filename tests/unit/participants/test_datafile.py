"""The registry data file: the shipped file is complete and sourced, and mistakes in a
file are refused with a message that names them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from kpcs.errors import RegistryDataError
from kpcs.participants.datafile import RegistryFile, load_registry_file, parse_registry
from kpcs.participants.registry import DateBound, ParticipantKind, ParticipantStatus, RegimeKind, status_on

SMALL = Path(__file__).parents[2] / "data" / "registry-small.yaml"

# fmt: off
EU_MEMBER_STATES = {
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
    "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
}
# fmt: on


@pytest.fixture(scope="module")
def real() -> RegistryFile:
    return load_registry_file()


def _status(data: RegistryFile, code: str, on: date) -> ParticipantStatus | None:
    (entry,) = [p for p in data.participants if p.code == code]
    from kpcs.participants.registry import StatusEntry

    history = [StatusEntry(h.status, h.effective_on, h.reason, tuple(h.zones)) for h in entry.history]
    found = status_on(history, on)
    return found.status if found else None


def test_shipped_registry_has_about_sixty_participants_at_end_of_2024(real: RegistryFile) -> None:
    current = [
        p
        for p in real.participants
        if p.kind is ParticipantKind.PARTICIPANT
        and _status(real, p.code, date(2024, 12, 31)) not in (None, ParticipantStatus.WITHDRAWN)
    ]
    assert 56 <= len(current) <= 62, len(current)


def test_eu_is_one_participant_for_its_27_member_states_and_greenland(real: RegistryFile) -> None:
    (eu,) = [p for p in real.participants if p.code == "EU"]
    # Greenland is no member state, but takes part through the EU (2014 communiqué ¶4).
    assert set(eu.countries) == EU_MEMBER_STATES | {"GL"}
    (greenland,) = eu.country_notes
    assert greenland.country == "GL" and "comm-2014 ¶4" in greenland.sources
    former = {p.code for p in real.participants} & EU_MEMBER_STATES
    assert {"BG", "RO", "HR"} <= former  # participants in their own right before joining the EU
    for code in former:
        assert _status(real, code, date(2024, 12, 31)) is ParticipantStatus.WITHDRAWN, code
    assert _status(real, "RO", date(2005, 1, 1)) is ParticipantStatus.ACTIVE


@pytest.mark.parametrize(
    ("code", "on", "expected"),
    [
        ("GB", date(2020, 12, 31), None),
        ("GB", date(2021, 1, 1), ParticipantStatus.ACTIVE),
        ("VE", date(2010, 6, 1), ParticipantStatus.SUSPENDED),
        ("VE", date(2017, 6, 1), ParticipantStatus.ACTIVE),
        ("CF", date(2012, 6, 1), ParticipantStatus.ACTIVE),
        ("CF", date(2014, 6, 1), ParticipantStatus.SUSPENDED),
        ("CF", date(2016, 6, 1), ParticipantStatus.RESTRICTED),
        ("CF", date(2024, 12, 1), ParticipantStatus.ACTIVE),
        ("UZ", date(2023, 6, 1), None),
        ("UZ", date(2024, 12, 31), ParticipantStatus.ACTIVE),
        ("QA", date(2021, 12, 31), ParticipantStatus.ACTIVE),
        ("KG", date(2021, 12, 31), ParticipantStatus.ACTIVE),
        ("MZ", date(2021, 12, 31), ParticipantStatus.ACTIVE),
        ("QA", date(2020, 6, 1), None),
        ("GA", date(2018, 12, 31), ParticipantStatus.ACTIVE),
        ("BW", date(2003, 6, 1), ParticipantStatus.ACTIVE),
        ("CI", date(2005, 12, 14), ParticipantStatus.ACTIVE),
        ("CI", date(2010, 6, 1), ParticipantStatus.EXPORT_BANNED),
        ("CI", date(2014, 4, 29), ParticipantStatus.ACTIVE),
        ("GH", date(2006, 11, 30), ParticipantStatus.EXPORT_BANNED),
        ("GH", date(2006, 12, 5), ParticipantStatus.ACTIVE),
        ("TW", date(2010, 6, 1), ParticipantStatus.ACTIVE),
    ],
)
def test_known_facts(real: RegistryFile, code: str, on: date, expected: ParticipantStatus | None) -> None:
    assert _status(real, code, on) == expected


def test_chinese_taipei_is_a_trading_entity_not_a_participant(real: RegistryFile) -> None:
    (taipei,) = [p for p in real.participants if p.code == "TW"]
    assert taipei.kind is ParticipantKind.TRADING_ENTITY and taipei.kind.trades
    assert taipei.name == "Chinese Taipei" and taipei.countries == ["TW"]
    assert taipei.history[0].date_bound is DateBound.NOT_LATER_THAN and taipei.history[0].sources


@pytest.mark.parametrize(
    ("code", "on"),
    [
        ("BD", date(2008, 6, 30)),
        ("NO", date(2008, 6, 30)),
        ("SG", date(2008, 6, 30)),
        ("NZ", date(2008, 6, 30)),
        ("GH", date(2006, 11, 9)),
        ("MX", date(2008, 12, 31)),
    ],
)
def test_late_admission_dates_are_marked_as_bounds(real: RegistryFile, code: str, on: date) -> None:
    (entry,) = [h for p in real.participants if p.code == code for h in p.history if h.effective_on == on]
    assert entry.status is ParticipantStatus.ACTIVE
    assert entry.date_bound is DateBound.NOT_LATER_THAN
    assert "not later than" in entry.reason and entry.sources


def test_marange_supervised_regime_is_recorded(real: RegistryFile) -> None:
    (zimbabwe,) = [p for p in real.participants if p.code == "ZW"]
    (marange,) = zimbabwe.regimes
    assert marange.kind is RegimeKind.SUPERVISED_EXPORTS and marange.area == "Marange"
    assert marange.ends_on == date(2011, 11, 3) and "comm-2011 ¶19" in marange.sources
    # The regime is a record: Zimbabwe stayed a participant in good standing.
    assert _status(real, "ZW", date(2010, 8, 1)) is ParticipantStatus.ACTIVE


def test_observers_are_there(real: RegistryFile) -> None:
    observers = {p.code for p in real.participants if p.kind is ParticipantKind.OBSERVER}
    assert {"WDC", "CSC", "ADPA", "DDI"} <= observers


def test_every_fact_is_sourced_or_explained(real: RegistryFile) -> None:
    for p in real.participants:
        for h in p.history:
            assert h.sources or h.unsourced, (p.code, h.effective_on)


def test_working_bodies_present(real: RegistryFile) -> None:
    assert {"WGM", "WGS", "WGDE", "WGAAP", "CPC", "CRP"} <= {b.code for b in real.working_bodies}


def test_small_file_parses() -> None:
    data = load_registry_file(SMALL)
    assert [p.code for p in data.participants][:3] == ["BW", "EU", "IN"]


def _broken(mutate) -> str:  # type: ignore[no-untyped-def]
    raw = yaml.safe_load(SMALL.read_text())
    mutate(raw)
    return yaml.safe_dump(raw, allow_unicode=True)


def _participant(raw: dict, code: str) -> dict:  # type: ignore[type-arg]
    return next(p for p in raw["participants"] if p["code"] == code)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda r: _participant(r, "BW")["history"][0].update(sources=["nowhere ¶1"]),
            "unknown source 'nowhere'",
        ),
        (lambda r: _participant(r, "BW")["history"][0].pop("sources"), "cite at least one source"),
        (lambda r: r["chairs"][0].update(chair="XX"), "unknown code XX"),
        (
            lambda r: _participant(r, "CF")["history"].reverse(),
            "CF: history is not oldest-first at 2015-07-17",
        ),
        (lambda r: _participant(r, "VE")["history"].pop(0), "VE: history must begin with admission"),
        (lambda r: _participant(r, "CF")["history"][2].update(zones=[]), "restricted without zones"),
        (
            lambda r: _participant(r, "VE")["history"][1].update(zones=["Somewhere"]),
            "zones on a status other",
        ),
        (lambda r: _participant(r, "VE")["history"][1].update(status="expelled"), "history.1.status"),
        (lambda r: r["participants"].append(dict(_participant(r, "BW"))), "participant BW is defined twice"),
        (lambda r: _participant(r, "WDC").update(countries=["BE"]), "an observer stands for no country"),
        (lambda r: r["working_bodies"][0]["terms"][0]["members"].append("ZZ"), "WGDE 2021: unknown code ZZ"),
        (lambda r: _participant(r, "BW").update(colour="blue"), "colour"),
        (lambda r: _participant(r, "BW")["history"][0].update(date_bound="about"), "date_bound"),
        (
            lambda r: _participant(r, "EU").update(
                country_notes=[{"country": "GL", "note": "x", "sources": []}]
            ),
            "country_notes.0: Value error, cite at least one source",
        ),
        (
            lambda r: _participant(r, "EU").update(
                country_notes=[{"country": "GL", "note": "through the EU", "sources": ["comm-2021 ¶4"]}]
            ),
            "note on GL, a country it does not stand for",
        ),
        (
            lambda r: _participant(r, "BW").update(
                regimes=[
                    {
                        "kind": "supervised_exports",
                        "area": "Orapa",
                        "starts_on": "2012-01-01",
                        "ends_on": "2011-01-01",
                        "description": "test",
                        "sources": ["comm-2021 ¶19"],
                    }
                ]
            ),
            "BW regime Orapa: ends before it starts",
        ),
        (
            lambda r: _participant(r, "WDC").update(
                regimes=[
                    {
                        "kind": "supervised_exports",
                        "area": "X",
                        "description": "d",
                        "sources": ["comm-2021 ¶1"],
                    }
                ]
            ),
            "an observer does not trade",
        ),
        (
            lambda r: _participant(r, "BW").update(kind="trading_entity", countries=[]),
            "stands for at least one",
        ),
    ],
)
def test_mistakes_are_named(mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RegistryDataError) as raised:
        parse_registry(_broken(mutate))
    assert message in raised.value.message


def test_not_yaml() -> None:
    with pytest.raises(RegistryDataError, match="not valid YAML"):
        parse_registry("participants: [unclosed")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RegistryDataError, match="cannot read"):
        load_registry_file(tmp_path / "nope.yaml")
