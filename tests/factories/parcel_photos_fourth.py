"""Generated parcel photos, written independently, to evaluate the re-used-photo search.

What it models
--------------
The photo an exporting authority (or the exporter's office) takes of a parcel
of rough diamonds before sealing it, and a forger's copies of such a photo.

* A fixed pool of offices (derived from ``_POOL_SEED``, never from the seed
  argument): 14 shared by ``originals`` and ``unrelated`` (a few busy ones
  take most photos), 10 seen only by ``unrelated``. Each office has one
  photographic set-up that it uses for every parcel: a table (wood, laminate,
  white or dark desk, green cutting mat) and a stage on it (white sheet,
  opened blue-lined diamond paper, black velvet pad, light box, white sorting
  tray with compartments, aluminium tray, petri dish, felt cloth, grey card,
  sieve plate), and props in fixed places (printed label card, ruler, colour
  chart, grey scale, weighing-scale display, loupe, printed KP placard, office
  stamp, tweezers, a lot number written on the paper). The camera (resolution
  640..4000 px on the long side, 1:1 to 16:9, some portrait), its noise, lens
  softness, tone and saturation, JPEG quality and chroma subsampling belong to
  the office. A few offices photograph by hand, so their framing moves a
  little from photo to photo.
* Each office works on 3 days.  A day fixes the lamp (exposure, white
  balance, light gradient, vignetting, hot spot, light direction), a small
  re-setting of the camera (shift of ~1 %, zoom of ~1 %), the sheet of paper
  (its texture), the date written on labels, the run of lot numbers and the
  kind of goods (colours, shapes and size of the stones).  Within a day, the
  background pixels are the same for every photo, except for sensor noise.
* A photo is one parcel on that set-up: stones (octahedra, macles,
  dodecahedra, fragments, cubes, with facets, dark rims, highlights and soft
  shadows; silhouettes on a light box, bright on velvet) scattered, heaped,
  laid in rows, in tray compartments or in the dish; or a SMALL parcel (a few
  stones, a small heap or a short row in a small part of the frame); or a
  PACKET (closed diamond paper, zip bag with stones inside, envelope with seal
  and barcode, opened paper with stones on it).  A label card is put down by
  hand each time (a little shift and turn), with the lot number, weight and
  date handwritten and the stamp pressed at a new angle; the scale shows the
  weight; tweezers lie somewhere.  The camera adds its exposure wobble,
  noise and JPEG.
* ``unrelated`` draws from a different random stream: ~70 % of its photos
  come from the same offices and days as ``originals`` (hard negatives: same
  background, props, lamp and camera; only stones and handwriting differ,
  often only in a small part of the frame), ~30 % from other offices that
  ``originals`` never uses (easy negatives).  Kinds: parcels ~45 %, small
  parcels ~35 %, packets ~20 % (originals: 55 / 25 / 20).
* Photos come in runs of 8 from the same office and day, as offices submit
  them.  ``img.info["kpcs_photo"]`` names the office, day and kind, for
  breaking results down; it is not part of the pixels.
* ``variants`` makes ~11 copies within the issue's words: crops of 0-10 % off
  each side independently, resizes 0.3x..1.5x (sometimes a few % of aspect
  change), JPEG quality 50..95, Gaussian blur of up to ~2 px at 1500 px,
  recolouring (brightness, contrast, saturation, gamma, white balance within
  about +-15 %), and chains of these.

What it deliberately does not model
-----------------------------------
No rotation, mirroring, perspective change, crops over 10 %, JPEG below 50,
overlays, screenshots or content edits in the copies.  No photographic
realism beyond what a search could key on: no true optics (refraction,
depth of field), no people's hands, no EXIF.  Two photos of the same office
and day are never identical parcels: the same parcel photographed twice is
not in the data.  Fonts come from the system (DejaVu, else Pillow's
default), so pixels are deterministic for a given seed on one machine, not
necessarily across machines.
"""

from __future__ import annotations

import functools
import io
import math
from collections.abc import Iterator

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont

__all__ = ["originals", "unrelated", "variants"]

_POOL_SEED = 0x4B504334  # "KPC4": fixes offices, days and set-ups for every seed
_ROLE_ORIGINAL = 11
_ROLE_UNRELATED = 23
_N_SHARED = 14  # offices used by originals and unrelated
_N_FOREIGN = 10  # offices used only by unrelated
_DAYS = 3
_BLOCK = 8  # consecutive photos from the same office and day
_FOREIGN_SHARE = 0.30
_WORK_MAX = 1800  # drawing resolution cap; bigger cameras are upscaled
_KINDS_ORIGINAL = (0.55, 0.25, 0.20)  # parcel, small, packet
_KINDS_UNRELATED = (0.45, 0.35, 0.20)

_LONG_SIDES = (640, 800, 1024, 1280, 1600, 1920, 2048, 2592, 3000, 3264, 4000)
_LONG_P = (0.06, 0.08, 0.10, 0.10, 0.12, 0.12, 0.12, 0.10, 0.06, 0.08, 0.06)
_SURFACES = (
    "white_paper",
    "diamond_paper",
    "velvet",
    "lightbox",
    "tray_white",
    "tray_metal",
    "petri",
    "cloth",
    "grey_card",
    "sieve",
)
_SURFACE_P = (0.16, 0.15, 0.13, 0.09, 0.10, 0.08, 0.10, 0.08, 0.05, 0.06)
_TABLES = {
    "wood": ((150, 104, 64), (0.06, 0.05, 0.02), 14.0),
    "laminate": ((168, 170, 172), (0.03, 0.015, 0.01), 1.0),
    "white_desk": ((226, 226, 222), (0.02, 0.01, 0.008), 1.0),
    "dark_desk": ((52, 50, 49), (0.05, 0.03, 0.03), 1.0),
    "cutting_mat": ((44, 96, 74), (0.03, 0.02, 0.02), 1.0),
}
_STONE_COLOURS = (
    (232, 232, 226),
    (224, 220, 198),
    (228, 206, 140),
    (162, 120, 80),
    (198, 172, 132),
    (142, 144, 142),
    (178, 192, 160),
    (92, 90, 86),
    (222, 184, 182),
)
_STONE_PRIOR = (3.0, 2.5, 1.2, 1.2, 1.5, 0.8, 0.4, 0.4, 0.08)
_SHAPES = ("octa", "macle", "round", "frag", "cube")
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
)
_COUNTRIES = (
    ("BW", "BOTSWANA"),
    ("ZA", "SOUTH AFRICA"),
    ("NA", "NAMIBIA"),
    ("SL", "SIERRA LEONE"),
    ("AO", "ANGOLA"),
    ("CD", "DR CONGO"),
    ("LS", "LESOTHO"),
    ("TZ", "TANZANIA"),
    ("ZW", "ZIMBABWE"),
    ("GY", "GUYANA"),
    ("CA", "CANADA"),
    ("RU", "RUSSIA"),
    ("AU", "AUSTRALIA"),
    ("GN", "GUINEA"),
    ("CM", "CAMEROON"),
    ("LR", "LIBERIA"),
    ("GH", "GHANA"),
    ("BR", "BRAZIL"),
    ("IN", "INDIA"),
    ("AE", "UAE"),
    ("BE", "BELGIUM"),
    ("IL", "ISRAEL"),
    ("CN", "CHINA"),
    ("TG", "TOGO"),
)
_AUTHORITIES = (
    "DIAMOND OFFICE",
    "GOVT DIAMOND VALUATOR",
    "MINERALS DEPT.",
    "KP SECRETARIAT",
    "EXPORT UNIT",
    "DIAMOND HUB",
    "VALUATION LAB",
    "MINISTRY OF MINES",
)
_INKS = ((28, 44, 140), (22, 22, 26), (160, 32, 36), (30, 90, 60))
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


# ----------------------------------------------------------------------------- utilities

_FONT_FILES = {
    "sans": ("DejaVuSans.ttf",),
    "bold": ("DejaVuSans-Bold.ttf",),
    "mono": ("DejaVuSansMono-Bold.ttf", "DejaVuSansMono.ttf"),
    "serif": ("DejaVuSerif.ttf",),
    "cond": ("DejaVuSansCondensed.ttf", "DejaVuSans.ttf"),
    "hand0": ("DejaVuSansCondensed-Oblique.ttf", "DejaVuSans-Oblique.ttf"),
    "hand1": ("DejaVuSerifCondensed-Italic.ttf", "DejaVuSerif-Italic.ttf"),
    "hand2": ("DejaVuSansMono-Oblique.ttf", "DejaVuSansMono.ttf"),
}


@functools.lru_cache(maxsize=512)
def _font(style: str, size: int) -> ImageFont.ImageFont:
    size = max(6, int(size))
    for name in _FONT_FILES[style]:
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            pass
    try:
        return ImageFont.load_default(size)
    except TypeError:  # very old Pillow
        return ImageFont.load_default()


def _seed_int(seed: int) -> int:
    return int(seed) % (1 << 63)


def _c(col, f: float = 1.0) -> tuple[int, int, int]:
    return tuple(int(min(255, max(0, round(v * f)))) for v in col[:3])


def _mix(a, b, t: float) -> tuple[int, int, int]:
    return tuple(round(x * (1 - t) + y * t) for x, y in zip(a, b, strict=False))


def _tex(rng, h: int, w: int, amps, aniso: float = 1.0) -> np.ndarray:
    """Multiplicative texture: coarse blotches, mid fibres/grain, per-pixel grain."""
    out = np.zeros((h, w), np.float32)
    for amp, scale in zip(amps, (48.0, 5.0, 1.0), strict=True):
        if not amp:
            continue
        if scale == 1.0:
            out += np.float32(amp) * rng.standard_normal((h, w), dtype=np.float32)
            continue
        sh = max(2, int(h / scale))
        sw = max(2, int(w / (scale * (aniso if scale < 20 else 1.0))))
        n = rng.standard_normal((sh, sw), dtype=np.float32)
        out += np.float32(amp) * np.asarray(Image.fromarray(n, "F").resize((w, h), Image.BICUBIC))
    return out


def _rot(pts: np.ndarray, ang: float) -> np.ndarray:
    c, s = math.cos(ang), math.sin(ang)
    return pts @ np.array([[c, s], [-s, c]], np.float64)


def _flat(pts: np.ndarray) -> list[float]:
    return pts.ravel().tolist()


