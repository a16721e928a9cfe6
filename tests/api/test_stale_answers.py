"""Stale answers of the cache (:mod:`chitieu.api.cache`): the country's answers are served
stale while they are rebuilt in the background, one rebuild of a key at a time, at most once an
interval, never older than the maximum age; a failed rebuild keeps the old answer and is
logged; answers about a province or below stay current for whoever wrote."""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import pytest

from chitieu.api import cache as cache_module
from chitieu.api.cache import LruCache

INTERVAL, MAX_AGE = 30.0, 120.0


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


class Pool(ThreadPoolExecutor):
    """A real thread pool that remembers what it was given, so a test can wait for it."""

    def __init__(self, workers: int = 1) -> None:
        super().__init__(workers)
        self.futures: list[Future[Any]] = []

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def, override]
        future = super().submit(fn, *args, **kwargs)
        self.futures.append(future)
        return future

    def drain(self) -> None:
        for f in list(self.futures):
            f.result(timeout=10)


def _cache(clock: Clock, pool: Pool) -> LruCache[str]:
    return LruCache(refresh_interval=INTERVAL, max_stale_age=MAX_AGE, clock=clock, executor=pool)


def _churning(cache: LruCache[str], clock: Clock) -> None:
    """Key ``k`` built at version 1, then refreshed at version 2 (the first change after a
    quiet spell: the request waited), so that the next change comes within the interval."""
    assert cache.serve("k", lambda: "v1", version=(1,), refresh=lambda: "x").value == "v1"
    clock.now += 1
    served = cache.serve("k", lambda: "v2", version=(2,), refresh=lambda: "x")
    assert (served.value, served.stale) == ("v2", False)
    clock.now += 1


def _read_on(cache: LruCache[str], clock: Clock, refresh: Any) -> None:
    """Readers keep asking for version 3 every 10 s until the rebuild is due (an interval after
    the last one): each gets the stale answer."""
    for _ in range(2):
        clock.now += 10
        served = cache.serve("k", lambda: "never", version=(3,), refresh=refresh)
        assert served.stale
    clock.now += INTERVAL - 20


def test_a_stale_answer_is_served_while_it_is_rebuilt_then_replaced() -> None:
    clock, pool = Clock(), Pool()
    cache = _cache(clock, pool)
    _churning(cache, clock)
    release = threading.Event()
    started = threading.Event()

    def rebuild() -> str:
        started.set()
        assert release.wait(10)
        return "v3"

    # within the interval of the last rebuild: the old answer, no rebuild yet
    first = cache.serve("k", lambda: "never", version=(3,), refresh=rebuild)
    assert (first.value, first.stale) == ("v2", True) and pool.futures == []
    # an interval after it: the old answer at once, the rebuild in the background
    _read_on(cache, clock, rebuild)
    assert pool.futures == []
    rebuilt_at = clock.now
    second = cache.serve("k", lambda: "never", version=(3,), refresh=rebuild)
    assert (second.value, second.stale) == ("v2", True)
    assert started.wait(10)
    clock.now += INTERVAL  # a rebuild slower than the interval is not started twice
    during = cache.serve("k", lambda: "never", version=(3,), refresh=rebuild)
    assert (during.value, during.stale, len(pool.futures)) == ("v2", True, 1)
    release.set()
    pool.drain()
    after = cache.serve("k", lambda: "never", version=(3,), refresh=rebuild)
    assert (after.value, after.stale, after.computed_at) == ("v3", False, rebuilt_at)
    assert cache.stale == 5


