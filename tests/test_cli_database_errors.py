"""Every command run on a database it cannot use (no chitieu schema yet, a server that does
not answer) says where the database is and what to run, exits 1, and writes nothing."""

from __future__ import annotations

import sqlite3
import sys

import pytest

from chitieu.cli import main
from chitieu.config import get_settings


@pytest.fixture
def run(monkeypatch, capsys):  # type: ignore[no-untyped-def]
    def run(url: str, *args: str) -> tuple[int, str]:
        monkeypatch.setenv("CHITIEU_DATABASE_URL", url)
        get_settings.cache_clear()
        monkeypatch.setattr(sys, "argv", ["chitieu", *args])
        with pytest.raises(SystemExit) as stopped:
            main()
        return stopped.value.code, capsys.readouterr().err  # type: ignore[return-value]

    yield run
    get_settings.cache_clear()


@pytest.mark.parametrize(
    "args",
    [
        ("targets", "status"),
        ("report", "--plan", "HN-SRB-2026-2030", "--period", "2026", "--format", "xlsx"),
        ("export", "dhis2", "--format", "json"),
    ],
)
def test_a_database_without_schema_is_named_with_what_to_run(run, tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "var").mkdir()
    sqlite3.connect(tmp_path / "var" / "new.db").close()  # a file without chitieu's tables
    code, err = run("sqlite:///var/new.db", *args)
    assert code == 1
    assert str(tmp_path / "var" / "new.db") in err  # the absolute path, not "var/new.db"
    assert "no such table" in err and "chitieu db upgrade" in err
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["var"]  # no report file written


def test_a_server_that_does_not_answer_is_named_without_its_password(run):
    code, err = run("postgresql+psycopg://chitieu:s3cret@127.0.0.1:1/none", "targets", "status")
    assert code == 1
    assert "127.0.0.1:1" in err and "s3cret" not in err and "***" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "args",
    [
        ("targets", "status"),
        ("units", "search", "Hà Nội"),
        ("users", "list"),
        ("serve",),
        ("export", "dhis2", "--format", "json"),
    ],
)
def test_a_command_on_a_missing_database_creates_nothing(run, tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    code, err = run("sqlite:///var/none.db", *args)
    assert code == 1
    assert f"there is no database at {tmp_path / 'var' / 'none.db'}" in err
    assert "chitieu db upgrade" in err and "chitieu demo --no-serve" in err
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []  # no empty database file, not even its directory


def test_commands_that_make_their_database_or_need_none_are_not_stopped():
    from chitieu.cli import missing_database

    for args in (["db", "upgrade"], ["demo", "--no-serve"], ["srb", "estimate", "x.csv"]):
        assert missing_database(args) is None, args
    assert missing_database(["targets", "--help"]) is None  # help needs no database
