"""Tables of the registry. Reference data, so no repository layer (STYLE anti-pattern 3):
services query these models through the session directly."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kpcs.db import Base
from kpcs.participants.bodies import BodyKind
from kpcs.participants.registry import DateBound, ParticipantKind, ParticipantStatus, RegimeKind, StatusEntry

REGISTRY_RECORDER = "registry"
"""``recorded_by`` of status entries loaded from the registry data file."""


class RegistrySource(Base):
    """A document the registry cites (a plenary communiqué, a web page)."""

    __tablename__ = "registry_sources"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    title: Mapped[str] = mapped_column(sa.Text)
    reference: Mapped[str] = mapped_column(sa.Text, comment="repo-relative file or URL")


class Participant(Base):
    """A Participant of the KPCS (a country, or the EU for its member states) or an Observer."""

    __tablename__ = "participants"

    code: Mapped[str] = mapped_column(
        sa.String(8), primary_key=True, comment="ISO 3166-1 alpha-2, EU, or an observer's code"
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[ParticipantKind]
    countries: Mapped[list[str]] = mapped_column(
        comment="alpha-2 codes this participant stands for ([] for observers)"
    )
    country_notes: Mapped[list[dict[str, Any]]] = mapped_column(
        sa.JSON,
        server_default=sa.text("'[]'"),
        comment="[{country, note, sources}]: why a country is among `countries`, where it is not "
        "self-evident (Greenland takes part through the EU)",
    )
    status_history: Mapped[list[ParticipantStatusChange]] = relationship(
        back_populates="participant",
        order_by="(ParticipantStatusChange.effective_on, ParticipantStatusChange.id)",
        cascade="save-update, merge",
    )
    authorities: Mapped[list[Authority]] = relationship(back_populates="participant", order_by="Authority.id")
    regimes: Mapped[list[ParticipantRegime]] = relationship(
        back_populates="participant",
        order_by="(ParticipantRegime.starts_on, ParticipantRegime.id)",
        cascade="save-update, merge",
    )

    def history_entries(self) -> list[StatusEntry]:
        """The status history as domain values, in recording order."""
        return [change.to_entry() for change in sorted(self.status_history, key=lambda c: c.id)]


class ParticipantStatusChange(Base):
    """One change of a participant's status. Rows are only ever added, never updated
    by users: the history is what other participants relied on at the time."""

    __tablename__ = "participant_status_changes"
    __table_args__ = (
        sa.Index("ix_participant_status_changes_participant_effective", "participant_code", "effective_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_code: Mapped[str] = mapped_column(sa.ForeignKey("participants.code", ondelete="RESTRICT"))
    status: Mapped[ParticipantStatus]
    effective_on: Mapped[date]
    date_bound: Mapped[DateBound | None] = mapped_column(
        comment="set when effective_on is only a bound (no source gives the day)"
    )
    reason: Mapped[str] = mapped_column(sa.Text)
    zones: Mapped[list[str]] = mapped_column(comment="compliant zones, for restricted only")
    sources: Mapped[list[str]] = mapped_column(
        comment="citations '<source id> <locator>'; empty when entered by an admin"
    )
    unsourced: Mapped[str | None] = mapped_column(
        sa.Text, comment="why no source could be cited (registry data only)"
    )
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[str] = mapped_column(
        sa.String(120), comment="'registry' for the data file, else the actor"
    )

    participant: Mapped[Participant] = relationship(back_populates="status_history")

    def to_entry(self) -> StatusEntry:
        """This row as a domain value."""
        return StatusEntry(
            status=self.status,
            effective_on=self.effective_on,
            reason=self.reason,
            zones=tuple(self.zones),
        )


class ParticipantRegime(Base):
    """A special regime over part of a participant's trade, as the registry data file
    records it (e.g. Zimbabwe's Marange exports under a KP monitor until November 2011).

    A record for the participant's page and API: the certificate rules do not read it
    (the participant's status does what blocks or allows trade).
    """

    __tablename__ = "participant_regimes"
    __table_args__ = (sa.UniqueConstraint("participant_code", "kind", "area"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_code: Mapped[str] = mapped_column(sa.ForeignKey("participants.code", ondelete="RESTRICT"))
    kind: Mapped[RegimeKind]
    area: Mapped[str] = mapped_column(sa.String(200), comment="the mining area or zone the regime covers")
    starts_on: Mapped[date | None] = mapped_column(comment="null when no source gives the start")
    ends_on: Mapped[date | None] = mapped_column(comment="null while in force or when not sourced")
    description: Mapped[str] = mapped_column(sa.Text)
    sources: Mapped[list[str]]
    unsourced: Mapped[str | None] = mapped_column(sa.Text)

    participant: Mapped[Participant] = relationship(back_populates="regimes")


class Authority(Base):
    """A KP authority of a participant: the office that issues and receives certificates."""

    __tablename__ = "authorities"
    __table_args__ = (sa.UniqueConstraint("participant_code", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_code: Mapped[str] = mapped_column(sa.ForeignKey("participants.code"))
    name: Mapped[str] = mapped_column(sa.String(300))
    sources: Mapped[list[str]]
    default_validity_days: Mapped[int] = mapped_column(
        default=60, comment="validity given to a certificate when none is asked for"
    )
    max_validity_days: Mapped[int] = mapped_column(
        default=60, comment="longest validity this authority allows"
    )

    participant: Mapped[Participant] = relationship(back_populates="authorities")


class MembershipRole(StrEnum):
    """How a participant or observer sits on a working body in a given year."""

    CHAIR = "chair"
    VICE_CHAIR = "vice_chair"
    MEMBER = "member"
    PROVISIONAL_MEMBER = "provisional_member"
    OBSERVER = "observer"


class WorkingBody(Base):
    """A working group or committee of the KP (WGM, WGS, WGDE, WGAAP, CPC, CRP, ...)."""

    __tablename__ = "working_bodies"

    code: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[BodyKind] = mapped_column(
        default=BodyKind.WORKING_GROUP, server_default=BodyKind.WORKING_GROUP.value
    )
    active_from: Mapped[int | None] = mapped_column(comment="first year of work, where a source gives it")
    active_to: Mapped[int | None] = mapped_column(comment="last year of work (ad hoc bodies), where known")
    purpose: Mapped[str] = mapped_column(sa.Text)
    sources: Mapped[list[str]]

    memberships: Mapped[list[WorkingBodyMembership]] = relationship(
        back_populates="body",
        order_by="(WorkingBodyMembership.year, WorkingBodyMembership.role, "
        "WorkingBodyMembership.participant_code)",
    )


class WorkingBodyMembership(Base):
    """A participant's or observer's seat on a working body in one year, as a source says."""

    __tablename__ = "working_body_memberships"
    __table_args__ = (sa.UniqueConstraint("body_code", "year", "participant_code", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_code: Mapped[str] = mapped_column(sa.ForeignKey("working_bodies.code"))
    year: Mapped[int]
    participant_code: Mapped[str] = mapped_column(sa.ForeignKey("participants.code"))
    role: Mapped[MembershipRole]
    sources: Mapped[list[str]]

    body: Mapped[WorkingBody] = relationship(back_populates="memberships")
    participant: Mapped[Participant] = relationship()


class KPChair(Base):
    """The Chair and Vice-Chair of the Kimberley Process for a calendar year."""

    __tablename__ = "kp_chairs"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    chair_code: Mapped[str | None] = mapped_column(sa.ForeignKey("participants.code"))
    vice_chair_code: Mapped[str | None] = mapped_column(sa.ForeignKey("participants.code"))
    sources: Mapped[list[str]]


class RegistryRevision(Base):
    """A single counter, raised by every change to participants or their status.

    Processes keep a snapshot of the registry in memory (it is read on every certificate
    issued) and rebuild it when this number moves; one indexed read per use instead of
    loading every participant's history.
    """

    __tablename__ = "registry_revision"
    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    revision: Mapped[int]