def _hand(
    d: ImageDraw.ImageDraw, x: float, y: float, text: str, size: float, ink, rng, style: str = "hand0"
) -> float:
    """Handwriting-ish text: an oblique font with per-letter wobble."""
    f = _font(style, size)
    for ch in text:
        if ch != " ":
            d.text((x + rng.normal(0, size * 0.03), y + rng.normal(0, size * 0.05)), ch, font=f, fill=ink)
        x += f.getlength(ch) * rng.uniform(0.9, 1.08)
    return x


_NOISE: list[np.ndarray] = []


def _noise_field() -> np.ndarray:
    if not _NOISE:
        rng = np.random.default_rng([_POOL_SEED, 99])
        n = rng.standard_normal((4256, 4256), dtype=np.float32) * 16.0
        _NOISE.append(np.clip(np.rint(n), -127, 127).astype(np.int8))
    return _NOISE[0]


def _jpeg(img: Image.Image, q: int, subsampling: int = 2) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=int(q), subsampling=subsampling)
    buf.seek(0)
    out = Image.open(buf)
    out.load()
    return out.convert("RGB")


# ----------------------------------------------------------------------------- the pool


class _Office:
    pass


class _Session:
    pass


@functools.cache
def _spread(k: int, p, foreign: bool, what: int) -> tuple[int, ...]:
    """Choices for the offices of one pool, every option at least once where the pool is big enough."""
    rng = np.random.default_rng([_POOL_SEED, 1, int(foreign), what])
    n = _N_FOREIGN if foreign else _N_SHARED
    base = list(rng.permutation(k))
    extra = list(rng.choice(k, size=max(0, n - k), p=np.asarray(p) / sum(p)))
    return tuple(int(v) for v in [*base, *extra][:n])


def _make_office(idx: int, foreign: bool) -> _Office:
    rng = np.random.default_rng([_POOL_SEED, 3 if foreign else 2, idx])
    o = _Office()
    o.idx, o.foreign = idx, foreign
    long = _LONG_SIDES[_spread(len(_LONG_SIDES), _LONG_P, foreign, 1)[idx]]
    aspect = float(rng.choice([4 / 3, 3 / 2, 16 / 9, 1.0, 5 / 4], p=[0.42, 0.25, 0.18, 0.07, 0.08]))
    w, h = long, round(long / aspect / 2) * 2
    if rng.random() < 0.15:
        w, h = h, w
    o.size = (w, h)
    k = min(1.0, _WORK_MAX / max(w, h))
    o.work = (round(w * k), round(h * k))
    o.jpeg_q = int(rng.integers(72, 98))
    o.subsampling = int(rng.choice([0, 2, 2, 2]))
    o.noise = float(rng.uniform(1.0, 6.0))
    o.blur = float(rng.uniform(0.35, 1.1))  # lens softness, px at drawing resolution
    o.handheld = bool(rng.random() < 0.22)
    o.contrast = float(rng.uniform(0.92, 1.12))
    o.gamma = float(rng.uniform(0.9, 1.1))
    o.saturation = float(rng.choice([1.0, 1.0, rng.uniform(0.8, 1.25)]))
    ci = int(rng.integers(len(_COUNTRIES)))
    o.country = _COUNTRIES[ci]
    o.authority = _AUTHORITIES[int(rng.integers(len(_AUTHORITIES)))]
    o.code = f"{o.country[0]}-{chr(65 + idx % 26)}{int(rng.integers(1, 9))}"
    o.surface = _SURFACES[_spread(len(_SURFACES), _SURFACE_P, foreign, 2)[idx]]
    tables = list(_TABLES)
    if o.surface in ("petri", "lightbox"):
        o.table = str(rng.choice(["white_desk", "laminate", "dark_desk", "white_desk"]))
    else:
        o.table = str(rng.choice(tables, p=[0.28, 0.22, 0.2, 0.18, 0.12]))
    o.table_col = _c(_TABLES[o.table][0], rng.uniform(0.9, 1.1))
    # stage geometry in scene coordinates (u over width, v over height)
    ux, vy = min(w, h) / w, min(w, h) / h  # one "unit" = the short side
    o.unit_uv = (ux, vy)
    if o.surface in ("petri", "sieve"):
        o.stage = (
            "circle",
            0.5 + rng.normal(0, 0.03),
            0.5 + rng.normal(0, 0.03),
            float(rng.uniform(0.3, 0.4)),
        )
    elif o.surface in ("white_paper", "grey_card", "cloth") and rng.random() < 0.45:
        o.stage = ("full",)
    else:
        cu, cv = 0.5 + rng.normal(0, 0.03), 0.5 + rng.normal(0, 0.03)
        hu, hv = rng.uniform(0.3, 0.4), rng.uniform(0.3, 0.4)
        o.stage = ("rect", cu - hu, cv - hv, cu + hu, cv + hv)
    o.stage_col = {
        "white_paper": _c((243, 243, 238), rng.uniform(0.96, 1.02)),
        "diamond_paper": _mix((196, 216, 242), (214, 226, 240), rng.random()),
        "velvet": _c((20, 19, 24), rng.uniform(0.8, 1.3)),
        "lightbox": (255, 255, 255),
        "tray_white": (236, 236, 232),
        "tray_metal": _c((186, 189, 193), rng.uniform(0.92, 1.05)),
        "petri": (0, 0, 0),
        "cloth": [(40, 62, 112), (50, 92, 62), (112, 112, 118), (98, 36, 44), (30, 30, 34)][
            int(rng.integers(5))
        ],
        "grey_card": _c((128, 128, 126), rng.uniform(0.9, 1.1)),
        "sieve": _c((172, 174, 178), rng.uniform(0.95, 1.05)),
    }[o.surface]
    lum = sum(o.stage_col) / 3
    o.mode = (
        "silhouette"
        if o.surface == "lightbox"
        else "dark"
        if o.surface == "velvet" or (o.surface == "cloth" and lum < 60)
        else "paper"
    )
    o.compartments = (int(rng.integers(2, 4)), int(rng.integers(3, 6)))
    # props: slots along the edges (long props) and corners (compact props)
    edges = list(rng.permutation(["bottom", "top", "left", "right"]))
    corners = list(rng.permutation(["br", "bl", "tr", "tl"]))
    props = []

    def add(kind, slot, **kw):
        props.append(
            dict(
                kind=kind,
                slot=slot,
                jit=(rng.normal(0, 0.012), rng.normal(0, 0.012)),
                style=int(rng.integers(0, 4)),
                **kw,
            )
        )

    if rng.random() < 0.85:
        add("label", corners.pop(), size=(rng.uniform(0.3, 0.42), rng.uniform(0.17, 0.24)))
    if rng.random() < 0.5:
        add("ruler", edges.pop(), size=(rng.uniform(0.45, 0.8), rng.uniform(0.045, 0.07)))
    if rng.random() < 0.35:
        add("chart", edges.pop(), size=(rng.uniform(0.35, 0.6), rng.uniform(0.06, 0.12)))
    if rng.random() < 0.25 and edges:
        add("greyscale", edges.pop(), size=(rng.uniform(0.3, 0.55), rng.uniform(0.05, 0.08)))
    if rng.random() < 0.3 and corners:
        add("scale", corners.pop(), size=(rng.uniform(0.24, 0.34), rng.uniform(0.12, 0.18)))
    if rng.random() < 0.25 and corners:
        r = rng.uniform(0.06, 0.1)
        add("loupe", corners.pop(), size=(2 * r, 2 * r))
    if rng.random() < 0.3 and corners:
        add("placard", corners.pop(), size=(rng.uniform(0.26, 0.36), rng.uniform(0.12, 0.18)))
    o.props = props
    o.stamp = any(p["kind"] == "label" for p in props) and rng.random() < 0.65
    o.tweezers_p = float(rng.choice([0.0, 0.3, 0.7, 0.9]))
    o.lotmark = o.mode == "paper" and o.surface != "sieve" and rng.random() < 0.35
    o.lotmark_uv = (rng.uniform(0.3, 0.7), rng.uniform(0.2, 0.3))
    o.ink = _INKS[int(rng.integers(len(_INKS)))]
    o.stamp_ink = _INKS[int(rng.choice([0, 2, 3]))]
    o.hand = f"hand{int(rng.integers(3))}"
    o.card_col = [(250, 250, 246), (246, 240, 222), (250, 244, 180), (226, 238, 250)][int(rng.integers(4))]
    o.label_style = int(rng.integers(4))
    o.date_fmt = int(rng.integers(4))
    if o.surface == "tray_white":
        o.arr_p = {"grid": 0.7, "scatter": 0.15, "few": 0.15}
    elif o.surface in ("petri", "sieve"):
        o.arr_p = {"scatter": 0.55, "heap": 0.3, "few": 0.15}
    else:
        p = rng.dirichlet([2, 1.5, 1, 1])
        o.arr_p = dict(zip(("scatter", "heap", "rows", "few"), p, strict=True))
    o.lot_prefix = f"{o.country[0]}{int(rng.integers(10, 99))}"
    o.year = int(rng.integers(2019, 2026))
    o.month = int(rng.integers(1, 13))
    o.first_day = int(rng.integers(1, 20))
    o.sessions = tuple(_make_session(o, d) for d in range(_DAYS))
    return o


def _make_session(o: _Office, day: int) -> _Session:
    rng = np.random.default_rng([_POOL_SEED, 5, int(o.foreign), o.idx, day])
    s = _Session()
    s.office, s.day = o, day
    s.key = (o.foreign, o.idx, day)
    dd = o.first_day + day * int(rng.integers(1, 4))
    m, y = o.month, o.year
    s.date = [
        f"{dd:02d}.{m:02d}.{y}",
        f"{y}-{m:02d}-{dd:02d}",
        f"{dd:02d}/{m:02d}/{y % 100:02d}",
        f"{dd} {_MONTHS[m - 1]} {y}",
    ][o.date_fmt]
    warm = rng.normal(0, 0.05)
    s.wb = (1 + warm + rng.normal(0, 0.015), 1.0, 1 - warm + rng.normal(0, 0.015))
    s.exposure = float(rng.uniform(0.9, 1.06)) if o.mode != "silhouette" else 1.08
    s.grad = (float(rng.uniform(0, 0.14)), float(rng.uniform(0, 2 * math.pi)))
    s.vignette = float(rng.uniform(0.0, 0.3))
    s.hot = (float(rng.uniform(0, 0.1)), float(rng.uniform(-0.6, 0.6)), float(rng.uniform(-0.6, 0.6)))
    s.light_dir = float(rng.uniform(0, 2 * math.pi))
    s.ox, s.oy = rng.normal(0, 0.008, 2)
    s.zoom = float(1 + rng.normal(0, 0.01))
    s.colour_p = rng.dirichlet(0.7 * np.array(_STONE_PRIOR))  # one day's goods look alike
    s.shape_p = rng.dirichlet(np.full(len(_SHAPES), 0.8))
    s.size = float(np.exp(rng.uniform(np.log(0.008), np.log(0.035))))
    s.lot_base = int(rng.integers(100, 9000))
    return s


