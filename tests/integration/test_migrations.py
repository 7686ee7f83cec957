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
