"""Settings read once from the environment (prefix ``CHITIEU_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path("var")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CHITIEU_", env_file=".env", extra="ignore")

    #: SQLAlchemy URL. SQLite file by default; ``postgresql+psycopg://…`` for a server.
    database_url: str = f"sqlite:///{DEFAULT_DATA_DIR / 'chitieu.db'}"
    #: Secret for session cookies and CSRF tokens; the default is for the demo only.
    secret_key: str = "chitieu-demo-secret-change-me"
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    #: Addresses of reverse proxies whose ``X-Forwarded-For`` / ``X-Forwarded-Proto`` headers
    #: are believed (comma-separated IPs or networks, e.g. ``10.0.0.5,192.168.1.0/24``). None
    #: by default, not even 127.0.0.1: a client's address is the connection's, so whoever can
    #: reach the server cannot pick the address the sign-in limit counts against.
    trusted_proxies: str = ""
    #: Default UI language: "vi" first, "en" available.
    language: str = "vi"


@lru_cache
def get_settings() -> Settings:
    return Settings()
