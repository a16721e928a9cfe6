"""Cached answers: never stale after a change, never shared across roles or units, and many
callers asking the same uncached question at once wait for one computation."""

from __future__ import annotations

import threading
import time

from chitieu.api.cache import MAX_BYTES, LruCache


def _units(world, who: str) -> set[str]:
    r = world.client.get("/api/datavalues?element=POPULATION", headers=world.as_(who))
    assert r.status_code == 200
    return {(i["unit"], i["value"]) for i in r.json()["items"]}


def test_a_change_is_seen_at_once(world) -> None:
    assert ("00070", 40_000) in _units(world, "analyst")
    r = world.client.put(
        "/api/datavalues",
        json={"element": "POPULATION", "unit": "00070", "period": "2024", "value": 40_100},
        headers=world.as_("entry"),
    )
    assert r.status_code == 200
    assert ("00070", 40_100) in _units(world, "analyst")


def test_answers_are_not_shared_across_units(world) -> None:
    assert {u for u, _ in _units(world, "analyst")} == {"00070", "00004"}
    assert {u for u, _ in _units(world, "entry")} == {"00070"}  # same URL, own unit
    assert {u for u, _ in _units(world, "admin")} == {"00070", "00004", "10510"}
    assert (
        world.client.get("/api/datavalues?unit=00004", headers=world.as_("entry")).status_code
        == 403
    )


def test_concurrent_misses_build_once() -> None:
    cache = LruCache(max_bytes=MAX_BYTES)
    builds = []

    def build() -> bytes:
        builds.append(1)
        time.sleep(0.05)
        return b"{}"

    threads = [threading.Thread(target=cache.get_or_build, args=("k", build)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(builds) == 1
    assert cache.get_or_build("k", build) == b"{}" and len(builds) == 1


def test_bounded_in_entries_and_bytes() -> None:
    by_count = LruCache(max_entries=3, max_bytes=MAX_BYTES)
    for k in range(5):
        by_count.put(k, b"x")
    assert [by_count.get(k) for k in range(5)] == [None, None, b"x", b"x", b"x"]

    by_size = LruCache(max_entries=100, max_bytes=200)
    for k in range(5):
        by_size.put(k, b"x" * 20)  # 100 bytes in all
    by_size.put("big", b"y" * 26)  # over an eighth of the budget: not kept
    assert by_size.get("big") is None
    by_size.put("new", b"z" * 25)
    for k in range(4):
        by_size.put(("more", k), b"w" * 25)  # 225 bytes: the oldest two must go
    assert by_size.get(0) is None and by_size.get(1) is None
    assert by_size.get(2) == b"x" * 20 and by_size.get("new") == b"z" * 25
