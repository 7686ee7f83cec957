"""Eighth, independent generator of rough-diamond parcel photos (originals, edited copies, other parcels).

Written without looking at how kpcs searches photos, so that the benchmark measures the search
and not a generator tuned to it. Only numpy and Pillow; every picture is a pure function of its
arguments (numpy ``default_rng`` on integer seed sequences; no global random state, no clock,
no ``hash()``).

The world
=========
Fourteen KP offices photograph rough-diamond parcels before export. Each office has a fixed
set-up that it re-uses every day, which is what makes different parcels look alike:

==  ======================  ==========================================  ===================  =====  =====
 #  office                  set-up (surface / paper / desk)              camera, long side px  view   share
==  ======================  ==========================================  ===================  =====  =====
 0  Gaborone, sorting hall  white tray, white diamond paper, grey desk   DSLR 2600-3000       22 cm  13.8%
 1  Orapa (BW), mine gate   black velvet, dark desk                      phone 1600-2016      18 cm  10.3%
 2  Antwerp, diamond office light box, blue diamond paper                DSLR 2400            24 cm  12.1%
 3  Antwerp, sieve bench    round steel sieve plate with 4 mm holes      compact 1600-1800    16 cm   6.9%
 4  Dubai                   black velvet, warm light, clear bags         phone 1280-1920      20 cm  10.3%
 5  Kinshasa                grey tray, white paper, wooden desk, forms   cheap phone 800-1024 20 cm  10.3%
 6  Mumbai                  white tray, small uniform goods              phone 1200-1600      16 cm   8.6%
 7  Luanda                  grey tray, blue paper, stones in rows        compact 2048         22 cm   6.9%
 8  Freetown                white paper straight on a wooden desk        webcam 480-640       18 cm   5.2%
 9  Harare                  blue velvet                                  compact 1024-1280    20 cm   6.9%
10  Johannesburg            light box, stones in rows                    DSLR 4000            24 cm   3.4%
11  Windhoek                white tray, white paper (legacy thumbnails)  320-420              18 cm   5.2%
12  Ramat Gan               black velvet, white paper                    DSLR 2000-2400       20 cm   none
13  Moscow                  grey tray, blue paper                        compact 1600         22 cm   none
==  ======================  ==========================================  ===================  =====  =====

("share": of the originals; "view": the long side of the field of view on the table; a form
photo sees 33-34 cm, a photo of several parcels 30-60 % more, a close-up 40-60 % of it.) An
original picks its office by those shares, a day from 0 to 44 and a slot (0-39) in that day;
the certificate number is the office's base + 40 x day + slot. Surfaces, desks and paper have
fixed textures laid out in centimetres, so the same velvet looks the same every day.

Offices 12 and 13 take no originals; they only appear among the unrelated photos.

Each office keeps its props where they always are: a printed label card (authority, KP
certificate number, lot number, carats, number of stones, a bar code), a steel or plastic
ruler, tweezers, a pocket scale whose display shows the parcel's weight, an ink stamp with the
day's date. Within a day the tripod offices (0, 2, 3, 7, 9-13) frame every parcel
identically; from one day to the next the framing, the light and the props move a little.
Phone offices (1, 4, 5, 6, 8) hold the camera by hand: every photo is shifted, rotated a few
degrees and seen at a slight angle (perspective), more so in Kinshasa and Orapa.

Every office draws a landscape or portrait frame (portrait: 30 % in Orapa, 50 % Dubai, 70 %
Kinshasa, 20 % Mumbai, 85 % of form photos). Stones: rough octahedra (some with truncated
corners), rounded dodecahedra, flat triangular macles with a twin line, cleavage fragments,
cubes and boart; colourless, cape (pale yellow), yellow, light brown, brown, dark brown, grey,
boart grey, green-coated, pink and milky stones, semi-transparent according to colour,
faceted shading from the office's light, a dark internal reflection, highlights, soft shadows
(weak on velvet). Lots come in types (count, mean size): run-of-mine mixes (25-120, 3-8 mm),
gem octahedra (8-40, 5-11 mm), browns, industrial greys, macles and flats, alluvial mixes,
specials (1-4 stones of 12-25 mm), and two very uniform types: boart (150-500 stones of
1.2-2.8 mm) and melee (200-600 near-identical stones of 1.4-2.5 mm). A lot has its own colour
and shape mix drawn around its type's. Stones lie in a pile, spread out, or in rows, as the
office does it.

Photo styles (originals): plain; ``bag`` (the parcel in a clear zip bag with a write-on strip,
haze, crinkles and window reflections; 50 % in Dubai, 10 % in Orapa); ``form`` (an A4 KP
export form, with QR code, stamp and signature, fills most of the portrait frame and the stones
sit on a small paper in one corner; 50 % in Kinshasa, 15 % in Freetown); ``multi`` (2-4 parcels,
each with its own paper and label, in one photo; 15 % Antwerp, 10 % Dubai, 20 % Harare);
``closeup`` (the camera close over the stones; 5-10 % in some offices). Cameras: light
gradient and vignetting, white balance (daylight, tungsten, fluorescent, warm LED), slight
defocus, sensor noise, phone sharpening, in-camera JPEG (quality 60-96); sizes 320 to 4000 px
on the long side, landscape and portrait. The scene is drawn at most 1280 px (1120 for phones
and webcams) on its long side, then scaled to the camera's size; the photos are returned as
decoded in-camera JPEGs (RGB).

Interface
=========
``originals(seed, n)``
    n RGB photos; photo i depends only on (seed, i). The benchmark calls ``originals(1, 200)``.
``variants(image, seed)``
    Ten edited copies of one original, keyed ``"kind-params"``; a chain joins its steps with
    ``"+"`` (``"+"`` never appears inside parameters; the kind is the part of a step before its
    first ``"-"``). Deterministic in (image pixels, seed). Kinds and parameters:

    * ``crop-l0.075-t0.000-r0.000-b0.000``: fractions cut off the left, top, right, bottom side.
    * ``resize-0.47``: both sides scaled by the factor (Lanczos down, bicubic up).
    * ``jpeg-q52``: re-encoded as JPEG at that quality (4:2:0).
    * ``blur-r1.30``: Gaussian blur of that radius in pixels of the image it applies to.
    * ``recolour-bri1.08_con0.93_sat1.15_hue-6_wbr1.04_wbb0.95``: only the changed parts are
      written: brightness, contrast, saturation factors, hue shift in degrees, red and blue
      white-balance gains.

    The ten slots, parameters drawn uniformly within each:

    1. crop of one random side, 4-10 %;
    2. crop of all four sides at once, each 1-10 %, the largest 8-10 %;
    3. resize down by 0.40-0.55;
    4. resize up by 1.15-1.6 (images up to 2200 px long side), otherwise down by 0.65-0.9;
    5. jpeg quality 50-56;
    6. blur, radius 0.5-1.1 px per 1000 px of long side (at least 0.5 px), ``slight``;
    7. tonal recolour: brightness 0.85-1.18 and/or contrast 0.85-1.18 and/or white balance
       (red and blue gains 0.90-1.10);
    8. colour recolour: saturation 0.75-1.30 and/or hue -10..+10 degrees;
    9. a chain of two different kinds (crop+jpeg, resize+recolour, recolour+jpeg, crop+resize,
       blur+jpeg, crop+recolour);
    10. a chain of three (crop+resize+jpeg, recolour+crop+jpeg, resize+blur+jpeg,
        crop+recolour+resize); in chains crops cut 1-4 random sides by 1-10 % each, resizes
        are 0.45-1.3 (0.45-0.95 above 2200 px), JPEG 50-85, blur as in 6, recolours as 7 or 8.

    Should two slots draw the same key, the later one gets ``_b`` appended.

``unrelated(seed, n)``
    n photos of OTHER parcels, drawn from scratch (never from an original's pixels), that must
    not be reported as re-used. Most are hard negatives aimed at ``originals(1, 200)``: the
    i-th picks one of those 200 originals (its "target") and photographs a different parcel
    (different stones, certificate number, lot, carats) in the target's office; whatever the
    seed, the targets are the photos of ``originals(1, 200)``.
``unrelated_kind(seed, i)``
    The kind of the i-th unrelated photo. Each block of 100 consecutive photos (0-99, 100-199,
    ...) holds exactly these shares, in an order shuffled per block:

    ==================  =====  =========================================================
    kind                share  what it is
    ==================  =====  =========================================================
    same-day              28   target's office, day, style and orientation: the same
                               framing (tripods), light, ruler and scale; label card,
                               paper and tweezers put down again a few mm away; a new
                               parcel whose lot is drawn afresh (half the time of the
                               target's lot type), a nearby certificate number
    twin-lot              12   as same-day, but the same lot type, stone count (+-5 %),
                               sizes, colour and shape mix and arrangement as the target
                               (same production, other stones)
    other-day             14   target's office, another day 1-9 days away (moved props,
                               other light), a new parcel
    uniform-lot            8   a target with a uniform lot (melee, boart; else the office
                               is given one), same day, a twin uniform lot
    bag                    7   a target photographed in a bag, same day, another parcel in
                               another bag (other crinkles, the same window reflected)
    tilted-phone           6   a target from a hand-held office, same day, a new parcel,
                               new hand-held framing and a stronger angle (perspective)
    form                   6   a target in form style, same day, same form template with
                               other numbers, other stones
    multi-parcel           6   target's office and day, 2-4 new parcels in one photo
    close-up               5   target's office and day, close over a new parcel of the
                               target's lot type
    single-stone           4   target's office and day, 1-3 large special stones
    other-office           4   offices 12 and 13 (never seen among the originals)
    ==================  =====  =========================================================

Speed (2-core machine, 40 photos each): about 120 ms per original, 120 ms per unrelated photo
and 35 ms per variant; about 50 ms per photo over the benchmark's mix.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageEnhance, ImageFilter, ImageFont

__all__ = [
    "UNRELATED_SHARES",
    "VARIANT_KINDS",
    "originals",
    "unrelated",
    "unrelated_kind",
    "variants",
]

VARIANT_KINDS = ("crop", "resize", "jpeg", "blur", "recolour")
UNRELATED_SHARES: tuple[tuple[str, int], ...] = (
    ("same-day", 28),
    ("twin-lot", 12),
    ("other-day", 14),
    ("uniform-lot", 8),
    ("bag", 7),
    ("tilted-phone", 6),
    ("form", 6),
    ("multi-parcel", 6),
    ("close-up", 5),
    ("single-stone", 4),
    ("other-office", 4),
)
TARGET_SEED = 1
TARGET_COUNT = 200

_WORLD = 880_808
_T_OFFICE, _T_DAY, _T_ORIG, _T_NEG, _T_KINDS, _T_STONES, _T_PHOTO, _T_VAR, _T_TEX = range(1, 10)
_MARGIN = 0.17
_WORK_MAX = 1280
_WORK_PHONE = 1120
_WORK_MIN = 640


def _rng(*parts: int) -> np.random.Generator:
    return np.random.default_rng([_WORLD, *(int(p) & 0xFFFFFFFF for p in parts)])


def _u(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(rng.uniform(lo, hi))


def _pick(rng: np.random.Generator, weights: dict) -> str:
    keys = list(weights)
    w = np.array([weights[k] for k in keys], dtype=float)
    return keys[int(rng.choice(len(keys), p=w / w.sum()))]


@lru_cache(maxsize=128)
def _font(px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=max(5, int(px)))


# --------------------------------------------------------------------------------------------
# Stones and lots
# --------------------------------------------------------------------------------------------

_COLOURS: dict[str, tuple[tuple[int, int, int], float]] = {
    "colourless": ((226, 229, 232), 0.78),
    "cape": ((232, 222, 176), 0.84),
    "yellow": ((230, 198, 100), 0.9),
    "light-brown": ((198, 160, 116), 0.9),
    "brown": ((148, 100, 62), 0.94),
    "dark-brown": ((92, 62, 42), 0.97),
    "grey": ((152, 153, 155), 0.93),
    "boart-grey": ((72, 72, 74), 1.0),
    "green-coat": ((166, 184, 146), 0.9),
    "pink": ((228, 184, 186), 0.86),
    "milky": ((234, 233, 224), 0.93),
}
_COLOUR_NAMES = tuple(_COLOURS)
_SHAPE_NAMES = ("oct", "dodec", "macle", "frag", "cube", "boart")

# name: count range, mean size (mm), size spread (cv), colour weights, shape weights
_LOTS: dict[str, tuple] = {
    "run-of-mine": (
        (25, 120),
        (3.0, 8.0),
        (0.3, 0.5),
        {"colourless": 3, "cape": 3, "light-brown": 2, "brown": 1, "grey": 1, "yellow": 0.5, "milky": 0.5},
        {"oct": 3, "dodec": 2, "macle": 1, "frag": 3, "cube": 0.3, "boart": 0.4},
    ),
    "gem-octahedra": (
        (8, 40),
        (5.0, 11.0),
        (0.15, 0.3),
        {"colourless": 5, "cape": 3, "yellow": 1, "pink": 0.2},
        {"oct": 5, "dodec": 2, "macle": 1, "frag": 0.5},
    ),
    "browns": (
        (20, 80),
        (4.0, 9.0),
        (0.25, 0.4),
        {"brown": 4, "light-brown": 3, "dark-brown": 2, "cape": 0.5},
        {"frag": 3, "dodec": 2, "oct": 1, "macle": 0.5},
    ),
    "industrial-greys": (
        (40, 150),
        (2.5, 6.0),
        (0.3, 0.45),
        {"grey": 4, "boart-grey": 2, "brown": 1, "milky": 1},
        {"frag": 3, "boart": 2, "dodec": 1, "cube": 0.5},
    ),
    "macles-flats": (
        (15, 60),
        (5.0, 10.0),
        (0.2, 0.35),
        {"colourless": 3, "cape": 2, "light-brown": 1},
        {"macle": 5, "frag": 2, "oct": 0.5},
    ),
    "alluvial-mixed": (
        (10, 50),
        (4.0, 11.0),
        (0.3, 0.45),
        {"colourless": 2, "cape": 2, "yellow": 2, "light-brown": 2, "green-coat": 1, "pink": 0.3},
        {"dodec": 3, "oct": 2, "frag": 2, "macle": 1},
    ),
    "specials": (
        (1, 4),
        (12.0, 25.0),
        (0.15, 0.25),
        {"colourless": 3, "cape": 2, "yellow": 1, "light-brown": 1},
        {"oct": 3, "dodec": 2, "frag": 2, "macle": 1},
    ),
    "boart": (
        (150, 500),
        (1.2, 2.8),
        (0.08, 0.15),
        {"boart-grey": 4, "dark-brown": 3, "brown": 2, "grey": 1},
        {"boart": 5, "frag": 3},
    ),
    "melee": (
        (200, 600),
        (1.4, 2.5),
        (0.05, 0.1),
        {"colourless": 4, "cape": 2, "light-brown": 0.5},
        {"oct": 3, "dodec": 2, "frag": 2},
    ),
}
_UNIFORM_LOTS = ("boart", "melee")


@dataclass(frozen=True)
class _Parcel:
    lot: str
    count: int
    size_mm: float
    cv: float
    colours: tuple[float, ...]
    shapes: tuple[float, ...]
    stones: int  # seed of the stones themselves
    cert: int
    lot_no: str
    carats: float
    jitter: tuple[float, float, float]  # parcel / paper centre dx, dy (cm), paper rotation (deg)
    label: tuple[float, float, float]  # label card dx, dy (cm), rotation (deg) from its spot
    tweezers: tuple[float, float, float]
    importer: int


@dataclass(frozen=True)
class _Scene:
    office: int
    day: int
    style: str  # plain, bag, form, multi, closeup
    portrait: bool
    parcels: tuple[_Parcel, ...]
    hand: tuple[float, float, float, float]  # camera dx, dy (cm), rotation (deg), zoom
    tilt: tuple[float, float]  # perspective, horizontal and vertical
    closeup: float
    photo: tuple[int, ...]  # seed of everything that changes with each exposure


def _lot_parcel(rng: np.random.Generator, lot: str, cert: int, arrangement_ok: bool = True) -> _Parcel:
    (c_lo, c_hi), (s_lo, s_hi), (v_lo, v_hi), colours, shapes = _LOTS[lot]
    count = round(math.exp(_u(rng, math.log(c_lo), math.log(c_hi + 0.99))))
    count = max(c_lo, min(c_hi, count))
    size = _u(rng, s_lo, s_hi)
    cv = _u(rng, v_lo, v_hi)
    cw = tuple(float(colours.get(n, 0.0) * rng.gamma(2.0)) for n in _COLOUR_NAMES)
    sw = tuple(float(shapes.get(n, 0.0) * rng.gamma(2.5)) for n in _SHAPE_NAMES)
    carats = count * 0.0061 * size**3 * (1 + 3 * cv * cv) * _u(rng, 0.85, 1.15)
    return _Parcel(
        lot=lot,
        count=count,
        size_mm=size,
        cv=cv,
        colours=cw,
        shapes=sw,
        stones=int(rng.integers(1, 2**31)),
        cert=cert,
        lot_no=f"{int(rng.integers(1, 60)):02d}/{int(rng.integers(100, 999))}",
        carats=round(carats, 2),
        jitter=(_u(rng, -0.5, 0.5), _u(rng, -0.4, 0.4), _u(rng, -5, 5)),
        label=(_u(rng, -0.35, 0.35), _u(rng, -0.3, 0.3), _u(rng, -2.5, 2.5)),
        tweezers=(_u(rng, -1.0, 1.0), _u(rng, -1.0, 1.0), _u(rng, -12, 12)),
        importer=int(rng.integers(0, len(_COMPANIES))),
    )


def _twin(rng: np.random.Generator, p: _Parcel, cert: int, spread: float = 0.05) -> _Parcel:
    """Another parcel of the same production: same lot character, other stones."""
    count = max(1, round(p.count * _u(rng, 1 - spread, 1 + spread)))
    size = p.size_mm * _u(rng, 0.97, 1.03)
    fresh = _lot_parcel(rng, p.lot, cert)
    return replace(
        fresh,
        count=count,
        size_mm=size,
        cv=p.cv,
        colours=p.colours,
        shapes=p.shapes,
        carats=round(p.carats * count / p.count * _u(rng, 0.94, 1.06), 2),
    )


def _stones(p: _Parcel) -> list[list]:
    """Each stone's drawing parameters; its position (cm around the parcel centre) comes later."""
    rng = _rng(_T_STONES, p.stones)
    n = p.count
    cw = np.array(p.colours) + 1e-9
    sw = np.array(p.shapes) + 1e-9
    colour_idx = rng.choice(len(_COLOUR_NAMES), size=n, p=cw / cw.sum())
    shape_idx = rng.choice(len(_SHAPE_NAMES), size=n, p=sw / sw.sum())
    sigma = math.sqrt(math.log(1 + p.cv * p.cv))
    radii = (p.size_mm / 20.0) * rng.lognormal(-sigma * sigma / 2, sigma, size=n)
    radii = np.clip(radii, p.size_mm / 80.0, p.size_mm / 6.0).tolist()
    tint = (rng.normal(1.0, 0.02, (n, 3)) * rng.uniform(0.88, 1.08, (n, 1))).tolist()
    theta = rng.uniform(0, 2 * math.pi, n).tolist()
    elong = rng.uniform(0, 1, n).tolist()
    apex = rng.normal(0, 0.13, (n, 2)).tolist()
    hl = rng.random((n, 2)).tolist()
    pick = rng.random((n, 2)).tolist()
    vr = rng.random((n, 12)).tolist()
    va = rng.normal(0, 1, (n, 12)).tolist()
    fna = rng.normal(0, 0.07, (n, 12)).tolist()
    fraga = np.sort(rng.uniform(0, 2 * math.pi, (n, 7)), axis=1).tolist()
    stones = []
    for k in range(n):
        shape = _SHAPE_NAMES[int(shape_idx[k])]
        cname = _COLOUR_NAMES[int(colour_idx[k])]
        base, alpha = _COLOURS[cname]
        t = tint[k]
        rgb = (min(255.0, base[0] * t[0]), min(255.0, base[1] * t[1]), min(255.0, base[2] * t[2]))
        th = theta[k]
        r_, a_ = vr[k], va[k]
        if shape == "oct":
            verts = []
            trunc = pick[k][0] < 0.5
            for j in range(4):
                ang = th + j * math.pi / 2 + 0.1 * a_[j]
                rr = 0.88 + 0.22 * r_[j]
                if trunc:
                    verts += [(ang - 0.2, rr * 0.86), (ang + 0.2, rr * 0.86)]
                else:
                    verts.append((ang, rr))
            tiltdeg = 48.0
        elif shape == "dodec":
            m = 6 + int(pick[k][1] * 3)
            verts = [(th + j * 2 * math.pi / m + 0.12 * a_[j], 0.9 + 0.14 * r_[j]) for j in range(m)]
            tiltdeg = 30.0
        elif shape == "macle":
            verts = [(th + j * 2 * math.pi / 3 + 0.08 * a_[j], 1.0 + 0.18 * r_[j]) for j in range(3)]
            tiltdeg = 14.0
        elif shape == "frag":
            m = 4 + int(pick[k][1] * 4)
            verts = [(fraga[k][j] + th, 0.55 + 0.6 * r_[j]) for j in range(m)]
            tiltdeg = 25 + 25 * pick[k][0]
        elif shape == "cube":
            verts = [(th + j * math.pi / 2 + 0.06 * a_[j], 0.95 + 0.1 * r_[j]) for j in range(4)]
            tiltdeg = 18.0
        else:  # boart
            m = 9 + int(pick[k][1] * 4)
            verts = [(th + j * 2 * math.pi / m + 0.1 * a_[j], 0.8 + 0.28 * r_[j]) for j in range(m)]
            tiltdeg = 35.0
        el = 0.6 + 0.32 * elong[k] if shape == "frag" else 0.88 + 0.12 * elong[k]
        ca, sa = math.cos(th), math.sin(th)
        pts = []
        for ang, rr in verts:
            x, y = rr * math.cos(ang), rr * math.sin(ang)
            u, v = x * ca + y * sa, (-x * sa + y * ca) * el
            pts.append((u * ca - v * sa, u * sa + v * ca))
        stones.append(
            [0.0, 0.0, radii[k], shape, cname, rgb, alpha, pts, apex[k], tiltdeg, fna[k], hl[k][0], hl[k][1]]
        )
    return stones


