"""``chitieu serve`` with two workers: ``/metrics`` on either adds up both workers' requests,
and ``/healthz`` and ``/readyz`` answer without sign-in."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine

CHITIEU = str(Path(sys.executable).with_name("chitieu"))
REQUESTS = 40


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthz_count(body: str) -> float:
    total = 0.0
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            if (
                sample.name == "chitieu_http_request_duration_seconds_count"
                and sample.labels.get("route") == "/healthz"
            ):
                total += sample.value
    return total


def test_two_workers_report_their_requests_together(ready_sqlite: Engine, tmp_path: Path) -> None:
    port = _free_port()
    figures = tmp_path / "metrics"  # its own directory: Prometheus reads every *.db in it
    figures.mkdir()
    env = {
        **os.environ,
        "CHITIEU_DATABASE_URL": ready_sqlite.url.render_as_string(hide_password=False),
        "CHITIEU_SECRET_KEY": "serve-metrics-test",
        "PROMETHEUS_MULTIPROC_DIR": str(figures),
    }
    proc = subprocess.Popen(
        [CHITIEU, "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("server did not become ready")
            time.sleep(0.2)
        before = _healthz_count(httpx.get(f"{base}/metrics", timeout=5).text)
        # New connections each time, so both workers take some of them.
        for _ in range(REQUESTS):
            assert httpx.get(f"{base}/healthz", timeout=5).status_code == 200
        after = _healthz_count(httpx.get(f"{base}/metrics", timeout=5).text)
        # Whichever worker answers the scrape counts every request, whichever worker served
        # it (the kernel spreads connections between workers as it likes).
        assert after - before == REQUESTS
        assert list(figures.glob("*.db"))  # the workers wrote their figures there
    finally:
        proc.terminate()
        proc.wait(timeout=20)
