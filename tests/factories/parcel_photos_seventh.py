"""Seventh, independent generator of rough-diamond parcel photos for the re-used-photo benchmark.

What it models
--------------
A fixed, deterministic "world" of 20 Kimberley Process offices.  Offices 0-13 supply the originals; offices
14-19 are only used for the ``elsewhere`` negatives.  Every office has one to three fixed photo set-ups:

* surface: white diamond paper, blue paper, black velvet, grey felt, white/black plastic tray, brushed metal
  tray, sorting tray with compartments, sieve plate, light box (back-lit) or a grid cutting mat; trays,
  plates and light boxes sit on a desk (wood or laminate) that shows around them;
* lighting: one lamp (position, height, fall-off, colour cast), optionally a second lamp or a diffuse tent,
  cast shadows, lamp reflection (hot spot) on glossy surfaces;
* camera: output size (240-4000 px long side, landscape or portrait, 1:1 to 16:9), working framing (field of
  view, small rotation), vignetting, lens distortion, sharpening, sensor noise, in-camera JPEG quality, auto
  exposure / auto white balance of varying strength, tone curve and saturation;
* props in fixed positions along the frame edges: printed label card (authority, certificate number,
  date, exporter, mass, stone count, optional barcode and ink stamp), steel or plastic ruler, tweezers,
  carat-scale display with seven-segment read-out, colour card, office stamp, empty parcel bag, loupe,
  pen, certificate form; some set-ups have a gloved hand entering the frame.

A set-up is used on many days.  A day fixes the framing (small camera drift), the prop positions (small
drift), the lamp gain/cast drift, the sheet of paper (for paper surfaces), the date and the certificate
number range.  Parcels photographed the same day share all of that exactly; only the stones, the label
text (certificate number, mass, count, exporter), the scale reading, the hand position and the
per-shot effects (sensor noise, auto exposure, defects) differ.

Parcels are made of rough stones rendered as convex polyhedra (octahedra, rounded dodecahedra, flat
triangular macles, cubes, cleavage fragments, irregular boart, coated stones) with facet shading,
specular highlights, internal glints, translucency (the background shows through, darkened by
thickness), dark facet edges and rims, frosted texture and dark inclusions; colours colourless, silver,
cape yellow, brown, champagne, grey, green-coated, black boart, pink and milky.  Very small stones
(a few pixels) are drawn as dust-like splats.  Layouts: scatter, heap, rows, size-sorted groups, inside
a clear zip bag, on an unfolded diamond paper, a single large stone, sparse (a few small stones on a
large uniform surface), grit (hundreds to thousands of sub-millimetre stones), fill (the frame packed
with stones) and compartments of a sorting tray.  About 10% of photos are badly exposed (dark, blown
out, flat), 5% out of focus, 3% motion-blurred and 4% have veiling glare.

Output sizes (per set-up and day): about 5% with a long side of 240-384 px, 10% 400-768, 45% 800-1600,
30% 1632-2560, 7% 2592-3000 and 3% 3264-4000; about a quarter portrait.  Rendering happens at a working
resolution (long side 640-896 px) with sensor noise added there; the picture is then resized to the output
size and saved as JPEG with the set-up's quality (for outputs above 2.2 MP the JPEG is applied before the
final enlargement).  Everything is seeded from the arguments (numpy ``default_rng`` with integer seed
sequences); the same arguments always give the same pixels.

Interface
---------
``originals(seed, n)``
    n parcel photos (RGB ``PIL.Image``).  Photo i depends only on (seed, i).
``variants(image, seed)``
    ten transformed copies keyed ``"kind-params"``, steps joined by ``"+"``, kinds crop / resize / jpeg /
    blur / recolour, e.g. ``crop-l5t0r8b2pct``, ``resize-w60h61pct``, ``jpeg-q55``, ``blur-r80`` (Gaussian
    radius 0.80 px for a 1200 px long side, scaled linearly to the image's long side) and
    ``recolour-b6c-3g4s112h-2w5`` (signed integers, positive without a sign so that "+" only ever joins
    steps: b brightness %, c contrast %, g gamma % (output = input ** (1 / (1 + g/100))), s saturation %,
    h hue shift in degrees, w warmth % (red up and blue down by w%)); five single edits and five chains
    of two or three steps in the order crop, resize, recolour, blur, jpeg.
``unrelated(seed, n)``
    n photos of other parcels, rendered from scratch (never from an original's pixels), aimed as hard
    negatives at the originals of ``originals(1, 200)`` whatever the seed.
``unrelated_kind(seed, i)``
    the kind of the i-th unrelated photo.

Unrelated kinds, exact counts in every block of 100 consecutive indices (so any multiple of 100 has the
exact shares); 90% are hard negatives sharing a set-up with an original:

* ``same-day`` 40: same office, set-up and day as an original (same framing, props, paper, date);
  new stones (usually a parcel of the same layout and similar size and count), new certificate number.
* ``follow-on`` 10: the same lot as an original re-laid the same day: most stones moved and turned,
  some removed, some added, next certificate number, new mass.
* ``other-day`` 15: same set-up as an original on a day no original uses (small drift of framing,
  props, light; new paper sheet, date, numbers); new parcel.
* ``sparse`` 10: a few small stones or one stone on the same day and surface as a sparse original.
* ``tiny-stones`` 8: a grit parcel (hundreds to thousands of tiny stones), same set-up as an original
  (same day 60%).
* ``repetitive`` 7: same day as an original taken on a sorting tray, sieve plate or grid mat.
* ``exposure`` 5: same day as an original, badly exposed (dark, blown out or flat).
* ``elsewhere`` 5: a photo from an office that no original comes from.
"""

from __future__ import annotations

import datetime
import io
import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cache, lru_cache

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageEnhance, ImageFilter, ImageFont

__all__ = ["KINDS", "KIND_COUNTS", "originals", "unrelated", "unrelated_kind", "variants"]

KINDS = (
    "same-day",
    "follow-on",
    "other-day",
    "sparse",
    "tiny-stones",
    "repetitive",
    "exposure",
    "elsewhere",
)
KIND_COUNTS = (40, 10, 15, 10, 8, 7, 5, 5)  # per block of 100

TARGET_SEED = 1
TARGET_COUNT = 200

_WORLD = 770_707
_N_OFFICES = 20
_N_TARGET_OFFICES = 14
_ORIG_DAYS = 8
_WORK_MAX = 896
_WORK_MIN = 640
_TILE = 1024
_F32 = np.float32

(
    _T_OFFICE,
    _T_SETUP,
    _T_DAY,
    _T_ORIG,
    _T_UNREL,
    _T_KIND,
    _T_PARCEL,
    _T_SHOT,
    _T_VAR,
    _T_SURF,
    _T_TILE,
    _T_RELAY,
    _T_TARGET,
    _T_POOL,
    _T_LABEL,
    _T_BAG,
) = range(1, 17)


def _rng(*keys: int) -> np.random.Generator:
    return np.random.default_rng([_WORLD, *(int(k) % (1 << 64) for k in keys)])


def _logu(r: np.random.Generator, lo: float, hi: float) -> float:
    return float(math.exp(r.uniform(math.log(lo), math.log(hi))))


# --------------------------------------------------------------------------------------------- world
_CODES = ("BW", "ZA", "NA", "AO", "CD", "SL", "GN", "LS", "RU", "CA", "AU", "IN", "AE", "BE")
_CODES += ("IL", "CN", "ZW", "TZ", "GY", "LR")
_AUTHORITIES = (
    "GOVERNMENT DIAMOND VALUATOR",
    "DIAMOND OFFICE",
    "MINES & MINERALS DIRECTORATE",
    "KP CERTIFICATION UNIT",
    "PRECIOUS MINERALS CONTROL",
    "DIAMOND EXPORT AUTHORITY",
    "BUREAU OF GEM CONTROL",
    "DIAMOND EVALUATION OFFICE",
)
_EXPORTERS = (
    "Kalari Rough Ltd",
    "Northern Alluvials",
    "Oranje Trading",
    "Luemba Mining",
    "Sefadu Gem Co.",
    "Blue Ridge Minerals",
    "Cuvango Partners",
    "Mokolo Resources",
    "Kasai Sorting SARL",
    "Lobatse Ventures",
    "West Pilbara Rough",
    "Highveld Export",
    "Kono Holdings",
    "Lunda Sales",
    "Tana River Gems",
    "Boa Vista Mineração",
)

_SURFACES = (
    "white_paper",
    "blue_paper",
    "black_velvet",
    "grey_felt",
    "tray_white",
    "tray_black",
    "metal_tray",
    "sorting_tray",
    "sieve_plate",
    "light_box",
    "grid_mat",
)
_SHEETS = ("white_paper", "blue_paper", "black_velvet", "grey_felt", "grid_mat")
_REPETITIVE = ("sorting_tray", "sieve_plate", "grid_mat")

_LAYOUTS = (
    "scatter",
    "heap",
    "rows",
    "sorted",
    "bag",
    "folded",
    "single",
    "sparse",
    "grit",
    "fill",
    "compartments",
)
_LAYOUT_W = (22.0, 13.0, 8.0, 8.0, 8.0, 6.0, 6.0, 9.0, 7.0, 8.0, 0.0)

# name, rgb, transparency range, frost range, absorption
_COLOURS = (
    ("colourless", (0.90, 0.92, 0.94), (0.50, 0.72), (0.15, 0.70), 0.15),
    ("silver", (0.92, 0.91, 0.86), (0.45, 0.65), (0.20, 0.80), 0.20),
    ("cape", (0.93, 0.86, 0.62), (0.40, 0.62), (0.20, 0.70), 0.45),
    ("brown", (0.60, 0.46, 0.33), (0.25, 0.45), (0.20, 0.80), 0.90),
    ("champagne", (0.80, 0.68, 0.52), (0.35, 0.55), (0.20, 0.70), 0.50),
    ("grey", (0.52, 0.54, 0.56), (0.12, 0.30), (0.40, 0.90), 0.80),
    ("coated", (0.48, 0.53, 0.43), (0.03, 0.15), (0.80, 1.00), 1.00),
    ("boart", (0.13, 0.13, 0.14), (0.00, 0.05), (0.70, 1.00), 1.50),
    ("pink", (0.91, 0.80, 0.80), (0.40, 0.60), (0.20, 0.60), 0.40),
    ("milky", (0.86, 0.87, 0.87), (0.12, 0.28), (0.50, 0.90), 0.30),
)
_COLOUR_BASE = (0.22, 0.12, 0.16, 0.16, 0.08, 0.08, 0.06, 0.06, 0.01, 0.05)
_H_OCT, _H_DOD, _H_MACLE, _H_CUBE, _H_FRAG, _H_BOART, _H_COAT = range(7)
_HABIT_BASE = (0.25, 0.25, 0.12, 0.05, 0.33)

_SIZE_CLASSES = (
    (0.05, (240, 256, 320, 360, 384)),
    (0.10, (400, 480, 512, 600, 640, 720, 768)),
    (0.45, (800, 960, 1024, 1080, 1152, 1200, 1280, 1440, 1536, 1600)),
    (0.30, (1632, 1800, 1920, 2048, 2272, 2400, 2560)),
    (0.07, (2592, 2816, 2880, 3000)),
    (0.03, (3264, 3456, 3648, 4000)),
)


@dataclass(frozen=True)
class _Office:
    idx: int
    code: str
    authority: str
    exporters: tuple[int, ...]
    cert_style: int
    date_style: int
    label_colour: tuple[int, int, int]
    barcode: bool
    label_stamp: bool
    colour_w: tuple[float, ...]
    habit_w: tuple[float, ...]
    size_bias: float
    busy: float
    cert_base: int
    year: int


@dataclass(frozen=True)
class _Prop:
    kind: str
    x: float
    y: float
    ang: float
    w: float
    h: float
    style: int
    colour: tuple[float, float, float]


@dataclass(frozen=True)
class _Setup:
    key: int
    office: int
    surface: str
    surf_col: tuple[float, float, float]
    desk_col: tuple[float, float, float]
    desk_wood: bool
    tray: tuple[float, float, float, float] | None
    rim: float
    cells: tuple[int, int]
    wall: float
    hole: float
    pitch: float
    grid: float
    line_col: tuple[float, float, float]
    line_alpha: float
    fov: float
    aspect: float
    rot: float
    native_long: int
    work: tuple[float, float, float, float]
    props: tuple[_Prop, ...]
    lamp: tuple[float, float, float]
    lamp2: float
    diffuse: float
    cast: tuple[float, float, float]
    gloss: float
    shadow_k: float
    backlit: bool
    noise: float
    vignette: float
    sharpen: float
    jpeg_q: int
    distort: float
    auto_exp: float
    auto_wb: float
    curve: float
    gamma: float
    sat: float
    exp_bias: float
    hand_p: float
    hand_side: int
    glove: tuple[float, float, float]
    layout_w: tuple[float, ...]


@dataclass(frozen=True)
class _Day:
    setup: _Setup
    day: int
    cx: float
    cy: float
    fov: float
    rot: float
    out_w: int
    out_h: int
    work_w: int
    work_h: int
    gain: float
    cast: tuple[float, float, float]
    prop_jit: tuple[tuple[float, float, float], ...]
    tex_day: int
    date: datetime.date
    cert_base: int


@dataclass(frozen=True)
class _Style:
    layout: str
    n: int
    size: float
    sig: float
    colmix: tuple[float, ...]
    habmix: tuple[float, ...]
    groups: int


@dataclass(frozen=True)
class _Photo:
    day: _Day
    key: tuple[int, ...]
    style: _Style
    seq: int
    defect: str
    amount: float
    base: _Photo | None = None


def _sample_long(r: np.random.Generator) -> int:
    u = r.random()
    acc = 0.0
    for share, sizes in _SIZE_CLASSES:
        acc += share
        if u < acc:
            return int(sizes[r.integers(len(sizes))])
    return int(_SIZE_CLASSES[-1][1][-1])


