"""The kpcs exception tree.

Core code raises these; only the edges translate them (``web/errors.py`` into HTTP
responses, ``cli/`` into exit codes). Core code never raises ``HTTPException``.

    KPCSError
    ├── NotFound                 the named object does not exist            (404, exit 1)
    ├── AccessError
    │   ├── NotAuthenticated     no valid credentials                       (401, exit 1)
    │   └── PermissionDenied     credentials valid, action not allowed      (403, exit 1)
    ├── InvalidInput             a field is malformed; names field + reason (422, exit 1)
    ├── Conflict                 the change clashes with existing state     (409, exit 1)
    ├── ConfigurationError       a setting is unusable (bad database URL)   (exit 1)
    └── DomainError              a rule of the Scheme forbids the change    (422, exit 1)
        └── RegistryDataError    the registry data file is inconsistent
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class KPCSError(Exception):
    """Root of every error kpcs raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(KPCSError):
    """The object named in the request does not exist (or is not visible to the caller)."""


class AccessError(KPCSError):
    """Base for authentication and authorisation failures."""


class NotAuthenticated(AccessError):
    """No valid token, session or password was presented."""


class PermissionDenied(AccessError):
    """The principal is known but may not do this."""


@dataclass(frozen=True)
class FieldProblem:
    """One thing wrong with one field (and row, for files)."""

    field: str
    message: str
    row: int | None = None
    rule: str | None = None


class InvalidInput(KPCSError):
    """Input that cannot be accepted; ``problems`` names each field and reason."""

    def __init__(self, message: str, *, problems: Sequence[FieldProblem] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)

    @classmethod
    def field(cls, field: str, message: str) -> InvalidInput:
        """Shortcut for a single bad field."""
        return cls(f"{field}: {message}", problems=[FieldProblem(field, message)])


class Conflict(KPCSError):
    """The change clashes with the current state (duplicate, no-op, stale)."""


class ConfigurationError(KPCSError):
    """A setting cannot be used as given (malformed URL, unreachable database)."""


class DomainError(KPCSError):
    """A rule of the Kimberley Process forbids the change; ``rule`` names it."""

    def __init__(self, message: str, *, field: str | None = None, rule: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.rule = rule


class RegistryDataError(DomainError):
    """The participant registry data file contradicts itself."""
