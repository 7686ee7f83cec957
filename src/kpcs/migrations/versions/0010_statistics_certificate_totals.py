"""trade derived from certificates, summed by triggers

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22 10:30:00.000000

Every certificate that stands adds its totals to its exporter's export row for the quarter
of issue (per participant with partner and HS code '*', and per partner and HS code from
its lines); an import confirmation adds the same to the importer's rows for the quarter of
receipt; a cancellation takes both out again. Each trigger is one upsert of signed amounts.
On PostgreSQL the triggers are deferred to commit, so concurrent issuing for the same
participant waits on the totals row only while committing, not for its whole transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = "participant, flow, partner, year, quarter, hs_code, carats, value_usd, certificates"
UPSERT = (
    " ON CONFLICT (participant, flow, partner, year, quarter, hs_code) DO UPDATE SET"
    " carats = statistics_certificate_totals.carats + excluded.carats,"
    " value_usd = statistics_certificate_totals.value_usd + excluded.value_usd,"
    " certificates = statistics_certificate_totals.certificates + excluded.certificates"
)


def _year(day: str, dialect: str) -> str:
    if dialect == "sqlite":
        return f"CAST(strftime('%Y', {day}) AS INTEGER)"
    return f"CAST(extract(year FROM {day}) AS INTEGER)"


def _quarter(day: str, dialect: str) -> str:
    if dialect == "sqlite":
        return f"((CAST(strftime('%m', {day}) AS INTEGER) + 2) / 3)"
    return f"CAST(extract(quarter FROM {day}) AS INTEGER)"


def _statements(dialect: str, certificate: str, sign: str) -> list[str]:
    """The upserts for one certificate (``certificate``: how the trigger names its row;
    ``sign``: '' to add, '-' to take out). Exports first, then imports if confirmed."""
    issued = f"{certificate}.issued_on"
    exports = [
        f"INSERT INTO statistics_certificate_totals ({COLUMNS})"
        f" SELECT {certificate}.exporting_participant, 'export', '*', {_year(issued, dialect)},"
        f" {_quarter(issued, dialect)}, '*', {sign}{certificate}.total_carats,"
        f" {sign}{certificate}.total_value_usd, {sign}1 WHERE true" + UPSERT,
    ]
    lines = (
        f"INSERT INTO statistics_certificate_totals ({COLUMNS})"
        f" SELECT {certificate}.exporting_participant, 'export', {certificate}.importing_participant,"
        f" {_year(issued, dialect)}, {_quarter(issued, dialect)}, l.hs_code, {sign}sum(l.carats),"
        f" {sign}sum(l.value_usd), {sign}1 FROM certificate_lines l WHERE l.certificate_id = {certificate}.id"
        " GROUP BY l.hs_code" + UPSERT
    )
    received = "r.received_on"
    imports = [
        f"INSERT INTO statistics_certificate_totals ({COLUMNS})"
        f" SELECT {certificate}.importing_participant, 'import', '*', {_year(received, dialect)},"
        f" {_quarter(received, dialect)}, '*', {sign}{certificate}.total_carats,"
        f" {sign}{certificate}.total_value_usd, {sign}1 FROM import_confirmations r"
        f" WHERE r.certificate_id = {certificate}.id" + UPSERT,
        f"INSERT INTO statistics_certificate_totals ({COLUMNS})"
        f" SELECT {certificate}.importing_participant, 'import', {certificate}.exporting_participant,"
        f" {_year(received, dialect)}, {_quarter(received, dialect)}, l.hs_code, {sign}sum(l.carats),"
        f" {sign}sum(l.value_usd), {sign}1 FROM import_confirmations r"
        f" JOIN certificate_lines l ON l.certificate_id = r.certificate_id"
        f" WHERE r.certificate_id = {certificate}.id GROUP BY l.hs_code, r.received_on" + UPSERT,
    ]
    return exports + ([lines] if sign else []) + imports


def _line_statement(dialect: str) -> str:
    """A new line adds to its certificate's per-partner, per-code export row (counting the
    certificate once per code: only its first line of that code counts it)."""
    issued = "c.issued_on"
    return (
        f"INSERT INTO statistics_certificate_totals ({COLUMNS})"
        f" SELECT c.exporting_participant, 'export', c.importing_participant, {_year(issued, dialect)},"
        f" {_quarter(issued, dialect)}, NEW.hs_code, NEW.carats, NEW.value_usd,"
        " CASE WHEN EXISTS (SELECT 1 FROM certificate_lines o WHERE o.certificate_id = NEW.certificate_id"
        " AND o.hs_code = NEW.hs_code AND o.id < NEW.id) THEN 0 ELSE 1 END"
        " FROM certificates c WHERE c.id = NEW.certificate_id AND c.status <> 'cancelled'" + UPSERT
    )


def _confirmation_statements(dialect: str) -> list[str]:
    """A confirmation adds the certificate to the importer's rows for the quarter of receipt."""
    received = "NEW.received_on"
    return [
        f"INSERT INTO statistics_certificate_totals ({COLUMNS})"
        f" SELECT c.importing_participant, 'import', '*', {_year(received, dialect)},"
        f" {_quarter(received, dialect)}, '*', c.total_carats, c.total_value_usd, 1"
        " FROM certificates c WHERE c.id = NEW.certificate_id AND c.status <> 'cancelled'" + UPSERT,
        f"INSERT INTO statistics_certificate_totals ({COLUMNS})"
        f" SELECT c.importing_participant, 'import', c.exporting_participant, {_year(received, dialect)},"
        f" {_quarter(received, dialect)}, l.hs_code, sum(l.carats), sum(l.value_usd), 1"
        " FROM certificates c JOIN certificate_lines l ON l.certificate_id = c.id"
        " WHERE c.id = NEW.certificate_id AND c.status <> 'cancelled'"
        " GROUP BY c.importing_participant, c.exporting_participant, l.hs_code" + UPSERT,
    ]


