"""The published stand-in for the valuation reference, below 20 certificates (CONTRACT.md).

What is public: the KP's production figures by participant and year, carats and US$
(``statistics/data/kp-production-by-participant.csv``, each row with its source). Their
quotient is the average $/ct of what a producer mined, valued at the mine gate. It stands
for an exporter's *run-of-mine* goods of that origin, and for nothing finer: it knows no HS
code, no sorting, no trader's margin. So the stand-in

- is the $/ct of the origin's production pooled over its :data:`YEARS` latest years with
  both figures (one year's mix of mines can swing it);
- covers only the origins the file names (no ``mixed``, no ``OTHERS``) and the HS codes of
  gem and unsorted goods, ``7102.10`` and ``7102.31``: industrial diamonds (``7102.21``)
  sell at a small fraction of a producer's average, and no public figure says which;
- carries the nominal, wide spread :data:`kpcs.expertise.valuation.PUBLISHED_SPREAD`, so
  only gross departures (a tenth, ten times) warn on it.

docs/valuation.md says the same for readers of the warnings.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache

from kpcs.expertise.valuation import PUBLISHED_SPREAD, Basis, Reference
from kpcs.statistics.public.published import PRODUCTION_FILE

YEARS = 3
"""Latest years pooled per producer."""
HS_CODES = frozenset({"7102.10", "7102.31"})
"""The HS codes production $/ct may stand in for."""


@dataclass(frozen=True)
class ProductionPrice:
    """A producer's production $/ct over some years, from the published figures."""

    participant: str
    usd_per_carat: float
    years: tuple[int, ...]
    carats: float
    value_usd: float


@lru_cache(maxsize=1)
def production_prices() -> dict[str, ProductionPrice]:
    """Every producer's pooled production $/ct (read once from the shipped file)."""
    by_participant: dict[str, dict[int, tuple[float, float]]] = {}
    with PRODUCTION_FILE.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            code = row["participant"].strip()
            if code == "OTHERS" or not row["carats"].strip() or not row["value_usd"].strip():
                continue
            carats, value = float(row["carats"]), float(row["value_usd"])
            if carats > 0 and value > 0:
                by_participant.setdefault(code, {})[int(row["year"])] = (carats, value)
    prices = {}
    for code, years in by_participant.items():
        latest = sorted(years)[-YEARS:]
        carats = sum(years[y][0] for y in latest)
        value = sum(years[y][1] for y in latest)
        prices[code] = ProductionPrice(code, value / carats, tuple(latest), carats, value)
    return prices


def stand_in(hs_code: str, origin: str) -> Reference | None:
    """The published reference for a line of ``hs_code`` from ``origin``, if there is one."""
    if hs_code not in HS_CODES:
        return None
    price = production_prices().get(origin)
    if price is None:
        return None
    span = f"{price.years[0]}–{price.years[-1]}" if len(price.years) > 1 else str(price.years[0])
    return Reference(
        hs_code=hs_code,
        origin=origin,
        basis=Basis.PUBLISHED,
        usd_per_carat=price.usd_per_carat,
        spread=PUBLISHED_SPREAD,
        certificates=0,
        source=f"KP production of {origin}, {span}: US$ {price.usd_per_carat:,.2f}/ct at the mine",
    )
