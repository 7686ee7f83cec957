"""Held-out parcel photos for measuring the shipment-photo re-use search, written independently of the
search and of the project's other photo generators.

What it models.  The photo an exporting authority's office takes of a parcel of rough diamonds before it
is sealed, as kept in the KP Working Group of Diamond Experts' database, and the copies a forger makes of
such a photo to pass it off for another shipment.

* A fixed pool of 15 offices with 6 working days each (derived from a constant, never from a seed: the
  same offices photograph every shipment).  Each office has one set-up used parcel after parcel: a
  surface (white sheet of A4/A3 paper on a wooden or laminate desk, black or blue velvet, white or blue
  sorting tray, light box, grey or green felt), a camera (640-2000 px, 4:3, 3:2, 16:9 or portrait, on a
  copy stand or handheld, sensor noise, lens softness, in-camera sharpening and JPEG quality, some with a
  burnt-in orange date stamp), fixed lighting (colour cast of fluorescent, tungsten or LED light, gradient
  from a window, lamp hot spot, vignetting, direction of the stones' shadows), and props lying in the
  same places every time: a label card with the certificate number, lot, carats and exporter (sometimes
  stamped and signed), a ruler, a colour chart, tweezers.
* Working days ("sessions") of each office, also fixed: the framing, the white balance and exposure,
  where the label card lies, and the dust and lint on the cloth or paper stay the same all day, so that
  the photos of one day differ only by the parcel (and by a few millimetres of framing for a copy stand,
  more for a handheld camera).  Each day an office handles a few exporters whose lots come from one kind
  of production (West African alluvial, Kasai industrial, southern African kimberlite, Lunda alluvial,
  Guiana shield, mixed tenders), so consecutive lots of one exporter look alike: same colours, sizes and
  shapes of stones.
* The parcel: rough stones drawn one by one (octahedra, rounded dodecahedra, flat triangular macles,
  cubes, irregular and cleavage fragments; colourless, cape, brown, grey, green-skinned, boart, rarely
  pink; glassy or frosted; shaded facets, highlights, inclusions, dark refraction rims, soft shadows, or
  silhouettes on a light box) in the arrangements offices use: spread out by hand, lined up in rows for
  counting, heaped in a pile, lying on an opened diamond paper (blue or white liner, creases, lot number
  written on the flap), sealed in a transparent heat-sealed bag with a seal sticker (with plastic glare),
  next to the KP certificate, or a single "special" stone (> 10.8 ct) photographed close-up beside a ruler.
  Label, sticker and certificate of one photo carry the same certificate number, lot and carats.
* Copies (``variants``): what a forger does to a lawful photo he got hold of, within the issue's words,
  ten per photo: crops of 1-10 % off some sides (typically to lose the label or the date stamp),
  resizing (x0.3-0.9, sometimes x1.1-1.5, or squeezed by up to 4 % to fit a form; Lanczos, bicubic or
  bilinear), recompression at JPEG quality 50-95, slight Gaussian blur (radius 0.5-1 px, times the long
  side / 1200 above 1200 px, sized on the image as it is at that step), slight recolouring (brightness
  and contrast +-12 %, saturation 0.75-1.3, warmth +-5 %, sometimes gamma +-12 %), and chains of them
  ("crop-...+resize-...+jpeg-q60").
* Unrelated photos (``unrelated``): other parcels, never pixels of an original.  Kinds and shares (drawn
  per photo, so the shares in a run are close to, not exactly, these): ``sibling-lot`` 25 % (same office,
  same day, same exporter's production, the office's usual arrangement: the hardest, a run of look-alike
  lots on an unchanged set-up), ``same-session`` 25 % (same office and day, any exporter and arrangement),
  ``same-office`` 15 % (same office and set-up, another day), ``special`` 6 % (a single large stone on an
  office's set-up: photos that are mostly empty background), ``bagged`` 6 % (sealed bags on an office's
  set-up: mostly plastic, sticker and glare), ``foreign`` 23 % (set-ups of offices outside the pool).
  Originals come 90 % from the pool's offices and days (offices weighted by how much they export: Antwerp,
  Dubai and Mumbai most), 10 % from five set-ups of their own seed.

What it deliberately does not model.  Photos of the same parcel taken twice (a re-shoot is neither a copy
nor another parcel), forgeries that edit the content (pasting another label, retouching or cloning stones,
compositing two photos), rotation, mirroring, perspective changes, crops over 10 %, JPEG below quality 50,
heavy blur or colour changes, screenshots with borders or text overlays, printed-and-rescanned photos,
photos of anything but a parcel, optical effects of real diamonds beyond a sketch (no dispersion or true
refraction, stones are flat polygons), depth of field, motion blur, lens distortion, and real names or
documents (certificate numbers, exporters and forms are invented).  No files are read; Pillow and numpy
only.
"""

from __future__ import annotations

import functools
import io
import math
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageEnhance, ImageFilter, ImageFont

RGB = tuple[float, float, float]
Paint = Callable[[ImageDraw.ImageDraw, int, int, float], None]
Direct = Callable[..., None]

_POOL_SEED = 0x4B5043  # the offices and their working days exist independently of any seed
_ORIGINALS = 11
_UNRELATED = 23
_VARIANTS = 41

_COLOURS: tuple[RGB, ...] = (
    (0.80, 0.81, 0.83),  # colourless
    (0.82, 0.80, 0.71),  # silver cape
    (0.84, 0.78, 0.58),  # cape, yellow
    (0.72, 0.58, 0.42),  # light brown
    (0.50, 0.37, 0.25),  # brown
    (0.46, 0.47, 0.48),  # grey
    (0.62, 0.68, 0.57),  # green-skinned
    (0.19, 0.19, 0.20),  # boart, black
    (0.86, 0.71, 0.73),  # pinkish
)
_SHAPES = ("octahedron", "dodecahedron", "macle", "irregular", "cube", "fragment")

# production: colour weights, median carats per stone, spread (log), shape weights, share of frosted stones
_MINES: dict[str, tuple[tuple[float, ...], float, float, tuple[float, ...], float]] = {
    "west-african-alluvial": ((5, 3, 2, 1, 0.5, 0.3, 0.6, 0.1, 0.05), 0.45, 0.9, (3, 4, 1, 2, 0.2, 1), 0.3),
    "kasai-industrial": ((1, 1, 1, 2, 3, 4, 0.5, 4, 0), 0.08, 0.8, (1, 1, 0.5, 4, 1, 3), 0.7),
    "southern-kimberlite": ((3, 2, 3, 3, 2, 1, 0.3, 0.5, 0.05), 0.25, 1.0, (3, 2, 1.5, 3, 0.3, 2), 0.5),
    "lunda-alluvial": ((5, 2, 1.5, 1, 0.5, 0.3, 0.3, 0.1, 0.1), 0.6, 1.0, (2, 5, 1, 1.5, 0.2, 1), 0.2),
    "guiana-shield": ((3, 2, 2, 1, 0.5, 0.5, 2, 0.2, 0.05), 0.06, 0.7, (2, 3, 1, 3, 0.1, 2), 0.4),
    "mixed-tender": ((2, 2, 2, 2, 2, 2, 1, 1, 0.1), 0.3, 1.2, (2, 2, 1, 3, 0.5, 2), 0.5),
}

# code, authority, camera (w, h), field of view across (mm), surface, arrangements, props, handheld,
# date stamp, camera JPEG quality (0: saved losslessly), share of the photos, productions handled
# fmt: off
_SPECS: tuple[tuple, ...] = (
    ("BE", "FPS Economy - Diamond Office Antwerp", (2000, 1333), 230, "tray-white",
     {"paper": 5, "spread": 3, "bag": 1, "special": 1}, "label ruler checker", False, False, 95, 3.0,
     ("mixed-tender", "southern-kimberlite", "lunda-alluvial")),
    ("AE", "DMCC Kimberley Process Office Dubai", (1920, 1080), 260, "velvet-black",
     {"spread": 4, "pile": 3, "bag": 2, "special": 1}, "label ruler", False, False, 92, 3.0,
     ("mixed-tender", "kasai-industrial", "west-african-alluvial")),
    ("IN", "GJEPC Kimberley Process Cell Mumbai", (1600, 1200), 220, "paper",
     {"pile": 5, "paper": 3, "spread": 2}, "label stamp", False, True, 85, 2.5,
     ("mixed-tender", "kasai-industrial")),
    ("ZA", "SADPMR Diamond Exchange Johannesburg", (1600, 1067), 200, "lightbox",
     {"spread": 6, "rows": 2, "special": 2}, "label ruler checker", False, False, 93, 1.5,
     ("southern-kimberlite",)),
    ("BW", "Diamond Hub Gaborone", (2000, 1500), 240, "felt-grey",
     {"rows": 4, "spread": 4, "special": 2}, "label ruler checker", False, False, 0, 1.5,
     ("southern-kimberlite",)),
    ("SL", "Gold and Diamond Office Freetown", (1024, 768), 280, "paper",
     {"spread": 5, "pile": 3, "paper": 2}, "label stamp tweezers", True, True, 80, 1.5,
     ("west-african-alluvial",)),
    ("GY", "GGMC Diamond Valuation Georgetown", (1280, 960), 240, "paper",
     {"spread": 6, "paper": 3, "special": 1}, "label ruler", True, True, 88, 0.8, ("guiana-shield",)),
    ("CD", "CEEC Kinshasa", (800, 600), 300, "velvet-blue",
     {"pile": 5, "spread": 3, "bag": 2}, "label", True, True, 82, 1.5, ("kasai-industrial",)),
    ("AO", "SODIAM Luanda", (1280, 720), 260, "tray-blue",
     {"spread": 4, "bag": 4, "form": 2}, "label ruler", False, False, 90, 1.2, ("lunda-alluvial",)),
    ("NA", "Diamond Commission Windhoek", (2000, 1333), 180, "lightbox",
     {"spread": 5, "rows": 3, "special": 2}, "label ruler checker", False, False, 95, 0.8,
     ("southern-kimberlite",)),
    ("LR", "Government Diamond Office Monrovia", (640, 480), 260, "paper",
     {"spread": 7, "paper": 3}, "label tweezers", True, True, 75, 0.6, ("west-african-alluvial",)),
    ("GN", "BEEC Conakry", (1024, 768), 250, "felt-green",
     {"spread": 5, "form": 3, "pile": 2}, "label stamp", True, False, 85, 0.6, ("west-african-alluvial",)),
    ("IL", "Diamond Controller Ramat Gan", (1600, 1200), 200, "velvet-black",
     {"paper": 4, "spread": 3, "bag": 2, "special": 1}, "label ruler checker", False, False, 95, 1.0,
     ("mixed-tender", "southern-kimberlite")),
    ("GH", "PMMC Diamond Office Accra", (1280, 960), 270, "paper",
     {"spread": 5, "pile": 5}, "label stamp tweezers", True, True, 85, 0.6, ("west-african-alluvial",)),
    ("ZW", "MMCZ Harare", (1080, 1440), 180, "tray-white",
     {"rows": 3, "spread": 4, "bag": 3}, "label ruler", False, False, 90, 0.8,
     ("southern-kimberlite", "mixed-tender")),
)
# fmt: on
_FOREIGN_CODES = ("RU", "CN", "US", "CA", "AU", "BR", "TZ", "LS", "CM", "TG", "SG", "TH", "KR", "CH", "UA")
_CAMERAS = (
    (640, 480),
    (800, 600),
    (1024, 768),
    (1280, 960),
    (1280, 720),
    (1600, 1200),
    (1920, 1080),
    (2000, 1333),
    (2000, 1500),
    (1440, 1080),
    (1080, 1440),
    (1200, 1600),
)
_SURFACES = (
    "paper",
    "velvet-black",
    "velvet-blue",
    "tray-white",
    "tray-blue",
    "lightbox",
    "felt-grey",
    "felt-green",
)
_STYLES = ("spread", "rows", "pile", "paper", "bag", "special", "form")
_PLACES = (
    "Kono",
    "Tongo",
    "Koidu",
    "Lunda",
    "Cuango",
    "Kasai",
    "Tshikapa",
    "Orapa",
    "Karowe",
    "Mazaruni",
    "Sefadu",
    "Yengema",
    "Letseng",
    "Marange",
    "Banankoro",
    "Lulo",
    "Kimbi",
    "Akwatia",
    "Ekati",
)
_FIRMS = ("Minerals", "Diamond Traders", "Mining Co.", "Gems", "Resources", "Export House", "Holdings")
_UNRELATED_MIX = (
    ("sibling-lot", 0.25),
    ("same-session", 0.25),
    ("same-office", 0.15),
    ("special", 0.06),
    ("bagged", 0.06),
    ("foreign", 0.23),
)