def _props_for(r: np.random.Generator, fov: float, aspect: float) -> tuple[tuple[_Prop, ...], tuple]:
    """Choose props and place them in bands along the frame edges; return props and the work area."""
    wmm, hmm = fov, fov / aspect
    k = float(np.clip(fov / 200.0, 0.45, 1.25))
    wanted: list[tuple[str, float, float]] = []
    if r.random() < 0.85:
        wanted.append(("label", r.uniform(70, 95) * k, r.uniform(38, 52) * k))
    for kind, p, size in (
        ("ruler", 0.45, (r.uniform(150, 300) * k, r.uniform(14, 24) * k)),
        ("tweezers", 0.40, (r.uniform(110, 150) * k, r.uniform(7, 10) * k)),
        ("scale", 0.30, (r.uniform(62, 80) * k, r.uniform(34, 44) * k)),
        ("colour_card", 0.20, (r.uniform(50, 64) * k, r.uniform(26, 34) * k)),
        ("stamp", 0.25, (r.uniform(30, 42) * k, 0.0)),
        ("bag", 0.20, (r.uniform(55, 70) * k, r.uniform(80, 100) * k)),
        ("loupe", 0.15, (r.uniform(28, 40) * k, 0.0)),
        ("pen", 0.20, (r.uniform(120, 145) * k, r.uniform(8, 11) * k)),
        ("form", 0.15, (r.uniform(150, 210) * k, r.uniform(200, 280) * k)),
    ):
        if r.random() < p:
            w, h = size
            wanted.append((kind, w, h if h > 0 else w))
    sides: dict[int, list[tuple[str, float, float]]] = {0: [], 1: [], 2: [], 3: []}
    label_side = int(r.choice(4, p=(0.2, 0.25, 0.4, 0.15)))
    for kind, w, h in wanted:
        side = label_side if kind == "label" else int(r.integers(4))
        if kind == "form":
            side = int(r.choice((1, 3)))
        if kind == "bag" and side in (0, 2):
            w, h = h, w
        sides[side].append((kind, w, h))
    # band thickness per side (short dimension of the props, props may hang partly off the frame)
    margin = 0.04
    band = [0.0, 0.0, 0.0, 0.0]
    for side, lst in sides.items():
        if not lst:
            continue
        across = [h for (_, _, h) in lst]
        thick = max(across) * 0.8 + 3.0 * k
        band[side] = thick
    dims = (hmm, wmm, hmm, wmm)
    for side in range(4):
        limit = 0.3 * dims[side]
        if band[side] > limit:
            band[side] = limit
    x0 = -wmm / 2 + max(band[3], margin * wmm)
    x1 = wmm / 2 - max(band[1], margin * wmm)
    y0 = -hmm / 2 + max(band[0], margin * hmm)
    y1 = hmm / 2 - max(band[2], margin * hmm)
    props: list[_Prop] = []
    for side, lst in sides.items():
        if not lst:
            continue
        along = wmm if side in (0, 2) else hmm
        m = len(lst)
        order = r.permutation(m)
        for slot, j in enumerate(order):
            kind, w, h = lst[int(j)]
            pos = -along / 2 + (slot + 0.5) * along / m + r.uniform(-0.08, 0.08) * along / m
            depth = band[side] if band[side] > 0 else h
            out = r.uniform(-0.05, 0.25) * h
            if kind == "form":
                out = h * 0.5 - depth * 0.7
            centre_off = (dims[side] / 2) - depth / 2 + out
            ang = float(r.normal(0, 3.0))
            if side in (0, 2):
                x, y = pos, centre_off if side == 2 else -centre_off
            else:
                x, y = (centre_off if side == 1 else -centre_off), pos
                if kind not in ("stamp", "loupe"):
                    ang += 90.0 if kind != "label" else (90.0 if r.random() < 0.5 else -90.0)
            style = int(r.integers(0, 1 << 30))
            if kind == "label":
                colour = ((0.97, 0.96, 0.92), (0.99, 0.99, 0.99), (0.96, 0.93, 0.80))[int(r.integers(3))]
            elif kind == "ruler":
                colour = ((0.78, 0.79, 0.80), (0.95, 0.95, 0.90), (0.95, 0.85, 0.40))[int(r.integers(3))]
            elif kind in ("pen", "loupe"):
                colour = ((0.08, 0.08, 0.1), (0.1, 0.2, 0.6), (0.7, 0.1, 0.1))[int(r.integers(3))]
            elif kind == "stamp":
                colour = ((0.2, 0.25, 0.65), (0.45, 0.2, 0.55), (0.7, 0.15, 0.2))[int(r.integers(3))]
            elif kind == "scale":
                colour = ((0.2, 0.2, 0.22), (0.78, 0.79, 0.8), (0.92, 0.92, 0.9))[int(r.integers(3))]
            else:
                colour = (0.8, 0.8, 0.8)
            if kind in ("stamp", "loupe"):
                h = w
            props.append(_Prop(kind, float(x), float(y), ang, float(w), float(h), style, colour))
    return tuple(props), (x0, y0, x1, y1)


def _make_setup(office: _Office, s: int, surface: str) -> _Setup:
    r = _rng(_T_SETUP, office.idx, s)
    key = office.idx * 8 + s
    aspect = float(r.choice((4 / 3, 3 / 2, 16 / 9, 1.0, 5 / 4), p=(0.4, 0.25, 0.15, 0.08, 0.12)))
    if r.random() < 0.28 and aspect != 1.0:
        aspect = 1.0 / aspect
    fov = r.uniform(60, 110) if r.random() < 0.2 else r.uniform(120, 300)
    k = float(np.clip(fov / 200.0, 0.45, 1.25))
    props, work = _props_for(r, fov, aspect)
    x0, y0, x1, y1 = work
    tray = None
    rim = r.uniform(4, 8) * k
    cells = (1, 1)
    wall = r.uniform(1.5, 3.0) * k
    if surface not in _SHEETS:
        pad = r.uniform(2, 6) * k
        tray = (x0 - pad, y0 - pad, x1 + pad, y1 + pad)
        inset = rim + 2.0 * k
        work = (x0 - pad + inset, y0 - pad + inset, x1 + pad - inset, y1 + pad - inset)
        if surface in ("light_box", "sieve_plate"):
            rim = r.uniform(3, 6) * k
        if surface == "sorting_tray":
            iw, ih = work[2] - work[0], work[3] - work[1]
            cols = int(np.clip(round(r.uniform(2, 6)), 2, 6))
            rows = int(np.clip(round(cols * ih / iw * r.uniform(0.8, 1.3)), 2, 5))
            cells = (rows, cols)
    if surface == "white_paper":
        sc = np.array((0.95, 0.95, 0.95)) + r.normal(0, 0.012, 3)
    elif surface == "blue_paper":
        sc = np.array((0.56, 0.71, 0.90)) + r.normal(0, 0.03, 3)
    elif surface == "black_velvet":
        sc = (0.06, 0.06, 0.07) if r.random() < 0.7 else (0.05, 0.06, 0.13)
        sc = np.array(sc) + r.normal(0, 0.006, 3)
    elif surface == "grey_felt":
        g = r.uniform(0.38, 0.62)
        sc = np.array((g, g, g)) + r.normal(0, 0.025, 3)
    elif surface == "tray_white":
        sc = np.array((0.92, 0.92, 0.91)) + r.normal(0, 0.015, 3)
    elif surface == "tray_black":
        sc = np.array((0.1, 0.1, 0.11)) + r.normal(0, 0.01, 3)
    elif surface == "metal_tray":
        g = r.uniform(0.62, 0.76)
        sc = np.array((g, g, g * 1.02))
    elif surface == "sorting_tray":
        sc = ((0.93, 0.93, 0.92), (0.12, 0.12, 0.13), (0.30, 0.45, 0.72))[int(r.choice(3, p=(0.5, 0.3, 0.2)))]
    elif surface == "sieve_plate":
        sc = (0.74, 0.62, 0.38) if r.random() < 0.5 else (0.68, 0.69, 0.70)
    elif surface == "light_box":
        sc = (1.10, 1.10, 1.08)
    else:  # grid_mat
        sc = ((0.16, 0.38, 0.30), (0.14, 0.25, 0.46), (0.34, 0.35, 0.36), (0.10, 0.10, 0.10))[
            int(r.integers(4))
        ]
    sc = tuple(float(v) for v in np.clip(sc, 0.0, 1.2))
    desk_wood = bool(r.random() < 0.45)
    if desk_wood:
        desk = np.array((0.50, 0.34, 0.20)) * r.uniform(0.7, 1.2)
    else:
        g = float(r.choice((0.85, 0.6, 0.35, 0.15)))
        desk = np.array((g, g, g * r.uniform(0.95, 1.05)))
    az = r.uniform(0, 2 * math.pi)
    dist = r.uniform(0.25, 1.0)
    lamp = (dist * math.cos(az), dist * math.sin(az), r.uniform(0.6, 1.6))
    diffuse = float(r.uniform(0.6, 1.0)) if r.random() < 0.2 else float(r.uniform(0.0, 0.35))
    lamp2 = float(r.uniform(0.4, 0.8)) if r.random() < 0.3 else 0.0
    if r.random() < 0.12:
        cast = (1.0 + r.normal(0, 0.1), 1.0, 1.0 + r.normal(0, 0.14))
    else:
        cast = (1.0 + r.normal(0, 0.035), 1.0 + r.normal(0, 0.01), 1.0 + r.normal(0, 0.05))
    gloss = {
        "white_paper": 0.04,
        "blue_paper": 0.06,
        "black_velvet": 0.02,
        "grey_felt": 0.0,
        "tray_white": 0.25,
        "tray_black": 0.35,
        "metal_tray": 0.45,
        "sorting_tray": 0.25,
        "sieve_plate": 0.3,
        "light_box": 0.0,
        "grid_mat": 0.12,
    }[surface] * r.uniform(0.3, 1.2)
    lw = list(_LAYOUT_W)
    if surface == "sorting_tray":
        lw = [w * 0.25 for w in lw]
        lw[_LAYOUTS.index("compartments")] = 70.0
        lw[_LAYOUTS.index("bag")] = 0.0
        lw[_LAYOUTS.index("folded")] = 0.0
    if surface == "light_box":
        lw[_LAYOUTS.index("folded")] = 0.0
    total = sum(lw)
    gm = (0.1, 0.1, 0.1)
    grid = float(r.choice((10.0, 10.0, 12.7, 5.0)))
    if surface == "grid_mat":
        gm = (0.85, 0.88, 0.82) if r.random() < 0.7 else (0.95, 0.85, 0.3)
    hole = r.uniform(1.6, 3.5)
    return _Setup(
        key=key,
        office=office.idx,
        surface=surface,
        surf_col=sc,
        desk_col=tuple(float(v) for v in desk),
        desk_wood=desk_wood,
        tray=tray,
        rim=float(rim),
        cells=cells,
        wall=float(wall),
        hole=float(hole),
        pitch=float(hole * r.uniform(1.35, 1.8)),
        grid=grid,
        line_col=gm,
        line_alpha=float(r.uniform(0.3, 0.6)),
        fov=float(fov),
        aspect=aspect,
        rot=float(r.normal(0, 1.2)),
        native_long=_sample_long(r),
        work=tuple(float(v) for v in work),
        props=props,
        lamp=lamp,
        lamp2=lamp2,
        diffuse=diffuse,
        cast=tuple(float(v) for v in cast),
        gloss=float(gloss),
        shadow_k=float(r.uniform(0.25, 0.55) * (1 - 0.7 * diffuse)),
        backlit=surface == "light_box",
        noise=float(r.choice((1.0, 2.0, 3.0, 4.5, 6.5), p=(0.2, 0.3, 0.25, 0.17, 0.08))),
        vignette=float(r.uniform(0.0, 0.35)),
        sharpen=float(r.choice((0.0, 0.0, 0.0, 0.15, 0.3, 0.5))),
        jpeg_q=int(r.choice((72, 80, 85, 88, 90, 92, 95, 97))),
        distort=float(r.uniform(-0.06, 0.06)) if r.random() < 0.3 else 0.0,
        auto_exp=float(r.uniform(0.0, 0.7)) if r.random() < 0.6 else 0.0,
        auto_wb=float(r.uniform(0.0, 0.6)) if r.random() < 0.5 else 0.0,
        curve=float(r.uniform(0.0, 0.45)),
        gamma=float(r.uniform(0.9, 1.1)),
        sat=float(r.uniform(0.9, 1.2)),
        exp_bias=float(r.uniform(0.92, 1.1)),
        hand_p=float(r.uniform(0.2, 0.7)) if r.random() < 0.2 else 0.0,
        hand_side=int(r.integers(4)),
        glove=((0.30, 0.42, 0.80), (0.50, 0.35, 0.70), (0.92, 0.92, 0.90), (0.1, 0.1, 0.12))[
            int(r.integers(4))
        ],
        layout_w=tuple(w / total for w in lw),
    )


@cache
def _world() -> tuple[tuple[_Office, ...], tuple[tuple[_Setup, ...], ...]]:
    # every surface gets at least two set-ups among the originals' offices (pop() takes from the end)
    pool_t = list(_rng(_T_POOL, 0).permutation(list(_SURFACES))) + list(
        _rng(_T_POOL, 2).permutation(list(_SURFACES) * 2)
    )
    pool_e = list(_rng(_T_POOL, 1).permutation(list(_SURFACES) * 2))
    offices: list[_Office] = []
    setups: list[tuple[_Setup, ...]] = []
    for o in range(_N_OFFICES):
        r = _rng(_T_OFFICE, o)
        cw = np.array(_COLOUR_BASE) * r.gamma(2.0, 1.0, len(_COLOUR_BASE))
        hw = np.array(_HABIT_BASE) * r.gamma(2.0, 1.0, len(_HABIT_BASE))
        office = _Office(
            idx=o,
            code=_CODES[o],
            authority=_AUTHORITIES[int(r.integers(len(_AUTHORITIES)))],
            exporters=tuple(int(v) for v in r.choice(len(_EXPORTERS), 4, replace=False)),
            cert_style=int(r.integers(5)),
            date_style=int(r.integers(3)),
            label_colour=tuple(int(v) for v in r.integers(20, 170, 3)),
            barcode=bool(r.random() < 0.5),
            label_stamp=bool(r.random() < 0.4),
            colour_w=tuple(float(v) for v in cw / cw.sum()),
            habit_w=tuple(float(v) for v in hw / hw.sum()),
            size_bias=float(r.uniform(0.75, 1.35)),
            busy=float(r.uniform(0.7, 1.5)),
            cert_base=int(r.integers(10_000, 900_000)),
            year=int(r.integers(2016, 2025)),
        )
        n_set = 1 + int(r.choice(3, p=(0.3, 0.45, 0.25)))
        pool = pool_t if o < _N_TARGET_OFFICES else pool_e
        sl = tuple(_make_setup(office, s, str(pool.pop())) for s in range(n_set))
        offices.append(office)
        setups.append(sl)
    return tuple(offices), tuple(setups)


