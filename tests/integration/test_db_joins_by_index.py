"""``joins_by_index``: PostgreSQL's planner is told to join by index lookups inside the
block, and the connection is as it was afterwards (pooled read connections run in
autocommit, where a setting left behind would stay for the next request)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from kpcs.db import joins_by_index, make_engine


def _settings(connection: sa.Connection) -> tuple[str, str] | None:
    if connection.dialect.name != "postgresql":
        return None
    return (
        connection.exec_driver_sql("SHOW enable_hashjoin").scalar_one(),
        connection.exec_driver_sql("SHOW enable_mergejoin").scalar_one(),
    )


@pytest.mark.parametrize("isolation_level", ["AUTOCOMMIT", "READ COMMITTED"])
def test_index_joins_inside_the_block_and_defaults_after_it(database_url: str, isolation_level: str) -> None:
    kwargs = {} if database_url.startswith("sqlite") else {"isolation_level": isolation_level}
    engine = make_engine(database_url, **kwargs)
    query = sa.text(
        "SELECT count(*) FROM participants p JOIN participant_status_changes s ON s.participant_code = p.code"
    )
    try:
        with engine.connect() as connection:
            before = connection.execute(query).scalar_one()
            with joins_by_index(connection):
                assert _settings(connection) in (None, ("off", "off"))
                assert connection.execute(query).scalar_one() == before
            assert _settings(connection) in (None, ("on", "on"))
            with pytest.raises(ZeroDivisionError), joins_by_index(connection):
                _ = 1 / 0
            assert _settings(connection) in (None, ("on", "on"))
            assert before > 0
    finally:
        engine.dispose()
