"""Use cases of shipment photos: a photo added to a certificate or an export dossier (and
searched at once against the earlier photos of other shipments, a match stored as a
``photo-reused`` warning on the shipment), the photos of a shipment listed, a photo's file
read, and a match shown with both pictures. Every change is audited in its transaction.

Who sees what: a shipment's photos, whoever may see the shipment; the earlier photo of a
match also whoever may see the shipment whose new photo matched it, since the warning is
shown with both pictures side by side.
"""

from __future__ import annotations

import io
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from PIL import Image
from sqlalchemy.orm import Session

from kpcs.accounts.permissions import Action, Principal, can, require, scoped
from kpcs.audit import tags
from kpcs.audit.services import record
from kpcs.certificates.models import Certificate
from kpcs.clock import Clock
from kpcs.db import UnitOfWork
from kpcs.dossiers.models import ExportDossier
from kpcs.errors import AccessError, NotFound
from kpcs.photos import close_look, domain
from kpcs.photos.images import encoded, grey_for_close_look, grey_kept, opened_photo
from kpcs.photos.models import PhotoBand, PhotoMatch, ShipmentPhoto
from kpcs.photos.store import PhotoStore
from kpcs.workbench import findings
from kpcs.workbench.domain import Kind

WARNING_TYPE = "photo-reused"


@dataclass(frozen=True)
class Shipment:
    """What a photo is attached to: a certificate or an export dossier (and the certificate
    issued on the dossier, or the dossier a certificate was issued on: the same parcels)."""

    certificate: str | None = None
    dossier: int | None = None
    linked_certificate: str | None = None
    linked_dossier: int | None = None

    def includes(self, photo: ShipmentPhoto) -> bool:
        """True if ``photo`` is of this shipment."""
        numbers = {self.certificate, self.linked_certificate} - {None}
        dossiers = {self.dossier, self.linked_dossier} - {None}
        return photo.certificate_number in numbers or photo.dossier_id in dossiers


# --- who may see and add ----------------------------------------------------------------------


def _certificate(session: Session, principal: Principal, number: str) -> Certificate:
    found = session.scalar(
        scoped(sa.select(Certificate), principal, Action.VIEW_CERTIFICATES).where(
            Certificate.number == number.strip().upper()
        )
    )
    if found is None:
        raise NotFound(f"no certificate {number!r} that you may see")
    return found


def _dossier(session: Session, principal: Principal, dossier_id: int) -> ExportDossier:
    require(principal, Action.VIEW_EXPORT_DOSSIERS)
    found = session.get(ExportDossier, dossier_id)
    if found is None or not can(principal, Action.VIEW_EXPORT_DOSSIERS, participant=found.participant_code):
        raise NotFound(f"no export dossier {dossier_id} that you may see")
    return found


def _sees_shipment_of(session: Session, principal: Principal, photo: ShipmentPhoto) -> bool:
    try:
        if photo.certificate_number is not None:
            _certificate(session, principal, photo.certificate_number)
        elif photo.dossier_id is not None:
            _dossier(session, principal, photo.dossier_id)
    except (NotFound, AccessError):
        return False
    return True


def _visible_photo(session: Session, principal: Principal, photo_id: int) -> ShipmentPhoto:
    """A photo the principal may see; 404 otherwise (whose photo it is is not leaked)."""
    if not (can(principal, Action.VIEW_CERTIFICATES) or can(principal, Action.VIEW_EXPORT_DOSSIERS)):
        require(principal, Action.VIEW_CERTIFICATES)
    photo = session.get(ShipmentPhoto, photo_id)
    if photo is not None and _sees_shipment(session, principal, photo):
        return photo
    if photo is not None:
        # the earlier photo of a match, to whoever sees the new photo's shipment
        newer = session.scalars(
            sa.select(ShipmentPhoto)
            .join(PhotoMatch, PhotoMatch.photo_id == ShipmentPhoto.id)
            .where(PhotoMatch.earlier_photo_id == photo.id)
        ).all()
        if any(_sees_shipment(session, principal, n) for n in newer):
            return photo
    raise NotFound(f"no photo {photo_id} that you may see")


def _sees_shipment(session: Session, principal: Principal, photo: ShipmentPhoto) -> bool:
    if photo.certificate_number is not None:
        if not can(principal, Action.VIEW_CERTIFICATES):
            return False
    elif not can(principal, Action.VIEW_EXPORT_DOSSIERS):
        return False
    return _sees_shipment_of(session, principal, photo)


