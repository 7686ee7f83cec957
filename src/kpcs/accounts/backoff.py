"""Slowing down password guessers without locking anyone out.

Accounts are never locked: a lock that five wrong passwords set is a lock any stranger can
set on the admin. Instead each client that keeps failing waits longer and longer before it
may try again, counted twice: per client and account (guessing one password), and per client
(trying many usernames). An account guessed at from many addresses at once (a botnet) loses
the free failures: every client that has failed on it waits from its first failure, while a
client that has not failed on it signs in as usual. The right password from a client that
has not been failing always works, and the wait is the same whether the username exists or
not, so it tells nothing about who has an account.

Counts live in this process (each worker of ``kpcs serve --workers N`` keeps its own): a
guesser spread over N workers gets at most N times the attempts, still exponentially slowed.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

FREE_FAILURES_PER_ACCOUNT = 3
"""Typos a client may make on one account before it has to wait."""
FREE_FAILURES_PER_CLIENT = 10
"""Failures a client may make over all usernames before it has to wait."""
ACCOUNT_UNDER_ATTACK = 20
"""Failures on one account, from all clients together, after which no client's failure on it is free."""
MAX_WAIT_SECONDS = 15 * 60
FORGET_AFTER_SECONDS = 60 * 60
"""A client that has not failed for this long starts afresh."""
_MAX_ENTRIES = 100_000


def wait_after(failures: int, free: int) -> float:
    """Seconds to wait after ``failures`` in a row when ``free`` of them cost nothing:
    1 s, 2 s, 4 s… up to :data:`MAX_WAIT_SECONDS`."""
    if failures <= free:
        return 0.0
    return float(min(2 ** (failures - free - 1), MAX_WAIT_SECONDS))


@dataclass
class _Failures:
    count: int
    last_at: float
    blocked_until: float


class SignInBackoff:
    """Failed sign-ins per client and per (client, username), and how long each must wait."""

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        self._lock = threading.Lock()
        # Keys: (client, username), (client, None) for the client, (None, username) for the account.
        self._entries: dict[tuple[str | None, str | None], _Failures] = {}

    def retry_after(self, client: str, username: str) -> int:
        """Whole seconds ``client`` must still wait before trying ``username``; 0 if it may now."""
        now = self._now()
        with self._lock:
            waits = [
                entry.blocked_until - now
                for key in ((client, _normal(username)), (client, None))
                if (entry := self._entries.get(key)) is not None
            ]
        longest = max(waits, default=0.0)
        return math.ceil(longest) if longest > 0 else 0

    def failed(self, client: str, username: str) -> None:
        """Count a wrong password (or unknown username: the two must look the same)."""
        now = self._now()
        with self._lock:
            if len(self._entries) >= _MAX_ENTRIES:
                self._forget_stale(now)
            account = self._count((None, _normal(username)), now)
            free_on_account = FREE_FAILURES_PER_ACCOUNT if account.count <= ACCOUNT_UNDER_ATTACK else 0
            for key, free in (
                ((client, _normal(username)), free_on_account),
                ((client, None), FREE_FAILURES_PER_CLIENT),
            ):
                entry = self._count(key, now)
                entry.blocked_until = now + wait_after(entry.count, free)

    def _count(self, key: tuple[str | None, str | None], now: float) -> _Failures:
        entry = self._entries.get(key)
        if entry is None or now - entry.last_at > FORGET_AFTER_SECONDS:
            entry = self._entries[key] = _Failures(count=0, last_at=now, blocked_until=now)
        entry.count += 1
        entry.last_at = now
        return entry

    def succeeded(self, client: str, username: str) -> None:
        """The right password: this client's slate for the account is clean again."""
        with self._lock:
            self._entries.pop((client, _normal(username)), None)

    def _forget_stale(self, now: float) -> None:
        stale = [k for k, e in self._entries.items() if now - e.last_at > FORGET_AFTER_SECONDS]
        for key in stale:
            del self._entries[key]
        if len(self._entries) >= _MAX_ENTRIES:
            # Flooded from more addresses than we keep: forget the longest-quiet half.
            by_age = sorted(self._entries, key=lambda k: self._entries[k].last_at)
            for key in by_age[: len(by_age) // 2]:
                del self._entries[key]


def _normal(username: str) -> str:
    return username.strip().lower()
