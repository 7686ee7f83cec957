"""The transparency log: signed tree heads, proofs, entries, receipts, and its page."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from kpcs.errors import KPCSError
from kpcs.translog import merkle, services
from kpcs.translog.heads import b64, head_problems, unb64
from kpcs.web.deps import ContextDep, PrincipalDep, SessionDep
from kpcs.web.errors import status_for
from kpcs.web.params import Cursor
from kpcs.web.templating import render

api = APIRouter(tags=["transparency log"])
pages = APIRouter(include_in_schema=False)

Size = Annotated[Cursor, Query()]


@api.get("/log/sth")
def signed_tree_head(context: ContextDep) -> dict[str, Any]:
    """The newest signed tree head: ``{tree_size, root_hash, timestamp, signature}``."""
    return services.current_head(context.uow(), context.keyring, context.clock).as_dict()


@api.get("/log/entries")
def log_entries(session: SessionDep, start: Size, end: Size) -> dict[str, Any]:
    """Leaves ``start`` (inclusive) to ``end`` (exclusive), at most 1,000 at a time."""
    return services.entries(session, start, end)


@api.get("/log/proof")
def inclusion_proof(session: SessionDep, leaf_hash: str, tree_size: Size) -> dict[str, Any]:
    """The leaf's index and audit path (standard base64) in the tree of ``tree_size``."""
    return services.inclusion(session, leaf_hash, tree_size)


@api.get("/log/consistency")
def consistency_proof(session: SessionDep, first: Size, second: Size) -> dict[str, Any]:
    """The proof that the tree of ``second`` extends the tree of ``first``."""
    return services.consistency(session, first, second)


@api.get("/certificates/{number}/receipt")
def certificate_receipt(number: str, context: ContextDep) -> dict[str, Any]:
    """Where the certificate sits in the log, with its inclusion proof against the newest head:
    what an importer keeps to prove later that the certificate was logged."""
    return services.receipt(context.uow(), context.keyring, context.clock, number).as_dict()


@pages.get("/log")
async def log_page(
    request: Request,
    session: SessionDep,
    context: ContextDep,
    principal: PrincipalDep,
    number: str | None = None,
) -> Response:
    """The log: its size, the newest signed head, and a search by certificate number."""

    def build() -> dict[str, Any]:
        head = services.current_head(context.uow(), context.keyring, context.clock)
        trust = context.keyring.trust_list()
        found: dict[str, Any] = {
            "head": head,
            "head_problems": head_problems(head, trust),
            "root_b64": b64(head.root_hash),
            # The head carries milliseconds since 1970 (RFC 9162); a person reads a date.
            "signed_at": datetime.fromtimestamp(head.timestamp / 1000, UTC),
            "receipt": None,
            "proof_checks": None,
            "error": None,
            "number": number or "",
        }
        if number and number.strip():
            try:
                receipt = services.receipt(context.uow(), context.keyring, context.clock, number)
            except KPCSError as exc:
                if status_for(exc) in (401, 403):
                    raise
                found["error"] = exc.message
                return found
            found["receipt"] = receipt
            signed = receipt.signed_tree_head
            found["proof_checks"] = merkle.verify_inclusion(
                unb64(receipt.leaf_hash),
                receipt.leaf_index,
                signed["tree_size"],
                [unb64(h) for h in receipt.inclusion_proof],
                unb64(signed["root_hash"]),
            )
        return found

    context_values = await run_in_threadpool(build)
    context_values["size"] = context_values["head"].tree_size
    return render(request, "log.html", context_values, principal=principal)


@pages.get("/log/{part}", include_in_schema=False)
def log_api_elsewhere(request: Request, part: str) -> Response:
    """``/log/sth`` and the other log endpoints live under ``/api/v1/log/``: older notes
    (and the README, once) named them without the prefix; send readers there."""
    if part not in ("sth", "entries", "proof", "consistency"):
        return RedirectResponse("/log", status_code=303)
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(f"/api/v1/log/{part}{query}", status_code=308)
