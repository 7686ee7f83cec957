"""The close look: the last check of a photo found near an earlier one, free of I/O.

Why: the hash (256 px) and the second look (80 samples across) see a parcel photo as its
set-up: the tray, the label card, the ruler, the colour chart, where they always lie. An office
that photographs lot after lot on one set-up gives photos that agree there and differ only
in a few stones in a corner of the frame, and in the writing on the label: both checks let
such photos through. The close look compares the fine detail itself, at up to 768 pixels
across, block by block: a copy (cropped, resized, recompressed, blurred, recoloured) agrees
in every block where there is something to see; another parcel differs in every block its
stones or its writing are in, however much of the set-up agrees.

How:

1. Both photos, in grey, are brought to the same scale (at most :data:`WIDTH` pixels across
   the window the second look aligned, fewer when either photo has fewer) and their fine
   detail kept: sensor noise smoothed (a 3 x 3 average), shading taken out (less an average
   over :data:`_SHADING` pixels).
2. **Alignment, coarse to fine.** The second look aligned the photos to about one of its 80
   samples, its scale a few % off. At each of the :data:`LEVELS` (a quarter, a half, the
   whole of the scale), each block finds the shift of the earlier photo that correlates
   best with it, to a fraction of a sample; the line most blocks' shifts agree with, across
   and down, gives the earlier window's shift and its scale in each direction (a crop, a
   resize or a squeeze leave them linear). Coarse first, because a repeated pattern (a sieve
   plate's holes) lets a block match the next hole along as well as its own: at a quarter
   scale the holes are a blur, and each finer level reaches too little to jump one.
3. **The measure.** At full scale, each block's best correlation within one pixel of that
   alignment. Blocks near either picture's edge are left out. A block is *counted* when it
   holds detail above the camera's noise (:data:`SEEN` times the quietest tenth's), and is
   *clear* when it holds much (:data:`COUNTS` times the median block's, or it is among the
   :data:`_LEAST_COUNTED` with most: stones, writing, props; not bare tray). A clear block
   *differs* when its correlation is under :data:`DIFFERS`; any counted block differs when it
   leaves far more unexplained than the others (:data:`UNEXPLAINED`): where a pattern fills
   the frame, the blocks that another parcel's stones lie in are the ones that stand out,
   the pattern agreeing round them. The same is measured in blocks of :data:`SMALL_BLOCK`,
   where a stone of 30 to 40 pixels on a pattern fills whole blocks (:data:`FINE_UNEXPLAINED`).
   The photos are the same picture when at most :data:`MOST_DIFFERING` blocks differ (none,
   :data:`MOST_DIFFERING_DOUBTED`, when the second look already doubted) and at most
   :data:`MOST_FINE_DIFFERING` finer blocks stand out: a copy differs in none, another lot
   in every block its stones or its writing are in, however few. Where a texture fills the
   frame (:data:`TEXTURE_FILLS`) and the second look doubted, every block with some detail
   must correlate too (:data:`UNLIKE_BELOW`): the texture holds more detail than the card
   or the stones on it, which the counted blocks then leave out.
4. **The middle look.** Where the full scale would call the photos one picture, the same
   windows are compared once more at a quarter of the scale (:data:`MIDDLE`), where the
   fine detail of a plate's holes or a woven mesh is averaged away and a stone of 20 pixels
   is still a blob: a block with much detail there (:data:`MIDDLE_CLEAR`) that does not
   correlate (:data:`MIDDLE_DIFFERS`) differs. Why: at full scale a pattern that fills the
   frame agrees round the stones of another lot on it and outweighs them, so that no block
   differs there; a quarter of the scale sees the stones themselves. Its shading is taken
   out by a Gaussian average, which does not depend on where a crop put the picture's first
   pixel; the windows are compared as the full scale aligned them and, where too many
   blocks differ so, aligned again, the fewer differing kept (:func:`_middle`).
5. **A region unlike it.** Where a texture fills the frame and the picture is so soft that
   only the :data:`_LEAST_COUNTED` clearest blocks are counted (a perforated plate drawn
   smaller and scaled up), another lot's stones and card may lie wholly among the blocks not
   counted: the plate agrees everywhere, no counted block differs, and the middle look sees
   the holes' blur. Those blocks do not correlate at all, side by side: :data:`MOST_UNLIKE_TOGETHER`
   unlike blocks that touch make the photos two pictures. A copy shows such a region only
   where the plate aligned it a period off (the stones and card disagree, the holes do not):
   the windows are then aligned again on the region (:func:`_aligned_on`), and the
   alignment with fewer unlike blocks kept.
6. **Too little to see.** A picture of a few hundred pixels has only a handful of blocks
   with detail, and "at most two differ" says little about it: with fewer than
   :data:`FEWEST_COUNTED`, the close look does not decide, and the second look's stricter
   limit (:data:`~kpcs.photos.domain.DETAIL_LIMIT_ALONE`) does.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray
from PIL import Image, ImageFilter

from kpcs.photos.domain import BESIDE, DETAIL_LIMIT, DETAIL_LIMIT_ALONE, Alignment, Box, Frame

WIDTH = 768
"""The close look compares the aligned windows at most this many pixels across."""
BLOCK = 32
"""The blocks compared at full scale, in pixels..."""
SMALL_BLOCK = 16
"""...or these, where the close look compares fewer than :data:`SMALL_WIDTH` pixels across:
at 240 pixels, blocks of 32 leave a dozen, too few to tell another heap of small stones on
the same velvet from the picture itself (the third generator's nearest pair differs in 1 of
3); blocks of 16 leave some 30, and it differs in 9 while the copies differ in none."""
SMALL_WIDTH = 320
"""(Blocks of 32 are kept from this width up: each holds more of a stone's outline.)"""
LEVELS = ((4, 16, 8), (2, 32, 2), (1, 32, 1))
"""The alignment's levels, coarse first: at the close look's width divided by the first
number, blocks of the second's pixels find their shift up to the third's each way."""
DIFFERS = 0.4
"""A clear block differs when its best correlation is under this."""
COUNTS = 4.0
"""A block is clear when its detail is at least this many times the median block's (or it
is among the :data:`_LEAST_COUNTED` with most)."""
SEEN = 4.0
"""A block has detail to compare (it is *counted*) when its detail is at least this many
times the quietest tenth's (bare surface: the camera's noise), and at least
:data:`_SEEN_OF_MEDIAN` of the median block's; every clear block is counted."""
_SEEN_OF_MEDIAN = 0.1
"""(A picture drawn flat, with no noise at all, has nothing in its quietest tenth.)"""
UNEXPLAINED = 5.0
"""A counted block differs, too, when what its correlation leaves unexplained (its detail
times one less the correlation) is more than this many times the median counted block's...
"""
_UNEXPLAINED_BELOW = 0.5
"""...and its correlation is under this. Why: on a pattern that fills the frame (a sieve
plate's holes), a block that another parcel's stones lie in still correlates 0.4 to 0.7,
the holes agreeing, but leaves five to ten times as much unexplained as the holes alone
around it; a copy leaves about as much everywhere (docs/photos.md, seventh round)."""
FINE_UNEXPLAINED = 4.0
"""A finer block (:data:`SMALL_BLOCK` pixels) with detail stands out when what its
correlation leaves unexplained is more than this many times the median finer block's...
"""
_FINE_UNEXPLAINED_BELOW = 0.4
"""...and its correlation is under this. Why: a stone of 30 to 40 pixels on a pattern (a
sieve plate's holes) fills no block of 32 (the holes round it agree, and the block still
correlates 0.6 to 0.9), but fills some blocks of 16, which then stand out (docs/photos.md,
eighth round)."""
MOST_FINE_DIFFERING = 2
"""The most finer blocks that may stand out in the same picture. Chosen with the two
above on the sixth and seventh generators' measurements (docs/photos.md, eighth round):
the seventh's other parcels reported fell from 117 to 24 of 1,000 (the sixth's from 2 to
0) for 0.011 and 0.005 of their copies' recall."""
MOST_DIFFERING = 2
"""The most blocks that may differ in the same picture. A count, not a share: another lot of
a few stones on an unchanged set-up differs in only the few blocks its stones lie in, out of
a hundred or more with detail, while a copy, well aligned, differs in none (or one or two,
where a crop's edge or recompression meets fine detail). Chosen on the four generators read
so far (docs/photos.md, "Thresholds"): their copies' 99th percentile was at most 2 differing
blocks; their other parcels' fewest 3 (the fourth's small parcels), 10, 16 and 42."""
MOST_DIFFERING_DOUBTED = 0
"""...and none, when the second look found more difference than its own limit
(:data:`~kpcs.photos.domain.DETAIL_LIMIT_ALONE`): of the copies of four generators that came
so far from their original at the second look, 106 differed in no block and 2 in one or
two; the sixth generator's other parcels that passed everything else differed in one or two
(docs/photos.md, seventh round)."""
TEXTURE_FILLS = 0.3
"""A picture is filled with a texture (a woven mesh, a sieve, a grid) when its quietest tenth
of blocks holds at least this share of the median block's detail: there the texture, not
the camera's noise, sets :data:`SEEN`'s floor, and the blocks with *less* detail than the
texture (a label card, a stone covering the mesh) are not counted at all."""
UNLIKE_BELOW = 0.3
"""In such a picture, past the second look's doubt, a block with detail above
:data:`_SEEN_OF_MEDIAN` of the median that correlates under this is *unlike*: another lot
on the same mesh differs in its card and where its stones cover the mesh, while the mesh
agrees everywhere else (tenth round, chosen on the fifth generator's 11 false matches, all
past the doubt on a mesh: their cards correlated -0.1 to 0.3, the mesh 0.8 to 0.9)."""
MOST_UNLIKE_DOUBTED = 0
"""The most unlike blocks in the same picture, past the second look's doubt
(:data:`~kpcs.photos.domain.DETAIL_LIMIT`): none. On four generators measured in process,
this kept every copy but 8 of the fifth's 2,200 and 1 of the ninth's 2,000 (copies aligned
a mesh period off in part of the frame) and removed all 11 of the fifth's false matches
(docs/photos.md, tenth round)."""
MOST_UNLIKE_TOGETHER = 6
"""Where a texture fills the frame and only the clearest :data:`_LEAST_COUNTED` blocks are
counted, this many unlike blocks that touch are a region that differs: another lot's stones,
or its card, on the same set-up. Chosen on the twelfth generator's measurements
(docs/photos.md, thirteenth round): its other parcels reported fell from 18 to 4 of 1,000;
of the copies of the twelfth, tenth, ninth and fifth generators, none was lost. Without the
limit to the soft pictures it lost copies whose quiet blocks (a velvet's grain) decorrelate
when recompressed (6 of the ninth's, 2 of the tenth's)."""
UNLIKE_SPREAD = 0.08
"""(Unless more than this share of the blocks with detail are unlike: then the texture
itself was lost, as a blurred copy of a woven mesh loses it everywhere; the twelfth's other
parcels had 1 to 32 unlike of some 590, its blurred copies up to 338.)"""
_REALIGN_REACH = 32
"""How far (in samples each way) the windows are moved to align them on such a region: a
period of a plate's holes is some 14 samples; the twelfth's crops of originals 16 and 18,
aligned a period off, had 14 and 22 blocks together unlike, none once aligned on them."""
MIDDLE = 4
"""The middle look compares the aligned windows at the close look's width divided by this,
in blocks of :data:`BLOCK` divided by it (the same part of the picture as a block of the
close look)."""
MIDDLE_CLEAR = 2.0
"""A block of the middle look is clear when its detail is at least this many times the
median block's..."""
MIDDLE_DIFFERS = 0.3
"""...and differs when its best correlation is under this."""
MOST_MIDDLE_DIFFERING = 2
"""The most blocks of the middle look that may differ in the same picture. Chosen with the
two above on the tenth generator's measurements (docs/photos.md, eleventh round): its other
parcels reported fell from 22 to 10 of 1,000 for none of its 2,147 copies found. Copies it
refused at 100,000 photos (the fifth's recall 0.950 -> 0.941) were mended by
:data:`_MIDDLE_FLOOR` and by keeping the full scale's alignment beside its own (twelfth
round: of the fifth's 1,038 copies that pass everything else, it refuses none)."""
_MIDDLE_FLOOR = 128.0
"""(A block of the middle look is never clear with less detail than this, a grey level's
worth in each photo: on a blank sheet the median block holds none at all.)"""
_MIDDLE_REACH = 4
"""The middle look aligns the windows once more, each block finding its shift up to this
many samples each way: the full scale may have aligned a plate's holes a row off (a copy of
the tenth generator's unrelated photo 316, cropped, resized and recompressed, differed in 13
blocks of the middle look without it, in none with it)."""
FEWEST_COUNTED = 12
"""The fewest blocks with detail the close look decides on. Chosen on the tuning generator
(docs/photos.md, sixth round): its other parcels that passed the second look against the
index's 240 x 180 pictures had 1 to 8 blocks counted, and 2 or fewer differed in ten of
them; the copies of the four generators read had 24 or more (two of the fourth's 646, in
pictures a few hundred pixels across, fewer)."""
CLOSE_LOOKS = 4
"""At most this many candidates, those whose detail agreed best at the second look, are
looked at closely (each reads the earlier photo's grey copy and takes some 30 ms)."""
_LEAST_COUNTED = 24
"""At least this many blocks count, those with most detail: where a texture fills the frame
(a woven sieve), four times the median leaves only the label card's edges, which another
lot on the same set-up shares; the stones and the plate's rim are among the next."""
_DIRECT_REACH = 2
"""Up to this reach, blocks are compared shift by shift (fewer products than FFTs take)."""
_SHADING = 8
"""The shading taken out of the fine detail: the picture averaged over this many pixels."""
_MOST_SLOPE = 0.15
"""A line steeper than this (a scale 15 % off the second look's, which is seldom more than
8 % off) is not a copy's alignment."""
_LINE_BLOCKS = 48
"""The clearest blocks a level's line is drawn through (every two of them tried)."""
_LINE_AGREE = 0.3
"""A line is taken only if at least this share of those blocks agree with it..."""
_LINE_AGREE_LEAST = 6
"""...and at least this many."""
_CLEAR_PEAK = 0.6
"""A block's shift is used in the alignment only if its correlation there is at least this
(and its detail at least the median block's)."""


@dataclass(frozen=True)
class CloseLook:
    """What the close look found: how many blocks with detail differ, of how many."""

    differing: int
    counted: int
    fine_differing: int = 0
    """Of the finer blocks (:data:`SMALL_BLOCK` pixels), how many stand out (see the module)."""
    unlike: int = 0
    """In a picture filled with a texture, how many blocks with less detail than it are
    unlike (:data:`UNLIKE_BELOW`); 0 in any other picture."""
    middle_differing: int = 0
    """Of the middle look's clear blocks (:data:`MIDDLE_CLEAR`), how many differ."""
    unlike_together: int = 0
    """In a picture filled with a texture, the most unlike blocks that touch
    (:data:`MOST_UNLIKE_TOGETHER`)."""

    @property
    def decides(self) -> bool:
        """True if enough blocks have detail for the close look to decide."""
        return decides(self.counted)

    def same_picture(self, difference: float) -> bool:
        """Whether the photos are one picture, the second look having found ``difference``:
        so few blocks differ (:meth:`most_differing`), or, where the close look has too few
        blocks to decide, the second look agrees within its stricter limit; and in either case
        few blocks differ at the middle look, and no region is unlike it
        (:data:`MOST_UNLIKE_TOGETHER`)."""
        if self.middle_differing > MOST_MIDDLE_DIFFERING:
            return False
        if self.unlike_together >= MOST_UNLIKE_TOGETHER:
            return False
        if self.decides:
            return (
                self.differing <= most_differing(difference)
                and self.fine_differing <= MOST_FINE_DIFFERING
                and (difference <= DETAIL_LIMIT or self.unlike <= MOST_UNLIKE_DOUBTED)
            )
        return difference <= DETAIL_LIMIT_ALONE

    @property
    def could_be_same_picture(self) -> bool:
        """Whether the photos could be one picture, whatever the second look found, as far as
        the full scale sees: if not, the middle look need not be taken."""
        return self.same_picture(0.0)

    @property
    def share(self) -> float:
        """The share of the blocks with detail that differ (0 if none has any)."""
        return self.differing / self.counted if self.counted else 0.0


def decides(counted: int) -> bool:
    """Whether ``counted`` blocks with detail are enough for the close look to decide
    (:data:`FEWEST_COUNTED`)."""
    return counted >= FEWEST_COUNTED


def most_differing(difference: float) -> int:
    """The most blocks that may differ in one picture, the second look having found
    ``difference`` (:data:`MOST_DIFFERING`, or :data:`MOST_DIFFERING_DOUBTED` above the
    second look's own limit)."""
    return MOST_DIFFERING if difference <= DETAIL_LIMIT_ALONE else MOST_DIFFERING_DOUBTED


def compare(query: Image.Image, stored: Image.Image, aligned: Alignment) -> CloseLook:
    """``query`` and ``stored`` (both grey, any size) looked at closely, from where the second
    look ``aligned`` them (see the module). The middle look is taken only where the full
    scale alone could call them one picture: most other parcels are told apart before it
    (it costs about 1 ms, some 6 where it aligns again)."""
    looked = _looked(query, stored, aligned)
    if looked is None:
        return CloseLook(0, 0)
    found = _verdict(looked.blocks)
    if not found.could_be_same_picture:
        return found
    return replace(found, middle_differing=_middle_differing(looked.middle()))


@dataclass(frozen=True)
class Measured:
    """The blocks the close look measured, at full scale once aligned: each one's best
    correlation near the alignment, both photos' detail there, and whether it lies far
    enough inside both pictures to be compared."""

    correlation: NDArray[np.float64]
    query_energy: NDArray[np.float64]
    stored_energy: NDArray[np.float64]
    inside: NDArray[np.bool_]
    finer: Measured | None = None
    """The same, in blocks of :data:`SMALL_BLOCK` pixels (where the blocks are larger)."""
    middle: Measured | None = None
    """The same at the middle look (:data:`MIDDLE`), where the picture is wide enough."""


def measure(query: Image.Image, stored: Image.Image, aligned: Alignment) -> Measured | None:
    """Steps 1 to 4 of the module, up to the measure: None if there is nothing finer to see
    than the second look saw (a picture too small, or its window off the picture)."""
    looked = _looked(query, stored, aligned)
    return None if looked is None else replace(looked.blocks, middle=looked.middle())


@dataclass(frozen=True)
class _Looked:
    """The full scale's blocks, and what the middle look needs to be taken after them: both
    photos' detail at its scale and the windows the full scale aligned."""

    blocks: Measured
    query_middle: NDArray[np.float32] | None
    query_box: Box
    stored_middle: NDArray[np.float32] | None
    stored_box: Box
    width: int
    aspect: float

    def middle(self) -> Measured | None:
        """The middle look's blocks (None where the picture is too small for it)."""
        if self.query_middle is None or self.stored_middle is None:
            return None
        return _middle(
            self.query_middle, self.query_box, self.stored_middle, self.stored_box, self.width, self.aspect
        )


def _looked(query: Image.Image, stored: Image.Image, aligned: Alignment) -> _Looked | None:
    """Steps 1 to 3 of the module, with step 5's alignment on a region unlike it (see
    :func:`measure`)."""
    query_width = (aligned.query_box[2] - aligned.query_box[0]) * query.width
    stored_width = (aligned.stored_box[2] - aligned.stored_box[0]) * stored.width
    width = int(min(query_width, stored_width, WIDTH))
    measured_block = BLOCK if width >= SMALL_WIDTH else SMALL_BLOCK
    if width < 2 * measured_block or query_width <= 0 or stored_width <= 0:
        return None
    aspect = (aligned.query_box[3] - aligned.query_box[1]) * query.height / query_width
    divisors = [d for d, level_block, _ in LEVELS[:-1] if width // d >= 4 * min(level_block, measured_block)]
    # the two photos' detail at every level, the earlier photo's in a thread beside this one
    # (the image work lets go of the interpreter; neither side waits for the other)
    stored_details = BESIDE.submit(_details, stored, width / stored_width, divisors)
    query_details, query_middle = _details(query, width / query_width, divisors)
    stored_by_level, stored_middle = stored_details.result()
    box = aligned.stored_box
    for divisor, level_block, reach in LEVELS[:-1]:
        level, block = width // divisor, min(level_block, measured_block)
        if divisor in divisors:
            grid = (level, max(block, round(level * aspect)))
            query_detail, stored_detail = query_details[divisor], stored_by_level[divisor]
            query_samples = Frame.at(query_detail, aligned.query_box).samples32(grid, 0)
            frame = _refined(
                query_samples, Frame.at(stored_detail, box, extra=2 * reach + 2), grid, block, reach
            )
            box = frame.box(_size(stored_detail))
    # at full scale: once more aligned, then measured
    *_, (_, level_block, reach) = LEVELS
    block = min(level_block, measured_block)
    query_detail, stored_detail = query_details[1], stored_by_level[1]
    query_frame = Frame.at(query_detail, aligned.query_box)
    grid = (width, max(measured_block, round(width * aspect)))
    query_samples = query_frame.samples32(grid, 0)
    stored_frame = _refined(
        query_samples, Frame.at(stored_detail, box, extra=2 * reach + 2), grid, block, reach
    )
    if not stored_frame.fits(grid, 2):
        return None  # the second look's window lies off the picture
    sizes = _size(query_detail), _size(stored_detail)
    measured = _measured_at(query_samples, query_frame, stored_frame, sizes, grid, measured_block)
    together = _unlike_together(measured)
    if len(together) >= MOST_UNLIKE_TOGETHER:
        # a pattern that fills the frame may have aligned the windows a period off, where
        # only what lies on it (stones, a card) disagrees: aligned on those, a copy agrees
        moved = _aligned_on(together, query_samples, stored_frame, grid, measured_block)
        if moved is not None:
            again = _measured_at(query_samples, query_frame, moved, sizes, grid, measured_block)
            if _unlike(again).sum() < _unlike(measured).sum():
                measured, stored_frame = again, moved
    wide = measured_block == BLOCK
    return _Looked(
        measured,
        query_middle if wide else None,
        aligned.query_box,
        stored_middle if wide else None,
        stored_frame.box(_size(stored_detail)),
        width,
        aspect,
    )


def _measured_at(
    query_samples: NDArray[np.float32],
    query_frame: Frame,
    stored_frame: Frame,
    sizes: tuple[tuple[int, int], tuple[int, int]],
    grid: tuple[int, int],
    measured_block: int,
) -> Measured:
    """The full scale's blocks (and the finer ones) with the earlier photo's window at
    ``stored_frame`` (``sizes``: both detail images' sizes, query first)."""
    stored_samples = stored_frame.samples32(grid, 1)
    # the finer blocks' sums, added up four by four, are the larger blocks' (one pass, not two)
    sums = _shift_sums(query_samples, stored_samples, 1, SMALL_BLOCK)
    finer = None
    for size in (SMALL_BLOCK, measured_block) if measured_block > SMALL_BLOCK else (SMALL_BLOCK,):
        blocks = sums.merged(size // SMALL_BLOCK).compared() if size > SMALL_BLOCK else sums.compared()
        inside = _inside(stored_frame, sizes[1], grid, size, blocks) & _inside(
            query_frame, sizes[0], grid, size, blocks
        )
        finer = Measured(blocks.correlation, blocks.query_energy, blocks.stored_energy, inside, finer)
    assert finer is not None
    return finer


def _unlike(blocks: Measured) -> NDArray[np.bool_]:
    """The unlike blocks (:data:`UNLIKE_BELOW`) where a texture fills the frame
    (:data:`TEXTURE_FILLS`); none in any other picture."""
    inside = blocks.inside
    if not inside.any():
        return np.zeros_like(inside)
    energy = blocks.query_energy + blocks.stored_energy
    within = energy[inside]
    median = float(np.median(within))
    if np.percentile(within, 10) < TEXTURE_FILLS * median:
        return np.zeros_like(inside)
    unlike: NDArray[np.bool_] = _detailed(blocks) & (blocks.correlation < UNLIKE_BELOW)
    return unlike


def _unlike_together(blocks: Measured) -> list[tuple[int, int]]:
    """The largest group of unlike blocks that touch (side by side or one above the other),
    as (row, column) pairs; none where fewer than :data:`MOST_UNLIKE_TOGETHER` touch or where
    so many blocks are unlike (:data:`UNLIKE_SPREAD`) that the texture, not a region, was lost."""
    unlike = _unlike(blocks)
    count = int(unlike.sum())
    if count < MOST_UNLIKE_TOGETHER or count > UNLIKE_SPREAD * _detailed(blocks).sum():
        return []
    if _counted(blocks)[1].sum() > _LEAST_COUNTED:
        return []  # the stones stand above the texture: the counted blocks see them
    left = {(int(row), int(col)) for row, col in zip(*np.nonzero(unlike), strict=True)}
    largest: list[tuple[int, int]] = []
    while left:
        group, reach = [], [left.pop()]
        while reach:
            row, col = reach.pop()
            group.append((row, col))
            for near in ((row + 1, col), (row - 1, col), (row, col + 1), (row, col - 1)):
                if near in left:
                    left.remove(near)
                    reach.append(near)
        largest = max(largest, group, key=len)
    return largest


def _detailed(blocks: Measured) -> NDArray[np.bool_]:
    """The blocks with some detail (:data:`_SEEN_OF_MEDIAN` of the median block's)."""
    energy = blocks.query_energy + blocks.stored_energy
    median = float(np.median(energy[blocks.inside])) if blocks.inside.any() else 0.0
    detailed: NDArray[np.bool_] = blocks.inside & (energy >= _SEEN_OF_MEDIAN * median)
    return detailed


def _aligned_on(
    group: list[tuple[int, int]],
    query_samples: NDArray[np.float32],
    stored_frame: Frame,
    grid: tuple[int, int],
    block: int,
) -> Frame | None:
    """``stored_frame`` moved so that the square round the ``group`` of blocks correlates
    best, within :data:`_REALIGN_REACH` samples each way; None if it correlates nowhere
    (:data:`_CLEAR_PEAK`) or already best where it is."""
    rows = [row for row, _ in group]
    cols = [col for _, col in group]
    side = block * (max(max(rows) - min(rows), max(cols) - min(cols)) + 1)
    side = min(side, query_samples.shape[0] // block * block, query_samples.shape[1] // block * block)
    centre = ((min(rows) + max(rows) + 1) * block // 2, (min(cols) + max(cols) + 1) * block // 2)
    top = int(np.clip(centre[0] - side // 2, 0, query_samples.shape[0] - side))
    left = int(np.clip(centre[1] - side // 2, 0, query_samples.shape[1] - side))
    reach = _REALIGN_REACH
    if not stored_frame.fits(grid, reach + 1):
        return None
    stored = stored_frame.samples32(grid, reach)
    found = _blocks_compared(
        query_samples[top : top + side, left : left + side],
        stored[top : top + side + 2 * reach, left : left + side + 2 * reach],
        reach,
        side,
    )
    if found.correlation[0, 0] < _CLEAR_PEAK:
        return None
    down, across = float(found.shift[0][0, 0]), float(found.shift[1][0, 0])
    if abs(down) < 1 and abs(across) < 1:
        return None
    step = (2 * stored_frame.half[0] / grid[0], 2 * stored_frame.half[1] / grid[1])
    moved = stored_frame.moved((across * step[0], down * step[1]), (1.0, 1.0))
    if not moved.fits(grid, 2):
        return None
    # the line through every block again, from there: the pattern now agrees a period on
    *_, (_, _, reach_last) = LEVELS
    return _refined(query_samples, moved, grid, block, reach_last)


def _middle(
    query_detail: NDArray[np.float32],
    query_box: Box,
    stored_detail: NDArray[np.float32],
    stored_box: Box,
    width: int,
    aspect: float,
) -> Measured | None:
    """The middle look's blocks (step 4 of the module): both windows compared at a
    :data:`MIDDLE`'th of the full scale's ``width``, each block at its best shift within a
    sample; as the full scale aligned them and, only where too many blocks differ so, aligned
    again there (as at the other levels, :data:`_MIDDLE_REACH`), whichever differs in fewer
    blocks. Why both: the full scale may align a plate's holes a row off, which the middle
    look's own alignment mends; but where the full scale was right, a long bright edge (a
    tray's) can pull the middle look's line a sample or two off (the fifth generator's
    original 52, cropped: 12 blocks). The alignment is most of the middle look's cost: a
    copy seldom needs it."""
    block = BLOCK // MIDDLE
    across = width // MIDDLE
    level = (across, max(block, round(across * aspect)))
    query_frame = Frame.at(query_detail, query_box)
    query_samples = query_frame.samples32(level, 0)
    as_aligned = Frame.at(stored_detail, stored_box, extra=2 * _MIDDLE_REACH + 2)

    def compared(stored_frame: Frame) -> Measured | None:
        if not stored_frame.fits(level, 2):
            return None
        blocks = _blocks_compared(query_samples, stored_frame.samples32(level, 1), 1, block)
        inside = _inside(stored_frame, _size(stored_detail), level, block, blocks) & _inside(
            query_frame, _size(query_detail), level, block, blocks
        )
        return Measured(blocks.correlation, blocks.query_energy, blocks.stored_energy, inside)

    first = compared(as_aligned)
    if first is not None and _middle_differing(first) <= MOST_MIDDLE_DIFFERING:
        return first  # the same verdict either way: the alignment (most of the cost) is spared
    again = compared(_refined(query_samples, as_aligned, level, block, _MIDDLE_REACH))
    return min((look for look in (first, again) if look is not None), key=_middle_differing, default=None)


def _verdict(blocks: Measured) -> CloseLook:
    """How many of the blocks with detail differ, of how many (see the module, steps 3 to 5)."""
    if not blocks.inside.any():
        return CloseLook(0, 0)
    clear, seen = _counted(blocks)
    if not seen.any():
        return CloseLook(0, 0)  # detail nowhere above the noise: nothing to count
    energy = blocks.query_energy + blocks.stored_energy
    unexplained = energy * (1 - blocks.correlation)
    stands_out = (unexplained > UNEXPLAINED * np.median(unexplained[seen])) & (
        blocks.correlation < _UNEXPLAINED_BELOW
    )
    differing = (clear & (blocks.correlation < DIFFERS)) | (seen & stands_out)
    fine = 0 if blocks.finer is None else _standing_out(blocks.finer)
    return CloseLook(
        int(differing.sum()),
        int(seen.sum()),
        fine,
        int(_unlike(blocks).sum()),
        _middle_differing(blocks.middle),
        len(_unlike_together(blocks)),
    )


def _counted(blocks: Measured) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """The clear blocks and the counted ones (see the module, step 3)."""
    inside = blocks.inside
    energy = blocks.query_energy + blocks.stored_energy
    within = energy[inside]
    median = float(np.median(within))
    clearest = COUNTS * median
    ranked = np.sort(within)[::-1]
    if len(ranked) > _LEAST_COUNTED:
        clearest = min(clearest, float(ranked[_LEAST_COUNTED - 1]))
    clear = inside & (energy >= clearest)
    seen = clear | (inside & (energy >= max(SEEN * np.percentile(within, 10), _SEEN_OF_MEDIAN * median)))
    return clear, seen


def _middle_differing(blocks: Measured | None) -> int:
    """How many of the middle look's clear blocks differ (:data:`MIDDLE_CLEAR`); none where
    it was not taken."""
    if blocks is None:
        return 0
    inside = blocks.inside
    if not inside.any():
        return 0
    energy = blocks.query_energy + blocks.stored_energy
    clear = inside & (energy >= max(MIDDLE_CLEAR * float(np.median(energy[inside])), _MIDDLE_FLOOR))
    return int((clear & (blocks.correlation < MIDDLE_DIFFERS)).sum())


def _standing_out(blocks: Measured) -> int:
    """How many of the finer blocks with detail stand out (:data:`FINE_UNEXPLAINED`)."""
    inside = blocks.inside
    if not inside.any():
        return 0
    energy = blocks.query_energy + blocks.stored_energy
    within = energy[inside]
    median = float(np.median(within))
    seen = inside & (energy >= max(SEEN * np.percentile(within, 10), _SEEN_OF_MEDIAN * median))
    if not seen.any():
        return 0
    unexplained = energy * (1 - blocks.correlation)
    stands_out = (unexplained > FINE_UNEXPLAINED * np.median(unexplained[seen])) & (
        blocks.correlation < _FINE_UNEXPLAINED_BELOW
    )
    return int((seen & stands_out).sum())


def _details(
    grey: Image.Image, scale: float, divisors: list[int]
) -> tuple[dict[int, NDArray[np.float32]], NDArray[np.float32] | None]:
    """``grey``'s :func:`_fine_detail` scaled by ``scale``, at full size (divisor 1) and
    reduced by each of ``divisors``; and its :func:`_middle_detail` (None if the picture is
    too small for :data:`MIDDLE` to be among the divisors)."""
    scaled = _scaled(grey, scale)
    reduced = {divisor: scaled.reduce(divisor) for divisor in divisors}
    levels = {divisor: _fine_detail(reduced.get(divisor, scaled)) for divisor in [*divisors, 1]}
    return levels, _middle_detail(reduced[MIDDLE]) if MIDDLE in reduced else None


def _scaled(grey: Image.Image, scale: float) -> Image.Image:
    """``grey`` averaged down by ``scale`` (never up)."""
    if scale >= 1:
        return grey
    return grey.resize(
        (max(1, round(grey.width * scale)), max(1, round(grey.height * scale))), Image.Resampling.BOX
    )


def _fine_detail(grey: Image.Image) -> NDArray[np.float32]:
    """``grey``'s fine detail: its noise smoothed (a 3 x 3 average) and its shading taken
    out (the picture averaged over :data:`_SHADING` pixels, drawn back up)."""
    smooth = grey.filter(ImageFilter.BoxBlur(1))
    coarse = (max(1, grey.width // _SHADING), max(1, grey.height // _SHADING))
    shading = smooth.resize(coarse, Image.Resampling.BOX).resize(grey.size, Image.Resampling.BILINEAR)
    detail: NDArray[np.float32] = np.asarray(smooth, dtype=np.float32) - np.asarray(shading, dtype=np.float32)
    return detail


def _middle_detail(grey: Image.Image) -> NDArray[np.float32]:
    """``grey``'s detail for the middle look: its noise smoothed (a 3 x 3 average) less a
    Gaussian average over :data:`_SHADING` pixels. The Gaussian, unlike the grid of averages
    :func:`_fine_detail` takes, is the same wherever the picture starts: at a quarter of the
    scale that grid's cells are as large as the blocks, and a crop moving it changes the
    detail round every sharp edge."""
    smooth = grey.filter(ImageFilter.BoxBlur(1))
    shading = smooth.filter(ImageFilter.GaussianBlur(_SHADING / 2))
    detail: NDArray[np.float32] = np.asarray(smooth, dtype=np.float32) - np.asarray(shading, dtype=np.float32)
    return detail


def _size(pixels: NDArray[np.float32]) -> tuple[int, int]:
    """The width and height of ``pixels``."""
    return pixels.shape[1], pixels.shape[0]


@dataclass(frozen=True)
class _Compared:
    """Per block: the best correlation over the shifts tried, the shift (down, across) it
    was found at, to a fraction of a sample, and both blocks' energies there."""

    correlation: NDArray[np.float64]
    shift: tuple[NDArray[np.float64], NDArray[np.float64]]
    query_energy: NDArray[np.float64]
    stored_energy: NDArray[np.float64]


@dataclass(frozen=True)
class _ShiftSums:
    """Per block and per shift tried (down, across): the product of the two blocks, and the
    stored block's energy; and the query block's energy. Sums, so that blocks of twice the
    side are the sums of four (:meth:`merged`)."""

    products: NDArray[np.float64]
    stored_energy: NDArray[np.float64]
    query_energy: NDArray[np.float64]
    reach: int

    def merged(self, factor: int) -> _ShiftSums:
        """The same sums for blocks ``factor`` times the side (the blocks left over at the
        bottom and the right dropped, as a grid of the larger blocks drops them)."""

        def added(values: NDArray[np.float64]) -> NDArray[np.float64]:
            rows, cols = values.shape[0] // factor, values.shape[1] // factor
            kept = values[: rows * factor, : cols * factor]
            total: NDArray[np.float64] = kept.reshape(rows, factor, cols, factor, *values.shape[2:]).sum(
                axis=(1, 3)
            )
            return total

        return _ShiftSums(
            added(self.products), added(self.stored_energy), added(self.query_energy), self.reach
        )

    def compared(self) -> _Compared:
        """Each block's best correlation over the shifts, and where it lies."""
        reach, span = self.reach, 2 * self.reach + 1
        surface = self.products / (np.sqrt(self.query_energy[..., None, None] * self.stored_energy) + 1e-6)
        rows, cols = surface.shape[:2]
        best = surface.reshape(rows, cols, -1).argmax(axis=2)
        down, across = best // span, best % span
        at = np.ogrid[:rows, :cols]
        return _Compared(
            surface[at[0], at[1], down, across],
            (
                down - reach + _between(surface, down, across, 2),
                across - reach + _between(surface, down, across, 3),
            ),
            self.query_energy,
            self.stored_energy[at[0], at[1], down, across],
        )


def _blocks_compared(
    query: NDArray[np.float32], stored: NDArray[np.float32], reach: int, block: int
) -> _Compared:
    """Each ``block`` of ``query`` against ``stored`` (the same grid with ``reach`` samples
    more on every side), at every shift up to ``reach`` each way."""
    return _shift_sums(query, stored, reach, block).compared()


def _shift_sums(
    query: NDArray[np.float32], stored: NDArray[np.float32], reach: int, block: int
) -> _ShiftSums:
    """The sums :func:`_blocks_compared` decides on: for a reach of :data:`_DIRECT_REACH` or
    less directly (a few products of the whole grid are quicker than FFTs of every block),
    further by FFT, the stored energy under each block at every shift then read from one
    table of running sums."""
    rows, cols = query.shape[0] // block, query.shape[1] // block
    q = np.asarray(query[: rows * block, : cols * block], dtype=np.float32)
    s = np.asarray(stored, dtype=np.float32)
    span = 2 * reach + 1
    height, width = rows * block, cols * block

    def summed(values: NDArray[np.float32]) -> NDArray[np.float64]:
        """``values`` (``height`` x ``width``) added up block by block."""
        down_added = values.reshape(rows, block, width).sum(axis=1)
        total: NDArray[np.float64] = down_added.reshape(rows, cols, block).sum(axis=2).astype(np.float64)
        return total

    query_energy = summed(q * q)
    if reach <= _DIRECT_REACH:
        shifted = [(dy, dx) for dy in range(span) for dx in range(span)]
        products = np.stack([summed(q * s[dy : dy + height, dx : dx + width]) for dy, dx in shifted], -1)
        squared = s * s
        stored_energy = np.stack(
            [summed(squared[dy : dy + height, dx : dx + width]) for dy, dx in shifted], -1
        )
        products, stored_energy = (a.reshape(rows, cols, span, span) for a in (products, stored_energy))
        return _ShiftSums(products, stored_energy, query_energy, reach)
    # circular correlation over the stored window's own size: the block, padded with zeros,
    # never wraps round within the shifts kept
    side = block + 2 * reach
    q_blocks = np.ascontiguousarray(q.reshape(rows, block, cols, block).transpose(0, 2, 1, 3))
    s_blocks = np.ascontiguousarray(sliding_window_view(s, (side, side))[::block, ::block][:rows, :cols])
    spectrum = np.fft.rfft2(s_blocks) * np.conj(np.fft.rfft2(q_blocks, (side, side)))
    products = np.fft.irfft2(spectrum, (side, side))[..., :span, :span]
    table = np.pad(np.cumsum(np.cumsum(s.astype(np.float64) ** 2, axis=0), axis=1), ((1, 0), (1, 0)))
    boxed = np.maximum(
        table[block:, block:] - table[:-block, block:] - table[block:, :-block] + table[:-block, :-block], 0.0
    )
    ys = (np.arange(rows) * block)[:, None, None, None] + np.arange(span)[None, None, :, None]
    xs = (np.arange(cols) * block)[None, :, None, None] + np.arange(span)[None, None, None, :]
    return _ShiftSums(products, boxed[ys, xs], query_energy, reach)


def _between(
    surface: NDArray[np.float64], down: NDArray[np.int64], across: NDArray[np.int64], axis: int
) -> NDArray[np.float64]:
    """How far from its best shift each block's peak lies, along ``axis`` of its correlation
    ``surface``, to a fraction of a sample: the top of a parabola through the best and its
    two neighbours (none at the edge of the shifts tried)."""
    at = down if axis == 2 else across
    inner = np.clip(at, 1, surface.shape[axis] - 2)
    rows, cols = np.ogrid[: surface.shape[0], : surface.shape[1]]
    if axis == 2:
        before, peak, after = (surface[rows, cols, inner + k, across] for k in (-1, 0, 1))
    else:
        before, peak, after = (surface[rows, cols, down, inner + k] for k in (-1, 0, 1))
    curve = before - 2 * peak + after
    moved = 0.5 * (before - after) / np.where(curve < 0, curve, -1.0)
    return np.where((at == inner) & (curve < 0), np.clip(moved, -0.5, 0.5), 0.0)


def _refined(
    query: NDArray[np.float32], stored: Frame, grid: tuple[int, int], block: int, reach: int
) -> Frame:
    """``stored`` moved and sized to lie on ``query`` (sampled on ``grid``), at one level of
    the alignment: each ``block`` finds its best shift up to ``reach`` samples each way, and
    a line through those shifts across and down gives the move and the size (see the
    module). The frame is kept as it is if no line is clear."""
    if not stored.fits(grid, reach + 1):
        return stored
    blocks = _blocks_compared(query, stored.samples32(grid, reach), reach, block)
    energy = blocks.query_energy + blocks.stored_energy
    clear = (blocks.correlation >= _CLEAR_PEAK) & (energy >= np.median(energy))
    rows, cols = blocks.correlation.shape
    down, across = np.meshgrid(
        (np.arange(rows) + 0.5) * block, (np.arange(cols) + 0.5) * block, indexing="ij"
    )
    step = (2 * stored.half[0] / grid[0], 2 * stored.half[1] / grid[1])
    shift, scale = [0.0, 0.0], [1.0, 1.0]
    for axis, (position, found, centre) in enumerate(
        ((across, blocks.shift[1], grid[0] / 2), (down, blocks.shift[0], grid[1] / 2))
    ):
        line = _line(position[clear] - centre, found[clear], blocks.correlation[clear])
        if line is None:
            return stored
        shift[axis], scale[axis] = line[0] * step[axis], 1 + line[1]
    moved = stored.moved((shift[0], shift[1]), (scale[0], scale[1]))
    return moved if moved.fits(grid, 2 * reach) else stored


def _line(
    position: NDArray[np.float64], moved: NDArray[np.float64], correlation: NDArray[np.float64]
) -> tuple[float, float] | None:
    """Offset and slope of the line that most of the blocks' shifts ``moved`` (against their
    ``position``) lie on, within a sample: of the lines through every two of the
    :data:`_LINE_BLOCKS` clearest blocks, the one most blocks agree with, fitted again to
    those by least squares. Shifts found by chance, such as a sieve's holes matching the
    next holes along, disagree with each other and so with the line. None if fewer than
    :data:`_LINE_AGREE` of the blocks agree, or the line is too steep."""
    if len(position) < _LINE_AGREE_LEAST:
        return None
    clearest = np.argsort(-correlation, kind="stable")[:_LINE_BLOCKS]
    position, moved = position[clearest], moved[clearest]
    first, second = np.triu_indices(len(position), 1)
    apart = position[second] - position[first]
    usable = np.abs(apart) >= 1
    first, second, apart = first[usable], second[usable], apart[usable]
    slope = (moved[second] - moved[first]) / apart
    offset = moved[first] - slope * position[first]
    flat = np.unique(moved)  # a shift alone (no change of size) is a line too
    slope = np.concatenate([slope, np.zeros(len(flat))])
    offset = np.concatenate([offset, flat])
    gentle = np.abs(slope) <= _MOST_SLOPE
    slope, offset = slope[gentle], offset[gentle]
    agree = np.abs(offset[:, None] + slope[:, None] * position[None, :] - moved[None, :]) <= 1.0
    counts = agree.sum(axis=1)
    best = int(np.argmax(counts))
    if counts[best] < max(_LINE_AGREE_LEAST, _LINE_AGREE * len(position)):
        return None
    kept = agree[best]
    design = np.stack([np.ones(int(kept.sum())), position[kept]], axis=1)
    refit = np.linalg.lstsq(design, moved[kept], rcond=None)[0]
    if abs(refit[1]) > _MOST_SLOPE:
        return None
    return float(refit[0]), float(refit[1])


def _inside(
    frame: Frame, size: tuple[int, int], grid: tuple[int, int], block: int, compared: _Compared
) -> NDArray[np.bool_]:
    """Which of the ``compared`` blocks (``block`` samples a side) of ``grid`` lie on
    ``frame``'s picture (of ``size``, unpadded) with :data:`_SHADING` samples to spare:
    nearer its edge, the detail is shaded from one side only, and a crop's edge cuts what the
    other photo shows whole."""
    pad_x, pad_y = (frame.image.size[0] - size[0]) / 2, (frame.image.size[1] - size[1]) / 2
    rows, cols = compared.correlation.shape
    step_x, step_y = 2 * frame.half[0] / grid[0], 2 * frame.half[1] / grid[1]
    spare = _SHADING + 1
    left = frame.centre[0] - frame.half[0] + (np.arange(cols) * block - spare) * step_x
    right = frame.centre[0] - frame.half[0] + ((np.arange(cols) + 1) * block + spare) * step_x
    top = frame.centre[1] - frame.half[1] + (np.arange(rows) * block - spare) * step_y
    bottom = frame.centre[1] - frame.half[1] + ((np.arange(rows) + 1) * block + spare) * step_y
    across = (left >= pad_x) & (right <= pad_x + size[0])
    down = (top >= pad_y) & (bottom <= pad_y + size[1])
    return down[:, None] & across[None, :]
