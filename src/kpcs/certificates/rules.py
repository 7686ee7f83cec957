"""The rules of the Scheme for certificates, as pure functions (no database, no clock).

Every refusal is a :class:`Problem` naming the field, the rule and the reason in words a
clerk understands; the services collect them all and refuse once, so that a form shows
every mistake at the same time.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from kpcs.certificates import hs_codes
from kpcs.certificates.domain import CancellationReason, CertificateStatus
from kpcs.countries import country_name, is_country
from kpcs.participants.registry import ParticipantKind, ParticipantStatus, StatusEntry, sort_history

HS_IN_SCOPE: dict[str, str] = hs_codes.IN_SCOPE
"""The rough diamonds of the KPCS (Core Document, Section I; Annex III); what every code
covers is in :mod:`kpcs.certificates.hs_codes`."""

MIXED = "mixed"
MAX_LINES = 50
MAX_DECIMALS = 2
MAX_SEAL_LENGTH = 50

ORIGIN_BARRING_STATUSES: frozenset[ParticipantStatus] = frozenset(
    {ParticipantStatus.SUSPENDED, ParticipantStatus.EXPORT_BANNED}
)
"""The statuses under which no rough diamonds may leave a participant: a certificate line
whose origin is such a participant on the date of issue is refused (rule ``origin-barred``),
unless the diamonds left it before the status began. An export ban (Côte d'Ivoire 2005-2014:
its exports stopped, its imports allowed) bars its diamonds as an origin too. ``restricted``
is not one: a restricted participant exports from its compliant zones on approved dossiers,
and those diamonds travel on."""


@dataclass(frozen=True)
class Problem:
    """One reason a request cannot be accepted."""

    field: str
    rule: str
    message: str


@dataclass(frozen=True)
class DraftLine:
    """A shipment line as asked for."""

    hs_code: str
    origin: str
    carats: Decimal
    value_usd: Decimal
    departed_origin_on: date | None = None
    classification_note: str | None = None


@dataclass(frozen=True)
class DraftContainer:
    """The tamper-resistant container as asked for (Section IV(c); Annex I, C)."""

    description: str | None
    seal_numbers: tuple[str, ...] = ()
    transparent_security_bags: bool = False
    number_on_container: bool = False


@dataclass(frozen=True)
class Draft:
    """A certificate as asked for, before any rule is applied."""

    exporting_country: str
    importing_country: str
    exporter_name: str
    exporter_address: str
    importer_name: str
    importer_address: str
    parcel_count: int
    lines: tuple[DraftLine, ...]
    expires_on: date | None = None
    export_dossier: int | None = None
    container: DraftContainer | None = None
    transit: tuple[str, ...] = ()


@dataclass(frozen=True)
class OriginHistory:
    """The participant a line's country of origin is under, with its whole status history
    (the origin rule needs to know when a suspension began, not only that it holds)."""

    code: str
    name: str
    history: tuple[StatusEntry, ...] = ()


@dataclass(frozen=True)
class Standing:
    """A participant as the rules need it: who, what kind, and its status on the day."""

    code: str
    name: str
    kind: ParticipantKind
    status: StatusEntry | None


def hs_code_problem(code: str) -> str | None:
    """Why ``code`` is not a KP HS code, in words (None if it is one)."""
    if code in HS_IN_SCOPE:
        return None
    digits = re.sub(r"\D", "", code)
    if digits.startswith("7104"):
        return (
            f"{code} is a synthetic (laboratory-grown) diamond code: synthetic diamonds are not "
            "KP goods, the Scheme covers natural rough diamonds only (7102.10, 7102.21, 7102.31)"
        )
    if digits in ("710229", "710239"):
        kind = "industrial" if digits == "710229" else "non-industrial (polished)"
        return (
            f"{code} covers worked {kind} diamonds: worked diamonds are not rough diamonds and need "
            "no KP certificate; the Scheme covers unworked or simply sawn, cleaved or bruted "
            "diamonds (7102.10, 7102.21, 7102.31)"
        )
    dotted = f"{digits[:4]}.{digits[4:6]}" if len(digits) == 6 else None
    if dotted in HS_IN_SCOPE:
        return f"write the HS code with a dot: {dotted}"
    return f"{code!r} is not an HS code of rough diamonds: use 7102.10, 7102.21 or 7102.31"


def synthetic_declared(note: str | None) -> str | None:
    """Why a line whose classification note declares its goods synthetic is refused (None
    when the note declares nothing of the kind; "no synthetics found" declares nothing)."""
    word = hs_codes.synthetic_words(note)
    if word is None:
        return None
    return (
        f"the note says {word!r}: synthetic (laboratory-grown) diamonds are not KP goods and travel "
        "under 7104.21 or 7104.91 without a KP certificate; the Scheme covers natural rough diamonds only"
    )


def decimals_problem(value: Decimal) -> str | None:
    """Why ``value`` is not a positive amount with at most two decimals."""
    if not value.is_finite() or value <= 0:
        return "must be greater than zero"
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_DECIMALS:
        return f"at most {MAX_DECIMALS} decimals ({value} has more)"
    return None


def standing_problems(party: Standing, *, role: str, field: str, on: date) -> list[Problem]:
    """Whether ``party`` may export (role 'export') or import (role 'import') on ``on``."""
    when = on.isoformat()
    if not party.kind.trades:
        return [
            Problem(
                field,
                "participants-only",
                f"{party.name} is an observer, not a participant: "
                "KP goods are traded only between participants",
            )
        ]
    entry = party.status
    if entry is None or entry.status is ParticipantStatus.WITHDRAWN:
        return [
            Problem(
                field,
                "participants-only",
                f"{party.name} ({party.code}) is not a participant "
                f"of the Scheme on {when}: trade with non-participants is forbidden",
            )
        ]
    if entry.status is ParticipantStatus.SUSPENDED:
        return [
            Problem(
                field,
                "good-standing",
                f"{party.name} ({party.code}) is suspended since "
                f"{entry.effective_on.isoformat()} ({entry.reason}): a suspended participant "
                "neither exports nor imports",
            )
        ]
    if entry.status is ParticipantStatus.EXPORT_BANNED and role == "export":
        # An export-only measure (Côte d'Ivoire under the UN embargo, 2005-2014): its
        # imports stay lawful, so only this role is refused.
        return [
            Problem(
                field,
                "export-banned",
                f"{party.name} ({party.code}) may not export rough diamonds since "
                f"{entry.effective_on.isoformat()} ({entry.reason}); it may still import",
            )
        ]
    if entry.status is ParticipantStatus.RESTRICTED and role == "export":
        zones = ", ".join(entry.zones)
        return [
            Problem(
                field,
                "restricted-exporter",
                f"{party.name} ({party.code}) may export only from "
                f"its compliant zones ({zones}), each shipment on an approved export dossier",
            )
        ]
    return []


def check_draft(
    draft: Draft,
    *,
    exporter: Standing,
    importer: Standing,
    issuer_participant: str | None,
    today: date,
    max_validity_days: int,
    origins: Mapping[str, OriginHistory] | None = None,
    transit: Mapping[str, Standing] | None = None,
) -> list[Problem]:
    """Every rule of the Scheme that the draft breaks (empty: it may be issued).

    ``issuer_participant`` is the participant the caller acts for; ``None`` means the
    server's operator, who may issue for any participant hosted here. ``origins`` maps a
    line's country of origin to the participant it is under (countries of no participant
    are left out), ``transit`` maps each code of ``draft.transit`` the registry knows to
    that participant, or to the participant that stands for that country.
    """
    problems: list[Problem] = []
    for field, code in (
        ("exporting_country", draft.exporting_country),
        ("importing_country", draft.importing_country),
    ):
        if code != "EU" and not is_country(code):
            problems.append(
                Problem(field, "country-code", f"{code!r} is not an ISO 3166-1 alpha-2 country code")
            )
    problems += standing_problems(exporter, role="export", field="exporting_country", on=today)
    problems += standing_problems(importer, role="import", field="importing_country", on=today)
    if exporter.code == importer.code:
        problems.append(
            Problem(
                "importing_country",
                "distinct-participants",
                f"exporter and importer are both in {exporter.name}: a KP certificate covers "
                "trade between two different participants (trade inside the EU needs none)",
            )
        )
    if issuer_participant is not None and issuer_participant != exporter.code:
        problems.append(
            Problem(
                "exporting_country",
                "own-participant",
                f"the authority of {issuer_participant} issues only for shipments leaving "
                f"{issuer_participant}; this one leaves {exporter.name} ({exporter.code})",
            )
        )
    for field, value in (
        ("exporter.name", draft.exporter_name),
        ("exporter.address", draft.exporter_address),
        ("importer.name", draft.importer_name),
        ("importer.address", draft.importer_address),
    ):
        if not value.strip():
            problems.append(Problem(field, "required", "required on every certificate (Annex I)"))
    if draft.parcel_count < 1:
        problems.append(Problem("parcel_count", "positive-quantity", "a shipment has at least one parcel"))
    if not draft.lines:
        problems.append(Problem("lines", "required", "a certificate has at least one line"))
    if len(draft.lines) > MAX_LINES:
        problems.append(Problem("lines", "too-many-lines", f"at most {MAX_LINES} lines per certificate"))
    for index, line in enumerate(draft.lines):
        where = f"lines.{index}"
        hs = hs_code_problem(line.hs_code)
        if hs:
            problems.append(Problem(f"{where}.hs_code", "hs-code-scope", hs))
        synthetic = synthetic_declared(line.classification_note)
        if synthetic:
            problems.append(Problem(f"{where}.classification_note", "synthetic-declared", synthetic))
        if line.origin != MIXED and not is_country(line.origin):
            problems.append(
                Problem(
                    f"{where}.origin",
                    "origin-country",
                    f"{line.origin!r} is neither an ISO 3166-1 alpha-2 country code nor 'mixed'",
                )
            )
        for name, amount in (("carats", line.carats), ("value_usd", line.value_usd)):
            wrong = decimals_problem(amount)
            if wrong:
                problems.append(Problem(f"{where}.{name}", "positive-quantity", wrong))
        problems += origin_problems(line, (origins or {}).get(line.origin), field=where, on=today)
    problems += container_problems(draft.container)
    problems += transit_problems(draft.transit, transit or {}, exporter=exporter, importer=importer)
    if draft.expires_on is not None:
        latest = today + timedelta(days=max_validity_days)
        if draft.expires_on <= today:
            problems.append(
                Problem("expires_on", "validity", "the expiry date must be after the date of issue")
            )
        elif draft.expires_on > latest:
            problems.append(
                Problem(
                    "expires_on",
                    "validity",
                    f"at most {max_validity_days} days of validity for this authority "
                    f"(until {latest.isoformat()})",
                )
            )
    return problems


def origin_problems(line: DraftLine, origin: OriginHistory | None, *, field: str, on: date) -> list[Problem]:
    """Whether a line's diamonds may come from their country of origin, on the date of issue ``on``.

    A line whose origin is a participant under one of :data:`ORIGIN_BARRING_STATUSES` on
    ``on`` is refused (``origin-barred``), unless the exporter states that the diamonds left
    the origin (``departed_origin_on``) before the bar began: diamonds lawfully out before a
    suspension are not caught by it. The bar begins where the unbroken run of barring
    entries in force on ``on`` began (the Central African Republic was suspended in 2013 and
    its suspension restated in 2015: the bar began in 2013). This is the one place the
    origin rule reads the registry's status kinds. A "mixed" line names no origin to check.
    ``field`` is the line's path (``lines.0``).
    """
    problems: list[Problem] = []
    departed = line.departed_origin_on
    if departed is not None and departed > on:
        problems.append(
            Problem(
                f"{field}.departed_origin_on",
                "departure-date",
                f"the diamonds cannot have left their origin after the date of issue ({on.isoformat()})",
            )
        )
    if origin is None or line.origin == MIXED:
        return problems
    start: StatusEntry | None = None
    for entry in sort_history(origin.history):
        if entry.effective_on > on:
            break
        # A status that does not bar ends the run: a later bar starts afresh.
        start = (start or entry) if entry.status in ORIGIN_BARRING_STATUSES else None
    if start is None:
        return problems
    since = start.effective_on.isoformat()
    what = f"{origin.name} ({origin.code}) is {start.status.value} since {since} ({start.reason})"
    if departed is None:
        problems.append(
            Problem(
                f"{field}.origin",
                "origin-barred",
                f"{what}: rough diamonds from it are not accepted on a certificate, unless they left it "
                f"before {since} and you say when (the line's date of departure from the origin)",
            )
        )
    elif departed >= start.effective_on:
        problems.append(
            Problem(
                f"{field}.departed_origin_on",
                "origin-barred",
                f"{what}: diamonds that left it on {departed.isoformat()} left after the bar began; "
                f"only diamonds that left before {since} may be certified",
            )
        )
    return problems


def container_problems(container: DraftContainer | None) -> list[Problem]:
    """What is wrong with the container as stated (Section IV(c); Annex I, C)."""
    if container is None:
        return []
    problems: list[Problem] = []
    if not (container.description or "").strip() and not container.seal_numbers:
        problems.append(
            Problem(
                "container",
                "container",
                "describe the tamper-resistant container or give its seal numbers "
                "(or leave the container out)",
            )
        )
    seen: set[str] = set()
    for index, seal in enumerate(container.seal_numbers):
        where = f"container.seal_numbers.{index}"
        if not seal.strip():
            problems.append(Problem(where, "seal-numbers", "a seal number may not be blank"))
        elif len(seal) > MAX_SEAL_LENGTH:
            problems.append(Problem(where, "seal-numbers", f"at most {MAX_SEAL_LENGTH} characters"))
        elif seal.upper() in seen:
            problems.append(Problem(where, "seal-numbers", f"seal {seal} is listed twice"))
        seen.add(seal.upper())
    return problems


def transit_problems(
    codes: Sequence[str], known: Mapping[str, Standing], *, exporter: Standing, importer: Standing
) -> list[Problem]:
    """What is wrong with the participants a shipment transits (Section III(d)).

    Each is a participant code of the registry (a member state is named by the participant
    that stands for it: ``EU``), neither the exporter nor the importer, listed once.
    """
    problems: list[Problem] = []
    seen: set[str] = set()
    for index, code in enumerate(codes):
        where = f"transit.{index}"
        party = known.get(code)
        if party is None or party.kind is not ParticipantKind.PARTICIPANT:
            what = f"{party.name} is an observer" if party else f"{code!r} is not in the registry"
            problems.append(
                Problem(where, "transit-participant", f"{what}: name a participant by its code (e.g. AE, EU)")
            )
        elif party.code != code:
            problems.append(
                Problem(
                    where,
                    "transit-participant",
                    f"{code} is part of {party.name}: name the participant, {party.code}",
                )
            )
        elif code in (exporter.code, importer.code):
            side = "exporter" if code == exporter.code else "importer"
            problems.append(
                Problem(
                    where,
                    "transit-participant",
                    f"{code} is the {side}'s participant, not a participant the shipment passes through",
                )
            )
        elif code in seen:
            problems.append(Problem(where, "transit-participant", f"{code} is listed twice"))
        seen.add(code)
    return problems


def return_slip_problems(
    hs_codes_received: Sequence[str] | None, seals: Sequence[str] | None
) -> list[Problem]:
    """What is wrong with the return slip's HS codes and seal numbers as given."""
    problems: list[Problem] = []
    for index, code in enumerate(hs_codes_received or ()):
        wrong = hs_code_problem(code)
        if wrong:
            problems.append(Problem(f"hs_codes_received.{index}", "hs-code-scope", wrong))
    seen: set[str] = set()
    for index, seal in enumerate(seals or ()):
        where = f"seals.{index}.number"
        if not seal:
            problems.append(Problem(where, "seal-numbers", "a seal number may not be blank"))
        elif seal.upper() in seen:
            problems.append(Problem(where, "seal-numbers", f"seal {seal} is listed twice"))
        seen.add(seal.upper())
    return problems


