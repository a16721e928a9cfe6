"""Passwords, signed tokens and session cookies, and the sign-in limiter (on both databases)."""

from __future__ import annotations

import time

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from chitieu.auth import tokens
from chitieu.auth.passwords import hash_password, needs_rehash, verify_password
from chitieu.auth.ratelimit import LoginLimiter
from chitieu.auth.state import AccountCache, VerifiedCache
from chitieu.auth.users import Principal
from chitieu.store.models import LoginFailure

SECRET = "s3cret"


def test_argon2id_hashes_verify_and_are_salted() -> None:
    h1, h2 = hash_password("mật khẩu"), hash_password("mật khẩu")
    assert h1.startswith("$argon2id$") and h1 != h2  # a fresh salt each time
    assert "m=65536,t=3,p=4" in h1  # RFC 9106 low-memory profile
    assert verify_password(h1, "mật khẩu") and verify_password(h2, "mật khẩu")
    assert not verify_password(h1, "mat khau")
    assert not verify_password(h1, "")
    assert not verify_password("not a hash", "mật khẩu")
    assert not needs_rehash(h1)
    weak = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash("x")
    assert verify_password(weak, "x") and needs_rehash(weak)
    with pytest.raises(ValueError):
        hash_password("")


def test_bearer_tokens() -> None:
    token = tokens.issue_token(SECRET, "entry.00070", "$argon2id$hash-1")
    cred = tokens.read_credential(SECRET, "bearer", token)
    assert cred is not None and cred.username == "entry.00070" and cred.session_id is None
    assert cred.fingerprint == tokens.password_fingerprint("$argon2id$hash-1")
    assert cred.fingerprint != tokens.password_fingerprint("$argon2id$hash-2")
    assert tokens.read_credential("other", "bearer", token) is None
    assert tokens.read_credential(SECRET, "session", token) is None  # not a cookie
    assert tokens.read_credential(SECRET, "bearer", token, now=time.time() + 13 * 3600) is None
    for broken in ("", "v1", token + "x", token.replace("v1.", "v2."), "v1.%%.1.2.3.4"):
        assert tokens.read_credential(SECRET, "bearer", broken) is None


def test_session_cookies_and_their_csrf_tokens() -> None:
    value, csrf = tokens.issue_session(SECRET, "analyst.hanoi", "h")
    cred = tokens.read_credential(SECRET, "session", value)
    assert cred is not None and cred.session_id
    assert tokens.csrf_matches(SECRET, cred.session_id, csrf)
    assert not tokens.csrf_matches(SECRET, cred.session_id, None)
    tampered = csrf[:-1] + ("A" if csrf[-1] != "A" else "B")  # always differs from csrf
    assert not tokens.csrf_matches(SECRET, cred.session_id, tampered)
    _, other_csrf = tokens.issue_session(SECRET, "analyst.hanoi", "h")
    assert other_csrf != csrf  # one token per session
    assert tokens.read_credential(SECRET, "bearer", value) is None


def test_limiter_allows_five_failures_in_five_minutes(engine) -> None:
    now = [1000.0]
    limiter = LoginLimiter(engine, clock=lambda: now[0])
    for _ in range(4):  # failures at 1000, 1010, 1020, 1030
        limiter.failure("Admin", "1.2.3.4")
        now[0] += 10
    assert limiter.retry_after("admin", "1.2.3.4") == 0
    limiter.failure("admin ", "1.2.3.4")  # at 1040; case and spaces do not matter
    assert limiter.retry_after("admin", "1.2.3.4") == 260  # until the first leaves: 1300
    assert limiter.retry_after("admin", "5.6.7.8") == 0
    assert limiter.retry_after("analyst", "1.2.3.4") == 0
    now[0] = 1300.5  # the first failure has left the window: four remain
    assert limiter.retry_after("admin", "1.2.3.4") == 0
    limiter.failure("admin", "1.2.3.4")
    assert limiter.retry_after("admin", "1.2.3.4") == 10  # 1010 + 300 - 1300.5, rounded up
    limiter.success("admin", "1.2.3.4")
    assert limiter.retry_after("admin", "1.2.3.4") == 0


def test_verified_cache() -> None:
    cache = VerifiedCache(SECRET, ttl=60, size=2)
    cache.add("hash-a", "pw")
    assert cache.hit("hash-a", "pw")
    assert not cache.hit("hash-a", "other") and not cache.hit("hash-b", "pw")
    cache.add("hash-b", "pw")
    cache.add("hash-c", "pw")  # over the size: the least recently used goes
    assert not cache.hit("hash-a", "pw") and cache.hit("hash-c", "pw")
    expired = VerifiedCache(SECRET, ttl=-1)
    expired.add("hash-a", "pw")
    assert not expired.hit("hash-a", "pw")


def test_account_cache_forgets_after_its_ttl() -> None:
    now = [0.0]
    cache = AccountCache(ttl=2.0, size=2, clock=lambda: now[0])
    who = Principal("admin", "admin", "VN", "VN")
    cache.put("admin", (who, "hash"))
    assert cache.get("admin") == (who, "hash") and cache.get("nobody") is None
    now[0] = 1.9
    assert cache.get("admin") is not None
    now[0] = 2.0
    assert cache.get("admin") is None  # re-read from the database from now on
    for name in ("a", "b", "c"):
        cache.put(name, (who, "h"))
    assert cache.get("a") is None and cache.get("c") is not None  # bounded in size


def test_limiter_counts_failures_once_for_every_worker(engine) -> None:
    """Two workers of one server (two limiters on one database) share the count: five
    failures spread over both lock the key for both, and old failures are forgotten."""
    now = [5000.0]
    workers = [LoginLimiter(engine, clock=lambda: now[0]) for _ in range(2)]
    for i in range(5):
        workers[i % 2].failure("entry.00070", "10.0.0.8")
        now[0] += 1
    assert all(w.retry_after("entry.00070", "10.0.0.8") > 0 for w in workers)
    now[0] += 400  # every failure has left the window
    workers[1].failure("someone.else", "10.0.0.9")  # purges what left every window
    with engine.connect() as conn:
        kept = conn.execute(select(LoginFailure.username, LoginFailure.address)).all()
    assert kept == [("someone.else", "10.0.0.9")]
    assert workers[0].retry_after("entry.00070", "10.0.0.8") == 0


def test_guesses_spread_over_many_addresses_are_limited_per_username(engine) -> None:
    now = [9000.0]
    limiter = LoginLimiter(engine, clock=lambda: now[0], max_user_failures=12)
    for i in range(12):  # three guesses from each of four addresses: none is over 5 alone
        limiter.failure("admin", f"198.51.100.{i % 4}")
    assert limiter.retry_after("admin", "203.0.113.50") == 300  # a fresh address is held too
    assert limiter.retry_after("analyst.hanoi", "198.51.100.0") == 0  # other users are not
    now[0] += 1
    limiter.success("admin", "198.51.100.0")  # clears that address's three: nine remain
    assert limiter.retry_after("admin", "203.0.113.50") == 0


def test_reserve_counts_the_attempt_before_it_is_checked(engine) -> None:
    now = [20_000.0]
    limiter = LoginLimiter(engine, clock=lambda: now[0])
    assert [limiter.reserve("admin", "10.0.0.1") for _ in range(5)] == [0] * 5
    assert limiter.reserve("admin", "10.0.0.1") == 300  # the sixth is refused, not stored
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(LoginFailure)) == 5
    limiter.success("admin", "10.0.0.1")  # a right password drops its reservation
    assert limiter.reserve("admin", "10.0.0.1") == 0