def _arrange(stones: list, how: str, rng: np.random.Generator) -> list:
    n = len(stones)
    if n == 0:
        return stones
    radii = np.array([s[2] for s in stones])
    mean_r = float(radii.mean())
    if how == "rows":
        order = np.argsort(-radii)
        cols = max(1, math.ceil(math.sqrt(n * 1.5)))
        pitch = 2.5 * float(radii.max())
        rows = math.ceil(n / cols)
        for j, k in enumerate(order):
            r, c = divmod(j, cols)
            stones[k][0] = (c - (cols - 1) / 2) * pitch + rng.normal(0, pitch * 0.05)
            stones[k][1] = (r - (rows - 1) / 2) * pitch + rng.normal(0, pitch * 0.05)
        return stones
    if how == "pile":
        sig = math.sqrt(n) * mean_r * 0.95
        # bigger stones roll out of the pile a little
        pos = rng.normal(0, sig, (n, 2)) * np.array([1.15, 0.9])
        pos *= (0.85 + 0.35 * radii / radii.max())[:, None]
        dist = np.hypot(pos[:, 0], pos[:, 1])
        order = np.argsort(-dist)
        out = []
        for k in order:
            stones[k][0], stones[k][1] = float(pos[k, 0]), float(pos[k, 1])
            out.append(stones[k])
        return out
    # spread: uniform in an ellipse, little overlap
    area = n * (2.6 * mean_r) ** 2
    ax = math.sqrt(area / math.pi * 1.35)
    ay = ax / 1.35
    cell = 2.2 * float(radii.max())
    grid: dict[tuple[int, int], list[int]] = {}
    for k in range(n):
        r = stones[k][2]
        best = None
        tries = rng.random((8, 2)).tolist()
        for tt, qq in tries:
            t, q = tt * 2 * math.pi, math.sqrt(qq)
            x, y = ax * q * math.cos(t), ay * q * math.sin(t)
            gx, gy = int(x // cell), int(y // cell)
            ok = True
            for dx in (-1, 0, 1):
                for dy in (-1, 0, 1):
                    for j in grid.get((gx + dx, gy + dy), ()):
                        if math.hypot(stones[j][0] - x, stones[j][1] - y) < 1.05 * (r + stones[j][2]):
                            ok = False
                            break
                    if not ok:
                        break
                if not ok:
                    break
            best = (x, y, gx, gy)
            if ok:
                break
        x, y, gx, gy = best
        stones[k][0], stones[k][1] = x, y
        grid.setdefault((gx, gy), []).append(k)
    return stones


def _stones_extent(stones: list) -> float:
    if not stones:
        return 1.0
    return max(math.hypot(s[0], s[1]) + s[2] for s in stones)


def _draw_stones(
    layer: ImageDraw.ImageDraw,
    shadow: ImageDraw.ImageDraw,
    stones: list,
    to_px,
    s: float,
    light: tuple[float, float, float],
    shadow_k: float,
    origin: tuple[int, int],
    backlit: bool,
) -> None:
    lx, ly, lz = light
    ox, oy = origin
    sdx, sdy = -lx, -ly
    for st in stones:
        x, y, r_cm, shape, _cname, rgb, alpha, pts, apex, tiltdeg, fn, h1, h2 = st
        cx, cy = to_px(x, y)
        cx -= ox
        cy -= oy
        r = r_cm * s
        if cx < -3 * r - 20 or cy < -3 * r - 20:
            continue
        poly = [(cx + px * r, cy + py * r) for px, py in pts]
        # shadow (half-resolution mask)
        off = 0.45 * r
        shadow.polygon(
            [((px + sdx * off + ox) / 2, (py + sdy * off + oy) / 2) for px, py in poly],
            fill=int(200 * shadow_k),
        )
        a8 = int(255 * alpha)
        if backlit:
            rim = (rgb[0] * 0.25, rgb[1] * 0.25, rgb[2] * 0.25)
        else:
            rim = (rgb[0] * 0.45, rgb[1] * 0.45, rgb[2] * 0.45)
        layer.polygon(poly, fill=(int(rim[0]), int(rim[1]), int(rim[2]), min(255, a8 + 30)))
        if r < 2.2:
            if h1 < 0.5:
                layer.point((cx - lx * r * 0.4, cy - ly * r * 0.4), fill=(255, 255, 250, 200))
            else:
                c = tuple(int(v * 0.95) for v in rgb)
                layer.point((cx, cy), fill=(*c, a8))
            continue
        ax, ay = cx + apex[0] * r, cy + apex[1] * r
        rimw = max(0.7, min(r * 0.09, 1.2 + r * 0.025))
        shrink = [(ax + (px - ax) * (1 - rimw / r), ay + (py - ay) * (1 - rimw / r)) for px, py in poly]
        st_t = math.sin(math.radians(tiltdeg))
        ct_t = math.cos(math.radians(tiltdeg))
        m = len(shrink)
        best, best_i = -1.0, 0
        translucent = alpha < 0.88
        for j in range(m):
            p0, p1 = shrink[j], shrink[(j + 1) % m]
            mx, my = (p0[0] + p1[0]) / 2 - ax, (p0[1] + p1[1]) / 2 - ay
            d = math.hypot(mx, my) or 1.0
            nx, ny, nz = mx / d * st_t, my / d * st_t, ct_t
            dot = nx * lx + ny * ly + nz * lz
            inten = 0.52 + 0.6 * max(0.0, dot) + fn[j]
            if translucent and dot < 0.3:
                # light that went through the stone comes out on the far side
                inten += 0.25 * (0.3 - dot)
            if shape == "boart":
                inten = 0.6 + 0.35 * max(0.0, dot) + fn[j]
            if dot > best:
                best, best_i = dot, j
            col = (
                int(min(255, rgb[0] * inten)),
                int(min(255, rgb[1] * inten)),
                int(min(255, rgb[2] * inten)),
                a8,
            )
            layer.polygon([(ax, ay), p0, p1], fill=col)
            if r > 12:
                # large stones: a stepped facet (growth layers), its outer half lit differently
                f2 = 1.0 + 0.9 * fn[(j + 5) % len(fn)]
                q0 = (ax + (p0[0] - ax) * 0.55, ay + (p0[1] - ay) * 0.55)
                q1 = (ax + (p1[0] - ax) * 0.55, ay + (p1[1] - ay) * 0.55)
                col2 = (
                    int(min(255, col[0] * f2)),
                    int(min(255, col[1] * f2)),
                    int(min(255, col[2] * f2)),
                    a8,
                )
                layer.polygon([q0, p0, p1, q1], fill=col2)
                layer.line(
                    [q0, q1], fill=(int(col[0] * 0.8), int(col[1] * 0.8), int(col[2] * 0.8), a8), width=1
                )
        if translucent and r > 4:
            # a dark internal reflection on the side away from the light
            qx, qy = ax - lx * r * 0.3, ay - ly * r * 0.3
            sc_ = 0.25 + 0.15 * h2
            layer.polygon(
                [(qx + (px - ax) * sc_, qy + (py - ay) * sc_) for px, py in shrink],
                fill=(int(rgb[0] * 0.72), int(rgb[1] * 0.72), int(rgb[2] * 0.75), int(a8 * 0.45)),
            )
        if shape == "macle" and r > 4:
            p0, p1 = shrink[0], shrink[1]
            layer.line(
                [(ax, ay), ((p0[0] + p1[0]) / 2, (p0[1] + p1[1]) / 2)],
                fill=(int(rgb[0] * 0.6), int(rgb[1] * 0.6), int(rgb[2] * 0.6), a8),
                width=1,
            )
        if shape == "boart" and r > 3:
            for q in range(3):
                ang = h1 * 6.283 + q * 2.1
                px, py = cx + math.cos(ang) * r * 0.45 * h2, cy + math.sin(ang) * r * 0.45
                layer.point((px, py), fill=(20, 20, 20, 255))
        # highlights on the facet facing the light
        p0, p1 = shrink[best_i], shrink[(best_i + 1) % m]
        hx = ax * 0.4 + (p0[0] + p1[0]) * 0.3
        hy = ay * 0.4 + (p0[1] + p1[1]) * 0.3
        hr = max(0.6, r * (0.07 + 0.08 * h1))
        hi = 235 if shape != "boart" else 150
        layer.ellipse([hx - hr, hy - hr * 0.7, hx + hr, hy + hr * 0.7], fill=(255, 255, 250, hi))
        if h2 > 0.55 and r > 5:
            q = int(h2 * 97) % m
            p0, p1 = shrink[q], shrink[(q + 1) % m]
            hx = ax * 0.3 + (p0[0] + p1[0]) * 0.35
            hy = ay * 0.3 + (p0[1] + p1[1]) * 0.35
            hr2 = hr * 0.55
            layer.ellipse([hx - hr2, hy - hr2, hx + hr2, hy + hr2], fill=(255, 255, 255, 190))


# --------------------------------------------------------------------------------------------
# Offices
# --------------------------------------------------------------------------------------------

_COMPANIES = (
    "Kalahari Rough (Pty) Ltd",
    "Okavango Diamond Co.",
    "Scheldt Rough BVBA",
    "Hoveniers Trading NV",
    "Jumeirah Gems DMCC",
    "Kasai Minerals SPRL",
    "Tshikapa Export SARL",
    "Surat Rough Pvt Ltd",
    "Bharat Diamond Traders",
    "Cuango Mining Lda",
    "Kono Alluvial Ltd",
    "Marange Sales (Pvt)",
    "Vaal River Diggers",
    "Oranjemund Sales",
    "Ramat Rough Ltd",
    "Ural Rough JSC",
)


@dataclass(frozen=True)
class _Office:
    city: str
    code: str
    authority: str
    surface: str  # velvet-black, velvet-blue, tray-grey, tray-white, sieve, lightbox, desk
    surface_cm: tuple[float, float]
    paper: str | None  # white, blue
    desk: str  # grey, wood, white, dark
    fov: float  # long side of the field of view, cm
    form_fov: float
    camera: str  # dslr, phone, compact, webcam, legacy
    long_px: tuple[int, int]
    aspect: float
    portrait: float
    jpeg: tuple[int, int]
    noise: float
    sharpen: float
    hand: float  # 0 tripod .. 1 hand-held
    tilt: float  # largest perspective
    wb: tuple[float, float, float]
    light_az: float
    props: tuple[str, ...]
    arrangement: str
    lots: dict
    styles: dict
    weight: float
    cert_base: int


_OFFICES: tuple[_Office, ...] = (
    _Office(
        "Gaborone",
        "BW",
        "DIAMOND HUB GABORONE",
        "tray-white",
        (40, 30),
        "white",
        "grey",
        22,
        34,
        "dslr",
        (2600, 3000),
        1.5,
        0.0,
        (90, 95),
        1.4,
        0.0,
        0.0,
        0.0,
        (1.0, 1.0, 1.0),
        135,
        ("label", "ruler", "tweezers"),
        "pile",
        {"run-of-mine": 3, "gem-octahedra": 2, "browns": 1, "specials": 0.4, "melee": 0.6},
        {"closeup": 0.05},
        16,
        40_000,
    ),
    _Office(
        "Orapa",
        "BW",
        "KP OFFICE ORAPA",
        "velvet-black",
        (30, 22),
        None,
        "dark",
        18,
        34,
        "phone",
        (1600, 2016),
        4 / 3,
        0.3,
        (82, 92),
        3.0,
        1.0,
        1.0,
        0.14,
        (1.05, 1.0, 0.92),
        110,
        ("label", "tweezers"),
        "spread",
        {"run-of-mine": 2, "industrial-greys": 1, "macles-flats": 1, "boart": 0.5},
        {"bag": 0.1, "closeup": 0.1},
        12,
        52_000,
    ),
    _Office(
        "Antwerp",
        "BE",
        "DIAMOND OFFICE ANTWERP",
        "lightbox",
        (50, 40),
        "blue",
        "white",
        24,
        34,
        "dslr",
        (2400, 2400),
        1.5,
        0.0,
        (88, 94),
        1.2,
        0.0,
        0.0,
        0.0,
        (0.95, 1.0, 1.06),
        90,
        ("label", "scale", "stamp"),
        "spread",
        {"gem-octahedra": 2, "run-of-mine": 2, "macles-flats": 1, "melee": 1},
        {"multi": 0.15},
        14,
        310_000,
    ),
    _Office(
        "Antwerp",
        "BE",
        "DIAMOND OFFICE ANTWERP - SIEVES",
        "sieve",
        (24, 24),
        None,
        "grey",
        16,
        34,
        "compact",
        (1600, 1800),
        4 / 3,
        0.0,
        (85, 92),
        2.0,
        0.5,
        0.1,
        0.0,
        (0.97, 1.0, 1.03),
        60,
        ("label", "tweezers"),
        "spread",
        {"melee": 3, "boart": 1, "run-of-mine": 0.5},
        {},
        8,
        330_000,
    ),
    _Office(
        "Dubai",
        "AE",
        "KP OFFICE DUBAI",
        "velvet-black",
        (35, 25),
        None,
        "dark",
        20,
        34,
        "phone",
        (1280, 1920),
        4 / 3,
        0.5,
        (80, 92),
        3.5,
        1.0,
        0.8,
        0.1,
        (1.1, 1.0, 0.85),
        200,
        ("label",),
        "pile",
        {"run-of-mine": 2, "browns": 2, "industrial-greys": 1, "boart": 0.5},
        {"bag": 0.5, "multi": 0.1},
        12,
        700_000,
    ),
    _Office(
        "Kinshasa",
        "CD",
        "CEEC KINSHASA",
        "tray-grey",
        (35, 25),
        "white",
        "wood",
        20,
        34,
        "phone",
        (800, 1024),
        4 / 3,
        0.7,
        (60, 80),
        5.0,
        1.5,
        1.0,
        0.16,
        (1.15, 1.0, 0.75),
        160,
        ("label", "stamp"),
        "pile",
        {"industrial-greys": 2, "alluvial-mixed": 2, "boart": 1, "browns": 1},
        {"form": 0.5},
        12,
        120_000,
    ),
    _Office(
        "Mumbai",
        "IN",
        "KP CELL MUMBAI",
        "tray-white",
        (30, 22),
        None,
        "grey",
        16,
        34,
        "phone",
        (1200, 1600),
        4 / 3,
        0.2,
        (75, 90),
        3.0,
        1.0,
        0.6,
        0.06,
        (0.95, 1.04, 0.98),
        45,
        ("label", "tweezers", "scale"),
        "spread",
        {"boart": 2, "melee": 2, "browns": 1},
        {"closeup": 0.1},
        10,
        900_000,
    ),
    _Office(
        "Luanda",
        "AO",
        "KP EXPORT LUANDA",
        "tray-grey",
        (40, 30),
        "blue",
        "dark",
        22,
        34,
        "compact",
        (2048, 2048),
        4 / 3,
        0.0,
        (85, 92),
        2.0,
        0.4,
        0.15,
        0.0,
        (1.02, 1.0, 0.96),
        120,
        ("label", "ruler", "scale"),
        "rows",
        {"gem-octahedra": 2, "specials": 1, "alluvial-mixed": 1},
        {},
        8,
        200_000,
    ),
    _Office(
        "Freetown",
        "SL",
        "GOLD & DIAMOND OFFICE FREETOWN",
        "desk",
        (0, 0),
        "white",
        "wood",
        18,
        33,
        "webcam",
        (480, 640),
        4 / 3,
        0.0,
        (65, 80),
        5.0,
        0.0,
        0.4,
        0.08,
        (1.08, 1.0, 0.85),
        70,
        ("label",),
        "pile",
        {"alluvial-mixed": 3, "specials": 1},
        {"form": 0.15},
        6,
        15_000,
    ),
    _Office(
        "Harare",
        "ZW",
        "KP OFFICE HARARE",
        "velvet-blue",
        (30, 25),
        None,
        "grey",
        20,
        34,
        "compact",
        (1024, 1280),
        4 / 3,
        0.0,
        (80, 90),
        2.5,
        0.5,
        0.1,
        0.0,
        (1.0, 1.02, 1.0),
        150,
        ("label", "stamp", "ruler"),
        "pile",
        {"run-of-mine": 2, "industrial-greys": 2, "boart": 1},
        {"multi": 0.2},
        8,
        60_000,
    ),
    _Office(
        "Johannesburg",
        "ZA",
        "DIAMOND REGULATOR JOHANNESBURG",
        "lightbox",
        (45, 35),
        None,
        "white",
        24,
        34,
        "dslr",
        (4000, 4000),
        1.5,
        0.0,
        (92, 96),
        1.0,
        0.0,
        0.0,
        0.0,
        (1.0, 1.0, 1.02),
        100,
        ("label", "ruler"),
        "rows",
        {"gem-octahedra": 2, "specials": 1, "macles-flats": 1},
        {},
        4,
        500_000,
    ),
    _Office(
        "Windhoek",
        "NA",
        "DIAMOND OFFICE WINDHOEK",
        "tray-white",
        (30, 24),
        "white",
        "grey",
        18,
        34,
        "legacy",
        (320, 420),
        4 / 3,
        0.0,
        (70, 85),
        1.5,
        0.0,
        0.1,
        0.0,
        (1.0, 1.0, 0.97),
        130,
        ("label",),
        "pile",
        {"gem-octahedra": 2, "run-of-mine": 1},
        {},
        6,
        80_000,
    ),
    _Office(
        "Ramat Gan",
        "IL",
        "KP OFFICE RAMAT GAN",
        "velvet-black",
        (30, 24),
        "white",
        "dark",
        20,
        34,
        "dslr",
        (2000, 2400),
        1.5,
        0.0,
        (88, 94),
        1.5,
        0.0,
        0.0,
        0.0,
        (1.0, 1.0, 1.0),
        140,
        ("label", "tweezers"),
        "pile",
        {"gem-octahedra": 2, "run-of-mine": 2, "melee": 1},
        {},
        0,
        90_000,
    ),
    _Office(
        "Moscow",
        "RU",
        "KP EXPORT MOSCOW",
        "tray-grey",
        (40, 30),
        "blue",
        "grey",
        22,
        34,
        "compact",
        (1600, 1600),
        4 / 3,
        0.0,
        (85, 92),
        2.0,
        0.5,
        0.1,
        0.0,
        (0.97, 1.0, 1.04),
        100,
        ("label", "scale", "ruler"),
        "spread",
        {"gem-octahedra": 2, "run-of-mine": 2, "boart": 1},
        {},
        0,
        400_000,
    ),
)
_ORIGINAL_OFFICES = {i: o.weight for i, o in enumerate(_OFFICES) if o.weight > 0}


@lru_cache(maxsize=32)
def _layout(o: int) -> dict:
    """Where an office keeps its things (cm, relative to the centre of its set-up)."""
    off = _OFFICES[o]
    rng = _rng(_T_OFFICE, o)
    fw = off.fov
    fh = off.fov / off.aspect
    if off.portrait > 0.5:
        fw, fh = fh, fw
    side = 1 if rng.random() < 0.5 else -1
    top = 1 if rng.random() < 0.6 else -1
    lay = {
        "label": (side * -0.3 * fw, top * -0.28 * fh, _u(rng, -4, 4)),
        "label_size": (_u(rng, 5.5, 7.5), _u(rng, 3.4, 4.5)),
        "label_colour": [(250, 250, 246), (252, 246, 214), (246, 250, 252), (255, 255, 255)][
            int(rng.integers(0, 4))
        ],
        "label_band": [(30, 70, 140), (150, 30, 40), (20, 110, 70), (40, 40, 40)][int(rng.integers(0, 4))],
        "ruler": (0.0, top * 0.42 * fh, _u(rng, -2, 2)),
        "ruler_style": int(rng.integers(0, 3)),
        "ruler_len": [15, 20, 30][int(rng.integers(0, 3))],
        "scale": (side * 0.34 * fw, top * 0.06 * fh, _u(rng, -5, 5)),
        "tweezers": (side * -0.28 * fw, top * 0.26 * fh, (-30 if side * top > 0 else 30) + _u(rng, -10, 10)),
        "pile": (side * 0.06 * fw if "scale" in off.props else 0.0, top * 0.04 * fh),
        "stamp_colour": [(110, 50, 150), (40, 60, 160), (160, 40, 60)][int(rng.integers(0, 3))],
        "light_el": _u(rng, 45, 70),
        "grad": (_u(rng, -0.25, 0.25), _u(rng, -0.25, 0.25)),
        "vignette": {"dslr": 0.12, "phone": 0.3, "compact": 0.2, "webcam": 0.45, "legacy": 0.25}[off.camera],
        "defocus": {"dslr": 0.35, "phone": 0.55, "compact": 0.5, "webcam": 0.9, "legacy": 0.5}[off.camera],
        "paper_size": (_u(rng, 13, 17), _u(rng, 10, 12.5)),
        "form_logo": [(30, 90, 50), (160, 120, 30), (30, 60, 130)][int(rng.integers(0, 3))],
        "form_rows": int(rng.integers(8, 12)),
    }
    if off.surface in ("lightbox",):
        lay["grad"] = (lay["grad"][0] * 0.3, lay["grad"][1] * 0.3)
    return lay


@lru_cache(maxsize=512)
def _day(o: int, day: int) -> dict:
    """What changes from one day to the next in an office."""
    off = _OFFICES[o]
    rng = _rng(_T_DAY, o, day)
    k = 0.4 + 0.6 * off.hand
    lo, hi = off.long_px
    long_px = int(rng.integers(lo, hi + 1)) if hi > lo else lo
    d = {
        "cam": (
            rng.normal(0, 0.3 * k),
            rng.normal(0, 0.3 * k),
            rng.normal(0, 0.5 * k),
            1 + rng.normal(0, 0.015 * k),
        ),
        "long_px": long_px - long_px % 8,
        "exposure": _u(rng, 0.94, 1.08),
        "wb": tuple(float(w * rng.normal(1, 0.02)) for w in off.wb),
        "light_az": off.light_az + rng.normal(0, 8),
        "grad": (rng.normal(0, 0.05), rng.normal(0, 0.05)),
        "label": (rng.normal(0, 0.5), rng.normal(0, 0.4), rng.normal(0, 2)),
        "ruler": (rng.normal(0, 0.6), rng.normal(0, 0.3), rng.normal(0, 1.0)),
        "scale": (rng.normal(0, 0.5), rng.normal(0, 0.5), rng.normal(0, 2)),
        "tweezers": (rng.normal(0, 0.8), rng.normal(0, 0.8), rng.normal(0, 8)),
        "pile": (rng.normal(0, 0.4), rng.normal(0, 0.3)),
        "form": (rng.normal(0, 0.6), rng.normal(0, 0.6), rng.normal(0, 1.5)),
        "reflection": (_u(rng, 0.15, 0.85), _u(rng, 0.1, 0.5), _u(rng, -60, 60)),
        "date": f"{(day % 28) + 1:02d}.{(day // 28) % 12 + 3:02d}.2025",
        "jpeg": int(rng.integers(off.jpeg[0], off.jpeg[1] + 1)),
    }
    return d


# --------------------------------------------------------------------------------------------
# Textures (fixed per office, in cm, so the same velvet looks the same every day)
# --------------------------------------------------------------------------------------------

_TEX_CM = 64.0
_TEX_PX = 768


def _noise_img(rng: np.random.Generator, size: int, octaves) -> np.ndarray:
    acc = np.zeros((size, size), np.float32)
    for cells, amp in octaves:
        g = rng.standard_normal((cells, cells)).astype(np.float32)
        im = Image.fromarray(g, mode="F").resize((size, size), Image.BICUBIC)
        acc += amp * np.asarray(im)
    return acc


@lru_cache(maxsize=64)
def _texture(kind: str, key: int) -> Image.Image:
    """An L image (128 = base colour) covering _TEX_CM x _TEX_CM cm."""
    rng = _rng(_T_TEX, key, sum(ord(c) * (i + 1) for i, c in enumerate(kind)))
    n = _TEX_PX
    if kind == "wood":
        y = np.linspace(0, 1, n, dtype=np.float32)[:, None]
        warp = _noise_img(rng, n, ((6, 1.0), (24, 0.3)))
        grain = (
            np.sin((y * 90 + warp * 0.6) * 2 * np.pi) * 0.5 + np.sin((y * 23 + warp * 0.3) * 2 * np.pi) * 0.5
        )
        fine = rng.standard_normal((n, n)).astype(np.float32)
        t = 128 + 14 * grain + 6 * warp + 3 * fine
    elif kind.startswith("velvet"):
        t = (
            128
            + 16 * _noise_img(rng, n, ((8, 0.5), (32, 0.3)))
            + 12 * rng.standard_normal((n, n)).astype(np.float32)
        )
    elif kind == "paper":
        t = (
            128
            + 3 * _noise_img(rng, n, ((16, 0.6), (96, 0.6)))
            + 2.5 * rng.standard_normal((n, n)).astype(np.float32)
        )
    elif kind == "sieve":
        streak = (
            _noise_img(rng, n, ((4, 0.3),))
            + np.repeat(rng.standard_normal((1, n)).astype(np.float32), n, 0) * 0.6
        )
        t = 128 + 8 * streak + 3 * rng.standard_normal((n, n)).astype(np.float32)
    else:  # trays, desks, light boxes
        t = (
            128
            + 5 * _noise_img(rng, n, ((4, 0.8), (16, 0.4), (64, 0.3)))
            + 2 * rng.standard_normal((n, n)).astype(np.float32)
        )
        if kind.startswith("tray"):
            # a few fine scratches
            img = Image.fromarray(np.clip(t, 0, 255).astype(np.uint8), "L")
            d = ImageDraw.Draw(img)
            for _ in range(int(rng.integers(6, 16))):
                x0, y0 = rng.uniform(0, n, 2)
                ang = _u(rng, 0, math.pi)
                ln = _u(rng, 10, 80)
                d.line(
                    [(x0, y0), (x0 + ln * math.cos(ang), y0 + ln * math.sin(ang))],
                    fill=int(rng.choice([110, 150])),
                    width=1,
                )
            return img
    return Image.fromarray(np.clip(t, 0, 255).astype(np.uint8), "L")


_SURFACE_RGB = {
    "velvet-black": (26, 25, 29),
    "velvet-blue": (24, 36, 84),
    "tray-grey": (138, 140, 143),
    "tray-white": (230, 230, 227),
    "sieve": (172, 173, 176),
    "lightbox": (250, 250, 251),
}
_DESK_RGB = {"grey": (150, 148, 142), "wood": (140, 96, 60), "white": (226, 226, 222), "dark": (52, 48, 46)}
_PAPER_RGB = {"white": (246, 246, 243), "blue": (196, 214, 236)}


def _tinted(tex: Image.Image, rgb: tuple[int, int, int], amp: float) -> Image.Image:
    luts = []
    for c in rgb:
        luts += [
            int(min(255, max(0, c * (1 + amp * (i - 128) / 128) + amp * 20 * (i - 128) / 128)))
            for i in range(256)
        ]
    return Image.merge("RGB", (tex, tex, tex)).point(luts)


def _tex_region(
    tex: Image.Image,
    x0: float,
    y0: float,
    x1: float,
    y1: float,
    size: tuple[int, int],
    shift: tuple[float, float] = (0.0, 0.0),
) -> Image.Image:
    k = _TEX_PX / _TEX_CM
    h = _TEX_CM / 2
    box = ((x0 + h + shift[0]) * k, (y0 + h + shift[1]) * k, (x1 + h + shift[0]) * k, (y1 + h + shift[1]) * k)
    box = (max(0.0, box[0]), max(0.0, box[1]), min(_TEX_PX, box[2]), min(_TEX_PX, box[3]))
    return tex.resize(size, Image.BILINEAR, box=box)


# --------------------------------------------------------------------------------------------
# Props
# --------------------------------------------------------------------------------------------


def _text(d: ImageDraw.ImageDraw, xy, txt: str, px: float, fill, bold: bool = False) -> None:
    f = _font(round(px))
    d.text(xy, txt, font=f, fill=fill)
    if bold:
        d.text((xy[0] + max(1, px / 14), xy[1]), txt, font=f, fill=fill)


def _barcode(d: ImageDraw.ImageDraw, x0: float, y0: float, w: float, h: float, number: int) -> None:
    bits = []
    v = number * 2654435761 % (2**32)
    for _ in range(40):
        bits.append(v & 3)
        v = (v * 1103515245 + 12345) % (2**31)
    total = sum(b + 1 for b in bits) * 2
    unit = w / total
    x = x0
    for j, b in enumerate(bits):
        bw = (b + 1) * unit
        if j % 2 == 0:
            d.rectangle([x, y0, max(x, x + bw - 0.3), y0 + h], fill=(20, 20, 20, 255))
        x += bw * 2 if j % 2 else bw


def _qr(number: int, px: int) -> Image.Image:
    rng = _rng(_T_PHOTO, 7, number)
    m = rng.random((25, 25)) < 0.5
    for cx, cy in ((0, 0), (18, 0), (0, 18)):
        m[cy : cy + 7, cx : cx + 7] = True
        m[cy + 1 : cy + 6, cx + 1 : cx + 6] = False
        m[cy + 2 : cy + 5, cx + 2 : cx + 5] = True
    a = np.where(m, 20, 250).astype(np.uint8)
    a = np.pad(a, 2, constant_values=250)
    return Image.fromarray(a, "L").resize((px, px), Image.NEAREST).convert("RGBA")


def _label_item(
    off: _Office, lay: dict, p: _Parcel, s: float, date: str, stamp: bool, small: bool = False
) -> Image.Image:
    wcm, hcm = lay["label_size"]
    if small:
        wcm, hcm = wcm * 0.65, hcm * 0.65
    w, h = max(8, int(wcm * s)), max(6, int(hcm * s))
    img = Image.new("RGBA", (w, h), (*lay["label_colour"], 255))
    d = ImageDraw.Draw(img)
    band = h * 0.2
    d.rectangle([0, 0, w, band], fill=(*lay["label_band"], 255))
    fs = h * 0.13
    _text(d, (w * 0.04, band * 0.15), off.authority, fs * 0.9, (255, 255, 255, 255))
    lines = [
        (f"KP {off.code} {p.cert:07d}", True),
        (f"Lot {p.lot_no}    {p.count} stones", False),
        (f"{p.carats:,.2f} ct", True),
    ]
    y = band + h * 0.04
    for txt, bold in lines:
        _text(d, (w * 0.05, y), txt, fs, (15, 15, 20, 255), bold)
        y += fs * 1.3
    _barcode(d, w * 0.05, h * 0.8, w * 0.55, h * 0.14, p.cert)
    d.rectangle([0, 0, w - 1, h - 1], outline=(170, 170, 165, 255), width=1)
    if stamp:
        col = lay["stamp_colour"]
        r = h * 0.3
        cx, cy = w * 0.8, h * 0.66
        ov = Image.new("RGBA", (w, h), (0, 0, 0, 0))
        od = ImageDraw.Draw(ov)
        od.ellipse([cx - r, cy - r, cx + r, cy + r], outline=(*col, 170), width=max(1, int(r * 0.1)))
        od.ellipse(
            [cx - r * 0.72, cy - r * 0.72, cx + r * 0.72, cy + r * 0.72],
            outline=(*col, 150),
            width=max(1, int(r * 0.05)),
        )
        _text(od, (cx - r * 0.55, cy - r * 0.2), date, r * 0.26, (*col, 180))
        img = Image.alpha_composite(img, ov)
    return img


def _ruler_item(lay: dict, s: float) -> Image.Image:
    length = lay["ruler_len"]
    style = lay["ruler_style"]
    w, h = int((length + 1.2) * s), max(4, int(2.8 * s))
    base = [(200, 202, 205), (240, 240, 232), (236, 206, 70)][style]
    img = Image.new("RGBA", (w, h), (*base, 255))
    d = ImageDraw.Draw(img)
    if style == 0:
        d.line([(0, h * 0.5), (w, h * 0.5)], fill=(225, 227, 230, 255), width=max(1, int(h * 0.15)))
    x0 = 0.6 * s
    step = 1 if s >= 28 else (5 if s >= 8 else 10)
    for mm in range(0, length * 10 + 1, step):
        x = x0 + mm * s / 10
        tl = 0.55 if mm % 10 == 0 else (0.4 if mm % 5 == 0 else 0.25)
        d.line([(x, 0), (x, tl * s)], fill=(25, 25, 25, 255), width=1)
        if mm % 10 == 0 and s >= 14:
            _text(d, (x + 0.05 * s, 0.6 * s), str(mm // 10), 0.32 * s, (25, 25, 25, 255))
    d.rectangle([0, 0, w - 1, h - 1], outline=(120, 120, 120, 255), width=1)
    return img


def _tweezers_item(s: float) -> Image.Image:
    w, h = int(15 * s), max(4, int(1.2 * s))
    img = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    cy = h / 2
    for sign in (-1, 1):
        arm = [
            (0, cy + sign * 0.05 * s),
            (0, cy + sign * 0.45 * s),
            (w * 0.7, cy + sign * 0.3 * s),
            (w, cy + sign * 0.03 * s),
        ]
        d.polygon(arm, fill=(168, 170, 174, 255))
        d.line(
            [(w * 0.05, cy + sign * 0.3 * s), (w * 0.7, cy + sign * 0.2 * s)],
            fill=(222, 224, 228, 255),
            width=max(1, int(0.08 * s)),
        )
    return img


def _scale_item(p: _Parcel, s: float) -> Image.Image:
    s = s * 0.8
    w, h = int(8 * s), int(11 * s)
    img = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle([0, 0, w - 1, h - 1], radius=0.6 * s, fill=(58, 60, 64, 255))
    r = 3.4 * s
    d.ellipse(
        [w / 2 - r, 0.4 * s, w / 2 + r, 0.4 * s + 2 * r],
        fill=(196, 198, 202, 255),
        outline=(120, 120, 125, 255),
    )
    d.rectangle([0.8 * s, 8.0 * s, w - 0.8 * s, 9.6 * s], fill=(178, 194, 170, 255))
    txt = f"{p.carats:8.2f} ct" if p.carats < 100_000 else f"{p.carats:,.0f}"
    _text(d, (1.0 * s, 8.15 * s), txt, 1.1 * s, (25, 30, 25, 255))
    for j in range(3):
        bx = (1.5 + j * 2.5) * s
        d.ellipse([bx - 0.35 * s, 10.1 * s, bx + 0.35 * s, 10.8 * s], fill=(120, 120, 126, 255))
    return img


def _form_item(off: _Office, lay: dict, p: _Parcel, s: float, date: str) -> Image.Image:
    w, h = int(21 * s), int(29.7 * s)
    img = Image.new("RGBA", (w, h), (250, 250, 246, 255))
    d = ImageDraw.Draw(img)
    fs = 0.42 * s
    col = lay["form_logo"]
    d.ellipse([1.2 * s, 1.0 * s, 3.6 * s, 3.4 * s], outline=(*col, 255), width=max(1, int(0.15 * s)))
    d.polygon(
        [(2.4 * s, 1.5 * s), (3.0 * s, 2.3 * s), (2.4 * s, 3.0 * s), (1.8 * s, 2.3 * s)], fill=(*col, 255)
    )
    _text(d, (4.2 * s, 1.1 * s), "KIMBERLEY PROCESS CERTIFICATE", fs * 1.5, (20, 20, 25, 255), True)
    _text(d, (4.2 * s, 2.2 * s), off.authority + " - EXPORT OF ROUGH DIAMONDS", fs * 0.95, (60, 60, 70, 255))
    img.paste(_qr(p.cert, int(3.2 * s)), (int(16.6 * s), int(0.8 * s)))
    fields = [
        ("Certificate No.", f"{off.code} {p.cert:07d}"),
        ("Country of origin", off.code if p.lot != "alluvial-mixed" else f"{off.code} / mixed"),
        ("Exporter", _COMPANIES[(p.cert * 7) % len(_COMPANIES)]),
        ("Importer", _COMPANIES[p.importer]),
        ("HS code", ["7102.10", "7102.21", "7102.31"][p.cert % 3]),
        ("Number of parcels", "1"),
        ("Carats", f"{p.carats:,.2f}"),
        ("Value (USD)", f"{p.carats * (37 + p.cert % 410):,.2f}"),
        ("Lot", p.lot_no),
        ("Date of issue", date),
        ("Date of expiry", date[:6] + "2025 + 60 d"),
        ("Stones", str(p.count)),
    ][: lay["form_rows"]]
    y = 4.6 * s
    rh = 1.15 * s
    d.rectangle(
        [1.2 * s, y, w - 1.2 * s, y + rh * len(fields)],
        outline=(80, 80, 80, 255),
        width=max(1, int(0.04 * s)),
    )
    for j, (k, v) in enumerate(fields):
        yy = y + j * rh
        d.line([(1.2 * s, yy), (w - 1.2 * s, yy)], fill=(110, 110, 110, 255), width=1)
        _text(d, (1.5 * s, yy + 0.3 * s), k, fs * 0.9, (90, 90, 95, 255))
        _text(d, (7.6 * s, yy + 0.25 * s), v, fs * 1.05, (10, 10, 15, 255))
    d.line([(7.2 * s, y), (7.2 * s, y + rh * len(fields))], fill=(110, 110, 110, 255), width=1)
    y2 = y + rh * len(fields) + 1.0 * s
    _text(
        d,
        (1.3 * s, y2),
        "Declaration: the rough diamonds herein have been handled in accordance",
        fs * 0.8,
        (60, 60, 60, 255),
    )
    _text(
        d,
        (1.3 * s, y2 + 0.6 * s),
        "with the provisions of the Kimberley Process Certification Scheme.",
        fs * 0.8,
        (60, 60, 60, 255),
    )
    # signature and stamp
    rng = _rng(_T_PHOTO, 11, p.cert)
    pts = []
    x = 2.0 * s
    for _ in range(14):
        x += _u(rng, 0.15, 0.45) * s
        pts.append((x, (y2 + 2.8 * s) + rng.normal(0, 0.35) * s))
    d.line(pts, fill=(30, 40, 140, 230), width=max(1, int(0.06 * s)))
    scol = lay["stamp_colour"]
    cx, cy, r = 7.5 * s, y2 + 3.0 * s, 1.6 * s
    d.ellipse([cx - r, cy - r, cx + r, cy + r], outline=(*scol, 170), width=max(1, int(0.1 * s)))
    d.ellipse([cx - r * 0.7, cy - r * 0.7, cx + r * 0.7, cy + r * 0.7], outline=(*scol, 150), width=1)
    _text(d, (cx - r * 0.55, cy - r * 0.15), date, r * 0.26, (*scol, 190))
    return img


def _clear(x: float, y: float, w: float, h: float, angle: float, piles: list) -> tuple[float, float]:
    """Move a w x h cm prop (centre x, y, turned by angle degrees) until it leaves every pile alone."""
    a = math.radians(angle)
    ca, sa = math.cos(a), math.sin(a)
    for _ in range(40):
        moved = False
        for px, py, r in piles:
            dx, dy = px - x, py - y
            u, v = dx * ca - dy * sa, dx * sa + dy * ca
            ou, ov = max(abs(u) - w / 2, 0.0), max(abs(v) - h / 2, 0.0)
            if math.hypot(ou, ov) < r:
                d = math.hypot(x - px, y - py) or 1.0
                x += (x - px) / d * 0.5
                y += (y - py) / d * 0.5
                moved = True
        if not moved:
            break
    return x, y


def _place(
    canvas: Image.Image,
    mask: Image.Image,
    item: Image.Image,
    cxy: tuple[float, float],
    angle: float,
    shadow_vec: tuple[float, float],
    shadow: int,
    deferred: list,
) -> None:
    """Queue a prop for pasting (after shadows are applied) and put its shadow in the mask."""
    rot = item.rotate(angle, resample=Image.BILINEAR, expand=True) if abs(angle) > 0.05 else item
    x = round(cxy[0] - rot.width / 2)
    y = round(cxy[1] - rot.height / 2)
    if x > canvas.width or y > canvas.height or x + rot.width < 0 or y + rot.height < 0:
        return
    if shadow:
        a = rot.getchannel("A")
        hw, hh = max(1, rot.width // 2), max(1, rot.height // 2)
        a2 = a.resize((hw, hh), Image.BILINEAR)
        mask.paste(shadow, (int((x + shadow_vec[0]) / 2), int((y + shadow_vec[1]) / 2)), a2)
    deferred.append((rot, (x, y)))


# --------------------------------------------------------------------------------------------
# Scene rendering
# --------------------------------------------------------------------------------------------


def _homography(src: list, dst: list) -> tuple:
    """Coefficients for Image.transform(PERSPECTIVE): maps output points src to input points dst."""
    a = []
    b = []
    for (x, y), (u, v) in zip(src, dst, strict=False):
        a.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        b.append(u)
        a.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        b.append(v)
    return tuple(float(c) for c in np.linalg.solve(np.array(a, float), np.array(b, float)))


def _multi_centres(k: int, fw: float, fh: float) -> list[tuple[float, float]]:
    if k == 2:
        return [(-0.24 * fw, 0.06 * fh), (0.24 * fw, 0.06 * fh)]
    if k == 3:
        return [(-0.32 * fw, 0.08 * fh), (0.0, 0.08 * fh), (0.32 * fw, 0.08 * fh)]
    return [
        (-0.22 * fw, -0.15 * fh),
        (0.22 * fw, -0.15 * fh),
        (-0.22 * fw, 0.25 * fh),
        (0.22 * fw, 0.25 * fh),
    ]


def _render(sc: _Scene) -> Image.Image:
    off = _OFFICES[sc.office]
    lay = _layout(sc.office)
    day = _day(sc.office, sc.day)
    prng = _rng(_T_PHOTO, *sc.photo)

    long_px = day["long_px"]
    short_px = round(long_px / off.aspect)
    W, H = (short_px, long_px) if sc.portrait else (long_px, short_px)
    work_long = min(_WORK_MAX if off.camera in ("dslr", "compact") else _WORK_PHONE, max(_WORK_MIN, long_px))
    ws = work_long / long_px
    Wf, Hf = max(16, round(W * ws)), max(16, round(H * ws))

    fov_long = (off.form_fov if sc.style == "form" else off.fov) * day["cam"][3] * sc.hand[3] * sc.closeup
    if sc.style == "multi":
        fov_long *= 1.3 + 0.15 * (len(sc.parcels) - 2)
    fw = fov_long if not sc.portrait else fov_long / off.aspect
    fh = fw * Hf / Wf
    s = Wf / fw  # px per cm

    # where the photographer points the camera
    pile0 = (lay["pile"][0] + day["pile"][0], lay["pile"][1] + day["pile"][1])
    if sc.style == "closeup":
        p0 = sc.parcels[0]
        cx, cy = pile0[0] + p0.jitter[0], pile0[1] + p0.jitter[1]
    elif sc.style == "form":
        cx, cy = day["form"][0], day["form"][1]
    else:
        cx, cy = 0.0, 0.0
    cx += day["cam"][0] + sc.hand[0]
    cy += day["cam"][1] + sc.hand[1]

    # a camera on a stand looks straight down and is never turned: the scene is drawn at the
    # frame's size; a hand-held one is turned and tilted: a larger scene is warped into the frame
    handheld = off.hand > 0.2 or off.tilt > 0
    margin = _MARGIN if handheld else 0.0
    Wc, Hc = int(Wf * (1 + 2 * margin)), int(Hf * (1 + 2 * margin))
    x0cm, y0cm = cx - Wc / 2 / s, cy - Hc / 2 / s
    x1cm, y1cm = cx + Wc / 2 / s, cy + Hc / 2 / s

    def to_px(x: float, y: float) -> tuple[float, float]:
        return (x - x0cm) * s, (y - y0cm) * s

    # desk and surface
    desk_tex = _texture("wood" if off.desk == "wood" else "desk", sc.office)
    canvas = _tinted(
        _tex_region(desk_tex, x0cm, y0cm, x1cm, y1cm, (Wc, Hc)),
        _DESK_RGB[off.desk],
        0.5 if off.desk == "wood" else 1.0,
    )
    if off.surface != "desk" and sc.style != "form":
        sw, sh = off.surface_cm
        kind = off.surface
        tex = _texture(kind, sc.office + 100)
        srf = _tinted(
            _tex_region(tex, x0cm, y0cm, x1cm, y1cm, (Wc, Hc)),
            _SURFACE_RGB[kind],
            1.6 if kind.startswith("velvet") else 1.0,
        )
        m = Image.new("L", (Wc, Hc), 0)
        md = ImageDraw.Draw(m)
        a, b = to_px(-sw / 2, -sh / 2)
        c, e = to_px(sw / 2, sh / 2)
        if kind == "sieve":
            md.ellipse([a, b, c, e], fill=255)
            cd = ImageDraw.Draw(canvas)
            cd.ellipse([a - 0.8 * s, b - 0.8 * s, c + 0.8 * s, e + 0.8 * s], fill=(120, 112, 90))  # brass rim
        else:
            cd = ImageDraw.Draw(canvas)
            cd.rounded_rectangle(
                [a + 0.25 * s, b + 0.35 * s, c + 0.25 * s, e + 0.35 * s],
                radius=1.2 * s,
                fill=tuple(int(v * 0.7) for v in _DESK_RGB[off.desk]),
            )
            md.rounded_rectangle([a, b, c, e], radius=1.2 * s, fill=255)
        canvas.paste(srf, (0, 0), m)
        if kind.startswith("tray"):
            # raised rim of the tray
            cd.rounded_rectangle(
                [a, b, c, e],
                radius=1.2 * s,
                outline=tuple(int(v * 0.82) for v in _SURFACE_RGB[kind]),
                width=max(1, int(0.5 * s)),
            )
            cd.rounded_rectangle(
                [a + 0.5 * s, b + 0.5 * s, c - 0.5 * s, e - 0.5 * s],
                radius=0.8 * s,
                outline=tuple(min(255, int(v * 1.08)) for v in _SURFACE_RGB[kind]),
                width=max(1, int(0.12 * s)),
            )
        if kind == "sieve":
            pitch = 0.62
            hr = 0.2 * s
            rad2 = (sw / 2 - 0.6) ** 2
            ys = np.arange(-sh / 2, sh / 2, pitch * 0.866)
            for j, yy in enumerate(ys):
                if yy < y0cm - 1 or yy > y1cm + 1:
                    continue
                xs = np.arange(-sw / 2 + (pitch / 2 if j % 2 else 0), sw / 2, pitch)
                for xx in xs:
                    if xx < x0cm - 1 or xx > x1cm + 1 or xx * xx + yy * yy > rad2:
                        continue
                    px, py = to_px(float(xx), float(yy))
                    cd.ellipse([px - hr, py - hr, px + hr, py + hr], fill=(34, 34, 36))

    # light
    az = math.radians(day["light_az"])
    el = math.radians(lay["light_el"])
    light = (math.cos(az) * math.cos(el), math.sin(az) * math.cos(el), math.sin(el))
    svec = (-light[0] * 0.25 * s, -light[1] * 0.25 * s)
    shadow_k = {"velvet-black": 0.25, "velvet-blue": 0.4, "lightbox": 0.35}.get(off.surface, 0.75)

    mask = Image.new("L", (Wc // 2 + 1, Hc // 2 + 1), 0)
    deferred: list = []
    cd = ImageDraw.Draw(canvas)

    parcels = sc.parcels
    if sc.style == "multi":
        centres = [
            (c[0] + pile0[0] * 0.3, c[1] + pile0[1])
            for c in _multi_centres(len(parcels), fw / sc.hand[3], fh / sc.hand[3])
        ]
    elif sc.style == "form":
        fx, fy = day["form"][0], day["form"][1]
        centres = [(fx + 4.2 + parcels[0].jitter[0], fy + 8.6 + parcels[0].jitter[1])]
    else:
        centres = [pile0]

    # the form
    if sc.style == "form":
        item = _form_item(off, lay, parcels[0], s, day["date"])
        fx, fy, fr = day["form"]
        ang = fr + sc.hand[2] * 0.0
        rot = item.rotate(ang, resample=Image.BILINEAR, expand=True)
        px, py = to_px(fx, fy)
        pos = (int(px - rot.width / 2), int(py - rot.height / 2))
        shadow_img = Image.new("RGB", rot.size, (0, 0, 0))
        canvas.paste(
            Image.blend(
                canvas.crop((pos[0] + 3, pos[1] + 4, pos[0] + 3 + rot.width, pos[1] + 4 + rot.height)),
                shadow_img,
                0.35,
            ),
            (pos[0] + 3, pos[1] + 4),
            rot.getchannel("A"),
        )
        canvas.paste(rot, pos, rot)

    # diamond papers under the parcels
    paper_kind = off.paper or ("white" if sc.style in ("multi", "form") else None)
    stone_sets = []
    for p, (pcx, pcy) in zip(parcels, centres, strict=False):
        st = _stones(p)
        st = _arrange(st, off.arrangement if sc.style != "bag" else "spread", _rng(_T_STONES, p.stones, 1))
        ext = _stones_extent(st)
        pcx, pcy = pcx + p.jitter[0], pcy + p.jitter[1]
        stone_sets.append((p, st, pcx, pcy, ext))
        if paper_kind and sc.style != "bag":
            pw, ph = lay["paper_size"]
            if sc.style in ("multi", "form"):
                pw, ph = pw * 0.62, ph * 0.62
            pw, ph = max(pw, 2.3 * ext), max(ph, 2.0 * ext)
            ang = math.radians(p.jitter[2])
            ca, sa = math.cos(ang), math.sin(ang)
            corners = [(-pw / 2, -ph / 2), (pw / 2, -ph / 2), (pw / 2, ph / 2), (-pw / 2, ph / 2)]
            poly = [to_px(pcx + x * ca - y * sa, pcy + x * sa + y * ca) for x, y in corners]
            sh = [(x + 0.15 * s, y + 0.2 * s) for x, y in poly]
            under = canvas.getpixel(
                (int(min(Wc - 1, max(0, sh[2][0] - 1))), int(min(Hc - 1, max(0, sh[2][1] - 1))))
            )
            cd.polygon(sh, fill=tuple(int(v * 0.78) for v in under))
            prgb = _PAPER_RGB[paper_kind]
            bx0 = max(0, int(min(q[0] for q in poly)))
            by0 = max(0, int(min(q[1] for q in poly)))
            bx1 = min(Wc, int(max(q[0] for q in poly)) + 2)
            by1 = min(Hc, int(max(q[1] for q in poly)) + 2)
            if bx1 - bx0 > 2 and by1 - by0 > 2:
                pm = Image.new("L", (bx1 - bx0, by1 - by0), 0)
                ImageDraw.Draw(pm).polygon([(q[0] - bx0, q[1] - by0) for q in poly], fill=255)
                pshift = ((p.stones % 17) - 8.0, (p.stones % 13) - 6.0)
                ptex = _tex_region(
                    _texture("paper", 999),
                    x0cm + bx0 / s,
                    y0cm + by0 / s,
                    x0cm + bx1 / s,
                    y0cm + by1 / s,
                    (bx1 - bx0, by1 - by0),
                    pshift,
                )
                canvas.paste(_tinted(ptex, prgb, 1.0), (bx0, by0), pm)
            # fold creases of the opened paper
            for f in (-1 / 6, 1 / 6):
                for horiz in (True, False):
                    fj = f + ((p.stones >> (3 + int(horiz))) % 7 - 3) * 0.004
                    if horiz:
                        a_, b_ = (-pw / 2, fj * ph * 2), (pw / 2, fj * ph * 2)
                    else:
                        a_, b_ = (fj * pw * 2, -ph / 2), (fj * pw * 2, ph / 2)
                    q0 = to_px(pcx + a_[0] * ca - a_[1] * sa, pcy + a_[0] * sa + a_[1] * ca)
                    q1 = to_px(pcx + b_[0] * ca - b_[1] * sa, pcy + b_[0] * sa + b_[1] * ca)
                    cd.line([q0, q1], fill=tuple(int(v * 0.93) for v in prgb), width=max(1, int(0.05 * s)))
                    cd.line(
                        [(q0[0] + 1, q0[1] + 1), (q1[0] + 1, q1[1] + 1)],
                        fill=tuple(min(255, int(v * 1.03) + 2) for v in prgb),
                        width=1,
                    )

    # props, each moved out of the way of the stones if it would lie on them
    piles = [(pcx, pcy, ext + (3.0 if sc.style == "bag" else 0.6)) for _, _, pcx, pcy, ext in stone_sets]

    def put(item: Image.Image, x: float, y: float, angle: float, strength: int, vec=svec) -> None:
        x, y = _clear(x, y, item.width / s, item.height / s, angle, piles)
        _place(canvas, mask, item, to_px(x, y), angle, vec, strength, deferred)

    dl = day["label"]
    for p, _st, pcx, pcy, ext in stone_sets:
        if sc.style == "form":
            break
        if sc.style == "multi":
            item = _label_item(off, lay, p, s, day["date"], "stamp" in off.props, small=True)
            put(
                item,
                pcx + p.label[0],
                pcy - ext - 0.8 - item.height / s / 2 + p.label[1],
                p.label[2],
                int(120 * shadow_k),
            )
        else:
            lx, ly, lr = lay["label"]
            item = _label_item(off, lay, p, s, day["date"], "stamp" in off.props)
            put(
                item,
                lx + dl[0] + p.label[0],
                ly + dl[1] + p.label[1],
                lr + dl[2] + p.label[2],
                int(120 * shadow_k),
            )
    if "ruler" in off.props and sc.style not in ("form",):
        rx, ry, rr = lay["ruler"]
        dr = day["ruler"]
        put(_ruler_item(lay, s), rx + dr[0], ry + dr[1], rr + dr[2], int(140 * shadow_k))
    if "scale" in off.props and sc.style not in ("form", "multi"):
        qx, qy, qr = lay["scale"]
        dq = day["scale"]
        put(_scale_item(sc.parcels[0], s), qx + dq[0], qy + dq[1], qr + dq[2], int(200 * shadow_k))
    if "tweezers" in off.props and sc.style not in ("form", "multi"):
        tx, ty, tr = lay["tweezers"]
        dt = day["tweezers"]
        p = sc.parcels[0]
        put(
            _tweezers_item(s),
            tx + dt[0] + p.tweezers[0],
            ty + dt[1] + p.tweezers[1],
            tr + dt[2] + p.tweezers[2],
            int(170 * shadow_k),
            (svec[0] * 1.8, svec[1] * 1.8),
        )

    # stones (drawn into a layer over their own box only)
    layers = []
    for _p, st, pcx, pcy, ext in stone_sets:
        for stn in st:
            stn[0] += pcx
            stn[1] += pcy
        bx0, by0 = to_px(pcx - ext - 0.5, pcy - ext - 0.5)
        bx1, by1 = to_px(pcx + ext + 0.5, pcy + ext + 0.5)
        bx0, by0 = max(0, int(bx0)), max(0, int(by0))
        bx1, by1 = min(Wc, int(bx1) + 1), min(Hc, int(by1) + 1)
        if bx1 <= bx0 or by1 <= by0:
            continue
        layer = Image.new("RGBA", (bx1 - bx0, by1 - by0), (0, 0, 0, 0))
        _draw_stones(
            ImageDraw.Draw(layer),
            ImageDraw.Draw(mask),
            st,
            to_px,
            s,
            light,
            shadow_k,
            (bx0, by0),
            off.surface == "lightbox",
        )
        layers.append((layer.filter(ImageFilter.GaussianBlur(max(0.45, 0.01 * s))), (bx0, by0)))

    # shadows, then props and stones on top
    blur = max(0.6, 0.08 * s)
    mask = mask.filter(ImageFilter.GaussianBlur(blur)).resize((Wc, Hc), Image.BILINEAR)
    canvas.paste((0, 0, 0), (0, 0), mask)
    for rot, pos in deferred:
        canvas.paste(rot, pos, rot)
    for layer, pos in layers:
        canvas.paste(layer, pos, layer)

    if sc.style == "bag":
        for p, _st, pcx, pcy, ext in stone_sets:
            _bag(canvas, prng, p, pcx, pcy, ext, to_px, s, day)

    # camera: framing, rotation, perspective
    rot = math.radians(day["cam"][2] + sc.hand[2])
    tx, ty = sc.tilt
    hw, hh = Wf / 2, Hf / 2
    rect = [(-hw, -hh), (hw, -hh), (hw, hh), (-hw, hh)]
    quad = []
    for x, y in rect:
        # the far edge (sign of tilt) covers more of the table
        fy = 1 + ty * (-y / hh) * 0.5
        fx = 1 + tx * (-x / hw) * 0.5
        xx = x * fy * (1 + abs(tx) * 0.25)
        yy = y * fx * (1 + abs(ty) * 0.25)
        quad.append(
            (
                xx * math.cos(rot) - yy * math.sin(rot) + Wc / 2,
                xx * math.sin(rot) + yy * math.cos(rot) + Hc / 2,
            )
        )
    if handheld:
        coeffs = _homography([(0, 0), (Wf, 0), (Wf, Hf), (0, Hf)], quad)
        frame = canvas.transform((Wf, Hf), Image.PERSPECTIVE, coeffs, resample=Image.BILINEAR)
    else:
        frame = canvas

    # light fall-off, vignetting and white balance
    gx = lay["grad"][0] + day["grad"][0]
    gy = lay["grad"][1] + day["grad"][1]
    xs = np.linspace(-1, 1, 48, dtype=np.float32)[None, :]
    ys = np.linspace(-1, 1, 36, dtype=np.float32)[:, None]
    illum = (1 + gx * xs + gy * ys) * (1 - lay["vignette"] * (xs * xs + ys * ys) / 2)
    peak = float(illum.max())
    dark = Image.fromarray(np.clip(255 - illum / peak * 255, 0, 255).astype(np.uint8), "L").resize(
        (Wf, Hf), Image.BILINEAR
    )
    frame.paste((0, 0, 0), (0, 0), dark)
    gain = day["exposure"] * (0.5 + 0.5 * peak / float(illum.mean()))
    con = 0.08 if off.camera in ("phone", "webcam") else 0.03
    luts = []
    for wbc in day["wb"]:
        g = gain * wbc
        for i in range(256):
            v = min(1.0, i / 255 * g)
            v = v + con * (v - 0.5) * (1 - abs(2 * v - 1))
            luts.append(int(max(0, min(255, round(v * 255)))))
    frame = frame.point(luts)
    if Wf >= W:
        frame = frame.filter(ImageFilter.GaussianBlur(lay["defocus"]))

    # sensor noise (at the working size: once scaled up it is the grain of a noise-reduced phone
    # photo), in-camera sharpening, scaling to the camera's size, JPEG
    sigma = off.noise * (1.3 if off.surface.startswith("velvet") else 1.0)
    tile = 256
    nl = prng.standard_normal((tile, tile, 1)).astype(np.float32) * sigma
    nc = prng.standard_normal((tile, tile, 3)).astype(np.float32) * sigma * 0.35
    noise = Image.fromarray(np.clip(128 + nl + nc, 0, 255).astype(np.uint8), "RGB")
    big = Image.new("RGB", (Wf, Hf))
    for yy in range(0, Hf, tile):
        for xx in range(0, Wf, tile):
            big.paste(noise, (xx, yy))
    frame = ImageChops.add(frame, big, 1.0, -128)
    if off.sharpen:
        k = 0.35 * off.sharpen
        frame = frame.filter(ImageFilter.Kernel((3, 3), [0, -k, 0, -k, 1 + 4 * k, -k, 0, -k, 0], 1))
    if (Wf, Hf) != (W, H):
        frame = frame.resize((W, H), Image.LANCZOS if Wf > W else Image.BILINEAR)
    buf = io.BytesIO()
    frame.save(
        buf,
        "JPEG",
        quality=day["jpeg"] + int(prng.integers(-2, 3)),
        subsampling=1 if off.camera == "dslr" else 2,
    )
    buf.seek(0)
    out = Image.open(buf)
    out.load()
    return out if out.mode == "RGB" else out.convert("RGB")


def _bag(
    canvas: Image.Image,
    rng: np.random.Generator,
    p: _Parcel,
    pcx: float,
    pcy: float,
    ext: float,
    to_px,
    s: float,
    day: dict,
) -> None:
    """A clear zip bag over the stones: haze, sealed edges, crinkles, window reflections, write-on strip."""
    bw, bh = max(9.0, 2 * ext + 3.0), max(12.0, 2 * ext + 6.0)
    ang = math.radians(p.jitter[2] * 1.5)
    ca, sa = math.cos(ang), math.sin(ang)
    top = -bh / 2 - 1.5  # bag extends above the stones (zip end)

    def bp(x: float, y: float) -> tuple[float, float]:
        return to_px(pcx + x * ca - y * sa, pcy + 1.0 + x * sa + y * ca)

    outline = [bp(-bw / 2, top), bp(bw / 2, top), bp(bw / 2, bh / 2), bp(-bw / 2, bh / 2)]
    xs = [q[0] for q in outline]
    ys = [q[1] for q in outline]
    pad = 0.5 * s
    x0, y0 = int(max(0, min(xs) - pad)), int(max(0, min(ys) - pad))
    x1, y1 = int(min(canvas.width, max(xs) + pad)), int(min(canvas.height, max(ys) + pad))
    if x1 - x0 < 4 or y1 - y0 < 4:
        return
    k = 0.5
    lw, lh = max(2, int((x1 - x0) * k)), max(2, int((y1 - y0) * k))
    layer = Image.new("RGBA", (lw, lh), (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)

    def lp(q: tuple[float, float]) -> tuple[float, float]:
        return ((q[0] - x0) * k, (q[1] - y0) * k)

    d.polygon([lp(q) for q in outline], fill=(255, 255, 255, int(_u(rng, 18, 40))))
    d.line(
        [lp(q) for q in [*outline, outline[0]]], fill=(255, 255, 255, 120), width=max(1, int(0.35 * s * k))
    )
    for zy in (top + 1.2, top + 1.6):
        d.line(
            [lp(bp(-bw / 2, zy)), lp(bp(bw / 2, zy))], fill=(200, 60, 60, 160), width=max(1, int(0.1 * s * k))
        )
    # crinkles
    for _ in range(int(rng.integers(14, 32))):
        x, y = _u(rng, -bw / 2, bw / 2), _u(rng, top, bh / 2)
        pts = [lp(bp(x, y))]
        for _ in range(int(rng.integers(2, 4))):
            x += rng.normal(0, 1.5)
            y += rng.normal(0, 1.5)
            pts.append(lp(bp(min(bw / 2, max(-bw / 2, x)), min(bh / 2, max(top, y)))))
        light_crease = rng.random() < 0.7
        d.line(
            pts,
            fill=(255, 255, 255, int(_u(rng, 40, 110))) if light_crease else (0, 0, 0, int(_u(rng, 20, 50))),
            width=1,
        )
    # window reflections (where depends on the office light of the day)
    rx, ry, rang = day["reflection"]
    for j in range(int(rng.integers(2, 5))):
        cx = -bw / 2 + bw * min(0.95, max(0.05, rx + rng.normal(0, 0.12)))
        cy = top + (bh / 2 - top) * min(0.95, max(0.05, ry + j * 0.18 + rng.normal(0, 0.08)))
        ln, wd = _u(rng, 1.5, 5.0), _u(rng, 0.25, 0.9)
        a = math.radians(rang + rng.normal(0, 10))
        corners = [(-ln / 2, -wd / 2), (ln / 2, -wd / 2), (ln / 2, wd / 2), (-ln / 2, wd / 2)]
        poly = [
            lp(bp(cx + u * math.cos(a) - v * math.sin(a), cy + u * math.sin(a) + v * math.cos(a)))
            for u, v in corners
        ]
        d.polygon(poly, fill=(255, 255, 255, int(_u(rng, 80, 190))))
    layer = layer.filter(ImageFilter.GaussianBlur(max(0.6, 0.1 * s * k)))
    layer = layer.resize((x1 - x0, y1 - y0), Image.BILINEAR)
    canvas.paste(layer, (x0, y0), layer)
    # the write-on strip with the parcel number in felt pen
    cd = ImageDraw.Draw(canvas)
    strip = [
        bp(-bw / 2 + 0.6, top + 2.0),
        bp(bw / 2 - 0.6, top + 2.0),
        bp(bw / 2 - 0.6, top + 3.6),
        bp(-bw / 2 + 0.6, top + 3.6),
    ]
    cd.polygon(strip, fill=(240, 240, 236))
    tx, ty = bp(-bw / 2 + 1.0, top + 2.2)
    _text(cd, (tx, ty), f"{p.cert:07d}  {p.carats:.2f}ct", 0.9 * s, (25, 35, 110))


# --------------------------------------------------------------------------------------------
# Scenes: originals and the unrelated photos aimed at them
# --------------------------------------------------------------------------------------------


def _hand(rng: np.random.Generator, off: _Office, stronger: bool = False) -> tuple[tuple, tuple]:
    k = off.hand
    hand = (
        rng.normal(0, 0.6 * k),
        rng.normal(0, 0.5 * k),
        rng.normal(0, 2.0 * k),
        1 + rng.normal(0, 0.04 * k),
    )
    tmax = off.tilt * (1.4 if stronger else 1.0)
    if tmax > 0:
        t = (_u(rng, -tmax, tmax) * 0.6, _u(rng, -tmax * 0.3, tmax))
        if stronger:
            t = (t[0], max(abs(t[1]), tmax * 0.6) * (1 if rng.random() < 0.8 else -1))
    else:
        t = (0.0, 0.0)
    return hand, t


def _make_scene(
    rng: np.random.Generator,
    o: int,
    day: int,
    slot: int,
    style: str,
    *,
    portrait: bool | None = None,
    lots: list[str] | None = None,
    parcels: tuple[_Parcel, ...] | None = None,
    photo: tuple[int, ...] = (),
    stronger_tilt: bool = False,
) -> _Scene:
    off = _OFFICES[o]
    if portrait is None:
        portrait = bool(rng.random() < (0.85 if style == "form" else off.portrait))
    cert = off.cert_base + day * 40 + slot
    if parcels is None:
        if style == "multi":
            k = int(rng.integers(2, 5))
            names = lots or [_pick(rng, off.lots) for _ in range(k)]
            parcels = tuple(_lot_parcel(rng, names[j % len(names)], cert + j) for j in range(k))
            parcels = tuple(
                replace(p, count=min(p.count, 45))
                if p.lot not in _UNIFORM_LOTS
                else replace(p, count=min(p.count, 160))
                for p in parcels
            )
        else:
            name = (lots or [_pick(rng, off.lots)])[0]
            parcels = (_lot_parcel(rng, name, cert),)
    hand, tilt = _hand(rng, off, stronger_tilt)
    closeup = _u(rng, 0.4, 0.6) if style == "closeup" else 1.0
    return _Scene(
        office=o,
        day=day,
        style=style,
        portrait=portrait,
        parcels=parcels,
        hand=hand,
        tilt=tilt,
        closeup=closeup,
        photo=photo,
    )


def _style(rng: np.random.Generator, off: _Office) -> str:
    w = dict(off.styles)
    w["plain"] = max(0.0, 1.0 - sum(w.values()))
    return _pick(rng, w)


def _original_scene(seed: int, i: int) -> _Scene:
    rng = _rng(_T_ORIG, seed, i)
    o = int(_pick(rng, {str(k): v for k, v in _ORIGINAL_OFFICES.items()}))
    day = int(rng.integers(0, 45))
    slot = int(rng.integers(0, 40))
    style = _style(rng, _OFFICES[o])
    return _make_scene(rng, o, day, slot, style, photo=(1, seed, i))


@lru_cache(maxsize=4)
def _targets(seed: int, n: int) -> tuple[_Scene, ...]:
    return tuple(_original_scene(seed, i) for i in range(n))


def _kinds_block(seed: int, block: int) -> list[str]:
    names = [k for k, share in UNRELATED_SHARES for _ in range(share)]
    order = _rng(_T_KINDS, seed, block).permutation(len(names))
    return [names[int(j)] for j in order]


def unrelated_kind(seed: int, i: int) -> str:
    """Kind of the i-th photo of ``unrelated(seed, n)``; exact shares in every block of 100."""
    return _kinds_block(seed, i // 100)[i % 100]


def _near_slot(rng: np.random.Generator, slot: int) -> int:
    step = int(rng.integers(1, 7)) * (1 if rng.random() < 0.7 else -1)
    return max(0, slot + step) if slot + step != slot else slot + 1


def _choose(rng: np.random.Generator, targets: tuple[_Scene, ...], ok) -> _Scene | None:
    pool = [t for t in targets if ok(t)]
    if not pool:
        return None
    return pool[int(rng.integers(0, len(pool)))]


def _unrelated_scene(seed: int, i: int) -> _Scene:
    kind = unrelated_kind(seed, i)
    rng = _rng(_T_NEG, seed, i)
    targets = _targets(TARGET_SEED, TARGET_COUNT)
    photo = (2, seed, i)
    t = targets[int(rng.integers(0, len(targets)))]
    off = _OFFICES[t.office]

    def fresh_lot(tt: _Scene) -> list[str]:
        o = _OFFICES[tt.office]
        return [tt.parcels[0].lot] if rng.random() < 0.5 else [_pick(rng, o.lots)]

    if kind == "same-day":
        slot = _near_slot(rng, (t.parcels[0].cert - off.cert_base) % 40)
        style = t.style
        if style == "multi":
            return _make_scene(rng, t.office, t.day, slot, style, portrait=t.portrait, photo=photo)
        return _make_scene(
            rng, t.office, t.day, slot, style, portrait=t.portrait, lots=fresh_lot(t), photo=photo
        )
    if kind == "twin-lot":
        slot = _near_slot(rng, (t.parcels[0].cert - off.cert_base) % 40)
        cert = off.cert_base + t.day * 40 + slot
        parcels = tuple(_twin(rng, p, cert + j) for j, p in enumerate(t.parcels))
        sc = _make_scene(
            rng, t.office, t.day, slot, t.style, portrait=t.portrait, parcels=parcels, photo=photo
        )
        return replace(sc, closeup=t.closeup if t.style == "closeup" else sc.closeup)
    if kind == "other-day":
        day = max(0, t.day + int(rng.choice([-9, -7, -5, -3, -2, -1, 1, 2, 3, 4, 6, 8, 9])))
        if day == t.day:
            day += 1
        style = _style(rng, off)
        return _make_scene(rng, t.office, day, int(rng.integers(0, 40)), style, photo=photo)
    if kind == "uniform-lot":
        tt = _choose(rng, targets, lambda x: x.style != "multi" and x.parcels[0].lot in _UNIFORM_LOTS)
        if tt is None:
            tt = (
                _choose(rng, targets, lambda x: any(n in _OFFICES[x.office].lots for n in _UNIFORM_LOTS)) or t
            )
        offt = _OFFICES[tt.office]
        slot = _near_slot(rng, (tt.parcels[0].cert - offt.cert_base) % 40)
        cert = offt.cert_base + tt.day * 40 + slot
        p0 = tt.parcels[0]
        if p0.lot in _UNIFORM_LOTS:
            parcels = (_twin(rng, p0, cert, 0.1),)
        else:
            names = [n for n in _UNIFORM_LOTS if n in offt.lots] or list(_UNIFORM_LOTS)
            parcels = (_lot_parcel(rng, names[int(rng.integers(0, len(names)))], cert),)
        style = tt.style if tt.style in ("plain", "closeup", "bag") else "plain"
        return _make_scene(
            rng, tt.office, tt.day, slot, style, portrait=tt.portrait, parcels=parcels, photo=photo
        )
    if kind == "bag":
        tt = (
            _choose(rng, targets, lambda x: x.style == "bag")
            or _choose(rng, targets, lambda x: "bag" in _OFFICES[x.office].styles)
            or t
        )
        slot = _near_slot(rng, (tt.parcels[0].cert - _OFFICES[tt.office].cert_base) % 40)
        return _make_scene(
            rng, tt.office, tt.day, slot, "bag", portrait=tt.portrait, lots=fresh_lot(tt), photo=photo
        )
    if kind == "tilted-phone":
        tt = _choose(rng, targets, lambda x: _OFFICES[x.office].tilt > 0 and x.style != "multi") or t
        slot = _near_slot(rng, (tt.parcels[0].cert - _OFFICES[tt.office].cert_base) % 40)
        return _make_scene(
            rng,
            tt.office,
            tt.day,
            slot,
            tt.style,
            portrait=tt.portrait,
            lots=fresh_lot(tt),
            photo=photo,
            stronger_tilt=True,
        )
    if kind == "form":
        tt = (
            _choose(rng, targets, lambda x: x.style == "form")
            or _choose(rng, targets, lambda x: "form" in _OFFICES[x.office].styles)
            or t
        )
        slot = _near_slot(rng, (tt.parcels[0].cert - _OFFICES[tt.office].cert_base) % 40)
        return _make_scene(
            rng,
            tt.office,
            tt.day,
            slot,
            "form",
            portrait=tt.portrait if tt.style == "form" else None,
            lots=fresh_lot(tt),
            photo=photo,
        )
    if kind == "multi-parcel":
        slot = _near_slot(rng, (t.parcels[0].cert - off.cert_base) % 40)
        lots = [t.parcels[0].lot] + [_pick(rng, off.lots) for _ in range(3)]
        return _make_scene(rng, t.office, t.day, slot, "multi", portrait=t.portrait, lots=lots, photo=photo)
    if kind == "close-up":
        tt = _choose(rng, targets, lambda x: x.style != "form") or t
        slot = _near_slot(rng, (tt.parcels[0].cert - _OFFICES[tt.office].cert_base) % 40)
        return _make_scene(
            rng,
            tt.office,
            tt.day,
            slot,
            "closeup",
            portrait=tt.portrait,
            lots=[tt.parcels[0].lot],
            photo=photo,
        )
    if kind == "single-stone":
        tt = _choose(rng, targets, lambda x: x.style in ("plain", "closeup", "bag")) or t
        slot = _near_slot(rng, (tt.parcels[0].cert - _OFFICES[tt.office].cert_base) % 40)
        sc = _make_scene(
            rng, tt.office, tt.day, slot, tt.style, portrait=tt.portrait, lots=["specials"], photo=photo
        )
        return replace(sc, parcels=(replace(sc.parcels[0], count=min(3, sc.parcels[0].count)),))
    # other-office
    o = 12 + int(rng.integers(0, 2))
    return _make_scene(rng, o, int(rng.integers(0, 45)), int(rng.integers(0, 40)), "plain", photo=photo)


def originals(seed: int, n: int) -> Iterator[Image.Image]:
    """n RGB photos of rough-diamond parcels; photo i depends only on (seed, i)."""
    for i in range(n):
        yield _render(_original_scene(seed, i))


def unrelated(seed: int, n: int) -> Iterator[Image.Image]:
    """n photos of other parcels (mostly hard negatives aimed at originals(1, 200))."""
    for i in range(n):
        yield _render(_unrelated_scene(seed, i))


# --------------------------------------------------------------------------------------------
# Variants
# --------------------------------------------------------------------------------------------


def _image_code(image: Image.Image) -> int:
    thumb = np.asarray(image.convert("RGB").resize((8, 8), Image.BILINEAR), dtype=np.uint64).ravel()
    weights = np.arange(1, thumb.size + 1, dtype=np.uint64) * np.uint64(2654435761)
    return int((thumb * weights).sum() % np.uint64(2**31)) ^ (image.width * 7919 + image.height)


def _crop(img: Image.Image, left: float, top: float, right: float, bottom: float) -> Image.Image:
    w, h = img.size
    return img.crop((round(w * left), round(h * top), w - round(w * right), h - round(h * bottom)))


def _recolour(
    img: Image.Image, bri: float, con: float, sat: float, hue: int, wbr: float, wbb: float
) -> Image.Image:
    if bri != 1 or wbr != 1 or wbb != 1:
        lut = []
        for g in (bri * wbr, bri, bri * wbb):
            lut += [min(255, round(i * g)) for i in range(256)]
        img = img.point(lut)
    if con != 1:
        img = ImageEnhance.Contrast(img).enhance(con)
    if sat != 1:
        img = ImageEnhance.Color(img).enhance(sat)
    if hue:
        h, s_, v = img.convert("HSV").split()
        shift = round(hue * 256 / 360)
        h = h.point([(i + shift) % 256 for i in range(256)])
        img = Image.merge("HSV", (h, s_, v)).convert("RGB")
    return img


def _apply(img: Image.Image, step: tuple) -> Image.Image:
    kind = step[0]
    if kind == "crop":
        return _crop(img, *step[1:])
    if kind == "resize":
        f = step[1]
        w, h = max(8, round(img.width * f)), max(8, round(img.height * f))
        return img.resize((w, h), Image.LANCZOS if f < 1 else Image.BICUBIC)
    if kind == "jpeg":
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=step[1], subsampling=2)
        buf.seek(0)
        out = Image.open(buf)
        out.load()
        return out.convert("RGB")
    if kind == "blur":
        return img.filter(ImageFilter.GaussianBlur(step[1]))
    return _recolour(img, *step[1:])


def _key(step: tuple) -> str:
    kind = step[0]
    if kind == "crop":
        return "crop-l{:.3f}-t{:.3f}-r{:.3f}-b{:.3f}".format(*step[1:])
    if kind == "resize":
        return f"resize-{step[1]:.2f}"
    if kind == "jpeg":
        return f"jpeg-q{step[1]}"
    if kind == "blur":
        return f"blur-r{step[1]:.2f}"
    bri, con, sat, hue, wbr, wbb = step[1:]
    parts = []
    if bri != 1:
        parts.append(f"bri{bri:.2f}")
    if con != 1:
        parts.append(f"con{con:.2f}")
    if sat != 1:
        parts.append(f"sat{sat:.2f}")
    if hue:
        parts.append(f"hue{hue}")
    if wbr != 1 or wbb != 1:
        parts.append(f"wbr{wbr:.2f}_wbb{wbb:.2f}")
    return "recolour-" + "_".join(parts)


def _r2(x: float) -> float:
    return round(x, 2)


def _crop_step(rng: np.random.Generator, mode: str) -> tuple:
    sides = [0.0, 0.0, 0.0, 0.0]
    if mode == "one":
        sides[int(rng.integers(0, 4))] = round(_u(rng, 0.04, 0.10), 3)
    elif mode == "all":
        sides = [round(_u(rng, 0.01, 0.10), 3) for _ in range(4)]
        sides[int(rng.integers(0, 4))] = round(_u(rng, 0.08, 0.10), 3)
    else:  # chain: any subset, 1-10 %
        k = int(rng.integers(1, 5))
        for j in rng.permutation(4)[:k]:
            sides[int(j)] = round(_u(rng, 0.01, 0.10), 3)
    return ("crop", *sides)


def _tone_step(rng: np.random.Generator) -> tuple:
    bri = con = wbr = wbb = 1.0
    which = rng.permutation(3)[: int(rng.integers(1, 3))]
    for j in which:
        if j == 0:
            bri = _r2(_u(rng, 0.85, 1.18))
        elif j == 1:
            con = _r2(_u(rng, 0.85, 1.18))
        else:
            wbr, wbb = _r2(_u(rng, 0.9, 1.1)), _r2(_u(rng, 0.9, 1.1))
    return ("recolour", bri, con, 1.0, 0, wbr, wbb)


def _colour_step(rng: np.random.Generator) -> tuple:
    sat, hue = 1.0, 0
    r = rng.random()
    if r < 0.4 or r >= 0.7:
        sat = _r2(_u(rng, 0.75, 1.3))
    if r >= 0.4:
        hue = int(rng.integers(3, 11)) * (1 if rng.random() < 0.5 else -1)
    return ("recolour", 1.0, 1.0, sat, hue, 1.0, 1.0)


def _blur_step(rng: np.random.Generator, long_side: int) -> tuple:
    return ("blur", round(max(0.5, _u(rng, 0.5, 1.1) * long_side / 1000), 2))


def variants(image: Image.Image, seed: int) -> dict[str, Image.Image]:
    """Ten edited copies of ``image`` (see the module docstring), deterministic in (pixels, seed)."""
    if image.mode != "RGB":
        image = image.convert("RGB")
    rng = _rng(_T_VAR, seed, _image_code(image))
    long_side = max(image.size)
    plans: list[list[tuple]] = [
        [_crop_step(rng, "one")],
        [_crop_step(rng, "all")],
        [("resize", _r2(_u(rng, 0.40, 0.55)))],
        [("resize", _r2(_u(rng, 1.15, 1.6)) if long_side <= 2200 else _r2(_u(rng, 0.65, 0.9)))],
        [("jpeg", int(rng.integers(50, 57)))],
        [_blur_step(rng, long_side)],
        [_tone_step(rng)],
        [_colour_step(rng)],
    ]

    def any_step(kind: str) -> tuple:
        if kind == "crop":
            return _crop_step(rng, "chain")
        if kind == "resize":
            return ("resize", _r2(_u(rng, 0.45, 1.3) if long_side <= 2200 else _u(rng, 0.45, 0.95)))
        if kind == "jpeg":
            return ("jpeg", int(rng.integers(50, 86)))
        if kind == "blur":
            return _blur_step(rng, long_side)
        return _tone_step(rng) if rng.random() < 0.5 else _colour_step(rng)

    pairs = [
        ("crop", "jpeg"),
        ("resize", "recolour"),
        ("recolour", "jpeg"),
        ("crop", "resize"),
        ("blur", "jpeg"),
        ("crop", "recolour"),
    ]
    triples = [
        ("crop", "resize", "jpeg"),
        ("recolour", "crop", "jpeg"),
        ("resize", "blur", "jpeg"),
        ("crop", "recolour", "resize"),
    ]
    plans.append([any_step(k) for k in pairs[int(rng.integers(0, len(pairs)))]])
    plans.append([any_step(k) for k in triples[int(rng.integers(0, len(triples)))]])

    out: dict[str, Image.Image] = {}
    for plan in plans:
        img = image
        for step in plan:
            img = _apply(img, step)
        key = "+".join(_key(st) for st in plan)
        while key in out:  # same parameters drawn twice: keep both, the second one marked
            key += "_b"
        out[key] = img
    return out
