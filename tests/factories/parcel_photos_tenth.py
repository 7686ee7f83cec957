"""Independent generator of rough-diamond parcel photos (tenth, blind set).

Everything is drawn procedurally with numpy and Pillow; nothing is read from
disk or the network.  The world is made of:

* offices (a KP office / export desk): a sorting surface (felt, velvet, sieve
  plate, tray, sorting paper, light box, cutting-mat grid, woven cloth, cell
  tray, leather pad), a camera (size, aspect, lens softness, noise,
  vignetting, in-camera JPEG), a lamp, a set of props (forms with printed
  text and numbers, lot labels, rulers, pocket scales, colour cards, loupes,
  pens, tweezers, parcel bags) and the productions it usually handles;
* sessions of an office: one tripod set-up (framing, lamp position, the cloth
  as laid that day with its lint and dust, where the props lie);
* lots: 1..300 stones of one production (colour mix, crystal habits, sizes,
  glassy or frosted skins) laid out in one of several ways.

Originals are mostly ordinary set-up shots (about 88 %), with some parcels
photographed in their bag (7 %) and some close-ups of a few stones (5 %).
Several originals share an office and a session (tripod set-up), so
originals can themselves look alike; they still show different stones.

Unrelated kinds, with their count in every block of 100 consecutive photos
(so exactly these shares per 1000):

  hard cases, each built on the set-up or production of a reference photo
  from originals(REFERENCE_SEED, REFERENCE_COUNT):
    same_session_other_lot          15  same office, session, framing (a few px
                                        of camera shift at most), props, surface
                                        lint; another lot, mostly same production
    same_setup_sparse_lot            8  same set-up, a lot of 1-6 small stones
    twin_lot_same_production         8  same office (same or another session),
                                        same production, count within 10 %, same
                                        layout, same size distribution
    uniform_lot_repetitive_surface   8  reference on sieve plate / grid / cloth /
                                        cell tray; uniform-sized other lot laid
                                        in a grid, rows, cells or scattered
    same_positions_other_stones      6  reference laid on a template (grid, rows,
                                        ring, line, cells, single); other stones
                                        put on the very same spots
    same_office_other_day            5  same office and props, another session
  ordinary other parcels (offices never used by originals):
    other_office                    22
    other_office_same_surface        8  same surface kind and colour, same
                                        aspect and size as a reference
    archive_scan                    10  old print scanned on a flatbed
    close_up                         5
    bagged_lot                       5

Public functions:

``originals(seed, n)``   n photos of parcels, photo i drawn from (seed, i).
``variants(image, seed)`` about ten transformed copies, keyed by step names.
``unrelated(seed, n)``   photos of *other* parcels (other stones), half of
                         them hard cases built against
                         ``originals(REFERENCE_SEED, REFERENCE_COUNT)``.
``unrelated_kind(seed, i)`` the kind of the i-th unrelated photo; ``KINDS``.
"""

from __future__ import annotations

import functools
import io
import math
import random
import zlib
from collections.abc import Iterator

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageEnhance, ImageFilter, ImageFont

__all__ = [
    "KINDS",
    "REFERENCE_COUNT",
    "REFERENCE_SEED",
    "originals",
    "unrelated",
    "unrelated_kind",
    "variants",
]

_WORLD = 0x10_7E47
REFERENCE_SEED = 1
REFERENCE_COUNT = 200
_N_REF_OFFICES = 28

# --------------------------------------------------------------------------
# kinds of unrelated photos, with their count per block of 100 photos
# --------------------------------------------------------------------------
_KIND_SHARES = (
    # hard cases (built against a reference original's set-up / production)
    ("same_session_other_lot", 15),
    ("same_setup_sparse_lot", 8),
    ("twin_lot_same_production", 8),
    ("uniform_lot_repetitive_surface", 8),
    ("same_positions_other_stones", 6),
    ("same_office_other_day", 5),
    # ordinary other parcels
    ("other_office", 22),
    ("other_office_same_surface", 8),
    ("archive_scan", 10),
    ("close_up", 5),
    ("bagged_lot", 5),
)
KINDS = tuple(k for k, _ in _KIND_SHARES)
_HARD_KINDS = frozenset(KINDS[:6])
_SCHEDULE = tuple(k for k, c in _KIND_SHARES for _ in range(c))
assert len(_SCHEDULE) == 100


# --------------------------------------------------------------------------
# deterministic randomness
# --------------------------------------------------------------------------
def _key(p) -> int:
    if isinstance(p, str):
        return zlib.crc32(p.encode("utf-8"))
    p = int(p)
    return 2 * p if p >= 0 else -2 * p + 1


def _rng(*parts) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([_WORLD, *(_key(p) for p in parts)]))


def _pyr(r: np.random.Generator) -> random.Random:
    return random.Random(int(r.integers(1 << 62)))


@functools.lru_cache(maxsize=128)
def _font(size: int) -> ImageFont.FreeTypeFont:
    """Pillow's built-in scalable font (memoised; fonts are immutable)."""
    return ImageFont.load_default(size=size)


def _font_px(size: float) -> ImageFont.FreeTypeFont:
    return _font(max(6, round(size)))


def _clip8(v: float) -> int:
    return 0 if v < 0 else 255 if v > 255 else int(v)


def _rgb(c, k: float = 1.0, add=(0, 0, 0)) -> tuple[int, int, int]:
    return (_clip8(c[0] * k + add[0]), _clip8(c[1] * k + add[1]), _clip8(c[2] * k + add[2]))


def _mix(a, b, t: float):
    return (a[0] * (1 - t) + b[0] * t, a[1] * (1 - t) + b[1] * t, a[2] * (1 - t) + b[2] * t)


# --------------------------------------------------------------------------
# catalogues
# --------------------------------------------------------------------------
_COUNTRIES = (
    ("BW", "Botswana"),
    ("ZA", "South Africa"),
    ("NA", "Namibia"),
    ("AO", "Angola"),
    ("CD", "DR Congo"),
    ("SL", "Sierra Leone"),
    ("RU", "Russian Federation"),
    ("CA", "Canada"),
    ("AU", "Australia"),
    ("LS", "Lesotho"),
    ("GN", "Guinea"),
    ("ZW", "Zimbabwe"),
    ("TZ", "Tanzania"),
    ("GH", "Ghana"),
    ("LR", "Liberia"),
    ("BE", "Belgium"),
    ("AE", "United Arab Emirates"),
    ("IN", "India"),
    ("IL", "Israel"),
    ("CH", "Switzerland"),
    ("GB", "United Kingdom"),
    ("CN", "China"),
    ("BR", "Brazil"),
    ("GY", "Guyana"),
    ("CM", "Cameroon"),
    ("TG", "Togo"),
    ("CI", "Cote d'Ivoire"),
    ("LB", "Lebanon"),
)
_SYL_A = (
    "Kala",
    "Mara",
    "Tsho",
    "Bonga",
    "Lime",
    "Orio",
    "Nama",
    "Zambe",
    "Kwan",
    "Sefa",
    "Riva",
    "Koru",
    "Ndlo",
    "Moti",
    "Tula",
    "Vaal",
    "Lunda",
    "Kasa",
    "Gope",
    "Ekat",
)
_SYL_B = ("ri", "lo", "na", "weni", "pa", "ta", "mbe", "si", "kwe", "dor", "nga", "ma")
_FIRM = (
    "Diamonds (Pty) Ltd",
    "Mining Co.",
    "Minerals SARL",
    "Resources Ltd",
    "Trading LLC",
    "Gems Ltd",
    "Rough Traders BV",
    "Diamond Corp.",
    "Exports Ltd",
    "& Sons NV",
)
_HEADERS = (
    "KIMBERLEY PROCESS CERTIFICATION SCHEME",
    "ROUGH DIAMOND EXPORT RECORD",
    "PARCEL INSPECTION SHEET",
    "GOVERNMENT DIAMOND VALUATOR",
    "KP IMPORT VERIFICATION",
    "DIAMOND OFFICE - PARCEL REGISTER",
    "ROUGH DIAMOND VALUATION WORKSHEET",
    "CERTIFICATE OF ORIGIN - ROUGH DIAMONDS",
    "EXPORT AUTHORITY - SEALED PARCEL",
)
_FIELDS = (
    "Certificate No.",
    "Lot / Parcel",
    "Number of stones",
    "Carat weight",
    "Value (USD)",
    "HS code",
    "Country of origin",
    "Exporter",
    "Importer",
    "Date",
    "Inspector",
    "Seal No.",
    "Box",
    "Sieve class",
    "Remarks",
)

_COLOURS = {
    # name: (rgb body colour, transparency)
    "colourless": ((238, 238, 235), 0.75),
    "silver_cape": ((236, 232, 210), 0.70),
    "light_yellow": ((238, 225, 168), 0.65),
    "yellow": ((232, 198, 100), 0.60),
    "light_brown": ((214, 176, 130), 0.55),
    "brown": ((160, 108, 68), 0.45),
    "dark_brown": ((108, 70, 44), 0.30),
    "grey": ((168, 168, 165), 0.40),
    "milky": ((226, 226, 219), 0.20),
    "green_skin": ((172, 194, 156), 0.35),
    "pink": ((232, 194, 198), 0.60),
    "orange": ((230, 168, 88), 0.55),
    "black": ((60, 58, 56), 0.05),
}
_COLOUR_NAMES = tuple(_COLOURS)
_HABITS = ("octahedron", "octa_face", "dodecahedron", "macle", "cube", "irregular", "fragment", "boart")
_LAYOUTS = ("scatter", "pile", "rows", "grid", "groups", "ring", "line", "single", "sparse")
_TEMPLATE_LAYOUTS = ("grid", "rows", "ring", "line", "cells", "single")
_SURFACES = ("felt", "velvet", "sieve", "tray", "paper", "lightbox", "grid", "cloth", "cells", "leather")
_SURFACE_P = (0.17, 0.12, 0.09, 0.10, 0.10, 0.07, 0.10, 0.09, 0.08, 0.08)
_REPETITIVE = ("sieve", "grid", "cloth", "cells")
_ASPECTS = ((3, 2), (4, 3), (16, 9), (2, 3), (3, 4), (5, 4), (1, 1))
_ASPECT_P = (0.30, 0.25, 0.17, 0.10, 0.10, 0.04, 0.04)
_WIDTHS = (640, 800, 960, 1024, 1200, 1280, 1440, 1600, 1800, 1920, 2000)
_WIDTH_P = (0.08, 0.11, 0.10, 0.12, 0.12, 0.11, 0.09, 0.10, 0.06, 0.06, 0.05)


def _production(pid: int) -> dict:
    r = _rng("production", pid)
    style = r.choice(
        ("gem", "mixed", "brown", "yellow", "alluvial", "industrial", "fancy"),
        p=(0.2, 0.22, 0.15, 0.12, 0.14, 0.1, 0.07),
    )
    base = {
        "gem": ("colourless", "silver_cape", "light_yellow", "milky"),
        "mixed": ("colourless", "light_yellow", "light_brown", "brown", "grey", "milky"),
        "brown": ("light_brown", "brown", "dark_brown", "grey"),
        "yellow": ("light_yellow", "yellow", "orange", "silver_cape"),
        "alluvial": ("colourless", "green_skin", "light_yellow", "light_brown", "milky"),
        "industrial": ("grey", "black", "dark_brown", "milky", "brown"),
        "fancy": ("pink", "yellow", "colourless", "light_brown", "orange"),
    }[str(style)]
    k = int(r.integers(2, len(base) + 1))
    cols = list(r.choice(base, size=k, replace=False))
    cw = r.dirichlet(np.full(k, 1.2))
    habit_pool = {
        "gem": ("octahedron", "octa_face", "dodecahedron", "macle", "irregular"),
        "alluvial": ("dodecahedron", "octa_face", "irregular", "macle"),
        "industrial": ("boart", "irregular", "fragment", "cube"),
    }.get(str(style), _HABITS[:7])
    hk = int(r.integers(2, len(habit_pool) + 1))
    habits = list(r.choice(habit_pool, size=hk, replace=False))
    hw = r.dirichlet(np.full(hk, 1.0))
    return {
        "id": pid,
        "style": str(style),
        "colours": cols,
        "colour_w": cw,
        "habits": habits,
        "habit_w": hw,
        "size_mm": float(math.exp(r.uniform(math.log(1.3), math.log(10.0)))),
        "size_sig": float(r.uniform(0.12, 0.55)),
        "glass": float(r.uniform(0.05, 0.95)),
        "clarity": float(r.uniform(0.55, 1.1)),
        "rounded": float(r.uniform(0.0, 1.0) if style == "alluvial" else r.uniform(0.0, 0.6)),
        "tint": tuple(float(x) for x in r.normal(0, 0.035, 3)),
    }


