"""Writing an issued certificate: its row, its lines and its audit event, in the caller's
transaction.

Issuing is the hot write of kpcs (the Scheme's figure is 200 a second on PostgreSQL). The
ORM's unit of work for these three objects cost more processor time than everything else
in an issue, signing included; here they are written as plain rows. On PostgreSQL that is
one statement (one round trip, prepared once by the driver); elsewhere three Core inserts.
The objects themselves stay the ORM models, built by the use case and never added to the
session: the columns, their types and their conversions come from the models, so this
module cannot drift from the schema.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from kpcs.audit.models import AuditEvent
from kpcs.certificates.models import Certificate, CertificateLine

_CERTIFICATES: sa.Table = Certificate.__table__  # type: ignore[assignment]
_LINES: sa.Table = CertificateLine.__table__  # type: ignore[assignment]
_EVENTS: sa.Table = AuditEvent.__table__  # type: ignore[assignment]


def _columns(table: sa.Table) -> list[sa.Column[Any]]:
    """The columns an insert gives values for (the database numbers the rows)."""
    return [column for column in table.columns if not column.primary_key]


def _row(obj: object, table: sa.Table, dialect: Dialect) -> dict[str, Any]:
    """The values of ``obj`` for ``table``, as the driver takes them."""
    row = {}
    for column, process in _processors(table, dialect):
        value = getattr(obj, column.key)
        row[f"{table.name}_{column.key}"] = process(value) if process is not None else value
    return row


@lru_cache(maxsize=16)  # per engine's dialect; tests make many engines
def _processors(
    table: sa.Table, dialect: Dialect
) -> list[tuple[sa.Column[Any], Callable[[Any], Any] | None]]:
    return [(column, column.type.dialect_impl(dialect).bind_processor(dialect)) for column in _columns(table)]


def _values(table: sa.Table) -> str:
    columns = _columns(table)
    names = ", ".join(f'"{column.name}"' for column in columns)
    params = ", ".join(f"%({table.name}_{column.key})s" for column in columns)
    return f"INSERT INTO {table.name} ({names}) VALUES ({params})"


_WRITE_POSTGRESQL = f"""
WITH certificate AS (
    {_values(_CERTIFICATES)}
    RETURNING id
), lines AS (
    INSERT INTO certificate_lines (
        certificate_id, position, hs_code, origin, carats, value_usd, departed_origin_on,
        classification_note
    )
    SELECT certificate.id, t.position, t.hs_code, t.origin, t.carats, t.value_usd, t.departed_origin_on,
        t.classification_note
    FROM certificate, unnest(
        %(positions)s::integer[], %(hs_codes)s::varchar[], %(origins)s::varchar[],
        %(carats)s::numeric[], %(values_usd)s::numeric[], %(departures)s::date[], %(notes)s::text[]
    ) AS t(position, hs_code, origin, carats, value_usd, departed_origin_on, classification_note)
), event AS (
    {_values(_EVENTS)}
)
SELECT id FROM certificate
"""


def write_issued(session: Session, certificate: Certificate, event: AuditEvent) -> int:
    """Insert ``certificate`` with its lines and ``event``; returns the certificate's id.

    Neither object is added to the session: the id is set on ``certificate`` (and
    ``certificate_id`` on its lines) so that callers can go on using it as a value.
    """
    connection = session.connection()
    dialect = connection.dialect
    lines = certificate.lines
    if dialect.name == "postgresql":
        params = _row(certificate, _CERTIFICATES, dialect) | _row(event, _EVENTS, dialect)
        params |= {
            "positions": [line.position for line in lines],
            "hs_codes": [line.hs_code for line in lines],
            "origins": [line.origin for line in lines],
            "carats": [line.carats for line in lines],
            "values_usd": [line.value_usd for line in lines],
            "departures": [line.departed_origin_on for line in lines],
            "notes": [line.classification_note for line in lines],
        }
        certificate_id = int(connection.exec_driver_sql(_WRITE_POSTGRESQL, params).scalar_one())
    else:
        values = {column.key: getattr(certificate, column.key) for column in _columns(_CERTIFICATES)}
        certificate_id = int(
            connection.execute(
                sa.insert(_CERTIFICATES).values(values).returning(_CERTIFICATES.c.id)
            ).scalar_one()
        )
        connection.execute(
            sa.insert(_LINES),
            [
                {column.key: getattr(line, column.key) for column in _columns(_LINES)}
                | {"certificate_id": certificate_id}
                for line in lines
            ],
        )
        connection.execute(
            sa.insert(_EVENTS).values(
                {column.key: getattr(event, column.key) for column in _columns(_EVENTS)}
            )
        )
    certificate.id = certificate_id
    for line in lines:
        line.certificate_id = certificate_id
    return certificate_id
