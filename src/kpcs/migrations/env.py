"""Alembic environment: runs migrations on the engine kpcs would use."""

from __future__ import annotations

from alembic import context

from kpcs.db import make_engine
from kpcs.models import metadata

config = context.config


def run_migrations_online() -> None:
    """Migrate over a live connection (the only mode kpcs uses)."""
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None
    engine = make_engine(url, sqlite_migrations=True)
    is_sqlite = engine.dialect.name == "sqlite"
    try:
        with engine.connect() as connection:
            if not is_sqlite:
                # Never wait forever behind a long-running query in production: fail the
                # migration and retry instead (warehouse's migrations/env.py).
                connection.exec_driver_sql("SET lock_timeout = '4s'")
                # SQLAlchemy 2 began a transaction for the SET; end it, or Alembic would run
                # inside it and the close below would roll every migration back.
                connection.commit()
            context.configure(
                connection=connection,
                target_metadata=metadata,
                # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
                render_as_batch=is_sqlite,
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
            if is_sqlite:
                # Foreign keys were not enforced while tables were rebuilt: check them now.
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"the migration broke foreign keys: {broken[:5]}")
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("kpcs migrations run online only: use `kpcs db upgrade`")
run_migrations_online()