# --- the search -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Similar:
    """An earlier photo found to look like a new one: by hash (``distance``, bits of 256), at
    the second look (``difference``) and at the close look (``close``). A look is ``None``
    when the earlier file it reads was missing or damaged: the match is then reported on what
    could be seen, for an expert to judge."""

    photo: ShipmentPhoto
    distance: int
    difference: float | None
    close: close_look.CloseLook | None = None


def search(session: Session, store: PhotoStore, query: domain.Query, shipment: Shipment) -> list[Similar]:
    """Earlier photos of other shipments that look like ``query``, nearest first. The band
    index gives the candidates (photos sharing at least
    :data:`~kpcs.photos.domain.MIN_BAND_HITS` keys); only their hashes are compared; those
    within :data:`~kpcs.photos.domain.MATCH_DISTANCE` are looked at a second time, beside
    their thumbnail (:func:`~kpcs.photos.domain.second_look`), and those whose detail agrees
    there are looked at closely, beside the earlier photo itself
    (:func:`~kpcs.photos.close_look.compare`), until one is the same picture: each later
    re-use of a picture is then flagged against the nearest earlier one, and a search costs
    one close look, not :data:`~kpcs.photos.close_look.CLOSE_LOOKS`. A candidate that agrees
    clearly (:data:`~kpcs.photos.domain.DETAIL_CLEAR`) is looked at closely at once, before
    the further candidates' second looks (a copy's original is most often the nearest by
    hash); the others that agree, best agreeing first, after them; and last, while fewer than
    :data:`~kpcs.photos.close_look.CLOSE_LOOKS` have been, those the second look doubted
    within :data:`~kpcs.photos.domain.DOUBTED_DISTANCE` by hash, nearest first: on a fine
    pattern (a sieve plate, a grid) a crop's copy can differ by 0.5 to 0.85 at the second
    look's 80 samples, yet agree in every block at the close look's 768 pixels
    (docs/photos.md, eighth and ninth rounds)."""
    fingerprint = query.fingerprint
    keys = sorted(set().union(*(domain.band_keys(h) for h in fingerprint.query)))
    hits = sa.func.count().label("hits")
    candidates = (
        sa.select(PhotoBand.photo_id)
        .where(PhotoBand.key.in_(keys))
        .group_by(PhotoBand.photo_id)
        .having(hits >= domain.MIN_BAND_HITS)
    )
    stored = session.execute(
        sa.select(ShipmentPhoto.id, ShipmentPhoto.hashes).where(
            ShipmentPhoto.id.in_(candidates), ShipmentPhoto.hashed_as == domain.HASH_SCHEME
        )
    ).all()
    if not stored:
        return []
    measured = domain.closest_kept(fingerprint.query, [kept for _, kept in stored])
    near = {
        photo_id: m
        for (photo_id, _), m in zip(stored, measured, strict=True)
        if m.distance <= domain.MATCH_DISTANCE
    }
    if not near:
        return []
    photos = session.scalars(sa.select(ShipmentPhoto).where(ShipmentPhoto.id.in_(near))).all()
    others = sorted(
        (p for p in photos if not shipment.includes(p)), key=lambda p: (near[p.id].distance, p.id)
    )
    found: list[Similar] = []
    agreeing: list[tuple[domain.SecondLook, ShipmentPhoto]] = []
    doubted: list[tuple[domain.SecondLook, ShipmentPhoto]] = []
    looked = 0
    # the nearest by hash is most often the one looked at closely (a copy's original): its
    # photo is read beside its second look
    nearest = domain.BESIDE.submit(_grey_of, store, _kept_files(others[0])) if others else None
    for photo in others[: domain.SECOND_LOOKS]:
        look = _second_look(store, query, photo, near[photo.id])
        if look is None:
            found.append(Similar(photo, near[photo.id].distance, None))
        elif look.difference <= domain.DETAIL_CLEAR and looked < close_look.CLOSE_LOOKS:
            looked += 1
            read = nearest if photo is others[0] else None
            similar = _closely(store, query, photo, look, near[photo.id].distance, read)
            if similar is not None:
                found.append(similar)
                if similar.close is not None:
                    return _nearest_first(found)  # confirmed before the further candidates' second looks
        elif look.difference <= domain.DETAIL_LIMIT:
            agreeing.append((look, photo))
        elif near[photo.id].distance <= domain.DOUBTED_DISTANCE:
            doubted.append((look, photo))
    agreeing.sort(key=lambda pair: (pair[0].difference, pair[1].id))
    doubted.sort(key=lambda pair: (near[pair[1].id].distance, pair[1].id))
    for look, photo in (agreeing + doubted)[: close_look.CLOSE_LOOKS - looked]:
        read = nearest if photo is others[0] else None
        similar = _closely(store, query, photo, look, near[photo.id].distance, read)
        if similar is not None:
            found.append(similar)
            if similar.close is not None:
                break  # confirmed: the same picture
    return _nearest_first(found)


