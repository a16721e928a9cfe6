"""DHIS2 identifiers (UIDs): 11 characters, a letter first, then letters or digits.

:func:`derived_uid` gives the same UID for the same key in every database (a unit's UID
follows from its official code, so two chitieu databases agree on it, and a DHIS2 instance
mapped once stays mapped); :func:`random_uid` gives a fresh one.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import string

LETTERS = string.ascii_letters
ALPHANUMERIC = string.ascii_letters + string.digits
UID_LENGTH = 11
#: DHIS2's rule (CodeGenerator.isValidUid).
UID_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9]{10}")


def _encode(number: int) -> str:
    first = LETTERS[number % len(LETTERS)]
    number //= len(LETTERS)
    rest = []
    for _ in range(UID_LENGTH - 1):
        rest.append(ALPHANUMERIC[number % len(ALPHANUMERIC)])
        number //= len(ALPHANUMERIC)
    return first + "".join(rest)


def derived_uid(kind: str, key: str) -> str:
    """The UID of the object ``key`` of kind ``kind`` (``unit``, ``user``), from a SHA-256
    digest: stable forever, so never change this function."""
    digest = hashlib.sha256(f"chitieu:{kind}:{key}".encode()).digest()
    return _encode(int.from_bytes(digest, "big"))


def random_uid() -> str:
    """A new random UID (about 59 bits of randomness)."""
    return _encode(secrets.randbits(128))


def is_uid(text: str) -> bool:
    return UID_PATTERN.fullmatch(text) is not None