def _surface_params(r: np.random.Generator, kind: str) -> dict:
    def jit(c, a=10):
        return tuple(_clip8(v + r.normal(0, a)) for v in c)

    desks = ((120, 84, 52), (150, 112, 74), (88, 86, 84), (180, 176, 168), (40, 38, 36), (200, 196, 186))
    p = {"kind": kind, "desk": jit(desks[int(r.integers(len(desks)))], 8)}
    if kind == "felt":
        cols = (
            (28, 28, 30),
            (66, 68, 72),
            (34, 44, 82),
            (38, 70, 50),
            (92, 30, 40),
            (170, 170, 166),
            (222, 222, 216),
            (58, 90, 140),
            (20, 60, 60),
        )
        p["colour"] = jit(cols[int(r.integers(len(cols)))], 6)
        p["mottle"] = float(r.uniform(0.03, 0.10))
        p["fibre"] = float(r.uniform(0.04, 0.12))
    elif kind == "velvet":
        cols = ((14, 14, 16), (20, 26, 58), (18, 48, 30), (70, 16, 26), (34, 40, 120), (40, 40, 44))
        p["colour"] = jit(cols[int(r.integers(len(cols)))], 4)
        p["sheen"] = float(r.uniform(0.15, 0.45))
        p["fibre"] = float(r.uniform(0.02, 0.06))
    elif kind == "sieve":
        g = r.uniform(150, 205)
        p["colour"] = jit((g, g * r.uniform(0.97, 1.02), g * r.uniform(0.95, 1.03)), 3)
        p["pitch_mm"] = float(r.uniform(1.4, 4.5))
        p["hole"] = float(r.uniform(0.35, 0.62))
        p["hex"] = bool(r.random() < 0.5)
        p["brush"] = float(r.uniform(0.03, 0.09))
    elif kind == "tray":
        cols = ((30, 30, 34), (232, 232, 228), (46, 86, 150), (170, 172, 176), (190, 40, 40), (240, 240, 236))
        p["colour"] = jit(cols[int(r.integers(len(cols)))], 6)
        p["rim_mm"] = float(r.uniform(5, 14))
    elif kind == "paper":
        cols = ((246, 246, 242), (240, 232, 208), (214, 228, 242), (236, 240, 236))
        p["colour"] = jit(cols[int(r.integers(len(cols)))], 4)
        p["creases"] = int(r.integers(0, 4))
    elif kind == "lightbox":
        w = r.uniform(238, 254)
        p["colour"] = jit((w, w, w * r.uniform(0.96, 1.02)), 2)
        p["frame"] = jit((70, 72, 76), 15)
    elif kind == "grid":
        if r.random() < 0.6:  # cutting mat
            cols = ((38, 110, 80), (36, 60, 110), (70, 72, 74), (24, 24, 26), (150, 60, 50))
            p["colour"] = jit(cols[int(r.integers(len(cols)))], 6)
            p["line"] = _rgb(p["colour"], 1.0, (70, 70, 70))
            p["pitch_mm"] = 10.0
            p["minor"] = bool(r.random() < 0.5)
        else:  # graph paper
            p["colour"] = jit((244, 244, 238), 3)
            lines = ((150, 190, 225), (140, 200, 160), (235, 170, 120), (180, 180, 180))
            p["line"] = lines[int(r.integers(len(lines)))]
            p["pitch_mm"] = float(r.choice((5.0, 10.0)))
            p["minor"] = True
    elif kind == "cloth":
        cols = (
            (200, 190, 170),
            (60, 60, 64),
            (40, 50, 90),
            (150, 150, 146),
            (230, 226, 214),
            (90, 60, 50),
            (30, 30, 30),
        )
        p["colour"] = jit(cols[int(r.integers(len(cols)))], 8)
        p["weave_mm"] = float(r.uniform(0.45, 1.6))
        p["weave"] = float(r.uniform(0.05, 0.16))
    elif kind == "cells":
        cols = ((236, 236, 232), (28, 28, 30), (40, 80, 150), (160, 162, 166))
        p["colour"] = jit(cols[int(r.integers(len(cols)))], 5)
        p["wall"] = _rgb(p["colour"], 0.8, (25, 25, 25))
        p["rows"] = int(r.integers(3, 7))
        p["cols"] = int(r.integers(4, 9))
    else:  # leather
        cols = ((70, 40, 24), (24, 22, 22), (34, 60, 40), (110, 70, 40), (50, 30, 34))
        p["colour"] = jit(cols[int(r.integers(len(cols)))], 6)
        p["grain"] = float(r.uniform(0.06, 0.14))
    return p


def _office(oid: int, surface: str | None = None) -> dict:
    r = _rng("office", oid)
    kind = str(r.choice(_SURFACES, p=_SURFACE_P))
    if 0 <= oid < _N_REF_OFFICES:
        kind = _SURFACES[oid % len(_SURFACES)]  # every surface among the reference offices
    if surface is not None:
        kind = surface
    srf = _surface_params(r, kind)
    aspect = _ASPECTS[int(r.choice(len(_ASPECTS), p=_ASPECT_P))]
    wi = int(r.choice(len(_WIDTHS), p=_WIDTH_P))
    widths = sorted({_WIDTHS[wi], _WIDTHS[min(len(_WIDTHS) - 1, max(0, wi + int(r.integers(-1, 2))))]})
    cc, country = _COUNTRIES[int(r.integers(len(_COUNTRIES)))]
    props = [
        p
        for p, q in (
            ("form", 0.55),
            ("label", 0.4),
            ("ruler", 0.4),
            ("scale", 0.2),
            ("card", 0.12),
            ("loupe", 0.1),
            ("pen", 0.1),
        )
        if r.random() < q
    ]
    lot_props = [p for p, q in (("tweezers", 0.4), ("bag", 0.2)) if r.random() < q]
    if kind == "cells":
        layouts = ["cells"]
        lw = np.ones(1)
    else:
        k = int(r.integers(2, 5))
        layouts = list(
            r.choice(_LAYOUTS, size=k, replace=False, p=(0.21, 0.16, 0.13, 0.12, 0.1, 0.06, 0.06, 0.08, 0.08))
        )
        lw = r.dirichlet(np.full(k, 1.5))
    fov_lo = float(r.uniform(140, 330))
    return {
        "id": oid,
        "surface": srf,
        "aspect": aspect,
        "widths": widths,
        "soft": float(r.uniform(0.62, 0.95)),
        "noise": float(r.uniform(1.2, 5.0)),
        "vignette": float(r.uniform(0.0, 0.4)),
        "jpeg": None if r.random() < 0.25 else int(r.integers(72, 97)),
        "cast": tuple(float(x) for x in 1 + r.normal(0, 0.025, 3)),
        "temp": float(r.uniform(-0.10, 0.10)),
        "lamp_az": float(r.uniform(0, 2 * math.pi)),
        "lamp_el": float(r.uniform(0.55, 1.3)),
        "hot": float(r.uniform(0.03, 0.35)),
        "shadow": float(r.uniform(0.18, 0.6)),
        "fov": (fov_lo, fov_lo * float(r.uniform(1.05, 1.4))),
        "props": props,
        "lot_props": lot_props,
        "layouts": layouts,
        "layout_w": lw,
        "prods": [int(x) for x in r.choice(60, size=int(r.integers(1, 4)), replace=False)],
        "n_sessions": int(r.integers(3, 11)),
        "cc": cc,
        "country": country,
        "header": [_HEADERS[int(x)] for x in r.choice(len(_HEADERS), size=2, replace=False)],
        "fields": [
            _FIELDS[int(x)]
            for x in sorted(r.choice(len(_FIELDS), size=int(r.integers(6, 11)), replace=False))
        ],
        "form_paper": tuple(
            int(v)
            for v in ((250, 250, 246), (236, 242, 250), (240, 250, 240), (250, 238, 240), (252, 248, 226))[
                int(r.integers(5))
            ]
        ),
        "form_mm": ((148, 210), (210, 297), (100, 150), (210, 148))[int(r.integers(4))],
        "ink": ((20, 20, 30), (24, 36, 110), (60, 20, 20))[int(r.integers(3))],
        "stamp": ((40, 60, 170), (160, 40, 60), (100, 40, 140))[int(r.integers(3))],
        "ruler": ((196, 198, 204), (238, 236, 226), (236, 206, 70))[int(r.integers(3))],
        "busy": float(r.uniform(0.4, 2.0)),
    }


def _office_weights() -> np.ndarray:
    w = np.array([_office(o)["busy"] for o in range(_N_REF_OFFICES)])
    return w / w.sum()


# --------------------------------------------------------------------------
# sessions (tripod set-ups)
# --------------------------------------------------------------------------
def _prop_size_mm(office: dict, kind: str, r: np.random.Generator) -> tuple[float, float]:
    if kind == "form":
        w, h = office["form_mm"]
        return float(w), float(h)
    if kind == "label":
        return float(r.uniform(45, 70)), float(r.uniform(25, 40))
    if kind == "ruler":
        return float(r.uniform(150, 310)), float(r.uniform(18, 32))
    if kind == "scale":
        return float(r.uniform(60, 85)), float(r.uniform(95, 125))
    if kind == "card":
        return float(r.uniform(60, 90)), float(r.uniform(40, 60))
    if kind == "loupe":
        d = float(r.uniform(28, 40))
        return d * 2.4, d
    return float(r.uniform(130, 150)), float(r.uniform(9, 12))  # pen


def _session(office: dict, sid: int) -> dict:
    r = _rng("session", office["id"], sid)
    aw, ah = office["aspect"]
    if r.random() < 0.12:
        aw, ah = _ASPECTS[int(r.choice(len(_ASPECTS), p=_ASPECT_P))]
    W = int(office["widths"][int(r.integers(len(office["widths"])))])
    H = round(W * ah / aw)
    if H > 2000:  # portrait frames stay within about 2000 px on their long side
        W = max(640, round(2000 * aw / ah))
        H = round(W * ah / aw)
    soft = float(np.clip(office["soft"] * r.uniform(0.96, 1.04), 0.55, 1.0))
    rw, rh = max(64, round(W * soft)), max(64, round(H * soft))
    pad = max(8, round(0.02 * max(rw, rh)))
    fov = float(r.uniform(*office["fov"]))
    ppm = rw / fov
    aspect_hw = rh / rw
    sess = {
        "office": office["id"],
        "sid": sid,
        "W": W,
        "H": H,
        "rw": rw,
        "rh": rh,
        "pad": pad,
        "ppm": ppm,
        "fov": fov,
        "tex_seed": int(r.integers(1 << 62)),
        "lamp_az": office["lamp_az"] + float(r.normal(0, 0.35)),
        "lamp_el": float(np.clip(office["lamp_el"] + r.normal(0, 0.12), 0.45, 1.4)),
        "hot_xy": (float(r.uniform(0.15, 0.85)), float(r.uniform(0.15, 0.85))),
        "hot_sig": float(r.uniform(0.25, 0.7)),
        "hot": float(office["hot"] * r.uniform(0.7, 1.3)),
        "grad": (float(r.normal(0, 0.08)), float(r.normal(0, 0.08))),
        "temp": office["temp"] + float(r.normal(0, 0.03)),
        "level": float(r.uniform(0.84, 1.0)),
    }
    # surface geometry, normalised (u across width, v across height)
    kind = office["surface"]["kind"]
    geo = {}
    stage = [0.07, 0.07, 0.93, 0.93]
    if kind in ("tray", "cells", "lightbox", "paper"):
        u0 = float(r.uniform(-0.08, 0.10))
        v0 = float(r.uniform(-0.08, 0.10))
        u1 = float(r.uniform(0.90, 1.08))
        v1 = float(r.uniform(0.90, 1.08))
        geo["rect"] = (u0, v0, u1, v1)
        m = 0.04 if kind != "cells" else 0.02
        stage = [max(stage[0], u0 + m), max(stage[1], v0 + m), min(stage[2], u1 - m), min(stage[3], v1 - m)]
    if kind == "paper":
        geo["creases"] = [
            (bool(r.random() < 0.5), float(r.uniform(0.2, 0.8))) for _ in range(office["surface"]["creases"])
        ]
    # props: big ones (form, ruler) take a side, small ones sit in corners
    props = []
    sides = ["left", "right", "top", "bottom"]
    r.shuffle(sides)
    corners = [(0, 0), (1, 0), (0, 1), (1, 1)]
    r.shuffle(corners)
    for kind_p in office["props"]:
        if kind_p in ("form", "ruler") and kind != "cells":
            side = sides.pop()
            w_mm, h_mm = _prop_size_mm(office, kind_p, r)
            if kind_p == "ruler" and side in ("left", "right"):
                ang = 90.0 + float(r.normal(0, 2.5))
            elif kind_p == "ruler":
                ang = float(r.normal(0, 2.5))
            else:
                ang = float(r.normal(0, 4.0))
            vertical = abs(((ang + 45) % 180) - 45) > 45
            ew, eh = (h_mm, w_mm) if vertical else (w_mm, h_mm)
            ewn, ehn = ew / fov, eh / (fov * aspect_hw)
            if side in ("left", "right"):
                depth = min(ewn, float(r.uniform(0.12, 0.26)))
                cu = depth - ewn / 2 if side == "left" else 1 - depth + ewn / 2
                cv = float(r.uniform(0.25, 0.75))
                if side == "left":
                    stage[0] = max(stage[0], depth + 0.03)
                else:
                    stage[2] = min(stage[2], 1 - depth - 0.03)
            else:
                depth = min(ehn, float(r.uniform(0.12, 0.26)))
                cv = depth - ehn / 2 if side == "top" else 1 - depth + ehn / 2
                cu = float(r.uniform(0.25, 0.75))
                if side == "top":
                    stage[1] = max(stage[1], depth + 0.03)
                else:
                    stage[3] = min(stage[3], 1 - depth - 0.03)
            props.append(
                {
                    "kind": kind_p,
                    "u": cu,
                    "v": cv,
                    "w_mm": w_mm,
                    "h_mm": h_mm,
                    "angle": ang,
                    "seed": int(r.integers(1 << 62)),
                }
            )
            if stage[2] - stage[0] < 0.45 or stage[3] - stage[1] < 0.45:
                props.pop()
                stage = [min(stage[0], 0.3), min(stage[1], 0.3), max(stage[2], 0.7), max(stage[3], 0.7)]
        else:
            if not corners:
                continue
            cx, cy = corners.pop()
            w_mm, h_mm = _prop_size_mm(office, kind_p, r)
            ang = float(r.normal(0, 12.0))
            wn, hn = w_mm / fov, h_mm / (fov * aspect_hw)
            # partly out of the frame: 30..90 % of the prop shows
            fu, fv = r.uniform(0.3, 0.9, 2)
            cu = (wn * (fu - 0.5)) if cx == 0 else 1 - wn * (fu - 0.5)
            cv = (hn * (fv - 0.5)) if cy == 0 else 1 - hn * (fv - 0.5)
            props.append(
                {
                    "kind": kind_p,
                    "u": float(cu),
                    "v": float(cv),
                    "w_mm": w_mm,
                    "h_mm": h_mm,
                    "angle": ang,
                    "seed": int(r.integers(1 << 62)),
                }
            )
    sess["props"] = props
    sess["geo"] = geo
    sess["stage"] = tuple(stage)
    if kind == "cells":
        sp = office["surface"]
        u0, v0, u1, v1 = geo["rect"]
        geo["cells"] = (sp["rows"], sp["cols"])
    return sess


