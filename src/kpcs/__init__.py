"""kpcs: the information system of the Kimberley Process Certification Scheme.

The package can be used as a library (the registry, accounts and audit services take a
unit of work and a clock); ``kpcs.web`` and ``kpcs.cli`` are its two entry points.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from kpcs.clock import Clock, FixedClock, SystemClock
from kpcs.config import Settings, get_settings
from kpcs.db import UnitOfWork, make_engine, make_session_factory
from kpcs.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    KPCSError,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
)

try:
    __version__ = version("kpcs")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

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
