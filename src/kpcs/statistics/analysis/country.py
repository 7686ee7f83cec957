"""The annual statistical country analysis (AD 02/2013; ANALYSIS.md "What an automated
country analysis contains"): for one participant and year, the headline figures against
the year before, ten years of production and trade, $/carat against the world and its
peers, the main partners with their mirror figures, the balance of production and trade,
certificate metrics, the year's anomalies and where its questionnaire stands.

Pure domain code: frames of figures in, a :class:`CountryAnalysis` out. The same inputs,
read once, serve every participant (``kpcs statistics analyses`` makes sixty in one run).
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from typing import Any

import polars as pl

HISTORY_YEARS = 10
TOP_PARTNERS = 10

_MEASURES = (
    ("Production", "production_carats", "production_value_usd", "production_usd_per_carat", None),
    ("Exports", "export_carats", "export_value_usd", "export_usd_per_carat", "export_certificates"),
    ("Imports", "import_carats", "import_value_usd", "import_usd_per_carat", "import_certificates"),
)


@dataclass(frozen=True)
class CountryAnalysis:
    """Everything the page and the PDF show, as plain data."""

    participant: str
    name: str
    year: int
    role: str
    peers: list[str]
    headline: list[dict[str, Any]]
    history: list[dict[str, Any]]
    partners: dict[str, list[dict[str, Any]]]
    certificates: list[dict[str, Any]]
    anomalies: list[dict[str, Any]]
    questionnaire: dict[str, Any] | None
    sources: dict[str, str | None]
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return asdict(self)


def _ratio(value: float | None, carats: float | None) -> float | None:
    return round(value / carats, 2) if value is not None and carats else None


def _change(now: float | None, before: float | None) -> float | None:
    return round((now - before) / before * 100, 1) if now is not None and before else None


def world_by_year(by_year: pl.DataFrame) -> dict[int, dict[str, Any]]:
    """Per year: world export $/ct, and each participant's role and export $/ct (for peers)."""
    world: dict[int, dict[str, Any]] = {}
    for row in by_year.iter_rows(named=True):
        year = world.setdefault(row["year"], {"export_carats": 0.0, "export_value_usd": 0.0, "members": {}})
        if row["export_carats"] and row["export_value_usd"] is not None:
            year["export_carats"] += row["export_carats"]
            year["export_value_usd"] += row["export_value_usd"]
        year["members"][row["participant"]] = (
            "producer" if (row["production_carats"] or 0) > 0 else "trading",
            _ratio(row["export_value_usd"], row["export_carats"]),
        )
    return world


def analyse(
    code: str,
    name: str,
    year: int,
    *,
    by_year: pl.DataFrame,
    world: dict[int, dict[str, Any]],
    partners: pl.DataFrame,
    anomalies: list[dict[str, Any]],
    questionnaire: dict[str, Any] | None,
    names: dict[str, str],
    cif_fob_factor: float = 1.06,
) -> CountryAnalysis:
    """The analysis of ``code`` for ``year``.

    ``by_year``: per participant and year, the public summary's columns (production,
    exports, imports, $/ct, certificate counts, sources); ``world``: :func:`world_by_year`
    of it; ``partners``: the year's trade per participant, flow and partner (carats,
    value_usd, certificates) for every participant, so that mirror figures can be read.
    """
    own = {r["year"]: r for r in by_year.filter(pl.col("participant") == code).iter_rows(named=True)}
    this, last = own.get(year, {}), own.get(year - 1, {})
    role = world.get(year, {}).get("members", {}).get(code, ("trading", None))[0]
    peers = sorted(
        other
        for other, (kind, _uv) in world.get(year, {}).get("members", {}).items()
        if kind == role and other != code
    )
    headline = []
    for label, carats, value, uv, count in _MEASURES:
        for measure, key in (("carats", carats), ("US$", value), ("US$/carat", uv), ("certificates", count)):
            if key is None:
                continue
            now, before = this.get(key), last.get(key)
            headline.append({"flow": label, "measure": measure, "year": now, "previous": before,
                             "change_percent": _change(now, before)})  # fmt: skip
    balance_now = _balance(this)
    headline.append({"flow": "Balance", "measure": "carats", "year": balance_now, "previous": _balance(last),
                     "change_percent": _change(balance_now, _balance(last))})  # fmt: skip

    history = []
    for y in range(year - HISTORY_YEARS + 1, year + 1):
        row = own.get(y, {})
        members = world.get(y, {}).get("members", {})
        peer_values = [uv for other, (kind, uv) in members.items() if kind == role and other != code and uv]
        totals = world.get(y, {})
        history.append(
            {
                "year": y,
                **{k: row.get(k) for m in _MEASURES for k in m[1:] if k is not None},
                "world_export_usd_per_carat": _ratio(
                    totals.get("export_value_usd"), totals.get("export_carats")
                ),
                "peer_export_usd_per_carat": round(statistics.median(peer_values), 2)
                if peer_values
                else None,
                "balance_carats": _balance(row),
            }
        )

    return CountryAnalysis(
        participant=code,
        name=name,
        year=year,
        role=role,
        peers=peers,
        headline=headline,
        history=history,
        partners=_partners(code, partners, names, cif_fob_factor),
        certificates=_certificates(own, year),
        anomalies=anomalies,
        questionnaire=questionnaire,
        sources={"production": this.get("production_source"), "trade": this.get("trade_source")},
        notes=_notes(this, role, peers),
    )


