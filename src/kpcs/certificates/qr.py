"""The QR code that carries a certificate's signed credential.

The contract allows two texts in the QR code (CONTRACT.md, `GET /certificates/{number}/pdf`):

* the compact JWS itself (QR byte mode, 8 bits per character), or
* ``KPC1:`` followed by the Base45 (RFC 9285) text of the zlib-compressed compact JWS. Every
  character of that text is in the QR alphanumeric set, which packs 5.5 bits per character, so
  compressing and then spending 1.5 characters per byte still wins clearly (the same trick as
  the EU Digital COVID Certificate's ``HC1:``).

Everything here is pure except :func:`decode_qr_image`, which only reads the bytes it is given.
"""

from __future__ import annotations

import io
import re
import zlib
from typing import TYPE_CHECKING

import base45  # type: ignore[import-untyped]  # it ships no type information

# segno draws symbols and zxing-cpp with Pillow reads photos; both are imported by the functions
# that use them, so that decoding a QR code's text (`kpcs verify`, offline) loads neither.
if TYPE_CHECKING:
    import segno
    import zxingcpp
    from PIL import Image

__all__ = [
    "MAX_CREDENTIAL_BYTES",
    "MAX_IMAGE_PIXELS",
    "QR_BORDER",
    "QR_PREFIX",
    "QRCapacityError",
    "decode_qr_image",
    "decode_qr_text",
    "encode_qr_text",
    "make_qr",
    "qr_png",
    "qr_svg",
]

QR_PREFIX = "KPC1:"

# A credential is about 2 KB; a QR code cannot hold more than 2,953 bytes anyway. 16 KiB leaves
# room for growth while making a zip bomb in a crafted QR code harmless.
MAX_CREDENTIAL_BYTES = 16 * 1024

# A 40-megapixel photo is more than any phone camera or 600-dpi A4 scan (35 MP) produces; the
# decoded image of that size takes 40 MB in grayscale, which we accept, and nothing more.
MAX_IMAGE_PIXELS = 40_000_000

# The quiet zone the QR specification requires (ISO/IEC 18004 §6.3.8): four modules.
QR_BORDER = 4

# Error correction "M" (about 15 % of the codewords can be restored). A printed certificate is
# read flat, from paper, in good light; what hurts scanning there is small modules, not damage.
# "Q" or "H" would need a larger symbol version (a typical 2,000-character credential needs
# version 29 at "M", 35 at "Q", 40 at "H"), i.e. smaller modules at the same printed width,
# while "L" leaves too little margin for a fold, a stamp or a coffee ring. segno may still raise
# the level for free when the data fits the same version ("boost_error"), which only helps. "L"
# is used only as a last resort, when the credential would not fit a QR code at "M" at all.
_ERROR_LEVELS = ("M", "L")


class QRCapacityError(ValueError):
    """The text is too long for any QR code (version 40 holds 2,953 bytes at most)."""


_B64URL_PART = r"[A-Za-z0-9_-]+"
_COMPACT_JWS = re.compile(rf"{_B64URL_PART}\.{_B64URL_PART}\.{_B64URL_PART}")
# A prefix such as "KPC1:" or "HC1:": letters and digits followed by a colon, which a compact
# JWS cannot contain.
_ANY_PREFIX = re.compile(r"[A-Za-z0-9]{1,16}:")


def _b45encode(data: bytes) -> str:
    encoded: bytes = base45.b45encode(data)
    return encoded.decode("ascii")


def _b45decode(text: str) -> bytes:
    # Raises ValueError for a character outside the alphabet or a group out of range.
    decoded: bytes = base45.b45decode(text)
    return decoded


def _check_compact_jws(text: str) -> str:
    """Return ``text`` if it has the shape of a compact JWS, else raise ValueError."""
    if not _COMPACT_JWS.fullmatch(text):
        raise ValueError(
            "this is not a signed credential: a compact JWS is three parts of base64url text "
            "separated by dots"
        )
    # A base64url text of length 4k+1 cannot come from any bytes (RFC 4648 §5): reject it
    # here rather than let the signature check fail with a less helpful message.
    if any(len(part) % 4 == 1 for part in text.split(".")):
        raise ValueError("this is not a signed credential: one of its parts is not valid base64url")
    return text


