"""Shipment photos through the API and the pages: a photo re-used from another shipment is
flagged at upload with its distance (and stored as a warning on the certificate or dossier,
shown with both pictures side by side), an unrelated one is not, junk is refused with a 422
naming ``file`` and nothing stored, EXIF is gone, and only those at either end of the
shipment add photos while only those who may see it see them."""

from __future__ import annotations

import hashlib
import io

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from kpcs.accounts.models import Role
from kpcs.photos import close_look
from kpcs.photos.domain import DETAIL_LIMIT, DETAIL_LIMIT_ALONE, MATCH_DISTANCE
from tests.conftest import auth, certificate_body
from tests.factories import parcel_photos_holdout, parcel_photos_seventh, photo_tuning
from tests.functional.test_export_dossiers import DOSSIER, _restrict
from tests.functional.test_pages import sign_in


def _jpeg(image: Image.Image, quality: int = 90, **options: object) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, format="JPEG", quality=quality, **options)
    return out.getvalue()


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def parcels() -> dict[str, Image.Image]:
    """An original parcel photo, a forger's copy of it, and another parcel's photo."""
    original = next(photo_tuning.originals(7, 1))
    copy = photo_tuning.variants(original, 3)["crop-resize-jpeg"]
    return {"original": original, "copy": copy, "unrelated": next(photo_tuning.unrelated(7, 1))}


def _issue(client: TestClient, headers: dict[str, str], **changes: object) -> str:
    issued = client.post("/api/v1/certificates", json=certificate_body(**changes), headers=headers)
    assert issued.status_code == 201, issued.text
    return str(issued.json()["number"])


def _upload(client: TestClient, path: str, content: bytes, headers: dict[str, str], name: str = "p.jpg"):  # type: ignore[no-untyped-def]
    return client.post(path, files={"file": (name, content, "image/jpeg")}, headers=headers)


def test_a_reused_photo_is_flagged_and_an_unrelated_one_is_not(  # type: ignore[no-untyped-def]
    client: TestClient, make_token, parcels
) -> None:
    botswana = auth(make_token(Role.AUTHORITY, "BW"))
    belgium = auth(make_token(Role.AUTHORITY, "EU"))
    south_africa = auth(make_token(Role.AUTHORITY, "ZA"))
    india = auth(make_token(Role.AUTHORITY, "IN"))
    first = _issue(client, botswana)
    later = _issue(
        client,
        south_africa,
        exporting_country="ZA",
        importing_country="IN",
        lines=[{"hs_code": "7102.31", "origin": "ZA", "carats": 900.0, "value_usd": 120000.0}],
    )

    added = _upload(client, f"/api/v1/certificates/{first}/photos", _jpeg(parcels["original"]), botswana)
    assert added.status_code == 201, added.text
    original_id = added.json()["id"]
    assert added.json()["similar"] == []
    # the importing authority may add one too; the same shipment's photos are never "re-used"
    again = _upload(client, f"/api/v1/certificates/{first}/photos", _jpeg(parcels["original"], 70), belgium)
    assert again.status_code == 201 and again.json()["similar"] == []

    reused = _upload(client, f"/api/v1/certificates/{later}/photos", _jpeg(parcels["copy"], 55), south_africa)
    assert reused.status_code == 201, reused.text
    similar = reused.json()["similar"]
    # the search stops at the first earlier photo it confirms: one of the two, on one certificate
    assert [(s["certificate"], s["dossier"]) for s in similar] == [(first, None)]
    assert similar[0]["photo"] in (original_id, again.json()["id"])
    assert 0 <= similar[0]["distance"] <= MATCH_DISTANCE

    unrelated = _upload(client, f"/api/v1/certificates/{later}/photos", _png(parcels["unrelated"]), india)
    assert unrelated.status_code == 201 and unrelated.json()["similar"] == []

    # the warning is stored on the later certificate, for both its authorities and the experts
    for who in (south_africa, india, auth(make_token(Role.MONITORING))):
        warnings = client.get(f"/api/v1/certificates/{later}", headers=who).json()["warnings"]
        assert [w["type"] for w in warnings] == ["photo-reused"]
        assert (
            warnings[0]["similar_photo"] == similar[0]["photo"]
            and warnings[0]["match"] == similar[0]["match"]
        )
        assert first in warnings[0]["message"]
    assert client.get(f"/api/v1/certificates/{first}", headers=botswana).json()["warnings"] == []

    listed = client.get(f"/api/v1/certificates/{later}/photos", headers=india).json()
    assert [p["id"] for p in listed] == [reused.json()["id"], unrelated.json()["id"]]
    assert listed[0]["similar"] == similar and listed[1]["similar"] == []
    # India sees the earlier photo of the match (shown side by side), not the rest of Botswana's
    assert client.get(f"/api/v1/photos/{similar[0]['photo']}", headers=india).status_code == 200
    assert client.get(f"/api/v1/certificates/{first}/photos", headers=india).status_code == 404
    stranger = client.get(f"/api/v1/photos/{unrelated.json()['id']}", headers=botswana)
    assert stranger.status_code == 404