def _backfill(dialect: str) -> list[str]:
    """The totals of the certificates already stored (a database upgraded in place)."""
    issued, received = "c.issued_on", "r.received_on"
    standing = "c.status <> 'cancelled'"
    return [
        f"INSERT INTO statistics_certificate_totals ({COLUMNS})"
        f" SELECT c.exporting_participant, 'export', '*', {_year(issued, dialect)},"
        f" {_quarter(issued, dialect)}, '*', sum(c.total_carats), sum(c.total_value_usd), count(*)"
        f" FROM certificates c WHERE {standing}"
        " GROUP BY 1, 2, 3, 4, 5, 6",
        f"INSERT INTO statistics_certificate_totals ({COLUMNS})"
        f" SELECT exporter, 'export', importer, y, q, hs_code, sum(ct), sum(v), count(*) FROM ("
        f" SELECT c.exporting_participant AS exporter, c.importing_participant AS importer,"
        f" {_year(issued, dialect)} AS y, {_quarter(issued, dialect)} AS q, l.hs_code,"
        " sum(l.carats) AS ct, sum(l.value_usd) AS v FROM certificates c"
        f" JOIN certificate_lines l ON l.certificate_id = c.id WHERE {standing}"
        " GROUP BY c.id, c.exporting_participant, c.importing_participant, c.issued_on, l.hs_code) per_code"
        " GROUP BY exporter, importer, y, q, hs_code",
        f"INSERT INTO statistics_certificate_totals ({COLUMNS})"
        f" SELECT c.importing_participant, 'import', '*', {_year(received, dialect)},"
        f" {_quarter(received, dialect)}, '*', sum(c.total_carats), sum(c.total_value_usd), count(*)"
        f" FROM certificates c JOIN import_confirmations r ON r.certificate_id = c.id WHERE {standing}"
        " GROUP BY 1, 2, 3, 4, 5, 6",
        f"INSERT INTO statistics_certificate_totals ({COLUMNS})"
        f" SELECT importer, 'import', exporter, y, q, hs_code, sum(ct), sum(v), count(*) FROM ("
        f" SELECT c.importing_participant AS importer, c.exporting_participant AS exporter,"
        f" {_year(received, dialect)} AS y, {_quarter(received, dialect)} AS q, l.hs_code,"
        " sum(l.carats) AS ct, sum(l.value_usd) AS v FROM certificates c"
        " JOIN import_confirmations r ON r.certificate_id = c.id"
        f" JOIN certificate_lines l ON l.certificate_id = c.id WHERE {standing}"
        " GROUP BY c.id, c.importing_participant, c.exporting_participant, r.received_on, l.hs_code) per_code"
        " GROUP BY importer, exporter, y, q, hs_code",
    ]


