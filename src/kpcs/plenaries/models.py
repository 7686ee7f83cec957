"""Tables of the plenary calendar and of named chairpersons (reference data, loaded from the
packaged data file; no repository layer)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kpcs.db import Base


class MeetingKind(StrEnum):
    """The KP meets in Plenary once a year, and between plenaries in Intersessional meetings."""

    PLENARY = "plenary"
    INTERSESSIONAL = "intersessional"


class Meeting(Base):
    """A Plenary or Intersessional meeting: where, when, under whose chair, and its communiqué."""

    __tablename__ = "plenary_meetings"
    __table_args__ = (
        sa.UniqueConstraint("key", name="uq_plenary_meetings_key"),
        sa.Index("ix_plenary_meetings_year", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(80))
    year: Mapped[int]
    kind: Mapped[MeetingKind]
    ordinal: Mapped[int | None] = mapped_column(comment="9 for the 9th Plenary, where a source numbers it")
    place: Mapped[str | None] = mapped_column(sa.String(200), comment="city; null where no source names it")
    country: Mapped[str | None] = mapped_column(
        sa.String(2), comment="ISO 3166-1 alpha-2 of the host country"
    )
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    period: Mapped[str] = mapped_column(sa.String(200), comment="when, as the source says it")
    chair_code: Mapped[str | None] = mapped_column(
        sa.ForeignKey("participants.code"), comment="the KP Chair as the source names it for the meeting"
    )
    communique: Mapped[str | None] = mapped_column(
        sa.ForeignKey("registry_sources.id"), comment="the meeting's communiqué, where kpcs ships it"
    )
    sources: Mapped[list[str]]


class ChairPerson(Base):
    """A person a source names as chairing the KP or one of its bodies, over some years."""

    __tablename__ = "chair_persons"
    __table_args__ = (sa.UniqueConstraint("key", name="uq_chair_persons_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(80))
    name: Mapped[str] = mapped_column(sa.String(200))
    office: Mapped[str] = mapped_column(sa.String(200), comment="as the source words it")
    body_code: Mapped[str | None] = mapped_column(
        sa.ForeignKey("working_bodies.code"), comment="null: the Chair of the KP itself"
    )
    participant_code: Mapped[str | None] = mapped_column(
        sa.ForeignKey("participants.code"), comment="the participant or observer the person acted for"
    )
    from_year: Mapped[int]
    to_year: Mapped[int]
    note: Mapped[str | None] = mapped_column(sa.Text)
    sources: Mapped[list[str]]
