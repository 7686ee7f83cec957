"""A synthetic Kimberley Process statistics world with planted anomalies, written from published
domain knowledge only (not from the project's detectors), to evaluate those detectors.

The world
---------
About 25 participants (``participants=``), drawn from the real registry codes in three roles:

* **hubs** (EU, AE, IN, IL, CN, CH, US, in that order of inclusion): import from producers,
  traders and each other and re-export; per HS code a hub sells at 1.07-1.5x its average purchase
  price (IN 1.07, EU 1.08, US 1.10, CN 1.12, IL 1.15, CH 1.35, AE 1.5, +-4 %), so its overall
  export $/ct is about 1.0-1.6x its import $/ct depending on the HS mix. Resale prices are settled
  by iteration, since hubs buy from each other;
* **producers**: BW, RU, CA, AO, ZA, NA and CD always (when the world is big enough), the rest drawn
  from LS, ZW, SL, TZ, GN, GH, LR, GY, BR, CF, CM, CI, TG. Output and $/ct follow the KP figures of
  2022-2024 (RU ~37 Mct at ~$90/ct, BW ~26 Mct at ~$125/ct, CD ~8.5 Mct at ~$8/ct, NA ~2.3 Mct and
  LS ~0.5 Mct at $450-600/ct; small artisanal producers 5-200 kct). Each exports 84-92 % of what
  it mines (93 % for a producer chosen for a subtle production/export plant), half-year by
  half-year, to hubs (RU, after 2022, only to AE, IN, CN and its neighbours AM and BY). Some
  producers import a little (0.5-2 % of their output) from a hub; NA sells a share to BW.
* **traders** (non-producers, never any production row): mid-sized cutting or trading places
  (TH, AM, BY, LK, MU, JP, KR, TR, UA, AU, GB, SG: 20-400 kct a year) and tiny ones (NZ, NO, MX, QA,
  PA, MY, VN, LB: from a hundred to a few thousand carats a year, i.e. tens of carats a quarter,
  where rounding dominates). They import from hubs and send part back.

Trade is generated per *link* (exporter, importer, HS code): 7102.10 unsorted (mid price),
7102.21 industrial (about a tenth of the average $/ct, large in carats for CD, ZW, RU, ZA),
7102.31 gem quality (about 1.5x the average $/ct, most of the value). A link's number of
shipments a year is 2.5 (producer), 9 (hub) or 4 (trader) x (annual value in $M)^0.6, so
certificates follow shipments, not carats (big industrial parcels carry many carats per
certificate), plus one per 100,000 ct a year. One shipment carries one HS code, so a row's
``certificates`` counts the certificates of that HS code and a pair's rows add up to its
certificate count.

Normal noise (present everywhere, history and review year alike)
----------------------------------------------------------------
* **Seasonality** per exporter, stable across years (+-3 % jitter): quarter factors between
  0.67 and 1.33 ("a third either way"); producers' profiles balance within each half-year.
* **Level drift** per participant: a random walk of at most +-12 % a year (ln-normal sd 6 %);
  a link's level also moves +-4 % a year. Market prices move +-10 % a year (all links alike) and a
  link's price a further 3 % a year.
* **Quarterly noise**: carats ln-sd 0.05 + 0.15/sqrt(shipments); certificates follow a schedule,
  (carats ratio)^0.6 x ln-sd 0.08 around the expected count, rounded; $/ct ln-sd
  0.025 + 0.08/sqrt(shipments). Links with less than one shipment a quarter
  are lumpy (whole shipments, zero in some quarters); each participant's main link ships every
  quarter, so **every participant has trade every quarter** and always submits some rows (we
  never need zero rows).
* **Mirror flows**: the importer reports the same shipments, except that on 70 % of the pairs a
  share of a quarter's shipments (5-33 %, capped at a third of the certificates) arrives the next
  quarter (carats, value and certificates move together and cancel over two quarters; the review
  year's Q4 late arrivals fall outside the data, the history's first Q1 receives those of a
  warm-up quarter). Import values are CIF: 1-6 % above FOB per pair (+-0.4 % a quarter), with
  +-0.8 % valuation noise; carats differ by +-0.2 %.
* **Rounding** by reporter: cents (60 %), whole carats and dollars (25 %), or whole carats and
  value to the nearest $100 (15 %); production mostly in whole units.
* **Gaps in history**: one participant (two in worlds of 20+) without any trade rows for one
  history quarter, and in half the worlds a producer without production rows for one history
  half: the "submits only some periods" of real reviews. There are none in the review year except
  the planted missing submissions. Lateness itself is invisible in the templates.

Planted anomalies (review year only; the truth is ``World.planted``)
-------------------------------------------------------------------
In worlds of 20+ participants: two plants of every type, one strong and one subtle (production/
export gets two only when enough producers qualify); smaller worlds get one per type whose
strength alternates with the seed. *Strong* means a factor of about 3 or more (|ln| >= 1.1), a
whole flow or period absent, or exports about 1.5x production; *subtle* means a factor of about
1.5-2.2 (|ln| 0.4-0.8; 0.33-0.48 for whole-year partial imports), or exports about 1.2x
production: clearly outside the noise above (measured over seeds 0-9 on clean data: same-quarter
|ln| year-on-year change of a participant's total above $20M a quarter at most 0.3-0.5, of a flow's
$/ct at most 0.3, of a flow's carats per certificate (8+ certificates) at most 0.45; mirror $/ct
ln(M/X) at most 0.12; mirror carats over a year |DI| at most 0.07, in a quarter at most 0.21;
exports / (production + imports) at most 0.95), but not by a mile.

* ``mirror_gap`` (one reporter of a pair, period the year or one quarter, with HS code):
  strong = the importer reports 25-35 % of the flow all year, the importer omits the flow all year
  ("lost"), or the exporter omits it all year ("orphan"), or one side's value is x3.2 or x0.3 in one
  quarter with the carats right; subtle = the importer reports 62-72 % of the flow all year, counts
  a quarter twice (x2.2), or one side's value is x1.5 or x0.65 in one quarter. When the importer
  under- or over-reports shipments its certificates follow its carats (carats per certificate
  unchanged): the certificate gap is part of the mirror gap, not a ``certificate_count`` plant.
  The value-only variants also distort that reporter's $/ct against its partner and its history,
  so they record a second plant ``unit_value`` on the same reporter, pair, quarter and HS code,
  whose note begins with "Side effect of".
* ``unit_value`` (one quarter, with HS code): mostly a mis-valued certificate that both sides copy
  (value x4.5 or x0.2 strong, x1.9 or x0.5 subtle, carats right), recorded twice, once per
  reporter (exporter and importer, same type); otherwise one reporter's value is off (same
  factors), with a side-effect ``mirror_gap`` record. The flow is chosen small enough that neither
  reporter's quarterly total value moves by more than 8 %.
* ``production_export`` (a producer with negligible imports, partner None): strong = one half's
  production reported at 22 % of normal while exports go on (that half's exports about 4x its
  production, the year's 1.5x), plus a side-effect ``sudden_change`` record for that half;
  subtle = production down 12 % and exports up 13 % for the year, each within normal year-on-year
  movement, so that exports are about 1.2x production (1.17-1.23) where history had 0.93.
* ``certificate_count`` (a pair, one quarter, with HS code; carats and values agree): strong = one
  side reports x4 or x0.15 the certificates, or both sides report x3.5 the certificates for the
  same carats (split shipments); subtle = x1.8 or x0.5 on one side, or x2 on both sides. Only links
  with 8-20+ certificates a quarter are used.
* ``sudden_change`` (partner None): a real change, reported consistently by both sides of every
  flow: a quarter's imports (from non-producers) x3.5 or x2.0, imports x0.15 or x0.45, exports
  x0.15 or x0.45, or a half-year's production x2.8 or x1.6 (exports unchanged; producers of 50 kct
  and $5M a year or more). Strong/subtle as the factors. Trade changes go to non-hubs whose
  totals are steady (at least $8M and 20 shipments a quarter from three partners or more, none
  with half the value, expected ln-sd under 0.08) and whose flows are small shares of each
  partner's totals (no partner's total moves by more than 8 %).
* ``missing_submission`` (partner None, period the year): one trade non-submitter (strong: all
  four quarters, subtle: one quarter) and one production non-submitter (a producer; strong: both
  halves, subtle: one half), strengths alternating with the seed. The participant has no rows
  of that kind for those periods; its partners report as usual.

Separation: the subjects of participant-level plants (production/export, sudden change, missing
submission) take part in no other plant, not even as a partner. Pair plants sit on distinct pairs;
a non-hub participant takes part in at most one of them, a hub may be the partner of several pair
plants (of any type) with different partners. Side effects recorded explicitly: the value-only
mirror/unit-value pairs and the production-collapse sudden change above. Side effects not
recorded: a missing submission necessarily leaves the partners' rows unmatched (mirror gaps), the
non-submitter's totals at zero and, for production, exports with no production reported: these
belong to the missing submission. A mirror-gap flow is at most 10 % of the misreporting side's
quarterly totals (a lost flow moves them by at most that, within normal swings); a value or
count change moves no total by more than 8 %. At least four participants (three in worlds under
20) carry no plant at all.

Decisions the brief left open: every participant trades every quarter, so no zero rows are needed;
non-producers never report production and are never missing it; lateness is not represented
(the templates carry no dates), only history gaps; unit-value anomalies copied by both sides are recorded for
both reporters; participant-level subjects keep last year's level in the review year, so the plant
is the only movement there.
"""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