def test_another_parcel_on_the_same_tray_is_not_flagged_and_a_copy_of_it_is(  # type: ignore[no-untyped-def]
    client: TestClient, make_token
) -> None:
    """An office photographs parcel after parcel on one tray: their photos hash alike (the
    tray, its light and its scale card fill the frame), so each near one is looked at again
    in detail. Another parcel is not reported; a copy is, with how much its detail differs."""
    botswana = auth(make_token(Role.AUTHORITY, "BW"))
    first, second, third = (_issue(client, botswana) for _ in range(3))
    original = photo_tuning.office_photo("original-1-3", 1)
    added = _upload(client, f"/api/v1/certificates/{first}/photos", _jpeg(original), botswana)
    assert added.status_code == 201, added.text

    same_tray = photo_tuning.office_photo("unrelated-2-375", 1, sparse=True)
    other = _upload(client, f"/api/v1/certificates/{second}/photos", _jpeg(same_tray), botswana)
    assert other.status_code == 201 and other.json()["similar"] == []
    assert client.get(f"/api/v1/certificates/{second}", headers=botswana).json()["warnings"] == []

    copy = photo_tuning.variants(original, 4)["crop-resize-jpeg"]
    reused = _upload(client, f"/api/v1/certificates/{third}/photos", _jpeg(copy, 60), botswana)
    [similar] = reused.json()["similar"]
    assert similar["photo"] == added.json()["id"] and similar["distance"] <= MATCH_DISTANCE
    assert 0 <= similar["difference"] <= DETAIL_LIMIT
    [warning] = client.get(f"/api/v1/certificates/{third}", headers=botswana).json()["warnings"]
    assert warning["difference"] == similar["difference"] and "detail differing" in warning["message"]
    page = client.get(f"/photo-matches/{similar['match']}", headers=botswana)
    assert f"their detail differs by {similar['difference']:.2f}" in page.text


def test_another_lot_heaped_on_an_unchanged_set_up_is_not_flagged_and_a_copy_of_it_is(  # type: ignore[no-untyped-def]
    client: TestClient, make_token
) -> None:
    """The hard case the close look is for: an office's black velvet, label card and ruler
    where they always lie, a small heap of other stones (the hash and the second look both let
    it through). It is not reported; a copy of the photo is, with how many blocks differ
    looked at closely."""
    botswana = auth(make_token(Role.AUTHORITY, "BW"))
    first, second, third = (_issue(client, botswana) for _ in range(3))
    original = list(parcel_photos_holdout.originals(1, 12))[11]
    added = _upload(client, f"/api/v1/certificates/{first}/photos", _jpeg(original), botswana)
    assert added.status_code == 201, added.text

    other_lot = list(parcel_photos_holdout.unrelated(2, 6))[5]
    other = _upload(client, f"/api/v1/certificates/{second}/photos", _jpeg(other_lot), botswana)
    assert other.status_code == 201 and other.json()["similar"] == []

    copy = original.crop((40, 30, original.width - 90, original.height - 20)).resize((1100, 640))
    reused = _upload(client, f"/api/v1/certificates/{third}/photos", _jpeg(copy, 60), botswana)
    [similar] = reused.json()["similar"]
    assert similar["photo"] == added.json()["id"]
    assert 0 <= similar["close_blocks_differing"] <= close_look.MOST_DIFFERING
    assert 0 <= similar["close_difference"] < 0.05
    [warning] = client.get(f"/api/v1/certificates/{third}", headers=botswana).json()["warnings"]
    assert warning["close_blocks_differing"] == similar["close_blocks_differing"]
    assert f"{similar['close_blocks_differing']} of " in warning["message"]
    assert "blocks with detail differ, at most 2 in the same picture" in warning["message"]
    page = client.get(f"/photo-matches/{similar['match']}", headers=botswana)
    assert "blocks with something in them differ (the same picture: at most 2)" in page.text
    # the audit log keeps what decided, beside who and when
    audit = client.get(
        "/api/v1/audit", params={"tag": "photo:reuse-flagged"}, headers=auth(make_token(Role.ADMIN))
    )
    [flagged] = audit.json()
    assert flagged["after"]["close_blocks_differing"] == similar["close_blocks_differing"]
    assert flagged["after"]["similar_photo"] == added.json()["id"]


