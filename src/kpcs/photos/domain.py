"""The re-used-photo search's arithmetic, free of I/O: perceptual hashes of windows of a
photo, their split into index bands, and the Hamming distance.

Why this finds crops (docs/photos.md says it at length): a perceptual hash summarises the
picture inside a window, so two copies hash alike only when their windows show the same
part of the scene. A copy cropped by up to 10 % on each side shows an unknown part, so the
original is hashed over :data:`STORED_WINDOWS` (the whole, and each side trimmed by 2.5 %
or 7.5 %) and each new photo over :data:`QUERY_WINDOWS` (each side trimmed by 0 or 2.5 %
of itself): whatever the crop, some stored window and some query window cover the same
part of the scene to within about 1.25 % of its width on every side, which the hash
tolerates. Resizing, recompression, slight blur and recolouring change the low spatial
frequencies the hash keeps very little; a lighting gradient (which every tray photo has)
is taken out first, or it would make every parcel look like every other.

The hash: the window of the flattened grey image, averaged down to 64 x 64, its 2-D DCT,
the 16 x 16 lowest frequencies, each bit saying whether a coefficient is above their
median: 256 bits, kept as 32 bytes (16 rows of 16 bits).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cache

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageFilter

HASH_SIDE = 16
"""The hash is HASH_SIDE x HASH_SIDE DCT coefficients: 256 bits."""
HASH_BITS = HASH_SIDE * HASH_SIDE
HASH_BYTES = HASH_BITS // 8
_SAMPLE = 64
"""Each window is averaged down to _SAMPLE x _SAMPLE pixels before its DCT."""
_WORKING_SIDE = 256
"""The photo is first brought to this longer side: more detail than the hash keeps."""
_FLATTEN_RADIUS = 12
"""The Gaussian blur (in working pixels) taken as the lighting and subtracted."""

Window = tuple[float, float, float, float]
"""What is trimmed off a photo, as fractions of its width or height: left, top, right, bottom."""


def _windows(trims: tuple[float, ...]) -> tuple[Window, ...]:
    return tuple(itertools.product(trims, trims, trims, trims))


STORED_WINDOWS: tuple[Window, ...] = ((0.0, 0.0, 0.0, 0.0), *_windows((0.025, 0.075)))
"""The windows of a photo kept in the index: the whole, and 16 trimmed ones."""
QUERY_WINDOWS: tuple[Window, ...] = _windows((0.0, 0.025))
"""The windows of a new photo searched for (the first is the whole photo)."""

BANDS = 16
"""How many of the hash's 16-bit rows go into the index: all of them. Tuned on the
generator: 8 rows found 97 % of the copies' photos as candidates, 16 rows 99.3 %, at
0.33 % of unrelated photos to compare (docs/photos.md)."""
BAND_BITS = 16
MIN_BAND_HITS = 2
"""A photo is a candidate when at least this many of its (band, value) keys equal the new
photo's: one shared key alone is too common among tray photos to be worth checking (on the
tuning generator, 2 keys keep 98.8 % of copies' originals as candidates and 0.36 % of
unrelated photos; 3 keys 97.9 % and 0.04 %: docs/photos.md)."""
MATCH_DISTANCE = 60
"""The largest distance (of 256 bits) reported as the same picture. Chosen on the tuning
generator (tests/factories/photo_tuning.py, 150 originals x 8 copies, 1,500 unrelated
photos against each original): 99 % of copies within 46, the nearest of 225,000 unrelated
pairs at 70; 60 leaves room both ways (72, chosen on a set of 100 x 100, let 0.4 % of
unrelated photos match at 100,000: docs/photos.md)."""


@cache
def _dct_matrix(size: int) -> NDArray[np.float64]:
    k = np.arange(size)[:, None]
    i = np.arange(size)[None, :]
    matrix: NDArray[np.float64] = np.cos(np.pi * (2 * i + 1) * k / (2 * size)) * np.sqrt(2 / size)
    matrix[0] /= np.sqrt(2)
    return matrix


def flattened(image: Image.Image) -> Image.Image:
    """The photo in grey at the working size, its lighting taken out (a 32-bit float image)."""
    grey = image.convert("L")
    width, height = grey.size
    scale = _WORKING_SIDE / max(width, height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    resample = Image.Resampling.BOX if scale < 1 else Image.Resampling.BICUBIC
    grey = grey.resize(size, resample)
    light = np.asarray(grey.filter(ImageFilter.GaussianBlur(_FLATTEN_RADIUS)), dtype=np.float32)
    detail = np.asarray(grey, dtype=np.float32) - light
    return Image.fromarray(detail, mode="F")


def window_hash(flat: Image.Image, window: Window) -> bytes:
    """The 256-bit hash of ``window`` of a :func:`flattened` photo."""
    width, height = flat.size
    left, top, right, bottom = window
    box = (left * width, top * height, (1 - right) * width, (1 - bottom) * height)
    sample = np.asarray(flat.resize((_SAMPLE, _SAMPLE), Image.Resampling.BOX, box=box), dtype=np.float64)
    dct = _dct_matrix(_SAMPLE)
    low = (dct @ sample @ dct.T)[:HASH_SIDE, :HASH_SIDE].copy()
    low[0, 0] = np.median(low)  # the mean brightness says nothing about the scene
    bits = (low > np.median(low)).flatten()
    return bytes(np.packbits(bits))


@dataclass(frozen=True)
class Fingerprint:
    """What the search keeps of a photo (``stored``: one hash per stored window) and looks
    for (``query``: one hash per query window)."""

    stored: tuple[bytes, ...]
    query: tuple[bytes, ...]


def fingerprint(image: Image.Image) -> Fingerprint:
    """The hashes of a photo's stored and query windows."""
    flat = flattened(image)
    return Fingerprint(
        stored=tuple(window_hash(flat, w) for w in STORED_WINDOWS),
        query=tuple(window_hash(flat, w) for w in QUERY_WINDOWS),
    )


