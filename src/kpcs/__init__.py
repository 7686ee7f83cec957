"""kpcs: the information system of the Kimberley Process Certification Scheme.

The package can be used as a library (the registry, accounts and audit services take a
unit of work and a clock); ``kpcs.web`` and ``kpcs.cli`` are its two entry points.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from kpcs.clock import Clock, FixedClock, SystemClock
from kpcs.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    KPCSError,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
)

if TYPE_CHECKING:
    from kpcs.config import Settings, get_settings
    from kpcs.db import UnitOfWork, make_engine, make_session_factory

    __version__: str

# Importing any module of kpcs runs this file first. The names below pull in pydantic-settings
# and SQLAlchemy (and the version, a search of the installed distributions), so they are loaded
# on first use (PEP 562): `kpcs --help` and an offline `kpcs verify` need none of them (issue 15).
_LAZY = {
    "Settings": "kpcs.config",
    "get_settings": "kpcs.config",
    "UnitOfWork": "kpcs.db",
    "make_engine": "kpcs.db",
    "make_session_factory": "kpcs.db",
}


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("kpcs")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0"


def __getattr__(name: str) -> object:
    """The names of ``__all__`` that are loaded on first use (then kept as plain attributes)."""
    if name == "__version__":
        value: object = _version()
    elif name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


__all__ = [
    "Clock",
    "Conflict",
    "DomainError",
    "FixedClock",
    "InvalidInput",
    "KPCSError",
    "NotAuthenticated",
    "NotFound",
    "PermissionDenied",
    "Settings",
    "SystemClock",
    "UnitOfWork",
    "__version__",
    "get_settings",
    "make_engine",
    "make_session_factory",
]
