"""Per-app authentication state: the signing secret, the sign-in limiter, a short-lived
cache of verified HTTP Basic credentials (argon2 costs ~0.1 s per check: a script sending
Basic on every request would otherwise pay it every time), a two-second cache of the
accounts that tokens and cookies name, and a one-second memory of the credentials found not
signed out (with both at hand a request is signed in without a database round trip)."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from chitieu.auth.ratelimit import LoginLimiter
from chitieu.auth.users import Principal

BASIC_CACHE_TTL = 300.0
BASIC_CACHE_SIZE = 1024
#: How long a worker may go on using an account as it read it: a password change, a disabled
#: user or a new role or unit reaches every request at most this many seconds later.
ACCOUNT_TTL = 2.0
ACCOUNT_CACHE_SIZE = 4096
#: How long a worker may go on accepting a session or bearer token it found not signed out:
#: signing out is refused at once by the worker that signed it out, and by every other worker
#: at most this many seconds after the sign-out was committed.
UNREVOKED_TTL = 1.0


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class ExpiringEntries(Generic[K, V]):
    """Values kept for ``ttl`` seconds each, at most ``size`` of them (the least recently
    used go first), shared by request threads. ``clock`` is the time (tests)."""

    def __init__(self, ttl: float, size: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._size = size
        self._clock = clock
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()

    def _get(self, key: K) -> V | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] <= self._clock():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def _put(self, key: K, value: V, since: float | None = None) -> None:
        """Keep ``value`` until ``ttl`` seconds after ``since`` (default: now)."""
        until = (self._clock() if since is None else since) + self.ttl
        with self._lock:
            self._entries[key] = (until, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def drop(self, key: K) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def now(self) -> float:
        return self._clock()


class VerifiedCache(ExpiringEntries[bytes, bool]):
    """Remembers (password hash, password) pairs that verified, for ``ttl`` seconds.

    Keys are HMACs under the app secret, so the cache never holds a password; the stored
    hash is part of the key, so a password change invalidates the entry."""

    def __init__(self, secret: str, ttl: float = BASIC_CACHE_TTL, size: int = BASIC_CACHE_SIZE):
        super().__init__(ttl, size)
        self._secret = secret.encode("utf-8")

    def _key(self, password_hash: str, password: str) -> bytes:
        msg = f"{password_hash}\x1f{password}".encode()
        return hmac.new(self._secret, msg, hashlib.sha256).digest()

    def hit(self, password_hash: str, password: str) -> bool:
        return self._get(self._key(password_hash, password)) is not None

    def add(self, password_hash: str, password: str) -> None:
        self._put(self._key(password_hash, password), True)


class AccountCache(ExpiringEntries[str, tuple[Principal, str]]):
    """Accounts as last read (the :class:`Principal` and the password hash), for ``ttl``
    seconds. Only accounts that exist and are active are kept."""

    def __init__(
        self,
        ttl: float = ACCOUNT_TTL,
        size: int = ACCOUNT_CACHE_SIZE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(ttl, size, clock)

    def get(self, username: str) -> tuple[Principal, str] | None:
        return self._get(username)

    def put(self, username: str, account: tuple[Principal, str]) -> None:
        self._put(username, account)


class UnrevokedCache(ExpiringEntries[str, bool]):
    """Credential ids found not signed out, for ``ttl`` seconds (:data:`UNREVOKED_TTL`)."""

    def __init__(
        self,
        ttl: float = UNREVOKED_TTL,
        size: int = ACCOUNT_CACHE_SIZE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(ttl, size, clock)

    def known(self, credential_id: str) -> bool:
        """True if ``credential_id`` was found not signed out less than ``ttl`` seconds ago."""
        return self._get(credential_id) is not None

    def put(self, credential_id: str, checked_at: float) -> None:
        """``credential_id`` was not signed out when checked at ``checked_at`` (the clock's
        time before the check began)."""
        self._put(credential_id, True, since=checked_at)


@dataclass
class AuthState:
    """What :mod:`chitieu.api.deps` needs from the app (kept on ``app.state.auth``)."""

    secret: str
    limiter: LoginLimiter
    accounts: AccountCache = field(default_factory=AccountCache)
    unrevoked: UnrevokedCache = field(default_factory=UnrevokedCache)
    basic_cache: VerifiedCache = field(init=False)

    def __post_init__(self) -> None:
        self.basic_cache = VerifiedCache(self.secret)
