"""Sixth, independent generator of rough-diamond parcel photos for the re-used-photo search.

Written apart from the search and from the project's other photo generators, without reading
either: it models how an exporting authority's office photographs parcels, from general knowledge
of rough-diamond handling, so that the benchmark is not tuned to one author's idea of a photo.

What it models
--------------
* Offices: sixteen KP authority offices (country code, certificate prefix, label card style, the
  goods they mostly see: colourless kimberlite goods, brown industrial goods, alluvial gem goods,
  boart-heavy or coated cubic goods). Busy offices run more set-ups (one to three).
* Set-ups: a fixed place and kit: a table (wood, laminate, baize, steel, white desk); a work
  surface (white diamond paper, blue liner paper, velvet, grey felt, white/black plastic tray,
  aluminium tray, compartment sorting tray, perforated sieve plate, light box, cutting mat with a
  centimetre grid, or the bare table), sometimes filling the whole frame; a lamp (LED,
  fluorescent, tungsten, window: colour cast, direction, fall-off, shadow strength); props (label
  card, ruler, tweezers, carat-scale read-out, colour card) in fixed places round the stones; a
  camera (copy stand, tripod DSLR, phone on a stand, handheld phone, document camera, office
  compact) with its size (640-4000 px long side), aspect, portrait or landscape, noise,
  vignetting, sharpening and JPEG quality; and the office's habits of laying out stones. Camera
  kinds and surfaces are dealt so that each is in use somewhere.
* Days (sessions): a fixed world schedule in which the set-ups take turns. On a day the camera,
  lamp and props drift a little from the set-up; every parcel of that day is shot with the same
  framing and props, with a new label card, a new scale reading and the tweezers put down again.
* Parcels: stones drawn afresh (octahedra, resorbed dodecahedroids, macles, cleavage fragments,
  cubes, boart; colourless, cape, yellow, brown, grey, green-coated, rarely pink; glassy, frosted
  or coated skins; 0.6-18 mm radius), spread out, in size-sorted rows, in a heap, in sorted
  groups, few and scattered, one large stone, on an opened diamond paper, in a clear bag, or in
  tray compartments. About one photo in eight is badly exposed (dark, blown out, or flat).
* Originals: ``originals(seed, n)``: the i-th photo is the i-th parcel of the schedule (two to six
  a day). The day plan (office, set-up, day, layout, exposure) is fixed by the world; the seed
  draws the stones, numbers and camera jitter.
* Copies: ``variants(image, seed)`` makes ten copies within the issue's words, keyed
  ``kind-params`` joined by ``+``: ``crop-l{L}t{T}r{R}b{B}pct`` (0-10 % off each side),
  ``resize-w{W}h{H}pct`` (30-150 %, aspect change up to 4 %, never beyond 4000 px),
  ``jpeg-q{Q}`` (50-95), ``blur-r{R}c1200`` (Gaussian radius R/100 px at a 1200 px long side,
  R <= 100, scaled to the image), ``recolour-...`` (b, c, g: brightness, contrast, gamma in % within
  +-12 %; s: saturation 75-130 %; hp/hn: hue turn in degrees up to 5; wp/wn: warmth up to 6 %);
  single edits, stronger single edits and chains of two or three in a forger's order (crop,
  resize, blur, recolour, save).
* Unrelated photos: other parcels rendered afresh, never built from an original's pixels. Shares,
  exact within every block of 100 photos (``unrelated_kind`` tells the kind of each):

  - same-day 40 %: another parcel of the same office, set-up and day as an original;
  - follow-on 8 %: an original's lot re-sorted and topped up the same day: 45-70 % of the kept
    stones moved, 15-30 % taken out, 15-30 % new ones added, new label and scale reading, camera
    touched (the hardest kind: same stones in part, same set-up, but another photograph);
  - same-setup 17 %: the same office and set-up as an original on another day;
  - sparse 10 %: few small stones or one stone on the same large uniform surface as an original
    that is itself sparse or a single stone, same day;
  - repetitive 8 %: same day as an original shot on a repetitive surface (compartment tray, sieve
    plate, grid mat) or laid out in rows or compartments;
  - exposure 7 %: same day as an original, badly exposed (dark, blown out or flat);
  - elsewhere 10 %: a parcel from a day of the schedule far from the originals' days.

  They aim at the originals of ``originals(TARGET_SEED, TARGET_ORIGINALS)``, i.e. the benchmark's
  ``originals(1, 200)``; follow-on photos start from that seed's stones.
"""

from __future__ import annotations

import bisect
import datetime
import functools
import glob
import io
import math
import random
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

WORLD_SEED = 1  # offices, set-ups and the day schedule: shared by every seed
TARGET_SEED = 1  # the originals' seed the unrelated photos are hard negatives for
TARGET_ORIGINALS = 200  # how many of those originals the unrelated photos aim at
WORK_LONG = 1152  # long side at which a scene is drawn before the camera resizes it
PAD = 0.08  # the scene canvas exceeds the camera view by this fraction on every side

BICUBIC = Image.Resampling.BICUBIC
BILINEAR = Image.Resampling.BILINEAR
LANCZOS = Image.Resampling.LANCZOS

Box = tuple[float, float, float, float]
RGB = tuple[int, int, int]


# --------------------------------------------------------------------------- small helpers


def _rng(*keys: int | str) -> np.random.Generator:
    """A generator keyed by names and numbers, so every photo is reproducible on its own."""
    ints = [WORLD_SEED] + [zlib.crc32(k.encode()) if isinstance(k, str) else int(k) % (1 << 63) for k in keys]
    return np.random.default_rng(ints)


def _pick(rng: np.random.Generator, weights: dict[str, float]) -> str:
    """One key of a weight table."""
    keys = list(weights)
    p = np.array([weights[k] for k in keys], dtype=float)
    return keys[int(rng.choice(len(keys), p=p / p.sum()))]


def _clip8(v: float) -> int:
    return int(min(255, max(0, round(v))))


def _scale_rgb(rgb: tuple[float, ...], f: float) -> RGB:
    return (_clip8(rgb[0] * f), _clip8(rgb[1] * f), _clip8(rgb[2] * f))


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return (
        _clip8(a[0] + (b[0] - a[0]) * t),
        _clip8(a[1] + (b[1] - a[1]) * t),
        _clip8(a[2] + (b[2] - a[2]) * t),
    )


def _jitter3(
    v: tuple[float, float, float], rng: np.random.Generator, rel: float
) -> tuple[float, float, float]:
    """Three factors each moved by up to +-rel (a lamp's colour drifting a little)."""
    f = rng.uniform(1 - rel, 1 + rel, 3)
    return (float(v[0] * f[0]), float(v[1] * f[1]), float(v[2] * f[2]))


@functools.cache
def _font_paths() -> dict[str, str]:
    """DejaVu fonts where the system has them; an empty table falls back to PIL's own font."""
    wanted = {
        "sans": "DejaVuSans.ttf",
        "bold": "DejaVuSans-Bold.ttf",
        "mono": "DejaVuSansMono.ttf",
        "serif": "DejaVuSerif.ttf",
        "hand": "DejaVuSerif-Italic.ttf",
        "cond": "DejaVuSansCondensed.ttf",
    }
    found = {p.rsplit("/", 1)[-1]: p for p in glob.glob("/usr/share/fonts/**/DejaVu*.ttf", recursive=True)}
    return {style: found[name] for style, name in wanted.items() if name in found}


@functools.lru_cache(maxsize=512)
def _font(style: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    size = max(6, int(size))
    path = _font_paths().get(style) or _font_paths().get("sans")
    if path:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            pass
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # very old Pillow
        return ImageFont.load_default()


def _jpeg(img: Image.Image, quality: int, subsampling: int = 2) -> Image.Image:
    """Encode and decode, as a camera or an image editor saving a file would."""
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=int(quality), subsampling=subsampling)
    buf.seek(0)
    out = Image.open(buf)
    out.load()
    return out if out.mode == "RGB" else out.convert("RGB")


# --------------------------------------------------------------------------- the world


@dataclass(frozen=True)
class Camera:
    kind: str
    size: tuple[int, int]  # final width, height
    quality: int  # the camera's own JPEG quality
    noise: float  # sensor noise sigma, 0-255 scale, at normal exposure
    vignette: float
    sharpen: int  # in-camera sharpening strength in percent, 0 for none
    saturation: float
    blur: float  # lens softness, Gaussian sigma in px at work resolution
    jitter: float  # per-photo framing wobble, fraction of frame
    tilt: float  # per-photo rotation wobble, degrees
    keystone: float  # per-photo perspective wobble


@dataclass(frozen=True)
class Prop:
    kind: str  # label, ruler, scale, colourcard, tweezers
    x: float  # centre, in units of the scene's long side
    y: float
    size: float  # length of the long side, same units
    angle: float  # degrees
    style: int


@dataclass(frozen=True)
class Office:
    index: int
    code: str
    city: str
    prefix: str
    profile: str
    card_rgb: RGB
    accent_rgb: RGB
    font: str
    volume: float


@dataclass(frozen=True)
class Setup:
    key: str
    office: Office
    camera: Camera
    work: tuple[int, int]  # view size at work resolution
    scene: tuple[int, int]  # scene canvas size in px
    field_mm: float  # what the long side of the scene spans
    table: str
    table_rgb: RGB
    surface: str
    surface_rgb: RGB
    surface_box: Box  # in long-side units
    cells: tuple[int, int]  # compartments of a sorting tray
    zone: Box  # where stones may lie
    light_angle: float  # radians, direction the light comes from
    light_kind: str
    gains: tuple[float, float, float]
    exposure: float
    gradient: float
    shadow: float
    props: tuple[Prop, ...]
    habits: tuple[tuple[str, float], ...]
    pose: tuple[float, float, float, float]  # dx, dy (fractions of view), rotation deg, zoom


@dataclass(frozen=True)
class Session:
    key: str
    setup: Setup
    day: datetime.date
    pose: tuple[float, float, float, float]
    gains: tuple[float, float, float]
    exposure: float
    cert_base: int
    props: tuple[Prop, ...]


@dataclass(frozen=True)
class Stone:
    x: float  # long-side units
    y: float
    r: float
    shape: str
    rgb: RGB
    finish: str  # glassy, frosted, coated
    angle: float
    elong: float
    vseed: int


@dataclass(frozen=True)
class Parcel:
    arrangement: str
    stones: tuple[Stone, ...]
    cert: str
    lot: str
    carats: float
    exporter: str
    holder: Box | None  # the diamond paper or bag
    tweezers: tuple[float, float, float] | None
    label_shift: tuple[float, float, float]
    exposure: str  # normal, dark, over, flat
    pose: tuple[float, float, float, float, float, float]  # dx, dy, rot, zoom, keystone x, y
    noise_key: int


_OFFICES = (
    ("ZA", "Kimberley", "kimberlite", 1.4),
    ("BW", "Gaborone", "kimberlite", 1.6),
    ("NA", "Windhoek", "alluvial", 0.8),
    ("CD", "Kinshasa", "boart", 1.2),
    ("AO", "Luanda", "alluvial", 1.0),
    ("SL", "Freetown", "alluvial", 0.7),
    ("RU", "Mirny", "kimberlite", 1.3),
    ("CA", "Yellowknife", "kimberlite", 0.8),
    ("AU", "Perth", "brown", 0.6),
    ("LS", "Maseru", "alluvial", 0.5),
    ("ZW", "Harare", "brown", 0.7),
    ("GN", "Conakry", "cubes", 0.5),
    ("AE", "Dubai", "mixed", 1.1),
    ("BE", "Antwerp", "mixed", 1.3),
    ("IN", "Mumbai", "brown", 0.9),
    ("TZ", "Shinyanga", "kimberlite", 0.5),
)

_EXPORTERS = (  # invented names
    "Karoo Rough Ltd",
    "Limpopo Stones",
    "Skeleton Coast Gems",
    "Kasai Valley Trading",
    "Cuango Minerals",
    "Sewa River Export",
    "Taiga Rough Sales",
    "Barrenlands Gems",
    "Vaal Bend Trading",
    "Highlands Stones",
    "Zambezi Rough",
    "Niger Source Trading",
    "Creek Rough DMCC",
    "Scheldt Rough Trading",
    "Tapti Imports",
    "Mwanza Minerals",
)

