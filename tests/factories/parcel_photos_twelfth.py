"""Blind synthetic generator of rough-diamond parcel photographs (twelfth set).

Written independently of the search under test.  It imitates the photo
archive of Kimberley Process offices: each office has a few photo
*stations* (a sheet of white paper, black velvet, a perforated sieve plate,
woven wire mesh, a glass dish, a numbered grid tray, an enamel sorting tray,
a plastic bag lying on a printed form, a loupe-light close-up rig, or a
flat-bed scanner used for archive certificates).  Each working *day* at a
station is a *session*: the camera, lights and props stay where they are
while lot after lot is photographed.  Consecutive originals therefore share
almost all of their pixels; only the stones, the writing on the label card,
the scale read-out and a few loose props differ.

Public interface (see the module constants and functions):

``originals(seed, n)``      n photos of distinct parcels.
``variants(image, seed)``   about ten re-used copies of one photo.
``unrelated(seed, n)``      photos of other parcels; half of them hard
                            (same station and session as a reference
                            original, a different lot).
``unrelated_kind(seed, i)`` the kind of the i-th unrelated photo.
"""

# ruff: noqa: UP031  (the generator is kept as its author wrote it: printf-style labels)
from __future__ import annotations

import functools
import hashlib
import io
import math
from collections.abc import Iterator

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

REFERENCE_SEED = 1
REFERENCE_COUNT = 200

# Kinds of unrelated photos and their exact share in every block of 1000.
# The "twin-*" kinds are the hard cases: they re-use an office, station and
# (except twin-office-day) the very session of an original of
# originals(REFERENCE_SEED, REFERENCE_COUNT), with a different lot on it.
_KIND_SHARES: tuple[tuple[str, int], ...] = (
    ("twin-session", 175),  # same session, another lot, new label/scale text
    ("twin-refill", 150),  # same session & camera pose, a look-alike lot
    ("twin-sparse", 75),  # same session, only a few stones on the set-up
    ("twin-office-day", 100),  # same station on another day, another lot
    ("other-office", 250),  # an unrelated office / set-up
    ("other-archive", 75),  # scan of another authority's old certificate
    ("other-loupe", 75),  # loupe-light close-up of a few large stones
    ("other-boart", 50),  # dense heap of small brown boart elsewhere
    ("other-phone", 50),  # hand-held phone photo of a parcel in a bag
)
KINDS: tuple[str, ...] = tuple(k for k, _ in _KIND_SHARES)
HARD_KINDS: tuple[str, ...] = tuple(k for k in KINDS if k.startswith("twin-"))
assert sum(c for _, c in _KIND_SHARES) == 1000

_WORK_LONG = 1024  # long side of the internal rendering canvas
_FONT_DIR = "/usr/share/fonts/truetype/dejavu/"
_TAG = "kp-parcel-12"

# --------------------------------------------------------------------------
# deterministic randomness
# --------------------------------------------------------------------------


def _seed_of(*keys) -> int:
    h = hashlib.blake2b(repr((_TAG, *keys)).encode("utf8"), digest_size=8)
    return int.from_bytes(h.digest(), "little")


def _rng(*keys) -> np.random.Generator:
    return np.random.default_rng(_seed_of(*keys))


def _pick(rng: np.random.Generator, items, weights=None):
    if weights is None:
        return items[int(rng.integers(len(items)))]
    w = np.asarray(weights, dtype=float)
    return items[int(rng.choice(len(items), p=w / w.sum()))]


# --------------------------------------------------------------------------
# fonts and small drawing helpers
# --------------------------------------------------------------------------

_FONT_FILES = {
    "sans": "DejaVuSans.ttf",
    "sans-bold": "DejaVuSans-Bold.ttf",
    "sans-oblique": "DejaVuSans-Oblique.ttf",
    "sans-boldoblique": "DejaVuSans-BoldOblique.ttf",
    "cond": "DejaVuSansCondensed.ttf",
    "cond-bold": "DejaVuSansCondensed-Bold.ttf",
    "cond-oblique": "DejaVuSansCondensed-Oblique.ttf",
    "mono": "DejaVuSansMono.ttf",
    "mono-bold": "DejaVuSansMono-Bold.ttf",
    "mono-oblique": "DejaVuSansMono-Oblique.ttf",
    "serif": "DejaVuSerif.ttf",
    "serif-bold": "DejaVuSerif-Bold.ttf",
    "serif-italic": "DejaVuSerif-Italic.ttf",
    "serif-bolditalic": "DejaVuSerif-BoldItalic.ttf",
    "serifcond-italic": "DejaVuSerifCondensed-Italic.ttf",
    "light": "DejaVuSans-ExtraLight.ttf",
}


@functools.lru_cache(maxsize=512)
def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    size = max(6, int(size))
    try:
        return ImageFont.truetype(_FONT_DIR + _FONT_FILES.get(name, "DejaVuSans.ttf"), size)
    except OSError:  # pragma: no cover - fonts missing
        return ImageFont.load_default()


def _clip8(a: np.ndarray) -> np.ndarray:
    return np.clip(a, 0.0, 255.0).astype(np.uint8)


def _col(c) -> tuple:
    return tuple(int(max(0, min(255, round(v)))) for v in c)


def _lowfreq(
    rng: np.random.Generator, w: int, h: int, cells: int = 8, aspect: float | None = None
) -> np.ndarray:
    """Smooth random field in about [-1, 1] of shape (h, w), float32."""
    if aspect is None:
        aspect = w / max(1, h)
    gx = max(2, round(cells * max(1.0, aspect)))
    gy = max(2, round(cells / min(1.0, aspect)))
    small = rng.standard_normal((gy, gx)).astype(np.float32)
    im = Image.fromarray(small, mode="F").resize((w, h), Image.BICUBIC)
    return np.asarray(im, dtype=np.float32) * 0.7