def expiry_date(today: date, requested: date | None, default_days: int) -> date:
    """The expiry date: the one asked for, or the authority's default validity."""
    return requested if requested is not None else today + timedelta(days=default_days)


def format_number(participant: str, year: int, serial: int) -> str:
    """A certificate number: the issuing participant's code, the year, a serial."""
    return f"{participant}-{year}-{serial:06d}"


def effective_status(status: CertificateStatus, expires_on: date, today: date) -> str:
    """The status a person sees: ``expired`` is an issued certificate past its expiry date."""
    if status is CertificateStatus.ISSUED and expires_on < today:
        return "expired"
    return status.value


def shown_status(status: str, *, discrepancies: bool) -> str:
    """The status as pages show it: a return slip that reports goods differing from the
    certificate is not the same news as a clean one (the API keeps ``confirmed``)."""
    return (
        "confirmed with discrepancies" if status == CertificateStatus.CONFIRMED and discrepancies else status
    )


def reminder_problems(
    status: CertificateStatus, *, last_sent_at: datetime | None, now: datetime
) -> list[Problem]:
    """Why the importing authority cannot be reminded of this certificate now.

    One reminder a day at most: a reminder is a letter from one authority to another, not
    an alarm, and a second click the same day is far more likely a mistake.
    """
    if status is CertificateStatus.CONFIRMED:
        return [Problem("certificate", "confirmed", "the import is already confirmed: nothing to chase")]
    if status is CertificateStatus.CANCELLED:
        return [Problem("certificate", "cancelled", "the certificate was cancelled: nothing to confirm")]
    if last_sent_at is not None and last_sent_at.date() == now.date():
        return [
            Problem(
                "certificate",
                "one-reminder-a-day",
                f"a reminder already went today at {last_sent_at:%H:%M} UTC (one a day at most)",
            )
        ]
    return []