@dataclass(frozen=True)
class _Lot:
    exporter: str
    palette: tuple[float, ...]
    ct_median: float
    ct_sigma: float
    shapes: tuple[float, ...]
    frost: float


@dataclass(frozen=True)
class _Session:
    key: int  # seeds the day's texture of the cloth or paper
    day: tuple[int, int, int]
    hour: float
    shift: tuple[float, float]
    zoom: float
    roll: float
    exposure: float
    wb: RGB
    light: float
    label_at: tuple[float, float]
    label_tilt: float
    dust: tuple[tuple[float, float, float], ...]
    lots: tuple[_Lot, ...]


@dataclass(frozen=True)
class _Office:
    code: str
    authority: str
    size: tuple[int, int]
    fov: float
    surface: str
    styles: tuple[str, ...]
    style_p: tuple[float, ...]
    props: frozenset[str]
    handheld: bool
    timestamp: bool
    jpeg: int
    weight: float
    mines: tuple[str, ...]
    panel: tuple[float, float]
    panel_at: tuple[float, float]
    panel_tilt: float
    panel_rgb: RGB
    rim_rgb: RGB
    desk_rgb: RGB
    stripes: tuple[tuple[float, float, float], ...]
    label_size: tuple[float, float]
    label_at: tuple[float, float]
    accent: tuple[int, int, int]
    ruler: tuple[float, float, float, float]
    ruler_rgb: tuple[int, int, int]
    checker: tuple[float, float]
    work: tuple[float, float, float, float]
    light: float
    shadow_len: float
    shadow_soft: float
    shadow_k: float
    gradient: tuple[float, float]
    vignette: float
    hotspot: tuple[float, float, float, float]
    wb: RGB
    blur: float
    noise: float
    sharpen: int
    subsampling: int
    tone: float
    stamp_format: int
    cert_format: int
    sessions: tuple[_Session, ...] = ()


class _View:
    """Camera looking down at the table: table millimetres to pixels."""

    def __init__(self, size: tuple[int, int], ppm: float, centre: tuple[float, float], roll: float):
        self.w, self.h = size
        self.ppm = ppm
        self.cx, self.cy = centre
        self.roll = roll
        self.c, self.s = math.cos(roll), math.sin(roll)

    def pt(self, x: float, y: float) -> tuple[float, float]:
        dx, dy = x - self.cx, y - self.cy
        return (
            self.w / 2 + self.ppm * (self.c * dx - self.s * dy),
            self.h / 2 + self.ppm * (self.s * dx + self.c * dy),
        )

    def pts(self, seq: list[tuple[float, float]]) -> list[tuple[float, float]]:
        return [self.pt(x, y) for x, y in seq]

    def texture_coeffs(self, origin: float, mm_per_px: float) -> tuple[float, ...]:
        k = 1.0 / (self.ppm * mm_per_px)
        a, b = self.c * k, self.s * k
        d, e = -self.s * k, self.c * k
        cc = (self.cx - origin) / mm_per_px - a * self.w / 2 - b * self.h / 2
        ff = (self.cy - origin) / mm_per_px - d * self.w / 2 - e * self.h / 2
        return (a, b, cc, d, e, ff)


def _rot(cx: float, cy: float, tilt: float, local: list[tuple[float, float]]) -> list[tuple[float, float]]:
    c, s = math.cos(tilt), math.sin(tilt)
    return [(cx + c * x - s * y, cy + s * x + c * y) for x, y in local]


def _rect(w: float, h: float) -> list[tuple[float, float]]:
    return [(-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)]


def _u8(rgb: RGB | np.ndarray, k: float = 1.0) -> tuple[int, int, int]:
    return (
        min(255, max(0, int(rgb[0] * k * 255))),
        min(255, max(0, int(rgb[1] * k * 255))),
        min(255, max(0, int(rgb[2] * k * 255))),
    )


@functools.lru_cache(maxsize=64)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=max(6, size))


def _seed(value: int) -> int:
    return value % (1 << 63)


# ---------------------------------------------------------------- offices and days


def _make_lot(rng: np.random.Generator, mine: str) -> _Lot:
    colours, median, sigma, shapes, frost = _MINES[mine]
    palette = np.asarray(colours, dtype=float) * np.exp(rng.normal(0, 0.5, len(colours)))
    shape_w = np.asarray(shapes, dtype=float) * np.exp(rng.normal(0, 0.5, len(shapes)))
    exporter = f"{_PLACES[rng.integers(len(_PLACES))]} {_FIRMS[rng.integers(len(_FIRMS))]}"
    return _Lot(
        exporter,
        tuple(palette / palette.sum()),
        median * math.exp(rng.normal(0, 0.45)),
        sigma * rng.uniform(0.8, 1.15),
        tuple(shape_w / shape_w.sum()),
        min(0.95, max(0.05, frost + rng.normal(0, 0.12))),
    )


def _make_session(rng: np.random.Generator, office: _Office) -> _Session:
    hand = office.handheld
    w, h = office.size
    fov_h = office.fov * h / w
    dust_n = int(rng.integers(25, 140))
    dust = tuple(
        (
            float(rng.uniform(-0.9, 0.9) * office.fov),
            float(rng.uniform(-0.9, 0.9) * fov_h),
            float(rng.uniform(0.15, 0.7)),
        )
        for _ in range(dust_n)
    )
    lots = tuple(
        _make_lot(rng, office.mines[rng.integers(len(office.mines))]) for _ in range(int(rng.integers(2, 5)))
    )
    return _Session(
        key=int(rng.integers(1 << 31)),
        day=(int(rng.integers(2019, 2025)), int(rng.integers(1, 13)), int(rng.integers(1, 29))),
        hour=float(rng.uniform(8.0, 15.5)),
        shift=(float(rng.normal(0, 9 if hand else 2.5)), float(rng.normal(0, 7 if hand else 2))),
        zoom=math.exp(rng.normal(0, 0.05 if hand else 0.012)),
        roll=math.radians(rng.normal(0, 1.5 if hand else 0.4)),
        exposure=math.exp(rng.normal(0, 0.07 if hand else 0.03)),
        wb=(math.exp(rng.normal(0, 0.02)), 1.0, math.exp(rng.normal(0, 0.025))),
        light=office.light + rng.normal(0, 0.12),
        label_at=(office.label_at[0] + rng.normal(0, 4), office.label_at[1] + rng.normal(0, 3)),
        label_tilt=math.radians(rng.normal(0, 2.5)),
        dust=dust,
        lots=lots,
    )