# Production profiles: shape, colour and skin mixes of the goods an office usually sees.
_PROFILES: dict[str, dict[str, dict[str, float]]] = {
    "kimberlite": {
        "shape": {
            "octahedron": 0.38,
            "dodecahedroid": 0.22,
            "macle": 0.12,
            "fragment": 0.22,
            "cube": 0.03,
            "boart": 0.03,
        },
        "colour": {"colourless": 0.45, "cape": 0.25, "brown": 0.15, "lightbrown": 0.08, "grey": 0.07},
        "finish": {"glassy": 0.45, "frosted": 0.45, "coated": 0.10},
    },
    "brown": {
        "shape": {"fragment": 0.35, "macle": 0.2, "octahedron": 0.15, "boart": 0.15, "dodecahedroid": 0.15},
        "colour": {"brown": 0.45, "lightbrown": 0.2, "grey": 0.15, "cape": 0.1, "dark": 0.1},
        "finish": {"frosted": 0.5, "coated": 0.3, "glassy": 0.2},
    },
    "alluvial": {
        "shape": {"dodecahedroid": 0.5, "octahedron": 0.2, "macle": 0.1, "fragment": 0.2},
        "colour": {
            "colourless": 0.5,
            "cape": 0.2,
            "yellow": 0.1,
            "lightbrown": 0.12,
            "pink": 0.03,
            "green": 0.05,
        },
        "finish": {"glassy": 0.7, "frosted": 0.3},
    },
    "boart": {
        "shape": {"boart": 0.45, "fragment": 0.3, "cube": 0.1, "octahedron": 0.15},
        "colour": {"grey": 0.35, "dark": 0.3, "brown": 0.2, "cape": 0.1, "green": 0.05},
        "finish": {"coated": 0.5, "frosted": 0.45, "glassy": 0.05},
    },
    "cubes": {
        "shape": {"cube": 0.3, "dodecahedroid": 0.2, "fragment": 0.3, "boart": 0.2},
        "colour": {"green": 0.3, "grey": 0.3, "yellow": 0.2, "brown": 0.2},
        "finish": {"coated": 0.6, "frosted": 0.35, "glassy": 0.05},
    },
    "mixed": {
        "shape": {"octahedron": 0.3, "dodecahedroid": 0.25, "macle": 0.15, "fragment": 0.25, "boart": 0.05},
        "colour": {
            "colourless": 0.35,
            "cape": 0.2,
            "yellow": 0.1,
            "brown": 0.2,
            "lightbrown": 0.1,
            "grey": 0.05,
        },
        "finish": {"glassy": 0.5, "frosted": 0.4, "coated": 0.1},
    },
}

_STONE_RGB: dict[str, RGB] = {
    "colourless": (220, 225, 230),
    "cape": (228, 220, 172),
    "yellow": (236, 206, 108),
    "brown": (160, 112, 72),
    "lightbrown": (196, 162, 122),
    "grey": (150, 152, 156),
    "dark": (68, 68, 72),
    "green": (146, 166, 124),
    "pink": (230, 184, 192),
}

# What each kind of camera delivers: weight among set-ups, long sides in px (repeats weigh),
# aspect ratios, share shot in portrait, the camera's JPEG quality range.
_CAMERA_OUTPUT: dict[str, tuple] = {
    "copy-stand": (0.18, (1600, 2000, 2000, 2400, 3000), (1.5,), 0.1, (88, 95)),
    "tripod-dslr": (0.14, (1800, 2400, 2400, 3000, 3000, 4000), (1.5,), 0.15, (85, 95)),
    "phone-stand": (0.2, (1280, 1600, 1600, 2016, 2048, 2048, 3024, 4000), (4 / 3, 16 / 9), 0.35, (82, 93)),
    "phone-handheld": (
        0.22,
        (1280, 1600, 2016, 2016, 2268, 3024, 3024, 4000),
        (4 / 3, 16 / 9),
        0.45,
        (80, 92),
    ),
    "document-camera": (0.12, (640, 800, 1024, 1280), (4 / 3, 16 / 9), 0.05, (70, 85)),
    "office-compact": (0.14, (1024, 1280, 1600, 2048), (4 / 3,), 0.2, (75, 90)),
}
# How it renders: noise sigma range, vignette range, sharpening percent, saturation, optics blur
# range (px), framing jitter (fraction), tilt (degrees), keystone, field of view range (mm).
_CAMERA_OPTICS: dict[str, tuple] = {
    "copy-stand": ((1.2, 2.5), (0.05, 0.12), 0, 1.0, (0.5, 0.8), 0.002, 0.1, 0.0, (120, 260)),
    "tripod-dslr": ((1.5, 3.0), (0.08, 0.16), 0, 1.02, (0.5, 0.9), 0.004, 0.3, 0.002, (180, 380)),
    "phone-stand": ((2.5, 4.5), (0.15, 0.25), 70, 1.1, (0.6, 1.0), 0.006, 0.4, 0.004, (160, 360)),
    "phone-handheld": ((3.0, 6.0), (0.18, 0.3), 90, 1.12, (0.7, 1.2), 0.02, 1.6, 0.015, (180, 420)),
    "document-camera": ((3.5, 7.0), (0.2, 0.3), 40, 0.95, (0.6, 1.1), 0.001, 0.05, 0.0, (200, 420)),
    "office-compact": ((2.5, 5.0), (0.12, 0.22), 50, 1.05, (0.6, 1.0), 0.012, 1.0, 0.008, (200, 400)),
}

_SURFACES: dict[str, float] = {
    "paper": 0.14,
    "liner": 0.06,
    "velvet": 0.16,
    "felt": 0.07,
    "tray": 0.09,
    "metal": 0.07,
    "cells": 0.09,
    "sieve": 0.07,
    "lightbox": 0.08,
    "mat": 0.07,
    "table": 0.1,
}
_REPETITIVE_SURFACES = ("cells", "sieve", "mat")

_HABITS: dict[str, dict[str, float]] = {
    "paper": {
        "spread": 0.3,
        "heap": 0.12,
        "rows": 0.12,
        "groups": 0.16,
        "sparse": 0.1,
        "single": 0.08,
        "bag": 0.12,
    },
    "liner": {
        "spread": 0.35,
        "heap": 0.15,
        "rows": 0.1,
        "groups": 0.15,
        "sparse": 0.12,
        "single": 0.08,
        "bag": 0.05,
    },
    "velvet": {
        "spread": 0.3,
        "rows": 0.2,
        "groups": 0.14,
        "single": 0.12,
        "sparse": 0.12,
        "heap": 0.07,
        "bag": 0.05,
    },
    "felt": {
        "spread": 0.3,
        "rows": 0.15,
        "groups": 0.15,
        "heap": 0.15,
        "sparse": 0.1,
        "single": 0.05,
        "bag": 0.1,
    },
    "tray": {"heap": 0.3, "spread": 0.3, "groups": 0.2, "sparse": 0.1, "bag": 0.1},
    "metal": {"heap": 0.35, "spread": 0.3, "groups": 0.2, "sparse": 0.1, "rows": 0.05},
    "cells": {"cells": 1.0},
    "sieve": {"spread": 0.35, "heap": 0.35, "sparse": 0.15, "groups": 0.15},
    "lightbox": {"spread": 0.4, "rows": 0.3, "groups": 0.15, "sparse": 0.1, "single": 0.05},
    "mat": {"paper": 0.3, "bag": 0.25, "spread": 0.2, "heap": 0.1, "single": 0.1, "sparse": 0.05},
    "table": {"paper": 0.45, "bag": 0.3, "spread": 0.1, "heap": 0.1, "single": 0.05},
}
_SPARSE = ("sparse", "single")


def _make_camera(rng: np.random.Generator, kind: str) -> Camera:
    _, longs, aspects, portrait, quality = _CAMERA_OUTPUT[kind]
    noise, vignette, sharpen, sat, blur, jitter, tilt, keystone, _ = _CAMERA_OPTICS[kind]
    long = int(rng.choice(longs))
    short = round(long / float(rng.choice(aspects)))
    return Camera(
        kind=kind,
        size=(short, long) if rng.random() < portrait else (long, short),
        quality=int(rng.integers(quality[0], quality[1] + 1)),
        noise=float(rng.uniform(*noise)),
        vignette=float(rng.uniform(*vignette)),
        sharpen=int(sharpen),
        saturation=float(sat * rng.uniform(0.97, 1.03)),
        blur=float(rng.uniform(*blur)),
        jitter=float(jitter),
        tilt=float(tilt),
        keystone=float(keystone),
    )


def _surface_colour(surface: str, rng: np.random.Generator) -> RGB:
    """Colour of a work surface, with the small variety real materials have."""
    table = {
        "paper": [(246, 246, 242), (240, 242, 244), (248, 246, 238)],
        "liner": [(196, 216, 236), (186, 206, 232), (208, 222, 238)],
        "velvet": [(24, 24, 26), (20, 26, 48), (18, 44, 30), (52, 16, 24)],
        "felt": [(120, 122, 124), (96, 98, 104), (150, 150, 146)],
        "tray": [(232, 234, 234), (36, 36, 38), (214, 226, 236)],
        "metal": [(182, 184, 186), (160, 162, 166)],
        "cells": [(230, 232, 232), (34, 34, 36), (220, 226, 210)],
        "sieve": [(176, 178, 180), (150, 140, 110)],
        "lightbox": [(248, 250, 252)],
        "mat": [(38, 112, 80), (40, 70, 120), (60, 62, 66)],
        "table": [(0, 0, 0)],
    }[surface]
    base = table[int(rng.integers(len(table)))]
    f = rng.uniform(0.95, 1.04)
    return _scale_rgb(base, f)


def _zone_without(zone: Box, rect: Box, gap: float) -> Box:
    """The largest of the four cuts of the zone that keep clear of a prop."""
    x0, y0, x1, y1 = zone
    if rect[2] + gap <= x0 or rect[0] - gap >= x1 or rect[3] + gap <= y0 or rect[1] - gap >= y1:
        return zone
    cuts = [
        (rect[2] + gap, y0, x1, y1),
        (x0, y0, rect[0] - gap, y1),
        (x0, rect[3] + gap, x1, y1),
        (x0, y0, x1, rect[1] - gap),
    ]
    return max(cuts, key=lambda b: max(0.0, b[2] - b[0]) * max(0.0, b[3] - b[1]))


def _make_props(
    rng: np.random.Generator, box: Box, view: Box, field_mm: float
) -> tuple[tuple[Prop, ...], Box]:
    """Place the set-up's props along the edges of the surface without overlaps; return them and
    the zone left for the stones."""
    m = 0.035
    x0, y0 = max(box[0], view[0]) + m, max(box[1], view[1]) + m
    x1, y1 = min(box[2], view[2]) - m, min(box[3], view[3]) - m
    props: list[Prop] = []
    rects: list[Box] = []
    gap = 0.012

    def zone_left(extra: list[Box]) -> Box:
        zone = (x0, y0, x1, y1)
        for rect in extra:
            zone = _zone_without(zone, rect, gap)
        return zone

    def roomy(zone: Box) -> bool:
        """Props go round the stones, they do not crowd them out."""
        return zone[2] - zone[0] >= 0.5 * (x1 - x0) and zone[3] - zone[1] >= 0.5 * (y1 - y0)

    def put(kind: str, length: float, thick: float, upright: bool) -> None:
        """upright props (cards, read-outs) keep their text level; others lie along the side."""
        sides = ["top", "bottom", "left", "right"]
        rng.shuffle(sides)
        for side in sides:
            along_x = side in ("top", "bottom")
            span = (x0, x1) if along_x else (y0, y1)
            par = length if (along_x or not upright) else thick
            dep = thick if (along_x or not upright) else length
            if par > span[1] - span[0]:
                continue
            for frac in rng.permutation([0.0, 0.5, 1.0, 0.25, 0.75]).tolist():
                c = span[0] + par / 2 + frac * (span[1] - span[0] - par)
                if along_x:
                    cx, cy = c, (y0 + dep / 2 if side == "top" else y1 - dep / 2)
                    rect = (c - par / 2, cy - dep / 2, c + par / 2, cy + dep / 2)
                else:
                    cx, cy = (x0 + dep / 2 if side == "left" else x1 - dep / 2), c
                    rect = (cx - dep / 2, c - par / 2, cx + dep / 2, c + par / 2)
                if any(
                    rect[0] < b[2] + gap
                    and b[0] < rect[2] + gap
                    and rect[1] < b[3] + gap
                    and b[1] < rect[3] + gap
                    for b in rects
                ):
                    continue
                if not roomy(zone_left([*rects, rect])):
                    continue
                rects.append(rect)
                angle = float(rng.normal(0, 2.0)) + (0.0 if along_x or upright else 90.0)
                props.append(Prop(kind, cx, cy, length, angle, int(rng.integers(1 << 30))))
                return

    if rng.random() < 0.92:
        lw = float(np.clip(55.0 / field_mm, 0.1, 0.19))
        put("label", lw, lw * 0.62, True)
    if rng.random() < 0.5:
        rl = float(np.clip(150.0 / field_mm, 0.28, 0.55))
        put("ruler", rl, rl / 9, False)
    if rng.random() < 0.35:
        sw = float(np.clip(45.0 / field_mm, 0.09, 0.15))
        put("scale", sw, sw * 0.55, True)
    if rng.random() < 0.3:
        cw = float(np.clip(80.0 / field_mm, 0.14, 0.26))
        put("colourcard", cw, cw * 0.34, True)
    if rng.random() < 0.6:
        tl = float(np.clip(120.0 / field_mm, 0.2, 0.42))
        put("tweezers", tl, tl * 0.1, False)
    zone = zone_left(rects)
    return tuple(props), zone