def _fit(text: str, *, mask: int | None = None) -> tuple[int, segno.QRCode]:
    """The QR code for ``text`` and the index of its error level in ``_ERROR_LEVELS``."""
    import segno

    for index, error in enumerate(_ERROR_LEVELS):
        try:
            return index, segno.make_qr(text, error=error, mask=mask)
        except segno.DataOverflowError:
            continue
    raise QRCapacityError(f"{len(text)} characters do not fit in a QR code")


def make_qr(text: str) -> segno.QRCode:
    """The QR code symbol for ``text``: error correction "M", or "L" if only that fits.

    Raises QRCapacityError (a ValueError) if ``text`` does not fit in any QR code.
    """
    return _fit(text)[1]


def _symbol_rank(text: str) -> tuple[int, int] | None:
    """How big the QR code for ``text`` is (smaller is better); None if it does not fit."""
    try:
        # The mask does not change the version; fixing it skips segno's evaluation of all
        # eight, which is most of the work (16 ms instead of 66 ms for a version 29 symbol).
        level, qr = _fit(text, mask=0)
    except QRCapacityError:
        return None
    # A symbol that needed the fallback level "L" ranks after any symbol at "M"; make_qr
    # never makes a Micro QR code, so the version is the integer 1..40.
    return level, int(qr.version)


def encode_qr_text(compact_jws: str) -> str:
    """The text to put in the QR code of a credential: the form that makes the smaller symbol.

    That is ``KPC1:`` + Base45(zlib(level 9)) for any real credential, but the bare compact JWS
    is kept when it makes a symbol no larger (a reader then needs no decompression). Both forms
    are deterministic, so the same credential always gives the same QR code.

    Raises ValueError if ``compact_jws`` is not a compact JWS, and QRCapacityError (a
    ValueError) if it fits in no QR code even compressed.
    """
    _check_compact_jws(compact_jws)
    compressed = QR_PREFIX + _b45encode(zlib.compress(compact_jws.encode("ascii"), 9))
    ranked = [
        (rank, position, text)
        for position, text in enumerate((compact_jws, compressed))
        if (rank := _symbol_rank(text)) is not None
    ]
    if not ranked:
        raise QRCapacityError(
            f"the credential ({len(compact_jws)} characters) is too large for a QR code, even compressed"
        )
    return min(ranked)[2]


def decode_qr_text(text: str) -> str:
    """The compact JWS carried by a QR code's text, in either of the contract's two forms.

    Raises ValueError, with a message for a person, if the text has another prefix, is not
    valid Base45 or zlib data, decompresses to more than 16 KiB, or is not a compact JWS.
    """
    # Barcode scanners that type into a field end the text with Enter; Base45 has no line
    # breaks (it does have the space, so other whitespace must be kept).
    text = text.strip("\r\n")
    if not text.startswith(QR_PREFIX):
        prefix = _ANY_PREFIX.match(text)
        if prefix:
            raise ValueError(
                f"this QR code starts with {prefix.group()!r}, which is not a Kimberley Process "
                f"credential; expected {QR_PREFIX!r} or a compact JWS"
            )
        return _check_compact_jws(text)
    payload = text[len(QR_PREFIX) :]
    if not payload:
        raise ValueError(f"nothing follows {QR_PREFIX!r}")
    try:
        compressed = _b45decode(payload)
    except ValueError:
        raise ValueError(f"the text after {QR_PREFIX!r} is not valid Base45 (RFC 9285)") from None
    inflater = zlib.decompressobj()
    try:
        # Inflate at most one byte past the limit: enough to know it is over, never more.
        data = inflater.decompress(compressed, MAX_CREDENTIAL_BYTES + 1)
    except zlib.error:
        raise ValueError(f"the text after {QR_PREFIX!r} is not zlib-compressed data") from None
    if len(data) > MAX_CREDENTIAL_BYTES:
        raise ValueError(
            f"the compressed credential expands to more than {MAX_CREDENTIAL_BYTES} bytes; refused"
        )
    if not inflater.eof or inflater.unused_data:
        raise ValueError(f"the zlib data after {QR_PREFIX!r} is truncated or has bytes after its end")
    try:
        jws = data.decode("ascii")
    except UnicodeDecodeError:
        raise ValueError("the decompressed credential is not ASCII text, so not a compact JWS") from None
    return _check_compact_jws(jws)


