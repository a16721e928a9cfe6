"""Browser tests: the real app under uvicorn on a free loopback port, on a small demo-like
SQLite database (``tests/web/webworld.py``), driven by Playwright through Debian's Chromium.

No browser is downloaded: Playwright is pointed at ``/usr/bin/chromium`` (installed by
``scripts/install-system-deps test``). Screenshots go to ``tests/artifacts/screenshots/``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "web"))

from livebrowser import CHROMIUM, LiveServer, launch_chromium
from webworld import PASSWORD, build_world

SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
SECRET = "browser-test-secret"


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    from chitieu.app import create_app
    from chitieu.auth.passwords import hash_password
    from chitieu.config import Settings
    from chitieu.store.db import make_engine
    from chitieu.store.migrate import upgrade

    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'chitieu.db'}"
    engine = make_engine(url)
    upgrade(engine)
    build_world(engine, hash_password(PASSWORD))
    app = create_app(Settings(database_url=url, secret_key=SECRET), engine=engine)
    server = LiveServer(app)
    server.start()
    yield server
    server.stop()
    engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: run scripts/install-system-deps test")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        chromium = launch_chromium(pw)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server: LiveServer) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A fresh browser context (no cookies) with the console's errors collected in
    ``page.console_errors``."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.console_errors = errors
    pg.base = live_server.url
    yield pg
    context.close()


def sign_in(pg, username: str, password: str = PASSWORD) -> None:  # type: ignore[no-untyped-def]
    pg.goto(f"{pg.base}/login")
    pg.fill("input[name=username]", username)
    pg.fill("input[name=password]", password)
    pg.click("button[type=submit]")
    pg.wait_for_url("**/dashboard**")


def screenshot(pg, name: str) -> Path:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    pg.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def login():  # type: ignore[no-untyped-def]
    """``login(page, username)``: sign in through the form."""
    return sign_in


@pytest.fixture
def shot():  # type: ignore[no-untyped-def]
    """``shot(page, name)``: a full-page screenshot under tests/artifacts/screenshots/."""
    return screenshot
