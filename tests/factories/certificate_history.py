"""A synthetic history of KP export certificates with planted mis-declared values, written
independently of kpcs's valuation reference (issue 20 item 2) from the issue's wording and public
knowledge of the rough-diamond trade, so that the reference's warnings can be measured on data they
were not tuned to.

``history(seed)`` returns about 20,000 shipments (one certificate, one HS code each) issued over
24 months, 1 January 2023 to 31 December 2024, sorted by ``issued_on``. Deterministic per seed,
numpy only, well under a second.

What it models
--------------
* **Flows** ``(exporter, hs_code, origin)``, 74 of them, each with a median $/ct, a spread, a
  shipment rate and a parcel-size distribution (the table ``_FLOWS``; every seed jitters levels by
  +-15 %, spreads by +-10 % and rates by +-15 %, then scales the rates to ~10,000 shipments a year):

  - *producers selling sorted goods at tenders or sights* (BW, NA, AO, RU, CA, LS): 7102.31 from
    ~$110/ct (CA, RU) through ~$170-220/ct (BW, AO) and ~$500/ct (NA) to ~$1,200/ct (LS), parcels
    of hundreds to tens of thousands of carats; some 7102.10 run-of-mine and 7102.21 boart
    ($8-15/ct). BW also exports DTC aggregated goods (origin "mixed") and Namibian goods. ZA sells
    all year (many producers) and re-exports;
  - *artisanal and industrial producers* (CD, ZW, SL, GN, LR, GY, BR, CF, TZ, GH): 7102.21 at
    ~$8-18/ct in lots up to several hundred thousand carats (CD, ZW); 7102.10 at ~$20-150/ct;
    7102.31 from ~$55-60/ct (CD, ZW) to ~$280/ct (SL alluvials, small parcels);
  - *trading hubs* (EU = Antwerp, AE = Dubai, IN, IL, CH, GB, US, CN, TH and small cutting or
    trading places): re-exports of mixed-origin goods at every level (medians from ~$45/ct for
    India's rejections to ~$350-400/ct for Israel, Switzerland and London), plus flows declaring
    one origin (EU goods of Botswanan, Angolan, Russian... origin);
  - *sparse flows*: 17 flows with fewer than 20 shipments a year (GN, CF, LR, GY, LS boart,
    NA run-of-mine, EU goods of Sierra Leonean origin...), and small flows that trade only part of
    the period (a trader that starts or stops). EU exports of Russian origin stop at the end of
    2023 (the EU ban from January 2024).
* **Spread within one flow** (what makes an honest parcel look far from its flow's median):
  the table's $/ct ln-sd is 0.4-0.5 for run-of-mine and boart, 0.6-0.75 for producers' sorted
  goods, 0.8-0.9 for artisanal goods and the hubs' mixed goods. It is made of a mixture of 3-7
  assortments per flow (sorted assortments differ: ln-sd 0.75 x the flow's, so the distribution
  is often lumpy rather than lognormal) and a parcel term (0.66 x) that grows for parcels much
  smaller than the flow's median (a small parcel averages over fewer stones); small parcels also
  cost more per carat (ln $/ct falls by 0.04-0.12 per unit of ln carats). Time, size and the
  seed's jitter add to it: over seeds 0-5, the 90/10 $/ct ratio of the flows with 100+ shipments
  is 2.4-3.5 for boart, about 4-9 for producers' sorted goods and 10-26 for the hubs' mixed goods
  (effective ln-sd 0.35-1.2). Ordinary $/ct are kept within $4-48 for 7102.21, $5-3,000 for
  7102.10 and $6-25,000 for 7102.31 (values outside are redrawn, so nothing piles up at a bound).
* **Parcel sizes**: lognormal per flow, from a few carats (a hub's select parcel, a Sierra Leone
  alluvial parcel) to several hundred thousand (Congolese boart); 1 ct minimum, 800,000 maximum.
* **Time**: a market index for gem goods (7102.31; 7102.10 follows with elasticity 0.8) moving by a
  random -30 % to +30 % in each of the two years (piecewise linear in ln, plus a +-3 % wiggle), a
  flatter one for industrial goods (+-12 % a year); a drift per flow (ln-sd 6 % a year); a price
  season (+-3 %: firmer in spring, softer in August and December, amplitude 0.5-1.5x per seed);
  one medium-to-large producer flow per seed changes level by 15-30 % (up or down) on a random
  day of months 6-18 (a new mine section, a new sales contract).
* **Calendar**: certificates are issued on working days (Sunday-Thursday in Israel), fewer in
  August (Antwerp's holiday), around Christmas, in Ramadan (AE), around Diwali (IN), in the
  Tishrei holidays (IL) and at Chinese New Year (CN). Tender and sight sellers (BW, NA, AO, RU, CA,
  LS) ship in 10 sale windows a year (no August and December sales), each 8 working days long
  with its own price level (ln-sd 4 %, shared by the seller's flows).
* **Honest outliers** (``planted`` None, ``factor`` 1.0; these are the hard cases for false
  alarms): a special stone, 3-600 ct at 5-30x its flow's $/ct (0.3 % of gem shipments, 6 % in
  Lesotho's); a low-grade or boart lot declared as gem or unsorted, large, at 0.12-0.35x
  (0.25 %); an industrial lot of near-gem quality at 3-5x (0.2 % of 7102.21). About 0.4 % of
  shipments in all.
* **Planted mis-declarations** (about 2.7 % of shipments, at least 10 of each factor): the
  declared value is the true value times 0.1, 0.2, 0.3 or 0.5 (``planted`` "under") or 2, 3 or
  10 ("over"); carats are true. A third of each factor's plants is one *campaign* (an exporter
  mis-declaring every third shipment of one big flow for a while, at most 5 % of the flow's
  shipments), the rest are scattered, preferably where the motive lies: under-declaration on
  artisanal producers (export duties) and hubs, over-declaration on hubs (trade-based money
  laundering). ``factor`` is the declared/true ratio (cent rounding aside).

What it deliberately does not model
-----------------------------------
* The importer, the certificate's number, several HS codes on one certificate, or anything but
  the declared value: one row is one shipment under one HS code.
* A "true reference": the plants are relative to the shipment's *own* true value, which itself
  lies anywhere in the flow's wide spread. A x0.1 plant on an expensive parcel of a hub flow can
  land inside the ordinary range, and x0.5 or x2 plants are mostly indistinguishable from honest
  parcels: detection should be reported per factor, and "a tenth of the reference" is not the
  same as "a tenth of its true value".
* Exact trade figures: levels, rates and spreads are plausible (KP public statistics 2022-2024,
  trade press), not calibrated to any participant's certificates, which are not public.
* Quality information (colour, clarity, size classes) beyond what shows in $/ct and carats.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

Arr = npt.NDArray[np.float64]
IntArr = npt.NDArray[np.int64]

START = dt.date(2023, 1, 1)
END = dt.date(2024, 12, 31)
HS_CODES = ("7102.10", "7102.21", "7102.31")
UNDER_FACTORS = (0.1, 0.2, 0.3, 0.5)
OVER_FACTORS = (2.0, 3.0, 10.0)

_DAYS = (END - START).days + 1
_YEARS = _DAYS / 365.25
_TARGET_PER_YEAR = 10_000
# Share of all shipments planted with each factor (at least _MIN_PLANTS each).
_PLANT_SHARE = {0.1: 0.005, 0.2: 0.0045, 0.3: 0.004, 0.5: 0.004, 2.0: 0.004, 3.0: 0.003, 10.0: 0.0025}
_MIN_PLANTS = 10
# Honest $/ct bounds of ordinary shipments per HS code (outside: redrawn).
_BOUNDS = {"7102.21": (4.0, 48.0), "7102.10": (5.0, 3_000.0), "7102.31": (6.0, 25_000.0)}
_CARATS = (1.0, 800_000.0)
# Sellers at tenders or sights: shipments cluster in sale windows.
_TENDER = ("BW", "NA", "AO", "RU", "CA", "LS")
_SALE_MONTHS = (1, 2, 3, 4, 5, 6, 7, 9, 10, 11)
# ln $/ct fall per unit of ln carats (small parcels dearer per carat), by kind of exporter.
_SIZE_SLOPE = {"producer": 0.04, "artisanal": 0.08, "hub": 0.12, "small": 0.08}
# Preference of scattered plants per kind of exporter: (under, over).
_MOTIVE = {"producer": (1.0, 0.7), "artisanal": (2.5, 0.5), "hub": (1.5, 2.5), "small": (1.5, 1.0)}
# Volume by month (1-12): fewer certificates in January, August and December.
_MONTH_VOLUME = (0.85, 1.0, 1.1, 1.0, 1.05, 1.1, 1.0, 0.8, 1.1, 1.05, 1.0, 0.85)
# Price season by month (ln), times a per-seed amplitude.
_MONTH_PRICE = (-0.02, 0.01, 0.02, 0.03, 0.02, 0.0, -0.01, -0.03, 0.01, 0.02, 0.0, -0.03)


@dataclass(frozen=True)
class _Flow:
    """One (exporter, HS code, origin) flow at the start of the history."""

    exporter: str
    hs_code: str
    origin: str
    per_year: float  # shipments a year before the seed's scaling
    usd_ct: float  # median $/ct
    sd: float  # ln-sd of $/ct between the flow's shipments
    ct: float  # median carats a shipment
    ct_sd: float  # ln-sd of carats
    kind: str  # producer | artisanal | hub | small
    until: dt.date | None = None  # last day of trade, if it stops


def _f(
    exporter: str,
    hs: str,
    origin: str,
    per_year: float,
    usd_ct: float,
    sd: float,
    ct: float,
    ct_sd: float,
    kind: str,
    until: dt.date | None = None,
) -> _Flow:
    return _Flow(exporter, f"7102.{hs}", origin, per_year, usd_ct, sd, ct, ct_sd, kind, until)


_FLOWS: tuple[_Flow, ...] = (
    # Producers selling at sights or tenders.
    _f("BW", "31", "BW", 420, 170, 0.65, 8_000, 1.3, "producer"),
    _f("BW", "31", "mixed", 160, 220, 0.7, 5_000, 1.3, "producer"),
    _f("BW", "31", "NA", 25, 450, 0.6, 1_500, 1.1, "producer"),
    _f("BW", "21", "BW", 45, 14, 0.45, 40_000, 1.0, "producer"),
    _f("BW", "10", "BW", 20, 95, 0.45, 60_000, 1.0, "producer"),
    _f("NA", "31", "NA", 110, 520, 0.6, 2_500, 1.2, "producer"),
    _f("NA", "10", "NA", 8, 380, 0.4, 15_000, 0.9, "producer"),
    _f("AO", "31", "AO", 220, 200, 0.75, 6_000, 1.4, "producer"),
    _f("AO", "10", "AO", 70, 95, 0.5, 30_000, 1.1, "producer"),
    _f("AO", "21", "AO", 25, 12, 0.45, 50_000, 1.0, "producer"),
    _f("RU", "31", "RU", 260, 120, 0.6, 10_000, 1.3, "producer"),
    _f("RU", "21", "RU", 60, 9, 0.4, 80_000, 1.0, "producer"),
    _f("RU", "10", "RU", 30, 70, 0.45, 50_000, 1.0, "producer"),
    _f("CA", "31", "CA", 140, 110, 0.6, 8_000, 1.3, "producer"),
    _f("CA", "10", "CA", 30, 75, 0.45, 40_000, 1.1, "producer"),
    _f("CA", "21", "CA", 10, 8, 0.4, 30_000, 1.0, "producer"),
    _f("LS", "31", "LS", 36, 1_200, 0.95, 400, 1.4, "producer"),
    _f("LS", "21", "LS", 5, 15, 0.45, 2_000, 1.0, "producer"),
    # South Africa: many producers and traders, all year round.
    _f("ZA", "31", "ZA", 260, 140, 0.7, 3_000, 1.4, "producer"),
    _f("ZA", "21", "ZA", 40, 10, 0.45, 30_000, 1.0, "producer"),
    _f("ZA", "31", "mixed", 60, 120, 0.9, 800, 1.5, "hub"),
    _f("ZA", "31", "LS", 15, 700, 0.8, 200, 1.2, "hub"),
    # Artisanal and industrial producers.
    _f("CD", "21", "CD", 300, 9, 0.45, 60_000, 1.2, "artisanal"),
    _f("CD", "10", "CD", 180, 22, 0.55, 8_000, 1.5, "artisanal"),
    _f("CD", "31", "CD", 140, 55, 0.8, 1_200, 1.5, "artisanal"),
    _f("ZW", "21", "ZW", 90, 8, 0.45, 80_000, 1.0, "artisanal"),
    _f("ZW", "10", "ZW", 80, 45, 0.55, 20_000, 1.2, "artisanal"),
    _f("ZW", "31", "ZW", 60, 60, 0.6, 3_000, 1.3, "artisanal"),
    _f("SL", "31", "SL", 130, 280, 0.85, 150, 1.4, "artisanal"),
    _f("SL", "10", "SL", 25, 150, 0.7, 400, 1.3, "artisanal"),
    _f("GN", "31", "GN", 14, 140, 0.8, 300, 1.3, "artisanal"),
    _f("TZ", "31", "TZ", 18, 260, 0.6, 2_500, 1.2, "producer"),
    _f("GH", "21", "GH", 12, 18, 0.5, 4_000, 1.1, "artisanal"),
    _f("LR", "31", "LR", 16, 190, 0.8, 120, 1.3, "artisanal"),
    _f("GY", "31", "GY", 12, 200, 0.8, 200, 1.3, "artisanal"),
    _f("BR", "31", "BR", 18, 230, 0.8, 500, 1.3, "artisanal"),
    _f("CF", "31", "CF", 8, 170, 0.8, 400, 1.2, "artisanal"),
    _f("CG", "10", "CG", 10, 30, 0.6, 3_000, 1.2, "artisanal"),
    # The European Union (Antwerp).
    _f("EU", "31", "mixed", 1_500, 160, 0.85, 600, 1.7, "hub"),
    _f("EU", "10", "mixed", 220, 70, 0.8, 3_000, 1.5, "hub"),
    _f("EU", "21", "mixed", 180, 15, 0.5, 15_000, 1.3, "hub"),
    _f("EU", "31", "BW", 180, 190, 0.75, 1_500, 1.4, "hub"),
    _f("EU", "31", "AO", 70, 200, 0.8, 1_000, 1.4, "hub"),
    _f("EU", "31", "RU", 150, 110, 0.7, 2_000, 1.4, "hub", dt.date(2023, 12, 31)),
    _f("EU", "31", "ZA", 60, 160, 0.8, 800, 1.4, "hub"),
    _f("EU", "31", "NA", 30, 480, 0.7, 400, 1.3, "hub"),
    _f("EU", "31", "CA", 50, 120, 0.7, 1_500, 1.4, "hub"),
    _f("EU", "31", "SL", 15, 300, 0.8, 150, 1.3, "hub"),
    _f("EU", "21", "CD", 40, 9, 0.45, 40_000, 1.1, "hub"),
    # The United Arab Emirates (Dubai).
    _f("AE", "31", "mixed", 1_200, 90, 0.85, 1_000, 1.7, "hub"),
    _f("AE", "21", "mixed", 250, 11, 0.5, 30_000, 1.3, "hub"),
    _f("AE", "10", "mixed", 200, 45, 0.8, 5_000, 1.5, "hub"),
    _f("AE", "31", "RU", 200, 100, 0.7, 3_000, 1.4, "hub"),
    _f("AE", "21", "CD", 80, 8, 0.45, 60_000, 1.1, "hub"),
    _f("AE", "10", "ZW", 50, 40, 0.6, 15_000, 1.2, "hub"),
    _f("AE", "31", "AO", 40, 170, 0.8, 1_500, 1.4, "hub"),
    # India (rough trading and re-export of rejections), Israel and the other hubs.
    _f("IN", "31", "mixed", 800, 45, 0.8, 800, 1.6, "hub"),
    _f("IN", "21", "mixed", 150, 10, 0.5, 20_000, 1.2, "hub"),
    _f("IN", "10", "mixed", 80, 35, 0.8, 3_000, 1.5, "hub"),
    _f("IL", "31", "mixed", 450, 350, 0.8, 120, 1.5, "hub"),
    _f("IL", "31", "BW", 40, 300, 0.8, 300, 1.3, "hub"),
    _f("IL", "21", "mixed", 10, 20, 0.5, 2_000, 1.2, "hub"),
    _f("CH", "31", "mixed", 150, 400, 0.8, 300, 1.5, "hub"),
    _f("GB", "31", "mixed", 90, 380, 0.8, 500, 1.5, "hub"),
    _f("US", "31", "mixed", 120, 250, 0.85, 150, 1.5, "hub"),
    _f("CN", "31", "mixed", 200, 70, 0.8, 600, 1.6, "hub"),
    _f("CN", "21", "mixed", 40, 12, 0.5, 10_000, 1.2, "hub"),
    _f("TH", "31", "mixed", 60, 60, 0.9, 300, 1.5, "small"),
    _f("AM", "31", "mixed", 20, 80, 0.9, 400, 1.4, "small"),
    _f("SG", "31", "mixed", 25, 150, 0.9, 200, 1.4, "small"),
    _f("LK", "31", "mixed", 12, 90, 0.9, 150, 1.3, "small"),
    _f("MU", "31", "mixed", 10, 120, 0.9, 200, 1.3, "small"),
    _f("TR", "31", "mixed", 14, 100, 0.9, 250, 1.3, "small"),
    _f("BY", "31", "RU", 30, 90, 0.7, 1_000, 1.3, "small"),
)


@dataclass
class _Shipments:
    """The shipments of one flow, before planting."""

    flow: int
    days: IntArr
    carats: Arr
    value: Arr  # true value, USD
    honest_outlier: npt.NDArray[np.bool_]


def history(seed: int) -> list[dict[str, Any]]:
    """About 20,000 synthetic KP export certificates over 24 months, sorted by ``issued_on``.

    Each row: ``exporter``, ``hs_code``, ``origin`` (participant code or "mixed"), ``issued_on``
    (date), ``carats`` and ``value_usd`` (floats > 0, 2 decimals), ``planted`` (None, "under" or
    "over") and ``factor`` (declared / true value, 1.0 unless planted). See the module docstring.
    """
    rng = np.random.default_rng(seed)
    calendar = _Calendar()
    indices = _market_indices(rng)
    season = rng.uniform(0.5, 1.5) * np.asarray(_MONTH_PRICE)[calendar.month - 1]
    windows: dict[str, tuple[IntArr, Arr, Arr]] = {}
    for exporter in _TENDER:
        windows[exporter] = _sale_windows(rng, calendar)
    scale = _TARGET_PER_YEAR / sum(f.per_year for f in _FLOWS)
    step_flow = _step_flow(rng)
    step_day = int(rng.integers(round(_DAYS * 0.25), round(_DAYS * 0.75)))
    step = float(rng.choice([-1.0, 1.0]) * rng.uniform(0.15, 0.3))

    shipments = []
    for i, flow in enumerate(_FLOWS):
        shipments.append(
            _flow_shipments(
                rng,
                i,
                flow,
                calendar=calendar,
                scale=scale,
                index=indices[flow.hs_code],
                season=season,
                windows=windows.get(flow.exporter),
                step=(step_day, step) if i == step_flow else None,
            )
        )

    flow_of = np.concatenate([np.full(len(s.days), s.flow) for s in shipments])
    days = np.concatenate([s.days for s in shipments])
    carats = np.concatenate([s.carats for s in shipments])
    value = np.concatenate([s.value for s in shipments])
    honest = np.concatenate([s.honest_outlier for s in shipments])
    factor = _plant(rng, flow_of, days, honest)
    declared = np.maximum(np.round(value * factor, 2), 0.01)

    order = np.lexsort((np.arange(len(days)), flow_of, days))
    rows: list[dict[str, Any]] = []
    for k in order.tolist():
        flow = _FLOWS[int(flow_of[k])]
        f = float(factor[k])
        rows.append(
            {
                "exporter": flow.exporter,
                "hs_code": flow.hs_code,
                "origin": flow.origin,
                "issued_on": START + dt.timedelta(days=int(days[k])),
                "carats": float(carats[k]),
                "value_usd": float(declared[k]),
                "planted": None if f == 1.0 else ("under" if f < 1.0 else "over"),
                "factor": f,
            }
        )
    return rows


class _Calendar:
    """Per-day facts of the history: month, weekday and the volume weights of each exporter."""

    def __init__(self) -> None:
        dates = [START + dt.timedelta(days=d) for d in range(_DAYS)]
        self.month: IntArr = np.array([d.month for d in dates], dtype=np.int64)
        self.weekday: IntArr = np.array([d.weekday() for d in dates], dtype=np.int64)
        self._dates = dates
        self._weights: dict[str, Arr] = {}

    def day(self, date: dt.date) -> int:
        """The index of ``date`` in the history."""
        return (date - START).days

    def working(self, exporter: str) -> npt.NDArray[np.bool_]:
        """Working days: Sunday to Thursday in Israel, Monday to Friday elsewhere."""
        if exporter == "IL":
            return np.asarray((self.weekday != 4) & (self.weekday != 5), dtype=np.bool_)
        return np.asarray(self.weekday < 5, dtype=np.bool_)

    def weights(self, exporter: str) -> Arr:
        """Relative number of certificates an exporter issues each day (before any flow window)."""
        if exporter in self._weights:
            return self._weights[exporter]
        w = np.asarray(_MONTH_VOLUME)[self.month - 1] * self.working(exporter)
        lulls = [(dt.date(2023, 12, 22), dt.date(2024, 1, 2), 0.3), (dt.date(2024, 12, 22), END, 0.3)]
        if exporter == "EU":
            lulls += [(dt.date(2023, 7, 20), dt.date(2023, 8, 20), 0.55)]
            lulls += [(dt.date(2024, 7, 20), dt.date(2024, 8, 20), 0.55)]
        if exporter == "AE":  # Ramadan
            lulls += [(dt.date(2023, 3, 23), dt.date(2023, 4, 20), 0.6)]
            lulls += [(dt.date(2024, 3, 11), dt.date(2024, 4, 9), 0.6)]
        if exporter == "IN":  # Diwali
            lulls += [(dt.date(2023, 11, 7), dt.date(2023, 11, 26), 0.25)]
            lulls += [(dt.date(2024, 10, 27), dt.date(2024, 11, 15), 0.25)]
        if exporter == "IL":  # Tishrei holidays
            lulls += [(dt.date(2023, 9, 15), dt.date(2023, 10, 8), 0.5)]
            lulls += [(dt.date(2024, 10, 2), dt.date(2024, 10, 25), 0.5)]
        if exporter == "CN":  # Chinese New Year
            lulls += [(dt.date(2023, 1, 20), dt.date(2023, 1, 28), 0.2)]
            lulls += [(dt.date(2024, 2, 9), dt.date(2024, 2, 17), 0.2)]
        for first, last, factor in lulls:
            w[self.day(first) : self.day(last) + 1] *= factor
        self._weights[exporter] = w
        return w


def _market_indices(rng: np.random.Generator) -> dict[str, Arr]:
    """ln price index per HS code and day: piecewise linear over the two years, plus a wiggle."""
    t = np.arange(_DAYS) / 365.25
    gem_moves = np.log1p(rng.uniform(-0.3, 0.3, 2))
    ind_moves = np.log1p(rng.uniform(-0.12, 0.12, 2))
    phase = rng.uniform(0, 2 * np.pi, 2)
    wiggle = 0.03 * np.sin(2 * np.pi * t * 1.7 + phase[0]) * np.sin(2 * np.pi * t * 0.6 + phase[1])

    def path(moves: Arr) -> Arr:
        return np.asarray(np.where(t < 1.0, moves[0] * t, moves[0] + moves[1] * (t - 1.0)), dtype=np.float64)

    gem = path(gem_moves) + wiggle
    return {"7102.31": gem, "7102.10": 0.8 * gem, "7102.21": path(ind_moves) + 0.5 * wiggle}


def _sale_windows(rng: np.random.Generator, calendar: _Calendar) -> tuple[IntArr, Arr, Arr]:
    """A tender seller's sale windows: the 8 working days of each (one row a window), its relative
    volume and its ln price level."""
    working = calendar.working("BW")
    rows = []
    for year in (START.year, END.year):
        for month in _SALE_MONTHS:
            first = calendar.day(dt.date(year, month, int(rng.integers(5, 19))))
            rows.append([d for d in range(first, first + 14) if working[d]][:8])
    n = len(rows)
    return np.asarray(rows, dtype=np.int64), rng.lognormal(0.0, 0.3, n), rng.normal(0.0, 0.04, n)


def _step_flow(rng: np.random.Generator) -> int:
    """The producer flow whose level changes once during the history."""
    candidates = [
        i for i, f in enumerate(_FLOWS) if f.kind in ("producer", "artisanal") and 60 <= f.per_year <= 300
    ]
    return int(rng.choice(candidates))


def _flow_shipments(
    rng: np.random.Generator,
    i: int,
    flow: _Flow,
    *,
    calendar: _Calendar,
    scale: float,
    index: Arr,
    season: Arr,
    windows: tuple[IntArr, Arr, Arr] | None,
    step: tuple[int, float] | None,
) -> _Shipments:
    """Draw one flow's shipments: dates, carats and true values."""
    usd_ct = flow.usd_ct * np.exp(rng.normal(0.0, 0.15))
    sd = flow.sd * np.exp(rng.normal(0.0, 0.1))
    rate = flow.per_year * scale * np.exp(rng.normal(0.0, 0.15))

    # When does the flow trade?
    active = np.ones(_DAYS, dtype=bool)
    if flow.until is not None:
        active[calendar.day(flow.until) + 1 :] = False
    elif windows is None and flow.per_year < 60 and rng.random() < 0.2:
        length = int(rng.uniform(0.4, 0.8) * _DAYS)
        first = 0 if rng.random() < 0.5 else _DAYS - length  # a trader that stops or one that starts
        active[:] = False
        active[first : first + length] = True
    n = max(2, int(rng.poisson(rate * _YEARS * active.mean())))

    if windows is None:
        w = calendar.weights(flow.exporter) * active
        days = rng.choice(_DAYS, size=n, p=w / w.sum()).astype(np.int64)
        window_level = np.zeros(n)
    else:
        window_days, volume, level = windows
        which = rng.choice(len(window_days), size=n, p=volume / volume.sum())
        days = window_days[which, rng.integers(0, window_days.shape[1], n)]
        window_level = level[which]

    # Parcels and their prices.
    carats = _lognormal_within(rng, np.log(flow.ct), flow.ct_sd, n, *_CARATS)
    k = int(rng.integers(3, 8))
    weights = rng.dirichlet(np.full(k, 2.0))
    offsets = rng.normal(0.0, 1.0, k)
    offsets -= np.average(offsets, weights=weights)
    # Scaled so that the flow's spread is the table's (a handful of random assortments would
    # otherwise make it anything from half to twice that).
    spread = np.sqrt(np.average(offsets**2, weights=weights))
    offsets *= 0.75 * sd * np.exp(rng.normal(0.0, 0.1)) / max(float(spread), 1e-9)
    assortment = offsets[rng.choice(k, size=n, p=weights)]
    base = np.log(usd_ct) + index[days] + season[days] + window_level + rng.normal(0.0, 0.06) * days / 365.25
    if step is not None:
        base = base + np.where(days >= step[0], step[1], 0.0)
    small = np.clip(np.log10(flow.ct / carats), 0.0, None)
    parcel_sd = 0.66 * sd * (1.0 + 0.12 * small)
    centre = base + assortment - _SIZE_SLOPE[flow.kind] * (np.log(carats) - np.log(flow.ct))
    lo, hi = _BOUNDS[flow.hs_code]
    ln_usd_ct = _normal_within(rng, centre, parcel_sd, np.log(lo), np.log(hi))

    # Honest outliers.
    honest = np.zeros(n, dtype=bool)
    u = rng.random(n)
    if flow.hs_code == "7102.21":
        near_gem = u < 0.002
        ln_usd_ct[near_gem] = base[near_gem] + np.log(rng.uniform(3.0, 5.0, int(near_gem.sum())))
        honest |= near_gem
    else:
        special = u < (0.06 if flow.exporter == "LS" else 0.003)
        m = int(special.sum())
        carats[special] = np.clip(rng.lognormal(np.log(40.0), 0.9, m), 3.0, 600.0)
        ln_usd_ct[special] = base[special] + np.log(rng.uniform(5.0, 30.0, m))
        low = (u >= 0.5) & (u < 0.5025)
        m = int(low.sum())
        carats[low] = np.clip(flow.ct * rng.lognormal(0.7, 0.6, m), *_CARATS)
        ln_usd_ct[low] = base[low] + np.log(rng.uniform(0.12, 0.35, m))
        honest |= special | low

    carats = np.maximum(np.round(carats, 2), 0.01)
    value = np.maximum(carats * np.exp(ln_usd_ct), 0.01)
    return _Shipments(flow=i, days=days, carats=carats, value=value, honest_outlier=honest)