Arr = npt.NDArray[np.float64]
Rng = np.random.Generator
Apply = Callable[[], None]

ANOMALY_TYPES = (
    "mirror_gap",
    "unit_value",
    "production_export",
    "certificate_count",
    "sudden_change",
    "missing_submission",
)
HS_CODES = ("7102.10", "7102.21", "7102.31")
TRADE_COLUMNS = ("participant", "period", "flow", "partner", "hs_code", "carats", "value_usd", "certificates")
PRODUCTION_COLUMNS = ("participant", "period", "mining_type", "carats", "value_usd")
SIDE_EFFECT = "Side effect of "

# Hubs in order of inclusion: (re-export carats per carat bought from producers and traders,
# value mark-up of their export $/ct on their import $/ct, per HS code).
_HUBS: dict[str, tuple[float, float]] = {
    "EU": (1.25, 1.08),
    "AE": (1.30, 1.50),
    "IN": (0.60, 1.07),
    "IL": (1.00, 1.15),
    "CN": (1.00, 1.12),
    "CH": (1.10, 1.35),
    "US": (0.70, 1.10),
}
_HUB_DEST: dict[str, dict[str, float]] = {
    "EU": {"IN": 0.35, "AE": 0.22, "IL": 0.15, "CN": 0.12, "CH": 0.06, "US": 0.10},
    "AE": {"IN": 0.38, "EU": 0.25, "IL": 0.10, "CN": 0.17, "CH": 0.05, "US": 0.05},
    "IN": {"AE": 0.38, "EU": 0.25, "IL": 0.12, "CN": 0.15, "US": 0.10},
    "IL": {"EU": 0.30, "IN": 0.30, "AE": 0.15, "US": 0.18, "CN": 0.07},
    "CN": {"IN": 0.40, "AE": 0.30, "EU": 0.20, "IL": 0.10},
    "CH": {"EU": 0.40, "AE": 0.30, "IN": 0.20, "IL": 0.10},
    "US": {"EU": 0.30, "IN": 0.30, "IL": 0.25, "AE": 0.15},
}
_GENERIC_DEST = {"EU": 0.35, "AE": 0.35, "IL": 0.15, "IN": 0.15}
_LSM_MIX = (0.35, 0.15, 0.50)
_ASM_MIX = (0.30, 0.15, 0.55)
_GEM_MIX = (0.20, 0.02, 0.78)


@dataclass(frozen=True)
class _Producer:
    carats: float  # a year, about the 2023-2024 KP figure
    usd_per_ct: float
    asm_share: float  # share of carats from artisanal and small-scale mining
    hs_mix: tuple[float, float, float]  # carat shares of 7102.10, 7102.21, 7102.31 in its exports
    dest: dict[str, float]


@dataclass(frozen=True)
class _Trader:
    carats: float  # imports a year
    sources: dict[str, float]
    resale: float  # share of imports sent back to hubs
    industrial: bool = False


# fmt: off
_PRODUCERS: dict[str, _Producer] = {
    "BW": _Producer(26.5e6, 125, 0.0, _LSM_MIX,
                    {"EU": .30, "AE": .18, "IN": .25, "IL": .12, "CN": .08, "US": .04, "CH": .03}),
    "RU": _Producer(37.3e6, 92, 0.0, (.30, .20, .50), {"AE": .45, "IN": .35, "CN": .12}),  # sanctions
    "CA": _Producer(14.5e6, 88, 0.0, _LSM_MIX,
                    {"EU": .45, "IN": .22, "AE": .10, "US": .10, "IL": .07, "CN": .06}),
    "AO": _Producer(12.0e6, 125, 0.06, (.30, .12, .58),
                    {"AE": .45, "EU": .18, "IL": .15, "IN": .10, "CN": .06, "CH": .06}),
    "ZA": _Producer(6.5e6, 135, 0.08, (.30, .20, .50),
                    {"EU": .35, "IN": .20, "AE": .18, "IL": .12, "CN": .10, "US": .05}),
    "NA": _Producer(2.3e6, 480, 0.0, _GEM_MIX, {"EU": .35, "BW": .20, "IN": .15, "IL": .15, "AE": .15}),
    "CD": _Producer(8.5e6, 8, 0.85, (.25, .45, .30), {"AE": .50, "EU": .20, "IN": .15, "IL": .10, "CN": .05}),
    "LS": _Producer(0.5e6, 560, 0.0, _GEM_MIX, {"EU": .60, "AE": .25, "IL": .15}),
    "ZW": _Producer(4.7e6, 65, 0.05, (.35, .25, .40), {"AE": .60, "EU": .18, "IN": .12, "CN": .10}),
    "SL": _Producer(0.55e6, 195, 0.45, (.25, .05, .70), {"EU": .45, "AE": .30, "IL": .15, "US": .10}),
    "TZ": _Producer(0.2e6, 160, 0.25, _ASM_MIX, _GENERIC_DEST),
    "GN": _Producer(0.10e6, 110, 1.0, _ASM_MIX, {"AE": .45, "EU": .35, "IL": .20}),
    "GH": _Producer(0.08e6, 30, 0.9, (.30, .45, .25), {"AE": .55, "EU": .45}),
    "LR": _Producer(0.05e6, 210, 1.0, _ASM_MIX, {"EU": .45, "AE": .35, "US": .20}),
    "GY": _Producer(0.08e6, 150, 1.0, _ASM_MIX, {"EU": .40, "AE": .40, "US": .20}),
    "BR": _Producer(0.15e6, 70, 0.9, (.30, .30, .40), {"EU": .40, "AE": .30, "IN": .15, "CN": .15}),
    "CF": _Producer(0.12e6, 140, 1.0, _ASM_MIX, {"AE": .50, "EU": .30, "IL": .20}),
    "CM": _Producer(6e3, 90, 1.0, _ASM_MIX, {"AE": .60, "EU": .40}),
    "CI": _Producer(10e3, 120, 1.0, _ASM_MIX, {"EU": .50, "AE": .50}),
    "TG": _Producer(4e3, 45, 1.0, (.30, .30, .40), {"AE": .70, "EU": .30}),
}
_TRADERS: dict[str, _Trader] = {
    "TH": _Trader(350e3, {"IN": .5, "EU": .3, "AE": .2}, 0.5),
    "AM": _Trader(250e3, {"RU": .7, "AE": .3}, 0.3),
    "BY": _Trader(300e3, {"RU": .9, "AE": .1}, 0.2, industrial=True),
    "LK": _Trader(120e3, {"IN": .4, "AE": .3, "EU": .3}, 0.4),
    "MU": _Trader(80e3, {"EU": .6, "IN": .4}, 0.6),
    "JP": _Trader(150e3, {"EU": .4, "IN": .3, "US": .3}, 0.1, industrial=True),
    "KR": _Trader(90e3, {"EU": .4, "CN": .3, "US": .3}, 0.1, industrial=True),
    "TR": _Trader(60e3, {"EU": .5, "AE": .5}, 0.2, industrial=True),
    "UA": _Trader(40e3, {"EU": .5, "AE": .5}, 0.3, industrial=True),
    "AU": _Trader(20e3, {"EU": .5, "IN": .5}, 0.5),
    "GB": _Trader(400e3, {"EU": .4, "AE": .3, "IN": .3}, 0.9),
    "SG": _Trader(200e3, {"IN": .4, "AE": .3, "CN": .3}, 0.8),
    "NZ": _Trader(120, {"EU": .7, "US": .3}, 0.0),  # tiny: tens of carats a quarter
    "NO": _Trader(200, {"EU": 1.0}, 0.0),
    "MY": _Trader(3000, {"IN": .5, "AE": .5}, 0.2),
    "MX": _Trader(800, {"US": 1.0}, 0.0),
    "QA": _Trader(500, {"AE": 1.0}, 0.0),
    "VN": _Trader(5000, {"IN": .5, "CN": .5}, 0.1),
    "LB": _Trader(2000, {"AE": .6, "EU": .4}, 0.3),
    "PA": _Trader(300, {"US": .6, "AE": .4}, 0.0),
}
# fmt: on
_CORE_PRODUCERS = ("BW", "RU", "CA", "AO", "ZA", "NA", "CD")
_TINY_TRADERS = ("NZ", "NO", "MX", "QA", "PA", "MY", "VN", "LB")
_SHIPMENTS_PER_VALUE = {"producer": 2.5, "hub": 9.0, "trader": 4.0}


