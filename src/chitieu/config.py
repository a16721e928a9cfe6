"""Settings read once from the environment (prefix ``CHITIEU_``)."""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url


def default_data_dir() -> Path:
    """Where the default database (and the secret generated for a server database) lives: the
    user's data directory (``~/.local/share/chitieu`` on Linux), never the working directory,
    so a command run anywhere finds the same database. ``make demo`` sets
    ``CHITIEU_DATABASE_URL=sqlite:///var/chitieu.db`` to keep the demo inside the repository."""
    return Path(user_data_dir("chitieu", appauthor=False))


#: The secret the settings fall back to. No server signs with it: on loopback a random secret
#: kept beside the database takes its place (:func:`signing_secret`); elsewhere ``chitieu
#: serve`` refuses to start without a real one.
DEMO_SECRET = "chitieu-demo-secret-change-me"
#: Shortest secret accepted for a server that others can reach.
MIN_SECRET_LENGTH = 16


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CHITIEU_", env_file=".env", extra="ignore")

    #: SQLAlchemy URL. SQLite file by default; ``postgresql+psycopg://…`` for a server.
    database_url: str = Field(
        default_factory=lambda: f"sqlite:///{default_data_dir() / 'chitieu.db'}"
    )
    #: Secret for session cookies and CSRF tokens; the default is for the demo only.
    secret_key: str = DEMO_SECRET
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    #: Addresses of reverse proxies whose ``X-Forwarded-For`` / ``X-Forwarded-Proto`` headers
    #: are believed (comma-separated IPs or networks, e.g. ``10.0.0.5,192.168.1.0/24``). None
    #: by default, not even 127.0.0.1: a client's address is the connection's, so whoever can
    #: reach the server cannot pick the address the sign-in limit counts against.
    trusted_proxies: str = ""
    #: Largest request bodies in bytes: sign-in forms, ordinary requests, data imports. Bigger
    #: bodies are refused (413) before they are read into memory.
    max_sign_in_body: int = 16 * 1024
    max_body: int = 2 * 1024 * 1024
    #: The DHIS2 import routes (``POST /api/dataValueSets``): counted on the wire and again
    #: after gzip decompression. Far above the ordinary limit: a year of every commune's
    #: monthly report is ~200,000 values (~40 MB of JSON), and the body is spooled to a
    #: temporary file and read as a stream, so this bounds disk, not memory.
    max_upload_body: int = 1024 * 1024 * 1024
    #: Default UI language: "vi" first, "en" available.
    language: str = "vi"
    #: The address users reach the web app at (links in reminder e-mails).
    base_url: str | None = None
    #: SMTP server for reminder e-mails (``chitieu remind --send``).
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "chitieu <chitieu@localhost>"
    smtp_starttls: bool = True
    #: Answers about the whole country may be served stale while they are rebuilt in the
    #: background (:mod:`chitieu.api.cache`): rebuilt at most once every this many seconds
    #: while changes keep coming (0: never served stale, every answer waits to be current),
    #: and never served stale once computed more than ``stale_max_age`` seconds ago.
    stale_refresh_interval: float = 30.0
    stale_max_age: float = 120.0
    #: Each ``chitieu serve`` worker builds the country's dashboard sections in the background
    #: when it starts (``CHITIEU_WARM_UP=false``: on the first request instead).
    warm_up: bool = True
    #: Log lines as plain ``text`` or as ``json`` (one object a line), on stderr.
    log_format: Literal["text", "json"] = "text"
    #: Lowest level logged; unset: INFO for the server, WARNING for other commands.
    log_level: str | None = None


@lru_cache
def get_settings() -> Settings:
    return Settings()


def is_loopback(host: str) -> bool:
    """True if ``host`` is reachable only from this machine (127.0.0.0/8, ::1, localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def has_real_secret(settings: Settings) -> bool:
    """True if the operator set a secret of their own (not the default, not too short)."""
    key = settings.secret_key
    return key != DEMO_SECRET and len(key) >= MIN_SECRET_LENGTH


def secret_file(database_url: str) -> Path:
    """Where the generated secret of a database lives: beside a SQLite file
    (``chitieu.db.secret``), under the data directory for a server database."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database + ".secret")
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{url.host or 'local'}_{url.port or ''}_{url.database}")
    return default_data_dir() / f"{name}.secret"


def signing_secret(settings: Settings) -> str:
    """The key tokens and cookies are signed with: the configured ``CHITIEU_SECRET_KEY``, or,
    when it is left at the default, a random key made once per database and kept beside it
    (mode 600), so that no server ever signs with the published default. Safe when several
    worker processes ask at once: the first file written wins and all read it."""
    if settings.secret_key != DEMO_SECRET:
        return settings.secret_key
    path = secret_file(settings.database_url)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(32))
        try:
            os.link(tmp, path)  # atomic, and fails if another process got there first
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()
