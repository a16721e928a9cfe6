"""A newcomer's first commands: a command run outside the repository keeps its database in the
user's data directory (never ``./var`` of wherever it was run) and says where it is; the demo
can be rebuilt from nothing (``chitieu demo --reset``), asking first; every command and option
says what it does in Vietnamese, then in English."""

from __future__ import annotations

import re
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chitieu.cli import main
from chitieu.config import Settings, get_settings, secret_file
from chitieu.store.db import wipe_database


@pytest.fixture
def elsewhere(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """A working directory outside the repository and a user data directory of the test's."""
    work, data = tmp_path / "work", tmp_path / "xdg-data"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    monkeypatch.delenv("CHITIEU_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield work, data / "chitieu"
    get_settings.cache_clear()


def _run(monkeypatch, capsys, *args: str, stdin: str = "") -> tuple[int, str]:  # type: ignore[no-untyped-def]
    import io

    monkeypatch.setattr(sys, "argv", ["chitieu", *args])
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    with pytest.raises(SystemExit) as stopped:
        main()
    got = capsys.readouterr()
    return stopped.value.code or 0, got.out + got.err


def test_the_default_database_is_in_the_user_data_directory(elsewhere):
    _work, data = elsewhere
    url = Settings(_env_file=None).database_url
    assert url == f"sqlite:///{data / 'chitieu.db'}"
    # a server database's generated secret is kept in the same directory, not in ./var
    assert secret_file("postgresql+psycopg://u@127.0.0.1:5432/x").parent == data


def test_a_command_run_elsewhere_creates_nothing_in_the_working_directory(
    elsewhere, monkeypatch, capsys
):
    work, data = elsewhere
    code, out = _run(monkeypatch, capsys, "db", "upgrade")
    assert code == 0, out
    assert list(work.iterdir()) == []  # no ./var/chitieu.db
    assert (data / "chitieu.db").is_file()
    assert f"(database ready): {data / 'chitieu.db'}" in out  # printed where it is


def test_demo_reset_asks_first_and_keeps_the_database_on_no(elsewhere, monkeypatch, capsys):
    _work, data = elsewhere
    db = data / "chitieu.db"
    data.mkdir(parents=True)
    sqlite3.connect(db).execute("create table kept (x int)").connection.commit()
    code, out = _run(monkeypatch, capsys, "demo", "--reset", "--no-serve", stdin="n\n")
    assert code == 1
    assert "Delete everything in this database" in out and str(db) in out
    tables = sqlite3.connect(db).execute("select name from sqlite_master").fetchall()
    assert tables == [("kept",)]  # answered no: nothing touched


def test_wipe_leaves_nothing_of_a_migrated_database(engine):
    from sqlalchemy import inspect

    assert "units" in inspect(engine).get_table_names()
    path = engine.url.database
    wipe_database(engine)
    if engine.url.get_backend_name() == "sqlite":
        assert not any(p.exists() for p in map(Path, (path, f"{path}-wal", f"{path}-shm")))
    else:
        assert inspect(engine).get_table_names() == []  # chitieu's and Alembic's tables gone


def test_every_command_says_what_it_does_in_vietnamese_then_english() -> None:
    """Each command's summary (the first paragraph of its help, as ``chitieu --help`` lists
    it), each further paragraph and the help of each argument and option, none without, is
    Vietnamese with its English in parentheses at the end, nothing in English after it."""
    from typer.main import get_command

    from chitieu.cli import app

    def commands(group: Any, path: tuple[str, ...]) -> Iterator[tuple[str, Any]]:
        for name, sub in getattr(group, "commands", {}).items():
            if getattr(sub, "commands", None):
                yield from commands(sub, (*path, name))
            else:
                yield " ".join((*path, name)), sub

    found = dict(commands(get_command(app), ()))
    assert len(found) > 30 and "remind" in found and "import dhis2" in found
    texts = [
        (name, " ".join(text.split()))
        for name, command in found.items()
        for text in [
            *(command.help or "").split("\n\n"),
            *(getattr(p, "help", None) or "" for p in command.params),
        ]
        if text.strip()
    ]
    assert len(texts) > 150
    unexplained = [
        (name, p.opts) for name, c in found.items() for p in c.params if not getattr(p, "help", "")
    ]
    assert unexplained == []
    for name, text in texts:
        before, _, english = text.rpartition(" (")
        assert text.endswith((")", ").")), f"{name}: {text!r}"
        assert _VIETNAMESE.search(before), f"{name}: no Vietnamese before the English: {text!r}"
        assert english and not _VIETNAMESE.search(english), f"{name}: {english!r}"


#: The letters Vietnamese writes and English does not.
_VIETNAMESE = re.compile(
    "[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]", re.IGNORECASE
)
