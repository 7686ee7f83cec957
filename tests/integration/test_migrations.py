"""Models and migrations agree, on both databases, and migrations run both ways."""

from __future__ import annotations

import sqlalchemy as sa

from kpcs import migrations
from kpcs.db import make_engine
from kpcs.models import metadata


def test_models_and_migrations_agree(database_url: str) -> None:
    migrations.check(database_url)  # raises MigrationError listing any difference
    assert migrations.current_revision(database_url) is not None


def test_every_model_table_exists(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        tables = set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert set(metadata.tables) <= tables


def test_downgrade_to_empty_and_back(database_url: str) -> None:
    migrations.upgrade(database_url, "head")
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:  # the registry rows would block dropping their tables' FKs
            for table in reversed(metadata.sorted_tables):
                connection.execute(table.delete())
        from alembic import command

        command.downgrade(migrations.alembic_config(database_url), "base")
        assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
    migrations.upgrade(database_url)
    migrations.check(database_url)


def test_photo_hashes_move_onto_the_photo_and_back(database_url: str) -> None:
    """0035 joins each photo's window rows into one value, in window order, and its downgrade
    parts them again: photos indexed before it are still searched by the same hashes; 0036
    marks them as hashed by the first scheme."""
    from alembic import command

    config = migrations.alembic_config(database_url)
    command.downgrade(config, "0034")
    windows = [bytes([n]) * 32 for n in range(17)]
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            dossier = connection.execute(
                sa.text(
                    "INSERT INTO export_dossiers (participant_code, exporting_country, zone, carats, "
                    "value_usd, lines, parcels, notes, status, submitted_at, submitted_by, clock_started_at) "
                    "VALUES ('BW', 'BW', 'z', 1, 1, '[]', '[]', '', 'submitted', '2025-01-01', 't', "
                    "'2025-01-01') RETURNING id"
                )
            ).scalar_one()
            photo = connection.execute(
                sa.text(
                    "INSERT INTO shipment_photos (dossier_id, sha256, thumbnail_sha256, media_type, "
                    "width, height, size_bytes, uploaded_at, uploaded_by) VALUES (:d, 'a', 'b', "
                    "'image/png', 64, 64, 10, '2025-01-01', 't') RETURNING id"
                ),
                {"d": dossier},
            ).scalar_one()
            for n in reversed(range(17)):  # stored out of order: the window number orders them
                connection.execute(
                    sa.text('INSERT INTO photo_hashes (photo_id, "window", hash) VALUES (:p, :w, :h)'),
                    {"p": photo, "w": n, "h": windows[n]},
                )
        migrations.upgrade(database_url)
        with engine.connect() as connection:
            kept = connection.execute(
                sa.text("SELECT hashes FROM shipment_photos WHERE id = :p"), {"p": photo}
            ).scalar_one()
        assert bytes(kept) == b"".join(windows)
        assert "photo_hashes" not in sa.inspect(engine).get_table_names()
        with engine.connect() as connection:  # 0036: hashed the first way, for db upgrade to redo
            scheme = connection.execute(
                sa.text("SELECT hashed_as FROM shipment_photos WHERE id = :p"), {"p": photo}
            ).scalar_one()
        assert scheme == 1
        command.downgrade(config, "0034")
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text('SELECT "window", hash FROM photo_hashes WHERE photo_id = :p ORDER BY "window"'),
                {"p": photo},
            ).all()
        assert [(n, bytes(value)) for n, value in rows] == list(enumerate(windows))
    finally:
        engine.dispose()
    migrations.upgrade(database_url)