@functools.lru_cache(maxsize=1)
def _pool():
    shared = tuple(_make_office(i, False) for i in range(_N_SHARED))
    foreign = tuple(_make_office(i, True) for i in range(_N_FOREIGN))
    # a few busy offices, many quiet ones; the busiest use ordinary (1-3 Mpx) cameras
    rank = np.argsort(np.argsort([abs(math.log(max(o.size) / 1900)) for o in shared], kind="stable"))
    w = 1.0 / (rank + 1.0)
    sessions = [s for o in shared for s in o.sessions]
    sw = np.array([w[s.office.idx] for s in sessions])
    return shared, foreign, sessions, sw / sw.sum(), [s for o in foreign for s in o.sessions]


# ----------------------------------------------------------------------------- the set-up


class _Scene:
    pass


def _stamp_mask(key, size: int) -> Image.Image:
    return _stamp_mask_cached(key, int(size))


@functools.lru_cache(maxsize=64)
def _stamp_mask_cached(key, size: int) -> Image.Image:
    o = (_pool()[1] if key[0] else _pool()[0])[key[1]]
    m = Image.new("L", (size, size), 0)
    d = ImageDraw.Draw(m)
    r = size / 2 - 2
    lw = max(1, size // 40)
    d.ellipse([2, 2, size - 2, size - 2], outline=255, width=lw * 2)
    d.ellipse(
        [size / 2 - r * 0.7, size / 2 - r * 0.7, size / 2 + r * 0.7, size / 2 + r * 0.7],
        outline=255,
        width=lw,
    )
    text = f"{o.authority} * {o.country[1]} * "
    fs = max(6, int(size * 0.1))
    f = _font("bold", fs)
    n = len(text)
    for i, ch in enumerate(text):
        a = 2 * math.pi * i / n
        ci = Image.new("L", (fs + 4, fs + 4), 0)
        ImageDraw.Draw(ci).text((2, 0), ch, font=f, fill=255)
        ci = ci.rotate(-math.degrees(a), resample=Image.BILINEAR)
        x = size / 2 + r * 0.85 * math.sin(a) - ci.width / 2
        y = size / 2 - r * 0.85 * math.cos(a) - ci.height / 2
        m.paste(255, (int(x), int(y)), ci)
    f2 = _font("bold", size * 0.2)
    d.text((size / 2, size / 2), "KP", font=f2, fill=255, anchor="mm")
    d.text((size / 2, size / 2 + size * 0.18), o.code, font=_font("sans", size * 0.08), fill=255, anchor="mm")
    return m


def _prop_box(o: _Office, p: dict) -> tuple[float, float, float, float]:
    """Axis-aligned box (scene coordinates) of a prop in its slot."""
    ux, vy = o.unit_uv
    a, b = p["size"]
    slot = p["slot"]
    ju, jv = p["jit"]
    if slot in ("left", "right"):
        su, sv = b * ux, min(a * vy, 0.9)
    elif slot in ("top", "bottom"):
        su, sv = min(a * ux, 0.9), b * vy
    else:
        su, sv = a * ux, b * vy
    m = 0.035
    cu = {
        "left": m + su / 2,
        "right": 1 - m - su / 2,
        "top": 0.5 + ju * 3,
        "bottom": 0.5 + ju * 3,
        "tl": m + su / 2,
        "bl": m + su / 2,
        "tr": 1 - m - su / 2,
        "br": 1 - m - su / 2,
    }[slot]
    cv = {
        "top": m + sv / 2,
        "bottom": 1 - m - sv / 2,
        "left": 0.5 + jv * 3,
        "right": 0.5 + jv * 3,
        "tl": m + sv / 2,
        "tr": m + sv / 2,
        "bl": 1 - m - sv / 2,
        "br": 1 - m - sv / 2,
    }[slot]
    cu += ju
    cv += jv
    return (cu - su / 2, cv - sv / 2, cu + su / 2, cv + sv / 2)


@functools.lru_cache(maxsize=32)
def _scene(key) -> _Scene:
    foreign, oi, day = key
    o = (_pool()[1] if foreign else _pool()[0])[oi]
    s = o.sessions[day]
    W, H = o.work
    rng = np.random.default_rng([_POOL_SEED, 7, int(foreign), oi, day])
    sc = _Scene()
    sc.office, sc.session = o, s
    sc.W, sc.H = W, H
    sc.unit = min(W, H) * s.zoom

    def P(u, v):
        return (((u - 0.5) * s.zoom + 0.5 + s.ox) * W, ((v - 0.5) * s.zoom + 0.5 + s.oy) * H)

    def B(box):
        x0, y0 = P(box[0], box[1])
        x1, y1 = P(box[2], box[3])
        return (x0, y0, x1, y1)

    sc.P, sc.B = P, B
    lx, ly = math.cos(s.light_dir), math.sin(s.light_dir)
    sc.shadow_dir = (-lx, -ly)
    # --- table and stage, in float
    _, tamps, aniso = _TABLES[o.table]
    arr = np.empty((H, W, 3), np.float32)
    tt = 1 + _tex(rng, H, W, tamps, aniso)
    for c in range(3):
        arr[..., c] = o.table_col[c] * tt
    if o.table == "cutting_mat":
        g = Image.new("L", (W, H), 0)
        gd = ImageDraw.Draw(g)
        step = sc.unit * 0.05
        x0, y0 = P(0, 0)
        for k in range(-2, int(W / step) + 3):
            x = x0 + k * step
            gd.line([(x, 0), (x, H)], fill=120 if k % 5 else 200, width=1 if k % 5 else 2)
        for k in range(-2, int(H / step) + 3):
            y = y0 + k * step
            gd.line([(0, y), (W, y)], fill=120 if k % 5 else 200, width=1 if k % 5 else 2)
        gl = np.asarray(g, np.float32)[..., None] / 255.0 * 0.55
        arr = arr * (1 - gl) + np.float32(200) * gl
    stage = o.stage
    smask = Image.new("L", (W, H), 0)
    sd = ImageDraw.Draw(smask)
    if stage[0] == "full":
        smask.paste(255, (0, 0, W, H))
        sc.stage_box = (0.04 * W, 0.04 * H, 0.96 * W, 0.96 * H)
        sc.circle = None
    elif stage[0] == "circle":
        cx, cy = P(stage[1], stage[2])
        r = stage[3] * sc.unit
        sd.ellipse([cx - r, cy - r, cx + r, cy + r], fill=255)
        sc.circle = (cx, cy, r * 0.88)
        sc.stage_box = (cx - r * 0.8, cy - r * 0.8, cx + r * 0.8, cy + r * 0.8)
    else:
        box = B(stage[1:])
        rad = sc.unit * (0.04 if o.surface in ("tray_white", "tray_metal", "lightbox") else 0.004)
        sd.rounded_rectangle(box, radius=rad, fill=255)
        sc.circle = None
        mx, my = (box[2] - box[0]) * 0.05, (box[3] - box[1]) * 0.05
        sc.stage_box = (box[0] + mx, box[1] + my, box[2] - mx, box[3] - my)
    smask = smask.filter(ImageFilter.GaussianBlur(1.0))
    # shadows of the stage and of the props, cast on what lies beneath
    sh = Image.new("L", (W, H), 0)
    shd = ImageDraw.Draw(sh)
    off = sc.unit * 0.012
    if stage[0] != "full":
        sh.paste(smask, (int(-lx * off), int(-ly * off)))
    prop_boxes = []
    for p in o.props:
        bx = B(_prop_box(o, p))
        prop_boxes.append((p, bx))
        if p["kind"] in ("label",):
            continue
        shd.rectangle([bx[0] - lx * off, bx[1] - ly * off, bx[2] - lx * off, bx[3] - ly * off], fill=255)
    sh = sh.filter(ImageFilter.GaussianBlur(sc.unit * 0.01))
    sha = np.asarray(sh, np.float32)[..., None] / 255.0
    arr *= 1 - 0.35 * sha * (o.mode != "silhouette")
    m = np.asarray(smask, np.float32)[..., None] / 255.0
    if o.surface == "petri":
        st = arr * 0.97 + 4
    else:
        amps = {
            "white_paper": (0.012, 0.012, 0.01),
            "diamond_paper": (0.015, 0.01, 0.006),
            "velvet": (0.15, 0.12, 0.16),
            "lightbox": (0.0, 0.0, 0.0),
            "tray_white": (0.01, 0.004, 0.006),
            "tray_metal": (0.02, 0.04, 0.03),
            "cloth": (0.05, 0.06, 0.08),
            "grey_card": (0.01, 0.006, 0.01),
            "sieve": (0.02, 0.03, 0.03),
        }[o.surface]
        ani = 10.0 if o.surface in ("tray_metal", "sieve") else 1.0
        stt = 1 + _tex(rng, H, W, amps, ani)
        st = np.asarray(o.stage_col, np.float32)[None, None, :] * stt[..., None]
    arr = arr * (1 - m) + st * m
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")
    d = ImageDraw.Draw(img)
    # --- decorations of the stage
    if o.surface == "diamond_paper" and stage[0] == "rect":
        x0, y0, x1, y1 = B(stage[1:])
        fu = sorted(rng.uniform(0.28, 0.38, 1).tolist() + rng.uniform(0.62, 0.72, 1).tolist())
        fv = sorted(rng.uniform(0.3, 0.36, 1).tolist() + rng.uniform(0.64, 0.7, 1).tolist())
        xs = [x0] + [x0 + f * (x1 - x0) for f in fu] + [x1]
        ys = [y0] + [y0 + f * (y1 - y0) for f in fv] + [y1]
        # panels tilt a little: different brightness; the paper's white back shows at the rim
        for i in range(3):
            for j in range(3):
                f = 1 + rng.normal(0, 0.025)
                d.rectangle([xs[i] + 1, ys[j] + 1, xs[i + 1] - 1, ys[j + 1] - 1], fill=_c(o.stage_col, f))
        for x in xs[1:-1]:
            d.line([(x, y0), (x, y1)], fill=_c(o.stage_col, 0.86), width=1)
            d.line([(x + 1, y0), (x + 1, y1)], fill=_c(o.stage_col, 1.06), width=1)
        for y in ys[1:-1]:
            d.line([(x0, y), (x1, y)], fill=_c(o.stage_col, 0.86), width=1)
            d.line([(x0, y + 1), (x1, y + 1)], fill=_c(o.stage_col, 1.06), width=1)
        d.rectangle([x0, y0, x1, y1], outline=(246, 246, 244), width=max(2, int(sc.unit * 0.008)))
    sc.cells = None
    if o.surface == "tray_white" and stage[0] == "rect":
        x0, y0, x1, y1 = B(stage[1:])
        rows, cols = o.compartments
        pad = sc.unit * 0.03
        cw = (x1 - x0 - pad * (cols + 1)) / cols
        ch = (y1 - y0 - pad * (rows + 1)) / rows
        cells = []
        for i in range(rows):
            for j in range(cols):
                cx0 = x0 + pad + j * (cw + pad)
                cy0 = y0 + pad + i * (ch + pad)
                cb = (cx0, cy0, cx0 + cw, cy0 + ch)
                d.rounded_rectangle(
                    cb,
                    radius=sc.unit * 0.015,
                    fill=(226, 226, 223),
                    outline=(196, 196, 194),
                    width=max(1, int(sc.unit * 0.004)),
                )
                d.line(
                    [(cb[0] + 3, cb[1] + 3), (cb[2] - 3, cb[1] + 3)],
                    fill=(205, 205, 203),
                    width=max(1, int(sc.unit * 0.006)),
                )
                cells.append((cb[0] + cw * 0.08, cb[1] + ch * 0.1, cb[2] - cw * 0.08, cb[3] - ch * 0.08))
        sc.cells = cells
        sc.stage_box = (x0 + pad, y0 + pad, x1 - pad, y1 - pad)
    if o.surface == "tray_metal" and stage[0] == "rect":
        x0, y0, x1, y1 = B(stage[1:])
        w = max(2, int(sc.unit * 0.012))
        d.rounded_rectangle([x0, y0, x1, y1], radius=sc.unit * 0.04, outline=(120, 122, 126), width=w)
        d.rounded_rectangle(
            [x0 + w, y0 + w, x1 - w, y1 - w],
            radius=sc.unit * 0.035,
            outline=(222, 224, 228),
            width=max(1, w // 2),
        )
    if o.surface == "lightbox" and stage[0] == "rect":
        x0, y0, x1, y1 = B(stage[1:])
        w = max(3, int(sc.unit * 0.03))
        d.rounded_rectangle(
            [x0 - w, y0 - w, x1 + w, y1 + w], radius=sc.unit * 0.05, outline=(78, 80, 86), width=w
        )
    if o.surface in ("petri", "sieve"):
        cx, cy = P(stage[1], stage[2])
        r = stage[3] * sc.unit
        if o.surface == "sieve":
            hole = max(1.0, sc.unit * 0.0045)
            step = hole * 3.4
            n = int(r / step)
            for i in range(-n, n + 1):
                yy = cy + i * step * 0.866
                for j in range(-n, n + 1):
                    xx = cx + (j + 0.5 * (i & 1)) * step
                    if (xx - cx) ** 2 + (yy - cy) ** 2 < (r * 0.9) ** 2:
                        d.ellipse([xx - hole, yy - hole, xx + hole, yy + hole], fill=(48, 48, 52))
            d.ellipse([cx - r, cy - r, cx + r, cy + r], outline=(110, 112, 116), width=max(2, int(r * 0.05)))
        else:
            d.ellipse(
                [cx - r, cy - r, cx + r, cy + r], outline=_c(o.table_col, 0.75), width=max(1, int(r * 0.008))
            )
            rr = r * 0.985
            d.ellipse(
                [cx - rr, cy - rr, cx + rr, cy + rr],
                outline=_mix(o.table_col, (255, 255, 255), 0.6),
                width=max(1, int(r * 0.012)),
            )
            a0 = math.degrees(s.light_dir) + 180
            d.arc(
                [cx - r * 0.96, cy - r * 0.96, cx + r * 0.96, cy + r * 0.96],
                a0 - 40,
                a0 + 30,
                fill=(255, 255, 255),
                width=max(2, int(r * 0.02)),
            )
    # --- fixed props
    sc.avoid = []
    sc.label_box = sc.lcd = None
    for p, bx in prop_boxes:
        k = p["kind"]
        sc.avoid.append(bx)
        if k == "label":
            sc.label_box = bx
        elif k == "ruler":
            _draw_ruler(d, bx, p["slot"] in ("left", "right"), p["style"])
        elif k == "chart":
            _draw_chart(d, bx, p["slot"] in ("left", "right"), p["style"])
        elif k == "greyscale":
            _draw_greyscale(d, bx, p["slot"] in ("left", "right"), p["style"])
        elif k == "scale":
            sc.lcd = _draw_scale(d, bx, p["style"])
        elif k == "loupe":
            _draw_loupe(d, bx, s.light_dir)
        elif k == "placard":
            _draw_placard(d, bx, o, p["style"])
    # --- lamp
    gh, gw = 24, max(2, int(24 * W / H))
    yy, xx = np.mgrid[-1 : 1 : gh * 1j, -1 : 1 : gw * 1j].astype(np.float32)
    g, ga = s.grad
    field = s.exposure * (1 + g * (xx * math.cos(ga) + yy * math.sin(ga)))
    field = field * (1 - s.vignette * (xx**2 + yy**2) / 2)
    field = field + s.hot[0] * np.exp(-((xx - s.hot[1]) ** 2 + (yy - s.hot[2]) ** 2) / 0.18)
    field = field.astype(np.float32)
    sc.field = field
    big = np.asarray(Image.fromarray(field, "F").resize((W, H), Image.BICUBIC), np.float32)
    arr = np.asarray(img, np.float32) * big[..., None]
    sc.bg = Image.fromarray(np.clip(arr + 0.5, 0, 255).astype(np.uint8), "RGB")
    return sc


def _light(sc: _Scene, x: float, y: float) -> float:
    gh, gw = sc.field.shape
    i = min(gh - 1, max(0, int(y / sc.H * gh)))
    j = min(gw - 1, max(0, int(x / sc.W * gw)))
    return float(sc.field[i, j])


def _draw_ruler(d, bx, vertical, style):
    col = [(238, 238, 232), (192, 194, 198), (222, 192, 118), (246, 242, 226)][style]
    ink = (20, 20, 22) if style != 1 else (30, 30, 34)
    d.rectangle(bx, fill=col, outline=_c(col, 0.6))
    x0, y0, x1, y1 = bx
    length = (y1 - y0) if vertical else (x1 - x0)
    thick = (x1 - x0) if vertical else (y1 - y0)
    mm = thick / 6.5
    f = _font("sans", thick * 0.26)
    for k in range(int((length - 6) / mm)):
        t = 3 + k * mm
        ln = thick * (0.45 if k % 10 == 0 else 0.3 if k % 5 == 0 else 0.18)
        if vertical:
            d.line([(x0, y0 + t), (x0 + ln, y0 + t)], fill=ink, width=1)
        else:
            d.line([(x0 + t, y0), (x0 + t, y0 + ln)], fill=ink, width=1)
        if k % 10 == 0 and k:
            if vertical:
                d.text((x0 + thick * 0.55, y0 + t), str(k // 10), font=f, fill=ink, anchor="lm")
            else:
                d.text((x0 + t, y0 + thick * 0.62), str(k // 10), font=f, fill=ink, anchor="mm")
    if not vertical:
        d.text((x1 - thick * 0.3, y0 + thick * 0.62), "cm", font=f, fill=ink, anchor="rm")


def _draw_chart(d, bx, vertical, style):
    x0, y0, x1, y1 = bx
    d.rectangle(bx, fill=(28, 28, 30))
    rows = (1, 2, 2, 4)[style]
    cols = (8, 6, 12, 6)[style]
    if vertical:
        rows, cols = cols, rows
    pw = (x1 - x0) / cols
    ph = (y1 - y0) / rows
    for i in range(rows):
        for j in range(cols):
            col = _CHART[(i * cols + j + 5 * style) % 24]
            g = min(pw, ph) * 0.1
            d.rectangle(
                [x0 + j * pw + g, y0 + i * ph + g, x0 + (j + 1) * pw - g, y0 + (i + 1) * ph - g], fill=col
            )


def _draw_greyscale(d, bx, vertical, style):
    x0, y0, x1, y1 = bx
    n = (6, 8, 10, 11)[style]
    vals = np.linspace(246, 18, n)
    d.rectangle(bx, fill=(250, 250, 250), outline=(90, 90, 90))
    f = _font("sans", min(x1 - x0, y1 - y0) * 0.22)
    for k, v in enumerate(vals):
        if vertical:
            b = [x0, y0 + k * (y1 - y0) / n, x1, y0 + (k + 1) * (y1 - y0) / n]
        else:
            b = [x0 + k * (x1 - x0) / n, y0, x0 + (k + 1) * (x1 - x0) / n, y1]
        g = int(v)
        d.rectangle(b, fill=(g, g, g))
        d.text(
            ((b[0] + b[2]) / 2, (b[1] + b[3]) / 2),
            str(k),
            font=f,
            fill=(0, 0, 0) if g > 128 else (235, 235, 235),
            anchor="mm",
        )


def _draw_scale(d, bx, style):
    x0, y0, x1, y1 = bx
    w, h = x1 - x0, y1 - y0
    body = [(38, 40, 44), (200, 200, 196), (24, 24, 26), (60, 70, 90)][style]
    d.rounded_rectangle(bx, radius=h * 0.1, fill=body, outline=_c(body, 0.6), width=2)
    # the weighing pan takes the left part, the display the right
    pr = min(h * 0.42, w * 0.22)
    pcx, pcy = x0 + w * 0.25, y0 + h / 2
    d.ellipse(
        [pcx - pr, pcy - pr, pcx + pr, pcy + pr], fill=(196, 198, 202), outline=(120, 122, 126), width=2
    )
    d.ellipse(
        [pcx - pr * 0.8, pcy - pr * 0.8, pcx + pr * 0.8, pcy + pr * 0.8], outline=(225, 226, 230), width=1
    )
    lcd = (x0 + w * 0.52, y0 + h * 0.2, x1 - w * 0.06, y0 + h * 0.62)
    d.rectangle(lcd, fill=(150, 166, 142), outline=(20, 20, 20), width=2)
    f = _font("sans", h * 0.1)
    ink = (230, 230, 230) if sum(body) < 400 else (30, 30, 30)
    for k, t in enumerate(("ON/OFF", "TARE", "MODE")):
        bx0 = lcd[0] + k * (lcd[2] - lcd[0]) / 3
        d.ellipse(
            [bx0 + 4, y0 + h * 0.72, bx0 + 4 + h * 0.12, y0 + h * 0.84],
            fill=(150, 30, 30) if k == 0 else (90, 90, 96),
        )
        d.text((bx0 + 6 + h * 0.14, y0 + h * 0.78), t, font=f, fill=ink, anchor="lm")
    return lcd


def _draw_loupe(d, bx, light_dir):
    x0, y0, x1, y1 = bx
    cx, cy, r = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2
    d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=(30, 30, 32))
    d.ellipse([cx - r * 0.86, cy - r * 0.86, cx + r * 0.86, cy + r * 0.86], fill=(176, 178, 184))
    d.ellipse([cx - r * 0.7, cy - r * 0.7, cx + r * 0.7, cy + r * 0.7], fill=(118, 122, 130))
    a = math.degrees(light_dir) + 180
    d.arc(
        [cx - r * 0.6, cy - r * 0.6, cx + r * 0.6, cy + r * 0.6],
        a - 30,
        a + 20,
        fill=(240, 240, 244),
        width=max(2, int(r * 0.12)),
    )
    d.rectangle([cx + r * 0.9, cy - r * 0.15, cx + r * 1.0, cy + r * 0.15], fill=(150, 150, 156))


def _draw_placard(d, bx, o, style):
    x0, y0, _, y1 = bx
    h = y1 - y0
    d.rectangle(bx, fill=(248, 248, 245), outline=(40, 40, 90), width=max(1, int(h * 0.03)))
    # diamond logo
    lx, ly, lr = x0 + h * 0.45, y0 + h * 0.5, h * 0.3
    d.polygon(
        [
            (lx - lr, ly - lr * 0.3),
            (lx - lr * 0.5, ly - lr * 0.8),
            (lx + lr * 0.5, ly - lr * 0.8),
            (lx + lr, ly - lr * 0.3),
            (lx, ly + lr),
        ],
        outline=(30, 60, 140),
        width=max(1, int(h * 0.03)),
    )
    d.line([(lx - lr, ly - lr * 0.3), (lx + lr, ly - lr * 0.3)], fill=(30, 60, 140), width=1)
    f1 = _font("bold", h * 0.16)
    f2 = _font("sans", h * 0.12)
    tx = x0 + h * 0.85
    d.text((tx, y0 + h * 0.14), "KIMBERLEY PROCESS", font=f1, fill=(30, 40, 90))
    d.text((tx, y0 + h * 0.42), o.country[1], font=f2, fill=(30, 30, 30))
    d.text((tx, y0 + h * 0.64), o.authority, font=f2, fill=(30, 30, 30))


# ----------------------------------------------------------------------------- stones


def _stone_poly(rng, shape: str, r: float) -> np.ndarray:
    if shape == "octa":
        k = int(rng.choice([4, 4, 5, 6]))
        ang = rng.uniform(0, 2 * math.pi) + np.arange(k) * 2 * math.pi / k + rng.normal(0, 0.12, k)
        rad = r * rng.uniform(0.85, 1.12, k)
    elif shape == "macle":
        base = rng.uniform(0, 2 * math.pi)
        ang = np.repeat(base + np.arange(3) * 2 * math.pi / 3, 2) + np.tile([-0.32, 0.32], 3)
        rad = r * rng.uniform(0.9, 1.1, 6)
    elif shape == "round":
        k = int(rng.integers(8, 12))
        ang = rng.uniform(0, 2 * math.pi) + np.arange(k) * 2 * math.pi / k
        rad = r * rng.uniform(0.88, 1.05, k)
    elif shape == "cube":
        base = rng.uniform(0, 2 * math.pi)
        ang = np.repeat(base + np.arange(4) * math.pi / 2, 2) + np.tile([-0.5, 0.5], 4)
        rad = r * rng.uniform(0.92, 1.05, 8)
    else:  # fragment
        k = int(rng.integers(5, 9))
        ang = np.sort(rng.uniform(0, 2 * math.pi, k))
        rad = r * rng.uniform(0.5, 1.1, k)
    pts = np.stack([np.cos(ang) * rad, np.sin(ang) * rad], 1)
    sq = rng.uniform(0.65, 1.0)
    rot = rng.uniform(0, math.pi)
    pts = _rot(_rot(pts, rot) * (1.0, sq), -rot)
    return pts


def _stone_items(rng, sc: _Scene, n: int, centres: np.ndarray, radii: np.ndarray):
    s = sc.session
    cols = rng.choice(len(_STONE_COLOURS), size=n, p=s.colour_p)
    shapes = rng.choice(len(_SHAPES), size=n, p=s.shape_p)
    items = []
    for k in range(n):
        r = float(radii[k])
        pts = _stone_poly(rng, _SHAPES[shapes[k]], r) + centres[k]
        items.append((pts, centres[k], r, _c(_STONE_COLOURS[cols[k]], rng.uniform(0.93, 1.06))))
    return items


def _draw_stone(d, rng, pts, ctr, r, body, mode, light_dir, lf):
    lx, ly = math.cos(light_dir), math.sin(light_dir)
    if r < 2.2:
        if mode == "silhouette":
            col = (40, 40, 42)
        elif mode == "dark":
            col = _c(body, 0.8 * lf)
        else:
            col = _c(body, 0.62 * lf)
        d.ellipse([ctr[0] - r, ctr[1] - r, ctr[0] + r, ctr[1] + r], fill=col)
        return
    opaque = body[0] < 110
    frosted = rng.random() < 0.35  # coated / frosted skin: soft, low-contrast facets
    if mode == "silhouette":
        rim = (16, 16, 18)
        lo, hi = 0.14, 0.3
        base = (200, 200, 200)
    elif mode == "dark":
        rim = _c(body, 0.4 * lf)
        lo, hi = (0.6, 0.95) if frosted else (0.45, 1.1)
        base = body
    else:
        rim = _c(body, (0.5 if frosted else 0.38) * lf)
        lo, hi = (0.72, 0.95) if frosted else (0.52, 1.02)
        base = body
    d.polygon(_flat(pts), fill=rim)
    inner = ctr + (pts - ctr) * (0.88 if r > 8 else 0.78)
    off = rng.normal(0, r * 0.12, 2)
    v = rng.normal(0, r * 0.2, 2)
    p1, p2 = ctr + off + v, ctr + off - v  # a ridge, as on an octahedron seen a little askew
    k = len(inner)
    lfs = lf if mode != "silhouette" else 1.0
    owner = []
    for i in range(k):
        a, b = inner[i], inner[(i + 1) % k]
        mid = (a + b) / 2
        p = p1 if (mid - p1) @ (mid - p1) < (mid - p2) @ (mid - p2) else p2
        owner.append(p is p1)
        m = mid - ctr
        phi = math.atan2(m[1], m[0])
        f = lo + (hi - lo) * (0.5 + 0.5 * math.cos(phi - light_dir + math.pi)) + rng.normal(0, 0.06)
        if mode != "silhouette" and not frosted and rng.random() < 0.18:
            f *= 0.6  # a facet gone dark by internal reflection
        d.polygon([p[0], p[1], a[0], a[1], b[0], b[1]], fill=_c(base, f * lfs))
    for i in range(k):
        if owner[i] != owner[i - 1]:
            q = inner[i]
            f = (lo + hi) / 2 + rng.normal(0, 0.05)
            d.polygon([p1[0], p1[1], p2[0], p2[1], q[0], q[1]], fill=_c(base, f * lfs))
    if mode == "silhouette":
        if not opaque and r > 4:
            win = p1 + (inner - p1) * rng.uniform(0.25, 0.45)
            d.polygon(_flat(win), fill=_c((150, 150, 148), rng.uniform(0.8, 1.3)))
        return
    if r > 5 and rng.random() < 0.3:  # an inclusion
        q = ctr + rng.normal(0, r * 0.25, 2)
        ir = max(0.8, r * rng.uniform(0.04, 0.1))
        d.ellipse([q[0] - ir, q[1] - ir, q[0] + ir, q[1] + ir], fill=_c(base, 0.3 * lf))
    nh = 0 if frosted and rng.random() < 0.6 else int(rng.choice([1, 1, 2]))
    for _ in range(nh if r > 3 else 0):
        q = ctr - np.array((lx, ly)) * (r * rng.uniform(0.2, 0.55)) + rng.normal(0, r * 0.12, 2)
        hr = max(0.8, r * rng.uniform(0.05, 0.12))
        t = rng.uniform(0, math.pi)
        e = np.array([math.cos(t), math.sin(t)])
        n_ = np.array([-e[1], e[0]])
        sl = np.array([q + e * hr * 1.8, q + n_ * hr * 0.6, q - e * hr * 1.8, q - n_ * hr * 0.6])
        d.polygon(_flat(sl), fill=_c((250, 250, 246), rng.uniform(0.9, 1.02)))


def _ok(x, y, r, sc, extra=()):
    for b in list(sc.avoid) + list(extra):
        if b[0] - r < x < b[2] + r and b[1] - r < y < b[3] + r:
            return False
    if sc.circle is not None:
        cx, cy, cr = sc.circle
        if (x - cx) ** 2 + (y - cy) ** 2 > (cr - r) ** 2:
            return False
    x0, y0, x1, y1 = sc.stage_box
    m = 0.03 * sc.unit
    return x0 - m < x < x1 + m and y0 - m < y < y1 + m


def _sample_in(rng, sc, box, r, extra=(), tries=30):
    x0, y0, x1, y1 = box
    for _ in range(tries):
        x, y = rng.uniform(x0 + r, max(x0 + r + 1, x1 - r)), rng.uniform(y0 + r, max(y0 + r + 1, y1 - r))
        if _ok(x, y, r, sc, extra):
            return x, y
    return None


def _layout(rng, sc: _Scene, arrangement: str, region=None):
    """Centres and radii (px) of the stones of one parcel."""
    u = sc.unit
    size = sc.session.size * u * rng.uniform(0.8, 1.25)
    box = region or sc.stage_box
    cs, rs = [], []

    def put(n, rmean, rsd, box=box):
        for _ in range(n):
            r = max(1.2, rng.lognormal(math.log(rmean), rsd))
            xy = _sample_in(rng, sc, box, r * 1.1)
            if xy is not None:
                cs.append(xy)
                rs.append(r)

    if arrangement == "scatter":
        put(int(rng.integers(10, 70)), size, 0.3)
    elif arrangement == "few":
        put(int(rng.integers(1, 7)), u * rng.uniform(0.035, 0.08), 0.25)
    elif arrangement == "grid" and sc.cells:
        for cell in sc.cells:
            if rng.random() < 0.85:
                rm = size * rng.uniform(0.4, 1.4)
                put(int(rng.integers(1, 14)), rm, 0.15, cell)
    elif arrangement == "rows":
        nrows = int(rng.integers(2, 6))
        x0, y0, x1, y1 = box
        for i in range(nrows):
            rm = size * (0.6 + 0.25 * i) * rng.uniform(0.9, 1.1)
            y = y0 + (y1 - y0) * (i + 0.5) / nrows + rng.normal(0, u * 0.005)
            x = x0 + rng.uniform(0, u * 0.05) + rm
            n = int(rng.integers(4, 16))
            for _ in range(n):
                r = max(1.2, rm * rng.uniform(0.85, 1.15))
                x += r
                if x > x1 - r:
                    break
                if _ok(x, y, r, sc):
                    cs.append((x, y + rng.normal(0, r * 0.15)))
                    rs.append(r)
                x += r + rng.uniform(0.4, 1.6) * r
    else:  # heap: many small stones piled around a centre, the top ones drawn last
        n = int(rng.integers(60, 320))
        rm = max(1.3, size * rng.uniform(0.35, 0.6))
        sigma = math.sqrt(n) * rm * rng.uniform(0.3, 0.45)
        c = _sample_in(rng, sc, box, sigma * 1.5) or ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
        d = rng.normal(0, sigma, (n, 2))
        order = np.argsort(-np.hypot(d[:, 0], d[:, 1]))
        for k in order:
            x, y = c[0] + d[k, 0], c[1] + d[k, 1]
            r = max(1.1, rng.lognormal(math.log(rm), 0.25))
            if _ok(x, y, r, sc):
                cs.append((x, y))
                rs.append(r)
    if not cs:  # never an empty parcel
        r = max(2.0, size)
        x0, y0, x1, y1 = box
        cs.append(((x0 + x1) / 2, (y0 + y1) / 2))
        rs.append(r)
    return np.asarray(cs, np.float64), np.asarray(rs, np.float64)


def _small_layout(rng, sc: _Scene):
    """A small parcel: a few stones, a small heap or a short row, in a small part of the frame."""
    u = sc.unit
    x0, y0, x1, y1 = sc.stage_box
    span = u * rng.uniform(0.1, 0.22)
    cx = rng.uniform(x0 + span / 2, max(x0 + span / 2 + 1, x1 - span / 2))
    cy = rng.uniform(y0 + span / 2, max(y0 + span / 2 + 1, y1 - span / 2))
    for _ in range(20):
        if _ok(cx, cy, span / 2, sc):
            break
        cx = rng.uniform(x0 + span / 2, max(x0 + span / 2 + 1, x1 - span / 2))
        cy = rng.uniform(y0 + span / 2, max(y0 + span / 2 + 1, y1 - span / 2))
    region = (cx - span / 2, cy - span / 2, cx + span / 2, cy + span / 2)
    kind = str(rng.choice(["few", "heap", "row"], p=[0.45, 0.35, 0.2]))
    cs, rs = [], []
    if kind == "few":
        for _ in range(int(rng.integers(1, 6))):
            r = u * rng.uniform(0.008, 0.03)
            xy = _sample_in(rng, sc, region, r)
            if xy:
                cs.append(xy)
                rs.append(r)
    elif kind == "heap":
        n = int(rng.integers(12, 80))
        rm = u * rng.uniform(0.004, 0.008)
        d = rng.normal(0, math.sqrt(n) * rm * 0.4, (n, 2))
        for k in np.argsort(-np.hypot(d[:, 0], d[:, 1])):
            x, y = cx + d[k, 0], cy + d[k, 1]
            if _ok(x, y, rm, sc):
                cs.append((x, y))
                rs.append(max(1.1, rm * rng.uniform(0.7, 1.3)))
    else:
        n = int(rng.integers(3, 10))
        rm = u * rng.uniform(0.006, 0.016)
        x = region[0]
        for _ in range(n):
            r = rm * rng.uniform(0.85, 1.15)
            x += 2.4 * r
            if _ok(x, cy, r, sc):
                cs.append((x, cy + rng.normal(0, r * 0.2)))
                rs.append(r)
    if not cs:
        cs.append((cx, cy))
        rs.append(u * 0.015)
    return kind, np.asarray(cs, np.float64), np.asarray(rs, np.float64)


# ----------------------------------------------------------------------------- objects


def _shadow_apply(img: Image.Image, polys, blur: float, strength: float):
    """Darken under the given polygons (already offset), soft-edged, only in their bounding box."""
    if not polys or strength <= 0:
        return
    allp = np.concatenate(polys, 0)
    pad = blur * 3 + 2
    x0 = int(max(0, allp[:, 0].min() - pad))
    y0 = int(max(0, allp[:, 1].min() - pad))
    x1 = int(min(img.width, allp[:, 0].max() + pad))
    y1 = int(min(img.height, allp[:, 1].max() + pad))
    if x1 <= x0 + 1 or y1 <= y0 + 1:
        return
    m = Image.new("L", (x1 - x0, y1 - y0), 0)
    md = ImageDraw.Draw(m)
    for p in polys:
        md.polygon(_flat(p - (x0, y0)), fill=255)
    if blur > 0.3:
        m = m.filter(ImageFilter.GaussianBlur(blur))
    crop = np.asarray(img.crop((x0, y0, x1, y1)), np.float32)
    crop *= 1 - strength * np.asarray(m, np.float32)[..., None] / 255.0
    img.paste(Image.fromarray(np.clip(crop, 0, 255).astype(np.uint8), "RGB"), (x0, y0))


def _paste_object(
    img: Image.Image,
    obj: Image.Image,
    cx: float,
    cy: float,
    angle: float,
    shadow_dir,
    shadow_off: float,
    strength: float,
):
    """Paste an RGBA object rotated by angle (deg) centred at (cx, cy), with a soft shadow."""
    o = obj.rotate(angle, resample=Image.BICUBIC, expand=True)
    x, y = round(cx - o.width / 2), round(cy - o.height / 2)
    a = o.getchannel("A")
    if strength > 0:
        sh = a.filter(ImageFilter.GaussianBlur(max(1.0, shadow_off * 0.8))).point(lambda v: int(v * strength))
        img.paste((0, 0, 0), (int(x + shadow_dir[0] * shadow_off), int(y + shadow_dir[1] * shadow_off)), sh)
    img.paste(o.convert("RGB"), (x, y), a)


def _lot_text(rng, sc):
    s, o = sc.session, sc.office
    lot = f"{o.lot_prefix}/{s.lot_base + int(rng.integers(0, 400)):04d}"
    cts = float(np.round(rng.lognormal(math.log(40), 1.2), 2))
    return lot, cts


def _label_card(rng, sc, lot, cts, lf) -> Image.Image:
    o = sc.office
    x0, y0, x1, y1 = sc.label_box
    w, h = int(x1 - x0), int(y1 - y0)
    card = Image.new("RGBA", (w, h), (*_c(o.card_col, lf), 255))
    d = ImageDraw.Draw(card)
    ink = _c(o.ink, 1.0)
    pr = (30, 30, 34)
    lw = max(1, h // 60)
    st = o.label_style
    hs = h * 0.13
    if st == 2:  # plain card, handwriting only
        _hand(d, w * 0.07, h * 0.08, f"Lot {lot}", hs * 1.3, ink, rng, o.hand)
        _hand(d, w * 0.07, h * 0.4, f"{cts:.2f} ct", hs * 1.3, ink, rng, o.hand)
        _hand(d, w * 0.07, h * 0.7, sc.session.date, hs * 1.1, ink, rng, o.hand)
    else:
        d.rectangle([lw, lw, w - lw - 1, h - lw - 1], outline=pr, width=lw)
        d.text(
            (w * 0.05, h * 0.05), f"{o.authority} - {o.country[0]}", font=_font("bold", hs * 0.85), fill=pr
        )
        fields = (("LOT No.", lot), ("WEIGHT (ct)", f"{cts:.2f}"), ("DATE", sc.session.date))
        for i, (name, val) in enumerate(fields):
            y = h * (0.3 + 0.22 * i)
            d.text((w * 0.05, y), name, font=_font("sans", hs * 0.75), fill=pr)
            d.line([(w * 0.38, y + hs * 1.0), (w * 0.95, y + hs * 1.0)], fill=(120, 120, 120), width=1)
            _hand(d, w * 0.4, y - hs * 0.25, val, hs * 1.15, ink, rng, o.hand)
        if st == 3:  # barcode of the lot number
            bits = [int(b) for ch in lot for b in format(ord(ch), "07b")]
            bw = max(1, int(w * 0.35 / len(bits)))
            bx = w - bw * len(bits) - w * 0.05
            for i, b in enumerate(bits):
                if b:
                    d.rectangle([bx + i * bw, h * 0.05, bx + (i + 1) * bw - 1, h * 0.2], fill=(10, 10, 10))
    if o.stamp:
        ss = int(h * rng.uniform(0.55, 0.62))
        m = _stamp_mask((o.foreign, o.idx), ss).rotate(rng.uniform(-40, 40), resample=Image.BILINEAR)
        m = m.point(lambda v, k=rng.uniform(0.45, 0.8): int(v * k))
        card.paste(
            (*_c(o.stamp_ink), 255), (int(w * rng.uniform(0.55, 0.7)), int(h * rng.uniform(0.3, 0.4))), m
        )
    return card


def _packet(rng, sc, img, lot, cts, kind):
    """A packet lying on the set-up.  Returns the number of stones shown."""
    o, u = sc.office, sc.unit
    x0, y0, x1, y1 = sc.stage_box
    w = u * rng.uniform(0.38, 0.58)
    h = w * rng.uniform(0.55, 0.72)
    ang = rng.normal(0, 5)
    cxy = _sample_in(rng, sc, (x0, y0, x1, y1), h * 0.45) or ((x0 + x1) / 2, (y0 + y1) / 2)
    cx, cy = cxy
    lf = _light(sc, cx, cy)
    W, H = int(w), int(h)
    obj = Image.new("RGBA", (W, H), (0, 0, 0, 0))
    od = ImageDraw.Draw(obj)
    ink = _c(o.ink)
    hs = h * 0.11
    strength = 0.0 if o.mode == "silhouette" else 0.35
    if kind == "paper":  # closed diamond paper: white outside, blue liner at the edge
        paper = _c((246, 246, 242), lf)
        od.rectangle([0, 0, W - 1, H - 1], fill=paper, outline=_c(paper, 0.8))
        od.rectangle([0, H - max(2, H // 30), W - 1, H - 1], fill=_c((190, 210, 240), lf))
        fy = H * rng.uniform(0.28, 0.38)
        od.line([(0, fy), (W, fy)], fill=_c(paper, 0.82), width=max(1, H // 90))
        od.line([(0, fy + 2), (W, fy + 2)], fill=_c(paper, 0.93), width=1)
        for x in (W * 0.22, W * 0.78):
            od.line([(x, fy), (x, H)], fill=_c(paper, 0.9), width=1)
        _hand(od, W * 0.08, fy + H * 0.1, lot, hs * 1.4, ink, rng, o.hand)
        _hand(od, W * 0.08, fy + H * 0.36, f"{cts:.2f} ct", hs * 1.2, ink, rng, o.hand)
        _paste_object(img, obj, cx, cy, ang, sc.shadow_dir, u * 0.01, strength)
        return 0
    if kind == "envelope":
        env = [(196, 156, 104), (240, 238, 230), (214, 228, 240)][int(rng.integers(3))]
        env = _c(env, lf)
        od.rectangle([0, 0, W - 1, H - 1], fill=env, outline=_c(env, 0.75))
        od.line([(0, 0), (W / 2, H * 0.45), (W, 0)], fill=_c(env, 0.78), width=max(1, H // 80))
        sr = H * 0.12
        od.ellipse([W / 2 - sr, H * 0.45 - sr, W / 2 + sr, H * 0.45 + sr], fill=_c((170, 30, 34), lf))
        od.text((W / 2, H * 0.45), "KP", font=_font("bold", sr * 0.9), fill=(240, 220, 200), anchor="mm")
        serial = f"KP {o.country[0]} {int(rng.integers(0, 10**7)):07d}"
        od.text((W * 0.06, H * 0.66), serial, font=_font("mono", hs * 0.9), fill=(25, 25, 25))
        bits = rng.integers(0, 2, 48)
        bw = max(1, int(W * 0.5 / 48))
        for i, b in enumerate(bits):
            if b:
                od.rectangle(
                    [W * 0.06 + i * bw, H * 0.8, W * 0.06 + (i + 1) * bw - 1, H * 0.93], fill=(15, 15, 15)
                )
        _hand(od, W * 0.6, H * 0.78, lot, hs, ink, rng, o.hand)
        _paste_object(img, obj, cx, cy, ang, sc.shadow_dir, u * 0.01, strength)
        return 0
    # zip bag or opened paper: stones visible
    a = -math.radians(ang)  # PIL turns counter-clockwise on screen
    if kind == "open":
        paper = _c((200, 218, 242), lf)
        od.rectangle([0, 0, W - 1, H - 1], fill=paper, outline=_c((246, 246, 244), lf), width=max(2, H // 60))
        for fx in (0.33, 0.66):
            od.line([(W * fx, 0), (W * fx, H)], fill=_c(paper, 0.88), width=1)
        od.line([(0, H * 0.5), (W, H * 0.5)], fill=_c(paper, 0.88), width=1)
        _paste_object(img, obj, cx, cy, ang, sc.shadow_dir, u * 0.008, strength)
        region_local = (-W * 0.38, -H * 0.36, W * 0.38, H * 0.36)
    else:
        region_local = (-W * 0.4, H * 0.0, W * 0.4, H * 0.42)
    n = int(rng.integers(3, 40))
    rm = sc.session.size * u * rng.uniform(0.5, 1.0)
    loc = np.stack(
        [rng.uniform(region_local[0], region_local[2], n), rng.uniform(region_local[1], region_local[3], n)],
        1,
    )
    if kind == "bag":  # stones settle at the bottom of the bag
        loc[:, 1] = region_local[3] - np.abs(rng.normal(0, H * 0.12, n))
    centres = _rot(loc, a) + np.array((cx, cy))
    radii = np.maximum(1.2, rng.lognormal(math.log(max(rm, 1.3)), 0.3, n))
    items = _stone_items(rng, sc, n, centres, radii)
    _draw_items(img, rng, sc, items)
    if kind == "bag":
        od = ImageDraw.Draw(obj, "RGBA")
        od.rectangle(
            [0, 0, W - 1, H - 1],
            fill=(235, 240, 246, 70),
            outline=(205, 210, 216, 170),
            width=max(1, H // 90),
        )
        zy = H * 0.08
        od.line([(0, zy), (W, zy)], fill=(190, 40, 40, 210), width=max(2, H // 45))
        od.line([(0, zy + H // 30), (W, zy + H // 30)], fill=(190, 40, 40, 150), width=max(1, H // 90))
        od.rectangle([W * 0.06, H * 0.14, W * 0.7, H * 0.42], fill=(*_c((248, 248, 248), lf), 235))
        _hand(od, W * 0.09, H * 0.16, lot, hs * 1.1, ink, rng, o.hand)
        _hand(od, W * 0.09, H * 0.28, f"{cts:.2f}ct {sc.session.date}", hs * 0.8, ink, rng, o.hand)
        for _ in range(int(rng.integers(1, 4))):  # reflections on the plastic
            sx = rng.uniform(0, W)
            od.polygon(
                [(sx, 0), (sx + W * 0.08, 0), (sx - W * 0.2, H), (sx - W * 0.28, H)],
                fill=(255, 255, 255, int(rng.integers(25, 70))),
            )
        o2 = obj.rotate(ang, resample=Image.BICUBIC, expand=True)
        x, y = round(cx - o2.width / 2), round(cy - o2.height / 2)
        box = (x, y, x + o2.width, y + o2.height)
        base = img.crop(box).convert("RGBA")
        base.alpha_composite(o2)
        img.paste(base.convert("RGB"), box[:2])
    return len(items)


def _draw_items(img, rng, sc, items):
    o, s = sc.office, sc.session
    if not items:
        return
    if o.mode != "silhouette":
        dx, dy = sc.shadow_dir
        rmean = float(np.mean([it[2] for it in items]))
        polys = [it[0] + (dx * it[2] * 0.35, dy * it[2] * 0.35) for it in items]
        _shadow_apply(img, polys, max(0.6, rmean * 0.25), 0.28 if o.mode == "paper" else 0.5)
    d = ImageDraw.Draw(img)
    for pts, ctr, r, body in items:
        _draw_stone(d, rng, pts, ctr, r, body, o.mode, s.light_dir, _light(sc, ctr[0], ctr[1]))


def _tweezers(rng, sc, img, near):
    u = sc.unit
    L = u * rng.uniform(0.32, 0.46)
    ang = rng.uniform(0, 2 * math.pi)
    tip = np.asarray(near, np.float64) + rng.normal(0, u * 0.05, 2)
    dirv = np.array([math.cos(ang), math.sin(ang)])
    nrm = np.array([-dirv[1], dirv[0]])
    polys = []
    for side in (-1, 1):
        t0 = tip + nrm * side * u * 0.002
        h = tip + dirv * L + nrm * side * u * 0.013
        wtip, wend = u * 0.0025, u * 0.009
        polys.append(np.array([t0 - nrm * wtip, t0 + nrm * wtip, h + nrm * wend, h - nrm * wend]))
    if sc.office.mode != "silhouette":
        dx, dy = sc.shadow_dir
        _shadow_apply(img, [p + np.array((dx * u * 0.012, dy * u * 0.012)) for p in polys], u * 0.006, 0.3)
    d = ImageDraw.Draw(img)
    lf = _light(sc, tip[0], tip[1])
    steel = (20, 20, 22) if sc.office.mode == "silhouette" else _c((176, 178, 184), lf)
    for p in polys:
        d.polygon(_flat(p), fill=steel, outline=_c(steel, 0.6))
        if sc.office.mode != "silhouette":
            d.line(
                [tuple((p[0] + p[1]) / 2), tuple((p[2] + p[3]) / 2)], fill=_c((235, 236, 240), lf), width=1
            )


# ----------------------------------------------------------------------------- a photo


def _render(session: _Session, cat: int, rng) -> tuple[Image.Image, str]:
    sc = _scene(session.key)
    o = sc.office
    img = sc.bg.copy()
    lot, cts = _lot_text(rng, sc)
    u = sc.unit
    # label card first, so that the stones keep off it
    card = None
    if sc.label_box is not None:
        lb = sc.label_box
        ccx = (lb[0] + lb[2]) / 2 + rng.normal(0, u * 0.01)
        ccy = (lb[1] + lb[3]) / 2 + rng.normal(0, u * 0.01)
        card = (ccx, ccy, rng.normal(0, 2.0))
    if cat == 0:
        arrangement = str(
            rng.choice(list(o.arr_p), p=np.array(list(o.arr_p.values())) / sum(o.arr_p.values()))
        )
        cs, rs = _layout(rng, sc, arrangement)
        items = _stone_items(rng, sc, len(rs), cs, rs)
        _draw_items(img, rng, sc, items)
        kind = f"parcel/{arrangement}"
        near = cs[int(rng.integers(len(cs)))]
    elif cat == 1:
        sk, cs, rs = _small_layout(rng, sc)
        items = _stone_items(rng, sc, len(rs), cs, rs)
        _draw_items(img, rng, sc, items)
        kind = f"small/{sk}"
        near = cs[0]
    else:
        pk = str(rng.choice(["paper", "bag", "envelope", "open"], p=[0.3, 0.3, 0.2, 0.2]))
        _packet(rng, sc, img, lot, cts, pk)
        kind = f"packet/{pk}"
        x0, y0, x1, y1 = sc.stage_box
        near = ((x0 + x1) / 2, (y0 + y1) / 2)
    if rng.random() < o.tweezers_p:
        _tweezers(rng, sc, img, near)
    d = ImageDraw.Draw(img)
    if o.lotmark:
        x, y = sc.P(*o.lotmark_uv)
        _hand(
            d,
            x + rng.normal(0, u * 0.01),
            y + rng.normal(0, u * 0.01),
            lot,
            u * 0.035,
            _c(o.ink),
            rng,
            o.hand,
        )
    if sc.lcd is not None:
        x0, y0, x1, y1 = sc.lcd
        d.text(
            (x1 - (x1 - x0) * 0.05, (y0 + y1) / 2),
            f"{cts:8.2f}",
            font=_font("mono", (y1 - y0) * 0.7),
            fill=(28, 34, 28),
            anchor="rm",
        )
    if card is not None:
        lf = _light(sc, card[0], card[1])
        obj = _label_card(rng, sc, lot, cts, lf)
        _paste_object(
            img,
            obj,
            card[0],
            card[1],
            card[2],
            sc.shadow_dir,
            u * 0.008,
            0.0 if o.mode == "silhouette" else 0.3,
        )
    return _camera(img, sc, rng), kind


def _camera(img: Image.Image, sc: _Scene, rng) -> Image.Image:
    o, s = sc.office, sc.session
    W, H = img.size
    img = img.filter(ImageFilter.BoxBlur(o.blur))  # lens softness
    # tone: white balance of the day, exposure wobble, contrast and gamma of the camera
    ae = rng.normal(1.0, 0.02)
    x = np.arange(256, dtype=np.float64) / 255.0
    lut = []
    for ch in range(3):
        y = np.clip(x * s.wb[ch] * ae, 0, 1)
        y = np.clip(0.5 + (y - 0.5) * o.contrast, 0, 1) ** o.gamma
        lut += np.clip(np.rint(y * 255), 0, 255).astype(int).tolist()
    img = img.point(lut)
    if abs(o.saturation - 1) > 1e-3:
        img = ImageEnhance.Color(img).enhance(o.saturation)
    sx, sy = W / o.size[0], H / o.size[1]
    if o.handheld:  # hand-held: the framing moves a little each time, never showing a border
        a = math.radians(float(np.clip(rng.normal(0, 0.6), -1.2, 1.2)))
        tx, ty = rng.uniform(-0.008, 0.008) * W, rng.uniform(-0.008, 0.008) * H
        need = max(
            (abs(tx) + abs(math.sin(a)) * H / 2) / (W / 2), (abs(ty) + abs(math.sin(a)) * W / 2) / (H / 2)
        )
        z = (1 + need) * rng.uniform(1.01, 1.03)
        c, sn = math.cos(a) / z, math.sin(a) / z
        cx, cy = W / 2, H / 2
        k = (c, sn, cx - c * cx - sn * cy + tx, -sn, c, cy + sn * cx - c * cy + ty)
        img = img.transform(
            o.size,
            Image.AFFINE,
            (k[0] * sx, k[1] * sy, k[2], k[3] * sx, k[4] * sy, k[5]),
            resample=Image.BILINEAR,
        )
    elif img.size != o.size:
        img = img.resize(o.size, Image.BICUBIC)
    w, h = o.size
    a = np.asarray(img).astype(np.int16)
    f = _noise_field()
    q = max(1, round(o.noise))  # the field holds N(0,1) * 16
    for ch in range(3):
        oy, ox = int(rng.integers(0, f.shape[0] - h)), int(rng.integers(0, f.shape[1] - w))
        a[..., ch] += (f[oy : oy + h, ox : ox + w].astype(np.int16) * q) >> 4
    img = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8), "RGB")
    return _jpeg(img, o.jpeg_q, o.subsampling)


def _photo(role: int, seed: int, i: int) -> Image.Image:
    _, _, sessions, sw, fsessions = _pool()
    s = _seed_int(seed)
    brng = np.random.default_rng([_POOL_SEED, role, s, 1, i // _BLOCK])
    if role == _ROLE_UNRELATED and brng.random() < _FOREIGN_SHARE:
        session = fsessions[int(brng.integers(len(fsessions)))]
    else:
        session = sessions[int(brng.choice(len(sessions), p=sw))]
    rng = np.random.default_rng([_POOL_SEED, role, s, 2, i])
    shares = _KINDS_ORIGINAL if role == _ROLE_ORIGINAL else _KINDS_UNRELATED
    cat = int(rng.choice(3, p=shares))
    img, kind = _render(session, cat, rng)
    o = session.office
    img.info["kpcs_photo"] = (
        f"{'foreign' if o.foreign else 'shared'}-office{o.idx:02d}-day{session.day}|{o.surface}|{kind}"
    )
    return img


def originals(seed: int, n: int) -> Iterator[Image.Image]:
    """n lawful parcel photos (RGB), deterministic for (seed, index)."""
    for i in range(int(n)):
        yield _photo(_ROLE_ORIGINAL, seed, i)


def unrelated(seed: int, n: int) -> Iterator[Image.Image]:
    """n photos of other parcels: ~70 % on the originals' set-ups (same offices and days), ~30 % elsewhere."""
    for i in range(int(n)):
        yield _photo(_ROLE_UNRELATED, seed, i)


# ----------------------------------------------------------------------------- the forger


def _crop(img, left, t, r, b):
    w, h = img.size
    return img.crop((round((left * w)), round(t * h), w - round(r * w), h - round(b * h)))


def _resize(img, sx, sy):
    w, h = img.size
    nw, nh = max(16, round(w * sx)), max(16, round(h * sy))
    return img.resize((nw, nh), Image.LANCZOS if sx < 1 else Image.BICUBIC)


def _blur(img, rel):
    return img.filter(ImageFilter.GaussianBlur(rel * max(img.size) / 1500.0))


def _recolour(img, b, c, s, g, wb):
    x = np.arange(256, dtype=np.float64) / 255.0
    lut = []
    for ch in range(3):
        y = np.clip(x**g * b * wb[ch], 0, 1)
        y = np.clip(0.5 + (y - 0.5) * c, 0, 1)
        lut += np.clip(np.rint(y * 255), 0, 255).astype(int).tolist()
    img = img.point(lut)
    return ImageEnhance.Color(img).enhance(s) if abs(s - 1) > 1e-3 else img


def variants(image: Image.Image, seed: int) -> dict[str, Image.Image]:
    """About 11 copies of one photo, as a forger makes them, named after what was done."""
    img = image.convert("RGB")
    rng = np.random.default_rng([_POOL_SEED, 41, _seed_int(seed), img.width, img.height])
    out: dict[str, Image.Image] = {}

    def pct(v):
        return round(v * 100)

    def crop_spec(maxed=False):
        sides = rng.uniform(0, 0.10, 4) * (rng.random(4) < 0.7)
        if maxed:
            k = rng.choice(4, 2, replace=False)
            sides[k] = 0.10
        if sides.max() < 0.03:
            sides[int(rng.integers(4))] = rng.uniform(0.05, 0.10)
        name = "crop-" + "".join(f"{n}{pct(v)}" for n, v in zip("ltrb", sides, strict=True) if pct(v))
        return tuple(float(v) for v in sides), name

    def recolour_spec():
        b, c, s = rng.uniform(0.85, 1.15, 3)
        g = float(rng.uniform(0.87, 1.15))
        wb = tuple(rng.uniform(0.9, 1.1, 3))
        name = (
            f"recolour-b{pct(b - 1):+d}_c{pct(c - 1):+d}_s{pct(s - 1):+d}_g{pct(g - 1):+d}"
            f"_wbr{pct(wb[0] - 1):+d}b{pct(wb[2] - 1):+d}"
        )
        return (float(b), float(c), float(s), g, wb), name

    def add(name, im):
        while name in out:
            name += "'"
        out[name] = im

    sides, n = crop_spec()
    add(n, _crop(img, *sides))
    sides, n = crop_spec(maxed=True)
    q = int(rng.integers(80, 96))
    add(f"{n}+jpeg-q{q}", _jpeg(_crop(img, *sides), q))
    k = float(rng.uniform(0.3, 0.6))
    add(f"resize-{k:.2f}", _resize(img, k, k))
    k = float(rng.uniform(1.15, 1.5))
    q = int(rng.integers(70, 96))
    add(f"resize-{k:.2f}+jpeg-q{q}", _jpeg(_resize(img, k, k), q))
    q = int(rng.integers(50, 61))
    add(f"jpeg-q{q}", _jpeg(img, q))
    r = float(rng.uniform(0.8, 2.0))
    add(f"blur-r{r:.1f}", _blur(img, r))
    spec, n = recolour_spec()
    add(n, _recolour(img, *spec))
    sides, n = crop_spec()
    k = float(rng.uniform(0.4, 0.9))
    q = int(rng.integers(50, 80))
    add(f"{n}+resize-{k:.2f}+jpeg-q{q}", _jpeg(_resize(_crop(img, *sides), k, k), q))
    k = float(rng.uniform(0.5, 1.2))
    ar = float(rng.uniform(0.95, 1.05))
    q = int(rng.integers(60, 90))
    add(f"resize-{k:.2f}x{k * ar:.2f}+jpeg-q{q}", _jpeg(_resize(img, k, k * ar), q))
    spec, n = recolour_spec()
    r = float(rng.uniform(0.5, 1.5))
    k = float(rng.uniform(0.5, 1.0))
    q = int(rng.integers(55, 90))
    add(
        f"{n}+blur-r{r:.1f}+resize-{k:.2f}+jpeg-q{q}",
        _jpeg(_resize(_blur(_recolour(img, *spec), r), k, k), q),
    )
    sides, n1 = crop_spec()
    spec, n2 = recolour_spec()
    r = float(rng.uniform(0.5, 1.5))
    k = float(rng.uniform(0.3, 0.8))
    ar = float(rng.uniform(0.96, 1.04))
    q = int(rng.integers(50, 66))
    im = _jpeg(_crop(img, *sides), int(rng.integers(70, 95)))
    im = _resize(_blur(_recolour(im, *spec), r), k, k * ar)
    add(f"{n1}+jpeg+{n2}+blur-r{r:.1f}+resize-{k:.2f}x{k * ar:.2f}+jpeg-q{q}", _jpeg(im, q))
    return out
