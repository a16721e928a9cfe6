"""Checking a username and password without starving the server.

A check is three short steps, each on its own pooled connection, never two at once and none
held while the password hash is verified:

1. reserve the attempt with the limiter (:meth:`~chitieu.auth.ratelimit.LoginLimiter.reserve`)
   — counted as a failure before the password is looked at, so concurrent guesses cannot
   overtake the limit;
2. read the account;
3. verify the argon2 hash (~0.1 s of CPU and 64 MiB) in a worker thread, at most
   :data:`VERIFY_SLOTS` at a time per process, so a flood of sign-ins queues here (holding
   nothing) instead of exhausting memory, threads or database connections; then, on success,
   drop the reservation.
"""

from __future__ import annotations

import asyncio
import os
from weakref import WeakKeyDictionary

import anyio
from anyio.to_thread import run_sync
from sqlalchemy import Engine

from chitieu.auth.passwords import verify_password
from chitieu.auth.state import AuthState
from chitieu.auth.users import Principal, dummy_hash, load_account
from chitieu.store.db import session_factory

#: Password hashes verified at once per worker process: one per core.
VERIFY_SLOTS = os.cpu_count() or 1

_SLOTS: WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = WeakKeyDictionary()


class TooManyAttempts(Exception):
    """Too many failed sign-ins for the username (and address): wait ``seconds``."""

    def __init__(self, seconds: int) -> None:
        super().__init__(f"too many failed sign-ins; try again in {seconds} s")
        self.seconds = seconds


class WrongCredentials(Exception):
    """The username is unknown or inactive, or the password is not theirs."""


def _verify_slots() -> anyio.CapacityLimiter:
    loop = asyncio.get_running_loop()
    slots = _SLOTS.get(loop)
    if slots is None:
        slots = _SLOTS[loop] = anyio.CapacityLimiter(VERIFY_SLOTS)
    return slots


def _read_account(engine: Engine, username: str) -> tuple[Principal, str] | None:
    with session_factory(engine)() as db:
        return load_account(db, username)


def _verify(account: tuple[Principal, str] | None, password: str) -> bool:
    if account is None:
        # An unknown user costs the time of a real check: timing does not tell who exists.
        verify_password(dummy_hash(), password)
        return False
    return verify_password(account[1], password)


async def check_password(
    state: AuthState, engine: Engine, username: str, password: str, address: str
) -> Principal:
    """The user whose ``password`` this is; :class:`TooManyAttempts` when the limiter refuses
    (nothing checked), :class:`WrongCredentials` otherwise."""
    account = state.accounts.get(username) or await run_sync(_read_account, engine, username)
    if account is not None and state.basic_cache.hit(account[1], password):
        # verified moments ago: no hash to check, but a held-back user stays held back
        wait = await run_sync(state.limiter.retry_after, username, address)
        if wait:
            raise TooManyAttempts(wait)
        return account[0]
    wait = await run_sync(state.limiter.reserve, username, address)
    if wait:
        raise TooManyAttempts(wait)
    if account is None or not await run_sync(_verify, account, password, limiter=_verify_slots()):
        raise WrongCredentials(username)
    await run_sync(state.limiter.success, username, address)
    state.accounts.put(username, account)
    state.basic_cache.add(account[1], password)
    return account[0]
