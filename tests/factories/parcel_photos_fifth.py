"""Photos of rough-diamond parcels, and copies of them, for judging the photo re-use search (fifth,
independent generator).

An exporting authority photographs parcel after parcel on the same set-up; a forger re-uses the
photo of a lawful parcel on another certificate, after cropping, resizing, recompressing, blurring
or recolouring it. :func:`originals` draws lawful parcel photos, :func:`variants` the copies a
forger could make of one, :func:`unrelated` photos of other parcels that must not be reported.

What is modelled
----------------
* A fixed pool of offices (:data:`OFFICE_POOL_SEED`), independent of the ``seed`` arguments: ten
  "o" offices that supply the originals and the hard negatives, five "x" offices that supply only
  easy negatives (about 30 % of :func:`unrelated`). Each office has 3-5 photo days.
* One unchanging set-up per office: the surface (white paper, black velvet, twill felt, a sieve
  mesh, a green cutting mat with a printed grid, a sorting plate with rows of wells, a blue
  parcel-paper sheet, a desk with a sheet of paper on it, a plain sheet leaving a wide empty
  border, a plastic tray) and the props (printed lot card, ruler, colour chart, carat-scale
  display, tweezers). Photos of one office and day share most of their pixels; only the stones,
  the handwriting on the lot card, the stamp impression, the scale reading and, where the card is
  put down by hand, its exact place differ. Props are sometimes moved between days.
* Parcels: stones spread out, in a heap, a few small stones in a small part of the frame, stones
  laid out in rows (one per well on the sorting plate: different stones, near-identical layout),
  stones in a transparent zip bag with a write-on panel, an opened diamond paper, and sealed
  opaque envelopes (only handwriting, seal number and placement differ).
* Cameras: long side 640-4000 px, 4:3, 3:2, 16:9, 1:1 and portrait; softness, sensor noise,
  sharpening, tone curve, vignetting (strong on the phones), JPEG quality 70-95 and chroma
  subsampling; phones that burn a date/time stamp into the photo. Tripod offices (a small bump of
  the stand between days) and handheld ones (shift, zoom and a degree of tilt between photos).
* Lamps: per-day colour, brightness, gradient, hot spot and shadow direction; some offices with
  mixed light (a colour gradient across the frame) and exposure that wanders from photo to photo.
* Hard cases on purpose: repetitive surfaces (mesh, grid mat, twill, wells), white stones on white
  paper with an over-exposed lamp, a wide plain border around small parcels, near-identical
  layouts of different stones, sealed packets that look alike.

Copies (:func:`variants`) use only what the issue allows: crops of 0-10 % off each side
(independently), resizes of 0.3x-1.5x (sometimes with an aspect change of a few %), JPEG
recompression at quality 50-95, Gaussian blur of 0.5-2 px at 1500 px width (scaled with the
width), recolouring within +-15 % (brightness, contrast, saturation, gamma, white balance) and
chains of two or three of these. Keys name the steps, e.g. ``crop-l5.3t0.8+jpeg-57``; the blur key
gives the sigma actually used, in pixels of the image it was applied to.

What is deliberately not modelled: rotation, mirroring, perspective change, overlays or content
edits in copies; screenshots or re-photographs of a screen; a second photo of the *same* parcel
(every photo here is a different parcel with its own stones and handwriting). No search, matching
or difficulty estimate is made here.
"""

from __future__ import annotations

import io
import math
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

__all__ = ["originals", "unrelated", "variants"]

#: Fixes the offices, their set-ups, cameras and days. Not derived from any ``seed`` argument, so
#: that ``originals(1, n)`` and ``unrelated(2, n)`` come from the same offices and days.
OFFICE_POOL_SEED = 5_0517_2031
#: Largest side the scene is drawn at; bigger cameras get an upscaled (and sharpened) picture.
MAX_WORKING_SIDE = 1600
#: Share of unrelated photos taken in the offices (and days) that also supply the originals.
HARD_NEGATIVE_SHARE = 0.7

_ORIGINAL, _UNRELATED, _VARIANT, _TEMPLATE = 11, 23, 37, 41
_BILINEAR = Image.Resampling.BILINEAR
_BICUBIC = Image.Resampling.BICUBIC
_LANCZOS = Image.Resampling.LANCZOS

# code, surface, camera (w, h), handheld, flags
_SPECS: tuple[tuple[str, str, tuple[int, int], bool, str], ...] = (
    ("o00", "paper", (4000, 3000), False, ""),
    ("o01", "velvet", (3000, 2000), False, ""),
    ("o02", "mesh", (1920, 1080), True, ""),
    ("o03", "wells", (1600, 1200), False, "rows"),
    ("o04", "paper", (2048, 1536), False, "low-contrast"),
    ("o05", "cutmat", (3000, 4000), True, "phone"),
    ("o06", "plain", (1200, 1200), False, "small"),
    ("o07", "felt", (640, 480), True, "mixed-light"),
    ("o08", "bluepaper", (2400, 1600), False, "packets mixed-light"),
    ("o09", "wood", (1080, 1920), True, "phone"),
    ("x00", "tray", (1280, 960), False, ""),
    ("x01", "velvet", (800, 800), True, "phone"),
    ("x02", "paper", (3264, 2448), False, "mixed-light"),
    ("x03", "mesh", (2592, 1944), False, "bright-under"),
    ("x04", "wood", (1024, 768), True, "packets"),
)

_KINDS = ("spread", "heap", "small", "rows", "zipbag", "envelope", "briefke")
_KIND_WEIGHTS = (0.28, 0.18, 0.16, 0.06, 0.11, 0.08, 0.13)

_STONE_COLOURS = (
    (208, 210, 212),  # colourless, glassy
    (229, 229, 223),  # white, frosted skin
    (225, 213, 166),  # light yellow
    (207, 187, 121),  # cape yellow
    (179, 143, 101),  # light brown
    (129, 93, 63),  # brown
    (143, 143, 141),  # grey
    (66, 65, 67),  # boart, near black
    (161, 171, 137),  # green skin
    (215, 177, 173),  # pinkish
)
_TRANSLUCENCY = (0.35, 0.15, 0.25, 0.2, 0.15, 0.1, 0.15, 0.05, 0.1, 0.25)
_PALETTE_BASE = np.array((3.0, 1.5, 1.5, 1.0, 1.0, 0.6, 0.6, 0.3, 0.3, 0.1))
_SIZE_CLASSES = {
    "smalls": (0.005, 0.009),
    "medium": (0.010, 0.018),
    "large": (0.020, 0.034),
    "special": (0.040, 0.065),
}
_HAND_FONTS = (
    "DejaVuSans-Oblique",
    "DejaVuSerif-Italic",
    "DejaVuSansCondensed-Oblique",
    "DejaVuSerifCondensed-Italic",
    "DejaVuSansMono-Oblique",
    "DejaVuSans-ExtraLight",
)
_CHART = (
    (115, 82, 68), (194, 150, 130), (98, 122, 157), (87, 108, 67), (133, 128, 177), (103, 189, 170),
    (214, 126, 44), (80, 91, 166), (193, 90, 99), (94, 60, 108), (157, 188, 64), (224, 163, 46),
    (56, 61, 150), (70, 148, 73), (175, 54, 60), (231, 199, 31), (187, 86, 149), (8, 133, 161),
    (243, 243, 242), (200, 200, 200), (160, 160, 160), (122, 122, 121), (85, 85, 85), (52, 52, 52),
)  # fmt: skip


# ----------------------------------------------------------------------------------------------
# Small helpers


def _rng(*key: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([int(k) % 2**64 for k in key]))


@cache
def _font_path(name: str) -> str | None:
    root = Path("/usr/share/fonts")
    hits = sorted(root.rglob(f"{name}.ttf")) if root.is_dir() else []
    return str(hits[0]) if hits else None


