"""Problems in the words of the form: a field named as its label reads it ("Line 1 — value
in US$"), never as the request path (``lines.0.value_usd``), and Pydantic's messages in
plain words. The API keeps the paths; only pages use this."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kpcs.errors import FieldProblem

# The issue form's labels, as new.html and _line.html print them. A line field is keyed
# ``lines.*.<name>`` and shown after "Line N —".
CERTIFICATE_LABELS: Mapping[str, str] = {
    "certificate": "",
    "exporting_country": "Exporting country",
    "importing_country": "Importing country",
    "exporter": "Exporter",
    "exporter.name": "Exporter — name",
    "exporter.address": "Exporter — address",
    "importer": "Importer",
    "importer.name": "Importer — name",
    "importer.address": "Importer — address",
    "parcel_count": "Number of parcels",
    "expires_on": "Expires on",
    "export_dossier": "Export dossier",
    "lines": "Shipment lines",
    "lines.*.hs_code": "HS code",
    "lines.*.origin": "origin",
    "lines.*.carats": "carats",
    "lines.*.value_usd": "value in US$",
    "lines.*.departed_origin_on": "left the origin on",
    "container": "Tamper-resistant container",
    "container.description": "Container",
    "container.seal_numbers": "Seal numbers",
    "transit": "In transit through",
    "quality_characteristics": "Quality characteristics",
    "additional_information": "Additional information",
    # The certificate page's action forms.
    "received_on": "Date received",
    "carats_received": "Carats received",
    "value_usd_received": "Value received (US$)",
    "parcels_received": "Parcels received",
    "hs_codes_received": "HS codes received",
    "seals": "Seals found",
    "note": "Note",
    "reason": "Reason",
    "kind": "Lost or stolen",
    "confirm": "",
    "days": "Older than (days)",
}

# The statistical assessment of a proposed export (statistics/assess.html).
ASSESSMENT_LABELS: Mapping[str, str] = {
    "proposal": "",
    "exporter": "Exporter",
    "carats": "Carats",
    "value_usd": "Value (US$)",
    "hs_code": "HS code",
    "origin": "Origin",
}

# The export dossier's forms (dossiers/list.html, dossiers/detail.html).
DOSSIER_LABELS: Mapping[str, str] = {
    "exporting_country": "Exporting country",
    "zone": "Zone",
    "carats": "Carats",
    "value_usd": "Value (US$)",
    "notes": "Notes",
    "parcels": "Parcels",
    "parcel_count": "Number of parcels",
    "lines": "Shipment line",
    "lines.*.hs_code": "HS code",
    "lines.*.origin": "origin",
    "lines.*.carats": "carats",
    "lines.*.value_usd": "value in US$",
    "lines.*.classification_note": "classification note",
    "assortment": "Assortment",
    "assortment.sieve_classes": "Assortment — sieve classes",
    "assortment.colours": "Assortment — colours",
    "assortment.qualities": "Assortment — qualities",
    "conclusion": "Conclusion",
    "decision": "Decision",
    "reason": "Reason",
}

# The footprint forms (footprints/list.html).
FOOTPRINT_LABELS: Mapping[str, str] = {
    "participant": "Participant",
    "zone": "Zone",
    "sizes": "Sieve classes",
    "colours": "Colours",
    "qualities": "Qualities",
    "usd_per_carat": "US$ per carat",
    "stones": "Stones",
    "as_of": "As of",
    "notes": "Notes",
}

_LINE = re.compile(r"^lines\.(\d+)\.(\w+)$")
_ITEM = re.compile(r"^([\w.]+?)\.(\d+)(?:\.\w+)?$")  # seals.0.number, container.seal_numbers.2


def field_label(field: str, labels: Mapping[str, str] = CERTIFICATE_LABELS) -> str:
    """The label a clerk sees for ``field`` ("" for a problem with the whole form)."""
    if field in labels:
        return labels[field]
    line = _LINE.match(field)
    if line:
        part = labels.get(f"lines.*.{line[2]}", _words(line[2]))
        return f"Line {int(line[1]) + 1} — {part}"
    item = _ITEM.match(field)
    if item and item[1] in labels:
        return f"{labels[item[1]]} — {int(item[2]) + 1}"
    return " — ".join(_words(part) for part in field.split(".")).capitalize()


def _words(name: str) -> str:
    return name.replace("_usd", " in US$").replace("_", " ")


def plain_message(error: Mapping[str, Any]) -> str:
    """A Pydantic error (one of ``ValidationError.errors()``) in words for a clerk."""
    kind = str(error.get("type", ""))
    context = error.get("ctx") or {}
    if kind == "missing":
        return "required"
    if kind == "string_too_short":
        return (
            "required"
            if context.get("min_length", 1) <= 2
            else f"at least {context['min_length']} characters"
        )
    if kind == "string_too_long":
        return f"at most {context.get('max_length')} characters"
    if kind == "too_long":
        return f"at most {context.get('max_length')}"
    if kind in ("decimal_max_digits", "decimal_whole_digits"):
        return "too many digits"
    if kind == "decimal_max_places":
        return f"at most {context.get('decimal_places')} decimals"
    if kind in ("greater_than_equal", "greater_than"):
        return f"at least {context.get('ge', context.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"at most {context.get('le', context.get('lt'))}"
    if kind.startswith(("decimal", "float", "int")):
        return "a number, e.g. 1520.35"
    if kind.startswith("date"):
        return "a date, YYYY-MM-DD"
    if kind == "extra_forbidden":
        return "not a field of this form"
    return str(error.get("msg", "not accepted")).removeprefix("Value error, ")


def error_path(error: Mapping[str, Any]) -> str:
    """A Pydantic error's location as a dotted field path (``lines.0.carats``)."""
    return ".".join(str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path"))


@dataclass(frozen=True)
class ShownProblem:
    """A problem as a page shows it: the field's label and the reason."""

    field: str
    label: str
    message: str


def shown(
    problems: Iterable[FieldProblem], labels: Mapping[str, str] = CERTIFICATE_LABELS
) -> list[ShownProblem]:
    """Problems with their labels, each once, in the order found."""
    seen: dict[tuple[str, str], ShownProblem] = {}
    for problem in problems:
        key = (problem.field, problem.message)
        if key not in seen:
            seen[key] = ShownProblem(problem.field, field_label(problem.field, labels), problem.message)
    return list(seen.values())


def sentence(problems: Iterable[FieldProblem], labels: Mapping[str, str] = CERTIFICATE_LABELS) -> str:
    """Problems as one line of text: "Date received: a date, YYYY-MM-DD; Note: required"."""
    return "; ".join(f"{p.label}: {p.message}" if p.label else p.message for p in shown(problems, labels))
