"""Password hashing with argon2id (argon2-cffi's RFC 9106 low-memory profile: 64 MiB, t=3, p=4).

Hashes embed their own salt and parameters, so a hash made under older parameters still
verifies; :func:`needs_rehash` says when to replace it after a successful sign-in.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()

#: Longest password accepted (argon2 takes any length; this bounds the work an attacker can ask).
MAX_PASSWORD = 1024


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (about 0.1 s of CPU and 64 MiB on these machines)."""
    if not password:
        raise ValueError("the password is empty")
    if len(password) > MAX_PASSWORD:
        raise ValueError(f"the password is longer than {MAX_PASSWORD} characters")
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True if ``password`` matches ``password_hash``; False for a wrong password, an empty or
    overlong one, or a malformed hash (never raises)."""
    if not password or len(password) > MAX_PASSWORD:
        return False
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True if the hash was made with parameters weaker than today's."""
    try:
        return _HASHER.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True
