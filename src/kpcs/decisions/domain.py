"""Vocabulary and rules of the register of administrative decisions (pure: no ORM, no I/O)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from enum import StrEnum

SEED_RECORDER = "registry"
"""``recorded_by`` of the decisions loaded from the packaged data file."""


class DecisionStatus(StrEnum):
    """Where a decision stands: in force, replaced by a later one, or ended."""

    IN_FORCE = "in_force"
    SUPERSEDED = "superseded"
    TERMINATED = "terminated"


def slug(year: int | None, title: str) -> str:
    """A stable, readable key for a decision: its year and the first words of its title."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_title.lower())[:8]
    return "-".join([str(year) if year else "undated", *words])[:80].rstrip("-")


def would_cycle(supersedes: Mapping[int, Iterable[int]], newer: int, older: int) -> bool:
    """True if recording that ``newer`` supersedes ``older`` would close a loop (a decision
    superseding itself, directly or through others). ``supersedes`` maps each decision to the
    ones it already supersedes."""
    if newer == older:
        return True
    seen: set[int] = set()
    stack = [older]
    while stack:
        current = stack.pop()
        if current == newer:
            return True
        if current in seen:
            continue
        seen.add(current)
        stack.extend(supersedes.get(current, ()))
    return False
