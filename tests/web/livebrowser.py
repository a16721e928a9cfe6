"""The live app and the browser, shared by the browser tests and ``bench/bench_web.py``.

uvicorn serves the app on a free loopback port in a background thread; Playwright drives
Debian's Chromium (``/usr/bin/chromium``, installed by ``scripts/install-system-deps test``),
so no browser is downloaded.
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
#: Headless, and quiet: no sandbox (containers), GPU, QUIC or background traffic that would
#: disturb a timing.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def launch_chromium(pw):  # type: ignore[no-untyped-def]
    """Debian's Chromium under a Playwright instance ``pw``, with :data:`CHROMIUM_ARGS`."""
    return pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """uvicorn serving ``app`` in a background thread until :meth:`stop`."""

    def __init__(self, app, port: int | None = None) -> None:  # type: ignore[no-untyped-def]
        import uvicorn

        port = port or free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{port}"

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