def test_a_crop_the_second_look_doubts_is_found_by_the_close_look(  # type: ignore[no-untyped-def]
    client: TestClient, make_token
) -> None:
    """A lot on a sieve plate, and the same photo cropped by 3 % on the left and 6 % at the
    bottom (the seventh generator's original 56 and its first copy, drawn alone): the
    plate's holes, about one per sample of the second look, alias differently once cropped,
    and it finds over its own limit (0.45) from every pair of windows it tries; the close
    look, at 768 pixels, finds no block differing, and the copy is reported."""
    original = parcel_photos_seventh._render(parcel_photos_seventh._orig_spec(1, 56))
    copy = parcel_photos_seventh.variants(original, 56)["crop-l3t0r0b6pct"]
    botswana = auth(make_token(Role.AUTHORITY, "BW"))
    first, second = (_issue(client, botswana) for _ in range(2))
    added = _upload(client, f"/api/v1/certificates/{first}/photos", _jpeg(original), botswana)
    assert added.status_code == 201, added.text
    reused = _upload(client, f"/api/v1/certificates/{second}/photos", _jpeg(copy), botswana)
    [similar] = reused.json()["similar"]
    assert similar["photo"] == added.json()["id"]
    assert similar["difference"] > DETAIL_LIMIT  # doubted at the second look...
    assert similar["close_blocks_differing"] == 0  # ...agreeing in every block looked at closely
    page = client.get(f"/photo-matches/{similar['match']}", headers=botswana)
    assert "0 of the" in page.text and "(the same picture: at most 0)" in page.text
    assert "can be large for a crop of a fine pattern" in page.text  # why the expert sees 0.5 and more


def test_a_copy_of_a_tiny_photo_is_decided_by_the_second_look_and_says_so(  # type: ignore[no-untyped-def]
    client: TestClient, make_token, parcels
) -> None:
    """A photo of 120 pixels across has too few blocks with detail for the close look to
    decide: a recompressed copy is still flagged, on the second look's stricter limit, and the
    warning and the side-by-side page say why."""
    botswana = auth(make_token(Role.AUTHORITY, "BW"))
    first, second = (_issue(client, botswana) for _ in range(2))
    tiny = parcels["original"].resize((120, 90), Image.Resampling.LANCZOS)
    added = _upload(client, f"/api/v1/certificates/{first}/photos", _jpeg(tiny), botswana)
    assert added.status_code == 201, added.text
    reused = _upload(client, f"/api/v1/certificates/{second}/photos", _jpeg(tiny, 60), botswana)
    [similar] = reused.json()["similar"]
    assert similar["photo"] == added.json()["id"] and similar["difference"] <= DETAIL_LIMIT_ALONE
    [warning] = client.get(f"/api/v1/certificates/{second}", headers=botswana).json()["warnings"]
    assert "too few to decide" in warning["message"], warning["message"]
    page = client.get(f"/photo-matches/{similar['match']}", headers=botswana)
    assert "too few to decide, so the detail decided (the same picture: at most 0.29)" in page.text