@dataclass(frozen=True)
class Planted:
    """One planted anomaly: what a detector should find."""

    type: str  # one of ANOMALY_TYPES
    participant: str  # the reporter whose figures are wrong or missing
    partner: str | None  # the other participant of a pair, else None
    period: str  # the review year "2025", a quarter "2025-Q2" or a half "2025-H1"
    hs_code: str | None  # where it applies, else None
    strength: str  # "strong" or "subtle"
    note: str  # what was done, with the figures


@dataclass(frozen=True)
class World:
    """The statistics of one synthetic world, in the templates of the contract, and the truth."""

    year: int
    years: tuple[int, ...]
    participants: tuple[str, ...]
    producers: frozenset[str]
    trade: list[dict[str, str]]
    production: list[dict[str, str]]
    planted: tuple[Planted, ...]

    def trade_csv(self) -> str:
        """The trade template CSV (header and rows), ready to upload."""
        return _csv(TRADE_COLUMNS, self.trade)

    def production_csv(self) -> str:
        """The production template CSV (header and rows), ready to upload."""
        return _csv(PRODUCTION_COLUMNS, self.production)


def _csv(columns: tuple[str, ...], rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


@dataclass
class _Link:
    """Shipments from ``exporter`` to ``importer`` under one HS code."""

    exporter: str
    importer: str
    hs: str
    carats: float  # a year, at the reference level
    price: float  # $/ct at the reference market level
    kind: str  # the exporter's role
    shipments: float = 0.0  # expected certificates a year
    cif: float = 0.0
    lag: float = 0.0  # share of a quarter's shipments arriving the next quarter
    primary: bool = False
    # index 0 is a warm-up quarter (Q4 of the year before the first), then 4 per year
    ct: Arr = field(default_factory=lambda: np.zeros(0))
    val: Arr = field(default_factory=lambda: np.zeros(0))
    n: Arr = field(default_factory=lambda: np.zeros(0))
    moved: Arr = field(default_factory=lambda: np.zeros(0))  # share of carats arriving next quarter
    moved_n: Arr = field(default_factory=lambda: np.zeros(0))

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.exporter, self.importer, self.hs)


@dataclass
class _ProducerState:
    carats: float
    usd_per_ct: float
    asm_share: float
    price_ratio: dict[str, float]  # mining type -> $/ct relative to the average
    export_share: float
    half_split: float
    # (year index, half 0/1) -> mining type -> [carats, value]
    output: dict[tuple[int, int], dict[str, list[float]]] = field(default_factory=dict)


TradeKey = tuple[str, str, str, str, str]  # participant, period, flow, partner, hs


@dataclass
class _World:
    """Mutable state while a world is built."""

    rng: Rng
    year: int
    years: tuple[int, ...]
    hubs: list[str]
    producers: list[str]
    traders: list[str]
    season: dict[str, Arr] = field(default_factory=dict)
    drift: dict[str, Arr] = field(default_factory=dict)
    style: dict[str, str] = field(default_factory=dict)
    market: Arr = field(default_factory=lambda: np.zeros(0))
    links: dict[tuple[str, str, str], _Link] = field(default_factory=dict)
    prod: dict[str, _ProducerState] = field(default_factory=dict)
    trade: dict[TradeKey, list[float]] = field(default_factory=dict)
    production: dict[tuple[str, str, str], list[float]] = field(default_factory=dict)
    planted: list[Planted] = field(default_factory=list)
    subjects: set[str] = field(default_factory=set)  # participant-level plant subjects
    pair_used: set[frozenset[str]] = field(default_factory=set)
    nonhub_used: set[str] = field(default_factory=set)
    # reporting errors applied once the mirror rows exist: (kind, link, quarters, side, factor)
    errors: list[tuple[str, _Link, list[int], str, float]] = field(default_factory=list)
    # missing submissions: (participant, "trade" | "production", periods)
    missing: list[tuple[str, str, list[str]]] = field(default_factory=list)
    fine_production: set[str] = field(default_factory=set)  # producers reporting output in cents

    @property
    def codes(self) -> list[str]:
        return sorted(self.hubs + self.producers + self.traders)

    @property
    def n_quarters(self) -> int:
        return 1 + 4 * len(self.years)

    def review_quarters(self) -> list[int]:
        first = 1 + 4 * (len(self.years) - 1)
        return list(range(first, first + 4))

    def quarter_label(self, t: int) -> str:
        return f"{self.years[(t - 1) // 4]}-Q{(t - 1) % 4 + 1}"

    def role(self, code: str) -> str:
        if code in self.hubs:
            return "hub"
        return "producer" if code in self.producers else "trader"

    def plant(
        self, kind: str, who: str, partner: str | None, period: str, hs: str | None, strength: str, note: str
    ) -> None:
        self.planted.append(Planted(kind, who, partner, period, hs, strength, note))


def generate(seed: int, *, year: int = 2025, history_years: int = 2, participants: int = 25) -> World:
    """Build the world for ``seed`` (deterministic for a seed): ``history_years`` years of clean
    history before the review ``year`` (so ``history_years + 1`` years of data, none after
    ``year``), ``participants`` codes (10-47), and anomalies planted in the review year only."""
    if history_years < 1:
        raise ValueError("history_years must be at least 1")
    rng = np.random.default_rng(seed)
    years = tuple(range(year - history_years, year + 1))
    hubs, producers, traders = _choose_participants(rng, participants)
    w = _World(rng=rng, year=year, years=years, hubs=hubs, producers=producers, traders=traders)
    _profiles(w)
    _build_links(w)
    big = participants >= 20
    plan = _participant_plans(w, seed, big)
    for p in w.subjects:  # a subject's review-year movement is the plant alone
        w.drift[p][-1] = w.drift[p][-2]
    _simulate(w)
    _tie_exports_to_production(w)
    for apply in plan:
        apply()
    pair_plans = _pair_plans(w, seed, big)
    for apply in pair_plans:
        apply()
    _report(w)
    _reporting_errors(w)
    _history_gaps(w)
    return World(
        year=year,
        years=years,
        participants=tuple(w.codes),
        producers=frozenset(producers),
        trade=_format_trade(w),
        production=_format_production(w),
        planted=tuple(w.planted),
    )


# --------------------------------------------------------------------------- the world's shape