def _make_setup(office: Office, k: int, camera_kind: str, surface: str) -> Setup:
    """One physical place where an office photographs parcels."""
    rng = _rng("setup", office.index, k)
    cam = _make_camera(rng, camera_kind)
    cw, ch = cam.size
    s = min(1.0, WORK_LONG / max(cw, ch))
    work = (max(64, round(cw * s)), max(64, round(ch * s)))
    scene = (round(work[0] * (1 + 2 * PAD)), round(work[1] * (1 + 2 * PAD)))
    long_px = max(scene)
    sw, sh = scene[0] / long_px, scene[1] / long_px  # scene extent in long-side units
    view = (
        sw * PAD / (1 + 2 * PAD),
        sh * PAD / (1 + 2 * PAD),
        sw * (1 + PAD) / (1 + 2 * PAD),
        sh * (1 + PAD) / (1 + 2 * PAD),
    )
    field_mm = float(rng.uniform(*_CAMERA_OPTICS[cam.kind][-1]))
    full = surface != "table" and rng.random() < 0.3
    if full or surface == "table":
        box = (0.0, 0.0, sw, sh)
    else:
        vw, vh = view[2] - view[0], view[3] - view[1]
        bw, bh = vw * rng.uniform(0.6, 0.92), vh * rng.uniform(0.6, 0.92)
        cx = sw / 2 + rng.uniform(-0.5, 0.5) * (vw - bw) * 0.6
        cy = sh / 2 + rng.uniform(-0.5, 0.5) * (vh - bh) * 0.6
        box = (cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2)
    props, zone = _make_props(rng, box, view, field_mm)
    table = _pick(rng, {"wood": 0.35, "laminate": 0.3, "baize": 0.1, "steel": 0.1, "white": 0.15})
    table_rgb = {
        "wood": (128, 86, 52),
        "laminate": (176, 172, 160),
        "baize": (36, 92, 58),
        "steel": (140, 144, 148),
        "white": (226, 226, 222),
    }[table]
    light = _pick(rng, {"led": 0.35, "fluorescent": 0.3, "tungsten": 0.15, "window": 0.2})
    gains = {
        "led": (0.98, 1.0, 1.04),
        "fluorescent": (0.95, 1.03, 0.97),
        "tungsten": (1.12, 1.0, 0.8),
        "window": (0.99, 1.0, 1.06),
    }[light]
    gains = _jitter3(gains, rng, 0.03)
    habits = {k2: v * rng.uniform(0.5, 1.5) for k2, v in _HABITS[surface].items()}
    cells = (int(rng.integers(3, 7)), int(rng.integers(2, 5)))
    if sh > sw:
        cells = (cells[1], cells[0])
    return Setup(
        key=f"{office.code}-{k}",
        office=office,
        camera=cam,
        work=work,
        scene=scene,
        field_mm=field_mm,
        table=table,
        table_rgb=_scale_rgb(table_rgb, rng.uniform(0.9, 1.1)),
        surface=surface,
        surface_rgb=_surface_colour(surface, rng),
        surface_box=box,
        cells=cells,
        zone=zone,
        light_angle=float(rng.uniform(0, 2 * math.pi)),
        light_kind=light,
        gains=gains,
        exposure=float(rng.uniform(0.92, 1.08)),
        gradient=float(rng.uniform(0.25, 0.45) if light == "window" else rng.uniform(0.0, 0.18)),
        shadow=0.0 if surface == "lightbox" else float(rng.uniform(0.18, 0.5)),
        props=props,
        habits=tuple(habits.items()),
        pose=(
            float(rng.normal(0, 0.008)),
            float(rng.normal(0, 0.008)),
            float(rng.normal(0, 1.2 if cam.tilt > 0.5 else 0.4)),
            float(rng.uniform(1.0, 1.04)),
        ),
    )


@functools.cache
def _offices() -> tuple[Office, ...]:
    out = []
    for idx, (code, city, profile, volume) in enumerate(_OFFICES):
        rng = _rng("office", idx)
        card = [(250, 250, 246), (255, 248, 214), (236, 244, 252), (250, 236, 236)][int(rng.integers(4))]
        accent = [(20, 60, 140), (150, 20, 30), (20, 110, 60), (40, 40, 40), (200, 120, 0)][
            int(rng.integers(5))
        ]
        prefix = f"{int(rng.integers(1, 99)):02d}"
        font = ["sans", "bold", "mono", "serif", "cond"][int(rng.integers(5))]
        out.append(Office(idx, code, city, prefix, profile, card, accent, font, volume))
    return tuple(out)


def _setup_count(office: Office) -> int:
    """Busy offices run more set-ups (one to three)."""
    return int(np.clip(round(office.volume * 1.6 + _rng("setups", office.index).uniform(-0.6, 0.6)), 1, 3))


def _deal(name: str, weights: dict[str, float]) -> tuple[str, ...]:
    """Deal options to the world's set-ups: each option once, the rest in proportion to the weights
    (largest remainders), shuffled; so every camera kind and every surface is in use somewhere and
    the common ones (velvet, paper, phones) are common."""
    total = sum(_setup_count(o) for o in _offices())
    keys = list(weights)
    share = np.array([weights[k] for k in keys]) / sum(weights.values()) * max(0, total - len(keys))
    extra = np.floor(share).astype(int)
    for j in np.argsort(-(share - extra))[: max(0, total - len(keys)) - int(extra.sum())]:
        extra[j] += 1
    dealt = [k for k, n in zip(keys, extra, strict=True) for _ in range(1 + int(n))]
    return tuple(dealt[int(j)] for j in _rng("deal", name).permutation(len(dealt)))


@functools.cache
def _setups(office_index: int) -> tuple[Setup, ...]:
    office = _offices()[office_index]
    first = sum(_setup_count(o) for o in _offices()[:office_index])
    cameras = _deal("camera", {k: v[0] for k, v in _CAMERA_OUTPUT.items()})
    surfaces = _deal("surface", _SURFACES)
    return tuple(
        _make_setup(office, k, cameras[first + k], surfaces[first + k]) for k in range(_setup_count(office))
    )


@functools.cache
def _setup_by_key(key: str) -> Setup:
    code, k = key.split("-")
    office = next(o for o in _offices() if o.code == code)
    return _setups(office.index)[int(k)]


def _make_session(setup: Setup, key: str, day: datetime.date) -> Session:
    """A day at one set-up: the camera, lamp and props drift a little from the set-up."""
    rng = _rng("session", key)
    cam = setup.camera
    move = 0.004 if cam.kind in ("copy-stand", "document-camera") else 0.012
    dx, dy, rot, zoom = setup.pose
    pose = (
        dx + float(rng.normal(0, move)),
        dy + float(rng.normal(0, move)),
        rot + float(rng.normal(0, 0.6 if cam.tilt > 0.5 else 0.15)),
        zoom * float(rng.uniform(0.99, 1.02)),
    )
    gains = _jitter3(setup.gains, rng, 0.03)
    props = []
    for p in setup.props:
        shift = 0.01 if p.kind != "tweezers" else 0.0
        props.append(
            replace(
                p,
                x=p.x + float(rng.normal(0, shift)),
                y=p.y + float(rng.normal(0, shift)),
                angle=p.angle + float(rng.normal(0, 1.5)),
            )
        )
    return Session(
        key=key,
        setup=setup,
        day=day,
        pose=pose,
        gains=gains,
        exposure=setup.exposure * float(rng.uniform(0.95, 1.05)),
        cert_base=int(rng.integers(100_000, 990_000)),
        props=tuple(props),
    )


