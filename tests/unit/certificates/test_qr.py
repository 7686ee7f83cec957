"""The QR code that carries a certificate's credential: text forms, strictness, images."""

from __future__ import annotations

import base64
import io
import json
import random
import struct
import tracemalloc
import zlib
from typing import Any

import base45  # type: ignore[import-untyped]
import pytest
import segno
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw, ImageFilter

from kpcs.certificates.qr import (
    MAX_CREDENTIAL_BYTES,
    QR_PREFIX,
    QRCapacityError,
    decode_qr_image,
    decode_qr_text,
    encode_qr_text,
    make_qr,
    qr_png,
    qr_svg,
)

KID = "BW-2025-01-3f9a6c2e"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def sign_credential(payload: dict[str, Any], *, kid: str = KID, seed: bytes = bytes(range(32))) -> str:
    """A real compact JWS (EdDSA over Ed25519, as the contract's credential) of ``payload``."""
    key = Ed25519PrivateKey.from_private_bytes(seed)
    header = b64url(json.dumps({"alg": "EdDSA", "kid": kid, "typ": "vc+jwt"}, separators=(",", ":")).encode())
    body = b64url(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode())
    signature = b64url(key.sign(f"{header}.{body}".encode("ascii")))
    return f"{header}.{body}.{signature}"


def vc_payload(number: str, lines: list[dict[str, Any]]) -> dict[str, Any]:
    """A W3C VC 2.0 payload of a certificate, shaped like the one kpcs signs."""
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://kpcs.example.org/ns/kp/v1"],
        "type": ["VerifiableCredential", "KimberleyProcessCertificate"],
        "id": f"urn:kpcs:certificate:{number}",
        "issuer": {
            "id": "did:web:kpcs.example.org:participants:BW",
            "name": "Government Diamond Valuator, Ministry of Minerals and Energy, Gaborone",
        },
        "validFrom": "2025-03-03T09:30:00Z",
        "validUntil": "2025-05-02T23:59:59Z",
        "credentialSchema": {
            "id": "https://kpcs.example.org/schemas/certificate-v1.json",
            "type": "JsonSchema",
        },
        "credentialStatus": {
            "id": f"https://kpcs.example.org/api/v1/certificates/{number}#status",
            "type": "KimberleyProcessStatus",
        },
        "credentialSubject": {
            "number": number,
            "exporting_country": "BW",
            "importing_country": "BE",
            "issuing_authority": "Government Diamond Valuator, Ministry of Minerals and Energy",
            "exporter": {
                "name": "Sodiam Berbérati Export SARL",
                "address": "Quartier Haoussa, BP 1234, Berbérati, République centrafricaine",
            },
            "importer": {
                "name": "Diamanthandel Zürich & Antwerpen NV",
                "address": "Hoveniersstraat 30, 2018 Antwerpen, Belgique",
            },
            "parcel_count": 3,
            "lines": lines,
            "issued_on": "2025-03-03",
            "expires_on": "2025-05-02",
        },
    }


THREE_LINES = [
    {"hs_code": "7102.31", "origin": "BW", "carats": 1520.35, "value_usd": 310250.0},
    {"hs_code": "7102.21", "origin": "CF", "carats": 842.1, "value_usd": 51200.5},
    {"hs_code": "7102.10", "origin": "mixed", "carats": 12.75, "value_usd": 9800.0},
]

# About 1,900 characters, the size of a real three-line credential.
CREDENTIAL = sign_credential(vc_payload("BW-2025-000123", THREE_LINES))

jws_parts = st.binary(min_size=1, max_size=500).map(b64url)
jws_like = st.tuples(jws_parts, jws_parts, jws_parts).map(".".join)


def test_the_realistic_credential_has_the_expected_size() -> None:
    assert 1800 <= len(CREDENTIAL) <= 2000


@settings(max_examples=60, deadline=None)
@given(jws_like)
def test_any_compact_jws_survives_the_round_trip(jws: str) -> None:
    text = encode_qr_text(jws)
    assert decode_qr_text(text) == jws
    # Whichever form encode chose, a reader must also accept the other one.
    assert decode_qr_text(jws) == jws
    compressed = QR_PREFIX + base45.b45encode(zlib.compress(jws.encode(), 9)).decode()
    assert decode_qr_text(compressed) == jws


@settings(max_examples=30, deadline=None)
@given(jws_like)
def test_encode_chooses_the_smaller_symbol(jws: str) -> None:
    text = encode_qr_text(jws)
    compressed = QR_PREFIX + base45.b45encode(zlib.compress(jws.encode(), 9)).decode()
    assert text in (jws, compressed)
    other = compressed if text == jws else jws
    chosen, alternative = make_qr(text), make_qr(other)
    assert int(chosen.version) <= int(alternative.version)
    assert encode_qr_text(jws) == text  # deterministic