def confirmation_problems(
    status: CertificateStatus, *, issued_on: date, expires_on: date, received_on: date, today: date
) -> list[Problem]:
    """Why an import cannot be confirmed with this date of receipt.

    The return slip may be sent after the certificate's expiry (paperwork is late), but
    the goods must have arrived while it was valid.
    """
    if status is CertificateStatus.CONFIRMED:
        return [Problem("certificate", "confirmed-once", "this import was already confirmed")]
    if status is CertificateStatus.CANCELLED:
        return [Problem("certificate", "cancelled", "a cancelled certificate cannot be confirmed")]
    problems = []
    if received_on > today:
        problems.append(Problem("received_on", "date", "the date of receipt is in the future"))
    if received_on < issued_on:
        problems.append(Problem("received_on", "date", f"before the date of issue ({issued_on.isoformat()})"))
    elif received_on > expires_on:
        problems.append(
            Problem(
                "received_on",
                "expired",
                f"the certificate expired on {expires_on.isoformat()}, before the shipment "
                "was received: an expired certificate cannot cover an import",
            )
        )
    return problems


def discrepancies(
    *,
    carats: Decimal,
    value_usd: Decimal,
    parcels: int,
    carats_received: Decimal | None,
    value_usd_received: Decimal | None,
    parcels_received: int | None,
    hs_codes: Sequence[str] = (),
    hs_codes_received: Sequence[str] | None = None,
    seal_numbers: Sequence[str] = (),
    seals_received: Mapping[str, bool] | None = None,
) -> list[dict[str, str | int]]:
    """Where the goods received differ from the certificate (flagged to both sides).

    HS codes are compared as sets (the lines' codes against those received); seals one by
    one: a seal found broken, a seal of the certificate not found, a seal found that the
    certificate does not state. Nothing is compared that the importer did not report.
    """
    found: list[dict[str, str | int]] = []
    if carats_received is not None and carats_received != carats:
        found.append({"field": "carats", "certificate": str(carats), "received": str(carats_received)})
    if value_usd_received is not None and value_usd_received != value_usd:
        found.append(
            {"field": "value_usd", "certificate": str(value_usd), "received": str(value_usd_received)}
        )
    if parcels_received is not None and parcels_received != parcels:
        found.append({"field": "parcel_count", "certificate": parcels, "received": parcels_received})
    if hs_codes_received is not None and set(hs_codes_received) != set(hs_codes):
        found.append(
            {
                "field": "hs_code",
                "certificate": ", ".join(sorted(set(hs_codes))),
                "received": ", ".join(sorted(set(hs_codes_received))) or "none",
            }
        )
    if seals_received is not None:
        stated = {seal.upper() for seal in seal_numbers}
        reported = {seal.upper() for seal in seals_received}
        for seal in seal_numbers:
            if seal.upper() not in reported:
                found.append({"field": "seal", "certificate": seal, "received": "not found"})
        for seal, intact in seals_received.items():
            if seal.upper() not in stated:
                found.append({"field": "seal", "certificate": "not stated", "received": seal})
            elif not intact:
                found.append({"field": "seal", "certificate": seal, "received": "broken"})
    return found


_REASON_WORDS = {reason: reason.value.replace("_", " ") for reason in CancellationReason}


def parse_cancellation_reason(text: str, note: str | None = None) -> tuple[CancellationReason, str | None]:
    """A reason code from the list, accepting its words too ("Printing error"); anything
    else is ``other`` with the text kept as the note, so nothing the caller wrote is lost."""
    cleaned = text.strip()
    key = cleaned.lower().replace("-", "_").replace(" ", "_")
    for reason in CancellationReason:
        if key == reason.value:
            return reason, (note or None)
    if not cleaned:
        raise ValueError("a reason is required: " + ", ".join(_REASON_WORDS.values()))
    combined = cleaned if not note else f"{cleaned}: {note}"
    return CancellationReason.OTHER, combined


def origin_label(origin: str) -> str:
    """How an origin is printed: a country name, or 'Mixed'."""
    return "Mixed" if origin == MIXED else country_name(origin)