def _make_office(rng: np.random.Generator, spec: tuple) -> _Office:
    code, authority, size, fov, surface, styles, props, hand, stamp, jpeg, weight, mines = spec
    w, h = size
    fov_h = fov * h / w
    names = tuple(styles)
    p = np.asarray([styles[s] for s in names], dtype=float)
    if surface == "paper":
        a3 = rng.random() < 0.4
        panel = (420.0, 297.0) if a3 else (297.0, 210.0)
        if h > w:
            panel = (panel[1], panel[0])
        paper_rgb = np.clip(rng.normal(0.92, 0.015, 3) + np.asarray([0.0, 0.0, rng.normal(0, 0.01)]), 0, 1)
        panel_rgb: RGB = (float(paper_rgb[0]), float(paper_rgb[1]), float(paper_rgb[2]))
        rim = panel_rgb
    elif surface.startswith("tray"):
        panel = (fov * rng.uniform(0.78, 0.9), fov_h * rng.uniform(0.8, 0.92))
        if surface == "tray-white":
            panel_rgb = (0.90, 0.90, 0.89)
            rim = (0.78, 0.78, 0.77)
        else:
            panel_rgb = (0.30, 0.44, 0.68)
            rim = (0.22, 0.33, 0.55)
    elif surface == "lightbox":
        panel = (fov * 1.25, fov_h * 1.3)
        panel_rgb = (0.97, 0.97, 0.98)
        rim = (0.35, 0.35, 0.36)
    else:
        panel = (fov * 2.2, fov_h * 2.2)
        panel_rgb = {
            "velvet-black": (0.07, 0.07, 0.08),
            "velvet-blue": (0.07, 0.10, 0.27),
            "felt-grey": (0.50, 0.50, 0.49),
            "felt-green": (0.15, 0.33, 0.21),
        }[surface]
        rim = panel_rgb
    desk = [(0.50, 0.34, 0.20), (0.60, 0.58, 0.54), (0.26, 0.22, 0.19), (0.70, 0.62, 0.48)][rng.integers(4)]
    grain = 0.06 if desk[0] > desk[2] * 1.4 else 0.015
    stripes = []
    y = -fov * 1.6
    while y < fov * 1.6:
        width = float(rng.uniform(1.5, 9))
        stripes.append((y, width, float(rng.normal(1, grain))))
        y += width
    corner = int(rng.integers(4))
    lw = min(75.0, 0.3 * fov)
    lh = lw * rng.uniform(0.55, 0.7)
    sx, sy = (-1 if corner in (0, 3) else 1), (-1 if corner in (0, 1) else 1)
    label_at = (sx * (fov / 2 - lw / 2 - 0.04 * fov), sy * (fov_h / 2 - lh / 2 - 0.05 * fov_h))
    ruler_len = min(150.0, 0.62 * fov)
    ruler_y = -sy * (fov_h / 2 - 0.09 * fov_h)
    ruler = (float(rng.normal(0, 0.04 * fov)), ruler_y, ruler_len, math.radians(rng.normal(0, 1.5)))
    checker = (-sx * (fov / 2 - 0.17 * fov), sy * (fov_h / 2 - 0.08 * fov_h))
    # where the parcel goes: between the ruler on one side and the label and chart on the other
    prop_set = set(props.split())
    t_top = fov_h * 0.45 - (0.05 * fov_h + lh if "label" in prop_set else 0) - 4
    if "checker" in prop_set:
        t_top = min(t_top, fov_h * 0.42 - 0.065 * fov - 4)
    t_bot = -(fov_h * 0.41 - 8 if "ruler" in prop_set else fov_h * 0.45) + 4
    t_top = max(t_top, t_bot + 0.3 * fov_h)
    ya, yb = sorted((sy * t_bot, sy * t_top))
    work = (-0.38 * fov, ya, 0.38 * fov, yb)
    light_kind = int(rng.integers(3))  # fluorescent, tungsten, LED/daylight
    wb = [(0.97, 1.0, 0.95), (1.08, 1.0, 0.84), (0.98, 1.0, 1.04)][light_kind]
    return _Office(
        code=code,
        authority=authority,
        size=size,
        fov=fov,
        surface=surface,
        styles=names,
        style_p=tuple(p / p.sum()),
        props=frozenset(props.split()),
        handheld=hand,
        timestamp=stamp,
        jpeg=jpeg,
        weight=weight,
        mines=tuple(mines),
        panel=panel,
        panel_at=(float(rng.normal(0, 0.05 * fov)), float(rng.normal(0, 0.05 * fov_h))),
        panel_tilt=math.radians(rng.normal(0, 2.0)),
        panel_rgb=panel_rgb,
        rim_rgb=rim,
        desk_rgb=desk,
        stripes=tuple(stripes),
        label_size=(lw, lh),
        label_at=label_at,
        accent=[(30, 90, 160), (170, 40, 40), (30, 120, 60), (40, 40, 40)][rng.integers(4)],
        ruler=ruler,
        ruler_rgb=[(236, 234, 222), (226, 196, 120), (196, 198, 202)][rng.integers(3)],
        checker=checker,
        work=work,
        light=float(rng.uniform(0, 2 * math.pi)),
        shadow_len=float(rng.uniform(0.12, 0.4)),
        shadow_soft=float(rng.uniform(0.2, 0.6)),
        shadow_k={"lightbox": 0.0, "velvet-black": 0.5, "velvet-blue": 0.5}.get(
            surface, rng.uniform(0.25, 0.45)
        ),
        gradient=(float(rng.uniform(0.0, 0.18)), float(rng.uniform(0, 2 * math.pi))),
        vignette=float(rng.uniform(0.02, 0.3)),
        hotspot=(
            float(rng.uniform(0, 0.15)),
            float(rng.uniform(-0.5, 0.5)),
            float(rng.uniform(-0.5, 0.5)),
            float(rng.uniform(0.25, 0.6)),
        ),
        wb=wb,
        blur=float(rng.uniform(0.4, 1.3) if hand else rng.uniform(0.3, 0.9)),
        noise=float(rng.uniform(2.5, 7.0) if w <= 1024 else rng.uniform(1.0, 4.0)),
        sharpen=int(rng.integers(0, 120)),
        subsampling=2 if rng.random() < 0.8 else 0,
        tone=float(rng.uniform(0.95, 1.18)),
        stamp_format=int(rng.integers(3)),
        cert_format=int(rng.integers(3)),
    )


def _with_sessions(rng: np.random.Generator, office: _Office, n: int) -> _Office:
    sessions = tuple(_make_session(rng, office) for _ in range(n))
    return _Office(**{**office.__dict__, "sessions": sessions})


@functools.lru_cache(maxsize=1)
def _pool() -> tuple[_Office, ...]:
    offices = []
    for i, spec in enumerate(_SPECS):
        rng = np.random.default_rng([_POOL_SEED, i])
        offices.append(_with_sessions(rng, _make_office(rng, spec), 6))
    return tuple(offices)


def _random_spec(rng: np.random.Generator) -> tuple:
    code = _FOREIGN_CODES[rng.integers(len(_FOREIGN_CODES))]
    size = _CAMERAS[rng.integers(len(_CAMERAS))]
    k = int(rng.integers(2, 5))
    chosen = rng.choice(_STYLES, size=k, replace=False)
    styles = {str(s): float(rng.uniform(0.5, 5)) * (0.3 if s in ("special", "form") else 1) for s in chosen}
    props = ["label"] if rng.random() < 0.85 else []
    props += [p for p in ("ruler", "checker", "stamp", "tweezers") if rng.random() < 0.35]
    hand = bool(rng.random() < 0.5)
    return (
        code,
        f"Kimberley Process Authority {code}",
        size,
        float(rng.uniform(170, 320)),
        _SURFACES[rng.integers(len(_SURFACES))],
        styles,
        " ".join(props),
        hand,
        bool(rng.random() < 0.35),
        int(rng.choice([0, 75, 80, 85, 90, 95])),
        1.0,
        tuple(rng.choice(list(_MINES), size=2)),
    )


@functools.lru_cache(maxsize=16)
def _foreign(stream: int, seed: int) -> tuple[_Office, ...]:
    rng = np.random.default_rng([stream, seed, 7])
    return tuple(_with_sessions(rng, _make_office(rng, _random_spec(rng)), 3) for _ in range(5))


# ---------------------------------------------------------------- props


def _paint_label(
    lines: list[str],
    bars: np.ndarray,
    accent: tuple[int, int, int],
    stamp: tuple | None,
    signature: np.ndarray | None,
) -> Paint:
    def paint(d: ImageDraw.ImageDraw, wp: int, hp: int, s: float) -> None:
        d.rectangle([0, 0, wp - 1, hp - 1], fill=(246, 245, 238, 255), outline=(160, 160, 155, 255))
        d.rectangle([0, 0, wp - 1, max(1, int(3.2 * s))], fill=(*accent, 255))
        size = round(2.9 * s)
        longest = max(lines, key=len)
        while size > 6 and _font(size).getlength(longest) > wp - 5 * s:
            size -= 1
        font = _font(size)
        for i, line in enumerate(lines):
            d.text((2.5 * s, 4.8 * s + i * 4.3 * s), line, fill=(25, 25, 30, 255), font=font)
        x = 2.5 * s
        y0, y1 = hp - 9 * s, hp - 2.5 * s
        for i, bit in enumerate(bars):
            bw = (0.35 + 0.35 * bit) * s
            if i % 2 == 0:
                d.rectangle([x, y0, x + bw, y1], fill=(20, 20, 20, 255))
            x += bw
            if x > wp * 0.6:
                break
        if signature is not None:
            pts = [(wp * (0.62 + 0.3 * a), hp * (0.62 + 0.25 * b)) for a, b in signature]
            d.line(pts, fill=(30, 40, 120, 255), width=max(1, int(0.35 * s)))
        if stamp is not None:
            cx, cy, rad = stamp[0] * wp, stamp[1] * hp, stamp[2] * s
            ink = (95, 60, 150, 170)
            d.ellipse([cx - rad, cy - rad, cx + rad, cy + rad], outline=ink, width=max(1, int(0.6 * s)))
            r2 = rad * 0.72
            d.ellipse([cx - r2, cy - r2, cx + r2, cy + r2], outline=ink, width=max(1, int(0.3 * s)))
            d.text((cx - r2 * 0.6, cy - r2 * 0.3), stamp[3], fill=ink, font=_font(round(r2 * 0.55)))

    return paint