def _perspective_coeffs(dst_pts, src_pts):
    """Coefficients for Image.transform(PERSPECTIVE) mapping output->input."""
    a = []
    b = []
    for (x, y), (u, v) in zip(dst_pts, src_pts, strict=False):
        a.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        a.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        b.append(u)
        b.append(v)
    sol = np.linalg.solve(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
    return tuple(float(s) for s in sol)


def _paste_rotated(
    canvas: Image.Image,
    patch: Image.Image,
    cx: float,
    cy: float,
    angle: float,
    shadow: float = 0.0,
    shadow_dx: float = 3.0,
    shadow_dy: float = 4.0,
    shadow_blur: float = 4.0,
) -> None:
    """Paste an RGBA patch centred at (cx, cy), rotated by angle degrees,
    optionally with a soft drop shadow on the canvas."""
    rot = patch.rotate(angle, resample=Image.BICUBIC, expand=True)
    x0 = round(cx - rot.width / 2)
    y0 = round(cy - rot.height / 2)
    alpha = rot.getchannel("A")
    if shadow > 0:
        pad = int(shadow_blur * 3 + 4)
        sh = Image.new("L", (rot.width + 2 * pad, rot.height + 2 * pad), 0)
        sh.paste(alpha.point(lambda v: int(v * shadow)), (pad, pad))
        sh = sh.filter(ImageFilter.GaussianBlur(shadow_blur))
        dark = Image.new("RGB", sh.size, (0, 0, 0))
        canvas.paste(dark, (x0 - pad + int(shadow_dx), y0 - pad + int(shadow_dy)), sh)
    canvas.paste(rot.convert("RGB"), (x0, y0), alpha)


def _rot_pts(pts, cx, cy, angle_deg):
    a = math.radians(angle_deg)
    ca, sa = math.cos(a), math.sin(a)
    return [(cx + x * ca - y * sa, cy + x * sa + y * ca) for x, y in pts]


# --------------------------------------------------------------------------
# offices, stations, sessions
# --------------------------------------------------------------------------

_CITIES = (
    ("ZA", "Kimberley"),
    ("ZA", "Johannesburg"),
    ("BW", "Gaborone"),
    ("NA", "Windhoek"),
    ("SL", "Freetown"),
    ("SL", "Koidu"),
    ("CD", "Kinshasa"),
    ("CD", "Mbuji-Mayi"),
    ("AO", "Luanda"),
    ("AO", "Saurimo"),
    ("LS", "Maseru"),
    ("ZW", "Harare"),
    ("GY", "Georgetown"),
    ("BE", "Antwerp"),
    ("AE", "Dubai"),
    ("IN", "Surat"),
    ("IL", "Ramat Gan"),
    ("CA", "Yellowknife"),
    ("RU", "Mirny"),
    ("GN", "Conakry"),
    ("TZ", "Shinyanga"),
    ("CF", "Bangui"),
    ("LR", "Monrovia"),
)
_OFFICE_NAMES = (
    "Government Diamond Valuator",
    "Diamond Export Authority",
    "Kimberley Process Office",
    "Precious Minerals Control Unit",
    "National Diamond Office",
    "Ministry of Mines - KP Unit",
    "Customs Diamond Section",
    "Diamond Trading Company",
    "Rough Diamond Import Desk",
    "Mineral Valuation Bureau",
    "Diamond Office",
    "State Diamond Evaluation Centre",
)
_SIZES_LANDSCAPE = (
    ((2400, 1600), 14),
    ((2048, 1536), 12),
    ((1600, 1200), 10),
    ((2592, 1944), 8),
    ((2000, 1500), 8),
    ((1920, 1280), 8),
    ((2200, 1650), 6),
    ((3000, 2000), 4),
    ((1800, 1200), 6),
    ((1280, 960), 4),
    ((1024, 768), 3),
    ((640, 480), 2),
)
_STATION_KINDS = (
    ("paper", 16),
    ("velvet", 14),
    ("sieve", 10),
    ("mesh", 8),
    ("dish", 8),
    ("bag", 10),
    ("grid", 8),
    ("tray", 10),
    ("loupe", 6),
)
# stone categories: colour palette (RGB 0-255), size range in mm (radius),
# shape weights (octa, dodeca, cube, macle, rough), shine, count range
_CATEGORIES = {
    "gem-octahedra": dict(
        pal=((228, 230, 232), (236, 234, 226), (222, 226, 234), (232, 228, 210)),
        r=(1.6, 5.0),
        shapes=(6, 3, 0, 1, 1),
        shine=1.0,
        n=(8, 70),
    ),
    "cape-yellow": dict(
        pal=((226, 214, 168), (218, 206, 150), (232, 222, 182), (210, 196, 140)),
        r=(1.0, 3.6),
        shapes=(3, 3, 1, 1, 3),
        shine=0.8,
        n=(15, 120),
    ),
    "brown-boart": dict(
        pal=((112, 88, 64), (86, 72, 60), (128, 104, 78), (70, 62, 56), (100, 92, 84)),
        r=(0.35, 1.3),
        shapes=(0, 1, 2, 0, 8),
        shine=0.25,
        n=(150, 520),
    ),
    "industrial-grey": dict(
        pal=((140, 138, 132), (118, 112, 104), (160, 154, 140), (104, 100, 98)),
        r=(0.7, 2.4),
        shapes=(1, 1, 2, 0, 6),
        shine=0.35,
        n=(40, 260),
    ),
    "run-of-mine": dict(
        pal=(
            (230, 230, 228),
            (214, 200, 150),
            (150, 116, 80),
            (190, 186, 176),
            (170, 180, 150),
            (226, 200, 196),
        ),
        r=(0.6, 3.4),
        shapes=(3, 3, 1, 1, 4),
        shine=0.7,
        n=(40, 300),
    ),
    "coated-green": dict(
        pal=((136, 146, 106), (120, 134, 100), (150, 152, 120), (110, 122, 96)),
        r=(0.9, 2.8),
        shapes=(1, 3, 3, 0, 3),
        shine=0.3,
        n=(20, 140),
    ),
    "melee-white": dict(
        pal=((234, 234, 234), (226, 228, 232), (236, 232, 220)),
        r=(0.35, 0.9),
        shapes=(3, 2, 0, 0, 5),
        shine=0.9,
        n=(120, 450),
    ),
    "specials": dict(
        pal=((232, 232, 230), (234, 224, 190), (196, 170, 130), (226, 228, 236)),
        r=(5.0, 12.0),
        shapes=(5, 4, 0.5, 2, 3),
        shine=1.0,
        n=(1, 5),
    ),
}
_CAT_NAMES = tuple(_CATEGORIES)
_SHAPES = ("octa", "dodeca", "cube", "macle", "rough")
_N_OFFICES = 12


def _make_office(key) -> dict:
    """An office: its camera, label-card design and photo stations."""
    rng = _rng("office", key)
    cc, city = _pick(rng, _CITIES)
    name = _pick(rng, _OFFICE_NAMES)
    code = cc + "-" + "".join(ch for ch in city.upper() if ch.isalpha())[:3]
    archive = rng.random() < 0.12
    sizes = [s for s, _ in _SIZES_LANDSCAPE]
    size = _pick(rng, sizes, [w for _, w in _SIZES_LANDSCAPE])
    cam = dict(
        size=size,
        noise=float(rng.uniform(1.2, 4.5)),
        jpeg=int(rng.integers(84, 97)) if rng.random() < 0.5 else None,
        gamma=float(rng.uniform(0.85, 1.15)),
        contrast=float(rng.uniform(0.9, 1.15)),
        sat=float(rng.uniform(0.8, 1.2)),
        cast=tuple(float(v) for v in 1.0 + rng.normal(0, 0.045, 3)),
        optics=float(rng.uniform(0.35, 1.1)),
        sharpen=float(rng.uniform(0.0, 1.0)),
    )
    design = dict(
        layout=int(rng.integers(4)),
        head_font=_pick(rng, ("sans-bold", "serif-bold", "cond-bold", "mono-bold")),
        body_font=_pick(rng, ("sans", "serif", "cond", "mono")),
        hand=bool(rng.random() < 0.45),
        hand_font=_pick(
            rng,
            (
                "sans-oblique",
                "serif-italic",
                "serifcond-italic",
                "cond-oblique",
                "sans-boldoblique",
                "serif-bolditalic",
            ),
        ),
        ink=_pick(rng, ((30, 40, 140), (20, 20, 30), (40, 60, 170), (120, 20, 30))),
        band=_col(rng.integers(20, 200, 3)),
        paper=_col((246 - rng.integers(0, 14), 246 - rng.integers(0, 10), 240 - rng.integers(0, 30))),
        qr=bool(rng.random() < 0.4),
        barcode=bool(rng.random() < 0.35),
        aspect=float(rng.uniform(1.3, 1.9)),
        logo=bool(rng.random() < 0.6),
        lang=int(rng.integers(3)),
    )
    office = dict(
        key=key,
        cc=cc,
        city=city,
        name=name,
        code=code,
        cam=cam,
        design=design,
        archive=archive,
        lot_prefix=_pick(rng, ("%s/%d/", "%s-%d-", "LOT %s %d.", "%s %d #")),
        year=int(rng.integers(2004, 2025)),
    )
    force = key[3] if (isinstance(key, tuple) and len(key) > 3 and key[0] == "uoffice") else None
    if force == "archive":
        archive = True
        office["archive"] = True
    elif force is not None:
        archive = False
        office["archive"] = False
    if archive:
        office["stations"] = [_make_archive_station(rng, office)]
    elif force == "loupe":
        office["stations"] = [_make_station(rng, office, "loupe", 0)]
    elif force == "boart":
        st = _make_station(rng, office, _pick(rng, ("paper", "velvet", "sieve", "tray", "dish", "mesh")), 0)
        st["cats"] = (("brown-boart", 1.0),)
        st["arr"] = "heap"
        st["field_mm"] = float(rng.uniform(45, 110))
        office["stations"] = [st]
    elif force == "phone":
        st = _make_station(rng, office, _pick(rng, ("bag", "bag", "paper", "velvet", "tray")), 0)
        st["phone"] = True
        st["fixed"] = False
        st["size"] = _pick(rng, ((2016, 1512), (1600, 1200), (1512, 2016), (1200, 1600), (1920, 1440)))
        st["pose"] = tuple(float(v) for v in rng.normal(0, 0.022, 8))
        office["stations"] = [st]
    else:
        kinds = [k for k, _ in _STATION_KINDS]
        wts = [w for _, w in _STATION_KINDS]
        nst = int(rng.integers(1, 4))
        office["stations"] = [_make_station(rng, office, _pick(rng, kinds, wts), s) for s in range(nst)]
    return office


def _make_archive_station(rng, office) -> dict:
    w, h = _pick(rng, ((1240, 1754), (1275, 1650), (1654, 2339), (1754, 1240), (1100, 1556)))
    st = dict(
        kind="archive",
        size=(w, h),
        idx=0,
        paper=_col((238 - rng.integers(0, 16), 232 - rng.integers(0, 22), 214 - rng.integers(0, 44))),
        sepia=bool(rng.random() < 0.5),
        layout=int(rng.integers(3)),
        guilloche=_col(rng.integers(60, 200, 3)),
        title=_pick(
            rng,
            (
                "KIMBERLEY PROCESS CERTIFICATE",
                "CERTIFICATE OF ORIGIN - ROUGH DIAMONDS",
                "ROUGH DIAMOND EXPORT CERTIFICATE",
                "KP CERTIFICATE FOR ROUGH DIAMONDS",
            ),
        ),
        stamp=_col(rng.choice([(150, 30, 40), (40, 60, 150), (90, 40, 120), (30, 110, 70)])),
        photo_box=(
            float(rng.uniform(0.08, 0.5)),
            float(rng.uniform(0.36, 0.55)),
            float(rng.uniform(0.3, 0.42)),
        ),
        photo_bg=_pick(rng, ("velvet", "paper", "tray")),
        skew=float(rng.normal(0, 0.5)),
        lid_shadow=bool(rng.random() < 0.4),
        halftone=bool(rng.random() < 0.35),
        light=dict(
            az=float(rng.uniform(0, 6.28)),
            elev=0.8,
            vign=float(rng.uniform(0.0, 0.08)),
            grad=float(rng.uniform(0.0, 0.08)),
            grad_dir=float(rng.uniform(0, 6.28)),
            spot=0.0,
            spot_c=(0.5, 0.5),
            temp=tuple(float(v) for v in 1.0 + rng.normal(0, 0.02, 3)),
        ),
        fixed=True,
        phone=False,
        props=[],
        zone=(0.5, 0.5, 0.2),
        field_mm=210.0,
        surf={},
        cats=(("run-of-mine", 3), ("gem-octahedra", 2), ("industrial-grey", 1), ("cape-yellow", 1)),
    )
    sk = math.radians(st["skew"])
    a = w / h
    st["pose"] = (
        0.5 * sk / a,
        -0.5 * sk * a,
        0.5 * sk / a,
        0.5 * sk * a,
        -0.5 * sk / a,
        0.5 * sk * a,
        -0.5 * sk / a,
        -0.5 * sk * a,
    )
    return st


def _make_station(rng, office, kind: str, idx: int) -> dict:
    w, h = office["cam"]["size"]
    portrait = bool(rng.random() < 0.15)
    if portrait:
        w, h = h, w
    phone = bool(rng.random() < 0.1)
    if phone:
        w, h = _pick(rng, ((2016, 1512), (1600, 1200), (1512, 2016), (1200, 1600)))
    st = dict(kind=kind, idx=idx, size=(w, h), phone=phone, fixed=bool(rng.random() < 0.45) and not phone)
    # field of view (mm across the canvas width)
    if kind == "loupe":
        st["field_mm"] = float(rng.uniform(28, 60))
    elif kind == "grid":
        st["field_mm"] = float(rng.uniform(120, 220))
    else:
        st["field_mm"] = float(rng.uniform(90, 260))
    # lighting
    st["light"] = dict(
        az=float(rng.uniform(0, 2 * math.pi)),
        elev=float(rng.uniform(0.25, 1.0)),  # 1 = overhead, small shadows
        vign=float(rng.uniform(0.05, 0.45)) + (0.4 if kind == "loupe" else 0.0),
        grad=float(rng.uniform(0.0, 0.18)),
        grad_dir=float(rng.uniform(0, 2 * math.pi)),
        spot=float(rng.uniform(0.3, 0.7)) if kind == "loupe" else 0.0,
        spot_c=(float(rng.uniform(0.35, 0.65)), float(rng.uniform(0.35, 0.65))),
        temp=tuple(float(v) for v in 1.0 + rng.normal(0, 0.035, 3)),
    )
    # camera pose (perspective corner offsets, as fractions of the frame)
    tilt = 0.03 if phone else 0.012
    st["pose"] = tuple(float(v) for v in rng.normal(0, tilt, 8))
    # parcel zone
    st["zone"] = (float(rng.uniform(0.38, 0.62)), float(rng.uniform(0.4, 0.6)), float(rng.uniform(0.18, 0.3)))
    st["surf"] = _surface_params(rng, kind)
    # which stones this station sees
    cats = list(_CAT_NAMES)
    if kind == "loupe":
        st["cats"] = (("specials", 5), ("gem-octahedra", 2))
    elif kind == "grid":
        st["cats"] = (("gem-octahedra", 4), ("cape-yellow", 2), ("specials", 1), ("coated-green", 1))
    else:
        pw = rng.dirichlet(np.ones(len(cats)) * 0.6)
        top = np.argsort(-pw)[:3]
        st["cats"] = tuple((cats[t], float(pw[t]) + 0.05) for t in top)
    st["arr"] = _pick(rng, ("heap", "scatter", "rows", "heap", "scatter"))
    st["props"] = _make_props(rng, st, office)
    return st


def _surface_params(rng, kind: str) -> dict:
    if kind == "paper":
        return dict(
            base=_col(
                (236 + rng.integers(-10, 12), 236 + rng.integers(-10, 12), 232 + rng.integers(-16, 14))
            ),
            desk=_col(
                _pick(rng, ((120, 84, 52), (70, 70, 74), (160, 150, 130), (40, 36, 34), (180, 170, 150)))
            ),
            sheet=bool(rng.random() < 0.55),
            crease=bool(rng.random() < 0.5),
            grid=bool(rng.random() < 0.15),
        )
    if kind == "velvet":
        return dict(
            base=_col(_pick(rng, ((14, 14, 16), (10, 10, 12), (20, 18, 26), (16, 20, 40), (24, 14, 16)))),
            nap=float(rng.uniform(0.15, 0.45)),
        )
    if kind == "sieve":
        return dict(
            metal=_col(_pick(rng, ((168, 168, 172), (184, 158, 104), (150, 150, 156), (196, 196, 200)))),
            under=_col(_pick(rng, ((20, 20, 22), (230, 230, 228), (60, 70, 90)))),
            pitch_mm=float(rng.uniform(2.2, 6.5)),
            hole=float(rng.uniform(0.3, 0.42)),
            hexa=bool(rng.random() < 0.7),
            angle=float(rng.normal(0, 2.0)),
            number=str(int(rng.choice([3, 5, 7, 9, 11, 13, 15, 17, 19, 21]))),
        )
    if kind == "mesh":
        return dict(
            wire=_col(_pick(rng, ((180, 180, 184), (200, 170, 110), (230, 230, 226), (140, 140, 150)))),
            under=_col(_pick(rng, ((16, 16, 18), (60, 60, 66), (220, 220, 216)))),
            pitch_mm=float(rng.uniform(1.2, 3.5)),
            wire_frac=float(rng.uniform(0.22, 0.4)),
            angle=float(rng.normal(0, 3.0)),
        )
    if kind == "dish":
        return dict(
            under=_col(_pick(rng, ((238, 238, 236), (30, 30, 34), (120, 124, 130), (200, 208, 220)))),
            tint=_col(_pick(rng, ((240, 246, 244), (236, 240, 246), (232, 232, 232)))),
            r=float(rng.uniform(0.3, 0.42)),
            rim=float(rng.uniform(0.025, 0.05)),
        )
    if kind == "bag":
        return dict(
            form=_col((244 + rng.integers(-8, 8), 242 + rng.integers(-8, 8), 236 + rng.integers(-12, 8))),
            print_col=_col(_pick(rng, ((40, 70, 150), (30, 30, 30), (140, 40, 40), (30, 100, 60)))),
            seal=_col(_pick(rng, ((200, 40, 40), (40, 80, 200), (60, 60, 60), (230, 230, 230)))),
            haze=float(rng.uniform(0.08, 0.2)),
            rows=int(rng.integers(5, 10)),
            bag_box=(
                float(rng.uniform(0.06, 0.16)),
                float(rng.uniform(0.05, 0.14)),
                float(rng.uniform(0.84, 0.95)),
                float(rng.uniform(0.86, 0.96)),
            ),
        )
    if kind == "grid":
        return dict(
            tray=_col(_pick(rng, ((24, 24, 26), (236, 236, 236), (200, 214, 230), (40, 40, 60)))),
            nx=int(rng.integers(4, 11)),
            ny=int(rng.integers(3, 7)),
            num_col=_col(_pick(rng, ((230, 230, 230), (30, 30, 30), (200, 40, 40), (220, 200, 60)))),
            wall=float(rng.uniform(0.06, 0.14)),
            box=(
                float(rng.uniform(0.05, 0.1)),
                float(rng.uniform(0.08, 0.16)),
                float(rng.uniform(0.9, 0.95)),
                float(rng.uniform(0.84, 0.94)),
            ),
        )
    if kind == "tray":
        return dict(
            enamel=_col(
                _pick(rng, ((240, 240, 238), (150, 180, 210), (210, 220, 230), (60, 64, 70), (236, 230, 214)))
            ),
            desk=_col(_pick(rng, ((110, 80, 50), (60, 60, 64), (200, 196, 186)))),
            box=(
                float(rng.uniform(0.02, 0.12)),
                float(rng.uniform(0.02, 0.12)),
                float(rng.uniform(0.88, 0.98)),
                float(rng.uniform(0.88, 0.98)),
            ),
            rim=float(rng.uniform(0.02, 0.05)),
        )
    # loupe
    return dict(
        base=_col(_pick(rng, ((12, 12, 14), (236, 236, 236), (120, 124, 128), (30, 40, 70)))),
        scale_bar=bool(rng.random() < 0.6),
    )


def _make_props(rng, st: dict, office: dict) -> list:
    """Props of a station: label card, ruler, colour chart, scale, tweezers...
    positions are fractions of the canvas (x, y) plus an angle in degrees."""
    kind = st["kind"]
    corners = [(0.16, 0.17), (0.84, 0.17), (0.16, 0.83), (0.84, 0.83)]
    order = list(rng.permutation(4))
    props = []
    if kind == "loupe":
        if st["surf"].get("scale_bar"):
            props.append(
                dict(t="scalebar", x=float(rng.uniform(0.7, 0.85)), y=float(rng.uniform(0.88, 0.94)), a=0.0)
            )
        if rng.random() < 0.35:
            props.append(
                dict(
                    t="slip",
                    x=float(rng.uniform(0.12, 0.2)),
                    y=float(rng.uniform(0.08, 0.14)),
                    a=float(rng.normal(0, 2)),
                )
            )
        return props
    label_p = 0.85 if kind != "bag" else 0.25
    if rng.random() < label_p:
        cx, cy = corners[order.pop()]
        props.append(
            dict(
                t="card",
                x=cx + float(rng.normal(0, 0.02)),
                y=cy + float(rng.normal(0, 0.02)),
                a=float(rng.normal(0, 4)),
                s=float(rng.uniform(0.2, 0.28)),
            )
        )
    if rng.random() < 0.5:
        horiz = rng.random() < 0.7
        if horiz:
            props.append(
                dict(
                    t="ruler",
                    x=float(rng.uniform(0.4, 0.6)),
                    y=_pick(rng, (0.045, 0.955)),
                    a=float(rng.normal(0, 1.0)),
                    s=float(rng.uniform(0.5, 0.8)),
                    look=int(rng.integers(3)),
                )
            )
        else:
            props.append(
                dict(
                    t="ruler",
                    x=_pick(rng, (0.035, 0.965)),
                    y=float(rng.uniform(0.4, 0.6)),
                    a=90 + float(rng.normal(0, 1.0)),
                    s=float(rng.uniform(0.45, 0.7)),
                    look=int(rng.integers(3)),
                )
            )
    if rng.random() < 0.35 and order:
        cx, cy = corners[order.pop()]
        props.append(
            dict(
                t="chart",
                x=cx,
                y=cy,
                a=float(rng.normal(0, 2)),
                s=float(rng.uniform(0.14, 0.2)),
                grid=_pick(rng, ((6, 4), (4, 2), (3, 2), (6, 2))),
            )
        )
    if rng.random() < 0.28 and order:
        cx, cy = corners[order.pop()]
        props.append(dict(t="scale", x=cx, y=cy, a=float(rng.normal(0, 2)), s=float(rng.uniform(0.18, 0.24))))
    if rng.random() < 0.5:
        props.append(
            dict(
                t="tweezers",
                x=float(rng.uniform(0.3, 0.7)),
                y=_pick(rng, (0.2, 0.8)),
                a=float(rng.uniform(0, 360)),
                s=float(rng.uniform(0.3, 0.45)),
                gold=bool(rng.random() < 0.25),
            )
        )
    if rng.random() < 0.2 and order:
        cx, cy = corners[order.pop()]
        props.append(
            dict(t="scoop", x=cx, y=cy, a=float(rng.uniform(0, 360)), s=float(rng.uniform(0.15, 0.22)))
        )
    if rng.random() < 0.12 and order:
        cx, cy = corners[order.pop()]
        props.append(
            dict(
                t="pen",
                x=cx,
                y=cy,
                a=float(rng.uniform(0, 360)),
                s=float(rng.uniform(0.3, 0.4)),
                col=_col(rng.integers(10, 200, 3)),
            )
        )
    return props


@functools.lru_cache(maxsize=256)
def _office(key) -> dict:
    return _make_office(key)


_SESS_LEN = (1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 15, 20)
_SESS_W = np.array((14, 12, 12, 10, 9, 8, 6, 6, 6, 4, 3, 2), dtype=float)
_SESS_BLOCK = 512


@functools.lru_cache(maxsize=64)
def _session_lengths(seed: int, block: int) -> np.ndarray:
    rng = _rng("sesslen", seed, block)
    idx = rng.choice(len(_SESS_LEN), size=_SESS_BLOCK, p=_SESS_W / _SESS_W.sum())
    return np.asarray(_SESS_LEN)[idx]


def _session_of(seed: int, i: int) -> tuple[int, int, int]:
    """(session number, position in session, session length) of original i."""
    start = 0
    block = 0
    while True:
        lens = _session_lengths(seed, block)
        cum = np.cumsum(lens)
        if start + int(cum[-1]) > i:
            k = int(np.searchsorted(cum, i - start, side="right"))
            first = start + int(cum[k] - lens[k])
            return block * _SESS_BLOCK + k, i - first, int(lens[k])
        start += int(cum[-1])
        block += 1


@functools.lru_cache(maxsize=4096)
def _session_meta(seed: int, s: int) -> tuple:
    """(office key, station index, day key) of session s of an archive seed."""
    rng = _rng("sessmeta", seed, s)
    w = 1.0 / (np.arange(_N_OFFICES) + 1.0) ** 0.6
    o = int(rng.choice(_N_OFFICES, p=w / w.sum()))
    okey = ("office", seed, o)
    office = _office(okey)
    st = int(rng.integers(len(office["stations"])))
    return okey, st, ("day", seed, s)


def _session_view(okey, st_idx: int, day_key) -> dict:
    """Everything that stays the same for a whole session at a station."""
    office = _office(okey)
    st = office["stations"][st_idx]
    rng = _rng("view", okey, st_idx, day_key)
    fixed = st["fixed"]
    k = 0.4 if fixed else 1.0
    props = []
    for p in st["props"]:
        q = dict(p)
        q["x"] = p["x"] + float(rng.normal(0, 0.006 * k))
        q["y"] = p["y"] + float(rng.normal(0, 0.006 * k))
        q["a"] = p["a"] + float(rng.normal(0, 1.2 * k))
        props.append(q)
    pose = tuple(float(a + b) for a, b in zip(st["pose"], rng.normal(0, 0.005 * k, 8), strict=False))
    lt = st["light"]
    day = int(rng.integers(0, 365 * 3))
    year = office["year"] + day // 365
    doy = day % 365
    month = 1 + min(11, doy // 31)
    dom = 1 + doy % 28
    fmt = office["design"]["layout"] % 3
    date = (
        "%02d.%02d.%d" % (dom, month, year),
        "%d-%02d-%02d" % (year, month, dom),
        "%02d/%02d/%d" % (dom, month, year),
    )[fmt]
    zx, zy, zr = st["zone"]
    view = dict(
        okey=okey,
        st_idx=st_idx,
        day_key=day_key,
        office=office,
        st=st,
        props=props,
        pose=pose,
        exposure=float(math.exp(rng.normal(0, 0.06 * k))),
        wb=tuple(float(v) for v in np.array(lt["temp"]) * (1.0 + rng.normal(0, 0.022 * k, 3))),
        vign=lt["vign"] * float(rng.uniform(0.9, 1.1)),
        grad=lt["grad"] * float(rng.uniform(0.7, 1.3)),
        grad_dir=lt["grad_dir"] + float(rng.normal(0, 0.2 * k)),
        # a new sheet of paper / a new form every day, but the same velvet, plate...
        tex_key=(okey, st_idx, day_key) if st["kind"] in ("paper", "bag", "dish") else (okey, st_idx),
        specks_key=(okey, st_idx, day_key),
        date=date,
        year=year,
        lot_base=int(rng.integers(40, 9000)),
        sorter="".join(chr(65 + int(c)) for c in rng.integers(0, 26, 2)),
        zone=(zx + float(rng.normal(0, 0.02)), zy + float(rng.normal(0, 0.02)), zr),
        cert_base=int(rng.integers(10000, 9900000)),
    )
    return view


def _photo_jitter(view: dict, key) -> dict:
    """What changes from one shot to the next inside a session."""
    rng = _rng("jitter", key)
    st = view["st"]
    if st["phone"]:
        pj = 0.012
    elif st["fixed"]:
        pj = 0.00025
    else:
        pj = 0.0012
    return dict(
        exposure=float(math.exp(rng.normal(0, 0.012))),
        pose=tuple(float(v) for v in rng.normal(0, pj, 8)),
        card=(float(rng.normal(0, 0.008)), float(rng.normal(0, 0.008)), float(rng.normal(0, 1.5))),
        tweez=(
            bool(rng.random() < 0.6),
            float(rng.uniform(0.25, 0.75)),
            float(rng.uniform(0.2, 0.8)),
            float(rng.uniform(0, 360)),
        ),
        noise_key=("noise", key),
    )


# --------------------------------------------------------------------------
# lots (the parcel itself: stones and the writing that goes with it)
# --------------------------------------------------------------------------

_SIEVE = (
    ("-3+1", 0.5),
    ("-5+3", 0.8),
    ("-7+5", 1.1),
    ("-9+7", 1.5),
    ("-11+9", 1.9),
    ("+11", 2.4),
    ("3 gr", 2.9),
    ("6 gr", 3.6),
    ("10.8 ct", 5.0),
    ("+10.8 ct", 99.0),
)
_DESCR = {
    "gem-octahedra": ("WHITE OCT", "GEM SAWABLES", "WHITES OCTA", "MB WHITE"),
    "cape-yellow": ("CAPE", "LT YELLOW", "CAPES MIXED", "YELLOW GEM"),
    "brown-boart": ("BOART", "CRUSHING BOART", "BRN BOART", "BORT"),
    "industrial-grey": ("INDUSTRIAL", "IND GREY", "NEAR-GEM", "REJECTION"),
    "run-of-mine": ("RUN OF MINE", "ROM MIXED", "MIXED BOX", "UNSORTED"),
    "coated-green": ("COATED", "GREEN SKIN", "COATED CUBES", "COATED MIX"),
    "melee-white": ("MELEE", "SMALLS WHITE", "CHIPS", "FINES"),
    "specials": ("SPECIAL", "SPECIALS +10.8", "SINGLE STONE", "LARGE STONES"),
}
_EXPORTERS = (
    "Kalahari Rough Ltd",
    "Orange River Mining",
    "Tshipi Minerals",
    "Sewa Valley Co-op",
    "Kasai Artisanal Union",
    "Lunda Norte Export",
    "Maluti Stones",
    "Essequibo Gems",
    "Cuango Trading",
    "Bakwanga Mining",
    "Namdeb Marine",
    "Letseng Rough",
    "Tongo Fields",
    "Mwadui Holdings",
    "Catoca Sales",
    "Ekati Sorting",
    "Koffiefontein Tr.",
)


def _field_mm(view) -> tuple[float, float]:
    st = view["st"]
    w, h = st["size"]
    fw = st.get("field_mm", 100.0)
    return fw, fw * h / w


def _make_lot(view: dict, key, lot_no: int, mimic: dict | None = None, sparse: bool = False) -> dict:
    st = view["st"]
    if st["kind"] == "archive":
        return _make_archive_lot(view, key, lot_no, sparse=sparse)
    office = view["office"]
    rng = _rng("lot", key)
    fw, fh = _field_mm(view)
    kind = st["kind"]
    if mimic is not None:
        cat = mimic["cat"]
    else:
        cat = _pick(rng, [c for c, _ in st["cats"]], [w for _, w in st["cats"]])
    spec = _CATEGORIES[cat]
    r0, r1 = spec["r"]
    if mimic is not None:
        rc = mimic["rc"] * float(rng.uniform(0.9, 1.1))
        rs = mimic["rs"]
        n = max(1, round(mimic["n"] * rng.uniform(0.85, 1.15)))
        if n == mimic["n"]:  # never the very same parcel: another count
            n = n + 1 if (n < 3 or rng.random() < 0.5) else n - 1
        arr = mimic["arr"]
        cx, cy = mimic["cx"] + float(rng.normal(0, 0.01 * fw)), mimic["cy"] + float(rng.normal(0, 0.01 * fh))
    else:
        rc = float(math.exp(rng.uniform(math.log(r0), math.log(r1))))
        rs = float(rng.uniform(0.08, 0.3))
        n = int(rng.integers(spec["n"][0], spec["n"][1] + 1))
        arr = st.get("arr", "heap") if rng.random() < 0.7 else _pick(rng, ("heap", "scatter", "rows"))
        zx, zy, _ = view["zone"]
        cx = (zx + float(rng.normal(0, 0.03))) * fw
        cy = (zy + float(rng.normal(0, 0.03))) * fh
    if cat in ("brown-boart", "melee-white") and (arr == "rows" or (mimic is None and rng.random() < 0.6)):
        arr = "heap"
    if kind == "grid":
        arr = "grid"
    elif kind == "loupe":
        arr = "few"
    elif kind == "dish":
        arr = "dish"
    elif kind == "bag":
        arr = "bag"
    if sparse:
        n = int(rng.integers(1, 5))
        if arr == "heap":
            arr = "scatter"
    # keep the number of stones plausible for the field of view
    area = fw * fh
    n = int(min(n, max(1, 0.22 * area / (math.pi * rc * rc))))
    if arr == "few":
        n = min(n, 6)
        rc = min(rc, 0.2 * min(fw, fh))
    r = rc * np.exp(rng.normal(0, rs, n))
    r = np.clip(r, 0.35 * rc, 2.2 * rc)
    x, y, r = _arrange(rng, arr, n, r, cx, cy, fw, fh, view)
    n = len(r)
    sw = np.asarray(spec["shapes"], dtype=float)
    shape = rng.choice(len(_SHAPES), size=n, p=sw / sw.sum())
    pal = np.asarray(spec["pal"], dtype=float)
    lotpal = pal[rng.integers(0, len(pal), size=min(len(pal), int(rng.integers(1, 4))))]
    col = lotpal[rng.integers(0, len(lotpal), n)] * (1.0 + rng.normal(0, 0.05, (n, 1)))
    col = col + rng.normal(0, 5, (n, 3))
    # label
    vol = float(np.sum(0.95 * r**3))  # mm^3, rough-crystal volume
    carats = vol * 3.52 / 200.0 * float(rng.uniform(0.85, 1.25))
    if arr == "heap":
        carats *= 1.15  # stones hidden in the heap
    sieve = next(s for s, lim in _SIEVE if lim >= rc)
    d = office["design"]
    lot_txt = (office["lot_prefix"] % (office["code"], view["year"])) + "%04d" % lot_no
    label = dict(
        lot=lot_txt,
        carats=f"{carats:.2f}",
        stones=str(n if n < 60 or rng.random() < 0.5 else "approx. %d" % (n // 10 * 10)),
        sieve=sieve,
        descr=_pick(rng, _DESCR[cat]),
        date=view["date"],
        origin=office["cc"]
        if rng.random() < 0.7
        else _pick(rng, ("ZA", "BW", "NA", "SL", "CD", "AO", "LS", "ZW", "GY", "RU", "CA")),
        cert="%s %07d" % (office["cc"], (view["cert_base"] + lot_no * 7 + int(rng.integers(0, 6))) % 10**7),
        exporter=_pick(rng, _EXPORTERS),
        value="USD {}".format(format(int(carats * rng.uniform(20, 900)), ",")),
        sorter=view["sorter"],
        weight="%.2f" % (carats * float(rng.uniform(0.998, 1.002))),
        hand=d["hand"],
    )
    return dict(
        key=key,
        cat=cat,
        n=n,
        rc=rc,
        rs=rs,
        arr=arr,
        cx=cx,
        cy=cy,
        x=x,
        y=y,
        r=r,
        shape=shape,
        col=col,
        shine=spec["shine"],
        label=label,
        geo_key=("geo", key),
    )


def _arrange(rng, arr, n, r, cx, cy, fw, fh, view):
    """Positions (mm) of n stones of radii r for an arrangement style."""
    st = view["st"]
    rm = float(np.mean(r)) if n else 1.0
    if arr == "heap":
        sig = max(2.0 * rm, math.sqrt(n) * rm * 0.55)
        ang = rng.uniform(0, math.pi)
        el = rng.uniform(0.7, 1.0)
        u = rng.normal(0, sig, n)
        v = rng.normal(0, sig * el, n)
        x = cx + u * math.cos(ang) - v * math.sin(ang)
        y = cy + u * math.sin(ang) + v * math.cos(ang)
        order = np.argsort(-np.hypot(x - cx, y - cy))  # outer stones first, top of heap last
        x, y, r = x[order], y[order], r[order]
    elif arr in ("scatter", "bag", "few", "dish"):
        if arr == "few":
            rad_x, rad_y = 0.36 * fw, 0.34 * fh
            cx, cy = 0.5 * fw, 0.5 * fh
        elif arr == "dish":
            rr = st["surf"]["r"] * min(fw, fh) * 0.88
            rad_x = rad_y = rr
            cx, cy = 0.5 * fw, 0.5 * fh
        elif arr == "bag":
            x0, y0, x1, y1 = st["surf"]["bag_box"]
            cx, cy = 0.5 * (x0 + x1) * fw, (0.45 * y0 + 0.55 * y1) * fh
            rad_x, rad_y = 0.36 * (x1 - x0) * fw, 0.3 * (y1 - y0) * fh
        else:
            R = max(4 * rm, math.sqrt(n) * rm * 2.3)
            R = min(R, 0.34 * min(fw, fh))
            rad_x = rad_y = R
        m = max(8, n * 4)
        t = rng.uniform(0, 2 * math.pi, m)
        q = np.sqrt(rng.uniform(0, 1, m))
        px = cx + rad_x * q * np.cos(t)
        py = cy + rad_y * q * np.sin(t)
        keep_x, keep_y, keep_r = [], [], []
        ri = np.resize(r, m)
        for k in range(m):
            if len(keep_r) >= n:
                break
            if keep_r:
                d = np.hypot(np.asarray(keep_x) - px[k], np.asarray(keep_y) - py[k])
                if np.any(d < (np.asarray(keep_r) + ri[k]) * 1.15):
                    continue
            keep_x.append(px[k])
            keep_y.append(py[k])
            keep_r.append(ri[k])
        x, y, r = np.asarray(keep_x), np.asarray(keep_y), np.asarray(keep_r)
    elif arr == "rows":
        r = np.sort(r)[::-1]
        gap = 2.5 * rm
        per = max(1, math.ceil(math.sqrt(n * 1.6)))
        k = np.arange(n)
        x = cx + (k % per - (per - 1) / 2) * gap + rng.normal(0, 0.12 * rm, n)
        y = cy + (k // per - (n // per) / 2) * gap + rng.normal(0, 0.12 * rm, n)
    else:  # grid tray, one stone per cell
        s = st["surf"]
        x0, y0, x1, y1 = s["box"]
        nx, ny = s["nx"], s["ny"]
        cw_mm = (x1 - x0) * fw / nx
        ch_mm = (y1 - y0) * fh / ny
        fill = rng.random(nx * ny) < (rng.uniform(0.55, 1.0) if n > 3 else n / (nx * ny))
        if not fill.any():
            fill[int(rng.integers(nx * ny))] = True
        cells = np.nonzero(fill)[0]
        x = (x0 * fw + (cells % nx + 0.5) * cw_mm) + rng.normal(0, 0.1 * cw_mm, len(cells))
        y = (y0 * fh + (cells // nx + 0.55) * ch_mm) + rng.normal(0, 0.1 * ch_mm, len(cells))
        base = min(cw_mm, ch_mm) * rng.uniform(0.16, 0.3)
        r = base * np.exp(rng.normal(0, 0.18, len(cells)))
    x = np.clip(x, 0.02 * fw, 0.98 * fw)
    y = np.clip(y, 0.02 * fh, 0.98 * fh)
    return x, y, r


# --------------------------------------------------------------------------
# surfaces (numpy, vectorised; float32 arrays of shape (h, w, 3) in 0..255)
# Each surface is a sum of (2-D factor x colour) terms so that only a few
# full RGB operations are needed.  Periodic patterns (sieve plates, woven
# mesh) are computed on one period, tiled and rotated by PIL.
# --------------------------------------------------------------------------


def _axes(cw: int, ch: int):
    return np.arange(cw, dtype=np.float32), np.arange(ch, dtype=np.float32)


def _compose(*terms) -> np.ndarray:
    out = None
    for fac, col in terms:
        t = fac[..., None] * np.asarray(col, np.float32)
        out = t if out is None else out + t
    return out


def _tile_cover(chans: np.ndarray, cw: int, ch: int, angle: float) -> np.ndarray:
    """Tile a (th, tw, 3) uint8 pattern over the canvas, rotated by angle."""
    th, tw = chans.shape[:2]
    if abs(angle) < 0.2:
        big = np.tile(chans, (ch // th + 1, cw // tw + 1, 1))[:ch, :cw]
        return big
    diag = math.ceil(math.hypot(cw, ch)) + 4
    big = np.tile(chans, (diag // th + 1, diag // tw + 1, 1))[:diag, :diag]
    src = Image.fromarray(np.ascontiguousarray(big), "RGB")
    a = math.radians(angle)
    ca, sa = math.cos(a), math.sin(a)
    # output (x, y) -> source: rotate about the canvas centre, place at source centre
    cx, cy = cw / 2, ch / 2
    sx, sy = diag / 2, diag / 2
    data = (ca, -sa, sx - ca * cx + sa * cy, sa, ca, sy - sa * cx - ca * cy)
    return np.asarray(src.transform((cw, ch), Image.AFFINE, data, Image.BILINEAR))


def _sieve_tile(p: int, hole: float, hexa: bool) -> np.ndarray:
    if hexa:
        rh = max(2, round(p * 0.8660254))
        th, tw = 2 * rh, p
        cents = [(0.0, 0.0), (p, 0.0), (p / 2, rh), (0.0, 2 * rh), (p, 2 * rh)]
    else:
        th = tw = p
        cents = [(0.0, 0.0), (p, 0.0), (0.0, p), (p, p)]
    x = np.arange(tw, dtype=np.float32)[None, :] + 0.5
    y = np.arange(th, dtype=np.float32)[:, None] + 0.5
    dxs = np.stack([np.broadcast_to(x - cx, (th, tw)) for cx, _ in cents])
    dys = np.stack([np.broadcast_to(y - cy, (th, tw)) for _, cy in cents])
    dist = np.sqrt(dxs**2 + dys**2)
    k = np.argmin(dist, axis=0)
    d = np.take_along_axis(dist, k[None], 0)[0]
    dy = np.take_along_axis(dys, k[None], 0)[0]
    rad = hole * p
    holea = np.clip(rad - d + 0.5, 0.0, 1.0)
    edge = np.exp(-(((d - rad) / 1.3) ** 2))
    shade = 1.0 - 0.35 * edge * (dy / (d + 1e-3)) - 0.12 * edge
    inner = 0.55 + 0.45 * np.clip(d / rad, 0, 1)
    return np.stack([np.clip(shade * 200, 0, 255), holea * 255, inner * 255], -1).astype(np.uint8)


def _mesh_tile(p: int, wf: float) -> np.ndarray:
    n = 2 * p
    u = (np.arange(n, dtype=np.float32) + 0.5) / p
    ux = u[None, :]
    uy = u[:, None]
    ix, iy = np.floor(ux + 0.5), np.floor(uy + 0.5)
    dx, dy = ux - ix, uy - iy
    pv = np.clip(1.0 - (2 * dx / wf) ** 2, 0.0, 1.0)
    ph = np.clip(1.0 - (2 * dy / wf) ** 2, 0.0, 1.0)
    v_top = ((ix + iy) % 2.0) == 0
    bv = 0.65 + 0.35 * np.cos(math.pi * uy + math.pi * (ix % 2.0)) ** 2
    bh = 0.65 + 0.35 * np.cos(math.pi * ux + math.pi * (iy % 2.0)) ** 2
    vis_v = np.where(v_top | (ph == 0), pv, 0.0)
    vis_h = np.where(~v_top | (pv == 0), ph, 0.0)
    shade = np.maximum(np.sqrt(vis_v) * bv, np.sqrt(vis_h) * bh)
    cov = np.clip(np.maximum(vis_v, vis_h) * 4.0, 0.0, 1.0)
    # a wire passing under its neighbour is in its shadow
    occl = 1.0 - 0.35 * np.where(v_top, ph * (pv > 0), pv * (ph > 0))
    return np.stack([np.clip(shade * occl * 230, 0, 255), cov * 255, np.zeros_like(cov)], -1).astype(np.uint8)


def _surface(view: dict, cw: int, ch: int, pxmm: float) -> np.ndarray:
    st = view["st"]
    kind = st["kind"]
    s = st["surf"]
    rng = _rng("texture", view["tex_key"])
    fine = rng.random((ch, cw), dtype=np.float32) - 0.5
    lf = _lowfreq(rng, cw, ch, 5)
    xs, ys = _axes(cw, ch)
    if kind == "paper":
        lum = 1.0 + 0.022 * lf + 0.04 * fine
        if s["crease"]:
            m = Image.new("L", (cw, ch), 0)
            a = rng.uniform(0, math.pi)
            x0, y0 = rng.uniform(0.2, 0.8) * cw, rng.uniform(0.2, 0.8) * ch
            L = 2 * (cw + ch)
            p0 = (x0 - L * math.cos(a), y0 - L * math.sin(a))
            p1 = (x0 + L * math.cos(a), y0 + L * math.sin(a))
            ImageDraw.Draw(m).line([p0, p1], fill=255, width=2)
            line = np.asarray(m.filter(ImageFilter.BoxBlur(1)), np.float32) / 255.0
            sw, sh = max(2, cw // 8), max(2, ch // 8)
            sx = np.arange(sw, dtype=np.float32)[None, :] * (cw / sw)
            sy = np.arange(sh, dtype=np.float32)[:, None] * (ch / sh)
            d = (sx - x0) * math.sin(a) - (sy - y0) * math.cos(a)
            step = np.asarray(
                Image.fromarray(np.tanh(d / 30.0).astype(np.float32), "F").resize((cw, ch), Image.BILINEAR),
                np.float32,
            )
            lum = lum - 0.06 * line + 0.018 * step
        if s["grid"]:
            p = 5.0 * pxmm
            gx = ((xs - np.floor(xs / p) * p) < 1.2)[None, :]
            gy = ((ys - np.floor(ys / p) * p) < 1.2)[:, None]
            lum = lum * np.where(gx | gy, np.float32(0.9), np.float32(1.0))
        if not s["sheet"]:
            return _compose((lum, s["base"]))
        m = Image.new("L", (cw, ch), 0)
        x0 = rng.uniform(0.0, 0.1) * cw
        y0 = rng.uniform(-0.05, 0.08) * ch
        x1 = rng.uniform(0.9, 1.0) * cw
        y1 = rng.uniform(0.92, 1.05) * ch
        ang = rng.normal(0, 1.5)
        cxs, cys = (x0 + x1) / 2, (y0 + y1) / 2
        pts = _rot_pts(
            [(x0 - cxs, y0 - cys), (x1 - cxs, y0 - cys), (x1 - cxs, y1 - cys), (x0 - cxs, y1 - cys)],
            cxs,
            cys,
            ang,
        )
        ImageDraw.Draw(m).polygon(pts, fill=255)
        shk = np.asarray(m.filter(ImageFilter.BoxBlur(6)), np.float32) / 255.0
        mk = np.asarray(m, np.float32) / 255.0
        dl = (1.0 + 0.12 * _lowfreq(rng, cw, ch, 3, aspect=8.0) + 0.08 * fine) * (1.0 - 0.4 * shk)
        return _compose((lum * mk, s["base"]), (dl * (1.0 - mk), s["desk"]))
    if kind == "velvet":
        lum = 1.0 + s["nap"] * 0.45 * lf + 0.5 * fine
        return _compose((lum, s["base"]))
    if kind == "sieve":
        p = max(5, round(s["pitch_mm"] * pxmm))
        pat = _tile_cover(_sieve_tile(p, s["hole"], s["hexa"]), cw, ch, s["angle"])
        shade = pat[..., 0].astype(np.float32) / 200.0
        hole = pat[..., 1].astype(np.float32) / 255.0
        inner = pat[..., 2].astype(np.float32) / 255.0
        rows = rng.random((ch, 1), dtype=np.float32) - 0.5
        lum = shade * (1.0 + 0.07 * rows + 0.03 * fine + 0.03 * lf)
        return _compose((lum * (1.0 - hole), s["metal"]), (inner * hole, s["under"]))
    if kind == "mesh":
        p = max(3, round(s["pitch_mm"] * pxmm))
        pat = _tile_cover(_mesh_tile(p, s["wire_frac"]), cw, ch, s["angle"])
        shade = pat[..., 0].astype(np.float32) / 230.0
        cov = pat[..., 1].astype(np.float32) / 255.0
        return _compose(
            (shade * cov * (1.0 + 0.04 * fine), s["wire"]), ((1.0 - cov) * (1.0 + 0.1 * lf), s["under"])
        )
    if kind == "dish":
        cx, cy = cw / 2, ch / 2
        R = s["r"] * min(cw, ch) * 1.1
        rim = s["rim"] * min(cw, ch)
        dxx = (xs - cx)[None, :]
        dyy = (ys - cy)[:, None]
        d = np.sqrt(dxx * dxx + dyy * dyy)
        az = view["st"]["light"]["az"]
        cosang = (dxx * math.cos(az) + dyy * math.sin(az)) / (d + 1e-3)
        inside = np.clip(R - d, 0, 1)
        ring = np.exp(-(((d - R - rim / 2) / (rim / 2)) ** 2))
        arcang = (dxx * math.cos(az + 0.4) + dyy * math.sin(az + 0.4)) / (d + 1e-3)
        arc = np.exp(-(((d - 0.86 * R) / (0.01 * R + 1)) ** 2)) * np.clip(arcang, 0, 1) ** 6
        shadow = np.exp(-np.clip(d - R - rim, 0, None) / (0.03 * R + 1)) * (d > R + rim) * 0.25
        lum = (1.0 + 0.02 * lf + 0.03 * fine) * (1.0 - 0.12 * inside) * (1.0 - shadow)
        spec = ring * (0.5 + 0.5 * cosang) * 0.35 - ring * 0.1 + arc * 0.25
        return _compose((lum, s["under"]), (0.1 * inside, s["tint"]), (spec, (255, 255, 255)))
    if kind == "bag":
        return _compose((1.0 + 0.02 * lf + 0.035 * fine, s["form"]))
    if kind == "grid":
        x0, y0, x1, y1 = s["box"]
        gx = (xs - x0 * cw) / ((x1 - x0) * cw / s["nx"])
        gy = (ys - y0 * ch) / ((y1 - y0) * ch / s["ny"])
        fx = gx - np.floor(gx)
        fy = gy - np.floor(gy)
        dxx = np.minimum(fx, 1 - fx)
        dyy = np.minimum(fy, 1 - fy)
        inx = (gx >= 0) & (gx <= s["nx"])
        iny = (gy >= 0) & (gy <= s["ny"])
        wall = s["wall"] / 2
        d = np.minimum(dxx[None, :], dyy[:, None])
        topy = ((fy < wall) & (fy > 0.4 * wall))[:, None]
        lum = np.where(
            d < wall,
            np.float32(1.12) - np.float32(0.25) * topy,
            1.0 - 0.22 * np.exp(-(d - wall) / np.float32(0.05)),
        ).astype(np.float32)
        lum = np.where(inx[None, :] & iny[:, None], lum, np.float32(0.8))
        return _compose((lum * (1.0 + 0.025 * lf + 0.05 * fine), s["tray"]))
    if kind == "tray":
        x0, y0, x1, y1 = s["box"]
        dxx = np.minimum(xs - x0 * cw, x1 * cw - xs)
        dyy = np.minimum(ys - y0 * ch, y1 * ch - ys)
        d = np.minimum(dxx[None, :], dyy[:, None])
        rim = s["rim"] * min(cw, ch)
        t = np.clip(d / rim, 0, 1)
        inside = np.clip(d + 0.5, 0, 1)
        lum = (1.0 + 0.03 * lf + 0.025 * fine) * (0.78 + 0.22 * np.sqrt(t)) + 0.18 * np.exp(
            -(((d - 0.15 * rim) / 2.0) ** 2)
        )
        out = (1.0 + 0.1 * lf + 0.06 * fine) * np.clip(1 + d / (0.04 * min(cw, ch)), 0.55, 1)
        return _compose((lum * inside, s["enamel"]), (out * (1 - inside), s["desk"]))
    # loupe / close-up background
    return _compose((1.0 + 0.05 * lf + 0.08 * fine, s["base"]))


# --------------------------------------------------------------------------
# stones: vectorised geometry (random rotations of crystal forms, irregular
# fragments), flat-shaded facets drawn by PIL
# --------------------------------------------------------------------------


def _cyclic(vs: np.ndarray, idx: list) -> tuple:
    c = vs[idx].mean(axis=0)
    n = c / (np.linalg.norm(c) + 1e-9)
    a = np.cross(n, [0.3, 0.5, 0.8])
    a /= np.linalg.norm(a)
    b = np.cross(n, a)
    ang = [math.atan2(float(np.dot(vs[i] - c, b)), float(np.dot(vs[i] - c, a))) for i in idx]
    return tuple(i for _, i in sorted(zip(ang, idx, strict=False)))


def _polyhedra() -> dict:
    out = {}
    v = np.array([[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]], float)
    f = [(0, 2, 4), (2, 1, 4), (1, 3, 4), (3, 0, 4), (2, 0, 5), (1, 2, 5), (3, 1, 5), (0, 3, 5)]
    out["octa"] = (v, f)
    cube = 0.62 * np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], float)
    f = []
    for ax in range(3):
        for sg in (-1, 1):
            idx = [i for i in range(8) if np.sign(cube[i, ax]) == sg]
            f.append(_cyclic(cube, idx))
    out["cube"] = (cube, f)
    axv = [np.eye(3)[a] * s for a in range(3) for s in (1, -1)]
    cv = [np.array([x, y, z]) * 0.5 for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)]
    verts = np.array(axv + cv, float)
    f = []
    for i in range(3):
        for j in range(i + 1, 3):
            for si in (1, -1):
                for sj in (1, -1):
                    a = [n for n in range(6) if verts[n, i] == si]
                    b = [n for n in range(6) if verts[n, j] == sj]
                    c = [n for n in range(6, 14) if np.sign(verts[n, i]) == si and np.sign(verts[n, j]) == sj]
                    f.append(_cyclic(verts, a + b + c))
    out["dodeca"] = (verts * 1.05, f)
    t = np.array(
        [
            [math.cos(math.pi / 2 + k * 2 * math.pi / 3), math.sin(math.pi / 2 + k * 2 * math.pi / 3)]
            for k in range(3)
        ]
    )
    mv = np.array(
        [[t[k, 0], t[k, 1], 0.22] for k in range(3)] + [[t[k, 0], t[k, 1], -0.22] for k in range(3)]
    )
    f = [(0, 1, 2), (3, 4, 5), (0, 1, 4, 3), (1, 2, 5, 4), (2, 0, 3, 5)]
    out["macle"] = (mv * 1.1, f)
    res = {}
    for name, (vv, ff) in out.items():
        fa = np.array([list(x) + [x[-1]] * (4 - len(x)) for x in ff], dtype=int)
        res[name] = (vv, fa)
    return res


_POLY = _polyhedra()


def _rand_rot(rng, n: int, flat: bool = False) -> np.ndarray:
    if flat:
        th = rng.uniform(0, 2 * math.pi, n)
        tx = rng.normal(0, 0.25, n)
        ct, st_ = np.cos(th), np.sin(th)
        cx, sx = np.cos(tx), np.sin(tx)
        rz = np.zeros((n, 3, 3))
        rz[:, 0, 0], rz[:, 0, 1], rz[:, 1, 0], rz[:, 1, 1], rz[:, 2, 2] = ct, -st_, st_, ct, 1
        rx = np.zeros((n, 3, 3))
        rx[:, 0, 0], rx[:, 1, 1], rx[:, 1, 2], rx[:, 2, 1], rx[:, 2, 2] = 1, cx, -sx, sx, cx
        return rz @ rx
    q = rng.normal(size=(n, 4))
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    w, x, y, z = q.T
    return np.stack(
        [
            np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)], -1),
            np.stack([2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)], -1),
            np.stack([2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)], -1),
        ],
        1,
    )


def _light_vec(light: dict) -> np.ndarray:
    e = float(np.clip(light["elev"], 0.15, 1.0))
    h = math.sqrt(max(0.0, 1 - e * e))
    return np.array([math.cos(light["az"]) * h, math.sin(light["az"]) * h, e])


def _stone_facets(rng, lot: dict, sel: np.ndarray, shape: str, rpx: np.ndarray, light: dict):
    """Facet polygons and colours for the stones `sel` of one crystal form.
    Returns polys (n, nf, 4, 2), colours (n, nf, 3) uint8, visible (n, nf)."""
    n = len(sel)
    lv = _light_vec(light)
    hv = lv + np.array([0, 0, 1.0])
    hv /= np.linalg.norm(hv)
    shine = lot["shine"]
    if shape == "rough":
        K = 7
        base = np.linspace(0, 2 * math.pi, K, endpoint=False)[None, :]
        ang = base + rng.uniform(-0.35, 0.35, (n, K)) + rng.uniform(0, 2 * math.pi, (n, 1))
        rad = rng.uniform(0.62, 1.08, (n, K))
        sq = rng.uniform(0.65, 1.0, (n, 1))
        rim = np.stack([np.cos(ang) * rad, np.sin(ang) * rad * sq, rng.uniform(-0.1, 0.18, (n, K))], -1)
        apex = np.concatenate([rng.uniform(-0.25, 0.25, (n, 1, 2)), rng.uniform(0.35, 0.95, (n, 1, 1))], -1)
        p0 = np.broadcast_to(apex, (n, K, 3))
        p1 = rim
        p2 = np.roll(rim, -1, axis=1)
        P = np.stack([p0, p1, p2, p2], 2)  # (n, K, 4, 3)
    else:
        vv, fa = _POLY[shape]
        R = _rand_rot(rng, n, flat=(shape == "macle"))
        S = np.exp(rng.normal(0, 0.13, (n, 1, 3)))
        V = vv[None] * S + rng.normal(0, 0.07, (n, *vv.shape))  # distorted, uneven growth
        V = V @ np.transpose(R, (0, 2, 1))  # (n, nv, 3)
        P = V[:, fa, :]  # (n, nf, 4, 3)
    nrm = np.cross(P[:, :, 1] - P[:, :, 0], P[:, :, 2] - P[:, :, 0])
    nrm /= np.linalg.norm(nrm, axis=-1, keepdims=True) + 1e-9
    cen = P.mean(axis=2)
    flip = nrm[..., 2] < 0 if shape == "rough" else np.sum(nrm * cen, axis=-1) < 0
    nrm[flip] *= -1
    vis = nrm[..., 2] > 0.02
    dif = np.clip(nrm @ lv, 0, 1)
    spec = np.clip(nrm @ hv, 0, 1) ** 24
    rnd = rng.random(dif.shape)
    amb = 0.42 + 0.1 * (1 - shine)
    b = amb + 0.6 * dif
    b = b * ((1 - shine * 0.5) + shine * rnd)  # internal reflections of clear stones
    col = lot["col"][sel][:, None, :] * b[..., None] + (spec * 255 * (0.25 + 0.75 * shine))[..., None]
    col = np.clip(col, 0, 255).astype(np.uint8)
    polys = P[..., :2] * rpx[:, None, None, None]
    return polys, col, vis, spec


def _draw_stones(img: Image.Image, lot: dict, pxmm: float, light: dict, dark_bg: bool, rng) -> None:
    draw = ImageDraw.Draw(img)
    n = len(lot["r"])
    if n == 0:
        return
    xs = lot["x"] * pxmm
    ys = lot["y"] * pxmm
    rpx = lot["r"] * pxmm
    shp = lot["shape"]
    # facets per stone
    per = [None] * n
    big = rpx >= 3.2
    for k, name in enumerate(_SHAPES):
        sel = np.nonzero((shp == k) & big)[0]
        if len(sel) == 0:
            continue
        polys, col, vis, spec = _stone_facets(rng, lot, sel, name, rpx[sel], light)
        polys = polys + np.stack([xs[sel], ys[sel]], -1)[:, None, None, :]
        pl = polys.tolist()
        cl = col.tolist()
        vl = vis.tolist()
        sl = spec.tolist()
        for j, s in enumerate(sel):
            per[s] = (pl[j], cl[j], vl[j], sl[j])
    edge_k = 1.25 if dark_bg else 0.72
    xl, yl, rl = xs.tolist(), ys.tolist(), rpx.tolist()
    cols = lot["col"].tolist()
    glint = lot["shine"] > 0.6
    for s in range(n):
        x, y, r = xl[s], yl[s], rl[s]
        f = per[s]
        if f is None:
            c = cols[s]
            cc = (int(c[0] * 0.8), int(c[1] * 0.8), int(c[2] * 0.8))
            draw.ellipse((x - r, y - r * 0.85, x + r, y + r * 0.85), fill=cc)
            if glint and r > 1.2 and (s * 7919) % 5 == 0:
                draw.point((x - r * 0.3, y - r * 0.3), fill=(255, 255, 255))
            continue
        pl, cl, vl, sl = f
        for poly, c, v in zip(pl, cl, vl, strict=False):
            if not v:
                continue
            e = (min(255, int(c[0] * edge_k)), min(255, int(c[1] * edge_k)), min(255, int(c[2] * edge_k)))
            draw.polygon([tuple(p) for p in poly], fill=tuple(c), outline=e)
        h = (s * 2654435761 + int(x * 13) + int(y * 7)) % 1000003
        if r > 9 and h % 4 == 0:
            # inclusions (a dark crystal or a cloud) in some larger stones
            for _q in range(1 + h % 2):
                h = (h * 1103515245 + 12345) % 2147483648
                ix = x + ((h % 1000) / 1000.0 - 0.5) * r * 0.9
                h = (h * 1103515245 + 12345) % 2147483648
                iy = y + ((h % 1000) / 1000.0 - 0.5) * r * 0.9
                ir = 0.5 + (h % 7) * 0.08 * (r / 12)
                cc = cols[s]
                draw.ellipse(
                    (ix - ir, iy - ir * 0.7, ix + ir, iy + ir * 0.7),
                    fill=(int(cc[0] * 0.55), int(cc[1] * 0.55), int(cc[2] * 0.55)),
                )
        if glint:
            for poly, v, sp in zip(pl, vl, sl, strict=False):
                if v and sp > 0.55:
                    gx = sum(p[0] for p in poly) / 4
                    gy = sum(p[1] for p in poly) / 4
                    gr = max(0.8, 0.1 * r)
                    draw.ellipse((gx - gr, gy - gr, gx + gr, gy + gr), fill=(255, 255, 255))
                    if r > 14 and sp > 0.8:
                        draw.line((gx - 3 * gr, gy, gx + 3 * gr, gy), fill=(250, 250, 250))
                        draw.line((gx, gy - 3 * gr, gx, gy + 3 * gr), fill=(250, 250, 250))


# --------------------------------------------------------------------------
# props: label card, ruler, colour chart, scale, tweezers, scoop, pen...
# --------------------------------------------------------------------------

_CAPTIONS = (
    (
        "Lot No.",
        "Carats",
        "Stones",
        "Sieve",
        "Date",
        "Origin",
        "KPC No.",
        "Exporter",
        "Descr.",
        "Sorter",
        "Value",
    ),
    (
        "N\u00b0 de lot",
        "Carats",
        "Pierres",
        "Tamis",
        "Date",
        "Origine",
        "Cert. PK",
        "Exportateur",
        "Description",
        "Trieur",
        "Valeur",
    ),
    (
        "Lote n.\u00ba",
        "Quilates",
        "Pedras",
        "Peneira",
        "Data",
        "Origem",
        "Cert. PK",
        "Exportador",
        "Descri\u00e7\u00e3o",
        "Classif.",
        "Valor",
    ),
)
_FIELD_KEYS = (
    "lot",
    "carats",
    "stones",
    "sieve",
    "date",
    "origin",
    "cert",
    "exporter",
    "descr",
    "sorter",
    "value",
)
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


def _code_bits(text: str, n: int) -> np.ndarray:
    h = hashlib.sha256(text.encode("utf8")).digest()
    rng = np.random.default_rng(int.from_bytes(h[:8], "little"))
    return rng.random(n) < 0.5


def _qr_patch(text: str, size: int) -> Image.Image:
    m = _code_bits(text, 21 * 21).reshape(21, 21).astype(np.uint8)
    for r0, c0 in ((0, 0), (0, 14), (14, 0)):
        m[r0 : r0 + 7, c0 : c0 + 7] = 1
        m[r0 + 1 : r0 + 6, c0 + 1 : c0 + 6] = 0
        m[r0 + 2 : r0 + 5, c0 + 2 : c0 + 5] = 1
    img = Image.fromarray(((1 - m) * 255).astype(np.uint8), "L")
    img = img.resize((size, size), Image.NEAREST)
    out = Image.new("L", (size + 8, size + 8), 255)
    out.paste(img, (4, 4))
    return out


def _fit(name: str, size: float, text: str, maxw: float) -> ImageFont.FreeTypeFont:
    f = _font(name, size)
    w = f.getlength(text)
    if w > maxw > 0:
        f = _font(name, max(6, int(size * maxw / w)))
    return f


def _write(draw, xy, text, font, fill, hand=False, rng=None, maxw=0.0):
    if maxw > 0:
        font = _fit(_font_key(font), font.size, text, maxw)
    if hand and rng is not None:
        x, y = xy
        x += float(rng.normal(0, 1.0))
        y += float(rng.normal(0, 0.8))
        draw.text((x, y), text, font=font, fill=fill)
        draw.text((x + 0.6, y), text, font=font, fill=fill)
    else:
        draw.text(xy, text, font=font, fill=fill)


_FONT_KEY_BY_FILE = {v: k for k, v in _FONT_FILES.items()}


def _font_key(font) -> str:
    return _FONT_KEY_BY_FILE.get(str(getattr(font, "path", "")).rsplit("/", 1)[-1], "sans")


def _card_patch(office: dict, label: dict, width: int, rng) -> Image.Image:
    d = office["design"]
    W = max(80, int(width))
    H = int(W / d["aspect"])
    img = Image.new("RGBA", (W, H), d["paper"] + (255,))
    dr = ImageDraw.Draw(img)
    cap = _CAPTIONS[d["lang"]]
    ink = d["ink"] if label["hand"] else (25, 25, 28)
    vfont = _font(d["hand_font"] if label["hand"] else d["body_font"], H * (0.095 if label["hand"] else 0.08))
    cfont = _font(d["body_font"], H * 0.062)
    hfont = _font(d["head_font"], H * 0.075)
    hand = label["hand"]
    lay = d["layout"]
    code = (d["qr"] or d["barcode"]) and lay in (0, 2)
    dr.rectangle((1, 1, W - 2, H - 2), outline=d["band"], width=max(1, W // 160))
    if lay == 0:
        bh = int(H * 0.16)
        dr.rectangle((0, 0, W, bh), fill=d["band"])
        t = office["name"].upper()
        dr.text(
            (W * 0.04, bh * 0.18), t, font=_fit(d["head_font"], H * 0.075, t, W * 0.92), fill=(250, 250, 250)
        )
        rows = ("lot", "carats", "stones", "sieve", "date", "origin", "cert")
        y = bh + H * 0.03
        step = (H - y - H * 0.04) / len(rows)
        for k in rows:
            i = _FIELD_KEYS.index(k)
            dr.text((W * 0.04, y + step * 0.2), cap[i], font=cfont, fill=(90, 90, 96))
            _write(
                dr,
                (W * 0.36, y + step * 0.05),
                label[k],
                vfont,
                ink,
                hand,
                rng,
                maxw=W * (0.34 if code else 0.58),
            )
            dr.line((W * 0.34, y + step * 0.92, W * 0.96, y + step * 0.92), fill=(170, 170, 176), width=1)
            y += step
    elif lay == 1:
        dr.text(
            (W * 0.05, H * 0.04),
            office["name"],
            font=_fit(d["head_font"], H * 0.075, office["name"], W * 0.9),
            fill=d["band"],
        )
        dr.text(
            (W * 0.05, H * 0.13),
            "{}  {}".format(office["code"], office["city"]),
            font=cfont,
            fill=(80, 80, 80),
        )
        keys = ("lot", "date", "carats", "stones", "sieve", "descr", "origin", "sorter")
        gx0, gy0 = W * 0.04, H * 0.25
        cwid, chgt = (W * 0.92) / 2, (H * 0.7) / 4
        for j, k in enumerate(keys):
            cx = gx0 + (j % 2) * cwid
            cy = gy0 + (j // 2) * chgt
            dr.rectangle((cx, cy, cx + cwid, cy + chgt), outline=(120, 120, 130), width=1)
            dr.text(
                (cx + 3, cy + 2),
                cap[_FIELD_KEYS.index(k)],
                font=_font(d["body_font"], H * 0.05),
                fill=(100, 100, 110),
            )
            _write(
                dr, (cx + cwid * 0.08, cy + chgt * 0.36), label[k], vfont, ink, hand, rng, maxw=cwid * 0.88
            )
    elif lay == 2:
        if d["logo"]:
            r = H * 0.18
            dr.ellipse((W * 0.04, H * 0.06, W * 0.04 + 2 * r, H * 0.06 + 2 * r), outline=d["band"], width=3)
            dr.text((W * 0.04 + r * 0.45, H * 0.06 + r * 0.6), office["cc"], font=hfont, fill=d["band"])
        dr.text(
            (W * 0.42, H * 0.06),
            office["name"],
            font=_fit(d["body_font"], H * 0.062, office["name"], W * 0.55),
            fill=(60, 60, 60),
        )
        big = _font(d["hand_font"] if hand else d["head_font"], H * 0.16)
        mw = W * (0.62 if code else 0.9)
        _write(dr, (W * 0.06, H * 0.44), label["lot"], big, ink, hand, rng, maxw=mw)
        _write(
            dr,
            (W * 0.06, H * 0.66),
            "{} ct   {}".format(label["carats"], label["sieve"]),
            vfont,
            ink,
            hand,
            rng,
            maxw=mw,
        )
        _write(
            dr,
            (W * 0.06, H * 0.82),
            "{}  {}".format(label["date"], label["descr"]),
            vfont,
            ink,
            hand,
            rng,
            maxw=mw,
        )
    else:
        dr.rectangle((W * 0.025, H * 0.035, W * 0.975, H * 0.965), outline=(40, 40, 40), width=1)
        t = "KIMBERLEY PROCESS - PARCEL SLIP"
        dr.text((W * 0.05, H * 0.06), t, font=_fit(d["head_font"], H * 0.075, t, W * 0.9), fill=(30, 30, 30))
        keys = ("lot", "cert", "exporter", "carats", "value", "stones", "date")
        y = H * 0.2
        step = H * 0.72 / len(keys)
        for k in keys:
            dr.text((W * 0.05, y), cap[_FIELD_KEYS.index(k)] + ":", font=cfont, fill=(50, 50, 50))
            _write(dr, (W * 0.33, y - step * 0.12), label[k], vfont, ink, hand, rng, maxw=W * 0.62)
            y += step
    if code and d["qr"]:
        q = _qr_patch(label["lot"] + label["cert"], int(H * 0.3)).convert("RGBA")
        img.paste(q, (int(W - q.width - W * 0.03), int(H - q.height - H * 0.04)))
    elif code:
        bits = _code_bits(label["lot"], 60)
        bx, by, bw = W * 0.72, H * 0.2, W * 0.24 / 60
        for j, bit in enumerate(bits):
            if bit:
                dr.rectangle((bx + j * bw, by, bx + (j + 1) * bw - 0.3, by + H * 0.12), fill=(10, 10, 10))
    return img


def _ruler_patch(length_px: float, pxmm: float, kind: int) -> Image.Image:
    L = int(length_px)
    Wd = max(14, int(22 * pxmm if pxmm < 2 else 20 * pxmm * 0.5))
    Wd = min(Wd, int(L * 0.14))
    col = ((240, 238, 226), (200, 202, 206), (236, 220, 120))[kind % 3]
    img = Image.new("RGBA", (L, Wd), (*col, 255))
    dr = ImageDraw.Draw(img)
    dr.rectangle((0, 0, L - 1, Wd - 1), outline=(120, 120, 120))
    nmm = int(L / pxmm)
    fnt = _font("sans", max(7, Wd * 0.3))
    step = 1 if pxmm >= 2.5 else 2
    for k in range(0, nmm, step):
        x = 4 + k * pxmm
        if x > L - 3:
            break
        tl = 0.5 if k % 10 == 0 else (0.34 if k % 5 == 0 else 0.2)
        dr.line((x, 0, x, Wd * tl), fill=(25, 25, 25), width=1)
        if k % 10 == 0 and k > 0:
            dr.text((x + 1, Wd * 0.5), str(k // 10), font=fnt, fill=(25, 25, 25))
    return img


def _chart_patch(size_px: float, grid) -> Image.Image:
    nx, ny = grid
    W = int(size_px)
    cell = W / (nx + 0.3)
    H = int(cell * (ny + 0.3))
    img = Image.new("RGBA", (W, H), (22, 22, 22, 255))
    dr = ImageDraw.Draw(img)
    for j in range(ny):
        for i in range(nx):
            k = (j * nx + i) * (24 // (nx * ny)) % 24
            x0, y0 = cell * 0.15 + i * cell, cell * 0.15 + j * cell
            dr.rectangle(
                (x0 + cell * 0.06, y0 + cell * 0.06, x0 + cell * 0.94, y0 + cell * 0.94), fill=_CHART[k]
            )
    return img


def _scale_patch(size_px: float, weight: str, office: dict) -> Image.Image:
    W = int(size_px)
    H = int(W * 0.72)
    img = Image.new("RGBA", (W, H), (0, 0, 0, 0))
    dr = ImageDraw.Draw(img)
    dr.rounded_rectangle((0, 0, W - 1, H - 1), radius=W * 0.08, fill=(52, 54, 58, 255))
    dr.rounded_rectangle((W * 0.12, H * 0.08, W * 0.88, H * 0.5), radius=W * 0.03, fill=(150, 152, 150, 255))
    dr.rectangle((W * 0.18, H * 0.6, W * 0.82, H * 0.8), fill=(120, 150, 120, 255))
    f = _font("mono-bold", H * 0.15)
    dr.text((W * 0.22, H * 0.61), ("%8s" % weight)[-8:], font=f, fill=(20, 30, 20))
    dr.text((W * 0.7, H * 0.84), "ct", font=_font("sans", H * 0.08), fill=(210, 210, 210))
    for k in range(3):
        cx = W * (0.2 + 0.12 * k)
        dr.ellipse((cx - W * 0.03, H * 0.84, cx + W * 0.03, H * 0.84 + W * 0.06), fill=(90, 92, 96))
    return img


def _slip_patch(width: float, label: dict, office: dict) -> Image.Image:
    W = int(width)
    H = int(W * 0.42)
    img = Image.new("RGBA", (W, H), office["design"]["paper"] + (255,))
    dr = ImageDraw.Draw(img)
    f = _font(office["design"]["hand_font"], H * 0.3)
    dr.text((W * 0.06, H * 0.08), label["lot"], font=f, fill=office["design"]["ink"])
    dr.text((W * 0.06, H * 0.55), "{} ct".format(label["carats"]), font=f, fill=office["design"]["ink"])
    return img


def _draw_tweezers(draw, sdraw, x, y, ang, L, gold, sdx, sdy):
    pts_a = [(0, -0.004 * L), (0, -0.036 * L), (L, -0.014 * L), (L, -0.006 * L)]
    pts_b = [(0, 0.004 * L), (0, 0.036 * L), (L, 0.014 * L), (L, 0.006 * L)]
    hl_a = [(0.05 * L, -0.022 * L), (0.95 * L, -0.011 * L)]
    hl_b = [(0.05 * L, 0.022 * L), (0.95 * L, 0.011 * L)]
    col = (196, 170, 96) if gold else (176, 178, 184)
    hi = (236, 220, 160) if gold else (236, 238, 242)
    dk = (110, 96, 60) if gold else (100, 102, 108)
    for pts, hl in ((pts_a, hl_a), (pts_b, hl_b)):
        p = _rot_pts([(px - L / 2, py) for px, py in pts], x, y, ang)
        sp = [(px + sdx, py + sdy) for px, py in p]
        sdraw.polygon(sp, fill=200)
        draw.polygon(p, fill=col, outline=dk)
        h = _rot_pts([(px - L / 2, py) for px, py in hl], x, y, ang)
        draw.line(h, fill=hi, width=max(1, int(L * 0.006)))


def _draw_scoop(draw, sdraw, x, y, ang, L, sdx, sdy):
    blade = [(-0.5 * L, -0.16 * L), (0.1 * L, -0.2 * L), (0.1 * L, 0.2 * L), (-0.5 * L, 0.16 * L)]
    handle = [(0.1 * L, -0.03 * L), (0.5 * L, -0.025 * L), (0.5 * L, 0.025 * L), (0.1 * L, 0.03 * L)]
    for poly, col in ((blade, (184, 186, 190)), (handle, (60, 60, 64))):
        p = _rot_pts(poly, x, y, ang)
        sdraw.polygon([(px + sdx, py + sdy) for px, py in p], fill=200)
        draw.polygon(p, fill=col, outline=(90, 90, 96))
    for k in range(3):
        yy = -0.12 * L + k * 0.12 * L
        ln = _rot_pts([(-0.46 * L, yy), (0.06 * L, yy * 1.1)], x, y, ang)
        draw.line(ln, fill=(214, 216, 220) if k == 1 else (160, 162, 168), width=max(1, int(L * 0.01)))


def _draw_pen(draw, sdraw, x, y, ang, L, sdx, sdy, col):
    body = [(-0.5 * L, -0.035 * L), (0.38 * L, -0.035 * L), (0.38 * L, 0.035 * L), (-0.5 * L, 0.035 * L)]
    tip = [(0.38 * L, -0.03 * L), (0.5 * L, 0), (0.38 * L, 0.03 * L)]
    clip = [(-0.45 * L, -0.05 * L), (-0.1 * L, -0.05 * L), (-0.1 * L, -0.035 * L), (-0.45 * L, -0.035 * L)]
    for poly, c in ((body, col), (tip, (200, 200, 204)), (clip, (220, 220, 226))):
        p = _rot_pts(poly, x, y, ang)
        sdraw.polygon([(px + sdx, py + sdy) for px, py in p], fill=190)
        draw.polygon(p, fill=c)
    hl = _rot_pts([(-0.48 * L, -0.012 * L), (0.36 * L, -0.012 * L)], x, y, ang)
    draw.line(hl, fill=tuple(min(255, int(v * 1.5 + 40)) for v in col), width=max(1, int(L * 0.01)))


# --------------------------------------------------------------------------
# scene assembly
# --------------------------------------------------------------------------

_MARGIN = 0.045


def _canvas_geometry(st: dict):
    W, H = st["size"]
    f = min(1.0, _WORK_LONG / max(W, H))
    w, h = round(W * f), round(H * f)
    cw, ch = round(w * (1 + 2 * _MARGIN)), round(h * (1 + 2 * _MARGIN))
    return W, H, w, h, cw, ch


def _shadow_params(light: dict, pxmm: float):
    lv = _light_vec(light)
    k = (1.0 / max(0.2, lv[2]) - 0.6) * 2.2 * pxmm * 0.5
    return -lv[0] * k, -lv[1] * k, 0.42 * (1.1 - 0.5 * lv[2])


def _apply_shadow(img: Image.Image, sh: Image.Image, strength: float, blur: float) -> Image.Image:
    """Darken img where the shadow mask sh is set (only inside its bounding box)."""
    bb = sh.getbbox()
    if bb is None:
        return img
    pad = int(blur * 3 + 3)
    bb = (max(0, bb[0] - pad), max(0, bb[1] - pad), min(img.width, bb[2] + pad), min(img.height, bb[3] + pad))
    part = sh.crop(bb)
    if blur > 0.3:
        part = part.filter(ImageFilter.BoxBlur(blur))
    lut = [int(255 - v * strength) for v in range(256)]
    inv = part.point(lut)
    img.paste(ImageChops.multiply(img.crop(bb), Image.merge("RGB", (inv, inv, inv))), bb[:2])
    return img


def _bag_form_rows(view):
    s = view["st"]["surf"]
    rows = s["rows"]
    return [(0.08, 0.12 + k * 0.3 / rows, 0.92, 0.12 + (k + 1) * 0.3 / rows) for k in range(rows)]


@functools.lru_cache(maxsize=48)
def _static_layer(okey, st_idx: int, day_key):
    """Surface and the props that never move during a session (cached)."""
    view = _session_view(okey, st_idx, day_key)
    st = view["st"]
    office = view["office"]
    _W, _H, _w, _h, cw, ch = _canvas_geometry(st)
    fw, _ = _field_mm(view)
    pxmm = cw / fw
    img = Image.fromarray(_clip8(_surface(view, cw, ch, pxmm)), "RGB")
    draw = ImageDraw.Draw(img)
    shadow = Image.new("L", (cw, ch), 0)
    sdraw = ImageDraw.Draw(shadow)
    sdx, sdy, sstr = _shadow_params(st["light"], pxmm)
    rng = _rng("static", okey, st_idx, day_key)
    kind = st["kind"]
    s = st["surf"]
    if kind == "sieve":
        f = _font("sans-bold", ch * 0.035)
        col = tuple(int(v * 0.55) for v in s["metal"])
        draw.text((cw * 0.06, ch * 0.9), "No. {}".format(s["number"]), font=f, fill=col)
        draw.text(
            (cw * 0.06 + 1, ch * 0.9 + 1),
            "No. {}".format(s["number"]),
            font=f,
            fill=tuple(min(255, int(v * 1.15)) for v in s["metal"]),
        )
    if kind == "grid":
        x0, y0, x1, y1 = s["box"]
        f = _font("sans-bold", (y1 - y0) * ch / s["ny"] * 0.16)
        k = 1
        for j in range(s["ny"]):
            for i in range(s["nx"]):
                cx = (x0 + (x1 - x0) * (i + s["wall"] * 0.6) / s["nx"]) * cw
                cy = (y0 + (y1 - y0) * (j + s["wall"] * 0.6) / s["ny"]) * ch
                draw.text((cx, cy), str(k), font=f, fill=s["num_col"])
                k += 1
    if kind == "bag":
        pc = s["print_col"]
        d = office["design"]
        hf = _font(d["head_font"], ch * 0.03)
        draw.text(
            (cw * 0.08, ch * 0.04), "{} - PARCEL DECLARATION".format(office["name"].upper()), font=hf, fill=pc
        )
        draw.text(
            (cw * 0.08, ch * 0.08),
            "Form KP-%s/%d" % (office["code"], d["layout"] + 3),
            font=_font(d["body_font"], ch * 0.02),
            fill=pc,
        )
        cf = _font(d["body_font"], ch * 0.022)
        cap = _CAPTIONS[d["lang"]]
        for k, (a, b, c, e) in enumerate(_bag_form_rows(view)):
            draw.rectangle((a * cw, b * ch, c * cw, e * ch), outline=pc, width=1)
            draw.line((0.32 * cw, b * ch, 0.32 * cw, e * ch), fill=pc, width=1)
            draw.text((a * cw + 4, b * ch + 3), cap[k % len(cap)], font=cf, fill=pc)
    # lint, dust and fibres
    nl = int(rng.integers(8, 30)) if kind == "velvet" else int(rng.integers(0, 8))
    for _ in range(nl):
        x, y = rng.uniform(0, cw), rng.uniform(0, ch)
        pts = [(x, y)]
        for _ in range(int(rng.integers(1, 5))):
            x += rng.normal(0, 4)
            y += rng.normal(0, 4)
            pts.append((x, y))
        c = int(rng.integers(120, 220)) if kind == "velvet" else int(rng.integers(40, 120))
        draw.line(pts, fill=(c, c, c), width=1)
    # fixed props
    for p in view["props"]:
        x, y, a = p["x"] * cw, p["y"] * ch, p["a"]
        if p["t"] == "ruler":
            patch = _ruler_patch(
                p["s"] * (cw if abs(math.sin(math.radians(a))) < 0.5 else ch), pxmm, p["look"]
            )
            _paste_rotated(img, patch, x, y, -a, shadow=sstr, shadow_dx=sdx, shadow_dy=sdy)
        elif p["t"] == "chart":
            _paste_rotated(
                img, _chart_patch(p["s"] * cw, p["grid"]), x, y, -a, shadow=sstr, shadow_dx=sdx, shadow_dy=sdy
            )
        elif p["t"] == "scoop":
            _draw_scoop(draw, sdraw, x, y, a, p["s"] * cw, sdx, sdy)
        elif p["t"] == "pen":
            _draw_pen(draw, sdraw, x, y, a, p["s"] * cw, sdx, sdy, p["col"])
        elif p["t"] == "scalebar":
            L = 5.0 * pxmm if kind == "loupe" else 10 * pxmm
            c = (240, 240, 240) if s.get("base", (0, 0, 0))[0] < 128 else (20, 20, 20)
            draw.line((x - L / 2, y, x + L / 2, y), fill=c, width=max(2, int(ch * 0.004)))
            draw.line((x - L / 2, y - 6, x - L / 2, y + 6), fill=c, width=2)
            draw.line((x + L / 2, y - 6, x + L / 2, y + 6), fill=c, width=2)
            draw.text(
                (x - L / 4, y + 8),
                "5 mm" if kind == "loupe" else "10 mm",
                font=_font("sans", ch * 0.025),
                fill=c,
            )
    if any(p["t"] in ("scoop", "pen") for p in view["props"]):
        img = _apply_shadow(img, shadow, sstr, 3)
    overlay = None
    if kind == "bag":
        overlay = _bag_overlay(view, cw, ch, rng)
    small = np.asarray(img.resize((32, 24), Image.BILINEAR), np.float32)
    dark = float(small.mean()) < 110
    return img, overlay, dark, pxmm


def _bag_overlay(view, cw, ch, rng) -> Image.Image:
    """Plastic bag on top of the parcel: haze, glossy streaks, seal strip."""
    s = view["st"]["surf"]
    sw, sh = max(8, cw // 6), max(6, ch // 6)
    ov = Image.new("L", (sw, sh), 0)
    d = ImageDraw.Draw(ov)
    x0, y0, x1, y1 = s["bag_box"]
    d.rectangle((x0 * sw, y0 * sh, x1 * sw, y1 * sh), fill=int(s["haze"] * 255))
    for _ in range(int(rng.integers(3, 8))):
        a = rng.uniform(0, math.pi)
        cx, cy = rng.uniform(x0, x1) * sw, rng.uniform(y0, y1) * sh
        L = rng.uniform(0.1, 0.5) * sw
        d.line(
            (cx - L * math.cos(a), cy - L * math.sin(a), cx + L * math.cos(a), cy + L * math.sin(a)),
            fill=int(rng.uniform(60, 150)),
            width=int(rng.integers(1, 4)),
        )
    ov = ov.filter(ImageFilter.GaussianBlur(1.5)).resize((cw, ch), Image.BILINEAR)
    d2 = ImageDraw.Draw(ov)
    # crisp bag edges and the zip seal
    d2.rectangle((x0 * cw, y0 * ch, x1 * cw, y1 * ch), outline=110, width=2)
    ov = Image.merge("RGB", (ov, ov, ov))
    d3 = ImageDraw.Draw(ov)
    sy = (y0 + 0.04) * ch
    d3.rectangle((x0 * cw, sy, x1 * cw, sy + ch * 0.012), fill=s["seal"])
    d3.line((x0 * cw, sy + ch * 0.02, x1 * cw, sy + ch * 0.02), fill=(90, 90, 90), width=1)
    return ov


def _render_scene(view: dict, jit: dict, lot: dict, key) -> Image.Image:
    st = view["st"]
    office = view["office"]
    base, overlay, dark, pxmm = _static_layer(view["okey"], view["st_idx"], view["day_key"])
    img = base.copy()
    cw, ch = img.size
    draw = ImageDraw.Draw(img)
    rng = _rng("scene", key)
    lab = lot["label"]
    if st["kind"] == "bag":
        d = office["design"]
        vf = _font(d["hand_font"], ch * 0.026)
        rows = _bag_form_rows(view)
        for k, (a, b, _c, e) in enumerate(rows):  # noqa: B007
            fk = _FIELD_KEYS[k % len(_FIELD_KEYS)]
            _write(
                draw,
                (0.34 * cw, b * ch + (e - b) * ch * 0.15),
                lab[fk],
                vf,
                d["ink"],
                True,
                rng,
                maxw=0.56 * cw,
            )
    sdx, sdy, sstr = _shadow_params(st["light"], pxmm)
    # stones with their shadows
    sh = Image.new("L", (cw, ch), 0)
    _stone_shadows(sh, lot, pxmm, st["light"])
    rmed = float(np.median(lot["r"])) * pxmm if len(lot["r"]) else 2.0
    img = _apply_shadow(img, sh, sstr * (0.7 if rmed > 25 else 1.0), min(24.0, 0.35 * rmed + 0.8))
    _draw_stones(img, lot, pxmm, st["light"], dark, _rng("facets", lot["geo_key"]))
    draw = ImageDraw.Draw(img)
    # props moved by the operator between shots
    sh2 = Image.new("L", (cw, ch), 0)
    sdraw = ImageDraw.Draw(sh2)
    moved = False
    for p in view["props"]:
        if p["t"] == "tweezers":
            mv, tx, ty, ta = jit["tweez"]
            if mv:
                x, y, a = tx * cw, ty * ch, ta
            else:
                x, y, a = p["x"] * cw, p["y"] * ch, p["a"]
            _draw_tweezers(draw, sdraw, x, y, a, p["s"] * cw, p["gold"], sdx, sdy)
            moved = True
    if moved:
        img = _apply_shadow(img, sh2, sstr * 0.8, 2.5)
    if overlay is not None:
        img = ImageChops.screen(img, overlay)
    for p in view["props"]:
        if p["t"] == "scale":
            patch = _scale_patch(p["s"] * cw, lab["weight"], office)
            _paste_rotated(
                img, patch, p["x"] * cw, p["y"] * ch, -p["a"], shadow=sstr, shadow_dx=sdx, shadow_dy=sdy
            )
        elif p["t"] == "card":
            dx, dy, da = jit["card"]
            patch = _card_patch(office, lab, p["s"] * cw, rng)
            _paste_rotated(
                img,
                patch,
                (p["x"] + dx) * cw,
                (p["y"] + dy) * ch,
                -(p["a"] + da),
                shadow=sstr,
                shadow_dx=sdx * 0.5,
                shadow_dy=sdy * 0.5,
                shadow_blur=2.5,
            )
        elif p["t"] == "slip":
            dx, dy, da = jit["card"]
            patch = _slip_patch(0.18 * cw, lab, office)
            _paste_rotated(img, patch, (p["x"] + dx) * cw, (p["y"] + dy) * ch, -(p["a"] + da), shadow=0.3)
    return img


def _stone_shadows(sh: Image.Image, lot: dict, pxmm: float, light: dict) -> None:
    d = ImageDraw.Draw(sh)
    lv = _light_vec(light)
    slen = (1.0 / max(0.2, lv[2]) - 0.7) * 0.55
    sdx, sdy = -lv[0] * slen, -lv[1] * slen
    heap = lot["arr"] == "heap"
    for x, y, r in zip(
        (lot["x"] * pxmm).tolist(), (lot["y"] * pxmm).tolist(), (lot["r"] * pxmm).tolist(), strict=False
    ):
        sx, sy = x + sdx * r, y + sdy * r
        d.ellipse((sx - r * 0.95, sy - r * 0.85, sx + r * 0.95, sy + r * 0.85), fill=235)
        if heap:
            d.ellipse((x - r * 1.15, y - r * 1.15, x + r * 1.15, y + r * 1.15), fill=160)


# --------------------------------------------------------------------------
# camera: pose (perspective), light fall-off, white balance, tone, optics,
# upscaling to the sensor size, sensor noise and the camera's own JPEG
# --------------------------------------------------------------------------


def _tone_lut(gamma: float, contrast: float) -> list:
    out = []
    for t in range(256):
        x = t / 200.0
        x = x ** (1.0 / gamma)
        x = 0.5 + (x - 0.5) * contrast
        if x > 0.8:
            x = 0.8 + 0.2 * (1.0 - math.exp(-(x - 0.8) / 0.2))
        out.append(int(max(0, min(255, round(x * 255)))))
    return out


def _add_noise(img: Image.Image, sigma: float, key) -> Image.Image:
    if sigma <= 0.2:
        return img
    rng = _rng("noise", key)
    t = 160
    tile = np.clip(rng.standard_normal((t, t), dtype=np.float32) * sigma + 128, 0, 255).astype(np.uint8)
    tile2 = np.roll(tile, (37, 71), axis=(0, 1))
    W, H = img.size
    ox, oy = (int(v) for v in rng.integers(0, t, 2))
    reps = (H // t + 2, W // t + 2)
    a = Image.fromarray(np.ascontiguousarray(np.tile(tile, reps)[oy : oy + H, ox : ox + W]), "L")
    b = Image.fromarray(np.ascontiguousarray(np.tile(tile2, reps)[oy : oy + H, ox : ox + W]), "L")
    return ImageChops.add(img, Image.merge("RGB", (a, a, b)), 1.0, -128)


def _jpeg_roundtrip(img: Image.Image, q: int, subsampling: int | None = None) -> Image.Image:
    buf = io.BytesIO()
    kw = {} if subsampling is None else {"subsampling": subsampling}
    img.save(buf, "JPEG", quality=int(q), **kw)
    buf.seek(0)
    out = Image.open(buf)
    out.load()
    return out.convert("RGB")


def _camera(canvas: Image.Image, view: dict, jit: dict, key) -> Image.Image:
    st = view["st"]
    cam = view["office"]["cam"]
    W, H, w, h, _cw, _ch = _canvas_geometry(st)
    mx, my = (canvas.width - w) / 2, (canvas.height - h) / 2
    pose = np.clip(np.asarray(view["pose"]) + np.asarray(jit["pose"]), -0.04, 0.04)
    src = [
        (mx + pose[0] * w, my + pose[1] * h),
        (mx + w + pose[2] * w, my + pose[3] * h),
        (mx + w + pose[4] * w, my + h + pose[5] * h),
        (mx + pose[6] * w, my + h + pose[7] * h),
    ]
    keystone = abs((pose[0] - pose[6]) - (pose[2] - pose[4])) + abs((pose[1] - pose[3]) - (pose[7] - pose[5]))
    if st.get("phone") or keystone > 0.006:
        coeffs = _perspective_coeffs([(0, 0), (w, 0), (w, h), (0, h)], src)
        out = canvas.transform((w, h), Image.PERSPECTIVE, coeffs, Image.BILINEAR)
    else:
        # nearly a parallelogram: the cheaper affine map through the mean corners
        (ax, ay), (bx, by), (cx_, cy_), (dx_, dy_) = src
        ox, oy = (
            (ax + dx_ + bx + cx_) / 4 - (bx - ax + cx_ - dx_) / 4 - (dx_ - ax + cx_ - bx) / 4,
            (ay + dy_ + by + cy_) / 4 - (by - ay + cy_ - dy_) / 4 - (dy_ - ay + cy_ - by) / 4,
        )
        ux, uy = (bx - ax + cx_ - dx_) / (2 * w), (by - ay + cy_ - dy_) / (2 * w)
        vx, vy = (dx_ - ax + cx_ - bx) / (2 * h), (dy_ - ay + cy_ - by) / (2 * h)
        out = canvas.transform((w, h), Image.AFFINE, (ux, vx, ox, uy, vy, oy), Image.BILINEAR)
    # illumination field (computed small, stretched)
    gw = 48
    gh = max(4, round(gw * h / w))
    U = ((np.arange(gw) + 0.5) / gw * 2 - 1)[None, :]
    V = ((np.arange(gh) + 0.5) / gh * 2 - 1)[:, None]
    r2 = (U * U + V * V) / 2
    field = (1.0 - view["vign"] * r2**1.1) * (
        1.0 + view["grad"] * (U * math.cos(view["grad_dir"]) + V * math.sin(view["grad_dir"]))
    )
    lt = st["light"]
    if lt.get("spot", 0) > 0:
        sx, sy = (c * 2 - 1 for c in lt["spot_c"])
        field = field * (
            (1 - lt["spot"]) + lt["spot"] * 1.25 * np.exp(-((U - sx) ** 2 + (V - sy) ** 2) / (2 * 0.5**2))
        )
    gains = np.asarray(view["wb"]) * np.asarray(cam["cast"]) * view["exposure"] * jit["exposure"]
    f3 = np.clip(field[..., None] * gains * 200.0, 0, 255).astype(np.uint8)
    fimg = Image.fromarray(f3, "RGB").resize((w, h), Image.BILINEAR)
    out = ImageChops.multiply(out, fimg)
    out = out.point(_tone_lut(cam["gamma"], cam["contrast"]) * 3)
    sat = cam["sat"] * (1.15 if st.get("phone") else 1.0)
    if abs(sat - 1.0) > 0.02:
        grey = out.convert("L").convert("RGB")
        out = Image.blend(grey, out, sat)
    if cam["optics"] > 0.55 and W / w < 1.4:
        out = out.filter(ImageFilter.GaussianBlur(cam["optics"] * 0.6))
    out = _add_noise(out, cam["noise"] * (1.8 if st.get("phone") else 1.0), jit["noise_key"])
    if (w, h) != (W, H):
        out = out.resize((W, H), Image.BILINEAR if W * H > 2_000_000 else Image.BICUBIC)
    q = cam["jpeg"]
    if st.get("phone"):
        q = 88
    if q:
        out = _jpeg_roundtrip(out, q)
    return out


# --------------------------------------------------------------------------
# archive scans of old certificates carrying a photograph of the parcel
# --------------------------------------------------------------------------

_ARCH_FIELDS = (
    ("cert", "Certificate No."),
    ("exporter", "Exporter"),
    ("importer", "Importer"),
    ("origin", "Country of origin"),
    ("hs", "HS classification"),
    ("carats", "Carat weight"),
    ("value", "Value (USD)"),
    ("parcels", "Number of parcels"),
    ("issued", "Date of issue"),
    ("expires", "Date of expiry"),
)
_IMPORTERS = (
    "Antwerp Rough NV",
    "Dubai Gem House FZE",
    "Surat Polishers Pvt",
    "Ramat Gan Rough Ltd",
    "Hong Kong Diamond Exch.",
    "London Rough Sales",
    "Tel Aviv Sorting Co",
    "Mumbai Rough Imports",
    "Bangkok Gem Trading",
    "Geneva Stones SA",
)


def _archive_layout(st: dict):
    lay = st["layout"]
    if lay == 0:
        return (0.08, 0.27, 0.52), (0.57, 0.30, 0.35)  # table (x, y, w), photo (x, y, w)
    if lay == 1:
        return (0.52, 0.25, 0.38), (0.08, 0.27, 0.4)
    return (0.08, 0.22, 0.84), (0.3, 0.55, 0.4)


def _make_archive_lot(view: dict, key, lot_no: int, sparse: bool = False) -> dict:
    rng = _rng("alot", key)
    st = view["st"]
    office = view["office"]
    cat = _pick(rng, [c for c, _ in st["cats"]], [w for _, w in st["cats"]])
    spec = _CATEGORIES[cat]
    fw, fh = 60.0, 45.0
    r0, r1 = spec["r"]
    rc = float(math.exp(rng.uniform(math.log(max(0.9, r0)), math.log(max(1.2, r1)))))
    rc = min(rc, 7.0)
    n = int(rng.integers(max(1, spec["n"][0] // 3), max(2, spec["n"][1] // 3) + 1))
    n = int(min(n, max(1, 0.2 * fw * fh / (math.pi * rc * rc))))
    arr = _pick(rng, ("heap", "scatter", "rows"))
    if sparse:
        n, arr = int(rng.integers(1, 5)), "scatter"
    r = np.clip(rc * np.exp(rng.normal(0, 0.2, n)), 0.4 * rc, 2 * rc)
    x, y, r = _arrange(rng, arr, n, r, fw / 2 + rng.normal(0, 3), fh / 2 + rng.normal(0, 2), fw, fh, view)
    n = len(r)
    sw = np.asarray(spec["shapes"], dtype=float)
    pal = np.asarray(spec["pal"], dtype=float)
    col = pal[rng.integers(0, len(pal), n)] * (1.0 + rng.normal(0, 0.05, (n, 1)))
    carats = float(np.sum(0.95 * r**3) * 3.52 / 200.0 * rng.uniform(0.9, 1.6))
    issued_day = int(rng.integers(1, 28))
    month = int(rng.integers(1, 13))
    yr = view["year"]
    label = dict(
        cert="%s %07d" % (office["cc"], (view["cert_base"] + lot_no * 13 + int(rng.integers(0, 9))) % 10**7),
        exporter=_pick(rng, _EXPORTERS),
        importer=_pick(rng, _IMPORTERS),
        origin=_pick(
            rng,
            (
                "Botswana",
                "South Africa",
                "Namibia",
                "Sierra Leone",
                "DR Congo",
                "Angola",
                "Lesotho",
                "Guyana",
                "Zimbabwe",
                "Russian Federation",
                "Canada",
            ),
        ),
        hs=_pick(rng, ("7102.10", "7102.21", "7102.31")),
        carats=f"{carats:.2f} ct",
        value="{}".format(format(int(carats * rng.uniform(30, 700)), ",")),
        parcels=str(int(rng.integers(1, 6))),
        issued="%02d/%02d/%d" % (issued_day, month, yr),
        expires="%02d/%02d/%d" % (issued_day, month % 12 + 1, yr + (month == 12)),
        hand=False,
        lot="%d" % lot_no,
        weight=f"{carats:.2f}",
    )
    return dict(
        key=key,
        cat=cat,
        n=n,
        rc=rc,
        rs=0.2,
        arr=arr,
        cx=fw / 2,
        cy=fh / 2,
        x=x,
        y=y,
        r=r,
        shape=rng.choice(len(_SHAPES), size=n, p=sw / sw.sum()),
        col=col,
        shine=spec["shine"],
        label=label,
        geo_key=("geo", key),
        sig=int(rng.integers(0, 2**31)),
        stamp=(float(rng.normal(0, 15)), float(rng.normal(0, 0.015)), float(rng.normal(0, 0.01))),
        foxing=int(rng.integers(0, 7)),
    )


@functools.lru_cache(maxsize=16)
def _archive_static(okey, st_idx: int, day_key):
    view = _session_view(okey, st_idx, day_key)
    st = view["st"]
    office = view["office"]
    _W, _H, _w, _h, cw, ch = _canvas_geometry(st)
    rng = _rng("archive-static", okey, st_idx, day_key)
    fine = rng.random((ch, cw), dtype=np.float32) - 0.5
    lf = _lowfreq(rng, cw, ch, 4)
    mx, my = int(cw * _MARGIN * 0.6), int(ch * _MARGIN * 0.5)
    xs, ys = _axes(cw, ch)
    inx = ((xs >= mx) & (xs < cw - mx * 0.7))[None, :]
    iny = ((ys >= my) & (ys < ch - my * 0.6))[:, None]
    page = (inx & iny).astype(np.float32)
    lum = 1.0 + 0.035 * lf + 0.05 * fine
    lid = (235.0, 235.0, 232.0)
    if st["lid_shadow"]:
        dist = np.minimum(
            np.minimum(xs - mx, cw - mx * 0.7 - xs)[None, :], np.minimum(ys - my, ch - my * 0.6 - ys)[:, None]
        )
        lid_l = np.clip(0.25 + 0.5 * np.exp(np.minimum(dist, 0) / 25.0), 0, 1)
    else:
        lid_l = np.ones((1, 1), np.float32)
    img = Image.fromarray(
        _clip8(_compose((lum * page, st["paper"]), ((1 - page) * lid_l * (1 + 0.02 * fine), lid))), "RGB"
    )
    dr = ImageDraw.Draw(img)
    g = st["guilloche"]
    x0, y0, x1, y1 = mx + cw * 0.035, my + ch * 0.025, cw - mx - cw * 0.03, ch - my - ch * 0.025
    dr.rectangle((x0, y0, x1, y1), outline=g, width=2)
    band = ch * 0.012
    for k in range(3):
        ph = rng.uniform(0, 6.28)
        lam = rng.uniform(0.012, 0.025) * cw
        tt = np.linspace(x0, x1, 240)
        for yb in (y0 + band, y1 - band):
            yy = yb + band * 0.7 * np.sin(2 * math.pi * tt / lam + ph + k * 2.1)
            dr.line(list(zip(tt.tolist(), yy.tolist(), strict=False)), fill=g, width=1)
        tt = np.linspace(y0, y1, 320)
        for xb in (x0 + band, x1 - band):
            xx = xb + band * 0.7 * np.sin(2 * math.pi * tt / lam + ph + k * 2.1)
            dr.line(list(zip(xx.tolist(), tt.tolist(), strict=False)), fill=g, width=1)
    # emblem and titles
    ex, ey, er = cw * 0.5, ch * 0.085, ch * 0.035
    dr.ellipse((ex - er, ey - er, ex + er, ey + er), outline=g, width=3)
    star = [
        (
            ex + (er * (0.8 if k % 2 == 0 else 0.35)) * math.cos(-math.pi / 2 + k * math.pi / 5),
            ey + (er * (0.8 if k % 2 == 0 else 0.35)) * math.sin(-math.pi / 2 + k * math.pi / 5),
        )
        for k in range(10)
    ]
    dr.polygon(star, fill=g)
    tf = _fit("serif-bold", ch * 0.026, st["title"], cw * 0.8)
    tw = tf.getlength(st["title"])
    dr.text((cw / 2 - tw / 2, ch * 0.13), st["title"], font=tf, fill=(30, 30, 30))
    sub = "{} - {}, {}".format(office["name"], office["city"], office["cc"])
    sf = _fit("serif", ch * 0.016, sub, cw * 0.8)
    dr.text((cw / 2 - sf.getlength(sub) / 2, ch * 0.17), sub, font=sf, fill=(50, 50, 50))
    (tx, ty, twd), (px, py, pw) = _archive_layout(st)
    cf = _font("serif", ch * 0.0135)
    fields = []
    step = ch * 0.033
    for k, (fk, cap) in enumerate(_ARCH_FIELDS):
        yy = ty * ch + k * step
        dr.text((tx * cw, yy), cap, font=cf, fill=(60, 60, 60))
        dr.line(
            (tx * cw + twd * cw * 0.46, yy + step * 0.7, (tx + twd) * cw, yy + step * 0.7),
            fill=(150, 150, 150),
            width=1,
        )
        fields.append((fk, tx * cw + twd * cw * 0.47, yy - step * 0.05, twd * cw * 0.52))
    pr = (px * cw, py * ch, (px + pw) * cw, py * ch + pw * cw * 0.75)
    dr.rectangle((pr[0] - 3, pr[1] - 3, pr[2] + 3, pr[3] + 3), outline=(90, 90, 90), width=1)
    dr.text(
        (pr[0], pr[3] + 6),
        "Photograph of the parcel / Photographie du colis",
        font=_font("serif-italic", ch * 0.011),
        fill=(70, 70, 70),
    )
    sy = ch * 0.86
    dr.line((cw * 0.55, sy, cw * 0.88, sy), fill=(80, 80, 80), width=1)
    dr.text(
        (cw * 0.55, sy + 4), "Authorised officer", font=_font("serif-italic", ch * 0.012), fill=(70, 70, 70)
    )
    dr.text(
        (cw * 0.1, ch * 0.92),
        "This certificate accompanies a parcel of rough diamonds shipped in accordance with the KPCS.",
        font=_fit("serif", ch * 0.01, "x" * 90, cw * 0.8),
        fill=(70, 70, 70),
    )
    return img, tuple(fields), pr


def _render_archive(view: dict, jit: dict, lot: dict, key) -> Image.Image:
    st = view["st"]
    base, fields, pr = _archive_static(view["okey"], view["st_idx"], view["day_key"])
    img = base.copy()
    cw, ch = img.size
    dr = ImageDraw.Draw(img)
    rng = _rng("arch-scene", key)
    lab = lot["label"]
    vf = _font("mono", ch * 0.015)
    for fk, x, y, mw in fields:
        t = lab[fk]
        f = vf if vf.getlength(t) <= mw else _fit("mono", ch * 0.015, t, mw)
        dr.text(
            (x + rng.normal(0, 0.6), y + rng.normal(0, 0.6)),
            t,
            font=f,
            fill=(200, 30, 40) if fk == "cert" else (25, 25, 30),
        )
    # the photograph of the parcel
    pw, ph = int(pr[2] - pr[0]), int(pr[3] - pr[1])
    bgk = st["photo_bg"]
    prng = _rng("arch-photo", key)
    lf = _lowfreq(prng, pw, ph, 3)
    fine = prng.random((ph, pw), dtype=np.float32) - 0.5
    bgc = {"velvet": (22, 22, 26), "paper": (226, 226, 220), "tray": (150, 176, 200)}[bgk]
    photo = Image.fromarray(_clip8(_compose((1.0 + 0.15 * lf + 0.1 * fine, bgc))), "RGB")
    pxmm = pw / 60.0
    sh = Image.new("L", photo.size, 0)
    light = dict(az=float(prng.uniform(0, 6.28)), elev=0.7)
    _stone_shadows(sh, lot, pxmm, light)
    photo = _apply_shadow(photo, sh, 0.35, 1.5)
    _draw_stones(photo, lot, pxmm, light, bgk == "velvet", _rng("facets", lot["geo_key"]))
    photo = photo.filter(ImageFilter.BoxBlur(0.7))
    if st["sepia"]:
        gl = photo.convert("L")
        photo = Image.merge(
            "RGB",
            (
                gl.point(lambda v: min(255, int(v * 1.07 + 12))),
                gl.point(lambda v: int(v * 0.95 + 8)),
                gl.point(lambda v: int(v * 0.78)),
            ),
        )
    if st["halftone"]:
        a = np.asarray(photo.convert("L"), np.float32)
        yy, xx = np.mgrid[0:ph, 0:pw]
        scr = (np.sin(xx * 1.3) * np.sin(yy * 1.3) + 1) * 127
        ht = np.where(a > scr, 255, 30).astype(np.uint8)
        photo = Image.blend(photo, Image.merge("RGB", [Image.fromarray(ht, "L")] * 3), 0.35)
    img.paste(photo, (int(pr[0]), int(pr[1])))
    # signature and stamp
    srng = np.random.default_rng(lot["sig"])
    steps = 140
    turn = np.cumsum(srng.normal(0, 0.55, steps)) + np.sin(np.arange(steps) * srng.uniform(0.3, 0.7)) * 1.6
    px_ = np.cumsum(np.cos(turn) * 0.6 + 0.45)
    py_ = np.cumsum(np.sin(turn))
    px_ = (px_ - px_.min()) / max(1e-6, np.ptp(px_))
    py_ = (py_ - py_.min()) / max(1e-6, np.ptp(py_)) - 0.5
    sx = cw * (0.57 + 0.26 * px_)
    sy = ch * (0.835 + 0.05 * py_)
    dr.line(list(zip(sx.tolist(), sy.tolist(), strict=False)), fill=(20, 30, 110), width=2, joint="curve")
    sa, sdx, sdy = lot["stamp"]
    R = int(ch * 0.055)
    stamp = Image.new("RGBA", (2 * R + 4, 2 * R + 4), (0, 0, 0, 0))
    sd = ImageDraw.Draw(stamp)
    sc = st["stamp"] + (170,)
    sd.ellipse((2, 2, 2 * R + 2, 2 * R + 2), outline=sc, width=3)
    sd.ellipse((R * 0.3, R * 0.3, R * 1.7 + 4, R * 1.7 + 4), outline=sc, width=2)
    sf = _font("sans-bold", R * 0.28)
    sd.text((R * 0.45, R * 0.8), view["office"]["cc"] + " KP", font=sf, fill=sc)
    _paste_rotated(img, stamp, cw * (0.45 + sdx), ch * (0.84 + sdy), sa)
    # foxing: brown age spots, different on every sheet
    if lot["foxing"]:
        fl = Image.new("L", (cw // 8, ch // 8), 0)
        fd = ImageDraw.Draw(fl)
        for _ in range(lot["foxing"]):
            x, y, r = srng.uniform(0, cw // 8), srng.uniform(0, ch // 8), srng.uniform(0.5, 3)
            fd.ellipse((x - r, y - r, x + r, y + r), fill=int(srng.uniform(40, 110)))
        fl = fl.filter(ImageFilter.GaussianBlur(1)).resize((cw, ch), Image.BILINEAR)
        a = np.asarray(fl, np.float32)[..., None] / 255.0
        tint = 255 - a * np.asarray((40, 90, 160), np.float32)
        img = ImageChops.multiply(img, Image.fromarray(tint.astype(np.uint8), "RGB"))
    return img


# --------------------------------------------------------------------------
# public interface: originals and unrelated photos
# --------------------------------------------------------------------------


def _render(view: dict, jit: dict, lot: dict, key) -> Image.Image:
    if view["st"]["kind"] == "archive":
        canvas = _render_archive(view, jit, lot, key)
    else:
        canvas = _render_scene(view, jit, lot, key)
    return _camera(canvas, view, jit, key)


def _original_parts(seed: int, i: int):
    s, pos, length = _session_of(seed, i)
    okey, st_idx, dkey = _session_meta(seed, s)
    view = _session_view(okey, st_idx, dkey)
    key = ("orig", seed, i)
    lot = _make_lot(view, key, view["lot_base"] + pos)
    jit = _photo_jitter(view, key)
    return view, jit, lot, key, length


def originals(seed: int, n: int) -> Iterator[Image.Image]:
    """n photos of distinct parcels; photo i depends only on (seed, i).
    Consecutive photos often come from the same session at one station."""
    for i in range(int(n)):
        view, jit, lot, key, _ = _original_parts(int(seed), i)
        yield _render(view, jit, lot, key)


@functools.lru_cache(maxsize=64)
def _kind_block(seed: int, block: int) -> tuple:
    arr = np.repeat(np.arange(len(KINDS)), [c for _, c in _KIND_SHARES])
    return tuple(int(v) for v in _rng("kinds", seed, block).permutation(arr))


def unrelated_kind(seed: int, i: int) -> str:
    """Kind of the i-th unrelated photo; every block of 1000 consecutive
    indices (0-999, 1000-1999, ...) holds exactly the shares of _KIND_SHARES."""
    return KINDS[_kind_block(int(seed), int(i) // 1000)[int(i) % 1000]]


def _unrelated_parts(seed: int, i: int):
    kind = unrelated_kind(seed, i)
    rng = _rng("unrel-choice", seed, i)
    key = ("unrel", seed, i)
    if kind.startswith("twin-"):
        j = int(rng.integers(REFERENCE_COUNT))
        view_j, jit_j, lot_j, _key_j, length = _original_parts(REFERENCE_SEED, j)
        # a lot number that no original of that session carries
        lot_no = view_j["lot_base"] + length + 1 + int(rng.integers(0, 40))
        if kind == "twin-office-day":
            view = _session_view(view_j["okey"], view_j["st_idx"], ("uday", seed, i))
            return (
                view,
                _photo_jitter(view, key),
                _make_lot(view, key, view["lot_base"] + int(rng.integers(0, 30))),
                key,
            )
        view = view_j
        if kind == "twin-refill":
            lot = _make_lot(view, key, lot_no, mimic=lot_j)
            jit = dict(jit_j)
            dx, dy, da = jit_j["card"]
            jit["card"] = (
                dx + float(rng.normal(0, 0.002)),
                dy + float(rng.normal(0, 0.002)),
                da + float(rng.normal(0, 0.4)),
            )
            jit["exposure"] = jit_j["exposure"] * float(math.exp(rng.normal(0, 0.004)))
            jit["noise_key"] = ("noise", key)
            return view, jit, lot, key
        if kind == "twin-sparse":
            return view, _photo_jitter(view, key), _make_lot(view, key, lot_no, sparse=True), key
        return view, _photo_jitter(view, key), _make_lot(view, key, lot_no), key
    force = {
        "other-archive": "archive",
        "other-loupe": "loupe",
        "other-boart": "boart",
        "other-phone": "phone",
    }.get(kind)
    okey = ("uoffice", seed, i, force) if force else ("uoffice", seed, i)
    office = _office(okey)
    st_idx = int(rng.integers(len(office["stations"])))
    view = _session_view(okey, st_idx, ("uday", seed, i))
    lot = _make_lot(view, key, view["lot_base"] + int(rng.integers(0, 30)))
    return view, _photo_jitter(view, key), lot, key


def unrelated(seed: int, n: int) -> Iterator[Image.Image]:
    """n photos of parcels that are not any original's parcel.  About half
    (the twin-* kinds) re-use a station/session of
    originals(REFERENCE_SEED, REFERENCE_COUNT) with a different lot."""
    for i in range(int(n)):
        view, jit, lot, key = _unrelated_parts(int(seed), i)
        yield _render(view, jit, lot, key)


# --------------------------------------------------------------------------
# re-used copies of a photo
# --------------------------------------------------------------------------


def _v_crop(img: Image.Image, rng) -> tuple[str, Image.Image]:
    W, H = img.size
    sides = []
    for _ in range(4):
        u = rng.random()
        sides.append(0.0 if u < 0.3 else float(rng.uniform(0.3, 10.0)))
    if max(sides) < 1.0:
        sides[int(rng.integers(4))] = float(rng.uniform(2.0, 10.0))
    cl, ct, cr, cb = (round(v, 1) for v in sides)
    box = (
        round(W * cl / 100),
        round(H * ct / 100),
        W - round(W * cr / 100),
        H - round(H * cb / 100),
    )
    return f"crop-l{cl:.1f}t{ct:.1f}r{cr:.1f}b{cb:.1f}", img.crop(box)


def _v_resize(img: Image.Image, rng) -> tuple[str, Image.Image]:
    W, H = img.size
    lo = min(1.0, max(0.5, 400.0 / max(W, H)))
    f = float(rng.uniform(lo, 1.0))
    if f > 0.97:
        f = 0.97
    f = max(lo, round(f, 2))
    size = (max(1, round(W * f)), max(1, round(H * f)))
    method = Image.LANCZOS if rng.random() < 0.5 else Image.BILINEAR
    return f"resize-{f:.2f}", img.resize(size, method, reducing_gap=3.0 if method == Image.LANCZOS else None)


def _v_jpeg(img: Image.Image, rng) -> tuple[str, Image.Image]:
    q = int(rng.integers(50, 96))
    return "jpeg-%d" % q, _jpeg_roundtrip(img, q, subsampling=int(rng.choice([0, 2, 2])))


def _v_blur(img: Image.Image, rng) -> tuple[str, Image.Image]:
    r = round(float(rng.uniform(0.4, 2.0)), 1)
    return f"blur-{r:.1f}", img.filter(ImageFilter.GaussianBlur(r))


def _v_recolour(img: Image.Image, rng) -> tuple[str, Image.Image]:
    b = int(rng.integers(-10, 11))  # brightness, percent
    c = int(rng.integers(-10, 11))  # contrast, percent
    s = int(rng.integers(-15, 16))  # saturation, percent
    g = round(float(rng.uniform(0.85, 1.15)), 2)
    wr = int(rng.integers(-5, 6))  # white balance: red / blue gain, percent
    wb = int(rng.integers(-5, 6))
    luts = []
    for ch_gain in (1 + wr / 100.0, 1.0, 1 + wb / 100.0):
        lut = []
        for v in range(256):
            x = (v / 255.0) ** g
            x = (x - 0.5) * (1 + c / 100.0) + 0.5
            x = x * (1 + b / 100.0) * ch_gain
            lut.append(int(max(0, min(255, round(x * 255)))))
        luts.extend(lut)
    out = img.point(luts)
    if s != 0:
        out = Image.blend(out.convert("L").convert("RGB"), out, 1 + s / 100.0)
    name = "recolour-b%d_c%d_s%d_g%.2f_wr%d_wb%d" % (b, c, s, g, wr, wb)  # no "+": it joins chain steps
    return name, out


_STEPS = {"crop": _v_crop, "resize": _v_resize, "jpeg": _v_jpeg, "blur": _v_blur, "recolour": _v_recolour}
_CHAINS = (
    ("crop", "resize", "jpeg"),
    ("recolour", "jpeg"),
    ("resize", "blur", "jpeg"),
    ("crop", "recolour"),
    ("blur", "jpeg"),
    ("crop", "jpeg"),
    ("resize", "recolour", "jpeg"),
    ("crop", "blur"),
    ("recolour", "resize"),
    ("crop", "resize", "recolour"),
    ("blur", "resize"),
    ("resize", "jpeg"),
)


def variants(image: Image.Image, seed: int) -> dict[str, Image.Image]:
    """About ten re-used copies of `image` (crops of at most 10 % a side,
    resizes 0.5-1.0, JPEG 50-95, Gaussian blur <= 2, small recolours, and
    chains of two or three of them).  Deterministic given (image, seed)."""
    img = image.convert("RGB")
    thumb = img.resize((24, 24), Image.BILINEAR).tobytes()
    digest = hashlib.blake2b(thumb + repr(img.size).encode(), digest_size=8).hexdigest()
    rng = _rng("variants", digest, int(seed))
    out: dict[str, Image.Image] = {}
    for name in ("crop", "resize", "jpeg", "blur", "recolour"):
        n, im = _STEPS[name](img, rng)
        out[n] = im
    chains = [_CHAINS[k] for k in rng.permutation(len(_CHAINS))[:5]]
    for chain in chains:
        im = img
        names = []
        for step in chain:
            n, im = _STEPS[step](im, rng)
            names.append(n)
        name = "+".join(names)
        if name not in out:
            out[name] = im.convert("RGB")
    return out
