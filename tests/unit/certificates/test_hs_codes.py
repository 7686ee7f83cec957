"""What each HS code covers, in one place, and the words that declare goods synthetic."""

from __future__ import annotations

import pytest

from kpcs.certificates import hs_codes, rules


def test_the_scheme_certifies_the_three_codes_of_rough_diamonds_and_no_other() -> None:
    assert sorted(rules.HS_IN_SCOPE) == ["7102.10", "7102.21", "7102.31"]
    for entry in hs_codes.HS_CODES:
        assert (rules.hs_code_problem(entry.code) is None) is entry.in_scope, entry.code


def test_the_2021_dispute_is_named() -> None:
    assert "7102.31" in hs_codes.CLASSIFICATION_DISPUTE and "7102.39" in hs_codes.CLASSIFICATION_DISPUTE
    assert "2021" in hs_codes.CLASSIFICATION_DISPUTE


@pytest.mark.parametrize(
    ("note", "word"),
    [
        ("synthetic diamonds, HPHT", "synthetic"),
        ("Lab-grown rough", "Lab-grown"),
        ("laboratory created stones", "laboratory created"),
        ("CVD plates", "CVD"),
        ("partly synthetics", "synthetics"),
        ("no synthetics detected; but lab-grown melee mixed in", "lab-grown"),
    ],
)
def test_words_that_declare_goods_synthetic(note: str, word: str) -> None:
    assert hs_codes.synthetic_words(note) == word
    assert rules.synthetic_declared(note) is not None


@pytest.mark.parametrize(
    "note",
    [
        None,
        "",
        "rough with a polished window: 7102.31 as only a window was polished",
        "no synthetics detected",
        "screened: not lab-grown",
        "free of synthetic stones",
        "non-synthetic, natural",
        "without any synthetic material",
    ],
)
def test_notes_that_declare_nothing_synthetic(note: str | None) -> None:
    assert hs_codes.synthetic_words(note) is None