# --------------------------------------------------------------------------
# lots and stones
# --------------------------------------------------------------------------
def _count_for_layout(r: np.random.Generator, layout: str) -> int:
    if layout == "single":
        return 1
    if layout == "sparse":
        return int(r.integers(1, 7))
    lo, hi = {
        "line": (3, 20),
        "ring": (6, 48),
        "grid": (4, 96),
        "rows": (5, 160),
        "groups": (10, 300),
        "scatter": (2, 300),
        "pile": (15, 300),
        "cells": (6, 60),
    }[layout]
    return round(math.exp(r.uniform(math.log(lo), math.log(hi))))


def _lot_head(
    r: np.random.Generator,
    office: dict,
    prod: int | None = None,
    layout: str | None = None,
    count: int | None = None,
    size_mm: float | None = None,
    size_sig: float | None = None,
) -> dict:
    if prod is None:
        prod = int(office["prods"][int(r.integers(len(office["prods"])))])
    P = _production(prod)
    if layout is None:
        layout = str(office["layouts"][int(r.choice(len(office["layouts"]), p=office["layout_w"]))])
    if count is None:
        count = _count_for_layout(r, layout)
    if layout == "single":
        count = 1
    if size_mm is None:
        size_mm = (
            P["size_mm"] * math.exp(r.normal(0, 0.3)) * min(1.6, max(0.45, (25 / max(1, count)) ** 0.18))
        )
        if layout == "sparse":
            size_mm = float(r.uniform(1.2, 3.5))
    if size_sig is None:
        size_sig = P["size_sig"] * (0.35 if layout in ("grid", "cells", "rows") and r.random() < 0.5 else 1.0)
    y = int(r.integers(1998, 2026))
    return {
        "prod": prod,
        "layout": layout,
        "count": int(count),
        "size_mm": float(size_mm),
        "size_sig": float(size_sig),
        "seed": int(r.integers(1 << 62)),
        "lot_no": f"{office['cc']}-{y % 100:02d}-{int(r.integers(100, 99999)):05d}",
        "cert": f"{office['cc']}{int(r.integers(0, 10**7)):07d}",
        "date": f"{y}-{int(r.integers(1, 13)):02d}-{int(r.integers(1, 29)):02d}",
        "exporter": f"{_SYL_A[int(r.integers(len(_SYL_A)))]}{_SYL_B[int(r.integers(len(_SYL_B)))]} "
        f"{_FIRM[int(r.integers(len(_FIRM)))]}",
        "usd_ct": float(math.exp(r.uniform(math.log(15), math.log(900)))),
    }


def _stone_props(r: np.random.Generator, P: dict, n: int, size_mm: float, size_sig: float):
    d = size_mm * np.exp(r.normal(0, size_sig, n))
    ci = r.choice(len(P["colours"]), size=n, p=P["colour_w"])
    hi = r.choice(len(P["habits"]), size=n, p=P["habit_w"])
    rot = r.uniform(0, 2 * math.pi, n)
    el = 1 + np.abs(r.normal(0, 0.14, n))
    jit = r.normal(0, 0.05, (n, 3))
    tr = r.uniform(0.7, 1.1, n)
    gl = np.clip(P["glass"] + r.normal(0, 0.15, n), 0, 1)
    gs = r.integers(0, 1 << 62, n)
    out = []
    for k in range(n):
        name = P["colours"][int(ci[k])]
        base, trans = _COLOURS[name]
        col = tuple(min(255.0, max(0.0, base[c] * (1 + P["tint"][c] + float(jit[k, c])))) for c in range(3))
        habit = P["habits"][int(hi[k])]
        e = float(el[k])
        if habit == "fragment":
            e = 1.5 + e * 0.6
        out.append(
            {
                "d_mm": float(d[k]),
                "habit": habit,
                "rot": float(rot[k]),
                "el": e,
                "col": col,
                "tr": min(0.95, max(0.0, trans * float(tr[k]) * P["clarity"])),
                "gl": float(gl[k]),
                "gs": int(gs[k]),
                "rounded": P["rounded"],
            }
        )
    return out


class _Hash:
    def __init__(self, cell: float):
        self.cell = max(2.0, cell)
        self.d: dict[tuple[int, int], list] = {}

    def ok(self, x, y, R, gap):
        c = self.cell
        k = int((R + gap) / c) + 2
        ix, iy = int(x / c), int(y / c)
        for i in range(ix - k, ix + k + 1):
            for j in range(iy - k, iy + k + 1):
                for a, b, s in self.d.get((i, j), ()):
                    if (a - x) ** 2 + (b - y) ** 2 < (s + R + gap) ** 2:
                        return False
        return True

    def add(self, x, y, R):
        self.d.setdefault((int(x / self.cell), int(y / self.cell)), []).append((x, y, R))


