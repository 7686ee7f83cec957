"""The sign-in back-off: growing waits for the client that fails, nothing for anyone else."""

from __future__ import annotations

import pytest

from kpcs.accounts.backoff import (
    ACCOUNT_UNDER_ATTACK,
    FORGET_AFTER_SECONDS,
    FREE_FAILURES_PER_ACCOUNT,
    FREE_FAILURES_PER_CLIENT,
    MAX_WAIT_SECONDS,
    SignInBackoff,
    wait_after,
)


class Ticker:
    """A monotonic time source the test moves by hand."""

    def __init__(self) -> None:
        self.at = 1000.0

    def __call__(self) -> float:
        return self.at


@pytest.mark.parametrize(
    ("failures", "seconds"),
    [(0, 0), (3, 0), (4, 1), (5, 2), (6, 4), (13, 512), (14, MAX_WAIT_SECONDS), (60, MAX_WAIT_SECONDS)],
)
def test_waits_double_after_the_free_failures(failures: int, seconds: float) -> None:
    assert wait_after(failures, 3) == seconds


def test_the_failing_client_waits_and_no_one_else_does() -> None:
    now = Ticker()
    backoff = SignInBackoff(now)
    for _ in range(FREE_FAILURES_PER_ACCOUNT):
        assert backoff.retry_after("203.0.113.7", "admin") == 0
        backoff.failed("203.0.113.7", "admin")
    backoff.failed("203.0.113.7", "Admin ")  # the same account, however it is typed
    assert backoff.retry_after("203.0.113.7", "admin") == 1
    assert backoff.retry_after("198.51.100.2", "admin") == 0  # the admin at the office
    now.at += 1
    assert backoff.retry_after("203.0.113.7", "admin") == 0
    backoff.failed("203.0.113.7", "admin")
    assert backoff.retry_after("203.0.113.7", "admin") == 2
    backoff.failed("203.0.113.7", "admin")
    assert backoff.retry_after("203.0.113.7", "admin") == 4


def test_many_usernames_from_one_client_are_slowed_too() -> None:
    backoff = SignInBackoff(Ticker())
    for n in range(FREE_FAILURES_PER_CLIENT + 1):
        backoff.failed("203.0.113.7", f"user{n}")
    assert backoff.retry_after("203.0.113.7", "someone-new") == 1
    assert backoff.retry_after("198.51.100.2", "someone-new") == 0


def test_success_clears_the_account_and_quiet_clients_are_forgotten() -> None:
    now = Ticker()
    backoff = SignInBackoff(now)
    for _ in range(FREE_FAILURES_PER_ACCOUNT + 2):
        backoff.failed("203.0.113.7", "clerk")
    now.at += 10
    backoff.succeeded("203.0.113.7", "clerk")
    assert backoff.retry_after("203.0.113.7", "clerk") == 0
    for _ in range(FREE_FAILURES_PER_ACCOUNT + 2):
        backoff.failed("203.0.113.9", "clerk")
    now.at += FORGET_AFTER_SECONDS + 1
    backoff.failed("203.0.113.9", "clerk")  # counted afresh: the first failure is free
    assert backoff.retry_after("203.0.113.9", "clerk") == 0


def test_an_account_guessed_at_from_many_addresses_gives_no_free_failures() -> None:
    backoff = SignInBackoff(Ticker())
    for n in range(ACCOUNT_UNDER_ATTACK):
        backoff.failed(f"198.18.0.{n}", "admin")  # one guess from each address of a botnet
        assert backoff.retry_after(f"198.18.0.{n}", "admin") == 0
    backoff.failed("198.18.1.1", "admin")
    assert backoff.retry_after("198.18.1.1", "admin") == 1  # its first failure already costs
    assert backoff.retry_after("198.51.100.2", "admin") == 0  # the admin, not failing, signs in
    assert backoff.retry_after("198.18.1.1", "clerk") == 0  # other accounts are as before
