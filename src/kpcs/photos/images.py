"""Reading an uploaded photo safely, and what is kept of it: the picture re-encoded (which
drops EXIF, GPS positions, camera serials and any trailing bytes), a thumbnail, and the
picture in grey at the close look's size (what later searches read of it).

Only JPEG and PNG are read. A decompression bomb is refused by its declared size, read from
the header before any pixel is decoded; the bytes are bounded by the caller before that.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from kpcs.errors import InvalidInput
from kpcs.photos.domain import CLOSE_SIDE, reduced

MAX_PHOTO_BYTES = 10 * 1024 * 1024
"""The largest upload read: a 24-megapixel camera's JPEG is well under it."""
MAX_PIXELS = 40_000_000
"""The most pixels decoded (about 7,700 x 5,200): a bomb declares far more."""
MIN_SIDE = 64
"""The narrowest photo worth keeping: below it nothing can be compared."""
THUMBNAIL_SIDE = 320
GREY_QUALITY = 95
"""The JPEG quality of the grey copy the close look reads: its losses lie far below the fine
detail compared (a 3 x 3 average at up to 768 pixels)."""
_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png"}
FIELD = "file"


@dataclass(frozen=True)
class Photo:
    """A photo read and re-encoded: the bytes kept, their media type, the picture itself
    (for hashing) and a JPEG thumbnail."""

    content: bytes
    media_type: str
    width: int
    height: int
    image: Image.Image
    thumbnail: bytes


def _refuse(message: str) -> InvalidInput:
    return InvalidInput.field(FIELD, message)


@dataclass(frozen=True)
class Opened:
    """A photo read and checked, not yet re-encoded: the picture as it is seen, and its format."""

    picture: Image.Image
    kind: str


def read_photo(content: bytes) -> Photo:
    """Read ``content`` as a JPEG or PNG photo, or raise :class:`InvalidInput` naming the
    field ``file`` and what is wrong with it; and re-encode it (:func:`encoded`)."""
    return encoded(opened_photo(content))


def opened_photo(content: bytes) -> Opened:
    """Read ``content`` as a JPEG or PNG photo, or raise :class:`InvalidInput` naming the
    field ``file`` and what is wrong with it: the picture, to hash and search at once while
    :func:`encoded` makes what is kept of it."""
    if not content:
        raise _refuse("the file is empty")
    if len(content) > MAX_PHOTO_BYTES:
        raise _refuse(f"at most {MAX_PHOTO_BYTES // (1024 * 1024)} MB")
    try:
        with warnings.catch_warnings():
            # Pillow warns of a possible bomb below its own hard limit: here that is a refusal.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(content), formats=list(_FORMATS))
            kind = opened.format or ""
            width, height = opened.size
            if width * height > MAX_PIXELS:
                raise _refuse(f"{width} x {height} pixels: at most {MAX_PIXELS:,} pixels")
            opened.load()
    except InvalidInput:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise _refuse(f"too many pixels: at most {MAX_PIXELS:,}") from None
    except UnidentifiedImageError:
        raise _refuse("not a JPEG or PNG photo") from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise _refuse("the photo is damaged or cut short") from None
    if min(width, height) < MIN_SIDE:
        raise _refuse(f"{width} x {height} pixels: at least {MIN_SIDE} on each side")
    # The picture as it is seen (the EXIF orientation applied), in RGB.
    return Opened(ImageOps.exif_transpose(opened).convert("RGB"), kind)


def encoded(opened: Opened) -> Photo:
    """What is kept of a photo read: the picture re-encoded (which keeps no metadata at all)
    and its thumbnail."""
    picture, kind = opened.picture, opened.kind
    out = io.BytesIO()
    if kind == "PNG":
        picture.save(out, format="PNG", optimize=False)
    else:
        picture.save(out, format="JPEG", quality=92)
    small = picture.copy()
    small.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    thumb = io.BytesIO()
    small.save(thumb, format="JPEG", quality=80)
    return Photo(
        content=out.getvalue(),
        media_type=_FORMATS[kind],
        width=picture.width,
        height=picture.height,
        image=picture,
        thumbnail=thumb.getvalue(),
    )


def grey_kept(grey: Image.Image) -> bytes:
    """A photo in grey, at most :data:`~kpcs.photos.domain.CLOSE_SIDE` pixels a side (as the
    search's query holds it), as the JPEG kept beside the photo for later close looks: read
    in a few milliseconds, where a large photo itself takes tens to decode."""
    out = io.BytesIO()
    reduced(grey.convert("L")).save(out, format="JPEG", quality=GREY_QUALITY)
    return out.getvalue()


def grey_for_close_look(content: bytes) -> Image.Image:
    """A kept photo in grey, at least :data:`~kpcs.photos.domain.CLOSE_SIDE` pixels on its
    longer side where it has them and no more: a JPEG is decoded at a reduced scale straight
    away (its DCT allows halves, quarters and eighths), which is what keeps the close look quick."""
    with Image.open(io.BytesIO(content), formats=list(_FORMATS)) as kept:
        scale = CLOSE_SIDE / max(kept.size)
        if scale < 1:
            kept.draft("L", (round(kept.width * scale), round(kept.height * scale)))
        return reduced(kept.convert("L"))
