"""Sign-in attempts limited per username and client address.

After ``max_failures`` failed attempts within ``window`` seconds, further attempts for that
username from that address are refused (HTTP 429) until the oldest failure leaves the window;
a success clears the count. The count lives in the server process: with several workers each
keeps its own, so an attacker gets at most ``workers × max_failures`` guesses per window.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

#: Beyond this many tracked keys the oldest are dropped, bounding memory under a flood.
MAX_KEYS = 100_000


class LoginLimiter:
    """Counts failed sign-ins per ``(username, address)`` in a sliding window."""

    def __init__(
        self,
        max_failures: int = 5,
        window: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window = window
        self._clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def key(username: str, address: str | None) -> tuple[str, str]:
        return (username.strip().lower(), address or "?")

    def _recent(self, key: tuple[str, str], now: float) -> deque[float] | None:
        times = self._failures.get(key)
        if times is None:
            return None
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[key]
            return None
        return times

    def retry_after(self, username: str, address: str | None) -> int:
        """Seconds until another attempt is allowed; 0 when one is allowed now."""
        key = self.key(username, address)
        now = self._clock()
        with self._lock:
            times = self._recent(key, now)
            if times is None or len(times) < self.max_failures:
                return 0
            return max(1, int(times[0] + self.window - now + 0.999))

    def failure(self, username: str, address: str | None) -> None:
        key = self.key(username, address)
        now = self._clock()
        with self._lock:
            times = self._recent(key, now)
            if times is None:
                if len(self._failures) >= MAX_KEYS:
                    self._failures.pop(next(iter(self._failures)))
                times = self._failures[key] = deque()
            times.append(now)

    def success(self, username: str, address: str | None) -> None:
        with self._lock:
            self._failures.pop(self.key(username, address), None)
