"""Parcel-like shipment photos, and the copies a forger would make of them: test data for the
re-used-photo search (issue 20, item 1), written from the issue's words alone and not from the
search or its own tuning generator, so that the search can be measured on data it was not tuned to.

What it models
--------------
* **Offices.** Each seed has two to four *offices*: a surface (a plastic or metal tray on a desk, a
  round sieve with a wire mesh, folded white parcel paper, black velvet, or a blue mat, sometimes a
  cutting mat with a grid), a camera (a phone or a camera, landscape or portrait, 800-2000 px on the
  long side, its sensor noise, a little softness, saved as JPEG at quality 80-95 or as PNG), an
  uneven light (a gradient from one side, a hotspot, vignetting, a colour cast the white balance did
  not remove), and the office's props: a parcel label of a fixed style (plain card, card with a
  coloured header, or yellow sticker with a barcode) in a fixed place (moved by about 1 % from
  parcel to parcel), often a ruler, sometimes a seal. An office is either a tripod set-up (every
  photo framed identically, the same exposure) or hand-held (the framing moves by up to 3 % and the
  exposure drops by up to 8 %).
* **Parcels.** Tens to hundreds of rough stones (15-350), their median size set so that they cover
  4-30 % of the surface, spread evenly, in clusters or in a heap. Each stone is an octahedron (four-
  or six-sided outline with lit and shaded facets), a macle (a flat triangle), a rounded
  (dodecahedral, resorbed) stone shaded softly, or an irregular fragment; white/colourless,
  yellow, brown, grey or black (boart) in parcel-specific proportions; translucent (the surface and
  the mesh show through) to opaque; some frosted (a granular skin, no glint); with a soft shadow
  away from the light, a dark rim and, unless frosted, a specular glint.
* **Re-used copies** (``variants``): crop (0-10 % off each side independently), resize (x0.5 to
  x1.5), JPEG recompression (quality 50-95, decoded again), Gaussian blur (radius 0.3-1.5),
  recolour (brightness, contrast, saturation +-15 %, hue +-6 degrees, white balance +-6 % on red and
  blue), and four combinations of them. Each name carries its parameters.
* **Unrelated photos** (``unrelated``): other parcels, and mostly *hard* ones: 45 % are other
  parcels shot in one of the seed's offices (same surface texture pixel for pixel, same light, same
  label style and place, same ruler); 20 % are *twins* of ``originals(seed, ...)[j]`` (the same
  office and the same kind of parcel: stone count, sizes, colours, shapes and spread, but other
  stones in other places, and another label); 10 % are sparse parcels (15-30 stones, so that the
  photo is mostly the office's background); the remaining 25 % come from offices of their own.

What it deliberately does not model
-----------------------------------
Real optics (refraction, dispersion, fluorescence), perspective and lens distortion, rotated,
mirrored or tilted copies, screenshots, photos of a printed or on-screen photo, watermarks or text
laid over a copy, collages, the same parcel photographed twice (a re-shot is a new photo, not a
re-used one), EXIF orientation, grey-scale, palette or alpha PNGs, and HEIC. Stones never stand on
the label, ruler or seal. The label's text is random and means nothing. Sensor noise is not drawn
afresh for each photo: each takes another window of its office's noise field (for speed).

Everything is deterministic per seed (NumPy ``SeedSequence`` streams keyed by seed, role and index,
so ``originals(seed, 5)`` begins with ``originals(seed, 3)``), uses Pillow and NumPy only (Pillow's
bundled font, so no system font is needed), and takes well under a few hundred milliseconds per
photo.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageEnhance, ImageFilter, ImageFont

__all__ = ["originals", "unrelated", "variants"]

# Independent random streams: (seed, stream, index) seeds one NumPy generator.
_OFFICES, _ORIGINAL_PARCEL, _ORIGINAL_LAYOUT = 1, 2, 3
_UNRELATED_PLAN, _UNRELATED_PARCEL, _UNRELATED_LAYOUT, _UNRELATED_OFFICE = 4, 5, 6, 7
_VARIANTS = 8

SURFACES = ("tray", "sieve", "paper", "velvet", "mat")
SHAPES = ("octahedron", "macle", "rounded", "irregular")
# Body colours of rough stones (RGB under neutral light).
COLOURS: dict[str, tuple[int, int, int]] = {
    "white": (226, 229, 232),
    "yellow": (226, 204, 128),
    "brown": (142, 112, 86),
    "grey": (132, 134, 138),
    "black": (58, 56, 54),
}
# Frame sizes (long side 800-2000 px): phones are 4:3, cameras 3:2.
PHONE_SIZES = ((2000, 1500), (1600, 1200), (1440, 1080), (1280, 960), (1024, 768), (800, 600))
CAMERA_SIZES = ((1800, 1200), (1500, 1000), (1200, 800), (2000, 1334))


def _rng(seed: int, stream: int, index: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed % 2**64, stream, index]))


# --------------------------------------------------------------------------------------------------
# Offices


@dataclass(frozen=True)
class Office:
    """Where and how a parcel is photographed: everything that photos of different parcels share."""

    key: int  # seeds the surface texture and the props, so an office looks the same every time
    surface: str
    surface_colour: tuple[int, int, int]
    desk_colour: tuple[int, int, int]
    grid: bool  # a cutting-mat grid (mat) or a mesh (sieve)
    size: tuple[int, int]  # width, height of the frame
    tripod: bool
    light_angle: float  # where the light comes from (radians, image coordinates)
    gradient: float
    hotspot: tuple[float, float, float, float]  # x, y (fractions), strength, radius (of long side)
    vignette: float
    cast: tuple[float, float, float]  # white-balance gains left in the photo
    noise: float  # sensor noise, sd in grey levels
    softness: float  # Gaussian radius of the lens/processing softness (0 for none)
    jpeg_quality: int | None  # None: saved as PNG
    label_style: int  # 0 plain card, 1 card with a coloured header, 2 yellow sticker with a barcode
    label_place: tuple[float, float, float]  # x, y (fractions of the frame), rotation in degrees
    label_header: str
    ruler: tuple[float, float, float, int] | None  # x, y, length (fractions), 0 horizontal / 1 vertical
    seal: tuple[float, float, str] | None  # x, y (fractions), "lead" or "wax"
    palette: tuple[float, ...]  # the office's usual mix of stone colours (weights over COLOURS)


def _office(rng: np.random.Generator) -> Office:
    surface = str(rng.choice(SURFACES))
    if surface == "tray":
        choices = [(236, 236, 230), (172, 174, 178), (42, 42, 45), (190, 214, 232)]
    elif surface == "sieve":
        choices = [(176, 178, 182), (181, 150, 92)]  # steel, brass
    elif surface == "paper":
        choices = [(246, 246, 241), (240, 242, 246)]
    elif surface == "velvet":
        choices = [(18, 18, 21), (24, 20, 28)]
    else:
        choices = [(38, 82, 152), (30, 96, 170), (44, 70, 120)]
    surface_colour = choices[int(rng.integers(len(choices)))]
    desk = [(150, 112, 78), (196, 190, 180), (92, 70, 52), (214, 214, 210)][int(rng.integers(4))]
    phone = rng.random() < 0.6
    sizes = PHONE_SIZES if phone else CAMERA_SIZES
    w, h = sizes[int(rng.integers(len(sizes)))]
    if phone and rng.random() < 0.3:
        w, h = h, w
    cast_kind = int(rng.integers(3))
    cast = [(1.0, 1.0, 1.0), (1.06, 1.0, 0.88), (0.93, 1.0, 1.07)][cast_kind]
    cast = tuple(float(c * rng.uniform(0.98, 1.02)) for c in cast)  # type: ignore[assignment]
    corner = int(rng.integers(4))
    lx = 0.07 if corner in (0, 3) else 0.72
    ly = 0.08 if corner in (0, 1) else 0.74
    ruler = None
    if rng.random() < 0.6:
        horizontal = int(rng.random() < 0.6)
        ruler = (
            float(rng.uniform(0.2, 0.4)) if horizontal else float(rng.choice([0.05, 0.92])),
            float(rng.choice([0.06, 0.9])) if horizontal else float(rng.uniform(0.2, 0.35)),
            float(rng.uniform(0.3, 0.5)),
            0 if horizontal else 1,
        )
    seal = None
    if rng.random() < 0.4:
        seal = (float(1 - lx - 0.02), float(ly + 0.02), "lead" if rng.random() < 0.6 else "wax")
    palette = rng.dirichlet([2.0, 1.0, 1.5, 1.0, 0.4])
    return Office(
        key=int(rng.integers(2**31)),
        surface=surface,
        surface_colour=surface_colour,
        desk_colour=desk,
        grid=surface == "sieve" or (surface == "mat" and rng.random() < 0.5),
        size=(w, h),
        tripod=bool(rng.random() < 0.5),
        light_angle=float(rng.uniform(0, 2 * math.pi)),
        gradient=float(rng.uniform(0.08, 0.35)),
        hotspot=(
            float(rng.uniform(0.2, 0.8)),
            float(rng.uniform(0.2, 0.8)),
            float(rng.uniform(0.0, 0.3)),
            float(rng.uniform(0.25, 0.6)),
        ),
        vignette=float(rng.uniform(0.0, 0.25)) if phone else float(rng.uniform(0.0, 0.12)),
        cast=cast,
        noise=float(rng.uniform(2.0, 5.0)) if phone else float(rng.uniform(0.8, 2.5)),
        softness=float(rng.choice([0.0, 0.5, 0.8])),
        jpeg_quality=int(rng.integers(80, 96)) if rng.random() < 0.75 else None,
        label_style=int(rng.integers(3)),
        label_place=(lx, ly, float(rng.uniform(-4, 4))),
        label_header=str(rng.choice(["PARCEL", "KP EXPORT", "DIAMOND OFFICE", "GOVT. VALUATOR", "LOT"])),
        ruler=ruler,
        seal=seal,
        palette=tuple(float(p) for p in palette),
    )


@cache
def _offices(seed: int) -> tuple[Office, ...]:
    rng = _rng(seed, _OFFICES, 0)
    return tuple(_office(rng) for _ in range(int(rng.integers(2, 5))))


def _smooth_noise(rng: np.random.Generator, w: int, h: int, cell: int) -> np.ndarray:
    """Noise with features of about ``cell`` px: cheap low-resolution noise scaled up."""
    small = rng.standard_normal((h // cell + 2, w // cell + 2)).astype(np.float32)
    big = Image.fromarray(small, mode="F").resize((w + 2 * cell, h + 2 * cell), Image.Resampling.BICUBIC)
    return np.asarray(big, dtype=np.float32)[cell : cell + h, cell : cell + w]


@lru_cache(maxsize=8)
def _background(office: Office) -> Image.Image:
    """The empty scene (surface, desk, texture), lit, with a margin for hand-held framing. The same
    office always gives the same pixels."""
    rng = np.random.default_rng(office.key)
    w0, h0 = office.size
    m = _margin(office)
    w, h = w0 + 2 * m, h0 + 2 * m
    long_side = max(w0, h0)
    img = Image.new("RGB", (w, h), office.desk_colour)
    draw = ImageDraw.Draw(img)
    sc = office.surface_colour
    region = _surface_region(office)
    if office.surface == "tray":
        x0, y0, x1, y1 = region.x0 + m, region.y0 + m, region.x1 + m, region.y1 + m
        rim = int(long_side * 0.018)
        draw.rounded_rectangle(
            (x0 - rim, y0 - rim, x1 + rim, y1 + rim), radius=rim * 3, fill=_shade(sc, 1.08)
        )
        draw.rounded_rectangle((x0, y0, x1, y1), radius=rim * 2, fill=sc, outline=_shade(sc, 0.85), width=2)
    elif office.surface == "sieve":
        cx, cy, r = region.cx + m, region.cy + m, region.r
        rim = int(long_side * 0.025)
        draw.ellipse((cx - r - rim, cy - r - rim, cx + r + rim, cy + r + rim), fill=_shade(sc, 1.1))
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=_shade(sc, 0.55))
    elif office.surface == "paper":
        x0, y0, x1, y1 = region.x0 + m, region.y0 + m, region.x1 + m, region.y1 + m
        draw.rectangle((x0, y0, x1, y1), fill=sc)
    else:
        draw.rectangle((0, 0, w, h), fill=sc)
    arr = np.asarray(img, dtype=np.float32).copy()
    yy, xx = np.ogrid[0:h, 0:w]
    if office.surface == "sieve":
        # The wire mesh: bright wires over the dark holes, inside the sieve only.
        pitch = max(5, int(long_side / rng.uniform(110, 200)))
        wire = ((xx % pitch) < pitch * 0.35) | ((yy % pitch) < pitch * 0.35)
        cx, cy, r = region.cx + m, region.cy + m, region.r
        inside = (xx - cx) ** 2 + (yy - cy) ** 2 < r**2
        arr[wire & inside] = np.array(sc, dtype=np.float32) * 0.95
    if office.surface == "mat" and office.grid:
        spacing = long_side / rng.uniform(18, 30)
        line = ((xx % spacing) < 2) | ((yy % spacing) < 2)
        arr[line] = arr[line] * 0.6 + np.array([150, 190, 230], np.float32) * 0.4
    if office.surface == "paper":
        # Folded parcel paper: panels at slightly different angles to the light, and the creases.
        x0, y0, x1, y1 = region.x0 + m, region.y0 + m, region.x1 + m, region.y1 + m
        for k, frac in enumerate((1 / 3, 2 / 3)):
            crease = int(x0 + (x1 - x0) * frac)
            arr[y0:y1, crease : crease + 2] *= 0.9
            panel = (xx > crease) & (xx >= x0) & (xx <= x1) & (yy >= y0) & (yy <= y1)
            arr[panel] *= 0.97 if k == 0 else 1.02
    # Texture: fine grain everywhere and some low-frequency unevenness of the surface.
    grain = {"velvet": 4.0, "paper": 2.5, "mat": 3.0}.get(office.surface, 2.0)
    tex = (
        _smooth_noise(rng, w, h, 2) * grain + _smooth_noise(rng, w, h, max(8, long_side // 30)) * grain * 1.5
    )
    arr += tex[..., None]
    arr *= _light(office)[..., None]
    arr *= np.array(office.cast, dtype=np.float32)
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), mode="RGB")


def _margin(office: Office) -> int:
    return 0 if office.tripod else int(max(office.size) * 0.03)


@lru_cache(maxsize=8)
def _light(office: Office) -> np.ndarray:
    """Multiplicative light field (about 1.0 on average) over the frame and its margin: gradient,
    hotspot, vignetting."""
    m = _margin(office)
    w, h = office.size[0] + 2 * m, office.size[1] + 2 * m
    step = 8
    yy, xx = np.mgrid[0 : h // step + 1, 0 : w // step + 1].astype(np.float32) * step
    w0, h0 = office.size
    long_side = max(w0, h0)
    u, v = (xx - m - w0 / 2) / long_side, (yy - m - h0 / 2) / long_side
    field = 1 - office.gradient * (u * math.cos(office.light_angle) + v * math.sin(office.light_angle))
    hx, hy, hs, hr = office.hotspot
    field += hs * np.exp(-(((xx - m - hx * w0) ** 2 + (yy - m - hy * h0) ** 2) / (2 * (hr * long_side) ** 2)))
    field -= office.vignette * (u**2 + v**2) * 2
    field /= float(field.mean())
    img = Image.fromarray(field.astype(np.float32), mode="F").resize((w, h), Image.Resampling.BILINEAR)
    return np.asarray(img, dtype=np.float32)


@dataclass(frozen=True)
class _Region:
    """Where stones may lie, in frame coordinates: a box, or the disc inscribed in it (a sieve)."""

    x0: int
    y0: int
    x1: int
    y1: int
    disc: bool = False

    @property
    def cx(self) -> int:
        return (self.x0 + self.x1) // 2

    @property
    def cy(self) -> int:
        return (self.y0 + self.y1) // 2

    @property
    def r(self) -> int:
        return (self.x1 - self.x0) // 2

    @property
    def area(self) -> float:
        return math.pi * self.r**2 if self.disc else float((self.x1 - self.x0) * (self.y1 - self.y0))

    def holds(self, x: float, y: float, r: float) -> bool:
        """Whether a stone of radius ``r`` at (x, y) lies wholly inside."""
        if self.disc:
            return (x - self.cx) ** 2 + (y - self.cy) ** 2 < (self.r - r) ** 2
        return self.x0 + r < x < self.x1 - r and self.y0 + r < y < self.y1 - r


def _surface_region(office: Office) -> _Region:
    w, h = office.size
    if office.surface == "tray":
        return _Region(int(w * 0.06), int(h * 0.06), int(w * 0.94), int(h * 0.94))
    if office.surface == "sieve":
        r = int(min(w, h) * 0.45)
        return _Region(w // 2 - r, h // 2 - r, w // 2 + r, h // 2 + r, disc=True)
    if office.surface == "paper":
        return _Region(int(w * 0.03), int(h * 0.02), int(w * 0.97), int(h * 0.98))
    return _Region(0, 0, w, h)


def _shade(colour: tuple[int, int, int], k: float) -> tuple[int, int, int]:
    return tuple(int(min(255, max(0, c * k))) for c in colour)  # type: ignore[return-value]


# --------------------------------------------------------------------------------------------------
# Parcels


@dataclass(frozen=True)
class Parcel:
    """What kind of parcel is on the surface (not where each stone lies)."""

    office: int
    count: int
    coverage: float
    size_spread: float
    colours: tuple[float, ...]
    shapes: tuple[float, ...]
    translucent: float  # share of translucent stones
    frosted: float  # share of frosted stones
    spread: str  # "even", "clusters" or "heap"


def _parcel(rng: np.random.Generator, n_offices: int, office: Office, sparse: bool = False) -> Parcel:
    count = int(rng.integers(15, 31)) if sparse else round(math.exp(rng.uniform(math.log(15), math.log(350))))
    colours = 0.6 * np.asarray(office.palette) + 0.4 * rng.dirichlet([1.0] * len(COLOURS))
    return Parcel(
        office=int(rng.integers(n_offices)),
        count=count,
        coverage=float(rng.uniform(0.01, 0.04)) if sparse else float(rng.uniform(0.04, 0.3)),
        size_spread=float(rng.uniform(0.15, 0.4)),
        colours=tuple(float(c) for c in colours / colours.sum()),
        shapes=tuple(float(s) for s in rng.dirichlet([2.0, 0.6, 1.5, 1.2])),
        translucent=float(rng.uniform(0.1, 0.8)),
        frosted=float(rng.uniform(0.0, 0.5)),
        spread=str(rng.choice(["even", "even", "clusters", "heap"])),
    )


@dataclass
class _Stone:
    x: float
    y: float
    r: float
    shape: str
    colour: tuple[int, int, int]
    alpha: int
    frosted: bool
    angle: float


def _place_stones(
    rng: np.random.Generator, office: Office, parcel: Parcel, keep_out: list[tuple[int, int, int, int]]
) -> list[_Stone]:
    w, h = office.size
    region = _surface_region(office)
    bx0, by0, bx1, by1, area = region.x0, region.y0, region.x1, region.y1, region.area
    r_med = math.sqrt(parcel.coverage * area / (parcel.count * math.pi))
    r_med = min(max(r_med, max(w, h) * 0.006), max(w, h) * 0.05)
    centres = rng.uniform((bx0, by0), (bx1, by1), size=(4, 2))  # cluster centres / heap centre
    if parcel.spread == "heap":
        centres[:] = rng.uniform(
            (bx0 * 0.6 + bx1 * 0.4, by0 * 0.6 + by1 * 0.4), (bx0 * 0.4 + bx1 * 0.6, by0 * 0.4 + by1 * 0.6)
        )
    colour_names = list(COLOURS)
    occupied: set[tuple[int, int]] = set()
    cell = max(4.0, r_med * 1.6)
    stones: list[_Stone] = []
    for _ in range(parcel.count):
        r = float(r_med * math.exp(rng.normal(0, parcel.size_spread)))
        for attempt in range(12):
            if parcel.spread == "even":
                x, y = rng.uniform((bx0, by0), (bx1, by1))
            else:
                c = centres[int(rng.integers(len(centres)))]
                sd = math.sqrt(area) * (0.08 if parcel.spread == "clusters" else 0.12)
                x, y = c + rng.normal(0, sd, 2)
            if not region.holds(x, y, r) or any(
                k0 - r < x < k1 + r and l0 - r < y < l1 + r for k0, l0, k1, l1 in keep_out
            ):
                continue
            key = (int(x // cell), int(y // cell))
            # Spread stones rarely touch; a heap piles them up (later attempts may overlap).
            if key in occupied and attempt < (10 if parcel.spread == "even" else 3):
                continue
            occupied.add(key)
            break
        else:
            continue
        name = colour_names[int(rng.choice(len(colour_names), p=parcel.colours))]
        base = COLOURS[name]
        tint = rng.uniform(0.9, 1.1)
        colour = tuple(int(min(255, c * tint * rng.uniform(0.96, 1.04))) for c in base)
        translucent = rng.random() < parcel.translucent and name != "black"
        stones.append(
            _Stone(
                x=float(x),
                y=float(y),
                r=r,
                shape=SHAPES[int(rng.choice(len(SHAPES), p=parcel.shapes))],
                colour=colour,  # type: ignore[arg-type]
                alpha=int(rng.integers(110, 185)) if translucent else int(rng.integers(228, 256)),
                frosted=bool(rng.random() < parcel.frosted),
                angle=float(rng.uniform(0, 2 * math.pi)),
            )
        )
    return stones


def _outline(rng: np.random.Generator, stone: _Stone) -> list[tuple[float, float]]:
    """The stone's outline relative to its centre."""
    if stone.shape == "octahedron":
        n = 4 if rng.random() < 0.6 else 6
        angles = np.arange(n) * 2 * math.pi / n + rng.uniform(-0.15, 0.15, n)
        radii = stone.r * rng.uniform(0.88, 1.12, n)
    elif stone.shape == "macle":
        n = 6  # a flat triangle with its corners cut
        base = np.repeat(np.arange(3) * 2 * math.pi / 3, 2) + np.tile([-0.35, 0.35], 3)
        angles = base + rng.uniform(-0.08, 0.08, n)
        radii = stone.r * rng.uniform(0.85, 1.05, n)
    elif stone.shape == "rounded":
        n = 14
        angles = np.arange(n) * 2 * math.pi / n
        radii = stone.r * (1 + 0.07 * np.sin(angles * rng.integers(2, 4) + rng.uniform(0, 6)))
    else:
        n = int(rng.integers(5, 10))
        angles = np.sort(rng.uniform(0, 2 * math.pi, n))
        radii = stone.r * rng.uniform(0.6, 1.2, n)
    aspect = rng.uniform(0.7, 1.0)
    ca, sa = math.cos(stone.angle), math.sin(stone.angle)
    pts = []
    for a, rad in zip(angles, radii, strict=True):
        px, py = rad * math.cos(a), rad * math.sin(a) * aspect
        pts.append((px * ca - py * sa, px * sa + py * ca))
    return pts