def _layout(r: np.random.Generator, layout: str, radii: list[float], box, excl, cells=None):
    """Positions (x, y) for each radius (None when it could not be placed)."""
    x0, y0, x1, y1 = box
    bw, bh = x1 - x0, y1 - y0
    n = len(radii)
    pos: list = [None] * n
    max(radii) if radii else 1

    def free(x, y, R):
        return all(not (a0 - R < x < a1 + R and b0 - R < y < b1 + R) for a0, b0, a1, b1 in excl)

    if layout in ("scatter", "sparse"):
        h = _Hash(2 * float(np.median(radii)) + 2)
        order = sorted(range(n), key=lambda k: -radii[k])
        for k in order:
            R = radii[k]
            gap = R * (0.25 if layout == "scatter" else 2.0) + 1
            for _ in range(40):
                x = r.uniform(x0 + R, max(x0 + R + 1, x1 - R))
                y = r.uniform(y0 + R, max(y0 + R + 1, y1 - R))
                if free(x, y, R) and h.ok(x, y, R, gap):
                    h.add(x, y, R)
                    pos[k] = (float(x), float(y))
                    break
        return pos
    if layout == "single":
        return [
            (float(x0 + bw * r.uniform(0.35, 0.65)), float(y0 + bh * r.uniform(0.35, 0.65))) for _ in radii
        ]
    if layout in ("pile", "groups"):
        if layout == "pile":
            centres = [(x0 + bw * r.uniform(0.3, 0.7), y0 + bh * r.uniform(0.3, 0.7))]
            groups = [list(range(n))]
            if n > 60 and r.random() < 0.4:
                centres.append((x0 + bw * r.uniform(0.2, 0.8), y0 + bh * r.uniform(0.2, 0.8)))
                groups = [list(range(0, n, 2)), list(range(1, n, 2))]
        else:
            g = int(min(n, r.integers(2, 7)))
            order = sorted(range(n), key=lambda k: radii[k])
            groups = [order[i::1][int(i * n / g) : int((i + 1) * n / g)] for i in range(g)]
            groups = [order[int(i * n / g) : int((i + 1) * n / g)] for i in range(g)]
            cols = math.ceil(math.sqrt(g * bw / max(bh, 1)))
            rows = math.ceil(g / cols)
            centres = []
            for i in range(g):
                cx = x0 + bw * (i % cols + 0.5) / cols + r.normal(0, bw * 0.03)
                cy = y0 + bh * (i // cols + 0.5) / rows + r.normal(0, bh * 0.03)
                centres.append((cx, cy))
        for (cx, cy), grp in zip(centres, groups, strict=False):
            if not grp:
                continue
            mr = float(np.mean([radii[k] for k in grp]))
            sig = mr * (0.75 * math.sqrt(len(grp)) + 0.5)
            for k in grp:
                for _ in range(8):
                    x = cx + r.normal(0, sig)
                    y = cy + r.normal(0, sig * r.uniform(0.7, 1.0))
                    if x0 < x < x1 and y0 < y < y1 and free(x, y, radii[k]):
                        pos[k] = (float(x), float(y))
                        break
        return pos
    if layout == "rows":
        # rows of stones (sorted by size or not), arranged then fitted to the stage;
        # radii are scaled in place with the arrangement
        order = sorted(range(n), key=lambda k: -radii[k]) if r.random() < 0.6 else list(range(n))
        gap = float(r.uniform(0.4, 1.2))
        row_w = bw * float(r.uniform(0.55, 0.95))
        rel = {}
        y, i, hb, wb = 0.0, 0, 0.0, 0.0
        while i < n:
            x, rowmax = 0.0, 0.0
            first = True
            while i < n:
                R = radii[order[i]]
                if not first and x + 2 * R > row_w:
                    break
                rel[order[i]] = (x + R, R)
                rowmax = max(rowmax, R)
                x += 2 * R + gap * R + 1
                i += 1
                first = False
            for k, v in list(rel.items()):
                if len(v) == 2:
                    rel[k] = (v[0], y + rowmax, v[1], True)
            wb = max(wb, x)
            y += 2 * rowmax * (1 + gap * 0.5) + 1
        hb = y
        sc = min(bw / max(wb, 1), bh * float(r.uniform(0.45, 0.85)) / max(hb, 1))
        sc = min(2.5, sc)
        ox = x0 + (bw - wb * sc) * float(r.uniform(0.3, 0.7))
        oy = y0 + (bh - hb * sc) * float(r.uniform(0.3, 0.7))
        for k, (xx, yy, R, _) in rel.items():
            R2 = R * sc
            radii[k] = R2
            x, y = ox + xx * sc, oy + yy * sc
            if free(x, y, R2):
                pos[k] = (float(x + r.normal(0, R2 * 0.12)), float(y + r.normal(0, R2 * 0.15)))
        return pos
    if layout in ("grid", "cells"):
        if cells is not None:
            slots = cells
        else:
            cols = max(1, round(math.sqrt(n * bw / max(bh, 1))))
            rows = math.ceil(n / cols)
            fit = min(bw / cols, bh / rows)
            med = float(np.median(radii))
            want = 2 * med * float(r.uniform(1.8, 3.5))
            pitch = min(fit, max(want, fit * float(r.uniform(0.45, 0.8))))
            sc = min(2.5, max(0.4, pitch / want))
            radii[:] = [min(R * sc, 0.4 * pitch) for R in radii]
            gx0 = x0 + (bw - pitch * cols) * float(r.uniform(0.3, 0.7))
            gy0 = y0 + (bh - pitch * rows) * float(r.uniform(0.3, 0.7))
            slots = [
                (gx0 + pitch * (c + 0.5), gy0 + pitch * (rr + 0.5), pitch)
                for rr in range(rows)
                for c in range(cols)
            ]
        idx = list(range(len(slots)))
        if cells is not None:
            r.shuffle(idx)
        for k in range(min(n, len(slots))):
            sx, sy, pitch = slots[idx[k]]
            R = radii[k]
            j = max(0.0, pitch / 2 - R) * 0.35
            x, y = sx + r.uniform(-j, j), sy + r.uniform(-j, j)
            if free(x, y, R):
                pos[k] = (float(x), float(y))
        return pos
    if layout == "ring":
        cx, cy = x0 + bw / 2, y0 + bh / 2
        rad = min(bw, bh) * r.uniform(0.28, 0.42)
        a0 = r.uniform(0, 2 * math.pi)
        med = float(np.median(radii))
        spacing = 2 * math.pi * rad / max(1, n)
        if spacing > 10 * med:
            sc = min(2.5, spacing / (10 * med))
            radii[:] = [R * sc for R in radii]
        for k in range(n):
            a = a0 + 2 * math.pi * k / n + r.normal(0, 0.02)
            x, y = cx + rad * math.cos(a), cy + rad * math.sin(a)
            if free(x, y, radii[k]):
                pos[k] = (float(x), float(y))
        return pos
    # line
    horizontal = bw >= bh
    t0 = r.uniform(0.3, 0.7)
    span = bw if horizontal else bh
    med = float(np.median(radii))
    step = min(span * 0.85 / max(1, n), 2 * med * float(r.uniform(1.4, 3.0)))
    if n * step < 0.35 * span:
        sc = min(2.5, 0.35 * span / (n * step))
        radii[:] = [R * sc for R in radii]
        step *= sc
    start = (x0 if horizontal else y0) + (span - n * step) * float(r.uniform(0.3, 0.7)) + step / 2
    for k in range(n):
        t = start + k * step
        x, y = (t, y0 + bh * t0) if horizontal else (x0 + bw * t0, t)
        if free(x, y, radii[k]):
            pos[k] = (float(x), float(y))
    return pos


def _cell_slots(sess: dict, office: dict):
    rows, cols = sess["geo"]["cells"]
    u0, v0, u1, v1 = sess["geo"]["rect"]
    pad, rw, rh = sess["pad"], sess["rw"], sess["rh"]
    X0, Y0 = pad + u0 * rw, pad + v0 * rh
    X1, Y1 = pad + u1 * rw, pad + v1 * rh
    cw, ch = (X1 - X0) / cols, (Y1 - Y0) / rows
    return [
        (X0 + cw * (c + 0.5), Y0 + ch * (rr + 0.5), min(cw, ch) * 0.82)
        for rr in range(rows)
        for c in range(cols)
    ], (cw, ch)


def _prop_boxes(sess: dict, margin: float = 4.0):
    pad, rw, rh, ppm = sess["pad"], sess["rw"], sess["rh"], sess["ppm"]
    out = []
    for p in sess["props"]:
        a = math.radians(p["angle"])
        w, h = p["w_mm"] * ppm, p["h_mm"] * ppm
        ew = abs(w * math.cos(a)) + abs(h * math.sin(a))
        eh = abs(w * math.sin(a)) + abs(h * math.cos(a))
        cx, cy = pad + p["u"] * rw, pad + p["v"] * rh
        out.append((cx - ew / 2 - margin, cy - eh / 2 - margin, cx + ew / 2 + margin, cy + eh / 2 + margin))
    return out


def _make_stones(sess: dict, office: dict, lot: dict, positions=None) -> list[dict]:
    """Stones of a lot placed on a session's stage (render-canvas pixels)."""
    r = _rng("stones", lot["seed"])
    P = _production(lot["prod"])
    ppm = sess["ppm"]
    n = lot["count"] if positions is None else len(positions)
    stones = _stone_props(r, P, n, lot["size_mm"], lot["size_sig"])
    pad, rw, rh = sess["pad"], sess["rw"], sess["rh"]
    su0, sv0, su1, sv1 = sess["stage"]
    box = (pad + su0 * rw, pad + sv0 * rh, pad + su1 * rw, pad + sv1 * rh)
    cells = None
    layout = lot["layout"]
    if office["surface"]["kind"] == "cells":
        cells, (cw, ch) = _cell_slots(sess, office)
        layout = "cells"
        cap = min(cw, ch) * 0.36
    radii = [max(1.4, s["d_mm"] * ppm / 2) for s in stones]
    if layout in ("cells", "grid") and positions is None and cells is not None:
        # cell trays hold larger stones, one per cell, sized to the cells
        med = float(np.median(radii))
        k_lot = cap * float(r.uniform(0.4, 0.8))
        radii = [min(cap, max(2.5, k_lot * math.sqrt(R / med))) for R in radii]
    # keep the lot physically plausible on its stage
    area = (box[2] - box[0]) * (box[3] - box[1])
    if positions is None and layout in ("scatter", "rows", "line", "ring", "groups", "sparse"):
        lim = {"scatter": 0.22, "rows": 0.3, "line": 0.2, "ring": 0.15, "groups": 0.35, "sparse": 0.03}[
            layout
        ]
        if layout == "line":
            frac = sum(2 * R for R in radii) / (0.85 * max(box[2] - box[0], box[3] - box[1]))
            lim = 0.7
        elif layout == "ring":
            frac = sum(2.3 * R for R in radii) / (2 * math.pi * 0.35 * min(box[2] - box[0], box[3] - box[1]))
            lim = 1.0
        else:
            frac = sum(math.pi * R * R for R in radii) / area
        if frac > lim:
            k = math.sqrt(lim / frac) if layout not in ("line", "ring") else lim / frac
            radii = [max(1.4, R * k) for R in radii]
    # a documentation photo shows its stones: no lot is only a few specks of dust
    med = float(np.median(radii)) if radii else 3.0
    floor = 4.0 if layout in ("sparse", "single", "line", "ring") else 2.4
    if med < floor:
        radii = [R * floor / med for R in radii]
    if positions is None:
        pos = _layout(r, layout, radii, box, _prop_boxes(sess), cells)
    else:
        pos = positions
        radii = [min(R, p[2]) if len(p) > 2 else R for R, p in zip(radii, positions, strict=False)]
    out = []
    for s, R, p in zip(stones, radii, pos, strict=False):
        if p is None:
            continue
        s = dict(s)
        s["x"], s["y"], s["R"] = p[0], p[1], R
        out.append(s)
    if not out and stones:
        s = dict(stones[0])
        s["x"], s["y"], s["R"] = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2, radii[0]
        out.append(s)
    if layout == "pile":
        r.shuffle(out)
    return out


# --------------------------------------------------------------------------
# rendering: surfaces
# --------------------------------------------------------------------------
def _noise_f(
    r: np.random.Generator, w: int, h: int, cx: float, cy: float | None = None, resample=Image.BILINEAR
) -> np.ndarray:
    """Gaussian noise of unit variance with features of about cx by cy pixels."""
    cy = cx if cy is None else cy
    if cx <= 1.0 and cy <= 1.0:
        return r.standard_normal((h, w), dtype=np.float32)
    gw, gh = max(2, int(w / cx) + 2), max(2, int(h / cy) + 2)
    a = r.standard_normal((gh, gw), dtype=np.float32)
    return np.asarray(Image.fromarray(a, "F").resize((w, h), resample))


def _surface(
    office: dict, sess: dict, cw: int, ch: int, shadow: np.ndarray | None, defocus: bool = False
) -> Image.Image:
    sp = office["surface"]
    kind = sp["kind"]
    r = _rng("texture", sess["tex_seed"])
    ppm = sess["ppm"]
    pad, rw, rh = sess["pad"], sess["rw"], sess["rh"]
    if defocus:
        # depth of field: texture drawn small and enlarged
        small = dict(sess)
        f = 4
        small.update(ppm=ppm / f, pad=pad // f, rw=max(16, rw // f), rh=max(16, rh // f))
        img = _surface(office, small, max(16, cw // f), max(16, ch // f), None)
        img = img.resize((cw, ch), Image.BICUBIC).filter(ImageFilter.BoxBlur(2))
        if shadow is not None:
            sl = Image.fromarray(np.clip(shadow * 255, 0, 255).astype(np.uint8))
            img = ImageChops.multiply(img, Image.merge("RGB", (sl, sl, sl)))
        return img
    base = Image.new("RGB", (cw, ch), sp.get("colour", (128, 128, 128)))
    d = ImageDraw.Draw(base)

    def rect_px(rc):
        u0, v0, u1, v1 = rc
        return (pad + u0 * rw, pad + v0 * rh, pad + u1 * rw, pad + v1 * rh)

    # low frequencies are summed on a quarter-size grid and enlarged once
    lw, lh = cw // 4 + 1, ch // 4 + 1
    base_amp = {
        "felt": 0.04,
        "velvet": 0.03,
        "sieve": 0.03,
        "cloth": 0.03,
        "leather": 0.04,
        "grid": 0.02,
        "paper": 0.012,
        "lightbox": 0.008,
        "tray": 0.015,
        "cells": 0.015,
    }[kind]
    low = base_amp * _noise_f(r, lw, lh, (60 * ppm / 4 + 8) / 4)
    fine = None
    if kind == "felt":
        low += sp["mottle"] * _noise_f(r, lw, lh, max(1.5, 3 * ppm))
        fine = sp["fibre"] * _noise_f(r, cw, ch, 1.0)
        fine += 0.5 * sp["fibre"] * _noise_f(r, cw, ch, 4.0, 1.5)
    elif kind == "velvet":
        low += sp["sheen"] * _noise_f(r, lw, lh, max(lw, lh) / 2.5)
        low += 0.3 * sp["sheen"] * _noise_f(r, lw, lh, max(2, 6 * ppm), max(2, 2 * ppm))
        fine = sp["fibre"] * _noise_f(r, cw, ch, 1.0)
    elif kind == "sieve":
        fine = sp["brush"] * _noise_f(r, cw, ch, 40.0, 1.3)
    elif kind == "cloth":
        fine = 0.03 * _noise_f(r, cw, ch, 1.0)
    elif kind == "leather":
        low += 0.05 * _noise_f(r, lw, lh, max(2.5, 7 * ppm))
        g = _noise_f(r, cw, ch, max(1.5, 0.8 * ppm))
        fine = sp["grain"] * (np.abs(g) - 0.8)
    else:
        fine = 0.015 * _noise_f(r, cw, ch, 1.0)
    t = np.asarray(Image.fromarray(low.astype(np.float32), "F").resize((cw, ch), Image.BILINEAR))
    t = t + np.float32(1.0)
    if fine is not None:
        t += fine
    if kind == "sieve":
        p = max(3, round(sp["pitch_mm"] * ppm))
        hole_r = p * sp["hole"] / 2
        tile_h = 2 * p if sp["hex"] else p
        yy, xx = np.mgrid[0:tile_h, 0:p].astype(np.float32) + 0.5
        dist = np.hypot(xx - p / 2, (yy % p) - p / 2)
        if sp["hex"]:
            odd = yy >= p
            xs = (xx + p / 2) % p
            dist = np.where(odd, np.hypot(xs - p / 2, (yy - p) - p / 2), dist)
        hole = np.clip(hole_r + 0.5 - dist, 0, 1)
        rim = np.clip(1 - np.abs(dist - hole_r - 0.8) / 1.2, 0, 1) * 0.12
        tile = (1 - 0.78 * hole + rim).astype(np.float32)
        ox, oy = int(r.integers(p)), int(r.integers(tile_h))
        reps = (ch // tile_h + 2, cw // p + 2)
        t *= np.tile(tile, reps)[oy : oy + ch, ox : ox + cw]
    elif kind == "cloth":
        p = max(2.2, sp["weave_mm"] * ppm)
        x = np.arange(cw, dtype=np.float32)
        y = np.arange(ch, dtype=np.float32)
        ph = r.uniform(0, 6.3, 2)
        wx = np.sin(2 * np.pi * x / p + ph[0]).astype(np.float32)
        wy = np.sin(2 * np.pi * y / p + ph[1]).astype(np.float32)
        slub_x = (r.standard_normal(cw) * 0.5).astype(np.float32)
        slub_y = (r.standard_normal(ch) * 0.5).astype(np.float32)
        t += np.float32(sp["weave"]) * (wy[:, None] * wx[None, :] + 0.4 * (slub_x[None, :] + slub_y[:, None]))
    if kind in ("tray", "cells", "lightbox", "paper"):
        X0, Y0, X1, Y1 = rect_px(sess["geo"]["rect"])
        full = Image.new("RGB", (cw, ch), sp["desk"])
        fd = ImageDraw.Draw(full)
        col = sp["colour"]
        if kind == "tray":
            rim = sp["rim_mm"] * ppm
            fd.rectangle((X0 - rim, Y0 - rim, X1 + rim, Y1 + rim), fill=_rgb(col, 1.15, (10, 10, 10)))
            fd.rectangle(
                (X0 - rim * 0.5, Y0 - rim * 0.5, X1 + rim * 0.5, Y1 + rim * 0.5), fill=_rgb(col, 0.85)
            )
            fd.rectangle((X0, Y0, X1, Y1), fill=col)
        elif kind == "lightbox":
            fw = max(6, 12 * ppm)
            fd.rectangle((X0 - fw, Y0 - fw, X1 + fw, Y1 + fw), fill=sp["frame"])
            fd.rectangle((X0, Y0, X1, Y1), fill=col)
        elif kind == "paper":
            fd.rectangle((X0 + 3, Y0 + 3, X1 + 3, Y1 + 3), fill=_rgb(sp["desk"], 0.7))
            fd.rectangle((X0, Y0, X1, Y1), fill=col)
            for vert, pos in sess["geo"].get("creases", ()):
                if vert:
                    x = X0 + (X1 - X0) * pos
                    fd.line((x, Y0, x, Y1), fill=_rgb(col, 0.9), width=2)
                    fd.line((x + 2, Y0, x + 2, Y1), fill=_rgb(col, 1.03), width=2)
                else:
                    y = Y0 + (Y1 - Y0) * pos
                    fd.line((X0, y, X1, y), fill=_rgb(col, 0.9), width=2)
                    fd.line((X0, y + 2, X1, y + 2), fill=_rgb(col, 1.03), width=2)
        else:  # cells tray
            rows, cols = sess["geo"]["cells"]
            wall = sp["wall"]
            rim = max(4, 6 * ppm)
            fd.rectangle((X0 - rim, Y0 - rim, X1 + rim, Y1 + rim), fill=wall)
            cwp, chp = (X1 - X0) / cols, (Y1 - Y0) / rows
            wt = max(2, 1.6 * ppm)
            for rr in range(rows):
                for c in range(cols):
                    a0, b0 = X0 + c * cwp + wt / 2, Y0 + rr * chp + wt / 2
                    a1, b1 = a0 + cwp - wt, b0 + chp - wt
                    fd.rounded_rectangle((a0, b0, a1, b1), radius=max(2, 3 * ppm), fill=_rgb(col, 0.82))
                    fd.rounded_rectangle(
                        (a0 + wt * 0.6, b0 + wt * 0.6, a1, b1), radius=max(2, 3 * ppm), fill=col
                    )
        base = full
        d = ImageDraw.Draw(base)
    if kind == "grid":
        p = sp["pitch_mm"] * ppm
        ox, oy = r.uniform(0, p), r.uniform(0, p)
        minor = sp.get("minor", False) and p / 5 >= 3.5
        lc = sp["line"]
        mc = _mix(sp["colour"], lc, 0.45)
        if minor:
            k = 0
            x = ox - p
            while x < cw:
                if k % 5:
                    d.line((x, 0, x, ch), fill=_rgb(mc), width=1)
                x += p / 5
                k += 1
            k = 0
            y = oy - p
            while y < ch:
                if k % 5:
                    d.line((0, y, cw, y), fill=_rgb(mc), width=1)
                y += p / 5
                k += 1
        lw = max(1, round(0.3 * ppm))
        x, k = ox, 0
        while x < cw:
            d.line((x, 0, x, ch), fill=lc, width=lw + (1 if k % 5 == 0 else 0))
            x += p
            k += 1
        y, k = oy, 0
        while y < ch:
            d.line((0, y, cw, y), fill=lc, width=lw + (1 if k % 5 == 0 else 0))
            y += p
            k += 1
    if shadow is not None:
        t *= shadow
    # base * t, with t coded as 0..255 for 0..2 (multiply, then double)
    t *= np.float32(127.5)
    np.clip(t, 0, 255, out=t)
    tl = Image.fromarray(t.astype(np.uint8))
    half = ImageChops.multiply(base, Image.merge("RGB", (tl, tl, tl)))
    img = ImageChops.add(half, half)
    # lint and dust belong to the surface as laid for the session
    d = ImageDraw.Draw(img)
    rr = _pyr(r)
    light = sum(sp.get("colour", (128,) * 3)) < 360
    n_dust = int(rr.uniform(5, 40) * cw * ch / 1e6) + 3
    for _ in range(n_dust):
        x, y = rr.uniform(0, cw), rr.uniform(0, ch)
        s = rr.uniform(0.6, 2.2)
        c = (215, 215, 210) if light else (70, 66, 60)
        if kind == "lightbox":
            c = (150, 150, 150)
        if rr.random() < 0.25:
            a = rr.uniform(0, 6.28)
            ln = rr.uniform(4, 14)
            d.line((x, y, x + ln * math.cos(a), y + ln * math.sin(a)), fill=c, width=1)
        else:
            d.ellipse((x - s, y - s, x + s, y + s), fill=c)
    return img


# --------------------------------------------------------------------------
# rendering: props
# --------------------------------------------------------------------------
def _text(d: ImageDraw.ImageDraw, xy, s: str, size: float, fill, bar_scale: float = 0.55):
    if size < 6:
        # too small to read: print looks like a grey bar
        w = len(s) * size * bar_scale
        d.rectangle(
            (xy[0], xy[1] + size * 0.25, xy[0] + w, xy[1] + size * 0.75),
            fill=_rgb(_mix(fill, (200, 200, 200), 0.45)) + tuple(fill[3:]),
        )
        return
    d.text(xy, s, font=_font_px(size), fill=fill)


def _form_patch(
    office: dict, lot: dict, stones_n: int, carats: float, w: int, h: int, rr: random.Random
) -> Image.Image:
    paper = office["form_paper"]
    im = Image.new("RGBA", (w, h), (*paper, 255))
    d = ImageDraw.Draw(im)
    ink = office["ink"]
    m = w * 0.07
    fs = w / 26
    y = m
    for line in office["header"]:
        _text(d, (m, y), line, fs * 1.05, ink)
        y += fs * 1.6
    _text(
        d,
        (m, y),
        f"{office['country'].upper()}  -  OFFICE {office['cc']}/{office['id'] % 97:02d}",
        fs * 0.8,
        ink,
    )
    y += fs * 2.0
    d.line((m, y, w - m, y), fill=ink, width=max(1, int(w / 300)))
    y += fs * 0.8
    seed = lot["seed"]
    vals = {
        "Certificate No.": lot["cert"],
        "Lot / Parcel": lot["lot_no"],
        "Number of stones": str(stones_n),
        "Carat weight": f"{carats:.2f} ct",
        "Value (USD)": f"{carats * lot['usd_ct']:,.2f}",
        "HS code": "7102.10" if lot["prod"] % 3 == 0 else ("7102.21" if lot["prod"] % 3 == 1 else "7102.31"),
        "Country of origin": office["country"],
        "Exporter": lot["exporter"],
        "Importer": f"{_SYL_A[seed % 20]}{_SYL_B[(seed >> 8) % 12]} {_FIRM[(seed >> 16) % 10]}",
        "Date": lot["date"],
        "Inspector": f"{chr(65 + seed % 26)}. {_SYL_A[(seed >> 4) % 20]}{_SYL_B[(seed >> 12) % 12]}",
        "Seal No.": f"S{(lot['seed'] >> 20) % 10**6:06d}",
        "Box": str((lot["seed"] >> 30) % 40 + 1),
        "Sieve class": f"+{(lot['seed'] >> 33) % 19 + 1} -{(lot['seed'] >> 33) % 19 + 3}",
        "Remarks": ("sealed, verified", "re-weighed", "no remarks", "mixed goods", "see annex")[
            (lot["seed"] >> 40) % 5
        ],
    }
    rowh = fs * 1.7
    colx = m + (w - 2 * m) * 0.45
    for f in office["fields"]:
        if y + rowh > h - m * 2.5:
            break
        d.rectangle((m, y, w - m, y + rowh), outline=_rgb(_mix(ink, paper, 0.4)), width=1)
        d.line((colx, y, colx, y + rowh), fill=_rgb(_mix(ink, paper, 0.4)), width=1)
        _text(d, (m + fs * 0.3, y + fs * 0.35), f, fs * 0.82, ink)
        _text(d, (colx + fs * 0.4, y + fs * 0.3), vals[f], fs * 0.95, (30, 30, 60))
        y += rowh
    # stamp and signature
    sc = office["stamp"]
    cx, cy = w * rr.uniform(0.55, 0.8), min(h - m * 2, y + fs * 4)
    R = w * rr.uniform(0.09, 0.13)
    stamp = (*sc, 150)
    d.ellipse((cx - R, cy - R, cx + R, cy + R), outline=stamp, width=max(1, int(R / 10)))
    d.ellipse(
        (cx - R * 0.7, cy - R * 0.7, cx + R * 0.7, cy + R * 0.7), outline=stamp, width=max(1, int(R / 18))
    )
    _text(d, (cx - R * 0.55, cy - fs * 0.45), office["cc"] + " KP", fs * 0.85, stamp)
    pts = []
    sx, sy = m + w * 0.05, cy + rr.uniform(-fs, fs)
    for k in range(14):
        pts.append((sx + k * w * 0.02, sy + math.sin(k * rr.uniform(0.8, 2.2)) * fs * rr.uniform(0.3, 1.0)))
    d.line(pts, fill=(20, 30, 120, 255), width=max(1, int(w / 250)))
    return im


def _label_patch(office: dict, lot: dict, w: int, h: int, rr: random.Random, carats: float) -> Image.Image:
    col = ((250, 250, 245), (238, 214, 160), (250, 240, 150), (220, 235, 250))[lot["seed"] % 4]
    im = Image.new("RGBA", (w, h), (*col, 255))
    d = ImageDraw.Draw(im)
    fs = h / 6
    _text(d, (w * 0.06, h * 0.06), lot["lot_no"], fs * 1.2, (20, 20, 20))
    _text(d, (w * 0.06, h * 0.06 + fs * 1.5), f"{carats:.2f} ct  {lot['date']}", fs, (40, 40, 40))
    x = w * 0.06
    bw = max(1.0, w / 140)
    while x < w * 0.94:
        k = rr.choice((1, 1, 2, 3))
        d.rectangle((int(x), h * 0.55, int(x) + max(0, int(bw * k) - 1), h * 0.9), fill=(10, 10, 10))
        x += bw * (k + rr.choice((1, 2, 3)))
    d.ellipse((w * 0.9, h * 0.08, w * 0.96, h * 0.08 + w * 0.06), fill=(120, 120, 120, 255))
    return im


def _ruler_patch(office: dict, w: int, h: int, ppm: float) -> Image.Image:
    col = office["ruler"]
    im = Image.new("RGBA", (w, h), (*col, 255))
    d = ImageDraw.Draw(im)
    ink = (25, 25, 25) if sum(col) > 400 else (235, 235, 235)
    d.rectangle((0, 0, w - 1, h - 1), outline=_rgb(col, 0.75))
    step = 1 if ppm >= 2.2 else 5
    mm = 0
    while mm * ppm < w - 2:
        x = 4 + mm * ppm
        L = h * (0.45 if mm % 10 == 0 else 0.3 if mm % 5 == 0 else 0.18)
        d.line((x, 0, x, L), fill=ink, width=1)
        if mm % 10 == 0 and mm > 0:
            _text(d, (x - h * 0.12, h * 0.5), str(mm // 10), h * 0.3, ink)
        mm += step
    return im


def _scale_patch(w: int, h: int, carats: float, rr: random.Random) -> Image.Image:
    body = ((36, 36, 40), (190, 192, 196), (20, 20, 22), (60, 70, 90))[rr.randrange(4)]
    im = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    d.rounded_rectangle((0, 0, w - 1, h - 1), radius=w * 0.08, fill=(*body, 255))
    d.rectangle((w * 0.12, h * 0.08, w * 0.88, h * 0.3), fill=(150, 170, 140, 255))
    _text(d, (w * 0.16, h * 0.1), f"{carats:7.3f}", h * 0.14, (20, 30, 20))
    _text(d, (w * 0.7, h * 0.2), "ct", h * 0.07, (20, 30, 20))
    d.ellipse((w * 0.2, h * 0.36, w * 0.8, h * 0.36 + w * 0.6), fill=(*_rgb(body, 1.0, (40, 40, 40)), 255))
    for k in range(2):
        bx = w * (0.25 + 0.35 * k)
        d.ellipse((bx, h * 0.85, bx + w * 0.15, h * 0.85 + w * 0.1), fill=(200, 200, 200, 255))
    return im


def _card_patch(w: int, h: int, rr: random.Random) -> Image.Image:
    im = Image.new("RGBA", (w, h), (25, 25, 25, 255))
    d = ImageDraw.Draw(im)
    cols, rows = 6, 4
    pw, ph = w / cols, h / rows
    for i in range(rows):
        for j in range(cols):
            if i == rows - 1:
                g = int(245 - j * 45)
                c = (g, g, g)
            else:
                c = tuple(int(x) for x in (rr.uniform(40, 230), rr.uniform(40, 230), rr.uniform(40, 230)))
            d.rectangle(
                (j * pw + pw * 0.1, i * ph + ph * 0.1, (j + 1) * pw - pw * 0.1, (i + 1) * ph - ph * 0.1),
                fill=(*c, 255),
            )
    return im


def _loupe_patch(w: int, h: int) -> Image.Image:
    im = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    R = h / 2
    d.rounded_rectangle((R * 1.6, h * 0.35, w - 1, h * 0.65), radius=h * 0.12, fill=(25, 25, 25, 255))
    d.ellipse((0, 0, 2 * R - 1, 2 * R - 1), fill=(30, 30, 30, 255))
    d.ellipse((R * 0.25, R * 0.25, R * 1.75, R * 1.75), fill=(200, 210, 220, 70))
    d.ellipse((R * 0.5, R * 0.45, R * 0.8, R * 0.7), fill=(255, 255, 255, 150))
    return im


def _pen_patch(w: int, h: int, rr: random.Random) -> Image.Image:
    col = ((20, 40, 140), (20, 20, 20), (180, 30, 30), (200, 200, 205))[rr.randrange(4)]
    im = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    d.rounded_rectangle((0, 0, w * 0.9, h - 1), radius=h / 2, fill=(*col, 255))
    d.polygon([(w * 0.9, 0), (w - 1, h / 2), (w * 0.9, h - 1)], fill=(190, 190, 190, 255))
    d.line(
        (w * 0.08, h * 0.3, w * 0.6, h * 0.3),
        fill=(*_rgb(col, 1.0, (70, 70, 70)), 255),
        width=max(1, int(h / 6)),
    )
    return im


def _bag_patch(w: int, h: int, lot: dict, rr: random.Random) -> Image.Image:
    im = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    d.rectangle(
        (0, 0, w - 1, h - 1),
        fill=(235, 238, 240, int(rr.uniform(28, 60))),
        outline=(230, 230, 235, 140),
        width=max(1, w // 150),
    )
    zh = h * 0.05
    zc = ((200, 40, 40), (40, 60, 200), (40, 160, 60))[rr.randrange(3)]
    d.rectangle((0, zh, w - 1, zh * 1.5), fill=(*zc, 170))
    d.rectangle((0, zh * 1.9, w - 1, zh * 2.3), fill=(245, 245, 245, 150))
    for _ in range(3):
        x = rr.uniform(0.1, 0.8) * w
        d.polygon(
            [(x, h * 0.15), (x + w * 0.08, h * 0.15), (x + w * 0.25, h * 0.95), (x + w * 0.17, h * 0.95)],
            fill=(255, 255, 255, int(rr.uniform(20, 55))),
        )
    fs = min(h * 0.06, w * 0.07)
    d.rectangle((w * 0.1, h * 0.72, w * 0.1 + fs * 8, h * 0.72 + fs * 2.8), fill=(250, 250, 250, 200))
    _text(d, (w * 0.12, h * 0.72 + fs * 0.3), lot["lot_no"], fs, (20, 20, 70, 230))
    _text(d, (w * 0.12, h * 0.72 + fs * 1.5), lot["date"], fs * 0.85, (20, 20, 70, 230))
    return im


def _paste(
    canvas: Image.Image,
    patch: Image.Image,
    cx: float,
    cy: float,
    angle: float,
    shadow_d: ImageDraw.ImageDraw | None,
    sh_vec,
    sf: int,
    sh_val: int = 150,
):
    """Paste an RGBA patch centred at (cx, cy) rotated by angle (degrees, ccw)."""
    pw, ph = patch.size
    a = math.radians(angle)
    ca, sa = math.cos(a), math.sin(a)
    # corners on the canvas: PIL's ccw rotation maps (dx, dy) -> (dx ca + dy sa, -dx sa + dy ca)
    corners = []
    for dx, dy in ((-pw / 2, -ph / 2), (pw / 2, -ph / 2), (pw / 2, ph / 2), (-pw / 2, ph / 2)):
        corners.append((cx + dx * ca + dy * sa, cy - dx * sa + dy * ca))
    if shadow_d is not None:
        shadow_d.polygon([((x + sh_vec[0]) / sf, (y + sh_vec[1]) / sf) for x, y in corners], fill=sh_val)
    # keep only the part of the patch that can be visible
    cw, ch = canvas.size
    loc = []
    for X, Y in ((0, 0), (cw, 0), (cw, ch), (0, ch)):
        dx, dy = X - cx, Y - cy
        loc.append((dx * ca - dy * sa + pw / 2, dx * sa + dy * ca + ph / 2))
    lx0 = max(0, int(min(p[0] for p in loc)) - 2)
    ly0 = max(0, int(min(p[1] for p in loc)) - 2)
    lx1 = min(pw, int(max(p[0] for p in loc)) + 3)
    ly1 = min(ph, int(max(p[1] for p in loc)) + 3)
    if lx1 <= lx0 or ly1 <= ly0:
        return
    part = patch.crop((lx0, ly0, lx1, ly1))
    mx, my = (lx0 + lx1) / 2 - pw / 2, (ly0 + ly1) / 2 - ph / 2
    ncx, ncy = cx + mx * ca + my * sa, cy - mx * sa + my * ca
    if abs(angle) > 0.05:
        big = part.width * part.height > 150_000
        part = part.rotate(angle, resample=Image.NEAREST if big else Image.BILINEAR, expand=True)
    x0 = round(ncx - part.width / 2)
    y0 = round(ncy - part.height / 2)
    canvas.paste(part, (x0, y0), part)


# --------------------------------------------------------------------------
# rendering: stones
# --------------------------------------------------------------------------
_RELIEF = {
    "octahedron": 0.85,
    "octa_face": 0.6,
    "dodecahedron": 0.55,
    "macle": 0.25,
    "cube": 0.2,
    "irregular": 0.6,
    "fragment": 0.5,
    "boart": 0.7,
}


def _outline(habit: str, rr: random.Random, rounded: float):
    if habit == "octahedron":
        a0 = [0, 90, 180, 270]
        if rr.random() < 0.5 + 0.4 * rounded:
            t = rr.uniform(8, 20)
            a0 = [a + s for a in a0 for s in (-t, t)]
        ang = [math.radians(a + rr.uniform(-6, 6)) for a in a0]
        rad = [rr.uniform(0.85, 1.0) * (0.93 if len(a0) == 8 else 1) for _ in ang]
    elif habit == "octa_face":
        ang = [math.radians(a + rr.uniform(-7, 7)) for a in range(0, 360, 60)]
        rad = [rr.uniform(0.82, 1.0) for _ in ang]
    elif habit == "dodecahedron":
        k = rr.randint(8, 12)
        ang = [2 * math.pi * i / k + rr.uniform(-0.15, 0.15) for i in range(k)]
        rad = [rr.uniform(0.88, 1.0) for _ in ang]
    elif habit == "macle":
        t = rr.uniform(10, 22)
        ang = [math.radians(a + s + rr.uniform(-4, 4)) for a in (90, 210, 330) for s in (-t, t)]
        rad = [rr.uniform(0.85, 1.0) for _ in ang]
    elif habit == "cube":
        ang = [math.radians(a + rr.uniform(-5, 5)) for a in (45, 135, 225, 315)]
        rad = [rr.uniform(0.9, 1.0) for _ in ang]
    elif habit == "fragment":
        k = rr.randint(4, 6)
        ang = sorted(rr.uniform(0, 2 * math.pi) for _ in range(k))
        rad = [rr.uniform(0.55, 1.0) for _ in ang]
    else:  # irregular / boart pieces
        k = rr.randint(5, 9)
        ang = sorted(rr.uniform(0, 2 * math.pi) for _ in range(k))
        rad = [rr.uniform(0.62, 1.0) for _ in ang]
    return ang, rad


def _draw_stone(
    d: ImageDraw.ImageDraw,
    s: dict,
    env: dict,
    R: float | None = None,
    xy=None,
    habit: str | None = None,
    rr: random.Random | None = None,
):
    x, y = xy if xy is not None else (s["x"], s["y"])
    R = s["R"] if R is None else R
    habit = s["habit"] if habit is None else habit
    rr = random.Random(s["gs"]) if rr is None else rr
    col, tr, gl = s["col"], s["tr"], s["gl"]
    backlit = env["backlit"]
    bg = env["bg"]
    if habit == "boart" and R >= 4:
        for _ in range(rr.randint(3, 5)):
            a = rr.uniform(0, 6.28)
            o = R * rr.uniform(0.2, 0.45)
            _draw_stone(
                d,
                s,
                env,
                R * rr.uniform(0.45, 0.65),
                (x + o * math.cos(a), y + o * math.sin(a)),
                "irregular",
                rr,
            )
        return
    if R < 2.2:
        c = _rgb(col, 0.25) if backlit else _rgb(_mix(col, bg, tr * 0.35), 0.8 + 0.25 * rr.random())
        d.ellipse((x - R, y - R, x + R, y + R), fill=c)
        if gl > 0.5 and not backlit:
            d.point((x - R * 0.3, y - R * 0.3), fill=(250, 250, 248))
        return
    ang, rad = _outline(habit, rr, s["rounded"])
    el, rot = s["el"], s["rot"]
    ce, se = math.cos(rot), math.sin(rot)
    ie = 1 / math.sqrt(el)
    pts = []
    for a, q in zip(ang, rad, strict=False):
        px, py = q * math.cos(a) * el * ie, q * math.sin(a) * ie
        pts.append((x + R * (px * ce - py * se), y + R * (px * se + py * ce)))
    ax, ay = x + R * rr.uniform(-0.18, 0.18), y + R * rr.uniform(-0.18, 0.18)
    lx, ly, lz = env["L"]
    relief = _RELIEF.get(habit, 0.5) * (1 - 0.35 * s["rounded"])
    sr, cr = math.sin(relief), math.cos(relief)
    n = len(pts)
    bright = []
    for k in range(n):
        p1, p2 = pts[k], pts[(k + 1) % n]
        mx, my = (p1[0] + p2[0]) / 2 - ax, (p1[1] + p2[1]) / 2 - ay
        nm = math.hypot(mx, my) + 1e-6
        dif = max(0.0, (mx / nm) * sr * lx + (my / nm) * sr * ly + cr * lz)
        if backlit:
            b = 0.12 + tr * max(0.0, rr.uniform(-0.4, 1.0)) * 0.9
            c = _rgb(_mix(col, (255, 255, 255), 0.3), b)
        else:
            b = 0.42 + 0.68 * dif + rr.uniform(-0.08, 0.08)
            if tr > 0.3 and rr.random() < 0.45 * tr:
                b *= rr.choice((0.45, 0.6, 1.25))
            c = _rgb(_mix(col, bg, tr * 0.3 * rr.uniform(0.6, 1.1)), b)
        bright.append((b, k))
        if R >= 9 and habit in ("dodecahedron", "octahedron", "irregular"):
            m = (ax + (p1[0] + p2[0] - 2 * ax) * 0.5, ay + (p1[1] + p2[1] - 2 * ay) * 0.5)
            mid = ((p1[0] + p2[0]) / 2, (p1[1] + p2[1]) / 2)
            d.polygon([(ax, ay), p1, mid], fill=c)
            d.polygon([(ax, ay), mid, p2], fill=_rgb(c, rr.uniform(0.88, 1.1)))
            del m
        else:
            d.polygon([(ax, ay), p1, p2], fill=c)
    if tr > 0.3 and R >= 6 and not backlit and habit not in ("macle", "cube"):
        # internal reflections: a smaller, turned copy of the outline
        tw = rr.uniform(0.3, 0.9)
        sc = rr.uniform(0.35, 0.6)
        cr2, sr2 = math.cos(tw), math.sin(tw)
        inner = [
            (ax + ((px - ax) * cr2 - (py - ay) * sr2) * sc, ay + ((px - ax) * sr2 + (py - ay) * cr2) * sc)
            for px, py in pts
        ]
        d.polygon(inner, fill=_rgb(_mix(col, bg, tr * 0.5), rr.choice((0.5, 0.65, 1.2)) * (0.6 + 0.4 * lz)))
    if habit in ("macle", "cube") and R >= 6:
        inner = [(ax + (px - ax) * 0.62, ay + (py - ay) * 0.62) for px, py in pts]
        d.polygon(inner, fill=_rgb(_mix(col, bg, tr * 0.3), 0.55 + 0.5 * lz + rr.uniform(-0.05, 0.05)))
    edge = _rgb(col, 0.15) if backlit else _rgb(_mix(col, (0, 0, 0), 0.55), 1.0)
    if R >= 3:
        d.line([*pts, pts[0]], fill=edge, width=1 if R < 22 else 2)
    # frosted skin
    if R >= 10 and gl < 0.7 and not backlit:
        m = min(160, int(R * R * 0.2 * (1 - gl)))
        lite, dark = [], []
        for _ in range(m):
            a = rr.uniform(0, 6.283)
            q = R * (0.45 if habit in ("fragment", "irregular") else 0.6) * math.sqrt(rr.random())
            px, py = q * math.cos(a) * el * ie, q * math.sin(a) * ie
            (lite if rr.random() < 0.5 else dark).append((x + px * ce - py * se, y + px * se + py * ce))
        d.point(lite, fill=_rgb(col, 1.05, (12, 12, 12)))
        d.point(dark, fill=_rgb(col, 0.7))
    # specular highlights
    if gl > 0.25 and not backlit:
        bright.sort(reverse=True)
        for _, k in bright[: 1 + int(gl * 2.5 * rr.random())]:
            p1, p2 = pts[k], pts[(k + 1) % n]
            t = rr.uniform(0.25, 0.6)
            hx = ax + ((p1[0] + p2[0]) / 2 - ax) * t
            hy = ay + ((p1[1] + p2[1]) / 2 - ay) * t
            hr = max(0.8, R * rr.uniform(0.05, 0.13))
            d.ellipse((hx - hr, hy - hr * 0.7, hx + hr, hy + hr * 0.7), fill=env["spec"])


# --------------------------------------------------------------------------
# scene rendering
# --------------------------------------------------------------------------
def _light_field(sess: dict, office: dict, rw: int, rh: int, flicker: float) -> Image.Image:
    gw = 48
    gh = max(2, round(gw * rh / rw))
    yy, xx = np.mgrid[0:gh, 0:gw].astype(np.float32)
    u, v = (xx + 0.5) / gw, (yy + 0.5) / gh
    hx, hy = sess["hot_xy"]
    s = sess["hot_sig"]
    hot = np.exp(-(((u - hx) ** 2) + ((v - hy) ** 2) * (rh / rw) ** 2) / (2 * s * s))
    L = 1 - sess["hot"] + sess["hot"] * hot + sess["grad"][0] * (u - 0.5) + sess["grad"][1] * (v - 0.5)
    rad2 = ((u - 0.5) ** 2 + ((v - 0.5) * rh / rw) ** 2) / (0.25 + 0.25 * (rh / rw) ** 2)
    L = L * (1 - office["vignette"] * rad2**1.3)
    L = L / max(1e-3, float(L.max())) * sess["level"] * flicker
    t = sess["temp"]
    gains = np.array([1 + t, 1.0, 1 - t], np.float32) * np.array(office["cast"], np.float32)
    gains = gains / gains.max()
    rgb = np.clip(L[..., None] * gains * 255, 0, 255).astype(np.uint8)
    return Image.fromarray(rgb).resize((rw, rh), Image.BILINEAR)


def _render(scene: dict) -> Image.Image:
    office, sess, lot, stones = scene["office"], scene["sess"], scene["lot"], scene["stones"]
    shot = _rng("shot", *scene["shot"])
    rr = _pyr(shot)
    rw, rh, pad, ppm = sess["rw"], sess["rh"], sess["pad"], sess["ppm"]
    cw, ch = rw + 2 * pad, rh + 2 * pad
    kind = office["surface"]["kind"]
    backlit = kind == "lightbox"
    az, el = sess["lamp_az"], sess["lamp_el"]
    L = (math.cos(az) * math.cos(el), math.sin(az) * math.cos(el), math.sin(el))
    sh_len = 0.55 / math.tan(el)
    sh_vec = (-math.cos(az) * sh_len, -math.sin(az) * sh_len)
    # shadows, drawn small
    sf = 4
    smask = Image.new("L", (cw // sf + 1, ch // sf + 1), 0)
    sd = ImageDraw.Draw(smask)
    carats = sum(
        0.0088 * s["d_mm"] ** 3 * (0.7 if s["habit"] in ("macle", "fragment") else 1.0) for s in stones
    )
    lot_props = scene.get("lot_props", [])
    # patches (need the shadow mask before the surface is finished)
    patches = []
    for p in sess["props"]:
        prr = random.Random(p["seed"] ^ (lot["seed"] & 0xFFFFFFFF))
        w, h = max(4, int(p["w_mm"] * ppm)), max(4, int(p["h_mm"] * ppm))
        k = p["kind"]
        if k == "form":
            patch = _form_patch(office, lot, len(stones), carats, w, h, prr)
        elif k == "label":
            patch = _label_patch(office, lot, w, h, prr, carats)
        elif k == "ruler":
            patch = _ruler_patch(office, w, h, ppm)
        elif k == "scale":
            patch = _scale_patch(w, h, carats, prr)
        elif k == "card":
            patch = _card_patch(w, h, random.Random(p["seed"]))
        elif k == "loupe":
            patch = _loupe_patch(w, h)
        else:
            patch = _pen_patch(w, h, random.Random(p["seed"]))
        patches.append(
            (
                patch,
                pad + p["u"] * rw,
                pad + p["v"] * rh,
                p["angle"],
                0 if k in ("form", "label", "card") else 1,
            )
        )
    for patch, cx, cy, ang, _ in patches:
        _paste(
            Image.new("RGBA", (1, 1)),
            patch,
            cx,
            cy,
            ang,
            sd,
            (sh_vec[0] * 6 * ppm, sh_vec[1] * 6 * ppm),
            sf,
            90,
        )
    if not backlit:
        for s in stones:
            R = s["R"]
            ox, oy = sh_vec[0] * R * 1.2, sh_vec[1] * R * 1.2
            v = int(255 * (0.9 - 0.45 * s["tr"]))
            x, y = (s["x"] + ox) / sf, (s["y"] + oy) / sf
            rs = R * 1.02 / sf
            sd.ellipse((x - rs, y - rs, x + rs, y + rs), fill=v)
    med_r = float(np.median([s["R"] for s in stones])) if stones else 4.0
    smask = smask.filter(ImageFilter.GaussianBlur(0.6 + med_r / (3 * sf)))
    shadow = np.asarray(smask.resize((cw, ch), Image.BILINEAR), dtype=np.float32)
    strength = office["shadow"] * (0.25 if backlit else 1.0)
    shadow = 1.0 - (strength / 255.0) * shadow
    canvas = _surface(office, sess, cw, ch, shadow, defocus=scene.get("defocus", False))
    for patch, cx, cy, ang, _ in patches:
        _paste(canvas, patch, cx, cy, ang, None, None, sf)
    d = ImageDraw.Draw(canvas)
    lt = sess["temp"]
    env = {
        "L": L,
        "backlit": backlit,
        "bg": office["surface"].get("colour", (128, 128, 128)),
        "spec": _rgb((252, 250, 246), 1.0, (10 * lt, 0, -10 * lt)),
    }
    if kind in ("tray", "cells", "paper", "lightbox"):
        env["bg"] = office["surface"]["colour"]
    for s in stones:
        _draw_stone(d, s, env)
    # lot-level props lying over the set-up
    for k in lot_props:
        if k == "tweezers":
            tl = rr.uniform(120, 160) * ppm
            a = rr.uniform(0, 2 * math.pi)
            if stones and rr.random() < 0.6:
                s = stones[rr.randrange(len(stones))]
                tx, ty = s["x"] + s["R"] * math.cos(a), s["y"] + s["R"] * math.sin(a)
            else:
                tx, ty = pad + rw * rr.uniform(0.2, 0.8), pad + rh * rr.uniform(0.2, 0.8)
            hx, hy = tx + tl * math.cos(a), ty + tl * math.sin(a)
            pw_ = max(2.0, 2.2 * ppm)
            nx, ny = -math.sin(a), math.cos(a)
            steel = (int(rr.uniform(160, 205)),) * 3
            for side in (-1, 1):
                tip = (tx + side * nx * 0.6 * ppm, ty + side * ny * 0.6 * ppm)
                h1 = (hx + side * nx * 4 * ppm, hy + side * ny * 4 * ppm)
                poly = [
                    tip,
                    (tip[0] + nx * 0.5 * ppm, tip[1] + ny * 0.5 * ppm),
                    (h1[0] + nx * pw_, h1[1] + ny * pw_),
                    h1,
                ]
                d.polygon(
                    [(px + sh_vec[0] * 5 * ppm, py + sh_vec[1] * 5 * ppm) for px, py in poly],
                    fill=_rgb(env["bg"], 0.6),
                )
                d.polygon(poly, fill=steel)
                d.line((tip[0], tip[1], h1[0], h1[1]), fill=_rgb(steel, 1.2), width=1)
        elif k == "bag":
            w, h = int(rr.uniform(60, 100) * ppm), int(rr.uniform(80, 130) * ppm)
            patch = _bag_patch(w, h, lot, rr)
            side = rr.randrange(4)
            cx = pad + rw * (
                rr.uniform(-0.02, 0.08)
                if side == 0
                else rr.uniform(0.92, 1.02)
                if side == 1
                else rr.uniform(0.2, 0.8)
            )
            cy = pad + rh * (
                rr.uniform(-0.02, 0.08)
                if side == 2
                else rr.uniform(0.92, 1.02)
                if side == 3
                else rr.uniform(0.2, 0.8)
            )
            _paste(canvas, patch, cx, cy, rr.uniform(-30, 30), None, None, sf)
    if scene.get("bag_over"):
        xs = [s["x"] for s in stones] or [cw / 2]
        ys = [s["y"] for s in stones] or [ch / 2]
        mr = max(s["R"] for s in stones) if stones else 10
        bx0, bx1 = min(xs) - mr * 2 - 8 * ppm, max(xs) + mr * 2 + 8 * ppm
        by0, by1 = min(ys) - mr * 2 - 20 * ppm, max(ys) + mr * 2 + 30 * ppm
        if bx1 - bx0 < 60 * ppm:
            bx0, bx1 = (bx0 + bx1) / 2 - 30 * ppm, (bx0 + bx1) / 2 + 30 * ppm
        if by1 - by0 < 80 * ppm:
            by0, by1 = (by0 + by1) / 2 - 35 * ppm, (by0 + by1) / 2 + 45 * ppm
        patch = _bag_patch(int(bx1 - bx0), int(by1 - by0), lot, rr)
        _paste(canvas, patch, (bx0 + bx1) / 2, (by0 + by1) / 2, rr.uniform(-4, 4), None, None, sf)
    dx, dy = scene.get("shift", (0, 0))
    img = canvas.crop((pad + dx, pad + dy, pad + dx + rw, pad + dy + rh))
    img = ImageChops.multiply(img, _light_field(sess, office, rw, rh, scene.get("flicker", 1.0)))
    # sensor noise, added before the (softening) enlargement to the output size
    sig = office["noise"] * scene.get("noise_k", 1.0) * (0.8 + 0.4 * rw / sess["W"])
    luma = shot.standard_normal((rh, rw), dtype=np.float32) * np.float32(sig)
    luma = Image.fromarray(np.clip(luma + np.float32(128), 0, 255).astype(np.uint8))
    chroma = shot.standard_normal((rh // 2 + 1, rw // 2 + 1, 3), dtype=np.float32) * np.float32(sig * 0.45)
    chroma = Image.fromarray(np.clip(chroma + np.float32(128), 0, 255).astype(np.uint8))
    chroma = chroma.resize((rw, rh), Image.NEAREST)
    img = ImageChops.add(img, Image.merge("RGB", (luma, luma, luma)), 1.0, -128)
    img = ImageChops.add(img, chroma, 1.0, -128)
    W, H = sess["W"], sess["H"]
    img = img.resize((W, H), Image.BILINEAR)
    q = scene.get("jpeg", office["jpeg"])
    if q:
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=int(q))
        img = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    return img


# --------------------------------------------------------------------------
# scenes: originals
# --------------------------------------------------------------------------
def _original_head(seed: int, i: int, weights: np.ndarray | None = None) -> dict:
    r = _rng("original", seed, i)
    if weights is None:
        weights = _office_weights()
    oid = int(r.choice(_N_REF_OFFICES, p=weights))
    office = _office(oid)
    sid = int(r.integers(office["n_sessions"]))
    mode = str(r.choice(("normal", "bagged", "close_up"), p=(0.88, 0.07, 0.05)))
    head = {"mode": mode, "shot": ("original", seed, i)}
    if mode == "close_up":
        office = _closeup_office(office)
        sid = 5000 + int(r.integers(1 << 20))
        lot = _lot_head(r, office, count=int(r.integers(1, 13)), size_mm=float(r.uniform(3.5, 12)))
        lot_props = ["tweezers"] if r.random() < 0.4 else []
        head["defocus"] = True
    else:
        lot = _lot_head(
            r,
            office,
            layout=str(r.choice(("pile", "groups", "scatter")))
            if mode == "bagged" and office["surface"]["kind"] != "cells"
            else None,
        )
        lot_props = [p for p in office["lot_props"] if r.random() < 0.6]
        head["bag_over"] = mode == "bagged"
    head.update(office=office, sid=sid, lot=lot, lot_props=lot_props)
    return head


def _closeup_office(office: dict) -> dict:
    """The same office photographing a few stones from close by (macro, no props)."""
    return dict(
        office,
        fov=(20.0, 60.0),
        props=[],
        layouts=["scatter", "single", "pile"],
        layout_w=np.array([0.5, 0.3, 0.2]),
    )


def _scene_from_head(head: dict, stones=None, sess=None) -> dict:
    office = head["office"]
    sess = sess or _session(office, head["sid"])
    if stones is None:
        stones = _make_stones(sess, office, head["lot"])
    return {
        "office": office,
        "sess": sess,
        "lot": head["lot"],
        "stones": stones,
        "lot_props": head.get("lot_props", []),
        "shot": head["shot"],
        "shift": head.get("shift", (0, 0)),
        "flicker": head.get("flicker", 1.0),
        "defocus": head.get("defocus", False),
        "bag_over": head.get("bag_over", False),
    }


def _original_image(seed: int, i: int, weights=None) -> Image.Image:
    return _render(_scene_from_head(_original_head(seed, i, weights)))


def originals(seed: int, n: int) -> Iterator[Image.Image]:
    """n RGB photos of rough-diamond parcels; photo i depends only on (seed, i)."""
    weights = _office_weights()
    for i in range(n):
        yield _original_image(seed, i, weights)


# --------------------------------------------------------------------------
# scenes: unrelated parcels
# --------------------------------------------------------------------------
def unrelated_kind(seed: int, i: int) -> str:
    """Kind of the i-th photo of unrelated(seed, n)."""
    perm = _rng("kinds", seed, i // 100).permutation(100)
    return _SCHEDULE[int(perm[i % 100])]


def _ctx_heads(ctx: dict) -> list[dict]:
    """Heads (no pixels) of originals(REFERENCE_SEED, REFERENCE_COUNT), built once per ctx."""
    if "heads" not in ctx:
        ctx["heads"] = [_original_head(REFERENCE_SEED, k, ctx["weights"]) for k in range(REFERENCE_COUNT)]
    return ctx["heads"]


def _pick_ref(r: np.random.Generator, heads: list[dict], pred=None) -> int:
    cand = [k for k, h in enumerate(heads) if pred is None or pred(h)]
    if not cand:
        cand = [k for k, h in enumerate(heads) if h["mode"] == "normal"] or list(range(len(heads)))
    return int(cand[int(r.integers(len(cand)))])


def _other_lot_props(r, office):
    return [p for p in office["lot_props"] if r.random() < 0.6]


def _shift_for(r: np.random.Generator, sess: dict, p_still: float = 0.5):
    if r.random() < p_still:
        return (0, 0)
    m = sess["pad"]
    return (int(r.integers(-m, m + 1)), int(r.integers(-m, m + 1)))


def _unrelated_scene(seed: int, i: int, ctx: dict) -> dict:
    kind = unrelated_kind(seed, i)
    r = _rng("unrelated", seed, i)
    shot = ("unrelated", seed, i)
    if kind in _HARD_KINDS:
        # reference heads are cheap (no pixels); only the chosen one is expanded
        heads = _ctx_heads(ctx)
        if kind == "same_setup_sparse_lot":
            pred = (lambda h: h["lot"]["count"] <= 8) if r.random() < 0.5 else None
        elif kind == "uniform_lot_repetitive_surface":

            def pred(h):
                return h["office"]["surface"]["kind"] in _REPETITIVE
        elif kind == "same_positions_other_stones":

            def pred(h):
                return h["lot"]["layout"] in _TEMPLATE_LAYOUTS or h["office"]["surface"]["kind"] == "cells"
        else:
            pred = None
        ref = heads[_pick_ref(r, heads, lambda h: h["mode"] == "normal" and (pred is None or pred(h)))]
        office = ref["office"]
        rl = ref["lot"]
        sess = _session(office, ref["sid"])
        flick = float(r.uniform(0.97, 1.03))
        if kind == "same_session_other_lot":
            prod = rl["prod"] if r.random() < 0.8 else None
            layout = rl["layout"] if r.random() < 0.7 else None
            count = None
            if layout == rl["layout"] and layout not in ("single",):
                count = max(1, round(rl["count"] * r.uniform(0.6, 1.5)))
            lot = _lot_head(r, office, prod=prod, layout=layout, count=count)
            stones = _make_stones(sess, office, lot)
        elif kind == "same_setup_sparse_lot":
            layout = "sparse" if r.random() < 0.75 else "single"
            lot = _lot_head(
                r,
                office,
                prod=rl["prod"],
                layout=layout,
                size_mm=float(r.uniform(1.2, 3.5)) if layout == "sparse" else None,
            )
            stones = _make_stones(sess, office, lot)
        elif kind == "twin_lot_same_production":
            if r.random() < 0.5:
                sess = _session(
                    office,
                    (ref["sid"] + 1 + int(r.integers(office["n_sessions"] - 1))) % office["n_sessions"]
                    if office["n_sessions"] > 1
                    else ref["sid"],
                )
            count = max(1, round(rl["count"] * r.uniform(0.9, 1.1)))
            lot = _lot_head(
                r,
                office,
                prod=rl["prod"],
                layout=rl["layout"],
                count=count,
                size_mm=rl["size_mm"] * float(r.uniform(0.93, 1.07)),
                size_sig=rl["size_sig"],
            )
            stones = _make_stones(sess, office, lot)
        elif kind == "uniform_lot_repetitive_surface":
            layout = (
                str(r.choice(("grid", "rows", "scatter")))
                if office["surface"]["kind"] != "cells"
                else "cells"
            )
            count = None
            if rl["layout"] == layout:
                count = max(2, round(rl["count"] * r.uniform(0.8, 1.2)))
            lot = _lot_head(
                r,
                office,
                prod=rl["prod"],
                layout=layout,
                count=count,
                size_mm=rl["size_mm"] * float(r.uniform(0.85, 1.15)),
                size_sig=float(r.uniform(0.03, 0.09)),
            )
            stones = _make_stones(sess, office, lot)
        elif kind == "same_positions_other_stones":
            ref_stones = _make_stones(sess, office, rl)
            prod = rl["prod"] if r.random() < 0.6 else None
            lot = _lot_head(
                r,
                office,
                prod=prod,
                layout=rl["layout"],
                count=len(ref_stones),
                size_mm=rl["size_mm"] * float(r.uniform(0.8, 1.25)),
            )
            positions = [
                (
                    s["x"] + float(r.normal(0, 0.05 * s["R"])),
                    s["y"] + float(r.normal(0, 0.05 * s["R"])),
                    s["R"] * 1.3,
                )
                for s in ref_stones
            ]
            stones = _make_stones(sess, office, lot, positions=positions)
        else:  # same_office_other_day
            sess = _session(office, 1000 + int(r.integers(1 << 20)))
            lot = _lot_head(r, office)
            stones = _make_stones(sess, office, lot)
        shift = (0, 0) if kind == "same_office_other_day" else _shift_for(r, sess)
        return {
            "office": office,
            "sess": sess,
            "lot": lot,
            "stones": stones,
            "lot_props": _other_lot_props(r, office),
            "shot": shot,
            "shift": shift,
            "flicker": flick,
        }
    # ordinary other parcels: offices never used by originals
    oid = 100_000 + int(r.integers(1 << 30))
    if kind == "other_office_same_surface":
        heads = _ctx_heads(ctx)
        ref = heads[_pick_ref(r, heads, lambda h: h["mode"] == "normal")]
        rs = ref["office"]["surface"]
        office = _office(oid, surface=rs["kind"])
        srf = dict(office["surface"])
        srf["colour"] = tuple(_clip8(c * r.uniform(0.92, 1.08)) for c in rs.get("colour", (128, 128, 128)))
        office = dict(office, surface=srf, aspect=ref["office"]["aspect"], widths=ref["office"]["widths"])
    else:
        office = _office(oid)
    sess = _session(office, int(r.integers(1 << 20)))
    scene = {"office": office, "sess": sess, "shot": shot, "lot_props": _other_lot_props(r, office)}
    if kind == "close_up":
        office = _closeup_office(office)
        sess = _session(office, int(r.integers(1 << 20)))
        lot = _lot_head(r, office, count=int(r.integers(1, 13)), size_mm=float(r.uniform(3.5, 12)))
        scene.update(
            office=office, sess=sess, defocus=True, lot_props=["tweezers"] if r.random() < 0.4 else []
        )
    elif kind == "bagged_lot":
        layout = str(r.choice(("pile", "groups", "scatter")))
        lot = _lot_head(r, office, layout=layout)
        scene.update(bag_over=True)
    else:
        lot = _lot_head(r, office)
    scene["lot"] = lot
    scene["stones"] = _make_stones(scene["sess"], scene["office"], lot)
    if kind == "archive_scan":
        scene["archive"] = True
    return scene


def _archive(img: Image.Image, r: np.random.Generator) -> Image.Image:
    rr = _pyr(r)
    tw = int(r.integers(640, 1150))
    th = max(64, round(img.height * tw / img.width))
    img = img.resize((tw, th), Image.BILINEAR)
    style = rr.randrange(3)
    if style == 0:
        img = img.convert("L").convert("RGB")
    elif style == 1:
        img = ImageEnhance.Color(img).enhance(rr.uniform(0.35, 0.7))
        sep = Image.new("RGB", img.size, (255, 236, 200))
        img = ImageChops.multiply(img, sep)
    else:
        img = ImageEnhance.Color(img).enhance(rr.uniform(1.05, 1.25))
        img = ImageChops.multiply(img, Image.new("RGB", img.size, (255, 225, 245)))
    img = ImageEnhance.Contrast(img).enhance(rr.uniform(0.7, 0.9))
    img = ImageChops.add(img, Image.new("RGB", img.size, (int(rr.uniform(8, 25)),) * 3))
    grain = np.clip(128 + r.standard_normal((th, tw), dtype=np.float32) * rr.uniform(4, 9), 0, 255).astype(
        np.uint8
    )
    img = ImageChops.add(img, Image.fromarray(grain).convert("RGB"), 1.0, -128)
    d = ImageDraw.Draw(img)
    if rr.random() < 0.6:
        stamp = f"'{rr.randint(90, 99)} {rr.randint(1, 12)} {rr.randint(1, 28)}"
        _text(d, (tw * 0.72, th * 0.88), stamp, th * 0.045, (255, 150, 40))
    # photo print with white border, scanned on a flatbed
    b = int(tw * rr.uniform(0.03, 0.06))
    printed = Image.new("RGB", (tw + 2 * b, th + 2 * b), (238, 236, 228))
    printed.paste(img, (b, b))
    pd = ImageDraw.Draw(printed)
    if rr.random() < 0.7:
        _text(
            pd,
            (b, th + b * 1.1),
            f"Lot {rr.randint(1, 3000)}  {rr.choice(_COUNTRIES)[1]}",
            b * 0.65,
            (40, 40, 110),
        )
    bed = Image.new(
        "RGB",
        (int(printed.width * rr.uniform(1.04, 1.12)), int(printed.height * rr.uniform(1.04, 1.12))),
        tuple(int(rr.uniform(225, 250)) for _ in range(3)),
    )
    printed = printed.convert("RGBA").rotate(rr.uniform(-2.5, 2.5), resample=Image.BILINEAR, expand=True)
    bed.paste(printed, ((bed.width - printed.width) // 2, (bed.height - printed.height) // 2), printed)
    buf = io.BytesIO()
    bed.save(buf, "JPEG", quality=int(rr.uniform(60, 88)))
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def _unrelated_image(seed: int, i: int, ctx: dict) -> Image.Image:
    scene = _unrelated_scene(seed, i, ctx)
    img = _render(scene)
    if scene.get("archive"):
        img = _archive(img, _rng("archive", seed, i))
    return img


def unrelated(seed: int, n: int) -> Iterator[Image.Image]:
    """n photos of other parcels (hard negatives against originals(1, 200))."""
    ctx = {"weights": _office_weights()}  # local memo, rebuilt per call
    for i in range(n):
        yield _unrelated_image(seed, i, ctx)


# --------------------------------------------------------------------------
# variants (copies of one photo)
# --------------------------------------------------------------------------
def _crop(img: Image.Image, le: int, t: int, r_: int, b: int) -> tuple[str, Image.Image]:
    W, H = img.size
    box = (round(W * le / 100), round(H * t / 100), W - round(W * r_ / 100), H - round(H * b / 100))
    return f"crop-l{le}t{t}r{r_}b{b}pct", img.crop(box)


def _resize(img: Image.Image, w: int) -> tuple[str, Image.Image]:
    W, H = img.size
    h = max(1, round(H * w / W))
    if w < W:
        return f"resize-w{w}", img.resize((w, h), Image.LANCZOS, reducing_gap=3.0)
    return f"resize-w{w}", img.resize((w, h), Image.BICUBIC)


def _jpeg(img: Image.Image, q: int) -> tuple[str, Image.Image]:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=q)
    return f"jpeg-q{q}", Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def _blur(img: Image.Image, rad: float) -> tuple[str, Image.Image]:
    return f"blur-r{rad:.1f}", img.filter(ImageFilter.GaussianBlur(rad))


def _recolour(img: Image.Image, comps: dict[str, int]) -> tuple[str, Image.Image]:
    name = "recolour-" + "_".join(f"{k}{v:+d}" for k, v in comps.items())
    g = 1 + comps.get("g", 0) / 100
    w = comps.get("w", 0) / 100
    if "g" in comps or "w" in comps:
        lut = []
        for gain in (1 + w, 1.0, 1 - w):
            lut += [_clip8(round(255 * (min(1.0, (v / 255) * gain)) ** (1 / g))) for v in range(256)]
        img = img.point(lut)
    if "b" in comps:
        img = ImageEnhance.Brightness(img).enhance(1 + comps["b"] / 100)
    if "c" in comps:
        img = ImageEnhance.Contrast(img).enhance(1 + comps["c"] / 100)
    if "s" in comps:
        img = ImageEnhance.Color(img).enhance(1 + comps["s"] / 100)
    return name, img


def _signed(r: np.random.Generator, lo: int, hi: int) -> int:
    return int(r.integers(lo, hi + 1)) * (1 if r.random() < 0.5 else -1)


def _recolour_params(r: np.random.Generator, k: int) -> dict[str, int]:
    keys = list(r.choice(("b", "c", "s", "g", "w"), size=k, replace=False))
    order = ("w", "g", "b", "c", "s")
    return {key: _signed(r, 4, 15) for key in order if key in keys}


def variants(image: Image.Image, seed: int) -> dict[str, Image.Image]:
    """About ten transformed copies of image, keyed by "step+step" names."""
    img = image.convert("RGB")
    fp = zlib.crc32(img.resize((8, 8), Image.BOX).tobytes())
    r = _rng("variants", seed, fp, img.width, img.height)
    W = img.width

    def crop_all():
        sides = [int(r.integers(0, 11)) for _ in range(4)]
        sides[int(r.integers(4))] = int(r.integers(8, 11))
        return sides

    def crop_few(k):
        sides = [0, 0, 0, 0]
        for s in r.choice(4, size=k, replace=False):
            sides[int(s)] = int(r.integers(5, 11))
        sides[int(np.argmax(sides))] = int(r.integers(8, 11))
        return sides

    def pct_w(cur: int, lo: float, hi: float) -> int:
        return max(16, round(cur * r.uniform(lo, hi)))

    plans = [
        [("crop", crop_all())],
        [("crop", crop_few(1))],
        [("resize", (0.33, 0.7))],
        [("jpeg", int(r.integers(50, 66)))],
        [("blur", round(float(r.uniform(0.8, 1.5)), 1))],
        [("recolour", _recolour_params(r, int(r.integers(2, 4))))],
        [("crop", crop_few(2)), ("resize", (0.5, 0.9)), ("jpeg", int(r.integers(55, 81)))],
        [("resize", (1.1, 1.5)), ("jpeg", int(r.integers(70, 96)))],
        [("recolour", _recolour_params(r, int(r.integers(1, 4)))), ("jpeg", int(r.integers(50, 71)))],
        [("resize", (0.4, 0.8)), ("blur", round(float(r.uniform(0.3, 0.8)), 1))],
        [("crop", crop_all()), ("recolour", _recolour_params(r, 2)), ("jpeg", int(r.integers(60, 91)))],
    ]
    out: dict[str, Image.Image] = {}
    for plan in plans:
        cur = img
        names = []
        for step, par in plan:
            if step == "crop":
                nm, cur = _crop(cur, *par)
            elif step == "resize":
                nm, cur = _resize(cur, pct_w(cur.width, *par))
            elif step == "jpeg":
                nm, cur = _jpeg(cur, par)
            elif step == "blur":
                nm, cur = _blur(cur, par)
            else:
                nm, cur = _recolour(cur, par)
            names.append(nm)
        name = "+".join(names)
        if name not in out:
            out[name] = cur
    del W
    return out
