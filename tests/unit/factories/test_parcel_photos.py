"""The independent parcel-photo generator: deterministic per seed, photo sizes in range, variants
that differ from their original within the stated bounds, and unrelated photos that are no copies
of an original but often share its office."""

from __future__ import annotations

import re
import time
from functools import cache

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from tests.factories import parcel_photos
from tests.factories.parcel_photos import originals, unrelated, variants

SEEDS = st.integers(min_value=0, max_value=2**40)
NUMBER = r"(\d+(?:\.\d+)?)"


@cache
def _originals(seed: int, n: int) -> tuple[Image.Image, ...]:
    return tuple(originals(seed, n))


@cache
def _unrelated(seed: int, n: int) -> tuple[Image.Image, ...]:
    return tuple(unrelated(seed, n))


def _pixels(img: Image.Image) -> np.ndarray:
    return np.asarray(img.convert("RGB"), dtype=np.int16)


def _mean_abs_diff(a: Image.Image, b: Image.Image) -> float:
    return float(np.abs(_pixels(a) - _pixels(b)).mean())


def test_same_seed_same_photos_other_seed_other_photos() -> None:
    a, b = list(originals(11, 3)), list(originals(11, 3))
    assert [im.tobytes() for im in a] == [im.tobytes() for im in b]
    assert [im.tobytes() for im in unrelated(11, 3)] == [im.tobytes() for im in unrelated(11, 3)]
    other = list(originals(12, 3))
    assert all(x.size != y.size or x.tobytes() != y.tobytes() for x, y in zip(a, other, strict=True))


def test_a_longer_run_begins_with_the_shorter_one() -> None:
    short, long = _originals(3, 2), list(originals(3, 4))
    assert [im.tobytes() for im in short] == [im.tobytes() for im in long[:2]]
    assert [im.tobytes() for im in _unrelated(3, 2)] == [im.tobytes() for im in unrelated(3, 4)][:2]


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=SEEDS)
def test_photos_are_rgb_and_800_to_2000_px_on_the_long_side(seed: int) -> None:
    for im in [*originals(seed, 2), *unrelated(seed, 2)]:
        assert im.mode == "RGB"
        assert 800 <= max(im.size) <= 2000, im.size
        assert min(im.size) >= 600, im.size


def test_originals_are_distinct_parcels() -> None:
    photos = _originals(5, 8)
    for i, a in enumerate(photos):
        for b in photos[i + 1 :]:
            assert a.size != b.size or _mean_abs_diff(a, b) > 2.0


def test_photos_look_like_photos_not_flat_fills() -> None:
    """Some contrast (stones, props, surface) and some noise: no blank or saturated frame."""
    for im in [*_originals(5, 8), *_unrelated(5, 8)]:
        px = _pixels(im)
        assert px.std() > 8
        assert 5 < px.mean() < 250
        assert len(np.unique(px.reshape(-1, 3)[::97], axis=0)) > 200


def test_every_surface_appears_across_seeds() -> None:
    # The offices are the cheap part of a photo: checking them over many seeds renders nothing.
    surfaces = {office.surface for seed in range(40) for office in parcel_photos._offices(seed)}
    assert surfaces == set(parcel_photos.SURFACES)


def test_a_photo_takes_a_few_hundred_ms_at_most() -> None:
    list(originals(21, 1))  # the office's background is made once, then reused
    start = time.process_time()
    photos = [*originals(21, 4), *unrelated(21, 4)]
    per_photo = (time.process_time() - start) / len(photos)
    assert per_photo < 0.5, f"{per_photo:.3f} s of CPU per photo"


# --------------------------------------------------------------------------------------------------
# Variants