def _normal_within(rng: np.random.Generator, mean: Arr, sd: Arr, lo: float, hi: float) -> Arr:
    """Normal draws, redrawn where they fall outside [lo, hi] (clipped after a few tries)."""
    x = rng.normal(mean, sd)
    for _ in range(10):
        out = (x < lo) | (x > hi)
        if not out.any():
            break
        x[out] = rng.normal(mean[out], sd[out])
    return np.clip(x, lo, hi)


def _lognormal_within(rng: np.random.Generator, mu: float, sd: float, n: int, lo: float, hi: float) -> Arr:
    """Lognormal draws within [lo, hi], redrawn where outside."""
    return np.exp(_normal_within(rng, np.full(n, mu), np.full(n, sd), np.log(lo), np.log(hi)))


def _plant(rng: np.random.Generator, flow_of: IntArr, days: IntArr, honest: npt.NDArray[np.bool_]) -> Arr:
    """Choose the mis-declared shipments; return every shipment's declared/true factor."""
    n = len(flow_of)
    factor = np.ones(n)
    free = ~honest
    sizes = np.bincount(flow_of, minlength=len(_FLOWS))
    big = [i for i in range(len(_FLOWS)) if sizes[i] >= 300]
    for f, share in _PLANT_SHARE.items():
        count = max(_MIN_PLANTS, round(share * n))
        # A campaign: every third shipment of one big flow, in time order, from a random start.
        flow = int(rng.choice(big))
        members = np.flatnonzero(flow_of == flow)
        members = members[np.argsort(days[members], kind="stable")]
        length = min(count // 3, sizes[flow] // 20)
        first = int(rng.integers(0, len(members) - 3 * length))
        campaign = members[first : first + 3 * length : 3]
        campaign = campaign[free[campaign]]
        factor[campaign] = f
        free[campaign] = False
        # The rest scattered, preferably where the motive lies.
        motive = np.array([_MOTIVE[fl.kind][0 if f < 1 else 1] for fl in _FLOWS])[flow_of] * free
        rest = rng.choice(n, size=count - len(campaign), replace=False, p=motive / motive.sum())
        factor[rest] = f
        free[rest] = False
    return factor