def _nearest_first(found: list[Similar]) -> list[Similar]:
    """The matches, nearest by hash first (then the earliest photo)."""
    return sorted(found, key=lambda s: (s.distance, s.photo.id))


def _closely(
    store: PhotoStore,
    query: domain.Query,
    photo: ShipmentPhoto,
    look: domain.SecondLook,
    distance: int,
    read: Future[Image.Image | None] | None = None,
) -> Similar | None:
    """A candidate that agreed at the second look, looked at closely (its photo ``read``
    already, or read now): the match to report (its ``close`` None if the earlier file could
    not be read), or None if the close look tells the photos apart."""
    earlier = read.result() if read is not None else _grey_of(store, _kept_files(photo))
    close = None if earlier is None else close_look.compare(query.grey, earlier, look.alignment)
    if close is not None and not close.same_picture(look.difference):
        return None
    return Similar(photo, distance, look.difference, close)


def _second_look(
    store: PhotoStore, query: domain.Query, photo: ShipmentPhoto, nearest: domain.Closest
) -> domain.SecondLook | None:
    """The earlier photo's thumbnail beside the new photo (None if the file is missing or
    damaged: the match is then reported on its hash alone)."""
    try:
        with Image.open(io.BytesIO(store.read(photo.thumbnail_sha256))) as thumbnail:
            earlier = domain.flattened(thumbnail)
    except (NotFound, OSError):
        return None
    return domain.second_look_of(query, earlier, nearest, domain.parted(photo.hashes))


def _kept_files(photo: ShipmentPhoto) -> tuple[str | None, str]:
    """The files the close look may read of a photo, the first readable one: its grey copy,
    then the photo itself (read off the row here, so that a thread reading them never touches
    the session)."""
    return photo.grey_sha256, photo.sha256


def _grey_of(store: PhotoStore, files: tuple[str | None, str]) -> Image.Image | None:
    """The earlier photo as the close look reads it, from the first of ``files`` that can be
    read (None if none can: the match is then reported on the second look)."""
    for kept in files:
        if kept is None:
            continue
        try:
            return grey_for_close_look(store.read(kept))
        except (NotFound, OSError):
            continue
    return None


def index(session: Session, photo_id: int, fingerprint: domain.Fingerprint) -> None:
    """Put a photo's band keys into the index, for later photos to be searched against (its
    hashes are kept on the photo itself; some hundreds of keys, inserted in one statement)."""
    keys = set().union(*(domain.band_keys(h) for h in fingerprint.stored))
    session.execute(sa.insert(PhotoBand), [{"key": key, "photo_id": photo_id} for key in sorted(keys)])


REHASH_BATCH = 200
"""Photos re-hashed in one transaction: a large archive is done in bounded steps, and an
interrupted run keeps the batches it finished (the next run goes on from there)."""


@dataclass(frozen=True)
class Rehashed:
    """What :func:`rehash_older` did: photos hashed again, and those whose file could not
    be read (left as they were, and so left aside by the search)."""

    rehashed: int
    unreadable: tuple[int, ...]


