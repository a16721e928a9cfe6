"""The dashboard's result cache: one build per key even when requests arrive together."""

from __future__ import annotations

import threading
import time

import pytest

from chitieu.api.cache import LruCache


def test_concurrent_requests_for_one_key_build_it_once():
    cache = LruCache()
    calls = []

    def build() -> int:
        calls.append(1)
        time.sleep(0.2)  # long enough for every thread to arrive while it builds
        return 42

    results = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get_or_build("k", build)))
        for _ in range(5)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [42] * 5 and len(calls) == 1
    assert (cache.hits, cache.misses) == (4, 1)


def test_a_failed_build_is_not_kept_and_old_entries_age_out():
    cache = LruCache(max_entries=2)

    def fail() -> int:
        raise RuntimeError("engine down")

    with pytest.raises(RuntimeError):
        cache.get_or_build("k", fail)
    assert cache.get_or_build("k", lambda: 1) == 1
    cache.get_or_build("a", lambda: 2)
    cache.get_or_build("b", lambda: 3)  # "k" is now the least recently used: dropped
    assert cache.get_or_build("k", lambda: 4) == 4
