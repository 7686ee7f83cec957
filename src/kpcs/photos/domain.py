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

The second look: a low-frequency hash sees a photo's tray, label and ruler more than its
stones, so two parcels photographed on one tray can hash alike. Every candidate near enough
by hash is therefore looked at again (:func:`second_look`): the two pictures aligned
(scale and shift searched around the windows the hash matched), cut into blocks, and in each
block the detail that differs measured against the detail there. A copy differs in no block;
another parcel on the same tray differs wherever its stones are. What passes is looked at
closely, at full detail (:mod:`kpcs.photos.close_look`), which decides.
"""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
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
Box = tuple[float, float, float, float]
"""A part of a photo as fractions of its width and height: its left, top, right, bottom edges."""


def _windows(trims: tuple[float, ...]) -> tuple[Window, ...]:
    return tuple(itertools.product(trims, trims, trims, trims))


STORED_WINDOWS: tuple[Window, ...] = ((0.0, 0.0, 0.0, 0.0), *_windows((0.025, 0.1)))
"""The windows of a photo kept in the index: the whole, and 16 trimmed ones."""
QUERY_WINDOWS: tuple[Window, ...] = _windows((0.0, 0.025, 0.05))
"""The windows of a new photo searched for (the first is the whole photo): 81, whose sides
lie 0, 2.5 or 5 % in, so that with the stored sides at 2.5 or 10 % every crop of 0 to 11 %
of a side has a pair of windows within 1.25 % of each other on that side."""
HASH_SCHEME = 2
"""Which windows and hashing a photo's hashes were made with (``shipment_photos.hashed_as``):
1 the first (stored sides 2.5 or 7.5 % in, query sides 0 or 2.5 %, each window resized by
Pillow); 2 these windows, hashed by :func:`_window_hashes`. A photo of an older scheme is
re-hashed from its file by ``kpcs db upgrade``; until then the search leaves it aside, as
its windows are not these."""

BANDS = 16
"""How many of the hash's 16-bit rows go into the index: all of them. Tuned on the
generator: 8 rows found 97 % of the copies' photos as candidates, 16 rows 99.3 %, at
0.33 % of unrelated photos to compare (docs/photos.md)."""
BAND_BITS = 16
MIN_BAND_HITS = 4
"""A photo is a candidate when at least this many of its (band, value) keys equal the new
photo's: a few shared keys are common among tray photos and not worth checking. With 81
query windows (ninth round) a copy shares many (on 100 originals each of the sixth and
seventh generators, 1,000 copies each: at least 7, median 37-38), other photos fewer: 2
keys made 11 to 13 of every 100 originals candidates for an unrelated photo, 4 keys 4.4
to 5.7, about what 2 keys made with the first scheme's 16 windows (docs/photos.md)."""
MATCH_DISTANCE = 64
"""The largest hash distance (of 256 bits) looked at a second time. Chosen on the tuning
generator (tests/factories/photo_tuning.py, third round, 150 originals x 8 copies, 700
unrelated photos against each original): every copy within 60 (99 % within 46); 64 leaves
room. Unrelated photos also come this near (61 of 105,000 pairs within 60, 158 within 64:
other parcels on the same tray), which is what :data:`DETAIL_LIMIT` is for (docs/photos.md)."""
SECOND_LOOKS = 32
"""At most this many candidates, the nearest by hash, are looked at a second time (each
takes a few milliseconds): in a collection where many photos of one set-up come this near,
an upload still takes a bounded time, at the price of a copy further than 32 other photos
(docs/photos.md, Limits)."""
DETAIL_LIMIT = 0.45
"""The largest :func:`second_look` difference looked at closely (:mod:`kpcs.photos.close_look`
decides). The second look first decided alone, at 0.29 (chosen on the tuning generator: its
copies at most 0.32, 99.5 % at most 0.23; its other parcels on one tray at least 0.34); the
third generator's copies reach 0.52 and its other parcels of one set-up pass 0.29 (15 % of
them). Now a filter for the close look: 0.45 keeps 99.3 % of that generator's copies and
every copy of the tuning generator, and lets the close look see 2 pairs per photo of 150 where
the second look alone let 0.5 through (docs/photos.md)."""
DOUBTED_DISTANCE = 44
"""A candidate the second look doubted (over :data:`DETAIL_LIMIT`) is still looked at closely
if it is at most this far by hash (ninth round): the seventh generator's copies the close
look found past the doubt were 12 to 40 bits away, its other parcels reported past it 28
to 54 (two of another day at 52 and 54); the fifth generator's false matches had risen from
0 to 18 when every doubted candidate within :data:`MATCH_DISTANCE` was looked at."""
DETAIL_CLEAR = 0.15
"""A candidate whose :func:`second_look` difference is at most this is looked at closely
at once, before the further candidates are looked at a second time: most copies agree this
well (95 % of the tuning generator's copies, none of its other parcels on one tray; 84 to
90 % of the copies of the three generators read), and a search that finds its copy's
original first by hash then makes one second look, not :data:`SECOND_LOOKS`."""
DETAIL_LIMIT_ALONE = 0.29
"""The largest :func:`second_look` difference that makes two photos one picture when the
close look has too few blocks with detail to decide (a picture of a few hundred pixels):
the second look's own limit before the close look, chosen on the tuning generator (above).
The tuning generator's other parcels came through the filter against such small pictures
at 0.38 to 0.45 (docs/photos.md, sixth round)."""


