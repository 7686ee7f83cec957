"""Retry timing of the outbox: doubling from half a second, capped at a minute, jittered."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from kpcs.exchange.messages import FIRST_RETRY_SECONDS, MAX_RETRY_SECONDS, next_attempt

NOW = datetime(2025, 3, 3, tzinfo=UTC)


@given(attempts=st.integers(min_value=1, max_value=10_000), seed=st.integers())
def test_retry_delay_doubles_then_caps(attempts: int, seed: int) -> None:
    delay = (next_attempt(NOW, attempts, rng=random.Random(seed)) - NOW).total_seconds()
    expected = min(MAX_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2 ** min(attempts - 1, 64))
    assert 0.8 * expected <= delay <= 1.2 * expected


def test_a_node_down_for_an_hour_is_tried_at_least_once_a_minute_after() -> None:
    waited, attempts = 0.0, 0
    while waited < 3600:
        attempts += 1
        waited += (next_attempt(NOW, attempts, rng=random.Random(attempts)) - NOW).total_seconds()
    assert attempts >= 55  # so the first attempt after the outage comes within ~72 s
