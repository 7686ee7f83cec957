"""Blind synthetic generator of rough-diamond parcel photographs (thirteenth factory).

Purpose
-------
Kimberley Process offices photograph every rough-diamond parcel they export.  A forger re-uses
the photo of a lawful parcel for another shipment (cropped, resized, recompressed, blurred,
recoloured, or a chain of those).  This module produces three things for a benchmark of a
re-used-photo search:

* ``originals(seed, n)``  - photos of *distinct* parcels (the archive);
* ``variants(image, seed)`` - about ten re-used copies of one photo (5 single steps, 5 chains);
* ``unrelated(seed, n)`` - photos of *other* parcels which must NOT be reported as copies.  Most
  of them are deliberately hard: they re-use the office, the session, the backdrop, the camera,
  the lighting and even the label card of a reference original.

It was written blind: it knows nothing about the search it is used to measure.

Scene model
-----------
``_Office``   camera (resolution, aspect, noise, JPEG quality, optics), backdrop kind and colours
              (white paper, black/blue velvet, sieve plate, grid tray, plastic bag with printed
              label, opened parcel paper with handwriting and stamp, glass dish, grey card), and
              which props it uses (ruler, label card, colour/scale card).
``_Session``  one sitting at the copy stand: field of view in mm, lamp direction, gradient,
              hot spot, white balance, prop positions, backdrop texture (fibres, dust, creases,
              handwriting), the date.  Consecutive originals (``i // 5``) share a session.
``_Style``    one parcel: arrangement (heap, scatter, rows, carpet of melee, sparse cluster, a few
              large stones), count, size range in mm, colour assortment, shape mix, region.
Stones are 8-vertex outlines from six crystal habits (octahedron, dodecahedron, macle, cube,
fragment, boart) drawn with a dark rim, shaded facets lit from the lamp side, a specular
highlight, a soft cast shadow and (when large or in the "fine" high-resolution kind) inclusions,
etch trigons and frosting.  The photo then gets lamp gradient, hot spot, vignetting, white balance,
backdrop texture, sensor noise and a camera JPEG.  Everything is drawn at the output resolution
(1024-3000 px long side, portrait and landscape) with PIL primitives and cheap tiled noise.

Unrelated kinds (shares per block of 1000 consecutive indices)
-------------------------------------------------------------
twin-session      160  same session as a reference original (same backdrop pixels, props, lamp,
                       camera), a different lot.
lookalike-lot     140  same session, same assortment / habit mix / size range / count (+-20 %) /
                       region as the reference parcel, freshly drawn stones in new places.
melee-carpet      100  same session as a reference carpet of melee (if any), a new carpet with the
                       same density, size and colour in the same area: only the arrangement differs.
sparse-on-stage   100  same session, a handful of stones filling 1-6 % of the frame; the rest of the
                       picture is the identical backdrop.
label-and-ruler    80  same session, the very same label card (same text, same lot line) and ruler
                       in the same place, another parcel.
high-res-detail    70  same office and session re-shot at 2800-3200 px with many small stones carrying
                       genuine fine detail (inclusions, trigons, frosting).
neighbour-session  80  same office (backdrop, camera, props) on another day: new lamp set-up, new
                       prop positions, new backdrop sheet, another lot.
other-office      140  a different office altogether (random backdrop, camera, props, lot).
certificate-scan   60  flat-bed scans of paper certificates/parcel receipts (guilloche border,
                       tables, stamps, signature, sometimes a small printed parcel photo).
phone-photo        70  hand-held phone snapshots of a bag or paper on a desk: perspective, motion
                       blur or over-sharpening, strong JPEG.

Fairness rules
--------------
* Every unrelated photo shows a different parcel: its stones come from a random stream that is
  never the stream of any original, so stones differ in number, habit, outline and position.
  No photo is ever a re-shoot of an original parcel and none is a transformed original.
* Parcels (originals and unrelated) keep their stones inside the central 76 % of the frame, so
  a crop of at most 10 % per side never removes the parcel from a copy.
* Sensor noise is drawn afresh for every photo; backdrop texture belongs to the session (the same
  sheet of paper under a fixed copy stand), which is what makes the hard kinds hard.

Determinism: every random draw comes from ``numpy.random.Generator`` seeded by a BLAKE2b hash of
(module tag, purpose, seed, index...), never from global state or ``hash()``.
"""

from __future__ import annotations

import hashlib
import io
import math
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageEnhance, ImageFilter, ImageFont

REFERENCE_SEED = 1
REFERENCE_COUNT = 200

_TAG = "parcel-photos-thirteenth/v1"

_KIND_SHARES: tuple[tuple[str, int], ...] = (
    ("twin-session", 160),
    ("lookalike-lot", 140),
    ("melee-carpet", 100),
    ("sparse-on-stage", 100),
    ("label-and-ruler", 80),
    ("high-res-detail", 70),
    ("neighbour-session", 80),
    ("other-office", 140),
    ("certificate-scan", 60),
    ("phone-photo", 70),
)
KINDS: tuple[str, ...] = tuple(name for name, _ in _KIND_SHARES)
assert sum(share for _, share in _KIND_SHARES) == 1000

_SESSION_SIZE = 5  # consecutive originals photographed in one sitting
_OFFICES_PER_SEED = 12
_TILE = 256  # period of the tiled texture / sensor-noise pattern
_SAFE = (0.12, 0.88)  # parcels stay inside this normalised band (crop-safe)


# --------------------------------------------------------------------------------------------
# deterministic randomness and small helpers
# --------------------------------------------------------------------------------------------


def _plain(value: object) -> object:
    """Numpy scalars -> Python scalars so that ``repr`` is stable."""
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    return value


def _rng(*parts: object) -> np.random.Generator:
    text = repr((_TAG, *(_plain(p) for p in parts)))
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()
    return np.random.default_rng(int.from_bytes(digest, "little"))


def _pick(rng: np.random.Generator, options: tuple, weights: tuple[float, ...] | None = None):
    if weights is None:
        return options[int(rng.integers(len(options)))]
    p = np.asarray(weights, dtype=float)
    return options[int(rng.choice(len(options), p=p / p.sum()))]


def _clamp8(c) -> tuple[int, int, int]:
    return tuple(int(min(255, max(0, round(float(v))))) for v in c)


def _mix(a, b, t: float) -> tuple[float, float, float]:
    return tuple(float(x) * (1.0 - t) + float(y) * t for x, y in zip(a, b, strict=True))


@lru_cache(maxsize=64)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=max(6, int(size)))


def _jpeg(img: Image.Image, quality: int, subsampling: int = 2) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=int(quality), subsampling=subsampling)
    buf.seek(0)
    out = Image.open(buf)
    out.load()
    return out.convert("RGB")


# --------------------------------------------------------------------------------------------
# offices and sessions
# --------------------------------------------------------------------------------------------

_BACKDROPS = (
    "white-paper",
    "black-velvet",
    "blue-velvet",
    "sieve",
    "grid-tray",
    "bag",
    "parcel-paper",
    "glass-dish",
    "grey-card",
)
_BACKDROP_P = (0.18, 0.14, 0.08, 0.09, 0.1, 0.12, 0.13, 0.08, 0.08)
_LONG_SIDES = (1024, 1280, 1600, 2048, 2400, 3000)
_LONG_P = (0.26, 0.28, 0.22, 0.13, 0.07, 0.04)
_ASPECTS = (4 / 3, 3 / 2, 1.0, 16 / 9, 5 / 4)
_ASPECT_P = (0.4, 0.3, 0.1, 0.1, 0.1)
_PLACES = (
    ("ZA", "Kimberley"),
    ("ZA", "Johannesburg"),
    ("BW", "Gaborone"),
    ("NA", "Windhoek"),
    ("AO", "Luanda"),
    ("CD", "Kinshasa"),
    ("SL", "Freetown"),
    ("ZW", "Harare"),
    ("BE", "Antwerp"),
    ("AE", "Dubai"),
    ("IN", "Mumbai"),
    ("IL", "Ramat Gan"),
    ("RU", "Mirny"),
    ("CA", "Yellowknife"),
    ("LS", "Maseru"),
    ("GN", "Conakry"),
    ("TZ", "Dar es Salaam"),
    ("GY", "Georgetown"),
)
_DESKS = ((150, 108, 72), (118, 82, 52), (176, 172, 164), (92, 94, 98), (196, 186, 166), (60, 58, 56))


@dataclass(frozen=True)
class _Office:
    key: tuple
    code: str
    name: str
    backdrop: str
    base: tuple[float, float, float]  # backdrop colour under full light
    accent: tuple[float, float, float]  # liner / grid line / hole / rim colour
    desk: tuple[float, float, float]  # surface around bags, papers, sieves, dishes
    long_side: int
    aspect: float
    portrait: bool
    ruler: bool
    label: bool
    scale_card: bool
    noise: float  # sensor noise sigma, grey levels
    jpeg_q: int
    vignette: float
    soft: bool  # slightly soft optics
    tex_amp: float  # backdrop texture amplitude


@dataclass(frozen=True)
class _Session:
    office: _Office
    key: tuple
    fov_mm: float  # field of view across the short side
    light: float  # lamp direction (radians, image coordinates)
    gradient: float
    hotspot: tuple[float, float, float, float]  # x, y, width, strength
    wb: tuple[float, float, float]
    stage: tuple[float, float, float, float]  # x0, y0, x1, y1 (normalised) where stones may lie
    ruler_box: tuple[float, float, float, float] | None
    label_box: tuple[float, float, float, float] | None
    card_box: tuple[float, float, float, float] | None
    date: str
    jitter: float  # camera shift between shots, fraction of the short side
    shadow: float  # cast-shadow strength