def _check_variant(name: str, original: Image.Image, copy: Image.Image) -> None:
    w, h = original.size
    assert copy.mode == "RGB"
    steps = name.split("+")
    expected_w, expected_h = float(w), float(h)
    for step in steps:
        kind = step.split("-", 1)[0]
        if kind == "crop":
            m = re.fullmatch(r"crop-l(\d+)t(\d+)r(\d+)b(\d+)px", step)
            assert m, step
            left, top, right, bottom = (int(g) for g in m.groups())
            # 0-10 % off each side of the picture as it was when cropped (crop always comes first).
            assert max(left, right) <= 0.10 * w and max(top, bottom) <= 0.10 * h, step
            assert left + top + right + bottom > 0, step
            expected_w, expected_h = w - left - right, h - top - bottom
        elif kind == "resize":
            m = re.fullmatch(rf"resize-x{NUMBER}", step)
            assert m, step
            factor = float(m.group(1))
            assert 0.5 <= factor <= 1.5 and abs(factor - 1) >= 0.03, step
            expected_w, expected_h = round(expected_w * factor), round(expected_h * factor)
        elif kind == "jpeg":
            m = re.fullmatch(r"jpeg-q(\d+)", step)
            assert m and 50 <= int(m.group(1)) <= 95, step
        elif kind == "blur":
            m = re.fullmatch(rf"blur-r{NUMBER}", step)
            assert m and 0.3 <= float(m.group(1)) <= 1.5, step
        elif kind == "recolour":
            m = re.fullmatch(rf"recolour-b{NUMBER}c{NUMBER}s{NUMBER}h(-?\d+\.\d)wb{NUMBER},{NUMBER}", step)
            assert m, step
            b, c, s, hue, red, blue = (float(g) for g in m.groups())
            assert all(0.85 <= v <= 1.15 for v in (b, c, s)), step
            assert abs(hue) <= 6 and 0.94 <= red <= 1.06 and 0.94 <= blue <= 1.06, step
        else:
            raise AssertionError(f"unknown step {step!r} in {name!r}")
    assert copy.size == (expected_w, expected_h), (name, copy.size, (expected_w, expected_h))
    # Within the stated bounds: at most 20 % cropped off a side's length, then x0.5-x1.5.
    assert 0.8 * 0.5 * w - 1 <= copy.size[0] <= 1.5 * w + 1
    assert 0.8 * 0.5 * h - 1 <= copy.size[1] <= 1.5 * h + 1
    if copy.size == original.size:
        assert copy.tobytes() != original.tobytes(), name
        assert _mean_abs_diff(original, copy) > 0.02, name
    # Still the same picture: shrink both to a common size and compare coarsely.
    small = (64, 48)
    if steps[0].startswith("crop"):
        left, top, right, bottom = (int(g) for g in re.findall(r"\d+", steps[0]))
        original = original.crop((left, top, w - right, h - bottom))
    before = np.asarray(original.convert("L").resize(small), dtype=np.float64).ravel()
    after = np.asarray(copy.convert("L").resize(small), dtype=np.float64).ravel()
    assert np.corrcoef(before, after)[0, 1] > 0.8, name


def test_variants_cover_every_transformation_and_three_combinations() -> None:
    original = _originals(7, 1)[0]
    copies = variants(original, 1)
    singles = [n for n in copies if "+" not in n]
    assert sorted(n.split("-", 1)[0] for n in singles) == ["blur", "crop", "jpeg", "recolour", "resize"]
    assert sum("+" in n for n in copies) >= 3
    assert any({"crop", "resize", "jpeg"} <= {s.split("-", 1)[0] for s in n.split("+")} for n in copies)
    for name, copy in copies.items():
        _check_variant(name, original, copy)


def test_variants_are_deterministic_per_seed() -> None:
    original = _originals(7, 1)[0]
    a, b, c = variants(original, 4), variants(original, 4), variants(original, 5)
    assert list(a) == list(b)
    assert all(a[k].tobytes() == b[k].tobytes() for k in a)
    assert list(a) != list(c)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(photo=st.integers(min_value=0, max_value=3), seed=SEEDS)
def test_variants_stay_within_bounds_and_differ_from_the_original(photo: int, seed: int) -> None:
    original = _originals(9, 4)[photo]
    for name, copy in variants(original, seed).items():
        _check_variant(name, original, copy)


def test_the_least_possible_crop_still_changes_the_photo() -> None:
    """A crop drawn as 0 px on every side is made 1 px, so a crop variant is never the original."""
    tiny = Image.new("RGB", (8, 8), (10, 20, 30))
    for seed in range(20):
        copies = variants(tiny, seed)
        crop = next(im for n, im in copies.items() if n.startswith("crop-") and "+" not in n)
        assert crop.size != tiny.size


# --------------------------------------------------------------------------------------------------
# Unrelated photos


def test_unrelated_photos_are_no_copies_of_originals() -> None:
    olds, news = _originals(5, 8), _unrelated(5, 8)
    for u in news:
        for o in olds:
            if u.size == o.size:
                assert u.tobytes() != o.tobytes()
                assert _mean_abs_diff(u, o) > 2.0
            # Not a shrunken or enlarged copy either.
            assert _mean_abs_diff(u.resize((64, 48)), o.resize((64, 48))) > 1.0


def test_unrelated_photos_are_mostly_hard_negatives_from_the_same_offices() -> None:
    """Most unrelated photos are framed like some original (same camera) and share its empty
    surface: at least one of them matches an original pixel for pixel along a stretch of the
    frame's border (same tray, tripod), yet as a whole it is another parcel."""
    olds, news = _originals(8, 12), _unrelated(8, 12)
    sizes = {o.size for o in olds}
    same_camera = [u for u in news if u.size in sizes]
    assert len(same_camera) >= len(news) // 2

    def border_diff(a: Image.Image, b: Image.Image) -> float:
        pa, pb = _pixels(a), _pixels(b)
        return float(np.abs(pa[:, :8] - pb[:, :8]).mean())

    close = [(u, o) for u in same_camera for o in olds if o.size == u.size and border_diff(u, o) < 12]
    assert close, "no unrelated photo shares an original's surface"
    assert all(_mean_abs_diff(u, o) > 2.0 for u, o in close)
