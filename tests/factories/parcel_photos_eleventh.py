"""Eleventh independent generator of rough-diamond parcel photos (blind evaluation set for the
re-used-photo search).  Written from the task description only; it uses numpy and Pillow and
draws everything procedurally (no files are read).

The world
---------
* Offices.  A KP authority office / valuator owns one photo set-up: a table (wooden desk, brushed
  steel, dark carpet-felt) and possibly a piece lying on it, chosen from: black velvet cloth, a navy or
  royal-blue velvet pad, white sorting paper (A3/A4 sheet with fold creases), graph paper, grey felt,
  a plastic cell tray (10-25 mm cells), a perforated sieve plate, a green/black/blue cutting mat with a
  10/50 mm grid, a light box, woven cloth (plain or twill), woven wire mesh, a stainless-steel table,
  a bare wooden desk, glass over paper (with reflections).  Every surface piece has a fixed identity:
  its texture, scratches, creases and stains are fixed in table coordinates (mm), so every photo of
  the piece shows the same marks where the camera looks.  An office also has a lamp type (desk lamp
  - warm or LED -, ring light, window daylight, fluorescent tubes with rolling-shutter flicker bands,
  or the light box itself), one or two cameras (DSLR, phone with sharpening and sometimes an HDR
  look, compact, webcam / document camera), a pool of props, a production (colour and crystal-shape
  mix, glassy/frosted ratio, typical stone size) and a favourite way of laying out stones.
* Sessions.  One tripod position on one day: output size (widths 640-2000 px, 4:3, 3:2, 16:9, 1:1,
  landscape or portrait), framing (frame centre and width in mm), lamp position, camera settings
  (white balance, exposure, contrast, saturation, noise, sharpening, in-camera JPEG quality,
  vignetting), the props and where they lie (bands along one or two frame sides), the day's dust,
  lint and hairs, and the free region where the stones are laid out.  Photos in a session differ
  only by the lot and by a tripod jitter of up to 2 px.
* Props: printed forms / certificates (title bar, fields, tables, barcode, stamp, signature),
  handwritten lot labels and sticky notes, rulers, digital calipers, pocket scales showing carats or
  grams, tweezers, loupes, round sieves, folded parcel papers, grey cards / colour charts, barcode
  and QR labels, pens.  Writing on labels, parcel papers, forms, scale and caliper displays depends
  on the lot (lot number, carats, stone count), so another lot changes the writing.
* Lots (parcels).  1 to ~400 stones (hard cases up to 600): octahedra, dodecahedra, macles, cubes,
  irregular pieces and boart; colourless, white, cape, yellow, brown, dark brown, grey, a few
  green-skinned; glassy (facets, reflections, glints) or frosted; lognormal sizes from near-dust to
  ~30 mm.  Layouts: heap(s), scatter, rows sorted by size, grid, size-class groups, ring, single
  line, single stone, one stone per tray cell.  Stones cast soft shadows away from the lamp; on a
  light box they are seen in transmitted light.
* Camera pipeline: reflectance x illumination (lamp fall-off, window gradient, flicker bands,
  vignetting, shadows, blotchy chroma noise) -> auto exposure, white balance, tone curve, saturation
  -> optional HDR local tone mapping -> sensor noise -> optional sharpening -> upsampling from the
  optical resolution to the output size -> in-camera JPEG (quality 65-96).

Originals
---------
`originals(seed, n)`: n distinct parcels.  Originals are grouped in consecutive sessions of 1-6
photos (sizes drawn with probabilities 0.30/0.26/0.20/0.12/0.08/0.04), each session in one of 50
offices (an office usually has several sessions = several days).  For originals(1, 200): 78
sessions, 87 % of the photos share office AND session with at least one other original.

Variants
--------
`variants(image, seed)`: ten copies, keyed by a description, e.g. "crop(0,9.3,0,0)",
"crop(8.8,2.4,0,0)+jpeg89", a four-side crop, "resize0.48" (0.33-0.5), "resize1.26" (1.2-1.5),
"jpeg59" (50-60), "blur0.91" (Gaussian 0.8-1.5), "bright0.93,contrast1.10,sat1.08" (5-12 %),
"balance(1.04,1.01,0.95)+gamma0.92+crop(9.7,0,0,0)", "crop(4.9,0,8.1,0)+resize0.49+jpeg68".
Every crop variant has one side cut by 8-10 %, other sides 0-7 %.  No rotation, flip or overlay.

Unrelated photos (other parcels, never the same stones)
--------------------------------------------------------
`unrelated(seed, n)`, `unrelated_kind(seed, i)`, `KINDS`.  A fixed, seeded permutation per block of
1000 gives exactly these shares per 1000.  Hard kinds take a reference original from
originals(REFERENCE_SEED=1, REFERENCE_COUNT=200) and rebuild its scene description with another lot:

  same_session_other_lot          150  same office, session, framing (+-3 px), surface marks, props,
                                       lamp and camera; another lot of the session (new stones,
                                       new lot number on label / form / scale).
  session_props_changed            55  as above, props moved by a few mm / degrees, one prop
                                       sometimes removed or added.
  twin_lot                         60  same session; a lot of the same production with the same
                                       count, layout style, size distribution and colour mix.
  few_stones_same_setup            50  same session; 1-5 stones (30 %: 1-2, almost empty); half of
                                       them on references that themselves show <= 8 stones.
  same_positions_other_stones      45  same session; other stones put on exactly the reference's
                                       stone positions (template: grid, cells, rows, line, ring).
  same_office_other_day            45  same office and surface pieces, a new session: other framing,
                                       lamp position, props, dust, maybe the other camera.
  repetitive_surface_uniform_lot   40  reference with a repetitive surface (tray, sieve plate, mesh,
                                       woven cloth, cutting mat, graph paper), zoomed so that it fills
                                       the frame, no props, a uniform lot (one colour, one size class).
  dense_small_stones_same_setup    30  same session; 250-600 stones of 0.8-1.8 mm (heap or scatter).
  other_camera_same_session        25  same session (table, props, lamp), another device: other size,
                                       aspect, framing (+-15 %), white balance, noise, JPEG; other lot.

Ordinary kinds (offices from a separate namespace, never used by originals):

  foreign_office                  200  a normal parcel photo from another office.
  close_up                         80  1-5 stones filling a 14-40 mm frame, defocused background,
                                       sometimes tweezers.
  form_with_few_stones             80  a printed form filling most of a portrait frame, 1-10 stones
                                       on it.
  archive_scan                     70  a faded print of a parcel photo with a white border, slightly
                                       rotated on a flatbed scanner (white or dark lid), dust.
  bagged_lot                       70  a heap inside a clear zip bag (haze, crinkles, zip, write-on
                                       strip with the lot number).

Everything is deterministic: photo i depends on (seed, i) only; all randomness comes from numpy
Generators seeded by hashing the arguments.
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

# ---------------------------------------------------------------------------
# Deterministic randomness
# ---------------------------------------------------------------------------


def _seed(*keys: object) -> int:
    """A 63-bit seed derived from a tuple of ints/strings (stable across runs and platforms)."""
    digest = hashlib.blake2b(repr(keys).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1


def _rng(*keys: object) -> np.random.Generator:
    return np.random.default_rng(_seed(*keys))


def _pick(rng: np.random.Generator, options: dict[str, float]) -> str:
    names = list(options)
    weights = np.array([options[k] for k in names], dtype=float)
    return names[int(rng.choice(len(names), p=weights / weights.sum()))]


_M1 = np.uint64(0x9E3779B97F4A7C15)
_M2 = np.uint64(0xC2B2AE3D27D4EB4F)
_M3 = np.uint64(0xBF58476D1CE4E5B9)
_M4 = np.uint64(0x94D049BB133111EB)


def _lattice(seed: int, ix: np.ndarray, iy: np.ndarray) -> np.ndarray:
    """Hash integer lattice coordinates to uniform floats in [-1, 1] (a fixed random field)."""
    h = ix.astype(np.int64).astype(np.uint64) * _M1
    h = h ^ (iy.astype(np.int64).astype(np.uint64) * _M2) ^ np.uint64(seed & 0xFFFFFFFFFFFF)
    h ^= h >> np.uint64(31)
    h *= _M3
    h ^= h >> np.uint64(29)
    h *= _M4
    h ^= h >> np.uint64(32)
    return ((h >> np.uint64(11)).astype(np.float64) * (2.0 / 2**53) - 1.0).astype(np.float32)


# ---------------------------------------------------------------------------
# Scene description
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class View:
    """Which part of the table the camera sees: frame centre and width in mm, output size in px."""

    width: int
    height: int
    cx: float
    cy: float
    mm_w: float

    @property
    def scale(self) -> float:  # px per mm
        return self.width / self.mm_w

    @property
    def mm_h(self) -> float:
        return self.height / self.scale

    @property
    def x0(self) -> float:
        return self.cx - self.mm_w / 2

    @property
    def y0(self) -> float:
        return self.cy - self.mm_h / 2


@dataclass(frozen=True)
class Material:
    """A physical surface piece lying on the table; `seed` is its identity (texture, scratches)."""

    kind: str
    colour: tuple[float, float, float]
    colour2: tuple[float, float, float]
    pitch: float
    seed: int
    extent: tuple[float, float, float, float] | None = None  # x0, y0, x1, y1 in table mm


@dataclass(frozen=True)
class Light:
    kind: str  # desk, ring, window, fluorescent, lightbox
    x: float
    y: float
    height: float
    ambient: float
    tint: tuple[float, float, float]
    flicker: float
    flicker_period: float  # fraction of the image height
    shadow: float
    softness: float  # mm


@dataclass(frozen=True)
class Camera:
    device: str
    render_scale: float  # <1 renders smaller and upsamples: optical softness
    noise: float
    chroma_noise: float
    sharpen: float
    hdr: float
    jpeg_q: int
    wb: tuple[float, float, float]
    gamma: float
    contrast: float
    exposure: float
    vignette: float
    saturation: float


@dataclass(frozen=True)
class Prop:
    kind: str
    x: float
    y: float
    angle: float
    size: float  # main dimension in mm
    seed: int
    style: int = 0
    text: tuple[str, ...] = ()


@dataclass(frozen=True)
class Lot:
    """A parcel: which stones, how many, how they are laid out.  `seed` is the identity of the stones."""

    seed: int
    count: int
    layout: str
    size_median: float  # mm
    size_sigma: float
    colours: tuple[tuple[str, float], ...]
    shapes: tuple[tuple[str, float], ...]
    glassy: float
    region: tuple[float, float, float, float]  # table mm
    number: str
    positions: tuple[tuple[float, float, float], ...] | None = None  # fixed (x, y, size) template
    pitch: float = 0.0  # cell pitch for the "cells" layout


@dataclass(frozen=True)
class Scene:
    key: tuple  # identity of the exposure (noise, flicker phase)
    view: View
    base: Material
    top: Material | None
    dust_seed: int
    light: Light
    camera: Camera
    props: tuple[Prop, ...]
    lot: Lot
    defocus: float = 0.0  # background blur in px (close-ups)
    post: str = ""  # "", "bag", "scan"


# ---------------------------------------------------------------------------
# Small drawing helpers
# ---------------------------------------------------------------------------


@lru_cache(maxsize=128)
def _font(px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=max(5, min(int(px), 400)))


def _u8(c: tuple[float, float, float] | np.ndarray, k: float = 1.0) -> tuple[int, int, int]:
    return tuple(int(max(0, min(255, round(v * k * 255)))) for v in c)  # type: ignore[return-value]


def _poly(points: np.ndarray) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in points]


def _noise_field(seed: int, cell_x: float, cell_y: float, view: View, out_w: int, out_h: int) -> np.ndarray:
    """Smooth value noise fixed in table coordinates, sampled on the frame; roughly in [-1, 1]."""
    ix0 = math.floor(view.x0 / cell_x) - 2
    iy0 = math.floor(view.y0 / cell_y) - 2
    nx = math.ceil(view.mm_w / cell_x) + 6
    ny = math.ceil(view.mm_h / cell_y) + 6
    ix = np.arange(ix0, ix0 + nx)[None, :]
    iy = np.arange(iy0, iy0 + ny)[:, None]
    lat = Image.fromarray(_lattice(seed, ix, iy), "F")
    bx0 = view.x0 / cell_x - ix0 + 0.5
    by0 = view.y0 / cell_y - iy0 + 0.5
    box = (bx0, by0, bx0 + view.mm_w / cell_x, by0 + view.mm_h / cell_y)
    return np.asarray(lat.resize((out_w, out_h), Image.BICUBIC, box=box), dtype=np.float32)


def _fbm(seed: int, cell: float, octaves: int, view: View, w: int, h: int, aniso: float = 1.0) -> np.ndarray:
    """Fractal value noise for broad variations, computed at quarter resolution and upsampled."""
    qw, qh = max(2, w // 4), max(2, h // 4)
    out = np.zeros((qh, qw), np.float32)
    amp, total = 1.0, 0.0
    for k in range(octaves):
        c = cell / 2**k
        out += amp * _noise_field(seed + 7919 * k, c * aniso, c, view, qw, qh)
        total += amp
        amp *= 0.55
    up = Image.fromarray(out / total, "F").resize((w, h), Image.BILINEAR)
    return np.asarray(up, dtype=np.float32)


_SYLLABLES = ("ka", "mo", "ri", "ten", "bo", "la", "zu", "ne", "sa", "ko", "di", "ma", "tu", "ve", "an", "go")


def _word(rng: np.random.Generator, parts: int = 3) -> str:
    return "".join(_SYLLABLES[int(rng.integers(len(_SYLLABLES)))] for _ in range(parts)).capitalize()


# ---------------------------------------------------------------------------
# Surfaces (textures fixed in table coordinates, so every view of a piece shows the same marks)
# ---------------------------------------------------------------------------

REPETITIVE_SURFACES = ("tray", "sieve", "mesh", "cloth", "mat", "graph")


def _smooth_band(d: np.ndarray, half_width: float, soft: float) -> np.ndarray:
    """1 inside |d| < half_width, fading to 0 over `soft` (same unit as d)."""
    return np.clip((half_width - np.abs(d)) / max(soft, 1e-6) + 0.5, 0.0, 1.0)


def _grid_mask(coords: np.ndarray, pitch: float, offset: float, width: float, soft: float) -> np.ndarray:
    f = (coords - offset) / pitch
    d = (f - np.round(f)) * pitch
    return _smooth_band(d, width / 2, soft)


def _weave(xs: np.ndarray, ys: np.ndarray, pitch: float, gap: float, twill: bool) -> tuple[np.ndarray, ...]:
    """Plain or twill weave: (warp_on_top mask, thread shading, gap mask) as HxW arrays."""
    fx, fy = xs / pitch, ys / pitch
    ix, iy = np.floor(fx), np.floor(fy)
    ux, uy = (fx - ix).astype(np.float32), (fy - iy).astype(np.float32)
    if twill:
        a, b = (ix % 3).astype(np.int8), (iy % 3).astype(np.int8)
        warp = ((a[None, :] + b[:, None]) % 3) != 0
    else:
        a, b = (ix % 2).astype(np.int8), (iy % 2).astype(np.int8)
        warp = (a[None, :] ^ b[:, None]) == 0
    across_x = np.sin(np.pi * ux)[None, :]
    across_y = np.sin(np.pi * uy)[:, None]
    shade = np.where(warp, 0.55 + 0.45 * across_x * (0.8 + 0.2 * across_y), 0.55 + 0.45 * across_y)
    gap_mask = 1.0 - np.minimum(
        _smooth_band(ux - 0.5, 0.5 - gap, 0.12)[None, :] + _smooth_band(uy - 0.5, 0.5 - gap, 0.12)[:, None],
        1.0,
    )
    return warp, shade.astype(np.float32), gap_mask.astype(np.float32)


def _material_maps(
    m: Material, rv: View, xs: np.ndarray, ys: np.ndarray
) -> tuple[np.ndarray, np.ndarray | None]:
    """Brightness map L (1 = nominal) and optional mix map t (0 = colour, 1 = colour2) of a material."""
    w, h, s = len(xs), len(ys), rv.scale
    px_soft = 1.0 / s  # one render pixel in mm
    k = m.kind
    if k == "velvet":
        return 1 + 0.25 * _fbm(m.seed, 30.0, 3, rv, w, h) + 0.12 * _noise_field(
            m.seed + 1, 0.6, 0.6, rv, w, h
        ), None
    if k in ("paper", "graph", "glass"):
        lum = (
            1 + 0.025 * _fbm(m.seed, 25.0, 2, rv, w, h) + 0.03 * _noise_field(m.seed + 1, 0.4, 0.4, rv, w, h)
        )
        t = None
        if k == "graph":
            t = np.zeros((h, w), np.float32)
            for pitch, width, strength in ((1.0, 0.08, 0.35), (5.0, 0.15, 0.55), (10.0, 0.25, 0.8)):
                if pitch * s < 3.0:
                    strength *= 0.3
                gx = _grid_mask(xs, pitch, 0.0, width, px_soft) * strength
                gy = _grid_mask(ys, pitch, 0.0, width, px_soft) * strength
                t = np.maximum(t, np.maximum(gx[None, :], gy[:, None]))
        if k == "glass":  # broad reflection bands on the glass sheet, computed coarse and upsampled
            qx, qy = xs[::4], ys[::4]
            d = qx[None, :] * 0.6 + qy[:, None] * 0.8 - (m.seed % 200 - 100)
            refl = 0.12 * np.exp(-((d / 30.0) ** 2)) + 0.06 * np.exp(-(((d - 45) / 8.0) ** 2))
            lum += np.asarray(Image.fromarray(refl.astype(np.float32), "F").resize((w, h), Image.BILINEAR))
        return lum, t
    if k == "felt":
        return 1 + 0.10 * _fbm(m.seed, 8.0, 3, rv, w, h) + 0.10 * _noise_field(
            m.seed + 1, 0.5, 0.5, rv, w, h
        ), None
    if k == "lightbox":
        return 1 + 0.012 * _fbm(m.seed, 40.0, 2, rv, w, h), None
    if k == "steel":
        lum = 1 + 0.06 * _fbm(m.seed, 40.0, 2, rv, w, h, aniso=8.0)
        return lum + 0.06 * _noise_field(m.seed + 3, 20.0, 0.25, rv, w, h), None
    if k == "wood":
        warp = _fbm(m.seed, 60.0, 3, rv, w, h, aniso=5.0)
        grain = (0.5 + 0.5 * np.sin(2 * np.pi * (ys[:, None] / m.pitch + 1.8 * warp))) ** 3
        return 1 + 0.06 * _noise_field(m.seed + 5, 12.0, 0.35, rv, w, h), 0.55 * grain
    if k == "mat":
        lum = 1 + 0.04 * _fbm(m.seed, 30.0, 2, rv, w, h)
        t = np.zeros((h, w), np.float32)
        for pitch, width, strength in ((m.pitch, 0.25, 0.55), (m.pitch * 5, 0.6, 0.85)):
            gx = _grid_mask(xs, pitch, 0.0, width, px_soft) * strength
            gy = _grid_mask(ys, pitch, 0.0, width, px_soft) * strength
            t = np.maximum(t, np.maximum(gx[None, :], gy[:, None]))
        return lum, t
    if k == "tray":
        p, tw = m.pitch, 0.06
        off_x = m.extent[0] if m.extent else 0.0
        off_y = m.extent[1] if m.extent else 0.0
        fx = ((xs - off_x) / p) % 1.0
        fy = ((ys - off_y) / p) % 1.0
        sx = 1 - 0.22 * np.clip(1 - (fx - tw) / 0.12, 0, 1) + 0.10 * np.clip(1 - (1 - tw - fx) / 0.08, 0, 1)
        sy = 1 - 0.22 * np.clip(1 - (fy - tw) / 0.12, 0, 1) + 0.10 * np.clip(1 - (1 - tw - fy) / 0.08, 0, 1)
        lum = sy[:, None] * sx[None, :] + 0.03 * _fbm(m.seed, 30.0, 2, rv, w, h)
        wx = _grid_mask(xs, p, off_x, tw * 2 * p, px_soft)
        wy = _grid_mask(ys, p, off_y, tw * 2 * p, px_soft)
        return lum, np.maximum(wx[None, :], wy[:, None])
    if k == "sieve":
        p = m.pitch
        py = p * 0.866
        iy = np.floor(ys / py)
        fy = (ys / py - iy - 0.5) * py
        odd = (iy.astype(np.int64) % 2 == 1)[:, None]
        fxa = ((xs / p) % 1.0 - 0.5) * p
        fxb = (((xs / p) + 0.5) % 1.0 - 0.5) * p
        fx = np.where(odd, fxb[None, :], fxa[None, :])
        d = np.sqrt(fx * fx + (fy * fy)[:, None])
        r = 0.3 * p
        hole = np.clip((r - d) * s + 0.5, 0, 1)
        rim = np.clip(1 - np.abs(d - r) * s / 1.5, 0, 1) * (fy[:, None] < 0)
        lum = 1 + 0.05 * _fbm(m.seed, 30.0, 2, rv, w, h, aniso=6.0) + 0.25 * rim
        return lum, hole
    if k in ("mesh", "cloth"):
        warp, shade, gap = _weave(xs, ys, m.pitch, 0.12 if k == "mesh" else 0.04, twill=(m.seed % 3 == 0))
        fade = min(1.0, max(0.0, (m.pitch * s - 2.0) / 3.0))  # threads finer than ~2 px blur to a mean
        lum = shade * (1 - (0.9 if k == "mesh" else 0.5) * gap)
        if k == "cloth":
            lum = lum * (1 + 0.08 * _fbm(m.seed, 15.0, 2, rv, w, h))
            t = (~warp).astype(np.float32)
        else:
            t = gap
        if fade < 1.0:
            lum = lum * fade + float(lum.mean()) * (1 - fade)
            t = t * fade + float(t.mean()) * (1 - fade)
        return lum, t
    raise ValueError(k)


def _colourise(lum: np.ndarray, t: np.ndarray | None, c1, c2) -> Image.Image:
    """RGB image (c1 + (c2 - c1) t) * lum, built with lookup tables (lum is stored as 128 = 1.0)."""
    l8 = Image.fromarray(np.clip(lum * 128.0, 0, 255).astype(np.uint8), "L")
    ramp = np.arange(256) / 128.0

    def tinted(c) -> Image.Image:
        return Image.merge("RGB", [l8.point([min(255, int(v * ck * 255)) for v in ramp]) for ck in c])

    img = tinted(c1)
    if t is not None:
        mask = Image.fromarray(np.clip(t * 255.0, 0, 255).astype(np.uint8), "L")
        img = Image.composite(tinted(c2), img, mask)
    return img


def _surface_image(base: Material, top: Material | None, dust_seed: int, rv: View) -> Image.Image:
    xs = (rv.x0 + (np.arange(rv.width) + 0.5) / rv.scale).astype(np.float32)
    ys = (rv.y0 + (np.arange(rv.height) + 0.5) / rv.scale).astype(np.float32)
    img = _colourise(*_material_maps(base, rv, xs, ys), base.colour, base.colour2)
    _surface_marks(img, base, dust_seed, rv)
    if top is not None and top.extent is not None:
        x0, y0, x1, y1 = top.extent
        s = rv.scale
        if xs[-1] > x0 - 5 and xs[0] < x1 + 5 and ys[-1] > y0 - 5 and ys[0] < y1 + 5:
            # contact shadow of the top piece on the base, then the piece itself
            sx = np.clip((xs - x0 + 4) / 4, 0, 1) * np.clip((x1 + 4 - xs) / 4, 0, 1)
            sy = np.clip((ys - y0 + 4) / 4, 0, 1) * np.clip((y1 + 4 - ys) / 4, 0, 1)
            shadow = Image.fromarray((255 - 90 * (sy[:, None] * sx[None, :])).astype(np.uint8), "L")
            img = ImageChops.multiply(img, Image.merge("RGB", [shadow] * 3))
            mx = np.clip((xs - x0) * s + 0.5, 0, 1) * np.clip((x1 - xs) * s + 0.5, 0, 1)
            my = np.clip((ys - y0) * s + 0.5, 0, 1) * np.clip((y1 - ys) * s + 0.5, 0, 1)
            mask = my[:, None] * mx[None, :]
            if mask.max() > 0:
                top_img = _colourise(*_material_maps(top, rv, xs, ys), top.colour, top.colour2)
                _surface_marks(top_img, top, dust_seed + 1, rv)
                img = Image.composite(top_img, img, Image.fromarray((mask * 255).astype(np.uint8), "L"))
    return img


def _cells(view: View, cell: float, margin: float = 0.0) -> Iterator[tuple[int, int]]:
    for cj in range(
        math.floor((view.y0 - margin) / cell), math.floor((view.y0 + view.mm_h + margin) / cell) + 1
    ):
        for ci in range(
            math.floor((view.x0 - margin) / cell), math.floor((view.x0 + view.mm_w + margin) / cell) + 1
        ):
            yield ci, cj


def _surface_marks(img: Image.Image, m: Material, dust_seed: int, rv: View) -> None:
    """Persistent marks of the piece (scratches, creases, stains) and the day's dust, lint and hairs."""
    draw = ImageDraw.Draw(img)
    s = rv.scale
    bright = sum(m.colour) / 3 > 0.45
    ext = m.extent

    def to_px(pts: np.ndarray) -> list[tuple[float, float]]:
        return _poly((pts - np.array([rv.x0, rv.y0])) * s)

    def inside(x: float, y: float) -> bool:
        return ext is None or (ext[0] < x < ext[2] and ext[1] < y < ext[3])

    if m.kind in ("paper", "graph", "glass"):  # fold creases across the whole sheet
        crng = _rng("crease", m.seed)
        cx = (ext[0] + ext[2]) / 2 if ext else 0.0
        cy = (ext[1] + ext[3]) / 2 if ext else 0.0
        for _ in range(int(crng.integers(0, 3))):
            ang = crng.uniform(0, np.pi)
            d = np.array([math.cos(ang), math.sin(ang)])
            c = np.array([cx, cy]) + crng.uniform(-100, 100, 2)
            line = np.array([c - 600 * d, c + 600 * d])
            normal = np.array([-d[1], d[0]]) * max(0.8 / s, 0.25)
            draw.line(to_px(line + normal), fill=_u8(m.colour, 1.05), width=max(1, round(0.5 * s)))
            draw.line(to_px(line), fill=_u8(m.colour, 0.9), width=1)
    cell = 50.0
    scratchy = m.kind in ("steel", "tray", "mat", "glass", "lightbox", "sieve", "wood")
    for ci, cj in _cells(rv, cell, 20.0):
        org = np.array([ci * cell, cj * cell])
        if scratchy:
            srng = _rng("scratch", m.seed, ci, cj)
            for _ in range(int(srng.poisson(1.2))):
                p0 = org + srng.uniform(0, cell, 2)
                if not inside(*p0):
                    continue
                ang = srng.uniform(0, np.pi) if m.kind != "steel" else srng.normal(0, 0.15)
                length = srng.uniform(4, 40)
                p1 = p0 + length * np.array([math.cos(ang), math.sin(ang)])
                mid = (p0 + p1) / 2 + srng.normal(0, length * 0.03, 2)
                k = srng.uniform(1.04, 1.15) if not bright else srng.uniform(0.88, 0.96)
                draw.line(to_px(np.array([p0, mid, p1])), fill=_u8(m.colour, k), width=1)
        if m.kind in ("paper", "felt", "wood", "velvet") and (ci * 7 + cj * 13 + m.seed) % 5 == 0:
            st = _rng("stain", m.seed, ci, cj)
            c = org + st.uniform(0, cell, 2)
            if inside(*c):
                r = st.uniform(3, 12)
                ang = np.linspace(0, 2 * np.pi, 24, endpoint=False)
                wobble = st.standard_normal(24)
                wobble = (wobble + np.roll(wobble, 1) + np.roll(wobble, -1)) / 3
                rad = r * (1 + 0.15 * wobble)
                pts = c + np.stack([rad * np.cos(ang), rad * np.sin(ang)], 1)
                draw.polygon(to_px(pts), fill=_u8(m.colour, 0.975 if bright else 1.06))
        drng = _rng("dust", dust_seed, ci, cj)
        dust_k = 0.6 if m.kind in ("velvet", "felt", "cloth") else 0.4
        for _ in range(int(drng.poisson(5 * dust_k))):
            p0 = org + drng.uniform(0, cell, 2)
            if not inside(*p0):
                continue
            r = max(drng.uniform(0.05, 0.3) * s, 0.6)
            shade = drng.uniform(0.45, 0.85) if bright else drng.uniform(0.2, 0.6)
            col = _u8(m.colour, shade) if bright else _u8((shade, shade, shade * 0.97))
            x, y = (p0[0] - rv.x0) * s, (p0[1] - rv.y0) * s
            draw.ellipse((x - r, y - r, x + r, y + r), fill=col)
        for _ in range(int(drng.poisson(1.2 * dust_k))):
            p0 = org + drng.uniform(0, cell, 2)
            if not inside(*p0):
                continue
            hair = drng.random() < 0.05
            n = 10 if hair else 6
            step = drng.uniform(3.0, 7.0) if hair else drng.uniform(0.4, 1.6)
            heading = drng.uniform(0, 2 * np.pi) + np.cumsum(drng.normal(0, 0.35, n))
            pts = p0 + np.cumsum(step * np.stack([np.cos(heading), np.sin(heading)], 1), 0)
            if hair:
                col = _u8((0.12, 0.1, 0.08)) if bright or drng.random() < 0.5 else _u8((0.6, 0.58, 0.55))
            else:
                v = drng.uniform(0.3, 0.65)
                tint = drng.uniform(0.85, 1.0, 3)
                col = _u8(tint * v) if not bright else _u8(np.array(m.colour) * tint * drng.uniform(0.5, 0.8))
            draw.line(to_px(pts), fill=col, width=max(1, round(0.08 * s)), joint="curve")