def test_one_rebuild_of_a_key_at_a_time() -> None:
    clock, pool = Clock(), Pool(workers=4)
    cache = _cache(clock, pool)
    _churning(cache, clock)
    cache.serve("k", lambda: "never", version=(3,), refresh=lambda: "x")
    _read_on(cache, clock, lambda: "x")
    builds: list[int] = []
    gate = threading.Barrier(12)

    def rebuild() -> str:
        builds.append(1)
        time.sleep(0.2)  # long enough for every thread to ask while it runs
        return "v3"

    served: list[str] = []

    def ask() -> None:
        gate.wait()
        served.append(cache.serve("k", lambda: "fg", version=(3,), refresh=rebuild).value)

    threads = [threading.Thread(target=ask) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    pool.drain()
    assert len(builds) == 1 and len(pool.futures) == 1
    assert served == ["v2"] * 12  # nobody waited, nobody built in the foreground
    assert cache.get("k", (3,)) == "v3"


def test_while_one_request_waits_for_a_rebuild_the_others_get_the_old_answer() -> None:
    clock, pool = Clock(), Pool()
    cache = _cache(clock, pool)
    cache.serve("k", lambda: "v1", version=(1,), refresh=lambda: "x")
    building, release = threading.Event(), threading.Event()
    builds: list[int] = []

    def slow() -> str:
        builds.append(1)
        building.set()
        assert release.wait(10)
        return "v2"

    waiter = threading.Thread(
        target=cache.serve, args=("k", slow), kwargs={"version": (2,), "refresh": slow}
    )
    waiter.start()
    assert building.wait(10)
    others = [cache.serve("k", slow, version=(2,), refresh=slow) for _ in range(5)]
    release.set()
    waiter.join()
    assert [(o.value, o.stale) for o in others] == [("v1", True)] * 5
    assert len(builds) == 1 and pool.futures == []


def test_the_first_change_after_a_quiet_spell_is_waited_for() -> None:
    clock, pool = Clock(), Pool()
    cache = _cache(clock, pool)
    cache.serve("k", lambda: "v1", version=(1,), refresh=lambda: "x")
    clock.now += 5
    served = cache.serve("k", lambda: "v2", version=(2,), refresh=lambda: "x")
    assert (served.value, served.stale) == ("v2", False) and pool.futures == []
    clock.now += INTERVAL + 1  # quiet again
    served = cache.serve("k", lambda: "v3", version=(3,), refresh=lambda: "x")
    assert (served.value, served.stale) == ("v3", False)


def test_after_changes_stop_being_read_for_an_interval_the_next_read_waits() -> None:
    clock, pool = Clock(), Pool()
    cache = _cache(clock, pool)
    _churning(cache, clock)
    assert cache.serve("k", lambda: "no", version=(3,), refresh=lambda: "x").stale
    clock.now += INTERVAL  # nobody read, nothing was rebuilt: quiet
    served = cache.serve("k", lambda: "v4", version=(4,), refresh=lambda: "x")
    assert (served.value, served.stale) == ("v4", False) and pool.futures == []


def test_an_answer_past_the_maximum_age_is_never_served_stale() -> None:
    clock, pool = Clock(), Pool()
    cache = _cache(clock, pool)
    _churning(cache, clock)
    assert cache.serve("k", lambda: "no", version=(3,), refresh=lambda: "x").stale
    clock.now += MAX_AGE  # the v2 answer is now older than the maximum age
    served = cache.serve("k", lambda: "v3", version=(3,), refresh=lambda: "bg")
    assert (served.value, served.stale) == ("v3", False) and pool.futures == []


def test_without_a_refresh_a_stale_answer_is_never_served() -> None:
    clock, pool = Clock(), Pool()
    cache = _cache(clock, pool)
    cache.serve("k", lambda: "v1", version=(1,))
    clock.now += 1
    cache.serve("k", lambda: "v2", version=(2,))
    clock.now += 1
    served = cache.serve("k", lambda: "v3", version=(3,))
    assert (served.value, served.stale) == ("v3", False)
    # a request that read its stamp before a write gets the later answer already built
    assert cache.serve("k", lambda: "older", version=(2,)).value == "v3"


def test_an_interval_of_zero_never_serves_a_stale_answer() -> None:
    clock, pool = Clock(), Pool()
    cache = LruCache[str](refresh_interval=0, clock=clock, executor=pool)
    for v in range(1, 5):
        clock.now += 1
        served = cache.serve("k", lambda v=v: f"v{v}", version=(v,), refresh=lambda: "bg")
        assert (served.value, served.stale) == (f"v{v}", False)
    assert pool.futures == []


def test_a_failed_rebuild_keeps_the_old_answer_and_is_logged(caplog) -> None:  # type: ignore[no-untyped-def]
    clock, pool = Clock(), Pool()
    cache = _cache(clock, pool)
    _churning(cache, clock)

    def broken() -> str:
        raise RuntimeError("database gone")

    cache.serve("k", lambda: "no", version=(3,), refresh=broken)
    _read_on(cache, clock, broken)
    with caplog.at_level(logging.ERROR, logger=cache_module.__name__):
        assert cache.serve("k", lambda: "no", version=(3,), refresh=broken).value == "v2"
        pool.drain()
    (record,) = [r for r in caplog.records if r.name == cache_module.__name__]
    assert record.getMessage() == "background rebuild failed"
    assert record.exc_info and "database gone" in str(record.exc_info[1])
    # the old answer stays, stale; the next attempt comes an interval later
    served = cache.serve("k", lambda: "no", version=(3,), refresh=lambda: "v3")
    assert (served.value, served.stale, len(pool.futures)) == ("v2", True, 1)
    _read_on(cache, clock, lambda: "v3")
    assert cache.serve("k", lambda: "no", version=(3,), refresh=lambda: "v3").value == "v2"
    pool.drain()
    assert cache.get("k", (3,)) == "v3"


@pytest.fixture
def app_clock(plan_api):  # type: ignore[no-untyped-def]
    """The plan world's app, its API cache on a clock the test moves."""
    client, headers = plan_api
    clock = Clock()
    clock.now = time.time()
    client.app.state.api_cache = LruCache(clock=clock)
    return client, headers, clock


def _write(client, headers, period: str, value: int) -> None:  # type: ignore[no-untyped-def]
    r = client.put(
        "/api/datavalues?confirm=true",
        json={
            "element": "LIVE_BIRTHS",
            "unit": "00070",
            "period": period,
            "disaggregation": "M_O1",
            "value": value,
        },
        headers=headers("entry.00070"),
    )
    assert r.status_code in (200, 201), r.text


def _boys(r) -> float:  # type: ignore[no-untyped-def]
    assert r.status_code == 200, r.text
    (row,) = r.json()["items"]
    return row["numerator"]


def _settled(client, url: str, headers: dict[str, str]):  # type: ignore[no-untyped-def]
    """The answer at ``url`` once it is no longer stale (the background rebuild done)."""
    deadline = time.monotonic() + 20
    while True:
        r = client.get(url, headers=headers)
        if "X-Chitieu-Stale" not in r.headers or time.monotonic() > deadline:
            return r
        time.sleep(0.05)


def test_national_users_may_see_a_lag_a_commune_and_its_province_never_do(app_clock) -> None:  # type: ignore[no-untyped-def]
    client, headers, clock = app_clock
    admin, entry, hanoi_user = headers("admin"), headers("entry.00070"), headers("analyst.hanoi")
    country = "/api/indicators/SRB?unit=VN&start=2026&end=2026"
    hanoi = "/api/indicators/SRB?unit=01&start=2026&end=2026"
    commune = "/api/indicators/SRB?unit=00070&start=2026&end=2026"
    first = client.get(country, headers=admin)
    assert _boys(first) == 0.0 and "X-Chitieu-Stale" not in first.headers
    assert first.headers["X-Chitieu-Computed-At"].endswith("Z") and "Age" in first.headers
    assert _boys(client.get(hanoi, headers=admin)) == 0.0
    assert _boys(client.get(hanoi, headers=hanoi_user)) == 0.0

    _write(client, headers, "202603", 12)  # the first change after a quiet spell: seen at once
    assert _boys(client.get(country, headers=admin)) == 12.0
    assert _boys(client.get(hanoi, headers=admin)) == 12.0

    _write(client, headers, "202604", 5)  # another one at once: national users see a lag ...
    for url in (country, hanoi):
        lagging = client.get(url, headers=admin)
        assert _boys(lagging) == 12.0 and lagging.headers["X-Chitieu-Stale"] == "1"
    # ... the writer's commune and the province's own users never do
    assert _boys(client.get(commune, headers=entry)) == 17.0
    fresh = client.get(hanoi, headers=hanoi_user)
    assert _boys(fresh) == 17.0 and "X-Chitieu-Stale" not in fresh.headers

    clock.now += 20
    assert _boys(client.get(country, headers=admin)) == 12.0  # read on ...
    assert _boys(client.get(hanoi, headers=admin)) == 12.0
    clock.now += 11  # ... an interval after the last rebuild: rebuilt in the background
    for url in (country, hanoi):
        assert _boys(client.get(url, headers=admin)) == 12.0
    for url in (country, hanoi):
        r = _settled(client, url, admin)
        assert _boys(r) == 17.0 and "X-Chitieu-Stale" not in r.headers


def test_a_province_section_lags_for_national_users_only(app_clock) -> None:  # type: ignore[no-untyped-def]
    client, headers, clock = app_clock
    client.app.state.dashboard_cache = LruCache(clock=clock)
    admin, hanoi_user = headers("admin"), headers("analyst.hanoi")
    url = "/api/dashboard/reporting?unit=01&year=2026&lang=vi"
    for who in (admin, hanoi_user):
        assert client.get(url, headers=who).status_code == 200
    _write(client, headers, "202603", 12)
    assert "X-Chitieu-Stale" not in client.get(url, headers=admin).headers  # quiet: waited
    before = client.get(url, headers=admin).json()["computed_at"]
    _write(client, headers, "202604", 5)
    clock.now += 5
    lagging = client.get(url, headers=admin)
    assert lagging.headers["X-Chitieu-Stale"] == "1"
    assert lagging.json()["computed_at"] == lagging.headers["X-Chitieu-Computed-At"] == before
    assert int(lagging.headers["Age"]) >= 0
    fresh = client.get(url, headers=hanoi_user)
    assert "X-Chitieu-Stale" not in fresh.headers and fresh.json()["computed_at"] >= before


def test_the_country_map_lags_for_national_users_and_says_so(app_clock) -> None:  # type: ignore[no-untyped-def]
    client, headers, clock = app_clock
    client.app.state.map_cache = LruCache(clock=clock)
    admin, hanoi_user = headers("admin"), headers("analyst.hanoi")
    country = {"unit": "VN", "year": "2026", "layer": "completeness"}
    hanoi = {"unit": "01", "year": "2026", "layer": "completeness"}
    for params, who in ((country, admin), (hanoi, hanoi_user)):
        assert client.get("/map", params=params, headers=who).status_code == 200
    _write(client, headers, "202603", 12)
    assert 'id="map-stale"' not in client.get("/map", params=country, headers=admin).text
    _write(client, headers, "202604", 5)
    clock.now += 5
    lagging = client.get("/map", params=country, headers=admin)
    assert lagging.headers["X-Chitieu-Stale"] == "1"
    at = datetime.fromisoformat(lagging.headers["X-Chitieu-Computed-At"]) + timedelta(hours=7)
    note = f"Số liệu tính lúc {at:%H:%M} ngày {at:%d/%m} (giờ Việt Nam), đang được cập nhật."
    assert f'<p class="small stale" id="map-stale">{note}</p>' in lagging.text
    fresh = client.get("/map", params=hanoi, headers=hanoi_user)
    assert 'id="map-stale"' not in fresh.text and "X-Chitieu-Stale" not in fresh.headers


def test_a_section_says_when_it_was_computed(plan_api) -> None:  # type: ignore[no-untyped-def]
    client, headers = plan_api
    r = client.get("/api/dashboard/capacity?unit=VN&year=2025", headers=headers("admin"))
    assert r.status_code == 200, r.text
    assert r.json()["computed_at"] == r.headers["X-Chitieu-Computed-At"]
    assert int(r.headers["Age"]) >= 0
