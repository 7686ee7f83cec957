"""Parcel-like photos, generated, to tune the re-used-photo search on (issue 20, item 1).

A parcel photo is rough stones on a tray: a dark velvet or a pale paper background with its
weave and a lighting gradient, dozens of irregular bright stones with facets, shadows and a
tint, now and then a scale card. ``originals`` makes such photos, ``variants`` the copies a
forger would send again (cropped, resized, recompressed, blurred, recoloured), and
``unrelated`` other parcels of the same kind, which must not be reported.

**Offices.** Half the photos are taken in one of a few *offices* shared by every seed: the
same tray (its weave and lighting pixel for pixel), the same scale card in the same place,
the camera on a stand (framing moved by at most 1 %). Their unrelated photos are other
parcels in the same office; a third of either are sparse (a dozen stones: mostly tray). These
hard negatives were added in the second round of tuning, after a generator written apart
from the search (``tests.factories.parcel_photos``) showed that photos of different parcels
on one tray were reported as re-used; no threshold is chosen on that generator (docs/photos.md).

The interface (``originals``, ``variants``, ``unrelated``) is the one the benchmark takes a
generator by (``benchmarks/photos.py``), so another generator can be swapped in.
"""

from __future__ import annotations

import io
import random
from collections.abc import Iterator
from functools import cache

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

SIZE = (800, 600)