def _make_office(rng: np.random.Generator, key: tuple, backdrop: str | None = None) -> _Office:
    code, city = _pick(rng, _PLACES)
    drawn = _pick(rng, _BACKDROPS, _BACKDROP_P)
    backdrop = backdrop or drawn
    desk = _mix(_pick(rng, _DESKS), rng.uniform(90, 200, 3), 0.15)
    j = rng.uniform(-1, 1, 3)
    if backdrop == "white-paper":
        base = (246 + 4 * j[0], 245 + 4 * j[1], 240 + 8 * j[2])
        accent = (200, 200, 196)
    elif backdrop == "black-velvet":
        v = rng.uniform(10, 28)
        base = (v + 2 * j[0], v + 2 * j[1], v + 3 + 3 * j[2])
        accent = (70, 70, 75)
    elif backdrop == "blue-velvet":
        base = (26 + 8 * j[0], 44 + 10 * j[1], 104 + 20 * j[2])
        accent = (60, 80, 140)
    elif backdrop == "sieve":
        s = rng.uniform(150, 190)
        base = (s, s + 2, s + 5)
        accent = _pick(rng, ((26, 26, 28), (235, 235, 232)))
    elif backdrop == "grid-tray":
        base = _pick(rng, ((238, 240, 238), (222, 232, 244), (232, 232, 226)))
        accent = _pick(rng, ((60, 90, 160), (90, 90, 92), (170, 60, 50), (40, 120, 80)))
    elif backdrop == "bag":
        base = desk
        accent = _pick(rng, ((205, 215, 228), (228, 228, 228), (210, 230, 212)))
    elif backdrop == "parcel-paper":
        base = desk
        accent = _pick(rng, ((172, 198, 234), (186, 210, 238), (246, 246, 242), (160, 190, 225)))
    elif backdrop == "glass-dish":
        base = _pick(rng, ((244, 244, 240), (22, 22, 26), (40, 58, 110), (232, 236, 240)))
        accent = (210, 220, 225)
    else:  # grey-card
        g = rng.uniform(105, 150)
        base = (g, g + 1, g + 2 * j[2])
        accent = (g * 0.8,) * 3
    tex = {"black-velvet": 4.5, "blue-velvet": 4.0, "sieve": 2.5, "grey-card": 2.0}.get(backdrop, 1.6)
    return _Office(
        key=key,
        code=code,
        name=f"{_pick(rng, ('GDO', 'KP OFFICE', 'DIAMOND VALUATOR', 'MINERALS UNIT', 'EXPORT DESK'))} {city}",
        backdrop=backdrop,
        base=tuple(float(v) for v in base),
        accent=tuple(float(v) for v in accent),
        desk=tuple(float(v) for v in desk),
        long_side=int(_pick(rng, _LONG_SIDES, _LONG_P)),
        aspect=float(_pick(rng, _ASPECTS, _ASPECT_P)),
        portrait=bool(rng.random() < 0.3),
        ruler=bool(rng.random() < 0.6),
        label=bool(backdrop == "bag" or rng.random() < 0.65),
        scale_card=bool(rng.random() < 0.25),
        noise=float(rng.uniform(1.2, 4.5)),
        jpeg_q=int(rng.integers(80, 97)),
        vignette=float(rng.uniform(0.03, 0.3)),
        soft=bool(rng.random() < 0.4),
        tex_amp=float(tex * rng.uniform(0.7, 1.3)),
    )


def _make_session(office: _Office, rng: np.random.Generator, key: tuple) -> _Session:
    # props live in bands along two opposite edges, the stage is what is left
    x0, y0, x1, y1 = 0.04, 0.04, 0.96, 0.96
    ruler_box = label_box = card_box = None
    vertical_pair = bool(rng.random() < 0.5)  # props on left/right edges instead of top/bottom
    ruler_first = bool(rng.random() < 0.5)  # ruler on the low edge, label on the high edge
    if office.ruler:
        width = rng.uniform(0.045, 0.075)
        start = rng.uniform(0.06, 0.22)
        length = rng.uniform(0.55, 0.85 - start + 0.1)
        lo = rng.uniform(0.025, 0.05)
        band = (lo, lo + width) if ruler_first else (1 - lo - width, 1 - lo)
        along = (start, min(0.97, start + length))
        if vertical_pair:
            ruler_box = (band[0], along[0], band[1], along[1])
        else:
            ruler_box = (along[0], band[0], along[1], band[1])
        if ruler_first:
            x0, y0 = (band[1] + 0.02, y0) if vertical_pair else (x0, band[1] + 0.02)
        else:
            x1, y1 = (band[0] - 0.02, y1) if vertical_pair else (x1, band[0] - 0.02)
    if office.label or office.scale_card:
        depth = rng.uniform(0.13, 0.22)
        lo = rng.uniform(0.03, 0.06)
        band = (1 - lo - depth, 1 - lo) if ruler_first else (lo, lo + depth)
        pos = rng.uniform(0.05, 0.45)
        span = rng.uniform(0.22, 0.36)
        along = (pos, pos + span)
        if office.label:
            label_box = (
                (band[0], along[0], band[1], along[1])
                if vertical_pair
                else (
                    along[0],
                    band[0],
                    along[1],
                    band[1],
                )
            )
        if office.scale_card:
            a2 = (along[1] + 0.04, min(0.96, along[1] + 0.04 + rng.uniform(0.15, 0.22)))
            card_box = (band[0], a2[0], band[1], a2[1]) if vertical_pair else (a2[0], band[0], a2[1], band[1])
        if ruler_first:
            x1, y1 = (band[0] - 0.02, y1) if vertical_pair else (x1, band[0] - 0.02)
        else:
            x0, y0 = (band[1] + 0.02, y0) if vertical_pair else (x0, band[1] + 0.02)
    if office.backdrop in ("sieve", "glass-dish", "bag", "parcel-paper", "grid-tray"):
        # the physical object sits inside the free area with some margin
        mx, my = rng.uniform(0.02, 0.06, 2)
        x0, y0, x1, y1 = x0 + mx, y0 + my, x1 - mx, y1 - my
    year = int(rng.integers(2009, 2026))
    date = f"{int(rng.integers(1, 29)):02d}.{int(rng.integers(1, 13)):02d}.{year}"
    return _Session(
        office=office,
        key=key,
        fov_mm=float(rng.uniform(70, 230)),
        light=float(rng.uniform(0, 2 * math.pi)),
        gradient=float(rng.uniform(0.0, 0.22)),
        hotspot=(
            float(rng.uniform(0.2, 0.8)),
            float(rng.uniform(0.2, 0.8)),
            float(rng.uniform(0.35, 1.1)),
            float(rng.uniform(0.0, 0.18)),
        ),
        wb=tuple(float(v) for v in 1 + rng.normal(0, 0.025, 3)),
        stage=(float(x0), float(y0), float(x1), float(y1)),
        ruler_box=ruler_box and tuple(float(v) for v in ruler_box),
        label_box=label_box and tuple(float(v) for v in label_box),
        card_box=card_box and tuple(float(v) for v in card_box),
        date=date,
        jitter=float(_pick(rng, (0.0, 0.002, 0.006, 0.015), (0.35, 0.35, 0.2, 0.1))),
        shadow=float(rng.uniform(0.12, 0.4)),
    )


@lru_cache(maxsize=512)
def _office(seed: int, k: int) -> _Office:
    # every seed's offices cover all backdrops (12 offices, 9 backdrops)
    backdrop = _BACKDROPS[int(_rng("backdrops", seed).permutation(len(_BACKDROPS))[k % len(_BACKDROPS)])]
    return _make_office(_rng("office", seed, k), ("office", seed, k), backdrop)


@lru_cache(maxsize=512)
def _session(seed: int, s: int) -> _Session:
    rng = _rng("session", seed, s)
    office = _office(seed, int(rng.integers(_OFFICES_PER_SEED)))
    return _make_session(office, rng, ("session", seed, s))


def _size(session: _Session, long_side: int | None = None) -> tuple[int, int]:
    o = session.office
    if long_side is None:
        long_side = o.long_side if o.aspect > 1.1 else min(o.long_side, 2400)  # square: smaller sensors
    short = round(long_side / o.aspect)
    return (short, long_side) if o.portrait else (long_side, short)


# --------------------------------------------------------------------------------------------
# parcels: assortments, habits and stone placement
# --------------------------------------------------------------------------------------------

_COLOURS: dict[str, tuple[int, int, int]] = {
    "white": (226, 229, 233),
    "silver": (214, 213, 200),
    "cape": (228, 214, 158),
    "yellow": (236, 204, 105),
    "lightbrown": (200, 168, 126),
    "brown": (158, 116, 78),
    "darkbrown": (110, 78, 54),
    "grey": (162, 164, 168),
    "darkgrey": (98, 99, 104),
    "boart": (58, 58, 61),
    "green": (168, 190, 150),
    "pink": (226, 186, 188),
}
_COLOUR_NAMES = tuple(_COLOURS)
_HABITS = ("octahedron", "dodecahedron", "macle", "cube", "fragment", "boart")
# assortment -> (colour weights, habit weights)
_ASSORTMENTS: dict[str, tuple[dict[str, float], tuple[float, ...]]] = {
    "gem-white": ({"white": 6, "silver": 3, "cape": 1}, (5, 3, 1.5, 0.3, 1.5, 0)),
    "cape": ({"cape": 5, "silver": 2, "yellow": 2, "white": 1}, (4, 3, 1.5, 0.5, 2, 0)),
    "browns": ({"lightbrown": 4, "brown": 4, "darkbrown": 2, "cape": 1}, (2, 3, 1.5, 1.5, 3, 0.5)),
    "industrial": ({"boart": 4, "darkgrey": 3, "grey": 2, "darkbrown": 1}, (0.5, 1, 0.5, 1, 4, 4)),
    "run-of-mine": (
        {
            "white": 2,
            "silver": 2,
            "cape": 2,
            "lightbrown": 2,
            "brown": 2,
            "grey": 1,
            "darkgrey": 1,
            "boart": 1,
        },
        (3, 3, 1.5, 1, 3, 1),
    ),
    "fancy": ({"yellow": 3, "pink": 1, "green": 2, "white": 2, "cape": 1}, (3, 3, 1, 0.5, 1, 0)),
}
_ASSORTMENT_NAMES = tuple(_ASSORTMENTS)
_ASSORTMENT_P = (0.25, 0.17, 0.17, 0.13, 0.22, 0.06)
_MODES = ("heap", "scatter", "few-large", "rows", "carpet", "sparse")
_MODE_P = (0.2, 0.28, 0.12, 0.1, 0.13, 0.17)