def _balance(row: dict[str, Any]) -> float | None:
    if not row or all(row.get(k) is None for k in ("production_carats", "import_carats", "export_carats")):
        return None
    return round(
        (row.get("production_carats") or 0)
        + (row.get("import_carats") or 0)
        - (row.get("export_carats") or 0),
        2,
    )


def _partners(
    code: str, partners: pl.DataFrame, names: dict[str, str], cif_fob_factor: float
) -> dict[str, list[dict[str, Any]]]:
    """The main partners per flow by value, with what each partner reported for the same
    trade (an importer's CIF brought back to FOB) and the discrepancy indices."""
    mirror_flow = {"export": "import", "import": "export"}
    out: dict[str, list[dict[str, Any]]] = {}
    for flow in ("export", "import"):
        mine = partners.filter((pl.col("participant") == code) & (pl.col("flow") == flow))
        theirs = {
            r["participant"]: r
            for r in partners.filter(
                (pl.col("partner") == code) & (pl.col("flow") == mirror_flow[flow])
            ).iter_rows(named=True)
        }
        total = mine["value_usd"].sum() or 0.0
        rows = []
        for r in mine.sort("value_usd", descending=True).head(TOP_PARTNERS).iter_rows(named=True):
            other = theirs.get(r["partner"])
            # Importers value at CIF: bring their figure back to FOB before comparing.
            m_value = (
                None if other is None else other["value_usd"] / (cif_fob_factor if flow == "export" else 1)
            )
            x_value = r["value_usd"] if flow == "export" else r["value_usd"] / cif_fob_factor
            m_carats = None if other is None else other["carats"]
            rows.append(
                {
                    "partner": r["partner"],
                    "name": names.get(r["partner"], r["partner"]),
                    "carats": round(r["carats"], 2),
                    "value_usd": round(r["value_usd"], 2),
                    "usd_per_carat": _ratio(r["value_usd"], r["carats"]),
                    "share_percent": round(r["value_usd"] / total * 100, 1) if total else None,
                    "mirror_carats": None if m_carats is None else round(m_carats, 2),
                    "mirror_value_usd": None if m_value is None else round(m_value, 2),
                    "di_carats": _di(r["carats"], m_carats),
                    "di_value": _di(x_value, m_value),
                }
            )
        out[flow] = rows
    return out


def _di(mine: float | None, theirs: float | None) -> float | None:
    """The discrepancy index (mine − theirs)/(mine + theirs): 0 when they agree, ±1 when
    one side reported nothing."""
    if mine is None or theirs is None or mine + theirs == 0:
        return None
    return round((mine - theirs) / (mine + theirs), 3)


def _certificates(own: dict[int, dict[str, Any]], year: int) -> list[dict[str, Any]]:
    """Certificates per year (five years), with carats and US$ per certificate."""
    rows = []
    for y in range(year - 4, year + 1):
        r = own.get(y, {})
        row: dict[str, Any] = {"year": y}
        for flow in ("export", "import"):
            count = r.get(f"{flow}_certificates")
            row[f"{flow}_certificates"] = count
            row[f"{flow}_carats_per_certificate"] = _ratio(r.get(f"{flow}_carats"), count)
            row[f"{flow}_usd_per_certificate"] = _ratio(r.get(f"{flow}_value_usd"), count)
        rows.append(row)
    return rows


def _notes(this: dict[str, Any], role: str, peers: list[str]) -> list[str]:
    """Where the figures come from, in words."""
    notes = []
    if this.get("production_source") == "published":
        notes.append("Production is the figure the KP published (no half-yearly submission in kpcs).")
    if this.get("trade_source") == "derived":
        notes.append(
            "Trade is derived from the participant's certificates in kpcs (no trade statistics reported)."
        )
    if not this:
        notes.append("No figures for this year: nothing was submitted, published or certified.")
    kind = "producing" if role == "producer" else "trading (non-producing)"
    notes.append(f"Peers are the other {kind} participants of the year ({len(peers)}).")
    return notes