def _background(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    width, height = size
    nprng = np.random.default_rng(rng.randrange(2**32))
    dark = rng.random() < 0.6
    base = np.array(
        [rng.uniform(15, 50) for _ in range(3)] if dark else [rng.uniform(190, 240) for _ in range(3)]
    )
    # a weave: fine noise, slightly stretched along one axis, and a lighting gradient
    noise = nprng.normal(0, rng.uniform(3, 9), (height // 2, width // 2))
    weave = np.array(
        Image.fromarray(noise.astype(np.float32), mode="F").resize(size, Image.Resampling.BILINEAR)
    )
    yy, xx = np.mgrid[0:height, 0:width]
    cx, cy = rng.uniform(0, width), rng.uniform(0, height)
    light = 1.0 + rng.uniform(0.1, 0.35) * (1 - np.hypot(xx - cx, yy - cy) / np.hypot(width, height))
    pixels = (base[None, None, :] + weave[:, :, None]) * light[:, :, None]
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), mode="RGB")


def _stone(rng: random.Random, cx: float, cy: float, radius: float) -> list[tuple[float, float]]:
    corners = rng.randint(6, 11)
    angles = sorted(rng.uniform(0, 2 * np.pi) for _ in range(corners))
    return [
        (cx + radius * rng.uniform(0.55, 1.0) * np.cos(a), cy + radius * rng.uniform(0.55, 1.0) * np.sin(a))
        for a in angles
    ]


def _scale_card(draw: ImageDraw.ImageDraw, x0: float, y0: float, scale: float) -> None:
    draw.rectangle((x0, y0, x0 + 160 * scale, y0 + 50 * scale), fill=(235, 235, 225))
    for tick in range(9):
        x = x0 + (10 + tick * 17) * scale
        draw.line((x, y0 + 5 * scale, x, y0 + (20 if tick % 2 else 30) * scale), fill=(20, 20, 20))


OFFICES = 6
"""How many offices the shared photos are taken in (the same for every seed)."""
OFFICE_SIZES = ((800, 600), (1024, 768), (1280, 960))


@cache
def _office(office: int) -> tuple[Image.Image, tuple[float, float] | None]:
    """An office's empty tray, framed a little wider than a photo, and where its scale card lies."""
    rng = random.Random(f"office-{office}")
    width, height = OFFICE_SIZES[office % len(OFFICE_SIZES)]
    tray = _background(rng, (round(width * 1.02), round(height * 1.02)))
    card = (rng.uniform(0, width * 0.7), rng.uniform(0, height * 0.8)) if rng.random() < 0.7 else None
    return tray, card


def office_photo(seed: int | str, office: int, sparse: bool = False) -> Image.Image:
    """Another parcel on the tray of ``office``: the background the same pixel for pixel,
    the scale card where it always lies, the framing moved by at most 1 %."""
    rng = random.Random(seed)
    tray, card = _office(office)
    width, height = OFFICE_SIZES[office % len(OFFICE_SIZES)]
    dx, dy = rng.randint(0, tray.width - width), rng.randint(0, tray.height - height)
    image = tray.crop((dx, dy, dx + width, dy + height))
    draw = ImageDraw.Draw(image)
    scale = min(width, height) / 600
    if card is not None:
        _scale_card(draw, card[0], card[1], scale)
    _stones(draw, rng, (width, height), rng.randint(8, 16) if sparse else rng.randint(15, 70))
    return image.filter(ImageFilter.GaussianBlur(0.6))


def parcel_photo(seed: int | str, size: tuple[int, int] = SIZE) -> Image.Image:
    """One parcel photo on a tray of its own, the same for the same ``seed``."""
    rng = random.Random(seed)
    image = _background(rng, size)
    draw = ImageDraw.Draw(image)
    width, height = size
    if rng.random() < 0.3:  # a scale card in a corner
        _scale_card(draw, rng.uniform(0, width * 0.7), rng.uniform(0, height * 0.8), min(size) / 600)
    _stones(draw, rng, size, rng.randint(15, 70))
    return image.filter(ImageFilter.GaussianBlur(0.6))


def _stones(draw: ImageDraw.ImageDraw, rng: random.Random, size: tuple[int, int], count: int) -> None:
    width, height = size
    scale = min(size) / 600
    tint = [rng.uniform(0.85, 1.15) for _ in range(3)]
    for _ in range(count):
        cx, cy = rng.uniform(0, width), rng.uniform(0, height)
        radius = rng.uniform(8, 38) * scale
        outline = _stone(rng, cx, cy, radius)
        shadow = [(x + 4 * scale, y + 5 * scale) for x, y in outline]
        draw.polygon(shadow, fill=(8, 8, 8))
        level = rng.uniform(120, 250)
        draw.polygon(outline, fill=tuple(int(min(255, level * t)) for t in tint))
        for _ in range(rng.randint(2, 5)):  # facets: brighter and darker planes
            a, b = rng.sample(range(len(outline)), 2)
            facet = [(cx, cy), outline[a], outline[b]]
            shade = level * rng.uniform(0.6, 1.3)
            draw.polygon(facet, fill=tuple(int(min(255, shade * t)) for t in tint))


def originals(seed: int, n: int) -> Iterator[Image.Image]:
    """``n`` parcel photos of the shipments first seen: every other one taken in an office (a
    third of those sparse)."""
    for index in range(n):
        if index % 2:
            yield office_photo(f"original-{seed}-{index}", index // 2 % OFFICES, sparse=index % 3 == 0)
        else:
            yield parcel_photo(f"original-{seed}-{index}")


def unrelated(seed: int, n: int) -> Iterator[Image.Image]:
    """``n`` photos of other parcels, alike in kind, none a copy of an original: half of them
    taken in the originals' offices (a third of those sparse)."""
    for index in range(n):
        # a seed of its own kind: random.Random(-n) is random.Random(n)
        name = f"unrelated-{seed}-{index}"
        if index % 2:
            yield office_photo(name, index // 2 % OFFICES, sparse=index % 3 == 0)
        else:
            yield parcel_photo(name)


def _jpeg(image: Image.Image, quality: int) -> Image.Image:
    out = io.BytesIO()
    image.convert("RGB").save(out, format="JPEG", quality=quality)
    out.seek(0)
    return Image.open(out).convert("RGB")


def _crop(image: Image.Image, rng: random.Random, most: float = 0.10) -> Image.Image:
    width, height = image.size
    left, right = rng.uniform(0, most) * width, rng.uniform(0, most) * width
    top, bottom = rng.uniform(0, most) * height, rng.uniform(0, most) * height
    return image.crop((round(left), round(top), round(width - right), round(height - bottom)))


def _recolour(image: Image.Image, rng: random.Random) -> Image.Image:
    pixels = np.asarray(image.convert("RGB"), dtype=np.float32)
    gains = np.array([rng.uniform(0.8, 1.2) for _ in range(3)])
    shifted = np.clip(pixels * gains[None, None, :] + rng.uniform(-20, 20), 0, 255).astype(np.uint8)
    out = Image.fromarray(shifted, mode="RGB")
    out = ImageEnhance.Contrast(out).enhance(rng.uniform(0.8, 1.2))
    return ImageEnhance.Color(out).enhance(rng.uniform(0.6, 1.4))


def variants(image: Image.Image, seed: int) -> dict[str, Image.Image]:
    """The copies of ``image`` a re-used photo arrives as, by name."""
    rng = random.Random(seed)
    width, height = image.size
    scale = rng.uniform(0.4, 0.7)
    return {
        "crop": _crop(image, rng),
        "resize-down": image.resize((round(width * scale), round(height * scale)), Image.Resampling.LANCZOS),
        "resize-up": image.resize((round(width * 1.6), round(height * 1.6)), Image.Resampling.BICUBIC),
        "jpeg-50": _jpeg(image, 50),
        "blur": image.filter(ImageFilter.GaussianBlur(rng.uniform(1.0, 2.0))),
        "recolour": _recolour(image, rng),
        "crop-resize-jpeg": _jpeg(
            _crop(image, rng).resize((round(width * 0.6), round(height * 0.6)), Image.Resampling.BILINEAR),
            rng.randint(50, 75),
        ),
        "crop-recolour-blur": _recolour(_crop(image, rng), rng).filter(ImageFilter.GaussianBlur(1.0)),
    }
