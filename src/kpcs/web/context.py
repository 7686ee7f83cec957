"""What the web app holds for its whole life, wired once in ``create_app``."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from kpcs.accounts.backoff import SignInBackoff
from kpcs.certificates.fraud import EvidenceStore
from kpcs.clock import Clock
from kpcs.config import Settings
from kpcs.db import UnitOfWork
from kpcs.exchange.delivery import Deliverer
from kpcs.signing.keys import KeyRing


@dataclass(frozen=True)
class AppContext:
    """Settings, database and clock of one running app."""

    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    read_session_factory: sessionmaker[Session]
    clock: Clock
    keyring: KeyRing
    evidence: EvidenceStore
    deliverer: Deliverer | None = None
    sign_in_backoff: SignInBackoff = field(default_factory=SignInBackoff)

    def uow(self) -> UnitOfWork:
        """A fresh unit of work for one use case."""
        return UnitOfWork(self.session_factory)