def test_a_match_whose_earlier_file_is_lost_is_reported_on_the_second_look(  # type: ignore[no-untyped-def]
    client: TestClient, make_token, settings
) -> None:
    """If the earlier photo's own file and its grey copy are lost (its thumbnail kept), a copy
    is reported on the second look, and the warning says it was not looked at closely."""
    botswana = auth(make_token(Role.AUTHORITY, "BW"))
    first, second = (_issue(client, botswana) for _ in range(2))
    original = list(parcel_photos_holdout.originals(1, 12))[11]
    added = _upload(client, f"/api/v1/certificates/{first}/photos", _jpeg(original), botswana)
    thumbnail = client.get(f"/api/v1/photos/{added.json()['id']}/thumbnail", headers=botswana).content
    kept = [f for f in (settings.data_dir / "photos").rglob("*") if f.is_file()]
    assert len(kept) == 3  # the photo, its thumbnail, its grey copy
    for file in kept:
        if file.name != hashlib.sha256(thumbnail).hexdigest():
            file.unlink()

    copy = original.crop((40, 30, original.width - 90, original.height - 20)).resize((1100, 640))
    again = _upload(client, f"/api/v1/certificates/{second}/photos", _jpeg(copy, 70), botswana)
    [similar] = again.json()["similar"]
    assert similar["photo"] == added.json()["id"] and similar["close_blocks_differing"] is None
    assert similar["difference"] is not None and similar["close_difference"] is None
    [warning] = client.get(f"/api/v1/certificates/{second}", headers=botswana).json()["warnings"]
    assert "not looked at closely" in warning["message"]
    page = client.get(f"/photo-matches/{similar['match']}", headers=botswana)
    assert "not looked at closely" in page.text


def test_only_the_nearest_candidates_are_looked_at_a_second_time(  # type: ignore[no-untyped-def]
    client: TestClient, make_token, parcels, monkeypatch
) -> None:
    """The second look is bounded (SECOND_LOOKS, nearest by hash first), so that an upload
    into a collection crowded with near photos still takes a bounded time."""
    from kpcs.photos import domain

    monkeypatch.setattr(domain, "SECOND_LOOKS", 1)
    botswana = auth(make_token(Role.AUTHORITY, "BW"))
    first, second, later = (_issue(client, botswana) for _ in range(3))
    exact = _upload(client, f"/api/v1/certificates/{first}/photos", _jpeg(parcels["copy"]), botswana)
    _upload(client, f"/api/v1/certificates/{second}/photos", _jpeg(parcels["original"]), botswana)
    reused = _upload(client, f"/api/v1/certificates/{later}/photos", _jpeg(parcels["copy"], 60), botswana)
    assert [s["photo"] for s in reused.json()["similar"]] == [exact.json()["id"]]


def test_a_near_photo_whose_file_is_missing_or_damaged_is_reported_on_its_hash_alone(  # type: ignore[no-untyped-def]
    client: TestClient, make_token, settings, parcels
) -> None:
    """The second look needs the earlier photo's thumbnail; if the data directory lost it,
    the match is reported all the same (for an expert to see) and says it was not compared."""
    botswana = auth(make_token(Role.AUTHORITY, "BW"))
    first, later = _issue(client, botswana), _issue(client, botswana)
    added = _upload(client, f"/api/v1/certificates/{first}/photos", _jpeg(parcels["original"]), botswana)
    thumbnail = client.get(f"/api/v1/photos/{added.json()['id']}/thumbnail", headers=botswana).content
    import hashlib

    kept = settings.data_dir / "photos" / hashlib.sha256(thumbnail).hexdigest()
    kept.unlink()
    reused = _upload(client, f"/api/v1/certificates/{later}/photos", _jpeg(parcels["copy"]), botswana)
    [similar] = reused.json()["similar"]
    assert similar["photo"] == added.json()["id"] and similar["difference"] is None
    [warning] = client.get(f"/api/v1/certificates/{later}", headers=botswana).json()["warnings"]
    assert "not compared in detail" in warning["message"]
    # a damaged file the same (the copy's too: a copy that agrees clearly ends the search,
    # as the new photo is then flagged against that copy, itself flagged against the first)
    kept.write_bytes(thumbnail[:200])
    copy_thumbnail = client.get(f"/api/v1/photos/{reused.json()['id']}/thumbnail", headers=botswana).content
    (settings.data_dir / "photos" / hashlib.sha256(copy_thumbnail).hexdigest()).write_bytes(
        copy_thumbnail[:200]
    )
    again = _upload(
        client,
        f"/api/v1/certificates/{_issue(client, botswana)}/photos",
        _jpeg(parcels["copy"], 70),
        botswana,
    )
    assert (added.json()["id"], None) in [(s["photo"], s["difference"]) for s in again.json()["similar"]]


