"""Independent synthetic photos of rough-diamond parcels for the re-used-photo search benchmark.

The world
---------
A fixed, seed-independent world of fourteen KP offices.  Every office owns one sorting surface
(black/blue/green felt, velvet, perforated sieve plate, cutting mat with a printed grid, a sorting
tray with compartments, woven cloth, a printed sorting sheet with numbered boxes, opened diamond
"parcel paper" on a wooden desk, or a light box), one camera (aspect ratio, sensor noise, chroma
noise, vignetting, barrel/pincushion distortion, softness, JPEG quality of the original, an
optional burned-in date stamp, portrait share, tripod or handheld) and habits (how often a form,
a lot label, a scale, a ruler, tweezers, a hand or a zip bag is in the picture, which lot classes
and colours it usually handles, its own form template).

A *session* is one office on one day: lamp direction and elevation, shadow strength and softness,
white balance, exposure, a light gradient and lamp hot spot, camera roll and keystone, zoom and
where the form / scale / ruler usually lie.  All photos of one session share all of that.

A *lot* is a parcel: number of stones (1-300), median size (0.5-15 mm, lognormal spread),
colour palette (white, cape, yellow, brown, grey, boart, mixed, rejection, fancy), crystal
habits (octahedra, dodecahedra, flat macles, cubes, irregular pieces, cleavage shards), a layout
(scatter, pile(s), rows sorted by size, grid, circle, size groups, line, tray/sheet compartments,
inside a zip bag) and the field of view the officer zooms to.  Stones are faceted (octahedra,
macles, cubes, shards) or rounded (dodecahedra, resorbed pieces) translucent crystals lit by the
session lamp: diffuse facet shading, dark internal reflections, specular facets and glints,
crystal edges, inclusions and soft cast shadows; on a light box they are back-lit.  Forms and
labels carry printed text, numbers, bar codes, QR-like blocks, stamps and signatures; a parcel's
texts (certificate number, carats, stone count, lot number) are its own.  Felt and velvet collect
lint fibres, light boxes dust.  The camera finally applies lens mapping (keystone perspective +
radial distortion) to everything, vignetting, lamp fall-off and hot spot, white balance,
softness, luminance-correlated sensor noise, an optional burned-in date stamp and JPEG (quality
70-95, sometimes re-saved by the archive).  All geometry is in millimetres on the surface, so a
stone's size in pixels follows the zoom.

Originals
---------
``originals(seed, n)``: photo ``i`` is a fresh random (office, day, lot, props, shot) drawn only
from ``(seed, i)``.  Widths 640-2000 px, landscape and portrait, 3:2, 4:3 and 16:9.

Variants
--------
``variants(image, seed)`` returns ten copies: one of each single step (``crop``, ``resize``,
``jpeg``, ``blur``, ``recolour``) and five chains of two or three steps joined by ``+``, e.g.
``crop-l8t0r3b10pct``, ``resize-w412``, ``jpeg-q55``, ``blur-r1.2``, ``recolour-b+8_c-5``,
``crop-l2t9r0b4pct+resize-w700+jpeg-q60``.  Crops take 0-10 % per side, drawn independently per side
(a fair share of 8-10 %, some crops touch only one or two sides); resizes go to 33-150 % of the
width; JPEG qualities are 50-95; blur radii 0.3-1.5 px; recolour keys are ``b`` brightness %,
``c`` contrast %, ``s`` saturation %, ``g`` gamma exponent and ``w`` white balance % (red up,
blue down).

Unrelated photos (hard negatives for ``originals(1, 200)``)
-----------------------------------------------------------
They are built from the reference originals ``originals(REFERENCE_SEED=1, REFERENCE_COUNT=200)``
whatever the seed passed to ``unrelated``.  Per 1000 photos (exact counts, shuffled with the seed):

* ``same_office_same_day`` (130): the session of a reference original (same surface, camera,
  lamp, white balance, framing, form place) with a new lot of the same class, colours and layout.
* ``twin_lot`` (110): a lot split from the same production as a reference original: same office,
  session, props, count (+-2), size distribution, colours and layout, but other individual stones.
* ``stones_moved`` (120): the very same parcel re-shot after a few stones were moved, removed or
  added (at least three visible changes, larger stones preferred).
* ``rearranged_sequence`` (90): sequences of three shots of a reference parcel (same stones, same
  form) while the officer re-arranges it into other layouts; never the original arrangement.
* ``uniform_repetitive`` (110): uniform lots (all stones alike) on sieve plates, grid mats, trays,
  woven cloth and printed sorting sheets of the reference offices.
* ``sparse_specks`` (70): one to six small stones on a plain surface; almost empty frames.
* ``form_closeup`` (70): close-ups dominated by the office form / label with a few stones.
* ``same_office_other_day`` (90): same office and camera, another day, another lot.
* ``similar_lot_other_office`` (80): a lot like a reference one, photographed in another office.
* ``cluttered_props`` (60): same office, lots of props (scale, ruler, tweezers, hand, bag, label).
* ``archive_mix`` (70): ordinary archive photos of the same world.

No unrelated photo is a crop, resize or recolour of an original: every one shows other stones or
the same stones in another arrangement.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageEnhance, ImageFilter, ImageFont

__all__ = ["KINDS", "originals", "unrelated", "unrelated_kind", "variants"]

WORLD_SEED = 9_411_307
REFERENCE_SEED = 1
REFERENCE_COUNT = 200

KINDS: tuple[str, ...] = (
    "same_office_same_day",
    "twin_lot",
    "stones_moved",
    "rearranged_sequence",
    "uniform_repetitive",
    "sparse_specks",
    "form_closeup",
    "same_office_other_day",
    "similar_lot_other_office",
    "cluttered_props",
    "archive_mix",
)
_KIND_COUNTS = (130, 110, 120, 90, 110, 70, 70, 90, 80, 60, 70)
_SEQ_LEN = 3
_DAYS = 24

_BILINEAR = Image.Resampling.BILINEAR
_NOISE_SCALE = 32.0


def _rng(*keys: int) -> np.random.Generator:
    return np.random.default_rng([int(k) % (1 << 63) for k in keys])


def _iround(x) -> int:
    return math.floor(float(x) + 0.5)


def _seed63(rng: np.random.Generator) -> int:
    return int(rng.integers(1, 1 << 62))


def _pick(rng: np.random.Generator, items, weights=None):
    if weights is None:
        return items[int(rng.integers(len(items)))]
    w = np.asarray(weights, dtype=float)
    return items[int(rng.choice(len(items), p=w / w.sum()))]


# --------------------------------------------------------------------------------------------- world

_CODES = (
    "BW-GAB",
    "ZA-KIM",
    "NA-WDH",
    "AO-LAD",
    "CD-KIN",
    "SL-FNA",
    "BE-ANR",
    "AE-DXB",
    "IN-BOM",
    "RU-MIR",
    "CA-YZF",
    "IL-RMG",
    "GY-GEO",
    "LS-MSU",
)
_SURFACES = (
    "felt",
    "sieve",
    "grid_mat",
    "tray",
    "woven",
    "form_sheet",
    "parcel_paper",
    "velvet",
    "lightbox",
    "felt",
    "grid_mat",
    "sieve",
    "woven",
    "tray",
)
_REPETITIVE = ("sieve", "grid_mat", "tray", "woven", "form_sheet")
_PLAIN = ("felt", "velvet", "lightbox", "parcel_paper")

_CLASSES = ("specials", "large", "medium", "melee", "mixed", "sparse")
# n range, median size range (mm), lognormal sigma range
_CLASS_SPEC = {
    "specials": ((1, 12), (8.0, 14.0), (0.10, 0.25)),
    "large": ((5, 40), (4.5, 8.0), (0.12, 0.30)),
    "medium": ((20, 150), (2.4, 4.5), (0.15, 0.35)),
    "melee": ((60, 300), (0.8, 2.0), (0.15, 0.30)),
    "mixed": ((15, 220), (1.8, 5.0), (0.55, 0.85)),
    "sparse": ((1, 6), (0.8, 4.0), (0.20, 0.50)),
}
_LAYOUTS = ("scatter", "pile", "rows", "grid", "circle", "groups", "line", "cells")
_CLASS_LAYOUT_W = {
    "specials": (4, 0, 3, 2, 1, 0, 3, 1),
    "large": (4, 1, 3, 3, 2, 2, 1, 1),
    "medium": (4, 3, 2, 2, 1, 3, 0.5, 2),
    "melee": (3, 5, 1, 2, 1, 3, 0, 2),
    "mixed": (4, 3, 2, 1, 1, 4, 0, 1),
    "sparse": (6, 0, 1, 0, 0, 0, 2, 0),
}

_COLOURS = {  # unlit body colour, alpha range (translucency)
    "white": ((224, 226, 228), 150, 215),
    "silver": ((214, 211, 196), 160, 220),
    "yellow": ((222, 206, 150), 170, 225),
    "lbrown": ((182, 152, 118), 190, 235),
    "brown": ((120, 92, 70), 215, 250),
    "grey": ((148, 150, 153), 205, 245),
    "black": ((46, 45, 48), 240, 255),
    "green": ((168, 178, 150), 190, 235),
    "pink": ((210, 184, 186), 170, 225),
}
_COLOUR_NAMES = tuple(_COLOURS)
_PALETTES = {
    "white": {"white": 0.75, "silver": 0.25},
    "cape": {"silver": 0.4, "yellow": 0.6},
    "yellow": {"yellow": 0.9, "silver": 0.1},
    "brown": {"lbrown": 0.5, "brown": 0.5},
    "grey": {"grey": 0.75, "white": 0.15, "black": 0.1},
    "boart": {"black": 0.7, "grey": 0.3},
    "mixed": {
        "white": 0.25,
        "silver": 0.15,
        "yellow": 0.15,
        "lbrown": 0.15,
        "brown": 0.1,
        "grey": 0.1,
        "black": 0.05,
        "green": 0.05,
    },
    "rejection": {"lbrown": 0.25, "brown": 0.25, "grey": 0.25, "black": 0.15, "green": 0.1},
    "fancy": {"yellow": 0.35, "pink": 0.25, "green": 0.15, "white": 0.25},
}
_PALETTE_NAMES = tuple(_PALETTES)
_UNIFORM_PALETTES = ("white", "yellow", "brown", "grey", "boart", "cape")
_SHAPES = ("oct", "dodec", "macle", "cube", "irregular", "shard")
_SHAPE_W = (0.3, 0.2, 0.1, 0.05, 0.25, 0.1)
_NV = 10

_TITLES = (
    ("KIMBERLEY PROCESS CERTIFICATE", "Rough diamonds - export parcel record"),
    ("GOVERNMENT DIAMOND VALUATOR", "Parcel examination sheet"),
    ("DIAMOND OFFICE - EXPORT UNIT", "Lot verification form"),
    ("MINISTRY OF MINES - KP OFFICE", "Certificate annex: parcel photograph"),
    ("ROUGH DIAMOND EXPORT AUTHORITY", "Sorting and valuation record"),
)
_FIELDS = (
    "Certificate No.",
    "Exporter",
    "Importer",
    "Country of origin",
    "Carats",
    "Number of stones",
    "Value (USD)",
    "Date",
    "Lot",
    "Sieve class",
    "Colour",
    "Officer",
)
_COMPANIES = (
    "Kalahari Rough Ltd",
    "Orapa Sorting Co",
    "Atlas Minerals",
    "Northern Lights Gems",
    "Cuango Trading",
    "Koidu Export SA",
    "Meridian Rough",
    "Sable Diamonds",
    "Blue Ground Ltd",
    "Tsodilo Trading",
    "Lunda Norte Mining",
    "Arctic Stones Inc",
)
_COUNTRIES = (
    "BOTSWANA",
    "SOUTH AFRICA",
    "NAMIBIA",
    "ANGOLA",
    "DR CONGO",
    "SIERRA LEONE",
    "CANADA",
    "RUSSIA",
    "LESOTHO",
    "GUYANA",
    "BELGIUM",
    "UAE",
    "INDIA",
    "ISRAEL",
)


@dataclass(frozen=True)
class _Office:
    index: int
    code: str
    surface: str
    c0: tuple[float, float, float]
    c1: tuple[float, float, float]
    pitch: float
    extra: float
    hexagonal: bool
    aspect: float
    noise: float
    chroma: float
    vignette: float
    k1: float
    jpeg_lo: int
    jpeg_hi: int
    subsampling: int
    stamp: int
    soft: bool
    portrait_p: float
    tripod: bool
    window_az: float
    p_form: float
    p_label: float
    p_scale: float
    p_ruler: float
    p_tweezers: float
    p_hand: float
    p_bag: float
    p_uniform: float
    p_closeup: float
    form_side: int
    class_w: tuple[float, ...]
    palette_w: tuple[float, ...]
    title: int
    fields: tuple[str, ...]
    band: tuple[int, int, int] | None
    ink: tuple[int, int, int]
    stamp_ink: tuple[int, int, int]
    paper: tuple[int, int, int]
    desk: tuple[tuple[int, int, int], tuple[int, int, int]]
    base_day: int


@lru_cache(maxsize=1)
def _offices() -> tuple[_Office, ...]:
    out = []
    for k, (code, surface) in enumerate(zip(_CODES, _SURFACES, strict=True)):
        r = _rng(WORLD_SEED, 1, k)
        pitch, extra, hexagonal = 0.0, 0.0, False
        if surface == "felt":
            c0 = _pick(
                r, [(20, 20, 22), (28, 34, 58), (30, 52, 38), (88, 88, 92), (212, 212, 208), (70, 22, 28)]
            )
            c1 = c0
        elif surface == "velvet":
            c0 = _pick(r, [(14, 14, 16), (18, 22, 48), (40, 14, 20)])
            c1 = c0
        elif surface == "sieve":
            g = r.uniform(140, 178)
            c0 = (g, g + 1, g + r.uniform(0, 5))
            c1 = _pick(r, [(20, 20, 22), (24, 26, 30), (206, 206, 200)])
            pitch, extra, hexagonal = r.uniform(2.4, 6.0), r.uniform(0.26, 0.40), bool(r.random() < 0.5)
        elif surface == "grid_mat":
            c0 = _pick(r, [(36, 88, 66), (42, 46, 52), (30, 58, 112), (196, 198, 196)])
            c1 = (70, 72, 70) if sum(c0) > 400 else (205, 214, 205)
            pitch, extra = _pick(r, [5.0, 10.0, 10.0, 12.7]), r.uniform(0.2, 0.35)
        elif surface == "tray":
            c0 = _pick(r, [(232, 232, 228), (34, 34, 36), (60, 64, 92), (214, 200, 160)])
            c1 = tuple(min(255.0, c * 1.15 + 12) for c in c0)
            pitch, extra = r.uniform(24, 42), r.uniform(1.8, 3.2)
        elif surface == "woven":
            c0 = _pick(r, [(196, 184, 162), (46, 52, 98), (96, 96, 96), (28, 28, 30), (208, 208, 202)])
            fac = r.uniform(0.82, 0.95)
            c1 = tuple(float(np.clip(c * fac + r.normal(0, 3), 0, 255)) for c in c0)
            pitch = r.uniform(0.5, 1.4)
        elif surface == "form_sheet":
            c0 = _pick(r, [(240, 238, 230), (236, 240, 236), (242, 240, 222)])
            c1 = _pick(r, [(40, 42, 50), (36, 48, 120), (60, 90, 60)])
            pitch = r.uniform(17, 28)
        elif surface == "parcel_paper":
            c0 = (246, 246, 243)
            c1 = _pick(r, [(172, 202, 232), (150, 182, 222), (200, 214, 236)])
        else:  # lightbox
            c0 = (248, 248, 246)
            c1 = c0
        class_w = r.dirichlet(np.ones(6) * 1.5) + np.array([0.05, 0.1, 0.15, 0.12, 0.12, 0.06])
        if surface in ("sieve", "tray", "form_sheet"):
            class_w[3] += 0.3
        palette_w = r.dirichlet(np.ones(len(_PALETTES)))
        palette_w += np.array([0.3, 0.15, 0.05, 0.15, 0.1, 0.05, 0.25, 0.1, 0.03])[: len(_PALETTES)]
        fields = tuple(f for f in _FIELDS if r.random() < 0.8) or _FIELDS[:6]
        out.append(
            _Office(
                index=k,
                code=code,
                surface=surface,
                c0=tuple(float(v) for v in c0),
                c1=tuple(float(v) for v in c1),
                pitch=float(pitch),
                extra=float(extra),
                hexagonal=hexagonal,
                aspect=float(_pick(r, [4 / 3, 4 / 3, 3 / 2, 16 / 9])),
                noise=float(r.uniform(1.2, 5.5)),
                chroma=float(r.uniform(0.3, 0.9)),
                vignette=float(r.uniform(0.03, 0.32)),
                k1=float(r.uniform(-0.07, 0.03)),
                jpeg_lo=int(r.integers(70, 86)),
                jpeg_hi=0,
                subsampling=int(_pick(r, [2, 2, 2, 1, 0])),
                stamp=int(r.integers(0, 3)) if r.random() < 0.45 else -1,
                soft=bool(r.random() < 0.6),
                portrait_p=float(r.uniform(0.05, 0.4)),
                tripod=bool(r.random() < 0.5),
                window_az=float(r.uniform(0, 2 * math.pi)),
                p_form=float(r.uniform(0.2, 0.85)),
                p_label=float(r.uniform(0.15, 0.8)),
                p_scale=float(r.uniform(0.0, 0.5)),
                p_ruler=float(r.uniform(0.0, 0.5)),
                p_tweezers=float(r.uniform(0.1, 0.5)),
                p_hand=float(r.uniform(0.0, 0.25)),
                p_bag=float(r.uniform(0.05, 0.35)),
                p_uniform=float(r.uniform(0.25, 0.5) if surface in _REPETITIVE else r.uniform(0.05, 0.2)),
                p_closeup=float(r.uniform(0.03, 0.1)),
                form_side=int(r.integers(4)),
                class_w=tuple(float(v) for v in class_w / class_w.sum()),
                palette_w=tuple(float(v) for v in palette_w / palette_w.sum()),
                title=int(r.integers(len(_TITLES))),
                fields=fields,
                band=_pick(r, [None, (40, 90, 70), (30, 60, 130), (120, 120, 120), None]),
                ink=_pick(r, [(30, 30, 34), (28, 36, 90), (40, 40, 40)]),
                stamp_ink=_pick(r, [(40, 60, 170), (110, 50, 150), (170, 40, 50)]),
                paper=_pick(r, [(244, 243, 236), (240, 240, 240), (246, 240, 222), (236, 242, 246)]),
                desk=_pick(
                    r,
                    [
                        ((140, 100, 66), (112, 76, 48)),
                        ((188, 160, 120), (160, 130, 92)),
                        ((210, 210, 205), (200, 200, 196)),
                    ],
                ),
                base_day=int(date(2022, 1, 3).toordinal() + r.integers(0, 700)),
            )
        )
        out[-1] = replace(out[-1], jpeg_hi=int(min(95, out[-1].jpeg_lo + r.integers(4, 14))))
    return tuple(out)


@dataclass(frozen=True)
class _Session:
    az: float
    el: float
    amb: float
    dif: float
    shadow: float
    shadow_blur: float
    gains: tuple[float, float, float]
    exposure: float
    grad: tuple[float, float]
    lamp: tuple[float, float, float, float]
    roll: float
    kx: float
    ky: float
    zoom: float
    shift: tuple[float, float]
    surf_angle: float
    u0: float
    v0: float
    form_side: int
    form_along: float
    form_depth: float
    form_angle: float
    scale_corner: int
    ruler_side: int
    mat: tuple[float, float, float] | None


@lru_cache(maxsize=512)
def _session(office: int, day: int) -> _Session:
    o = _offices()[office]
    r = _rng(WORLD_SEED, 2, office, day)
    t = r.normal(0, 0.05)
    tint = r.normal(0, 0.008)
    roll_sd = 0.012 if o.tripod else 0.03
    return _Session(
        az=float(o.window_az + r.normal(0, 0.35)),
        el=float(r.uniform(0.6, 1.25)),
        amb=float(r.uniform(0.35, 0.55)),
        dif=float(r.uniform(0.55, 0.85)),
        shadow=float(r.uniform(0.2, 0.55)),
        shadow_blur=float(r.uniform(0.3, 1.8)),
        gains=(float(1 + t + tint), float(1 - tint), float(1 - t + tint)),
        exposure=float(r.uniform(0.9, 1.08)),
        grad=(float(r.normal(0, 0.12)), float(r.normal(0, 0.12))),
        lamp=(
            float(r.uniform(-1, 1)),
            float(r.uniform(-0.7, 0.7)),
            float(r.uniform(0.5, 1.2)),
            float(r.uniform(0, 0.25)),
        ),
        roll=float(r.normal(0, roll_sd)),
        kx=float(r.normal(0, 0.035)),
        ky=float(r.normal(0, 0.035)),
        zoom=float(r.uniform(0.92, 1.08)),
        shift=(float(r.normal(0, 0.05)), float(r.normal(0, 0.05))),
        surf_angle=float(r.normal(0, 0.05)),
        u0=float(r.uniform(0, 100)),
        v0=float(r.uniform(0, 100)),
        form_side=int(o.form_side if r.random() < 0.7 else r.integers(4)),
        form_along=float(r.uniform(-0.5, 0.5)),
        form_depth=float(r.uniform(0.15, 0.45)),
        form_angle=float(r.normal(0, 0.06)),
        scale_corner=int(r.integers(4)),
        ruler_side=int(r.integers(4)),
        mat=(float(r.uniform(0.72, 0.95)), float(r.uniform(0.72, 0.95)), float(r.normal(0, 0.03)))
        if o.surface in ("felt", "velvet", "grid_mat") and r.random() < 0.3
        else None,
    )


# --------------------------------------------------------------------------------------------- plans


@dataclass(frozen=True)
class _Lot:
    cls: str
    n: int
    size_med: float
    size_sig: float
    palette: str
    shape_w: tuple[float, ...]
    layout: str
    spread: float
    uniform: bool
    bagged: bool
    fov: float
    tint: tuple[float, float, float]


@dataclass(frozen=True)
class _Plan:
    office: int
    day: int
    minute: int
    size: tuple[int, int]
    lot: _Lot
    stone_seed: int
    layout_seed: int
    parcel_seed: int
    static_seed: int
    dyn_seed: int
    shot_seed: int
    edit_seed: int = 0
    closeup: bool = False
    clutter: bool = False


_LAYOUT_DENSITY = {
    "scatter": 2.4,
    "pile": 1.3,
    "rows": 2.0,
    "grid": 2.1,
    "circle": 2.3,
    "groups": 2.0,
    "line": 2.6,
    "cells": 2.8,
}


def _lot_fov(n: int, med: float, layout: str, spread: float, rng: np.random.Generator) -> float:
    need = math.sqrt(n) * med * _LAYOUT_DENSITY[layout] / (spread * 0.8)
    return float(np.clip(need * rng.uniform(1.0, 1.3), 60.0, 340.0))


def _make_lot(
    rng: np.random.Generator,
    office: _Office,
    cls: str | None = None,
    uniform: bool | None = None,
    closeup: bool = False,
) -> _Lot:
    if uniform is None:
        uniform = bool(rng.random() < office.p_uniform)
    if cls is None:
        w = np.array(office.class_w)
        if uniform:
            w = w * np.array([0.1, 0.6, 1.5, 2.0, 0.0, 0.0])
        cls = _pick(rng, _CLASSES, w)
    if closeup:
        cls = _pick(rng, ["sparse", "large", "specials"])
    (nlo, nhi), (mlo, mhi), (slo, shi) = _CLASS_SPEC[cls]
    n = _iround(math.exp(rng.uniform(math.log(nlo), math.log(nhi + 0.99))))
    n = max(nlo, min(nhi, n))
    med = float(rng.uniform(mlo, mhi))
    sig = float(rng.uniform(slo, shi))
    if uniform:
        sig = float(rng.uniform(0.04, 0.09))
        n = max(n, int(rng.integers(30, 120)))
        palette = _pick(rng, _UNIFORM_PALETTES)
        shape_w = tuple(float(v) for v in np.eye(6)[_pick(rng, [0, 0, 1, 4])])
    else:
        palette = _pick(rng, _PALETTE_NAMES, office.palette_w)
        shape_w = tuple(float(v) for v in rng.dirichlet(np.array(_SHAPE_W) * 12))
    lw = np.array(_CLASS_LAYOUT_W[cls], dtype=float)
    if office.surface in ("tray", "form_sheet"):
        lw[7] += 6.0
    else:
        lw[7] = 0.0
    if uniform:
        lw *= np.array([1, 1, 1, 3, 1, 0.3, 0.5, 2])
    layout = _pick(rng, _LAYOUTS, lw)
    if closeup:
        layout = _pick(rng, ["scatter", "line", "rows"])
    spread = float(rng.uniform(0.5, 0.85))
    bagged = bool((not closeup) and cls != "sparse" and rng.random() < office.p_bag * 0.4)
    fov = _lot_fov(n, med, layout, spread, rng)
    if cls == "sparse":
        fov = float(rng.uniform(110, 230))
    if closeup:
        fov = float(rng.uniform(115, 175))
    return _Lot(
        cls=cls,
        n=n,
        size_med=med,
        size_sig=sig,
        palette=palette,
        shape_w=shape_w,
        layout=layout,
        spread=spread,
        uniform=uniform,
        bagged=bagged,
        fov=fov,
        tint=tuple(float(v) for v in rng.normal(0, 4, 3)),
    )


def _similar_lot(lot: _Lot, rng: np.random.Generator, keep_layout: float = 0.6) -> _Lot:
    n = max(1, _iround(lot.n * rng.uniform(0.8, 1.25)))
    med = float(np.clip(lot.size_med * rng.uniform(0.85, 1.15), 0.6, 14.0))
    layout = lot.layout
    if rng.random() > keep_layout:
        layout = _pick(
            rng, [x for x in _LAYOUTS if x != "cells"] + ([lot.layout] if lot.layout == "cells" else [])
        )
    palette = lot.palette if rng.random() < 0.75 else _pick(rng, _PALETTE_NAMES)
    if lot.uniform:
        palette = lot.palette
    return replace(
        lot,
        n=n,
        size_med=med,
        size_sig=float(lot.size_sig * rng.uniform(0.85, 1.15)),
        palette=palette,
        layout=layout,
        fov=float(lot.fov * rng.uniform(0.92, 1.08)),
        tint=tuple(float(v) for v in np.array(lot.tint) + rng.normal(0, 3, 3)),
    )


def _output_size(rng: np.random.Generator, office: _Office) -> tuple[int, int]:
    a = office.aspect
    portrait = rng.random() < office.portrait_p
    top = min(1500, int(2040 / a)) if portrait else 2000
    widths = [
        w for w in (640, 720, 800, 960, 1024, 1080, 1200, 1280, 1440, 1600, 1800, 1920, 2000) if w <= top
    ]
    w = int(_pick(rng, widths)) if rng.random() < 0.7 else int(rng.integers(640, top + 1))
    h = _iround(w * a) if portrait else _iround(w / a)
    return w, h


def _new_plan(
    rng: np.random.Generator,
    office: int | None = None,
    day: int | None = None,
    lot: _Lot | None = None,
    closeup: bool | None = None,
    clutter: bool = False,
    cls: str | None = None,
    uniform: bool | None = None,
) -> _Plan:
    offices = _offices()
    if office is None:
        office = int(rng.choice(len(offices), p=_office_weights()))
    o = offices[office]
    if day is None:
        day = int(rng.integers(_DAYS))
    if closeup is None:
        closeup = bool(rng.random() < o.p_closeup)
    if lot is None:
        lot = _make_lot(rng, o, cls=cls, uniform=uniform, closeup=closeup)
    return _Plan(
        office=office,
        day=day,
        minute=int(rng.integers(8 * 60, 16 * 60 + 30)),
        size=_output_size(rng, o),
        lot=lot,
        stone_seed=_seed63(rng),
        layout_seed=_seed63(rng),
        parcel_seed=_seed63(rng),
        static_seed=_seed63(rng),
        dyn_seed=_seed63(rng),
        shot_seed=_seed63(rng),
        closeup=closeup,
        clutter=clutter,
    )


@lru_cache(maxsize=1)
def _office_weights() -> np.ndarray:
    w = _rng(WORLD_SEED, 3).uniform(0.6, 1.4, len(_CODES))
    return w / w.sum()


def _original_plan(seed: int, i: int) -> _Plan:
    return _new_plan(_rng(seed, i, 0x0516))


@lru_cache(maxsize=512)
def _reference_plan(j: int) -> _Plan:
    return _original_plan(REFERENCE_SEED, j)


@lru_cache(maxsize=8)
def _reference_groups() -> dict[str, tuple[int, ...]]:
    offices = _offices()
    plans = [_reference_plan(j) for j in range(REFERENCE_COUNT)]
    rep = tuple(j for j, p in enumerate(plans) if offices[p.office].surface in _REPETITIVE)
    uni = tuple(j for j in rep if plans[j].lot.uniform)
    plain = tuple(j for j, p in enumerate(plans) if offices[p.office].surface in _PLAIN)
    return {"repetitive": rep or tuple(range(REFERENCE_COUNT)), "uniform": uni or rep, "plain": plain or rep}


@lru_cache(maxsize=16)
def _kind_table(seed: int, block: int) -> tuple[np.ndarray, np.ndarray]:
    base = np.repeat(np.arange(len(KINDS)), _KIND_COUNTS)
    kinds = _rng(seed, block, 0x4B1D).permutation(base)
    ranks = np.zeros(len(kinds), dtype=np.int64)
    seen = np.zeros(len(KINDS), dtype=np.int64)
    for pos, k in enumerate(kinds):
        ranks[pos] = seen[k]
        seen[k] += 1
    return kinds, ranks


def _unrelated_plan(seed: int, i: int) -> _Plan:
    kind = unrelated_kind(seed, i)
    block, pos = divmod(i, sum(_KIND_COUNTS))
    rng = _rng(seed, i, 0x0BAD)
    offices = _offices()
    groups = _reference_groups()
    j = int(rng.integers(REFERENCE_COUNT))
    ref = _reference_plan(j)
    fresh = _seed63
    if kind == "same_office_same_day":
        lot = _similar_lot(ref.lot, rng)
        plan = _new_plan(
            rng, office=ref.office, day=ref.day, lot=lot, closeup=ref.closeup and rng.random() < 0.5
        )
        return replace(plan, size=ref.size) if rng.random() < 0.4 else plan
    if kind == "twin_lot":
        lot = replace(ref.lot, n=max(1, ref.lot.n + int(rng.integers(-2, 3))))
        return replace(
            ref,
            lot=lot,
            minute=ref.minute + int(rng.integers(3, 60)),
            stone_seed=fresh(rng),
            layout_seed=fresh(rng),
            parcel_seed=fresh(rng),
            dyn_seed=fresh(rng),
            shot_seed=fresh(rng),
            size=ref.size if rng.random() < 0.7 else _output_size(rng, offices[ref.office]),
        )
    if kind == "stones_moved":
        w, h = ref.size
        if rng.random() < 0.3:
            top = 2000 if w > h else min(1500, int(2040 * w / h))
            nw = int(rng.integers(640, top + 1))
            w, h = nw, _iround(nw * h / w)
        return replace(
            ref,
            minute=ref.minute + int(rng.integers(1, 10)),
            edit_seed=fresh(rng),
            dyn_seed=fresh(rng),
            shot_seed=fresh(rng),
            size=(w, h),
        )
    if kind == "rearranged_sequence":
        rank = int(_kind_table(seed, block)[1][pos])
        group, shot = divmod(rank, _SEQ_LEN)
        grng = _rng(seed, block, group, 0x5E0)
        ref = _reference_plan(int(grng.integers(REFERENCE_COUNT)))
        while ref.lot.n < 5:  # a lone stone cannot be re-arranged into a visibly different layout
            ref = _reference_plan(int(grng.integers(REFERENCE_COUNT)))
        choices = [x for x in _LAYOUTS if x not in (ref.lot.layout, "cells")]
        order = [choices[int(k)] for k in grng.permutation(len(choices))]
        seeds = [fresh(grng) for _ in range(_SEQ_LEN)]
        lot = replace(ref.lot, layout=order[shot % len(order)], bagged=False)
        return replace(
            ref,
            lot=lot,
            layout_seed=seeds[shot],
            minute=ref.minute + 2 + 3 * shot,
            dyn_seed=fresh(rng),
            shot_seed=fresh(rng),
        )
    if kind == "uniform_repetitive":
        pool = groups["uniform"] if rng.random() < 0.5 else groups["repetitive"]
        ref = _reference_plan(int(pool[int(rng.integers(len(pool)))]))
        o = offices[ref.office]
        day = ref.day if rng.random() < 0.6 else int(rng.integers(_DAYS))
        if ref.lot.uniform:
            lot = _similar_lot(ref.lot, rng, keep_layout=0.8)
            lot = replace(lot, n=max(20, _iround(ref.lot.n * rng.uniform(0.88, 1.12))))
        else:
            lot = _make_lot(rng, o, uniform=True)
        return _new_plan(rng, office=ref.office, day=day, lot=lot, closeup=False)
    if kind == "sparse_specks":
        pool = groups["plain"]
        ref = _reference_plan(int(pool[int(rng.integers(len(pool)))]))
        day = ref.day if rng.random() < 0.5 else int(rng.integers(_DAYS))
        return _new_plan(rng, office=ref.office, day=day, cls="sparse", closeup=False, uniform=False)
    if kind == "form_closeup":
        day = ref.day if rng.random() < 0.5 else int(rng.integers(_DAYS))
        return _new_plan(rng, office=ref.office, day=day, closeup=True)
    if kind == "same_office_other_day":
        day = (ref.day + int(rng.integers(1, _DAYS + 12))) % (_DAYS + 12)
        return _new_plan(rng, office=ref.office, day=day, closeup=False)
    if kind == "similar_lot_other_office":
        office = int((ref.office + rng.integers(1, len(offices))) % len(offices))
        lot = _similar_lot(ref.lot, rng, keep_layout=0.9)
        if lot.layout == "cells" and offices[office].surface not in ("tray", "form_sheet"):
            lot = replace(lot, layout="scatter")
        return _new_plan(rng, office=office, lot=lot, closeup=False)
    if kind == "cluttered_props":
        day = ref.day if rng.random() < 0.5 else int(rng.integers(_DAYS))
        return _new_plan(rng, office=ref.office, day=day, closeup=False, clutter=True)
    return _new_plan(rng)


# --------------------------------------------------------------------------------------------- camera


class _Cam:
    """Maps frame millimetres (surface plane, origin at frame centre) to pixels and back."""

    def __init__(self, w, h, s, roll, kx, ky, k1, cx, cy):
        self.w, self.h, self.s = w, h, s
        self.cr, self.sr = math.cos(roll), math.sin(roll)
        self.kx, self.ky, self.k1, self.cx, self.cy = kx, ky, k1, cx, cy

    def to_px(self, x, y):
        dx = (np.asarray(x, dtype=np.float64) - self.cx) / self.s
        dy = (np.asarray(y, dtype=np.float64) - self.cy) / self.s
        xp = self.cr * dx + self.sr * dy
        yp = -self.sr * dx + self.cr * dy
        den = np.maximum(1.0 - (self.kx * xp + self.ky * yp), 0.2)
        xd, yd = xp / den, yp / den
        xn, yn = xd, yd
        for _ in range(4):
            f = np.maximum(1.0 + self.k1 * (xn * xn + yn * yn), 0.35)
            xn, yn = xd / f, yd / f
        half = self.w / 2
        return np.clip(xn * half + half, -4e4, 4e4), np.clip(yn * half + self.h / 2, -4e4, 4e4)

    def from_px(self, px, py):
        half = self.w / 2
        xn = (np.asarray(px, dtype=np.float64) - half) / half
        yn = (np.asarray(py, dtype=np.float64) - self.h / 2) / half
        f = 1.0 + self.k1 * (xn * xn + yn * yn)
        xd, yd = xn * f, yn * f
        den = 1.0 + self.kx * xd + self.ky * yd
        xp, yp = xd / den, yd / den
        return self.s * (self.cr * xp - self.sr * yp) + self.cx, self.s * (
            self.sr * xp + self.cr * yp
        ) + self.cy

    def grid(self, coef):
        """Per-pixel (U, V) = affine(coef) of the lens-corrected normalised coordinates."""
        a, b, e, c, d, f = (np.float32(v) for v in coef)
        half = self.w / 2
        xn = ((np.arange(self.w, dtype=np.float32) + 0.5) - half) / half
        yn = ((np.arange(self.h, dtype=np.float32) + 0.5) - self.h / 2) / half
        fac = np.add.outer(yn * yn, xn * xn)
        fac *= np.float32(self.k1)
        fac += 1
        xd = fac * xn[None, :]
        yd = fac * yn[:, None]
        fac = np.float32(self.kx) * xd
        fac += np.float32(self.ky) * yd
        fac += 1
        np.reciprocal(fac, out=fac)
        xd *= fac
        yd *= fac
        u = a * xd
        u += b * yd
        u += e
        v = c * xd
        v += d * yd
        v += f
        return u, v


def _surface_coef(cam: _Cam, ses: _Session) -> tuple[float, ...]:
    ct, st = math.cos(ses.surf_angle), math.sin(ses.surf_angle)
    s, cr, sr = cam.s, cam.cr, cam.sr
    a = s * (ct * cr + st * sr)
    b = s * (-ct * sr + st * cr)
    e = ct * cam.cx + st * cam.cy + ses.u0
    c = s * (-st * cr + ct * sr)
    d = s * (st * sr + ct * cr)
    f = -st * cam.cx + ct * cam.cy + ses.v0
    return a, b, e, c, d, f


def _surf_to_frame(ses: _Session, u, v):
    ct, st = math.cos(ses.surf_angle), math.sin(ses.surf_angle)
    du, dv = np.asarray(u, dtype=np.float64) - ses.u0, np.asarray(v, dtype=np.float64) - ses.v0
    return ct * du - st * dv, st * du + ct * dv


def _frame_to_surf(ses: _Session, x, y):
    ct, st = math.cos(ses.surf_angle), math.sin(ses.surf_angle)
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return ct * x + st * y + ses.u0, -st * x + ct * y + ses.v0


@lru_cache(maxsize=1)
def _bank() -> np.ndarray:
    """A fixed plane of Gaussian noise (int8, sd 32) used for surface grain."""
    b = _rng(WORLD_SEED, 99).standard_normal((2048, 2048), dtype=np.float32)
    b *= _NOISE_SCALE
    np.clip(b, -127, 127, out=b)
    return b.astype(np.int8)


def _grain(rng: np.random.Generator, h: int, w: int, sd: float) -> np.ndarray:
    bank = _bank()
    oy, ox = int(rng.integers(0, 2049 - h)), int(rng.integers(0, 2049 - w))
    sl = bank[oy : oy + h, ox : ox + w]
    flip = int(rng.integers(4))
    if flip & 1:
        sl = sl[::-1]
    if flip & 2:
        sl = sl[:, ::-1]
    out = sl.astype(np.float32)
    out *= np.float32(sd / _NOISE_SCALE)
    return out


_NOISE_LEVELS = (1.4, 2.4, 3.6, 5.2)


@lru_cache(maxsize=len(_NOISE_LEVELS))
def _noise_tile(level: int) -> Image.Image:
    """Camera noise (RGB around 128, luminance-correlated), 2048 px square from four 1024 px tiles."""
    r = _rng(WORLD_SEED, 98, level)
    sd = _NOISE_LEVELS[level]
    lum = r.standard_normal((1024, 1024), dtype=np.float32)
    lum *= np.float32(0.8 * sd)
    bands = []
    for _ in range(3):
        ch = r.standard_normal((1024, 1024), dtype=np.float32)
        ch *= np.float32(0.6 * sd)
        ch += lum
        ch += np.float32(128.5)
        np.clip(ch, 0, 255, out=ch)
        bands.append(Image.fromarray(ch.astype(np.uint8)))
    tile = Image.merge("RGB", bands)
    big = Image.new("RGB", (2048, 2048))
    big.paste(tile, (0, 0))
    big.paste(tile.transpose(Image.Transpose.TRANSPOSE), (1024, 0))
    big.paste(tile.transpose(Image.Transpose.ROTATE_90), (0, 1024))
    big.paste(tile.transpose(Image.Transpose.TRANSVERSE), (1024, 1024))
    return big


def _smooth1(rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    pts = rng.standard_normal(k + 2).astype(np.float32)
    x = np.linspace(0, k + 1, n, dtype=np.float32)
    i = np.minimum(x.astype(np.int64), k)
    t = x - i
    t = t * t * (3 - 2 * t)
    return pts[i] * (1 - t) + pts[i + 1] * t


def _mottle(rng: np.random.Generator, h: int, w: int, sd: float, k: int = 6) -> np.ndarray:
    """Smooth random field (sum of two separable products) with standard deviation about ``sd``."""
    kh = max(2, _iround(k * h / w))
    f = np.multiply.outer(_smooth1(rng, h, kh), _smooth1(rng, w, k))
    f += np.multiply.outer(_smooth1(rng, h, kh + 1), _smooth1(rng, w, k + 1))
    f *= np.float32(sd * 0.7)
    return f


# --------------------------------------------------------------------------------------------- painter


@lru_cache(maxsize=64)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


@lru_cache(maxsize=4096)
def _glyphs(text: str, size: int, bold: bool) -> Image.Image:
    font = _font(size)
    sw = 1 if bold else 0
    left, top, right, bottom = font.getbbox(text, stroke_width=sw)
    m = Image.new("L", (max(1, right - left + 2), max(1, bottom - top + 2)), 0)
    ImageDraw.Draw(m).text((1 - left, 1 - top), text, fill=255, font=font, stroke_width=sw, stroke_fill=255)
    return m


class _Painter:
    """Draws in frame millimetres onto an RGB image (RGBA blending) or an L mask (scale for low-res)."""

    def __init__(self, img: Image.Image, cam: _Cam, ppm: float, scale: float = 1.0):
        self.img, self.cam, self.ppm, self.scale = img, cam, ppm, scale
        self.rgb = img.mode == "RGB"
        self.draw = ImageDraw.Draw(img, "RGBA") if self.rgb else ImageDraw.Draw(img)
        self.w, self.h = img.size

    def pts(self, x, y) -> list[float]:
        px, py = self.cam.to_px(x, y)
        if self.scale != 1.0:
            px, py = px * self.scale, py * self.scale
        return np.column_stack((px, py)).ravel().tolist()

    def visible(self, x, y, margin: float = 0.0) -> bool:
        px, py = self.cam.to_px(x, y)
        s = self.scale
        return bool(
            px.max() * s >= -margin
            and px.min() * s <= self.w + margin
            and py.max() * s >= -margin
            and py.min() * s <= self.h + margin
        )

    def poly(self, x, y, fill, outline=None, width: int = 1) -> None:
        self.draw.polygon(self.pts(x, y), fill=fill, outline=outline, width=width)

    def line(self, x, y, width_mm: float, fill) -> None:
        wpx = width_mm * self.ppm * self.scale
        if wpx < 1.0 and not self.rgb:
            fill = int(fill * max(0.25, wpx))
        elif wpx < 1.0:
            fill = (*fill[:3], int(fill[3] * max(0.25, wpx)))
        self.draw.line(self.pts(x, y), fill=fill, width=max(1, _iround(wpx)), joint="curve")

    def ellipse(self, cx, cy, rx, ry, ang, fill, outline=None, width: int = 1, n: int = 28) -> None:
        t = np.linspace(0, 2 * np.pi, n, endpoint=False)
        ex, ey = rx * np.cos(t), ry * np.sin(t)
        ca, sa = math.cos(ang), math.sin(ang)
        self.poly(cx + ca * ex - sa * ey, cy + sa * ex + ca * ey, fill, outline, width)

    def text(self, s: str, x: float, y: float, h_mm: float, ang: float, fill, anchor: str = "l", bold=False):
        hp = h_mm * self.ppm * self.scale
        ca, sa = math.cos(ang), math.sin(ang)
        px, py = self.cam.to_px([x, x + ca], [y, y + sa])
        px, py = px * self.scale, py * self.scale
        reach = hp * 0.8 * len(s) + 8
        if px[0] < -reach or px[0] > self.w + reach or py[0] < -reach or py[0] > self.h + reach:
            return
        if hp < 5.0:  # unreadable at this scale: a grey stroke like printed text seen from afar
            length = 0.55 * h_mm * len(s)
            x0 = x - (length / 2 * ca if anchor == "c" else 0)
            y0 = y - (length / 2 * sa if anchor == "c" else 0)
            col = (*fill[:3], int(fill[3] * 0.5)) if self.rgb else int(fill * 0.5)
            self.line([x0, x0 + length * ca], [y0, y0 + length * sa], h_mm * 0.55, col)
            return
        mask = _glyphs(s, max(6, 2 * _iround(hp / 1.44)), bool(bold))
        a_px = math.atan2(py[1] - py[0], px[1] - px[0])
        cx, cy = px[0], py[0]
        if anchor == "l":
            cx += math.cos(a_px) * mask.width / 2
            cy += math.sin(a_px) * mask.width / 2
        if abs(a_px) > 0.012:
            mask = mask.rotate(-math.degrees(a_px), resample=_BILINEAR, expand=True)
        self._paste(mask, cx, cy, fill)

    def _paste(self, mask: Image.Image, cx: float, cy: float, fill) -> None:
        x0, y0 = _iround(cx - mask.width / 2), _iround(cy - mask.height / 2)
        if x0 > self.w or y0 > self.h or x0 + mask.width < 0 or y0 + mask.height < 0:
            return
        if self.rgb:
            if fill[3] < 255:
                a = fill[3]
                mask = mask.point([v * a // 255 for v in range(256)])
            colour = tuple(int(c) for c in fill[:3])
        else:
            if fill < 255:
                mask = mask.point([v * fill // 255 for v in range(256)])
            colour = 255
        self.img.paste(colour, (x0, y0, x0 + mask.width, y0 + mask.height), mask)

    def bitmap(self, bits: np.ndarray, cx: float, cy: float, w_mm: float, h_mm: float, ang: float, fill):
        wpx = max(2, _iround(w_mm * self.ppm * self.scale))
        hpx = max(2, _iround(h_mm * self.ppm * self.scale))
        mask = Image.fromarray((bits * 255).astype(np.uint8)).resize((wpx, hpx), Image.Resampling.NEAREST)
        px, py = self.cam.to_px([cx, cx + math.cos(ang)], [cy, cy + math.sin(ang)])
        px, py = px * self.scale, py * self.scale
        a_px = math.atan2(py[1] - py[0], px[1] - px[0])
        if abs(a_px) > 0.004:
            mask = mask.rotate(-math.degrees(a_px), resample=_BILINEAR, expand=True)
        self._paste(mask, px[0], py[0], fill)


def _local(cx: float, cy: float, ang: float, s, t):
    ca, sa = math.cos(ang), math.sin(ang)
    s, t = np.asarray(s, dtype=np.float64), np.asarray(t, dtype=np.float64)
    return cx + ca * s - sa * t, cy + sa * s + ca * t


def _rect(cx, cy, w, h, ang, r: float = 0.0):
    if r <= 0:
        return _local(cx, cy, ang, [-w / 2, w / 2, w / 2, -w / 2], [-h / 2, -h / 2, h / 2, h / 2])
    t = np.linspace(0, np.pi / 2, 5)
    xs, ys = [], []
    for qx, qy, a0 in ((1, 1, 0), (-1, 1, np.pi / 2), (-1, -1, np.pi), (1, -1, 1.5 * np.pi)):
        xs.append(qx * (w / 2 - r) + r * np.cos(t + a0))
        ys.append(qy * (h / 2 - r) + r * np.sin(t + a0))
    return _local(cx, cy, ang, np.concatenate(xs), np.concatenate(ys))


def _rgba(c, a: int = 255) -> tuple[int, int, int, int]:
    return int(np.clip(c[0], 0, 255)), int(np.clip(c[1], 0, 255)), int(np.clip(c[2], 0, 255)), int(a)


def _ldir(ses: _Session) -> tuple[float, float, float]:
    ce = math.cos(ses.el)
    return math.cos(ses.az) * ce, math.sin(ses.az) * ce, math.sin(ses.el)


def _shadow_offset(ses: _Session, height_mm: float) -> tuple[float, float]:
    lx, ly, lz = _ldir(ses)
    return -lx / lz * height_mm, -ly / lz * height_mm


# --------------------------------------------------------------------------------------------- surface


def _lum_image(lum: np.ndarray) -> Image.Image:
    lum *= np.float32(128)
    np.clip(lum, 0, 255, out=lum)
    return Image.fromarray(lum.astype(np.uint8))


def _colourise(lum: Image.Image, colour) -> Image.Image:
    """RGB image whose channel c is ``colour[c] * lum / 128``."""
    lut: list[int] = []
    for c in colour:
        lut += [min(255, int(c * v / 128 + 0.5)) for v in range(256)]
    return Image.merge("RGB", (lum, lum, lum)).point(lut)


def _wood(rng: np.random.Generator, h: int, w: int, ppm: float, c0, c1) -> Image.Image:
    phi = rng.uniform(-0.3, 0.3) + (0 if rng.random() < 0.5 else math.pi / 2)
    pitch = rng.uniform(2.5, 7.0) * ppm
    t = np.add.outer(
        np.arange(h, dtype=np.float32) * np.float32(math.sin(phi) / pitch),
        np.arange(w, dtype=np.float32) * np.float32(math.cos(phi) / pitch),
    )
    t += _mottle(rng, h, w, rng.uniform(1.0, 2.5), 4)
    t *= np.float32(2 * math.pi)
    g = np.sin(t, out=t)
    g *= g
    g *= np.float32(255)
    band = Image.fromarray(g.astype(np.uint8))
    lut: list[int] = []
    for c in range(3):
        lut += [int(c0[c] + (c1[c] - c0[c]) * v / 255) for v in range(256)]
    return Image.merge("RGB", (band, band, band)).point(lut)


_MOTTLE = {
    "felt": 0.05,
    "velvet": 0.09,
    "lightbox": 0.008,
    "sieve": 0.03,
    "grid_mat": 0.025,
    "tray": 0.02,
    "woven": 0.04,
    "form_sheet": 0.012,
    "parcel_paper": 0.0,
}
_GRAIN = {
    "felt": 0.05,
    "velvet": 0.04,
    "lightbox": 0.004,
    "sieve": 0.05,
    "grid_mat": 0.03,
    "tray": 0.015,
    "woven": 0.03,
    "form_sheet": 0.015,
    "parcel_paper": 0.0,
}


def _surface_lines(ses: _Session, cam: _Cam, pu: float, pv: float, margin: float = 10.0):
    """Polylines (frame mm) of the surface lattice lines u = k*pu and v = k*pv that cross the frame."""
    w, h = cam.w, cam.h
    corners = cam.from_px(np.array([0, w, w, 0, w / 2, 0, w]), np.array([0, 0, h, h, h / 2, h / 2, h / 2]))
    su, sv = _frame_to_surf(ses, *corners)
    umin, umax, vmin, vmax = su.min() - margin, su.max() + margin, sv.min() - margin, sv.max() + margin
    out = []
    for axis, (lo, hi, olo, ohi, p) in enumerate(
        ((umin, umax, vmin, vmax, pu), (vmin, vmax, umin, umax, pv))
    ):
        run = np.linspace(olo, ohi, 9)
        for k in range(math.floor(lo / p), math.ceil(hi / p) + 1):
            fixed = np.full(9, k * p)
            uu, vv = (fixed, run) if axis == 0 else (run, fixed)
            x, y = _surf_to_frame(ses, uu, vv)
            out.append((axis, k, x, y))
    return out, (umin, umax, vmin, vmax)


def _surface(
    o: _Office, ses: _Session, cam: _Cam, ppm: float, rng: np.random.Generator, hx: float, hy: float
):
    h, w = cam.h, cam.w
    kind = o.surface
    c0, c1 = o.c0, o.c1
    if kind == "parcel_paper":
        img = _wood(rng, h, w, ppm, *o.desk)
    else:
        lum = _mottle(rng, h, w, _MOTTLE[kind])
        lum += _grain(rng, h, w, _GRAIN[kind])
        lum += 1
        if kind in ("sieve", "woven"):
            u, v = cam.grid(_surface_coef(cam, ses))
            p = np.float32(o.pitch)
            if kind == "sieve":
                r = np.float32(o.pitch * o.extra)
                if o.hexagonal:
                    rowh = p * np.float32(math.sqrt(3) / 2)
                    fy = v / rowh
                    iy = np.floor(fy)
                    ty = fy - iy
                    ty -= 0.5
                    ty *= rowh
                    iy *= np.float32(0.5)
                    iy -= np.floor(iy)
                    fx = u / p
                    fx += iy
                else:
                    fy = v / p
                    fy -= np.floor(fy)
                    fy -= 0.5
                    ty = fy * p
                    fx = u / p
                del u, v
                fx -= np.floor(fx)
                fx -= 0.5
                tx = fx * p
                d = np.hypot(tx, ty)
                m = (r - d) * np.float32(ppm)
                m += 0.5
                np.clip(m, 0, 1, out=m)
                lx, ly, _ = _ldir(ses)
                rim = np.abs(d - r)
                rim *= np.float32(-ppm / 1.3)
                rim += 1
                np.clip(rim, 0, 1, out=rim)
                tx *= np.float32(lx)
                ty *= np.float32(ly)
                tx += ty
                d += np.float32(1e-3)
                tx /= d
                rim *= tx
                rim *= np.float32(0.35)
                lum += rim
            else:
                fu = u / p
                iu = np.floor(fu)
                fu -= iu
                fv = v / p
                iv = np.floor(fv)
                fv -= iv
                chk = iu + iv
                chk *= np.float32(0.5)
                chk -= np.floor(chk)
                top = chk < 0.25
                fu *= np.float32(math.pi)
                fv *= np.float32(math.pi)
                prof = np.where(top, np.sin(fu, out=fu), np.sin(fv, out=fv))
                prof *= np.float32(0.42)
                prof += np.float32(0.6)
                thread = np.where(top, iu, iv)
                thread *= np.float32(1.7)
                np.sin(thread, out=thread)
                thread *= np.float32(0.06)
                thread += 1
                prof *= thread
                lum *= prof
                m = top.astype(np.float32)
            m *= np.float32(255)
            lum_img = _lum_image(lum)
            img = Image.composite(
                _colourise(lum_img, c1), _colourise(lum_img, c0), Image.fromarray(m.astype(np.uint8))
            )
        else:
            img = _colourise(_lum_image(lum), c0)
        del lum
        if ses.mat is not None:
            desk = _wood(rng, h, w, ppm, *o.desk)
            mask = Image.new("L", (w, h), 0)
            fx_, fy_, fa = ses.mat
            _Painter(mask, cam, ppm).poly(
                *_rect(hx * 0.1, hy * 0.05, 2 * hx * fx_ / 0.9, 2 * hy * fy_ / 0.8, fa), 255
            )
            img = Image.composite(img, desk, mask)
    p = _Painter(img, cam, ppm)
    if kind == "parcel_paper":
        pw, ph = hx * 2 * rng.uniform(0.75, 1.05), hy * 2 * rng.uniform(0.75, 1.05)
        pa = rng.normal(0, 0.12)
        pcx, pcy = rng.normal(0, hx * 0.06), rng.normal(0, hy * 0.06)
        ox, oy = _shadow_offset(ses, 0.6)
        p.poly(*_rect(pcx + ox, pcy + oy, pw, ph, pa), fill=(40, 30, 20, 90))
        p.poly(*_rect(pcx, pcy, pw, ph, pa), fill=_rgba(c0))
        inset = rng.uniform(6, 14)
        p.poly(*_rect(pcx, pcy, pw - 2 * inset, ph - 2 * inset, pa), fill=_rgba(c1))
        for k in (-1, 1):
            fx_, fy_ = _local(pcx, pcy, pa, [k * pw / 6, k * pw / 6], [-ph / 2 + inset, ph / 2 - inset])
            p.line(fx_, fy_, 0.8, _rgba(np.array(c1) * 0.8, 110))
            fx_, fy_ = _local(pcx, pcy, pa, [-pw / 2 + inset, pw / 2 - inset], [k * ph / 6, k * ph / 6])
            p.line(fx_, fy_, 0.6, _rgba(np.array(c1) * 0.85, 90))
    elif kind == "grid_mat":
        lines, (umin, umax, vmin, vmax) = _surface_lines(ses, cam, o.pitch, o.pitch)
        for _, k, x, y in lines:
            major = k % 5 == 0
            p.line(x, y, o.extra * (2.2 if major else 1.0), _rgba(c1, 230 if major else 170))
        if o.pitch >= 10:
            for ku in range(math.floor(umin / 50), math.ceil(umax / 50) + 1):
                for kv in range(math.floor(vmin / 50), math.ceil(vmax / 50) + 1):
                    x, y = _surf_to_frame(ses, ku * 50 + 1.5, kv * 50 - 1.5)
                    p.text(str(abs(ku * 5) % 100), float(x), float(y), 3.0, ses.surf_angle, _rgba(c1, 210))
    elif kind == "tray":
        lines, _ = _surface_lines(ses, cam, o.pitch, o.pitch * 1.35)
        ox, oy = _shadow_offset(ses, rng.uniform(3, 7))
        shade = _rgba(np.array(c0) * 0.5, 120)
        for _, _, x, y in lines:
            p.line(x + ox / 2, y + oy / 2, o.extra + math.hypot(ox, oy), shade)
        for _, _, x, y in lines:
            p.line(x, y, o.extra, _rgba(c1))
    elif kind == "form_sheet":  # printed sorting sheet with numbered boxes
        pitch = o.pitch
        lines, (umin, umax, vmin, vmax) = _surface_lines(ses, cam, pitch, pitch)
        for _, k, x, y in lines:
            p.line(x, y, 0.35 if k % 4 else 0.7, _rgba(c1, 230))
        for ku in range(math.floor(umin / pitch), math.ceil(umax / pitch) + 1):
            for kv in range(math.floor(vmin / pitch), math.ceil(vmax / pitch) + 1):
                x, y = _surf_to_frame(ses, ku * pitch + 1.5, kv * pitch + 3.2)
                label = str((kv % 40) * 12 + ku % 12 + 1)
                p.text(label, float(x), float(y), 2.2, ses.surf_angle, _rgba(c1, 220))
    return img


def _cells(o: _Office, ses: _Session, area) -> list[tuple[float, float, float, float]]:
    """Compartments (frame centre x, y, half sizes) inside the stone area for trays and sorting sheets."""
    if o.surface not in ("tray", "form_sheet"):
        return []
    pu = o.pitch
    pv = o.pitch * 1.35 if o.surface == "tray" else o.pitch
    cx, cy, ax, ay = area
    su, sv = _frame_to_surf(ses, [cx - ax, cx + ax, cx + ax, cx - ax], [cy - ay, cy - ay, cy + ay, cy + ay])
    out = []
    for ku in range(math.floor(su.min() / pu), math.ceil(su.max() / pu) + 1):
        for kv in range(math.floor(sv.min() / pv), math.ceil(sv.max() / pv) + 1):
            x, y = _surf_to_frame(ses, (ku + 0.5) * pu, (kv + 0.5) * pv)
            if abs(x - cx) < ax and abs(y - cy) < ay:
                wall = o.extra if o.surface == "tray" else 1.0
                out.append((float(x), float(y), pu / 2 - wall - 0.8, pv / 2 - wall - 0.8))
    return out


# --------------------------------------------------------------------------------------------- stones


def _sample_stones(lot: _Lot, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    size = np.exp(rng.normal(math.log(lot.size_med), lot.size_sig, n))
    size = np.clip(size, 0.5, 15.0)
    names = list(_PALETTES[lot.palette])
    pw = np.array([_PALETTES[lot.palette][k] for k in names])
    cidx = rng.choice(len(names), n, p=pw / pw.sum())
    base = np.array([_COLOURS[names[k]][0] for k in cidx], dtype=float).reshape(n, 3)
    jit = 2.5 if lot.uniform else 5.0
    colour = base + np.array(lot.tint) + rng.normal(0, jit, (n, 3)) + rng.normal(0, 1.4 * jit, (n, 1))
    alo = np.array([_COLOURS[names[k]][1] for k in cidx])
    ahi = np.array([_COLOURS[names[k]][2] for k in cidx])
    alpha = alo + rng.random(n) * (ahi - alo)
    sw = np.array(lot.shape_w)
    shape = rng.choice(len(_SHAPES), n, p=sw / sw.sum())
    j = np.arange(_NV)[None, :]
    nv = np.full(n, 6)
    theta = np.zeros((n, _NV))
    rad = np.ones((n, _NV))
    slope = np.ones(n)
    apex_j = np.full(n, 0.12)
    aspect = rng.uniform(0.7, 1.0, n)
    for s, name in enumerate(_SHAPES):
        k = np.nonzero(shape == s)[0]
        if len(k) == 0:
            continue
        m = len(k)
        if name == "oct":
            nvk = np.where(rng.random(m) < 0.5, 4, 6)
            th = 2 * np.pi * j / nvk[:, None] + rng.normal(0, 0.1, (m, _NV))
            rd = 1 - rng.uniform(0, 0.12, (m, _NV))
            sl, aj = rng.uniform(0.7, 1.1, m), 0.12
        elif name == "dodec":
            nvk = rng.integers(7, 10, m)
            th = 2 * np.pi * j / nvk[:, None] + rng.normal(0, 0.14, (m, _NV))
            rd = 1 - rng.uniform(0, 0.16, (m, _NV))
            sl, aj = rng.uniform(0.35, 0.55, m), 0.22
        elif name == "macle":
            nvk = np.full(m, 6)
            dlt = rng.uniform(0.15, 0.3, (m, 1))
            corner = (j // 2) * (2 * np.pi / 3)
            th = corner + np.where(j % 2 == 0, -dlt, dlt) + rng.normal(0, 0.03, (m, _NV))
            rd = 1 - rng.uniform(0, 0.06, (m, _NV))
            sl, aj = rng.uniform(0.12, 0.25, m), 0.1
        elif name == "cube":
            nvk = np.full(m, 4)
            th = np.pi / 4 + j * np.pi / 2 + rng.normal(0, 0.04, (m, _NV))
            rd = 1 - rng.uniform(0, 0.06, (m, _NV))
            sl, aj = rng.uniform(0.15, 0.35, m), 0.25
        else:
            nvk = rng.integers(5, 9, m) if name == "irregular" else rng.integers(4, 6, m)
            th = rng.uniform(0, 2 * np.pi, (m, _NV))
            th[j >= nvk[:, None]] = 99.0
            th = np.sort(th, axis=1)
            rd = rng.uniform(0.6, 1.0, (m, _NV))
            sl, aj = rng.uniform(0.4, 0.9, m), 0.3
            if name == "shard":
                aspect[k] = rng.uniform(0.35, 0.55, m)
        nv[k], theta[k], rad[k], slope[k], apex_j[k] = nvk, th, rd, sl, aj
    return {
        "size": size,
        "colour": colour,
        "alpha": alpha,
        "shape": shape,
        "nv": nv,
        "theta": theta,
        "rad": rad,
        "slope": slope,
        "apex": rng.normal(0, 1, (n, 2)) * apex_j[:, None],
        "aspect": aspect,
        "rot": rng.uniform(0, 2 * np.pi, n),
        "height": rng.uniform(0.45, 0.9, n),
        "gloss": rng.uniform(0.3, 1.0, n),
        "shin": rng.uniform(6, 30, n),
        "incl": (rng.random(n) < 0.2).astype(float) * rng.uniform(0.2, 0.6, n),
        "facet_var": rng.normal(0, 0.05, (n, _NV)),
        "contrast": rng.uniform(0.3, 0.6, n),
        "mirror": rng.random((n, _NV)) < (0.08 + 1.2 * (1 - alpha / 255))[:, None],
        "tscale": np.array([0.0, 0.45, 0.7, 0.65, 0.4, 0.35])[shape] * rng.uniform(0.8, 1.2, n),
        "x": np.zeros(n),
        "y": np.zeros(n),
    }


def _take(st: dict[str, np.ndarray], idx) -> dict[str, np.ndarray]:
    return {k: v[idx] for k, v in st.items()}


def _concat(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {k: np.concatenate([a[k], b[k]]) for k in a}


def _fit(x, y, area):
    cx, cy, ax, ay = area
    ex = max(np.abs(x - cx).max(), 1e-6)
    ey = max(np.abs(y - cy).max(), 1e-6)
    f = min(1.0, ax / ex, ay / ey)
    return cx + (x - cx) * f, cy + (y - cy) * f


def _cluster(mx, my, sig, area, rng: np.random.Generator):
    """Gaussian heaps around (mx, my); stones falling outside the area are re-drawn closer to their heap."""
    cx, cy, ax, ay = area
    n = len(mx)
    x = mx + rng.normal(0, 1, n) * sig
    y = my + rng.normal(0, 1, n) * sig
    for shrink in (0.7, 0.45, 0.25):
        out = (np.abs(x - cx) > ax) | (np.abs(y - cy) > ay)
        if not out.any():
            break
        x = np.where(out, mx + rng.normal(0, 1, n) * sig * shrink, x)
        y = np.where(out, my + rng.normal(0, 1, n) * sig * shrink, y)
    return np.clip(x, cx - ax, cx + ax), np.clip(y, cy - ay, cy + ay)


def _layout(layout: str, sizes: np.ndarray, area, rng: np.random.Generator, cells) -> tuple[np.ndarray, ...]:
    n = len(sizes)
    cx, cy, ax, ay = area
    order = np.arange(n)
    if layout == "cells" and len(cells) >= 2:
        used = min(len(cells), max(2, int(rng.integers(2, len(cells) + 1))))
        pick = rng.choice(len(cells), used, replace=False)
        by_size = np.argsort(-sizes) if rng.random() < 0.7 else rng.permutation(n)
        cell_of = np.empty(n, dtype=int)
        cell_of[by_size] = np.minimum((np.arange(n) * used) // n, used - 1)
        cc = np.array([cells[k] for k in pick])[cell_of]
        x = cc[:, 0] + rng.uniform(-1, 1, n) * np.maximum(cc[:, 2] - sizes / 2, 0) * 0.85
        y = cc[:, 1] + rng.uniform(-1, 1, n) * np.maximum(cc[:, 3] - sizes / 2, 0) * 0.85
        return x, y, rng.permutation(n)
    if layout in ("scatter", "cells"):
        fill = rng.uniform(1.4, 2.4)
        cell = math.sqrt(4 * ax * ay / (n * fill))
        while True:
            cols, rows = max(1, int(2 * ax // cell)), max(1, int(2 * ay // cell))
            if cols * rows >= n:
                break
            cell *= 0.9
        idx = rng.choice(cols * rows, n, replace=False)
        gx, gy = idx % cols, idx // cols
        wx, wy = 2 * ax / cols, 2 * ay / rows
        x = cx - ax + (gx + 0.5) * wx + rng.uniform(-0.5, 0.5, n) * np.maximum(wx - sizes, 0)
        y = cy - ay + (gy + 0.5) * wy + rng.uniform(-0.5, 0.5, n) * np.maximum(wy - sizes, 0)
        return x, y, order
    if layout == "pile":
        k = int(min(n, rng.integers(1, 4)))
        member = rng.integers(0, k, n)
        centres = np.column_stack(
            (rng.uniform(-0.55, 0.55, k) * ax + cx, rng.uniform(-0.55, 0.55, k) * ay + cy)
        )
        cnt = np.bincount(member, minlength=k)
        sig = 0.45 * np.sqrt(cnt[member]) * sizes.mean() * rng.uniform(0.8, 1.3)
        sig = np.minimum(sig, 0.4 * min(ax, ay))
        x, y = _cluster(centres[member, 0], centres[member, 1], sig, area, rng)
        return x, y, rng.permutation(n)
    if layout == "rows":
        seq = np.argsort(-sizes) if rng.random() < 0.7 else rng.permutation(n)
        f = rng.uniform(1.2, 1.7)
        x, y = np.zeros(n), np.zeros(n)
        px, row_y, row_h, row_start = 0.0, 0.0, 0.0, 0
        rows: list[tuple[int, int, float]] = []
        for pos, k in enumerate(seq):
            step = sizes[k] * f
            if px + step > 2 * ax and pos > row_start:
                rows.append((row_start, pos, px))
                row_y += row_h
                px, row_h, row_start = 0.0, 0.0, pos
            x[k] = px + step / 2
            y[k] = row_y
            row_h = max(row_h, step)
            px += step
        rows.append((row_start, n, px))
        for a, b, width in rows:
            x[seq[a:b]] += cx - width / 2
        y += cy - (row_y + row_h) / 2 + row_h / 2
        x, y = _fit(x + rng.normal(0, 0.05, n) * sizes, y + rng.normal(0, 0.05, n) * sizes, area)
        return x, y, order
    if layout == "grid":
        m = max(1, math.ceil(math.sqrt(n * ax / ay)))
        rows = math.ceil(n / m)
        sp = min(2 * ax / m, 2 * ay / max(rows, 1)) * rng.uniform(0.65, 1.0)
        sp = max(sp, sizes.max() * 1.05) if sizes.max() * 1.05 * m < 2.2 * ax else sp
        seq = np.argsort(-sizes) if rng.random() < 0.4 else rng.permutation(n)
        gx, gy = np.arange(n) % m, np.arange(n) // m
        x, y = np.zeros(n), np.zeros(n)
        x[seq] = cx + (gx - (m - 1) / 2) * sp + rng.normal(0, 0.05 * sp, n)
        y[seq] = cy + (gy - (rows - 1) / 2) * sp + rng.normal(0, 0.05 * sp, n)
        x, y = _fit(x, y, area)
        return x, y, order
    if layout == "circle":
        seq = rng.permutation(n)
        f = rng.uniform(1.15, 1.5)
        smax = float(sizes.max())
        total = float(np.sum(sizes * f))
        ring_r = min(ax, ay) * rng.uniform(0.55, 0.92)
        if total < 2 * np.pi * ring_r:
            ring_r = max(total / (2 * np.pi), smax)
        ang = rng.uniform(0, 2 * np.pi)
        ang_end = ang + 2 * np.pi
        x, y = np.full(n, cx), np.full(n, cy)
        for k in seq:
            if ring_r < smax * 0.8:
                x[k] = cx + rng.normal(0, smax * 0.8)
                y[k] = cy + rng.normal(0, smax * 0.8)
                continue
            x[k] = cx + ring_r * math.cos(ang)
            y[k] = cy + ring_r * math.sin(ang)
            ang += sizes[k] * f / ring_r
            if ang > ang_end - 0.5 * smax * f / ring_r:
                ring_r -= smax * f
                ang = rng.uniform(0, 2 * np.pi)
                ang_end = ang + 2 * np.pi
        return x, y, order
    if layout == "groups":
        g = int(min(n, rng.integers(2, 6)))
        key = sizes if rng.random() < 0.7 else rng.random(n)
        seq = np.argsort(-key)
        member = np.empty(n, dtype=int)
        member[seq] = np.minimum((np.arange(n) * g) // n, g - 1)
        gcols = g if ax > ay else math.ceil(g / 2)
        grows = math.ceil(g / gcols)
        gx = cx - ax + (np.arange(g) % gcols + 0.5) * 2 * ax / gcols
        gy = cy - ay + (np.arange(g) // gcols + 0.5) * 2 * ay / grows
        cnt = np.bincount(member, minlength=g)
        sig = 0.5 * np.sqrt(cnt[member]) * sizes.mean() * rng.uniform(0.7, 1.2)
        sig = np.minimum(sig, 0.3 * min(ax / gcols, ay / grows) * 2)
        x, y = _cluster(gx[member], gy[member], sig, area, rng)
        return x, y, rng.permutation(n)
    # line
    ang = rng.normal(0, 0.3) + (math.pi / 2 if ay > ax else 0.0)
    seq = rng.permutation(n) if rng.random() < 0.5 else np.argsort(-sizes)
    f = rng.uniform(1.3, 2.0)
    steps = sizes[seq] * f
    t = np.cumsum(steps) - steps / 2
    total = t[-1] + steps[-1] / 2
    lanes = max(1, math.ceil(total / (1.8 * max(ax, ay))))
    lane = np.minimum((t / total * lanes).astype(int), lanes - 1)
    t = t - lane * total / lanes - total / lanes / 2
    off = (lane - (lanes - 1) / 2) * sizes.max() * 2.2
    x, y = np.zeros(n), np.zeros(n)
    x[seq] = cx + t * math.cos(ang) - off * math.sin(ang)
    y[seq] = cy + t * math.sin(ang) + off * math.cos(ang)
    x, y = _fit(x, y, area)
    return x, y, order


def _stone_area(plan: _Plan, hx: float, hy: float, props: dict) -> tuple[float, float, float, float]:
    r = _rng(plan.layout_seed, 7)
    sx = plan.lot.spread * r.uniform(0.95, 1.05)
    ax, ay = hx * sx, hy * sx * r.uniform(0.85, 1.0)
    cx, cy = r.normal(0, 0.04) * hx, r.normal(0, 0.04) * hy
    if plan.closeup and "form" in props:
        f = props["form"]
        return f["cx"], f["cy"] + f["h"] * 0.1, min(ax, f["w"] * 0.35), min(ay, f["h"] * 0.25)
    if plan.lot.bagged and "bag" in props:
        b = props["bag"]
        return b["cx"], b["cy"] + b["h"] * 0.08, b["w"] * 0.3, b["h"] * 0.3
    if "form" in props:
        side = props["form"]["side"]
        dx, dy = ((1, 0), (0, 1), (-1, 0), (0, -1))[side]
        cx += dx * hx * 0.12
        cy += dy * hy * 0.12
        ax *= 0.9 if dx else 1.0
        ay *= 0.9 if dy else 1.0
    return cx, cy, ax, ay


def _stones(plan: _Plan, o: _Office, ses: _Session, area) -> dict[str, np.ndarray]:
    lot = plan.lot
    st = _sample_stones(lot, lot.n, _rng(plan.stone_seed, 5))
    lr = _rng(plan.layout_seed, 6)
    x, y, order = _layout(
        lot.layout, st["size"], area, lr, _cells(o, ses, area) if lot.layout == "cells" else []
    )
    st["x"], st["y"] = x, y
    st = _take(st, order)
    if plan.edit_seed:
        st = _edit(st, lot, area, _rng(plan.edit_seed, 8))
    return st


def _edit(st: dict[str, np.ndarray], lot: _Lot, area, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """A few stones moved, removed or added; at least three changes, larger stones preferred."""
    n = len(st["size"])
    cx, cy, ax, ay = area
    k = max(3, _iround(n * rng.uniform(0.04, 0.22)))
    w = st["size"] ** 2
    w = w / w.sum()
    big = int(min(n, k))
    chosen = rng.choice(n, big, replace=False, p=w)
    ops = rng.choice(["move", "move", "move", "remove", "add"], big)
    if n <= 3:
        ops = np.array(["move"] * big)
    keep = np.ones(n, dtype=bool)
    x, y = st["x"].copy(), st["y"].copy()
    n_add = int(max(0, k - big)) + int(np.sum(ops == "add"))
    for s, op in zip(chosen, ops, strict=True):
        if op == "remove" and keep.sum() > 1:
            keep[s] = False
            continue
        cand_x = cx + rng.uniform(-1, 1, 12) * ax
        cand_y = cy + rng.uniform(-1, 1, 12) * ay
        d_old = np.hypot(cand_x - x[s], cand_y - y[s])
        d_near = np.min(np.hypot(cand_x[:, None] - x[None, :], cand_y[:, None] - y[None, :]), axis=1)
        score = np.minimum(d_old, 4 * st["size"][s] + 6) + d_near
        best = int(np.argmax(score))
        x[s], y[s] = cand_x[best], cand_y[best]
    st = dict(st)
    st["x"], st["y"] = x, y
    st = _take(st, np.nonzero(keep)[0])
    if n_add:
        new = _sample_stones(lot, n_add, rng)
        new["x"] = cx + rng.uniform(-0.9, 0.9, n_add) * ax
        new["y"] = cy + rng.uniform(-0.9, 0.9, n_add) * ay
        st = _concat(st, new)
    return st


_LOBES = ((0.8, 0.06, 0.95), (0.6, 0.14, 1.05), (0.4, 0.22, 1.15))


def _draw_stones(
    p: _Painter, sp: _Painter | None, st: dict[str, np.ndarray], ses: _Session, backlit: bool
) -> None:
    """Faceted, translucent rough crystals with specular facets, crystal edges, inclusions and shadows."""
    n = len(st["size"])
    if n == 0:
        return
    cxp, cyp = p.cam.to_px(st["x"], st["y"])
    ex, ey = p.cam.to_px(st["x"] + st["size"] / 2, st["y"])
    r = np.hypot(ex - cxp, ey - cyp)
    lx, ly, lz = _ldir(ses)
    j = np.arange(_NV)[None, :]
    nv = st["nv"]
    ux = np.cos(st["theta"]) * st["rad"]
    uy = np.sin(st["theta"]) * st["rad"] * st["aspect"][:, None]
    cr, sr = np.cos(st["rot"])[:, None], np.sin(st["rot"])[:, None]
    vx, vy = ux * cr - uy * sr, ux * sr + uy * cr
    apx = st["apex"][:, 0:1] * cr - st["apex"][:, 1:2] * sr
    apy = st["apex"][:, 0:1] * sr + st["apex"][:, 1:2] * cr
    nxt = np.where(j + 1 < nv[:, None], j + 1, 0)
    wx = np.take_along_axis(vx, nxt, 1)
    wy = np.take_along_axis(vy, nxt, 1)
    exx, eyy = wx - vx, wy - vy
    el = np.hypot(exx, eyy) + 1e-9
    sl = st["slope"][:, None]
    nz = 1 / np.sqrt(sl * sl + 1)
    nx_, ny_ = eyy / el * sl * nz, -exx / el * sl * nz
    ndl = nx_ * lx + ny_ * ly + nz * lz
    diff = np.maximum(ndl, 0)
    trans = (1 - st["alpha"] / 255)[:, None]
    con = st["contrast"][:, None]
    if backlit:
        shade = 0.3 + 0.25 * diff + 1.1 * trans + st["facet_var"]
    else:
        shade = 0.6 + con * diff + 0.5 * trans + st["facet_var"]
        shade = np.where(st["mirror"], shade * 0.55, shade)
    spec = np.maximum(2 * ndl * nz - lz, 0) ** st["shin"][:, None] * st["gloss"][:, None]
    colour = st["colour"]
    col = np.clip(colour[:, None, :] * shade[..., None], 0, 255).astype(int).tolist()
    tlev = (0.3 + 0.2 * lz + 1.1 * trans) if backlit else (0.62 + con * lz + 0.5 * trans)
    top = np.clip(colour * tlev, 0, 255).astype(int).tolist()
    bl = (0.3 + 0.9 * trans) if backlit else (0.55 + 0.5 * trans)
    body = np.clip(colour * bl, 0, 255).astype(int).tolist()
    edge = np.clip(colour * 1.15 + 25, 0, 255).astype(int).tolist()
    rim = np.clip(colour * 0.45, 0, 255).astype(int).tolist()
    alpha = st["alpha"].astype(int).tolist()
    scx, scy, rr = cxp[:, None], cyp[:, None], r[:, None]
    px_v, py_v = scx + vx * rr, scy + vy * rr
    px_w, py_w = scx + wx * rr, scy + wy * rr
    px_a, py_a = scx + apx * rr, scy + apy * rr
    tris = np.stack([px_a + 0 * vx, py_a + 0 * vy, px_v, py_v, px_w, py_w], axis=-1).tolist()
    ts = st["tscale"][:, None]
    tops = np.stack([px_a + (px_v - px_a) * ts, py_a + (py_v - py_a) * ts], axis=-1).reshape(n, -1).tolist()
    hl = 0.32
    gx_, gy_ = (px_a + px_v + px_w) / 3, (py_a + py_v + py_w) / 3
    htri = np.stack(
        [
            gx_ + (px_a - gx_) * hl,
            gy_ + (py_a - gy_) * hl,
            gx_ + (px_v - gx_) * hl,
            gy_ + (py_v - gy_) * hl,
            gx_ + (px_w - gx_) * hl,
            gy_ + (py_w - gy_) * hl,
        ],
        axis=-1,
    ).tolist()
    outl = np.stack([px_v, py_v], axis=-1).reshape(n, -1).tolist()
    tops_o = (
        np.stack([px_a + (px_v - px_a) * 0.62, py_a + (py_v - py_a) * 0.62], axis=-1).reshape(n, -1).tolist()
    )
    spec_l = spec.tolist()
    sox, soy = _shadow_offset(ses, 1.0)
    q = sp.scale if sp is not None else 0.25
    draw, sdraw = p.draw, sp.draw if sp is not None else None
    incl, gloss, height = st["incl"].tolist(), st["gloss"].tolist(), st["height"].tolist()
    cxl, cyl, rl = cxp.tolist(), cyp.tolist(), r.tolist()
    shapes = st["shape"].tolist()
    mirror_any = st["mirror"][:, :3].any(axis=1).tolist()
    lxy = math.hypot(lx, ly) + 1e-9
    llx, lly = lx / lxy * 0.6, ly / lxy * 0.6
    pal, pyl = px_a[:, 0].tolist(), py_a[:, 0].tolist()
    for k in range(n):
        rk, a = rl[k], alpha[k]
        cx, cy = cxl[k], cyl[k]
        if rk < 0.8:
            rad = 0.6
            draw.ellipse((cx - rad, cy - rad, cx + rad, cy + rad), fill=(*body[k], int(a * max(0.35, rk))))
            continue
        m = int(nv[k])
        outline = outl[k][: 2 * m]
        if sdraw is not None:
            hh = height[k] * rk * 1.2
            dx, dy = sox * hh * q, soy * hh * q
            sdraw.polygon(
                [v * q + (dx if i % 2 == 0 else dy) for i, v in enumerate(outline)],
                fill=int(120 + 135 * a / 255),
            )
            sdraw.polygon([v * q for v in outline], fill=0)
        if rk < 2.2:
            draw.polygon(outline, fill=(*body[k], a))
            if spec_l[k][0] > 0.15 or rk > 1.6:
                draw.point((cx, cy), fill=(255, 255, 255, int(150 * gloss[k])))
            continue
        draw.polygon(outline, fill=(*body[k], int(a * 0.7)))
        if shapes[k] in (1, 4) and not backlit:
            # rounded crystal (dodecahedron, resorbed piece): nested lobes brightening towards the lamp
            ov = np.asarray(outline).reshape(-1, 2)
            cen = ov.mean(axis=0)
            for sc, sh, tone in _LOBES:
                pts = (cen + (ov - cen) * sc + np.array([llx, lly]) * rk * sh).ravel().tolist()
                c = top[k] if tone > 1 else body[k]
                draw.polygon(pts, fill=(*(min(255, int(v * tone)) for v in c), int(a * 0.45)))
            if mirror_any[k]:
                pts = (cen + (ov - cen) * 0.38 - np.array([llx, lly]) * rk * 0.3).ravel().tolist()
                draw.polygon(pts, fill=(*rim[k], int(a * 0.5)))
            gr = rk * (0.08 + 0.08 * gloss[k])
            hx_, hy_ = cen[0] + llx * rk * 0.42, cen[1] + lly * rk * 0.42
            draw.ellipse(
                (hx_ - gr, hy_ - gr, hx_ + gr, hy_ + gr), fill=(255, 255, 252, int(120 + 120 * gloss[k]))
            )
        else:
            ck = col[k]
            for i in range(m):
                draw.polygon(tris[k][i], fill=(*ck[i], int(a * 0.72)))
            if st["tscale"][k] > 0:
                draw.polygon(tops[k][: 2 * m], fill=(*top[k], int(a * 0.6)))
            elif m == 6:  # octahedron lying on a face: flat triangular top face
                tri = [tops_o[k][i] for i in (0, 1, 4, 5, 8, 9)]
                draw.polygon(tri, fill=(*top[k], int(a * 0.75)))
            sk = spec_l[k]
            for i in range(m):
                if sk[i] > 0.15:
                    draw.polygon(htri[k][i], fill=(255, 255, 252, int(min(235, 70 + 255 * sk[i]))))
        if rk > 5 and shapes[k] in (0, 2, 3) and m != 6:
            zig = []
            for i in range(m):
                zig += [pal[k], pyl[k], outline[2 * i], outline[2 * i + 1]]
            draw.line(zig, fill=(*edge[k], 45), width=1)
        if rk > 5:
            draw.polygon(outline, outline=(*rim[k], 110))
        if incl[k] > 0 and rk > 6:
            ir = max(0.8, rk * 0.07)
            ox = cx + incl[k] * rk * math.cos(k * 2.3)
            oy = cy + incl[k] * rk * math.sin(k * 2.3)
            draw.ellipse((ox - ir, oy - ir, ox + ir, oy + ir), fill=(25, 25, 25, 110))
        if backlit and a < 235:
            cr_ = rk * 0.3
            draw.ellipse((cx - cr_, cy - cr_, cx + cr_, cy + cr_), fill=(255, 255, 255, 60))
        elif gloss[k] > 0.85 and rk > 4 and shapes[k] not in (1, 4):
            gr = max(1.0, rk * 0.07)
            gx0, gy0 = pal[k] + llx * rk * 0.5, pyl[k] + lly * rk * 0.5
            draw.ellipse((gx0 - gr, gy0 - gr, gx0 + gr, gy0 + gr), fill=(255, 255, 255, 190))


# --------------------------------------------------------------------------------------------- props


def _day_text(o: _Office, plan: _Plan) -> tuple[date, int]:
    return date.fromordinal(o.base_day) + timedelta(days=plan.day), plan.minute


def _parcel_values(o: _Office, plan: _Plan, rng: np.random.Generator) -> dict[str, str]:
    lot = plan.lot
    carats = lot.n * 0.0074 * lot.size_med**3 * math.exp(4.5 * lot.size_sig**2) * rng.uniform(0.8, 1.2)
    d, _ = _day_text(o, plan)
    sieve = int(np.clip(lot.size_med * 3.2, 1, 23))
    return {
        "Certificate No.": f"{o.code[:2]} {int(rng.integers(10**5, 10**6))}",
        "Exporter": _pick(rng, _COMPANIES),
        "Importer": _pick(rng, _COMPANIES),
        "Country of origin": _pick(rng, _COUNTRIES),
        "Carats": f"{carats:.2f}",
        "Number of stones": str(lot.n),
        "Value (USD)": f"{int(carats * rng.uniform(40, 900)):,}".replace(",", " "),
        "Date": d.strftime("%d/%m/%Y") if rng.random() < 0.5 else d.isoformat(),
        "Lot": f"L-{int(rng.integers(1, 80))}/{int(rng.integers(1, 9))}",
        "Sieve class": f"+{sieve} -{sieve + 2}",
        "Colour": lot.palette.upper(),
        "Officer": f"{chr(65 + int(rng.integers(26)))}. {chr(65 + int(rng.integers(26)))}.",
    }


def _props(plan: _Plan, o: _Office, ses: _Session, hx: float, hy: float) -> dict:
    """Static props (form, label, scale, ruler, bag) of the parcel; positions follow session habits."""
    r = _rng(plan.static_seed, 9)
    out: dict = {}
    clutter = plan.clutter
    if plan.closeup or (
        o.surface != "form_sheet" and (r.random() < o.p_form or (clutter and r.random() < 0.5))
    ):
        fw, fh = _pick(r, [(148.0, 210.0), (210.0, 297.0), (180.0, 250.0)])
        ang = ses.form_angle + r.normal(0, 0.03)
        if plan.closeup:
            cx, cy = r.normal(0, 0.15) * hx, r.normal(0, 0.1) * hy + fh * 0.12
            side = 0
            ang = r.normal(0, 0.05)
        else:
            side = ses.form_side
            depth = ses.form_depth * 0.8 + r.normal(0, 0.02)
            along = ses.form_along + r.normal(0, 0.04)
            if side in (0, 2):
                sgn = -1 if side == 0 else 1
                cx, cy = sgn * (hx + fw / 2 - depth * 2 * hx), along * hy
            else:
                sgn = -1 if side == 1 else 1
                cx, cy = along * hx, sgn * (hy + fh / 2 - depth * 2 * hy)
        out["form"] = {"cx": cx, "cy": cy, "w": fw, "h": fh, "ang": ang, "side": side}
    if r.random() < o.p_scale or clutter:
        sx, sy = ((-1, -1), (1, -1), (1, 1), (-1, 1))[ses.scale_corner]
        w, h = r.uniform(110, 140), r.uniform(140, 180)
        cover = r.uniform(0.1, 0.3)  # fraction of the frame the scale's corner reaches into
        out["scale"] = {
            "cx": sx * (hx + w / 2 - cover * 2 * hx),
            "cy": sy * (hy + h / 2 - cover * 2 * hy),
            "w": w,
            "h": h,
            "ang": r.normal(0, 0.05),
            "body": _pick(r, [(44, 44, 48), (176, 178, 182), (230, 230, 226)]),
        }
    if r.random() < o.p_ruler or clutter:
        side = ses.ruler_side
        ln = _pick(r, [150.0, 200.0, 300.0])
        wd = r.uniform(18, 30)
        ext = hx if side in (0, 2) else hy
        inset = wd / 2 - min(wd * 1.1, 0.5 * ext) * r.uniform(0.6, 1.0)  # at most a quarter of the frame
        if side in (0, 2):
            cx, cy, ang = (1 if side == 0 else -1) * (hx + inset), r.uniform(-0.3, 0.3) * hy, math.pi / 2
        else:
            cx, cy, ang = r.uniform(-0.3, 0.3) * hx, (1 if side == 1 else -1) * (hy + inset), 0.0
        out["ruler"] = {
            "cx": cx,
            "cy": cy,
            "len": ln,
            "w": wd,
            "ang": ang + r.normal(0, 0.04),
            "kind": int(r.integers(3)),
        }
    bag_roll = r.random()  # always drawn, so that un-bagging a lot leaves the other props in place
    if plan.lot.bagged or bag_roll < o.p_bag * 0.5 or (clutter and r.random() < 0.6):
        w = r.uniform(70, 120)
        if plan.lot.bagged:
            cx, cy = r.normal(0, 0.1) * hx, r.normal(0, 0.1) * hy
            w = max(w, min(2 * hx, 2 * hy) * 0.6)
        else:
            cx, cy = r.choice([-1, 1]) * hx * r.uniform(0.55, 0.95), r.uniform(-0.6, 0.6) * hy
        out["bag"] = {
            "cx": cx,
            "cy": cy,
            "w": w,
            "h": w * r.uniform(1.25, 1.6),
            "ang": r.normal(0, 0.35),
            "zip": _pick(r, [(200, 40, 40), (40, 80, 200), (235, 235, 235)]),
            "streaks": int(r.integers(2, 6)),
            "seed": _seed63(r),
        }
    if (
        r.random() < o.p_label * min(1.0, plan.lot.fov / 150)
        or clutter
        or (plan.closeup and r.random() < 0.5)
    ):
        out["label"] = {
            "w": r.uniform(45, 70),
            "h": r.uniform(26, 40),
            "ang": r.normal(0, 0.25),
            "pos": (r.uniform(-0.75, 0.75), r.choice([-1, 1]) * r.uniform(0.8, 1.0)),
            "colour": _pick(r, [(246, 246, 240), (246, 232, 140), (240, 210, 214), (214, 190, 150)]),
        }
    return out


def _draw_form(p: _Painter, sp: _Painter | None, f: dict, o: _Office, ses: _Session, vals: dict, rng) -> None:
    cx, cy, w, h, ang = f["cx"], f["cy"], f["w"], f["h"], f["ang"]
    if not p.visible(*_rect(cx, cy, w, h, ang)):
        return
    if sp is not None:  # flat paper: only a thin rim of shadow
        ox, oy = _shadow_offset(ses, 0.8)
        sp.poly(*_rect(cx + ox, cy + oy, w, h, ang), fill=90)
        sp.poly(*_rect(cx, cy, w, h, ang), fill=0)
    p.poly(*_rect(cx, cy, w, h, ang), fill=_rgba(o.paper))
    ink = _rgba(o.ink, 235)
    m = 12.0

    def at(s, t):
        return _local(cx, cy, ang, s, t)

    top = -h / 2 + m
    title, sub = _TITLES[o.title]
    if o.band is not None:
        p.poly(
            *_local(
                cx,
                cy,
                ang,
                [-w / 2 + m, w / 2 - m, w / 2 - m, -w / 2 + m],
                [top - 3, top - 3, top + 9, top + 9],
            ),
            fill=_rgba(o.band, 225),
        )
        x, y = at(0, top + 3)
        p.text(title, float(x), float(y), 4.2, ang, (250, 250, 250, 255), anchor="c", bold=True)
    else:
        x, y = at(0, top + 3)
        p.text(title, float(x), float(y), 4.2, ang, ink, anchor="c", bold=True)
    x, y = at(0, top + 12)
    p.text(sub, float(x), float(y), 2.8, ang, ink, anchor="c")
    x, y = at([-w / 2 + m, w / 2 - m], [top + 16, top + 16])
    p.line(x, y, 0.4, ink)
    t = top + 24
    typed = _rgba(o.ink if rng.random() < 0.5 else (30, 50, 140), 240)
    for name in o.fields:
        if t > h / 2 - 60:
            break
        x, y = at(-w / 2 + m, t)
        p.text(name + ":", float(x), float(y), 2.6, ang, ink)
        x, y = at(-w / 2 + m + 48, t)
        p.text(vals.get(name, ""), float(x), float(y), 3.0, ang, typed, bold=name == "Certificate No.")
        x, y = at([-w / 2 + m + 46, w / 2 - m], [t + 2.6, t + 2.6])
        p.line(x, y, 0.2, (*ink[:3], 120))
        t += 8.5
    rows, cols = int(rng.integers(3, 6)), 5
    tw, rh = w - 2 * m, 7.0
    for i in range(rows + 2):
        x, y = at([-w / 2 + m, w / 2 - m], [t + i * rh, t + i * rh])
        p.line(x, y, 0.3, ink)
    for c in range(cols + 1):
        s = -w / 2 + m + c * tw / cols
        x, y = at([s, s], [t, t + (rows + 1) * rh])
        p.line(x, y, 0.3, ink)
    for c, head in enumerate(("Lot", "Carats", "Stones", "Sieve", "USD")):
        x, y = at(-w / 2 + m + c * tw / cols + 2, t + rh / 2)
        p.text(head, float(x), float(y), 2.4, ang, ink, bold=True)
    for i in range(rows):
        for c in range(cols):
            val = str(int(rng.integers(1, 60))) if c in (0, 2, 3) else f"{rng.uniform(0.5, 400):.2f}"
            x, y = at(-w / 2 + m + c * tw / cols + 2, t + (i + 1.5) * rh)
            p.text(val, float(x), float(y), 2.4, ang, typed)
    t += (rows + 2) * rh + 6
    stamp = _rgba(o.stamp_ink, int(rng.integers(110, 190)))
    scx, scy = at(w / 2 - m - 22 + rng.normal(0, 3), t + 14 + rng.normal(0, 3))
    p.ellipse(float(scx), float(scy), 17, 17, ang, None, outline=stamp, width=max(1, int(0.8 * p.ppm)))
    p.ellipse(float(scx), float(scy), 12, 12, ang, None, outline=stamp, width=max(1, int(0.4 * p.ppm)))
    p.text(o.code, float(scx), float(scy), 3.2, ang + rng.normal(0, 0.2), stamp, anchor="c", bold=True)
    sig = np.cumsum(rng.normal(0, 1.6, (14, 2)), axis=0) + np.array([0, 0])
    sig[:, 0] = np.linspace(0, 40, 14) + sig[:, 0] * 0.3
    x, y = at(-w / 2 + m + sig[:, 0], t + 14 + sig[:, 1])
    p.line(x, y, 0.45, (30, 40, 110, 220))
    if rng.random() < 0.5:
        bits = (rng.random((21, 21)) < 0.5).astype(np.uint8)
        bits[:7, :7] = bits[:7, -7:] = bits[-7:, :7] = 1
        bits[1:6, 1:6] = bits[1:6, -6:-1] = bits[-6:-1, 1:6] = 0
        bits[2:5, 2:5] = bits[2:5, -5:-2] = bits[-5:-2, 2:5] = 1
        x, y = at(-w / 2 + m + 12, top + 3)
        p.bitmap(bits, float(x), float(y), 16, 16, ang, ink)


def _draw_label(
    p: _Painter, sp: _Painter | None, lb: dict, cx: float, cy: float, o: _Office, vals: dict, rng
):
    w, h, ang = lb["w"], lb["h"], lb["ang"]
    if sp is not None:
        sp.poly(*_rect(cx + 0.8, cy + 0.8, w, h, ang, 2.0), fill=110)
    p.poly(*_rect(cx, cy, w, h, ang, 2.0), fill=_rgba(lb["colour"]), outline=_rgba((90, 90, 90), 120))
    ink = (25, 25, 30, 240)

    def at(s, t):
        x, y = _local(cx, cy, ang, s, t)
        return float(x), float(y)

    p.text(o.code, *at(-w / 2 + 4, -h / 2 + 5), 2.6, ang, ink, bold=True)
    p.text("LOT " + vals["Lot"][2:], *at(-w / 2 + 4, -h / 2 + 12.5), 4.4, ang, ink, bold=True)
    p.text(vals["Carats"] + " ct", *at(-w / 2 + 4, -h / 2 + 19.5), 3.2, ang, (30, 40, 120, 235))
    bits = (rng.random((1, 48)) < 0.5).astype(np.uint8)
    bits[0, :2] = bits[0, -2:] = 1
    p.bitmap(bits, *at(0, h / 2 - 6), w * 0.75, 6.0, ang, ink)
    if rng.random() < 0.4:
        p.ellipse(*at(w / 2 - 5, -h / 2 + 5), 1.8, 1.8, ang, fill=(60, 60, 60, 255))


def _draw_scale(p: _Painter, sp: _Painter | None, sc: dict, ses: _Session, rng) -> None:
    cx, cy, w, h, ang, body = sc["cx"], sc["cy"], sc["w"], sc["h"], sc["ang"], sc["body"]
    if not p.visible(*_rect(cx, cy, w, h, ang), 20):
        return
    if sp is not None:
        ox, oy = _shadow_offset(ses, 25.0)
        sp.poly(*_rect(cx + ox, cy + oy, w, h, ang, 8.0), fill=220)
    p.poly(
        *_rect(cx, cy, w, h, ang, 8.0), fill=_rgba(body), outline=_rgba(np.array(body) * 0.7, 255), width=2
    )
    px_, py_ = _local(cx, cy, ang, 0, -h * 0.12)
    pr = w * 0.36
    p.ellipse(
        float(px_), float(py_), pr, pr, ang, fill=(196, 198, 202, 255), outline=(120, 122, 126, 255), width=2
    )
    for k in (0.8, 0.55, 0.3):
        p.ellipse(float(px_), float(py_), pr * k, pr * k, ang, None, outline=(160, 162, 166, 160))
    hx_, hy_ = _local(float(px_), float(py_), ang, -pr * 0.3, -pr * 0.3)
    p.ellipse(float(hx_), float(hy_), pr * 0.35, pr * 0.15, ang - 0.7, fill=(255, 255, 255, 70))
    lx_, ly_ = _local(cx, cy, ang, 0, h * 0.32)
    p.poly(*_rect(float(lx_), float(ly_), w * 0.5, 14, ang, 1.5), fill=(92, 108, 86, 255))
    p.text(f"{rng.uniform(0.1, 99.9):.3f}", float(lx_), float(ly_), 6.0, ang, (24, 30, 24, 255), anchor="c")
    for b in (-1.5, -0.5, 0.5, 1.5):
        bx, by = _local(cx, cy, ang, b * w * 0.18, h * 0.44)
        p.ellipse(float(bx), float(by), 3.5, 3.5, ang, fill=_rgba(np.array(body) * 0.6 + 40))


def _draw_ruler(p: _Painter, sp: _Painter | None, ru: dict) -> None:
    cx, cy, ln, w, ang, kind = ru["cx"], ru["cy"], ru["len"], ru["w"], ru["ang"], ru["kind"]
    if not p.visible(*_rect(cx, cy, ln, w, ang)):
        return
    fill = [(205, 207, 212, 255), (235, 200, 70, 255), (240, 242, 245, 80)][kind]
    if sp is not None and kind != 2:
        sp.poly(*_rect(cx + 0.7, cy + 0.7, ln, w, ang), fill=120)
    p.poly(*_rect(cx, cy, ln, w, ang), fill=fill, outline=(90, 90, 90, 140))
    ink = (25, 25, 25, 230)
    mm = np.arange(0, int(ln) - 4)
    tl = np.where(mm % 10 == 0, 6.0, np.where(mm % 5 == 0, 4.2, 2.6))
    s = -ln / 2 + 3 + mm
    x0, y0 = _local(cx, cy, ang, s, np.full_like(s, -w / 2))
    x1, y1 = _local(cx, cy, ang, s, -w / 2 + tl)
    a0 = p.pts(x0, y0)
    a1 = p.pts(x1, y1)
    wpx = max(1, _iround(0.18 * p.ppm))
    faint = (25, 25, 25, int(230 * min(1.0, 0.25 * p.ppm)))
    for i in range(len(mm)):
        xa, ya, xb, yb = a0[2 * i], a0[2 * i + 1], a1[2 * i], a1[2 * i + 1]
        if -5 < xa < p.w + 5 and -5 < ya < p.h + 5:
            p.draw.line((xa, ya, xb, yb), fill=ink if mm[i] % 5 == 0 else faint, width=wpx)
    for c in range(0, int(ln) - 4, 10):
        x, y = _local(cx, cy, ang, -ln / 2 + 3 + c, -w / 2 + 9)
        p.text(str(c // 10), float(x), float(y), 2.8, ang, ink, anchor="c")


def _draw_bag(p: _Painter, b: dict) -> None:
    cx, cy, w, h, ang = b["cx"], b["cy"], b["w"], b["h"], b["ang"]
    if not p.visible(*_rect(cx, cy, w, h, ang)):
        return
    r = _rng(b["seed"], 10)
    p.poly(
        *_rect(cx, cy, w, h, ang, 3.0),
        fill=(255, 255, 255, int(r.integers(26, 48))),
        outline=(255, 255, 255, 120),
        width=max(1, int(p.ppm * 0.8)),
    )
    zx, zy = _local(cx, cy, ang, [-w / 2 + 2, w / 2 - 2], [-h / 2 + 9, -h / 2 + 9])
    p.line(zx, zy, 2.5, (*b["zip"], 190))
    zx, zy = _local(cx, cy, ang, [-w / 2 + 2, w / 2 - 2], [-h / 2 + 12.5, -h / 2 + 12.5])
    p.line(zx, zy, 0.6, (*b["zip"], 150))
    for _ in range(b["streaks"]):
        s0, t0 = r.uniform(-w / 2, w / 2), r.uniform(-h / 2 + 15, h / 2)
        la, ll, lw = r.normal(0.8, 0.5), r.uniform(10, 50), r.uniform(1.0, 4.0)
        x, y = _local(cx, cy, ang, [s0, s0 + ll * math.cos(la)], [t0, t0 + ll * math.sin(la)])
        p.line(x, y, lw, (255, 255, 255, int(r.integers(18, 45))))
        p.line(x, y, lw * 0.3, (255, 255, 255, int(r.integers(40, 110))))
    if r.random() < 0.6:
        bx, by = _local(cx, cy, ang, 0, h / 2 - 18)
        p.poly(*_rect(float(bx), float(by), w * 0.7, 16, ang), fill=(250, 250, 250, 190))
        sig = np.cumsum(r.normal(0, 1.2, (10, 2)), axis=0)
        x, y = _local(
            float(bx), float(by), ang, np.linspace(-w * 0.3, w * 0.2, 10) + sig[:, 0] * 0.3, sig[:, 1]
        )
        p.line(x, y, 0.5, (20, 30, 120, 220))


def _draw_tweezers(p: _Painter, sp: _Painter | None, ses: _Session, area, rng) -> None:
    cx, cy, ax, ay = area
    tx, ty = cx + rng.uniform(-0.8, 0.8) * ax, cy + rng.uniform(-0.8, 0.8) * ay
    ang = math.atan2(ty, tx) + rng.normal(0, 0.6)
    ln, gap = rng.uniform(110, 160), rng.uniform(4, 9)
    s = np.linspace(0, ln, 8)
    half_w = 0.6 + 2.2 * (s / ln) ** 0.5
    sep = gap * (s / ln) ** 0.7 / 2 + 0.4
    steel = (186, 188, 194, 255)
    for sgn in (-1, 1):
        top = sep * sgn + half_w
        bot = sep * sgn - half_w
        xs, ys = _local(tx, ty, ang, np.concatenate([s, s[::-1]]), np.concatenate([top, bot[::-1]]))
        if sp is not None:
            ox, oy = _shadow_offset(ses, 6.0)
            sp.poly(xs + ox, ys + oy, fill=200)
        p.poly(xs, ys, fill=steel, outline=(90, 92, 96, 200))
        hx_, hy_ = _local(tx, ty, ang, s[1:], sep[1:] * sgn + half_w[1:] * 0.3)
        p.line(hx_, hy_, 0.5, (250, 250, 252, 150))


def _draw_hand(img: Image.Image, cam: _Cam, smask: Image.Image | None, ses: _Session, hx, hy, rng) -> None:
    """A gloved or bare hand reaching in from an edge, out of focus (drawn at quarter resolution)."""
    w, h = img.size
    side = int(rng.integers(4))
    along = rng.uniform(-0.6, 0.6)
    pw, ph = rng.uniform(38, 50), rng.uniform(30, 40)
    n_f = int(rng.integers(2, 5))
    fingers = []
    for k in range(n_f):
        fingers.append((k - (n_f - 1) / 2, rng.uniform(55, 85), rng.uniform(14, 19)))
    reach = pw * 0.6 + max(f[1] for f in fingers) + 9
    depth = rng.uniform(0.12, 0.35)
    ext = hx if side in (0, 2) else hy
    dist = ext + reach - depth * 2 * ext
    ex, ey = [(dist, along * hy), (along * hx, dist), (-dist, along * hy), (along * hx, -dist)][side]
    inward = math.atan2(-ey, -ex) + rng.normal(0, 0.25)
    spread = rng.uniform(0.18, 0.3)
    skin = np.array(
        _pick(
            rng,
            [
                (224, 172, 140),
                (198, 134, 96),
                (141, 85, 54),
                (96, 60, 40),
                (235, 235, 235),
                (90, 130, 210),
                (36, 36, 40),
            ],
        ),
        dtype=float,
    )
    q = 0.25
    ppm = (w / 2) / cam.s
    layer = Image.new("RGBA", (int(w * q) + 1, int(h * q) + 1), (0, 0, 0, 0))
    lp = _Painter(layer, cam, ppm, scale=q)
    lp.draw = ImageDraw.Draw(layer)
    fingers = [(inward + off * spread, fl, fw) for off, fl, fw in fingers]
    lx, ly, _ = _ldir(ses)
    for shrink, tone, dx in ((0.0, 0.72, 0.0), (3.5, 0.92, 2.0), (6.5, 1.04, 3.0)):
        ox, oy = lx * dx, ly * dx
        lp.ellipse(ex + ox, ey + oy, pw - shrink, ph - shrink, inward, fill=_rgba(skin * tone))
        for a, fl, fw in fingers:
            xs, ys = _local(ex + ox, ey + oy, a, [pw * 0.5, pw * 0.6 + fl], [0, 0])
            lp.line(xs, ys, fw - shrink, _rgba(skin * tone))
            lp.ellipse(
                float(xs[1]), float(ys[1]), (fw - shrink) / 2, (fw - shrink) / 2, a, fill=_rgba(skin * tone)
            )
    box = layer.getbbox()
    if box is None:
        return
    x0, y0, x1, y1 = box = (max(0, box[0] - 2), max(0, box[1] - 2), box[2] + 2, box[3] + 2)
    small = layer.crop(box).filter(ImageFilter.GaussianBlur(0.8))
    big = small.resize((int((x1 - x0) / q), int((y1 - y0) / q)), _BILINEAR)
    img.paste(big.convert("RGB"), (int(x0 / q), int(y0 / q)), big.getchannel("A"))
    if smask is not None:
        smask.paste(0, (0, 0, *smask.size), layer.getchannel("A").resize(smask.size, _BILINEAR))
        ox, oy = _shadow_offset(ses, 40.0)
        sh = layer.getchannel("A").transform(
            layer.size, Image.Transform.AFFINE, (1, 0, -ox * ppm * q, 0, 1, -oy * ppm * q)
        )
        sh = sh.resize(smask.size, _BILINEAR).filter(ImageFilter.GaussianBlur(max(2.0, 6 * ppm * q / 4)))
        smask.paste(sh, (0, 0), sh)


def _draw_lint(p: _Painter, o: _Office, area, rng) -> None:
    cx, cy, ax, ay = area
    for _ in range(int(rng.integers(0, 7))):
        x0, y0 = cx + rng.uniform(-1.3, 1.3) * ax, cy + rng.uniform(-1.3, 1.3) * ay
        if o.surface == "lightbox":
            r = rng.uniform(0.15, 0.4)
            p.ellipse(x0, y0, r, r, 0, fill=(60, 60, 60, 160), n=8)
            continue
        steps = np.cumsum(rng.normal(0, 1.0, (5, 2)), axis=0)
        col = (230, 230, 230, int(rng.integers(90, 170))) if sum(o.c0) < 400 else (60, 60, 70, 140)
        p.line(x0 + steps[:, 0], y0 + steps[:, 1], 0.12, col)


# --------------------------------------------------------------------------------------------- render


def _render(plan: _Plan) -> Image.Image:
    o = _offices()[plan.office]
    ses = _session(plan.office, plan.day)
    w, h = plan.size
    rs = _rng(plan.shot_seed, 11)
    fov = plan.lot.fov * ses.zoom
    hx = fov / 2 if w >= h else fov / 2 * w / h
    hy = hx * h / w
    jit = 0.0 if o.tripod else 1.0
    cam = _Cam(
        w,
        h,
        hx * (1 + jit * rs.normal(0, 0.02)),
        ses.roll + jit * rs.normal(0, 0.01),
        ses.kx + jit * rs.normal(0, 0.01),
        ses.ky + jit * rs.normal(0, 0.01),
        o.k1,
        ses.shift[0] * hx + jit * rs.normal(0, 0.02) * hx,
        ses.shift[1] * hy + jit * rs.normal(0, 0.02) * hy,
    )
    ppm = (w / 2) / cam.s
    props = _props(plan, o, ses, hx, hy)
    area = _stone_area(plan, hx, hy, props)
    st = _stones(plan, o, ses, area)
    vals = _parcel_values(o, plan, _rng(plan.parcel_seed, 12))
    img = _surface(o, ses, cam, ppm, _rng(plan.static_seed, 13), hx, hy)
    backlit = o.surface == "lightbox"
    smask = None if backlit else Image.new("L", (w // 4 + 1, h // 4 + 1), 0)
    p = _Painter(img, cam, ppm)
    sp = None if smask is None else _Painter(smask, cam, ppm, scale=0.25)
    dyn = _rng(plan.dyn_seed, 14)
    prng = _rng(plan.parcel_seed, 15)
    if o.surface in ("felt", "velvet", "lightbox"):
        _draw_lint(p, o, area, dyn)
    if "ruler" in props:
        _draw_ruler(p, sp, props["ruler"])
    if "form" in props:
        _draw_form(p, sp, props["form"], o, ses, vals, prng)
    if "label" in props:
        lb = props["label"]
        lx = lb["pos"][0] * hx * 0.8
        ly = lb["pos"][1] * (hy + lb["h"] * 0.15)
        _draw_label(p, sp, lb, lx, ly, o, vals, prng)
    if "scale" in props:
        _draw_scale(p, sp, props["scale"], ses, prng)
    _draw_stones(p, sp, st, ses, backlit)
    if "bag" in props:
        _draw_bag(p, props["bag"])
    if dyn.random() < o.p_tweezers or plan.clutter:
        _draw_tweezers(p, sp, ses, area, dyn)
    if dyn.random() < o.p_hand * min(1.0, max(0.2, fov / 220)) or (plan.clutter and dyn.random() < 0.7):
        _draw_hand(img, cam, smask, ses, hx, hy, dyn)
    img = _camera(img, smask, o, ses, cam, rs)
    if o.stamp >= 0:
        _stamp(img, o, plan, rs)
    return _jpeg_history(img, o, rs)


_FMAX = 2.0


def _soften(img: Image.Image) -> Image.Image:
    """2x2 box average (lens and demosaicing softness)."""
    a = np.asarray(img).astype(np.uint16)
    h, w, _ = a.shape
    a = a.reshape(h, w * 3)
    t = a[:, :-3] + a[:, 3:]
    u = t[:-1] + t[1:]
    u += 2
    u >>= 2
    out = np.empty((h, w * 3), dtype=np.uint8)
    out[:-1, :-3] = u
    out[:-1, -3:] = u[:, -3:]
    out[-1] = out[-2]
    return Image.fromarray(out.reshape(h, w, 3))


def _camera(img: Image.Image, smask, o: _Office, ses: _Session, cam: _Cam, rs) -> Image.Image:
    w, h = img.size
    half = w / 2
    xn = ((np.arange(w, dtype=np.float32) + 0.5) - half) / half
    yn = ((np.arange(h, dtype=np.float32) + 0.5) - h / 2) / half
    v = np.float32(o.vignette)
    gx, gy = ses.grad
    fx1 = np.exp(np.float32(gx) * xn) / (1 + v * xn * xn)
    fy1 = np.exp(np.float32(gy) * yn) / (1 + v * yn * yn)
    lx, ly, ls, la = ses.lamp
    fx2 = fx1 * np.exp(-((xn - np.float32(lx)) ** 2) / np.float32(2 * ls * ls))
    fy2 = fy1 * np.exp(-((yn - np.float32(ly)) ** 2) / np.float32(2 * ls * ls)) * np.float32(la)
    field = np.multiply.outer(fy1, fx1)
    field += np.multiply.outer(fy2, fx2)
    if smask is not None:
        ppm = half / cam.s
        rad = max(0.6, ses.shadow_blur * ppm / 4)
        sm = smask.filter(ImageFilter.GaussianBlur(rad)).resize((w, h), _BILINEAR)
        s = np.asarray(sm, dtype=np.float32)
        s *= np.float32(-ses.shadow / 255)
        s += 1
        field *= s
    field *= np.float32(255 / _FMAX)
    np.clip(field, 0, 255, out=field)
    if o.soft:
        img = _soften(img)
    img = ImageChops.multiply(img, Image.fromarray(field.astype(np.uint8)).convert("RGB"))
    exposure = ses.exposure * rs.uniform(0.97, 1.03)
    lut: list[int] = []
    for c in range(3):
        k = _FMAX * ses.gains[c] * exposure
        lut += [min(255, int(v * k + 0.5)) for v in range(256)]
    img = img.point(lut)
    sd = o.noise * rs.uniform(0.8, 1.2)
    level = int(np.argmin([abs(sd - x) for x in _NOISE_LEVELS]))
    ox, oy = int(rs.integers(0, 2049 - w)), int(rs.integers(0, 2049 - h))
    noise = _noise_tile(level).crop((ox, oy, ox + w, oy + h))
    return ImageChops.add(img, noise, 1.0, -128)


def _stamp(img: Image.Image, o: _Office, plan: _Plan, rs) -> None:
    d, minute = _day_text(o, plan)
    hh, mm = divmod(minute, 60)
    ss = int(rs.integers(60))
    text = [
        f"{d.year}/{d.month:02d}/{d.day:02d} {hh:02d}:{mm:02d}",
        f"{d.day:02d}.{d.month:02d}.{d.year} {hh:02d}:{mm:02d}:{ss:02d}",
        f"'{d.year % 100:02d} {d.month} {d.day}",
    ][o.stamp]
    w, h = img.size
    size = max(10, int(min(w, h) * 0.035))
    font = _font(size)
    left, top, right, bottom = font.getbbox(text)
    x, y = w - (right - left) - int(w * 0.04), h - (bottom - top) - int(h * 0.045)
    colour = [(255, 150, 40), (250, 215, 70), (255, 120, 30)][o.stamp]
    draw = ImageDraw.Draw(img)
    draw.text((x + 1, y + 1), text, fill=(60, 30, 10), font=font)
    draw.text((x, y), text, fill=colour, font=font)


def _jpeg(img: Image.Image, quality: int, subsampling: int = 2) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=int(quality), subsampling=subsampling)
    buf.seek(0)
    out = Image.open(buf)
    out.load()
    return out.convert("RGB")


def _jpeg_history(img: Image.Image, o: _Office, rs) -> Image.Image:
    if rs.random() < 0.05:
        return img
    img = _jpeg(img, int(rs.integers(o.jpeg_lo, o.jpeg_hi + 1)), o.subsampling)
    if rs.random() < 0.25:
        img = _jpeg(img, int(rs.integers(75, 93)), 2)
    return img


# --------------------------------------------------------------------------------------------- variants

_CANON = ("crop", "recolour", "blur", "resize", "jpeg")


def _crop_step(img: Image.Image, rng) -> tuple[str, Image.Image]:
    w, h = img.size
    sides = np.zeros(4, dtype=int)
    if rng.random() < 0.3:
        for k in rng.choice(4, int(rng.integers(1, 3)), replace=False):
            sides[k] = int(rng.integers(8, 11)) if rng.random() < 0.5 else int(rng.integers(1, 11))
    else:
        for k in range(4):
            u = rng.random()
            sides[k] = 0 if u < 0.15 else int(rng.integers(8, 11)) if u < 0.5 else int(rng.integers(1, 8))
    if not sides.any():
        sides[int(rng.integers(4))] = int(rng.integers(1, 11))
    left, top, right, bottom = (int(v) for v in sides)
    box = (
        round(w * left / 100),
        round(h * top / 100),
        w - round(w * right / 100),
        h - round(h * bottom / 100),
    )
    return f"crop-l{left}t{top}r{right}b{bottom}pct", img.crop(box)


def _resize_step(img: Image.Image, rng) -> tuple[str, Image.Image]:
    w, h = img.size
    while True:
        f = math.exp(rng.uniform(math.log(0.33), math.log(1.5)))
        if abs(f - 1) > 0.04:
            break
    nw = max(64, _iround(w * f))
    nh = max(48, _iround(h * nw / w))
    flt = _pick(rng, [Image.Resampling.LANCZOS, Image.Resampling.BICUBIC, Image.Resampling.BILINEAR])
    return f"resize-w{nw}", img.resize((nw, nh), flt)


def _jpeg_step(img: Image.Image, rng) -> tuple[str, Image.Image]:
    q = int(rng.integers(50, 96))
    return f"jpeg-q{q}", _jpeg(img, q, int(_pick(rng, [2, 2, 2, 1, 0])))


def _blur_step(img: Image.Image, rng) -> tuple[str, Image.Image]:
    r = round(float(rng.uniform(0.3, 1.5)), 1)
    return f"blur-r{r:.1f}", img.filter(ImageFilter.GaussianBlur(r))


def _recolour_step(img: Image.Image, rng) -> tuple[str, Image.Image]:
    keys = [str(k) for k in rng.choice(["b", "c", "s", "g", "w"], int(rng.integers(1, 4)), replace=False)]
    parts = []
    for k in keys:
        sign = 1 if rng.random() < 0.5 else -1
        if k == "b":
            v = sign * int(rng.integers(3, 16))
            lut = [int(np.clip(round(i * (1 + v / 100)), 0, 255)) for i in range(256)] * 3
            img = img.point(lut)
            parts.append(f"b{v:+d}")
        elif k == "c":
            v = sign * int(rng.integers(4, 21))
            img = ImageEnhance.Contrast(img).enhance(1 + v / 100)
            parts.append(f"c{v:+d}")
        elif k == "s":
            v = sign * int(rng.integers(6, 31))
            img = ImageEnhance.Color(img).enhance(1 + v / 100)
            parts.append(f"s{v:+d}")
        elif k == "g":
            g = round(float(math.exp(rng.uniform(math.log(0.8), math.log(1.25)))), 2)
            if abs(g - 1) < 0.04:
                g = 0.9 if sign < 0 else 1.1
            img = img.point([_iround(255 * (i / 255) ** g) for i in range(256)] * 3)
            parts.append(f"g{g:.2f}")
        else:
            v = sign * int(rng.integers(2, 9))
            red = [int(np.clip(round(i * (1 + v / 100)), 0, 255)) for i in range(256)]
            blue = [int(np.clip(round(i * (1 - v / 100)), 0, 255)) for i in range(256)]
            img = img.point(red + list(range(256)) + blue)
            parts.append(f"w{v:+d}")
    return "recolour-" + "_".join(parts), img


_STEPS = {
    "crop": _crop_step,
    "resize": _resize_step,
    "jpeg": _jpeg_step,
    "blur": _blur_step,
    "recolour": _recolour_step,
}


def variants(image: Image.Image, seed: int) -> dict[str, Image.Image]:
    """Ten transformed copies of ``image``: one per step and five chains of 2-3 steps.

    Keys are step names with parameters (``crop-l8t0r3b10pct``, ``resize-w412``, ``jpeg-q55``,
    ``blur-r1.2``, ``recolour-b+8_c-5``) joined by ``+`` for chains.  Deterministic in
    ``(image.size, seed)``.
    """
    base = image.convert("RGB")
    w, h = base.size
    rng = _rng(seed, w, h, 0x7A41)
    out: dict[str, Image.Image] = {}
    for name in ("crop", "resize", "jpeg", "blur", "recolour"):
        for _ in range(20):
            key, img = _STEPS[name](base, rng)
            if key not in out:
                out[key] = img
                break
    lengths = [2, 2, 3, 2, 3]
    for ln in lengths:
        for _ in range(20):
            steps = [str(s) for s in rng.choice(_CANON, ln, replace=False)]
            if rng.random() < 0.8:
                steps.sort(key=_CANON.index)
            img, names = base, []
            for s in steps:
                key, img = _STEPS[s](img, rng)
                names.append(key)
            key = "+".join(names)
            if key not in out:
                out[key] = img
                break
    return out


# --------------------------------------------------------------------------------------------- public


def originals(seed: int, n: int) -> Iterator[Image.Image]:
    """Yield ``n`` RGB photos of lawful parcels; photo ``i`` depends only on ``(seed, i)``."""
    for i in range(n):
        yield _render(_original_plan(seed, i))


def unrelated(seed: int, n: int) -> Iterator[Image.Image]:
    """Yield ``n`` RGB photos of other parcels: hard negatives for ``originals(1, 200)``.

    Photo ``i`` depends only on ``(seed, i)``; its kind is ``unrelated_kind(seed, i)``.
    """
    for i in range(n):
        yield _render(_unrelated_plan(seed, i))


def unrelated_kind(seed: int, i: int) -> str:
    """Kind (one of ``KINDS``) of the ``i``-th photo of ``unrelated(seed, n)``."""
    block, pos = divmod(int(i), sum(_KIND_COUNTS))
    return KINDS[int(_kind_table(int(seed), block)[0][pos])]
