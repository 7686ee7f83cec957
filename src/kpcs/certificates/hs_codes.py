"""What each HS code covers, in one place: the codes of rough diamonds the Scheme certifies,
the neighbouring codes it does not (worked and synthetic diamonds), and the classification
question the 2021 plenary named. The rules, the forms' guidance and the pages read it here.

Sources: KPCS Core Document, Section I and Annex III (the three codes of rough diamonds);
HS 2022 (7104.21 and 7104.91 for synthetic diamonds, asked for by the WGDE, 2018 communiqué
§10 and §23); 2021 communiqué §35 (shipments blocked over 7102.31 against 7102.39).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class HsCode:
    """One HS subheading and what the Scheme makes of it."""

    code: str
    covers: str
    in_scope: bool
    guidance: str


HS_CODES: tuple[HsCode, ...] = (
    HsCode(
        "7102.10",
        "diamonds, unsorted",
        True,
        "run-of-mine goods not yet sorted into industrial and non-industrial",
    ),
    HsCode(
        "7102.21",
        "industrial diamonds, unworked or simply sawn, cleaved or bruted",
        True,
        "sorted goods fit only for industrial use (boart, crushing bort)",
    ),
    HsCode(
        "7102.31",
        "non-industrial diamonds, unworked or simply sawn, cleaved or bruted",
        True,
        "sorted gem and near-gem rough; sawing, cleaving or bruting keeps goods here",
    ),
    HsCode(
        "7102.29",
        "industrial diamonds, other (worked)",
        False,
        "worked industrial diamonds are not rough diamonds: no KP certificate",
    ),
    HsCode(
        "7102.39",
        "non-industrial diamonds, other (worked, e.g. polished)",
        False,
        "worked (cut or polished) diamonds are not rough diamonds: no KP certificate",
    ),
    HsCode(
        "7104.21",
        "synthetic (laboratory-grown) diamonds, unworked or simply sawn or roughly shaped",
        False,
        "synthetic diamonds are not KP goods: the Scheme covers natural diamonds only",
    ),
    HsCode(
        "7104.91",
        "synthetic (laboratory-grown) diamonds, other",
        False,
        "synthetic diamonds are not KP goods: the Scheme covers natural diamonds only",
    ),
)
"""The codes, those of the Scheme first."""

BY_CODE: dict[str, HsCode] = {entry.code: entry for entry in HS_CODES}

IN_SCOPE: dict[str, str] = {entry.code: entry.covers for entry in HS_CODES if entry.in_scope}
"""The rough diamonds of the KPCS (Core Document, Section I; Annex III)."""

CLASSIFICATION_DISPUTE = (
    "7102.31 or 7102.39? Participants have classified the same goods differently (rough "
    "with a polished window, or partly worked stones), and shipments were blocked over it "
    "(2021 plenary, communiqué §35; the WGDE is seeking clearer wording with the WCO). Goods "
    "only sawn, cleaved or bruted stay rough (7102.31); where the classification could be "
    "questioned, say why in the line's classification note."
)
"""The classification question the 2021 plenary named, as the forms show it."""

_SYNTHETIC_WORDS = re.compile(
    r"\b(synthetics?|lab(?:oratory)?[- ]?(?:grown|created|made)|man[- ]made|cvd|hpht)\b", re.IGNORECASE
)
_NEGATIONS = re.compile(r"\b(no|not|non|without|free of|none|natural,? not)\b[\w\s-]{0,20}$", re.IGNORECASE)


def synthetic_words(text: str | None) -> str | None:
    """The first word in ``text`` that declares the goods synthetic ("synthetic",
    "lab-grown", "laboratory-created", "CVD", "HPHT"…), unless negated just before ("no
    synthetics", "not lab-grown", "free of synthetic stones"); None when there is none."""
    for found in _SYNTHETIC_WORDS.finditer(text or ""):
        before = (text or "")[max(0, found.start() - 30) : found.start()]
        if not _NEGATIONS.search(before) and not before.rstrip().endswith("non-"):
            return found.group(0)
    return None


def guidance_lines() -> list[tuple[str, str, bool]]:
    """(code, what it covers, in scope) for every code, for the forms' guidance."""
    return [(entry.code, entry.covers, entry.in_scope) for entry in HS_CODES]