def test_photos_are_kept_without_metadata_with_a_thumbnail(  # type: ignore[no-untyped-def]
    client: TestClient, make_token, settings, parcels
) -> None:
    botswana = auth(make_token(Role.AUTHORITY, "BW"))
    number = _issue(client, botswana)
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # the camera maker
    exif[0x8825] = {2: (24.0, 39.0, 0.0)}  # a GPS latitude
    content = _jpeg(parcels["original"], 90, exif=exif.tobytes())
    assert b"SpyCam" in content
    added = _upload(client, f"/api/v1/certificates/{number}/photos", content, botswana)
    assert added.status_code == 201, added.text
    photo_id = added.json()["id"]

    kept = client.get(f"/api/v1/photos/{photo_id}", headers=botswana)
    assert kept.status_code == 200 and kept.headers["content-type"] == "image/jpeg"
    assert b"SpyCam" not in kept.content
    image = Image.open(io.BytesIO(kept.content))
    assert image.size == parcels["original"].size and not image.getexif()
    thumbnail = client.get(f"/api/v1/photos/{photo_id}/thumbnail", headers=botswana)
    assert max(Image.open(io.BytesIO(thumbnail.content)).size) == 320
    # stored under the data directory by content hash
    import hashlib

    digest = hashlib.sha256(kept.content).hexdigest()
    assert (settings.data_dir / "photos" / digest).read_bytes() == kept.content


def _gif() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (100, 100), (1, 2, 3)).save(out, format="GIF")
    return out.getvalue()


def _bomb() -> bytes:
    # 20,000 x 20,000 one-bit pixels: 50 kB of PNG, 400 million pixels when decoded
    out = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(out, format="PNG")
    return out.getvalue()


JUNK = {
    "empty": (b"", "the file is empty"),
    "text": (b"just some words, not a picture", "not a JPEG or PNG"),
    "svg": (b'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"/>', "not a JPEG or PNG"),
    "gif": (_gif(), "not a JPEG or PNG"),
    "truncated": (_jpeg(photo_tuning.parcel_photo("t", (400, 300)))[:3000], "damaged or cut short"),
    "tiny": (_png(Image.new("RGB", (20, 20))), "at least 64"),
    "bomb": (_bomb(), "pixels"),
    "too big": (b"\xff\xd8\xff" + b"\0" * (10 * 1024 * 1024), "at most 10 MB"),
}


def test_junk_is_refused_naming_the_file_and_nothing_is_stored(  # type: ignore[no-untyped-def]
    client: TestClient, make_token, settings
) -> None:
    botswana = auth(make_token(Role.AUTHORITY, "BW"))
    number = _issue(client, botswana)
    for name, (content, reason) in JUNK.items():
        refused = _upload(client, f"/api/v1/certificates/{number}/photos", content, botswana)
        assert refused.status_code == 422, (name, refused.text)
        [problem] = refused.json()["detail"]
        assert problem["field"] == "file" and reason in problem["message"], (name, problem)
    missing = client.post(f"/api/v1/certificates/{number}/photos", headers=botswana)
    assert missing.status_code == 422 and missing.json()["detail"][0]["field"] == "file"
    assert client.get(f"/api/v1/certificates/{number}/photos", headers=botswana).json() == []
    assert not (settings.data_dir / "photos").exists()


def test_only_the_authorities_at_either_end_add_photos(client: TestClient, make_token, parcels) -> None:  # type: ignore[no-untyped-def]
    botswana = auth(make_token(Role.AUTHORITY, "BW"))
    number = _issue(client, botswana)
    content = _jpeg(parcels["unrelated"])
    path = f"/api/v1/certificates/{number}/photos"
    assert _upload(client, path, content, {}).status_code == 401
    assert _upload(client, path, content, auth(make_token(Role.AUTHORITY, "ZA"))).status_code == 404
    for role, code in ((Role.CUSTOMS, "BW"), (Role.MONITORING, None), (Role.STATISTICS, None)):
        assert _upload(client, path, content, auth(make_token(role, code))).status_code == 403, role
    # and refused before the file is even looked at: junk from them is a 403 or 404, not a 422
    assert _upload(client, path, b"junk", auth(make_token(Role.AUTHORITY, "ZA"))).status_code == 404
    assert _upload(client, path, b"junk", auth(make_token(Role.CUSTOMS, "BW"))).status_code == 403
    added = _upload(client, path, content, botswana)
    assert added.status_code == 201
    photo = f"/api/v1/photos/{added.json()['id']}"
    for role, code in ((Role.CUSTOMS, "BW"), (Role.MONITORING, None), (Role.AUTHORITY, "EU")):
        assert client.get(photo, headers=auth(make_token(role, code))).status_code == 200, role
    assert client.get(photo, headers=auth(make_token(Role.CUSTOMS, "ZA"))).status_code == 404
    assert client.get(photo + "/thumbnail").status_code == 401


