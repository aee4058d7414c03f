"""Rate limits: token buckets per connection and per client address."""

from __future__ import annotations

import time
from collections import OrderedDict

_monotonic = time.monotonic


class TokenBucket:
    """Allows ``rate`` actions per second on average and bursts of up to ``burst``.

    :param rate: tokens added per second.
    :param burst: the most tokens the bucket holds (it starts full).
    """

    __slots__ = ("burst", "rate", "stamp", "tokens")

    def __init__(self, rate: float, burst: float) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.stamp = time.monotonic()

    def take(self, cost: float = 1.0) -> bool:
        """Spend ``cost`` tokens if there are enough; False (and nothing spent) otherwise."""
        now = _monotonic()  # inlined: this runs for every message a client sends
        tokens = self.tokens + (now - self.stamp) * self.rate
        self.tokens = tokens if tokens < self.burst else self.burst  # min() costs a call
        self.stamp = now
        if self.tokens < cost:
            return False
        self.tokens -= cost
        return True

    def allows(self, cost: float = 1.0) -> bool:
        """True when ``cost`` tokens are there now (nothing is spent)."""
        return self.take(0.0) and self.tokens >= cost

    def wait(self, cost: float = 1.0) -> float:
        """Seconds until ``cost`` tokens will be there (0 when they are now)."""
        return max(0.0, (cost - self.tokens) / self.rate) if self.rate > 0 else float("inf")


class AddressBuckets:
    """One ``TokenBucket`` per client address, remembering at most ``capacity`` addresses
    (the least recently seen are forgotten, which only ever makes a limit more lenient).
    """

    def __init__(self, rate: float, burst: float, capacity: int = 100_000) -> None:
        self.rate = rate
        self.burst = burst
        self.capacity = capacity
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()

    def take(self, address: str, cost: float = 1.0) -> bool:
        """Spend from ``address``'s bucket."""
        bucket = self._buckets.get(address)
        if bucket is None:
            bucket = self._buckets[address] = TokenBucket(self.rate, self.burst)
            if len(self._buckets) > self.capacity:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(address)
        return bucket.take(cost)

    def allows(self, address: str, cost: float = 1.0) -> bool:
        """True when ``address`` may spend ``cost`` now (nothing is spent)."""
        bucket = self._buckets.get(address)
        return bucket is None or bucket.allows(cost)

    def wait(self, address: str, cost: float = 1.0) -> float:
        """Seconds until ``address`` may spend ``cost`` (see ``TokenBucket.wait``)."""
        bucket = self._buckets.get(address)
        return 0.0 if bucket is None else bucket.wait(cost)
