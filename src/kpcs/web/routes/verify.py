"""Verification for anyone (customs, importers, the public) and the trust list."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, File, Form, Request, UploadFile
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from kpcs.accounts.permissions import SYSTEM
from kpcs.certificates.credential import kp_context_document
from kpcs.certificates.qr import decode_qr_image
from kpcs.certificates.schemas import NumberCheck, VerifyRequest, VerifyResponse
from kpcs.certificates.verifying import check_number, verify_online
from kpcs.errors import InvalidInput, KPCSError
from kpcs.signing.models import INSTANCE_OWNER, KeyPurpose
from kpcs.signing.trust_list import sign_trust_list
from kpcs.web.deps import ClockDep, ContextDep, PrincipalDep, ReadSessionDep, SessionDep
from kpcs.web.errors import status_for
from kpcs.web.templating import render

api = APIRouter(tags=["verification"])
pages = APIRouter(include_in_schema=False)

MAX_IMAGE_BYTES = 10 * 1024 * 1024


@api.post("/verify", response_model=VerifyResponse)
async def verify(body: VerifyRequest, session: ReadSessionDep, context: ContextDep) -> Response:
    """Check a credential: signature, key, dates, and what this system knows of it now."""
    # Run on the event loop, not in the thread pool: the work is ~0.1 ms of signature check
    # and one indexed query on the local database, less than the cost of handing the
    # request to a thread and back. (With a distant database, run more workers.)
    result = verify_online(session, context.keyring, context.clock, body.credential)
    # Serialised directly: the result is already exactly the response body, and validating
    # it again as a model would cost more than the signature check.
    return Response(orjson.dumps(result.as_dict()), media_type="application/json")


@api.get("/verify/number/{number}", response_model=NumberCheck)
def verify_number(number: str, session: SessionDep, clock: ClockDep) -> NumberCheck:
    """What the registry knows of a certificate number (a paper certificate without QR)."""
    return check_number(session, clock, number)


@api.get("/trust-list", response_model=None)
def trust_list(request: Request, context: ContextDep) -> Response:
    """Every signing key (JWKS, RFC 7517), each with ``kid``, ``kty``, ``crv``, ``x`` and ``participant``.

    Caches must ask again each time (``no-cache``), cheaply: the ETag is the registry
    revision, which every key change moves, so a key published a moment ago is never
    hidden behind a cached copy, and an unchanged list costs a 304.
    """
    revision, keys = context.keyring.trust_list_with_revision()
    etag = f'"kpcs-keys-{revision}"'
    headers = {"Cache-Control": "no-cache", "ETag": etag}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return JSONResponse(keys.to_jwks(), headers=headers)


@api.get("/trust-list/signed", response_class=Response)
def signed_trust_list(context: ContextDep) -> Response:
    """A dated copy of the trust list signed by this instance's trust-list key, for offline
    verifiers (``kpcs trust-list fetch``). Pin the signer's kid once, out of band."""
    signer = context.keyring.active(KeyPurpose.TRUST_LIST, INSTANCE_OWNER, actor=SYSTEM)
    trust = context.keyring.trust_list()
    token = sign_trust_list(
        trust,
        signer=trust.keys[signer.kid],
        private_key=signer.private_key,
        issued_at=context.clock.now(),
        issuer=context.settings.node,
    )
    return Response(token, media_type="application/jose")


# --- pages ---------------------------------------------------------------------------------


@pages.get("/contexts/kpcs-v1.jsonld")
def kp_context() -> JSONResponse:
    """The KP JSON-LD context (kpcs ships it; verifiers never need to fetch it)."""
    return JSONResponse(kp_context_document(), media_type="application/ld+json")


@pages.get("/verify")
def verify_page(request: Request, principal: PrincipalDep) -> Response:
    """The public verification page."""
    return render(
        request, "verify.html", {"result": None, "number_check": None, "error": None}, principal=principal
    )


@pages.post("/verify")
async def verify_submit(
    request: Request,
    session: SessionDep,
    context: ContextDep,
    principal: PrincipalDep,
    credential: Annotated[str, Form()] = "",
    number: Annotated[str, Form()] = "",
    image: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Verify a pasted credential, a photo or scan of the QR code, or a number."""
    result = number_check = error = None
    try:
        if image is not None and image.filename:
            data = await image.read(MAX_IMAGE_BYTES + 1)
            if len(data) > MAX_IMAGE_BYTES:
                raise InvalidInput.field("image", "at most 10 MB")
            try:
                found = await run_in_threadpool(decode_qr_image, data)
            except ValueError as exc:
                raise InvalidInput.field("image", str(exc)) from None
            if not found:
                raise InvalidInput.field(
                    "image",
                    "no QR code could be read in this picture: take it closer, "
                    "flat and in focus, or paste the text",
                )
            credential = found[0]
        if credential.strip():
            result = await run_in_threadpool(
                verify_online, session, context.keyring, context.clock, credential
            )
        elif number.strip():
            number_check = await run_in_threadpool(check_number, session, context.clock, number)
        else:
            raise InvalidInput("paste a credential, upload a picture of the QR code, or type a number")
    except KPCSError as exc:
        if status_for(exc) in (401, 403):
            raise
        error = exc.message
    return render(
        request,
        "verify.html",
        {"result": result, "number_check": number_check, "error": error},
        principal=principal,
        status_code=422 if error else 200,
    )