BESIDE = ThreadPoolExecutor(max_workers=4, thread_name_prefix="kpcs-photos")
"""Threads for the work of a search that need not wait for the rest: the earlier photo's
detail made while the new photo's is, the nearest candidate's photo read during its second
look. Pillow's and NumPy's image work lets go of the interpreter, so a search uses two cores
where it has them."""


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


def _averaging(length: int, low: float, high: float) -> NDArray[np.float64]:
    """The matrix that averages ``length`` pixels down to :data:`_SAMPLE`, from the fraction
    ``low`` to ``1 - high`` of them: each sample the mean of its span, pixels cut by a span's
    edge counted by the part inside it (what an area-averaging resize does)."""
    edges = np.linspace(low * length, (1 - high) * length, _SAMPLE + 1)
    starts, ends = edges[:-1, None], edges[1:, None]
    pixels = np.arange(length)[None, :]
    inside = np.clip(np.minimum(ends, pixels + 1) - np.maximum(starts, pixels), 0, None)
    averaging: NDArray[np.float64] = inside / (ends - starts)
    return averaging


def _window_hashes(flat: NDArray[np.float64], windows: tuple[Window, ...]) -> tuple[bytes, ...]:
    """The hashes of many windows of one flattened photo at once.

    A window averaged down to 64 x 64 is ``rows @ flat @ columns.T`` (one averaging matrix a
    side), and its lowest DCT frequencies ``(D @ rows) @ flat @ (D @ columns).T`` with D the
    DCT's first 16 rows: so each pair of top and bottom trims multiplies the photo once, and
    each window then costs a 16 x width product, where resizing each window did 64 x 64 of
    work and a DCT of its own (81 query windows hashed in a few milliseconds)."""
    height, width = flat.shape
    dct = _dct_matrix(_SAMPLE)[:HASH_SIDE]
    # each distinct pair of trims once (81 windows have 9 of each)
    rows = {(t, b): dct @ _averaging(height, t, b) @ flat for t, b in {(t, b) for _, t, _, b in windows}}
    columns = {(lt, r): dct @ _averaging(width, lt, r) for lt, r in {(lt, r) for lt, _, r, _ in windows}}
    hashes = []
    for left, top, right, bottom in windows:
        low = rows[top, bottom] @ columns[left, right].T
        low[0, 0] = np.median(low)  # the mean brightness says nothing about the scene
        hashes.append(bytes(np.packbits((low > np.median(low)).flatten())))
    return tuple(hashes)