def _setup_by_key(key: int) -> _Setup:
    return _world()[1][key // 8][key % 8]


@lru_cache(maxsize=8192)
def _day(key: int, d: int) -> _Day:
    setup = _setup_by_key(key)
    office = _world()[0][setup.office]
    r = _rng(_T_DAY, key, d)
    long_side = setup.native_long if r.random() < 0.8 else _sample_long(r)
    if setup.aspect >= 1:
        out_w, out_h = long_side, max(8, round(long_side / setup.aspect))
    else:
        out_w, out_h = max(8, round(long_side * setup.aspect)), long_side
    wl = int(np.clip(long_side, _WORK_MIN, _WORK_MAX))
    if setup.aspect >= 1:
        ww, wh = wl, max(8, round(wl / setup.aspect))
    else:
        ww, wh = max(8, round(wl * setup.aspect)), wl
    base = datetime.date(office.year, 1, 1) + datetime.timedelta(days=int(setup.key * 3 % 40))
    date = base + datetime.timedelta(days=int(d * 4 + r.integers(0, 4)))
    jit = tuple(
        (float(r.normal(0, 1.2)), float(r.normal(0, 1.2)), float(r.normal(0, 1.5))) for _ in setup.props
    )
    return _Day(
        setup=setup,
        day=d,
        cx=float(r.normal(0, 0.012 * setup.fov)),
        cy=float(r.normal(0, 0.012 * setup.fov)),
        fov=float(setup.fov * (1 + r.normal(0, 0.012))),
        rot=math.radians(setup.rot + float(r.normal(0, 0.5))),
        out_w=int(out_w),
        out_h=int(out_h),
        work_w=int(ww),
        work_h=int(wh),
        gain=float(1 + r.normal(0, 0.04)),
        cast=tuple(float(c * (1 + r.normal(0, 0.012))) for c in setup.cast),
        prop_jit=jit,
        tex_day=d if setup.surface in ("white_paper", "blue_paper") else 0,
        date=date,
        cert_base=int(office.cert_base + setup.key * 7919 + d * 61),
    )


# ---------------------------------------------------------------------------------------- photo specs
def _new_style(r: np.random.Generator, setup: _Setup, layout: str | None = None) -> _Style:
    office = _world()[0][setup.office]
    if layout is None:
        layout = str(_LAYOUTS[int(r.choice(len(_LAYOUTS), p=setup.layout_w))])
    b = office.size_bias
    groups = 1
    if layout == "scatter":
        n, size = round(_logu(r, 8, 150)), _logu(r, 1.5, 9) * b
    elif layout == "heap":
        n, size = round(_logu(r, 25, 350)), _logu(r, 1.2, 6) * b
    elif layout == "rows":
        n, size = round(_logu(r, 6, 60)), _logu(r, 2.5, 12) * b
    elif layout == "sorted":
        n, size = round(_logu(r, 20, 200)), _logu(r, 1.5, 6) * b
        groups = int(r.integers(3, 7))
    elif layout == "bag":
        n, size = round(_logu(r, 12, 250)), _logu(r, 1.5, 8) * b
    elif layout == "folded":
        n, size = round(_logu(r, 12, 300)), _logu(r, 1.0, 6) * b
    elif layout == "single":
        n, size = 1, _logu(r, 6, 40)
    elif layout == "sparse":
        n, size = int(r.integers(1, 7)), _logu(r, 0.8, 4)
    elif layout == "grit":
        n, size = round(_logu(r, 400, 3500)), _logu(r, 0.4, 1.3)
    elif layout == "fill":
        x0, y0, x1, y1 = setup.work
        size = _logu(r, 2.5, 9) * b
        n = round(r.uniform(0.35, 0.8) * (x1 - x0) * (y1 - y0) / (0.785 * size * size))
        n = max(20, n)
    else:  # compartments
        n, size = round(_logu(r, 30, 300)), _logu(r, 1.2, 6) * b
    cw = np.array(office.colour_w)
    if r.random() < 0.5:
        dom = int(r.choice(len(cw), p=cw))
        cw = 0.15 * cw
        cw[dom] += 0.85
    return _Style(
        layout=layout,
        n=int(max(1, n)),
        size=float(size),
        sig=float(r.uniform(0.12, 0.35)),
        colmix=tuple(float(v) for v in cw / cw.sum()),
        habmix=office.habit_w,
        groups=groups,
    )


def _similar_style(r: np.random.Generator, st: _Style) -> _Style:
    n = st.n if st.n == 1 else max(1, round(st.n * r.uniform(0.75, 1.33)))
    return replace(
        st, n=int(n), size=float(st.size * r.uniform(0.85, 1.18)), sig=float(r.uniform(0.12, 0.35))
    )


def _defect(r: np.random.Generator) -> tuple[str, float]:
    u = r.random()
    amount = float(r.random())
    for name, edge in (
        ("dark", 0.04),
        ("blown", 0.07),
        ("flat", 0.10),
        ("defocus", 0.15),
        ("motion", 0.18),
        ("glare", 0.22),
    ):
        if u < edge:
            return name, amount
    return "", amount


def _orig_spec(seed: int, i: int) -> _Photo:
    r = _rng(_T_ORIG, seed, i)
    offices, setups = _world()
    busy = np.array([offices[o].busy * math.sqrt(len(setups[o])) for o in range(_N_TARGET_OFFICES)])
    o = int(r.choice(_N_TARGET_OFFICES, p=busy / busy.sum()))
    setup = setups[o][int(r.integers(len(setups[o])))]
    day = _day(setup.key, int(r.integers(_ORIG_DAYS)))
    style = _new_style(r, setup)
    defect, amount = _defect(r)
    return _Photo(day, (_T_ORIG, seed, i), style, int(r.integers(1, 40)), defect, amount)


@lru_cache(maxsize=4)
def _targets() -> tuple[_Photo, ...]:
    return tuple(_orig_spec(TARGET_SEED, i) for i in range(TARGET_COUNT))


@lru_cache(maxsize=64)
def _block_kinds(seed: int, block: int) -> tuple[int, ...]:
    slots = [k for k, c in enumerate(KIND_COUNTS) for _ in range(c)]
    perm = _rng(_T_KIND, seed, block).permutation(len(slots))
    return tuple(slots[int(p)] for p in perm)


def unrelated_kind(seed: int, i: int) -> str:
    """Kind of the i-th photo of ``unrelated(seed, n)`` (one of ``KINDS``)."""
    return KINDS[_block_kinds(seed, i // 100)[i % 100]]


def _candidates(kind: str) -> list[int]:
    tg = _targets()
    if kind == "sparse":
        c = [j for j, p in enumerate(tg) if p.style.layout in ("sparse", "single")]
    elif kind == "repetitive":
        c = [j for j, p in enumerate(tg) if p.day.setup.surface in _REPETITIVE]
    else:
        c = list(range(len(tg)))
    return c or list(range(len(tg)))


def _unrel_spec(seed: int, i: int) -> tuple[str, _Photo]:
    block, pos = divmod(i, 100)
    kinds = _block_kinds(seed, block)
    k = kinds[pos]
    kind = KINDS[k]
    rank = block * KIND_COUNTS[k] + sum(1 for q in kinds[:pos] if q == k)
    cands = _candidates(kind)
    cyc, at = divmod(rank, len(cands))
    perm = _rng(_T_TARGET, seed, k, cyc).permutation(len(cands))
    tgt = _targets()[cands[int(perm[at])]]
    r = _rng(_T_UNREL, seed, i)
    key = (_T_UNREL, seed, i)
    defect, amount = _defect(r)
    day = tgt.day
    setup = day.setup
    seq = int(tgt.seq + r.integers(1, 30)) if r.random() < 0.5 else int(max(1, tgt.seq - r.integers(1, 30)))
    base = None
    if kind == "same-day":
        style = _similar_style(r, tgt.style) if r.random() < 0.7 else _new_style(r, setup)
    elif kind == "follow-on":
        style = tgt.style
        base = tgt
        seq = tgt.seq + int(r.integers(1, 4))
    elif kind == "other-day":
        day = _day(setup.key, 100 + int(r.integers(0, 400)))
        style = _similar_style(r, tgt.style) if r.random() < 0.5 else _new_style(r, setup)
    elif kind == "sparse":
        lay = "single" if r.random() < (0.5 if tgt.style.layout == "single" else 0.25) else "sparse"
        style = _new_style(r, setup, lay)
        if lay == tgt.style.layout:
            style = replace(style, size=float(tgt.style.size * r.uniform(0.8, 1.25)))
    elif kind == "tiny-stones":
        if r.random() >= 0.6:
            day = _day(setup.key, 100 + int(r.integers(0, 400)))
        style = _new_style(r, setup, "grit")
    elif kind == "repetitive":
        if setup.surface == "sorting_tray":
            style = _new_style(r, setup, "compartments")
        elif r.random() < 0.5:
            style = _similar_style(r, tgt.style)
        else:
            style = _new_style(r, setup)
    elif kind == "exposure":
        style = _similar_style(r, tgt.style) if r.random() < 0.5 else _new_style(r, setup)
        if tgt.defect in ("dark", "blown", "flat"):
            defect = tgt.defect
        else:
            defect = str(r.choice(("dark", "blown", "flat")))
    else:  # elsewhere
        setups = _world()[1]
        o = int(r.integers(_N_TARGET_OFFICES, _N_OFFICES))
        setup = setups[o][int(r.integers(len(setups[o])))]
        day = _day(setup.key, int(r.integers(0, 30)))
        style = _new_style(r, setup)
        seq = int(r.integers(1, 40))
    if seq == tgt.seq:
        seq += 1
    return kind, _Photo(day, key, style, seq, defect, amount, base)


# ------------------------------------------------------------------------------------------- textures
def _blur_fft(a: np.ndarray, sx: float, sy: float) -> np.ndarray:
    fy = np.fft.fftfreq(a.shape[0])[:, None]
    fx = np.fft.rfftfreq(a.shape[1])[None, :]
    g = np.exp(-2 * (math.pi**2) * ((fx * sx) ** 2 + (fy * sy) ** 2))
    return np.fft.irfft2(np.fft.rfft2(a) * g, s=a.shape)


@cache
def _tile(kind: int) -> np.ndarray:
    """Seamless noise tiles: 0 fine grain, 1 soft blotches, 2 horizontal fibre/brushed, 3 wood grain."""
    r = _rng(_T_TILE, kind)
    a = r.standard_normal((_TILE, _TILE))
    if kind == 0:
        a = _blur_fft(a, 0.6, 0.6)
    elif kind == 1:
        a = _blur_fft(a, 6.0, 6.0)
    elif kind == 2:
        a = _blur_fft(a, 14.0, 0.7) + 0.4 * _blur_fft(a, 2.0, 0.7)
    else:
        a = _blur_fft(a, 60.0, 1.5) + 0.5 * _blur_fft(a, 20.0, 4.0)
    a = (a - a.mean()) / (a.std() + 1e-9)
    return a.astype(_F32)


def _tex(kind: int, h: int, w: int, r: np.random.Generator) -> np.ndarray:
    t = _tile(kind)
    if h > _TILE or w > _TILE:
        t = np.tile(t, (h // _TILE + 1, w // _TILE + 1))
    oy = int(r.integers(0, t.shape[0] - h + 1))
    ox = int(r.integers(0, t.shape[1] - w + 1))
    v = t[oy : oy + h, ox : ox + w]
    if r.random() < 0.5:
        v = v[::-1]
    if r.random() < 0.5:
        v = v[:, ::-1]
    return v


def _lowfreq(r: np.random.Generator, h: int, w: int, cells: int = 6) -> np.ndarray:
    gw = max(2, cells)
    gh = max(2, round(cells * h / w))
    g = r.standard_normal((gh, gw)).astype(_F32)
    return np.asarray(Image.fromarray(g, "F").resize((w, h), Image.Resampling.BICUBIC))


@cache
def _noise_tile(level: int) -> np.ndarray:
    sigma = (1.0, 2.0, 3.0, 4.5, 6.5, 9.0, 12.0)[level]
    r = _rng(_T_TILE, 100 + level)
    n = 512
    lum = r.standard_normal((n, n, 1))
    chroma = r.standard_normal((n, n, 3))
    a = 0.85 * lum + 0.5 * chroma
    a = sigma * a / a.std()
    return np.clip(np.round(a + 128), 0, 255).astype(np.uint8)


@cache
def _noise3() -> np.ndarray:
    """Sensor noise, unit sigma, slightly correlated between channels and neighbouring pixels."""
    r = _rng(_T_TILE, 200)
    a = r.standard_normal((_WORK_MAX, _WORK_MAX, 3)).astype(_F32)
    a += 0.8 * r.standard_normal((_WORK_MAX, _WORK_MAX, 1)).astype(_F32)
    a[1:] += 0.3 * a[:-1]
    a[:, 1:] += 0.3 * a[:, :-1]
    a /= a.std()
    return a


@lru_cache(maxsize=64)
def _font(px: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=max(4, px))
    except (TypeError, OSError, ImportError):
        return ImageFont.load_default()


def _c255(c, a: int | None = None) -> tuple[int, ...]:
    v = tuple(int(np.clip(round(x * 255), 0, 255)) for x in c)
    return v if a is None else (*v, a)


# --------------------------------------------------------------------------------------------- camera
class _Cam:
    def __init__(self, day: _Day):
        self.w, self.h = day.work_w, day.work_h
        self.s = self.w / day.fov
        self.c, self.sn = math.cos(day.rot), math.sin(day.rot)
        self.cx, self.cy = day.cx, day.cy
        self.rot_deg = math.degrees(day.rot)

    def xy(self, x, y):
        dx, dy = np.asarray(x) - self.cx, np.asarray(y) - self.cy
        return (
            self.s * (self.c * dx - self.sn * dy) + self.w / 2,
            self.s * (self.sn * dx + self.c * dy) + self.h / 2,
        )

    def rect(self, cx: float, cy: float, w: float, h: float, ang: float = 0.0) -> list[tuple[float, float]]:
        a = math.radians(ang)
        ca, sa = math.cos(a), math.sin(a)
        pts = []
        for u, v in ((-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)):
            px, py = self.xy(cx + u * ca - v * sa, cy + u * sa + v * ca)
            pts.append((float(px), float(py)))
        return pts


def _soft(mask: Image.Image, blur: float) -> Image.Image:
    """Gaussian blur of an L mask; large radii are blurred at reduced resolution."""
    if blur <= 0.3:
        return mask
    f = int(min(4, blur // 1.5))
    if f >= 2 and mask.width >= 4 * f and mask.height >= 4 * f:
        small = mask.resize((mask.width // f, mask.height // f), Image.Resampling.BOX)
        small = small.filter(ImageFilter.GaussianBlur(blur / f))
        return small.resize(mask.size, Image.Resampling.BILINEAR)
    return mask.filter(ImageFilter.GaussianBlur(blur))


def _shadow(canvas: np.ndarray, mask: Image.Image, dx: float, dy: float, blur: float, k: float) -> None:
    if k <= 0:
        return
    if round(dx) or round(dy):
        sh = Image.new("L", mask.size, 0)
        sh.paste(mask, (round(dx), round(dy)))
    else:
        sh = mask
    box = sh.getbbox()
    if box is None:
        return
    pad = int(blur * 3 + 2)
    box = (
        max(0, box[0] - pad),
        max(0, box[1] - pad),
        min(sh.width, box[2] + pad),
        min(sh.height, box[3] + pad),
    )
    a = np.asarray(_soft(sh.crop(box), blur), dtype=_F32) * (k / 255)
    canvas[box[1] : box[3], box[0] : box[2]] *= (1 - a)[..., None]


def _paste_piece(canvas: np.ndarray, piece: Image.Image, pos: tuple[int, int], shadow=None) -> None:
    """Alpha-blend an RGBA piece at pos; shadow = (dx, dy, blur, k) casts its alpha onto the canvas first."""
    h, w = canvas.shape[:2]
    x0, y0 = pos
    if shadow is not None and shadow[3] > 0:
        dx, dy, blur, k = shadow
        pad = int(blur * 3 + 2)
        ox, oy = round(dx), round(dy)
        bx0, by0 = max(0, x0 + min(ox, 0) - pad), max(0, y0 + min(oy, 0) - pad)
        bx1 = min(w, x0 + piece.width + max(ox, 0) + pad)
        by1 = min(h, y0 + piece.height + max(oy, 0) + pad)
        if bx1 > bx0 and by1 > by0:
            sh = Image.new("L", (bx1 - bx0, by1 - by0), 0)
            sh.paste(piece.getchannel("A"), (x0 + ox - bx0, y0 + oy - by0))
            a = np.asarray(_soft(sh, blur), dtype=_F32) * (k / 255)
            canvas[by0:by1, bx0:bx1] *= (1 - a)[..., None]
    xa, ya = max(0, x0), max(0, y0)
    xb, yb = min(w, x0 + piece.width), min(h, y0 + piece.height)
    if xa >= xb or ya >= yb:
        return
    arr = np.asarray(piece, dtype=_F32)[ya - y0 : yb - y0, xa - x0 : xb - x0] * (1 / 255)
    reg = canvas[ya:yb, xa:xb]
    reg += arr[..., 3:4] * (arr[..., :3] - reg)


def _blend_layer(canvas: np.ndarray, layer: Image.Image) -> None:
    box = layer.getbbox()
    if box is None:
        return
    _paste_piece(canvas, layer.crop(box), (box[0], box[1]))


def _blend_mask(canvas: np.ndarray, mask: Image.Image, colour) -> None:
    """canvas = lerp(canvas, colour, mask) inside the mask's bounding box."""
    box = mask.getbbox()
    if box is None:
        return
    a = np.asarray(mask.crop(box), dtype=_F32)[..., None] * (1 / 255)
    reg = canvas[box[1] : box[3], box[0] : box[2]]
    reg += a * (np.asarray(colour, _F32) - reg)


# -------------------------------------------------------------------------------------------- surface
def _cells(setup: _Setup) -> list[tuple[float, float, float, float]]:
    x0, y0, x1, y1 = setup.work
    rows, cols = setup.cells
    wall = setup.wall
    cw = (x1 - x0 - (cols - 1) * wall) / cols
    ch = (y1 - y0 - (rows - 1) * wall) / rows
    out = []
    for i in range(rows):
        for j in range(cols):
            ax = x0 + j * (cw + wall)
            ay = y0 + i * (ch + wall)
            out.append((ax, ay, ax + cw, ay + ch))
    return out


_SMOOTH = ImageFilter.Kernel((3, 3), [1, 2, 1, 2, 4, 2, 1, 2, 1], 16)


def _x2(poly: list[tuple[float, float]]) -> list[tuple[float, float]]:
    return [(2 * x, 2 * y) for x, y in poly]


def _surface(day: _Day, cam: _Cam) -> np.ndarray:
    setup = day.setup
    w, h = cam.w, cam.h
    r = _rng(_T_SURF, setup.key, day.tex_day)
    kind = setup.surface
    s = cam.s
    col = np.array(setup.surf_col, _F32)
    if kind in _SHEETS:
        if kind == "black_velvet":
            field = 1 + 0.12 * _tex(0, h, w, r) + 0.10 * _lowfreq(r, h, w, 4)
        elif kind == "grey_felt":
            field = 1 + 0.06 * _tex(0, h, w, r) + 0.05 * _tex(2, h, w, r) + 0.03 * _lowfreq(r, h, w, 5)
        elif kind == "grid_mat":
            field = 1 + 0.03 * _tex(0, h, w, r) + 0.025 * _lowfreq(r, h, w, 4)
        else:
            field = 1 + 0.008 * _tex(0, h, w, r) + 0.006 * _tex(2, h, w, r) + 0.012 * _lowfreq(r, h, w, 5)
        if kind in ("white_paper", "blue_paper"):
            xs = np.arange(w, dtype=_F32)[None, :]
            ys = np.arange(h, dtype=_F32)[:, None]
            for _ in range(int(r.integers(0, 3))):
                a = r.uniform(0, math.pi)
                px, py = r.uniform(0.1, 0.9) * w, r.uniform(0.1, 0.9) * h
                dist = (xs - px) * _F32(math.cos(a)) + (ys - py) * _F32(math.sin(a))
                step = float(r.uniform(0.01, 0.03)) * (1 if r.random() < 0.5 else -1)
                field = field * (1 + step * np.clip(dist / 3.0, -1, 1)) - 0.03 * np.exp(-((dist / 1.2) ** 2))
        canvas = field[..., None] * col
        if kind == "grid_mat":
            lines = Image.new("L", (w, h), 0)
            d = ImageDraw.Draw(lines)
            g = setup.grid
            span = day.fov * 1.2
            n = int(span / g) + 2
            lw_minor = max(1, round(0.3 * s))
            a_line = round(255 * setup.line_alpha)
            fs = max(5, round(3.2 * s))
            for i in range(-n, n + 1):
                t = i * g
                major = i % 5 == 0
                width = lw_minor * (2 if major else 1)
                for (xa, ya), (xb, yb) in (((t, -span), (t, span)), ((-span, t), (span, t))):
                    pa = cam.xy(day.cx + xa, day.cy + ya)
                    pb = cam.xy(day.cx + xb, day.cy + yb)
                    d.line([(float(pa[0]), float(pa[1])), (float(pb[0]), float(pb[1]))], a_line, width)
                if major and i % 10 == 0 and fs >= 6:
                    px, py = cam.xy(day.cx + t + 1.0, day.cy - day.fov / 2.5)
                    d.text((float(px), float(py)), str(abs(i)), fill=a_line, font=_font(fs))
            _blend_mask(canvas, lines.filter(_SMOOTH), setup.line_col)
        return canvas.astype(_F32, copy=False)
    # desk with an object (tray, plate, light box) on it
    x0, y0, x1, y1 = setup.tray
    cx, cy, tw, th = (x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0
    rim = setup.rim
    outer_poly = cam.rect(cx, cy, tw, th)
    inner_poly = cam.rect(cx, cy, tw - 2 * rim, th - 2 * rim)
    rim_col = np.clip(col * (1.06 if col.mean() < 0.5 else 0.93), 0, 1)
    if kind == "light_box":
        rim_col = np.array((0.55, 0.56, 0.58), _F32)
    base = Image.new("RGB", (2 * w, 2 * h), _c255(setup.desk_col))  # drawn at 2x, reduced: anti-aliased
    d = ImageDraw.Draw(base)
    d.polygon(_x2(outer_poly), fill=_c255(rim_col))
    d.polygon(_x2(inner_poly), fill=_c255(np.minimum(col, 1)))
    outer = Image.new("L", (w, h), 0)
    ImageDraw.Draw(outer).polygon(outer_poly, fill=255)
    inner = Image.new("L", (w, h), 0)
    ImageDraw.Draw(inner).polygon(inner_poly, fill=255)
    lx, ly, lh = setup.lamp
    ldx, ldy = -lx / math.hypot(lx, ly), -ly / math.hypot(lx, ly)
    casts = Image.new("L", (w, h), 0)
    height = 6.0 if kind != "sieve_plate" else 2.0
    o = (round(ldx * height * s * 0.5 / lh), round(ldy * height * s * 0.5 / lh))
    casts.paste(outer, o)
    casts = ImageChops.subtract(casts, outer)
    ring = ImageChops.subtract(outer, inner)
    rs = Image.new("L", (w, h), 0)
    rs.paste(ring, (round(ldx * 2.0 * s / lh), round(ldy * 2.0 * s / lh)))
    casts = ImageChops.lighter(casts, ImageChops.multiply(rs, inner).point(lambda v: v * 0.6))
    if kind == "sorting_tray":
        wall_mask = Image.new("L", (w, h), 0)
        wm = ImageDraw.Draw(wall_mask)
        wx0, wy0, wx1, wy1 = setup.work
        rows, cols = setup.cells
        cw = (wx1 - wx0 - (cols - 1) * setup.wall) / cols
        ch = (wy1 - wy0 - (rows - 1) * setup.wall) / rows
        wcol = _c255(rim_col)
        for j in range(1, cols):
            xm = wx0 + j * (cw + setup.wall) - setup.wall / 2
            poly = cam.rect(xm, (wy0 + wy1) / 2, setup.wall, wy1 - wy0 + 2 * rim)
            d.polygon(_x2(poly), fill=wcol)
            wm.polygon(poly, fill=255)
        for i in range(1, rows):
            ym = wy0 + i * (ch + setup.wall) - setup.wall / 2
            poly = cam.rect((wx0 + wx1) / 2, ym, wx1 - wx0 + 2 * rim, setup.wall)
            d.polygon(_x2(poly), fill=wcol)
            wm.polygon(poly, fill=255)
        ws = Image.new("L", (w, h), 0)
        ws.paste(wall_mask, (round(ldx * 2.5 * s), round(ldy * 2.5 * s)))
        ws = ImageChops.subtract(ImageChops.multiply(ws, inner), wall_mask)
        casts = ImageChops.lighter(casts, ws.point(lambda v: v * 0.9))
    if kind == "sieve_plate":
        hd = ImageDraw.Draw(base)
        p = setup.pitch
        rad = setup.hole / 2
        rr = rad * s * 2
        dark = _c255(np.array(setup.desk_col) * 0.25)
        lit = _c255(np.minimum(col * 1.25, 1))
        ny = int(th / (p * 0.866)) + 1
        nx = int(tw / p) + 1
        hx, hy = ldx * 0.15 * rr, ldy * 0.15 * rr
        for i in range(ny):
            yy = y0 + rim + rad + i * p * 0.866
            if yy > y1 - rim - rad:
                break
            off = (p / 2) if i % 2 else 0.0
            for j in range(nx):
                xx = x0 + rim + rad + off + j * p
                if xx > x1 - rim - rad:
                    break
                px, py = cam.xy(xx, yy)
                px, py = float(px) * 2, float(py) * 2
                hd.ellipse((px - rr - hx, py - rr - hy, px + rr - hx, py + rr - hy), fill=lit)
                hd.ellipse((px - rr, py - rr, px + rr, py + rr), fill=dark)
    canvas = np.asarray(base.reduce(2), dtype=_F32) * (1 / 255)
    m = np.asarray(inner, dtype=_F32) * (1 / 255)
    if setup.desk_wood:
        t_desk = 0.14 * _tex(3, h, w, r) + 0.04 * _tex(0, h, w, r) + 0.05 * _lowfreq(r, h, w, 4)
    else:
        t_desk = 0.012 * _tex(0, h, w, r) + 0.02 * _lowfreq(r, h, w, 4)
    if kind == "light_box":
        t_tray = 0.1 + 0.04 * _lowfreq(r, h, w, 3)
    elif kind == "metal_tray":
        t_tray = 0.05 * _tex(2, h, w, r)
    else:
        t_tray = 0.012 * _tex(0, h, w, r)
    mo = np.asarray(outer, dtype=_F32) * (1 / 255)
    field = 1 + t_desk * (1 - mo) + m * t_tray
    cast_a = np.asarray(_soft(casts, 1.5 * s), dtype=_F32) * (setup.shadow_k / 255)
    field *= 1 - cast_a
    canvas *= field[..., None]
    return canvas


# ----------------------------------------------------------------------------------------------- props
def _seven_seg(d: ImageDraw.ImageDraw, x: float, y: float, w: float, h: float, ch: str, col) -> None:
    segs = {
        "0": "abcdef",
        "1": "bc",
        "2": "abdeg",
        "3": "abcdg",
        "4": "bcfg",
        "5": "acdfg",
        "6": "acdefg",
        "7": "abc",
        "8": "abcdefg",
        "9": "abcdfg",
        "-": "g",
    }.get(ch, "")
    t = max(1.0, w * 0.18)
    sl = w * 0.12  # italic slant
    hh = h / 2

    def seg(xa, ya, xb, yb):
        d.line([(xa + sl * (1 - ya / h), y + ya), (xb + sl * (1 - yb / h), y + yb)], fill=col, width=round(t))

    for sname in segs:
        if sname == "a":
            seg(x + t, 0, x + w - t, 0)
        elif sname == "b":
            seg(x + w, t / 2, x + w, hh - t / 2)
        elif sname == "c":
            seg(x + w, hh + t / 2, x + w, h - t / 2)
        elif sname == "d":
            seg(x + t, h, x + w - t, h)
        elif sname == "e":
            seg(x, hh + t / 2, x, h - t / 2)
        elif sname == "f":
            seg(x, t / 2, x, hh - t / 2)
        elif sname == "g":
            seg(x + t, hh, x + w - t, hh)


def _cert_text(office: _Office, num: int, year: int) -> str:
    st = office.cert_style
    if st == 0:
        return f"{office.code} {num:07d}"
    if st == 1:
        return f"{office.code}/KPC/{year}/{num % 100000:05d}"
    if st == 2:
        return f"KP-{office.code}-{num:06d}"
    if st == 3:
        return f"No. {num:08d}"
    return f"{office.code}{year % 100:02d}-{num % 1000000:06d}"


def _date_text(office: _Office, d: datetime.date) -> str:
    if office.date_style == 0:
        return d.isoformat()
    if office.date_style == 1:
        return d.strftime("%d/%m/%Y")
    return d.strftime("%d %b %Y").upper()


def _sprite(kind: str, prop: _Prop, s: float, info: dict) -> Image.Image:
    w = max(6, round(prop.w * s))
    h = max(4, round(prop.h * s))
    r = np.random.default_rng([_WORLD, prop.style])
    if kind == "label":
        office: _Office = info["office"]
        im = Image.new("RGBA", (w, h), _c255(prop.colour, 255))
        d = ImageDraw.Draw(im)
        hb = max(2, round(h * 0.2))
        d.rectangle((0, 0, w, hb), fill=(*office.label_colour, 255))
        fs = max(4, round(h * 0.085))
        d.text(
            (round(w * 0.04), round(hb * 0.2)), office.authority, fill=(250, 250, 250, 255), font=_font(fs)
        )
        ink = (25, 25, 40, 255)
        lines = (
            f"KIMBERLEY PROCESS  {office.code}",
            f"Cert: {info['cert']}",
            f"Date: {info['date']}",
            f"Exporter: {info['exporter']}",
            f"Mass: {info['carats']:,.2f} ct   Stones: {info['count']}",
        )
        for li, text in enumerate(lines):
            d.text((round(w * 0.05), hb + round((li + 0.3) * fs * 1.35)), text, fill=ink, font=_font(fs))
        d.rectangle((0, 0, w - 1, h - 1), outline=(150, 150, 150, 255))
        if office.barcode:
            br = np.random.default_rng([_WORLD, info["num"]])
            bx = w * 0.62
            by0, by1 = h * 0.80, h * 0.95
            while bx < w * 0.95:
                bw = max(1.0, w * 0.004 * int(br.integers(1, 4)))
                d.rectangle((bx, by0, bx + bw - 1, by1), fill=(10, 10, 10, 255))
                bx += bw + max(1.0, w * 0.004 * int(br.integers(1, 3)))
        if office.label_stamp:
            sr = np.random.default_rng([_WORLD, info["num"], 7])
            rr = h * 0.28
            sx, sy = w * sr.uniform(0.6, 0.85), h * sr.uniform(0.35, 0.7)
            sc = (60, 50, 160, int(sr.integers(110, 190)))
            lw = max(1, round(rr * 0.08))
            d.ellipse((sx - rr, sy - rr, sx + rr, sy + rr), outline=sc, width=lw)
            d.ellipse((sx - rr * 0.7, sy - rr * 0.7, sx + rr * 0.7, sy + rr * 0.7), outline=sc, width=lw)
            d.text(
                (sx - rr * 0.45, sy - rr * 0.25), office.code, fill=sc, font=_font(max(4, round(rr * 0.5)))
            )
        return im
    if kind == "ruler":
        steel = prop.colour[0] < 0.85
        im = Image.new("RGBA", (w, h), _c255(prop.colour, 255 if steel else 150))
        d = ImageDraw.Draw(im)
        step = 1 if s >= 2.5 else 5
        fs = max(4, round(h * 0.28))
        for mm in range(0, int(prop.w) + 1, step):
            x = 2 + mm * s
            if x >= w - 1:
                break
            tl = 0.45 if mm % 10 == 0 else (0.3 if mm % 5 == 0 else 0.17)
            d.line([(x, 0), (x, h * tl)], fill=(20, 20, 20, 255), width=1)
            if mm % 10 == 0 and s * 10 >= 12 and mm > 0:
                d.text((x + 1, h * 0.5), str(mm // 10), fill=(20, 20, 20, 255), font=_font(fs))
        d.line([(0, h - 1), (w, h - 1)], fill=(90, 90, 90, 255))
        return im
    if kind == "tweezers":
        im = Image.new("RGBA", (w, max(h * 2, 4)), (0, 0, 0, 0))
        d = ImageDraw.Draw(im)
        hh = im.height
        for sign in (-1, 1):
            poly = [(0, hh / 2 + sign * h * 0.1), (0, hh / 2 + sign * h * 0.5), (w, hh / 2 + sign * h * 0.45)]
            poly.append((w, hh / 2 + sign * h * 0.3))
            d.polygon(poly, fill=(150, 152, 158, 255))
            d.line([poly[1], poly[2]], fill=(215, 218, 225, 255), width=max(1, round(h * 0.08)))
        return im
    if kind == "scale":
        im = Image.new("RGBA", (w, h), _c255(prop.colour, 255))
        d = ImageDraw.Draw(im)
        dark = prop.colour[0] < 0.5
        lcd_kind = prop.style % 3
        lcd = ((0.62, 0.67, 0.55), (0.25, 0.45, 0.8), (0.05, 0.05, 0.05))[lcd_kind]
        seg = ((20, 25, 20, 255), (230, 240, 255, 255), (250, 40, 30, 255))[lcd_kind]
        lx0, ly0, lx1, ly1 = w * 0.08, h * 0.15, w * 0.78, h * 0.62
        d.rectangle(
            (lx0, ly0, lx1, ly1), fill=_c255(lcd, 255), outline=(60, 60, 60, 255) if not dark else None
        )
        text = f"{info['reading']:.3f}" if info["reading"] < 100 else f"{info['reading']:.2f}"
        dw = (lx1 - lx0) * 0.85 / max(5, len(text))
        x = lx0 + (lx1 - lx0) * 0.06
        for ch in text:
            if ch == ".":
                d.ellipse(
                    (x - dw * 0.1, ly1 - (ly1 - ly0) * 0.22, x + dw * 0.08, ly1 - (ly1 - ly0) * 0.12),
                    fill=seg,
                )
                x += dw * 0.25
                continue
            _seven_seg(d, x, ly0 + (ly1 - ly0) * 0.14, dw * 0.62, (ly1 - ly0) * 0.7, ch, seg)
            x += dw
        d.text((lx1 + w * 0.02, ly0), "ct", fill=(200, 200, 200, 255) if dark else (30, 30, 30, 255))
        for bi in range(3):
            bx = w * (0.2 + 0.25 * bi)
            d.ellipse((bx - h * 0.07, h * 0.75, bx + h * 0.07, h * 0.89), fill=(90, 90, 95, 255))
        return im
    if kind == "colour_card":
        im = Image.new("RGBA", (w, h), (60, 60, 62, 255))
        d = ImageDraw.Draw(im)
        pal = r.uniform(0.1, 0.95, (12, 3))
        pal[6:] = np.linspace(0.95, 0.1, 6)[:, None]
        for i in range(12):
            row, cl = divmod(i, 6)
            px0 = w * (0.04 + cl * 0.16)
            py0 = h * (0.08 + row * 0.45)
            d.rectangle((px0, py0, px0 + w * 0.14, py0 + h * 0.38), fill=_c255(pal[i], 255))
        return im
    if kind == "stamp":
        im = Image.new("RGBA", (w, w), (0, 0, 0, 0))
        d = ImageDraw.Draw(im)
        c = _c255(prop.colour, int(r.integers(100, 180)))
        lw = max(1, round(w * 0.04))
        d.ellipse((lw, lw, w - lw, w - lw), outline=c, width=lw)
        d.ellipse((w * 0.18, w * 0.18, w * 0.82, w * 0.82), outline=c, width=max(1, lw // 2))
        d.text((w * 0.28, w * 0.38), "K P C", fill=c, font=_font(max(4, round(w * 0.18))))
        for _ in range(int(w * 0.6)):
            ex, ey = r.uniform(0, w, 2)
            er = r.uniform(0.5, 2.0) * max(1, w / 60)
            d.ellipse((ex - er, ey - er, ex + er, ey + er), fill=(0, 0, 0, 0))
        return im
    if kind == "bag":
        im = Image.new("RGBA", (w, h), (235, 238, 242, 60))
        d = ImageDraw.Draw(im)
        d.rectangle((0, 0, w - 1, h - 1), outline=(250, 250, 250, 150), width=max(1, round(s * 1.2)))
        zy = h * 0.08
        d.line([(0, zy), (w, zy)], fill=(200, 40, 40, 200), width=max(1, round(s * 0.8)))
        d.rectangle((w * 0.12, h * 0.16, w * 0.88, h * 0.4), fill=(248, 248, 248, 220))
        for _ in range(3):
            yy = r.uniform(0.2, 0.36) * h
            xs = np.linspace(w * 0.15, w * r.uniform(0.45, 0.85), 12)
            ys = yy + r.normal(0, h * 0.01, 12)
            d.line(
                list(zip(xs.tolist(), ys.tolist(), strict=True)),
                fill=(30, 40, 120, 230),
                width=max(1, round(s * 0.4)),
            )
        return im
    if kind == "loupe":
        im = Image.new("RGBA", (w, w), (0, 0, 0, 0))
        d = ImageDraw.Draw(im)
        lw = max(2, round(w * 0.12))
        d.ellipse((0, 0, w - 1, w - 1), fill=(200, 210, 220, 45), outline=_c255(prop.colour, 255), width=lw)
        d.arc(
            (w * 0.25, w * 0.2, w * 0.7, w * 0.6), 200, 280, fill=(255, 255, 255, 160), width=max(1, lw // 3)
        )
        return im
    if kind == "pen":
        im = Image.new("RGBA", (w, h), (0, 0, 0, 0))
        d = ImageDraw.Draw(im)
        d.rounded_rectangle((h * 0.8, 0, w - 1, h - 1), radius=h / 2, fill=_c255(prop.colour, 255))
        d.polygon([(0, h / 2), (h * 0.9, h * 0.15), (h * 0.9, h * 0.85)], fill=(170, 170, 175, 255))
        d.line([(h, h * 0.3), (w - h, h * 0.3)], fill=_c255(np.minimum(np.array(prop.colour) + 0.35, 1), 255))
        d.rectangle((w * 0.75, h * 0.05, w * 0.95, h * 0.25), fill=(190, 190, 195, 255))
        return im
    if kind == "form":
        im = Image.new("RGBA", (w, h), (246, 246, 242, 255))
        d = ImageDraw.Draw(im)
        fs = max(4, round(3.0 * s))
        y = h * 0.05
        while y < h * 0.95:
            d.line([(w * 0.05, y), (w * 0.95, y)], fill=(120, 120, 130, 255), width=1)
            if r.random() < 0.7:
                d.text(
                    (w * 0.07, y + 2), "x" * int(r.integers(6, 30)), fill=(60, 60, 70, 255), font=_font(fs)
                )
            y += 7.0 * s
        d.line([(w * 0.4, h * 0.05), (w * 0.4, h * 0.95)], fill=(120, 120, 130, 255), width=1)
        return im
    return Image.new("RGBA", (w, h), (0, 0, 0, 0))


def _draw_props(canvas: np.ndarray, photo: _Photo, info: dict, cam: _Cam) -> None:
    day = photo.day
    setup = day.setup
    lx, ly, lh = setup.lamp
    n = math.hypot(lx, ly)
    for prop, (jx, jy, ja) in zip(setup.props, day.prop_jit, strict=True):
        sp = _sprite(prop.kind, prop, cam.s, info)
        ang = prop.ang + ja + cam.rot_deg
        sp = sp.rotate(-ang, resample=Image.Resampling.BILINEAR, expand=True)
        px, py = cam.xy(prop.x + jx, prop.y + jy)
        piece, pos = _clip_paste(sp, (cam.w, cam.h), float(px), float(py))
        height = {"stamp": 0.0, "form": 0.3, "label": 0.6, "colour_card": 0.5, "bag": 0.5}.get(prop.kind, 1.5)
        k = setup.shadow_k * 0.8 if height > 0 else 0.0
        off = height * cam.s / lh
        _paste_piece(canvas, piece, pos, (-lx / n * off, -ly / n * off, (0.4 + 0.5 * height) * cam.s, k))


def _clip_paste(
    sp: Image.Image, size: tuple[int, int], px: float, py: float
) -> tuple[Image.Image, tuple[int, int]]:
    x0 = round(px - sp.width / 2)
    y0 = round(py - sp.height / 2)
    cx0, cy0 = max(0, -x0), max(0, -y0)
    cx1 = min(sp.width, size[0] - x0)
    cy1 = min(sp.height, size[1] - y0)
    if cx1 <= cx0 or cy1 <= cy0:
        return Image.new("RGBA", (1, 1), (0, 0, 0, 0)), (0, 0)
    return sp.crop((cx0, cy0, cx1, cy1)), (x0 + cx0, y0 + cy0)


# ---------------------------------------------------------------------------------------------- stones
def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _circumradius(n: np.ndarray, d: np.ndarray) -> float:
    idx = np.array(list(itertools.combinations(range(len(d)), 3)))
    a = n[idx]
    b = d[idx]
    ok = np.abs(np.linalg.det(a)) > 1e-9
    p = np.linalg.solve(a[ok], b[ok][..., None])[..., 0]
    inside = (p @ n.T <= d[None, :] + 1e-7).all(1)
    return float(np.linalg.norm(p[inside], axis=1).max())


@cache
def _templates(small: bool = False) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    o8 = _unit(np.array([(a, b, c) for a in (-1, 1) for b in (-1, 1) for c in (-1, 1)], float))
    d12l = []
    for i, j in ((0, 1), (0, 2), (1, 2)):
        for a in (-1, 1):
            for b in (-1, 1):
                v = np.zeros(3)
                v[i], v[j] = a, b
                d12l.append(v)
    d12 = _unit(np.array(d12l))
    c6 = np.vstack([np.eye(3), -np.eye(3)])
    octa = (np.vstack([o8, d12]), np.r_[np.full(8, 1.0), np.full(12, 1.12)])
    dod = (np.vstack([d12, o8, c6]), np.r_[np.full(12, 1.0), np.full(8, 1.13), np.full(6, 1.28)])
    ph = math.radians(32)
    ms, md = [(0.0, 0.0, 1.0), (0.0, 0.0, -1.0)], [0.32, 0.32]
    for i in range(3):
        for a, dist in (
            (math.pi / 2 + i * 2 * math.pi / 3, 0.8),
            (math.pi / 2 + i * 2 * math.pi / 3 + math.pi / 3, 1.05),
        ):
            for sz in (1, -1):
                ms.append((math.cos(a) * math.cos(ph), math.sin(a) * math.cos(ph), sz * math.sin(ph)))
                md.append(dist)
    macle = (np.array(ms), np.array(md))
    cube = (np.vstack([c6, o8, d12]), np.r_[np.full(6, 1.0), np.full(8, 1.5), np.full(12, 1.3)])
    boart = (np.vstack([o8, c6]), np.r_[np.full(8, 1.0), np.full(6, 1.15)])
    forms = (octa, dod, macle, cube, octa, boart, dod)
    if small:  # fewer planes for stones of a few pixels
        oc = (o8, np.full(8, 1.0))
        do = (d12, np.full(12, 1.0))
        cu = (np.vstack([c6, o8]), np.r_[np.full(6, 1.0), np.full(8, 1.5)])
        forms = (oc, do, (macle[0][:8], macle[1][:8]), cu, oc, boart, do)
    out = []
    for n, d in forms:
        out.append((n, d / _circumradius(n, d)))
    return tuple(out)


_KMAX = 29


def _orient(r: np.random.Generator, habit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = len(habit)
    q = _unit(r.standard_normal((n, 4)))
    w, x, y, z = q.T
    rot = np.stack(
        [
            np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)], -1),
            np.stack([2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)], -1),
            np.stack([2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)], -1),
        ],
        1,
    )
    flat = habit == _H_MACLE
    if flat.any():
        m = int(flat.sum())
        th = r.uniform(0, 2 * math.pi, m)
        tilt = r.normal(0, 0.3, m)
        ct, st_, cz, sz = np.cos(tilt), np.sin(tilt), np.cos(th), np.sin(th)
        rz = np.zeros((m, 3, 3))
        rz[:, 0, 0], rz[:, 0, 1], rz[:, 1, 0], rz[:, 1, 1], rz[:, 2, 2] = cz, -sz, sz, cz, 1
        rx = np.zeros((m, 3, 3))
        rx[:, 0, 0], rx[:, 1, 1], rx[:, 1, 2], rx[:, 2, 1], rx[:, 2, 2] = 1, ct, -st_, st_, ct
        rot[flat] = rz @ rx
    ff = r.uniform(0.72, 1.25, (n, _KMAX))
    u = r.random((n, _KMAX))
    ff[u < 0.12] *= 1.9
    ff[u > 0.92] *= 0.35
    return rot, ff


def _stone_arrays(r: np.random.Generator, st: _Style, sizes: np.ndarray) -> dict[str, np.ndarray]:
    n = len(sizes)
    colour = r.choice(len(_COLOURS), n, p=np.array(st.colmix))
    habit = r.choice(len(_HABIT_BASE), n, p=np.array(st.habmix))
    habit = np.where(colour == 6, _H_COAT, np.where(colour == 7, _H_BOART, habit))
    base = np.array([c[1] for c in _COLOURS])[colour]
    rgb = base * (1 + r.normal(0, 0.02, (n, 3))) * (1 + r.normal(0, 0.06, (n, 1)))
    tr = np.array([c[2] for c in _COLOURS])[colour]
    fr = np.array([c[3] for c in _COLOURS])[colour]
    t = tr[:, 0] + (tr[:, 1] - tr[:, 0]) * r.random(n)
    frost = fr[:, 0] + (fr[:, 1] - fr[:, 0]) * r.random(n)
    absorb = np.array([c[4] for c in _COLOURS])[colour] * r.uniform(0.7, 1.3, n)
    aniso = r.uniform(0.72, 1.0, (n, 3))
    aniso[np.arange(n), r.integers(0, 3, n)] = 1.0
    cutn = _unit(r.standard_normal((n, 3, 3)))
    cutd = r.uniform(0.2, 0.62, (n, 3))
    ncut = np.where(
        habit == _H_FRAG,
        r.integers(1, 4, n),
        np.where(habit == _H_BOART, r.integers(0, 3, n), (r.random(n) < 0.15).astype(int)),
    )
    cutd = np.where((habit[:, None] != _H_FRAG) & (habit[:, None] != _H_BOART), cutd + 0.25, cutd)
    cutd[np.arange(3)[None, :] >= ncut[:, None]] = 1e3
    pert = r.normal(0, 0.22, (n, _KMAX, 3)) * (habit == _H_BOART)[:, None, None]
    rot, ff = _orient(r, habit)
    incl = np.stack(
        [
            r.uniform(-0.5, 0.5, n),
            r.uniform(-0.5, 0.5, n),
            r.uniform(0.06, 0.2, n),
            np.where(r.random(n) < 0.45, r.uniform(0.3, 0.8, n), 0.0),
        ],
        1,
    )
    return {
        "size": sizes.astype(float),
        "colour": colour,
        "habit": habit,
        "rgb": np.clip(rgb, 0.02, 1.0),
        "t": t,
        "frost": frost,
        "absorb": absorb,
        "aniso": aniso,
        "djit": r.uniform(0.93, 1.08, (n, _KMAX)),
        "cutn": cutn,
        "cutd": cutd,
        "pert": pert,
        "rot": rot,
        "ff": ff,
        "shin": np.where(frost > 0.6, r.uniform(5, 12, n), r.uniform(15, 60, n)),
        "incl": incl,
        "texo": r.integers(0, _TILE, (n, 2)),
    }


def _take(st: dict[str, np.ndarray], idx: np.ndarray) -> dict[str, np.ndarray]:
    return {k: v[idx] for k, v in st.items()}


def _concat(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {k: np.concatenate([a[k], b[k]]) for k in a}


def _sizes(r: np.random.Generator, st: _Style, n: int) -> np.ndarray:
    if st.layout == "sorted":
        g = r.integers(0, st.groups, n)
        return st.size * 1.3**g * np.exp(r.normal(0, 0.08, n))
    if st.layout == "compartments":
        return st.size * np.exp(r.normal(0, 0.45, n))
    return np.clip(st.size * np.exp(r.normal(0, st.sig, n)), 0.3, 60)


def _clip_xy(x, y, sizes, region):
    x0, y0, x1, y1 = region
    hx = np.minimum(sizes / 2, (x1 - x0) / 2)
    hy = np.minimum(sizes / 2, (y1 - y0) / 2)
    return np.clip(x, x0 + hx, x1 - hx), np.clip(y, y0 + hy, y1 - hy)


def _positions(
    layout: str, r: np.random.Generator, sizes: np.ndarray, region, setup: _Setup, groups: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = len(sizes)
    x0, y0, x1, y1 = region
    rw, rh = x1 - x0, y1 - y0
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    med = float(np.median(sizes)) if n else 1.0
    order = np.arange(n)
    if layout in ("bag", "folded"):
        layout = "scatter" if r.random() < 0.5 else "heap"
    if layout == "scatter":
        m = int(n * r.uniform(1.4, 3.0)) + 1
        ncol = max(1, round(math.sqrt(m * rw / rh)))
        nrow = max(1, math.ceil(m / ncol))
        cells = r.choice(ncol * nrow, n, replace=False)
        x = x0 + (cells % ncol + 0.5 + r.uniform(-0.38, 0.38, n)) * rw / ncol
        y = y0 + (cells // ncol + 0.5 + r.uniform(-0.38, 0.38, n)) * rh / nrow
    elif layout == "heap":
        hx, hy = cx + r.uniform(-0.2, 0.2) * rw, cy + r.uniform(-0.2, 0.2) * rh
        sig = min(max(med * math.sqrt(n) * r.uniform(0.35, 0.55), med), 0.3 * min(rw, rh))
        x = hx + r.normal(0, sig * r.uniform(0.8, 1.25), n)
        y = hy + r.normal(0, sig * r.uniform(0.8, 1.25), n)
        order = np.argsort(-np.hypot(x - hx, y - hy) + r.normal(0, sig * 0.2, n))
    elif layout == "rows":
        srt = np.argsort(-sizes) if r.random() < 0.6 else r.permutation(n)
        pitch = float(np.max(sizes)) * r.uniform(1.25, 1.8)
        per = max(1, int(rw * 0.92 / pitch))
        nrows = math.ceil(n / per)
        rp = min(pitch * r.uniform(1.0, 1.4), rh / max(1, nrows))
        x = np.empty(n)
        y = np.empty(n)
        top = cy - (nrows - 1) * rp / 2
        for k, j in enumerate(srt):
            row, col = divmod(k, per)
            in_row = min(per, n - row * per)
            x[j] = cx + (col - (in_row - 1) / 2) * pitch + r.normal(0, 0.08 * pitch)
            y[j] = top + row * rp + r.normal(0, 0.08 * pitch)
    elif layout == "sorted":
        srt = np.argsort(sizes)
        parts = np.array_split(srt, max(1, min(groups, n)))
        x = np.empty(n)
        y = np.empty(n)
        horiz = rw >= rh
        for g, part in enumerate(parts):
            if len(part) == 0:
                continue
            t = (g + 0.5) / len(parts)
            gx = x0 + t * rw if horiz else cx + r.uniform(-0.15, 0.15) * rw
            gy = cy + r.uniform(-0.15, 0.15) * rh if horiz else y0 + t * rh
            sg = float(np.median(sizes[part])) * math.sqrt(len(part)) * 0.5 + 0.5
            x[part] = gx + r.normal(0, sg, len(part))
            y[part] = gy + r.normal(0, sg, len(part))
    elif layout == "fill":
        x = r.uniform(x0, x1, n)
        y = r.uniform(y0, y1, n)
    elif layout == "grit":
        if r.random() < 0.6:
            sig = min(max(math.sqrt(n) * med * r.uniform(0.35, 0.7), 2 * med), 0.3 * min(rw, rh))
            x = cx + r.uniform(-0.2, 0.2) * rw + r.normal(0, sig, n)
            y = cy + r.uniform(-0.2, 0.2) * rh + r.normal(0, sig * r.uniform(0.6, 1.0), n)
        else:
            a = r.uniform(0, 2 * math.pi, n)
            rad = np.sqrt(r.random(n))
            x = cx + np.cos(a) * rad * rw * r.uniform(0.2, 0.45)
            y = cy + np.sin(a) * rad * rh * r.uniform(0.2, 0.45)
    elif layout == "single":
        x = np.full(n, cx + r.uniform(-0.15, 0.15) * rw)
        y = np.full(n, cy + r.uniform(-0.15, 0.15) * rh)
    elif layout == "sparse":
        dx, dy = r.uniform(0.15, 0.85) * rw + x0, r.uniform(0.15, 0.85) * rh + y0
        rad = r.uniform(0.08, 0.4) * min(rw, rh)
        a = r.uniform(0, 2 * math.pi, n)
        rr = np.sqrt(r.random(n)) * rad
        x, y = dx + np.cos(a) * rr, dy + np.sin(a) * rr
    else:  # compartments
        cells = _cells(setup)
        filled = r.permutation(len(cells))[: max(1, int(len(cells) * r.uniform(0.6, 1.0)))]
        filled = np.sort(filled)
        parts = np.array_split(np.argsort(-sizes), len(filled))
        x = np.empty(n)
        y = np.empty(n)
        for ci, part in zip(filled, parts, strict=True):
            if len(part) == 0:
                continue
            ax, ay, bx, by = cells[int(ci)]
            if r.random() < 0.5:
                x[part] = r.uniform(ax, bx, len(part))
                y[part] = r.uniform(ay, by, len(part))
            else:
                px, py = r.uniform(ax, bx), r.uniform(ay, by)
                sg = float(np.median(sizes[part])) * math.sqrt(len(part)) * 0.45 + 0.3
                x[part] = px + r.normal(0, sg, len(part))
                y[part] = py + r.normal(0, sg, len(part))
            x[part], y[part] = _clip_xy(x[part], y[part], sizes[part], (ax, ay, bx, by))
    x, y = _clip_xy(x, y, sizes, region)
    return x, y, order


def _parcel(photo: _Photo) -> dict:
    if photo.base is None:
        return _make_parcel(photo)
    base = _make_parcel(photo.base)
    r = _rng(_T_RELAY, *photo.key)
    st = base["st"]
    n = len(st["size"])
    keep = r.random(n) >= r.uniform(0.0, 0.15)
    if not keep.any():
        keep[0] = True
    moved = (r.random(n) < r.uniform(0.6, 0.95)) & keep
    stay = keep & ~moved
    mv = _take(st, np.flatnonzero(moved))
    if len(mv["size"]):
        mx, my, order = _positions(
            photo.style.layout, r, mv["size"], base["region"], photo.day.setup, photo.style.groups
        )
        mv["x"], mv["y"] = mx, my
        mv = _take(mv, order)
        mv["rot"], mv["ff"] = _orient(r, mv["habit"])
    n_add = round(n * r.uniform(0.0, 0.15))
    parts = [_take(st, np.flatnonzero(stay)), mv]
    if n_add:
        sizes = _sizes(r, photo.style, n_add)
        add = _stone_arrays(r, photo.style, sizes)
        add["x"], add["y"], _ = _positions(
            photo.style.layout, r, sizes, base["region"], photo.day.setup, photo.style.groups
        )
        parts.append(add)
    out = parts[0]
    for p in parts[1:]:
        if len(p["size"]):
            out = _concat(out, p)
    bag = base["bag"]
    if bag is not None:
        bag = (
            bag[0] + r.normal(0, 2),
            bag[1] + r.normal(0, 2),
            bag[2],
            bag[3],
            bag[4] + r.normal(0, 3),
            bag[5] + 1,
        )
    paper = base["paper"]
    if paper is not None:
        paper = (
            paper[0] + r.normal(0, 1.5),
            paper[1] + r.normal(0, 1.5),
            *paper[2:4],
            paper[4] + r.normal(0, 2),
            *paper[5:],
        )
    return {"st": out, "bag": bag, "paper": paper, "region": base["region"], "carats": _carats(out)}


def _carats(st: dict[str, np.ndarray]) -> float:
    shape = np.where(st["habit"] == _H_FRAG, 0.6, np.where(st["habit"] == _H_MACLE, 0.5, 1.0))
    return float(np.sum(0.0026 * st["size"] ** 3 * shape))


def _make_parcel(photo: _Photo) -> dict:
    r = _rng(_T_PARCEL, *photo.key)
    st = photo.style
    day = photo.day
    setup = day.setup
    x0, y0, x1, y1 = setup.work
    region = setup.work
    bag = paper = None
    if st.layout == "bag":
        bw, bh = (x1 - x0) * r.uniform(0.6, 0.92), (y1 - y0) * r.uniform(0.6, 0.92)
        bcx = (x0 + x1) / 2 + r.uniform(-0.5, 0.5) * ((x1 - x0) - bw)
        bcy = (y0 + y1) / 2 + r.uniform(-0.5, 0.5) * ((y1 - y0) - bh)
        bag = (bcx, bcy, bw, bh, float(r.normal(0, 4)), int(r.integers(1 << 30)))
        region = (bcx - bw * 0.38, bcy - bh * 0.2, bcx + bw * 0.38, bcy + bh * 0.4)
    elif st.layout == "folded":
        pw, ph = (x1 - x0) * r.uniform(0.75, 1.0), (y1 - y0) * r.uniform(0.75, 1.0)
        pcx = (x0 + x1) / 2 + r.uniform(-0.5, 0.5) * ((x1 - x0) - pw)
        pcy = (y0 + y1) / 2 + r.uniform(-0.5, 0.5) * ((y1 - y0) - ph)
        paper = (pcx, pcy, pw, ph, float(r.normal(0, 5)), bool(r.random() < 0.6), int(r.integers(1 << 30)))
        region = (pcx - pw * 0.2, pcy - ph * 0.2, pcx + pw * 0.2, pcy + ph * 0.2)
    elif setup.surface == "sorting_tray" and st.layout != "compartments":
        cells = _cells(setup)
        region = cells[int(r.integers(len(cells)))]
    sizes = _sizes(r, st, st.n)
    spx = day.work_w / day.fov
    rendered = np.flatnonzero(sizes * spx >= 3.2)
    if len(rendered) > 450:
        drop = r.choice(rendered, len(rendered) - 450, replace=False)
        sizes = np.delete(sizes, drop)
    if len(sizes) > 6000:
        sizes = sizes[:6000]
    # a parcel covers a limited part of the frame (stones that do not fit are left out of the photo)
    cover = 0.5 if st.layout in ("heap", "fill") else 0.3
    reg_area = (region[2] - region[0]) * (region[3] - region[1]) * spx * spx * (1.6 if cover > 0.4 else 0.8)
    area = np.cumsum((sizes * spx) ** 2)
    keep = max(1, int(np.searchsorted(area, min(cover * day.work_w * day.work_h, reg_area))))
    sizes = sizes[:keep]
    stones = _stone_arrays(r, st, sizes)
    x, y, order = _positions(st.layout, r, sizes, region, setup, st.groups)
    stones["x"], stones["y"] = x, y
    stones = _take(stones, order)
    return {"st": stones, "bag": bag, "paper": paper, "region": region, "carats": _carats(stones)}


def _lighting(setup: _Setup) -> dict:
    lx, ly, lh = setup.lamp
    lv = _unit(np.array([lx, ly, lh]))
    lv = _unit(lv * (1 - setup.diffuse) + np.array([0, 0, 1.0]) * setup.diffuse)
    l2 = _unit(np.array([-lx, -ly, lh]))
    hv = _unit(lv + np.array([0, 0, 1.0]))
    if setup.backlit:
        amb, kd, ks = 0.10, 0.22, 0.35
    else:
        amb, kd, ks = 0.28 + 0.15 * setup.diffuse, 0.75, 0.6 * (1 - 0.5 * setup.diffuse)
    n = math.hypot(lx, ly)
    return {
        "L": lv,
        "L2": l2,
        "w2": setup.lamp2,
        "H": hv,
        "amb": amb,
        "kd": kd,
        "ks": ks,
        "sdir": (-lx / n, -ly / n),
        "slen": 0.35 / lh * (1 - 0.6 * setup.diffuse),
    }


def _planes(st: dict[str, np.ndarray], idx: np.ndarray, small: bool) -> tuple[np.ndarray, np.ndarray]:
    tm = _templates(small)
    n = len(idx)
    kk = 17 if small else _KMAX
    nn = np.zeros((n, kk, 3))
    nn[..., 2] = 1.0
    dd = np.full((n, kk), 1e3)
    hab = st["habit"][idx]
    for h in np.unique(hab):
        m = hab == h
        nt, dt = tm[int(h)]
        nn[m, : len(dt)] = nt
        dd[m, : len(dt)] = dt
    nn = nn + st["pert"][idx][:, :kk]
    ns = nn / st["aniso"][idx][:, None, :]
    nw = np.einsum("nkj,nij->nki", ns, st["rot"][idx])
    ln = np.linalg.norm(nw, axis=-1)
    nw /= ln[..., None]
    dd = dd * st["djit"][idx][:, :kk] / ln
    nw[:, kk - 3 :] = st["cutn"][idx]
    dd[:, kk - 3 :] = st["cutd"][idx]
    return nw, dd


def _render_group(idx, size_px, st, px, py, rpx, bg, lt):
    """Render stones idx (all in an size_px x size_px box); returns x0, y0, rgb (n,S,S,3), alpha (n,S,S)."""
    big = size_px
    n = len(idx)
    nw, dd = _planes(st, idx, bool(rpx[idx].max() < 6))
    kk = dd.shape[1]
    c = nw[..., 2].copy()
    c[np.abs(c) < 1e-4] = -1e-4
    up = c > 0
    coef = np.stack([dd / c, -nw[..., 0] / c, -nw[..., 1] / c], -1)
    diff = np.clip(nw @ lt["L"], 0, 1)
    if lt["w2"] > 0:
        diff = (diff + lt["w2"] * np.clip(nw @ lt["L2"], 0, 1)) / (1 + lt["w2"])
    spec = np.clip(nw @ lt["H"], 0, 1) ** st["shin"][idx][:, None]
    fb = st["ff"][idx][:, :kk] * (lt["amb"] + lt["kd"] * diff)
    order = np.argsort(~up, axis=1, kind="stable")
    nup = up.sum(1)
    ku = int(nup.max())
    kl = int((kk - nup).max())
    coef_s = np.take_along_axis(coef, order[..., None], 1)
    up_s = np.take_along_axis(up, order, 1)
    fb_s = np.take_along_axis(fb, order, 1)[:, :ku].astype(_F32)
    sp_s = np.take_along_axis(spec, order, 1)[:, :ku].astype(_F32)
    cu = coef_s[:, :ku].copy()
    cu[~up_s[:, :ku]] = (1e9, 0.0, 0.0)
    cl = coef_s[:, kk - kl :].copy()
    cl[up_s[:, kk - kl :]] = (-1e9, 0.0, 0.0)
    cpx, cpy, r = px[idx], py[idx], rpx[idx]
    x0 = np.floor(cpx - big / 2).astype(int)
    y0 = np.floor(cpy - big / 2).astype(int)
    j = np.arange(big) + 0.5
    xs = (x0[:, None] + j[None, :] - cpx[:, None]) / r[:, None]
    ys = (y0[:, None] + j[None, :] - cpy[:, None]) / r[:, None]
    p = big * big
    g = np.empty((n, 3, p), _F32)
    g[:, 0] = 1.0
    g[:, 1] = np.broadcast_to(xs[:, None, :], (n, big, big)).reshape(n, p)
    g[:, 2] = np.broadcast_to(ys[:, :, None], (n, big, big)).reshape(n, p)
    vu = np.matmul(np.ascontiguousarray(g.transpose(0, 2, 1)), cu.astype(_F32).transpose(0, 2, 1))
    fac = vu.argmin(-1)
    ztop = np.take_along_axis(vu, fac[..., None], -1)[..., 0]
    zbot = np.matmul(cl.astype(_F32), g).max(1)
    thick_u = np.maximum(ztop - zbot, 0)
    thick = thick_u * r[:, None].astype(_F32)
    alpha = np.clip(thick, 0, 1)
    f3 = fac.reshape(n, big, big)
    edge = np.zeros((n, big, big), bool)
    edge[:, :, 1:] |= f3[:, :, 1:] != f3[:, :, :-1]
    edge[:, 1:, :] |= f3[:, 1:, :] != f3[:, :-1, :]
    # shade only the pixels inside the silhouettes
    si, pi = np.nonzero(thick > 0)
    h, w = bg.shape[:2]
    iy, ix = np.divmod(pi, big)
    bgs = bg[np.clip(y0[si] + iy, 0, h - 1), np.clip(x0[si] + ix, 0, w - 1)]
    to = st["texo"][idx]
    tex = _tile(0)[(to[si, 0] + iy) % _TILE, (to[si, 1] + ix) % _TILE]
    fac_m = fac[si, pi]
    bright = fb_s[si, fac_m]
    spv = sp_s[si, fac_m]
    tk_u = thick_u[si, pi]
    tk = thick[si, pi]
    t = st["t"][idx].astype(_F32)
    frost = st["frost"][idx].astype(_F32)
    rgb = st["rgb"][idx].astype(_F32)
    te = t * (1 - 0.45 * frost)
    absorb = np.exp(-st["absorb"][idx].astype(_F32)[si] * tk_u)
    tint = (0.35 + 0.65 * rgb) * te[:, None]
    scat = (1 - te)[:, None] * rgb
    col = bgs * (tint[si] * absorb[:, None]) + scat[si] * bright[:, None]
    rf = r.astype(_F32)
    rim = np.exp(-tk / (0.18 * rf[si] + 0.6))
    ek = (0.15 + 0.3 * t) * np.minimum(1, rf / 5)
    rk = (0.8 if lt["amb"] < 0.2 else 0.1) + 0.45 * t
    inc = st["incl"][idx].astype(_F32)
    gx = g[si, 1, pi]
    gy = g[si, 2, pi]
    d2 = (gx - inc[si, 0]) ** 2 + (gy - inc[si, 1]) ** 2
    incl = 1 - inc[si, 3] * np.exp(-d2 / (2 * inc[si, 2] ** 2))
    mod = (
        (1 - ek[si] * edge.reshape(n, p)[si, pi] - rk[si] * rim)
        * (1 + (0.02 + 0.08 * frost)[si] * tex)
        * incl
    )
    ks = lt["ks"] * (1 - 0.6 * frost)
    col = col * mod[:, None] + (ks[si] * spv)[:, None]
    out = np.zeros((n, p, 3), _F32)
    out[si, pi] = col
    return x0, y0, out.reshape(n, big, big, 3), alpha.reshape(n, big, big)


def _draw_stones(canvas: np.ndarray, bgref: np.ndarray, parcel: dict, cam: _Cam, setup: _Setup) -> None:
    st = parcel["st"]
    n = len(st["size"])
    if n == 0:
        return
    h, w = canvas.shape[:2]
    lt = _lighting(setup)
    px, py = cam.xy(st["x"], st["y"])
    px = np.asarray(px, float)
    py = np.asarray(py, float)
    rpx = st["size"] * cam.s / 2
    tiny = rpx < 1.6
    onscreen = (px > -4 * rpx - 4) & (px < w + 4 * rpx + 4) & (py > -4 * rpx - 4) & (py < h + 4 * rpx + 4)
    # shadows
    sh = Image.new("L", (w, h), 0)
    d = ImageDraw.Draw(sh)
    sdx, sdy = lt["sdir"]
    big = np.flatnonzero(~tiny & onscreen)
    for lamp_w, sgn in ((lt["w2"], -1.0), (1.0, 1.0)):
        if lamp_w <= 0:
            continue
        fill = round(255 * min(1.0, lamp_w * (0.6 if sgn < 0 else 1.0)))
        off = lt["slen"] * rpx * 2
        for i in big:
            cx = px[i] + sgn * sdx * off[i]
            cy = py[i] + sgn * sdy * off[i]
            rr = rpx[i] * 0.8
            d.ellipse((cx - rr, cy - rr, cx + rr, cy + rr), fill=fill)
        ti = np.flatnonzero(tiny & onscreen)
        if len(ti):
            pts = np.stack([px[ti] + sgn * sdx * off[ti], py[ti] + sgn * sdy * off[ti]], 1)
            d.point([tuple(v) for v in pts.tolist()], fill=fill)
    medr = float(np.median(rpx))
    blur = max(0.8, medr * (0.35 + 1.2 * setup.diffuse))
    _shadow(canvas, sh, 0, 0, blur, setup.shadow_k * (0.25 if setup.backlit else 1.0))
    results: dict[int, tuple] = {}
    if len(big):
        sz = (np.ceil((2.25 * rpx[big] + 3) / 2) * 2).astype(int)
        for s_val in np.unique(sz):
            members = big[sz == s_val]
            per = max(1, int(2_500_000 // (_KMAX * s_val * s_val)))
            for k in range(0, len(members), per):
                part = members[k : k + per]
                x0, y0, col, al = _render_group(part, int(s_val), st, px, py, rpx, bgref, lt)
                for q, i in enumerate(part):
                    results[int(i)] = (int(x0[q]), int(y0[q]), col[q], al[q])
    ti = np.flatnonzero(tiny & onscreen)
    if len(ti):
        _splat(canvas, bgref, st, ti, px, py, rpx, lt)
    for i in range(n):
        res = results.get(i)
        if res is None:
            continue
        x0, y0, col, al = res
        sz = al.shape[0]
        xa, ya = max(0, x0), max(0, y0)
        xb, yb = min(w, x0 + sz), min(h, y0 + sz)
        if xa >= xb or ya >= yb:
            continue
        a = al[ya - y0 : yb - y0, xa - x0 : xb - x0, None]
        reg = canvas[ya:yb, xa:xb]
        reg += a * (col[ya - y0 : yb - y0, xa - x0 : xb - x0] - reg)


def _splat(canvas, bgref, st, idx, px, py, rpx, lt) -> None:
    h, w = canvas.shape[:2]
    x, y, r = px[idx], py[idx], rpx[idx]
    rgb = st["rgb"][idx]
    t = st["t"][idx][:, None]
    ff = st["ff"][idx]
    xi = np.clip(x.astype(int), 0, w - 1)
    yi = np.clip(y.astype(int), 0, h - 1)
    bgc = bgref[yi, xi]
    shade = np.clip(ff[:, 0], 0.3, 1.9)[:, None]
    col = t * bgc * 0.7 + (1 - t) * rgb * (lt["amb"] + lt["kd"] * 0.6) * shade
    col = col + (ff[:, 1] > 1.5)[:, None] * 0.45 * (1 - 0.5 * st["frost"][idx][:, None])
    area = np.pi * r * r
    multi = r > 0.8
    offs = [(0.0, 0.0)]
    if multi.any():
        offs += [(0.6, 0.0), (-0.6, 0.0), (0.0, 0.6), (0.0, -0.6)]
    xs, ys, ws, cs = [], [], [], []
    for k, (ox, oy) in enumerate(offs):
        sel = np.ones(len(idx), bool) if k == 0 else multi
        wgt = np.where(multi, np.minimum(1.0, area / 5 * 1.2), np.minimum(1.0, area))
        xs.append(x[sel] + ox * r[sel])
        ys.append(y[sel] + oy * r[sel])
        ws.append(wgt[sel])
        cs.append(col[sel])
    xs = np.concatenate(xs) - 0.5
    ys = np.concatenate(ys) - 0.5
    ws = np.concatenate(ws)
    cs = np.concatenate(cs)
    fx0 = np.floor(xs)
    fy0 = np.floor(ys)
    fx, fy = xs - fx0, ys - fy0
    ix, iy = fx0.astype(int), fy0.astype(int)
    all_i, all_w, all_c = [], [], []
    for dx, dy, wt in (
        (0, 0, (1 - fx) * (1 - fy)),
        (1, 0, fx * (1 - fy)),
        (0, 1, (1 - fx) * fy),
        (1, 1, fx * fy),
    ):
        qx, qy = ix + dx, iy + dy
        ok = (qx >= 0) & (qx < w) & (qy >= 0) & (qy < h)
        all_i.append((qy * w + qx)[ok])
        all_w.append((wt * ws)[ok])
        all_c.append(cs[ok])
    li = np.concatenate(all_i)
    lw = np.concatenate(all_w)
    lc = np.concatenate(all_c)
    if len(li) == 0:
        return
    uniq, inv = np.unique(li, return_inverse=True)
    cov = np.bincount(inv, lw, len(uniq))
    acc = np.stack([np.bincount(inv, lw * lc[:, c], len(uniq)) for c in range(3)], 1)
    a = np.clip(cov, 0, 1)[:, None]
    colr = acc / np.maximum(cov, 1e-6)[:, None]
    flat = canvas.reshape(-1, 3)
    flat[uniq] = flat[uniq] * (1 - a) + colr * a


# -------------------------------------------------------------------------------------------- overlays
def _local(cx, cy, ang, u, v):
    a = math.radians(ang)
    return cx + u * math.cos(a) - v * math.sin(a), cy + u * math.sin(a) + v * math.cos(a)


def _draw_paper(canvas: np.ndarray, paper, cam: _Cam, setup: _Setup) -> None:
    cx, cy, pw, ph, ang, blue, seed = paper
    r = np.random.default_rng([_WORLD, _T_BAG, seed, 1])
    base = np.array((0.64, 0.77, 0.93) if blue else (0.96, 0.96, 0.95))
    lay = Image.new("RGBA", (2 * cam.w, 2 * cam.h), (0, 0, 0, 0))
    d = ImageDraw.Draw(lay)
    mask = Image.new("L", (cam.w, cam.h), 0)
    ImageDraw.Draw(mask).polygon(cam.rect(cx, cy, pw, ph, ang), fill=255)
    lx, ly, _ = setup.lamp
    ln = math.hypot(lx, ly)
    _shadow(canvas, mask, -lx / ln * 1.2 * cam.s, -ly / ln * 1.2 * cam.s, 1.5 * cam.s, setup.shadow_k * 0.7)
    for i in range(3):
        for j in range(3):
            u = -pw / 2 + (i + 0.5) * pw / 3
            v = -ph / 2 + (j + 0.5) * ph / 3
            px, py = _local(cx, cy, ang, u, v)
            shade = (
                1
                + r.normal(0, 0.025)
                + (0.02 if (i, j) == (1, 1) else -0.01 * abs(i - 1) - 0.01 * abs(j - 1))
            )
            d.polygon(
                _x2(cam.rect(px, py, pw / 3 + 0.2, ph / 3 + 0.2, ang)),
                fill=_c255(np.minimum(base * shade, 1), 255),
            )
    crease = _c255(base * 0.82, 150)
    for t in (-1 / 6, 1 / 6):
        a = cam.xy(*_local(cx, cy, ang, t * pw, -ph / 2))
        b = cam.xy(*_local(cx, cy, ang, t * pw, ph / 2))
        d.line(_x2([(float(a[0]), float(a[1])), (float(b[0]), float(b[1]))]), fill=crease, width=2)
        a = cam.xy(*_local(cx, cy, ang, -pw / 2, t * ph))
        b = cam.xy(*_local(cx, cy, ang, pw / 2, t * ph))
        d.line(_x2([(float(a[0]), float(a[1])), (float(b[0]), float(b[1]))]), fill=crease, width=2)
    _blend_layer(canvas, lay.reduce(2))


def _draw_bag(canvas: np.ndarray, bag, cam: _Cam) -> None:
    cx, cy, bw, bh, ang, seed = bag
    r = np.random.default_rng([_WORLD, _T_BAG, seed])
    lay = Image.new("RGBA", (cam.w, cam.h), (0, 0, 0, 0))
    d = ImageDraw.Draw(lay)
    d.polygon(cam.rect(cx, cy, bw, bh, ang), fill=(238, 240, 244, 34))
    for _ in range(int(r.integers(6, 16))):
        u = r.uniform(-0.45, 0.45) * bw
        v = r.uniform(-0.45, 0.45) * bh
        pts = []
        a = r.uniform(0, 2 * math.pi)
        step = r.uniform(0.03, 0.08) * max(bw, bh)
        for _k in range(6):
            p = cam.xy(*_local(cx, cy, ang, u, v))
            pts.append((float(p[0]), float(p[1])))
            a += r.normal(0, 0.35)
            u = float(np.clip(u + step * math.cos(a), -bw / 2, bw / 2))
            v = float(np.clip(v + step * math.sin(a), -bh / 2, bh / 2))
        d.line(
            pts,
            fill=(255, 255, 255, int(r.integers(50, 130))),
            width=max(1, round(cam.s * r.uniform(0.4, 1.5))),
        )
    lay = lay.filter(ImageFilter.GaussianBlur(max(0.6, cam.s * 0.4)))
    d = ImageDraw.Draw(lay)
    poly = cam.rect(cx, cy, bw, bh, ang)
    d.line([*poly, poly[0]], fill=(250, 250, 252, 140), width=max(1, round(cam.s * 1.5)))
    for off, colr in ((0.06, (200, 40, 40, 190)), (0.075, (200, 40, 40, 120))):
        a = cam.xy(*_local(cx, cy, ang, -bw / 2, -bh / 2 + off * bh))
        b = cam.xy(*_local(cx, cy, ang, bw / 2, -bh / 2 + off * bh))
        d.line(
            [(float(a[0]), float(a[1])), (float(b[0]), float(b[1]))],
            fill=colr,
            width=max(1, round(cam.s * 0.7)),
        )
    pc = _local(cx, cy, ang, 0, -bh / 2 + 0.2 * bh)
    d.polygon(cam.rect(pc[0], pc[1], bw * 0.6, bh * 0.14, ang), fill=(248, 248, 248, 215))
    for line in range(2):
        pts = []
        for k in range(10):
            u = -bw * 0.26 + k * bw * 0.05 * r.uniform(0.8, 1.2)
            v = -bh / 2 + 0.17 * bh + line * 0.05 * bh + r.normal(0, 0.008) * bh
            p = cam.xy(*_local(cx, cy, ang, u, v))
            pts.append((float(p[0]), float(p[1])))
        d.line(pts, fill=(25, 35, 110, 230), width=max(1, round(cam.s * 0.5)))
    _blend_layer(canvas, lay)


def _draw_hand(canvas: np.ndarray, setup: _Setup, cam: _Cam, sr: np.random.Generator) -> None:
    if setup.hand_p <= 0 or sr.random() >= setup.hand_p:
        return
    w, h = cam.w, cam.h
    lay = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(lay)
    side = setup.hand_side
    size = min(w, h)
    fw = size * sr.uniform(0.06, 0.09)
    along = sr.uniform(0.2, 0.8)
    col = np.array(setup.glove)
    nf = int(sr.integers(1, 4))
    for f in range(nf):
        depth = size * sr.uniform(0.1, 0.22) * (1 - 0.15 * f)
        t = along + (f - nf / 2) * fw * 1.1 / (w if side in (0, 2) else h)
        if side == 0:
            a, b = (t * w, -fw), (t * w + sr.normal(0, fw), depth)
        elif side == 2:
            a, b = (t * w, h + fw), (t * w + sr.normal(0, fw), h - depth)
        elif side == 1:
            a, b = (w + fw, t * h), (w - depth, t * h + sr.normal(0, fw))
        else:
            a, b = (-fw, t * h), (depth, t * h + sr.normal(0, fw))
        d.line([a, b], fill=_c255(col * 0.7, 255), width=round(fw))
        d.ellipse((b[0] - fw / 2, b[1] - fw / 2, b[0] + fw / 2, b[1] + fw / 2), fill=_c255(col * 0.7, 255))
        d.line([a, b], fill=_c255(col, 255), width=round(fw * 0.7))
        d.ellipse(
            (b[0] - fw * 0.35, b[1] - fw * 0.35, b[0] + fw * 0.35, b[1] + fw * 0.35), fill=_c255(col, 255)
        )
    lay = lay.filter(ImageFilter.GaussianBlur(max(1.0, size * 0.006)))
    lx, ly, _ = setup.lamp
    ln = math.hypot(lx, ly)
    _shadow(canvas, lay.getchannel("A"), -lx / ln * size * 0.03, -ly / ln * size * 0.03, size * 0.02, 0.35)
    _blend_layer(canvas, lay)


# ---------------------------------------------------------------------------------------------- camera
def _illum(day: _Day) -> tuple[np.ndarray, np.ndarray]:
    setup = day.setup
    w, h = day.work_w, day.work_h
    gw = 48
    gh = max(2, round(gw * h / w))
    u = ((np.arange(gw) + 0.5) / gw - 0.5)[None, :]
    v = (((np.arange(gh) + 0.5) / gh - 0.5) * h / w)[:, None]
    lx, ly, lh = setup.lamp

    def irr(ax, ay):
        return (
            lh
            / ((u - ax) ** 2 + (v - ay) ** 2 + lh * lh) ** 1.5
            / (lh / (ax * ax + ay * ay + lh * lh) ** 1.5)
        )

    e = irr(lx, ly)
    if setup.lamp2 > 0:
        e = (e + setup.lamp2 * irr(-lx, -ly)) / (1 + setup.lamp2)
    e = e ** (1 - 0.8 * setup.diffuse)
    rr = (u * u + v * v) / (0.25 + 0.25 * (h / w) ** 2)
    e = e * (1 - setup.vignette * rr)
    sig = 0.07 + 0.12 * setup.diffuse
    hot = setup.gloss * np.exp(-((u - lx / 2) ** 2 + (v - ly / 2) ** 2) / (2 * sig * sig))
    fe = np.asarray(Image.fromarray(e.astype(_F32), "F").resize((w, h), Image.Resampling.BICUBIC))
    fh = np.asarray(Image.fromarray(hot.astype(_F32), "F").resize((w, h), Image.Resampling.BICUBIC))
    return fe, fh


def _distort(img: Image.Image, k: float) -> Image.Image:
    w, h = img.size
    cx, cy = w / 2, h / 2
    rn = math.hypot(cx, cy)
    norm = 1 + max(k, 0.0)

    def src(x, y):
        dx, dy = (x - cx) / rn, (y - cy) / rn
        f = (1 + k * (dx * dx + dy * dy)) / norm
        return (cx + dx * f * rn, cy + dy * f * rn)

    mesh = []
    nx, ny = 8, 6
    for i in range(nx):
        for j in range(ny):
            xa, xb = round(i * w / nx), round((i + 1) * w / nx)
            ya, yb = round(j * h / ny), round((j + 1) * h / ny)
            quad = (*src(xa, ya), *src(xa, yb), *src(xb, yb), *src(xb, ya))
            mesh.append(((xa, ya, xb, yb), quad))
    return img.transform((w, h), Image.Transform.MESH, mesh, Image.Resampling.BILINEAR)


@lru_cache(maxsize=32)
def _illum_cached(key: int, d: int) -> tuple[np.ndarray, np.ndarray]:
    return _illum(_day(key, d))


def _camera(canvas: np.ndarray, photo: _Photo, sr: np.random.Generator) -> Image.Image:
    day = photo.day
    setup = day.setup
    h, w = canvas.shape[:2]
    fe, fh = _illum_cached(setup.key, day.day)
    canvas *= fe[..., None]
    canvas += fh[..., None]
    defect, amt = photo.defect, photo.amount
    if defect == "glare":
        gw = 32
        gh = max(2, round(gw * h / w))
        gx, gy = sr.uniform(0, 1), sr.uniform(0, 1)
        u = ((np.arange(gw) + 0.5) / gw)[None, :]
        v = ((np.arange(gh) + 0.5) / gh)[:, None]
        blob = np.exp(-((u - gx) ** 2 + ((v - gy) * h / w) ** 2) / (2 * sr.uniform(0.12, 0.3) ** 2))
        veil = (0.12 + 0.25 * amt) * blob + (0.05 + 0.1 * amt)
        fv = np.asarray(Image.fromarray(veil.astype(_F32), "F").resize((w, h), Image.Resampling.BILINEAR))
        canvas += fv[..., None]
    cast = np.array(day.cast)
    sub = canvas[::12, ::12].reshape(-1, 3) * cast
    mean = np.maximum(sub.mean(0), 1e-3)
    lum = float(mean @ np.array([0.3, 0.59, 0.11]))
    ae = float(np.clip((0.45 / max(lum, 1e-3)) ** setup.auto_exp, 0.6, 1.7))
    wb = np.clip((lum / mean) ** setup.auto_wb, 0.85, 1.18)
    gain = setup.exp_bias * day.gain * ae * (1 + sr.normal(0, 0.01))
    if defect == "dark":
        gain *= 0.22 + 0.25 * amt
    elif defect == "blown":
        gain *= 1.7 + 1.2 * amt
    canvas *= (cast * wb * gain * 255).astype(_F32)
    # sensor noise, in 8-bit units (stronger at the working size when the output is smaller)
    sigma = setup.noise * (1.8 if defect == "dark" else 1.0) * max(1.0, w / day.out_w)
    nt = _noise3()
    oy, ox = int(sr.integers(0, nt.shape[0] - h + 1)), int(sr.integers(0, nt.shape[1] - w + 1))
    canvas += nt[oy : oy + h, ox : ox + w] * _F32(sigma)
    if defect == "motion":
        length = (3 + 10 * amt) * w / 1024
        a = sr.uniform(0, math.pi)
        m = max(3, int(length))
        acc = np.zeros_like(canvas)
        for k in range(m):
            t = (k / (m - 1) - 0.5) * length
            acc += np.roll(canvas, (round(t * math.sin(a)), round(t * math.cos(a))), (0, 1))
        canvas = acc / m
    np.clip(canvas, 0, 255, out=canvas)
    img = Image.fromarray(canvas.astype(np.uint8), "RGB")
    x = np.arange(256) / 255.0
    y = (1 - setup.curve) * x + setup.curve * (3 * x * x - 2 * x**3)
    y = y**setup.gamma
    sat = setup.sat
    if defect == "flat":
        lo, hi = 0.16 + 0.16 * amt, 0.74 + 0.1 * amt
        y = lo + (hi - lo) * y
        sat *= 0.75
    lut = np.clip(np.round(y * 255), 0, 255).astype(int).tolist()
    img = img.point(lut * 3)
    if abs(sat - 1) > 0.02:
        img = ImageEnhance.Color(img).enhance(sat)
    if defect == "defocus":
        img = img.filter(ImageFilter.GaussianBlur((1.4 + 2.8 * amt) * max(w, h) / 1024))
    if setup.distort:
        img = _distort(img, setup.distort)
    if setup.sharpen > 0:
        a = setup.sharpen
        img = img.filter(ImageFilter.Kernel((3, 3), [0, -a, 0, -a, 1 + 4 * a, -a, 0, -a, 0], 1))
    out = (day.out_w, day.out_h)
    big = out[0] * out[1] > 2_200_000  # large outputs: the in-camera JPEG is applied before enlarging
    if big:
        img = _jpeg(img, setup.jpeg_q)
    if out != img.size:
        if out[0] < img.width:
            img = img.resize(out, Image.Resampling.LANCZOS, reducing_gap=3.0)
        else:
            img = img.resize(out, Image.Resampling.BILINEAR)
    return img if big else _jpeg(img, setup.jpeg_q)


def _jpeg(img: Image.Image, quality: int) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality, subsampling=0 if quality >= 93 else 2)
    buf.seek(0)
    res = Image.open(buf)
    res.load()
    return res if res.mode == "RGB" else res.convert("RGB")


def _label_info(photo: _Photo, parcel: dict) -> dict:
    day = photo.day
    office = _world()[0][day.setup.office]
    num = day.cert_base + photo.seq
    lot = photo.base if photo.base is not None else photo
    r = _rng(_T_LABEL, *lot.key)
    exporter = _EXPORTERS[office.exporters[int(r.integers(len(office.exporters)))]]
    carats = parcel["carats"]
    r2 = _rng(_T_LABEL, *photo.key, 1)
    return {
        "office": office,
        "num": num,
        "cert": _cert_text(office, num, day.date.year),
        "date": _date_text(office, day.date),
        "exporter": exporter,
        "carats": carats,
        "count": len(parcel["st"]["size"]),
        "reading": carats * (1 + r2.normal(0, 0.002)),
    }


def _render(photo: _Photo) -> Image.Image:
    day = photo.day
    setup = day.setup
    cam = _Cam(day)
    parcel = _parcel(photo)
    sr = _rng(_T_SHOT, *photo.key)
    canvas = _surface(day, cam)
    if parcel["paper"] is not None:
        _draw_paper(canvas, parcel["paper"], cam, setup)
    bgref = canvas.copy()
    _draw_props(canvas, photo, _label_info(photo, parcel), cam)
    _draw_stones(canvas, bgref, parcel, cam, setup)
    if parcel["bag"] is not None:
        _draw_bag(canvas, parcel["bag"], cam)
    _draw_hand(canvas, setup, cam, sr)
    return _camera(canvas, photo, sr)


# -------------------------------------------------------------------------------------------- variants
_STEP_ORDER = ("crop", "resize", "recolour", "blur", "jpeg")


def _step_params(r: np.random.Generator, kind: str) -> tuple[str, tuple]:
    if kind == "crop":
        v = [int(x) for x in r.integers(0, 11, 4)]
        if sum(v) < 3:
            v[int(r.integers(4))] = int(r.integers(3, 11))
        return f"crop-l{v[0]}t{v[1]}r{v[2]}b{v[3]}pct", tuple(v)
    if kind == "resize":
        wp = int(r.integers(30, 151))
        if wp == 100:
            wp = 101
        hp = int(np.clip(round(wp * (1 + r.uniform(-0.03, 0.03))), 30, 155))
        return f"resize-w{wp}h{hp}pct", (wp, hp, int(r.integers(3)))
    if kind == "jpeg":
        q = int(r.integers(50, 96))
        return f"jpeg-q{q}", (q,)
    if kind == "blur":
        b = int(r.integers(20, 101))
        return f"blur-r{b}", (b,)
    letters = ("b", "c", "g", "s", "h", "w")
    chosen = sorted(r.choice(6, int(r.integers(1, 4)), replace=False).tolist())
    vals: dict[str, int] = {}
    parts = []
    for ci in chosen:
        lt = letters[ci]
        if lt == "s":
            v = int(r.choice([*range(80, 96), *range(105, 126)]))
            parts.append(f"s{v}")
        else:
            hi = {"b": 10, "c": 10, "g": 10, "h": 6, "w": 8}[lt]
            lo = 1 if lt == "h" else 2
            v = int(r.integers(lo, hi + 1)) * (1 if r.random() < 0.5 else -1)
            parts.append(f"{lt}{v:d}")
        vals[lt] = v
    return "recolour-" + "".join(parts), tuple(sorted(vals.items()))


def _apply_step(img: Image.Image, kind: str, p: tuple) -> Image.Image:
    w, h = img.size
    if kind == "crop":
        lft, top, rgt, bot = p
        box = (round(w * lft / 100), round(h * top / 100), w - round(w * rgt / 100), h - round(h * bot / 100))
        if box[2] <= box[0] or box[3] <= box[1]:
            return img
        return img.crop(box)
    if kind == "resize":
        wp, hp, f = p
        size = (max(8, round(w * wp / 100)), max(8, round(h * hp / 100)))
        flt = (Image.Resampling.BICUBIC, Image.Resampling.LANCZOS, Image.Resampling.BILINEAR)[f]
        return img.resize(size, flt)
    if kind == "jpeg":
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=p[0])
        buf.seek(0)
        return Image.open(buf).convert("RGB")
    if kind == "blur":
        return img.filter(ImageFilter.GaussianBlur(p[0] / 100 * max(w, h) / 1200))
    vals = dict(p)
    # warmth (per channel gain) and gamma as one lookup table, then brightness, contrast, saturation and
    # hue as one colour matrix
    x = np.arange(256) / 255
    warm = vals.get("w", 0) / 100
    gam = 1 / (1 + vals.get("g", 0) / 100)
    lut: list[int] = []
    for gain in (1 + warm, 1.0, 1 - warm):
        lut += np.clip(np.round(255 * np.clip(x * gain, 0, 1) ** gam), 0, 255).astype(int).tolist()
    if "w" in vals or "g" in vals:
        img = img.point(lut)
    m = np.eye(3) * (1 + vals.get("b", 0) / 100)
    off = np.zeros(3)
    if "c" in vals:
        c = 1 + vals["c"] / 100
        mean = float(np.asarray(img.resize((64, 64), Image.Resampling.BOX).convert("L"), float).mean())
        mean *= 1 + vals.get("b", 0) / 100
        m = c * m
        off += (1 - c) * mean
    lw = np.array([0.213, 0.715, 0.072])
    if "s" in vals:
        sv = vals["s"] / 100
        sm = np.outer(np.ones(3), lw) * (1 - sv) + np.eye(3) * sv
        m, off = sm @ m, sm @ off
    if "h" in vals:
        a = math.radians(vals["h"])
        ca, sa = math.cos(a), math.sin(a)
        hm = np.outer(np.ones(3), lw) + ca * (np.eye(3) - np.outer(np.ones(3), lw))
        hm += sa * np.array([[-0.213, -0.715, 0.928], [0.143, 0.140, -0.283], [-0.787, 0.715, 0.072]])
        m, off = hm @ m, hm @ off
    if not np.allclose(m, np.eye(3)) or np.any(off != 0):
        img = img.convert("RGB", tuple(float(v) for v in np.hstack([m, off[:, None]]).ravel()))
    return img


def variants(image: Image.Image, seed: int) -> dict[str, Image.Image]:
    """Ten transformed copies of ``image``: five single edits and five chains (see module docstring)."""
    img = image.convert("RGB")
    r = _rng(_T_VAR, seed, img.width, img.height)
    plans: list[list[str]] = [[k] for k in ("crop", "resize", "jpeg", "blur", "recolour")]
    weights = np.array([0.3, 0.3, 0.12, 0.08, 0.2])
    for length in (2, 2, 3, 3, 3):
        steps = r.choice(5, length, replace=False, p=weights).tolist()
        plans.append([_STEP_ORDER[s] for s in sorted(steps)])
    out: dict[str, Image.Image] = {}
    for plan in plans:
        for _attempt in range(20):
            params = [_step_params(r, k) for k in plan]
            name = "+".join(nm for nm, _ in params)
            if name not in out:
                break
        cur = img
        for kind, (_, p) in zip(plan, params, strict=True):
            cur = _apply_step(cur, kind, p)
        out[name] = cur.convert("RGB")
    return out


# ---------------------------------------------------------------------------------------------- public
def originals(seed: int, n: int) -> Iterator[Image.Image]:
    """n photos of lawful parcels; photo i depends only on (seed, i)."""
    for i in range(n):
        yield _render(_orig_spec(seed, i))


def unrelated(seed: int, n: int) -> Iterator[Image.Image]:
    """n photos of other parcels, hard negatives for ``originals(1, 200)``; kinds by ``unrelated_kind``."""
    for i in range(n):
        yield _render(_unrel_spec(seed, i)[1])