@dataclass(frozen=True)
class _Style:
    mode: str
    count: int
    size_mm: tuple[float, float]
    region: tuple[float, float, float, float]  # x0, y0, x1, y1, normalised
    assortment: str
    fine: bool = False


@dataclass
class _Stones:
    cx: np.ndarray
    cy: np.ndarray
    r: np.ndarray  # radius, px
    habit: np.ndarray  # index into _HABITS
    colour: np.ndarray  # (n, 3) float
    rot: np.ndarray
    aspect: np.ndarray
    lot: str
    carats: float


def _parcel_box(session: _Session) -> tuple[float, float, float, float]:
    """Normalised box in which stones may lie: stage, inside round objects, inside the safe band."""
    x0, y0, x1, y1 = session.stage
    if session.office.backdrop in ("sieve", "glass-dish"):
        w, h = _size(session)
        cx, cy = (x0 + x1) / 2 * w, (y0 + y1) / 2 * h
        rad = min((x1 - x0) * w, (y1 - y0) * h) / 2 * 0.68
        x0, x1 = (cx - rad) / w, (cx + rad) / w
        y0, y1 = (cy - rad) / h, (cy + rad) / h
    x0, y0 = max(x0, _SAFE[0]), max(y0, _SAFE[0])
    x1, y1 = min(x1, _SAFE[1]), min(y1, _SAFE[1])
    if x1 - x0 < 0.15:  # degenerate layouts: fall back to the safe band centre
        x0, x1 = 0.35, 0.65
    if y1 - y0 < 0.15:
        y0, y1 = 0.35, 0.65
    return (x0, y0, x1, y1)


def _sub_box(rng: np.random.Generator, box, fw: float, fh: float) -> tuple[float, float, float, float]:
    """A random sub-box of ``box`` covering fractions fw x fh of it."""
    x0, y0, x1, y1 = box
    w, h = (x1 - x0) * fw, (y1 - y0) * fh
    sx = x0 + rng.uniform(0, (x1 - x0) - w)
    sy = y0 + rng.uniform(0, (y1 - y0) - h)
    return (float(sx), float(sy), float(sx + w), float(sy + h))


def _make_style(
    rng: np.random.Generator, session: _Session, mode: str | None = None, fine: bool = False
) -> _Style:
    mode = mode or _pick(rng, _MODES, _MODE_P)
    box = _parcel_box(session)
    assortment = _pick(rng, _ASSORTMENT_NAMES, _ASSORTMENT_P)
    if mode == "heap":
        count = int(np.exp(rng.uniform(np.log(30), np.log(300))))
        lo = rng.uniform(1.2, 3.0)
        hi = lo * rng.uniform(1.3, 2.2)
        region = _sub_box(rng, box, rng.uniform(0.35, 0.8), rng.uniform(0.35, 0.8))
    elif mode == "scatter":
        count = int(rng.integers(8, 81))
        lo = rng.uniform(2.0, 5.0)
        hi = lo * rng.uniform(1.2, 2.0)
        region = _sub_box(rng, box, rng.uniform(0.6, 1.0), rng.uniform(0.6, 1.0))
    elif mode == "few-large":
        count = int(rng.integers(1, 7))
        lo = rng.uniform(7.0, 14.0)
        hi = lo * rng.uniform(1.1, 1.6)
        region = _sub_box(rng, box, rng.uniform(0.45, 0.9), rng.uniform(0.45, 0.9))
    elif mode == "rows":
        count = int(rng.integers(6, 41))
        lo = rng.uniform(3.0, 8.0)
        hi = lo * rng.uniform(1.05, 1.4)
        region = _sub_box(rng, box, rng.uniform(0.6, 0.95), rng.uniform(0.6, 0.95))
    elif mode == "carpet":
        count = int(rng.integers(300, 1401))
        lo, hi = 0.0, 0.0  # derived from the density
        region = _sub_box(rng, box, rng.uniform(0.4, 0.85), rng.uniform(0.4, 0.85))
        if rng.random() < 0.6:
            assortment = _pick(rng, ("gem-white", "cape", "browns", "run-of-mine"))
    else:  # sparse: a handful of stones on a small part of the frame
        count = int(rng.integers(3, 21))
        lo = rng.uniform(1.5, 5.0)
        hi = lo * rng.uniform(1.1, 1.6)
        area = rng.uniform(0.01, 0.06)
        bw, bh = box[2] - box[0], box[3] - box[1]
        side = math.sqrt(area)
        region = _sub_box(rng, box, min(1.0, side / bw), min(1.0, side / bh))
    if fine and mode != "carpet":
        lo, hi = lo * 0.6, hi * 0.6
        count = int(count * (2.0 if mode in ("scatter", "rows", "sparse") else 1.3)) + 2
    return _Style(mode, count, (float(lo), float(hi)), region, assortment, fine)