# ---------------------------------------------------------------------------
# Stones
# ---------------------------------------------------------------------------

STONE_COLOURS = {
    "colourless": (0.86, 0.88, 0.91),
    "white": (0.8, 0.8, 0.79),
    "cape": (0.9, 0.84, 0.58),
    "yellow": (0.92, 0.8, 0.35),
    "brown": (0.62, 0.45, 0.3),
    "dark_brown": (0.4, 0.27, 0.17),
    "grey": (0.55, 0.56, 0.57),
    "green_skin": (0.62, 0.74, 0.55),
    "boart": (0.22, 0.21, 0.2),
}
STONE_SHAPES = ("octahedron", "dodecahedron", "macle", "cube", "irregular", "boart")


@dataclass
class Stone:
    x: float
    y: float
    d: float  # mm across
    shape: str
    colour: tuple[float, float, float]
    glassy: bool
    angle: float
    squash: float
    rnd: tuple[float, ...]


def _layout_positions(lot: Lot, sizes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Stone centres (n x 2, table mm) for the lot's layout style inside its region."""
    n = len(sizes)
    x0, y0, x1, y1 = lot.region
    cx, cy, rw, rh = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0), (y1 - y0)
    mean_d = float(sizes.mean())
    layout = lot.layout
    if n == 1 or layout == "single":
        return np.array([[cx, cy]]) + rng.normal(0, min(rw, rh) * 0.08, (n, 2))
    if layout == "cells" and lot.pitch > 0:  # one stone per tray cell, cells aligned with the region corner
        cols = max(1, int(rw // lot.pitch))
        rows = max(1, int(rh // lot.pitch))
        start = int(rng.integers(0, max(1, cols * rows - n + 1))) if n < cols * rows else 0
        idx = (np.arange(n) + start) % (cols * rows)
        pos = np.stack([x0 + (idx % cols + 0.5) * lot.pitch, y0 + (idx // cols + 0.5) * lot.pitch], 1)
        return pos + rng.normal(0, 0.07 * lot.pitch, (n, 2))
    if layout in ("grid", "cells", "rows", "line"):
        order = np.argsort(-sizes, kind="stable")
        if layout == "rows":
            pitch = max(1.6 * float(np.percentile(sizes, 90)), 1.0)
        else:
            pitch = max(2.0 * float(sizes.max()), 1.0)
        if layout == "line":
            cols, pitch = n, min(pitch, rw / max(n, 1))
        else:
            cols = max(1, min(n, round(math.sqrt(n * rw / max(rh, 1e-3)))))
            pitch = min(pitch, rw / cols, rh / math.ceil(n / cols))
        rows = math.ceil(n / cols)
        gx = cx + (np.arange(cols) - (cols - 1) / 2) * pitch
        gy = cy + (np.arange(rows) - (rows - 1) / 2) * pitch
        pos = np.zeros((n, 2))
        for rank, idx in enumerate(order):
            pos[idx] = (gx[rank % cols], gy[rank // cols])
        jitter = 0.04 if layout in ("grid", "cells") else 0.12
        return pos + rng.normal(0, jitter * pitch, (n, 2))
    if layout == "ring":
        ang = np.sort(rng.uniform(0, 2 * np.pi, n)) if n < 6 else np.linspace(0, 2 * np.pi, n, endpoint=False)
        ang = ang + rng.normal(0, 0.5 / max(n, 1), n)
        rad = np.array([rw, rh]) * 0.38 * (1 + rng.normal(0, 0.03, (n, 1)))
        return np.array([cx, cy]) + np.stack([np.cos(ang), np.sin(ang)], 1) * rad
    if layout == "groups":
        k = int(min(5, max(2, n // 6)))
        order = np.argsort(-sizes, kind="stable")
        pos = np.zeros((n, 2))
        centres = cx + (np.arange(k) - (k - 1) / 2) * rw / k
        for g, chunk in enumerate(np.array_split(order, k)):
            spread = math.sqrt(len(chunk)) * float(sizes[chunk].mean()) * 0.6 + 0.5
            spread = min(spread, rw / k * 0.3)
            pos[chunk] = np.array([centres[g], cy]) + rng.normal(0, spread, (len(chunk), 2)) * [1, 1.4]
        return pos
    if layout == "heap":
        heaps = 1 if n < 40 or rng.random() < 0.6 else 2
        centres = np.array([cx, cy]) + rng.normal(0, 0.12, (heaps, 2)) * [rw, rh]
        which = rng.integers(0, heaps, n)
        spread = math.sqrt(n / heaps) * mean_d * 0.55 + mean_d
        spread = min(spread, 0.28 * min(rw, rh))
        return centres[which] + rng.normal(0, spread, (n, 2))
    # scatter: uniform with a little repulsion
    pts = np.stack(
        [rng.uniform(x0 + 0.05 * rw, x1 - 0.05 * rw, n), rng.uniform(y0 + 0.05 * rh, y1 - 0.05 * rh, n)], 1
    )
    if n <= 150:
        for _ in range(3):
            diff = pts[:, None, :] - pts[None, :, :]
            dist = np.sqrt((diff**2).sum(-1)) + np.eye(n) * 1e9
            need = (sizes[:, None] + sizes[None, :]) * 0.6
            push = np.clip(need - dist, 0, None) / dist
            pts += (diff * push[..., None]).sum(1) * 0.5
    return pts


def _lot_stones(lot: Lot) -> list[Stone]:
    rng = _rng("stones", lot.seed)
    n = lot.count
    if lot.positions is not None:
        template = np.array(lot.positions, dtype=float)
        sizes = template[:, 2] * rng.uniform(0.8, 1.2, len(template))
        pos = template[:, :2]
        n = len(template)
    else:
        sizes = np.clip(lot.size_median * np.exp(rng.normal(0, lot.size_sigma, n)), 0.35, 32.0)
        pos = _layout_positions(lot, sizes, rng)
    colour_names = [c for c, _ in lot.colours]
    cw = np.array([w for _, w in lot.colours], float)
    shape_names = [c for c, _ in lot.shapes]
    sw = np.array([w for _, w in lot.shapes], float)
    cols = rng.choice(len(colour_names), n, p=cw / cw.sum())
    shps = rng.choice(len(shape_names), n, p=sw / sw.sum())
    bright = rng.uniform(0.9, 1.08, n)
    tint = rng.normal(0, 0.025, (n, 3))
    glassy = rng.random(n) < lot.glassy
    angles = rng.uniform(0, 360, n)
    squash = rng.uniform(0.72, 1.0, n)
    rnd = rng.random((n, 40)).tolist()
    stones = []
    for k in range(n):
        shape = shape_names[shps[k]]
        cname = "boart" if shape == "boart" else colour_names[cols[k]]
        base = np.clip(np.array(STONE_COLOURS[cname]) * bright[k] + tint[k], 0.05, 1.0)
        stones.append(
            Stone(
                x=float(pos[k, 0]),
                y=float(pos[k, 1]),
                d=float(sizes[k]),
                shape=shape,
                colour=(float(base[0]), float(base[1]), float(base[2])),
                glassy=bool(glassy[k]) and shape != "boart",
                angle=float(angles[k]),
                squash=float(squash[k]),
                rnd=tuple(rnd[k]),
            )
        )
    stones.sort(key=lambda st: st.y + st.rnd[0] * st.d)
    return stones


def _outline(st: Stone) -> list[tuple[float, float]]:
    """Unit-radius outline of a stone (before rotation/scaling)."""
    r = st.rnd
    pts: list[tuple[float, float]] = []

    def corner(a_deg: float, rad: float, trunc: float) -> None:
        if trunc > 0.02:
            for da in (-trunc * 60, trunc * 60):
                a = math.radians(a_deg + da)
                pts.append((rad * (1 - trunc * 0.6) * math.cos(a), rad * (1 - trunc * 0.6) * math.sin(a)))
        else:
            a = math.radians(a_deg)
            pts.append((rad * math.cos(a), rad * math.sin(a)))

    if st.shape in ("octahedron", "cube"):
        for k in range(4):
            trunc = (r[5 + k] - 0.45) * 0.5 if st.shape == "octahedron" else 0.18 + 0.1 * r[5 + k]
            corner(45 + 90 * k + (r[9 + k] - 0.5) * 14, 1 + (r[13 + k] - 0.5) * 0.16, max(trunc, 0))
    elif st.shape == "dodecahedron":
        for k in range(12):
            rad = (1.0 if k % 2 == 0 else 0.9) + (r[5 + k] - 0.5) * 0.1
            a = math.radians(30 * k + (r[17 + k] - 0.5) * 8)
            pts.append((rad * math.cos(a), rad * math.sin(a)))
    elif st.shape == "macle":
        for k in range(3):
            corner(90 + 120 * k + (r[5 + k] - 0.5) * 10, 1.0, 0.08 + 0.15 * r[8 + k])
            a = math.radians(150 + 120 * k)
            notch = 0.5 - 0.12 * r[11 + k] if r[14 + k] < 0.5 else 0.52
            pts.append((notch * math.cos(a), notch * math.sin(a)))
    else:  # irregular and boart
        n = 6 + int(r[5] * 5) if st.shape == "irregular" else 11
        ang = (
            np.sort(np.array(r[6 : 6 + n]) * 2 * np.pi)
            if n <= 10
            else np.linspace(0, 2 * np.pi, n, endpoint=False)
        )
        ang = np.linspace(0, 2 * np.pi, n, endpoint=False) * 0.6 + ang * 0.4 if n <= 10 else ang
        for k in range(n):
            rad = 0.62 + 0.38 * r[20 + k] if st.shape == "irregular" else 0.78 + 0.22 * r[20 + k]
            pts.append((rad * math.cos(ang[k]), rad * math.sin(ang[k])))
    return pts


def _draw_stones(
    img: Image.Image,
    stones: list[Stone],
    rv: View,
    light_dir: tuple[float, float, float],
    shadow: ImageDraw.ImageDraw | None,
    shadow_k: float,
    shadow_vec: tuple[float, float],
    backlit: bool = False,
) -> None:
    """Draw faceted stones; their shadows go to a quarter-resolution shadow mask."""
    draw = ImageDraw.Draw(img)
    s = rv.scale
    lx, ly, lz = light_dir
    w, h = img.size
    for st in stones:
        px, py = (st.x - rv.x0) * s, (st.y - rv.y0) * s
        rad = st.d / 2 * s
        if px < -rad - 2 or py < -rad - 2 or px > w + rad + 2 or py > h + rad + 2:
            continue
        r = st.rnd
        if shadow is not None:
            q = shadow_k
            sx, sy = px + shadow_vec[0] * st.d * s, py + shadow_vec[1] * st.d * s
            sr = rad * 0.8 * q
            if sr > 0.5:
                shadow.ellipse(
                    (sx * q - sr, sy * q - sr * st.squash, sx * q + sr, sy * q + sr * st.squash), fill=140
                )
        bg = img.getpixel((min(w - 1, max(0, int(px))), min(h - 1, max(0, int(py)))))
        opacity = (0.45 + 0.3 * r[1]) if st.glassy else (0.8 + 0.15 * r[1])
        if backlit and sum(bg) > 560:  # on a light box: transmitted light, dark rims
            body = [bg[i] / 255 * st.colour[i] * (0.6 if st.glassy else 0.32) for i in range(3)]
        else:
            body = [bg[i] / 255 * (1 - opacity) + st.colour[i] * opacity for i in range(3)]
        if rad < 2.2:
            shade = 0.8 + 0.5 * r[2]
            draw.ellipse(
                (px - rad, py - rad * st.squash, px + rad, py + rad * st.squash), fill=_u8(body, shade)
            )
            if st.glassy and rad > 1.2:
                draw.point((px - 0.3 * rad * lx, py - 0.3 * rad * ly), fill=(250, 250, 250))
            continue
        ca, sa = math.cos(math.radians(st.angle)), math.sin(math.radians(st.angle))
        if rad < 6:  # small stone: body, one lit half, a glint
            poly = []
            for j in range(6):
                a = math.radians(st.angle + 60 * j + (r[5 + j] - 0.5) * 30)
                rr = rad * (0.75 + 0.25 * r[11 + j])
                poly.append((px + rr * math.cos(a), py + rr * math.sin(a) * st.squash))
            draw.polygon(poly, fill=_u8(body, 0.55 + 0.3 * r[2]))
            j0 = int((math.degrees(math.atan2(ly, lx)) + 180 - st.angle) % 360 // 60)
            lit = [(px, py), poly[j0], poly[(j0 + 1) % 6], poly[(j0 + 2) % 6]]
            draw.polygon(lit, fill=_u8(body, 1.0 + (0.5 if st.glassy else 0.2) * r[3]))
            if st.glassy:
                draw.point((px + (r[4] - 0.5) * rad, py + (r[6] - 0.5) * rad), fill=(250, 250, 248))
            continue

        def tx(u: float, v: float, px=px, py=py, rad=rad, ca=ca, sa=sa, sq=st.squash) -> tuple[float, float]:
            v *= sq
            return (px + rad * (u * ca - v * sa), py + rad * (u * sa + v * ca))

        outline = _outline(st)
        pts = [tx(u, v) for u, v in outline]
        apex_u, apex_v = (r[30] - 0.5) * 0.5, (r[31] - 0.5) * 0.5
        apex = tx(apex_u, apex_v)
        draw.polygon(pts, fill=_u8(body, 0.6))
        n = len(pts)
        slope = 0.35 if st.shape == "macle" else (0.9 if st.shape in ("octahedron", "boart") else 0.6)
        for k in range(n):
            ua, va = outline[k]
            ub, vb = outline[(k + 1) % n]
            mu, mv = (ua + ub) / 2 - apex_u, (ua * 0 + va + vb) / 2 - apex_v
            norm = math.hypot(mu, mv) or 1.0
            # facet normal in image space (rotate outward direction with the stone)
            ox, oy = (mu * ca - mv * sa) / norm, (mu * sa + mv * ca) / norm
            nx, ny, nz = ox * slope, oy * slope, 1.0
            nn = math.sqrt(nx * nx + ny * ny + nz * nz)
            diffuse = max(0.0, (nx * lx + ny * ly + nz * lz) / nn)
            rk = r[(k * 3 + 2) % 40]
            if st.glassy:
                shade = 0.35 + 0.95 * diffuse + (rk - 0.5) * 0.8
                if rk < 0.2:
                    shade *= 0.45
            else:
                shade = 0.5 + 0.7 * diffuse + (rk - 0.5) * 0.25
            draw.polygon([apex, pts[k], pts[(k + 1) % n]], fill=_u8(body, shade))
        if st.shape == "macle":  # flat top face of the twin
            top = [tx(apex_u + (u - apex_u) * 0.55, apex_v + (v - apex_v) * 0.55) for u, v in outline]
            draw.polygon(top, fill=_u8(body, 0.95 + 0.3 * r[33]))
        if rad > 22:  # growth terraces on big stones
            inner = [tx(apex_u + (u - apex_u) * 0.5, apex_v + (v - apex_v) * 0.5) for u, v in outline[::2]]
            if len(inner) >= 3:
                draw.line([*inner, inner[0]], fill=_u8(body, 1.15 if st.glassy else 0.85), width=1)
        if not st.glassy and rad > 10:  # frosted skin
            for j in range(min(int(rad), 60)):
                a = 2 * math.pi * ((j * 0.618 + r[34]) % 1.0)
                dist = rad * 0.75 * math.sqrt((j * 0.382 + r[35]) % 1.0)
                qx, qy = px + dist * math.cos(a), py + dist * math.sin(a) * st.squash
                draw.point((qx, qy), fill=_u8(body, 0.75 + 0.5 * ((j * 0.7548 + r[36]) % 1.0)))
        edge = _u8(body, 0.5) if st.glassy else _u8(body, 0.72)
        draw.line([*pts, pts[0]], fill=edge, width=1 if rad < 30 else 2)
        if st.glassy:
            for j in range(1 + int(r[37] * 2.5)):
                hu = apex_u - lx * 0.35 + (r[38 - j] - 0.5) * 0.6
                hv = apex_v - ly * 0.35 + (r[39 - j] - 0.5) * 0.6
                hx, hy = tx(hu, hv)
                hr = max(0.8, rad * (0.03 + 0.06 * r[36 - j]))
                draw.ellipse((hx - hr, hy - hr * 0.7, hx + hr, hy + hr * 0.7), fill=(252, 252, 250))


# ---------------------------------------------------------------------------
# Props (each drawn upright in its own RGBA image, then rotated and placed)
# ---------------------------------------------------------------------------

INKS = {
    "blue": (0.1, 0.16, 0.52),
    "black": (0.1, 0.1, 0.12),
    "red": (0.72, 0.14, 0.18),
    "violet": (0.42, 0.2, 0.58),
    "green": (0.1, 0.42, 0.25),
}
PROP_HEIGHT = {  # mm above the table, for shadows
    "form": 0.3,
    "label": 0.3,
    "parcel_paper": 2.0,
    "grey_card": 0.5,
    "barcode": 0.3,
    "qr": 0.3,
    "ruler": 1.5,
    "caliper": 8.0,
    "scale": 14.0,
    "tweezers": 4.0,
    "loupe": 12.0,
    "sieve": 30.0,
    "pen": 9.0,
}


def _rgba(c, k: float = 1.0, a: int = 255) -> tuple[int, int, int, int]:
    return (*_u8(c, k), a)


def _text(draw: ImageDraw.ImageDraw, xy, text: str, px: float, fill, anchor: str = "la") -> None:
    if px >= 3:
        draw.text(xy, text, font=_font(round(px)), fill=fill, anchor=anchor)
    else:  # too small to print legibly: a grey smear of the right length
        length = len(text) * px * 0.55
        x, y = xy
        if anchor[0] == "m":
            x -= length / 2
        draw.rectangle((x, y, x + length, y + max(px * 0.7, 1)), fill=(*fill[:3], int(fill[3] * 0.5)))


def _handwrite(draw: ImageDraw.ImageDraw, xy, text: str, px: float, ink, rng: np.random.Generator) -> None:
    x, y = xy
    for ch in text:
        size = px * rng.uniform(0.88, 1.12)
        if size >= 3:
            draw.text((x, y + rng.normal(0, px * 0.06)), ch, font=_font(round(size)), fill=_rgba(ink))
            x += _font(round(size)).getlength(ch) * rng.uniform(0.95, 1.15)
        else:
            x += size * 0.6


def _barcode(draw: ImageDraw.ImageDraw, box, rng: np.random.Generator, ink=(0.05, 0.05, 0.05)) -> None:
    x0, y0, x1, y1 = box
    x = x0
    module = max((x1 - x0) / 95, 0.5)
    while x < x1 - module * 3:
        wbar = module * int(rng.integers(1, 4))
        draw.rectangle((x, y0, x + wbar - 0.01, y1), fill=_rgba(ink))
        x += wbar + module * int(rng.integers(1, 4))


def _qr(draw: ImageDraw.ImageDraw, x0: float, y0: float, size: float, rng: np.random.Generator) -> None:
    n = 25
    m = size / n
    cells = rng.random((n, n)) < 0.5
    for fx, fy in ((0, 0), (n - 7, 0), (0, n - 7)):
        cells[fy : fy + 7, fx : fx + 7] = False
        cells[fy : fy + 7, fx] = cells[fy : fy + 7, fx + 6] = True
        cells[fy, fx : fx + 7] = cells[fy + 6, fx : fx + 7] = True
        cells[fy + 2 : fy + 5, fx + 2 : fx + 5] = True
    for j, i in zip(*np.nonzero(cells), strict=True):
        draw.rectangle(
            (x0 + i * m, y0 + j * m, x0 + (i + 1) * m - 0.01, y0 + (j + 1) * m - 0.01), fill=(15, 15, 15, 255)
        )


def _stamp(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float, ink, words: str, date: str) -> None:
    col = _rgba(ink, 1.0, 170)
    w = max(1, round(r * 0.05))
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=col, width=w)
    draw.ellipse((cx - r * 0.8, cy - r * 0.8, cx + r * 0.8, cy + r * 0.8), outline=col, width=max(1, w // 2))
    _text(draw, (cx, cy - r * 0.25), words, r * 0.28, col, "mm")
    _text(draw, (cx, cy + r * 0.2), date, r * 0.24, col, "mm")


def _paper_sheet(size: tuple[int, int], colour, rng: np.random.Generator) -> Image.Image:
    im = Image.new("RGBA", size, _rgba(colour))
    d = ImageDraw.Draw(im)
    w, h = size
    if rng.random() < 0.6:  # a soft fold across the sheet
        y = h * rng.uniform(0.3, 0.7)
        d.line((0, y, w, y + rng.normal(0, h * 0.01)), fill=_rgba(colour, 0.93), width=max(1, w // 300))
    return im


def _draw_form(p: Prop, s: float, rng: np.random.Generator) -> Image.Image:
    w, h = round(p.size * s), round(p.size * 1.414 * s)
    paper = (0.97, 0.96, 0.92) if p.style % 2 else (0.98, 0.98, 0.99)
    im = _paper_sheet((w, h), paper, rng)
    d = ImageDraw.Draw(im)
    mm = s
    ink = _rgba((0.12, 0.12, 0.14))
    accent = _rgba([(0.1, 0.3, 0.55), (0.1, 0.4, 0.2), (0.5, 0.15, 0.15), (0.2, 0.2, 0.2)][p.style % 4])
    lines = list(p.text)
    title = lines[0] if lines else "KIMBERLEY PROCESS CERTIFICATE"
    d.rectangle((12 * mm, 10 * mm, w - 12 * mm, 24 * mm), fill=accent)
    _text(d, (w / 2, 17 * mm), title, 5.0 * mm, (250, 250, 250, 255), "mm")
    y = 32 * mm
    for line in lines[1:]:
        _text(d, (16 * mm, y), line, 3.2 * mm, ink)
        y += 7 * mm
    # the fixed body of the form: a table of fields
    rows = 6 + p.style % 4
    top = y + 4 * mm
    for r_ in range(rows + 1):
        yy = top + r_ * 9 * mm
        d.line((14 * mm, yy, w - 14 * mm, yy), fill=accent, width=max(1, round(0.3 * mm)))
    for xx in (14 * mm, w * 0.45, w * 0.7, w - 14 * mm):
        d.line((xx, top, xx, top + rows * 9 * mm), fill=accent, width=max(1, round(0.3 * mm)))
    frng = _rng("formfields", p.seed)
    for r_ in range(rows):
        yy = top + r_ * 9 * mm + 3 * mm
        _text(d, (16 * mm, yy), _word(frng, 2) + " " + _word(frng, 3).lower(), 2.6 * mm, ink)
        _text(d, (w * 0.47, yy), f"{frng.integers(1, 999)}.{frng.integers(0, 99):02d}", 2.6 * mm, ink)
    y = top + rows * 9 * mm + 10 * mm
    for _ in range(4):
        _text(d, (16 * mm, y), " ".join(_word(frng, 2).lower() for _ in range(7)), 2.4 * mm, ink)
        y += 5 * mm
    if p.style % 3 != 2:
        _barcode(d, (w - 70 * mm, h - 30 * mm, w - 16 * mm, h - 18 * mm), frng)
    sig = np.cumsum(frng.normal(0, 1.5, (14, 2)), 0) * mm + [30 * mm, h - 28 * mm]
    sig[:, 0] = np.linspace(22 * mm, 70 * mm, 14) + frng.normal(0, 2 * mm, 14)
    d.line(_poly(sig), fill=_rgba(INKS["blue"]), width=max(1, round(0.4 * mm)))
    stamp_ink = list(INKS.values())[p.style % 5]
    _stamp(d, w * 0.62, h - 40 * mm, 16 * mm, stamp_ink, "KP AUTHORITY", lines[-1][-10:] if lines else "")
    return im


def _draw_label(p: Prop, s: float, rng: np.random.Generator) -> Image.Image:
    w, h = round(p.size * s), round(p.size * 0.6 * s)
    colour = [(0.97, 0.97, 0.95), (0.98, 0.93, 0.5), (0.85, 0.93, 0.98), (0.97, 0.85, 0.88)][p.style % 4]
    im = _paper_sheet((w, h), colour, rng)
    d = ImageDraw.Draw(im)
    if p.style % 2 == 0:  # printed frame of a tag
        d.rectangle((2, 2, w - 3, h - 3), outline=_rgba((0.3, 0.3, 0.35)), width=max(1, round(0.3 * s)))
        if p.style % 4 == 0:
            d.ellipse(
                (w * 0.05, h * 0.4, w * 0.05 + 4 * s, h * 0.4 + 4 * s),
                outline=_rgba((0.5, 0.5, 0.5)),
                width=1,
            )
    ink = list(INKS.values())[(p.seed >> 3) % 3]
    lines = p.text or ("LOT",)
    hrng = _rng("hand", p.seed, lines)
    size = min(h / (len(lines) + 1) * 0.85, w / max(len(x) for x in lines) * 1.6)
    for k, line in enumerate(lines):
        _handwrite(d, (w * 0.1 + 2 * s, h * 0.15 + k * size * 1.15), line, size, ink, hrng)
    return im


def _draw_ruler(p: Prop, s: float, rng: np.random.Generator) -> Image.Image:
    w, h = round(p.size * s), round(max(p.size * 0.1, 16) * s)
    body = [(0.78, 0.79, 0.8), (0.93, 0.92, 0.85), (0.72, 0.55, 0.35), (0.85, 0.9, 0.95)][p.style % 4]
    im = Image.new("RGBA", (w, h), _rgba(body, 1.0, 235 if p.style % 4 == 3 else 255))
    d = ImageDraw.Draw(im)
    ink = _rgba((0.08, 0.08, 0.08))
    step = 1 if s >= 3 else 5
    for mmk in range(0, int(p.size) - 4, step):
        x = (mmk + 2) * s
        tick = 0.45 if mmk % 10 == 0 else (0.3 if mmk % 5 == 0 else 0.18)
        d.line((x, 0, x, h * tick), fill=ink, width=1)
        if mmk % 10 == 0 and mmk > 0:
            _text(d, (x, h * 0.62), str(mmk // 10), 3.2 * s, ink, "mm")
    d.line((0, h - 1, w, h - 1), fill=_rgba(body, 0.7), width=1)
    return im


def _draw_caliper(p: Prop, s: float, rng: np.random.Generator) -> Image.Image:
    L = p.size
    w, h = round(L * s), round(L * 0.38 * s)
    im = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    steel = _rgba((0.75, 0.76, 0.78))
    beam_y0, beam_y1 = h * 0.42, h * 0.58
    d.rectangle((0, beam_y0, w, beam_y1), fill=steel)
    for k in range(int(L / 2)):
        x = k * 2 * s
        d.line(
            (x, beam_y0, x, beam_y0 + (beam_y1 - beam_y0) * (0.5 if k % 5 == 0 else 0.3)),
            fill=(40, 40, 40, 255),
        )
    d.polygon([(0, beam_y0), (L * 0.08 * s, beam_y0), (L * 0.06 * s, h), (L * 0.03 * s, h)], fill=steel)
    slide_x = L * (0.15 + 0.25 * rng.random()) * s
    d.polygon(
        [
            (slide_x, beam_y0),
            (slide_x + L * 0.06 * s, beam_y0),
            (slide_x + L * 0.045 * s, h),
            (slide_x + L * 0.02 * s, h),
        ],
        fill=steel,
    )
    body = _rgba((0.12, 0.12, 0.13)) if p.style % 2 else _rgba((0.7, 0.71, 0.72))
    d.rounded_rectangle(
        (slide_x, h * 0.08, slide_x + L * 0.32 * s, beam_y1 + h * 0.05), radius=h * 0.06, fill=body
    )
    lcd = (slide_x + L * 0.06 * s, h * 0.14, slide_x + L * 0.24 * s, h * 0.36)
    d.rectangle(lcd, fill=_rgba((0.62, 0.66, 0.58)))
    _text(
        d,
        ((lcd[0] + lcd[2]) / 2, (lcd[1] + lcd[3]) / 2),
        p.text[0] if p.text else "0.00",
        (lcd[3] - lcd[1]) * 0.7,
        (25, 25, 25, 255),
        "mm",
    )
    return im


def _draw_scale(p: Prop, s: float, rng: np.random.Generator) -> Image.Image:
    w, h = round(p.size * s), round(p.size * 1.7 * s)
    im = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    body = [(0.1, 0.1, 0.11), (0.7, 0.71, 0.73), (0.15, 0.2, 0.35)][p.style % 3]
    d.rounded_rectangle((0, 0, w - 1, h - 1), radius=w * 0.1, fill=_rgba(body))
    pan = (w * 0.1, h * 0.06, w * 0.9, h * 0.52)
    d.rounded_rectangle(
        pan, radius=w * 0.05, fill=_rgba((0.78, 0.79, 0.8)), outline=_rgba((0.5, 0.5, 0.52)), width=1
    )
    lcd = (w * 0.12, h * 0.58, w * 0.88, h * 0.75)
    d.rectangle(lcd, fill=_rgba((0.55, 0.62, 0.55) if p.style % 2 else (0.25, 0.35, 0.5)))
    digits = p.text[0] if p.text else "0.000 ct"
    _text(
        d,
        ((lcd[0] + lcd[2]) / 2, (lcd[1] + lcd[3]) / 2),
        digits,
        (lcd[3] - lcd[1]) * 0.6,
        (20, 20, 20, 255),
        "mm",
    )
    for k in range(3):
        cx = w * (0.25 + 0.25 * k)
        d.ellipse((cx - w * 0.07, h * 0.82, cx + w * 0.07, h * 0.82 + w * 0.14), fill=_rgba(body, 1.8))
    return im


def _draw_tweezers(p: Prop, s: float, rng: np.random.Generator) -> Image.Image:
    w, h = round(p.size * s), round(p.size * 0.08 * s) + 2
    im = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    steel = _rgba((0.72, 0.73, 0.76) if p.style % 2 == 0 else (0.2, 0.2, 0.22))
    d.polygon([(0, h * 0.05), (w, h * 0.45), (w, h * 0.55), (0, h * 0.95)], fill=steel)
    d.polygon(
        [(w * 0.02, h * 0.4), (w * 0.85, h * 0.49), (w * 0.85, h * 0.51), (w * 0.02, h * 0.6)],
        fill=(0, 0, 0, 0),
    )
    d.line((w * 0.05, h * 0.15, w * 0.9, h * 0.46), fill=_rgba((0.95, 0.95, 0.97)), width=1)
    return im


def _draw_loupe(p: Prop, s: float, rng: np.random.Generator) -> Image.Image:
    r = p.size / 2 * s
    w = round(2 * r + 2)
    im = Image.new("RGBA", (round(w * (1.6 if p.style % 2 else 1.0)), w), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    if p.style % 2:  # fold-out casing
        d.rounded_rectangle(
            (r, r * 0.35, w * 1.6 - 1, w - r * 0.35), radius=r * 0.3, fill=_rgba((0.1, 0.1, 0.1))
        )
    rim = _rgba((0.08, 0.08, 0.08) if p.style % 3 else (0.72, 0.72, 0.74))
    d.ellipse((1, 1, w - 1, w - 1), fill=rim)
    d.ellipse((r * 0.25, r * 0.25, w - r * 0.25, w - r * 0.25), fill=_rgba((0.75, 0.8, 0.82), 1.0, 90))
    d.ellipse((r * 0.5, r * 0.45, r * 0.9, r * 0.75), fill=(255, 255, 255, 160))
    return im


def _draw_sieve(p: Prop, s: float, rng: np.random.Generator) -> Image.Image:
    r = p.size / 2 * s
    w = round(2 * r + 2)
    im = Image.new("RGBA", (w, w), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    d.ellipse((1, 1, w - 1, w - 1), fill=_rgba((0.7, 0.71, 0.73)))
    d.ellipse((r * 0.12, r * 0.12, w - r * 0.12, w - r * 0.12), fill=_rgba((0.25, 0.25, 0.27)))
    pitch = max((1.5 + (p.style % 4)) * s, 2.0)
    for yy in np.arange(r * 0.2, w - r * 0.2, pitch):
        for xx in np.arange(r * 0.2, w - r * 0.2, pitch):
            if (xx - r) ** 2 + (yy - r) ** 2 < (r * 0.85) ** 2:
                d.ellipse(
                    (xx - pitch * 0.3, yy - pitch * 0.3, xx + pitch * 0.3, yy + pitch * 0.3),
                    fill=(150, 150, 155, 255),
                )
    _text(d, (r, r * 0.06), f"{p.style + 5}", r * 0.08, (30, 30, 30, 255), "mm")
    return im


def _draw_parcel_paper(p: Prop, s: float, rng: np.random.Generator) -> Image.Image:
    w, h = round(p.size * s), round(p.size * 0.58 * s)
    im = Image.new("RGBA", (w, h), _rgba((0.97, 0.97, 0.98)))
    d = ImageDraw.Draw(im)
    lining = [(0.55, 0.7, 0.9), (0.3, 0.45, 0.75), (0.97, 0.97, 0.98)][p.style % 3]
    d.rectangle((0, 0, w - 1, h * 0.12), fill=_rgba(lining))
    for fx in (0.33, 0.66):
        d.line((w * fx, 0, w * fx, h), fill=_rgba((0.85, 0.85, 0.88)), width=max(1, round(0.3 * s)))
    d.line((0, h * 0.5, w, h * 0.5), fill=_rgba((0.88, 0.88, 0.9)), width=1)
    if p.text:
        _handwrite(d, (w * 0.08, h * 0.25), p.text[0], h * 0.22, INKS["black"], _rng("pp", p.seed, p.text))
        if len(p.text) > 1:
            _handwrite(
                d, (w * 0.08, h * 0.58), p.text[1], h * 0.18, INKS["blue"], _rng("pp2", p.seed, p.text)
            )
    return im


CHECKER = [
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
    (56, 61, 150),
    (70, 148, 73),
    (175, 54, 60),
    (231, 199, 31),
    (187, 86, 149),
    (8, 133, 161),
    (243, 243, 242),
    (200, 200, 200),
    (160, 160, 160),
    (122, 122, 121),
    (85, 85, 85),
    (52, 52, 52),
]


def _draw_grey_card(p: Prop, s: float, rng: np.random.Generator) -> Image.Image:
    w, h = round(p.size * s), round(p.size * 0.68 * s)
    im = Image.new("RGBA", (w, h), _rgba((0.46, 0.46, 0.46)))
    d = ImageDraw.Draw(im)
    if p.style % 2:  # colour chart
        d.rectangle((0, 0, w - 1, h - 1), fill=(20, 20, 20, 255))
        pw, ph = w / 6, h / 4
        for k, c in enumerate(CHECKER):
            i, j = k % 6, k // 6
            d.rectangle(
                (i * pw + pw * 0.1, j * ph + ph * 0.1, (i + 1) * pw - pw * 0.1, (j + 1) * ph - ph * 0.1),
                fill=c,
            )
    return im


def _draw_code_label(p: Prop, s: float, rng: np.random.Generator) -> Image.Image:
    if p.kind == "qr":
        w = h = round(p.size * s)
    else:
        w, h = round(p.size * s), round(p.size * 0.5 * s)
    im = Image.new("RGBA", (w, h), _rgba((0.98, 0.98, 0.97)))
    d = ImageDraw.Draw(im)
    crng = _rng("code", p.seed, p.text)
    if p.kind == "qr":
        _qr(d, w * 0.08, h * 0.08, w * 0.84, crng)
    else:
        _barcode(d, (w * 0.08, h * 0.1, w * 0.92, h * 0.68), crng)
        _text(d, (w / 2, h * 0.84), p.text[0] if p.text else "0000000000", h * 0.16, (20, 20, 20, 255), "mm")
    return im


def _draw_pen(p: Prop, s: float, rng: np.random.Generator) -> Image.Image:
    w, h = round(p.size * s), max(3, round(9 * s))
    im = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    colour = [(0.1, 0.2, 0.6), (0.1, 0.1, 0.1), (0.85, 0.85, 0.87), (0.7, 0.1, 0.1)][p.style % 4]
    d.rounded_rectangle((h * 0.8, 0, w - 1, h - 1), radius=h / 2, fill=_rgba(colour))
    d.polygon([(0, h / 2), (h * 0.8, 0), (h * 0.8, h - 1)], fill=_rgba((0.8, 0.8, 0.82)))
    d.line((h, h * 0.3, w - h, h * 0.3), fill=_rgba(colour, 1.8), width=max(1, h // 6))
    return im


PROP_DRAWERS = {
    "form": _draw_form,
    "label": _draw_label,
    "ruler": _draw_ruler,
    "caliper": _draw_caliper,
    "scale": _draw_scale,
    "tweezers": _draw_tweezers,
    "loupe": _draw_loupe,
    "sieve": _draw_sieve,
    "parcel_paper": _draw_parcel_paper,
    "grey_card": _draw_grey_card,
    "barcode": _draw_code_label,
    "qr": _draw_code_label,
    "pen": _draw_pen,
}


def _place_props(
    img: Image.Image,
    props: tuple[Prop, ...],
    rv: View,
    shadow: Image.Image,
    q: float,
    shadow_vec: tuple[float, float],
) -> None:
    """Draw each prop upright, then map only its visible part into the frame with one affine transform."""
    s = rv.scale
    w, h = img.size
    for p in props:
        cx, cy = (p.x - rv.x0) * s, (p.y - rv.y0) * s
        reach = p.size * (1.0 if p.kind == "form" else 0.9) * s
        if cx + reach < 0 or cy + reach < 0 or cx - reach > w or cy - reach > h:
            continue
        area = p.size * p.size * (1.5 if p.kind == "form" else 0.7)
        sp = min(s, math.sqrt(1.5e6 / area))  # cap the prop's own resolution
        im = PROP_DRAWERS[p.kind](p, sp, _rng("prop", p.seed, p.kind))
        k = sp / s
        th = math.radians(p.angle)
        co, si = math.cos(th), math.sin(th)
        hw, hh = im.width / k / 2, im.height / k / 2
        ex, ey = abs(co) * hw + abs(si) * hh, abs(si) * hw + abs(co) * hh
        bx0, by0 = max(0, math.floor(cx - ex)), max(0, math.floor(cy - ey))
        bx1, by1 = min(w, math.ceil(cx + ex)), min(h, math.ceil(cy + ey))
        if bx1 - bx0 < 1 or by1 - by0 < 1:
            continue
        ox, oy = bx0 - cx + 0.5, by0 - cy + 0.5
        coeffs = (
            k * co,
            -k * si,
            k * (ox * co - oy * si) + im.width / 2,
            k * si,
            k * co,
            k * (ox * si + oy * co) + im.height / 2,
        )
        part = im.transform((bx1 - bx0, by1 - by0), Image.AFFINE, coeffs, Image.BILINEAR)
        alpha = part.getchannel("A")
        lift = PROP_HEIGHT[p.kind]
        sw, sh = max(1, round(part.width * q)), max(1, round(part.height * q))
        sx = round((bx0 + shadow_vec[0] * lift * s) * q)
        sy = round((by0 + shadow_vec[1] * lift * s) * q)
        strength = min(230, 60 + 12 * lift)
        shadow.paste(int(strength), (sx, sy, sx + sw, sy + sh), alpha.resize((sw, sh), Image.BILINEAR))
        img.paste(part, (bx0, by0), alpha)


# ---------------------------------------------------------------------------
# Light and camera
# ---------------------------------------------------------------------------


def _light_vectors(light: Light, view: View) -> tuple[tuple[float, float, float], tuple[float, float]]:
    """Direction towards the lamp at the frame centre, and shadow offset per mm of object height."""
    if light.kind in ("ring", "lightbox", "fluorescent"):
        dx, dy, dz = (light.x - view.cx) * 0.2, (light.y - view.cy) * 0.2, light.height
    else:
        dx, dy, dz = light.x - view.cx, light.y - view.cy, light.height
    n = math.sqrt(dx * dx + dy * dy + dz * dz)
    ldir = (dx / n, dy / n, dz / n)
    return ldir, (-ldir[0] / max(ldir[2], 0.25) * 0.5, -ldir[1] / max(ldir[2], 0.25) * 0.5)


def _illumination(sc: Scene, rv: View, shadow: Image.Image, q: float, phase: float) -> Image.Image:
    light, cam = sc.light, sc.camera
    qw, qh = shadow.size
    xs = rv.x0 + (np.arange(qw) + 0.5) / (rv.scale * q)
    ys = rv.y0 + (np.arange(qh) + 0.5) / (rv.scale * q)
    dx = xs[None, :] - light.x
    dy = ys[:, None] - light.y
    hgt = light.height
    if light.kind == "window":
        ux, uy = light.x - sc.view.cx, light.y - sc.view.cy
        n = math.hypot(ux, uy) or 1.0
        along = ((xs[None, :] - sc.view.cx) * ux + (ys[:, None] - sc.view.cy) * uy) / n
        field = 0.75 + 0.25 * np.tanh(along / (hgt * 0.6))
    else:
        field = hgt**3 / (hgt * hgt + dx * dx + dy * dy) ** 1.5
    field = field / max(float(field.max()), 1e-6)
    field = light.ambient + (1 - light.ambient) * field
    if light.flicker > 0:
        rows = np.arange(qh) / qh
        field = (
            field
            * (1 - light.flicker * (0.5 + 0.5 * np.sin(2 * np.pi * rows / light.flicker_period + phase)))[
                :, None
            ]
        )
    # vignetting in image coordinates
    u = (np.arange(qw) + 0.5) / qw - 0.5
    v = ((np.arange(qh) + 0.5) / qh - 0.5) * (qh / qw)
    r2 = (u[None, :] ** 2 + v[:, None] ** 2) / (0.25 + 0.25 * (qh / qw) ** 2)
    field = field * (1 - cam.vignette * r2**1.3)
    blur = max(0.5, light.softness * rv.scale * q)
    sh = np.asarray(shadow.filter(ImageFilter.GaussianBlur(blur)), np.float32) / 255.0
    field = field * (1 - light.shadow * sh)
    tint = np.array(light.tint, np.float32) / max(light.tint)
    rgb = field[..., None] * tint
    if cam.chroma_noise > 0:  # blotchy colour noise of small sensors
        rgb = rgb * (1 + _rng("chroma", *sc.key).normal(0, cam.chroma_noise / 180, rgb.shape)).astype(
            np.float32
        )
    small = Image.fromarray(np.clip(rgb * 255, 0, 255).astype(np.uint8), "RGB")
    return small.resize((rv.width, rv.height), Image.BILINEAR)


def _tone_lut(cam: Camera, auto_gain: float = 1.0) -> list[int]:
    lut: list[int] = []
    for c in range(3):
        x = np.arange(256) / 255.0 * cam.exposure * auto_gain * cam.wb[c]
        y = np.clip(x, 0, 1) ** (1 / cam.gamma)
        y = np.clip(0.5 + (y - 0.5) * cam.contrast, 0, 1)
        y = np.where(x > 1, 1 - (1 - y) * np.exp(-(x - 1) * 2), y)  # soft shoulder for highlights
        lut.extend(np.clip(np.round(y * 255), 0, 255).astype(int).tolist())
    return lut


def _camera(
    img: Image.Image, cam: Camera, out_size: tuple[int, int], rng: np.random.Generator
) -> Image.Image:
    mean = float(np.asarray(img.convert("L").resize((32, 24), Image.BILINEAR)).mean())
    auto_gain = float(np.clip((100.0 / max(mean, 1.0)) ** 0.35, 0.8, 1.9))  # auto exposure, partly
    img = img.point(_tone_lut(cam, auto_gain))
    if abs(cam.saturation - 1) > 0.02:
        img = ImageEnhance.Color(img).enhance(cam.saturation)
    if cam.hdr > 0:  # local tone mapping of phones: lift shadows, tame highlights
        qw, qh = max(8, img.width // 8), max(8, img.height // 8)
        lum = np.asarray(
            img.convert("L").resize((qw, qh), Image.BILINEAR).filter(ImageFilter.GaussianBlur(3)), np.float32
        )
        gain = np.clip(((lum + 12) / (float(lum.mean()) + 12)) ** (-cam.hdr), 0.6, 1.9)
        gain_img = Image.fromarray(gain.astype(np.float32), "F").resize(img.size, Image.BILINEAR)
        arr = np.asarray(img, np.float32) * np.asarray(gain_img)[..., None]
        img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    w, h = img.size
    a = max(1, round(cam.noise))
    arr = np.asarray(img, np.int16)
    luma = rng.integers(-a, a + 1, (h, w), dtype=np.int16) + rng.integers(-a, a + 1, (h, w), dtype=np.int16)
    arr = arr + (luma // 2)[..., None]
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    if cam.sharpen > 0:
        k = cam.sharpen
        img = img.filter(ImageFilter.Kernel((3, 3), [0, -k, 0, -k, 1 + 4 * k, -k, 0, -k, 0], 1))
    if img.size != out_size:
        img = img.resize(out_size, Image.BILINEAR)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=cam.jpeg_q, subsampling=0 if cam.jpeg_q >= 92 else 2)
    buf.seek(0)
    return Image.open(buf).convert("RGB")


def _render(sc: Scene, post=None) -> Image.Image:
    cam = sc.camera
    out_size = (sc.view.width, sc.view.height)
    rs = min(cam.render_scale, math.sqrt(1.0e6 / (sc.view.width * sc.view.height)))
    wr = max(64, round(sc.view.width * rs))
    hr = max(64, round(sc.view.height * rs))
    rv = replace(sc.view, width=wr, height=hr)
    img = _surface_image(sc.base, sc.top, sc.dust_seed, rv)
    if sc.defocus > 0:
        img = img.filter(ImageFilter.GaussianBlur(sc.defocus * rs))
    q = 0.25
    shadow = Image.new("L", (max(2, round(wr * q)), max(2, round(hr * q))), 0)
    ldir, svec = _light_vectors(sc.light, sc.view)
    _place_props(img, sc.props, rv, shadow, q, svec)
    stones = _lot_stones(sc.lot)
    _draw_stones(img, stones, rv, ldir, ImageDraw.Draw(shadow), q, svec, sc.light.kind == "lightbox")
    rng = _rng("exposure", *sc.key)
    illum = _illumination(sc, rv, shadow, q, float(rng.uniform(0, 2 * np.pi)))
    img = ImageChops.multiply(img, illum)
    if post is not None:  # e.g. a plastic bag over the parcel, seen by the same camera
        img = post(img, rv)
    return _camera(img, cam, out_size, rng)


# ---------------------------------------------------------------------------
# The world: offices (set-ups), sessions (one tripod position, one day), lots
# ---------------------------------------------------------------------------

SETUPS = {  # weight, description
    "velvet_black": 12,
    "velvet_blue": 10,
    "sorting_paper": 12,
    "grey_felt": 8,
    "tray": 9,
    "sieve_plate": 6,
    "cutting_mat": 8,
    "lightbox": 5,
    "cloth": 6,
    "mesh": 4,
    "steel": 5,
    "wood": 6,
    "glass": 5,
    "graph": 4,
}
LAYOUTS = ("heap", "scatter", "rows", "grid", "groups", "ring", "line")
PROP_POOL = {
    "label": 0.85,
    "form": 0.45,
    "ruler": 0.4,
    "scale": 0.35,
    "tweezers": 0.45,
    "loupe": 0.3,
    "caliper": 0.2,
    "parcel_paper": 0.45,
    "grey_card": 0.2,
    "barcode": 0.25,
    "qr": 0.15,
    "sieve": 0.12,
    "pen": 0.25,
}
PROP_SIZES = {  # mm (main dimension) range
    "label": (35, 60),
    "form": (190, 215),
    "ruler": (150, 300),
    "scale": (55, 75),
    "tweezers": (120, 165),
    "loupe": (25, 40),
    "caliper": (150, 220),
    "parcel_paper": (80, 120),
    "grey_card": (80, 130),
    "barcode": (45, 70),
    "qr": (25, 40),
    "sieve": (90, 200),
    "pen": (130, 150),
}


@dataclass(frozen=True)
class Office:
    key: tuple
    setup: str
    base: Material
    top: Material | None
    light_kind: str
    tint: tuple[float, float, float]
    cameras: tuple[str, ...]
    prop_pool: tuple[str, ...]
    style: int
    authority: str
    code: str
    colours: tuple[tuple[str, float], ...]
    shapes: tuple[tuple[str, float], ...]
    glassy: float
    size_median: float
    size_sigma: float
    layouts: tuple[tuple[str, float], ...]
    frame_mm: tuple[float, float]


@dataclass(frozen=True)
class Session:
    key: tuple
    office: Office
    camera: Camera
    view: View
    light: Light
    props: tuple[Prop, ...]
    region: tuple[float, float, float, float]
    dust_seed: int
    date: str
    layout: str
    lot_base: int


def _c(rng: np.random.Generator, base, spread: float = 0.04) -> tuple[float, float, float]:
    v = np.array(base) * rng.uniform(1 - spread, 1 + spread) * (1 + rng.normal(0, spread / 2, 3))
    v = np.clip(v, 0.005, 1.0)
    return (float(v[0]), float(v[1]), float(v[2]))


def _desk(rng: np.random.Generator, seed: int) -> Material:
    kind = _pick(rng, {"wood": 5, "steel": 2, "felt": 2})
    if kind == "wood":
        tone = _pick(rng, {"light": 1, "mid": 1, "dark": 1})
        c1 = {"light": (0.75, 0.58, 0.38), "mid": (0.55, 0.36, 0.2), "dark": (0.3, 0.18, 0.1)}[tone]
        return Material("wood", _c(rng, c1), _c(rng, np.array(c1) * 0.6), float(rng.uniform(2, 7)), seed)
    if kind == "steel":
        return Material("steel", _c(rng, (0.62, 0.63, 0.65)), (0, 0, 0), 1.0, seed)
    return Material("felt", _c(rng, (0.3, 0.3, 0.32)), (0, 0, 0), 1.0, seed)


def _make_office(ns: str, seed: int, j: int) -> Office:
    rng = _rng(ns, "office", seed, j)
    mseed = _seed(ns, "material", seed, j)
    setup = _pick(rng, SETUPS)
    top: Material | None = None
    top_size = None
    if setup == "velvet_black":
        base = Material("velvet", _c(rng, (0.025, 0.025, 0.03), 0.2), (0, 0, 0), 1.0, mseed)
    elif setup == "velvet_blue":
        base = _desk(rng, mseed + 1)
        navy = (0.03, 0.05, 0.16) if rng.random() < 0.6 else (0.05, 0.1, 0.35)
        top_size = (rng.uniform(300, 450), rng.uniform(220, 330))
        top = Material("velvet", _c(rng, navy, 0.15), (0, 0, 0), 1.0, mseed)
    elif setup in ("sorting_paper", "graph"):
        base = _desk(rng, mseed + 1)
        top_size = (420.0, 297.0) if rng.random() < 0.6 else (297.0, 210.0)
        if setup == "graph":
            ink = [(0.35, 0.65, 0.55), (0.85, 0.55, 0.3), (0.4, 0.55, 0.85)][int(rng.integers(3))]
            top = Material("graph", _c(rng, (0.95, 0.95, 0.92), 0.02), ink, 1.0, mseed)
        else:
            top = Material("paper", _c(rng, (0.93, 0.93, 0.91), 0.03), (0, 0, 0), 1.0, mseed)
    elif setup == "grey_felt":
        base = Material("felt", _c(rng, (0.45, 0.45, 0.47), 0.15), (0, 0, 0), 1.0, mseed)
    elif setup == "tray":
        base = _desk(rng, mseed + 1)
        colour = [(0.92, 0.92, 0.93), (0.12, 0.12, 0.13), (0.2, 0.3, 0.6), (0.8, 0.82, 0.85)][
            int(rng.integers(4))
        ]
        pitch = float(rng.choice([10.0, 12.0, 15.0, 20.0, 25.0]))
        top_size = (pitch * int(rng.integers(10, 18)), pitch * int(rng.integers(7, 13)))
        top = Material(
            "tray", _c(rng, colour, 0.03), _c(rng, np.array(colour) * 1.15 + 0.03, 0.02), pitch, mseed
        )
    elif setup == "sieve_plate":
        base = _desk(rng, mseed + 1)
        top_size = (rng.uniform(250, 350), rng.uniform(200, 280))
        top = Material(
            "sieve",
            _c(rng, (0.66, 0.67, 0.69), 0.05),
            (0.07, 0.07, 0.08),
            float(rng.uniform(2.0, 5.0)),
            mseed,
        )
    elif setup == "cutting_mat":
        colour = [(0.1, 0.35, 0.25), (0.12, 0.13, 0.15), (0.12, 0.25, 0.5), (0.55, 0.58, 0.6)][
            int(rng.integers(4))
        ]
        base = Material("mat", _c(rng, colour, 0.05), _c(rng, (0.85, 0.88, 0.8), 0.03), 10.0, mseed)
    elif setup == "lightbox":
        base = _desk(rng, mseed + 1)
        top_size = (rng.uniform(280, 360), rng.uniform(200, 260))
        top = Material("lightbox", _c(rng, (0.98, 0.98, 0.99), 0.01), (0, 0, 0), 1.0, mseed)
    elif setup == "cloth":
        colour = [(0.55, 0.5, 0.42), (0.2, 0.22, 0.3), (0.6, 0.6, 0.6), (0.35, 0.15, 0.12), (0.9, 0.9, 0.88)]
        c1 = _c(rng, colour[int(rng.integers(len(colour)))], 0.05)
        base = Material("cloth", c1, _c(rng, np.array(c1) * 0.85, 0.03), float(rng.uniform(0.5, 1.6)), mseed)
    elif setup == "mesh":
        base = _desk(rng, mseed + 1)
        top_size = (rng.uniform(250, 350), rng.uniform(250, 350))
        top = Material(
            "mesh", _c(rng, (0.72, 0.72, 0.74), 0.05), (0.05, 0.05, 0.05), float(rng.uniform(0.9, 2.5)), mseed
        )
    elif setup == "steel":
        base = Material("steel", _c(rng, (0.64, 0.65, 0.67), 0.05), (0, 0, 0), 1.0, mseed)
    elif setup == "wood":
        base = _desk(rng, mseed)
        if base.kind != "wood":
            base = Material(
                "wood", _c(rng, (0.55, 0.36, 0.2)), _c(rng, (0.33, 0.2, 0.1)), float(rng.uniform(2, 7)), mseed
            )
    else:  # glass over paper
        tint = (0.86, 0.92, 0.9) if rng.random() < 0.7 else (0.85, 0.86, 0.9)
        base = Material("glass", _c(rng, tint, 0.02), (0, 0, 0), 1.0, mseed)
    if top is not None and top_size is not None:
        w, h = top_size
        ox, oy = rng.normal(0, 10, 2)
        top = replace(
            top, extent=(float(ox - w / 2), float(oy - h / 2), float(ox + w / 2), float(oy + h / 2))
        )
    light_kind = (
        "lightbox"
        if setup == "lightbox"
        else _pick(rng, {"desk": 4, "ring": 2, "window": 2, "fluorescent": 2})
    )
    tint = {
        "desk": (1.0, 0.86, 0.66) if rng.random() < 0.5 else (1.0, 0.95, 0.88),
        "ring": (0.98, 1.0, 1.02),
        "window": (0.9, 0.97, 1.06),
        "fluorescent": (0.95, 1.02, 0.9),
        "lightbox": (1.0, 1.0, 1.0),
    }[light_kind]
    cameras = tuple(_pick(rng, {"dslr": 3, "phone": 5, "compact": 2, "webcam": 1}) for _ in range(2))
    pool = tuple(k for k, p in PROP_POOL.items() if rng.random() < p) or ("label",)
    colours = {
        "colourless": rng.uniform(0.5, 3),
        "white": rng.uniform(0.2, 1.5),
        "cape": rng.uniform(0.2, 2),
        "yellow": rng.uniform(0.0, 0.6),
        "brown": rng.uniform(0.1, 1.5),
        "dark_brown": rng.uniform(0.0, 0.5),
        "grey": rng.uniform(0.1, 1.0),
        "green_skin": rng.uniform(0.0, 0.25),
    }
    shapes = {
        "octahedron": rng.uniform(0.5, 3),
        "dodecahedron": rng.uniform(0.3, 2),
        "macle": rng.uniform(0.1, 0.8),
        "cube": rng.uniform(0.0, 0.4),
        "irregular": rng.uniform(0.5, 3),
        "boart": rng.uniform(0.0, 0.4),
    }
    favourite = LAYOUTS[int(rng.integers(len(LAYOUTS)))]
    layouts = {name: (3.0 if name == favourite else rng.uniform(0.2, 1.0)) for name in LAYOUTS}
    if setup == "tray":
        layouts["cells"] = 6.0
    return Office(
        key=(ns, seed, j),
        setup=setup,
        base=base,
        top=top,
        light_kind=light_kind,
        tint=tint,
        cameras=cameras,
        prop_pool=pool,
        style=int(rng.integers(0, 1000)),
        authority=f"{_word(rng, 2).upper()} DIAMOND {_pick(rng, {'OFFICE': 1, 'VALUATOR': 1, 'UNIT': 1})}",
        code="".join(chr(65 + int(x)) for x in rng.integers(0, 26, 2)),
        colours=tuple((k, float(v)) for k, v in colours.items()),
        shapes=tuple((k, float(v)) for k, v in shapes.items()),
        glassy=float(rng.uniform(0.2, 0.8)),
        size_median=float(np.exp(rng.uniform(np.log(2.5), np.log(9.0)))),
        size_sigma=float(rng.uniform(0.15, 0.5)),
        layouts=tuple((k, float(v)) for k, v in layouts.items()),
        frame_mm=(float(rng.uniform(60, 100)), float(rng.uniform(100, 220))),
    )


def _make_camera(device: str, rng: np.random.Generator, tint: tuple[float, float, float]) -> Camera:
    temp, green = (
        rng.normal(0, 0.045),
        rng.normal(0, 0.015),
    )  # white balance errors: amber-blue, green-magenta
    wb_error = (temp, green, -temp)
    k = rng.uniform(0.6, 1.0)  # how well the auto white balance corrects the lamp colour
    wb = tuple(
        float(np.clip((tint[1] / t) ** k * (1 + e), 0.7, 1.4)) for t, e in zip(tint, wb_error, strict=True)
    )
    common = {"wb": wb, "gamma": float(rng.uniform(0.9, 1.12)), "exposure": float(rng.uniform(1.12, 1.45))}
    if device == "dslr":
        return Camera(
            device,
            float(rng.uniform(0.8, 0.95)),
            float(rng.uniform(1.5, 3)),
            0.6,
            float(rng.uniform(0, 0.15)),
            0.0,
            int(rng.integers(88, 97)),
            contrast=float(rng.uniform(1.0, 1.15)),
            vignette=float(rng.uniform(0.08, 0.3)),
            saturation=float(rng.uniform(1.0, 1.1)),
            **common,
        )
    if device == "phone":
        return Camera(
            device,
            float(rng.uniform(0.72, 0.9)),
            float(rng.uniform(2, 4.5)),
            float(rng.uniform(1, 3)),
            float(rng.uniform(0.15, 0.6)),
            float(rng.uniform(0.2, 0.5)) if rng.random() < 0.45 else 0.0,
            int(rng.integers(80, 93)),
            contrast=float(rng.uniform(1.02, 1.2)),
            vignette=float(rng.uniform(0.05, 0.25)),
            saturation=float(rng.uniform(1.03, 1.15)),
            **common,
        )
    if device == "compact":
        return Camera(
            device,
            float(rng.uniform(0.62, 0.8)),
            float(rng.uniform(3, 5.5)),
            float(rng.uniform(2, 4)),
            0.12,
            0.0,
            int(rng.integers(72, 88)),
            contrast=float(rng.uniform(0.95, 1.1)),
            vignette=float(rng.uniform(0.25, 0.5)),
            saturation=float(rng.uniform(0.95, 1.1)),
            **common,
        )
    return Camera(  # webcam / document camera
        device,
        float(rng.uniform(0.55, 0.7)),
        float(rng.uniform(4, 7)),
        float(rng.uniform(2, 5)),
        0.05,
        0.0,
        int(rng.integers(65, 82)),
        contrast=float(rng.uniform(0.9, 1.05)),
        vignette=float(rng.uniform(0.2, 0.45)),
        saturation=float(rng.uniform(0.85, 1.0)),
        **common,
    )


def _make_size(device: str, rng: np.random.Generator) -> tuple[int, int]:
    aspect = {"dslr": 1.5, "phone": 4 / 3, "compact": 4 / 3, "webcam": 16 / 9}[device]
    if device == "phone" and rng.random() < 0.2:
        aspect = 16 / 9
    if rng.random() < 0.08:
        aspect = 1.0
    portrait = rng.random() < (0.35 if device == "phone" else 0.15)
    long_side = int(
        rng.choice([800, 1024, 1200, 1280, 1600, 1920, 2000], p=[0.18, 0.24, 0.16, 0.18, 0.12, 0.08, 0.04])
    )
    short = round(long_side / aspect)
    if portrait:
        w, h = short, long_side
        if w < 640:
            w, h = 640, round(640 * aspect)
    else:
        w, h = long_side, short
    return int(w), int(h)


def _prop_dims(kind: str, size: float) -> tuple[float, float]:
    ratio = {
        "form": 1.414,
        "label": 0.6,
        "ruler": 0.1,
        "caliper": 0.38,
        "scale": 1.7,
        "tweezers": 0.08,
        "loupe": 1.0,
        "sieve": 1.0,
        "parcel_paper": 0.58,
        "grey_card": 0.68,
        "barcode": 0.5,
        "qr": 1.0,
        "pen": 0.065,
    }[kind]
    return size, max(size * ratio, 16.0 if kind == "ruler" else 0.0)


def _place_session_props(office: Office, view: View, rng: np.random.Generator, seed: int):
    """Props in bands along one or two frame sides; returns props and the free stone region."""
    x0, y0 = view.x0, view.y0
    x1, y1 = x0 + view.mm_w, y0 + view.mm_h
    sides = list(rng.permutation(["left", "right", "top", "bottom"])[: int(rng.integers(1, 3))])
    bands = {side: float(rng.uniform(0.2, 0.3)) for side in sides}
    kinds = [k for k in office.prop_pool if k != "label" and rng.random() < 0.55]
    rng.shuffle(kinds)
    kinds = kinds[: int(rng.integers(0, 4))]
    if "label" in office.prop_pool or not kinds:
        kinds = ["label", *kinds]
    props = []
    for n, kind in enumerate(kinds):
        side = sides[n % len(sides)]
        size = float(rng.uniform(*PROP_SIZES[kind]))
        horizontal = side in ("top", "bottom")
        depth = bands[side] * (view.mm_h if horizontal else view.mm_w)
        along = float(rng.uniform(0.15, 0.85))
        long_thin = kind in ("ruler", "tweezers", "pen", "caliper")
        angle = float(rng.normal(0, 4))
        if long_thin and not horizontal:
            angle += 90
        elif not long_thin and rng.random() < 0.3:
            angle += float(rng.choice([-90, 90, 180]))
        pw, ph = _prop_dims(kind, size)
        th = math.radians(angle)
        if horizontal:
            extent = (abs(math.sin(th)) * pw + abs(math.cos(th)) * ph) / 2
        else:
            extent = (abs(math.cos(th)) * pw + abs(math.sin(th)) * ph) / 2
        inset = depth * float(rng.uniform(0.8, 0.95)) - extent  # inner edge of the prop inside the band
        px = x0 + along * view.mm_w if horizontal else (x0 + inset if side == "left" else x1 - inset)
        py = (y0 + inset if side == "top" else y1 - inset) if horizontal else y0 + along * view.mm_h
        props.append(
            Prop(kind, float(px), float(py), angle, size, _seed("prop", seed, n), int(rng.integers(0, 12)))
        )
    margin = 0.05
    rx0 = x0 + view.mm_w * (bands.get("left", 0) + margin)
    rx1 = x1 - view.mm_w * (bands.get("right", 0) + margin)
    ry0 = y0 + view.mm_h * (bands.get("top", 0) + margin)
    ry1 = y1 - view.mm_h * (bands.get("bottom", 0) + margin)
    return tuple(props), (float(rx0), float(ry0), float(rx1), float(ry1))


def _make_light(kind: str, view: View, tint, rng: np.random.Generator) -> Light:
    ang = rng.uniform(0, 2 * np.pi)
    if kind == "desk":
        dist = rng.uniform(120, 350)
        return Light(
            kind,
            float(view.cx + dist * math.cos(ang)),
            float(view.cy + dist * math.sin(ang)),
            float(rng.uniform(200, 420)),
            float(rng.uniform(0.25, 0.5)),
            tint,
            0.0,
            1.0,
            float(rng.uniform(0.35, 0.6)),
            float(rng.uniform(0.8, 3)),
        )
    if kind == "ring":
        return Light(
            kind,
            float(view.cx),
            float(view.cy),
            float(rng.uniform(250, 500)),
            float(rng.uniform(0.5, 0.7)),
            tint,
            0.0,
            1.0,
            0.18,
            2.5,
        )
    if kind == "window":
        return Light(
            kind,
            float(view.cx + 900 * math.cos(ang)),
            float(view.cy + 900 * math.sin(ang)),
            float(rng.uniform(300, 700)),
            float(rng.uniform(0.3, 0.5)),
            tint,
            0.0,
            1.0,
            0.3,
            float(rng.uniform(4, 10)),
        )
    if kind == "fluorescent":
        flicker = float(rng.uniform(0.03, 0.12)) if rng.random() < 0.6 else 0.0
        return Light(
            kind,
            float(view.cx + rng.normal(0, 200)),
            float(view.cy + rng.normal(0, 200)),
            1400.0,
            float(rng.uniform(0.55, 0.7)),
            tint,
            flicker,
            float(rng.uniform(0.08, 0.35)),
            0.22,
            6.0,
        )
    return Light("lightbox", float(view.cx), float(view.cy), 2000.0, 0.95, tint, 0.0, 1.0, 0.05, 2.0)


@lru_cache(maxsize=512)
def _make_session(office: Office, key: tuple) -> Session:
    rng = _rng("session", *key)
    device = office.cameras[0] if rng.random() < 0.75 else office.cameras[1]
    camera = _make_camera(device, rng, office.tint)
    w, h = _make_size(device, rng)
    view = _frame(office, w, h, rng)
    props, region = _place_session_props(office, view, rng, _seed("props", *key))
    if office.top is not None and office.top.kind == "tray":  # snap the stone region to whole tray cells
        p = office.top.pitch
        tx0, ty0, tx1, ty1 = office.top.extent
        rx0 = tx0 + math.ceil((max(region[0], tx0) - tx0) / p) * p
        ry0 = ty0 + math.ceil((max(region[1], ty0) - ty0) / p) * p
        rx1 = tx0 + math.floor((min(region[2], tx1) - tx0) / p) * p
        ry1 = ty0 + math.floor((min(region[3], ty1) - ty0) / p) * p
        if rx1 - rx0 >= 2 * p and ry1 - ry0 >= 2 * p:
            region = (rx0, ry0, rx1, ry1)
    light = _make_light(office.light_kind, view, office.tint, rng)
    date = f"{int(rng.integers(2019, 2026))}-{int(rng.integers(1, 13)):02d}-{int(rng.integers(1, 29)):02d}"
    layout = _pick(rng, dict(office.layouts))
    return Session(
        key,
        office,
        camera,
        view,
        light,
        props,
        region,
        _seed("dust", *key),
        date,
        layout,
        int(rng.integers(1, 9000)),
    )


def _frame(office: Office, w: int, h: int, rng: np.random.Generator) -> View:
    if office.top is not None and office.top.extent is not None:
        x0, y0, x1, y1 = office.top.extent
        tw, th = x1 - x0, y1 - y0
        mm_w = float(np.clip(tw * rng.uniform(0.3, 0.7), 60, 260))
        if mm_w * h / w > th * 1.05:
            mm_w = th * 1.05 * w / h
        slack_x, slack_y = max(tw - mm_w, 0) / 2 + 15, max(th - mm_w * h / w, 0) / 2 + 15
        cx = (x0 + x1) / 2 + rng.uniform(-slack_x, slack_x) * 0.8
        cy = (y0 + y1) / 2 + rng.uniform(-slack_y, slack_y) * 0.8
        return View(w, h, float(cx), float(cy), float(mm_w))
    mm_w = float(rng.uniform(*office.frame_mm))
    if h > w:
        mm_w *= w / h
    return View(w, h, float(rng.normal(0, 40)), float(rng.normal(0, 40)), mm_w)


COUNT_BUCKETS = ((1, 1, 0.05), (2, 5, 0.09), (6, 20, 0.25), (21, 60, 0.27), (61, 150, 0.2), (151, 400, 0.14))


def _make_lot(
    sess: Session,
    key: tuple,
    number: int,
    count: int | None = None,
    layout: str | None = None,
    size_median: float | None = None,
) -> Lot:
    rng = _rng("lot", *key)
    office = sess.office
    if count is None:
        b = int(rng.choice(len(COUNT_BUCKETS), p=[w for *_, w in COUNT_BUCKETS]))
        count = int(rng.integers(COUNT_BUCKETS[b][0], COUNT_BUCKETS[b][1] + 1))
    if layout is None:
        layout = sess.layout if rng.random() < 0.7 else _pick(rng, dict(office.layouts))
    tray = office.top is not None and office.top.kind == "tray"
    region = sess.region
    rw, rh = region[2] - region[0], region[3] - region[1]
    pitch = office.top.pitch if tray and office.top is not None else 0.0
    if layout == "cells" and not tray:
        layout = "grid"
    if layout == "cells":
        count = min(count, max(1, int(rw // pitch) * int(rh // pitch)))
    if layout == "line" and count > 30:
        layout = "rows"
    if layout == "ring" and count > 60:
        layout = "heap"
    if count == 1:
        layout = "single"
    if size_median is None:
        size_median = office.size_median * float(np.exp(rng.normal(0, 0.3))) * (count / 20) ** -0.22
        if layout == "cells":
            size_median = min(size_median, pitch * 0.45)
        # make the parcel fit its region
        fill = 0.5 if layout in ("heap", "groups") else 0.25
        max_med = math.sqrt(fill * rw * rh / (count * 1.3))
        if layout == "line":
            max_med = min(max_med, rw / (count * 1.7))
        elif layout == "ring":
            max_med = min(max_med, math.pi * 0.38 * (rw + rh) / (count * 1.6))
        size_median = float(np.clip(size_median, 0.6, min(max_med, 22.0)))
    colours = dict(office.colours)
    if rng.random() < 0.3:  # a sorted parcel: one colour class dominates
        main = _pick(rng, colours)
        colours = {k: (v * 0.05 if k != main else 1.0) for k, v in colours.items()}
    colours = {k: max(1e-3, v * float(rng.uniform(0.6, 1.4))) for k, v in colours.items()}
    year = sess.date[2:4]
    return Lot(
        seed=_seed("lot-stones", *key),
        count=count,
        layout=layout,
        size_median=float(size_median),
        size_sigma=float(np.clip(office.size_sigma * rng.uniform(0.7, 1.3), 0.08, 0.7)),
        colours=tuple(colours.items()),
        shapes=office.shapes,
        glassy=float(np.clip(office.glassy + rng.normal(0, 0.1), 0.05, 0.95)),
        region=region,
        number=f"{office.code}{year}-{number:04d}",
        pitch=pitch,
    )


@lru_cache(maxsize=256)
def _cached_stones(lot: Lot) -> tuple[Stone, ...]:
    return tuple(_lot_stones(lot))


def _dress_props(sess: Session, lot: Lot, props: tuple[Prop, ...] | None = None) -> tuple[Prop, ...]:
    """Fill the lot-specific writing (lot number, carats, counts) into the session's props."""
    stones = _cached_stones(lot)
    carats = sum(0.0065 * st.d**3 for st in stones)
    biggest = max(st.d for st in stones)
    office = sess.office
    out = []
    for p in sess.props if props is None else props:
        rng = _rng("text", p.seed, lot.number)
        if p.kind == "label":
            options = [
                (f"LOT {lot.number}", f"{carats:.2f} ct"),
                (lot.number,),
                (lot.number, f"{len(stones)} pcs"),
            ]
            text = options[p.style % 3]
        elif p.kind == "parcel_paper":
            text = (lot.number, f"{carats:.2f}ct")
        elif p.kind == "form":
            text = (
                ["KIMBERLEY PROCESS CERTIFICATE", "PARCEL VALUATION REPORT", "EXPORT SUBMISSION"][
                    p.style % 3
                ],
                office.authority,
                f"Certificate No. {office.code}{int(rng.integers(10000, 99999))}",
                f"Lot: {lot.number}    Parcels: 1",
                f"Carats: {carats:.2f}    Stones: {len(stones)}",
                f"Date: {sess.date}",
            )
        elif p.kind == "scale":
            text = (f"{carats:.2f} ct" if p.style % 2 else f"{carats * 0.2:.3f} g",)
        elif p.kind == "caliper":
            text = (f"{biggest:.2f}",)
        elif p.kind in ("barcode", "qr"):
            text = (f"{int(rng.integers(10**9, 10**10))}",)
        else:
            text = ()
        out.append(replace(p, text=text))
    return tuple(out)


def _compose(sess: Session, lot: Lot, key: tuple, jitter_px: float = 2.0, **changes) -> Scene:
    rng = _rng("jitter", *key)
    view = sess.view
    dx, dy = rng.uniform(-jitter_px, jitter_px, 2) / view.scale
    view = replace(view, cx=view.cx + float(dx), cy=view.cy + float(dy))
    scene = Scene(
        key=key,
        view=view,
        base=sess.office.base,
        top=sess.office.top,
        dust_seed=sess.dust_seed,
        light=sess.light,
        camera=sess.camera,
        props=_dress_props(sess, lot),
        lot=lot,
    )
    return replace(scene, **changes) if changes else scene


# ---------------------------------------------------------------------------
# Originals
# ---------------------------------------------------------------------------

ORIGINAL_OFFICES = 50
SESSION_SIZES = {1: 0.3, 2: 0.26, 3: 0.2, 4: 0.12, 5: 0.08, 6: 0.04}


@lru_cache(maxsize=64)
def _session_blocks(seed: int, chunk: int) -> tuple[int, ...]:
    """Sizes of consecutive sessions (runs of photos taken at one set-up) in one chunk of 1000 sessions."""
    rng = _rng("blocks", seed, chunk)
    sizes = list(SESSION_SIZES)
    p = np.array(list(SESSION_SIZES.values()))
    return tuple(int(sizes[k]) for k in rng.choice(len(sizes), 1000, p=p / p.sum()))


def _session_of(seed: int, i: int) -> tuple[int, int]:
    """(session index, position within the session) of original i."""
    start, chunk = 0, 0
    while True:
        blocks = _session_blocks(seed, chunk)
        total = sum(blocks)
        if i < start + total:
            for b, size in enumerate(blocks):
                if i < start + size:
                    return chunk * 1000 + b, i - start
                start += size
        start += total
        chunk += 1


@lru_cache(maxsize=128)
def _office(ns: str, seed: int, j: int) -> Office:
    return _make_office(ns, seed, j)


def _original_parts(seed: int, i: int) -> tuple[Session, Lot]:
    sidx, pos = _session_of(seed, i)
    j = int(_rng("session-office", seed, sidx).integers(ORIGINAL_OFFICES))
    sess = _make_session(_office("office", seed, j), ("orig", seed, sidx))
    lot = _make_lot(sess, ("orig", seed, i), sess.lot_base + pos)
    return sess, lot


def _original_scene(seed: int, i: int) -> Scene:
    sess, lot = _original_parts(seed, i)
    return _compose(sess, lot, ("orig", seed, i))


def originals(seed: int, n: int) -> Iterator[Image.Image]:
    """n photos of distinct parcels; photo i depends on (seed, i) only."""
    for i in range(n):
        yield _render(_original_scene(seed, i))


# ---------------------------------------------------------------------------
# Variants: re-used copies of one original (what the search must find)
# ---------------------------------------------------------------------------


def _crop(img: Image.Image, fr: tuple[float, float, float, float]) -> Image.Image:
    w, h = img.size
    left, top, right, bottom = fr
    return img.crop((round(w * left), round(h * top), w - round(w * right), h - round(h * bottom)))


def _crop_fractions(rng: np.random.Generator, sides: int) -> tuple[float, float, float, float]:
    """One side cropped by 8-10 %, up to `sides - 1` further sides by 1-7 %."""
    fr = [0.0, 0.0, 0.0, 0.0]
    order = rng.permutation(4)
    fr[order[0]] = float(rng.uniform(0.08, 0.10))
    for k in order[1:sides]:
        fr[k] = float(rng.uniform(0.01, 0.07))
    return (fr[0], fr[1], fr[2], fr[3])


def _crop_name(fr) -> str:
    return "crop(" + ",".join(f"{100 * v:.0f}" if v == 0 else f"{100 * v:.1f}" for v in fr) + ")"


def _jpeg(img: Image.Image, quality: int) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    buf.seek(0)
    return Image.open(buf).convert("RGB")


def _resize(img: Image.Image, f: float) -> Image.Image:
    size = (max(8, round(img.width * f)), max(8, round(img.height * f)))
    return img.resize(size, Image.BICUBIC, reducing_gap=2.0 if f < 1 else None)


def _recolour(
    img: Image.Image,
    brightness: float = 1.0,
    contrast: float = 1.0,
    saturation: float = 1.0,
    balance: tuple[float, float, float] = (1.0, 1.0, 1.0),
    gamma: float = 1.0,
) -> Image.Image:
    lut: list[int] = []
    x = np.arange(256, dtype=float)
    for c in range(3):
        y = 255.0 * (x / 255.0) ** gamma
        y = (y - 128.0) * contrast + 128.0
        y = y * brightness * balance[c]
        lut.extend(np.clip(np.round(y), 0, 255).astype(int).tolist())
    img = img.point(lut)
    if abs(saturation - 1) > 1e-3:
        img = ImageEnhance.Color(img).enhance(saturation)
    return img


def _signed(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(rng.uniform(lo, hi) * (1 if rng.random() < 0.5 else -1))


def variants(image: Image.Image, seed: int) -> dict[str, Image.Image]:
    """Ten re-used copies of `image`: crops (<= 10 % a side), resizes, JPEG 50-95, blur, recolour, chains."""
    image = image.convert("RGB")
    rng = _rng("variants", seed, image.size)
    out: dict[str, Image.Image] = {}

    fr = _crop_fractions(rng, 1)
    out[_crop_name(fr)] = _crop(image, fr)

    fr, q = _crop_fractions(rng, 2), int(rng.integers(75, 91))
    out[f"{_crop_name(fr)}+jpeg{q}"] = _jpeg(_crop(image, fr), q)

    fr = _crop_fractions(rng, 4)
    out[_crop_name(fr)] = _crop(image, fr)

    f = float(rng.uniform(0.33, 0.5))
    out[f"resize{f:.2f}"] = _resize(image, f)

    f = float(rng.uniform(1.2, 1.5))
    out[f"resize{f:.2f}"] = _resize(image, f)

    q = int(rng.integers(50, 61))
    out[f"jpeg{q}"] = _jpeg(image, q)

    r = float(rng.uniform(0.8, 1.5))
    out[f"blur{r:.2f}"] = image.filter(ImageFilter.GaussianBlur(r))

    b, c, s = 1 + _signed(rng, 0.05, 0.12), 1 + _signed(rng, 0.04, 0.1), 1 + _signed(rng, 0.05, 0.12)
    out[f"bright{b:.2f},contrast{c:.2f},sat{s:.2f}"] = _recolour(
        image, brightness=b, contrast=c, saturation=s
    )

    bal = (1 + _signed(rng, 0.02, 0.07), 1 + _signed(rng, 0.0, 0.04), 1 + _signed(rng, 0.02, 0.07))
    g, fr = 1 + _signed(rng, 0.04, 0.1), _crop_fractions(rng, 1)
    name = f"balance({bal[0]:.2f},{bal[1]:.2f},{bal[2]:.2f})+gamma{g:.2f}+{_crop_name(fr)}"
    out[name] = _crop(_recolour(image, balance=bal, gamma=g), fr)

    fr, f, q = _crop_fractions(rng, 2), float(rng.uniform(0.45, 0.8)), int(rng.integers(55, 80))
    out[f"{_crop_name(fr)}+resize{f:.2f}+jpeg{q}"] = _jpeg(_resize(_crop(image, fr), f), q)
    return out


# ---------------------------------------------------------------------------
# Unrelated photos: other parcels.  Hard kinds re-use a reference original's scene description.
# ---------------------------------------------------------------------------

KIND_SHARES = {  # per 1000 unrelated photos
    "same_session_other_lot": 150,
    "session_props_changed": 55,
    "twin_lot": 60,
    "few_stones_same_setup": 50,
    "same_positions_other_stones": 45,
    "same_office_other_day": 45,
    "repetitive_surface_uniform_lot": 40,
    "dense_small_stones_same_setup": 30,
    "other_camera_same_session": 25,
    "foreign_office": 200,
    "close_up": 80,
    "form_with_few_stones": 80,
    "archive_scan": 70,
    "bagged_lot": 70,
}
KINDS = tuple(KIND_SHARES)
HARD_KINDS = KINDS[:9]
assert sum(KIND_SHARES.values()) == 1000


@lru_cache(maxsize=16)
def _schedule(seed: int, block: int) -> tuple[str, ...]:
    kinds = [k for k, n in KIND_SHARES.items() for _ in range(n)]
    order = _rng("schedule", seed, block).permutation(len(kinds))
    return tuple(kinds[int(k)] for k in order)


def unrelated_kind(seed: int, i: int) -> str:
    """Kind of the i-th unrelated photo: every block of 1000 holds exactly KIND_SHARES of each kind."""
    return _schedule(seed, i // 1000)[i % 1000]


def _reference(rng: np.random.Generator, want=None, tries: int = 60) -> tuple[int, Session, Lot]:
    """A reference original (index, session, lot), preferring ones that satisfy `want`."""
    first = None
    for _ in range(tries):
        r = int(rng.integers(REFERENCE_COUNT))
        sess, lot = _original_parts(REFERENCE_SEED, r)
        if first is None:
            first = (r, sess, lot)
        if want is None or want(sess, lot):
            return r, sess, lot
    assert first is not None
    return first


def _other_number(sess: Session, rng: np.random.Generator) -> int:
    """A lot number of the same session that no original uses (originals take lot_base + 0..5)."""
    return sess.lot_base + 10 + int(rng.integers(0, 80))


def _moved_props(sess: Session, rng: np.random.Generator) -> tuple[Prop, ...]:
    props = [
        replace(
            p,
            x=p.x + float(rng.normal(0, 6)),
            y=p.y + float(rng.normal(0, 6)),
            angle=p.angle + float(rng.normal(0, 5)),
        )
        for p in sess.props
    ]
    if len(props) > 1 and rng.random() < 0.4:
        props.pop(int(rng.integers(len(props))))
    elif rng.random() < 0.5:
        extra, _ = _place_session_props(
            sess.office, sess.view, rng, _seed("extra-prop", int(rng.integers(1 << 30)))
        )
        props.append(extra[-1])
    return tuple(props)


def _hard_scene(kind: str, seed: int, i: int) -> Scene:
    return _hard_scene_and_reference(kind, seed, i)[0]


def _hard_scene_and_reference(kind: str, seed: int, i: int) -> tuple[Scene, int]:
    """The hard unrelated scene and the index of the reference original it was built from."""
    key = ("unrel", seed, i)
    rng = _rng("unrelated", seed, i)
    if kind == "same_positions_other_stones":
        structured = {"grid", "cells", "rows", "line", "ring"}
        r, sess, ref = _reference(rng, lambda s, lot: lot.layout in structured and lot.count >= 4)
        template = tuple((st.x, st.y, st.d) for st in _cached_stones(ref))
        lot = replace(ref, seed=_seed("lot-stones", *key), positions=template, number=_lot_label(sess, rng))
        return _compose(sess, lot, key, 3.0), r
    if kind == "repetitive_surface_uniform_lot":
        r, sess, _ = _reference(rng, lambda s, lot: _repetitive(s.office) is not None)
        return _repetitive_scene(sess, key, rng), r
    want = None
    if kind == "twin_lot":
        want = lambda s, lot: lot.count >= 3  # noqa: E731
    elif kind == "few_stones_same_setup" and rng.random() < 0.5:
        want = lambda s, lot: lot.count <= 8  # noqa: E731
    r, sess, ref = _reference(rng, want)
    number = _other_number(sess, rng)
    if kind == "same_session_other_lot":
        return _compose(sess, _make_lot(sess, key, number), key, 3.0), r
    if kind == "session_props_changed":
        lot = _make_lot(sess, key, number)
        return replace(
            _compose(sess, lot, key, 3.0), props=_dress_props(sess, lot, _moved_props(sess, rng))
        ), r
    if kind == "twin_lot":
        lot = replace(ref, seed=_seed("lot-stones", *key), number=_lot_label(sess, rng))
        return _compose(sess, lot, key, 3.0), r
    if kind == "few_stones_same_setup":
        count = int(rng.integers(1, 3)) if rng.random() < 0.3 else int(rng.integers(1, 6))
        return _compose(sess, _make_lot(sess, key, number, count=count), key, 3.0), r
    if kind == "dense_small_stones_same_setup":
        count = int(rng.integers(250, 600))
        layout = "heap" if rng.random() < 0.5 else "scatter"
        lot = _make_lot(
            sess, key, number, count=count, layout=layout, size_median=float(rng.uniform(0.8, 1.8))
        )
        return _compose(sess, lot, key, 3.0), r
    if kind == "same_office_other_day":
        day = _make_session(sess.office, ("unrel-day", seed, i))
        return _compose(day, _make_lot(day, key, number), key), r
    if kind == "other_camera_same_session":
        crng = _rng("other-camera", seed, i)
        device = _pick(
            crng, {d: 1.0 for d in ("dslr", "phone", "compact", "webcam") if d != sess.camera.device}
        )
        w, h = _make_size(device, crng)
        old = sess.view
        mm_w = old.mm_w * float(crng.uniform(0.85, 1.15)) * math.sqrt((w / h) / (old.width / old.height))
        view = View(w, h, old.cx + float(crng.normal(0, 4)), old.cy + float(crng.normal(0, 4)), float(mm_w))
        other = replace(sess, camera=_make_camera(device, crng, sess.office.tint), view=view)
        return _compose(other, _make_lot(sess, key, number), key, 0.0), r
    raise ValueError(kind)


def _lot_label(sess: Session, rng: np.random.Generator) -> str:
    return f"{sess.office.code}{sess.date[2:4]}-{_other_number(sess, rng):04d}"


def _repetitive(office: Office) -> Material | None:
    for m in (office.top, office.base):
        if m is not None and m.kind in REPETITIVE_SURFACES:
            return m
    return None


def _repetitive_scene(sess: Session, key: tuple, rng: np.random.Generator) -> Scene:
    """The repetitive surface fills the frame; a uniform lot (one size class, one colour) on it."""
    surface = _repetitive(sess.office)
    assert surface is not None
    view = sess.view
    if surface.extent is not None:
        x0, y0, x1, y1 = surface.extent
        aspect = view.width / view.height
        mm_w = min(x1 - x0, (y1 - y0) * aspect) * float(rng.uniform(0.55, 0.9))
        mm_w = min(mm_w, view.mm_w * 1.3)
        cx = (x0 + x1) / 2 + float(rng.uniform(-0.1, 0.1)) * (x1 - x0 - mm_w)
        cy = (y0 + y1) / 2 + float(rng.uniform(-0.1, 0.1)) * (y1 - y0 - mm_w / aspect)
        view = replace(view, cx=float(cx), cy=float(cy), mm_w=float(mm_w))
    m = 0.08
    region = (
        view.x0 + m * view.mm_w,
        view.y0 + m * view.mm_h,
        view.x0 + (1 - m) * view.mm_w,
        view.y0 + (1 - m) * view.mm_h,
    )
    pitch = 0.0
    if surface.kind == "tray" and surface.extent is not None:
        p = surface.pitch
        tx0, ty0 = surface.extent[:2]
        region = (
            tx0 + math.ceil((region[0] - tx0) / p) * p,
            ty0 + math.ceil((region[1] - ty0) / p) * p,
            tx0 + math.floor((region[2] - tx0) / p) * p,
            ty0 + math.floor((region[3] - ty0) / p) * p,
        )
        pitch = p
    sess2 = replace(sess, view=view, region=region, props=())
    layout = "cells" if pitch else ("grid" if rng.random() < 0.5 else "scatter")
    count = int(rng.integers(20, 150))
    lot = _make_lot(sess2, key, _other_number(sess, rng), count=count, layout=layout)
    colour = _pick(rng, dict(sess.office.colours))
    lot = replace(
        lot,
        size_sigma=0.07,
        colours=((colour, 1.0),),
        shapes=(("octahedron", 2.0), ("dodecahedron", 1.0)),
        pitch=pitch,
    )
    return _compose(sess2, lot, key, 2.0)


def _foreign_session(seed: int, i: int) -> Session:
    """A session of an office that no original comes from (two photos per session, four per office)."""
    office = _office("foreign", seed, i // 4)
    return _make_session(office, ("foreign", seed, i // 2))


def _close_up_scene(seed: int, i: int, key: tuple, rng: np.random.Generator) -> Scene:
    sess = _foreign_session(seed, i)
    v = sess.view
    mm_w = float(rng.uniform(14, 40))
    view = replace(v, mm_w=mm_w)
    m = 0.2
    region = (
        view.x0 + m * mm_w,
        view.y0 + m * view.mm_h,
        view.x0 + (1 - m) * mm_w,
        view.y0 + (1 - m) * view.mm_h,
    )
    props: tuple[Prop, ...] = ()
    if rng.random() < 0.3:  # tweezers holding the scene from one side
        props = (
            Prop(
                "tweezers",
                view.x0 - 40,
                view.cy + float(rng.normal(0, 3)),
                float(rng.normal(0, 8)),
                140.0,
                _seed("tw", *key),
                int(rng.integers(4)),
            ),
        )
    sess2 = replace(sess, view=view, region=region, props=props)
    count = int(rng.integers(1, 6))
    lot = _make_lot(
        sess2, key, _other_number(sess, rng), count=count, size_median=mm_w * float(rng.uniform(0.12, 0.28))
    )
    return _compose(sess2, lot, key, 0.0, defocus=float(rng.uniform(1.0, 3.0)))


def _form_scene(seed: int, i: int, key: tuple, rng: np.random.Generator) -> Scene:
    sess = _foreign_session(seed, i)
    w, h = sess.view.width, sess.view.height
    if w > h and h >= 640:
        w, h = h, w
    form_w = float(rng.uniform(200, 212))
    mm_w = form_w / float(rng.uniform(0.72, 0.92))
    cx, cy = sess.view.cx, sess.view.cy
    view = View(w, h, cx, cy, mm_w)
    form = Prop(
        "form",
        cx + float(rng.normal(0, 4)),
        cy + float(rng.normal(0, 6)),
        float(rng.normal(0, 2.5)),
        form_w,
        _seed("form", *key),
        int(rng.integers(0, 12)),
    )
    extras = tuple(
        p for p in sess.props if p.kind in ("pen", "label", "parcel_paper", "tweezers") and rng.random() < 0.5
    )
    moved = tuple(
        replace(p, x=cx + float(rng.uniform(-0.45, 0.45)) * mm_w, y=view.y0 + view.mm_h * 0.9) for p in extras
    )
    region = (cx - 60, cy + 10, cx + 60, cy + 90)
    sess2 = replace(sess, view=view, region=region, props=(form, *moved))
    lot = _make_lot(
        sess2,
        key,
        _other_number(sess, rng),
        count=int(rng.integers(1, 11)),
        layout=_pick(rng, {"scatter": 2, "line": 1, "heap": 1}),
    )
    return _compose(sess2, lot, key, 0.0)


def _bag_overlay(region: tuple[float, float, float, float], key: tuple, label: str):
    """A clear zip bag over the parcel: haze, crinkle highlights, seams, zip and a write-on strip."""

    def apply(img: Image.Image, rv: View) -> Image.Image:
        rng = _rng("bag", *key)
        s = rv.scale
        x0, y0, x1, y1 = region
        mx, my = (x1 - x0) * 0.1, (y1 - y0) * 0.1
        box = [
            (x0 - mx - rv.x0) * s,
            (y0 - my * 1.8 - rv.y0) * s,
            (x1 + mx - rv.x0) * s,
            (y1 + my - rv.y0) * s,
        ]
        haze = Image.new("L", img.size, 0)
        d = ImageDraw.Draw(haze)
        d.rectangle(box, fill=int(rng.uniform(25, 45)))
        bw, bh = box[2] - box[0], box[3] - box[1]
        for _ in range(int(rng.integers(5, 11))):  # long smooth crinkles catching the light
            heading = rng.uniform(0, 2 * np.pi) + np.cumsum(rng.normal(0, 0.12, 12))
            step = max(bw, bh) * rng.uniform(0.02, 0.05)
            pts = np.cumsum(np.stack([np.cos(heading), np.sin(heading)], 1) * step, 0)
            pts += [rng.uniform(box[0], box[2]), rng.uniform(box[1], box[3])]
            d.line(
                _poly(pts),
                fill=int(rng.uniform(50, 110)),
                width=max(2, round(rng.uniform(0.6, 2.5) * s)),
                joint="curve",
            )
        haze = haze.filter(ImageFilter.GaussianBlur(max(1.0, 1.0 * s)))
        inside = Image.new("L", img.size, 0)
        ImageDraw.Draw(inside).rectangle(box, fill=255)
        haze = ImageChops.multiply(haze, inside)
        img = Image.composite(Image.new("RGB", img.size, (238, 240, 242)), img, haze)
        d = ImageDraw.Draw(img)
        d.rectangle(box, outline=(205, 208, 212), width=max(2, round(0.8 * s)))
        zy = box[1] + (box[3] - box[1]) * 0.07
        zip_colour = [(200, 40, 40), (40, 70, 190), (235, 235, 235)][int(rng.integers(3))]
        for dy in (0.0, 1.2 * s):
            d.line((box[0], zy + dy, box[2], zy + dy), fill=zip_colour, width=max(2, round(0.6 * s)))
        strip = (box[0] + 3 * s, zy + 3 * s, box[0] + (box[2] - box[0]) * 0.55, zy + 14 * s)
        d.rectangle(strip, fill=(240, 240, 236))
        size = min(7 * s, (strip[2] - strip[0]) / (len(label) * 0.62))
        _text(d, (strip[0] + 2 * s, (strip[1] + strip[3]) / 2), label, size, (30, 40, 120, 255), "lm")
        return img

    return apply


def _bag_scene(seed: int, i: int, key: tuple, rng: np.random.Generator) -> tuple[Scene, object]:
    sess = _foreign_session(seed, i)
    v = sess.view
    fx, fy = float(rng.uniform(0.45, 0.65)), float(rng.uniform(0.4, 0.6))
    cx, cy = v.cx + float(rng.normal(0, 0.05)) * v.mm_w, v.cy + 0.06 * v.mm_h
    region = (cx - fx * v.mm_w / 2, cy - fy * v.mm_h / 2, cx + fx * v.mm_w / 2, cy + fy * v.mm_h / 2)
    sess = replace(sess, region=region)
    lot = _make_lot(sess, key, _other_number(sess, rng), count=int(rng.integers(5, 150)), layout="heap")
    return _compose(sess, lot, key, 0.0), _bag_overlay(region, key, f"LOT {lot.number}")


def _archive_scan(seed: int, i: int, key: tuple, rng: np.random.Generator) -> Image.Image:
    """A printed parcel photo from an old file, scanned on a flatbed: faded, bordered, slightly rotated."""
    sess = _foreign_session(seed, i)
    pw = int(rng.integers(560, 900))
    ph = int(pw / float(rng.choice([1.5, 4 / 3, 1.25])))
    view = replace(sess.view, width=pw, height=ph, mm_w=sess.view.mm_w)
    cam = replace(sess.camera, render_scale=0.9, jpeg_q=92)
    lot = _make_lot(sess, key, _other_number(sess, rng))
    photo = _render(_compose(replace(sess, view=view, camera=cam), lot, key, 0.0))
    fade = float(rng.uniform(0.65, 0.9))
    photo = ImageEnhance.Color(photo).enhance(fade)
    photo = ImageEnhance.Contrast(photo).enhance(float(rng.uniform(0.75, 0.92)))
    cast = (1.0, float(rng.uniform(0.93, 0.99)), float(rng.uniform(0.78, 0.92)))
    photo = photo.point([min(255, int(v * cast[c] + 12)) for c in range(3) for v in range(256)])
    border = int(pw * rng.uniform(0.03, 0.07))
    paper = (int(rng.integers(232, 248)), int(rng.integers(228, 244)), int(rng.integers(210, 232)))
    printed = Image.new("RGB", (pw + 2 * border, ph + 2 * border), paper)
    printed.paste(photo, (border, border))
    d = ImageDraw.Draw(printed)
    if rng.random() < 0.5:  # a handwritten note on the border
        _handwrite(
            d, (border, ph + border + border * 0.1), f"lot {lot.number}", border * 0.8, INKS["blue"], rng
        )
    bed = (250, 250, 250) if rng.random() < 0.6 else (35, 35, 38)
    printed = printed.convert("RGBA").rotate(float(rng.uniform(-3.5, 3.5)), Image.BICUBIC, expand=True)
    cw = int(printed.width * rng.uniform(1.05, 1.3))
    chh = int(printed.height * rng.uniform(1.05, 1.3))
    scan = Image.new("RGB", (cw, chh), bed)
    ox, oy = int(rng.integers(0, cw - printed.width + 1)), int(rng.integers(0, chh - printed.height + 1))
    scan.paste(printed, (ox, oy), printed)
    d = ImageDraw.Draw(scan)
    for _ in range(int(rng.integers(5, 40))):  # dust on the glass
        x, y, r = rng.uniform(0, cw), rng.uniform(0, chh), rng.uniform(0.5, 2.0)
        d.ellipse((x - r, y - r, x + r, y + r), fill=(200, 200, 200) if bed[0] < 100 else (90, 90, 90))
    target_w = int(rng.integers(900, 1700))
    scan = scan.resize((target_w, max(8, round(chh * target_w / cw))), Image.BICUBIC)
    arr = np.asarray(scan, np.int16) + rng.integers(-3, 4, (scan.height, scan.width, 1), dtype=np.int16)
    return _jpeg(Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)), int(rng.integers(75, 92)))


def _unrelated_image(seed: int, i: int) -> Image.Image:
    kind = unrelated_kind(seed, i)
    key = ("unrel", seed, i)
    rng = _rng("ordinary", seed, i)
    if kind in HARD_KINDS:
        return _render(_hard_scene(kind, seed, i))
    if kind == "foreign_office":
        sess = _foreign_session(seed, i)
        return _render(_compose(sess, _make_lot(sess, key, _other_number(sess, rng)), key))
    if kind == "close_up":
        return _render(_close_up_scene(seed, i, key, rng))
    if kind == "form_with_few_stones":
        return _render(_form_scene(seed, i, key, rng))
    if kind == "bagged_lot":
        scene, post = _bag_scene(seed, i, key, rng)
        return _render(scene, post)
    if kind == "archive_scan":
        return _archive_scan(seed, i, key, rng)
    raise ValueError(kind)


def unrelated(seed: int, n: int) -> Iterator[Image.Image]:
    """n photos of other parcels; half are hard cases built on originals(REFERENCE_SEED, REFERENCE_COUNT)."""
    for i in range(n):
        yield _unrelated_image(seed, i)
