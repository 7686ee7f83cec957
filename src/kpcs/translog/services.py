"""Use cases of the transparency log: append a certificate, sign heads, serve proofs,
entries and receipts. A leaf commits to a certificate without publishing it
(:mod:`kpcs.translog.leaves`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kpcs.accounts.permissions import SYSTEM, Principal
from kpcs.certificates.events import CertificateIssued
from kpcs.certificates.models import Certificate
from kpcs.clock import Clock
from kpcs.db import UnitOfWork
from kpcs.errors import InvalidInput, NotFound
from kpcs.signing.jws import sign_compact
from kpcs.signing.keys import ActiveKey, KeyRing
from kpcs.signing.models import INSTANCE_OWNER, KeyPurpose
from kpcs.translog import merkle, store
from kpcs.translog.heads import HEAD_TYPE, Head, b64, head_payload, unb64
from kpcs.translog.leaves import leaf_hash_of, stored_leaf
from kpcs.translog.models import LogLeaf, LogState, TreeHead

MAX_ENTRIES = 1000
"""Most entries one ``GET /log/entries`` returns."""

HEAD_INTERVAL = 1.0
"""Seconds between two checks, by each web worker, that the newest signed head covers the
log; the contract allows 5 seconds from issue to a covering head."""


def log_key(keyring: KeyRing, session: Session, *, actor: Principal = SYSTEM) -> ActiveKey:
    """The log's signing key (created on first need; call before writing anything)."""
    return keyring.active(KeyPurpose.LOG, INSTANCE_OWNER, actor=actor, session=session)


def sign_head(session: Session, key: ActiveKey, clock: Clock, tree_size: int, root: bytes) -> Head:
    """Sign and keep a tree head (in the caller's transaction)."""
    timestamp = int(clock.now().timestamp() * 1000)
    signature = sign_compact(
        head_payload(tree_size, root, timestamp), private_key=key.private_key, kid=key.kid, typ=HEAD_TYPE
    )
    session.add(
        TreeHead(tree_size=tree_size, root_hash=root, timestamp=timestamp, kid=key.kid, signature=signature)
    )
    return Head(tree_size, root, timestamp, signature)


def log_credential(session: Session, clock: Clock, certificate: Certificate) -> store.Appended:
    """Append a certificate's commitment line to the log, in the issuing transaction.

    Call it last: the certificate and its log entry commit together or not at all, and
    the log's lock is held from here to the commit. No head is signed here: a head costs
    a signature and a row inside that lock, which halves the rate of issuing. Heads are
    signed on a short timer by every web worker (``HEAD_INTERVAL``) and on demand by any
    read that finds the newest head behind the log, so a certificate is covered by a
    signed head within seconds of its issue (the contract allows 5).
    """
    return store.append(
        session, [(leaf_hash_of(certificate.number, certificate.credential), certificate.id)], at=clock.now()
    )


def log_issued(session: Session, clock: Clock, event: CertificateIssued) -> None:
    """Subscriber of :class:`CertificateIssued`: the log takes every certificate issued here."""
    log_credential(session, clock, event.certificate)


def _newest(session: Session) -> Head | None:
    row = session.scalar(sa.select(TreeHead).order_by(TreeHead.tree_size.desc()).limit(1))
    return Head(row.tree_size, row.root_hash, row.timestamp, row.signature) if row else None


def current_head(uow: UnitOfWork, keyring: KeyRing, clock: Clock) -> Head:
    """The newest signed head, covering every leaf.

    Usually a read. A head is signed here when none covers the log's size yet: leaves
    appended since the last tick of the timer, the empty log, or certificates logged by
    the migration that created the log.
    """
    with uow:
        head = _newest(uow.session)
        size = store.size(uow.session)
        if head is not None and head.tree_size == size:
            return head
        key = log_key(keyring, uow.session)
        connection = uow.session.connection()
        # Take the append lock, so no leaf lands between reading the size and signing it.
        connection.execute(sa.update(LogState).where(LogState.id == 1).values(size=LogState.size))
        size = store.size(uow.session)
        head = _newest(uow.session)
        if head is not None and head.tree_size == size:  # another worker signed it meanwhile
            return head
        head = sign_head(uow.session, key, clock, size, store.root_at(uow.session, size))
        try:
            uow.commit()
        except IntegrityError:  # another request signed this size first
            uow.session.rollback()
            found = _newest(uow.session)
            if found is None:
                raise
            return found
        return head