def split_bands(value: bytes) -> tuple[int, ...]:
    """The hash's 16 rows as 16-bit numbers, lowest vertical frequency first."""
    if len(value) != HASH_BYTES:
        raise ValueError(f"a hash is {HASH_BYTES} bytes, not {len(value)}")
    return tuple(int.from_bytes(value[i : i + 2], "big") for i in range(0, HASH_BYTES, 2))


def merge_bands(bands: tuple[int, ...]) -> bytes:
    """The hash whose rows are ``bands`` (the inverse of :func:`split_bands`)."""
    if len(bands) != HASH_SIDE or any(not 0 <= b < 1 << BAND_BITS for b in bands):
        raise ValueError(f"a hash is {HASH_SIDE} rows of {BAND_BITS} bits")
    return b"".join(b.to_bytes(2, "big") for b in bands)


def band_keys(value: bytes) -> set[int]:
    """The index keys of a hash: its first :data:`BANDS` rows, each with its row number
    (``row << 16 | bits``), so that one index column holds every band."""
    return {row << BAND_BITS | bits for row, bits in enumerate(split_bands(value)[:BANDS])}


def distance(a: bytes, b: bytes) -> int:
    """The Hamming distance of two hashes: how many of their bits differ."""
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).bit_count()


def nearest(query: tuple[bytes, ...], stored: tuple[bytes, ...]) -> int:
    """The smallest distance between any query window and any stored window."""
    return int(distances(query, [stored])[0])


def _words(hashes: list[bytes]) -> NDArray[np.uint64]:
    return np.frombuffer(b"".join(hashes), dtype=">u8").astype(np.uint64).reshape(len(hashes), -1)


def distances(query: tuple[bytes, ...], candidates: list[tuple[bytes, ...]]) -> NDArray[np.int64]:
    """For each candidate (its stored windows' hashes), the smallest distance between any of
    its windows and any query window: every pair at once, as 64-bit words (a search compares
    hundreds of candidates of 17 windows with 16 query windows)."""
    if not candidates:
        return np.zeros(0, dtype=np.int64)
    queries = _words(list(query))  # (q, 4)
    flat = [h for stored in candidates for h in stored]
    owners = np.repeat(np.arange(len(candidates)), [len(stored) for stored in candidates])
    stored_words = _words(flat)  # (s, 4)
    bits = np.bitwise_count(queries[:, None, :] ^ stored_words[None, :, :]).sum(axis=2)  # (q, s)
    nearest_per_window = bits.min(axis=0)
    best = np.full(len(candidates), HASH_BITS, dtype=np.int64)
    np.minimum.at(best, owners, nearest_per_window)
    return best
