"""Bounds for the whole numbers that requests carry in paths, queries and forms: one place.

Python's ``int`` has no limit, but the databases' integers do (32 bits for PostgreSQL's
INTEGER columns): an unbounded id such as ``2**64`` reached the driver and came back as an
overflow, a 500. Every int parameter of a route uses one of these types, so such a
number is a 422 naming the parameter, and ``tests/functional/test_route_bounds.py``
sends out-of-range numbers to every int parameter of every route to keep it so.
"""

from __future__ import annotations

from typing import Annotated

from annotated_types import Interval

from kpcs.db import DB_INT_MAX
from kpcs.errors import InvalidInput
from kpcs.statistics.submissions.templates import FIRST_YEAR

RowId = Annotated[int, Interval(ge=1, le=DB_INT_MAX)]
"""The id of a stored record (a questionnaire, a fraud report): ids start at 1."""

Cursor = Annotated[int, Interval(ge=0, le=DB_INT_MAX)]
"""A position to page from, such as the id of the last audit event seen (0: before the first)."""

Ordinal = Annotated[int, Interval(ge=1, le=10_000)]
"""A position counted from 1 within a record, such as a question's number in a questionnaire."""

Offset = Annotated[int, Interval(ge=0, le=DB_INT_MAX)]
"""How many rows of a list to skip."""

LAST_YEAR = 2100
"""The last year a statistics year may name (the first is the Scheme's, 2003)."""


def year_from_form(value: str, *, example: str = "2025") -> int:
    """A year typed into a form (read by hand, not by FastAPI), refused with the field named
    when it is not a whole number between the Scheme's first year and :data:`LAST_YEAR`."""
    text = value.strip()
    if not text.isdigit() or not FIRST_YEAR <= int(text) <= LAST_YEAR:
        raise InvalidInput.field("year", f"a year between {FIRST_YEAR} and {LAST_YEAR}, such as {example}")
    return int(text)