def rehash_older(uow: UnitOfWork, principal: Principal, clock: Clock, store: PhotoStore) -> Rehashed:
    """Hash again, from its kept file, every photo hashed by an older scheme than
    :data:`~kpcs.photos.domain.HASH_SCHEME`, and replace its band keys: the search compares a
    new photo's windows with the stored ones, so photos hashed with other windows would be
    compared wrongly (the search leaves them aside until this has run). Audited once per
    batch; a photo whose file is missing or damaged is named and left."""
    rehashed, after = 0, 0
    unreadable: list[int] = []
    while True:
        with uow:
            session = uow.session
            batch = session.scalars(
                sa.select(ShipmentPhoto)
                .where(ShipmentPhoto.hashed_as < domain.HASH_SCHEME, ShipmentPhoto.id > after)
                .order_by(ShipmentPhoto.id)
                .limit(REHASH_BATCH)
            ).all()
            if not batch:
                return Rehashed(rehashed, tuple(unreadable))
            done: list[int] = []
            missing: list[int] = []
            for photo in batch:
                after = photo.id
                try:
                    with Image.open(io.BytesIO(store.read(photo.sha256))) as image:
                        fingerprint = domain.fingerprint(image)
                except (NotFound, OSError):
                    missing.append(photo.id)
                    continue
                photo.hashes = domain.joined(fingerprint.stored)
                photo.hashed_as = domain.HASH_SCHEME
                session.execute(sa.delete(PhotoBand).where(PhotoBand.photo_id == photo.id))
                index(session, photo.id, fingerprint)
                done.append(photo.id)
            rehashed += len(done)
            unreadable += missing
            record(
                session,
                actor=principal,
                clock=clock,
                tag=tags.PHOTOS_REHASHED,
                object_type="photo-index",
                object_id=str(domain.HASH_SCHEME),
                after={"scheme": domain.HASH_SCHEME, "photos": done, "unreadable": missing},
                note=f"{len(done)} photo(s) hashed again with scheme {domain.HASH_SCHEME}",
            )
            uow.commit()


# --- adding a photo ---------------------------------------------------------------------------


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _similar(photo: ShipmentPhoto, match: PhotoMatch) -> dict[str, Any]:
    return {
        "certificate": photo.certificate_number,
        "dossier": photo.dossier_id,
        "photo": photo.id,
        "distance": match.distance,
        "difference": _rounded(match.detail_difference),
        "close_difference": _rounded(match.close_difference),
        "close_blocks_differing": match.close_blocks_differing,
        "match": match.id,
    }


def _looks_said(found: Similar) -> str:
    if found.difference is None:
        return "not compared in detail: the earlier photo's thumbnail is missing or damaged"
    said = f"detail differing {found.difference:.2f}"
    if found.close is None:
        return f"{said}; not looked at closely: the earlier photo's file is missing or damaged"
    if not found.close.decides:
        return (
            f"{said}; looked at closely, only {found.close.counted} blocks with detail (too few to decide: "
            f"the same picture if the detail differs at most {domain.DETAIL_LIMIT_ALONE:.2f})"
        )
    return (
        f"{said}; looked at closely, {found.close.differing} of {found.close.counted} blocks with detail "
        f"differ, at most {close_look.most_differing(found.difference)} in the same picture"
    )


_AUDITED = (
    "photo",
    "similar_photo",
    "distance",
    "difference",
    "close_difference",
    "close_blocks_differing",
    "match",
)
"""What the audit log keeps of a photo warning (its message goes in as the note)."""


def _shipment_name(photo: ShipmentPhoto) -> str:
    if photo.certificate_number is not None:
        return f"certificate {photo.certificate_number}"
    return f"export dossier {photo.dossier_id}"


