"""The issue form: its fields read into a request body, and every problem found at once.

A clerk who mistypes a number should also learn, in the same answer, that the importer's
address is missing and that the importing participant is suspended. So the form is read
leniently: what cannot be read is named, a neutral stand-in takes its place in a *probe*
body, and the rules of the Scheme run on that probe; what the rules then say about a
stand-in is dropped (the clerk already has the real problem for that field).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from kpcs.certificates.rules import Problem
from kpcs.certificates.schemas import CertificateCreate
from kpcs.errors import FieldProblem
from kpcs.web.labels import error_path, plain_message

TEXT_FIELDS = (
    "exporting_country",
    "importing_country",
    "exporter_name",
    "exporter_address",
    "importer_name",
    "importer_address",
    "parcel_count",
    "expires_on",
    "export_dossier",
    # The optional elements (Annex I, B and C; Sections III(d), IV(c)).
    "container_description",
    "seal_numbers",
    "transit",
    "quality_characteristics",
    "additional_information",
)
CHECKBOXES = ("transparent_security_bags", "number_on_container")
LINE_FIELDS = ("hs_code", "origin", "carats", "value_usd", "departed_origin_on", "classification_note")
EMPTY_LINE = {
    "hs_code": "7102.31",
    "origin": "",
    "carats": "",
    "value_usd": "",
    "departed_origin_on": "",
    "classification_note": "",
}
OPTIONAL_FIELDS = (*TEXT_FIELDS[-5:], *CHECKBOXES)
"""The form's fields of the optional elements: the page opens their section if one is filled in."""

# Neutral values for a field that could not be read, so the other rules still run. "ZZ"
# is reserved by ISO 3166 for user assignment: never a real country, never a participant.
_STAND_INS: dict[str, Any] = {
    "exporting_country": "ZZ",
    "importing_country": "ZZ",
    "name": "-",
    "address": "-",
    "hs_code": "7102.31",
    "origin": "mixed",
    "carats": Decimal(1),
    "value_usd": Decimal(1),
    "parcel_count": 1,
    "expires_on": None,
    "export_dossier": None,
    "departed_origin_on": None,
    "classification_note": None,
    "transit": [],
    "seal_numbers": [],
}


@dataclass
class IssueForm:
    """The form as read: what to show again, the body if it is one, and its problems."""

    shown: dict[str, Any]
    body: CertificateCreate | None
    probe: CertificateCreate | None
    problems: list[FieldProblem] = field(default_factory=list)
    stand_ins: set[str] = field(default_factory=set)

    def all_problems(self, check: Callable[[CertificateCreate], Iterable[Problem]]) -> list[FieldProblem]:
        """The form's own problems and every rule ``check`` finds on the probe, once each."""
        found = list(self.problems)
        if self.probe is not None:
            found += [
                FieldProblem(p.field, p.message, rule=p.rule)
                for p in check(self.probe)
                if not self._stood_in(p.field)
            ]
        return found

    def _stood_in(self, path: str) -> bool:
        return any(path == s or path.startswith(s + ".") for s in self.stand_ins) or (
            # Two stand-in countries are "the same participant": not the clerk's problem.
            path == "importing_country" and "exporting_country" in self.stand_ins
        )


def _lines(form: Any) -> list[dict[str, str]]:
    columns = {name: [str(v) for v in form.getlist(name)] for name in LINE_FIELDS}
    count = max((len(values) for values in columns.values()), default=0)
    lines = []
    for index in range(count):
        line = {name: (values[index] if index < len(values) else "") for name, values in columns.items()}
        if any(v.strip() for v in line.values()):
            lines.append(line)
    return lines