@dataclass(frozen=True)
class Fingerprint:
    """What the search keeps of a photo (``stored``: one hash per stored window) and looks
    for (``query``: one hash per query window)."""

    stored: tuple[bytes, ...]
    query: tuple[bytes, ...]


def fingerprint(image: Image.Image) -> Fingerprint:
    """The hashes of a photo's stored and query windows."""
    return _fingerprint_of(flattened(image))


def _fingerprint_of(flat: Image.Image) -> Fingerprint:
    pixels = np.asarray(flat, dtype=np.float64)
    return Fingerprint(_window_hashes(pixels, STORED_WINDOWS), _window_hashes(pixels, QUERY_WINDOWS))


@dataclass(frozen=True)
class Query:
    """A new photo as the search takes it: its fingerprint, its :func:`flattened` detail for
    the second look at the candidates, and the photo in grey, at most :data:`CLOSE_SIDE`
    pixels a side, for the close look (:mod:`kpcs.photos.close_look`)."""

    flat: Image.Image
    fingerprint: Fingerprint
    grey: Image.Image


CLOSE_SIDE = 960
"""How long a side the close look reads each photo at (at least): a copy's window covers at
least 80 % of its photo, so the close look's 768 pixels are there (fewer if the photo has fewer)."""


def reduced(grey: Image.Image, side: int = CLOSE_SIDE) -> Image.Image:
    """``grey`` averaged down to at most ``side`` pixels on its longer side."""
    scale = side / max(grey.size)
    if scale >= 1:
        return grey
    return grey.resize(
        (max(1, round(grey.width * scale)), max(1, round(grey.height * scale))), Image.Resampling.BOX
    )


def query(image: Image.Image) -> Query:
    """What the search needs of a new photo (turned grey once, flattened once, for all uses)."""
    grey = image.convert("L")
    flat = flattened(grey)
    return Query(flat, _fingerprint_of(flat), reduced(grey))


def joined(hashes: tuple[bytes, ...]) -> bytes:
    """A photo's window hashes as the one value kept (``shipment_photos.hashes``)."""
    if any(len(value) != HASH_BYTES for value in hashes):
        raise ValueError(f"a hash is {HASH_BYTES} bytes")
    return b"".join(hashes)


def parted(kept: bytes) -> tuple[bytes, ...]:
    """The window hashes kept by :func:`joined`, one by one."""
    return tuple(kept[at : at + HASH_BYTES] for at in range(0, len(kept), HASH_BYTES))


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


def _words(hashes: list[bytes]) -> NDArray[np.uint64]:
    return _kept_words(b"".join(hashes))


