"""Shipment photos (CONTRACT.md): added to a certificate by its exporting or importing
authority, or to an export dossier by its participant's authority, each searched at once
against the earlier photos of other shipments; the photos and thumbnails, to whoever may
see the shipment; and a match's page with both pictures side by side."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Request, UploadFile
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile as FormFile
from starlette.responses import Response

from kpcs.photos import services as photos
from kpcs.photos.images import MAX_PHOTO_BYTES
from kpcs.photos.store import PhotoStore
from kpcs.web.context import AppContext
from kpcs.web.deps import ContextDep, PrincipalDep, SessionDep
from kpcs.web.forms import act
from kpcs.web.params import RowId
from kpcs.web.templating import render

api = APIRouter(tags=["shipment photos"])
pages = APIRouter(include_in_schema=False)

PhotoFile = Annotated[UploadFile, File(description="a JPEG or PNG photo of the parcels, at most 10 MB")]
LABELS = {"file": "Photo"}


def store(context: AppContext) -> PhotoStore:
    """The photo files of this app's data directory."""
    return PhotoStore(context.settings.data_dir / "photos")


async def _content(upload: FormFile) -> bytes:
    # One byte over the limit is enough to refuse it, and nothing more is read.
    return await upload.read(MAX_PHOTO_BYTES + 1)


async def _form_file(request: Request) -> bytes:
    """The form's ``file``, read, and the form closed (its spooled files with it)."""
    async with request.form() as form:
        upload = form.get("file")
        return await _content(upload) if isinstance(upload, FormFile) else b""


def _image(content: bytes, media_type: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={"Cache-Control": "private, max-age=3600", "Content-Disposition": "inline"},
    )


@api.post("/certificates/{number}/photos", status_code=201)
async def add_to_certificate(
    number: str, file: PhotoFile, context: ContextDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Add a photo of the parcels (the exporting or importing authority): ``{"id", "similar":
    [{"certificate", "dossier", "photo", "distance", "match"}]}``, the earlier photos of other
    shipments that look the same (each also a ``photo-reused`` warning on the certificate)."""
    content = await _content(file)
    return await run_in_threadpool(
        photos.add_to_certificate, context.uow(), principal, context.clock, store(context), number, content
    )


@api.get("/certificates/{number}/photos")
def certificate_photos(number: str, session: SessionDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    """The certificate's photos, oldest first, each with the earlier photos it looks like."""
    return photos.certificate_photos(session, principal, number)


@api.post("/export-dossiers/{dossier_id}/photos", status_code=201)
async def add_to_dossier(
    dossier_id: RowId, file: PhotoFile, context: ContextDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Add a photo of the parcels (the authority of the dossier's participant), searched as a
    certificate's is; a match is a ``photo-reused`` warning on the dossier."""
    content = await _content(file)
    return await run_in_threadpool(
        photos.add_to_dossier, context.uow(), principal, context.clock, store(context), dossier_id, content
    )


@api.get("/export-dossiers/{dossier_id}/photos")
def dossier_photos(dossier_id: RowId, session: SessionDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    """The dossier's photos, oldest first, each with the earlier photos it looks like."""
    return photos.dossier_photos(session, principal, dossier_id)


@api.get("/photos/{photo_id}", response_class=Response)
def photo(photo_id: RowId, session: SessionDep, context: ContextDep, principal: PrincipalDep) -> Response:
    """A photo as kept (re-encoded, without its metadata), to whoever may see its shipment."""
    content, media_type = photos.photo_file(session, principal, store(context), photo_id)
    return _image(content, media_type)


@api.get("/photos/{photo_id}/thumbnail", response_class=Response)
def thumbnail(photo_id: RowId, session: SessionDep, context: ContextDep, principal: PrincipalDep) -> Response:
    """A photo's thumbnail (JPEG, at most 320 pixels a side)."""
    content, media_type = photos.photo_file(session, principal, store(context), photo_id, thumbnail=True)
    return _image(content, media_type)


# --- pages ------------------------------------------------------------------------------------


@pages.post("/certificates/{number}/photos")
async def certificate_form(
    request: Request, number: str, context: ContextDep, principal: PrincipalDep
) -> Response:
    """The certificate page's photo form; back to the page, whose warnings show any match."""
    content = await _form_file(request)
    here = f"/certificates/{number}"

    def run() -> None:
        photos.add_to_certificate(context.uow(), principal, context.clock, store(context), number, content)

    return await act(run, here + "#photos", here + "#photos", labels=LABELS)


@pages.post("/export-dossiers/{dossier_id}/photos")
async def dossier_form(
    request: Request, dossier_id: RowId, context: ContextDep, principal: PrincipalDep
) -> Response:
    """The dossier page's photo form."""
    content = await _form_file(request)
    here = f"/export-dossiers/{dossier_id}"

    def run() -> None:
        photos.add_to_dossier(context.uow(), principal, context.clock, store(context), dossier_id, content)

    return await act(run, here + "#photos", here + "#photos", labels=LABELS)


@pages.get("/photo-matches/{match_id}")
def match_page(
    request: Request, match_id: RowId, session: SessionDep, principal: PrincipalDep, error: str | None = None
) -> Response:
    """A re-used photo: the new and the earlier picture side by side, with their shipments, and
    the experts' finding (or, for them, the form that records it)."""
    found = photos.match(session, principal, match_id)
    return render(request, "photos/match.html", {"m": found, "error": error}, principal=principal)