def test_a_real_credential_is_compressed_into_a_smaller_alphanumeric_symbol() -> None:
    text = encode_qr_text(CREDENTIAL)
    assert text.startswith(QR_PREFIX)
    compressed, raw = make_qr(text), make_qr(CREDENTIAL)
    assert compressed.mode == "alphanumeric"
    assert raw.mode == "byte"
    # Measured: version 29 against version 37 at error level M.
    assert int(compressed.version) <= int(raw.version) - 5
    assert compressed.error in ("M", "Q", "H")


def test_a_tiny_jws_stays_as_it_is() -> None:
    # Compression and the prefix cost more than they save on a few bytes.
    assert encode_qr_text("ab.cd.ef") == "ab.cd.ef"


def test_a_credential_too_large_for_any_qr_code_is_refused() -> None:
    part = b64url(random.Random(7).randbytes(3000))  # incompressible: 4,000 characters
    with pytest.raises(QRCapacityError):
        encode_qr_text(f"{part}.{part}.{part}")


@pytest.mark.parametrize("text", [" ab.cd.ef", "ab.cd.ef.gh", "abcde.cd.ef", "ab.c$.ef", "ab..ef", ""])
def test_encode_refuses_what_is_not_a_compact_jws(text: str) -> None:
    with pytest.raises(ValueError, match="not a signed credential"):
        encode_qr_text(text)


def _kpc1(data: bytes) -> str:
    encoded: bytes = base45.b45encode(data)
    return QR_PREFIX + encoded.decode()