def qr_svg(text: str) -> str:
    """An SVG image of the QR code for ``text``, scalable (a viewBox, no fixed size).

    One unit of the viewBox is one module, the quiet zone included.
    """
    buffer = io.BytesIO()
    # omitsize: a viewBox instead of width/height, so the image scales to any box it is put in.
    make_qr(text).save(buffer, kind="svg", border=QR_BORDER, xmldecl=False, omitsize=True, nl=False)
    return buffer.getvalue().decode("ascii")


def qr_png(text: str, *, scale: int) -> bytes:
    """A PNG image of the QR code for ``text``, ``scale`` pixels per module."""
    if scale < 1:
        raise ValueError("scale must be at least 1 pixel per module")
    buffer = io.BytesIO()
    make_qr(text).save(buffer, kind="png", scale=scale, border=QR_BORDER)
    return buffer.getvalue()


def _read(image: Image.Image, binarizer: zxingcpp.Binarizer) -> list[str]:
    import zxingcpp

    found = zxingcpp.read_barcodes(
        image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode), binarizer=binarizer
    )
    return [barcode.text for barcode in found if barcode.valid]


def decode_qr_image(data: bytes) -> list[str]:
    """The texts of all QR codes found in a JPEG or PNG photo or scan, in reading order.

    Returns an empty list if the image holds no readable QR code. Raises ValueError if the data
    is not a JPEG or PNG image, or the image is larger than 40 megapixels.
    """
    import zxingcpp
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not data:
        raise ValueError("the file is empty; expected a JPEG or PNG image")
    try:
        # Image.open reads only the header, so the size check below runs before any pixel is
        # decoded. Pillow's own guard (MAX_IMAGE_PIXELS, 89 MP) warns, or raises above twice that.
        with Image.open(io.BytesIO(data), formats=["JPEG", "PNG"]) as opened:
            width, height = opened.size
            if width * height > MAX_IMAGE_PIXELS:
                raise ValueError(
                    f"the image is {width}x{height} pixels; images over "
                    f"{MAX_IMAGE_PIXELS // 1_000_000} megapixels are refused"
                )
            # A phone photo is often stored sideways with an EXIF note to turn it.
            gray = ImageOps.exif_transpose(opened).convert("L")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValueError(
            f"the image is too large; images over {MAX_IMAGE_PIXELS // 1_000_000} megapixels are refused"
        ) from None
    except UnidentifiedImageError:
        raise ValueError("the file is not a JPEG or PNG image") from None
    except (OSError, SyntaxError):
        # Truncated or corrupt image data: Pillow raises OSError (or SyntaxError from some
        # format plugins) when decoding the pixels.
        raise ValueError("the image file is damaged or truncated") from None

    texts = _read(gray, zxingcpp.Binarizer.LocalAverage)
    if not texts:
        # Uneven light on a photo: a global threshold sometimes succeeds where the local one fails.
        texts = _read(gray, zxingcpp.Binarizer.GlobalHistogram)
    if not texts and max(gray.size) > 2000:
        # A dense symbol on a high-resolution photo: sensor noise breaks modules into specks that
        # smoothing by downscaling removes. (zxing downscales too, but only by powers of two.)
        smaller = gray.copy()
        smaller.thumbnail((2000, 2000), Image.Resampling.LANCZOS)
        texts = _read(smaller, zxingcpp.Binarizer.LocalAverage)
    if not texts:
        # Low contrast (a faded print, a grey scan): stretch the histogram, then try again.
        texts = _read(ImageOps.autocontrast(gray, cutoff=1), zxingcpp.Binarizer.LocalAverage)
    # Deduplicate (the same symbol can be found twice) but keep the order zxing gave.
    return list(dict.fromkeys(texts))