def test_dossier_photos_are_searched_like_certificates(client: TestClient, make_token, parcels) -> None:  # type: ignore[no-untyped-def]
    admin = auth(make_token(Role.ADMIN))
    _restrict(client, admin, ["Murowa"])
    zimbabwe = auth(make_token(Role.AUTHORITY, "ZW"))
    botswana = auth(make_token(Role.AUTHORITY, "BW"))
    made = client.post("/api/v1/export-dossiers", json=DOSSIER, headers=zimbabwe)
    assert made.status_code == 201, made.text
    dossier = made.json()["id"]
    path = f"/api/v1/export-dossiers/{dossier}/photos"
    assert _upload(client, path, _jpeg(parcels["original"]), botswana).status_code == 404
    assert (
        _upload(client, path, _jpeg(parcels["original"]), auth(make_token(Role.MONITORING))).status_code
        == 403
    )
    first = _upload(client, path, _jpeg(parcels["original"]), zimbabwe)
    assert first.status_code == 201 and first.json()["similar"] == []

    # Botswana's certificate carries a copy of the dossier's photo: found, naming the dossier
    number = _issue(client, botswana)
    reused = _upload(client, f"/api/v1/certificates/{number}/photos", _jpeg(parcels["copy"], 60), botswana)
    [match] = reused.json()["similar"]
    assert (match["certificate"], match["dossier"], match["photo"]) == (None, dossier, first.json()["id"])

    # and the other way round: a dossier photo re-used from Botswana's certificate warns on the dossier
    second = _upload(client, path, _png(parcels["copy"]), zimbabwe)
    assert [s["certificate"] for s in second.json()["similar"]] == [number]
    warnings = client.get(f"/api/v1/export-dossiers/{dossier}", headers=zimbabwe).json()["warnings"]
    assert [w["type"] for w in warnings] == ["photo-reused"] and number in warnings[0]["message"]
    listed = client.get(path, headers=auth(make_token(Role.MONITORING))).json()
    assert [p["id"] for p in listed] == [first.json()["id"], second.json()["id"]]


def test_the_pages_show_thumbnails_and_a_match_side_by_side(  # type: ignore[no-untyped-def]
    client: TestClient, make_token, make_user, parcels
) -> None:
    botswana = auth(make_token(Role.AUTHORITY, "BW"))
    first = _issue(client, botswana)
    later = _issue(client, botswana, importing_country="IN")
    original = _upload(client, f"/api/v1/certificates/{first}/photos", _jpeg(parcels["original"]), botswana)

    password = make_user("gaborone", [Role.AUTHORITY], "BW")
    csrf = sign_in(client, "gaborone", password)
    page = client.get(f"/certificates/{later}")
    assert 'id="photo-form"' in page.text and 'id="no-photos"' in page.text
    sent = client.post(
        f"/certificates/{later}/photos",
        data={"csrf_token": csrf},
        files={"file": ("copy.jpg", _jpeg(parcels["copy"], 50), "image/jpeg")},
        follow_redirects=False,
    )
    assert sent.status_code == 303 and sent.headers["location"] == f"/certificates/{later}#photos"
    page = client.get(f"/certificates/{later}")
    assert 'id="warnings"' in page.text and "photo-reused" in page.text
    [new] = client.get(f"/api/v1/certificates/{later}/photos").json()
    assert f'src="/api/v1/photos/{new["id"]}/thumbnail"' in page.text
    match = new["similar"][0]["match"]
    assert f'href="/photo-matches/{match}"' in page.text

    side_by_side = client.get(f"/photo-matches/{match}")
    assert side_by_side.status_code == 200
    assert f'src="/api/v1/photos/{new["id"]}"' in side_by_side.text
    assert f'src="/api/v1/photos/{original.json()["id"]}"' in side_by_side.text
    assert f"certificate {first}" in side_by_side.text

    junk = client.post(
        f"/certificates/{later}/photos",
        data={"csrf_token": csrf},
        files={"file": ("x.gif", _gif(), "image/gif")},
        follow_redirects=False,
    )
    assert junk.status_code == 303 and "error=" in junk.headers["location"]
    assert "Photo" in client.get(junk.headers["location"]).text

    client.cookies.clear()
    other = make_user("pretoria", [Role.AUTHORITY], "ZA")
    sign_in(client, "pretoria", other)
    assert client.get(f"/photo-matches/{match}").status_code == 404


