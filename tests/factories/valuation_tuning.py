"""A synthetic certificate history to tune the valuation warnings on (issue 20, item 2).

Three years of certificates (2022–2024), one line each, from producers and trading hubs,
built to be as hard on the warnings as real parcels are:

* per exporter, HS code and origin a base $/ct from the public order of things (DRC
  industrial ≈ $8/ct, Russian gem ≈ $120/ct, Namibian marine ≈ $500/ct, Letšeng ≈ $900/ct),
  and a *wide* lognormal spread around it (σ of ln $/ct from 0.45 for a producer's regular
  sales to 0.95 for a hub's re-exports of everything);
* a mix of run-of-mine parcels and sorted ones (a share of the stream at 2–2.5× the price,
  itself spread);
* parcel sizes from a few carats (artisanal lots, where one stone makes the price: the
  spread widens as the parcel shrinks) to tens of thousands of carats (industrial bulk);
* a market index that trends (−15 % to +20 % a year), swings with the seasons (±10 %) and
  wanders month to month;
* small exporters with fewer than 20 certificates a year (the stand-in's territory);
* planted shipments: about 1.5 % under-declared at 0.1 or 0.3 of their true value (a few at
  0.05), about 1 % over-declared at 3 or 10 times.

``history(seed)`` returns the rows in issue-date order, in the interface of
``benchmarks/valuation.py``: ``exporter, hs_code, origin, issued_on, carats, value_usd,
planted (None | "under" | "over"), factor`` (declared ÷ true value).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np

START = date(2022, 1, 1)
DAYS = 3 * 365


@dataclass(frozen=True)
class Stream:
    """One exporter's shipments of one HS code and origin."""

    exporter: str
    hs_code: str
    origin: str
    usd_per_carat: float
    sigma: float  # spread of ln($/ct) of ordinary run-of-mine parcels
    per_year: int
    carats: float  # median parcel size
    sorted_share: float = 0.0
    sorted_factor: float = 2.0


STREAMS = (
    # producers
    Stream("BW", "7102.31", "BW", 160, 0.45, 300, 2000, 0.35, 2.2),
    Stream("BW", "7102.21", "BW", 14, 0.55, 50, 5000),
    Stream("BW", "7102.10", "BW", 110, 0.5, 60, 8000),
    Stream("RU", "7102.31", "RU", 120, 0.5, 250, 3000, 0.3, 2.0),
    Stream("RU", "7102.21", "RU", 9, 0.6, 60, 10000),
    Stream("CA", "7102.31", "CA", 85, 0.55, 120, 2500, 0.2, 2.0),
    Stream("CA", "7102.10", "CA", 70, 0.5, 40, 10000),
    Stream("AO", "7102.31", "AO", 150, 0.65, 90, 1500, 0.3, 2.5),
    Stream("NA", "7102.31", "NA", 520, 0.5, 60, 400),
    Stream("LS", "7102.31", "LS", 900, 0.9, 25, 200),
    Stream("CD", "7102.21", "CD", 8, 0.7, 80, 20000),
    Stream("CD", "7102.31", "CD", 40, 0.75, 100, 300),
    Stream("SL", "7102.31", "SL", 250, 0.9, 40, 40),
    Stream("ZW", "7102.10", "ZW", 60, 0.6, 40, 15000),
    Stream("TZ", "7102.31", "TZ", 250, 0.7, 15, 500),
    Stream("GY", "7102.31", "GY", 180, 0.8, 12, 100),
    # trading hubs: everything passes through them
    Stream("EU", "7102.31", "mixed", 260, 0.85, 600, 1500, 0.4, 2.0),
    Stream("EU", "7102.31", "BW", 230, 0.6, 150, 1200, 0.3, 2.0),
    Stream("EU", "7102.31", "RU", 180, 0.6, 100, 1500),
    Stream("EU", "7102.21", "mixed", 18, 0.8, 120, 5000),
    Stream("EU", "7102.10", "mixed", 140, 0.8, 80, 3000),
    Stream("AE", "7102.31", "mixed", 200, 0.95, 500, 1000, 0.3, 2.0),
    Stream("AE", "7102.10", "mixed", 90, 0.9, 200, 3000),
    Stream("AE", "7102.21", "mixed", 15, 0.8, 80, 6000),
    Stream("IN", "7102.31", "mixed", 300, 0.8, 200, 800),
    Stream("IL", "7102.31", "mixed", 350, 0.8, 120, 400),
)

UNDER_SHARE, OVER_SHARE = 0.015, 0.01
UNDER_FACTORS = (0.05, 0.1, 0.1, 0.3, 0.3)
OVER_FACTORS = (3.0, 10.0)


def _index(rng: np.random.Generator) -> np.ndarray:
    """A market index per day: a trend, seasons and a monthly random walk (ln units)."""
    days = np.arange(DAYS)
    trend = rng.uniform(math.log(0.85), math.log(1.2)) * days / 365
    phase = rng.uniform(0, 2 * math.pi)
    season = rng.uniform(0.03, 0.1) * np.sin(2 * math.pi * days / 365 + phase)
    walk = np.repeat(np.cumsum(rng.normal(0, 0.03, DAYS // 30 + 1)), 30)[:DAYS]
    return trend + season + walk


def history(seed: int) -> list[dict[str, Any]]:
    """Three years of certificates with planted mis-declarations, in issue-date order."""
    rng = np.random.default_rng(seed)
    market = _index(rng)  # one market for all: rough prices move together
    rows: list[dict[str, Any]] = []
    for stream in STREAMS:
        own = _index(rng) * 0.5  # and each stream its own drift around it
        count = rng.poisson(stream.per_year * DAYS / 365)
        days = rng.integers(0, DAYS, count)
        carats = np.exp(rng.normal(math.log(stream.carats), 1.2, count)).round(2) + 0.01
        tiny = 1 + 0.35 * np.maximum(0.0, np.log10(100 / carats))  # a few stones make the price
        sorted_lot = rng.random(count) < stream.sorted_share
        unit = (
            math.log(stream.usd_per_carat)
            + market[days]
            + own[days]
            + np.where(sorted_lot, rng.normal(math.log(stream.sorted_factor), 0.3, count), 0.0)
            + rng.normal(0, stream.sigma, count) * tiny
        )
        draw = rng.random(count)
        for i in range(count):
            planted, factor = None, 1.0
            if draw[i] < UNDER_SHARE:
                planted, factor = "under", float(rng.choice(UNDER_FACTORS))
            elif draw[i] < UNDER_SHARE + OVER_SHARE:
                planted, factor = "over", float(rng.choice(OVER_FACTORS))
            true_value = float(carats[i]) * math.exp(float(unit[i]))
            rows.append(
                {
                    "exporter": stream.exporter,
                    "hs_code": stream.hs_code,
                    "origin": stream.origin,
                    "issued_on": START + timedelta(days=int(days[i])),
                    "carats": float(carats[i]),
                    "value_usd": round(max(true_value * factor, 0.01), 2),
                    "planted": planted,
                    "factor": factor,
                }
            )
    rows.sort(key=lambda r: (r["issued_on"], r["exporter"], r["hs_code"], r["origin"]))
    return rows
