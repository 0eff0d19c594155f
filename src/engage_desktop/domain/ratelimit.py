"""Per-sender send rate (MSG-3): an exact spacing limiter, shared by the dispatcher's workers.

Carriers count a sender's throughput in messages (segments) per second, so the limiter spaces
sends evenly instead of allowing bursts: with a rate of 1/s, the n-th send never starts before
``first + (n - 1)`` seconds, however many workers ask at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping


class RateLimiter:
    def __init__(self, rates: Mapping[str, float] | None = None, *, default: float | None = None,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        self._rates = dict(rates or {})
        self._default = default
        self._clock = clock
        self._sleep = sleep
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def rate(self, sender: str) -> float | None:
        return self._rates.get(sender, self._default)

    def reserve(self, sender: str, cost: float = 1.0) -> float:
        """Book the next slot for this sender; returns how long to wait before using it."""
        rate = self.rate(sender)
        if not rate or rate <= 0:
            return 0.0
        with self._lock:
            now = self._clock()
            start = max(now, self._next.get(sender, now))
            self._next[sender] = start + cost / rate
            return start - now

    def wait(self, sender: str, cost: float = 1.0, *, stop: threading.Event | None = None) -> bool:
        """Block until this sender may send; False when ``stop`` was set while waiting."""
        delay = self.reserve(sender, cost)
        if delay <= 0:
            return True
        if stop is not None:
            return not stop.wait(delay)
        self._sleep(delay)
        return True