def test_photos_hashed_the_older_way_are_left_aside_until_db_upgrade_hashes_them_again(  # type: ignore[no-untyped-def]
    client: TestClient, make_token, settings, session_factory, cli, parcels
) -> None:
    """A photo kept under an older hashing scheme has other windows than the search compares:
    the search leaves it aside, and `kpcs db upgrade` hashes it again from its file, replaces
    its index keys and audits it; a photo whose file is lost is named and left as it was."""
    import sqlalchemy as sa

    from kpcs.audit.models import AuditEvent
    from kpcs.db import UnitOfWork
    from kpcs.photos import domain
    from kpcs.photos.models import PhotoBand, ShipmentPhoto

    botswana = auth(make_token(Role.AUTHORITY, "BW"))
    first, second, later = (_issue(client, botswana) for _ in range(3))
    kept = _upload(
        client, f"/api/v1/certificates/{first}/photos", _jpeg(parcels["original"]), botswana
    ).json()
    lost = _upload(
        client, f"/api/v1/certificates/{second}/photos", _jpeg(parcels["unrelated"]), botswana
    ).json()
    with UnitOfWork(session_factory) as unit:  # as scheme 1 left them: other hashes, other keys
        for photo in unit.session.scalars(sa.select(ShipmentPhoto)):
            photo.hashed_as, photo.hashes = 1, bytes(len(photo.hashes))
            unit.session.execute(sa.delete(PhotoBand).where(PhotoBand.photo_id == photo.id))
            unit.session.add(PhotoBand(key=photo.id, photo_id=photo.id))
            if photo.id == lost["id"]:
                (settings.data_dir / "photos" / photo.sha256).unlink()
        unit.commit()

    before = _upload(client, f"/api/v1/certificates/{later}/photos", _jpeg(parcels["copy"], 60), botswana)
    assert before.status_code == 201 and before.json()["similar"] == []

    upgraded = cli("db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    said = " ".join(upgraded.output.split())
    assert "1 shipment photo(s) hashed again" in said
    assert f"shipment photo(s) {lost['id']}: file missing or damaged" in said
    with session_factory() as session:
        photo = session.get(ShipmentPhoto, kept["id"])
        assert photo is not None and photo.hashed_as == domain.HASH_SCHEME
        with Image.open(settings.data_dir / "photos" / photo.sha256) as image:
            fingerprint = domain.fingerprint(image)
        assert photo.hashes == domain.joined(fingerprint.stored)
        keys = set(session.scalars(sa.select(PhotoBand.key).where(PhotoBand.photo_id == photo.id)))
        assert keys == set().union(*(domain.band_keys(h) for h in fingerprint.stored))
        untouched = session.get(ShipmentPhoto, lost["id"])
        assert untouched is not None and untouched.hashed_as == 1 and not any(untouched.hashes)
        [event] = session.scalars(sa.select(AuditEvent).where(AuditEvent.tag == "photo:rehashed")).all()
        assert event.after == {
            "scheme": domain.HASH_SCHEME,
            "photos": [kept["id"]],
            "unreadable": [lost["id"]],
        }

    # the same shipment's photos are left aside too: the copy searched again finds the first
    after = _upload(client, f"/api/v1/certificates/{later}/photos", _jpeg(parcels["copy"], 60), botswana)
    assert [s["photo"] for s in after.json()["similar"]] == [kept["id"]]
    again = cli("db", "upgrade")
    assert again.exit_code == 0 and "photo(s) hashed again" not in " ".join(again.output.split())
    assert f"shipment photo(s) {lost['id']}: file missing" in " ".join(again.output.split())
