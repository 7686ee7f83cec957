"""What CLI commands share: settings, database and the operator's identity, built lazily."""

from __future__ import annotations

import getpass
from functools import cached_property

import typer
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from kpcs.accounts.permissions import Principal, operator
from kpcs.certificates.fraud import EvidenceStore
from kpcs.clock import Clock, SystemClock
from kpcs.config import Settings, get_settings
from kpcs.db import UnitOfWork, make_engine, make_session_factory
from kpcs.signing.keys import KeyFiles, KeyRing


class CliState:
    """Per-invocation wiring; nothing is read or opened until a command asks for it."""

    def __init__(self, settings: Settings | None = None, clock: Clock | None = None) -> None:
        self._settings = settings
        self.clock: Clock = clock or SystemClock()

    @cached_property
    def settings(self) -> Settings:
        """The settings in effect (environment, unless given)."""
        return self._settings or get_settings()

    @cached_property
    def engine(self) -> Engine:
        """The database engine."""
        return make_engine(self.settings.sqlalchemy_url)

    @cached_property
    def session_factory(self) -> sessionmaker[Session]:
        """Sessions on :attr:`engine`."""
        return make_session_factory(self.engine)

    @cached_property
    def keyring(self) -> KeyRing:
        """Signing keys, on the same data directory as the web app."""
        return KeyRing(self.session_factory, KeyFiles(self.settings.data_dir / "keys"), self.clock)

    @cached_property
    def evidence(self) -> EvidenceStore:
        """Evidence files of the fraud register."""
        return EvidenceStore(self.settings.data_dir / "evidence")

    def close(self) -> None:
        """Release database connections (called when the command ends)."""
        if "engine" in self.__dict__:
            self.engine.dispose()

    def uow(self) -> UnitOfWork:
        """A unit of work for one use case."""
        return UnitOfWork(self.session_factory)

    @cached_property
    def principal(self) -> Principal:
        """The operator at the keyboard, named by their login in the audit log."""
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