def _decimal(text: str) -> Decimal | None:
    # Thousands separators as a clerk types them: "1,520.35" and "1 520.35".
    try:
        value = Decimal(text.replace(",", "").replace(" ", "").strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _codes(text: str) -> list[str]:
    """Seal numbers or participant codes as a clerk types them: one a line, or separated
    by commas or semicolons."""
    return [part.strip() for part in re.split(r"[,;\n]", text) if part.strip()]


def _container(values: dict[str, str], ticked: dict[str, bool]) -> dict[str, Any] | None:
    """The container part of the body, or None if the clerk filled in none of it."""
    seals = _codes(values["seal_numbers"])
    if not (values["container_description"] or seals or any(ticked.values())):
        return None
    return {"description": values["container_description"] or None, "seal_numbers": seals} | ticked


def read_issue_form(form: Any) -> IssueForm:
    """Read the posted issue form (a Starlette ``FormData`` or any ``getlist`` mapping)."""
    values = {name: str(form.get(name, "")).strip() for name in TEXT_FIELDS}
    ticked = {name: form.get(name) == "yes" for name in CHECKBOXES}
    lines = _lines(form)
    problems: list[FieldProblem] = []
    stand_ins: set[str] = set()
    for name in ("exporting_country", "importing_country"):
        if not values[name]:
            problems.append(FieldProblem(name, "choose a country"))
            stand_ins.add(name)
    body_lines: list[dict[str, Any]] = []
    for index, line in enumerate(lines):
        body_line: dict[str, Any] = {
            "hs_code": line["hs_code"],
            "origin": line["origin"],
            "classification_note": line["classification_note"].strip() or None,
        }
        departed = line["departed_origin_on"].strip()
        body_line["departed_origin_on"] = None
        if departed:
            try:
                body_line["departed_origin_on"] = date.fromisoformat(departed)
            except ValueError:
                where = f"lines.{index}.departed_origin_on"
                problems.append(FieldProblem(where, "a date, YYYY-MM-DD"))
                stand_ins.add(where)
        for name in ("carats", "value_usd"):
            number = _decimal(line[name])
            if number is None:
                where = f"lines.{index}.{name}"
                why = "a number, e.g. 1520.35" if line[name].strip() else "required"
                problems.append(FieldProblem(where, why))
                stand_ins.add(where)
            body_line[name] = number
        body_lines.append(body_line)
    parcels: int | None = None
    try:
        parcels = int(values["parcel_count"] or "0")
    except ValueError:
        problems.append(FieldProblem("parcel_count", "a whole number"))
        stand_ins.add("parcel_count")
    expires: date | None = None
    if values["expires_on"]:
        try:
            expires = date.fromisoformat(values["expires_on"])
        except ValueError:
            problems.append(FieldProblem("expires_on", "a date, YYYY-MM-DD"))
            stand_ins.add("expires_on")
    dossier: int | None = None
    if values["export_dossier"]:
        try:
            dossier = int(values["export_dossier"].lstrip("#"))
        except ValueError:
            problems.append(FieldProblem("export_dossier", "the dossier's number, e.g. 12"))
            stand_ins.add("export_dossier")
    raw: dict[str, Any] = {
        "exporting_country": values["exporting_country"],
        "importing_country": values["importing_country"],
        "exporter": {"name": values["exporter_name"], "address": values["exporter_address"]},
        "importer": {"name": values["importer_name"], "address": values["importer_address"]},
        "parcel_count": parcels,
        "lines": body_lines,
        "expires_on": expires,
        "export_dossier": dossier,
        "container": _container(values, ticked),
        "transit": _codes(values["transit"]),
        "quality_characteristics": values["quality_characteristics"] or None,
        "additional_information": values["additional_information"] or None,
    }
    shown = values | ticked | {"lines": lines or [dict(EMPTY_LINE)]}
    body = None
    if not problems:
        try:
            body = CertificateCreate.model_validate(raw)
        except ValidationError:
            body = None
    probe, validation = _probe(raw, stand_ins)
    known = {p.field for p in problems}
    problems += [p for p in validation if p.field not in known]
    return IssueForm(shown=shown, body=body, probe=probe, problems=problems, stand_ins=stand_ins)


def _probe(raw: dict[str, Any], stand_ins: set[str]) -> tuple[CertificateCreate | None, list[FieldProblem]]:
    """The body with a stand-in for every field that is missing or fails validation.

    Stand-ins are set where ``stand_ins`` already names a field, then wherever Pydantic
    objects; a few rounds suffice (each round fixes every field it reports).
    """
    for path in stand_ins:
        _put(raw, path)
    problems: list[FieldProblem] = []
    for _ in range(3):
        try:
            return CertificateCreate.model_validate(raw), problems
        except ValidationError as exc:
            for error in exc.errors():
                path = error_path(error)
                problems.append(FieldProblem(path, plain_message(error)))
                stand_ins.add(path)
                if not _put(raw, path):
                    return None, problems
    return None, problems


def _put(raw: dict[str, Any], path: str) -> bool:
    """Put the stand-in for ``path`` into ``raw``; False if there is none."""
    parts = path.split(".")
    if parts == ["lines"] and isinstance(raw.get("lines"), list):
        raw["lines"] = raw["lines"][:50]
        return True
    name = parts[-1]
    if name not in _STAND_INS:
        return False
    target: Any = raw
    try:
        for part in parts[:-1]:
            target = target[int(part)] if isinstance(target, list) else target[part]
        target[name] = _STAND_INS[name]
    except (KeyError, IndexError, ValueError, TypeError):
        return False
    return True
