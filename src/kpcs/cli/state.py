"""What CLI commands share: settings, database and the operator's identity, built lazily.

Each of these is imported when a command first asks for it, not when the CLI starts: help
and offline verification need no settings, database, keys or evidence store.
"""

from __future__ import annotations

import getpass
from functools import cached_property
from typing import TYPE_CHECKING

import typer

from kpcs.clock import Clock, SystemClock

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from kpcs.accounts.permissions import Principal
    from kpcs.certificates.fraud import EvidenceStore
    from kpcs.config import Settings
    from kpcs.db import UnitOfWork
    from kpcs.signing.keys import KeyRing


class CliState:
    """Per-invocation wiring; nothing is read or opened until a command asks for it."""

    def __init__(self, settings: Settings | None = None, clock: Clock | None = None) -> None:
        self._settings = settings
        self.clock: Clock = clock or SystemClock()

    @cached_property
    def settings(self) -> Settings:
        """The settings in effect (environment, unless given)."""
        from kpcs.config import get_settings

        return self._settings or get_settings()

    @cached_property
    def engine(self) -> Engine:
        """The database engine."""
        from kpcs.db import make_engine

        return make_engine(self.settings.sqlalchemy_url)

    @cached_property
    def session_factory(self) -> sessionmaker[Session]:
        """Sessions on :attr:`engine`."""
        from kpcs.db import make_session_factory

        return make_session_factory(self.engine)

    @cached_property
    def keyring(self) -> KeyRing:
        """Signing keys, on the same data directory as the web app."""
        from kpcs.signing.keys import KeyRing

        return KeyRing.for_settings(self.settings, self.session_factory, self.clock)

    @cached_property
    def evidence(self) -> EvidenceStore:
        """Evidence files of the fraud register."""
        from kpcs.certificates.fraud import EvidenceStore

        return EvidenceStore(self.settings.data_dir / "evidence")

    def close(self) -> None:
        """Release database connections (called when the command ends)."""
        if "engine" in self.__dict__:
            self.engine.dispose()

    def uow(self) -> UnitOfWork:
        """A unit of work for one use case."""
        from kpcs.db import UnitOfWork

        return UnitOfWork(self.session_factory)

    @cached_property
    def principal(self) -> Principal:
        """The operator at the keyboard, named by their login in the audit log."""
        from kpcs.accounts.permissions import operator

        try:
            name = getpass.getuser()
        except (KeyError, OSError):
            name = "unknown"
        return operator(name)


def state(ctx: typer.Context) -> CliState:
    """The :class:`CliState` of this invocation."""
    obj = ctx.find_root().obj
    assert isinstance(obj, CliState)
    return obj