def _sqlite_triggers() -> list[str]:
    body = "; ".join
    cancelled = "NEW.status = 'cancelled' AND OLD.status <> 'cancelled'"
    return [
        "CREATE TRIGGER statistics_totals_on_certificate AFTER INSERT ON certificates"
        f" WHEN NEW.status <> 'cancelled' BEGIN {body(_statements('sqlite', 'NEW', '')[:1])}; END",
        "CREATE TRIGGER statistics_totals_on_line AFTER INSERT ON certificate_lines"
        f" BEGIN {_line_statement('sqlite')}; END",
        "CREATE TRIGGER statistics_totals_on_confirmation AFTER INSERT ON import_confirmations"
        f" BEGIN {body(_confirmation_statements('sqlite'))}; END",
        "CREATE TRIGGER statistics_totals_on_cancellation AFTER UPDATE OF status ON certificates"
        f" WHEN {cancelled}"
        f" BEGIN {body(_statements('sqlite', 'NEW', '-'))}; END",
    ]


def _postgresql_triggers() -> list[str]:
    def function(name: str, statements: list[str], condition: str) -> str:
        joined = "; ".join(statements)
        return (
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
            f" IF {condition} THEN {joined}; END IF; RETURN NULL; END $$"
        )

    def trigger(name: str, event: str, table: str) -> str:
        return (
            f"CREATE CONSTRAINT TRIGGER {name} AFTER {event} ON {table}"
            f" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {name}()"
        )

    return [
        function(
            "statistics_totals_on_certificate",
            _statements("postgresql", "NEW", "")[:1],
            "NEW.status <> 'cancelled'",
        ),
        trigger("statistics_totals_on_certificate", "INSERT", "certificates"),
        function("statistics_totals_on_line", [_line_statement("postgresql")], "true"),
        trigger("statistics_totals_on_line", "INSERT", "certificate_lines"),
        function("statistics_totals_on_confirmation", _confirmation_statements("postgresql"), "true"),
        trigger("statistics_totals_on_confirmation", "INSERT", "import_confirmations"),
        function(
            "statistics_totals_on_cancellation",
            _statements("postgresql", "NEW", "-"),
            "NEW.status = 'cancelled' AND OLD.status <> 'cancelled'",
        ),
        trigger("statistics_totals_on_cancellation", "UPDATE OF status", "certificates"),
    ]


TRIGGERS = (
    ("statistics_totals_on_certificate", "certificates"),
    ("statistics_totals_on_line", "certificate_lines"),
    ("statistics_totals_on_confirmation", "import_confirmations"),
    ("statistics_totals_on_cancellation", "certificates"),
)


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "statistics_certificate_totals",
        sa.Column("participant", sa.String(length=8), nullable=False),
        sa.Column("flow", sa.String(length=6), nullable=False, comment="export or import"),
        sa.Column("partner", sa.String(length=8), nullable=False, comment="or '*': every partner"),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("hs_code", sa.String(length=7), nullable=False, comment="or '*': every HS code"),
        sa.Column("carats", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("value_usd", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column("certificates", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "participant",
            "flow",
            "partner",
            "year",
            "quarter",
            "hs_code",
            name=op.f("pk_statistics_certificate_totals"),
        ),
    )
    with op.batch_alter_table("statistics_certificate_totals", schema=None) as batch_op:
        batch_op.create_index("ix_statistics_certificate_totals_year", ["year", "hs_code"], unique=False)
    dialect = op.get_bind().dialect.name
    for statement in _backfill(dialect):
        op.execute(statement)
    for statement in _sqlite_triggers() if dialect == "sqlite" else _postgresql_triggers():
        op.execute(statement)


def downgrade() -> None:
    """Undo this revision."""
    dialect = op.get_bind().dialect.name
    for name, table in TRIGGERS:
        if dialect == "sqlite":
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    with op.batch_alter_table("statistics_certificate_totals", schema=None) as batch_op:
        batch_op.drop_index("ix_statistics_certificate_totals_year")
    op.drop_table("statistics_certificate_totals")
