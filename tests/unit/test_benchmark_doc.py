"""docs/benchmarks.md is rewritten one area at a time: the area's rows stay together where
they were, whether it now has more rows or fewer, and the other areas' rows are kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from benchmarks import common
from benchmarks.common import Result

DOC = """# Benchmarks

- Machine: test
- Area `photos` measured again on its own: earlier

| area | what | database | measured | target / baseline | met |
| --- | --- | --- | --- | --- | --- |
| cli | start | — | 1 | b |  |
| photos | a | — | 1 | t | yes |
| valuation | v | — | 1 | t | yes |
| photos | b | — | 1 | t | yes |
"""


def _rows(path: Path) -> list[str]:
    """The table's rows as ``area:what``."""
    rows = [line.split(" | ") for line in path.read_text().splitlines() if line.startswith("| ")]
    return [f"{cells[0][2:]}:{cells[1]}" for cells in rows[2:]]


@pytest.mark.parametrize("count", [1, 2, 3])
def test_an_areas_rows_stay_together_where_they_were(tmp_path: Path, monkeypatch, count: int) -> None:  # type: ignore[no-untyped-def]
    doc = tmp_path / "benchmarks.md"
    doc.write_text(DOC)
    monkeypatch.setattr(common, "DOC", doc)
    common.update([Result("photos", f"new{i}", "—", "2", "t", True) for i in range(count)], "photos")
    assert _rows(doc) == ["cli:start", *(f"photos:new{i}" for i in range(count)), "valuation:v"]
    stamps = [line for line in doc.read_text().splitlines() if line.startswith("- Area `photos`")]
    assert len(stamps) == 1 and "earlier" not in stamps[0]