def _kept_words(kept: bytes) -> NDArray[np.uint64]:
    """Hashes joined end to end (as :func:`joined` keeps them) as rows of four 64-bit words."""
    return np.frombuffer(kept, dtype=">u8").astype(np.uint64).reshape(-1, HASH_BYTES // 8)


def _bits_apart(queries: NDArray[np.uint64], stored: NDArray[np.uint64]) -> NDArray[np.uint16]:
    """Every query hash's distance to every stored hash (q x s), one 64-bit word at a time:
    a search compares 81 query windows with the 17 windows of thousands of candidates, and
    the four words at once would make an array of gigabytes' worth of work."""
    bits = np.zeros((len(queries), len(stored)), dtype=np.uint16)
    for word in range(queries.shape[1]):
        bits += np.bitwise_count(queries[:, word, None] ^ stored[None, :, word])
    return bits


@dataclass(frozen=True)
class Closest:
    """The nearest pair of windows of a new photo and a stored one, and their distance."""

    distance: int
    query_window: Window
    stored_window: Window


def closest(query: tuple[bytes, ...], candidates: list[tuple[bytes, ...]]) -> list[Closest]:
    """For each candidate (its stored windows' hashes, in :data:`STORED_WINDOWS` order), the
    nearest pair of its windows and the query's."""
    if not candidates:
        return []
    bits = _bits_apart(_words(list(query)), _words([h for stored in candidates for h in stored]))
    found, start = [], 0
    for stored in candidates:
        block = bits[:, start : start + len(stored)]
        q, w = np.unravel_index(int(np.argmin(block)), block.shape)
        found.append(Closest(int(block[q, w]), QUERY_WINDOWS[q], STORED_WINDOWS[w]))
        start += len(stored)
    return found


def closest_kept(query: tuple[bytes, ...], kept: list[bytes]) -> list[Closest]:
    """:func:`closest` for candidates as the search reads them (each one value of
    :func:`joined` hashes of every stored window), all at once: one array of the distances
    of every pair of windows, one argmin per candidate (a search at 100,000 photos compares
    a thousand or more)."""
    if not kept:
        return []
    windows = len(STORED_WINDOWS)
    bits = _bits_apart(_words(list(query)), _kept_words(b"".join(kept)))
    per_candidate = bits.reshape(len(query), len(kept), windows).transpose(1, 0, 2).reshape(len(kept), -1)
    nearest = per_candidate.argmin(axis=1)
    distances = per_candidate[np.arange(len(kept)), nearest]
    return [
        Closest(int(d), QUERY_WINDOWS[at // windows], STORED_WINDOWS[at % windows])
        for d, at in zip(distances.tolist(), nearest.tolist(), strict=True)
    ]


OTHER_PAIRS = 2
"""How many further pairs of windows a doubted second look tries (:func:`other_pairs`)."""


def other_pairs(query: tuple[bytes, ...], stored: tuple[bytes, ...], nearest: Closest) -> list[Closest]:
    """The next nearest pairs of windows of one candidate after ``nearest``, each placing the
    scene otherwise (the sides of no two differ by the same trims), at most
    :data:`OTHER_PAIRS`: on a fine, regular pattern (a sieve plate's holes) a pair 2 % off on
    one side can hash nearer than the right one, and the second look, started from it,
    aligns the holes one period apart."""

    def placed(pair: Closest) -> tuple[float, ...]:
        return tuple(round(s - q, 4) for q, s in zip(pair.query_window, pair.stored_window, strict=True))

    bits = _bits_apart(_words(list(query)), _words(list(stored)))
    seen, found = {placed(nearest)}, []
    for flat in np.argsort(bits, axis=None, kind="stable"):
        q, w = np.unravel_index(int(flat), bits.shape)
        pair = Closest(int(bits[q, w]), QUERY_WINDOWS[q], STORED_WINDOWS[w])
        if placed(pair) not in seen:
            seen.add(placed(pair))
            found.append(pair)
            if len(found) == OTHER_PAIRS:
                break
    return found


# --- the second look ----------------------------------------------------------------------

_COARSE_GRID = 40
"""The compared window's longer side, in samples, while the alignment is searched."""
_FINE_GRID = 80
"""... and when it is refined and measured."""
_SCALES = (0.97, 0.985, 1.0, 1.015, 1.03)
"""Each way, the stored window's width and height are tried at these multiples: the hash's
windows agree with a copy's crop to about 1.25 % a side, so up to 2.5 % in size."""
_BLOCKS = (8, 6)
"""The aligned window is cut into this many blocks (across, down) for the measure."""
_QUIET = 0.1
"""A block's detail is measured against its own detail plus this share of the picture's
average: two blocks of bare tray, differing only by their noise, are not called different."""


class Padded:
    """A detail image seen with a border of zeros (no detail) an eighth of its size wide, and
    some pixels more, so that a window searched a little beyond the picture's edge can still
    be sampled. The border is drawn only for a window that reaches it: most windows lie
    inside the picture, and copying a picture into a larger one costs as much as sampling it."""

    def __init__(self, flat: Image.Image | NDArray[np.float32], extra: int = 0) -> None:
        self.picture = flat if isinstance(flat, Image.Image) else Image.fromarray(flat, mode="F")
        self.pad = (self.picture.width // 8 + 2 + extra, self.picture.height // 8 + 2 + extra)
        self.size = (self.picture.width + 2 * self.pad[0], self.picture.height + 2 * self.pad[1])
        self._bordered: Image.Image | None = None

    def resized(self, size: tuple[int, int], box: Box) -> Image.Image:
        """The part ``box`` (in pixels of the padded picture) averaged down to ``size``."""
        (pad_x, pad_y), picture = self.pad, self.picture
        inside = (box[0] - pad_x, box[1] - pad_y, box[2] - pad_x, box[3] - pad_y)
        if inside[0] >= 0 and inside[1] >= 0 and inside[2] <= picture.width and inside[3] <= picture.height:
            return picture.resize(size, Image.Resampling.BOX, box=inside)
        if self._bordered is None:
            pixels = np.asarray(picture, dtype=np.float32)
            bordered = np.zeros((self.size[1], self.size[0]), dtype=np.float32)
            bordered[pad_y : pad_y + picture.height, pad_x : pad_x + picture.width] = pixels
            self._bordered = Image.fromarray(bordered, mode="F")
        return self._bordered.resize(size, Image.Resampling.BOX, box=box)


@dataclass(frozen=True)
class Frame:
    """Where a window lies on a padded detail image: its centre and half-sizes, in pixels
    (the second look and the close look sample and move it)."""

    image: Padded
    centre: tuple[float, float]
    half: tuple[float, float]

    @classmethod
    def of(cls, flat: Image.Image, window: Window) -> Frame:
        """The ``window`` (what is trimmed off each side) of a detail image."""
        left, top, right, bottom = window
        return cls.at(flat, (left, top, 1 - right, 1 - bottom))

    @classmethod
    def at(cls, flat: Image.Image | NDArray[np.float32], box: Box, extra: int = 0) -> Frame:
        """The ``box`` (its edges as fractions of the width and height) of a detail image, or
        of its pixels (padded by ``extra`` pixels more than the usual eighth)."""
        padded = Padded(flat, extra)
        (pad_x, pad_y), (width, height) = padded.pad, padded.picture.size
        x0, y0, x1, y1 = box[0] * width, box[1] * height, box[2] * width, box[3] * height
        return cls(padded, ((x0 + x1) / 2 + pad_x, (y0 + y1) / 2 + pad_y), ((x1 - x0) / 2, (y1 - y0) / 2))

    def moved(self, shift: tuple[float, float], scale: tuple[float, float]) -> Frame:
        """The frame moved by ``shift`` pixels and sized by ``scale``."""
        return Frame(
            self.image,
            (self.centre[0] + shift[0], self.centre[1] + shift[1]),
            (self.half[0] * scale[0], self.half[1] * scale[1]),
        )

    def sample(self, grid: tuple[int, int], margin: int, scale: tuple[float, float]) -> NDArray[np.float64]:
        """The window, its size times ``scale``, averaged down to ``grid`` samples, with
        ``margin`` more samples on every side (for the shifts searched)."""
        return np.asarray(self._resized(grid, margin, scale), dtype=np.float64)

    def samples32(self, grid: tuple[int, int], margin: int) -> NDArray[np.float32]:
        """:meth:`sample` at the window's own size, in 32-bit floats, as the close look
        compares them (a copy to 64 bits of a picture of 768 pixels costs as much as its
        sampling)."""
        return np.asarray(self._resized(grid, margin, (1.0, 1.0)), dtype=np.float32)

    def _resized(self, grid: tuple[int, int], margin: int, scale: tuple[float, float]) -> Image.Image:
        (cx, cy), (hx, hy) = self.centre, (self.half[0] * scale[0], self.half[1] * scale[1])
        step_x, step_y = 2 * hx / grid[0], 2 * hy / grid[1]
        box = (cx - hx - margin * step_x, cy - hy - margin * step_y, cx + hx + margin * step_x,
               cy + hy + margin * step_y)  # fmt: skip
        size = (grid[0] + 2 * margin, grid[1] + 2 * margin)
        return self.image.resized(size, box)

    def fits(self, grid: tuple[int, int], margin: int) -> bool:
        """True if :meth:`sample` can take the window with ``margin`` samples more on every
        side from the padded picture."""
        (cx, cy), (hx, hy) = self.centre, self.half
        spare_x, spare_y = hx * (1 + 2 * margin / grid[0]), hy * (1 + 2 * margin / grid[1])
        return (
            cx - spare_x >= 0
            and cy - spare_y >= 0
            and cx + spare_x <= self.image.size[0]
            and cy + spare_y <= self.image.size[1]
        )

    def box(self, size: tuple[int, int]) -> Box:
        """The frame as fractions of the unpadded picture, of ``size``, it lies on."""
        width, height = size
        pad_x, pad_y = (self.image.size[0] - width) / 2, (self.image.size[1] - height) / 2
        cx, cy = self.centre[0] - pad_x, self.centre[1] - pad_y
        hx, hy = self.half
        return ((cx - hx) / width, (cy - hy) / height, (cx + hx) / width, (cy + hy) / height)


@dataclass(frozen=True)
class _Fit:
    """The best scale and shift (in pixels of the padded image) of a stored window."""

    correlation: float
    scale: tuple[float, float]
    shift: tuple[float, float]
    samples: NDArray[np.float64]


def _best_fit(
    query: NDArray[np.float64],
    stored: Frame,
    grid: tuple[int, int],
    margin: int,
    scales: list[tuple[float, float]],
) -> _Fit:
    """Of every scale and every shift up to ``margin`` samples, the one whose stored samples
    correlate best with ``query``."""
    unit = query / (np.sqrt((query * query).sum()) + 1e-9)
    span = 2 * margin + 1
    samples = np.stack([stored.sample(grid, margin, scale) for scale in scales])
    views = sliding_window_view(samples, (grid[1], grid[0]), axis=(1, 2))
    # every scale's and shift's product with the query at once, and each shifted window's
    # energy from a table of running sums (not a sum over each window)
    products = np.einsum("nijkl,kl->nij", views, unit)
    table = np.pad(np.cumsum(np.cumsum(samples * samples, axis=1), axis=2), ((0, 0), (1, 0), (1, 0)))
    energy = (
        table[:, grid[1] :, grid[0] :][:, :span, :span]
        - table[:, :span, grid[0] :][:, :, :span]
        - table[:, grid[1] :, :span][:, :span]
        + table[:, :span, :span]
    )
    correlation = products / (np.sqrt(np.maximum(energy, 0.0)) + 1e-9)
    n, i, j = np.unravel_index(int(np.argmax(correlation)), correlation.shape)
    scale = scales[int(n)]
    shift = (
        (int(j) - margin) * 2 * stored.half[0] * scale[0] / grid[0],
        (int(i) - margin) * 2 * stored.half[1] * scale[1] / grid[1],
    )
    return _Fit(float(correlation[n, i, j]), scale, shift, views[n, i, j])


@dataclass(frozen=True)
class Alignment:
    """Where the same part of the scene lies in the new photo and in the stored one, as the
    second look found it: the stage a closer look starts from."""

    query_box: Box
    stored_box: Box


@dataclass(frozen=True)
class SecondLook:
    """What the second look found: how much detail differs, and the alignment it measured on."""

    difference: float
    alignment: Alignment


def second_look(query: Image.Image, stored: Image.Image, nearest: Closest) -> SecondLook:
    """How much of the two pictures' detail differs once they are aligned: 0 for the same
    picture, more than :data:`DETAIL_LIMIT` for most other parcels, even on the same tray.

    Both are :func:`flattened` photos. The alignment starts from the windows the hash found
    nearest and searches the stored window's scale (:data:`_SCALES`) and shift, coarsely,
    then finely around the best. The aligned window is cut into :data:`_BLOCKS`; in each,
    the energy of the difference (after one gain for the whole picture, for recolouring) is
    divided by the energy of both blocks plus a floor (:data:`_QUIET`). The measure is their
    mean, each block weighing ``E / (E + median E)`` by its energy ``E``: a block of bare tray
    (about the median in a sparse parcel) weighs half or less, a block with stones nearly one,
    so that a few differing stones on a large shared tray are not averaged away."""
    stored_frame = Frame.of(stored, nearest.stored_window)
    query_frame = Frame.of(query, nearest.query_window)
    aspect = stored_frame.half[1] / max(stored_frame.half[0], 1e-9)
    coarse = (_COARSE_GRID, max(4, round(_COARSE_GRID * aspect)))
    first = _best_fit(
        query_frame.sample(coarse, 0, (1.0, 1.0)), stored_frame, coarse, 2,
        [(x, y) for x in _SCALES for y in _SCALES],
    )  # fmt: skip
    (sx, sy) = first.scale
    fine = (_FINE_GRID, max(8, round(_FINE_GRID * aspect)))
    step = (_SCALES[1] - _SCALES[0]) / 2
    q = query_frame.sample(fine, 0, (1.0, 1.0))
    fit = _best_fit(
        q, stored_frame, fine, 3, [(sx + dx * step, sy + dy * step) for dx in (-1, 0, 1) for dy in (-1, 0, 1)]
    )
    s = fit.samples * ((q * fit.samples).sum() / ((fit.samples * fit.samples).sum() + 1e-9))
    aligned = Alignment(
        query_frame.box(query.size), stored_frame.moved(fit.shift, fit.scale).box(stored.size)
    )
    return SecondLook(_measure(q, s), aligned)


def second_look_of(
    query: Query, stored: Image.Image, nearest: Closest, hashes: tuple[bytes, ...]
) -> SecondLook:
    """The :func:`second_look` of a new photo at a candidate (its :func:`flattened` detail
    ``stored``, its window ``hashes``), and if that doubts (over :data:`DETAIL_LIMIT`) a
    candidate near enough by hash to be looked at closely all the same
    (:data:`DOUBTED_DISTANCE`), tried again from :func:`other_pairs`: the look that agrees
    best."""
    look = second_look(query.flat, stored, nearest)
    if look.difference > DETAIL_LIMIT and nearest.distance <= DOUBTED_DISTANCE:
        for pair in other_pairs(query.fingerprint.query, hashes, nearest):
            again = second_look(query.flat, stored, pair)
            if again.difference < look.difference:
                look = again
    return look


def _measure(q: NDArray[np.float64], s: NDArray[np.float64]) -> float:
    """The differing share of the detail, block by block, each block weighing by how much
    detail it holds against the picture's median block (see :func:`second_look`)."""
    floor = _QUIET * (np.mean(q * q) + np.mean(s * s)) / 2
    rows = [len(r) for r in np.array_split(np.arange(q.shape[0]), _BLOCKS[1])]
    cols = [len(c) for c in np.array_split(np.arange(q.shape[1]), _BLOCKS[0])]
    starts_down, starts_across = np.cumsum([0, *rows[:-1]]), np.cumsum([0, *cols[:-1]])

    def summed(values: NDArray[np.float64]) -> NDArray[np.float64]:
        """``values`` added up block by block."""
        across: NDArray[np.float64] = np.add.reduceat(values, starts_across, axis=1)
        return np.add.reduceat(across, starts_down, axis=0)

    energies = summed(q * q) + summed(s * s)
    sizes = np.outer(rows, cols)
    differing = summed((q - s) ** 2) / (energies + floor * sizes)
    weights = energies / (energies + np.median(energies) + 1e-9)
    return float((weights * differing).sum() / (weights.sum() + 1e-9))
