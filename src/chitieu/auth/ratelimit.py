"""Sign-in attempts limited per username and client address.

After ``max_failures`` failed attempts within ``window`` seconds, further attempts for that
username from that address are refused (HTTP 429) until enough failures have left the window;
a success clears that address's count. A username that collects ``max_user_failures`` failures
from all addresses together is refused from every address the same way: guesses spread over
many addresses do not go unchecked (at the price that such an attack also holds the user back
until the window passes). Failures are kept in the database (``login_failures``), not in the
server process, so a server running several workers counts them once: an attacker gets
``max_failures`` guesses per window, not ``workers × max_failures``.

A sign-in reserves its attempt before the password is checked (:meth:`LoginLimiter.reserve`):
the attempt is stored as a failure and counted in one transaction that no other reservation
for the same username can interleave with, and a success removes it afterwards. So however
many guesses arrive at once, at most ``max_failures`` of them reach the password check.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import Delete, Engine, delete, func, insert, select

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
        max_user_failures: int = 50,
    ) -> None:
        self.engine = engine
        self.max_failures = max_failures
        self.max_user_failures = max_user_failures
        self.window = window
        self._clock = clock

    @staticmethod
    def key(username: str, address: str | None) -> tuple[str, str]:
        return (username.strip().lower()[:100], (address or "?")[:ADDRESS_LENGTH])

    def retry_after(self, username: str, address: str | None) -> int:
        """Seconds until another attempt is allowed; 0 when one is allowed now."""
        now = self._clock()
        user, addr = self.key(username, address)
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(LoginFailure.at, LoginFailure.address)
                .where(LoginFailure.username == user, LoginFailure.at > now - self.window)
                .order_by(LoginFailure.at)
            ).all()
        here = [at for at, a in rows if a == addr]
        everywhere = [at for at, _ in rows]
        return max(
            self._wait(here, self.max_failures, now),
            self._wait(everywhere, self.max_user_failures, now),
        )

    def _wait(self, times: list[float], limit: int, now: float) -> int:
        """Seconds until fewer than ``limit`` of ``times`` (sorted) lie in the window."""
        if len(times) < limit:
            return 0
        leaves = times[len(times) - limit] + self.window
        return max(1, int(leaves - now + 0.999))

    def reserve(self, username: str, address: str | None) -> int:
        """Count an attempt about to be checked as a failure, if the limits allow it: 0 when
        reserved (call :meth:`success` if the password turns out right), else the seconds to
        wait (nothing stored). Reservations for one username are serialised: on PostgreSQL by
        a transaction-scoped advisory lock on the username, on SQLite by the write lock that
        the first statement (a delete) takes."""
        now = self._clock()
        user, addr = self.key(username, address)
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(select(func.pg_advisory_xact_lock(func.hashtext(user))))
            conn.execute(self._forget_old(now))
            rows = conn.execute(
                select(LoginFailure.at, LoginFailure.address)
                .where(LoginFailure.username == user, LoginFailure.at > now - self.window)
                .order_by(LoginFailure.at)
            ).all()
            here = [at for at, a in rows if a == addr]
            everywhere = [at for at, _ in rows]
            wait = max(
                self._wait(here, self.max_failures, now),
                self._wait(everywhere, self.max_user_failures, now),
            )
            if not wait:
                conn.execute(insert(LoginFailure).values(username=user, address=addr, at=now))
        return wait

    def _forget_old(self, now: float) -> Delete:
        """Forget what has left every window, so the table stays small."""
        return delete(LoginFailure).where(LoginFailure.at <= now - self.window)

    def failure(self, username: str, address: str | None) -> None:
        now = self._clock()
        user, addr = self.key(username, address)
        with self.engine.begin() as conn:
            conn.execute(self._forget_old(now))
            conn.execute(insert(LoginFailure).values(username=user, address=addr, at=now))

    def success(self, username: str, address: str | None) -> None:
        with self.engine.begin() as conn:
            user, addr = self.key(username, address)
            conn.execute(
                delete(LoginFailure).where(
                    LoginFailure.username == user, LoginFailure.address == addr
                )
            )