@lru_cache(maxsize=512)
def _font(name: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    size = max(6, int(size))
    path = _font_path(name)
    if path is None:
        return ImageFont.load_default(size)
    return ImageFont.truetype(path, size)


def _rgb(values: np.ndarray | tuple[float, ...]) -> tuple[int, int, int]:
    r, g, b = (int(min(255.0, max(0.0, float(v)))) for v in values)
    return r, g, b


def _pick(rng: np.random.Generator, weights: tuple[float, ...] | np.ndarray) -> int:
    p = np.asarray(weights, dtype=float)
    return int(rng.choice(len(p), p=p / p.sum()))


def _smooth(rng: np.random.Generator, w: int, h: int, cell: float) -> np.ndarray:
    """Smooth noise with features of about ``cell`` px, roughly unit spread."""
    sw, sh = max(2, int(w / cell) + 2), max(2, int(h / cell) + 2)
    small = Image.fromarray(rng.standard_normal((sh, sw)).astype(np.float32))
    return np.asarray(small.resize((w, h), _BICUBIC), dtype=np.float32)


def _rotate_points(pts: np.ndarray, centre: tuple[float, float], degrees: float) -> np.ndarray:
    """Points given relative to ``centre``, turned the way ``Image.rotate(degrees)`` turns."""
    a = math.radians(degrees)
    c, s = math.cos(a), math.sin(a)
    x, y = pts[..., 0], pts[..., 1]
    return np.stack([centre[0] + x * c + y * s, centre[1] - x * s + y * c], axis=-1)


def _overlaps(a: tuple[float, ...], b: tuple[float, ...], pad: float) -> bool:
    return not (a[2] + pad <= b[0] or b[2] + pad <= a[0] or a[3] + pad <= b[1] or b[3] + pad <= a[1])


# ----------------------------------------------------------------------------------------------
# The office pool


@dataclass(frozen=True)
class _Camera:
    size: tuple[int, int]
    quality: int
    subsampling: int
    noise: float
    chroma_noise: float
    softness: float
    sharpen: int
    vignette: float
    contrast: float
    black: float
    timestamp: bool


@dataclass(frozen=True)
class _Prop:
    kind: str  # card, ruler, chart, scale, tweezers
    box: tuple[float, float, float, float]  # footprint in scene px
    angle: float
    by_hand: bool  # put down anew for every parcel


@dataclass(frozen=True)
class _Office:
    index: int
    code: str
    surface: str
    flags: frozenset[str]
    camera: _Camera
    work: tuple[int, int]
    scene: tuple[int, int]
    unit: float
    zoom: float
    handheld: bool
    days: int
    kinds: tuple[float, ...]
    zone: tuple[float, float, float, float]
    grid: tuple[int, int, float, float, float]  # rows, cols, cell, x0, y0 of the rows layout
    props: tuple[_Prop, ...]
    palette: tuple[float, ...]
    fonts: tuple[str, ...]
    ink: tuple[int, int, int]
    stamp_ink: tuple[int, int, int]
    envelope: tuple[int, int, int]
    lot_style: int
    date_style: int
    lamp: float
    dark: bool

    @property
    def main(self) -> bool:
        return self.code.startswith("o")


@dataclass(frozen=True)
class _Day:
    gains: tuple[float, float, float]
    tint_slope: tuple[float, float, float]
    exposure: float
    grad_angle: float
    grad: float
    hot: tuple[float, float, float, float]  # x, y, strength, width
    light: float  # where the lamp is, radians (facet shading and shadows)
    shadow: float
    shadow_len: float
    shadow_blur: float
    bump: tuple[float, float]
    prop_moves: tuple[tuple[float, float], ...]
    date: date


def _camera(rng: np.random.Generator, size: tuple[int, int], flags: frozenset[str]) -> _Camera:
    phone = "phone" in flags
    noise = rng.uniform(1.0, 3.5) + (1.5 if phone else 0.0) + (1.0 if max(size) < 1000 else 0.0)
    return _Camera(
        size=size,
        quality=int(rng.integers(80, 93) if phone else rng.integers(70, 96)),
        subsampling=0 if rng.random() < 0.25 else 2,
        noise=float(noise),
        chroma_noise=float(noise * rng.uniform(0.3, 0.8)),
        softness=float(rng.uniform(0.2, 0.9)),
        sharpen=int(rng.integers(60, 140)) if phone else int(rng.choice([0, 0, 40, 80])),
        vignette=float(rng.uniform(0.35, 0.55) if phone else rng.uniform(0.0, 0.25)),
        contrast=float(rng.uniform(0.0, 0.3)),
        black=float(rng.uniform(0.0, 0.04)),
        timestamp=phone,
    )


def _place_props(
    rng: np.random.Generator, wanted: list[str], area: tuple[float, ...], zone: tuple[float, ...], unit: float
) -> list[_Prop]:
    sizes = {
        "card": (0.36, 0.22),
        "ruler": (0.70, 0.055),
        "chart": (0.30, 0.20),
        "scale": (0.28, 0.22),
        "tweezers": (0.42, 0.05),
    }
    blocked = [zone]
    props = []
    for kind in wanted:
        w0, h0 = sizes[kind]
        options = [(w0, h0, 0.0), (h0, w0, 90.0)] if kind in ("ruler", "tweezers") else [(w0, h0, 0.0)]
        placed = False
        for scale in (1.0, 0.85, 0.7):
            for w, h, angle in options:
                w, h = w * unit * scale, h * unit * scale
                if area[2] - area[0] <= w or area[3] - area[1] <= h:
                    continue
                for _ in range(200):
                    x, y = rng.uniform(area[0], area[2] - w), rng.uniform(area[1], area[3] - h)
                    box = (x, y, x + w, y + h)
                    if not any(_overlaps(box, b, 0.02 * unit) for b in blocked):
                        blocked.append(box)
                        by_hand = kind == "tweezers" or (kind == "card" and rng.random() < 0.6)
                        props.append(_Prop(kind, box, angle, by_hand))
                        placed = True
                        break
                if placed:
                    break
            if placed:
                break
    return props


def _build_office(index: int, spec: tuple[str, str, tuple[int, int], bool, str]) -> _Office:
    code, surface, size, handheld, flag_text = spec
    flags = frozenset(flag_text.split())
    rng = _rng(OFFICE_POOL_SEED, index)
    camera = _camera(rng, size, flags)
    s = min(1.25, MAX_WORKING_SIDE / max(size))
    work = (round(size[0] * s), round(size[1] * s))
    margin = 0.08 if handheld else 0.03
    scene = (round(work[0] * (1 + 2 * margin)), round(work[1] * (1 + 2 * margin)))
    zoom = float(rng.uniform(0.98, 1.03))
    vis_w, vis_h = work[0] / zoom, work[1] / zoom
    unit = min(vis_w, vis_h)
    cx, cy = scene[0] / 2, scene[1] / 2

    if surface == "plain":  # a wide empty sheet: everything sits in the middle of the frame
        zw = zh = 0.34 * unit
        area = (cx - 0.33 * vis_w, cy - 0.33 * vis_h, cx + 0.33 * vis_w, cy + 0.33 * vis_h)
    else:
        zw, zh = vis_w * rng.uniform(0.5, 0.6), vis_h * rng.uniform(0.5, 0.6)
        inset = 0.025 * unit
        area = (
            cx - vis_w / 2 + inset,
            cy - vis_h / 2 + inset,
            cx + vis_w / 2 - inset,
            cy + vis_h / 2 - inset,
        )
    zcx = cx + rng.uniform(-0.05, 0.05) * vis_w
    zcy = cy + rng.uniform(-0.05, 0.05) * vis_h

    wanted = ["card"]
    for kind, p in (("scale", 0.5), ("ruler", 0.55), ("chart", 0.45), ("tweezers", 0.35)):
        if rng.random() < p or (code == "o00" and kind != "tweezers"):
            wanted.append(kind)
    props: list[_Prop] = []
    for shrink in (1.0, 0.9, 0.8, 0.7):
        zone = (zcx - zw * shrink / 2, zcy - zh * shrink / 2, zcx + zw * shrink / 2, zcy + zh * shrink / 2)
        props = _place_props(_rng(OFFICE_POOL_SEED, index, 1), wanted, area, zone, unit)
        if props and props[0].kind == "card":
            break

    cols = int(rng.integers(5, 9))
    rows = max(3, round(cols * (zone[3] - zone[1]) / (zone[2] - zone[0])))
    cell = min((zone[2] - zone[0]) / cols, (zone[3] - zone[1]) / rows)
    grid = (rows, cols, cell, zcx - cols * cell / 2, zcy - rows * cell / 2)

    kinds = np.array(_KIND_WEIGHTS) * rng.uniform(0.6, 1.4, len(_KINDS))
    if "rows" in flags:
        kinds[_KINDS.index("rows")] = 1.6
    if "small" in flags:
        kinds[_KINDS.index("small")] = 1.4
    if "packets" in flags:
        for kind in ("zipbag", "envelope", "briefke"):
            kinds[_KINDS.index(kind)] *= 3
    if "low-contrast" in flags:
        palette = np.array((3.0, 3.0) + (0.0,) * 8)
    else:
        palette = _PALETTE_BASE * rng.uniform(0.3, 1.7, len(_PALETTE_BASE))
    fonts = tuple(str(f) for f in rng.choice(_HAND_FONTS, size=int(rng.integers(1, 4)), replace=False))
    dark = surface == "velvet" or (surface == "mesh" and "bright-under" not in flags)
    return _Office(
        index=index,
        code=code,
        surface=surface,
        flags=flags,
        camera=camera,
        work=work,
        scene=scene,
        unit=unit,
        zoom=zoom,
        handheld=handheld,
        days=int(rng.integers(3, 6)),
        kinds=tuple(float(k) for k in kinds / kinds.sum()),
        zone=zone,
        grid=grid,
        props=tuple(props),
        palette=tuple(float(p) for p in palette / palette.sum()),
        fonts=fonts,
        ink=((25, 35, 110), (20, 20, 25), (30, 40, 60))[int(rng.integers(3))],
        stamp_ink=((80, 40, 140), (40, 60, 160), (170, 40, 50))[int(rng.integers(3))],
        envelope=((196, 158, 110), (238, 236, 228), (222, 200, 150))[int(rng.integers(3))],
        lot_style=int(rng.integers(3)),
        date_style=int(rng.integers(3)),
        lamp=float(rng.uniform(0, 2 * math.pi)),
        dark=dark,
    )


@lru_cache(maxsize=1)
def _offices() -> tuple[_Office, ...]:
    return tuple(_build_office(i, spec) for i, spec in enumerate(_SPECS))


@cache
def _day(office_index: int, d: int) -> _Day:
    office = _offices()[office_index]
    rng = _rng(OFFICE_POOL_SEED, office_index, 1000 + d)
    mixed = "mixed-light" in office.flags
    gains = np.clip(1 + rng.normal(0, 0.06 if mixed else 0.03, 3), 0.88, 1.12)
    low = "low-contrast" in office.flags
    exposure = rng.uniform(1.03, 1.1) if low else rng.uniform(0.84 if mixed else 0.88, 1.03)
    light = office.lamp + (rng.uniform(-1.5, 1.5) if mixed else rng.normal(0, 0.1))
    moves = []
    for _ in office.props:
        moved = office.handheld or rng.random() < 0.3
        moves.append(tuple(rng.normal(0, 0.012 * office.unit, 2)) if moved else (0.0, 0.0))
    start = date(2024, 1, 8) + timedelta(days=11 * office_index)
    gaps = rng.integers(1, 9, size=d + 1)
    return _Day(
        gains=(float(gains[0]), float(gains[1]), float(gains[2])),
        tint_slope=tuple(float(v) for v in rng.normal(0, 0.06, 3)) if mixed else (0.0, 0.0, 0.0),
        exposure=float(exposure),
        grad_angle=float(rng.uniform(0, 2 * math.pi)),
        grad=float(rng.uniform(0.05, 0.18) if mixed else rng.uniform(0.0, 0.1)),
        hot=(
            float(rng.uniform(-0.3, 0.3)),
            float(rng.uniform(-0.3, 0.3)),
            float(rng.uniform(0.0, 0.15 if mixed else 0.08)),
            float(rng.uniform(0.2, 0.5)),
        ),
        light=float(light),
        shadow=float(0.1 if low else rng.uniform(0.25, 0.5)),
        shadow_len=float(rng.uniform(0.5, 1.5)),
        shadow_blur=float(rng.uniform(1.0, 3.0)),
        bump=(0.0, 0.0) if office.handheld else tuple(rng.normal(0, 0.003, 2) * office.work),
        prop_moves=tuple(moves),
        date=start + timedelta(days=int(gaps.sum())),
    )


# ----------------------------------------------------------------------------------------------
# Surfaces (one per office, cached)


def _surface_paper(
    rng: np.random.Generator, w: int, h: int, colour: tuple[int, ...], grain: float
) -> np.ndarray:
    lum = 3.0 * _smooth(rng, w, h, max(w, h) / 5) + 1.6 * _smooth(rng, w, h, 24)
    lum += grain * rng.standard_normal((h, w), dtype=np.float32)
    return np.asarray(colour, np.float32)[None, None, :] + lum[..., None]


def _surface_velvet(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    lum = 4.0 * _smooth(rng, w, h, max(w, h) / 4) + 2.5 * rng.standard_normal((h, w), dtype=np.float32)
    arr = np.asarray((20, 20, 25), np.float32)[None, None, :] + lum[..., None]
    for _ in range(int(w * h / 20000)):  # lint
        x, y = int(rng.integers(w)), int(rng.integers(h))
        arr[y : y + 2, x : x + int(rng.integers(1, 5))] += rng.uniform(30, 80)
    return arr


def _surface_felt(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    period = rng.uniform(5.0, 8.0)
    x = np.arange(w, dtype=np.float32)[None, :]
    y = np.arange(h, dtype=np.float32)[:, None]
    twill = 0.6 * np.sin(2 * np.pi * (x + y) / period)
    twill += 0.3 * np.sin(2 * np.pi * x / (period * 0.5)) * np.sin(2 * np.pi * y / (period * 0.5))
    lum = (
        8.0 * twill + 5.0 * _smooth(rng, w, h, max(w, h) / 5) + 2.0 * rng.standard_normal((h, w), np.float32)
    )
    colour = ((52, 78, 58), (78, 84, 100), (96, 60, 58))[int(rng.integers(3))]
    return np.asarray(colour, np.float32)[None, None, :] + lum[..., None]


def _surface_mesh(rng: np.random.Generator, w: int, h: int, bright_under: bool) -> np.ndarray:
    period = max(w, h) / rng.uniform(90, 130)
    half = 0.17  # wire half-width in periods
    x = np.arange(w, dtype=np.float32) / period + rng.uniform(0, 1)
    y = np.arange(h, dtype=np.float32) / period + rng.uniform(0, 1)
    col, row = np.floor(x + 0.5), np.floor(y + 0.5)
    dx, dy = np.abs(x - col), np.abs(y - row)
    # over/under weave: each wire bobs up and down between crossings
    v_height = np.cos(np.pi * (y[:, None] + col[None, :]))
    h_height = -np.cos(np.pi * (x[None, :] + row[:, None]))
    v_wire = np.broadcast_to((dx < half)[None, :], (h, w))
    h_wire = np.broadcast_to((dy < half)[:, None], (h, w))
    v_top = v_wire & (~h_wire | (v_height > h_height))
    v_prof = np.sqrt(np.clip(1 - (dx / half) ** 2, 0, 1))[None, :]
    h_prof = np.sqrt(np.clip(1 - (dy / half) ** 2, 0, 1))[:, None]
    lum = np.where(v_top, 0.55 + 0.25 * v_height + 0.35 * v_prof, 0.55 + 0.25 * h_height + 0.35 * h_prof)
    metal = np.asarray((196, 190, 176), np.float32)
    under, amp = ((232, 232, 228), 4) if bright_under else ((40, 42, 46), 6)
    arr = np.empty((h, w, 3), np.float32)
    arr[:] = np.asarray(under, np.float32)
    arr += (amp * _smooth(rng, w, h, 200))[..., None]
    wire = v_wire | h_wire
    arr[wire] = metal[None, :] * lum[wire][:, None]
    # the round brass frame of the sieve, and the desk beyond it
    xs = np.arange(w, dtype=np.float32) - w / 2
    ys = np.arange(h, dtype=np.float32) - h / 2
    rr = np.hypot(xs[None, :], ys[:, None]) / max(w, h)
    r_in = rng.uniform(0.5, 0.56)
    rim = (rr > r_in) & (rr < r_in + 0.04)
    arr[rim] = np.asarray((176, 140, 70), np.float32)[None, :] * (0.8 + 4 * (rr[rim] - r_in))[:, None]
    arr[rr >= r_in + 0.04] = np.asarray((90, 80, 70), np.float32)
    arr += rng.standard_normal((h, w, 1), dtype=np.float32) * 2
    return arr


def _surface_cutmat(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    arr = np.asarray((38, 104, 78), np.float32)[None, None, :] + 4 * _smooth(rng, w, h, 300)[..., None]
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(img)
    period = max(w, h) / rng.uniform(30, 42)
    x0, y0 = rng.uniform(0, period, 2)
    line = (96, 164, 132)
    font = _font("DejaVuSans", period * 0.38)
    for i in range(int(w / period) + 2):
        x = x0 + i * period
        draw.line([(x, 0), (x, h)], fill=line, width=3 if i % 5 == 0 else 1)
        draw.text((x + 3, y0 + 3), str(i), fill=line, font=font)
    for j in range(int(h / period) + 2):
        y = y0 + j * period
        draw.line([(0, y), (w, y)], fill=line, width=3 if j % 5 == 0 else 1)
    draw.line([(x0, y0), (x0 + h, y0 + h)], fill=line, width=1)
    draw.line([(x0 + w / 2, y0), (x0 + w / 2 - h, y0 + h)], fill=line, width=1)
    return np.asarray(img, np.float32) + rng.standard_normal((h, w, 1), dtype=np.float32) * 2


def _surface_wells(rng: np.random.Generator, office: _Office) -> np.ndarray:
    w, h = office.scene
    white = rng.random() < 0.6
    colour = (226, 226, 229) if white else (38, 38, 42)
    img = Image.fromarray(np.clip(_surface_paper(rng, w, h, colour, 1.0), 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(img)
    rows, cols, cell, gx, gy = office.grid
    rim, floor = (np.array(colour) * (0.82 if white else 1.6)), (np.array(colour) * (0.95 if white else 1.25))
    for i in range(rows):
        for j in range(cols):
            cx, cy = gx + (j + 0.5) * cell, gy + (i + 0.5) * cell
            r = 0.42 * cell
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=_rgb(rim))
            draw.ellipse((cx - r * 0.86 + 2, cy - r * 0.86 + 2, cx + r * 0.9, cy + r * 0.9), fill=_rgb(floor))
    return np.asarray(img, np.float32)


def _surface_tray(rng: np.random.Generator, office: _Office) -> np.ndarray:
    w, h = office.scene
    arr = _surface_paper(rng, w, h, (120, 118, 112), 2.0)
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(img)
    pad = 0.06 * office.unit
    box = (pad, pad, w - pad, h - pad)
    draw.rounded_rectangle(box, radius=0.05 * office.unit, fill=(200, 200, 203))
    inner = (box[0] + pad * 0.5, box[1] + pad * 0.5, box[2] - pad * 0.5, box[3] - pad * 0.5)
    draw.rounded_rectangle(inner, radius=0.04 * office.unit, fill=(236, 236, 238))
    return np.asarray(img, np.float32) + rng.standard_normal((h, w, 1), dtype=np.float32) * 1.2


def _surface_wood(rng: np.random.Generator, office: _Office) -> np.ndarray:
    w, h = office.scene
    y = np.arange(h, dtype=np.float32)[:, None] + 50 * _smooth(rng, w, h, 500) + 8 * _smooth(rng, w, h, 90)
    rings = (0.5 + 0.5 * np.sin(2 * np.pi * y / rng.uniform(14, 26) + 2 * _smooth(rng, w, h, 250))) ** 2
    # fibres: noise stretched along the grain
    fibres = Image.fromarray(rng.standard_normal((h // 3 + 2, w // 120 + 2)).astype(np.float32))
    streaks = np.asarray(fibres.resize((w, h), _BICUBIC), dtype=np.float32)
    lum = 0.86 + 0.1 * rings + 0.04 * streaks + 0.015 * rng.standard_normal((h, w), dtype=np.float32)
    colour = ((150, 112, 78), (118, 84, 58), (172, 138, 98))[int(rng.integers(3))]
    arr = np.asarray(colour, np.float32)[None, None, :] * lum[..., None]
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    z = office.zone  # a sheet of paper under the parcel
    pad = 0.06 * office.unit
    sheet = (z[0] - pad, z[1] - pad, z[2] + pad, z[3] + pad)
    shade = Image.new("L", (w, h), 0)
    ImageDraw.Draw(shade).rectangle((sheet[0] + 6, sheet[1] + 8, sheet[2] + 6, sheet[3] + 8), fill=110)
    img = Image.composite(
        Image.new("RGB", (w, h), (40, 25, 15)), img, shade.filter(ImageFilter.GaussianBlur(6))
    )
    ImageDraw.Draw(img).rectangle(sheet, fill=(241, 240, 235))
    return np.asarray(img, np.float32) + rng.standard_normal((h, w, 1), dtype=np.float32) * 1.5


def _surface_bluepaper(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    arr = _surface_paper(rng, w, h, (204, 219, 240), 1.2)
    for axis in (0, 1):
        length = w if axis == 0 else h
        for pos in rng.uniform(0.2, 0.8, 2) * length:
            p = int(pos)
            if axis == 0:
                arr[:, p : p + 2] *= 0.9
                arr[:, p + 2 : p + 4] *= 1.04
            else:
                arr[p : p + 2, :] *= 0.9
                arr[p + 2 : p + 4, :] *= 1.04
    return arr


@cache
def _surface(office_index: int) -> Image.Image:
    office = _offices()[office_index]
    rng = _rng(OFFICE_POOL_SEED, office_index, 2)
    w, h = office.scene
    s = office.surface
    if s == "paper":
        colour = ((241, 239, 233), (236, 232, 220))[int(rng.integers(2))]
        if "low-contrast" in office.flags:  # white stones on white paper
            colour = (247, 247, 245)
        arr = _surface_paper(rng, w, h, colour, 1.4)
    elif s == "plain":
        arr = _surface_paper(rng, w, h, (232, 232, 230), 0.6)
    elif s == "velvet":
        arr = _surface_velvet(rng, w, h)
    elif s == "felt":
        arr = _surface_felt(rng, w, h)
    elif s == "mesh":
        arr = _surface_mesh(rng, w, h, "bright-under" in office.flags)
    elif s == "cutmat":
        arr = _surface_cutmat(rng, w, h)
    elif s == "wells":
        arr = _surface_wells(rng, office)
    elif s == "tray":
        arr = _surface_tray(rng, office)
    elif s == "wood":
        arr = _surface_wood(rng, office)
    else:
        arr = _surface_bluepaper(rng, w, h)
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


# ----------------------------------------------------------------------------------------------
# Handwriting and props


def _handwriting(text: str, size: float, font: str, rng: np.random.Generator, pen: int = 0) -> Image.Image:
    """An ink mask of ``text`` written by hand: glyphs of uneven size, tilt and spacing."""
    size = max(9.0, size)
    width, height = int(len(text) * size * 0.9 + 2 * size), int(size * 2.4)
    mask = Image.new("L", (width, height), 0)
    x = size * 0.3
    drift, slant = rng.normal(0, 0.05), rng.normal(0, 4)
    for ch in text:
        if ch == " ":
            x += size * rng.uniform(0.3, 0.5)
            continue
        fs = size * rng.uniform(0.86, 1.12)
        f = _font(font, round(fs))
        box = int(fs * 1.8)
        glyph = Image.new("L", (box, box), 0)
        ImageDraw.Draw(glyph).text(
            (fs * 0.4, fs * 0.2), ch, font=f, fill=255, stroke_width=pen, stroke_fill=255
        )
        glyph = glyph.rotate(slant + rng.normal(0, 5), resample=_BILINEAR)
        y = size * 0.2 + rng.normal(0, size * 0.05) + drift * x
        mask.paste(255, (int(x - fs * 0.4), int(y), int(x - fs * 0.4) + box, int(y) + box), glyph)
        x += f.getlength(ch) * rng.uniform(0.85, 1.05) + pen
        if x > width - box:
            break
    mask = mask.filter(ImageFilter.GaussianBlur(0.4))
    bbox = mask.getbbox()
    return mask.crop(bbox) if bbox else mask


def _ink(
    target: Image.Image, mask: Image.Image, xy: tuple[float, float], colour: tuple[int, int, int]
) -> None:
    x, y = int(xy[0]), int(xy[1])
    target.paste(colour, (x, y, x + mask.width, y + mask.height), mask)


@cache
def _card_template(office_index: int) -> tuple[Image.Image, tuple[tuple[str, int, int, int], ...]]:
    office = _offices()[office_index]
    prop = next(p for p in office.props if p.kind == "card")
    w, h = int(prop.box[2] - prop.box[0]), int(prop.box[3] - prop.box[1])
    rng = _rng(OFFICE_POOL_SEED, office_index, _TEMPLATE)
    paper = ((246, 244, 236), (251, 251, 250), (248, 240, 200), (228, 240, 250))[int(rng.integers(4))]
    line = ((40, 40, 60), (30, 60, 120), (90, 30, 30))[int(rng.integers(3))]
    card = Image.new("RGB", (w, h), paper)
    draw = ImageDraw.Draw(card)
    draw.rectangle((h * 0.03, h * 0.03, w - h * 0.03, h - h * 0.03), outline=line, width=max(1, h // 90))
    draw.text((w * 0.05, h * 0.07), "KIMBERLEY PROCESS", fill=line, font=_font("DejaVuSans-Bold", h * 0.1))
    sub = f"Diamond Office {office.code.upper()} - parcel card"
    draw.text((w * 0.05, h * 0.2), sub, fill=line, font=_font("DejaVuSans", h * 0.065))
    names = ["Lot No.", "Carats", "Stones", "Date"]
    if rng.random() < 0.5:
        names.insert(int(rng.integers(1, 4)), "Valuer")
    label_font = _font("DejaVuSans", h * 0.07)
    top, bottom = h * 0.38, h * 0.92
    step = (bottom - top) / len(names)
    fields = []
    for k, name in enumerate(names):
        y = top + (k + 0.75) * step
        draw.text((w * 0.06, y - h * 0.075), name, fill=line, font=label_font)
        x0 = int(w * 0.06 + label_font.getlength(name) + w * 0.03)
        x1 = int(w * (0.62 if k < 2 else 0.94))
        draw.line([(x0, y), (x1, y)], fill=line, width=1)
        fields.append((name, x0, int(y), x1))
    return card, tuple(fields)


@cache
def _stamp_mask(office_index: int, radius: int) -> Image.Image:
    office = _offices()[office_index]
    size = 2 * radius + 4
    mask = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(mask)
    c = size / 2
    width = max(1, radius // 14)
    draw.ellipse((c - radius, c - radius, c + radius, c + radius), outline=255, width=width)
    draw.ellipse(
        (c - radius * 0.62, c - radius * 0.62, c + radius * 0.62, c + radius * 0.62), outline=255, width=width
    )
    text = f"DIAMOND OFFICE {office.code.upper()} * KIMBERLEY PROCESS * "
    font = _font("DejaVuSans-Bold", radius * 0.22)
    for k, ch in enumerate(text):
        a = 2 * math.pi * k / len(text) - math.pi / 2
        glyph = Image.new("L", (int(radius * 0.4), int(radius * 0.4)), 0)
        ImageDraw.Draw(glyph).text((radius * 0.1, radius * 0.05), ch, font=font, fill=255)
        glyph = glyph.rotate(-math.degrees(a) - 90, resample=_BILINEAR)
        gx, gy = (
            c + 0.81 * radius * math.cos(a) - glyph.width / 2,
            c + 0.81 * radius * math.sin(a) - glyph.height / 2,
        )
        mask.paste(255, (int(gx), int(gy), int(gx) + glyph.width, int(gy) + glyph.height), glyph)
    draw.text((c, c), "KP", font=_font("DejaVuSans-Bold", radius * 0.45), fill=255, anchor="mm")
    return mask


@cache
def _ruler(office_index: int, length: int, width: int) -> Image.Image:
    rng = _rng(OFFICE_POOL_SEED, office_index, _TEMPLATE + 1)
    body = ((242, 240, 228), (192, 194, 198), (250, 226, 120))[int(rng.integers(3))]
    img = Image.new("RGBA", (length, width), (*body, 255))
    draw = ImageDraw.Draw(img)
    mm = length / 152
    font = _font("DejaVuSans", width * 0.3)
    for k in range(151):
        x = mm * (k + 1)
        tick = 0.55 if k % 10 == 0 else (0.4 if k % 5 == 0 else 0.25)
        draw.line([(x, 0), (x, width * tick)], fill=(25, 25, 25), width=1)
        if k % 10 == 0:
            draw.text((x, width * 0.58), str(k // 10), fill=(25, 25, 25), font=font, anchor="mt")
    draw.rectangle((0, 0, length - 1, width - 1), outline=(120, 120, 120), width=1)
    return img


@cache
def _chart(w: int, h: int) -> Image.Image:
    img = Image.new("RGBA", (w, h), (22, 22, 22, 255))
    draw = ImageDraw.Draw(img)
    pw, ph = w / 6, (h * 0.9) / 4
    for k, colour in enumerate(_CHART):
        i, j = divmod(k, 6)
        x, y = j * pw, h * 0.08 + i * ph
        draw.rectangle((x + pw * 0.1, y + ph * 0.1, x + pw * 0.9, y + ph * 0.9), fill=colour)
    draw.text(
        (w * 0.03, h * 0.005), "colour reference", fill=(200, 200, 200), font=_font("DejaVuSans", h * 0.06)
    )
    return img


@cache
def _scale_body(w: int, h: int, backlit: bool) -> Image.Image:
    img = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle((0, 0, w - 1, h - 1), radius=h * 0.12, fill=(52, 54, 58, 255))
    lcd = (95, 160, 215) if backlit else (152, 166, 142)
    draw.rectangle((w * 0.08, h * 0.12, w * 0.92, h * 0.55), fill=lcd)
    for k in range(3):
        x = w * (0.2 + 0.3 * k)
        draw.ellipse((x - h * 0.08, h * 0.7, x + h * 0.08, h * 0.86), fill=(150, 150, 155))
    font = _font("DejaVuSans", h * 0.07)
    for k, label in enumerate(("ON/OFF", "TARE", "MODE")):
        draw.text((w * (0.2 + 0.3 * k), h * 0.9), label, fill=(200, 200, 200), font=font, anchor="mt")
    return img


@cache
def _tweezers(length: int, width: int) -> Image.Image:
    img = Image.new("RGBA", (length, width), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    for k, shade in enumerate(((185, 187, 192), (150, 152, 158))):
        y = width * (0.2 + 0.45 * k)
        draw.polygon(
            [(0, width * 0.45), (length * 0.95, y), (length, y + width * 0.12), (length * 0.1, width * 0.55)],
            fill=(*shade, 255),
        )
    return img


def _sprite(image: Image.Image, centre: tuple[float, float], angle: float, lift: float) -> dict:
    if abs(angle) > 0.05:
        image = image.rotate(angle, resample=_BICUBIC, expand=True)
    x, y = int(centre[0] - image.width / 2), int(centre[1] - image.height / 2)
    return {"sprite": image, "xy": (x, y), "lift": lift}


# ----------------------------------------------------------------------------------------------
# Parcels


@dataclass
class _Parcel:
    kind: str
    lot: str
    carats: str
    stones: str
    date: str
    font: str
    colour: int


def _parcel(office: _Office, day: _Day, rng: np.random.Generator) -> _Parcel:
    kind = _KINDS[_pick(rng, office.kinds)]
    n = int(rng.integers(1, 10000))
    yy = day.date.year % 100
    lot = (f"{n:04d}/{yy}", f"L-{n:05d}", f"{office.code.upper()}-{n % 1000:03d}")[office.lot_style]
    carats = float(np.exp(rng.uniform(math.log(0.4), math.log(600))))
    d = day.date
    when = (f"{d.day:02d}.{d.month:02d}.{yy:02d}", f"{d.day}/{d.month}/{d.year}", d.isoformat())[
        office.date_style
    ]
    return _Parcel(
        kind=kind,
        lot=lot,
        carats=f"{carats:.2f}",
        stones=str(int(rng.integers(1, 400))),
        date=when,
        font=office.fonts[int(rng.integers(len(office.fonts)))],
        colour=_pick(rng, office.palette),
    )


def _radii(rng: np.random.Generator, unit: float, size_class: str, n: int) -> np.ndarray:
    lo, hi = _SIZE_CLASSES[size_class]
    return unit * rng.uniform(lo, hi) * rng.lognormal(0, 0.2, n)


def _spread(rng: np.random.Generator, region: tuple[float, ...], radii: np.ndarray) -> np.ndarray:
    """Stone centres scattered over ``region`` without touching; fewer if they do not fit."""
    x0, y0, x1, y1 = region
    placed = np.zeros((0, 3))
    for r in radii:
        xs = rng.uniform(x0 + r, max(x0 + r + 1, x1 - r), 30)
        ys = rng.uniform(y0 + r, max(y0 + r + 1, y1 - r), 30)
        gap = np.hypot(xs[:, None] - placed[None, :, 0], ys[:, None] - placed[None, :, 1])
        free = np.all(gap > 1.15 * (r + placed[None, :, 2]), axis=1)
        if free.any():
            k = int(np.argmax(free))
            placed = np.vstack([placed, (xs[k], ys[k], r)])
    return placed


def _heap(rng: np.random.Generator, region: tuple[float, ...], radii: np.ndarray) -> np.ndarray:
    """A pile of overlapping stones somewhere inside ``region``."""
    x0, y0, x1, y1 = region
    room = 0.5 * min(x1 - x0, y1 - y0)
    sigma = min(float(np.sqrt(len(radii)) * np.median(radii) * 0.6), 0.4 * room)
    cx = (x0 + x1) / 2 + rng.uniform(-1, 1) * max(0.0, (x1 - x0) / 2 - 2 * sigma)
    cy = (y0 + y1) / 2 + rng.uniform(-1, 1) * max(0.0, (y1 - y0) / 2 - 2 * sigma)
    xy = rng.normal(0, sigma, (len(radii), 2)) * (1.0, rng.uniform(0.6, 1.0))
    x = np.clip(xy[:, 0] + cx, x0 + radii, x1 - radii)
    y = np.clip(xy[:, 1] + cy, y0 + radii, y1 - radii)
    out = np.column_stack([x, y, radii])
    return out[np.argsort(out[:, 1])]  # far (upper) stones first, near ones on top


def _size_class(rng: np.random.Generator, options: tuple[tuple[str, float], ...]) -> str:
    return options[_pick(rng, tuple(p for _, p in options))][0]


def _loose_stones(
    rng: np.random.Generator, office: _Office, kind: str, region: tuple[float, ...]
) -> np.ndarray:
    """Stone circles (x, y, r) for a loose parcel inside ``region``."""
    x0, y0, x1, y1 = region
    unit = office.unit
    if office.surface == "mesh":  # smalls would fall through a sieve
        unit *= 1.6
    if kind == "heap":
        size = _size_class(rng, (("smalls", 0.6), ("medium", 0.4)))
        lo, hi = _SIZE_CLASSES[size]
        most = int(min(x1 - x0, y1 - y0) ** 2 / (math.pi * (unit * (lo + hi) / 2) ** 2) * 0.6)
        radii = _radii(
            rng,
            unit,
            size,
            int(rng.integers(min(40, most // 2), max(min(40, most // 2) + 1, min(220, most)))),
        )
        return _heap(rng, region, radii)
    if kind == "small":
        size = _size_class(rng, (("smalls", 0.3), ("medium", 0.3), ("large", 0.25), ("special", 0.15)))
        n = 1 if size == "special" and rng.random() < 0.6 else int(rng.integers(1, 7))
        side = unit * rng.uniform(0.08, 0.18)
        sx, sy = rng.uniform(x0, max(x0 + 1, x1 - side)), rng.uniform(y0, max(y0 + 1, y1 - side))
        return _spread(rng, (sx, sy, sx + side, sy + side), _radii(rng, unit, size, n))
    size = _size_class(rng, (("smalls", 0.35), ("medium", 0.45), ("large", 0.2)))
    w, h = (x1 - x0) * rng.uniform(0.7, 1.0), (y1 - y0) * rng.uniform(0.7, 1.0)
    sx, sy = rng.uniform(x0, x1 - w), rng.uniform(y0, y1 - h)
    lo, hi = _SIZE_CLASSES[size]
    fit = int(w * h / (math.pi * (2.2 * unit * (lo + hi) / 2) ** 2) * 0.45)
    n = int(rng.integers(max(2, fit // 6), max(3, fit)))
    return _spread(rng, (sx, sy, sx + w, sy + h), _radii(rng, unit, size, min(n, 180)))


def _rows(rng: np.random.Generator, office: _Office) -> np.ndarray:
    rows, cols, cell, gx, gy = office.grid
    n = int(rng.integers(max(4, rows * cols // 3), rows * cols + 1))
    size = "medium" if cell < office.unit * 0.07 else "large"
    radii = np.minimum(_radii(rng, office.unit, size, n), 0.34 * cell)
    k = np.arange(n)
    jitter = rng.normal(0, 0.06 * cell, (n, 2))
    x = gx + (k % cols + 0.5) * cell + jitter[:, 0]
    y = gy + (k // cols + 0.5) * cell + jitter[:, 1]
    return np.column_stack([x, y, radii])


def _stone_colours(rng: np.random.Generator, office: _Office, parcel: _Parcel, n: int) -> np.ndarray:
    other = rng.choice(len(office.palette), size=n, p=np.asarray(office.palette))
    return np.where(rng.random(n) < 0.75, parcel.colour, other)


def _bag(office: _Office, parcel: _Parcel, rng: np.random.Generator, zone: tuple[float, ...]) -> list[dict]:
    """A transparent zip bag: stones inside, then the film, zip and write-on panel over them."""
    zw, zh = zone[2] - zone[0], zone[3] - zone[1]
    bw = min(zw * rng.uniform(0.5, 0.8), zh * 0.9 / 1.1)
    bh = min(bw * rng.uniform(1.0, 1.35), zh * 0.95)
    cx = rng.uniform(zone[0] + bw / 2, max(zone[0] + bw / 2 + 1, zone[2] - bw / 2))
    cy = rng.uniform(zone[1] + bh / 2, max(zone[1] + bh / 2 + 1, zone[3] - bh / 2))
    angle = float(rng.uniform(-8, 8))
    inner = (-bw * 0.4, -bh * 0.18, bw * 0.4, bh * 0.42)
    kind = "heap" if rng.random() < 0.5 else "spread"
    local = _loose_stones(rng, office, kind, inner)
    stones = np.column_stack([_rotate_points(local[:, :2], (cx, cy), angle), local[:, 2]])

    w, h = int(bw), int(bh)
    film = Image.new("RGBA", (w, h), (255, 255, 255, 30))
    draw = ImageDraw.Draw(film)
    seam = max(2, w // 60)
    draw.rectangle((0, 0, w - 1, h - 1), outline=(255, 255, 255, 110), width=seam)
    zip_colour = ((200, 40, 40), (40, 80, 190), (60, 150, 80))[int(rng.integers(3))]
    draw.rectangle((0, 0, w, h * 0.07), fill=(255, 255, 255, 70))
    draw.line([(0, h * 0.08), (w, h * 0.08)], fill=(*zip_colour, 200), width=max(2, h // 90))
    draw.line([(0, h * 0.095), (w, h * 0.095)], fill=(*zip_colour, 160), width=max(1, h // 150))
    panel = (w * 0.06, h * 0.12, w * 0.94, h * 0.3)
    draw.rectangle(panel, fill=(250, 250, 250, 235))
    small = _font("DejaVuSans", h * 0.03)
    draw.text((panel[0] + 4, panel[1] + 3), "LOT / CT / DATE", fill=(90, 90, 90, 255), font=small)
    text = f"{parcel.lot}  {parcel.carats}ct"
    mask = _handwriting(text, (panel[3] - panel[1]) * 0.45, parcel.font, rng, pen=max(1, h // 300))
    room = (panel[2] - panel[0]) * 0.92
    if mask.width > room:
        mask = mask.resize((int(room), max(1, int(mask.height * room / mask.width))), _BILINEAR)
    ink = Image.new("RGBA", mask.size, (15, 15, 20, 255))
    ink.putalpha(mask)
    film.alpha_composite(ink, (int(panel[0] + 6), int(panel[1] + (panel[3] - panel[1]) * 0.35)))
    gloss = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    g = ImageDraw.Draw(gloss)
    x = w * rng.uniform(0.2, 0.7)
    g.polygon(
        [(x, h * 0.32), (x + w * 0.12, h * 0.32), (x - w * 0.2, h), (x - w * 0.32, h)],
        fill=(255, 255, 255, 60),
    )
    film.alpha_composite(gloss.filter(ImageFilter.GaussianBlur(max(1, w / 80))))
    return [{"stones": stones}, _sprite(film, (cx, cy), angle, 0.2)]


def _envelope(
    office: _Office, parcel: _Parcel, rng: np.random.Generator, zone: tuple[float, ...]
) -> list[dict]:
    zw, zh = zone[2] - zone[0], zone[3] - zone[1]
    ew = min(zw * rng.uniform(0.55, 0.85), zh / 0.75)
    eh = ew * rng.uniform(0.55, 0.72)
    w, h = int(ew), int(eh)
    env = Image.new("RGBA", (w, h), (*office.envelope, 255))
    draw = ImageDraw.Draw(env)
    edge = _rgb(np.array(office.envelope) * 0.8)
    draw.line([(0, 0), (w * 0.5, h * 0.45), (w, 0)], fill=edge, width=max(1, h // 120))
    draw.line([(0, h), (w * 0.38, h * 0.55)], fill=edge, width=1)
    draw.line([(w, h), (w * 0.62, h * 0.55)], fill=edge, width=1)
    printed = (60, 50, 45)
    font = _font("DejaVuSans-Bold", h * 0.06)
    draw.text((w * 0.06, h * 0.55), "KP SEALED PARCEL", fill=printed, font=font)
    draw.line([(w * 0.06, h * 0.74), (w * 0.6, h * 0.74)], fill=printed, width=1)
    draw.line([(w * 0.06, h * 0.9), (w * 0.6, h * 0.9)], fill=printed, width=1)
    for text, base in ((parcel.lot, 0.74), (f"{parcel.carats} ct  {parcel.date}", 0.9)):
        mask = _handwriting(text, h * 0.1, parcel.font, rng, pen=max(1, h // 200))
        room = w * 0.56
        if mask.width > room:
            mask = mask.resize((int(room), max(1, int(mask.height * room / mask.width))), _BILINEAR)
        ink = Image.new("RGBA", mask.size, (*office.ink, 255))
        ink.putalpha(mask)
        env.alpha_composite(ink, (int(w * 0.07), max(0, int(h * base - mask.height * 0.9))))
    seal = int(h * rng.uniform(0.16, 0.22))
    sx, sy = int(w * rng.uniform(0.66, 0.76)), int(h * rng.uniform(0.55, 0.7))
    red = (int(rng.integers(150, 200)), 30, 35)
    draw.ellipse((sx, sy, sx + seal, sy + seal), fill=(*red, 255), outline=(90, 10, 15, 255), width=2)
    serial = f"No {int(rng.integers(100000, 999999))}"
    draw.text(
        (sx + seal / 2, sy + seal / 2),
        serial,
        fill=(250, 230, 220),
        font=_font("DejaVuSans", seal * 0.18),
        anchor="mm",
    )
    cx = rng.uniform(zone[0] + ew / 2, max(zone[0] + ew / 2 + 1, zone[2] - ew / 2))
    cy = rng.uniform(zone[1] + eh / 2, max(zone[1] + eh / 2 + 1, zone[3] - eh / 2))
    return [_sprite(env, (cx, cy), float(rng.uniform(-6, 6)), 0.5)]


def _briefke(
    office: _Office, parcel: _Parcel, rng: np.random.Generator, zone: tuple[float, ...]
) -> list[dict]:
    """An opened diamond paper: blue lining, fold creases, the lot pencilled on the top flap."""
    zw, zh = zone[2] - zone[0], zone[3] - zone[1]
    pw = min(zw * rng.uniform(0.7, 0.95), zh / 0.8)
    ph = pw * rng.uniform(0.65, 0.8)
    w, h = int(pw), int(ph)
    paper = Image.new("RGBA", (w, h), (246, 246, 244, 255))
    draw = ImageDraw.Draw(paper)
    lining = ((186, 208, 238), (200, 214, 232))[int(rng.integers(2))]
    draw.rectangle((w * 0.03, h * 0.03, w * 0.97, h * 0.97), fill=(*lining, 255))
    for f in (1 / 3, 2 / 3):
        draw.line([(w * f, 0), (w * f, h)], fill=(*_rgb(np.array(lining) * 0.86), 255), width=2)
        draw.line([(0, h * f), (w, h * f)], fill=(*_rgb(np.array(lining) * 0.86), 255), width=2)
    mask = _handwriting(f"{parcel.lot}  {parcel.carats}", h * 0.07, parcel.font, rng)
    ink = Image.new("RGBA", mask.size, (80, 80, 90, 255))
    ink.putalpha(mask.point(lambda v: v * 7 // 10))
    paper.alpha_composite(ink, (int(w * 0.08), int(h * 0.07)))
    angle = float(rng.uniform(-10, 10))
    cx = rng.uniform(zone[0] + pw / 2, max(zone[0] + pw / 2 + 1, zone[2] - pw / 2))
    cy = rng.uniform(zone[1] + ph / 2, max(zone[1] + ph / 2 + 1, zone[3] - ph / 2))
    kind = ("heap", "spread", "small")[_pick(rng, (0.45, 0.4, 0.15))]
    local = _loose_stones(rng, office, kind, (-pw * 0.3, -ph * 0.25, pw * 0.3, ph * 0.38))
    stones = np.column_stack([_rotate_points(local[:, :2], (cx, cy), angle), local[:, 2]])
    return [_sprite(paper, (cx, cy), angle, 0.08), {"stones": stones}]


def _card(office: _Office, parcel: _Parcel, rng: np.random.Generator) -> Image.Image:
    template, fields = _card_template(office.index)
    card = template.copy()
    h = card.height
    values = {
        "Lot No.": parcel.lot,
        "Carats": parcel.carats,
        "Stones": parcel.stones,
        "Date": parcel.date,
        "Valuer": "".join(chr(65 + int(v)) for v in rng.integers(0, 26, 2)),
    }
    for name, x0, y, x1 in fields:
        mask = _handwriting(values[name], h * 0.1, parcel.font, rng)
        room = (x1 - x0) * 0.95
        if mask.width > room:
            mask = mask.resize((int(room), max(1, int(mask.height * room / mask.width))), _BILINEAR)
        _ink(card, mask, (x0 + rng.uniform(0, 0.04) * (x1 - x0), y - mask.height * 0.9), office.ink)
    radius = int(h * 0.2)
    stamp = _stamp_mask(office.index, radius).rotate(float(rng.uniform(0, 360)), resample=_BILINEAR)
    patchy = Image.fromarray(
        np.clip(180 + 90 * _smooth(rng, stamp.width, stamp.height, radius / 3), 0, 255).astype(np.uint8)
    )
    stamp = ImageChops.multiply(stamp, patchy)
    sx = card.width * rng.uniform(0.66, 0.78)
    sy = h * rng.uniform(0.3, 0.5)
    _ink(card, stamp, (sx, sy), office.stamp_ink)
    return card.convert("RGBA")


def _props(office: _Office, day: _Day, parcel: _Parcel, rng: np.random.Generator) -> list[dict]:
    items = []
    for k, prop in enumerate(office.props):
        x0, y0, x1, y1 = prop.box
        mx, my = day.prop_moves[k]
        angle = prop.angle
        if prop.by_hand:
            mx += rng.normal(0, 0.006 * office.unit)
            my += rng.normal(0, 0.006 * office.unit)
            angle += float(rng.normal(0, 2.0))
        centre = ((x0 + x1) / 2 + mx, (y0 + y1) / 2 + my)
        w, h = int(x1 - x0), int(y1 - y0)
        if prop.kind == "card":
            items.append(_sprite(_card(office, parcel, rng), centre, angle, 0.1))
        elif prop.kind == "ruler":
            long_, short = (w, h) if prop.angle == 0 else (h, w)
            items.append(_sprite(_ruler(office.index, long_, short), centre, angle, 0.15))
        elif prop.kind == "chart":
            items.append(_sprite(_chart(w, h), centre, angle, 0.1))
        elif prop.kind == "scale":
            backlit = office.index % 2 == 1
            body = _scale_body(w, h, backlit).copy()
            reading = f"{float(parcel.carats):.2f}"
            colour = (235, 245, 255) if backlit else (28, 32, 26)
            size = h * 0.3
            size *= min(1.0, w * 0.66 / _font("DejaVuSansMono-Bold", size).getlength(reading))
            draw = ImageDraw.Draw(body)
            draw.text(
                (w * 0.8, h * 0.34),
                reading,
                fill=colour,
                font=_font("DejaVuSansMono-Bold", size),
                anchor="rm",
            )
            draw.text((w * 0.82, h * 0.34), "ct", fill=colour, font=_font("DejaVuSans", h * 0.1), anchor="lm")
            items.append(_sprite(body, centre, angle, 1.0))
        else:
            long_, short = (w, h) if prop.angle == 0 else (h, w)
            tilt = float(rng.uniform(-12, 12))
            items.append(_sprite(_tweezers(long_, short), centre, angle + tilt, 0.4))
    return items


def _parcel_items(office: _Office, parcel: _Parcel, rng: np.random.Generator) -> list[dict]:
    zone = office.zone
    if parcel.kind == "rows":
        return [{"stones": _rows(rng, office)}]
    if parcel.kind == "zipbag":
        return _bag(office, parcel, rng, zone)
    if parcel.kind == "envelope":
        return _envelope(office, parcel, rng, zone)
    if parcel.kind == "briefke":
        return _briefke(office, parcel, rng, zone)
    return [{"stones": _loose_stones(rng, office, parcel.kind, zone)}]


# ----------------------------------------------------------------------------------------------
# Painting


def _stone_shape(rng: np.random.Generator, cx: float, cy: float, r: float) -> np.ndarray:
    n = int(rng.integers(5, 10))
    ang = (np.arange(n) + rng.uniform(-0.3, 0.3, n)) * (2 * math.pi / n) + rng.uniform(0, 2 * math.pi)
    rad = r * rng.uniform(0.72, 1.08, n)
    elong, turn = rng.uniform(0.65, 1.0), rng.uniform(0, math.pi)
    x, y = rad * np.cos(ang), rad * np.sin(ang) * elong
    c, s = math.cos(turn), math.sin(turn)
    return np.column_stack([cx + x * c - y * s, cy + x * s + y * c])


def _paint_stones(
    scene: Image.Image,
    shapes: list[tuple[np.ndarray, float, float, float, int]],
    light: float,
    office: _Office,
    rng: np.random.Generator,
) -> None:
    draw = ImageDraw.Draw(scene)
    low = "low-contrast" in office.flags
    w, h = scene.size
    for pts, cx, cy, r, ci in shapes:
        local = np.array(scene.getpixel((min(w - 1, max(0, int(cx))), min(h - 1, max(0, int(cy))))), float)
        t = 0.5 if low else _TRANSLUCENCY[ci]
        base = np.array(_STONE_COLOURS[ci], float) * (1 - t) + local * t
        k = 0.1 if low else 0.3
        p = np.array([cx, cy]) + rng.normal(0, 0.18 * r, 2)
        nxt = np.roll(pts, -1, axis=0)
        mid = (pts + nxt) / 2 - p
        shades = (
            1
            + k * np.cos(np.arctan2(mid[:, 1], mid[:, 0]) - light)
            + rng.normal(0, 0.03 if low else 0.07, len(pts))
        )
        for a, b, shade in zip(pts, nxt, shades, strict=True):
            draw.polygon([(p[0], p[1]), (a[0], a[1]), (b[0], b[1])], fill=_rgb(base * shade))
        inner = p + (pts - p) * rng.uniform(0.35, 0.55)
        draw.polygon(inner.ravel().tolist(), fill=_rgb(base * (1.04 + rng.normal(0, 0.05))))
        edge = base * (0.85 if low else (0.7 if office.dark else 0.58))
        draw.polygon(pts.ravel().tolist(), outline=_rgb(edge), width=max(1, round(r / 12)))
        if rng.random() < (0.3 if low else 0.7):
            hr = r * rng.uniform(0.1, 0.22)
            hx, hy = cx + 0.4 * r * math.cos(light), cy + 0.4 * r * math.sin(light)
            draw.ellipse(
                (hx - hr, hy - hr * 0.7, hx + hr, hy + hr * 0.7), fill=_rgb(base + (255 - base) * 0.6)
            )
        if not low and rng.random() < 0.25:
            sx, sy = cx + rng.uniform(-0.5, 0.5) * r, cy + rng.uniform(-0.5, 0.5) * r
            draw.ellipse((sx - 1, sy - 1, sx + 1, sy + 1), fill=(255, 255, 255))


def _compose(office: _Office, day: _Day, parcel: _Parcel, rng: np.random.Generator) -> Image.Image:
    """The set-up with props and parcel, in scene pixels, with the shadows they cast."""
    scene = _surface(office.index).copy()
    items = _props(office, day, parcel, rng) + _parcel_items(office, parcel, rng)
    for item in items:
        if "stones" in item:
            stones = item["stones"]
            colours = _stone_colours(rng, office, parcel, len(stones))
            item["shapes"] = [
                (_stone_shape(rng, x, y, r), x, y, r, int(c))
                for (x, y, r), c in zip(stones, colours, strict=True)
            ]

    # shadows, drawn at a quarter of the resolution and blurred
    q = 4
    shadow = Image.new("L", (scene.width // q + 1, scene.height // q + 1), 0)
    sd = ImageDraw.Draw(shadow)
    away = day.light + math.pi
    ux, uy = math.cos(away), math.sin(away)
    for item in items:
        if "shapes" in item:
            for pts, _, _, r, _ in item["shapes"]:
                off = day.shadow_len * r * 0.6
                sd.polygon(((pts + np.array([off * ux, off * uy])) / q).ravel().tolist(), fill=255)
        else:
            sprite, (x, y), lift = item["sprite"], item["xy"], item["lift"]
            off = day.shadow_len * lift * 0.03 * office.unit
            alpha = sprite.getchannel("A").resize(
                (max(1, sprite.width // q), max(1, sprite.height // q)), _BILINEAR
            )
            sx, sy = int((x + off * ux) / q), int((y + off * uy) / q)
            shadow.paste(255, (sx, sy, sx + alpha.width, sy + alpha.height), alpha)
    shadow = shadow.filter(ImageFilter.GaussianBlur(day.shadow_blur)).resize(scene.size, _BILINEAR)
    factor = shadow.point(lambda v: 255 - int(v * day.shadow))
    scene = ImageChops.multiply(scene, Image.merge("RGB", (factor, factor, factor)))

    for item in items:
        if "shapes" in item:
            _paint_stones(scene, item["shapes"], day.light, office, rng)
        else:
            scene.paste(item["sprite"], item["xy"], item["sprite"])
    return scene


def _frame(scene: Image.Image, office: _Office, day: _Day, rng: np.random.Generator) -> Image.Image:
    """What the camera sees of the scene: fixed on a stand, or a little off each time by hand."""
    ww, wh = office.work
    zoom = office.zoom
    cx, cy = scene.width / 2 + day.bump[0], scene.height / 2 + day.bump[1]
    theta = 0.0
    if office.handheld:
        zoom *= math.exp(float(np.clip(rng.normal(0, 0.02), -0.045, 0.045)))
        cx += float(np.clip(rng.normal(0, 0.012), -0.03, 0.03)) * ww
        cy += float(np.clip(rng.normal(0, 0.012), -0.03, 0.03)) * wh
        theta = math.radians(float(np.clip(rng.normal(0, 0.5), -1.4, 1.4)))
    a, b = math.cos(theta) / zoom, -math.sin(theta) / zoom
    d, e = math.sin(theta) / zoom, math.cos(theta) / zoom
    data = (a, b, cx - a * ww / 2 - b * wh / 2, d, e, cy - d * ww / 2 - e * wh / 2)
    return scene.transform((ww, wh), Image.Transform.AFFINE, data, resample=_BILINEAR)


@cache
def _tone(office_index: int) -> list[int]:
    cam = _offices()[office_index].camera
    x = np.arange(256) / 255
    y = x - cam.contrast * np.sin(2 * np.pi * x) / (2 * np.pi)
    y = cam.black + (1 - cam.black) * y
    return np.clip(np.round(255 * y), 0, 255).astype(int).tolist() * 3


def _expose(img: Image.Image, office: _Office, day: _Day, rng: np.random.Generator, when: str) -> Image.Image:
    """Lamp, lens, sensor and the camera's own processing, ending in the camera's JPEG."""
    cam = office.camera
    phone = "phone" in office.flags
    mixed = "mixed-light" in office.flags
    focus = cam.softness * (1 + abs(rng.normal(0, 0.25)))
    img = img.filter(ImageFilter.GaussianBlur(focus))
    arr = np.asarray(img, dtype=np.float32)
    h, w = arr.shape[:2]
    x = ((np.arange(w, dtype=np.float32) + 0.5) / w - 0.5)[None, :]
    y = ((np.arange(h, dtype=np.float32) + 0.5) / h - 0.5)[:, None]
    field = 1 + 2 * day.grad * (x * math.cos(day.grad_angle) + y * math.sin(day.grad_angle))
    hx, hy, hs, hw = day.hot
    field = field * (1 + hs * np.exp(-((x - hx) ** 2 + (y - hy) ** 2) / (2 * hw * hw)))
    r2 = ((x * w) ** 2 + (y * h) ** 2) / ((w / 2) ** 2 + (h / 2) ** 2)
    field = field * (1 - cam.vignette * r2**1.3)
    exposure = day.exposure * (1 + rng.normal(0, 0.04 if mixed or phone else 0.012))
    gains = np.array(day.gains) * (1 + rng.normal(0, 0.015 if phone else 0.004, 3))
    colour = gains[None, None, :] + np.array(day.tint_slope)[None, None, :] * x[..., None]
    arr *= (field * exposure)[..., None]
    arr *= colour
    arr += (rng.standard_normal((h, w), dtype=np.float32) * cam.noise)[..., None]
    chroma = rng.standard_normal((h // 2 + 1, w // 2 + 1, 3), dtype=np.float32) * cam.chroma_noise
    arr += np.repeat(np.repeat(chroma, 2, axis=0), 2, axis=1)[:h, :w]
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)).point(_tone(office.index))
    if cam.sharpen:
        img = img.filter(ImageFilter.UnsharpMask(radius=1.2, percent=cam.sharpen, threshold=2))
    if img.size != cam.size:
        img = img.resize(cam.size, _LANCZOS if cam.size[0] < img.width else _BICUBIC)
    if cam.timestamp:
        side = min(cam.size)
        font = _font("DejaVuSansMono-Bold", side * 0.035)
        xy = (cam.size[0] - side * 0.03, cam.size[1] - side * 0.03)
        ImageDraw.Draw(img).text(
            xy, when, fill=(255, 162, 40), font=font, anchor="rd", stroke_width=1, stroke_fill=(190, 90, 20)
        )
    quality = int(np.clip(cam.quality + rng.integers(-2, 3), 70, 95))
    return _jpeg(img, quality, cam.subsampling)


def _jpeg(img: Image.Image, quality: int, subsampling: int) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality, subsampling=subsampling)
    buf.seek(0)
    with Image.open(buf) as decoded:
        out = decoded.convert("RGB")
    out.info = {}
    return out


def _photo(office: _Office, day_index: int, rng: np.random.Generator) -> Image.Image:
    day = _day(office.index, day_index)
    parcel = _parcel(office, day, rng)
    scene = _compose(office, day, parcel, rng)
    minute = int(rng.integers(8 * 60 + 30, 17 * 60))
    d = day.date
    when = f"{d.year}/{d.month:02d}/{d.day:02d} {minute // 60:02d}:{minute % 60:02d}"
    img = _expose(_frame(scene, office, day, rng), office, day, rng, when)
    img.info["kpcs_photo"] = f"{office.code}-{office.surface}/d{day_index}/{parcel.kind}"
    return img


# ----------------------------------------------------------------------------------------------
# Public interface


def originals(seed: int, n: int) -> Iterator[Image.Image]:
    """``n`` photos of lawful parcels, each from an "o" office and one of its days; photo ``i``
    depends only on ``(seed, i)``."""
    main = [o for o in _offices() if o.main]
    for i in range(n):
        rng = _rng(seed, _ORIGINAL, i)
        office = main[int(rng.integers(len(main)))]
        yield _photo(office, int(rng.integers(office.days)), rng)


def unrelated(seed: int, n: int) -> Iterator[Image.Image]:
    """``n`` photos of other parcels: about 70 % from the offices and days of the originals (same
    set-up, other stones and handwriting), the rest from offices that supply no originals."""
    offices = _offices()
    main = [o for o in offices if o.main]
    other = [o for o in offices if not o.main]
    for i in range(n):
        rng = _rng(seed, _UNRELATED, i)
        pool = main if rng.random() < HARD_NEGATIVE_SHARE else other
        office = pool[int(rng.integers(len(pool)))]
        yield _photo(office, int(rng.integers(office.days)), rng)


def _step_crop(img: Image.Image, rng: np.random.Generator, mode: str) -> tuple[Image.Image, str]:
    w, h = img.size
    if mode == "heavy":
        sides = rng.uniform(6, 10, 4)
    else:
        sides = np.where(rng.random(4) < 0.35, 0.0, rng.uniform(0.5, 10, 4))
        if sides.max() < 1:
            sides[int(rng.integers(4))] = rng.uniform(2, 10)
    sides = np.round(sides, 1)
    left, top, right, bottom = (float(v) / 100 for v in sides)
    box = (round(w * left), round(h * top), w - round(w * right), h - round(h * bottom))
    name = "crop-" + "".join(f"{s}{v:.1f}" for s, v in zip("ltrb", sides, strict=True) if v > 0)
    return img.crop(box), name


def _step_resize(img: Image.Image, rng: np.random.Generator, mode: str) -> tuple[Image.Image, str]:
    w, h = img.size
    if mode == "down":
        fx = rng.uniform(0.3, 0.6)
    else:
        fx = rng.uniform(0.6, 1.5)
        if abs(fx - 1) < 0.05:
            fx = 0.9
    fx = round(min(fx, 5000 / max(w, h)), 2)
    fy = fx
    if mode == "any" and rng.random() < 0.25:
        fy = round(fx * rng.choice([-1, 1]) * rng.uniform(0.015, 0.05) + fx, 2)
    filters = [_LANCZOS, _BICUBIC, _BILINEAR] + ([Image.Resampling.BOX] if fx < 1 else [])
    resample = filters[int(rng.integers(len(filters)))]
    out = img.resize((max(16, round(w * fx)), max(16, round(h * fy))), resample)
    return out, (f"resize-{fx:.2f}" if fy == fx else f"resize-{fx:.2f}x{fy:.2f}")


def _step_jpeg(img: Image.Image, rng: np.random.Generator, mode: str) -> tuple[Image.Image, str]:
    quality = int(rng.integers(50, 66) if mode == "low" else rng.integers(50, 96))
    return _jpeg(img, quality, 0 if rng.random() < 0.15 else 2), f"jpeg-{quality}"


def _step_blur(img: Image.Image, rng: np.random.Generator, mode: str) -> tuple[Image.Image, str]:
    sigma = round(max(0.2, rng.uniform(0.5, 2.0) * img.width / 1500), 2)
    return img.filter(ImageFilter.GaussianBlur(sigma)), f"blur-{sigma:.2f}"


def _step_recolour(img: Image.Image, rng: np.random.Generator, mode: str) -> tuple[Image.Image, str]:
    """One to three of brightness, contrast, saturation, gamma, white balance; milder when combined, so
    that the whole change stays within about 15 %."""
    chosen = sorted(rng.choice(5, size=int(rng.integers(1, 4)), replace=False).tolist())
    mild = len(chosen) == 3
    arr = np.asarray(img, dtype=np.float32)

    def pct(limit: int) -> int:
        limit = limit * 2 // 3 if mild else limit
        return int(rng.integers(3, limit + 1)) * int(rng.choice([-1, 1]))

    parts = []
    for which in chosen:
        if which == 0:
            b = pct(15)
            arr *= 1 + b / 100
            parts.append(f"b{b:+d}")
        elif which == 1:
            c = pct(15)
            mean = float(arr.mean())
            arr = (arr - mean) * (1 + c / 100) + mean
            parts.append(f"c{c:+d}")
        elif which == 2:
            s = pct(15)
            grey = (arr @ np.array([0.299, 0.587, 0.114], np.float32))[..., None]
            arr = grey + (arr - grey) * (1 + s / 100)
            parts.append(f"s{s:+d}")
        elif which == 3:
            g = round(float(np.exp(rng.uniform(0.04, 0.09 if mild else 0.14) * rng.choice([-1, 1]))), 2)
            arr = 255 * (np.clip(arr, 0, 255) / 255) ** g
            parts.append(f"g{g:.2f}")
        else:
            wr, wb = pct(10), pct(10)
            arr[..., 0] *= 1 + wr / 100
            arr[..., 2] *= 1 + wb / 100
            parts.append(f"wr{wr:+d}_wb{wb:+d}")
    out = Image.fromarray(np.clip(np.round(arr), 0, 255).astype(np.uint8))
    return out, "recolour-" + "_".join(parts)


_STEPS = {
    "crop": _step_crop,
    "resize": _step_resize,
    "jpeg": _step_jpeg,
    "blur": _step_blur,
    "recolour": _step_recolour,
}


def _random_chain(rng: np.random.Generator) -> list[tuple[str, str]]:
    names = [
        str(s) for s in rng.choice(["crop", "resize", "blur", "recolour", "jpeg"], size=3, replace=False)
    ]
    if "jpeg" in names and rng.random() < 0.7:
        names.remove("jpeg")
        names.append("jpeg")
    return [(name, "any") for name in names]


def variants(image: Image.Image, seed: int) -> dict[str, Image.Image]:
    """Eleven copies of ``image`` a forger could make, keyed by what was done (steps joined by "+")."""
    src = image if image.mode == "RGB" else image.convert("RGB")
    rng = _rng(seed, _VARIANT, zlib.crc32(src.tobytes()))
    plans: list[list[tuple[str, str]] | None] = [
        [("crop", "any")],
        [("crop", "heavy")],
        [("resize", "down")],
        [("resize", "any")],
        [("jpeg", "low")],
        [("blur", "any")],
        [("recolour", "any")],
        [("crop", "any"), ("jpeg", "any")],
        [("recolour", "any"), ("resize", "any")],
        [("crop", "any"), ("resize", "down"), ("jpeg", "any")],
        None,  # a random chain of three
    ]
    label = image.info.get("kpcs_photo")
    out: dict[str, Image.Image] = {}
    for plan in plans:
        for _ in range(20):
            steps = plan if plan is not None else _random_chain(rng)
            img, names = src, []
            for step, mode in steps:
                img, name = _STEPS[step](img, rng, mode)
                names.append(name)
            key = "+".join(names)
            if key not in out:
                break
        if label is not None:
            img.info["kpcs_photo"] = label
        out[key] = img
    return out