def _grid_points(rng, n_cells: int, box_px, count: int, jitter: float, ordered: bool):
    x0, y0, x1, y1 = box_px
    w, h = max(1.0, x1 - x0), max(1.0, y1 - y0)
    cols = max(1, round(math.sqrt(n_cells * w / h)))
    rows = max(1, math.ceil(n_cells / cols))
    while rows * cols < count:
        rows += 1
    cw, ch = w / cols, h / rows
    idx = np.arange(rows * cols) if ordered else rng.permutation(rows * cols)
    idx = np.sort(idx[:count]) if not ordered else idx[:count]
    gx = x0 + (idx % cols + 0.5) * cw + rng.uniform(-jitter, jitter, count) * cw
    gy = y0 + (idx // cols + 0.5) * ch + rng.uniform(-jitter, jitter, count) * ch
    return gx, gy, min(cw, ch)


def _make_stones(style: _Style, session: _Session, w: int, h: int, rng: np.random.Generator) -> _Stones:
    short = min(w, h)
    ppm = short / session.fov_mm
    x0, y0, x1, y1 = style.region
    box_px = (x0 * w, y0 * h, x1 * w, y1 * h)
    n = max(1, style.count)
    lo, hi = style.size_mm
    d_mm = lo + (hi - lo) * rng.random(n) ** 1.6
    r = d_mm * ppm / 2
    if style.mode == "heap":
        cx0, cy0 = (box_px[0] + box_px[2]) / 2, (box_px[1] + box_px[3]) / 2
        cx = cx0 + rng.normal(0, (box_px[2] - box_px[0]) / 4.4, n)
        cy = cy0 + rng.normal(0, (box_px[3] - box_px[1]) / 4.4, n)
    elif style.mode in ("scatter", "few-large"):
        cx, cy, cell = _grid_points(rng, int(n * 1.8) + 1, box_px, n, 0.3, ordered=False)
        r = np.minimum(r, cell * 0.42)
    elif style.mode == "rows":
        cx, cy, cell = _grid_points(rng, n, box_px, n, 0.06, ordered=True)
        r = np.minimum(r, cell * 0.4)
    elif style.mode == "carpet":
        area = (box_px[2] - box_px[0]) * (box_px[3] - box_px[1]) * math.pi / 4
        keep = rng.uniform(0.82, 0.95)
        spacing = math.sqrt(area / (n / keep) / 0.866)
        phase = rng.uniform(0, 1, 2) * spacing  # the lattice never lines up between two carpets
        bx = np.arange(box_px[0] + phase[0] - spacing, box_px[2] + spacing, spacing)
        by = np.arange(box_px[1] + phase[1] - spacing, box_px[3] + spacing, spacing * 0.866)
        gx, gy = np.meshgrid(bx, by)
        gx = gx + (np.arange(len(by))[:, None] % 2) * spacing / 2
        gx, gy = gx.ravel(), gy.ravel()
        ex = (gx - (box_px[0] + box_px[2]) / 2) / ((box_px[2] - box_px[0]) / 2)
        ey = (gy - (box_px[1] + box_px[3]) / 2) / ((box_px[3] - box_px[1]) / 2)
        wobble = 1 + 0.12 * np.sin(3 * np.arctan2(ey, ex) + rng.uniform(0, 6.3))
        inside = np.flatnonzero(ex**2 + ey**2 <= wobble**2)
        take = np.sort(rng.permutation(inside)[: min(n, len(inside))])
        n = len(take)
        cx = gx[take] + rng.uniform(-0.2, 0.2, n) * spacing
        cy = gy[take] + rng.uniform(-0.2, 0.2, n) * spacing
        r = spacing * rng.uniform(0.36, 0.5) * (1 + rng.normal(0, 0.08, n))
    else:  # sparse
        cx = rng.uniform(box_px[0], box_px[2], n)
        cy = rng.uniform(box_px[1], box_px[3], n)
    if style.mode == "sparse":  # a handful of stones must stay clearly visible
        r = np.maximum(r, 0.006 * short)
    r = np.clip(r, 1.6, 0.11 * short)
    cx = np.clip(cx, box_px[0], box_px[2])
    cy = np.clip(cy, box_px[1], box_px[3])
    colour_w, habit_w = _ASSORTMENTS[style.assortment]
    names = tuple(colour_w)
    p = np.asarray([colour_w[k] for k in names], float)
    cidx = rng.choice(len(names), size=n, p=p / p.sum())
    base = np.asarray([_COLOURS[names[k]] for k in cidx], float)
    colour = base * (1 + rng.normal(0, 0.045, (n, 3))) * rng.uniform(0.93, 1.05, (n, 1))
    hp = np.asarray(habit_w, float)
    habit = rng.choice(len(_HABITS), size=n, p=hp / hp.sum())
    habit[np.isin(cidx, [names.index(c) for c in ("boart",) if c in names])] = 5
    aspect = np.where(habit >= 4, rng.uniform(0.45, 0.9, n), rng.uniform(0.8, 1.0, n))
    rot = rng.uniform(0, 2 * math.pi, n)
    carats = float(np.sum(0.0061 * (2 * r / ppm) ** 3 * aspect))
    lot = f"{session.office.code}-{int(rng.integers(2009, 2026))}/{int(rng.integers(100, 99999)):05d}"
    return _Stones(cx, cy, r, habit, np.clip(colour, 0, 255), rot, aspect, lot, carats)


# --------------------------------------------------------------------------------------------
# drawing stones
# --------------------------------------------------------------------------------------------

# outline templates: 8 vertices (angle as a fraction of a turn, radius) per habit
_T_ANG = np.array(
    [
        [-0.018, 0.018, 0.232, 0.268, 0.482, 0.518, 0.732, 0.768],  # octahedron (square on a point)
        [0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875],  # dodecahedron (rounded)
        [-0.03, 0.03, 0.1667, 0.303, 0.363, 0.5, 0.637, 0.697],  # macle (flat triangle)
        [0.105, 0.145, 0.355, 0.395, 0.605, 0.645, 0.855, 0.895],  # cube
        [0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875],  # fragment
        [0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875],  # boart
    ]
)
_T_RAD = np.array(
    [
        [0.97] * 8,
        [1.0] * 8,
        [0.93, 0.93, 0.52, 0.93, 0.93, 0.52, 0.93, 0.93],
        [1.0] * 8,
        [1.0] * 8,
        [1.0] * 8,
    ]
)
_ROUGH = np.array([0.05, 0.07, 0.04, 0.05, 0.22, 0.3])


def _draw_stones(
    draw: ImageDraw.ImageDraw,
    sdraw: ImageDraw.ImageDraw,
    st: _Stones,
    session: _Session,
    off: tuple[float, float],
    sscale: float,
    fine: bool,
    rng: np.random.Generator,
) -> None:
    n = len(st.r)
    bg = np.asarray(session.office.base)
    dark_bg = float(bg.mean()) < 110 and session.office.backdrop not in ("bag", "parcel-paper")
    light = session.light + rng.normal(0, 0.05)
    ldx, ldy = math.cos(light), math.sin(light)
    ang = (_T_ANG[st.habit] + rng.uniform(-0.02, 0.02, (n, 8))) * 2 * math.pi
    rad = _T_RAD[st.habit] * (1 + _ROUGH[st.habit][:, None] * rng.uniform(-1, 1, (n, 8)))
    lx = rad * np.cos(ang) * st.aspect[:, None]
    ly = rad * np.sin(ang)
    cr, sr = np.cos(st.rot)[:, None], np.sin(st.rot)[:, None]
    r = st.r[:, None]
    cx = (st.cx + off[0])[:, None]
    cy = (st.cy + off[1])[:, None]
    px = cx + r * (lx * cr - ly * sr)
    py = cy + r * (lx * sr + ly * cr)
    ix = cx + 0.84 * (px - cx)
    iy = cy + 0.84 * (py - cy)
    ax = cx + r * (0.18 * ldx + rng.normal(0, 0.08, (n, 1)))
    ay = cy + r * (0.18 * ldy + rng.normal(0, 0.08, (n, 1)))
    mx = (ix + np.roll(ix, -1, axis=1)) / 2 - cx
    my = (iy + np.roll(iy, -1, axis=1)) / 2 - cy
    phi = np.arctan2(my, mx)
    matte = st.habit == 5
    amp = np.where(matte, 0.1, 0.26)[:, None]
    bright = 0.8 + amp * np.cos(phi - light) + rng.normal(0, 0.07, (n, 8))
    if dark_bg:
        body = st.colour * 1.04 + 10
        rim = st.colour * 0.55 * 0.7 + bg * 0.3
    else:
        body = st.colour * 0.84
        rim = st.colour * 0.42
    facet = np.clip(body[:, None, :] * bright[..., None], 0, 255).astype(np.uint8)
    body8 = np.clip(body, 0, 255).astype(np.uint8)
    rim8 = np.clip(rim, 0, 255).astype(np.uint8)
    lit = np.argmax(np.cos(phi - light), axis=1)  # facet facing the lamp
    hx = cx[:, 0] + st.r * (0.38 * ldx + rng.normal(0, 0.12, n))
    hy = cy[:, 0] + st.r * (0.38 * ldy + rng.normal(0, 0.12, n))
    hr = st.r * rng.uniform(0.08, 0.18, n)
    shine = (~matte) & (rng.random(n) < 0.9)

    outline = np.stack([px, py], axis=-1).tolist()
    inner = np.stack([ix, iy], axis=-1).tolist()
    apex = np.concatenate([ax, ay], axis=1).tolist()
    facet_l, body_l, rim_l = facet.tolist(), body8.tolist(), rim8.tolist()
    rr = st.r.tolist()
    # cast shadows (on a quarter-resolution map)
    sdx, sdy = -0.28 * ldx, -0.28 * ldy + 0.1
    sfill = int(255 * (1 - session.shadow))
    spx = (px + r * sdx) * sscale
    spy = (py + r * sdy) * sscale
    for k in np.flatnonzero(st.r * sscale >= 0.6):
        sdraw.polygon(list(zip(spx[k].tolist(), spy[k].tolist(), strict=True)), fill=sfill)

    for k in np.argsort(st.cy, kind="stable").tolist():
        rk = rr[k]
        poly = [tuple(v) for v in outline[k]]
        if rk < 3.5:
            draw.polygon(poly, fill=tuple(facet_l[k][int(lit[k])]))
            if shine[k] and rk >= 2.2:
                draw.point((float(hx[k]), float(hy[k])), fill=(250, 250, 248))
            continue
        draw.polygon(poly, fill=tuple(rim_l[k]))
        inn = [tuple(v) for v in inner[k]]
        ap = tuple(apex[k])
        if rk < 9:
            draw.polygon(inn, fill=tuple(body_l[k]))
            j = int(lit[k])
            draw.polygon([ap, inn[j - 1], inn[j], inn[(j + 1) % 8]], fill=tuple(facet_l[k][j]))
        else:
            for j in range(8):
                draw.polygon([ap, inn[j], inn[(j + 1) % 8]], fill=tuple(facet_l[k][j]))
        if shine[k]:
            e, u, v = float(hr[k]), float(hx[k]), float(hy[k])
            draw.ellipse((u - e, v - e * 0.7, u + e, v + e * 0.7), fill=(252, 252, 250))
        if rk >= 16 or (fine and rk >= 7):
            _stone_detail(draw, rng, float(cx[k, 0]), float(cy[k, 0]), rk, body_l[k], fine)


def _stone_detail(draw, rng, x: float, y: float, r: float, body, fine: bool) -> None:
    """Inclusions, etch trigons, frosting and extra glints on a large (or 'fine') stone."""
    dark = tuple(int(c * 0.45) for c in body)
    mid = tuple(int(c * 0.72) for c in body)
    light = tuple(min(255, int(c * 1.18 + 20)) for c in body)
    n_inc = int(rng.integers(0, 4 + 3 * fine))
    for _ in range(n_inc):
        a, d = rng.uniform(0, 6.3), rng.uniform(0, 0.55) * r
        e = max(0.8, rng.uniform(0.02, 0.06) * r)
        u, v = x + d * math.cos(a), y + d * math.sin(a)
        draw.ellipse((u - e, v - e * 0.6, u + e, v + e * 0.6), fill=dark)
    for _ in range(int(rng.integers(1, 4 + 4 * fine))):  # trigons
        a, d = rng.uniform(0, 6.3), rng.uniform(0, 0.55) * r
        e = max(1.5, rng.uniform(0.03, 0.09) * r)
        u, v = x + d * math.cos(a), y + d * math.sin(a)
        t = rng.uniform(0, 6.3)
        tri = [(u + e * math.cos(t + q * 2.094), v + e * math.sin(t + q * 2.094)) for q in range(3)]
        draw.polygon(tri, outline=mid)
    n_frost = int(r * (1.5 if fine else 0.6))
    if n_frost:
        a = rng.uniform(0, 6.3, n_frost)
        d = np.sqrt(rng.random(n_frost)) * 0.7 * r
        pts = np.stack([x + d * np.cos(a), y + d * np.sin(a)], axis=1).tolist()
        half = n_frost // 2
        draw.point([tuple(p) for p in pts[:half]], fill=light)
        draw.point([tuple(p) for p in pts[half:]], fill=mid)
    for _ in range(int(rng.integers(0, 3))):  # secondary glints
        a, d = rng.uniform(0, 6.3), rng.uniform(0.2, 0.6) * r
        e = max(1.0, rng.uniform(0.03, 0.07) * r)
        u, v = x + d * math.cos(a), y + d * math.sin(a)
        draw.ellipse((u - e, v - e, u + e, v + e), fill=(248, 248, 246))


# --------------------------------------------------------------------------------------------
# backdrops and props (all session-level detail comes from the session's texture stream)
# --------------------------------------------------------------------------------------------


def _box_px(box, w: int, h: int, off) -> tuple[float, float, float, float]:
    return (box[0] * w + off[0], box[1] * h + off[1], box[2] * w + off[0], box[3] * h + off[1])


def _grain(draw, tr, w, h, off, colour, n: int, width: int) -> None:
    """Long wavy near-parallel lines: wood grain, paper fibres, velvet lint."""
    horiz = tr.random() < 0.7
    for _ in range(n):
        p = tr.uniform(-0.05, 1.05)
        amp, freq, ph = tr.uniform(0.002, 0.02), tr.uniform(1, 6), tr.uniform(0, 6.3)
        tone = tr.uniform(-1, 1)
        col = _clamp8(np.asarray(colour) * (1 + 0.1 * tone))
        t = np.linspace(-0.05, 1.05, 24)
        q = p + amp * np.sin(freq * t * 6.28 + ph)
        xs, ys = (t, q) if horiz else (q, t)
        pts = list(zip((xs * w + off[0]).tolist(), (ys * h + off[1]).tolist(), strict=True))
        draw.line(pts, fill=col, width=width)


def _specks(draw, tr, w, h, off, n: int, colour, size: float, lines: bool = False) -> None:
    """Fibres (lines=True) or dust specks at session-fixed places."""
    s = min(w, h)
    for _ in range(n):
        x, y = tr.uniform(0, 1) * w + off[0], tr.uniform(0, 1) * h + off[1]
        col = _clamp8(np.asarray(colour) + tr.normal(0, 6, 3))
        if lines:
            a, ln = tr.uniform(0, 6.3), tr.uniform(0.3, 1.0) * size * s
            bend = tr.uniform(-0.5, 0.5)
            pts = [
                (x, y),
                (x + ln / 2 * math.cos(a + bend), y + ln / 2 * math.sin(a + bend)),
                (x + ln * math.cos(a), y + ln * math.sin(a)),
            ]
            draw.line(pts, fill=col, width=max(1, round(s / 1400)))
        else:
            e = max(0.6, tr.uniform(0.2, 1.0) * size * s)
            draw.ellipse((x - e, y - e, x + e, y + e), fill=col)


def _handwriting(draw, tr, x: float, y: float, width: float, height: float, ink) -> None:
    """Cursive-looking pen writing: words made of loops with ascenders, on a slanted baseline."""
    lw = 0.55 * height  # letter width
    slope = tr.uniform(-0.06, 0.06)
    pen = max(1, round(height / 12))
    cx = x
    while cx < x + width - 3 * lw:
        letters = int(tr.integers(2, 8))
        t = np.linspace(0, letters, letters * 10 + 1)
        k = np.minimum(t.astype(int), letters - 1)
        tall = np.where(tr.random(letters) < 0.3, 1.0, 0.45)[k] * tr.uniform(0.85, 1.1)
        frac = t - np.floor(t)
        xs = (
            cx
            + t * lw
            + 0.35 * lw * np.sin(2 * math.pi * frac)
            + 0.25 * height * (1 - np.cos(2 * math.pi * frac)) / 2
        )
        ys = y + height + slope * (xs - x) - tall * height * (1 - np.cos(2 * math.pi * frac)) / 2
        draw.line(list(zip(xs.tolist(), ys.tolist(), strict=True)), fill=ink, width=pen, joint="curve")
        cx += (letters + tr.uniform(0.8, 1.6)) * lw


def _backdrop(session: _Session, w: int, h: int, off) -> Image.Image:
    o = session.office
    tr = _rng("texture", *session.key)
    s = min(w, h)
    ppm = s / session.fov_mm
    kind = o.backdrop
    outer = o.desk if kind in ("bag", "parcel-paper", "sieve", "grid-tray") else o.base
    img = Image.new("RGB", (w, h), _clamp8(outer))
    draw = ImageDraw.Draw(img)
    if kind in ("bag", "parcel-paper", "sieve", "grid-tray"):
        _grain(draw, tr, w, h, off, o.desk, int(tr.integers(25, 60)), max(1, round(s / 500)))
    sx0, sy0, sx1, sy1 = _box_px(session.stage, w, h, off)
    if kind == "white-paper":
        _specks(draw, tr, w, h, off, int(tr.integers(80, 220)), np.asarray(o.base) - 10, 0.02, lines=True)
        if tr.random() < 0.45:  # a fold crease across the sheet
            a = tr.uniform(0.25, 0.75)
            lo, hi = _clamp8(np.asarray(o.base) - 14), _clamp8(np.asarray(o.base) + 6)
            wd = max(1, round(s / 700))
            if tr.random() < 0.5:
                draw.line([(a * w + off[0], 0), (a * w + off[0] + tr.uniform(-9, 9), h)], fill=lo, width=wd)
                draw.line([(a * w + off[0] + wd, 0), (a * w + off[0] + wd, h)], fill=hi, width=wd)
            else:
                draw.line([(0, a * h + off[1]), (w, a * h + off[1] + tr.uniform(-9, 9))], fill=lo, width=wd)
    elif kind in ("black-velvet", "blue-velvet"):
        _specks(draw, tr, w, h, off, int(tr.integers(8, 45)), (175, 175, 180), 0.0015)
        _specks(draw, tr, w, h, off, int(tr.integers(5, 25)), (140, 140, 150), 0.012, lines=True)
    elif kind == "grey-card":
        _specks(draw, tr, w, h, off, int(tr.integers(5, 25)), np.asarray(o.base) + 40, 0.001)
        if tr.random() < 0.5:  # the card does not reach one edge
            edge, d = int(tr.integers(4)), tr.uniform(0.02, 0.05)
            boxes = [(0, 0, d * w, h), (0, 0, w, d * h), ((1 - d) * w, 0, w, h), (0, (1 - d) * h, w, h)]
            bx = boxes[edge]
            draw.rectangle(
                (bx[0] + off[0], bx[1] + off[1], bx[2] + off[0], bx[3] + off[1]), fill=_clamp8(o.desk)
            )
    elif kind == "sieve":
        cx, cy = (sx0 + sx1) / 2, (sy0 + sy1) / 2
        rad = min(sx1 - sx0, sy1 - sy0) / 2
        rim = rad * 1.07
        draw.ellipse(
            (cx - rim * 1.02, cy - rim * 1.02 + s * 0.006, cx + rim * 1.02, cy + rim * 1.02 + s * 0.006),
            fill=_clamp8(np.asarray(o.desk) * 0.6),
        )
        draw.ellipse((cx - rim, cy - rim, cx + rim, cy + rim), fill=_clamp8(np.asarray(o.base) * 1.08))
        pitch = max(5, round(tr.uniform(1.6, 4.0) * ppm))
        tw, th = pitch, max(4, round(pitch * 1.732))
        e = pitch * tr.uniform(0.22, 0.32)
        tile = Image.new("RGB", (tw, th), _clamp8(o.base))
        td = ImageDraw.Draw(tile)
        hole = _clamp8(o.accent)
        for hx, hy in ((tw / 2, th / 4), (0, 3 * th / 4), (tw, 3 * th / 4)):
            td.ellipse((hx - e, hy - e, hx + e, hy + e), fill=hole)
        plate = Image.new("RGB", (w, h))
        ox, oy = int(off[0]) % tw - tw, int(off[1]) % th - th
        for yy in range(oy, h, th):
            for xx in range(ox, w, tw):
                plate.paste(tile, (xx, yy))
        mask = Image.new("L", (w, h), 0)
        ImageDraw.Draw(mask).ellipse((cx - rad, cy - rad, cx + rad, cy + rad), fill=255)
        img.paste(plate, (0, 0), mask)
    elif kind == "grid-tray":
        m = 0.03 * s
        draw.rounded_rectangle(
            (sx0 - m, sy0 - m, sx1 + m, sy1 + m), radius=m, fill=_clamp8(np.asarray(o.base) * 0.85)
        )
        draw.rounded_rectangle(
            (sx0 - m * 0.6, sy0 - m * 0.6, sx1 + m * 0.6, sy1 + m * 0.6), radius=m * 0.6, fill=_clamp8(o.base)
        )
        g = tr.uniform(8, 20) * ppm
        lw = max(1, round(s / 900))
        col = _clamp8(o.accent)
        x = sx0 + tr.uniform(0, g)
        while x < sx1:
            draw.line([(x, sy0), (x, sy1)], fill=col, width=lw)
            x += g
        y = sy0 + tr.uniform(0, g)
        while y < sy1:
            draw.line([(sx0, y), (sx1, y)], fill=col, width=lw)
            y += g
    elif kind == "bag":
        m = 0.03 * s
        bag = (max(2, sx0 - m), max(2, sy0 - m), min(w - 2, sx1 + m), min(h - 2, sy1 + m))
        tint = _mix(o.desk, o.accent, 0.6)
        draw.rectangle(
            bag, fill=_clamp8(tint), outline=_clamp8(np.asarray(tint) * 0.85), width=max(1, round(s / 400))
        )
        zy = bag[1] + 0.02 * s
        zc = _pick(tr, ((200, 40, 40), (40, 70, 190), (235, 235, 235)))
        draw.rectangle((bag[0], bag[1], bag[2], zy), fill=_clamp8(_mix(tint, (245, 245, 245), 0.3)))
        draw.line([(bag[0], zy), (bag[2], zy)], fill=zc, width=max(2, round(s / 250)))
        for _ in range(int(tr.integers(4, 9))):  # creases of the plastic
            p0 = np.array([tr.uniform(bag[0], bag[2]), tr.uniform(zy, bag[3])])
            pts = [tuple(p0)]
            a = tr.uniform(0, 6.3)
            for _ in range(int(tr.integers(2, 5))):
                a += tr.normal(0, 0.4)
                p0 = p0 + tr.uniform(0.05, 0.2) * s * np.array([math.cos(a), math.sin(a)])
                p0 = np.clip(p0, (bag[0], zy), (bag[2], bag[3]))
                pts.append(tuple(p0))
            wd = max(1, round(tr.uniform(1.5, 5) * s / 1000))
            draw.line(pts, fill=_clamp8(_mix(tint, (255, 255, 255), 0.45)), width=wd)
            draw.line(
                [(x + wd, y + wd) for x, y in pts],
                fill=_clamp8(np.asarray(tint) * 0.9),
                width=max(1, wd // 2),
            )
    elif kind == "parcel-paper":
        m = 0.045 * s
        paper = (max(2, sx0 - m), max(2, sy0 - m), min(w - 2, sx1 + m), min(h - 2, sy1 + m))
        draw.rectangle(paper, fill=(246, 246, 242))
        for f in (1 / 3, 2 / 3):  # folds of a diamond paper
            x = paper[0] + f * (paper[2] - paper[0])
            y = paper[1] + f * (paper[3] - paper[1])
            draw.line([(x, paper[1]), (x, paper[3])], fill=(222, 222, 218), width=max(1, round(s / 600)))
            draw.line([(paper[0], y), (paper[2], y)], fill=(226, 226, 222), width=max(1, round(s / 600)))
        liner = (sx0 - m * 0.3, sy0 - m * 0.3, sx1 + m * 0.3, sy1 + m * 0.3)
        draw.rectangle(liner, fill=_clamp8(o.accent))
        ink = _pick(tr, ((30, 40, 120), (20, 20, 30), (30, 60, 150)))
        for _ in range(int(tr.integers(1, 4))):  # handwriting in the paper's margin
            hx = tr.uniform(paper[0], max(paper[0] + 1, paper[2] - 0.3 * s))
            hy = paper[1] + tr.uniform(0.05, 0.6) * m
            _handwriting(draw, tr, hx, hy, tr.uniform(0.12, 0.3) * s, 0.45 * m, ink)
        st = _pick(tr, ((180, 40, 60), (90, 50, 150), (40, 80, 160)))
        u = tr.uniform(paper[0] + m, paper[2] - m)
        v = paper[3] - m * 0.5
        e = 0.45 * m
        lw = max(1, round(s / 500))
        draw.ellipse((u - e, v - e, u + e, v + e), outline=st, width=lw)
        draw.ellipse((u - e * 0.72, v - e * 0.72, u + e * 0.72, v + e * 0.72), outline=st, width=lw)
        draw.text((u, v), _pick(tr, ("KP", "GDO", "OK", "EXP")), fill=st, font=_font(e * 0.6), anchor="mm")
    elif kind == "glass-dish":
        cx, cy = (sx0 + sx1) / 2, (sy0 + sy1) / 2
        rad = min(sx1 - sx0, sy1 - sy0) / 2
        base = np.asarray(o.base)
        dark = base.mean() < 110
        draw.ellipse(
            (cx - rad, cy - rad, cx + rad, cy + rad),
            fill=_clamp8(_mix(base, (128, 128, 128), 0.07)),
            outline=_clamp8(_mix(base, (255, 255, 255) if dark else (60, 60, 60), 0.35)),
            width=max(2, round(0.012 * s)),
        )
        a0 = math.degrees(session.light) + tr.uniform(-30, 30)
        draw.arc(
            (cx - rad * 0.985, cy - rad * 0.985, cx + rad * 0.985, cy + rad * 0.985),
            a0 - 35,
            a0 + 35,
            fill=(250, 250, 250),
            width=max(1, round(0.004 * s)),
        )
        draw.ellipse(
            (cx - rad * 0.95, cy - rad * 0.95, cx + rad * 0.95, cy + rad * 0.95),
            outline=_clamp8(_mix(base, (90, 90, 90), 0.25)),
            width=max(1, round(s / 800)),
        )
    return img


def _draw_ruler(draw, box, ppm: float, rng_style: np.random.Generator, s: int) -> None:
    x0, y0, x1, y1 = box
    vertical = (y1 - y0) > (x1 - x0)
    face = _pick(rng_style, ((236, 238, 240), (205, 207, 210), (238, 220, 120), (245, 245, 240)))
    draw.rectangle(box, fill=face, outline=(70, 70, 70), width=max(1, round(s / 700)))
    breadth = (x1 - x0) if vertical else (y1 - y0)
    length = (y1 - y0) if vertical else (x1 - x0)
    step = 1 if ppm >= 3 else 5
    ink = (25, 25, 25)
    lw = max(1, round(s / 1200))
    font = _font(max(7, breadth * 0.26))
    mm = 0
    while mm * ppm < length - 2:
        t = mm * ppm + 2
        ln = breadth * (0.5 if mm % 10 == 0 else 0.34 if mm % 5 == 0 else 0.2)
        if vertical:
            draw.line([(x0, y0 + t), (x0 + ln, y0 + t)], fill=ink, width=lw)
            if mm % 10 == 0 and mm:
                draw.text((x0 + breadth * 0.72, y0 + t), str(mm // 10), fill=ink, font=font, anchor="mm")
        else:
            draw.line([(x0 + t, y0), (x0 + t, y0 + ln)], fill=ink, width=lw)
            if mm % 10 == 0 and mm:
                draw.text((x0 + t, y0 + breadth * 0.72), str(mm // 10), fill=ink, font=font, anchor="mm")
        mm += step


def _draw_label(draw, box, lines: list[str], barcode: int, s: int) -> None:
    x0, y0, x1, y1 = box
    draw.rectangle(box, fill=(250, 250, 246), outline=(90, 90, 90), width=max(1, round(s / 600)))
    bw, bh = x1 - x0, y1 - y0
    size = min(bh / (1.2 * len(lines) + 2.8), bw / (max(len(t) for t in lines) * 0.62))
    font = _font(size)
    for k, text in enumerate(lines):
        draw.text((x0 + 0.06 * bw, y0 + (0.6 + 1.2 * k) * size), text, fill=(20, 20, 26), font=font)
    bits = [(barcode >> q) & 1 for q in range(48)]
    by0, by1 = y1 - 1.4 * size, y1 - 0.35 * size
    unit = 0.88 * bw / 96
    for q, b in enumerate(bits):
        xx = x0 + 0.06 * bw + 2 * q * unit
        draw.rectangle((xx, by0, xx + unit * (1 + b) - 1e-3, by1), fill=(15, 15, 15))


def _draw_card(draw, box, s: int) -> None:
    x0, y0, x1, y1 = box
    draw.rectangle(box, fill=(30, 30, 32))
    patches = [
        (245, 245, 245),
        (200, 200, 200),
        (160, 160, 160),
        (120, 120, 120),
        (80, 80, 80),
        (45, 45, 45),
        (180, 50, 50),
        (50, 150, 60),
        (50, 70, 170),
        (230, 200, 40),
        (190, 80, 160),
        (60, 170, 190),
    ]
    cols, rows = (2, 6) if (y1 - y0) > (x1 - x0) else (6, 2)
    pw, ph = (x1 - x0) / cols, (y1 - y0) / rows
    for k, c in enumerate(patches):
        i, j = k % cols, k // cols
        draw.rectangle(
            (
                x0 + i * pw + pw * 0.1,
                y0 + j * ph + ph * 0.1,
                x0 + (i + 1) * pw - pw * 0.1,
                y0 + (j + 1) * ph - ph * 0.1,
            ),
            fill=c,
        )


# --------------------------------------------------------------------------------------------
# lighting, sensor and camera
# --------------------------------------------------------------------------------------------


def _illumination(session: _Session, w: int, h: int, shadow: Image.Image, exposure: float) -> Image.Image:
    """Full-resolution RGB multiplier (lamp gradient, hot spot, vignetting, mottle, shadows, WB)."""
    gw, gh = shadow.size
    o = session.office
    u = (np.arange(gw, dtype=np.float32) + 0.5) / gw
    v = (np.arange(gh, dtype=np.float32) + 0.5) / gh
    uu, vv = u[None, :], v[:, None]
    g = session.gradient
    lin = 1 + g * 2 * (
        (uu - 0.5) * math.cos(session.light + math.pi) + (vv - 0.5) * math.sin(session.light + math.pi)
    )
    hx, hy, hw, hs = session.hotspot
    hot = 1 + hs * np.exp(-((uu - hx) ** 2 + (vv - hy) ** 2) / (hw * hw))
    r2 = ((uu - 0.5) ** 2 + (vv - 0.5) ** 2) * 2
    vig = 1 - o.vignette * r2**1.3
    tr = _rng("mottle", *session.key)
    coarse = Image.fromarray((1 + 0.03 * tr.standard_normal((5, 7))).astype(np.float32), "F")
    mottle = np.asarray(coarse.resize((gw, gh), Image.BICUBIC), dtype=np.float32)
    field = lin * hot * vig * mottle
    field = field / float(field.max()) * 0.98 * exposure
    field = field * (np.asarray(shadow, dtype=np.float32) / 255.0)
    wb = np.asarray(session.wb, dtype=np.float32)
    rgb = np.clip(field[..., None] * (wb / wb.max()) * 255.0, 0, 255).astype(np.uint8)
    return Image.fromarray(rgb, "RGB").resize((w, h), Image.BILINEAR)


def _noise_layer(
    session: _Session, w: int, h: int, off, sigma: float, rng: np.random.Generator
) -> Image.Image:
    """Tiled backdrop texture (fixed per session) plus fresh sensor noise, centred on 128."""
    t = _TILE
    tr = _rng("tile", *session.key)
    tex = tr.standard_normal((t, t)).astype(np.float32)
    kind = session.office.backdrop
    if kind == "sieve":  # brushed metal: streaks along x
        tex = sum(np.roll(tex, k, axis=1) for k in range(-6, 7)) / 3.6
    elif kind in ("black-velvet", "blue-velvet", "grey-card"):  # soft pile
        tex = (tex + np.roll(tex, 1, 0) + np.roll(tex, 1, 1) + np.roll(tex, (1, 1), (0, 1))) / 2
    tex = np.roll(tex, (int(off[1]) % t, int(off[0]) % t), axis=(0, 1)) * session.office.tex_amp
    n = rng.standard_normal((t, t, 3), dtype=np.float32)
    lum = n[..., :1] * 0.85 + 0.3 * n
    layer = np.clip(128 + tex[..., None] + sigma * lum, 0, 255).astype(np.uint8)
    tile = Image.fromarray(layer, "RGB")
    out = Image.new("RGB", (w, h))
    for y in range(0, h, t):
        for x in range(0, w, t):
            out.paste(tile, (x, y))
    return out


def _render(
    session: _Session,
    style: _Style,
    stones_rng: np.random.Generator,
    photo_rng: np.random.Generator,
    long_side: int | None = None,
    label_lines: list[str] | None = None,
    camera_jpeg: bool = True,
) -> Image.Image:
    o = session.office
    w, h = _size(session, long_side)
    s = min(w, h)
    sh = session.jitter * s
    off = (float(photo_rng.uniform(-sh, sh)), float(photo_rng.uniform(-sh, sh))) if sh else (0.0, 0.0)
    stones = _make_stones(style, session, w, h, stones_rng)
    img = _backdrop(session, w, h, off)
    draw = ImageDraw.Draw(img)
    ppm = s / session.fov_mm
    prop_rng = _rng("props", *session.key)
    if session.ruler_box:
        _draw_ruler(draw, _box_px(session.ruler_box, w, h, off), ppm, prop_rng, s)
    if session.label_box:
        lines = label_lines or _label_lines(session, stones)
        barcode = int.from_bytes(hashlib.blake2b(lines[2].encode(), digest_size=6).digest(), "little")
        _draw_label(draw, _box_px(session.label_box, w, h, off), lines, barcode, s)
    if session.card_box:
        _draw_card(draw, _box_px(session.card_box, w, h, off), s)
    sscale = 0.25
    shadow = Image.new("L", (max(1, math.ceil(w * sscale)), max(1, math.ceil(h * sscale))), 255)
    _draw_stones(draw, ImageDraw.Draw(shadow), stones, session, off, sscale, style.fine, photo_rng)
    blur = float(np.clip(np.median(stones.r) * sscale * 0.35, 0.7, 5.0))
    shadow = shadow.filter(ImageFilter.GaussianBlur(blur))
    exposure = float(photo_rng.normal(1.0, 0.012))
    img = ImageChops.multiply(img, _illumination(session, w, h, shadow, exposure))
    if o.soft and w * h <= 2_600_000:  # soft optics (big sensors are left sharp: speed)
        img = img.filter(ImageFilter.BoxBlur(0.6))
    img = ImageChops.add(img, _noise_layer(session, w, h, off, o.noise, photo_rng), 1.0, -128)
    return _jpeg(img, o.jpeg_q) if camera_jpeg else img


def _label_lines(session: _Session, stones: _Stones) -> list[str]:
    o = session.office
    return [
        o.name,
        f"KPC {o.code} {session.date}",
        f"LOT {stones.lot}",
        f"{stones.carats:.2f} ct   {len(stones.r)} stones",
    ]


# --------------------------------------------------------------------------------------------
# ordinary unrelated kinds: certificate scans and phone snapshots
# --------------------------------------------------------------------------------------------


def _perspective_coeffs(dst, src) -> tuple[float, ...]:
    """PIL PERSPECTIVE data mapping output points ``dst`` to input points ``src``."""
    a = []
    b = []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        a.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        a.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        b.extend([u, v])
    return tuple(float(c) for c in np.linalg.solve(np.asarray(a, float), np.asarray(b, float)))


def _fresh_session(tag: str, seed: int, i: int, backdrop: str | None = None, **office_changes) -> _Session:
    office = _make_office(_rng(tag, "office", seed, i), (tag, seed, i), backdrop)
    if office_changes:
        office = replace(office, **office_changes)
    return _make_session(office, _rng(tag, "session", seed, i), (tag, seed, i))


def _certificate(seed: int, i: int, rng: np.random.Generator) -> Image.Image:
    dpi = float(_pick(rng, (100.0, 120.0, 150.0, 180.0), (0.25, 0.3, 0.3, 0.15)))
    w, h = round(8.27 * dpi), round(11.69 * dpi)
    paper = _clamp8(
        _pick(rng, ((248, 247, 240), (236, 244, 236), (238, 240, 248), (248, 238, 238))) + rng.normal(0, 2, 3)
    )
    img = Image.new("RGB", (w, h), paper)
    d = ImageDraw.Draw(img)
    code, city = _pick(rng, _PLACES)
    ink = (20, 22, 30)
    tone = _clamp8(_pick(rng, ((40, 90, 60), (50, 60, 130), (120, 60, 60), (90, 80, 40))))
    m = 0.05 * w
    for k in range(int(rng.integers(4, 9))):  # guilloche border
        ph, lam, amp = rng.uniform(0, 6.3), rng.uniform(0.02, 0.05) * w, rng.uniform(0.004, 0.012) * w
        t = np.linspace(m, w - m, 240)
        y = m + amp * np.sin(t / lam * 6.283 + ph) + k * 0.6
        d.line(list(zip(t.tolist(), y.tolist(), strict=True)), fill=tone, width=1)
        d.line(list(zip(t.tolist(), (h - y).tolist(), strict=True)), fill=tone, width=1)
        tv = np.linspace(m, h - m, 320)
        x = m + amp * np.sin(tv / lam * 6.283 + ph) + k * 0.6
        d.line(list(zip(x.tolist(), tv.tolist(), strict=True)), fill=tone, width=1)
        d.line(list(zip((w - x).tolist(), tv.tolist(), strict=True)), fill=tone, width=1)
    big, small = _font(0.032 * w), _font(0.017 * w)
    d.text((w / 2, 2.2 * m), "KIMBERLEY PROCESS CERTIFICATE", fill=ink, font=big, anchor="mm")
    d.text(
        (w / 2, 3.0 * m),
        f"{city.upper()}  -  No. {code} {int(rng.integers(10**6, 10**7))}",
        fill=ink,
        font=small,
        anchor="mm",
    )
    fields = [
        "Exporter",
        "Importer",
        "Country of origin",
        "HS code",
        "Carats",
        "Value (USD)",
        "Parcels",
        "Date of issue",
        "Expiry",
        "Authority",
    ]
    rng.shuffle(fields)
    rows = int(rng.integers(6, 11))
    top, rh = 3.8 * m, rng.uniform(0.035, 0.05) * h
    split = w * rng.uniform(0.35, 0.45)
    for k in range(rows):
        y0 = top + k * rh
        d.rectangle((1.5 * m, y0, w - 1.5 * m, y0 + rh), outline=ink, width=1)
        d.line([(split, y0), (split, y0 + rh)], fill=ink, width=1)
        d.text((1.7 * m, y0 + rh / 2), fields[k % len(fields)], fill=ink, font=small, anchor="lm")
        val = "".join(
            _pick(rng, tuple("ABCDEFGHJKLMNPRSTUVWXYZ0123456789 .")) for _ in range(int(rng.integers(5, 22)))
        )
        d.text((split + 0.2 * m, y0 + rh / 2), val, fill=(30, 30, 90), font=small, anchor="lm")
    y = top + rows * rh + m
    if rng.random() < 0.45:  # a small printed photo of some other parcel
        sess = _fresh_session("certificate-photo", seed, i, long_side=1024)
        style = _make_style(_rng("certificate-style", seed, i), sess)
        photo = _render(
            sess, style, _rng("certificate-stones", seed, i), _rng("certificate-shot", seed, i), 1024
        )
        pw = int(w * rng.uniform(0.3, 0.45))
        photo = photo.resize((pw, max(8, int(pw * photo.height / photo.width))), Image.BILINEAR)
        if y + photo.height < h - 2 * m:
            img.paste(photo, (int(1.5 * m), int(y)))
            d.rectangle((1.5 * m, y, 1.5 * m + photo.width, y + photo.height), outline=ink, width=1)
    for _ in range(int(rng.integers(2, 6))):  # more running text
        d.text(
            (1.5 * m, h - rng.uniform(3, 6) * m),
            " ".join("lorem" for _ in range(int(rng.integers(3, 9)))),
            fill=ink,
            font=small,
        )
    sc = _pick(rng, ((170, 40, 60), (60, 60, 160), (90, 40, 140)))
    u, v, e = w * rng.uniform(0.55, 0.8), h * rng.uniform(0.7, 0.85), 0.07 * w
    d.ellipse((u - e, v - e, u + e, v + e), outline=sc, width=max(2, round(w / 400)))
    d.ellipse((u - 0.7 * e, v - 0.7 * e, u + 0.7 * e, v + 0.7 * e), outline=sc, width=max(1, round(w / 600)))
    d.text((u, v), code, fill=sc, font=_font(0.5 * e), anchor="mm")
    _handwriting(
        d, rng, w * rng.uniform(0.15, 0.45), h * rng.uniform(0.8, 0.88), 0.25 * w, 0.025 * h, (20, 30, 110)
    )
    if rng.random() < 0.2:
        img = img.transpose(Image.Transpose.ROTATE_90)
    angle = float(rng.uniform(-1.5, 1.5))
    img = img.rotate(angle, Image.BILINEAR, expand=False, fillcolor=(235, 235, 235))
    noise = rng.standard_normal((_TILE, _TILE, 1), dtype=np.float32) * rng.uniform(1.0, 3.0)
    tile = Image.fromarray(np.clip(128 + np.repeat(noise, 3, axis=2), 0, 255).astype(np.uint8), "RGB")
    layer = Image.new("RGB", img.size)
    for yy in range(0, img.height, _TILE):
        for xx in range(0, img.width, _TILE):
            layer.paste(tile, (xx, yy))
    img = ImageChops.add(img, layer, 1.0, -128)
    return _jpeg(img, int(rng.integers(70, 93)))


def _phone_photo(seed: int, i: int, rng: np.random.Generator) -> Image.Image:
    sess = _fresh_session(
        "phone",
        seed,
        i,
        backdrop=_pick(rng, ("bag", "parcel-paper", "white-paper", "grid-tray", "black-velvet")),
        long_side=int(_pick(rng, (1280, 1440, 1600, 1920), (0.3, 0.3, 0.25, 0.15))),
        aspect=float(_pick(rng, (4 / 3, 16 / 9))),
        portrait=bool(rng.random() < 0.5),
        noise=float(rng.uniform(3.0, 7.0)),
        soft=False,
    )
    sess = replace(sess, gradient=float(rng.uniform(0.1, 0.35)), jitter=0.0)
    style = _make_style(_rng("phone-style", seed, i), sess)
    img = _render(sess, style, _rng("phone-stones", seed, i), _rng("phone-shot", seed, i), camera_jpeg=False)
    w, h = img.size
    inset = rng.uniform(0.0, 0.07, (4, 2)) * (w, h)
    src = [
        (inset[0, 0], inset[0, 1]),
        (w - inset[1, 0], inset[1, 1]),
        (w - inset[2, 0], h - inset[2, 1]),
        (inset[3, 0], h - inset[3, 1]),
    ]
    dst = [(0, 0), (w, 0), (w, h), (0, h)]
    img = img.transform((w, h), Image.PERSPECTIVE, _perspective_coeffs(dst, src), Image.BILINEAR)
    if rng.random() < 0.5:  # hand shake
        k = np.zeros((5, 5))
        a = rng.uniform(0, math.pi)
        for t in np.linspace(-2, 2, 9):
            k[round(2 + t * math.sin(a)), round(2 + t * math.cos(a))] += 1
        img = img.filter(ImageFilter.Kernel((5, 5), k.ravel().tolist(), float(k.sum())))
    else:  # phone over-sharpening
        a = float(rng.uniform(0.15, 0.45))
        img = img.filter(ImageFilter.Kernel((3, 3), [0, -a, 0, -a, 1 + 4 * a, -a, 0, -a, 0], 1.0))
    return _jpeg(img, int(rng.integers(68, 89)))


# --------------------------------------------------------------------------------------------
# originals and unrelated photos
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _original_style(seed: int, i: int) -> _Style:
    return _make_style(_rng("style", seed, i), _session(seed, i // _SESSION_SIZE))


def _original(seed: int, i: int) -> Image.Image:
    session = _session(seed, i // _SESSION_SIZE)
    return _render(session, _original_style(seed, i), _rng("stones", seed, i), _rng("photo", seed, i))


def originals(seed: int, n: int) -> Iterator[Image.Image]:
    """n photos of distinct parcels; photo i depends only on (seed, i)."""
    for i in range(n):
        yield _original(seed, i)


@lru_cache(maxsize=1)
def _reference_catalogue() -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Reference originals that are melee carpets, and those whose session has label and ruler."""
    carpets = tuple(j for j in range(REFERENCE_COUNT) if _original_style(REFERENCE_SEED, j).mode == "carpet")
    labelled = tuple(
        j
        for j in range(REFERENCE_COUNT)
        if _session(REFERENCE_SEED, j // _SESSION_SIZE).label_box is not None
        and _session(REFERENCE_SEED, j // _SESSION_SIZE).ruler_box is not None
    )
    return carpets, labelled


def _nudge(rng: np.random.Generator, region, amount: float) -> tuple[float, float, float, float]:
    """Move a region by up to ``amount`` of its size, keeping it inside the safe band."""
    x0, y0, x1, y1 = region
    dx, dy = rng.uniform(-amount, amount, 2) * (x1 - x0, y1 - y0)
    dx = float(np.clip(dx, _SAFE[0] - x0, _SAFE[1] - x1))
    dy = float(np.clip(dy, _SAFE[0] - y0, _SAFE[1] - y1))
    return (x0 + dx, y0 + dy, x1 + dx, y1 + dy)


def _unrelated(seed: int, i: int) -> Image.Image:
    kind = unrelated_kind(seed, i)
    rng = _rng("unrelated", seed, i)
    stones_rng = _rng("unrelated-stones", seed, i)
    photo_rng = _rng("unrelated-photo", seed, i)
    if kind == "certificate-scan":
        return _certificate(seed, i, rng)
    if kind == "phone-photo":
        return _phone_photo(seed, i, rng)
    if kind == "other-office":
        session = _fresh_session("other-office", seed, i)
        return _render(session, _make_style(rng, session), stones_rng, photo_rng)
    carpets, labelled = _reference_catalogue()
    if kind == "melee-carpet" and carpets:
        j = carpets[int(rng.integers(len(carpets)))]
    elif kind == "label-and-ruler" and labelled:
        j = labelled[int(rng.integers(len(labelled)))]
    else:
        j = int(rng.integers(REFERENCE_COUNT))
    ref_session = _session(REFERENCE_SEED, j // _SESSION_SIZE)
    ref_style = _original_style(REFERENCE_SEED, j)
    if kind == "twin-session":
        return _render(ref_session, _make_style(rng, ref_session), stones_rng, photo_rng)
    if kind == "lookalike-lot":
        count = max(1, round(ref_style.count * rng.uniform(0.8, 1.2)))
        if count == ref_style.count:  # never the same number of stones
            count = count + 1 if count == 1 or rng.random() < 0.5 else count - 1
        style = replace(ref_style, count=count, region=_nudge(rng, ref_style.region, 0.04))
        return _render(ref_session, style, stones_rng, photo_rng)
    if kind == "melee-carpet":
        if ref_style.mode == "carpet":
            count = round(ref_style.count * rng.uniform(0.9, 1.1))
            style = replace(ref_style, count=count, region=_nudge(rng, ref_style.region, 0.03))
        else:
            style = _make_style(rng, ref_session, mode="carpet")
        return _render(ref_session, style, stones_rng, photo_rng)
    if kind == "sparse-on-stage":
        return _render(ref_session, _make_style(rng, ref_session, mode="sparse"), stones_rng, photo_rng)
    if kind == "label-and-ruler":
        w, h = _size(ref_session)
        ref_stones = _make_stones(ref_style, ref_session, w, h, _rng("stones", REFERENCE_SEED, j))
        style = _make_style(rng, ref_session)
        lines = _label_lines(ref_session, ref_stones)
        return _render(ref_session, style, stones_rng, photo_rng, label_lines=lines)
    if kind == "high-res-detail":
        mode = _pick(rng, ("heap", "scatter", "rows", "sparse", "carpet"), (0.3, 0.3, 0.15, 0.1, 0.15))
        style = _make_style(rng, ref_session, mode=mode, fine=True)
        return _render(ref_session, style, stones_rng, photo_rng, long_side=int(rng.integers(2600, 3001)))
    # neighbour-session: same office, another sitting
    session = _make_session(ref_session.office, _rng("neighbour", seed, i), ("neighbour", seed, i))
    return _render(session, _make_style(rng, session), stones_rng, photo_rng)


def unrelated(seed: int, n: int) -> Iterator[Image.Image]:
    """n photos of other parcels (never of a parcel in originals(REFERENCE_SEED, REFERENCE_COUNT));
    the hard kinds re-use the offices/sessions/backgrounds of those reference originals.
    Photo i depends only on (seed, i)."""
    for i in range(n):
        yield _unrelated(seed, i)


@lru_cache(maxsize=64)
def _kind_block(seed: int, block: int) -> tuple[str, ...]:
    slots = [name for name, share in _KIND_SHARES for _ in range(share)]
    order = _rng("kinds", seed, block).permutation(len(slots))
    return tuple(slots[k] for k in order)


def unrelated_kind(seed: int, i: int) -> str:
    """The kind (one of KINDS) of the i-th unrelated photo; every block of 1000 consecutive indices
    holds fixed shares of each kind."""
    return _kind_block(int(seed), int(i) // 1000)[int(i) % 1000]


# --------------------------------------------------------------------------------------------
# re-used copies
# --------------------------------------------------------------------------------------------

_STEPS = ("crop", "resize", "jpeg", "blur", "recolour")


def _apply_step(step: str, img: Image.Image, rng: np.random.Generator) -> tuple[str, Image.Image]:
    w, h = img.size
    if step == "crop":
        sides = int(rng.integers(1, 16))  # non-empty subset of left, top, right, bottom
        pct = [round(float(rng.uniform(0.5, 10.0)), 1) if sides >> k & 1 else 0.0 for k in range(4)]
        lft, top = math.floor(w * pct[0] / 100), math.floor(h * pct[1] / 100)
        rgt, bot = math.floor(w * pct[2] / 100), math.floor(h * pct[3] / 100)
        name = f"crop-l{pct[0]:.1f}t{pct[1]:.1f}r{pct[2]:.1f}b{pct[3]:.1f}"
        return name, img.crop((lft, top, w - rgt, h - bot))
    if step == "resize":
        scale = round(float(rng.uniform(0.5, 0.98)), 2)
        size = (max(64, round(w * scale)), max(64, round(h * scale)))
        method = _pick(rng, (Image.BILINEAR, Image.BICUBIC, Image.LANCZOS))
        return f"resize-s{scale:.2f}", img.resize(size, method, reducing_gap=3.0)
    if step == "jpeg":
        q = int(rng.integers(50, 96))
        return f"jpeg-q{q}", _jpeg(img, q, subsampling=int(_pick(rng, (0, 2, 2))))
    if step == "blur":
        radius = round(float(rng.uniform(0.5, 2.0)), 2)
        return f"blur-r{radius:.2f}", img.filter(ImageFilter.GaussianBlur(radius))
    # recolour: brightness, contrast, saturation, white balance (red and blue gains)
    vals = [1.0] * 5
    spans = (0.1, 0.1, 0.15, 0.05, 0.05)
    chosen = rng.random(5) < 0.6
    chosen[int(rng.integers(5))] = True
    for k in np.flatnonzero(chosen):
        vals[k] = round(1.0 + float(rng.choice((-1.0, 1.0)) * rng.uniform(0.02, spans[k])), 2)
    b, c, s, wr, wb = vals
    lut = []
    for gain in (wr, 1.0, wb):
        x = np.arange(256, dtype=np.float64)
        y = ((x - 128.0) * c + 128.0) * b * gain
        lut.extend(np.clip(np.round(y), 0, 255).astype(int).tolist())
    out = img.point(lut)
    if s != 1.0:
        out = ImageEnhance.Color(out).enhance(s)
    return f"recolour-b{b:.2f}c{c:.2f}s{s:.2f}wr{wr:.2f}wb{wb:.2f}", out


def variants(image: Image.Image, seed: int) -> dict[str, Image.Image]:
    """About ten re-used copies of `image`: one of each single step (crop, resize, jpeg, blur, recolour)
    and about five chains of 2-3 steps. Deterministic given (image, seed)."""
    img = image.convert("RGB")
    digest = hashlib.blake2b(img.tobytes(), digest_size=16)
    digest.update(repr(img.size).encode())
    rng = _rng("variants", int(seed), digest.hexdigest())
    out: dict[str, Image.Image] = {}
    plans = [[step] for step in _STEPS]
    for length in (2, 2, 3, 3, int(rng.integers(2, 4))):
        plans.append([_STEPS[k] for k in rng.permutation(len(_STEPS))[:length]])
    for plan in plans:
        for _attempt in range(5):
            current, names = img, []
            for step in plan:
                name, current = _apply_step(step, current, rng)
                names.append(name)
            key = "+".join(names)
            if key not in out:
                out[key] = current.convert("RGB")
                break
    return out
