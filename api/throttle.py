"""Failed-authentication throttling per client address: after `max_failures` invalid keys
within `window` seconds, an address gets 429 with Retry-After until the oldest failure ages
out. In memory, per process (each server process counts its own)."""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque


class FailedAuthThrottle:
    def __init__(self, max_failures: int, window: float, max_addresses: int = 100_000):
        self.max_failures, self.window, self.max_addresses = max_failures, window, max_addresses
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def retry_after(self, address: str) -> int | None:
        """Seconds this address must wait before trying a key again, or None."""
        with self._lock:
            failures = self._recent(address, time.monotonic())
            if failures is None or len(failures) < self.max_failures:
                return None
            return max(1, math.ceil(failures[0] + self.window - time.monotonic()))

    def failed(self, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            failures = self._recent(address, now)
            if failures is None:
                failures = self._failures[address] = deque()
                while len(self._failures) > self.max_addresses:  # bounded memory under a spray of addresses
                    self._failures.popitem(last=False)
            failures.append(now)
            while len(failures) > self.max_failures:
                failures.popleft()

    def _recent(self, address: str, now: float) -> deque[float] | None:
        failures = self._failures.get(address)
        if failures is not None:
            while failures and failures[0] <= now - self.window:
                failures.popleft()
            if not failures:
                del self._failures[address]
                return None
        return failures