def _draw_stone(draw: ImageDraw.ImageDraw, rng: np.random.Generator, stone: _Stone, light: float) -> None:
    """One stone, lit from ``light`` (radians): facets (or soft shading), rim and glint."""
    pts = _outline(rng, stone)
    poly = [(stone.x + px, stone.y + py) for px, py in pts]
    a = stone.alpha
    lx, ly = math.cos(light), math.sin(light)
    contrast = 0.12 if stone.frosted else 0.3
    if stone.shape == "rounded":
        draw.polygon(poly, fill=(*_shade(stone.colour, 1 - contrast), a))
        k = 0.8
        off = stone.r * 0.18
        inner = [(stone.x + px * k + lx * off, stone.y + py * k + ly * off) for px, py in pts]
        draw.polygon(inner, fill=(*_shade(stone.colour, 1 + contrast * 0.3), a))
    else:
        apex = (stone.x + rng.uniform(-0.15, 0.15) * stone.r, stone.y + rng.uniform(-0.15, 0.15) * stone.r)
        for i in range(len(poly)):
            p, q = poly[i], poly[(i + 1) % len(poly)]
            mx, my = (p[0] + q[0]) / 2 - apex[0], (p[1] + q[1]) / 2 - apex[1]
            norm = math.hypot(mx, my) or 1.0
            facing = (mx * lx + my * ly) / norm
            draw.polygon([apex, p, q], fill=(*_shade(stone.colour, 1 + contrast * facing), a))
    rim = _shade(stone.colour, 0.45)
    draw.line([*poly, poly[0]], fill=(*rim, min(255, a // 2 + 40)), width=max(1, int(stone.r / 10)))
    if not stone.frosted:
        g = stone.r * rng.uniform(0.1, 0.22)
        gx, gy = stone.x + lx * stone.r * 0.4, stone.y + ly * stone.r * 0.4
        draw.ellipse(
            (gx - g, gy - g * 0.7, gx + g, gy + g * 0.7), fill=(255, 255, 250, int(rng.integers(140, 230)))
        )
        if stone.alpha < 200:  # light coming through a translucent stone, on its far side
            h = g * 1.4
            hx, hy = stone.x - lx * stone.r * 0.35, stone.y - ly * stone.r * 0.35
            draw.ellipse((hx - h, hy - h, hx + h, hy + h), fill=(*_shade(stone.colour, 1.25), 90))


# --------------------------------------------------------------------------------------------------
# Props


@lru_cache(maxsize=64)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _label(office: Office, rng: np.random.Generator) -> Image.Image:
    """A parcel label in the office's style, with this parcel's number, weight and date."""
    long_side = max(office.size)
    w = int(long_side * 0.2)
    h = int(w * 0.62)
    paper = {0: (248, 248, 244), 1: (244, 238, 220), 2: (250, 222, 70)}[office.label_style]
    img = Image.new("RGBA", (w, h), (*paper, 255))
    draw = ImageDraw.Draw(img)
    fs = max(8, h // 8)
    font = _font(fs)
    top = int(h * 0.06)
    if office.label_style == 1:
        band = np.random.default_rng(office.key).integers(0, 3)
        colour = [(170, 30, 35), (30, 60, 140), (20, 110, 60)][int(band)]
        draw.rectangle((0, 0, w, int(h * 0.22)), fill=colour)
        draw.text((int(w * 0.05), int(h * 0.03)), office.label_header, font=font, fill=(255, 255, 255))
        top = int(h * 0.27)
    else:
        draw.text((int(w * 0.05), top), office.label_header, font=font, fill=(20, 20, 20))
        top += int(fs * 1.3)
    lines = [
        f"No. {rng.integers(10, 99)}-{rng.integers(1000, 99999)}",
        f"{rng.uniform(5, 3000):.2f} ct",
        f"2024-{rng.integers(1, 13):02d}-{rng.integers(1, 29):02d}",
    ]
    for i, line in enumerate(lines):
        draw.text((int(w * 0.05), top + i * int(fs * 1.2)), line, font=font, fill=(25, 25, 30))
    if office.label_style == 2:  # a barcode encoding nothing in particular, but this parcel's own
        x = int(w * 0.62)
        while x < w * 0.95:
            bw = int(rng.integers(1, 4))
            if rng.random() < 0.55:
                draw.rectangle((x, int(h * 0.55), x + bw - 1, int(h * 0.92)), fill=(10, 10, 10))
            x += bw
    else:
        draw.rectangle((0, 0, w - 1, h - 1), outline=(90, 90, 90), width=max(1, w // 120))
    return img


@lru_cache(maxsize=16)
def _ruler(office: Office) -> Image.Image:
    """The office's steel or plastic ruler, in mm, the same in every photo of the office."""
    assert office.ruler is not None
    long_side = max(office.size)
    length = int(long_side * office.ruler[2])
    width = max(14, int(long_side * 0.035))
    rng = np.random.default_rng(office.key + 1)
    body = [(200, 202, 206), (244, 244, 240), (236, 206, 70)][int(rng.integers(3))]
    img = Image.new("RGBA", (length, width), (*body, 255))
    draw = ImageDraw.Draw(img)
    mm = int(rng.integers(100, 160))
    px_mm = length / mm
    font = _font(max(7, width // 3))
    for i in range(mm + 1):
        x = int(i * px_mm) + 1
        tick = 0.5 if i % 10 == 0 else (0.35 if i % 5 == 0 else 0.2)
        draw.line((x, 0, x, int(width * tick)), fill=(20, 20, 20), width=1)
        if i % 10 == 0 and 0 < i < mm:
            draw.text((x + 2, int(width * 0.5)), str(i // 10), font=font, fill=(20, 20, 20))
    draw.rectangle((0, 0, length - 1, width - 1), outline=_shade(body, 0.7), width=1)
    return img if office.ruler[3] == 0 else img.rotate(90, expand=True)


@lru_cache(maxsize=16)
def _seal(office: Office) -> Image.Image:
    """A lead or wax seal, the same in every photo of the office."""
    assert office.seal is not None
    long_side = max(office.size)
    r = int(long_side * 0.035)
    img = Image.new("RGBA", (2 * r + 2, 2 * r + 2), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    colour = (150, 150, 156) if office.seal[2] == "lead" else (160, 28, 30)
    draw.ellipse((0, 0, 2 * r, 2 * r), fill=(*colour, 255))
    draw.ellipse(
        (r * 0.2, r * 0.2, r * 1.8, r * 1.8), outline=(*_shade(colour, 0.7), 255), width=max(1, r // 10)
    )
    draw.ellipse((r * 0.3, r * 0.25, r * 0.9, r * 0.7), fill=(*_shade(colour, 1.3), 160))
    draw.text((r * 0.55, r * 0.75), "KP", font=_font(max(8, int(r * 0.6))), fill=(*_shade(colour, 0.55), 255))
    return img


def _place(
    office: Office, size: tuple[int, int], fx: float, fy: float, jitter: tuple[int, int]
) -> tuple[int, int]:
    w, h = office.size
    x = int(min(max(fx * w + jitter[0], 0), w - size[0]))
    y = int(min(max(fy * h + jitter[1], 0), h - size[1]))
    return x, y


# --------------------------------------------------------------------------------------------------
# A photo


def _photo(office: Office, parcel: Parcel, rng: np.random.Generator) -> Image.Image:
    w, h = office.size
    long_side = max(w, h)
    m = _margin(office)
    dx, dy = (int(rng.integers(0, 2 * m + 1)), int(rng.integers(0, 2 * m + 1))) if m else (0, 0)
    exposure = 1.0 if office.tripod else float(rng.uniform(0.92, 1.0))
    # Props first: their boxes keep the stones off them.
    props: list[tuple[Image.Image, tuple[int, int]]] = []
    move = int(long_side * 0.012)
    label = _label(office, rng).rotate(
        office.label_place[2] + float(rng.uniform(-2, 2)), expand=True, resample=Image.Resampling.BICUBIC
    )
    jit = (int(rng.integers(-move, move + 1)), int(rng.integers(-move, move + 1)))
    props.append((label, _place(office, label.size, office.label_place[0], office.label_place[1], jit)))
    if office.ruler is not None:
        ruler = _ruler(office)
        props.append((ruler, _place(office, ruler.size, office.ruler[0], office.ruler[1], (0, 0))))
    if office.seal is not None:
        seal = _seal(office)
        jit = (int(rng.integers(-move, move + 1)), int(rng.integers(-move, move + 1)))
        props.append((seal, _place(office, seal.size, office.seal[0], office.seal[1], jit)))
    keep_out = [(x, y, x + im.size[0], y + im.size[1]) for im, (x, y) in props]
    stones = _place_stones(rng, office, parcel, keep_out)
    # Stones and props lie on the surface: when a hand-held camera moves, they move with it in the frame.
    sx, sy = m - dx, m - dy
    props = [(im, (x + sx, y + sy)) for im, (x, y) in props]
    for s in stones:
        s.x, s.y = s.x + sx, s.y + sy

    # Soft shadows, away from the light, on the surface: drawn at half size and blurred once.
    shadow = Image.new("L", ((w + 1) // 2, (h + 1) // 2), 0)
    sdraw = ImageDraw.Draw(shadow)
    lx, ly = math.cos(office.light_angle), math.sin(office.light_angle)
    strength = {"velvet": 0.25, "paper": 0.35}.get(office.surface, 0.4)
    for s in stones:
        off = s.r * 0.35
        cx, cy, sr = (s.x - lx * off) / 2, (s.y - ly * off) / 2, s.r / 2
        sdraw.ellipse(
            (cx - sr, cy - sr * 0.9, cx + sr, cy + sr * 0.9), fill=int(strength * min(255, s.alpha + 20))
        )
    for im, (x, y) in props:
        x0, y0 = (x - lx * 3) / 2, (y - ly * 3) / 2
        sdraw.rectangle((x0, y0, x0 + im.size[0] / 2, y0 + im.size[1] / 2), fill=int(strength * 120))
    radius = max(1.0, float(np.median([s.r for s in stones])) * 0.12 if stones else 1.0)
    shadow = shadow.filter(ImageFilter.GaussianBlur(radius)).resize((w, h), Image.Resampling.BILINEAR)
    # Multiply the lit, empty scene by (1 - shadow) x exposure, in 8 bits.
    gain = shadow.point([int((255 - v) * exposure) for v in range(256)])
    bg = _background(office).crop((dx, dy, dx + w, dy + h))
    img = ImageChops.multiply(bg, Image.merge("RGB", (gain, gain, gain)))

    # Props and stones take the light where they lie (the field is smooth, so one value each).
    light = _light(office)[dy : dy + h, dx : dx + w]
    cast = np.array(office.cast, dtype=np.float32)
    for im, (x, y) in props:
        k = float(light[min(h - 1, y + im.size[1] // 2), min(w - 1, x + im.size[0] // 2)]) * exposure
        arr = np.asarray(im, dtype=np.float32).copy()
        arr[..., :3] = np.clip(arr[..., :3] * k * cast, 0, 255)
        lit = Image.fromarray(arr.astype(np.uint8), mode="RGBA")
        img.paste(lit, (x, y), lit)
    draw = ImageDraw.Draw(img, "RGBA")
    frost = Image.new("L", (w, h), 0)
    fdraw = ImageDraw.Draw(frost)
    for i in rng.permutation(len(stones)):
        s = stones[int(i)]
        k = float(light[min(h - 1, max(0, int(s.y))), min(w - 1, max(0, int(s.x)))]) * exposure
        s.colour = tuple(int(min(255, c * k * g)) for c, g in zip(s.colour, office.cast, strict=True))  # type: ignore[assignment]
        _draw_stone(draw, np.random.default_rng(rng.integers(2**63)), s, office.light_angle)
        if s.frosted:
            fdraw.ellipse((s.x - s.r * 0.8, s.y - s.r * 0.8, s.x + s.r * 0.8, s.y + s.r * 0.8), fill=255)

    # The camera: softness, sensor noise (stronger on frosted skins), and its file format. The noise
    # is a window at a random place in a larger field of the office's: generating fresh Gaussian
    # noise for every photo would cost more than everything else.
    if office.softness:
        img = img.filter(ImageFilter.GaussianBlur(office.softness))
    fine, coarse = _noise_fields(office)
    nx, ny = int(rng.integers(0, _NOISE_PAD + 1)), int(rng.integers(0, _NOISE_PAD + 1))
    box = (nx, ny, nx + w, ny + h)
    noise = Image.composite(coarse.crop(box), fine.crop(box), frost)
    img = ImageChops.add(img, Image.merge("RGB", (noise, noise, noise)), offset=-128)
    if office.jpeg_quality is not None:
        img = _jpeg(img, office.jpeg_quality)
    return img


_NOISE_PAD = 64


@lru_cache(maxsize=8)
def _noise_fields(office: Office) -> tuple[Image.Image, Image.Image]:
    """Sensor noise around 128 (fine: the office's sensor; coarse: a frosted skin), larger than the
    frame by ``_NOISE_PAD`` so that each photo takes another window of it."""
    rng = np.random.default_rng(office.key + 2)
    w, h = office.size[0] + _NOISE_PAD, office.size[1] + _NOISE_PAD
    base = rng.standard_normal((h, w), dtype=np.float32)
    fine = Image.fromarray(np.clip(128 + base * office.noise, 0, 255).astype(np.uint8), mode="L")
    coarse = Image.fromarray(np.clip(128 + base * (office.noise + 12), 0, 255).astype(np.uint8), mode="L")
    return fine, coarse


def _jpeg(img: Image.Image, quality: int) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=quality)
    buf.seek(0)
    out = Image.open(buf)
    out.load()
    return out.convert("RGB")


# --------------------------------------------------------------------------------------------------
# The interface


def originals(seed: int, n: int) -> Iterator[Image.Image]:
    """``n`` distinct parcel photos (RGB), taken in the seed's few offices."""
    offices = _offices(seed)
    for i in range(n):
        office, parcel = _original_plan(seed, i, offices)
        yield _photo(office, parcel, _rng(seed, _ORIGINAL_LAYOUT, i))


def _original_plan(seed: int, i: int, offices: tuple[Office, ...]) -> tuple[Office, Parcel]:
    rng = _rng(seed, _ORIGINAL_PARCEL, i)
    office = offices[int(rng.integers(len(offices)))]
    return office, _parcel(rng, len(offices), office)


def unrelated(seed: int, n: int) -> Iterator[Image.Image]:
    """``n`` photos of other parcels: most in the offices of ``originals(seed, ...)`` (hard
    negatives: same surface, light, camera, label style, ruler and seal), none a copy of an original.
    """
    offices = _offices(seed)
    for j in range(n):
        plan = _rng(seed, _UNRELATED_PLAN, j)
        kind = plan.random()
        prng = _rng(seed, _UNRELATED_PARCEL, j)
        if kind < 0.45:  # another parcel in one of the same offices
            office = offices[int(prng.integers(len(offices)))]
            parcel = _parcel(prng, len(offices), office)
        elif kind < 0.65:  # a twin of originals[j]: same office, same kind of parcel, other stones
            office, parcel = _original_plan(seed, j, offices)
        elif kind < 0.75:  # a sparse parcel: the photo is mostly the office's background
            office = offices[int(prng.integers(len(offices)))]
            parcel = _parcel(prng, len(offices), office, sparse=True)
        else:  # somewhere else
            office = _office(_rng(seed, _UNRELATED_OFFICE, j))
            parcel = _parcel(prng, 1, office)
        yield _photo(office, parcel, _rng(seed, _UNRELATED_LAYOUT, j))


def variants(image: Image.Image, seed: int) -> dict[str, Image.Image]:
    """Copies of ``image`` as a forger would re-use it, by name (the name carries the parameters):
    crop, resize, JPEG recompression, blur, recolour, and four combinations of them."""
    rng = _rng(seed, _VARIANTS, 0)
    image = image.convert("RGB")
    out: dict[str, Image.Image] = {}

    crop = _crop_params(rng, image)
    out[f"crop-{_crop_name(crop)}"] = _crop(image, crop)
    factor = _resize_factor(rng)
    out[f"resize-x{factor:.3f}"] = _resize(image, factor)
    quality = int(rng.integers(50, 96))
    out[f"jpeg-q{quality}"] = _jpeg(image, quality)
    radius = float(rng.uniform(0.3, 1.5))
    out[f"blur-r{radius:.2f}"] = image.filter(ImageFilter.GaussianBlur(radius))
    colour = _colour_params(rng)
    out[f"recolour-{_colour_name(colour)}"] = _recolour(image, colour)

    # Combinations: what a forger does on the way (a crop to hide a label, an app's resize, a save).
    crop, factor, quality = _crop_params(rng, image), _resize_factor(rng), int(rng.integers(50, 96))
    name = f"crop-{_crop_name(crop)}+resize-x{factor:.3f}+jpeg-q{quality}"
    out[name] = _jpeg(_resize(_crop(image, crop), factor), quality)
    factor, radius, quality = _resize_factor(rng), float(rng.uniform(0.3, 1.5)), int(rng.integers(50, 96))
    out[f"resize-x{factor:.3f}+blur-r{radius:.2f}+jpeg-q{quality}"] = _jpeg(
        _resize(image, factor).filter(ImageFilter.GaussianBlur(radius)), quality
    )
    crop, colour, quality = _crop_params(rng, image), _colour_params(rng), int(rng.integers(50, 96))
    out[f"crop-{_crop_name(crop)}+recolour-{_colour_name(colour)}+jpeg-q{quality}"] = _jpeg(
        _recolour(_crop(image, crop), colour), quality
    )
    crop, factor = _crop_params(rng, image), _resize_factor(rng)
    colour, radius, quality = _colour_params(rng), float(rng.uniform(0.3, 1.5)), int(rng.integers(50, 96))
    name = (
        f"crop-{_crop_name(crop)}+resize-x{factor:.3f}+recolour-{_colour_name(colour)}"
        f"+blur-r{radius:.2f}+jpeg-q{quality}"
    )
    out[name] = _jpeg(
        _recolour(_resize(_crop(image, crop), factor), colour).filter(ImageFilter.GaussianBlur(radius)),
        quality,
    )
    return out


def _crop_params(rng: np.random.Generator, image: Image.Image) -> tuple[int, int, int, int]:
    """Pixels off the left, top, right and bottom: 0-10 % of the side each, independently, never
    all four zero (that would be no crop)."""
    w, h = image.size
    fr = rng.uniform(0, 0.10, 4)
    px = (int(fr[0] * w), int(fr[1] * h), int(fr[2] * w), int(fr[3] * h))
    return px if any(px) else (1, 0, 0, 0)


def _crop_name(px: tuple[int, int, int, int]) -> str:
    return f"l{px[0]}t{px[1]}r{px[2]}b{px[3]}px"


def _crop(image: Image.Image, px: tuple[int, int, int, int]) -> Image.Image:
    w, h = image.size
    return image.crop((px[0], px[1], w - px[2], h - px[3]))


def _resize_factor(rng: np.random.Generator) -> float:
    """x0.5 to x1.5, away from x1 (within 3 % of it a resize hardly changes the picture)."""
    while True:
        f = float(rng.uniform(0.5, 1.5))
        if abs(f - 1) >= 0.03:
            return round(f, 3)


def _resize(image: Image.Image, factor: float) -> Image.Image:
    w, h = image.size
    size = (max(1, round(w * factor)), max(1, round(h * factor)))
    return image.resize(size, Image.Resampling.BICUBIC if factor > 1 else Image.Resampling.LANCZOS)


def _colour_params(rng: np.random.Generator) -> tuple[float, float, float, float, float, float]:
    """Brightness, contrast, saturation (+-15 %), hue shift (degrees, +-6), red and blue gains
    (+-6 %, a white-balance shift)."""
    b, c, s = (float(v) for v in rng.uniform(0.85, 1.15, 3))
    return b, c, s, float(rng.uniform(-6, 6)), float(rng.uniform(0.94, 1.06)), float(rng.uniform(0.94, 1.06))


def _colour_name(p: tuple[float, float, float, float, float, float]) -> str:
    return f"b{p[0]:.2f}c{p[1]:.2f}s{p[2]:.2f}h{p[3]:.1f}wb{p[4]:.2f},{p[5]:.2f}"


def _recolour(image: Image.Image, p: tuple[float, float, float, float, float, float]) -> Image.Image:
    b, c, s, hue, red, blue = p
    img = ImageEnhance.Brightness(image).enhance(b)
    img = ImageEnhance.Contrast(img).enhance(c)
    img = ImageEnhance.Color(img).enhance(s)
    hsv = np.asarray(img.convert("HSV")).copy()
    hsv[..., 0] = (hsv[..., 0].astype(np.int16) + round(hue / 360 * 256)) % 256
    img = Image.fromarray(hsv, mode="HSV").convert("RGB")
    arr = np.asarray(img, dtype=np.float32) * np.array([red, 1.0, blue], dtype=np.float32)
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), mode="RGB")
