"""Sign-in attempts limited per username and client address.

After ``max_failures`` failed attempts within ``window`` seconds, further attempts for that
username from that address are refused (HTTP 429) until enough failures have left the window;
a success clears the count. Failures are kept in the database (``login_failures``), not in the
server process, so a server running several workers counts them once: an attacker gets
``max_failures`` guesses per window, not ``workers × max_failures``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import Engine, delete, insert, select

from chitieu.store.models import LoginFailure

#: Stored addresses are cut to the column's width.
ADDRESS_LENGTH = 64


class LoginLimiter:
    """Counts failed sign-ins per ``(username, address)`` in a sliding window, in the
    database at ``engine``; each call is its own short transaction (a refused sign-in rolls its
    request back, but its failure must stay counted)."""

    def __init__(
        self,
        engine: Engine,
        max_failures: int = 5,
        window: float = 300.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.engine = engine
        self.max_failures = max_failures
        self.window = window
        self._clock = clock

    @staticmethod
    def key(username: str, address: str | None) -> tuple[str, str]:
        return (username.strip().lower()[:100], (address or "?")[:ADDRESS_LENGTH])

    def _where(self, username: str, address: str | None):  # type: ignore[no-untyped-def]
        user, addr = self.key(username, address)
        return (LoginFailure.username == user, LoginFailure.address == addr)

    def retry_after(self, username: str, address: str | None) -> int:
        """Seconds until another attempt is allowed; 0 when one is allowed now."""
        now = self._clock()
        with self.engine.connect() as conn:
            times = list(
                conn.scalars(
                    select(LoginFailure.at)
                    .where(*self._where(username, address), LoginFailure.at > now - self.window)
                    .order_by(LoginFailure.at)
                )
            )
        if len(times) < self.max_failures:
            return 0
        # allowed again once all but max_failures - 1 of them have left the window
        leaves = times[len(times) - self.max_failures] + self.window
        return max(1, int(leaves - now + 0.999))

    def failure(self, username: str, address: str | None) -> None:
        now = self._clock()
        user, addr = self.key(username, address)
        with self.engine.begin() as conn:
            # forget what has left every window, so the table stays small
            conn.execute(delete(LoginFailure).where(LoginFailure.at <= now - self.window))
            conn.execute(insert(LoginFailure).values(username=user, address=addr, at=now))

    def success(self, username: str, address: str | None) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(LoginFailure).where(*self._where(username, address)))