@functools.lru_cache(maxsize=4096)
def _schedule_session(k: int) -> Session:
    """The k-th office day of the world schedule. Set-ups take turns in shuffled rounds, so each
    round of days shows every set-up (every camera size, surface and lamp) once, and busy offices
    (which have more set-ups) have more days."""
    setups = _all_setups()
    order = _rng("round", k // len(setups)).permutation(len(setups))
    setup = setups[int(order[k % len(setups)])]
    day = datetime.date(2024, 1, 8) + datetime.timedelta(days=int(k * 0.6) % 1500)
    return _make_session(setup, f"day{k}", day)


@functools.cache
def _all_setups() -> tuple[Setup, ...]:
    return tuple(s for o in _offices() for s in _setups(o.index))


_SESSION_STARTS: list[int] = [0]


def _original_slot(i: int) -> tuple[int, int]:
    """Which day (session) the i-th original belongs to and its place in that day: 2-6 a day."""
    while _SESSION_STARTS[-1] <= i:
        k = len(_SESSION_STARTS) - 1
        _SESSION_STARTS.append(_SESSION_STARTS[-1] + 2 + int(_rng("daysize", k).integers(0, 5)))
    k = bisect.bisect_right(_SESSION_STARTS, i) - 1
    return k, i - _SESSION_STARTS[k]


@dataclass(frozen=True)
class Plan:
    session: int
    slot: int
    arrangement: str
    exposure: str


def _habit(setup: Setup, rng: np.random.Generator) -> str:
    return _pick(rng, dict(setup.habits))


def _exposure_issue(rng: np.random.Generator) -> str:
    return _pick(rng, {"normal": 0.88, "dark": 0.04, "over": 0.04, "flat": 0.04})


@functools.lru_cache(maxsize=8192)
def _plan(i: int) -> Plan:
    """The world's plan for original i; fixed for every seed, so unrelated photos can aim at it."""
    k, slot = _original_slot(i)
    rng = _rng("plan", i)
    setup = _schedule_session(k).setup
    return Plan(k, slot, _habit(setup, rng), _exposure_issue(rng))


# --------------------------------------------------------------------------- backgrounds


def _smooth(rng: np.random.Generator, w: int, h: int, cells: int) -> np.ndarray:
    """Low-frequency noise in about [-1, 1] (lighting unevenness, paper cockle, velvet sheen)."""
    cw = max(2, cells if w >= h else round(cells * w / h))
    chh = max(2, cells if h >= w else round(cells * h / w))
    small = rng.standard_normal((chh, cw)).astype(np.float32)
    return np.asarray(Image.fromarray(small).resize((w, h), BICUBIC))


def _streaks(rng: np.random.Generator, w: int, h: int, along_x: bool = True, stretch: int = 24) -> np.ndarray:
    """Noise stretched along one axis (wood grain, brushed metal)."""
    if along_x:
        small = rng.standard_normal((h, max(2, w // stretch))).astype(np.float32)
    else:
        small = rng.standard_normal((max(2, h // stretch), w)).astype(np.float32)
    return np.asarray(Image.fromarray(small).resize((w, h), BILINEAR))


def _table_texture(setup: Setup, rng: np.random.Generator) -> np.ndarray:
    w, h = setup.scene
    base = np.array(setup.table_rgb, dtype=np.float32)
    fine = rng.standard_normal((h, w), dtype=np.float32)
    if setup.table == "wood":
        y = np.arange(h, dtype=np.float32)[:, None] / max(w, h)
        t = y * rng.uniform(60, 110) + 1.8 * _smooth(rng, w, h, 5) + 0.4 * _streaks(rng, w, h)
        v = 0.84 + 0.1 * np.sin(t * 2 * math.pi) + 0.05 * _streaks(rng, w, h) + 0.015 * fine
    elif setup.table == "steel":
        v = 1.0 + 0.05 * _streaks(rng, w, h, stretch=40) + 0.02 * fine + 0.04 * _smooth(rng, w, h, 3)
    elif setup.table == "baize":
        v = 1.0 + 0.07 * fine + 0.05 * _smooth(rng, w, h, 8)
    else:
        v = 1.0 + 0.02 * fine + 0.03 * _smooth(rng, w, h, 4)
    return v[..., None] * base


def _surface_texture(setup: Setup, w: int, h: int, rng: np.random.Generator) -> np.ndarray:
    """The work surface's material as a float image of its own box."""
    base = np.array(setup.surface_rgb, dtype=np.float32)
    fine = rng.standard_normal((h, w), dtype=np.float32)
    kind = setup.surface
    if kind in ("paper", "liner"):
        v = 1.0 + 0.012 * fine + 0.015 * _smooth(rng, w, h, 6)
        # the sheet was folded: panels catch the light differently
        for frac, axis in (
            (rng.uniform(0.3, 0.36), 1),
            (rng.uniform(0.64, 0.7), 1),
            (rng.uniform(0.45, 0.55), 0),
        ):
            if axis == 1:
                c = int(frac * w)
                v[:, c:] *= rng.uniform(0.975, 1.01)
                v[:, max(0, c - 1) : c + 1] *= 0.93
            else:
                c = int(frac * h)
                v[c:, :] *= rng.uniform(0.975, 1.01)
                v[max(0, c - 1) : c + 1, :] *= 0.94
    elif kind == "velvet":
        v = 1.0 + 0.16 * fine + 0.22 * _smooth(rng, w, h, 5)
    elif kind == "felt":
        # matted fibres: grain a few pixels across, no larger pattern
        v = 1.0 + 0.05 * fine + 0.07 * _smooth(rng, w, h, max(w, h) // 3) + 0.02 * _smooth(rng, w, h, 4)
    elif kind == "metal":
        v = 1.0 + 0.05 * _streaks(rng, w, h, stretch=50) + 0.015 * fine + 0.05 * _smooth(rng, w, h, 3)
    elif kind == "lightbox":
        v = 1.0 + 0.006 * fine + 0.02 * _smooth(rng, w, h, 3)
    elif kind == "mat":
        v = 1.0 + 0.03 * fine + 0.03 * _smooth(rng, w, h, 4)
    else:  # plastic trays, cells, sieve plate
        v = 1.0 + 0.02 * fine + 0.04 * _smooth(rng, w, h, 3)
    return v[..., None] * base


def _draw_surface_details(
    img: Image.Image, setup: Setup, bx: tuple[int, int, int, int], rng: np.random.Generator
) -> None:
    """Rims, compartments, sieve holes and mat grid: the repetitive structure of some surfaces."""
    d = ImageDraw.Draw(img)
    x0, y0, x1, y1 = bx
    long_px = max(setup.scene)
    rgb = setup.surface_rgb
    kind = setup.surface
    dark = sum(rgb) < 300
    if kind in ("tray", "metal", "cells", "sieve", "lightbox"):
        rim = max(3, int(0.018 * long_px))
        edge = _scale_rgb(rgb, 1.25 if dark else 0.8)
        if kind == "lightbox":
            edge = (70, 72, 76)
        d.rectangle([x0, y0, x1, y1], outline=edge, width=rim)
        d.rectangle(
            [x0 + rim, y0 + rim, x1 - rim, y1 - rim], outline=_scale_rgb(rgb, 0.9), width=max(1, rim // 3)
        )
    if kind == "cells":
        nx, ny = setup.cells
        wall = max(2, int(0.008 * long_px))
        wall_rgb = _scale_rgb(rgb, 1.3 if dark else 0.82)
        for j in range(1, nx):
            x = x0 + (x1 - x0) * j / nx
            d.rectangle([x - wall / 2, y0, x + wall / 2, y1], fill=wall_rgb)
            d.line([x + wall / 2 + 1, y0, x + wall / 2 + 1, y1], fill=_scale_rgb(rgb, 0.9), width=1)
        for j in range(1, ny):
            y = y0 + (y1 - y0) * j / ny
            d.rectangle([x0, y - wall / 2, x1, y + wall / 2], fill=wall_rgb)
            d.line([x0, y + wall / 2 + 1, x1, y + wall / 2 + 1], fill=_scale_rgb(rgb, 0.9), width=1)
    elif kind == "sieve":
        pitch = max(6.0, long_px * 2.6 / setup.field_mm * float(rng.uniform(1.2, 2.2)))
        rad = pitch * float(rng.uniform(0.28, 0.38))
        hole = (34, 34, 36)
        lip = _scale_rgb(rgb, 1.15)
        m = int(0.03 * long_px)
        row = 0
        y = y0 + m
        while y < y1 - m:
            x = x0 + m + (pitch / 2 if row % 2 else 0)
            while x < x1 - m:
                d.ellipse([x - rad, y - rad, x + rad, y + rad], fill=hole, outline=lip)
                x += pitch
            y += pitch * 0.866
            row += 1
    elif kind == "mat":
        step = max(5.0, long_px * 10.0 / setup.field_mm)  # a centimetre grid
        line = _scale_rgb(rgb, 1.45)
        j = 0
        x = x0 + step * 0.5
        while x < x1:
            d.line([x, y0, x, y1], fill=line, width=2 if j % 5 == 0 else 1)
            x += step
            j += 1
        j = 0
        y = y0 + step * 0.5
        while y < y1:
            d.line([x0, y, x1, y], fill=line, width=2 if j % 5 == 0 else 1)
            y += step
            j += 1


@functools.lru_cache(maxsize=40)
def _background(key: str) -> Image.Image:
    """The set-up as it stands before any parcel: table and work surface (cached per set-up)."""
    setup = _setup_by_key(key)
    rng = _rng("background", key)
    arr = _table_texture(setup, rng)
    long_px = max(setup.scene)
    bx = tuple(round(v * long_px) for v in setup.surface_box)
    x0, y0 = max(0, bx[0]), max(0, bx[1])
    x1, y1 = min(setup.scene[0], bx[2]), min(setup.scene[1], bx[3])
    if setup.surface != "table":
        if (x1, y1) != setup.scene or (x0, y0) != (0, 0):
            # a soft contact shadow around the surface lying on the table
            s = max(2, int(0.006 * long_px))
            arr[y0 + s : y1 + s, x0 + s : x1 + s] *= 0.82
        arr[y0:y1, x0:x1] = _surface_texture(setup, x1 - x0, y1 - y0, rng)
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    if setup.surface != "table":
        _draw_surface_details(img, setup, (x0, y0, x1 - 1, y1 - 1), rng)
    return img


@functools.lru_cache(maxsize=40)
def _illumination(key: str) -> tuple[Image.Image, float]:
    """Lamp fall-off and lens vignetting over the camera view: a multiplier image scaled to 255,
    and the factor that undoes the scaling."""
    setup = _setup_by_key(key)
    w, h = setup.work
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    xs = (xs - w / 2) / max(w, h)
    ys = (ys - h / 2) / max(w, h)
    lx, ly = math.cos(setup.light_angle), math.sin(setup.light_angle)
    field = 1.0 + setup.gradient * (xs * lx + ys * ly)
    field *= 1.0 - setup.camera.vignette * (xs**2 + ys**2) / 0.25
    top = float(field.max())
    grey = Image.fromarray(np.clip(field / top * 255, 0, 255).astype(np.uint8))
    return Image.merge("RGB", (grey, grey, grey)), top


# --------------------------------------------------------------------------- parcels


def _stone_colour(profile: dict[str, dict[str, float]], rng: np.random.Generator) -> tuple[str, RGB]:
    name = _pick(rng, profile["colour"])
    base = _STONE_RGB[name]
    f = rng.uniform(0.92, 1.06)
    tint = rng.normal(0, 5, 3)
    return name, (_clip8(base[0] * f + tint[0]), _clip8(base[1] * f + tint[1]), _clip8(base[2] * f + tint[2]))


def _make_stone(
    x: float, y: float, r: float, profile: dict, rng: np.random.Generator, palette: RGB | None = None
) -> Stone:
    shape = _pick(rng, profile["shape"])
    _, rgb = _stone_colour(profile, rng)
    if palette is not None:  # sorted groups share a colour class
        rgb = _mix(palette, rgb, 0.25)
    finish = _pick(rng, profile["finish"])
    if shape == "boart":
        rgb = _scale_rgb(rgb, 0.6)
        finish = "coated"
    elong = float(rng.uniform(0.5, 0.9) if shape == "fragment" else rng.uniform(0.8, 1.0))
    return Stone(
        x=float(x),
        y=float(y),
        r=float(r),
        shape=shape,
        rgb=rgb,
        finish=finish,
        angle=float(rng.uniform(0, 2 * math.pi)),
        elong=elong,
        vseed=int(rng.integers(1 << 31)),
    )


def _radii(n: int, r_mean: float, sorted_goods: bool, rng: np.random.Generator) -> np.ndarray:
    sigma = 0.15 if sorted_goods else 0.45
    return r_mean * np.exp(rng.normal(0, sigma, n) - sigma**2 / 2)


def _jittered_grid(zone: Box, n: int, r: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Non-overlapping positions for a spread parcel: random cells of a grid, jittered."""
    x0, y0, x1, y1 = zone
    w, h = x1 - x0, y1 - y0
    cols = max(1, math.ceil(math.sqrt(n * 1.6 * w / h)))
    rows = max(1, math.ceil(n * 1.6 / cols))
    cw, ch = w / cols, h / rows
    cells = rng.choice(cols * rows, size=min(n, cols * rows), replace=False)
    out = np.empty((len(cells), 2))
    for k, c in enumerate(cells):
        rad = min(r[k], cw / 2, ch / 2)
        jx = max(0.0, cw / 2 - rad)
        jy = max(0.0, ch / 2 - rad)
        out[k, 0] = x0 + (c % cols + 0.5) * cw + rng.uniform(-jx, jx)
        out[k, 1] = y0 + (c // cols + 0.5) * ch + rng.uniform(-jy, jy)
    return out


def _cluster(
    cx: float, cy: float, sigma: float, n: int, zone: Box, r: float, rng: np.random.Generator
) -> np.ndarray:
    """A heap: positions around a centre, redrawn (not clipped) when they fall off the zone."""
    x0, y0, x1, y1 = zone[0] + r, zone[1] + r, zone[2] - r, zone[3] - r
    stretch = np.array([rng.uniform(0.8, 1.3), 1.0])
    pts = rng.normal(0, sigma, (n, 2)) * stretch + [cx, cy]
    for _ in range(6):
        bad = (pts[:, 0] < x0) | (pts[:, 0] > x1) | (pts[:, 1] < y0) | (pts[:, 1] > y1)
        if not bad.any():
            break
        pts[bad] = rng.normal(0, sigma * 0.7, (int(bad.sum()), 2)) * stretch + [cx, cy]
    pts[:, 0] = np.clip(pts[:, 0], x0, max(x0, x1))
    pts[:, 1] = np.clip(pts[:, 1], y0, max(y0, y1))
    return pts


def _size_mm(arrangement: str, rng: np.random.Generator) -> float:
    """Typical stone radius in mm for a parcel of this arrangement."""
    lo, hi = {
        "spread": (1.0, 5.0),
        "rows": (1.2, 5.0),
        "heap": (0.6, 2.2),
        "groups": (0.8, 3.0),
        "sparse": (1.2, 4.0),
        "single": (7.0, 18.0),
        "paper": (0.8, 3.5),
        "bag": (0.8, 3.0),
        "cells": (1.0, 3.5),
    }[arrangement]
    return float(math.exp(rng.uniform(math.log(lo), math.log(hi))))


def _stones(setup: Setup, arrangement: str, zone: Box, rng: np.random.Generator) -> list[Stone]:
    """Stones of one parcel, laid out the way the arrangement says."""
    profile = _PROFILES[setup.office.profile]
    r_mean = _size_mm(arrangement, rng) / setup.field_mm
    r_mean = max(r_mean, 1.6 / max(setup.scene))  # at least a couple of pixels across
    x0, y0, x1, y1 = zone
    area = (x1 - x0) * (y1 - y0)
    sorted_goods = rng.random() < 0.6
    out: list[Stone] = []
    if arrangement == "single":
        r = min(r_mean, 0.3 * min(x1 - x0, y1 - y0))
        cx = (x0 + x1) / 2 + rng.uniform(-0.15, 0.15) * (x1 - x0)
        cy = (y0 + y1) / 2 + rng.uniform(-0.15, 0.15) * (y1 - y0)
        out.append(_make_stone(cx, cy, r, profile, rng))
    elif arrangement in ("spread", "sparse", "paper"):
        fill = rng.uniform(0.04, 0.2) if arrangement != "sparse" else 0.0
        n = int(np.clip(fill * area / (math.pi * r_mean**2), 6, 200)) if fill else int(rng.integers(2, 9))
        r = _radii(n, r_mean, sorted_goods, rng)
        for k, (x, y) in enumerate(_jittered_grid(zone, n, r, rng)):
            out.append(_make_stone(x, y, r[k], profile, rng))
    elif arrangement == "rows":
        n = int(np.clip(rng.uniform(0.05, 0.2) * area / (math.pi * r_mean**2), 5, 140))
        r = np.sort(_radii(n, r_mean, sorted_goods, rng))[::-1]
        gap = rng.uniform(1.2, 2.0)
        slope = rng.normal(0, 0.02)
        x, y = x0 + r[0], y0 + r[0] * gap
        row_h = 0.0
        for k in range(n):
            if x + r[k] > x1:
                x, y = x0 + r[k], y + row_h * gap + r[k]
                row_h = 0.0
            if y + r[k] > y1:
                break
            out.append(_make_stone(x, y + slope * (x - x0), r[k], profile, rng))
            x += 2 * r[k] * gap
            row_h = max(row_h, r[k] * 2)
    elif arrangement in ("heap", "bag"):
        n = int(rng.integers(30, 320 if arrangement == "heap" else 160))
        r = _radii(n, r_mean, sorted_goods, rng)
        sigma = min(r_mean * math.sqrt(n) * rng.uniform(0.5, 0.75), 0.2 * min(x1 - x0, y1 - y0))
        cx = (x0 + x1) / 2 + rng.uniform(-0.2, 0.2) * (x1 - x0)
        cy = (y0 + y1) / 2 + rng.uniform(-0.2, 0.2) * (y1 - y0)
        pts = _cluster(cx, cy, sigma, n, zone, r_mean, rng)
        order = np.argsort(-np.hypot(pts[:, 0] - cx, pts[:, 1] - cy))  # the top of the heap last
        for k in order:
            out.append(_make_stone(pts[k, 0], pts[k, 1], r[k], profile, rng))
    elif arrangement == "groups":
        g = int(rng.integers(2, 6))
        centres = _jittered_grid(zone, g, np.full(g, min(x1 - x0, y1 - y0) / 4), rng)
        for cx, cy in centres:
            _, palette = _stone_colour(profile, rng)
            rg = r_mean * rng.uniform(0.6, 1.5)
            n = int(rng.integers(6, 40))
            sigma = min(rg * math.sqrt(n) * 0.7, 0.15 * min(x1 - x0, y1 - y0))
            for x, y in _cluster(cx, cy, sigma, n, zone, rg, rng):
                out.append(_make_stone(x, y, rg * math.exp(rng.normal(0, 0.15)), profile, rng, palette))
    elif arrangement == "cells":
        bx0, by0, bx1, by1 = setup.surface_box
        nx, ny = setup.cells
        cw, ch = (bx1 - bx0) / nx, (by1 - by0) / ny
        for j in range(ny):
            for i in range(nx):
                if rng.random() < 0.2:
                    continue  # an empty compartment
                cx0, cy0 = bx0 + i * cw, by0 + j * ch
                if cx0 + cw < x0 or cx0 > x1 or cy0 + ch < y0 or cy0 > y1:
                    continue
                rc = r_mean * rng.uniform(0.6, 1.6)
                m = rc + 0.15 * min(cw, ch)
                n = int(rng.integers(1, 7))
                for _ in range(n):
                    x = rng.uniform(cx0 + m, max(cx0 + m, cx0 + cw - m))
                    y = rng.uniform(cy0 + m, max(cy0 + m, cy0 + ch - m))
                    out.append(_make_stone(x, y, rc * math.exp(rng.normal(0, 0.12)), profile, rng))
    return out


def _holder_box(zone: Box, rng: np.random.Generator) -> Box:
    """Where an opened diamond paper or a bag lies in the zone."""
    x0, y0, x1, y1 = zone
    w, h = (x1 - x0) * rng.uniform(0.6, 0.85), (y1 - y0) * rng.uniform(0.6, 0.85)
    cx = (x0 + x1) / 2 + rng.uniform(-0.5, 0.5) * ((x1 - x0) - w)
    cy = (y0 + y1) / 2 + rng.uniform(-0.5, 0.5) * ((y1 - y0) - h)
    return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def _photo_pose(camera: Camera, rng: np.random.Generator) -> tuple[float, float, float, float, float, float]:
    return (
        float(rng.normal(0, camera.jitter)),
        float(rng.normal(0, camera.jitter)),
        float(rng.normal(0, camera.tilt)),
        float(rng.uniform(1.0, 1.0 + 2 * camera.jitter)),
        float(rng.normal(0, camera.keystone)),
        float(rng.normal(0, camera.keystone)),
    )


def _tweezers(session: Session, rng: np.random.Generator) -> tuple[float, float, float] | None:
    """Tweezers are picked up for every parcel and put down somewhere near their usual place."""
    home = next((p for p in session.props if p.kind == "tweezers"), None)
    if home is None:
        return None
    return (
        home.x + float(rng.normal(0, 0.03)),
        home.y + float(rng.normal(0, 0.02)),
        home.angle + float(rng.normal(0, 12)),
    )


def _make_parcel(
    session: Session, slot: int, rng: np.random.Generator, arrangement: str, exposure: str
) -> Parcel:
    """One parcel on one day: stones, label card numbers, where the tweezers lie, the shot."""
    setup = session.setup
    zone = setup.zone
    holder = None
    if arrangement in ("paper", "bag"):
        holder = _holder_box(zone, rng)
        hx0, hy0, hx1, hy1 = holder
        m = 0.18 if arrangement == "paper" else 0.1
        top = 0.22 if arrangement == "bag" else m
        zone = (
            hx0 + m * (hx1 - hx0),
            hy0 + top * (hy1 - hy0),
            hx1 - m * (hx1 - hx0),
            hy1 - m * (hy1 - hy0),
        )
    stones = _stones(setup, arrangement, zone, rng)
    mean_r_mm = float(np.mean([s.r for s in stones])) * setup.field_mm if stones else 1.0
    carats = len(stones) * 0.007 * (2 * mean_r_mm) ** 3 * rng.uniform(0.7, 1.3)  # 3.52 g/cm3, rough shapes
    return Parcel(
        arrangement=arrangement,
        stones=tuple(stones),
        cert=f"{setup.office.code} {setup.office.prefix}{session.cert_base + slot:06d}",
        lot=f"{int(rng.integers(1, 60))}/{int(rng.integers(1, 400)):03d}",
        carats=float(max(0.05, carats)),
        exporter=_EXPORTERS[int(rng.integers(len(_EXPORTERS)))],
        holder=holder,
        tweezers=_tweezers(session, rng),
        label_shift=(float(rng.normal(0, 0.005)), float(rng.normal(0, 0.005)), float(rng.normal(0, 1.5))),
        exposure=exposure,
        pose=_photo_pose(setup.camera, rng),
        noise_key=int(rng.integers(1 << 62)),
    )


# --------------------------------------------------------------------------- drawing props


def _paste_sprite(
    scene: Image.Image, sprite: Image.Image, cx: float, cy: float, angle: float, shadow: float
) -> None:
    """Rotate a prop and lay it on the scene with a soft shadow."""
    rot = sprite.rotate(angle, resample=BICUBIC, expand=True)
    x, y = round(cx - rot.width / 2), round(cy - rot.height / 2)
    if shadow > 0:
        alpha = rot.getchannel("A").point(lambda a: int(a * shadow))
        off = max(1, rot.width // 60)
        dark = Image.new("RGB", rot.size, (0, 0, 0))
        scene.paste(dark, (x + off, y + off), alpha.filter(ImageFilter.BoxBlur(off)))
    scene.paste(rot, (x, y), rot)


def _label_sprite(office: Office, parcel: Parcel, day: datetime.date, w: int) -> Image.Image:
    """The office's label card: certificate number, lot, weight, date, exporter and a barcode."""
    h = max(12, int(w * 0.62))
    card = Image.new("RGBA", (w, h), (*office.card_rgb, 255))
    d = ImageDraw.Draw(card)
    bar = int(h * 0.17)
    d.rectangle([0, 0, w, bar], fill=(*office.accent_rgb, 255))
    fs = max(6, int(h * 0.105))
    d.text(
        (w * 0.05, bar * 0.15),
        f"KP  {office.code}  {office.city.upper()}",
        fill=(255, 255, 255, 255),
        font=_font("bold", fs),
    )
    lines = [
        f"Cert {parcel.cert}",
        f"Lot {parcel.lot}   {day.isoformat()}",
        f"{parcel.carats:.2f} ct  ({len(parcel.stones)} st)",
        parcel.exporter,
    ]
    y = bar + h * 0.04
    for line in lines:
        d.text((w * 0.05, y), line, fill=(20, 20, 25, 255), font=_font(office.font, fs))
        y += fs * 1.22
    bits = zlib.crc32(parcel.cert.encode() + parcel.lot.encode())
    x = w * 0.05
    unit = max(1.0, w / 160)
    for k in range(44):
        bw = unit * (1 + ((bits >> (k % 30)) & 1) + ((k * 7 + bits) % 3 == 0))
        if k % 2 == 0:
            d.rectangle([x, h * 0.86, max(x, x + bw - 1), h * 0.96], fill=(10, 10, 10, 255))
        x += bw
        if x > w * 0.95:
            break
    d.rectangle([0, 0, w - 1, h - 1], outline=(150, 150, 150, 255))
    return card


def _scale_sprite(parcel: Parcel, w: int, style: int) -> Image.Image:
    """A carat scale's read-out window showing this parcel's weight."""
    h = max(10, int(w * 0.55))
    img = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    body = [(60, 62, 66), (210, 210, 206), (30, 30, 34)][style % 3]
    lcd = [(168, 196, 150), (40, 60, 40), (190, 214, 226)][style % 3]
    ink = (20, 30, 20) if style % 3 != 1 else (90, 255, 120)
    d.rounded_rectangle([0, 0, w - 1, h - 1], radius=max(2, h // 8), fill=(*body, 255))
    d.rectangle([w * 0.08, h * 0.15, w * 0.92, h * 0.65], fill=(*lcd, 255))
    text = f"{parcel.carats:.2f}"
    fs = max(6, int(min(h * 0.38, w * 0.62 / max(4, len(text)) / 0.6)))
    font = _font("mono", fs)
    d.text((w * 0.74 - d.textlength(text, font=font), h * 0.4 - fs * 0.6), text, fill=(*ink, 255), font=font)
    d.text((w * 0.76, h * 0.52 - fs * 0.5), "ct", fill=(*ink, 255), font=_font("sans", max(6, fs // 2)))
    for k in range(3):
        cx = w * (0.25 + 0.25 * k)
        d.ellipse([cx - h * 0.08, h * 0.75, cx + h * 0.08, h * 0.91], fill=(120, 120, 124, 255))
    return img


@functools.lru_cache(maxsize=128)
def _ruler_sprite(length: int, n_cm: int, style: int) -> Image.Image:
    """A plain ruler with millimetre ticks and centimetre numbers."""
    h = max(8, length // 9)
    colour = [(244, 244, 236), (236, 206, 70), (190, 192, 196), (250, 250, 250)][style % 4]
    img = Image.new("RGBA", (length, h), (*colour, 255))
    d = ImageDraw.Draw(img)
    pad = length * 0.03
    step = (length - 2 * pad) / (n_cm * 10)
    fs = max(6, int(h * 0.32))
    font = _font("sans", fs)
    for mm in range(n_cm * 10 + 1):
        if step < 2.0 and mm % 5:
            continue
        x = pad + mm * step
        th = h * (0.45 if mm % 10 == 0 else 0.3 if mm % 5 == 0 else 0.18)
        d.line([x, 0, x, th], fill=(20, 20, 20, 255), width=1)
        if mm % 10 == 0 and step * 10 > fs * 1.2:
            d.text((x + 1, th), str(mm // 10), fill=(20, 20, 20, 255), font=font)
    d.rectangle([0, 0, length - 1, h - 1], outline=(110, 110, 110, 255))
    return img


_COLOUR_PATCHES = (
    (115, 82, 68),
    (194, 150, 130),
    (98, 122, 157),
    (87, 108, 67),
    (133, 128, 177),
    (103, 189, 170),
    (214, 126, 44),
    (80, 91, 166),
    (193, 90, 99),
    (94, 60, 108),
    (157, 188, 64),
    (224, 163, 46),
    (243, 243, 242),
    (200, 200, 200),
    (160, 160, 160),
    (122, 122, 121),
    (85, 85, 85),
    (52, 52, 52),
)


@functools.lru_cache(maxsize=128)
def _colour_card_sprite(w: int) -> Image.Image:
    """A small colour-checker strip, as some offices lay beside the stones."""
    h = max(6, int(w * 0.34))
    img = Image.new("RGBA", (w, h), (20, 20, 20, 255))
    d = ImageDraw.Draw(img)
    cols, rows = 9, 2
    pw, ph = (w - 4) / cols, (h - 4) / rows
    for k, rgb in enumerate(_COLOUR_PATCHES):
        i, j = k % cols, k // cols
        d.rectangle(
            [2 + i * pw + 1, 2 + j * ph + 1, 2 + (i + 1) * pw - 1, 2 + (j + 1) * ph - 1], fill=(*rgb, 255)
        )
    return img


def _draw_tweezers(scene: Image.Image, x: float, y: float, angle: float, length: float) -> None:
    """Steel tweezers seen from above: two tapering arms joined at the back, slightly sprung apart
    in the middle and meeting at the tips; a soft shadow beside them."""
    a = math.radians(angle)
    ux, uy = math.cos(a), math.sin(a)
    px, py = -uy, ux
    width = max(2.0, length * 0.03)
    opening = length * 0.018
    stations = ((-0.5, 0.45, 1.0), (-0.3, 0.9, 1.0), (0.15, 1.0, 0.8), (0.5, 0.12, 0.3))

    def arm(sgn: int, dx: float = 0.0, dy: float = 0.0) -> list[tuple[float, float]]:
        inner, outer = [], []
        for t, o, wf in stations:
            cx = x + ux * t * length + px * o * opening * sgn + dx
            cy = y + uy * t * length + py * o * opening * sgn + dy
            half = width * wf / 2
            inner.append((cx - px * half * sgn, cy - py * half * sgn))
            outer.append((cx + px * half * sgn, cy + py * half * sgn))
        return inner + outer[::-1]

    d = ImageDraw.Draw(scene)
    off = max(1.0, width * 0.6)
    outlines = [arm(sgn, off, off) for sgn in (-1, 1)]
    pad = int(2 * off) + 2
    bx0 = int(min(p[0] for o in outlines for p in o)) - pad
    by0 = int(min(p[1] for o in outlines for p in o)) - pad
    bx1 = int(max(p[0] for o in outlines for p in o)) + pad
    by1 = int(max(p[1] for o in outlines for p in o)) + pad
    shadow = Image.new("L", (bx1 - bx0, by1 - by0), 0)
    sd = ImageDraw.Draw(shadow)
    for o in outlines:
        sd.polygon([(u - bx0, v - by0) for u, v in o], fill=90)
    scene.paste((0, 0, 0), (bx0, by0, bx1, by1), shadow.filter(ImageFilter.BoxBlur(max(1, int(off)))))
    for sgn in (-1, 1):
        pts = arm(sgn)
        d.polygon(pts, fill=(150, 153, 160), outline=(95, 97, 104))
        mid = [
            ((pts[k][0] + pts[-1 - k][0]) / 2, (pts[k][1] + pts[-1 - k][1]) / 2) for k in range(len(stations))
        ]
        d.line(mid[:3], fill=(222, 225, 232), width=max(1, int(width / 4)))


def _draw_props(scene: Image.Image, session: Session, parcel: Parcel) -> None:
    long_px = max(scene.size)
    for p in session.props:
        if p.kind == "tweezers":
            continue  # laid down after the stones
        cx, cy, angle = p.x * long_px, p.y * long_px, p.angle
        w = max(8, int(p.size * long_px))
        if p.kind == "label":
            dx, dy, da = parcel.label_shift
            sprite = _label_sprite(session.setup.office, parcel, session.day, w)
            cx, cy, angle = cx + dx * long_px, cy + dy * long_px, angle + da
        elif p.kind == "scale":
            sprite = _scale_sprite(parcel, w, p.style)
        elif p.kind == "ruler":
            n_cm = int(np.clip(round(p.size * session.setup.field_mm / 10), 3, 30))
            sprite = _ruler_sprite(w, n_cm, p.style)
        else:
            sprite = _colour_card_sprite(w)
        _paste_sprite(scene, sprite, cx, cy, -angle, 0.35)


def _draw_paper(scene: Image.Image, box: Box, parcel: Parcel) -> None:
    """An opened diamond paper: white outer fold, blue liner, the lot written on the flap."""
    long_px = max(scene.size)
    x0, y0, x1, y1 = (v * long_px for v in box)
    s = max(2, int(0.005 * long_px))
    box_px = (max(0, int(x0) - 2 * s), max(0, int(y0) - 2 * s), int(x1) + 3 * s, int(y1) + 3 * s)
    shadow = Image.new("L", (box_px[2] - box_px[0], box_px[3] - box_px[1]), 0)
    ImageDraw.Draw(shadow).rectangle(
        [x0 + s - box_px[0], y0 + s - box_px[1], x1 + s - box_px[0], y1 + s - box_px[1]], fill=70
    )
    scene.paste((0, 0, 0), box_px, shadow.filter(ImageFilter.BoxBlur(s)))
    d = ImageDraw.Draw(scene)
    d.rectangle([x0, y0, x1, y1], fill=(247, 247, 244), outline=(200, 200, 198))
    w, h = x1 - x0, y1 - y0
    for f in (1 / 3, 2 / 3):
        d.line([x0 + f * w, y0, x0 + f * w, y1], fill=(222, 222, 220), width=1)
        d.line([x0, y0 + f * h, x1, y0 + f * h], fill=(226, 226, 224), width=1)
    d.rectangle([x0 + 0.12 * w, y0 + 0.12 * h, x1 - 0.12 * w, y1 - 0.12 * h], fill=(200, 218, 238))
    text = f"{parcel.lot}  {parcel.carats:.2f}ct"
    fs = max(7, int(0.055 * h))
    fs = max(7, int(fs * min(1.0, 0.74 * w / max(1.0, d.textlength(text, font=_font("hand", fs))))))
    d.text((x0 + 0.14 * w, y0 + 0.03 * h), text, fill=(30, 40, 120), font=_font("hand", fs))


def _draw_bag(scene: Image.Image, box: Box, parcel: Parcel) -> None:
    """A clear zip bag over the stones: haze, reflections, zip and a write-on strip."""
    long_px = max(scene.size)
    x0, y0, x1, y1 = (round(v * long_px) for v in box)
    w, h = x1 - x0, y1 - y0
    if w < 8 or h < 8:
        return
    over = Image.new("RGBA", (w, h), (226, 232, 240, 48))  # the film hazes and tints what lies under it
    d = ImageDraw.Draw(over)
    rng = random.Random(parcel.noise_key)
    for _ in range(rng.randint(2, 4)):
        a = rng.uniform(0.1, 0.9) * w
        bw = rng.uniform(0.02, 0.06) * w
        d.polygon([(a, 0), (a + bw, 0), (a + bw - 0.3 * h, h), (a - 0.3 * h, h)], fill=(255, 255, 255, 60))
    zip_h = max(2, int(0.03 * h))
    d.rectangle([0, int(0.04 * h), w, int(0.04 * h) + zip_h], fill=(200, 40, 40, 200))
    d.rectangle([int(0.06 * w), int(0.09 * h), int(0.7 * w), int(0.19 * h)], fill=(248, 248, 248, 235))
    fs = max(7, int(0.07 * h))
    d.text(
        (0.08 * w, 0.1 * h),
        f"{parcel.lot}  {parcel.carats:.1f} ct",
        fill=(20, 20, 90, 255),
        font=_font("hand", fs),
    )
    edge = max(2, w // 120)
    d.rectangle([0, 0, w - 1, h - 1], outline=(110, 114, 122, 150), width=edge)
    d.rectangle(
        [edge, edge, w - 1 - edge, h - 1 - edge], outline=(255, 255, 255, 130), width=max(1, edge // 2)
    )
    scene.paste(over, (x0, y0), over)


# --------------------------------------------------------------------------- drawing stones


def _outline(st: Stone, px: float) -> list[tuple[float, float]]:
    """The stone's silhouette seen from above, in pixels."""
    rnd = random.Random(st.vseed)
    shape = st.shape
    if shape == "octahedron":
        angles = [math.pi / 4 + k * math.pi / 2 + rnd.uniform(-0.12, 0.12) for k in range(4)]
        radii = [rnd.uniform(0.85, 1.0) for _ in angles]
        if rnd.random() < 0.5:  # resorbed corners
            angles = [a + d for a in angles for d in (-0.2, 0.2)]
            radii = [r * 0.88 for r in radii for _ in (0, 1)]
    elif shape == "cube":
        angles = [k * math.pi / 2 + math.pi / 4 + rnd.uniform(-0.05, 0.05) for k in range(4)]
        radii = [rnd.uniform(0.93, 1.0) for _ in angles]
    elif shape == "macle":
        angles = [math.pi / 2 + k * 2 * math.pi / 3 + d for k in range(3) for d in (-0.3, 0.3)]
        radii = [rnd.uniform(0.8, 0.95) for _ in angles]
    elif shape == "fragment":
        n = rnd.randint(4, 7)
        angles = sorted(rnd.uniform(0, 2 * math.pi) for _ in range(n))
        radii = [rnd.uniform(0.55, 1.0) for _ in angles]
    elif shape == "boart":
        n = rnd.randint(9, 13)
        angles = [k * 2 * math.pi / n + rnd.uniform(-0.2, 0.2) for k in range(n)]
        radii = [rnd.uniform(0.7, 1.0) for _ in angles]
    else:  # dodecahedroid: rounded
        n = rnd.randint(7, 10)
        angles = [k * 2 * math.pi / n + rnd.uniform(-0.15, 0.15) for k in range(n)]
        radii = [rnd.uniform(0.88, 1.0) for _ in angles]
    ca, sa = math.cos(st.angle), math.sin(st.angle)
    r = st.r * px
    pts = []
    for a, rr in zip(angles, radii, strict=True):
        x, y = math.cos(a) * rr * r, math.sin(a) * rr * r * st.elong
        pts.append((st.x * px + x * ca - y * sa, st.y * px + x * sa + y * ca))
    return pts


def _draw_stone(
    d: ImageDraw.ImageDraw,
    grain: ImageDraw.ImageDraw,
    st: Stone,
    px: float,
    light: tuple[float, float],
    backlit: bool,
) -> None:
    """Facets lit from the lamp's side, dark reflections and a glint for glassy stones."""
    rp = st.r * px
    cx, cy = st.x * px, st.y * px
    rgb = st.rgb
    if rp < 2.2:
        col = _scale_rgb(rgb, 0.35) if backlit else rgb
        d.ellipse([cx - rp, cy - rp, cx + rp, cy + rp], fill=col, outline=_scale_rgb(rgb, 0.5))
        return
    pts = _outline(st, px)
    rnd = random.Random(st.vseed ^ 0x5A5A)
    apex = (cx + rnd.uniform(-0.2, 0.2) * rp, cy + rnd.uniform(-0.2, 0.2) * rp)
    contrast = {"glassy": 0.45, "frosted": 0.22, "coated": 0.3}[st.finish]
    if st.shape == "macle":
        contrast *= 0.5
    lx, ly = light
    n = len(pts)
    for k in range(n):
        a, b = pts[k], pts[(k + 1) % n]
        mx, my = (a[0] + b[0]) / 2 - apex[0], (a[1] + b[1]) / 2 - apex[1]
        norm = math.hypot(mx, my) or 1.0
        lam = (mx * lx + my * ly) / norm
        f = 1.0 + contrast * lam + rnd.uniform(-0.06, 0.06)
        if st.finish == "glassy" and rnd.random() < 0.25:
            f *= 0.5  # internal reflection shows dark
        if backlit:
            f *= 0.3
        d.polygon([apex, a, b], fill=_scale_rgb(rgb, f))
    edge = 0.15 if backlit else (0.55 if st.finish == "glassy" else 0.78)
    d.polygon(pts, outline=_scale_rgb(rgb, edge))
    if st.shape == "macle":
        d.line([pts[0], pts[3]], fill=_scale_rgb(rgb, 0.82), width=1)
    if backlit:  # light comes through the middle of the stone
        shrink = rnd.uniform(0.15, 0.4)
        inner = [(apex[0] + shrink * (x - apex[0]), apex[1] + shrink * (y - apex[1])) for x, y in pts[::2]]
        if len(inner) >= 3:
            d.polygon(inner, fill=_scale_rgb(rgb, 0.75))
    elif st.finish != "coated":
        k = max(range(n), key=lambda j: (pts[j][0] - cx) * lx + (pts[j][1] - cy) * ly)
        vx, vy = pts[k]
        glint = [
            (apex[0] + 0.35 * (vx - apex[0]), apex[1] + 0.35 * (vy - apex[1])),
            (
                apex[0] + 0.8 * (vx - apex[0]) + 0.12 * rp * ly,
                apex[1] + 0.8 * (vy - apex[1]) - 0.12 * rp * lx,
            ),
            (
                apex[0] + 0.8 * (vx - apex[0]) - 0.12 * rp * ly,
                apex[1] + 0.8 * (vy - apex[1]) + 0.12 * rp * lx,
            ),
        ]
        d.polygon(glint, fill=(252, 252, 250) if st.finish == "glassy" else _scale_rgb(rgb, 1.18))
    if rp > 6 and rnd.random() < 0.1:  # a dark inclusion
        ix, iy = cx + rnd.uniform(-0.4, 0.4) * rp, cy + rnd.uniform(-0.4, 0.4) * rp
        ir = max(1.0, 0.05 * rp)
        d.ellipse([ix - ir, iy - ir, ix + ir, iy + ir], fill=(30, 30, 30))
    amp = {"glassy": 25, "frosted": 80, "coated": 130}[st.finish]
    grain.polygon(pts, fill=amp)


def _draw_stones(
    scene: Image.Image, setup: Setup, stones: tuple[Stone, ...], rng: np.random.Generator
) -> Image.Image:
    """Shadows first, then the stones, then the grain of frosted and coated skins."""
    if not stones:
        return scene
    long_px = max(scene.size)
    la = setup.light_angle
    light = (math.cos(la), math.sin(la))  # direction towards the lamp
    backlit = setup.surface == "lightbox"
    xs = [s.x * long_px for s in stones]
    ys = [s.y * long_px for s in stones]
    rmax = max(s.r for s in stones) * long_px
    bx0 = max(0, int(min(xs) - 2 * rmax - 4))
    by0 = max(0, int(min(ys) - 2 * rmax - 4))
    bx1 = min(scene.size[0], int(max(xs) + 2 * rmax + 4))
    by1 = min(scene.size[1], int(max(ys) + 2 * rmax + 4))
    if bx1 <= bx0 or by1 <= by0:
        return scene
    if setup.shadow > 0:
        mask = Image.new("L", scene.size, 0)
        md = ImageDraw.Draw(mask)
        for s in stones:
            off = 0.35 * s.r * long_px
            pts = [(x - light[0] * off, y - light[1] * off) for x, y in _outline(s, long_px)]
            if len(pts) >= 3 and s.r * long_px >= 2.2:
                md.polygon(pts, fill=int(255 * setup.shadow))
            else:
                rr = s.r * long_px
                cx, cy = s.x * long_px - light[0] * off, s.y * long_px - light[1] * off
                md.ellipse([cx - rr, cy - rr, cx + rr, cy + rr], fill=int(255 * setup.shadow))
        mean_r = float(np.mean([s.r for s in stones])) * long_px
        box = (bx0, by0, bx1, by1)
        blurred = mask.crop(box).filter(ImageFilter.GaussianBlur(max(0.8, 0.3 * mean_r)))
        scene.paste((0, 0, 0), box, blurred)
    grain = Image.new("L", scene.size, 0)
    d = ImageDraw.Draw(scene)
    gd = ImageDraw.Draw(grain)
    for s in stones:
        _draw_stone(d, gd, s, long_px, light, backlit)
    box = (bx0, by0, bx1, by1)
    region = np.asarray(scene.crop(box), dtype=np.float32)
    g = np.asarray(grain.crop(box), dtype=np.float32) / 255.0
    noise = rng.standard_normal(g.shape, dtype=np.float32)
    region = region * (1.0 + 0.35 * g * noise)[..., None]
    scene.paste(Image.fromarray(np.clip(region, 0, 255).astype(np.uint8)), box)
    return scene


# --------------------------------------------------------------------------- the camera


def _perspective_coeffs(src: list[tuple[float, float]], dst: list[tuple[float, float]]) -> tuple[float, ...]:
    """PIL's eight coefficients mapping output corners (dst) to scene points (src)."""
    a = []
    b = []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        a.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        a.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        b.extend([u, v])
    return tuple(np.linalg.solve(np.array(a, dtype=float), np.array(b, dtype=float)).tolist())


def _view(scene: Image.Image, setup: Setup, session: Session, parcel: Parcel) -> Image.Image:
    """What the camera sees: the day's framing plus this shot's wobble, with a little keystone."""
    w, h = setup.work
    sw, sh = scene.size
    dx, dy, rot, zoom = session.pose
    pdx, pdy, prot, pzoom, kx, ky = parcel.pose
    dx, dy, rot, zoom = dx + pdx, dy + pdy, rot + prot, zoom * pzoom
    a = math.radians(rot)
    ca, sa = math.cos(a), math.sin(a)
    cx, cy = sw / 2 + dx * w, sh / 2 + dy * h
    corners = []
    for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
        x = sx * w / 2 * (1 + kx * sy) / zoom
        y = sy * h / 2 * (1 + ky * sx) / zoom
        corners.append((x * ca - y * sa, x * sa + y * ca))
    # keep the view inside the scene canvas: zoom in rather than show its edge
    over = 1.0
    for x, y in corners:
        for v, c, lim in ((x, cx, sw), (y, cy, sh)):
            room = (c if v < 0 else lim - c) - 1
            if abs(v) > room > 0:
                over = max(over, abs(v) / room)
    src = [(cx + x / over, cy + y / over) for x, y in corners]
    if kx == 0.0 and ky == 0.0:  # a camera square to the table: an affine map does, and faster
        (ax, ay), (bx, by), _, (dx_, dy_) = src
        coeffs = ((bx - ax) / w, (dx_ - ax) / h, ax, (by - ay) / w, (dy_ - ay) / h, ay)
        return scene.transform((w, h), Image.Transform.AFFINE, coeffs, BILINEAR)
    dst = [(0.0, 0.0), (float(w), 0.0), (float(w), float(h)), (0.0, float(h))]
    return scene.transform((w, h), Image.Transform.PERSPECTIVE, _perspective_coeffs(src, dst), BILINEAR)


def _expose(img: Image.Image, setup: Setup, session: Session, parcel: Parcel) -> Image.Image:
    """Lamp fall-off, vignette, colour cast, auto-exposure, exposure faults and sensor noise."""
    rng = _rng("noise", parcel.noise_key)
    cam = setup.camera
    field, top = _illumination(setup.key)
    img = ImageChops.multiply(img, field)
    gains = np.array(session.gains) * top
    mean = float(np.asarray(img.reduce(8), dtype=np.float32).mean()) * float(gains.mean()) + 1.0
    gain = session.exposure * float(np.clip((118.0 / mean) ** 0.35, 0.8, 1.35))
    noise = cam.noise * math.sqrt(max(1.0, gain))
    if parcel.exposure == "dark":
        gain *= float(rng.uniform(0.3, 0.5))
        noise *= 1.8
    elif parcel.exposure == "over":
        gain *= float(rng.uniform(1.55, 2.1))
    # colour cast, exposure and the camera's saturation boost are one linear map
    sat = cam.saturation
    lum = np.array([0.299, 0.587, 0.114])
    m = (sat * np.eye(3) + (1 - sat) * np.outer(np.ones(3), lum)) @ np.diag(gains * gain)
    img = img.convert("RGB", tuple(v for row in m for v in (*row.tolist(), 0.0)))
    if parcel.exposure == "flat":
        lift = float(rng.uniform(0.3, 0.45))
        floor = 255 * lift * float(rng.uniform(0.75, 0.95))
        img = img.point([_clip8(v * (1 - lift) + floor) for v in range(256)] * 3)
    return ImageChops.add(img, _sensor_noise(img.size, noise, rng), offset=-128)


@functools.lru_cache(maxsize=64)
def _gauss_lut(sigma10: int) -> list[int]:
    """Maps uniform bytes to Gaussian noise of sigma/10 around 128 (cheaper than drawing normals)."""
    u = (np.arange(256) + 0.5) / 256
    z = np.sqrt(2) * _erfinv(2 * u - 1)
    return np.clip(np.round(128 + z * sigma10 / 10), 0, 255).astype(int).tolist()


def _erfinv(y: np.ndarray) -> np.ndarray:
    """Inverse error function (Giles' single-precision approximation), enough for a noise table."""
    w = -np.log((1.0 - y) * (1.0 + y))
    small = w < 5.0
    ws = w - 2.5
    p1 = 2.81022636e-08
    for c in (
        3.43273939e-07,
        -3.5233877e-06,
        -4.39150654e-06,
        0.00021858087,
        -0.00125372503,
        -0.00417768164,
        0.246640727,
        1.50140941,
    ):
        p1 = c + p1 * ws
    wl = np.sqrt(np.maximum(w, 5.0)) - 3.0
    p2 = -0.000200214257
    for c in (
        0.000100950558,
        0.00134934322,
        -0.00367342844,
        0.00573950773,
        -0.0076224613,
        0.00943887047,
        1.00167406,
        2.83297682,
    ):
        p2 = c + p2 * wl
    return np.where(small, p1, p2) * y


def _sensor_noise(size: tuple[int, int], sigma: float, rng: np.random.Generator) -> Image.Image:
    """Fine luminance grain plus blotchy chroma noise (as a phone's denoiser leaves it), around 128."""
    w, h = size
    lum = Image.fromarray(rng.integers(0, 256, (h, w), dtype=np.uint8)).point(_gauss_lut(round(sigma * 10)))
    cw, ch = (w + 3) // 4, (h + 3) // 4
    chroma = rng.standard_normal((ch, cw, 3), dtype=np.float32) * (0.6 * sigma) + 128
    blotches = Image.fromarray(np.clip(chroma, 0, 255).astype(np.uint8)).resize((w, h), BILINEAR)
    return ImageChops.add(Image.merge("RGB", (lum, lum, lum)), blotches, offset=-128)


def _soften(img: Image.Image, sigma: float) -> Image.Image:
    """Lens softness as a small Gaussian kernel (a full Gaussian blur costs too much here)."""
    w1, w2 = math.exp(-1 / (2 * sigma**2)), math.exp(-1 / sigma**2)
    return img.filter(ImageFilter.Kernel((3, 3), [w2, w1, w2, w1, 1.0, w1, w2, w1, w2]))


def _sharpen(img: Image.Image, percent: int) -> Image.Image:
    """A phone's crisp look: a light Laplacian sharpening."""
    k = percent / 100 * 0.22
    return img.filter(ImageFilter.Kernel((3, 3), [0, -k, 0, -k, 1 + 4 * k, -k, 0, -k, 0], scale=1))


def _render(session: Session, parcel: Parcel) -> Image.Image:
    """Lay out the parcel on the set-up and take the photo."""
    setup = session.setup
    scene = _background(setup.key).copy()
    long_px = max(scene.size)
    rng = _rng("render", parcel.noise_key)
    if parcel.arrangement == "paper" and parcel.holder:
        _draw_paper(scene, parcel.holder, parcel)
    _draw_props(scene, session, parcel)
    scene = _draw_stones(scene, setup, parcel.stones, rng)
    if parcel.arrangement == "bag" and parcel.holder:
        _draw_bag(scene, parcel.holder, parcel)
    if parcel.tweezers:
        tl = next(p.size for p in session.props if p.kind == "tweezers")
        x, y, ang = parcel.tweezers
        _draw_tweezers(scene, x * long_px, y * long_px, ang, tl * long_px)
    cam = setup.camera
    view = _view(scene, setup, session, parcel)
    upscale = max(cam.size) / max(setup.work)
    if upscale < 1.6 and not cam.sharpen:  # a large upscale softens enough by itself
        view = _soften(view, cam.blur / upscale)
    photo = _expose(view, setup, session, parcel)
    if cam.sharpen:  # a phone's processing: its sharpening outweighs the lens softness
        photo = _sharpen(photo, cam.sharpen)
    if photo.size != cam.size:
        photo = photo.resize(cam.size, BILINEAR)
    return _jpeg(photo, cam.quality)


# --------------------------------------------------------------------------- public: originals


def _original(seed: int, i: int) -> tuple[Session, Parcel]:
    plan = _plan(i)
    session = _schedule_session(plan.session)
    parcel = _make_parcel(session, plan.slot, _rng("original", seed, i), plan.arrangement, plan.exposure)
    return session, parcel


def originals(seed: int, n: int) -> Iterator[Image.Image]:
    """n parcel photos, as offices take them day after day; deterministic in (seed, i)."""
    for i in range(n):
        yield _render(*_original(seed, i))


# --------------------------------------------------------------------------- public: unrelated

UNRELATED_SHARES: dict[str, int] = {
    "same-day": 40,
    "follow-on": 8,
    "same-setup": 17,
    "sparse": 10,
    "repetitive": 8,
    "exposure": 7,
    "elsewhere": 10,
}


def _unrelated_kind(seed: int, i: int) -> str:
    """Exact shares in every block of 100 photos, in a shuffled order."""
    kinds = [k for k, n in UNRELATED_SHARES.items() for _ in range(n)]
    order = _rng("kinds", seed, i // 100).permutation(len(kinds))
    return kinds[int(order[i % 100])]


def _target(seed: int, i: int, kind: str) -> int:
    """Which original an unrelated photo is a hard negative for."""
    rng = _rng("target", seed, i)
    plans = [_plan(j) for j in range(TARGET_ORIGINALS)]
    if kind == "sparse":
        pool = [j for j, p in enumerate(plans) if p.arrangement in _SPARSE]
    elif kind == "repetitive":
        pool = [
            j
            for j, p in enumerate(plans)
            if _schedule_session(p.session).setup.surface in _REPETITIVE_SURFACES
            or p.arrangement in ("rows", "cells")
        ]
    elif kind == "exposure" and rng.random() < 0.5:
        pool = [j for j, p in enumerate(plans) if p.exposure != "normal"]
    else:
        pool = []
    if pool:
        return pool[int(rng.integers(len(pool)))]
    order = _rng("targets", seed, i // TARGET_ORIGINALS).permutation(TARGET_ORIGINALS)
    return int(order[i % TARGET_ORIGINALS])


def _follow_on(session: Session, base: Parcel, slot: int, rng: np.random.Generator) -> Parcel:
    """The same exporter's lot re-sorted and topped up: about half the stones moved, some out, new in."""
    setup = session.setup
    stones = list(base.stones)
    if base.arrangement == "single" or len(stones) < 4:
        fresh = _stones(setup, base.arrangement, setup.zone, rng)
        return replace(
            _make_parcel(session, slot, rng, base.arrangement, base.exposure),
            stones=tuple(fresh),
            holder=base.holder,
        )
    keep = rng.random(len(stones)) > rng.uniform(0.15, 0.3)
    kept = [s for s, k in zip(stones, keep, strict=True) if k]
    zone = setup.zone
    if base.holder:
        hx0, hy0, hx1, hy1 = base.holder
        zone = (
            hx0 + 0.15 * (hx1 - hx0),
            hy0 + 0.2 * (hy1 - hy0),
            hx1 - 0.15 * (hx1 - hx0),
            hy1 - 0.12 * (hy1 - hy0),
        )
    moved = []
    move_share = rng.uniform(0.45, 0.7)
    for s in kept:
        if rng.random() < move_share:
            s = replace(
                s,
                x=float(rng.uniform(zone[0] + s.r, max(zone[0] + s.r, zone[2] - s.r))),
                y=float(rng.uniform(zone[1] + s.r, max(zone[1] + s.r, zone[3] - s.r))),
                angle=float(rng.uniform(0, 2 * math.pi)),
                vseed=int(rng.integers(1 << 31)),  # it lies on another face now
            )
        else:  # nudged while the others were moved
            s = replace(s, x=s.x + float(rng.normal(0, s.r * 0.3)), y=s.y + float(rng.normal(0, s.r * 0.3)))
        moved.append(s)
    profile = _PROFILES[setup.office.profile]
    mean_r = float(np.mean([s.r for s in stones]))
    n_new = max(2, int(len(stones) * rng.uniform(0.15, 0.3)))
    for _ in range(n_new):
        x = rng.uniform(zone[0] + mean_r, max(zone[0] + mean_r, zone[2] - mean_r))
        y = rng.uniform(zone[1] + mean_r, max(zone[1] + mean_r, zone[3] - mean_r))
        moved.append(_make_stone(x, y, mean_r * math.exp(rng.normal(0, 0.3)), profile, rng))
    fresh = _make_parcel(session, slot, rng, base.arrangement, base.exposure)
    carats = base.carats * len(moved) / len(stones) * float(rng.uniform(0.95, 1.05))
    return replace(fresh, stones=tuple(moved), holder=base.holder, exporter=base.exporter, carats=carats)


def _unrelated(seed: int, i: int) -> tuple[Session, Parcel]:
    kind = _unrelated_kind(seed, i)
    rng = _rng("unrelated", seed, i)
    slot = 100 + seed * 7919 % 1000 + i  # later parcels of the day than the originals
    if kind == "elsewhere":
        session = _schedule_session(5000 + int(rng.integers(100_000)))
        return session, _make_parcel(session, slot, rng, _habit(session.setup, rng), _exposure_issue(rng))
    j = _target(seed, i, kind)
    plan = _plan(j)
    session = _schedule_session(plan.session)
    if kind == "follow-on":
        base = _original(TARGET_SEED, j)[1]
        return session, _follow_on(session, base, slot, rng)
    if kind == "same-setup":
        day = session.day + datetime.timedelta(days=int(rng.integers(1, 120)) * int(rng.choice([-1, 1])))
        session = _make_session(session.setup, f"extra-{seed}-{i}", day)
    arrangement = plan.arrangement if rng.random() < 0.7 else _habit(session.setup, rng)
    if kind in ("sparse", "repetitive"):
        arrangement = plan.arrangement
    exposure = "normal" if rng.random() < 0.9 else _exposure_issue(rng)
    if kind == "exposure":
        exposure = (
            plan.exposure if plan.exposure != "normal" else _pick(rng, {"dark": 1, "over": 1, "flat": 1})
        )
    return session, _make_parcel(session, slot, rng, arrangement, exposure)


def unrelated(seed: int, n: int) -> Iterator[Image.Image]:
    """n photos of other parcels, hard negatives for the originals of TARGET_SEED; deterministic."""
    for i in range(n):
        yield _render(*_unrelated(seed, i))


def unrelated_kind(seed: int, i: int) -> str:
    """The kind of the i-th unrelated photo of a seed, for reports that break results down."""
    return _unrelated_kind(seed, i)


# --------------------------------------------------------------------------- public: variants


def _fingerprint(img: Image.Image) -> int:
    """A cheap digest so one seed gives different copies of different images."""
    small = img.resize((8, 8), Image.Resampling.NEAREST).convert("RGB")
    return zlib.crc32(small.tobytes() + repr(img.size).encode())


def _crop(img: Image.Image, left: int, top: int, right: int, bottom: int) -> Image.Image:
    w, h = img.size
    box = (
        round(w * left / 100),
        round(h * top / 100),
        w - round(w * right / 100),
        h - round(h * bottom / 100),
    )
    return img.crop(box)


def _resize(img: Image.Image, wp: int, hp: int) -> Image.Image:
    w, h = img.size
    size = (max(16, round(w * wp / 100)), max(16, round(h * hp / 100)))
    if wp < 100:  # as image editors do: a quick box reduction first, then a Lanczos pass
        return img.resize(size, LANCZOS, reducing_gap=2.0)
    return img.resize(size, BICUBIC)


def _blur(img: Image.Image, r100: int) -> Image.Image:
    """Radius given for a 1200 px long side, scaled to this image."""
    return img.filter(ImageFilter.GaussianBlur(r100 / 100 * max(img.size) / 1200))


def _recolour(img: Image.Image, p: dict[str, int]) -> Image.Image:
    """Hue turn, warmth and saturation as one colour matrix; brightness, contrast, gamma as a curve."""
    hue = math.radians(p.get("h", 0))
    c, s = math.cos(hue), math.sin(hue)
    k = 1 / 3
    sq = math.sqrt(k)
    rot = np.array(
        [
            [c + (1 - c) * k, k * (1 - c) - sq * s, k * (1 - c) + sq * s],
            [k * (1 - c) + sq * s, c + k * (1 - c), k * (1 - c) - sq * s],
            [k * (1 - c) - sq * s, k * (1 - c) + sq * s, c + k * (1 - c)],
        ]
    )
    sat = p.get("s", 100) / 100
    lum = np.array([0.299, 0.587, 0.114])
    satm = (1 - sat) * np.outer(np.ones(3), lum) + sat * np.eye(3)
    warm = p.get("w", 0) / 100
    gains = np.diag([1 + warm, 1.0, 1 - warm])
    m = gains @ satm @ rot
    matrix = tuple(v for row in m for v in (*row.tolist(), 0.0))
    out = img.convert("RGB", matrix)
    b, ct, g = p.get("b", 100) / 100, p.get("c", 100) / 100, p.get("g", 100) / 100
    x = np.arange(256) / 255.0
    y = np.clip(((x - 0.5) * ct + 0.5) * b, 0, 1) ** g
    lut = np.clip(np.round(y * 255), 0, 255).astype(int).tolist()
    return out.point(lut * 3)


def _signed(letter: str, v: int) -> str:
    return f"{letter}{'p' if v >= 0 else 'n'}{abs(v)}"


def _step(
    kind: str, img: Image.Image, rng: np.random.Generator, strong: bool = False
) -> tuple[str, Image.Image]:
    """One editing step with random parameters within the issue's words; returns its name too."""
    if kind == "crop":
        n_sides = int(rng.choice([2, 3, 4], p=[0.3, 0.3, 0.4]) if strong else rng.choice([1, 2, 3, 4]))
        sides = set(rng.choice(4, size=n_sides, replace=False).tolist())
        lo = 4 if strong else 1
        cut = [int(rng.integers(lo, 11)) if s in sides else 0 for s in range(4)]
        if strong and rng.random() < 0.3:
            cut = [10, 10, 10, 10]
        left, top, right, bottom = cut
        return f"crop-l{left}t{top}r{right}b{bottom}pct", _crop(img, left, top, right, bottom)
    if kind == "resize":
        long = max(img.size)
        hi = min(1.5, max(1.0, 4000 / long))  # nobody blows a photo up beyond 4000 px
        scale = rng.uniform(0.3, 0.6) if strong else rng.uniform(0.3, max(0.31, hi))
        wp = round(scale * 100)
        hp = wp
        if rng.random() < 0.4:
            hp = round(wp * rng.uniform(0.96, 1.04))
        return f"resize-w{wp}h{hp}pct", _resize(img, wp, hp)
    if kind == "jpeg":
        q = int(rng.integers(50, 71) if strong else rng.integers(50, 96))
        return f"jpeg-q{q}", _jpeg(img, q, subsampling=int(rng.choice([0, 2], p=[0.2, 0.8])))
    if kind == "blur":
        r = int(rng.integers(60, 101) if strong else rng.integers(30, 101))
        return f"blur-r{r}c1200", _blur(img, r)
    params: dict[str, int] = {}
    choices = ["b", "c", "s", "h", "w", "g"]
    for key in rng.choice(choices, size=int(rng.integers(2, 5)), replace=False).tolist():
        if key == "s":
            params[key] = int(rng.integers(75, 131))
        elif key == "h":
            params[key] = int(rng.choice([-1, 1]) * rng.integers(2, 6))
        elif key == "w":
            params[key] = int(rng.choice([-1, 1]) * rng.integers(2, 7))
        else:
            params[key] = int(rng.choice([-1, 1]) * rng.integers(4, 13)) + 100
    name = "".join(_signed(k, v) if k in "hw" else f"{k}{v}" for k, v in sorted(params.items()))
    return f"recolour-{name}", _recolour(img, params)


_VARIANT_PLAN: tuple[tuple[str, ...], ...] = (
    ("crop",),
    ("crop!",),
    ("resize!",),
    ("resize",),
    ("jpeg!",),
    ("blur",),
    ("recolour",),
    ("crop", "resize", "jpeg"),
    ("?", "?"),
    ("?", "?", "?"),
)
_KINDS = ("crop", "resize", "blur", "recolour", "jpeg")


def variants(image: Image.Image, seed: int) -> dict[str, Image.Image]:
    """Ten copies a forger might make: single edits, stronger edits and chains of two or three."""
    rng = _rng("variants", seed, _fingerprint(image))
    base = image if image.mode == "RGB" else image.convert("RGB")
    out: dict[str, Image.Image] = {}
    for plan in _VARIANT_PLAN:
        for _attempt in range(8):
            kinds = list(plan)
            if "?" in kinds:
                picked = rng.choice(len(_KINDS), size=len(kinds), replace=False).tolist()
                kinds = [_KINDS[k] for k in sorted(picked)]  # a forger's order: crop, resize, ..., save
            img, names = base, []
            for k in kinds:
                name, img = _step(k.rstrip("!"), img, rng, strong=k.endswith("!"))
                names.append(name)
            key = "+".join(names)
            if key not in out:
                out[key] = img
                break
    return out
