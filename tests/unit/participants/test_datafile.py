"""The registry data file: the shipped file is complete and sourced, and mistakes in a
file are refused with a message that names them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from kpcs.errors import RegistryDataError
from kpcs.participants.datafile import RegistryFile, load_registry_file, parse_registry
from kpcs.participants.registry import ParticipantKind, ParticipantStatus, status_on

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


def test_eu_is_one_participant_for_its_27_member_states(real: RegistryFile) -> None:
    (eu,) = [p for p in real.participants if p.code == "EU"]
    assert set(eu.countries) == EU_MEMBER_STATES
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
    ],
)
def test_known_facts(real: RegistryFile, code: str, on: date, expected: ParticipantStatus | None) -> None:
    assert _status(real, code, on) == expected


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
