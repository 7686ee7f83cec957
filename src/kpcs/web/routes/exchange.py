"""The exchange between kpcs systems: enrollment, message receipt, node keys (called by
other kpcs systems with their exchange tokens), and the operator's status page."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from kpcs.exchange import services
from kpcs.exchange.delivery import signed_trust_list
from kpcs.exchange.messages import UnknownSigner
from kpcs.signing.jws import MAX_TOKEN_LENGTH, MalformedToken
from kpcs.signing.trust_list import TrustedKey
from kpcs.web.context import AppContext
from kpcs.web.deps import ContextDep, PrincipalDep, SessionDep
from kpcs.web.templating import render

api = APIRouter(tags=["exchange"])
peers = APIRouter(tags=["exchange"])
"""Routes other kpcs systems call; they authenticate with exchange tokens, not API tokens."""
pages = APIRouter(include_in_schema=False)

Bearer = Annotated[str | None, Header(alias="Authorization")]


class Enrollment(BaseModel):
    """What a node sends to enroll."""

    enrollment_token: str = Field(max_length=200)
    participant: str = Field(min_length=2, max_length=8)
    callback_token: str = Field(min_length=20, max_length=100)
    keys: list[dict[str, Any]] = Field(max_length=100)


class Delivery(BaseModel):
    """One signed message."""

    message: str = Field(max_length=4 * MAX_TOKEN_LENGTH)


class NodeKeys(BaseModel):
    """A node's authority keys, as JWKs."""

    keys: list[dict[str, Any]] = Field(max_length=100)


def _bearer(value: str | None) -> str | None:
    if value and value.lower().startswith("bearer "):
        return value[7:].strip()
    return None


def _jwks(keys: list[dict[str, Any]]) -> list[TrustedKey]:
    try:
        return [TrustedKey.from_jwk(jwk) for jwk in keys]
    except (KeyError, ValueError, TypeError) as exc:
        raise MalformedToken(f"a key is not a valid JWK: {exc}") from None


@peers.post("/exchange/enroll")
def enroll(body: Enrollment, context: ContextDep) -> dict[str, Any]:
    """A national node enrolls with its one-time token (from `kpcs nodes enroll`)."""
    enrolled = services.enroll(
        context.uow(),
        context.keyring,
        context.clock,
        token=body.enrollment_token,
        participant=body.participant.upper(),
        callback_token=body.callback_token,
        keys=_jwks(body.keys),
        signed_trust_list=lambda: signed_trust_list(context.keyring, context.clock, "hub"),
    )
    return asdict(enrolled)


@peers.post("/exchange/messages")
def receive(body: Delivery, context: ContextDep, authorization: Bearer = None) -> dict[str, Any]:
    """Take one signed message: stored once, then applied here or passed on to a node.

    Answers 200 for a message taken or already held; 409 when it names a key not known
    yet (the sender retries); 4xx otherwise, and the sender marks it failed."""
    with context.session_factory() as session:
        caller = services.caller_from_token(session, _bearer(authorization), context.clock)
    try:
        receipt = _receive(context, body.message, caller)
    except UnknownSigner:
        if context.deliverer is None or not context.deliverer.pull_trust_list():
            raise
        receipt = _receive(context, body.message, caller)
    return asdict(receipt)


def _receive(context: AppContext, message: str, caller: services.Caller) -> services.Receipt:
    return services.receive(context.uow(), context.keyring, context.clock, message, caller)


@peers.post("/exchange/keys")
def node_keys(body: NodeKeys, context: ContextDep, authorization: Bearer = None) -> dict[str, Any]:
    """A node's authority keys changed: the hub updates its trust list and tells the others."""
    with context.session_factory() as session:
        caller = services.caller_from_token(session, _bearer(authorization), context.clock)
    if caller.participant is None:
        raise MalformedToken("only the hub takes a node's keys")
    changed = services.take_node_keys(context.uow(), context.clock, caller, _jwks(body.keys))
    return {"changed": changed}


@api.get("/exchange/status")
def status(session: SessionDep, principal: PrincipalDep) -> dict[str, Any]:
    """Queues, failures and the last contact of every node (or of the hub, on a node)."""
    return asdict(services.exchange_status(session, principal))


@pages.get("/exchange")
async def exchange_page(request: Request, context: ContextDep, principal: PrincipalDep) -> Response:
    """The operator's page: is every node reachable, is anything stuck?"""

    def build() -> dict[str, Any]:
        with context.session_factory() as session:
            return {"status": services.exchange_status(session, principal)}

    values = await run_in_threadpool(build)
    return render(request, "exchange.html", values, principal=principal)
