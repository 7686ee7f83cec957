"""Token buckets and the client address they are kept for."""

from __future__ import annotations

from kpcs.web.clients import came_over_https, client_address
from kpcs.web.ratelimit import TokenBuckets


class Ticker:
    def __init__(self) -> None:
        self.at = 50.0

    def __call__(self) -> float:
        return self.at


def test_a_client_bursts_to_its_limit_then_waits_for_tokens_to_come_back() -> None:
    now = Ticker()
    buckets = TokenBuckets({"public": 30}, now)  # a token every 2 s
    assert [buckets.take("public", "a") for _ in range(30)] == [0] * 30
    assert buckets.take("public", "a") == 2
    assert buckets.take("public", "b") == 0
    now.at += 1
    assert buckets.take("public", "a") == 1
    now.at += 1
    assert buckets.take("public", "a") == 0
    assert buckets.take("public", "a") == 2


def _scope(client: str, headers: dict[str, str], scheme: str = "http") -> dict[str, object]:
    return {
        "type": "http",
        "scheme": scheme,
        "client": (client, 1234),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }


def test_forwarded_headers_count_only_from_a_trusted_proxy() -> None:
    scope = _scope("10.0.0.2", {"X-Forwarded-For": "1.2.3.4, 203.0.113.7", "X-Forwarded-Proto": "https"})
    assert client_address(scope, trust_proxy=False) == "10.0.0.2"
    # The last entry is the one the proxy wrote; the ones before it, the client made up.
    assert client_address(scope, trust_proxy=True) == "203.0.113.7"
    assert came_over_https(scope, trust_proxy=False) is False
    assert came_over_https(scope, trust_proxy=True) is True
    assert came_over_https(_scope("10.0.0.2", {}, scheme="https"), trust_proxy=False) is True


def test_an_ipv6_client_is_its_slash_64() -> None:
    one = _scope("2001:db8:1:2:aaaa::1", {})
    other = _scope("2001:db8:1:2:bbbb::99", {})
    assert (
        client_address(one, trust_proxy=False)
        == client_address(other, trust_proxy=False)
        == "2001:db8:1:2::/64"
    )
    assert client_address(_scope("2001:db8:1:3::1", {}), trust_proxy=False) == "2001:db8:1:3::/64"
    assert client_address(_scope("::ffff:203.0.113.7", {}), trust_proxy=False) == "203.0.113.7"
    assert client_address(_scope("testclient", {}), trust_proxy=False) == "testclient"