GOOD_ZLIB = zlib.compress(CREDENTIAL.encode(), 9)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("KPC2:" + _kpc1(GOOD_ZLIB)[5:], "starts with 'KPC2:'"),
        ("HC1:6BFOXN%TS3DH0YOJ58S S-W5HDC *M0II5XHC9B5G2+$N", "starts with 'HC1:'"),
        ("kpc1:" + _kpc1(GOOD_ZLIB)[5:], "starts with 'kpc1:'"),
        (QR_PREFIX, "nothing follows"),
        (QR_PREFIX + "abc", "not valid Base45"),  # lower case is not in the alphabet
        (QR_PREFIX + "ABCD", "not valid Base45"),  # a length of 3k+1 cannot be Base45
        (QR_PREFIX + "GGW", "not valid Base45"),  # the group decodes to 65536 > 0xFFFF
        (_kpc1(b"this is not zlib data"), "not zlib-compressed"),
        (_kpc1(GOOD_ZLIB[:-10]), "truncated"),
        (_kpc1(GOOD_ZLIB + b"\x00extra"), "bytes after its end"),
        (_kpc1(zlib.compress(b"just some text")), "not a signed credential"),
        (_kpc1(zlib.compress("ab.cd.é".encode())), "not ASCII"),
        ("ab.cd", "not a signed credential"),
        ("ab.cd.ef.gh", "not a signed credential"),
        ("ab..ef", "not a signed credential"),
        ("ab.c+.ef", "not a signed credential"),  # "+" is base64, not base64url
        ("abcde.cd.ef", "not valid base64url"),
        ("", "not a signed credential"),
        ("https://example.org/verify?x=1", "starts with 'https:'"),
    ],
)
def test_decode_refuses_malformed_text_with_a_plain_message(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        decode_qr_text(text)


def test_decode_refuses_a_zip_bomb_without_inflating_it() -> None:
    bomb = _kpc1(zlib.compress(b"A" * 50_000_000, 9))  # 50 MB that compresses to about 50 KB
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=f"more than {MAX_CREDENTIAL_BYTES} bytes"):
            decode_qr_text(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Inflating it all would take 50 MB; the guard stops at 16 KiB.
    assert peak < 2_000_000, peak


def test_the_size_limit_is_exactly_16_kib() -> None:
    at_limit = "ab." + "A" * (MAX_CREDENTIAL_BYTES - 6) + ".ef"
    assert len(at_limit) == MAX_CREDENTIAL_BYTES
    assert decode_qr_text(_kpc1(zlib.compress(at_limit.encode()))) == at_limit
    over = "ab." + "A" * (MAX_CREDENTIAL_BYTES - 4) + ".ef"
    with pytest.raises(ValueError, match="more than"):
        decode_qr_text(_kpc1(zlib.compress(over.encode())))


def test_decode_ignores_the_line_break_a_scanner_types_after_the_text() -> None:
    assert decode_qr_text(encode_qr_text(CREDENTIAL) + "\r\n") == CREDENTIAL
    assert decode_qr_text(CREDENTIAL + "\n") == CREDENTIAL


def test_svg_scales_to_any_box_and_is_deterministic() -> None:
    svg = qr_svg(encode_qr_text(CREDENTIAL))
    assert svg.startswith("<svg")
    size = make_qr(encode_qr_text(CREDENTIAL)).symbol_size(border=4)[0]
    assert f'viewBox="0 0 {size} {size}"' in svg
    assert "width=" not in svg.split(">", 1)[0]
    assert svg == qr_svg(encode_qr_text(CREDENTIAL))


def test_png_round_trip_through_the_image_decoder() -> None:
    text = encode_qr_text(CREDENTIAL)
    png = qr_png(text, scale=4)
    assert png.startswith(b"\x89PNG")
    assert decode_qr_image(png) == [text]
    assert decode_qr_text(decode_qr_image(png)[0]) == CREDENTIAL


def test_png_scale_must_be_positive() -> None:
    with pytest.raises(ValueError, match="scale"):
        qr_png("ab.cd.ef", scale=0)


def _photo_of(png: bytes, *, factor: float, quality: int, blur: float = 0.0) -> bytes:
    """The QR code as a camera or scanner would give it: on a background, resized, blurred, JPEG."""
    with Image.open(io.BytesIO(png)) as symbol:
        code = symbol.convert("RGB")
    canvas = Image.new("RGB", (code.width + 300, code.height + 200), (214, 206, 190))  # a desk
    ImageDraw.Draw(canvas).rectangle((40, 30, code.width + 260, code.height + 170), fill=(250, 250, 246))
    canvas.paste(code, (150, 100))
    photo = canvas.resize(
        (round(canvas.width * factor), round(canvas.height * factor)), Image.Resampling.BILINEAR
    )
    if blur:
        photo = photo.filter(ImageFilter.GaussianBlur(blur))
    out = io.BytesIO()
    photo.save(out, format="JPEG", quality=quality)
    return out.getvalue()


@pytest.mark.parametrize(("factor", "quality", "blur"), [(0.7, 60, 0.0), (1.6, 85, 1.2), (0.55, 75, 0.4)])
def test_a_resized_jpeg_of_the_code_still_decodes(factor: float, quality: float, blur: float) -> None:
    text = encode_qr_text(CREDENTIAL)
    photo = _photo_of(qr_png(text, scale=5), factor=factor, quality=int(quality), blur=blur)
    assert photo.startswith(b"\xff\xd8")
    assert decode_qr_image(photo) == [text]


def test_every_code_in_the_image_is_returned() -> None:
    first, second = "ab.cd.ef", encode_qr_text(CREDENTIAL)
    with (
        Image.open(io.BytesIO(qr_png(first, scale=8))) as a,
        Image.open(io.BytesIO(qr_png(second, scale=4))) as b,
    ):
        canvas = Image.new("L", (a.width + b.width + 40, max(a.height, b.height)), 255)
        canvas.paste(a.convert("L"), (0, 0))
        canvas.paste(b.convert("L"), (a.width + 40, 0))
    out = io.BytesIO()
    canvas.save(out, format="PNG")
    assert sorted(decode_qr_image(out.getvalue())) == sorted([first, second])


def test_an_image_without_a_code_gives_an_empty_list() -> None:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (120, 130, 140)).save(out, format="PNG")
    assert decode_qr_image(out.getvalue()) == []


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims a size in its header; Pillow must refuse it before decoding pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (8_000, 6_000),  # 48 MP: over our 40 MP limit, under Pillow's own guard
        (12_000, 10_000),  # 120 MP: Pillow warns (a DecompressionBombWarning)
        (30_000, 30_000),  # 900 MP: Pillow raises DecompressionBombError
    ],
)
def test_a_decompression_bomb_is_refused(width: int, height: int) -> None:
    with pytest.raises(ValueError, match="megapixels"):
        decode_qr_image(_png_header_only(width, height))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"%PDF-1.7\n this is a PDF, not a photo", "not a JPEG or PNG"),
        (
            b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,"
            b"\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;",
            "not a JPEG or PNG",
        ),
    ],
)
def test_what_is_not_a_jpeg_or_png_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        decode_qr_image(data)


def test_a_truncated_image_is_refused() -> None:
    photo = _photo_of(qr_png(encode_qr_text(CREDENTIAL), scale=4), factor=1.0, quality=90)
    with pytest.raises(ValueError, match="damaged or truncated"):
        decode_qr_image(photo[: len(photo) // 2])


def test_segno_agrees_on_the_quiet_zone() -> None:
    # The PNG has the 4-module quiet zone the QR specification requires on each side.
    text = "ab.cd.ef"
    with Image.open(io.BytesIO(qr_png(text, scale=1))) as image:
        assert image.size == (segno.make_qr(text, error="m").symbol_size(border=4))
