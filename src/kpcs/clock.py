"""Time as a dependency, so that rules about dates can be tested on any date."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Protocol


class Clock(Protocol):
    """Where services get 'now' and 'today' from."""

    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        ...

    def today(self) -> date:
        """The current UTC date."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """The current instant in UTC."""
        return datetime.now(UTC)

    def today(self) -> date:
        """Today's date in UTC."""
        return self.now().date()


class FixedClock:
    """A clock that stands still (tests, replaying history)."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self.at = at

    def now(self) -> datetime:
        """The fixed instant."""
        return self.at

    def today(self) -> date:
        """The fixed instant's date."""
        return self.at.date()