def _choose_participants(rng: Rng, n: int) -> tuple[list[str], list[str], list[str]]:
    hub_pool, trader_pool = list(_HUBS), list(_TRADERS)
    limit = len(hub_pool) + len(_PRODUCERS) + len(trader_pool)
    if not 10 <= n <= limit:
        raise ValueError(f"participants must be between 10 and {limit}")
    n_hubs = min(len(hub_pool), max(3, round(n * 0.28)))
    n_prod = min(len(_PRODUCERS), max(4, round(n * 0.44)))
    n_trad = n - n_hubs - n_prod
    if n_trad > len(trader_pool):
        n_prod += n_trad - len(trader_pool)
        n_trad = len(trader_pool)
    core = list(_CORE_PRODUCERS[: min(n_prod, len(_CORE_PRODUCERS))])
    others = [p for p in _PRODUCERS if p not in core]
    producers = core + [str(p) for p in rng.choice(others, n_prod - len(core), replace=False)]
    tiny = [t for t in trader_pool if t in _TINY_TRADERS]
    mid = [t for t in trader_pool if t not in _TINY_TRADERS]
    n_tiny = min(len(tiny), max(1, n_trad // 3))
    traders = [str(t) for t in rng.choice(tiny, n_tiny, replace=False)]
    traders += [str(t) for t in rng.choice(mid, min(len(mid), n_trad - n_tiny), replace=False)]
    if len(traders) < n_trad:
        rest = [t for t in tiny if t not in traders]
        traders += rest[: n_trad - len(traders)]
    return hub_pool[:n_hubs], sorted(producers), sorted(traders)


def _profiles(w: _World) -> None:
    rng = w.rng
    years = len(w.years)
    steps = np.clip(rng.normal(-0.02, 0.05, years), -0.1, 0.1)
    steps[0] = 0.0
    w.market = np.exp(np.cumsum(steps))
    for code in w.codes:
        a, b = rng.uniform(0.08, 0.33, 2)
        if code in w.producers:  # halves balanced: exports follow half-year production
            first = [1 - a, 1 + a] if rng.random() < 0.5 else [1 + a, 1 - a]
            second = [1 + b, 1 - b] if rng.random() < 0.5 else [1 - b, 1 + b]
            season = np.array(first + second)
        else:
            season = rng.permutation(np.array([1 - a, 1 + a, 1 - b, 1 + b]))
        w.season[code] = season
        walk = np.clip(rng.normal(0.0, 0.06, years), -0.12, 0.12)
        walk[0] = rng.normal(0.0, 0.03)
        w.drift[code] = np.cumsum(walk)
        w.style[code] = str(rng.choice(["cents", "units", "hundreds"], p=[0.6, 0.25, 0.15]))
        if rng.random() < 0.3:
            w.fine_production.add(code)


def _weights(rng: Rng, base: dict[str, float], present: set[str], fallback: str) -> dict[str, float]:
    """``base`` restricted to ``present``, perturbed, small shares dropped, normalised."""
    raw = {k: v * math.exp(rng.normal(0.0, 0.25)) for k, v in sorted(base.items()) if k in present}
    if not raw:
        return {fallback: 1.0}
    total = sum(raw.values())
    kept = {k: v for k, v in raw.items() if v / total >= 0.02}
    total = sum(kept.values())
    return {k: v / total for k, v in kept.items()}


def _hs_split(rng: Rng, mix: Sequence[float], spread: float = 0.15) -> dict[str, float]:
    raw = {hs: s * math.exp(rng.normal(0.0, spread)) for hs, s in zip(HS_CODES, mix, strict=True) if s > 0}
    total = sum(raw.values())
    kept = {hs: s for hs, s in raw.items() if s / total >= 0.03}
    total = sum(kept.values())
    return {hs: s / total for hs, s in kept.items()}


def _add(w: _World, exporter: str, importer: str, hs: str, carats: float, price: float) -> None:
    """A link; for hubs and traders ``price`` is a spread around their resale price."""
    key = (exporter, importer, hs)
    link = w.links.get(key)
    if link is None:
        w.links[key] = _Link(exporter, importer, hs, carats, price, w.role(exporter))
    else:
        total = link.carats + carats
        link.price = (link.price * link.carats + price * carats) / total
        link.carats = total


def _bought(w: _World, who: str, roles: tuple[str, ...] = ("producer", "hub", "trader")) -> dict[str, Arr]:
    """HS -> [carats a year, $/ct] of what ``who`` buys from participants of these roles."""
    acc: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for link in w.links.values():
        if link.importer == who and w.role(link.exporter) in roles:
            acc[link.hs][0] += link.carats
            acc[link.hs][1] += link.carats * link.price
    return {hs: np.array([c, v / c]) for hs, (c, v) in acc.items() if c > 0}


def _build_links(w: _World) -> None:
    rng = w.rng
    present = set(w.codes)
    hubs = set(w.hubs)
    # producers: output, $/ct by HS code and mining type, export destinations
    pool: dict[str, list[tuple[float, float]]] = defaultdict(list)
    own_price: dict[str, dict[str, float]] = {}
    for p in w.producers:
        ref = _PRODUCERS[p]
        carats = ref.carats * rng.uniform(0.9, 1.1)
        usd = ref.usd_per_ct * rng.uniform(0.9, 1.1)
        mix = _hs_split(rng, ref.hs_mix)
        rel = {"7102.10": 0.85, "7102.21": 0.09, "7102.31": 1.55}
        rel = {hs: r * math.exp(rng.normal(0.0, 0.1)) for hs, r in rel.items()}
        norm = sum(mix[hs] * rel[hs] for hs in mix)
        price = {hs: usd * rel[hs] / norm for hs in mix}
        ratio = {"LSM": 1.0, "ASM": 1.0}
        if 0 < ref.asm_share < 1:
            asm = rng.uniform(0.6, 1.5)
            ratio = {"LSM": (1 - ref.asm_share * asm) / (1 - ref.asm_share), "ASM": asm}
        split = rng.uniform(0.46, 0.54)
        w.prod[p] = _ProducerState(carats, usd, ref.asm_share, ratio, rng.uniform(0.84, 0.92), split)
        exports = carats * w.prod[p].export_share
        for d, share in _weights(rng, ref.dest, present, w.hubs[0]).items():
            for hs, s in _hs_split(rng, [mix.get(h, 0.0) for h in HS_CODES]).items():
                _add(w, p, d, hs, exports * share * s, price[hs] * math.exp(rng.normal(0.0, 0.08)))
        for hs in mix:
            pool[hs].append((carats * mix[hs], price[hs]))
        own_price[p] = price
    world = {hs: sum(c * v for c, v in pool[hs]) / sum(c for c, _ in pool[hs]) for hs in pool}
    # traders: imports from hubs (and from RU for AM and BY), part sent back
    for t in w.traders:
        trader = _TRADERS[t]
        size = trader.carats * rng.uniform(0.8, 1.25)
        mix = _hs_split(rng, (0.15, 0.60, 0.25) if trader.industrial else (0.25, 0.10, 0.65))
        sources = _weights(rng, trader.sources, present, w.hubs[0])
        for src, share in sources.items():
            for hs, s in mix.items():
                spread = math.exp(rng.normal(0.0, 0.1))
                if src in w.producers:
                    spread *= own_price[src].get(hs, world[hs])
                _add(w, src, t, hs, size * share * s, spread)
        back = {k: v for k, v in sources.items() if k in hubs} or {w.hubs[0]: 1.0}
        for d, share in back.items():
            for hs, s in mix.items():
                if trader.resale > 0:
                    _add(w, t, d, hs, size * trader.resale * share / sum(back.values()) * s, 1.0)
    # producers that buy a little from a hub (NA's sales to BW come through NA's destinations)
    for p in w.producers:
        if p != "BW" and rng.random() < 0.35:
            h = str(rng.choice(w.hubs))
            for hs, s in {"7102.10": 0.4, "7102.31": 0.6}.items():
                carats = w.prod[p].carats * rng.uniform(0.005, 0.02) * s
                _add(w, h, p, hs, carats, math.exp(rng.normal(0.0, 0.1)))
    # hub to hub: re-exports in proportion to what hubs buy from producers and traders
    for h in w.hubs:
        bought = _bought(w, h, ("producer", "trader"))
        base = sum(float(v[0]) for v in bought.values())
        sold_out = sum(lk.carats for lk in w.links.values() if lk.exporter == h)
        to_hubs = max(0.25 * base * _HUBS[h][0], base * _HUBS[h][0] - sold_out)
        mix_raw = [float(bought[hs][0]) / base if hs in bought else 0.0 for hs in HS_CODES]
        dest = _weights(rng, {k: v for k, v in _HUB_DEST[h].items() if k != h}, hubs - {h}, w.hubs[-1])
        for d, share in dest.items():
            for hs, s in _hs_split(rng, mix_raw).items():
                _add(w, h, d, hs, to_hubs * share * s, math.exp(rng.normal(0.0, 0.08)))
    # resale prices: a hub or trader sells at a mark-up on its average purchase price per HS
    # code; hubs buy from each other, so settle the prices by iteration (it converges fast)
    spreads = {key: link.price for key, link in w.links.items() if link.kind != "producer"}
    markup = {h: _HUBS[h][1] * math.exp(rng.normal(0.0, 0.04)) for h in w.hubs}
    markup.update({t: rng.uniform(1.0, 1.2) for t in w.traders})
    resale = {x: dict(world) for x in markup}
    for _ in range(50):
        before = {x: dict(prices) for x, prices in resale.items()}
        for x in sorted(markup):
            bought = _bought(w, x)
            resale[x] = {
                hs: markup[x] * (float(bought[hs][1]) if hs in bought else world[hs]) for hs in HS_CODES
            }
        for key, factor in spreads.items():
            w.links[key].price = resale[key[0]][key[2]] * factor
        if all(abs(resale[x][hs] / before[x][hs] - 1) < 1e-4 for x in resale for hs in HS_CODES):
            break
    else:
        raise RuntimeError("resale prices did not settle")
    # shipments, freight and transit per pair
    pair_cif: dict[tuple[str, str], tuple[float, float]] = {}
    for link in w.links.values():
        value_m = link.carats * link.price / 1e6
        per_value = _SHIPMENTS_PER_VALUE[link.kind] * value_m**0.6
        link.shipments = max(0.4, per_value + link.carats / 1e5)
        pair = (link.exporter, link.importer)
        if pair not in pair_cif:
            lag = 0.0 if rng.random() < 0.3 else rng.uniform(0.05, 0.30)
            pair_cif[pair] = (rng.uniform(0.01, 0.06), lag)
        link.cif, link.lag = pair_cif[pair]
    for code in w.codes:  # each participant's main link ships every quarter
        mine = [lk for lk in w.links.values() if code in (lk.exporter, lk.importer)]
        max(mine, key=lambda lk: (lk.shipments, lk.key)).primary = True


# --------------------------------------------------------------------------- simulation


def _simulate(w: _World) -> None:
    rng = w.rng
    n_q = w.n_quarters
    ys = np.array([0] + [(t - 1) // 4 for t in range(1, n_q)])  # the warm-up uses the first year
    qs = np.array([3] + [(t - 1) % 4 for t in range(1, n_q)])
    for key in sorted(w.links):
        link = w.links[key]
        year_level = rng.normal(0.0, 0.04, len(w.years))
        year_price = np.exp(rng.normal(0.0, 0.03, len(w.years)))
        level = np.exp(0.5 * (w.drift[link.exporter][ys] + w.drift[link.importer][ys]) + year_level[ys])
        season = w.season[link.exporter][qs] * (1 + rng.normal(0.0, 0.03, n_q))
        expected = link.carats * level * season / 4
        lam = link.shipments * level * season / 4
        # regular flows (a shipment a quarter or more) follow a schedule: fewer surprises than
        # Poisson, and part of a busy quarter goes in bigger parcels rather than more of them
        c_regular = expected * np.exp(rng.normal(0.0, 1.0, n_q) * (0.05 + 0.15 / np.sqrt(np.maximum(lam, 1))))
        k_regular = np.maximum(
            1, np.round(lam * (c_regular / expected) ** 0.6 * np.exp(rng.normal(0.0, 0.08, n_q)))
        )
        # sporadic flows come in whole shipments, none in some quarters
        k_sporadic = rng.poisson(lam).astype(float)
        if link.primary:  # every participant trades every quarter
            k_sporadic = np.maximum(k_sporadic, 1)
        size = np.exp(rng.normal(0.0, 1.0, n_q) * 0.35 / np.sqrt(np.maximum(k_sporadic, 1)))
        c_sporadic = k_sporadic * expected / lam * size
        regular = lam >= 1
        k = np.where(regular, k_regular, k_sporadic)
        ct = np.where(regular, c_regular, c_sporadic)
        noise = np.exp(rng.normal(0.0, 1.0, n_q) * (0.025 + 0.08 / np.sqrt(np.maximum(k, 1))))
        val = ct * link.price * w.market[ys] * year_price[ys] * noise
        moved_n = np.zeros(n_q)
        moved = np.zeros(n_q)
        if link.lag > 0:  # up to a third of the shipments arrive the next quarter
            tau = np.clip(link.lag + rng.normal(0.0, 0.03, n_q), 0.0, 0.33)
            moved_n = np.where(k >= 3, np.minimum(rng.binomial(k.astype(int), tau), k // 3), 0).astype(float)
            share = moved_n / np.maximum(k, 1) * np.exp(rng.normal(0.0, 0.1, n_q))
            moved = np.where(moved_n > 0, np.minimum(0.34, share), 0.0)
        link.ct, link.val, link.n, link.moved, link.moved_n = ct, val, k, moved, moved_n
    for p in w.producers:
        state = w.prod[p]
        for y in range(len(w.years)):
            total = state.carats * math.exp(w.drift[p][y])
            split = min(0.6, max(0.4, state.half_split + rng.normal(0.0, 0.015)))
            for half, share in ((0, split), (1, 1 - split)):
                asm = state.asm_share
                if 0 < asm < 1:
                    asm = min(0.99, max(0.01, asm + rng.normal(0.0, 0.02)))
                out: dict[str, list[float]] = {}
                for kind, part in (("LSM", 1 - asm), ("ASM", asm)):
                    if part > 0:
                        c = total * share * part
                        v = (
                            c
                            * state.usd_per_ct
                            * state.price_ratio[kind]
                            * w.market[y]
                            * math.exp(rng.normal(0.0, 0.03))
                        )
                        out[kind] = [c, v]
                state.output[(y, half)] = out


def _half_quarters(y: int, half: int) -> list[int]:
    first = 1 + 4 * y + 2 * half
    return [first, first + 1]


def _tie_exports_to_production(w: _World) -> None:
    """A producer exports 84-93 % of each half-year's output (never more than 95 %)."""
    for p in w.producers:
        state = w.prod[p]
        out_links = [lk for lk in w.links.values() if lk.exporter == p]
        for y in range(len(w.years)):
            for half in (0, 1):
                qs = _half_quarters(y, half)
                made_ct = sum(v[0] for v in state.output[(y, half)].values())
                made_val = sum(v[1] for v in state.output[(y, half)].values())
                sent = sum(lk.ct[t] for lk in out_links for t in qs)
                if sent <= 0:
                    continue
                target = min(0.95, state.export_share * math.exp(w.rng.normal(0.0, 0.025))) * made_ct
                factor = target / sent
                scale_qs = [0, *qs] if (y, half) == (0, 0) else qs
                for lk in out_links:
                    lk.ct[scale_qs] *= factor
                    lk.val[scale_qs] *= factor
                value = sum(lk.val[t] for lk in out_links for t in qs)
                if value > 0.96 * made_val:
                    for lk in out_links:
                        lk.val[qs] *= 0.96 * made_val / value


# --------------------------------------------------------------------------- totals and shares


def _totals(w: _World, t: int) -> dict[tuple[str, str], tuple[float, float]]:
    """(participant, export|import) -> (carats, value) of the true flows in quarter ``t``."""
    acc: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for lk in w.links.values():
        for who, flow in ((lk.exporter, "export"), (lk.importer, "import")):
            acc[(who, flow)][0] += lk.ct[t]
            acc[(who, flow)][1] += lk.val[t]
    return {k: (v[0], v[1]) for k, v in acc.items()}


def _share(
    totals: dict[tuple[str, str], tuple[float, float]], who: str, flow: str, ct: float, val: float
) -> float:
    c, v = totals.get((who, flow), (0.0, 0.0))
    return max(ct / c if c else 1.0, val / v if v else 1.0)


def _partner_share(w: _World, links: list[_Link], side: str) -> float:
    """The largest share that ``links`` (all HS codes together) hold in one partner's expected
    yearly flow, carats or value; ``side`` is the partner's side (exporter or importer)."""
    mine: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for lk in links:
        mine[getattr(lk, side)][0] += lk.carats
        mine[getattr(lk, side)][1] += lk.carats * lk.price
    worst = 0.0
    for who, (c, v) in mine.items():
        same = [lk for lk in w.links.values() if getattr(lk, side) == who]
        total_c = sum(lk.carats for lk in same)
        total_v = sum(lk.carats * lk.price for lk in same)
        worst = max(worst, c / total_c, v / total_v)
    return worst


def _fmt_ct(x: float) -> str:
    return f"{x:,.0f} ct"


def _fmt_usd(x: float) -> str:
    return f"${x / 1e6:,.2f}M" if x >= 1e5 else f"${x:,.0f}"


# --------------------------------------------------------------------------- participant plans


def _strengths(seed: int, index: int, count: int) -> list[str]:
    """One or two strengths, the first alternating with the seed, so 20 seeds cover both."""
    first = ("strong", "subtle")[(seed + index) % 2]
    return [first, "subtle" if first == "strong" else "strong"][:count]


def _participant_plans(w: _World, seed: int, big: bool) -> list[Apply]:
    """Choose the subjects of participant-level plants (before simulation, so that their
    review-year drift can be neutralised) and return what applies the real changes later."""
    rng = w.rng
    plans: list[Apply] = []
    imports: dict[str, float] = defaultdict(float)
    for lk in w.links.values():
        imports[lk.importer] += lk.carats
    candidates = [
        p
        for p in w.producers
        if imports[p] <= 0.03 * w.prod[p].carats
        and sum(lk.shipments for lk in w.links.values() if lk.exporter == p) / 4 >= 8
    ]
    for strength in _strengths(seed, 2, 2 if big and len(candidates) >= 4 else 1):
        if candidates:
            p = str(rng.choice(candidates))
            candidates.remove(p)
            w.subjects.add(p)
            if strength == "subtle":
                w.prod[p].export_share = 0.93
            plans.append(_production_export(w, p, strength, int(rng.integers(0, 2))))
    for i, strength in enumerate(_strengths(seed, 4, 2 if big else 1)):
        plan = _sudden_change(w, strength, production=(i == 1 or rng.random() < 0.3))
        if plan is not None:
            plans.append(plan)
    kinds = ["trade", "production"] if big else [("trade", "production")[seed % 2]]
    for kind, strength in zip(kinds, _strengths(seed, 5, len(kinds)), strict=True):
        pool = w.producers if kind == "production" else [c for c in w.codes if c not in w.hubs]
        pool = [c for c in pool if c not in w.subjects]
        if pool:
            who = str(rng.choice(pool))
            w.subjects.add(who)
            _missing(w, who, kind, strength)
    return plans


def _scale_output(out: dict[str, list[float]], factor: float) -> float:
    """Scale one half-year's production rows; returns the carats before."""
    before = sum(v[0] for v in out.values())
    for v in out.values():
        v[0] *= factor
        v[1] *= factor
    return before


def _production_export(w: _World, p: str, strength: str, half: int) -> Apply:
    yr = len(w.years) - 1
    label = f"{w.year}-H{half + 1}"
    out_links = [lk for lk in w.links.values() if lk.exporter == p]

    def apply() -> None:
        state = w.prod[p]
        if strength == "strong":
            before = _scale_output(state.output[(yr, half)], 0.22)
            sent = sum(lk.ct[t] for lk in out_links for t in _half_quarters(yr, half))
            note = (
                f"{p} reported {label} production at 22% of normal ({_fmt_ct(before)} -> "
                f"{_fmt_ct(before * 0.22)}) while exporting as usual ({_fmt_ct(sent)} in the half); "
                "its imports are under 3% of its output."
            )
            w.plant("production_export", p, None, label, None, strength, note)
            note = f"{SIDE_EFFECT}the production_export plant on {p}: {label} production x0.22."
            w.plant("sudden_change", p, None, label, None, strength, note)
            return
        for h in (0, 1):
            _scale_output(state.output[(yr, h)], 0.88)
        for lk in out_links:
            lk.ct[w.review_quarters()] *= 1.13
            lk.val[w.review_quarters()] *= 1.13
        made = sum(v[0] for h in (0, 1) for v in state.output[(yr, h)].values())
        sent = sum(lk.ct[t] for lk in out_links for t in w.review_quarters())
        note = (
            f"{p} produced 12% less in {w.year} and exported 13% more (each within normal yearly "
            f"swings): exports {_fmt_ct(sent)} against production {_fmt_ct(made)} (ratio "
            f"{sent / made:.2f}, history about 0.93); its imports are under 3% of its output."
        )
        w.plant("production_export", p, None, str(w.year), None, strength, note)

    return apply


def _steady(links: list[_Link]) -> bool:
    """Whether these flows add up to a quarterly total steady enough (expected ln-sd under 0.08,
    at least $8M and 20 shipments a quarter, three partners or more, none with half the value)
    for a subtle change to stand out."""
    values = np.array([lk.carats * lk.price / 4 for lk in links])
    lam = np.array([lk.shipments / 4 for lk in links])
    if values.sum() < 8e6 or lam.sum() < 20:
        return False
    by_partner: dict[str, float] = defaultdict(float)
    for lk, value in zip(links, values, strict=True):
        by_partner[f"{lk.exporter}>{lk.importer}"] += float(value)
    if len(by_partner) < 3 or max(by_partner.values()) > 0.5 * values.sum():
        return False
    sd = np.where(lam >= 1, 0.05 + 0.15 / np.sqrt(np.maximum(lam, 1e-9)), 0.6)
    return float(np.sqrt(np.sum((values / values.sum() * sd) ** 2))) < 0.08


_SUDDEN = {
    "strong": {"import_jump": 3.5, "import_drop": 0.15, "export_drop": 0.15, "production": 2.8},
    "subtle": {"import_jump": 2.0, "import_drop": 0.45, "export_drop": 0.45, "production": 1.6},
}


def _sudden_flows(w: _World, who: str, mode: str) -> tuple[list[_Link], list[_Link]]:
    """(the flows a trade change scales, all the participant's flows that way)."""
    side = "importer" if mode.startswith("import") else "exporter"
    every = [lk for lk in w.links.values() if getattr(lk, side) == who]
    # an import jump spares producers, whose exports are tied to their output
    return [lk for lk in every if mode != "import_jump" or lk.exporter not in w.producers], every


def _sudden_change(w: _World, strength: str, production: bool) -> Apply | None:
    rng = w.rng
    free = [c for c in w.codes if c not in w.subjects and c not in w.hubs]
    output = [  # big enough to matter to a reviewer
        (p, "production")
        for p in w.producers
        if p in free and w.prod[p].carats >= 50e3 and w.prod[p].carats * w.prod[p].usd_per_ct >= 5e6
    ]
    options = list(output) if production else []
    for c in free if not options else []:
        for mode in ("import_jump", "import_drop", "export_drop"):
            mine, every = _sudden_flows(w, c, mode)
            value = sum(lk.carats * lk.price for lk in mine)
            other = "exporter" if mode.startswith("import") else "importer"
            spill = abs(_SUDDEN[strength][mode] - 1)  # how much partners' totals move, at most 8 %
            if (
                value >= 0.9 * sum(lk.carats * lk.price for lk in every)
                and _steady(mine)
                and _partner_share(w, mine, other) * spill <= 0.08
            ):
                options.append((c, mode))
    options = options or output
    if not options:
        return None
    who, mode = options[int(rng.integers(0, len(options)))]
    w.subjects.add(who)
    factor = _SUDDEN[strength][mode]
    yr = len(w.years) - 1

    def apply() -> None:
        if mode == "production":
            half = int(rng.integers(0, 2))
            before = _scale_output(w.prod[who].output[(yr, half)], factor)
            note = (
                f"{who}'s {w.year}-H{half + 1} production x{factor} ({_fmt_ct(before)} -> "
                f"{_fmt_ct(before * factor)}), exports unchanged (stock built up)."
            )
            w.plant("sudden_change", who, None, f"{w.year}-H{half + 1}", None, strength, note)
            return
        t = w.review_quarters()[int(rng.integers(0, 4))]
        touched, _ = _sudden_flows(w, who, mode)
        before = sum(lk.ct[t] for lk in touched)
        for lk in touched:
            lk.ct[t] *= factor
            lk.val[t] *= factor
            if lk.n[t]:
                lk.n[t] = max(1, round(lk.n[t] * factor))
            _quiet_transit(lk, t)  # the change lands in the quarter on both sides
        words = "imports" if mode.startswith("import") else "exports"
        scope = " from non-producers" if mode == "import_jump" else ""
        note = (
            f"{who}'s {w.quarter_label(t)} {words}{scope} x{factor} on every flow ({_fmt_ct(before)} "
            f"-> {_fmt_ct(before * factor)}), a real change that its partners report too."
        )
        w.plant("sudden_change", who, None, w.quarter_label(t), None, strength, note)

    return apply


def _missing(w: _World, who: str, kind: str, strength: str) -> None:
    if kind == "trade":
        periods = [w.quarter_label(t) for t in w.review_quarters()]
    else:
        periods = [f"{w.year}-H1", f"{w.year}-H2"]
    if strength == "subtle":
        periods = [periods[int(w.rng.integers(0, len(periods)))]]
    w.missing.append((who, kind, periods))
    tail = "its partners reported their side" if kind == "trade" else "it produces every half-year"
    note = f"{kind}: {who} submitted no {kind} rows for {', '.join(periods)}; {tail}."
    w.plant("missing_submission", who, None, str(w.year), None, strength, note)


# --------------------------------------------------------------------------- pair plans


def _pair_free(w: _World, link: _Link) -> bool:
    """Whether ``link``'s pair may carry a plant: not a participant-level subject, a new pair, a
    non-hub in no other pair plant, and enough participants left without any plant."""
    e, i = link.exporter, link.importer
    if e in w.subjects or i in w.subjects or frozenset((e, i)) in w.pair_used:
        return False
    if any(p not in w.hubs and p in w.nonhub_used for p in (e, i)):
        return False
    touched = w.subjects | w.nonhub_used | {p for pair in w.pair_used for p in pair} | {e, i}
    return len(set(w.codes) - touched) >= (4 if len(w.codes) >= 20 else 3)


def _history_ok(w: _World, link: _Link, min_n: int) -> bool:
    hist = link.n[1 : 1 + 4 * (len(w.years) - 1)]
    return int((hist >= min_n).sum()) >= 0.75 * len(hist)


def _pick(w: _World, options: list[tuple[_Link, int]]) -> tuple[_Link, int] | None:
    """A random free option, whose pair is then taken."""
    options = [(lk, t) for lk, t in options if _pair_free(w, lk)]
    if not options:
        return None
    link, t = options[int(w.rng.integers(0, len(options)))]
    w.pair_used.add(frozenset((link.exporter, link.importer)))
    w.nonhub_used.update(p for p in (link.exporter, link.importer) if p not in w.hubs)
    return link, t


def _pair_plans(w: _World, seed: int, big: bool) -> list[Apply]:
    """Choose pair anomalies on review-year flows; returns what changes the true flows."""
    rng = w.rng
    plans: list[Apply] = []
    quarters = w.review_quarters()
    totals = {t: _totals(w, t) for t in quarters}
    links = [w.links[k] for k in sorted(w.links)]
    count = 2 if big else 1

    def small(lk: _Link, t: int, sides: tuple[str, ...], limit: float, grow: float = 1.0) -> bool:
        """The flow moves each side's quarterly total by at most ``limit`` when scaled."""
        for side in sides:
            who = lk.exporter if side == "export" else lk.importer
            if _share(totals[t], who, side, lk.ct[t], lk.val[t]) * grow > limit:
                return False
        return True

    def all_year(side: str) -> list[tuple[_Link, int]]:
        return [
            (lk, quarters[0])
            for lk in links
            if all(lk.n[t] >= 3 and small(lk, t, (side,), 0.10) for t in quarters)
            and sum(lk.val[t] for t in quarters) >= 10e6
        ]

    def one_quarter(least: int, usd: float, limit: float) -> list[tuple[_Link, int]]:
        return [
            (lk, t)
            for lk in links
            for t in quarters
            if lk.n[t] >= least and lk.val[t] >= usd and small(lk, t, ("import",), limit)
        ]

    for strength in _strengths(seed, 0, count):
        kinds = (
            ["partial", "lost", "orphan", "value"] if strength == "strong" else ["partial", "double", "value"]
        )
        variant = str(rng.choice(kinds))
        if variant in ("partial", "lost", "orphan"):
            choice = _pick(w, all_year("export" if variant == "orphan" else "import"))
        else:
            choice = _pick(w, one_quarter(5, 3e6, 0.08)) if variant == "double" else None
        if choice is None:
            variant = "value"
            choice = _pick(w, one_quarter(5, 3e6, 0.04))
        if choice is not None:
            _mirror_gap(w, *choice, variant, strength)
    for strength in _strengths(seed, 1, count):
        first_up, both = bool(rng.random() < 0.5), bool(rng.random() < 0.7)
        for up in (first_up, not first_up):
            factor = (4.5 if up else 0.2) if strength == "strong" else (1.9 if up else 0.5)
            choice = _pick(
                w,
                [
                    (lk, t)
                    for lk in links
                    for t in quarters
                    if lk.n[t] >= 4
                    and lk.val[t] >= 1e6
                    and _history_ok(w, lk, 3)
                    and not (up and lk.exporter in w.producers)  # no exports valued above output
                    and small(lk, t, ("export", "import"), 0.08, abs(factor - 1))
                ],
            )
            if choice is not None:
                plans.append(_unit_value(w, *choice, factor, strength, both))
                break
    for strength in _strengths(seed, 3, count):
        first_both = bool(rng.random() < 0.5)
        one_side = float(rng.choice([4.0, 0.15] if strength == "strong" else [1.8, 0.5]))
        for both in (first_both, not first_both):
            if both:
                factor = 3.5 if strength == "strong" else 2.0
                opts = [(lk, t) for lk in links for t in quarters if lk.n[t] >= 20 and _history_ok(w, lk, 10)]
            else:
                factor, least = one_side, (8 if strength == "strong" else 12)
                opts = [(lk, t) for lk in links for t in quarters if lk.n[t] >= least]
            choice = _pick(w, opts)
            if choice is not None:
                plans.append(_certificates(w, *choice, factor, strength, both))
                break
    return plans


def _quiet_transit(link: _Link, t: int) -> None:
    """Nothing of ``link`` crosses into or out of quarter ``t``: its mirror there is exact."""
    for s in (t - 1, t):
        link.moved[s] = link.moved_n[s] = 0.0


def _flow_words(who: str, side: str, other: str, label: str, hs: str) -> str:
    return f"its {label} {hs} {side}s {'from' if side == 'import' else 'to'} {other}"


def _mirror_gap(w: _World, link: _Link, t: int, variant: str, strength: str) -> None:
    rng = w.rng
    e, i, hs = link.key
    year = str(w.year)
    quarters = w.review_quarters()
    sent = f"{_fmt_ct(sum(link.ct[quarters]))} / {_fmt_usd(sum(link.val[quarters]))}"
    if variant in ("partial", "lost"):
        f = (
            0.0
            if variant == "lost"
            else rng.uniform(*((0.25, 0.35) if strength == "strong" else (0.62, 0.72)))
        )
        w.errors.append(("scale", link, quarters, "import", f))
        if f == 0:
            what = f"{i} reported no import of {hs} from {e} in {year}"
        else:
            what = f"{i} reported {f:.0%} of the carats, value and certificates of its {hs} imports from {e}"
            what += f" in every quarter of {year}"
        w.plant("mirror_gap", i, e, year, hs, strength, f"{what}; {e} reported {sent} exported.")
    elif variant == "orphan":
        w.errors.append(("scale", link, quarters, "export", 0.0))
        note = f"{e} reported no export of {hs} to {i} in {year}; {i} reported receiving about {sent} (FOB)."
        w.plant("mirror_gap", e, i, year, hs, strength, note)
    elif variant == "double":
        _quiet_transit(link, t)
        w.errors.append(("scale", link, [t], "import", 2.2))
        note = (
            f"{i} reported {_flow_words(i, 'import', e, w.quarter_label(t), hs)} 2.2 times over (carats, "
            f"value and certificates): {_fmt_ct(2.2 * link.ct[t])} against {_fmt_ct(link.ct[t])} shipped."
        )
        w.plant("mirror_gap", i, e, w.quarter_label(t), hs, strength, note)
    else:
        up = rng.random() < 0.5
        k = (3.2 if up else 0.3) if strength == "strong" else (1.5 if up else 0.65)
        side = "import" if e in w.producers or rng.random() < 0.6 else "export"
        if side == "export" and link.val[t] * (k - 1) > 0.04 * _totals(w, t)[(e, "export")][1]:
            side = "import"
        who, other = (i, e) if side == "import" else (e, i)
        _quiet_transit(link, t)
        w.errors.append(("value", link, [t], side, k))
        label = w.quarter_label(t)
        note = (
            f"{who} reported the value of {_flow_words(who, side, other, label, hs)} x{k} "
            f"({_fmt_usd(link.val[t])} -> {_fmt_usd(link.val[t] * k)} FOB), carats right"
        )
        w.plant("mirror_gap", who, other, label, hs, strength, note + ".")
        side_note = f"{SIDE_EFFECT}the mirror_gap plant: {note}, so its $/ct is x{k}."
        w.plant("unit_value", who, other, label, hs, strength, side_note)


def _unit_value(w: _World, link: _Link, t: int, factor: float, strength: str, both: bool) -> Apply:
    e, i, hs = link.key
    label = w.quarter_label(t)

    def apply() -> None:
        _quiet_transit(link, t)
        price = link.val[t] / link.ct[t]
        prices = f"${price:,.2f}/ct -> ${price * factor:,.2f}/ct"
        if both:
            link.val[t] *= factor
            note = (
                f"The {label} {hs} certificates from {e} to {i} were valued x{factor} ({prices} on "
                f"{_fmt_ct(link.ct[t])}); both sides report the certificate value."
            )
            w.plant("unit_value", e, i, label, hs, strength, note)
            note = f"Importer's side of the same plant: {i} reported the mis-valued certificates ({prices})."
            w.plant("unit_value", i, e, label, hs, strength, note)
            return
        side = "import" if e in w.producers or w.rng.random() < 0.5 else "export"
        who, other = (i, e) if side == "import" else (e, i)
        w.errors.append(("value", link, [t], side, factor))
        flows = _flow_words(who, side, other, label, hs)
        note = f"{who} alone reported {flows} at x{factor} the value ({prices} FOB)"
        w.plant("unit_value", who, other, label, hs, strength, note + ", carats right.")
        side_note = f"{SIDE_EFFECT}the unit_value plant: {note}; the partner reports the true value."
        w.plant("mirror_gap", who, other, label, hs, strength, side_note)

    return apply


def _certificates(w: _World, link: _Link, t: int, factor: float, strength: str, both: bool) -> Apply:
    e, i, hs = link.key
    label = w.quarter_label(t)

    def apply() -> None:
        _quiet_transit(link, t)
        before = int(link.n[t])
        after = max(1, round(before * factor))
        if both:
            link.n[t] = after
            note = (
                f"{e} issued {after} certificates instead of about {before} for its {label} {hs} exports to "
                f"{i} ({_fmt_ct(link.ct[t])}: {link.ct[t] / after:,.0f} instead of "
                f"{link.ct[t] / before:,.0f} ct per certificate, shipments split or merged); both sides "
                "report the same count."
            )
            w.plant("certificate_count", e, i, label, hs, strength, note)
            return
        side = "export" if w.rng.random() < 0.5 else "import"
        who, other = (e, i) if side == "export" else (i, e)
        w.errors.append(("certs", link, [t], side, factor))
        note = (
            f"{who} reported {after} certificates for {_flow_words(who, side, other, label, hs)} where the "
            f"shipments carried {before} (x{factor}); carats and values agree between the two sides."
        )
        w.plant("certificate_count", who, other, label, hs, strength, note)

    return apply


# --------------------------------------------------------------------------- reports


def _report(w: _World) -> None:
    rng = w.rng
    for key in sorted(w.links):
        lk = w.links[key]
        cts, vals, ns = lk.ct.tolist(), lk.val.tolist(), lk.n.tolist()
        moved, moved_n = lk.moved.tolist(), lk.moved_n.tolist()
        for t in range(1, w.n_quarters):
            period = w.quarter_label(t)
            if cts[t] > 0:
                w.trade[(lk.exporter, period, "export", lk.importer, lk.hs)] = [cts[t], vals[t], ns[t]]
            stay, came = 1 - moved[t], moved[t - 1]
            ct = cts[t] * stay + cts[t - 1] * came
            if ct <= 0:
                continue
            val = (vals[t] * stay + vals[t - 1] * came) * (1 + lk.cif + rng.normal(0.0, 0.004))
            val *= math.exp(rng.normal(0.0, 0.008))
            certs = ns[t] - moved_n[t] + moved_n[t - 1]
            w.trade[(lk.importer, period, "import", lk.exporter, lk.hs)] = [
                ct * (1 + rng.normal(0.0, 0.002)),
                val,
                certs,
            ]
    for p in w.producers:
        for (y, half), out in w.prod[p].output.items():
            for kind, (c, v) in out.items():
                w.production[(p, f"{w.years[y]}-H{half + 1}", kind)] = [c, v]


def _reporting_errors(w: _World) -> None:
    for kind, lk, quarters, side, factor in w.errors:
        reporter, partner = (lk.exporter, lk.importer) if side == "export" else (lk.importer, lk.exporter)
        for t in quarters:
            key = (reporter, w.quarter_label(t), side, partner, lk.hs)
            row = w.trade.get(key)
            if row is None:
                continue
            if kind == "scale" and factor == 0:
                del w.trade[key]
            elif kind == "scale":
                row[0] *= factor
                row[1] *= factor
                row[2] = max(1, round(row[2] * factor))
            elif kind == "value":
                row[1] *= factor
            else:
                row[2] = max(1, round(row[2] * factor))
    for who, kind, periods in w.missing:
        if kind == "trade":
            for key in [k for k in w.trade if k[0] == who and k[1] in periods]:
                del w.trade[key]
        else:
            for pkey in [k for k in w.production if k[0] == who and k[1] in periods]:
                del w.production[pkey]


def _history_gaps(w: _World) -> None:
    """Participants that submitted only some history periods: normal noise, not planted."""
    rng = w.rng
    touched = w.subjects | {p.participant for p in w.planted} | {p.partner for p in w.planted if p.partner}
    pool = [c for c in w.codes if c not in w.hubs and c not in touched]
    history = list(range(1, 1 + 4 * (len(w.years) - 1)))
    for who in [
        str(c) for c in rng.choice(pool, min(len(pool), 2 if len(w.codes) >= 20 else 1), replace=False)
    ]:
        period = w.quarter_label(int(rng.choice(history)))
        for key in [k for k in w.trade if k[0] == who and k[1] == period]:
            del w.trade[key]
    producers = [p for p in w.producers if p not in touched]
    if producers and rng.random() < 0.5:
        who = str(rng.choice(producers))
        period = f"{w.years[int(rng.integers(0, len(w.years) - 1))]}-H{int(rng.integers(1, 3))}"
        for pkey in [k for k in w.production if k[0] == who and k[1] == period]:
            del w.production[pkey]


def _amount(x: float, style: str, value: bool) -> str:
    x = float(x)
    if style == "cents":
        return f"{max(x, 0.01):.2f}"
    if style == "hundreds" and value:
        return str(max(100, round(x / 100) * 100))
    return str(max(1, round(x)))


def _format_trade(w: _World) -> list[dict[str, str]]:
    rows = []
    for key in sorted(w.trade):
        who, period, flow, partner, hs = key
        ct, val, certs = w.trade[key]
        style = w.style[who]
        rows.append(
            {
                "participant": who,
                "period": period,
                "flow": flow,
                "partner": partner,
                "hs_code": hs,
                "carats": _amount(ct, style, value=False),
                "value_usd": _amount(val, style, value=True),
                "certificates": str(max(1, round(certs))),
            }
        )
    return rows


def _format_production(w: _World) -> list[dict[str, str]]:
    rows = []
    for key in sorted(w.production):
        who, period, kind = key
        ct, val = w.production[key]
        style = "cents" if w.style[who] == "cents" and who in w.fine_production else "units"
        rows.append(
            {
                "participant": who,
                "period": period,
                "mining_type": kind,
                "carats": _amount(ct, style, value=False),
                "value_usd": _amount(val, style, value=True),
            }
        )
    return rows