def _check_size(session: Session, tree_size: int, field: str) -> int:
    current = store.size(session)
    if not 0 <= tree_size <= current:
        raise InvalidInput.field(field, f"must be between 0 and the log's size, {current}")
    return current


def inclusion(session: Session, leaf_hash_b64: str, tree_size: int) -> dict[str, Any]:
    """``GET /log/proof``: the leaf's index and its audit path in the tree of ``tree_size``."""
    try:
        leaf_hash = unb64(leaf_hash_b64)
    except ValueError:
        raise InvalidInput.field("leaf_hash", "the leaf hash in standard base64") from None
    if len(leaf_hash) != merkle.HASH_SIZE:
        raise InvalidInput.field("leaf_hash", f"a leaf hash is {merkle.HASH_SIZE} bytes")
    _check_size(session, tree_size, "tree_size")
    index = store.leaf_index(session, leaf_hash)
    if index is None:
        raise NotFound("no leaf with this hash in the log")
    if index >= tree_size:
        raise InvalidInput.field(
            "tree_size", f"the leaf is at index {index}: the tree must hold more than {index}"
        )
    return {
        "leaf_index": index,
        "audit_path": [b64(h) for h in store.inclusion_proof(session, index, tree_size)],
    }


def consistency(session: Session, first: int, second: int) -> dict[str, Any]:
    """``GET /log/consistency``: the proof that the tree of ``second`` extends that of ``first``."""
    _check_size(session, second, "second")
    if not 0 < first <= second:
        raise InvalidInput.field("first", "must be at least 1 and at most second")
    return {"consistency": [b64(h) for h in store.consistency_proof(session, first, second)]}


def entries(session: Session, start: int, end: int) -> dict[str, Any]:
    """``GET /log/entries``: leaves ``start`` (inclusive) to ``end`` (exclusive).

    The leaf text is not stored: it is rebuilt from the certificate, in the form its stored
    hash says (the commitment line, or the compact JWS for entries of the log's first form).
    """
    current = store.size(session)
    if start < 0 or end < start:
        raise InvalidInput.field("end", "0 <= start <= end")
    end = min(end, current, start + MAX_ENTRIES)
    rows = session.execute(
        sa.select(LogLeaf.index, LogLeaf.leaf_hash, Certificate.number, Certificate.credential)
        .join(Certificate, Certificate.id == LogLeaf.certificate_id)
        .where(LogLeaf.index >= start, LogLeaf.index < end)
        .order_by(LogLeaf.index)
    )
    return {
        "entries": [
            {"index": index, "leaf": stored_leaf(number, credential, leaf_hash)}
            for index, leaf_hash, number, credential in rows
        ]
    }


@dataclass(frozen=True)
class Receipt:
    """What an importer keeps: where the certificate sits in the log, and the proof."""

    number: str
    leaf_index: int
    leaf_hash: str
    inclusion_proof: list[str]
    signed_tree_head: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return dict(self.__dict__)


def receipt(uow: UnitOfWork, keyring: KeyRing, clock: Clock, number: str) -> Receipt:
    """The certificate's inclusion proof against the newest signed head."""
    head = current_head(uow, keyring, clock)
    with uow:
        return _receipt(uow.session, head, number)


def _receipt(session: Session, head: Head, number: str) -> Receipt:
    row = session.execute(
        sa.select(LogLeaf.index, LogLeaf.leaf_hash)
        .join(Certificate, Certificate.id == LogLeaf.certificate_id)
        .where(Certificate.number == number.strip().upper())
    ).one_or_none()
    if row is None:
        raise NotFound(f"no logged certificate {number!r}")
    index, leaf_hash = row
    proof = store.inclusion_proof(session, index, head.tree_size)
    return Receipt(
        number=number.strip().upper(),
        leaf_index=index,
        leaf_hash=b64(leaf_hash),
        inclusion_proof=[b64(h) for h in proof],
        signed_tree_head=head.as_dict(),
    )