def _add(
    uow: UnitOfWork,
    principal: Principal,
    clock: Clock,
    store: PhotoStore,
    content: bytes,
    *,
    certificate: Certificate | None,
    dossier: ExportDossier | None,
) -> dict[str, Any]:
    session = uow.session
    opened = opened_photo(content)
    # what is kept of the photo is encoded while it is hashed and searched for
    encoding = domain.BESIDE.submit(encoded, opened)
    query = domain.query(opened.picture)
    grey = domain.BESIDE.submit(grey_kept, query.grey)
    if certificate is not None:
        linked = session.scalar(
            sa.select(ExportDossier.id).where(ExportDossier.certificate_number == certificate.number)
        )
        shipment = Shipment(certificate=certificate.number, linked_dossier=linked)
        object_type, object_id = "certificate", certificate.number
    else:
        assert dossier is not None
        shipment = Shipment(dossier=dossier.id, linked_certificate=dossier.certificate_number)
        object_type, object_id = "export-dossier", str(dossier.id)
    found = search(session, store, query, shipment)
    photo_read = encoding.result()
    photo = ShipmentPhoto(
        certificate_number=certificate.number if certificate is not None else None,
        dossier_id=dossier.id if dossier is not None else None,
        sha256=store.save(photo_read.content),
        thumbnail_sha256=store.save(photo_read.thumbnail),
        grey_sha256=store.save(grey.result()),
        hashes=domain.joined(query.fingerprint.stored),
        hashed_as=domain.HASH_SCHEME,
        media_type=photo_read.media_type,
        width=photo_read.width,
        height=photo_read.height,
        size_bytes=len(photo_read.content),
        uploaded_at=clock.now(),
        uploaded_by=principal.actor,
    )
    session.add(photo)
    session.flush()
    index(session, photo.id, query.fingerprint)
    similar: list[dict[str, Any]] = []
    warnings: list[dict[str, Any]] = []
    for found_one in found:
        earlier, distance = found_one.photo, found_one.distance
        match = PhotoMatch(
            photo_id=photo.id,
            earlier_photo_id=earlier.id,
            distance=distance,
            detail_difference=found_one.difference,
            close_difference=None if found_one.close is None else found_one.close.share,
            close_blocks_differing=None if found_one.close is None else found_one.close.differing,
            close_blocks_counted=None if found_one.close is None else found_one.close.counted,
            found_at=clock.now(),
        )
        session.add(match)
        session.flush()
        similar.append(_similar(earlier, match))
        warnings.append(
            {
                "type": WARNING_TYPE,
                "message": (
                    f"photo {photo.id} looks like photo {earlier.id} of {_shipment_name(earlier)} "
                    f"(distance {distance} of {domain.HASH_BITS} bits; {_looks_said(found_one)}): "
                    "the same picture sent again, or the same parcels"
                ),
                "photo": photo.id,
                "similar_photo": earlier.id,
                "distance": distance,
                "difference": similar[-1]["difference"],
                "close_difference": similar[-1]["close_difference"],
                "close_blocks_differing": similar[-1]["close_blocks_differing"],
                "match": match.id,
            }
        )
    if warnings:
        # Photo warnings arrive after issue: stored beside the checks made at issue.
        if certificate is not None:
            certificate.warnings = [*(certificate.warnings or []), *warnings]
        elif dossier is not None:
            dossier.warnings = [*(dossier.warnings or []), *warnings]
    record(
        session,
        actor=principal,
        clock=clock,
        tag=tags.PHOTO_ADDED,
        object_type=object_type,
        object_id=object_id,
        after={"photo": photo.id, "sha256": photo.sha256, "width": photo.width, "height": photo.height},
    )
    for warning in warnings:
        record(
            session,
            actor=principal,
            clock=clock,
            tag=tags.PHOTO_REUSE_FLAGGED,
            object_type=object_type,
            object_id=object_id,
            after={k: warning[k] for k in _AUDITED},
            note=warning["message"],
        )
    uow.commit()
    return {"id": photo.id, "similar": similar}


def add_to_certificate(
    uow: UnitOfWork, principal: Principal, clock: Clock, store: PhotoStore, number: str, content: bytes
) -> dict[str, Any]:
    """A photo of a certificate's parcels (its exporting or importing authority), searched
    against the earlier photos of other shipments: ``{"id", "similar": [...]}``."""
    with uow:
        certificate = _certificate(uow.session, principal, number)
        if not can(principal, Action.ADD_SHIPMENT_PHOTO, participant=certificate.importing_participant):
            require(principal, Action.ADD_SHIPMENT_PHOTO, participant=certificate.exporting_participant)
        return _add(uow, principal, clock, store, content, certificate=certificate, dossier=None)


def add_to_dossier(
    uow: UnitOfWork, principal: Principal, clock: Clock, store: PhotoStore, dossier_id: int, content: bytes
) -> dict[str, Any]:
    """A photo of an export dossier's parcels (the authority of its participant), searched
    like a certificate's."""
    with uow:
        dossier = _dossier(uow.session, principal, dossier_id)
        require(principal, Action.ADD_SHIPMENT_PHOTO, participant=dossier.participant_code)
        return _add(uow, principal, clock, store, content, certificate=None, dossier=dossier)


# --- reading ----------------------------------------------------------------------------------


