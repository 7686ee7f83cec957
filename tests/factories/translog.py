"""A log written the way the first form of the contract wrote it: each leaf the compact JWS
itself. Existing logs hold such leaves and keep them; tests build one to prove it."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from kpcs.certificates.models import Certificate
from kpcs.translog import merkle, store
from kpcs.translog.models import LogLeaf, LogNode, LogState, TreeHead


def relog_in_first_form(session: Session) -> int:
    """Rebuild the log from the certificates issued so far with the first form's leaves (the
    compact JWS), as a log written before the commitment line holds them; heads are dropped
    (the server signs a new one). Returns the number of leaves. The caller commits."""
    session.execute(sa.delete(TreeHead))
    session.execute(sa.delete(LogNode))
    session.execute(sa.delete(LogLeaf))
    session.execute(sa.update(LogState).where(LogState.id == 1).values(size=0, frontier=b""))
    rows = session.execute(sa.select(Certificate.id, Certificate.credential).order_by(Certificate.id)).all()
    store.append(
        session,
        [
            (merkle.leaf_hash(credential.encode("ascii")), certificate_id)
            for certificate_id, credential in rows
        ],
        at=datetime.now(UTC),
    )
    return len(rows)