_CHART = (
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


def _paint_checker(d: ImageDraw.ImageDraw, wp: int, hp: int, s: float) -> None:
    d.rectangle([0, 0, wp - 1, hp - 1], fill=(30, 30, 30, 255))
    cols, rows = 6, 3
    cw, ch = (wp - 2 * s) / cols, (hp - 2 * s) / rows
    for i, colour in enumerate(_CHART):
        x, y = s + (i % cols) * cw, s + (i // cols) * ch
        d.rectangle([x + 0.5 * s, y + 0.5 * s, x + cw - 0.5 * s, y + ch - 0.5 * s], fill=(*colour, 255))


def _direct_paper(liner: tuple[int, int, int], panels: np.ndarray) -> Direct:
    """An opened diamond paper: nine panels folded flat at slightly different angles, the liner in the
    middle panel, creases."""

    def draw(
        d: ImageDraw.ImageDraw, view: _View, at: tuple[float, float], size: tuple[float, float], tilt: float
    ) -> None:
        pw, ph = size
        for i in range(3):
            for j in range(3):
                xa, ya = -pw / 2 + i * pw / 3, -ph / 2 + j * ph / 3
                quad = [(xa, ya), (xa + pw / 3, ya), (xa + pw / 3, ya + ph / 3), (xa, ya + ph / 3)]
                v = int(244 * panels[i, j])
                d.polygon(view.pts(_rot(at[0], at[1], tilt, quad)), fill=(v, v, v - 3))
        m = 3.0
        inner = [
            (-pw / 6 + m, -ph / 6 + m),
            (pw / 6 - m, -ph / 6 + m),
            (pw / 6 - m, ph / 6 - m),
            (-pw / 6 + m, ph / 6 - m),
        ]
        d.polygon(view.pts(_rot(at[0], at[1], tilt, inner)), fill=liner)
        width = max(1, int(0.4 * view.ppm))
        for k in (1, 2):
            x, y = -pw / 2 + k * pw / 3, -ph / 2 + k * ph / 3
            d.line(
                view.pts(_rot(at[0], at[1], tilt, [(x, -ph / 2), (x, ph / 2)])),
                fill=(205, 205, 200),
                width=width,
            )
            d.line(
                view.pts(_rot(at[0], at[1], tilt, [(-pw / 2, y), (pw / 2, y)])),
                fill=(210, 210, 205),
                width=width,
            )

    return draw


def _paint_writing(lines: list[str]) -> Paint:
    def paint(d: ImageDraw.ImageDraw, wp: int, hp: int, s: float) -> None:
        font = _font(round(4.2 * s))
        for i, line in enumerate(lines):
            d.text((1 * s, 0.5 * s + i * 6 * s), line, fill=(35, 55, 150, 255), font=font)

    return paint


def _direct_bag(
    d: ImageDraw.ImageDraw, view: _View, at: tuple[float, float], size: tuple[float, float], tilt: float
) -> None:
    """The welded edges of a transparent bag lying flat (its film and glare come after the stones)."""
    pts = view.pts(_rot(at[0], at[1], tilt, _rect(*size)))
    d.line([*pts, pts[0]], fill=(178, 180, 188), width=max(1, int(0.7 * view.ppm)))


def _paint_sticker(lines: list[str], bars: np.ndarray) -> Paint:
    def paint(d: ImageDraw.ImageDraw, wp: int, hp: int, s: float) -> None:
        d.rectangle(
            [0, 0, wp - 1, hp - 1],
            fill=(248, 248, 244, 255),
            outline=(200, 40, 40, 255),
            width=max(1, int(s)),
        )
        font = _font(round(3.2 * s))
        for i, line in enumerate(lines):
            d.text((2.5 * s, 2.5 * s + i * 4.6 * s), line, fill=(20, 20, 20, 255), font=font)
        x = 2.5 * s
        for i, bit in enumerate(bars):
            bw = (0.3 + 0.3 * bit) * s
            if i % 2 == 0:
                d.rectangle([x, hp - 9 * s, x + bw, hp - 2.5 * s], fill=(20, 20, 20, 255))
            x += bw
            if x > wp - 3 * s:
                break

    return paint


def _bag_film(
    img: Image.Image,
    view: _View,
    at: tuple[float, float],
    size: tuple[float, float],
    tilt: float,
    streaks: np.ndarray,
) -> None:
    """The bag's upper film over the stones: a faint veil, the ridges of the heat seal, soft glare."""
    w, h = img.size
    bw, bh = size
    film = Image.new("L", (w, h), 0)
    df = ImageDraw.Draw(film)
    df.polygon(view.pts(_rot(at[0], at[1], tilt, _rect(bw, bh))), fill=24)
    for k in range(12):
        band = [
            (-bw / 2, -bh / 2 + k),
            (bw / 2, -bh / 2 + k),
            (bw / 2, -bh / 2 + k + 1),
            (-bw / 2, -bh / 2 + k + 1),
        ]
        df.polygon(view.pts(_rot(at[0], at[1], tilt, band)), fill=110 if k % 2 else 45)
    glare = Image.new("L", (w, h), 0)
    dg = ImageDraw.Draw(glare)
    for x, y, ang, length, width, alpha in streaks:
        c, sn = math.cos(ang), math.sin(ang)
        cx, cy = (x - 0.5) * bw, (y - 0.5) * bh
        hl, hw = length * bw / 2, width / 2
        quad = [
            (cx - c * hl - sn * hw, cy - sn * hl + c * hw),
            (cx + c * hl - sn * hw, cy + sn * hl + c * hw),
            (cx + c * hl + sn * hw, cy + sn * hl - c * hw),
            (cx - c * hl + sn * hw, cy - sn * hl - c * hw),
        ]
        dg.polygon(view.pts(_rot(at[0], at[1], tilt, quad)), fill=int(alpha))
    radius = 1.5 * view.ppm
    f = max(1, min(8, int(radius // 2.5)))
    glare = (glare.reduce(f) if f > 1 else glare).filter(ImageFilter.GaussianBlur(radius / f))
    if f > 1:
        glare = glare.resize((w, h), Image.Resampling.BILINEAR)
    img.paste((236, 238, 244), (0, 0, w, h), ImageChops.lighter(film, glare))


def _direct_ruler(length: float, colour: tuple[int, int, int]) -> Direct:
    """A ruler drawn straight through the camera (numbers stay upright: rulers lie square to the camera)."""

    def draw(
        d: ImageDraw.ImageDraw, view: _View, at: tuple[float, float], size: tuple[float, float], tilt: float
    ) -> None:
        s = view.ppm
        d.polygon(view.pts(_rot(at[0], at[1], tilt, _rect(*size))), fill=colour, outline=(120, 120, 110))
        step = 1 if s >= 3 else 5
        font = _font(round(2.6 * s))
        width = max(1, int(0.18 * s))
        left, top = -size[0] / 2, -size[1] / 2
        for mm in range(0, int(length) - 4, step):
            x = left + mm + 3
            tick = 4.5 if mm % 10 == 0 else 3.0 if mm % 5 == 0 else 1.8
            p, q, t = view.pts(_rot(at[0], at[1], tilt, [(x, top), (x, top + tick), (x + 0.4, top + 5.2)]))
            if -50 < p[0] < view.w + 50 and -50 < p[1] < view.h + 50:
                d.line([p, q], fill=(25, 25, 25), width=width)
                if mm % 10 == 0 and s >= 1.5:
                    d.text(t, str(mm // 10), fill=(25, 25, 25), font=font)

    return draw


def _paint_form(fields: list[tuple[str, str]], country: str, signature: np.ndarray) -> Paint:
    def paint(d: ImageDraw.ImageDraw, wp: int, hp: int, s: float) -> None:
        d.rectangle([0, 0, wp - 1, hp - 1], fill=(249, 248, 243, 255))
        for k, tint in enumerate(((200, 225, 205), (225, 205, 215))):
            m = (5 + 2.5 * k) * s
            d.rectangle([m, m, wp - m, hp - m], outline=(*tint, 255), width=max(1, int(1.2 * s)))
        d.ellipse([14 * s, 14 * s, 36 * s, 36 * s], outline=(60, 90, 60, 255), width=max(1, int(0.8 * s)))
        d.ellipse([20 * s, 20 * s, 30 * s, 30 * s], fill=(90, 120, 80, 255))
        d.text(
            (42 * s, 15 * s),
            "KIMBERLEY PROCESS CERTIFICATE",
            fill=(20, 50, 30, 255),
            font=_font(round(6 * s)),
        )
        d.text((42 * s, 25 * s), country, fill=(30, 30, 30, 255), font=_font(round(4.5 * s)))
        font = _font(round(3.6 * s))
        y = 45 * s
        for label, value in fields:
            d.rectangle(
                [12 * s, y, wp - 12 * s, y + 11 * s], outline=(90, 90, 90, 255), width=max(1, int(0.3 * s))
            )
            d.text((14 * s, y + 1.5 * s), label, fill=(70, 70, 70, 255), font=_font(round(2.6 * s)))
            d.text((70 * s, y + 4.5 * s), value, fill=(15, 15, 40, 255), font=font)
            y += 11 * s
        pts = [(wp * (0.55 + 0.3 * a), y + (8 + 10 * b) * s) for a, b in signature]
        d.line(pts, fill=(20, 30, 110, 255), width=max(1, int(0.4 * s)))
        cx, cy, rad = wp * 0.35, y + 14 * s, 13 * s
        d.ellipse(
            [cx - rad, cy - rad, cx + rad, cy + rad], outline=(100, 60, 150, 160), width=max(1, int(0.8 * s))
        )

    return paint


def _card(
    img: Image.Image,
    view: _View,
    centre: tuple[float, float],
    size: tuple[float, float],
    tilt: float,
    paint: Paint,
) -> None:
    """Paint a flat card with print on it (label, sticker, form) in its own frame, lay it on the photo."""
    s = view.ppm
    wp, hp = max(4, round(size[0] * s)), max(4, round(size[1] * s))
    card = Image.new("RGBA", (wp, hp), (255, 255, 255, 0))
    paint(ImageDraw.Draw(card), wp, hp, s)
    rot = card.rotate(
        -math.degrees(view.roll + tilt),
        resample=Image.Resampling.BILINEAR,
        expand=True,
        fillcolor=(255, 255, 255, 0),
    )
    u, v = view.pt(*centre)
    img.paste(rot, (round(u - rot.width / 2), round(v - rot.height / 2)), rot)


# ---------------------------------------------------------------- stones


def _outline(
    shape: str, u: float, v: float, rp: float, rot: float, j: np.ndarray
) -> list[tuple[float, float]]:
    tau = 2 * math.pi
    if shape == "octahedron":
        angles = [rot + k * tau / 4 + (j[k] - 0.5) * 0.35 for k in range(4)]
        radii = [rp * (0.85 + 0.3 * j[4 + k]) for k in range(4)]
        if j[8] > 0.55:
            pts = []
            for a, r in zip(angles, radii, strict=True):
                pts += [(a - 0.22, r * 0.84), (a + 0.22, r * 0.84)]
            return [(u + r * math.cos(a), v + r * math.sin(a)) for a, r in pts]
    elif shape == "dodecahedron":
        k = 6 + int(j[8] * 3)
        angles = [rot + i * tau / k + (j[i] - 0.5) * 0.3 for i in range(k)]
        radii = [rp * (0.88 + 0.2 * j[8 + i]) for i in range(k)]
    elif shape == "macle":
        angles = [rot + i * tau / 3 + (j[i] - 0.5) * 0.2 for i in range(3)]
        radii = [rp * (0.95 + 0.12 * j[4 + i]) for i in range(3)]
    elif shape == "cube":
        angles = [rot + math.pi / 4 + i * tau / 4 + (j[i] - 0.5) * 0.1 for i in range(4)]
        radii = [rp * (0.9 + 0.1 * j[4 + i]) for i in range(4)]
    elif shape == "fragment":
        k = 5 + int(j[8] * 2)
        asp = 1.6 + j[9]
        a_ax, b_ax = rp * math.sqrt(asp), rp / math.sqrt(asp)
        angles, radii = [], []
        for i in range(k):
            t = i * tau / k + (j[i] - 0.5) * 0.5
            rr = a_ax * b_ax / math.hypot(b_ax * math.cos(t), a_ax * math.sin(t))
            angles.append(rot + t)
            radii.append(rr * (0.85 + 0.25 * j[8 + i]))
    else:
        k = 5 + int(j[8] * 4)
        gaps = [0.4 + j[i] for i in range(k)]
        total = sum(gaps)
        acc, angles = 0.0, []
        for g in gaps:
            angles.append(rot + acc / total * tau)
            acc += g
        radii = [rp * (0.6 + 0.5 * j[8 + (i % 8)]) for i in range(k)]
    return [(u + r * math.cos(a), v + r * math.sin(a)) for a, r in zip(angles, radii, strict=True)]


def _draw_stone(
    dl: ImageDraw.ImageDraw,
    da: ImageDraw.ImageDraw,
    ds: ImageDraw.ImageDraw | None,
    u: float,
    v: float,
    rp: float,
    shape: str,
    base: np.ndarray,
    frost: bool,
    rot: float,
    j: np.ndarray,
    light: float,
    mode: str,
    shadow: tuple[float, float],
) -> None:
    """One rough stone seen from above: shaded faces, a dark refraction rim, internal reflections and glints
    for a transparent stone, a soft sheen for a frosted one, a grey silhouette with a bright core on a light
    box.  ``j`` holds 16 uniform numbers that fix its look."""
    lum = {"light": 0.88, "dark": 0.8, "lightbox": 0.5}[mode]
    if rp < 2.2:
        box = [u - rp, v - rp, u + rp, v + rp]
        dl.ellipse(box, fill=_u8(base, lum * (0.85 + 0.3 * j[3])))
        da.ellipse(box, fill=235)
        if ds is not None:
            dx, dy = shadow[0] * rp, shadow[1] * rp
            ds.ellipse([box[0] + dx, box[1] + dy, box[2] + dx, box[3] + dy], fill=255)
        return
    verts = _outline(shape, u, v, rp, rot, j)
    k = len(verts)
    if ds is not None:
        ds.polygon([(x + shadow[0] * rp, y + shadow[1] * rp) for x, y in verts], fill=255)
    da.polygon(verts, fill=250 if frost or base[0] < 0.3 else 228)
    cl, sl = math.cos(light), math.sin(light)
    ax = u + rp * (0.15 * cl + 0.3 * (j[10] - 0.5))
    ay = v + rp * (0.15 * sl + 0.3 * (j[11] - 0.5))
    contrast = (
        (0.12 if frost else 0.32) * (0.45 if shape == "macle" else 1.0) * (0.6 if mode == "lightbox" else 1)
    )
    inner = (
        [(ax + 0.5 * (x - ax), ay + 0.5 * (y - ay)) for x, y in verts] if shape == "dodecahedron" else None
    )
    for i in range(k):
        p, q = verts[i], verts[(i + 1) % k]
        ang = math.atan2((p[1] + q[1]) / 2 - ay, (p[0] + q[0]) / 2 - ax)
        shade = lum * (1 + contrast * math.cos(ang - light) + 0.18 * (j[(i + 3) % 16] - 0.5))
        if inner is None:
            dl.polygon([(ax, ay), p, q], fill=_u8(base, shade))
        else:
            dl.polygon([inner[i], p, q, inner[(i + 1) % k]], fill=_u8(base, shade * 0.95))
    if inner is not None:
        dl.polygon(inner, fill=_u8(base, lum * (1.02 + 0.1 * (j[12] - 0.5))))
    if shape == "macle":
        mid = ((verts[1][0] + verts[2][0]) / 2, (verts[1][1] + verts[2][1]) / 2)
        dl.line([verts[0], mid], fill=_u8(base, lum * 0.75), width=max(1, int(rp / 20)))
    if rp >= 5 and mode != "lightbox":
        if frost:  # waxy sheen on the side facing the lamp
            sheen = [(ax, ay)] + [
                (x, y) for x, y in verts if math.cos(math.atan2(y - ay, x - ax) - light) > 0.2
            ]
            if len(sheen) >= 3:
                dl.polygon(sheen, fill=_u8(base, lum * (1.1 + contrast)))
        else:  # the dark surroundings and the stone's own faces reflected inside it
            for t in range(1 + int(j[14] * 3)):
                i1 = int(j[(5 * t + 1) % 16] * k) % k
                i2 = (i1 + 1 + int(j[(5 * t + 2) % 16] * max(1, k - 2))) % k
                f1, f2 = 0.35 + 0.55 * j[(5 * t + 3) % 16], 0.35 + 0.55 * j[(5 * t + 4) % 16]
                tri = [
                    (ax + f1 * (verts[i1][0] - ax), ay + f1 * (verts[i1][1] - ay)),
                    (ax + f2 * (verts[i2][0] - ax), ay + f2 * (verts[i2][1] - ay)),
                    (
                        u + 0.25 * rp * (j[(5 * t + 5) % 16] - 0.5),
                        v + 0.25 * rp * (j[(5 * t + 6) % 16] - 0.5),
                    ),
                ]
                dark = j[(5 * t + 7) % 16] < 0.6
                dl.polygon(tri, fill=_u8(base, lum * (0.5 if dark else 1.22)))
    edge = 0.3 if mode == "lightbox" else 0.5 if mode == "light" else 0.45
    dl.line([*verts, verts[0]], fill=_u8(base, edge), width=max(1, round(rp / 12)))
    if j[13] < 0.15 and rp > 4:  # a dark inclusion
        ix, iy = u + rp * 0.8 * (j[14] - 0.5), v + rp * 0.8 * (j[15] - 0.5)
        ir = max(0.7, rp * 0.05)
        dl.ellipse([ix - ir, iy - ir * 0.6, ix + ir, iy + ir * 0.6], fill=_u8(base, 0.35))
    if mode == "lightbox":  # light comes through the stone's core
        f = 0.2 + 0.25 * j[12]
        core = [
            (ax + f * (x - u) + 0.1 * rp * (j[(i + 5) % 16] - 0.5), ay + f * (y - v))
            for i, (x, y) in enumerate(verts)
        ]
        dl.polygon(core, fill=_u8(base, 1.05))
        return
    glint = (0.9, 0.9, 0.89) if frost else (1.0, 1.0, 1.0)
    for t in range(1 if frost else 1 + int(j[9] * 3)):
        i1 = int((j[(3 * t + 2) % 16] * 7.3 % 1) * k)
        vx, vy = verts[i1]
        if math.cos(math.atan2(vy - ay, vx - ax) - light) < -0.3:
            vx, vy = 2 * ax - vx, 2 * ay - vy
        f = 0.3 + 0.5 * (j[(3 * t + 4) % 16] * 3.7 % 1)
        gx, gy = ax + f * (vx - ax), ay + f * (vy - ay)
        gr = min(6.0, max(0.7, rp * (0.035 + 0.04 * j[(3 * t + 5) % 16])))
        dl.ellipse([gx - gr, gy - gr * 0.8, gx + gr, gy + gr * 0.8], fill=_u8(glint))


def _sizes(rng: np.random.Generator, lot: _Lot, n: int) -> np.ndarray:
    ct = np.exp(rng.normal(math.log(lot.ct_median), lot.ct_sigma, n)).clip(0.01, 40)
    return 3.5 * np.cbrt(ct) * rng.uniform(0.9, 1.1, n)  # half the width across, mm


def _count(rng: np.random.Generator, lot: _Lot, area_mm2: float, cover: float, cap: int) -> np.ndarray:
    probe = _sizes(rng, lot, 64)
    mean_area = float(np.mean(np.pi * probe**2))
    n = int(np.clip(area_mm2 * cover / mean_area * rng.uniform(0.7, 1.3), 3, cap))
    return _sizes(rng, lot, n)


def _spread(
    rng: np.random.Generator,
    r: np.ndarray,
    centre: tuple[float, float],
    axes: tuple[float, float],
    lobes: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """Stones pushed apart by hand within an ellipse, or a blob of ``lobes`` overlapping ellipses."""
    shrink = 1.0 if lobes == 1 else 1.25 / math.sqrt(lobes)
    cen = np.asarray(centre) + rng.uniform(-0.45, 0.45, (lobes, 2)) * np.asarray(axes) * (lobes > 1)
    ax = np.asarray(axes) * shrink * rng.uniform(0.75, 1.15, (lobes, 2))
    order = np.argsort(-r)
    xs, ys = np.zeros(len(r)), np.zeros(len(r))
    placed = np.zeros((len(r), 3))
    for k, i in enumerate(order):
        t = rng.uniform(0, 2 * np.pi, 14)
        rad = np.sqrt(rng.uniform(0, 1, 14))
        lobe = rng.integers(0, lobes, 14)
        cand = np.stack(
            [cen[lobe, 0] + ax[lobe, 0] * rad * np.cos(t), cen[lobe, 1] + ax[lobe, 1] * rad * np.sin(t)],
            axis=1,
        )
        if k:
            gap = np.hypot(cand[:, None, 0] - placed[None, :k, 0], cand[:, None, 1] - placed[None, :k, 1])
            gap = (gap - placed[None, :k, 2] - r[i] * 1.08).min(axis=1)
            best = int(np.argmax(gap))
        else:
            best = 0
        placed[k] = (cand[best, 0], cand[best, 1], r[i])
        xs[i], ys[i] = cand[best]
    return xs, ys


def _heap(
    rng: np.random.Generator,
    r: np.ndarray,
    centre: tuple[float, float],
    sigma: tuple[float, float],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A heap poured from the parcel paper: dense, stones on top of stones, a few rolled away."""
    z = rng.normal(0, 1, (len(r), 2))
    z[np.hypot(z[:, 0], z[:, 1]) > 2.0] *= 0.6
    strays = rng.random(len(r)) < 0.03
    z[strays] *= rng.uniform(1.4, 2.6, (int(strays.sum()), 1))
    x = centre[0] + z[:, 0] * sigma[0]
    y = centre[1] + z[:, 1] * sigma[1]
    order = np.argsort(-np.hypot(z[:, 0], z[:, 1]) + rng.normal(0, 0.3, len(r)))
    return x, y, order


# ---------------------------------------------------------------- one photo


def _texture(key: int, surface: str, extent: float, cell: float) -> Image.Image:
    amp = {
        "paper": 0.02,
        "tray-white": 0.02,
        "tray-blue": 0.03,
        "lightbox": 0.012,
        "velvet-black": 0.22,
        "velvet-blue": 0.18,
        "felt-grey": 0.08,
        "felt-green": 0.09,
        "stone": 0.12,
    }[surface]
    g = np.random.default_rng([key, 3])
    n = int(min(420, extent / cell))
    coarse = Image.fromarray(g.standard_normal((7, 7)).astype(np.float32), "F").resize(
        (n, n), Image.Resampling.BICUBIC
    )
    field = np.asarray(coarse) * 0.8 + g.standard_normal((n, n)).astype(np.float32) * 0.3
    return Image.fromarray(np.clip(235 * (1 + amp * field), 0, 255).astype(np.uint8), "L")


_texture_cached = functools.lru_cache(maxsize=128)(_texture)


def _cert(office: _Office, session: _Session, rng: np.random.Generator) -> str:
    serial = int(rng.integers(1, 999_999))
    y = session.day[0]
    return [
        f"{office.code} {serial:06d}",
        f"{office.code}-KP-{y}-{serial % 100000:05d}",
        f"KPC/{office.code}/{y % 100:02d}/{serial:06d}",
    ][office.cert_format]


def _lines(
    office: _Office,
    session: _Session,
    lot: _Lot,
    cert: str,
    lot_no: str,
    carats: float,
    pieces: int,
) -> list[str]:
    y, m, dd = session.day
    return [
        office.authority[:40],
        f"KPC No. {cert}",
        f"Lot {lot_no}  {carats:.2f} ct  {pieces} pcs",
        f"Exp: {lot.exporter}",
        f"{dd:02d}.{m:02d}.{y}",
    ]


def _photo(
    rng: np.random.Generator, office: _Office, session: _Session, lot: _Lot, style: str
) -> Image.Image:
    w, h = office.size
    hand = office.handheld
    fov_h = office.fov * h / w
    cert = _cert(office, session, rng)
    lot_no = f"{rng.integers(1, 60)}/{rng.integers(60, 99)}"
    ppm = w / office.fov * session.zoom * math.exp(rng.normal(0, 0.035 if hand else 0.003))
    centre = (
        session.shift[0] + rng.normal(0, 5 if hand else 0.6),
        session.shift[1] + rng.normal(0, 4 if hand else 0.5),
    )
    roll = session.roll + math.radians(rng.normal(0, 1.6 if hand else 0.1))
    light = session.light + rng.normal(0, 0.05)
    x0, y0, x1, y1 = office.work
    special_r = 0.0
    if style == "special":
        special_r = float(3.5 * np.cbrt(np.clip(np.exp(rng.normal(math.log(28), 0.6)), 10.9, 300)))
        frac = rng.uniform(0.25, 0.45)
        ppm = frac * min(w, h) / (2 * special_r)
        centre = (rng.normal(0, 15), rng.normal(0, 10))
    view = _View((w, h), ppm, centre, roll)
    mode = (
        "lightbox"
        if office.surface == "lightbox"
        else "dark"
        if office.surface.startswith("velvet") or (office.surface == "felt-green")
        else "light"
    )

    img = Image.new("RGB", (w, h), _u8(office.desk_rgb))
    d = ImageDraw.Draw(img)
    for off, width, k in office.stripes:
        band = [
            (-office.fov * 4, off),
            (office.fov * 4, off),
            (office.fov * 4, off + width),
            (-office.fov * 4, off + width),
        ]
        d.polygon(view.pts(_rot(0, 0, office.panel_tilt * 0.5, band)), fill=_u8(office.desk_rgb, k))
    px, py = office.panel_at
    if office.surface.startswith("tray") or office.surface == "lightbox":
        d.polygon(view.pts(_rot(px, py, office.panel_tilt, _rect(*office.panel))), fill=_u8(office.rim_rgb))
        rim = 9.0 if office.surface != "lightbox" else 6.0
        inner = _rect(office.panel[0] - 2 * rim, office.panel[1] - 2 * rim)
        d.polygon(view.pts(_rot(px, py, office.panel_tilt, inner)), fill=_u8(office.panel_rgb))
    else:
        d.polygon(view.pts(_rot(px, py, office.panel_tilt, _rect(*office.panel))), fill=_u8(office.panel_rgb))
    bright = mode == "dark"
    for dx, dy, size in session.dust:
        u, v = view.pt(dx, dy)
        if -5 < u < w + 5 and -5 < v < h + 5:
            rr = max(0.6, size * ppm * 0.5)
            colour = (150, 150, 150) if bright else _u8(office.panel_rgb, 0.75)
            if size > 0.55:  # a fibre of lint
                a = size * 37.0
                d.line(
                    [(u, v), (u + 6 * rr * math.cos(a), v + 6 * rr * math.sin(a))],
                    fill=colour,
                    width=max(1, int(rr)),
                )
            else:
                d.ellipse([u - rr, v - rr, u + rr, v + rr], fill=colour)
    # texture of cloth, paper or plastic of the day, and shadows of what lies on the surface
    sh = Image.new("L", (w, h), 0)
    ds = ImageDraw.Draw(sh)
    extent = max(office.fov, fov_h) * 3
    cell = max(1.0, extent / 420)
    tex = _texture_cached(session.key, office.surface, extent, cell)
    tex = tex.transform(
        (w, h),
        Image.Transform.AFFINE,
        view.texture_coeffs(-extent / 2, cell),
        resample=Image.Resampling.BILINEAR,
        fillcolor=235,
    )
    img = ImageChops.multiply(img, Image.merge("RGB", (tex, tex, tex)))

    sd = (-math.cos(light) * office.shadow_len, -math.sin(light) * office.shadow_len)
    lift = 0.8  # mm, for cards lying flat
    cards: list[tuple] = []
    top: list[tuple] = []
    stones: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]] = []
    if style == "special":
        r = np.asarray([special_r])
        sx, sy = centre[0] + rng.normal(0, 0.1) * special_r, centre[1] + rng.normal(0, 0.1) * special_r
        stones.append((np.asarray([sx]), np.asarray([sy]), r, None))
        ruler_y = sy + special_r * rng.uniform(1.35, 1.7)
        length = 100.0
        cards.append(
            (
                (sx + rng.normal(0, 15), ruler_y + 8),
                (length, 16),
                math.radians(rng.normal(0, 2)),
                _direct_ruler(length, office.ruler_rgb),
                True,
                True,
            )
        )
    else:
        area = (x1 - x0) * (y1 - y0)
        cx, cy = (
            (x0 + x1) / 2 + rng.normal(0, 0.08) * (x1 - x0),
            (y0 + y1) / 2 + rng.normal(0, 0.08) * (y1 - y0),
        )
        if style in ("spread", "rows", "pile"):
            if style == "spread":
                r = _count(rng, lot, area, rng.uniform(0.1, 0.26), 650)
                fill = float(np.sum(np.pi * (r * 1.5) ** 2)) / 0.55
                asp = rng.uniform(0.7, 1.5)
                ax = min((x1 - x0) / 2, math.sqrt(fill / math.pi * asp))
                ay = min((y1 - y0) / 2, fill / math.pi / ax)
                cx = float(np.clip(cx, x0 + ax, x1 - ax))
                cy = float(np.clip(cy, y0 + ay, y1 - ay))
                x, y = _spread(rng, r, (cx, cy), (ax, ay), int(rng.choice([1, 2, 3], p=[0.4, 0.35, 0.25])))
                stones.append((x, y, r, None))
            elif style == "rows":
                r = np.sort(_count(rng, lot, area, rng.uniform(0.05, 0.12), 80))[::-1]
                width, height = x1 - x0, y1 - y0
                cols = max(2, math.ceil(math.sqrt(len(r) * width / height)))
                rows = math.ceil(len(r) / cols)
                pitch = max(
                    min(width / cols, height / rows, 3.2 * float(r[0])), 2.1 * float(np.percentile(r, 90))
                )
                cols = min(cols, max(2, int(width / pitch)))
                rows = min(rows, max(1, int(height / pitch)))
                r = r[: cols * rows]
                idx = np.arange(len(r))
                gx = float(np.clip(cx, x0 + cols * pitch / 2, x1 - cols * pitch / 2)) - (cols - 1) * pitch / 2
                gy = float(np.clip(cy, y0 + rows * pitch / 2, y1 - rows * pitch / 2)) - (rows - 1) * pitch / 2
                x = gx + (idx % cols) * pitch + rng.normal(0, 0.07 * pitch, len(r))
                y = gy + (idx // cols) * pitch + rng.normal(0, 0.07 * pitch, len(r))
                stones.append((x, y, r, None))
            else:
                r = _count(rng, lot, area, rng.uniform(0.15, 0.5), 1100)
                sig = math.sqrt(float(np.sum(np.pi * r**2)) / 3.0 / (2 * math.pi))
                asp = rng.uniform(0.75, 1.35)
                x, y, order = _heap(rng, r, (cx, cy), (sig * asp, sig / asp))
                stones.append((x, y, r, order))
                ds.ellipse(
                    [
                        *view.pt(cx - 1.7 * sig * asp, cy - 1.7 * sig / asp),
                        *view.pt(cx + 1.7 * sig * asp, cy + 1.7 * sig / asp),
                    ],
                    fill=45,
                )
            if "tweezers" in office.props and rng.random() < 0.5:
                top.append(
                    (
                        "tweezers",
                        rng.uniform(0, 2 * math.pi),
                        rng.uniform(-0.3, 0.3) * (x1 - x0),
                        rng.uniform(-0.3, 0.3) * (y1 - y0),
                    )
                )
        if style == "form":
            form_w = min(210.0, 0.55 * office.fov)
            fcx = -0.5 * office.fov + form_w * 0.25
            country = {"AO": "REPUBLIC OF ANGOLA", "GN": "REPUBLIQUE DE GUINEE"}.get(office.code, office.code)
            fields = [
                ("Certificate No.", cert),
                ("Exporter", lot.exporter),
                ("Importer", f"{_PLACES[rng.integers(19)]} Trading FZE"),
                ("Carat weight", f"{rng.uniform(50, 9000):.2f}"),
                ("Value (USD)", f"{rng.uniform(5e3, 4e6):,.2f}"),
                ("HS code", "7102.10"),
                ("Date of issue", f"{session.day[2]:02d}/{session.day[1]:02d}/{session.day[0]}"),
            ]
            signature = np.cumsum(rng.normal(0, 0.08, (14, 2)), axis=0) + 0.5
            cards.append(
                (
                    (fcx, 0.0),
                    (form_w, 297.0),
                    math.radians(rng.normal(0, 2)),
                    _paint_form(fields, country, signature),
                    False,
                    True,
                )
            )
            x0 = fcx + form_w / 2 + 8
            cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
            style = "bag" if rng.random() < 0.6 else "paper"
            area = (x1 - x0) * (y1 - y0)
        if style == "paper":
            inner_w = min(0.3 * office.fov, (x1 - x0) / 2.7, rng.uniform(45, 62))
            inner_h = inner_w * rng.uniform(0.6, 0.75)
            size = (inner_w * 3, inner_h * 3)
            tilt = math.radians(rng.normal(0, 6))
            at = (cx + rng.normal(0, 6), cy + rng.normal(0, 4))
            r = _count(rng, lot, inner_w * inner_h, rng.uniform(0.2, 0.45), 600)
            lx, ly = _spread(rng, r, (0.0, 0.0), (inner_w * 0.42, inner_h * 0.42))
            pts = _rot(at[0], at[1], tilt, list(zip(lx, ly, strict=True)))
            stones.append((np.asarray([p[0] for p in pts]), np.asarray([p[1] for p in pts]), r, None))
            carats = float(np.sum((r / 3.5) ** 3))
            writing = [f"Lot {lot_no.split('/')[0]}", f"{carats:.2f} ct"]
            liner = [(205, 222, 242), (196, 212, 236), (236, 236, 236)][rng.integers(3)]
            cards.append((at, size, tilt, _direct_paper(liner, rng.uniform(0.95, 1.03, (3, 3))), True, True))
            (wat,) = _rot(at[0], at[1], tilt, [(0.0, -size[1] / 2 + 9.5)])
            cards.append((wat, (size[0] / 3 - 4, 14.0), tilt, _paint_writing(writing), False, False))
        if style == "bag":
            bw = min((x1 - x0) * 0.75, rng.uniform(90, 130))
            bh = min((y1 - y0) * 1.15, bw * rng.uniform(1.2, 1.5))
            tilt = math.radians(rng.normal(0, 7))
            at = (cx + rng.normal(0, 8), (y0 + y1) / 2 + rng.normal(0, 5))
            r = _count(rng, lot, bw * bh * 0.35, rng.uniform(0.3, 0.7), 900)
            spread_x = bw * rng.uniform(0.25, 0.4)
            lx = rng.normal(0, spread_x, len(r)).clip(-bw / 2 + 4, bw / 2 - 4)
            depth = math.sqrt(float(np.sum(np.pi * r**2)) / 1.3 / (2 * spread_x))
            ly = bh / 2 - 6 - np.abs(rng.normal(0, depth, len(r))) - r
            order = np.argsort(-np.abs(ly - ly.mean()))
            pts = _rot(at[0], at[1], tilt, list(zip(lx, ly, strict=True)))
            stones.append((np.asarray([p[0] for p in pts]), np.asarray([p[1] for p in pts]), r, order))
            carats = float(np.sum((r / 3.5) ** 3))
            sticker = [f"SEAL {rng.integers(10**6, 10**7)}", f"KPC {cert}", f"{carats:.2f} ct"]
            cards.append((at, (bw, bh), tilt, _direct_bag, True, True))
            sw = min(62.0, bw - 16)
            (sat,) = _rot(at[0], at[1], tilt, [(-bw / 2 + 8 + sw / 2, -bh / 2 + 32)])
            cards.append(
                (sat, (sw, 30.0), tilt, _paint_sticker(sticker, rng.integers(0, 2, 80)), False, False)
            )
            streaks = np.stack(
                [
                    rng.uniform(0.1, 0.9, 5),
                    rng.uniform(0.15, 0.9, 5),
                    rng.uniform(0, math.pi, 5),
                    rng.uniform(0.3, 0.9, 5),
                    rng.uniform(2, 9, 5),
                    rng.uniform(30, 120, 5),
                ],
                axis=1,
            )
            top.append(("film", at, (bw, bh), tilt, streaks))
    pieces = sum(len(s[2]) for s in stones)
    carats = sum(float(np.sum((s[2] / 3.5) ** 3)) for s in stones)
    if "label" in office.props and style != "special":
        stamp = None
        if "stamp" in office.props:
            stamp = (rng.uniform(0.55, 0.85), rng.uniform(0.35, 0.75), rng.uniform(8, 11), office.code)
        signature = np.cumsum(rng.normal(0, 0.09, (12, 2)), axis=0) + 0.5 if rng.random() < 0.6 else None
        lines = _lines(office, session, lot, cert, lot_no, carats, pieces)
        at = (
            session.label_at[0] + rng.normal(0, 4 if hand else 1.2),
            session.label_at[1] + rng.normal(0, 3 if hand else 1),
        )
        tilt = session.label_tilt + math.radians(rng.normal(0, 3 if hand else 0.8))
        paint = _paint_label(lines, rng.integers(0, 2, 90), office.accent, stamp, signature)
        cards.append((at, office.label_size, tilt, paint, False, True))
    if "ruler" in office.props and style != "special":
        rx, ry, length, ang = office.ruler
        cards.append(
            (
                (rx + rng.normal(0, 1.5), ry + rng.normal(0, 1)),
                (length, 16.0),
                ang + rng.normal(0, 0.01),
                _direct_ruler(length, office.ruler_rgb),
                True,
                True,
            )
        )
    if "checker" in office.props and style != "special":
        cards.append(
            (
                office.checker,
                (0.26 * office.fov, 0.13 * office.fov),
                math.radians(rng.normal(0, 0.5)),
                _paint_checker,
                False,
                True,
            )
        )

    # cards lie on the surface and cast a thin shadow on it
    if office.shadow_k > 0:
        card_sh = Image.new("L", (w, h), 0)
        dcs = ImageDraw.Draw(card_sh)
        for at, size, tilt, _paint, _direct, casts in cards:
            if not casts:
                continue
            corners = view.pts(_rot(at[0] + sd[0] * 4 * lift, at[1] + sd[1] * 4 * lift, tilt, _rect(*size)))
            dcs.polygon(corners, fill=255)
        _darken(img, card_sh, office.shadow_k * 0.7, max(1.0, 1.2 * ppm))
    flat = ImageDraw.Draw(img)
    for at, size, tilt, paint, direct, _casts in cards:
        if direct:
            paint(flat, view, at, size, tilt)
        else:
            _card(img, view, at, size, tilt, paint)

    # the stones, their shadows, then what lies over them
    layer = Image.new("RGB", (w, h), 0)
    alpha = Image.new("L", (w, h), 0)
    dl, da = ImageDraw.Draw(layer), ImageDraw.Draw(alpha)
    shadow_off = (sd[0] * 1.0, sd[1] * 1.0)
    palette = np.asarray(_COLOURS)
    light_px = light + roll
    for x, y, r, order in stones:
        n = len(r)
        colour = rng.choice(len(_COLOURS), n, p=np.asarray(lot.palette))
        shape = rng.choice(len(_SHAPES), n, p=np.asarray(lot.shapes))
        frost = rng.random(n) < lot.frost
        rot = rng.uniform(0, 2 * math.pi, n)
        jit = rng.random((n, 16))
        tone = rng.normal(1, 0.015, (n, 3)) * rng.normal(1, 0.07, (n, 1))
        seq = order if order is not None else rng.permutation(n)
        for i in seq:
            u, v = view.pt(float(x[i]), float(y[i]))
            rp = float(r[i]) * ppm
            if u < -rp or v < -rp or u > w + rp or v > h + rp:
                continue
            base = np.clip(palette[colour[i]] * tone[i], 0, 1)
            _draw_stone(
                dl,
                da,
                ds if office.shadow_k > 0 else None,
                u,
                v,
                rp,
                _SHAPES[shape[i]],
                base,
                bool(frost[i]),
                float(rot[i]),
                jit[i],
                light_px,
                mode,
                shadow_off,
            )
    for item in top:
        if item[0] == "tweezers":
            _tweezers(view, item, sd, shadow=ds)
    if office.shadow_k > 0:
        med = float(np.median(np.concatenate([s[2] for s in stones]))) * ppm if stones else 4.0
        _darken(img, sh, office.shadow_k, max(1.0, office.shadow_soft * med))
    if stones:
        r_med = float(np.median(np.concatenate([st[2] for st in stones])))
        if r_med * ppm > 12:  # large stones show their surface: etch pits, frosting, skin
            cell_s = r_med / 7
            grain = _texture_cached(session.key ^ 0x5A5A5A, "stone", 420 * cell_s, cell_s)
            grain = grain.transform(
                (w, h),
                Image.Transform.AFFINE,
                view.texture_coeffs(-210 * cell_s, cell_s),
                resample=Image.Resampling.BILINEAR,
                fillcolor=235,
            ).point([min(255, v * 255 // 235) for v in range(256)])
            layer = ImageChops.multiply(layer, Image.merge("RGB", (grain, grain, grain)))
    img = Image.composite(layer, img, alpha)
    for item in top:
        if item[0] == "film":
            _, at, size, tilt, streaks = item
            _bag_film(img, view, at, size, tilt, streaks)
        elif item[0] == "tweezers":
            _tweezers(view, item, sd, draw=ImageDraw.Draw(img))
    return _camera(img, rng, office, session)


def _tweezers(
    view: _View,
    item: tuple,
    sd: tuple[float, float],
    shadow: ImageDraw.ImageDraw | None = None,
    draw: ImageDraw.ImageDraw | None = None,
) -> None:
    """Steel tweezers put down next to the stones (their shadow first, then themselves)."""
    _, ang, ox, oy = item
    local = []
    for side in (-1, 1):
        local.append([(0, side * 1.0), (118, side * 4.5), (120, side * 1.2), (2, side * 0.2)])
    c, s = math.cos(ang), math.sin(ang)
    for arm in local:
        pts = [(ox + c * x - s * y - 60 * c, oy + s * x + c * y - 60 * s) for x, y in arm]
        if shadow is not None:
            shadow.polygon(view.pts([(x + sd[0] * 12, y + sd[1] * 12) for x, y in pts]), fill=200)
        if draw is not None:
            draw.polygon(view.pts(pts), fill=(172, 175, 180))
            mid = view.pts(
                [
                    ((pts[0][0] + pts[3][0]) / 2, (pts[0][1] + pts[3][1]) / 2),
                    ((pts[1][0] + pts[2][0]) / 2, (pts[1][1] + pts[2][1]) / 2),
                ]
            )
            draw.line(mid, fill=(228, 230, 232), width=max(1, int(view.ppm * 0.5)))


def _darken(img: Image.Image, mask: Image.Image, k: float, radius: float) -> None:
    """Soft shadows: ``mask`` blurred by ``radius`` px (at reduced resolution) darkens ``img`` by ``k``."""
    f = max(1, min(8, int(radius // 2.5)))
    soft = (mask.reduce(f) if f > 1 else mask).filter(ImageFilter.GaussianBlur(radius / f))
    if f > 1:
        soft = soft.resize(img.size, Image.Resampling.BILINEAR)
    m = soft.point([255 - int(v * k) for v in range(256)])
    img.paste(ImageChops.multiply(img, Image.merge("RGB", (m, m, m))))


def _lens(sigma: float, sharpen: int) -> ImageFilter.Kernel:
    """The camera's net softness: a small Gaussian, then in-camera sharpening, as one 3x3 kernel."""
    g = [math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma)) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
    total = sum(g)
    k = sharpen / 100 * 0.6
    return ImageFilter.Kernel((3, 3), [(1 + k) * v / total - k / 9 for v in g], scale=1)


def _camera(img: Image.Image, rng: np.random.Generator, office: _Office, session: _Session) -> Image.Image:
    w, h = img.size
    sigma = office.blur * math.exp(rng.normal(0, 0.1))
    if sigma > 0.9:
        img = img.filter(ImageFilter.GaussianBlur(sigma))
        if office.sharpen > 20:
            img = img.filter(_lens(0.3, office.sharpen))
    else:
        img = img.filter(_lens(sigma, office.sharpen))
    # light fall-off: window gradient, vignetting, lamp hot spot
    xs = np.linspace(-1, 1, w, dtype=np.float32)
    ys = np.linspace(-h / w, h / w, h, dtype=np.float32)
    g, ga = office.gradient
    hs, hx, hy, hw = office.hotspot
    field = 1 + g * (math.cos(ga) * xs[None, :] + math.sin(ga) * ys[:, None])
    field *= 1 - office.vignette * (xs[None, :] ** 2 + ys[:, None] ** 2) / 2
    field += (
        hs
        * np.exp(-((xs - hx) ** 2) / (2 * hw**2))[None, :]
        * np.exp(-((ys - hy) ** 2) / (2 * hw**2))[:, None]
    )
    top = float(field.max())
    fl = Image.fromarray((field * (255 / top)).astype(np.uint8), "L")
    img = ImageChops.multiply(img, Image.merge("RGB", (fl, fl, fl)))
    # white balance, exposure and the camera's tone curve, one table per channel
    gain = np.asarray(office.wb) * np.asarray(session.wb) * session.exposure * math.exp(rng.normal(0, 0.015))
    gain = gain * top * (255 / 235) * (1.1 if office.surface == "lightbox" else 1.0)
    lut: list[int] = []
    for c in range(3):
        x = np.minimum(1.0, np.arange(256) / 255 * gain[c]) ** 0.95
        lut += [int(v) for v in np.clip(255 * (0.5 + (x - 0.5) * office.tone), 0, 255)]
    img = img.point(lut)
    # sensor noise
    amp = max(1, round(office.noise * 1.7))
    noise = rng.integers(128 - amp, 129 + amp, (h, w, 3), dtype=np.uint8)
    out = ImageChops.add(img, Image.fromarray(noise, "RGB"), 1.0, -128)
    if office.timestamp:
        y, m, d = session.day
        minutes = int(session.hour * 60 + rng.uniform(0, 240))
        hh, mm = minutes // 60, minutes % 60
        text = [
            f"{y}/{m:02d}/{d:02d} {hh:02d}:{mm:02d}",
            f"{d:02d}.{m:02d}.{y}  {hh:02d}:{mm:02d}",
            f"'{y % 100:02d} {m} {d}",
        ][office.stamp_format]
        font = _font(round(h / 24))
        draw = ImageDraw.Draw(out)
        box = draw.textbbox((0, 0), text, font=font)
        draw.text((w - box[2] - w * 0.035, h - box[3] - h * 0.04), text, fill=(255, 150, 40), font=font)
    if office.jpeg:
        buf = io.BytesIO()
        out.save(buf, "JPEG", quality=office.jpeg, subsampling=office.subsampling)
        buf.seek(0)
        out = Image.open(buf).convert("RGB")
    return out


# ---------------------------------------------------------------- public interface


def _pick(rng: np.random.Generator, pool: tuple[_Office, ...]) -> _Office:
    weights = np.asarray([o.weight for o in pool])
    return pool[rng.choice(len(pool), p=weights / weights.sum())]


def _style(rng: np.random.Generator, office: _Office) -> str:
    return office.styles[rng.choice(len(office.styles), p=np.asarray(office.style_p))]


def originals(seed: int, n: int) -> Iterator[Image.Image]:
    """``n`` photos of parcels as offices keep them, 90 % from the fixed pool of offices and days."""
    pool = _pool()
    foreign = _foreign(_ORIGINALS, _seed(seed))
    for i in range(n):
        rng = np.random.default_rng([_ORIGINALS, _seed(seed), i])
        office = foreign[rng.integers(len(foreign))] if rng.random() < 0.1 else _pick(rng, pool)
        session = office.sessions[rng.integers(len(office.sessions))]
        lot = session.lots[rng.integers(len(session.lots))]
        yield _photo(rng, office, session, lot, _style(rng, office))


def _unrelated_kind(rng: np.random.Generator) -> str:
    kinds = [k for k, _ in _UNRELATED_MIX]
    return kinds[rng.choice(len(kinds), p=np.asarray([p for _, p in _UNRELATED_MIX]))]


def unrelated(seed: int, n: int) -> Iterator[Image.Image]:
    """``n`` photos of other parcels, many on the same set-ups and days as the originals of any seed."""
    pool = _pool()
    foreign = _foreign(_UNRELATED, _seed(seed))
    for i in range(n):
        rng = np.random.default_rng([_UNRELATED, _seed(seed), i])
        kind = _unrelated_kind(rng)
        office = foreign[rng.integers(len(foreign))] if kind == "foreign" else _pick(rng, pool)
        if kind == "same-office":
            session = _make_session(rng, office)
        else:
            session = office.sessions[rng.integers(len(office.sessions))]
        lot = session.lots[rng.integers(len(session.lots))]
        if kind == "sibling-lot":
            style = office.styles[int(np.argmax(office.style_p))]
        elif kind in ("special", "bagged"):
            style = "special" if kind == "special" else "bag"
        else:
            style = _style(rng, office)
        yield _photo(rng, office, session, lot, style)


def _crop(rng: np.random.Generator) -> tuple[str, Callable[[Image.Image], Image.Image]]:
    sides = [0 if rng.random() < 0.45 else int(rng.integers(1, 11)) for _ in range(4)]
    if max(sides) < 2:
        sides[int(rng.integers(4))] = int(rng.integers(3, 11))
    left, top, right, bottom = sides

    def op(im: Image.Image) -> Image.Image:
        w, h = im.size
        return im.crop(
            (
                round(w * left / 100),
                round(h * top / 100),
                w - round(w * right / 100),
                h - round(h * bottom / 100),
            )
        )

    return f"crop-l{left}t{top}r{right}b{bottom}pct", op


def _resize(
    rng: np.random.Generator,
    long_side: int,
    squeeze: bool = False,
) -> tuple[str, Callable[[Image.Image], Image.Image]]:
    if not squeeze and rng.random() < 0.2 and long_side < 1800:
        sx = round(float(rng.uniform(1.1, min(1.5, 2400 / long_side))), 2)
    else:
        sx = round(float(rng.uniform(min(0.85, max(0.3, 320 / long_side)), 0.9)), 2)
    sy = round(sx * float(rng.uniform(0.96, 1.04)), 2) if squeeze else sx
    if squeeze and sy == sx:
        sy = round(sx + 0.02, 2)
    resample = [Image.Resampling.LANCZOS, Image.Resampling.BICUBIC, Image.Resampling.BILINEAR][
        rng.integers(3)
    ]

    def op(im: Image.Image) -> Image.Image:
        return im.resize((max(16, round(im.width * sx)), max(16, round(im.height * sy))), resample)

    return (f"resize-x{sx:.2f}y{sy:.2f}" if squeeze else f"resize-x{sx:.2f}"), op


def _jpeg(
    rng: np.random.Generator, lo: int = 50, hi: int = 90
) -> tuple[str, Callable[[Image.Image], Image.Image]]:
    q = int(rng.integers(lo, hi + 1))

    def op(im: Image.Image) -> Image.Image:
        buf = io.BytesIO()
        im.save(buf, "JPEG", quality=q)
        buf.seek(0)
        return Image.open(buf).convert("RGB")

    return f"jpeg-q{q}", op


def _blur(rng: np.random.Generator, long_side: int) -> tuple[str, Callable[[Image.Image], Image.Image]]:
    radius = round(float(rng.uniform(0.5, 1.0)) * max(1.0, long_side / 1200), 1)
    return f"blur-r{radius:.1f}", lambda im: im.filter(ImageFilter.GaussianBlur(radius))


def _recolour(rng: np.random.Generator) -> tuple[str, Callable[[Image.Image], Image.Image]]:
    while True:
        b, c = round(float(rng.uniform(0.88, 1.12)), 2), round(float(rng.uniform(0.88, 1.12)), 2)
        s, warm = round(float(rng.uniform(0.75, 1.3)), 2), round(float(rng.uniform(0.95, 1.05)), 2)
        g = round(float(rng.uniform(0.88, 1.12)), 2) if rng.random() < 0.4 else 1.0
        if max(abs(b - 1), abs(c - 1), abs(s - 1) / 2, abs(warm - 1) * 2, abs(g - 1)) >= 0.05:
            break

    def op(im: Image.Image) -> Image.Image:
        if g != 1.0:
            im = im.point([int(255 * (v / 255) ** g + 0.5) for v in range(256)] * 3)
        im = ImageEnhance.Brightness(im).enhance(b)
        im = ImageEnhance.Contrast(im).enhance(c)
        im = ImageEnhance.Color(im).enhance(s)
        arr = np.asarray(im, dtype=np.float32) * np.asarray([warm, 1.0, 1 / warm], dtype=np.float32)
        return Image.fromarray(np.clip(arr + 0.5, 0, 255).astype(np.uint8))

    name = f"recolour-b{b:.2f}c{c:.2f}s{s:.2f}w{warm:.2f}" + (f"g{g:.2f}" if g != 1.0 else "")
    return name, op


def variants(image: Image.Image, seed: int) -> dict[str, Image.Image]:
    """Ten re-used copies of ``image`` a forger would make, named by kind and parameters joined by "+"."""
    img = image.convert("RGB")
    digest = zlib.crc32(img.resize((16, 16), Image.Resampling.BILINEAR).tobytes())
    rng = np.random.default_rng([_VARIANTS, _seed(seed), digest])
    steps: dict[str, Callable[[Image.Image], tuple[str, Callable[[Image.Image], Image.Image]]]] = {
        "crop": lambda im: _crop(rng),
        "resize": lambda im: _resize(rng, max(im.size)),
        "squeeze": lambda im: _resize(rng, max(im.size), squeeze=True),
        "jpeg": lambda im: _jpeg(rng),
        "jpeg-harsh": lambda im: _jpeg(rng, 50, 65),
        "jpeg-light": lambda im: _jpeg(rng, 60, 95),
        "blur": lambda im: _blur(rng, max(im.size)),
        "recolour": lambda im: _recolour(rng),
    }
    recipes = [
        ["crop"],
        ["resize"],
        ["jpeg-harsh"],
        ["blur"],
        ["recolour"],
        ["crop", "resize", "jpeg"],
        ["squeeze", "jpeg-light"],
        ["crop", "recolour", "jpeg"],
        ["resize", "blur", "jpeg"],
        ["crop", "resize", "recolour", "blur", "jpeg-harsh"],
    ]
    out: dict[str, Image.Image] = {}
    for recipe in recipes:
        copy, names = img, []
        for step in recipe:  # each step sized on the image as it is at that point of the chain
            name, op = steps[step](copy)
            copy = op(copy)
            names.append(name)
        out["+".join(names)] = copy.convert("RGB")
    return out