def _listed(session: Session, photos: list[ShipmentPhoto]) -> list[dict[str, Any]]:
    matches = session.execute(
        sa.select(PhotoMatch, ShipmentPhoto)
        .join(ShipmentPhoto, ShipmentPhoto.id == PhotoMatch.earlier_photo_id)
        .where(PhotoMatch.photo_id.in_([p.id for p in photos]))
        .order_by(PhotoMatch.distance, PhotoMatch.id)
    ).all()
    return [
        {
            "id": p.id,
            "media_type": p.media_type,
            "width": p.width,
            "height": p.height,
            "size_bytes": p.size_bytes,
            "uploaded_at": p.uploaded_at,
            "uploaded_by": p.uploaded_by,
            "url": f"/api/v1/photos/{p.id}",
            "thumbnail_url": f"/api/v1/photos/{p.id}/thumbnail",
            "similar": [_similar(e, m) for m, e in matches if m.photo_id == p.id],
        }
        for p in photos
    ]


def certificate_photos(session: Session, principal: Principal, number: str) -> list[dict[str, Any]]:
    """The photos of a certificate the principal may see, oldest first, each with its matches."""
    certificate = _certificate(session, principal, number)
    photos = session.scalars(
        sa.select(ShipmentPhoto)
        .where(ShipmentPhoto.certificate_number == certificate.number)
        .order_by(ShipmentPhoto.id)
    ).all()
    return _listed(session, list(photos))


def dossier_photos(session: Session, principal: Principal, dossier_id: int) -> list[dict[str, Any]]:
    """The photos of an export dossier the principal may see, oldest first."""
    dossier = _dossier(session, principal, dossier_id)
    photos = session.scalars(
        sa.select(ShipmentPhoto).where(ShipmentPhoto.dossier_id == dossier.id).order_by(ShipmentPhoto.id)
    ).all()
    return _listed(session, list(photos))


def photo_file(
    session: Session, principal: Principal, store: PhotoStore, photo_id: int, *, thumbnail: bool = False
) -> tuple[bytes, str]:
    """A photo's file (or its JPEG thumbnail) and media type."""
    photo = _visible_photo(session, principal, photo_id)
    if thumbnail:
        return store.read(photo.thumbnail_sha256), "image/jpeg"
    return store.read(photo.sha256), photo.media_type


def _side(photo: ShipmentPhoto) -> dict[str, Any]:
    return {
        "photo": photo.id,
        "certificate": photo.certificate_number,
        "dossier": photo.dossier_id,
        "shipment": _shipment_name(photo),
        "link": f"/certificates/{photo.certificate_number}"
        if photo.certificate_number
        else f"/export-dossiers/{photo.dossier_id}",
        "url": f"/api/v1/photos/{photo.id}",
        "width": photo.width,
        "height": photo.height,
        "uploaded_at": photo.uploaded_at,
    }


def match(session: Session, principal: Principal, match_id: int) -> dict[str, Any]:
    """A match with both photos, for whoever may see the new photo's shipment."""
    if not (can(principal, Action.VIEW_CERTIFICATES) or can(principal, Action.VIEW_EXPORT_DOSSIERS)):
        require(principal, Action.VIEW_CERTIFICATES)
    found = session.get(PhotoMatch, match_id)
    newer = session.get(ShipmentPhoto, found.photo_id) if found is not None else None
    if found is None or newer is None or not _sees_shipment(session, principal, newer):
        raise NotFound(f"no photo match {match_id} that you may see")
    earlier = session.get(ShipmentPhoto, found.earlier_photo_id)
    assert earlier is not None
    return {
        "id": found.id,
        "distance": found.distance,
        "difference": found.detail_difference,
        "difference_limit": domain.DETAIL_LIMIT,
        "close_difference": found.close_difference,
        "close_blocks_differing": found.close_blocks_differing,
        "close_blocks_counted": found.close_blocks_counted,
        "close_most_differing": (
            None if found.detail_difference is None else close_look.most_differing(found.detail_difference)
        ),
        "close_fewest_counted": close_look.FEWEST_COUNTED,
        # whether the close look decided (enough blocks with detail), None if it did not look
        "close_decided": (
            None if found.close_blocks_counted is None else close_look.decides(found.close_blocks_counted)
        ),
        "difference_limit_alone": domain.DETAIL_LIMIT_ALONE,
        "bits": domain.HASH_BITS,
        "found_at": found.found_at,
        "new": _side(newer),
        "earlier": _side(earlier),
        # the experts' finding once they closed the warning (issue 20, item 5), else None
        "finding": findings.by_warning(session, [(Kind.PHOTO_MATCH, found.id)]).get(
            (Kind.PHOTO_MATCH, found.id)
        ),
    }
